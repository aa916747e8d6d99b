//! `interlock report att|explain|unroca`: the ATT annual report and the UN Register report,
//! and the records behind any figure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use interlock_core::control_list::AttScope;
use interlock_core::report::unroca::RegisterReport;
use interlock_core::report::{self, AttReport, Basis, Flow, Sources};
use jiff::civil::Date;

use super::{Context, EXIT_FAILURE, EXIT_NOT_FOUND, EXIT_USAGE, Failure, print_json, today};

#[derive(Subcommand)]
pub enum ReportCommand {
    /// The ATT annual report (Art. 13(3)) for a calendar year, in the structure of the ATT
    /// Secretariat's template: a cover, an exports table and an imports table by category
    /// and counterpart State. Withheld records are left out (the cover says so); records
    /// that could not be placed are listed on the terminal, never in the file.
    Att(AttArgs),
    /// The records summed into one figure of the ATT report: ids, agencies, source file
    /// and line, and how much each contributed.
    Explain(ExplainArgs),
    /// The report to the UN Register of Conventional Arms: categories I-VII and the
    /// voluntary small arms and light weapons form, from the same records and category
    /// mapping as the ATT report on the actual basis.
    Unroca(UnrocaArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BasisArg {
    /// Goods that left or entered the State permanently in the year (customs).
    Actual,
    /// Authorizations issued in the year (licensing).
    Authorized,
    /// Both, side by side: where licences were not used and where exports ran without a
    /// matching licence figure.
    Both,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Markdown, for a quick look (the default on a terminal).
    Md,
    /// CSV, one line per row, for machines.
    Csv,
    /// JSON, for machines.
    Json,
    /// An Excel workbook laid out like the template, to read and submit (needs --out).
    Xlsx,
}

#[derive(Args)]
pub struct AttArgs {
    /// The calendar year reported [default: the previous year].
    #[arg(long)]
    year: Option<i16>,
    /// Authorized or actual transfers, or both side by side.
    #[arg(long, value_enum, default_value = "actual")]
    basis: BasisArg,
    /// Output format [default: from the --out file's extension, else md].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to this file (written whole or not at all) instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The date on the cover [default: today].
    #[arg(long)]
    date: Option<Date>,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// The calendar year reported [default: the previous year].
    #[arg(long)]
    year: Option<i16>,
    /// The report's basis: actual (customs) or authorized (licensing) transfers.
    #[arg(long, value_enum, default_value = "actual")]
    basis: SingleBasis,
    /// ATT category or sub-category (`VIII.SA.1`; a category takes in its sub-categories).
    #[arg(long)]
    category: AttScope,
    /// The counterpart State (ISO 3166-1 alpha-2).
    #[arg(long)]
    state: String,
    /// Only the exports or only the imports table.
    #[arg(long, value_enum)]
    flow: Option<FlowArg>,
    /// Print one JSON line: `year`, `basis`, `category`, `state`, `rows` (the figures),
    /// `contributions` (the records summed into them), `withheld`.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SingleBasis {
    Actual,
    Authorized,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlowArg {
    Export,
    Import,
}

#[derive(Args)]
pub struct UnrocaArgs {
    /// The calendar year reported [default: the previous year].
    #[arg(long)]
    year: Option<i16>,
    /// Output format [default: from the --out file's extension, else md]; xlsx is not
    /// offered for the Register.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(context: &Context, command: ReportCommand) -> Result<ExitCode, Failure> {
    match command {
        ReportCommand::Att(args) => att(context, args),
        ReportCommand::Explain(args) => explain(context, args),
        ReportCommand::Unroca(args) => unroca(context, args),
    }
}

/// The previous calendar year: the one due for reporting by 31 May.
fn year_or_default(year: Option<i16>) -> Result<i16, Failure> {
    match year {
        Some(year) => Ok(year),
        None => Ok(today()?.year() - 1),
    }
}

fn build(context: &Context, year: i16, basis: Basis, date: Date) -> Result<AttReport, Failure> {
    let store = context.open_store()?;
    let settings = store.settings()?;
    if settings.reporting_state.is_none() {
        eprintln!(
            "warning: the reporting State is not set; the cover leaves it blank \
             (interlock settings set --reporting-state CC)"
        );
    }
    let data = store.dataset()?;
    let withholdings = store.withholdings()?;
    Ok(AttReport::build(
        &data,
        &withholdings,
        year,
        basis,
        &settings,
        date,
    ))
}

fn format_of(format: Option<Format>, out: Option<&Path>) -> Result<Format, Failure> {
    if let Some(format) = format {
        return Ok(format);
    }
    let extension = out
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    Ok(match extension.as_deref() {
        Some("xlsx") => Format::Xlsx,
        Some("csv") => Format::Csv,
        Some("json") => Format::Json,
        Some("md") | None => Format::Md,
        Some(other) => {
            return Err(Failure::new(
                EXIT_USAGE,
                format!("cannot tell the format from `.{other}`: give --format md|csv|json|xlsx"),
            ));
        }
    })
}

/// Writes `bytes` to `out` whole or not at all (a temporary file beside it, then renamed),
/// or to stdout.
fn emit(out: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    let Some(path) = out else {
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(bytes)
            .map_err(|e| Failure::new(EXIT_FAILURE, format!("writing to stdout: {e}")));
    };
    let fail =
        |e: &dyn std::fmt::Display| Failure::new(EXIT_FAILURE, format!("{}: {e}", path.display()));
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| fail(&e))?;
    file.write_all(bytes).map_err(|e| fail(&e))?;
    file.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}

/// What the reporting officer must know but the public file must not say: what was
/// withheld and why, and what could not be placed or was left out.
fn operator_notes(sources: &Sources) {
    let mut stderr = std::io::stderr().lock();
    if !sources.withheld.is_empty() {
        let _ = writeln!(
            stderr,
            "withheld (ATT Art. 13(3)), not in the figures: {} record(s)",
            sources.withheld.len()
        );
        for w in &sources.withheld {
            let _ = writeln!(
                stderr,
                "  {} {} {} [{} {} {}]: {} ({}): {}",
                &w.record.record.to_hex()[..8],
                w.record.kind.as_str(),
                w.record.source_ref,
                w.flow.as_str(),
                w.category.code(),
                w.partner,
                w.what,
                w.basis,
                w.reason
            );
        }
    }
    if !sources.unplaced.is_empty() {
        let _ = writeln!(
            stderr,
            "not counted, needs attention: {} record(s) could not be placed in the report",
            sources.unplaced.len()
        );
        for u in &sources.unplaced {
            let location = match u.record.line {
                Some(line) => format!("{}:{line}", u.record.source_file),
                None => u.record.source_file.clone(),
            };
            let _ = writeln!(
                stderr,
                "  {} {} {} ({location}): {}",
                &u.record.record.to_hex()[..8],
                u.record.kind.as_str(),
                u.record.source_ref,
                u.reason
            );
        }
    }
    if !sources.excluded.is_empty() {
        let _ = writeln!(
            stderr,
            "left out by rule: {} record(s)",
            sources.excluded.len()
        );
        for e in &sources.excluded {
            let _ = writeln!(
                stderr,
                "  {} {} {}: {}",
                &e.record.record.to_hex()[..8],
                e.record.kind.as_str(),
                e.record.source_ref,
                e.reason
            );
        }
    }
}

fn att(context: &Context, args: AttArgs) -> Result<ExitCode, Failure> {
    let year = year_or_default(args.year)?;
    let date = match args.date {
        Some(date) => date,
        None => today()?,
    };
    let format = format_of(args.format, args.out.as_deref())?;
    if format == Format::Xlsx && args.out.is_none() {
        return Err(Failure::new(
            EXIT_USAGE,
            "an XLSX workbook is not for a terminal: give --out FILE.xlsx",
        ));
    }
    let bytes = match args.basis {
        BasisArg::Both => {
            let authorized = build(context, year, Basis::Authorized, date)?;
            let actual = build(context, year, Basis::Actual, date)?;
            operator_notes(&authorized.sources);
            operator_notes(&actual.sources);
            let rows = report::compare(&authorized, &actual);
            match format {
                Format::Md => report::comparison_markdown(year, &rows).into_bytes(),
                Format::Csv => report::comparison_csv(year, &rows).into_bytes(),
                Format::Json => serde_json::to_string_pretty(&rows)
                    .unwrap_or_default()
                    .into_bytes(),
                Format::Xlsx => {
                    return Err(Failure::new(
                        EXIT_USAGE,
                        "--basis both compares the two bases for the reporting officer: use \
                         --format md, csv or json (the XLSX is the report to submit, on one basis)",
                    ));
                }
            }
        }
        basis => {
            let basis = if basis == BasisArg::Actual {
                Basis::Actual
            } else {
                Basis::Authorized
            };
            let report = build(context, year, basis, date)?;
            operator_notes(&report.sources);
            match format {
                Format::Md => report.to_markdown().into_bytes(),
                Format::Csv => report.to_csv().into_bytes(),
                Format::Json => {
                    let mut json = report.to_json();
                    json.push('\n');
                    json.into_bytes()
                }
                Format::Xlsx => report
                    .to_xlsx()
                    .map_err(|e| Failure::new(EXIT_FAILURE, e))?,
            }
        }
    };
    emit(args.out.as_deref(), &bytes)?;
    if let Some(out) = &args.out {
        eprintln!("wrote {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn explain(context: &Context, args: ExplainArgs) -> Result<ExitCode, Failure> {
    let year = year_or_default(args.year)?;
    let basis = match args.basis {
        SingleBasis::Actual => Basis::Actual,
        SingleBasis::Authorized => Basis::Authorized,
    };
    let report = build(context, year, basis, today()?)?;
    let flow = args.flow.map(|f| match f {
        FlowArg::Export => Flow::Export,
        FlowArg::Import => Flow::Import,
    });
    let state = args.state.to_ascii_uppercase();
    let explanation = report.explain(flow, &args.category, &state);
    if args.json {
        print_json(&explanation)?;
    } else {
        print!("{}", report::explanation_text(&explanation));
    }
    if explanation.rows.is_empty() && explanation.withheld.is_empty() {
        return Err(Failure::new(
            EXIT_NOT_FOUND,
            format!(
                "the {basis} report for {year} has no figure for {} and {state}",
                args.category.code()
            ),
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn unroca(context: &Context, args: UnrocaArgs) -> Result<ExitCode, Failure> {
    let year = year_or_default(args.year)?;
    let format = format_of(args.format, args.out.as_deref())?;
    let report = build(context, year, Basis::Actual, today()?)?;
    operator_notes(&report.sources);
    let register = RegisterReport::build(
        year,
        report.cover.reporting_state.clone(),
        &report.sources.contributions,
    );
    let text = match format {
        Format::Md => register.to_markdown(),
        Format::Csv => register.to_csv(),
        Format::Json => register.to_json() + "\n",
        Format::Xlsx => {
            return Err(Failure::new(
                EXIT_USAGE,
                "the Register report is offered as md, csv or json",
            ));
        }
    };
    emit(args.out.as_deref(), text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
