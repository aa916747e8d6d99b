//! The shared record model: what every agency's data becomes once it is in interlock.
//!
//! Two layers:
//! - [`Draft`] is what an adapter (a JSON Lines file or a wasm plugin) hands to the core:
//!   the agency, the agency's own key for the record, and the typed [`Body`].
//! - [`StoredRecord`] is what the store keeps: the draft plus the envelope the core computes
//!   (deterministic id, revision, provenance, capture time, content hash). Adapters never
//!   set envelope fields, so a plugin cannot forge provenance.
//!
//! Field names follow ATT Art. 12, the UN Firearms Protocol Art. 7/8/10, UK LITE's data
//! model and ASYCUDA's SAD; see `docs/domain.md` in the shared notes.

use std::fmt;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Version of the record schema written into every stored record. Bump it when a stored
/// record's JSON shape changes incompatibly, and teach the reader the old shape.
pub const RECORD_SCHEMA_VERSION: u32 = 1;

// ---------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------

/// A record's identity, derived from (agency, kind, source reference) so that the same
/// record arriving twice, from any file or adapter, is recognised as the same record.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordId(pub [u8; 16]);

impl RecordId {
    pub fn derive(agency: &str, kind: RecordKind, source_ref: &str) -> RecordId {
        let mut hasher = Sha256::new();
        // Domain separation and NUL separators: ("ab","c") and ("a","bc") must differ.
        hasher.update(b"interlock/record-id/v1\0");
        hasher.update(agency.as_bytes());
        hasher.update([0]);
        hasher.update(kind.as_str().as_bytes());
        hasher.update([0]);
        hasher.update(source_ref.as_bytes());
        let digest = hasher.finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        RecordId(id)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses the 32-character hexadecimal form shown by the CLI.
    pub fn from_hex(text: &str) -> Option<RecordId> {
        let bytes = hex::decode(text).ok()?;
        Some(RecordId(bytes.try_into().ok()?))
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({})", self.to_hex())
    }
}

impl Serialize for RecordId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for RecordId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        RecordId::from_hex(&text)
            .ok_or_else(|| serde::de::Error::custom("a record id is 32 hexadecimal characters"))
    }
}

/// Lower-case hexadecimal SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// ---------------------------------------------------------------------------------------
// Drafts: what adapters produce
// ---------------------------------------------------------------------------------------

/// One record as an adapter hands it over. This is also exactly one line of the JSON Lines
/// import format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// The agency that holds the record, as registered (e.g. `customs`, `licensing`, `police`).
    pub agency: String,
    /// The agency's own key for this record: licence number, declaration reference + item,
    /// case number. Unique per (agency, kind).
    pub source_ref: String,
    /// ATT Art. 13(3): commercially sensitive or national-security information that may be
    /// withheld from a published report.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sensitive: bool,
    pub record: Body,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Draft {
    pub fn id(&self) -> RecordId {
        RecordId::derive(&self.agency, self.record.kind(), &self.source_ref)
    }

    /// SHA-256 over the canonical JSON of what the adapter said. Two drafts with the same
    /// hash carry the same information, so re-importing them adds nothing.
    pub fn content_hash(&self) -> String {
        // Struct fields serialize in declaration order and the model has no hash maps, so
        // serde_json's output is canonical for a given schema version.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        sha256_hex(&bytes)
    }
}

/// The kinds of record interlock keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Authorization,
    CustomsDeclaration,
    Item,
    PoliceCase,
    EndUserCertificate,
    DeliveryVerification,
    Denial,
    Embargo,
}

impl RecordKind {
    pub const ALL: [RecordKind; 8] = [
        RecordKind::Authorization,
        RecordKind::CustomsDeclaration,
        RecordKind::Item,
        RecordKind::PoliceCase,
        RecordKind::EndUserCertificate,
        RecordKind::DeliveryVerification,
        RecordKind::Denial,
        RecordKind::Embargo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Authorization => "authorization",
            RecordKind::CustomsDeclaration => "customs_declaration",
            RecordKind::Item => "item",
            RecordKind::PoliceCase => "police_case",
            RecordKind::EndUserCertificate => "end_user_certificate",
            RecordKind::DeliveryVerification => "delivery_verification",
            RecordKind::Denial => "denial",
            RecordKind::Embargo => "embargo",
        }
    }

    pub fn parse(text: &str) -> Option<RecordKind> {
        RecordKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text || kind.as_str().replace('_', "-") == text)
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The typed content of a record, tagged by `kind` in JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    Authorization(Authorization),
    CustomsDeclaration(CustomsDeclaration),
    Item(Item),
    PoliceCase(PoliceCase),
    EndUserCertificate(EndUserCertificate),
    DeliveryVerification(DeliveryVerification),
    Denial(Denial),
    Embargo(Embargo),
}

