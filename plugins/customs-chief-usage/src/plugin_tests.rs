//! Native tests of the mapping, with the line totals computed by `interlock_core::usage`
//! from the emitted usage records and compared with CHIEF's running totals.

use std::collections::BTreeMap;
use std::path::PathBuf;

use interlock_core::model as core;
use interlock_pdk::prelude::*;
use interlock_pdk::testing::{self, problems};
use rust_decimal::Decimal;

use super::ChiefUsage;

fn run(text: &[u8], chunk: usize) -> Translation {
    testing::translate::<ChiefUsage>(text, chunk).expect("translates")
}

fn sample(name: &str) -> Option<Vec<u8>> {
    testing::real_sample(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/chief-licence-usage-messages")
            .join(name),
    )
}

fn errors(out: &Translation) -> Vec<String> {
    out.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{:?}", d))
        .collect()
}

fn usages(out: &Translation) -> Vec<(String, LicenceUsage)> {
    out.records
        .iter()
        .filter_map(|d| match &d.record {
            Body::LicenceUsage(u) => Some((d.source_ref.clone(), u.clone())),
            _ => None,
        })
        .collect()
}

fn statuses(out: &Translation) -> Vec<CustomsLicenceStatus> {
    out.records
        .iter()
        .filter_map(|d| match &d.record {
            Body::CustomsLicenceStatus(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn decimal(text: &str) -> Decimal {
    text.parse()
        .unwrap_or_else(|e| panic!("`{text}` is not a decimal: {e}"))
}

/// The PDK record as the host would convert it into the core model.
fn to_core(u: &LicenceUsage) -> core::LicenceUsage {
    core::LicenceUsage {
        authorization_ref: u.authorization_ref.clone(),
        line_no: u.line_no,
        declaration_ref: u.declaration_ref.clone(),
        declaration_part: u.declaration_part.clone(),
        usage_type: match u.usage_type {
            UsageType::Original => core::UsageType::Original,
            UsageType::LateOriginal => core::UsageType::LateOriginal,
            UsageType::Adjusted => core::UsageType::Adjusted,
            UsageType::Contra => core::UsageType::Contra,
            UsageType::MessageOnly => core::UsageType::MessageOnly,
        },
        date: u
            .date
            .parse()
            .unwrap_or_else(|e| panic!("`{}` is not a date: {e}", u.date)),
        quantity: u.quantity.as_deref().map(decimal),
        unit: u.unit.clone(),
        value: u.value.as_ref().map(|v| core::Money {
            amount: decimal(&v.amount),
            currency: v.currency.clone(),
        }),
        customs_message_code: u.customs_message_code.clone(),
        customs_message_text: u.customs_message_text.clone(),
        sequence: u.sequence,
    }
}

/// Per (licence, line): (computed from the usage records, reported by CHIEF), quantity
/// and value, absent amounts as zero.
type Compared = BTreeMap<(String, u32), ((Decimal, Decimal), (Decimal, Decimal))>;

fn compare(out: &Translation) -> Compared {
    let records: Vec<core::LicenceUsage> = usages(out).iter().map(|(_, u)| to_core(u)).collect();
    // CHIEF usage carries no unit, so the line's unit never matters here.
    let totals = interlock_core::usage::totals(&records, |_, _| None);
    let mut compared = Compared::new();
    for status in statuses(out) {
        for line in &status.lines {
            let key = (status.authorization_ref.clone(), line.line_no);
            let computed = totals.get(&key).cloned().unwrap_or_default();
            assert!(
                computed.problems.is_empty(),
                "{key:?}: {:?}",
                computed.problems
            );
            let reported = (
                line.quantity_used.as_deref().map_or(Decimal::ZERO, decimal),
                line.value_used
                    .as_ref()
                    .map_or(Decimal::ZERO, |v| decimal(&v.amount)),
            );
            let computed = (
                computed.quantity.unwrap_or_default(),
                computed.value.map(|v| v.amount).unwrap_or_default(),
            );
            compared.insert(key, (computed, reported));
        }
    }
    compared
}

fn assert_file_holds_the_whole_usage(name: &str, out: &Translation) {
    let compared = compare(out);
    assert!(!compared.is_empty(), "{name}");
    for (key, (computed, reported)) in compared {
        assert_eq!(computed, reported, "{name}: {key:?} (quantity, value)");
    }
}

#[test]
fn the_fixture_gives_one_usage_record_per_usage_and_one_status_per_licence() {
    let out = run(include_bytes!("../fixtures/usage-2026.txt"), 64);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let found = usages(&out);
    assert_eq!(found.len(), 12);
    assert_eq!(statuses(&out).len(), 5);
    assert!(
        !out.records
            .iter()
            .any(|d| matches!(d.record, Body::CustomsDeclaration(_)))
    );

    let (source_ref, rifles) = &found[0];
    assert_eq!(source_ref, "LU26183/00001/1/1");
    assert_eq!(rifles.authorization_ref, "GBSIEL/2026/0000101/P");
    assert_eq!(rifles.line_no, 1);
    assert_eq!(rifles.declaration_ref, "6GB100200300000-ALB0312");
    assert_eq!(rifles.declaration_part.as_deref(), Some("A"));
    assert_eq!(rifles.usage_type, UsageType::Original);
    assert_eq!(rifles.date, "2026-03-12");
    assert_eq!(rifles.quantity.as_deref(), Some("60"));
    assert_eq!(
        rifles.unit, None,
        "CHIEF quantities are in the licence line's unit"
    );
    assert!(rifles.value.is_none());
    assert_eq!(rifles.sequence, Some(183_000_000_004));

    let message = found
        .iter()
        .find(|(_, u)| u.usage_type == UsageType::MessageOnly)
        .map(|(r, u)| {
            (
                r.as_str(),
                u.customs_message_code.as_deref(),
                u.customs_message_text.as_deref(),
            )
        });
    assert_eq!(
        message,
        Some((
            "LU26183/00002/1/2",
            Some("E01"),
            Some("Vehicle chassis numbers checked against packing list")
        ))
    );

    // The contra is a contra of a positive amount, not a negative write-off.
    let contra = found
        .iter()
        .find(|(_, u)| u.usage_type == UsageType::Contra)
        .and_then(|(_, u)| u.value.clone())
        .map(|v| (v.amount, v.currency));
    assert_eq!(contra, Some(("40000.00".to_owned(), "EUR".to_owned())));
    assert!(found.iter().all(|(_, u)| {
        !u.quantity.as_deref().unwrap_or_default().starts_with('-')
            && !u.value.as_ref().is_some_and(|v| v.amount.starts_with('-'))
    }));

    let status = &statuses(&out)[3];
    assert_eq!(status.authorization_ref, "GBSIEL/2026/0000107/P");
    assert_eq!(status.as_of, "2026-07-01");
    assert_eq!(status.status, CustomsLicenceState::Open);
    assert_eq!(status.transaction_ref.as_deref(), Some("LU26183/00004"));
    assert_eq!(status.lines.len(), 1);
    assert_eq!(status.lines[0].quantity_used.as_deref(), Some("0"));
    assert_eq!(
        status.lines[0]
            .value_used
            .as_ref()
            .map(|v| (v.amount.as_str(), v.currency.as_str())),
        Some(("205000.00", "EUR"))
    );
}

#[test]
fn the_fixture_holds_every_licence_s_whole_usage_so_the_totals_agree() {
    let out = run(include_bytes!("../fixtures/usage-2026.txt"), 4096);
    assert_file_holds_the_whole_usage("usage-2026.txt", &out);
    // The scenario's figures: L4/2 from an adjusted record alone, L7 netting its contra.
    let compared = compare(&out);
    let l4 = &compared[&("GBSIEL/2026/0000104/P".to_owned(), 2)];
    assert_eq!(l4.0.0, Decimal::from(100_000));
    let l7 = &compared[&("GBSIEL/2026/0000107/P".to_owned(), 1)];
    assert_eq!(l7.0.1, Decimal::from(205_000));
}

#[test]
fn the_real_samples_import_and_agree_where_they_hold_the_whole_usage() {
    if let Some(bytes) = sample("ILBDOTI_live_CHIEF_usageData_49543_201901130300") {
        let out = run(&bytes, 100);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert_eq!(usages(&out).len(), 11);
        assert_eq!(statuses(&out).len(), 7);
        assert_file_holds_the_whole_usage("usageData_49543", &out);
        let siel = usages(&out)
            .into_iter()
            .find(|(_, u)| u.authorization_ref == "GBSIE2018/45678")
            .map(|(r, u)| (r, u.quantity, u.declaration_part, u.sequence));
        assert_eq!(
            siel,
            Some((
                "LU04148/00004/1/1".to_owned(),
                Some("3".to_owned()),
                Some("D".to_owned()),
                Some(49_543_000_000_021)
            ))
        );
    }
    if let Some(bytes) = sample("ILBDOTI_live_CHIEF_usageData_1_202001010000") {
        let out = run(&bytes, 100);
        assert_eq!(errors(&out), Vec::<String>::new());
        // Line 1 reports value used 9 without a currency: kept out, with a warning.
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        assert_eq!(out.diagnostics[0].field.as_deref(), Some("valueUsed"));
        let found = usages(&out);
        assert_eq!(found.len(), 8);
        // Eight identical usage records: eight keys, eight records.
        let keys: std::collections::BTreeSet<&str> =
            found.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(keys.len(), 8);
        // This file does not hold the licence's whole usage: CHIEF's running total (4)
        // includes usage reported before; the file's records (all zero) stay below it.
        let compared = compare(&out);
        let (computed, reported) = compared[&("GBSIEL/2020/0000001/P".to_owned(), 1)];
        assert_eq!(reported.0, Decimal::from(4));
        assert!(computed.0 <= reported.0);
    }
}

const HEADER: &str = "1\\fileHeader\\CHIEF\\SPIRE\\usageData\\202607010300\\184\\\n";

#[test]
fn an_adjusted_record_after_an_original_replaces_it_in_the_same_file() {
    let input = format!(
        "{HEADER}\
         2\\licenceUsage\\LU26184/00001\\insert\\GBSIEL/2026/0000104/P\\O\\\n\
         3\\line\\1\\7\\0\\\n\
         4\\usage\\O\\URC1\\A\\20260422\\10\\0\\\\000101\\\\\\\\\n\
         5\\usage\\O\\URC1\\B\\20260422\\3\\0\\\\000101\\\\\\\\\n\
         6\\usage\\A\\URC1\\A\\20260423\\4\\0\\\\000101\\\\\\\\\n\
         7\\end\\line\\5\n\
         8\\end\\licenceUsage\\7\n\
         9\\fileTrailer\\1\n"
    );
    let out = run(input.as_bytes(), 7);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let found = usages(&out);
    let types: Vec<(UsageType, Option<&str>)> = found
        .iter()
        .map(|(_, u)| (u.usage_type, u.declaration_part.as_deref()))
        .collect();
    assert_eq!(
        types,
        [
            (UsageType::Original, Some("A")),
            (UsageType::Original, Some("B")),
            (UsageType::Adjusted, Some("A")),
        ]
    );
    // Part A: 10 replaced by 4; part B: 3. CHIEF's running total says 7.
    assert_file_holds_the_whole_usage("adjusted", &out);
    let compared = compare(&out);
    assert_eq!(
        compared[&("GBSIEL/2026/0000104/P".to_owned(), 1)].0.0,
        Decimal::from(7)
    );
}

#[test]
fn a_later_run_wins_over_an_earlier_one() {
    let first = run(include_bytes!("../fixtures/usage-2026.txt"), 4096);
    let later = format!(
        "{HEADER}\
         2\\licenceUsage\\LU26184/00001\\insert\\GBSIEL/2026/0000101/P\\E\\20260701\n\
         3\\line\\1\\55\\0\\\n\
         4\\usage\\A\\6GB100200300000-ALB0312\\A\\20260312\\55\\0\\\\000101\\\\\\\\\n\
         5\\end\\line\\3\n\
         6\\end\\licenceUsage\\5\n\
         7\\fileTrailer\\1\n"
    );
    let later = run(later.as_bytes(), 4096);
    assert!(later.diagnostics.is_empty(), "{:?}", later.diagnostics);
    assert_eq!(statuses(&later)[0].status, CustomsLicenceState::Exhausted);
    // The adjusted record is at line 4 of run 184; the original at line 4 of run 183.
    let mut records: Vec<core::LicenceUsage> =
        usages(&later).iter().map(|(_, u)| to_core(u)).collect();
    records.extend(usages(&first).iter().map(|(_, u)| to_core(u)));
    let totals = interlock_core::usage::totals(&records, |_, _| None);
    let line = &totals[&("GBSIEL/2026/0000101/P".to_owned(), 1)];
    assert_eq!(line.quantity, Some(Decimal::from(55)));
}

#[test]
fn every_licence_status_code_maps() {
    for (code, state) in [
        ("O\\", CustomsLicenceState::Open),
        ("C\\20220927", CustomsLicenceState::Cancelled),
        ("E\\20220927", CustomsLicenceState::Exhausted),
        ("S\\20220927", CustomsLicenceState::Surrendered),
        ("D\\20220927", CustomsLicenceState::Expired),
    ] {
        let input = format!(
            "{HEADER}\
             2\\licenceUsage\\LU07132/00007\\insert\\GBSIL9089963M\\{code}\n\
             3\\line\\1\\0\\0\\\n\
             4\\end\\line\\2\n\
             5\\line\\2\\0\\0\\\n\
             6\\end\\line\\2\n\
             7\\end\\licenceUsage\\6\n\
             8\\fileTrailer\\1\n"
        );
        let out = run(input.as_bytes(), 4096);
        assert!(out.diagnostics.is_empty(), "{code}: {:?}", out.diagnostics);
        assert!(usages(&out).is_empty());
        let found = statuses(&out);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].status, state, "{code}");
        assert_eq!(found[0].lines.len(), 2);
        assert_eq!(out.records[0].source_ref, "LU07132/00007");
    }
}

#[test]
fn a_transaction_reference_twice_in_a_file_is_an_error() {
    let block = |n: u32| {
        format!(
            "{}\\licenceUsage\\LU1/00001\\insert\\GBSIEL/2026/0000107/P\\O\\\n\
             {}\\line\\1\\0\\0\\\n\
             {}\\end\\line\\2\n\
             {}\\end\\licenceUsage\\4\n",
            n,
            n + 1,
            n + 2,
            n + 3
        )
    };
    let input = format!("{HEADER}{}{}10\\fileTrailer\\2\n", block(2), block(6));
    let out = run(input.as_bytes(), 1000);
    assert_eq!(errors(&out).len(), 1, "{:?}", out.diagnostics);
    assert_eq!(out.diagnostics[0].line, Some(6));
    assert_eq!(out.diagnostics[0].field.as_deref(), Some("transactionRef"));
}

#[test]
fn chunking_does_not_change_the_translation() {
    let fixture = include_bytes!("../fixtures/usage-2026.txt");
    let out = testing::check_chunking::<ChiefUsage>(fixture).expect("translates");
    assert_eq!(usages(&out).len(), 12);
}

#[test]
fn parse_problems_become_error_diagnostics() {
    let out = run(
        b"1\\fileHeader\\CHIEF\\SPIRE\\licenceData\\202601010000\\1\\\n",
        1000,
    );
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].severity, Severity::Error);
    assert_eq!(out.diagnostics[0].field.as_deref(), Some("dataId"));
}

