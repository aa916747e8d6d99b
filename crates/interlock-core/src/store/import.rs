//! One import: a source file's drafts, validated and written in a single write
//! transaction. By default it commits only if the whole source is valid; with a
//! quarantine file ([`ImportMode::quarantine`], `import --quarantine`) the valid records go
//! in and every refused row goes to the quarantine file with its diagnostics.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use redb::{ReadableDatabase, ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::facets::Facets;
use super::lifecycle;
use super::postings::PostingsWriter;
use super::read::{BatchSource, RevisionReader};
use super::revision::{Location, RawRevision, RevisionEncoder};
use super::{BatchInfo, ImportError, MAX_REPORTED_PROBLEMS, StorageError, Store, tables};
use crate::audit::{AuditAction, RevisionDigest};
use crate::control_list::ControlLists;
use crate::diagnostic::Diagnostic;
use crate::model::{Adapter, Draft, RECORD_SCHEMA_VERSION, RecordId, RecordKind};
use crate::validate::Validator;

/// Version of the quarantine file's layout, given in its first line.
pub const QUARANTINE_FORMAT: u32 = 1;

/// Adapter diagnostics held back at most, to be sorted into file order with the next
/// batch's validation problems, before they are passed on regardless (bounded memory for a
/// file of nothing but bad lines). At the plugin host's default per-file limit, so that a
/// plugin's row error and a record on the same line meet in quarantine (the host hands
/// over each chunk's diagnostics and records together); the JSON Lines reader never
/// reports a problem and a draft for the same line.
const HELD_DIAGNOSTICS: usize = 100_000;

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

/// Sees an import's diagnostics and progress as they happen: how a caller gets every
/// diagnostic without the import holding them all in memory.
pub trait ImportObserver {
    /// Every diagnostic of the import (errors, warnings and notes alike), once each, in
    /// file order within each batch of records. An error stops the import from
    /// committing: a report that misses diagnostics must not pass for a complete one.
    fn diagnostic(&mut self, diagnostic: &Diagnostic) -> std::io::Result<()>;

    /// The number of drafts received so far; called after each batch.
    fn records(&mut self, _records: u64) {}
}

/// How an import runs, beyond its source and adapter. The default is the all-or-nothing
/// import that keeps its diagnostics to itself.
#[derive(Default)]
pub struct ImportMode<'a> {
    /// Import the valid records and write every refused row, with its diagnostics, to this
    /// file (JSON Lines: see [`QUARANTINE_FORMAT`] and the README). An error without a line
    /// concerns the whole file and still refuses it. The file is written to a temporary
    /// file beside it and renamed into place only once the import has committed. The same
    /// source imported with and without quarantine are different imports.
    pub quarantine: Option<PathBuf>,
    /// Gets every diagnostic as it is found; the import itself keeps only the first
    /// [`MAX_REPORTED_PROBLEMS`] errors and warnings and counts the rest.
    pub observer: Option<Box<dyn ImportObserver + 'a>>,
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
    /// The first [`MAX_REPORTED_PROBLEMS`]: see `warnings_omitted`.
    pub warnings: Vec<Diagnostic>,
    /// Warnings and notes beyond those in `warnings`: counted, not kept (an
    /// [`ImportObserver`] gets every one).
    #[serde(default)]
    pub warnings_omitted: u64,
    /// Rows refused and written to the quarantine file (0 without quarantine).
    #[serde(default)]
    pub quarantined: u64,
    /// The quarantine file written, for an import with quarantine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantine_file: Option<String>,
}

/// A refused row on its way to the quarantine file.
struct Refusal {
    line: Option<u64>,
    /// The draft as the adapter gave it, when there was one.
    draft: Option<Draft>,
    /// Its own problems; the adapter's diagnostics on its line are added when written.
    diagnostics: Vec<Diagnostic>,
}

