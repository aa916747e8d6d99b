//! `cargo xtask tidy`, the first stage of `cargo xtask test`: checks that keep the docs
//! true, in the style of rust-analyzer's tidy tests. Every path that ARCHITECTURE.md or a
//! README.md names exists, and every Rust module in crates/, plugins/ and xtask/ starts with
//! a `//!` line that says what it is for.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::project_root;

/// Names in the docs that look like paths of this repository but are not meant to be: files
/// a command creates, in other repositories, or of a future version. Each is a
/// (document, start of the name) pair; an entry no document uses any more is reported too,
/// so that the list cannot outlive what it excuses.
const NOT_IN_THIS_REPOSITORY: &[(&str, &str)] = &[
    // What `cargo xtask plugin new my-adapter [--path DIR]` creates, walked through step by
    // step, and a golden file named after its example input.
    ("crates/interlock-pdk/README.md", "plugins/my-adapter"),
    ("crates/interlock-pdk/README.md", "fixtures/sample.csv"),
    (
        "crates/interlock-pdk/README.md",
        "fixtures/my-real-export.csv",
    ),
    ("crates/interlock-pdk/README.md", "fixtures/rejected/"),
    ("crates/interlock-pdk/README.md", "src/bin/build-plugin.rs"),
    ("crates/interlock-pdk/README.md", "x.csv.expected.txt"),
    // The next interface version, as the compatibility rule describes it.
    ("crates/interlock-pdk/README.md", "wit/v1.2/"),
    (
        "crates/interlock-pdk/README.md",
        "crates/interlock-host/src/since_v1_2.rs",
    ),
    // Files of the public data sets the control list was compiled from.
    ("fixtures/control-list/README.md", "ratings.csv"),
    ("fixtures/control-list/README.md", "harmonized-system.csv"),
];

/// Words that stand for a name the reader chooses (`INPUT.expected.jsonl`, `plugins/NAME/`).
const PLACEHOLDERS: &[&str] = &["COMPONENT", "DIR", "FILE", "INPUT", "N", "NAME", "OUT"];

/// Extensions of the files a doc may name without a folder (`validate.rs`, `MODEL.md`).
const FILE_EXTENSIONS: &[&str] = &[
    "csv", "json", "jsonl", "lock", "md", "rs", "sh", "toml", "txt", "wit", "xml",
];

/// The folders whose Rust modules must start with a `//!` line.
const MODULE_FOLDERS: &[&str] = &["crates/", "plugins/", "xtask/"];

