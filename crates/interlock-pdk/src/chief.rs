//! CHIEF messages (HMRC's licence interchange: `licenceData`, `usageData`, ...): numbered,
//! backslash-separated records, read in chunks, with fields reached by their names in the
//! specification and diagnostics that name the line and the field.
//!
//! The framing, from HMRC's DES235 "TIS Line File Dialogue and Syntax" and DES236 "TIS
//! Licence Maintenance and Usage", as uktrade/lite-hmrc and uktrade/icms-hmrc write and read
//! them:
//!
//! ```text
//! 1\fileHeader\SPIRE\CHIEF\licenceData\202001010000\1\N
//! 2\licence\20200000001P\insert\GBSIEL/2020/0000001/P\SIE\E\20200602\20220602
//! 3\country\GB\\D
//! 4\line\1\\\\\Sporting shotgun\Q\\030\\10\\\\\\
//! 5\end\licence\4
//! 6\fileTrailer\1
//! ```
//!
//! - Every record starts with its number (1, 2, 3, ... in the file) and its type; the
//!   fields follow in the order the specification lists them. Trailing empty fields may be
//!   left out. Blank lines are skipped.
//! - A `fileHeader` comes first: `sourceSystem`, `destinationSystem`, `dataId` (the message
//!   type), `creationDateTime` (`ccyymmddhhmm`), `runNum`, `resetRunNum`.
//! - A transaction (`licence`, `licenceUsage`) is closed by `end\<type>\<recordCount>`, the
//!   count being the records from the opening record to the `end` record inclusive. A
//!   transaction may hold blocks closed the same way (`line` in usageData).
//! - `fileTrailer\<transactionCount>` ends the file. Both counts exist to detect truncated or
//!   spliced files; they are checked when given (DES236 makes them optional).
//! - The characters as transferred are ASCII (DES235 §12.2.1). lite-hmrc and icms-hmrc
//!   decode what CHIEF sends as ISO 8859-1, and so does [`ChiefReader`]: any byte reads, and
//!   a line with characters outside ASCII gets a warning (a UTF-8 writer's `é` reads `Ã©`).
//!
//! A plugin describes its message in a [`MessageSpec`] and gets every transaction, complete,
//! as a [`Transaction`]: a tree of [`Record`]s. The reader reports the framing (numbering,
//! counts, order, unknown record types); the plugin reads the fields it maps. A
//! transaction with an error is not to be emitted (CHIEF accepts or rejects transactions
//! whole); [`Transaction::read`] enforces that. A framing problem outside one transaction (the
//! header, numbering, counts, a cut-short file) concerns the whole file and has no line (see
//! [`Translation::file_error`]), so even an import with `--quarantine` refuses the file.
//!
//! ```ignore
//! const LICENCE_DATA: MessageSpec = MessageSpec {
//!     message_type: "licenceData",
//!     code: "chief-licence-data",
//!     transaction: RecordSpec::transaction("licence", &["transactionRef", "action", "licenceRef"]),
//!     key: "licenceRef",
//!     records: &[RecordSpec::within("licence", "restrictions", &["text"])],
//! };
//! let mut reader = ChiefReader::new(&LICENCE_DATA);
//! for transaction in reader.feed(chunk, &mut out) {
//!     let licence = transaction.read(&mut out, |licence, problems| {
//!         (licence.required("licenceRef", problems), licence.date("startDate", problems))
//!     });
//! }
//! ```

use std::str::FromStr;

use crate::formats::{Encoding, Line, LineSplitter};
use crate::{Diagnostic, MessageOrder, Severity, Translation, diagnostic, values, whole_file};

/// Field names of the records every CHIEF message has.
const FILE_HEADER: &[&str] = &[
    "sourceSystem",
    "destinationSystem",
    "dataId",
    "creationDateTime",
    "runNum",
    "resetRunNum",
];
const END: &[&str] = &["startRecordType", "recordCount"];
const FILE_TRAILER: &[&str] = &["transactionCount", "hashTotal"];

/// What [`Record`]'s conversions expect, for their messages.
const DATE: &str = "a date in ccyymmdd form";
const DATE_TIME: &str = "a date-time in ccyymmddhhmm form";
const NUMBER: &str = "a whole number in range";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Presence {
    Optional,
    Required,
}

fn parse<T: FromStr>(text: &str) -> Option<T> {
    text.parse().ok()
}

/// One record type of a message: its name, its fields in order and where it sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordSpec {
    pub record_type: &'static str,
    /// The field names after the record type, as the specification spells them. One name
    /// may end in `*` (`"address*"`): a run of fields whose length varies between writers;
    /// the names before it count from the start of the record, those after it from the end
    /// (`&["name", "address*", "country"]`: the country is the last field).
    pub fields: &'static [&'static str],
    /// The block the record sits directly in; `None` for the transaction record.
    pub within: Option<&'static str>,
    /// Whether the record opens a block that `end\<type>\<count>` closes.
    pub block: bool,
}

impl RecordSpec {
    /// The record that opens a transaction (`licence`).
    pub const fn transaction(record_type: &'static str, fields: &'static [&'static str]) -> Self {
        RecordSpec {
            record_type,
            fields,
            within: None,
            block: true,
        }
    }

    /// A record directly within the block `parent` (`trader` within `licence`).
    pub const fn within(
        parent: &'static str,
        record_type: &'static str,
        fields: &'static [&'static str],
    ) -> Self {
        RecordSpec {
            record_type,
            fields,
            within: Some(parent),
            block: false,
        }
    }

    /// Makes the record open a block that its own `end` record closes (usageData's `line`).
    pub const fn block(self) -> Self {
        RecordSpec {
            block: true,
            ..self
        }
    }
}

