//! The registry's TOML files: one agency per file (`interlock agency add --file`), and a
//! list of national deadlines (`interlock calendar import`). `fixtures/registry/` has one
//! of each.
//!
//! Agency file:
//!
//! ```toml
//! id = "customs"                      # what its records carry in `agency`
//! name = "Border Revenue and Customs Service"
//! kind = "customs"                    # customs, licensing, police, defence,
//!                                     # foreign_affairs, justice, intelligence, other
//! legal_basis = ["Customs and Border Control Act 2011"]
//! plugins = ["customs-csv"]
//!
//! [[contacts]]
//! name = "Priya Raman"
//! function = "Reporting focal point"
//! contact = "+44 20 7946 0001, reporting@customs.example"
//! deputy = "Tom Akers"                # optional
//! since = 2024-01-01                  # optional, a TOML date or "YYYY-MM-DD"
//! until = 2026-12-31                  # optional
//!
//! [[mandates]]
//! phase = "enforcement"               # or its label: "Enforcement"
//! role = "lead"                       # lead, support, consulted
//! note = "Border controls and seizures"   # optional
//! ```
//!
//! Deadlines file: `[[deadlines]]` tables with `name`, `due` (`"03-31"`), `covers` (which
//! year's data: `previous_year` or `same_year`; no default, because a deadline read for
//! the wrong year is silently a year late), `agency` and `description` (optional).
//!
//! Every problem is reported with its line and field, as [`Diagnostic`]s, like the problems
//! of an import: the file is read into "raw" structs that keep each value's position, so
//! that a wrong phase, a bad date and an empty name are all reported at once.

use std::collections::HashMap;

use jiff::civil::Date;
use serde::Deserialize;
use toml::Spanned;

use super::{
    Agency, AgencyKind, Contact, DataYear, Deadline, FieldProblem, Mandate, MandateRole, MonthDay,
    Phase,
};
use crate::diagnostic::Diagnostic;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgency {
    id: Spanned<String>,
    name: Spanned<String>,
    kind: Spanned<String>,
    #[serde(default)]
    legal_basis: Vec<Spanned<String>>,
    #[serde(default)]
    plugins: Vec<Spanned<String>>,
    #[serde(default)]
    contacts: Vec<Spanned<RawContact>>,
    #[serde(default)]
    mandates: Vec<Spanned<RawMandate>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContact {
    name: Spanned<String>,
    function: Spanned<String>,
    contact: Spanned<String>,
    #[serde(default)]
    deputy: Option<Spanned<String>>,
    #[serde(default)]
    since: Option<Spanned<toml::Value>>,
    #[serde(default)]
    until: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMandate {
    phase: Spanned<String>,
    role: Spanned<String>,
    #[serde(default)]
    note: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadlines {
    #[serde(default)]
    deadlines: Vec<Spanned<RawDeadline>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    name: Spanned<String>,
    due: Spanned<String>,
    covers: Spanned<String>,
    agency: Spanned<String>,
    #[serde(default)]
    description: Option<Spanned<String>>,
}

/// Lines of the file's values by field path, to place the problems the model's own checks
/// find ([`Agency::problems`]) on the line the user has to edit.
struct Lines<'t> {
    text: &'t str,
    by_field: HashMap<String, u64>,
    problems: Vec<Diagnostic>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        Lines {
            text,
            by_field: HashMap::new(),
            problems: Vec::new(),
        }
    }

    /// 1-based line of a byte offset.
    fn line_of(&self, offset: usize) -> u64 {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
            + 1
    }

    /// Notes where `field` is and hands back its value.
    fn take<T>(&mut self, field: &str, value: Spanned<T>) -> T {
        let line = self.line_of(value.span().start);
        self.by_field.insert(field.to_owned(), line);
        value.into_inner()
    }

    fn line(&self, field: &str) -> Option<u64> {
        // A problem with `contacts[0].until` that has no value sits on its table's line.
        let mut path = field;
        loop {
            if let Some(line) = self.by_field.get(path) {
                return Some(*line);
            }
            path = &path[..path.rfind(['.', '['])?];
        }
    }

    fn problem(&mut self, field: &str, code: &str, message: String) {
        let line = self.line(field);
        self.problems
            .push(Diagnostic::error(field, code, message).at_line(line));
    }

    fn field_problems(&mut self, problems: Vec<FieldProblem>, prefix: &str) {
        for FieldProblem { field, message } in problems {
            let field = format!("{prefix}{field}");
            self.problem(&field, "invalid", message);
        }
    }

    fn finish<T>(mut self, value: T) -> Result<T, Vec<Diagnostic>> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            self.problems.sort_by_key(|p| p.line);
            Err(self.problems)
        }
    }

    fn date(&mut self, field: &str, value: Option<Spanned<toml::Value>>) -> Option<Date> {
        let value = self.take(field, value?);
        let text = match &value {
            toml::Value::String(text) => text.clone(),
            toml::Value::Datetime(datetime) => datetime.to_string(),
            other => other.to_string(),
        };
        match text.parse::<Date>() {
            Ok(date) => Some(date),
            Err(_) => {
                self.problem(
                    field,
                    "bad-date",
                    format!("`{text}` is not a date written YYYY-MM-DD"),
                );
                None
            }
        }
    }
}

