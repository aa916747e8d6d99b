//! `serial-match`: a weapon the police seized, lost, found stolen, recovered or traced
//! carries the serial number of an item we licensed or declared for export: possible
//! diversion (ATT Art. 11: prevent, detect and address diversion; Art. 11(5) exchange of
//! information; ITI marking and tracing).
//!
//! **Police side** every item of every police case (any event: seizure, loss, theft,
//! recovery, trace request sent or received), and every `item` record that is not the same
//! weapon (same make and normalized serial) as an item of a police case.
//!
//! **Transfer side** every serial number on a licence line (`serial_numbers`; any licence,
//! any status, with the line's `make` where given), and every serial number of an export
//! or re-export declaration item that is not invalidated.
//!
//! **Matching** both serials go through [`normalize_serial`] (upper case, letters and
//! digits only). Equal normalized serials are an **exact** match. Otherwise the common
//! misreadings of markings are folded (`O`→`0`, `I`→`1`, `S`→`5`, `B`→`8`) and equal
//! folded serials are a **fuzzy** match; the finding says which. When both sides name a
//! make (police item; licence line), the makes must agree after
//! [`normalize_party_name`] — different makes are no match, whatever the serial;
//! declarations carry no make, so only the serial counts there.
//!
//! Key: `{police case or item source_ref}/{normalized serial}/{licence or declaration source_ref}`
//! (the serial as the police recorded it, normalized). A case with the same serial on a
//! licence and on its export declaration gives one finding for each.

use jiff::civil::Date;

use crate::check::{Dataset, Evidence, Finding, Rule, Severity, finding};
use crate::model::{
    CustomsProcedure, DeclarationStatus, Item, PoliceEvent, normalize_party_name, normalize_serial,
};

pub struct SerialMatch;

/// `normalize_serial`, then the common letter/digit confusions folded.
pub(crate) fn fold_serial(raw: &str) -> String {
    normalize_serial(raw)
        .chars()
        .map(|c| match c {
            'O' => '0',
            'I' => '1',
            'S' => '5',
            'B' => '8',
            other => other,
        })
        .collect()
}

/// A serial on a licence line or a declaration.
struct Listed<'a> {
    raw: &'a str,
    normalized: String,
    folded: String,
    make: Option<&'a str>,
    evidence: Evidence,
    /// The licence or declaration's own reference, for the key.
    source_ref: &'a str,
    what: String,
}

/// A weapon the police know about.
struct Police<'a> {
    item: &'a Item,
    evidence: Evidence,
    source_ref: &'a str,
    date: Option<Date>,
    what: String,
}

fn event_name(event: PoliceEvent) -> &'static str {
    match event {
        PoliceEvent::Seizure => "seized",
        PoliceEvent::Loss => "reported lost",
        PoliceEvent::Theft => "reported stolen",
        PoliceEvent::Recovery => "recovered",
        PoliceEvent::TraceRequestSent => "the subject of a trace request sent",
        PoliceEvent::TraceRequestReceived => "the subject of a trace request received",
    }
}

