//! Reads of records, batches, the audit log and the store's statistics.

use redb::{ReadTransaction, ReadableDatabase, ReadableTable, ReadableTableMetadata};
use serde::{Deserialize, Serialize};

use std::collections::HashMap;
use std::sync::Arc;

use super::revision::{self, Location, RawRevision};
use super::{ReadError, StorageError, Store, tables};
use crate::audit::AuditEntry;
use crate::model::{Adapter, Provenance, RecordId, StoredRecord};

/// One import, as the batches table keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchInfo {
    pub batch: u64,
    pub at: jiff::Timestamp,
    pub actor: String,
    pub adapter: Adapter,
    pub source_file: String,
    pub source_sha256: String,
    pub records: u64,
    pub created: u64,
    pub revised: u64,
    pub unchanged: u64,
    /// [`crate::audit::RevisionDigest`] of the revisions this batch wrote.
    pub revisions_digest: String,
    /// Rows refused and written to the quarantine file (`import --quarantine`); 0 for an
    /// all-or-nothing import. Defaults keep batches written before quarantine readable.
    #[serde(default)]
    pub quarantined: u64,
    /// The quarantine file as the record manager named it, for an import with quarantine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantine_file: Option<String>,
    /// SHA-256 of the quarantine file's bytes, so the file can be matched to its batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantine_sha256: Option<String>,
}

/// What `interlock stats` shows: counts of what the store holds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    pub records: u64,
    pub revisions: u64,
    pub by_kind: Vec<(String, u64)>,
    pub by_agency: Vec<(String, u64)>,
    pub batches: u64,
    pub audit_entries: u64,
    pub control_list_versions: Vec<String>,
    pub plugins: u64,
}

impl Store {
    /// The current revision of a record.
    pub fn get(&self, id: RecordId) -> Result<Option<StoredRecord>, ReadError> {
        let txn = self.db.begin_read()?;
        Ok(current_revision(
            &txn.open_table(tables::RECORDS)?,
            &mut self.revision_reader(&txn)?,
            id,
        )?)
    }

    /// Every revision of a record, oldest first.
    pub fn history(&self, id: RecordId) -> Result<Vec<StoredRecord>, ReadError> {
        let txn = self.db.begin_read()?;
        let mut reader = self.revision_reader(&txn)?;
        let mut history = Vec::new();
        let mut next = head(&txn.open_table(tables::RECORDS)?, id)?.map(|(_, at)| at);
        while let Some(location) = next {
            let raw = reader.raw(location)?;
            next = raw.previous;
            history.push(reader.record_of(raw, location.batch)?);
        }
        history.reverse();
        Ok(history)
    }

