//! Helpers for the formats agencies really export: CSV as spreadsheets and databases write
//! it ([`CsvReader`]), lines that arrive in arbitrary chunks ([`LineSplitter`]), delimited
//! lines (pipe, backslash) and fixed-width fields, in UTF-8, Latin-1 or Windows-1252
//! ([`Encoding`]).

use std::str::FromStr;

use csv_core::ReadRecordResult;

use crate::{Diagnostic, Severity, diagnostic};

/// The UTF-8 byte-order mark Excel and Windows tools put at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The character encoding of a source file. Choose it in the plugin, from what the agency's
/// system writes or from an option (`"latin-1".parse::<Encoding>()`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8. Bytes that are not UTF-8 are an error in [`CsvReader`], never replaced
    /// ([`LineSplitter`] makes them U+FFFD).
    #[default]
    Utf8,
    /// ISO 8859-1: every byte is the character with that code point (U+0000 to U+00FF).
    Latin1,
    /// Windows-1252 (what Windows calls "ANSI" in Western Europe): Latin-1 except for
    /// 0x80 to 0x9F, which hold `€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ`. The five
    /// bytes Windows leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay U+0081 and so on,
    /// as in the WHATWG Encoding Standard that browsers follow.
    Windows1252,
}

/// Windows-1252's 0x80 to 0x9F; the rest of the code page is Latin-1.
const WINDOWS_1252_80_9F: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

impl Encoding {
    /// The names [`FromStr`] accepts, one per encoding, for option help texts.
    pub const NAMES: &'static str = "utf-8, latin-1, windows-1252";

    /// The encoding's name, as [`FromStr`] reads it back.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Latin1 => "latin-1",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    /// Decodes `bytes`. Only UTF-8 can fail: the error says where the first byte that is
    /// not UTF-8 is (`valid_up_to`). A byte-order mark is not removed here.
    pub fn decode(self, bytes: &[u8]) -> Result<String, std::str::Utf8Error> {
        match self {
            Encoding::Utf8 => std::str::from_utf8(bytes).map(str::to_owned),
            Encoding::Latin1 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
            Encoding::Windows1252 => Ok(bytes
                .iter()
                .map(|&b| match b {
                    0x80..=0x9F => WINDOWS_1252_80_9F[usize::from(b - 0x80)],
                    _ => char::from(b),
                })
                .collect()),
        }
    }
}

impl FromStr for Encoding {
    type Err = String;

    /// `utf-8` (or `utf8`), `latin-1` (`latin1`, `iso-8859-1`), `windows-1252` (`cp1252`),
    /// ASCII case ignored.
    fn from_str(name: &str) -> Result<Encoding, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" => Ok(Encoding::Latin1),
            "windows-1252" | "cp1252" => Ok(Encoding::Windows1252),
            _ => Err(format!(
                "`{name}` is not an encoding this reads ({})",
                Encoding::NAMES
            )),
        }
    }
}

/// One CSV record: its fields, decoded, and the line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvRecord {
    /// The 1-based line of the source the record starts on. A quoted field may carry the
    /// record over further lines; the next record's number counts them.
    pub line: u64,
    /// The fields, unquoted (`""` inside quotes is one `"`), untrimmed. A line break
    /// inside a quoted field is kept as written (`\n`, or `\r\n`).
    pub fields: Vec<String>,
    /// How the fields were decoded: the reader's encoding, or its
    /// [fallback](CsvReader::fallback) for a record that is not UTF-8.
    pub encoding: Encoding,
}

impl CsvRecord {
    /// A line of spaces (one blank field). Empty lines never become records.
    pub fn is_blank(&self) -> bool {
        matches!(self.fields.as_slice(), [only] if only.trim().is_empty())
    }
}

/// A CSV format whose first record is its header. [`CsvRows::rows`] hands what a
/// [`CsvReader`] returned to the plugin: each record to [`CsvRows::csv_record`], each
/// problem the reader found to the diagnostics, except before the header, where a record
/// that cannot be read means the file is not in this format at all.
pub trait CsvRows {
    /// Whether the header has been read.
    fn header_seen(&self) -> bool;

    /// One record, the header included.
    fn csv_record(&mut self, record: CsvRecord, out: &mut crate::Translation) -> crate::Result<()>;