/// The first line of a quarantine file.
#[derive(Serialize)]
struct QuarantineHeader<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    format: u32,
    source_file: &'a str,
    source_sha256: &'a str,
    adapter: &'a Adapter,
    batch: u64,
}

/// Every later line of a quarantine file: one refused row.
#[derive(Serialize)]
struct QuarantinedRow<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    draft: Option<&'a Draft>,
    diagnostics: &'a [Diagnostic],
}

/// The quarantine file being written: a temporary file beside the target, renamed over it
/// only once the import has committed, so the file is whole or absent. Write errors are
/// kept for [`Import::finish`], which then refuses to commit.
struct Quarantine {
    path: PathBuf,
    file: Result<std::io::BufWriter<tempfile::NamedTempFile>, std::io::Error>,
    hasher: Sha256,
    rows: u64,
}

impl Quarantine {
    fn create(path: PathBuf, header: &QuarantineHeader<'_>) -> Quarantine {
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        let file = tempfile::Builder::new()
            .prefix(".interlock-quarantine-")
            .tempfile_in(directory)
            .map(std::io::BufWriter::new);
        let mut quarantine = Quarantine {
            path,
            file,
            hasher: Sha256::new(),
            rows: 0,
        };
        quarantine.write_line(header);
        quarantine
    }

    fn write_line(&mut self, value: &impl Serialize) {
        let Ok(file) = &mut self.file else { return };
        let written = serde_json::to_vec(value)
            .map_err(std::io::Error::other)
            .and_then(|mut line| {
                line.push(b'\n');
                self.hasher.update(&line);
                file.write_all(&line)
            });
        if let Err(error) = written {
            self.file = Err(error);
        }
    }

    fn row(&mut self, line: Option<u64>, draft: Option<&Draft>, diagnostics: &[Diagnostic]) {
        self.rows += 1;
        self.write_line(&QuarantinedRow {
            kind: "row",
            line,
            draft,
            diagnostics,
        });
    }

    /// Flushes the file to disk, ready to be renamed once the import commits.
    fn close(self) -> Result<ClosedQuarantine, ImportError> {
        let failed = |source| ImportError::Quarantine {
            path: self.path.clone(),
            source,
        };
        let file = self
            .file
            .and_then(|file| file.into_inner().map_err(|e| e.into_error()))
            .map_err(&failed)?;
        file.as_file().sync_all().map_err(&failed)?;
        Ok(ClosedQuarantine {
            sha256: hex::encode(self.hasher.finalize()),
            rows: self.rows,
            file,
            path: self.path,
        })
    }
}

/// A quarantine file written whole, waiting for the commit.
struct ClosedQuarantine {
    path: PathBuf,
    file: tempfile::NamedTempFile,
    sha256: String,
    rows: u64,
}

impl ClosedQuarantine {
    fn rename_into_place(self, batch: u64) -> Result<(), ImportError> {
        self.file.persist(&self.path).map(drop).map_err(|error| {
            let kept = error.file.path().to_owned();
            // Keep the rows: the batch is committed, so a re-run would write no new file.
            let kept = error.file.keep().map(|(_, path)| path).unwrap_or(kept);
            ImportError::QuarantineNotRenamed {
                batch,
                path: self.path.clone(),
                kept,
                source: error.error,
            }
        })
    }
}

/// A draft taken as far as it goes before it meets the store: validated, its id derived,
/// and (unless it is a licence message, whose content depends on the licence as it stands)
/// its canonical JSON, content hash and index keys worked out. Made by the [`Preparer`] of
/// an import (against that import's control lists), consumed by that import's
/// [`Import::add_prepared`].
pub struct Prepared {
    draft: Draft,
    line: Option<u64>,
    /// Its validation problems, without the line.
    problems: Vec<Diagnostic>,
    id: RecordId,
    content: Option<Content>,
}

