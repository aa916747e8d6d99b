//! `interlock`: the command line for record managers.
//!
//! This crate only parses arguments, calls interlock-core and interlock-host, and turns
//! their typed errors into messages and exit codes. No record logic lives here.

mod commands;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  success (including a re-import that had nothing to do)
  1  input refused: the file has problems, listed as file:line: field: message;
     or a withholding without a reason or naming a field the record lacks;
     nothing was written
  2  usage error: an unknown command or option, or a bad option value (a date,
     a country code, a kind, a rule, an option a plugin does not declare)
  3  not found: an input file named on the command line is not there (every
     command that reads files); no store, record, withholding, plugin, control
     list version, agency or deadline by that name; `report explain`: no such
     figure
  4  integrity failure: `audit verify` found the store altered outside interlock
  5  any other failure (store locked or unreadable, store written by an older
     interlock: run `interlock migrate --backup FILE`; I/O error, plugin failure)
  6  `interlock check --fail-on S`: an open or confirmed finding of severity S or higher

JSON output (--json): always JSON Lines, one JSON object per line on stdout.
  A list (query, audit log, finding list, check, trace, agency list, withhold
  list, control-list versions, show --history, agency show --history, plugin run,
  import: one summary per file) prints one object per item; a command about one
  thing (show, stats, audit verify, settings show, ...) prints one line.
  `interlock COMMAND --help` describes each command's objects.

Environment:
  INTERLOCK_STORE  store file used when --store is not given (default ./interlock.redb)
  INTERLOCK_ACTOR  name recorded in the audit log when --actor is not given
  RUST_LOG         log filter, e.g. RUST_LOG=interlock=debug";

/// Keep one trustworthy record of conventional-arms transfers across customs, licensing
/// and police, and the national control list, as the Arms Trade Treaty asks.
/// `interlock --version`: the release and the plugin interfaces this interlock runs.
fn long_version() -> &'static str {
    static TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        // A host that implements 1.N runs plugins built for every 1.x up to N.
        let interfaces: Vec<String> = interlock_host::SUPPORTED_INTERFACES
            .iter()
            .flat_map(|v| (0..=v.minor).map(move |minor| format!("{}.{minor}", v.major)))
            .collect();
        format!(
            "{}\nplugin interfaces: interlock:adapter {}",
            env!("CARGO_PKG_VERSION"),
            interfaces.join(", ")
        )
    });
    TEXT.as_str()
}

#[derive(Parser)]
#[command(
    name = "interlock",
    version,
    long_version = long_version(),
    after_long_help = EXIT_CODES
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct GlobalArgs {
    /// The store file.
    #[arg(
        long,
        global = true,
        env = "INTERLOCK_STORE",
        default_value = interlock_core::store::DEFAULT_STORE_PATH
    )]
    store: PathBuf,
    /// Who is acting, for the audit log (defaults to the login name).
    #[arg(long, global = true, env = "INTERLOCK_ACTOR")]
    actor: Option<String>,
    /// More log output (repeat for more); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Only errors: no warnings, no progress bars.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new, empty store.
    Init,
    /// Import, inspect, compare and use versions of the national control list.
    #[command(subcommand)]
    ControlList(commands::control_list::ControlListCommand),
    /// Import shared records from JSON Lines files (one record per line), each file in
    /// one transaction: all of its records or none.
    ImportRecords(commands::import::ImportRecordsArgs),
    /// Import agency files through a registered plugin, each file in one transaction.
    Import(commands::import::PluginImportArgs),
    /// Install, list, inspect and remove agency adapter plugins.
    #[command(subcommand)]
    Plugin(commands::plugin::PluginCommand),
    /// Find records.
    Query(commands::records::QueryArgs),
    /// Show one record with its provenance, or its whole history.
    Show(commands::records::ShowArgs),
    /// Check or list the audit log.
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
    /// Counts of what the store holds.
    Stats(commands::records::StatsArgs),
    /// Withhold records from public reports (ATT Art. 13(3)), list and release withholdings.
    #[command(subcommand)]
    Withhold(commands::withhold::WithholdCommand),
    /// Run the cross-checks between agencies' records and keep their findings: what no
    /// single agency can see (over-used licences, shipments without a licence or to a
    /// country the licence does not allow, embargoes, denied parties, diverted serials).
    Check(commands::check::CheckArgs),
    /// List, show and review findings of `interlock check` (open, explained, dismissed,
    /// confirmed); every change is audited with its reason.
    #[command(subcommand)]
    Finding(commands::check::FindingCommand),
    /// Load arms embargoes, e.g. the curated UN Security Council reference set
    /// (`fixtures/embargoes/un-arms-embargoes.jsonl`), for the `embargo` cross-check.
    #[command(subcommand)]
    Embargo(EmbargoCommand),
    /// One weapon's story across agencies: licensed, declared, written off, delivered,
    /// seized, traced, with each step's source.
    Trace(commands::check::TraceArgs),
    /// Upgrade a store written by an earlier interlock to this version's file layout, in
    /// one transaction: records, revisions, batches, control lists and the audit log are
    /// kept byte for byte, the indexes are rebuilt, and the audit log records it. Keep a
    /// copy first: `interlock migrate --backup FILE` (recommended).
    Migrate(commands::migrate::MigrateArgs),
    /// The ATT annual report and the UN Register report, with every figure explained by
    /// the records summed into it.
    #[command(subcommand)]
    Report(commands::report::ReportCommand),
    /// The reporting State's own settings: its country, national currency, national point
    /// of contact and reporting authority (kept in the store and audited).
    #[command(subcommand)]
    Settings(commands::registry::SettingsCommand),
    /// The agency registry: who does what, with legal basis, contacts and mandates.
    #[command(subcommand)]
    Agency(commands::registry::AgencyCommand),
    /// The implementation phase x agency matrix, with gaps, overlaps without a lead and
    /// contacts whose term has ended.
    Roles(commands::registry::RolesArgs),
    /// Write the "who does what" handbook a new staff member reads on day one (Markdown).
    Handbook(commands::registry::HandbookArgs),
    /// Reporting obligations, their due dates, who is responsible and whether the data is
    /// ready.
    Calendar(commands::registry::CalendarArgs),
    /// Print a shell completion script to stdout, e.g.
    /// `interlock completions bash > /etc/bash_completion.d/interlock` or
    /// `interlock completions zsh > ~/.zfunc/_interlock`.
    Completions(commands::shell::CompletionsArgs),
    /// Print the manual page (roff) to stdout, e.g. `interlock man | man -l -`; with
    /// --out DIR, write one page per command into DIR (interlock.1,
    /// interlock-import.1, ...).
    Man(commands::shell::ManArgs),
}

