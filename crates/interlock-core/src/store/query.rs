//! Queries over current record revisions.
//!
//! A query picks the most selective index its filters allow to find candidates, then
//! checks every filter on each candidate's [`Facets`]: the index narrows, the facets
//! decide, so results never depend on which index was used.

use std::collections::BTreeSet;

use jiff::civil::Date;
use redb::{ReadOnlyMultimapTable, ReadableDatabase, ReadableTable};

use super::facets::{self, Facets, PeriodEnd, normalize_party_name};
use super::read::{head, revision_reader};
use super::revision::Location;
use super::{ReadError, StorageError, Store, tables};
use crate::model::{RecordId, RecordKind, StoredRecord, normalize_serial};

#[derive(Clone, Debug, Default)]
pub struct Query {
    pub kind: Option<RecordKind>,
    pub agency: Option<String>,
    /// ISO 3166-1 alpha-2: any country the record involves.
    pub country: Option<String>,
    /// ISO 3166-1 alpha-2: a country the goods go to ([`Facets::destinations`]).
    pub destination: Option<String>,
    /// ISO 3166-1 alpha-2: a country the goods come from ([`Facets::origins`]).
    pub origin: Option<String>,
    /// A control entry id (matches the entry and its sub-entries, e.g. `ML1` matches
    /// `ML1.a.2`) or an ATT scope code (`VIII.SA` matches `VIII.SA.2`).
    pub category: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub authorization_ref: Option<String>,
    pub serial: Option<String>,
    pub party: Option<String>,
    pub limit: Option<usize>,
}

/// `ML1` covers `ML1` and `ML1.a.2` but not `ML10`.
fn covers(category: &str, code: &str) -> bool {
    code == category
        || code
            .strip_prefix(category)
            .is_some_and(|rest| rest.starts_with('.'))
}

impl Query {
    fn matches(&self, facets: &Facets) -> bool {
        let date_in_range = match (self.from, self.to, facets.date) {
            (None, None, _) => true,
            (_, _, None) => false,
            // A record that holds over a period (an embargo) matches when the period
            // overlaps the range: a query for a day finds the embargoes in force that day.
            (from, to, Some(start)) => {
                let end = match facets.period_end {
                    None => Some(start),
                    Some(PeriodEnd::On(end)) => Some(end),
                    Some(PeriodEnd::Open) => None,
                };
                from.is_none_or(|f| end.is_none_or(|end| end >= f)) && to.is_none_or(|t| start <= t)
            }
        };
        date_in_range
            && self.kind.is_none_or(|k| facets.kind == k.as_str())
            && self.agency.as_ref().is_none_or(|a| &facets.agency == a)
            && self
                .country
                .as_ref()
                .is_none_or(|c| facets.countries.contains(&c.to_ascii_uppercase()))
            && self
                .destination
                .as_ref()
                .is_none_or(|c| facets.destinations.contains(&c.to_ascii_uppercase()))
            && self
                .origin
                .as_ref()
                .is_none_or(|c| facets.origins.contains(&c.to_ascii_uppercase()))
            && self.category.as_ref().is_none_or(|category| {
                facets.control_entries.iter().any(|e| covers(category, e))
                    || facets.att_scopes.iter().any(|a| covers(category, a))
            })
            && self
                .authorization_ref
                .as_ref()
                .is_none_or(|r| facets.authorization_refs.contains(r))
            && self
                .serial
                .as_ref()
                .is_none_or(|s| facets.serials.contains(&normalize_serial(s)))
            && self.party.as_ref().is_none_or(|p| {
                facets
                    .parties
                    .iter()
                    .any(|name| name.contains(&normalize_party_name(p)))
            })
    }
}

type Index = ReadOnlyMultimapTable<&'static str, &'static [u8; 16]>;

