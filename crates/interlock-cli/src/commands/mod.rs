//! One module per command family. Every command returns `Result<ExitCode, Failure>`.

pub mod audit;
pub mod check;
pub mod control_list;
pub mod import;
pub mod migrate;
pub mod plugin;
pub mod records;
pub mod registry;
pub mod report;
pub mod shell;
mod store_errors;
pub mod withhold;

use std::fmt::Display;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use interlock_core::store::{RegistryError, Store};

pub use store_errors::HasExitCode;

/// Exit codes, documented in `interlock --help`.
pub const EXIT_REFUSED: u8 = 1;
/// Bad arguments: the same code clap uses for its own usage errors.
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_NOT_FOUND: u8 = 3;
pub const EXIT_INTEGRITY: u8 = 4;
pub const EXIT_FAILURE: u8 = 5;
/// `interlock check --fail-on S` found an open or confirmed finding of severity S or more.
pub const EXIT_FINDINGS: u8 = 6;

/// What every command needs: where the store is and who is acting.
pub struct Context {
    pub store_path: PathBuf,
    pub actor: String,
    /// `--quiet`: only errors, and no progress bars.
    pub quiet: bool,
}

impl Context {
    pub fn new(store_path: &Path, actor: Option<String>) -> Context {
        let actor = actor
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| "unknown".to_owned());
        Context {
            store_path: store_path.to_owned(),
            actor,
            quiet: false,
        }
    }

    pub fn open_store(&self) -> Result<Store, Failure> {
        let store = Store::open(&self.store_path)?;
        store.set_fixed_time(fixed_time()?);
        Ok(store)
    }
}

/// `INTERLOCK_FIXED_TIME` pins every timestamp the store writes, so demos and golden
/// tests are reproducible. Not for production use.
fn fixed_time() -> Result<Option<jiff::Timestamp>, Failure> {
    match std::env::var("INTERLOCK_FIXED_TIME") {
        Ok(text) => text
            .parse()
            .map(Some)
            .map_err(|e| Failure::new(EXIT_FAILURE, format!("INTERLOCK_FIXED_TIME `{text}`: {e}"))),
        Err(_) => Ok(None),
    }
}

pub fn init(context: &Context) -> Result<ExitCode, Failure> {
    Store::create_with_fixed_time(&context.store_path, &context.actor, fixed_time()?)?;
    println!("created store {}", context.store_path.display());
    Ok(ExitCode::SUCCESS)
}

/// A command that did not succeed: the message for the record manager and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Display) -> Failure {
        Failure {
            code,
            message: message.to_string(),
        }
    }

    pub fn report(self) -> ExitCode {
        let mut stderr = std::io::stderr().lock();
        if !self.message.is_empty() {
            // Nothing useful to do if stderr itself is gone.
            let _ = writeln!(stderr, "error: {}", self.message);
        }
        ExitCode::from(self.code)
    }
}

/// A value given on the command line that the store refuses (a settings value, an agency
/// id) is a usage error (2), as clap's own are; the same value read from a file is a
/// refused input (1).
pub fn argument_error(error: RegistryError) -> Failure {
    match error {
        RegistryError::InvalidSettings(_) | RegistryError::InvalidAgency { .. } => {
            Failure::new(EXIT_USAGE, error)
        }
        other => other.into(),
    }
}

/// Today: the day `INTERLOCK_FIXED_TIME` pins (UTC), else today where the command runs
/// (reports, calendars and deadlines are about the reporting officer's calendar day).
pub fn today() -> Result<jiff::civil::Date, Failure> {
    Ok(match fixed_time()? {
        Some(time) => time.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
        None => jiff::ZonedDateTime::now().date(),
    })
}

/// Prints `value` as one JSON document on one line of stdout: every `--json` output is
/// JSON Lines, and a command about one thing prints a stream of one line.
pub fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string(value)
        .map_err(|e| Failure::new(EXIT_FAILURE, format!("cannot encode output: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Prints each item as one JSON object per line (JSON Lines), never as one array, so a
/// long stream can be read line by line (`jq -c`, `grep`).
pub fn print_json_lines<T: serde::Serialize>(
    items: impl IntoIterator<Item = T>,
) -> Result<(), Failure> {
    for item in items {
        print_json(&item)?;
    }
    Ok(())
}

/// The exit code for an I/O error on a file the record manager named: a file that is not
/// there is "not found" (3) for every command that reads one; any other I/O error is 5.
pub fn io_exit_code(error: &std::io::Error) -> u8 {
    if error.kind() == std::io::ErrorKind::NotFound {
        EXIT_NOT_FOUND
    } else {
        EXIT_FAILURE
    }
}

/// Reads a whole input file, naming it in the error.
pub fn read_input(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .map_err(|e| Failure::new(io_exit_code(&e), format!("{}: {e}", path.display())))
}