/// A CHIEF message type as a plugin reads it.
#[derive(Clone, Copy, Debug)]
pub struct MessageSpec {
    /// The `dataId` of the fileHeader (`licenceData`); a file of another type is refused.
    pub message_type: &'static str,
    /// The diagnostic code of the reader's problems and of [`Record`]'s.
    pub code: &'static str,
    /// The record that opens a transaction.
    pub transaction: RecordSpec,
    /// The transaction's field that names it in messages (`licenceRef`).
    pub key: &'static str,
    /// Every other record type of the body.
    pub records: &'static [RecordSpec],
}

/// The `fileHeader`, read and of the expected message type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileHeader {
    pub line: u64,
    /// The system that wrote the file (`SPIRE`, `ILBDOTI`, `CHIEF`).
    pub source_system: String,
    pub destination_system: String,
    /// `dataId`: the message type.
    pub message_type: String,
    /// `creationDateTime` in ISO 8601: `YYYY-MM-DDTHH:MM:SS`.
    pub created: String,
    /// `runNum`: the file's place in its stream.
    pub run_number: u64,
}

impl FileHeader {
    /// The stream the file belongs to: `SPIRE>CHIEF licenceData`.
    pub fn stream(&self) -> String {
        format!(
            "{}>{} {}",
            self.source_system, self.destination_system, self.message_type
        )
    }

    /// The day the file was created, `YYYY-MM-DD`.
    pub fn date(&self) -> &str {
        self.created.get(..10).unwrap_or(&self.created)
    }

    /// The file's place in its stream, for records that carry one: the stream, the run
    /// number and the creation time.
    pub fn message_order(&self) -> MessageOrder {
        MessageOrder {
            source: self.stream(),
            run: Some(self.run_number),
            created: Some(self.created.clone()),
        }
    }
}

/// One record: its line, its type, its fields by name and, for a block, the records in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub line: u64,
    pub record_type: &'static str,
    /// The records directly within this one, in file order (`end` records left out).
    pub children: Vec<Record>,
    fields: Vec<String>,
    names: &'static [&'static str],
    code: &'static str,
}

impl Record {
    fn new(
        line: u64,
        record_type: &'static str,
        fields: Vec<String>,
        names: &'static [&'static str],
        code: &'static str,
    ) -> Record {
        Record {
            line,
            record_type,
            children: Vec::new(),
            fields,
            names,
            code,
        }
    }

    /// The field `name`, trimmed; empty when the record leaves it out.
    pub fn get(&self, name: &str) -> &str {
        self.index(name)
            .and_then(|index| self.fields.get(index))
            .map_or("", |field| field.trim())
    }

    /// The field `name`, unless it is empty.
    pub fn optional(&self, name: &str) -> Option<String> {
        Some(self.get(name))
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    }

    /// The field `name`; an empty one is a problem ("required but empty").
    pub fn required(&self, name: &str, problems: &mut Vec<Diagnostic>) -> String {
        self.optional(name).unwrap_or_else(|| {
            problems.push(self.error(name, "required but empty"));
            String::new()
        })
    }

    /// The fields of the run `name` (declared `name*`), trimmed, empty ones left out.
    pub fn run(&self, name: &str) -> Vec<&str> {
        self.run_range(name)
            .and_then(|range| self.fields.get(range))
            .unwrap_or_default()
            .iter()
            .map(|field| field.trim())
            .filter(|field| !field.is_empty())
            .collect()
    }

    /// The `ccyymmdd` field `name` as `YYYY-MM-DD`; `None` when empty, and a problem when
    /// not eight digits. The calendar is the host's check (see [`values`]).
    pub fn date(&self, name: &str, problems: &mut Vec<Diagnostic>) -> Option<String> {
        let presence = Presence::Optional;
        self.convert(name, presence, problems, values::compact_date, DATE)
    }

    /// Like [`Record::date`], and an empty field is a problem too.
    pub fn required_date(&self, name: &str, problems: &mut Vec<Diagnostic>) -> Option<String> {
        let presence = Presence::Required;
        self.convert(name, presence, problems, values::compact_date, DATE)
    }

    /// The whole number in field `name` (`lineNum`) as a `T`; empty, or not such a number,
    /// is a problem.
    pub fn number<T: FromStr>(&self, name: &str, problems: &mut Vec<Diagnostic>) -> Option<T> {
        self.convert(name, Presence::Required, problems, parse, NUMBER)
    }

    /// The value of the code in field `name`: `codes` pairs each code the specification
    /// allows with its meaning. Any other code, or none, is a problem listing the codes.
    pub fn one_of<T: Copy>(
        &self,
        name: &str,
        codes: &[(&str, T)],
        problems: &mut Vec<Diagnostic>,
    ) -> Option<T> {
        let text = self.get(name);
        let found = codes.iter().find(|(code, _)| *code == text);
        if found.is_none() {
            let allowed: Vec<&str> = codes.iter().map(|(code, _)| *code).collect();
            let allowed = allowed.join(", ");
            let message = if text.is_empty() {
                format!("required but empty (one of {allowed})")
            } else {
                format!("`{text}` is not one of {allowed}")
            };
            problems.push(self.error(name, message));
        }
        found.map(|(_, value)| *value)
    }

    /// An error about field `field` of this record, on its line.
    pub fn error(&self, field: &str, message: impl Into<String>) -> Diagnostic {
        diagnostic(Severity::Error, self.line, field, self.code, message)
    }

    /// The records of type `record_type` directly within this one.
    pub fn children_of_type<'a>(
        &'a self,
        record_type: &'a str,
    ) -> impl Iterator<Item = &'a Record> + 'a {
        self.children
            .iter()
            .filter(move |child| child.record_type == record_type)
    }

    fn convert<T>(
        &self,
        name: &str,
        presence: Presence,
        problems: &mut Vec<Diagnostic>,
        convert: impl FnOnce(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let text = self.get(name);
        if text.is_empty() {
            if presence == Presence::Required {
                problems.push(self.error(name, "required but empty"));
            }
            return None;
        }
        let value = convert(text);
        if value.is_none() {
            problems.push(self.error(name, format!("`{text}` is not {expected}")));
        }
        value
    }

    /// Where the run (`name*`) is in the names, if there is one.
    fn run_at(&self) -> Option<usize> {
        self.names.iter().position(|name| name.ends_with('*'))
    }

    fn index(&self, name: &str) -> Option<usize> {
        let at = self.names.iter().position(|n| *n == name);
        // A name the record type does not have is a bug in the plugin, not bad input.
        debug_assert!(
            at.is_some() || self.names.iter().any(|n| n.strip_suffix('*') == Some(name)),
            "CHIEF record `{}` has no field `{name}`",
            self.record_type
        );
        let at = at?;
        match self.run_at() {
            // After the run: counted from the end, and never one of the fields before it.
            Some(run) if at > run => self
                .fields
                .len()
                .checked_sub(self.names.len() - at)
                .filter(|index| *index >= run),
            _ => Some(at),
        }
    }

    fn run_range(&self, name: &str) -> Option<std::ops::Range<usize>> {
        let run = self.run_at()?;
        (self.names.get(run)?.strip_suffix('*') == Some(name)).then_some(())?;
        let after = self.names.len() - run - 1;
        let end = self.fields.len().saturating_sub(after).max(run);
        Some(run.min(end)..end)
    }
}