    fn rows(
        &mut self,
        rows: Vec<Result<CsvRecord, Diagnostic>>,
    ) -> crate::Result<crate::Translation> {
        let mut out = crate::Translation::default();
        for row in rows {
            match row {
                Ok(record) => self.csv_record(record, &mut out)?,
                Err(problem) if !self.header_seen() => {
                    return Err(crate::PluginError::UnsupportedFormat(format!(
                        "line {}: {}",
                        problem.line.unwrap_or(0),
                        problem.message
                    )));
                }
                Err(problem) => out.diagnostics.push(problem),
            }
        }
        Ok(out)
    }
}

/// A streaming CSV reader (on the `csv-core` crate): feed it the chunks the host sends,
/// split anywhere, and it returns each record once it is complete, with the line it starts
/// on. A problem is an error [`Diagnostic`] naming the line, in place of the record.
///
/// - Quoting is RFC 4180's: a field in `"` may hold the delimiter, line breaks and `""`
///   (one quote). Where RFC 4180 forbids something, it reads as Excel does rather than
///   fail: a quote inside an unquoted field is an ordinary character, and text after a
///   closing quote is appended to the field (`"a"b` is `ab`).
/// - Records end with `\r\n`, `\n` or a lone `\r`, or at the end of the file. Empty lines
///   are skipped (they still count for line numbers). Records may have different numbers of
///   fields: checking the count is the plugin's job.
/// - A UTF-8 byte-order mark at the start of the file is skipped, whatever the encoding.
/// - Fields are decoded with the [`Encoding`] (UTF-8 by default). A record that is not
///   valid UTF-8 is an error naming the line and column of the first bad byte (code
///   `encoding`), unless a [fallback](CsvReader::fallback) encoding is set.
/// - A quoted field still open at the end of the file is an error on the line its record
///   starts on (code `unclosed-quote`): the rest of the file was read into it.
///
/// ```ignore
/// let mut csv = CsvReader::new().delimiter(b';').encoding(Encoding::Windows1252);
/// for row in csv.feed(chunk) {
///     match row {
///         Ok(record) => { /* record.line, record.fields */ }
///         Err(problem) => out.diagnostics.push(problem),
///     }
/// }
/// ```
#[derive(Debug)]
pub struct CsvReader {
    parser: csv_core::Reader,
    encoding: Encoding,
    fallback: Option<Encoding>,
    /// The unquoted bytes of the record being read (`output[..output_len]`) and where each
    /// of its fields ends (`ends[..ends_len]`); both grow when csv-core fills them.
    output: Vec<u8>,
    output_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    /// The first bytes of the file, held until it is clear whether they are a BOM.
    head: Vec<u8>,
    past_head: bool,
    /// 1 + the line feeds read so far.
    line: u64,
    /// The line the record being read starts on; `None` between records.
    record_line: Option<u64>,
}

impl Default for CsvReader {
    fn default() -> Self {
        CsvReader::new()
    }
}

impl CsvReader {
    /// A reader for `,`-delimited, `"`-quoted UTF-8.
    pub fn new() -> CsvReader {
        CsvReader {
            parser: csv_core::Reader::new(),
            encoding: Encoding::Utf8,
            fallback: None,
            output: Vec::new(),
            output_len: 0,
            ends: Vec::new(),
            ends_len: 0,
            head: Vec::new(),
            past_head: false,
            line: 1,
            record_line: None,
        }
    }

    /// The field delimiter, an ASCII byte (`b';'`, `b'\t'`, `b'|'`); `,` by default.
    pub fn delimiter(mut self, delimiter: u8) -> CsvReader {
        self.parser = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        self
    }

    /// How the file's bytes are decoded; UTF-8 by default.
    pub fn encoding(mut self, encoding: Encoding) -> CsvReader {
        self.encoding = encoding;
        self
    }

    /// How a record that is not valid UTF-8 is decoded instead of being reported, for
    /// sources that mix encodings (every other record is still read as UTF-8).
    /// [`CsvRecord::encoding`] tells which one was used. Only UTF-8 can fail, so this
    /// matters only when the encoding is UTF-8.
    pub fn fallback(mut self, encoding: Encoding) -> CsvReader {
        self.fallback = Some(encoding);
        self
    }

