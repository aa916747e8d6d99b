//! `cargo xtask bench check [--lines N] [--licences M] [--serials S]` (`xtask-bench check`): how fast the
//! interagency cross-checks run over a large store, beside the SQL a record manager would
//! otherwise write in SQLite for the same three rules; and how fast a serial is found.
//!
//! The data is generated deterministically (fixed seed): M export licences of two lines
//! each, N customs declaration items citing them, one `licence_usage` write-off per
//! licensed item, and S serial numbers spread over the licence lines. Violations of
//! `over-limit`, `unlicensed-goods` and `country-not-allowed` are planted at known places,
//! with near misses beside them (a line used exactly, an open licence used beyond its
//! quantity, uncontrolled goods without a licence, an invalidated declaration without
//! one, a destination that is the licence's second country). The bench then checks that
//! the rules find every planted violation and nothing else, and prints what differs if not.
//!
//! Benchmarks print numbers; they never fail on a threshold (the run fails only when the
//! findings differ from what was planted). Not part of `cargo xtask test`.
//!
//! **Sizes.** The defaults are the issue's items and licences (1,000,000 declaration items,
//! 100,000 licences) with 1,000,000 serials; the issue's 10,000,000 serials take a large
//! store and a long import, so ask for them with `--serials 10000000` (the serial lookup
//! does not depend on the number of items: `--lines 20000 --licences 100000 --serials
//! 10000000` measures it alone).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use interlock_core::check::{self, CheckFilter, Dataset};
use interlock_core::control_list::ControlList;
use interlock_core::model::Body;
use interlock_core::store::{ImportOutcome, Query, SourceFile, Store};

use crate::project_root;

const RULES: [&str; 3] = ["over-limit", "unlicensed-goods", "country-not-allowed"];
const COUNTRIES: [&str; 10] = ["DE", "FR", "US", "NO", "AU", "JP", "IN", "CA", "CL", "KE"];
const LINES_PER_LICENCE: u64 = 2;
const SERIAL_PREFIXES: [&str; 4] = ["HK", "SG", "CZ", "FN"];
const LOOKUPS: usize = 1000;
const WARM_UP_LOOKUPS: usize = 100;
const ACTOR: &str = "bench";

// ---------------------------------------------------------------------------------------
// The generated data
// ---------------------------------------------------------------------------------------

/// SplitMix64: a fixed-seed generator, so every run looks up the same serials.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// What declaration item `n` is.
#[derive(Clone, Copy, PartialEq)]
enum ItemKind {
    /// Cites licence `licence` line `line` and is written off against it; `wrong_country`:
    /// its destination is not on the licence (planted `country-not-allowed`).
    Licensed {
        licence: u64,
        line: u64,
        wrong_country: bool,
    },
    /// Cites no licence: controlled goods (planted `unlicensed-goods`), or near misses:
    /// uncontrolled goods, or controlled goods on an invalidated declaration.
    Unlicensed { controlled: bool, invalidated: bool },
}

struct Plan {
    lines: u64,
    licences: u64,
    serials: u64,
}

fn licence_ref(licence: u64) -> String {
    format!("GBSIEL/2026/{licence:08}")
}

fn declaration_ref(n: u64) -> (String, u64) {
    (format!("26GB{:014}", n / 2), 1 + n % 2)
}

fn date(n: u64) -> String {
    format!("2026-{:02}-{:02}", 1 + (n / 28) % 12, 1 + n % 28)
}

/// Serial `j`: on licence `j % M`, line `1 + (j / M) % 2`; already in normalized form.
fn serial(j: u64) -> String {
    format!("{}{j:010}", SERIAL_PREFIXES[(j % 4) as usize])
}

impl Plan {
    fn kind(&self, n: u64) -> ItemKind {
        if n % 97 == 13 {
            return match (n / 97) % 3 {
                0 => ItemKind::Unlicensed {
                    controlled: true,
                    invalidated: false,
                },
                1 => ItemKind::Unlicensed {
                    controlled: false,
                    invalidated: false,
                },
                _ => ItemKind::Unlicensed {
                    controlled: true,
                    invalidated: true,
                },
            };
        }
        ItemKind::Licensed {
            licence: n % self.licences,
            line: 1 + (n / self.licences) % LINES_PER_LICENCE,
            wrong_country: n % 89 == 7,
        }
    }

