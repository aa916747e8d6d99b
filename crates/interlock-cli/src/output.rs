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
            let destinations = a
                .countries_in_role(interlock_core::model::CountryRole::Destination, false)
                .collect::<Vec<_>>()
                .join(",");
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
        Body::Embargo(e) => {
            let targets: Vec<&str> = e
                .target_country
                .iter()
                .map(String::as_str)
                .chain(e.target_entities.iter().map(|p| p.name.as_str()))
                .collect();
            format!("embargo {} on {}", e.instrument, targets.join(", "))
        }
        Body::LicenceUsage(u) => {
            let mut text = format!(
                "{} usage of {} line {} by {}",
                name_of(&u.usage_type),
                u.authorization_ref,
                u.line_no,
                u.declaration_ref
            );
            if let Some(amount) = u.quantity {
                let unit = u.unit.as_deref().unwrap_or("(licence line's unit)");
                text.push_str(&format!(", {amount} {unit}"));
            }
            if let Some(v) = &u.value {
                text.push_str(&format!(", {}", money(v)));
            }
            text
        }
        Body::CustomsLicenceStatus(s) => format!(
            "customs status of {} on {}: {}",
            s.authorization_ref,
            s.as_of,
            name_of(&s.status)
        ),
        Body::ReportedTransfer(t) => {
            let what = t
                .designation
                .as_deref()
                .or(t.description.as_deref())
                .unwrap_or("arms");
            format!(
                "{} reports {what} from {} to {}",
                t.source.name, t.supplier.name, t.recipient.name
            )
        }
        // Never stored: the store turns it into a revision of the licence.
        Body::AuthorizationStatusChange(c) => format!(
            "status change of {}: {}",
            c.reference,
            name_of(&c.event.action)
        ),
    }
}
