//! `interlock query`, `interlock show` and `interlock stats`.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use interlock_core::control_list::ControlLists;
use interlock_core::model::{RecordKind, StoredRecord};
use interlock_core::store::{Facets, Query, Withholding};
use jiff::civil::Date;

use super::{Context, EXIT_FAILURE, EXIT_NOT_FOUND, Failure, print_json, print_json_lines};
use crate::output::{print_table, summary, table};

fn parse_kind(text: &str) -> Result<RecordKind, String> {
    RecordKind::parse(text).ok_or_else(|| {
        let kinds: Vec<_> = RecordKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("unknown kind `{text}`; one of: {}", kinds.join(", "))
    })
}

/// `--country`, `--destination`, `--origin`: a current ISO 3166-1 alpha-2 code, or a
/// former one (ISO 3166-3: `SU`, `YU`) as registers of old transfers use.
fn parse_country(text: &str) -> Result<String, String> {
    let code = text.trim().to_ascii_uppercase();
    if interlock_core::reference::is_country(&code)
        || interlock_core::reference::former_country_name(&code).is_some()
    {
        Ok(code)
    } else {
        Err(format!(
            "`{text}` is not an ISO 3166-1 alpha-2 country code (e.g. GB, DE, US)"
        ))
    }
}

/// How `interlock query` prints what it found.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    /// A table for people, with a one-line summary of each record.
    Table,
    /// JSON Lines: one stored record per line, as the store keeps it.
    Json,
    /// CSV with a header row, for spreadsheets (columns at the end of --help).
    Csv,
}

/// The columns of `query --format csv`, in order.
const CSV_COLUMNS: [&str; 12] = [
    "id",
    "kind",
    "agency",
    "source_ref",
    "event_date",
    "revision",
    "destinations",
    "origins",
    "summary",
    "source_file",
    "source_line",
    "batch",
];

const QUERY_FORMATS: &str = "\
Output (--format):
  table  ID (first 12 characters), KIND, AGENCY, SOURCE REF, DATE, REV, SUMMARY;
         the count on stderr
  json   JSON Lines: one stored record per line (`id`, `kind`, `revision`, `draft`,
         `provenance`, ...), the same object `interlock show ID --json` prints
  csv    a header row, then one row per record: id, kind, agency, source_ref,
         event_date (YYYY-MM-DD or empty), revision, destinations, origins (codes
         joined by `;`), summary, source_file, source_line, batch. A cell that a
         spreadsheet would run as a formula (starting with = + - @) starts with '

