//! No diagnostic is lost: a file with more diagnostics than the terminal shows gets a
//! summary by code there, and every one in the `--report` file and in `--json` (JSON
//! Lines: one line per diagnostic, then a summary). Warnings are shown beside errors.
//! `--quarantine FILE` imports the valid rows of a source the user cannot correct and
//! writes the refused ones, with their diagnostics, to FILE.

mod support;

use support::{Workspace, golden, plugin_component, project_root};

/// 1,500 police items, every one refused: each 100th line is not JSON, the others name
/// a country that does not exist.
fn many_bad_lines() -> String {
    (1..=1500)
        .map(|n| {
            if n % 100 == 0 {
                "{not json\n".to_owned()
            } else {
                format!(
                    r#"{{"agency":"police","source_ref":"I-{n}","record":{{"kind":"item","make":"Glock","serial":"S{n}","country_of_manufacture":"QQ"}}}}"#
                ) + "\n"
            }
        })
        .collect()
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[test]
fn more_diagnostics_than_the_terminal_shows_are_all_in_the_report_and_the_json() {
    let workspace = Workspace::with_control_list();
    workspace.write("many.jsonl", &many_bad_lines());
    let before = workspace.stats();

    let stderr = workspace.fails(
        &["import-records", "many.jsonl", "--report", "problems.txt"],
        1,
    );
    golden("import-many-terminal.txt", &stderr);
    let report = std::fs::read_to_string(workspace.path("problems.txt")).expect("report");
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 1500, "every diagnostic in the report");
    assert_eq!(
        lines[1498],
        "many.jsonl:1499: record.country_of_manufacture: `QQ` is not an ISO 3166-1 alpha-2 country code"
    );
    assert!(lines[1499].starts_with("many.jsonl:1500: key must be a string"));

    let output = workspace.run(&["import-records", "many.jsonl", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let json = json_lines(&String::from_utf8(output.stdout).expect("utf-8"));
    assert_eq!(json.len(), 1501, "1,500 diagnostics and a summary");
    for (index, line) in json[..1500].iter().enumerate() {
        assert_eq!(line["type"], "diagnostic");
        assert_eq!(line["file"], "many.jsonl");
        assert_eq!(line["line"], index as u64 + 1, "in file order");
        assert_eq!(line["severity"], "error");
    }
    assert_eq!(
        json[1500],
        serde_json::json!({
            "type": "summary",
            "file": "many.jsonl",
            "outcome": "refused",
            "batch": null,
            "records": null,
            "created": null,
            "revised": null,
            "unchanged": null,
            "quarantined": null,
            "quarantine_file": null,
            "diagnostics": {
                "errors": 1500,
                "warnings": 0,
                "infos": 0,
                "by_code": [
                    {"severity": "error", "code": json[0]["code"], "count": 1485},
                    {"severity": "error", "code": "json-syntax", "count": 15},
                ],
            },
            "message": "many.jsonl: 1500 problems found; nothing was imported from this file",
        })
    );

    // Without --report, the terminal says where to get the rest.
    let stderr = workspace.fails(&["import-records", "many.jsonl"], 1);
    assert!(
        stderr.contains("... 1450 more: --report FILE or --json lists every one\n"),
        "{stderr}"
    );
    assert_eq!(workspace.stats(), before, "nothing written");
    assert_eq!(workspace.ok(&["query", "--json"]), "");
}

/// The SIPRI register plugin and its file of bad rows: five refused rows, one good row
/// with a warning.
fn register_workspace() -> Workspace {
    let workspace = Workspace::with_control_list();
    workspace.copy(
        &plugin_component("register-sipri-csv"),
        "register-sipri-csv.wasm",
    );
    workspace.copy(
        &project_root().join("plugins/register-sipri-csv/fixtures/rejected/bad-rows.csv"),
        "bad-rows.csv",
    );
    workspace.ok(&["plugin", "install", "register-sipri-csv.wasm"]);
    workspace
}

const IMPORT: &[&str] = &["import", "--plugin", "register-sipri-csv", "bad-rows.csv"];

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    IMPORT.iter().chain(extra).copied().collect()
}

/// The quarantine file with the plugin's hash and version, which change with every
/// build of the plugin, as placeholders.
fn without_plugin_build(quarantine: &str) -> String {
    let header = json_lines(quarantine.lines().next().unwrap_or_default())
        .pop()
        .expect("a header line");
    let mut text = quarantine.to_owned();
    for (field, placeholder) in [("wasm_sha256", "WASM_SHA256"), ("version", "VERSION")] {
        let value = header["adapter"][field].as_str().expect(field);
        text = text.replace(
            &format!(r#""{field}":"{value}""#),
            &format!(r#""{field}":"{placeholder}""#),
        );
    }
    text
}

#[test]
fn warnings_are_shown_beside_errors_and_without_quarantine_nothing_is_written() {
    let workspace = register_workspace();
    let before = workspace.stats();
    let stderr = workspace.fails(IMPORT, 1);
    golden("import-register-refused.txt", &stderr);
    assert_eq!(workspace.stats(), before, "nothing written");
}

#[test]
fn quarantine_imports_the_valid_rows_and_writes_the_refused_ones() {
    let workspace = register_workspace();

    // --json: the diagnostics, then the summary with the quarantine.
    let out = workspace.ok(&with(&["--quarantine", "refused.jsonl", "--json"]));
    let json = json_lines(&out);
    assert_eq!(json.len(), 8, "{out}");
    assert!(json[..7].iter().all(|line| line["type"] == "diagnostic"));
    let summary = &json[7];
    assert_eq!(summary["outcome"], "imported");
    assert_eq!(
        (
            &summary["batch"],
            &summary["created"],
            &summary["quarantined"],
            &summary["quarantine_file"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!(1),
            &serde_json::json!(5),
            &serde_json::json!("refused.jsonl")
        )
    );
    assert_eq!(summary["diagnostics"]["errors"], 6);
    assert_eq!(summary["diagnostics"]["warnings"], 1);

    let quarantine = std::fs::read_to_string(workspace.path("refused.jsonl")).expect("read");
    golden(
        "import-register-quarantine.jsonl",
        &without_plugin_build(&quarantine),
    );
    let records = json_lines(&workspace.ok(&["query", "--json"]));
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0]["draft"]["record"]["designation"],
        "Example-1 (fictional)"
    );

    // The audit entry counts the quarantined rows and names the file's hash.
    let audit = json_lines(&workspace.ok(&["audit", "log", "--json"]));
    let import = audit
        .iter()
        .rev()
        .find(|entry| entry["action"] == "import")
        .expect("an import entry");
    assert_eq!(import["details"]["quarantined"], 5);
    assert_eq!(import["details"]["quarantine_file"], "refused.jsonl");
    assert_eq!(
        import["details"]["quarantine_sha256"]
            .as_str()
            .map(str::len),
        Some(64)
    );
    assert!(
        workspace
            .ok(&["audit", "verify"])
            .starts_with("audit log intact")
    );

    // The same quarantined import again: a no-op that says what the first one did.
    std::fs::remove_file(workspace.path("refused.jsonl")).expect("remove");
    let again = workspace.ok(&with(&["--quarantine", "refused.jsonl"]));
    assert_eq!(
        again,
        "bad-rows.csv: already imported as batch 1 on 2026-11-28T12:00:00Z by tester; nothing \
         to do (that import quarantined 5 refused rows in refused.jsonl)\n"
    );
    assert!(
        !workspace.path("refused.jsonl").exists(),
        "not written again"
    );

    // Without --quarantine it is another import, all or nothing: refused.
    let stderr = workspace.fails(IMPORT, 1);
    assert!(
        stderr.ends_with(
            "error: bad-rows.csv: 6 problems found (and 1 warning); nothing was imported from this file\n"
        ),
        "{stderr}"
    );
    assert_eq!(json_lines(&workspace.ok(&["query", "--json"])).len(), 1);
}

#[test]
fn the_terminal_says_what_was_imported_and_quarantined() {
    let workspace = register_workspace();
    let output = workspace.run(&with(&["--quarantine", "refused.jsonl"]));
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8(output.stdout).expect("utf-8"),
        "bad-rows.csv: imported 1 records as batch 1 (1 new, 0 revised, 0 unchanged); \
         5 refused rows quarantined in refused.jsonl\n"
    );
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert!(
        stderr.contains("bad-rows.csv:8: warning: Recipient: `Atlantis`"),
        "{stderr}"
    );
}

#[test]
fn quarantine_takes_one_file_and_overwrites_neither_input_nor_report() {
    let workspace = Workspace::with_control_list();
    workspace.write("a.jsonl", "");
    workspace.write("b.jsonl", "");
    let before = workspace.stats();
    let stderr = workspace.fails(
        &[
            "import-records",
            "a.jsonl",
            "b.jsonl",
            "--quarantine",
            "q.jsonl",
        ],
        2,
    );
    assert_eq!(
        stderr,
        "error: --quarantine q.jsonl takes one input file: the quarantine file holds the \
         refused rows of one source; import the 2 files one at a time\n"
    );
    let stderr = workspace.fails(&["import-records", "a.jsonl", "--quarantine", "a.jsonl"], 2);
    assert_eq!(
        stderr,
        "error: --quarantine a.jsonl would overwrite a.jsonl; name another file\n"
    );
    let stderr = workspace.fails(
        &[
            "import-records",
            "a.jsonl",
            "--report",
            "r.txt",
            "--quarantine",
            "r.txt",
        ],
        2,
    );
    assert_eq!(
        stderr,
        "error: --quarantine r.txt would overwrite r.txt; name another file\n"
    );
    let stderr = workspace.fails(
        &[
            "import-records",
            "a.jsonl",
            "--quarantine",
            "nowhere/q.jsonl",
        ],
        3,
    );
    assert_eq!(
        stderr,
        "error: --quarantine nowhere/q.jsonl: there is no directory nowhere\n"
    );
    assert_eq!(workspace.stats(), before, "nothing written");
    assert_eq!(
        std::fs::read_to_string(workspace.path("a.jsonl")).expect("a"),
        ""
    );
}
