//! Parser for CHIEF `usageData` messages (customs -> licensing authority).
//!
//! The format, as seen in lite-hmrc's fixtures and `mail/libraries/chieftypes.py`: one
//! record per line, fields separated by `\`, each line starting with its record number:
//!
//! ```text
//! 1\fileHeader\CHIEF\SPIRE\usageData\202001010000\1\
//! 2\licenceUsage\LU12345/00001\insert\GBSIEL/2020/0000001/P\O\
//! 3\line\1\4\9\
//! 4\usage\O\112345\R\20200101\0\0\\000111\\\\
//! 5\end\line\3
//! 6\end\licenceUsage\5
//! 7\fileTrailer\1
//! ```
//!
//! `licenceUsage` opens one licence's transaction, `line` one licence line inside it with
//! the running totals used so far, and `usage` records are the declarations that used the
//! line. `end\line\N` and `end\licenceUsage\N` count the records from the opening record to
//! the end record inclusive; the trailer counts the licenceUsage transactions. A
//! transaction with a problem is not emitted; its problems are.
//!
//! The parser only reads and checks; `lib.rs` maps what it finds to interlock records.
//!
//! Field meanings (lite-hmrc `chieftypes.py`, `LicenceUsage`, `LicenceUsageLine`, `Usage`):
//! - `licenceUsage`: `transactionRef` (`LU<run>/<transaction sequence>`, "identifies the
//!   transaction uniquely"), action (`insert` only), `licenceRef`, `licenceStatus` (`O` open,
//!   `C` cancelled, `E` exhaustion notified, `S` surrender notified, `D` date expired) and
//!   `completionDate` ("only sent when the licence is complete on CHIEF");
//! - `line`: `lineNum` (the licence line as notified to CHIEF), `quantityUsed` and
//!   `valueUsed`: the *current totals* used ("if controlled by quantity/value, else zero
//!   or null"), `currency` (if controlled by value);
//! - `usage`: `usageType` (`O` original attribution, `L` late original, `A` adjusted by
//!   customs, `C` contra by customs, `M` additional MIC and message only),
//!   `declarationUcr`, `declarationPartNum`, `controlDate` (date into control), quantity
//!   and value used by this declaration (no unit: the licence line's), `currency`,
//!   `traderId`, `claimRef`, `originCountry` (imports only), `customsMic` and
//!   `customsMessage`, `consigneeName`, `declarationMrn`, `departureIcs`.
//!
//! What usageData does not carry: no HS code, goods description, customs office, country
//! of destination or quantity unit, and no direction (that is the licence's).

use std::fmt;

/// A problem in the input, located by 1-based line number and the CHIEF field name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.field, self.message)
        }
    }
}

/// One thing the parser found.
// Items are handed over one at a time, so boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    Header(FileHeader),
    LicenceUsage(ParsedLicenceUsage),
    Problem(Problem),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileHeader {
    pub line: u64,
    pub source_system: String,
    pub destination_system: String,
    /// Always `usageData` here; other message types are refused.
    pub message_type: String,
    /// `YYYY-MM-DDTHH:MM`.
    pub created: String,
    pub run_number: u64,
}

/// CHIEF's view of the licence (`licenceStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LicenceStatus {
    Open,
    Cancelled,
    Exhausted,
    Surrendered,
    Expired,
}

/// `usageType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageType {
    /// `O`.
    Original,
    /// `A`.
    Adjusted,
    /// `C`.
    Contra,
    /// `L`.
    LateOriginal,
    /// `M`.
    MessageOnly,
}

/// One licence's usage report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedLicenceUsage {
    /// Line of the `licenceUsage` record.
    pub line: u64,
    pub transaction_ref: String,
    /// The licence reference.
    pub authorization_ref: String,
    pub licence_status: LicenceStatus,
    pub completion_date: Option<String>,
    pub lines: Vec<ParsedUsageLine>,
}

