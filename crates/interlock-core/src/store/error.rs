//! The store's errors: one enum per family of operations, as redb has one per family
//! (`DatabaseError`, `TransactionError`, `CommitError`, ...), so that each operation says
//! exactly what can go wrong with it and a caller's `match` covers no impossible case.
//!
//! - open, [`OpenError`]: [`Store::create`], [`Store::open`], [`Store::open_checked`];
//! - migrate, [`MigrateError`]: [`Store::migrate`] (its opening fails as an [`OpenError`]);
//! - read, [`ReadError`]: every read (records, queries, batches, the audit log, stats,
//!   control lists, plugins, settings, agencies, deadlines, withholdings, findings) and
//!   [`Store::verify`], whose findings about the store are its report, not errors;
//! - import, [`ImportError`]: [`Store::begin_import`], [`Import::add`], [`Import::finish`];
//! - control list, [`ControlListError`]: [`Store::import_control_list`];
//! - plugin registry, [`PluginError`]: [`Store::install_plugin`], [`Store::remove_plugin`];
//! - registry, [`RegistryError`]: writes of the settings, agencies and deadlines
//!   ([`crate::registry`]);
//! - withhold, [`WithholdError`]: [`Store::withhold`], [`Store::release_withholding`];
//! - findings, [`FindingError`]: [`Store::run_checks`], [`Store::set_finding_state`] (its
//!   reads fail as a [`ReadError`]).
//!
//! What can fail under any of them (redb, the stored JSON, a damaged file) is one shared
//! cause, [`StorageError`], which every family wraps in its `Storage` variant, as redb's
//! families wrap its `StorageError`. Messages are the record manager's: they say what is
//! wrong and, where there is one, what to do about it.

use std::path::PathBuf;

use crate::diagnostic::Diagnostic;

#[cfg(doc)]
use super::{Import, ImportObserver, MAX_REPORTED_PROBLEMS, Store};

/// What can go wrong underneath any store operation.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// redb could not read or write the file (an I/O error, a full disk, ...).
    #[error("store I/O error: {0}")]
    Database(#[from] redb::Error),
    /// A stored value could not be encoded or decoded.
    #[error("store encoding error: {0}")]
    Encoding(#[from] serde_json::Error),
    /// The file holds something interlock never writes (a record without its revision, a
    /// batch the batches table lacks, a page redb's checksum refuses).
    #[error("the store is damaged: {0}")]
    Corrupted(String),
}

macro_rules! redb_error_into_storage_error {
    ($($error:ty),*) => {$(
        impl From<$error> for StorageError {
            fn from(error: $error) -> StorageError {
                StorageError::Database(error.into())
            }
        }
    )*};
}
redb_error_into_storage_error!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// Lets `?` turn redb's and serde_json's errors straight into a family's `Storage` variant.
macro_rules! storage_causes_into {
    ($($family:ident),* $(,)?) => {$(
        storage_causes_into!(@causes $family:
            redb::Error,
            redb::DatabaseError,
            redb::TransactionError,
            redb::TableError,
            redb::StorageError,
            redb::CommitError,
            serde_json::Error,
            super::revision::RevisionFormatError
        );
    )*};
    (@causes $family:ident: $($cause:ty),*) => {$(
        impl From<$cause> for $family {
            fn from(error: $cause) -> $family {
                $family::Storage(StorageError::from(error))
            }
        }
    )*};
}
storage_causes_into!(
    OpenError,
    MigrateError,
    ReadError,
    ImportError,
    ControlListError,
    PluginError,
    RegistryError,
    WithholdError,
    FindingError,
);

/// Creating or opening a store.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// There is no file at the path.
    #[error("no interlock store at {}; create one with `interlock init`", .path.display())]
    NotFound { path: PathBuf },
    /// `interlock init` on a path where a file already is.
    #[error("{} already exists; refusing to overwrite it", .path.display())]
    AlreadyExists { path: PathBuf },
    /// The file is not an interlock store: another redb file, or not redb at all.
    #[error("{} is not an interlock store ({reason})", .path.display())]
    NotAStore { path: PathBuf, reason: String },
    /// The store was written by a newer interlock, whose layout this build cannot read.
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
    /// Another process has the store open (redb locks the file).
    #[error("{} is in use by another interlock process; try again when it has finished", .path.display())]
    Locked { path: PathBuf },
    /// The file could not be read, or its pages fail redb's checksums.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Upgrading a store to the current layout (`interlock migrate`).
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The store could not be opened (missing, locked, not a store, newer than this build).
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The store's schema is one no interlock wrote, so there is no migration from it.
    #[error(
        "{} is not an interlock store (store schema {found} is not one interlock ever wrote)",
        .path.display()
    )]
    UnknownSchema { path: PathBuf, found: u32 },
    /// `interlock migrate --backup FILE` names a file that exists; nothing was migrated.
    #[error("{} already exists; refusing to overwrite it", .path.display())]
    BackupExists { path: PathBuf },
    /// `interlock migrate --backup FILE` could not write the copy; nothing was migrated.
    #[error("cannot write the backup {}: {source}; nothing was migrated", .path.display())]
    Backup {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The store holds something interlock never writes (a revision whose provenance is not
    /// its batch's, a record without its revision): it was edited outside interlock, and
    /// nothing was migrated. `interlock audit verify` on the unmigrated store says more.
    #[error(
        "the store cannot be migrated, it was changed outside interlock: {detail}; nothing was migrated"
    )]
    Damaged { detail: String },
    /// The store could not be read or rewritten.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Reading the store: records, queries, batches, the audit log, control lists, plugins,