    fn quantity(n: u64) -> u64 {
        1 + n % 7
    }

    /// Open licences have no limits: every 59th, used beyond its lines' quantities.
    fn open(licence: u64) -> bool {
        licence % 59 == 7
    }

    /// The licence's destinations, and a country that is not one of them.
    fn countries(licence: u64) -> (&'static str, &'static str, &'static str) {
        let at = |k: u64| COUNTRIES[((licence + k) % COUNTRIES.len() as u64) as usize];
        (at(0), at(3), at(1))
    }

    /// A line's quantity limit given what is written off against it, and whether that is
    /// a planted `over-limit`.
    fn limit(licence: u64, line: u64, total: u64) -> (u64, bool) {
        let key = licence * LINES_PER_LICENCE + line - 1;
        if Plan::open(licence) {
            // Near miss: beyond the quantity, but an open licence is not limited.
            (total.saturating_sub(1), false)
        } else if key % 53 == 5 && total > 0 {
            (total - 1, true)
        } else if key % 53 == 6 {
            // Near miss: used exactly.
            (total, false)
        } else {
            (total + 10 + key % 20, false)
        }
    }
}

/// The keys of the findings the data should give, per rule.
#[derive(Default)]
struct Planted {
    keys: BTreeMap<&'static str, BTreeSet<String>>,
    near_misses: BTreeMap<&'static str, u64>,
}

impl Planted {
    fn plant(&mut self, rule: &'static str, key: String) {
        self.keys.entry(rule).or_default().insert(key);
    }

    fn near_miss(&mut self, rule: &'static str) {
        *self.near_misses.entry(rule).or_default() += 1;
    }
}

/// The file paths of one generated data set.
struct Files {
    jsonl: PathBuf,
    csv: BTreeMap<&'static str, PathBuf>,
    records: u64,
}

const TABLES: [&str; 8] = [
    "licences",
    "licence_lines",
    "licence_countries",
    "licence_serials",
    "declarations",
    "attached_documents",
    "usages",
    "control_hs",
];

