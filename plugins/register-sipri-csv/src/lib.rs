//! The SIPRI Arms Transfers Database trade register, as its CSV export: one
//! `reported_transfer` per deal row. See README.md for the field mapping and the policies.
//!
//! The export starts with notes (`Data generated: 13 Mar 2025 10:02:49 AM` gives the
//! edition), then the header
//! `Recipient,Supplier,Year of order, ,Number ordered, ,Weapon designation,Weapon description,Number delivered, ,Year(s) of delivery,status,Comments,SIPRI TIV per unit,SIPRI TIV for total order,SIPRI TIV of delivered weapons`:
//! the blank-named columns hold `?` when the column before is uncertain. Columns are found
//! by name (ASCII case and surrounding spaces ignored); a flag column is the blank-named
//! one right after its column.
//!
//! Reading (the PDK's [`CsvReader`]):
//! - Lines end with `\n` or `\r\n`. By default (option `encoding=auto`) a row that is
//!   valid UTF-8 is read as UTF-8 and any other row as Latin-1 (ISO 8859-1), which is what
//!   SIPRI exports (one info diagnostic, on the first such row); `encoding=utf-8`,
//!   `latin-1` or `windows-1252` reads the whole file so.
//! - Fields are split RFC 4180 style (`"a, b"`, `""` inside quotes). A quoted field may
//!   span lines. SIPRI also writes line breaks inside comments *without* quotes; a row
//!   with too few columns is therefore joined with the next line(s) while the columns
//!   still fit, and a row that cannot be completed is an error on its first line. A quoted
//!   field still open at the end of the file is an error on the line its row starts on.
//! - A row that cannot be read (wrong column count, a year or number that is not one, a
//!   flag other than `?`) is an error diagnostic naming the line and the column; the row
//!   gives no record and interlock refuses the file.

mod category;
mod names;

use std::collections::{BTreeSet, HashMap};

use interlock_pdk::prelude::*;

pub use category::{CATEGORIES, att_category};
pub use names::{NAMES, NameKind, classify};

/// The agency the records are filed under (the plugin's agency kind, `other`).
pub const AGENCY: &str = "other";
/// [`ReportingSource::name`] of every record.
pub const SOURCE_NAME: &str = "SIPRI Arms Transfers Database";
/// The prefix of every `source_ref`.
pub const REF_PREFIX: &str = "SIPRI";
/// Lines before the header (SIPRI writes 11) after which the file is not a trade register.
const MAX_NOTE_LINES: u64 = 50;
/// Lines one row may be joined from (unquoted line breaks in comments).
const MAX_ROW_LINES: usize = 20;

#[derive(Default)]
pub struct RegisterSipriCsv {
    /// `--option encoding=…`; `None` is `auto`: UTF-8, and Latin-1 for a row that is not.
    encoding: Option<Encoding>,
    /// Made on the first chunk, once the options are known.
    csv: Option<CsvReader>,
    /// The edition from the notes (`Data generated: …`).
    edition: Option<String>,
    columns: Option<Columns>,
    /// A row still missing columns (a line break inside a comment).
    pending: Option<PendingRow>,
    /// Rows per source key, for the occurrence suffix.
    occurrences: HashMap<String, u32>,
    /// Names already warned about.
    unlisted: BTreeSet<String>,
    latin1_noted: bool,
}

impl Plugin for RegisterSipriCsv {
    fn info() -> PluginInfo {
        plugin_info(
            "register-sipri-csv",
            env!("CARGO_PKG_VERSION"),
            AgencyKind::Other,
            &["SIPRI Arms Transfers Database trade register, CSV export"],
        )
        .option(
            "encoding",
            "how the file is decoded: auto (UTF-8, and Latin-1 for a row that is not, as SIPRI exports it), utf-8, latin-1 or windows-1252",
            Some("auto"),
        )
    }

