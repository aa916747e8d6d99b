//! Reading and writing the TOML file format (fixtures/control-list/README.md), and the
//! structural checks every list must pass.
//!
//! The file is first read into "raw" structs that keep strings and their positions, so
//! that a wrong ATT code, a bad version number or a dangling parent is reported with its
//! line together with every other problem, instead of stopping at the first one as
//! deserializing straight into [`ControlList`] would.

use std::collections::{BTreeSet, HashMap};
use std::fmt::{self, Write as _};

use jiff::civil::Date;
use serde::Deserialize;
use toml::Spanned;

use super::{AttScope, ControlEntry, ControlList};
use crate::reference;

/// Why a control list file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ControlListError {
    /// Not TOML, or not the shape of a control list (unknown key, wrong type, missing
    /// `id`/`title`/`att`). TOML stops at the first such error.
    #[error("{}{message}", line_prefix(*.line))]
    Syntax {
        line: Option<usize>,
        message: String,
    },
    /// Well-formed, but wrong: every problem found, in line order.
    #[error("{}", describe_problems(.0))]
    Invalid(Vec<Problem>),
}

fn line_prefix(line: Option<usize>) -> String {
    line.map(|line| format!("line {line}: "))
        .unwrap_or_default()
}

fn describe_problems(problems: &[Problem]) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let mut text = format!("{} problems:", many.len());
            for problem in many {
                let _ = write!(text, "\n  {problem}");
            }
            text
        }
    }
}

/// One thing wrong with a list, with its line when the list came from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", line_prefix(self.line), self.kind)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProblemKind {
    #[error("the list has no name")]
    EmptyName,
    #[error("version `{value}` is not a semver version (like 1.2.0): {reason}")]
    BadVersion { value: String, reason: String },
    #[error("valid_from `{value}` is not an ISO 8601 date (like 2024-01-01): {reason}")]
    BadValidFrom { value: String, reason: String },
    #[error("an entry has an empty id")]
    EmptyId,
    #[error("entry `{id}`: an id may not contain spaces or control characters")]
    BadId { id: String },
    #[error(
        "entry {id}: the id appears more than once{}",
        .first_line.map(|line| format!(" (first on line {line})")).unwrap_or_default()
    )]
    DuplicateId {
        id: String,
        first_line: Option<usize>,
    },
    #[error("entry {id}: the title is empty")]
    EmptyTitle { id: String },
    #[error("entry {id}: unknown ATT scope `{code}`")]
    UnknownAtt { id: String, code: String },
    #[error("entry {id}: `{code}` is not an HS 2022 heading or subheading")]
    UnknownHs { id: String, code: String },
    #[error("entry {id}: HS code {code} is listed twice")]
    DuplicateHs { id: String, code: String },
    #[error("entry {id}: parent {parent} does not exist")]
    MissingParent { id: String, parent: String },
    #[error("entries {} form a parent cycle", cycle_text(.cycle))]
    Cycle { cycle: Vec<String> },
    #[error("entry {id}: ATT scope {att} is outside its parent {parent}'s scope {parent_att}")]
    OutsideParentScope {
        id: String,
        att: String,
        parent: String,
        parent_att: String,
    },
}

fn cycle_text(cycle: &[String]) -> String {
    let mut text = cycle.join(" -> ");
    if let Some(first) = cycle.first() {
        let _ = write!(text, " -> {first}");
    }
    text
}

// ---------------------------------------------------------------------------------------
// Raw file shape
// ---------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    name: Spanned<String>,
    // Values, not strings: TOML also allows a bare date (`valid_from = 2024-01-01`), and a
    // wrong type is better reported by the checks below, with the others.
    version: Spanned<toml::Value>,
    valid_from: Spanned<toml::Value>,
    #[serde(rename = "entry", alias = "entries", default)]
    entries: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    parent: Option<Spanned<String>>,
    att: Spanned<String>,
    #[serde(default)]
    ml: Option<String>,
    #[serde(default)]
    hs: Vec<Spanned<String>>,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// What the checks need of an entry, whether it came from a file (with lines) or was
