//! The national control list: a versioned tree of entries, each mapped to its ATT scope,
//! Wassenaar Munitions List reference and HS codes.
//!
//! Versions follow semver, and the number must be honest: a version that removes or
//! narrows entries is a major change (goods that needed a licence may no longer), one that
//! adds or widens entries is at least minor, rewording at least a patch. Records are
//! checked against the version in force on their own date.
//!
//! The file format (TOML) is documented in `fixtures/control-list/README.md`.

mod att;
mod classify;
mod diff;
mod parse;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub use att::{ATT_SCOPES, AttScope, UnknownAttScope};
pub use classify::{Candidate, Classification, classify_hs};
pub use diff::{Bump, Change, ControlListDiff, EntryChange, compare_ids, diff};
pub use parse::{ControlListError, Problem, ProblemKind};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlEntry {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub att: AttScope,
    /// Wassenaar Munitions List reference, e.g. `ML1.a`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ml: Option<String>,
    /// HS 2022 headings or subheadings the goods are declared under.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hs: Vec<String>,
}

/// One version of the list. Its serde form is what the store keeps (as JSON); files are
/// read with [`ControlList::from_toml_str`], which also checks them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlList {
    pub name: String,
    pub version: semver::Version,
    /// The list is in force from this date until a later version's `valid_from`.
    pub valid_from: Date,
    #[serde(rename = "entry", alias = "entries", default)]
    pub entries: Vec<ControlEntry>,
}

impl ControlList {
    /// Parses a TOML control list and checks it, reporting every problem at once (see
    /// [`ProblemKind`]), each with its line.
    pub fn from_toml_str(text: &str) -> Result<ControlList, ControlListError> {
        parse::parse(text)
    }

    /// The list in the TOML file format; [`ControlList::from_toml_str`] reads it back to
    /// an equal list.
    pub fn to_toml_string(&self) -> String {
        parse::to_toml(self)
    }

    /// Everything structurally wrong with the list (empty when it is sound). Lists from
    /// files are checked on reading; this is for lists built in code.
    pub fn problems(&self) -> Vec<Problem> {
        parse::problems(self)
    }

    pub fn entry(&self, id: &str) -> Option<&ControlEntry> {
        self.entries.iter().find(|entry| entry.id == id)
    }

    /// Direct children of `parent` (`None`: the roots), in file order.
    pub fn children<'a>(
        &'a self,
        parent: Option<&'a str>,
    ) -> impl Iterator<Item = &'a ControlEntry> {
        self.entries
            .iter()
            .filter(move |entry| entry.parent.as_deref() == parent)
    }

    /// Entries without a parent, in file order.
    pub fn roots(&self) -> impl Iterator<Item = &ControlEntry> {
        self.children(None)
    }

    /// The parent chain of `id`, nearest first, excluding `id` itself. Stops at a missing
    /// parent and, for an unchecked list, at a cycle.
    pub fn ancestors(&self, id: &str) -> Vec<&ControlEntry> {
        let mut chain: Vec<&ControlEntry> = Vec::new();
        let mut current = self.entry(id).and_then(|e| e.parent.as_deref());
        while let Some(parent) = current.and_then(|p| self.entry(p)) {
            if parent.id == id || chain.iter().any(|e| e.id == parent.id) {
                break;
            }
            chain.push(parent);
            current = parent.parent.as_deref();
        }
        chain
    }

    /// How many ancestors `id` has (0 for a root).
    pub fn depth(&self, id: &str) -> usize {
        self.ancestors(id).len()
    }

    /// `ancestor` is a parent, grandparent, ... of `id`.
    pub fn is_ancestor(&self, ancestor: &str, id: &str) -> bool {
        self.ancestors(id).iter().any(|e| e.id == ancestor)
    }

    /// The entry tree, indented by depth: `id  [ATT]  title`, one entry a line.
    pub fn render_tree(&self) -> String {
        fn walk(list: &ControlList, parent: Option<&str>, depth: usize, out: &mut String) {
            for entry in list.children(parent) {
                // Columns line up while ids fit in 12 characters with their indent;
                // `[VIII.LW.1]`, the longest scope, is 11.
                let indent = "  ".repeat(depth);
                out.push_str(&format!(
                    "{indent}{:<width$}  {:<11}  {}\n",
                    entry.id,
                    format!("[{}]", entry.att.code()),
                    entry.title,
                    width = 12usize.saturating_sub(indent.len())
                ));
                // A checked list has no cycles; the bound keeps an unchecked one finite.
                if depth < 32 {
                    walk(list, Some(&entry.id), depth + 1, out);
                }
            }
        }
        let mut out = String::new();
        walk(self, None, 0, &mut out);
        out
    }
}

