//! The store's promises: all-or-nothing imports, idempotent re-imports, revisions that
//! never overwrite, and an audit log that notices tampering.

mod support;

use std::path::Path;

use interlock_core::RecordKind;
use interlock_core::jsonl::JsonLinesError;
use interlock_core::model::RecordId;
use interlock_core::store::{
    ImportError, ImportOutcome, OpenError, Query, ReadError, StorageError, Store,
};
use support::{TempStore, licence};

fn seized(case: &str, serial: &str) -> String {
    format!(
        r#"{{"agency":"police","source_ref":"{case}","record":{{"kind":"police_case","case_ref":"{case}","police_agency":"Metropolitan Police","date":"2026-05-03","country":"GB","event":"seizure","items":[{{"make":"Heckler & Koch","model":"G36","serial":"{serial}","country_of_manufacture":"DE"}}]}}}}"#
    )
}

fn expect_imported(outcome: ImportOutcome) -> interlock_core::store::ImportSummary {
    match outcome {
        ImportOutcome::Imported(summary) => summary,
        other => panic!("expected an import, got {other:?}"),
    }
}

#[test]
fn an_import_writes_every_record_with_its_provenance() {
    let fx = TempStore::new();
    let path = fx.file(
        "a.jsonl",
        &[licence("GB/1", 10), seized("C-1", "hk 004512")],
    );
    let summary = expect_imported(fx.import_file(&path).expect("import"));
    assert_eq!((summary.records, summary.created, summary.batch), (2, 2, 1));

    let records = fx.all();
    assert_eq!(records.len(), 2);
    let case = records
        .iter()
        .find(|r| r.kind == RecordKind::PoliceCase)
        .expect("the police case");
    assert_eq!(case.provenance.line, Some(2));
    assert_eq!(
        case.provenance.source_sha256,
        interlock_core::jsonl::sha256_file(&path).expect("hash")
    );
    assert_eq!(
        case.id,
        RecordId::derive("police", RecordKind::PoliceCase, "C-1")
    );
    // Serial numbers are found whatever their punctuation.
    let found = fx
        .store
        .query(&Query {
            serial: Some("HK-004512".into()),
            ..Query::default()
        })
        .expect("query");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, case.id);
}

#[test]
fn reimporting_the_same_file_is_a_no_op() {
    let fx = TempStore::new();
    let path = fx.file("a.jsonl", &[licence("GB/1", 10)]);
    expect_imported(fx.import_file(&path).expect("first import"));
    let audit_before = fx.store.audit_log().expect("audit").len();
    match fx.import_file(&path).expect("second import") {
        ImportOutcome::AlreadyImported(batch) => assert_eq!(batch.batch, 1),
        other => panic!("expected a no-op, got {other:?}"),
    }
    assert_eq!(fx.store.audit_log().expect("audit").len(), audit_before);
    assert_eq!(fx.store.stats().expect("stats").revisions, 1);
}

#[test]
fn a_changed_record_becomes_a_new_revision_and_the_old_one_is_kept() {
    let fx = TempStore::new();
    expect_imported(
        fx.import_file(&fx.file("a.jsonl", &[licence("GB/1", 10)]))
            .expect("import a"),
    );
    // Same licence, amended quantity, plus an unchanged copy of another record.
    let summary = expect_imported(
        fx.import_file(&fx.file("b.jsonl", &[licence("GB/1", 12)]))
            .expect("import b"),
    );
    assert_eq!(
        (summary.created, summary.revised, summary.unchanged),
        (0, 1, 0)
    );

    let id = RecordId::derive("licensing", RecordKind::Authorization, "GB/1");
    let history = fx.store.history(id).expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].revision, 1);
    assert_eq!(history[1].revision, 2);
    assert!(history[0].provenance.source_file.ends_with("a.jsonl"));
    assert!(history[1].provenance.source_file.ends_with("b.jsonl"));
    assert_ne!(history[0].content_hash, history[1].content_hash);
    assert_eq!(fx.store.get(id).expect("get").expect("exists").revision, 2);

    // The same content from a third file (different bytes: a blank line) adds nothing.
    let summary = expect_imported(
        fx.import_file(&fx.file("c.jsonl", &[licence("GB/1", 12), String::new()]))
            .expect("import c"),
    );
    assert_eq!(
        (summary.created, summary.revised, summary.unchanged),
        (0, 0, 1)
    );
    assert_eq!(fx.store.history(id).expect("history").len(), 2);
}

