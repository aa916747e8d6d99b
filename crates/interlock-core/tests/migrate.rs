//! `Store::migrate` on stores written by earlier releases: `tests/fixtures/store-schema-1.redb`
//! (store schema 1, record schema 1) and `tests/fixtures/store-schema-2.redb` (store schema
//! 2, record schema 2) are the stores `cargo xtask demo` of those releases left behind.
//! Nothing they said may change: batches, control lists, plugins and the audit log stay
//! byte for byte, every revision reads back as it read before, and `audit verify` passes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use interlock_core::audit::AuditAction;
use interlock_core::model::{Body, CountryRole, RecordId};
use interlock_core::store::{
    MigrateError, MigrateOptions, MigrateOutcome, OpenError, Query, SCHEMA_VERSION, Store,
};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/store-schema-1.redb"
);
const FIXTURE_SCHEMA_2: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/store-schema-2.redb"
);

// The tables as the previous releases laid them out, read with raw redb.
const META: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("meta");
const RECORDS: redb::TableDefinition<&[u8; 16], u32> = redb::TableDefinition::new("records");
const REVISIONS: redb::TableDefinition<(&[u8; 16], u32), &[u8]> =
    redb::TableDefinition::new("revisions");
const BATCH_BY_SOURCE: redb::TableDefinition<&str, u64> =
    redb::TableDefinition::new("batch_by_source");
const BATCHES: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("batches");
const CONTROL_LISTS: redb::TableDefinition<&str, &[u8]> =
    redb::TableDefinition::new("control_lists");
const AUDIT: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("audit");
const PLUGINS: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("plugins");
const PLUGIN_WASM: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("plugin_wasm");
const BY_SERIAL: redb::MultimapTableDefinition<&str, &[u8; 16]> =
    redb::MultimapTableDefinition::new("index_serial");
const BY_AUTHORIZATION: redb::MultimapTableDefinition<&str, &[u8; 16]> =
    redb::MultimapTableDefinition::new("index_authorization");

/// A scratch copy of the fixture.
struct Scratch {
    dir: tempfile::TempDir,
    path: PathBuf,
}

fn scratch() -> Scratch {
    scratch_of(FIXTURE)
}

fn scratch_of(fixture: &str) -> Scratch {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("interlock.redb");
    std::fs::copy(fixture, &path).expect("copy the fixture");
    Scratch { dir, path }
}

/// Records and revisions as store schemas 1 and 2 kept them, read with raw redb.
#[derive(Debug, PartialEq)]
struct OldRecords {
    records: BTreeMap<[u8; 16], u32>,
    revisions: BTreeMap<([u8; 16], u32), Vec<u8>>,
}

fn read_old_records(path: &Path) -> OldRecords {
    use redb::ReadableDatabase;
    let db = redb::Database::open(path).expect("raw open");
    let txn = db.begin_read().expect("read");
    OldRecords {
        records: read_table(&txn, RECORDS, |id| *id, |revision| revision),
        revisions: read_table(
            &txn,
            REVISIONS,
            |(id, revision)| (*id, revision),
            |bytes: &[u8]| bytes.to_vec(),
        ),
    }
}

/// The revision log of a schema-3 store, raw.
fn revision_log(path: &Path) -> BTreeMap<(u64, u32), Vec<u8>> {
    use redb::ReadableDatabase;
    const LOG: redb::TableDefinition<(u64, u32), &[u8]> =
        redb::TableDefinition::new("revision_log");
    let db = redb::Database::open(path).expect("raw open");
    let txn = db.begin_read().expect("read");
    read_table(&txn, LOG, |key| key, |bytes: &[u8]| bytes.to_vec())
}

/// Everything a migration must keep byte for byte, read with raw redb.
#[derive(Debug, PartialEq)]
struct Kept {
    batch_by_source: BTreeMap<String, u64>,
    batches: BTreeMap<u64, Vec<u8>>,
    control_lists: BTreeMap<String, Vec<u8>>,
    audit: BTreeMap<u64, Vec<u8>>,
    plugins: BTreeMap<String, Vec<u8>>,
    plugin_wasm: BTreeMap<String, Vec<u8>>,
}

