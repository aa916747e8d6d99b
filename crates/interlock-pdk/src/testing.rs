//! Native test helpers for plugins (not in wasm builds): run a plugin on a file the way the
//! host does, check that any split of the file into chunks gives the same result,
//! compare with a golden file, and read real samples that must not go missing silently.
//!
//! ```ignore
//! use interlock_pdk::testing;
//!
//! #[test]
//! fn the_sample() {
//!     // Whole, then in chunks of 1, 2, 3, ... bytes: the same records and diagnostics,
//!     // and those are the golden file's (UPDATE_GOLDEN=1 writes it).
//!     testing::check_fixture::<MyAdapter>("fixtures/sample.csv");
//! }
//! ```

use std::path::{Path, PathBuf};

use crate::{Plugin, PluginError, Severity, Translation};

/// The environment variable that makes a missing real sample a failure (CI, a release).
pub const REQUIRE_REAL_SAMPLES: &str = "INTERLOCK_REQUIRE_REAL_SAMPLES";

/// The environment variable that makes golden comparisons write the golden file instead.
pub const UPDATE_GOLDEN: &str = "UPDATE_GOLDEN";

/// The host's chunk size: what `import` and `plugin run` feed at a time.
pub const HOST_CHUNK: usize = 1 << 20;

/// Runs a fresh plugin on `input` fed in chunks of `chunk` bytes (the last one shorter),
/// then `finish`, as the host does: every record and diagnostic, or the error that ended
/// the file.
pub fn translate<P: Plugin>(input: &[u8], chunk: usize) -> Result<Translation, PluginError> {
    translate_with::<P>(&[], input, chunk)
}

/// [`translate`] with options, as `--option key=value` gives them to [`Plugin::start`].
pub fn translate_with<P: Plugin>(
    options: &[(&str, &str)],
    input: &[u8],
    chunk: usize,
) -> Result<Translation, PluginError> {
    let mut plugin = P::default();
    let options: Vec<(String, String)> = options
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    plugin.start(&options)?;
    let mut out = Translation::default();
    for piece in input.chunks(chunk.max(1)) {
        out.extend(plugin.feed(piece)?);
    }
    out.extend(plugin.finish()?);
    Ok(out)
}

/// The chunk sizes [`check_chunking`] tries for an input of `len` bytes: every size from
/// 1 to 64, then primes up to 65,521 (a prime never lines up with a record length), all
/// below `len`.
pub fn chunk_sizes(len: usize) -> Vec<usize> {
    const PRIMES: &[usize] = &[
        67, 97, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521,
    ];
    (1..=64)
        .chain(PRIMES.iter().copied())
        .filter(|&size| size < len)
        .collect()
}

/// Checks that `input` gives the same result whole and in chunks of every size of
/// [`chunk_sizes`]: the same records, diagnostics and lines, or the same error. Partial
/// lines, quoted fields and UTF-8 characters cut between chunks are the usual bugs this
/// finds. Returns the whole-file result. Panics naming the first chunk size that differs
/// and the first difference.
///
/// Every size is a full run over the input, so keep inputs small (a fixture); for a large
/// real file pass a few sizes to [`check_chunking_in`].
pub fn check_chunking<P: Plugin>(input: &[u8]) -> Result<Translation, PluginError> {
    check_chunking_in::<P>(input, &chunk_sizes(input.len()))
}

/// [`check_chunking`] with the chunk sizes given.
pub fn check_chunking_in<P: Plugin>(
    input: &[u8],
    sizes: &[usize],
) -> Result<Translation, PluginError> {
    let whole = translate::<P>(input, input.len().max(1));
    let expected = render_result(&whole);
    for &size in sizes {
        let actual = render_result(&translate::<P>(input, size));
        if actual != expected {
            panic!(
                "fed in chunks of {size} bytes, the plugin gives another result than fed the \
                 whole input ({} bytes) at once:\n{}",
                input.len(),
                diff(&expected, &actual)
            );
        }
    }
    whole
}

/// A translation as text, for goldens and comparisons: every record, then every
/// diagnostic, each in Rust's `{:#?}` form (field names and values, one a line), in the
/// order the plugin gave them.
pub fn render(translation: &Translation) -> String {
    let mut text = String::new();
    for draft in &translation.records {
        text.push_str(&format!("{draft:#?}\n"));
    }
    for diagnostic in &translation.diagnostics {
        text.push_str(&format!("{diagnostic:#?}\n"));
    }
    text
}

/// The diagnostics one a line, as the host shows them without the file name: `line N:
/// [warning: ][field: ]message`, or `file: ...` for a problem with the whole file (no
/// line). For tests that assert what a record manager would read.
pub fn problems(translation: &Translation) -> Vec<String> {
    translation
        .diagnostics
        .iter()
        .map(|d| {
            let mut text = d
                .line
                .map_or("file: ".to_owned(), |line| format!("line {line}: "));
            if d.severity == Severity::Warning {
                text.push_str("warning: ");
            }
            if let Some(field) = d.field.as_deref().filter(|field| !field.is_empty()) {
                text.push_str(field);
                text.push_str(": ");
            }
            text.push_str(&d.message);
            text
        })
        .collect()
}

