//! The registry in the store: settings, versioned agencies and deadlines, each change
//! audited and replayed by `audit verify`; imports that must name a registered agency once
//! a registry exists; and a store of the previous release that takes a registry after
//! migration.

mod support;

use interlock_core::audit::AuditAction;
use interlock_core::check::CheckFilter;
use interlock_core::jsonl::JsonLinesError;
use interlock_core::registry::file::parse_agency;
use interlock_core::registry::{
    Agency, AgencyKind, DataYear, Deadline, Mandate, MandateRole, MonthDay, Phase, Settings,
    SettingsChange,
};
use interlock_core::store::{AgencyUpdate, ImportError, ImportOutcome, RegistryError, Store};
use support::{TempStore, licence};

fn agency(id: &str, kind: AgencyKind) -> Agency {
    Agency {
        id: id.to_owned(),
        name: format!("The {id} service"),
        kind,
        legal_basis: vec!["Arms Control Act 2019".to_owned()],
        contacts: vec![],
        mandates: vec![Mandate {
            phase: Phase::Enforcement,
            role: MandateRole::Lead,
            note: None,
        }],
        plugins: vec![],
    }
}

fn audit_len(store: &Store) -> usize {
    store.audit_log().expect("audit").len()
}

fn gb() -> SettingsChange {
    SettingsChange {
        reporting_state: Some("GB".to_owned()),
        national_currency: Some("GBP".to_owned()),
        contact_name: Some("Alex Morgan".to_owned()),
        ..SettingsChange::default()
    }
}

#[test]
fn settings_start_empty_and_every_change_is_audited() {
    let fx = TempStore::new();
    assert_eq!(fx.store.settings().expect("settings"), Settings::default());
    let entries = audit_len(&fx.store);

    let outcome = fx.store.set_settings(&gb(), "authority").expect("set");
    assert_eq!(
        outcome
            .differences
            .iter()
            .map(|d| d.field)
            .collect::<Vec<_>>(),
        [
            "reporting_state",
            "national_currency",
            "point_of_contact.name"
        ]
    );
    let settings = fx.store.settings().expect("settings");
    assert_eq!(settings.reporting_state.as_deref(), Some("GB"));
    assert!(!settings.public_reports);
    let log = fx.store.audit_log().expect("audit");
    assert_eq!(log.len(), entries + 1);
    let entry = log.last().expect("entry");
    assert_eq!(entry.action, AuditAction::SettingsChanged);
    assert_eq!(entry.actor, "authority");
    assert_eq!(entry.details["settings"]["reporting_state"], "GB");
    assert_eq!(
        entry.details["previous"]["reporting_state"],
        serde_json::Value::Null
    );

    // The same values again: nothing to write.
    let again = fx.store.set_settings(&gb(), "authority").expect("set");
    assert!(again.differences.is_empty());
    assert_eq!(audit_len(&fx.store), entries + 1);

    // A bad code changes nothing at all, not even the good fields beside it.
    let error = fx
        .store
        .set_settings(
            &SettingsChange {
                reporting_state: Some("UK".to_owned()),
                public_reports: Some(true),
                ..SettingsChange::default()
            },
            "authority",
        )
        .expect_err("UK is not ISO 3166-1");
    assert!(matches!(error, RegistryError::InvalidSettings(_)));
    assert_eq!(
        error.to_string(),
        "settings not changed: reporting_state: `UK` is not an ISO 3166-1 alpha-2 country code"
    );
    assert_eq!(fx.store.settings().expect("settings"), settings);
    assert_eq!(audit_len(&fx.store), entries + 1);
    assert!(fx.store.verify().expect("verify").is_intact());
}

