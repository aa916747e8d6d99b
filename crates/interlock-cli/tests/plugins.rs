//! The plugin commands end to end: install, list, inspect, import through a plugin,
//! idempotent re-import, refusals, and provenance pointing at the plugin.

mod support;

use std::path::PathBuf;

use interlock_test_support::rebuilt;
use support::{Workspace, file_names, plugin_component};

fn root() -> PathBuf {
    support::project_root()
}

/// A store with the control lists, and the customs-csv component and its fixture beside
/// it (not installed).
fn workspace() -> Workspace {
    let workspace = Workspace::with_control_list();
    workspace.copy(&plugin_component("customs-csv"), "customs-csv.wasm");
    workspace.copy(
        &root().join("plugins/customs-csv/fixtures/declarations-2026.csv"),
        "declarations.csv",
    );
    workspace
}

#[test]
fn install_and_import_through_a_plugin() {
    let w = workspace();
    assert_eq!(
        w.ok(&["plugin", "install", "customs-csv.wasm"]),
        "installed plugin customs-csv@2.0.2 (customs agency, interface 1.1.0)\n"
    );
    assert!(
        w.ok(&["plugin", "install", "customs-csv.wasm"])
            .contains("already installed with these exact bytes")
    );
    let list = w.ok(&["plugin", "list"]);
    assert!(
        list.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("customs-csv  2.0.2    customs  1.1.0")),
        "{list}"
    );
    assert!(
        w.ok(&["plugin", "inspect", "customs-csv"])
            .contains("interface   interlock:adapter@1.1.0")
    );
    // An option the plugin does not declare is a usage error naming it; nothing is read.
    let refused = w.fails(
        &[
            "import",
            "--plugin",
            "customs-csv",
            "--option",
            "currency=EUR",
            "declarations.csv",
        ],
        2,
    );
    assert!(
        refused.contains("plugin customs-csv@2.0.2 has no option `currency`; it declares none"),
        "{refused}"
    );
    let malformed = w.fails(
        &[
            "import",
            "--plugin",
            "customs-csv",
            "--option",
            "currency",
            "declarations.csv",
        ],
        2,
    );
    assert!(
        malformed.contains("`currency` is not KEY=VALUE"),
        "{malformed}"
    );

    assert_eq!(
        w.ok(&["import", "--plugin", "customs-csv", "declarations.csv"]),
        "declarations.csv: imported 4 records as batch 1 (4 new, 0 revised, 0 unchanged)\n"
    );
    assert!(
        w.ok(&["import", "--plugin", "customs-csv", "declarations.csv"])
            .starts_with("declarations.csv: already imported as batch 1")
    );

    // Provenance names the plugin, its version and the exact wasm it ran.
    let records: Vec<serde_json::Value> = w
        .ok(&[
            "query",
            "--authorization",
            "GBSIEL/2026/0000101/P",
            "--json",
        ])
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(records.len(), 2);
    let wasm = std::fs::read(w.path("customs-csv.wasm")).expect("wasm");
    let adapter = &records[0]["provenance"]["adapter"];
    assert_eq!(adapter["type"], "plugin");
    assert_eq!(adapter["name"], "customs-csv");
    assert_eq!(adapter["version"], "2.0.2");
    assert_eq!(
        adapter["wasm_sha256"],
        interlock_core::model::sha256_hex(&wasm)
    );
    assert_eq!(records[0]["provenance"]["line"], 2);
    assert!(w.ok(&["audit", "verify"]).starts_with("audit log intact"));
}

#[test]
fn a_bad_file_is_refused_with_every_problem_and_nothing_written() {
    let w = workspace();
    w.ok(&["plugin", "install", "customs-csv.wasm"]);
    let good = std::fs::read_to_string(w.path("declarations.csv")).expect("read");
    let bad = good
        .replace("2026-08-03,NO", "2026-08-03,XX")
        .replace(",10,NAR,", ",ten,NAR,");
    w.write("bad.csv", &bad);
    let stderr = w.fails(&["import", "--plugin", "customs-csv", "bad.csv"], 1);
    assert_eq!(
        stderr,
        "bad.csv:2: record.quantity.amount: `ten` is not a decimal number\n\
         bad.csv:3: record.country_of_destination: `XX` is not an ISO 3166-1 alpha-2 country code\n\
         error: bad.csv: 2 problems found; nothing was imported from this file\n"
    );
    assert_eq!(w.ok(&["query", "--json"]), "");
}

