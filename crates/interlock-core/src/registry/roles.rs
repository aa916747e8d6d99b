//! `interlock roles`: who holds each implementation phase, and what is wrong with that on
//! a given day.
//!
//! What is flagged, and why:
//! - **gap**: a phase no agency holds in any role. Nobody will do that work.
//! - **overlap without a lead**: two or more agencies hold a phase and none leads it. Each
//!   can believe the other answers for it.
//! - **several leads**: two or more agencies lead one phase. Nobody can tell whose word
//!   counts.
//! - **contact ended**: a contact whose term ended before today is still listed. The next
//!   caller reaches someone who left; the registry says whether a successor holds the
//!   function.
//! - **no current contact**: an agency has contacts but none of them is in office today
//!   (all ended or not started yet).
//!
//! A phase held by a single agency, in whatever role, is covered: that agency answers for
//! it.

use jiff::civil::Date;
use serde::Serialize;

use super::{Agency, Contact, MandateRole, Phase};

/// One agency's part in one phase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Holder {
    pub agency: String,
    pub role: MandateRole,
}

/// How a phase stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseStatus {
    Covered,
    Gap,
    OverlapWithoutLead,
    SeveralLeads,
}

impl PhaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseStatus::Covered => "covered",
            PhaseStatus::Gap => "GAP: nobody holds it",
            PhaseStatus::OverlapWithoutLead => "OVERLAP without a lead",
            PhaseStatus::SeveralLeads => "SEVERAL LEADS",
        }
    }
}

/// One row of the matrix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PhaseRow {
    pub phase: Phase,
    pub label: &'static str,
    /// The agencies that hold it, in registry order.
    pub holders: Vec<Holder>,
    pub status: PhaseStatus,
}

impl PhaseRow {
    /// The role of `agency` in this phase.
    pub fn role_of(&self, agency: &str) -> Option<MandateRole> {
        self.holders
            .iter()
            .find(|h| h.agency == agency)
            .map(|h| h.role)
    }

    /// The agencies leading it.
    pub fn leads(&self) -> impl Iterator<Item = &str> {
        self.holders
            .iter()
            .filter(|h| h.role == MandateRole::Lead)
            .map(|h| h.agency.as_str())
    }
}

/// Something to fix in the registry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum RolesFinding {
    Gap {
        phase: Phase,
    },
    OverlapWithoutLead {
        phase: Phase,
        agencies: Vec<String>,
    },
    SeveralLeads {
        phase: Phase,
        agencies: Vec<String>,
    },
    ContactEnded {
        agency: String,
        name: String,
        function: String,
        until: Date,
        /// Current contacts of the same agency holding the same function.
        successors: Vec<String>,
    },
    NoCurrentContact {
        agency: String,
    },
}

impl RolesFinding {
    /// One sentence saying what is wrong and what to do.
    pub fn message(&self) -> String {
        match self {
            RolesFinding::Gap { phase } => format!(
                "gap: no agency holds \"{}\"; give one agency the lead in its registry file",
                phase.label()
            ),
            RolesFinding::OverlapWithoutLead { phase, agencies } => format!(
                "overlap without a lead: {} all hold \"{}\" and none leads it; make one of them the lead",
                agencies.join(", "),
                phase.label()
            ),
            RolesFinding::SeveralLeads { phase, agencies } => format!(
                "several leads: {} all lead \"{}\"; keep one lead, make the others support",
                agencies.join(", "),
                phase.label()
            ),
            RolesFinding::ContactEnded {
                agency,
                name,
                function,
                until,
                successors,
            } => {
                let now = if successors.is_empty() {
                    "nobody holds that function now: name a successor".to_owned()
                } else {
                    format!(
                        "now held by {}: remove the ended entry",
                        successors.join(", ")
                    )
                };
                format!(
                    "contact ended: {agency}: {name}'s term as {function} ended on {until}; {now}"
                )
            }
            RolesFinding::NoCurrentContact { agency } => {
                format!("no current contact: none of {agency}'s contacts is in office today")
            }
        }
    }
}

/// The phase × agency matrix and its findings on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RolesReport {
    pub today: Date,
    /// The agencies (columns), in registry order (by id).
    pub agencies: Vec<String>,
    /// One row per phase, in phase order.
    pub phases: Vec<PhaseRow>,
    /// Phase findings in phase order, then contact findings by agency.
    pub findings: Vec<RolesFinding>,
}

/// Analyses the registry as it stands on `today`.
pub fn analyse(agencies: &[Agency], today: Date) -> RolesReport {
    let mut phases = Vec::new();
    let mut findings = Vec::new();
    for phase in Phase::ALL {
        let holders: Vec<Holder> = agencies
            .iter()
            .filter_map(|agency| {
                agency.mandate(phase).map(|mandate| Holder {
                    agency: agency.id.clone(),
                    role: mandate.role,
                })
            })
            .collect();
        let leads: Vec<String> = holders
            .iter()
            .filter(|h| h.role == MandateRole::Lead)
            .map(|h| h.agency.clone())
            .collect();
        let status = match (holders.len(), leads.len()) {
            (0, _) => PhaseStatus::Gap,
            (1, _) => PhaseStatus::Covered,
            (_, 0) => PhaseStatus::OverlapWithoutLead,
            (_, 1) => PhaseStatus::Covered,
            _ => PhaseStatus::SeveralLeads,
        };
        match status {
            PhaseStatus::Covered => {}
            PhaseStatus::Gap => findings.push(RolesFinding::Gap { phase }),
            PhaseStatus::OverlapWithoutLead => findings.push(RolesFinding::OverlapWithoutLead {
                phase,
                agencies: holders.iter().map(|h| h.agency.clone()).collect(),
            }),
            PhaseStatus::SeveralLeads => findings.push(RolesFinding::SeveralLeads {
                phase,
                agencies: leads,
            }),
        }
        phases.push(PhaseRow {
            phase,
            label: phase.label(),
            holders,
            status,
        });
    }
    for agency in agencies {
        findings.extend(contact_findings(agency, today));
    }
    RolesReport {
        today,
        agencies: agencies.iter().map(|a| a.id.clone()).collect(),
        phases,
        findings,
    }
}

