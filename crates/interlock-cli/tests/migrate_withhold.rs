//! End-to-end tests of `interlock migrate` and `interlock withhold`, on the store the
//! previous release's demo wrote (`interlock-core/tests/fixtures/store-schema-1.redb`).
//! `UPDATE_GOLDEN=1 cargo test -p interlock-cli` rewrites the golden files.

mod support;

use std::path::PathBuf;

use support::{Workspace, crate_dir, golden};

fn fixture() -> PathBuf {
    crate_dir().join("../interlock-core/tests/fixtures/store-schema-1.redb")
}

/// A copy of the schema-1 store as `test.redb`.
fn schema_1() -> Workspace {
    let workspace = Workspace::empty();
    workspace.copy(&fixture(), "test.redb");
    workspace
}

fn migrated() -> Workspace {
    let workspace = schema_1();
    workspace.ok(&["migrate", "--backup", "before-migration.redb"]);
    workspace
}

/// The id of some authorization in the store.
fn a_licence(workspace: &Workspace) -> String {
    let out = workspace.ok(&["query", "--kind", "authorization", "--json"]);
    let first: serde_json::Value =
        serde_json::from_str(out.lines().next().expect("a licence")).expect("json");
    first["id"].as_str().expect("id").to_owned()
}

#[test]
fn a_previous_release_store_must_be_migrated_first() {
    let workspace = schema_1();
    for args in [
        &["stats"][..],
        &["query"],
        &["audit", "verify"],
        &["withhold", "list"],
    ] {
        let stderr = workspace.fails(args, 5);
        assert!(
            stderr
                .starts_with("error: test.redb uses store schema 1, written by an older interlock"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("run `interlock migrate --backup"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn migrate_with_a_backup() {
    let workspace = schema_1();
    let before = std::fs::read(workspace.dir.path().join("test.redb")).expect("read");
    let output = workspace.run(&["migrate", "--backup", "before-migration.redb"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    golden("migrate.txt", &stdout);
    // A backup was asked for: no warning.
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    let backup = workspace.dir.path().join("before-migration.redb");
    assert_eq!(
        std::fs::read(&backup).expect("backup").len(),
        before.len(),
        "the backup is a copy of the store as it was"
    );

    let verify = workspace.json(&["audit", "verify", "--json"]);
    assert_eq!(verify["intact"], true, "{verify}");
    let log = workspace.json_lines(&["audit", "log", "--json"]);
    let last = log.as_array().and_then(|l| l.last()).expect("entries");
    assert_eq!(last["action"], "store-migrated");
    assert_eq!(last["details"]["from"], 1);
    assert_eq!(last["details"]["to"], 3);

    // Again: already current, nothing written, no copy.
    let out = workspace.ok(&["migrate", "--backup", "again.redb"]);
    assert_eq!(
        out,
        "test.redb is already at store schema 3; nothing to do\n"
    );
    assert!(!workspace.dir.path().join("again.redb").exists());
    let log_again = workspace.json_lines(&["audit", "log", "--json"]);
    assert_eq!(log_again, log);
}

#[test]
fn migrate_without_a_backup_warns_and_never_overwrites_one() {
    let workspace = schema_1();
    std::fs::write(workspace.dir.path().join("taken.redb"), "keep").expect("write");
    let stderr = workspace.fails(&["migrate", "--backup", "taken.redb"], 5);
    assert_eq!(
        stderr,
        "error: taken.redb already exists; refusing to overwrite it\n"
    );
    // Still schema 1.
    workspace.fails(&["stats"], 5);

    let output = workspace.run(&["migrate"]);
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("warning: no --backup given; keep a copy of test.redb"),
        "{stderr}"
    );
    workspace.ok(&["stats"]);
}

#[test]
fn migrate_as_json() {
    let workspace = schema_1();
    let outcome = workspace.json(&["migrate", "--json"]);
    assert_eq!(outcome["outcome"], "migrated");
    assert_eq!(outcome["from"], 1);
    assert_eq!(outcome["to"], 3);
    assert!(
        outcome["records"].as_u64().is_some_and(|n| n > 0),
        "{outcome}"
    );
    let again = workspace.json(&["migrate", "--json"]);
    assert_eq!(
        again,
        serde_json::json!({ "outcome": "already_current", "schema_version": 3 })
    );
}

#[test]
fn withhold_show_list_and_release() {
    let workspace = migrated();
    let id = a_licence(&workspace);
    let record_before = workspace.json(&["show", &id, "--json"]);

    let out = workspace.ok(&[
        "withhold",
        "add",
        &id[..10],
        "--basis",
        "national-security",
        "--reason",
        "special forces end user",
    ]);
    assert_eq!(
        out,
        format!("withheld record {id}: national security, the whole record\n")
    );

    let shown = workspace.ok(&["show", &id]);
    assert!(
        shown.contains(
            "withheld     national security (ATT Art. 13(3)): the whole record\n             \
             by tester at 2026-11-28T12:00:00Z: special forces end user\n"
        ),
        "{shown}"
    );
    let mut record_after = workspace.json(&["show", &id, "--json"]);
    let withholding = record_after
        .as_object_mut()
        .and_then(|o| o.remove("withholding"))
        .expect("withholding in the JSON");
    assert_eq!(withholding["basis"], "national_security");
    assert_eq!(withholding["by"], "tester");
    // The record itself did not change.
    assert_eq!(record_after, record_before);

    // Amend: only some fields, on commercial grounds.
    let out = workspace.ok(&[
        "withhold",
        "add",
        &id,
        "--basis",
        "commercial",
        "--field",
        "lines",
        "--field",
        "parties.name",
        "--reason",
        "contract terms",
    ]);
    assert_eq!(
        out,
        format!(
            "withholding of record {id} changed: commercially sensitive, fields lines, parties.name \
             (was: national security, the whole record)\n"
        )
    );
    let list = workspace.ok(&["withhold", "list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert!(lines[0].starts_with("ID"), "{list}");
    assert!(lines[1].starts_with(&id[..12]), "{list}");
    assert!(
        lines[1].contains("commercially sensitive  fields lines, parties.name  tester"),
        "{list}"
    );
    let listed = workspace.json_lines(&["withhold", "list", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["record"], id.as_str());
    assert_eq!(
        listed[0]["fields"],
        serde_json::json!(["lines", "parties.name"])
    );

    let out = workspace.ok(&["withhold", "release", &id, "--reason", "published"]);
    assert_eq!(
        out,
        format!(
            "released the withholding of record {id} (was: commercially sensitive, fields lines, parties.name)\n"
        )
    );
    assert!(!workspace.ok(&["show", &id]).contains("withheld "));
    assert_eq!(
        workspace.json_lines(&["withhold", "list", "--json"]),
        serde_json::json!([])
    );

    let log = workspace.json_lines(&["audit", "log", "--json"]);
    let actions: Vec<&str> = log
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        &actions[actions.len() - 3..],
        ["record-withheld", "record-withheld", "withholding-released"]
    );
    let verify = workspace.json(&["audit", "verify", "--json"]);
    assert_eq!(verify["intact"], true, "{verify}");
}

#[test]
fn withhold_errors_have_their_exit_codes() {
    let workspace = migrated();
    let id = a_licence(&workspace);
    let unknown = "0".repeat(32);
    let stderr = workspace.fails(
        &[
            "withhold",
            "add",
            &unknown,
            "--basis",
            "commercial",
            "--reason",
            "x",
        ],
        3,
    );
    assert_eq!(stderr, format!("error: no record with id {unknown}\n"));

    let stderr = workspace.fails(
        &[
            "withhold",
            "add",
            &id,
            "--basis",
            "commercial",
            "--field",
            "colour",
            "--reason",
            "x",
        ],
        1,
    );
    assert!(
        stderr.starts_with(&format!(
            "error: cannot withhold record {id}: the authorization has no field `colour`; its fields are: "
        )),
        "{stderr}"
    );
    let stderr = workspace.fails(
        &[
            "withhold",
            "add",
            &id,
            "--basis",
            "commercial",
            "--reason",
            " ",
        ],
        1,
    );
    assert!(stderr.contains("give the reason"), "{stderr}");

    // Usage errors.
    let stderr = workspace.fails(&["withhold", "add", &id, "--reason", "x"], 2);
    assert!(stderr.contains("--basis"), "{stderr}");
    let stderr = workspace.fails(
        &["withhold", "add", &id, "--basis", "secret", "--reason", "x"],
        2,
    );
    assert!(stderr.contains("commercial, national-security"), "{stderr}");

    let stderr = workspace.fails(&["withhold", "release", &id, "--reason", "x"], 3);
    assert_eq!(stderr, format!("error: record {id} is not withheld\n"));
    // Nothing of this was written.
    let log = workspace.json_lines(&["audit", "log", "--json"]);
    assert_eq!(
        log.as_array().and_then(|l| l.last()).expect("entry")["action"],
        "store-migrated"
    );
}

#[test]
fn help_explains_migrate_and_withhold() {
    let workspace = schema_1();
    let help = workspace.ok(&["migrate", "--help"]);
    assert!(help.contains("--backup <FILE>"), "{help}");
    assert!(help.contains("recommended"), "{help}");
    let help = workspace.ok(&["withhold", "add", "--help"]);
    for expected in [
        "--basis <BASIS>",
        "commercial",
        "national-security",
        "--field <FIELD>",
        "--reason <REASON>",
        "ATT Art. 13(3)",
    ] {
        assert!(help.contains(expected), "{expected}: {help}");
    }
    let help = workspace.ok(&["--help"]);
    assert!(help.contains("interlock migrate --backup FILE"), "{help}");
}
