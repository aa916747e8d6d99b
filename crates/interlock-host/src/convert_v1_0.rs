//! Converts interface 1.0's records into the core model. The 1.0 types are first turned into
//! the frozen schema-1 model (`interlock_core::model::v1`, which they mirror field for
//! field) and then upgraded with `v1::upgrade`, the one mapping from old fields to new:
//! a 1.0 plugin's records are exactly what a schema-1 record read back from a store becomes.
//! Parsing (dates, decimals) shares [`Cx`] with the 1.1 converter, so the diagnostics read
//! the same.

use interlock_core::Diagnostic;
use interlock_core::model::{self as m, v1};

use crate::convert::{self, Cx, Field};
use crate::since_v1_0::wit;

/// Converts one 1.0 draft into the current model.
pub fn draft(draft: wit::Draft) -> Result<(m::Draft, Option<u64>), Vec<Diagnostic>> {
    let mut cx = Cx::default();
    let line = draft.line;
    let record = body(&mut cx, draft.record);
    cx.finish(line)?;
    let old = v1::Draft {
        agency: draft.agency,
        source_ref: draft.source_ref,
        sensitive: draft.sensitive,
        record,
    };
    Ok((v1::upgrade(old), line))
}

pub fn diagnostic(d: wit::Diagnostic) -> Diagnostic {
    Diagnostic {
        severity: match d.severity {
            wit::Severity::Info => interlock_core::Severity::Info,
            wit::Severity::Warning => interlock_core::Severity::Warning,
            wit::Severity::Error => interlock_core::Severity::Error,
        },
        line: d.line,
        field: d.field,
        code: d.code,
        message: d.message,
    }
}

/// The agency kind as the CLI and the plugin registry spell it.
pub fn agency(kind: wit::AgencyKind) -> &'static str {
    match kind {
        wit::AgencyKind::Customs => "customs",
        wit::AgencyKind::Licensing => "licensing",
        wit::AgencyKind::Police => "police",
        wit::AgencyKind::Other => "other",
    }
}

/// A plugin's own error, in the same words as for 1.1 plugins.
pub fn plugin_error(error: wit::PluginError) -> (String, Option<u64>) {
    match error {
        wit::PluginError::UnsupportedFormat(message) => convert::unsupported(&message),
        wit::PluginError::Malformed(d) => convert::malformed(diagnostic(d)),
        wit::PluginError::Internal(message) => convert::internal(&message),
    }
}

fn quantity<'f>(
    cx: &mut Cx,
    field: impl Into<Field<'f>>,
    q: Option<wit::Quantity>,
) -> Option<m::Quantity> {
    let field: Field<'_> = field.into();
    q.map(|q| cx.quantity_of(field, &q.amount, q.unit))
}

fn money<'f>(cx: &mut Cx, field: impl Into<Field<'f>>, v: Option<wit::Money>) -> Option<m::Money> {
    let field: Field<'_> = field.into();
    v.map(|v| cx.money_of(field, &v.amount, v.currency))
}

fn party(p: wit::Party) -> v1::Party {
    use wit::PartyRole as W;
    v1::Party {
        role: match p.role {
            W::Exporter => m::PartyRole::Exporter,
            W::Importer => m::PartyRole::Importer,
            W::Consignee => m::PartyRole::Consignee,
            W::EndUser => m::PartyRole::EndUser,
            W::UltimateEndUser => m::PartyRole::UltimateEndUser,
            W::Broker => m::PartyRole::Broker,
            W::IntermediateConsignee => m::PartyRole::IntermediateConsignee,
            W::Declarant => m::PartyRole::Declarant,
            W::Manufacturer => m::PartyRole::Manufacturer,
            W::Carrier => m::PartyRole::Carrier,
            W::Suspect => m::PartyRole::Suspect,
            W::Owner => m::PartyRole::Owner,
            W::Other => m::PartyRole::Other,
        },
        name: p.name,
        address: p.address,
        country: p.country,
        identifier: p.identifier,
    }
}

