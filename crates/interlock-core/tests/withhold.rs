//! Withholding (ATT Art. 13(3)): an audited annotation beside a record that never changes
//! the record, keeps its history in the audit log, and that `audit verify` checks.

mod support;

use interlock_core::audit::AuditAction;
use interlock_core::model::RecordId;
use interlock_core::store::{
    MigrateOutcome, Store, WithholdError, WithholdOutcome, WithholdRequest, WithholdingBasis,
};
use interlock_core::{RecordKind, StoredRecord};
use support::{TempStore, licence};

/// A store holding two licences, GB/1 and GB/2.
fn with_licences() -> TempStore {
    let fx = TempStore::new();
    fx.import("licences.jsonl", &[licence("GB/1", 10), licence("GB/2", 4)])
        .expect("import");
    fx
}

fn licence_id(reference: &str) -> RecordId {
    RecordId::derive("licensing", RecordKind::Authorization, reference)
}

fn request(basis: WithholdingBasis, fields: &[&str], reason: &str) -> WithholdRequest {
    WithholdRequest {
        basis,
        fields: fields.iter().map(|f| f.to_string()).collect(),
        reason: reason.to_owned(),
    }
}

fn current(store: &Store, id: RecordId) -> StoredRecord {
    store.get(id).expect("get").expect("record exists")
}

#[test]
fn withholding_annotates_a_record_without_changing_it() {
    let fx = with_licences();
    let id = licence_id("GB/1");
    let before = current(&fx.store, id);
    let history_before = fx.store.history(id).expect("history");
    let audit_before = fx.store.audit_log().expect("audit").len();

    let outcome = fx
        .store
        .withhold(
            id,
            request(
                WithholdingBasis::NationalSecurity,
                &[],
                "  special forces end user  ",
            ),
            "authority",
        )
        .expect("withhold");
    let WithholdOutcome::Withheld(withholding) = outcome else {
        panic!("expected a new withholding, got {outcome:?}");
    };
    assert_eq!(withholding.record, id);
    assert_eq!(withholding.basis, WithholdingBasis::NationalSecurity);
    assert!(withholding.is_whole_record());
    assert_eq!(withholding.reason, "special forces end user");
    assert_eq!(withholding.by, "authority");

    // The record, its revisions and its content hash are untouched.
    assert_eq!(current(&fx.store, id), before);
    assert_eq!(fx.store.history(id).expect("history"), history_before);

    assert_eq!(
        fx.store.withholding(id).expect("lookup"),
        Some(withholding.clone())
    );
    assert_eq!(
        fx.store.withholding(licence_id("GB/2")).expect("lookup"),
        None
    );
    assert_eq!(
        fx.store.withholdings().expect("list"),
        vec![withholding.clone()]
    );

    // One audit entry, carrying the whole annotation.
    let log = fx.store.audit_log().expect("audit");
    assert_eq!(log.len(), audit_before + 1);
    let entry = log.last().expect("entry");
    assert_eq!(entry.action, AuditAction::RecordWithheld);
    assert_eq!(entry.actor, "authority");
    assert_eq!(entry.subject, id.to_hex());
    assert_eq!(entry.details["record"], id.to_hex());
    assert_eq!(entry.details["withholding"]["basis"], "national_security");
    assert!(entry.details["previous"].is_null());
    assert!(fx.store.verify().expect("verify").is_intact());
}

