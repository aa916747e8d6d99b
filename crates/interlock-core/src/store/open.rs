//! Creating and opening a store: the file must be an interlock store of a schema this build
//! reads, and not in use by another process.

use std::path::Path;
use std::sync::Mutex;

use redb::{Database, ReadableDatabase, WriteTransaction};

use super::{OpenError, SCHEMA_VERSION, StorageError, Store, tables};
use crate::audit::AuditAction;

/// redb's page cache: read cache and write buffer together. redb holds an import's dirty
/// pages in the write buffer until it passes half of this, then writes them to the file
/// (uncommitted, so a crash still loses them whole), which keeps an import's memory
/// bounded whatever the file's size. redb's default, 1 GiB, let one 114 MB customs file
/// take 938 MB; `cargo xtask bench import` prints the peak beside the time.
const CACHE_BYTES: usize = 128 * 1024 * 1024;

/// The `format` value in the meta table: what tells an interlock store from another redb file.
const FORMAT_TAG: &[u8] = b"interlock-store";

impl Store {
    /// Creates a new, empty store. Refuses to touch an existing file.
    pub fn create(path: &Path, actor: &str) -> Result<Store, OpenError> {
        Self::create_with_fixed_time(path, actor, None)
    }

    /// [`Store::create`] with every timestamp pinned (see [`Store::set_fixed_time`]).
    pub fn create_with_fixed_time(
        path: &Path,
        actor: &str,
        fixed_time: Option<jiff::Timestamp>,
    ) -> Result<Store, OpenError> {
        if path.exists() {
            return Err(OpenError::AlreadyExists {
                path: path.to_owned(),
            });
        }
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(path)
            .map_err(|e| open_error(path, e))?;
        let store = Store {
            db,
            path: path.to_owned(),
            fixed_time: Mutex::new(fixed_time),
            control_lists_cache: Mutex::new(None),
            batch_sources: Default::default(),
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
    pub fn open(path: &Path) -> Result<Store, OpenError> {
        Self::open_with(path, false)
    }

    /// Opens a store after redb has verified the checksum of every page: slower, but a
    /// file damaged outside redb is reported instead of trusted. Used by `audit verify`.
    pub fn open_checked(path: &Path) -> Result<Store, OpenError> {
        Self::open_with(path, true)
    }

    /// Opens a store of any schema this build knows, without the "needs migration" check
    /// of [`Store::open`]: only a migration may touch an older store.
    pub(super) fn open_any_schema(path: &Path, check_integrity: bool) -> Result<Store, OpenError> {
        if !path.exists() {
            return Err(OpenError::NotFound {
                path: path.to_owned(),
            });
        }
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .set_check_integrity_on_open(check_integrity)
            .open(path)
            .map_err(|e| open_error(path, e))?;
        Ok(Store {
            db,
            path: path.to_owned(),
            fixed_time: Mutex::new(None),
            control_lists_cache: Mutex::new(None),
            batch_sources: Default::default(),
        })
    }

    fn open_with(path: &Path, check_integrity: bool) -> Result<Store, OpenError> {
        let store = Self::open_any_schema(path, check_integrity)?;
        let found = store.check_format()?;
        if found < SCHEMA_VERSION {
            return Err(OpenError::NeedsMigration {
                path: path.to_owned(),
                found,
                current: SCHEMA_VERSION,
            });
        }
        Ok(store)
    }

    /// Checks that the file is an interlock store no newer than this build; returns its
    /// schema version.
    pub(super) fn check_format(&self) -> Result<u32, OpenError> {
        let not_a_store = |reason: &str| OpenError::NotAStore {
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
            return Err(OpenError::NewerSchema {
                path: self.path.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(version)
    }

    pub(super) fn create_all_tables(&self, txn: &WriteTransaction) -> Result<(), StorageError> {
        txn.open_table(tables::RECORDS)?;
        txn.open_table(tables::REVISIONS)?;
        let mut dictionaries = txn.open_table(tables::DICTIONARIES)?;
        for (id, dictionary) in super::revision::dictionaries() {
            dictionaries.insert(id, dictionary)?;
        }
        drop(dictionaries);
        txn.open_table(tables::POSTINGS)?;
        txn.open_table(tables::RECORD_COUNTS)?;
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
}

fn open_error(path: &Path, error: redb::DatabaseError) -> OpenError {
    match error {
        redb::DatabaseError::DatabaseAlreadyOpen => OpenError::Locked {
            path: path.to_owned(),
        },
        redb::DatabaseError::Storage(redb::StorageError::Corrupted(detail)) => {
            OpenError::Storage(StorageError::Corrupted(detail))
        }
        redb::DatabaseError::Storage(redb::StorageError::Io(io))
            if io.kind() == std::io::ErrorKind::InvalidData =>
        {
            OpenError::NotAStore {
                path: path.to_owned(),
                reason: io.to_string(),
            }
        }
        other => OpenError::NotAStore {
            path: path.to_owned(),
            reason: other.to_string(),
        },
    }
}
