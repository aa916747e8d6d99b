//! `interlock check`, `interlock finding list|show|set` and `interlock trace`: the
//! cross-checks between agencies' records, their review, and one weapon's story.

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use interlock_core::check::{CheckFilter, Severity, rules, trace};
use interlock_core::store::{FindingState, StoredFinding};

use super::{Context, EXIT_FAILURE, EXIT_FINDINGS, EXIT_USAGE, Failure, print_json};
use crate::output::{print_table, table};

#[derive(Clone, Copy, ValueEnum)]
pub enum SeverityArg {
    Low,
    Medium,
    High,
}

impl From<SeverityArg> for Severity {
    fn from(value: SeverityArg) -> Severity {
        match value {
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
        }
    }
}

#[derive(Args)]
pub struct CheckArgs {
    /// Run only this rule (repeatable); `--list-rules` shows them.
    #[arg(long = "rule", value_name = "ID")]
    rules: Vec<String>,
    /// Only findings about transfers on or after this date (YYYY-MM-DD).
    #[arg(long)]
    from: Option<jiff::civil::Date>,
    /// Only findings about transfers on or before this date (YYYY-MM-DD).
    #[arg(long)]
    to: Option<jiff::civil::Date>,
    /// Only findings that involve a record of this agency.
    #[arg(long)]
    agency: Option<String>,
    /// Print JSON Lines: one finding per line, as `finding list --json` prints it, with
    /// `new`: whether this run found it first.
    #[arg(long)]
    json: bool,
    /// Exit with code 6 if an open or confirmed finding has this severity or higher
    /// (for scripts).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<SeverityArg>,
    /// List the rules with their treaty basis and severity, and run nothing.
    #[arg(long)]
    list_rules: bool,
}

