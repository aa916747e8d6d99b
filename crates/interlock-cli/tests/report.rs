//! End-to-end tests of `interlock report att|explain|unroca` on a small year of licences,
//! write-offs and declarations (`tests/data/report-2026.jsonl`).
//! `UPDATE_GOLDEN=1 cargo test -p interlock-cli` rewrites the golden files.

mod support;

use std::path::Path;

use calamine::{Reader, Xlsx, open_workbook};
use support::{Workspace, crate_dir, golden};

const COVER_DATE: &str = "2027-05-15";

fn year_2026() -> Workspace {
    let workspace = Workspace::with_control_list();
    workspace.copy(
        &crate_dir().join("tests/data/report-2026.jsonl"),
        "report-2026.jsonl",
    );
    workspace.ok(&["import-records", "report-2026.jsonl"]);
    workspace.ok(&[
        "settings",
        "set",
        "--reporting-state",
        "GB",
        "--currency",
        "GBP",
        "--contact-name",
        "A. Officer",
        "--contact-organisation",
        "Export Control Joint Unit",
        "--reporting-authority",
        "Export Control Joint Unit",
    ]);
    workspace
}

fn report(workspace: &Workspace, basis: &str, format: &str) -> String {
    workspace.ok(&[
        "report", "att", "--year", "2026", "--basis", basis, "--format", format, "--date",
        COVER_DATE,
    ])
}

/// Every non-empty cell of a workbook, `Sheet!A1: value`, sheet by sheet, row by row.
fn cells(path: &Path) -> String {
    let mut workbook: Xlsx<_> = open_workbook(path).expect("the XLSX opens");
    let mut out = String::new();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).expect("sheet");
        let (top, left) = range.start().unwrap_or((0, 0));
        for (row, col, value) in range.used_cells() {
            let col = left as usize + col;
            let letter = if col < 26 {
                char::from(b'A' + col as u8).to_string()
            } else {
                format!(
                    "{}{}",
                    char::from(b'A' + (col / 26 - 1) as u8),
                    char::from(b'A' + (col % 26) as u8)
                )
            };
            out.push_str(&format!(
                "{name}!{letter}{}: {value}\n",
                top as usize + row + 1
            ));
        }
    }
    out
}

#[test]
fn the_report_in_every_format_matches_its_golden_file() {
    let workspace = year_2026();
    golden(
        "report-att-2026-actual.md",
        &report(&workspace, "actual", "md"),
    );
    golden(
        "report-att-2026-actual.csv",
        &report(&workspace, "actual", "csv"),
    );
    golden(
        "report-att-2026-actual.json",
        &report(&workspace, "actual", "json"),
    );
    golden(
        "report-att-2026-authorized.md",
        &report(&workspace, "authorized", "md"),
    );
    golden("report-att-2026-both.md", &report(&workspace, "both", "md"));

    // The workbook, read back cell by cell.
    workspace.ok(&[
        "report",
        "att",
        "--year",
        "2026",
        "--out",
        "att-2026.xlsx",
        "--date",
        COVER_DATE,
    ]);
    golden(
        "report-att-2026-actual.xlsx.txt",
        &cells(&workspace.path("att-2026.xlsx")),
    );

    golden(
        "report-unroca-2026.md",
        &workspace.ok(&["report", "unroca", "--year", "2026"]),
    );
}

#[test]
fn the_reporting_officer_is_told_what_could_not_be_placed() {
    let workspace = year_2026();
    let output = workspace.run(&["report", "att", "--year", "2026", "--format", "md"]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "not counted, needs attention: 1 record(s) could not be placed in the report"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("26GB00000000912001/1 (report-2026.jsonl:10): no control entry: it cites no licence line and HS 930190 matches 7 entries"),
        "{stderr}"
    );
    // The public file says nothing of it.
    assert!(!String::from_utf8_lossy(&output.stdout).contains("26GB00000000912001"));
}

