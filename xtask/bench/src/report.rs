//! `cargo xtask bench report`: the ATT annual report (actual basis) over a generated year
//! of customs declaration lines, and the same aggregation in SQLite on the same data, side
//! by side. Both answers are compared cell by cell, so a fast wrong answer cannot pass for
//! a result. Goal (issue 8): under 1 s for 1,000,000 lines and no slower than SQLite.
//!
//! The data: N declaration items dated across 2026, exports and imports (every 11th an
//! import, every 23rd a temporary export, every 31st invalidated, both left out of the
//! report), each with a declared control entry from the national control list, a partner
//! State, a quantity and a statistical value in GBP.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use interlock_core::control_list::ControlList;
use interlock_core::registry::Settings;
use interlock_core::report::{AttReport, Basis};
use interlock_core::store::{ImportOutcome, SourceFile, Store};
use rust_decimal::Decimal;

use crate::project_root;

const ACTOR: &str = "bench";
const COUNTRIES: [&str; 12] = [
    "DE", "FR", "US", "NO", "AU", "JP", "IN", "CA", "CL", "KE", "BR", "NL",
];
/// Entries of the national control list 1.1.0 (in force in 2026) spread over the
/// template's categories.
const ENTRIES: [&str; 10] = [
    "ML1.a.1", "ML1.a.2", "ML1.a.4", "ML1.a.5", "ML2.b", "ML3.a", "ML4.a", "ML6.b", "ML10.a",
    "ML1.a.3",
];

/// (flow, ATT category, partner) → (items, GBP value)
type Cells = BTreeMap<(String, String, String), (Decimal, Decimal)>;

struct Item {
    procedure: &'static str,
    movement: &'static str,
    status: &'static str,
    date: String,
    partner: &'static str,
    entry: &'static str,
    quantity: u64,
    value: u64,
}

fn item(n: u64) -> Item {
    Item {
        procedure: if n % 11 == 5 { "import" } else { "export" },
        movement: if n % 23 == 9 {
            "temporary"
        } else {
            "permanent"
        },
        status: if n % 31 == 17 {
            "invalidated"
        } else {
            "exited"
        },
        date: format!("2026-{:02}-{:02}", 1 + (n / 28) % 12, 1 + n % 28),
        partner: COUNTRIES[(n % COUNTRIES.len() as u64) as usize],
        entry: ENTRIES[((n / 3) % ENTRIES.len() as u64) as usize],
        quantity: 1 + n % 9,
        value: 1000 + (n % 97) * 250,
    }
}

/// Writes the year as interlock JSON Lines and as a CSV for SQLite.
fn generate(lines: u64, dir: &Path) -> Result<(PathBuf, PathBuf)> {
    let jsonl_path = dir.join("declarations.jsonl");
    let csv_path = dir.join("declarations.csv");
    let mut jsonl = BufWriter::with_capacity(1 << 20, std::fs::File::create(&jsonl_path)?);
    let mut csv = BufWriter::with_capacity(1 << 20, std::fs::File::create(&csv_path)?);
    for n in 0..lines {
        let i = item(n);
        let reference = format!("26GB{:014}", n / 2);
        let item_no = 1 + n % 2;
        let (dispatch, destination) = match i.procedure {
            "import" => (i.partner, "GB"),
            _ => ("GB", i.partner),
        };
        writeln!(
            jsonl,
            r#"{{"agency":"customs","source_ref":"{reference}/{item_no}","record":{{"kind":"customs_declaration","declaration_ref":"{reference}","item_no":{item_no},"procedure":"{}","date":"{}","status":"{}","movement":"{}","country_of_dispatch":"{dispatch}","country_of_destination":"{destination}","control_entry":"{}","control_entry_basis":"declared","description":"Controlled goods","quantity":{{"amount":"{}","unit":"NAR"}},"statistical_value":{{"amount":"{}","currency":"GBP"}}}}}}"#,
            i.procedure, i.date, i.status, i.movement, i.entry, i.quantity, i.value
        )?;
        writeln!(
            csv,
            "{reference},{item_no},{},{},{},{},{dispatch},{destination},{},{},{}",
            i.procedure, i.date, i.status, i.movement, i.entry, i.quantity, i.value
        )?;
    }
    jsonl.flush()?;
    csv.flush()?;
    Ok((jsonl_path, csv_path))
}