    /// The records completed by `chunk`, in order, each a record or the problem that
    /// replaced it.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Result<CsvRecord, Diagnostic>> {
        let mut out = Vec::new();
        if self.past_head {
            self.read(chunk, &mut out);
            return out;
        }
        self.head.extend_from_slice(chunk);
        // A BOM may arrive split across chunks: wait until there are enough bytes to tell.
        if self.head.len() < BOM.len() && BOM.starts_with(&self.head) {
            return out;
        }
        self.read_head(&mut out);
        out
    }

    /// The end of the file: the last record, if it has no line end, or the error of an
    /// unclosed quote. The reader is spent afterwards.
    pub fn finish(&mut self) -> Vec<Result<CsvRecord, Diagnostic>> {
        let mut out = Vec::new();
        if !self.past_head {
            self.read_head(&mut out);
        }
        let Some(start) = self.record_line else {
            return out;
        };
        // A line feed ends the last record, unless a quoted field is still open: then the
        // line feed is read into the field and the record stays incomplete.
        self.read(b"\n", &mut out);
        if self.record_line.is_some() {
            self.record_line = None;
            self.output_len = 0;
            self.ends_len = 0;
            // The rest of the file is in one field: a problem with the file, not one row, so
            // it has no line and even `--quarantine` refuses the file.
            out.push(Err(crate::whole_file(diagnostic(
                Severity::Error,
                start,
                "",
                "unclosed-quote",
                "a quoted field opened in this record is not closed before the end of the file, so the rest of the file was read into it",
            ))));
        }
        out
    }

    fn read_head(&mut self, out: &mut Vec<Result<CsvRecord, Diagnostic>>) {
        self.past_head = true;
        let head = std::mem::take(&mut self.head);
        self.read(head.strip_prefix(BOM).unwrap_or(&head), out);
    }

    fn read(&mut self, mut input: &[u8], out: &mut Vec<Result<CsvRecord, Diagnostic>>) {
        while !input.is_empty() {
            if self.record_line.is_none() {
                // Line ends between records (and empty lines) are skipped here rather than
                // by csv-core, so that the line the next record starts on is known.
                let skip = input
                    .iter()
                    .take_while(|&&b| b == b'\n' || b == b'\r')
                    .count();
                self.count_lines(&input[..skip]);
                input = &input[skip..];
                if input.is_empty() {
                    break;
                }
                self.record_line = Some(self.line);
            }
            let (result, read, written, ended) = self.parser.read_record(
                input,
                &mut self.output[self.output_len..],
                &mut self.ends[self.ends_len..],
            );
            self.count_lines(&input[..read]);
            input = &input[read..];
            self.output_len += written;
            self.ends_len += ended;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let size = (self.output.len() * 2).max(1024);
                    self.output.resize(size, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let size = (self.ends.len() * 2).max(32);
                    self.ends.resize(size, 0);
                }
                ReadRecordResult::Record => out.push(self.take_record()),
                // Only an empty input ends csv-core's input, and none is ever passed.
                ReadRecordResult::End => break,
            }
        }
    }

    fn count_lines(&mut self, bytes: &[u8]) {
        self.line += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    }

    /// The record csv-core just completed, decoded.
    fn take_record(&mut self) -> Result<CsvRecord, Diagnostic> {
        let line = self.record_line.take().unwrap_or(self.line);
        let bytes = &self.output[..self.output_len];
        let ends = &self.ends[..self.ends_len];
        self.output_len = 0;
        self.ends_len = 0;
        let fields = |encoding: Encoding| {
            let mut start = 0;
            ends.iter()
                .enumerate()
                .map(|(index, &end)| {
                    let field = encoding
                        .decode(&bytes[start..end])
                        .map_err(|error| (index, start + error.valid_up_to()));
                    start = end;
                    field
                })
                .collect::<Result<Vec<String>, (usize, usize)>>()
        };
        let (encoding, decoded) = match (fields(self.encoding), self.fallback) {
            (Err(bad), Some(fallback)) => (fallback, fields(fallback).map_err(|_| bad)),
            (decoded, _) => (self.encoding, decoded),
        };
        match decoded {
            Ok(fields) => Ok(CsvRecord {
                line,
                fields,
                encoding,
            }),
            Err((index, at)) => {
                // Line breaks in the record's bytes are those of its quoted fields.
                let line = line + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
                Err(diagnostic(
                    Severity::Error,
                    line,
                    "",
                    "encoding",
                    format!(
                        "column {} is not valid UTF-8 (byte 0x{:02X}): is the file in another encoding, such as Latin-1 or Windows-1252?",
                        index + 1,
                        bytes[at]
                    ),
                ))
            }
        }
    }
}

/// One complete line of the source, with its 1-based line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub number: u64,
    pub text: String,
}

