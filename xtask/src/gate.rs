//! `cargo xtask test`: the gate every change passes, and what CI runs.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::project_root;

/// Runs a command in the workspace root, echoing it, and fails if it fails.
pub fn run(program: &str, args: &[&str]) -> Result<()> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(project_root())
        .status()
        .with_context(|| format!("could not start {program}"))?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

pub fn test() -> Result<()> {
    let started = Instant::now();
    let mut stages = Stages::default();
    let result = gate(&mut stages);
    // Also after a failure: what ran, and for how long, before it.
    stages.print_summary(started.elapsed());
    if result.is_ok() {
        eprintln!("all checks passed");
    }
    result
}

fn gate(stages: &mut Stages) -> Result<()> {
    // Seconds, and the most likely to fail on a docs change: first.
    stages.run("tidy", crate::tidy::run)?;
    stages.run("format check", || {
        run("cargo", &["fmt", "--all", "--", "--check"])
    })?;
    // Plugins first: host tests and the CLI end-to-end tests load the built components.
    stages.run("building the plugins", || {
        // The hostile test plugin too (not wrapped): the host and CLI tests build their
        // plugins with a nested cargo in the same wasm target directory, which then finds
        // everything fresh instead of compiling the plugins and their macros again.
        let mut packages = crate::plugins::all_plugins()?;
        packages.push("hostile-plugin".to_owned());
        crate::plugins::compile_wasm(&packages)?;
        crate::plugins::build_all()
    })?;
    stages.run("clippy", || {
        run(
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )?;
        // The PDK's component builder (for plugins outside this repository) is behind a
        // feature no workspace crate turns on.
        run(
            "cargo",
            &[
                "clippy",
                "-p",
                "interlock-pdk",
                "--features",
                "component",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )
    })?;
    // The tests are built first, to learn which `interlock` binary this build made: the
    // golden tests and the demo run that one. Building the CLI again on its own would
    // unify features differently and compile wasmtime and much else a second time.
    let interlock = stages.run("building the tests", build_tests)?;
    stages.run("tests", || run("cargo", &["test", "--workspace"]))?;
    stages.run("plugin golden tests", || {
        crate::plugins::test_all(&interlock)
    })?;
    // What a plugin author outside this repository does: `plugin new --path`, build, test,
    // run the fixture through the CLI.
    stages.run("a plugin outside the repository", || {
        crate::plugins::test_standalone(&interlock)
    })?;
    // The main job end to end; it also compares the scenario's cross-check findings with
    // fixtures/scenario/expected-findings.txt.
    stages.run("demo", || crate::demo::run_with(&interlock))?;
    // A few imports killed at random moments (`cargo xtask crash --runs 200` is the real
    // proof): the store must survive each whole.
    stages.run("crash safety (3 kills)", || {
        crate::crash::run_in_gate(&interlock)
    })?;
    Ok(())
}

/// `cargo test --workspace --no-run`, returning the `interlock` binary it built (or found
/// fresh), as cargo reports it: its build of the CLI's binary target, not a unit-test
/// harness.
fn build_tests() -> Result<PathBuf> {
    let args = [
        "test",
        "--workspace",
        "--no-run",
        "--message-format=json-render-diagnostics",
    ];
    eprintln!("$ cargo {}", args.join(" "));
    // Messages on stdout (parsed here); progress and rendered diagnostics on stderr.
    let output = Command::new("cargo")
        .args(args)
        .current_dir(project_root())
        .stderr(Stdio::inherit())
        .output()
        .context("could not start cargo")?;
    if !output.status.success() {
        bail!("`cargo {}` failed ({})", args.join(" "), output.status);
    }
    let mut binary = None;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let target = &message["target"];
        let is_cli = message["reason"] == "compiler-artifact"
            && target["name"] == "interlock"
            && target["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "bin"))
            && message["profile"]["test"] == false;
        if is_cli && let Some(path) = message["executable"].as_str() {
            binary = Some(PathBuf::from(path));
        }
    }
    let binary = binary.context("`cargo test --workspace` built no `interlock` binary")?;
    eprintln!("  (the CLI: {})", binary.display());
    Ok(binary)
}

/// The stages run so far and how long each took, so that a slow CI run shows where its
/// time went.
#[derive(Default)]
pub struct Stages {
    done: Vec<(String, Duration, bool)>,
}

impl Stages {
    /// Runs one stage, announcing it (a first build prints nothing for minutes otherwise)
    /// and then how long it took.
    pub fn run<T>(&mut self, name: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
        eprintln!("\n== {name}");
        let started = Instant::now();
        let result = work();
        let took = started.elapsed();
        let outcome = if result.is_ok() { "done" } else { "FAILED" };
        eprintln!("== {name}: {outcome} in {}", seconds(took));
        self.done.push((name.to_owned(), took, result.is_ok()));
        result
    }

    /// One line per stage, then the total (which includes the time between stages).
    pub fn print_summary(&self, total: Duration) {
        let mut rows: Vec<(&str, String, &str)> = self
            .done
            .iter()
            .map(|(name, took, ok)| {
                (
                    name.as_str(),
                    seconds(*took),
                    if *ok { "" } else { "  (failed)" },
                )
            })
            .collect();
        rows.push(("total", seconds(total), ""));
        let name_width = rows.iter().map(|(name, ..)| name.len()).max().unwrap_or(0);
        let time_width = rows
            .iter()
            .map(|(_, time, _)| time.len())
            .max()
            .unwrap_or(0);
        eprintln!("\nstage timings:");
        for (name, time, failed) in rows {
            eprintln!("  {name:<name_width$}  {time:>time_width$}{failed}");
        }
    }
}

/// `83.4 s (1 min 23 s)`: seconds to compare, minutes to read.
fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1} s")
    } else {
        let whole = duration.as_secs();
        format!("{secs:.0} s ({} min {:02} s)", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_seconds_and_minutes() {
        assert_eq!(seconds(Duration::from_millis(2_340)), "2.3 s");
        assert_eq!(seconds(Duration::from_secs(83)), "83 s (1 min 23 s)");
        assert_eq!(seconds(Duration::from_secs(600)), "600 s (10 min 00 s)");
    }

    #[test]
    fn a_failed_stage_is_recorded_and_its_error_returned() {
        let mut stages = Stages::default();
        assert_eq!(stages.run("first", || Ok(1)).ok(), Some(1));
        let failed = stages.run("second", || -> Result<()> { bail!("broken") });
        assert_eq!(
            failed.err().map(|e| e.to_string()).as_deref(),
            Some("broken")
        );
        let names: Vec<(&str, bool)> = stages
            .done
            .iter()
            .map(|(name, _, ok)| (name.as_str(), *ok))
            .collect();
        assert_eq!(names, [("first", true), ("second", false)]);
    }
}
