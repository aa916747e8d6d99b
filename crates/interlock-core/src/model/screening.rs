//! What licences are screened against: denials (ours and partners') and arms embargoes,
//! and the criteria refusals rest on.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::party::Party;

/// A criterion a refusal or denial rests on. The codes are the treaty's and the EU Common
/// Position's article numbers, so they read the same in every agency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Criterion {
    /// ATT Art. 6(1): would violate a UN Security Council Chapter VII measure (embargo).
    #[serde(rename = "att-6.1")]
    Att6_1,
    /// ATT Art. 6(2): would violate other international obligations.
    #[serde(rename = "att-6.2")]
    Att6_2,
    /// ATT Art. 6(3): knowledge the arms would be used in genocide, crimes against
    /// humanity, grave breaches of the Geneva Conventions or other war crimes.
    #[serde(rename = "att-6.3")]
    Att6_3,
    /// ATT Art. 7(1)(a): would undermine peace and security.
    #[serde(rename = "att-7.1.a")]
    Att7_1A,
    /// ATT Art. 7(1)(b)(i): serious violation of international humanitarian law.
    #[serde(rename = "att-7.1.b.i")]
    Att7_1Bi,
    /// ATT Art. 7(1)(b)(ii): serious violation of international human rights law.
    #[serde(rename = "att-7.1.b.ii")]
    Att7_1Bii,
    /// ATT Art. 7(1)(b)(iii): offence under conventions relating to terrorism.
    #[serde(rename = "att-7.1.b.iii")]
    Att7_1Biii,
    /// ATT Art. 7(1)(b)(iv): offence under conventions relating to transnational organized
    /// crime.
    #[serde(rename = "att-7.1.b.iv")]
    Att7_1Biv,
    /// ATT Art. 7(4): serious acts of gender-based violence or violence against women and
    /// children.
    #[serde(rename = "att-7.4")]
    Att7_4,
    /// ATT Art. 11: risk of diversion.
    #[serde(rename = "att-11")]
    Att11,
    /// EU Common Position 2008/944/CFSP, criterion 1 (international obligations, embargoes).
    #[serde(rename = "eucp-1")]
    EuCp1,
    /// Criterion 2: human rights and international humanitarian law.
    #[serde(rename = "eucp-2")]
    EuCp2,
    /// Criterion 3: internal situation (armed conflict, tensions).
    #[serde(rename = "eucp-3")]
    EuCp3,
    /// Criterion 4: regional peace, security and stability.
    #[serde(rename = "eucp-4")]
    EuCp4,
    /// Criterion 5: national security of Member States and friendly countries.
    #[serde(rename = "eucp-5")]
    EuCp5,
    /// Criterion 6: the buyer's behaviour towards the international community (terrorism).
    #[serde(rename = "eucp-6")]
    EuCp6,
    /// Criterion 7: risk of diversion or re-export under undesirable conditions.
    #[serde(rename = "eucp-7")]
    EuCp7,
    /// Criterion 8: compatibility with the recipient's technical and economic capacity.
    #[serde(rename = "eucp-8")]
    EuCp8,
}

/// A licence refusal notified by this or another State (Wassenaar, EU denial notifications),
/// or one of our own refusals as the licensing authority records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Denial {
    /// The denial notification's reference.
    pub reference: String,
    /// The State that denied, ISO 3166-1 alpha-2.
    pub notifying_country: String,
    /// The regime the denial was notified under (`EU`, `Wassenaar Arrangement`,
    /// `national`), where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regime: Option<String>,
    /// The day the denial was issued.
    pub date: Date,
    /// The reason in words.
    pub reason: String,
    /// The criteria the denial rests on (codes such as `att-7.4`, `eucp-7`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<Criterion>,
    /// Control entries of the denied goods, checked against the list in force on the denial's date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub control_entries: Vec<String>,
    /// The denied goods in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_description: Option<String>,
    /// The end use applied for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_use: Option<String>,
    /// The destination applied for, ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_country: Option<String>,
    /// The consignees, end users or brokers denied; at least one. Matched by normalized name and country.
    pub entities: Vec<Party>,
    /// The denial was withdrawn; `revoked_on` says when, where known.
    #[serde(default, skip_serializing_if = "super::is_false")]
    pub revoked: bool,
    /// The day the denial was withdrawn; needs `revoked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_on: Option<Date>,
    /// The last day the denial applies (EU denials lapse after three years).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
}