fn parties(parties: Vec<wit::Party>) -> Vec<v1::Party> {
    parties.into_iter().map(party).collect()
}

fn item<'f>(cx: &mut Cx, field: impl Into<Field<'f>>, i: wit::Item) -> m::Item {
    let field: Field<'_> = field.into();
    m::Item {
        make: i.make,
        model: i.model,
        calibre: i.calibre,
        item_type: i.item_type,
        serial: i.serial,
        country_of_manufacture: i.country_of_manufacture,
        year_of_manufacture: i.year_of_manufacture,
        import_mark: i.import_mark.map(|mark| m::ImportMark {
            country: mark.country,
            year: mark.year,
        }),
        other_marks: i.other_marks,
        control_entry: i.control_entry,
        recorded_date: cx.opt_date(Field::Member(&field, "recorded_date"), i.recorded_date),
    }
}

fn authorization(cx: &mut Cx, a: wit::Authorization) -> v1::Authorization {
    use wit::AuthorizationStatus as S;
    let lines = a
        .lines
        .into_iter()
        .enumerate()
        .map(|(index, line)| {
            let field = Field::Index(&Field::Name("record.lines"), index);
            v1::AuthorizationLine {
                line_no: line.line_no,
                description: line.description,
                control_entry: line.control_entry,
                hs_code: line.hs_code,
                quantity: quantity(cx, Field::Member(&field, "quantity"), line.quantity),
                value: money(cx, Field::Member(&field, "value"), line.value),
                serial_numbers: line.serial_numbers,
            }
        })
        .collect();
    v1::Authorization {
        reference: a.reference,
        direction: match a.direction {
            wit::Direction::Export => m::Direction::Export,
            wit::Direction::Import => m::Direction::Import,
            wit::Direction::Transit => m::Direction::Transit,
            wit::Direction::Transshipment => m::Direction::Transshipment,
            wit::Direction::Brokering => m::Direction::Brokering,
        },
        status: match a.status {
            S::Applied => m::AuthorizationStatus::Applied,
            S::Issued => m::AuthorizationStatus::Issued,
            S::Refused => m::AuthorizationStatus::Refused,
            S::Suspended => m::AuthorizationStatus::Suspended,
            S::Revoked => m::AuthorizationStatus::Revoked,
            S::Surrendered => m::AuthorizationStatus::Surrendered,
            S::Exhausted => m::AuthorizationStatus::Exhausted,
            S::Expired => m::AuthorizationStatus::Expired,
            S::Cancelled => m::AuthorizationStatus::Cancelled,
        },
        open: a.open,
        issuing_authority: a.issuing_authority,
        application_date: cx.opt_date("record.application_date", a.application_date),
        issue_date: cx.opt_date("record.issue_date", a.issue_date),
        valid_from: cx.opt_date("record.valid_from", a.valid_from),
        valid_until: cx.opt_date("record.valid_until", a.valid_until),
        parties: parties(a.parties),
        destination_countries: a.destination_countries,
        origin_countries: a.origin_countries,
        transit_countries: a.transit_countries,
        end_use: a.end_use,
        euc_reference: a.euc_reference,
        refusal_reasons: a.refusal_reasons,
        lines,
    }
}

