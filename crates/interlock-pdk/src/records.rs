//! Constructors for the record types, so a plugin names the required fields and sets only
//! the optional ones it has: `Item::new("Glock", "GLK-17-88123")` rather than a struct
//! literal with eight `None`s, and `Draft::new(agency, source_ref, body).at(line)`.
//!
//! The types are generated from the WIT, so every field stays public: set the rest with
//! struct update syntax, plain assignment or the small chaining helpers below
//! (`Party::new(role, name).country("NO").identified(IdentifierScheme::Eori, "GB1…")`,
//! `Authorization::new(..).destination("NO").en_route("DK")`).

use crate::{
    Authorization, AuthorizationLine, AuthorizationStatus, Body, Counterpart, CountryGroup,
    CountryRole, CustomsDeclaration, CustomsLicenceState, CustomsLicenceStatus, CustomsProcedure,
    DeliveryVerification, Denial, Direction, Draft, Embargo, EmbargoAmendment, EmbargoAuthority,
    EmbargoDirection, EmbargoExemption, EmbargoScope, EndUserCertificate, IdentifierScheme, Item,
    LicenceAction, LicenceCountry, LicenceUsage, MessageOrder, Party, PartyIdentifier, PartyRole,
    PartyType, PoliceCase, PoliceEvent, ReportedLineTotal, ReportedTransfer, ReportingSource,
    ReportingSourceKind, StatusChange, StatusEvent, UsageType, VerifiedLine, YearlyDelivery,
};

impl Draft {
    /// A record of `agency` keyed by the agency's own reference (`source_ref`).
    pub fn new(agency: &str, source_ref: impl Into<String>, record: impl Into<Body>) -> Draft {
        Draft {
            agency: agency.to_owned(),
            source_ref: source_ref.into(),
            sensitive: false,
            record: record.into(),
            line: None,
        }
    }

    /// The 1-based source line (or record number) the record came from.
    pub fn at(mut self, line: u64) -> Draft {
        self.line = Some(line);
        self
    }

    /// ATT Art. 13(3): may be withheld from a published report.
    pub fn sensitive(mut self) -> Draft {
        self.sensitive = true;
        self
    }

    pub fn authorization(agency: &str, source_ref: impl Into<String>, a: Authorization) -> Draft {
        Draft::new(agency, source_ref, a)
    }

    /// A status-only licence message; its `source_ref` is the licence's.
    pub fn status_change(agency: &str, source_ref: impl Into<String>, s: StatusChange) -> Draft {
        Draft::new(agency, source_ref, s)
    }

    pub fn customs_declaration(
        agency: &str,
        source_ref: impl Into<String>,
        c: CustomsDeclaration,
    ) -> Draft {
        Draft::new(agency, source_ref, c)
    }

    pub fn item(agency: &str, source_ref: impl Into<String>, i: Item) -> Draft {
        Draft::new(agency, source_ref, i)
    }

    pub fn police_case(agency: &str, source_ref: impl Into<String>, p: PoliceCase) -> Draft {
        Draft::new(agency, source_ref, p)
    }

    pub fn licence_usage(agency: &str, source_ref: impl Into<String>, u: LicenceUsage) -> Draft {
        Draft::new(agency, source_ref, u)
    }

    pub fn customs_licence_status(
        agency: &str,
        source_ref: impl Into<String>,
        s: CustomsLicenceStatus,
    ) -> Draft {
        Draft::new(agency, source_ref, s)
    }

    pub fn reported_transfer(
        agency: &str,
        source_ref: impl Into<String>,
        t: ReportedTransfer,
    ) -> Draft {
        Draft::new(agency, source_ref, t)
    }
}

macro_rules! into_body {
    ($($ty:ident => $variant:ident),* $(,)?) => {
        $(impl From<$ty> for Body {
            fn from(record: $ty) -> Body {
                Body::$variant(record)
            }
        })*
    };
}

