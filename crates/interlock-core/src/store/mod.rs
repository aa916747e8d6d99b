//! The record store: one redb file holding records and their revisions, secondary
//! indexes, import batches, control list versions, registered plugins and the audit log.
//!
//! Invariants (tested in `tests/store.rs`):
//! - every change is one redb write transaction with two-phase commit, and every write
//!   transaction appends exactly one audit entry;
//! - revisions are never updated or deleted; a changed record gets a new revision;
//! - the same source through the same adapter is imported once.

mod facets;
mod findings;
mod import;
mod lifecycle;
mod migrate;
mod query;
mod registry;
mod tables;
mod withhold;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use redb::{
    Database, ReadableDatabase, ReadableMultimapTable, ReadableTable, ReadableTableMetadata,
    WriteTransaction,
};
use serde::{Deserialize, Serialize};

use crate::audit::{AuditAction, AuditEntry, GENESIS_HASH, RevisionDigest, VerifyReport};
use crate::control_list::{ControlList, ControlLists};
use crate::model::{Adapter, RecordId, RecordKind, StoredRecord};

pub use facets::Facets;
pub use findings::{CheckOutcome, FindingState, StateChange, StoredFinding};
pub use import::{
    BeginImport, Import, ImportError, ImportMode, ImportObserver, ImportOutcome, ImportSummary,
    Incoming, QUARANTINE_FORMAT, SourceFile,
};
pub use migrate::{MigrateOptions, MigrateOutcome, Migration};
pub use query::Query;
pub use registry::{AgencyUpdate, DeadlineChanges, SettingsOutcome};
pub use withhold::{WithholdOutcome, WithholdRequest, Withholding, WithholdingBasis};

/// Version of the store's file layout. A store written by a newer interlock is refused; one
/// written by an older interlock is refused with [`StoreError::NeedsMigration`] until
/// [`Store::migrate`] (`interlock migrate`) has upgraded it.
///
/// - 1: the first release.
/// - 2: the withholdings table; indexes derived by the model-2 [`Facets`].
pub const SCHEMA_VERSION: u32 = 2;
const FORMAT_TAG: &[u8] = b"interlock-store";

/// Where the CLI looks for the store when neither `--store` nor `INTERLOCK_STORE` is set.
pub const DEFAULT_STORE_PATH: &str = "interlock.redb";