#[test]
fn agencies_are_versioned_and_audited() {
    let fx = TempStore::new();
    assert!(fx.store.agencies().expect("agencies").is_empty());
    let customs = agency("customs", AgencyKind::Customs);
    let registered = fx
        .store
        .add_agency(customs.clone(), "authority")
        .expect("add");
    assert_eq!(registered.version, 1);
    assert_eq!(registered.recorded_by, "authority");

    let error = fx
        .store
        .add_agency(customs.clone(), "authority")
        .expect_err("twice");
    assert!(matches!(error, RegistryError::AgencyExists(ref id) if id == "customs"));

    let mut changed = customs.clone();
    changed.name = "Border Revenue and Customs Service".to_owned();
    let AgencyUpdate::Updated { previous, current } = fx
        .store
        .update_agency(changed.clone(), "clerk")
        .expect("update")
    else {
        panic!("a changed description is a new version");
    };
    assert_eq!(previous.version, 1);
    assert_eq!(current.version, 2);
    assert_eq!(current.recorded_by, "clerk");
    let entries = audit_len(&fx.store);
    assert!(matches!(
        fx.store.update_agency(changed, "clerk").expect("update"),
        AgencyUpdate::Unchanged(_)
    ));
    assert_eq!(audit_len(&fx.store), entries, "no change, no entry");

    let history = fx.store.agency_history("customs").expect("history");
    assert_eq!(
        history.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(history[0].agency, customs, "the first version is kept");
    assert_eq!(
        fx.store
            .agency("customs")
            .expect("agency")
            .map(|a| a.version),
        Some(2)
    );
    assert_eq!(fx.store.agencies().expect("agencies").len(), 1);

    let error = fx
        .store
        .update_agency(agency("police", AgencyKind::Police), "clerk")
        .expect_err("unknown");
    assert!(matches!(error, RegistryError::UnknownAgency(ref id) if id == "police"));

    let mut bad = agency("Police Unit", AgencyKind::Police);
    bad.name = String::new();
    let error = fx.store.add_agency(bad, "clerk").expect_err("invalid");
    assert!(
        error
            .to_string()
            .starts_with("agency `Police Unit` refused: id: "),
        "{error}"
    );
    assert!(error.to_string().contains("; name: is required"), "{error}");

    let log = fx.store.audit_log().expect("audit");
    let actions: Vec<&AuditAction> = log.iter().map(|e| &e.action).collect();
    assert_eq!(
        actions[actions.len() - 2..],
        [&AuditAction::AgencyRegistered, &AuditAction::AgencyUpdated]
    );
    assert!(fx.store.verify().expect("verify").is_intact());
}

#[test]
fn imports_must_name_a_registered_agency_once_a_registry_exists() {
    let fx = TempStore::new();
    // No registry yet: any agency, as before.
    fx.import("first.jsonl", &[licence("GB/1", 10)])
        .expect("no registry, no check");

    fx.store
        .add_agency(agency("customs", AgencyKind::Customs), "authority")
        .expect("add");
    let before = fx.all().len();
    let entries = audit_len(&fx.store);
    let reported = r#"{"agency":"other","source_ref":"ATT-2026/NO/VIII.SA.4","record":{"kind":"reported_transfer","source":{"kind":"att_report","name":"ATT annual report of Norway","reporting_country":"NO"},"supplier":{"name":"United Kingdom","code":"GB"},"recipient":{"name":"Norway","code":"NO"},"number_delivered":1,"deliveries":[{"year":2026,"number":1}],"category":"VIII.SA.4"}}"#;
    let error = fx
        .import(
            "second.jsonl",
            &[licence("GB/2", 10), licence("GB/3", 5), reported.to_owned()],
        )
        .expect_err("licensing is not registered");
    let JsonLinesError::Import(ImportError::Invalid { diagnostics, total }) = error else {
        panic!("refused as invalid input: {error}");
    };
    assert_eq!(total, 1, "once per agency, not per record: {diagnostics:?}");
    assert_eq!(diagnostics[0].line, Some(1));
    assert_eq!(diagnostics[0].code, "unregistered-agency");
    assert_eq!(
        diagnostics[0].render("second.jsonl"),
        "second.jsonl:1: agency: agency `licensing` is not in the agency registry (registered: customs); \
         register it with `interlock agency add --file AGENCY.toml` or correct the records' agency; \
         every record of `licensing` in this file is refused"
    );
    assert_eq!(fx.all().len(), before, "nothing written");
    assert_eq!(audit_len(&fx.store), entries);

    // Registered, the same file goes in; reports of other States need no agency.
    fx.store
        .add_agency(agency("licensing", AgencyKind::Licensing), "authority")
        .expect("add");
    let outcome = fx
        .import(
            "second.jsonl",
            &[licence("GB/2", 10), licence("GB/3", 5), reported.to_owned()],
        )
        .expect("registered");
    assert!(matches!(outcome, ImportOutcome::Imported(ref s) if s.created == 3));
    assert!(fx.store.verify().expect("verify").is_intact());
}

#[test]
fn deadlines_name_a_registered_agency_and_are_audited() {
    let fx = TempStore::new();
    let deadline = Deadline {
        name: "Customs data to the reporting authority".to_owned(),
        due: MonthDay::parse("03-31").expect("valid"),
        covers: DataYear::PreviousYear,
        agency: "customs".to_owned(),
        description: "Declarations of the previous year".to_owned(),
    };
    let error = fx
        .store
        .set_deadlines(vec![deadline.clone()], "authority")
        .expect_err("customs is not registered");
    assert!(
        error
            .to_string()
            .contains("agency `customs` is not registered"),
        "{error}"
    );
    fx.store
        .add_agency(agency("customs", AgencyKind::Customs), "authority")
        .expect("add");
    let changes = fx
        .store
        .set_deadlines(vec![deadline.clone()], "authority")
        .expect("set");
    assert_eq!(changes.added, std::slice::from_ref(&deadline));
    let entries = audit_len(&fx.store);
    let again = fx
        .store
        .set_deadlines(vec![deadline.clone()], "authority")
        .expect("set");
    assert_eq!(again.unchanged.len(), 1);
    assert_eq!(audit_len(&fx.store), entries);

    let mut moved = deadline.clone();
    moved.due = MonthDay::parse("04-15").expect("valid");
    let changes = fx
        .store
        .set_deadlines(vec![moved.clone()], "authority")
        .expect("set");
    assert_eq!(changes.changed, [(deadline.clone(), moved.clone())]);
    assert_eq!(fx.store.deadlines().expect("deadlines"), [moved.clone()]);
    assert!(fx.store.verify().expect("verify").is_intact());

    assert_eq!(
        fx.store
            .remove_deadline(&moved.name, "authority")
            .expect("remove"),
        moved
    );
    assert!(fx.store.deadlines().expect("deadlines").is_empty());
    assert!(matches!(
        fx.store.remove_deadline(&moved.name, "authority"),
        Err(RegistryError::UnknownDeadline(_))
    ));
    assert!(fx.store.verify().expect("verify").is_intact());
}

#[test]
fn verify_notices_registry_changes_made_outside_interlock() {
    use redb::ReadableTable;
    const AGENCIES: redb::TableDefinition<(&str, u32), &[u8]> =
        redb::TableDefinition::new("agencies");
    const SETTINGS: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("settings");
    let fx = TempStore::new();
    fx.store.set_settings(&gb(), "authority").expect("set");
    let registered = fx
        .store
        .add_agency(agency("customs", AgencyKind::Customs), "authority")
        .expect("add");
    assert!(fx.store.verify().expect("verify").is_intact());
    let (dir, path) = fx.close();

    // Someone gives customs a second version and moves the State, directly in the file.
    {
        let db = redb::Database::open(&path).expect("raw open");
        let txn = db.begin_write().expect("write");
        {
            let mut forged = registered.clone();
            forged.version = 2;
            forged.agency.mandates.clear();
            txn.open_table(AGENCIES)
                .expect("table")
                .insert(
                    ("customs", 2),
                    serde_json::to_vec(&forged).expect("json").as_slice(),
                )
                .expect("insert");
            let mut settings = txn.open_table(SETTINGS).expect("table");
            let bytes = settings
                .get("settings")
                .expect("get")
                .expect("present")
                .value()
                .to_vec();
            let moved = String::from_utf8(bytes)
                .expect("utf-8")
                .replace("\"GB\"", "\"IE\"");
            settings
                .insert("settings", moved.as_bytes())
                .expect("insert");
        }
        txn.commit().expect("commit");
    }
    let store = Store::open(&path).expect("open");
    let report = store.verify().expect("verify");
    assert_eq!(
        report.problems,
        [
            "settings: differ from what the audit log recorded",
            "agency customs version 2: not in the audit log (added outside interlock)",
        ]
    );
    drop(dir);
}

#[test]
fn the_checks_take_the_reporting_state_from_the_settings() {
    let fx = TempStore::new();
    fx.import("licences.jsonl", &[licence("GB/1", 10)])
        .expect("import");
    assert_eq!(fx.store.dataset().expect("data").reporting_state, None);
    fx.store.set_settings(&gb(), "authority").expect("set");
    assert_eq!(
        fx.store.dataset().expect("data").reporting_state.as_deref(),
        Some("GB")
    );
    fx.store
        .run_checks(&CheckFilter::default(), "tester")
        .expect("checks run");
}

#[test]
fn record_counts_are_by_agency_and_quarter_of_the_event_date() {
    let fx = TempStore::new();
    fx.import("licences.jsonl", &[licence("GB/1", 10), licence("GB/2", 4)])
        .expect("import");
    let counts = fx.store.record_counts(2026).expect("counts");
    // Both licences were issued on 2026-02-01.
    assert_eq!(counts.by_quarter.get("licensing"), Some(&[2, 0, 0, 0]));
    assert!(counts.with_records.contains("licensing"));
    let counts = fx.store.record_counts(2025).expect("counts");
    assert!(counts.by_quarter.is_empty());
    assert!(counts.with_records.contains("licensing"));
}

#[test]
fn a_store_migrated_from_schema_1_takes_settings_and_agencies() {
    const FIXTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/store-schema-1.redb"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("interlock.redb");
    std::fs::copy(FIXTURE, &path).expect("copy the schema-1 fixture");
    Store::migrate(&path, "migrator").expect("migrate");
    let store = Store::open(&path).expect("open");
    assert_eq!(store.settings().expect("settings"), Settings::default());
    assert!(store.agencies().expect("agencies").is_empty());
    assert!(store.deadlines().expect("deadlines").is_empty());

    store.set_settings(&gb(), "authority").expect("settings");
    let file = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/registry/customs.toml"
    ))
    .expect("fixture");
    let customs = parse_agency(&file).expect("the fixture is valid");
    store.add_agency(customs, "authority").expect("agency");
    assert_eq!(store.agencies().expect("agencies").len(), 1);
    assert_eq!(
        store
            .settings()
            .expect("settings")
            .reporting_state
            .as_deref(),
        Some("GB")
    );
    let report = store.verify().expect("verify");
    assert!(report.is_intact(), "{:?}", report.problems);
}