const SQLITE_LOAD: &str = "
CREATE TABLE declarations(declaration_ref TEXT, item_no INTEGER, procedure TEXT, date TEXT,
  status TEXT, movement TEXT, dispatch TEXT, destination TEXT, control_entry TEXT,
  quantity INTEGER, value INTEGER, PRIMARY KEY(declaration_ref, item_no));
CREATE TABLE entries(id TEXT PRIMARY KEY, att TEXT);
CREATE INDEX declarations_by_date ON declarations(date);
";

/// The ATT report's actual-basis aggregation, as SQL.
const SQLITE_REPORT: &str = "
.mode csv
SELECT CASE d.procedure WHEN 'import' THEN 'import' ELSE 'export' END,
       e.att,
       CASE d.procedure WHEN 'import' THEN d.dispatch ELSE d.destination END,
       SUM(d.quantity), SUM(d.value)
FROM declarations d JOIN entries e ON e.id = d.control_entry
WHERE d.date BETWEEN '2026-01-01' AND '2026-12-31'
  AND d.procedure IN ('export', 're_export', 'import')
  AND d.movement <> 'temporary' AND d.status <> 'invalidated'
GROUP BY 1, 2, 3;
";

/// Writes `script` to `dir/name` and runs it with [`crate::check::sqlite`].
fn sqlite(db: &Path, script: &str, dir: &Path, name: &str) -> Result<(Duration, String)> {
    let path = dir.join(name);
    std::fs::write(&path, script)?;
    crate::check::sqlite(db, &path)
}

fn cells_of_report(report: &AttReport) -> Cells {
    let mut cells = Cells::new();
    for (flow, rows) in [("export", &report.exports), ("import", &report.imports)] {
        for row in rows {
            let value = row
                .values
                .iter()
                .find(|v| v.currency == "GBP")
                .map_or(Decimal::ZERO, |v| v.amount);
            cells.insert(
                (
                    flow.to_owned(),
                    row.category.code().to_owned(),
                    row.state.clone(),
                ),
                (row.items.unwrap_or_default(), value),
            );
        }
    }
    cells
}

fn cells_of_csv(text: &str) -> Result<Cells> {
    let mut cells = Cells::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(',').collect();
        let [flow, att, partner, items, value] = fields[..] else {
            bail!("unexpected sqlite output line `{line}`");
        };
        cells.insert(
            (flow.to_owned(), att.to_owned(), partner.to_owned()),
            (items.parse()?, value.parse()?),
        );
    }
    Ok(cells)
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

