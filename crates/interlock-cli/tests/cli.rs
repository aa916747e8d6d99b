//! End-to-end tests of the `interlock` binary: exit codes, messages and golden outputs.
//! `UPDATE_GOLDEN=1 cargo test -p interlock-cli` rewrites the golden files after a
//! deliberate change; review the diff before committing it.

mod support;

use assert_cmd::Command;
use support::{Workspace, crate_dir, golden, plugin_component};

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
    // JSON Lines: one revision a line, oldest first.
    let json = workspace.json_lines(&["show", &id, "--history", "--json"]);
    let revisions: Vec<_> = json
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| r["revision"].as_u64())
        .collect();
    assert_eq!(revisions, [Some(1), Some(2)]);
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
    let stderr = workspace.fails(&["import-records", "nope.jsonl"], 3);
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

#[test]
fn query_by_destination_and_origin() {
    let workspace = imported_workspace();
    let sources = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["query", "--json"];
        all.extend_from_slice(args);
        workspace
            .json_lines(&all)
            .as_array()
            .expect("records")
            .iter()
            .map(|r| {
                r["draft"]["source_ref"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    };
    const LICENCE: &str = "GBSIEL/2026/0000101";
    const EXPORT: &str = "26GB00000000000011/1";
    const SEIZURE: &str = "MPS/2026/0042";
    // To DE: the licence (its destination, its end user) and the export declaration. The
    // seized rifle was made in DE: DE is its origin, and `--country` finds all three.
    assert_eq!(sources(&["--destination", "DE"]), [LICENCE, EXPORT]);
    assert_eq!(sources(&["--origin", "DE"]), [SEIZURE]);
    assert_eq!(sources(&["--country", "DE"]), [LICENCE, EXPORT, SEIZURE]);
    // From GB: the licence's exporter and the declaration's country of dispatch; where
    // the seizure happened is neither.
    assert_eq!(sources(&["--origin", "gb"]), [LICENCE, EXPORT]);
    assert_eq!(sources(&["--destination", "GB"]), Vec::<String>::new());
    // The Libya embargo bars supply: LY is a destination.
    assert_eq!(sources(&["--destination", "LY"]), ["UNSCR-1970"]);
    assert_eq!(sources(&["--origin", "LY"]), Vec::<String>::new());
    // Combined with each other and with the other filters.
    assert_eq!(
        sources(&[
            "--origin",
            "GB",
            "--destination",
            "DE",
            "--kind",
            "customs_declaration"
        ]),
        [EXPORT]
    );
    assert_eq!(
        sources(&["--destination", "DE", "--agency", "licensing"]),
        [LICENCE]
    );
    assert_eq!(
        sources(&["--destination", "DE", "--from", "2026-03-01"]),
        [EXPORT]
    );
    assert_eq!(
        sources(&["--destination", "DE", "--serial", "HK-G36-004513"]),
        [LICENCE]
    );
    golden(
        "query-destination-DE.txt",
        &workspace.ok(&["query", "--destination", "DE"]),
    );
}

#[test]
fn query_as_csv_for_spreadsheets() {
    let workspace = imported_workspace();
    let csv = workspace.ok(&["query", "--format", "csv"]);
    golden("query.csv", &csv);
    // The csv crate reads it back: a header and one row per record, quoted where needed.
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "kind",
            "agency",
            "source_ref",
            "event_date",
            "revision",
            "destinations",
            "origins",
            "summary",
            "source_file",
            "source_line",
            "batch"
        ]
    );
    assert_eq!(reader.records().count(), 4);

    // A source reference an agency's file could hold that a spreadsheet would run.
    let formula = std::fs::read_to_string(crate_dir().join("tests/data/records.jsonl"))
        .expect("read")
        .lines()
        .nth(2)
        .expect("the police case")
        .replace("MPS/2026/0042", "=HYPERLINK(\\\"http://x\\\")");
    workspace.write("formula.jsonl", &format!("{formula}\n"));
    workspace.ok(&["import-records", "formula.jsonl"]);
    let csv = workspace.ok(&["query", "--format", "csv", "--kind", "police_case"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let refs: Vec<String> = reader
        .records()
        .map(|row| row.expect("row")[3].to_owned())
        .collect();
    assert!(
        refs.contains(&"'=HYPERLINK(\"http://x\")".to_owned()),
        "{refs:?}"
    );

    // --json is short for --format json; asking for both is a usage error.
    assert_eq!(
        workspace.ok(&["query", "--json"]),
        workspace.ok(&["query", "--format", "json"])
    );
    let stderr = workspace.fails(&["query", "--json", "--format", "csv"], 2);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    let stderr = workspace.fails(&["query", "--format", "xml"], 2);
    assert!(
        stderr.contains("possible values: table, json, csv"),
        "{stderr}"
    );
}

/// Every command that reads a file names it and exits 3 when it is not there, and
/// writes nothing.
#[test]
fn a_missing_input_file_is_not_found_for_every_command() {
    let workspace = Workspace::with_control_list();
    workspace.copy(&plugin_component("customs-csv"), "customs-csv.wasm");
    workspace.ok(&["plugin", "install", "customs-csv.wasm"]);
    workspace.ok(&[
        "agency", "add", "--id", "customs", "--name", "Customs", "--kind", "customs",
    ]);
    workspace.write("input.csv", "not read\n");
    let before = workspace.stats();
    let audit_before = workspace.ok(&["audit", "log", "--json"]);
    let commands: &[(&[&str], &str)] = &[
        (&["import-records", "missing.jsonl"], "missing.jsonl"),
        (
            &["import", "--plugin", "customs-csv", "missing.csv"],
            "missing.csv",
        ),
        (&["embargo", "import", "missing.jsonl"], "missing.jsonl"),
        (&["control-list", "import", "missing.toml"], "missing.toml"),
        (
            &["control-list", "diff", "missing.toml", "1.1.0"],
            "missing.toml",
        ),
        (&["agency", "add", "--file", "missing.toml"], "missing.toml"),
        (
            &["agency", "update", "customs", "--file", "missing.toml"],
            "missing.toml",
        ),
        (&["calendar", "import", "missing.toml"], "missing.toml"),
        (&["plugin", "install", "missing.wasm"], "missing.wasm"),
        (
            &["plugin", "run", "missing.wasm", "input.csv"],
            "missing.wasm",
        ),
        (
            &["plugin", "run", "customs-csv.wasm", "missing.csv"],
            "missing.csv",
        ),
    ];
    for (args, file) in commands {
        let stderr = workspace.fails(args, 3);
        assert!(stderr.contains(file), "interlock {args:?}: {stderr}");
    }
    assert_eq!(workspace.stats(), before);
    assert_eq!(workspace.ok(&["audit", "log", "--json"]), audit_before);
}

/// A bad value for an argument is a usage error (2), whether clap or interlock finds it,
/// and nothing is written.
#[test]
fn a_bad_argument_value_is_a_usage_error() {
    let workspace = Workspace::with_control_list();
    let audit_before = workspace.ok(&["audit", "log", "--json"]);
    let commands: &[(&[&str], &str)] = &[
        (&["query", "--from", "2026-13-01"], "--from"),
        (&["query", "--kind", "tank"], "unknown kind `tank`"),
        (
            &["query", "--country", "UK"],
            "`UK` is not an ISO 3166-1 alpha-2 country code",
        ),
        (
            &["query", "--destination", "XX"],
            "`XX` is not an ISO 3166-1",
        ),
        (&["query", "--origin", "Germany"], "`Germany` is not an ISO"),
        (&["query", "--limit", "lots"], "--limit"),
        (&["check", "--rule", "nope"], "no rule `nope`"),
        (&["check", "--fail-on", "extreme"], "--fail-on"),
        (
            &["settings", "set", "--reporting-state", "UK"],
            "`UK` is not an ISO 3166-1 alpha-2 country code",
        ),
        (
            &[
                "agency", "add", "--id", "Customs", "--name", "C", "--kind", "customs",
            ],
            "`Customs` cannot be an agency id",
        ),
        (
            &[
                "agency", "add", "--id", "x", "--name", "X", "--kind", "navy",
            ],
            "navy",
        ),
        (&["report", "att", "--format", "docx"], "docx"),
        (
            &["import", "--plugin", "p", "--option", "novalue", "f"],
            "novalue",
        ),
        (&["completions", "tcsh"], "tcsh"),
    ];
    for (args, message) in commands {
        let stderr = workspace.fails(args, 2);
        assert!(stderr.contains(message), "interlock {args:?}: {stderr}");
    }
    assert_eq!(workspace.ok(&["audit", "log", "--json"]), audit_before);
}

#[test]
fn completions_name_the_real_commands() {
    let workspace = Workspace::empty();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = workspace.ok(&["completions", shell]);
        for name in ["import-records", "control-list", "calendar", "destination"] {
            assert!(script.contains(name), "{shell} completions lack {name}");
        }
    }
}

#[test]
fn the_manual_names_the_real_commands() {
    let workspace = Workspace::empty();
    let page = workspace.ok(&["man"]);
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{page}");
    assert!(page.contains(".TH interlock 1"), "{page}");
    for name in ["import\\-records", "control\\-list", "Exit codes"] {
        assert!(page.contains(name), "the manual lacks {name}");
    }
    let said = workspace.ok(&["man", "--out", "man"]);
    assert_eq!(said, "wrote the manual pages to man\n");
    let pages: Vec<String> = std::fs::read_dir(workspace.path("man"))
        .expect("the man directory")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for page in [
        "interlock.1",
        "interlock-query.1",
        "interlock-control-list.1",
        "interlock-control-list-import.1",
    ] {
        assert!(pages.iter().any(|p| p == page), "{page} not in {pages:?}");
    }
    let query = std::fs::read_to_string(workspace.path("man/interlock-query.1")).expect("page");
    assert!(query.contains("\\-\\-destination"), "{query}");
}

#[test]
fn version_names_the_plugin_interfaces() {
    let workspace = Workspace::empty();
    let version = workspace.ok(&["--version"]);
    let newest = &interlock_host::SUPPORTED_INTERFACES[0];
    assert!(
        version.starts_with(&format!("interlock {}\n", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    assert!(
        version.contains(&format!(
            "plugin interfaces: interlock:adapter 1.0, {}.{}",
            newest.major, newest.minor
        )) || (newest.minor == 0 && version.contains("interlock:adapter 1.0")),
        "{version}"
    );
}

#[test]
fn every_json_stream_is_json_lines() {
    let workspace = imported_workspace();
    let id = interlock_core::RecordId::derive(
        "licensing",
        interlock_core::RecordKind::Authorization,
        "GBSIEL/2026/0000101",
    )
    .to_hex();
    workspace.ok(&[
        "withhold",
        "add",
        &id,
        "--basis",
        "commercial",
        "--reason",
        "contract terms",
    ]);
    workspace.ok(&[
        "agency", "add", "--id", "customs", "--name", "Customs", "--kind", "customs",
    ]);
    workspace.ok(&["check"]);
    // (command, how many objects it prints here; 0: some)
    let streams: &[(&[&str], usize)] = &[
        (&["query", "--json"], 4),
        (&["audit", "log", "--json"], 0),
        (&["control-list", "versions", "--json"], 2),
        (&["withhold", "list", "--json"], 1),
        (&["agency", "list", "--json"], 1),
        (&["agency", "show", "customs", "--history", "--json"], 1),
        (&["show", &id, "--history", "--json"], 1),
        (&["trace", "HKG36004512", "--json"], 2),
        (&["show", &id, "--json"], 1),
        (&["stats", "--json"], 1),
        (&["audit", "verify", "--json"], 1),
        (&["settings", "show", "--json"], 1),
        (&["control-list", "show", "ML1", "--json"], 1),
    ];
    for (args, count) in streams {
        let out = workspace.ok(args);
        let lines: Vec<&str> = out.lines().collect();
        if *count > 0 {
            assert_eq!(lines.len(), *count, "interlock {args:?}:\n{out}");
        }
        for line in lines {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("interlock {args:?}: {e}: {line}"));
            assert!(
                value.is_object(),
                "interlock {args:?}: not an object: {line}"
            );
        }
    }
}
