//! `interlock import-records` and `interlock import --plugin`: each file in one import;
//! every diagnostic goes to the `--report` file and to `--json`, the terminal gets a
//! summary by code and the first lines; `--quarantine` imports what is valid.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use interlock_core::Diagnostic;
use interlock_core::diagnostic::DiagnosticCounts;
use interlock_core::jsonl::{JsonLinesError, import_json_lines_with};
use interlock_core::store::{ImportError, ImportMode, ImportObserver, ImportOutcome};
use serde::Serialize;

use super::{
    Context, EXIT_FAILURE, EXIT_NOT_FOUND, EXIT_REFUSED, EXIT_USAGE, Failure, HasExitCode,
};

#[derive(Args)]
pub struct ImportRecordsArgs {
    /// JSON Lines files: one record per line (see README, "Record format").
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub output: ImportOutputArgs,
}

#[derive(Args)]
pub struct PluginImportArgs {
    /// The registered plugin that reads these files (see `interlock plugin list`).
    #[arg(long)]
    pub plugin: String,
    /// Agency files in the plugin's format.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// An option for the plugin, e.g. `--option currency=EUR` (repeatable; `interlock
    /// plugin inspect NAME` lists the options a plugin declares). The options are kept in
    /// each record's provenance, and the same file imported with other options is another
    /// import.
    #[arg(long = "option", value_name = "KEY=VALUE", value_parser = parse_option)]
    pub options: Vec<(String, String)>,
    #[command(flatten)]
    pub output: ImportOutputArgs,
}

/// `--option KEY=VALUE`, shared with `interlock plugin run`.
pub fn parse_option(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

#[derive(Args)]
pub struct ImportOutputArgs {
    /// Also write every diagnostic (errors, warnings and notes) to FILE, one
    /// `file:line: field: message` a line, however many there are.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Print JSON Lines on stdout: every diagnostic, then a summary of the file.
    ///
    /// For each file, one line per diagnostic, in file order:
    /// {"type":"diagnostic","file":F,"severity":"error|warning|info","line":N,"field":P,
    /// "code":C,"message":M} (line and field only when known); then one line
    /// {"type":"summary","file":F,"outcome":O,"batch":N,"records":N,"created":N,
    /// "revised":N,"unchanged":N,"quarantined":N,"quarantine_file":F,
    /// "diagnostics":{"errors":N,"warnings":N,"infos":N,"by_code":[{"severity":S,
    /// "code":C,"count":N}]},"message":M}. O is `imported`, `already_imported` (the
    /// numbers are the earlier batch's), `refused` (the file has errors; nothing was
    /// written) or `failed` (see message); numbers that do not apply are null.
    #[arg(long, verbatim_doc_comment)]
    pub json: bool,
    /// Import the valid records and write every refused row, with its diagnostics, to
    /// FILE (JSON Lines, see README, "Import diagnostics and quarantine"): for sources you
    /// cannot correct, such as a public register. An error that concerns the whole file
    /// still refuses it. Without this flag a file with any error imports nothing. One input
    /// file at a time.
    #[arg(long, value_name = "FILE")]
    pub quarantine: Option<PathBuf>,
}

/// How many diagnostics of a file are printed on the terminal; `--report` and `--json`
/// carry all of them.
const PROBLEMS_ON_SCREEN: usize = 50;

pub fn import_records(context: &Context, args: ImportRecordsArgs) -> Result<ExitCode, Failure> {
    import_records_of(context, args, None)
}

/// `interlock import-records`, or for one kind only (`interlock embargo import`).
pub fn import_records_of(
    context: &Context,
    args: ImportRecordsArgs,
    only: Option<interlock_core::RecordKind>,
) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    import_each(
        context,
        &args.output,
        &args.files,
        |path, mode, progress| {
            import_json_lines_with(&store, path, only, &context.actor, mode, progress).map_err(
                |error| match error {
                    JsonLinesError::Import(error) => FileFailure::Import(error),
                    JsonLinesError::Io { ref source, .. } => {
                        // A missing input file is "not found" (3), as for every command.
                        FileFailure::Other(Failure::new(super::io_exit_code(source), error))
                    }
                },
            )
        },
    )
}

pub fn import_with_plugin(context: &Context, args: PluginImportArgs) -> Result<ExitCode, Failure> {
    super::plugin::import_files(context, args)
}

/// Why one file was not imported.
pub enum FileFailure {
    /// The import refused the file or could not finish it.
    Import(ImportError),
    /// Anything else (the file cannot be read, the plugin trapped), said as it is.
    Other(Failure),
}

