//! The demo's last act: the ATT annual report for 2026, compared with the scenario's golden
//! files (the XLSX read back cell by cell), and every figure of it explained by the records
//! `interlock report explain` lists, which must add up to the figure.
//! `UPDATE_GOLDEN=1 cargo xtask demo` rewrites the golden files.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use calamine::{Reader, Xlsx, open_workbook};

use crate::project_root;

/// The cover's date, fixed so the golden files do not change with the calendar.
const COVER_DATE: &str = "2027-05-15";

/// Runs `interlock ARGS` on the demo store and returns its standard output.
fn interlock(binary: &Path, store: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new(binary)
        .args(args)
        .env("INTERLOCK_STORE", store)
        .env("INTERLOCK_ACTOR", "demo")
        .current_dir(project_root())
        .output()
        .with_context(|| format!("could not run {}", binary.display()))?;
    if !output.status.success() {
        bail!(
            "`interlock {}` failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Compares `actual` with the golden file `name` in fixtures/scenario.
fn golden(name: &str, actual: &str) -> Result<()> {
    let path = project_root().join("fixtures/scenario").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual)?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&path)
        .with_context(|| format!("reading {} (UPDATE_GOLDEN=1 creates it)", path.display()))?;
    if expected != actual {
        bail!(
            "the report differs from fixtures/scenario/{name}:\n--- expected\n{expected}--- found\n{actual}"
        );
    }
    println!("report matches fixtures/scenario/{name}");
    Ok(())
}

/// Every non-empty cell of a workbook as `Sheet!A1: value`, sheet by sheet, row by row.
fn workbook_cells(path: &Path) -> Result<String> {
    let mut workbook: Xlsx<_> =
        open_workbook(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = String::new();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name)?;
        let (top, left) = range.start().unwrap_or((0, 0));
        for (row, col, value) in range.used_cells() {
            let col = left as usize + col;
            let letter = char::from(b'A' + u8::try_from(col).unwrap_or(25).min(25));
            out.push_str(&format!(
                "{name}!{letter}{}: {value}\n",
                top as usize + row + 1
            ));
        }
    }
    Ok(out)
}

fn att(binary: &Path, store: &Path, basis: &str, format: &str) -> Result<String> {
    interlock(
        binary,
        store,
        &[
            "report", "att", "--year", "2026", "--basis", basis, "--format", format, "--date",
            COVER_DATE,
        ],
    )
}

pub fn check_reports(binary: &Path, store: &Path) -> Result<()> {
    golden(
        "expected-report-2026-actual.md",
        &att(binary, store, "actual", "md")?,
    )?;
    golden(
        "expected-report-2026-authorized.md",
        &att(binary, store, "authorized", "md")?,
    )?;
    golden(
        "expected-report-2026-both.md",
        &att(binary, store, "both", "md")?,
    )?;
    let xlsx = project_root().join("target/demo/att-report-2026.xlsx");
    interlock(
        binary,
        store,
        &[
            "report",
            "att",
            "--year",
            "2026",
            "--date",
            COVER_DATE,
            "--out",
            &xlsx.display().to_string(),
        ],
    )?;
    golden(
        "expected-report-2026-actual.xlsx.txt",
        &workbook_cells(&xlsx)?,
    )?;

    // Every figure, explained: the records listed add up to it, and the explanations are
    // golden too, so a record moving between cells is seen.
    let report: serde_json::Value = serde_json::from_str(&att(binary, store, "actual", "json")?)?;
    let mut explanations = String::new();
    let mut explained = 0;
    for (table, flow) in [("exports", "export"), ("imports", "import")] {
        for row in report[table].as_array().context("report rows")? {
            let category = row["category"].as_str().context("category")?;
            let state = row["state"].as_str().context("state")?;
            let args = [
                "report",
                "explain",
                "--year",
                "2026",
                "--category",
                category,
                "--state",
                state,
                "--flow",
                flow,
            ];
            let json: serde_json::Value = serde_json::from_str(&interlock(
                binary,
                store,
                &[&args[..], &["--json"]].concat(),
            )?)?;
            let contributions = json["contributions"].as_array().context("contributions")?;
            let sum: f64 = contributions
                .iter()
                .filter_map(|c| c["items"].as_str())
                .map(|n| n.parse::<f64>().unwrap_or(f64::NAN))
                .sum();
            let items = row["items"]
                .as_str()
                .map_or(Ok(0.0), |n| n.parse::<f64>())?;
            if sum != items || contributions.len() as u64 != row["records"].as_u64().unwrap_or(0) {
                bail!(
                    "report explain {category} {state} ({flow}) lists {} records adding up to {sum}, the report says {items} from {} records",
                    contributions.len(),
                    row["records"]
                );
            }
            explanations.push_str(&format!("$ interlock {}\n", args.join(" ")));
            explanations.push_str(&interlock(binary, store, &args)?);
            explanations.push('\n');
            explained += 1;
        }
    }
    golden("expected-report-2026-explain.txt", &explanations)?;
    println!("every one of the report's {explained} figures is explained by its records");
    Ok(())
}
