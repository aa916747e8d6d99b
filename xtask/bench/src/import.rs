//! `cargo xtask bench import --rows N` (`xtask-bench import`): how fast a customs file goes into the store,
//! beside the tool a record manager would otherwise use (sqlite3 `.import` with the same
//! indexes), with throughput, store size and peak memory (`/usr/bin/time`) for each.
//!
//! Benchmarks print numbers; they never fail on a threshold (timings flake on shared
//! machines). The data is generated deterministically, so runs compare.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::project_root;

// The generator `cargo xtask crash` uses too; see its module documentation.
#[path = "../../src/customs_file.rs"]
pub(crate) mod customs_file;

use customs_file::DeclarationItem;

/// The same facts as [`DeclarationItem::csv_line`], as a JSON Line for `import-records`.
fn json_line(item: &DeclarationItem) -> String {
    let DeclarationItem {
        declaration_ref,
        item_no,
        date,
        country,
        hs_code,
        description,
        quantity,
        value,
        licence,
    } = item;
    format!(
        r#"{{"agency":"customs","source_ref":"{declaration_ref}/{item_no}","record":{{"kind":"customs_declaration","declaration_ref":"{declaration_ref}","item_no":{item_no},"procedure":"export","customs_office":"GBLHR001","date":"{date}","country_of_destination":"{country}","hs_code":"{hs_code}","description":"{description}","quantity":{{"amount":"{quantity}","unit":"NAR"}},"value":{{"amount":"{value}","currency":"GBP"}},"attached_documents":[{{"authorization_ref":"{licence}","line_no":1}}]}}}}"#
    ) + "\n"
}

/// The customs file of `rows` items, in CSV (for sqlite3 and plugins) and JSON Lines (for
/// `import-records`).
fn generate(dir: &Path, rows: u64) -> Result<(PathBuf, PathBuf)> {
    let csv_path = dir.join(format!("customs-{rows}.csv"));
    let jsonl_path = dir.join(format!("customs-{rows}.jsonl"));
    customs_file::write_csv(&csv_path, rows)
        .with_context(|| format!("writing {}", csv_path.display()))?;
    let mut jsonl = std::io::BufWriter::new(std::fs::File::create(&jsonl_path)?);
    for n in 0..rows {
        jsonl.write_all(json_line(&DeclarationItem::numbered(n)).as_bytes())?;
    }
    jsonl.flush()?;
    Ok((csv_path, jsonl_path))
}

struct Measurement {
    name: String,
    elapsed: Duration,
    /// The input it read, for MB/s.
    input_bytes: Option<u64>,
    /// The database it wrote, for size and bytes per record.
    store_bytes: Option<u64>,
    /// Peak resident memory of the process, from `/usr/bin/time` (not for in-process runs).
    peak_rss_kb: Option<u64>,
    note: String,
}

impl Measurement {
    fn in_process(name: &str, elapsed: Duration, input_bytes: u64, note: String) -> Measurement {
        Measurement {
            name: name.to_owned(),
            elapsed,
            input_bytes: Some(input_bytes),
            store_bytes: None,
            peak_rss_kb: None,
            note,
        }
    }
}