impl Rule for SerialMatch {
    fn id(&self) -> &'static str {
        "serial-match"
    }

    fn title(&self) -> &'static str {
        "A seized, lost, stolen or traced weapon's serial is on a licence or export declaration"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 11"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let mut listed: Vec<Listed> = Vec::new();
        for licence in &data.licences {
            for line in &licence.body.lines {
                for raw in &line.serial_numbers {
                    listed.push(Listed {
                        raw,
                        normalized: normalize_serial(raw),
                        folded: fold_serial(raw),
                        make: line.make.as_deref(),
                        evidence: licence.meta.evidence("licence"),
                        source_ref: &licence.meta.source_ref,
                        what: format!(
                            "line {} of {} licence {} ({}, {})",
                            line.line_no,
                            serde_json::to_string(&licence.body.direction)
                                .unwrap_or_default()
                                .trim_matches('"'),
                            licence.body.reference,
                            licence.body.status.as_str(),
                            licence.meta.location()
                        ),
                    });
                }
            }
        }
        for declaration in &data.declarations {
            let d = &declaration.body;
            let exported = matches!(
                d.procedure,
                CustomsProcedure::Export | CustomsProcedure::ReExport
            );
            if !exported || d.status == Some(DeclarationStatus::Invalidated) {
                continue;
            }
            for raw in &d.serial_numbers {
                listed.push(Listed {
                    raw,
                    normalized: normalize_serial(raw),
                    folded: fold_serial(raw),
                    make: None,
                    evidence: declaration.meta.evidence("export declaration"),
                    source_ref: &declaration.meta.source_ref,
                    what: format!(
                        "export declaration {} item {} of {}{} ({})",
                        d.declaration_ref,
                        d.item_no,
                        d.date,
                        d.country_of_destination
                            .as_deref()
                            .map_or(String::new(), |c| format!(" to {c}")),
                        declaration.meta.location()
                    ),
                });
            }
        }
        listed.retain(|l| !l.normalized.is_empty());

        let mut police: Vec<Police> = Vec::new();
        for case in &data.police_cases {
            for item in &case.body.items {
                police.push(Police {
                    item,
                    evidence: case.meta.evidence("police case"),
                    source_ref: &case.meta.source_ref,
                    date: Some(case.body.date),
                    what: format!(
                        "{} {} ({}) was {} on {} (police case {}, {})",
                        item.make,
                        item.model.as_deref().unwrap_or(""),
                        item.serial,
                        event_name(case.body.event),
                        case.body.date,
                        case.body.case_ref,
                        case.meta.location()
                    ),
                });
            }
        }
        // An item record of a weapon already in a police case (same make and serial) adds
        // nothing: the case is the evidence.
        let in_cases: std::collections::BTreeSet<(String, String)> = police
            .iter()
            .map(|p| {
                (
                    normalize_party_name(&p.item.make),
                    normalize_serial(&p.item.serial),
                )
            })
            .collect();
        for record in &data.items {
            let identity = (
                normalize_party_name(&record.body.make),
                normalize_serial(&record.body.serial),
            );
            if in_cases.contains(&identity) {
                continue;
            }
            police.push(Police {
                item: &record.body,
                evidence: record.meta.evidence("item"),
                source_ref: &record.meta.source_ref,
                date: record.body.recorded_date,
                what: format!(
                    "{} {} ({}), recorded by {} ({})",
                    record.body.make,
                    record.body.model.as_deref().unwrap_or(""),
                    record.body.serial,
                    record.meta.agency,
                    record.meta.location()
                ),
            });
        }

        let mut found = Vec::new();
        for p in &police {
            let normalized = normalize_serial(&p.item.serial);
            if normalized.is_empty() {
                continue;
            }
            let folded = fold_serial(&p.item.serial);
            let make = normalize_party_name(&p.item.make);
            for l in &listed {
                let exact = l.normalized == normalized;
                if !exact && l.folded != folded {
                    continue;
                }
                if let Some(listed_make) = l.make {
                    let listed_make = normalize_party_name(listed_make);
                    if !make.is_empty() && !listed_make.is_empty() && listed_make != make {
                        continue;
                    }
                }
                let how = if exact {
                    format!(
                        "exact match: {} and {} are both {normalized}",
                        p.item.serial, l.raw
                    )
                } else {
                    format!(
                        "fuzzy match: {} ({normalized}) and {} ({}) agree once O/0, I/1, S/5 and B/8 are folded ({folded})",
                        p.item.serial, l.raw, l.normalized
                    )
                };
                let make_note = match l.make {
                    Some(m) => format!(" The makes agree ({} / {m}).", p.item.make),
                    None => String::new(),
                };
                let explanation = format!(
                    "{}; its serial is on {}: {how}.{make_note} Possible diversion: the weapon may have left the licensed or declared transfer.",
                    p.what.replace("  (", " ("),
                    l.what
                );
                found.push(finding(
                    self,
                    format!("{}/{normalized}/{}", p.source_ref, l.source_ref),
                    explanation,
                    p.date,
                    vec![p.evidence.clone(), l.evidence.clone()],
                ));
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rules::testing::findings;

    fn licence(serial: &str, make: Option<&str>) -> String {
        let make = make.map_or(String::new(), |m| format!(r#","make":"{m}""#));
        format!(
            r#"{{"agency":"licensing","source_ref":"LIC-1","record":{{"kind":"authorization","reference":"LIC-1","direction":"export","status":"issued","issuing_authority":"ECJU","issue_date":"2026-01-15","valid_from":"2026-01-15","valid_until":"2028-01-15","parties":[{{"role":"end_user","name":"Forsvarsmateriell","country":"NO"}}],"countries":[{{"country":"NO","role":"destination"}}],"lines":[{{"line_no":1,"description":"Assault rifles","control_entry":"ML1.a.4","quantity":{{"amount":"2","unit":"NAR"}}{make},"serial_numbers":["{serial}","HK-G36-000001"]}}]}}}}"#
        )
    }

    fn case(reference: &str, event: &str, make: &str, serial: &str) -> String {
        format!(
            r#"{{"agency":"police","source_ref":"{reference}","record":{{"kind":"police_case","case_ref":"{reference}","police_agency":"NPFU","date":"2026-06-14","event":"{event}","items":[{{"make":"{make}","model":"G36","serial":"{serial}"}}]}}}}"#
        )
    }

    const DECLARATION: &str = r#"{"agency":"customs","source_ref":"DEC-1/1","record":{"kind":"customs_declaration","declaration_ref":"DEC-1","item_no":1,"procedure":"export","date":"2026-03-12","country_of_destination":"NO","control_entry":"ML1.a.4","description":"Assault rifles","serial_numbers":["HK G36 004512"]}}"#;

    #[test]
    fn a_seized_weapon_on_a_licence_and_a_declaration_is_found_exactly() {
        let found = findings(
            &SerialMatch,
            &[
                &licence("HK-G36-004512", Some("Heckler & Koch")),
                DECLARATION,
                &case("CASE-1", "seizure", "Heckler & Koch", "hk-g36-004512"),
            ],
        );
        let keys: Vec<&str> = found.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            ["CASE-1/HKG36004512/LIC-1", "CASE-1/HKG36004512/DEC-1/1"]
        );
        assert!(found.iter().all(|f| f.explanation.contains("exact match")));
        assert!(
            found[0].explanation.contains("seized"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn letter_digit_confusions_match_fuzzily() {
        let found = findings(
            &SerialMatch,
            &[
                &licence("HK-G36-OO45I2", None),
                &case("CASE-2", "theft", "Heckler & Koch", "HK-G36-004512"),
            ],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].explanation.contains("fuzzy match"),
            "{}",
            found[0].explanation
        );
        assert_eq!(found[0].key, "CASE-2/HKG36004512/LIC-1");
    }

    #[test]
    fn a_different_make_or_serial_is_no_match() {
        assert!(
            findings(
                &SerialMatch,
                &[
                    &licence("HK-G36-004512", Some("Heckler & Koch")),
                    &case("CASE-3", "seizure", "Colt", "HK-G36-004512"),
                ],
            )
            .is_empty()
        );
        assert!(
            findings(
                &SerialMatch,
                &[
                    &licence("HK-G36-004512", None),
                    &case("CASE-4", "seizure", "Heckler & Koch", "HK-G36-004513"),
                ],
            )
            .is_empty()
        );
        // An import declaration's serials are not an export.
        let import = DECLARATION.replace(r#""procedure":"export""#, r#""procedure":"import""#);
        assert!(
            findings(
                &SerialMatch,
                &[
                    &import,
                    &case("CASE-5", "seizure", "Heckler & Koch", "HK-G36-004512")
                ],
            )
            .is_empty()
        );
    }

    #[test]
    fn standalone_item_records_are_matched_too() {
        let item = r#"{"agency":"police","source_ref":"ITEM-9","record":{"kind":"item","make":"Heckler und Koch","serial":"HKG36OO4512","recorded_date":"2026-08-01"}}"#;
        let found = findings(&SerialMatch, &[DECLARATION, item]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "ITEM-9/HKG36OO4512/DEC-1/1");
        assert!(
            found[0].explanation.contains("fuzzy"),
            "{}",
            found[0].explanation
        );
        // The same weapon as a police case's item: only the case is reported.
        let same = r#"{"agency":"police","source_ref":"ITEM-10","record":{"kind":"item","make":"Heckler & Koch","serial":"HK-G36-004512"}}"#;
        let seized = case("CASE-6", "seizure", "Heckler & Koch", "HK G36 004512");
        let found = findings(&SerialMatch, &[DECLARATION, same, &seized]);
        let keys: Vec<&str> = found.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["CASE-6/HKG36004512/DEC-1/1"]);
    }

    #[test]
    fn folding_is_the_documented_one() {
        assert_eq!(fold_serial("ob-is 8"), "08158");
    }
}
