//! What a record can be found by. One function derives it, and both the secondary
//! indexes and the query filters use it, so an index can never disagree with a filter.

use std::collections::BTreeSet;

use crate::control_list::ControlLists;
pub use crate::model::normalize_party_name;
use crate::model::{
    Body, CountryRole, Draft, Party, PartyRole, RecordKind, StoredRecord, normalize_serial,
};
use jiff::civil::Date;

/// What [`Facets::of_draft`] reads of a revision.
struct RecordView<'a> {
    kind: RecordKind,
    draft: &'a Draft,
    event_date: Option<Date>,
}

// The secondary indexes by number: the first byte of a posting key (`super::postings`).
// Numbers are part of the store format: never renumber, only add.
pub const KIND: usize = 0;
pub const AGENCY: usize = 1;
pub const SERIAL: usize = 2;
pub const AUTHORIZATION: usize = 3;
pub const PARTY: usize = 4;
pub const COUNTRY_YEAR: usize = 5;
pub const CATEGORY_YEAR: usize = 6;
pub const DATE: usize = 7;

/// The searchable facts of one record revision.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facets {
    pub kind: String,
    pub agency: String,
    pub serials: BTreeSet<String>,
    pub authorization_refs: BTreeSet<String>,
    pub parties: BTreeSet<String>,
    pub countries: BTreeSet<String>,
    /// Countries the goods go to (`query --destination`); always also in `countries`, so
    /// the country index finds them. See [`Facets::of`] for which fields count.
    pub destinations: BTreeSet<String>,
    /// Countries the goods come from, where they were made or sent from (`query
    /// --origin`); always also in `countries`.
    pub origins: BTreeSet<String>,
    /// Control entry ids the record refers to.
    pub control_entries: BTreeSet<String>,
    /// ATT scope codes of those entries, per the control list in force on the record's date.
    pub att_scopes: BTreeSet<String>,
    pub date: Option<jiff::civil::Date>,
    /// For records that hold over a period (embargoes): the last day, `None` while open.
    /// A date-range query matches such a record if the period overlaps the range.
    pub period_end: Option<PeriodEnd>,
}

/// The end of a record's period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodEnd {
    On(jiff::civil::Date),
    Open,
}

impl Facets {
    pub fn of(record: &StoredRecord, lists: &ControlLists) -> Facets {
        Facets::of_draft(&record.draft, record.event_date, lists)
    }

