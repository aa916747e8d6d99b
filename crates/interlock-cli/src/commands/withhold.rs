//! `interlock withhold add|list|release`: the reporting authority's withholdings from public
//! reports (ATT Art. 13(3)). A withholding annotates a record; it never changes it.

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use interlock_core::store::{WithholdOutcome, WithholdRequest, Withholding, WithholdingBasis};

use super::{Context, Failure, print_json_lines};
use crate::output::{print_table, table};

#[derive(Subcommand)]
pub enum WithholdCommand {
    /// Withhold a record, or some of its fields, from public reports (ATT Art. 13(3)). The
    /// record and its content hash are not changed; the decision is kept beside it and in
    /// the audit log. Withholding an already withheld record replaces the annotation.
    Add(AddArgs),
    /// List the records withheld now.
    List {
        /// Print JSON Lines: one withholding per line (`record`, `basis`, `fields`,
        /// `reason`, `by`, `at`).
        #[arg(long)]
        json: bool,
    },
    /// Lift a record's withholding. The audit log keeps the withholding and the release.
    Release(ReleaseArgs),
}

/// The grounds ATT Art. 13(3) allows.
#[derive(Clone, Copy, ValueEnum)]
pub enum Basis {
    /// Commercially sensitive information.
    Commercial,
    /// National security.
    NationalSecurity,
}

impl From<Basis> for WithholdingBasis {
    fn from(basis: Basis) -> WithholdingBasis {
        match basis {
            Basis::Commercial => WithholdingBasis::CommerciallySensitive,
            Basis::NationalSecurity => WithholdingBasis::NationalSecurity,
        }
    }
}

#[derive(Args)]
pub struct AddArgs {
    /// Record id (or a unique prefix of at least 6 characters).
    id: String,
    /// The ground for withholding it.
    #[arg(long, value_enum)]
    basis: Basis,
    /// A field of the record's content to withhold, as `interlock show` names it, nested
    /// fields joined by dots (`value`, `lines.value`, `parties.name`). Repeat for several.
    /// Without --field the whole record is withheld.
    #[arg(long = "field", value_name = "FIELD")]
    fields: Vec<String>,
    /// Why, in the reporting authority's words (kept in the audit log).
    #[arg(long)]
    reason: String,
}

#[derive(Args)]
pub struct ReleaseArgs {
    /// Record id (or a unique prefix of at least 6 characters).
    id: String,
    /// Why the withholding is lifted (kept in the audit log).
    #[arg(long)]
    reason: String,
}

pub fn run(context: &Context, command: WithholdCommand) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    match command {
        WithholdCommand::Add(args) => {
            let id = store.resolve_id(&args.id)?;
            let outcome = store.withhold(
                id,
                WithholdRequest {
                    basis: args.basis.into(),
                    fields: args.fields,
                    reason: args.reason,
                },
                &context.actor,
            )?;
            match &outcome {
                WithholdOutcome::Withheld(current) => {
                    println!("withheld record {id}: {}", terms(current));
                }
                WithholdOutcome::Amended { previous, current } => {
                    println!(
                        "withholding of record {id} changed: {} (was: {})",
                        terms(current),
                        terms(previous)
                    );
                }
                WithholdOutcome::Unchanged(current) => {
                    println!(
                        "record {id} is already withheld on these terms ({}); nothing to do",
                        terms(current)
                    );
                }
            }
        }
        WithholdCommand::List { json } => {
            let all = store.withholdings()?;
            if json {
                return print_json_lines(&all).map(|()| ExitCode::SUCCESS);
            }
            let mut out = table(&[
                "ID",
                "KIND",
                "SOURCE REF",
                "BASIS",
                "WITHHELD",
                "BY",
                "AT",
                "REASON",
            ]);
            for withholding in &all {
                let record = store.get(withholding.record)?;
                out.add_row(vec![
                    withholding.record.to_hex()[..12].to_owned(),
                    record
                        .as_ref()
                        .map(|r| r.kind.to_string())
                        .unwrap_or_default(),
                    record
                        .as_ref()
                        .map(|r| r.draft.source_ref.clone())
                        .unwrap_or_default(),
                    withholding.basis.to_string(),
                    extent(withholding),
                    withholding.by.clone(),
                    withholding.at.to_string(),
                    withholding.reason.clone(),
                ]);
            }
            print_table(&out);
            eprintln!("{} record(s) withheld", all.len());
        }
        WithholdCommand::Release(args) => {
            let id = store.resolve_id(&args.id)?;
            let released = store.release_withholding(id, &args.reason, &context.actor)?;
            println!(
                "released the withholding of record {id} (was: {})",
                terms(&released)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `the whole record` or `fields a, b`.
pub fn extent(withholding: &Withholding) -> String {
    if withholding.is_whole_record() {
        "the whole record".to_owned()
    } else {
        format!("fields {}", withholding.fields.join(", "))
    }
}

/// `national security, the whole record`.
fn terms(withholding: &Withholding) -> String {
    format!("{}, {}", withholding.basis, extent(withholding))
}
