//! A plugin built for interface 1.0 by the previous release keeps working on this host:
//! `tests/fixtures/v1.0/customs-csv.wasm` is plugins/customs-csv as interlock 0.1 built it
//! (interlock-pdk 1.0.0). It must load, describe itself, translate a fixture into records
//! of the current model (converted through `model::v1::upgrade`) and import.

use std::path::{Path, PathBuf};

use interlock_core::model::{Body, RecordKind};
use interlock_core::store::{ImportMode, ImportOutcome, Store};
use interlock_host::{HostError, Limits, PluginHost, import_file};
use interlock_test_support::project_root;

fn old_customs_csv() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1.0/customs-csv.wasm");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture() -> PathBuf {
    project_root().join("plugins/customs-csv/fixtures/declarations-2026.csv")
}

#[test]
fn a_1_0_plugin_loads_and_describes_itself_without_options() {
    let host = PluginHost::new(None).expect("host");
    let info = host
        .inspect(&old_customs_csv(), "customs-csv@1.0")
        .expect("a 1.0 plugin is accepted");
    assert_eq!(info.interface_version, "1.0.0");
    assert_eq!(info.name, "customs-csv");
    assert_eq!(info.agency, "customs");
    // Interface 1.0 has no way to declare options.
    assert!(info.options.is_empty(), "{:?}", info.options);
}

#[test]
fn a_1_0_plugin_translates_into_the_current_model() {
    let host = PluginHost::new(None).expect("host");
    let plugin = host
        .load(&old_customs_csv(), "customs-csv@1.0")
        .expect("loads");
    assert_eq!(plugin.interface_version, semver::Version::new(1, 0, 0));
    let mut records = Vec::new();
    let mut diagnostics = Vec::new();
    host.translate_file(
        &plugin,
        &fixture(),
        &[],
        &Limits::default(),
        |r, d| {
            records.extend(r);
            diagnostics.extend(d);
            Ok::<(), HostError>(())
        },
        |_| {},
    )
    .expect("translates");
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    // One declaration item per data row.
    let rows = std::fs::read_to_string(fixture())
        .expect("fixture")
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count();
    assert_eq!(records.len(), rows);
    assert!(
        records
            .iter()
            .all(|r| r.draft.record.kind() == RecordKind::CustomsDeclaration)
    );
    // The first row, field for field, as the current model has it: the fields 1.0 could
    // not carry (status, movement, control entry, statistical value, serials) are absent.
    let first = &records[0];
    assert_eq!(first.line, Some(2));
    let expected = serde_json::json!({
        "agency": "customs",
        "source_ref": "26GB00000000901234/1",
        "record": {
            "kind": "customs_declaration",
            "declaration_ref": "26GB00000000901234",
            "item_no": 1,
            "procedure": "export",
            "customs_office": "GBFXT001",
            "date": "2026-08-03",
            "country_of_destination": "NO",
            "hs_code": "930190",
            "description": "Assault rifles, 5.56 mm (G36)",
            "quantity": {"amount": "10", "unit": "NAR"},
            "value": {"amount": "25000", "currency": "GBP"},
            "attached_documents": [{"authorization_ref": "GBSIEL/2026/0000101/P", "line_no": 1}],
        },
    });
    assert_eq!(
        serde_json::to_value(&first.draft).expect("serializes"),
        expected
    );
    let Body::CustomsDeclaration(declaration) = &first.draft.record else {
        panic!("not a declaration: {:?}", first.draft);
    };
    assert_eq!(declaration.status, None);
    assert!(declaration.serial_numbers.is_empty());
}

#[test]
fn a_1_0_plugin_imports_into_a_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::create(&dir.path().join("store.redb"), "tester").expect("store");
    let host = PluginHost::new(None).expect("host");
    let plugin = host
        .load(&old_customs_csv(), "customs-csv@1.0")
        .expect("loads");
    let outcome = import_file(
        &host,
        &store,
        &plugin,
        "customs-csv",
        "0.1.0",
        &Default::default(),
        &fixture(),
        "tester",
        &Limits::default(),
        ImportMode::default(),
        &mut |_| {},
    )
    .expect("imports");
    match outcome {
        ImportOutcome::Imported(summary) => assert!(summary.records > 0, "{summary:?}"),
        other => panic!("{other:?}"),
    }
}