fn ids_for_key(
    index: &Index,
    key: &str,
    into: &mut BTreeSet<RecordId>,
) -> Result<(), StorageError> {
    for id in index.get(key)? {
        into.insert(RecordId(*id?.value()));
    }
    Ok(())
}

fn ids_with_prefix(
    index: &Index,
    prefix: &str,
    into: &mut BTreeSet<RecordId>,
) -> Result<(), StorageError> {
    for entry in index.range(prefix..)? {
        let (key, ids) = entry?;
        if !key.value().starts_with(prefix) {
            break;
        }
        for id in ids {
            into.insert(RecordId(*id?.value()));
        }
    }
    Ok(())
}

impl Store {
    /// Every record's current revision, ordered as [`Store::query`] orders them (event date,
    /// then id), without the per-record facets a filtered query computes.
    pub fn current_records(&self) -> Result<Vec<StoredRecord>, ReadError> {
        let txn = self.db.begin_read()?;
        let records = txn.open_table(tables::RECORDS)?;
        let mut reader = revision_reader(&txn)?;
        let mut all = Vec::new();
        for entry in records.iter()? {
            let (_, head) = entry?;
            let (_, batch, seq) = head.value();
            all.push(reader.record(Location { batch, seq })?);
        }
        all.sort_by_key(|record| (record.event_date, record.id));
        Ok(all)
    }

    /// Current revisions matching every filter of `query`, ordered by event date then id.
    pub fn query(&self, query: &Query) -> Result<Vec<StoredRecord>, ReadError> {
        let txn = self.db.begin_read()?;
        let lists = self.control_lists_in(&txn)?;
        let index = |n: usize| txn.open_multimap_table(facets::ALL_INDEXES[n]);

        // Candidates from the most selective index the filters allow.
        let mut candidates = BTreeSet::new();
        let scan_all = if let Some(serial) = &query.serial {
            ids_for_key(
                &index(facets::SERIAL)?,
                &normalize_serial(serial),
                &mut candidates,
            )?;
            false
        } else if let Some(reference) = &query.authorization_ref {
            ids_for_key(&index(facets::AUTHORIZATION)?, reference, &mut candidates)?;
            false
        } else if let Some(category) = &query.category {
            let table = index(facets::CATEGORY_YEAR)?;
            ids_with_prefix(&table, &format!("entry:{category}"), &mut candidates)?;
            ids_with_prefix(&table, &format!("att:{category}"), &mut candidates)?;
            false
        } else if let Some(country) = (query.country.as_ref())
            .or(query.destination.as_ref())
            .or(query.origin.as_ref())
        {
            // Destinations and origins are among a record's countries, so their index
            // holds every candidate.
            let prefix = format!("{}:", country.to_ascii_uppercase());
            ids_with_prefix(&index(facets::COUNTRY_YEAR)?, &prefix, &mut candidates)?;
            false
        } else if let Some(agency) = &query.agency {
            ids_for_key(&index(facets::AGENCY)?, agency, &mut candidates)?;
            false
        } else if let Some(kind) = query.kind {
            ids_for_key(&index(facets::KIND)?, kind.as_str(), &mut candidates)?;
            false
        } else {
            true
        };

        let records = txn.open_table(tables::RECORDS)?;
        let mut reader = revision_reader(&txn)?;
        let mut found = Vec::new();
        if scan_all {
            for entry in records.iter()? {
                let (_, head) = entry?;
                let (_, batch, seq) = head.value();
                let record = reader.record(Location { batch, seq })?;
                if query.matches(&Facets::of(&record, &lists)) {
                    found.push(record);
                }
            }
        } else {
            for id in candidates {
                let Some((_, location)) = head(&records, id)? else {
                    continue;
                };
                let record = reader.record(location)?;
                if query.matches(&Facets::of(&record, &lists)) {
                    found.push(record);
                }
            }
        }
        found.sort_by_key(|record| (record.event_date, record.id));
        if let Some(limit) = query.limit {
            found.truncate(limit);
        }
        Ok(found)
    }
}