pub fn run() -> Result<()> {
    let root = project_root();
    let tree = Tree::of_repository(&root)?;
    let mut problems = Vec::new();
    let mut excuses_used = HashSet::new();
    let docs = tree.docs();
    let mut paths_named = 0;
    for doc in &docs {
        let text =
            std::fs::read_to_string(root.join(doc)).with_context(|| format!("reading {doc}"))?;
        let checked = checked_paths(doc, &text, &tree);
        paths_named += checked.named;
        for missing in checked.missing {
            match excuse(doc, &missing.name) {
                Some(excuse) => {
                    excuses_used.insert(excuse);
                }
                None => problems.push(format!(
                    "{doc}:{}: `{}` names no file or folder of the repository (if it is not \
                     meant to, add it to NOT_IN_THIS_REPOSITORY in xtask/src/tidy.rs)",
                    missing.line, missing.name
                )),
            }
        }
    }
    for (index, (doc, name)) in NOT_IN_THIS_REPOSITORY.iter().enumerate() {
        if !excuses_used.contains(&index) {
            problems.push(format!(
                "xtask/src/tidy.rs: NOT_IN_THIS_REPOSITORY excuses `{name}` in {doc}, which no \
                 longer names it (or it now exists): remove the entry"
            ));
        }
    }
    let modules = tree.rust_modules();
    for module in &modules {
        let text = std::fs::read_to_string(root.join(module))
            .with_context(|| format!("reading {module}"))?;
        if !starts_with_module_doc(&text) {
            problems.push(format!(
                "{module}:1: the module does not start with a `//!` line saying what it is for"
            ));
        }
    }
    if !problems.is_empty() {
        bail!(
            "tidy: {} problem(s) in the docs:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
    eprintln!(
        "tidy: the {paths_named} paths named in {} docs exist, and the {} modules start with `//!`",
        docs.len(),
        modules.len()
    );
    Ok(())
}

/// The index of the NOT_IN_THIS_REPOSITORY entry that excuses `name` in `doc`.
fn excuse(doc: &str, name: &str) -> Option<usize> {
    NOT_IN_THIS_REPOSITORY
        .iter()
        .position(|(excused_doc, prefix)| *excused_doc == doc && name.starts_with(prefix))
}

/// Every file and folder of the repository, as paths relative to its root with `/`.
struct Tree {
    paths: BTreeSet<String>,
}

impl Tree {
    /// The files git tracks or would track (untracked ones not ignored: what the next commit
    /// can hold, so that neither build output nor a local store makes a doc pass), that exist.
    fn of_repository(root: &Path) -> Result<Tree> {
        let output = Command::new("git")
            .args([
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ])
            .current_dir(root)
            .output()
            .context("could not start git, which tidy needs to list the repository's files")?;
        if !output.status.success() {
            bail!(
                "`git ls-files` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let files = String::from_utf8_lossy(&output.stdout)
            .split('\0')
            .filter(|file| !file.is_empty() && root.join(file).exists())
            .map(str::to_owned)
            .collect::<Vec<_>>();
        Ok(Tree::from_files(files))
    }

    /// The tree of `files` and all the folders above them.
    fn from_files(files: impl IntoIterator<Item = String>) -> Tree {
        let mut paths = BTreeSet::new();
        for file in files {
            let mut folder = file.as_str();
            while let Some((parent, _)) = folder.rsplit_once('/') {
                paths.insert(parent.to_owned());
                folder = parent;
            }
            paths.insert(file);
        }
        Tree { paths }
    }

    /// ARCHITECTURE.md and every README.md.
    fn docs(&self) -> Vec<String> {
        self.paths
            .iter()
            .filter(|path| {
                *path == "ARCHITECTURE.md" || *path == "README.md" || path.ends_with("/README.md")
            })
            .cloned()
            .collect()
    }

    fn rust_modules(&self) -> Vec<String> {
        self.paths
            .iter()
            .filter(|path| {
                path.ends_with(".rs") && MODULE_FOLDERS.iter().any(|dir| path.starts_with(dir))
            })
            .cloned()
            .collect()
    }

    fn top_level_folders(&self) -> impl Iterator<Item = &str> {
        self.paths
            .iter()
            .filter(|path| !path.contains('/') && self.is_folder(path))
            .map(String::as_str)
    }

    fn is_folder(&self, path: &str) -> bool {
        self.paths
            .range(format!("{path}/")..)
            .next()
            .is_some_and(|next| next.starts_with(&format!("{path}/")))
    }

    /// Whether `path` (relative to the root, `*` matching within one name) exists.
    fn contains(&self, path: &str) -> bool {
        if path.contains('*') {
            self.paths
                .iter()
                .any(|candidate| wildcard_match(path, candidate))
        } else {
            self.paths.contains(path)
        }
    }

    /// Whether some path inside `folder` (the whole tree for "") ends with `/name`.
    fn contains_inside(&self, folder: &str, name: &str) -> bool {
        let inside = format!("{folder}/");
        self.paths
            .iter()
            .filter(|candidate| folder.is_empty() || candidate.starts_with(&inside))
            .any(|candidate| {
                candidate
                    .match_indices('/')
                    .any(|(slash, _)| wildcard_match(name, &candidate[slash + 1..]))
            })
    }
}

/// `*` in `pattern` matches any run of characters but `/`.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((before, after)) => {
            let Some(rest) = text.strip_prefix(before) else {
                return false;
            };
            // The star takes 0..n characters, stopping at a `/`.
            let mut taken = 0;
            loop {
                if wildcard_match(after, &rest[taken..]) {
                    return true;
                }
                match rest[taken..].chars().next() {
                    Some(c) if c != '/' => taken += c.len_utf8(),
                    _ => return false,
                }
            }
        }
    }
}

/// A name in a doc that looks like a path of the repository and is not one.
#[derive(Debug, PartialEq)]
struct Missing {
    line: usize,
    name: String,
}

/// How a name was written, which decides how sure we are that it is meant as a path.
#[derive(Clone, Copy, PartialEq)]
enum Written {
    /// `inline code`
    Code,
    /// a word in a fenced code block: shell commands and their arguments
    Fenced,
    /// a Markdown link's target
    Link,
}

/// What one doc names as paths: how many, and those that resolve to nothing.
struct Checked {
    named: usize,
    missing: Vec<Missing>,
}

/// Checks the names in `text` (the doc at `doc`) that look like paths of the repository
/// against `tree`.
fn checked_paths(doc: &str, text: &str, tree: &Tree) -> Checked {
    let doc_folder = doc.rsplit_once('/').map_or("", |(folder, _)| folder);
    let top_level: Vec<&str> = tree.top_level_folders().collect();
    let mut checked = Checked {
        named: 0,
        missing: Vec::new(),
    };
    for Name {
        line,
        name,
        written,
        section,
    } in names(doc, text, tree)
    {
        if !looks_like_a_path(&name, written, &top_level) {
            continue;
        }
        checked.named += 1;
        // A section of ARCHITECTURE.md's code map names files inside its crate.
        let folder = section.as_deref().unwrap_or(doc_folder);
        if !resolves(&name, doc_folder, folder, tree) {
            checked.missing.push(Missing { line, name });
        }
    }
    checked
}

/// A name in a doc that may be a path.
struct Name {
    line: usize,
    name: String,
    written: Written,
    /// In ARCHITECTURE.md, the folder of the code-map section the name is in (a heading
    /// like ``### `crates/interlock-core` ``).
    section: Option<String>,
}

/// Every name in `text` (code spans, link targets, words of fenced blocks) that may be a
/// path, in order.
fn names(doc: &str, text: &str, tree: &Tree) -> Vec<Name> {
    let mut names = Vec::new();
    let mut section = None;
    let mut fenced = false;
    // Inline code may wrap onto the next line, so it is tracked across lines.
    let mut code: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            for word in line.split_whitespace() {
                // `write fixtures/x.expected.txt...`: the prose's punctuation, not the path's.
                let word = word.trim_end_matches(['.', ',', ';', ':']);
                names.push(Name {
                    line: number,
                    name: word.to_owned(),
                    written: Written::Fenced,
                    section: section.clone(),
                });
            }
            continue;
        }
        if doc == "ARCHITECTURE.md" && line.starts_with('#') {
            let heading = line.trim_start_matches('#').trim();
            section = heading
                .strip_prefix('`')
                .and_then(|h| h.strip_suffix('`'))
                .filter(|folder| tree.is_folder(folder))
                .map(str::to_owned);
        }
        let mut rest = line;
        loop {
            match &mut code {
                Some((start, span)) => match rest.split_once('`') {
                    Some((inside, after)) => {
                        span.push_str(inside);
                        names.push(Name {
                            line: *start,
                            name: span.trim().to_owned(),
                            written: Written::Code,
                            section: section.clone(),
                        });
                        code = None;
                        rest = after;
                    }
                    None => {
                        span.push_str(rest);
                        span.push(' ');
                        break;
                    }
                },
                None => {
                    let (outside, after) = match rest.split_once('`') {
                        Some((outside, after)) => (outside, Some(after)),
                        None => (rest, None),
                    };
                    for target in link_targets(outside) {
                        names.push(Name {
                            line: number,
                            name: target,
                            written: Written::Link,
                            section: section.clone(),
                        });
                    }
                    match after {
                        Some(after) => {
                            code = Some((number, String::new()));
                            rest = after;
                        }
                        None => break,
                    }
                }
            }
        }
    }
    names
}