/// Imports each of `files` with `import_one` (given the file, the import mode carrying the
/// quarantine file and the diagnostics' observer, and a progress callback taking bytes
/// read), reporting as it goes. Every file is tried; the exit code is the worst.
pub fn import_each(
    context: &Context,
    output: &ImportOutputArgs,
    files: &[PathBuf],
    mut import_one: impl FnMut(
        &Path,
        ImportMode<'_>,
        &mut dyn FnMut(u64),
    ) -> Result<ImportOutcome, FileFailure>,
) -> Result<ExitCode, Failure> {
    check_quarantine_file(output, files)?;
    let mut reporter = Reporter::new(output)?;
    for path in files {
        let name = path.display().to_string();
        let bar = progress_bar(path, output.json || context.quiet);
        let started = std::time::Instant::now();
        reporter.file = FileReport::default();
        let result = {
            let observer = FileObserver {
                reporter: &mut reporter,
                file: &name,
                bar: &bar,
            };
            let mode = ImportMode {
                quarantine: output.quarantine.clone(),
                observer: Some(Box::new(observer)),
            };
            import_one(path, mode, &mut |bytes| bar.set_position(bytes))
        };
        bar.finish_and_clear();
        if let Ok(ImportOutcome::Imported(summary)) = &result {
            let seconds = started.elapsed().as_secs_f64();
            tracing::info!(
                "{name}: {} records in {seconds:.2} s ({:.0} records/s)",
                summary.records,
                summary.records as f64 / seconds.max(1e-9)
            );
        }
        reporter.file_done(&name, result)?;
    }
    Ok(ExitCode::from(reporter.exit))
}

/// `--quarantine FILE` holds the refused rows of one source, and must not overwrite the
/// source or the report; its directory must exist, so a long import does not end in an
/// error it could have given at the start.
fn check_quarantine_file(output: &ImportOutputArgs, files: &[PathBuf]) -> Result<(), Failure> {
    let Some(quarantine) = &output.quarantine else {
        return Ok(());
    };
    if files.len() > 1 {
        return Err(Failure::new(
            EXIT_USAGE,
            format!(
                "--quarantine {} takes one input file: the quarantine file holds the refused \
                 rows of one source; import the {} files one at a time",
                quarantine.display(),
                files.len()
            ),
        ));
    }
    let same = |other: &Path| {
        other == quarantine
            || matches!(
                (std::fs::canonicalize(other), std::fs::canonicalize(quarantine)),
                (Ok(a), Ok(b)) if a == b
            )
    };
    if let Some(clash) = files.iter().chain(&output.report).find(|path| same(path)) {
        return Err(Failure::new(
            EXIT_USAGE,
            format!(
                "--quarantine {} would overwrite {}; name another file",
                quarantine.display(),
                clash.display()
            ),
        ));
    }
    let directory = match quarantine.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !directory.is_dir() {
        return Err(Failure::new(
            EXIT_NOT_FOUND,
            format!(
                "--quarantine {}: there is no directory {}",
                quarantine.display(),
                directory.display()
            ),
        ));
    }
    Ok(())
}

/// A progress bar on stderr, only when a person is watching and did not ask for quiet:
/// bytes of the file, and records with their rate once the first batch is in.
pub fn progress_bar(path: &Path, hidden: bool) -> ProgressBar {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if hidden || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(size);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {prefix} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(path.display().to_string());
    bar
}

/// `12,345 records, 4,567 records/s` for the progress bar.
fn records_rate(records: u64, seconds: f64) -> String {
    let rate = if seconds > 0.0 {
        (records as f64 / seconds).round() as u64
    } else {
        0
    };
    format!("{} records, {} records/s", grouped(records), grouped(rate))
}

/// `1234567` as `1,234,567`.
fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// One file's diagnostics as the terminal sees them: all counted, the first shown.
#[derive(Default)]
struct FileReport {
    counts: DiagnosticCounts,
    shown: Vec<String>,
}

/// Prints per-file outcomes and diagnostics, remembers the worst exit code.
struct Reporter {
    json: bool,
    quarantine: Option<PathBuf>,
    report_file: Option<(PathBuf, std::io::BufWriter<std::fs::File>)>,
    file: FileReport,
    exit: u8,
}

/// `--json`: one diagnostic.
#[derive(Serialize)]
struct DiagnosticLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    file: &'a str,
    #[serde(flatten)]
    diagnostic: &'a Diagnostic,
}

