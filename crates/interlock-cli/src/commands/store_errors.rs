//! The exit code of each store error, as `interlock --help` documents them (`EXIT_CODES` in
//! `main.rs`). Every match names every variant, with no wildcard: a variant added to an
//! error family in interlock-core does not compile here until someone decides its code.

use interlock_core::store::{
    ControlListError, FindingError, ImportError, MigrateError, OpenError, PluginError, ReadError,
    RegistryError, StorageError, WithholdError,
};

use super::{EXIT_FAILURE, EXIT_INTEGRITY, EXIT_NOT_FOUND, EXIT_REFUSED, Failure};

/// An error whose exit code is decided here.
pub trait HasExitCode {
    fn exit_code(&self) -> u8;
}

impl HasExitCode for StorageError {
    fn exit_code(&self) -> u8 {
        match self {
            StorageError::Database(_) | StorageError::Encoding(_) => EXIT_FAILURE,
            StorageError::Corrupted(_) => EXIT_INTEGRITY,
        }
    }
}

impl HasExitCode for OpenError {
    fn exit_code(&self) -> u8 {
        match self {
            OpenError::NotFound { .. } => EXIT_NOT_FOUND,
            // An older store is a failure (5), not a refusal: `interlock migrate` fixes it.
            OpenError::AlreadyExists { .. }
            | OpenError::NotAStore { .. }
            | OpenError::NewerSchema { .. }
            | OpenError::NeedsMigration { .. }
            | OpenError::Locked { .. } => EXIT_FAILURE,
            OpenError::Storage(error) => error.exit_code(),
        }
    }
}

impl HasExitCode for MigrateError {
    fn exit_code(&self) -> u8 {
        match self {
            MigrateError::Open(error) => error.exit_code(),
            MigrateError::UnknownSchema { .. }
            | MigrateError::BackupExists { .. }
            | MigrateError::Backup { .. } => EXIT_FAILURE,
            MigrateError::Damaged { .. } => EXIT_INTEGRITY,
            MigrateError::Storage(error) => error.exit_code(),
        }
    }
}

impl HasExitCode for ReadError {
    fn exit_code(&self) -> u8 {
        match self {
            ReadError::UnknownRecord(_) | ReadError::UnknownFinding(_) => EXIT_NOT_FOUND,
            ReadError::AmbiguousId { .. }
            | ReadError::AmbiguousFindingId { .. }
            | ReadError::AmbiguousPluginHash { .. } => EXIT_REFUSED,
            ReadError::Storage(error) => error.exit_code(),
        }
    }
}

impl HasExitCode for ImportError {
    fn exit_code(&self) -> u8 {
        match self {
            ImportError::Invalid { .. } => EXIT_REFUSED,
            ImportError::Observer(_)
            | ImportError::Quarantine { .. }
            | ImportError::QuarantineNotRenamed { .. } => EXIT_FAILURE,
            ImportError::Storage(error) => error.exit_code(),
        }
    }
}

impl HasExitCode for ControlListError {
    fn exit_code(&self) -> u8 {
        match self {
            ControlListError::Refused { .. } => EXIT_REFUSED,
            ControlListError::Storage(error) => error.exit_code(),
        }
    }
}

impl HasExitCode for PluginError {
    fn exit_code(&self) -> u8 {
        match self {
            PluginError::SameVersionOtherBytes { .. } => EXIT_REFUSED,
            PluginError::NotInstalled { .. } => EXIT_NOT_FOUND,
            PluginError::Storage(error) => error.exit_code(),
        }
    }
}

impl HasExitCode for RegistryError {
    fn exit_code(&self) -> u8 {
        match self {
            // Given on the command line rather than in a file, the first two are usage
            // errors instead: see `argument_error`.
            RegistryError::InvalidSettings(_)
            | RegistryError::InvalidAgency { .. }
            | RegistryError::AgencyExists(_)
            | RegistryError::InvalidDeadline { .. } => EXIT_REFUSED,
            RegistryError::UnknownAgency(_) | RegistryError::UnknownDeadline(_) => EXIT_NOT_FOUND,
            RegistryError::Storage(error) => error.exit_code(),
        }
    }
}

impl HasExitCode for WithholdError {
    fn exit_code(&self) -> u8 {
        match self {
            WithholdError::UnknownRecord(_) | WithholdError::NotWithheld(_) => EXIT_NOT_FOUND,
            WithholdError::Invalid { .. } => EXIT_REFUSED,
            WithholdError::Storage(error) => error.exit_code(),
        }
    }
}

impl HasExitCode for FindingError {
    fn exit_code(&self) -> u8 {
        match self {
            FindingError::InvalidChange(_) => EXIT_REFUSED,
            FindingError::Read(error) => error.exit_code(),
            FindingError::Storage(error) => error.exit_code(),
        }
    }
}

