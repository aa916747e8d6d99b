//! `interlock calendar`: the reporting obligations for one year's data, their due dates,
//! days left and who answers for them, and whether each agency's data for that year is
//! there.
//!
//! **Obligations** for the data of year Y:
//! - the ATT annual report on exports and imports, due 31 May of Y+1 (ATT Art. 13(3));
//! - the report to the UN Register of Conventional Arms, due 31 May of Y+1 (UN General
//!   Assembly resolution 46/36 L and the Secretary-General's annual call);
//! - every national internal deadline kept in the store ([`Deadline`]), on its day in Y+1
//!   when it is for the previous year's data, in Y otherwise.
//!
//! The two treaty reports are the responsibility of the agency leading "accounting and
//! reporting" (else the only agency holding it), else of the reporting authority named in
//! the settings.
//!
//! **Readiness** counts each registered agency's current records by the quarter of their
//! event date in Y. Only agencies that supply data are judged: those that list a plugin or
//! have records in the store (any year). Only quarters that ended before today are judged,
//! so a year in progress is not reported missing. For each agency:
//! - **missing**: no record dated in any judged quarter;
//! - **gap**: a judged quarter without a record ("no customs records dated in Q4 2026");
//! - **thin**: a judged quarter with records, but fewer than a tenth of the agency's
//!   average over the judged quarters. A tenth is loose on purpose: trade is seasonal and
//!   only a collapse (an import that covered a few days of the quarter, a feed that broke)
//!   should be flagged.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::Serialize;

use super::{Agency, DataYear, Deadline, MandateRole, MonthDay, Phase, Settings};

/// Each agency's current records dated in one year, by quarter, and which agencies have
/// records at all: what [`compute`] needs of the store.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RecordCounts {
    pub year: i16,
    /// Agency id → records whose event date falls in Q1..Q4 of `year`.
    pub by_quarter: BTreeMap<String, [u64; 4]>,
    /// Agencies with at least one current record, of any year.
    pub with_records: BTreeSet<String>,
}

/// Who answers for an obligation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Responsible {
    /// The registered agency, when there is one.
    pub agency: Option<String>,
    /// As shown: the agency's name, or the reporting authority, or why there is nobody.
    pub text: String,
}

/// One obligation for the year's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Obligation {
    pub name: String,
    /// Where the obligation comes from (`ATT Art. 13(3)`, `national deadline`).
    pub basis: String,
    pub due: Date,
    /// Days from today to the due date; negative once overdue.
    pub days_left: i32,
    pub responsible: Responsible,
    pub description: String,
}

impl Obligation {
    /// `41 days left`, `due today`, `overdue by 20 days`.
    pub fn days_left_text(&self) -> String {
        match self.days_left {
            0 => "due today".to_owned(),
            1 => "1 day left".to_owned(),
            -1 => "overdue by 1 day".to_owned(),
            n if n > 0 => format!("{n} days left"),
            n => format!("overdue by {} days", -n),
        }
    }
}

/// Where an agency's data for the year stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadinessStatus {
    /// Records in every judged quarter, none thin.
    Ready,
    /// Some judged quarter is empty or thin.
    Incomplete,
    /// No record dated in any judged quarter.
    Missing,
    /// No quarter of the year has ended yet.
    NotDue,
    /// The agency lists no plugin and has no records: it supplies no data.
    NoData,
}

impl ReadinessStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReadinessStatus::Ready => "ready",
            ReadinessStatus::Incomplete => "incomplete",
            ReadinessStatus::Missing => "MISSING",
            ReadinessStatus::NotDue => "not due",
            ReadinessStatus::NoData => "supplies no data",
        }
    }
}

/// One agency's readiness.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Readiness {
    pub agency: String,
    /// Records dated in Q1..Q4.
    pub quarters: [u64; 4],
    pub status: ReadinessStatus,
    /// What is missing or thin, one sentence each.
    pub problems: Vec<String>,
}

/// The calendar for one year's data, on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Calendar {
    /// The year the data covers.
    pub year: i16,
    pub today: Date,
    /// By due date, then name.
    pub obligations: Vec<Obligation>,
    /// One per registered agency, in registry order.
    pub readiness: Vec<Readiness>,
}