#[test]
fn the_demo_registry_is_valid_and_incomplete_on_purpose() {
    use interlock_core::registry::file::parse_deadlines;
    use interlock_core::registry::roles::{RolesFinding, analyse};
    let fixture = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/../../fixtures/registry/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let agencies: Vec<Agency> = ["customs.toml", "licensing.toml", "police.toml"]
        .into_iter()
        .map(|name| {
            parse_agency(&fixture(name)).unwrap_or_else(|problems| panic!("{name}: {problems:?}"))
        })
        .collect();
    let deadlines = parse_deadlines(&fixture("deadlines.toml")).expect("deadlines");
    assert!(
        deadlines
            .iter()
            .all(|d| agencies.iter().any(|a| a.id == d.agency))
    );
    let report = analyse(&agencies, jiff::civil::Date::constant(2027, 4, 20));
    let kinds: Vec<&str> = report
        .findings
        .iter()
        .map(|f| match f {
            RolesFinding::Gap { .. } => "gap",
            RolesFinding::OverlapWithoutLead { .. } => "overlap",
            RolesFinding::SeveralLeads { .. } => "several leads",
            RolesFinding::ContactEnded { .. } => "contact ended",
            RolesFinding::NoCurrentContact { .. } => "no current contact",
        })
        .collect();
    assert_eq!(kinds, ["gap", "overlap", "contact ended", "contact ended"]);
}
