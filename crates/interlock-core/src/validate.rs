//! Validation of drafts: the one place that decides whether a record may enter the store.
//!
//! Every import path (JSON Lines, wasm plugins) calls [`Validator::check`]; nothing else
//! may write records. Checks collect every problem instead of stopping at the first, so
//! a record manager can fix a file in one pass.

use std::collections::HashSet;

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::control_list::{ControlList, ControlLists};
use crate::diagnostic::Diagnostic;
use crate::model::{
    Authorization, AuthorizationStatus, Body, CustomsDeclaration, CustomsProcedure,
    DeliveryVerification, Denial, Direction, Draft, Embargo, EmbargoScope, EndUserCertificate,
    Item, Money, Party, PartyRole, PoliceCase, PoliceEvent, Quantity,
};
use crate::reference;

/// Checks drafts against the reference tables and the control lists in the store.
pub struct Validator<'a> {
    control_lists: &'a ControlLists,
}

impl<'a> Validator<'a> {
    pub fn new(control_lists: &'a ControlLists) -> Validator<'a> {
        Validator { control_lists }
    }

    /// Every problem with `draft`, with field paths rooted at the draft (`record.…`).
    pub fn check(&self, draft: &Draft) -> Vec<Diagnostic> {
        let mut check = Check {
            problems: Vec::new(),
            control_list: None,
            control_lists: self.control_lists,
            event_date: draft.record.event_date(),
        };
        check.non_empty("agency", &draft.agency);
        check.non_empty("source_ref", &draft.source_ref);
        if let Some(date) = check.event_date {
            check.control_list = self.control_lists.in_force_on(date);
        }
        match &draft.record {
            Body::Authorization(a) => check.authorization(a),
            Body::CustomsDeclaration(c) => check.customs_declaration(c),
            Body::Item(i) => check.item("record", i),
            Body::PoliceCase(p) => check.police_case(p),
            Body::EndUserCertificate(e) => check.end_user_certificate(e),
            Body::DeliveryVerification(d) => check.delivery_verification(d),
            Body::Denial(d) => check.denial(d),
            Body::Embargo(e) => check.embargo(e),
        }
        check.problems
    }
}

struct Check<'a> {
    problems: Vec<Diagnostic>,
    control_lists: &'a ControlLists,
    /// The list version in force on the record's event date.
    control_list: Option<&'a ControlList>,
    event_date: Option<Date>,
}

