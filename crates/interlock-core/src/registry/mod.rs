//! Who does what: the reporting State's settings, the agency registry and the national
//! reporting deadlines, as pure types and logic. The store keeps them (`store/registry.rs`,
//! audited and versioned); this module only checks and reads them.
//!
//! Why it is in the store at all: staff turnover and unclear roles are what break
//! interagency cooperation (the finding of the workshop this project grew from). Knowledge
//! of who holds which mandate, under which law, and whom to call, must outlive the people
//! who hold it, and a change to it must be as traceable as a change to a record.
//!
//! - [`Settings`]: the reporting State, its currency, its national point of contact and
//!   reporting authority. Checks and reports read the State from here instead of guessing.
//! - [`Agency`]: one national agency, its legal basis, contacts, mandates over the eight
//!   implementation [`Phase`]s and the plugins that carry its data. Its `id` is the short
//!   name its records carry in their `agency` field.
//! - [`Deadline`]: a national internal deadline (e.g. customs data to the reporting
//!   authority by 31 March).
//! - [`roles`]: the phase × agency matrix and what is wrong with it, on a given day.
//! - [`calendar`]: the year's obligations, days left and data readiness, on a given day.
//! - [`handbook`]: the "who does what" document, in Markdown.
//!
//! Everything that depends on "today" takes the date as a parameter, so output is
//! reproducible.

pub mod calendar;
pub mod file;
pub mod handbook;
pub mod roles;

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::reference;

// ---------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------

/// The reporting State's own settings. Every field is optional: a store starts with none
/// of them (`Settings::default()`), and `interlock settings set` fills them one at a time.
/// Readers fall back to what they did before settings existed when a field is `None` (the
/// checks infer the State from the licences, for instance), never to a hard-coded country
/// or currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The reporting State, ISO 3166-1 alpha-2 (`GB`).
    #[serde(default)]
    pub reporting_state: Option<String>,
    /// Its national currency, ISO 4217 (`GBP`): the currency of values in its reports.
    #[serde(default)]
    pub national_currency: Option<String>,
    /// The national point of contact (ATT Art. 5(6)).
    #[serde(default)]
    pub point_of_contact: PointOfContact,
    /// The body that submits the State's reports (ATT Art. 13), in words.
    #[serde(default)]
    pub reporting_authority: Option<String>,
    /// Whether the State's reports may be made public (the ATT Secretariat publishes a
    /// report only with the State's consent). False until someone decides otherwise.
    #[serde(default)]
    pub public_reports: bool,
}

/// The national point of contact for the treaty (ATT Art. 5(6)); all free text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointOfContact {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default)]
    pub organisation: Option<String>,
    /// Telephone, e-mail, postal address: however the State wants to be reached.
    #[serde(default)]
    pub contact_details: Option<String>,
}

/// A change to some settings: `None` leaves a field as it is, `Some("")` clears a text
/// field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsChange {
    pub reporting_state: Option<String>,
    pub national_currency: Option<String>,
    pub contact_name: Option<String>,
    pub contact_position: Option<String>,
    pub contact_organisation: Option<String>,
    pub contact_details: Option<String>,
    pub reporting_authority: Option<String>,
    pub public_reports: Option<bool>,
}

