//! Table definitions: the store's on-disk layout. Changing a definition here changes the
//! file format, which needs a [`super::SCHEMA_VERSION`] bump.

use redb::{MultimapTableDefinition, TableDefinition};

/// `format` → `interlock-store`, `schema_version` → u32 (big endian), `audit_head` → JSON.
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// Record id → its current revision: (revision number, batch, sequence number), the last two
/// being where the revision is in [`REVISIONS`]. Store schema 3; schema 1 and 2 had
/// `records` (id → revision number).
pub const RECORDS: TableDefinition<&[u8; 16], (u32, u64, u32)> =
    TableDefinition::new("record_heads");
/// (batch, sequence number within the batch) → one revision in the
/// [`super::revision`] format. Append-only: written in the order an import writes, never
/// updated or deleted. Store schema 3; schema 1 and 2 had `revisions` ((id, revision) →
/// JSON).
pub const REVISIONS: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("revision_log");
/// Dictionary id → the zstd dictionary revisions name ([`super::revision::dictionary`]): a
/// copy of what this release compiles in, so the file alone says how to read it.
pub const DICTIONARIES: TableDefinition<u32, &[u8]> = TableDefinition::new("dictionaries");

/// Secondary indexes: a text key → record ids. They only speed queries up: every query
/// re-checks its filters on the record itself, so an index can be rebuilt from revisions.
pub const BY_KIND: MultimapTableDefinition<&str, &[u8; 16]> =
    MultimapTableDefinition::new("index_kind");
pub const BY_AGENCY: MultimapTableDefinition<&str, &[u8; 16]> =
    MultimapTableDefinition::new("index_agency");
/// Normalized serial number (see [`crate::model::normalize_serial`]).
pub const BY_SERIAL: MultimapTableDefinition<&str, &[u8; 16]> =
    MultimapTableDefinition::new("index_serial");
/// Authorization reference, for the licence itself and everything that cites it.
pub const BY_AUTHORIZATION: MultimapTableDefinition<&str, &[u8; 16]> =
    MultimapTableDefinition::new("index_authorization");
/// Normalized party name.
pub const BY_PARTY: MultimapTableDefinition<&str, &[u8; 16]> =
    MultimapTableDefinition::new("index_party");
/// `CC:YYYY`: a country the record involves, and the year of its event date.
pub const BY_COUNTRY_YEAR: MultimapTableDefinition<&str, &[u8; 16]> =
    MultimapTableDefinition::new("index_country_year");
/// `entry:ID:YYYY` and `att:CODE:YYYY`: control entries and ATT scopes, by year.
pub const BY_CATEGORY_YEAR: MultimapTableDefinition<&str, &[u8; 16]> =
    MultimapTableDefinition::new("index_category_year");
/// `YYYY-MM-DD` event date.
pub const BY_DATE: MultimapTableDefinition<&str, &[u8; 16]> =
    MultimapTableDefinition::new("index_date");

/// `adapter key` + `:` + source SHA-256 → batch number: the idempotence key of imports.
pub const BATCH_BY_SOURCE: TableDefinition<&str, u64> = TableDefinition::new("batch_by_source");
/// Batch number → [`super::BatchInfo`] as JSON.
pub const BATCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("batches");

/// Control list version (semver text) → [`crate::control_list::ControlList`] as JSON.
pub const CONTROL_LISTS: TableDefinition<&str, &[u8]> = TableDefinition::new("control_lists");

/// Sequence number → [`crate::audit::AuditEntry`] as JSON.
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");

/// Plugin name → [`super::PluginRecord`] as JSON.
pub const PLUGINS: TableDefinition<&str, &[u8]> = TableDefinition::new("plugins");
/// Wasm SHA-256 → the component bytes, kept after removal: provenance points at them.
pub const PLUGIN_WASM: TableDefinition<&str, &[u8]> = TableDefinition::new("plugin_wasm");

/// Finding id (hex) → [`super::findings::StoredFinding`] as JSON: cross-check findings and
/// their review state. Derived data plus reviewers' decisions; every change is audited.
pub const FINDINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("findings");

/// Record id → [`super::Withholding`] as JSON: the record's current withholding from public
/// reports (ATT Art. 13(3)), if any. Added in store schema 2. Only the current annotation is
/// kept here; every change, including releases, is in the audit log, which `audit verify`
/// replays against this table.
pub const WITHHOLDINGS: TableDefinition<&[u8; 16], &[u8]> = TableDefinition::new("withholdings");

// The registry tables (`super::registry`) are created by their first write, not by
// `interlock init` or a migration: a store without them reads as having no settings, no
// agencies and no deadlines, so adding them needed no new store schema. Every change to
// them is in the audit log, which `audit verify` replays against them.

/// `settings` → [`crate::registry::Settings`] as JSON: the reporting State's settings.
pub const SETTINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("settings");
/// (agency id, version) → [`crate::registry::RegisteredAgency`] as JSON: every version of
/// every registered agency; the highest version is the current one. Never updated or
/// deleted.
pub const AGENCIES: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("agencies");
/// Deadline name → [`crate::registry::Deadline`] as JSON: the national reporting deadlines.
pub const DEADLINES: TableDefinition<&str, &[u8]> = TableDefinition::new("deadlines");