fn generate(plan: &Plan, dir: &Path, control_hs: &BTreeSet<String>) -> Result<(Files, Planted)> {
    let mut planted = Planted::default();
    for rule in RULES {
        planted.keys.insert(rule, BTreeSet::new());
    }
    let jsonl_path = dir.join("records.jsonl");
    let mut jsonl = BufWriter::with_capacity(1 << 20, std::fs::File::create(&jsonl_path)?);
    let mut csv_paths = BTreeMap::new();
    let mut csv = BTreeMap::new();
    for table in TABLES {
        let path = dir.join(format!("{table}.csv"));
        csv.insert(
            table,
            BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?),
        );
        csv_paths.insert(table, path);
    }
    let mut records = 0u64;

    // What is written off per licence line decides the lines' limits.
    let mut totals = vec![0u64; (plan.licences * LINES_PER_LICENCE) as usize];
    for n in 0..plan.lines {
        if let ItemKind::Licensed { licence, line, .. } = plan.kind(n) {
            totals[(licence * LINES_PER_LICENCE + line - 1) as usize] += Plan::quantity(n);
        }
    }

    // Licences, with their serials.
    let per_line_serials = plan.serials.div_ceil(plan.licences * LINES_PER_LICENCE);
    for licence in 0..plan.licences {
        let reference = licence_ref(licence);
        let open = Plan::open(licence);
        let (a, b, _) = Plan::countries(licence);
        let mut lines = Vec::new();
        for line in 1..=LINES_PER_LICENCE {
            let total = totals[(licence * LINES_PER_LICENCE + line - 1) as usize];
            let (limit, over) = Plan::limit(licence, line, total);
            if over {
                planted.plant("over-limit", format!("{reference}/{line}"));
            } else if limit <= total && total > 0 {
                planted.near_miss("over-limit");
            }
            let mut serials = Vec::new();
            for t in 0..per_line_serials {
                let j = licence + plan.licences * (t * LINES_PER_LICENCE + line - 1);
                if j < plan.serials {
                    let s = serial(j);
                    writeln!(
                        csv.get_mut("licence_serials").context("table")?,
                        "{s},{reference},{line}"
                    )?;
                    serials.push(format!("\"{s}\""));
                }
            }
            let serials = if serials.is_empty() {
                String::new()
            } else {
                format!(r#","serial_numbers":[{}]"#, serials.join(","))
            };
            lines.push(format!(
                r#"{{"line_no":{line},"description":"Self-loading rifles, 5.56mm","control_entry":"ML1.a.2","hs_code":"930190","quantity":{{"amount":"{limit}","unit":"NAR"}}{serials}}}"#
            ));
            writeln!(
                csv.get_mut("licence_lines").context("table")?,
                "{reference},{line},{limit},NAR"
            )?;
        }
        writeln!(
            jsonl,
            r#"{{"agency":"licensing","source_ref":"{reference}","record":{{"kind":"authorization","reference":"{reference}","direction":"export","status":"issued","open":{open},"issuing_authority":"Export Control Joint Unit","issue_date":"2026-01-02","valid_from":"2026-01-02","valid_until":"2027-12-31","parties":[{{"role":"end_user","name":"Ministry of Defence {licence}","party_type":"government","country":"{a}"}}],"countries":[{{"country":"{a}","role":"destination"}},{{"country":"{b}","role":"destination"}}],"lines":[{}]}}}}"#,
            lines.join(",")
        )?;
        records += 1;
        writeln!(
            csv.get_mut("licences").context("table")?,
            "{reference},export,issued,1,{}",
            u8::from(open)
        )?;
        writeln!(
            csv.get_mut("licence_countries").context("table")?,
            "{reference},{a},destination,0"
        )?;
        writeln!(
            csv.get_mut("licence_countries").context("table")?,
            "{reference},{b},destination,0"
        )?;
    }

    // Declaration items and their write-offs.
    for n in 0..plan.lines {
        let (declaration, item) = declaration_ref(n);
        let day = date(n);
        let quantity = Plan::quantity(n);
        let (hs, description, status, destination, cited) = match plan.kind(n) {
            ItemKind::Licensed {
                licence,
                line,
                wrong_country,
            } => {
                let (a, b, other) = Plan::countries(licence);
                let reference = licence_ref(licence);
                let destination = if wrong_country {
                    planted.plant(
                        "country-not-allowed",
                        format!("{declaration}/{item}/{reference}"),
                    );
                    other
                } else if n % 2 == 1 {
                    // Near miss: the licence's second destination.
                    planted.near_miss("country-not-allowed");
                    b
                } else {
                    a
                };
                (
                    "930190",
                    "Self-loading rifles, 5.56mm",
                    "exited",
                    destination,
                    Some((reference, line)),
                )
            }
            ItemKind::Unlicensed {
                controlled,
                invalidated,
            } => {
                let destination = COUNTRIES[(n % COUNTRIES.len() as u64) as usize];
                if controlled && !invalidated {
                    planted.plant("unlicensed-goods", format!("{declaration}/{item}"));
                } else {
                    planted.near_miss("unlicensed-goods");
                }
                let status = if invalidated { "invalidated" } else { "exited" };
                if controlled {
                    (
                        "930190",
                        "Self-loading rifles, 5.56mm",
                        status,
                        destination,
                        None,
                    )
                } else {
                    (
                        "940360",
                        "Wooden office furniture",
                        status,
                        destination,
                        None,
                    )
                }
            }
        };
        let documents = match &cited {
            Some((reference, line)) => format!(
                r#","attached_documents":[{{"code":"LIC","authorization_ref":"{reference}","line_no":{line}}}]"#
            ),
            None => String::new(),
        };
        writeln!(
            jsonl,
            r#"{{"agency":"customs","source_ref":"{declaration}/{item}","record":{{"kind":"customs_declaration","declaration_ref":"{declaration}","item_no":{item},"procedure":"export","customs_office":"GBLHR001","date":"{day}","status":"{status}","country_of_destination":"{destination}","hs_code":"{hs}","description":"{description}","quantity":{{"amount":"{quantity}","unit":"NAR"}}{documents}}}}}"#
        )?;
        records += 1;
        writeln!(
            csv.get_mut("declarations").context("table")?,
            "{declaration},{item},export,{day},{status},{destination},{hs},{quantity}"
        )?;
        if let Some((reference, line)) = cited {
            writeln!(
                jsonl,
                r#"{{"agency":"customs","source_ref":"{declaration}/{item}/{reference}/{line}","record":{{"kind":"licence_usage","authorization_ref":"{reference}","line_no":{line},"declaration_ref":"{declaration}","declaration_part":"{item}","usage_type":"original","date":"{day}","quantity":"{quantity}","sequence":{n}}}}}"#
            )?;
            records += 1;
            writeln!(
                csv.get_mut("attached_documents").context("table")?,
                "{declaration},{item},{reference},{line}"
            )?;
            writeln!(
                csv.get_mut("usages").context("table")?,
                "{reference},{line},{declaration},{item},original,{day},{quantity}"
            )?;
        }
    }
    for hs in control_hs {
        writeln!(csv.get_mut("control_hs").context("table")?, "{hs}")?;
    }
    jsonl.flush()?;
    for writer in csv.values_mut() {
        writer.flush()?;
    }
    Ok((
        Files {
            jsonl: jsonl_path,
            csv: csv_paths,
            records,
        },
        planted,
    ))
}