/// One licence line with CHIEF's running totals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedUsageLine {
    pub line: u64,
    pub line_no: u32,
    pub quantity_used: Option<String>,
    pub value_used: Option<String>,
    pub currency: Option<String>,
    pub usages: Vec<ParsedUsage>,
}

/// One declaration's use of a licence line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedUsage {
    pub line: u64,
    pub usage_type: UsageType,
    pub declaration_urc: String,
    pub declaration_part_num: Option<String>,
    /// Date into control, ISO.
    pub control_date: String,
    pub quantity_used: Option<String>,
    pub value_used: Option<String>,
    pub currency: Option<String>,
    pub trader_id: Option<String>,
    pub claim_ref: Option<String>,
    pub origin_country: Option<String>,
    pub customs_mic: Option<String>,
    pub customs_message: Option<String>,
    pub consignee_name: Option<String>,
    pub declaration_mrn: Option<String>,
    pub departure_ics: Option<String>,
}

/// Parses a whole message at once.
#[cfg_attr(not(test), allow(dead_code))] // the plugin streams; tests parse whole inputs
pub fn parse_all(input: &[u8]) -> Vec<Parsed> {
    let mut parser = Parser::new();
    let mut out = parser.feed(input);
    out.extend(parser.finish());
    out
}

/// Streaming parser: feed chunks of any size, then call [`Parser::finish`].
#[derive(Debug, Default)]
pub struct Parser {
    /// Bytes of the line not yet terminated by `\n`.
    partial: Vec<u8>,
    /// 1-based number of the next physical line.
    next_line: u64,
    expected_record_no: u64,
    phase: Phase,
    open: Option<OpenUsage>,
    transactions: u64,
}

#[derive(Debug, Default, PartialEq, Eq)]
enum Phase {
    #[default]
    ExpectHeader,
    Body,
    AfterTrailer,
    Refused,
}

#[derive(Debug)]
struct OpenUsage {
    usage: ParsedLicenceUsage,
    records: u64,
    /// Record count of the open `line`, if one is open.
    line_records: Option<u64>,
    rejected: bool,
}

impl Parser {
    pub fn new() -> Parser {
        Parser {
            next_line: 1,
            expected_record_no: 1,
            ..Parser::default()
        }
    }

