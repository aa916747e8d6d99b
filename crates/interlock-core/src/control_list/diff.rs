//! What changed between two versions of the list, entry by entry, and how big a version
//! bump that needs.
//!
//! The classes, from the point of view of someone holding a licence or a record that names
//! an entry:
//!
//! - **removed**: the id no longer exists, so records naming it no longer resolve;
//! - **narrowed**: the entry covers less or somewhere else: an HS code was dropped, the
//!   ATT scope changed (the goods move to another report row, even when the new scope is
//!   inside the old one), or the entry moved to another parent (a different place in the
//!   tree, so totals by heading change). Any of these can make goods that needed a licence
//!   under the entry stop needing one, so they are treated like a removal;
//! - **widened**: more HS codes, nothing dropped;
//! - **added**: a new id;
//! - **reworded**: only the title or the ML reference changed.
//!
//! An entry that is both narrowed and widened (one HS code swapped for another) is
//! narrowed, and its details list every change so nothing is hidden.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use super::{ControlEntry, ControlList};

/// The size of a semver step, ordered: `None < Patch < Minor < Major`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

impl Bump {
    /// The step from `old` to a newer `new`. Under 0.x, as in Cargo, the minor number acts
    /// as the major one and the patch number as the minor one (0.1.0 → 0.2.0 may break;
    /// 0.1.0 → 0.1.1 may add).
    pub fn between(old: &semver::Version, new: &semver::Version) -> Bump {
        if new <= old {
            Bump::None
        } else if new.major != old.major {
            Bump::Major
        } else if new.minor != old.minor {
            if old.major == 0 {
                Bump::Major
            } else {
                Bump::Minor
            }
        } else if new.patch != old.patch && old.major == 0 {
            Bump::Minor
        } else {
            // A higher patch, or the same numbers with a later (or no) pre-release tag.
            Bump::Patch
        }
    }

    /// The smallest version after `old` that makes at least this step.
    pub fn minimum_after(self, old: &semver::Version) -> semver::Version {
        let (major, minor, patch) = (old.major, old.minor, old.patch);
        match (self, major) {
            (Bump::Major, 0) => semver::Version::new(0, minor + 1, 0),
            (Bump::Major, _) => semver::Version::new(major + 1, 0, 0),
            (Bump::Minor, 0) => semver::Version::new(0, minor, patch + 1),
            (Bump::Minor, _) => semver::Version::new(major, minor + 1, 0),
            (Bump::Patch | Bump::None, _) => semver::Version::new(major, minor, patch + 1),
        }
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Bump::None => "no",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    Added {
        att: String,
        title: String,
    },
    Removed {
        att: String,
        title: String,
    },
    /// Covers less or elsewhere; `details` lists every difference.
    Narrowed {
        details: Vec<String>,
    },
    /// Covers more (HS codes added); `details` lists every difference.
    Widened {
        details: Vec<String>,
    },
    /// Same coverage, different words or ML reference.
    Reworded {
        details: Vec<String>,
    },
}

impl Change {
    pub fn word(&self) -> &'static str {
        match self {
            Change::Added { .. } => "added",
            Change::Removed { .. } => "removed",
            Change::Narrowed { .. } => "narrowed",
            Change::Widened { .. } => "widened",
            Change::Reworded { .. } => "reworded",
        }
    }

    /// The least version step this change needs.
    pub fn bump(&self) -> Bump {
        match self {
            Change::Removed { .. } | Change::Narrowed { .. } => Bump::Major,
            Change::Added { .. } | Change::Widened { .. } => Bump::Minor,
            Change::Reworded { .. } => Bump::Patch,
        }
    }

