//! How records become figures: each rule of [`super::sources`] on a small dataset.

use jiff::civil::date;
use rust_decimal::Decimal;

use super::*;
use crate::check::rules::testing::dataset;
use crate::model::RecordId;
use crate::store::WithholdingBasis;

const L4: &str = "GBSIEL/2026/0000104/P";

/// An export licence to CA issued on `issued`, line 1 pistols (ML1.a.1) 300 items and
/// GBP 120,000, line 2 ammunition (ML3.a) 150,000 rounds; `extra` goes into the record.
fn licence(reference: &str, issued: &str, extra: &str) -> String {
    format!(
        r#"{{"agency":"licensing","source_ref":"{reference}","record":{{"kind":"authorization","reference":"{reference}","direction":"export","status":"issued","issuing_authority":"ECJU","issue_date":"{issued}","valid_from":"{issued}","valid_until":"2027-12-31"{extra},"parties":[{{"role":"end_user","name":"RCMP","country":"CA"}}],"countries":[{{"country":"CA","role":"destination"}}],"lines":[{{"line_no":1,"description":"Self-loading pistols","control_entry":"ML1.a.1","controlled_by":"both","quantity":{{"amount":"300","unit":"NAR"}},"value":{{"amount":"120000","currency":"GBP"}}}},{{"line_no":2,"description":"9mm ammunition","control_entry":"ML3.a","controlled_by":"quantity","quantity":{{"amount":"150000","unit":"NAR"}}}}]}}}}"#
    )
}

/// A CHIEF write-off against L4 line `line_no`.
fn usage(
    declaration: &str,
    line_no: u32,
    kind: &str,
    seq: u64,
    day: &str,
    amounts: &str,
) -> String {
    format!(
        r#"{{"agency":"customs","source_ref":"U{seq}","record":{{"kind":"licence_usage","authorization_ref":"{L4}","line_no":{line_no},"declaration_ref":"{declaration}","declaration_part":"A","usage_type":"{kind}","date":"{day}","sequence":{seq}{amounts}}}}}"#
    )
}

/// An export declaration item; `extra` goes into the record.
fn declaration(reference: &str, day: &str, extra: &str) -> String {
    format!(
        r#"{{"agency":"customs","source_ref":"{reference}/1","record":{{"kind":"customs_declaration","declaration_ref":"{reference}","item_no":1,"procedure":"export","date":"{day}","country_of_dispatch":"GB","country_of_destination":"CA","description":"Pistols","quantity":{{"amount":"20","unit":"NAR"}}{extra}}}}}"#
    )
}

fn build(lines: &[String], withholdings: &[Withholding], basis: Basis) -> AttReport {
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let settings = Settings {
        reporting_state: Some("GB".to_owned()),
        ..Settings::default()
    };
    AttReport::build(
        &dataset(&lines),
        withholdings,
        2026,
        basis,
        &settings,
        date(2027, 5, 1),
    )
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap_or_default()
}

fn cell<'a>(rows: &'a [Row], category: &str, state: &str) -> &'a Row {
    rows.iter()
        .find(|r| r.category.code() == category && r.state == state)
        .unwrap_or_else(|| panic!("no row {category} {state} in {rows:#?}"))
}

fn withheld(record: RecordId, fields: &[&str]) -> Withholding {
    Withholding {
        record,
        basis: WithholdingBasis::NationalSecurity,
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        reason: "defence programme".to_owned(),
        by: "officer".to_owned(),
        at: jiff::Timestamp::UNIX_EPOCH,
    }
}

