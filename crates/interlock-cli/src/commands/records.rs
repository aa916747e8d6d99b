//! `interlock query`, `interlock show` and `interlock stats`.

use std::process::ExitCode;

use clap::Args;
use interlock_core::model::{RecordKind, StoredRecord};
use interlock_core::store::{Query, Withholding};
use jiff::civil::Date;

use super::{Context, EXIT_NOT_FOUND, Failure, print_json};
use crate::output::{print_table, summary, table};

fn parse_kind(text: &str) -> Result<RecordKind, String> {
    RecordKind::parse(text).ok_or_else(|| {
        let kinds: Vec<_> = RecordKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("unknown kind `{text}`; one of: {}", kinds.join(", "))
    })
}

#[derive(Args)]
pub struct QueryArgs {
    /// Record kind: authorization, customs_declaration, item, police_case,
    /// end_user_certificate, delivery_verification, denial, embargo.
    #[arg(long, value_parser = parse_kind)]
    kind: Option<RecordKind>,
    /// Agency that holds the record (customs, licensing, police, ...).
    #[arg(long)]
    agency: Option<String>,
    /// Any country the record involves (ISO 3166-1 alpha-2).
    #[arg(long)]
    country: Option<String>,
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
    /// Print JSON Lines (one stored record per line) instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn query(context: &Context, args: QueryArgs) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    let records = store.query(&Query {
        kind: args.kind,
        agency: args.agency,
        country: args.country,
        category: args.category,
        from: args.from,
        to: args.to,
        authorization_ref: args.authorization,
        serial: args.serial,
        party: args.party,
        limit: args.limit,
    })?;
    if args.json {
        for record in &records {
            let line =
                serde_json::to_string(record).map_err(|e| Failure::new(super::EXIT_FAILURE, e))?;
            println!("{line}");
        }
        return Ok(ExitCode::SUCCESS);
    }
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
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct ShowArgs {
    /// Record id (or a unique prefix of at least 6 characters).
    id: String,
    /// Every revision, oldest first, with where each came from.
    #[arg(long)]
    history: bool,
    /// Print JSON: the stored record (with its `withholding`, if any), or with --history
    /// the list of revisions.
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
            return print_json(&revisions).map(|()| ExitCode::SUCCESS);
        }
        let mut value = serde_json::to_value(&revisions[0])
            .map_err(|e| Failure::new(super::EXIT_FAILURE, e))?;
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