    fn details(&self) -> &[String] {
        match self {
            Change::Added { .. } | Change::Removed { .. } => &[],
            Change::Narrowed { details }
            | Change::Widened { details }
            | Change::Reworded { details } => details,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntryChange {
    pub id: String,
    #[serde(flatten)]
    pub change: Change,
}

impl EntryChange {
    pub fn bump(&self) -> Bump {
        self.change.bump()
    }
}

/// Short form for messages: `ML2.e (removed)`, `ML3 (narrowed; HS 930690 removed)`.
impl fmt::Display for EntryChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.id, self.change.word())?;
        for detail in self.change.details() {
            write!(f, "; {detail}")?;
        }
        f.write_str(")")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ControlListDiff {
    pub name: String,
    pub old_version: String,
    pub new_version: String,
    pub old_valid_from: String,
    pub new_valid_from: String,
    /// In id order (numbers compared as numbers: ML4 before ML10).
    pub changes: Vec<EntryChange>,
}

impl ControlListDiff {
    /// The least version step the changes need (`Bump::None` when nothing changed).
    pub fn required_bump(&self) -> Bump {
        self.changes
            .iter()
            .map(EntryChange::bump)
            .max()
            .unwrap_or(Bump::None)
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// The text `interlock control-list diff A B` prints: one line per entry (`+` added,
/// `-` removed, `<` narrowed, `>` widened, `~` reworded), details indented below, and a
/// summary with the version step the changes need.
impl fmt::Display for ControlListDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} {} (in force from {}) -> {} (in force from {})",
            self.name, self.old_version, self.old_valid_from, self.new_version, self.new_valid_from
        )?;
        if self.changes.is_empty() {
            return writeln!(f, "no changes to entries");
        }
        for change in &self.changes {
            let sign = match change.change {
                Change::Added { .. } => '+',
                Change::Removed { .. } => '-',
                Change::Narrowed { .. } => '<',
                Change::Widened { .. } => '>',
                Change::Reworded { .. } => '~',
            };
            match &change.change {
                Change::Added { att, title } | Change::Removed { att, title } => writeln!(
                    f,
                    "{sign} {:<12} {:<9} [{att}] {title}",
                    change.id,
                    change.change.word()
                )?,
                other => writeln!(f, "{sign} {:<12} {}", change.id, other.word())?,
            }
            for detail in change.change.details() {
                writeln!(f, "    {detail}")?;
            }
        }
        let mut counts: BTreeMap<usize, (&str, usize)> = BTreeMap::new();
        for change in &self.changes {
            let order = match change.change {
                Change::Added { .. } => 0,
                Change::Removed { .. } => 1,
                Change::Narrowed { .. } => 2,
                Change::Widened { .. } => 3,
                Change::Reworded { .. } => 4,
            };
            counts.entry(order).or_insert((change.change.word(), 0)).1 += 1;
        }
        let summary: Vec<String> = counts
            .values()
            .map(|(word, n)| format!("{n} {word}"))
            .collect();
        writeln!(
            f,
            "{}: needs at least a {} version",
            summary.join(", "),
            self.required_bump()
        )
    }
}

/// Compares ids with runs of digits as numbers, so `ML4.e` sorts before `ML10.f` and
/// `ML1.a.2` before `ML1.a.10`.
pub fn compare_ids(a: &str, b: &str) -> Ordering {
    fn parts(id: &str) -> Vec<(bool, &str)> {
        let mut parts = Vec::new();
        let mut start = 0;
        let bytes = id.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                parts.push((bytes[start].is_ascii_digit(), &id[start..i]));
                start = i;
            }
        }
        parts
    }
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let order = match (x, y) {
            ((true, x), (true, y)) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            ((_, x), (_, y)) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    pa.len().cmp(&pb.len()).then_with(|| a.cmp(b))
}

/// Entry by entry, what changed from `old` to `new`.
pub fn diff(old: &ControlList, new: &ControlList) -> ControlListDiff {
    let old_entries: BTreeMap<&str, &ControlEntry> =
        old.entries.iter().map(|e| (e.id.as_str(), e)).collect();
    let new_entries: BTreeMap<&str, &ControlEntry> =
        new.entries.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut ids: Vec<&str> = old_entries
        .keys()
        .chain(new_entries.keys())
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    ids.sort_by(|a, b| compare_ids(a, b));
    let changes = ids
        .into_iter()
        .filter_map(|id| {
            let change = match (old_entries.get(id), new_entries.get(id)) {
                (None, Some(e)) => Some(Change::Added {
                    att: e.att.code().to_owned(),
                    title: e.title.clone(),
                }),
                (Some(e), None) => Some(Change::Removed {
                    att: e.att.code().to_owned(),
                    title: e.title.clone(),
                }),
                (Some(before), Some(after)) => compare(before, after),
                (None, None) => None,
            }?;
            Some(EntryChange {
                id: id.to_owned(),
                change,
            })
        })
        .collect();
    ControlListDiff {
        name: new.name.clone(),
        old_version: old.version.to_string(),
        new_version: new.version.to_string(),
        old_valid_from: old.valid_from.to_string(),
        new_valid_from: new.valid_from.to_string(),
        changes,
    }
}