#[test]
fn plugin_errors_name_what_is_wrong() {
    let w = workspace();
    let stderr = w.fails(&["import", "--plugin", "nope", "declarations.csv"], 3);
    assert_eq!(
        stderr,
        "error: no plugin named nope is installed (see `interlock plugin list`)\n"
    );
    w.write("junk.wasm", "not wasm at all");
    let stderr = w.fails(&["plugin", "install", "junk.wasm"], 1);
    assert!(
        stderr.starts_with("error: plugin junk.wasm: not a valid wasm component"),
        "{stderr}"
    );
    w.ok(&["plugin", "install", "customs-csv.wasm"]);
    w.write("other.txt", "this is not a customs export\n");
    let stderr = w.fails(&["import", "--plugin", "customs-csv", "other.txt"], 5);
    assert!(
        stderr.contains("not a format this plugin reads: line 1: expected the header"),
        "{stderr}"
    );
    assert_eq!(
        w.ok(&["plugin", "remove", "customs-csv"]),
        "removed plugin customs-csv@2.0.2\n"
    );
    assert_eq!(w.ok(&["plugin", "list"]).lines().count(), 1);
}

/// `plugin install --replace`: a plugin rebuilt under the same version takes the place of
/// the installed binary, audited with both hashes. The old binary stays in the store,
/// found from the provenance of the records imported with it; the same file imported
/// through the rebuild is a new batch (the idempotence key holds the binary's hash), which
/// finds the records unchanged, so they keep their first provenance.
#[test]
fn a_rebuilt_plugin_replaces_the_installed_binary_and_the_old_one_stays() {
    let w = workspace();
    w.ok(&["plugin", "install", "customs-csv.wasm"]);
    w.ok(&["import", "--plugin", "customs-csv", "declarations.csv"]);
    let first_build = std::fs::read(w.path("customs-csv.wasm")).expect("wasm");
    let rebuild = rebuilt(&first_build, "rebuild", b"a fix");
    std::fs::write(w.path("rebuilt.wasm"), &rebuild).expect("write");
    let old = interlock_core::model::sha256_hex(&first_build);
    let new = interlock_core::model::sha256_hex(&rebuild);

    // Without --replace: refused, naming both hashes and the way forward; nothing changes.
    let refused = w.fails(&["plugin", "install", "rebuilt.wasm"], 1);
    assert_eq!(
        refused,
        format!(
            "error: plugin customs-csv: version 2.0.2 is already installed with different \
             bytes (sha256 {old} vs {new}); a changed plugin must carry a new version number, \
             or, for a plugin rebuilt during development, install it with --replace (the old \
             bytes are kept for the records imported with them)\n"
        )
    );
    let audit_entries = || {
        w.json_lines(&["audit", "log", "--json"])
            .as_array()
            .map_or(0, Vec::len)
    };
    let entries_before = audit_entries();

    assert_eq!(
        w.ok(&["plugin", "install", "--replace", "rebuilt.wasm"]),
        format!(
            "replaced plugin customs-csv@2.0.2: sha256:{new} is installed in place of \
             sha256:{old}, which stays in the store\n"
        )
    );
    let log = w.json_lines(&["audit", "log", "--json"]);
    let entries = log.as_array().expect("entries");
    assert_eq!(entries.len(), entries_before + 1);
    let entry = entries.last().expect("the replacement");
    assert_eq!(entry["action"], "plugin-install");
    assert_eq!(entry["subject"], "customs-csv@2.0.2");
    assert_eq!(entry["details"]["wasm_sha256"], new.as_str());
    assert_eq!(entry["details"]["previous_wasm_sha256"], old.as_str());
    assert_eq!(entry["details"]["replaced"], true);
    assert!(w.ok(&["audit", "verify"]).starts_with("audit log intact"));

    // The installed plugin is the rebuild; the first build is listed as an earlier binary.
    let inspected = w.ok(&["plugin", "inspect", "customs-csv"]);
    assert!(
        inspected.contains(&format!("\nwasm        sha256:{new} (")),
        "{inspected}"
    );
    assert!(
        inspected.contains(&format!(
            "\nearlier     sha256:{old} (2.0.2, installed 2026-11-28T12:00:00Z by tester; kept in the store)\n"
        )),
        "{inspected}"
    );

    // The same file through the rebuild: a new batch, every record unchanged.
    assert_eq!(
        w.ok(&["import", "--plugin", "customs-csv", "declarations.csv"]),
        "declarations.csv: imported 4 records as batch 2 (0 new, 0 revised, 4 unchanged)\n"
    );
    assert!(
        w.ok(&["import", "--plugin", "customs-csv", "declarations.csv"])
            .starts_with("declarations.csv: already imported as batch 2")
    );

    // A record's provenance still names the first build and batch 1 ...
    let record: serde_json::Value =
        serde_json::from_str(w.ok(&["query", "--json"]).lines().next().expect("a record"))
            .expect("json");
    let id = record["id"].as_str().expect("id");
    let shown = w.ok(&["show", id, "--history"]);
    assert!(
        shown.contains(&format!(
            "adapter      plugin customs-csv@2.0.2 (wasm sha256:{old})\nbatch        1\n"
        )),
        "{shown}"
    );
    // ... and that hash resolves to the stored first build, no longer installed.
    let old_binary = w.ok(&["plugin", "inspect", &format!("sha256:{}", &old[..12])]);
    assert!(
        old_binary.starts_with("name        customs-csv\nversion     2.0.2\n"),
        "{old_binary}"
    );
    for line in [
        format!("wasm        sha256:{old} ({} bytes)", first_build.len()),
        "installed   2026-11-28T12:00:00Z by tester as customs-csv@2.0.2 (audit entry".to_owned(),
        format!("status      not installed: customs-csv@2.0.2 is now sha256:{new}"),
    ] {
        assert!(old_binary.contains(&line), "{line} in {old_binary}");
    }
    let json = w.json(&["plugin", "inspect", &format!("sha256:{new}"), "--json"]);
    assert_eq!(json["status"], "installed");
    assert_eq!(json["plugin"]["wasm_sha256"], new.as_str());
    let stderr = w.fails(&["plugin", "inspect", "sha256:"], 2);
    assert_eq!(
        stderr,
        "error: give the SHA-256 of a plugin binary, or its start, after `sha256:`\n"
    );
    let stderr = w.fails(&["plugin", "inspect", "sha256:0000"], 3);
    assert_eq!(
        stderr,
        "error: no plugin binary with sha256 0000… in the store\n"
    );

    // The compile cache is keyed by the wasm's hash: each binary has its own artifact, so
    // the rebuild never runs the first build's compiled code.
    let cache = file_names(&w.path("test.redb.plugin-cache"));
    for hash in [&old, &new] {
        assert!(
            cache
                .iter()
                .any(|name| name.starts_with(hash.as_str()) && name.ends_with(".cwasm")),
            "no artifact for {hash}: {cache:?}"
        );
    }
}

