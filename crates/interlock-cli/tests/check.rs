//! End-to-end tests of `interlock check`, `interlock finding` and `interlock trace`: findings
//! are stable across runs, new data adds or resolves them and says which, review states are
//! audited, `--fail-on` gives scripts an exit code, and a serial's story spans agencies.

mod support;

use support::Workspace;

const LICENCE: &str = r#"{"agency":"licensing","source_ref":"GB/1","record":{"kind":"authorization","reference":"GB/1","direction":"export","status":"issued","issuing_authority":"ECJU","issue_date":"2026-02-01","valid_from":"2026-02-01","valid_until":"2027-02-01","parties":[{"role":"end_user","name":"Forsvarsmateriell","country":"NO"}],"countries":[{"country":"NO","role":"destination"}],"euc_reference":"NO-EUC-1","lines":[{"line_no":1,"description":"Assault rifles","control_entry":"ML1.a.4","controlled_by":"quantity","quantity":{"amount":"10","unit":"NAR"},"serial_numbers":["HK-G36-004512"]}]}}"#;
const EUC: &str = r#"{"agency":"licensing","source_ref":"NO-EUC-1","record":{"kind":"end_user_certificate","reference":"NO-EUC-1","issuing_country":"NO","date":"2026-01-20","end_user":{"role":"end_user","name":"Forsvarsmateriell","country":"NO"},"goods_description":"Assault rifles","authorization_ref":"GB/1"}}"#;

fn usage(reference: &str, date: &str, amount: u32) -> String {
    format!(
        r#"{{"agency":"customs","source_ref":"{reference}","record":{{"kind":"licence_usage","authorization_ref":"GB/1","line_no":1,"declaration_ref":"{reference}","usage_type":"original","date":"{date}","quantity":"{amount}"}}}}"#
    )
}

const SEIZURE: &str = r#"{"agency":"police","source_ref":"NPFU/1","record":{"kind":"police_case","case_ref":"NPFU/1","police_agency":"NPFU","date":"2026-06-14","location":"Port of Felixstowe","country":"GB","event":"seizure","items":[{"make":"Heckler & Koch","model":"G36","serial":"HK G36 004512"}]}}"#;

fn workspace_with(files: &[(&str, Vec<String>)]) -> Workspace {
    let workspace = Workspace::with_control_list();
    for (name, lines) in files {
        workspace.write(name, &(lines.join("\n") + "\n"));
        workspace.ok(&["import-records", name]);
    }
    workspace
}

