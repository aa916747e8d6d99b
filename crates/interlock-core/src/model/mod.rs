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

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod customs;
mod licensing;
mod party;
mod police;
mod reported;
mod screening;
pub mod v1;

pub use customs::{
    AttachedDocument, ClassificationBasis, CustomsDeclaration, CustomsProcedure, DeclarationStatus,
    Movement,
};
pub use licensing::{
    Authorization, AuthorizationLine, AuthorizationStatus, ControlledBy, CountryGroup, CountryRole,
    CustomsLicenceState, CustomsLicenceStatus, Direction, LicenceAction, LicenceCountry,
    LicenceUsage, MessageOrder, ReportedLineTotal, StatusChange, StatusEvent, UsageKey, UsageType,
};
pub use party::{
    IdentifierScheme, Party, PartyIdentifier, PartyRole, PartyType, normalize_party_name,
};
pub use police::{
    DeliveryVerification, EndUserCertificate, ImportMark, Item, PoliceCase, PoliceEvent,
    TraceStatus, VerifiedLine, normalize_serial,
};
pub use reported::{
    Counterpart, ReportedTransfer, ReportingSource, ReportingSourceKind, YearlyDelivery,
};
pub use screening::{
    Criterion, Denial, Embargo, EmbargoAmendment, EmbargoAuthority, EmbargoDirection,
    EmbargoExemption, EmbargoScope,
};

/// Version of the record schema written into every stored record. Bump it when a stored
/// record's JSON shape changes incompatibly, and teach the reader the old shape.
pub const RECORD_SCHEMA_VERSION: u32 = 2;

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
    /// The agency considers the record commercially sensitive or a national-security
    /// matter (ATT Art. 13(3)). A hint only: withholding a record from a published report
    /// is the reporting authority's decision, kept as a separate withholding annotation.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sensitive: bool,
    /// The record itself, tagged by `kind`.
    pub record: Body,
}

pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}

impl Draft {
    pub fn id(&self) -> RecordId {
        RecordId::derive(&self.agency, self.record.kind(), &self.source_ref)
    }

    /// SHA-256 over the canonical JSON of what the adapter said. Two drafts with the same
    /// hash carry the same information, so re-importing them adds nothing.
    pub fn content_hash(&self) -> String {
        sha256_hex(&self.canonical_json())
    }

    /// The draft as the bytes its content hash is computed over, and as a revision keeps
    /// it. Struct fields serialize in declaration order and the model has no hash maps, so
    /// serde_json's output is canonical for a given schema version.
    pub fn canonical_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
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
    LicenceUsage,
    CustomsLicenceStatus,
    ReportedTransfer,
}

impl RecordKind {
    pub const ALL: [RecordKind; 11] = [
        RecordKind::Authorization,
        RecordKind::CustomsDeclaration,
        RecordKind::Item,
        RecordKind::PoliceCase,
        RecordKind::EndUserCertificate,
        RecordKind::DeliveryVerification,
        RecordKind::Denial,
        RecordKind::Embargo,
        RecordKind::LicenceUsage,
        RecordKind::CustomsLicenceStatus,
        RecordKind::ReportedTransfer,
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
            RecordKind::LicenceUsage => "licence_usage",
            RecordKind::CustomsLicenceStatus => "customs_licence_status",
            RecordKind::ReportedTransfer => "reported_transfer",
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
    /// Not a record of its own: the store applies it to the licence it names, as a new
    /// revision of that authorization (see [`StatusChange`]).
    AuthorizationStatusChange(StatusChange),
    CustomsDeclaration(CustomsDeclaration),
    Item(Item),
    PoliceCase(PoliceCase),
    EndUserCertificate(EndUserCertificate),
    DeliveryVerification(DeliveryVerification),
    Denial(Denial),
    Embargo(Embargo),
    LicenceUsage(LicenceUsage),
    CustomsLicenceStatus(CustomsLicenceStatus),
    ReportedTransfer(ReportedTransfer),
}

impl Body {
    pub fn kind(&self) -> RecordKind {
        match self {
            Body::Authorization(_) | Body::AuthorizationStatusChange(_) => {
                RecordKind::Authorization
            }
            Body::CustomsDeclaration(_) => RecordKind::CustomsDeclaration,
            Body::Item(_) => RecordKind::Item,
            Body::PoliceCase(_) => RecordKind::PoliceCase,
            Body::EndUserCertificate(_) => RecordKind::EndUserCertificate,
            Body::DeliveryVerification(_) => RecordKind::DeliveryVerification,
            Body::Denial(_) => RecordKind::Denial,
            Body::Embargo(_) => RecordKind::Embargo,
            Body::LicenceUsage(_) => RecordKind::LicenceUsage,
            Body::CustomsLicenceStatus(_) => RecordKind::CustomsLicenceStatus,
            Body::ReportedTransfer(_) => RecordKind::ReportedTransfer,
        }
    }

