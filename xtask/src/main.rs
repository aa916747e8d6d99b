//! See <https://github.com/matklad/cargo-xtask/>.
//!
//! Developer tasks that plain `cargo` cannot express: building the agency plugins to wasm
//! components, scaffolding and testing plugins, the end-to-end demo, the full test gate,
//! regenerating reference tables and benchmarks. Run `cargo xtask --help`.

mod bench;
mod bench_check;
mod codegen;
mod demo;
mod gate;
mod model_doc;
mod plugins;

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "interlock developer tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Benchmarks that print numbers (never pass/fail on timing).
    Bench {
        #[command(subcommand)]
        bench: BenchTask,
    },
    /// Run the main job end to end on fixtures/ into a fresh store under target/demo.
    Demo,
    /// The full gate: format check, clippy -D warnings, plugin builds and every test.
    Test,
    /// Regenerate the reference tables in crates/interlock-core/data from ../shared/data
    /// and crates/interlock-pdk/MODEL.md from the record model's source.
    Codegen,
    /// Build every crate under plugins/ to a wasm component in target/plugins/.
    Plugins,
    /// Plugin tooling: scaffold a new plugin or run plugins on their fixtures.
    Plugin {
        #[command(subcommand)]
        command: plugins::PluginCommand,
    },
}

#[derive(Subcommand)]
enum BenchTask {
    /// Import a generated customs file of N rows: interlock vs sqlite3 `.import` + index.
    Import {
        #[arg(long, default_value_t = 100_000)]
        rows: u64,
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
    let cli = Cli::parse();
    match cli.task {
        Task::Bench {
            bench: BenchTask::Import { rows },
        } => bench::import(rows),
        Task::Bench {
            bench:
                BenchTask::Check {
                    lines,
                    licences,
                    serials,
                },
        } => bench_check::check(lines, licences, serials),
        Task::Demo => demo::run(),
        Task::Test => gate::test(),
        Task::Codegen => codegen::run(),
        Task::Plugins => plugins::build_all().map(|_| ()),
        Task::Plugin { command } => plugins::run(command),
    }
}

/// The workspace root, whatever directory `cargo xtask` was started from.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
