//! Withholding: the reporting authority's decision to leave a record, or some of its fields,
//! out of public reports because it is commercially sensitive or a matter of national
//! security (ATT Art. 13(3)).
//!
//! A withholding is an annotation beside the record, never part of it: withholding or
//! releasing a record does not create a revision or change its content hash. The
//! withholdings table holds each record's current annotation; the audit log holds every
//! change (who, when, why, and the annotation itself), and `audit verify` replays those
//! entries and checks that they give exactly the table's content.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use redb::{ReadTransaction, ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};

use super::read::{RevisionReader, current_revision};
use super::{ReadError, StorageError, Store, WithholdError, tables};
use crate::audit::{AuditAction, AuditEntry, VerifyReport};
use crate::model::{RecordId, StoredRecord};

/// Why a record is withheld, in the words of ATT Art. 13(3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithholdingBasis {
    /// Commercially sensitive information.
    CommerciallySensitive,
    /// National security.
    NationalSecurity,
}

impl WithholdingBasis {
    pub const ALL: [WithholdingBasis; 2] = [
        WithholdingBasis::CommerciallySensitive,
        WithholdingBasis::NationalSecurity,
    ];

    /// The name in JSON and in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            WithholdingBasis::CommerciallySensitive => "commercially_sensitive",
            WithholdingBasis::NationalSecurity => "national_security",
        }
    }

    /// Accepts `commercial`, `commercially-sensitive`, `national-security` and the JSON
    /// names (`commercially_sensitive`, `national_security`).
    pub fn parse(text: &str) -> Option<WithholdingBasis> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "commercial" | "commercially_sensitive" => {
                Some(WithholdingBasis::CommerciallySensitive)
            }
            "national_security" => Some(WithholdingBasis::NationalSecurity),
            _ => None,
        }
    }
}

impl fmt::Display for WithholdingBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WithholdingBasis::CommerciallySensitive => "commercially sensitive",
            WithholdingBasis::NationalSecurity => "national security",
        })
    }
}

/// A record's current withholding from public reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withholding {
    pub record: RecordId,
    pub basis: WithholdingBasis,
    /// The fields withheld, as `interlock show` names them in the record's content, nested
    /// fields joined by dots (`value`, `lines.value`, `parties.name`); sorted, no
    /// duplicates. Empty: the whole record is withheld.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Why, in the reporting authority's words.
    pub reason: String,
    /// Who decided it (the actor of the audit entry that recorded it).
    pub by: String,
    /// When (the time of that audit entry).
    pub at: jiff::Timestamp,
}

impl Withholding {
    /// The whole record is withheld, not only some of its fields.
    pub fn is_whole_record(&self) -> bool {
        self.fields.is_empty()
    }
}

/// What to withhold; the store adds the record, who and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithholdRequest {
    pub basis: WithholdingBasis,
    /// Field names (see [`Withholding::fields`]); empty to withhold the whole record.
    pub fields: Vec<String>,
    pub reason: String,
}

/// What [`Store::withhold`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WithholdOutcome {
    /// The record was not withheld before.
    Withheld(Withholding),
    /// The record was withheld on other terms (basis, fields or reason); the new annotation
    /// replaced the previous one, which the audit log keeps.
    Amended {
        previous: Withholding,
        current: Withholding,
    },
    /// The record is already withheld on exactly these terms: nothing was written.
    Unchanged(Withholding),
}

impl WithholdOutcome {
    /// The annotation in force afterwards.
    pub fn withholding(&self) -> &Withholding {
        match self {
            WithholdOutcome::Withheld(current)
            | WithholdOutcome::Amended { current, .. }
            | WithholdOutcome::Unchanged(current) => current,
        }
    }
}