// ---------------------------------------------------------------------------------------
// Versions in force and the semver rule
// ---------------------------------------------------------------------------------------

/// Every version of the list the store holds.
#[derive(Clone, Debug, Default)]
pub struct ControlLists {
    pub versions: Vec<ControlList>,
}

/// What adding a version would be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewVersion {
    /// A new version whose number matches its changes.
    Accepted,
    /// This exact version, with this exact content, is already there: nothing to do.
    AlreadyPresent,
}

/// Why a version is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SemverViolation {
    #[error(
        "version {version} is already in the store with different content; a changed list needs a new version number"
    )]
    ChangedWithoutNewVersion { version: String },
    #[error("version {version} is not newer than the latest version {latest}")]
    NotNewer { version: String, latest: String },
    #[error(
        "version {version} {} {}: that needs a {needed} version ({minimum} at least)",
        understated_verb(*.needed),
        .entries.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    Understated {
        version: String,
        /// The least step the changes need.
        needed: Bump,
        minimum: String,
        /// The changes that need that step.
        entries: Vec<EntryChange>,
    },
    #[error(
        "version {version} comes into force on {valid_from}, before version {later} (in force from {later_from}); versions must come into force in version order"
    )]
    ValidFromBackwards {
        version: String,
        valid_from: String,
        later: String,
        later_from: String,
    },
}

fn understated_verb(needed: Bump) -> &'static str {
    match needed {
        Bump::Major => "removes or narrows entries",
        Bump::Minor => "adds or widens entries",
        Bump::Patch | Bump::None => "rewords entries",
    }
}

impl ControlLists {
    /// The version in force on `date`: the one with the latest `valid_from` not after it
    /// (the higher version if two start the same day).
    pub fn in_force_on(&self, date: Date) -> Option<&ControlList> {
        self.versions
            .iter()
            .filter(|list| list.valid_from <= date)
            .max_by(|a, b| (a.valid_from, &a.version).cmp(&(b.valid_from, &b.version)))
    }

    /// The highest version number.
    pub fn latest(&self) -> Option<&ControlList> {
        self.versions
            .iter()
            .max_by(|a, b| a.version.cmp(&b.version))
    }

    pub fn version(&self, version: &semver::Version) -> Option<&ControlList> {
        self.versions.iter().find(|l| &l.version == version)
    }

    /// Checks that `new` may be added. Its number must be new and above the latest (by
    /// semver), it may not come into force before an existing version, and its step from
    /// the latest must be at least what its changes against the latest need ([`diff`]):
    /// major for removed or narrowed entries, minor for added or widened ones, patch for
    /// rewording. The same number with identical content is a no-op.
    pub fn check_new_version(&self, new: &ControlList) -> Result<NewVersion, SemverViolation> {
        if let Some(same) = self.version(&new.version) {
            return if same == new {
                Ok(NewVersion::AlreadyPresent)
            } else {
                Err(SemverViolation::ChangedWithoutNewVersion {
                    version: new.version.to_string(),
                })
            };
        }
        let Some(latest) = self.latest() else {
            return Ok(NewVersion::Accepted);
        };
        if new.version < latest.version {
            return Err(SemverViolation::NotNewer {
                version: new.version.to_string(),
                latest: latest.version.to_string(),
            });
        }
        // Every existing version is older now; none may start after the new one, or the
        // new version would never be in force before it and dates would contradict numbers.
        if let Some(later) = self
            .versions
            .iter()
            .filter(|l| l.valid_from > new.valid_from)
            .max_by_key(|l| l.valid_from)
        {
            return Err(SemverViolation::ValidFromBackwards {
                version: new.version.to_string(),
                valid_from: new.valid_from.to_string(),
                later: later.version.to_string(),
                later_from: later.valid_from.to_string(),
            });
        }
        let changes = diff(latest, new);
        let needed = changes.required_bump();
        if Bump::between(&latest.version, &new.version) < needed {
            return Err(SemverViolation::Understated {
                version: new.version.to_string(),
                needed,
                minimum: needed.minimum_after(&latest.version).to_string(),
                entries: changes
                    .changes
                    .into_iter()
                    .filter(|c| c.bump() == needed)
                    .collect(),
            });
        }
        Ok(NewVersion::Accepted)
    }
}
