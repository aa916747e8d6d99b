//! ATT scope codes: the categories of the Arms Trade Treaty's annual report template
//! (Art. 2(1) with the template's sub-categories), plus ammunition (Art. 3), parts and
//! components (Art. 4) and national controls outside the treaty.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Every ATT scope code with its human label, in report order. A code's parent is the
/// code before its last `.` (`VIII.SA.2` → `VIII.SA` → `VIII`).
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

/// A code that is not in [`ATT_SCOPES`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown ATT scope `{0}`; expected one of {codes}", codes = all_codes())]
pub struct UnknownAttScope(pub String);

fn all_codes() -> String {
    ATT_SCOPES
        .iter()
        .map(|(code, _)| *code)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where an entry falls under the Arms Trade Treaty; always one of [`ATT_SCOPES`] (the
/// constructors refuse anything else, so a value of this type is known to be valid).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AttScope(String);

impl AttScope {
    /// Every scope, in report order (for documentation and `--help` listings).
    pub fn all() -> impl Iterator<Item = AttScope> {
        ATT_SCOPES
            .iter()
            .map(|(code, _)| AttScope((*code).to_owned()))
    }

    pub fn code(&self) -> &str {
        &self.0
    }

    /// The human label, e.g. "Rifles and carbines" for `VIII.SA.2`.
    pub fn title(&self) -> &'static str {
        ATT_SCOPES
            .iter()
            .find(|(code, _)| *code == self.0)
            .map_or("", |(_, title)| title)
    }

    /// Where the scope comes in the report's order (its index in [`ATT_SCOPES`]).
    pub fn position(&self) -> usize {
        ATT_SCOPES
            .iter()
            .position(|(code, _)| *code == self.0)
            .unwrap_or(ATT_SCOPES.len())
    }

    /// A scope with no sub-categories: the rows of the report template.
    pub fn is_leaf(&self) -> bool {
        !ATT_SCOPES.iter().any(|(code, _)| {
            code.strip_prefix(self.0.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// The enclosing scope (`VIII.SA.2` → `VIII.SA`), `None` for a top-level one.
    pub fn parent(&self) -> Option<AttScope> {
        let (parent, _) = self.0.rsplit_once('.')?;
        Some(AttScope(parent.to_owned()))
    }

    /// `VIII.SA.2` is within `VIII.SA` and `VIII`; every scope is within itself. `VII` is
    /// not within `VIII`: the comparison is by dotted segment, not by string prefix.
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

    /// A sub-category such as `VIII.SA` or `IV.a` (its code has a parent).
    pub fn is_sub_category(&self) -> bool {
        self.is_article_2_category() && self.0.contains('.')
    }
}

impl fmt::Display for AttScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<&str> for AttScope {
    type Error = UnknownAttScope;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        if ATT_SCOPES.iter().any(|(code, _)| *code == value) {
            Ok(AttScope(value.to_owned()))
        } else {
            Err(UnknownAttScope(value.to_owned()))
        }
    }
}

impl TryFrom<String> for AttScope {
    type Error = UnknownAttScope;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        AttScope::try_from(value.as_str())
    }
}

impl FromStr for AttScope {
    type Err = UnknownAttScope;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        AttScope::try_from(value)
    }
}

impl From<AttScope> for String {
    fn from(value: AttScope) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(code: &str) -> AttScope {
        AttScope::try_from(code).expect("known code")
    }

    #[test]
    fn unknown_codes_are_refused() {
        for bad in ["", "IX", "viii", "VIII.SA.7", "VIII.", "tanks", " I"] {
            assert_eq!(
                AttScope::try_from(bad),
                Err(UnknownAttScope(bad.to_owned()))
            );
        }
        let message = UnknownAttScope("IX".to_owned()).to_string();
        assert!(message.starts_with("unknown ATT scope `IX`; expected one of I, II, III, IV,"));
    }

    #[test]
    fn containment_is_by_segment() {
        assert!(scope("VIII.SA.2").is_within(&scope("VIII.SA")));
        assert!(scope("VIII.SA.2").is_within(&scope("VIII")));
        assert!(scope("VIII.SA.2").is_within(&scope("VIII.SA.2")));
        assert!(!scope("VIII.SA").is_within(&scope("VIII.SA.2")));
        assert!(!scope("VIII").is_within(&scope("VII")));
        assert!(!scope("VII.b").is_within(&scope("VIII")));
        assert!(!scope("VIII.LW.1").is_within(&scope("VIII.SA")));
        assert_eq!(scope("VIII.SA.2").parent(), Some(scope("VIII.SA")));
        assert_eq!(scope("I").parent(), None);
    }

    #[test]
    fn every_listed_code_has_a_title_and_a_known_parent() {
        assert_eq!(AttScope::all().count(), ATT_SCOPES.len());
        for scope in AttScope::all() {
            assert!(!scope.title().is_empty(), "{scope}");
            if let Some(parent) = scope.parent() {
                assert!(AttScope::try_from(parent.code()).is_ok(), "{scope}");
            }
        }
        assert_eq!(
            scope("VIII.LW.6").title(),
            "Mortars of calibres less than 75 mm"
        );
        assert!(scope("IV.a").is_sub_category() && !scope("IV").is_sub_category());
        assert!(!scope("art3").is_article_2_category());
    }
}