    /// Finds the record whose id starts with `prefix` (at least 6 hex characters).
    pub fn resolve_id(&self, prefix: &str) -> Result<RecordId, ReadError> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if let Some(id) = RecordId::from_hex(&prefix) {
            return Ok(id);
        }
        if prefix.len() < 6 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ReadError::UnknownRecord(prefix));
        }
        let mut low = [0u8; 16];
        let mut high = [0xffu8; 16];
        for (index, digit) in prefix.bytes().enumerate() {
            let nibble = (digit as char).to_digit(16).unwrap_or(0) as u8;
            let shift = if index % 2 == 0 { 4 } else { 0 };
            low[index / 2] = (low[index / 2] & !(0xf << shift)) | (nibble << shift);
            high[index / 2] = (high[index / 2] & !(0xf << shift)) | (nibble << shift);
        }
        let txn = self.db.begin_read()?;
        let records = txn.open_table(tables::RECORDS)?;
        let mut found = Vec::new();
        for entry in records.range::<&[u8; 16]>(&low..=&high)?.take(2) {
            found.push(RecordId(*entry?.0.value()));
        }
        match found.as_slice() {
            [id] => Ok(*id),
            [] => Err(ReadError::UnknownRecord(prefix)),
            _ => Err(ReadError::AmbiguousId {
                prefix,
                count: found.len(),
            }),
        }
    }

    pub fn batch(&self, batch: u64) -> Result<Option<BatchInfo>, ReadError> {
        Ok(read_batch(&self.db.begin_read()?, batch)?)
    }

    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, ReadError> {
        let txn = self.db.begin_read()?;
        let audit = txn.open_table(tables::AUDIT)?;
        let mut entries = Vec::new();
        for entry in audit.iter()? {
            entries.push(serde_json::from_slice(entry?.1.value())?);
        }
        Ok(entries)
    }

    pub fn stats(&self) -> Result<Stats, ReadError> {
        let txn = self.db.begin_read()?;
        let mut stats = Stats {
            records: txn.open_table(tables::RECORDS)?.len()?,
            revisions: txn.open_table(tables::REVISIONS)?.len()?,
            batches: txn.open_table(tables::BATCHES)?.len()?,
            audit_entries: txn.open_table(tables::AUDIT)?.len()?,
            plugins: txn.open_table(tables::PLUGINS)?.len()?,
            ..Stats::default()
        };
        for entry in txn.open_table(tables::RECORD_COUNTS)?.iter()? {
            let (key, count) = entry?;
            let key = key.value();
            if let Some(kind) = key.strip_prefix("kind:") {
                stats.by_kind.push((kind.to_owned(), count.value()));
            } else if let Some(agency) = key.strip_prefix("agency:") {
                stats.by_agency.push((agency.to_owned(), count.value()));
            }
        }
        stats.control_list_versions = self
            .control_lists()?
            .versions
            .iter()
            .map(|list| format!("{} {} (from {})", list.name, list.version, list.valid_from))
            .collect();
        Ok(stats)
    }
}

/// A [`RevisionReader`] over a read transaction's tables.
pub(super) type ReadRevisions = RevisionReader<
    redb::ReadOnlyTable<(u64, u32), &'static [u8]>,
    redb::ReadOnlyTable<u64, &'static [u8]>,
>;

/// What committed batches' revisions share, by batch, kept by the [`Store`] between reads.
pub(super) type SharedBatchSources = Arc<std::sync::Mutex<HashMap<u64, Arc<BatchSource>>>>;

impl Store {
    /// A [`RevisionReader`] over a read transaction, sharing the store's batch sources.
    pub(super) fn revision_reader(
        &self,
        txn: &ReadTransaction,
    ) -> Result<ReadRevisions, StorageError> {
        let mut reader = RevisionReader::new(
            txn.open_table(tables::REVISIONS)?,
            txn.open_table(tables::BATCHES)?,
        );
        reader.shared = Some(self.batch_sources.clone());
        Ok(reader)
    }
}

/// One batch as `txn` sees it.
pub(super) fn read_batch(
    txn: &ReadTransaction,
    batch: u64,
) -> Result<Option<BatchInfo>, StorageError> {
    let batches = txn.open_table(tables::BATCHES)?;
    match batches.get(batch)? {
        Some(bytes) => Ok(Some(serde_json::from_slice(bytes.value())?)),
        None => Ok(None),
    }
}

/// A record's current revision number and where it is, from the record heads table of one
/// transaction (read or write).
pub(super) fn head(
    records: &impl ReadableTable<&'static [u8; 16], (u32, u64, u32)>,
    id: RecordId,
) -> Result<Option<(u32, Location)>, StorageError> {
    Ok(records.get(&id.0)?.map(|value| {
        let (revision, batch, seq) = value.value();
        (revision, Location { batch, seq })
    }))
}

/// A record's current revision, from the tables of one transaction (read or write).
pub(super) fn current_revision<R, B>(
    records: &impl ReadableTable<&'static [u8; 16], (u32, u64, u32)>,
    reader: &mut RevisionReader<R, B>,
    id: RecordId,
) -> Result<Option<StoredRecord>, StorageError>
where
    R: ReadableTable<(u64, u32), &'static [u8]>,
    B: ReadableTable<u64, &'static [u8]>,
{
    match head(records, id)? {
        Some((_, location)) => Ok(Some(reader.record(location)?)),
        None => Ok(None),
    }
}

