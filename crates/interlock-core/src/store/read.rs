//! Reads of records, batches, the audit log and the store's statistics.

use redb::{
    ReadTransaction, ReadableDatabase, ReadableMultimapTable, ReadableTable, ReadableTableMetadata,
};
use serde::{Deserialize, Serialize};

use super::{ReadError, StorageError, Store, tables};
use crate::audit::AuditEntry;
use crate::model::{Adapter, RecordId, StoredRecord};

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
            &txn.open_table(tables::REVISIONS)?,
            id,
        )?)
    }

    /// Every revision of a record, oldest first.
    pub fn history(&self, id: RecordId) -> Result<Vec<StoredRecord>, ReadError> {
        let txn = self.db.begin_read()?;
        let revisions = txn.open_table(tables::REVISIONS)?;
        let mut history = Vec::new();
        for entry in revisions.range((&id.0, 0)..=(&id.0, u32::MAX))? {
            let (_, bytes) = entry?;
            history.push(crate::model::decode_revision(bytes.value())?);
        }
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
        for (index, target) in [
            (tables::BY_KIND, &mut stats.by_kind),
            (tables::BY_AGENCY, &mut stats.by_agency),
        ] {
            let table = txn.open_multimap_table(index)?;
            for entry in table.iter()? {
                let (key, values) = entry?;
                target.push((key.value().to_owned(), values.len()));
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

/// A record's current revision, from the records and revisions tables of one transaction
/// (read or write).
pub(super) fn current_revision(
    records: &impl ReadableTable<&'static [u8; 16], u32>,
    revisions: &impl ReadableTable<(&'static [u8; 16], u32), &'static [u8]>,
    id: RecordId,
) -> Result<Option<StoredRecord>, StorageError> {
    let Some(revision) = records.get(&id.0)?.map(|v| v.value()) else {
        return Ok(None);
    };
    let bytes = revisions
        .get((&id.0, revision))?
        .ok_or_else(|| StorageError::missing_revision(id, revision))?;
    Ok(Some(crate::model::decode_revision(bytes.value())?))
}
