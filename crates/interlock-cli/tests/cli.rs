//! End-to-end tests of the `interlock` binary: exit codes, messages and golden outputs.
//! `UPDATE_GOLDEN=1 cargo test -p interlock-cli` rewrites the golden files after a
//! deliberate change; review the diff before committing it.

mod support;

use assert_cmd::Command;
use support::{Workspace, crate_dir, golden};

fn imported_workspace() -> Workspace {
    let workspace = Workspace::with_control_list();
    workspace.copy(
        &crate_dir().join("tests/data/records.jsonl"),
        "records.jsonl",
    );
    workspace.ok(&["import-records", "records.jsonl"]);
    workspace
}

#[test]
fn import_then_query_as_a_table() {
    let workspace = imported_workspace();
    golden("query.txt", &workspace.ok(&["query"]));
}

#[test]
fn query_as_json_lines() {
    let workspace = imported_workspace();
    golden(
        "query-serial.jsonl",
        &workspace.ok(&["query", "--serial", "hk-g36-004512", "--json"]),
    );
}

#[test]
fn query_filters() {
    let workspace = imported_workspace();
    let count = |args: &[&str]| {
        let mut all = vec!["query", "--json"];
        all.extend_from_slice(args);
        workspace.ok(&all).lines().count()
    };
    assert_eq!(count(&[]), 4);
    assert_eq!(count(&["--kind", "authorization"]), 1);
    assert_eq!(count(&["--agency", "customs"]), 1);
    assert_eq!(count(&["--country", "DE"]), 3);
    assert_eq!(count(&["--country", "LY"]), 1);
    assert_eq!(count(&["--authorization", "GBSIEL/2026/0000101"]), 2);
    assert_eq!(count(&["--category", "ML1"]), 1);
    assert_eq!(count(&["--category", "VIII.SA"]), 1);
    assert_eq!(count(&["--category", "ML10"]), 0);
    // Two records dated in the range, and the Libya embargo, in force since 2011.
    assert_eq!(count(&["--from", "2026-03-01", "--to", "2026-12-31"]), 3);
    assert_eq!(count(&["--kind", "embargo", "--from", "2011-02-26"]), 1);
    assert_eq!(count(&["--kind", "embargo", "--to", "2011-02-25"]), 0);
    assert_eq!(count(&["--party", "albion"]), 2);
    assert_eq!(count(&["--serial", "HKG36004512"]), 2);
}