/// What a revision of a draft holds that the draft alone decides. (Compression stays with
/// the writing thread: with it, preparing costs the reading thread, which also runs the
/// plugin, more than writing costs the writing one; `cargo xtask bench import` measures
/// the balance.)
struct Content {
    draft_json: Vec<u8>,
    content_hash: [u8; 32],
    event_date: Option<jiff::civil::Date>,
    index_keys: Vec<(usize, String)>,
}

/// Prepares drafts for an [`Import`] ([`Import::preparer`]), on any thread: the work of an
/// import that needs no store (validation, canonical JSON, hashing, index keys), so that an
/// importer's reading thread can do it while the writing thread writes.
#[derive(Clone)]
pub struct Preparer {
    control_lists: Arc<ControlLists>,
}

impl std::fmt::Debug for Preparer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preparer").finish_non_exhaustive()
    }
}

impl Preparer {
    fn new(control_lists: Arc<ControlLists>) -> Preparer {
        Preparer { control_lists }
    }

    pub fn prepare(&self, items: Vec<Incoming>) -> Vec<Prepared> {
        let validator = Validator::new(&self.control_lists);
        let mut prepared = Vec::with_capacity(items.len());
        for Incoming { draft, line } in items {
            let problems = validator.check(&draft);
            let content = if problems.is_empty() && !lifecycle::is_sequential(&draft) {
                Some(content_of(&self.control_lists, &draft))
            } else {
                None
            };
            prepared.push(Prepared {
                id: draft.id(),
                draft,
                line,
                problems,
                content,
            });
        }
        prepared
    }
}

fn content_of(lists: &ControlLists, draft: &Draft) -> Content {
    let draft_json = draft.canonical_json();
    let content_hash: [u8; 32] = Sha256::digest(&draft_json).into();
    let event_date = draft.record.event_date();
    let index_keys = Facets::of_draft(draft, event_date, lists).index_keys();
    Content {
        draft_json,
        content_hash,
        event_date,
        index_keys,
    }
}