/// What every revision of a batch shares, kept once on the batch.
#[derive(Clone, Debug)]
pub(super) struct BatchSource {
    pub adapter: Adapter,
    pub source_file: String,
    pub source_sha256: String,
}

/// Reads revisions of one transaction (read or write) into [`StoredRecord`]s: decodes the
/// [`super::revision`] format and fills in each revision's provenance from its batch, each
/// batch read once.
pub(super) struct RevisionReader<R, B> {
    revisions: R,
    batches: B,
    sources: HashMap<u64, Arc<BatchSource>>,
    /// The store's cache of committed batches, for readers of committed data only.
    shared: Option<SharedBatchSources>,
}

impl<R, B> RevisionReader<R, B>
where
    R: ReadableTable<(u64, u32), &'static [u8]>,
    B: ReadableTable<u64, &'static [u8]>,
{
    pub fn new(revisions: R, batches: B) -> Self {
        RevisionReader {
            revisions,
            batches,
            sources: HashMap::new(),
            shared: None,
        }
    }

    /// Provenance for the revisions of a batch that is not in the batches table yet (the
    /// import writing it).
    pub fn set_batch_source(&mut self, batch: u64, source: BatchSource) {
        self.sources.insert(batch, Arc::new(source));
    }

    pub fn revisions_mut(&mut self) -> &mut R {
        &mut self.revisions
    }

    /// The revision at `location`, as stored.
    pub fn raw(&mut self, location: Location) -> Result<RawRevision, StorageError> {
        let bytes = self.revisions.get(location.key())?.ok_or_else(|| {
            StorageError::Corrupted(format!("the revision log has no revision at {location}"))
        })?;
        Ok(revision::decode(bytes.value())?)
    }

    /// The revision at `location`, in the current model, with its provenance.
    pub fn record(&mut self, location: Location) -> Result<StoredRecord, StorageError> {
        let raw = self.raw(location)?;
        self.record_of(raw, location.batch)
    }

    /// A revision read from the log, in the current model, with its provenance.
    pub fn record_of(
        &mut self,
        raw: RawRevision,
        batch: u64,
    ) -> Result<StoredRecord, StorageError> {
        let source = self.source(batch)?;
        let draft = crate::model::decode_draft(raw.record_schema, &raw.draft_json)?;
        Ok(StoredRecord {
            schema_version: raw.record_schema,
            id: raw.id,
            kind: draft.record.kind(),
            revision: raw.revision,
            captured_at: raw.captured_at,
            event_date: raw.event_date,
            content_hash: hex::encode(raw.content_hash),
            provenance: Provenance {
                adapter: source.adapter.clone(),
                source_file: source.source_file.clone(),
                source_sha256: source.source_sha256.clone(),
                line: raw.line,
                batch,
            },
            draft,
        })
    }

    fn source(&mut self, batch: u64) -> Result<Arc<BatchSource>, StorageError> {
        if let Some(source) = self.sources.get(&batch) {
            return Ok(source.clone());
        }
        let shared = self
            .shared
            .as_ref()
            .and_then(|shared| shared.lock().ok()?.get(&batch).cloned());
        if let Some(source) = shared {
            self.sources.insert(batch, source.clone());
            return Ok(source);
        }
        let bytes = self.batches.get(batch)?.ok_or_else(|| {
            StorageError::Corrupted(format!(
                "a revision names import batch {batch}, which the batches table lacks"
            ))
        })?;
        let info: BatchInfo = serde_json::from_slice(bytes.value())?;
        let source = Arc::new(BatchSource {
            adapter: info.adapter,
            source_file: info.source_file,
            source_sha256: info.source_sha256,
        });
        self.sources.insert(batch, source.clone());
        if let Some(mut shared) = self.shared.as_ref().and_then(|shared| shared.lock().ok()) {
            shared.insert(batch, source.clone());
        }
        Ok(source)
    }
}