#[test]
fn a_file_with_one_bad_line_writes_nothing_and_names_the_line() {
    let fx = TempStore::new();
    let bad = licence("GB/3", 5).replace(
        r#""countries":[{"country":"DE","role":"destination"}]"#,
        r#""countries":[{"country":"XX","role":"destination"}]"#,
    );
    let path = fx.file(
        "bad.jsonl",
        &[
            licence("GB/1", 10),
            seized("C-1", "A1"),
            bad,
            licence("GB/4", 1),
        ],
    );
    let stats_before = fx.store.stats().expect("stats");
    match fx.import_file(&path) {
        Err(JsonLinesError::Import(ImportError::Invalid { diagnostics, total })) => {
            assert_eq!(total, 1);
            let rendered = diagnostics[0].render("bad.jsonl");
            assert_eq!(
                rendered,
                "bad.jsonl:3: record.countries[0].country: `XX` is not an ISO 3166-1 alpha-2 country code"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let stats_after = fx.store.stats().expect("stats");
    assert_eq!(stats_after.records, 0);
    assert_eq!(stats_after.revisions, stats_before.revisions);
    assert_eq!(stats_after.audit_entries, stats_before.audit_entries);
    assert_eq!(stats_after.batches, 0);
    // A refused file is not remembered as imported: fixed, it goes in.
    let fixed = fx.file("bad.jsonl", &[licence("GB/1", 10), seized("C-1", "A1")]);
    expect_imported(fx.import_file(&fixed).expect("fixed file imports"));
}

#[test]
fn every_problem_of_a_file_is_reported_with_its_line() {
    let fx = TempStore::new();
    let path = fx.file(
        "many.jsonl",
        &[
            "{not json".to_owned(),
            licence("GB/1", 10).replace("\"GBP\"", "\"XYZ\""),
            r#"{"agency":"police","source_ref":"x","record":{"kind":"item","make":"Glock","serial":"1","colour":"red"}}"#.to_owned(),
        ],
    );
    let Err(JsonLinesError::Import(ImportError::Invalid { diagnostics, .. })) =
        fx.import_file(&path)
    else {
        panic!("expected a refusal");
    };
    let rendered: Vec<String> = diagnostics.iter().map(|d| d.render("many.jsonl")).collect();
    assert_eq!(rendered.len(), 3, "{rendered:#?}");
    assert!(
        rendered[0].starts_with("many.jsonl:1: key must be a string"),
        "{}",
        rendered[0]
    );
    assert_eq!(
        rendered[1],
        "many.jsonl:2: record.lines[0].value.currency: `XYZ` is not an ISO 4217 currency code"
    );
    assert!(
        rendered[2].starts_with("many.jsonl:3: record: unknown field `colour`"),
        "{}",
        rendered[2]
    );
}

#[test]
fn the_same_record_twice_in_one_file_with_different_content_is_refused() {
    let fx = TempStore::new();
    let path = fx.file("dup.jsonl", &[licence("GB/1", 10), licence("GB/1", 11)]);
    let Err(JsonLinesError::Import(ImportError::Invalid { diagnostics, .. })) =
        fx.import_file(&path)
    else {
        panic!("expected a refusal");
    };
    assert_eq!(
        diagnostics[0].render("dup.jsonl"),
        "dup.jsonl:2: source_ref: authorization `GB/1` of agency `licensing` already appears on line 1 with different content"
    );
}

#[test]
fn audit_verify_passes_on_an_untouched_store() {
    let fx = TempStore::new();
    expect_imported(
        fx.import_file(&fx.file("a.jsonl", &[licence("GB/1", 10), seized("C-1", "A1")]))
            .expect("import"),
    );
    expect_imported(
        fx.import_file(&fx.file("b.jsonl", &[licence("GB/1", 12)]))
            .expect("import"),
    );
    let report = fx.store.verify().expect("verify");
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.entries, 3);
    assert_eq!(report.revisions, 3);
}

/// Rewrites tables with redb directly, as someone with the file but not the API could.
mod tamper {
    #[allow(unused_imports)]
    use redb::ReadableTable as _;
    use redb::{ReadableTable, TableDefinition};

    pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");
    pub const REVISIONS: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("revision_log");

    /// Where the revision log holds this record's revision.
    pub fn location_of(
        table: &redb::Table<(u64, u32), &[u8]>,
        id: interlock_core::model::RecordId,
        revision: u32,
    ) -> (u64, u32) {
        table
            .iter()
            .expect("iter")
            .map(|entry| entry.expect("entry"))
            .find(|(_, bytes)| {
                let raw = interlock_core::store::revision::decode(bytes.value()).expect("decode");
                raw.id == id && raw.revision == revision
            })
            .map(|(key, _)| key.value())
            .expect("the revision is in the log")
    }

    pub fn edit<K, V>(
        path: &std::path::Path,
        table: TableDefinition<K, V>,
        change: impl FnOnce(&mut redb::Table<K, V>),
    ) where
        K: redb::Key + 'static,
        V: redb::Value + 'static,
    {
        let db = redb::Database::open(path).expect("open raw");
        let txn = db.begin_write().expect("write");
        {
            let mut table = txn.open_table(table).expect("table");
            change(&mut table);
        }
        txn.commit().expect("commit");
    }

    pub fn json_of(table: &redb::Table<u64, &[u8]>, key: u64) -> serde_json::Value {
        serde_json::from_slice(table.get(key).expect("get").expect("entry").value()).expect("json")
    }
}

fn tampered_store(change: impl FnOnce(&Path)) -> Vec<String> {
    let fx = TempStore::new();
    expect_imported(
        fx.import_file(&fx.file("a.jsonl", &[licence("GB/1", 10), seized("C-1", "A1")]))
            .expect("import"),
    );
    expect_imported(
        fx.import_file(&fx.file("b.jsonl", &[licence("GB/2", 3)]))
            .expect("import"),
    );
    let path = fx.store.path().to_owned();
    drop(fx.store);
    change(&path);
    let store = Store::open_checked(&path).expect("reopen");
    let report = store.verify().expect("verify runs");
    assert!(!report.is_intact(), "tampering went unnoticed");
    report.problems
}

#[test]
fn audit_verify_catches_an_edited_audit_entry() {
    let problems = tampered_store(|path| {
        tamper::edit(path, tamper::AUDIT, |table| {
            let mut entry = tamper::json_of(table, 1);
            entry["actor"] = "someone-else".into();
            table
                .insert(1, serde_json::to_vec(&entry).expect("json").as_slice())
                .expect("insert");
        })
    });
    assert!(
        problems
            .iter()
            .any(|p| p == "audit entry 1: content does not match its hash (entry was edited)"),
        "{problems:?}"
    );
}

#[test]
fn audit_verify_catches_a_deleted_audit_entry() {
    let problems = tampered_store(|path| {
        tamper::edit(path, tamper::AUDIT, |table| {
            table.remove(1).expect("remove");
        })
    });
    assert!(
        problems
            .iter()
            .any(|p| p.contains("entries were deleted or reordered")),
        "{problems:?}"
    );
}

#[test]
fn audit_verify_catches_reordered_audit_entries() {
    let problems = tampered_store(|path| {
        tamper::edit(path, tamper::AUDIT, |table| {
            let first = tamper::json_of(table, 1);
            let second = tamper::json_of(table, 2);
            table
                .insert(1, serde_json::to_vec(&second).expect("json").as_slice())
                .expect("insert");
            table
                .insert(2, serde_json::to_vec(&first).expect("json").as_slice())
                .expect("insert");
        })
    });
    assert!(
        problems
            .iter()
            .any(|p| p.contains("chain broken") || p.contains("reordered")),
        "{problems:?}"
    );
}

#[test]
fn audit_verify_catches_a_truncated_audit_log() {
    let problems = tampered_store(|path| {
        tamper::edit(path, tamper::AUDIT, |table| {
            table.remove(2).expect("remove last");
        })
    });
    assert!(
        problems.iter().any(|p| p.contains("removed from the end")),
        "{problems:?}"
    );
}

#[test]
fn audit_verify_catches_an_edited_record() {
    let problems = tampered_store(|path| {
        tamper::edit(path, tamper::REVISIONS, |table| {
            use interlock_core::store::revision::{RevisionEncoder, decode};
            let id = RecordId::derive("licensing", RecordKind::Authorization, "GB/2");
            let at = tamper::location_of(table, id, 1);
            let bytes = table
                .get(at)
                .expect("get")
                .expect("revision")
                .value()
                .to_vec();
            // Someone who knows the format edits the quantity and writes it back, hash
            // and all else unchanged.
            let mut raw = decode(&bytes).expect("decode");
            let text = String::from_utf8(raw.draft_json).expect("utf8");
            assert!(text.contains("\"3\""), "{text}");
            raw.draft_json = text.replace("\"3\"", "\"300\"").into_bytes();
            let edited = RevisionEncoder::new()
                .expect("encoder")
                .encode(&raw)
                .expect("encode");
            table.insert(at, edited.as_slice()).expect("insert");
        })
    });
    let id = RecordId::derive("licensing", RecordKind::Authorization, "GB/2");
    assert!(
        problems.contains(&format!(
            "record {id} revision 1: content does not match its hash (record was edited)"
        )),
        "{problems:?}"
    );
}

#[test]
fn audit_verify_catches_a_deleted_record() {
    let problems = tampered_store(|path| {
        tamper::edit(path, tamper::REVISIONS, |table| {
            let id = RecordId::derive("police", RecordKind::PoliceCase, "C-1");
            let at = tamper::location_of(table, id, 1);
            table.remove(at).expect("remove");
        })
    });
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("import batch 1: its records differ")),
        "{problems:?}"
    );
    let id = RecordId::derive("police", RecordKind::PoliceCase, "C-1");
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(&format!("record {id}: its current revision 1 is not at"))),
        "{problems:?}"
    );
}

