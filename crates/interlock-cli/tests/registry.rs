//! End-to-end tests of `interlock settings|agency|roles|handbook|calendar` on the demo
//! registry (`fixtures/registry/`) over the scenario's licensing records
//! (`fixtures/records/scenario-2026.jsonl`): no plugin is built, so customs and police
//! have no data, which the calendar's readiness says. `UPDATE_GOLDEN=1 cargo test -p
//! interlock-cli --test registry` rewrites the golden files.

mod support;

use support::{Workspace, crate_dir, golden, project_root};

const AGENCIES: [&str; 3] = ["customs", "licensing", "police"];

fn copy_fixture(workspace: &Workspace, name: &str) {
    workspace.copy(&project_root().join("fixtures/registry").join(name), name);
}

/// The demo's settings.
fn set_demo_settings(workspace: &Workspace) -> String {
    workspace.ok(&[
        "settings",
        "set",
        "--reporting-state",
        "GB",
        "--currency",
        "GBP",
        "--contact-name",
        "Alex Morgan",
        "--contact-position",
        "Head of ATT Policy and Reporting",
        "--contact-organisation",
        "Export Control Joint Unit",
        "--contact-details",
        "+44 20 7946 0200, att-npc@ecju.example",
        "--reporting-authority",
        "Export Control Joint Unit",
        "--public",
        "no",
    ])
}

/// The scenario's licensing records, then the demo registry, settings and deadlines.
fn demo() -> Workspace {
    let workspace = Workspace::with_control_list();
    workspace.copy(
        &project_root().join("fixtures/records/scenario-2026.jsonl"),
        "scenario-2026.jsonl",
    );
    workspace.ok(&["import-records", "scenario-2026.jsonl"]);
    set_demo_settings(&workspace);
    for agency in AGENCIES {
        let file = format!("{agency}.toml");
        copy_fixture(&workspace, &file);
        workspace.ok(&["agency", "add", "--file", &file]);
    }
    copy_fixture(&workspace, "deadlines.toml");
    workspace.ok(&["calendar", "import", "deadlines.toml"]);
    workspace
}

fn audit_entries(workspace: &Workspace) -> u64 {
    workspace.stats()["audit_entries"]
        .as_u64()
        .expect("audit entries")
}

#[test]
fn settings_are_shown_set_and_audited() {
    let workspace = Workspace::new();
    let shown = workspace.ok(&["settings", "show"]);
    assert!(
        shown.starts_with("reporting State         (not set)\n"),
        "{shown}"
    );
    assert_eq!(
        workspace.json(&["settings", "show", "--json"])["public_reports"],
        false
    );

    let changed = set_demo_settings(&workspace);
    assert_eq!(
        changed,
        "settings changed:\n\
         \x20 reporting State: (not set) -> GB\n\
         \x20 national currency: (not set) -> GBP\n\
         \x20 point of contact: (not set) -> Alex Morgan\n\
         \x20 position: (not set) -> Head of ATT Policy and Reporting\n\
         \x20 organisation: (not set) -> Export Control Joint Unit\n\
         \x20 contact details: (not set) -> +44 20 7946 0200, att-npc@ecju.example\n\
         \x20 reporting authority: (not set) -> Export Control Joint Unit\n"
    );
    golden(
        "registry-settings.txt",
        &workspace.ok(&["settings", "show"]),
    );
    let entries = audit_entries(&workspace);
    assert_eq!(
        set_demo_settings(&workspace),
        "settings unchanged: they already have these values\n"
    );
    assert_eq!(audit_entries(&workspace), entries, "no change, no entry");

    let changed = workspace.ok(&["settings", "set", "--public", "yes"]);
    assert_eq!(
        changed,
        "settings changed:\n  reports may be public: no -> yes\n"
    );
    let log = workspace.json_lines(&["audit", "log", "--json"]);
    let last = log.as_array().and_then(|l| l.last()).expect("entries");
    assert_eq!(last["action"], "settings-changed");
    assert_eq!(
        last["details"]["changed"],
        serde_json::json!(["public_reports"])
    );
    assert_eq!(
        workspace.json(&["audit", "verify", "--json"])["intact"],
        true
    );
}

#[test]
fn bad_settings_are_refused_and_nothing_is_written() {
    let workspace = Workspace::new();
    set_demo_settings(&workspace);
    let entries = audit_entries(&workspace);
    let stderr = workspace.fails(
        &[
            "settings",
            "set",
            "--reporting-state",
            "UK",
            "--currency",
            "XYZ",
            "--public",
            "yes",
        ],
        2,
    );
    assert_eq!(
        stderr,
        "error: settings not changed: reporting_state: `UK` is not an ISO 3166-1 alpha-2 country code; \
         national_currency: `XYZ` is not an ISO 4217 currency code\n"
    );
    assert_eq!(audit_entries(&workspace), entries);
    let settings = workspace.json(&["settings", "show", "--json"]);
    assert_eq!(settings["reporting_state"], "GB");
    assert_eq!(settings["public_reports"], false);

    let stderr = workspace.fails(&["settings", "set"], 2);
    assert!(stderr.contains("give at least one setting"), "{stderr}");
    let stderr = workspace.fails(&["settings", "set", "--public", "maybe"], 2);
    assert!(stderr.contains("say yes or no"), "{stderr}");
}