/// One field that differs between two [`Settings`], as shown to the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SettingDifference {
    /// The field's name as `settings show --json` prints it (`point_of_contact.name`).
    pub field: &'static str,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Settings {
    /// These settings with `change` applied. Codes are upper-cased and checked against
    /// the ISO tables compiled into interlock; every bad field is reported.
    pub fn apply(&self, change: &SettingsChange) -> Result<Settings, Vec<String>> {
        let mut problems = Vec::new();
        let mut next = self.clone();
        if let Some(state) = &change.reporting_state {
            match code(state) {
                None => next.reporting_state = None,
                Some(state) if reference::is_country(&state) => next.reporting_state = Some(state),
                Some(state) => problems.push(format!(
                    "reporting_state: `{state}` is not an ISO 3166-1 alpha-2 country code"
                )),
            }
        }
        if let Some(currency) = &change.national_currency {
            match code(currency) {
                None => next.national_currency = None,
                Some(currency) if reference::is_currency(&currency) => {
                    next.national_currency = Some(currency)
                }
                Some(currency) => problems.push(format!(
                    "national_currency: `{currency}` is not an ISO 4217 currency code"
                )),
            }
        }
        let text = |value: &Option<String>, field: &mut Option<String>| {
            if let Some(value) = value {
                *field = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
            }
        };
        text(&change.contact_name, &mut next.point_of_contact.name);
        text(
            &change.contact_position,
            &mut next.point_of_contact.position,
        );
        text(
            &change.contact_organisation,
            &mut next.point_of_contact.organisation,
        );
        text(
            &change.contact_details,
            &mut next.point_of_contact.contact_details,
        );
        text(&change.reporting_authority, &mut next.reporting_authority);
        if let Some(public) = change.public_reports {
            next.public_reports = public;
        }
        if problems.is_empty() {
            Ok(next)
        } else {
            Err(problems)
        }
    }

    /// Every field, with its name and value as text (`None`: not set), in display order.
    pub fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("reporting_state", self.reporting_state.clone()),
            ("national_currency", self.national_currency.clone()),
            ("point_of_contact.name", self.point_of_contact.name.clone()),
            (
                "point_of_contact.position",
                self.point_of_contact.position.clone(),
            ),
            (
                "point_of_contact.organisation",
                self.point_of_contact.organisation.clone(),
            ),
            (
                "point_of_contact.contact_details",
                self.point_of_contact.contact_details.clone(),
            ),
            ("reporting_authority", self.reporting_authority.clone()),
            (
                "public_reports",
                Some(if self.public_reports { "yes" } else { "no" }.to_owned()),
            ),
        ]
    }

    /// The fields that differ from `before` to `self`.
    pub fn differences_from(&self, before: &Settings) -> Vec<SettingDifference> {
        before
            .fields()
            .into_iter()
            .zip(self.fields())
            .filter(|((_, old), (_, new))| old != new)
            .map(|((field, before), (_, after))| SettingDifference {
                field,
                before,
                after,
            })
            .collect()
    }

    /// `GB (United Kingdom of Great Britain and Northern Ireland)`, or `None` when unset.
    pub fn reporting_state_named(&self) -> Option<String> {
        self.reporting_state
            .as_deref()
            .map(|code| named(code, reference::country_name(code)))
    }

    /// `GBP (Pound Sterling)`, or `None` when unset.
    pub fn national_currency_named(&self) -> Option<String> {
        self.national_currency
            .as_deref()
            .map(|code| named(code, reference::currency_name(code)))
    }
}

/// A code trimmed and upper-cased; `None` when empty (clears the field).
fn code(text: &str) -> Option<String> {
    Some(text.trim().to_ascii_uppercase()).filter(|c| !c.is_empty())
}

fn named(code: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{code} ({name})"),
        None => code.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------
// Agencies
// ---------------------------------------------------------------------------------------

/// What kind of body an agency is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    Customs,
    Licensing,
    Police,
    Defence,
    ForeignAffairs,
    Justice,
    Intelligence,
    Other,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 8] = [
        AgencyKind::Customs,
        AgencyKind::Licensing,
        AgencyKind::Police,
        AgencyKind::Defence,
        AgencyKind::ForeignAffairs,
        AgencyKind::Justice,
        AgencyKind::Intelligence,
        AgencyKind::Other,
    ];

    /// The name in files and JSON (`foreign_affairs`).
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Customs => "customs",
            AgencyKind::Licensing => "licensing",
            AgencyKind::Police => "police",
            AgencyKind::Defence => "defence",
            AgencyKind::ForeignAffairs => "foreign_affairs",
            AgencyKind::Justice => "justice",
            AgencyKind::Intelligence => "intelligence",
            AgencyKind::Other => "other",
        }
    }

    /// Accepts the file name and the words (`foreign-affairs`, `Foreign affairs`).
    pub fn parse(text: &str) -> Option<AgencyKind> {
        let key = normalize_key(text);
        AgencyKind::ALL.into_iter().find(|k| k.as_str() == key)
    }
}

impl fmt::Display for AgencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

