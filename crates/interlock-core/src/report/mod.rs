//! The ATT annual report (Art. 13(3)) and the UN Register report, built from the store's
//! current records, with every figure traceable to the records summed into it.
//!
//! [`sources::gather`] decides which records count and how much each contributes to which
//! cell (category × counterpart State); [`AttReport::build`] adds them up into the rows of
//! the ATT Secretariat's template; [`AttReport::explain`] lists what one cell is made of.
//! Rendering (Markdown, CSV, JSON, XLSX) is in `render` and `xlsx`; nothing there decides a
//! figure.

mod render;
pub mod sources;
#[cfg(test)]
mod tests;
pub mod unroca;
mod xlsx;

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::check::Dataset;
use crate::control_list::AttScope;
use crate::model::Money;
use crate::reference::country_name;
use crate::registry::{PointOfContact, Settings};
use crate::store::Withholding;
pub use render::{comparison_csv, comparison_markdown, explanation_text};
pub use sources::{Contribution, Excluded, Sources, Unplaced, WithheldNote};
pub use xlsx::XlsxError;

/// Authorized (licences issued in the year) or actual (goods that crossed the border).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    Actual,
    Authorized,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Actual => "actual",
            Basis::Authorized => "authorized",
        }
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The report's two tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    Export,
    Import,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Export => "export",
            Flow::Import => "import",
        }
    }

    /// The template's name for the counterpart column.
    pub fn partner_heading(self) -> &'static str {
        match self {
            Flow::Export => "Final importing State",
            Flow::Import => "Exporting State",
        }
    }
}

/// The template's cover page.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cover {
    pub reporting_state: Option<String>,
    pub reporting_state_name: Option<String>,
    pub calendar_year: i16,
    pub basis: Basis,
    pub point_of_contact: PointOfContact,
    pub reporting_authority: Option<String>,
    /// The date of the report.
    pub date: Date,
    pub exports_table: bool,
    pub imports_table: bool,
    pub nil_report_exports: bool,
    pub nil_report_imports: bool,
    /// Information was withheld as commercially sensitive or for national security
    /// (Art. 13(3)).
    pub information_withheld: bool,
    pub may_be_made_public: bool,
}

/// One row of a table: a category and a counterpart State.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub category: AttScope,
    pub category_title: &'static str,
    pub state: String,
    pub state_name: String,
    /// Sum of the records counted in items; `None` when none is.
    pub items: Option<Decimal>,
    /// Sums per currency, in currency order.
    pub values: Vec<Money>,
    pub description: String,
    pub comments: String,
    /// How many records were summed.
    pub records: usize,
}

/// The ATT annual report for one year on one basis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttReport {
    pub cover: Cover,
    pub exports: Vec<Row>,
    pub imports: Vec<Row>,
    /// What the figures were built from, with what was withheld, left out or could not be
    /// placed: for the reporting officer and `explain`, not for the public file.
    #[serde(skip)]
    pub sources: Sources,
}

/// What one cell (or a category and its sub-categories) is made of.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation<'a> {
    pub year: i16,
    pub basis: Basis,
    pub category: AttScope,
    pub state: String,
    pub rows: Vec<(Flow, &'a Row)>,
    pub contributions: Vec<&'a Contribution>,
    /// Withheld records that would have counted here.
    pub withheld: Vec<&'a WithheldNote>,
}

impl AttReport {
    /// Builds the report from the current records. The cover comes from the State's
    /// `settings`; `date` is the report's date on the cover.
    pub fn build(
        data: &Dataset,
        withholdings: &[Withholding],
        year: i16,
        basis: Basis,
        settings: &Settings,
        date: Date,
    ) -> AttReport {
        let sources = sources::gather(data, withholdings, year, basis);
        let exports = rows(&sources.contributions, Flow::Export);
        let imports = rows(&sources.contributions, Flow::Import);
        let cover = Cover {
            reporting_state: settings.reporting_state.clone(),
            reporting_state_name: settings
                .reporting_state
                .as_deref()
                .and_then(country_name)
                .map(str::to_owned),
            calendar_year: year,
            basis,
            point_of_contact: settings.point_of_contact.clone(),
            reporting_authority: settings.reporting_authority.clone(),
            date,
            exports_table: !exports.is_empty(),
            imports_table: !imports.is_empty(),
            nil_report_exports: exports.is_empty(),
            nil_report_imports: imports.is_empty(),
            information_withheld: !sources.withheld.is_empty(),
            may_be_made_public: settings.public_reports,
        };
        AttReport {
            cover,
            exports,
            imports,
            sources,
        }
    }

    /// The rows and records behind `category` (and its sub-categories) for `state`, in
    /// exports and imports or only in `flow`.
    pub fn explain(&self, flow: Option<Flow>, category: &AttScope, state: &str) -> Explanation<'_> {
        let wanted = |f: Flow, scope: &AttScope, partner: &str| {
            flow.is_none_or(|flow| flow == f) && scope.is_within(category) && partner == state
        };
        let rows = [(Flow::Export, &self.exports), (Flow::Import, &self.imports)]
            .into_iter()
            .flat_map(|(f, rows)| rows.iter().map(move |row| (f, row)))
            .filter(|(f, row)| wanted(*f, &row.category, &row.state))
            .collect();
        let contributions = self
            .sources
            .contributions
            .iter()
            .filter(|c| wanted(c.flow, &c.category, &c.partner))
            .collect();
        let withheld = self
            .sources
            .withheld
            .iter()
            .filter(|w| wanted(w.flow, &w.category, &w.partner))
            .collect();
        Explanation {
            year: self.cover.calendar_year,
            basis: self.cover.basis,
            category: category.clone(),
            state: state.to_owned(),
            rows,
            contributions,
            withheld,
        }
    }

    /// The report as the public JSON file.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn to_markdown(&self) -> String {
        render::markdown(self)
    }

    pub fn to_csv(&self) -> String {
        render::csv(self)
    }

    /// The report as an XLSX workbook laid out like the Secretariat's template: a cover
    /// sheet, then the exports and imports tables with every template category.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        xlsx::workbook(self)
    }
}