#[test]
fn a_damaged_file_is_reported_not_trusted() {
    let fx = TempStore::new();
    expect_imported(
        fx.import_file(&fx.file("a.jsonl", &[licence("GB/1", 10)]))
            .expect("import"),
    );
    let path = fx.store.path().to_owned();
    drop(fx.store);
    let mut bytes = std::fs::read(&path).expect("read");
    // Flip the bytes of a stored record: a page that is in use, so checksums cover it.
    let needle = b"Export Control Joint Unit";
    let at = bytes
        .windows(needle.len())
        .position(|window| window == needle)
        .expect("the record is stored in the file");
    for byte in &mut bytes[at..at + needle.len()] {
        *byte ^= 0x20;
    }
    std::fs::write(&path, bytes).expect("write");
    // The damage shows when opening (redb's page checksums) or in the verification.
    let cause = match Store::open_checked(&path) {
        Err(OpenError::Storage(cause)) => cause,
        Err(other) => panic!("unexpected error: {other}"),
        Ok(store) => match store.verify() {
            Ok(report) => {
                assert!(!report.is_intact(), "a damaged file passed verification");
                return;
            }
            Err(ReadError::Storage(cause)) => cause,
            Err(other) => panic!("unexpected error: {other}"),
        },
    };
    assert!(
        matches!(
            cause,
            StorageError::Corrupted(_) | StorageError::Database(_)
        ),
        "unexpected error: {cause}"
    );
}

