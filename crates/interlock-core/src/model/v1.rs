//! The record model as schema version 1 (interlock 0.1) wrote it, frozen, and its
//! upgrade to the current model. Stores keep revisions as they were written, forever: a
//! revision of schema 1 is read with these types, its content hash checked on its own
//! bytes, and converted with [`upgrade`] for everything else.
//!
//! Never change a type in this file: a store written ten years ago must still read.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::{
    AttachedDocument, CustomsProcedure, DeliveryVerification, Direction, EmbargoAuthority, Item,
    Money, PartyRole, PoliceEvent, Provenance, Quantity, RecordId, RecordKind, TraceStatus,
    is_false,
};
use crate::model as current;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// The agency that holds the record, as registered (e.g. `customs`, `licensing`, `police`).
    pub agency: String,
    /// The agency's own key for this record: licence number, declaration reference + item,
    /// case number. Unique per (agency, kind).
    pub source_ref: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub sensitive: bool,
    pub record: Body,
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

/// An export, import, transit, transshipment or brokering licence or permit, from
/// application to its end (ATT Art. 5-10, 12; Firearms Protocol Art. 10).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorization {
    pub reference: String,
    pub direction: Direction,
    pub status: current::AuthorizationStatus,
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

/// An arms embargo (ATT Art. 6(1)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Embargo {
    pub authority: EmbargoAuthority,
    /// The legal instrument, e.g. `UNSCR 1970 (2011)`.
    pub instrument: String,
    pub target_country: String,
    pub scope: EmbargoScopeV1,
    /// ATT category codes or control entry ids covered when `scope` is `categories`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    pub start: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbargoScopeV1 {
    AllArms,
    Categories,
}

/// Converts a schema-1 draft into the current model. Nothing is invented: fields the old
/// model did not have stay empty, and old fields map to their successors.
pub fn upgrade(draft: Draft) -> current::Draft {
    current::Draft {
        agency: draft.agency,
        source_ref: draft.source_ref,
        sensitive: draft.sensitive,
        record: upgrade_body(draft.record),
    }
}

/// A schema-1 revision in the current model, with the envelope unchanged.
pub fn upgrade_record(record: StoredRecord) -> current::StoredRecord {
    current::StoredRecord {
        schema_version: record.schema_version,
        id: record.id,
        kind: record.kind,
        revision: record.revision,
        captured_at: record.captured_at,
        event_date: record.event_date,
        content_hash: record.content_hash,
        provenance: record.provenance,
        draft: upgrade(record.draft),
    }
}

fn party(p: Party) -> current::Party {
    current::Party {
        role: p.role,
        name: p.name,
        party_type: None,
        address: p.address,
        country: p.country,
        identifiers: p
            .identifier
            .into_iter()
            .map(|value| current::PartyIdentifier {
                scheme: current::IdentifierScheme::Other,
                value,
            })
            .collect(),
    }
}

fn parties(parties: Vec<Party>) -> Vec<current::Party> {
    parties.into_iter().map(party).collect()
}