/// A whole table, its keys and values made owned by `key` and `value`.
fn read_table<K, V, KO, VO>(
    txn: &redb::ReadTransaction,
    table: redb::TableDefinition<K, V>,
    key: impl Fn(K::SelfType<'_>) -> KO,
    value: impl Fn(V::SelfType<'_>) -> VO,
) -> BTreeMap<KO, VO>
where
    K: redb::Key + 'static,
    V: redb::Value + 'static,
    KO: Ord,
{
    use redb::ReadableTable;
    let table = txn.open_table(table).expect("table");
    table
        .iter()
        .expect("iter")
        .map(|entry| {
            let (k, v) = entry.expect("entry");
            (key(k.value()), value(v.value()))
        })
        .collect()
}

fn read_kept(path: &Path) -> Kept {
    use redb::ReadableDatabase;
    let db = redb::Database::open(path).expect("raw open");
    let txn = db.begin_read().expect("read");
    let bytes = |v: &[u8]| v.to_vec();
    Kept {
        batch_by_source: read_table(&txn, BATCH_BY_SOURCE, str::to_owned, |batch| batch),
        batches: read_table(&txn, BATCHES, |batch| batch, bytes),
        control_lists: read_table(&txn, CONTROL_LISTS, str::to_owned, bytes),
        audit: read_table(&txn, AUDIT, |seq| seq, bytes),
        plugins: read_table(&txn, PLUGINS, str::to_owned, bytes),
        plugin_wasm: read_table(&txn, PLUGIN_WASM, str::to_owned, bytes),
    }
}

fn schema_version(path: &Path) -> u32 {
    use redb::ReadableDatabase;
    let db = redb::Database::open(path).expect("raw open");
    let txn = db.begin_read().expect("read");
    let meta = txn.open_table(META).expect("meta");
    let bytes = meta
        .get("schema_version")
        .expect("get")
        .expect("schema_version");
    u32::from_be_bytes(bytes.value().try_into().expect("4 bytes"))
}

/// An index of the previous release: key → record ids.
fn old_index(
    path: &Path,
    index: redb::MultimapTableDefinition<&str, &[u8; 16]>,
) -> BTreeMap<String, BTreeSet<RecordId>> {
    use redb::{ReadableDatabase, ReadableMultimapTable};
    let db = redb::Database::open(path).expect("raw open");
    let txn = db.begin_read().expect("read");
    let table = txn.open_multimap_table(index).expect("index");
    let mut all = BTreeMap::new();
    for entry in table.iter().expect("iter") {
        let (key, values) = entry.expect("entry");
        let ids = values
            .map(|v| RecordId(*v.expect("value").value()))
            .collect();
        all.insert(key.value().to_owned(), ids);
    }
    all
}

fn ids(records: &[interlock_core::StoredRecord]) -> BTreeSet<RecordId> {
    records.iter().map(|r| r.id).collect()
}

fn migrated(outcome: MigrateOutcome) -> interlock_core::store::Migration {
    match outcome {
        MigrateOutcome::Migrated(migration) => migration,
        other => panic!("expected a migration, got {other:?}"),
    }
}

#[test]
fn the_fixture_is_a_schema_1_store() {
    let scratch = scratch();
    assert_eq!(schema_version(&scratch.path), 1);
    let kept = read_kept(&scratch.path);
    let old = read_old_records(&scratch.path);
    assert!(!old.records.is_empty(), "the fixture holds records");
    assert!(!kept.batches.is_empty(), "the fixture holds import batches");
    assert!(
        !kept.control_lists.is_empty(),
        "the fixture holds control lists"
    );
    // Every revision was written with record schema 1.
    for bytes in old.revisions.values() {
        let value: serde_json::Value = serde_json::from_slice(bytes).expect("json");
        assert_eq!(value["schema_version"], 1);
    }
}

#[test]
fn a_schema_1_store_is_refused_with_a_pointer_to_migrate() {
    let scratch = scratch();
    for opened in [
        Store::open(&scratch.path),
        Store::open_checked(&scratch.path),
    ] {
        let error = opened.expect_err("a schema-1 store must be migrated first");
        match &error {
            OpenError::NeedsMigration {
                path,
                found,
                current,
            } => {
                assert_eq!(path, &scratch.path);
                assert_eq!((*found, *current), (1, SCHEMA_VERSION));
            }
            other => panic!("expected NeedsMigration, got {other:?}"),
        }
        let message = error.to_string();
        assert!(message.contains("interlock migrate"), "{message}");
        assert!(message.contains("store schema 1"), "{message}");
    }
    // Refusing it changed nothing.
    assert_eq!(schema_version(&scratch.path), 1);
}

#[test]
fn migration_keeps_everything_and_rebuilds_the_indexes() {
    migration_keeps_everything(FIXTURE, 1);
}

#[test]
fn a_schema_2_store_migrates_to_the_revision_log() {
    let scratch = scratch_of(FIXTURE_SCHEMA_2);
    assert_eq!(schema_version(&scratch.path), 2);
    drop(scratch);
    migration_keeps_everything(FIXTURE_SCHEMA_2, 2);
}

/// Migrates a copy of `fixture` (store schema `from`) and checks that nothing it said
/// changed.
fn migration_keeps_everything(fixture: &str, from: u32) {
    let scratch = scratch_of(fixture);
    let before = read_kept(&scratch.path);
    let old = read_old_records(&scratch.path);
    let old_revisions: BTreeMap<([u8; 16], u32), interlock_core::StoredRecord> = old
        .revisions
        .iter()
        .map(|(key, bytes)| {
            let record = interlock_core::model::decode_revision(bytes).expect("old revision");
            (*key, record)
        })
        .collect();
    let serials = old_index(&scratch.path, BY_SERIAL);
    let authorizations = old_index(&scratch.path, BY_AUTHORIZATION);
    assert!(!serials.is_empty() && !authorizations.is_empty());

    let migration = migrated(
        Store::migrate_with(
            &scratch.path,
            "migrator",
            &MigrateOptions {
                backup: None,
                fixed_time: Some("2026-11-29T08:00:00Z".parse().expect("time")),
            },
        )
        .expect("migrate"),
    );
    assert_eq!((migration.from, migration.to), (from, SCHEMA_VERSION));
    assert_eq!(migration.records, old.records.len() as u64);
    assert_eq!(migration.revisions, old.revisions.len() as u64);
    // The indexes are rebuilt as posting lists.
    assert!(migration.index_entries > 0);
    assert_eq!(migration.audit_seq, before.audit.len() as u64);
    assert_eq!(schema_version(&scratch.path), SCHEMA_VERSION);

    // Byte for byte: batches, control lists, plugins; the audit log only grew by the
    // migration's entry.
    let mut after = read_kept(&scratch.path);
    let new_entry = after.audit.pop_last().expect("an audit entry");
    assert_eq!(after, before);
    assert_eq!(revision_log(&scratch.path).len(), old.revisions.len());

    let store = Store::open(&scratch.path).expect("a migrated store opens");
    let log = store.audit_log().expect("audit log");
    assert_eq!(log.len(), before.audit.len() + 1);
    let entry = log.last().expect("entry");
    assert_eq!(new_entry.0, entry.seq);
    assert_eq!(entry.action, AuditAction::StoreMigrated);
    assert_eq!(entry.actor, "migrator");
    assert_eq!(entry.at.to_string(), "2026-11-29T08:00:00Z");
    assert_eq!(
        entry.details,
        serde_json::json!({
            "from": from,
            "to": SCHEMA_VERSION,
            "records": old.records.len(),
            "revisions": old.revisions.len(),
        })
    );
    assert_eq!(entry.prev_hash, log[log.len() - 2].hash);
    for (old, new) in before.audit.values().zip(&log) {
        let old: interlock_core::audit::AuditEntry =
            serde_json::from_slice(old).expect("old entry");
        assert_eq!(&old, new);
        assert_eq!(old.hash, new.compute_hash());
    }

    let stats = store.stats().expect("stats");
    assert_eq!(stats.records, old.records.len() as u64);
    assert_eq!(stats.revisions, old.revisions.len() as u64);
    assert_eq!(stats.batches, before.batches.len() as u64);
    assert_eq!(stats.audit_entries, before.audit.len() as u64 + 1);

    // The audited digests of every batch verify against the revision log.
    let report = store.verify().expect("verify");
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.entries, before.audit.len() as u64 + 1);
    assert_eq!(report.revisions, old.revisions.len() as u64);
    drop(store);
    let checked = Store::open_checked(&scratch.path).expect("checked open");
    assert!(checked.verify().expect("verify").is_intact());

    // Every record is still there, at its revision, and every revision reads as it did:
    // draft, content hash, capture time, event date and the whole provenance.
    for (id, revision) in &old.records {
        let id = RecordId(*id);
        let record = checked.get(id).expect("get").expect("record kept");
        assert_eq!(record.revision, *revision);
        let history = checked.history(id).expect("history");
        assert_eq!(history.len(), *revision as usize);
        for read in history {
            let was = &old_revisions[&(id.0, read.revision)];
            assert_eq!(&read, was, "record {id} revision {}", read.revision);
        }
    }

    // The indexes find what the old ones found.
    for (serial, expected) in &serials {
        let found = checked
            .query(&Query {
                serial: Some(serial.clone()),
                ..Query::default()
            })
            .expect("query by serial");
        assert_eq!(&ids(&found), expected, "serial {serial}");
    }
    for (reference, expected) in &authorizations {
        let found = checked
            .query(&Query {
                authorization_ref: Some(reference.clone()),
                ..Query::default()
            })
            .expect("query by authorization");
        assert_eq!(&ids(&found), expected, "authorization {reference}");
    }
    let all = checked.query(&Query::default()).expect("query all");
    assert_eq!(all.len(), old.records.len());
    drop(scratch.dir);
}

#[test]
fn schema_1_revisions_read_as_model_2() {
    let scratch = scratch();
    let before = read_old_records(&scratch.path);
    migrated(Store::migrate(&scratch.path, "migrator").expect("migrate"));
    let store = Store::open(&scratch.path).expect("open");
    let mut with_countries = 0;
    for ((id, revision), bytes) in &before.revisions {
        let old: serde_json::Value = serde_json::from_slice(bytes).expect("json");
        let id = RecordId(*id);
        let record = store
            .history(id)
            .expect("history")
            .into_iter()
            .find(|r| r.revision == *revision)
            .expect("revision kept");
        // The envelope still says which record schema wrote the revision, and its hash is
        // the one computed then; the draft is read as the current model.
        assert_eq!(record.schema_version, 1, "written by the previous release");
        assert_eq!(
            old["content_hash"].as_str(),
            Some(record.content_hash.as_str())
        );
        let Body::Authorization(licence) = &record.draft.record else {
            continue;
        };
        // Schema 1 had a list per role; model 2 has countries with roles.
        let mut expected = BTreeSet::new();
        for (field, role) in [
            ("destination_countries", CountryRole::Destination),
            ("origin_countries", CountryRole::Origin),
            ("transit_countries", CountryRole::EnRoute),
        ] {
            for country in old["draft"]["record"][field]
                .as_array()
                .into_iter()
                .flatten()
            {
                let country = country.as_str().expect("a country code").to_owned();
                expected.insert((country, format!("{role:?}")));
            }
        }
        let found: BTreeSet<_> = licence
            .countries
            .iter()
            .map(|c| (c.country.clone(), format!("{:?}", c.role)))
            .collect();
        assert_eq!(found, expected, "licence {}", licence.reference);
        if licence
            .countries
            .iter()
            .any(|c| c.role == CountryRole::Destination)
        {
            with_countries += 1;
        }
    }
    assert!(
        with_countries > 0,
        "the fixture holds licences with destinations"
    );
}

#[test]
fn a_second_migration_is_a_no_op() {
    let scratch = scratch();
    migrated(Store::migrate(&scratch.path, "migrator").expect("migrate"));
    let once = (read_kept(&scratch.path), revision_log(&scratch.path));
    let backup = scratch.dir.path().join("backup.redb");
    let again = Store::migrate_with(
        &scratch.path,
        "migrator",
        &MigrateOptions {
            backup: Some(backup.clone()),
            fixed_time: None,
        },
    )
    .expect("migrate again");
    assert_eq!(
        again,
        MigrateOutcome::AlreadyCurrent {
            schema_version: SCHEMA_VERSION
        }
    );
    assert_eq!(
        (read_kept(&scratch.path), revision_log(&scratch.path)),
        once
    );
    assert!(!backup.exists(), "nothing to migrate, so no copy");
}

#[test]
fn the_backup_is_the_unmigrated_store() {
    let scratch = scratch();
    let before = read_kept(&scratch.path);
    let backup = scratch.dir.path().join("before-migration.redb");
    let migration = migrated(
        Store::migrate_with(
            &scratch.path,
            "migrator",
            &MigrateOptions {
                backup: Some(backup.clone()),
                fixed_time: None,
            },
        )
        .expect("migrate"),
    );
    assert_eq!(migration.backup.as_deref(), Some(backup.as_path()));
    assert_eq!(schema_version(&backup), 1);
    assert_eq!(read_kept(&backup), before);
    assert!(matches!(
        Store::open(&backup),
        Err(OpenError::NeedsMigration { .. })
    ));
    // The copy migrates just as well.
    migrated(Store::migrate(&backup, "migrator").expect("migrate the copy"));
}

#[test]
fn a_backup_never_overwrites_and_its_failure_stops_the_migration() {
    let scratch = scratch();
    let existing = scratch.dir.path().join("existing.redb");
    std::fs::write(&existing, b"keep me").expect("write");
    let error = Store::migrate_with(
        &scratch.path,
        "migrator",
        &MigrateOptions {
            backup: Some(existing.clone()),
            fixed_time: None,
        },
    )
    .expect_err("the backup file exists");
    assert!(
        matches!(&error, MigrateError::BackupExists { path } if *path == existing),
        "{error:?}"
    );
    assert_eq!(std::fs::read(&existing).expect("read"), b"keep me");

    let unwritable = scratch.dir.path().join("no-such-dir/backup.redb");
    let error = Store::migrate_with(
        &scratch.path,
        "migrator",
        &MigrateOptions {
            backup: Some(unwritable),
            fixed_time: None,
        },
    )
    .expect_err("the backup cannot be written");
    assert!(matches!(error, MigrateError::Backup { .. }), "{error:?}");
    assert_eq!(schema_version(&scratch.path), 1, "nothing was migrated");
}

#[test]
fn withholding_works_on_a_migrated_store() {
    let scratch = scratch();
    migrated(Store::migrate(&scratch.path, "migrator").expect("migrate"));
    let store = Store::open(&scratch.path).expect("open");
    let record = store
        .query(&Query::default())
        .expect("query")
        .into_iter()
        .next()
        .expect("a record");
    let outcome = store
        .withhold(
            record.id,
            interlock_core::store::WithholdRequest {
                basis: interlock_core::store::WithholdingBasis::NationalSecurity,
                fields: Vec::new(),
                reason: "test".to_owned(),
            },
            "authority",
        )
        .expect("withhold");
    assert_eq!(outcome.withholding().record, record.id);
    assert_eq!(store.get(record.id).expect("get"), Some(record));
    assert!(store.verify().expect("verify").is_intact());
}

/// A revision whose provenance is not its batch's was edited outside interlock: the
/// migration refuses the store, names the revision and writes nothing.
#[test]
fn a_store_edited_outside_interlock_is_not_migrated() {
    use redb::ReadableTable;
    let scratch = scratch_of(FIXTURE_SCHEMA_2);
    let ((id, revision), batch) = {
        let db = redb::Database::open(&scratch.path).expect("raw open");
        let txn = db.begin_write().expect("write");
        let key = {
            let mut table = txn.open_table(REVISIONS).expect("revisions");
            let (key, bytes) = {
                let (key, bytes) = table.first().expect("first").expect("a revision");
                let (id, revision) = key.value();
                ((*id, revision), bytes.value().to_vec())
            };
            let mut edited: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
            edited["provenance"]["source_file"] = "somewhere-else.csv".into();
            let batch = edited["provenance"]["batch"].as_u64().expect("batch");
            let edited = serde_json::to_vec(&edited).expect("json");
            table
                .insert((&key.0, key.1), edited.as_slice())
                .expect("insert");
            (key, batch)
        };
        txn.commit().expect("commit");
        key
    };
    let before = (read_kept(&scratch.path), read_old_records(&scratch.path));

    let error = Store::migrate(&scratch.path, "migrator").expect_err("an edited store");
    let id = RecordId(id);
    match &error {
        MigrateError::Damaged { detail } => assert_eq!(
            detail,
            &format!(
                "record {id} revision {revision}: its provenance differs from its batch {batch}'s (adapter or source file)"
            )
        ),
        other => panic!("expected Damaged, got {other:?}"),
    }
    assert!(
        error.to_string().ends_with("; nothing was migrated"),
        "{error}"
    );
    assert_eq!(schema_version(&scratch.path), 2);
    assert_eq!(
        (read_kept(&scratch.path), read_old_records(&scratch.path)),
        before
    );
}
