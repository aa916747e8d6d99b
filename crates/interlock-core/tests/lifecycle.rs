//! Licences have a life: status changes become revisions that keep the licence's content,
//! replacements keep the earlier revision and its status history, an older message never
//! overwrites newer data, and a status change for an unknown licence is refused by line.
//! Embargoes are found by the period they are in force.

mod support;

use interlock_core::jsonl::{JsonLinesError, import_json_lines};
use interlock_core::model::{AuthorizationStatus, Body, LicenceAction, RecordId, RecordKind};
use interlock_core::store::{ImportError, ImportOutcome, Query};
use support::TempStore;

/// What these tests ask of a store beyond importing.
trait LicenceStore {
    fn refused(&self, name: &str, lines: &[String]) -> Vec<String>;
    fn licence(&self, reference: &str) -> interlock_core::model::Authorization;
    fn revisions(&self, reference: &str) -> usize;
}

impl LicenceStore for TempStore {
    fn refused(&self, name: &str, lines: &[String]) -> Vec<String> {
        match self.import(name, lines) {
            Err(JsonLinesError::Import(ImportError::Invalid { diagnostics, .. })) => {
                diagnostics.iter().map(|d| d.render(name)).collect()
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn licence(&self, reference: &str) -> interlock_core::model::Authorization {
        let id = RecordId::derive("licensing", RecordKind::Authorization, reference);
        match self.store.get(id).expect("read").map(|r| r.draft.record) {
            Some(Body::Authorization(a)) => a,
            other => panic!("expected licence {reference}, got {other:?}"),
        }
    }

    fn revisions(&self, reference: &str) -> usize {
        let id = RecordId::derive("licensing", RecordKind::Authorization, reference);
        self.store.history(id).expect("history").len()
    }
}

/// A CHIEF-like licence message: the licence with where its message stands (run number).
fn licence(reference: &str, run: u64, quantity: u32) -> String {
    format!(
        r#"{{"agency":"licensing","source_ref":"{reference}","record":{{"kind":"authorization","reference":"{reference}","direction":"export","status":"issued","issuing_authority":"ECJU","issue_date":"2026-02-01","valid_until":"2028-02-01","parties":[{{"role":"end_user","name":"Bundeswehr","country":"DE"}}],"countries":[{{"country":"DE","role":"destination"}},{{"country":"RU","role":"destination","prohibited":true}}],"status_history":[{{"action":"issue","effective":"2026-02-01"}}],"message":{{"source":"SPIRE>CHIEF licenceData","run":{run}}},"lines":[{{"line_no":1,"description":"Rifles","controlled_by":"quantity","quantity":{{"amount":"{quantity}","unit":"NAR"}}}}]}}}}"#
    )
}

/// A status-only message, as a CHIEF cancel carries: no trader, country or line.
fn status_change(reference: &str, run: u64, action: &str, effective: &str) -> String {
    format!(
        r#"{{"agency":"licensing","source_ref":"{reference}","record":{{"kind":"authorization_status_change","reference":"{reference}","event":{{"action":"{action}","effective":"{effective}","reason":"requested by the exporter","source":"CHIEF licenceData run {run}"}},"message":{{"source":"SPIRE>CHIEF licenceData","run":{run}}}}}}}"#
    )
}

#[test]
fn a_cancel_and_a_replace_in_one_file_both_apply() {
    let fx = TempStore::new();
    fx.import("run1", &[licence("GB/1", 1, 10), licence("GB/2", 1, 5)])
        .expect("first run imports");

    fx.import(
        "run2",
        &[
            status_change("GB/1", 2, "cancel", "2026-06-01"),
            licence("GB/2", 2, 8),
        ],
    )
    .expect("second run imports");

    let cancelled = fx.licence("GB/1");
    assert_eq!(cancelled.status, AuthorizationStatus::Cancelled);
    // The cancel carried no lines or countries: the licence keeps them.
    assert_eq!(cancelled.lines.len(), 1);
    assert_eq!(cancelled.countries.len(), 2);
    let actions: Vec<_> = cancelled.status_history.iter().map(|e| e.action).collect();
    assert_eq!(actions, [LicenceAction::Issue, LicenceAction::Cancel]);
    assert_eq!(
        cancelled.status_history[1].reason.as_deref(),
        Some("requested by the exporter")
    );
    assert_eq!(fx.revisions("GB/1"), 2);

    let replaced = fx.licence("GB/2");
    assert_eq!(
        replaced.lines[0].quantity.as_ref().map(|q| q.amount),
        Some(8.into())
    );
    assert_eq!(fx.revisions("GB/2"), 2, "the earlier revision stays");
    assert!(fx.store.verify().expect("verify").is_intact());
}

#[test]
fn an_insert_then_a_cancel_in_the_same_file_apply_in_order() {
    let fx = TempStore::new();
    fx.import(
        "run1",
        &[
            licence("GB/1", 1, 10),
            status_change("GB/1", 1, "suspend", "2026-03-01"),
            status_change("GB/1", 1, "reinstate", "2026-04-01"),
        ],
    )
    .expect("imports");
    let licence = fx.licence("GB/1");
    assert_eq!(licence.status, AuthorizationStatus::Issued);
    assert_eq!(licence.status_history.len(), 3);
    assert_eq!(fx.revisions("GB/1"), 3);
}

#[test]
fn a_status_change_for_an_unknown_licence_is_refused_by_line_and_writes_nothing() {
    let fx = TempStore::new();
    let before = fx.store.stats().expect("stats");
    let problems = fx.refused(
        "run1",
        &[
            licence("GB/1", 1, 10),
            status_change("GB/9", 1, "revoke", "2026-06-01"),
        ],
    );
    assert_eq!(
        problems,
        [
            "run1:2: record.reference: status change (revoke) for licence `GB/9` of agency `licensing`, which the store does not hold: import the licence first"
        ]
    );
    let after = fx.store.stats().expect("stats");
    assert_eq!((after.records, after.revisions), (0, 0));
    assert_eq!(after.audit_entries, before.audit_entries);
}

#[test]
fn an_older_message_never_overwrites_newer_data() {
    let fx = TempStore::new();
    fx.import("run5", &[licence("GB/1", 5, 10)])
        .expect("imports");
    let problems = fx.refused(
        "run4",
        &[
            licence("GB/1", 4, 99),
            status_change("GB/1", 4, "cancel", "2026-06-01"),
        ],
    );
    let expected_tail = "is older than the one the store already applied (SPIRE>CHIEF licenceData run 5); an older message never overwrites newer data, so import the files in the order they were sent";
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].starts_with(
            "run4:1: record.message: licence `GB/1`: this message (SPIRE>CHIEF licenceData run 4)"
        ) && problems[0].ends_with(expected_tail),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].starts_with("run4:2: record.message:"),
        "{}",
        problems[1]
    );
    assert_eq!(
        fx.licence("GB/1").lines[0]
            .quantity
            .as_ref()
            .map(|q| q.amount),
        Some(10.into())
    );
    assert_eq!(fx.revisions("GB/1"), 1);
}