/// Adds contributions up into rows, in template order.
fn rows(contributions: &[Contribution], flow: Flow) -> Vec<Row> {
    let mut cells: BTreeMap<(usize, String), Vec<&Contribution>> = BTreeMap::new();
    for c in contributions.iter().filter(|c| c.flow == flow) {
        cells
            .entry((c.category.position(), c.partner.clone()))
            .or_default()
            .push(c);
    }
    cells
        .into_values()
        .filter_map(|cell| {
            let first = cell.first()?;
            let counted: Vec<Decimal> = cell.iter().filter_map(|c| c.items).collect();
            let items = (!counted.is_empty()).then(|| counted.iter().sum::<Decimal>().normalize());
            let mut values: BTreeMap<&str, Decimal> = BTreeMap::new();
            for value in cell.iter().filter_map(|c| c.value.as_ref()) {
                *values.entry(value.currency.as_str()).or_default() += value.amount;
            }
            let without_value = cell.iter().filter(|c| c.value.is_none()).count();
            let mut descriptions: Vec<&str> = Vec::new();
            for c in &cell {
                if !descriptions.contains(&c.description.as_str()) {
                    descriptions.push(&c.description);
                }
            }
            let mut comments: Vec<String> = Vec::new();
            let mut origins: Vec<&str> = cell.iter().filter_map(|c| c.origin.as_deref()).collect();
            origins.sort_unstable();
            origins.dedup();
            if !origins.is_empty() {
                comments.push(format!("State of origin: {}", origins.join(", ")));
            }
            if without_value > 0 && without_value < cell.len() {
                comments.push(format!(
                    "value known for {} of {} shipments",
                    cell.len() - without_value,
                    cell.len()
                ));
            }
            Some(Row {
                category: first.category.clone(),
                category_title: first.category.title(),
                state: first.partner.clone(),
                state_name: country_name(&first.partner)
                    .unwrap_or(first.partner.as_str())
                    .to_owned(),
                items,
                values: values
                    .into_iter()
                    .map(|(currency, amount)| Money {
                        amount: amount.normalize(),
                        currency: currency.to_owned(),
                    })
                    .collect(),
                description: descriptions.join("; "),
                comments: comments.join("; "),
                records: cell.len(),
            })
        })
        .collect()
}

/// Authorized and actual figures side by side, for one cell.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComparedRow {
    pub flow: Flow,
    pub category: AttScope,
    pub state: String,
    pub authorized_items: Option<Decimal>,
    pub authorized_values: Vec<Money>,
    pub actual_items: Option<Decimal>,
    pub actual_values: Vec<Money>,
    /// What the difference means, if there is one.
    pub note: String,
}

/// `--basis both`: where licences were not used and where exports ran without a matching
/// licence figure.
pub fn compare(authorized: &AttReport, actual: &AttReport) -> Vec<ComparedRow> {
    type Key = (Flow, usize, String);
    let mut cells: BTreeMap<Key, (Option<&Row>, Option<&Row>)> = BTreeMap::new();
    for (report, is_actual) in [(authorized, false), (actual, true)] {
        for (flow, rows) in [
            (Flow::Export, &report.exports),
            (Flow::Import, &report.imports),
        ] {
            for row in rows {
                let cell = cells
                    .entry((flow, row.category.position(), row.state.clone()))
                    .or_default();
                if is_actual {
                    cell.1 = Some(row);
                } else {
                    cell.0 = Some(row);
                }
            }
        }
    }
    cells
        .into_iter()
        .filter_map(|((flow, _, state), (authorized, actual))| {
            let category = authorized.or(actual)?.category.clone();
            let a_items = authorized.and_then(|r| r.items);
            let x_items = actual.and_then(|r| r.items);
            let note = match (authorized, actual) {
                (Some(_), None) => "authorized in the year, nothing shipped in the year".to_owned(),
                (None, Some(_)) => {
                    "shipped in the year, no authorization issued in the year".to_owned()
                }
                _ => match (a_items, x_items) {
                    (Some(a), Some(x)) if x > a => {
                        format!("{} more shipped than authorized", render::grouped(x - a))
                    }
                    (Some(a), Some(x)) if x < a => format!(
                        "{} authorized not shipped in the year",
                        render::grouped(a - x)
                    ),
                    _ => String::new(),
                },
            };
            Some(ComparedRow {
                flow,
                category,
                state,
                authorized_items: a_items,
                authorized_values: authorized.map(|r| r.values.clone()).unwrap_or_default(),
                actual_items: x_items,
                actual_values: actual.map(|r| r.values.clone()).unwrap_or_default(),
                note,
            })
        })
        .collect()
}
