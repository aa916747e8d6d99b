//! Weapons identified by their markings, police cases about them, and the documents that
//! follow an export: end-user certificates and delivery verification.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::party::Party;
use super::Quantity;

/// A weapon identified by its markings (Firearms Protocol Art. 8; ITI; INTERPOL IFRT).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub make: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibre: Option<String>,
    /// Weapon type in words (pistol, rifle, assault rifle, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_type: Option<String>,
    /// The serial number exactly as marked. The normalized form used for matching is
    /// derived by [`normalize_serial`], never supplied by adapters.
    pub serial: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_manufacture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year_of_manufacture: Option<i16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_mark: Option<ImportMark>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_marks: Vec<String>,
    /// Control list entry the item falls under, where the agency knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_entry: Option<String>,
    /// When the agency recorded the item, if it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_date: Option<Date>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportMark {
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i16>,
}

/// Serial numbers are compared in a normalized form: upper case, letters and digits only,
/// so `ab-123 45` and `AB12345` match. The raw form is always kept as evidence.
pub fn normalize_serial(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoliceEvent {
    Seizure,
    Loss,
    Theft,
    Recovery,
    TraceRequestSent,
    TraceRequestReceived,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceStatus {
    NotRequested,
    Pending,
    Traced,
    Untraceable,
    Closed,
}

/// A police case about weapons: seizure, loss, theft, recovery or an international trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoliceCase {
    pub case_ref: String,
    /// The police force or unit that holds the case.
    pub police_agency: String,
    pub date: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// ISO 3166-1 alpha-2 country where the event happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub event: PoliceEvent,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_status: Option<TraceStatus>,
    /// For trace requests: the State asked or asking (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_counterpart: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndUserCertificate {
    pub reference: String,
    pub issuing_country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_authority: Option<String>,
    pub date: Date,
    pub end_user: Party,
    pub goods_description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_use: Option<String>,
    /// The certificate forbids re-export without the exporting State's consent.
    #[serde(default)]
    pub no_reexport_clause: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_ref: Option<String>,
}

/// Confirmation by the importing State that the goods arrived (Firearms Protocol Art. 10(4)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryVerification {
    pub reference: String,
    pub issuing_country: String,
    pub date: Date,
    pub authorization_ref: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declaration_refs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<VerifiedLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifiedLine {
    pub line_no: u32,
    pub quantity_received: Quantity,
}

