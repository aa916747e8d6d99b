//! `cargo xtask test`: the gate every change passes, and what CI runs.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::project_root;

/// Runs a command in the workspace root, echoing it, and fails if it fails.
pub fn run(program: &str, args: &[&str]) -> Result<()> {
    eprintln!("$ {program} {}", args.join(" "));
    let started = std::time::Instant::now();
    let status = Command::new(program)
        .args(args)
        .current_dir(project_root())
        .status()
        .with_context(|| format!("could not start {program}"))?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    eprintln!("  ({:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}

pub fn test() -> Result<()> {
    let started = std::time::Instant::now();
    run("cargo", &["fmt", "--all", "--", "--check"])?;
    // Plugins first: host tests and the CLI end-to-end tests load the built components.
    stage("building the plugins", || {
        // The hostile test plugin too (not wrapped): the host and CLI tests build their
        // plugins with a nested cargo in the same wasm target directory, which then finds
        // everything fresh instead of compiling the plugins and their macros again.
        let mut packages = crate::plugins::all_plugins()?;
        packages.push("hostile-plugin".to_owned());
        crate::plugins::compile_wasm(&packages)?;
        crate::plugins::build_all()
    })?;
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
    // The tests are built first, to learn which `interlock` binary this build made: the
    // golden tests and the demo run that one. Building the CLI again on its own would
    // unify features differently and compile wasmtime and much else a second time.
    let interlock = stage("building the tests", build_tests)?;
    run("cargo", &["test", "--workspace"])?;
    stage("plugin golden tests", || {
        crate::plugins::test_all(&interlock)
    })?;
    // The main job end to end; it also compares the scenario's cross-check findings with
    // fixtures/scenario/expected-findings.txt.
    stage("demo", || crate::demo::run_with(&interlock))?;
    eprintln!(
        "all checks passed ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
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

/// Runs one stage of the gate and prints how long it took, so a slow CI run shows where
/// its time went.
fn stage<T>(name: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    let started = std::time::Instant::now();
    let result = work()?;
    eprintln!("  ({name}: {:.1} s)", started.elapsed().as_secs_f64());
    Ok(result)
}
