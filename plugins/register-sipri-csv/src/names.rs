//! SIPRI's names for suppliers and recipients, and the country code each gets.
//!
//! The policy (README.md, "Names and codes"):
//!
//! - a name ending in `*` is a non-State actor (`Hezbollah (Lebanon)*`), one ending in `**`
//!   an international organisation (`NATO**`): no code;
//! - a name starting with `unknown` (`unknown supplier(s)`, `unknown rebel group*`): no code;
//! - otherwise the name is looked up in [`NAMES`] (ASCII case ignored): the entities with
//!   no code of their own (`Biafra`, `Kosovo`, `Northern Cyprus`, `South Vietnam`, ...)
//!   and SIPRI's spellings the PDK's reference table does not have;
//! - then as a current State or territory in the PDK's reference table
//!   ([`reference::country_code`]: ISO, CLDR and UN names and common aliases, so `DR Congo`,
//!   `UAE`, `Cote d'Ivoire`, `eSwatini`, `Turkiye` and earlier editions' `Swaziland` or
//!   `Czech Republic`), which gives its ISO 3166-1 alpha-2 code;
//! - then as a State that no longer exists ([`reference::former_country_code`]), which
//!   gives its former code from ISO 3166-3 (`Soviet Union` → `SU`, `East Germany (GDR)` →
//!   `DD`, `Zaire` → `ZR`);
//! - a name found nowhere gets no code and one warning per file, so the table can be
//!   extended.

use interlock_pdk::reference;

/// What a supplier or recipient name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// In the table, with its code (`None`: an entity without a code of its own).
    Known(Option<&'static str>),
    /// Marked `*` by SIPRI.
    NonStateActor,
    /// Marked `**` by SIPRI.
    InternationalOrganisation,
    /// `unknown supplier(s)`, `unknown recipient(s)`.
    Unknown,
    /// Not in the table.
    Unlisted,
}

impl NameKind {
    /// The code the counterpart gets.
    pub fn code(self) -> Option<&'static str> {
        match self {
            NameKind::Known(code) => code,
            _ => None,
        }
    }
}

/// Classifies a supplier or recipient name as SIPRI writes it.
pub fn classify(name: &str) -> NameKind {
    let name = name.trim();
    if name.ends_with("**") {
        return NameKind::InternationalOrganisation;
    }
    if name.ends_with('*') {
        return NameKind::NonStateActor;
    }
    if name
        .get(..7)
        .is_some_and(|start| start.eq_ignore_ascii_case("unknown"))
    {
        return NameKind::Unknown;
    }
    if let Some((_, code)) = NAMES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
    {
        return NameKind::Known(*code);
    }
    reference::country_code(name)
        .or_else(|| reference::former_country_code(name))
        .map_or(NameKind::Unlisted, |code| NameKind::Known(Some(code)))
}

/// SIPRI's names (the trade register of 13 March 2025, all countries, all years, and the
/// spellings of earlier editions) that the PDK's reference table does not resolve as
/// SIPRI means them.
pub const NAMES: &[(&str, Option<&str>)] = &[
    // Secessionist Nigerian State of 1967-70: no code.
    ("Biafra", None),
    // Secessionist Congolese State of 1960-63: no code.
    ("Katanga", None),
    // XK is a user-assigned code, not ISO 3166-1: no code.
    ("Kosovo", None),
    // The Yemen Arab Republic (until 1990) has no ISO 3166-3 entry: its code YE passed to
    // the unified Republic of Yemen. Giving YE would merge its deals with Yemen's: no code.
    ("North Yemen", None),
    ("Yemen Arab Republic (North Yemen)", None),
    // Recognised only by Turkiye; no ISO 3166-1 code.
    ("Northern Cyprus", None),
    // The Republic of Viet-Nam (until 1976) has no ISO 3166-3 entry: its code VN passed
    // to the unified Viet Nam. Giving VN would merge its deals with Viet Nam's: no code.
    ("South Vietnam", None),
    // An earlier edition's spelling.
    ("Macedonia (FYROM)", Some("MK")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_classified() {
        assert_eq!(classify("Soviet Union"), NameKind::Known(Some("SU")));
        assert_eq!(classify(" soviet union "), NameKind::Known(Some("SU")));
        assert_eq!(classify("East Germany (GDR)").code(), Some("DD"));
        assert_eq!(classify("Kosovo"), NameKind::Known(None));
        assert_eq!(classify("South Vietnam"), NameKind::Known(None));
        assert_eq!(classify("Hezbollah (Lebanon)*"), NameKind::NonStateActor);
        assert_eq!(classify("NATO**"), NameKind::InternationalOrganisation);
        assert_eq!(classify("unknown supplier(s)"), NameKind::Unknown);
        assert_eq!(classify("unknown rebel group*"), NameKind::NonStateActor);
        assert_eq!(classify("Atlantis"), NameKind::Unlisted);
        assert_eq!(classify("Atlantis").code(), None);
    }

    /// SIPRI's spellings that the reference table resolves, with the code each had in this
    /// plugin's own table before the PDK had one (the register of 13 March 2025 and earlier
    /// editions).
    #[test]
    fn sipri_spellings_get_their_codes() {
        for (name, code) in [
            ("Bosnia-Herzegovina", "BA"),
            ("Brunei", "BN"),
            ("Cabo Verde", "CV"),
            ("Cape Verde", "CV"),
            ("Cote d'Ivoire", "CI"),
            ("Czech Republic", "CZ"),
            ("Czechoslovakia", "CS"),
            ("DR Congo", "CD"),
            ("Congo", "CG"),
            ("East Timor", "TL"),
            ("eSwatini", "SZ"),
            ("Swaziland", "SZ"),
            ("Gambia", "GM"),
            ("Germany", "DE"),
            ("Iran", "IR"),
            ("Laos", "LA"),
            ("Macedonia", "MK"),
            ("North Macedonia", "MK"),
            ("Moldova", "MD"),
            ("North Korea", "KP"),
            ("South Korea", "KR"),
            ("Palestine", "PS"),
            ("Russia", "RU"),
            ("Saint Kitts and Nevis", "KN"),
            ("Saint Vincent", "VC"),
            ("Serbia and Montenegro", "CS"),
            ("South Yemen", "YD"),
            ("Syria", "SY"),
            ("Taiwan", "TW"),
            ("Tanzania", "TZ"),
            ("Turkiye", "TR"),
            ("Turkey", "TR"),
            ("UAE", "AE"),
            ("United Arab Emirates", "AE"),
            ("United Kingdom", "GB"),
            ("United States", "US"),
            ("Viet Nam", "VN"),
            ("Vietnam", "VN"),
            ("Western Sahara", "EH"),
            ("Yugoslavia", "YU"),
            ("Zaire", "ZR"),
        ] {
            assert_eq!(classify(name), NameKind::Known(Some(code)), "{name}");
        }
    }

    #[test]
    fn every_name_is_listed_once_and_needed() {
        let mut seen = std::collections::BTreeSet::new();
        for (name, code) in NAMES {
            assert!(
                seen.insert(name.to_ascii_lowercase()),
                "{name} is listed twice"
            );
            assert_eq!(*name, name.trim(), "{name:?} has spaces around it");
            let table =
                reference::country_code(name).or_else(|| reference::former_country_code(name));
            // An entity without a code must be listed, or it would be warned about.
            if code.is_some() {
                assert_ne!(table, *code, "{name}: the reference table says the same");
            }
        }
    }
}