/// `--json`: what became of one file, after its diagnostics.
#[derive(Serialize)]
struct SummaryLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    file: &'a str,
    outcome: &'static str,
    batch: Option<u64>,
    records: Option<u64>,
    created: Option<u64>,
    revised: Option<u64>,
    unchanged: Option<u64>,
    quarantined: Option<u64>,
    quarantine_file: Option<String>,
    diagnostics: &'a DiagnosticCounts,
    message: Option<String>,
}

impl<'a> SummaryLine<'a> {
    fn new(file: &'a str, outcome: &'static str, diagnostics: &'a DiagnosticCounts) -> Self {
        SummaryLine {
            kind: "summary",
            file,
            outcome,
            batch: None,
            records: None,
            created: None,
            revised: None,
            unchanged: None,
            quarantined: None,
            quarantine_file: None,
            diagnostics,
            message: None,
        }
    }
}

/// The import's observer for one file: every diagnostic to the reporter, the record count
/// to the progress bar.
struct FileObserver<'r> {
    reporter: &'r mut Reporter,
    file: &'r str,
    bar: &'r ProgressBar,
}

impl ImportObserver for FileObserver<'_> {
    fn diagnostic(&mut self, diagnostic: &Diagnostic) -> std::io::Result<()> {
        self.reporter.diagnostic(self.file, diagnostic)
    }

    fn records(&mut self, records: u64) {
        self.bar
            .set_prefix(records_rate(records, self.bar.elapsed().as_secs_f64()));
    }
}

/// Writes one line of JSON on stdout; an error (a closed pipe) is returned, not a panic.
fn json_line(value: &impl Serialize) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    line.push(b'\n');
    std::io::stdout().lock().write_all(&line)
}

impl Reporter {
    fn new(args: &ImportOutputArgs) -> Result<Reporter, Failure> {
        let report_file = match &args.report {
            Some(path) => {
                let file = std::fs::File::create(path)
                    .map_err(|e| Failure::new(EXIT_FAILURE, format!("{}: {e}", path.display())))?;
                Some((path.clone(), std::io::BufWriter::new(file)))
            }
            None => None,
        };
        Ok(Reporter {
            json: args.json,
            quarantine: args.quarantine.clone(),
            report_file,
            file: FileReport::default(),
            exit: 0,
        })
    }

    /// One diagnostic of the file being imported: counted, written to the report file and
    /// `--json`, and kept for the terminal if it is among the first.
    fn diagnostic(&mut self, file: &str, diagnostic: &Diagnostic) -> std::io::Result<()> {
        self.file.counts.add(diagnostic);
        let text = diagnostic.render(file);
        if let Some((path, report)) = &mut self.report_file {
            writeln!(report, "{text}")
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        }
        if self.json {
            json_line(&DiagnosticLine {
                kind: "diagnostic",
                file,
                diagnostic,
            })
            .map_err(|e| std::io::Error::new(e.kind(), format!("standard output: {e}")))?;
        }
        if self.file.shown.len() < PROBLEMS_ON_SCREEN {
            self.file.shown.push(text);
        }
        Ok(())
    }

    /// The terminal's account of the file's diagnostics: when there are more than it
    /// shows, a summary by code first, then the first lines and where the rest are.
    fn print_diagnostics(&mut self, file: &str) -> Result<(), Failure> {
        let counts = &self.file.counts;
        let total = counts.total();
        let cut = total.saturating_sub(self.file.shown.len() as u64);
        if cut > 0 {
            eprintln!(
                "{file}: {} ({}), by code:",
                plural(total, "diagnostic"),
                severities(counts)
            );
            for line in counts.by_code() {
                let severity = line.severity.to_string();
                eprintln!("  {:>8}  {severity:<7}  {}", line.count, line.code);
            }
        }
        for text in &self.file.shown {
            eprintln!("{text}");
        }
        if cut > 0 {
            match &self.report_file {
                Some((path, _)) => eprintln!("... {cut} more in {}", path.display()),
                None if self.json => eprintln!("... {cut} more in the --json output"),
                None => eprintln!("... {cut} more: --report FILE or --json lists every one"),
            }
        }
        if let Some((path, report)) = &mut self.report_file {
            report
                .flush()
                .map_err(|e| Failure::new(EXIT_FAILURE, format!("{}: {e}", path.display())))?;
        }
        Ok(())
    }

