//! One import: a source file's drafts, validated and written in a single write
//! transaction that commits only if the whole source is valid.

use std::collections::{BTreeSet, HashMap};

use redb::{ReadableDatabase, ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::facets::Facets;
use super::lifecycle;
use super::{BatchInfo, MAX_REPORTED_PROBLEMS, Store, StoreError, tables};
use crate::audit::{AuditAction, RevisionDigest};
use crate::control_list::ControlLists;
use crate::diagnostic::Diagnostic;
use crate::model::{Adapter, Draft, RECORD_SCHEMA_VERSION, RecordId, StoredRecord};
use crate::validate::Validator;

/// The source file an import reads.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name as the record manager gave it (used in messages and provenance).
    pub name: String,
    pub sha256: String,
}

/// One draft and where it came from in the source.
#[derive(Clone, Debug)]
pub struct Incoming {
    pub draft: Draft,
    pub line: Option<u64>,
}

#[allow(clippy::large_enum_variant)] // returned once per file, never stored in bulk
pub enum BeginImport<'s> {
    /// This source went through this adapter before: nothing to do.
    AlreadyImported(BatchInfo),
    Ready(Import<'s>),
}

/// What happened to one source file.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ImportOutcome {
    Imported(ImportSummary),
    /// The same bytes went through the same adapter before; nothing was written.
    AlreadyImported(BatchInfo),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub batch: u64,
    pub records: u64,
    pub created: u64,
    pub revised: u64,
    pub unchanged: u64,
    /// Warnings and notes the adapter or validation raised; they do not block the import.
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} {} in the source; nothing was imported", .total, if *.total == 1 { "problem" } else { "problems" })]
    Invalid {
        /// The first [`MAX_REPORTED_PROBLEMS`] problems, in source order.
        diagnostics: Vec<Diagnostic>,
        /// How many problems there were in all.
        total: u64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An import in progress. Dropping it without [`Import::finish`] writes nothing.
pub struct Import<'s> {
    store: &'s Store,
    txn: WriteTransaction,
    control_lists: ControlLists,
    source: SourceFile,
    adapter: Adapter,
    actor: String,
    batch: u64,
    /// Records of this source seen so far: id → (content hash, line), to catch a record
    /// that appears twice with different content.
    seen: HashMap<RecordId, (String, Option<u64>)>,
    digest: RevisionDigest,
    /// Licences this import has touched, as they stand after its messages so far: later
    /// messages in the file apply on top, even once the import stopped writing.
    licences: HashMap<RecordId, Draft>,
    /// The registered agency ids; empty when no agency is registered, and then records may
    /// name any agency (stores that predate the registry import as they always did).
    registered_agencies: BTreeSet<String>,
    /// Unregistered agencies already reported in this source: once each, not per record.
    unregistered_reported: BTreeSet<String>,
    errors: Vec<Diagnostic>,
    error_count: u64,
    summary: ImportSummary,
}

impl Store {
    /// Starts importing `source` through `adapter`. If that exact source went through
    /// that adapter before, says so instead: re-importing is a no-op.
    pub fn begin_import(
        &self,
        source: SourceFile,
        adapter: Adapter,
        actor: &str,
    ) -> Result<BeginImport<'_>, StoreError> {
        let source_key = source_key(&adapter, &source.sha256);
        {
            let read = self.db.begin_read()?;
            let by_source = read.open_table(tables::BATCH_BY_SOURCE)?;
            if let Some(batch) = by_source.get(source_key.as_str())? {
                let batch = batch.value();
                let info = self.batch(batch)?.ok_or_else(|| {
                    StoreError::Corrupted(format!("import batch {batch} is missing"))
                })?;
                return Ok(BeginImport::AlreadyImported(info));
            }
        }
        let txn = self.begin_write()?;
        let control_lists = super::read_control_lists(&txn.open_table(tables::CONTROL_LISTS)?)?;
        let registered_agencies = super::registry::registered_agency_ids(&txn)?;
        let batch = match txn.open_table(tables::BATCHES)?.last()? {
            Some((last, _)) => last.value() + 1,
            None => 1,
        };
        Ok(BeginImport::Ready(Import {
            store: self,
            txn,
            control_lists,
            source,
            adapter,
            actor: actor.to_owned(),
            batch,
            seen: HashMap::new(),
            digest: RevisionDigest::default(),
            licences: HashMap::new(),
            registered_agencies,
            unregistered_reported: BTreeSet::new(),
            errors: Vec::new(),
            error_count: 0,
            summary: ImportSummary::default(),
        }))
    }
}

