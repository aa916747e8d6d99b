//! Lookups and a query on the store `bench import` wrote, beside the same in SQLite: a
//! declaration by id, a licence's lines, and one country's declarations over two days
//! (issue 9's goals: a lookup under 20 µs in-process and 30 ms from the CLI; that query
//! under 50 ms with memory bounded by its output).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use interlock_core::model::{RecordId, RecordKind};
use interlock_core::store::{Query, Store};

use crate::import::customs_file;

/// Lookups timed for each percentile.
const LOOKUPS: u64 = 2000;

/// The query of the issue: one country, two days.
const COUNTRY: &str = "DE";
const FROM: &str = "2026-03-01";
const TO: &str = "2026-03-02";

pub fn lookups(rows: u64, store: &Path, sqlite: Option<&Path>, binary: &Path) -> Result<()> {
    println!(
        "\nlookups and a query over {rows} records ({}):",
        store.display()
    );
    let mut table = String::new();
    use std::fmt::Write as _;
    writeln!(
        table,
        "{:<58} {:>10} {:>10} {:>9} {:>8}  note",
        "what", "p50", "p99", "records", "peak MB"
    )?;
    let line = |table: &mut String,
                what: &str,
                p50: Duration,
                p99: Option<Duration>,
                records: usize,
                peak: Option<u64>,
                note: &str| {
        let _ = writeln!(
            table,
            "{:<58} {:>10} {:>10} {:>9} {:>8}  {note}",
            what,
            human(p50),
            p99.map(human).unwrap_or_else(|| "-".to_owned()),
            records,
            peak.map(|kb| format!("{:.0}", kb as f64 / 1024.0))
                .unwrap_or_else(|| "-".to_owned()),
        );
    };

    {
        let store = Store::open(store).context("open the bench store")?;
        // A declaration item by its id: the record heads table, then the revision.
        let mut times = Vec::new();
        for n in sample(rows) {
            let item = customs_file::DeclarationItem::numbered(n);
            let id = RecordId::derive(
                "customs",
                RecordKind::CustomsDeclaration,
                &format!("{}/{}", item.declaration_ref, item.item_no),
            );
            let start = Instant::now();
            let found = store.get(id)?;
            times.push(start.elapsed());
            if found.is_none() {
                bail!("declaration item {n} is not in the store");
            }
        }
        let (p50, p99) = percentiles(&mut times);
        line(
            &mut table,
            "interlock: a declaration item by id (in-process)",
            p50,
            Some(p99),
            1,
            None,
            "Store::get",
        );

        // A licence's lines: the authorization index, then every line's revision.
        let mut times = Vec::new();
        let mut lines = 0;
        for n in sample(rows).take(200) {
            let licence = customs_file::DeclarationItem::numbered(n).licence;
            let start = Instant::now();
            let found = store.query(&Query {
                authorization_ref: Some(licence),
                ..Query::default()
            })?;
            times.push(start.elapsed());
            lines = found.len();
        }
        let (p50, p99) = percentiles(&mut times);
        line(
            &mut table,
            "interlock: a licence's declaration lines (in-process)",
            p50,
            Some(p99),
            lines,
            None,
            "Store::query --authorization",
        );

        let start = Instant::now();
        let found = store.query(&country_days())?;
        let elapsed = start.elapsed();
        line(
            &mut table,
            &format!("interlock: --country {COUNTRY} --from {FROM} --to {TO} (in-process)"),
            elapsed,
            None,
            found.len(),
            None,
            "index postings intersected",
        );
    }

    // The same from the command line: a process start, the store opened, CSV out.
    let licence = customs_file::DeclarationItem::numbered(rows / 2).licence;
    for (what, args) in [
        (
            "interlock query --authorization (CLI, CSV to /dev/null)".to_owned(),
            vec![
                "query",
                "--authorization",
                licence.as_str(),
                "--format",
                "csv",
            ],
        ),
        (
            format!("interlock query --country {COUNTRY} --from --to (CLI, CSV)"),
            vec![
                "query",
                "--country",
                COUNTRY,
                "--from",
                FROM,
                "--to",
                TO,
                "--format",
                "csv",
            ],
        ),
    ] {
        let mut command = Command::new(binary);
        command.arg("--store").arg(store).args(&args);
        let (elapsed, peak, output) = run_timed(command)?;
        let records = output.lines().count().saturating_sub(1);
        line(&mut table, &what, elapsed, None, records, peak, "");
    }

    if let Some(sqlite) = sqlite {
        for (what, sql) in [
            (
                "sqlite3: a licence's declaration lines (CLI)",
                format!("SELECT * FROM declarations WHERE authorization_ref = '{licence}';"),
            ),
            (
                "sqlite3: the same country and two days (CLI)",
                format!(
                    "SELECT * FROM declarations WHERE partner_country = '{COUNTRY}' AND date BETWEEN '{FROM}' AND '{TO}';"
                ),
            ),
        ] {
            let mut command = Command::new("sqlite3");
            command.args(["-csv", "-header"]).arg(sqlite).arg(&sql);
            let (elapsed, peak, output) = run_timed(command)?;
            let records = output.lines().count().saturating_sub(1);
            line(&mut table, what, elapsed, None, records, peak, "");
        }
    }
    print!("{table}");
    Ok(())
}

fn country_days() -> Query {
    Query {
        country: Some(COUNTRY.to_owned()),
        from: FROM.parse().ok(),
        to: TO.parse().ok(),
        ..Query::default()
    }
}

/// Item numbers spread over the file, the same every run.
fn sample(rows: u64) -> impl Iterator<Item = u64> {
    let step = (rows / LOOKUPS).max(1);
    (0..LOOKUPS.min(rows)).map(move |k| (k * step + (k * 7919) % step) % rows.max(1))
}

fn percentiles(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99))
}

fn human(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros < 1000.0 {
        format!("{micros:.1} µs")
    } else {
        format!("{:.1} ms", micros / 1000.0)
    }
}

/// Runs `command` once under `/usr/bin/time`: wall time, peak RSS (KiB), stdout.
fn run_timed(command: Command) -> Result<(Duration, Option<u64>, String)> {
    let rss_file =
        std::env::temp_dir().join(format!("interlock-lookup-rss-{}", std::process::id()));
    let mut wrapped = Command::new("/usr/bin/time");
    wrapped
        .args(["-f", "%M", "-o"])
        .arg(&rss_file)
        .arg(command.get_program())
        .args(command.get_args());
    let start = Instant::now();
    let output = wrapped.output().context("run a timed query")?;
    let elapsed = start.elapsed();
    if !output.status.success() {
        bail!(
            "{:?} failed: {}",
            command,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let peak = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|text| text.lines().last()?.trim().parse().ok());
    let _ = std::fs::remove_file(&rss_file);
    Ok((
        elapsed,
        peak,
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}