into_body!(
    Authorization => Authorization,
    StatusChange => AuthorizationStatusChange,
    CustomsDeclaration => CustomsDeclaration,
    Item => Item,
    PoliceCase => PoliceCase,
    EndUserCertificate => EndUserCertificate,
    DeliveryVerification => DeliveryVerification,
    Denial => Denial,
    Embargo => Embargo,
    LicenceUsage => LicenceUsage,
    CustomsLicenceStatus => CustomsLicenceStatus,
    ReportedTransfer => ReportedTransfer,
);

impl Party {
    pub fn new(role: PartyRole, name: impl Into<String>) -> Party {
        Party {
            role,
            name: name.into(),
            party_type: None,
            address: None,
            country: None,
            identifiers: Vec::new(),
        }
    }

    /// ISO 3166-1 alpha-2, as in the source.
    pub fn country(mut self, country: impl Into<String>) -> Party {
        self.country = Some(country.into());
        self
    }

    /// The address in one string, as in the source.
    pub fn address(mut self, address: impl Into<String>) -> Party {
        self.address = Some(address.into());
        self
    }

    /// Government body, company or individual.
    pub fn party_type(mut self, party_type: PartyType) -> Party {
        self.party_type = Some(party_type);
        self
    }

    /// Adds an identifier whose scheme the source does not say (scheme `other`); prefer
    /// [`Party::identified`] when it does.
    pub fn identifier(self, identifier: impl Into<String>) -> Party {
        self.identified(IdentifierScheme::Other, identifier)
    }

    /// Adds an identifier in a known scheme (EORI, VAT, company registration, tax).
    pub fn identified(mut self, scheme: IdentifierScheme, value: impl Into<String>) -> Party {
        self.identifiers.push(PartyIdentifier::new(scheme, value));
        self
    }
}

impl PartyIdentifier {
    pub fn new(scheme: IdentifierScheme, value: impl Into<String>) -> PartyIdentifier {
        PartyIdentifier {
            scheme,
            value: value.into(),
        }
    }
}

impl Authorization {
    pub fn new(
        reference: impl Into<String>,
        direction: Direction,
        status: AuthorizationStatus,
        issuing_authority: impl Into<String>,
    ) -> Authorization {
        Authorization {
            reference: reference.into(),
            direction,
            status,
            open: false,
            issuing_authority: issuing_authority.into(),
            application_date: None,
            issue_date: None,
            valid_from: None,
            valid_until: None,
            parties: Vec::new(),
            countries: Vec::new(),
            country_groups: Vec::new(),
            end_use: None,
            euc_reference: None,
            provisos: Vec::new(),
            refusal_reasons: Vec::new(),
            refusal_criteria: Vec::new(),
            status_history: Vec::new(),
            message: None,
            lines: Vec::new(),
        }
    }

    /// Adds a country allowed in `role`.
    pub fn country(mut self, country: impl Into<String>, role: CountryRole) -> Authorization {
        self.countries.push(LicenceCountry::new(country, role));
        self
    }

    /// Adds a country the licence forbids in `role`.
    pub fn prohibited(mut self, country: impl Into<String>, role: CountryRole) -> Authorization {
        self.countries
            .push(LicenceCountry::prohibited(country, role));
        self
    }

    /// Adds an allowed destination.
    pub fn destination(self, country: impl Into<String>) -> Authorization {
        self.country(country, CountryRole::Destination)
    }

    /// Adds an allowed country of origin.
    pub fn origin(self, country: impl Into<String>) -> Authorization {
        self.country(country, CountryRole::Origin)
    }

    /// Adds an allowed country on the way.
    pub fn en_route(self, country: impl Into<String>) -> Authorization {
        self.country(country, CountryRole::EnRoute)
    }
}

impl LicenceCountry {
    /// A country allowed in `role`.
    pub fn new(country: impl Into<String>, role: CountryRole) -> LicenceCountry {
        LicenceCountry {
            country: country.into(),
            role,
            prohibited: false,
        }
    }

    /// A country the licence forbids in `role`.
    pub fn prohibited(country: impl Into<String>, role: CountryRole) -> LicenceCountry {
        LicenceCountry {
            prohibited: true,
            ..LicenceCountry::new(country, role)
        }
    }
}

