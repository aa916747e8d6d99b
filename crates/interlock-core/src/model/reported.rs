//! Transfers reported by others: partner States' ATT and UN Register reports and public
//! registers such as SIPRI's. They describe flows to and from this State that no agency
//! of ours recorded the same way; they are what our own figures are compared with and are
//! never counted in them.

use serde::{Deserialize, Serialize};

use super::{Money, is_false};

/// Who reported the transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportingSourceKind {
    /// A State Party's ATT annual report.
    AttReport,
    /// A State's report to the UN Register of Conventional Arms.
    UnRegister,
    /// A public register compiled by others (SIPRI Arms Transfers Database).
    PublicRegister,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportingSource {
    /// ATT report, UN Register report, public register or other.
    pub kind: ReportingSourceKind,
    /// `SIPRI Arms Transfers Database`, `ATT annual report of DE`.
    pub name: String,
    /// The State that reported, for State reports (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_country: Option<String>,
    /// The report's year, edition or data date, as the source names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
}

/// A supplier or recipient as the source names it, with a code where one exists: an
/// ISO 3166-1 alpha-2 code, or a former code from ISO 3166-3 (`SU`, `YU`, `CS`, `DD`, ...)
/// for States that no longer exist. Non-State entities (`Hezbollah (Lebanon)*`,
/// `unknown supplier(s)`) have no code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counterpart {
    /// The name exactly as the source gives it.
    pub name: String,
    /// ISO 3166-1 alpha-2, or a former code of ISO 3166-3 for a State that no longer exists; absent for non-State entities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// Deliveries in one year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearlyDelivery {
    /// The year of delivery.
    pub year: i16,
    /// Items delivered in that year, where the source splits the total by year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
}

/// One transfer (a deal, or a report line) as another reporter describes it. Dates have
/// year precision only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportedTransfer {
    /// Who reported it.
    pub source: ReportingSource,
    /// The supplier as the source names it.
    pub supplier: Counterpart,
    /// The recipient as the source names it.
    pub recipient: Counterpart,
    /// The year of the order (a plausible year).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_year: Option<i16>,
    /// The source marks the order year as uncertain.
    #[serde(default, skip_serializing_if = "is_false")]
    pub order_year_uncertain: bool,
    /// Items ordered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_ordered: Option<u64>,
    /// The source marks the number ordered as uncertain.
    #[serde(default, skip_serializing_if = "is_false")]
    pub number_ordered_uncertain: bool,
    /// Total delivered, where the source gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_delivered: Option<u64>,
    /// The source marks the number delivered as uncertain.
    #[serde(default, skip_serializing_if = "is_false")]
    pub number_delivered_uncertain: bool,
    /// The years of delivery, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deliveries: Vec<YearlyDelivery>,
    /// The weapon's designation (`EMB-314 Super Tucano`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub designation: Option<String>,
    /// The source's description (`trainer/combat aircraft`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// ATT scope code where the source gives or clearly implies one (e.g. `IV`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// A value where the source gives one in money (not SIPRI's TIV, which is no currency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Money>,
    /// The source's comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
}

impl ReportedTransfer {
    /// The year the record is placed in: the first year of delivery, else the order year.
    pub fn year(&self) -> Option<i16> {
        self.deliveries
            .iter()
            .map(|d| d.year)
            .min()
            .or(self.order_year)
    }
}