#[test]
fn show_a_record_and_its_history() {
    let workspace = imported_workspace();
    let id = interlock_core::RecordId::derive(
        "licensing",
        interlock_core::RecordKind::Authorization,
        "GBSIEL/2026/0000101",
    )
    .to_hex();
    // An amended licence arrives: 25 rifles instead of 20.
    let amended = std::fs::read_to_string(crate_dir().join("tests/data/records.jsonl"))
        .expect("read")
        .lines()
        .next()
        .expect("first line")
        .replace(r#""amount":"20""#, r#""amount":"25""#);
    workspace.write("amendment.jsonl", &format!("{amended}\n"));
    let out = workspace.ok(&["import-records", "amendment.jsonl"]);
    assert_eq!(
        out,
        "amendment.jsonl: imported 1 records as batch 2 (0 new, 1 revised, 0 unchanged)\n"
    );
    golden("show.txt", &workspace.ok(&["show", &id[..10]]));
    golden(
        "show-history.txt",
        &workspace.ok(&["show", &id, "--history"]),
    );
    let json: serde_json::Value =
        serde_json::from_str(&workspace.ok(&["show", &id, "--history", "--json"])).expect("json");
    assert_eq!(json.as_array().map(Vec::len), Some(2));
}

#[test]
fn reimport_is_a_no_op_that_says_so() {
    let workspace = imported_workspace();
    let before = workspace.stats();
    let out = workspace.ok(&["import-records", "records.jsonl"]);
    assert!(out.starts_with("records.jsonl: already imported as batch 1 on 2026-11-28T12:00:00Z by tester; nothing to do"), "{out}");
    assert_eq!(workspace.stats(), before);
}

#[test]
fn a_bad_line_is_named_and_nothing_is_written() {
    let workspace = Workspace::with_control_list();
    let good = std::fs::read_to_string(crate_dir().join("tests/data/records.jsonl")).expect("read");
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines[2] = lines[2].replace(r#""country":"GB""#, r#""country":"UK""#);
    workspace.write("bad.jsonl", &(lines.join("\n") + "\n"));
    let before = workspace.stats();
    let stderr = workspace.fails(&["import-records", "bad.jsonl"], 1);
    assert_eq!(
        stderr,
        "bad.jsonl:3: record.country: `UK` is not an ISO 3166-1 alpha-2 country code\n\
         error: bad.jsonl: 1 problem found; nothing was imported from this file\n"
    );
    assert_eq!(workspace.stats(), before);
    assert_eq!(workspace.ok(&["query", "--json"]), "");
}

#[test]
fn problems_can_be_written_to_a_report_file() {
    let workspace = Workspace::with_control_list();
    let bad: String = (1..=60)
        .map(|n| format!(r#"{{"agency":"police","source_ref":"I-{n}","record":{{"kind":"item","make":"Glock","serial":"S{n}","country_of_manufacture":"QQ"}}}}"#) + "\n")
        .collect();
    workspace.write("many.jsonl", &bad);
    let stderr = workspace.fails(
        &["import-records", "many.jsonl", "--report", "problems.txt"],
        1,
    );
    assert!(stderr.contains("... 10 more in problems.txt"), "{stderr}");
    let report = std::fs::read_to_string(workspace.path("problems.txt")).expect("report");
    assert_eq!(report.lines().count(), 60);
    assert_eq!(
        report.lines().last(),
        Some(
            "many.jsonl:60: record.country_of_manufacture: `QQ` is not an ISO 3166-1 alpha-2 country code"
        )
    );
}

#[test]
fn audit_verify_reports_an_intact_store() {
    let workspace = imported_workspace();
    let out = workspace.ok(&["audit", "verify"]);
    assert_eq!(
        out,
        "audit log intact: 4 entries, 4 record revisions verified\n"
    );
    golden("audit-log.txt", &workspace.ok(&["audit", "log"]));
}

#[test]
fn audit_verify_fails_on_a_tampered_store() {
    let workspace = imported_workspace();
    {
        let db = redb::Database::open(workspace.path("test.redb")).expect("open raw");
        let txn = db.begin_write().expect("write");
        {
            let mut audit = txn
                .open_table(redb::TableDefinition::<u64, &[u8]>::new("audit"))
                .expect("audit table");
            audit.remove(1).expect("remove");
        }
        txn.commit().expect("commit");
    }
    let stderr = workspace.fails(&["audit", "verify"], 4);
    assert!(
        stderr.contains("audit entry 2: expected sequence number 1"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("error: the store was altered outside interlock: 3 problem(s)\n"),
        "{stderr}"
    );
}

#[test]
fn errors_name_what_to_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::cargo_bin("interlock")
        .expect("binary")
        .args(["query"])
        .current_dir(dir.path())
        .env("INTERLOCK_STORE", "missing.redb")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: no interlock store at missing.redb; create one with `interlock init`\n"
    );
    let workspace = Workspace::new();
    let stderr = workspace.fails(&["init"], 5);
    assert_eq!(
        stderr,
        "error: test.redb already exists; refusing to overwrite it\n"
    );
    let stderr = workspace.fails(&["show", "0123456789abcdef"], 3);
    assert_eq!(stderr, "error: no record with id 0123456789abcdef\n");
    let stderr = workspace.fails(&["import-records", "nope.jsonl"], 5);
    assert!(
        stderr.starts_with("error: nope.jsonl: No such file"),
        "{stderr}"
    );
    let stderr = workspace.fails(&["query", "--kind", "tank"], 2);
    assert!(stderr.contains("unknown kind `tank`"), "{stderr}");
}

#[test]
fn help_documents_exit_codes() {
    let output = Command::cargo_bin("interlock")
        .expect("binary")
        .arg("--help")
        .output()
        .expect("run");
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("4  integrity failure"), "{help}");
    assert!(help.contains("import-records"), "{help}");
}
