//! The ATT category a SIPRI weapon description clearly implies, and only that.
//!
//! SIPRI's descriptions are its own types, not the ATT's categories, and most do not say
//! enough (a `light tank` may be over or under the 16.5 t of category I; an
//! `air-to-surface missile` may or may not reach 25 km; `SAM`s are outside category VII;
//! `naval gun`s, radars, engines and sensors are components). The table maps only
//! descriptions whose SIPRI definition falls inside one ATT category (Art. 2(1), with the
//! definitions of the UN Register the ATT template uses), to the top-level category; every
//! other description leaves the category empty. The match is on the whole description,
//! ASCII case ignored, so `tank turret` or `tank destroyer` do not match `tank`.

/// (SIPRI weapon description, ATT category).
pub const CATEGORIES: &[(&str, &str)] = &[
    // I: battle tanks. SIPRI's `tank` (not `light tank`, `training tank`, `tank destroyer`).
    ("tank", "I"),
    // II: armoured combat vehicles designed to carry a squad of four or more infantry.
    ("APC", "II"),
    ("infantry fighting vehicle", "II"),
    // III: large-calibre artillery. SIPRI counts artillery of 100 mm and above, so
    // inside the ATT's 75 mm threshold; naval and coastal guns are left out.
    ("towed gun", "III"),
    ("self-propelled gun", "III"),
    ("multiple rocket launcher", "III"),
    ("mortar", "III"),
    ("self-propelled mortar", "III"),
    // IV: combat aircraft, manned or unmanned (armed trainers left out).
    ("FGA aircraft", "IV"),
    ("FGA/electronic warfare aircraft", "IV"),
    ("fighter aircraft", "IV"),
    ("bomber aircraft", "IV"),
    ("ground-attack aircraft", "IV"),
    ("armed UAV", "IV"),
    // V: attack helicopters.
    ("combat helicopter", "V"),
    // VI: warships (corvettes, patrol ships and boats, missile boats left out: some are
    // under 500 t without the armament that brings them in).
    ("aircraft carrier", "VI"),
    ("cruiser", "VI"),
    ("destroyer", "VI"),
    ("frigate", "VI"),
    ("submarine", "VI"),
    ("nuclear submarine", "VI"),
    // VII: missiles and launchers with a range of 25 km or more, and MANPADS
    // (surface-to-air missiles other than MANPADS are outside the category).
    ("anti-ship missile", "VII"),
    ("anti-ship/land-attack missile", "VII"),
    ("land-attack missile", "VII"),
    ("surface-to-surface missile", "VII"),
    ("surface-to-surface missile launcher", "VII"),
    ("submarine-launched ballistic missile", "VII"),
    ("portable SAM", "VII"),
];

/// The ATT category `description` clearly implies, if any.
pub fn att_category(description: &str) -> Option<&'static str> {
    let description = description.trim();
    CATEGORIES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(description))
        .map(|(_, category)| *category)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_clear_descriptions_get_a_category() {
        assert_eq!(att_category("tank"), Some("I"));
        assert_eq!(att_category(" Tank "), Some("I"));
        assert_eq!(att_category("tank turret"), None);
        assert_eq!(att_category("light tank"), None);
        assert_eq!(att_category("SAM"), None);
        assert_eq!(att_category("portable SAM"), Some("VII"));
        assert_eq!(att_category("trainer/combat aircraft"), None);
    }
}
