//! `interlock migrate`: upgrade a store written by an earlier interlock.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use interlock_core::store::{MigrateOptions, MigrateOutcome, OpenError, Store};

use super::{Context, Failure, fixed_time, print_json};

#[derive(Args)]
pub struct MigrateArgs {
    /// Copy the store file to FILE before changing anything (recommended; FILE must not
    /// exist). Keep the copy until `interlock audit verify` and your usual queries look
    /// right on the migrated store. No copy is made if the store is already current.
    #[arg(long, value_name = "FILE")]
    backup: Option<PathBuf>,
    /// Print the outcome as one JSON line: `{"outcome":"already_current",...}` or
    /// `{"outcome":"migrated",...}` with the counts the text reports.
    #[arg(long)]
    json: bool,
}

pub fn migrate(context: &Context, args: MigrateArgs) -> Result<ExitCode, Failure> {
    let path = &context.store_path;
    // Say nothing about copies when there is nothing to migrate.
    let needs_migration = match Store::open(path) {
        Ok(_) => false,
        Err(OpenError::NeedsMigration { .. }) => true,
        Err(error) => return Err(error.into()),
    };
    if needs_migration && args.backup.is_none() && !args.json {
        eprintln!(
            "warning: no --backup given; keep a copy of {} until you have checked the migrated store \
             (recommended: interlock migrate --backup FILE)",
            path.display()
        );
    }
    let options = MigrateOptions {
        backup: args.backup,
        fixed_time: fixed_time()?,
    };
    let outcome = Store::migrate_with(path, &context.actor, &options)?;
    if args.json {
        return print_json(&outcome).map(|()| ExitCode::SUCCESS);
    }
    match outcome {
        MigrateOutcome::AlreadyCurrent { schema_version } => println!(
            "{} is already at store schema {schema_version}; nothing to do",
            path.display()
        ),
        MigrateOutcome::Migrated(migration) => {
            if let Some(backup) = &migration.backup {
                println!(
                    "copied {} to {} (store schema {})",
                    path.display(),
                    backup.display(),
                    migration.from
                );
            }
            println!(
                "migrated {} from store schema {} to {}: {} records and {} revisions kept unchanged, \
                 {} index entries rebuilt (audit entry {})",
                path.display(),
                migration.from,
                migration.to,
                migration.records,
                migration.revisions,
                migration.index_entries,
                migration.audit_seq
            );
            println!("check it with `interlock audit verify`");
        }
    }
    Ok(ExitCode::SUCCESS)
}
