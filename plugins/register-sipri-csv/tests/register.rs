//! The plugin's output checked against interlock itself: the tables against the reference
//! data, every record of the sample (and of the real register, when it is there) through
//! `interlock_core::validate::Validator`.
//!
//! The real register is read from `../shared/data/sipri-trade-register/trade-register.csv`
//! at test time only (it is (c) SIPRI and never copied into the project). Without it the
//! test is skipped with a message, unless `INTERLOCK_REQUIRE_REAL_SAMPLES` is set.

use std::collections::BTreeSet;
use std::path::PathBuf;

use interlock_core::control_list::{AttScope, ControlLists};
use interlock_core::model as core;
use interlock_core::validate::Validator;
use interlock_pdk::prelude::*;
use interlock_pdk::testing;
use register_sipri_csv::{CATEGORIES, NAMES, RegisterSipriCsv, classify};

/// The host's chunk size.
const CHUNK: usize = 1 << 20;

fn translate(bytes: &[u8], chunk: usize) -> Translation {
    testing::translate::<RegisterSipriCsv>(bytes, chunk).expect("translates")
}

fn transfer(draft: &Draft) -> &ReportedTransfer {
    match &draft.record {
        Body::ReportedTransfer(t) => t,
        _ => panic!("{}: not a reported transfer", draft.source_ref),
    }
}

/// The PDK's draft as interlock's model (what the host's converter does for this kind).
fn to_core(draft: &Draft) -> core::Draft {
    let t = transfer(draft);
    let counterpart = |c: &Counterpart| core::Counterpart {
        name: c.name.clone(),
        code: c.code.clone(),
    };
    assert!(t.value.is_none(), "SIPRI gives no money values");
    core::Draft {
        agency: draft.agency.clone(),
        source_ref: draft.source_ref.clone(),
        sensitive: draft.sensitive,
        record: core::Body::ReportedTransfer(core::ReportedTransfer {
            source: core::ReportingSource {
                kind: match t.source.kind {
                    ReportingSourceKind::AttReport => core::ReportingSourceKind::AttReport,
                    ReportingSourceKind::UnRegister => core::ReportingSourceKind::UnRegister,
                    ReportingSourceKind::PublicRegister => {
                        core::ReportingSourceKind::PublicRegister
                    }
                    ReportingSourceKind::Other => core::ReportingSourceKind::Other,
                },
                name: t.source.name.clone(),
                reporting_country: t.source.reporting_country.clone(),
                edition: t.source.edition.clone(),
            },
            supplier: counterpart(&t.supplier),
            recipient: counterpart(&t.recipient),
            order_year: t.order_year,
            order_year_uncertain: t.order_year_uncertain,
            number_ordered: t.number_ordered,
            number_ordered_uncertain: t.number_ordered_uncertain,
            number_delivered: t.number_delivered,
            number_delivered_uncertain: t.number_delivered_uncertain,
            deliveries: t
                .deliveries
                .iter()
                .map(|d| core::YearlyDelivery {
                    year: d.year,
                    number: d.number,
                })
                .collect(),
            designation: t.designation.clone(),
            description: t.description.clone(),
            category: t.category.clone(),
            value: None,
            comments: t.comments.clone(),
        }),
    }
}

/// Every problem interlock's validator finds in the records, as `line: problem`.
fn problems(out: &Translation) -> Vec<String> {
    let lists = ControlLists::default();
    let validator = Validator::new(&lists);
    out.records
        .iter()
        .flat_map(|draft| {
            let line = draft.line.unwrap_or(0);
            validator
                .check(&to_core(draft))
                .into_iter()
                .map(move |p| format!("{line}: {p:?}"))
        })
        .collect()
}

fn errors(out: &Translation) -> Vec<String> {
    out.diagnostics
        .iter()
        .filter(|d| !matches!(d.severity, Severity::Info))
        .map(|d| format!("{d:?}"))
        .collect()
}

#[test]
fn every_code_in_the_tables_is_one_interlock_accepts() {
    for (name, code) in NAMES {
        if let Some(code) = code {
            assert!(
                interlock_core::reference::is_country(code)
                    || interlock_core::reference::former_country_name(code).is_some(),
                "{name}: {code} is neither ISO 3166-1 nor ISO 3166-3"
            );
        }
    }
    // Former States: their ISO 3166-3 codes, from the PDK's reference table.
    for (name, former) in [
        ("Soviet Union", "SU"),
        ("Yugoslavia", "YU"),
        ("Czechoslovakia", "CS"),
        ("Serbia and Montenegro", "CS"),
        ("East Germany (GDR)", "DD"),
        ("South Yemen", "YD"),
        ("Zaire", "ZR"),
    ] {
        assert_eq!(classify(name).code(), Some(former), "{name}");
        assert!(
            interlock_core::reference::former_country_name(former).is_some(),
            "{name}: {former} is not in ISO 3166-3"
        );
    }
    for (description, category) in CATEGORIES {
        let scope: AttScope = category.parse().expect("an ATT scope");
        assert!(
            scope.is_article_2_category() && !scope.is_sub_category(),
            "{description}: {category}"
        );
    }
}