    /// The facets of a revision of `draft` with this event date (what a revision stores:
    /// [`crate::model::Body::event_date`] when it was written).
    pub fn of_draft(draft: &Draft, event_date: Option<Date>, lists: &ControlLists) -> Facets {
        let record = RecordView {
            kind: draft.record.kind(),
            draft,
            event_date,
        };
        let mut facets = Facets {
            kind: record.kind.as_str().to_owned(),
            agency: record.draft.agency.clone(),
            date: record.event_date,
            ..Facets::default()
        };
        let add_parties = |facets: &mut Facets, parties: &[Party]| {
            for party in parties {
                facets.parties.insert(normalize_party_name(&party.name));
                if let Some(country) = &party.country {
                    facets.countries.insert(country.clone());
                }
            }
        };
        match &record.draft.record {
            Body::Authorization(a) => {
                facets.authorization_refs.insert(a.reference.clone());
                add_parties(&mut facets, &a.parties);
                facets
                    .countries
                    .extend(a.countries.iter().map(|c| c.country.clone()));
                for line in &a.lines {
                    facets
                        .control_entries
                        .extend(line.control_entry.iter().cloned());
                    facets
                        .serials
                        .extend(line.serial_numbers.iter().map(|s| normalize_serial(s)));
                }
            }
            Body::CustomsDeclaration(c) => {
                add_parties(&mut facets, &c.parties);
                facets.countries.extend(
                    [
                        &c.country_of_dispatch,
                        &c.country_of_destination,
                        &c.country_of_origin,
                    ]
                    .into_iter()
                    .flatten()
                    .cloned(),
                );
                facets
                    .control_entries
                    .extend(c.control_entry.iter().cloned());
                facets
                    .serials
                    .extend(c.serial_numbers.iter().map(|s| normalize_serial(s)));
                for document in &c.attached_documents {
                    facets
                        .authorization_refs
                        .insert(document.authorization_ref.clone());
                }
            }
            Body::Item(item) => {
                facets.serials.insert(normalize_serial(&item.serial));
                facets
                    .countries
                    .extend(item.country_of_manufacture.iter().cloned());
                facets
                    .countries
                    .extend(item.import_mark.iter().map(|m| m.country.clone()));
                facets
                    .control_entries
                    .extend(item.control_entry.iter().cloned());
            }
            Body::PoliceCase(p) => {
                add_parties(&mut facets, &p.parties);
                facets.countries.extend(p.country.iter().cloned());
                facets.countries.extend(p.trace_counterpart.iter().cloned());
                for item in &p.items {
                    facets.serials.insert(normalize_serial(&item.serial));
                    facets
                        .countries
                        .extend(item.country_of_manufacture.iter().cloned());
                    facets
                        .control_entries
                        .extend(item.control_entry.iter().cloned());
                }
            }
            Body::EndUserCertificate(e) => {
                add_parties(&mut facets, std::slice::from_ref(&e.end_user));
                facets.countries.insert(e.issuing_country.clone());
                facets
                    .authorization_refs
                    .extend(e.authorization_ref.iter().cloned());
            }
            Body::DeliveryVerification(d) => {
                facets.countries.insert(d.issuing_country.clone());
                facets
                    .authorization_refs
                    .insert(d.authorization_ref.clone());
            }
            Body::Denial(d) => {
                add_parties(&mut facets, &d.entities);
                facets.countries.insert(d.notifying_country.clone());
                facets
                    .countries
                    .extend(d.destination_country.iter().cloned());
                facets
                    .control_entries
                    .extend(d.control_entries.iter().cloned());
            }
            Body::Embargo(e) => {
                add_parties(&mut facets, &e.target_entities);
                facets.countries.extend(e.target_country.iter().cloned());
                facets
                    .control_entries
                    .extend(e.control_entries.iter().cloned());
                facets.att_scopes.extend(e.att_scopes.iter().cloned());
                facets.period_end = Some(e.end.map_or(PeriodEnd::Open, PeriodEnd::On));
            }
            Body::LicenceUsage(u) => {
                facets
                    .authorization_refs
                    .insert(u.authorization_ref.clone());
            }
            Body::CustomsLicenceStatus(s) => {
                facets
                    .authorization_refs
                    .insert(s.authorization_ref.clone());
            }
            Body::ReportedTransfer(t) => {
                facets.countries.extend(
                    [&t.supplier.code, &t.recipient.code]
                        .into_iter()
                        .flatten()
                        .cloned(),
                );
                facets.att_scopes.extend(t.category.iter().cloned());
            }
            // Never stored: the store turns a status change into an authorization revision.
            Body::AuthorizationStatusChange(s) => {
                facets.authorization_refs.insert(s.reference.clone());
            }
        }
        facets.serials.remove("");
        facets.add_destinations_and_origins(&record.draft.record);
        debug_assert!(
            facets.destinations.is_subset(&facets.countries)
                && facets.origins.is_subset(&facets.countries),
            "a destination or origin missing from the country index"
        );
        if let Some(list) = record.event_date.and_then(|date| lists.in_force_on(date)) {
            for entry in &facets.control_entries {
                if let Some(entry) = list.entry(entry) {
                    facets.att_scopes.insert(entry.att.code().to_owned());
                }
            }
        }
        facets
    }

