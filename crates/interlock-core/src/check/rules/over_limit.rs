//! `over-limit`: more written off against a licence line than the line allows.
//!
//! **Basis.** ATT Art. 11 (diversion: goods beyond what was authorised leave without an
//! assessment of their own) and Art. 7 (the export assessment covered the quantity and
//! value on the licence, not more).
//!
//! **Semantics.**
//! - Write-offs are the `licence_usage` records of the line (both the CHIEF usage data and
//!   the ASYCUDA deductions emit them). What they add up to is [`usage::totals`], the one
//!   place for the customs usage rules: `adjusted` replaces its key, `contra` zeroes it,
//!   `message_only` writes off nothing, late originals count like originals, and quantities
//!   are converted into the licence line's unit.
//! - The limit is the line's [`AuthorizationLine::effective_control`]: a quantity-controlled
//!   line is limited by its quantity only, a value-controlled line by its value only, `both`
//!   by each, an `unlimited` line and every line of an **open** licence by nothing.
//! - A line is over when the total is strictly greater than its limit: using a line exactly
//!   is what a licence is for.
//! - Amounts that cannot be compared with the limit (a value in another currency than the
//!   line's, a quantity in a unit that does not convert) are not guessed: they are left out
//!   of the comparison and named in the explanation of a finding the line gets otherwise.
//! - **Amendments apply to all write-offs.** The store keeps one current revision of a
//!   licence: after an amendment or replacement that is the new version, under the same
//!   reference, and earlier versions live only in the revision history. Every write-off,
//!   including those made before the amendment, is measured against the current version's
//!   limits. That is the documented rule for now because it is how the licensing and
//!   customs systems treat a replaced licence: CHIEF carries the usage to date over to the
//!   replacing licence, whose quantities and values are the totals allowed over the
//!   licence's whole life (the demo scenario relies on it: L7's EUR 205,000 is within its
//!   replaced limit of EUR 250,000 though above the original EUR 150,000). A write-off that
//!   exceeded the limit in force on its day but not the amended limit is therefore not a
//!   finding; telling those apart needs the licence's revision history, which the rules'
//!   dataset does not carry.
//! - Write-offs against a line the licence does not have, or a licence the store has never
//!   seen, are not this rule's (see `unknown-licence`).
//!
//! One finding per line over its limit, key `{licence}/{line}`, dated the last write-off
//! of the line; evidence: the licence (`licence`) and every usage record of the line
//! (`write-off`).

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::check::{Dataset, Finding, Rec, Rule, Severity, finding};
use crate::model::{AuthorizationLine, ControlledBy, LicenceUsage, Money, UsageType};
use crate::usage::{self, LineUsage};

pub struct OverLimit;

impl Rule for OverLimit {
    fn id(&self) -> &'static str {
        "over-limit"
    }

    fn title(&self) -> &'static str {
        "more written off against a licence line than it allows"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 11; ATT Art. 7"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let mut found = Vec::new();
        for ((reference, line_no), usages) in usages_by_line(data) {
            let Some(licence) = data.licence(&reference) else {
                continue;
            };
            if licence.body.open {
                continue;
            }
            let Some(line) = licence.body.lines.iter().find(|l| l.line_no == line_no) else {
                continue;
            };
            let control = line.effective_control();
            if control == ControlledBy::Unlimited {
                continue;
            }
            let unit = |_: &str, _: u32| line.quantity.as_ref().map(|q| q.unit.clone());
            let totals = usage::totals(usages.iter().map(|u| &u.body), unit);
            let total = totals
                .get(&(reference.clone(), line_no))
                .cloned()
                .unwrap_or_default();

            let mut overs = Vec::new();
            if matches!(control, ControlledBy::Quantity | ControlledBy::Both)
                && let Some(over) = quantity_over(line, &total)
            {
                overs.push(over);
            }
            if matches!(control, ControlledBy::Value | ControlledBy::Both)
                && let Some(over) = value_over(line, &total)
            {
                overs.push(over);
            }
            if overs.is_empty() {
                continue;
            }

            let mut explanation = format!(
                "line {line_no} of licence {reference} allows {}; {} wrote off {}",
                overs
                    .iter()
                    .map(|o| o.limit.as_str())
                    .collect::<Vec<_>>()
                    .join(" and "),
                declarations_text(&usages, &unit),
                overs
                    .iter()
                    .map(|o| format!("{}, {} over", o.total, o.excess))
                    .collect::<Vec<_>>()
                    .join(", and "),
            );
            if !total.problems.is_empty() {
                explanation.push_str(&format!(" (not counted: {})", total.problems.join("; ")));
            }
            let mut evidence = vec![licence.meta.evidence("licence")];
            evidence.extend(usages.iter().map(|u| u.meta.evidence("write-off")));
            found.push(finding(
                self,
                format!("{reference}/{line_no}"),
                explanation,
                last_write_off(&usages),
                evidence,
            ));
        }
        found
    }
}