impl CountryGroup {
    /// A group allowed in `role`, members unlisted.
    pub fn new(name: impl Into<String>, role: CountryRole) -> CountryGroup {
        CountryGroup {
            name: name.into(),
            role,
            prohibited: false,
            countries: Vec::new(),
        }
    }
}

impl AuthorizationLine {
    pub fn new(line_no: u32, description: impl Into<String>) -> AuthorizationLine {
        AuthorizationLine {
            line_no,
            description: description.into(),
            control_entry: None,
            hs_code: None,
            controlled_by: None,
            quantity: None,
            value: None,
            make: None,
            model: None,
            serial_numbers: Vec::new(),
            serials_complete: false,
        }
    }
}

impl StatusEvent {
    /// `action` taking effect on `effective` (YYYY-MM-DD).
    pub fn new(action: LicenceAction, effective: impl Into<String>) -> StatusEvent {
        StatusEvent {
            action,
            effective: effective.into(),
            effective_time: None,
            reason: None,
            source: None,
        }
    }
}

impl StatusChange {
    /// A status-only message for the licence `reference`.
    pub fn new(reference: impl Into<String>, event: StatusEvent) -> StatusChange {
        StatusChange {
            reference: reference.into(),
            event,
            message: None,
        }
    }
}

impl MessageOrder {
    /// A message of the stream `source` (e.g. `SPIRE>CHIEF licenceData`).
    pub fn new(source: impl Into<String>) -> MessageOrder {
        MessageOrder {
            source: source.into(),
            run: None,
            created: None,
        }
    }
}

impl LicenceUsage {
    pub fn new(
        authorization_ref: impl Into<String>,
        line_no: u32,
        declaration_ref: impl Into<String>,
        usage_type: UsageType,
        date: impl Into<String>,
    ) -> LicenceUsage {
        LicenceUsage {
            authorization_ref: authorization_ref.into(),
            line_no,
            declaration_ref: declaration_ref.into(),
            declaration_part: None,
            usage_type,
            date: date.into(),
            quantity: None,
            unit: None,
            value: None,
            customs_message_code: None,
            customs_message_text: None,
            sequence: None,
        }
    }
}

impl CustomsLicenceStatus {
    pub fn new(
        authorization_ref: impl Into<String>,
        as_of: impl Into<String>,
        status: CustomsLicenceState,
    ) -> CustomsLicenceStatus {
        CustomsLicenceStatus {
            authorization_ref: authorization_ref.into(),
            as_of: as_of.into(),
            status,
            lines: Vec::new(),
            transaction_ref: None,
        }
    }
}

impl ReportedLineTotal {
    pub fn new(line_no: u32) -> ReportedLineTotal {
        ReportedLineTotal {
            line_no,
            quantity_used: None,
            unit: None,
            value_used: None,
        }
    }
}

impl CustomsDeclaration {
    pub fn new(
        declaration_ref: impl Into<String>,
        item_no: u32,
        procedure: CustomsProcedure,
        date: impl Into<String>,
        description: impl Into<String>,
    ) -> CustomsDeclaration {
        CustomsDeclaration {
            declaration_ref: declaration_ref.into(),
            item_no,
            procedure,
            customs_office: None,
            date: date.into(),
            status: None,
            exit_date: None,
            movement: None,
            parties: Vec::new(),
            country_of_dispatch: None,
            country_of_destination: None,
            country_of_origin: None,
            hs_code: None,
            control_entry: None,
            control_entry_basis: None,
            description: description.into(),
            quantity: None,
            value: None,
            statistical_value: None,
            serial_numbers: Vec::new(),
            attached_documents: Vec::new(),
        }
    }
}

impl Item {
    pub fn new(make: impl Into<String>, serial: impl Into<String>) -> Item {
        Item {
            make: make.into(),
            model: None,
            calibre: None,
            item_type: None,
            serial: serial.into(),
            country_of_manufacture: None,
            year_of_manufacture: None,
            import_mark: None,
            other_marks: Vec::new(),
            control_entry: None,
            recorded_date: None,
        }
    }
}