/// The targets of the Markdown links `[text](target)` in `text`, without `#anchor`s; web
/// addresses and anchors within the page are not paths.
fn link_targets(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|after| after.split_once(')').map(|(target, _)| target))
        .filter(|target| !target.contains("://") && !target.starts_with(['#', '<']))
        .filter(|target| !target.starts_with("mailto:"))
        .map(|target| target.split('#').next().unwrap_or(target).to_owned())
        .filter(|target| !target.is_empty())
        .collect()
}

/// Whether `name` is meant as a path of the repository. Only a link's target always is;
/// elsewhere a name must look like one, with nothing a path here never has.
fn looks_like_a_path(name: &str, written: Written, top_level: &[&str]) -> bool {
    let path_characters = |c: char| c.is_ascii_alphanumeric() || "_.-/*".contains(c);
    if name.is_empty() || !name.chars().all(path_characters) {
        return written == Written::Link;
    }
    // Build output, which a fresh clone does not have, and what lies outside the repository.
    if name.starts_with(['-', '/', '~']) || name.starts_with("target/") || name == "target" {
        return false;
    }
    if name.split('/').any(is_placeholder) {
        return false;
    }
    let first = name.split('/').next().unwrap_or(name);
    let has_extension = name
        .rsplit_once('.')
        .is_some_and(|(_, extension)| FILE_EXTENSIONS.contains(&extension));
    match written {
        Written::Link => true,
        // In commands, only what starts at a top-level folder: a word like `a/b` may be
        // anything else there.
        Written::Fenced => name.contains('/') && top_level.contains(&first),
        Written::Code if name.contains('/') => {
            top_level.contains(&first) || name.ends_with('/') || has_extension
        }
        Written::Code => has_extension,
    }
}