impl Store {
    /// Withholds a record (or some of its fields) from public reports. The record itself is
    /// not touched. Refuses an unknown record ([`WithholdError::UnknownRecord`]), an empty
    /// reason or a field the record's current revision does not have
    /// ([`WithholdError::Invalid`]).
    pub fn withhold(
        &self,
        id: RecordId,
        request: WithholdRequest,
        actor: &str,
    ) -> Result<WithholdOutcome, WithholdError> {
        let invalid = |message: String| WithholdError::Invalid {
            id: id.to_hex(),
            message,
        };
        let reason = request.reason.trim();
        if reason.is_empty() {
            return Err(invalid("give the reason for withholding it".to_owned()));
        }
        let txn = self.begin_write()?;
        let record = current_revision(
            &txn.open_table(tables::RECORDS)?,
            &mut RevisionReader::new(
                txn.open_table(tables::REVISIONS)?,
                txn.open_table(tables::BATCHES)?,
            ),
            id,
        )?
        .ok_or_else(|| WithholdError::UnknownRecord(id.to_hex()))?;
        let fields = check_fields(&record, &request.fields).map_err(invalid)?;
        let previous: Option<Withholding> = {
            let table = txn.open_table(tables::WITHHOLDINGS)?;
            let bytes = table.get(&id.0)?;
            match bytes {
                Some(bytes) => Some(serde_json::from_slice(bytes.value())?),
                None => None,
            }
        };
        if let Some(previous) = &previous
            && previous.basis == request.basis
            && previous.fields == fields
            && previous.reason == reason
        {
            return Ok(WithholdOutcome::Unchanged(previous.clone()));
        }
        let withholding = Withholding {
            record: id,
            basis: request.basis,
            fields,
            reason: reason.to_owned(),
            by: actor.to_owned(),
            at: self.now(),
        };
        txn.open_table(tables::WITHHOLDINGS)?
            .insert(&id.0, serde_json::to_vec(&withholding)?.as_slice())?;
        self.append_audit(
            &txn,
            actor,
            AuditAction::RecordWithheld,
            &id.to_hex(),
            serde_json::json!({
                "record": id,
                "withholding": withholding,
                "previous": previous,
            }),
        )?;
        txn.commit()?;
        Ok(match previous {
            Some(previous) => WithholdOutcome::Amended {
                previous,
                current: withholding,
            },
            None => WithholdOutcome::Withheld(withholding),
        })
    }

    /// Lifts a record's withholding; returns the annotation that was removed. The audit
    /// log keeps it, with who released it, when and why.
    pub fn release_withholding(
        &self,
        id: RecordId,
        reason: &str,
        actor: &str,
    ) -> Result<Withholding, WithholdError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(WithholdError::Invalid {
                id: id.to_hex(),
                message: "give the reason for releasing it".to_owned(),
            });
        }
        let txn = self.begin_write()?;
        let released: Withholding = {
            let mut table = txn.open_table(tables::WITHHOLDINGS)?;
            let bytes = table
                .remove(&id.0)?
                .ok_or_else(|| WithholdError::NotWithheld(id.to_hex()))?;
            serde_json::from_slice(bytes.value())?
        };
        self.append_audit(
            &txn,
            actor,
            AuditAction::WithholdingReleased,
            &id.to_hex(),
            serde_json::json!({
                "record": id,
                "reason": reason,
                "withholding": released,
            }),
        )?;
        txn.commit()?;
        Ok(released)
    }

    /// Every record's current withholding, by record id.
    pub fn withholdings(&self) -> Result<Vec<Withholding>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = match txn.open_table(tables::WITHHOLDINGS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(error) => return Err(error.into()),
        };
        let mut all = Vec::new();
        for entry in table.iter()? {
            all.push(serde_json::from_slice(entry?.1.value())?);
        }
        Ok(all)
    }

    /// The record's current withholding, if it has one.
    pub fn withholding(&self, id: RecordId) -> Result<Option<Withholding>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = match txn.open_table(tables::WITHHOLDINGS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        let bytes = table.get(&id.0)?;
        match bytes {
            Some(bytes) => Ok(Some(serde_json::from_slice(bytes.value())?)),
            None => Ok(None),
        }
    }
}