    fn start(&mut self, options: &[(String, String)]) -> Result<()> {
        for (key, value) in options {
            match key.as_str() {
                "encoding" if value.trim().eq_ignore_ascii_case("auto") => self.encoding = None,
                "encoding" => {
                    let encoding = value.parse().map_err(|_| {
                        PluginError::UnsupportedFormat(format!(
                            "option encoding: `{value}` is not auto, {}",
                            Encoding::NAMES
                        ))
                    })?;
                    self.encoding = Some(encoding);
                }
                other => {
                    return Err(PluginError::Internal(format!(
                        "unknown option `{other}` (known: encoding)"
                    )));
                }
            }
        }
        Ok(())
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<Translation> {
        let rows = self.csv().feed(chunk);
        self.rows(rows)
    }

    fn finish(&mut self) -> Result<Translation> {
        let rows = self.csv().finish();
        let mut out = self.rows(rows)?;
        if self.columns.is_none() {
            return Err(PluginError::UnsupportedFormat(
                "no SIPRI trade register header (`Recipient,Supplier,Year of order, ,…`) found"
                    .to_owned(),
            ));
        }
        if let Some(pending) = self.pending.take() {
            self.unfinished_row(&pending, &mut out);
        }
        Ok(out)
    }
}

/// Where each column is.
#[derive(Debug)]
struct Columns {
    count: usize,
    recipient: usize,
    supplier: usize,
    order_year: usize,
    order_year_flag: Option<usize>,
    ordered: usize,
    ordered_flag: Option<usize>,
    designation: usize,
    description: usize,
    delivered: usize,
    delivered_flag: Option<usize>,
    delivery_years: usize,
    comments: Option<usize>,
    /// Column names for diagnostics (`? (Year of order)` for a flag column).
    names: Vec<String>,
}

impl Columns {
    /// `None` when `fields` is not a trade register header; `Err` when it is one that
    /// lacks a column this plugin needs.
    fn from_header(fields: &[String]) -> Option<Result<Columns, String>> {
        let names: Vec<String> = fields.iter().map(|f| f.trim().to_owned()).collect();
        let find = |name: &str| names.iter().position(|n| n.eq_ignore_ascii_case(name));
        find("Recipient")?;
        find("Supplier")?;
        let mut missing = Vec::new();
        let mut need = |name: &str| {
            find(name).unwrap_or_else(|| {
                missing.push(name.to_owned());
                0
            })
        };
        let recipient = need("Recipient");
        let supplier = need("Supplier");
        let order_year = need("Year of order");
        let ordered = need("Number ordered");
        let designation = need("Weapon designation");
        let description = need("Weapon description");
        let delivered = need("Number delivered");
        let delivery_years = need("Year(s) of delivery");
        if !missing.is_empty() {
            return Some(Err(format!(
                "the header lacks the column(s) {}",
                missing.join(", ")
            )));
        }
        let flag = |column: usize| {
            names
                .get(column + 1)
                .is_some_and(|n| n.is_empty())
                .then_some(column + 1)
        };
        let mut display = names.clone();
        for column in [order_year, ordered, delivered] {
            if let Some(flag) = flag(column) {
                display[flag] = format!("? ({})", names[column]);
            }
        }
        Some(Ok(Columns {
            count: names.len(),
            recipient,
            supplier,
            order_year,
            order_year_flag: flag(order_year),
            ordered,
            ordered_flag: flag(ordered),
            designation,
            description,
            delivered,
            delivered_flag: flag(delivered),
            delivery_years,
            comments: find("Comments"),
            names: display,
        }))
    }
}

/// A row whose columns are not all there yet, from line `line`.
#[derive(Debug)]
struct PendingRow {
    line: u64,
    fields: Vec<String>,
    /// The lines read into it.
    lines: usize,
}

impl PendingRow {
    /// The next line goes on with the row's last field (an unquoted line break).
    fn continue_with(&mut self, fields: Vec<String>) {
        let mut fields = fields.into_iter();
        if let (Some(last), Some(first)) = (self.fields.last_mut(), fields.next()) {
            last.push('\n');
            last.push_str(&first);
        }
        self.fields.extend(fields);
        self.lines += 1;
    }
}

/// Problems found in one row: (column, code, message).
type Problems = Vec<(String, &'static str, String)>;

impl RegisterSipriCsv {
    fn csv(&mut self) -> &mut CsvReader {
        let encoding = self.encoding;
        self.csv.get_or_insert_with(|| match encoding {
            Some(encoding) => CsvReader::new().encoding(encoding),
            None => CsvReader::new().fallback(Encoding::Latin1),
        })
    }

    fn rows(&mut self, rows: Vec<Result<CsvRecord, Diagnostic>>) -> Result<Translation> {
        let mut out = Translation::default();
        for row in rows {
            match row {
                Ok(record) => self.record(record, &mut out)?,
                Err(problem) => out.diagnostics.push(problem),
            }
        }
        Ok(out)
    }

    fn record(&mut self, record: CsvRecord, out: &mut Translation) -> Result<()> {
        if self.encoding.is_none() && record.encoding != Encoding::Utf8 && !self.latin1_noted {
            self.latin1_noted = true;
            out.diagnostics.push(diagnostic(
                Severity::Info,
                record.line,
                "",
                "latin-1",
                "not valid UTF-8: read as Latin-1 (ISO 8859-1), as SIPRI exports it",
            ));
        }
        let Some(columns) = &self.columns else {
            return self.before_header(&record);
        };
        let expected = columns.count;
        if let Some(mut pending) = self.pending.take() {
            if pending.fields.len() + record.fields.len() <= expected + 1 {
                pending.continue_with(record.fields);
                self.settle(pending, out);
                return Ok(());
            }
            self.unfinished_row(&pending, out);
        }
        if !record.is_blank() {
            self.settle(
                PendingRow {
                    line: record.line,
                    fields: record.fields,
                    lines: 1,
                },
                out,
            );
        }
        Ok(())
    }

    /// The notes and the header.
    fn before_header(&mut self, record: &CsvRecord) -> Result<()> {
        match Columns::from_header(&record.fields) {
            Some(Ok(columns)) => {
                self.columns = Some(columns);
                Ok(())
            }
            Some(Err(message)) => Err(PluginError::UnsupportedFormat(format!(
                "line {}: {message}",
                record.line
            ))),
            None if record.line >= MAX_NOTE_LINES => Err(PluginError::UnsupportedFormat(format!(
                "no SIPRI trade register header (`Recipient,Supplier,Year of order, ,…`) in the first {MAX_NOTE_LINES} lines"
            ))),
            None => {
                let text = record.fields.join(",");
                if let Some(generated) = text.trim().strip_prefix("Data generated:") {
                    self.edition = edition(generated);
                }
                Ok(())
            }
        }
    }

    /// A row is translated once it has all its columns, kept while it may still get
    /// them from the next line, and an error when it has too many.
    fn settle(&mut self, row: PendingRow, out: &mut Translation) {
        let expected = self.columns.as_ref().map_or(0, |c| c.count);
        if row.fields.len() < expected && row.lines < MAX_ROW_LINES {
            self.pending = Some(row);
        } else if row.fields.len() != expected {
            self.unfinished_row(&row, out);
        } else {
            self.row(row.line, &row.fields, out);
        }
    }

    fn unfinished_row(&self, row: &PendingRow, out: &mut Translation) {
        let expected = self.columns.as_ref().map_or(0, |c| c.count);
        out.error(
            row.line,
            "",
            "columns",
            format!("expected {expected} columns, found {}", row.fields.len()),
        );
    }

    fn row(&mut self, line: u64, fields: &[String], out: &mut Translation) {
        let Some(c) = &self.columns else {
            return;
        };
        let field = |column: usize| fields.get(column).map_or("", |f| f.trim());
        let name = |column: usize| c.names.get(column).cloned().unwrap_or_default();
        let mut problems: Problems = Vec::new();

        let party = |column: usize, problems: &mut Problems| {
            let text = field(column);
            if text.is_empty() {
                problems.push((name(column), "required", "is empty".to_owned()));
            }
            (text.to_owned(), classify(text))
        };
        let (supplier, supplier_kind) = party(c.supplier, &mut problems);
        let (recipient, recipient_kind) = party(c.recipient, &mut problems);

        let order_year = year(field(c.order_year))
            .map_err(|m| problems.push((name(c.order_year), "year", m)))
            .ok()
            .flatten();
        let flag = |column: Option<usize>, problems: &mut Problems| {
            let column = column?;
            match field(column) {
                "" => Some(false),
                "?" => Some(true),
                other => {
                    problems.push((
                        name(column),
                        "uncertainty",
                        format!("`{other}` is not `?` or empty"),
                    ));
                    None
                }
            }
        };
        let order_year_uncertain = flag(c.order_year_flag, &mut problems);
        let number_ordered = number(field(c.ordered))
            .map_err(|m| problems.push((name(c.ordered), "number", m)))
            .ok()
            .flatten();
        let number_ordered_uncertain = flag(c.ordered_flag, &mut problems);
        let number_delivered = number(field(c.delivered))
            .map_err(|m| problems.push((name(c.delivered), "number", m)))
            .ok()
            .flatten();
        let number_delivered_uncertain = flag(c.delivered_flag, &mut problems);
        let mut years = Vec::new();
        for piece in field(c.delivery_years).split(';') {
            match year(piece) {
                Ok(Some(y)) => years.push(y),
                Ok(None) => {}
                Err(message) => problems.push((name(c.delivery_years), "year", message)),
            }
        }

        if !problems.is_empty() {
            for (column, code, message) in problems {
                out.error(line, &column, code, message);
            }
            return;
        }

        years.sort_unstable();
        // SIPRI gives numbers per deal, not per year: only a single year of delivery
        // carries the number delivered.
        let single = years.len() == 1;
        let deliveries = years
            .into_iter()
            .map(|y| YearlyDelivery::new(y, number_delivered.filter(|_| single)))
            .collect();
        let designation = non_empty(field(c.designation));
        let description = non_empty(field(c.description));

        for (column, text, kind) in [
            (c.supplier, &supplier, supplier_kind),
            (c.recipient, &recipient, recipient_kind),
        ] {
            if kind == NameKind::Unlisted && self.unlisted.insert(text.clone()) {
                out.warning(
                    line,
                    &name(column),
                    "unlisted-name",
                    format!(
                        "`{text}` is not in this plugin's table of SIPRI names: kept without a country code"
                    ),
                );
            }
        }

        let key = source_key(
            &supplier,
            &recipient,
            order_year,
            designation.as_deref().unwrap_or(""),
        );
        let occurrence = self.occurrences.entry(key.clone()).or_insert(0);
        *occurrence += 1;
        let source_ref = if *occurrence == 1 {
            key
        } else {
            format!("{key}|#{occurrence}")
        };

        let source = ReportingSource {
            edition: self.edition.clone(),
            ..ReportingSource::new(ReportingSourceKind::PublicRegister, SOURCE_NAME)
        };
        let transfer = ReportedTransfer {
            order_year,
            order_year_uncertain: order_year_uncertain.unwrap_or(false),
            number_ordered,
            number_ordered_uncertain: number_ordered_uncertain.unwrap_or(false),
            number_delivered,
            number_delivered_uncertain: number_delivered_uncertain.unwrap_or(false),
            deliveries,
            category: description
                .as_deref()
                .and_then(att_category)
                .map(str::to_owned),
            designation,
            description,
            comments: c.comments.and_then(|column| non_empty(field(column))),
            ..ReportedTransfer::new(
                source,
                Counterpart::new(supplier.as_str(), supplier_kind.code()),
                Counterpart::new(recipient.as_str(), recipient_kind.code()),
            )
        };
        out.push(Draft::new(AGENCY, source_ref, transfer).at(line));
    }
}

/// `SIPRI|supplier|recipient|order year|designation`, spaces inside values collapsed.
/// The n-th row (n ≥ 2) with the same key in a file gets `|#n`.
pub fn source_key(
    supplier: &str,
    recipient: &str,
    order_year: Option<i16>,
    designation: &str,
) -> String {
    let clean = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    format!(
        "{REF_PREFIX}|{}|{}|{}|{}",
        clean(supplier),
        clean(recipient),
        order_year.map(|y| y.to_string()).unwrap_or_default(),
        clean(designation)
    )
}

/// The edition from the notes' `Data generated:` text: the date, without the time of day
/// (`13 Mar 2025 10:02:49 AM` → `13 Mar 2025`), so two downloads of one day's data agree.
fn edition(generated: &str) -> Option<String> {
    let mut words = Vec::new();
    for word in generated.split_whitespace() {
        if word.contains(':') {
            break;
        }
        words.push(word);
    }
    (!words.is_empty()).then(|| words.join(" "))
}

/// A year (four digits), or nothing if the text is blank.
fn year(text: &str) -> Result<Option<i16>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map(Some)
            .map_err(|_| format!("`{text}` is not a year"));
    }
    Err(format!("`{text}` is not a year"))
}

