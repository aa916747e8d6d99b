//! The documents that follow an export: the end-user certificate before it and the
//! delivery verification after it (ATT Art. 8(1): the importing State provides information
//! such as end-use or end-user documentation; Art. 11(2): the exporting State prevents
//! diversion through its assessment and measures such as examining parties and requiring
//! documentation; delivery verification as in Firearms Protocol Art. 10(4)).
//!
//! # `euc-missing`
//!
//! An **export** licence that is **not open** and that was granted, and that either is
//! issued now or has had goods written off against it, with **no end-user certificate** in
//! the store: none whose reference is the licence's `euc_reference`, and none whose
//! `authorization_ref` is the licence. A licence that ended (cancelled, revoked, expired,
//! ...) before anything was shipped under it needs no certificate any more; an open
//! licence (OIEL) has no single end user to certify; brokering, import and transit
//! licences are not exports. When the licence cites an `euc_reference` that is not on
//! record, the explanation says so. Key: the licence reference.
//!
//! # `delivery-unverified`
//!
//! An **export** licence that is **not open**, with goods actually shipped under it (a
//! write-off in `licence_usage`), and no delivery verification for the shipments more than
//! [`DeliveryUnverified::after_days`] days (default [`DEFAULT_AFTER_DAYS`], 90) after the
//! **last write-off**, measured to the **as-of date**: the latest record date in the
//! dataset (so a run over the same records always gives the same answer, whatever day it
//! is run).
//!
//! - Write-offs follow the customs rules (`usage.rs`): per key (licence, line,
//!   declaration, part), records in customs' order; a key whose last amount record is a
//!   `contra` shipped nothing; `message_only` records write off nothing. The last write-off
//!   is the latest date of a key that still ships something.
//! - The shipments are verified when a delivery verification for the licence is dated on or
//!   after the last write-off, or names the last write-off's declaration. A verification of
//!   earlier shipments only does not verify a later one; the explanation mentions it.
//! - Open licences are left out, as for `euc-missing`: their shipments go to many consignees
//!   and delivery verification is not asked per licence.
//!
//! Key: the licence reference; the finding's date is the last write-off's.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::check::{Dataset, Finding, Rec, Rule, Severity, finding};
use crate::model::{Authorization, Direction, LicenceUsage, UsageKey, UsageType};

/// The default for [`DeliveryUnverified::after_days`].
pub const DEFAULT_AFTER_DAYS: i64 = 90;

/// Export licences relied on without an end-user certificate on record.
#[derive(Clone, Copy, Debug, Default)]
pub struct EucMissing;

impl Rule for EucMissing {
    fn id(&self) -> &'static str {
        "euc-missing"
    }

    fn title(&self) -> &'static str {
        "export licence (not open) with no end-user certificate on record"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 8(1), 11(2)"
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let mut found = Vec::new();
        for licence in data.licences.iter().filter(|l| single_export(&l.body)) {
            let body = &licence.body;
            let shipped = shipped_write_offs(data, &body.reference);
            if !body.status.is_usable() && shipped.is_empty() {
                continue;
            }
            let has_euc = data.end_user_certificates.iter().any(|euc| {
                body.euc_reference.as_deref() == Some(euc.body.reference.as_str())
                    || euc.body.authorization_ref.as_deref() == Some(body.reference.as_str())
            });
            if has_euc {
                continue;
            }
            let destinations: Vec<&str> = body
                .countries_in_role(crate::model::CountryRole::Destination, false)
                .collect();
            let mut explanation = format!(
                "Export licence {} ({}{}) has no end-user certificate on record: none names the licence{}.",
                body.reference,
                body.status.as_str(),
                if destinations.is_empty() {
                    String::new()
                } else {
                    format!(", to {}", destinations.join(", "))
                },
                match &body.euc_reference {
                    Some(euc) =>
                        format!(", and the certificate it cites, {euc}, is not in the store"),
                    None => ", and the licence cites none".to_owned(),
                }
            );
            if !shipped.is_empty() {
                explanation.push_str(&format!(
                    " Goods were shipped under it: {} write-off(s), the last on {}.",
                    shipped.len(),
                    shipped
                        .iter()
                        .map(|u| u.body.date)
                        .max()
                        .map_or_else(String::new, |d| d.to_string())
                ));
            }
            found.push(finding(
                self,
                body.reference.clone(),
                explanation,
                body.issue_date.or(body.valid_from),
                vec![licence.meta.evidence("licence")],
            ));
        }
        found
    }
}