/// An import in progress. Dropping it without [`Import::finish`] writes nothing.
pub struct Import<'s> {
    store: &'s Store,
    txn: WriteTransaction,
    /// Prepares what [`Import::add`] is given (an importer's reading thread has a clone);
    /// holds the control lists the import validates against.
    preparer: Preparer,
    source: SourceFile,
    adapter: Adapter,
    actor: String,
    batch: u64,
    /// Records of this source seen once the import stopped writing (it will fail): id →
    /// (content hash, line), to catch a record that appears twice with different content.
    /// Until then the store itself answers that: a record's current revision is the one
    /// this batch wrote.
    seen_after_failure: HashMap<RecordId, (String, Option<u64>)>,
    digest: RevisionDigest,
    /// The next revision's place in this batch (its [`Location::seq`]).
    next_seq: u32,
    /// The index postings of the revisions written, until they are written.
    postings: PostingsWriter,
    /// Records created, by kind and by agency, for the record counts.
    created_by_kind: BTreeMap<RecordKind, u64>,
    created_by_agency: BTreeMap<String, u64>,
    encoder: RevisionEncoder,
    /// Licences this import has touched, as they stand after its messages so far: later
    /// messages in the file apply on top, even once the import stopped writing.
    licences: HashMap<RecordId, Draft>,
    /// The registered agency ids; empty when no agency is registered, and then records may
    /// name any agency (stores that predate the registry import as they always did).
    registered_agencies: BTreeSet<String>,
    /// Unregistered agencies already reported in this source: once each, not per record.
    unregistered_reported: BTreeSet<String>,
    /// Diagnostics the adapter reported since the last batch: passed on with the next
    /// batch's validation problems, sorted together into file order.
    pending: Vec<Diagnostic>,
    /// Drafts refused in this batch (quarantine only), passed on with `pending`.
    refused: Vec<Refusal>,
    quarantine: Option<Quarantine>,
    observer: Option<Box<dyn ImportObserver + 's>>,
    /// The observer's first failure: the import will not commit.
    observer_error: Option<std::io::Error>,
    /// The first [`MAX_REPORTED_PROBLEMS`] errors, for [`ImportError::Invalid`].
    errors: Vec<Diagnostic>,
    error_count: u64,
    /// Errors without a line: they concern the whole file, which even quarantine refuses.
    file_error_count: u64,
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
    ) -> Result<BeginImport<'_>, ImportError> {
        self.begin_import_with(source, adapter, actor, ImportMode::default())
    }

    /// [`Store::begin_import`] with quarantine or an observer (see [`ImportMode`]).
    pub fn begin_import_with<'s>(
        &'s self,
        source: SourceFile,
        adapter: Adapter,
        actor: &str,
        mode: ImportMode<'s>,
    ) -> Result<BeginImport<'s>, ImportError> {
        let source_key = source_key(&adapter, &source.sha256, mode.quarantine.is_some());
        {
            let read = self.db.begin_read()?;
            let by_source = read.open_table(tables::BATCH_BY_SOURCE)?;
            if let Some(batch) = by_source.get(source_key.as_str())? {
                let batch = batch.value();
                let info = super::read::read_batch(&read, batch)?.ok_or_else(|| {
                    StorageError::Corrupted(format!("import batch {batch} is missing"))
                })?;
                return Ok(BeginImport::AlreadyImported(info));
            }
        }
        let txn = self.begin_write()?;
        let control_lists = Arc::new(super::control_list::read_control_lists(
            &txn.open_table(tables::CONTROL_LISTS)?,
        )?);
        let preparer = Preparer::new(control_lists);
        let registered_agencies = super::registry::registered_agency_ids(&txn)?;
        let batch = match txn.open_table(tables::BATCHES)?.last()? {
            Some((last, _)) => last.value() + 1,
            None => 1,
        };
        let quarantine = mode.quarantine.map(|path| {
            Quarantine::create(
                path,
                &QuarantineHeader {
                    kind: "quarantine",
                    format: QUARANTINE_FORMAT,
                    source_file: &source.name,
                    source_sha256: &source.sha256,
                    adapter: &adapter,
                    batch,
                },
            )
        });
        Ok(BeginImport::Ready(Import {
            store: self,
            txn,
            preparer,
            source,
            adapter,
            actor: actor.to_owned(),
            batch,
            seen_after_failure: HashMap::new(),
            digest: RevisionDigest::default(),
            next_seq: 0,
            postings: PostingsWriter::new(batch),
            created_by_kind: BTreeMap::new(),
            created_by_agency: BTreeMap::new(),
            encoder: RevisionEncoder::new()?,
            licences: HashMap::new(),
            registered_agencies,
            unregistered_reported: BTreeSet::new(),
            pending: Vec::new(),
            refused: Vec::new(),
            quarantine,
            observer: mode.observer,
            observer_error: None,
            errors: Vec::new(),
            error_count: 0,
            file_error_count: 0,
            summary: ImportSummary::default(),
        }))
    }
}

/// The idempotence key of an import: adapter (with its options), source bytes, and whether
/// refused rows were quarantined, since importing what is valid and importing all or
/// nothing are different imports of the same file. Keys of all-or-nothing imports are as
/// they always were.
fn source_key(adapter: &Adapter, sha256: &str, quarantine: bool) -> String {
    let mut key = format!("{}:{sha256}", adapter.key());
    if quarantine {
        key.push_str(":quarantine");
    }
    key
}