impl Check<'_> {
    fn problem(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.problems.push(Diagnostic::error(field, code, message));
    }

    fn non_empty(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.problem(field, "required", "is required and must not be empty");
        }
    }

    fn country(&mut self, field: &str, code: &str) {
        if !reference::is_country(code) {
            self.problem(
                field,
                "unknown-country",
                format!("`{code}` is not an ISO 3166-1 alpha-2 country code"),
            );
        }
    }

    fn optional_country(&mut self, field: &str, code: Option<&String>) {
        if let Some(code) = code {
            self.country(field, code);
        }
    }

    fn countries(&mut self, field: &str, codes: &[String]) {
        for (index, code) in codes.iter().enumerate() {
            self.country(&format!("{field}[{index}]"), code);
        }
    }

    fn non_negative(&mut self, field: &str, amount: Decimal) {
        if amount.is_sign_negative() && !amount.is_zero() {
            self.problem(
                field,
                "negative",
                format!("must not be negative (got {amount})"),
            );
        }
    }

    fn quantity(&mut self, field: &str, quantity: &Quantity) {
        self.non_negative(&format!("{field}.amount"), quantity.amount);
        if !reference::is_unit(&quantity.unit) {
            self.problem(
                format!("{field}.unit"),
                "unknown-unit",
                format!(
                    "`{}` is not a known UN/ECE Recommendation 20 unit code (e.g. NAR, KGM)",
                    quantity.unit
                ),
            );
        }
    }

    fn money(&mut self, field: &str, money: &Money) {
        self.non_negative(&format!("{field}.amount"), money.amount);
        if !reference::is_currency(&money.currency) {
            self.problem(
                format!("{field}.currency"),
                "unknown-currency",
                format!("`{}` is not an ISO 4217 currency code", money.currency),
            );
        }
    }

    fn hs_code(&mut self, field: &str, code: &str) {
        if !reference::is_hs_code(code) {
            self.problem(
                field,
                "unknown-hs-code",
                format!("`{code}` is not an HS 2022 heading or subheading"),
            );
        }
    }

    fn date_order(&mut self, field: &str, earlier: Option<Date>, later: Option<Date>) {
        if let (Some(earlier), Some(later)) = (earlier, later)
            && later < earlier
        {
            self.problem(field, "date-order", format!("{later} is before {earlier}"));
        }
    }

    /// A control entry must exist in the list version in force on the record's date, so a
    /// licence issued under an old list is judged by that list.
    fn control_entry(&mut self, field: &str, id: &str) {
        match (self.control_list, self.event_date) {
            (Some(list), _) => {
                if list.entry(id).is_none() {
                    self.problem(
                        field,
                        "unknown-control-entry",
                        format!(
                            "`{id}` is not an entry of control list {} {} (in force from {})",
                            list.name, list.version, list.valid_from
                        ),
                    );
                }
            }
            (None, Some(date)) => {
                let message = if self.control_lists.versions.is_empty() {
                    format!(
                        "refers to control entry `{id}` but no control list is loaded; \
                         import one with `interlock control-list import`"
                    )
                } else {
                    format!("refers to control entry `{id}` but no control list was in force on {date}")
                };
                self.problem(field, "no-control-list", message);
            }
            (None, None) => self.problem(
                field,
                "no-event-date",
                format!("refers to control entry `{id}` but the record has no date to choose the control list version"),
            ),
        }
    }

    fn party(&mut self, field: &str, party: &Party) {
        self.non_empty(&format!("{field}.name"), &party.name);
        self.optional_country(&format!("{field}.country"), party.country.as_ref());
    }

    fn parties(&mut self, field: &str, parties: &[Party]) {
        for (index, party) in parties.iter().enumerate() {
            self.party(&format!("{field}[{index}]"), party);
        }
    }

    fn authorization(&mut self, a: &Authorization) {
        self.non_empty("record.reference", &a.reference);
        self.non_empty("record.issuing_authority", &a.issuing_authority);
        if a.status.was_issued() && a.issue_date.is_none() {
            self.problem(
                "record.issue_date",
                "required",
                format!("is required for a licence with status {:?}", a.status).to_lowercase(),
            );
        }
        if a.status == AuthorizationStatus::Applied && a.application_date.is_none() {
            self.problem(
                "record.application_date",
                "required",
                "is required for an application",
            );
        }
        if a.status == AuthorizationStatus::Refused {
            if a.refusal_reasons.is_empty() {
                self.problem(
                    "record.refusal_reasons",
                    "required",
                    "a refused application must state at least one refusal reason",
                );
            }
            if a.issue_date.is_none() && a.application_date.is_none() {
                self.problem(
                    "record.application_date",
                    "required",
                    "a refusal needs the application date or the decision date (issue_date)",
                );
            }
        }
        self.date_order("record.issue_date", a.application_date, a.issue_date);
        self.date_order("record.valid_until", a.valid_from, a.valid_until);
        self.parties("record.parties", &a.parties);
        self.countries("record.destination_countries", &a.destination_countries);
        self.countries("record.origin_countries", &a.origin_countries);
        self.countries("record.transit_countries", &a.transit_countries);

        let has_role = |roles: &[PartyRole]| a.parties.iter().any(|p| roles.contains(&p.role));
        match a.direction {
            Direction::Export => {
                if a.destination_countries.is_empty() {
                    self.problem(
                        "record.destination_countries",
                        "required",
                        "an export authorization must name at least one destination country",
                    );
                }
                if !a.open && !has_role(&[PartyRole::Consignee, PartyRole::EndUser]) {
                    self.problem(
                        "record.parties",
                        "required",
                        "an export authorization must name a consignee or an end user (unless it is an open licence)",
                    );
                }
            }
            Direction::Import => {
                // Open import licences (e.g. CHIEF OIL) cover any origin.
                if a.origin_countries.is_empty() && !a.open {
                    self.problem(
                        "record.origin_countries",
                        "required",
                        "an import authorization must name at least one country of origin or export",
                    );
                }
            }
            Direction::Transit | Direction::Transshipment => {
                if a.origin_countries.is_empty() || a.destination_countries.is_empty() {
                    self.problem(
                        "record.destination_countries",
                        "required",
                        "a transit or transshipment authorization must name origin and destination countries",
                    );
                }
            }
            Direction::Brokering => {
                if !has_role(&[PartyRole::Broker]) {
                    self.problem(
                        "record.parties",
                        "required",
                        "a brokering authorization must name the broker",
                    );
                }
            }
        }

        if a.status.was_issued() && a.lines.is_empty() {
            self.problem(
                "record.lines",
                "required",
                "an issued authorization must have at least one line",
            );
        }
        let mut seen = HashSet::new();
        for (index, line) in a.lines.iter().enumerate() {
            let field = format!("record.lines[{index}]");
            if line.line_no == 0 {
                self.problem(
                    format!("{field}.line_no"),
                    "line-number",
                    "line numbers start at 1",
                );
            } else if !seen.insert(line.line_no) {
                self.problem(
                    format!("{field}.line_no"),
                    "duplicate-line",
                    format!("line number {} appears more than once", line.line_no),
                );
            }
            self.non_empty(&format!("{field}.description"), &line.description);
            if let Some(entry) = &line.control_entry {
                self.control_entry(&format!("{field}.control_entry"), entry);
            }
            if let Some(code) = &line.hs_code {
                self.hs_code(&format!("{field}.hs_code"), code);
            }
            if let Some(quantity) = &line.quantity {
                self.quantity(&format!("{field}.quantity"), quantity);
            }
            if let Some(value) = &line.value {
                self.money(&format!("{field}.value"), value);
            }
            if line.quantity.is_none() && line.value.is_none() && a.status.was_issued() && !a.open {
                self.problem(
                    format!("{field}.quantity"),
                    "required",
                    "an issued licence line must limit a quantity or a value (unless the licence is open)",
                );
            }
        }
    }

    fn customs_declaration(&mut self, c: &CustomsDeclaration) {
        self.non_empty("record.declaration_ref", &c.declaration_ref);
        if c.item_no == 0 {
            self.problem("record.item_no", "line-number", "item numbers start at 1");
        }
        if let Some(office) = &c.customs_office {
            self.non_empty("record.customs_office", office);
        }
        self.non_empty("record.description", &c.description);
        if let Some(code) = &c.hs_code {
            self.hs_code("record.hs_code", code);
        }
        self.parties("record.parties", &c.parties);
        self.optional_country("record.country_of_dispatch", c.country_of_dispatch.as_ref());
        self.optional_country(
            "record.country_of_destination",
            c.country_of_destination.as_ref(),
        );
        self.optional_country("record.country_of_origin", c.country_of_origin.as_ref());
        match c.procedure {
            CustomsProcedure::Export | CustomsProcedure::ReExport | CustomsProcedure::Transit => {
                // A write-off against a licence takes its destination from the licence:
                // CHIEF usage data carries none of its own.
                if c.country_of_destination.is_none() && c.attached_documents.is_empty() {
                    self.problem(
                        "record.country_of_destination",
                        "required",
                        "is required for exports, re-exports and transit that write off no licence",
                    );
                }
            }
            CustomsProcedure::Import => {
                if c.country_of_dispatch.is_none() && c.country_of_origin.is_none() {
                    self.problem(
                        "record.country_of_dispatch",
                        "required",
                        "an import must give the country of dispatch or of origin",
                    );
                }
            }
        }
        if let Some(quantity) = &c.quantity {
            self.quantity("record.quantity", quantity);
        }
        if let Some(value) = &c.value {
            self.money("record.value", value);
        }
        for (index, document) in c.attached_documents.iter().enumerate() {
            let field = format!("record.attached_documents[{index}]");
            self.non_empty(
                &format!("{field}.authorization_ref"),
                &document.authorization_ref,
            );
            if document.line_no == Some(0) {
                self.problem(
                    format!("{field}.line_no"),
                    "line-number",
                    "line numbers start at 1",
                );
            }
            if let Some(quantity) = &document.quantity_written_off {
                self.quantity(&format!("{field}.quantity_written_off"), quantity);
            }
            if let Some(value) = &document.value_written_off {
                self.money(&format!("{field}.value_written_off"), value);
            }
        }
    }

    fn item(&mut self, field: &str, item: &Item) {
        self.non_empty(&format!("{field}.make"), &item.make);
        self.non_empty(&format!("{field}.serial"), &item.serial);
        if !item.serial.trim().is_empty() && crate::model::normalize_serial(&item.serial).is_empty()
        {
            self.problem(
                format!("{field}.serial"),
                "serial",
                "a serial number must contain at least one letter or digit",
            );
        }
        self.optional_country(
            &format!("{field}.country_of_manufacture"),
            item.country_of_manufacture.as_ref(),
        );
        let this_year = self.event_date.map(|d| d.year()).unwrap_or(i16::MAX);
        if let Some(year) = item.year_of_manufacture
            && !(1800..=this_year).contains(&year)
        {
            self.problem(
                format!("{field}.year_of_manufacture"),
                "year",
                format!("{year} is not a plausible year of manufacture"),
            );
        }
        if let Some(mark) = &item.import_mark {
            self.country(&format!("{field}.import_mark.country"), &mark.country);
            if let (Some(made), Some(imported)) = (item.year_of_manufacture, mark.year)
                && imported < made
            {
                self.problem(
                    format!("{field}.import_mark.year"),
                    "date-order",
                    format!("import year {imported} is before the year of manufacture {made}"),
                );
            }
        }
        if let Some(entry) = &item.control_entry {
            self.control_entry(&format!("{field}.control_entry"), entry);
        }
    }

    fn police_case(&mut self, p: &PoliceCase) {
        self.non_empty("record.case_ref", &p.case_ref);
        self.non_empty("record.police_agency", &p.police_agency);
        self.optional_country("record.country", p.country.as_ref());
        self.optional_country("record.trace_counterpart", p.trace_counterpart.as_ref());
        self.parties("record.parties", &p.parties);
        let is_trace = matches!(
            p.event,
            PoliceEvent::TraceRequestSent | PoliceEvent::TraceRequestReceived
        );
        if is_trace && p.trace_counterpart.is_none() {
            self.problem(
                "record.trace_counterpart",
                "required",
                "a trace request must name the State it was sent to or received from",
            );
        }
        if p.items.is_empty() {
            self.problem(
                "record.items",
                "required",
                "a police case must list at least one item",
            );
        }
        for (index, item) in p.items.iter().enumerate() {
            self.item(&format!("record.items[{index}]"), item);
        }
    }

    fn end_user_certificate(&mut self, e: &EndUserCertificate) {
        self.non_empty("record.reference", &e.reference);
        self.country("record.issuing_country", &e.issuing_country);
        self.party("record.end_user", &e.end_user);
        self.non_empty("record.goods_description", &e.goods_description);
    }

    fn delivery_verification(&mut self, d: &DeliveryVerification) {
        self.non_empty("record.reference", &d.reference);
        self.country("record.issuing_country", &d.issuing_country);
        self.non_empty("record.authorization_ref", &d.authorization_ref);
        let mut seen = HashSet::new();
        for (index, line) in d.lines.iter().enumerate() {
            let field = format!("record.lines[{index}]");
            if !seen.insert(line.line_no) {
                self.problem(
                    format!("{field}.line_no"),
                    "duplicate-line",
                    format!("line number {} appears more than once", line.line_no),
                );
            }
            self.quantity(
                &format!("{field}.quantity_received"),
                &line.quantity_received,
            );
        }
    }

    fn denial(&mut self, d: &Denial) {
        self.non_empty("record.reference", &d.reference);
        self.country("record.notifying_country", &d.notifying_country);
        self.non_empty("record.reason", &d.reason);
        self.optional_country("record.destination_country", d.destination_country.as_ref());
        if d.entities.is_empty() {
            self.problem(
                "record.entities",
                "required",
                "a denial must name at least one entity",
            );
        }
        self.parties("record.entities", &d.entities);
        if let Some(entry) = &d.control_entry {
            self.control_entry("record.control_entry", entry);
        }
    }

    fn embargo(&mut self, e: &Embargo) {
        self.non_empty("record.instrument", &e.instrument);
        self.country("record.target_country", &e.target_country);
        self.date_order("record.end", Some(e.start), e.end);
        match e.scope {
            EmbargoScope::Categories if e.categories.is_empty() => self.problem(
                "record.categories",
                "required",
                "an embargo limited to categories must list them",
            ),
            EmbargoScope::AllArms if !e.categories.is_empty() => self.problem(
                "record.categories",
                "inconsistent",
                "an embargo on all arms must not list categories",
            ),
            _ => {}
        }
    }
}