/// What [`compute`] reads.
#[derive(Clone, Copy, Debug)]
pub struct CalendarInput<'a> {
    /// The year the data covers.
    pub year: i16,
    pub today: Date,
    pub settings: &'a Settings,
    pub agencies: &'a [Agency],
    pub deadlines: &'a [Deadline],
    pub counts: &'a RecordCounts,
}

/// 31 May.
const TREATY_DUE: MonthDay = MonthDay { month: 5, day: 31 };

/// The year whose data is being reported on `today`: the year before.
pub fn default_year(today: Date) -> i16 {
    today.year() - 1
}

pub fn compute(input: CalendarInput<'_>) -> Calendar {
    let CalendarInput {
        year,
        today,
        settings,
        agencies,
        deadlines,
        counts,
    } = input;
    let obligations = obligations(year, today, settings, agencies, deadlines);
    let readiness = agencies
        .iter()
        .map(|agency| readiness(agency, year, today, counts))
        .collect();
    Calendar {
        year,
        today,
        obligations,
        readiness,
    }
}

/// The obligations for `year`'s data, by due date then name, with days left on `today`.
pub fn obligations(
    year: i16,
    today: Date,
    settings: &Settings,
    agencies: &[Agency],
    deadlines: &[Deadline],
) -> Vec<Obligation> {
    let days_left = |due: Date| {
        today
            .until(due)
            .map(|span| span.get_days())
            .unwrap_or_default()
    };
    let reporter = reporting_responsible(agencies, settings);
    let mut obligations = vec![
        Obligation {
            name: format!("ATT annual report for {year}"),
            basis: "ATT Art. 13(3)".to_owned(),
            due: DataYear::PreviousYear.due(TREATY_DUE, year),
            days_left: 0,
            responsible: reporter.clone(),
            description: format!(
                "Authorized or actual exports and imports of conventional arms in {year}, to the ATT Secretariat"
            ),
        },
        Obligation {
            name: format!("UN Register of Conventional Arms report for {year}"),
            basis: "UNGA res. 46/36 L".to_owned(),
            due: DataYear::PreviousYear.due(TREATY_DUE, year),
            days_left: 0,
            responsible: reporter,
            description: format!(
                "Imports and exports of the seven categories and small arms in {year}, to UNODA"
            ),
        },
    ];
    for deadline in deadlines {
        obligations.push(Obligation {
            name: deadline.name.clone(),
            basis: "national deadline".to_owned(),
            due: deadline.covers.due(deadline.due, year),
            days_left: 0,
            responsible: agency_responsible(agencies, &deadline.agency),
            description: deadline.description.clone(),
        });
    }
    for obligation in &mut obligations {
        obligation.days_left = days_left(obligation.due);
    }
    obligations.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.name.cmp(&b.name)));
    obligations
}

fn agency_responsible(agencies: &[Agency], id: &str) -> Responsible {
    match agencies.iter().find(|a| a.id == id) {
        Some(agency) => Responsible {
            agency: Some(agency.id.clone()),
            text: format!("{} ({})", agency.name, agency.id),
        },
        None => Responsible {
            agency: Some(id.to_owned()),
            text: format!("{id} (not registered)"),
        },
    }
}

/// The agency leading accounting and reporting, else the only one holding it, else the
/// reporting authority of the settings.
fn reporting_responsible(agencies: &[Agency], settings: &Settings) -> Responsible {
    let phase = Phase::AccountingAndReporting;
    let holders: Vec<&Agency> = agencies
        .iter()
        .filter(|a| a.mandate(phase).is_some())
        .collect();
    let leads: Vec<&&Agency> = holders
        .iter()
        .filter(|a| {
            a.mandate(phase)
                .is_some_and(|m| m.role == MandateRole::Lead)
        })
        .collect();
    let chosen = match (leads.as_slice(), holders.as_slice()) {
        ([lead], _) => Some(**lead),
        ([], [only]) => Some(*only),
        _ => None,
    };
    if let Some(agency) = chosen {
        return agency_responsible(agencies, &agency.id);
    }
    let why = if holders.is_empty() {
        "no agency holds accounting and reporting"
    } else {
        "no single agency leads accounting and reporting"
    };
    Responsible {
        agency: None,
        text: match &settings.reporting_authority {
            Some(authority) => format!("{authority} (reporting authority; {why})"),
            None => format!("nobody: {why}"),
        },
    }
}

