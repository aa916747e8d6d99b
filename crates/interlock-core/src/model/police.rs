//! Weapons identified by their markings, police cases about them, and the documents that
//! follow an export: end-user certificates and delivery verification.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::Quantity;
use super::party::Party;

/// A weapon identified by its markings (Firearms Protocol Art. 8; ITI; INTERPOL IFRT).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The manufacturer as marked.
    pub make: String,
    /// The model as marked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The calibre as marked (e.g. `9x19mm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibre: Option<String>,
    /// Weapon type in words (pistol, rifle, assault rifle, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_type: Option<String>,
    /// The serial number exactly as marked. The normalized form used for matching is
    /// derived by [`normalize_serial`], never supplied by adapters.
    pub serial: String,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_manufacture: Option<String>,
    /// A plausible year, not after the record's date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year_of_manufacture: Option<i16>,
    /// The import marking (Firearms Protocol Art. 8(1)(b)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_mark: Option<ImportMark>,
    /// Other markings, as read.
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
    /// The importing country marked, ISO 3166-1 alpha-2.
    pub country: String,
    /// The year of import marked; not before the year of manufacture.
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
    /// The police case reference.
    pub case_ref: String,
    /// The police force or unit that holds the case.
    pub police_agency: String,
    /// The day of the event (seizure, loss, theft, recovery, trace request).
    pub date: Date,
    /// Where it happened, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// ISO 3166-1 alpha-2 country where the event happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Seizure, loss, theft, recovery, trace request sent or received.
    pub event: PoliceEvent,
    /// The weapons concerned; at least one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
    /// Suspects, owners and others involved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    /// For traces: where the trace stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_status: Option<TraceStatus>,
    /// For trace requests: the State asked or asking (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_counterpart: Option<String>,
}

/// An end-user certificate: the importing State's or end user's undertaking on the end use
/// and end user of the goods (ATT Art. 8(1), 11(2)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndUserCertificate {
    /// The certificate's reference.
    pub reference: String,
    /// The State that issued it, ISO 3166-1 alpha-2.
    pub issuing_country: String,
    /// The authority that issued it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_authority: Option<String>,
    /// The day it was issued.
    pub date: Date,
    /// The end user it certifies.
    pub end_user: Party,
    /// The goods in words.
    pub goods_description: String,
    /// The stated end use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_use: Option<String>,
    /// The certificate forbids re-export without the exporting State's consent.
    #[serde(default)]
    pub no_reexport_clause: bool,
    /// The licence it supports, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_ref: Option<String>,
}

/// Confirmation by the importing State that the goods arrived (Firearms Protocol Art. 10(4)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryVerification {
    /// The certificate's reference.
    pub reference: String,
    /// The importing State that confirms delivery, ISO 3166-1 alpha-2.
    pub issuing_country: String,
    /// The day of the confirmation.
    pub date: Date,
    /// The licence the goods were exported under.
    pub authorization_ref: String,
    /// The export declarations it covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declaration_refs: Vec<String>,
    /// What arrived, per licence line; line numbers unique.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<VerifiedLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifiedLine {
    /// The licence line.
    pub line_no: u32,
    /// The quantity that arrived.
    pub quantity_received: Quantity,
}