/// A whole number of items, or nothing if the text is blank.
fn number(text: &str) -> Result<Option<u64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map(Some)
            .map_err(|_| format!("`{text}` is too large"));
    }
    Err(format!("`{text}` is not a whole number"))
}

export_plugin!(RegisterSipriCsv);

#[cfg(test)]
mod tests {
    use super::*;

    fn translate_in_chunks(bytes: &[u8], size: usize) -> Translation {
        let mut plugin = RegisterSipriCsv::default();
        let mut out = Translation::default();
        for chunk in bytes.chunks(size.max(1)) {
            out.extend(plugin.feed(chunk).expect("feeds"));
        }
        out.extend(plugin.finish().expect("finishes"));
        out
    }

    fn transfer(draft: &Draft) -> &ReportedTransfer {
        match &draft.record {
            Body::ReportedTransfer(t) => t,
            _ => panic!("not a reported transfer"),
        }
    }

    const HEADER: &str = "Recipient,Supplier,Year of order, ,Number ordered, ,Weapon designation,Weapon description,Number delivered, ,Year(s) of delivery,status,Comments,SIPRI TIV per unit,SIPRI TIV for total order,SIPRI TIV of delivered weapons\n";

    #[test]
    fn the_sample_gives_one_record_per_deal_in_any_chunking() {
        let bytes = include_bytes!("../fixtures/register-sample.csv");
        let whole = translate_in_chunks(bytes, bytes.len());
        assert!(
            whole
                .diagnostics
                .iter()
                .all(|d| !matches!(d.severity, Severity::Error)),
            "{:?}",
            whole.diagnostics
        );
        assert_eq!(whole.records.len(), 12);
        for size in [1, 2, 3, 7, 64, 1000] {
            let out = translate_in_chunks(bytes, size);
            assert_eq!(
                format!("{:?}", out.records),
                format!("{:?}", whole.records),
                "chunk size {size}"
            );
            assert_eq!(
                format!("{:?}", out.diagnostics),
                format!("{:?}", whole.diagnostics),
                "chunk size {size}"
            );
        }
        let refs: BTreeSet<&str> = whole
            .records
            .iter()
            .map(|d| d.source_ref.as_str())
            .collect();
        assert_eq!(refs.len(), whole.records.len(), "source refs are unique");
        for draft in &whole.records {
            let t = transfer(draft);
            assert_eq!(t.source.name, SOURCE_NAME);
            assert_eq!(t.source.edition.as_deref(), Some("2 Feb 2026"));
            assert!(t.value.is_none());
        }
    }

