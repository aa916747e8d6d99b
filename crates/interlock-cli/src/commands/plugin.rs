//! `interlock plugin …` and the plugin side of `interlock import`. (in progress)

use std::process::ExitCode;

use clap::Subcommand;

use super::import::PluginImportArgs;
use super::{Context, EXIT_FAILURE, Failure};

#[derive(Subcommand)]
pub enum PluginCommand {
    /// List installed plugins.
    List,
}

pub fn run(_context: &Context, _command: PluginCommand) -> Result<ExitCode, Failure> {
    Err(Failure::new(EXIT_FAILURE, "plugins are not available yet"))
}

pub fn import_files(_context: &Context, _args: PluginImportArgs) -> Result<ExitCode, Failure> {
    Err(Failure::new(EXIT_FAILURE, "plugins are not available yet"))
}
