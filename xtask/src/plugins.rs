//! Building, scaffolding and testing agency plugins. (stub)

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum PluginCommand {
    /// Scaffold a new plugin crate under plugins/.
    New { name: String },
}

/// Builds every plugin and returns the paths of the components.
pub fn build_all() -> Result<Vec<PathBuf>> {
    anyhow::bail!("plugin builds are not written yet")
}

pub fn run(command: PluginCommand) -> Result<()> {
    match command {
        PluginCommand::New { .. } => anyhow::bail!("not written yet"),
    }
}