fn id_of(line: &str) -> RecordId {
    serde_json::from_str::<crate::model::Draft>(line)
        .map(|draft| draft.id())
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn write_offs_are_netted_and_declarations_counted_once() {
    let lines = vec![
        licence(L4, "2026-03-01", ""),
        // CHIEF era: 200 pistols, then an adjusted write-off replacing 100,000 rounds with 90,000.
        usage(
            "D1",
            1,
            "original",
            1,
            "2026-04-22",
            r#","quantity":"200","value":{"amount":"80000","currency":"GBP"}"#,
        ),
        usage(
            "D1",
            2,
            "original",
            2,
            "2026-04-22",
            r#","quantity":"100000""#,
        ),
        usage(
            "D1",
            2,
            "adjusted",
            3,
            "2026-04-23",
            r#","quantity":"90000""#,
        ),
        // A contra cancels a write-off: nothing shipped.
        usage("D2", 1, "original", 4, "2026-05-01", r#","quantity":"50""#),
        usage("D2", 1, "contra", 5, "2026-05-02", r#","quantity":"50""#),
        // A declaration the store holds, with its own write-off: counted once, as declared.
        declaration(
            "E1",
            "2026-09-03",
            &format!(
                r#","statistical_value":{{"amount":"8000","currency":"GBP"}},"attached_documents":[{{"authorization_ref":"{L4}","line_no":1}}]"#
            ),
        ),
        usage("E1", 1, "original", 6, "2026-09-03", r#","quantity":"20""#),
    ];
    let report = build(&lines, &[], Basis::Actual);
    let pistols = cell(&report.exports, "VIII.SA.1", "CA");
    assert_eq!(
        pistols.items,
        Some(d("220")),
        "200 (D1) + 0 (D2 contra) + 20 (E1)"
    );
    assert_eq!(
        pistols.values,
        vec![Money {
            amount: d("88000"),
            currency: "GBP".to_owned()
        }]
    );
    assert_eq!(pistols.records, 3);
    let rounds = cell(&report.exports, "art3", "CA");
    assert_eq!(rounds.items, Some(d("90000")));
    assert!(report.imports.is_empty());
    assert!(report.cover.nil_report_imports && !report.cover.nil_report_exports);
    assert!(!report.cover.information_withheld);

    // explain lists exactly the records summed into the cell, and they add up.
    let category: AttScope = "VIII.SA.1".parse().unwrap_or_else(|e| panic!("{e}"));
    let explanation = report.explain(Some(Flow::Export), &category, "CA");
    let sum: Decimal = explanation
        .contributions
        .iter()
        .filter_map(|c| c.items)
        .sum();
    assert_eq!(sum, d("220"));
    let sources: Vec<&str> = explanation
        .contributions
        .iter()
        .map(|c| c.record.source_ref.as_str())
        .collect();
    assert_eq!(sources, ["U1", "U4", "E1/1"]);
    // A parent category takes in its sub-categories.
    let small_arms: AttScope = "VIII".parse().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        report.explain(None, &small_arms, "CA").contributions.len(),
        3
    );
}

#[test]
fn authorized_counts_licences_issued_in_the_year_that_still_stand() {
    let cancelled = r#","status_history":[{"action":"issue","effective":"2026-02-02"},{"action":"cancel","effective":"2026-05-05"}]"#;
    let lines = vec![
        licence(L4, "2026-03-01", ""),
        licence("GBSIEL/2025/0000001/P", "2025-12-01", ""),
        licence("GBSIEL/2026/0000108/P", "2026-02-02", cancelled)
            .replace(r#""status":"issued""#, r#""status":"cancelled""#),
        licence("GBOIEL/2026/0000102/P", "2026-02-01", r#","open":true"#),
    ];
    let report = build(&lines, &[], Basis::Authorized);
    let pistols = cell(&report.exports, "VIII.SA.1", "CA");
    assert_eq!(
        pistols.items,
        Some(d("300")),
        "only L4: 2025's licence, the cancelled and the open one are not counted"
    );
    let excluded: Vec<&str> = report
        .sources
        .excluded
        .iter()
        .map(|e| e.reason.as_str())
        .collect();
    assert_eq!(
        excluded,
        [
            "issued 2026-02-02 but cancelled on 2026-05-05: the authorization no longer stands",
            "open licence: it authorizes no quantity or value to report",
        ]
    );
}

#[test]
fn withheld_records_and_licences_leave_the_figures_and_are_listed() {
    let l4 = licence(L4, "2026-03-01", "");
    let shipped = declaration(
        "E1",
        "2026-09-03",
        &format!(
            r#","value":{{"amount":"8000","currency":"GBP"}},"attached_documents":[{{"authorization_ref":"{L4}","line_no":1}}]"#
        ),
    );
    let other = declaration(
        "E2",
        "2026-10-01",
        r#","control_entry":"ML1.a.1","value":{"amount":"500","currency":"GBP"}"#,
    );
    let lines = vec![l4.clone(), shipped.clone(), other.clone()];

    // The licence withheld: the shipment under it is withheld too.
    let report = build(&lines, &[withheld(id_of(&l4), &[])], Basis::Actual);
    let pistols = cell(&report.exports, "VIII.SA.1", "CA");
    assert_eq!(pistols.items, Some(d("20")), "only E2");
    assert!(report.cover.information_withheld);
    assert_eq!(report.sources.withheld.len(), 1);
    assert_eq!(
        report.sources.withheld[0].what,
        format!("licence {L4} is withheld")
    );
    let category: AttScope = "VIII.SA.1".parse().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.explain(None, &category, "CA").withheld.len(), 1);

    // Only the value withheld: the items still count, the value does not.
    let report = build(
        &lines,
        &[withheld(id_of(&other), &["value"])],
        Basis::Actual,
    );
    let pistols = cell(&report.exports, "VIII.SA.1", "CA");
    assert_eq!(pistols.items, Some(d("40")));
    assert_eq!(
        pistols.values,
        vec![Money {
            amount: d("8000"),
            currency: "GBP".to_owned()
        }]
    );
    assert_eq!(pistols.comments, "value known for 1 of 2 shipments");
    assert_eq!(report.sources.withheld[0].what, "value");
}

#[test]
fn what_cannot_be_placed_is_listed_and_what_is_not_arms_is_skipped() {
    let lines = vec![
        // HS 930190 matches several entries and nothing else says which.
        declaration("E1", "2026-10-01", r#","hs_code":"930190""#),
        // Containers: no control entry covers HS 8609, so not arms.
        declaration("E2", "2026-12-07", r#","hs_code":"860900""#),
        // Temporary exports and transits are not exports.
        declaration(
            "E3",
            "2026-12-07",
            r#","control_entry":"ML1.a.1","movement":"temporary""#,
        ),
        declaration("E4", "2026-11-07", r#","control_entry":"ML1.a.1""#)
            .replace(r#""procedure":"export""#, r#""procedure":"transit""#),
        // Another year.
        declaration("E5", "2025-12-31", r#","control_entry":"ML1.a.1""#),
        // A write-off against a licence licensing never issued.
        usage("C9", 1, "original", 9, "2026-05-27", r#","quantity":"40""#)
            .replace(L4, "GBSIEL/2026/0000126/P"),
    ];
    let report = build(&lines, &[], Basis::Actual);
    assert!(report.exports.is_empty(), "{:#?}", report.exports);
    let reasons: Vec<&str> = report
        .sources
        .unplaced
        .iter()
        .map(|u| u.reason.as_str())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:#?}");
    assert!(
        reasons[0].starts_with(
            "no control entry: it cites no licence line and HS 930190 matches 7 entries (ML1.a.2, "
        ),
        "{}",
        reasons[0]
    );
    assert_eq!(
        reasons[1],
        "write-off for C9/A against GBSIEL/2026/0000126/P, which is not in the licensing records: neither the goods nor the destination are known"
    );
}

#[test]
fn authorized_and_actual_side_by_side() {
    let lines = vec![
        licence(L4, "2026-03-01", ""),
        usage("D1", 1, "original", 1, "2026-04-22", r#","quantity":"320""#),
    ];
    let authorized = build(&lines, &[], Basis::Authorized);
    let actual = build(&lines, &[], Basis::Actual);
    let rows = compare(&authorized, &actual);
    let notes: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.category.code(), r.note.as_str()))
        .collect();
    assert_eq!(
        notes,
        [
            ("VIII.SA.1", "20 more shipped than authorized"),
            (
                "art3",
                "authorized in the year, nothing shipped in the year"
            ),
        ]
    );
}

#[test]
fn the_register_report_groups_by_its_own_categories() {
    let lines = vec![
        declaration(
            "E1",
            "2026-11-20",
            r#","control_entry":"ML10.a","country_of_origin":"FR""#,
        ),
        declaration("E2", "2026-11-21", r#","control_entry":"ML1.a.4""#),
    ];
    let report = build(&lines, &[], Basis::Actual);
    let register =
        unroca::RegisterReport::build(2026, Some("GB".to_owned()), &report.sources.contributions);
    assert_eq!(register.exports.len(), 1);
    assert_eq!(register.exports[0].category, "IV");
    assert_eq!(
        register.exports[0].origin, "FR",
        "made in FR, exported by GB"
    );
    assert_eq!(register.salw_exports.len(), 1);
    assert_eq!(register.salw_exports[0].category, "VIII.SA.4");
    assert!(register.imports.is_empty() && register.salw_imports.is_empty());
}