fn syntax(text: &str, error: &toml::de::Error) -> Vec<Diagnostic> {
    let lines = Lines::new(text);
    vec![Diagnostic {
        severity: crate::Severity::Error,
        line: error.span().map(|span| lines.line_of(span.start)),
        field: None,
        code: "toml".to_owned(),
        message: error.message().trim_end().to_owned(),
    }]
}

/// Reads one agency's file. Every problem is returned, with its line and field.
pub fn parse_agency(text: &str) -> Result<Agency, Vec<Diagnostic>> {
    let raw: RawAgency = toml::from_str(text).map_err(|error| syntax(text, &error))?;
    let mut lines = Lines::new(text);
    let id = lines.take("id", raw.id);
    let name = lines.take("name", raw.name);
    let kind_text = lines.take("kind", raw.kind);
    let kind = AgencyKind::parse(&kind_text);
    if kind.is_none() {
        lines.problem(
            "kind",
            "unknown-kind",
            format!(
                "`{kind_text}` is not an agency kind; use one of: {}",
                AgencyKind::ALL.map(AgencyKind::as_str).join(", ")
            ),
        );
    }
    let legal_basis = list(&mut lines, "legal_basis", raw.legal_basis);
    let plugins = list(&mut lines, "plugins", raw.plugins);
    let mut contacts = Vec::new();
    for (index, contact) in raw.contacts.into_iter().enumerate() {
        let field = format!("contacts[{index}]");
        let contact = lines.take(&field, contact);
        let since = lines.date(&format!("{field}.since"), contact.since);
        let until = lines.date(&format!("{field}.until"), contact.until);
        contacts.push(Contact {
            name: lines.take(&format!("{field}.name"), contact.name),
            function: lines.take(&format!("{field}.function"), contact.function),
            contact: lines.take(&format!("{field}.contact"), contact.contact),
            deputy: contact
                .deputy
                .map(|deputy| lines.take(&format!("{field}.deputy"), deputy))
                .filter(|deputy| !deputy.trim().is_empty()),
            since,
            until,
        });
    }
    let mut mandates = Vec::new();
    let mandate_count = raw.mandates.len();
    for (index, mandate) in raw.mandates.into_iter().enumerate() {
        let field = format!("mandates[{index}]");
        let mandate = lines.take(&field, mandate);
        let phase_text = lines.take(&format!("{field}.phase"), mandate.phase);
        let role_text = lines.take(&format!("{field}.role"), mandate.role);
        let note = mandate
            .note
            .map(|note| lines.take(&format!("{field}.note"), note))
            .filter(|note| !note.trim().is_empty());
        let phase = Phase::parse(&phase_text);
        if phase.is_none() {
            lines.problem(
                &format!("{field}.phase"),
                "unknown-phase",
                format!(
                    "`{phase_text}` is not an implementation phase; use one of: {}",
                    Phase::ALL.map(Phase::as_str).join(", ")
                ),
            );
        }
        let role = MandateRole::parse(&role_text);
        if role.is_none() {
            lines.problem(
                &format!("{field}.role"),
                "unknown-role",
                format!("`{role_text}` is not a role; use lead, support or consulted"),
            );
        }
        if let (Some(phase), Some(role)) = (phase, role) {
            mandates.push(Mandate { phase, role, note });
        }
    }
    let every_mandate_read = mandates.len() == mandate_count;
    let agency = Agency {
        id: id.trim().to_owned(),
        name: name.trim().to_owned(),
        // An unknown kind is already a problem, so this agency is never returned.
        kind: kind.unwrap_or(AgencyKind::Other),
        legal_basis,
        contacts,
        mandates,
        plugins,
    };
    // A mandate that did not read is missing from `agency.mandates`, whose indexes are
    // then not the file's: its problems wait until every mandate reads.
    let problems = agency
        .problems()
        .into_iter()
        .filter(|p| every_mandate_read || !p.field.starts_with("mandates"))
        .collect();
    lines.field_problems(problems, "");
    lines.finish(agency)
}

