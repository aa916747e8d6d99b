//! Parser for CHIEF `licenceData` messages (licensing authority -> customs).
//!
//! The format, as seen in lite-hmrc's fixtures and its `mail/libraries/chieftypes.py`:
//! one record per line, fields separated by `\`, every line starting with its own record
//! number and then the record type:
//!
//! ```text
//! 1\fileHeader\SPIRE\CHIEF\licenceData\202001010000\1\N
//! 2\licence\20200000001P\insert\GBSIEL/2020/0000001/P\SIE\E\20200602\20220602
//! 3\trader\\GB123456789000\20200602\20220602\Organisation\addr1\...\postcode
//! 4\country\GB\\D
//! 5\foreignTrader\End User\addr1\...\postcode\GB
//! 6\restrictions\Provisos may apply please see licence
//! 7\line\1\\\\\Sporting shotgun\Q\\030\\10\\\\\\
//! 8\end\licence\7
//! 9\fileTrailer\1
//! ```
//!
//! A `licence` record opens a transaction that its `end\licence\N` record closes, N being
//! the number of records from the `licence` record to the `end` record inclusive. The
//! trailer counts the licence transactions. Both counts exist to detect truncated or
//! spliced files, so a mismatch rejects the transaction (or is reported for the file).
//!
//! The parser is streaming: bytes can arrive in chunks of any size, and an authorization
//! is emitted as soon as its `end` record has been read. A transaction with any problem is
//! not emitted (CHIEF itself accepts or rejects licences whole); its problems are.
//!
//! Output structs use the field names of interlock's model (`Authorization`,
//! `AuthorizationLine`, `Party`, ...) so that mapping them to drafts is mechanical. Dates are
//! ISO `YYYY-MM-DD` strings, decimals are the source's decimal text, countries ISO 3166-1
//! alpha-2, units UN/ECE Recommendation 20 (see [`rec20_unit`]).
//!
//! Conventions of the reporting State (documented in `fixtures/scenario/README.md`):
//! - the goods description of a line may start with the national control list entry
//!   (`ML1.a.4 Assault rifles ...`); it is split off into `control_entry`;
//! - CHIEF carries no issue date, and a licence is valid from its issue, so the start date
//!   doubles as `issue_date`.

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

/// One thing the parser found: the file header, a complete authorization, or a problem.
// Items are handed over one at a time, so boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    Header(FileHeader),
    Authorization(ParsedAuthorization),
    Problem(Problem),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileHeader {
    pub line: u64,
    /// System that wrote the file (`SPIRE`, `ILBDOTI`, ...).
    pub source_system: String,
    pub destination_system: String,
    /// Always `licenceData` here; other message types are refused.
    pub message_type: String,
    /// `YYYY-MM-DDTHH:MM`.
    pub created: String,
    pub run_number: u64,
    pub reset_run_number: Option<bool>,
}

/// The CHIEF transaction action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LicenceAction {
    Insert,
    Replace,
    Cancel,
}

/// Direction of use (`usage` field: `E` export, `I` import).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Export,
    Import,
}

/// What a licenceData transaction says about the licence. CHIEF only carries licences
/// the authority has issued, so insert and replace mean issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthorizationStatus {
    Issued,
    Cancelled,
}

/// The subset of model `PartyRole` that CHIEF records can express.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartyRole {
    Exporter,
    Importer,
    EndUser,
    Other,
}