/// `?` on a store call gives the command's [`Failure`]: the error's message and its code.
macro_rules! failure_from {
    ($($family:ty),* $(,)?) => {$(
        impl From<$family> for Failure {
            fn from(error: $family) -> Failure {
                Failure::new(error.exit_code(), error)
            }
        }
    )*};
}
failure_from!(
    StorageError,
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::commands::EXIT_USAGE;

    fn corrupted() -> StorageError {
        StorageError::Corrupted("the revision log has no revision at batch 1 #0".to_owned())
    }

    /// One representative variant per family, with the code `interlock --help` promises;
    /// a family's `Storage` variant takes the code of its cause.
    #[test]
    fn every_family_maps_to_its_documented_exit_code() {
        let path = PathBuf::from("interlock.redb");
        let cases: Vec<(&str, Failure, u8)> = vec![
            ("storage: damaged", corrupted().into(), EXIT_INTEGRITY),
            (
                "open: no store",
                OpenError::NotFound { path: path.clone() }.into(),
                EXIT_NOT_FOUND,
            ),
            (
                "open: older store",
                OpenError::NeedsMigration {
                    path: path.clone(),
                    found: 1,
                    current: 2,
                }
                .into(),
                EXIT_FAILURE,
            ),
            (
                "open: damaged",
                OpenError::Storage(corrupted()).into(),
                EXIT_INTEGRITY,
            ),
            (
                "migrate: backup exists",
                MigrateError::BackupExists { path: path.clone() }.into(),
                EXIT_FAILURE,
            ),
            (
                "migrate: damaged",
                MigrateError::Damaged {
                    detail: "record 00 has no revision 1".to_owned(),
                }
                .into(),
                EXIT_INTEGRITY,
            ),
            (
                "migrate: no store",
                MigrateError::Open(OpenError::NotFound { path }).into(),
                EXIT_NOT_FOUND,
            ),
            (
                "read: unknown record",
                ReadError::UnknownRecord("abcdef".to_owned()).into(),
                EXIT_NOT_FOUND,
            ),
            (
                "read: ambiguous id",
                ReadError::AmbiguousId {
                    prefix: "abcdef".to_owned(),
                    count: 2,
                }
                .into(),
                EXIT_REFUSED,
            ),
            (
                "import: invalid source",
                ImportError::Invalid {
                    diagnostics: Vec::new(),
                    total: 1,
                }
                .into(),
                EXIT_REFUSED,
            ),
            (
                "import: damaged",
                ImportError::Storage(corrupted()).into(),
                EXIT_INTEGRITY,
            ),
            (
                "control list: refused",
                ControlListError::Refused {
                    name: "UK".to_owned(),
                    version: "1.0.0".to_owned(),
                    message: "already present".to_owned(),
                }
                .into(),
                EXIT_REFUSED,
            ),
            (
                "plugin: not installed",
                PluginError::NotInstalled {
                    name: "customs-csv".to_owned(),
                }
                .into(),
                EXIT_NOT_FOUND,
            ),
            (
                "registry: unknown agency",
                RegistryError::UnknownAgency("police".to_owned()).into(),
                EXIT_NOT_FOUND,
            ),
            (
                "registry: agency exists",
                RegistryError::AgencyExists("customs".to_owned()).into(),
                EXIT_REFUSED,
            ),
            (
                "withhold: no reason",
                WithholdError::Invalid {
                    id: "abcdef".to_owned(),
                    message: "give the reason for withholding it".to_owned(),
                }
                .into(),
                EXIT_REFUSED,
            ),
            (
                "finding: unknown id",
                FindingError::Read(ReadError::UnknownFinding("abcdef".to_owned())).into(),
                EXIT_NOT_FOUND,
            ),
            (
                "finding: no reason",
                FindingError::InvalidChange("give a reason for the change".to_owned()).into(),
                EXIT_REFUSED,
            ),
        ];
        for (case, failure, code) in cases {
            assert_eq!(failure.code, code, "{case}: {}", failure.message);
            assert!(!failure.message.is_empty(), "{case}: no message");
        }
    }

    /// The failure carries the error's own message, unchanged.
    #[test]
    fn failure_keeps_the_error_message() {
        let failure = Failure::from(ReadError::UnknownRecord("abcdef".to_owned()));
        assert_eq!(failure.message, "no record with id abcdef");
        let failure = Failure::from(OpenError::Storage(corrupted()));
        assert_eq!(
            failure.message,
            "the store is damaged: the revision log has no revision at batch 1 #0"
        );
    }

    /// Settings and agency ids given on the command line are usage errors (2); the rest of
    /// the registry family keeps its code.
    #[test]
    fn registry_refusals_of_arguments_are_usage_errors() {
        let failure = super::super::argument_error(RegistryError::InvalidSettings(vec![
            "reporting_state: `UK` is not an ISO 3166-1 code".to_owned(),
        ]));
        assert_eq!(failure.code, EXIT_USAGE);
        let failure =
            super::super::argument_error(RegistryError::UnknownAgency("police".to_owned()));
        assert_eq!(failure.code, EXIT_NOT_FOUND);
    }
}