    /// Reports what became of one file.
    fn file_done(
        &mut self,
        file: &str,
        result: Result<ImportOutcome, FileFailure>,
    ) -> Result<(), Failure> {
        self.print_diagnostics(file)?;
        let counts = std::mem::take(&mut self.file.counts);
        let (summary, failure) = match result {
            Ok(ImportOutcome::Imported(s)) => {
                let mut text = format!(
                    "{file}: imported {} records as batch {} ({} new, {} revised, {} unchanged)",
                    s.records, s.batch, s.created, s.revised, s.unchanged
                );
                if let Some(quarantine) = &s.quarantine_file {
                    text.push_str(&format!(
                        "; {} quarantined in {quarantine}",
                        plural(s.quarantined, "refused row")
                    ));
                }
                if !self.json {
                    println!("{text}");
                }
                let mut line = SummaryLine::new(file, "imported", &counts);
                line.batch = Some(s.batch);
                line.records = Some(s.records);
                line.created = Some(s.created);
                line.revised = Some(s.revised);
                line.unchanged = Some(s.unchanged);
                line.quarantined = Some(s.quarantined);
                line.quarantine_file = s.quarantine_file.clone();
                line.message = Some(text);
                (line, None)
            }
            Ok(ImportOutcome::AlreadyImported(batch)) => {
                let mut text = format!(
                    "{file}: already imported as batch {} on {} by {}; nothing to do",
                    batch.batch, batch.at, batch.actor
                );
                if let Some(quarantine) = &batch.quarantine_file {
                    text.push_str(&format!(
                        " (that import quarantined {} in {quarantine})",
                        plural(batch.quarantined, "refused row")
                    ));
                }
                if !self.json {
                    println!("{text}");
                }
                let mut line = SummaryLine::new(file, "already_imported", &counts);
                line.batch = Some(batch.batch);
                line.records = Some(batch.records);
                line.created = Some(batch.created);
                line.revised = Some(batch.revised);
                line.unchanged = Some(batch.unchanged);
                line.quarantined = Some(batch.quarantined);
                line.quarantine_file = batch.quarantine_file.clone();
                line.message = Some(text);
                (line, None)
            }
            Err(FileFailure::Import(ImportError::Invalid { total, .. })) => {
                let mut text = format!("{file}: {} found", plural(total, "problem"));
                if counts.warnings > 0 {
                    text.push_str(&format!(" (and {})", plural(counts.warnings, "warning")));
                }
                text.push_str("; nothing was imported from this file");
                if self.quarantine.is_some() {
                    text.push_str(
                        " (errors without a line concern the whole file, which --quarantine \
                         does not split)",
                    );
                }
                let mut line = SummaryLine::new(file, "refused", &counts);
                line.message = Some(text.clone());
                (line, Some(Failure::new(EXIT_REFUSED, text)))
            }
            Err(FileFailure::Import(ImportError::Storage(error))) => {
                let failure = Failure::from(error);
                (failed_line(file, &counts, &failure), Some(failure))
            }
            Err(FileFailure::Import(error)) => {
                let failure = Failure::new(error.exit_code(), format!("{file}: {error}"));
                (failed_line(file, &counts, &failure), Some(failure))
            }
            Err(FileFailure::Other(failure)) => {
                (failed_line(file, &counts, &failure), Some(failure))
            }
        };
        if self.json {
            json_line(&summary)
                .map_err(|e| Failure::new(EXIT_FAILURE, format!("standard output: {e}")))?;
        }
        if let Some(failure) = failure {
            self.exit = self.exit.max(failure.code);
            eprintln!("error: {}", failure.message);
        }
        Ok(())
    }
}

fn failed_line<'a>(
    file: &'a str,
    counts: &'a DiagnosticCounts,
    failure: &Failure,
) -> SummaryLine<'a> {
    let mut line = SummaryLine::new(file, "failed", counts);
    line.message = Some(failure.message.clone());
    line
}

/// `1 problem`, `2 problems`.
fn plural(count: u64, noun: &str) -> String {
    format!("{count} {noun}{}", if count == 1 { "" } else { "s" })
}

/// `1500 errors, 18 warnings`: the severities present, most severe first.
fn severities(counts: &DiagnosticCounts) -> String {
    [
        (counts.errors, "error"),
        (counts.warnings, "warning"),
        (counts.infos, "note"),
    ]
    .iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, noun)| plural(*count, noun))
    .collect::<Vec<_>>()
    .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_bar_counts_records_and_their_rate() {
        assert_eq!(records_rate(0, 0.0), "0 records, 0 records/s");
        assert_eq!(
            records_rate(1_234_567, 2.0),
            "1,234,567 records, 617,284 records/s"
        );
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
    }
}