/// Runs `command` to completion under `/usr/bin/time` (when the machine has it), for its
/// wall time and its peak resident memory.
fn timed(name: &str, command: Command) -> Result<Measurement> {
    let rss_file = std::env::temp_dir().join(format!("interlock-bench-rss-{}", std::process::id()));
    let mut command = if Path::new(TIME).exists() {
        let mut wrapped = Command::new(TIME);
        wrapped
            .args(["-f", "%M", "-o"])
            .arg(&rss_file)
            .arg(command.get_program())
            .args(command.get_args());
        wrapped
    } else {
        command
    };
    let start = Instant::now();
    let output = command
        .output()
        .with_context(|| format!("could not start {name}"))?;
    let elapsed = start.elapsed();
    if !output.status.success() {
        bail!(
            "{name} failed: {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    // GNU time writes the figure (KiB) as the file's last line.
    let peak_rss_kb = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|text| text.lines().last()?.trim().parse().ok());
    let _ = std::fs::remove_file(&rss_file);
    Ok(Measurement {
        name: name.to_owned(),
        elapsed,
        input_bytes: None,
        store_bytes: None,
        peak_rss_kb,
        note: String::new(),
    })
}

/// GNU time, which reports a process's peak resident memory (`-f %M`).
const TIME: &str = "/usr/bin/time";

/// The indexes of the SQLite side: one for each kind of lookup interlock indexes a customs
/// declaration item by (date, licence, country and year, HS code and year, procedure), so
/// that the comparison is fair (issue 9).
const SQLITE_INDEXES: &str = "CREATE INDEX by_date ON declarations(date);
CREATE INDEX by_licence ON declarations(authorization_ref);
CREATE INDEX by_country_year ON declarations(partner_country, substr(date, 1, 4));
CREATE INDEX by_hs_year ON declarations(hs_code, substr(date, 1, 4));
CREATE INDEX by_procedure ON declarations(procedure);
";

pub fn import(rows: u64) -> Result<()> {
    let root = project_root();
    crate::run(
        "cargo",
        &["build", "--quiet", "--release", "-p", "interlock-cli"],
    )?;
    let binary = root.join("target/release/interlock");
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    eprintln!("generating {rows} rows ...");
    let (csv, jsonl) = generate(&dir, rows)?;
    let csv_size = std::fs::metadata(&csv)?.len();
    let jsonl_size = std::fs::metadata(&jsonl)?.len();
    let mut results = Vec::new();

    // Full import of the JSON Lines file into a fresh store: decode, validate, index,
    // revisions, audit, one transaction.
    let store = dir.join("bench.redb");
    let _ = std::fs::remove_file(&store);
    let mut init = Command::new(&binary);
    init.args(["--store"]).arg(&store).arg("init");
    timed("init", init)?;
    let mut import = Command::new(&binary);
    import
        .arg("--store")
        .arg(&store)
        .arg("import-records")
        .arg(&jsonl);
    let mut measured = timed("interlock import-records (JSONL, full import)", import)?;
    measured.input_bytes = Some(jsonl_size);
    measured.store_bytes = std::fs::metadata(&store).map(|m| m.len()).ok();
    measured.note = format!("{:.0} MB JSONL", jsonl_size as f64 / 1e6);
    results.push(measured);

    results.extend(plugin_measurements(&binary, &dir, &csv)?);

    // What a record manager would otherwise do: sqlite3 .import plus a primary key and
    // the same indexes.
    if Command::new("sqlite3").arg("-version").output().is_ok() {
        let db = dir.join("bench.sqlite");
        let _ = std::fs::remove_file(&db);
        let script = format!(
            "CREATE TABLE declarations(declaration_ref TEXT, item_no INTEGER, procedure TEXT, customs_office TEXT, date TEXT, partner_country TEXT, hs_code TEXT, description TEXT, quantity INTEGER, unit TEXT, value INTEGER, currency TEXT, authorization_ref TEXT, line_no INTEGER, PRIMARY KEY(declaration_ref, item_no));\n.mode csv\n.import --skip 1 {} declarations\n{SQLITE_INDEXES}",
            csv.display()
        );
        let script_path = dir.join("bench.sql");
        std::fs::write(&script_path, script)?;
        let mut sqlite = Command::new("sqlite3");
        sqlite
            .arg(&db)
            .arg(format!(".read {}", script_path.display()));
        let mut measured = timed("sqlite3 .import + primary key + 5 indexes (CSV)", sqlite)?;
        measured.input_bytes = Some(csv_size);
        measured.store_bytes = std::fs::metadata(&db).map(|m| m.len()).ok();
        measured.note = format!("{:.0} MB CSV", csv_size as f64 / 1e6);
        results.push(measured);
    } else {
        eprintln!("sqlite3 not installed: skipping the SQLite comparison");
    }

    let baseline = results
        .iter()
        .find(|m| m.name.starts_with("sqlite3"))
        .map(|m| m.elapsed);
    let mut table = String::new();
    writeln!(table, "\n{rows} rows")?;
    writeln!(
        table,
        "{:<55} {:>9} {:>10} {:>8} {:>9} {:>9} {:>9} {:>9}  note",
        "what", "seconds", "rows/s", "MB/s", "vs sqlite", "store MB", "B/record", "peak MB"
    )?;
    let megabytes = |bytes: u64| bytes as f64 / 1e6;
    let or_dash = |value: Option<String>| value.unwrap_or_else(|| "-".to_owned());
    for m in &results {
        let seconds = m.elapsed.as_secs_f64();
        let ratio = baseline.map(|b| format!("{:.2}x", seconds / b.as_secs_f64()));
        let throughput = m
            .input_bytes
            .map(|bytes| format!("{:.1}", megabytes(bytes) / seconds.max(1e-9)));
        writeln!(
            table,
            "{:<55} {:>9.2} {:>10.0} {:>8} {:>9} {:>9} {:>9} {:>9}  {}",
            m.name,
            seconds,
            rows as f64 / seconds.max(1e-9),
            or_dash(throughput),
            or_dash(ratio),
            or_dash(m.store_bytes.map(|b| format!("{:.0}", megabytes(b)))),
            or_dash(
                m.store_bytes
                    .map(|b| format!("{:.0}", b as f64 / rows.max(1) as f64))
            ),
            or_dash(m.peak_rss_kb.map(|kb| format!("{:.0}", kb as f64 / 1024.0))),
            m.note
        )?;
    }
    print!("{table}");
    let plugin_store = dir.join("bench-plugin.redb");
    println!("\nwhere the bytes of {} go:", plugin_store.display());
    print!("{}", crate::layout::describe(&plugin_store)?);
    let sqlite = dir.join("bench.sqlite");
    crate::lookup::lookups(
        rows,
        &plugin_store,
        sqlite.exists().then_some(sqlite.as_path()),
        &binary,
    )
}

/// `bench translate`: the plugin's parser natively and in the sandbox, without a store.
pub fn translate(rows: u64) -> Result<()> {
    let dir = project_root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let (csv, _) = generate(&dir, rows)?;
    let component = build_component()?;
    for m in parse_measurements(&component, &csv)? {
        println!(
            "{:<52} {:>8.2} s {:>10.0} rows/s  {}",
            m.name,
            m.elapsed.as_secs_f64(),
            rows as f64 / m.elapsed.as_secs_f64(),
            m.note
        );
    }
    Ok(())
}

/// Wasm tooling lives in xtask: `cargo xtask plugins customs-csv` builds the component (it
/// does not build anything else, and is quick when nothing changed).
fn build_component() -> Result<std::path::PathBuf> {
    crate::run("cargo", &["xtask", "plugins", "customs-csv"])?;
    Ok(project_root().join("target/plugins/customs-csv.wasm"))
}

/// Parse-only (native and in the sandbox) and the full import through the plugin.
fn plugin_measurements(binary: &Path, dir: &Path, csv: &Path) -> Result<Vec<Measurement>> {
    let component = &build_component()?;
    let mut results = parse_measurements(component, csv)?;

    // Everything: plugin, validation, revisions, indexes, audit, one transaction.
    let store = dir.join("bench-plugin.redb");
    let _ = std::fs::remove_file(&store);
    let mut init = Command::new(binary);
    init.arg("--store").arg(&store).arg("init");
    timed("init", init)?;
    let mut install = Command::new(binary);
    install
        .arg("--store")
        .arg(&store)
        .args(["plugin", "install"])
        .arg(component);
    timed("install", install)?;
    let mut import = Command::new(binary);
    import
        .arg("--store")
        .arg(&store)
        .args(["import", "--plugin", "customs-csv"])
        .arg(csv);
    let mut measured = timed(
        "interlock import --plugin customs-csv (full import)",
        import,
    )?;
    measured.input_bytes = std::fs::metadata(csv).map(|m| m.len()).ok();
    measured.store_bytes = std::fs::metadata(&store).map(|m| m.len()).ok();
    results.push(measured);
    Ok(results)
}

/// The plugin's parser compiled natively, and the same code as a wasm component in the
/// sandbox with its records converted to the model, on the same file and chunking.
fn parse_measurements(component: &Path, csv: &Path) -> Result<Vec<Measurement>> {
    use interlock_pdk::Plugin;
    let mut results = Vec::new();
    // Native: the plugin's own parsing code compiled for this machine, same chunking.
    let start = Instant::now();
    let mut parser = customs_csv::CustomsCsv::default();
    let mut records = 0u64;
    let mut file = std::fs::File::open(csv)?;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = std::io::Read::read(&mut file, &mut buffer)?;
        if read == 0 {
            break;
        }
        records += parser
            .feed(&buffer[..read])
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
            .records
            .len() as u64;
    }
    records += parser
        .finish()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .records
        .len() as u64;
    let csv_size = std::fs::metadata(csv)?.len();
    results.push(Measurement::in_process(
        "native parse (plugin code, no sandbox)",
        start.elapsed(),
        csv_size,
        format!("{records} records"),
    ));

    // In the sandbox: the same code as a wasm component, records converted to the model.
    let host = interlock_host::PluginHost::new(None)?;
    let plugin = host.load(&std::fs::read(component)?, "customs-csv")?;
    let start = Instant::now();
    let mut converted = 0u64;
    let stats = host.translate(
        &plugin,
        &csv.display().to_string(),
        std::io::BufReader::new(std::fs::File::open(csv)?),
        &[],
        &interlock_host::Limits::default(),
        &mut |drafts, _| {
            converted += drafts.len() as u64;
            Ok(())
        },
        &mut |_| {},
    )?;
    results.push(Measurement::in_process(
        "parse inside the wasm plugin (+ conversion)",
        start.elapsed(),
        csv_size,
        format!("{converted} records, fuel {}", stats.fuel_used),
    ));

    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_csv_is_in_the_plugins_format_and_the_json_says_the_same() {
        assert_eq!(customs_file::CSV_HEADER.trim_end(), customs_csv::HEADER);
        let item = DeclarationItem::numbered(4);
        assert_eq!(
            item.csv_line(),
            "26GB00000000000001,2,export,GBLHR001,2026-01-05,AU,871000,Arms item 4,5,NAR,32676,GBP,GBSIEL/2026/0000004,1\n"
        );
        assert_eq!(
            json_line(&item),
            r#"{"agency":"customs","source_ref":"26GB00000000000001/2","record":{"kind":"customs_declaration","declaration_ref":"26GB00000000000001","item_no":2,"procedure":"export","customs_office":"GBLHR001","date":"2026-01-05","country_of_destination":"AU","hs_code":"871000","description":"Arms item 4","quantity":{"amount":"5","unit":"NAR"},"value":{"amount":"32676","currency":"GBP"},"attached_documents":[{"authorization_ref":"GBSIEL/2026/0000004","line_no":1}]}}"#.to_owned()
                + "\n"
        );
    }
}
