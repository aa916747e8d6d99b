//! Validation of every record kind: a valid example passes, and each rule has a failing
//! example whose message is checked.

use interlock_core::control_list::{AttScope, ControlEntry, ControlList, ControlLists};
use interlock_core::model::Draft;
use interlock_core::validate::Validator;

fn lists() -> ControlLists {
    let entry = |id: &str, att: &str| ControlEntry {
        id: id.to_owned(),
        title: format!("entry {id}"),
        parent: None,
        att: AttScope::try_from(att.to_owned()).expect("valid ATT code"),
        ml: None,
        hs: Vec::new(),
    };
    let v1 = ControlList {
        name: "Test list".to_owned(),
        version: semver::Version::new(1, 0, 0),
        valid_from: "2024-01-01".parse().expect("date"),
        entries: vec![entry("ML1.a.2", "VIII.SA.2")],
    };
    let mut v2 = v1.clone();
    v2.version = semver::Version::new(1, 1, 0);
    v2.valid_from = "2026-01-01".parse().expect("date");
    v2.entries.push(entry("ML1.a.4", "VIII.SA.4"));
    ControlLists {
        versions: vec![v1, v2],
    }
}

/// Problems of one JSON draft, as `field: message` lines.
#[track_caller]
fn problems(json: &str) -> Vec<String> {
    let draft: Draft = serde_json::from_str(json).expect("test drafts are well-formed JSON");
    let lists = lists();
    Validator::new(&lists)
        .check(&draft)
        .into_iter()
        .map(|d| format!("{}: {}", d.field.unwrap_or_default(), d.message))
        .collect()
}

#[track_caller]
fn check(json: &str, expected: &[&str]) {
    assert_eq!(problems(json), expected, "for {json}");
}

