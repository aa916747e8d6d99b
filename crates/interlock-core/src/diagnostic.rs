//! Problems found in input, located by line and field, shared by validation, the JSON
//! Lines reader and plugins.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    /// The source cannot be imported until this is fixed.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem with one place in a source file. Rendered as `line: field: message`; the
/// caller prefixes the file name, giving the `file:line: field: message` users see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// 1-based line (or record number) in the source file, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Dotted path of the offending field, e.g. `record.lines[1].quantity.unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Stable machine-readable code, e.g. `unknown-country`.
    pub code: String,
    pub message: String,
}

impl Diagnostic {
    pub fn error(field: impl Into<String>, code: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            line: None,
            field: Some(field.into()),
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub fn at_line(mut self, line: Option<u64>) -> Diagnostic {
        if self.line.is_none() {
            self.line = line;
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line: field: message`, the form record managers see.
    pub fn render(&self, file: &str) -> String {
        let mut text = String::from(file);
        if let Some(line) = self.line {
            text.push_str(&format!(":{line}"));
        }
        text.push_str(": ");
        if self.severity != Severity::Error {
            text.push_str(&format!("{}: ", self.severity));
        }
        if let Some(field) = &self.field {
            text.push_str(field);
            text.push_str(": ");
        }
        text.push_str(&self.message);
        text
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render("<input>"))
    }
}

/// How many diagnostics one input produced, by severity and by code: every one is counted,
/// however many are kept or shown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiagnosticCounts {
    pub errors: u64,
    pub warnings: u64,
    pub infos: u64,
    by_code: BTreeMap<(Severity, String), u64>,
}

/// One line of [`DiagnosticCounts::by_code`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodeCount {
    pub severity: Severity,
    pub code: String,
    pub count: u64,
}

impl DiagnosticCounts {
    pub fn add(&mut self, diagnostic: &Diagnostic) {
        match diagnostic.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
        *self
            .by_code
            .entry((diagnostic.severity, diagnostic.code.clone()))
            .or_default() += 1;
    }

    pub fn total(&self) -> u64 {
        self.errors + self.warnings + self.infos
    }

    /// Counts per (severity, code): errors first, then the most frequent, then by code,
    /// so the summary reads the same on every run.
    pub fn by_code(&self) -> Vec<CodeCount> {
        let mut counts: Vec<CodeCount> = self
            .by_code
            .iter()
            .map(|((severity, code), count)| CodeCount {
                severity: *severity,
                code: code.clone(),
                count: *count,
            })
            .collect();
        counts.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.count.cmp(&a.count))
                .then(a.code.cmp(&b.code))
        });
        counts
    }
}

impl Serialize for DiagnosticCounts {
    /// `{"errors": N, "warnings": N, "infos": N, "by_code": [{"severity", "code", "count"}]}`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("DiagnosticCounts", 4)?;
        out.serialize_field("errors", &self.errors)?;
        out.serialize_field("warnings", &self.warnings)?;
        out.serialize_field("infos", &self.infos)?;
        out.serialize_field("by_code", &self.by_code())?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnostic(severity: Severity, code: &str) -> Diagnostic {
        Diagnostic {
            severity,
            line: None,
            field: None,
            code: code.to_owned(),
            message: String::new(),
        }
    }

    #[test]
    fn counts_list_errors_first_then_the_most_frequent_codes() {
        let mut counts = DiagnosticCounts::default();
        for (severity, code, times) in [
            (Severity::Warning, "w-rare", 1),
            (Severity::Warning, "w-often", 3),
            (Severity::Error, "e", 2),
            (Severity::Info, "i", 1),
        ] {
            for _ in 0..times {
                counts.add(&diagnostic(severity, code));
            }
        }
        assert_eq!((counts.errors, counts.warnings, counts.infos), (2, 4, 1));
        assert_eq!(counts.total(), 7);
        assert_eq!(
            serde_json::to_value(&counts).expect("json"),
            serde_json::json!({
                "errors": 2, "warnings": 4, "infos": 1,
                "by_code": [
                    {"severity": "error", "code": "e", "count": 2},
                    {"severity": "warning", "code": "w-often", "count": 3},
                    {"severity": "warning", "code": "w-rare", "count": 1},
                    {"severity": "info", "code": "i", "count": 1},
                ]
            })
        );
    }
}
