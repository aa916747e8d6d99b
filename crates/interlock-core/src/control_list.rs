//! The national control list: a versioned tree of entries, each mapped to its ATT scope,
//! Wassenaar Munitions List reference and HS codes.
//!
//! Versions follow semver, and the number must be honest: a version that removes or
//! narrows entries is a major change (goods that needed a licence may no longer), one that
//! adds or widens entries is at least minor, rewording at least a patch. Records are
//! checked against the version in force on their own date.
//!
//! The file format (TOML) is documented in `fixtures/control-list/README.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::reference;

/// ATT scope codes and what they mean (ATT Art. 2(1), 3 and 4; annual report template).
pub const ATT_SCOPES: &[(&str, &str)] = &[
    ("I", "Battle tanks"),
    ("II", "Armoured combat vehicles"),
    ("III", "Large-calibre artillery systems"),
    ("IV", "Combat aircraft"),
    ("IV.a", "Combat aircraft, manned"),
    ("IV.b", "Combat aircraft, unmanned"),
    ("V", "Attack helicopters"),
    ("V.a", "Attack helicopters, manned"),
    ("V.b", "Attack helicopters, unmanned"),
    ("VI", "Warships"),
    ("VI.a", "Warships, manned"),
    ("VI.b", "Warships, unmanned"),
    ("VII", "Missiles and missile launchers"),
    ("VII.a", "Missiles and missile launchers"),
    ("VII.b", "Man-portable air defence systems (MANPADS)"),
    ("VIII", "Small arms and light weapons"),
    ("VIII.SA", "Small arms"),
    ("VIII.SA.1", "Revolvers and self-loading pistols"),
    ("VIII.SA.2", "Rifles and carbines"),
    ("VIII.SA.3", "Sub-machine guns"),
    ("VIII.SA.4", "Assault rifles"),
    ("VIII.SA.5", "Light machine guns"),
    ("VIII.SA.6", "Other small arms"),
    ("VIII.LW", "Light weapons"),
    ("VIII.LW.1", "Heavy machine guns"),
    (
        "VIII.LW.2",
        "Hand-held under-barrel and mounted grenade launchers",
    ),
    ("VIII.LW.3", "Portable anti-tank guns"),
    ("VIII.LW.4", "Recoilless rifles"),
    (
        "VIII.LW.5",
        "Portable launchers of anti-tank missile and rocket systems",
    ),
    ("VIII.LW.6", "Mortars of calibres less than 75 mm"),
    ("VIII.LW.7", "Other light weapons"),
    ("art3", "Ammunition/munitions (ATT Art. 3)"),
    ("art4", "Parts and components (ATT Art. 4)"),
    ("national", "National control outside the ATT's scope"),
];

/// Where an entry falls under the Arms Trade Treaty; one of [`ATT_SCOPES`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AttScope(String);

impl AttScope {
    pub fn code(&self) -> &str {
        &self.0
    }

    pub fn title(&self) -> &'static str {
        ATT_SCOPES
            .iter()
            .find(|(code, _)| *code == self.0)
            .map_or("", |(_, title)| title)
    }

    /// `VIII.SA.2` is within `VIII.SA` and `VIII`; every scope is within itself.
    pub fn is_within(&self, other: &AttScope) -> bool {
        self.0 == other.0
            || self
                .0
                .strip_prefix(&other.0)
                .is_some_and(|rest| rest.starts_with('.'))
    }

    /// Categories of the ATT proper (Art. 2(1)), as opposed to ammunition, parts and
    /// national controls.
    pub fn is_article_2_category(&self) -> bool {
        !matches!(self.0.as_str(), "art3" | "art4" | "national")
    }
}