    #[test]
    fn a_row_maps_every_column() {
        let text = format!(
            "Data generated: 5 Jan 2026 09:00:00 AM\n{HEADER}\
             Norway,Soviet Union,1981,?,24,?,T-55,tank,20,?,1982; 1984; 1983,Second hand,\"Ex-Soviet; refitted, then delivered\",1,24,20\n"
        );
        let out = translate_in_chunks(text.as_bytes(), 1 << 20);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let draft = &out.records[0];
        assert_eq!(draft.agency, "other");
        assert_eq!(draft.source_ref, "SIPRI|Soviet Union|Norway|1981|T-55");
        assert_eq!(draft.line, Some(3));
        let t = transfer(draft);
        assert_eq!(t.source.edition.as_deref(), Some("5 Jan 2026"));
        assert!(matches!(t.source.kind, ReportingSourceKind::PublicRegister));
        assert_eq!(t.supplier.code.as_deref(), Some("SU"));
        assert_eq!(t.recipient.code.as_deref(), Some("NO"));
        assert_eq!(t.order_year, Some(1981));
        assert!(
            t.order_year_uncertain && t.number_ordered_uncertain && t.number_delivered_uncertain
        );
        assert_eq!((t.number_ordered, t.number_delivered), (Some(24), Some(20)));
        let years: Vec<(i16, Option<u64>)> =
            t.deliveries.iter().map(|d| (d.year, d.number)).collect();
        assert_eq!(years, [(1982, None), (1983, None), (1984, None)]);
        assert_eq!(t.category.as_deref(), Some("I"));
        assert_eq!(
            t.comments.as_deref(),
            Some("Ex-Soviet; refitted, then delivered")
        );
    }