/// Whether a path's component stands for a name the reader chooses.
fn is_placeholder(component: &str) -> bool {
    let stem = component.split('.').next().unwrap_or(component);
    PLACEHOLDERS.contains(&stem)
}

/// Whether `name`, found in a doc in `doc_folder` and in a section about `folder`, names an
/// existing path: from the root, the doc's folder, the section's folder or its `src/`, or,
/// as a code map names files within the module it is describing, any path inside `folder`
/// that ends with it.
fn resolves(name: &str, doc_folder: &str, folder: &str, tree: &Tree) -> bool {
    let name = name.trim_end_matches('/');
    let src = if folder.is_empty() {
        "src".to_owned()
    } else {
        format!("{folder}/src")
    };
    for base in ["", doc_folder, folder, &src] {
        match join(base, name) {
            Some(path) if tree.contains(&path) => return true,
            // Outside the repository (`../shared`): not ours to check.
            None => return true,
            Some(_) => {}
        }
    }
    // A bare file name may be anywhere in the repository (`usage-2026.txt`, a plugin's
    // fixture named in the scenario's README).
    let within = if name.contains('/') { folder } else { "" };
    tree.contains_inside(within, name)
}

/// `name` relative to `base`, with `.` and `..` resolved; None if it leaves the repository.
fn join(base: &str, name: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|part| !part.is_empty()).collect();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// Whether a Rust file starts with a `//!` line (the module's own documentation).
fn starts_with_module_doc(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').starts_with("//!")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Tree {
        Tree::from_files(
            [
                "ARCHITECTURE.md",
                "README.md",
                "crates/core/src/lib.rs",
                "crates/core/src/store/import.rs",
                "crates/core/data/countries.rs",
                "fixtures/scenario/README.md",
                "fixtures/scenario/expected-report-att.md",
                "plugins/chief/fixtures/usage-2026.txt",
            ]
            .map(str::to_owned),
        )
    }

    fn missing(doc: &str, text: &str) -> Vec<(usize, String)> {
        checked_paths(doc, text, &tree())
            .missing
            .into_iter()
            .map(|m| (m.line, m.name))
            .collect()
    }

    #[test]
    fn existing_paths_pass_in_every_way_a_doc_names_them() {
        let text = "\
See `crates/core/src/lib.rs`, [the scenario](fixtures/scenario/README.md#parties),
`fixtures/scenario/expected-report-*` and `crates/core/`.

```sh
interlock import-records fixtures/scenario/expected-report-att.md   # a/b is no path
cat fixtures/scenario/expected-report-att.md...
```
A fixture of a plugin by its name: `usage-2026.txt`.
";
        assert_eq!(missing("README.md", text), []);
    }

    #[test]
    fn a_path_that_is_gone_is_reported_with_its_line() {
        let text = "\
Intro.
The store is `crates/core/src/store/export.rs`, the data [here](crates/core/dta/).

```sh
interlock import fixtures/scenario/gone.jsonl
```
`renamed.rs` and `fixtures/scenario/expected-summary-*`
";
        assert_eq!(
            missing("README.md", text),
            [
                (2, "crates/core/src/store/export.rs".to_owned()),
                (2, "crates/core/dta/".to_owned()),
                (5, "fixtures/scenario/gone.jsonl".to_owned()),
                (7, "renamed.rs".to_owned()),
                (7, "fixtures/scenario/expected-summary-*".to_owned()),
            ]
        );
    }

    #[test]
    fn a_code_map_section_names_files_inside_its_crate() {
        let text = "\
### `crates/core`
- `store/`: `import.rs` the one write path; `data/` the tables; `store/export.rs`.

## The flow of one import
Outside the code map, the whole repository: `store/import.rs`, but not `store/gone.rs`.
";
        assert_eq!(
            missing("ARCHITECTURE.md", text),
            [
                (2, "store/export.rs".to_owned()),
                (5, "store/gone.rs".to_owned())
            ]
        );
    }

    #[test]
    fn what_is_not_a_path_of_the_repository_is_not_checked() {
        let text = "\
`interlock:adapter/translator@1.1.0`, `GBSIEL/2026/0000101/P`, `line: field: message`,
`target/demo/interlock.redb`, `../shared/data`, `--report FILE`, `plugins/NAME/`,
`INPUT.expected.jsonl`, [the site](https://example.org/a.md), [up](#layout),
`text/csv`, `model::v1`, `1.0.0`, a code span that wraps `sqlite3
.import`.

```json
{\"source_ref\": \"crates/nothing\"}
```
";
        assert_eq!(missing("README.md", text), []);
    }

    #[test]
    fn links_resolve_from_the_doc_folder() {
        let text = "[up](../../README.md), [sibling](expected-report-att.md), [no](nope.md)";
        assert_eq!(
            missing("fixtures/scenario/README.md", text),
            [(1, "nope.md".to_owned())]
        );
    }

    #[test]
    fn the_excuses_match_by_doc_and_prefix() {
        assert!(
            excuse(
                "crates/interlock-pdk/README.md",
                "plugins/my-adapter/src/lib.rs"
            )
            .is_some()
        );
        assert!(excuse("README.md", "plugins/my-adapter/src/lib.rs").is_none());
    }

    #[test]
    fn a_module_starts_with_its_documentation() {
        assert!(starts_with_module_doc(
            "//! Reads things.\n\nuse std::fs;\n"
        ));
        assert!(!starts_with_module_doc("use std::fs;\n//! Too late.\n"));
        assert!(!starts_with_module_doc("// A plain comment.\n"));
        assert!(!starts_with_module_doc("/// An item's doc.\nfn f() {}\n"));
    }

    #[test]
    fn wildcards_stay_within_one_name() {
        assert!(wildcard_match("a/expected-*", "a/expected-report.md"));
        assert!(wildcard_match("*/b.rs", "x/b.rs"));
        assert!(!wildcard_match("a/*", "a/b/c"));
        assert!(!wildcard_match("a/x*", "a/y"));
    }
}
