//! Building, scaffolding and testing agency plugins.
//!
//! A plugin is a crate under `plugins/` with `crate-type = ["cdylib", "rlib"]`. It is built
//! for `wasm32-unknown-unknown` (no WASI), then wrapped into a component with
//! wit-component; the component must import nothing but `log`. Components land in
//! `target/plugins/NAME.wasm`.
//!
//! Plugins run through the `interlock` binary (`interlock plugin run --json`), so that
//! xtask does not compile the plugin host (wasmtime) itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};

use crate::project_root;

#[derive(Subcommand)]
pub enum PluginCommand {
    /// Scaffold a new plugin crate under plugins/, with a sample input, its golden outputs
    /// and tests; it builds and passes `cargo xtask plugin test NAME` as generated. With
    /// `--path DIR`: a standalone plugin project in DIR instead, outside this repository.
    New {
        /// The plugin's name: lower-case letters, digits and dashes.
        name: String,
        /// The kind of agency whose exports the plugin reads.
        #[arg(long, value_enum)]
        agency: AgencyArg,
        /// Create a standalone project in this directory (which must not exist), with the
        /// PDK as a git dependency, instead of a crate under plugins/.
        #[arg(long)]
        path: Option<PathBuf>,
        /// With --path: depend on the PDK at this local directory (e.g. a checkout's
        /// crates/interlock-pdk) instead of its git repository.
        #[arg(long, requires = "path")]
        pdk_path: Option<PathBuf>,
    },
    /// Run plugins on their fixtures through the real host (`interlock plugin run --json`,
    /// built first) and compare with the golden `*.expected.jsonl` files (`UPDATE_GOLDEN=1`
    /// rewrites them).
    Test { name: Option<String> },
    /// Check that a project made by `plugin new --path` outside this repository builds,
    /// passes its tests, runs through `interlock plugin run` and imports into a new store (offline, with this PDK by
    /// path; the gate runs it too).
    TestStandalone,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AgencyArg {
    Customs,
    Licensing,
    Police,
    /// Any other source, e.g. a public register or another State's report (records under
    /// the agency `other`).
    Other,
}

pub fn run(command: PluginCommand) -> Result<()> {
    match command {
        PluginCommand::New {
            name,
            agency,
            path: Some(dir),
            pdk_path,
        } => {
            let pdk = match pdk_path {
                Some(local) => PdkSource::Path(std::path::absolute(local)?),
                None => PdkSource::Git(pdk_repository()?),
            };
            new_standalone(&name, agency, &dir, &pdk, &FirstBuild::default())?;
            println!(
                "created {}\nnext: read its README.md; `cargo test`, `cargo build-plugin`",
                dir.display()
            );
            Ok(())
        }
        PluginCommand::New { name, agency, .. } => new(&name, agency),
        PluginCommand::Test { name } => test(name.as_deref(), &build_cli()?),
        PluginCommand::TestStandalone => test_standalone(&build_cli()?),
    }
}

/// Every plugin crate: (name, directory).
pub fn plugin_dirs() -> Result<Vec<(String, PathBuf)>> {
    let mut plugins = Vec::new();
    for entry in std::fs::read_dir(project_root().join("plugins"))? {
        let dir = entry?.path();
        if dir.join("Cargo.toml").is_file() {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .context("plugin directory name")?;
            plugins.push((name, dir));
        }
    }
    plugins.sort();
    Ok(plugins)
}

/// (plugin name, fixtures directory) for every plugin that has fixtures.
pub fn plugin_fixture_dirs() -> Result<Vec<(String, PathBuf)>> {
    Ok(plugin_dirs()?
        .into_iter()
        .map(|(name, dir)| (name, dir.join("fixtures")))
        .filter(|(_, dir)| dir.is_dir())
        .collect())
}

/// Input files of a fixtures directory: everything but golden outputs (the host's
/// `.expected.jsonl`, the PDK testing module's `.expected.txt`) and notes.
pub fn fixture_inputs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            path.is_file()
                && !name.ends_with(".expected.jsonl")
                && !name.ends_with(".expected.txt")
                && !name.ends_with(".md")
        })
        .collect();
    inputs.sort();
    Ok(inputs)
}

