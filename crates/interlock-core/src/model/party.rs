//! Parties to a transfer and the one name normalization every comparison uses.

use serde::{Deserialize, Serialize};

/// A party to a transfer. A party's role lives on the link, not on the party: the same
/// company can be consignee on one licence and end user on another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// What the party is to this record (exporter, consignee, end user, ...).
    pub role: PartyRole,
    /// The name exactly as the source gives it. Compare names only through
    /// [`normalize_party_name`].
    pub name: String,
    /// Government body, company or individual, where the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_type: Option<PartyType>,
    /// The postal address as one text, as the source gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// EORI, VAT, company registration or tax numbers, each with its scheme.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<PartyIdentifier>,
}

impl Party {
    /// A party with a role and a name and nothing else.
    pub fn named(role: PartyRole, name: impl Into<String>) -> Party {
        Party {
            role,
            name: name.into(),
            party_type: None,
            address: None,
            country: None,
            identifiers: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    Exporter,
    Importer,
    Consignee,
    EndUser,
    UltimateEndUser,
    Broker,
    IntermediateConsignee,
    Declarant,
    Manufacturer,
    Carrier,
    Suspect,
    Owner,
    Other,
}

impl PartyRole {
    /// A party on the receiving side of a transfer: its country is where the goods go.
    pub fn receives_goods(self) -> bool {
        matches!(
            self,
            PartyRole::Consignee
                | PartyRole::EndUser
                | PartyRole::UltimateEndUser
                | PartyRole::IntermediateConsignee
                | PartyRole::Importer
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyType {
    /// A State body: ministry, armed forces, police, State-owned agency acting for the State.
    Government,
    Company,
    Individual,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyIdentifier {
    /// Which register the identifier belongs to; an `eori` must look like one.
    pub scheme: IdentifierScheme,
    /// The identifier exactly as issued.
    pub value: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierScheme {
    /// EU/UK Economic Operators Registration and Identification number: a country code
    /// followed by up to 15 letters or digits (e.g. `GB123456789000`).
    Eori,
    Vat,
    /// Company or business registration number in the party's country.
    CompanyRegistration,
    Tax,
    Other,
}

/// Legal-form words that say nothing about who a party is: `Acme Ltd`, `ACME LIMITED` and
/// `Acme` are the same party for screening. Matched as whole words after punctuation is
/// removed and dotted abbreviations are joined (`S.A.C.` → `sac`).
const LEGAL_FORMS: &[&str] = &[
    "ab",
    "ag",
    "as",
    "asa",
    "bhd",
    "bv",
    "co",
    "company",
    "corp",
    "corporation",
    "cv",
    "gmbh",
    "inc",
    "incorporated",
    "jsc",
    "kg",
    "kk",
    "limited",
    "llc",
    "llp",
    "lp",
    "ltd",
    "nv",
    "oao",
    "ooo",
    "oy",
    "pao",
    "pjsc",
    "plc",
    "pte",
    "pty",
    "sa",
    "sac",
    "sarl",
    "sas",
    "sdn",
    "spa",
    "sl",
    "srl",
    "zao",
];

/// The one normalization for matching party names (denial screening, cross-checks,
/// indexes): lower case; every run of characters that are not letters or digits becomes
/// one space; single letters in a row are joined (`s a c` → `sac`, so `S.A.C.` and `SAC`
/// agree); a leading `the` and trailing legal forms ([`LEGAL_FORMS`]) are dropped, unless
/// nothing would be left.
///
/// `"ACME Arms (UK) Ltd."` → `"acme arms uk"`; `"Industrias Bélicas S.A.C."` →
/// `"industrias bélicas"`.
pub fn normalize_party_name(name: &str) -> String {
    let lower = name.to_lowercase();
    // (word, whether it was built from single letters)
    let mut words: Vec<(String, bool)> = Vec::new();
    for raw in lower.split(|c: char| !c.is_alphanumeric()) {
        if raw.is_empty() {
            continue;
        }
        let single_letter = raw.chars().count() == 1 && raw.chars().all(char::is_alphabetic);
        match words.last_mut() {
            Some((last, true)) if single_letter => last.push_str(raw),
            _ => words.push((raw.to_owned(), single_letter)),
        }
    }
    let mut words: Vec<&str> = words.iter().map(|(word, _)| word.as_str()).collect();
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    while words.len() > 1 && words.last().is_some_and(|w| LEGAL_FORMS.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::normalize_party_name as n;

    #[test]
    fn legal_forms_punctuation_and_case_do_not_matter() {
        assert_eq!(n("ACME Arms (UK) Ltd."), "acme arms uk");
        assert_eq!(n("Acme Arms UK Limited"), "acme arms uk");
        assert_eq!(n("acme  arms   uk"), "acme arms uk");
        assert_eq!(n("Industrias Bélicas S.A.C."), "industrias bélicas");
        assert_eq!(n("Industrias Bélicas SAC"), "industrias bélicas");
        assert_eq!(n("Rheinmetall GmbH & Co. KG"), "rheinmetall");
        assert_eq!(n("The Gun Shop"), "gun shop");
    }

    #[test]
    fn a_name_is_never_normalized_away() {
        assert_eq!(n("Limited"), "limited");
        assert_eq!(n("The"), "the");
        assert_eq!(n(""), "");
    }

    #[test]
    fn different_names_stay_different() {
        assert_ne!(n("Acme Arms"), n("Acme Armour"));
        assert_ne!(n("A B Trading"), n("AB Holdings"));
    }
}