    #[test]
    fn a_single_year_carries_the_number_and_repeats_get_an_occurrence() {
        let row = "Chile,France,2001,,2,,Example-1,frigate,2,,2004,New,,,,\n";
        let text = format!("{HEADER}{row}{row}");
        let out = translate_in_chunks(text.as_bytes(), 1 << 20);
        let refs: Vec<&str> = out.records.iter().map(|d| d.source_ref.as_str()).collect();
        assert_eq!(
            refs,
            [
                "SIPRI|France|Chile|2001|Example-1",
                "SIPRI|France|Chile|2001|Example-1|#2"
            ]
        );
        let t = transfer(&out.records[0]);
        assert_eq!(t.deliveries[0].number, Some(2));
        assert!(!t.order_year_uncertain);
        assert_eq!(t.comments, None);
    }

    #[test]
    fn unquoted_line_breaks_in_comments_are_joined() {
        let text = format!(
            "{HEADER}Chile,France,2001,,2,,Example-1,frigate,2,,2004,New,first part\r\n,1,2,2\nChile,Spain,2002,,1,,Example-2,corvette,1,,2005,New,,,,\n"
        );
        let out = translate_in_chunks(text.as_bytes(), 5);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert_eq!(out.records.len(), 2);
        assert_eq!(
            transfer(&out.records[0]).comments.as_deref(),
            Some("first part")
        );
        assert_eq!(out.records[1].line, Some(4));
    }

