//! Constructors for the record types, so a plugin names the required fields and sets only
//! the optional ones it has: `Item::new("Glock", "GLK-17-88123")` rather than a struct
//! literal with eight `None`s, and `Draft::new(agency, source_ref, body).at(line)`.
//!
//! The types are generated from the WIT, so every field stays public: set the rest with
//! struct update syntax or plain assignment.

use crate::{
    Authorization, AuthorizationLine, AuthorizationStatus, Body, CustomsDeclaration,
    CustomsProcedure, DeliveryVerification, Denial, Direction, Draft, Embargo, EmbargoAuthority,
    EmbargoScope, EndUserCertificate, Item, Party, PartyRole, PoliceCase, PoliceEvent,
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
    CustomsDeclaration => CustomsDeclaration,
    Item => Item,
    PoliceCase => PoliceCase,
    EndUserCertificate => EndUserCertificate,
    DeliveryVerification => DeliveryVerification,
    Denial => Denial,
    Embargo => Embargo,
);

impl Party {
    pub fn new(role: PartyRole, name: impl Into<String>) -> Party {
        Party {
            role,
            name: name.into(),
            address: None,
            country: None,
            identifier: None,
        }
    }

    /// ISO 3166-1 alpha-2, as in the source.
    pub fn country(mut self, country: impl Into<String>) -> Party {
        self.country = Some(country.into());
        self
    }

    /// EORI, TURN, tax or company number.
    pub fn identifier(mut self, identifier: impl Into<String>) -> Party {
        self.identifier = Some(identifier.into());
        self
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
            destination_countries: Vec::new(),
            origin_countries: Vec::new(),
            transit_countries: Vec::new(),
            end_use: None,
            euc_reference: None,
            refusal_reasons: Vec::new(),
            lines: Vec::new(),
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
            quantity: None,
            value: None,
            serial_numbers: Vec::new(),
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
            parties: Vec::new(),
            country_of_dispatch: None,
            country_of_destination: None,
            country_of_origin: None,
            hs_code: None,
            description: description.into(),
            quantity: None,
            value: None,
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
            date: date.into(),
            reason: reason.into(),
            control_entry: None,
            item_description: None,
            destination_country: None,
            entities: Vec::new(),
            revoked: false,
        }
    }
}

impl Embargo {
    pub fn new(
        authority: EmbargoAuthority,
        instrument: impl Into<String>,
        target_country: impl Into<String>,
        scope: EmbargoScope,
        start: impl Into<String>,
    ) -> Embargo {
        Embargo {
            authority,
            instrument: instrument.into(),
            target_country: target_country.into(),
            scope,
            categories: Vec::new(),
            start: start.into(),
            end: None,
            notes: None,
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
        let party = Party::new(PartyRole::Consignee, "Forsvarsmateriell").country("NO");
        assert_eq!(party.country.as_deref(), Some("NO"));
    }
}