    /// Which countries the goods go to and come from, by what each field means. Only
    /// fields already among `countries` count, so the country index narrows these queries
    /// too; prohibited licence countries and groups (whose members `countries` does not
    /// hold) never count.
    ///
    /// - licence: its allowed destination and origin countries;
    /// - customs declaration: `country_of_destination`; `country_of_dispatch` and
    ///   `country_of_origin` (sent from, made in);
    /// - licence and declaration parties, end users of certificates, denied entities: the
    ///   country of a recipient (consignee, end user, ultimate end user, intermediate
    ///   consignee, importer) is a destination, of a supplier (exporter, manufacturer) an
    ///   origin; brokers, declarants, carriers, owners and suspects are neither;
    /// - item and police case items: the country of manufacture is an origin, an import
    ///   mark's country a destination; where a police event happened and the State a trace
    ///   went to are neither;
    /// - end-user certificate and delivery verification: the issuing (importing) State is
    ///   a destination;
    /// - denial: the destination applied for; the notifying State is who refused, neither;
    /// - embargo: the target (country, and named entities' countries) is a destination if
    ///   the embargo bars supply, an origin if it bars procurement;
    /// - reported transfer: the recipient is a destination, the supplier an origin.
    fn add_destinations_and_origins(&mut self, body: &Body) {
        let mut to = BTreeSet::new();
        let mut from = BTreeSet::new();
        let parties =
            |to: &mut BTreeSet<String>, from: &mut BTreeSet<String>, parties: &[Party]| {
                for party in parties {
                    let Some(country) = &party.country else {
                        continue;
                    };
                    if party.role.receives_goods() {
                        to.insert(country.clone());
                    } else if is_supplier(party.role) {
                        from.insert(country.clone());
                    }
                }
            };
        match body {
            Body::Authorization(a) => {
                to.extend(
                    a.countries_in_role(CountryRole::Destination, false)
                        .map(str::to_owned),
                );
                from.extend(
                    a.countries_in_role(CountryRole::Origin, false)
                        .map(str::to_owned),
                );
                parties(&mut to, &mut from, &a.parties);
            }
            Body::CustomsDeclaration(c) => {
                to.extend(c.country_of_destination.iter().cloned());
                from.extend(c.country_of_dispatch.iter().cloned());
                from.extend(c.country_of_origin.iter().cloned());
                parties(&mut to, &mut from, &c.parties);
            }
            Body::Item(item) => {
                from.extend(item.country_of_manufacture.iter().cloned());
                to.extend(item.import_mark.iter().map(|m| m.country.clone()));
            }
            Body::PoliceCase(p) => {
                for item in &p.items {
                    from.extend(item.country_of_manufacture.iter().cloned());
                }
                parties(&mut to, &mut from, &p.parties);
            }
            Body::EndUserCertificate(e) => {
                to.insert(e.issuing_country.clone());
                parties(&mut to, &mut from, std::slice::from_ref(&e.end_user));
            }
            Body::DeliveryVerification(d) => {
                to.insert(d.issuing_country.clone());
            }
            Body::Denial(d) => {
                to.extend(d.destination_country.iter().cloned());
                parties(&mut to, &mut from, &d.entities);
            }
            Body::Embargo(e) => {
                let targets = e
                    .target_country
                    .iter()
                    .chain(e.target_entities.iter().filter_map(|p| p.country.as_ref()));
                for target in targets {
                    if e.direction.bars_supply() {
                        to.insert(target.clone());
                    }
                    if e.direction.bars_procurement() {
                        from.insert(target.clone());
                    }
                }
            }
            Body::ReportedTransfer(t) => {
                to.extend(t.recipient.code.iter().cloned());
                from.extend(t.supplier.code.iter().cloned());
            }
            Body::LicenceUsage(_)
            | Body::CustomsLicenceStatus(_)
            | Body::AuthorizationStatusChange(_) => {}
        }
        self.destinations = to;
        self.origins = from;
    }

    /// (index number, key) pairs under which the record is indexed.
    pub fn index_keys(&self) -> Vec<(usize, String)> {
        let mut keys = vec![(KIND, self.kind.clone()), (AGENCY, self.agency.clone())];
        keys.extend(self.serials.iter().map(|s| (SERIAL, s.clone())));
        keys.extend(
            self.authorization_refs
                .iter()
                .map(|r| (AUTHORIZATION, r.clone())),
        );
        keys.extend(self.parties.iter().map(|p| (PARTY, p.clone())));
        let year = self.date.map(|d| d.year().to_string()).unwrap_or_default();
        keys.extend(
            self.countries
                .iter()
                .map(|c| (COUNTRY_YEAR, format!("{c}:{year}"))),
        );
        keys.extend(
            self.control_entries
                .iter()
                .map(|e| (CATEGORY_YEAR, format!("entry:{e}:{year}"))),
        );
        keys.extend(
            self.att_scopes
                .iter()
                .map(|a| (CATEGORY_YEAR, format!("att:{a}:{year}"))),
        );
        if let Some(date) = self.date {
            keys.push((DATE, date.to_string()));
        }
        keys
    }
}

/// A party on the sending side: its country is where the goods come from. (The embargo
/// rule also counts brokers on both sides, to screen conservatively; a query for where
/// goods went should not.)
fn is_supplier(role: PartyRole) -> bool {
    matches!(role, PartyRole::Exporter | PartyRole::Manufacturer)
}