/// built in code or read back from the store (without).
struct EntryView<'a> {
    id: &'a str,
    line: Option<usize>,
    title: &'a str,
    parent: Option<(&'a str, Option<usize>)>,
    att: &'a str,
    att_line: Option<usize>,
    hs: Vec<(&'a str, Option<usize>)>,
}

pub(super) fn parse(text: &str) -> Result<ControlList, ControlListError> {
    let raw: RawList = toml::from_str(text).map_err(|error| ControlListError::Syntax {
        line: error.span().map(|span| line_of(text, span.start)),
        message: error.message().trim_end().to_owned(),
    })?;
    let line = |span: std::ops::Range<usize>| Some(line_of(text, span.start));
    let mut problems = Vec::new();
    if raw.name.get_ref().trim().is_empty() {
        problems.push(Problem {
            line: line(raw.name.span()),
            kind: ProblemKind::EmptyName,
        });
    }
    let version_text = value_text(raw.version.get_ref());
    let version = match raw.version.get_ref() {
        toml::Value::String(_) => version_text
            .parse::<semver::Version>()
            .map_err(|error| error.to_string()),
        _ => Err("write it as a string".to_owned()),
    };
    let version = match version {
        Ok(version) => Some(version),
        Err(reason) => {
            problems.push(Problem {
                line: line(raw.version.span()),
                kind: ProblemKind::BadVersion {
                    value: version_text,
                    reason,
                },
            });
            None
        }
    };
    let date_text = value_text(raw.valid_from.get_ref());
    let valid_from = match date_text.parse::<Date>() {
        Ok(date) => Some(date),
        Err(error) => {
            problems.push(Problem {
                line: line(raw.valid_from.span()),
                kind: ProblemKind::BadValidFrom {
                    value: date_text,
                    reason: error.to_string(),
                },
            });
            None
        }
    };
    let views: Vec<EntryView> = raw
        .entries
        .iter()
        .map(|entry| {
            let e = entry.get_ref();
            EntryView {
                id: e.id.get_ref(),
                line: line(entry.span()),
                title: &e.title,
                parent: e
                    .parent
                    .as_ref()
                    .map(|p| (p.get_ref().as_str(), line(p.span()))),
                att: e.att.get_ref(),
                att_line: line(e.att.span()),
                hs: e
                    .hs
                    .iter()
                    .map(|h| (h.get_ref().as_str(), line(h.span())))
                    .collect(),
            }
        })
        .collect();
    problems.extend(check_entries(&views));
    // Line order reads like a compiler's output; the sort is stable, so problems on one
    // line keep the order the checks found them in.
    problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));

    let entries: Vec<ControlEntry> = raw
        .entries
        .into_iter()
        .filter_map(|entry| {
            let e = entry.into_inner();
            // A bad code is already among the problems.
            let att = AttScope::try_from(e.att.get_ref().as_str()).ok()?;
            Some(ControlEntry {
                id: e.id.into_inner(),
                title: e.title,
                parent: e.parent.map(Spanned::into_inner),
                att,
                ml: e.ml,
                hs: e.hs.into_iter().map(Spanned::into_inner).collect(),
            })
        })
        .collect();
    match (version, valid_from) {
        (Some(version), Some(valid_from)) if problems.is_empty() => Ok(ControlList {
            name: raw.name.into_inner(),
            version,
            valid_from,
            entries,
        }),
        _ => Err(ControlListError::Invalid(problems)),
    }
}

/// The structural checks of a list that is already typed (built in code or read back from
/// the store): the same checks as a file gets, without lines.
pub(super) fn problems(list: &ControlList) -> Vec<Problem> {
    let mut problems = Vec::new();
    if list.name.trim().is_empty() {
        problems.push(Problem {
            line: None,
            kind: ProblemKind::EmptyName,
        });
    }
    let views: Vec<EntryView> = list
        .entries
        .iter()
        .map(|e| EntryView {
            id: &e.id,
            line: None,
            title: &e.title,
            parent: e.parent.as_deref().map(|p| (p, None)),
            att: e.att.code(),
            att_line: None,
            hs: e.hs.iter().map(|h| (h.as_str(), None)).collect(),
        })
        .collect();
    problems.extend(check_entries(&views));
    problems
}

