//! `interlock completions SHELL` and `interlock man`: generated from the same clap
//! definition that parses the arguments, so they cannot drift from the real commands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use clap_complete::Shell;

use super::{EXIT_FAILURE, Failure};

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(Args)]
pub struct ManArgs {
    /// Write interlock.1 and one page per command (interlock-import.1, ...) into this
    /// directory (created if missing) instead of printing interlock.1 to stdout.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn completions(mut command: clap::Command, args: CompletionsArgs) -> Result<ExitCode, Failure> {
    let name = command.get_name().to_owned();
    clap_complete::generate(
        args.shell,
        &mut command,
        name,
        &mut std::io::stdout().lock(),
    );
    Ok(ExitCode::SUCCESS)
}

pub fn man(command: clap::Command, args: ManArgs) -> Result<ExitCode, Failure> {
    match args.out {
        Some(dir) => {
            let failed =
                |e: std::io::Error| Failure::new(EXIT_FAILURE, format!("{}: {e}", dir.display()));
            std::fs::create_dir_all(&dir).map_err(failed)?;
            clap_mangen::generate_to(command, &dir).map_err(failed)?;
            println!("wrote the manual pages to {}", dir.display());
        }
        None => clap_mangen::Man::new(command)
            .render(&mut std::io::stdout().lock())
            .map_err(|e| Failure::new(EXIT_FAILURE, format!("writing to stdout: {e}")))?,
    }
    Ok(ExitCode::SUCCESS)
}