/// The phases of implementing the treaty, as the workshop this project grew from divides
/// the work between agencies. A State needs someone holding each one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Bringing the treaty into national law.
    AttDomestication,
    /// The national control system and its control list (ATT Art. 5).
    NationalControlSystem,
    /// Registering and regulating brokers, manufacturers and traders (ATT Art. 10).
    RegulationOfRolePlayers,
    /// Licence applications, risk assessment and authorisation (ATT Art. 7–9).
    ApplicationAndAuthorisation,
    /// Border control, investigation and prosecution (ATT Art. 14).
    Enforcement,
    /// Keeping records and sharing them between agencies (ATT Art. 12).
    InformationManagement,
    /// The annual report and other reporting (ATT Art. 13).
    AccountingAndReporting,
    /// Delivery verification and diversion cooperation after export (ATT Art. 11, 15).
    PostDeliveryCooperation,
}

impl Phase {
    pub const ALL: [Phase; 8] = [
        Phase::AttDomestication,
        Phase::NationalControlSystem,
        Phase::RegulationOfRolePlayers,
        Phase::ApplicationAndAuthorisation,
        Phase::Enforcement,
        Phase::InformationManagement,
        Phase::AccountingAndReporting,
        Phase::PostDeliveryCooperation,
    ];

    /// The name in files and JSON (`att_domestication`).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::AttDomestication => "att_domestication",
            Phase::NationalControlSystem => "national_control_system",
            Phase::RegulationOfRolePlayers => "regulation_of_role_players",
            Phase::ApplicationAndAuthorisation => "application_and_authorisation",
            Phase::Enforcement => "enforcement",
            Phase::InformationManagement => "information_management",
            Phase::AccountingAndReporting => "accounting_and_reporting",
            Phase::PostDeliveryCooperation => "post_delivery_cooperation",
        }
    }

    /// The phase as people say it (`ATT domestication`).
    pub fn label(self) -> &'static str {
        match self {
            Phase::AttDomestication => "ATT domestication",
            Phase::NationalControlSystem => "National control system",
            Phase::RegulationOfRolePlayers => "Regulation of role players",
            Phase::ApplicationAndAuthorisation => "Application and authorisation",
            Phase::Enforcement => "Enforcement",
            Phase::InformationManagement => "Information management",
            Phase::AccountingAndReporting => "Accounting and reporting",
            Phase::PostDeliveryCooperation => "Post-delivery cooperation",
        }
    }

    /// Accepts the file name and the label, in any case, with spaces or hyphens.
    pub fn parse(text: &str) -> Option<Phase> {
        let key = normalize_key(text);
        Phase::ALL.into_iter().find(|p| p.as_str() == key)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How an agency takes part in a phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MandateRole {
    /// Answers for the phase; the others work to it. One per phase.
    Lead,
    /// Does part of the work.
    Support,
    /// Is asked before decisions, does none of the work.
    Consulted,
}

impl MandateRole {
    pub const ALL: [MandateRole; 3] = [
        MandateRole::Lead,
        MandateRole::Support,
        MandateRole::Consulted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MandateRole::Lead => "lead",
            MandateRole::Support => "support",
            MandateRole::Consulted => "consulted",
        }
    }

    pub fn parse(text: &str) -> Option<MandateRole> {
        let key = normalize_key(text);
        MandateRole::ALL.into_iter().find(|r| r.as_str() == key)
    }
}

impl fmt::Display for MandateRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Foreign affairs` → `foreign_affairs`.
fn normalize_key(text: &str) -> String {
    text.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

/// An agency's part in one phase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mandate {
    pub phase: Phase,
    pub role: MandateRole,
    /// What exactly it does there, in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A person to call at an agency, for one function, over a term.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    /// What they are the contact for, e.g. `ATT national point of contact`, `reporting
    /// focal point`, `licensing desk`.
    pub function: String,
    /// How to reach them (telephone, e-mail).
    pub contact: String,
    /// Who stands in for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deputy: Option<String>,
    /// First day of their term, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Date>,
    /// Last day of their term, if it has an end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
}

impl Contact {
    /// The term ended before `today` (the last day itself still counts).
    pub fn has_ended(&self, today: Date) -> bool {
        self.until.is_some_and(|until| until < today)
    }