impl Import<'_> {
    pub fn source(&self) -> &SourceFile {
        &self.source
    }

    /// Problems found so far.
    pub fn error_count(&self) -> u64 {
        self.error_count
    }

    /// Whether the import, as it stands, will refuse to commit: any error, or with
    /// quarantine any error that concerns the whole file.
    fn will_fail(&self) -> bool {
        if self.quarantine.is_some() {
            self.file_error_count > 0
        } else {
            self.error_count > 0
        }
    }

    /// A problem the adapter found (e.g. a plugin diagnostic or a line that is not JSON).
    /// Errors make the import fail (with quarantine: refuse their line, or the whole file
    /// if they have none); warnings are kept in the summary.
    pub fn report(&mut self, diagnostic: Diagnostic) {
        if diagnostic.is_error() {
            self.error_count += 1;
            if diagnostic.line.is_none() {
                self.file_error_count += 1;
            }
        }
        self.pending.push(diagnostic);
        if self.pending.len() >= HELD_DIAGNOSTICS {
            self.pass_on(Vec::new());
        }
    }

    /// Validates a batch of drafts and stages the valid ones. Problems are collected, not
    /// returned: callers keep feeding so that every problem in the source is reported.
    pub fn add(&mut self, items: Vec<Incoming>) -> Result<(), ImportError> {
        let prepared = self.preparer.prepare(items);
        self.add_prepared(prepared)
    }

    /// A [`Preparer`] for this import's drafts, to work on another thread: what it
    /// prepares goes to [`Import::add_prepared`], in the source's order.
    pub fn preparer(&self) -> Preparer {
        self.preparer.clone()
    }

    /// [`Import::add`] for drafts a [`Preparer`] of this import has prepared.
    pub fn add_prepared(&mut self, items: Vec<Prepared>) -> Result<(), ImportError> {
        let quarantining = self.quarantine.is_some();
        // With quarantine, a line the adapter found an error on is refused whole.
        let adapter_error_lines: HashSet<u64> = if quarantining {
            self.pending
                .iter()
                .filter(|d| d.is_error())
                .filter_map(|d| d.line)
                .collect()
        } else {
            HashSet::new()
        };
        let mut records = self.txn.open_table(tables::RECORDS)?;
        let mut reader = RevisionReader::new(
            self.txn.open_table(tables::REVISIONS)?,
            self.txn.open_table(tables::BATCHES)?,
        );
        reader.set_batch_source(
            self.batch,
            BatchSource {
                adapter: self.adapter.clone(),
                source_file: self.source.name.clone(),
                source_sha256: self.source.sha256.clone(),
            },
        );
        let mut postings = self.txn.open_table(tables::POSTINGS)?;
        // Problems found while the tables borrow the transaction; passed on afterwards.
        let mut problems_found = Vec::new();
        let captured_at = self.store.now();

        for Prepared {
            draft,
            line,
            problems,
            id,
            content,
        } in items
        {
            self.summary.records += 1;
            if line.is_some_and(|line| adapter_error_lines.contains(&line)) {
                self.refused.push(Refusal {
                    line,
                    draft: Some(draft),
                    diagnostics: Vec::new(),
                });
                continue;
            }
            if let Some(problem) = unregistered_agency(&self.registered_agencies, &draft) {
                let problem = problem.at_line(line);
                // Reported once per agency; with quarantine, every record of it is refused.
                let first = self.unregistered_reported.insert(draft.agency.clone());
                if first {
                    tracing::debug!(agency = %draft.agency, "records of an unregistered agency refused");
                    problems_found.push(problem.clone());
                }
                if quarantining {
                    self.refused.push(Refusal {
                        line,
                        draft: Some(draft),
                        diagnostics: vec![problem],
                    });
                    continue;
                }
                if first {
                    continue;
                }
            }
            if !problems.is_empty() {
                let problems: Vec<Diagnostic> =
                    problems.into_iter().map(|p| p.at_line(line)).collect();
                problems_found.extend(problems.iter().cloned());
                if quarantining {
                    self.refused.push(Refusal {
                        line,
                        draft: Some(draft),
                        diagnostics: problems,
                    });
                }
                continue;
            }
            let sequential = lifecycle::is_sequential(&draft);
            let previous = match super::read::head(&records, id)? {
                Some((_, location)) => Some((location, reader.record(location)?)),
                None => None,
            };
            // A licence message applies to the licence as it stands after everything
            // before it, in the store or earlier in this file.
            let draft = if sequential {
                let current = self
                    .licences
                    .get(&id)
                    .or(previous.as_ref().map(|(_, p)| &p.draft));
                // Quarantine keeps the message as the adapter gave it.
                let original = quarantining.then(|| draft.clone());
                match lifecycle::apply(draft, current) {
                    Ok(draft) => draft,
                    Err(problem) => {
                        let problem = problem.at_line(line);
                        problems_found.push(problem.clone());
                        if quarantining {
                            self.refused.push(Refusal {
                                line,
                                draft: original,
                                diagnostics: vec![problem],
                            });
                        }
                        continue;
                    }
                }
            } else {
                draft
            };
            // A licence message's content is known only now; every other draft's was
            // prepared before.
            let content = match content {
                Some(content) if !sequential => content,
                _ => content_of(&self.preparer.control_lists, &draft),
            };
            let content_hash_hex = hex::encode(content.content_hash);
            // The same record earlier in this file: written by this batch, or seen since
            // the import stopped writing.
            let earlier_in_file = match &previous {
                Some((location, record)) if location.batch == self.batch => {
                    Some((record.content_hash.clone(), record.provenance.line))
                }
                _ => self.seen_after_failure.get(&id).cloned(),
            };
            if sequential {
                self.licences.insert(id, draft.clone());
            } else if let Some((seen_hash, seen_line)) = earlier_in_file {
                if seen_hash != content_hash_hex {
                    let earlier = seen_line
                        .map(|l| format!(" on line {l}"))
                        .unwrap_or_default();
                    let problem = Diagnostic::error(
                        "source_ref",
                        "duplicate-record",
                        format!(
                            "{} `{}` of agency `{}` already appears{earlier} with different content",
                            draft.record.kind(),
                            draft.source_ref,
                            draft.agency
                        ),
                    )
                    .at_line(line);
                    problems_found.push(problem.clone());
                    if quarantining {
                        self.refused.push(Refusal {
                            line,
                            draft: Some(draft),
                            diagnostics: vec![problem],
                        });
                    }
                } else {
                    self.summary.unchanged += 1;
                }
                continue;
            }
            if self.will_fail() || (!quarantining && !problems_found.is_empty()) {
                // The import will fail: keep validating for the report, stop writing.
                if !sequential {
                    self.seen_after_failure.insert(id, (content_hash_hex, line));
                }
                continue;
            }

            if previous
                .as_ref()
                .is_some_and(|(_, p)| p.content_hash_in_current_schema() == content_hash_hex)
            {
                self.summary.unchanged += 1;
                continue;
            }
            let revision = previous.as_ref().map_or(1, |(_, p)| p.revision + 1);
            let location = Location {
                batch: self.batch,
                seq: self.next_seq,
            };
            self.next_seq = self.next_seq.checked_add(1).ok_or_else(|| {
                StorageError::Corrupted(format!(
                    "import batch {} would hold more than {} revisions",
                    self.batch,
                    u32::MAX
                ))
            })?;
            let Content {
                draft_json,
                content_hash,
                event_date,
                index_keys: new_keys,
            } = content;
            let stored = RawRevision {
                id,
                revision,
                record_schema: RECORD_SCHEMA_VERSION,
                captured_at,
                event_date,
                content_hash,
                line,
                previous: previous.as_ref().map(|(at, _)| *at),
                draft_json,
            };
            reader
                .revisions_mut()
                .insert(location.key(), self.encoder.encode(&stored)?.as_slice())?;
            records.insert(&id.0, (revision, location.batch, location.seq))?;

            // The postings of an earlier revision stay: queries skip revisions that are
            // no longer current (see `postings`).
            for (index, key) in &new_keys {
                self.postings.add(*index, key, location.seq);
            }

            self.digest.add(id, revision, &content_hash_hex);
            if previous.is_some() {
                self.summary.revised += 1;
            } else {
                self.summary.created += 1;
                *self.created_by_kind.entry(draft.record.kind()).or_default() += 1;
                match self.created_by_agency.get_mut(draft.agency.as_str()) {
                    Some(count) => *count += 1,
                    None => {
                        self.created_by_agency.insert(draft.agency, 1);
                    }
                }
            }
        }
        if self.postings.is_full() {
            self.postings.flush(&mut postings)?;
        }
        drop((records, reader, postings));
        self.error_count += problems_found.iter().filter(|d| d.is_error()).count() as u64;
        self.pass_on(problems_found);
        if let Some(observer) = self.observer.as_deref_mut() {
            observer.records(self.summary.records);
        }
        Ok(())
    }

    /// Passes on the adapter's pending diagnostics and `found` (this batch's validation
    /// problems) in file order: refused rows to the quarantine file, every diagnostic to
    /// the observer, and the first of each kind to the import's result.
    fn pass_on(&mut self, found: Vec<Diagnostic>) {
        let adapter = std::mem::take(&mut self.pending);
        let refused = std::mem::take(&mut self.refused);
        if let Some(quarantine) = &mut self.quarantine {
            quarantine_rows(quarantine, refused, &adapter);
        }
        let mut all = adapter;
        all.extend(found);
        // Stable: problems on one line stay in the order they were found.
        all.sort_by_key(|d| d.line);
        for diagnostic in all {
            if self.observer_error.is_none()
                && let Some(observer) = self.observer.as_deref_mut()
                && let Err(error) = observer.diagnostic(&diagnostic)
            {
                self.observer_error = Some(error);
            }
            if diagnostic.is_error() {
                if self.errors.len() < MAX_REPORTED_PROBLEMS {
                    self.errors.push(diagnostic);
                }
            } else if self.summary.warnings.len() < MAX_REPORTED_PROBLEMS {
                self.summary.warnings.push(diagnostic);
            } else {
                self.summary.warnings_omitted += 1;
            }
        }
    }

    /// Commits if no error was found (with quarantine: none concerning the whole file);
    /// otherwise aborts, writing nothing, and returns every problem.
    pub fn finish(mut self) -> Result<ImportSummary, ImportError> {
        self.pass_on(Vec::new());
        if let Some(error) = self.observer_error.take() {
            self.txn.abort()?;
            return Err(ImportError::Observer(error));
        }
        if self.will_fail() {
            // Dropping the transaction aborts it; say so explicitly for the reader.
            self.txn.abort()?;
            // Adapters report decoding problems as they read and validation problems per
            // batch; the record manager wants them in file order.
            self.errors.sort_by_key(|d| d.line);
            return Err(ImportError::Invalid {
                diagnostics: self.errors,
                total: self.error_count,
            });
        }
        let quarantine = match self.quarantine.take() {
            Some(quarantine) => Some(quarantine.close()?),
            None => None,
        };
        self.summary.batch = self.batch;
        self.summary.quarantined = quarantine.as_ref().map_or(0, |q| q.rows);
        self.summary.quarantine_file = quarantine.as_ref().map(|q| q.path.display().to_string());
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
            quarantined: self.summary.quarantined,
            quarantine_file: self.summary.quarantine_file.clone(),
            quarantine_sha256: quarantine.as_ref().map(|q| q.sha256.clone()),
        };
        self.postings
            .flush(&mut self.txn.open_table(tables::POSTINGS)?)?;
        {
            let mut counts = self.txn.open_table(tables::RECORD_COUNTS)?;
            let kinds = std::mem::take(&mut self.created_by_kind)
                .into_iter()
                .map(|(kind, created)| (format!("kind:{kind}"), created));
            let agencies = std::mem::take(&mut self.created_by_agency)
                .into_iter()
                .map(|(agency, created)| (format!("agency:{agency}"), created));
            for (count, created) in kinds.chain(agencies) {
                let before = counts.get(count.as_str())?.map_or(0, |v| v.value());
                counts.insert(count.as_str(), before + created)?;
            }
        }
        self.txn
            .open_table(tables::BATCHES)?
            .insert(self.batch, serde_json::to_vec(&info)?.as_slice())?;
        self.txn.open_table(tables::BATCH_BY_SOURCE)?.insert(
            source_key(&self.adapter, &self.source.sha256, quarantine.is_some()).as_str(),
            self.batch,
        )?;
        let mut details = serde_json::json!({
            "batch": self.batch,
            "adapter": self.adapter,
            "source_sha256": self.source.sha256,
            "records": self.summary.records,
            "created": self.summary.created,
            "revised": self.summary.revised,
            "unchanged": self.summary.unchanged,
            "revisions_digest": digest,
        });
        // Only imports with quarantine say so: entries of all-or-nothing imports keep
        // the shape they always had.
        if let (Some(quarantine), Some(details)) = (&quarantine, details.as_object_mut()) {
            details.insert("quarantined".to_owned(), quarantine.rows.into());
            details.insert(
                "quarantine_file".to_owned(),
                quarantine.path.display().to_string().into(),
            );
            details.insert(
                "quarantine_sha256".to_owned(),
                quarantine.sha256.clone().into(),
            );
        }
        self.store.append_audit(
            &self.txn,
            &self.actor,
            AuditAction::Import,
            &self.source.name,
            details,
        )?;
        self.txn.commit()?;
        if let Some(quarantine) = quarantine {
            quarantine.rename_into_place(self.batch)?;
        }
        Ok(self.summary)
    }
}

