//! Text renderings of the reports: Markdown for a quick look, CSV for machines, and the
//! plain-text explanation of a cell. No figure is decided here.

use std::fmt::Write;

use rust_decimal::Decimal;

use super::{AttReport, ComparedRow, Explanation, Flow, Row};
use crate::control_list::AttScope;
use crate::model::Money;

/// `30000000` → `30,000,000`; decimals are kept (`1234.5` → `1,234.5`).
pub(crate) fn grouped(n: Decimal) -> String {
    let text = n.normalize().to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match fraction {
        Some(fraction) => format!("{sign}{out}.{fraction}"),
        None => format!("{sign}{out}"),
    }
}

/// `GBP 30,000,000; EUR 5,000`, or empty.
pub(crate) fn values_text(values: &[Money]) -> String {
    values
        .iter()
        .map(|v| format!("{} {}", v.currency, grouped(v.amount)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// How a category is named in a table: `VIII.SA.1 Revolvers and self-loading pistols`;
/// ammunition and parts are the template's voluntary national categories and have no
/// treaty code a reader would know.
pub(crate) fn category_label(scope: &AttScope) -> String {
    if scope.is_article_2_category() {
        format!("{} {}", scope.code(), scope.title())
    } else {
        format!("{} (voluntary national category)", scope.title())
    }
}

fn items_text(items: Option<Decimal>) -> String {
    items.map(grouped).unwrap_or_default()
}

/// Markdown cells may not contain `|` or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

pub(crate) fn markdown(report: &AttReport) -> String {
    let c = &report.cover;
    let mut out = String::new();
    let state = match (&c.reporting_state_name, &c.reporting_state) {
        (Some(name), Some(code)) => format!("{name} ({code})"),
        (None, Some(code)) => code.clone(),
        _ => "(not set: `interlock settings set --reporting-state CC`)".to_owned(),
    };
    let _ = writeln!(
        out,
        "# Arms Trade Treaty annual report {}: exports and imports of conventional arms\n",
        c.calendar_year
    );
    let _ = writeln!(out, "| Cover | |\n|---|---|");
    let _ = writeln!(out, "| Reporting State | {} |", cell(&state));
    let _ = writeln!(
        out,
        "| Calendar year | {} (1 January – 31 December) |",
        c.calendar_year
    );
    let _ = writeln!(out, "| Basis | {} |", c.basis);
    let contact = &c.point_of_contact;
    let contact = [
        &contact.name,
        &contact.position,
        &contact.organisation,
        &contact.contact_details,
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .collect::<Vec<_>>()
    .join(", ");
    if !contact.is_empty() {
        let _ = writeln!(out, "| National point of contact | {} |", cell(&contact));
    }
    if let Some(authority) = &c.reporting_authority {
        let _ = writeln!(out, "| Reporting authority | {} |", cell(authority));
    }
    let _ = writeln!(out, "| Date | {} |", c.date);
    let _ = writeln!(out, "| Exports table | {} |", yes_no(c.exports_table));
    let _ = writeln!(out, "| Imports table | {} |", yes_no(c.imports_table));
    let _ = writeln!(
        out,
        "| Nil report, exports | {} |",
        yes_no(c.nil_report_exports)
    );
    let _ = writeln!(
        out,
        "| Nil report, imports | {} |",
        yes_no(c.nil_report_imports)
    );
    let _ = writeln!(
        out,
        "| Information withheld as commercially sensitive or for national security (Art. 13(3)) | {} |",
        yes_no(c.information_withheld)
    );
    let _ = writeln!(
        out,
        "| The report may be made public | {} |",
        yes_no(c.may_be_made_public)
    );
    for (flow, title, rows) in [
        (Flow::Export, "Exports", &report.exports),
        (Flow::Import, "Imports", &report.imports),
    ] {
        let _ = writeln!(out, "\n## {title} ({})\n", c.basis);
        if rows.is_empty() {
            let _ = writeln!(out, "Nil report.");
            continue;
        }
        let _ = writeln!(
            out,
            "| Category | {} | Number of items | Value | Description of item | Comments on the transfer |",
            flow.partner_heading()
        );
        let _ = writeln!(out, "|---|---|---:|---:|---|---|");
        for row in rows.iter() {
            let _ = writeln!(
                out,
                "| {} | {} ({}) | {} | {} | {} | {} |",
                category_label(&row.category),
                cell(&row.state_name),
                row.state,
                items_text(row.items),
                values_text(&row.values),
                cell(&row.description),
                cell(&row.comments)
            );
        }
    }
    out
}

/// Amounts and currencies of a value, each `;`-separated in the same order when a cell
/// holds more than one currency.
fn csv_values(values: &[Money]) -> (String, String) {
    let amounts = values
        .iter()
        .map(|v| v.amount.normalize().to_string())
        .collect::<Vec<_>>()
        .join(";");
    let currencies = values
        .iter()
        .map(|v| v.currency.clone())
        .collect::<Vec<_>>()
        .join(";");
    (amounts, currencies)
}

/// A CSV writer into memory; writing to a `Vec` cannot fail, so errors are not expected.
struct CsvOut(csv::Writer<Vec<u8>>);

impl CsvOut {
    fn new() -> CsvOut {
        CsvOut(csv::Writer::from_writer(Vec::new()))
    }

    fn row(&mut self, fields: &[&str]) {
        if let Err(error) = self.0.write_record(fields) {
            tracing::error!("writing CSV into memory: {error}");
        }
    }

    fn finish(self) -> String {
        let bytes = self.0.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

pub(crate) fn csv(report: &AttReport) -> String {
    let mut out = CsvOut::new();
    out.row(&[
        "year",
        "basis",
        "table",
        "category",
        "category_title",
        "state",
        "state_name",
        "items",
        "value",
        "currency",
        "description",
        "comments",
    ]);
    let year = report.cover.calendar_year.to_string();
    for (flow, rows) in [
        (Flow::Export, &report.exports),
        (Flow::Import, &report.imports),
    ] {
        for row in rows.iter() {
            let (value, currency) = csv_values(&row.values);
            out.row(&[
                &year,
                report.cover.basis.as_str(),
                flow.as_str(),
                row.category.code(),
                row.category_title,
                &row.state,
                &row.state_name,
                &row.items.map(|n| n.to_string()).unwrap_or_default(),
                &value,
                &currency,
                &row.description,
                &row.comments,
            ]);
        }
    }
    out.finish()
}

fn row_summary(row: &Row) -> String {
    let mut parts = Vec::new();
    if let Some(items) = row.items {
        parts.push(format!("{} items", grouped(items)));
    }
    if !row.values.is_empty() {
        parts.push(values_text(&row.values));
    }
    if parts.is_empty() {
        parts.push("no figure".to_owned());
    }
    format!("{} from {} records", parts.join(", "), row.records)
}

/// The explanation of a cell, for the terminal.
pub fn explanation_text(explanation: &Explanation<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}, {} {}, partner {}:",
        explanation.basis,
        explanation.year,
        explanation.category.code(),
        explanation.category.title(),
        explanation.state
    );
    if explanation.rows.is_empty() {
        let _ = writeln!(out, "  no figure in the report");
    }
    for (flow, row) in &explanation.rows {
        let _ = writeln!(
            out,
            "  {} {} {}: {}",
            flow.as_str(),
            row.category.code(),
            row.state,
            row_summary(row)
        );
    }
    for (n, c) in explanation.contributions.iter().enumerate() {
        let amount = [
            c.items.map(|i| format!("{} items", grouped(i))),
            c.value
                .as_ref()
                .map(|v| format!("{} {}", v.currency, grouped(v.amount))),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        let record = &c.record;
        let location = match record.line {
            Some(line) => format!("{}:{line}", record.source_file),
            None => record.source_file.clone(),
        };
        let _ = writeln!(
            out,
            "\n{}. {} {} {}: {}",
            n + 1,
            c.flow.as_str(),
            c.category.code(),
            c.partner,
            if amount.is_empty() {
                "no figure".to_owned()
            } else {
                amount
            }
        );
        let _ = writeln!(
            out,
            "   record {} ({} {}, {} revision {}) from {location}",
            &record.record.to_hex()[..8],
            record.agency,
            record.kind.as_str(),
            record.source_ref,
            record.revision
        );
        let _ = writeln!(out, "   {} on {}: {}", c.description, c.date, c.how);
        for s in &c.supporting {
            let location = match s.line {
                Some(line) => format!("{}:{line}", s.source_file),
                None => s.source_file.clone(),
            };
            let _ = writeln!(
                out,
                "   also {} {} ({} {}) from {location}",
                s.role,
                &s.record.to_hex()[..8],
                s.agency,
                s.source_ref
            );
        }
    }
    for w in &explanation.withheld {
        let _ = writeln!(
            out,
            "\nwithheld, not counted: record {} ({} {}) {} ({}): {}",
            &w.record.record.to_hex()[..8],
            w.record.kind.as_str(),
            w.record.source_ref,
            w.what,
            w.basis,
            w.reason
        );
    }
    out
}

/// `--basis both` as Markdown.
pub fn comparison_markdown(year: i16, rows: &[ComparedRow]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Arms Trade Treaty annual report {year}: authorized and actual side by side\n"
    );
    for (flow, title) in [(Flow::Export, "Exports"), (Flow::Import, "Imports")] {
        let _ = writeln!(out, "## {title}\n");
        let rows: Vec<&ComparedRow> = rows.iter().filter(|r| r.flow == flow).collect();
        if rows.is_empty() {
            let _ = writeln!(out, "Nil.\n");
            continue;
        }
        let _ = writeln!(
            out,
            "| Category | {} | Authorized items | Authorized value | Actual items | Actual value | Note |",
            flow.partner_heading()
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---|");
        for r in rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                category_label(&r.category),
                r.state,
                items_text(r.authorized_items),
                values_text(&r.authorized_values),
                items_text(r.actual_items),
                values_text(&r.actual_values),
                r.note
            );
        }
        out.push('\n');
    }
    out
}

/// `--basis both` as CSV.
pub fn comparison_csv(year: i16, rows: &[ComparedRow]) -> String {
    let mut out = CsvOut::new();
    out.row(&[
        "year",
        "table",
        "category",
        "state",
        "authorized_items",
        "authorized_value",
        "authorized_currency",
        "actual_items",
        "actual_value",
        "actual_currency",
        "note",
    ]);
    let year = year.to_string();
    for r in rows {
        let (a_value, a_currency) = csv_values(&r.authorized_values);
        let (x_value, x_currency) = csv_values(&r.actual_values);
        out.row(&[
            &year,
            r.flow.as_str(),
            r.category.code(),
            &r.state,
            &r.authorized_items
                .map(|n| n.to_string())
                .unwrap_or_default(),
            &a_value,
            &a_currency,
            &r.actual_items.map(|n| n.to_string()).unwrap_or_default(),
            &x_value,
            &x_currency,
            &r.note,
        ]);
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands_and_keeps_decimals() {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        assert_eq!(grouped(d("30000000")), "30,000,000");
        assert_eq!(grouped(d("14400.00")), "14,400");
        assert_eq!(grouped(d("999")), "999");
        assert_eq!(grouped(d("1234.5")), "1,234.5");
        assert_eq!(grouped(d("-1000")), "-1,000");
    }
}