fn quarter_end(year: i16, quarter: usize) -> Date {
    match quarter {
        0 => Date::new(year, 3, 31),
        1 => Date::new(year, 6, 30),
        2 => Date::new(year, 9, 30),
        _ => Date::new(year, 12, 31),
    }
    .unwrap_or(Date::MAX)
}

fn readiness(agency: &Agency, year: i16, today: Date, counts: &RecordCounts) -> Readiness {
    let quarters = counts
        .by_quarter
        .get(&agency.id)
        .copied()
        .unwrap_or_default();
    let supplies_data = !agency.plugins.is_empty() || counts.with_records.contains(&agency.id);
    let judged: Vec<usize> = (0..4).filter(|q| quarter_end(year, *q) < today).collect();
    let mut problems = Vec::new();
    let status = if !supplies_data {
        ReadinessStatus::NoData
    } else if judged.is_empty() {
        ReadinessStatus::NotDue
    } else {
        let total: u64 = judged.iter().map(|q| quarters[*q]).sum();
        let id = &agency.id;
        if total == 0 {
            problems.push(if judged.len() == 4 {
                format!("no {id} records dated in {year}")
            } else {
                format!(
                    "no {id} records dated in {}",
                    quarter_names(&judged, year).join(", ")
                )
            });
            ReadinessStatus::Missing
        } else {
            let judged_count = judged.len() as u64;
            for &quarter in &judged {
                let count = quarters[quarter];
                let name = format!("Q{} {year}", quarter + 1);
                if count == 0 {
                    problems.push(format!("no {id} records dated in {name}"));
                } else if count * 10 * judged_count < total {
                    problems.push(format!(
                        "thin: {count} {id} record{} dated in {name}, under a tenth of its quarterly average ({:.1})",
                        if count == 1 { "" } else { "s" },
                        total as f64 / judged_count as f64
                    ));
                }
            }
            if problems.is_empty() {
                ReadinessStatus::Ready
            } else {
                ReadinessStatus::Incomplete
            }
        }
    };
    Readiness {
        agency: agency.id.clone(),
        quarters,
        status,
        problems,
    }
}

