//! Police firearms register export, iARMS-like: one CSV row per weapon and event.
//!
//! Header (required, in this order):
//! `case_ref,event,date,place,country,make,model,calibre,type,serial,country_of_manufacture,year_of_manufacture,import_mark_country,import_mark_year,status`
//!
//! - `event`: seizure, loss, theft, recovery, trace_request_sent, trace_request_received;
//! - `date`: YYYY-MM-DD (the event's date); countries ISO 3166-1 alpha-2;
//! - `make` and `serial` are required; `year_of_manufacture`, `import_mark_year` are years;
//! - `status`: the trace status (not_requested, pending, traced, untraceable, closed) or empty.
//!
//! The file is UTF-8 CSV, read by the PDK's `CsvReader` (quoted fields may hold commas,
//! `""` and line breaks; `\r\n` or `\n`; a byte-order mark skipped). A bad row (unknown
//! event or status, bad year, missing make/serial, wrong column count, a quote left open,
//! bytes that are not UTF-8) gives an error diagnostic with its line and column name.
//! Dates and country codes are passed on as written: the host checks them and names the
//! record field (`record.recorded_date` of the item, `record.date` of the case) on the
//! record's line. Either way the file is then refused as a whole by interlock, so the
//! register is fixed and exported again.
//!
//! Rows sharing a `case_ref` become one `police_case` record with one item per row (the
//! case is emitted when the file ends, since rows of a case need not be adjacent). Each
//! weapon is also an `item` record keyed `MAKE/SERIAL`, so a serial can be traced across
//! cases and agencies.

use std::collections::BTreeMap;

use interlock_pdk::prelude::*;

const AGENCY: &str = "police";
/// The register's keeper, the agency of every case.
const POLICE_AGENCY: &str = "National Police Firearms Unit";
const HEADER: [&str; 15] = [
    "case_ref",
    "event",
    "date",
    "place",
    "country",
    "make",
    "model",
    "calibre",
    "type",
    "serial",
    "country_of_manufacture",
    "year_of_manufacture",
    "import_mark_country",
    "import_mark_year",
    "status",
];

#[derive(Default)]
pub struct PoliceFirearmsCsv {
    csv: CsvReader,
    header_seen: bool,
    /// Cases by reference, with the line of their first row.
    cases: BTreeMap<String, (u64, PoliceCase)>,
    /// Weapons already emitted as item records (a weapon seized, then traced, appears in
    /// several rows; it is one item).
    items_seen: std::collections::BTreeSet<String>,
}

/// The item record's key: make and serial, ignoring case, spaces and punctuation in the
/// serial, as interlock matches serials.
fn item_key(make: &str, serial: &str) -> String {
    let serial: String = serial
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    format!("{}/{serial}", make.trim())
}

impl Plugin for PoliceFirearmsCsv {
    fn info() -> PluginInfo {
        plugin_info(
            "police-firearms-csv",
            env!("CARGO_PKG_VERSION"),
            AgencyKind::Police,
            &["police firearms register CSV export"],
        )
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<Translation> {
        let rows = self.csv.feed(chunk);
        self.rows(rows)
    }

    fn finish(&mut self) -> Result<Translation> {
        let rows = self.csv.finish();
        let mut out = self.rows(rows)?;
        if !self.header_seen {
            return Err(PluginError::UnsupportedFormat(
                "empty file: expected the police firearms register header".to_owned(),
            ));
        }
        for (case_ref, (line, case)) in std::mem::take(&mut self.cases) {
            out.record(AGENCY, case_ref, line, Body::PoliceCase(case));
        }
        Ok(out)
    }
}

/// A register code in any case, with spaces or hyphens for underscores.
fn code(text: &str) -> String {
    text.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

fn event(text: &str) -> Option<PoliceEvent> {
    Some(match code(text).as_str() {
        "seizure" => PoliceEvent::Seizure,
        "loss" => PoliceEvent::Loss,
        "theft" => PoliceEvent::Theft,
        "recovery" => PoliceEvent::Recovery,
        "trace_request_sent" => PoliceEvent::TraceRequestSent,
        "trace_request_received" => PoliceEvent::TraceRequestReceived,
        _ => return None,
    })
}

fn trace_status(text: &str) -> Option<TraceStatus> {
    Some(match code(text).as_str() {
        "not_requested" => TraceStatus::NotRequested,
        "pending" => TraceStatus::Pending,
        "traced" => TraceStatus::Traced,
        "untraceable" => TraceStatus::Untraceable,
        "closed" => TraceStatus::Closed,
        _ => return None,
    })
}

fn year(text: &str, line: u64, field: &str, out: &mut Translation) -> Option<i16> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse() {
        Ok(year) => Some(year),
        Err(_) => {
            out.error(line, field, "year", format!("`{text}` is not a year"));
            None
        }
    }
}

impl CsvRows for PoliceFirearmsCsv {
    fn header_seen(&self) -> bool {
        self.header_seen
    }

