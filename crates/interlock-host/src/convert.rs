//! Converts the newest interface's records into the core model, in one place. Text the host
//! must parse (dates, decimals) is checked here; a bad value becomes a diagnostic on the
//! draft's line naming the field path, never a panic. The core's validation (countries,
//! currencies, units, control entries, ...) runs later, on every import path alike.

use interlock_core::Diagnostic;
use interlock_core::model as m;

use crate::since_v1_0::wit;

/// Converts one WIT draft. Text the host must parse (dates, decimals) is checked here;
/// a bad value becomes a diagnostic on the draft's line naming the field, never a panic.
pub fn draft(draft: wit::Draft) -> Result<(m::Draft, Option<u64>), Vec<Diagnostic>> {
    let mut cx = Cx {
        problems: Vec::new(),
    };
    let line = draft.line;
    let record = cx.body(draft.record);
    if !cx.problems.is_empty() {
        return Err(cx
            .problems
            .into_iter()
            .map(|(field, message)| Diagnostic::error(field, "plugin-value", message).at_line(line))
            .collect());
    }
    Ok((
        m::Draft {
            agency: draft.agency,
            source_ref: draft.source_ref,
            sensitive: draft.sensitive,
            record,
        },
        line,
    ))
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

struct Cx {
    problems: Vec<(String, String)>,
}

impl Cx {
    fn date(&mut self, field: &str, text: &str) -> jiff::civil::Date {
        match text.trim().parse() {
            Ok(date) => date,
            Err(_) => {
                self.problems.push((
                    field.to_owned(),
                    format!("`{text}` is not an ISO 8601 date (YYYY-MM-DD)"),
                ));
                jiff::civil::Date::constant(1970, 1, 1)
            }
        }
    }

    fn opt_date(&mut self, field: &str, text: Option<String>) -> Option<jiff::civil::Date> {
        text.map(|t| self.date(field, &t))
    }

    fn decimal(&mut self, field: &str, text: &str) -> rust_decimal::Decimal {
        match text.trim().parse() {
            Ok(value) => value,
            Err(_) => {
                self.problems.push((
                    field.to_owned(),
                    format!("`{text}` is not a decimal number"),
                ));
                rust_decimal::Decimal::ZERO
            }
        }
    }

    fn quantity(&mut self, field: &str, q: Option<wit::Quantity>) -> Option<m::Quantity> {
        q.map(|q| m::Quantity {
            amount: self.decimal(&format!("{field}.amount"), &q.amount),
            unit: q.unit,
        })
    }

    fn money(&mut self, field: &str, v: Option<wit::Money>) -> Option<m::Money> {
        v.map(|v| m::Money {
            amount: self.decimal(&format!("{field}.amount"), &v.amount),
            currency: v.currency,
        })
    }

    fn party(p: wit::Party) -> m::Party {
        use wit::PartyRole as W;
        m::Party {
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

    fn parties(parties: Vec<wit::Party>) -> Vec<m::Party> {
        parties.into_iter().map(Self::party).collect()
    }

    fn item(&mut self, field: &str, i: wit::Item) -> m::Item {
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
            recorded_date: self.opt_date(&format!("{field}.recorded_date"), i.recorded_date),
        }
    }

    fn body(&mut self, body: wit::Body) -> m::Body {
        match body {
            wit::Body::Authorization(a) => {
                use wit::AuthorizationStatus as S;
                let lines = a
                    .lines
                    .into_iter()
                    .enumerate()
                    .map(|(index, line)| {
                        let field = format!("record.lines[{index}]");
                        m::AuthorizationLine {
                            line_no: line.line_no,
                            description: line.description,
                            control_entry: line.control_entry,
                            hs_code: line.hs_code,
                            quantity: self.quantity(&format!("{field}.quantity"), line.quantity),
                            value: self.money(&format!("{field}.value"), line.value),
                            serial_numbers: line.serial_numbers,
                        }
                    })
                    .collect();
                m::Body::Authorization(m::Authorization {
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
                    application_date: self.opt_date("record.application_date", a.application_date),
                    issue_date: self.opt_date("record.issue_date", a.issue_date),
                    valid_from: self.opt_date("record.valid_from", a.valid_from),
                    valid_until: self.opt_date("record.valid_until", a.valid_until),
                    parties: Self::parties(a.parties),
                    destination_countries: a.destination_countries,
                    origin_countries: a.origin_countries,
                    transit_countries: a.transit_countries,
                    end_use: a.end_use,
                    euc_reference: a.euc_reference,
                    refusal_reasons: a.refusal_reasons,
                    lines,
                })
            }
            wit::Body::CustomsDeclaration(c) => {
                let attached_documents = c
                    .attached_documents
                    .into_iter()
                    .enumerate()
                    .map(|(index, d)| {
                        let field = format!("record.attached_documents[{index}]");
                        m::AttachedDocument {
                            code: d.code,
                            authorization_ref: d.authorization_ref,
                            line_no: d.line_no,
                            quantity_written_off: self.quantity(
                                &format!("{field}.quantity_written_off"),
                                d.quantity_written_off,
                            ),
                            value_written_off: self
                                .money(&format!("{field}.value_written_off"), d.value_written_off),
                        }
                    })
                    .collect();
                m::Body::CustomsDeclaration(m::CustomsDeclaration {
                    declaration_ref: c.declaration_ref,
                    item_no: c.item_no,
                    procedure: match c.procedure {
                        wit::CustomsProcedure::Export => m::CustomsProcedure::Export,
                        wit::CustomsProcedure::Import => m::CustomsProcedure::Import,
                        wit::CustomsProcedure::Transit => m::CustomsProcedure::Transit,
                        wit::CustomsProcedure::ReExport => m::CustomsProcedure::ReExport,
                    },
                    customs_office: c.customs_office,
                    date: self.date("record.date", &c.date),
                    parties: Self::parties(c.parties),
                    country_of_dispatch: c.country_of_dispatch,
                    country_of_destination: c.country_of_destination,
                    country_of_origin: c.country_of_origin,
                    hs_code: c.hs_code,
                    description: c.description,
                    quantity: self.quantity("record.quantity", c.quantity),
                    value: self.money("record.value", c.value),
                    attached_documents,
                })
            }
            wit::Body::Item(i) => m::Body::Item(self.item("record", i)),
            wit::Body::PoliceCase(p) => {
                use wit::PoliceEvent as E;
                use wit::TraceStatus as T;
                let items = p
                    .items
                    .into_iter()
                    .enumerate()
                    .map(|(index, item)| self.item(&format!("record.items[{index}]"), item))
                    .collect();
                m::Body::PoliceCase(m::PoliceCase {
                    case_ref: p.case_ref,
                    police_agency: p.police_agency,
                    date: self.date("record.date", &p.date),
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
                    parties: Self::parties(p.parties),
                    trace_status: p.trace_status.map(|s| match s {
                        T::NotRequested => m::TraceStatus::NotRequested,
                        T::Pending => m::TraceStatus::Pending,
                        T::Traced => m::TraceStatus::Traced,
                        T::Untraceable => m::TraceStatus::Untraceable,
                        T::Closed => m::TraceStatus::Closed,
                    }),
                    trace_counterpart: p.trace_counterpart,
                })
            }
            wit::Body::EndUserCertificate(e) => {
                m::Body::EndUserCertificate(m::EndUserCertificate {
                    reference: e.reference,
                    issuing_country: e.issuing_country,
                    issuing_authority: e.issuing_authority,
                    date: self.date("record.date", &e.date),
                    end_user: Self::party(e.end_user),
                    goods_description: e.goods_description,
                    end_use: e.end_use,
                    no_reexport_clause: e.no_reexport_clause,
                    authorization_ref: e.authorization_ref,
                })
            }
            wit::Body::DeliveryVerification(d) => {
                let lines = d
                    .lines
                    .into_iter()
                    .enumerate()
                    .map(|(index, line)| m::VerifiedLine {
                        line_no: line.line_no,
                        quantity_received: m::Quantity {
                            amount: self.decimal(
                                &format!("record.lines[{index}].quantity_received.amount"),
                                &line.quantity_received.amount,
                            ),
                            unit: line.quantity_received.unit,
                        },
                    })
                    .collect();
                m::Body::DeliveryVerification(m::DeliveryVerification {
                    reference: d.reference,
                    issuing_country: d.issuing_country,
                    date: self.date("record.date", &d.date),
                    authorization_ref: d.authorization_ref,
                    declaration_refs: d.declaration_refs,
                    lines,
                })
            }
            wit::Body::Denial(d) => m::Body::Denial(m::Denial {
                reference: d.reference,
                notifying_country: d.notifying_country,
                date: self.date("record.date", &d.date),
                reason: d.reason,
                control_entry: d.control_entry,
                item_description: d.item_description,
                destination_country: d.destination_country,
                entities: Self::parties(d.entities),
                revoked: d.revoked,
            }),
            wit::Body::Embargo(e) => m::Body::Embargo(m::Embargo {
                authority: match e.authority {
                    wit::EmbargoAuthority::UnSecurityCouncil => {
                        m::EmbargoAuthority::UnSecurityCouncil
                    }
                    wit::EmbargoAuthority::EuropeanUnion => m::EmbargoAuthority::EuropeanUnion,
                    wit::EmbargoAuthority::Osce => m::EmbargoAuthority::Osce,
                    wit::EmbargoAuthority::National => m::EmbargoAuthority::National,
                    wit::EmbargoAuthority::Other => m::EmbargoAuthority::Other,
                },
                instrument: e.instrument,
                target_country: e.target_country,
                scope: match e.scope {
                    wit::EmbargoScope::AllArms => m::EmbargoScope::AllArms,
                    wit::EmbargoScope::Categories => m::EmbargoScope::Categories,
                },
                categories: e.categories,
                start: self.date("record.start", &e.start),
                end: self.opt_date("record.end", e.end),
                notes: e.notes,
            }),
        }
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

/// A plugin's own error, in words for the record manager; the line where the plugin says.
pub fn plugin_error(error: wit::PluginError) -> (String, Option<u64>) {
    match error {
        wit::PluginError::UnsupportedFormat(message) => {
            (format!("not a format this plugin reads: {message}"), None)
        }
        wit::PluginError::Malformed(d) => {
            let d = diagnostic(d);
            let line = d.line;
            let field = d
                .field
                .as_deref()
                .map(|f| format!("{f}: "))
                .unwrap_or_default();
            (format!("malformed input: {field}{}", d.message), line)
        }
        wit::PluginError::Internal(message) => (format!("internal plugin error: {message}"), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(date: &str) -> wit::Draft {
        wit::Draft {
            agency: "police".to_owned(),
            source_ref: "Glock/1".to_owned(),
            sensitive: false,
            record: wit::Body::PoliceCase(wit::PoliceCase {
                case_ref: "C-1".to_owned(),
                police_agency: "NPFU".to_owned(),
                date: "2026-06-14".to_owned(),
                location: None,
                country: Some("GB".to_owned()),
                event: wit::PoliceEvent::Seizure,
                items: vec![wit::Item {
                    make: "Glock".to_owned(),
                    model: None,
                    calibre: None,
                    item_type: None,
                    serial: "1".to_owned(),
                    country_of_manufacture: None,
                    year_of_manufacture: None,
                    import_mark: None,
                    other_marks: Vec::new(),
                    control_entry: None,
                    recorded_date: Some(date.to_owned()),
                }],
                parties: Vec::new(),
                trace_status: None,
                trace_counterpart: None,
            }),
            line: Some(7),
        }
    }

    #[test]
    fn a_good_draft_converts_with_its_line() {
        let (draft, line) = draft(item("2026-06-14")).expect("converts");
        assert_eq!(line, Some(7));
        assert_eq!(draft.record.kind(), m::RecordKind::PoliceCase);
    }

    #[test]
    fn a_bad_date_becomes_a_diagnostic_with_line_and_field_path() {
        let problems = draft(item("14/06/2026")).expect_err("bad date");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, Some(7));
        assert_eq!(
            problems[0].field.as_deref(),
            Some("record.items[0].recorded_date")
        );
        assert!(problems[0].message.contains("`14/06/2026`"), "{problems:?}");
    }
}