fn source_key(adapter: &Adapter, sha256: &str) -> String {
    format!("{}:{sha256}", adapter.key())
}

impl Import<'_> {
    pub fn source(&self) -> &SourceFile {
        &self.source
    }

    /// Problems found so far.
    pub fn error_count(&self) -> u64 {
        self.error_count
    }

    /// A problem the adapter found (e.g. a plugin diagnostic or a line that is not JSON).
    /// Errors make the import fail; warnings are kept in the summary.
    pub fn report(&mut self, diagnostic: Diagnostic) {
        if diagnostic.is_error() {
            self.error_count += 1;
            if self.errors.len() < MAX_REPORTED_PROBLEMS {
                self.errors.push(diagnostic);
            }
        } else if self.summary.warnings.len() < MAX_REPORTED_PROBLEMS {
            self.summary.warnings.push(diagnostic);
        }
    }

    /// Validates a batch of drafts and stages the valid ones. Problems are collected, not
    /// returned: callers keep feeding so that every problem in the source is reported.
    pub fn add(&mut self, items: Vec<Incoming>) -> Result<(), StoreError> {
        let mut records = self.txn.open_table(tables::RECORDS)?;
        let mut revisions = self.txn.open_table(tables::REVISIONS)?;
        let mut indexes = Vec::with_capacity(super::facets::ALL_INDEXES.len());
        for index in super::facets::ALL_INDEXES {
            indexes.push(self.txn.open_multimap_table(index)?);
        }
        // Problems found while the tables borrow the transaction; reported afterwards.
        let mut problems_found = Vec::new();
        let validator = Validator::new(&self.control_lists);
        let captured_at = self.store.now();

        for Incoming { draft, line } in items {
            self.summary.records += 1;
            if let Some(problem) = unregistered_agency(
                &self.registered_agencies,
                &mut self.unregistered_reported,
                &draft,
            ) {
                problems_found.push(problem.at_line(line));
                continue;
            }
            let problems = validator.check(&draft);
            if !problems.is_empty() {
                problems_found.extend(problems.into_iter().map(|p| p.at_line(line)));
                continue;
            }
            let id = draft.id();
            let sequential = lifecycle::is_sequential(&draft);
            let previous: Option<StoredRecord> = match records.get(&id.0)?.map(|v| v.value()) {
                Some(revision) => {
                    let bytes = revisions.get((&id.0, revision))?.ok_or_else(|| {
                        StoreError::Corrupted(format!("record {id} has no revision {revision}"))
                    })?;
                    Some(crate::model::decode_revision(bytes.value())?)
                }
                None => None,
            };
            // A licence message applies to the licence as it stands after everything
            // before it, in the store or earlier in this file.
            let draft = if sequential {
                let current = self
                    .licences
                    .get(&id)
                    .or(previous.as_ref().map(|p| &p.draft));
                match lifecycle::apply(draft, current) {
                    Ok(draft) => draft,
                    Err(problem) => {
                        problems_found.push(problem.at_line(line));
                        continue;
                    }
                }
            } else {
                draft
            };
            let content_hash = draft.content_hash();
            if sequential {
                self.licences.insert(id, draft.clone());
            } else if let Some((seen_hash, seen_line)) = self.seen.get(&id) {
                if *seen_hash != content_hash {
                    let earlier = seen_line
                        .map(|l| format!(" on line {l}"))
                        .unwrap_or_default();
                    problems_found.push(
                        Diagnostic::error(
                            "source_ref",
                            "duplicate-record",
                            format!(
                                "{} `{}` of agency `{}` already appears{earlier} with different content",
                                draft.record.kind(),
                                draft.source_ref,
                                draft.agency
                            ),
                        )
                        .at_line(line),
                    );
                } else {
                    self.summary.unchanged += 1;
                }
                continue;
            }
            self.seen.insert(id, (content_hash.clone(), line));
            if self.error_count > 0 || !problems_found.is_empty() {
                // The import will fail: keep validating for the report, stop writing.
                continue;
            }

            if previous
                .as_ref()
                .is_some_and(|p| p.content_hash_in_current_schema() == content_hash)
            {
                self.summary.unchanged += 1;
                continue;
            }
            let revision = previous.as_ref().map_or(1, |p| p.revision + 1);
            let record = StoredRecord {
                schema_version: RECORD_SCHEMA_VERSION,
                id,
                kind: draft.record.kind(),
                revision,
                captured_at,
                event_date: draft.record.event_date(),
                content_hash,
                provenance: crate::model::Provenance {
                    adapter: self.adapter.clone(),
                    source_file: self.source.name.clone(),
                    source_sha256: self.source.sha256.clone(),
                    line,
                    batch: self.batch,
                },
                draft,
            };
            revisions.insert((&id.0, revision), serde_json::to_vec(&record)?.as_slice())?;
            records.insert(&id.0, revision)?;

            let new_keys = Facets::of(&record, &self.control_lists).index_keys();
            let old_keys = previous
                .as_ref()
                .map(|p| Facets::of(p, &self.control_lists).index_keys())
                .unwrap_or_default();
            for stale in old_keys.iter().filter(|key| !new_keys.contains(key)) {
                indexes[stale.0].remove(stale.1.as_str(), &id.0)?;
            }
            for (index, key) in &new_keys {
                indexes[*index].insert(key.as_str(), &id.0)?;
            }

            self.digest.add(id, revision, &record.content_hash);
            if previous.is_some() {
                self.summary.revised += 1;
            } else {
                self.summary.created += 1;
            }
        }
        drop((records, revisions, indexes));
        for problem in problems_found {
            self.report(problem);
        }
        Ok(())
    }

    /// Commits if no error was found; otherwise aborts, writing nothing, and returns
    /// every problem.
    pub fn finish(mut self) -> Result<ImportSummary, ImportError> {
        if self.error_count > 0 {
            // Dropping the transaction aborts it; say so explicitly for the reader.
            self.txn.abort().map_err(StoreError::from)?;
            // Adapters report decoding problems as they read and validation problems per
            // batch; the record manager wants them in file order.
            self.errors.sort_by_key(|d| d.line);
            return Err(ImportError::Invalid {
                diagnostics: self.errors,
                total: self.error_count,
            });
        }
        self.summary.batch = self.batch;
        let digest = std::mem::take(&mut self.digest).finish();
        let info = BatchInfo {
            batch: self.batch,
            at: self.store.now(),
            actor: self.actor.clone(),
            adapter: self.adapter.clone(),
            source_file: self.source.name.clone(),
            source_sha256: self.source.sha256.clone(),
            records: self.summary.records,
            created: self.summary.created,
            revised: self.summary.revised,
            unchanged: self.summary.unchanged,
            revisions_digest: digest.clone(),
        };
        self.txn
            .open_table(tables::BATCHES)
            .map_err(StoreError::from)?
            .insert(
                self.batch,
                serde_json::to_vec(&info)
                    .map_err(StoreError::from)?
                    .as_slice(),
            )
            .map_err(StoreError::from)?;
        self.txn
            .open_table(tables::BATCH_BY_SOURCE)
            .map_err(StoreError::from)?
            .insert(
                source_key(&self.adapter, &self.source.sha256).as_str(),
                self.batch,
            )
            .map_err(StoreError::from)?;
        self.store.append_audit(
            &self.txn,
            &self.actor,
            AuditAction::Import,
            &self.source.name,
            serde_json::json!({
                "batch": self.batch,
                "adapter": self.adapter,
                "source_sha256": self.source.sha256,
                "records": self.summary.records,
                "created": self.summary.created,
                "revised": self.summary.revised,
                "unchanged": self.summary.unchanged,
                "revisions_digest": digest,
            }),
        )?;
        self.txn.commit().map_err(StoreError::from)?;
        Ok(self.summary)
    }
}

/// Once a registry exists, a record must name a registered agency: the registry says
/// who supplies what, and a record filed under an agency nobody registered (a typo,
/// a new feed nobody told the reporting authority about) would escape it. Reported
/// once per agency and source. Transfers reported by other States and public
/// registers (`reported_transfer`) are exempt: they are not a national agency's data,
/// and the plugin interface files them under `other`.
fn unregistered_agency(
    registered: &BTreeSet<String>,
    reported: &mut BTreeSet<String>,
    draft: &Draft,
) -> Option<Diagnostic> {
    if registered.is_empty()
        || registered.contains(&draft.agency)
        || draft.record.kind() == crate::model::RecordKind::ReportedTransfer
        || !reported.insert(draft.agency.clone())
    {
        return None;
    }
    tracing::debug!(agency = %draft.agency, "record of an unregistered agency refused");
    Some(Diagnostic::error(
        "agency",
        "unregistered-agency",
        format!(
            "agency `{}` is not in the agency registry (registered: {}); register it with \
             `interlock agency add --file AGENCY.toml` or correct the records' agency; \
             every record of `{}` in this file is refused",
            draft.agency,
            registered
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            draft.agency
        ),
    ))
}