/// Splits a byte stream fed in arbitrary chunks into numbered lines, carrying partial
/// lines (and partial UTF-8 characters) over to the next chunk. `\r\n` and `\n` both end
/// a line; a UTF-8 byte-order mark at the start is skipped. Lines are decoded with the
/// [`Encoding`] given to [`LineSplitter::with_encoding`] (UTF-8 by default); in UTF-8,
/// invalid bytes become U+FFFD, so the plugin can report them. For CSV, use [`CsvReader`]:
/// a quoted field may span lines.
#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
    next_number: u64,
    encoding: Encoding,
}

impl LineSplitter {
    /// A splitter decoding lines with `encoding`.
    pub fn with_encoding(encoding: Encoding) -> LineSplitter {
        LineSplitter {
            encoding,
            ..LineSplitter::default()
        }
    }

    /// The lines completed by `chunk`.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Line> {
        self.pending.extend_from_slice(chunk);
        let Some(last_newline) = self.pending.iter().rposition(|&b| b == b'\n') else {
            return Vec::new();
        };
        let rest = self.pending.split_off(last_newline + 1);
        let complete = std::mem::replace(&mut self.pending, rest);
        // The trailing line feed would otherwise give an empty last piece.
        let complete = complete.strip_suffix(b"\n").unwrap_or(&complete);
        complete
            .split(|&b| b == b'\n')
            .map(|raw| self.line(raw))
            .collect()
    }

    /// The last line, if the file does not end with a newline.
    pub fn finish(&mut self) -> Option<Line> {
        if self.pending.is_empty() {
            return None;
        }
        let raw = std::mem::take(&mut self.pending);
        Some(self.line(&raw))
    }

    fn line(&mut self, raw: &[u8]) -> Line {
        self.next_number += 1;
        let mut raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if self.next_number == 1 {
            raw = raw.strip_prefix(BOM).unwrap_or(raw);
        }
        let text = match self.encoding {
            Encoding::Utf8 => String::from_utf8_lossy(raw).into_owned(),
            // Single-byte encodings decode any bytes.
            other => other.decode(raw).unwrap_or_default(),
        };
        Line {
            number: self.next_number,
            text,
        }
    }
}

/// Splits one line of a delimited format. With `quote`, a field may be quoted
/// (`"a,b"`, and `""` for a quote inside) but cannot span lines: for CSV, use
/// [`CsvReader`]. Without, the delimiter always splits (CHIEF's backslash records,
/// pipe-delimited exports).
pub fn split_delimited(text: &str, delimiter: char, quote: Option<char>) -> Vec<String> {
    let Some(quote) = quote else {
        return text.split(delimiter).map(str::to_owned).collect();
    };
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == quote {
                if chars.peek() == Some(&quote) {
                    field.push(quote);
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
        } else if c == quote && field.is_empty() {
            in_quotes = true;
        } else if c == delimiter {
            fields.push(std::mem::take(&mut field));
        } else {
            field.push(c);
        }
    }
    fields.push(field);
    fields
}