/// [`render`], or the error that ended the file.
pub fn render_result(result: &Result<Translation, PluginError>) -> String {
    match result {
        Ok(translation) => render(translation),
        Err(error) => format!("error: {error:#?}\n"),
    }
}

/// Compares `actual` with the golden file at `path` (relative paths: to the current
/// directory, which for `cargo test` is the package's). With `UPDATE_GOLDEN` set it writes
/// the file instead: read the change (`git diff`) before committing it. Panics with a diff
/// when they differ, or when the golden file is missing.
pub fn assert_golden(path: impl AsRef<Path>, actual: &str) {
    let path = path.as_ref();
    if std::env::var_os(UPDATE_GOLDEN).is_some() {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("creating {}: {e}", parent.display()));
        }
        std::fs::write(path, actual).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        eprintln!("wrote {} ({UPDATE_GOLDEN} is set)", path.display());
        return;
    }
    let expected = match std::fs::read_to_string(path) {
        Ok(expected) => expected,
        Err(error) => panic!(
            "golden file {}: {error}; write it with {UPDATE_GOLDEN}=1, then read it",
            path.display()
        ),
    };
    if expected != actual {
        panic!(
            "the output differs from the golden file {} (rerun with {UPDATE_GOLDEN}=1 if the \
             change is right):\n{}",
            path.display(),
            diff(&expected, actual)
        );
    }
}

/// The golden file of a fixture: `INPUT.expected.txt` beside it.
pub fn golden_path(input: impl AsRef<Path>) -> PathBuf {
    let input = input.as_ref();
    let mut name = input.file_name().unwrap_or_default().to_os_string();
    name.push(".expected.txt");
    input.with_file_name(name)
}

/// The usual test of a fixture: reads `input`, checks that every chunking gives the same
/// result ([`check_chunking`]) and compares it with the golden file `INPUT.expected.txt`
/// ([`assert_golden`]). Returns the translation for further checks.
pub fn check_fixture<P: Plugin>(input: impl AsRef<Path>) -> Result<Translation, PluginError> {
    let input = input.as_ref();
    let bytes = std::fs::read(input).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
    let result = check_chunking::<P>(&bytes);
    assert_golden(golden_path(input), &render_result(&result));
    result
}

/// A real sample (a public file that is not in the repository, e.g. under `../shared/data`)
/// if it is there. Missing, it is `None` with a note on stderr, so that tests skip it on a
/// machine without the samples; but with `INTERLOCK_REQUIRE_REAL_SAMPLES` set (CI, a
/// release) a missing sample panics, so that it never goes untested without anyone
/// noticing.
pub fn real_sample(path: impl AsRef<Path>) -> Option<Vec<u8>> {
    read_sample(
        path.as_ref(),
        std::env::var_os(REQUIRE_REAL_SAMPLES).is_some(),
    )
}

fn read_sample(path: &Path, required: bool) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(error) if required => {
            panic!(
                "real sample {}: {error} ({REQUIRE_REAL_SAMPLES} is set)",
                path.display()
            )
        }
        Err(error) => {
            eprintln!(
                "skipping real sample {}: {error} (set {REQUIRE_REAL_SAMPLES} to make this a failure)",
                path.display()
            );
            None
        }
    }
}

