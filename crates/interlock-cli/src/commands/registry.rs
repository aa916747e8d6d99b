//! `interlock settings|agency|roles|handbook|calendar`: the reporting State's settings, the
//! agency registry (who does what) and the reporting calendar. The logic is in
//! `interlock_core::registry`; this module reads arguments and files and prints.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use interlock_core::Diagnostic;
use interlock_core::registry::calendar::{self, Calendar, CalendarInput};
use interlock_core::registry::handbook::{self, HandbookInput};
use interlock_core::registry::roles::{self, PhaseStatus};
use interlock_core::registry::{
    Agency, AgencyKind, Contact, DataYear, Deadline, MandateRole, MonthDay, Phase,
    RegisteredAgency, Settings, SettingsChange, file,
};
use interlock_core::store::{AgencyUpdate, DeadlineChanges, PluginRecord, RegistryError, Store};
use jiff::civil::Date;

use super::{
    Context, EXIT_FAILURE, EXIT_REFUSED, EXIT_USAGE, Failure, argument_error, print_json,
    print_json_lines, read_input,
};
use crate::output::{print_table, table};

// ---------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------

#[derive(Subcommand)]
pub enum SettingsCommand {
    /// Show the settings (unset ones too).
    Show {
        /// Print one JSON line: `reporting_state`, `national_currency`,
        /// `point_of_contact`, `reporting_authority`, `public_reports`.
        #[arg(long)]
        json: bool,
    },
    /// Change some settings: only those given. The change is audited and shown.
    Set(SetArgs),
}

#[derive(Args)]
pub struct SetArgs {
    /// The reporting State, ISO 3166-1 alpha-2 (e.g. GB). An empty value unsets it.
    #[arg(long, value_name = "CODE")]
    reporting_state: Option<String>,
    /// The national currency, ISO 4217 (e.g. GBP). An empty value unsets it.
    #[arg(long, value_name = "CODE")]
    currency: Option<String>,
    /// The national point of contact's name (ATT Art. 5(6)).
    #[arg(long, value_name = "TEXT")]
    contact_name: Option<String>,
    /// The national point of contact's position.
    #[arg(long, value_name = "TEXT")]
    contact_position: Option<String>,
    /// The national point of contact's organisation.
    #[arg(long, value_name = "TEXT")]
    contact_organisation: Option<String>,
    /// How to reach the national point of contact (telephone, e-mail, address).
    #[arg(long, value_name = "TEXT")]
    contact_details: Option<String>,
    /// The body that submits the State's reports.
    #[arg(long, value_name = "TEXT")]
    reporting_authority: Option<String>,
    /// Whether the State's reports may be made public.
    #[arg(long, value_name = "yes|no", value_parser = yes_or_no)]
    public: Option<bool>,
}

fn yes_or_no(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        _ => Err(format!("`{text}`: say yes or no")),
    }
}

#[derive(Subcommand)]
pub enum AgencyCommand {
    /// Register an agency, from a TOML file (contacts and mandates are nested; see
    /// fixtures/registry/customs.toml), or with only --id, --name and --kind.
    Add(AddArgs),
    /// List the registered agencies.
    List {
        /// Print JSON Lines: one registered agency per line (`agency`: its whole
        /// description; `version`, `recorded_by`, `recorded_at`).
        #[arg(long)]
        json: bool,
    },
    /// Show an agency: legal basis, mandates, contacts and the plugins it supplies.
    Show {
        /// The agency id (what its records carry in `agency`).
        id: String,
        /// Every version, oldest first, with what each one changed.
        #[arg(long)]
        history: bool,
        /// Print JSON Lines: the current version as `agency list --json` prints it; with
        /// --history one line per version, oldest first.
        #[arg(long)]
        json: bool,
    },
    /// Record a new version of an agency's description, from a TOML file or by changing its
    /// name or kind. The previous version is kept (`agency show ID --history`).
    Update(UpdateArgs),
}

