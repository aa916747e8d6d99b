//! Problems found in input, located by line and field, shared by validation, the JSON
//! Lines reader and plugins.

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
