//! `interlock migrate`: upgrades a store written by an earlier interlock to the current file
//! layout ([`SCHEMA_VERSION`]) in one write transaction.
//!
//! What a migration may do: create tables, rebuild the secondary indexes (they are derived
//! data, see [`super::Facets`]) and set the schema version. What it never does: rewrite a
//! revision, a batch, a control list or an audit entry. Those stay byte for byte, so every
//! content hash and the whole audit chain verify as before; revisions written under an older
//! record schema are read through [`crate::model::decode_revision`].
//!
//! Schema 1 → 2: adds the withholdings table and rebuilds every index with the model-2
//! facets.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use redb::{ReadableTable, ReadableTableMetadata, WriteTransaction};
use serde::Serialize;

use super::control_list::read_control_lists;
use super::{MigrateError, SCHEMA_VERSION, StorageError, Store, facets, tables};
use crate::audit::AuditAction;
use crate::model::RecordId;

/// Store schemas [`Store::migrate`] can upgrade from.
const MIGRATES_FROM: [u32; 1] = [1];

/// How to migrate.
#[derive(Clone, Debug, Default)]
pub struct MigrateOptions {
    /// Copy the store file here before changing anything (recommended). The file must not
    /// exist. No copy is made if the store is already current.
    pub backup: Option<PathBuf>,
    /// Pins the audit entry's time (reproducible demos and tests).
    pub fixed_time: Option<jiff::Timestamp>,
}

/// What [`Store::migrate`] did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MigrateOutcome {
    /// The store already has the current layout: nothing was written, no backup made.
    AlreadyCurrent {
        schema_version: u32,
    },
    Migrated(Migration),
}

/// One completed migration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Migration {
    /// Store schema before and after.
    pub from: u32,
    pub to: u32,
    /// Records and revisions in the store (all kept unchanged).
    pub records: u64,
    pub revisions: u64,
    /// Index entries written by the rebuild.
    pub index_entries: u64,
    /// Where the copy of the unmigrated store was written, if one was asked for.
    pub backup: Option<PathBuf>,
    /// Sequence number of the audit entry that records the migration.
    pub audit_seq: u64,
}

impl Store {
    /// Upgrades the store at `path` to [`SCHEMA_VERSION`]; see [`Store::migrate_with`].
    pub fn migrate(path: &Path, actor: &str) -> Result<MigrateOutcome, MigrateError> {
        Self::migrate_with(path, actor, &MigrateOptions::default())
    }

    /// Upgrades the store at `path` to [`SCHEMA_VERSION`] in one write transaction that
    /// also appends one [`AuditAction::StoreMigrated`] entry. A store that is already
    /// current is left alone. With [`MigrateOptions::backup`], the file is first copied
    /// there (while no other interlock process has it open); if the copy fails, nothing is
    /// migrated.
    pub fn migrate_with(
        path: &Path,
        actor: &str,
        options: &MigrateOptions,
    ) -> Result<MigrateOutcome, MigrateError> {
        let found = Self::open_any_schema(path, false)?.check_format()?;
        // The store is closed again here: a closed redb file is a consistent copy.
        if found == SCHEMA_VERSION {
            return Ok(MigrateOutcome::AlreadyCurrent {
                schema_version: found,
            });
        }
        if !MIGRATES_FROM.contains(&found) {
            return Err(MigrateError::UnknownSchema {
                path: path.to_owned(),
                found,
            });
        }
        if let Some(backup) = &options.backup {
            write_backup(path, backup)?;
        }

        // Every page checksum is verified before the store is rewritten.
        let store = Self::open_any_schema(path, true)?;
        store.set_fixed_time(options.fixed_time);
        let from = store.check_format()?;
        if from == SCHEMA_VERSION {
            // Another process migrated it in the meantime.
            return Ok(MigrateOutcome::AlreadyCurrent {
                schema_version: from,
            });
        }
        let txn = store.begin_write()?;
        store.create_all_tables(&txn)?;
        let (records, index_entries) = rebuild_indexes(&txn)?;
        let revisions = txn.open_table(tables::REVISIONS)?.len()?;
        txn.open_table(tables::META)?
            .insert("schema_version", SCHEMA_VERSION.to_be_bytes().as_slice())?;
        let entry = store.append_audit(
            &txn,
            actor,
            AuditAction::StoreMigrated,
            &path.display().to_string(),
            serde_json::json!({
                "from": from,
                "to": SCHEMA_VERSION,
                "records": records,
                "revisions": revisions,
            }),
        )?;
        txn.commit()?;
        Ok(MigrateOutcome::Migrated(Migration {
            from,
            to: SCHEMA_VERSION,
            records,
            revisions,
            index_entries,
            backup: options.backup.clone(),
            audit_seq: entry.seq,
        }))
    }
}

/// Copies the store file to `backup`, refusing to overwrite anything, and syncs the copy to
/// disk. A failed copy is removed.
fn write_backup(store: &Path, backup: &Path) -> Result<(), MigrateError> {
    let failed = |source: std::io::Error| MigrateError::Backup {
        path: backup.to_owned(),
        source,
    };
    let mut output = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(backup)
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::AlreadyExists => MigrateError::BackupExists {
                path: backup.to_owned(),
            },
            _ => failed(error),
        })?;
    let copied = File::open(store)
        .and_then(|mut input| std::io::copy(&mut input, &mut output))
        .and_then(|_| output.sync_all());
    if let Err(error) = copied {
        drop(output);
        // Best effort: the error about the copy is the one worth reporting.
        let _ = std::fs::remove_file(backup);
        return Err(failed(error));
    }
    Ok(())
}

/// Drops every secondary index and derives it again from each record's current revision.
/// Returns (records, index entries written).
fn rebuild_indexes(txn: &WriteTransaction) -> Result<(u64, u64), StorageError> {
    // Indexes a former layout had and this one dropped go too.
    let stale: Vec<_> = txn
        .list_multimap_tables()?
        .filter(|table| {
            use redb::MultimapTableHandle;
            table.name().starts_with("index_")
        })
        .collect();
    for table in stale {
        txn.delete_multimap_table(table)?;
    }
    for index in facets::ALL_INDEXES {
        txn.delete_multimap_table(index)?;
    }
    let mut indexes = Vec::with_capacity(facets::ALL_INDEXES.len());
    for index in facets::ALL_INDEXES {
        indexes.push(txn.open_multimap_table(index)?);
    }
    let lists = read_control_lists(&txn.open_table(tables::CONTROL_LISTS)?)?;
    let records = txn.open_table(tables::RECORDS)?;
    let revisions = txn.open_table(tables::REVISIONS)?;
    let (mut record_count, mut index_entries) = (0u64, 0u64);
    for entry in records.iter()? {
        let (id, revision) = entry?;
        let id = RecordId(*id.value());
        let revision = revision.value();
        let bytes = revisions
            .get((&id.0, revision))?
            .ok_or_else(|| StorageError::missing_revision(id, revision))?;
        let record = crate::model::decode_revision(bytes.value())?;
        for (index, key) in facets::Facets::of(&record, &lists).index_keys() {
            if !indexes[index].insert(key.as_str(), &id.0)? {
                index_entries += 1;
            }
        }
        record_count += 1;
    }
    Ok((record_count, index_entries))
}
