//! `interlock migrate`: upgrades a store written by an earlier interlock to the current file
//! layout ([`SCHEMA_VERSION`]) in one write transaction.
//!
//! What a migration may do: create tables, rebuild the secondary indexes (they are derived
//! data, see [`super::Facets`]), lay revisions out in a new format and set the schema
//! version. What it never does: change what a revision says, or touch a batch, a control
//! list or an audit entry. Batches, control lists and the audit log stay byte for byte; a
//! revision keeps its draft's bytes, content hash, capture time and provenance, so every
//! content hash and the whole audit chain verify as before. Drafts written under an older
//! record schema are read through [`crate::model::decode_draft`].
//!
//! - Schema 1 → 2: adds the withholdings table and rebuilds every index with the model-2
//!   facets.
//! - Schema 2 → 3: rebuilds the indexes as posting lists and counts records by kind and
//!   agency; moves every revision from the JSON `revisions` table into the
//!   [`super::revision`] log, its provenance checked against its batch and then kept once,
//!   on the batch. Each batch's revisions go into the log in (id, revision) order, the order
//!   the batch's audited digest was computed in, so the digests verify unchanged. Record
//!   heads replace the `records` table.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use std::collections::{BTreeMap, HashMap};

use redb::{ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction};
use serde::Serialize;

use super::control_list::read_control_lists;
use super::postings::PostingsWriter;
use super::read::{BatchInfo, RevisionReader};
use super::revision::{Location, RawRevision, RevisionEncoder};
use super::{MigrateError, SCHEMA_VERSION, StorageError, Store, facets, tables};
use crate::audit::AuditAction;
use crate::model::RecordId;

/// Store schemas [`Store::migrate`] can upgrade from.
const MIGRATES_FROM: [u32; 2] = [1, 2];

/// The tables store schemas 1 and 2 kept records and revisions in.
const SCHEMA_2_RECORDS: TableDefinition<&[u8; 16], u32> = TableDefinition::new("records");
const SCHEMA_2_REVISIONS: TableDefinition<(&[u8; 16], u32), &[u8]> =
    TableDefinition::new("revisions");

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
        move_revisions_to_log(&txn)?;
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

/// Drops every secondary index and derives it again from each record's current revision,
/// with the record counts. Returns (records, index postings written).
fn rebuild_indexes(txn: &WriteTransaction) -> Result<(u64, u64), StorageError> {
    // The indexes of schemas 1 and 2 were multimap tables.
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
    txn.delete_table(tables::POSTINGS)?;
    txn.delete_table(tables::RECORD_COUNTS)?;
    let lists = read_control_lists(&txn.open_table(tables::CONTROL_LISTS)?)?;
    // Current revisions in log order, so that each batch's postings are written together
    // and in sequence order.
    let mut current = Vec::new();
    for entry in txn.open_table(tables::RECORDS)?.iter()? {
        let (_, head) = entry?;
        let (_, batch, seq) = head.value();
        current.push(Location { batch, seq });
    }
    current.sort_unstable();
    let mut postings_table = txn.open_table(tables::POSTINGS)?;
    let mut reader = RevisionReader::new(
        txn.open_table(tables::REVISIONS)?,
        txn.open_table(tables::BATCHES)?,
    );
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut postings: Option<PostingsWriter> = None;
    let mut index_entries = 0u64;
    for &location in &current {
        let record = reader.record(location)?;
        let writer = match &mut postings {
            Some(writer) if writer.batch() == location.batch => writer,
            _ => {
                if let Some(mut done) = postings.take() {
                    done.flush(&mut postings_table)?;
                }
                postings.insert(PostingsWriter::new(location.batch))
            }
        };
        for (index, key) in facets::Facets::of(&record, &lists).index_keys() {
            writer.add(index, &key, location.seq);
            index_entries += 1;
        }
        if writer.is_full() {
            writer.flush(&mut postings_table)?;
        }
        for count in [
            format!("kind:{}", record.kind),
            format!("agency:{}", record.draft.agency),
        ] {
            *counts.entry(count).or_default() += 1;
        }
    }
    if let Some(mut done) = postings.take() {
        done.flush(&mut postings_table)?;
    }
    let mut counts_table = txn.open_table(tables::RECORD_COUNTS)?;
    for (count, n) in counts {
        counts_table.insert(count.as_str(), n)?;
    }
    Ok((current.len() as u64, index_entries))
}