#[test]
fn every_figure_is_explained_by_the_records_summed_into_it() {
    let workspace = year_2026();
    let report: serde_json::Value =
        serde_json::from_str(&report(&workspace, "actual", "json")).expect("json");
    let mut explained = 0;
    for (table, flow) in [("exports", "export"), ("imports", "import")] {
        for row in report[table].as_array().expect("rows") {
            let category = row["category"].as_str().expect("category");
            let state = row["state"].as_str().expect("state");
            let explanation = workspace.json(&[
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
                "--json",
            ]);
            let contributions = explanation["contributions"]
                .as_array()
                .expect("contributions");
            assert_eq!(
                contributions.len() as u64,
                row["records"].as_u64().expect("records")
            );
            let sum: f64 = contributions
                .iter()
                .filter_map(|c| c["items"].as_str())
                .map(|n| n.parse::<f64>().expect("number"))
                .sum();
            let items: f64 = row["items"]
                .as_str()
                .map_or(0.0, |n| n.parse().expect("number"));
            assert_eq!(sum, items, "{table} {category} {state}");
            explained += 1;
        }
    }
    assert_eq!(
        explained, 4,
        "CA pistols, CA ammunition, IN aircraft; AT pistols imported"
    );

    let text = workspace.ok(&[
        "report",
        "explain",
        "--year",
        "2026",
        "--category",
        "VIII.SA.1",
        "--state",
        "CA",
    ]);
    golden("report-explain-2026-VIII.SA.1-CA.txt", &text);
}

#[test]
fn withheld_records_leave_the_figures_and_the_cover_says_so() {
    let workspace = year_2026();
    let licences = workspace.ok(&[
        "query",
        "--authorization",
        "GBSIEL/2026/0000105/P",
        "--kind",
        "authorization",
        "--json",
    ]);
    let licence: serde_json::Value =
        serde_json::from_str(licences.lines().next().expect("L5")).expect("json");
    let id = licence["id"].as_str().expect("id");
    workspace.ok(&[
        "withhold",
        "add",
        id,
        "--basis",
        "national-security",
        "--reason",
        "strategic partner",
    ]);
    let output = workspace.run(&[
        "report", "att", "--year", "2026", "--format", "md", "--date", COVER_DATE,
    ]);
    assert!(output.status.success());
    let public = String::from_utf8_lossy(&output.stdout);
    assert!(public.contains("| Information withheld as commercially sensitive or for national security (Art. 13(3)) | yes |"), "{public}");
    assert!(
        !public.contains("IV.a"),
        "the aircraft shipped under the withheld licence is left out: {public}"
    );
    assert!(!public.contains("strategic partner"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("withheld (ATT Art. 13(3)), not in the figures: 1 record(s)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "licence GBSIEL/2026/0000105/P is withheld (national security): strategic partner"
        ),
        "{stderr}"
    );

    // explain says the cell holds a withheld record rather than nothing.
    let text = workspace.ok(&[
        "report",
        "explain",
        "--year",
        "2026",
        "--category",
        "IV",
        "--state",
        "IN",
    ]);
    assert!(text.contains("withheld, not counted:"), "{text}");
}

#[test]
fn bad_requests_are_refused_and_nothing_is_written() {
    let workspace = year_2026();
    let stderr = workspace.fails(&["report", "att", "--year", "2026", "--format", "xlsx"], 2);
    assert!(
        stderr.contains("an XLSX workbook is not for a terminal: give --out FILE.xlsx"),
        "{stderr}"
    );
    let stderr = workspace.fails(
        &["report", "att", "--year", "2026", "--out", "report.pdf"],
        2,
    );
    assert!(
        stderr.contains("cannot tell the format from `.pdf`"),
        "{stderr}"
    );
    assert!(!workspace.path("report.pdf").exists());
    let stderr = workspace.fails(
        &[
            "report",
            "att",
            "--year",
            "2026",
            "--out",
            "missing/dir/report.md",
        ],
        5,
    );
    assert!(stderr.contains("missing/dir/report.md"), "{stderr}");
    assert!(!workspace.path("missing").exists());
    let stderr = workspace.fails(
        &[
            "report",
            "explain",
            "--year",
            "2026",
            "--category",
            "I",
            "--state",
            "CA",
        ],
        3,
    );
    assert!(
        stderr.contains("the actual report for 2026 has no figure for I and CA"),
        "{stderr}"
    );
    let stderr = workspace.fails(
        &[
            "report",
            "explain",
            "--year",
            "2026",
            "--category",
            "IX",
            "--state",
            "CA",
        ],
        2,
    );
    assert!(stderr.contains("unknown ATT scope `IX`"), "{stderr}");
}
