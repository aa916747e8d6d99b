//! `interlock import-records` and `interlock import --plugin`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use interlock_core::Diagnostic;
use interlock_core::jsonl::{JsonLinesError, import_json_lines_of};
use interlock_core::store::{ImportError, ImportOutcome};

use super::{Context, EXIT_FAILURE, EXIT_REFUSED, Failure, print_json};

#[derive(Args)]
pub struct ImportRecordsArgs {
    /// JSON Lines files: one record per line (see README, "Record format").
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub output: ImportOutputArgs,
}

#[derive(Args)]
pub struct PluginImportArgs {
    /// The registered plugin that reads these files (see `interlock plugin list`).
    #[arg(long)]
    pub plugin: String,
    /// Agency files in the plugin's format.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// An option for the plugin, e.g. `--option currency=EUR` (repeatable; `interlock
    /// plugin inspect NAME` lists the options a plugin declares). The options are kept in
    /// each record's provenance, and the same file imported with other options is another
    /// import.
    #[arg(long = "option", value_name = "KEY=VALUE", value_parser = parse_option)]
    pub options: Vec<(String, String)>,
    #[command(flatten)]
    pub output: ImportOutputArgs,
}

/// `--option KEY=VALUE`, shared with `interlock plugin run`.
pub fn parse_option(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

#[derive(Args)]
pub struct ImportOutputArgs {
    /// Also write every problem found to this file, one `file:line: field: message` a line.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Print one JSON summary per file on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// How many problems are printed on the terminal before pointing at `--report`.
const PROBLEMS_ON_SCREEN: usize = 50;

pub fn import_records(context: &Context, args: ImportRecordsArgs) -> Result<ExitCode, Failure> {
    import_records_of(context, args, None)
}

/// `interlock import-records`, or for one kind only (`interlock embargo import`).
pub fn import_records_of(
    context: &Context,
    args: ImportRecordsArgs,
    only: Option<interlock_core::RecordKind>,
) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    let mut reporter = Reporter::new(&args.output)?;
    for path in &args.files {
        let bar = progress_bar(path, args.output.json);
        let result = import_json_lines_of(&store, path, only, &context.actor, &mut |bytes| {
            bar.set_position(bytes)
        });
        bar.finish_and_clear();
        match result {
            Ok(outcome) => reporter.outcome(path, &outcome)?,
            Err(JsonLinesError::Import(error)) => reporter.failed(path, error)?,
            Err(error @ JsonLinesError::Io { .. }) => {
                reporter.failure(Failure::new(EXIT_FAILURE, error))
            }
        }
    }
    reporter.finish()
}

pub fn import_with_plugin(context: &Context, args: PluginImportArgs) -> Result<ExitCode, Failure> {
    super::plugin::import_files(context, args)
}

/// A progress bar on stderr, only when a person is watching.
pub fn progress_bar(path: &Path, json: bool) -> ProgressBar {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(size);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(path.display().to_string());
    bar
}

/// Prints per-file outcomes and problems, remembers the worst exit code.
pub struct Reporter {
    json: bool,
    report_file: Option<(PathBuf, std::fs::File)>,
    exit: u8,
}

impl Reporter {
    pub fn new(args: &ImportOutputArgs) -> Result<Reporter, Failure> {
        let report_file = match &args.report {
            Some(path) => {
                let file = std::fs::File::create(path)
                    .map_err(|e| Failure::new(EXIT_FAILURE, format!("{}: {e}", path.display())))?;
                Some((path.clone(), file))
            }
            None => None,
        };
        Ok(Reporter {
            json: args.json,
            report_file,
            exit: 0,
        })
    }

    pub fn outcome(&mut self, path: &Path, outcome: &ImportOutcome) -> Result<(), Failure> {
        let name = path.display().to_string();
        if let ImportOutcome::Imported(summary) = outcome {
            self.problems(&name, &summary.warnings)?;
        }
        if self.json {
            return print_json(&serde_json::json!({ "file": name, "result": outcome }));
        }
        match outcome {
            ImportOutcome::Imported(s) => println!(
                "{name}: imported {} records as batch {} ({} new, {} revised, {} unchanged)",
                s.records, s.batch, s.created, s.revised, s.unchanged
            ),
            ImportOutcome::AlreadyImported(batch) => println!(
                "{name}: already imported as batch {} on {} by {}; nothing to do",
                batch.batch, batch.at, batch.actor
            ),
        }
        Ok(())
    }

    pub fn failed(&mut self, path: &Path, error: ImportError) -> Result<(), Failure> {
        let name = path.display().to_string();
        match error {
            ImportError::Invalid { diagnostics, total } => {
                self.problems(&name, &diagnostics)?;
                let more = total.saturating_sub(diagnostics.len() as u64);
                let mut message = format!(
                    "{name}: {total} {} found; nothing was imported from this file",
                    if total == 1 { "problem" } else { "problems" }
                );
                if more > 0 {
                    message.push_str(&format!(
                        " (only the first {} are listed)",
                        diagnostics.len()
                    ));
                }
                if self.json {
                    print_json(&serde_json::json!({
                        "file": name,
                        "result": { "outcome": "refused", "problems": total, "diagnostics": diagnostics },
                    }))?;
                }
                self.failure(Failure::new(EXIT_REFUSED, message));
            }
            ImportError::Store(error) => self.failure(error.into()),
        }
        Ok(())
    }

    /// Lists problems on stderr (the first [`PROBLEMS_ON_SCREEN`]) and in the report file.
    pub fn problems(&mut self, file: &str, diagnostics: &[Diagnostic]) -> Result<(), Failure> {
        use std::io::Write;
        for (shown, diagnostic) in diagnostics.iter().enumerate() {
            let text = diagnostic.render(file);
            if shown < PROBLEMS_ON_SCREEN || self.report_file.is_none() {
                eprintln!("{text}");
            }
            if let Some((path, report)) = &mut self.report_file {
                writeln!(report, "{text}")
                    .map_err(|e| Failure::new(EXIT_FAILURE, format!("{}: {e}", path.display())))?;
            }
        }
        if let Some((path, _)) = &self.report_file
            && diagnostics.len() > PROBLEMS_ON_SCREEN
        {
            eprintln!(
                "... {} more in {}",
                diagnostics.len() - PROBLEMS_ON_SCREEN,
                path.display()
            );
        }
        Ok(())
    }

    /// Reports a failed file and keeps going with the next one.
    pub fn failure(&mut self, failure: Failure) {
        self.exit = self.exit.max(failure.code);
        eprintln!("error: {}", failure.message);
    }

    pub fn finish(self) -> Result<ExitCode, Failure> {
        Ok(ExitCode::from(self.exit))
    }
}
