//! `cargo xtask demo`: the main job end to end on the shipped fixtures, into a fresh store
//! under target/demo, printing every command and what it said.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::gate::Stages;
use crate::project_root;

struct Demo {
    binary: PathBuf,
    store: PathBuf,
}

impl Demo {
    /// Runs `interlock ARGS` and prints the command line and its output. `expect_ok`
    /// false is for steps that show a refusal on purpose.
    fn step(&self, args: &[&str], expect_ok: bool) -> Result<()> {
        println!("\n$ interlock {}", args.join(" "));
        let output = Command::new(&self.binary)
            .args(args)
            .env("INTERLOCK_STORE", &self.store)
            .env("INTERLOCK_ACTOR", "demo")
            .current_dir(project_root())
            .output()
            .with_context(|| format!("could not run {}", self.binary.display()))?;
        print!("{}", String::from_utf8_lossy(&output.stdout));
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        if output.status.success() != expect_ok {
            bail!(
                "`interlock {}` {} unexpectedly ({})",
                args.join(" "),
                if expect_ok { "failed" } else { "succeeded" },
                output.status
            );
        }
        Ok(())
    }
}

impl Demo {
    /// The id of licence `reference`, asked of the store (xtask does not link
    /// interlock-core, which would double the time `cargo xtask` takes to compile).
    fn licence_id(&self, reference: &str) -> Result<String> {
        let args = [
            "query",
            "--kind",
            "authorization",
            "--authorization",
            reference,
            "--json",
        ];
        let output = Command::new(&self.binary)
            .args(args)
            .env("INTERLOCK_STORE", &self.store)
            .current_dir(project_root())
            .output()
            .with_context(|| format!("could not run {}", self.binary.display()))?;
        if !output.status.success() {
            bail!("`interlock {}` failed ({})", args.join(" "), output.status);
        }
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let record: serde_json::Value = serde_json::from_str(line)?;
            if record["draft"]["source_ref"] == reference
                && let Some(id) = record["id"].as_str()
            {
                return Ok(id.to_owned());
            }
        }
        bail!("no licence {reference} in the demo store")
    }
}

/// The scenario's expected findings, one `severity rule key` line each, in
/// `fixtures/scenario/expected-findings.txt` (`UPDATE_GOLDEN=1` rewrites it).
const EXPECTED_FINDINGS: &str = "fixtures/scenario/expected-findings.txt";

impl Demo {
    /// Compares what `interlock check` found with the scenario's golden list.
    fn findings_match_the_scenario(&self) -> Result<()> {
        let output = Command::new(&self.binary)
            .args(["finding", "list", "--json"])
            .env("INTERLOCK_STORE", &self.store)
            .current_dir(project_root())
            .output()
            .with_context(|| format!("could not run {}", self.binary.display()))?;
        if !output.status.success() {
            bail!("`interlock finding list --json` failed ({})", output.status);
        }
        let mut lines = Vec::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let stored: serde_json::Value = serde_json::from_str(line)?;
            let finding = &stored["finding"];
            lines.push(format!(
                "{} {} {}",
                finding["severity"].as_str().unwrap_or_default(),
                finding["rule"].as_str().unwrap_or_default(),
                finding["key"].as_str().unwrap_or_default()
            ));
        }
        lines.sort();
        let actual = lines.join("\n") + "\n";
        let path = project_root().join(EXPECTED_FINDINGS);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &actual)?;
            return Ok(());
        }
        let expected = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {EXPECTED_FINDINGS} (UPDATE_GOLDEN=1 creates it)"))?;
        if expected != actual {
            bail!(
                "the scenario's findings differ from {EXPECTED_FINDINGS}:\n--- expected\n{expected}--- found\n{actual}"
            );
        }
        println!(
            "\nfindings match {EXPECTED_FINDINGS} ({} findings)",
            lines.len()
        );
        Ok(())
    }
}

fn files_in(dir: &Path, extension: &str) -> Result<Vec<String>> {
    let mut files: Vec<String> = std::fs::read_dir(project_root().join(dir))
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .map(|path| {
            path.strip_prefix(project_root())
                .unwrap_or(&path)
                .display()
                .to_string()
        })
        .collect();
    files.sort();
    Ok(files)
}

/// `cargo xtask demo`: builds the CLI and the plugins, in stages that say what they build
/// (on a fresh clone the CLI alone takes minutes: wasmtime and cranelift), then runs the
/// scenario.
pub fn run() -> Result<()> {
    let started = Instant::now();
    let mut stages = Stages::default();
    let result = (|| {
        eprintln!(
            "interlock demo: building the CLI and the plugins first (a first build compiles \
             wasmtime and cranelift, which takes minutes)"
        );
        let binary = stages.run("building the interlock CLI", crate::plugins::build_cli)?;
        let components = stages.run("building the plugins", crate::plugins::build_all)?;
        stages.run("the demo scenario", || scenario(&binary, &components))
    })();
    stages.print_summary(started.elapsed());
    result
}

/// The demo with an `interlock` binary built beforehand: the gate passes the one
/// `cargo test --workspace` built, rather than building the CLI again.
pub fn run_with(binary: &Path) -> Result<()> {
    scenario(binary, &crate::plugins::build_all()?)
}

