//! Candidate control entries for an HS code.
//!
//! HS codes describe goods for customs; control entries describe them for licensing. The
//! two do not line up: one HS subheading (9301.90, "other military weapons") holds rifles,
//! sub-machine guns and heavy machine guns, and some headings (8802 aircraft, 8806
//! drones) hold civil and military goods alike. So classification gives candidates and
//! says when the HS code cannot settle the question; the licence or the goods'
//! specification then decides.

use std::cmp::Reverse;
use std::fmt;

use serde::Serialize;

use super::{ControlEntry, ControlList};
use crate::reference;

/// HS headings or subheadings that also cover civil goods, with why: a code under one of
/// them says nothing about whether the goods are military. Longest prefix wins, and
/// [`MILITARY_ONLY`] carves out subheadings that are military by definition.
///
/// Not listed, on purpose: 9301 (military weapons by definition), 8710 (tanks and other
/// armoured fighting vehicles only), 9302 (revolvers and pistols: civil handguns are still
/// firearms within ATT VIII.SA.1, so the category does not depend on the user).
const CIVIL_OVERLAP: &[(&str, &str)] = &[
    (
        "3601",
        "propellent powders are also made for sporting and mining use",
    ),
    (
        "3602",
        "prepared explosives are mostly for mining and construction",
    ),
    (
        "3603",
        "fuses, detonators and igniters are mostly for civil blasting",
    ),
    (
        "3604",
        "pyrotechnics include fireworks and civil signal flares",
    ),
    (
        "8526",
        "radar and radio navigation apparatus is mostly civil",
    ),
    (
        "8802",
        "HS does not separate military from civil aircraft and helicopters",
    ),
    (
        "8806",
        "civil and military unmanned aircraft share the heading",
    ),
    (
        "8807",
        "parts of civil and military aircraft share the heading",
    ),
    (
        "8906",
        "the heading holds other vessels too; only 8906.10 is warships",
    ),
    ("9005", "binoculars and telescopes are mostly civil"),
    (
        "9013",
        "the heading holds civil optics and lasers as well as weapon sights",
    ),
    (
        "9303",
        "sporting and hunting guns, signal pistols and captive-bolt humane killers share the heading",
    ),
    (
        "9304",
        "air guns, spring guns and truncheons are mostly not military",
    ),
    (
        "9305",
        "parts of sporting and hunting guns share the heading",
    ),
    (
        "9306",
        "sporting and hunting cartridges share the heading with munitions of war",
    ),
    (
        "9307",
        "swords and bayonets include ceremonial and collectors' pieces",
    ),
];

/// Subheadings inside a [`CIVIL_OVERLAP`] heading that are military by their own text.
const MILITARY_ONLY: &[&str] = &[
    "890610", // Vessels; warships
    "930591", // Parts and accessories of military weapons of heading 9301
];

/// Sort key of a candidate: common code length, exact match and tree depth (each larger
/// first), then position in the file.
type Rank = (Reverse<usize>, Reverse<bool>, Reverse<usize>, usize);

/// One matching entry and the HS code of the entry that matched.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    pub entry: ControlEntry,
    pub matched_hs: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Classification {
    /// The code asked about, without dots or spaces.
    pub hs_code: String,
    pub hs_description: Option<&'static str>,
    /// Entries whose HS codes match, most specific first.
    pub candidates: Vec<Candidate>,
    /// The HS code alone does not settle the entry (see `notes`).
    pub ambiguous: bool,
    /// Why it is ambiguous, or what else the reader should know.
    pub notes: Vec<String>,
}

impl Classification {
    /// The most specific candidate, when the code settles it.
    pub fn unique(&self) -> Option<&ControlEntry> {
        match (self.ambiguous, self.candidates.first()) {
            (false, Some(candidate)) => Some(&candidate.entry),
            _ => None,
        }
    }
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
        for candidate in &self.candidates {
            let entry = &candidate.entry;
            writeln!(
                f,
                "  {:<12}  {:<11}  {} (HS {})",
                entry.id,
                format!("[{}]", entry.att.code()),
                entry.title,
                candidate.matched_hs
            )?;
        }
        writeln!(
            f,
            "{}",
            if self.ambiguous {
                "ambiguous: the HS code alone does not decide"
            } else if self.candidates.is_empty() {
                "not controlled by HS code alone"
            } else {
                "unambiguous"
            }
        )?;
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        Ok(())
    }
}

/// Candidate entries for an HS code: entries listing the code itself, a heading above it
/// (entry `9301` matches `930190`), or a subheading below it (entry `930190` matches
/// `9301`, which may or may not be goods of that subheading).
///
/// Order, most specific first: the longer common code, then an exact match, then the
/// deeper entry in the tree (a sub-entry is more specific than its parent), then file
/// order.
///
/// Ambiguous when, after dropping candidates that are ancestors of another candidate
/// (ML1 is implied by ML1.a.1), more than one remains, or when the heading also covers
/// civil goods.
pub fn classify_hs(list: &ControlList, code: &str) -> Classification {
    let code: String = code.chars().filter(|c| !matches!(c, '.' | ' ')).collect();
    let mut notes = Vec::new();
    if !reference::is_hs_code(&code) {
        notes.push(format!(
            "`{code}` is not an HS 2022 heading, subheading or national extension of one"
        ));
    }

    #[allow(clippy::type_complexity)]
    let mut scored: Vec<(Rank, Candidate)> = list
        .entries
        .iter()
        .enumerate()
        .filter_map(|(position, entry)| {
            let (common, exact, matched) = entry
                .hs
                .iter()
                .filter(|hs| {
                    !code.is_empty() && (code.starts_with(hs.as_str()) || hs.starts_with(&code))
                })
                .map(|hs| (hs.len().min(code.len()), *hs == code, hs))
                .max_by_key(|(common, exact, _)| (*common, *exact))?;
            // Bigger is more specific, except that earlier in the file comes first.
            let key = (
                Reverse(common),
                Reverse(exact),
                Reverse(list.depth(&entry.id)),
                position,
            );
            Some((
                key,
                Candidate {
                    entry: entry.clone(),
                    matched_hs: matched.clone(),
                },
            ))
        })
        .collect();
    scored.sort_by_key(|(key, _)| *key);
    let candidates: Vec<Candidate> = scored.into_iter().map(|(_, c)| c).collect();

    let distinct: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| {
            !candidates
                .iter()
                .any(|other| list.is_ancestor(&c.entry.id, &other.entry.id))
        })
        .collect();
    let mut ambiguous = false;
    if distinct.len() > 1 {
        ambiguous = true;
        notes.push(format!(
            "{} entries match ({}): the goods' description or the licence decides",
            distinct.len(),
            distinct
                .iter()
                .map(|c| format!("{} [{}]", c.entry.id, c.entry.att.code()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let military_only = MILITARY_ONLY.iter().any(|m| code.starts_with(m));
    let overlap = CIVIL_OVERLAP
        .iter()
        .filter(|(prefix, _)| code.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len());
    if let (false, Some((prefix, why))) = (military_only, overlap) {
        ambiguous = true;
        notes.push(format!(
            "HS {prefix} covers civil as well as military goods ({why}): the code alone does not make them controlled; check the licence or the goods' specification"
        ));
    }

    let description = reference::hs_description(&code).or_else(|| {
        code.get(..6)
            .and_then(reference::hs_description)
            .filter(|_| code.len() > 6)
    });
    Classification {
        hs_description: description,
        hs_code: code,
        candidates,
        ambiguous,
        notes,
    }
}