/// the registry, withholdings, findings, and `audit verify` (whose findings about the
/// store's integrity are its report, not errors).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No record has this id, or the text given is too short or not hex.
    #[error("no record with id {0}")]
    UnknownRecord(String),
    /// A record id prefix that more than one record starts with.
    #[error("id prefix `{prefix}` matches {count} records; give more characters")]
    AmbiguousId { prefix: String, count: usize },
    /// No stored finding has this id (prefix).
    #[error("no finding with id {0}; `interlock finding list` shows them")]
    UnknownFinding(String),
    /// A finding id prefix that more than one finding starts with.
    #[error("id prefix `{prefix}` matches {count} findings; give more characters")]
    AmbiguousFindingId { prefix: String, count: usize },
    /// A plugin binary hash prefix that more than one stored binary starts with.
    #[error("plugin sha256:{prefix}: matches {count} stored binaries; give more characters")]
    AmbiguousPluginHash { prefix: String, count: usize },
    /// The store could not be read.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Importing a source file's records.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The source has problems; the import wrote nothing.
    #[error("{} {} in the source; nothing was imported", .total, if *.total == 1 { "problem" } else { "problems" })]
    Invalid {
        /// The first [`MAX_REPORTED_PROBLEMS`] problems, in source order.
        diagnostics: Vec<Diagnostic>,
        /// How many problems there were in all.
        total: u64,
    },
    /// The store could not be read or written; the import wrote nothing.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The [`ImportObserver`] could not take a diagnostic (e.g. the report file could not
    /// be written).
    #[error("{0}; nothing was imported")]
    Observer(std::io::Error),
    /// The quarantine file could not be written.
    #[error("cannot write the quarantine file {}: {source}; nothing was imported", .path.display())]
    Quarantine {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The import committed, but its finished quarantine file could not be renamed into
    /// place; it was kept under its temporary name.
    #[error(
        "batch {batch} was imported, but its quarantine file could not be renamed to {}: {source}; \
         the quarantined rows are in {}",
        .path.display(),
        .kept.display()
    )]
    QuarantineNotRenamed {
        batch: u64,
        path: PathBuf,
        kept: PathBuf,
        source: std::io::Error,
    },
}

/// Importing a control list version.
#[derive(Debug, thiserror::Error)]
pub enum ControlListError {
    /// The version was refused: its number does not match its changes against the
    /// versions already in the store, or the same number is there with other content.
    #[error("control list {name} {version}: {message}")]
    Refused {
        name: String,
        version: String,
        message: String,
    },
    /// The store could not be read or written; nothing was imported.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Installing and removing plugins.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// Other bytes under the installed version, without `--replace`: a changed plugin must
    /// carry a new version number, so that a version names one binary.
    #[error(
        "plugin {name}: version {version} is already installed with different bytes (sha256 {installed_sha256} vs {new_sha256}); \
         a changed plugin must carry a new version number, or, for a plugin rebuilt during development, \
         install it with --replace (the old bytes are kept for the records imported with them)"
    )]
    SameVersionOtherBytes {
        name: String,
        version: String,
        installed_sha256: String,
        new_sha256: String,
    },
    /// Removing a plugin that is not installed.
    #[error("plugin {name}: is not installed")]
    NotInstalled { name: String },
    /// The store could not be read or written; nothing was changed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Changing the settings, the agencies or the deadlines ([`crate::registry`]). Nothing is
/// written when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
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
    /// The store could not be read or written.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Withholding a record from public reports, or releasing it.
#[derive(Debug, thiserror::Error)]
pub enum WithholdError {
    /// No record has this id.
    #[error("no record with id {0}")]
    UnknownRecord(String),
    /// A withholding was refused: no reason given, or a field the record does not have.
    #[error("cannot withhold record {id}: {message}")]
    Invalid { id: String, message: String },
    /// Releasing a withholding from a record that has none.
    #[error("record {0} is not withheld")]
    NotWithheld(String),
    /// The store could not be read or written; nothing was changed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Running the cross-checks and reviewing their findings.
#[derive(Debug, thiserror::Error)]
pub enum FindingError {
    /// A state change was refused: no reason given, or the finding is already in that state.
    #[error("{0}")]
    InvalidChange(String),
    /// Reading the records or the finding failed, or no finding (or several) has the id
    /// given.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The store could not be written; nothing was changed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}
