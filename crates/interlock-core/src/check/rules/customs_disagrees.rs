//! `customs-licensing-mismatch`: what customs says about a licence disagrees with the
//! licensing records or with customs' own write-offs.
//!
//! **Basis.** ATT Art. 11 (customs must stop what licensing has stopped, and both must see
//! the same use of a licence, or over-use and diversion go unnoticed) and Art. 12 (the
//! national records of a transfer must agree with each other).
//!
//! **Semantics.** For each licence, only customs' *latest* `customs_licence_status` counts
//! (greatest `as_of`; on the same day, the greatest `source_ref`, i.e. the later CHIEF
//! transaction reference). It is compared on two things:
//!
//! 1. **Status** (key `{licence}/status`), where the store holds the licence. The licensing
//!    side is the licence's status *on the report's `as_of` day*, from its status history
//!    (the events in effect that day; the current status when there is no history); a
//!    licence past its `valid_until` on that day counts as expired. Only whether the licence
//!    may be used is compared, because customs has fewer statuses (no suspension or
//!    revocation; CHIEF reports those as a cancellation):
//!
//!    | customs says | agrees with licensing | contradicts licensing |
//!    |---|---|---|
//!    | `open` | issued (amended) and within its validity | applied or refused (never issued), suspended, revoked, cancelled, surrendered, expired (or past `valid_until`), exhausted, or nothing in its history yet |
//!    | `cancelled`, `surrendered`, `expired`, `exhausted` | any status in which the licence may not be used | issued and within its validity |
//!
//!    Two closed statuses that differ in their reason (customs `expired`, licensing
//!    `cancelled`) are not a finding: neither side would let goods go.
//! 2. **Running totals** (key `{licence}/{line}/totals`), for each line the report lists.
//!    Customs' quantity and value used are compared with [`usage::totals`] over the store's
//!    usage records of that licence and line **dated on or before `as_of`**: a report cannot
//!    count later write-offs (after 1 July 2026 the demo's write-offs come from the SAD
//!    system, which CHIEF's reports never include). A measure customs does not report is not
//!    compared; one the store has no amount for counts as zero. Customs' quantity is taken
//!    in the licence line's unit (converted where it gives another unit); amounts in units
//!    or currencies that cannot be compared are a disagreement, named as such. A late
//!    original dated before `as_of` that customs received after its report makes a
//!    spurious difference: the records carry nothing to tell it apart.
//!
//! Evidence: the customs status report (`customs-status`), the licence (`licence`) where
//! known and, for totals, the usage records counted (`write-off`). Findings are dated the
//! report's `as_of`.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::over_limit::{amount, money, usages_by_line};
use super::validity::status_on;
use crate::check::{Dataset, Finding, Rec, Rule, Severity, finding};
use crate::model::{
    Authorization, CustomsLicenceState, CustomsLicenceStatus, LicenceUsage, Money, Quantity,
    ReportedLineTotal,
};
use crate::usage::{self, LineUsage};

pub struct CustomsDisagrees;

impl Rule for CustomsDisagrees {
    fn id(&self) -> &'static str {
        "customs-licensing-mismatch"
    }

    fn title(&self) -> &'static str {
        "customs' status or running totals of a licence disagree with the records"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 11; ATT Art. 12"
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let mut latest: BTreeMap<&str, &Rec<CustomsLicenceStatus>> = BTreeMap::new();
        for report in &data.customs_statuses {
            let entry = latest
                .entry(report.body.authorization_ref.as_str())
                .or_insert(report);
            if (report.body.as_of, &report.meta.source_ref)
                > (entry.body.as_of, &entry.meta.source_ref)
            {
                *entry = report;
            }
        }
        let by_line = usages_by_line(data);

        let mut found = Vec::new();
        for (reference, report) in latest {
            let licence = data.licence(reference);
            if let Some(licence) = licence
                && let Some(explanation) = status_disagreement(&licence.body, &report.body)
            {
                found.push(finding(
                    self,
                    format!("{reference}/status"),
                    explanation,
                    Some(report.body.as_of),
                    vec![
                        report.meta.evidence("customs-status"),
                        licence.meta.evidence("licence"),
                    ],
                ));
            }

            for reported in &report.body.lines {
                let line_unit = licence.and_then(|l| {
                    l.body
                        .lines
                        .iter()
                        .find(|line| line.line_no == reported.line_no)
                        .and_then(|line| line.quantity.as_ref())
                        .map(|q| q.unit.clone())
                });
                let counted: Vec<&Rec<LicenceUsage>> = by_line
                    .get(&(reference.to_owned(), reported.line_no))
                    .map(|usages| {
                        usages
                            .iter()
                            .copied()
                            .filter(|u| u.body.date <= report.body.as_of)
                            .collect()
                    })
                    .unwrap_or_default();
                let totals = usage::totals(counted.iter().map(|u| &u.body), |_: &str, _: u32| {
                    line_unit.clone()
                });
                let ours = totals
                    .get(&(reference.to_owned(), reported.line_no))
                    .cloned()
                    .unwrap_or_default();
                let differences = totals_differences(reported, &ours, line_unit.as_deref());
                if differences.is_empty() {
                    continue;
                }
                let mut explanation = format!(
                    "customs reports on {} that line {} of licence {reference} has {}",
                    report.body.as_of,
                    reported.line_no,
                    differences.join(" and ")
                );
                if !ours.problems.is_empty() {
                    explanation.push_str(&format!(" (not counted: {})", ours.problems.join("; ")));
                }
                let mut evidence = vec![report.meta.evidence("customs-status")];
                if let Some(licence) = licence {
                    evidence.push(licence.meta.evidence("licence"));
                }
                evidence.extend(counted.iter().map(|u| u.meta.evidence("write-off")));
                found.push(finding(
                    self,
                    format!("{reference}/{}/totals", reported.line_no),
                    explanation,
                    Some(report.body.as_of),
                    evidence,
                ));
            }
        }
        found
    }
}

