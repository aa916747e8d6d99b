//! A national customs system's declaration export: CSV, one row per declaration item.
//!
//! Header (required, in this order):
//! `declaration_ref,item_no,procedure,customs_office,date,partner_country,hs_code,description,quantity,unit,value,currency,authorization_ref,line_no`
//!
//! This is also the format `cargo xtask bench import` generates. The file is UTF-8, read by
//! the PDK's `CsvReader`: quoted fields may hold commas, `""` and line breaks, lines end with
//! `\r\n` or `\n`, and Excel's byte-order mark is skipped, so the export saved again by Excel
//! ("CSV UTF-8") reads the same. A quote left open, or bytes that are not UTF-8, are errors
//! naming the line.
//!
//! # `customs_declaration` ← one row (`source_ref` `declaration_ref/item_no`)
//!
//! | model field | column |
//! |---|---|
//! | `declaration_ref`, `item_no` | `declaration_ref`, `item_no` |
//! | `procedure` | `procedure`: `export`, `import`, `transit`, `re_export` (or `re-export`) |
//! | `customs_office` | `customs_office` |
//! | `date` | `date` |
//! | `country_of_destination` | `partner_country`, for exports, transit and re-exports |
//! | `country_of_dispatch` | `partner_country`, for imports |
//! | `hs_code` | `hs_code` |
//! | `description` | `description` |
//! | `quantity` | `quantity` + `unit` |
//! | `value` | `value` + `currency` (the invoice value) |
//! | `attached_documents` | `authorization_ref` + `line_no`: the licence line the item cites, without amounts (empty when none was declared) |
//!
//! The format has no column for the record model 2 fields `status`, `exit_date`,
//! `movement`, `control_entry`/`control_entry_basis`, `statistical_value` (its `value` is
//! the invoice value, not the statistical value) or `serial_numbers`, nor for parties or
//! the country of origin: they stay empty rather than guessed. It has no amount written off
//! either, so the licence citation gives no `licence_usage` record: the write-offs counted
//! per licence line come from the customs systems that record them (CHIEF usage data,
//! ASYCUDA's licence deductions).

use interlock_pdk::prelude::*;

const AGENCY: &str = "customs";
pub const HEADER: &str = "declaration_ref,item_no,procedure,customs_office,date,partner_country,hs_code,description,quantity,unit,value,currency,authorization_ref,line_no";
const COLUMNS: usize = 14;

#[derive(Default)]
pub struct CustomsCsv {
    csv: CsvReader,
    header_seen: bool,
}

impl Plugin for CustomsCsv {
    fn info() -> PluginInfo {
        plugin_info(
            "customs-csv",
            env!("CARGO_PKG_VERSION"),
            AgencyKind::Customs,
            &["customs declaration items, CSV"],
        )
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<Translation> {
        let rows = self.csv.feed(chunk);
        self.rows(rows)
    }

    fn finish(&mut self) -> Result<Translation> {
        let rows = self.csv.finish();
        let out = self.rows(rows)?;
        if !self.header_seen {
            return Err(PluginError::UnsupportedFormat("empty file".to_owned()));
        }
        Ok(out)
    }
}

fn procedure(text: &str) -> Option<CustomsProcedure> {
    Some(match text {
        "export" => CustomsProcedure::Export,
        "import" => CustomsProcedure::Import,
        "transit" => CustomsProcedure::Transit,
        "re_export" | "re-export" => CustomsProcedure::ReExport,
        _ => return None,
    })
}

impl CsvRows for CustomsCsv {
    fn header_seen(&self) -> bool {
        self.header_seen
    }