/// The first lines where `expected` and `actual` differ, with a line of context each side.
fn diff(expected: &str, actual: &str) -> String {
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    let first = old
        .iter()
        .zip(&new)
        .position(|(a, b)| a != b)
        .unwrap_or(old.len().min(new.len()));
    let start = first.saturating_sub(1);
    let mut out = format!(
        "first difference at line {} ({} lines expected, {} actual):\n",
        first + 1,
        old.len(),
        new.len()
    );
    for (side, lines) in [("-", &old), ("+", &new)] {
        for (n, line) in lines.iter().enumerate().skip(start).take(first + 3 - start) {
            out.push_str(&format!("{side} {:>5}: {line}\n", n + 1));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    /// One item per line `ref,serial`; blank lines skipped.
    #[derive(Default)]
    struct Lines {
        lines: LineSplitter,
    }

    impl Lines {
        fn translate(&mut self, lines: Vec<crate::formats::Line>) -> Translation {
            let mut out = Translation::default();
            for line in lines {
                match line.text.split_once(',') {
                    Some((reference, serial)) => out.push(
                        Draft::new("police", reference, Item::new("Glock", serial)).at(line.number),
                    ),
                    None if line.text.trim().is_empty() => {}
                    None => out.error(line.number, "", "columns", "expected `ref,serial`"),
                }
            }
            out
        }
    }

    impl Plugin for Lines {
        fn info() -> PluginInfo {
            plugin_info("lines", "0.1.0", AgencyKind::Police, &["lines"])
        }
        fn feed(&mut self, chunk: &[u8]) -> Result<Translation> {
            let lines = self.lines.feed(chunk);
            Ok(self.translate(lines))
        }
        fn finish(&mut self) -> Result<Translation> {
            let lines = self.lines.finish().into_iter().collect();
            Ok(self.translate(lines))
        }
    }

    /// Translates each chunk as if it were whole lines: the chunk-boundary bug.
    #[derive(Default)]
    struct ForgetsPartialLines {
        line: u64,
    }

    impl Plugin for ForgetsPartialLines {
        fn info() -> PluginInfo {
            plugin_info("forgetful", "0.1.0", AgencyKind::Police, &["lines"])
        }
        fn feed(&mut self, chunk: &[u8]) -> Result<Translation> {
            let mut out = Translation::default();
            for text in String::from_utf8_lossy(chunk).lines() {
                self.line += 1;
                out.warning(self.line, "", "seen", text.to_owned());
            }
            Ok(out)
        }
    }

    const INPUT: &[u8] = b"C-1,S100\nC-2,S\xc3\xa9rie\n\nbad line\nC-3,S300";

    #[test]
    fn chunk_sizes_cover_the_small_ones_and_stay_below_the_length() {
        assert_eq!(chunk_sizes(4), vec![1, 2, 3]);
        let sizes = chunk_sizes(5000);
        assert_eq!(&sizes[..64], (1..=64).collect::<Vec<_>>().as_slice());
        assert_eq!(sizes.last(), Some(&4093));
    }

    #[test]
    fn a_plugin_that_keeps_partial_lines_passes_every_chunking() {
        let out = check_chunking::<Lines>(INPUT).expect("translates");
        assert_eq!(out.records.len(), 3);
        assert_eq!(out.records[1].line, Some(2));
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].line, Some(4));
    }

    #[test]
    fn a_plugin_that_loses_partial_lines_is_caught() {
        let failure = std::panic::catch_unwind(|| check_chunking::<ForgetsPartialLines>(INPUT))
            .expect_err("the chunking check fails");
        let message = failure
            .downcast_ref::<String>()
            .expect("a formatted panic message");
        assert!(message.contains("fed in chunks of 1 bytes"), "{message}");
        assert!(message.contains("first difference at line"), "{message}");
    }

    #[test]
    fn options_reach_start() {
        #[derive(Default)]
        struct NeedsOption;
        impl Plugin for NeedsOption {
            fn info() -> PluginInfo {
                plugin_info("opt", "0.1.0", AgencyKind::Other, &[])
            }
            fn start(&mut self, options: &[(String, String)]) -> Result<()> {
                match options {
                    [(key, value)] if key == "mode" && value == "strict" => Ok(()),
                    _ => Err(PluginError::UnsupportedFormat("mode=strict needed".into())),
                }
            }
            fn feed(&mut self, _chunk: &[u8]) -> Result<Translation> {
                Ok(Translation::default())
            }
        }
        assert!(translate_with::<NeedsOption>(&[("mode", "strict")], b"x", 1).is_ok());
        let refused = translate::<NeedsOption>(b"x", 1);
        assert!(
            render_result(&refused).contains("mode=strict needed"),
            "{}",
            render_result(&refused)
        );
    }

    #[test]
    fn goldens_are_compared_and_written() {
        let dir = std::env::temp_dir().join(format!("interlock-pdk-golden-{}", std::process::id()));
        let golden = dir.join("sample.csv.expected.txt");
        assert_eq!(golden_path(dir.join("sample.csv")), golden);
        let rendered = render(&translate::<Lines>(INPUT, HOST_CHUNK).expect("translates"));
        assert!(rendered.contains("source-ref: \"C-2\""), "{rendered}");
        assert!(rendered.contains("Série"), "{rendered}");

        let missing = std::panic::catch_unwind(|| assert_golden(&golden, &rendered))
            .expect_err("a missing golden file fails");
        let message = missing.downcast_ref::<String>().expect("a message");
        assert!(message.contains("UPDATE_GOLDEN=1"), "{message}");

        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(&golden, &rendered).expect("writes");
        assert_golden(&golden, &rendered);
        let changed = rendered.replace("S300", "S301");
        let differs = std::panic::catch_unwind(|| assert_golden(&golden, &changed))
            .expect_err("a changed output fails");
        let message = differs.downcast_ref::<String>().expect("a message");
        assert!(
            message.contains("S300") && message.contains("S301"),
            "{message}"
        );
        std::fs::remove_dir_all(&dir).expect("cleans up");
    }

    #[test]
    fn a_missing_real_sample_is_skipped_unless_required() {
        let missing = Path::new("/nonexistent/interlock/sample.csv");
        assert_eq!(read_sample(missing, false), None);
        let failure = std::panic::catch_unwind(|| read_sample(missing, true))
            .expect_err("required samples must be there");
        let message = failure.downcast_ref::<String>().expect("a message");
        assert!(
            message.contains("/nonexistent/interlock/sample.csv")
                && message.contains(REQUIRE_REAL_SAMPLES),
            "{message}"
        );
        let here = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/testing.rs"));
        for required in [false, true] {
            let bytes = read_sample(here, required).expect("this file is there");
            assert!(bytes.starts_with(b"//! Native test helpers"));
        }
    }
}
