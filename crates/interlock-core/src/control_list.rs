//! The national control list: a versioned tree of entries, each mapped to its ATT scope,
//! Wassenaar ML reference and HS codes.
//!
//! STUB: the signatures below are the contract used by validation, the store and the CLI.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Where an entry falls under the Arms Trade Treaty.
///
/// Codes: `I`..`VII` with sub-categories `IV.a` (manned) / `IV.b` (unmanned), likewise V, VI,
/// `VII.a` missiles and launchers / `VII.b` MANPADS, `VIII.SA.1`..`VIII.SA.6` small arms,
/// `VIII.LW.1`..`VIII.LW.7` light weapons, `art3` ammunition/munitions, `art4` parts and
/// components, `national` for national controls outside the ATT.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AttScope(String);

impl AttScope {
    pub fn code(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AttScope {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Ok(AttScope(value))
    }
}

impl From<AttScope> for String {
    fn from(value: AttScope) -> String {
        value.0
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlEntry {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub att: AttScope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ml: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hs: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlList {
    pub name: String,
    pub version: semver::Version,
    pub valid_from: Date,
    pub entries: Vec<ControlEntry>,
}

impl ControlList {
    pub fn entry(&self, id: &str) -> Option<&ControlEntry> {
        self.entries.iter().find(|entry| entry.id == id)
    }
}

/// Every version of the list the store holds.
#[derive(Clone, Debug, Default)]
pub struct ControlLists {
    pub versions: Vec<ControlList>,
}

impl ControlLists {
    /// The version in force on `date`: the one with the latest `valid_from` not after it.
    pub fn in_force_on(&self, date: Date) -> Option<&ControlList> {
        self.versions
            .iter()
            .filter(|list| list.valid_from <= date)
            .max_by(|a, b| (a.valid_from, &a.version).cmp(&(b.valid_from, &b.version)))
    }
}