#[test]
fn other_chief_messages_are_refused_with_their_type() {
    for (name, found) in [
        ("CHIEF_LIVE_SPIRE_licenceData_1_202001010000", "licenceData"),
        (
            "ILBDOTI_live_CHIEF_licenceReply_1_202001010000",
            "licenceReply",
        ),
    ] {
        let Some(bytes) = sample(name) else {
            return;
        };
        let out = run(&bytes, 100);
        assert!(out.records.is_empty(), "{name}");
        assert_eq!(
            problems(&out),
            [format!(
                "file: dataId: line 1: message type is '{found}', expected 'usageData'"
            )],
        );
    }
}

#[test]
fn bad_fields_keep_the_transaction_back_and_name_line_and_field() {
    let input = format!(
        "{HEADER}\
         2\\licenceUsage\\\\update\\GBSIEL/2026/0000001/P\\X\\\n\
         3\\line\\one\\0\\0\\\n\
         4\\usage\\Z\\URC1\\A\\2026131\\5\\0\\\\000001\\\\\\\\\n\
         5\\usage\\O\\URC2\\A\\\\5\\12.5\\\\000001\\\\\\\\\n\
         6\\tally\\1\n\
         7\\end\\line\\5\n\
         8\\end\\licenceUsage\\7\n\
         9\\fileTrailer\\1\n"
    );
    let out = run(input.as_bytes(), 7);
    assert!(out.records.is_empty());
    assert_eq!(
        problems(&out),
        [
            "line 2: transactionRef: required but empty",
            "line 2: action: `update` is not one of insert",
            "line 2: licenceStatus: `X` is not one of O, C, E, S, D",
            "line 3: lineNum: `one` is not a whole number in range",
            "line 4: usageType: `Z` is not one of O, A, C, L, M",
            "line 4: controlDate: `2026131` is not a date in ccyymmdd form",
            "line 5: currency: required when valueUsed is not zero",
            "line 5: controlDate: required but empty",
            "line 6: unknown record type `tally`",
        ]
    );
}

#[test]
fn values_the_host_checks_are_passed_on_as_written() {
    // The host refuses these, naming the record's line and field (`record.quantity`,
    // `record.value.currency`, `record.date`); the plugin does not check them twice.
    let input = format!(
        "{HEADER}\
         2\\licenceUsage\\LU1/00001\\insert\\GBSIEL/2026/0000001/P\\O\\\n\
         3\\line\\1\\x\\0\\\n\
         4\\usage\\O\\URC1\\A\\20260231\\1,5\\12.5\\gbp\\000001\\\\\\\\\n\
         5\\end\\line\\3\n\
         6\\end\\licenceUsage\\5\n\
         7\\fileTrailer\\1\n"
    );
    let out = run(input.as_bytes(), 1000);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let (_, usage) = &usages(&out)[0];
    assert_eq!(usage.date, "2026-02-31");
    assert_eq!(usage.quantity.as_deref(), Some("1,5"));
    assert_eq!(
        usage.value.as_ref().map(|v| v.currency.as_str()),
        Some("gbp")
    );
    assert_eq!(
        statuses(&out)[0].lines[0].quantity_used.as_deref(),
        Some("x")
    );
}
