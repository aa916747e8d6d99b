//! The report to the UN Register of Conventional Arms: categories I–VII on the standardized
//! form, and small arms and light weapons on the voluntary form, from the same records and
//! the same category mapping as the ATT report on the actual basis (the Register asks for
//! transfers that took place).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use rust_decimal::Decimal;
use serde::Serialize;

use super::render::grouped;
use super::{Contribution, Flow};
use crate::reference::country_name;

/// The Register's seven categories; VIII (small arms and light weapons) goes on the
/// voluntary form.
const CATEGORIES: [(&str, &str); 7] = [
    ("I", "Battle tanks"),
    ("II", "Armoured combat vehicles"),
    ("III", "Large-calibre artillery systems"),
    ("IV", "Combat aircraft and unmanned combat aerial vehicles"),
    ("V", "Attack helicopters"),
    ("VI", "Warships"),
    ("VII", "Missiles and missile launchers (a) and MANPADS (b)"),
];

/// One line of a form.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegisterRow {
    /// `I`…`VII` on the standardized form; the ATT sub-category (`VIII.SA.4`) on the
    /// voluntary small arms and light weapons form.
    pub category: String,
    pub category_title: String,
    /// Final importer State (exports) or exporter State (imports).
    pub state: String,
    pub state_name: String,
    pub items: Option<Decimal>,
    /// State of origin, if not the exporter.
    pub origin: String,
    /// Intermediate location, if any (the records do not say; left empty).
    pub intermediate_location: String,
    pub description: String,
    pub comments: String,
}

/// The Register report for one year.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegisterReport {
    pub year: i16,
    pub reporting_state: Option<String>,
    pub exports: Vec<RegisterRow>,
    pub imports: Vec<RegisterRow>,
    pub salw_exports: Vec<RegisterRow>,
    pub salw_imports: Vec<RegisterRow>,
}

/// The Register category of an ATT scope code, and whether it is on the SALW form.
fn register_category(code: &str) -> Option<(String, String, bool)> {
    let top = code.split('.').next().unwrap_or(code);
    if let Some((roman, title)) = CATEGORIES.iter().find(|(roman, _)| *roman == top) {
        return Some(((*roman).to_owned(), (*title).to_owned(), false));
    }
    (top == "VIII").then(|| (code.to_owned(), String::new(), true))
}

impl RegisterReport {
    /// Builds the report from the contributions of the ATT report on the actual basis.
    pub fn build(
        year: i16,
        reporting_state: Option<String>,
        contributions: &[Contribution],
    ) -> RegisterReport {
        type Key = (Flow, bool, String, String);
        let mut cells: BTreeMap<Key, (String, Vec<&Contribution>)> = BTreeMap::new();
        for c in contributions {
            let Some((category, title, salw)) = register_category(c.category.code()) else {
                continue;
            };
            let title = if salw {
                c.category.title().to_owned()
            } else {
                title
            };
            cells
                .entry((c.flow, salw, category, c.partner.clone()))
                .or_insert_with(|| (title, Vec::new()))
                .1
                .push(c);
        }
        let mut report = RegisterReport {
            year,
            reporting_state,
            exports: Vec::new(),
            imports: Vec::new(),
            salw_exports: Vec::new(),
            salw_imports: Vec::new(),
        };
        for ((flow, salw, category, state), (title, cell)) in cells {
            let counted: Vec<Decimal> = cell.iter().filter_map(|c| c.items).collect();
            let origins: BTreeSet<&str> = cell.iter().filter_map(|c| c.origin.as_deref()).collect();
            let mut descriptions: Vec<&str> = Vec::new();
            for c in &cell {
                if !descriptions.contains(&c.description.as_str()) {
                    descriptions.push(&c.description);
                }
            }
            let sub_categories: BTreeSet<&str> = cell.iter().map(|c| c.category.code()).collect();
            let comments = if !salw
                && sub_categories.len() == 1
                && sub_categories.iter().any(|s| s.contains('.'))
            {
                format!(
                    "ATT sub-category {}",
                    sub_categories
                        .iter()
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                String::new()
            };
            let row = RegisterRow {
                category,
                category_title: title,
                state_name: country_name(&state).unwrap_or(&state).to_owned(),
                state,
                items: (!counted.is_empty()).then(|| counted.iter().sum::<Decimal>().normalize()),
                origin: origins.into_iter().collect::<Vec<_>>().join(", "),
                intermediate_location: String::new(),
                description: descriptions.join("; "),
                comments,
            };
            match (flow, salw) {
                (Flow::Export, false) => report.exports.push(row),
                (Flow::Import, false) => report.imports.push(row),
                (Flow::Export, true) => report.salw_exports.push(row),
                (Flow::Import, true) => report.salw_imports.push(row),
            }
        }
        report
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# United Nations Register of Conventional Arms: report for {}{}\n",
            self.year,
            self.reporting_state
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default()
        );
        let forms = [
            ("Exports, categories I–VII", Flow::Export, &self.exports),
            ("Imports, categories I–VII", Flow::Import, &self.imports),
            (
                "Exports of small arms and light weapons (voluntary)",
                Flow::Export,
                &self.salw_exports,
            ),
            (
                "Imports of small arms and light weapons (voluntary)",
                Flow::Import,
                &self.salw_imports,
            ),
        ];
        for (title, flow, rows) in forms {
            let _ = writeln!(out, "## {title}\n");
            if rows.is_empty() {
                let _ = writeln!(out, "Nil.\n");
                continue;
            }
            let partner = match flow {
                Flow::Export => "Final importer State",
                Flow::Import => "Exporter State",
            };
            let _ = writeln!(
                out,
                "| Category | {partner} | Number of items | State of origin (if not exporter) | Intermediate location (if any) | Description of item | Comments on the transfer |"
            );
            let _ = writeln!(out, "|---|---|---:|---|---|---|---|");
            for r in rows.iter() {
                let _ = writeln!(
                    out,
                    "| {} {} | {} ({}) | {} | {} | {} | {} | {} |",
                    r.category,
                    r.category_title,
                    r.state_name,
                    r.state,
                    r.items.map(grouped).unwrap_or_default(),
                    r.origin,
                    r.intermediate_location,
                    r.description.replace('|', "\\|"),
                    r.comments
                );
            }
            out.push('\n');
        }
        out
    }

    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let mut rows: Vec<Vec<String>> = vec![
            [
                "year",
                "form",
                "table",
                "category",
                "category_title",
                "state",
                "state_name",
                "items",
                "origin",
                "intermediate_location",
                "description",
                "comments",
            ]
            .map(str::to_owned)
            .to_vec(),
        ];
        for (form, flow, list) in [
            ("standard", Flow::Export, &self.exports),
            ("standard", Flow::Import, &self.imports),
            ("salw", Flow::Export, &self.salw_exports),
            ("salw", Flow::Import, &self.salw_imports),
        ] {
            for r in list.iter() {
                rows.push(vec![
                    self.year.to_string(),
                    form.to_owned(),
                    flow.as_str().to_owned(),
                    r.category.clone(),
                    r.category_title.clone(),
                    r.state.clone(),
                    r.state_name.clone(),
                    r.items.map(|n| n.to_string()).unwrap_or_default(),
                    r.origin.clone(),
                    r.intermediate_location.clone(),
                    r.description.clone(),
                    r.comments.clone(),
                ]);
            }
        }
        for row in rows {
            if let Err(error) = writer.write_record(&row) {
                tracing::error!("writing CSV into memory: {error}");
            }
        }
        String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}