/// The SIPRI register plugin's records pass the host's validation and land in the store as
/// reported transfers, with former States' codes and ATT categories indexed; a file with
/// bad rows is refused naming line and column.
#[test]
fn sipri_register_rows_import_as_reported_transfers() {
    let w = workspace();
    let fixtures = root().join("plugins/register-sipri-csv/fixtures");
    w.copy(
        &plugin_component("register-sipri-csv"),
        "register-sipri-csv.wasm",
    );
    w.copy(&fixtures.join("register-sample.csv"), "register.csv");
    w.copy(&fixtures.join("rejected/bad-rows.csv"), "bad-rows.csv");
    assert_eq!(
        w.ok(&["plugin", "install", "register-sipri-csv.wasm"]),
        "installed plugin register-sipri-csv@1.0.2 (other agency, interface 1.1.0)\n"
    );
    assert_eq!(
        w.ok(&["import", "--plugin", "register-sipri-csv", "register.csv"]),
        "register.csv: imported 12 records as batch 1 (12 new, 0 revised, 0 unchanged)\n"
    );
    assert!(
        w.ok(&["import", "--plugin", "register-sipri-csv", "register.csv"])
            .starts_with("register.csv: already imported as batch 1")
    );

    let query = |args: &[&str]| -> Vec<serde_json::Value> {
        let mut all = vec!["query", "--json"];
        all.extend_from_slice(args);
        w.ok(&all)
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect()
    };
    let soviet = query(&["--country", "SU"]);
    assert_eq!(soviet.len(), 1);
    let draft = &soviet[0]["draft"];
    assert_eq!(soviet[0]["kind"], "reported_transfer");
    assert_eq!(draft["agency"], "other");
    assert_eq!(draft["record"]["supplier"]["code"], "SU");
    assert_eq!(draft["record"]["source"]["kind"], "public_register");
    assert_eq!(draft["record"]["source"]["edition"], "2 Feb 2026");
    assert_eq!(
        soviet[0]["provenance"]["adapter"]["name"],
        "register-sipri-csv"
    );
    assert_eq!(soviet[0]["provenance"]["line"], 15);
    assert_eq!(query(&["--category", "I"]).len(), 1);
    assert_eq!(query(&["--kind", "reported_transfer"]).len(), 12);

    let stderr = w.fails(
        &["import", "--plugin", "register-sipri-csv", "bad-rows.csv"],
        1,
    );
    assert!(
        stderr.contains("bad-rows.csv:3: Year of order: `19x9` is not a year"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad-rows.csv:6: expected 16 columns, found 18"),
        "{stderr}"
    );
    assert_eq!(query(&["--kind", "reported_transfer"]).len(), 12);
    assert!(w.ok(&["audit", "verify"]).starts_with("audit log intact"));
}

/// `plugin run` tries a plugin file on an input without a store: every record and
/// diagnostic, the golden format with `--json`, an exit code by outcome, and nothing
/// written anywhere (no store, no compiled-plugin cache).
#[test]
fn plugin_run_translates_a_file_without_a_store() {
    let w = Workspace::empty();
    w.copy(&plugin_component("customs-csv"), "customs-csv.wasm");
    let fixture = root().join("plugins/customs-csv/fixtures/declarations-2026.csv");
    w.copy(&fixture, "declarations.csv");
    fn run<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["plugin", "run", "customs-csv.wasm"];
        args.extend_from_slice(extra);
        args
    }

    assert_eq!(
        w.ok(&run(&["declarations.csv"])),
        "declarations.csv:2: customs_declaration 26GB00000000901234/1\n\
         declarations.csv:3: customs_declaration 26GB00000000901234/2\n\
         declarations.csv:4: customs_declaration 26GB00000000907710/1\n\
         declarations.csv:5: customs_declaration 26GB00000000912001/1\n\
         declarations.csv: 4 records, 0 errors, 0 warnings; nothing was written\n"
    );
    // `--json` is the plugin's golden file, byte for byte.
    let golden =
        std::fs::read_to_string(fixture.with_extension("csv.expected.jsonl")).expect("golden file");
    assert_eq!(w.ok(&run(&["declarations.csv", "--json"])), golden);

    // A value the host cannot read is an error diagnostic: the file would be refused (1).
    let good = std::fs::read_to_string(&fixture).expect("read");
    w.write("bad.csv", &good.replace(",10,NAR,", ",ten,NAR,"));
    let output = w.run(&run(&["bad.csv"]));
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert!(
        stdout
            .contains("bad.csv:2: error: record.quantity.amount: `ten` is not a decimal number\n"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("bad.csv: 3 records, 1 error, 0 warnings; nothing was written\n"),
        "{stdout}"
    );

    // The plugin fails on a file it cannot read (5); `--json` ends with the error line.
    w.write("other.txt", "this is not a customs export\n");
    let stderr = w.fails(&run(&["other.txt"]), 5);
    assert!(
        stderr.contains("plugin customs-csv on other.txt: not a format this plugin reads"),
        "{stderr}"
    );
    let output = w.run(&run(&["other.txt", "--json"]));
    assert_eq!(output.status.code(), Some(5), "{output:?}");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert!(
        stdout.starts_with(r#"{"error":"plugin customs-csv on other.txt: not a format"#)
            && stdout.lines().count() == 1,
        "{stdout}"
    );

    // Options are checked as `import` checks them (2); missing files are not found (3).
    let stderr = w.fails(&run(&["--option", "currency=EUR", "declarations.csv"]), 2);
    assert!(
        stderr.contains("plugin customs-csv@2.0.2 has no option `currency`; it declares none"),
        "{stderr}"
    );
    let stderr = w.fails(&run(&["missing.csv"]), 3);
    assert!(stderr.starts_with("error: missing.csv: "), "{stderr}");
    let stderr = w.fails(&["plugin", "run", "missing.wasm", "declarations.csv"], 3);
    assert!(stderr.starts_with("error: missing.wasm: "), "{stderr}");

    // Nothing was written: no store, no plugin cache, only the files put there.
    assert_eq!(
        file_names(w.dir.path()),
        [
            "bad.csv",
            "customs-csv.wasm",
            "declarations.csv",
            "other.txt"
        ]
    );
}

/// A plugin's `currency` option defaults to the national currency of the State's settings,
/// not to the plugin's own fallback (GBP), and the option used is kept in provenance; an
/// option given on the command line wins.
#[test]
fn the_national_currency_of_the_settings_is_the_currency_option_default() {
    let w = Workspace::with_control_list();
    w.copy(&plugin_component("customs-sad-xml"), "customs-sad-xml.wasm");
    w.copy(
        &root().join("plugins/customs-sad-xml/fixtures/declarations-2026-transit.xml"),
        "transit.xml",
    );
    w.ok(&["plugin", "install", "customs-sad-xml.wasm"]);
    w.ok(&[
        "settings",
        "set",
        "--reporting-state",
        "NO",
        "--currency",
        "NOK",
    ]);
    w.ok(&["import", "--plugin", "customs-sad-xml", "transit.xml"]);
    let declarations = w.ok(&["query", "--kind", "customs-declaration", "--json"]);
    let first: serde_json::Value =
        serde_json::from_str(declarations.lines().next().expect("a declaration")).expect("json");
    assert_eq!(
        first["draft"]["record"]["statistical_value"]["currency"], "NOK",
        "{first}"
    );
    assert!(
        first["provenance"].to_string().contains("NOK"),
        "the option is in provenance: {}",
        first["provenance"]
    );

    // Given on the command line, the option wins over the settings.
    let w = Workspace::with_control_list();
    w.copy(&plugin_component("customs-sad-xml"), "customs-sad-xml.wasm");
    w.copy(
        &root().join("plugins/customs-sad-xml/fixtures/declarations-2026-transit.xml"),
        "transit.xml",
    );
    w.ok(&["plugin", "install", "customs-sad-xml.wasm"]);
    w.ok(&["settings", "set", "--currency", "NOK"]);
    w.ok(&[
        "import",
        "--plugin",
        "customs-sad-xml",
        "--option",
        "currency=EUR",
        "transit.xml",
    ]);
    let declarations = w.ok(&["query", "--kind", "customs-declaration", "--json"]);
    let first: serde_json::Value =
        serde_json::from_str(declarations.lines().next().expect("a declaration")).expect("json");
    assert_eq!(
        first["draft"]["record"]["statistical_value"]["currency"],
        "EUR"
    );
}