/// How usage of a licence line is controlled (`controlledBy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlledBy {
    /// `B`: quantity and value.
    Both,
    /// `O`: open, usage not recorded (model `unlimited`).
    Open,
    /// `Q`: quantity only.
    Quantity,
    /// `V`: value only.
    Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedParty {
    pub line: u64,
    pub role: PartyRole,
    pub name: String,
    pub address: Option<String>,
    pub country: Option<String>,
    /// TURN or registered trader id (an EORI in practice).
    pub identifier: Option<String>,
    /// From the `trader` record (the UK trader), not `foreignTrader`.
    pub from_trader_record: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedQuantity {
    pub amount: String,
    /// UN/ECE Rec 20 code.
    pub unit: String,
    /// The CHIEF quantity code as written, kept as evidence.
    pub chief_unit: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedMoney {
    pub amount: String,
    pub currency: String,
}

/// A country group (`country\\G001\O`): CHIEF-defined lists the parser cannot expand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountryGroup {
    pub line: u64,
    pub group: String,
    /// The CHIEF use code, D/E/O/P/R/S.
    pub usage: char,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedLine {
    pub line: u64,
    pub line_no: u32,
    pub description: String,
    pub control_entry: Option<String>,
    /// The CHIEF commodity code (HS subheading plus national digits).
    pub hs_code: Option<String>,
    pub commodity_group: Option<String>,
    pub controlled_by: ControlledBy,
    pub quantity: Option<ParsedQuantity>,
    pub value: Option<ParsedMoney>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// Line of the `licence` record.
    pub line: u64,
    pub transaction_ref: String,
    pub action: LicenceAction,
    pub reference: String,
    /// CHIEF licence type (`SIE`, `OIE`, `SIL`, ...).
    pub licence_type: Option<String>,
    /// `None` only for a cancel that omits the usage field.
    pub direction: Option<Direction>,
    pub status: AuthorizationStatus,
    pub issue_date: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub parties: Vec<ParsedParty>,
    /// Use `D`.
    pub destination_countries: Vec<String>,
    /// Use `O`.
    pub origin_countries: Vec<String>,
    /// Use `R`.
    pub transit_countries: Vec<String>,
    /// Use `E`: prohibited destinations.
    pub prohibited_destination_countries: Vec<String>,
    /// Use `P`.
    pub prohibited_origin_countries: Vec<String>,
    /// Use `S`.
    pub prohibited_transit_countries: Vec<String>,
    pub country_groups: Vec<CountryGroup>,
    /// Provisos as written; `||` is the record's own line separator. On a cancel, the
    /// reason for it.
    pub restrictions: Option<String>,
    pub lines: Vec<ParsedLine>,
}

/// CHIEF quantity codes (HMRC "UK trade tariff quantity codes") to UN/ECE Recommendation
/// 20 unit codes. Only codes with an unambiguous Rec 20 equivalent are mapped; any other
/// code is reported rather than guessed.
///
/// lite-hmrc's own `UnitMapping` sends LTR as 94 and MTQ as 2, which HMRC's list defines
/// as "100 international units" and "kilogram of KOH"; its fixtures use 076 for litres.
/// Those two codes are therefore not mapped.
pub fn rec20_unit(chief_code: &str) -> Option<&'static str> {
    // Codes are written with leading zeros (030) but are numbers.
    let code: u32 = chief_code.trim().parse().ok()?;
    Some(match code {
        19 => "SET",
        21 => "GRM",
        23 => "KGM",
        25 => "TNE",
        30 => "NAR",
        31 => "PR",
        32 => "DZN",
        45 => "MTK",
        57 => "MTR",
        74 => "MLT",
        76 => "LTR",
        87 => "MTQ",
        110 => "4G",
        111 => "MGM",
        116 => "MC",
        _ => return None,
    })
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
    state: State,
}

#[derive(Debug, Default)]
struct State {
    phase: Phase,
    /// Record number the next record should carry.
    expected_record_no: u64,
    open: Option<OpenLicence>,
    /// Licence transactions started, for the trailer check.
    transactions: u64,
}

#[derive(Debug, Default, PartialEq, Eq)]
enum Phase {
    #[default]
    ExpectHeader,
    Body,
    AfterTrailer,
    /// The header named another message type: nothing else is read.
    Refused,
}

#[derive(Debug)]
struct OpenLicence {
    authorization: ParsedAuthorization,
    records: u64,
    rejected: bool,
}

impl Parser {
    pub fn new() -> Parser {
        Parser {
            partial: Vec::new(),
            next_line: 1,
            state: State {
                expected_record_no: 1,
                ..State::default()
            },
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
        if let Some(open) = self.state.open.take() {
            out.push(Parsed::Problem(Problem {
                line: open.authorization.line,
                field: "end".into(),
                message: format!(
                    "file ends inside licence {} (no end record): truncated file",
                    open.authorization.reference
                ),
            }));
        }
        match self.state.phase {
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
        if self.state.phase == Phase::Refused {
            return;
        }
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let Ok(text) = std::str::from_utf8(raw) else {
            // Still a record: count it so the end and trailer counts stay meaningful.
            out.push(Parsed::Problem(problem(
                line_no,
                "",
                "line is not valid UTF-8",
            )));
            self.state.expected_record_no = self.state.expected_record_no.saturating_add(1);
            if let Some(open) = self.state.open.as_mut() {
                open.records += 1;
                open.rejected = true;
            }
            return;
        };
        if text.trim().is_empty() {
            return;
        }
        let fields: Vec<&str> = text.split('\\').collect();
        let record_no = fields.first().copied().unwrap_or_default();
        match record_no.trim().parse::<u64>() {
            Ok(n) => {
                if n != self.state.expected_record_no {
                    out.push(Parsed::Problem(problem(
                        line_no,
                        "lineNo",
                        &format!(
                            "record number {n} where {} was expected",
                            self.state.expected_record_no
                        ),
                    )));
                }
                self.state.expected_record_no = n.saturating_add(1);
            }
            Err(_) => {
                out.push(Parsed::Problem(problem(
                    line_no,
                    "lineNo",
                    &format!("'{record_no}' is not a record number"),
                )));
                self.state.expected_record_no = self.state.expected_record_no.saturating_add(1);
            }
        }
        let record_type = fields.get(1).copied().unwrap_or_default();
        let args = Fields {
            line: line_no,
            values: fields.get(2..).unwrap_or_default(),
        };
        if let Some(open) = self.state.open.as_mut() {
            open.records += 1;
        }
        self.handle_record(record_type, &args, out);
    }

    fn handle_record(&mut self, record_type: &str, args: &Fields<'_>, out: &mut Vec<Parsed>) {
        let line = args.line;
        match (&self.state.phase, record_type) {
            (Phase::ExpectHeader, "fileHeader") => match parse_header(args) {
                Ok(header) if header.message_type == "licenceData" => {
                    self.state.phase = Phase::Body;
                    out.push(Parsed::Header(header));
                }
                Ok(header) => {
                    self.state.phase = Phase::Refused;
                    out.push(Parsed::Problem(problem(
                        line,
                        "dataId",
                        &format!(
                            "message type is '{}', expected 'licenceData'",
                            header.message_type
                        ),
                    )));
                }
                Err(p) => {
                    // Without a readable header, still try the body: its problems are
                    // more useful than silence.
                    self.state.phase = Phase::Body;
                    out.push(Parsed::Problem(p));
                }
            },
            (Phase::ExpectHeader, _) => {
                out.push(Parsed::Problem(problem(
                    line,
                    "fileHeader",
                    &format!("the first record must be fileHeader, found '{record_type}'"),
                )));
                self.state.phase = Phase::Body;
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
            (Phase::Body, "licence") => {
                if let Some(open) = self.state.open.take() {
                    out.push(Parsed::Problem(problem(
                        open.authorization.line,
                        "end",
                        &format!(
                            "licence {} has no end record before the next licence at line {line}",
                            open.authorization.reference
                        ),
                    )));
                }
                self.state.transactions += 1;
                self.start_licence(args, out);
            }
            (Phase::Body, "end") => self.end_licence(args, out),
            (Phase::Body, "fileTrailer") => {
                if let Some(open) = self.state.open.take() {
                    out.push(Parsed::Problem(problem(
                        open.authorization.line,
                        "end",
                        &format!(
                            "licence {} has no end record before the fileTrailer",
                            open.authorization.reference
                        ),
                    )));
                }
                self.state.phase = Phase::AfterTrailer;
                match args.count(0, "transactionCount") {
                    Ok(count) if count != self.state.transactions => {
                        out.push(Parsed::Problem(problem(
                            line,
                            "transactionCount",
                            &format!(
                                "trailer counts {count} licence transactions but the file has {}",
                                self.state.transactions
                            ),
                        )))
                    }
                    Ok(_) => {}
                    Err(p) => out.push(Parsed::Problem(p)),
                }
            }
            (Phase::Body, "trader" | "country" | "foreignTrader" | "restrictions" | "line") => {
                let Some(open) = self.state.open.as_mut() else {
                    out.push(Parsed::Problem(problem(
                        line,
                        "",
                        &format!("record '{record_type}' outside a licence transaction"),
                    )));
                    return;
                };
                let result = match record_type {
                    "trader" => parse_trader(args, &mut open.authorization),
                    "country" => parse_country(args, &mut open.authorization),
                    "foreignTrader" => parse_foreign_trader(args, &mut open.authorization),
                    "restrictions" => {
                        let text = args.text(0);
                        open.authorization.restrictions =
                            (!text.is_empty()).then(|| text.to_owned());
                        Ok(())
                    }
                    _ => parse_line(args, &mut open.authorization),
                };
                if let Err(problems) = result {
                    open.rejected = true;
                    out.extend(problems.into_iter().map(Parsed::Problem));
                }
            }
            (Phase::Body, other) => {
                out.push(Parsed::Problem(problem(
                    line,
                    "",
                    &format!("unknown record type '{other}'"),
                )));
                self.reject_open();
            }
        }
    }

    fn reject_open(&mut self) {
        if let Some(open) = self.state.open.as_mut() {
            open.rejected = true;
        }
    }

    fn start_licence(&mut self, args: &Fields<'_>, out: &mut Vec<Parsed>) {
        let mut problems = Vec::new();
        let transaction_ref = args.required(0, "transactionRef", &mut problems);
        let action = match args.text(1) {
            "insert" => Some(LicenceAction::Insert),
            "replace" => Some(LicenceAction::Replace),
            "cancel" => Some(LicenceAction::Cancel),
            other => {
                problems.push(problem(
                    args.line,
                    "action",
                    &format!("'{other}' is not insert, replace or cancel"),
                ));
                None
            }
        };
        let reference = args.required(2, "licenceRef", &mut problems);
        // Type, usage and start date are required except for a cancel.
        let strict = action != Some(LicenceAction::Cancel);
        let licence_type = args.optional(3);
        if strict && licence_type.is_none() {
            problems.push(problem(
                args.line,
                "licenceType",
                "required for insert and replace",
            ));
        }
        let direction = match args.text(4) {
            "E" => Some(Direction::Export),
            "I" => Some(Direction::Import),
            "" if !strict => None,
            "" => {
                problems.push(problem(
                    args.line,
                    "usage",
                    "required for insert and replace",
                ));
                None
            }
            other => {
                problems.push(problem(
                    args.line,
                    "usage",
                    &format!("'{other}' is not E (export) or I (import)"),
                ));
                None
            }
        };
        let valid_from = args.date(5, "startDate", &mut problems);
        if strict && valid_from.is_none() && args.text(5).is_empty() {
            problems.push(problem(
                args.line,
                "startDate",
                "required for insert and replace",
            ));
        }
        let valid_until = args.date(6, "endDate", &mut problems);
        let authorization = ParsedAuthorization {
            line: args.line,
            transaction_ref,
            action: action.unwrap_or(LicenceAction::Insert),
            reference,
            licence_type,
            direction,
            status: if action == Some(LicenceAction::Cancel) {
                AuthorizationStatus::Cancelled
            } else {
                AuthorizationStatus::Issued
            },
            issue_date: valid_from.clone(),
            valid_from,
            valid_until,
            parties: Vec::new(),
            destination_countries: Vec::new(),
            origin_countries: Vec::new(),
            transit_countries: Vec::new(),
            prohibited_destination_countries: Vec::new(),
            prohibited_origin_countries: Vec::new(),
            prohibited_transit_countries: Vec::new(),
            country_groups: Vec::new(),
            restrictions: None,
            lines: Vec::new(),
        };
        let rejected = !problems.is_empty();
        out.extend(problems.into_iter().map(Parsed::Problem));
        self.state.open = Some(OpenLicence {
            authorization,
            records: 1,
            rejected,
        });
    }

    fn end_licence(&mut self, args: &Fields<'_>, out: &mut Vec<Parsed>) {
        let start_type = args.text(0);
        if start_type != "licence" {
            out.push(Parsed::Problem(problem(
                args.line,
                "startRecordType",
                &format!("end of '{start_type}' in a licenceData message (expected 'licence')"),
            )));
            self.reject_open();
            return;
        }
        let Some(open) = self.state.open.take() else {
            out.push(Parsed::Problem(problem(
                args.line,
                "end",
                "end of licence without a licence record",
            )));
            return;
        };
        let mut rejected = open.rejected;
        match args.count(1, "recordCount") {
            Ok(count) if count != open.records => {
                rejected = true;
                out.push(Parsed::Problem(problem(
                    args.line,
                    "recordCount",
                    &format!(
                        "end record counts {count} records but licence {} has {}",
                        open.authorization.reference, open.records
                    ),
                )));
            }
            Ok(_) => {}
            Err(p) => {
                rejected = true;
                out.push(Parsed::Problem(p));
            }
        }
        if !rejected {
            out.push(Parsed::Authorization(open.authorization));
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
    let created = match parse_timestamp(args.text(3)) {
        Some(ts) => ts,
        None => {
            problems.push(problem(
                args.line,
                "creationDateTime",
                &format!("'{}' is not a date-time in ccyymmddhhmm form", args.text(3)),
            ));
            String::new()
        }
    };
    let run_number = args
        .count(4, "runNum")
        .map_err(|p| problems.push(p))
        .unwrap_or(0);
    let reset_run_number = match args.text(5) {
        "Y" => Some(true),
        "N" => Some(false),
        _ => None,
    };
    match problems.into_iter().next() {
        Some(first) => Err(first),
        None => Ok(FileHeader {
            line: args.line,
            source_system,
            destination_system,
            message_type,
            created,
            run_number,
            reset_run_number,
        }),
    }
}

fn parse_trader(args: &Fields<'_>, licence: &mut ParsedAuthorization) -> Result<(), Vec<Problem>> {
    // turn \ rpaTraderId \ startDate \ endDate \ name \ address1..6 \ postcode. Writers
    // emit five or six address fields, so the postcode is taken as the last field.
    let mut problems = Vec::new();
    let turn = args.optional(0);
    let trader_id = args.optional(1);
    if turn.is_none() && trader_id.is_none() {
        problems.push(problem(
            args.line,
            "turn",
            "either TURN or rpaTraderId is required",
        ));
    }
    args.date(2, "startDate", &mut problems);
    args.date(3, "endDate", &mut problems);
    let name = args.required(4, "name", &mut problems);
    let address = address_from(args.values.get(5..).unwrap_or_default());
    let identifier = turn.or(trader_id);
    let role = match licence.direction {
        Some(Direction::Export) => PartyRole::Exporter,
        Some(Direction::Import) => PartyRole::Importer,
        None => PartyRole::Other,
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    licence.parties.push(ParsedParty {
        line: args.line,
        role,
        name,
        address,
        country: identifier.as_deref().and_then(eori_country),
        identifier,
        from_trader_record: true,
    });
    Ok(())
}

fn parse_foreign_trader(
    args: &Fields<'_>,
    licence: &mut ParsedAuthorization,
) -> Result<(), Vec<Problem>> {
    // name \ address1..6 \ postcode \ country; lite-hmrc writes five address lines, the
    // CHIEF spec six, so the country is the last field and the postcode the one before.
    let mut problems = Vec::new();
    let name = args.required(0, "name", &mut problems);
    let count = args.values.len();
    let country_text = if count >= 2 { args.text(count - 1) } else { "" };
    let country = if country_text.is_empty() {
        None
    } else {
        match country_code(country_text) {
            Some(code) => Some(code),
            None => {
                problems.push(problem(
                    args.line,
                    "country",
                    &format!("'{country_text}' is not an ISO 3166-1 alpha-2 code"),
                ));
                None
            }
        }
    };
    let address_fields = if count >= 2 {
        args.values.get(1..count - 1).unwrap_or_default()
    } else {
        &[]
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    licence.parties.push(ParsedParty {
        line: args.line,
        // For an export licence the foreign trader is the end user (lite-hmrc writes the
        // LITE end user there); for an import licence it is the overseas supplier.
        role: match licence.direction {
            Some(Direction::Import) => PartyRole::Exporter,
            Some(Direction::Export) => PartyRole::EndUser,
            None => PartyRole::Other,
        },
        name,
        address: address_from(address_fields),
        country,
        identifier: None,
        from_trader_record: false,
    });
    Ok(())
}

fn parse_country(args: &Fields<'_>, licence: &mut ParsedAuthorization) -> Result<(), Vec<Problem>> {
    let code_text = args.text(0);
    let group = args.optional(1);
    let usage = args.text(2);
    let usage_char = match usage {
        "D" | "E" | "O" | "P" | "R" | "S" => usage.chars().next().unwrap_or('D'),
        other => {
            return Err(vec![problem(
                args.line,
                "use",
                &format!("'{other}' is not one of D, E, O, P, R, S"),
            )]);
        }
    };
    match (code_text.is_empty(), group) {
        (true, Some(group)) => {
            licence.country_groups.push(CountryGroup {
                line: args.line,
                group,
                usage: usage_char,
            });
            Ok(())
        }
        (false, None) => {
            let Some(code) = country_code(code_text) else {
                return Err(vec![problem(
                    args.line,
                    "code",
                    &format!("'{code_text}' is not an ISO 3166-1 alpha-2 code"),
                )]);
            };
            let list = match usage_char {
                'D' => &mut licence.destination_countries,
                'E' => &mut licence.prohibited_destination_countries,
                'O' => &mut licence.origin_countries,
                'P' => &mut licence.prohibited_origin_countries,
                'R' => &mut licence.transit_countries,
                _ => &mut licence.prohibited_transit_countries,
            };
            if !list.contains(&code) {
                list.push(code);
            }
            Ok(())
        }
        (true, None) => Err(vec![problem(
            args.line,
            "code",
            "either a country code or a group is required",
        )]),
        (false, Some(_)) => Err(vec![problem(
            args.line,
            "group",
            "must be empty when a country code is given",
        )]),
    }
}

fn parse_line(args: &Fields<'_>, licence: &mut ParsedAuthorization) -> Result<(), Vec<Problem>> {
    // lineNum \ commodity \ supplement1 \ supplement2 \ commodityGroup \ goodsDescription \
    // controlledBy \ currency \ quantityUnit \ valueIssued \ quantityIssued \ subPeriod...
    let mut problems = Vec::new();
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
    if line_no != 0 && licence.lines.iter().any(|l| l.line_no == line_no) {
        problems.push(problem(
            args.line,
            "lineNum",
            &format!(
                "line {line_no} appears twice in licence {}",
                licence.reference
            ),
        ));
    }
    let commodity = args.optional(1);
    if let Some(code) = &commodity
        && !code.chars().all(|c| c.is_ascii_digit())
    {
        problems.push(problem(
            args.line,
            "commodity",
            &format!("'{code}' is not a numeric commodity code"),
        ));
    }
    let commodity_group = args.optional(4);
    let goods_description = args.text(5).trim();
    let controlled_by = match args.text(6) {
        "B" => Some(ControlledBy::Both),
        "O" => Some(ControlledBy::Open),
        "Q" => Some(ControlledBy::Quantity),
        "V" => Some(ControlledBy::Value),
        other => {
            problems.push(problem(
                args.line,
                "controlledBy",
                &format!("'{other}' is not B, O, Q or V"),
            ));
            None
        }
    };
    let by_quantity = matches!(
        controlled_by,
        Some(ControlledBy::Both | ControlledBy::Quantity)
    );
    let by_value = matches!(
        controlled_by,
        Some(ControlledBy::Both | ControlledBy::Value)
    );

    let quantity = if by_quantity {
        let unit_text = args.text(8);
        let amount = args.decimal(10, "quantityIssued", &mut problems);
        let unit = if unit_text.is_empty() {
            problems.push(problem(
                args.line,
                "quantityUnit",
                "required when controlledBy is B or Q",
            ));
            None
        } else {
            let mapped = rec20_unit(unit_text);
            if mapped.is_none() {
                problems.push(problem(
                    args.line,
                    "quantityUnit",
                    &format!("CHIEF quantity code '{unit_text}' has no UN/ECE Rec 20 mapping"),
                ));
            }
            mapped
        };
        if args.text(10).is_empty() {
            problems.push(problem(
                args.line,
                "quantityIssued",
                "required when controlledBy is B or Q",
            ));
        }
        match (amount, unit) {
            (Some(amount), Some(unit)) => Some(ParsedQuantity {
                amount,
                unit: unit.to_owned(),
                chief_unit: unit_text.to_owned(),
            }),
            _ => None,
        }
    } else {
        None
    };
    let value = if by_value {
        let currency = args.text(7);
        let amount = args.decimal(9, "valueIssued", &mut problems);
        if args.text(9).is_empty() {
            problems.push(problem(
                args.line,
                "valueIssued",
                "required when controlledBy is B or V",
            ));
        }
        if !is_currency(currency) {
            problems.push(problem(
                args.line,
                "currency",
                &format!(
                    "'{currency}' is not an ISO 4217 code (required when controlledBy is B or V)"
                ),
            ));
        }
        amount
            .filter(|_| is_currency(currency))
            .map(|amount| ParsedMoney {
                amount,
                currency: currency.to_owned(),
            })
    } else {
        None
    };

    let (control_entry, description) = split_control_entry(goods_description);
    let description = if !description.is_empty() {
        description.to_owned()
    } else if let Some(code) = &commodity {
        format!("Commodity code {code}")
    } else if let Some(group) = &commodity_group {
        format!("Commodity group {group}")
    } else {
        problems.push(problem(
            args.line,
            "goodsDescription",
            "required when neither commodity nor commodityGroup is given",
        ));
        String::new()
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    licence.lines.push(ParsedLine {
        line: args.line,
        line_no,
        description,
        control_entry,
        hs_code: commodity,
        commodity_group,
        controlled_by: controlled_by.unwrap_or(ControlledBy::Open),
        quantity,
        value,
    });
    Ok(())
}

/// Splits a leading national control list entry (`ML1.a.4`, `ML10.a`, `PL5001`) from a
/// goods description. Only a first word that looks like a rating and is followed by more
/// text is taken, so a description such as "ML3" alone stays a description.
fn split_control_entry(description: &str) -> (Option<String>, &str) {
    let Some((first, rest)) = description.split_once(' ') else {
        return (None, description);
    };
    let looks_like_rating = (first.starts_with("ML") || first.starts_with("PL"))
        && first
            .get(2..3)
            .is_some_and(|c| c.chars().all(|c| c.is_ascii_digit()))
        && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
    if looks_like_rating && !rest.trim().is_empty() {
        (Some(first.to_owned()), rest.trim())
    } else {
        (None, description)
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
        self.values.get(index).copied().unwrap_or_default()
    }

    fn optional(&self, index: usize) -> Option<String> {
        let text = self.text(index).trim();
        (!text.is_empty()).then(|| text.to_owned())
    }

    fn required(&self, index: usize, field: &str, problems: &mut Vec<Problem>) -> String {
        match self.optional(index) {
            Some(text) => text,
            None => {
                problems.push(problem(self.line, field, "required but empty"));
                String::new()
            }
        }
    }

    /// An optional ccyymmdd date as ISO text; a malformed date is a problem.
    fn date(&self, index: usize, field: &str, problems: &mut Vec<Problem>) -> Option<String> {
        let text = self.text(index).trim();
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

    /// An optional decimal number; a malformed number is a problem.
    fn decimal(&self, index: usize, field: &str, problems: &mut Vec<Problem>) -> Option<String> {
        let text = self.text(index).trim();
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
        let text = self.text(index).trim();
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

fn address_from(fields: &[&str]) -> Option<String> {
    let parts: Vec<&str> = fields
        .iter()
        .map(|f| f.trim())
        .filter(|f| !f.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A UK-style EORI starts with the issuing country's code; that is the trader's country.
fn eori_country(identifier: &str) -> Option<String> {
    let (prefix, rest) = identifier.split_at_checked(2)?;
    let is_eori = !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit());
    if is_eori { country_code(prefix) } else { None }
}

fn country_code(text: &str) -> Option<String> {
    let text = text.trim();
    (text.len() == 2 && text.chars().all(|c| c.is_ascii_uppercase())).then(|| text.to_owned())
}

fn is_currency(text: &str) -> bool {
    text.len() == 3 && text.chars().all(|c| c.is_ascii_uppercase())
}

/// `-?digits(.digits)?`, the decimal text rust_decimal and the model accept.
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

/// `ccyymmdd` to `YYYY-MM-DD`, checking the calendar.
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

/// `ccyymmddhhmm` to `YYYY-MM-DDTHH:MM`.
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
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/licences-2026.txt");
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn authorizations(parsed: &[Parsed]) -> Vec<&ParsedAuthorization> {
        parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Authorization(a) => Some(a),
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

    #[test]
    fn the_fixture_parses_into_the_scenario_licences() {
        let parsed = parse_all(&fixture());
        assert_eq!(problems(&parsed), Vec::<String>::new());
        let header = parsed.iter().find_map(|p| match p {
            Parsed::Header(h) => Some(h),
            _ => None,
        });
        assert_eq!(header.map(|h| h.created.as_str()), Some("2026-05-05T18:00"));
        let licences = authorizations(&parsed);
        let refs: Vec<&str> = licences.iter().map(|a| a.reference.as_str()).collect();
        assert_eq!(
            refs,
            [
                "GBSIEL/2026/0000103/P",
                "GBSIEL/2026/0000104/P",
                "GBSIEL/2026/0000105/P",
                "GBSIEL/2026/0000106/P",
                "GBSIEL/2026/0000107/P",
                "GBSIEL/2026/0000108/P",
                "GBSIL2600201K",
            ]
        );
        let canada = licences[1];
        assert_eq!(canada.line, 10);
        assert_eq!(canada.direction, Some(Direction::Export));
        assert_eq!(canada.status, AuthorizationStatus::Issued);
        assert_eq!(canada.issue_date.as_deref(), Some("2026-03-01"));
        assert_eq!(canada.valid_until.as_deref(), Some("2027-03-01"));
        assert_eq!(canada.destination_countries, ["CA"]);
        assert_eq!(canada.parties.len(), 2);
        assert_eq!(canada.parties[0].role, PartyRole::Exporter);
        assert_eq!(
            canada.parties[0].identifier.as_deref(),
            Some("GB100200300000")
        );
        assert_eq!(canada.parties[0].country.as_deref(), Some("GB"));
        assert_eq!(canada.parties[1].role, PartyRole::EndUser);
        assert_eq!(canada.parties[1].country.as_deref(), Some("CA"));
        let pistols = &canada.lines[0];
        assert_eq!(pistols.line, 15);
        assert_eq!(pistols.control_entry.as_deref(), Some("ML1.a.1"));
        assert_eq!(pistols.description, "Self-loading pistols, 9x19mm");
        assert_eq!(pistols.hs_code.as_deref(), Some("9302000000"));
        assert_eq!(pistols.controlled_by, ControlledBy::Both);
        assert_eq!(
            pistols.quantity,
            Some(ParsedQuantity {
                amount: "300".into(),
                unit: "NAR".into(),
                chief_unit: "030".into()
            })
        );
        assert_eq!(
            pistols.value,
            Some(ParsedMoney {
                amount: "120000.00".into(),
                currency: "GBP".into()
            })
        );
        let denmark = licences[4];
        assert_eq!(denmark.action, LicenceAction::Replace);
        assert_eq!(denmark.lines[0].quantity, None);
        assert_eq!(
            denmark.lines[0].value.as_ref().map(|v| v.currency.as_str()),
            Some("EUR")
        );
        let cancelled = licences[5];
        assert_eq!(cancelled.status, AuthorizationStatus::Cancelled);
        assert_eq!(cancelled.destination_countries, ["BR"]);
        assert_eq!(cancelled.lines[0].control_entry.as_deref(), Some("ML1.a.3"));
        let import = licences[6];
        assert_eq!(import.direction, Some(Direction::Import));
        assert_eq!(import.origin_countries, ["AT"]);
        assert_eq!(import.parties[0].role, PartyRole::Importer);
        assert_eq!(import.parties[1].role, PartyRole::Exporter);
        assert_eq!(
            import.lines[0].quantity.as_ref().map(|q| q.amount.as_str()),
            Some("80")
        );
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
    fn the_real_spire_sample_parses_with_every_unit_mapped() {
        let Some(bytes) = sample("CHIEF_LIVE_SPIRE_licenceData_1_202001010000") else {
            return;
        };
        let parsed = parse_all(&bytes);
        assert_eq!(problems(&parsed), Vec::<String>::new());
        let licences = authorizations(&parsed);
        assert_eq!(licences.len(), 1);
        let licence = licences[0];
        assert_eq!(licence.reference, "GBSIEL/2020/0000001/P");
        assert_eq!(licence.lines.len(), 8);
        let units: Vec<&str> = licence
            .lines
            .iter()
            .filter_map(|l| l.quantity.as_ref().map(|q| q.unit.as_str()))
            .collect();
        assert_eq!(
            units,
            ["NAR", "MGM", "TNE", "MC", "4G", "MLT", "MGM", "LTR"]
        );
        assert_eq!(licence.parties[1].name, "End User");
        assert_eq!(licence.parties[1].country.as_deref(), Some("GB"));
        assert_eq!(
            licence.parties[0]
                .address
                .as_deref()
                .map(|a| a.ends_with("GU40 2LX")),
            Some(true)
        );
    }

    #[test]
    fn the_real_icms_samples_parse() {
        for (name, lines) in [
            ("fa_oil_insert", 1),
            ("fa_sil_insert", 6),
            ("sanction_insert", 3),
        ] {
            let Some(bytes) = sample(name) else {
                return;
            };
            let parsed = parse_all(&bytes);
            assert_eq!(problems(&parsed), Vec::<String>::new(), "{name}");
            let licences = authorizations(&parsed);
            assert_eq!(licences.len(), 1, "{name}");
            assert_eq!(licences[0].direction, Some(Direction::Import), "{name}");
            assert_eq!(licences[0].lines.len(), lines, "{name}");
        }
        if let Some(bytes) = sample("fa_oil_insert") {
            let parsed = parse_all(&bytes);
            let licence = authorizations(&parsed)[0];
            assert_eq!(licence.country_groups[0].group, "G001");
            assert_eq!(licence.lines[0].controlled_by, ControlledBy::Open);
        }
        if let Some(bytes) = sample("sanction_insert") {
            let parsed = parse_all(&bytes);
            let line = &authorizations(&parsed)[0].lines[0];
            assert_eq!(line.description, "Commodity code 7214993100");
            assert_eq!(line.quantity.as_ref().map(|q| q.unit.as_str()), Some("KGM"));
        }
    }

    #[test]
    fn other_chief_messages_are_refused_with_their_type() {
        for (name, found) in [
            ("ILBDOTI_live_CHIEF_usageData_1_202001010000", "usageData"),
            (
                "ILBDOTI_live_CHIEF_licenceReply_1_202001010000",
                "licenceReply",
            ),
            (
                "CHIEF_licenceReply_accepted_and_rejected_example",
                "licenceReply",
            ),
        ] {
            let Some(bytes) = sample(name) else {
                return;
            };
            let parsed = parse_all(&bytes);
            assert_eq!(
                problems(&parsed),
                [format!(
                    "line 1: dataId: message type is '{found}', expected 'licenceData'"
                )],
                "{name}"
            );
        }
    }

    #[test]
    fn a_truncated_file_rejects_the_open_licence() {
        let bytes = fixture();
        let text = String::from_utf8(bytes).unwrap_or_default();
        // Cut inside the Canada licence (after line 15).
        let cut: String = text.lines().take(15).map(|l| format!("{l}\n")).collect();
        let parsed = parse_all(cut.as_bytes());
        assert_eq!(authorizations(&parsed).len(), 1);
        assert_eq!(
            problems(&parsed),
            [
                "line 10: end: file ends inside licence GBSIEL/2026/0000104/P (no end record): truncated file",
                "line 15: fileTrailer: file ends without a fileTrailer record: truncated file",
            ]
        );
    }

    #[test]
    fn bad_fields_give_precise_problems() {
        let input = "1\\fileHeader\\SPIRE\\CHIEF\\licenceData\\202601010000\\1\\N\n\
                     2\\licence\\T1\\insert\\GBSIEL/2026/0000001/P\\SIE\\E\\20260231\\20270101\n\
                     3\\line\\1\\\\\\\\\\Rifles\\Q\\\\030\\\\ten\\\\\\\\\\\\\n\
                     4\\bogus\\x\n\
                     5\\end\\licence\\4\n\
                     6\\fileTrailer\\1\n";
        let parsed = parse_all(input.as_bytes());
        assert!(authorizations(&parsed).is_empty());
        assert_eq!(
            problems(&parsed),
            [
                "line 2: startDate: '20260231' is not a date in ccyymmdd form",
                "line 3: quantityIssued: 'ten' is not a number",
                "line 4: unknown record type 'bogus'",
            ]
        );
    }

    #[test]
    fn a_bare_cancel_as_lite_hmrc_writes_it_parses() {
        let input = "1\\fileHeader\\SPIRE\\CHIEF\\licenceData\\202601010000\\1\\N\n\
                     2\\licence\\20260000001P\\cancel\\GBSIEL/2026/0000001/P\\SIE\\E\\20260101\\20270101\n\
                     3\\end\\licence\\2\n\
                     4\\fileTrailer\\1\n";
        let parsed = parse_all(input.as_bytes());
        assert_eq!(problems(&parsed), Vec::<String>::new());
        let licences = authorizations(&parsed);
        assert_eq!(licences.len(), 1);
        assert_eq!(licences[0].status, AuthorizationStatus::Cancelled);
        assert!(licences[0].lines.is_empty() && licences[0].parties.is_empty());
    }

    #[test]
    fn count_mismatches_are_reported() {
        let input = "1\\fileHeader\\SPIRE\\CHIEF\\licenceData\\202601010000\\1\\N\n\
                     2\\licence\\T1\\cancel\\GBSIEL/2026/0000001/P\\\\\\\\\n\
                     3\\end\\licence\\3\n\
                     4\\fileTrailer\\2\n";
        let parsed = parse_all(input.as_bytes());
        assert_eq!(
            problems(&parsed),
            [
                "line 3: recordCount: end record counts 3 records but licence GBSIEL/2026/0000001/P has 2",
                "line 4: transactionCount: trailer counts 2 licence transactions but the file has 1",
            ]
        );
    }

    #[test]
    fn unknown_units_and_invalid_bytes_do_not_panic() {
        let mut input = b"1\\fileHeader\\SPIRE\\CHIEF\\licenceData\\202601010000\\1\\N\n\
                          2\\licence\\T1\\insert\\R1\\SIE\\E\\20260101\\\n\
                          3\\line\\1\\\\\\\\\\Goods\\Q\\\\094\\\\1\\\\\\\\\\\\\n"
            .to_vec();
        input
            .extend_from_slice(b"4\\restrictions\\\xff\xfe\n5\\end\\licence\\4\n6\\fileTrailer\\1");
        let parsed = parse_all(&input);
        assert!(authorizations(&parsed).is_empty());
        assert_eq!(
            problems(&parsed),
            [
                "line 3: quantityUnit: CHIEF quantity code '094' has no UN/ECE Rec 20 mapping",
                "line 4: line is not valid UTF-8",
            ]
        );
        assert_eq!(rec20_unit("030"), Some("NAR"));
        assert_eq!(rec20_unit("abc"), None);
    }
}