fn list(lines: &mut Lines<'_>, field: &str, values: Vec<Spanned<String>>) -> Vec<String> {
    values
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            lines
                .take(&format!("{field}[{index}]"), value)
                .trim()
                .to_owned()
        })
        .collect()
}

/// Reads a deadlines file. Every problem is returned, with its line and field.
pub fn parse_deadlines(text: &str) -> Result<Vec<Deadline>, Vec<Diagnostic>> {
    let raw: RawDeadlines = toml::from_str(text).map_err(|error| syntax(text, &error))?;
    let mut lines = Lines::new(text);
    let mut deadlines = Vec::new();
    for (index, deadline) in raw.deadlines.into_iter().enumerate() {
        let field = format!("deadlines[{index}]");
        let deadline = lines.take(&field, deadline);
        let name = lines.take(&format!("{field}.name"), deadline.name);
        let due_text = lines.take(&format!("{field}.due"), deadline.due);
        let due = match MonthDay::parse(&due_text) {
            Ok(due) => Some(due),
            Err(message) => {
                lines.problem(&format!("{field}.due"), "bad-date", message);
                None
            }
        };
        let covers_text = lines.take(&format!("{field}.covers"), deadline.covers);
        let covers = DataYear::parse(&covers_text);
        if covers.is_none() {
            lines.problem(
                &format!("{field}.covers"),
                "unknown-year",
                format!("`{covers_text}` is not previous_year or same_year"),
            );
        }
        let agency = lines.take(&format!("{field}.agency"), deadline.agency);
        let description = deadline
            .description
            .map(|d| lines.take(&format!("{field}.description"), d))
            .unwrap_or_default();
        if let (Some(due), Some(covers)) = (due, covers) {
            let deadline = Deadline {
                name: name.trim().to_owned(),
                due,
                covers,
                agency: agency.trim().to_owned(),
                description: description.trim().to_owned(),
            };
            let problems = deadline.problems();
            lines.field_problems(problems, &format!("{field}."));
            if let Some(first) = deadlines
                .iter()
                .position(|d: &Deadline| d.name == deadline.name)
            {
                lines.problem(
                    &format!("{field}.name"),
                    "duplicate",
                    format!(
                        "`{}` is already the name of deadlines[{first}]",
                        deadline.name
                    ),
                );
            }
            deadlines.push(deadline);
        }
    }
    lines.finish(deadlines)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "customs"
name = "Border Revenue and Customs Service"
kind = "customs"
legal_basis = ["Customs and Border Control Act 2011"]
plugins = ["customs-csv"]

[[contacts]]
name = "Priya Raman"
function = "Reporting focal point"
contact = "reporting@customs.example"
since = 2024-01-01
until = "2026-12-31"

[[mandates]]
phase = "Enforcement"
role = "lead"
note = "Border controls"
"#;

    fn rendered(problems: &[Diagnostic]) -> Vec<String> {
        problems.iter().map(|p| p.render("customs.toml")).collect()
    }

    #[test]
    fn an_agency_file_reads_into_an_agency() {
        let agency = parse_agency(GOOD).expect("valid");
        assert_eq!(agency.id, "customs");
        assert_eq!(agency.kind, AgencyKind::Customs);
        assert_eq!(agency.contacts[0].since, Some(Date::constant(2024, 1, 1)));
        assert_eq!(agency.contacts[0].until, Some(Date::constant(2026, 12, 31)));
        assert_eq!(agency.mandates[0].phase, Phase::Enforcement);
        assert_eq!(agency.mandates[0].note.as_deref(), Some("Border controls"));
    }

    #[test]
    fn every_problem_is_reported_with_its_line_and_field() {
        let text = GOOD
            .replace("kind = \"customs\"", "kind = \"coastguard\"")
            .replace("until = \"2026-12-31\"", "until = \"31/12/2026\"")
            .replace("phase = \"Enforcement\"", "phase = \"policing\"");
        assert_eq!(
            rendered(&parse_agency(&text).expect_err("invalid")),
            [
                "customs.toml:4: kind: `coastguard` is not an agency kind; use one of: customs, licensing, police, defence, foreign_affairs, justice, intelligence, other",
                "customs.toml:13: contacts[0].until: `31/12/2026` is not a date written YYYY-MM-DD",
                "customs.toml:16: mandates[0].phase: `policing` is not an implementation phase; use one of: att_domestication, national_control_system, regulation_of_role_players, application_and_authorisation, enforcement, information_management, accounting_and_reporting, post_delivery_cooperation",
            ]
        );
        let text = GOOD
            .replace("id = \"customs\"", "id = \"Customs\"")
            .replace("since = 2024-01-01", "since = 2027-01-01");
        assert_eq!(
            rendered(&parse_agency(&text).expect_err("invalid")),
            [
                "customs.toml:2: id: `Customs` cannot be an agency id: use what the records carry in their `agency` field (lower-case letters, digits, `-`, `_`, starting with a letter)",
                "customs.toml:13: contacts[0].until: 2026-12-31 is before the start of the term (2027-01-01)",
            ]
        );
    }

    #[test]
    fn toml_errors_and_unknown_fields_have_a_line() {
        let text = GOOD.replace("note = ", "notes = ");
        let problems = rendered(&parse_agency(&text).expect_err("invalid"));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("customs.toml:18: unknown field `notes`"),
            "{problems:?}"
        );
        let problems = rendered(&parse_agency("id = \"customs\"\nname = \n").expect_err("bad"));
        assert!(problems[0].starts_with("customs.toml:2: "), "{problems:?}");
    }

    #[test]
    fn a_deadlines_file_reads_into_deadlines() {
        let text = r#"
[[deadlines]]
name = "Customs data to the reporting authority"
due = "03-31"
covers = "previous_year"
agency = "customs"
description = "All declarations of the previous year"

[[deadlines]]
name = "Mid-year licensing figures"
due = "07-31"
covers = "same_year"
agency = "licensing"
"#;
        let deadlines = parse_deadlines(text).expect("valid");
        assert_eq!(deadlines.len(), 2);
        assert_eq!(deadlines[0].covers, DataYear::PreviousYear);
        assert_eq!(deadlines[1].covers, DataYear::SameYear);
        assert_eq!(deadlines[1].description, "");

        let bad = text
            .replace("\"03-31\"", "\"31-03\"")
            .replace(
                "Mid-year licensing figures",
                "Customs data to the reporting authority",
            )
            .replace("same_year", "next_year");
        let problems: Vec<String> = parse_deadlines(&bad)
            .expect_err("invalid")
            .iter()
            .map(|p| p.render("deadlines.toml"))
            .collect();
        assert_eq!(
            problems,
            [
                "deadlines.toml:4: deadlines[0].due: `31-03` is not a day of the year written MM-DD (like 03-31)",
                "deadlines.toml:12: deadlines[1].covers: `next_year` is not previous_year or same_year",
            ]
        );
    }
}