#[test]
fn roles_calendar_and_handbook_on_the_demo() {
    let workspace = demo();
    golden(
        "registry-roles.txt",
        &workspace.ok(&["roles", "--today", "2027-04-20"]),
    );
    golden(
        "registry-calendar.txt",
        &workspace.ok(&["calendar", "--today", "2027-04-20", "--year", "2026"]),
    );
    golden(
        "registry-handbook.md",
        &workspace.ok(&["handbook", "--today", "2027-04-20"]),
    );
    golden("registry-agencies.txt", &workspace.ok(&["agency", "list"]));

    // The handbook written to a file is the same document.
    let said = workspace.ok(&["handbook", "--today", "2027-04-20", "--out", "handbook.md"]);
    assert_eq!(
        said,
        "wrote the handbook to handbook.md (3 agencies, as of 2027-04-20)\n"
    );
    assert_eq!(
        std::fs::read_to_string(workspace.path("handbook.md")).expect("handbook"),
        std::fs::read_to_string(crate_dir().join("tests/golden/registry-handbook.md"))
            .expect("golden")
    );

    // The JSON forms carry the same findings.
    let roles = workspace.json(&["roles", "--today", "2027-04-20", "--json"]);
    let findings: Vec<&str> = roles["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["finding"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        findings,
        [
            "gap",
            "overlap_without_lead",
            "contact_ended",
            "contact_ended"
        ]
    );
    let calendar = workspace.json(&[
        "calendar",
        "--today",
        "2027-04-20",
        "--year",
        "2026",
        "--json",
    ]);
    assert_eq!(calendar["obligations"][0]["days_left"], -20);
    assert_eq!(
        calendar["obligations"][0]["responsible"]["agency"],
        "customs"
    );
    assert_eq!(calendar["readiness"][0]["status"], "missing");
    assert_eq!(
        calendar["readiness"][0]["problems"][0],
        "no customs records dated in 2026"
    );

    // Without --today, the day INTERLOCK_FIXED_TIME pins (2026-11-28); without --year, the
    // year before.
    let roles = workspace.ok(&["roles"]);
    // Nobody's term has ended yet on that day: only the gap and the overlap.
    assert!(roles.contains("2 finding(s) on 2026-11-28:"), "{roles}");
    let calendar = workspace.ok(&["calendar"]);
    assert!(
        calendar.starts_with("Reporting calendar for the 2025 data, on 2026-11-28\n"),
        "{calendar}"
    );

    assert_eq!(
        workspace.json(&["audit", "verify", "--json"])["intact"],
        true
    );
}

#[test]
fn agencies_are_versioned_and_their_history_is_shown() {
    let workspace = demo();
    let said = workspace.ok(&[
        "agency",
        "update",
        "customs",
        "--name",
        "Border Revenue and Customs Agency",
    ]);
    assert_eq!(
        said,
        "agency customs updated: version 2 (was 1); changed: name\n"
    );
    // The whole description again from its file: the name goes back, a third version.
    let said = workspace.ok(&["agency", "update", "customs", "--file", "customs.toml"]);
    assert_eq!(
        said,
        "agency customs updated: version 3 (was 2); changed: name\n"
    );
    let said = workspace.ok(&["agency", "update", "customs", "--file", "customs.toml"]);
    assert_eq!(
        said,
        "agency customs unchanged: version 3 already says this; nothing to do\n"
    );
    golden(
        "registry-agency-history.txt",
        &workspace.ok(&["agency", "show", "customs", "--history"]),
    );
    let history = workspace.json_lines(&["agency", "show", "customs", "--history", "--json"]);
    let versions: Vec<u64> = history
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["version"].as_u64().expect("version"))
        .collect();
    assert_eq!(versions, [1, 2, 3]);
    assert_eq!(
        history[1]["name"], "Border Revenue and Customs Agency",
        "the earlier version is kept"
    );
    let current = workspace.json(&["agency", "show", "customs", "--json"]);
    assert_eq!(current["version"], 3);
    assert_eq!(current["mandates"][0]["phase"], "enforcement");
    assert_eq!(
        workspace.json(&["audit", "verify", "--json"])["intact"],
        true
    );

    // A simple agency needs no file.
    let said = workspace.ok(&[
        "agency",
        "add",
        "--id",
        "defence",
        "--name",
        "Ministry of Defence",
        "--kind",
        "defence",
    ]);
    assert_eq!(
        said,
        "registered agency defence (Ministry of Defence, defence): 0 mandate(s), 0 contact(s), 0 plugin(s)\n"
    );
}