fn over_limit_ids(workspace: &Workspace) -> Vec<String> {
    workspace
        .ok(&["check", "--rule", "over-limit", "--json"])
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("json"))
        .map(|f| f["finding"]["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn findings_are_stable_new_data_resolves_them_and_reviews_are_audited() {
    let workspace = workspace_with(&[(
        "a.jsonl",
        vec![
            LICENCE.to_owned(),
            EUC.to_owned(),
            usage("D1", "2026-03-01", 6),
            usage("D2", "2026-04-01", 6),
        ],
    )]);
    let first = workspace.ok(&["check", "--rule", "over-limit"]);
    assert!(first.contains("over-limit"), "{first}");
    assert!(first.contains("1 finding(s): 1 new, 0 resolved"), "{first}");
    let audit_before = workspace.ok(&["audit", "log"]).lines().count();

    // Unchanged data: the same finding, nothing new, nothing written.
    let ids = over_limit_ids(&workspace);
    assert_eq!(ids.len(), 1);
    let again = workspace.ok(&["check", "--rule", "over-limit"]);
    assert!(again.contains("1 finding(s): 0 new, 0 resolved"), "{again}");
    assert_eq!(
        workspace.ok(&["audit", "log"]).lines().count(),
        audit_before
    );
    assert_eq!(over_limit_ids(&workspace), ids);

    // A reviewer confirms it; the change is in the audit log with its reason.
    let id = &ids[0][..8];
    assert!(
        workspace
            .ok(&[
                "finding",
                "set",
                id,
                "confirmed",
                "--reason",
                "CA confirms 12 received"
            ])
            .contains("is now confirmed")
    );
    let refused = workspace.fails(&["finding", "set", id, "confirmed", "--reason", "again"], 1);
    assert!(refused.contains("already confirmed"), "{refused}");
    let log = workspace.ok(&["audit", "log"]);
    assert!(log.contains("finding-state-changed"), "{log}");
    let shown = workspace.ok(&["finding", "show", id]);
    assert!(shown.contains("state        confirmed"), "{shown}");
    assert!(
        shown.contains("a.jsonl:3"),
        "evidence cites file and line: {shown}"
    );
    assert!(shown.contains("CA confirms 12 received"), "{shown}");

    // --fail-on gives scripts a non-zero exit while a confirmed high finding stands.
    workspace.fails(&["check", "--rule", "over-limit", "--fail-on", "high"], 6);

    // Customs corrects D2 to 4 items (a new revision): the line is back at its limit of
    // 10, which is not over, so the finding is resolved.
    workspace.write("b.jsonl", &(usage("D2", "2026-04-01", 4) + "\n"));
    workspace.ok(&["import-records", "b.jsonl"]);
    let after = workspace.ok(&["check", "--rule", "over-limit"]);
    assert!(after.contains("0 finding(s): 0 new, 1 resolved"), "{after}");
    assert!(after.contains(&format!("resolved: {}", ids[0])), "{after}");
    assert!(workspace.ok(&["finding", "list"]).contains("0 finding(s)"));
    assert!(
        workspace
            .ok(&["finding", "list", "--all"])
            .contains("confirmed (resolved)")
    );
}

#[test]
fn unknown_rules_and_findings_are_named() {
    let workspace = Workspace::new();
    let error = workspace.fails(&["check", "--rule", "no-such-rule"], 2);
    assert!(error.contains("no rule `no-such-rule`"), "{error}");
    let error = workspace.fails(&["finding", "show", "abcdef12"], 3);
    assert!(error.contains("no finding with id abcdef12"), "{error}");
    let rules = workspace.ok(&["check", "--list-rules"]);
    assert!(
        rules.contains("over-limit") && rules.contains("ATT Art."),
        "{rules}"
    );
}

#[test]
fn a_serial_tells_its_story_across_agencies() {
    let workspace = workspace_with(&[(
        "a.jsonl",
        vec![
            LICENCE.to_owned(),
            usage("D1", "2026-03-01", 6),
            SEIZURE.to_owned(),
        ],
    )]);
    let story = workspace.ok(&["trace", "hk-g36-004512"]);
    let lines: Vec<&str> = story.lines().collect();
    assert!(lines[0].starts_with("DATE"), "{story}");
    assert!(
        lines[1].contains("licensing")
            && lines[1].contains("authorized on export licence GB/1 line 1"),
        "{story}"
    );
    assert!(
        lines[2].contains("customs") && lines[2].contains("declaration D1"),
        "{story}"
    );
    assert!(
        lines[3].contains("police") && lines[3].contains("seized"),
        "{story}"
    );
    assert!(lines[3].contains("a.jsonl:3"), "{story}");
    let json = workspace.ok(&["trace", "HKG36004512", "--json"]);
    assert_eq!(json.lines().count(), 3);
    // Another make: the seized Heckler & Koch is not this weapon; the licence line, which
    // names no make, cannot be told apart and stays.
    let glock = workspace.ok(&["trace", "HK-G36-004512", "--make", "Glock"]);
    assert!(
        !glock.contains("police") && glock.contains("licensing"),
        "{glock}"
    );
    assert!(
        workspace
            .ok(&["trace", "XX-0000"])
            .contains("no record mentions serial")
    );
}

#[test]
fn the_un_embargo_reference_set_loads_and_only_embargoes_do() {
    let workspace = Workspace::with_control_list();
    workspace.copy(
        &support::project_root().join("fixtures/embargoes/un-arms-embargoes.jsonl"),
        "un.jsonl",
    );
    let loaded = workspace.ok(&["embargo", "import", "un.jsonl"]);
    assert!(loaded.starts_with("un.jsonl: imported"), "{loaded}");
    workspace.write(
        "mixed.jsonl",
        &format!("{}\n{}\n", LICENCE, LICENCE.replace("GB/1", "GB/2")),
    );
    let before = workspace.stats();
    let refused = workspace.fails(&["embargo", "import", "mixed.jsonl"], 1);
    assert!(
        refused.contains(
            "mixed.jsonl:1: record.kind: is authorization, but this file may hold only embargo records"
        ),
        "{refused}"
    );
    assert_eq!(workspace.stats(), before, "nothing was written");
}