/// What `plugin test` runs: the fixtures (which `cargo xtask demo` also imports) and the
/// inputs under `fixtures/rejected/`, which show how bad rows are diagnosed and so are kept
/// out of the demo.
pub fn test_inputs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut inputs = fixture_inputs(dir)?;
    let rejected = dir.join("rejected");
    if rejected.is_dir() {
        inputs.extend(fixture_inputs(&rejected)?);
    }
    Ok(inputs)
}

/// Where plugins are compiled for wasm: the target directory the host and CLI tests also
/// build their test plugins in (a nested cargo, off the lock of the `cargo test` running
/// them), so that after `cargo xtask plugins` or the gate their build finds everything
/// fresh and compiles nothing.
const WASM_TARGET_DIR: &str = "target/plugin-build";

/// Compiles `packages` for wasm (release, no debug info), without wrapping them.
pub fn compile_wasm(packages: &[String]) -> Result<()> {
    ensure_wasm_target()?;
    let root = project_root();
    let mut args = vec![
        "build".to_owned(),
        "--release".to_owned(),
        "--target".to_owned(),
        "wasm32-unknown-unknown".to_owned(),
        "--target-dir".to_owned(),
        WASM_TARGET_DIR.to_owned(),
    ];
    for package in packages {
        args.push("-p".to_owned());
        args.push(package.clone());
    }
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new("cargo")
        .args(&args)
        .current_dir(&root)
        // Components carry no debug info: smaller, and nothing a host could use. The tests'
        // nested builds set the same, so they share these artifacts.
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true")
        .status()
        .context("could not start cargo")?;
    if !status.success() {
        bail!("building plugins failed");
    }
    Ok(())
}

/// Builds `crates` (package names) for wasm and wraps each into a checked component.
pub fn build_components(packages: &[String], out_dir: &Path) -> Result<Vec<PathBuf>> {
    if packages.is_empty() {
        return Ok(Vec::new());
    }
    compile_wasm(packages)?;
    let root = project_root();
    std::fs::create_dir_all(out_dir)?;
    let mut components = Vec::new();
    for package in packages {
        let module_path = root
            .join(WASM_TARGET_DIR)
            .join("wasm32-unknown-unknown/release")
            .join(format!("{}.wasm", package.replace('-', "_")));
        let module = std::fs::read(&module_path)
            .with_context(|| format!("reading {}", module_path.display()))?;
        let component = wit_component::ComponentEncoder::default()
            .module(&module)
            .and_then(|encoder| encoder.validate(true).encode())
            .with_context(|| format!("{package}: wrapping the module into a component"))?;
        let imports = component_imports(&component)?;
        let forbidden: Vec<&String> = imports.iter().filter(|i| *i != "log").collect();
        if !forbidden.is_empty() {
            bail!("{package}: the component imports {forbidden:?}; plugins may import only `log`");
        }
        let path = out_dir.join(format!("{package}.wasm"));
        std::fs::write(&path, &component)?;
        eprintln!(
            "built {} ({} KB, imports: {})",
            path.display(),
            component.len() / 1024,
            imports.join(", ")
        );
        components.push(path);
    }
    Ok(components)
}

/// Builds every plugin under plugins/ and returns the paths of the components.
pub fn build_all() -> Result<Vec<PathBuf>> {
    build_components(&all_plugins()?, &project_root().join("target/plugins"))
}

/// The package name of every plugin under plugins/.
pub fn all_plugins() -> Result<Vec<String>> {
    Ok(plugin_dirs()?.into_iter().map(|(name, _)| name).collect())
}

/// Builds the CLI (`cargo build -p interlock-cli`) and returns its binary, for
/// `cargo xtask plugin test|new` and `cargo xtask demo` run on their own. The gate passes
/// the binary `cargo test --workspace` built instead (see `gate.rs`).
pub fn build_cli() -> Result<PathBuf> {
    crate::gate::run("cargo", &["build", "-p", "interlock-cli"])?;
    // Where cargo put it: `CARGO_TARGET_DIR` (relative to where cargo runs) if set.
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => std::env::current_dir()?.join(dir),
        None => project_root().join("target"),
    };
    Ok(target.join("debug/interlock"))
}

fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"))
        .unwrap_or(false);
    if !installed {
        crate::gate::run("rustup", &["target", "add", "wasm32-unknown-unknown"])?;
    }
    Ok(())
}

/// Top-level import names of a component.
pub fn component_imports(wasm: &[u8]) -> Result<Vec<String>> {
    let mut imports = Vec::new();
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload? {
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    // The name without a version suffix: only `log`, which has none, is allowed.
                    imports.push(import?.name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    Ok(imports)
}

/// The golden output of one fixture: every draft (with its line) and every diagnostic,
/// one JSON object a line, in the order the plugin gave them, and the error if the plugin
/// failed: what `interlock plugin run COMPONENT INPUT --json` prints.
fn translate_to_golden(cli: &Path, component: &Path, input: &Path) -> Result<String> {
    let output = Command::new(cli)
        .args(["plugin", "run"])
        .arg(component)
        .arg(input)
        .arg("--json")
        .env_remove("RUST_LOG")
        .output()
        .with_context(|| format!("could not run {}", cli.display()))?;
    // 0: translated; 1: with error diagnostics; 5: the plugin failed, which the output's
    // last line says. In all three the output is never empty (an empty translation is one
    // empty line); anything else (plugin refused, bad arguments) prints nothing there.
    let translated = matches!(output.status.code(), Some(0 | 1 | 5)) && !output.stdout.is_empty();
    if !translated {
        bail!(
            "`{} plugin run {} {} --json` failed ({}):\n{}",
            cli.display(),
            component.display(),
            input.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8(output.stdout).context("plugin run printed invalid UTF-8")
}

/// (input, golden output) pairs of a plugin: its fixtures, plus the real public samples
/// named in `real-samples.txt` (paths under ../shared/data, one a line), whose goldens live
/// in `real-samples/`. The samples are read where they are, never copied into the project.
fn golden_pairs(dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    let golden_for = |input: &Path, golden_dir: &Path| {
        golden_dir.join(format!(
            "{}.expected.jsonl",
            input
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ))
    };
    let fixtures = dir.join("fixtures");
    let mut pairs: Vec<(PathBuf, PathBuf)> = test_inputs(&fixtures)
        .unwrap_or_default()
        .into_iter()
        .map(|input| {
            // Goldens sit beside their input (fixtures/ or fixtures/rejected/).
            let golden = golden_for(&input, input.parent().unwrap_or(&fixtures));
            (input, golden)
        })
        .collect();
    let list = dir.join("real-samples.txt");
    if list.is_file() {
        let shared = project_root().join("../shared/data");
        for name in std::fs::read_to_string(&list)?.lines().map(str::trim) {
            if name.is_empty() || name.starts_with('#') {
                continue;
            }
            let input = shared.join(name);
            if !input.is_file() {
                bail!(
                    "{}: {} is missing (the shared data must sit beside the project)",
                    list.display(),
                    input.display()
                );
            }
            let golden = golden_for(&input, &dir.join("real-samples"));
            pairs.push((input, golden));
        }
    }
    Ok(pairs)
}

/// Builds the plugins named (or all) and runs them on their fixtures with the `interlock`
/// binary `cli`, comparing the output with the golden files.
fn test(only: Option<&str>, cli: &Path) -> Result<()> {
    let selected: Vec<(String, PathBuf)> = plugin_dirs()?
        .into_iter()
        .filter(|(name, _)| only.is_none_or(|only| only == name))
        .collect();
    if selected.is_empty() {
        bail!("no plugin named {}", only.unwrap_or("(any)"));
    }
    let names: Vec<String> = selected.iter().map(|(name, _)| name.clone()).collect();
    let components = build_components(&names, &project_root().join("target/plugins"))?;
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    let mut checked = 0;
    for ((name, dir), component) in selected.iter().zip(&components) {
        for (input, golden) in golden_pairs(dir)? {
            let actual = translate_to_golden(cli, component, &input)?;
            checked += 1;
            if update {
                if let Some(parent) = golden.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&golden, &actual)?;
                continue;
            }
            let Ok(expected) = std::fs::read_to_string(&golden) else {
                failures.push(format!(
                    "{name}: {} has no golden output {} (write it with UPDATE_GOLDEN=1, then read it)",
                    input.display(),
                    golden.display()
                ));
                continue;
            };
            if expected != actual {
                failures.push(format!(
                    "{name}: {} differs from {}\n{}",
                    input.display(),
                    golden.display(),
                    diff(&expected, &actual)
                ));
            } else {
                println!("ok   {name}: {}", input.display());
            }
        }
    }
    for failure in &failures {
        eprintln!("{failure}");
    }
    println!(
        "plugin fixtures: {} passed, {} failed",
        checked - failures.len(),
        failures.len()
    );
    if !failures.is_empty() {
        bail!(
            "plugin golden outputs differ (rerun with UPDATE_GOLDEN=1 after checking the change)"
        );
    }
    Ok(())
}

/// A line diff of golden (`-`) against actual (`+`) output, with a line of context, capped
/// so a wholesale change stays readable.
fn diff(expected: &str, actual: &str) -> String {
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    // Longest common subsequence, from the end; fixtures are small.
    let (n, m) = (old.len(), new.len());
    if n.saturating_mul(m) > 25_000_000 {
        return format!("  (too large to diff: {n} expected lines, {m} actual lines)");
    }
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, usize, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            ops.push((' ', i + 1, old[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            ops.push(('+', j + 1, new[j]));
            j += 1;
        } else {
            ops.push(('-', i + 1, old[i]));
            i += 1;
        }
    }
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    let mut out = String::new();
    let mut shown = 0;
    let mut last: Option<usize> = None;
    for (k, (op, line, text)) in ops.iter().enumerate() {
        let near = changed.iter().any(|&c| c.abs_diff(k) <= 1);
        if !near {
            continue;
        }
        if last.is_some_and(|l| l + 1 < k) {
            out.push_str("  ...\n");
        }
        last = Some(k);
        shown += 1;
        if shown > 60 {
            out.push_str("  (diff cut after 60 lines)\n");
            break;
        }
        let side = match op {
            '-' => "golden",
            '+' => "actual",
            _ => "",
        };
        out.push_str(&format!("{op} {side:>6} {line:>4}: {text}\n"));
    }
    out
}

/// Runs every plugin on its fixtures with the `interlock` binary `cli` (`cargo xtask test`
/// calls this).
pub fn test_all(cli: &Path) -> Result<()> {
    test(None, cli)
}

/// Refuses a name that is not a valid, plain package name.
fn check_name(name: &str) -> Result<()> {
    let plain = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if name.is_empty() || !plain || !name.as_bytes()[0].is_ascii_lowercase() {
        bail!(
            "a plugin name is lower-case letters, digits and dashes, starting with a letter, e.g. my-adapter"
        );
    }
    Ok(())
}

/// The scaffold's `src/lib.rs` for a plugin `name` of `agency`.
fn scaffold_lib(name: &str, agency: AgencyArg) -> String {
    let (agency_kind, agency) = match agency {
        AgencyArg::Customs => ("Customs", "customs"),
        AgencyArg::Licensing => ("Licensing", "licensing"),
        AgencyArg::Police => ("Police", "police"),
        AgencyArg::Other => ("Other", "other"),
    };
    let type_name: String = name
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    SCAFFOLD
        .replace("{name}", name)
        .replace("{TypeName}", &type_name)
        .replace("{AgencyKind}", agency_kind)
        .replace("{agency}", agency)
}

/// The scaffold's sample input: two rows, so that its golden shows one record each.
const SAMPLE_CSV: &str = "reference,date,description,quantity\nS-1,2026-01-15,Sample goods,4\nS-2,2026-02-01,Other goods,1\n";

/// The environment variable the PDK's `testing::assert_golden` writes goldens under.
const UPDATE_GOLDEN: &str = "UPDATE_GOLDEN";

fn new(name: &str, agency: AgencyArg) -> Result<()> {
    check_name(name)?;
    let dir = project_root().join("plugins").join(name);
    if dir.exists() {
        bail!("{} already exists", dir.display());
    }
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::create_dir_all(dir.join("fixtures"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            r#"[package]
name = "{name}"
description = "interlock adapter for ... (describe the agency system and export)"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
crate-type = ["cdylib", "rlib"]

[dependencies]
interlock-pdk = {{ path = "../../crates/interlock-pdk" }}
"#
        ),
    )?;
    std::fs::write(dir.join("src/lib.rs"), scaffold_lib(name, agency))?;
    std::fs::write(dir.join("fixtures/sample.csv"), SAMPLE_CSV)?;
    add_workspace_member(&format!("plugins/{name}"))?;
    // Golden output from the real host, so the scaffold passes its own test at once.
    let components = build_components(&[name.to_owned()], &project_root().join("target/plugins"))?;
    let cli = build_cli()?;
    let input = dir.join("fixtures/sample.csv");
    std::fs::write(
        dir.join("fixtures/sample.csv.expected.jsonl"),
        translate_to_golden(&cli, &components[0], &input)?,
    )?;
    // The native golden (`interlock_pdk::testing`), by the crate's own test.
    let status = Command::new("cargo")
        .args(["test", "--quiet", "-p", name])
        .current_dir(project_root())
        .env(UPDATE_GOLDEN, "1")
        .status()
        .context("could not start cargo")?;
    if !status.success() {
        bail!("`cargo test -p {name}` failed on the scaffold ({status})");
    }
    println!(
        "created {}\nnext: edit src/lib.rs and fixtures/, then `cargo xtask plugin test {name}`",
        dir.display()
    );
    Ok(())
}

/// Adds a plugin crate to the workspace's `members` list.
fn add_workspace_member(member: &str) -> Result<()> {
    let path = project_root().join("Cargo.toml");
    let text = std::fs::read_to_string(&path)?;
    let Some(start) = text.find("members = [") else {
        bail!("no `members = [` in {}", path.display());
    };
    let end = start
        + text[start..]
            .find(']')
            .context("unterminated members list")?;
    let updated = format!("{}, \"{member}\"{}", &text[..end], &text[end..]);
    std::fs::write(&path, updated)?;
    Ok(())
}

const SCAFFOLD: &str = r#"//! {name}: an interlock adapter. Reads a CSV export with the header
//! `reference,date,description,quantity` and makes one item record per row.
//! Replace the parsing with your agency's format; keep the tests honest.

use interlock_pdk::prelude::*;

const AGENCY: &str = "{agency}";

#[derive(Default)]
pub struct {TypeName} {
    /// Quoted fields, line breaks inside quotes, Excel's byte-order mark and unclosed
    /// quotes are the reader's business; each record comes with the line it starts on.
    csv: CsvReader,
    header_seen: bool,
}

impl Plugin for {TypeName} {
    fn info() -> PluginInfo {
        plugin_info("{name}", env!("CARGO_PKG_VERSION"), AgencyKind::{AgencyKind}, &["sample CSV"])
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<Translation> {
        let mut out = Translation::default();
        for row in self.csv.feed(chunk) {
            self.row(row, &mut out);
        }
        Ok(out)
    }

    fn finish(&mut self) -> Result<Translation> {
        let mut out = Translation::default();
        for row in self.csv.finish() {
            self.row(row, &mut out);
        }
        Ok(out)
    }
}

impl {TypeName} {
    fn row(&mut self, row: std::result::Result<CsvRecord, Diagnostic>, out: &mut Translation) {
        let record = match row {
            Ok(record) => record,
            // Diagnostics carry the line and the field; the host shows them as
            // `file:line: field: message` and refuses a file with errors.
            Err(problem) => return out.diagnostics.push(problem),
        };
        if !self.header_seen {
            self.header_seen = true;
            return;
        }
        let [reference, date, description, _quantity] = record.fields.as_slice() else {
            out.error(record.line, "", "columns", format!("expected 4 columns, found {}", record.fields.len()));
            return;
        };
        // Required fields in the constructor; optional ones as the source has them.
        let item = Item {
            recorded_date: non_empty(date),
            ..Item::new(description.trim(), reference.trim())
        };
        out.push(Draft::new(AGENCY, reference.trim(), item).at(record.line));
    }
}

export_plugin!({TypeName});

#[cfg(test)]
mod tests {
    use super::*;
    use interlock_pdk::testing;

    /// The sample fed whole and in chunks of every size gives the same records, and those
    /// of its golden file `fixtures/sample.csv.expected.txt` (`UPDATE_GOLDEN=1 cargo test`
    /// rewrites it: read the diff before you commit it).
    #[test]
    fn the_sample_gives_one_record_per_row() {
        let out = testing::check_fixture::<{TypeName}>("fixtures/sample.csv").expect("translates");
        assert_eq!(out.records.len(), 2);
        assert!(out.diagnostics.is_empty());
    }

    #[test]
    fn a_short_row_is_an_error_on_its_line() {
        let input = b"reference,date,description,quantity\nS-1,2026-01-15\n";
        let out = testing::translate::<{TypeName}>(input, testing::HOST_CHUNK).expect("translates");
        assert!(out.records.is_empty());
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].line, Some(2));
        assert_eq!(out.diagnostics[0].message, "expected 4 columns, found 2");
    }
}
"#;

/// Where a standalone plugin project takes the PDK from.
pub enum PdkSource {
    /// The PDK's git repository (its Cargo.toml's `repository`): what an agency uses.
    Git(String),
    /// A local directory: a checkout of this repository, or this one when offline (CI).
    Path(PathBuf),
}

/// The PDK's repository URL, from its Cargo.toml (one place to change it).
fn pdk_repository() -> Result<String> {
    let manifest = project_root().join("crates/interlock-pdk/Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    text.lines()
        .find_map(|line| {
            let value = line
                .strip_prefix("repository")?
                .trim_start()
                .strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_owned())
        })
        .with_context(|| format!("{}: no `repository = \"...\"`", manifest.display()))
}

/// How `new_standalone` runs the new project's first `cargo test`: the default for an
/// agency's project, or inside this repository's checks.
#[derive(Default)]
pub struct FirstBuild {
    /// Added to cargo's environment.
    pub env: Vec<(&'static str, std::ffi::OsString)>,
    /// A Cargo.lock to start from.
    pub lock: Option<PathBuf>,
}

/// Creates a standalone plugin project in `dir` (which must not exist): its own Cargo.toml
/// and workspace, the PDK from `pdk`, the scaffold's code, a sample with its golden output
/// and tests, `cargo build-plugin`, a README. Then runs its tests once with
/// `UPDATE_GOLDEN=1`, which writes the golden file.
pub fn new_standalone(
    name: &str,
    agency: AgencyArg,
    dir: &Path,
    pdk: &PdkSource,
    first_build: &FirstBuild,
) -> Result<()> {
    check_name(name)?;
    if dir.exists() {
        bail!("{} already exists", dir.display());
    }
    let dependency = match pdk {
        PdkSource::Git(url) => format!("interlock-pdk = {{ git = \"{url}\" }}"),
        PdkSource::Path(path) => format!(
            "interlock-pdk = {{ path = \"{}\" }}",
            path.display().to_string().replace('\\', "/")
        ),
    };
    let repository = pdk_repository()?;
    for sub in ["src/bin", "fixtures", ".cargo"] {
        std::fs::create_dir_all(dir.join(sub))
            .with_context(|| format!("creating {}", dir.join(sub).display()))?;
    }
    let fill = |template: &str| {
        template
            .replace("{name}", name)
            .replace("{pdk_dependency}", &dependency)
            .replace("{repository}", &repository)
    };
    let files = [
        ("Cargo.toml", fill(STANDALONE_CARGO_TOML)),
        (".cargo/config.toml", STANDALONE_CARGO_CONFIG.to_owned()),
        (".gitignore", "/target\n".to_owned()),
        ("README.md", fill(STANDALONE_README)),
        ("src/lib.rs", scaffold_lib(name, agency)),
        (
            "src/bin/build-plugin.rs",
            STANDALONE_BUILD_PLUGIN.to_owned(),
        ),
        ("fixtures/sample.csv", SAMPLE_CSV.to_owned()),
    ];
    for (file, text) in files {
        std::fs::write(dir.join(file), text)
            .with_context(|| format!("writing {}", dir.join(file).display()))?;
    }
    if let Some(lock) = &first_build.lock {
        std::fs::copy(lock, dir.join("Cargo.lock"))
            .with_context(|| format!("copying {}", lock.display()))?;
    }
    eprintln!(
        "$ cargo test (in {}, writing the golden file)",
        dir.display()
    );
    let status = Command::new("cargo")
        .args(["test", "--quiet"])
        .current_dir(dir)
        .env(UPDATE_GOLDEN, "1")
        .envs(first_build.env.iter().map(|(key, value)| (key, value)))
        .status()
        .context("could not start cargo")?;
    if !status.success() {
        bail!(
            "`cargo test` failed in {} ({status}); fix that, then `UPDATE_GOLDEN=1 cargo test` writes fixtures/sample.csv.expected.txt",
            dir.display()
        );
    }
    Ok(())
}

/// Proves that a plugin project made outside this repository builds, tests and imports:
/// generates one into a temporary directory (with this PDK by path, as CI is offline),
/// runs its tests (the golden file written at creation must hold), builds its component
/// with its own `cargo build-plugin`, and runs the component on its sample with `cli`
/// (`interlock plugin run --json`): two records, no diagnostic. Compiles in
/// `target/plugin-build`, beside the plugins' own wasm builds. The gate calls it.
pub fn test_standalone(cli: &Path) -> Result<()> {
    ensure_wasm_target()?;
    let dir = std::env::temp_dir().join(format!("interlock-standalone-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let result = check_standalone(cli, &dir);
    if result.is_ok() {
        std::fs::remove_dir_all(&dir)?;
    } else {
        eprintln!(
            "the standalone project is left in {} for a look",
            dir.display()
        );
    }
    result
}

fn check_standalone(cli: &Path, dir: &Path) -> Result<()> {
    let root = project_root();
    let first_build = FirstBuild {
        env: vec![
            (
                "CARGO_TARGET_DIR",
                root.join(WASM_TARGET_DIR).into_os_string(),
            ),
            // Everything is in cargo's cache already, and CI has no network.
            ("CARGO_NET_OFFLINE", "true".into()),
        ],
        // The workspace's versions: offline, and the wasm builds' artifacts are reused.
        lock: Some(root.join("Cargo.lock")),
    };
    let pdk = PdkSource::Path(root.join("crates/interlock-pdk"));
    new_standalone(STANDALONE_CHECK, AgencyArg::Other, dir, &pdk, &first_build)?;
    let cargo = |args: &[&str]| -> Result<std::process::Output> {
        eprintln!("$ cargo {} (in {})", args.join(" "), dir.display());
        let output = Command::new("cargo")
            .args(args)
            .current_dir(dir)
            .envs(first_build.env.iter().map(|(key, value)| (key, value)))
            .env_remove(UPDATE_GOLDEN)
            .stderr(std::process::Stdio::inherit())
            .output()
            .context("could not start cargo")?;
        if !output.status.success() {
            bail!(
                "`cargo {}` failed in {} ({})",
                args.join(" "),
                dir.display(),
                output.status
            );
        }
        Ok(output)
    };
    cargo(&["test", "--quiet"])?;
    let built = cargo(&["build-plugin"])?;
    let component = PathBuf::from(String::from_utf8_lossy(&built.stdout).trim());
    let expected = root
        .join(WASM_TARGET_DIR)
        .join("plugin")
        .join(format!("{STANDALONE_CHECK}.wasm"));
    if component != expected {
        bail!(
            "`cargo build-plugin` printed {}, not {}",
            component.display(),
            expected.display()
        );
    }
    let output = translate_to_golden(cli, &component, &dir.join("fixtures/sample.csv"))?;
    let lines: Vec<&str> = output.lines().collect();
    let records_in_order = lines.len() == 2
        && lines[0].starts_with("{\"draft\":")
        && lines[0].contains("\"source_ref\":\"S-1\"")
        && lines[1].contains("\"source_ref\":\"S-2\"");
    if !records_in_order {
        bail!("`interlock plugin run` on the standalone plugin's sample gave:\n{output}");
    }
    import_into_new_store(cli, &component, &dir.join("fixtures/sample.csv"), dir)?;
    println!(
        "ok   a plugin project outside the repository builds, tests, runs and imports ({})",
        component.display()
    );
    Ok(())
}

/// The last step of the plugin author's path: a new store, `plugin install`, `import`,
/// and the records are there.
fn import_into_new_store(cli: &Path, component: &Path, input: &Path, dir: &Path) -> Result<()> {
    let store = dir.join("check.redb");
    let interlock = |args: &[&std::ffi::OsStr]| -> Result<String> {
        let output = Command::new(cli)
            .args(args)
            .env("INTERLOCK_STORE", &store)
            .env_remove("RUST_LOG")
            .output()
            .with_context(|| format!("could not run {}", cli.display()))?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            bail!(
                "`interlock {}` failed ({}):\n{text}{}",
                args.iter()
                    .map(|a| a.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(text)
    };
    interlock(&["init".as_ref()])?;
    interlock(&["plugin".as_ref(), "install".as_ref(), component.as_os_str()])?;
    let imported = interlock(&[
        "import".as_ref(),
        "--plugin".as_ref(),
        STANDALONE_CHECK.as_ref(),
        input.as_os_str(),
    ])?;
    if !imported.contains("imported 2 records as batch 1") {
        bail!("importing the standalone plugin's sample said:\n{imported}");
    }
    Ok(())
}

/// The name of the plugin `test_standalone` makes.
const STANDALONE_CHECK: &str = "standalone-check";

const STANDALONE_CARGO_TOML: &str = r#"[package]
name = "{name}"
description = "interlock adapter for ... (describe the agency system and export)"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
# cdylib: the wasm module `cargo build-plugin` wraps; rlib: the native tests.
crate-type = ["cdylib", "rlib"]

# `cargo build-plugin` (.cargo/config.toml) runs this: it compiles the plugin for
# wasm32-unknown-unknown and writes the component to target/plugin/{name}.wasm.
[[bin]]
name = "build-plugin"
required-features = ["build-plugin"]

[features]
build-plugin = ["interlock-pdk/component"]

[dependencies]
# The PDK from its repository ({repository}); to work against a local checkout
# instead, point at its crates/interlock-pdk:
# interlock-pdk = { path = "../interlock/crates/interlock-pdk" }
{pdk_dependency}

# A project of its own, not part of a workspace around it.
[workspace]
"#;

const STANDALONE_CARGO_CONFIG: &str = r#"[alias]
# Compiles the plugin for wasm and wraps it into the component interlock installs:
# target/plugin/NAME.wasm (the path is printed).
build-plugin = "run --quiet --features build-plugin --bin build-plugin --"
"#;

const STANDALONE_BUILD_PLUGIN: &str = r#"//! `cargo build-plugin`: compiles this plugin for wasm32-unknown-unknown and wraps it into
//! the component interlock installs, target/plugin/NAME.wasm, refusing any import but `log`.

fn main() -> std::process::ExitCode {
    interlock_pdk::component::build_plugin(env!("CARGO_MANIFEST_DIR"), env!("CARGO_PKG_NAME"))
}
"#;

const STANDALONE_README: &str = r#"# {name}

An interlock adapter: it turns an agency system's export into interlock records. Made by
`cargo xtask plugin new --path`; the PDK's README (crates/interlock-pdk/README.md in
{repository}) explains the API, the record model and the rules.

```sh
rustup target add wasm32-unknown-unknown          # once
cargo test                                        # the sample against its golden file, in any chunks
cargo build-plugin                                # target/plugin/{name}.wasm
interlock plugin run target/plugin/{name}.wasm fixtures/sample.csv    # records and diagnostics; writes nothing
interlock plugin install target/plugin/{name}.wasm
interlock import --plugin {name} my-export.csv
```

- `src/lib.rs`: the parser; replace the sample's with your format's.
- `fixtures/`: sample inputs; `INPUT.expected.txt` beside each is its golden output
  (`interlock_pdk::testing::check_fixture`). After a change, `UPDATE_GOLDEN=1 cargo test`
  rewrites them: read the diff before committing it.
- The PDK comes from git (Cargo.toml); for a local checkout, use the commented `path` line
  there instead.
- A rebuilt plugin under the same version: `interlock plugin install --replace`.
"#;