#[test]
fn the_sample_validates() {
    // Fed whole and in chunks of every size: the same records and diagnostics.
    let out = testing::check_chunking::<RegisterSipriCsv>(include_bytes!(
        "../fixtures/register-sample.csv"
    ))
    .expect("translates");
    assert_eq!(errors(&out), Vec::<String>::new());
    assert_eq!(problems(&out), Vec::<String>::new());
    assert_eq!(out.records.len(), 12);
}

fn real_register() -> Option<Vec<u8>> {
    testing::real_sample(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/sipri-trade-register/trade-register.csv"),
    )
}

#[test]
fn bad_rows_are_diagnosed_alike_in_any_chunks() {
    let out = testing::check_chunking::<RegisterSipriCsv>(include_bytes!(
        "../fixtures/rejected/bad-rows.csv"
    ))
    .expect("translates");
    assert!(errors(&out).len() > 1, "{:?}", errors(&out));
}

/// Deal rows, counted without the plugin: lines after the header that are not blank and
/// do not start with a comma (SIPRI's unquoted line breaks in comments leave the rest of
/// the row on a line of its own, starting with `,`).
fn deal_rows(bytes: &[u8]) -> usize {
    let mut lines = bytes.split(|&b| b == b'\n');
    lines
        .by_ref()
        .find(|line| line.starts_with(b"Recipient,Supplier,"))
        .expect("the header");
    lines
        .filter(|line| !line.trim_ascii().is_empty() && !line.starts_with(b","))
        .count()
}

#[test]
fn the_real_register_gives_one_valid_record_per_deal() {
    let Some(bytes) = real_register() else {
        return;
    };
    let out = translate(&bytes, CHUNK);
    let rows = deal_rows(&bytes);
    assert!(rows > 29_000, "{rows} deal rows");
    assert_eq!(out.records.len(), rows);
    // No errors and no warnings (every name is in the table); one note on Latin-1.
    assert_eq!(errors(&out), Vec::<String>::new());
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].code, "latin-1");
    assert_eq!(problems(&out), Vec::<String>::new());

    // The host feeds 1 MiB chunks; any other split gives the same.
    let odd = translate(&bytes, 4093);
    assert_eq!(format!("{:?}", odd.records), format!("{:?}", out.records));

    let refs: BTreeSet<&str> = out.records.iter().map(|d| d.source_ref.as_str()).collect();
    assert_eq!(refs.len(), out.records.len(), "source refs are unique");

    let transfers: Vec<&ReportedTransfer> = out.records.iter().map(transfer).collect();
    let edition = transfers[0].source.edition.clone().expect("an edition");
    assert!(!edition.contains(':') && !edition.is_empty(), "{edition}");
    let counterparts = || transfers.iter().flat_map(|t| [&t.supplier, &t.recipient]);
    for (name, code) in [
        ("Soviet Union", "SU"),
        ("Czechoslovakia", "CS"),
        ("East Germany (GDR)", "DD"),
        ("Yugoslavia", "YU"),
        ("United Kingdom", "GB"),
    ] {
        let named: Vec<_> = counterparts().filter(|c| c.name == name).collect();
        assert!(!named.is_empty(), "{name} appears");
        assert!(
            named.iter().all(|c| c.code.as_deref() == Some(code)),
            "{name} → {code}"
        );
    }
    assert!(
        counterparts()
            .filter(|c| c.name.ends_with('*') || c.name.starts_with("unknown"))
            .all(|c| c.code.is_none())
    );
    assert!(counterparts().any(|c| c.name == "unknown supplier(s)"));
    for t in &transfers {
        assert_eq!(t.source.name, "SIPRI Arms Transfers Database");
        assert_eq!(t.source.edition.as_deref(), Some(edition.as_str()));
        assert!(t.value.is_none());
        match t.deliveries.as_slice() {
            [single] => assert_eq!(single.number, t.number_delivered),
            many => assert!(many.iter().all(|d| d.number.is_none())),
        }
        for text in [&t.comments, &t.designation, &t.description]
            .into_iter()
            .flatten()
        {
            assert!(!text.contains('\u{FFFD}'), "{text}");
            assert_eq!(text.trim(), text);
        }
    }
    assert!(transfers.iter().any(|t| t.deliveries.len() >= 3));
    assert!(transfers.iter().any(|t| t.order_year_uncertain));
    assert!(transfers.iter().any(|t| t.number_delivered_uncertain));
    assert!(transfers.iter().any(|t| t.category.as_deref() == Some("I")));
    assert!(
        transfers
            .iter()
            .filter_map(|t| t.comments.as_deref())
            .any(|c| !c.is_ascii()),
        "Latin-1 text is decoded"
    );
}
