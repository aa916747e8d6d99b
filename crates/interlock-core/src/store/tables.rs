//! Table definitions: the store's on-disk layout. Changing a definition here changes the
//! file format, which needs a [`super::SCHEMA_VERSION`] bump.

use redb::TableDefinition;

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

/// Secondary indexes as posting lists: (index number, key text, batch, part) → sequence
/// numbers of the batch's revisions under that key; [`super::postings`] has the layout.
/// They only narrow a query: every query re-checks its filters on the record itself, so
/// they can be rebuilt from the revision log. Store schema 3; schemas 1 and 2 had one
/// multimap table of text key → record ids per index (`index_kind` ...).
pub const POSTINGS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("postings");
/// `kind:KIND` and `agency:AGENCY` → the number of records of that kind or agency (a
/// record's kind and agency never change): what `interlock stats` shows.
pub const RECORD_COUNTS: TableDefinition<&str, u64> = TableDefinition::new("record_counts");

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