    fn csv_record(&mut self, record: CsvRecord, out: &mut Translation) -> Result<()> {
        self.record(record, out)
    }
}

impl CustomsCsv {
    fn record(&mut self, record: CsvRecord, out: &mut Translation) -> Result<()> {
        if record.is_blank() {
            return Ok(());
        }
        let CsvRecord { line, fields, .. } = record;
        if !self.header_seen {
            if !fields.iter().map(|f| f.trim()).eq(HEADER.split(',')) {
                return Err(PluginError::UnsupportedFormat(format!(
                    "line {line}: expected the header `{HEADER}`"
                )));
            }
            self.header_seen = true;
            return Ok(());
        }
        let fields = match <[String; COLUMNS]>::try_from(fields) {
            Ok(fields) => fields,
            Err(fields) => {
                out.error(
                    line,
                    "",
                    "columns",
                    format!("expected {COLUMNS} columns, found {}", fields.len()),
                );
                return Ok(());
            }
        };
        let [
            declaration_ref,
            item_no,
            procedure_text,
            office,
            date,
            partner,
            hs,
            description,
            quantity,
            unit,
            value,
            currency,
            licence,
            licence_line,
        ] = fields;
        let Ok(item_no) = item_no.trim().parse::<u32>() else {
            out.error(
                line,
                "item_no",
                "number",
                format!("`{item_no}` is not an item number"),
            );
            return Ok(());
        };
        let Some(procedure) = procedure(procedure_text.trim()) else {
            out.error(
                line,
                "procedure",
                "unknown-procedure",
                format!("`{procedure_text}` is not export, import, transit or re_export"),
            );
            return Ok(());
        };
        let licence_line = match licence_line.trim() {
            "" => None,
            text => match text.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    out.error(
                        line,
                        "line_no",
                        "number",
                        format!("`{text}` is not a licence line number"),
                    );
                    return Ok(());
                }
            },
        };
        let attached_documents = non_empty(&licence)
            .map(|authorization_ref| AttachedDocument {
                code: None,
                authorization_ref,
                line_no: licence_line,
                quantity_written_off: None,
                value_written_off: None,
            })
            .into_iter()
            .collect();
        let source_ref = format!("{declaration_ref}/{item_no}");
        out.record(
            AGENCY,
            source_ref,
            line,
            Body::CustomsDeclaration(CustomsDeclaration {
                customs_office: non_empty(&office),
                country_of_dispatch: if procedure == CustomsProcedure::Import {
                    non_empty(&partner)
                } else {
                    None
                },
                country_of_destination: if procedure == CustomsProcedure::Import {
                    None
                } else {
                    non_empty(&partner)
                },
                country_of_origin: None,
                hs_code: non_empty(&hs),
                quantity: non_empty(&quantity).map(|q| interlock_pdk::quantity(&q, &unit)),
                value: non_empty(&value).map(|v| interlock_pdk::money(&v, &currency)),
                attached_documents,
                ..CustomsDeclaration::new(declaration_ref, item_no, procedure, date, description)
            }),
        );
        Ok(())
    }
}

export_plugin!(CustomsCsv);

#[cfg(test)]
mod tests {
    use super::*;

    fn translate(text: &str, chunk: usize) -> Result<Translation> {
        let mut plugin = CustomsCsv::default();
        let mut out = Translation::default();
        for piece in text.as_bytes().chunks(chunk.max(1)) {
            out.extend(plugin.feed(piece)?);
        }
        out.extend(plugin.finish()?);
        Ok(out)
    }

    #[test]
    fn the_fixture_translates_whatever_the_chunking() {
        let text = include_str!("../fixtures/declarations-2026.csv");
        let whole = translate(text, text.len()).expect("translates");
        assert!(whole.diagnostics.is_empty(), "{:?}", whole.diagnostics);
        assert_eq!(whole.records.len(), 4);
        let small = translate(text, 3).expect("translates");
        assert_eq!(
            format!("{:?}", small.records),
            format!("{:?}", whole.records)
        );
    }

    #[test]
    fn a_file_saved_by_excel_translates_whatever_the_chunking() {
        // A UTF-8 byte-order mark, CRLF, and a quoted description with a comma, a line
        // break and doubled quotes.
        let text = include_str!("../fixtures/declarations-2026-excel.csv");
        let whole = translate(text, text.len()).expect("translates");
        assert!(whole.diagnostics.is_empty(), "{:?}", whole.diagnostics);
        let lines: Vec<Option<u64>> = whole.records.iter().map(|d| d.line).collect();
        assert_eq!(lines, [Some(2), Some(4)]);
        let Body::CustomsDeclaration(first) = &whole.records[0].record else {
            panic!("a customs declaration");
        };
        assert_eq!(
            first.description,
            "Rifle cases, hard shell\nwith foam inserts (\"airline\" grade)"
        );
        for size in [1, 2, 3, 7] {
            let small = translate(text, size).expect("translates");
            assert_eq!(
                format!("{:?}", small.records),
                format!("{:?}", whole.records)
            );
        }
    }

    #[test]
    fn an_unclosed_quote_refuses_the_file_and_names_the_line_its_row_starts() {
        let text = format!("{HEADER}\nD1,1,export,O,2026-01-01,DE,930190,\"Rifles,1,NAR,1,GBP,,\n");
        let out = translate(&text, 5).expect("translates");
        assert!(out.records.is_empty());
        // The rest of the file is in one field: the whole file is refused (no line), the
        // message says where the row started.
        let found: Vec<(Option<u64>, &str, bool)> = out
            .diagnostics
            .iter()
            .map(|d| (d.line, d.code.as_str(), d.message.starts_with("line 2: ")))
            .collect();
        assert_eq!(found, [(None, "unclosed-quote", true)]);
    }

    #[test]
    fn bad_rows_name_line_and_field() {
        let text = format!(
            "{HEADER}\nD1,x,export,O,2026-01-01,DE,930190,R,1,NAR,1,GBP,,\nD1,2,smuggle,O,2026-01-01,DE,930190,R,1,NAR,1,GBP,,\nD1,3,export\n"
        );
        let out = translate(&text, 8).expect("translates");
        let found: Vec<String> = out
            .diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{}:{}",
                    d.line.unwrap_or(0),
                    d.field.clone().unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(found, ["2:item_no", "3:procedure", "4:"]);
    }
}