/// Export licences whose shipments no delivery verification confirms after a while.
#[derive(Clone, Copy, Debug)]
pub struct DeliveryUnverified {
    /// Days after the last write-off (to the dataset's as-of date) beyond which a missing
    /// delivery verification is reported. Default [`DEFAULT_AFTER_DAYS`].
    pub after_days: i64,
}

impl Default for DeliveryUnverified {
    fn default() -> Self {
        DeliveryUnverified {
            after_days: DEFAULT_AFTER_DAYS,
        }
    }
}

impl Rule for DeliveryUnverified {
    fn id(&self) -> &'static str {
        "delivery-unverified"
    }

    fn title(&self) -> &'static str {
        "export shipped with no delivery verification after the grace period"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 8(1), 11(2)"
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let Some(as_of) = as_of(data) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for licence in data.licences.iter().filter(|l| single_export(&l.body)) {
            let body = &licence.body;
            let shipped = shipped_write_offs(data, &body.reference);
            let Some(last) = shipped.iter().max_by_key(|u| u.body.date) else {
                continue;
            };
            let last_date = last.body.date;
            let verifications: Vec<_> = data
                .delivery_verifications
                .iter()
                .filter(|dv| dv.body.authorization_ref == body.reference)
                .collect();
            let verified = verifications.iter().any(|dv| {
                dv.body.date >= last_date
                    || dv
                        .body
                        .declaration_refs
                        .contains(&last.body.declaration_ref)
            });
            if verified {
                continue;
            }
            let Ok(elapsed) = last_date.until(as_of).map(|span| span.get_days()) else {
                continue;
            };
            if i64::from(elapsed) <= self.after_days {
                continue;
            }
            let mut explanation = format!(
                "Export licence {}: goods were shipped under it ({} write-off(s), the last on {} for declaration {}), and no delivery verification confirms them {} days later (as of {}, the latest record date; the limit is {} days).",
                body.reference,
                shipped.len(),
                last_date,
                last.body.declaration_ref,
                elapsed,
                as_of,
                self.after_days
            );
            if !verifications.is_empty() {
                explanation.push_str(&format!(
                    " Earlier verification(s) {} cover only earlier shipments.",
                    verifications
                        .iter()
                        .map(|dv| format!("{} ({})", dv.body.reference, dv.body.date))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let mut evidence = vec![licence.meta.evidence("licence")];
            evidence.extend(shipped.iter().map(|u| u.meta.evidence("write-off")));
            evidence.extend(
                verifications
                    .iter()
                    .map(|dv| dv.meta.evidence("earlier delivery verification")),
            );
            found.push(finding(
                self,
                body.reference.clone(),
                explanation,
                Some(last_date),
                evidence,
            ));
        }
        found
    }
}

/// A granted export licence that is not open.
fn single_export(licence: &Authorization) -> bool {
    licence.direction == Direction::Export && !licence.open && licence.status.was_issued()
}

/// The write-offs against `reference` that still ship something, by the customs rules:
/// per key in customs' order, `contra` cancels what the key shipped and `message_only`
/// writes off nothing. For each key, the records that make up what it ships now.
fn shipped_write_offs<'a>(data: &'a Dataset, reference: &str) -> Vec<&'a Rec<LicenceUsage>> {
    let mut ordered: Vec<&Rec<LicenceUsage>> = data
        .usages
        .iter()
        .filter(|u| u.body.authorization_ref == reference)
        .collect();
    // Customs' order, as in `usage.rs`: by sequence where given, then by date.
    ordered.sort_by_key(|u| {
        (
            u.body.sequence.is_none(),
            u.body.sequence.unwrap_or(0),
            u.body.date,
        )
    });
    let mut per_key: BTreeMap<UsageKey, Vec<&Rec<LicenceUsage>>> = BTreeMap::new();
    for usage in ordered {
        let key = per_key.entry(usage.body.key()).or_default();
        match usage.body.usage_type {
            UsageType::Original | UsageType::LateOriginal => key.push(usage),
            UsageType::Adjusted => *key = vec![usage],
            UsageType::Contra => key.clear(),
            UsageType::MessageOnly => {}
        }
    }
    per_key.into_values().flatten().collect()
}