#[test]
fn bad_agency_files_are_refused_with_their_lines_and_nothing_is_written() {
    let workspace = Workspace::new();
    let entries = audit_entries(&workspace);
    let good = std::fs::read_to_string(project_root().join("fixtures/registry/customs.toml"))
        .expect("fixture");
    workspace.write(
        "bad.toml",
        &good
            .replace("kind = \"customs\"", "kind = \"border guard\"")
            .replace("since = 2021-03-01", "since = 2027-03-01")
            .replace("phase = \"enforcement\"", "phase = \"policing\""),
    );
    let stderr = workspace.fails(&["agency", "add", "--file", "bad.toml"], 1);
    assert_eq!(
        stderr,
        "bad.toml:4: kind: `border guard` is not an agency kind; use one of: customs, licensing, police, defence, foreign_affairs, justice, intelligence, other\n\
         bad.toml:23: contacts[1].until: 2027-01-31 is before the start of the term (2027-03-01)\n\
         bad.toml:33: mandates[0].phase: `policing` is not an implementation phase; use one of: att_domestication, national_control_system, regulation_of_role_players, application_and_authorisation, enforcement, information_management, accounting_and_reporting, post_delivery_cooperation\n\
         error: bad.toml: 3 problems found; nothing was registered\n"
    );
    workspace.write(
        "bad.toml",
        &good.replace("id = \"customs\"", "id = \"Customs\""),
    );
    let stderr = workspace.fails(&["agency", "add", "--file", "bad.toml"], 1);
    assert_eq!(
        stderr,
        "bad.toml:2: id: `Customs` cannot be an agency id: use what the records carry in their `agency` field \
         (lower-case letters, digits, `-`, `_`, starting with a letter)\n\
         error: bad.toml: 1 problem found; nothing was registered\n"
    );
    workspace.write(
        "bad.toml",
        &good.replace("role = \"lead\"", "rol = \"lead\""),
    );
    let stderr = workspace.fails(&["agency", "add", "--file", "bad.toml"], 1);
    assert!(
        stderr.starts_with("bad.toml:34: unknown field `rol`"),
        "{stderr}"
    );
    let stderr = workspace.fails(&["agency", "add", "--file", "missing.toml"], 3);
    assert!(stderr.contains("missing.toml"), "{stderr}");
    assert_eq!(audit_entries(&workspace), entries, "nothing written");
    assert_eq!(
        workspace.json_lines(&["agency", "list", "--json"]),
        serde_json::json!([])
    );

    copy_fixture(&workspace, "customs.toml");
    copy_fixture(&workspace, "police.toml");
    workspace.ok(&["agency", "add", "--file", "customs.toml"]);
    let entries = audit_entries(&workspace);
    let stderr = workspace.fails(&["agency", "add", "--file", "customs.toml"], 1);
    assert_eq!(
        stderr,
        "error: agency `customs` is already registered; change it with `interlock agency update customs --file AGENCY.toml`\n"
    );
    let stderr = workspace.fails(&["agency", "update", "customs", "--file", "police.toml"], 1);
    assert_eq!(
        stderr,
        "error: police.toml: describes agency `police`, not `customs`; the agency was not changed\n"
    );
    let stderr = workspace.fails(&["agency", "update", "police", "--file", "police.toml"], 3);
    assert_eq!(
        stderr,
        "error: no agency `police` in the registry; `interlock agency list` shows them\n"
    );
    let stderr = workspace.fails(&["agency", "show", "police"], 3);
    assert!(stderr.contains("no agency `police`"), "{stderr}");
    assert_eq!(audit_entries(&workspace), entries, "nothing written");
}