impl PoliceCase {
    pub fn new(
        case_ref: impl Into<String>,
        police_agency: impl Into<String>,
        date: impl Into<String>,
        event: PoliceEvent,
    ) -> PoliceCase {
        PoliceCase {
            case_ref: case_ref.into(),
            police_agency: police_agency.into(),
            date: date.into(),
            location: None,
            country: None,
            event,
            items: Vec::new(),
            parties: Vec::new(),
            trace_status: None,
            trace_counterpart: None,
        }
    }
}

impl EndUserCertificate {
    pub fn new(
        reference: impl Into<String>,
        issuing_country: impl Into<String>,
        date: impl Into<String>,
        end_user: Party,
        goods_description: impl Into<String>,
    ) -> EndUserCertificate {
        EndUserCertificate {
            reference: reference.into(),
            issuing_country: issuing_country.into(),
            issuing_authority: None,
            date: date.into(),
            end_user,
            goods_description: goods_description.into(),
            end_use: None,
            no_reexport_clause: false,
            authorization_ref: None,
        }
    }
}

impl DeliveryVerification {
    pub fn new(
        reference: impl Into<String>,
        issuing_country: impl Into<String>,
        date: impl Into<String>,
        authorization_ref: impl Into<String>,
    ) -> DeliveryVerification {
        DeliveryVerification {
            reference: reference.into(),
            issuing_country: issuing_country.into(),
            date: date.into(),
            authorization_ref: authorization_ref.into(),
            declaration_refs: Vec::new(),
            lines: Vec::new(),
        }
    }
}

impl VerifiedLine {
    pub fn new(line_no: u32, quantity_received: crate::Quantity) -> VerifiedLine {
        VerifiedLine {
            line_no,
            quantity_received,
        }
    }
}

impl Denial {
    pub fn new(
        reference: impl Into<String>,
        notifying_country: impl Into<String>,
        date: impl Into<String>,
        reason: impl Into<String>,
    ) -> Denial {
        Denial {
            reference: reference.into(),
            notifying_country: notifying_country.into(),
            regime: None,
            date: date.into(),
            reason: reason.into(),
            criteria: Vec::new(),
            control_entries: Vec::new(),
            item_description: None,
            end_use: None,
            destination_country: None,
            entities: Vec::new(),
            revoked: false,
            revoked_on: None,
            expires: None,
        }
    }
}

impl Embargo {
    /// An embargo on a State, barring supply to it (set `direction` for procurement).
    pub fn new(
        authority: EmbargoAuthority,
        instrument: impl Into<String>,
        target_country: impl Into<String>,
        scope: EmbargoScope,
        start: impl Into<String>,
    ) -> Embargo {
        Embargo {
            target_country: Some(target_country.into()),
            ..Embargo::on_entities(authority, instrument, Vec::new(), scope, start)
        }
    }

    /// An embargo on named entities only (no State), barring supply to them.
    pub fn on_entities(
        authority: EmbargoAuthority,
        instrument: impl Into<String>,
        target_entities: Vec<Party>,
        scope: EmbargoScope,
        start: impl Into<String>,
    ) -> Embargo {
        Embargo {
            authority,
            instrument: instrument.into(),
            target_country: None,
            target_entities,
            direction: EmbargoDirection::Supply,
            scope,
            att_scopes: Vec::new(),
            control_entries: Vec::new(),
            start: start.into(),
            end: None,
            exemptions: Vec::new(),
            amendments: Vec::new(),
            notes: None,
        }
    }
}

impl EmbargoExemption {
    pub fn new(description: impl Into<String>) -> EmbargoExemption {
        EmbargoExemption {
            description: description.into(),
            beneficiary: None,
            from: None,
            until: None,
            instrument: None,
        }
    }
}

impl EmbargoAmendment {
    pub fn new(
        instrument: impl Into<String>,
        date: impl Into<String>,
        summary: impl Into<String>,
    ) -> EmbargoAmendment {
        EmbargoAmendment {
            instrument: instrument.into(),
            date: date.into(),
            summary: summary.into(),
        }
    }
}

