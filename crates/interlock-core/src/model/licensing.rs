//! Licences and their life, and what customs writes off against them.
//!
//! A licence (an [`Authorization`]) is one record whose revisions follow its life: issued,
//! amended or replaced, suspended, reinstated, revoked, cancelled, surrendered, expired.
//! Every change is a [`StatusEvent`] kept in `status_history`. A message that only changes
//! the status (a CHIEF cancel, a LITE status update) arrives as a [`StatusChange`] and the
//! store turns it into a new revision of the licence that keeps its lines, parties and
//! countries.
//!
//! Customs' side is one [`LicenceUsage`] record per usage record in the customs message,
//! with the CHIEF usage types, and a [`CustomsLicenceStatus`] snapshot of what customs says
//! about the licence (its status and running totals per line).

use jiff::civil::{Date, Time};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::party::Party;
use super::{Money, Quantity, is_false};
use crate::model::screening::Criterion;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Export,
    Import,
    Transit,
    Transshipment,
    Brokering,
}

/// Where a licence stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorizationStatus {
    Applied,
    Issued,
    Refused,
    Suspended,
    Revoked,
    Surrendered,
    Exhausted,
    Expired,
    Cancelled,
}

impl AuthorizationStatus {
    /// Statuses that only exist once the authority has granted the licence.
    pub fn was_issued(self) -> bool {
        !matches!(
            self,
            AuthorizationStatus::Applied | AuthorizationStatus::Refused
        )
    }

    /// Whether goods may be shipped under the licence in this status.
    pub fn is_usable(self) -> bool {
        self == AuthorizationStatus::Issued
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuthorizationStatus::Applied => "applied",
            AuthorizationStatus::Issued => "issued",
            AuthorizationStatus::Refused => "refused",
            AuthorizationStatus::Suspended => "suspended",
            AuthorizationStatus::Revoked => "revoked",
            AuthorizationStatus::Surrendered => "surrendered",
            AuthorizationStatus::Exhausted => "exhausted",
            AuthorizationStatus::Expired => "expired",
            AuthorizationStatus::Cancelled => "cancelled",
        }
    }
}

/// What happened to a licence. Each action leaves the licence in one status
/// ([`LicenceAction::resulting_status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceAction {
    Apply,
    Refuse,
    Issue,
    /// The licence was amended or replaced by a new version under the same reference.
    Amend,
    Suspend,
    Reinstate,
    Revoke,
    Cancel,
    Surrender,
    Expire,
    /// Fully used: nothing is left to write off.
    Exhaust,
}

impl LicenceAction {
    /// The status a licence is in after this action. An amendment leaves an issued licence
    /// issued (an amended suspended licence is reinstated by a separate action).
    pub fn resulting_status(self, before: Option<AuthorizationStatus>) -> AuthorizationStatus {
        match self {
            LicenceAction::Apply => AuthorizationStatus::Applied,
            LicenceAction::Refuse => AuthorizationStatus::Refused,
            LicenceAction::Issue | LicenceAction::Reinstate => AuthorizationStatus::Issued,
            LicenceAction::Amend => before.unwrap_or(AuthorizationStatus::Issued),
            LicenceAction::Suspend => AuthorizationStatus::Suspended,
            LicenceAction::Revoke => AuthorizationStatus::Revoked,
            LicenceAction::Cancel => AuthorizationStatus::Cancelled,
            LicenceAction::Surrender => AuthorizationStatus::Surrendered,
            LicenceAction::Expire => AuthorizationStatus::Expired,
            LicenceAction::Exhaust => AuthorizationStatus::Exhausted,
        }
    }

    /// Whether the action ends the licence's use from its effective date on (write-offs
    /// after it are not covered). Suspension ends use until a reinstatement.
    pub fn stops_use(self) -> bool {
        matches!(
            self,
            LicenceAction::Suspend
                | LicenceAction::Revoke
                | LicenceAction::Cancel
                | LicenceAction::Surrender
                | LicenceAction::Expire
                | LicenceAction::Exhaust
        )
    }
}

/// One change in a licence's life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusEvent {
    /// What happened; the licence is in `action`'s resulting status afterwards.
    pub action: LicenceAction,
    /// The day the change takes effect (not the day the message was sent).
    pub effective: Date,
    /// The time of day, where the source gives one (LITE does; CHIEF does not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_time: Option<Time>,
    /// Why, in the authority's words, where given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The message that said so, e.g. `CHIEF licenceData run 42, transaction 20200000001P`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Where a message stands in its source's sequence, so an older message never overwrites
/// newer data. Messages from the same `source` are ordered by `run` (CHIEF's file run
/// number) and then by `created`; see `Import::add` for the rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageOrder {
    /// The system and message stream, e.g. `SPIRE>CHIEF licenceData`.
    pub source: String,
    /// The file's run (sequence) number in its stream, e.g. CHIEF's fileHeader run number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<u64>,
    /// When the sending system created the message (local date-time, `YYYY-MM-DDTHH:MM:SS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<jiff::civil::DateTime>,
}