// ---------------------------------------------------------------------------------------
// SQLite: the natural tables, indexes and joins
// ---------------------------------------------------------------------------------------

const SQLITE_SCHEMA: &str = "
CREATE TABLE licences(ref TEXT PRIMARY KEY, direction TEXT, status TEXT, issued INTEGER, open INTEGER);
CREATE TABLE licence_lines(ref TEXT, line_no INTEGER, quantity INTEGER, unit TEXT, PRIMARY KEY(ref, line_no));
CREATE TABLE licence_countries(ref TEXT, country TEXT, role TEXT, prohibited INTEGER);
CREATE TABLE licence_serials(serial TEXT PRIMARY KEY, ref TEXT, line_no INTEGER);
CREATE TABLE declarations(declaration_ref TEXT, item_no INTEGER, procedure TEXT, date TEXT, status TEXT, destination TEXT, hs_code TEXT, quantity INTEGER, PRIMARY KEY(declaration_ref, item_no));
CREATE TABLE attached_documents(declaration_ref TEXT, item_no INTEGER, authorization_ref TEXT, line_no INTEGER);
CREATE TABLE usages(authorization_ref TEXT, line_no INTEGER, declaration_ref TEXT, declaration_part INTEGER, usage_type TEXT, date TEXT, quantity INTEGER);
CREATE TABLE control_hs(hs TEXT PRIMARY KEY);
";

const SQLITE_INDEXES: &str = "
CREATE INDEX licence_countries_by_ref ON licence_countries(ref, role, country);
CREATE INDEX attached_by_item ON attached_documents(declaration_ref, item_no);
CREATE INDEX usages_by_line ON usages(authorization_ref, line_no);
CREATE INDEX usages_by_declaration ON usages(declaration_ref, declaration_part);
ANALYZE;
";

/// Lines written off beyond their quantity (`original`/`late_original` summed; the
/// generator writes no adjustments or contras), on licences that are not open.
const SQL_OVER_LIMIT: &str = "
SELECT count(*) FROM (
  SELECT l.ref, l.line_no
  FROM licence_lines l
  JOIN licences a ON a.ref = l.ref AND a.open = 0
  JOIN usages u ON u.authorization_ref = l.ref AND u.line_no = l.line_no
  WHERE u.usage_type IN ('original', 'late_original')
  GROUP BY l.ref, l.line_no
  HAVING sum(u.quantity) > l.quantity
);";