#[derive(Args)]
pub struct AddArgs {
    /// The agency's TOML file.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["id", "name", "kind"], required_unless_present = "id")]
    file: Option<PathBuf>,
    /// The agency id: what its records carry in their `agency` field.
    #[arg(long, requires_all = ["name", "kind"])]
    id: Option<String>,
    /// Its full name.
    #[arg(long)]
    name: Option<String>,
    /// customs, licensing, police, defence, foreign-affairs, justice, intelligence or other.
    #[arg(long, value_parser = agency_kind)]
    kind: Option<AgencyKind>,
}

#[derive(Args)]
pub struct UpdateArgs {
    /// The agency id.
    id: String,
    /// The agency's whole description, as a TOML file (its `id` must be ID).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["name", "kind"], required_unless_present_any = ["name", "kind"])]
    file: Option<PathBuf>,
    /// A new full name (the rest of the description is kept).
    #[arg(long)]
    name: Option<String>,
    /// A new kind (the rest of the description is kept).
    #[arg(long, value_parser = agency_kind)]
    kind: Option<AgencyKind>,
}

fn agency_kind(text: &str) -> Result<AgencyKind, String> {
    AgencyKind::parse(text).ok_or_else(|| {
        format!(
            "`{text}` is not an agency kind; use one of: {}",
            AgencyKind::ALL.map(AgencyKind::as_str).join(", ")
        )
    })
}