/// Whether the licence may be used on `date` by the licensing records, and what it is.
fn licensing_view(licence: &Authorization, date: Date) -> (bool, String) {
    let Some(status) = status_on(licence, date) else {
        return (false, "not yet issued".to_owned());
    };
    if status.is_usable()
        && let Some(end) = licence.valid_until
        && date > end
    {
        return (false, format!("expired (valid until {end})"));
    }
    (status.is_usable(), status.as_str().to_owned())
}

fn customs_state(state: CustomsLicenceState) -> &'static str {
    match state {
        CustomsLicenceState::Open => "open",
        CustomsLicenceState::Cancelled => "cancelled",
        CustomsLicenceState::Exhausted => "exhausted",
        CustomsLicenceState::Surrendered => "surrendered",
        CustomsLicenceState::Expired => "expired",
    }
}

fn status_disagreement(licence: &Authorization, report: &CustomsLicenceStatus) -> Option<String> {
    let customs_open = report.status == CustomsLicenceState::Open;
    let (usable, licensing) = licensing_view(licence, report.as_of);
    if customs_open == usable {
        return None;
    }
    let consequence = if customs_open {
        "customs would still accept write-offs against it"
    } else {
        "customs would refuse write-offs the licence allows"
    };
    Some(format!(
        "customs reports licence {} {} on {}, but by the licensing records it is {} that day: {consequence}",
        licence.reference,
        customs_state(report.status),
        report.as_of,
        licensing
    ))
}

/// What differs between customs' totals and the store's, as text; empty when they agree.
fn totals_differences(
    reported: &ReportedLineTotal,
    ours: &LineUsage,
    line_unit: Option<&str>,
) -> Vec<String> {
    let mut differences = Vec::new();
    if let Some(theirs) = reported.quantity_used {
        let ours_quantity = ours.quantity.unwrap_or_default();
        match (reported.unit.as_deref(), line_unit) {
            (Some(unit), Some(line_unit)) => {
                let quantity = Quantity {
                    amount: theirs,
                    unit: unit.to_owned(),
                };
                match usage::quantity_in(&quantity, line_unit) {
                    Some(converted) if converted == ours_quantity => {}
                    Some(converted) => differences.push(quantity_text(
                        &format!("{} {unit} ({} {line_unit})", amount(theirs), amount(converted)),
                        ours_quantity,
                    )),
                    None => differences.push(format!(
                        "{} {unit} written off, which cannot be compared with the usage records' {} {line_unit}",
                        amount(theirs),
                        amount(ours_quantity)
                    )),
                }
            }
            _ if theirs != ours_quantity => {
                differences.push(quantity_text(&amount(theirs), ours_quantity))
            }
            _ => {}
        }
    }
    if let Some(theirs) = &reported.value_used {
        let ours_value = ours.value.clone().unwrap_or(Money {
            amount: Decimal::ZERO,
            currency: theirs.currency.clone(),
        });
        if ours_value.currency != theirs.currency {
            differences.push(format!(
                "{} written off, which cannot be compared with the usage records' {}",
                money(theirs),
                money(&ours_value)
            ));
        } else if ours_value.amount != theirs.amount {
            differences.push(format!(
                "{} written off where its usage records add up to {}",
                money(theirs),
                money(&ours_value)
            ));
        }
    }
    differences
}

