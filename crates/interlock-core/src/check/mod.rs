//! Interagency cross-checks: rules that read the records of several agencies together and
//! report **findings** — what no single agency can see alone.
//!
//! A rule is one small unit in `rules/` implementing [`Rule`]: its id, its treaty basis, its
//! severity and a function from the [`Dataset`] to findings. Adding a rule touches its file
//! and the list in [`rules::all`]. Each finding carries the records it rests on as
//! [`Evidence`] (agency, source file and line), an explanation with the numbers, and a
//! rule-chosen `key`; its id is derived from (rule, key), so re-running the checks on
//! unchanged data finds the same findings, and the store can say which are new and which
//! were resolved (`store/findings.rs`).

mod data;
pub mod rules;
mod trace;

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use data::{Dataset, Rec, RecordMeta};
pub use trace::{Trace, TraceStep, trace};

/// How much a finding matters to a record manager deciding what to look at first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        [Severity::Low, Severity::Medium, Severity::High]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finding's identity: SHA-256("interlock/finding/v1" ‖ rule ‖ key)[..16], hex.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FindingId(pub String);

impl FindingId {
    pub fn derive(rule: &str, key: &str) -> FindingId {
        let mut hasher = Sha256::new();
        hasher.update(b"interlock/finding/v1\0");
        hasher.update(rule.as_bytes());
        hasher.update([0]);
        hasher.update(key.as_bytes());
        FindingId(hex::encode(&hasher.finalize()[..16]))
    }
}

impl fmt::Display for FindingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One record a finding rests on, and why it is there.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    pub record: crate::model::RecordId,
    pub kind: crate::model::RecordKind,
    pub agency: String,
    pub source_ref: String,
    /// The record's revision when the finding was made.
    pub revision: u32,
    /// The source file and line the revision came from.
    pub source_file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// What the record is to the finding, e.g. `licence`, `write-off`, `seizure`.
    pub role: String,
}

/// What a rule found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub id: FindingId,
    pub rule: String,
    pub severity: Severity,
    /// The rule's own key for what is wrong (e.g. licence and line): the same problem gives
    /// the same key, so the same finding id, on every run.
    pub key: String,
    /// The explanation with its numbers, in plain language.
    pub explanation: String,
    /// The day the finding is about (the transfer's date), for `--from/--to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    pub evidence: Vec<Evidence>,
}

/// A rule: one kind of inconsistency between agencies' records.
pub trait Rule {
    /// Stable id, e.g. `over-limit`.
    fn id(&self) -> &'static str;
    /// One line: what the rule looks for.
    fn title(&self) -> &'static str;
    /// The treaty article(s) the rule serves, e.g. `ATT Art. 11`.
    fn basis(&self) -> &'static str;
    fn severity(&self) -> Severity;
    /// Every finding on `data`.
    fn check(&self, data: &Dataset) -> Vec<Finding>;
}

/// Builds a finding of `rule`; the id comes from (rule, key).
pub fn finding(
    rule: &dyn Rule,
    key: String,
    explanation: String,
    date: Option<Date>,
    evidence: Vec<Evidence>,
) -> Finding {
    Finding {
        id: FindingId::derive(rule.id(), &key),
        rule: rule.id().to_owned(),
        severity: rule.severity(),
        key,
        explanation,
        date,
        evidence,
    }
}

/// Which findings a run keeps.
#[derive(Clone, Debug, Default)]
pub struct CheckFilter {
    /// Only these rules (ids); all when empty.
    pub rules: Vec<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Only findings with evidence from this agency.
    pub agency: Option<String>,
}

impl CheckFilter {
    pub fn keeps_rule(&self, id: &str) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|r| r == id)
    }

    pub fn keeps(&self, finding: &Finding) -> bool {
        let in_range = match finding.date {
            Some(date) => {
                self.from.is_none_or(|from| date >= from) && self.to.is_none_or(|to| date <= to)
            }
            None => self.from.is_none() && self.to.is_none(),
        };
        in_range
            && self
                .agency
                .as_ref()
                .is_none_or(|agency| finding.evidence.iter().any(|e| &e.agency == agency))
    }
}

/// Runs the rules `filter` selects over `data`, in rule order, findings sorted by id within
/// a rule.
pub fn run(data: &Dataset, filter: &CheckFilter) -> Vec<Finding> {
    let mut all = Vec::new();
    for rule in rules::all() {
        if !filter.keeps_rule(rule.id()) {
            continue;
        }
        let mut found: Vec<Finding> = rule
            .check(data)
            .into_iter()
            .filter(|f| filter.keeps(f))
            .collect();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        found.dedup_by(|a, b| a.id == b.id);
        all.extend(found);
    }
    all
}