fn upgrade_body(body: Body) -> current::Body {
    match body {
        Body::Authorization(a) => {
            let countries = [
                (a.destination_countries, current::CountryRole::Destination),
                (a.origin_countries, current::CountryRole::Origin),
                (a.transit_countries, current::CountryRole::EnRoute),
            ]
            .into_iter()
            .flat_map(|(codes, role)| {
                codes
                    .into_iter()
                    .map(move |country| current::LicenceCountry {
                        country,
                        role,
                        prohibited: false,
                    })
            })
            .collect();
            current::Body::Authorization(current::Authorization {
                reference: a.reference,
                direction: a.direction,
                status: a.status,
                open: a.open,
                issuing_authority: a.issuing_authority,
                application_date: a.application_date,
                issue_date: a.issue_date,
                valid_from: a.valid_from,
                valid_until: a.valid_until,
                parties: parties(a.parties),
                countries,
                country_groups: Vec::new(),
                end_use: a.end_use,
                euc_reference: a.euc_reference,
                provisos: Vec::new(),
                refusal_reasons: a.refusal_reasons,
                refusal_criteria: Vec::new(),
                status_history: Vec::new(),
                message: None,
                lines: a
                    .lines
                    .into_iter()
                    .map(|line| current::AuthorizationLine {
                        line_no: line.line_no,
                        description: line.description,
                        control_entry: line.control_entry,
                        hs_code: line.hs_code,
                        controlled_by: None,
                        quantity: line.quantity,
                        value: line.value,
                        make: None,
                        model: None,
                        serial_numbers: line.serial_numbers,
                        serials_complete: false,
                    })
                    .collect(),
            })
        }
        Body::CustomsDeclaration(c) => {
            current::Body::CustomsDeclaration(current::CustomsDeclaration {
                declaration_ref: c.declaration_ref,
                item_no: c.item_no,
                procedure: c.procedure,
                customs_office: c.customs_office,
                date: c.date,
                status: None,
                exit_date: None,
                movement: None,
                parties: parties(c.parties),
                country_of_dispatch: c.country_of_dispatch,
                country_of_destination: c.country_of_destination,
                country_of_origin: c.country_of_origin,
                hs_code: c.hs_code,
                control_entry: None,
                control_entry_basis: None,
                description: c.description,
                quantity: c.quantity,
                value: c.value,
                statistical_value: None,
                serial_numbers: Vec::new(),
                attached_documents: c.attached_documents,
            })
        }
        Body::Item(i) => current::Body::Item(i),
        Body::PoliceCase(p) => current::Body::PoliceCase(current::PoliceCase {
            case_ref: p.case_ref,
            police_agency: p.police_agency,
            date: p.date,
            location: p.location,
            country: p.country,
            event: p.event,
            items: p.items,
            parties: parties(p.parties),
            trace_status: p.trace_status,
            trace_counterpart: p.trace_counterpart,
        }),
        Body::EndUserCertificate(e) => {
            current::Body::EndUserCertificate(current::EndUserCertificate {
                reference: e.reference,
                issuing_country: e.issuing_country,
                issuing_authority: e.issuing_authority,
                date: e.date,
                end_user: party(e.end_user),
                goods_description: e.goods_description,
                end_use: e.end_use,
                no_reexport_clause: e.no_reexport_clause,
                authorization_ref: e.authorization_ref,
            })
        }
        Body::DeliveryVerification(d) => current::Body::DeliveryVerification(d),
        Body::Denial(d) => current::Body::Denial(current::Denial {
            reference: d.reference,
            notifying_country: d.notifying_country,
            regime: None,
            date: d.date,
            reason: d.reason,
            criteria: Vec::new(),
            control_entries: d.control_entry.into_iter().collect(),
            item_description: d.item_description,
            end_use: None,
            destination_country: d.destination_country,
            entities: parties(d.entities),
            revoked: d.revoked,
            revoked_on: None,
            expires: None,
        }),
        Body::Embargo(e) => {
            // Schema 1 kept ATT scopes and control entries in one list.
            let (att_scopes, control_entries) = e
                .categories
                .into_iter()
                .partition(|code| code.parse::<crate::control_list::AttScope>().is_ok());
            current::Body::Embargo(current::Embargo {
                authority: e.authority,
                instrument: e.instrument,
                target_country: Some(e.target_country),
                target_entities: Vec::new(),
                direction: current::EmbargoDirection::Supply,
                scope: match e.scope {
                    EmbargoScopeV1::AllArms => current::EmbargoScope::AllArms,
                    EmbargoScopeV1::Categories => current::EmbargoScope::Listed,
                },
                att_scopes,
                control_entries,
                start: e.start,
                end: e.end,
                exemptions: Vec::new(),
                amendments: Vec::new(),
                notes: e.notes,
            })
        }
    }
}
