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
    Authorization, AuthorizationStatus, Body, ControlledBy, CountryRole, CustomsDeclaration,
    CustomsLicenceStatus, CustomsProcedure, DeclarationStatus, DeliveryVerification, Denial,
    Direction, Draft, Embargo, EmbargoScope, EndUserCertificate, IdentifierScheme, Item,
    LicenceUsage, Money, Party, PartyRole, PoliceCase, PoliceEvent, Quantity, ReportedTransfer,
    StatusChange, UsageType,
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
            Body::AuthorizationStatusChange(c) => check.status_change(c),
            Body::LicenceUsage(u) => check.licence_usage(u),
            Body::CustomsLicenceStatus(s) => check.customs_licence_status(s),
            Body::ReportedTransfer(t) => check.reported_transfer(t),
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
        for (index, identifier) in party.identifiers.iter().enumerate() {
            let field = format!("{field}.identifiers[{index}].value");
            self.non_empty(&field, &identifier.value);
            if identifier.scheme == IdentifierScheme::Eori && !is_eori(&identifier.value) {
                self.problem(
                    field,
                    "eori",
                    format!(
                        "`{}` is not an EORI number (a country code and up to 15 letters or digits, e.g. GB123456789000)",
                        identifier.value
                    ),
                );
            }
        }
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
                format!(
                    "is required for a licence with status {}",
                    a.status.as_str()
                ),
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
            if a.refusal_reasons.is_empty() && a.refusal_criteria.is_empty() {
                self.problem(
                    "record.refusal_reasons",
                    "required",
                    "a refused application must state at least one refusal reason or criterion",
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
        for (index, country) in a.countries.iter().enumerate() {
            self.country(
                &format!("record.countries[{index}].country"),
                &country.country,
            );
        }
        for (index, group) in a.country_groups.iter().enumerate() {
            let field = format!("record.country_groups[{index}]");
            self.non_empty(&format!("{field}.name"), &group.name);
            self.countries(&format!("{field}.countries"), &group.countries);
        }
        if let Some(from_history) = a.status_from_history()
            && from_history != a.status
        {
            self.problem(
                "record.status",
                "inconsistent",
                format!(
                    "is {} but the status history ends in {}",
                    a.status.as_str(),
                    from_history.as_str()
                ),
            );
        }
        if let Some(message) = &a.message {
            self.non_empty("record.message.source", &message.source);
        }

        // Allowed (not prohibited) countries or groups in a role.
        let allowed = |role: CountryRole| {
            a.countries.iter().any(|c| c.role == role && !c.prohibited)
                || a.country_groups
                    .iter()
                    .any(|g| g.role == role && !g.prohibited)
        };
        let has_role = |roles: &[PartyRole]| a.parties.iter().any(|p| roles.contains(&p.role));
        match a.direction {
            Direction::Export => {
                if !allowed(CountryRole::Destination) {
                    self.problem(
                        "record.countries",
                        "required",
                        "an export authorization must allow at least one destination country or country group",
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
                if !allowed(CountryRole::Origin) && !a.open {
                    self.problem(
                        "record.countries",
                        "required",
                        "an import authorization must allow at least one country of origin or export",
                    );
                }
            }
            Direction::Transit | Direction::Transshipment => {
                if !allowed(CountryRole::Origin) || !allowed(CountryRole::Destination) {
                    self.problem(
                        "record.countries",
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
            let limited = a.status.was_issued() && !a.open;
            match line.controlled_by {
                Some(ControlledBy::Quantity | ControlledBy::Both) if line.quantity.is_none() => {
                    self.problem(
                        format!("{field}.quantity"),
                        "required",
                        "a line controlled by quantity must give the quantity allowed",
                    )
                }
                Some(ControlledBy::Value | ControlledBy::Both) if line.value.is_none() => self
                    .problem(
                        format!("{field}.value"),
                        "required",
                        "a line controlled by value must give the value allowed",
                    ),
                None if limited && line.quantity.is_none() && line.value.is_none() => self
                    .problem(
                        format!("{field}.quantity"),
                        "required",
                        "an issued licence line must limit a quantity or a value (unless the licence is open or the line is controlled_by unlimited)",
                    ),
                _ => {}
            }
        }
    }

    fn status_change(&mut self, c: &StatusChange) {
        self.non_empty("record.reference", &c.reference);
        if let Some(message) = &c.message {
            self.non_empty("record.message.source", &message.source);
        }
    }

    fn licence_usage(&mut self, u: &LicenceUsage) {
        self.non_empty("record.authorization_ref", &u.authorization_ref);
        self.non_empty("record.declaration_ref", &u.declaration_ref);
        if u.line_no == 0 {
            self.problem("record.line_no", "line-number", "line numbers start at 1");
        }
        self.unitless_quantity("record", "quantity", u.quantity, u.unit.as_deref());
        if let Some(value) = &u.value {
            self.money("record.value", value);
        }
        let has_amount = u.quantity.is_some_and(|q| !q.is_zero())
            || u.value.as_ref().is_some_and(|v| !v.amount.is_zero());
        if u.usage_type == UsageType::MessageOnly && has_amount {
            self.problem(
                "record.quantity",
                "inconsistent",
                "a message-only usage record writes off nothing and must carry no amount",
            );
        }
    }

    fn customs_licence_status(&mut self, s: &CustomsLicenceStatus) {
        self.non_empty("record.authorization_ref", &s.authorization_ref);
        let mut seen = HashSet::new();
        for (index, line) in s.lines.iter().enumerate() {
            let field = format!("record.lines[{index}]");
            if !seen.insert(line.line_no) {
                self.problem(
                    format!("{field}.line_no"),
                    "duplicate-line",
                    format!("line number {} appears more than once", line.line_no),
                );
            }
            self.unitless_quantity(
                &field,
                "quantity_used",
                line.quantity_used,
                line.unit.as_deref(),
            );
            if let Some(value) = &line.value_used {
                self.money(&format!("{field}.value_used"), value);
            }
        }
    }

    /// A quantity whose unit may be left to the licence line it counts against.
    fn unitless_quantity(
        &mut self,
        parent: &str,
        name: &str,
        amount: Option<Decimal>,
        unit: Option<&str>,
    ) {
        if let Some(amount) = amount {
            self.non_negative(&format!("{parent}.{name}"), amount);
        }
        if let Some(unit) = unit
            && !reference::is_unit(unit)
        {
            self.problem(
                format!("{parent}.unit"),
                "unknown-unit",
                format!(
                    "`{unit}` is not a known UN/ECE Recommendation 20 unit code (e.g. NAR, KGM)"
                ),
            );
        }
    }

    fn counterpart(&mut self, field: &str, c: &crate::model::Counterpart) {
        self.non_empty(&format!("{field}.name"), &c.name);
        if let Some(code) = &c.code
            && !reference::is_country(code)
            && reference::former_country_name(code).is_none()
        {
            self.problem(
                format!("{field}.code"),
                "unknown-country",
                format!(
                    "`{code}` is neither an ISO 3166-1 alpha-2 code nor a former code of ISO 3166-3"
                ),
            );
        }
    }

    fn reported_transfer(&mut self, t: &ReportedTransfer) {
        self.non_empty("record.source.name", &t.source.name);
        self.optional_country(
            "record.source.reporting_country",
            t.source.reporting_country.as_ref(),
        );
        self.counterpart("record.supplier", &t.supplier);
        self.counterpart("record.recipient", &t.recipient);
        let plausible = |year: i16| (1900..=2200).contains(&year);
        if let Some(year) = t.order_year
            && !plausible(year)
        {
            self.problem(
                "record.order_year",
                "year",
                format!("{year} is not a plausible year"),
            );
        }
        let mut seen = HashSet::new();
        for (index, delivery) in t.deliveries.iter().enumerate() {
            let field = format!("record.deliveries[{index}].year");
            if !plausible(delivery.year) {
                self.problem(
                    &field,
                    "year",
                    format!("{} is not a plausible year", delivery.year),
                );
            } else if !seen.insert(delivery.year) {
                self.problem(
                    &field,
                    "duplicate-year",
                    format!("{} appears more than once", delivery.year),
                );
            }
        }
        if t.year().is_none() {
            self.problem(
                "record.deliveries",
                "required",
                "a reported transfer needs a year of delivery or a year of order",
            );
        }
        if let Some(category) = &t.category {
            self.att_scope("record.category", category);
        }
        if let Some(value) = &t.value {
            self.money("record.value", value);
        }
    }

    fn att_scope(&mut self, field: &str, code: &str) {
        if let Err(error) = code.parse::<crate::control_list::AttScope>() {
            self.problem(field, "unknown-att-scope", error.to_string());
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
        if let Some(value) = &c.statistical_value {
            self.money("record.statistical_value", value);
        }
        if let Some(entry) = &c.control_entry {
            self.control_entry("record.control_entry", entry);
        }
        if c.control_entry_basis.is_some() && c.control_entry.is_none() {
            self.problem(
                "record.control_entry_basis",
                "inconsistent",
                "says who classified the goods but no control_entry is given",
            );
        }
        self.date_order("record.exit_date", Some(c.date), c.exit_date);
        if c.exit_date.is_some() && c.procedure == CustomsProcedure::Import {
            self.problem(
                "record.exit_date",
                "inconsistent",
                "an import has no exit date",
            );
        }
        if c.exit_date.is_some() && c.status == Some(DeclarationStatus::Invalidated) {
            self.problem(
                "record.exit_date",
                "inconsistent",
                "an invalidated declaration moved nothing, so it has no exit date",
            );
        }
        for (index, serial) in c.serial_numbers.iter().enumerate() {
            self.non_empty(&format!("record.serial_numbers[{index}]"), serial);
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
        for (index, entry) in d.control_entries.iter().enumerate() {
            self.control_entry(&format!("record.control_entries[{index}]"), entry);
        }
        self.date_order("record.expires", Some(d.date), d.expires);
        self.date_order("record.revoked_on", Some(d.date), d.revoked_on);
        if d.revoked_on.is_some() && !d.revoked {
            self.problem(
                "record.revoked",
                "inconsistent",
                "revoked_on is given, so revoked must be true",
            );
        }
    }

    fn embargo(&mut self, e: &Embargo) {
        self.non_empty("record.instrument", &e.instrument);
        self.optional_country("record.target_country", e.target_country.as_ref());
        if e.target_country.is_none() && e.target_entities.is_empty() {
            self.problem(
                "record.target_country",
                "required",
                "an embargo must target a country or at least one named entity",
            );
        }
        self.parties("record.target_entities", &e.target_entities);
        self.date_order("record.end", Some(e.start), e.end);
        for (index, code) in e.att_scopes.iter().enumerate() {
            self.att_scope(&format!("record.att_scopes[{index}]"), code);
        }
        for (index, entry) in e.control_entries.iter().enumerate() {
            self.control_entry(&format!("record.control_entries[{index}]"), entry);
        }
        let listed = !e.att_scopes.is_empty() || !e.control_entries.is_empty();
        match e.scope {
            EmbargoScope::Listed if !listed => self.problem(
                "record.att_scopes",
                "required",
                "an embargo limited to listed goods must list ATT scopes or control entries",
            ),
            EmbargoScope::AllArms if listed => self.problem(
                "record.att_scopes",
                "inconsistent",
                "an embargo on all arms must not list ATT scopes or control entries",
            ),
            _ => {}
        }
        for (index, exemption) in e.exemptions.iter().enumerate() {
            let field = format!("record.exemptions[{index}]");
            self.non_empty(&format!("{field}.description"), &exemption.description);
            self.date_order(&format!("{field}.until"), exemption.from, exemption.until);
        }
        for (index, amendment) in e.amendments.iter().enumerate() {
            let field = format!("record.amendments[{index}]");
            self.non_empty(&format!("{field}.instrument"), &amendment.instrument);
            self.non_empty(&format!("{field}.summary"), &amendment.summary);
        }
    }
}

/// An EORI number: an ISO 3166-1 alpha-2 country code and 1 to 15 letters or digits.
fn is_eori(value: &str) -> bool {
    let (country, rest) = value.split_at_checked(2).unwrap_or(("", ""));
    reference::is_country(country)
        && (1..=15).contains(&rest.len())
        && rest
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}