    /// Consumes a chunk; returns what the complete lines in it produced.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Parsed> {
        let mut out = Vec::new();
        let mut rest = chunk;
        while let Some(pos) = rest.iter().position(|b| *b == b'\n') {
            let (head, tail) = rest.split_at(pos);
            self.partial.extend_from_slice(head);
            let line = std::mem::take(&mut self.partial);
            self.handle_line(&line, &mut out);
            rest = tail.get(1..).unwrap_or_default();
        }
        self.partial.extend_from_slice(rest);
        out
    }

    /// Ends the input: reads an unterminated last line and reports truncation.
    pub fn finish(mut self) -> Vec<Parsed> {
        let mut out = Vec::new();
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.handle_line(&line, &mut out);
        }
        let last_line = self.next_line.saturating_sub(1).max(1);
        if let Some(open) = self.open.take() {
            out.push(Parsed::Problem(problem(
                open.usage.line,
                "end",
                &format!(
                    "file ends inside the usage of licence {} (no end record): truncated file",
                    open.usage.authorization_ref
                ),
            )));
        }
        match self.phase {
            Phase::ExpectHeader => out.push(Parsed::Problem(problem(
                last_line,
                "fileHeader",
                "empty input: no fileHeader record",
            ))),
            Phase::Body => out.push(Parsed::Problem(problem(
                last_line,
                "fileTrailer",
                "file ends without a fileTrailer record: truncated file",
            ))),
            Phase::AfterTrailer | Phase::Refused => {}
        }
        out
    }

    fn handle_line(&mut self, raw: &[u8], out: &mut Vec<Parsed>) {
        let line_no = self.next_line;
        self.next_line += 1;
        if self.phase == Phase::Refused {
            return;
        }
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = match std::str::from_utf8(raw) {
            Ok(text) if text.trim().is_empty() => return,
            Ok(text) => text,
            Err(_) => {
                // Still a record: count it so the end and trailer counts stay meaningful.
                out.push(Parsed::Problem(problem(
                    line_no,
                    "",
                    "line is not valid UTF-8",
                )));
                self.expected_record_no = self.expected_record_no.saturating_add(1);
                self.count_record();
                if let Some(open) = self.open.as_mut() {
                    open.rejected = true;
                }
                return;
            }
        };
        let fields: Vec<&str> = text.split('\\').collect();
        let record_no = fields.first().copied().unwrap_or_default();
        match record_no.trim().parse::<u64>() {
            Ok(n) => {
                if n != self.expected_record_no {
                    out.push(Parsed::Problem(problem(
                        line_no,
                        "lineNo",
                        &format!(
                            "record number {n} where {} was expected",
                            self.expected_record_no
                        ),
                    )));
                }
                self.expected_record_no = n.saturating_add(1);
            }
            Err(_) => {
                out.push(Parsed::Problem(problem(
                    line_no,
                    "lineNo",
                    &format!("'{record_no}' is not a record number"),
                )));
                self.expected_record_no = self.expected_record_no.saturating_add(1);
            }
        }
        let record_type = fields.get(1).copied().unwrap_or_default();
        let args = Fields {
            line: line_no,
            values: fields.get(2..).unwrap_or_default(),
        };
        self.count_record();
        self.handle_record(record_type, &args, out);
    }

    fn count_record(&mut self) {
        if let Some(open) = self.open.as_mut() {
            open.records += 1;
            if let Some(count) = open.line_records.as_mut() {
                *count += 1;
            }
        }
    }

    fn reject(&mut self, problems: Vec<Problem>, out: &mut Vec<Parsed>) {
        if problems.is_empty() {
            return;
        }
        if let Some(open) = self.open.as_mut() {
            open.rejected = true;
        }
        out.extend(problems.into_iter().map(Parsed::Problem));
    }

    fn handle_record(&mut self, record_type: &str, args: &Fields<'_>, out: &mut Vec<Parsed>) {
        let line = args.line;
        match (&self.phase, record_type) {
            (Phase::ExpectHeader, "fileHeader") => match parse_header(args) {
                Ok(header) if header.message_type == "usageData" => {
                    self.phase = Phase::Body;
                    out.push(Parsed::Header(header));
                }
                Ok(header) => {
                    self.phase = Phase::Refused;
                    out.push(Parsed::Problem(problem(
                        line,
                        "dataId",
                        &format!(
                            "message type is '{}', expected 'usageData'",
                            header.message_type
                        ),
                    )));
                }
                Err(p) => {
                    self.phase = Phase::Body;
                    out.push(Parsed::Problem(p));
                }
            },
            (Phase::ExpectHeader, _) => {
                out.push(Parsed::Problem(problem(
                    line,
                    "fileHeader",
                    &format!("the first record must be fileHeader, found '{record_type}'"),
                )));
                self.phase = Phase::Body;
                self.handle_record(record_type, args, out);
            }
            (Phase::AfterTrailer, _) => out.push(Parsed::Problem(problem(
                line,
                "",
                &format!("record '{record_type}' after the fileTrailer"),
            ))),
            (Phase::Refused, _) => {}
            (Phase::Body, "fileHeader") => out.push(Parsed::Problem(problem(
                line,
                "fileHeader",
                "second fileHeader record",
            ))),
            (Phase::Body, "licenceUsage") => {
                if let Some(open) = self.open.take() {
                    out.push(Parsed::Problem(problem(
                        open.usage.line,
                        "end",
                        &format!(
                            "usage of licence {} has no end record before line {line}",
                            open.usage.authorization_ref
                        ),
                    )));
                }
                self.transactions += 1;
                let mut problems = Vec::new();
                let usage = parse_licence_usage(args, &mut problems);
                let rejected = !problems.is_empty();
                out.extend(problems.into_iter().map(Parsed::Problem));
                self.open = Some(OpenUsage {
                    usage,
                    records: 1,
                    line_records: None,
                    rejected,
                });
            }
            (Phase::Body, "line") => {
                let Some(open) = self.open.as_mut() else {
                    out.push(Parsed::Problem(problem(
                        line,
                        "",
                        "line record outside a licenceUsage transaction",
                    )));
                    return;
                };
                let mut problems = Vec::new();
                if open.line_records.is_some() {
                    problems.push(problem(
                        line,
                        "",
                        "line record before the previous line's end record",
                    ));
                }
                let usage_line = parse_usage_line(args, &mut problems);
                if open
                    .usage
                    .lines
                    .iter()
                    .any(|l| l.line_no == usage_line.line_no)
                {
                    problems.push(problem(
                        line,
                        "lineNum",
                        &format!("line {} reported twice", usage_line.line_no),
                    ));
                }
                open.usage.lines.push(usage_line);
                open.line_records = Some(1);
                self.reject(problems, out);
            }
            (Phase::Body, "usage") => {
                let Some(open) = self.open.as_mut() else {
                    out.push(Parsed::Problem(problem(
                        line,
                        "",
                        "usage record outside a licenceUsage transaction",
                    )));
                    return;
                };
                let mut problems = Vec::new();
                let usage = parse_usage(args, &mut problems);
                match (open.line_records, open.usage.lines.last_mut()) {
                    (Some(_), Some(usage_line)) => usage_line.usages.push(usage),
                    _ => problems.push(problem(line, "", "usage record outside a line")),
                }
                self.reject(problems, out);
            }
            (Phase::Body, "end") => self.end_record(args, out),
            (Phase::Body, "fileTrailer") => {
                if let Some(open) = self.open.take() {
                    out.push(Parsed::Problem(problem(
                        open.usage.line,
                        "end",
                        &format!(
                            "usage of licence {} has no end record before the fileTrailer",
                            open.usage.authorization_ref
                        ),
                    )));
                }
                self.phase = Phase::AfterTrailer;
                match args.count(0, "transactionCount") {
                    Ok(count) if count != self.transactions => out.push(Parsed::Problem(problem(
                        line,
                        "transactionCount",
                        &format!(
                            "trailer counts {count} licenceUsage transactions but the file has {}",
                            self.transactions
                        ),
                    ))),
                    Ok(_) => {}
                    Err(p) => out.push(Parsed::Problem(p)),
                }
            }
            (Phase::Body, other) => {
                let p = problem(line, "", &format!("unknown record type '{other}'"));
                self.reject(vec![p], out);
            }
        }
    }

    fn end_record(&mut self, args: &Fields<'_>, out: &mut Vec<Parsed>) {
        let start_type = args.text(0);
        let count = match args.count(1, "recordCount") {
            Ok(count) => Some(count),
            Err(p) => {
                self.reject(vec![p], out);
                None
            }
        };
        match start_type {
            "line" => {
                let Some(open) = self.open.as_mut() else {
                    out.push(Parsed::Problem(problem(
                        args.line,
                        "end",
                        "end of line outside a licenceUsage",
                    )));
                    return;
                };
                let Some(records) = open.line_records.take() else {
                    let p = problem(args.line, "end", "end of line without a line record");
                    self.reject(vec![p], out);
                    return;
                };
                if let Some(count) = count
                    && count != records
                {
                    let p = problem(
                        args.line,
                        "recordCount",
                        &format!("end of line counts {count} records but the line has {records}"),
                    );
                    self.reject(vec![p], out);
                }
            }
            "licenceUsage" => {
                let Some(open) = self.open.take() else {
                    out.push(Parsed::Problem(problem(
                        args.line,
                        "end",
                        "end of licenceUsage without a licenceUsage record",
                    )));
                    return;
                };
                let mut rejected = open.rejected || count.is_none();
                if open.line_records.is_some() {
                    rejected = true;
                    out.push(Parsed::Problem(problem(
                        args.line,
                        "end",
                        "end of licenceUsage while a line is still open",
                    )));
                }
                if let Some(count) = count
                    && count != open.records
                {
                    rejected = true;
                    out.push(Parsed::Problem(problem(
                        args.line,
                        "recordCount",
                        &format!(
                            "end of licenceUsage counts {count} records but the usage of licence {} has {}",
                            open.usage.authorization_ref, open.records
                        ),
                    )));
                }
                if !rejected {
                    out.push(Parsed::LicenceUsage(open.usage));
                }
            }
            other => {
                let p = problem(
                    args.line,
                    "startRecordType",
                    &format!("end of '{other}' in a usageData message"),
                );
                self.reject(vec![p], out);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------

fn parse_header(args: &Fields<'_>) -> Result<FileHeader, Problem> {
    let mut problems = Vec::new();
    let source_system = args.required(0, "sourceSystem", &mut problems);
    let destination_system = args.required(1, "destinationSystem", &mut problems);
    let message_type = args.required(2, "dataId", &mut problems);
    let created = parse_timestamp(args.text(3)).unwrap_or_else(|| {
        problems.push(problem(
            args.line,
            "creationDateTime",
            &format!("'{}' is not a date-time in ccyymmddhhmm form", args.text(3)),
        ));
        String::new()
    });
    let run_number = args
        .count(4, "runNum")
        .map_err(|p| problems.push(p))
        .unwrap_or(0);
    match problems.into_iter().next() {
        Some(first) => Err(first),
        None => Ok(FileHeader {
            line: args.line,
            source_system,
            destination_system,
            message_type,
            created,
            run_number,
        }),
    }
}

fn parse_licence_usage(args: &Fields<'_>, problems: &mut Vec<Problem>) -> ParsedLicenceUsage {
    let transaction_ref = args.required(0, "transactionRef", problems);
    if args.text(1) != "insert" {
        problems.push(problem(
            args.line,
            "action",
            &format!("'{}' is not insert (the only usage action)", args.text(1)),
        ));
    }
    let authorization_ref = args.required(2, "licenceRef", problems);
    let licence_status = match args.text(3) {
        "O" => LicenceStatus::Open,
        "C" => LicenceStatus::Cancelled,
        "E" => LicenceStatus::Exhausted,
        "S" => LicenceStatus::Surrendered,
        "D" => LicenceStatus::Expired,
        other => {
            problems.push(problem(
                args.line,
                "licenceStatus",
                &format!("'{other}' is not one of C, E, O, S, D"),
            ));
            LicenceStatus::Open
        }
    };
    let completion_date = args.date(4, "completionDate", problems);
    ParsedLicenceUsage {
        line: args.line,
        transaction_ref,
        authorization_ref,
        licence_status,
        completion_date,
        lines: Vec::new(),
    }
}

fn parse_usage_line(args: &Fields<'_>, problems: &mut Vec<Problem>) -> ParsedUsageLine {
    let line_no = match args.text(0).parse::<u32>() {
        Ok(n) if n >= 1 => n,
        _ => {
            problems.push(problem(
                args.line,
                "lineNum",
                &format!("'{}' is not a line number (1 or more)", args.text(0)),
            ));
            0
        }
    };
    let currency = args.optional(3);
    if let Some(code) = &currency
        && !is_currency(code)
    {
        problems.push(problem(
            args.line,
            "currency",
            &format!("'{code}' is not an ISO 4217 code"),
        ));
    }
    ParsedUsageLine {
        line: args.line,
        line_no,
        quantity_used: args.decimal(1, "quantityUsed", problems),
        value_used: args.decimal(2, "valueUsed", problems),
        currency,
        usages: Vec::new(),
    }
}

fn parse_usage(args: &Fields<'_>, problems: &mut Vec<Problem>) -> ParsedUsage {
    let usage_type = match args.text(0) {
        "O" => UsageType::Original,
        "A" => UsageType::Adjusted,
        "C" => UsageType::Contra,
        "L" => UsageType::LateOriginal,
        "M" => UsageType::MessageOnly,
        other => {
            problems.push(problem(
                args.line,
                "usageType",
                &format!("'{other}' is not one of O, A, C, L, M"),
            ));
            UsageType::Original
        }
    };
    let declaration_urc = args.required(1, "declarationUcr", problems);
    let control_date = match args.date(3, "controlDate", problems) {
        Some(date) => date,
        None => {
            if args.text(3).is_empty() {
                problems.push(problem(args.line, "controlDate", "required but empty"));
            }
            String::new()
        }
    };
    let quantity_used = args.decimal(4, "quantityUsed", problems);
    let value_used = args.decimal(5, "valueUsed", problems);
    let currency = args.optional(6);
    match &currency {
        Some(code) if !is_currency(code) => problems.push(problem(
            args.line,
            "currency",
            &format!("'{code}' is not an ISO 4217 code"),
        )),
        None if value_used.as_deref().is_some_and(|v| !is_zero(v)) => problems.push(problem(
            args.line,
            "currency",
            "required when valueUsed is not zero",
        )),
        _ => {}
    }
    let origin_country = args.optional(9);
    if let Some(code) = &origin_country
        && !is_country(code)
    {
        problems.push(problem(
            args.line,
            "originCountry",
            &format!("'{code}' is not an ISO 3166-1 alpha-2 code"),
        ));
    }
    ParsedUsage {
        line: args.line,
        usage_type,
        declaration_urc,
        declaration_part_num: args.optional(2),
        control_date,
        quantity_used,
        value_used,
        currency,
        trader_id: args.optional(7),
        claim_ref: args.optional(8),
        origin_country,
        customs_mic: args.optional(10),
        customs_message: args.optional(11),
        consignee_name: args.optional(12),
        declaration_mrn: args.optional(13),
        departure_ics: args.optional(14),
    }
}

// ---------------------------------------------------------------------------------------
// Field helpers
// ---------------------------------------------------------------------------------------

/// The fields after the record number and type.
struct Fields<'a> {
    line: u64,
    values: &'a [&'a str],
}

impl Fields<'_> {
    fn text(&self, index: usize) -> &str {
        self.values.get(index).copied().unwrap_or_default().trim()
    }

    fn optional(&self, index: usize) -> Option<String> {
        let text = self.text(index);
        (!text.is_empty()).then(|| text.to_owned())
    }

    fn required(&self, index: usize, field: &str, problems: &mut Vec<Problem>) -> String {
        self.optional(index).unwrap_or_else(|| {
            problems.push(problem(self.line, field, "required but empty"));
            String::new()
        })
    }

    fn date(&self, index: usize, field: &str, problems: &mut Vec<Problem>) -> Option<String> {
        let text = self.text(index);
        if text.is_empty() {
            return None;
        }
        let iso = parse_date(text);
        if iso.is_none() {
            problems.push(problem(
                self.line,
                field,
                &format!("'{text}' is not a date in ccyymmdd form"),
            ));
        }
        iso
    }

    fn decimal(&self, index: usize, field: &str, problems: &mut Vec<Problem>) -> Option<String> {
        let text = self.text(index);
        if text.is_empty() {
            return None;
        }
        if is_decimal(text) {
            Some(text.to_owned())
        } else {
            problems.push(problem(
                self.line,
                field,
                &format!("'{text}' is not a number"),
            ));
            None
        }
    }

    fn count(&self, index: usize, field: &str) -> Result<u64, Problem> {
        let text = self.text(index);
        text.parse::<u64>()
            .map_err(|_| problem(self.line, field, &format!("'{text}' is not a count")))
    }
}

