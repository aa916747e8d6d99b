//! Helpers for the formats agencies really export: lines that arrive in arbitrary chunks,
//! delimited records (CSV, pipe, backslash) and fixed-width fields.

/// One complete line of the source, with its 1-based line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub number: u64,
    pub text: String,
}

/// Splits a byte stream fed in arbitrary chunks into numbered lines, carrying partial
/// lines (and partial UTF-8 characters) over to the next chunk. `\r\n` and `\n` both end
/// a line; invalid UTF-8 is replaced with U+FFFD, so the plugin can report it.
#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
    next_number: u64,
}

impl LineSplitter {
    /// The lines completed by `chunk`.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Line> {
        self.pending.extend_from_slice(chunk);
        let Some(last_newline) = self.pending.iter().rposition(|&b| b == b'\n') else {
            return Vec::new();
        };
        let rest = self.pending.split_off(last_newline + 1);
        let complete = std::mem::replace(&mut self.pending, rest);
        complete
            .split(|&b| b == b'\n')
            .take_while_inclusive_last()
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
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        Line {
            number: self.next_number,
            text: String::from_utf8_lossy(raw).into_owned(),
        }
    }
}

/// `split(b'\n')` on text ending in `\n` yields a trailing empty piece; drop it.
trait DropTrailingEmpty<'a>: Iterator<Item = &'a [u8]> + Sized {
    fn take_while_inclusive_last(self) -> std::iter::Take<std::vec::IntoIter<&'a [u8]>> {
        let mut pieces: Vec<&'a [u8]> = self.collect();
        if pieces.last().is_some_and(|p| p.is_empty()) {
            pieces.pop();
        }
        let count = pieces.len();
        pieces.into_iter().take(count)
    }
}

impl<'a, I: Iterator<Item = &'a [u8]>> DropTrailingEmpty<'a> for I {}

/// Splits a delimited record. With `quote`, fields may be quoted RFC 4180 style
/// (`"a,b"` and `""` for a quote inside); without, the delimiter always splits
/// (CHIEF's backslash records, pipe-delimited exports).
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

    #[test]
    fn lines_survive_any_chunking() {
        let text = "a,1\r\nb,2\nc,3";
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
