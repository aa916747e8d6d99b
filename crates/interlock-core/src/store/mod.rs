//! The record store: one redb file holding records and their revisions, secondary
//! indexes, import batches, control list versions, registered plugins and the audit log.
//!
//! Invariants (tested in `tests/store.rs`):
//! - every change is one redb write transaction with two-phase commit, and every write
//!   transaction appends exactly one audit entry;
//! - revisions are never updated or deleted; a changed record gets a new revision;
//! - the same source through the same adapter is imported once.

mod control_list;
mod error;
mod facets;
mod findings;
mod import;
mod lifecycle;
mod migrate;
mod open;
mod plugins;
mod postings;
mod query;
mod read;
mod registry;
pub mod revision;
mod tables;
mod verify;
mod withhold;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use redb::{Database, ReadableTable, WriteTransaction};

use crate::audit::{AuditAction, AuditEntry, GENESIS_HASH};
use crate::control_list::ControlLists;
use crate::model::RecordKind;

pub use control_list::ControlListOutcome;
pub use error::{
    ControlListError, FindingError, ImportError, MigrateError, OpenError, PluginError, ReadError,
    RegistryError, StorageError, WithholdError,
};
pub use facets::Facets;
pub use findings::{CheckOutcome, FindingState, StateChange, StoredFinding};
pub use import::{
    BeginImport, Import, ImportMode, ImportObserver, ImportOutcome, ImportSummary, Incoming,
    Prepared, Preparer, QUARANTINE_FORMAT, SourceFile,
};
pub use migrate::{MigrateOptions, MigrateOutcome, Migration};
pub use plugins::{InstallOutcome, PluginRecord, RebuiltBinary};
pub use query::Query;
pub use read::{BatchInfo, Stats};
pub use registry::{AgencyUpdate, DeadlineChanges, SettingsOutcome};
pub use withhold::{WithholdOutcome, WithholdRequest, Withholding, WithholdingBasis};

/// Version of the store's file layout. A store written by a newer interlock is refused; one
/// written by an older interlock is refused with [`OpenError::NeedsMigration`] until
/// [`Store::migrate`] (`interlock migrate`) has upgraded it.
///
/// - 1: the first release.
/// - 2: the withholdings table; indexes derived by the model-2 [`Facets`].
/// - 3: revisions in the binary [`revision`] format, in an append-only log keyed by batch
///   and sequence number, with the provenance they share kept once on their batch; the
///   record heads table points at each record's current revision; the `dictionaries`
///   table.
pub const SCHEMA_VERSION: u32 = 3;

/// Where the CLI looks for the store when neither `--store` nor `INTERLOCK_STORE` is set.
pub const DEFAULT_STORE_PATH: &str = "interlock.redb";

/// How many errors (and, separately, warnings) an import keeps in memory for its result;
/// beyond that it counts them (`ImportError::Invalid::total`,
/// `ImportSummary::warnings_omitted`). Every one of them still reaches the
/// [`ImportObserver`], which is how the CLI's `--report` and `--json` get them all.
pub const MAX_REPORTED_PROBLEMS: usize = 1000;

pub struct Store {
    db: Database,
    path: PathBuf,
    /// Test and demo hook: a fixed clock makes outputs reproducible.
    fixed_time: Mutex<Option<jiff::Timestamp>>,
    /// The control lists as last read. Only this process can have the file open (redb locks
    /// it), and every write of a list goes through this `Store`, which drops the copy, so
    /// queries need not decode every list version on every call.
    control_lists_cache: Mutex<Option<std::sync::Arc<ControlLists>>>,
    /// What each committed batch's revisions share, as read readers found it: a committed
    /// batch never changes. Only read transactions fill it (an import's own batch is not
    /// committed yet, and its number is reused if the import fails).
    batch_sources: read::SharedBatchSources,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes every timestamp the store writes equal to `time` (reproducible demos, tests).
    pub fn set_fixed_time(&self, time: Option<jiff::Timestamp>) {
        if let Ok(mut fixed) = self.fixed_time.lock() {
            *fixed = time;
        }
    }

    fn now(&self) -> jiff::Timestamp {
        self.fixed_time
            .lock()
            .ok()
            .and_then(|fixed| *fixed)
            .unwrap_or_else(jiff::Timestamp::now)
    }

    /// Every write goes through here: untrusted input, so two-phase commit (redb's advice).
    fn begin_write(&self) -> Result<WriteTransaction, StorageError> {
        let mut txn = self.db.begin_write()?;
        txn.set_two_phase_commit(true);
        Ok(txn)
    }

    /// Appends one entry to the audit log inside `txn`, chained to the current head.
    fn append_audit(
        &self,
        txn: &WriteTransaction,
        actor: &str,
        action: AuditAction,
        subject: &str,
        details: serde_json::Value,
    ) -> Result<AuditEntry, StorageError> {
        let mut audit = txn.open_table(tables::AUDIT)?;
        let (seq, prev_hash) = match audit.last()? {
            Some((_, last)) => {
                let last: AuditEntry = serde_json::from_slice(last.value())?;
                (last.seq + 1, last.hash)
            }
            None => (0, GENESIS_HASH.to_owned()),
        };
        let mut entry = AuditEntry {
            seq,
            at: self.now(),
            actor: actor.to_owned(),
            action,
            subject: subject.to_owned(),
            details,
            prev_hash,
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        audit.insert(seq, serde_json::to_vec(&entry)?.as_slice())?;
        // The head lets verification notice entries cut off the end of the log.
        let head = serde_json::json!({ "seq": entry.seq, "hash": entry.hash });
        txn.open_table(tables::META)?
            .insert("audit_head", serde_json::to_vec(&head)?.as_slice())?;
        Ok(entry)
    }
}

/// Kinds as they appear in indexes and stats.
pub fn kind_key(kind: RecordKind) -> &'static str {
    kind.as_str()
}