/// The usage records by (licence reference, line), in dataset order.
pub(super) fn usages_by_line(data: &Dataset) -> BTreeMap<(String, u32), Vec<&Rec<LicenceUsage>>> {
    let mut by_line: BTreeMap<(String, u32), Vec<&Rec<LicenceUsage>>> = BTreeMap::new();
    for usage in &data.usages {
        by_line
            .entry((usage.body.authorization_ref.clone(), usage.body.line_no))
            .or_default()
            .push(usage);
    }
    by_line
}

/// A limit, the total against it and the excess, as text.
struct Over {
    limit: String,
    total: String,
    excess: String,
}

fn quantity_over(line: &AuthorizationLine, total: &LineUsage) -> Option<Over> {
    let limit = line.quantity.as_ref()?;
    let used = total.quantity.unwrap_or_default();
    (used > limit.amount).then(|| Over {
        limit: format!("{} {}", amount(limit.amount), unit_words(&limit.unit)),
        total: amount(used),
        excess: amount(used - limit.amount),
    })
}

fn value_over(line: &AuthorizationLine, total: &LineUsage) -> Option<Over> {
    let limit = line.value.as_ref()?;
    let used = total.value.as_ref()?;
    if used.currency != limit.currency || used.amount <= limit.amount {
        return None;
    }
    Some(Over {
        limit: money(limit),
        total: money(used),
        excess: money(&Money {
            amount: used.amount - limit.amount,
            currency: used.currency.clone(),
        }),
    })
}

/// "declarations A (200) and B (120)": every declaration whose write-offs still count,
/// with what it writes off by the customs rules (a contra'd declaration is not named).
fn declarations_text(
    usages: &[&Rec<LicenceUsage>],
    unit: &dyn Fn(&str, u32) -> Option<String>,
) -> String {
    let mut by_declaration: BTreeMap<&str, Vec<&LicenceUsage>> = BTreeMap::new();
    let mut first_seen: Vec<&str> = Vec::new();
    for usage in usages {
        let declaration = usage.body.declaration_ref.as_str();
        if !by_declaration.contains_key(declaration) {
            first_seen.push(declaration);
        }
        by_declaration
            .entry(declaration)
            .or_default()
            .push(&usage.body);
    }
    let mut named = Vec::new();
    for declaration in first_seen {
        let records = by_declaration.get(declaration).cloned().unwrap_or_default();
        let totals = usage::totals(records, unit);
        let mut parts = Vec::new();
        for line_usage in totals.values() {
            if let Some(quantity) = line_usage.quantity.filter(|q| !q.is_zero()) {
                parts.push(amount(quantity));
            }
            if let Some(value) = line_usage.value.as_ref().filter(|v| !v.amount.is_zero()) {
                parts.push(money(value));
            }
        }
        if !parts.is_empty() {
            named.push(format!("{declaration} ({})", parts.join(", ")));
        }
    }
    match named.len() {
        0 => "its write-offs".to_owned(),
        1 => format!("declaration {}", named[0]),
        n => format!(
            "declarations {} and {}",
            named[..n - 1].join(", "),
            named[n - 1]
        ),
    }
}

/// The day of the line's last write-off that writes something off.
fn last_write_off(usages: &[&Rec<LicenceUsage>]) -> Option<Date> {
    usages
        .iter()
        .filter(|u| {
            !matches!(
                u.body.usage_type,
                UsageType::Contra | UsageType::MessageOnly
            )
        })
        .map(|u| u.body.date)
        .max()
}

/// A decimal without trailing zeros.
pub(super) fn amount(value: Decimal) -> String {
    value.normalize().to_string()
}

pub(super) fn money(value: &Money) -> String {
    format!("{} {}", value.currency, value.amount)
}

