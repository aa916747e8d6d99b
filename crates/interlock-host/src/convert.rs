//! Converts the newest interface's records (1.1) into the core model, in one place. Text the
//! host must parse (dates, times, date-times, decimals, criteria) is checked here; a bad
//! value becomes a diagnostic on the draft's line naming the field path, never a panic. The
//! core's validation (countries, currencies, units, control entries, ...) runs later, on
//! every import path alike. Interface 1.0 has its own converter, `convert_v1_0`, which
//! shares the parsing helpers of [`Cx`].

use interlock_core::Diagnostic;
use interlock_core::model as m;

use crate::since_v1_1::wit;

/// Converts one WIT draft. Text the host must parse is checked here; a bad value becomes a
/// diagnostic on the draft's line naming the field, never a panic.
pub fn draft(draft: wit::Draft) -> Result<(m::Draft, Option<u64>), Vec<Diagnostic>> {
    let mut cx = Cx::default();
    let line = draft.line;
    let record = cx.body(draft.record);
    cx.finish(line)?;
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

/// A field path as diagnostics name it (`record.lines[2].quantity.amount`), put together
/// only when a problem names it: converting a valid record formats none.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Field<'a> {
    Name(&'a str),
    Member(&'a Field<'a>, &'static str),
    Index(&'a Field<'a>, usize),
}

impl<'a> From<&'a str> for Field<'a> {
    fn from(name: &'a str) -> Field<'a> {
        Field::Name(name)
    }
}

impl std::fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field::Name(name) => f.write_str(name),
            Field::Member(parent, member) => write!(f, "{parent}.{member}"),
            Field::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// The problems found while converting one draft, each with its field path. Parsers return
/// a placeholder on error so conversion carries on and reports every bad field at once; a
/// draft with any problem is dropped in [`Cx::finish`], so no placeholder reaches the store.
#[derive(Default)]
pub(crate) struct Cx {
    problems: Vec<(String, String)>,
}

impl Cx {
    /// `Err` with one diagnostic per problem, on the draft's line, if there were any.
    pub(crate) fn finish(self, line: Option<u64>) -> Result<(), Vec<Diagnostic>> {
        if self.problems.is_empty() {
            return Ok(());
        }
        Err(self
            .problems
            .into_iter()
            .map(|(field, message)| Diagnostic::error(field, "plugin-value", message).at_line(line))
            .collect())
    }

    fn problem<'f>(&mut self, field: impl Into<Field<'f>>, message: String) {
        let field: Field<'_> = field.into();
        self.problems.push((field.to_string(), message));
    }

    pub(crate) fn date<'f>(
        &mut self,
        field: impl Into<Field<'f>>,
        text: &str,
    ) -> jiff::civil::Date {
        let field: Field<'_> = field.into();
        match text.trim().parse() {
            Ok(date) => date,
            Err(_) => {
                self.problem(
                    field,
                    format!("`{text}` is not an ISO 8601 date (YYYY-MM-DD)"),
                );
                jiff::civil::Date::constant(1970, 1, 1)
            }
        }
    }

    pub(crate) fn opt_date<'f>(
        &mut self,
        field: impl Into<Field<'f>>,
        text: Option<String>,
    ) -> Option<jiff::civil::Date> {
        let field: Field<'_> = field.into();
        text.map(|t| self.date(field, &t))
    }

    fn time<'f>(&mut self, field: impl Into<Field<'f>>, text: &str) -> jiff::civil::Time {
        let field: Field<'_> = field.into();
        match text.trim().parse() {
            Ok(time) => time,
            Err(_) => {
                self.problem(
                    field,
                    format!("`{text}` is not an ISO 8601 time of day (HH:MM or HH:MM:SS)"),
                );
                jiff::civil::Time::midnight()
            }
        }
    }

    fn date_time<'f>(&mut self, field: impl Into<Field<'f>>, text: &str) -> jiff::civil::DateTime {
        let field: Field<'_> = field.into();
        match text.trim().parse() {
            Ok(date_time) => date_time,
            Err(_) => {
                self.problem(
                    field,
                    format!("`{text}` is not an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS)"),
                );
                jiff::civil::DateTime::constant(1970, 1, 1, 0, 0, 0, 0)
            }
        }
    }

    pub(crate) fn decimal<'f>(
        &mut self,
        field: impl Into<Field<'f>>,
        text: &str,
    ) -> rust_decimal::Decimal {
        let field: Field<'_> = field.into();
        match text.trim().parse() {
            Ok(value) => value,
            Err(_) => {
                self.problem(field, format!("`{text}` is not a decimal number"));
                rust_decimal::Decimal::ZERO
            }
        }
    }

    pub(crate) fn quantity_of<'f>(
        &mut self,
        field: impl Into<Field<'f>>,
        amount: &str,
        unit: String,
    ) -> m::Quantity {
        let field: Field<'_> = field.into();
        m::Quantity {
            amount: self.decimal(Field::Member(&field, "amount"), amount),
            unit,
        }
    }

    pub(crate) fn money_of<'f>(
        &mut self,
        field: impl Into<Field<'f>>,
        amount: &str,
        currency: String,
    ) -> m::Money {
        let field: Field<'_> = field.into();
        m::Money {
            amount: self.decimal(Field::Member(&field, "amount"), amount),
            currency,
        }
    }

    /// Criteria codes as the core model spells them in JSON (`att-6.1`, `eucp-2`).
    fn criteria<'f>(
        &mut self,
        field: impl Into<Field<'f>>,
        codes: Vec<String>,
    ) -> Vec<m::Criterion> {
        let field: Field<'_> = field.into();
        codes
            .into_iter()
            .enumerate()
            .filter_map(|(index, code)| {
                let parsed =
                    serde_json::from_value(serde_json::Value::String(code.trim().to_owned()));
                match parsed {
                    Ok(criterion) => Some(criterion),
                    Err(_) => {
                        self.problem(
                            Field::Index(&field, index),
                            format!(
                                "`{code}` is not a criterion code (att-6.1 ... att-11, eucp-1 ... eucp-8)"
                            ),
                        );
                        None
                    }
                }
            })
            .collect()
    }

    fn quantity<'f>(
        &mut self,
        field: impl Into<Field<'f>>,
        q: Option<wit::Quantity>,
    ) -> Option<m::Quantity> {
        let field: Field<'_> = field.into();
        q.map(|q| self.quantity_of(field, &q.amount, q.unit))
    }

    fn money<'f>(
        &mut self,
        field: impl Into<Field<'f>>,
        v: Option<wit::Money>,
    ) -> Option<m::Money> {
        let field: Field<'_> = field.into();
        v.map(|v| self.money_of(field, &v.amount, v.currency))
    }

    fn party(p: wit::Party) -> m::Party {
        use wit::IdentifierScheme as I;
        use wit::PartyRole as W;
        use wit::PartyType as T;
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
            party_type: p.party_type.map(|t| match t {
                T::Government => m::PartyType::Government,
                T::Company => m::PartyType::Company,
                T::Individual => m::PartyType::Individual,
                T::Other => m::PartyType::Other,
            }),
            address: p.address,
            country: p.country,
            identifiers: p
                .identifiers
                .into_iter()
                .map(|id| m::PartyIdentifier {
                    scheme: match id.scheme {
                        I::Eori => m::IdentifierScheme::Eori,
                        I::Vat => m::IdentifierScheme::Vat,
                        I::CompanyRegistration => m::IdentifierScheme::CompanyRegistration,
                        I::Tax => m::IdentifierScheme::Tax,
                        I::Other => m::IdentifierScheme::Other,
                    },
                    value: id.value,
                })
                .collect(),
        }
    }

    fn parties(parties: Vec<wit::Party>) -> Vec<m::Party> {
        parties.into_iter().map(Self::party).collect()
    }

    fn item<'f>(&mut self, field: impl Into<Field<'f>>, i: wit::Item) -> m::Item {
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
            recorded_date: self.opt_date(Field::Member(&field, "recorded_date"), i.recorded_date),
        }
    }

    fn status_event<'f>(
        &mut self,
        field: impl Into<Field<'f>>,
        e: wit::StatusEvent,
    ) -> m::StatusEvent {
        let field: Field<'_> = field.into();
        use wit::LicenceAction as A;
        m::StatusEvent {
            action: match e.action {
                A::Apply => m::LicenceAction::Apply,
                A::Refuse => m::LicenceAction::Refuse,
                A::Issue => m::LicenceAction::Issue,
                A::Amend => m::LicenceAction::Amend,
                A::Suspend => m::LicenceAction::Suspend,
                A::Reinstate => m::LicenceAction::Reinstate,
                A::Revoke => m::LicenceAction::Revoke,
                A::Cancel => m::LicenceAction::Cancel,
                A::Surrender => m::LicenceAction::Surrender,
                A::Expire => m::LicenceAction::Expire,
                A::Exhaust => m::LicenceAction::Exhaust,
            },
            effective: self.date(Field::Member(&field, "effective"), &e.effective),
            effective_time: e
                .effective_time
                .map(|t| self.time(Field::Member(&field, "effective_time"), &t)),
            reason: e.reason,
            source: e.source,
        }
    }

    fn message<'f>(
        &mut self,
        field: impl Into<Field<'f>>,
        o: Option<wit::MessageOrder>,
    ) -> Option<m::MessageOrder> {
        let field: Field<'_> = field.into();
        o.map(|o| m::MessageOrder {
            source: o.source,
            run: o.run,
            created: o
                .created
                .map(|t| self.date_time(Field::Member(&field, "created"), &t)),
        })
    }

    fn country_role(role: wit::CountryRole) -> m::CountryRole {
        match role {
            wit::CountryRole::Destination => m::CountryRole::Destination,
            wit::CountryRole::Origin => m::CountryRole::Origin,
            wit::CountryRole::EnRoute => m::CountryRole::EnRoute,
        }
    }

    fn authorization(&mut self, a: wit::Authorization) -> m::Authorization {
        use wit::AuthorizationStatus as S;
        use wit::ControlledBy as C;
        let lines = a
            .lines
            .into_iter()
            .enumerate()
            .map(|(index, line)| {
                let field = Field::Index(&Field::Name("record.lines"), index);
                m::AuthorizationLine {
                    line_no: line.line_no,
                    description: line.description,
                    control_entry: line.control_entry,
                    hs_code: line.hs_code,
                    controlled_by: line.controlled_by.map(|c| match c {
                        C::Quantity => m::ControlledBy::Quantity,
                        C::Value => m::ControlledBy::Value,
                        C::Both => m::ControlledBy::Both,
                        C::Unlimited => m::ControlledBy::Unlimited,
                    }),
                    quantity: self.quantity(Field::Member(&field, "quantity"), line.quantity),
                    value: self.money(Field::Member(&field, "value"), line.value),
                    make: line.make,
                    model: line.model,
                    serial_numbers: line.serial_numbers,
                    serials_complete: line.serials_complete,
                }
            })
            .collect();
        let status_history = a
            .status_history
            .into_iter()
            .enumerate()
            .map(|(index, e)| {
                self.status_event(
                    Field::Index(&Field::Name("record.status_history"), index),
                    e,
                )
            })
            .collect();
        m::Authorization {
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
            countries: a
                .countries
                .into_iter()
                .map(|c| m::LicenceCountry {
                    country: c.country,
                    role: Self::country_role(c.role),
                    prohibited: c.prohibited,
                })
                .collect(),
            country_groups: a
                .country_groups
                .into_iter()
                .map(|g| m::CountryGroup {
                    name: g.name,
                    role: Self::country_role(g.role),
                    prohibited: g.prohibited,
                    countries: g.countries,
                })
                .collect(),
            end_use: a.end_use,
            euc_reference: a.euc_reference,
            provisos: a.provisos,
            refusal_reasons: a.refusal_reasons,
            refusal_criteria: self.criteria("record.refusal_criteria", a.refusal_criteria),
            status_history,
            message: self.message("record.message", a.message),
            lines,
        }
    }

    fn customs_declaration(&mut self, c: wit::CustomsDeclaration) -> m::CustomsDeclaration {
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
                    quantity_written_off: self.quantity(
                        Field::Member(&field, "quantity_written_off"),
                        d.quantity_written_off,
                    ),
                    value_written_off: self.money(
                        Field::Member(&field, "value_written_off"),
                        d.value_written_off,
                    ),
                }
            })
            .collect();
        m::CustomsDeclaration {
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
            status: c.status.map(|s| match s {
                wit::DeclarationStatus::Lodged => m::DeclarationStatus::Lodged,
                wit::DeclarationStatus::Cleared => m::DeclarationStatus::Cleared,
                wit::DeclarationStatus::Exited => m::DeclarationStatus::Exited,
                wit::DeclarationStatus::Invalidated => m::DeclarationStatus::Invalidated,
            }),
            exit_date: self.opt_date("record.exit_date", c.exit_date),
            movement: c.movement.map(|mv| match mv {
                wit::Movement::Permanent => m::Movement::Permanent,
                wit::Movement::Temporary => m::Movement::Temporary,
            }),
            parties: Self::parties(c.parties),
            country_of_dispatch: c.country_of_dispatch,
            country_of_destination: c.country_of_destination,
            country_of_origin: c.country_of_origin,
            hs_code: c.hs_code,
            control_entry: c.control_entry,
            control_entry_basis: c.control_entry_basis.map(|b| match b {
                wit::ClassificationBasis::Declared => m::ClassificationBasis::Declared,
                wit::ClassificationBasis::Assessed => m::ClassificationBasis::Assessed,
            }),
            description: c.description,
            quantity: self.quantity("record.quantity", c.quantity),
            value: self.money("record.value", c.value),
            statistical_value: self.money("record.statistical_value", c.statistical_value),
            serial_numbers: c.serial_numbers,
            attached_documents,
        }
    }

    fn police_case(&mut self, p: wit::PoliceCase) -> m::PoliceCase {
        use wit::PoliceEvent as E;
        use wit::TraceStatus as T;
        let items = p
            .items
            .into_iter()
            .enumerate()
            .map(|(index, item)| self.item(Field::Index(&Field::Name("record.items"), index), item))
            .collect();
        m::PoliceCase {
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
        }
    }

    fn delivery_verification(&mut self, d: wit::DeliveryVerification) -> m::DeliveryVerification {
        let lines = d
            .lines
            .into_iter()
            .enumerate()
            .map(|(index, line)| m::VerifiedLine {
                line_no: line.line_no,
                quantity_received: self.quantity_of(
                    Field::Member(
                        &Field::Index(&Field::Name("record.lines"), index),
                        "quantity_received",
                    ),
                    &line.quantity_received.amount,
                    line.quantity_received.unit,
                ),
            })
            .collect();
        m::DeliveryVerification {
            reference: d.reference,
            issuing_country: d.issuing_country,
            date: self.date("record.date", &d.date),
            authorization_ref: d.authorization_ref,
            declaration_refs: d.declaration_refs,
            lines,
        }
    }

    fn denial(&mut self, d: wit::Denial) -> m::Denial {
        m::Denial {
            reference: d.reference,
            notifying_country: d.notifying_country,
            regime: d.regime,
            date: self.date("record.date", &d.date),
            reason: d.reason,
            criteria: self.criteria("record.criteria", d.criteria),
            control_entries: d.control_entries,
            item_description: d.item_description,
            end_use: d.end_use,
            destination_country: d.destination_country,
            entities: Self::parties(d.entities),
            revoked: d.revoked,
            revoked_on: self.opt_date("record.revoked_on", d.revoked_on),
            expires: self.opt_date("record.expires", d.expires),
        }
    }

    fn embargo(&mut self, e: wit::Embargo) -> m::Embargo {
        let exemptions = e
            .exemptions
            .into_iter()
            .enumerate()
            .map(|(index, x)| {
                let field = Field::Index(&Field::Name("record.exemptions"), index);
                m::EmbargoExemption {
                    description: x.description,
                    beneficiary: x.beneficiary,
                    from: self.opt_date(Field::Member(&field, "from"), x.from),
                    until: self.opt_date(Field::Member(&field, "until"), x.until),
                    instrument: x.instrument,
                }
            })
            .collect();
        let amendments = e
            .amendments
            .into_iter()
            .enumerate()
            .map(|(index, a)| m::EmbargoAmendment {
                instrument: a.instrument,
                date: self.date(
                    Field::Member(
                        &Field::Index(&Field::Name("record.amendments"), index),
                        "date",
                    ),
                    &a.date,
                ),
                summary: a.summary,
            })
            .collect();
        m::Embargo {
            authority: match e.authority {
                wit::EmbargoAuthority::UnSecurityCouncil => m::EmbargoAuthority::UnSecurityCouncil,
                wit::EmbargoAuthority::EuropeanUnion => m::EmbargoAuthority::EuropeanUnion,
                wit::EmbargoAuthority::Osce => m::EmbargoAuthority::Osce,
                wit::EmbargoAuthority::National => m::EmbargoAuthority::National,
                wit::EmbargoAuthority::Other => m::EmbargoAuthority::Other,
            },
            instrument: e.instrument,
            target_country: e.target_country,
            target_entities: Self::parties(e.target_entities),
            direction: match e.direction {
                wit::EmbargoDirection::Supply => m::EmbargoDirection::Supply,
                wit::EmbargoDirection::Procurement => m::EmbargoDirection::Procurement,
                wit::EmbargoDirection::Both => m::EmbargoDirection::Both,
            },
            scope: match e.scope {
                wit::EmbargoScope::AllArms => m::EmbargoScope::AllArms,
                wit::EmbargoScope::Listed => m::EmbargoScope::Listed,
            },
            att_scopes: e.att_scopes,
            control_entries: e.control_entries,
            start: self.date("record.start", &e.start),
            end: self.opt_date("record.end", e.end),
            exemptions,
            amendments,
            notes: e.notes,
        }
    }

    fn licence_usage(&mut self, u: wit::LicenceUsage) -> m::LicenceUsage {
        use wit::UsageType as U;
        m::LicenceUsage {
            authorization_ref: u.authorization_ref,
            line_no: u.line_no,
            declaration_ref: u.declaration_ref,
            declaration_part: u.declaration_part,
            usage_type: match u.usage_type {
                U::Original => m::UsageType::Original,
                U::LateOriginal => m::UsageType::LateOriginal,
                U::Adjusted => m::UsageType::Adjusted,
                U::Contra => m::UsageType::Contra,
                U::MessageOnly => m::UsageType::MessageOnly,
            },
            date: self.date("record.date", &u.date),
            quantity: u.quantity.map(|q| self.decimal("record.quantity", &q)),
            unit: u.unit,
            value: self.money("record.value", u.value),
            customs_message_code: u.customs_message_code,
            customs_message_text: u.customs_message_text,
            sequence: u.sequence,
        }
    }

    fn customs_licence_status(&mut self, s: wit::CustomsLicenceStatus) -> m::CustomsLicenceStatus {
        use wit::CustomsLicenceState as S;
        let lines = s
            .lines
            .into_iter()
            .enumerate()
            .map(|(index, line)| {
                let field = Field::Index(&Field::Name("record.lines"), index);
                m::ReportedLineTotal {
                    line_no: line.line_no,
                    quantity_used: line
                        .quantity_used
                        .map(|q| self.decimal(Field::Member(&field, "quantity_used"), &q)),
                    unit: line.unit,
                    value_used: self.money(Field::Member(&field, "value_used"), line.value_used),
                }
            })
            .collect();
        m::CustomsLicenceStatus {
            authorization_ref: s.authorization_ref,
            as_of: self.date("record.as_of", &s.as_of),
            status: match s.status {
                S::Open => m::CustomsLicenceState::Open,
                S::Cancelled => m::CustomsLicenceState::Cancelled,
                S::Exhausted => m::CustomsLicenceState::Exhausted,
                S::Surrendered => m::CustomsLicenceState::Surrendered,
                S::Expired => m::CustomsLicenceState::Expired,
            },
            lines,
            transaction_ref: s.transaction_ref,
        }
    }

    fn reported_transfer(&mut self, t: wit::ReportedTransfer) -> m::ReportedTransfer {
        use wit::ReportingSourceKind as K;
        let counterpart = |c: wit::Counterpart| m::Counterpart {
            name: c.name,
            code: c.code,
        };
        m::ReportedTransfer {
            source: m::ReportingSource {
                kind: match t.source.kind {
                    K::AttReport => m::ReportingSourceKind::AttReport,
                    K::UnRegister => m::ReportingSourceKind::UnRegister,
                    K::PublicRegister => m::ReportingSourceKind::PublicRegister,
                    K::Other => m::ReportingSourceKind::Other,
                },
                name: t.source.name,
                reporting_country: t.source.reporting_country,
                edition: t.source.edition,
            },
            supplier: counterpart(t.supplier),
            recipient: counterpart(t.recipient),
            order_year: t.order_year,
            order_year_uncertain: t.order_year_uncertain,
            number_ordered: t.number_ordered,
            number_ordered_uncertain: t.number_ordered_uncertain,
            number_delivered: t.number_delivered,
            number_delivered_uncertain: t.number_delivered_uncertain,
            deliveries: t
                .deliveries
                .into_iter()
                .map(|d| m::YearlyDelivery {
                    year: d.year,
                    number: d.number,
                })
                .collect(),
            designation: t.designation,
            description: t.description,
            category: t.category,
            value: self.money("record.value", t.value),
            comments: t.comments,
        }
    }

    fn body(&mut self, body: wit::Body) -> m::Body {
        match body {
            wit::Body::Authorization(a) => m::Body::Authorization(self.authorization(a)),
            wit::Body::AuthorizationStatusChange(s) => {
                m::Body::AuthorizationStatusChange(m::StatusChange {
                    reference: s.reference,
                    event: self.status_event("record.event", s.event),
                    message: self.message("record.message", s.message),
                })
            }
            wit::Body::CustomsDeclaration(c) => {
                m::Body::CustomsDeclaration(self.customs_declaration(c))
            }
            wit::Body::Item(i) => m::Body::Item(self.item("record", i)),
            wit::Body::PoliceCase(p) => m::Body::PoliceCase(self.police_case(p)),
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
                m::Body::DeliveryVerification(self.delivery_verification(d))
            }
            wit::Body::Denial(d) => m::Body::Denial(self.denial(d)),
            wit::Body::Embargo(e) => m::Body::Embargo(self.embargo(e)),
            wit::Body::LicenceUsage(u) => m::Body::LicenceUsage(self.licence_usage(u)),
            wit::Body::CustomsLicenceStatus(s) => {
                m::Body::CustomsLicenceStatus(self.customs_licence_status(s))
            }
            wit::Body::ReportedTransfer(t) => m::Body::ReportedTransfer(self.reported_transfer(t)),
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

/// The options a plugin declares.
pub fn options(options: Vec<wit::OptionSpec>) -> Vec<crate::PluginOption> {
    options
        .into_iter()
        .map(|o| crate::PluginOption {
            name: o.name,
            meaning: o.meaning,
            default: o.default,
        })
        .collect()
}

/// A plugin's own error, in words for the record manager; the line where the plugin says.
pub fn plugin_error(error: wit::PluginError) -> (String, Option<u64>) {
    match error {
        wit::PluginError::UnsupportedFormat(message) => unsupported(&message),
        wit::PluginError::Malformed(d) => malformed(diagnostic(d)),
        wit::PluginError::Internal(message) => internal(&message),
    }
}

pub(crate) fn unsupported(message: &str) -> (String, Option<u64>) {
    (format!("not a format this plugin reads: {message}"), None)
}

pub(crate) fn malformed(d: Diagnostic) -> (String, Option<u64>) {
    let line = d.line;
    let field = d
        .field
        .as_deref()
        .map(|f| format!("{f}: "))
        .unwrap_or_default();
    (format!("malformed input: {field}{}", d.message), line)
}

pub(crate) fn internal(message: &str) -> (String, Option<u64>) {
    (format!("internal plugin error: {message}"), None)
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

    fn status_change(time: Option<&str>, created: Option<&str>) -> wit::Draft {
        wit::Draft {
            agency: "licensing".to_owned(),
            source_ref: "GBSIEL/2026/0001".to_owned(),
            sensitive: false,
            record: wit::Body::AuthorizationStatusChange(wit::StatusChange {
                reference: "GBSIEL/2026/0001".to_owned(),
                event: wit::StatusEvent {
                    action: wit::LicenceAction::Suspend,
                    effective: "2026-03-01".to_owned(),
                    effective_time: time.map(str::to_owned),
                    reason: None,
                    source: None,
                },
                message: Some(wit::MessageOrder {
                    source: "SPIRE>CHIEF licenceData".to_owned(),
                    run: Some(42),
                    created: created.map(str::to_owned),
                }),
            }),
            line: Some(3),
        }
    }

    #[test]
    fn times_and_date_times_are_parsed() {
        let (draft, _) =
            draft(status_change(Some("14:30"), Some("2026-03-01T09:15:00"))).expect("converts");
        let m::Body::AuthorizationStatusChange(change) = draft.record else {
            panic!("not a status change: {draft:?}");
        };
        assert_eq!(
            change.event.effective_time,
            Some(jiff::civil::time(14, 30, 0, 0))
        );
        assert_eq!(
            change.message.and_then(|m| m.created),
            Some(jiff::civil::datetime(2026, 3, 1, 9, 15, 0, 0))
        );
    }

    #[test]
    fn a_bad_time_and_date_time_are_diagnostics_naming_their_fields() {
        let problems = draft(status_change(Some("2pm"), Some("yesterday"))).expect_err("bad");
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_deref()).collect();
        assert_eq!(
            fields,
            [
                Some("record.event.effective_time"),
                Some("record.message.created")
            ]
        );
        assert!(problems.iter().all(|p| p.line == Some(3)));
    }

    #[test]
    fn criteria_codes_are_parsed_and_unknown_ones_named() {
        let mut cx = Cx::default();
        let criteria = cx.criteria(
            "record.criteria",
            vec![
                "att-6.1".to_owned(),
                "eucp-7".to_owned(),
                "eucp-9".to_owned(),
            ],
        );
        assert_eq!(criteria, [m::Criterion::Att6_1, m::Criterion::EuCp7]);
        let problems = cx.finish(None).expect_err("eucp-9 is unknown");
        assert_eq!(problems[0].field.as_deref(), Some("record.criteria[2]"));
    }

    #[test]
    fn a_bad_decimal_in_a_licence_usage_names_its_path() {
        let usage = wit::Draft {
            agency: "customs".to_owned(),
            source_ref: "U/1".to_owned(),
            sensitive: false,
            record: wit::Body::LicenceUsage(wit::LicenceUsage {
                authorization_ref: "L/1".to_owned(),
                line_no: 1,
                declaration_ref: "D/1".to_owned(),
                declaration_part: None,
                usage_type: wit::UsageType::Original,
                date: "2026-01-02".to_owned(),
                quantity: Some("1,5".to_owned()),
                unit: None,
                value: None,
                customs_message_code: None,
                customs_message_text: None,
                sequence: None,
            }),
            line: Some(9),
        };
        let problems = draft(usage).expect_err("bad decimal");
        assert_eq!(problems[0].field.as_deref(), Some("record.quantity"));
    }

    #[test]
    fn field_paths_read_as_diagnostics_name_them() {
        let line = Field::Index(&Field::Name("record.lines"), 2);
        let amount = Field::Member(&Field::Member(&line, "quantity"), "amount");
        assert_eq!(amount.to_string(), "record.lines[2].quantity.amount");
        assert_eq!(Field::from("record.date").to_string(), "record.date");
    }
}
