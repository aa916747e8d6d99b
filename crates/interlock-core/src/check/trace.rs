//! One weapon's story across agencies (`interlock trace SERIAL`): every record that names
//! the serial — licence lines, declarations, police cases, items — and what follows from
//! them (the licence line's write-offs, the licence's status changes and delivery
//! verification), in date order, each step with its agency and provenance.
//!
//! Serials match after [`normalize_serial`]; a make given on both sides must agree
//! (case-insensitively), so `--make` separates two makers' identical serials.

use jiff::civil::Date;
use serde::Serialize;

use super::{Dataset, Evidence};
use crate::model::{PoliceEvent, normalize_serial};

/// One step of the story.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceStep {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    pub agency: String,
    /// What happened, in words.
    pub event: String,
    /// The record it comes from.
    pub evidence: Evidence,
}

/// The story of one serial.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Trace {
    pub serial: String,
    pub steps: Vec<TraceStep>,
}

/// An enum as its JSON name, in words (`late_original` → `late original`).
fn json_name(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

fn same_make(wanted: Option<&str>, found: Option<&str>) -> bool {
    match (wanted, found) {
        (Some(wanted), Some(found)) => wanted.trim().eq_ignore_ascii_case(found.trim()),
        _ => true,
    }
}

/// Everything the dataset says about `serial` (and `make`, if given).
pub fn trace(data: &Dataset, serial: &str, make: Option<&str>) -> Trace {
    let wanted = normalize_serial(serial);
    let matches = |candidate: &str| normalize_serial(candidate) == wanted;
    let mut steps = Vec::new();
    let mut step = |date: Option<Date>, meta: &super::RecordMeta, role: &str, event: String| {
        steps.push(TraceStep {
            date,
            agency: meta.agency.clone(),
            event,
            evidence: meta.evidence(role),
        });
    };

    for licence in &data.licences {
        let a = &licence.body;
        for line in &a.lines {
            if !line.serial_numbers.iter().any(|s| matches(s))
                || !same_make(make, line.make.as_deref())
            {
                continue;
            }
            let destinations: Vec<&str> = a
                .countries_in_role(crate::model::CountryRole::Destination, false)
                .collect();
            step(
                a.issue_date.or(a.valid_from).or(a.application_date),
                &licence.meta,
                "licence",
                format!(
                    "authorized on {} licence {} line {} ({}){}",
                    json_name(&a.direction),
                    a.reference,
                    line.line_no,
                    line.description,
                    if destinations.is_empty() {
                        String::new()
                    } else {
                        format!(" to {}", destinations.join(", "))
                    }
                ),
            );
            for event in a.status_history.iter().filter(|e| e.action.stops_use()) {
                step(
                    Some(event.effective),
                    &licence.meta,
                    "licence",
                    format!("licence {}: {}", a.reference, json_name(&event.action)),
                );
            }
            for usage in data.usages.iter().filter(|u| {
                u.body.authorization_ref == a.reference && u.body.line_no == line.line_no
            }) {
                step(
                    Some(usage.body.date),
                    &usage.meta,
                    "write-off",
                    format!(
                        "written off against line {} by declaration {} ({})",
                        line.line_no,
                        usage.body.declaration_ref,
                        json_name(&usage.body.usage_type)
                    ),
                );
            }
            for verification in data
                .delivery_verifications
                .iter()
                .filter(|v| v.body.authorization_ref == a.reference)
            {
                let received = verification
                    .body
                    .lines
                    .iter()
                    .find(|l| l.line_no == line.line_no)
                    .map(|l| {
                        format!(
                            ": {} {} received on line {}",
                            l.quantity_received.amount, l.quantity_received.unit, l.line_no
                        )
                    })
                    .unwrap_or_default();
                step(
                    Some(verification.body.date),
                    &verification.meta,
                    "delivery verification",
                    format!(
                        "delivery verified by {} ({}){received}",
                        verification.body.issuing_country, verification.body.reference
                    ),
                );
            }
        }
    }
    for declaration in &data.declarations {
        let c = &declaration.body;
        if c.serial_numbers.iter().any(|s| matches(s)) {
            step(
                Some(c.exit_date.unwrap_or(c.date)),
                &declaration.meta,
                "declaration",
                format!(
                    "declared for {} on {} ({}/{}){}{}",
                    json_name(&c.procedure),
                    c.date,
                    c.declaration_ref,
                    c.item_no,
                    c.customs_office
                        .as_deref()
                        .map(|o| format!(" at {o}"))
                        .unwrap_or_default(),
                    c.country_of_destination
                        .as_deref()
                        .map(|d| format!(" to {d}"))
                        .unwrap_or_default()
                ),
            );
        }
    }
    for case in &data.police_cases {
        let p = &case.body;
        for item in p.items.iter().filter(|i| matches(&i.serial)) {
            if !same_make(make, Some(&item.make)) {
                continue;
            }
            let what = match p.event {
                PoliceEvent::Seizure => "seized",
                PoliceEvent::Loss => "reported lost",
                PoliceEvent::Theft => "reported stolen",
                PoliceEvent::Recovery => "recovered",
                PoliceEvent::TraceRequestSent => "trace request sent",
                PoliceEvent::TraceRequestReceived => "trace request received",
            };
            step(
                Some(p.date),
                &case.meta,
                "police case",
                format!(
                    "{what} ({} {}, serial as marked `{}`){}{} — case {}",
                    item.make,
                    item.model.as_deref().unwrap_or(""),
                    item.serial,
                    p.location
                        .as_deref()
                        .map(|l| format!(", {l}"))
                        .unwrap_or_default(),
                    p.trace_counterpart
                        .as_deref()
                        .map(|c| format!(", with {c}"))
                        .unwrap_or_default(),
                    p.case_ref
                )
                .replace("  ", " "),
            );
        }
    }
    for item in &data.items {
        if matches(&item.body.serial) && same_make(make, Some(&item.body.make)) {
            step(
                item.body.recorded_date,
                &item.meta,
                "item",
                format!(
                    "recorded by {}: {} {}",
                    item.meta.agency,
                    item.body.make,
                    item.body.model.as_deref().unwrap_or("")
                )
                .trim_end()
                .to_owned(),
            );
        }
    }
    // Undated steps last; the sort is stable, so a licence's steps keep their order on a day.
    steps.sort_by_key(|s| (s.date.is_none(), s.date));
    Trace {
        serial: serial.to_owned(),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rules::testing::dataset;

    const LICENCE: &str = r#"{"agency":"licensing","source_ref":"L1","record":{"kind":"authorization","reference":"L1","direction":"export","status":"issued","issuing_authority":"ECJU","issue_date":"2026-01-15","parties":[{"role":"end_user","name":"Forsvarsmateriell","country":"NO"}],"countries":[{"country":"NO","role":"destination"}],"lines":[{"line_no":1,"description":"Assault rifles","make":"Heckler & Koch","quantity":{"amount":"120","unit":"NAR"},"serial_numbers":["HK-G36-004512"]}]}}"#;
    const USAGE: &str = r#"{"agency":"customs","source_ref":"U1","record":{"kind":"licence_usage","authorization_ref":"L1","line_no":1,"declaration_ref":"D1","usage_type":"original","date":"2026-03-12","quantity":"60"}}"#;
    const SEIZURE: &str = r#"{"agency":"police","source_ref":"C1","record":{"kind":"police_case","case_ref":"C1","police_agency":"NPFU","date":"2026-06-14","location":"Felixstowe","event":"seizure","items":[{"make":"Heckler & Koch","model":"G36","serial":"hk g36 004512"}]}}"#;

    #[test]
    fn a_serial_is_traced_across_agencies_in_date_order() {
        let data = dataset(&[SEIZURE, USAGE, LICENCE]);
        let trace = trace(&data, "HKG36004512", None);
        let agencies: Vec<&str> = trace.steps.iter().map(|s| s.agency.as_str()).collect();
        assert_eq!(agencies, ["licensing", "customs", "police"]);
        assert!(
            trace.steps[0]
                .event
                .starts_with("authorized on export licence L1 line 1")
        );
        assert!(trace.steps[1].event.contains("declaration D1"));
        assert!(
            trace.steps[2]
                .event
                .starts_with("seized (Heckler & Koch G36")
        );
        assert_eq!(trace.steps[2].evidence.source_file, "test.jsonl");
        assert_eq!(trace.steps[2].evidence.line, Some(1));
    }

    #[test]
    fn another_make_with_the_same_serial_is_not_the_same_weapon() {
        let data = dataset(&[SEIZURE, LICENCE]);
        assert!(
            trace(&data, "HK-G36-004512", Some("Glock"))
                .steps
                .is_empty()
        );
        assert_eq!(
            trace(&data, "HK-G36-004512", Some("heckler & koch"))
                .steps
                .len(),
            2
        );
        assert!(trace(&data, "HK-G36-004513", None).steps.is_empty());
    }
}
