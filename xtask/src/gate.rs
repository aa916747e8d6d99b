//! `cargo xtask test`: the gate every change passes, and what CI runs.

use std::process::Command;

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
    run("cargo", &["fmt", "--all", "--", "--check"])?;
    // Plugins first: host tests and the CLI end-to-end tests load the built components.
    crate::plugins::build_all()?;
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
    crate::plugins::test_all()?;
    // The main job end to end; it also compares the scenario's cross-check findings with
    // fixtures/scenario/expected-findings.txt.
    crate::demo::run()?;
    eprintln!("all checks passed");
    Ok(())
}