impl TryFrom<String> for AttScope {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        if ATT_SCOPES.iter().any(|(code, _)| *code == value) {
            Ok(AttScope(value))
        } else {
            Err(format!(
                "unknown ATT scope `{value}`; expected one of {}",
                ATT_SCOPES
                    .iter()
                    .map(|(code, _)| *code)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    }
}

impl From<AttScope> for String {
    fn from(value: AttScope) -> String {
        value.0
    }
}

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

#[derive(Debug, thiserror::Error)]
pub enum ControlListError {
    #[error("line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("{}", .0.join("; "))]
    Invalid(Vec<String>),
}

impl ControlList {
    /// Parses a TOML control list and checks it, reporting every problem at once.
    pub fn from_toml_str(text: &str) -> Result<ControlList, ControlListError> {
        let list: ControlList = toml::from_str(text).map_err(|error| {
            let line = error.span().map_or(0, |span| {
                text[..span.start.min(text.len())].lines().count().max(1)
            });
            ControlListError::Syntax {
                line,
                message: error.message().to_owned(),
            }
        })?;
        let problems = list.problems();
        if problems.is_empty() {
            Ok(list)
        } else {
            Err(ControlListError::Invalid(problems))
        }
    }

    /// Everything wrong with the list's structure.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.name.trim().is_empty() {
            problems.push("the list has no name".to_owned());
        }
        let mut by_id: HashMap<&str, &ControlEntry> = HashMap::new();
        for entry in &self.entries {
            if entry.id.trim().is_empty() {
                problems.push("an entry has an empty id".to_owned());
            } else if by_id.contains_key(entry.id.as_str()) {
                problems.push(format!("entry {}: the id appears more than once", entry.id));
            } else {
                by_id.insert(&entry.id, entry);
            }
            if entry.title.trim().is_empty() {
                problems.push(format!("entry {}: the title is empty", entry.id));
            }
            for code in &entry.hs {
                if !reference::is_hs_code(code) {
                    problems.push(format!(
                        "entry {}: `{code}` is not an HS 2022 heading or subheading",
                        entry.id
                    ));
                }
            }
        }
        for entry in &self.entries {
            let Some(parent_id) = &entry.parent else {
                continue;
            };
            let Some(parent) = by_id.get(parent_id.as_str()) else {
                problems.push(format!(
                    "entry {}: parent {parent_id} does not exist",
                    entry.id
                ));
                continue;
            };
            // Under an ATT sub-category (VIII.SA, IV.a, ...) a sub-entry must stay inside
            // it. Top-level ML headings do not follow ATT categories (ML2 holds artillery
            // and light weapons, ML10 aircraft and helicopters), and ammunition, parts and
            // national sub-entries may sit anywhere, so only sub-categories are checked.
            if parent.att.code().contains('.')
                && entry.att.is_article_2_category()
                && !entry.att.is_within(&parent.att)
            {
                problems.push(format!(
                    "entry {}: ATT scope {} is outside its parent {}'s scope {}",
                    entry.id,
                    entry.att.code(),
                    parent.id,
                    parent.att.code()
                ));
            }
            // Walk up: a cycle brings us back to this entry.
            let mut seen = BTreeSet::from([entry.id.as_str()]);
            let mut current = parent_id.as_str();
            while let Some(next) = by_id.get(current) {
                if !seen.insert(current) {
                    problems.push(format!("entry {}: its parents form a cycle", entry.id));
                    break;
                }
                match &next.parent {
                    Some(p) => current = p,
                    None => break,
                }
            }
        }
        problems
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

    /// The entry tree, indented by depth: `id  [ATT]  title`.
    pub fn render_tree(&self) -> String {
        fn walk(list: &ControlList, parent: Option<&str>, depth: usize, out: &mut String) {
            for entry in list.children(parent) {
                let indent = "  ".repeat(depth);
                out.push_str(&format!(
                    "{indent}{:<width$} [{}] {}\n",
                    entry.id,
                    entry.att.code(),
                    entry.title,
                    width = 12usize.saturating_sub(indent.len()).max(entry.id.len())
                ));
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

/// Every version of the list the store holds, in version order.
#[derive(Clone, Debug, Default)]
pub struct ControlLists {
    pub versions: Vec<ControlList>,
}

/// What adding a version would be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewVersion {
    /// A new version whose number matches its changes.
    Accepted,
    /// This exact version, with this exact content, is already there.
    AlreadyPresent,
}

/// Why a version number is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SemverViolation {
    #[error(
        "version {version} is already in the store with different content; a changed list needs a new version number"
    )]
    ChangedWithoutNewVersion { version: String },
    #[error("version {version} is not newer than the latest version {latest}")]
    NotNewer { version: String, latest: String },
    #[error("version {version} {changes}: that needs a {needed} version ({minimum} at least)")]
    Understated {
        version: String,
        changes: String,
        needed: &'static str,
        minimum: String,
    },
    #[error(
        "version {version} comes into force on {valid_from}, before version {latest} ({latest_from})"
    )]
    ValidFromBackwards {
        version: String,
        valid_from: String,
        latest: String,
        latest_from: String,
    },
}

impl ControlLists {
    /// The version in force on `date`: the one with the latest `valid_from` not after it.
    pub fn in_force_on(&self, date: Date) -> Option<&ControlList> {
        self.versions
            .iter()
            .filter(|list| list.valid_from <= date)
            .max_by(|a, b| (a.valid_from, &a.version).cmp(&(b.valid_from, &b.version)))
    }

    pub fn latest(&self) -> Option<&ControlList> {
        self.versions
            .iter()
            .max_by(|a, b| a.version.cmp(&b.version))
    }