impl Denial {
    /// Whether the denial applies on `date`: issued by then, not expired, not revoked by
    /// then. A revocation without a date counts from the denial's own date.
    pub fn in_force_on(&self, date: Date) -> bool {
        let revoked = match (self.revoked, self.revoked_on) {
            (_, Some(on)) => on <= date,
            (true, None) => true,
            (false, None) => false,
        };
        self.date <= date && self.expires.is_none_or(|end| date <= end) && !revoked
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbargoAuthority {
    UnSecurityCouncil,
    EuropeanUnion,
    Osce,
    National,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbargoScope {
    /// All conventional arms and related materiel.
    AllArms,
    /// Only the ATT scopes and control entries listed.
    Listed,
}

/// Which way an embargo bars transfers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbargoDirection {
    /// No arms to the target.
    Supply,
    /// No arms from the target.
    Procurement,
    Both,
}

impl EmbargoDirection {
    pub fn bars_supply(self) -> bool {
        matches!(self, EmbargoDirection::Supply | EmbargoDirection::Both)
    }

    pub fn bars_procurement(self) -> bool {
        matches!(self, EmbargoDirection::Procurement | EmbargoDirection::Both)
    }
}

/// An exemption from an embargo (e.g. supplies to a UN mission, non-lethal equipment for
/// humanitarian use), for a beneficiary and a period where given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbargoExemption {
    /// What the exemption allows, in the instrument's words.
    pub description: String,
    /// Who may receive goods under the exemption (a mission, a government), if limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiary: Option<String>,
    /// First day the exemption applies, if limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Date>,
    /// Last day the exemption applies, if limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
    /// The paragraph of the instrument that grants it, e.g. `UNSCR 2713 (2023) para 11`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrument: Option<String>,
}

impl EmbargoExemption {
    pub fn in_force_on(&self, date: Date) -> bool {
        self.from.is_none_or(|from| from <= date) && self.until.is_none_or(|until| date <= until)
    }
}

/// A later instrument that changed the embargo.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbargoAmendment {
    /// The amending instrument, e.g. `UNSCR 2745 (2024)`.
    pub instrument: String,
    /// The day it took effect.
    pub date: Date,
    /// What it changed.
    pub summary: String,
}

/// An arms embargo (ATT Art. 6(1)) on a State, named entities, or both.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Embargo {
    /// Who imposed it: UN Security Council, EU, OSCE, national, other.
    pub authority: EmbargoAuthority,
    /// The legal instrument, e.g. `UNSCR 1970 (2011)`.
    pub instrument: String,
    /// The State under embargo (ISO 3166-1 alpha-2); absent for an embargo on named
    /// entities only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_country: Option<String>,
    /// Named non-State entities or individuals under the embargo.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_entities: Vec<Party>,
    /// Supply (no arms to the target), procurement (none from it) or both.
    pub direction: EmbargoDirection,
    /// All arms, or only the ATT scopes and control entries listed.
    pub scope: EmbargoScope,
    /// ATT scope codes covered when `scope` is `listed` (e.g. `VIII.SA`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub att_scopes: Vec<String>,
    /// National control list entries covered when `scope` is `listed` (e.g. `ML4`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub control_entries: Vec<String>,
    /// First day in force.
    pub start: Date,
    /// The last day in force; absent while in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Date>,
    /// Exemptions, each with its beneficiary and period where given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exemptions: Vec<EmbargoExemption>,
    /// Later instruments that changed the embargo.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amendments: Vec<EmbargoAmendment>,
    /// Anything else worth knowing, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl Embargo {
    /// Whether the embargo is in force on `date` (both ends inclusive).
    pub fn in_force_on(&self, date: Date) -> bool {
        self.start <= date && self.end.is_none_or(|end| date <= end)
    }

    /// Whether the embargo is in force on any day of `from..=to`.
    pub fn in_force_during(&self, from: Option<Date>, to: Option<Date>) -> bool {
        to.is_none_or(|to| self.start <= to)
            && match (self.end, from) {
                (Some(end), Some(from)) => from <= end,
                _ => true,
            }
    }
}