#[test]
fn withholding_some_fields_checks_that_the_record_has_them() {
    let fx = with_licences();
    let id = licence_id("GB/1");
    let outcome = fx
        .store
        .withhold(
            id,
            request(
                WithholdingBasis::CommerciallySensitive,
                &["lines.value", "end_use_missing"],
                "contract price",
            ),
            "authority",
        )
        .expect_err("the licence has no field end_use_missing");
    match &outcome {
        WithholdError::Invalid {
            id: refused,
            message,
        } => {
            assert_eq!(refused, &id.to_hex());
            assert!(message.contains("`end_use_missing`"), "{message}");
            assert!(message.contains("lines"), "{message}");
        }
        other => panic!("expected InvalidWithholding, got {other:?}"),
    }
    for bad in ["kind", "", "lines..value", "lines.colour"] {
        let error = fx
            .store
            .withhold(
                id,
                request(WithholdingBasis::CommerciallySensitive, &[bad], "price"),
                "authority",
            )
            .expect_err(bad);
        assert!(
            matches!(error, WithholdError::Invalid { .. }),
            "{bad}: {error:?}"
        );
    }
    assert_eq!(fx.store.withholdings().expect("list"), vec![]);

    let outcome = fx
        .store
        .withhold(
            id,
            request(
                WithholdingBasis::CommerciallySensitive,
                &["lines.value", "parties.name", " lines.value "],
                "contract price",
            ),
            "authority",
        )
        .expect("withhold fields");
    assert_eq!(
        outcome.withholding().fields,
        vec!["lines.value".to_owned(), "parties.name".to_owned()]
    );
    assert!(!outcome.withholding().is_whole_record());
}

#[test]
fn withholding_needs_a_known_record_and_a_reason() {
    let fx = with_licences();
    let entries = fx.store.audit_log().expect("audit").len();
    let unknown = licence_id("GB/404");
    let error = fx
        .store
        .withhold(
            unknown,
            request(WithholdingBasis::NationalSecurity, &[], "reason"),
            "authority",
        )
        .expect_err("unknown record");
    assert!(
        matches!(&error, WithholdError::UnknownRecord(id) if *id == unknown.to_hex()),
        "{error:?}"
    );
    let error = fx
        .store
        .withhold(
            licence_id("GB/1"),
            request(WithholdingBasis::NationalSecurity, &[], "   "),
            "authority",
        )
        .expect_err("no reason");
    assert!(matches!(error, WithholdError::Invalid { .. }), "{error:?}");
    let error = fx
        .store
        .release_withholding(licence_id("GB/1"), "not withheld", "authority")
        .expect_err("nothing to release");
    assert!(matches!(error, WithholdError::NotWithheld(_)), "{error:?}");
    // Refusals write nothing.
    assert_eq!(fx.store.audit_log().expect("audit").len(), entries);
}

#[test]
fn amending_and_releasing_keep_the_history_in_the_audit_log() {
    let fx = with_licences();
    let id = licence_id("GB/1");
    let first = fx
        .store
        .withhold(
            id,
            request(WithholdingBasis::NationalSecurity, &[], "end user"),
            "alice",
        )
        .expect("withhold");
    let entries = fx.store.audit_log().expect("audit").len();

    // The same terms again: nothing written.
    let again = fx
        .store
        .withhold(
            id,
            request(WithholdingBasis::NationalSecurity, &[], "end user"),
            "bob",
        )
        .expect("withhold again");
    assert_eq!(
        again,
        WithholdOutcome::Unchanged(first.withholding().clone())
    );
    assert_eq!(fx.store.audit_log().expect("audit").len(), entries);

    // Other terms replace the annotation; the audit entry keeps the previous one.
    let amended = fx
        .store
        .withhold(
            id,
            request(
                WithholdingBasis::CommerciallySensitive,
                &["lines.value"],
                "only the price now",
            ),
            "bob",
        )
        .expect("amend");
    let WithholdOutcome::Amended { previous, current } = &amended else {
        panic!("expected an amendment, got {amended:?}");
    };
    assert_eq!(previous, first.withholding());
    assert_eq!(current.by, "bob");
    assert_eq!(
        fx.store.withholding(id).expect("lookup"),
        Some(current.clone())
    );
    let log = fx.store.audit_log().expect("audit");
    assert_eq!(log[log.len() - 1].details["previous"]["by"], "alice");

    let released = fx
        .store
        .release_withholding(id, "published by the end user", "carol")
        .expect("release");
    assert_eq!(&released, current);
    assert_eq!(fx.store.withholding(id).expect("lookup"), None);
    assert_eq!(fx.store.withholdings().expect("list"), vec![]);

    let log = fx.store.audit_log().expect("audit");
    let actions: Vec<_> = log.iter().map(|e| e.action.clone()).collect();
    assert_eq!(
        &actions[actions.len() - 3..],
        [
            AuditAction::RecordWithheld,
            AuditAction::RecordWithheld,
            AuditAction::WithholdingReleased
        ]
    );
    let release = &log[log.len() - 1];
    assert_eq!(release.actor, "carol");
    assert_eq!(release.details["reason"], "published by the end user");
    assert_eq!(release.details["withholding"]["by"], "bob");
    assert!(fx.store.verify().expect("verify").is_intact());

    // Released, it can be withheld again.
    fx.store
        .withhold(
            id,
            request(WithholdingBasis::NationalSecurity, &[], "again"),
            "alice",
        )
        .expect("withhold again");
    assert!(fx.store.verify().expect("verify").is_intact());
}