fn problem(line: u64, field: &str, message: &str) -> Problem {
    Problem {
        line,
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

fn is_country(text: &str) -> bool {
    text.len() == 2 && text.chars().all(|c| c.is_ascii_uppercase())
}

fn is_currency(text: &str) -> bool {
    text.len() == 3 && text.chars().all(|c| c.is_ascii_uppercase())
}

fn is_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

fn is_zero(decimal: &str) -> bool {
    decimal.chars().all(|c| matches!(c, '0' | '.' | '-'))
}

fn parse_date(text: &str) -> Option<String> {
    if text.len() != 8 || !text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let year: u32 = text.get(0..4)?.parse().ok()?;
    let month: u32 = text.get(4..6)?.parse().ok()?;
    let day: u32 = text.get(6..8)?.parse().ok()?;
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (year >= 1900 && (1..=days_in_month).contains(&day))
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

fn parse_timestamp(text: &str) -> Option<String> {
    if text.len() != 12 {
        return None;
    }
    let date = parse_date(text.get(0..8)?)?;
    let hour: u32 = text.get(8..10)?.parse().ok()?;
    let minute: u32 = text.get(10..12)?.parse().ok()?;
    (hour < 24 && minute < 60).then(|| format!("{date}T{hour:02}:{minute:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture() -> Vec<u8> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/usage-2026.txt");
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn sample(name: &str) -> Option<Vec<u8>> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/chief-licence-usage-messages")
            .join(name);
        match std::fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(_) => {
                eprintln!("skipping: {} not present", path.display());
                None
            }
        }
    }

    fn usages(parsed: &[Parsed]) -> Vec<&ParsedLicenceUsage> {
        parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::LicenceUsage(u) => Some(u),
                _ => None,
            })
            .collect()
    }

    fn problems(parsed: &[Parsed]) -> Vec<String> {
        parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Problem(p) => Some(p.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_fixture_parses_into_the_scenario_usage() {
        let parsed = parse_all(&fixture());
        assert_eq!(problems(&parsed), Vec::<String>::new());
        let licences = usages(&parsed);
        assert_eq!(licences.len(), 5);
        let records: Vec<(&ParsedLicenceUsage, &ParsedUsageLine, &ParsedUsage)> = licences
            .iter()
            .flat_map(|u| {
                u.lines
                    .iter()
                    .flat_map(move |l| l.usages.iter().map(move |r| (*u, l, r)))
            })
            .collect();
        assert_eq!(records.len(), 12);

        let (licence, line, rifles) = records[0];
        assert_eq!(licence.transaction_ref, "LU26183/00001");
        assert_eq!(licence.licence_status, LicenceStatus::Open);
        assert_eq!(licence.authorization_ref, "GBSIEL/2026/0000101/P");
        assert_eq!(line.line_no, 1);
        assert_eq!(line.quantity_used.as_deref(), Some("60"));
        assert_eq!(rifles.line, 4);
        assert_eq!(rifles.usage_type, UsageType::Original);
        assert_eq!(rifles.declaration_urc, "6GB100200300000-ALB0312");
        assert_eq!(rifles.declaration_part_num.as_deref(), Some("A"));
        assert_eq!(rifles.control_date, "2026-03-12");
        assert_eq!(rifles.quantity_used.as_deref(), Some("60"));
        assert_eq!(rifles.currency, None);

        // The Danish licence is value-controlled: amounts as written, the type says more.
        let denmark: Vec<(UsageType, Option<&str>)> = records
            .iter()
            .filter(|(u, _, _)| u.authorization_ref == "GBSIEL/2026/0000107/P")
            .map(|(_, _, r)| (r.usage_type, r.value_used.as_deref()))
            .collect();
        assert_eq!(
            denmark,
            [
                (UsageType::Original, Some("40000.00")),
                (UsageType::Contra, Some("40000.00")),
                (UsageType::LateOriginal, Some("25000.00")),
                (UsageType::Original, Some("180000.00")),
            ]
        );

        let import = records.last().map(|(_, _, r)| r.origin_country.clone());
        assert_eq!(import, Some(Some("AT".to_owned())));

        let message = &licences[1].lines[0].usages[1];
        assert_eq!(message.usage_type, UsageType::MessageOnly);
        assert_eq!(message.customs_mic.as_deref(), Some("E01"));
    }

    #[test]
    fn seven_byte_chunks_give_the_same_result_as_one_chunk() {
        let bytes = fixture();
        let whole = parse_all(&bytes);
        let mut parser = Parser::new();
        let mut chunked = Vec::new();
        for chunk in bytes.chunks(7) {
            chunked.extend(parser.feed(chunk));
        }
        chunked.extend(parser.finish());
        assert_eq!(whole, chunked);
    }

    #[test]
    fn the_real_usage_samples_parse() {
        for (name, licences, records) in [
            ("ILBDOTI_live_CHIEF_usageData_1_202001010000", 1, 8),
            ("ILBDOTI_live_CHIEF_usageData_49543_201901130300", 7, 11),
        ] {
            let Some(bytes) = sample(name) else {
                return;
            };
            let parsed = parse_all(&bytes);
            assert_eq!(problems(&parsed), Vec::<String>::new(), "{name}");
            let found = usages(&parsed);
            assert_eq!(found.len(), licences, "{name}");
            let usage_records: usize = found
                .iter()
                .flat_map(|u| &u.lines)
                .map(|l| l.usages.len())
                .sum();
            assert_eq!(usage_records, records, "{name}");
        }
        if let Some(bytes) = sample("ILBDOTI_live_CHIEF_usageData_49543_201901130300") {
            let parsed = parse_all(&bytes);
            let found = usages(&parsed);
            let siel = found
                .iter()
                .find(|u| u.authorization_ref == "GBSIE2018/45678");
            let usage = siel.map(|u| &u.lines[0].usages[0]);
            assert_eq!(usage.and_then(|u| u.quantity_used.as_deref()), Some("3"));
            assert_eq!(usage.map(|u| u.control_date.as_str()), Some("2019-01-12"));
        }
    }

    #[test]
    fn other_chief_messages_are_refused_with_their_type() {
        for (name, found) in [
            ("CHIEF_LIVE_SPIRE_licenceData_1_202001010000", "licenceData"),
            (
                "ILBDOTI_live_CHIEF_licenceReply_1_202001010000",
                "licenceReply",
            ),
        ] {
            let Some(bytes) = sample(name) else {
                return;
            };
            assert_eq!(
                problems(&parse_all(&bytes)),
                [format!(
                    "line 1: dataId: message type is '{found}', expected 'usageData'"
                )],
            );
        }
    }

    #[test]
    fn a_truncated_file_rejects_the_open_usage() {
        let text = String::from_utf8(fixture()).unwrap_or_default();
        let cut: String = text.lines().take(13).map(|l| format!("{l}\n")).collect();
        let parsed = parse_all(cut.as_bytes());
        assert_eq!(usages(&parsed).len(), 1);
        assert_eq!(
            problems(&parsed),
            [
                "line 10: end: file ends inside the usage of licence GBSIEL/2026/0000103/P (no end record): truncated file",
                "line 13: fileTrailer: file ends without a fileTrailer record: truncated file",
            ]
        );
    }

    #[test]
    fn bad_fields_give_precise_problems() {
        let input = "1\\fileHeader\\CHIEF\\SPIRE\\usageData\\202601010000\\1\\\n\
                     2\\licenceUsage\\LU1/00001\\insert\\GBSIEL/2026/0000001/P\\O\\\n\
                     3\\line\\1\\x\\0\\\n\
                     4\\usage\\Z\\URC1\\A\\20261301\\5\\0\\\\000001\\\\\\\\\n\
                     5\\usage\\O\\URC2\\A\\20260105\\5\\12.5\\\\000001\\\\XX1\\\\\n\
                     6\\tally\\1\n\
                     7\\end\\line\\5\n\
                     8\\end\\licenceUsage\\7\n\
                     9\\fileTrailer\\1\n";
        let parsed = parse_all(input.as_bytes());
        assert!(usages(&parsed).is_empty());
        assert_eq!(
            problems(&parsed),
            [
                "line 3: quantityUsed: 'x' is not a number",
                "line 4: usageType: 'Z' is not one of O, A, C, L, M",
                "line 4: controlDate: '20261301' is not a date in ccyymmdd form",
                "line 5: currency: required when valueUsed is not zero",
                "line 5: originCountry: 'XX1' is not an ISO 3166-1 alpha-2 code",
                "line 6: unknown record type 'tally'",
            ]
        );
    }
}