fn compare(before: &ControlEntry, after: &ControlEntry) -> Option<Change> {
    let old_hs: BTreeSet<&str> = before.hs.iter().map(String::as_str).collect();
    let new_hs: BTreeSet<&str> = after.hs.iter().map(String::as_str).collect();
    let removed: Vec<&str> = old_hs.difference(&new_hs).copied().collect();
    let added: Vec<&str> = new_hs.difference(&old_hs).copied().collect();
    let moved_att = before.att != after.att;
    let moved_parent = before.parent != after.parent;

    let mut details = Vec::new();
    details.extend(removed.iter().map(|code| format!("HS {code} removed")));
    if moved_att {
        details.push(format!(
            "ATT scope {} -> {}",
            before.att.code(),
            after.att.code()
        ));
    }
    if moved_parent {
        details.push(format!(
            "parent {} -> {}",
            before.parent.as_deref().unwrap_or("(none)"),
            after.parent.as_deref().unwrap_or("(none)")
        ));
    }
    details.extend(added.iter().map(|code| format!("HS {code} added")));
    if before.title != after.title {
        details.push(format!("title {:?} -> {:?}", before.title, after.title));
    }
    if before.ml != after.ml {
        details.push(format!(
            "ML reference {} -> {}",
            before.ml.as_deref().unwrap_or("(none)"),
            after.ml.as_deref().unwrap_or("(none)")
        ));
    }
    if details.is_empty() {
        // Only the order of HS codes can differ here: not a change in meaning.
        None
    } else if !removed.is_empty() || moved_att || moved_parent {
        Some(Change::Narrowed { details })
    } else if !added.is_empty() {
        Some(Change::Widened { details })
    } else {
        Some(Change::Reworded { details })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> semver::Version {
        text.parse().expect("semver")
    }

    #[test]
    fn bumps() {
        assert_eq!(Bump::between(&v("1.2.3"), &v("2.0.0")), Bump::Major);
        assert_eq!(Bump::between(&v("1.2.3"), &v("1.3.0")), Bump::Minor);
        assert_eq!(Bump::between(&v("1.2.3"), &v("1.2.4")), Bump::Patch);
        assert_eq!(Bump::between(&v("1.2.3-rc.1"), &v("1.2.3")), Bump::Patch);
        assert_eq!(Bump::between(&v("1.2.3"), &v("1.2.3")), Bump::None);
        assert_eq!(Bump::between(&v("0.1.0"), &v("0.2.0")), Bump::Major);
        assert_eq!(Bump::between(&v("0.1.0"), &v("0.1.1")), Bump::Minor);
        assert_eq!(Bump::Major.minimum_after(&v("1.4.2")), v("2.0.0"));
        assert_eq!(Bump::Minor.minimum_after(&v("1.4.2")), v("1.5.0"));
        assert_eq!(Bump::Patch.minimum_after(&v("1.4.2")), v("1.4.3"));
        assert_eq!(Bump::Major.minimum_after(&v("0.4.2")), v("0.5.0"));
        assert_eq!(Bump::Minor.minimum_after(&v("0.4.2")), v("0.4.3"));
    }

    #[test]
    fn ids_sort_naturally() {
        let mut ids = vec!["ML10.f", "ML1.a.10", "ML4.e", "ML1.a.2", "ML1", "ML1.a"];
        ids.sort_by(|a, b| compare_ids(a, b));
        assert_eq!(
            ids,
            ["ML1", "ML1.a", "ML1.a.2", "ML1.a.10", "ML4.e", "ML10.f"]
        );
        assert_eq!(compare_ids("ML01", "ML1"), Ordering::Less); // total: ties fall back to text
    }
}