    fn csv_record(&mut self, record: CsvRecord, out: &mut Translation) -> Result<()> {
        self.record(record, out)
    }
}

impl PoliceFirearmsCsv {
    fn record(&mut self, record: CsvRecord, out: &mut Translation) -> Result<()> {
        if record.is_blank() {
            return Ok(());
        }
        let CsvRecord { line, fields, .. } = record;
        if !self.header_seen {
            let header: Vec<String> = fields
                .iter()
                .map(|f| f.trim().to_ascii_lowercase())
                .collect();
            if header != HEADER {
                return Err(PluginError::UnsupportedFormat(format!(
                    "line {}: expected the header `{}`",
                    line,
                    HEADER.join(",")
                )));
            }
            self.header_seen = true;
            return Ok(());
        }
        if fields.len() != HEADER.len() {
            out.error(
                line,
                "",
                "columns",
                format!("expected {} columns, found {}", HEADER.len(), fields.len()),
            );
            return Ok(());
        }
        let field = |name: &str| {
            HEADER
                .iter()
                .position(|h| *h == name)
                .map_or("", |index| fields[index].trim())
        };
        let case_ref = field("case_ref").to_owned();
        if case_ref.is_empty() {
            out.error(line, "case_ref", "required", "is required");
            return Ok(());
        }
        let Some(event) = event(field("event")) else {
            out.error(
                line,
                "event",
                "unknown-event",
                format!("`{}` is not one of seizure, loss, theft, recovery, trace_request_sent, trace_request_received", field("event")),
            );
            return Ok(());
        };
        if field("serial").is_empty() || field("make").is_empty() {
            let missing = if field("make").is_empty() {
                "make"
            } else {
                "serial"
            };
            out.error(line, missing, "required", "is required");
            return Ok(());
        }
        let status = field("status");
        let trace_status = match status {
            "" => None,
            text => match trace_status(text) {
                Some(status) => Some(status),
                None => {
                    out.error(
                        line,
                        "status",
                        "unknown-status",
                        format!("`{text}` is not a trace status"),
                    );
                    return Ok(());
                }
            },
        };
        let year_of_manufacture = year(
            field("year_of_manufacture"),
            line,
            "year_of_manufacture",
            out,
        );
        let import_year = year(field("import_mark_year"), line, "import_mark_year", out);
        let item = Item {
            model: non_empty(field("model")),
            calibre: non_empty(field("calibre")),
            item_type: non_empty(field("type")),
            country_of_manufacture: non_empty(field("country_of_manufacture")),
            year_of_manufacture,
            import_mark: non_empty(field("import_mark_country")).map(|country| ImportMark {
                country,
                year: import_year,
            }),
            recorded_date: non_empty(field("date")),
            ..Item::new(field("make"), field("serial"))
        };
        let key = item_key(&item.make, &item.serial);
        if self.items_seen.insert(key.clone()) {
            out.record(AGENCY, key, line, Body::Item(item.clone()));
        }
        let (_, case) = self.cases.entry(case_ref.clone()).or_insert_with(|| {
            let case = PoliceCase {
                location: non_empty(field("place")),
                country: non_empty(field("country")),
                trace_status,
                ..PoliceCase::new(case_ref, POLICE_AGENCY, field("date"), event)
            };
            (line, case)
        });
        // iARMS trace requests go to the country of manufacture.
        if matches!(
            case.event,
            PoliceEvent::TraceRequestSent | PoliceEvent::TraceRequestReceived
        ) && case.trace_counterpart.is_none()
        {
            case.trace_counterpart = item.country_of_manufacture.clone();
        }
        case.items.push(item);
        Ok(())
    }
}

export_plugin!(PoliceFirearmsCsv);

#[cfg(test)]
mod tests {
    use super::*;