fn quarter_names(quarters: &[usize], year: i16) -> Vec<String> {
    quarters
        .iter()
        .map(|q| format!("Q{} {year}", q + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{AgencyKind, Mandate};

    fn agency(id: &str, plugins: &[&str], reporting: Option<MandateRole>) -> Agency {
        Agency {
            id: id.to_owned(),
            name: format!("The {id} agency"),
            kind: AgencyKind::Other,
            legal_basis: vec![],
            contacts: vec![],
            mandates: reporting
                .map(|role| Mandate {
                    phase: Phase::AccountingAndReporting,
                    role,
                    note: None,
                })
                .into_iter()
                .collect(),
            plugins: plugins.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn counts(year: i16, rows: &[(&str, [u64; 4])]) -> RecordCounts {
        RecordCounts {
            year,
            by_quarter: rows.iter().map(|(a, q)| (a.to_string(), *q)).collect(),
            with_records: rows.iter().map(|(a, _)| a.to_string()).collect(),
        }
    }

    const TODAY: Date = Date::constant(2027, 4, 20);

    #[test]
    fn obligations_fall_due_with_days_left_and_who_answers() {
        let agencies = [
            agency("customs", &["customs-csv"], None),
            agency("licensing", &[], Some(MandateRole::Lead)),
        ];
        let deadlines = [Deadline {
            name: "Customs data to the reporting authority".into(),
            due: MonthDay::parse("03-31").expect("valid"),
            covers: DataYear::PreviousYear,
            agency: "customs".into(),
            description: "Declarations and write-offs of the year".into(),
        }];
        let calendar = compute(CalendarInput {
            year: 2026,
            today: TODAY,
            settings: &Settings::default(),
            agencies: &agencies,
            deadlines: &deadlines,
            counts: &RecordCounts::default(),
        });
        let rows: Vec<(String, String, String, String)> = calendar
            .obligations
            .iter()
            .map(|o| {
                (
                    o.name.clone(),
                    o.due.to_string(),
                    o.days_left_text(),
                    o.responsible.text.clone(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "Customs data to the reporting authority".to_owned(),
                    "2027-03-31".to_owned(),
                    "overdue by 20 days".to_owned(),
                    "The customs agency (customs)".to_owned()
                ),
                (
                    "ATT annual report for 2026".to_owned(),
                    "2027-05-31".to_owned(),
                    "41 days left".to_owned(),
                    "The licensing agency (licensing)".to_owned()
                ),
                (
                    "UN Register of Conventional Arms report for 2026".to_owned(),
                    "2027-05-31".to_owned(),
                    "41 days left".to_owned(),
                    "The licensing agency (licensing)".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn without_a_reporting_lead_the_reporting_authority_answers() {
        let settings = Settings {
            reporting_authority: Some("Export Control Joint Unit".into()),
            ..Settings::default()
        };
        let agencies = [
            agency("customs", &[], Some(MandateRole::Support)),
            agency("police", &[], Some(MandateRole::Support)),
        ];
        let calendar = compute(CalendarInput {
            year: 2026,
            today: TODAY,
            settings: &settings,
            agencies: &agencies,
            deadlines: &[],
            counts: &RecordCounts::default(),
        });
        assert_eq!(
            calendar.obligations[0].responsible.text,
            "Export Control Joint Unit (reporting authority; no single agency leads accounting and reporting)"
        );
        let nobody = compute(CalendarInput {
            year: 2026,
            today: TODAY,
            settings: &Settings::default(),
            agencies: &[],
            deadlines: &[],
            counts: &RecordCounts::default(),
        });
        assert_eq!(
            nobody.obligations[0].responsible.text,
            "nobody: no agency holds accounting and reporting"
        );
    }

    #[test]
    fn readiness_flags_missing_empty_and_thin_quarters() {
        let agencies = [
            agency("customs", &["customs-csv"], None),
            agency("licensing", &[], None),
            agency("police", &["police-firearms-csv"], None),
            agency("defence", &[], None),
            agency("steady", &[], None),
        ];
        let counts = counts(
            2026,
            &[
                ("customs", [41, 38, 1, 0]),
                ("licensing", [0, 0, 0, 0]),
                ("steady", [5, 1, 4, 6]),
            ],
        );
        let calendar = compute(CalendarInput {
            year: 2026,
            today: TODAY,
            settings: &Settings::default(),
            agencies: &agencies,
            deadlines: &[],
            counts: &counts,
        });
        let readiness: Vec<(&str, ReadinessStatus, Vec<String>)> = calendar
            .readiness
            .iter()
            .map(|r| (r.agency.as_str(), r.status, r.problems.clone()))
            .collect();
        assert_eq!(
            readiness,
            [
                (
                    "customs",
                    ReadinessStatus::Incomplete,
                    vec![
                        "thin: 1 customs record dated in Q3 2026, under a tenth of its quarterly average (20.0)".to_owned(),
                        "no customs records dated in Q4 2026".to_owned(),
                    ]
                ),
                (
                    "licensing",
                    ReadinessStatus::Missing,
                    vec!["no licensing records dated in 2026".to_owned()]
                ),
                (
                    "police",
                    ReadinessStatus::Missing,
                    vec!["no police records dated in 2026".to_owned()]
                ),
                ("defence", ReadinessStatus::NoData, vec![]),
                // 1 is over a tenth of the average (4): seasonal, not broken.
                ("steady", ReadinessStatus::Ready, vec![]),
            ]
        );
    }

    #[test]
    fn only_quarters_that_ended_are_judged() {
        let agencies = [agency("customs", &["customs-csv"], None)];
        let counts = counts(2027, &[("customs", [12, 0, 0, 0])]);
        let settings = Settings::default();
        let input = |today: Date| CalendarInput {
            year: 2027,
            today,
            settings: &settings,
            agencies: &agencies,
            deadlines: &[],
            counts: &counts,
        };
        let calendar = compute(input(TODAY));
        assert_eq!(calendar.readiness[0].status, ReadinessStatus::Ready);
        let calendar = compute(input(Date::constant(2027, 3, 31)));
        assert_eq!(calendar.readiness[0].status, ReadinessStatus::NotDue);
        let calendar = compute(input(Date::constant(2027, 7, 1)));
        assert_eq!(
            calendar.readiness[0].problems,
            ["no customs records dated in Q2 2027"]
        );
        assert_eq!(default_year(TODAY), 2026);
    }
}