fn check_entries(entries: &[EntryView]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut push = |line, kind| problems.push(Problem { line, kind });
    // First occurrence of each id: later duplicates are reported, and parents resolve to
    // the first one.
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let id = entry.id.to_owned();
        if entry.id.trim().is_empty() {
            push(entry.line, ProblemKind::EmptyId);
        } else if entry
            .id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            push(entry.line, ProblemKind::BadId { id: id.clone() });
        }
        match index.get(entry.id) {
            Some(&first) => push(
                entry.line,
                ProblemKind::DuplicateId {
                    id: id.clone(),
                    first_line: entries[first].line,
                },
            ),
            None => {
                index.insert(entry.id, i);
            }
        }
        if entry.title.trim().is_empty() {
            push(entry.line, ProblemKind::EmptyTitle { id: id.clone() });
        }
        if AttScope::try_from(entry.att).is_err() {
            push(
                entry.att_line,
                ProblemKind::UnknownAtt {
                    id: id.clone(),
                    code: entry.att.to_owned(),
                },
            );
        }
        let mut seen = BTreeSet::new();
        for &(code, line) in &entry.hs {
            if !reference::is_hs_code(code) {
                push(
                    line,
                    ProblemKind::UnknownHs {
                        id: id.clone(),
                        code: code.to_owned(),
                    },
                );
            } else if !seen.insert(code) {
                push(
                    line,
                    ProblemKind::DuplicateHs {
                        id: id.clone(),
                        code: code.to_owned(),
                    },
                );
            }
        }
    }

    for entry in entries {
        let Some((parent_id, parent_line)) = entry.parent else {
            continue;
        };
        let Some(&parent_index) = index.get(parent_id) else {
            push(
                parent_line,
                ProblemKind::MissingParent {
                    id: entry.id.to_owned(),
                    parent: parent_id.to_owned(),
                },
            );
            continue;
        };
        let parent = &entries[parent_index];
        // Under an ATT sub-category (VIII.SA, IV.a, ...) a sub-entry must stay inside it:
        // a pistol entry under "small arms" that says "light weapons" is a mistake that
        // would put the goods in the wrong report row. Top-level ML headings do not follow
        // ATT categories (ML2 holds artillery and light weapons, ML10 aircraft and
        // helicopters, ML6 armoured vehicles and tanks), and ammunition, parts and
        // national sub-entries may sit anywhere, so only sub-categories are enforced.
        if let (Ok(att), Ok(parent_att)) = (
            AttScope::try_from(entry.att),
            AttScope::try_from(parent.att),
        ) && parent_att.is_sub_category()
            && att.is_article_2_category()
            && !att.is_within(&parent_att)
        {
            push(
                entry.att_line,
                ProblemKind::OutsideParentScope {
                    id: entry.id.to_owned(),
                    att: att.code().to_owned(),
                    parent: parent.id.to_owned(),
                    parent_att: parent_att.code().to_owned(),
                },
            );
        }
    }

    // Cycles: walk up from every entry; coming back to an entry already on the path closes
    // a cycle. Each cycle is reported once, starting from its first entry in the file, on
    // that entry's line.
    let mut reported: BTreeSet<Vec<usize>> = BTreeSet::new();
    for start in 0..entries.len() {
        let mut path: Vec<usize> = Vec::new();
        let mut current = start;
        loop {
            if let Some(at) = path.iter().position(|&i| i == current) {
                let mut cycle = path[at..].to_vec();
                let first = cycle
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, i)| **i)
                    .map_or(0, |(k, _)| k);
                cycle.rotate_left(first);
                if reported.insert(cycle.clone()) {
                    push(
                        entries[cycle[0]].line,
                        ProblemKind::Cycle {
                            cycle: cycle.iter().map(|&i| entries[i].id.to_owned()).collect(),
                        },
                    );
                }
                break;
            }
            path.push(current);
            match entries[current].parent.and_then(|(p, _)| index.get(p)) {
                Some(&next) if path.len() <= entries.len() => current = next,
                _ => break,
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// The list in the file format, keys in the order the shipped files use.
pub(super) fn to_toml(list: &ControlList) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "name = {}", quoted(&list.name));
    let _ = writeln!(out, "version = {}", quoted(&list.version.to_string()));
    let _ = writeln!(out, "valid_from = {}", quoted(&list.valid_from.to_string()));
    for entry in &list.entries {
        let _ = writeln!(out, "\n[[entry]]\nid = {}", quoted(&entry.id));
        if let Some(parent) = &entry.parent {
            let _ = writeln!(out, "parent = {}", quoted(parent));
        }
        let _ = writeln!(out, "att = {}", quoted(entry.att.code()));
        if let Some(ml) = &entry.ml {
            let _ = writeln!(out, "ml = {}", quoted(ml));
        }
        if !entry.hs.is_empty() {
            let codes: Vec<String> = entry.hs.iter().map(|h| quoted(h)).collect();
            let _ = writeln!(out, "hs = [{}]", codes.join(", "));
        }
        let _ = writeln!(out, "title = {}", quoted(&entry.title));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_one() {
        let text = "a\nb\nc";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2); // the start of line 2, right after a newline
        assert_eq!(line_of(text, 4), 3);
        assert_eq!(line_of(text, 99), 3);
    }

    #[test]
    fn quoting_round_trips() {
        for text in [
            "plain",
            "with \"quotes\"",
            "back\\slash",
            "tab\there",
            "ümlaut – dash",
        ] {
            let parsed: toml::Table =
                toml::from_str(&format!("x = {}", quoted(text))).expect("valid TOML");
            assert_eq!(parsed.get("x").and_then(|v| v.as_str()), Some(text));
        }
    }
}