/// A complete transaction: its opening record, with the records within it as children.
#[derive(Clone, Debug)]
pub struct Transaction {
    pub record: Record,
    /// What the reader found wrong inside it (counts, numbering, misplaced records).
    problems: Vec<Diagnostic>,
}

impl Transaction {
    /// Reads the transaction with `read`, which reports the problems of the fields it maps
    /// into `problems` (see [`Record::required`], [`Record::date`], ...). All problems go to
    /// `out`, the reader's and `read`'s in line order; the result is `Some` only if none of
    /// them is an error, so a transaction with any error is never emitted.
    pub fn read<T>(
        self,
        out: &mut Translation,
        read: impl FnOnce(&Record, &mut Vec<Diagnostic>) -> T,
    ) -> Option<T> {
        let mut problems = self.problems;
        let value = read(&self.record, &mut problems);
        problems.sort_by_key(|problem| problem.line);
        let clean = !problems.iter().any(|p| p.severity == Severity::Error);
        out.diagnostics.extend(problems);
        clean.then_some(value)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    #[default]
    ExpectHeader,
    Body,
    AfterTrailer,
    /// The header names another message type: nothing else is read.
    Refused,
    /// `finish` was called.
    Done,
}

/// A block being read, with the records counted since it opened (itself included).
#[derive(Debug)]
struct OpenBlock {
    record: Record,
    records: u64,
}

#[derive(Debug)]
struct OpenTransaction {
    /// Outermost (the transaction record) first.
    blocks: Vec<OpenBlock>,
    problems: Vec<Diagnostic>,
}

impl OpenTransaction {
    /// The transaction as read so far, blocks still open folded into their parents.
    fn close(mut self) -> Transaction {
        while self.blocks.len() > 1 {
            self.close_innermost();
        }
        let record = match self.blocks.pop() {
            Some(block) => block.record,
            None => Record::new(0, "", Vec::new(), &[], ""),
        };
        Transaction {
            record,
            problems: self.problems,
        }
    }

    /// Closes the innermost block into its parent, giving its type and line; the outermost
    /// is never closed here.
    fn close_innermost(&mut self) -> Option<(&'static str, u64)> {
        if self.blocks.len() < 2 {
            return None;
        }
        let block = self.blocks.pop()?;
        let closed = (block.record.record_type, block.record.line);
        self.blocks.last_mut()?.record.children.push(block.record);
        Some(closed)
    }
}

/// Reads a CHIEF message of one type, fed in chunks split anywhere: checks the framing and
/// hands over each transaction once it is complete (or cut short). Lines are decoded as
/// Latin-1 (see the module docs).
#[derive(Debug)]
pub struct ChiefReader {
    spec: &'static MessageSpec,
    lines: LineSplitter,
    phase: Phase,
    /// The last line read, for problems at the end of the file.
    last_line: u64,
    expected_record_no: u64,
    header: Option<FileHeader>,
    /// Transactions started, for the trailer's count.
    transactions: u64,
    open: Option<OpenTransaction>,
}

impl ChiefReader {
    pub fn new(spec: &'static MessageSpec) -> ChiefReader {
        ChiefReader {
            spec,
            lines: LineSplitter::with_encoding(Encoding::Latin1),
            phase: Phase::ExpectHeader,
            last_line: 0,
            expected_record_no: 1,
            header: None,
            transactions: 0,
            open: None,
        }
    }

    /// The file header, once read without problems.
    pub fn header(&self) -> Option<&FileHeader> {
        self.header.as_ref()
    }

    /// The transactions `chunk` completes; problems outside them go to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Translation) -> Vec<Transaction> {
        let mut done = Vec::new();
        for line in self.lines.feed(chunk) {
            self.line(line, out, &mut done);
        }
        done
    }

