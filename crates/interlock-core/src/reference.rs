//! Reference tables: ISO 3166-1 countries, ISO 4217 currencies, UN/ECE Rec 20 units and
//! HS 2022 codes.
//!
//! STUB: to be generated from public data.

pub fn is_country(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

pub fn is_currency(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

pub fn is_unit(code: &str) -> bool {
    matches!(code, "NAR" | "KGM" | "LTR" | "MTR" | "SET" | "PR" | "GRM")
}

pub fn is_hs_code(code: &str) -> bool {
    (code.len() == 4 || code.len() == 6) && code.bytes().all(|b| b.is_ascii_digit())
}
