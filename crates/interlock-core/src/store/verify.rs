//! `audit verify`: recomputes the audit chain and checks the store's content against it.

use std::collections::BTreeMap;

use redb::{ReadableDatabase, ReadableTable};

use sha2::{Digest, Sha256};

use super::revision::{self, Location};
use super::{ReadError, Store, registry, tables, withhold};
use crate::audit::{AuditAction, AuditEntry, GENESIS_HASH, RevisionDigest, VerifyReport};
use crate::model::RecordId;

impl Store {
    /// Recomputes the audit chain and checks every revision against it.
    pub fn verify(&self) -> Result<VerifyReport, ReadError> {
        let txn = self.db.begin_read()?;
        let mut report = VerifyReport::default();
        let mut batch_digests = BTreeMap::new();
        let mut control_list_digests = BTreeMap::new();

        let audit = txn.open_table(tables::AUDIT)?;
        let mut expected_prev = GENESIS_HASH.to_owned();
        let mut expected_seq = 0u64;
        let mut last: Option<AuditEntry> = None;
        for entry in audit.iter()? {
            let (key, bytes) = entry?;
            report.entries += 1;
            let entry: AuditEntry = match serde_json::from_slice(bytes.value()) {
                Ok(entry) => entry,
                Err(error) => {
                    report
                        .problems
                        .push(format!("audit entry {}: unreadable: {error}", key.value()));
                    continue;
                }
            };
            if key.value() != expected_seq || entry.seq != expected_seq {
                report.problems.push(format!(
                    "audit entry {}: expected sequence number {expected_seq}: entries were deleted or reordered",
                    key.value()
                ));
            }
            if entry.prev_hash != expected_prev {
                report.problems.push(format!(
                    "audit entry {}: does not follow the entry before it (chain broken)",
                    entry.seq
                ));
            }
            if entry.compute_hash() != entry.hash {
                report.problems.push(format!(
                    "audit entry {}: content does not match its hash (entry was edited)",
                    entry.seq
                ));
            }
            match entry.action {
                AuditAction::Import => {
                    if let (Some(batch), Some(digest)) = (
                        entry.details.get("batch").and_then(|v| v.as_u64()),
                        entry
                            .details
                            .get("revisions_digest")
                            .and_then(|v| v.as_str()),
                    ) {
                        batch_digests.insert(batch, (digest.to_owned(), RevisionDigest::default()));
                    }
                }
                AuditAction::ControlListImport => {
                    if let (Some(version), Some(digest)) = (
                        entry.details.get("version").and_then(|v| v.as_str()),
                        entry.details.get("content_sha256").and_then(|v| v.as_str()),
                    ) {
                        control_list_digests.insert(version.to_owned(), digest.to_owned());
                    }
                }
                _ => {}
            }
            expected_prev = entry.hash.clone();
            expected_seq = entry.seq + 1;
            last = Some(entry);
        }
        let head = txn
            .open_table(tables::META)?
            .get("audit_head")?
            .map(|v| v.value().to_vec());
        let head: Option<serde_json::Value> =
            head.and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let head_seq = head
            .as_ref()
            .and_then(|h| h.get("seq"))
            .and_then(|v| v.as_u64());
        let head_hash = head
            .as_ref()
            .and_then(|h| h.get("hash"))
            .and_then(|v| v.as_str());
        match (&last, head_seq, head_hash) {
            (Some(last), Some(seq), Some(hash)) if last.seq == seq && last.hash == hash => {}
            _ => report.problems.push(
                "the audit log's recorded head does not match its last entry: entries were removed from the end".to_owned(),
            ),
        }

        // Every revision must be unmodified and belong to an audited batch. The log is in
        // (batch, sequence) order, the order each batch's digest was computed in.
        let revisions = txn.open_table(tables::REVISIONS)?;
        for entry in revisions.iter()? {
            let (key, bytes) = entry?;
            report.revisions += 1;
            let location = Location::from_key(key.value());
            let raw = match revision::decode(bytes.value()) {
                Ok(raw) => raw,
                Err(error) => {
                    report
                        .problems
                        .push(format!("revision at {location}: unreadable: {error}"));
                    continue;
                }
            };
            let (id, revision) = (raw.id, raw.revision);
            // The hash is recomputed from the draft's bytes as written, so revisions of
            // every record schema verify alike; the draft must also be the record's.
            let hash: [u8; 32] = Sha256::digest(&raw.draft_json).into();
            let draft_is_the_records =
                crate::model::decode_draft(raw.record_schema, &raw.draft_json)
                    .is_ok_and(|draft| draft.id() == id);
            if hash != raw.content_hash || !draft_is_the_records {
                report.problems.push(format!(
                    "record {id} revision {revision}: content does not match its hash (record was edited)"
                ));
            }
            match batch_digests.get_mut(&location.batch) {
                Some((_, digest)) => digest.add(id, revision, &hex::encode(raw.content_hash)),
                None => report.problems.push(format!(
                    "record {id} revision {revision}: written by batch {} which the audit log does not know",
                    location.batch
                )),
            }
        }
        // Every record's head must point at that record's revision.
        let records = txn.open_table(tables::RECORDS)?;
        for entry in records.iter()? {
            let (id, head) = entry?;
            let (revision, batch, seq) = head.value();
            let id = RecordId(*id.value());
            let location = Location { batch, seq };
            let points_at = revisions
                .get(location.key())?
                .map(|bytes| revision::decode(bytes.value()));
            match points_at {
                Some(Ok(raw)) if raw.id == id && raw.revision == revision => {}
                _ => report.problems.push(format!(
                    "record {id}: its current revision {revision} is not at {location} (the record heads table was edited)"
                )),
            }
        }
        let dictionaries = txn.open_table(tables::DICTIONARIES)?;
        for (id, known) in super::revision::dictionaries() {
            let stored = dictionaries.get(id)?;
            if stored.as_ref().map(|bytes| bytes.value()) != Some(known) {
                report.problems.push(format!(
                    "compression dictionary {id}: missing or differs from the one revisions were written with"
                ));
            }
        }
        for (batch, (expected, digest)) in batch_digests {
            if digest.finish() != expected {
                report.problems.push(format!(
                    "import batch {batch}: its records differ from what the audit log recorded (records added, removed or edited)"
                ));
            }
        }

        let lists = txn.open_table(tables::CONTROL_LISTS)?;
        for entry in lists.iter()? {
            let (version, bytes) = entry?;
            let version = version.value().to_owned();
            match control_list_digests.remove(&version) {
                Some(expected) if expected == crate::model::sha256_hex(bytes.value()) => {}
                Some(_) => report.problems.push(format!(
                    "control list {version}: content differs from what the audit log recorded"
                )),
                None => report.problems.push(format!(
                    "control list {version}: not in the audit log (added outside interlock)"
                )),
            }
        }
        for version in control_list_digests.keys() {
            report.problems.push(format!(
                "control list {version}: in the audit log but missing from the store"
            ));
        }
        withhold::verify(&txn, &mut report)?;
        registry::verify(&txn, &mut report)?;
        Ok(report)
    }
}