    /// The end of the file: the last line, a transaction cut short, a missing trailer.
    pub fn finish(&mut self, out: &mut Translation) -> Vec<Transaction> {
        let mut done = Vec::new();
        if let Some(line) = self.lines.finish() {
            self.line(line, out, &mut done);
        }
        self.cut_short(&mut done, |name| {
            format!("file ends inside {name} (no end record): truncated file")
        });
        let last_line = self.last_line.max(1);
        match self.phase {
            Phase::ExpectHeader => {
                out.file_error(
                    "fileHeader",
                    self.spec.code,
                    "empty input: no fileHeader record",
                );
            }
            Phase::Body => out.file_error(
                "fileTrailer",
                self.spec.code,
                format!(
                    "file ends at line {last_line} without a fileTrailer record: truncated file"
                ),
            ),
            Phase::AfterTrailer | Phase::Refused | Phase::Done => {}
        }
        self.phase = Phase::Done;
        done
    }

    fn line(&mut self, line: Line, out: &mut Translation, done: &mut Vec<Transaction>) {
        self.last_line = line.number;
        if matches!(self.phase, Phase::Refused | Phase::Done) || line.text.trim().is_empty() {
            return;
        }
        if let Some(other) = line.text.chars().find(|c| !c.is_ascii()) {
            let warning = diagnostic(
                Severity::Warning,
                line.number,
                "",
                self.spec.code,
                format!(
                    "`{other}` (byte 0x{:02X}) is not ASCII, which CHIEF messages are: read as Latin-1; check the text",
                    u32::from(other)
                ),
            );
            self.report(warning, out);
        }
        let mut fields = line.text.split('\\').map(str::to_owned);
        let record_no = fields.next().unwrap_or_default();
        self.check_record_number(line.number, record_no.trim(), out);
        if let Some(open) = self.open.as_mut() {
            for block in &mut open.blocks {
                block.records += 1;
            }
        }
        let record_type = fields.next().unwrap_or_default();
        self.record(line.number, record_type.trim(), fields.collect(), out, done);
    }

    fn check_record_number(&mut self, line: u64, text: &str, out: &mut Translation) {
        let expected = self.expected_record_no;
        let problem = match text.parse::<u64>() {
            Ok(number) => {
                self.expected_record_no = number.saturating_add(1);
                (number != expected)
                    .then(|| format!("record number {number} where {expected} was expected"))
            }
            Err(_) => {
                self.expected_record_no = expected.saturating_add(1);
                Some(format!("`{text}` is not a record number"))
            }
        };
        if let Some(message) = problem {
            // A record missing or out of place: the file was spliced or cut, whatever the
            // transaction around it says.
            out.diagnostics
                .push(whole_file(self.error(line, "lineNo", message)));
        }
    }

    fn record(
        &mut self,
        line: u64,
        record_type: &str,
        fields: Vec<String>,
        out: &mut Translation,
        done: &mut Vec<Transaction>,
    ) {
        let spec = self.spec;
        match (self.phase, record_type) {
            (Phase::ExpectHeader, "fileHeader") => self.header_record(line, fields, out),
            (Phase::ExpectHeader, _) => {
                let message = format!("the first record must be fileHeader, found `{record_type}`");
                out.diagnostics
                    .push(whole_file(self.error(line, "fileHeader", message)));
                self.phase = Phase::Body;
                self.record(line, record_type, fields, out, done);
            }
            (Phase::AfterTrailer, _) => {
                let message = format!("record `{record_type}` after the fileTrailer");
                out.diagnostics
                    .push(whole_file(self.error(line, "", message)));
            }
            (Phase::Refused | Phase::Done, _) => {}
            (Phase::Body, "fileHeader") => {
                let problem = self.error(line, "fileHeader", "second fileHeader record");
                out.diagnostics.push(whole_file(problem));
            }
            (Phase::Body, "fileTrailer") => self.trailer(line, fields, out, done),
            (Phase::Body, "end") => self.end(line, fields, out, done),
            (Phase::Body, _) if record_type == spec.transaction.record_type => {
                self.cut_short(done, |name| {
                    format!("{name} has no end record before the next {record_type} at line {line}")
                });
                self.transactions += 1;
                let record = self.new_record(line, &spec.transaction, fields);
                self.open = Some(OpenTransaction {
                    blocks: vec![OpenBlock { record, records: 1 }],
                    problems: Vec::new(),
                });
            }
            (Phase::Body, _) => match spec.records.iter().find(|r| r.record_type == record_type) {
                Some(record_spec) => {
                    let record = self.new_record(line, record_spec, fields);
                    self.child(record_spec, record, out);
                }
                None => {
                    let problem =
                        self.error(line, "", format!("unknown record type `{record_type}`"));
                    self.report(problem, out);
                }
            },
        }
    }

    fn header_record(&mut self, line: u64, fields: Vec<String>, out: &mut Translation) {
        self.phase = Phase::Body;
        let record = Record::new(line, "fileHeader", fields, FILE_HEADER, self.spec.code);
        let message_type = record.get("dataId");
        if !message_type.is_empty() && message_type != self.spec.message_type {
            self.phase = Phase::Refused;
            let message = format!(
                "message type is '{message_type}', expected '{}'",
                self.spec.message_type
            );
            out.diagnostics
                .push(whole_file(record.error("dataId", message)));
            return;
        }
        let mut problems = Vec::new();
        let source_system = record.required("sourceSystem", &mut problems);
        let destination_system = record.required("destinationSystem", &mut problems);
        let message_type = record.required("dataId", &mut problems);
        let created = record.convert(
            "creationDateTime",
            Presence::Required,
            &mut problems,
            values::compact_date_time,
            DATE_TIME,
        );
        let run_number = record.number::<u64>("runNum", &mut problems);
        let (Some(created), Some(run_number), true) = (created, run_number, problems.is_empty())
        else {
            out.diagnostics.extend(problems.into_iter().map(whole_file));
            return;
        };
        self.header = Some(FileHeader {
            line,
            source_system,
            destination_system,
            message_type,
            created,
            run_number,
        });
    }

