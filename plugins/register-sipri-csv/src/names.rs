//! SIPRI's names for suppliers and recipients, and the country code each gets.
//!
//! The policy (README.md, "Names and codes"):
//!
//! - a name ending in `*` is a non-State actor (`Hezbollah (Lebanon)*`), one ending in `**`
//!   an international organisation (`NATO**`): no code;
//! - a name starting with `unknown` (`unknown supplier(s)`, `unknown rebel group*`): no code;
//! - otherwise the name is looked up in [`NAMES`], SIPRI's spelling, ASCII case ignored:
//!   a State (or territory) in ISO 3166-1 gets its alpha-2 code; a State that no longer
//!   exists gets its former code from ISO 3166-3 (`Soviet Union` → `SU`); an entity with no
//!   code of its own (`Biafra`, `Kosovo`, `Northern Cyprus`, `South Vietnam`) gets none;
//! - a name not in the table gets no code and one warning per file, so the table can be
//!   extended.

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
    NAMES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map_or(NameKind::Unlisted, |(_, code)| NameKind::Known(*code))
}

/// SIPRI's names (the trade register of 13 March 2025, all countries, all years, plus the
/// spellings of earlier editions at the end) and their codes.
pub const NAMES: &[(&str, Option<&str>)] = &[
    ("Afghanistan", Some("AF")),
    ("Albania", Some("AL")),
    ("Algeria", Some("DZ")),
    ("Angola", Some("AO")),
    ("Antigua and Barbuda", Some("AG")),
    ("Argentina", Some("AR")),
    ("Armenia", Some("AM")),
    ("Aruba", Some("AW")),
    ("Australia", Some("AU")),
    ("Austria", Some("AT")),
    ("Azerbaijan", Some("AZ")),
    ("Bahamas", Some("BS")),
    ("Bahrain", Some("BH")),
    ("Bangladesh", Some("BD")),
    ("Barbados", Some("BB")),
    ("Belarus", Some("BY")),
    ("Belgium", Some("BE")),
    ("Belize", Some("BZ")),
    ("Benin", Some("BJ")),
    ("Bhutan", Some("BT")),
    // Secessionist Nigerian State of 1967-70: no code.
    ("Biafra", None),
    ("Bolivia", Some("BO")),
    ("Bosnia-Herzegovina", Some("BA")),
    ("Botswana", Some("BW")),
    ("Brazil", Some("BR")),
    ("Brunei", Some("BN")),
    ("Bulgaria", Some("BG")),
    ("Burkina Faso", Some("BF")),
    ("Burundi", Some("BI")),
    ("Cabo Verde", Some("CV")),
    ("Cambodia", Some("KH")),
    ("Cameroon", Some("CM")),
    ("Canada", Some("CA")),
    ("Central African Republic", Some("CF")),
    ("Chad", Some("TD")),
    ("Chile", Some("CL")),
    ("China", Some("CN")),
    ("Colombia", Some("CO")),
    ("Comoros", Some("KM")),
    ("Congo", Some("CG")),
    ("Costa Rica", Some("CR")),
    ("Cote d'Ivoire", Some("CI")),
    ("Croatia", Some("HR")),
    ("Cuba", Some("CU")),
    ("Cyprus", Some("CY")),
    ("Czechia", Some("CZ")),
    // ISO 3166-3: CS, Czechoslovakia (until 1993).
    ("Czechoslovakia", Some("CS")),
    ("DR Congo", Some("CD")),
    ("Denmark", Some("DK")),
    ("Djibouti", Some("DJ")),
    ("Dominican Republic", Some("DO")),
    // ISO 3166-3: DD, German Democratic Republic (until 1990).
    ("East Germany (GDR)", Some("DD")),
    ("Ecuador", Some("EC")),
    ("Egypt", Some("EG")),
    ("El Salvador", Some("SV")),
    ("Equatorial Guinea", Some("GQ")),
    ("Eritrea", Some("ER")),
    ("Estonia", Some("EE")),
    ("Ethiopia", Some("ET")),
    ("Fiji", Some("FJ")),
    ("Finland", Some("FI")),
    ("France", Some("FR")),
    ("Gabon", Some("GA")),
    ("Gambia", Some("GM")),
    ("Georgia", Some("GE")),
    // SIPRI's Germany is the Federal Republic, before and after 1990: DE.
    ("Germany", Some("DE")),
    ("Ghana", Some("GH")),
    ("Greece", Some("GR")),
    ("Grenada", Some("GD")),
    ("Guatemala", Some("GT")),
    ("Guinea", Some("GN")),
    ("Guinea-Bissau", Some("GW")),
    ("Guyana", Some("GY")),
    ("Haiti", Some("HT")),
    ("Honduras", Some("HN")),
    ("Hungary", Some("HU")),
    ("Iceland", Some("IS")),
    ("India", Some("IN")),
    ("Indonesia", Some("ID")),
    ("Iran", Some("IR")),
    ("Iraq", Some("IQ")),
    ("Ireland", Some("IE")),
    ("Israel", Some("IL")),
    ("Italy", Some("IT")),
    ("Jamaica", Some("JM")),
    ("Japan", Some("JP")),
    ("Jordan", Some("JO")),
    // Secessionist Congolese State of 1960-63: no code.
    ("Katanga", None),
    ("Kazakhstan", Some("KZ")),
    ("Kenya", Some("KE")),
    // XK is a user-assigned code, not ISO 3166-1: no code.
    ("Kosovo", None),
    ("Kuwait", Some("KW")),
    ("Kyrgyzstan", Some("KG")),
    ("Laos", Some("LA")),
    ("Latvia", Some("LV")),
    ("Lebanon", Some("LB")),
    ("Lesotho", Some("LS")),
    ("Liberia", Some("LR")),
    ("Libya", Some("LY")),
    ("Lithuania", Some("LT")),
    ("Luxembourg", Some("LU")),
    ("Madagascar", Some("MG")),
    ("Malawi", Some("MW")),
    ("Malaysia", Some("MY")),
    ("Maldives", Some("MV")),
    ("Mali", Some("ML")),
    ("Malta", Some("MT")),
    ("Mauritania", Some("MR")),
    ("Mauritius", Some("MU")),
    ("Mexico", Some("MX")),
    ("Moldova", Some("MD")),
    ("Mongolia", Some("MN")),
    ("Montenegro", Some("ME")),
    ("Morocco", Some("MA")),
    ("Mozambique", Some("MZ")),
    ("Myanmar", Some("MM")),
    ("Namibia", Some("NA")),
    ("Nepal", Some("NP")),
    ("Netherlands", Some("NL")),
    ("New Zealand", Some("NZ")),
    ("Nicaragua", Some("NI")),
    ("Niger", Some("NE")),
    ("Nigeria", Some("NG")),
    ("North Korea", Some("KP")),
    ("North Macedonia", Some("MK")),
    // The Yemen Arab Republic (until 1990) has no ISO 3166-3 entry: its code YE passed to
    // the unified Republic of Yemen. Giving YE would merge its deals with Yemen's: no code.
    ("North Yemen", None),
    ("Yemen Arab Republic (North Yemen)", None),
    // Recognised only by Turkiye; no ISO 3166-1 code.
    ("Northern Cyprus", None),
    ("Norway", Some("NO")),
    ("Oman", Some("OM")),
    ("Pakistan", Some("PK")),
    ("Palestine", Some("PS")),
    ("Panama", Some("PA")),
    ("Papua New Guinea", Some("PG")),
    ("Paraguay", Some("PY")),
    ("Peru", Some("PE")),
    ("Philippines", Some("PH")),
    ("Poland", Some("PL")),
    ("Portugal", Some("PT")),
    ("Qatar", Some("QA")),
    ("Romania", Some("RO")),
    ("Russia", Some("RU")),
    ("Rwanda", Some("RW")),
    ("Saint Kitts and Nevis", Some("KN")),
    ("Saint Vincent", Some("VC")),
    ("Saudi Arabia", Some("SA")),
    ("Senegal", Some("SN")),
    ("Serbia", Some("RS")),
    ("Seychelles", Some("SC")),
    ("Sierra Leone", Some("SL")),
    ("Singapore", Some("SG")),
    ("Slovakia", Some("SK")),
    ("Slovenia", Some("SI")),
    ("Solomon Islands", Some("SB")),
    ("Somalia", Some("SO")),
    ("South Africa", Some("ZA")),
    ("South Korea", Some("KR")),
    ("South Sudan", Some("SS")),
    // The Republic of Viet-Nam (until 1976) has no ISO 3166-3 entry: its code VN passed
    // to the unified Viet Nam. Giving VN would merge its deals with Viet Nam's: no code.
    ("South Vietnam", None),
    // ISO 3166-3: YD, Democratic Yemen (until 1990).
    ("South Yemen", Some("YD")),
    // ISO 3166-3: SU, USSR (until 1992).
    ("Soviet Union", Some("SU")),
    ("Spain", Some("ES")),
    ("Sri Lanka", Some("LK")),
    ("Sudan", Some("SD")),
    ("Suriname", Some("SR")),
    ("Sweden", Some("SE")),
    ("Switzerland", Some("CH")),
    ("Syria", Some("SY")),
    ("Taiwan", Some("TW")),
    ("Tajikistan", Some("TJ")),
    ("Tanzania", Some("TZ")),
    ("Thailand", Some("TH")),
    ("Timor-Leste", Some("TL")),
    ("Togo", Some("TG")),
    ("Tonga", Some("TO")),
    ("Trinidad and Tobago", Some("TT")),
    ("Tunisia", Some("TN")),
    ("Turkiye", Some("TR")),
    ("Turkmenistan", Some("TM")),
    ("UAE", Some("AE")),
    ("Uganda", Some("UG")),
    ("Ukraine", Some("UA")),
    ("United Kingdom", Some("GB")),
    ("United States", Some("US")),
    ("Uruguay", Some("UY")),
    ("Uzbekistan", Some("UZ")),
    ("Vanuatu", Some("VU")),
    ("Venezuela", Some("VE")),
    ("Viet Nam", Some("VN")),
    // The territory's ISO 3166-1 code; SIPRI's recipient is the Polisario Front's SADR.
    ("Western Sahara", Some("EH")),
    ("Yemen", Some("YE")),
    // ISO 3166-3: YU, Yugoslavia (until 2003).
    ("Yugoslavia", Some("YU")),
    ("Zambia", Some("ZM")),
    ("Zimbabwe", Some("ZW")),
    ("eSwatini", Some("SZ")),
    // Spellings of earlier editions.
    ("Cape Verde", Some("CV")),
    ("Czech Republic", Some("CZ")),
    ("East Timor", Some("TL")),
    ("Macedonia (FYROM)", Some("MK")),
    ("Macedonia", Some("MK")),
    // ISO 3166-3: CS, Serbia and Montenegro (2003-2006).
    ("Serbia and Montenegro", Some("CS")),
    ("Swaziland", Some("SZ")),
    ("Turkey", Some("TR")),
    ("United Arab Emirates", Some("AE")),
    ("Vietnam", Some("VN")),
    // ISO 3166-3: ZR, Zaire (until 1997).
    ("Zaire", Some("ZR")),
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
        assert_eq!(classify("Hezbollah (Lebanon)*"), NameKind::NonStateActor);
        assert_eq!(classify("NATO**"), NameKind::InternationalOrganisation);
        assert_eq!(classify("unknown supplier(s)"), NameKind::Unknown);
        assert_eq!(classify("unknown rebel group*"), NameKind::NonStateActor);
        assert_eq!(classify("Atlantis"), NameKind::Unlisted);
        assert_eq!(classify("Atlantis").code(), None);
    }

    #[test]
    fn every_name_is_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for (name, _) in NAMES {
            assert!(
                seen.insert(name.to_ascii_lowercase()),
                "{name} is listed twice"
            );
            assert_eq!(*name, name.trim(), "{name:?} has spaces around it");
        }
    }
}
