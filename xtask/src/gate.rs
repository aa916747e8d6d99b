//! `cargo xtask test`: the gate every change passes, and what CI runs.

use std::process::Command;

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
    stage("building the plugins", crate::plugins::build_all)?;
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
    run("cargo", &["test", "--workspace"])?;
    stage("plugin golden tests", crate::plugins::test_all)?;
    // The main job end to end; it also compares the scenario's cross-check findings with
    // fixtures/scenario/expected-findings.txt.
    stage("demo", crate::demo::run)?;
    eprintln!(
        "all checks passed ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs one stage of the gate and prints how long it took, so a slow CI run shows where
/// its time went.
fn stage<T>(name: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    let started = std::time::Instant::now();
    let result = work()?;
    eprintln!("  ({name}: {:.1} s)", started.elapsed().as_secs_f64());
    Ok(result)
}
