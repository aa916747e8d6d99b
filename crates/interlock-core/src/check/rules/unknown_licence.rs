//! `unknown-licence`: customs writes off against, or a declaration cites, a licence the
//! licensing authority's records do not have.
//!
//! **Basis.** ATT Art. 11 (goods moving on a licence reference no authority issued is the
//! classic diversion pattern: a forged, mistyped or foreign licence) and Art. 12 (the
//! national records must let each transfer be traced to its authorization).
//!
//! **Semantics.** A licence is *known* when the store holds a licence (an `authorization`
//! record of any status, refused applications included) with exactly that reference. Every
//! `licence_usage` record (of any usage type) and every declaration item whose
//! `attached_documents` name a reference that is not known cite an unknown licence. The
//! reference is compared exactly as written: normalising references is the adapters' job.
//!
//! One finding per unknown reference, key `{licence ref}`, dated the earliest citing
//! record; evidence: every usage record (`write-off`) and declaration item (`declaration`)
//! citing it.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::check::{Dataset, Evidence, Finding, Rule, Severity, finding};

pub struct UnknownLicence;

#[derive(Default)]
struct Citations {
    evidence: Vec<Evidence>,
    /// Declaration references, in the order first cited.
    declarations: Vec<String>,
    write_offs: usize,
    first: Option<Date>,
}

impl Citations {
    fn add(&mut self, evidence: Evidence, declaration: &str, date: Date) {
        self.evidence.push(evidence);
        if !self.declarations.iter().any(|d| d == declaration) {
            self.declarations.push(declaration.to_owned());
        }
        self.first = Some(self.first.map_or(date, |first| first.min(date)));
    }
}

impl Rule for UnknownLicence {
    fn id(&self) -> &'static str {
        "unknown-licence"
    }

    fn title(&self) -> &'static str {
        "a write-off or declaration citing a licence the licensing records do not have"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 11; ATT Art. 12"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let mut unknown: BTreeMap<&str, Citations> = BTreeMap::new();
        for usage in &data.usages {
            let reference = usage.body.authorization_ref.as_str();
            if data.licence(reference).is_some() {
                continue;
            }
            let citations = unknown.entry(reference).or_default();
            citations.write_offs += 1;
            citations.add(
                usage.meta.evidence("write-off"),
                &usage.body.declaration_ref,
                usage.body.date,
            );
        }
        for declaration in &data.declarations {
            let mut cited: Vec<&str> = Vec::new();
            for document in &declaration.body.attached_documents {
                let reference = document.authorization_ref.as_str();
                if data.licence(reference).is_some() || cited.contains(&reference) {
                    continue;
                }
                cited.push(reference);
                unknown.entry(reference).or_default().add(
                    declaration.meta.evidence("declaration"),
                    &declaration.body.declaration_ref,
                    declaration.body.date,
                );
            }
        }

        unknown
            .into_iter()
            .map(|(reference, citations)| {
                let write_offs = match citations.write_offs {
                    0 => String::new(),
                    1 => "1 write-off, ".to_owned(),
                    n => format!("{n} write-offs, "),
                };
                let explanation = format!(
                    "licence {reference} is not in the licensing records, yet customs cites it ({write_offs}declaration{} {})",
                    if citations.declarations.len() == 1 { "" } else { "s" },
                    citations.declarations.join(", ")
                );
                finding(
                    self,
                    reference.to_owned(),
                    explanation,
                    citations.first,
                    citations.evidence,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rules::testing::findings;

    const KNOWN: &str = r#"{"agency":"licensing","source_ref":"GB/KNOWN","record":{"kind":"authorization","reference":"GB/KNOWN","direction":"export","status":"refused","issuing_authority":"ECJU","application_date":"2026-01-10","lines":[{"line_no":1,"description":"Rifles"}]}}"#;

    fn usage(source_ref: &str, licence: &str, date: &str) -> String {
        format!(
            r#"{{"agency":"customs","source_ref":"{source_ref}","record":{{"kind":"licence_usage","authorization_ref":"{licence}","line_no":1,"declaration_ref":"D-{source_ref}","usage_type":"original","date":"{date}","quantity":"1"}}}}"#
        )
    }

    fn declaration(reference: &str, date: &str, licences: &[&str]) -> String {
        let documents: Vec<String> = licences
            .iter()
            .map(|l| format!(r#"{{"code":"LIC","authorization_ref":"{l}","line_no":1}}"#))
            .collect();
        format!(
            r#"{{"agency":"customs","source_ref":"{reference}/1","record":{{"kind":"customs_declaration","declaration_ref":"{reference}","item_no":1,"procedure":"export","date":"{date}","description":"Rifles","country_of_destination":"AE","attached_documents":[{}]}}}}"#,
            documents.join(",")
        )
    }

    fn run(lines: &[String]) -> Vec<Finding> {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        findings(&UnknownLicence, &lines)
    }

    #[test]
    fn write_offs_and_declarations_citing_an_unknown_licence() {
        let found = run(&[
            KNOWN.to_owned(),
            usage("U1", "GB/FORGED", "2026-04-02"),
            usage("U2", "GB/FORGED", "2026-03-01"),
            usage("U3", "GB/KNOWN", "2026-03-01"),
            declaration("DVR01 2026 E 1", "2026-05-01", &["GB/FORGED", "GB/FORGED"]),
            declaration("DVR01 2026 E 2", "2026-05-01", &["GB/KNOWN"]),
        ]);
        assert_eq!(found.len(), 1, "{found:#?}");
        let f = &found[0];
        assert_eq!(f.key, "GB/FORGED");
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.date, Some(jiff::civil::date(2026, 3, 1)));
        assert_eq!(
            f.explanation,
            "licence GB/FORGED is not in the licensing records, yet customs cites it (2 write-offs, declarations D-U1, D-U2, DVR01 2026 E 1)"
        );
        let roles: Vec<(&str, &str)> = f
            .evidence
            .iter()
            .map(|e| (e.source_ref.as_str(), e.role.as_str()))
            .collect();
        assert_eq!(
            roles,
            [
                ("U1", "write-off"),
                ("U2", "write-off"),
                ("DVR01 2026 E 1/1", "declaration")
            ]
        );
    }

    #[test]
    fn one_finding_per_reference_and_none_for_known_licences() {
        let found = run(&[
            KNOWN.to_owned(),
            usage("U1", "GB/KNOWN", "2026-03-01"),
            declaration("D1", "2026-05-01", &["GB/KNOWN"]),
            declaration("D2", "2026-05-02", &["GB/A", "GB/B"]),
        ]);
        let keys: Vec<&str> = found.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["GB/A", "GB/B"]);
        assert_eq!(
            found[0].explanation,
            "licence GB/A is not in the licensing records, yet customs cites it (declaration D2)"
        );
    }

    #[test]
    fn a_declaration_without_a_licence_is_not_this_rules() {
        assert!(run(&[declaration("D4", "2026-10-06", &[])]).is_empty());
    }
}