    fn trailer(
        &mut self,
        line: u64,
        fields: Vec<String>,
        out: &mut Translation,
        done: &mut Vec<Transaction>,
    ) {
        self.cut_short(done, |name| {
            format!("{name} has no end record before the fileTrailer")
        });
        self.phase = Phase::AfterTrailer;
        let record = Record::new(line, "fileTrailer", fields, FILE_TRAILER, self.spec.code);
        let mut problems = Vec::new();
        let count = "transactionCount";
        if let Some(count) =
            record.convert::<u64>(count, Presence::Optional, &mut problems, parse, NUMBER)
            && count != self.transactions
        {
            problems.push(record.error(
                "transactionCount",
                format!(
                    "trailer counts {count} {} transactions but the file has {}",
                    self.spec.transaction.record_type, self.transactions
                ),
            ));
        }
        out.diagnostics.extend(problems.into_iter().map(whole_file));
    }

    fn end(
        &mut self,
        line: u64,
        fields: Vec<String>,
        out: &mut Translation,
        done: &mut Vec<Transaction>,
    ) {
        let spec = self.spec;
        let end = Record::new(line, "end", fields, END, spec.code);
        let closes = end.get("startRecordType");
        let Some(mut open) = self.open.take() else {
            let message = format!(
                "end of `{closes}` outside a {} transaction",
                spec.transaction.record_type
            );
            out.diagnostics.push(whole_file(end.error("end", message)));
            return;
        };
        let Some(depth) = open
            .blocks
            .iter()
            .rposition(|block| block.record.record_type == closes)
        else {
            let is_block = spec
                .records
                .iter()
                .any(|r| r.block && r.record_type == closes);
            let problem = if is_block {
                end.error(
                    "end",
                    format!("end of `{closes}` without a `{closes}` record"),
                )
            } else {
                end.error(
                    "startRecordType",
                    format!(
                        "end of `{closes}` in a {} message (an end record closes {})",
                        spec.message_type,
                        self.block_types().join(", ")
                    ),
                )
            };
            open.problems.push(problem);
            self.open = Some(open);
            return;
        };
        while open.blocks.len() > depth + 1 {
            if let Some((inner, inner_line)) = open.close_innermost() {
                let message = format!(
                    "end of `{closes}` while the `{inner}` of line {inner_line} is open: its end record is missing"
                );
                open.problems.push(end.error("end", message));
            }
        }
        let mut problems = Vec::new();
        if let Some(block) = open.blocks.last()
            && let Some(count) = end.convert::<u64>(
                "recordCount",
                Presence::Optional,
                &mut problems,
                parse,
                NUMBER,
            )
            && count != block.records
        {
            let what = if depth == 0 {
                self.describe_transaction(&open)
            } else {
                format!("the `{closes}` of line {}", block.record.line)
            };
            problems.push(end.error(
                "recordCount",
                format!(
                    "end record counts {count} records but {what} has {}",
                    block.records
                ),
            ));
        }
        open.problems.extend(problems);
        if depth == 0 {
            done.push(open.close());
        } else {
            open.close_innermost();
            self.open = Some(open);
        }
    }

    fn child(&mut self, spec: &RecordSpec, record: Record, out: &mut Translation) {
        let transaction = self.spec.transaction.record_type;
        let Some(open) = self.open.as_mut() else {
            let message = format!(
                "record `{}` outside a {transaction} transaction",
                spec.record_type
            );
            out.diagnostics.push(whole_file(record.error("", message)));
            return;
        };
        let within = spec.within.unwrap_or(transaction);
        let Some((inner, inner_line)) = open
            .blocks
            .last()
            .map(|block| (block.record.record_type, block.record.line))
        else {
            return;
        };
        if inner != within {
            let message = if open.blocks.iter().any(|b| b.record.record_type == within) {
                format!(
                    "record `{}` while the `{inner}` of line {inner_line} is open: its end record is missing",
                    spec.record_type
                )
            } else {
                format!("record `{}` outside a `{within}`", spec.record_type)
            };
            open.problems.push(record.error("", message));
        } else if spec.block {
            open.blocks.push(OpenBlock { record, records: 1 });
        } else if let Some(innermost) = open.blocks.last_mut() {
            innermost.record.children.push(record);
        }
    }

    /// Hands over the open transaction, if any, cut short: `message` says why, given the
    /// transaction's name.
    fn cut_short(&mut self, done: &mut Vec<Transaction>, message: impl FnOnce(&str) -> String) {
        if let Some(mut open) = self.open.take() {
            let message = message(&self.describe_transaction(&open));
            open.problems
                .push(self.error(open_line(&open), "end", message));
            done.push(open.close());
        }
    }

    fn new_record(&self, line: u64, spec: &RecordSpec, fields: Vec<String>) -> Record {
        Record::new(line, spec.record_type, fields, spec.fields, self.spec.code)
    }

    /// `licence GBSIEL/2026/0000001/P` (the key field), or `licence of line 2` without it.
    fn describe_transaction(&self, open: &OpenTransaction) -> String {
        let kind = self.spec.transaction.record_type;
        match open.blocks.first() {
            Some(block) if !block.record.get(self.spec.key).is_empty() => {
                format!("{kind} {}", block.record.get(self.spec.key))
            }
            _ => format!("{kind} of line {}", open_line(open)),
        }
    }