impl ReportingSource {
    pub fn new(kind: ReportingSourceKind, name: impl Into<String>) -> ReportingSource {
        ReportingSource {
            kind,
            name: name.into(),
            reporting_country: None,
            edition: None,
        }
    }
}

impl Counterpart {
    /// A supplier or recipient by name, with its country code where it has one.
    pub fn new(name: impl Into<String>, code: Option<&str>) -> Counterpart {
        Counterpart {
            name: name.into(),
            code: code.map(str::to_owned),
        }
    }
}

impl YearlyDelivery {
    pub fn new(year: i16, number: Option<u64>) -> YearlyDelivery {
        YearlyDelivery { year, number }
    }
}

impl ReportedTransfer {
    pub fn new(
        source: ReportingSource,
        supplier: Counterpart,
        recipient: Counterpart,
    ) -> ReportedTransfer {
        ReportedTransfer {
            source,
            supplier,
            recipient,
            order_year: None,
            order_year_uncertain: false,
            number_ordered: None,
            number_ordered_uncertain: false,
            number_delivered: None,
            number_delivered_uncertain: false,
            deliveries: Vec::new(),
            designation: None,
            description: None,
            category: None,
            value: None,
            comments: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_is_built_from_its_required_fields() {
        let draft = Draft::new(
            "police",
            "Glock/GLK1788123",
            Item::new("Glock", "GLK-17-88123"),
        )
        .at(3);
        assert_eq!(draft.line, Some(3));
        assert!(!draft.sensitive);
        assert!(matches!(draft.record, Body::Item(ref i) if i.serial == "GLK-17-88123"));
        let party = Party::new(PartyRole::Consignee, "Forsvarsmateriell")
            .country("NO")
            .identified(IdentifierScheme::Vat, "NO974760843")
            .identifier("X-1");
        assert_eq!(party.country.as_deref(), Some("NO"));
        assert_eq!(party.identifiers.len(), 2);
        assert!(matches!(
            party.identifiers[1].scheme,
            IdentifierScheme::Other
        ));
    }

    #[test]
    fn every_kind_has_a_constructor_and_becomes_a_body() {
        let licence = Authorization::new(
            "GBSIEL/2026/0001",
            Direction::Export,
            AuthorizationStatus::Issued,
            "ECJU",
        )
        .destination("NO")
        .prohibited("RU", CountryRole::Destination);
        assert_eq!(licence.countries.len(), 2);
        assert!(licence.countries[1].prohibited);
        let bodies: Vec<Body> = vec![
            licence.into(),
            StatusChange::new(
                "GBSIEL/2026/0001",
                StatusEvent::new(LicenceAction::Suspend, "2026-03-01"),
            )
            .into(),
            LicenceUsage::new("L", 1, "D", UsageType::Original, "2026-01-01").into(),
            CustomsLicenceStatus::new("L", "2026-01-01", CustomsLicenceState::Open).into(),
            ReportedTransfer::new(
                ReportingSource::new(ReportingSourceKind::PublicRegister, "SIPRI"),
                Counterpart::new("Brazil", Some("BR")),
                Counterpart::new("Unknown rebel group*", None),
            )
            .into(),
            Embargo::new(
                EmbargoAuthority::UnSecurityCouncil,
                "UNSCR 1970 (2011)",
                "LY",
                EmbargoScope::AllArms,
                "2011-02-26",
            )
            .into(),
            Denial::new("D-1", "DE", "2026-01-01", "risk of diversion").into(),
            EndUserCertificate::new(
                "EUC-1",
                "NO",
                "2026-01-01",
                Party::new(PartyRole::EndUser, "Forsvaret"),
                "rifles",
            )
            .into(),
            DeliveryVerification::new("DV-1", "NO", "2026-01-01", "L").into(),
        ];
        assert!(matches!(bodies[1], Body::AuthorizationStatusChange(_)));
        assert_eq!(bodies.len(), 9);
    }
}