#[test]
fn a_withholding_outlives_new_revisions_of_its_record() {
    let fx = with_licences();
    let id = licence_id("GB/2");
    fx.store
        .withhold(
            id,
            request(WithholdingBasis::NationalSecurity, &[], "end user"),
            "authority",
        )
        .expect("withhold");
    fx.import("amended.jsonl", &[licence("GB/2", 5)])
        .expect("import");
    assert_eq!(current(&fx.store, id).revision, 2);
    assert!(fx.store.withholding(id).expect("lookup").is_some());
    assert!(fx.store.verify().expect("verify").is_intact());
}

#[test]
fn verify_notices_withholdings_changed_outside_interlock() {
    const WITHHOLDINGS: redb::TableDefinition<&[u8; 16], &[u8]> =
        redb::TableDefinition::new("withholdings");
    let fx = with_licences();
    let (one, two) = (licence_id("GB/1"), licence_id("GB/2"));
    fx.store
        .withhold(
            one,
            request(WithholdingBasis::NationalSecurity, &[], "end user"),
            "authority",
        )
        .expect("withhold");
    let (dir, path) = fx.close();

    // Someone deletes the withholding and adds another one directly in the file.
    {
        let db = redb::Database::open(&path).expect("raw open");
        let txn = db.begin_write().expect("write");
        {
            let mut table = txn.open_table(WITHHOLDINGS).expect("table");
            let bytes = table
                .remove(&one.0)
                .expect("remove")
                .expect("present")
                .value()
                .to_vec();
            let forged = String::from_utf8(bytes)
                .expect("json")
                .replace(&one.to_hex(), &two.to_hex());
            table.insert(&two.0, forged.as_bytes()).expect("insert");
        }
        txn.commit().expect("commit");
    }
    let store = Store::open(&path).expect("open");
    let report = store.verify().expect("verify");
    assert!(!report.is_intact());
    let problems = report.problems.join("\n");
    assert!(
        problems.contains(&format!(
            "withholding of record {two}: not in the audit log"
        )),
        "{problems}"
    );
    assert!(
        problems.contains(&format!(
            "withholding of record {one}: in the audit log but missing from the store"
        )),
        "{problems}"
    );
    drop(dir);
}

#[test]
fn a_new_store_is_current_and_needs_no_migration() {
    let fx = with_licences();
    let (dir, path) = fx.close();
    let entries = Store::open(&path)
        .expect("open")
        .audit_log()
        .expect("audit")
        .len();
    assert_eq!(
        Store::migrate(&path, "tester").expect("migrate"),
        MigrateOutcome::AlreadyCurrent {
            schema_version: interlock_core::store::SCHEMA_VERSION
        }
    );
    assert_eq!(
        Store::open(&path)
            .expect("open")
            .audit_log()
            .expect("audit")
            .len(),
        entries
    );
    drop(dir);
}