#[test]
fn a_replacement_keeps_the_status_history_of_earlier_revisions() {
    let fx = TempStore::new();
    fx.import("run1", &[licence("GB/1", 1, 10)])
        .expect("imports");
    fx.import("run2", &[status_change("GB/1", 2, "suspend", "2026-03-01")])
        .expect("imports");
    let replacement = licence("GB/1", 3, 12).replace(
        r#"[{"action":"issue","effective":"2026-02-01"}]"#,
        r#"[{"action":"amend","effective":"2026-05-01"}]"#,
    );
    fx.import("run3", &[replacement]).expect("imports");
    let actions: Vec<_> = fx
        .licence("GB/1")
        .status_history
        .iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            LicenceAction::Issue,
            LicenceAction::Suspend,
            LicenceAction::Amend
        ]
    );
}

#[test]
fn a_repeated_status_change_is_a_no_op() {
    let fx = TempStore::new();
    fx.import("run1", &[licence("GB/1", 1, 10)])
        .expect("imports");
    fx.import("run2", &[status_change("GB/1", 2, "cancel", "2026-06-01")])
        .expect("imports");
    // The same message again, in another file (e.g. a resend with a new header).
    let again = fx
        .import(
            "run2-resent",
            &[
                status_change("GB/1", 2, "cancel", "2026-06-01"),
                String::new(),
            ],
        )
        .expect("imports");
    match again {
        ImportOutcome::Imported(summary) => {
            assert_eq!(
                (summary.created, summary.revised, summary.unchanged),
                (0, 0, 1)
            )
        }
        other => panic!("expected an import, got {other:?}"),
    }
    assert_eq!(fx.revisions("GB/1"), 2);
}