impl Body {
    pub fn kind(&self) -> RecordKind {
        match self {
            Body::Authorization(_) => RecordKind::Authorization,
            Body::CustomsDeclaration(_) => RecordKind::CustomsDeclaration,
            Body::Item(_) => RecordKind::Item,
            Body::PoliceCase(_) => RecordKind::PoliceCase,
            Body::EndUserCertificate(_) => RecordKind::EndUserCertificate,
            Body::DeliveryVerification(_) => RecordKind::DeliveryVerification,
            Body::Denial(_) => RecordKind::Denial,
            Body::Embargo(_) => RecordKind::Embargo,
        }
    }

    /// The date the record is about: it selects the control list version in force and
    /// places the record in a reporting year. `None` only for an item without any date.
    pub fn event_date(&self) -> Option<Date> {
        match self {
            Body::Authorization(a) => a.issue_date.or(a.application_date),
            Body::CustomsDeclaration(c) => Some(c.date),
            Body::Item(i) => i.recorded_date,
            Body::PoliceCase(p) => Some(p.date),
            Body::EndUserCertificate(e) => Some(e.date),
            Body::DeliveryVerification(d) => Some(d.date),
            Body::Denial(d) => Some(d.date),
            Body::Embargo(e) => Some(e.start),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Shared value types
// ---------------------------------------------------------------------------------------

/// A quantity with its UN/ECE Recommendation 20 unit code (`NAR` number of articles,
/// `KGM` kilograms, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    pub amount: Decimal,
    pub unit: String,
}

/// An amount of money with its ISO 4217 currency code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Money {
    pub amount: Decimal,
    pub currency: String,
}

/// A party to a transfer. A party's role lives on the link, not on the party: the same
/// company can be consignee on one licence and end user on another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub role: PartyRole,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// EORI, TURN, tax or company registration number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
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

// ---------------------------------------------------------------------------------------
// Authorization (licences, permits, refusals)
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Export,
    Import,
    Transit,
    Transshipment,
    Brokering,
}

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
}

/// An export, import, transit, transshipment or brokering licence or permit, from
/// application to its end (ATT Art. 5-10, 12; Firearms Protocol Art. 10).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorization {
    pub reference: String,
    pub direction: Direction,
    pub status: AuthorizationStatus,
    /// An open licence (e.g. an OIEL): no quantity or value limits and no single named
    /// consignee; the goods and destinations bound it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub open: bool,
    pub issuing_authority: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_date: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Date>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    /// Countries the goods may go to (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destination_countries: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origin_countries: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transit_countries: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_use: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub euc_reference: Option<String>,
    /// Why a licence was refused (e.g. EU Common Position criteria), required when refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusal_reasons: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<AuthorizationLine>,
}

/// One numbered line of a licence. The line number is the key customs writes off against
/// ("the common reference used when declaring goods at the customs check", CHIEF).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationLine {
    pub line_no: u32,
    pub description: String,
    /// Id of a national control list entry, e.g. `ML1.a`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_entry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hs_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Money>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serial_numbers: Vec<String>,
}

// ---------------------------------------------------------------------------------------
// Customs declarations (item level)
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomsProcedure {
    Export,
    Import,
    Transit,
    ReExport,
}

/// One item of a customs declaration: what actually crossed the border.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomsDeclaration {
    /// MRN, URC or the national declaration number.
    pub declaration_ref: String,
    pub item_no: u32,
    pub procedure: CustomsProcedure,
    /// Absent when the source does not say (CHIEF usage data carries no office).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customs_office: Option<String>,
    pub date: Date,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_dispatch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_destination: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_origin: Option<String>,
    /// HS 2022 code: a 4-digit heading or 6-digit subheading (national extensions allowed
    /// after the first six digits). Absent when the source does not say (CHIEF usage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hs_code: Option<String>,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Money>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attached_documents: Vec<AttachedDocument>,
}

/// A licence written off by a declaration item (ASYCUDA "attached documents", CHIEF usage).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachedDocument {
    /// Document type code as the customs system has it (e.g. `X002`, `LIC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub authorization_ref: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_no: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_written_off: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_written_off: Option<Money>,
}