/// How many errors (and, separately, warnings) an import keeps in memory for its result;
/// beyond that it counts them (`ImportError::Invalid::total`,
/// `ImportSummary::warnings_omitted`). Every one of them still reaches the
/// [`ImportObserver`], which is how the CLI's `--report` and `--json` get them all.
pub const MAX_REPORTED_PROBLEMS: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no interlock store at {}; create one with `interlock init`", .path.display())]
    NotFound { path: PathBuf },
    #[error("{} already exists; refusing to overwrite it", .path.display())]
    AlreadyExists { path: PathBuf },
    #[error("{} is not an interlock store ({reason})", .path.display())]
    NotAStore { path: PathBuf, reason: String },
    #[error(
        "{} was written by a newer interlock (store schema {found}); this interlock reads schema {supported}: upgrade interlock",
        .path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// The store was written by an older interlock: [`Store::migrate`] upgrades it.
    #[error(
        "{} uses store schema {found}, written by an older interlock; this interlock needs schema {current}: \
         run `interlock migrate --backup COPY.redb` to upgrade it (keep the copy until you have checked the result)",
        .path.display()
    )]
    NeedsMigration {
        path: PathBuf,
        found: u32,
        current: u32,
    },
    /// `interlock migrate --backup FILE` could not write the copy; nothing was migrated.
    #[error("cannot write the backup {}: {source}; nothing was migrated", .path.display())]
    Backup {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is in use by another interlock process; try again when it has finished", .path.display())]
    Locked { path: PathBuf },
    #[error("the store is damaged: {0}")]
    Corrupted(String),
    #[error("no record with id {0}")]
    UnknownRecord(String),
    #[error("id prefix `{prefix}` matches {count} records; give more characters")]
    AmbiguousId { prefix: String, count: usize },
    #[error("control list {name} {version}: {message}")]
    ControlList {
        name: String,
        version: String,
        message: String,
    },
    #[error("plugin {name}: {message}")]
    Plugin { name: String, message: String },
    /// A withholding was refused (no reason given, a field the record does not have).
    #[error("cannot withhold record {id}: {message}")]
    InvalidWithholding { id: String, message: String },
    /// Releasing a withholding from a record that has none.
    #[error("record {0} is not withheld")]
    NotWithheld(String),
    /// No stored finding has this id (prefix).
    #[error("no finding with id {0}; `interlock finding list` shows them")]
    UnknownFinding(String),
    /// A finding state change was refused (no reason, or no change).
    #[error("{0}")]
    InvalidFindingChange(String),
    /// Settings refused: a country or currency code not in the ISO tables (every problem).
    #[error("settings not changed: {}", .0.join("; "))]
    InvalidSettings(Vec<String>),
    /// An agency description refused (every problem, as `field: message`).
    #[error("agency `{id}` refused: {}", .problems.join("; "))]
    InvalidAgency { id: String, problems: Vec<String> },
    /// Registering an agency id that is already registered.
    #[error(
        "agency `{0}` is already registered; change it with `interlock agency update {0} --file AGENCY.toml`"
    )]
    AgencyExists(String),
    /// No agency with this id in the registry.
    #[error("no agency `{0}` in the registry; `interlock agency list` shows them")]
    UnknownAgency(String),
    /// A deadline refused (no name, or an agency that is not registered).
    #[error("deadline `{name}` refused: {message}")]
    InvalidDeadline { name: String, message: String },
    /// No national deadline by this name.
    #[error("no deadline named `{0}`; `interlock calendar` lists them")]
    UnknownDeadline(String),
    #[error("store I/O error: {0}")]
    Database(#[from] redb::Error),
    #[error("store encoding error: {0}")]
    Encoding(#[from] serde_json::Error),
}

macro_rules! redb_error_into_store_error {
    ($($error:ty),*) => {$(
        impl From<$error> for StoreError {
            fn from(error: $error) -> StoreError {
                StoreError::Database(error.into())
            }
        }
    )*};
}
redb_error_into_store_error!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

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
    /// [`RevisionDigest`] of the revisions this batch wrote.
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

/// A registered plugin. The core stores it; the plugin host gives it meaning.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PluginRecord {
    pub name: String,
    pub version: String,
    pub agency: String,
    #[serde(default)]
    pub formats: Vec<String>,
    /// The WIT interface version the component exports, e.g. `1.0.0`.
    pub interface_version: String,
    pub wasm_sha256: String,
    pub wasm_size: u64,
    pub installed_at: jiff::Timestamp,
    /// Per-plugin sandbox limit overrides, as the host defines them.
    #[serde(default)]
    pub limits: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstallOutcome {
    Installed,
    /// The same name, version and bytes were already installed.
    AlreadyInstalled,
    /// A new version replaced an older one.
    Upgraded {
        previous_version: String,
    },
    /// Other bytes under the installed version took its place ([`RebuiltBinary::Replace`]).
    Replaced {
        previous_wasm_sha256: String,
    },
}

/// What [`Store::install_plugin`] does with a binary whose bytes differ from the installed
/// one's under the same name and version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RebuiltBinary {
    /// Refuse it: a changed plugin must carry a new version number, so that a version
    /// names one binary.
    Refuse,
    /// Install it in place of the other (`plugin install --replace`, for a plugin rebuilt
    /// during development). The replaced bytes stay in the store, since batches imported
    /// with them name their hash, and the audit entry names both hashes.
    Replace,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ControlListOutcome {
    Imported,
    /// This exact version with this exact content is already in the store.
    AlreadyPresent,
}

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

pub struct Store {
    db: Database,
    path: PathBuf,
    /// Test and demo hook: a fixed clock makes outputs reproducible.
    fixed_time: Mutex<Option<jiff::Timestamp>>,
    /// The control lists as last read. Only this process can have the file open (redb locks
    /// it), and every write of a list goes through this `Store`, which drops the copy, so
    /// queries need not decode every list version on every call.
    control_lists_cache: Mutex<Option<std::sync::Arc<ControlLists>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Creates a new, empty store. Refuses to touch an existing file.
    pub fn create(path: &Path, actor: &str) -> Result<Store, StoreError> {
        Self::create_with_fixed_time(path, actor, None)
    }

    /// [`Store::create`] with every timestamp pinned (see [`Store::set_fixed_time`]).
    pub fn create_with_fixed_time(
        path: &Path,
        actor: &str,
        fixed_time: Option<jiff::Timestamp>,
    ) -> Result<Store, StoreError> {
        if path.exists() {
            return Err(StoreError::AlreadyExists {
                path: path.to_owned(),
            });
        }
        let db = Database::create(path).map_err(|e| open_error(path, e))?;
        let store = Store {
            db,
            path: path.to_owned(),
            fixed_time: Mutex::new(fixed_time),
            control_lists_cache: Mutex::new(None),
        };
        let txn = store.begin_write()?;
        {
            let mut meta = txn.open_table(tables::META)?;
            meta.insert("format", FORMAT_TAG)?;
            meta.insert("schema_version", SCHEMA_VERSION.to_be_bytes().as_slice())?;
        }
        store.create_all_tables(&txn)?;
        store.append_audit(
            &txn,
            actor,
            AuditAction::StoreCreated,
            &path.display().to_string(),
            serde_json::json!({ "schema_version": SCHEMA_VERSION }),
        )?;
        txn.commit()?;
        Ok(store)
    }

    /// Opens an existing store, checking that it is one and that this build can read it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_with(path, false)
    }

    /// Opens a store after redb has verified the checksum of every page: slower, but a
    /// file damaged outside redb is reported instead of trusted. Used by `audit verify`.
    pub fn open_checked(path: &Path) -> Result<Store, StoreError> {
        Self::open_with(path, true)
    }

    /// Opens a store of any schema this build knows, without the "needs migration" check
    /// of [`Store::open`]: only a migration may touch an older store.
    fn open_any_schema(path: &Path, check_integrity: bool) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::NotFound {
                path: path.to_owned(),
            });
        }
        let db = Database::builder()
            .set_check_integrity_on_open(check_integrity)
            .open(path)
            .map_err(|e| open_error(path, e))?;
        Ok(Store {
            db,
            path: path.to_owned(),
            fixed_time: Mutex::new(None),
            control_lists_cache: Mutex::new(None),
        })
    }

    fn open_with(path: &Path, check_integrity: bool) -> Result<Store, StoreError> {
        let store = Self::open_any_schema(path, check_integrity)?;
        let found = store.check_format()?;
        if found < SCHEMA_VERSION {
            return Err(StoreError::NeedsMigration {
                path: path.to_owned(),
                found,
                current: SCHEMA_VERSION,
            });
        }
        Ok(store)
    }

    /// Checks that the file is an interlock store no newer than this build; returns its
    /// schema version.
    fn check_format(&self) -> Result<u32, StoreError> {
        let not_a_store = |reason: &str| StoreError::NotAStore {
            path: self.path.clone(),
            reason: reason.to_owned(),
        };
        let txn = self.db.begin_read()?;
        let meta = match txn.open_table(tables::META) {
            Ok(meta) => meta,
            Err(redb::TableError::TableDoesNotExist(_)) => {
                return Err(not_a_store("a redb file without interlock's tables"));
            }
            Err(e) => return Err(e.into()),
        };
        let format = meta.get("format")?.map(|v| v.value().to_vec());
        if format.as_deref() != Some(FORMAT_TAG) {
            return Err(not_a_store("its format tag is missing"));
        }
        let version = meta
            .get("schema_version")?
            .and_then(|v| <[u8; 4]>::try_from(v.value()).ok())
            .map(u32::from_be_bytes)
            .ok_or_else(|| not_a_store("its schema version is missing"))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(version)
    }

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
    fn begin_write(&self) -> Result<WriteTransaction, StoreError> {
        let mut txn = self.db.begin_write()?;
        txn.set_two_phase_commit(true);
        Ok(txn)
    }

    fn create_all_tables(&self, txn: &WriteTransaction) -> Result<(), StoreError> {
        txn.open_table(tables::RECORDS)?;
        txn.open_table(tables::REVISIONS)?;
        for index in facets::ALL_INDEXES {
            txn.open_multimap_table(index)?;
        }
        txn.open_table(tables::BATCH_BY_SOURCE)?;
        txn.open_table(tables::BATCHES)?;
        txn.open_table(tables::CONTROL_LISTS)?;
        txn.open_table(tables::AUDIT)?;
        txn.open_table(tables::PLUGINS)?;
        txn.open_table(tables::PLUGIN_WASM)?;
        txn.open_table(tables::WITHHOLDINGS)?;
        txn.open_table(tables::FINDINGS)?;
        Ok(())
    }

    /// Appends one entry to the audit log inside `txn`, chained to the current head.
    fn append_audit(
        &self,
        txn: &WriteTransaction,
        actor: &str,
        action: AuditAction,
        subject: &str,
        details: serde_json::Value,
    ) -> Result<AuditEntry, StoreError> {
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

    // -----------------------------------------------------------------------------------
    // Records
    // -----------------------------------------------------------------------------------

    /// The current revision of a record.
    pub fn get(&self, id: RecordId) -> Result<Option<StoredRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let records = txn.open_table(tables::RECORDS)?;
        let Some(revision) = records.get(&id.0)?.map(|v| v.value()) else {
            return Ok(None);
        };
        let revisions = txn.open_table(tables::REVISIONS)?;
        let bytes = revisions.get((&id.0, revision))?.ok_or_else(|| {
            StoreError::Corrupted(format!("record {id} has no revision {revision}"))
        })?;
        Ok(Some(crate::model::decode_revision(bytes.value())?))
    }

    /// Every revision of a record, oldest first.
    pub fn history(&self, id: RecordId) -> Result<Vec<StoredRecord>, StoreError> {
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
    pub fn resolve_id(&self, prefix: &str) -> Result<RecordId, StoreError> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if let Some(id) = RecordId::from_hex(&prefix) {
            return Ok(id);
        }
        if prefix.len() < 6 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::UnknownRecord(prefix));
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
            [] => Err(StoreError::UnknownRecord(prefix)),
            _ => Err(StoreError::AmbiguousId {
                prefix,
                count: found.len(),
            }),
        }
    }

    pub fn batch(&self, batch: u64) -> Result<Option<BatchInfo>, StoreError> {
        let txn = self.db.begin_read()?;
        let batches = txn.open_table(tables::BATCHES)?;
        match batches.get(batch)? {
            Some(bytes) => Ok(Some(serde_json::from_slice(bytes.value())?)),
            None => Ok(None),
        }
    }

    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let txn = self.db.begin_read()?;
        let audit = txn.open_table(tables::AUDIT)?;
        let mut entries = Vec::new();
        for entry in audit.iter()? {
            entries.push(serde_json::from_slice(entry?.1.value())?);
        }
        Ok(entries)
    }

    pub fn stats(&self) -> Result<Stats, StoreError> {
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

    // -----------------------------------------------------------------------------------
    // Control lists
    // -----------------------------------------------------------------------------------

    /// Every control list version in the store, oldest first.
    /// The control lists, from the cache or read in `txn` (and then cached).
    fn control_lists_in(
        &self,
        txn: &redb::ReadTransaction,
    ) -> Result<std::sync::Arc<ControlLists>, StoreError> {
        if let Ok(cache) = self.control_lists_cache.lock()
            && let Some(lists) = cache.as_ref()
        {
            return Ok(lists.clone());
        }
        let lists =
            std::sync::Arc::new(read_control_lists(&txn.open_table(tables::CONTROL_LISTS)?)?);
        if let Ok(mut cache) = self.control_lists_cache.lock() {
            *cache = Some(lists.clone());
        }
        Ok(lists)
    }

    pub fn control_lists(&self) -> Result<ControlLists, StoreError> {
        let txn = self.db.begin_read()?;
        read_control_lists(&txn.open_table(tables::CONTROL_LISTS)?)
    }

    /// Adds a control list version after checking that its version number is honest about
    /// its changes (see [`ControlLists::check_new_version`]).
    pub fn import_control_list(
        &self,
        list: ControlList,
        source: &SourceFile,
        actor: &str,
    ) -> Result<ControlListOutcome, StoreError> {
        let txn = self.begin_write()?;
        let existing = read_control_lists(&txn.open_table(tables::CONTROL_LISTS)?)?;
        let refused = |message: String| StoreError::ControlList {
            name: list.name.clone(),
            version: list.version.to_string(),
            message,
        };
        match existing.check_new_version(&list) {
            Ok(crate::control_list::NewVersion::AlreadyPresent) => {
                return Ok(ControlListOutcome::AlreadyPresent);
            }
            Ok(_) => {}
            Err(violation) => return Err(refused(violation.to_string())),
        }
        let bytes = serde_json::to_vec(&list)?;
        txn.open_table(tables::CONTROL_LISTS)?
            .insert(list.version.to_string().as_str(), bytes.as_slice())?;
        self.append_audit(
            &txn,
            actor,
            AuditAction::ControlListImport,
            &format!("{} {}", list.name, list.version),
            serde_json::json!({
                "version": list.version.to_string(),
                "valid_from": list.valid_from.to_string(),
                "entries": list.entries.len(),
                "source_file": source.name,
                "source_sha256": source.sha256,
                "content_sha256": crate::model::sha256_hex(&bytes),
            }),
        )?;
        txn.commit()?;
        if let Ok(mut cache) = self.control_lists_cache.lock() {
            *cache = None;
        }
        Ok(ControlListOutcome::Imported)
    }

    // -----------------------------------------------------------------------------------
    // Plugins
    // -----------------------------------------------------------------------------------

    /// Registers a plugin. The bytes are kept for as long as the store lives, so every
    /// record's provenance can be replayed against the exact code that made it; that holds
    /// for the bytes of an upgraded, replaced or removed plugin too. The audit entry's
    /// details: `name`, `version`, `interface_version`, `wasm_sha256`, `previous_version`
    /// and `previous_wasm_sha256` (null for a first install), and `replaced` (true when
    /// other bytes under the same version took the place of the installed ones).
    pub fn install_plugin(
        &self,
        plugin: PluginRecord,
        wasm: &[u8],
        actor: &str,
        rebuilt: RebuiltBinary,
    ) -> Result<InstallOutcome, StoreError> {
        let txn = self.begin_write()?;
        let previous: Option<PluginRecord> = {
            let plugins = txn.open_table(tables::PLUGINS)?;
            let bytes = plugins.get(plugin.name.as_str())?;
            match bytes {
                Some(bytes) => Some(serde_json::from_slice(bytes.value())?),
                None => None,
            }
        };
        let outcome = match &previous {
            Some(old) if old.wasm_sha256 == plugin.wasm_sha256 => {
                return Ok(InstallOutcome::AlreadyInstalled);
            }
            Some(old) if old.version == plugin.version => match rebuilt {
                RebuiltBinary::Replace => InstallOutcome::Replaced {
                    previous_wasm_sha256: old.wasm_sha256.clone(),
                },
                RebuiltBinary::Refuse => {
                    return Err(StoreError::Plugin {
                        name: plugin.name.clone(),
                        message: format!(
                            "version {} is already installed with different bytes (sha256 {} vs {}); \
                             a changed plugin must carry a new version number, or, for a plugin \
                             rebuilt during development, install it with --replace (the old \
                             bytes are kept for the records imported with them)",
                            plugin.version, old.wasm_sha256, plugin.wasm_sha256
                        ),
                    });
                }
            },
            Some(old) => InstallOutcome::Upgraded {
                previous_version: old.version.clone(),
            },
            None => InstallOutcome::Installed,
        };
        txn.open_table(tables::PLUGIN_WASM)?
            .insert(plugin.wasm_sha256.as_str(), wasm)?;
        txn.open_table(tables::PLUGINS)?.insert(
            plugin.name.as_str(),
            serde_json::to_vec(&plugin)?.as_slice(),
        )?;
        self.append_audit(
            &txn,
            actor,
            AuditAction::PluginInstall,
            &format!("{}@{}", plugin.name, plugin.version),
            serde_json::json!({
                "name": plugin.name,
                "version": plugin.version,
                "interface_version": plugin.interface_version,
                "wasm_sha256": plugin.wasm_sha256,
                "previous_version": previous.as_ref().map(|p| &p.version),
                "previous_wasm_sha256": previous.as_ref().map(|p| &p.wasm_sha256),
                "replaced": matches!(outcome, InstallOutcome::Replaced { .. }),
            }),
        )?;
        txn.commit()?;
        Ok(outcome)
    }

    pub fn plugins(&self) -> Result<Vec<PluginRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let plugins = txn.open_table(tables::PLUGINS)?;
        let mut all = Vec::new();
        for entry in plugins.iter()? {
            all.push(serde_json::from_slice(entry?.1.value())?);
        }
        Ok(all)
    }

    pub fn plugin(&self, name: &str) -> Result<Option<PluginRecord>, StoreError> {
        let txn = self.db.begin_read()?;
        let plugins = txn.open_table(tables::PLUGINS)?;
        match plugins.get(name)? {
            Some(bytes) => Ok(Some(serde_json::from_slice(bytes.value())?)),
            None => Ok(None),
        }
    }

    pub fn plugin_wasm(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read()?;
        let blobs = txn.open_table(tables::PLUGIN_WASM)?;
        Ok(blobs.get(sha256)?.map(|bytes| bytes.value().to_vec()))
    }

    /// The stored binary whose SHA-256 (lowercase hex) starts with `prefix`, with its full
    /// hash: installed or not, as a record's provenance names it.
    pub fn find_plugin_wasm(&self, prefix: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let txn = self.db.begin_read()?;
        let blobs = txn.open_table(tables::PLUGIN_WASM)?;
        // Keys are sorted: the matches are the run that starts at `prefix`.
        let mut matches = Vec::new();
        for entry in blobs.range(prefix..)? {
            let (hash, _) = entry?;
            if !hash.value().starts_with(prefix) {
                break;
            }
            matches.push(hash.value().to_owned());
        }
        match matches.as_slice() {
            [] => Ok(None),
            [hash] => Ok(blobs
                .get(hash.as_str())?
                .map(|bytes| (hash.clone(), bytes.value().to_vec()))),
            _ => Err(StoreError::Plugin {
                name: format!("sha256:{prefix}"),
                message: format!(
                    "matches {} stored binaries; give more characters",
                    matches.len()
                ),
            }),
        }
    }

    /// Unregisters a plugin; its bytes stay, as evidence for the records it made.
    pub fn remove_plugin(&self, name: &str, actor: &str) -> Result<PluginRecord, StoreError> {
        let txn = self.begin_write()?;
        let removed: PluginRecord = {
            let mut plugins = txn.open_table(tables::PLUGINS)?;
            let bytes = plugins.remove(name)?.ok_or_else(|| StoreError::Plugin {
                name: name.to_owned(),
                message: "is not installed".to_owned(),
            })?;
            serde_json::from_slice(bytes.value())?
        };
        self.append_audit(
            &txn,
            actor,
            AuditAction::PluginRemove,
            &format!("{}@{}", removed.name, removed.version),
            serde_json::json!({ "name": removed.name, "wasm_sha256": removed.wasm_sha256 }),
        )?;
        txn.commit()?;
        Ok(removed)
    }

    // -----------------------------------------------------------------------------------
    // Verification
    // -----------------------------------------------------------------------------------

    /// Recomputes the audit chain and checks every revision against it.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let txn = self.db.begin_read()?;
        let mut report = VerifyReport::default();
        let mut batch_digests = std::collections::BTreeMap::new();
        let mut control_list_digests = std::collections::BTreeMap::new();

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

        // Every revision must be unmodified and belong to an audited batch.
        let revisions = txn.open_table(tables::REVISIONS)?;
        for entry in revisions.iter()? {
            let (key, bytes) = entry?;
            report.revisions += 1;
            let (id, revision) = key.value();
            let id = RecordId(*id);
            let (record, hash): (StoredRecord, String) = match (
                crate::model::decode_revision(bytes.value()),
                crate::model::stored_content_hash(bytes.value()),
            ) {
                (Ok(record), Ok(hash)) => (record, hash),
                (Err(error), _) | (_, Err(error)) => {
                    report.problems.push(format!(
                        "record {id} revision {revision}: unreadable: {error}"
                    ));
                    continue;
                }
            };
            // The hash is recomputed from the draft's bytes as written, so revisions of
            // every record schema verify alike.
            if hash != record.content_hash || record.id != id {
                report.problems.push(format!(
                    "record {id} revision {revision}: content does not match its hash (record was edited)"
                ));
            }
            match batch_digests.get_mut(&record.provenance.batch) {
                Some((_, digest)) => digest.add(id, revision, &record.content_hash),
                None => report.problems.push(format!(
                    "record {id} revision {revision}: written by batch {} which the audit log does not know",
                    record.provenance.batch
                )),
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

fn read_control_lists(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<ControlLists, StoreError> {
    let mut versions = Vec::new();
    for entry in table.iter()? {
        let list: ControlList = serde_json::from_slice(entry?.1.value())?;
        versions.push(list);
    }
    versions.sort_by(|a, b| a.version.cmp(&b.version));
    Ok(ControlLists { versions })
}

fn open_error(path: &Path, error: redb::DatabaseError) -> StoreError {
    match error {
        redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Locked {
            path: path.to_owned(),
        },
        redb::DatabaseError::Storage(redb::StorageError::Corrupted(detail)) => {
            StoreError::Corrupted(detail)
        }
        redb::DatabaseError::Storage(redb::StorageError::Io(io))
            if io.kind() == std::io::ErrorKind::InvalidData =>
        {
            StoreError::NotAStore {
                path: path.to_owned(),
                reason: io.to_string(),
            }
        }
        other => StoreError::NotAStore {
            path: path.to_owned(),
            reason: other.to_string(),
        },
    }
}

/// Kinds as they appear in indexes and stats.
pub fn kind_key(kind: RecordKind) -> &'static str {
    kind.as_str()
}