/// Cuts fixed-width fields: `widths` in characters, left to right; a short line gives
/// empty trailing fields. Fields are trimmed.
pub fn fixed_width(text: &str, widths: &[usize]) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut start = 0;
    widths
        .iter()
        .map(|&width| {
            let end = (start + width).min(chars.len());
            let field: String = chars[start.min(chars.len())..end].iter().collect();
            start += width;
            field.trim().to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything the reader gives for `bytes` fed in chunks of `size`, as
    /// `line: field|field` or `line: code: message`.
    fn read_in_chunks(reader: impl Fn() -> CsvReader, bytes: &[u8], size: usize) -> Vec<String> {
        let mut csv = reader();
        let mut rows = Vec::new();
        for chunk in bytes.chunks(size.max(1)) {
            rows.extend(csv.feed(chunk));
        }
        rows.extend(csv.finish());
        rows.into_iter()
            .map(|row| match row {
                Ok(record) => format!("{}: {}", record.line, record.fields.join("|")),
                Err(d) => format!("{}: {}: {}", d.line.unwrap_or(0), d.code, d.message),
            })
            .collect()
    }

    /// The same result for every chunk size from 1 byte to the whole input.
    fn read(reader: impl Fn() -> CsvReader, bytes: &[u8]) -> Vec<String> {
        let whole = read_in_chunks(&reader, bytes, bytes.len());
        for size in 1..bytes.len() {
            assert_eq!(
                read_in_chunks(&reader, bytes, size),
                whole,
                "chunk size {size}"
            );
        }
        whole
    }

    #[test]
    fn a_file_as_excel_saves_it() {
        // BOM, CRLF, a quoted field with a comma, a line break and doubled quotes; every
        // chunking puts a boundary inside the BOM, the quotes, a CRLF and the `ü`.
        let bytes = "\u{FEFF}ref,description,qty\r\nD1,\"Rifles, 5.56 mm\n\"\"G36\"\", Zürich\",10\r\nD2,Pistols,5\r\n";
        assert_eq!(
            read(CsvReader::new, bytes.as_bytes()),
            [
                "1: ref|description|qty",
                "2: D1|Rifles, 5.56 mm\n\"G36\", Zürich|10",
                "4: D2|Pistols|5",
            ]
        );
    }

    #[test]
    fn line_numbers_count_empty_lines_and_quoted_line_breaks() {
        let bytes = b"a,b\n\n\r\n\"x\r\ny\",z\n  \nlast,\"\"";
        assert_eq!(
            read(CsvReader::new, bytes),
            ["1: a|b", "4: x\r\ny|z", "6:   ", "7: last|"]
        );
    }

    #[test]
    fn a_blank_record_is_one_field_of_spaces() {
        let mut csv = CsvReader::new();
        let rows: Vec<CsvRecord> = csv.feed(b"  \n,\n").into_iter().flatten().collect();
        assert!(rows[0].is_blank());
        assert!(!rows[1].is_blank());
    }

    #[test]
    fn quotes_where_rfc_4180_has_no_answer_read_as_excel_does() {
        assert_eq!(read(CsvReader::new, b"a\"b,\"c\"d,\"\"\n"), ["1: a\"b|cd|"]);
    }

    #[test]
    fn an_unclosed_quote_refuses_the_file_naming_the_line_its_record_starts_on() {
        let bytes = b"h1,h2\nok,1\nbad,\"open\nstill open\nto the end\n";
        assert_eq!(
            read(CsvReader::new, bytes),
            [
                "1: h1|h2",
                "2: ok|1",
                "0: unclosed-quote: line 3: a quoted field opened in this record is not closed before the end of the file, so the rest of the file was read into it",
            ]
        );
        assert_eq!(
            read(CsvReader::new, b"a,\"b"),
            [
                "0: unclosed-quote: line 1: a quoted field opened in this record is not closed before the end of the file, so the rest of the file was read into it"
            ]
        );
    }

    #[test]
    fn a_closed_quote_at_the_end_of_the_file_is_fine() {
        assert_eq!(read(CsvReader::new, b"a,\"b\nc\""), ["1: a|b\nc"]);
        assert_eq!(read(CsvReader::new, b"a,\"b\"\"\""), ["1: a|b\""]);
    }

    #[test]
    fn the_delimiter_is_configurable() {
        assert_eq!(
            read(|| CsvReader::new().delimiter(b';'), b"a;\"b;c\";d,e\n"),
            ["1: a|b;c|d,e"]
        );
    }

    #[test]
    fn a_bom_is_skipped_only_at_the_start() {
        assert_eq!(
            read(CsvReader::new, b"\xEF\xBB\xBFa\n\xEF\xBB\xBFb\n"),
            ["1: a", "2: \u{FEFF}b"]
        );
        // Short files that only look like the start of a BOM.
        assert_eq!(
            read(CsvReader::new, b"\xEF\xBB"),
            [
                "1: encoding: column 1 is not valid UTF-8 (byte 0xEF): is the file in another encoding, such as Latin-1 or Windows-1252?"
            ]
        );
        assert_eq!(read(CsvReader::new, b"\xEF\xBB\xBF"), Vec::<String>::new());
        assert_eq!(read(CsvReader::new, b""), Vec::<String>::new());
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_line_and_column() {
        let bytes = b"name,city\nA,Z\xfcrich\nB,\"two\nlines \xe9\"\nC,ok\n";
        assert_eq!(
            read(CsvReader::new, bytes),
            [
                "1: name|city",
                "2: encoding: column 2 is not valid UTF-8 (byte 0xFC): is the file in another encoding, such as Latin-1 or Windows-1252?",
                "4: encoding: column 2 is not valid UTF-8 (byte 0xE9): is the file in another encoding, such as Latin-1 or Windows-1252?",
                "5: C|ok",
            ]
        );
    }

    #[test]
    fn latin1_and_windows_1252_are_decoded() {
        let bytes = b"Z\xfcrich,\x80 5\x96\x936\x94,\x81\n";
        assert_eq!(
            read(|| CsvReader::new().encoding(Encoding::Latin1), bytes),
            ["1: Zürich|\u{80} 5\u{96}\u{93}6\u{94}|\u{81}"]
        );
        assert_eq!(
            read(|| CsvReader::new().encoding(Encoding::Windows1252), bytes),
            ["1: Zürich|€ 5–“6”|\u{81}"]
        );
    }

    #[test]
    fn the_fallback_decodes_only_records_that_are_not_utf8() {
        let mut csv = CsvReader::new().fallback(Encoding::Latin1);
        let rows: Vec<(String, Encoding)> = csv
            .feed("Zürich\n".as_bytes())
            .into_iter()
            .chain(csv.feed(b"Z\xfcrich\n"))
            .flatten()
            .map(|r| (r.fields.join("|"), r.encoding))
            .collect();
        assert_eq!(
            rows,
            [
                ("Zürich".to_owned(), Encoding::Utf8),
                ("Zürich".to_owned(), Encoding::Latin1),
            ]
        );
    }

    #[test]
    fn every_windows_1252_byte_decodes_to_one_char() {
        let all: Vec<u8> = (0..=255).collect();
        let text = Encoding::Windows1252.decode(&all).expect("single-byte");
        assert_eq!(text.chars().count(), 256);
        assert_eq!(text.chars().nth(0x80), Some('€'));
        assert_eq!(text.chars().nth(0x9F), Some('Ÿ'));
        assert_eq!(text.chars().nth(0xA0), Some('\u{A0}'));
    }

    #[test]
    fn encodings_parse_from_their_names() {
        for encoding in [Encoding::Utf8, Encoding::Latin1, Encoding::Windows1252] {
            assert_eq!(encoding.name().parse::<Encoding>(), Ok(encoding));
        }
        assert_eq!("ISO-8859-1".parse::<Encoding>(), Ok(Encoding::Latin1));
        assert_eq!("CP1252".parse::<Encoding>(), Ok(Encoding::Windows1252));
        assert!("ebcdic".parse::<Encoding>().is_err());
    }

    #[test]
    fn long_records_grow_the_buffers() {
        let field = "x".repeat(5000);
        let row = vec![field.as_str(); 100].join(",");
        let bytes = format!("{row}\n{row}");
        let mut csv = CsvReader::new();
        let mut rows: Vec<CsvRecord> = csv.feed(bytes.as_bytes()).into_iter().flatten().collect();
        rows.extend(csv.finish().into_iter().flatten());
        assert_eq!(rows.len(), 2);
        assert!(
            rows.iter()
                .all(|r| r.fields.len() == 100 && r.fields[99] == field)
        );
        assert_eq!(rows[1].line, 2);
    }

    #[test]
    fn lines_survive_any_chunking() {
        let text = "\u{FEFF}a,1\r\nb,2\nc,3";
        for size in 1..=text.len() {
            let mut splitter = LineSplitter::default();
            let mut lines = Vec::new();
            for chunk in text.as_bytes().chunks(size) {
                lines.extend(splitter.feed(chunk));
            }
            lines.extend(splitter.finish());
            let got: Vec<(u64, &str)> = lines.iter().map(|l| (l.number, l.text.as_str())).collect();
            assert_eq!(
                got,
                [(1, "a,1"), (2, "b,2"), (3, "c,3")],
                "chunk size {size}"
            );
        }
    }

    #[test]
    fn a_utf8_character_split_across_chunks_is_kept() {
        let mut splitter = LineSplitter::default();
        let bytes = "Zürich\n".as_bytes();
        let mut lines = splitter.feed(&bytes[..2]);
        lines.extend(splitter.feed(&bytes[2..]));
        assert_eq!(lines[0].text, "Zürich");
    }

    #[test]
    fn lines_in_a_single_byte_encoding() {
        let mut splitter = LineSplitter::with_encoding(Encoding::Windows1252);
        let lines = splitter.feed(b"\x80 10\r\nZ\xfcrich\n");
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["€ 10", "Zürich"]);
    }

    #[test]
    fn delimited_and_fixed_width() {
        assert_eq!(
            split_delimited(r#"a,"b,c","d""e""#, ',', Some('"')),
            ["a", "b,c", "d\"e"]
        );
        assert_eq!(
            split_delimited(r"1\licence\GB1\", '\\', None),
            ["1", "licence", "GB1", ""]
        );
        assert_eq!(fixed_width("AB  12345X", &[4, 5, 3]), ["AB", "12345", "X"]);
    }
}