    /// In office on `today`: started, not ended.
    pub fn is_current(&self, today: Date) -> bool {
        !self.has_ended(today) && self.since.is_none_or(|since| since <= today)
    }
}

/// One national agency as the registry describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    /// The short name its records carry in their `agency` field (`customs`).
    pub id: String,
    /// Its full name (`Border Revenue and Customs Service`).
    pub name: String,
    pub kind: AgencyKind,
    /// The laws and instruments that give it its mandates.
    #[serde(default)]
    pub legal_basis: Vec<String>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Its part in each phase it takes part in; at most one mandate per phase.
    #[serde(default)]
    pub mandates: Vec<Mandate>,
    /// The plugins that carry its data into the store (by plugin name).
    #[serde(default)]
    pub plugins: Vec<String>,
}

/// One problem with an agency or deadline, at a field path (`contacts[1].until`, counting
/// from 0 as validation does for records).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn problem(field: impl Into<String>, message: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.into(),
        message: message.into(),
    }
}

/// Whether `id` can be an agency id: what records carry, so lower-case letters, digits,
/// `-` and `_`, starting with a letter.
pub fn is_agency_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl Agency {
    /// Everything wrong with this description: an id records cannot carry, empty names,
    /// a term that ends before it starts, two mandates for one phase, a plugin named twice.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        if !is_agency_id(&self.id) {
            problems.push(problem(
                "id",
                format!(
                    "`{}` cannot be an agency id: use what the records carry in their `agency` field \
                     (lower-case letters, digits, `-`, `_`, starting with a letter)",
                    self.id
                ),
            ));
        }
        if self.name.trim().is_empty() {
            problems.push(problem("name", "is required and must not be empty"));
        }
        for (index, basis) in self.legal_basis.iter().enumerate() {
            if basis.trim().is_empty() {
                problems.push(problem(format!("legal_basis[{index}]"), "is empty"));
            }
        }
        for (index, contact) in self.contacts.iter().enumerate() {
            let field = format!("contacts[{index}]");
            for (name, value) in [
                ("name", &contact.name),
                ("function", &contact.function),
                ("contact", &contact.contact),
            ] {
                if value.trim().is_empty() {
                    problems.push(problem(
                        format!("{field}.{name}"),
                        "is required and must not be empty",
                    ));
                }
            }
            if let (Some(since), Some(until)) = (contact.since, contact.until)
                && until < since
            {
                problems.push(problem(
                    format!("{field}.until"),
                    format!("{until} is before the start of the term ({since})"),
                ));
            }
        }
        for (index, mandate) in self.mandates.iter().enumerate() {
            if let Some(first) = self.mandates[..index]
                .iter()
                .position(|m| m.phase == mandate.phase)
            {
                problems.push(problem(
                    format!("mandates[{index}].phase"),
                    format!(
                        "{} is already given in mandates[{first}]: one mandate per phase",
                        mandate.phase.label()
                    ),
                ));
            }
        }
        for (index, plugin) in self.plugins.iter().enumerate() {
            if plugin.trim().is_empty() {
                problems.push(problem(format!("plugins[{index}]"), "is empty"));
            } else if self.plugins[..index].contains(plugin) {
                problems.push(problem(
                    format!("plugins[{index}]"),
                    format!("`{plugin}` is listed twice"),
                ));
            }
        }
        problems
    }

    /// The fields that differ between `before` and this description, by their file names
    /// (`name`, `contacts`, ...), to say what an update changed.
    pub fn changed_fields(&self, before: &Agency) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if self.id != before.id {
            changed.push("id");
        }
        if self.name != before.name {
            changed.push("name");
        }
        if self.kind != before.kind {
            changed.push("kind");
        }
        if self.legal_basis != before.legal_basis {
            changed.push("legal_basis");
        }
        if self.contacts != before.contacts {
            changed.push("contacts");
        }
        if self.mandates != before.mandates {
            changed.push("mandates");
        }
        if self.plugins != before.plugins {
            changed.push("plugins");
        }
        changed
    }

    /// Its mandate in `phase`, if it has one.
    pub fn mandate(&self, phase: Phase) -> Option<&Mandate> {
        self.mandates.iter().find(|m| m.phase == phase)
    }
}