    fn block_types(&self) -> Vec<&'static str> {
        std::iter::once(self.spec.transaction.record_type)
            .chain(
                self.spec
                    .records
                    .iter()
                    .filter(|r| r.block)
                    .map(|r| r.record_type),
            )
            .collect()
    }

    fn error(&self, line: u64, field: &str, message: impl Into<String>) -> Diagnostic {
        diagnostic(Severity::Error, line, field, self.spec.code, message)
    }

    /// A problem goes with the open transaction (which it then keeps from being emitted),
    /// or straight to `out` between transactions.
    fn report(&mut self, problem: Diagnostic, out: &mut Translation) {
        match self.open.as_mut() {
            Some(open) => open.problems.push(problem),
            None => out.diagnostics.push(problem),
        }
    }
}

/// The line of an open transaction's opening record.
fn open_line(open: &OpenTransaction) -> u64 {
    open.blocks.first().map_or(0, |block| block.record.line)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LICENCES: MessageSpec = MessageSpec {
        message_type: "licenceData",
        code: "chief-test",
        transaction: RecordSpec::transaction(
            "licence",
            &["transactionRef", "action", "licenceRef", "startDate"],
        ),
        key: "licenceRef",
        records: &[
            RecordSpec::within("licence", "trader", &["turn", "name", "address*"]),
            RecordSpec::within("licence", "foreignTrader", &["name", "address*", "country"]),
            RecordSpec::within("licence", "line", &["lineNum", "controlledBy"]),
        ],
    };

    const USAGE: MessageSpec = MessageSpec {
        message_type: "usageData",
        code: "chief-test",
        transaction: RecordSpec::transaction("licenceUsage", &["transactionRef", "licenceRef"]),
        key: "licenceRef",
        records: &[
            RecordSpec::within("licenceUsage", "line", &["lineNum"]).block(),
            RecordSpec::within("line", "usage", &["usageType", "controlDate"]),
        ],
    };

    const LICENCE_FILE: &str = "1\\fileHeader\\SPIRE\\CHIEF\\licenceData\\202605051800\\58\\N
2\\licence\\T1\\insert\\GB/1\\20260101
3\\trader\\\\Albion Arms Ltd\\Unit 4\\\\Birmingham\\B11 2AA
4\\foreignTrader\\Policia Federal\\Brasilia\\\\\\BR
5\\line\\1\\Q
6\\end\\licence\\5
7\\fileTrailer\\1
";

    const USAGE_FILE: &str = "1\\fileHeader\\CHIEF\\SPIRE\\usageData\\202607010300\\184\\
2\\licenceUsage\\LU1/00001\\GB/1
3\\line\\1
4\\usage\\O\\20260312
5\\usage\\A\\20260313
6\\end\\line\\4
7\\line\\2
8\\end\\line\\2
9\\end\\licenceUsage\\8
10\\fileTrailer\\1
";

    /// What a plugin gets from `bytes` fed in chunks of `size`: the header, the
    /// transactions that may be emitted, and every diagnostic as `line field: message`.
    struct Read {
        header: Option<FileHeader>,
        transactions: Vec<Record>,
        diagnostics: Vec<String>,
    }

    fn read(spec: &'static MessageSpec, bytes: &[u8], size: usize) -> Read {
        let mut reader = ChiefReader::new(spec);
        let mut out = Translation::default();
        let mut complete = Vec::new();
        for chunk in bytes.chunks(size.max(1)) {
            complete.extend(reader.feed(chunk, &mut out));
        }
        complete.extend(reader.finish(&mut out));
        let transactions = complete
            .into_iter()
            .filter_map(|t| t.read(&mut out, |record, _| record.clone()))
            .collect();
        Read {
            header: reader.header().cloned(),
            transactions,
            diagnostics: crate::testing::problems(&out),
        }
    }

    fn no_diagnostics() -> Vec<String> {
        Vec::new()
    }

    #[test]
    fn a_licence_file_gives_its_header_and_transaction_with_fields_by_name() {
        let file = read(&LICENCES, LICENCE_FILE.as_bytes(), 4096);
        assert_eq!(file.diagnostics, no_diagnostics());
        let header = file.header.expect("header");
        assert_eq!(header.stream(), "SPIRE>CHIEF licenceData");
        assert_eq!(header.created, "2026-05-05T18:00:00");
        assert_eq!(header.date(), "2026-05-05");
        assert_eq!(header.run_number, 58);
        assert_eq!(header.message_order().run, Some(58));

        let [licence] = file.transactions.as_slice() else {
            panic!("{:?}", file.transactions);
        };
        assert_eq!((licence.line, licence.record_type), (2, "licence"));
        assert_eq!(licence.get("licenceRef"), "GB/1");
        let mut problems = Vec::new();
        assert_eq!(
            licence.date("startDate", &mut problems).as_deref(),
            Some("2026-01-01")
        );
        let types: Vec<&str> = licence.children.iter().map(|r| r.record_type).collect();
        assert_eq!(types, ["trader", "foreignTrader", "line"]);
        let trader = &licence.children[0];
        assert_eq!(trader.optional("turn"), None);
        assert_eq!(trader.run("address"), ["Unit 4", "Birmingham", "B11 2AA"]);
        // After the run, fields count from the end: the country is the last field.
        let foreign = &licence.children[1];
        assert_eq!(foreign.get("country"), "BR");
        assert_eq!(foreign.run("address"), ["Brasilia"]);
        assert_eq!(licence.children_of_type("line").count(), 1);
        assert!(problems.is_empty());
    }

    #[test]
    fn a_field_after_the_run_is_never_one_before_it() {
        let file = read(
            &LICENCES,
            LICENCE_FILE
                .replace("Policia Federal\\Brasilia\\\\\\BR", "Policia Federal")
                .as_bytes(),
            4096,
        );
        let foreign = &file.transactions[0].children[1];
        assert_eq!(foreign.get("name"), "Policia Federal");
        assert_eq!(foreign.get("country"), "");
        assert!(foreign.run("address").is_empty());
    }

    #[test]
    fn chunks_of_every_size_give_the_same_result() {
        for (spec, file) in [(&LICENCES, LICENCE_FILE), (&USAGE, USAGE_FILE)] {
            let whole = read(spec, file.as_bytes(), file.len());
            for size in 1..file.len() {
                let chunked = read(spec, file.as_bytes(), size);
                assert_eq!(chunked.transactions, whole.transactions, "size {size}");
                assert_eq!(chunked.diagnostics, whole.diagnostics, "size {size}");
            }
        }
    }

    #[test]
    fn blocks_nest_and_their_end_records_are_counted() {
        let file = read(&USAGE, USAGE_FILE.as_bytes(), 4096);
        assert_eq!(file.diagnostics, no_diagnostics());
        let usage = &file.transactions[0];
        let lines: Vec<(&str, usize)> = usage
            .children_of_type("line")
            .map(|line| (line.get("lineNum"), line.children.len()))
            .collect();
        assert_eq!(lines, [("1", 2), ("2", 0)]);
        let mut problems = Vec::new();
        let dates: Vec<Option<String>> = usage.children[0]
            .children
            .iter()
            .map(|usage| usage.required_date("controlDate", &mut problems))
            .collect();
        assert_eq!(
            dates,
            [Some("2026-03-12".to_owned()), Some("2026-03-13".to_owned())]
        );
    }

    #[test]
    fn wrong_counts_and_numbers_refuse_the_file_and_name_line_and_field() {
        let file = read(
            &USAGE,
            USAGE_FILE
                .replace("6\\end\\line\\4", "6\\end\\line\\3")
                .replace("7\\line\\2", "8\\line\\2")
                .replace("10\\fileTrailer\\1", "10\\fileTrailer\\2")
                .as_bytes(),
            4096,
        );
        assert!(file.transactions.is_empty());
        // The file's problems are out first: the transaction's reach `out` when it is read.
        assert_eq!(
            file.diagnostics,
            [
                "file: lineNo: line 7: record number 8 where 7 was expected",
                "file: lineNo: line 8: record number 8 where 9 was expected",
                "file: transactionCount: line 10: trailer counts 2 licenceUsage transactions but the file has 1",
                "line 6: recordCount: end record counts 3 records but the `line` of line 3 has 4",
            ]
        );
    }

    #[test]
    fn a_transaction_count_names_the_transaction_by_its_key() {
        let file = read(
            &LICENCES,
            LICENCE_FILE
                .replace("end\\licence\\5", "end\\licence\\4")
                .as_bytes(),
            4096,
        );
        assert!(file.transactions.is_empty());
        assert_eq!(
            file.diagnostics,
            ["line 6: recordCount: end record counts 4 records but licence GB/1 has 5"]
        );
    }

    #[test]
    fn counts_left_out_are_not_checked() {
        let file = read(
            &LICENCES,
            LICENCE_FILE
                .replace("end\\licence\\5", "end\\licence\\")
                .replace("fileTrailer\\1", "fileTrailer")
                .as_bytes(),
            4096,
        );
        assert_eq!(file.diagnostics, no_diagnostics());
        assert_eq!(file.transactions.len(), 1);
    }

    #[test]
    fn misplaced_and_missing_end_records_are_named() {
        let file = read(
            &USAGE,
            USAGE_FILE
                .replace("6\\end\\line\\4", "6\\line\\3")
                .replace("8\\end\\line\\2", "8\\usage\\O\\20260101")
                .as_bytes(),
            4096,
        );
        assert!(file.transactions.is_empty());
        assert_eq!(
            file.diagnostics,
            [
                "line 6: record `line` while the `line` of line 3 is open: its end record is missing",
                "line 7: record `line` while the `line` of line 3 is open: its end record is missing",
                "line 9: end: end of `licenceUsage` while the `line` of line 3 is open: its end record is missing",
            ]
        );
    }

    #[test]
    fn a_usage_outside_a_line_and_an_end_of_nothing_are_refused() {
        let file = read(
            &USAGE,
            USAGE_FILE
                .replace("3\\line\\1", "3\\usage\\O\\20260101")
                .replace("6\\end\\line\\4", "6\\end\\usage\\4")
                .as_bytes(),
            4096,
        );
        assert_eq!(
            file.diagnostics[..3],
            [
                "line 3: record `usage` outside a `line`",
                "line 4: record `usage` outside a `line`",
                "line 5: record `usage` outside a `line`",
            ]
        );
        assert_eq!(
            file.diagnostics[3],
            "line 6: startRecordType: end of `usage` in a usageData message (an end record closes licenceUsage, line)"
        );
    }

    #[test]
    fn another_message_type_is_refused_and_nothing_else_is_read() {
        let file = read(
            &USAGE,
            LICENCE_FILE
                .replace("fileTrailer\\1", "fileTrailer\\9")
                .as_bytes(),
            4096,
        );
        assert!(file.header.is_none() && file.transactions.is_empty());
        assert_eq!(
            file.diagnostics,
            ["file: dataId: line 1: message type is 'licenceData', expected 'usageData'"]
        );
    }

    #[test]
    fn a_truncated_file_names_the_open_transaction_and_the_missing_trailer() {
        let cut: String = LICENCE_FILE
            .lines()
            .take(4)
            .map(|l| format!("{l}\n"))
            .collect();
        let file = read(&LICENCES, cut.as_bytes(), 4096);
        assert!(file.transactions.is_empty());
        assert_eq!(
            file.diagnostics,
            [
                "file: fileTrailer: file ends at line 4 without a fileTrailer record: truncated file",
                "line 2: end: file ends inside licence GB/1 (no end record): truncated file",
            ]
        );
        let empty = read(&LICENCES, b"", 4096);
        assert_eq!(
            empty.diagnostics,
            ["file: fileHeader: empty input: no fileHeader record"]
        );
    }

    #[test]
    fn a_transaction_without_end_is_named_at_the_next_one() {
        let file = read(
            &LICENCES,
            LICENCE_FILE
                .replace(
                    "6\\end\\licence\\5",
                    "6\\licence\\T2\\insert\\GB/2\\20260101",
                )
                .replace("7\\fileTrailer\\1", "7\\end\\licence\\2\n8\\fileTrailer\\2")
                .as_bytes(),
            4096,
        );
        let refs: Vec<&str> = file
            .transactions
            .iter()
            .map(|t| t.get("licenceRef"))
            .collect();
        assert_eq!(refs, ["GB/2"]);
        assert_eq!(
            file.diagnostics,
            ["line 2: end: licence GB/1 has no end record before the next licence at line 6"]
        );
    }

    #[test]
    fn records_out_of_place_are_reported_where_they_are() {
        let text = "1\\licence\\T0\\insert\\GB/0\\20260101\n\
                    2\\end\\licence\\2\n\
                    3\\fileHeader\\SPIRE\\CHIEF\\licenceData\\202605051800\\58\\N\n\
                    4\\trader\\\\Albion\n\
                    5\\bogus\\x\n\
                    6\\fileTrailer\\1\n\
                    7\\line\\1\\Q\n";
        let file = read(&LICENCES, text.as_bytes(), 4096);
        assert_eq!(
            file.diagnostics,
            [
                "file: fileHeader: line 1: the first record must be fileHeader, found `licence`",
                "file: fileHeader: line 3: second fileHeader record",
                "file: line 4: record `trader` outside a licence transaction",
                "line 5: unknown record type `bogus`",
                "file: line 7: record `line` after the fileTrailer",
            ]
        );
        assert_eq!(file.transactions.len(), 1);
        assert!(file.header.is_none());
    }

    #[test]
    fn a_header_with_a_bad_date_time_or_run_is_not_used() {
        let file = read(
            &LICENCES,
            LICENCE_FILE
                .replace("202605051800\\58", "2026050518\\")
                .as_bytes(),
            4096,
        );
        assert!(file.header.is_none());
        assert_eq!(
            file.diagnostics,
            [
                "file: creationDateTime: line 1: `2026050518` is not a date-time in ccyymmddhhmm form",
                "file: runNum: line 1: required but empty",
            ]
        );
    }

    #[test]
    fn bytes_outside_ascii_read_as_latin_1_with_a_warning() {
        let mut bytes = LICENCE_FILE.as_bytes().to_vec();
        let at = LICENCE_FILE.find("Policia").expect("in the file");
        bytes.splice(at..at + "Policia".len(), b"Polic\xeda".iter().copied());
        let file = read(&LICENCES, &bytes, 4096);
        assert_eq!(
            file.transactions[0].children[1].get("name"),
            "Polic\u{ed}a Federal"
        );
        assert_eq!(
            file.diagnostics,
            [
                "line 4: warning: `\u{ed}` (byte 0xED) is not ASCII, which CHIEF messages are: read as Latin-1; check the text"
            ]
        );
    }

    #[test]
    fn field_problems_name_the_line_and_the_field() {
        let file = read(&LICENCES, LICENCE_FILE.as_bytes(), 4096);
        let line = &file.transactions[0].children[2];
        let mut problems = Vec::new();
        let controlled = line.one_of("controlledBy", &[("B", 1), ("Q", 2)], &mut problems);
        assert_eq!(controlled, Some(2));
        assert_eq!(line.one_of("lineNum", &[("B", 1)], &mut problems), None);
        assert_eq!(line.number::<u32>("lineNum", &mut problems), Some(1));
        assert_eq!(line.number::<u32>("controlledBy", &mut problems), None);
        assert_eq!(line.date("controlledBy", &mut problems), None);
        let trader = &file.transactions[0].children[0];
        assert_eq!(trader.required("turn", &mut problems), "");
        assert_eq!(trader.required_date("turn", &mut problems), None);
        assert_eq!(trader.number::<u32>("turn", &mut problems), None);
        assert_eq!(trader.one_of("turn", &[("E", 0)], &mut problems), None);
        let problems: Vec<String> = problems
            .iter()
            .map(|d| {
                format!(
                    "{:?} {}: {}",
                    d.line,
                    d.field.as_deref().unwrap_or_default(),
                    d.message
                )
            })
            .collect();
        assert_eq!(
            problems,
            [
                "Some(5) lineNum: `1` is not one of B",
                "Some(5) controlledBy: `Q` is not a whole number in range",
                "Some(5) controlledBy: `Q` is not a date in ccyymmdd form",
                "Some(3) turn: required but empty",
                "Some(3) turn: required but empty",
                "Some(3) turn: required but empty",
                "Some(3) turn: required but empty (one of E)",
            ]
        );
    }

    #[test]
    fn field_problems_keep_the_transaction_back_and_join_the_reader_s_in_line_order() {
        let mut reader = ChiefReader::new(&LICENCES);
        let mut out = Translation::default();
        let text = LICENCE_FILE.replace("5\\line\\1\\Q", "5\\bogus");
        let mut transactions = reader.feed(text.as_bytes(), &mut out);
        transactions.extend(reader.finish(&mut out));
        let [transaction] = <[Transaction; 1]>::try_from(transactions).expect("one transaction");
        let read = transaction.read(&mut out, |licence, problems| {
            licence.children[0].required("turn", problems)
        });
        assert_eq!(read, None);
        let lines: Vec<Option<u64>> = out.diagnostics.iter().map(|d| d.line).collect();
        assert_eq!(lines, [Some(3), Some(5)]);
    }
}