#[test]
fn deadlines_are_added_imported_and_removed() {
    let workspace = Workspace::new();
    copy_fixture(&workspace, "customs.toml");
    let stderr = workspace.fails(
        &[
            "calendar",
            "add",
            "Customs data to the reporting authority",
            "--due",
            "03-31",
            "--agency",
            "customs",
            "--for-previous-year",
        ],
        1,
    );
    assert_eq!(
        stderr,
        "error: deadline `Customs data to the reporting authority` refused: agency `customs` is not registered; \
         register it first with `interlock agency add --file AGENCY.toml`\n"
    );
    workspace.ok(&["agency", "add", "--file", "customs.toml"]);
    let said = workspace.ok(&[
        "calendar",
        "add",
        "Customs data to the reporting authority",
        "--due",
        "03-31",
        "--agency",
        "customs",
        "--for-previous-year",
        "--description",
        "Declarations of the previous year",
    ]);
    assert_eq!(
        said,
        "added deadline `Customs data to the reporting authority` (03-31, for the previous year's data, customs)\n"
    );
    let said = workspace.ok(&[
        "calendar",
        "add",
        "Customs data to the reporting authority",
        "--due",
        "04-15",
        "--agency",
        "customs",
    ]);
    assert_eq!(
        said,
        "changed deadline `Customs data to the reporting authority`: 04-15, for the same year's data, customs \
         (was: 03-31, for the previous year's data, customs)\n"
    );
    let stderr = workspace.fails(
        &[
            "calendar", "add", "x", "--due", "02-30", "--agency", "customs",
        ],
        2,
    );
    assert!(
        stderr.contains("`02-30` is not a day of the year"),
        "{stderr}"
    );

    // A deadlines file naming an agency nobody registered: nothing is written.
    copy_fixture(&workspace, "deadlines.toml");
    let entries = audit_entries(&workspace);
    let stderr = workspace.fails(&["calendar", "import", "deadlines.toml"], 1);
    assert!(
        stderr.contains("refused: agency `police` is not registered"),
        "{stderr}"
    );
    workspace.write(
        "bad-deadlines.toml",
        "[[deadlines]]\nname = \"x\"\ndue = \"3/31\"\ncovers = \"previous_year\"\nagency = \"customs\"\n",
    );
    let stderr = workspace.fails(&["calendar", "import", "bad-deadlines.toml"], 1);
    assert_eq!(
        stderr,
        "bad-deadlines.toml:3: deadlines[0].due: `3/31` is not a day of the year written MM-DD (like 03-31)\n\
         error: bad-deadlines.toml: 1 problem found; no deadline was changed\n"
    );
    assert_eq!(audit_entries(&workspace), entries, "nothing written");

    let said = workspace.ok(&[
        "calendar",
        "remove",
        "Customs data to the reporting authority",
    ]);
    assert_eq!(
        said,
        "removed deadline `Customs data to the reporting authority` (04-15, for the same year's data, customs)\n"
    );
    let stderr = workspace.fails(&["calendar", "remove", "nothing"], 3);
    assert!(stderr.contains("no deadline named `nothing`"), "{stderr}");
    assert_eq!(
        workspace.json(&["audit", "verify", "--json"])["intact"],
        true
    );
}

#[test]
fn imports_must_name_a_registered_agency_once_a_registry_exists() {
    let workspace = Workspace::with_control_list();
    copy_fixture(&workspace, "unregistered-agency.jsonl");
    copy_fixture(&workspace, "customs.toml");
    workspace.ok(&["agency", "add", "--file", "customs.toml"]);
    let before = workspace.stats();
    let stderr = workspace.fails(&["import-records", "unregistered-agency.jsonl"], 1);
    assert_eq!(
        stderr,
        "unregistered-agency.jsonl:1: agency: agency `coastguard` is not in the agency registry (registered: customs); \
         register it with `interlock agency add --file AGENCY.toml` or correct the records' agency; \
         every record of `coastguard` in this file is refused\n\
         error: unregistered-agency.jsonl: 1 problem found; nothing was imported from this file\n"
    );
    assert_eq!(workspace.stats(), before, "nothing written");

    // Registered, the same file goes in.
    workspace.ok(&[
        "agency",
        "add",
        "--id",
        "coastguard",
        "--name",
        "Maritime and Coastguard Patrol",
        "--kind",
        "police",
    ]);
    workspace.ok(&["import-records", "unregistered-agency.jsonl"]);
    assert_eq!(
        workspace.json(&["audit", "verify", "--json"])["intact"],
        true
    );

    // Without a registry, any agency is imported as before.
    let workspace = Workspace::with_control_list();
    copy_fixture(&workspace, "unregistered-agency.jsonl");
    workspace.ok(&["import-records", "unregistered-agency.jsonl"]);
}

#[test]
fn a_store_migrated_from_the_previous_release_takes_a_registry() {
    let workspace = Workspace::empty();
    workspace.copy(
        &crate_dir().join("../interlock-core/tests/fixtures/store-schema-1.redb"),
        "test.redb",
    );
    workspace.ok(&["migrate", "--backup", "before.redb"]);
    assert!(workspace.ok(&["settings", "show"]).contains("(not set)"));
    assert_eq!(
        workspace.json_lines(&["agency", "list", "--json"]),
        serde_json::json!([])
    );
    set_demo_settings(&workspace);
    for agency in AGENCIES {
        let file = format!("{agency}.toml");
        copy_fixture(&workspace, &file);
        workspace.ok(&["agency", "add", "--file", &file]);
    }
    let roles = workspace.ok(&["roles", "--today", "2027-04-20"]);
    assert!(roles.contains("4 finding(s) on 2027-04-20:"), "{roles}");
    assert_eq!(
        workspace.json(&["audit", "verify", "--json"])["intact"],
        true
    );
}