pub fn report(lines: u64) -> Result<()> {
    if lines == 0 {
        bail!("--lines must be at least 1");
    }
    let root = project_root();
    let dir = root.join(format!("target/bench/report-{lines}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;

    eprintln!("generating {lines} declaration lines ...");
    let (jsonl, csv) = generate(lines, &dir)?;

    let store_path = dir.join("bench.redb");
    let store = Store::create(&store_path, ACTOR)?;
    let list_path = root.join("fixtures/control-list/national-control-list-1.1.0.toml");
    let list = ControlList::from_toml_str(&std::fs::read_to_string(&list_path)?)
        .map_err(|e| anyhow::anyhow!("{}: {e}", list_path.display()))?;
    let entries: Vec<(String, String)> = list
        .entries
        .iter()
        .map(|e| (e.id.clone(), e.att.code().to_owned()))
        .collect();
    store.import_control_list(
        list,
        &SourceFile {
            name: list_path.display().to_string(),
            sha256: interlock_core::jsonl::sha256_file(&list_path)?,
        },
        ACTOR,
    )?;
    eprintln!("importing into interlock (not what this bench measures) ...");
    let start = Instant::now();
    let outcome = interlock_core::jsonl::import_json_lines(&store, &jsonl, ACTOR, &mut |_| {})?;
    let import_time = start.elapsed();
    if !matches!(outcome, ImportOutcome::Imported(_)) {
        bail!("the generated file was imported before");
    }

    eprintln!("building the ATT report ...");
    let settings = Settings {
        reporting_state: Some("GB".to_owned()),
        ..Settings::default()
    };
    let start = Instant::now();
    let data = store.dataset()?;
    let loaded = start.elapsed();
    let withholdings = store.withholdings()?;
    let start = Instant::now();
    let report = AttReport::build(
        &data,
        &withholdings,
        2026,
        Basis::Actual,
        &settings,
        jiff::civil::date(2027, 5, 15),
    );
    let built = start.elapsed();
    let ours = cells_of_report(&report);
    drop(data);

    let mut rows: Vec<(String, f64, String)> = vec![
        (
            "interlock import_json_lines (for reference)".to_owned(),
            seconds(import_time),
            format!(
                "store {:.0} MB",
                std::fs::metadata(&store_path)?.len() as f64 / 1e6
            ),
        ),
        (
            "interlock Store::dataset() (load current records)".to_owned(),
            seconds(loaded),
            String::new(),
        ),
        (
            "interlock AttReport::build (sum into cells)".to_owned(),
            seconds(built),
            format!("{} cells", ours.len()),
        ),
        (
            "interlock report total".to_owned(),
            seconds(loaded + built),
            String::new(),
        ),
    ];

    let have_sqlite = Command::new("sqlite3").arg("-version").output().is_ok();
    let mut verdict = String::from("sqlite3 not installed: no comparison");
    if have_sqlite {
        eprintln!("loading SQLite ...");
        let db = dir.join("bench.sqlite");
        let mut load = String::from(SQLITE_LOAD);
        load.push_str(&format!(
            ".mode csv\n.import {} declarations\n",
            csv.display()
        ));
        let entries_csv = dir.join("entries.csv");
        let mut text = String::new();
        for (id, att) in &entries {
            text.push_str(&format!("{id},{att}\n"));
        }
        std::fs::write(&entries_csv, text)?;
        load.push_str(&format!(
            ".import {} entries\nANALYZE;\n",
            entries_csv.display()
        ));
        let (load_time, _) = sqlite(&db, &load, &dir, "load.sql")?;
        rows.push((
            "sqlite3 .import + primary key + date index".to_owned(),
            seconds(load_time),
            format!("{:.0} MB", std::fs::metadata(&db)?.len() as f64 / 1e6),
        ));
        let (query_time, out) = sqlite(&db, SQLITE_REPORT, &dir, "report.sql")?;
        let theirs = cells_of_csv(&out)?;
        rows.push((
            "sqlite3 the same aggregation (GROUP BY)".to_owned(),
            seconds(query_time),
            format!("{} cells", theirs.len()),
        ));
        let ratio = seconds(loaded + built) / seconds(query_time).max(1e-9);
        verdict = if theirs == ours {
            format!(
                "both give the same {} cells; interlock / sqlite = {ratio:.2}x",
                ours.len()
            )
        } else {
            let differing = ours
                .iter()
                .filter(|(k, v)| theirs.get(*k) != Some(*v))
                .count();
            bail!(
                "interlock and sqlite disagree on {differing} of {} cells",
                ours.len()
            );
        };
    }

    println!(
        "\nATT report (actual) over {lines} generated declaration lines, release build, this machine:\n"
    );
    println!("{:<52} {:>10}  note", "what", "seconds");
    for (what, secs, note) in &rows {
        println!("{what:<52} {secs:>10.3}  {note}");
    }
    println!("\n{verdict}\ngoal: the report in under 1 s and no slower than SQLite");
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