// ---------------------------------------------------------------------------------------
// Items (weapons with markings) and police cases
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// End-user certificates, delivery verification, denials, embargoes
// ---------------------------------------------------------------------------------------

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

/// A licence refusal notified by this or another State (Wassenaar, EU denial notifications).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Denial {
    pub reference: String,
    pub notifying_country: String,
    pub date: Date,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_entry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_country: Option<String>,
    pub entities: Vec<Party>,
    #[serde(default)]
    pub revoked: bool,
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
    /// Only the ATT categories or control entries listed in `categories`.
    Categories,
}

/// An arms embargo (ATT Art. 6(1)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Embargo {
    pub authority: EmbargoAuthority,
    /// The legal instrument, e.g. `UNSCR 1970 (2011)`.
    pub instrument: String,
    pub target_country: String,
    pub scope: EmbargoScope,
    /// ATT category codes or control entry ids covered when `scope` is `categories`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    pub start: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Stored records: the envelope
// ---------------------------------------------------------------------------------------

/// How a record arrived: enough to find the exact bytes it came from and the exact code
/// that translated them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    pub adapter: Adapter,
    /// The source file name as the record manager gave it.
    pub source_file: String,
    pub source_sha256: String,
    /// 1-based line (or record number for formats without lines) in the source file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The import batch that wrote this revision.
    pub batch: u64,
}

/// The code that turned native data into a draft.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Adapter {
    /// The built-in JSON Lines reader (`interlock import-records`).
    JsonLines,
    /// A registered wasm plugin.
    Plugin {
        name: String,
        version: String,
        wasm_sha256: String,
    },
}

impl Adapter {
    /// Stable text used to key import batches: the same source through a different adapter
    /// is a different import.
    pub fn key(&self) -> String {
        match self {
            Adapter::JsonLines => "jsonl".to_owned(),
            Adapter::Plugin {
                name, wasm_sha256, ..
            } => format!("plugin:{name}:{wasm_sha256}"),
        }
    }
}

impl fmt::Display for Adapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Adapter::JsonLines => f.write_str("json-lines"),
            Adapter::Plugin { name, version, .. } => write!(f, "{name}@{version}"),
        }
    }
}

/// One revision of a record as the store keeps it. Revisions are immutable: a changed
/// record gets a new revision that supersedes the previous one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredRecord {
    pub schema_version: u32,
    pub id: RecordId,
    pub kind: RecordKind,
    /// 1 for the first revision.
    pub revision: u32,
    pub captured_at: jiff::Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_date: Option<Date>,
    pub content_hash: String,
    pub provenance: Provenance,
    pub draft: Draft,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_id_depends_on_every_part_of_its_key() {
        let base = RecordId::derive("customs", RecordKind::CustomsDeclaration, "D1/1");
        assert_eq!(
            base,
            RecordId::derive("customs", RecordKind::CustomsDeclaration, "D1/1")
        );
        assert_ne!(
            base,
            RecordId::derive("police", RecordKind::CustomsDeclaration, "D1/1")
        );
        assert_ne!(base, RecordId::derive("customs", RecordKind::Item, "D1/1"));
        assert_ne!(
            base,
            RecordId::derive("customs", RecordKind::CustomsDeclaration, "D1/2")
        );
        assert_eq!(RecordId::from_hex(&base.to_hex()), Some(base));
    }

    #[test]
    fn serial_normalization_ignores_case_and_punctuation() {
        assert_eq!(normalize_serial("ab-123 45"), "AB12345");
        assert_eq!(normalize_serial("AB12345"), "AB12345");
        assert_ne!(normalize_serial("AB12346"), "AB12345");
    }

    #[test]
    fn a_draft_line_round_trips_through_json() {
        let line = r#"{"agency":"police","source_ref":"C-1","record":{"kind":"item","make":"Glock","serial":"ab 1","recorded_date":"2026-03-01"}}"#;
        let draft: Draft = serde_json::from_str(line).expect("valid draft");
        assert_eq!(draft.record.kind(), RecordKind::Item);
        assert_eq!(serde_json::to_string(&draft).expect("serializes"), line);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let line = r#"{"agency":"police","source_ref":"C-1","record":{"kind":"item","make":"Glock","serial":"1","colour":"red"}}"#;
        let error = serde_json::from_str::<Draft>(line).expect_err("unknown field");
        assert!(error.to_string().contains("colour"), "{error}");
    }
}