/// Schema 2 → 3: every revision of the JSON `revisions` table into the revision log, each
/// batch's in (id, revision) order; record heads for the `records` table; then both old
/// tables go. A revision whose provenance is not its batch's, or a record without its
/// revision, stops the migration: the store was edited outside interlock.
fn move_revisions_to_log(txn: &WriteTransaction) -> Result<(), MigrateError> {
    let mut sources = HashMap::new();
    for entry in txn.open_table(tables::BATCHES)?.iter()? {
        let (batch, bytes) = entry?;
        let info: BatchInfo = serde_json::from_slice(bytes.value())?;
        sources.insert(batch.value(), info);
    }
    let old_records = txn.open_table(SCHEMA_2_RECORDS)?;
    let old_revisions = txn.open_table(SCHEMA_2_REVISIONS)?;
    let mut heads = txn.open_table(tables::RECORDS)?;
    let mut log = txn.open_table(tables::REVISIONS)?;
    let mut encoder = RevisionEncoder::new()?;
    let mut next_seq: HashMap<u64, u32> = HashMap::new();
    // The revisions of the record being moved, by number: the old table is in (id,
    // revision) order, so a record's revisions come together.
    let mut current: Option<(RecordId, Vec<(u32, Location)>)> = None;
    let mut records = 0u64;
    let mut finish_record =
        |current: Option<(RecordId, Vec<(u32, Location)>)>,
         heads: &mut redb::Table<&'static [u8; 16], (u32, u64, u32)>|
         -> Result<(), MigrateError> {
            let Some((id, moved)) = current else {
                return Ok(());
            };
            let revision = old_records.get(&id.0)?.map(|v| v.value()).ok_or_else(|| {
                MigrateError::Damaged {
                    detail: format!("record {id} has revisions but no entry in the records table"),
                }
            })?;
            let (_, location) = moved
                .iter()
                .find(|(number, _)| *number == revision)
                .ok_or_else(|| MigrateError::Damaged {
                    detail: format!("record {id} has no revision {revision}"),
                })?;
            heads.insert(&id.0, (revision, location.batch, location.seq))?;
            records += 1;
            Ok(())
        };
    for entry in old_revisions.iter()? {
        let (key, bytes) = entry?;
        let (id, revision) = key.value();
        let id = RecordId(*id);
        let record = crate::model::decode_revision(bytes.value())?;
        let draft_json = draft_bytes(bytes.value())?;
        let batch = record.provenance.batch;
        let damaged = |detail: String| MigrateError::Damaged {
            detail: format!("record {id} revision {revision}: {detail}"),
        };
        let Some(info) = sources.get(&batch) else {
            return Err(damaged(format!(
                "written by batch {batch}, which the batches table lacks"
            )));
        };
        if record.provenance.adapter != info.adapter
            || record.provenance.source_file != info.source_file
            || record.provenance.source_sha256 != info.source_sha256
        {
            return Err(damaged(format!(
                "its provenance differs from its batch {batch}'s (adapter or source file)"
            )));
        }
        if record.id != id || record.revision != revision {
            return Err(damaged(format!(
                "it says it is record {} revision {}",
                record.id, record.revision
            )));
        }
        let content_hash: [u8; 32] = hex::decode(&record.content_hash)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| {
                damaged(format!(
                    "content hash `{}` is not SHA-256",
                    record.content_hash
                ))
            })?;
        let seq = next_seq.entry(batch).or_insert(0);
        let location = Location { batch, seq: *seq };
        *seq += 1;
        let previous = match &mut current {
            Some((current_id, moved)) if *current_id == id => moved.last().map(|(_, at)| *at),
            _ => {
                finish_record(current.take(), &mut heads)?;
                current = Some((id, Vec::new()));
                None
            }
        };
        let stored = RawRevision {
            id,
            revision,
            record_schema: record.schema_version,
            captured_at: record.captured_at,
            event_date: record.event_date,
            content_hash,
            line: record.provenance.line,
            previous,
            draft_json,
        };
        log.insert(location.key(), encoder.encode(&stored)?.as_slice())?;
        if let Some((_, moved)) = &mut current {
            moved.push((revision, location));
        }
    }
    finish_record(current.take(), &mut heads)?;
    let old_count = old_records.len()?;
    drop((old_records, old_revisions, heads, log));
    if records != old_count {
        return Err(MigrateError::Damaged {
            detail: format!(
                "the records table has {old_count} records, the revisions table revisions of {records}"
            ),
        });
    }
    txn.delete_table(SCHEMA_2_RECORDS)?;
    txn.delete_table(SCHEMA_2_REVISIONS)?;
    Ok(())
}

/// The draft of a schema 1 or 2 revision as the bytes its content hash was computed over.
fn draft_bytes(revision: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct DraftBytes<'a> {
        #[serde(borrow)]
        draft: &'a serde_json::value::RawValue,
    }
    let raw: DraftBytes<'_> = serde_json::from_slice(revision)?;
    Ok(raw.draft.get().as_bytes().to_vec())
}