    /// Checks that `new` may be added: its number is new and greater than the latest, and
    /// the bump is at least what its changes against the latest require.
    pub fn check_new_version(&self, new: &ControlList) -> Result<NewVersion, SemverViolation> {
        if let Some(same) = self.versions.iter().find(|l| l.version == new.version) {
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
        if new.valid_from < latest.valid_from {
            return Err(SemverViolation::ValidFromBackwards {
                version: new.version.to_string(),
                valid_from: new.valid_from.to_string(),
                latest: latest.version.to_string(),
                latest_from: latest.valid_from.to_string(),
            });
        }
        let changes = diff(latest, new);
        let (old, version) = (&latest.version, &new.version);
        let major_bump = version.major > old.major;
        let minor_bump = major_bump || version.minor > old.minor;
        let breaking: Vec<&EntryChange> =
            changes.changes.iter().filter(|c| c.is_breaking()).collect();
        let additive: Vec<&EntryChange> =
            changes.changes.iter().filter(|c| c.is_additive()).collect();
        let understated = |changes: &[&EntryChange], needed, minimum: semver::Version| {
            SemverViolation::Understated {
                version: version.to_string(),
                changes: format!(
                    "{} {}",
                    if needed == "major" {
                        "removes or narrows"
                    } else {
                        "adds or widens"
                    },
                    changes
                        .iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                needed,
                minimum: minimum.to_string(),
            }
        };
        // Pre-1.0 lists follow semver's 0.x convention: the minor number is the major.
        let major_needed = if old.major == 0 {
            minor_bump
        } else {
            major_bump
        };
        if !breaking.is_empty() && !major_needed {
            let minimum = if old.major == 0 {
                semver::Version::new(0, old.minor + 1, 0)
            } else {
                semver::Version::new(old.major + 1, 0, 0)
            };
            return Err(understated(&breaking, "major", minimum));
        }
        if !additive.is_empty() && !minor_bump {
            return Err(understated(
                &additive,
                "minor",
                semver::Version::new(old.major, old.minor + 1, 0),
            ));
        }
        Ok(NewVersion::Accepted)
    }
}

// ---------------------------------------------------------------------------------------
// Diff
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    Added,
    Removed,
    /// Covers less than before: HS codes removed, or moved to another ATT scope or parent
    /// (goods classified under it may now fall elsewhere).
    Narrowed {
        details: Vec<String>,
    },
    /// Covers more than before: HS codes added.
    Widened {
        details: Vec<String>,
    },
    /// Same coverage, different words or ML reference.
    Reworded {
        details: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntryChange {
    pub id: String,
    #[serde(flatten)]
    pub change: Change,
}

impl EntryChange {
    fn is_breaking(&self) -> bool {
        matches!(self.change, Change::Removed | Change::Narrowed { .. })
    }

    fn is_additive(&self) -> bool {
        matches!(self.change, Change::Added | Change::Widened { .. })
    }
}

impl fmt::Display for EntryChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (word, details) = match &self.change {
            Change::Added => ("added", &[][..]),
            Change::Removed => ("removed", &[][..]),
            Change::Narrowed { details } => ("narrowed", &details[..]),
            Change::Widened { details } => ("widened", &details[..]),
            Change::Reworded { details } => ("reworded", &details[..]),
        };
        write!(f, "{} ({word}", self.id)?;
        for detail in details {
            write!(f, "; {detail}")?;
        }
        f.write_str(")")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ControlListDiff {
    pub old_version: String,
    pub new_version: String,
    pub changes: Vec<EntryChange>,
}

impl fmt::Display for ControlListDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} -> {}", self.old_version, self.new_version)?;
        if self.changes.is_empty() {
            return writeln!(f, "no changes");
        }
        for change in &self.changes {
            let (sign, details) = match &change.change {
                Change::Added => ("+", Vec::new()),
                Change::Removed => ("-", Vec::new()),
                Change::Narrowed { details } => ("<", details.clone()),
                Change::Widened { details } => (">", details.clone()),
                Change::Reworded { details } => ("~", details.clone()),
            };
            let word = match &change.change {
                Change::Added => "added",
                Change::Removed => "removed",
                Change::Narrowed { .. } => "narrowed",
                Change::Widened { .. } => "widened",
                Change::Reworded { .. } => "reworded",
            };
            writeln!(f, "{sign} {:<12} {word}", change.id)?;
            for detail in details {
                writeln!(f, "    {detail}")?;
            }
        }
        Ok(())
    }
}

/// Entry by entry, what changed from `old` to `new`, in id order.
pub fn diff(old: &ControlList, new: &ControlList) -> ControlListDiff {
    let old_entries: BTreeMap<&str, &ControlEntry> =
        old.entries.iter().map(|e| (e.id.as_str(), e)).collect();
    let new_entries: BTreeMap<&str, &ControlEntry> =
        new.entries.iter().map(|e| (e.id.as_str(), e)).collect();
    let ids: BTreeSet<&str> = old_entries
        .keys()
        .chain(new_entries.keys())
        .copied()
        .collect();
    let mut changes = Vec::new();
    for id in ids {
        let change = match (old_entries.get(id), new_entries.get(id)) {
            (None, Some(_)) => Some(Change::Added),
            (Some(_), None) => Some(Change::Removed),
            (Some(before), Some(after)) => compare(before, after),
            (None, None) => None,
        };
        if let Some(change) = change {
            changes.push(EntryChange {
                id: id.to_owned(),
                change,
            });
        }
    }
    ControlListDiff {
        old_version: old.version.to_string(),
        new_version: new.version.to_string(),
        changes,
    }
}