/// "items" for the counting units, the UN/ECE code otherwise.
pub(super) fn unit_words(unit: &str) -> String {
    match unit {
        "NAR" | "C62" | "H87" => "items".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rules::testing::{dataset, findings};

    const REF: &str = "GBSIEL/2026/0000104/P";

    /// An issued licence with one line; `line` is the line's JSON after `line_no` and
    /// `description`.
    fn licence(extra: &str, line: &str) -> String {
        format!(
            r#"{{"agency":"licensing","source_ref":"{REF}","record":{{"kind":"authorization","reference":"{REF}","direction":"export","status":"issued","issuing_authority":"ECJU","issue_date":"2026-03-01","valid_from":"2026-03-01","valid_until":"2027-03-01"{extra},"parties":[{{"role":"end_user","name":"RCMP","country":"CA"}}],"countries":[{{"country":"CA","role":"destination"}}],"lines":[{{"line_no":1,"description":"Pistols"{line}}}]}}}}"#
        )
    }

    /// A write-off against line 1.
    fn usage(source_ref: &str, declaration: &str, kind: &str, seq: u64, amounts: &str) -> String {
        format!(
            r#"{{"agency":"customs","source_ref":"{source_ref}","record":{{"kind":"licence_usage","authorization_ref":"{REF}","line_no":1,"declaration_ref":"{declaration}","usage_type":"{kind}","date":"2026-04-{:02}","sequence":{seq}{amounts}}}}}"#,
            seq + 1
        )
    }

    const BOTH_300: &str = r#","controlled_by":"both","quantity":{"amount":"300","unit":"NAR"},"value":{"amount":"120000.00","currency":"GBP"}"#;

    #[test]
    fn over_by_quantity_and_value_across_declarations() {
        let lines = [
            licence("", BOTH_300),
            usage(
                "U1",
                "A",
                "original",
                1,
                r#","quantity":"200","value":{"amount":"80000.00","currency":"GBP"}"#,
            ),
            usage(
                "U2",
                "B",
                "original",
                2,
                r#","quantity":"120","unit":"NAR","value":{"amount":"48000.00","currency":"GBP"}"#,
            ),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let found = findings(&OverLimit, &lines);
        assert_eq!(found.len(), 1, "{found:#?}");
        let f = &found[0];
        assert_eq!(f.key, format!("{REF}/1"));
        assert_eq!(f.severity, Severity::High);
        assert_eq!(
            f.explanation,
            format!(
                "line 1 of licence {REF} allows 300 items and GBP 120000.00; declarations A (200, GBP 80000.00) and B (120, GBP 48000.00) wrote off 320, 20 over, and GBP 128000.00, GBP 8000.00 over"
            )
        );
        assert_eq!(f.date, Some(jiff::civil::date(2026, 4, 3)));
        let roles: Vec<(&str, &str)> = f
            .evidence
            .iter()
            .map(|e| (e.source_ref.as_str(), e.role.as_str()))
            .collect();
        assert_eq!(
            roles,
            [(REF, "licence"), ("U1", "write-off"), ("U2", "write-off")]
        );
        assert_eq!(f.evidence[2].line, Some(3));
    }

    #[test]
    fn equal_to_the_limit_is_not_over() {
        let lines = [
            licence("", BOTH_300),
            usage(
                "U1",
                "A",
                "original",
                1,
                r#","quantity":"200","value":{"amount":"80000.00","currency":"GBP"}"#,
            ),
            usage(
                "U2",
                "B",
                "late_original",
                2,
                r#","quantity":"100","value":{"amount":"40000.00","currency":"GBP"}"#,
            ),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert!(findings(&OverLimit, &lines).is_empty());
    }

    #[test]
    fn a_value_controlled_line_is_not_limited_by_quantity() {
        let line = r#","controlled_by":"value","quantity":{"amount":"10","unit":"NAR"},"value":{"amount":"1000.00","currency":"GBP"}"#;
        let lines = [
            licence("", line),
            usage(
                "U1",
                "A",
                "original",
                1,
                r#","quantity":"50","value":{"amount":"900.00","currency":"GBP"}"#,
            ),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert!(findings(&OverLimit, &lines).is_empty());
    }

    #[test]
    fn a_quantity_controlled_line_is_not_limited_by_value() {
        let line = r#","controlled_by":"quantity","quantity":{"amount":"10","unit":"NAR"},"value":{"amount":"1000.00","currency":"GBP"}"#;
        let over_value = [
            licence("", line),
            usage(
                "U1",
                "A",
                "original",
                1,
                r#","quantity":"10","value":{"amount":"5000.00","currency":"GBP"}"#,
            ),
        ];
        let lines: Vec<&str> = over_value.iter().map(String::as_str).collect();
        assert!(findings(&OverLimit, &lines).is_empty());

        let over_quantity = [
            licence("", line),
            usage("U1", "A", "original", 1, r#","quantity":"11""#),
        ];
        let lines: Vec<&str> = over_quantity.iter().map(String::as_str).collect();
        let found = findings(&OverLimit, &lines);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].explanation.ends_with("wrote off 11, 1 over"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn a_line_without_controlled_by_is_limited_by_what_it_gives() {
        let line = r#","quantity":{"amount":"10","unit":"NAR"}"#;
        let lines = [
            licence("", line),
            usage(
                "U1",
                "A",
                "original",
                1,
                r#","quantity":"12","value":{"amount":"5000.00","currency":"GBP"}"#,
            ),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert_eq!(findings(&OverLimit, &lines).len(), 1);
    }

    #[test]
    fn unlimited_lines_and_open_licences_have_no_limit() {
        let unlimited = r#","controlled_by":"unlimited","quantity":{"amount":"10","unit":"NAR"}"#;
        let lines = [
            licence("", unlimited),
            usage("U1", "A", "original", 1, r#","quantity":"500""#),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert!(findings(&OverLimit, &lines).is_empty());

        let lines = [
            licence(
                r#","open":true"#,
                r#","quantity":{"amount":"10","unit":"NAR"}"#,
            ),
            usage("U1", "A", "original", 1, r#","quantity":"500""#),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert!(findings(&OverLimit, &lines).is_empty());
    }

    #[test]
    fn a_contra_nets_out() {
        let line = r#","controlled_by":"value","value":{"amount":"150000.00","currency":"EUR"}"#;
        let lines = [
            licence("", line),
            usage(
                "U1",
                "C4",
                "original",
                1,
                r#","value":{"amount":"40000.00","currency":"EUR"}"#,
            ),
            usage(
                "U2",
                "C4",
                "contra",
                2,
                r#","value":{"amount":"40000.00","currency":"EUR"}"#,
            ),
            usage(
                "U3",
                "C5",
                "late_original",
                3,
                r#","value":{"amount":"25000.00","currency":"EUR"}"#,
            ),
            usage(
                "U4",
                "C7",
                "original",
                4,
                r#","value":{"amount":"125000.00","currency":"EUR"}"#,
            ),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert!(findings(&OverLimit, &lines).is_empty());
    }

    #[test]
    fn an_adjusted_record_brings_a_line_back_under_and_message_only_counts_nothing() {
        let line = r#","controlled_by":"quantity","quantity":{"amount":"100","unit":"NAR"}"#;
        let lines = [
            licence("", line),
            usage("U1", "A", "original", 1, r#","quantity":"120""#),
            usage("U2", "A", "adjusted", 2, r#","quantity":"90""#),
            usage("U3", "B", "message_only", 3, r#","quantity":"50""#),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert!(findings(&OverLimit, &lines).is_empty());
    }

    #[test]
    fn a_contrad_declaration_is_not_named_and_units_convert() {
        let line = r#","controlled_by":"quantity","quantity":{"amount":"20","unit":"NAR"}"#;
        let lines = [
            licence("", line),
            usage("U1", "A", "original", 1, r#","quantity":"2","unit":"DZN""#),
            usage("U2", "B", "original", 2, r#","quantity":"5""#),
            usage("U3", "B", "contra", 3, r#","quantity":"5""#),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let found = findings(&OverLimit, &lines);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].explanation,
            format!(
                "line 1 of licence {REF} allows 20 items; declaration A (24) wrote off 24, 4 over"
            )
        );
        // Every usage record of the line is evidence, the contra'd ones too.
        assert_eq!(found[0].evidence.len(), 4);
    }

    #[test]
    fn the_current_revision_limits_apply_to_all_write_offs() {
        // As after a CHIEF replace: the amended limit, an amend event in the history.
        let line = r#","controlled_by":"value","value":{"amount":"250000.00","currency":"EUR"}"#;
        let extra = r#","status_history":[{"action":"issue","effective":"2026-01-20"},{"action":"amend","effective":"2026-05-05"}]"#;
        let lines = [
            licence(extra, line),
            usage(
                "U1",
                "A",
                "original",
                1,
                r#","value":{"amount":"180000.00","currency":"EUR"}"#,
            ),
            usage(
                "U2",
                "B",
                "original",
                2,
                r#","value":{"amount":"25000.00","currency":"EUR"}"#,
            ),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert!(findings(&OverLimit, &lines).is_empty());
    }

    #[test]
    fn a_value_in_another_currency_is_not_compared() {
        let line = r#","controlled_by":"value","value":{"amount":"100.00","currency":"GBP"}"#;
        let lines = [
            licence("", line),
            usage(
                "U1",
                "A",
                "original",
                1,
                r#","value":{"amount":"500.00","currency":"EUR"}"#,
            ),
        ];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert!(findings(&OverLimit, &lines).is_empty());
    }

    #[test]
    fn write_offs_against_unknown_licences_or_lines_are_not_this_rules() {
        let lines = [usage("U1", "A", "original", 1, r#","quantity":"500""#)];
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let data = dataset(&lines);
        assert!(OverLimit.check(&data).is_empty());
    }
}