fn customs_declaration(cx: &mut Cx, c: wit::CustomsDeclaration) -> v1::CustomsDeclaration {
    let attached_documents = c
        .attached_documents
        .into_iter()
        .enumerate()
        .map(|(index, d)| {
            let field = Field::Index(&Field::Name("record.attached_documents"), index);
            m::AttachedDocument {
                code: d.code,
                authorization_ref: d.authorization_ref,
                line_no: d.line_no,
                quantity_written_off: quantity(
                    cx,
                    Field::Member(&field, "quantity_written_off"),
                    d.quantity_written_off,
                ),
                value_written_off: money(
                    cx,
                    Field::Member(&field, "value_written_off"),
                    d.value_written_off,
                ),
            }
        })
        .collect();
    v1::CustomsDeclaration {
        declaration_ref: c.declaration_ref,
        item_no: c.item_no,
        procedure: match c.procedure {
            wit::CustomsProcedure::Export => m::CustomsProcedure::Export,
            wit::CustomsProcedure::Import => m::CustomsProcedure::Import,
            wit::CustomsProcedure::Transit => m::CustomsProcedure::Transit,
            wit::CustomsProcedure::ReExport => m::CustomsProcedure::ReExport,
        },
        customs_office: c.customs_office,
        date: cx.date("record.date", &c.date),
        parties: parties(c.parties),
        country_of_dispatch: c.country_of_dispatch,
        country_of_destination: c.country_of_destination,
        country_of_origin: c.country_of_origin,
        hs_code: c.hs_code,
        description: c.description,
        quantity: quantity(cx, "record.quantity", c.quantity),
        value: money(cx, "record.value", c.value),
        attached_documents,
    }
}

fn police_case(cx: &mut Cx, p: wit::PoliceCase) -> v1::PoliceCase {
    use wit::PoliceEvent as E;
    use wit::TraceStatus as T;
    let items = p
        .items
        .into_iter()
        .enumerate()
        .map(|(index, i)| item(cx, Field::Index(&Field::Name("record.items"), index), i))
        .collect();
    v1::PoliceCase {
        case_ref: p.case_ref,
        police_agency: p.police_agency,
        date: cx.date("record.date", &p.date),
        location: p.location,
        country: p.country,
        event: match p.event {
            E::Seizure => m::PoliceEvent::Seizure,
            E::Loss => m::PoliceEvent::Loss,
            E::Theft => m::PoliceEvent::Theft,
            E::Recovery => m::PoliceEvent::Recovery,
            E::TraceRequestSent => m::PoliceEvent::TraceRequestSent,
            E::TraceRequestReceived => m::PoliceEvent::TraceRequestReceived,
        },
        items,
        parties: parties(p.parties),
        trace_status: p.trace_status.map(|s| match s {
            T::NotRequested => m::TraceStatus::NotRequested,
            T::Pending => m::TraceStatus::Pending,
            T::Traced => m::TraceStatus::Traced,
            T::Untraceable => m::TraceStatus::Untraceable,
            T::Closed => m::TraceStatus::Closed,
        }),
        trace_counterpart: p.trace_counterpart,
    }
}