fn compare(before: &ControlEntry, after: &ControlEntry) -> Option<Change> {
    let old_hs: BTreeSet<&String> = before.hs.iter().collect();
    let new_hs: BTreeSet<&String> = after.hs.iter().collect();
    let mut narrowed = Vec::new();
    for code in old_hs.difference(&new_hs) {
        narrowed.push(format!("HS {code} removed"));
    }
    if before.att != after.att {
        narrowed.push(format!(
            "ATT scope {} -> {}",
            before.att.code(),
            after.att.code()
        ));
    }
    if before.parent != after.parent {
        narrowed.push(format!(
            "parent {} -> {}",
            before.parent.as_deref().unwrap_or("(none)"),
            after.parent.as_deref().unwrap_or("(none)")
        ));
    }
    if !narrowed.is_empty() {
        return Some(Change::Narrowed { details: narrowed });
    }
    let widened: Vec<String> = new_hs
        .difference(&old_hs)
        .map(|code| format!("HS {code} added"))
        .collect();
    if !widened.is_empty() {
        return Some(Change::Widened { details: widened });
    }
    let mut reworded = Vec::new();
    if before.title != after.title {
        reworded.push(format!("title: {:?} -> {:?}", before.title, after.title));
    }
    if before.ml != after.ml {
        reworded.push(format!(
            "ML {} -> {}",
            before.ml.as_deref().unwrap_or("(none)"),
            after.ml.as_deref().unwrap_or("(none)")
        ));
    }
    (!reworded.is_empty()).then_some(Change::Reworded { details: reworded })
}

// ---------------------------------------------------------------------------------------
// Classification by HS code
// ---------------------------------------------------------------------------------------

/// HS headings that also cover civil goods: an HS code there says nothing about whether
/// the goods are military (HS cannot tell a fighter from an airliner).
const DUAL_USE_HEADINGS: &[&str] = &[
    "8802", "8806", "8803", "8807", "8906", "8526", "9013", "9005",
];

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Classification {
    pub hs_code: String,
    pub hs_description: Option<&'static str>,
    /// Entries whose HS codes match, most specific match first.
    pub candidates: Vec<ControlEntry>,
    /// Why the HS code alone cannot settle the classification, if it cannot.
    pub ambiguity: Option<String>,
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HS {}", self.hs_code)?;
        if let Some(description) = self.hs_description {
            write!(f, ": {description}")?;
        }
        writeln!(f)?;
        if self.candidates.is_empty() {
            writeln!(f, "no control list entry names this HS code")?;
        }
        for entry in &self.candidates {
            writeln!(
                f,
                "  {:<12} [{}] {}",
                entry.id,
                entry.att.code(),
                entry.title
            )?;
        }
        if let Some(note) = &self.ambiguity {
            writeln!(f, "note: {note}")?;
        }
        Ok(())
    }
}

/// Candidate entries for an HS code: those listing the code, a heading above it, or a
/// subheading below it.
pub fn classify_hs(list: &ControlList, code: &str) -> Classification {
    let code = code.trim().replace('.', "");
    let mut candidates: Vec<(usize, &ControlEntry)> = list
        .entries
        .iter()
        .filter_map(|entry| {
            entry
                .hs
                .iter()
                .filter(|hs| code.starts_with(hs.as_str()) || hs.starts_with(&code))
                .map(|hs| hs.len().min(code.len()))
                .max()
                .map(|specificity| (specificity, entry))
        })
        .collect();
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    let dual_use = DUAL_USE_HEADINGS
        .iter()
        .any(|heading| code.starts_with(heading));
    let ambiguity = if dual_use {
        Some(format!(
            "HS heading {} covers civil as well as military goods: the HS code alone does not make them controlled; check the licence or the goods' specification",
            &code[..code.len().min(4)]
        ))
    } else if candidates.len() > 1 {
        Some(format!(
            "{} entries share this HS code: the description or licence decides",
            candidates.len()
        ))
    } else {
        None
    };
    Classification {
        hs_description: reference::hs_description(&code)
            .or_else(|| reference::hs_description(&code[..code.len().min(6)])),
        hs_code: code,
        candidates: candidates
            .into_iter()
            .map(|(_, entry)| entry.clone())
            .collect(),
        ambiguity,
    }
}