impl MessageOrder {
    /// Whether `self` is strictly older than `other` from the same source. Messages from
    /// different sources, or without anything to compare, are never older.
    pub fn is_older_than(&self, other: &MessageOrder) -> bool {
        if self.source != other.source {
            return false;
        }
        match (self.run, other.run) {
            (Some(a), Some(b)) if a != b => return a < b,
            _ => {}
        }
        match (self.created, other.created) {
            (Some(a), Some(b)) => a < b,
            _ => false,
        }
    }
}

/// What a country is on a licence for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountryRole {
    /// Where the goods may go (or, if prohibited, may not).
    Destination,
    /// Where the goods come from (imports, transit).
    Origin,
    /// A country the goods pass through on the way.
    EnRoute,
}

/// A country named on a licence, allowed or prohibited for its role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceCountry {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Destination, origin or en route.
    pub role: CountryRole,
    /// The licence forbids this country in this role (CHIEF country use codes E, P, S).
    #[serde(default, skip_serializing_if = "is_false")]
    pub prohibited: bool,
}

/// A named group of countries as the licensing system has it (CHIEF country groups such as
/// `G012`, LITE's country groups), kept by name; its members where the source lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountryGroup {
    /// The group's name or code in the licensing system (e.g. CHIEF `G012`).
    pub name: String,
    /// Destination, origin or en route.
    pub role: CountryRole,
    /// The licence forbids the group's countries in this role.
    #[serde(default, skip_serializing_if = "is_false")]
    pub prohibited: bool,
    /// Member countries (ISO 3166-1 alpha-2), where the source lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
}

/// An export, import, transit, transshipment or brokering licence or permit, from
/// application to its end (ATT Art. 5-10, 12; Firearms Protocol Art. 10).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorization {
    /// The licence reference, kept across amendments and replacements.
    pub reference: String,
    /// Export, import, transit, transshipment or brokering.
    pub direction: Direction,
    /// The current status. When `status_history` is not empty, its last event's result.
    pub status: AuthorizationStatus,
    /// An open licence (e.g. an OIEL): no quantity or value limits and no single named
    /// consignee; the goods and destinations bound it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub open: bool,
    /// The licensing authority that decided (e.g. `Export Control Joint Unit`).
    pub issuing_authority: String,
    /// The day the application was received; required for an application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_date: Option<Date>,
    /// The day the licence was issued (or the refusal decided); required once issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<Date>,
    /// First day the licence may be used (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Date>,
    /// Last day the licence may be used (inclusive); not before `valid_from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Date>,
    /// Exporter, consignee, end user, broker, ...; an export licence that is not open needs a consignee or end user, a brokering licence a broker.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    /// Countries by role, allowed or prohibited.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<LicenceCountry>,
    /// Country groups by name, allowed or prohibited per role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub country_groups: Vec<CountryGroup>,
    /// The stated end use, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_use: Option<String>,
    /// The end-user certificate the licence relies on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub euc_reference: Option<String>,
    /// Provisos and restrictions, as worded by the authority.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provisos: Vec<String>,
    /// Why an application was refused, in the authority's words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusal_reasons: Vec<String>,
    /// The criteria a refusal rests on (ATT Art. 6/7, EU Common Position).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusal_criteria: Vec<Criterion>,
    /// The licence's life, oldest first. The store keeps earlier events when a later
    /// message replaces the licence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_history: Vec<StatusEvent>,
    /// The message this version of the licence came from, for ordering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<MessageOrder>,
    /// The licence lines; an issued licence has at least one, numbered uniquely from 1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<AuthorizationLine>,
}

impl Authorization {
    pub fn countries_in_role(
        &self,
        role: CountryRole,
        prohibited: bool,
    ) -> impl Iterator<Item = &str> {
        self.countries
            .iter()
            .filter(move |c| c.role == role && c.prohibited == prohibited)
            .map(|c| c.country.as_str())
    }

    /// The status the history ends in, if there is a history.
    pub fn status_from_history(&self) -> Option<AuthorizationStatus> {
        let mut status = None;
        for event in &self.status_history {
            status = Some(event.action.resulting_status(status));
        }
        status
    }
}

/// How a licence line limits what may be shipped (CHIEF `controlledBy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlledBy {
    Quantity,
    Value,
    /// Both limits apply; whichever is reached first exhausts the line.
    Both,
    /// No quantity or value limit (CHIEF `O`, open/unlimited lines).
    Unlimited,
}

/// One numbered line of a licence. The line number is the key customs writes off against
/// ("the common reference used when declaring goods at the customs check", CHIEF).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationLine {
    /// The line number, from 1, unique on the licence.
    pub line_no: u32,
    /// The goods in words, as on the licence.
    pub description: String,
    /// Id of a national control list entry, e.g. `ML1.a`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_entry: Option<String>,
    /// HS 2022 code of the goods (4 or 6 digits, national 8 or 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hs_code: Option<String>,
    /// What the line limits. Absent: the quantity and value given, if any, are the limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controlled_by: Option<ControlledBy>,
    /// The quantity allowed, in the unit as issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    /// The value allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Money>,
    /// The manufacturer, where the licence names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// The model, where the licence names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Serial numbers of the items on the line, as marked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serial_numbers: Vec<String>,
    /// `serial_numbers` lists every item on the line (not a sample).
    #[serde(default, skip_serializing_if = "is_false")]
    pub serials_complete: bool,
}