    /// The date the record is about: it selects the control list version in force and
    /// places the record in a reporting year. `None` only for an item without any date and
    /// a reported transfer without any year. Reported transfers have year precision: their
    /// date is 1 January of their first delivery year (else the order year).
    pub fn event_date(&self) -> Option<Date> {
        match self {
            Body::Authorization(a) => a.issue_date.or(a.application_date),
            Body::AuthorizationStatusChange(s) => Some(s.event.effective),
            Body::CustomsDeclaration(c) => Some(c.date),
            Body::Item(i) => i.recorded_date,
            Body::PoliceCase(p) => Some(p.date),
            Body::EndUserCertificate(e) => Some(e.date),
            Body::DeliveryVerification(d) => Some(d.date),
            Body::Denial(d) => Some(d.date),
            Body::Embargo(e) => Some(e.start),
            Body::LicenceUsage(u) => Some(u.date),
            Body::CustomsLicenceStatus(s) => Some(s.as_of),
            Body::ReportedTransfer(t) => t.year().and_then(|year| Date::new(year, 1, 1).ok()),
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
    /// The number of units, a non-negative decimal.
    pub amount: Decimal,
    /// UN/ECE Recommendation 20 code, e.g. `NAR` (number of articles), `KGM`.
    pub unit: String,
}

/// An amount of money with its ISO 4217 currency code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// A non-negative decimal in `currency`.
    pub amount: Decimal,
    /// ISO 4217 code, e.g. `GBP`.
    pub currency: String,
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
        /// The options the record manager gave (`--option key=value`): the same file read
        /// with other options is another import.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        options: BTreeMap<String, String>,
    },
}

impl Adapter {
    /// Stable text used to key import batches: the same source through a different adapter
    /// is a different import.
    pub fn key(&self) -> String {
        match self {
            Adapter::JsonLines => "jsonl".to_owned(),
            Adapter::Plugin {
                name,
                wasm_sha256,
                options,
                ..
            } => {
                let mut key = format!("plugin:{name}:{wasm_sha256}");
                if !options.is_empty() {
                    // JSON of a sorted map: unambiguous whatever the keys and values hold.
                    key.push(':');
                    key.push_str(&serde_json::to_string(options).unwrap_or_default());
                }
                key
            }
        }
    }
}

impl fmt::Display for Adapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Adapter::JsonLines => f.write_str("json-lines"),
            Adapter::Plugin {
                name,
                version,
                options,
                ..
            } => {
                write!(f, "{name}@{version}")?;
                for (key, value) in options {
                    write!(f, " {key}={value}")?;
                }
                Ok(())
            }
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

impl StoredRecord {
    /// The content hash the revision would have if written by this release: the stored one
    /// for the current schema, recomputed from the upgraded draft for an older schema. A
    /// re-import compares with this, so an old revision that upgrades to the same content
    /// is unchanged.
    pub fn content_hash_in_current_schema(&self) -> std::borrow::Cow<'_, str> {
        if self.schema_version == RECORD_SCHEMA_VERSION {
            std::borrow::Cow::Borrowed(&self.content_hash)
        } else {
            std::borrow::Cow::Owned(self.draft.content_hash())
        }
    }
}

/// Reads a draft's canonical JSON as written under `record_schema`: schema 1 with the
/// frozen [`v1`] types, upgraded; the current schema as it is.
pub fn decode_draft(record_schema: u32, json: &[u8]) -> Result<Draft, serde_json::Error> {
    if record_schema == v1::SCHEMA_VERSION {
        return Ok(v1::upgrade(serde_json::from_slice(json)?));
    }
    serde_json::from_slice(json)
}

/// Reads a revision as store schemas 1 and 2 kept it (one JSON document with its whole
/// provenance), whatever record schema wrote it: schema 1 is read with the frozen [`v1`]
/// types and upgraded; the content hash stays the one computed when the revision was
/// written. Only `interlock migrate` reads this form.
pub fn decode_revision(bytes: &[u8]) -> Result<StoredRecord, serde_json::Error> {
    #[derive(Deserialize)]
    struct SchemaOnly {
        schema_version: u32,
    }
    let SchemaOnly { schema_version } = serde_json::from_slice(bytes)?;
    if schema_version == v1::SCHEMA_VERSION {
        let old: v1::StoredRecord = serde_json::from_slice(bytes)?;
        return Ok(v1::upgrade_record(old));
    }
    serde_json::from_slice(bytes)
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