    fn translate(text: &str, chunk: usize) -> Result<Translation> {
        let mut plugin = PoliceFirearmsCsv::default();
        let mut out = Translation::default();
        for piece in text.as_bytes().chunks(chunk.max(1)) {
            out.extend(plugin.feed(piece)?);
        }
        out.extend(plugin.finish()?);
        Ok(out)
    }

    const FIXTURE: &str = include_str!("../fixtures/register-2026.csv");

    #[test]
    fn the_fixture_gives_cases_and_items_whatever_the_chunking() {
        let whole = translate(FIXTURE, FIXTURE.len()).expect("translates");
        assert!(whole.diagnostics.is_empty(), "{:?}", whole.diagnostics);
        let cases = whole
            .records
            .iter()
            .filter(|d| matches!(d.record, Body::PoliceCase(_)))
            .count();
        let items = whole
            .records
            .iter()
            .filter(|d| matches!(d.record, Body::Item(_)))
            .count();
        // Five rows, three weapons: the G36 and the Beretta appear twice.
        assert_eq!((cases, items), (4, 3));
        let small = translate(FIXTURE, 7).expect("translates");
        assert_eq!(
            format!("{:?}", small.records),
            format!("{:?}", whole.records)
        );
    }

    #[test]
    fn bad_rows_are_diagnosed_with_line_and_field() {
        let text = format!(
            "{}\nC-1,arson,2026-01-01,,GB,Glock,17,,,S1,AT,2019,,,\nC-2,theft,2026-01-01,,GB,Glock,17,,,S2,AT,20x9,,,\n",
            HEADER.join(",")
        );
        let out = translate(&text, 5).expect("translates");
        let problems: Vec<String> = out
            .diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{}:{}:{}",
                    d.line.unwrap_or(0),
                    d.field.clone().unwrap_or_default(),
                    d.code
                )
            })
            .collect();
        assert_eq!(
            problems,
            ["2:event:unknown-event", "3:year_of_manufacture:year"]
        );
    }

    #[test]
    fn dates_are_passed_on_as_written_for_the_host_to_check() {
        // The host refuses `14/10/2026`, naming `record.recorded_date` and `record.date`.
        let text = format!(
            "{}\nC-3,theft,14/10/2026,,GB,Beretta,92FS,,,B1,IT,2018,,,\n",
            HEADER.join(",")
        );
        let out = translate(&text, 5).expect("translates");
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let dates: Vec<(Option<u64>, Option<&str>)> = out
            .records
            .iter()
            .map(|d| match &d.record {
                Body::Item(item) => (d.line, item.recorded_date.as_deref()),
                Body::PoliceCase(case) => (d.line, Some(case.date.as_str())),
                _ => (d.line, None),
            })
            .collect();
        assert_eq!(
            dates,
            [(Some(2), Some("14/10/2026")), (Some(2), Some("14/10/2026"))]
        );
    }

    #[test]
    fn a_file_without_the_header_is_refused() {
        let error = translate("case,date\n", 100).expect_err("no header");
        assert!(
            matches!(error, PluginError::UnsupportedFormat(ref m) if m.starts_with("line 1: expected the header")),
            "{error:?}"
        );
    }
}