/// An agency as the store keeps it: one version of its description, with who recorded
/// it and when. Every update adds a version; earlier versions are kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredAgency {
    #[serde(flatten)]
    pub agency: Agency,
    /// 1 for the description it was registered with, +1 for each update.
    pub version: u32,
    /// The actor of the audit entry that recorded this version.
    pub recorded_by: String,
    pub recorded_at: jiff::Timestamp,
}

// ---------------------------------------------------------------------------------------
// Deadlines
// ---------------------------------------------------------------------------------------

/// A day of the year, `MM-DD`, for deadlines that recur every year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonthDay {
    pub month: i8,
    pub day: i8,
}

impl MonthDay {
    /// Parses `03-31`. 29 February is allowed (it falls on the 28th in other years).
    pub fn parse(text: &str) -> Result<MonthDay, String> {
        let bad = || format!("`{text}` is not a day of the year written MM-DD (like 03-31)");
        let (month, day) = text.trim().split_once('-').ok_or_else(bad)?;
        if month.len() != 2 || day.len() != 2 {
            return Err(bad());
        }
        let month: i8 = month.parse().map_err(|_| bad())?;
        let day: i8 = day.parse().map_err(|_| bad())?;
        // 2000 is a leap year: every day that exists in some year exists in it.
        Date::new(2000, month, day).map_err(|_| bad())?;
        Ok(MonthDay { month, day })
    }

