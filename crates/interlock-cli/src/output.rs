//! Human-readable rendering of records: one-line summaries and plain tables.

use comfy_table::{ContentArrangement, Table, presets};
use interlock_core::model::{Body, Money, Quantity, StoredRecord};

/// A borderless, left-aligned table whose layout does not depend on the terminal, so
/// output is the same on screen, in a pipe and in golden files.
pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| h.to_string()));
    table
}

/// Prints a table without comfy-table's leading padding and trailing spaces.
pub fn print_table(table: &Table) {
    for line in table.lines() {
        let line = line.trim_end();
        println!("{}", line.strip_prefix(' ').unwrap_or(line));
    }
}

/// An enum as its JSON name (`trace_request_sent`), not its Rust name.
fn name_of(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

fn quantity(q: &Quantity) -> String {
    format!("{} {}", q.amount, q.unit)
}

fn money(m: &Money) -> String {
    format!("{} {}", m.amount, m.currency)
}

/// One line saying what a record is about.
pub fn summary(record: &StoredRecord) -> String {
    match &record.draft.record {
        Body::Authorization(a) => {
            let destinations = a.destination_countries.join(",");
            let mut text = format!("{:?} licence {} ({:?})", a.direction, a.reference, a.status)
                .to_lowercase()
                .replace(&a.reference.to_lowercase(), &a.reference);
            if !destinations.is_empty() {
                text.push_str(&format!(" to {destinations}"));
            }
            text.push_str(&format!(", {} line(s)", a.lines.len()));
            text
        }
        Body::CustomsDeclaration(c) => {
            let mut text = format!(
                "{} {}/{}",
                name_of(&c.procedure),
                c.declaration_ref,
                c.item_no,
            );
            if let Some(hs) = &c.hs_code {
                text.push_str(&format!(" HS {hs}"));
            }
            if let Some(q) = &c.quantity {
                text.push_str(&format!(", {}", quantity(q)));
            }
            if let Some(v) = &c.value {
                text.push_str(&format!(", {}", money(v)));
            }
            if let Some(country) = &c.country_of_destination {
                text.push_str(&format!(" to {country}"));
            }
            text
        }
        Body::Item(i) => {
            let model = i.model.as_deref().unwrap_or("");
            format!("{} {model} serial {}", i.make, i.serial).replace("  ", " ")
        }
        Body::PoliceCase(p) => format!(
            "{} {} ({} item(s))",
            name_of(&p.event),
            p.case_ref,
            p.items.len()
        ),
        Body::EndUserCertificate(e) => format!(
            "end-user certificate {} for {} ({})",
            e.reference, e.end_user.name, e.issuing_country
        ),
        Body::DeliveryVerification(d) => format!(
            "delivery verification {} for {} ({})",
            d.reference, d.authorization_ref, d.issuing_country
        ),
        Body::Denial(d) => format!(
            "denial {} by {}: {}",
            d.reference,
            d.notifying_country,
            d.entities
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Body::Embargo(e) => format!("embargo {} on {}", e.instrument, e.target_country),
    }
}