fn contact_findings(agency: &Agency, today: Date) -> Vec<RolesFinding> {
    let mut findings = Vec::new();
    let current: Vec<&Contact> = agency
        .contacts
        .iter()
        .filter(|c| c.is_current(today))
        .collect();
    for contact in &agency.contacts {
        let Some(until) = contact.until.filter(|_| contact.has_ended(today)) else {
            continue;
        };
        findings.push(RolesFinding::ContactEnded {
            agency: agency.id.clone(),
            name: contact.name.clone(),
            function: contact.function.clone(),
            until,
            successors: current
                .iter()
                .filter(|c| c.function.eq_ignore_ascii_case(&contact.function))
                .map(|c| c.name.clone())
                .collect(),
        });
    }
    if !agency.contacts.is_empty() && current.is_empty() {
        findings.push(RolesFinding::NoCurrentContact {
            agency: agency.id.clone(),
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{AgencyKind, Mandate};

    fn agency(id: &str, mandates: &[(Phase, MandateRole)], contacts: Vec<Contact>) -> Agency {
        Agency {
            id: id.to_owned(),
            name: id.to_uppercase(),
            kind: AgencyKind::Other,
            legal_basis: vec![],
            contacts,
            mandates: mandates
                .iter()
                .map(|(phase, role)| Mandate {
                    phase: *phase,
                    role: *role,
                    note: None,
                })
                .collect(),
            plugins: vec![],
        }
    }

    fn contact(name: &str, function: &str, until: Option<Date>) -> Contact {
        Contact {
            name: name.to_owned(),
            function: function.to_owned(),
            contact: "+00 0000".to_owned(),
            deputy: None,
            since: None,
            until,
        }
    }

    const TODAY: Date = Date::constant(2027, 4, 20);

    #[test]
    fn a_fully_held_registry_has_no_findings() {
        let all: Vec<(Phase, MandateRole)> = Phase::ALL
            .into_iter()
            .map(|p| (p, MandateRole::Lead))
            .collect();
        let report = analyse(
            &[
                agency("a", &all, vec![contact("X", "focal point", None)]),
                agency("b", &[(Phase::Enforcement, MandateRole::Support)], vec![]),
            ],
            TODAY,
        );
        assert_eq!(report.findings, []);
        assert!(
            report
                .phases
                .iter()
                .all(|row| row.status == PhaseStatus::Covered)
        );
        assert_eq!(
            report.phases[4].role_of("b"),
            Some(MandateRole::Support),
            "enforcement"
        );
    }

    #[test]
    fn gaps_overlaps_without_a_lead_and_several_leads() {
        use MandateRole::*;
        let report = analyse(
            &[
                agency(
                    "customs",
                    &[
                        (Phase::Enforcement, Support),
                        (Phase::AccountingAndReporting, Lead),
                    ],
                    vec![],
                ),
                agency(
                    "police",
                    &[
                        (Phase::Enforcement, Support),
                        (Phase::AccountingAndReporting, Lead),
                        // Alone in a phase, a supporter answers for it: covered.
                        (Phase::InformationManagement, Consulted),
                    ],
                    vec![],
                ),
            ],
            TODAY,
        );
        let status = |phase: Phase| report.phases[phase as usize].status;
        assert_eq!(status(Phase::AttDomestication), PhaseStatus::Gap);
        assert_eq!(status(Phase::Enforcement), PhaseStatus::OverlapWithoutLead);
        assert_eq!(
            status(Phase::AccountingAndReporting),
            PhaseStatus::SeveralLeads
        );
        assert_eq!(status(Phase::InformationManagement), PhaseStatus::Covered);
        assert!(report.findings.contains(&RolesFinding::OverlapWithoutLead {
            phase: Phase::Enforcement,
            agencies: vec!["customs".into(), "police".into()],
        }));
        assert_eq!(
            report.findings[0].message(),
            "gap: no agency holds \"ATT domestication\"; give one agency the lead in its registry file"
        );
        // Five phases nobody holds, one overlap, one double lead.
        assert_eq!(report.findings.len(), 7, "{:#?}", report.findings);
    }

    #[test]
    fn contacts_whose_term_ended_are_flagged_with_their_successor() {
        let report = analyse(
            &[
                agency(
                    "customs",
                    &[],
                    vec![
                        contact(
                            "Old",
                            "Reporting focal point",
                            Some(Date::constant(2026, 12, 31)),
                        ),
                        contact("New", "reporting focal point", None),
                        contact("Last day", "desk", Some(TODAY)),
                    ],
                ),
                agency(
                    "police",
                    &[],
                    vec![contact("Gone", "desk", Some(Date::constant(2027, 1, 31)))],
                ),
            ],
            TODAY,
        );
        let contacts: Vec<String> = report
            .findings
            .iter()
            .filter(|f| !matches!(f, RolesFinding::Gap { .. }))
            .map(RolesFinding::message)
            .collect();
        assert_eq!(
            contacts,
            [
                "contact ended: customs: Old's term as Reporting focal point ended on 2026-12-31; now held by New: remove the ended entry",
                "contact ended: police: Gone's term as desk ended on 2027-01-31; nobody holds that function now: name a successor",
                "no current contact: none of police's contacts is in office today",
            ]
        );
    }
}