#[derive(Args)]
pub struct RolesArgs {
    /// The day to judge contacts' terms on (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "DATE")]
    today: Option<Date>,
    /// Print the matrix as one JSON line: `today`, `agencies`, `phases` (each with its
    /// `holders` and `status`), `findings`.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct HandbookArgs {
    /// Write the Markdown here instead of to standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The day the handbook is written for (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "DATE")]
    today: Option<Date>,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CalendarArgs {
    #[command(subcommand)]
    command: Option<CalendarCommand>,
    /// The year whose data is reported [default: the year before today].
    #[arg(long)]
    year: Option<i16>,
    /// Count days left from this day (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "DATE")]
    today: Option<Date>,
    /// Print the calendar as one JSON line: `year`, `today`, `obligations`, `readiness`.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Add a national internal deadline, or change the one of that name.
    Add(DeadlineArgs),
    /// Remove a national internal deadline.
    Remove {
        /// The deadline's name.
        name: String,
    },
    /// Add or change the deadlines of a TOML file (see fixtures/registry/deadlines.toml);
    /// deadlines it does not name are kept.
    Import {
        /// The deadlines file.
        file: PathBuf,
    },
}

#[derive(Args)]
struct DeadlineArgs {
    /// What is due, e.g. "Customs data to the reporting authority".
    name: String,
    /// The day it is due every year, MM-DD (e.g. 03-31).
    #[arg(long, value_name = "MM-DD", value_parser = MonthDay::parse)]
    due: MonthDay,
    /// The registered agency that must meet it.
    #[arg(long, value_name = "ID")]
    agency: String,
    /// It is for the previous year's data (like the annual report); without this flag,
    /// for the data of the year it falls in.
    #[arg(long)]
    for_previous_year: bool,
    /// What exactly is due, and to whom.
    #[arg(long, default_value = "")]
    description: String,
}

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// `--today`, else the day `INTERLOCK_FIXED_TIME` pins (UTC), else today here.
fn today(given: Option<Date>) -> Result<Date, Failure> {
    if let Some(date) = given {
        return Ok(date);
    }
    super::today()
}

/// Reads a registry TOML file; `parse` gives every problem with its line.
fn read_toml<T>(
    path: &Path,
    parse: impl Fn(&str) -> Result<T, Vec<Diagnostic>>,
    what: &str,
) -> Result<T, Failure> {
    let bytes = read_input(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::new(EXIT_REFUSED, format!("{}: not valid UTF-8", path.display())))?;
    parse(&text).map_err(|problems| {
        let name = path.display().to_string();
        for problem in &problems {
            eprintln!("{}", problem.render(&name));
        }
        Failure::new(
            EXIT_REFUSED,
            format!(
                "{name}: {} {} found; {what}",
                problems.len(),
                if problems.len() == 1 {
                    "problem"
                } else {
                    "problems"
                }
            ),
        )
    })
}

fn or_unset(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("(not set)")
}

/// How a settings field is called on screen.
fn setting_label(field: &str) -> &str {
    match field {
        "reporting_state" => "reporting State",
        "national_currency" => "national currency",
        "point_of_contact.name" => "point of contact",
        "point_of_contact.position" => "  position",
        "point_of_contact.organisation" => "  organisation",
        "point_of_contact.contact_details" => "  contact details",
        "reporting_authority" => "reporting authority",
        "public_reports" => "reports may be public",
        other => other,
    }
}

// ---------------------------------------------------------------------------------------
// settings
// ---------------------------------------------------------------------------------------

pub fn settings(context: &Context, command: SettingsCommand) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    match command {
        SettingsCommand::Show { json } => {
            let settings = store.settings()?;
            if json {
                print_json(&settings)?;
            } else {
                print_settings(&settings);
            }
        }
        SettingsCommand::Set(args) => {
            let change = SettingsChange {
                reporting_state: args.reporting_state,
                national_currency: args.currency,
                contact_name: args.contact_name,
                contact_position: args.contact_position,
                contact_organisation: args.contact_organisation,
                contact_details: args.contact_details,
                reporting_authority: args.reporting_authority,
                public_reports: args.public,
            };
            if change == SettingsChange::default() {
                return Err(Failure::new(
                    EXIT_USAGE,
                    "give at least one setting to change (`interlock settings set --help` lists them)",
                ));
            }
            let outcome = store
                .set_settings(&change, &context.actor)
                .map_err(argument_error)?;
            if outcome.differences.is_empty() {
                println!("settings unchanged: they already have these values");
            } else {
                println!("settings changed:");
                for difference in &outcome.differences {
                    println!(
                        "  {}: {} -> {}",
                        setting_label(difference.field).trim_start(),
                        or_unset(&difference.before),
                        or_unset(&difference.after)
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_settings(settings: &Settings) {
    let named = [
        ("reporting_state", settings.reporting_state_named()),
        ("national_currency", settings.national_currency_named()),
    ];
    for (field, value) in settings.fields() {
        let value = named
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, named)| named.clone())
            .unwrap_or(value);
        println!("{:<24}{}", setting_label(field), or_unset(&value));
    }
}

// ---------------------------------------------------------------------------------------
// agency
// ---------------------------------------------------------------------------------------

pub fn agency(context: &Context, command: AgencyCommand) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    match command {
        AgencyCommand::Add(args) => {
            let from_arguments = args.file.is_none();
            let agency = match (args.file, args.id, args.name, args.kind) {
                (Some(path), ..) => read_toml(&path, file::parse_agency, "nothing was registered")?,
                (None, Some(id), Some(name), Some(kind)) => Agency {
                    id,
                    name,
                    kind,
                    legal_basis: Vec::new(),
                    contacts: Vec::new(),
                    mandates: Vec::new(),
                    plugins: Vec::new(),
                },
                _ => {
                    return Err(Failure::new(
                        EXIT_USAGE,
                        "give --file FILE, or --id, --name and --kind",
                    ));
                }
            };
            let registered = store.add_agency(agency, &context.actor).map_err(|e| {
                if from_arguments {
                    argument_error(e)
                } else {
                    e.into()
                }
            })?;
            let agency = &registered.agency;
            println!(
                "registered agency {} ({}, {}): {} mandate(s), {} contact(s), {} plugin(s)",
                agency.id,
                agency.name,
                agency.kind,
                agency.mandates.len(),
                agency.contacts.len(),
                agency.plugins.len()
            );
        }
        AgencyCommand::Update(args) => {
            let current = store
                .agency(&args.id)?
                .ok_or_else(|| RegistryError::UnknownAgency(args.id.clone()))?;
            let agency = match args.file {
                Some(path) => {
                    let agency =
                        read_toml(&path, file::parse_agency, "the agency was not changed")?;
                    if agency.id != args.id {
                        return Err(Failure::new(
                            EXIT_REFUSED,
                            format!(
                                "{}: describes agency `{}`, not `{}`; the agency was not changed",
                                path.display(),
                                agency.id,
                                args.id
                            ),
                        ));
                    }
                    agency
                }
                None => {
                    let mut agency = current.agency.clone();
                    if let Some(name) = args.name {
                        agency.name = name;
                    }
                    if let Some(kind) = args.kind {
                        agency.kind = kind;
                    }
                    agency
                }
            };
            match store.update_agency(agency, &context.actor)? {
                AgencyUpdate::Updated { previous, current } => println!(
                    "agency {} updated: version {} (was {}); changed: {}",
                    current.agency.id,
                    current.version,
                    previous.version,
                    current.agency.changed_fields(&previous.agency).join(", ")
                ),
                AgencyUpdate::Unchanged(current) => println!(
                    "agency {} unchanged: version {} already says this; nothing to do",
                    current.agency.id, current.version
                ),
            }
        }
        AgencyCommand::List { json } => {
            let agencies = store.agencies()?;
            if json {
                return print_json_lines(&agencies).map(|()| ExitCode::SUCCESS);
            }
            let mut out = table(&[
                "ID", "NAME", "KIND", "VERSION", "MANDATES", "CONTACTS", "PLUGINS",
            ]);
            for registered in &agencies {
                let agency = &registered.agency;
                let mandates: Vec<String> = MandateRole::ALL
                    .into_iter()
                    .filter_map(|role| {
                        let count = agency.mandates.iter().filter(|m| m.role == role).count();
                        (count > 0).then(|| format!("{count} {role}"))
                    })
                    .collect();
                out.add_row(vec![
                    agency.id.clone(),
                    agency.name.clone(),
                    agency.kind.to_string(),
                    registered.version.to_string(),
                    mandates.join(", "),
                    agency.contacts.len().to_string(),
                    agency.plugins.join(", "),
                ]);
            }
            print_table(&out);
            eprintln!("{} agency(ies) registered", agencies.len());
        }
        AgencyCommand::Show { id, history, json } => {
            let versions = if history {
                store.agency_history(&id)?
            } else {
                store.agency(&id)?.into_iter().collect()
            };
            if versions.is_empty() {
                return Err(RegistryError::UnknownAgency(id).into());
            }
            if json {
                return print_json_lines(&versions).map(|()| ExitCode::SUCCESS);
            }
            let plugins = store.plugins()?;
            let mut previous: Option<&RegisteredAgency> = None;
            for (index, version) in versions.iter().enumerate() {
                if index > 0 {
                    println!();
                }
                print_agency(version, previous, &plugins);
                previous = Some(version);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn term(contact: &Contact) -> String {
    match (contact.since, contact.until) {
        (Some(since), Some(until)) => format!("{since} to {until}"),
        (Some(since), None) => format!("since {since}"),
        (None, Some(until)) => format!("until {until}"),
        (None, None) => String::new(),
    }
}

fn print_agency(
    registered: &RegisteredAgency,
    previous: Option<&RegisteredAgency>,
    plugins: &[PluginRecord],
) {
    let agency = &registered.agency;
    println!("{}: {} ({})", agency.id, agency.name, agency.kind);
    println!(
        "version {}, recorded {} by {}",
        registered.version, registered.recorded_at, registered.recorded_by
    );
    if let Some(previous) = previous {
        println!(
            "changed from version {}: {}",
            previous.version,
            agency.changed_fields(&previous.agency).join(", ")
        );
    }
    println!("legal basis:");
    for basis in &agency.legal_basis {
        println!("  - {basis}");
    }
    println!("mandates:");
    let mut mandates = table(&["PHASE", "ROLE", "NOTE"]);
    for phase in Phase::ALL {
        if let Some(mandate) = agency.mandate(phase) {
            mandates.add_row(vec![
                phase.label().to_owned(),
                mandate.role.to_string(),
                mandate.note.clone().unwrap_or_default(),
            ]);
        }
    }
    print_indented(&mandates, agency.mandates.is_empty());
    println!("contacts:");
    let mut contacts = table(&["NAME", "FUNCTION", "CONTACT", "DEPUTY", "TERM"]);
    for contact in &agency.contacts {
        contacts.add_row(vec![
            contact.name.clone(),
            contact.function.clone(),
            contact.contact.clone(),
            contact.deputy.clone().unwrap_or_default(),
            term(contact),
        ]);
    }
    print_indented(&contacts, agency.contacts.is_empty());
    println!("plugins:");
    for name in &agency.plugins {
        match plugins.iter().find(|p| &p.name == name) {
            Some(plugin) => println!("  - {name} (installed, version {})", plugin.version),
            None => println!("  - {name} (not installed)"),
        }
    }
}

/// A table under a heading, indented by two spaces; `(none)` instead of an empty table.
fn print_indented(out: &comfy_table::Table, empty: bool) {
    if empty {
        println!("  (none)");
        return;
    }
    for line in out.lines() {
        let line = line.trim_end();
        println!("  {}", line.strip_prefix(' ').unwrap_or(line));
    }
}

// ---------------------------------------------------------------------------------------
// roles
// ---------------------------------------------------------------------------------------

pub fn roles(context: &Context, args: RolesArgs) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    let today = today(args.today)?;
    let agencies: Vec<Agency> = store.agencies()?.into_iter().map(|r| r.agency).collect();
    let report = roles::analyse(&agencies, today);
    if args.json {
        return print_json(&report).map(|()| ExitCode::SUCCESS);
    }
    if agencies.is_empty() {
        eprintln!(
            "no agency is registered: register them with `interlock agency add --file AGENCY.toml`"
        );
    }
    let mut header = vec!["PHASE"];
    header.extend(report.agencies.iter().map(String::as_str));
    header.push("STATUS");
    let mut out = table(&header);
    for row in &report.phases {
        let mut cells = vec![row.label.to_owned()];
        cells.extend(report.agencies.iter().map(|agency| {
            row.role_of(agency)
                .map(|role| role.to_string())
                .unwrap_or_else(|| "-".to_owned())
        }));
        cells.push(match row.status {
            PhaseStatus::Covered => "ok".to_owned(),
            status => status.as_str().to_owned(),
        });
        out.add_row(cells);
    }
    print_table(&out);
    println!();
    if report.findings.is_empty() {
        println!(
            "no findings on {today}: every phase is held, each shared phase has one lead, every contact is in office"
        );
    } else {
        println!("{} finding(s) on {today}:", report.findings.len());
        for finding in &report.findings {
            println!("  - {}", finding.message());
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------
// handbook
// ---------------------------------------------------------------------------------------

pub fn handbook(context: &Context, args: HandbookArgs) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    let today = today(args.today)?;
    let settings = store.settings()?;
    let agencies = store.agencies()?;
    let deadlines = store.deadlines()?;
    let plugins = store.plugins()?;
    let text = handbook::render(HandbookInput {
        today,
        settings: &settings,
        agencies: &agencies,
        deadlines: &deadlines,
        plugins: &plugins,
    });
    match args.out {
        Some(path) => {
            std::fs::write(&path, &text)
                .map_err(|e| Failure::new(EXIT_FAILURE, format!("{}: {e}", path.display())))?;
            println!(
                "wrote the handbook to {} ({} agencies, as of {today})",
                path.display(),
                agencies.len()
            );
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------
// calendar
// ---------------------------------------------------------------------------------------

pub fn calendar(context: &Context, args: CalendarArgs) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    match args.command {
        Some(CalendarCommand::Add(deadline)) => {
            let deadline = Deadline {
                name: deadline.name.trim().to_owned(),
                due: deadline.due,
                covers: if deadline.for_previous_year {
                    DataYear::PreviousYear
                } else {
                    DataYear::SameYear
                },
                agency: deadline.agency.trim().to_owned(),
                description: deadline.description.trim().to_owned(),
            };
            let changes = store.set_deadlines(vec![deadline], &context.actor)?;
            print_deadline_changes(&changes);
        }
        Some(CalendarCommand::Import { file: path }) => {
            let deadlines = read_toml(&path, file::parse_deadlines, "no deadline was changed")?;
            let changes = store.set_deadlines(deadlines, &context.actor)?;
            print_deadline_changes(&changes);
        }
        Some(CalendarCommand::Remove { name }) => {
            let removed = store.remove_deadline(&name, &context.actor)?;
            println!(
                "removed deadline `{}` ({})",
                removed.name,
                describe(&removed)
            );
        }
        None => {
            let today = today(args.today)?;
            let year = args.year.unwrap_or_else(|| calendar::default_year(today));
            let calendar = compute_calendar(&store, year, today)?;
            if args.json {
                return print_json(&calendar).map(|()| ExitCode::SUCCESS);
            }
            print_calendar(&calendar);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn compute_calendar(store: &Store, year: i16, today: Date) -> Result<Calendar, Failure> {
    let settings = store.settings()?;
    let agencies: Vec<Agency> = store.agencies()?.into_iter().map(|r| r.agency).collect();
    let deadlines = store.deadlines()?;
    let counts = store.record_counts(year)?;
    Ok(calendar::compute(CalendarInput {
        year,
        today,
        settings: &settings,
        agencies: &agencies,
        deadlines: &deadlines,
        counts: &counts,
    }))
}

/// `03-31, for the previous year's data, customs`.
fn describe(deadline: &Deadline) -> String {
    format!(
        "{}, for {} data, {}",
        deadline.due,
        match deadline.covers {
            DataYear::PreviousYear => "the previous year's",
            DataYear::SameYear => "the same year's",
        },
        deadline.agency
    )
}

fn print_deadline_changes(changes: &DeadlineChanges) {
    for deadline in &changes.added {
        println!(
            "added deadline `{}` ({})",
            deadline.name,
            describe(deadline)
        );
    }
    for (previous, current) in &changes.changed {
        println!(
            "changed deadline `{}`: {} (was: {})",
            current.name,
            describe(current),
            describe(previous)
        );
    }
    for deadline in &changes.unchanged {
        println!("deadline `{}` unchanged", deadline.name);
    }
}

fn print_calendar(calendar: &Calendar) {
    println!(
        "Reporting calendar for the {} data, on {}",
        calendar.year, calendar.today
    );
    println!();
    let mut out = table(&["DUE", "DAYS LEFT", "OBLIGATION", "RESPONSIBLE", "BASIS"]);
    for obligation in &calendar.obligations {
        out.add_row(vec![
            obligation.due.to_string(),
            obligation.days_left_text(),
            obligation.name.clone(),
            obligation.responsible.text.clone(),
            obligation.basis.clone(),
        ]);
    }
    print_table(&out);
    println!();
    if calendar.readiness.is_empty() {
        println!(
            "Readiness: no agency is registered, so nobody's data can be judged \
             (`interlock agency add --file AGENCY.toml`)"
        );
        return;
    }
    println!(
        "Readiness of the {} data (current records by quarter of their event date):",
        calendar.year
    );
    println!();
    let mut out = table(&["AGENCY", "Q1", "Q2", "Q3", "Q4", "STATUS"]);
    for readiness in &calendar.readiness {
        let mut row = vec![readiness.agency.clone()];
        row.extend(readiness.quarters.iter().map(u64::to_string));
        row.push(readiness.status.as_str().to_owned());
        out.add_row(row);
    }
    print_table(&out);
    let problems: Vec<&String> = calendar
        .readiness
        .iter()
        .flat_map(|r| &r.problems)
        .collect();
    if !problems.is_empty() {
        println!();
        for problem in problems {
            println!("  - {problem}");
        }
    }
}