/// Trims, sorts and de-duplicates the field names, and checks that the record's content
/// has each of them.
fn check_fields(record: &StoredRecord, fields: &[String]) -> Result<Vec<String>, String> {
    let content = serde_json::to_value(&record.draft.record).map_err(|e| e.to_string())?;
    let mut checked = BTreeSet::new();
    for field in fields {
        let field = field.trim();
        let segments: Vec<&str> = field.split('.').collect();
        if field.is_empty() || segments.iter().any(|s| s.is_empty()) {
            return Err(format!("`{field}` is not a field name"));
        }
        if segments[0] == "kind" || !has_path(&content, &segments) {
            let top: Vec<&str> = content
                .as_object()
                .map(|object| {
                    object
                        .keys()
                        .map(String::as_str)
                        .filter(|k| *k != "kind")
                        .collect()
                })
                .unwrap_or_default();
            return Err(format!(
                "the {} has no field `{field}`; its fields are: {}",
                record.kind.as_str().replace('_', " "),
                top.join(", ")
            ));
        }
        checked.insert(field.to_owned());
    }
    Ok(checked.into_iter().collect())
}

/// Whether `value` has the field at `path`; a list has it if any of its elements does.
fn has_path(value: &serde_json::Value, path: &[&str]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return true;
    };
    match value {
        serde_json::Value::Object(object) => object
            .get(*first)
            .is_some_and(|inner| has_path(inner, rest)),
        serde_json::Value::Array(items) => items.iter().any(|item| has_path(item, path)),
        _ => false,
    }
}

/// `audit verify`: replays every withholding change in the audit log and checks that the
/// result is exactly the withholdings table.
pub(super) fn verify(txn: &ReadTransaction, report: &mut VerifyReport) -> Result<(), StorageError> {
    let mut expected: BTreeMap<RecordId, Withholding> = BTreeMap::new();
    let audit = txn.open_table(tables::AUDIT)?;
    for entry in audit.iter()? {
        let (_, bytes) = entry?;
        // Unreadable entries are reported by the chain check.
        let Ok(entry) = serde_json::from_slice::<AuditEntry>(bytes.value()) else {
            continue;
        };
        match entry.action {
            AuditAction::RecordWithheld => {
                match entry
                    .details
                    .get("withholding")
                    .map(|w| serde_json::from_value::<Withholding>(w.clone()))
                {
                    Some(Ok(withholding)) => {
                        expected.insert(withholding.record, withholding);
                    }
                    _ => report.problems.push(format!(
                        "audit entry {}: the withholding it records is unreadable",
                        entry.seq
                    )),
                }
            }
            AuditAction::WithholdingReleased => {
                match entry
                    .details
                    .get("record")
                    .and_then(|r| r.as_str())
                    .and_then(RecordId::from_hex)
                {
                    Some(id) => {
                        expected.remove(&id);
                    }
                    None => report.problems.push(format!(
                        "audit entry {}: the withholding release it records is unreadable",
                        entry.seq
                    )),
                }
            }
            _ => {}
        }
    }
    let table = match txn.open_table(tables::WITHHOLDINGS) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => {
            for id in expected.keys() {
                report.problems.push(format!(
                    "withholding of record {id}: in the audit log but missing from the store"
                ));
            }
            return Ok(());
        }
        Err(error) => return Err(error.into()),
    };
    for entry in table.iter()? {
        let (key, bytes) = entry?;
        let id = RecordId(*key.value());
        let stored: Option<Withholding> = serde_json::from_slice(bytes.value()).ok();
        match (expected.remove(&id), stored) {
            (Some(expected), Some(stored)) if expected == stored => {}
            (Some(_), _) => report.problems.push(format!(
                "withholding of record {id}: differs from what the audit log recorded"
            )),
            (None, _) => report.problems.push(format!(
                "withholding of record {id}: not in the audit log (added outside interlock)"
            )),
        }
    }
    for id in expected.keys() {
        report.problems.push(format!(
            "withholding of record {id}: in the audit log but missing from the store (removed outside interlock)"
        ));
    }
    Ok(())
}