/// The latest record date in the dataset: the day the checks speak as of.
fn as_of(data: &Dataset) -> Option<Date> {
    let dates = data
        .licences
        .iter()
        .map(|r| r.meta.event_date)
        .chain(data.declarations.iter().map(|r| r.meta.event_date))
        .chain(data.usages.iter().map(|r| r.meta.event_date))
        .chain(data.customs_statuses.iter().map(|r| r.meta.event_date))
        .chain(data.items.iter().map(|r| r.meta.event_date))
        .chain(data.police_cases.iter().map(|r| r.meta.event_date))
        .chain(data.end_user_certificates.iter().map(|r| r.meta.event_date))
        .chain(
            data.delivery_verifications
                .iter()
                .map(|r| r.meta.event_date),
        )
        .chain(data.denials.iter().map(|r| r.meta.event_date))
        .chain(data.embargoes.iter().map(|r| r.meta.event_date))
        .chain(data.reported_transfers.iter().map(|r| r.meta.event_date));
    dates.flatten().max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rules::testing::findings;

    /// An export licence `reference` with `extra` spliced into the record.
    fn licence(reference: &str, extra: &str) -> String {
        format!(
            r#"{{"agency":"licensing","source_ref":"{reference}","record":{{"kind":"authorization","reference":"{reference}","direction":"export","status":"issued","issuing_authority":"ECJU","issue_date":"2026-01-20","valid_from":"2026-01-20","valid_until":"2027-01-20","parties":[{{"role":"end_user","name":"DALO","country":"DK"}}],"countries":[{{"country":"DK","role":"destination"}}],"lines":[{{"line_no":1,"description":"Ammunition","control_entry":"ML3.a","value":{{"amount":"250000","currency":"EUR"}}}}]{extra}}}}}"#
        )
    }

    fn euc(reference: &str, extra: &str) -> String {
        format!(
            r#"{{"agency":"licensing","source_ref":"{reference}","record":{{"kind":"end_user_certificate","reference":"{reference}","issuing_country":"DK","date":"2026-01-10","end_user":{{"role":"end_user","name":"DALO","country":"DK"}},"goods_description":"Ammunition"{extra}}}}}"#
        )
    }

    fn usage(
        source: &str,
        licence: &str,
        declaration: &str,
        usage_type: &str,
        date: &str,
    ) -> String {
        format!(
            r#"{{"agency":"customs","source_ref":"{source}","record":{{"kind":"licence_usage","authorization_ref":"{licence}","line_no":1,"declaration_ref":"{declaration}","usage_type":"{usage_type}","date":"{date}","value":{{"amount":"1000","currency":"EUR"}}}}}}"#
        )
    }

    fn dv(reference: &str, licence: &str, date: &str, declarations: &str) -> String {
        format!(
            r#"{{"agency":"licensing","source_ref":"{reference}","record":{{"kind":"delivery_verification","reference":"{reference}","issuing_country":"DK","date":"{date}","authorization_ref":"{licence}","declaration_refs":[{declarations}]}}}}"#
        )
    }

    /// A record that only moves the as-of date.
    fn denial_on(date: &str) -> String {
        format!(
            r#"{{"agency":"licensing","source_ref":"DEN-{date}","record":{{"kind":"denial","reference":"DEN-{date}","notifying_country":"DE","date":"{date}","reason":"Criterion 7","entities":[{{"role":"consignee","name":"X"}}]}}}}"#
        )
    }

    #[test]
    fn euc_missing_fires_for_an_issued_licence() {
        let lic = licence("GB/7", "");
        let found = findings(&EucMissing, &[&lic]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].key, "GB/7");
        assert_eq!(found[0].severity, Severity::Medium);
        assert!(
            found[0].explanation.contains("cites none"),
            "{}",
            found[0].explanation
        );

        // Citing a certificate the store does not hold is no better.
        let lic = licence("GB/8", r#","euc_reference":"DK-EUC-1""#);
        let found = findings(&EucMissing, &[&lic]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0]
                .explanation
                .contains("DK-EUC-1, is not in the store"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn euc_missing_fires_for_an_ended_licence_that_shipped() {
        let lic = licence("GB/9", "").replace(r#""status":"issued""#, r#""status":"expired""#);
        let used = usage("U1", "GB/9", "DEC1", "original", "2026-03-01");
        let found = findings(&EucMissing, &[&lic, &used]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0]
                .explanation
                .contains("1 write-off(s), the last on 2026-03-01"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn euc_near_misses_do_not_fire() {
        // Matched by the certificate's licence reference.
        let by_licence = licence("GB/1", "");
        let euc1 = euc("DK-EUC-1", r#","authorization_ref":"GB/1""#);
        // Matched by the licence's certificate reference.
        let by_reference = licence("GB/2", r#","euc_reference":"DK-EUC-2""#);
        let euc2 = euc("DK-EUC-2", "");
        // Open licence; brokering licence; cancelled before any shipment; refused.
        let open = licence("GB/3", r#","open":true"#);
        let brokering =
            licence("GB/4", "").replace(r#""direction":"export""#, r#""direction":"brokering""#);
        let cancelled =
            licence("GB/5", "").replace(r#""status":"issued""#, r#""status":"cancelled""#);
        let refused = licence("GB/6", "").replace(r#""status":"issued""#, r#""status":"refused""#);
        let found = findings(
            &EucMissing,
            &[
                &by_licence,
                &euc1,
                &by_reference,
                &euc2,
                &open,
                &brokering,
                &cancelled,
                &refused,
            ],
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn delivery_unverified_after_the_grace_period() {
        let lic = licence("GB/7", "");
        let first = usage("U1", "GB/7", "DEC1", "original", "2026-04-15");
        let contra = usage("U2", "GB/7", "DEC1", "contra", "2026-04-16");
        let second = usage("U3", "GB/7", "DEC2", "original", "2026-06-10");
        let message = usage("U4", "GB/7", "DEC3", "message_only", "2026-07-01");
        let later = denial_on("2026-12-07");
        let found = findings(
            &DeliveryUnverified::default(),
            &[&lic, &first, &contra, &second, &message, &later],
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        let f = &found[0];
        assert_eq!(f.key, "GB/7");
        assert_eq!(f.date, Date::new(2026, 6, 10).ok());
        assert!(
            f.explanation
                .contains("1 write-off(s), the last on 2026-06-10 for declaration DEC2"),
            "{}",
            f.explanation
        );
        assert!(
            f.explanation.contains("180 days later (as of 2026-12-07"),
            "{}",
            f.explanation
        );
        let roles: Vec<_> = f.evidence.iter().map(|e| e.role.as_str()).collect();
        assert_eq!(roles, ["licence", "write-off"]);
    }

    #[test]
    fn an_earlier_verification_does_not_cover_a_later_shipment() {
        let lic = licence("GB/7", "");
        let first = usage("U1", "GB/7", "DEC1", "original", "2026-03-01");
        let second = usage("U2", "GB/7", "DEC2", "original", "2026-06-01");
        let old = dv("DK-DVC-1", "GB/7", "2026-04-01", r#""DEC1""#);
        let later = denial_on("2026-12-01");
        let found = findings(
            &DeliveryUnverified::default(),
            &[&lic, &first, &second, &old, &later],
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0]
                .explanation
                .contains("DK-DVC-1 (2026-04-01) cover only earlier"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn the_grace_period_is_a_field() {
        let lic = licence("GB/5", "");
        let used = usage("U1", "GB/5", "DEC1", "original", "2026-11-20");
        let later = denial_on("2026-12-07");
        let records = [lic.as_str(), used.as_str(), later.as_str()];
        // 17 days: within the default 90.
        assert!(findings(&DeliveryUnverified::default(), &records).is_empty());
        assert!(findings(&DeliveryUnverified { after_days: 17 }, &records).is_empty());
        assert_eq!(
            findings(&DeliveryUnverified { after_days: 16 }, &records).len(),
            1
        );
    }

    #[test]
    fn delivery_near_misses_do_not_fire() {
        let later = denial_on("2026-12-31");
        // Verified by a later verification.
        let a = licence("GB/A", "");
        let a_used = usage("UA", "GB/A", "DA", "original", "2026-03-01");
        let a_dv = dv("DVC-A", "GB/A", "2026-04-01", "");
        // Verified by a verification naming the last declaration, though dated earlier.
        let b = licence("GB/B", "");
        let b_used = usage("UB", "GB/B", "DB", "original", "2026-03-10");
        let b_dv = dv("DVC-B", "GB/B", "2026-03-05", r#""DB""#);
        // Never shipped (only a contra'd write-off and a message).
        let c = licence("GB/C", "");
        let c_used = usage("UC1", "GB/C", "DC", "original", "2026-03-01");
        let c_contra = usage("UC2", "GB/C", "DC", "contra", "2026-03-02");
        let c_msg = usage("UC3", "GB/C", "DC2", "message_only", "2026-03-03");
        // Open licence, and an import licence, shipped without verification.
        let d = licence("GB/D", r#","open":true"#);
        let d_used = usage("UD", "GB/D", "DD", "original", "2026-03-01");
        let e = licence("GB/E", "").replace(r#""direction":"export""#, r#""direction":"import""#);
        let e_used = usage("UE", "GB/E", "DE", "original", "2026-03-01");
        let found = findings(
            &DeliveryUnverified::default(),
            &[
                &later, &a, &a_used, &a_dv, &b, &b_used, &b_dv, &c, &c_used, &c_contra, &c_msg, &d,
                &d_used, &e, &e_used,
            ],
        );
        assert!(found.is_empty(), "{found:#?}");
    }
}