    #[test]
    fn latin1_is_decoded_and_noted_once() {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(
            b"Chile,France,2001,,2,,Example-1,frigate,2,,2004,New,Soci\xe9t\xe9,,,\n",
        );
        bytes.extend_from_slice(
            b"Chile,France,2002,,2,,Example-1,frigate,2,,2004,New,M\xfcller,,,\n",
        );
        let out = translate_in_chunks(&bytes, 3);
        assert_eq!(
            transfer(&out.records[0]).comments.as_deref(),
            Some("Société")
        );
        assert_eq!(
            transfer(&out.records[1]).comments.as_deref(),
            Some("Müller")
        );
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].code, "latin-1");
        assert_eq!(out.diagnostics[0].line, Some(2));
    }

    #[test]
    fn the_encoding_option_reads_the_whole_file_so() {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(
            b"Chile,France,2001,,2,,Example-1,frigate,2,,2004,New,\x93Soci\xe9t\xe9\x94,,,\n",
        );
        let translate = |encoding: &str| {
            let mut plugin = RegisterSipriCsv::default();
            plugin
                .start(&[("encoding".to_owned(), encoding.to_owned())])
                .expect("a known encoding");
            let mut out = plugin.feed(&bytes).expect("feeds");
            out.extend(plugin.finish().expect("finishes"));
            out
        };
        let out = translate("windows-1252");
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert_eq!(
            transfer(&out.records[0]).comments.as_deref(),
            Some("“Société”")
        );
        let out = translate("utf-8");
        assert!(out.records.is_empty());
        assert_eq!(out.diagnostics[0].code, "encoding");
        assert_eq!(out.diagnostics[0].line, Some(2));
        let mut plugin = RegisterSipriCsv::default();
        assert!(matches!(
            plugin.start(&[("encoding".to_owned(), "ebcdic".to_owned())]),
            Err(PluginError::UnsupportedFormat(m)) if m.contains("auto, utf-8")
        ));
    }

    #[test]
    fn bad_rows_name_their_line_and_column() {
        let text = format!(
            "{HEADER}Chile,France,20x1,,2,,Example-1,frigate,2,,2004,New,,,,\n\
             Chile,France,2001,!,two,,Example-1,frigate,2,,2004; 20O5,New,,,,\n\
             Chile,France,2001,,2,,Example-1,frigate,2,,2004,New,,,,,,\n\
             Chile,France,2001\n\
             ,Supplier,2001,,2,,Example-1,frigate,2,,2004,New,,,,\n"
        );
        let out = translate_in_chunks(text.as_bytes(), 1 << 20);
        assert_eq!(out.records.len(), 0);
        let got: Vec<(Option<u64>, Option<&str>, &str)> = out
            .diagnostics
            .iter()
            .map(|d| (d.line, d.field.as_deref(), d.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Some(2), Some("Year of order"), "year"),
                (Some(3), Some("? (Year of order)"), "uncertainty"),
                (Some(3), Some("Number ordered"), "number"),
                (Some(3), Some("Year(s) of delivery"), "year"),
                (Some(4), None, "columns"),
                (Some(5), None, "columns"),
                (Some(6), Some("Recipient"), "required"),
            ]
        );
    }

    #[test]
    fn an_unclosed_quote_or_a_short_last_row_is_an_error() {
        let text = format!("{HEADER}Chile,France,2001,,2,,Example-1,frigate,2,,2004,New,\"open");
        let out = translate_in_chunks(text.as_bytes(), 1 << 20);
        assert_eq!(out.records.len(), 0);
        assert_eq!(out.diagnostics.len(), 1);
        assert!(out.diagnostics[0].message.contains("not closed"));
    }

    #[test]
    fn other_files_are_not_this_format() {
        let mut plugin = RegisterSipriCsv::default();
        plugin
            .feed(b"reference,date\nA,2026-01-01\n")
            .expect("feeds");
        assert!(matches!(
            plugin.finish(),
            Err(PluginError::UnsupportedFormat(_))
        ));
        let mut plugin = RegisterSipriCsv::default();
        assert!(matches!(
            plugin.feed(b"Recipient,Supplier,Comments\n"),
            Err(PluginError::UnsupportedFormat(m)) if m.contains("Year of order")
        ));
    }

    #[test]
    fn editions_drop_the_time_of_day() {
        assert_eq!(
            edition(" 13 Mar 2025 10:02:49 AM").as_deref(),
            Some("13 Mar 2025")
        );
        assert_eq!(edition(" 2025").as_deref(), Some("2025"));
        assert_eq!(edition("  ").as_deref(), None);
    }
}