fn body(cx: &mut Cx, body: wit::Body) -> v1::Body {
    match body {
        wit::Body::Authorization(a) => v1::Body::Authorization(authorization(cx, a)),
        wit::Body::CustomsDeclaration(c) => {
            v1::Body::CustomsDeclaration(customs_declaration(cx, c))
        }
        wit::Body::Item(i) => v1::Body::Item(item(cx, "record", i)),
        wit::Body::PoliceCase(p) => v1::Body::PoliceCase(police_case(cx, p)),
        wit::Body::EndUserCertificate(e) => v1::Body::EndUserCertificate(v1::EndUserCertificate {
            reference: e.reference,
            issuing_country: e.issuing_country,
            issuing_authority: e.issuing_authority,
            date: cx.date("record.date", &e.date),
            end_user: party(e.end_user),
            goods_description: e.goods_description,
            end_use: e.end_use,
            no_reexport_clause: e.no_reexport_clause,
            authorization_ref: e.authorization_ref,
        }),
        wit::Body::DeliveryVerification(d) => {
            let lines = d
                .lines
                .into_iter()
                .enumerate()
                .map(|(index, line)| m::VerifiedLine {
                    line_no: line.line_no,
                    quantity_received: cx.quantity_of(
                        Field::Member(
                            &Field::Index(&Field::Name("record.lines"), index),
                            "quantity_received",
                        ),
                        &line.quantity_received.amount,
                        line.quantity_received.unit,
                    ),
                })
                .collect();
            v1::Body::DeliveryVerification(m::DeliveryVerification {
                reference: d.reference,
                issuing_country: d.issuing_country,
                date: cx.date("record.date", &d.date),
                authorization_ref: d.authorization_ref,
                declaration_refs: d.declaration_refs,
                lines,
            })
        }
        wit::Body::Denial(d) => v1::Body::Denial(v1::Denial {
            reference: d.reference,
            notifying_country: d.notifying_country,
            date: cx.date("record.date", &d.date),
            reason: d.reason,
            control_entry: d.control_entry,
            item_description: d.item_description,
            destination_country: d.destination_country,
            entities: parties(d.entities),
            revoked: d.revoked,
        }),
        wit::Body::Embargo(e) => v1::Body::Embargo(v1::Embargo {
            authority: match e.authority {
                wit::EmbargoAuthority::UnSecurityCouncil => m::EmbargoAuthority::UnSecurityCouncil,
                wit::EmbargoAuthority::EuropeanUnion => m::EmbargoAuthority::EuropeanUnion,
                wit::EmbargoAuthority::Osce => m::EmbargoAuthority::Osce,
                wit::EmbargoAuthority::National => m::EmbargoAuthority::National,
                wit::EmbargoAuthority::Other => m::EmbargoAuthority::Other,
            },
            instrument: e.instrument,
            target_country: e.target_country,
            scope: match e.scope {
                wit::EmbargoScope::AllArms => v1::EmbargoScopeV1::AllArms,
                wit::EmbargoScope::Categories => v1::EmbargoScopeV1::Categories,
            },
            categories: e.categories,
            start: cx.date("record.start", &e.start),
            end: cx.opt_date("record.end", e.end),
            notes: e.notes,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn licence(date: &str) -> wit::Draft {
        wit::Draft {
            agency: "licensing".to_owned(),
            source_ref: "L/1".to_owned(),
            sensitive: false,
            record: wit::Body::Authorization(wit::Authorization {
                reference: "L/1".to_owned(),
                direction: wit::Direction::Export,
                status: wit::AuthorizationStatus::Issued,
                open: false,
                issuing_authority: "ECJU".to_owned(),
                application_date: None,
                issue_date: Some(date.to_owned()),
                valid_from: None,
                valid_until: None,
                parties: vec![wit::Party {
                    role: wit::PartyRole::Consignee,
                    name: "Forsvarsmateriell".to_owned(),
                    address: None,
                    country: Some("NO".to_owned()),
                    identifier: Some("NO974760843".to_owned()),
                }],
                destination_countries: vec!["NO".to_owned()],
                origin_countries: Vec::new(),
                transit_countries: vec!["DK".to_owned()],
                end_use: None,
                euc_reference: None,
                refusal_reasons: Vec::new(),
                lines: Vec::new(),
            }),
            line: Some(4),
        }
    }

    #[test]
    fn a_1_0_licence_is_upgraded_as_schema_1_would_be() {
        let (draft, line) = draft(licence("2026-02-01")).expect("converts");
        assert_eq!(line, Some(4));
        let m::Body::Authorization(a) = draft.record else {
            panic!("not a licence: {draft:?}");
        };
        let countries: Vec<(&str, m::CountryRole)> = a
            .countries
            .iter()
            .map(|c| (c.country.as_str(), c.role))
            .collect();
        assert_eq!(
            countries,
            [
                ("NO", m::CountryRole::Destination),
                ("DK", m::CountryRole::EnRoute)
            ]
        );
        assert_eq!(
            a.parties[0].identifiers,
            [m::PartyIdentifier {
                scheme: m::IdentifierScheme::Other,
                value: "NO974760843".to_owned()
            }]
        );
    }

    #[test]
    fn a_bad_1_0_date_is_a_diagnostic_naming_the_field() {
        let problems = draft(licence("1 Feb 2026")).expect_err("bad date");
        assert_eq!(problems[0].field.as_deref(), Some("record.issue_date"));
        assert_eq!(problems[0].line, Some(4));
    }
}
