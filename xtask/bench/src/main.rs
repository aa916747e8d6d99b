//! `cargo xtask bench …`: benchmarks that print numbers (never pass/fail on timing).
//!
//! xtask runs this binary as `cargo run --release -p xtask-bench -- ARGS`. It is a package
//! of its own because it runs the plugin host, the store and a plugin's parser in-process:
//! xtask, which every `cargo xtask` compiles first, stays free of wasmtime. A new benchmark
//! is a variant of [`Bench`] and a module; `cargo xtask bench` passes its arguments through.

mod check;
mod import;
mod layout;
mod lookup;
mod report;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask bench",
    about = "interlock benchmarks (release build)"
)]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Import a generated customs file of N rows: interlock vs sqlite3 `.import` with the
    /// same indexes; then where the store's bytes went, and lookups and a query on both.
    Import {
        #[arg(long, default_value_t = 100_000)]
        rows: u64,
    },
    /// Lookups and a query on a store `bench import` wrote (and on its SQLite database, if
    /// there), without importing again.
    Lookup {
        /// Rows the store was imported with (`bench import --rows`).
        #[arg(long)]
        rows: u64,
        /// The store file.
        #[arg(long, default_value = "target/bench/bench-plugin.redb")]
        store: PathBuf,
    },
    /// The customs-csv plugin's parser on a generated file of N rows, natively and in the
    /// sandbox (records converted to the model), without a store.
    Translate {
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
    },
    /// Where a store's bytes go, table by table (redb's statistics).
    Layout {
        /// The store file.
        #[arg(long)]
        store: PathBuf,
    },
    /// The ATT annual report (actual basis) over a generated year of declaration lines,
    /// and the same aggregation in sqlite3, side by side; both answers are compared.
    Report {
        /// Declaration lines in the generated year.
        #[arg(long, default_value_t = 1_000_000)]
        lines: u64,
    },
    /// Cross-checks over generated licences and declarations with planted violations:
    /// interlock's `check` vs the same joins in sqlite3, and lookup by serial (the issue's
    /// 10,000,000 serials: --serials 10000000).
    Check {
        /// Declaration items.
        #[arg(long, default_value_t = 1_000_000)]
        lines: u64,
        /// Licences (two lines each).
        #[arg(long, default_value_t = 100_000)]
        licences: u64,
        /// Serial numbers on licence lines, for the lookup.
        #[arg(long, default_value_t = 1_000_000)]
        serials: u64,
    },
}

fn main() -> Result<()> {
    // Timings of debug code mean nothing: a debug build reruns itself as a release build.
    if cfg!(debug_assertions) {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut command = vec!["run", "--quiet", "--release", "-p", "xtask-bench", "--"];
        command.extend(args.iter().map(String::as_str));
        return run("cargo", &command);
    }
    match Cli::parse().bench {
        Bench::Import { rows } => import::import(rows),
        Bench::Lookup { rows, store } => {
            let root = project_root();
            let sqlite = root.join("target/bench/bench.sqlite");
            lookup::lookups(
                rows,
                &root.join(store),
                sqlite.exists().then_some(sqlite.as_path()),
                &root.join("target/release/interlock"),
            )
        }
        Bench::Translate { rows } => import::translate(rows),
        Bench::Layout { store } => {
            print!("{}", layout::describe(&store)?);
            Ok(())
        }
        Bench::Report { lines } => report::report(lines),
        Bench::Check {
            lines,
            licences,
            serials,
        } => check::check(lines, licences, serials),
    }
}

/// The workspace root, whatever directory the benchmark was started from.
pub fn project_root() -> PathBuf {
    // xtask/bench → the root.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.join("../.."))
}

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