impl AuthorizationLine {
    /// What the line limits, from `controlled_by` or, when absent, from what it gives.
    pub fn effective_control(&self) -> ControlledBy {
        match (self.controlled_by, &self.quantity, &self.value) {
            (Some(control), _, _) => control,
            (None, Some(_), Some(_)) => ControlledBy::Both,
            (None, Some(_), None) => ControlledBy::Quantity,
            (None, None, Some(_)) => ControlledBy::Value,
            (None, None, None) => ControlledBy::Unlimited,
        }
    }
}

/// A message that changes a licence's status and nothing else: a CHIEF cancel, a LITE
/// status update. Its `source_ref` is the licence's; the store applies the event to the
/// licence's current revision, which must exist (imported earlier or earlier in the file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// The licence reference, as on the licence.
    pub reference: String,
    /// The change: action, effective date, reason, source.
    pub event: StatusEvent,
    /// Where the message stands in its source's sequence (see the ordering rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<MessageOrder>,
}

/// The CHIEF usage types (usageData `usage` records).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageType {
    /// `O`: an original write-off.
    Original,
    /// `L`: an original that arrived late.
    LateOriginal,
    /// `A`: replaces what was written off for the same key.
    Adjusted,
    /// `C`: cancels what was written off for the same key (sets it to zero).
    Contra,
    /// `M`: a message only; writes off nothing.
    MessageOnly,
}

impl UsageType {
    /// The name used in the record format (`original`, `late_original`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            UsageType::Original => "original",
            UsageType::LateOriginal => "late_original",
            UsageType::Adjusted => "adjusted",
            UsageType::Contra => "contra",
            UsageType::MessageOnly => "message_only",
        }
    }
}

/// The key a write-off applies to: adjusted and contra usage replace what was attributed
/// to exactly this key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UsageKey {
    pub authorization_ref: String,
    pub line_no: u32,
    pub declaration_ref: String,
    pub declaration_part: Option<String>,
}

/// One usage record: customs writing off (part of) a licence line for one declaration.
/// Amounts are never negative; `usage_type` says what they mean.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceUsage {
    /// The licence written off against.
    pub authorization_ref: String,
    /// The licence line written off against, from 1.
    pub line_no: u32,
    /// The declaration (entry) reference: MRN, CHIEF entry reference.
    pub declaration_ref: String,
    /// The part of the declaration, where the source splits it (CHIEF's part/item code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declaration_part: Option<String>,
    /// What the amounts mean: original, late original, adjusted, contra, message only.
    pub usage_type: UsageType,
    /// The day of the write-off (CHIEF usage date).
    pub date: Date,
    /// The quantity written off, in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Decimal>,
    /// UN/ECE Rec 20 unit of `quantity`. Absent: the unit of the licence line written off
    /// against, as CHIEF usage data (which carries no unit) means it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The value written off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Money>,
    /// The customs message, where present (CHIEF usage message code and text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customs_message_code: Option<String>,
    /// The text of the customs message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customs_message_text: Option<String>,
    /// Position in the customs message stream: later usage for the same key wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
}

impl LicenceUsage {
    /// The quantity with its unit, where the record gives the unit.
    pub fn quantity_with_unit(&self) -> Option<Quantity> {
        Some(Quantity {
            amount: self.quantity?,
            unit: self.unit.clone()?,
        })
    }

    pub fn key(&self) -> UsageKey {
        UsageKey {
            authorization_ref: self.authorization_ref.clone(),
            line_no: self.line_no,
            declaration_ref: self.declaration_ref.clone(),
            declaration_part: self.declaration_part.clone(),
        }
    }
}

/// The licence's status as customs reports it (CHIEF `licenceStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomsLicenceState {
    Open,
    Cancelled,
    Exhausted,
    Surrendered,
    Expired,
}

/// What customs says about a licence at one moment: its status and the running totals
/// written off per line. Kept beside the usage records so the two can be compared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomsLicenceStatus {
    /// The licence customs reports on.
    pub authorization_ref: String,
    /// The day the customs system reported this.
    pub as_of: Date,
    /// The licence's status in the customs system.
    pub status: CustomsLicenceState,
    /// Customs' running totals per line; line numbers unique.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<ReportedLineTotal>,
    /// The customs transaction reference of the report (CHIEF `LU04148/00001`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_ref: Option<String>,
}

/// Customs' running totals for one licence line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportedLineTotal {
    /// The licence line.
    pub line_no: u32,
    /// The quantity written off so far, in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_used: Option<Decimal>,
    /// UN/ECE Rec 20 unit of `quantity_used`; absent: the licence line's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The value written off so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_used: Option<Money>,
}