/// Items not invalidated whose HS code maps to the control list (either is a prefix of
/// the other) citing no licence that exists with the right direction and was issued, and
/// no licence the store does not know either (that is `unknown-licence`'s).
const SQL_UNLICENSED: &str = "
SELECT count(*) FROM declarations d
WHERE d.procedure IN ('export', 're_export', 'import') AND d.status <> 'invalidated'
  AND (substr(d.hs_code, 1, 4) IN (SELECT hs FROM control_hs)
       OR substr(d.hs_code, 1, 6) IN (SELECT hs FROM control_hs)
       OR d.hs_code IN (SELECT substr(hs, 1, 4) FROM control_hs))
  AND NOT EXISTS (
    SELECT 1 FROM attached_documents a LEFT JOIN licences l ON l.ref = a.authorization_ref
    WHERE a.declaration_ref = d.declaration_ref AND a.item_no = d.item_no
      AND (l.ref IS NULL OR (l.issued = 1 AND l.direction = CASE d.procedure WHEN 'import' THEN 'import' ELSE 'export' END)))
  AND NOT EXISTS (
    SELECT 1 FROM usages u LEFT JOIN licences l ON l.ref = u.authorization_ref
    WHERE u.declaration_ref = d.declaration_ref AND (u.declaration_part = '' OR u.declaration_part = d.item_no)
      AND (l.ref IS NULL OR (l.issued = 1 AND l.direction = CASE d.procedure WHEN 'import' THEN 'import' ELSE 'export' END)));";

/// (item, cited licence) pairs, the licence cited by an attached document or a write-off,
/// whose destination the licence prohibits or does not name among the destinations it
/// allows (the generator puts no parties, groups, origins or dispatch countries on items).
const SQL_COUNTRY: &str = "
SELECT count(*) FROM (
  SELECT declaration_ref, item_no, authorization_ref FROM attached_documents
  UNION
  SELECT declaration_ref, declaration_part, authorization_ref FROM usages
) c
JOIN declarations d ON d.declaration_ref = c.declaration_ref AND d.item_no = c.item_no
JOIN licences l ON l.ref = c.authorization_ref
WHERE d.procedure IN ('export', 're_export') AND d.status <> 'invalidated'
  AND l.issued = 1 AND l.direction = 'export' AND d.destination <> ''
  AND (EXISTS (SELECT 1 FROM licence_countries x WHERE x.ref = l.ref AND x.role = 'destination'
               AND x.prohibited = 1 AND x.country = d.destination)
       OR (EXISTS (SELECT 1 FROM licence_countries x WHERE x.ref = l.ref AND x.role = 'destination'
                   AND x.prohibited = 0)
           AND NOT EXISTS (SELECT 1 FROM licence_countries x WHERE x.ref = l.ref
                           AND x.role = 'destination' AND x.prohibited = 0
                           AND x.country = d.destination)));";