fn draft(agency: &str, body: &str) -> String {
    format!(r#"{{"agency":"{agency}","source_ref":"R-1","record":{body}}}"#)
}

const LICENCE: &str = r#"{"kind":"authorization","reference":"GB/1","direction":"export","status":"issued","issuing_authority":"ECJU","issue_date":"2026-02-01","valid_from":"2026-02-01","valid_until":"2027-02-01","parties":[{"role":"end_user","name":"Bundeswehr","country":"DE"}],"countries":[{"country":"DE","role":"destination"}],"lines":[{"line_no":1,"description":"Assault rifles","control_entry":"ML1.a.4","hs_code":"930190","quantity":{"amount":"10","unit":"NAR"},"value":{"amount":"25000.00","currency":"EUR"},"serial_numbers":["HK-1"]}]}"#;

#[test]
fn a_complete_export_licence_is_valid() {
    check(&draft("licensing", LICENCE), &[]);
}

#[test]
fn licence_rules() {
    let bad = LICENCE
        .replace(
            r#""countries":[{"country":"DE","role":"destination"}]"#,
            r#""countries":[]"#,
        )
        .replace(r#""role":"end_user""#, r#""role":"broker""#)
        .replace(
            r#""valid_until":"2027-02-01""#,
            r#""valid_until":"2025-02-01""#,
        )
        .replace(r#""unit":"NAR""#, r#""unit":"BOX""#)
        .replace(r#""amount":"10""#, r#""amount":"-1""#);
    check(
        &draft("licensing", &bad),
        &[
            "record.valid_until: 2025-02-01 is before 2026-02-01",
            "record.countries: an export authorization must allow at least one destination country or country group",
            "record.parties: an export authorization must name a consignee or an end user (unless it is an open licence)",
            "record.lines[0].quantity.amount: must not be negative (got -1)",
            "record.lines[0].quantity.unit: `BOX` is not a known UN/ECE Recommendation 20 unit code (e.g. NAR, KGM)",
        ],
    );
}

#[test]
fn licence_lines_are_numbered_uniquely_and_limit_something() {
    let line = r#"{"line_no":1,"description":"Spare parts"}"#;
    let bad = LICENCE.replace(
        r#""serial_numbers":["HK-1"]}]"#,
        &format!(r#""serial_numbers":["HK-1"]}},{line}]"#),
    );
    check(
        &draft("licensing", &bad),
        &[
            "record.lines[1].line_no: line number 1 appears more than once",
            "record.lines[1].quantity: an issued licence line must limit a quantity or a value (unless the licence is open or the line is controlled_by unlimited)",
        ],
    );
}

#[test]
fn control_entries_are_checked_against_the_list_in_force_on_the_record_date() {
    // ML1.a.4 only exists from version 1.1.0, in force from 2026-01-01.
    let old = LICENCE.replace("2026-02-01", "2025-02-01");
    check(
        &draft("licensing", &old),
        &[
            "record.lines[0].control_entry: `ML1.a.4` is not an entry of control list Test list 1.0.0 (in force from 2024-01-01)",
        ],
    );
    let before_any = LICENCE.replace("2026-02-01", "2020-02-01");
    check(
        &draft("licensing", &before_any),
        &[
            "record.lines[0].control_entry: refers to control entry `ML1.a.4` but no control list was in force on 2020-02-01",
        ],
    );
}

#[test]
fn open_licences_need_no_consignee_or_limits() {
    let open = LICENCE
        .replace(r#""status":"issued","#, r#""status":"issued","open":true,"#)
        .replace(r#""parties":[{"role":"end_user","name":"Bundeswehr","country":"DE"}],"#, "")
        .replace(r#""quantity":{"amount":"10","unit":"NAR"},"value":{"amount":"25000.00","currency":"EUR"},"#, "");
    check(&draft("licensing", &open), &[]);
    let not_open = open.replace(r#""open":true,"#, "");
    assert_eq!(problems(&draft("licensing", &not_open)).len(), 2);
    // An open import licence covers any origin; a standard one must name it.
    let open_import = open
        .replace(r#""direction":"export""#, r#""direction":"import""#)
        .replace(
            r#""countries":[{"country":"DE","role":"destination"}],"#,
            "",
        );
    check(&draft("licensing", &open_import), &[]);
    assert_eq!(
        problems(&draft(
            "licensing",
            &open_import.replace(r#""open":true,"#, "")
        )),
        [
            "record.countries: an import authorization must allow at least one country of origin or export",
            "record.lines[0].quantity: an issued licence line must limit a quantity or a value (unless the licence is open or the line is controlled_by unlimited)",
        ]
    );
}

#[test]
fn refusals_need_reasons_and_imports_need_origins() {
    let refused = r#"{"kind":"authorization","reference":"GB/R","direction":"import","status":"refused","issuing_authority":"ECJU","application_date":"2026-01-10"}"#;
    check(
        &draft("licensing", refused),
        &[
            "record.refusal_reasons: a refused application must state at least one refusal reason or criterion",
            "record.countries: an import authorization must allow at least one country of origin or export",
        ],
    );
    let fixed = refused.replace(
        r#""application_date":"2026-01-10""#,
        r#""application_date":"2026-01-10","countries":[{"country":"US","role":"origin"}],"refusal_reasons":["Criterion 7: risk of diversion"]"#,
    );
    check(&draft("licensing", &fixed), &[]);
    let issued_without_date = LICENCE.replace(r#""issue_date":"2026-02-01","#, "");
    assert!(
        problems(&draft("licensing", &issued_without_date)).contains(
            &"record.issue_date: is required for a licence with status issued".to_owned()
        )
    );
}

const DECLARATION: &str = r#"{"kind":"customs_declaration","declaration_ref":"26GB000000000001","item_no":1,"procedure":"export","customs_office":"GBLHR001","date":"2026-03-10","country_of_destination":"DE","hs_code":"930190","description":"Rifles","quantity":{"amount":"4","unit":"NAR"},"value":{"amount":"10000","currency":"EUR"},"attached_documents":[{"code":"X002","authorization_ref":"GB/1","line_no":1,"quantity_written_off":{"amount":"4","unit":"NAR"}}]}"#;

#[test]
fn customs_declarations() {
    check(&draft("customs", DECLARATION), &[]);
    let bad = DECLARATION
        .replace(r#""item_no":1"#, r#""item_no":0"#)
        .replace(r#""hs_code":"930190""#, r#""hs_code":"93x""#)
        .replace(r#""country_of_destination":"DE","#, "")
        .replace(r#""line_no":1"#, r#""line_no":0"#)
        .replace(r#","attached_documents":[{"code":"X002","authorization_ref":"GB/1","line_no":0,"quantity_written_off":{"amount":"4","unit":"NAR"}}]"#, "")
        .replace(r#""currency":"EUR""#, r#""currency":"eur""#);
    check(
        &draft("customs", &bad),
        &[
            "record.item_no: item numbers start at 1",
            "record.hs_code: `93x` is not an HS 2022 heading or subheading",
            "record.country_of_destination: is required for exports, re-exports and transit that write off no licence",
            "record.value.currency: `eur` is not an ISO 4217 currency code",
        ],
    );
    // A write-off against a licence takes its destination from the licence.
    let write_off = DECLARATION.replace(r#""country_of_destination":"DE","#, "");
    check(&draft("customs", &write_off), &[]);
    let bad_line = DECLARATION.replace(r#""line_no":1"#, r#""line_no":0"#);
    check(
        &draft("customs", &bad_line),
        &["record.attached_documents[0].line_no: line numbers start at 1"],
    );
    let import = DECLARATION
        .replace(r#""procedure":"export""#, r#""procedure":"import""#)
        .replace(r#""country_of_destination":"DE","#, "");
    check(
        &draft("customs", &import),
        &["record.country_of_dispatch: an import must give the country of dispatch or of origin"],
    );
}

#[test]
fn items_and_their_markings() {
    let item = r#"{"kind":"item","make":"Glock","model":"17","serial":"GLK-17-88123","country_of_manufacture":"AT","year_of_manufacture":2019,"import_mark":{"country":"GB","year":2020},"recorded_date":"2026-04-01"}"#;
    check(&draft("police", item), &[]);
    let bad = item
        .replace(r#""serial":"GLK-17-88123""#, r#""serial":" -/ ""#)
        .replace(r#""year":2020"#, r#""year":2010"#)
        .replace(
            r#""country_of_manufacture":"AT""#,
            r#""country_of_manufacture":"AUT""#,
        );
    check(
        &draft("police", &bad),
        &[
            "record.serial: a serial number must contain at least one letter or digit",
            "record.country_of_manufacture: `AUT` is not an ISO 3166-1 alpha-2 country code",
            "record.import_mark.year: import year 2010 is before the year of manufacture 2019",
        ],
    );
    let future = item.replace("2019", "2031");
    assert!(problems(&draft("police", &future)).contains(
        &"record.year_of_manufacture: 2031 is not a plausible year of manufacture".to_owned()
    ));
}

#[test]
fn police_cases() {
    let case = r#"{"kind":"police_case","case_ref":"MPS/26/1","police_agency":"Metropolitan Police","date":"2026-05-03","country":"GB","event":"trace_request_sent","trace_counterpart":"DE","trace_status":"pending","items":[{"make":"Heckler & Koch","serial":"HK-G36-004512"}]}"#;
    check(&draft("police", case), &[]);
    let bad = case.replace(r#""trace_counterpart":"DE","#, "").replace(
        r#""items":[{"make":"Heckler & Koch","serial":"HK-G36-004512"}]"#,
        r#""items":[]"#,
    );
    check(
        &draft("police", &bad),
        &[
            "record.trace_counterpart: a trace request must name the State it was sent to or received from",
            "record.items: a police case must list at least one item",
        ],
    );
}

#[test]
fn end_user_certificates_and_delivery_verifications() {
    let euc = r#"{"kind":"end_user_certificate","reference":"EUC-1","issuing_country":"DE","date":"2026-01-15","end_user":{"role":"end_user","name":"Bundeswehr","country":"DE"},"goods_description":"Assault rifles","no_reexport_clause":true}"#;
    check(&draft("licensing", euc), &[]);
    check(
        &draft(
            "licensing",
            &euc.replace(r#""name":"Bundeswehr""#, r#""name":"  ""#)
                .replace(r#""issuing_country":"DE""#, r#""issuing_country":"ZZ""#),
        ),
        &[
            "record.issuing_country: `ZZ` is not an ISO 3166-1 alpha-2 country code",
            "record.end_user.name: is required and must not be empty",
        ],
    );
    let dvc = r#"{"kind":"delivery_verification","reference":"DVC-1","issuing_country":"DE","date":"2026-04-01","authorization_ref":"GB/1","lines":[{"line_no":1,"quantity_received":{"amount":"4","unit":"NAR"}},{"line_no":1,"quantity_received":{"amount":"1","unit":"NAR"}}]}"#;
    check(
        &draft("licensing", dvc),
        &["record.lines[1].line_no: line number 1 appears more than once"],
    );
}

#[test]
fn denials_and_embargoes() {
    let denial = r#"{"kind":"denial","reference":"DN-1","notifying_country":"FR","date":"2026-02-02","reason":"Criterion 7","entities":[{"role":"end_user","name":"Acme Trading","country":"AE"}]}"#;
    check(&draft("licensing", denial), &[]);
    check(
        &draft(
            "licensing",
            &denial.replace(
                r#"[{"role":"end_user","name":"Acme Trading","country":"AE"}]"#,
                "[]",
            ),
        ),
        &["record.entities: a denial must name at least one entity"],
    );
    let structured = denial.replace(
        r#""reason":"Criterion 7","#,
        r#""regime":"EU","reason":"Risk of diversion","criteria":["eucp-7","att-7.4"],"expires":"2029-02-02","#,
    );
    check(&draft("licensing", &structured), &[]);
    let bad_criterion = denial.replace(
        r#""reason":"Criterion 7","#,
        r#""reason":"Criterion 7","criteria":["eucp-9"],"#,
    );
    let error = serde_json::from_str::<Draft>(&draft("licensing", &bad_criterion))
        .expect_err("unknown criterion");
    assert!(error.to_string().contains("eucp-9"), "{error}");
    check(
        &draft(
            "licensing",
            &denial.replace(
                r#""reason":"Criterion 7","#,
                r#""reason":"Criterion 7","revoked_on":"2026-01-01","expires":"2025-01-01","#,
            ),
        ),
        &[
            "record.expires: 2025-01-01 is before 2026-02-02",
            "record.revoked_on: 2026-01-01 is before 2026-02-02",
            "record.revoked: revoked_on is given, so revoked must be true",
        ],
    );

    let embargo = r#"{"kind":"embargo","authority":"un_security_council","instrument":"UNSCR 1970 (2011)","target_country":"LY","direction":"both","scope":"all_arms","start":"2011-02-26","exemptions":[{"description":"Non-lethal military equipment for humanitarian or protective use","beneficiary":"UNSMIL","from":"2011-03-17"}]}"#;
    check(&draft("licensing", embargo), &[]);
    let bad = embargo
        .replace(r#""scope":"all_arms""#, r#""scope":"listed""#)
        .replace(
            r#""start":"2011-02-26""#,
            r#""start":"2011-02-26","end":"2010-01-01""#,
        );
    check(
        &draft("licensing", &bad),
        &[
            "record.end: 2010-01-01 is before 2011-02-26",
            "record.att_scopes: an embargo limited to listed goods must list ATT scopes or control entries",
        ],
    );
    let listed = embargo
        .replace(
            r#""scope":"all_arms""#,
            r#""scope":"listed","att_scopes":["VIII.SA","IX"]"#,
        )
        .replace(r#""target_country":"LY","#, "");
    check(
        &draft("licensing", &listed),
        &[
            "record.target_country: an embargo must target a country or at least one named entity",
            "record.att_scopes[1]: unknown ATT scope `IX`; expected one of I, II, III, IV, IV.a, IV.b, V, V.a, V.b, VI, VI.a, VI.b, VII, VII.a, VII.b, VIII, VIII.SA, VIII.SA.1, VIII.SA.2, VIII.SA.3, VIII.SA.4, VIII.SA.5, VIII.SA.6, VIII.LW, VIII.LW.1, VIII.LW.2, VIII.LW.3, VIII.LW.4, VIII.LW.5, VIII.LW.6, VIII.LW.7, art3, art4, national",
        ],
    );
}

#[test]
fn parties_carry_checked_identifiers() {
    let case = r#"{"kind":"police_case","case_ref":"C-1","police_agency":"MPS","date":"2026-05-03","event":"seizure","items":[{"make":"Glock","serial":"A1"}],"parties":[{"role":"suspect","name":"Acme Ltd","party_type":"company","identifiers":[{"scheme":"eori","value":"GB123456789000"},{"scheme":"eori","value":"123"}]}]}"#;
    check(
        &draft("police", case),
        &[
            "record.parties[0].identifiers[1].value: `123` is not an EORI number (a country code and up to 15 letters or digits, e.g. GB123456789000)",
        ],
    );
}

#[test]
fn licence_usage_and_customs_status() {
    let usage = r#"{"kind":"licence_usage","authorization_ref":"GB/1","line_no":1,"declaration_ref":"9GB000001328000-PE112345","usage_type":"original","date":"2026-03-01","quantity":"2"}"#;
    check(&draft("customs", usage), &[]);
    check(
        &draft(
            "customs",
            &usage
                .replace(
                    r#""usage_type":"original""#,
                    r#""usage_type":"message_only""#,
                )
                .replace(r#""line_no":1"#, r#""line_no":0"#),
        ),
        &[
            "record.line_no: line numbers start at 1",
            "record.quantity: a message-only usage record writes off nothing and must carry no amount",
        ],
    );
    let status = r#"{"kind":"customs_licence_status","authorization_ref":"GB/1","as_of":"2026-03-02","status":"open","lines":[{"line_no":1,"quantity_used":"2","unit":"NAR"},{"line_no":1,"unit":"BOX"}]}"#;
    check(
        &draft("customs", status),
        &[
            "record.lines[1].line_no: line number 1 appears more than once",
            "record.lines[1].unit: `BOX` is not a known UN/ECE Recommendation 20 unit code (e.g. NAR, KGM)",
        ],
    );
}

#[test]
fn reported_transfers_accept_former_states_and_need_a_year() {
    let sipri = r#"{"kind":"reported_transfer","source":{"kind":"public_register","name":"SIPRI Arms Transfers Database"},"supplier":{"name":"Soviet Union","code":"SU"},"recipient":{"name":"Afghanistan","code":"AF"},"order_year":1987,"order_year_uncertain":true,"number_ordered":3,"deliveries":[{"year":1987}],"designation":"An-26","description":"transport aircraft"}"#;
    check(&draft("other", sipri), &[]);
    check(
        &draft(
            "other",
            &sipri
                .replace(r#""code":"SU""#, r#""code":"QQ""#)
                .replace(r#""order_year":1987,"#, "")
                .replace(r#""deliveries":[{"year":1987}],"#, ""),
        ),
        &[
            "record.supplier.code: `QQ` is neither an ISO 3166-1 alpha-2 code nor a former code of ISO 3166-3",
            "record.deliveries: a reported transfer needs a year of delivery or a year of order",
        ],
    );
}

#[test]
fn customs_lines_carry_reportable_facts() {
    let line = r#"{"kind":"customs_declaration","declaration_ref":"26GB0001","item_no":1,"procedure":"export","date":"2026-03-01","status":"exited","exit_date":"2026-03-03","movement":"permanent","country_of_destination":"DE","hs_code":"930190","control_entry":"ML1.a.4","control_entry_basis":"assessed","description":"Rifles","quantity":{"amount":"2","unit":"NAR"},"value":{"amount":"2000","currency":"EUR"},"statistical_value":{"amount":"1710","currency":"GBP"},"serial_numbers":["HK-1","HK-2"]}"#;
    check(&draft("customs", line), &[]);
    check(
        &draft(
            "customs",
            &line
                .replace(r#""exit_date":"2026-03-03""#, r#""exit_date":"2026-02-01""#)
                .replace(r#""status":"exited""#, r#""status":"invalidated""#)
                .replace(r#""control_entry":"ML1.a.4","#, ""),
        ),
        &[
            "record.control_entry_basis: says who classified the goods but no control_entry is given",
            "record.exit_date: 2026-02-01 is before 2026-03-01",
            "record.exit_date: an invalidated declaration moved nothing, so it has no exit date",
        ],
    );
}

#[test]
fn envelope_fields_are_required() {
    check(
        r#"{"agency":" ","source_ref":"","record":{"kind":"item","make":"Glock","serial":"1"}}"#,
        &[
            "agency: is required and must not be empty",
            "source_ref: is required and must not be empty",
        ],
    );
}