Countries: --destination matches where the goods go (a licence's allowed destinations,
a declaration's country of destination, recipients' countries, the importing State of
an end-user certificate or delivery verification, a supply embargo's target, a reported
transfer's recipient); --origin where they come from (a licence's allowed origins, a
declaration's country of dispatch or origin, exporters' and manufacturers' countries,
a weapon's country of manufacture, a procurement embargo's target, a reported
transfer's supplier). --country matches a country in any role.";

#[derive(Args)]
#[command(after_long_help = QUERY_FORMATS)]
pub struct QueryArgs {
    /// Record kind: authorization, customs_declaration, item, police_case,
    /// end_user_certificate, delivery_verification, denial, embargo, ...
    #[arg(long, value_parser = parse_kind)]
    kind: Option<RecordKind>,
    /// Agency that holds the record (customs, licensing, police, ...).
    #[arg(long)]
    agency: Option<String>,
    /// Any country the record involves, in any role (ISO 3166-1 alpha-2).
    #[arg(long, value_name = "CC", value_parser = parse_country)]
    country: Option<String>,
    /// A country the goods go to (ISO 3166-1 alpha-2; see --help for what counts).
    #[arg(long, value_name = "CC", value_parser = parse_country)]
    destination: Option<String>,
    /// A country the goods come from: sent from or made in (ISO 3166-1 alpha-2).
    #[arg(long, value_name = "CC", value_parser = parse_country)]
    origin: Option<String>,
    /// Control entry (ML1 matches ML1.a.2) or ATT scope (VIII.SA matches VIII.SA.2).
    #[arg(long)]
    category: Option<String>,
    /// Event date on or after (YYYY-MM-DD).
    #[arg(long)]
    from: Option<Date>,
    /// Event date on or before (YYYY-MM-DD).
    #[arg(long)]
    to: Option<Date>,
    /// Authorization reference: the licence and every record citing it.
    #[arg(long = "authorization", value_name = "REFERENCE")]
    authorization: Option<String>,
    /// Serial number (case, spaces and dashes ignored).
    #[arg(long)]
    serial: Option<String>,
    /// Part of a party's name (case-insensitive).
    #[arg(long)]
    party: Option<String>,
    /// At most this many records.
    #[arg(long)]
    limit: Option<usize>,
    /// How to print the records (the columns are listed at the end of --help).
    #[arg(long, value_enum, default_value = "table")]
    format: QueryFormat,
    /// Short for --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

pub fn query(context: &Context, args: QueryArgs) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    let records = store.query(&Query {
        kind: args.kind,
        agency: args.agency,
        country: args.country,
        destination: args.destination,
        origin: args.origin,
        category: args.category,
        from: args.from,
        to: args.to,
        authorization_ref: args.authorization,
        serial: args.serial,
        party: args.party,
        limit: args.limit,
    })?;
    let format = if args.json {
        QueryFormat::Json
    } else {
        args.format
    };
    match format {
        QueryFormat::Json => print_json_lines(&records)?,
        QueryFormat::Csv => print_csv(&records, &store.control_lists()?)?,
        QueryFormat::Table => {
            let mut out = table(&[
                "ID",
                "KIND",
                "AGENCY",
                "SOURCE REF",
                "DATE",
                "REV",
                "SUMMARY",
            ]);
            for record in &records {
                out.add_row(vec![
                    record.id.to_hex()[..12].to_owned(),
                    record.kind.to_string(),
                    record.draft.agency.clone(),
                    record.draft.source_ref.clone(),
                    record.event_date.map(|d| d.to_string()).unwrap_or_default(),
                    record.revision.to_string(),
                    summary(record),
                ]);
            }
            print_table(&out);
            eprintln!("{} record(s)", records.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A cell a spreadsheet would evaluate (`=HYPERLINK(...)` in an agency's file) is kept
/// as text by a leading apostrophe (OWASP's advice for CSV injection).
fn spreadsheet_safe(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

fn print_csv(records: &[StoredRecord], lists: &ControlLists) -> Result<(), Failure> {
    let failed = |e: csv::Error| Failure::new(EXIT_FAILURE, format!("writing CSV to stdout: {e}"));
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    out.write_record(CSV_COLUMNS).map_err(failed)?;
    for record in records {
        let facets = Facets::of(record, lists);
        let joined = |set: &std::collections::BTreeSet<String>| {
            set.iter().map(String::as_str).collect::<Vec<_>>().join(";")
        };
        let row: [String; CSV_COLUMNS.len()] = [
            record.id.to_hex(),
            record.kind.to_string(),
            record.draft.agency.clone(),
            record.draft.source_ref.clone(),
            record.event_date.map(|d| d.to_string()).unwrap_or_default(),
            record.revision.to_string(),
            joined(&facets.destinations),
            joined(&facets.origins),
            summary(record),
            record.provenance.source_file.clone(),
            record
                .provenance
                .line
                .map(|l| l.to_string())
                .unwrap_or_default(),
            record.provenance.batch.to_string(),
        ];
        out.write_record(row.map(spreadsheet_safe))
            .map_err(failed)?;
    }
    out.flush()
        .map_err(|e| Failure::new(EXIT_FAILURE, format!("writing CSV to stdout: {e}")))
}

#[derive(Args)]
pub struct ShowArgs {
    /// Record id (or a unique prefix of at least 6 characters).
    id: String,
    /// Every revision, oldest first, with where each came from.
    #[arg(long)]
    history: bool,
    /// Print JSON Lines: one line, the stored record (`id`, `kind`, `revision`, `draft`,
    /// `provenance`, ... and its `withholding`, if any); with --history one line per
    /// revision, oldest first.
    #[arg(long)]
    json: bool,
}

pub fn show(context: &Context, args: ShowArgs) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    let id = store.resolve_id(&args.id)?;
    let revisions = if args.history {
        store.history(id)?
    } else {
        store.get(id)?.into_iter().collect()
    };
    if revisions.is_empty() {
        return Err(Failure::new(
            EXIT_NOT_FOUND,
            format!("no record with id {}", args.id),
        ));
    }
    // A withholding belongs to the record, not to a revision: shown with the current one.
    let withholding = store.withholding(id)?;
    if args.json {
        if args.history {
            return print_json_lines(&revisions).map(|()| ExitCode::SUCCESS);
        }
        let mut value =
            serde_json::to_value(&revisions[0]).map_err(|e| Failure::new(EXIT_FAILURE, e))?;
        if let (Some(withholding), Some(object)) = (&withholding, value.as_object_mut()) {
            let withholding = serde_json::to_value(withholding)
                .map_err(|e| Failure::new(super::EXIT_FAILURE, e))?;
            object.insert("withholding".to_owned(), withholding);
        }
        return print_json(&value).map(|()| ExitCode::SUCCESS);
    }
    for (index, record) in revisions.iter().enumerate() {
        if index > 0 {
            println!();
        }
        let current = index + 1 == revisions.len();
        print_record(record, !current, withholding.as_ref().filter(|_| current))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_record(
    record: &StoredRecord,
    superseded: bool,
    withholding: Option<&Withholding>,
) -> Result<(), Failure> {
    let p = &record.provenance;
    let location = match p.line {
        Some(line) => format!("{}:{line}", p.source_file),
        None => p.source_file.clone(),
    };
    println!("record       {}", record.id);
    println!("kind         {}", record.kind);
    println!("summary      {}", summary(record));
    println!(
        "revision     {}{}",
        record.revision,
        if superseded { " (superseded)" } else { "" }
    );
    println!("agency       {}", record.draft.agency);
    println!("source ref   {}", record.draft.source_ref);
    if let Some(date) = record.event_date {
        println!("event date   {date}");
    }
    println!("captured at  {}", record.captured_at);
    println!(
        "sensitive    {}",
        if record.draft.sensitive {
            "yes (ATT Art. 13(3))"
        } else {
            "no"
        }
    );
    if let Some(withholding) = withholding {
        println!(
            "withheld     {} (ATT Art. 13(3)): {}",
            withholding.basis,
            super::withhold::extent(withholding)
        );
        println!(
            "             by {} at {}: {}",
            withholding.by, withholding.at, withholding.reason
        );
    }
    println!("source       {location}");
    println!("source hash  sha256:{}", p.source_sha256);
    match &p.adapter {
        interlock_core::model::Adapter::JsonLines => println!("adapter      json-lines"),
        interlock_core::model::Adapter::Plugin {
            name,
            version,
            wasm_sha256,
            options,
        } => {
            println!("adapter      plugin {name}@{version} (wasm sha256:{wasm_sha256})");
            for (key, value) in options {
                println!("option       {key}={value}");
            }
        }
    }
    println!("batch        {}", p.batch);
    println!("content hash sha256:{}", record.content_hash);
    let body = serde_json::to_string_pretty(&record.draft.record)
        .map_err(|e| Failure::new(super::EXIT_FAILURE, e))?;
    println!("content");
    for line in body.lines() {
        println!("  {line}");
    }
    Ok(())
}

#[derive(Args)]
pub struct StatsArgs {
    /// Print one JSON line: `records`, `revisions`, `batches`, `audit_entries`, `plugins`,
    /// `by_kind` and `by_agency` ([name, count] pairs), `control_list_versions`.
    #[arg(long)]
    json: bool,
}

pub fn stats(context: &Context, args: StatsArgs) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    let stats = store.stats()?;
    if args.json {
        return print_json(&stats).map(|()| ExitCode::SUCCESS);
    }
    println!("store          {}", context.store_path.display());
    println!("records        {}", stats.records);
    println!("revisions      {}", stats.revisions);
    println!("import batches {}", stats.batches);
    println!("audit entries  {}", stats.audit_entries);
    println!("plugins        {}", stats.plugins);
    for (kind, count) in &stats.by_kind {
        println!("  kind {kind:<22} {count}");
    }
    for (agency, count) in &stats.by_agency {
        println!("  agency {agency:<20} {count}");
    }
    for version in &stats.control_list_versions {
        println!("control list   {version}");
    }
    Ok(ExitCode::SUCCESS)
}
