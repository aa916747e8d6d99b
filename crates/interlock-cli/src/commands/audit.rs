//! `interlock audit verify` and `interlock audit log`.

use std::process::ExitCode;

use clap::Subcommand;
use interlock_core::store::Store;

use super::{Context, EXIT_INTEGRITY, Failure, print_json, print_json_lines};
use crate::output::{print_table, table};

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the audit chain and check every record against it: detects entries or
    /// records edited, deleted or reordered outside interlock.
    Verify {
        /// Print one JSON line: `intact`, `audit_entries`, `revisions`, `problems`.
        #[arg(long)]
        json: bool,
    },
    /// List the audit log, oldest first.
    Log {
        /// Print JSON Lines: one audit entry per line (`seq`, `at`, `actor`, `action`,
        /// `subject`, `details`, `prev_hash`, `hash`).
        #[arg(long)]
        json: bool,
    },
}

pub fn run(context: &Context, command: AuditCommand) -> Result<ExitCode, Failure> {
    match command {
        AuditCommand::Verify { json } => {
            // Checked open: redb verifies every page checksum before we read anything.
            let store = Store::open_checked(&context.store_path)?;
            let report = store.verify()?;
            if json {
                print_json(&serde_json::json!({
                    "intact": report.is_intact(),
                    "audit_entries": report.entries,
                    "revisions": report.revisions,
                    "problems": report.problems,
                }))?;
            } else if report.is_intact() {
                println!(
                    "audit log intact: {} entries, {} record revisions verified",
                    report.entries, report.revisions
                );
            } else {
                for problem in &report.problems {
                    eprintln!("{problem}");
                }
            }
            if report.is_intact() {
                Ok(ExitCode::SUCCESS)
            } else {
                Err(Failure::new(
                    EXIT_INTEGRITY,
                    format!(
                        "the store was altered outside interlock: {} problem(s)",
                        report.problems.len()
                    ),
                ))
            }
        }
        AuditCommand::Log { json } => {
            let store = context.open_store()?;
            let entries = store.audit_log()?;
            if json {
                return print_json_lines(&entries).map(|()| ExitCode::SUCCESS);
            }
            let mut out = table(&["SEQ", "AT", "ACTOR", "ACTION", "SUBJECT", "HASH"]);
            for entry in &entries {
                let action = serde_json::to_value(&entry.action)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                out.add_row(vec![
                    entry.seq.to_string(),
                    entry.at.to_string(),
                    entry.actor.clone(),
                    action,
                    entry.subject.clone(),
                    entry.hash[..16].to_owned(),
                ]);
            }
            print_table(&out);
            Ok(ExitCode::SUCCESS)
        }
    }
}
