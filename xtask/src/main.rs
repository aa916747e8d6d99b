//! See <https://github.com/matklad/cargo-xtask/>.
//!
//! Developer tasks that plain `cargo` cannot express: building the agency plugins to wasm
//! components, scaffolding and testing plugins, the end-to-end demo, the full test gate,
//! regenerating reference tables and benchmarks. Run `cargo xtask --help`.

mod codegen;
mod crash;
mod customs_file;
mod demo;
mod demo_report;
mod gate;
mod model_doc;
mod plugins;
mod tidy;

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
    /// Benchmarks that print numbers (never pass/fail on timing): `import --rows N`,
    /// `check [--lines N] [--licences M] [--serials S]`; `cargo xtask bench --help` lists
    /// them. They run as a release build of the xtask-bench package, which gets these
    /// arguments as they are.
    #[command(disable_help_flag = true)]
    Bench {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run the main job end to end on fixtures/ into a fresh store under target/demo.
    Demo,
    /// Crash safety: import a generated customs file and SIGKILL the release `interlock`
    /// at a random moment, N times; after each kill the store must open, pass `audit
    /// verify`, hold the file wholly or not at all, and take it again exactly once.
    Crash(crash::CrashArgs),
    /// The full gate: tidy, format check, clippy -D warnings, plugin builds and every
    /// test, printing how long each stage took.
    Test,
    /// Check that the docs are true: every path ARCHITECTURE.md and the READMEs name
    /// exists, every Rust module starts with a `//!` line (the gate's first stage).
    Tidy,
    /// Regenerate the reference tables in crates/interlock-core/data from ../shared/data
    /// and crates/interlock-pdk/MODEL.md from the record model's source.
    Codegen,
    /// Build every crate under plugins/ (or only those named) to a wasm component in
    /// target/plugins/.
    Plugins { names: Vec<String> },
    /// Plugin tooling: scaffold a new plugin or run plugins on their fixtures.
    Plugin {
        #[command(subcommand)]
        command: plugins::PluginCommand,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.task {
        Task::Bench { args } => bench(&args),
        Task::Demo => demo::run(),
        Task::Crash(args) => crash::run(args),
        Task::Test => gate::test(),
        Task::Tidy => tidy::run(),
        Task::Codegen => codegen::run(),
        Task::Plugins { names } if names.is_empty() => plugins::build_all().map(|_| ()),
        Task::Plugins { names } => {
            plugins::build_components(&names, &project_root().join("target/plugins")).map(|_| ())
        }
        Task::Plugin { command } => plugins::run(command),
    }
}

/// `cargo xtask bench ARGS`: the benchmarks live in their own package (xtask-bench), so
/// that xtask does not compile the plugin host; timings of debug code mean nothing, hence
/// `--release` (as before, the benchmarks build the release CLI they measure themselves).
fn bench(args: &[String]) -> Result<()> {
    let mut command = vec!["run", "--quiet", "--release", "-p", "xtask-bench", "--"];
    command.extend(args.iter().map(String::as_str));
    gate::run("cargo", &command)
}

/// The workspace root, whatever directory `cargo xtask` was started from.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