    /// This day in `year` (29 February on the 28th when `year` is not a leap year).
    pub fn in_year(self, year: i16) -> Date {
        Date::new(year, self.month, self.day)
            .or_else(|_| Date::new(year, self.month, self.day - 1))
            .unwrap_or(Date::MAX)
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

impl Serialize for MonthDay {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MonthDay {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<MonthDay, D::Error> {
        let text = String::deserialize(deserializer)?;
        MonthDay::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Which year's data a deadline is for, relative to the year it falls in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataYear {
    /// The data of the year before (the annual report of 31 May is for the previous year).
    PreviousYear,
    /// The data of the year the deadline falls in.
    SameYear,
}

impl DataYear {
    pub fn parse(text: &str) -> Option<DataYear> {
        match normalize_key(text).as_str() {
            "previous_year" => Some(DataYear::PreviousYear),
            "same_year" => Some(DataYear::SameYear),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DataYear::PreviousYear => "previous_year",
            DataYear::SameYear => "same_year",
        }
    }

    /// The date the deadline for `data_year`'s data falls on.
    pub fn due(self, due: MonthDay, data_year: i16) -> Date {
        match self {
            DataYear::PreviousYear => due.in_year(data_year.saturating_add(1)),
            DataYear::SameYear => due.in_year(data_year),
        }
    }
}

/// A national internal deadline, kept in the store: e.g. customs data to the reporting
/// authority by 31 March, for the previous year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// What is due; also the deadline's key (`calendar remove NAME`).
    pub name: String,
    pub due: MonthDay,
    /// Which year's data it is for.
    pub covers: DataYear,
    /// The registered agency that must meet it.
    pub agency: String,
    #[serde(default)]
    pub description: String,
}

impl Deadline {
    /// Everything wrong with it on its own (whether its agency is registered is the
    /// store's check).
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push(problem("name", "is required and must not be empty"));
        }
        if !is_agency_id(&self.agency) {
            problems.push(problem(
                "agency",
                format!("`{}` is not an agency id", self.agency),
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_apply_only_the_given_fields_and_check_codes() {
        let settings = Settings::default()
            .apply(&SettingsChange {
                reporting_state: Some(" gb ".into()),
                national_currency: Some("gbp".into()),
                contact_name: Some("A. Person".into()),
                ..SettingsChange::default()
            })
            .expect("valid");
        assert_eq!(settings.reporting_state.as_deref(), Some("GB"));
        assert_eq!(settings.national_currency.as_deref(), Some("GBP"));
        assert!(!settings.public_reports);

        let next = settings
            .apply(&SettingsChange {
                contact_name: Some(String::new()),
                public_reports: Some(true),
                ..SettingsChange::default()
            })
            .expect("valid");
        assert_eq!(next.reporting_state.as_deref(), Some("GB"), "kept");
        assert_eq!(next.point_of_contact.name, None, "cleared");
        let differences = next.differences_from(&settings);
        assert_eq!(
            differences.iter().map(|d| d.field).collect::<Vec<_>>(),
            ["point_of_contact.name", "public_reports"]
        );

        let problems = settings
            .apply(&SettingsChange {
                reporting_state: Some("XX".into()),
                national_currency: Some("ABC".into()),
                ..SettingsChange::default()
            })
            .expect_err("bad codes");
        assert_eq!(
            problems,
            [
                "reporting_state: `XX` is not an ISO 3166-1 alpha-2 country code",
                "national_currency: `ABC` is not an ISO 4217 currency code"
            ]
        );
    }

    #[test]
    fn phases_kinds_and_roles_parse_from_names_and_labels() {
        for phase in Phase::ALL {
            assert_eq!(Phase::parse(phase.as_str()), Some(phase));
            assert_eq!(Phase::parse(phase.label()), Some(phase));
        }
        assert_eq!(
            Phase::parse("post-delivery-cooperation"),
            Some(Phase::PostDeliveryCooperation)
        );
        assert_eq!(
            AgencyKind::parse("Foreign affairs"),
            Some(AgencyKind::ForeignAffairs)
        );
        assert_eq!(MandateRole::parse("LEAD"), Some(MandateRole::Lead));
        assert_eq!(Phase::parse("reporting"), None);
    }

    #[test]
    fn month_days_fall_in_every_year() {
        let due = MonthDay::parse("03-31").expect("valid");
        assert_eq!(due.to_string(), "03-31");
        assert_eq!(
            DataYear::PreviousYear.due(due, 2026),
            Date::constant(2027, 3, 31)
        );
        assert_eq!(
            DataYear::SameYear.due(due, 2026),
            Date::constant(2026, 3, 31)
        );
        let leap = MonthDay::parse("02-29").expect("valid");
        assert_eq!(leap.in_year(2027), Date::constant(2027, 2, 28));
        assert_eq!(leap.in_year(2028), Date::constant(2028, 2, 29));
        for bad in ["3-31", "04-31", "13-01", "0331", "03-3x", ""] {
            assert!(MonthDay::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn agency_problems_name_the_field() {
        let agency = Agency {
            id: "Customs Service".into(),
            name: " ".into(),
            kind: AgencyKind::Customs,
            legal_basis: vec![],
            contacts: vec![Contact {
                name: "A".into(),
                function: "reporting focal point".into(),
                contact: String::new(),
                deputy: None,
                since: Some(Date::constant(2026, 1, 1)),
                until: Some(Date::constant(2025, 1, 1)),
            }],
            mandates: vec![
                Mandate {
                    phase: Phase::Enforcement,
                    role: MandateRole::Lead,
                    note: None,
                },
                Mandate {
                    phase: Phase::Enforcement,
                    role: MandateRole::Support,
                    note: None,
                },
            ],
            plugins: vec!["customs-csv".into(), "customs-csv".into()],
        };
        let fields: Vec<String> = agency.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "id",
                "name",
                "contacts[0].contact",
                "contacts[0].until",
                "mandates[1].phase",
                "plugins[1]"
            ]
        );
        assert!(is_agency_id("customs"));
        assert!(is_agency_id("border-police_2"));
        assert!(!is_agency_id("2customs"));
        assert!(!is_agency_id(""));
    }

    #[test]
    fn a_contact_is_current_through_the_last_day_of_its_term() {
        let contact = Contact {
            name: "A".into(),
            function: "f".into(),
            contact: "c".into(),
            deputy: None,
            since: Some(Date::constant(2026, 1, 1)),
            until: Some(Date::constant(2026, 12, 31)),
        };
        assert!(!contact.is_current(Date::constant(2025, 12, 31)));
        assert!(!contact.has_ended(Date::constant(2025, 12, 31)));
        assert!(contact.is_current(Date::constant(2026, 12, 31)));
        assert!(contact.has_ended(Date::constant(2027, 1, 1)));
    }
}