#[derive(Subcommand)]
enum EmbargoCommand {
    /// Import JSON Lines files of embargo records only (a record of another kind is refused
    /// on its line), each file in one transaction; re-importing a file does nothing.
    Import(commands::import::ImportRecordsArgs),
}

/// An import reads on one thread and writes on another, so memory allocated on one is freed
/// on the other; mimalloc does that without the lock traffic of glibc's allocator (measured
/// with `cargo xtask bench import`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.global);
    let mut context = commands::Context::new(&cli.global.store, cli.global.actor.clone());
    context.quiet = cli.global.quiet;
    let result = match cli.command {
        Command::Init => commands::init(&context),
        Command::ControlList(command) => commands::control_list::run(&context, command),
        Command::ImportRecords(args) => commands::import::import_records(&context, args),
        Command::Import(args) => commands::import::import_with_plugin(&context, args),
        Command::Plugin(command) => commands::plugin::run(&context, command),
        Command::Query(args) => commands::records::query(&context, args),
        Command::Show(args) => commands::records::show(&context, args),
        Command::Audit(command) => commands::audit::run(&context, command),
        Command::Stats(args) => commands::records::stats(&context, args),
        Command::Withhold(command) => commands::withhold::run(&context, command),
        Command::Migrate(args) => commands::migrate::migrate(&context, args),
        Command::Check(args) => commands::check::check(&context, args),
        Command::Finding(command) => commands::check::finding(&context, command),
        Command::Trace(args) => commands::check::trace_serial(&context, args),
        Command::Report(command) => commands::report::run(&context, command),
        Command::Settings(command) => commands::registry::settings(&context, command),
        Command::Agency(command) => commands::registry::agency(&context, command),
        Command::Roles(args) => commands::registry::roles(&context, args),
        Command::Handbook(args) => commands::registry::handbook(&context, args),
        Command::Calendar(args) => commands::registry::calendar(&context, args),
        Command::Completions(args) => commands::shell::completions(Cli::command(), args),
        Command::Man(args) => commands::shell::man(Cli::command(), args),
        Command::Embargo(EmbargoCommand::Import(args)) => commands::import::import_records_of(
            &context,
            args,
            Some(interlock_core::RecordKind::Embargo),
        ),
    };
    match result {
        Ok(code) => code,
        Err(failure) => failure.report(),
    }
}

fn init_logging(global: &GlobalArgs) {
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every argument and subcommand the record manager can type, by its path
    /// (`interlock control-list import <file>`), that `--help` leaves unexplained.
    fn without_help(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            // clap's own --help and --version explain themselves.
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            let sub_path = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() && sub.get_long_about().is_none() {
                missing.push(sub_path.clone());
            }
            without_help(sub, &sub_path, missing);
        }
    }

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_argument_and_subcommand_has_help() {
        let mut command = Cli::command();
        command.build();
        let mut missing = Vec::new();
        without_help(&command, "interlock", &mut missing);
        assert!(
            missing.is_empty(),
            "without help text:\n  {}",
            missing.join("\n  ")
        );
    }
}