fn embargo(target: &str, start: &str, end: Option<&str>) -> String {
    let end = end.map(|e| format!(r#","end":"{e}""#)).unwrap_or_default();
    format!(
        r#"{{"agency":"licensing","source_ref":"EMB/{target}/{start}","record":{{"kind":"embargo","authority":"un_security_council","instrument":"UNSCR test","target_country":"{target}","direction":"supply","scope":"all_arms","start":"{start}"{end}}}}}"#
    )
}

#[test]
fn a_query_for_a_date_finds_the_embargoes_in_force_that_day() {
    let fx = TempStore::new();
    fx.import(
        "embargoes",
        &[
            embargo("LY", "2011-02-26", None),
            embargo("LR", "2003-12-22", Some("2016-05-25")),
            embargo("SD", "2026-07-01", None),
        ],
    )
    .expect("imports");
    let on = |day: &str| {
        let date: jiff::civil::Date = day.parse().expect("date");
        let found = fx
            .store
            .query(&Query {
                kind: Some(RecordKind::Embargo),
                from: Some(date),
                to: Some(date),
                ..Query::default()
            })
            .expect("query");
        let mut targets: Vec<String> = found
            .into_iter()
            .filter_map(|r| match r.draft.record {
                Body::Embargo(e) => e.target_country,
                _ => None,
            })
            .collect();
        targets.sort();
        targets
    };
    assert_eq!(on("2026-03-15"), ["LY"]);
    assert_eq!(on("2016-05-25"), ["LR", "LY"], "the last day is in force");
    assert_eq!(on("2016-05-26"), ["LY"]);
    assert_eq!(on("2026-07-01"), ["LY", "SD"]);
    assert!(on("2000-01-01").is_empty());
}

/// The shipped JSON Lines fixtures are model 2 and import cleanly, next to the control list
/// they are judged against.
#[test]
fn the_shipped_record_fixtures_import() {
    let fx = TempStore::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for version in ["1.0.0", "1.1.0"] {
        let name = format!("national-control-list-{version}.toml");
        let text = std::fs::read_to_string(root.join("fixtures/control-list").join(&name))
            .expect("control list");
        let list = interlock_core::control_list::ControlList::from_toml_str(&text).expect("parses");
        let source = interlock_core::store::SourceFile {
            name,
            sha256: interlock_core::model::sha256_hex(text.as_bytes()),
        };
        fx.store
            .import_control_list(list, &source, "tester")
            .expect("control list imports");
    }
    for file in ["scenario-2026.jsonl", "reported-2026.jsonl"] {
        let path = root.join("fixtures/records").join(file);
        match import_json_lines(&fx.store, &path, "tester", &mut |_| {}) {
            Ok(ImportOutcome::Imported(_)) => {}
            other => panic!("{file}: {other:?}"),
        }
    }
    let stats = fx.store.stats().expect("stats");
    let count = |kind: &str| {
        stats
            .by_kind
            .iter()
            .find(|(k, _)| k == kind)
            .map_or(0, |(_, n)| *n)
    };
    assert_eq!(count("embargo"), 6);
    assert_eq!(count("denial"), 2);
    assert_eq!(count("reported_transfer"), 3);
}