/// Writes this batch's refused rows to the quarantine file in line order: each refused
/// draft with its problems and the adapter's diagnostics on its line, then, as rows without
/// a draft, the lines the adapter found errors on that gave no draft.
fn quarantine_rows(quarantine: &mut Quarantine, refused: Vec<Refusal>, adapter: &[Diagnostic]) {
    let mut by_line: BTreeMap<u64, Vec<&Diagnostic>> = BTreeMap::new();
    for diagnostic in adapter {
        if let Some(line) = diagnostic.line {
            by_line.entry(line).or_default().push(diagnostic);
        }
    }
    let refused_lines: HashSet<u64> = refused.iter().filter_map(|r| r.line).collect();
    let mut rows = refused;
    for (line, diagnostics) in &by_line {
        if !refused_lines.contains(line) && diagnostics.iter().any(|d| d.is_error()) {
            rows.push(Refusal {
                line: Some(*line),
                draft: None,
                diagnostics: Vec::new(),
            });
        }
    }
    rows.sort_by_key(|row| row.line);
    for mut row in rows {
        if let Some(line) = row.line {
            let mut diagnostics: Vec<Diagnostic> = by_line
                .get(&line)
                .into_iter()
                .flatten()
                .map(|d| (*d).clone())
                .collect();
            diagnostics.append(&mut row.diagnostics);
            row.diagnostics = diagnostics;
        }
        quarantine.row(row.line, row.draft.as_ref(), &row.diagnostics);
    }
}

/// Once a registry exists, a record must name a registered agency: the registry says
/// who supplies what, and a record filed under an agency nobody registered (a typo,
/// a new feed nobody told the reporting authority about) would escape it. The caller
/// reports it once per agency and source. Transfers reported by other States and public
/// registers (`reported_transfer`) are exempt: they are not a national agency's data,
/// and the plugin interface files them under `other`.
fn unregistered_agency(registered: &BTreeSet<String>, draft: &Draft) -> Option<Diagnostic> {
    if registered.is_empty()
        || registered.contains(&draft.agency)
        || draft.record.kind() == crate::model::RecordKind::ReportedTransfer
    {
        return None;
    }
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