/// Runs `sqlite3 db` on `script` (a file), returning the time and what it printed.
pub(crate) fn sqlite(db: &Path, script: &Path) -> Result<(Duration, String)> {
    let start = Instant::now();
    let output = Command::new("sqlite3")
        .arg(db)
        .arg(format!(".read {}", script.display()))
        .output()
        .context("could not start sqlite3")?;
    let elapsed = start.elapsed();
    if !output.status.success() || !output.stderr.is_empty() {
        bail!(
            "sqlite3 failed: {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    Ok((
        elapsed,
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}

// ---------------------------------------------------------------------------------------
// The bench
// ---------------------------------------------------------------------------------------

struct Row {
    name: String,
    elapsed: Duration,
    /// What rows/s counts, if anything.
    rows: Option<u64>,
    /// The SQLite row this one compares with.
    versus: Option<&'static str>,
    note: String,
}

fn row(name: &str, elapsed: Duration, rows: Option<u64>, versus: Option<&'static str>) -> Row {
    Row {
        name: name.to_owned(),
        elapsed,
        rows,
        versus,
        note: String::new(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

pub fn check(lines: u64, licences: u64, serials: u64) -> Result<()> {
    if licences == 0 || lines == 0 {
        bail!("--lines and --licences must be at least 1");
    }
    let plan = Plan {
        lines,
        licences,
        serials,
    };
    let root = project_root();
    let dir = root.join(format!("target/bench/check-{lines}-{licences}-{serials}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut rows: Vec<Row> = Vec::new();

    // A fresh store with the fixture control lists.
    let store_path = dir.join("bench.redb");
    let store = Store::create(&store_path, ACTOR)?;
    let mut lists: Vec<PathBuf> = std::fs::read_dir(root.join("fixtures/control-list"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    lists.sort();
    for path in &lists {
        let text = std::fs::read_to_string(path)?;
        let list = ControlList::from_toml_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let source = SourceFile {
            name: path.display().to_string(),
            sha256: interlock_core::jsonl::sha256_file(path)?,
        };
        store.import_control_list(list, &source, ACTOR)?;
    }
    // The generated items are all dated 2026, when the newest list is in force: SQLite
    // gets its HS codes.
    let control_lists = store.control_lists()?;
    let newest = control_lists
        .versions
        .iter()
        .max_by_key(|l| l.valid_from)
        .context("no control list in fixtures/control-list")?;
    let control_hs: BTreeSet<String> = newest
        .entries
        .iter()
        .flat_map(|e| e.hs.iter().cloned())
        .collect();

    eprintln!("generating {licences} licences, {lines} declaration items, {serials} serials ...");
    let start = Instant::now();
    let (files, planted) = generate(&plan, &dir, &control_hs)?;
    let mut generated = row(
        "generate JSONL + CSV",
        start.elapsed(),
        Some(files.records),
        None,
    );
    generated.note = format!(
        "{:.0} MB JSONL",
        std::fs::metadata(&files.jsonl)?.len() as f64 / 1e6
    );
    rows.push(generated);
    let records = files.records;

    eprintln!("importing {records} records into interlock ...");
    let start = Instant::now();
    let outcome =
        interlock_core::jsonl::import_json_lines(&store, &files.jsonl, ACTOR, &mut |_| {})?;
    let elapsed = start.elapsed();
    let ImportOutcome::Imported(summary) = outcome else {
        bail!("the generated file was imported before");
    };
    if summary.records != records {
        bail!("imported {} records, generated {records}", summary.records);
    }
    let mut imported = row(
        "interlock import_json_lines (one transaction)",
        elapsed,
        Some(records),
        Some("sqlite load"),
    );
    imported.note = format!(
        "store {:.0} MB, {} warnings",
        std::fs::metadata(&store_path)?.len() as f64 / 1e6,
        summary.warnings.len()
    );
    rows.push(imported);

    eprintln!("loading the dataset ...");
    let start = Instant::now();
    let data: Dataset = store.dataset()?;
    rows.push(row(
        "Store::dataset() (load every record)",
        start.elapsed(),
        Some(records),
        None,
    ));

    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut check_total = Duration::ZERO;
    for rule in RULES {
        eprintln!("running {rule} ...");
        let filter = CheckFilter {
            rules: vec![rule.to_owned()],
            ..CheckFilter::default()
        };
        let start = Instant::now();
        let findings = check::run(&data, &filter);
        let elapsed = start.elapsed();
        check_total += elapsed;
        for f in findings {
            found.entry(f.rule).or_default().insert(f.key);
        }
        let mut measured = row(
            &format!("check::run {rule}"),
            elapsed,
            Some(records),
            Some(match rule {
                "over-limit" => "sqlite over-limit",
                "unlicensed-goods" => "sqlite unlicensed-goods",
                _ => "sqlite country-not-allowed",
            }),
        );
        measured.note = format!("{} findings", found.get(rule).map_or(0, BTreeSet::len));
        rows.push(measured);
    }
    let load = rows
        .iter()
        .find(|r| r.name.starts_with("Store::dataset"))
        .map_or(Duration::ZERO, |r| r.elapsed);
    let mut total = row(
        "interlock check: dataset() + the 3 rules",
        load + check_total,
        Some(records),
        Some("sqlite 3 queries"),
    );
    total.note = "rules run one per check::run call".to_owned();
    rows.push(total);
    drop(data);

    // SQLite: the same data, natural tables, the same three checks as joins.
    let mut sqlite_counts: BTreeMap<&str, String> = BTreeMap::new();
    let have_sqlite = Command::new("sqlite3").arg("-version").output().is_ok();
    if have_sqlite {
        eprintln!("loading SQLite ...");
        let db = dir.join("bench.sqlite");
        let mut script = String::from(SQLITE_SCHEMA);
        script.push_str(".mode csv\n");
        for table in TABLES {
            writeln!(script, ".import {} {table}", files.csv[table].display())?;
        }
        script.push_str(SQLITE_INDEXES);
        let load_script = dir.join("load.sql");
        std::fs::write(&load_script, script)?;
        let (elapsed, _) = sqlite(&db, &load_script)?;
        let mut loaded = row("sqlite load", elapsed, Some(records), None);
        loaded.note = format!(
            "sqlite3 .import of {} tables + indexes + ANALYZE, {:.0} MB",
            TABLES.len(),
            std::fs::metadata(&db)?.len() as f64 / 1e6
        );
        rows.push(loaded);
        let mut query_total = Duration::ZERO;
        for (rule, sql) in [
            ("over-limit", SQL_OVER_LIMIT),
            ("unlicensed-goods", SQL_UNLICENSED),
            ("country-not-allowed", SQL_COUNTRY),
        ] {
            eprintln!("sqlite {rule} ...");
            let path = dir.join(format!("{rule}.sql"));
            std::fs::write(&path, sql)?;
            let (elapsed, out) = sqlite(&db, &path)?;
            query_total += elapsed;
            let count = out.trim().to_owned();
            let mut measured = row(&format!("sqlite {rule}"), elapsed, Some(records), None);
            measured.note = format!("{count} rows");
            sqlite_counts.insert(rule, count);
            rows.push(measured);
        }
        rows.push(row("sqlite 3 queries", query_total, Some(records), None));
    } else {
        eprintln!("sqlite3 not installed: skipping the SQLite comparison");
    }

    // Lookup by serial, in-process.
    let mut lookup_report = String::new();
    if serials > 0 {
        eprintln!("looking up {LOOKUPS} serials ...");
        let mut rng = SplitMix(0x1A7E_10C4);
        let mut times = Vec::with_capacity(LOOKUPS);
        for i in 0..WARM_UP_LOOKUPS + LOOKUPS {
            let j = rng.next() % serials;
            let wanted = serial(j);
            let start = Instant::now();
            let hits = store.query(&Query {
                serial: Some(wanted.clone()),
                ..Query::default()
            })?;
            let elapsed = start.elapsed();
            let expected = licence_ref(j % licences);
            let ok = hits.len() == 1
                && matches!(&hits[0].draft.record, Body::Authorization(a) if a.reference == expected);
            if !ok {
                bail!(
                    "serial {wanted}: expected licence {expected}, found {} records",
                    hits.len()
                );
            }
            if i >= WARM_UP_LOOKUPS {
                times.push(elapsed);
            }
        }
        times.sort();
        let per_licence = serials.div_ceil(licences);
        writeln!(
            lookup_report,
            "\nStore::query(serial) over {serials} serials (about {per_licence} per licence record), {LOOKUPS} random serials after {WARM_UP_LOOKUPS} warm-up lookups:\n  p50 {:.1} µs, p95 {:.1} µs, max {:.1} µs (issue target: p50 ≤ 20 µs over 10,000,000 items)",
            micros(percentile(&times, 0.5)),
            micros(percentile(&times, 0.95)),
            micros(times[times.len() - 1]),
        )?;
        // Every query starts by reading the control lists: what that costs on its own.
        let mut list_times = Vec::with_capacity(LOOKUPS);
        for _ in 0..LOOKUPS {
            let start = Instant::now();
            std::hint::black_box(store.control_lists()?);
            list_times.push(start.elapsed());
        }
        list_times.sort();
        writeln!(
            lookup_report,
            "  for comparison, decoding every control list version (Store::control_lists(), which queries no longer do per call): p50 {:.1} µs",
            micros(percentile(&list_times, 0.5)),
        )?;
        if serials < 10_000_000 {
            writeln!(
                lookup_report,
                "  (fewer serials than the issue's 10,000,000 to keep the run short: add --serials 10000000)"
            )?;
        }
        if have_sqlite {
            let mut rng = SplitMix(0x1A7E_10C4);
            let mut script = String::new();
            for _ in 0..WARM_UP_LOOKUPS + LOOKUPS {
                let j = rng.next() % serials;
                writeln!(
                    script,
                    "SELECT ref FROM licence_serials WHERE serial = '{}';",
                    serial(j)
                )?;
            }
            let path = dir.join("lookups.sql");
            std::fs::write(&path, script)?;
            let (elapsed, out) = sqlite(&dir.join("bench.sqlite"), &path)?;
            let answered = out.lines().count();
            writeln!(
                lookup_report,
                "  sqlite3: {} lookups in one process (start-up included): {:.1} µs each on average ({answered} answered)",
                WARM_UP_LOOKUPS + LOOKUPS,
                micros(elapsed) / (WARM_UP_LOOKUPS + LOOKUPS) as f64,
            )?;
        }
    }

    // The table.
    let mut table = String::new();
    writeln!(
        table,
        "\n{licences} licences ({LINES_PER_LICENCE} lines each), {lines} declaration items, {} write-offs, {serials} serials: {records} records",
        records - licences - lines
    )?;
    writeln!(
        table,
        "{:<48} {:>10} {:>12} {:>10}  note",
        "what", "seconds", "rows/s", "vs sqlite"
    )?;
    for r in &rows {
        let seconds = r.elapsed.as_secs_f64();
        let ratio = r
            .versus
            .and_then(|name| rows.iter().find(|b| b.name == name))
            .map(|b| format!("{:.2}x", seconds / b.elapsed.as_secs_f64().max(1e-9)))
            .unwrap_or_else(|| "-".to_owned());
        let rate = r
            .rows
            .map(|n| format!("{:.0}", n as f64 / seconds.max(1e-9)))
            .unwrap_or_default();
        writeln!(
            table,
            "{:<48} {:>10.3} {:>12} {:>10}  {}",
            r.name, seconds, rate, ratio, r.note
        )?;
    }
    writeln!(table, "(rows/s: records in the store per second)")?;

    // Findings against what was planted.
    writeln!(
        table,
        "\n{:<22} {:>8} {:>10} {:>8} {:>12}",
        "rule", "planted", "interlock", "sqlite", "near misses"
    )?;
    let mut differences = Vec::new();
    for rule in RULES {
        let want = &planted.keys[rule];
        let empty = BTreeSet::new();
        let got = found.get(rule).unwrap_or(&empty);
        writeln!(
            table,
            "{:<22} {:>8} {:>10} {:>8} {:>12}",
            rule,
            want.len(),
            got.len(),
            sqlite_counts.get(rule).map_or("-", String::as_str),
            planted.near_misses.get(rule).copied().unwrap_or(0),
        )?;
        let missing: Vec<&String> = want.difference(got).collect();
        let extra: Vec<&String> = got.difference(want).collect();
        if !missing.is_empty() {
            differences.push(format!(
                "{rule}: {} planted not found, e.g. {:?}",
                missing.len(),
                &missing[..missing.len().min(5)]
            ));
        }
        if !extra.is_empty() {
            differences.push(format!(
                "{rule}: {} found but not planted, e.g. {:?}",
                extra.len(),
                &extra[..extra.len().min(5)]
            ));
        }
        if let Some(count) = sqlite_counts.get(rule)
            && count.parse::<usize>().ok() != Some(want.len())
        {
            differences.push(format!(
                "{rule}: sqlite counts {count}, {} planted",
                want.len()
            ));
        }
    }
    if differences.is_empty() {
        writeln!(table, "every planted violation found and nothing else")?;
    } else {
        for d in &differences {
            writeln!(table, "DIFFERS: {d}")?;
        }
    }
    table.push_str(&lookup_report);
    print!("{table}");

    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    if !differences.is_empty() {
        bail!("the findings differ from what was planted");
    }
    Ok(())
}