#[test]
fn opening_something_that_is_not_a_store_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.redb");
    let error = Store::open(&missing).expect_err("missing");
    assert!(
        error.to_string().starts_with("no interlock store at"),
        "{error}"
    );

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello, this is not a database").expect("write");
    let error = Store::open(&text).expect_err("not a store");
    assert!(matches!(error, OpenError::NotAStore { .. }), "{error}");

    let foreign = dir.path().join("foreign.redb");
    {
        let db = redb::Database::create(&foreign).expect("create");
        let txn = db.begin_write().expect("write");
        txn.open_table(TableDefinition::<&str, u64>::new("other"))
            .expect("table");
        txn.commit().expect("commit");
    }
    let error = Store::open(&foreign).expect_err("foreign redb");
    assert_eq!(
        error.to_string(),
        format!(
            "{} is not an interlock store (a redb file without interlock's tables)",
            foreign.display()
        )
    );

    let error = Store::create(&foreign, "tester").expect_err("exists");
    assert!(
        error
            .to_string()
            .ends_with("already exists; refusing to overwrite it"),
        "{error}"
    );
}

#[test]
fn a_store_from_a_newer_interlock_is_refused() {
    let fx = TempStore::new();
    let path = fx.store.path().to_owned();
    drop(fx.store);
    tamper::edit(&path, TableDefinition::<&str, &[u8]>::new("meta"), |meta| {
        meta.insert("schema_version", 99u32.to_be_bytes().as_slice())
            .expect("insert");
    });
    let error = Store::open(&path).expect_err("newer");
    assert!(
        error
            .to_string()
            .contains("newer interlock (store schema 99)"),
        "{error}"
    );
}

use redb::{ReadableTable, TableDefinition};

/// Indexes keep the postings of earlier revisions; a query must answer from current
/// revisions only.
#[test]
fn a_revised_record_is_found_by_what_it_says_now_not_by_what_it_said() {
    let fx = TempStore::new();
    expect_imported(
        fx.import_file(&fx.file("a.jsonl", &[seized("C-1", "A1")]))
            .expect("import"),
    );
    let summary = expect_imported(
        fx.import_file(&fx.file("b.jsonl", &[seized("C-1", "B2")]))
            .expect("import"),
    );
    assert_eq!((summary.created, summary.revised), (0, 1));
    let by_serial = |serial: &str| {
        fx.store
            .query(&Query {
                serial: Some(serial.to_owned()),
                ..Query::default()
            })
            .expect("query")
    };
    assert!(
        by_serial("A1").is_empty(),
        "found by a serial it no longer has"
    );
    let found = by_serial("B2");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].revision, 2);
    // Found once by an index both revisions are under, and counted once.
    let by_country = fx
        .store
        .query(&Query {
            country: Some("gb".to_owned()),
            ..Query::default()
        })
        .expect("query");
    assert_eq!(by_country.len(), 1);
    assert_eq!(by_country[0].revision, 2);
    let stats = fx.store.stats().expect("stats");
    assert_eq!(stats.by_kind, vec![("police_case".to_owned(), 1)]);
    assert_eq!(stats.by_agency, vec![("police".to_owned(), 1)]);
    let history = fx.store.history(found[0].id).expect("history");
    assert_eq!(
        history.iter().map(|r| r.revision).collect::<Vec<_>>(),
        vec![1, 2]
    );
}