#[derive(Subcommand)]
pub enum FindingCommand {
    /// List stored findings (by default those the data still shows).
    List {
        /// Only findings in this review state.
        #[arg(long, value_enum)]
        state: Option<StateArg>,
        /// Only findings of this rule.
        #[arg(long)]
        rule: Option<String>,
        /// Include findings the data no longer shows (resolved).
        #[arg(long)]
        all: bool,
        /// Print JSON Lines: one stored finding per line (`finding`: `id`, `rule`,
        /// `severity`, `key`, `explanation`, `date`, `evidence`; `state`, `first_seen`,
        /// `last_seen`, `resolved_at`, `history`).
        #[arg(long)]
        json: bool,
    },
    /// Show one finding: explanation, evidence with provenance, review history.
    Show {
        /// Finding id (or a unique prefix of at least 6 characters).
        id: String,
        /// Print the stored finding as one JSON line, as `finding list --json` does.
        #[arg(long)]
        json: bool,
    },
    /// Change a finding's review state, with a reason (kept in the audit log).
    Set {
        /// Finding id (or a unique prefix of at least 6 characters).
        id: String,
        /// The new state.
        #[arg(value_enum)]
        state: StateArg,
        /// Why, in the reviewer's words.
        #[arg(long)]
        reason: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum StateArg {
    Open,
    Explained,
    Dismissed,
    Confirmed,
}

impl From<StateArg> for FindingState {
    fn from(value: StateArg) -> FindingState {
        match value {
            StateArg::Open => FindingState::Open,
            StateArg::Explained => FindingState::Explained,
            StateArg::Dismissed => FindingState::Dismissed,
            StateArg::Confirmed => FindingState::Confirmed,
        }
    }
}

#[derive(Args)]
pub struct TraceArgs {
    /// The serial number, as marked (case, spaces and dashes do not matter).
    serial: String,
    /// Only records whose make agrees (where they give one).
    #[arg(long)]
    make: Option<String>,
    /// Print JSON Lines: one step per line (`date`, `agency`, `event`, `evidence`), oldest
    /// first.
    #[arg(long)]
    json: bool,
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

fn findings_table(findings: &[&StoredFinding]) {
    let mut out = table(&["ID", "RULE", "SEVERITY", "STATE", "EXPLANATION"]);
    for stored in findings {
        let state = if stored.resolved_at.is_some() {
            format!("{} (resolved)", stored.state.as_str())
        } else {
            stored.state.as_str().to_owned()
        };
        out.add_row(vec![
            short(&stored.finding.id.0).to_owned(),
            stored.finding.rule.clone(),
            stored.finding.severity.to_string(),
            state,
            stored.finding.explanation.clone(),
        ]);
    }
    print_table(&out);
}

pub fn check(context: &Context, args: CheckArgs) -> Result<ExitCode, Failure> {
    let known = rules::all();
    if args.list_rules {
        let mut out = table(&["RULE", "SEVERITY", "BASIS", "WHAT IT LOOKS FOR"]);
        for rule in &known {
            out.add_row(vec![
                rule.id().to_owned(),
                rule.severity().to_string(),
                rule.basis().to_owned(),
                rule.title().to_owned(),
            ]);
        }
        print_table(&out);
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(unknown) = args
        .rules
        .iter()
        .find(|id| !known.iter().any(|rule| rule.id() == id.as_str()))
    {
        return Err(Failure::new(
            EXIT_USAGE,
            format!("no rule `{unknown}`; `interlock check --list-rules` shows them"),
        ));
    }
    let store = context.open_store()?;
    let filter = CheckFilter {
        rules: args.rules,
        from: args.from,
        to: args.to,
        agency: args.agency,
    };
    let outcome = store.run_checks(&filter, &context.actor)?;
    let stored = store.findings()?;
    let found: Vec<&StoredFinding> = outcome
        .findings
        .iter()
        .filter_map(|id| stored.iter().find(|s| &s.finding.id == id))
        .collect();
    if args.json {
        for finding in &found {
            let mut value =
                serde_json::to_value(finding).map_err(|e| Failure::new(EXIT_FAILURE, e))?;
            if let Some(object) = value.as_object_mut() {
                object.insert(
                    "new".to_owned(),
                    serde_json::Value::Bool(outcome.new.contains(&finding.finding.id)),
                );
            }
            println!("{value}");
        }
    } else {
        findings_table(&found);
        println!(
            "{} finding(s): {} new, {} resolved, {} reopened",
            found.len(),
            outcome.new.len(),
            outcome.resolved.len(),
            outcome.reopened.len()
        );
        for id in &outcome.resolved {
            println!("resolved: {id} (the data no longer shows it)");
        }
    }
    if let Some(threshold) = args.fail_on.map(Severity::from) {
        let failing = found.iter().any(|f| {
            f.finding.severity >= threshold
                && matches!(f.state, FindingState::Open | FindingState::Confirmed)
        });
        if failing {
            return Ok(ExitCode::from(EXIT_FINDINGS));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn finding(context: &Context, command: FindingCommand) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    match command {
        FindingCommand::List {
            state,
            rule,
            all,
            json,
        } => {
            let stored = store.findings()?;
            let state = state.map(FindingState::from);
            let shown: Vec<&StoredFinding> = stored
                .iter()
                .filter(|f| all || f.resolved_at.is_none())
                .filter(|f| state.is_none_or(|s| f.state == s))
                .filter(|f| rule.as_ref().is_none_or(|r| &f.finding.rule == r))
                .collect();
            if json {
                for finding in shown {
                    println!(
                        "{}",
                        serde_json::to_string(finding)
                            .map_err(|e| Failure::new(EXIT_FAILURE, e))?
                    );
                }
            } else {
                findings_table(&shown);
                println!("{} finding(s)", shown.len());
            }
        }
        FindingCommand::Show { id, json } => {
            let stored = store.finding(&id)?;
            if json {
                print_json(&stored)?;
                return Ok(ExitCode::SUCCESS);
            }
            let f = &stored.finding;
            println!("finding      {}", f.id);
            println!("rule         {} ({})", f.rule, f.severity);
            println!(
                "state        {}{}",
                stored.state.as_str(),
                if stored.resolved_at.is_some() {
                    ", resolved: the data no longer shows it"
                } else {
                    ""
                }
            );
            if let Some(date) = f.date {
                println!("date         {date}");
            }
            println!("first seen   {}", stored.first_seen);
            println!("explanation  {}", f.explanation);
            println!("evidence");
            for e in &f.evidence {
                let at = match e.line {
                    Some(line) => format!("{}:{line}", e.source_file),
                    None => e.source_file.clone(),
                };
                println!(
                    "  {:<22} {} {} `{}` rev {} ({at})",
                    e.role, e.agency, e.kind, e.source_ref, e.revision
                );
            }
            for change in &stored.history {
                println!(
                    "history      {} by {} at {}: {}",
                    change.state.as_str(),
                    change.by,
                    change.at,
                    change.reason
                );
            }
        }
        FindingCommand::Set { id, state, reason } => {
            let changed = store.set_finding_state(&id, state.into(), &reason, &context.actor)?;
            println!(
                "finding {} is now {}",
                changed.finding.id,
                changed.state.as_str()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn trace_serial(context: &Context, args: TraceArgs) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    let data = store.dataset()?;
    let story = trace(&data, &args.serial, args.make.as_deref());
    let findings = store.findings()?;
    let involved: Vec<&StoredFinding> = findings
        .iter()
        .filter(|f| f.resolved_at.is_none())
        .filter(|f| {
            f.finding
                .evidence
                .iter()
                .any(|e| story.steps.iter().any(|s| s.evidence.record == e.record))
        })
        .collect();
    if args.json {
        for step in &story.steps {
            println!(
                "{}",
                serde_json::to_string(step).map_err(|e| Failure::new(EXIT_FAILURE, e))?
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if story.steps.is_empty() {
        println!("no record mentions serial {}", args.serial);
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = table(&["DATE", "AGENCY", "WHAT", "SOURCE"]);
    for step in &story.steps {
        let at = match step.evidence.line {
            Some(line) => format!("{}:{line}", step.evidence.source_file),
            None => step.evidence.source_file.clone(),
        };
        out.add_row(vec![
            step.date.map(|d| d.to_string()).unwrap_or_default(),
            step.agency.clone(),
            step.event.clone(),
            at,
        ]);
    }
    print_table(&out);
    if !involved.is_empty() {
        println!("\nfindings involving these records:");
        findings_table(&involved);
    }
    Ok(ExitCode::SUCCESS)
}