fn quantity_text(theirs_text: &str, ours: Decimal) -> String {
    format!(
        "{theirs_text} written off where its usage records add up to {}",
        amount(ours)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rules::testing::findings;

    const REF: &str = "GBSIEL/2026/0000104/P";

    fn licence(status: &str, history: &str) -> String {
        format!(
            r#"{{"agency":"licensing","source_ref":"{REF}","record":{{"kind":"authorization","reference":"{REF}","direction":"export","status":"{status}","issuing_authority":"ECJU","issue_date":"2026-03-01","valid_from":"2026-03-01","valid_until":"2027-03-01","parties":[{{"role":"end_user","name":"RCMP","country":"CA"}}],"countries":[{{"country":"CA","role":"destination"}}],"status_history":[{history}],"lines":[{{"line_no":1,"description":"Pistols","controlled_by":"both","quantity":{{"amount":"300","unit":"NAR"}},"value":{{"amount":"120000.00","currency":"GBP"}}}},{{"line_no":2,"description":"Ammunition","quantity":{{"amount":"150000","unit":"NAR"}}}}]}}}}"#
        )
    }

    const ISSUED: &str = r#"{"action":"issue","effective":"2026-03-01"}"#;

    fn report(source_ref: &str, as_of: &str, status: &str, lines: &str) -> String {
        format!(
            r#"{{"agency":"customs","source_ref":"{source_ref}","record":{{"kind":"customs_licence_status","authorization_ref":"{REF}","as_of":"{as_of}","status":"{status}","lines":[{lines}],"transaction_ref":"{source_ref}"}}}}"#
        )
    }

    /// A usage record; one declaration per day, so records of a day share their key.
    fn usage(source_ref: &str, line: u32, kind: &str, date: &str, amounts: &str) -> String {
        format!(
            r#"{{"agency":"customs","source_ref":"{source_ref}","record":{{"kind":"licence_usage","authorization_ref":"{REF}","line_no":{line},"declaration_ref":"D-{date}","usage_type":"{kind}","date":"{date}"{amounts}}}}}"#
        )
    }

    fn run(lines: &[String]) -> Vec<Finding> {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let mut found = findings(&CustomsDisagrees, &lines);
        found.sort_by(|a, b| a.key.cmp(&b.key));
        found
    }

    fn keys(found: &[Finding]) -> Vec<&str> {
        found.iter().map(|f| f.key.as_str()).collect()
    }

    const LINE1_200: &str = r#"{"line_no":1,"quantity_used":"200","value_used":{"amount":"80000.00","currency":"GBP"}}"#;

    #[test]
    fn totals_that_agree_are_not_a_finding_and_later_write_offs_are_not_counted() {
        let found = run(&[
            licence("issued", ISSUED),
            usage(
                "U1",
                1,
                "original",
                "2026-04-22",
                r#","quantity":"150","value":{"amount":"60000.00","currency":"GBP"}"#,
            ),
            usage(
                "U2",
                1,
                "adjusted",
                "2026-04-22",
                r#","quantity":"200","value":{"amount":"80000.00","currency":"GBP"}"#,
            ),
            usage("U3", 1, "message_only", "2026-04-23", r#","quantity":"0""#),
            usage("U4", 2, "original", "2026-04-22", r#","quantity":"100000""#),
            usage("U5", 2, "original", "2026-06-22", r#","quantity":"1""#),
            usage("U6", 2, "contra", "2026-06-22", r#","quantity":"1""#),
            // After the report: the SAD era.
            usage(
                "U7",
                1,
                "original",
                "2026-09-03",
                r#","quantity":"120","unit":"NAR","value":{"amount":"48000.00","currency":"GBP"}"#,
            ),
            report(
                "LU1",
                "2026-07-01",
                "open",
                &format!(r#"{LINE1_200},{{"line_no":2,"quantity_used":"100000"}}"#),
            ),
        ]);
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn totals_that_differ_per_line() {
        let found = run(&[
            licence("issued", ISSUED),
            usage(
                "U1",
                1,
                "original",
                "2026-04-22",
                r#","quantity":"200","value":{"amount":"75000.00","currency":"GBP"}"#,
            ),
            usage("U2", 2, "original", "2026-04-22", r#","quantity":"90000""#),
            report(
                "LU1",
                "2026-07-01",
                "open",
                &format!(r#"{LINE1_200},{{"line_no":2,"quantity_used":"100","unit":"DZN"}}"#),
            ),
        ]);
        assert_eq!(
            keys(&found),
            [format!("{REF}/1/totals"), format!("{REF}/2/totals")]
        );
        assert_eq!(
            found[0].explanation,
            format!(
                "customs reports on 2026-07-01 that line 1 of licence {REF} has GBP 80000.00 written off where its usage records add up to GBP 75000.00"
            )
        );
        assert_eq!(
            found[1].explanation,
            format!(
                "customs reports on 2026-07-01 that line 2 of licence {REF} has 100 DZN (1200 NAR) written off where its usage records add up to 90000"
            )
        );
        assert_eq!(found[0].severity, Severity::Medium);
        let roles: Vec<&str> = found[0].evidence.iter().map(|e| e.role.as_str()).collect();
        assert_eq!(roles, ["customs-status", "licence", "write-off"]);
    }

    #[test]
    fn only_the_latest_report_counts() {
        let found = run(&[
            licence("issued", ISSUED),
            usage(
                "U1",
                1,
                "original",
                "2026-04-22",
                r#","quantity":"200","value":{"amount":"80000.00","currency":"GBP"}"#,
            ),
            report("LU2", "2026-07-01", "open", LINE1_200),
            report(
                "LU1",
                "2026-04-01",
                "open",
                r#"{"line_no":1,"quantity_used":"7"}"#,
            ),
        ]);
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn customs_open_while_licensing_has_cancelled() {
        let history = format!(r#"{ISSUED},{{"action":"cancel","effective":"2026-05-05"}}"#);
        let found = run(&[
            licence("cancelled", &history),
            report("LU1", "2026-07-01", "open", ""),
        ]);
        assert_eq!(keys(&found), [format!("{REF}/status")]);
        assert_eq!(
            found[0].explanation,
            format!(
                "customs reports licence {REF} open on 2026-07-01, but by the licensing records it is cancelled that day: customs would still accept write-offs against it"
            )
        );
        let roles: Vec<&str> = found[0].evidence.iter().map(|e| e.role.as_str()).collect();
        assert_eq!(roles, ["customs-status", "licence"]);
    }

    #[test]
    fn a_report_before_the_cancellation_agrees() {
        let history = format!(r#"{ISSUED},{{"action":"cancel","effective":"2026-05-05"}}"#);
        let found = run(&[
            licence("cancelled", &history),
            report("LU1", "2026-05-04", "open", ""),
        ]);
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn customs_closed_while_licensing_has_it_issued() {
        let found = run(&[
            licence("issued", ISSUED),
            report("LU1", "2026-07-01", "exhausted", ""),
        ]);
        assert_eq!(keys(&found), [format!("{REF}/status")]);
        assert!(found[0].explanation.contains("refuse write-offs"));
    }

    #[test]
    fn closed_for_different_reasons_is_not_a_finding() {
        let history = format!(r#"{ISSUED},{{"action":"revoke","effective":"2026-05-05"}}"#);
        let found = run(&[
            licence("revoked", &history),
            report("LU1", "2026-07-01", "cancelled", ""),
        ]);
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn past_its_validity_a_licence_is_expired() {
        let found = run(&[
            licence("issued", ISSUED),
            report("LU1", "2027-03-02", "expired", ""),
        ]);
        assert!(found.is_empty(), "{found:#?}");
        let found = run(&[
            licence("issued", ISSUED),
            report("LU1", "2027-03-02", "open", ""),
        ]);
        assert_eq!(keys(&found), [format!("{REF}/status")]);
        assert!(
            found[0]
                .explanation
                .contains("expired (valid until 2027-03-01)")
        );
    }

    #[test]
    fn a_suspended_then_reinstated_licence_is_open() {
        let history = format!(
            r#"{ISSUED},{{"action":"suspend","effective":"2026-04-01"}},{{"action":"reinstate","effective":"2026-05-01"}}"#
        );
        let found = run(&[
            licence("issued", &history),
            report("LU1", "2026-04-15", "open", ""),
        ]);
        assert_eq!(keys(&found), [format!("{REF}/status")]);
        let found = run(&[
            licence("issued", &history),
            report("LU1", "2026-05-01", "open", ""),
        ]);
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn an_unknown_licence_gets_no_status_finding_but_its_totals_are_compared() {
        let found = run(&[
            usage("U1", 1, "original", "2026-04-22", r#","quantity":"3""#),
            report(
                "LU1",
                "2026-07-01",
                "open",
                r#"{"line_no":1,"quantity_used":"4"}"#,
            ),
        ]);
        assert_eq!(keys(&found), [format!("{REF}/1/totals")]);
        let roles: Vec<&str> = found[0].evidence.iter().map(|e| e.role.as_str()).collect();
        assert_eq!(roles, ["customs-status", "write-off"]);
    }

    #[test]
    fn a_value_in_another_currency_cannot_be_compared() {
        let found = run(&[
            licence("issued", ISSUED),
            usage(
                "U1",
                1,
                "original",
                "2026-04-22",
                r#","value":{"amount":"100.00","currency":"EUR"}"#,
            ),
            report(
                "LU1",
                "2026-07-01",
                "open",
                r#"{"line_no":1,"value_used":{"amount":"100.00","currency":"GBP"}}"#,
            ),
        ]);
        assert_eq!(keys(&found), [format!("{REF}/1/totals")]);
        assert!(
            found[0].explanation.contains("cannot be compared"),
            "{}",
            found[0].explanation
        );
    }
}