/// The main job end to end with `binary` and the plugin `components`, into a fresh store.
fn scenario(binary: &Path, components: &[PathBuf]) -> Result<()> {
    let root = project_root();
    let dir = root.join("target/demo");
    std::fs::create_dir_all(&dir)?;
    let store = dir.join("interlock.redb");
    if store.exists() {
        std::fs::remove_file(&store)?;
    }
    let demo = Demo {
        binary: binary.to_owned(),
        store: store.clone(),
    };
    println!("interlock demo: a fresh store at {}", store.display());

    demo.step(&["init"], true)?;
    // Who the State is and who does what, before any data arrives: imports must then name
    // a registered agency.
    demo.step(
        &[
            "settings",
            "set",
            "--reporting-state",
            "GB",
            "--currency",
            "GBP",
            "--contact-name",
            "Alex Morgan",
            "--contact-position",
            "Head of ATT Policy and Reporting",
            "--contact-organisation",
            "Export Control Joint Unit",
            "--contact-details",
            "+44 20 7946 0200, att-npc@ecju.example",
            "--reporting-authority",
            "Export Control Joint Unit",
            "--public",
            "no",
        ],
        true,
    )?;
    for agency in ["customs", "licensing", "police"] {
        let file = format!("fixtures/registry/{agency}.toml");
        demo.step(&["agency", "add", "--file", &file], true)?;
    }
    demo.step(
        &["calendar", "import", "fixtures/registry/deadlines.toml"],
        true,
    )?;
    for list in files_in(Path::new("fixtures/control-list"), "toml")? {
        demo.step(&["control-list", "import", &list], true)?;
    }
    demo.step(&["control-list", "versions"], true)?;
    demo.step(&["control-list", "classify", "--hs", "880240"], true)?;
    demo.step(&["control-list", "diff", "1.0.0", "1.1.0"], true)?;

    for component in components {
        let path = component.display().to_string();
        demo.step(&["plugin", "install", &path], true)?;
    }
    demo.step(&["plugin", "list"], true)?;
    for (plugin, dir) in crate::plugins::plugin_fixture_dirs()? {
        for input in crate::plugins::fixture_inputs(&dir)? {
            let input = input
                .strip_prefix(&root)
                .unwrap_or(&input)
                .display()
                .to_string();
            demo.step(&["import", "--plugin", &plugin, &input], true)?;
        }
    }
    for records in files_in(Path::new("fixtures/records"), "jsonl")? {
        let refused = records.contains("bad");
        demo.step(&["import-records", &records], !refused)?;
    }
    // Importing the same file again does nothing.
    if let Some(records) = files_in(Path::new("fixtures/records"), "jsonl")?
        .into_iter()
        .find(|f| !f.contains("bad"))
    {
        demo.step(&["import-records", &records], true)?;
    }
    // A seizure filed by an agency nobody registered is refused, and nothing is written.
    demo.step(
        &[
            "import-records",
            "fixtures/registry/unregistered-agency.jsonl",
        ],
        false,
    )?;
    demo.step(&["query", "--kind", "authorization"], true)?;
    // A licence's life: L7 was amended (two revisions), L8 cancelled by a status-only
    // message that kept its lines.
    let l7 = demo.licence_id("GBSIEL/2026/0000107/P")?;
    demo.step(&["show", &l7, "--history"], true)?;
    // What customs wrote off against L7: original, contra, late original, original.
    demo.step(
        &[
            "query",
            "--kind",
            "licence-usage",
            "--authorization",
            "GBSIEL/2026/0000107/P",
        ],
        true,
    )?;
    // Embargoes in force on a day, not only those that started on it.
    demo.step(
        &[
            "query",
            "--kind",
            "embargo",
            "--from",
            "2026-07-01",
            "--to",
            "2026-07-01",
        ],
        true,
    )?;
    demo.step(
        &["query", "--kind", "reported-transfer", "--country", "NO"],
        true,
    )?;
    // The reporting authority withholds L5 (combat aircraft) from the public report; the
    // licence itself and its content hash do not change.
    let l5 = demo.licence_id("GBSIEL/2026/0000105/P")?;
    demo.step(
        &[
            "withhold",
            "add",
            &l5,
            "--basis",
            "national-security",
            "--reason",
            "Combat aircraft for a strategic partner: national security (ATT Art. 13(3))",
        ],
        true,
    )?;
    demo.step(&["withhold", "list"], true)?;
    demo.step(&["query", "--serial", "HK-G36-004512"], true)?;
    // What no single agency sees: the cross-checks, and one rifle's story.
    demo.step(&["check"], true)?;
    demo.findings_match_the_scenario()?;
    demo.step(&["check"], true)?;
    demo.step(&["trace", "HK-G36-004512"], true)?;
    demo.step(
        &["query", "--category", "VIII.SA", "--from", "2026-01-01"],
        true,
    )?;
    demo.step(&["stats"], true)?;
    // Who does what, what is due when, and whether the data is ready, as of a day in April
    // of the reporting year.
    demo.step(&["agency", "list"], true)?;
    demo.step(&["roles", "--today", "2027-04-20"], true)?;
    demo.step(
        &["calendar", "--today", "2027-04-20", "--year", "2026"],
        true,
    )?;
    demo.step(
        &[
            "handbook",
            "--today",
            "2027-04-20",
            "--out",
            "target/demo/handbook.md",
        ],
        true,
    )?;
    demo.step(&["audit", "verify"], true)?;
    // The year ends in the ATT annual report: compared with the scenario's golden files,
    // every figure explained by its records, then written for the reporting officer.
    crate::demo_report::check_reports(&demo.binary, &store)?;
    demo.step(
        &["report", "att", "--year", "2026", "--basis", "both"],
        true,
    )?;
    demo.step(&["report", "unroca", "--year", "2026"], true)?;
    demo.step(
        &[
            "report",
            "att",
            "--year",
            "2026",
            "--out",
            "target/demo/att-report-2026.xlsx",
        ],
        true,
    )?;
    println!(
        "\ndemo finished: the ATT report for 2026 is target/demo/att-report-2026.xlsx; explore the store with INTERLOCK_STORE={} interlock …",
        store.display()
    );
    Ok(())
}
