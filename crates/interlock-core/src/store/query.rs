//! Queries over current record revisions.
//!
//! A query picks the most selective index its filters allow to find candidates, then
//! checks every filter on each candidate's [`Facets`]: the index narrows, the facets
//! decide, so results never depend on which index was used.

use jiff::civil::Date;
use redb::{ReadableDatabase, ReadableTable};

use super::facets::{self, Facets, PeriodEnd, normalize_party_name};
use super::postings;
use super::read::head;
use super::revision::Location;
use super::{ReadError, StorageError, Store, tables};
use crate::model::{RecordKind, StoredRecord, normalize_serial};

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

/// Where the records a query can match are, from the indexes its filters allow, each
/// filter's postings intersected with the others'; `None` when no filter has an index (scan
/// every record). Candidates are revisions: some are no longer current, and every one is
/// still checked against every filter.
fn candidates(
    query: &Query,
    postings: &impl ReadableTable<&'static [u8], &'static [u8]>,
) -> Result<Option<Vec<Location>>, StorageError> {
    let mut sets: Vec<Vec<Location>> = Vec::new();
    if let Some(serial) = &query.serial {
        sets.push(postings::exact(
            postings,
            facets::SERIAL,
            &normalize_serial(serial),
        )?);
    }
    if let Some(reference) = &query.authorization_ref {
        sets.push(postings::exact(postings, facets::AUTHORIZATION, reference)?);
    }
    if let Some(category) = &query.category {
        let mut either = postings::with_prefix(
            postings,
            facets::CATEGORY_YEAR,
            &format!("entry:{category}"),
        )?;
        either.extend(postings::with_prefix(
            postings,
            facets::CATEGORY_YEAR,
            &format!("att:{category}"),
        )?);
        either.sort_unstable();
        either.dedup();
        sets.push(either);
    }
    // Destinations and origins are among a record's countries, so the country index holds
    // every candidate for them.
    for country in [&query.country, &query.destination, &query.origin]
        .into_iter()
        .flatten()
    {
        let prefix = format!("{}:", country.to_ascii_uppercase());
        sets.push(postings::with_prefix(
            postings,
            facets::COUNTRY_YEAR,
            &prefix,
        )?);
    }
    if query.from.is_some() || query.to.is_some() {
        // Dates as text sort as dates (four-digit years, which validation ensures).
        let (from, to) = (
            query.from.map(|d| d.to_string()),
            query.to.map(|d| d.to_string()),
        );
        let mut dated = postings::in_range(postings, facets::DATE, from.as_deref(), to.as_deref())?;
        // An embargo matches a range its period overlaps, whenever it began: every embargo
        // is a candidate.
        if query.kind.is_none_or(|kind| kind == RecordKind::Embargo) {
            dated.extend(postings::exact(
                postings,
                facets::KIND,
                RecordKind::Embargo.as_str(),
            )?);
            dated.sort_unstable();
            dated.dedup();
        }
        sets.push(dated);
    }
    // Agency and kind narrow least: only when nothing else does.
    if sets.is_empty() {
        if let Some(agency) = &query.agency {
            sets.push(postings::exact(postings, facets::AGENCY, agency)?);
        } else if let Some(kind) = query.kind {
            sets.push(postings::exact(postings, facets::KIND, kind.as_str())?);
        }
    }
    sets.sort_by_key(Vec::len);
    let mut sets = sets.into_iter();
    let Some(first) = sets.next() else {
        return Ok(None);
    };
    Ok(Some(
        sets.fold(first, |all, next| postings::intersect(&all, &next)),
    ))
}

impl Store {
    /// Every record's current revision, ordered as [`Store::query`] orders them (event date,
    /// then id), without the per-record facets a filtered query computes.
    pub fn current_records(&self) -> Result<Vec<StoredRecord>, ReadError> {
        let txn = self.db.begin_read()?;
        let records = txn.open_table(tables::RECORDS)?;
        let mut reader = self.revision_reader(&txn)?;
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
        let candidates = candidates(query, &txn.open_table(tables::POSTINGS)?)?;
        let records = txn.open_table(tables::RECORDS)?;
        let mut reader = self.revision_reader(&txn)?;
        let mut found = Vec::new();
        match candidates {
            None => {
                for entry in records.iter()? {
                    let (_, head) = entry?;
                    let (_, batch, seq) = head.value();
                    let record = reader.record(Location { batch, seq })?;
                    if query.matches(&Facets::of(&record, &lists)) {
                        found.push(record);
                    }
                }
            }
            Some(locations) => {
                for location in locations {
                    let raw = reader.raw(location)?;
                    // Postings of revised records name their earlier revisions too.
                    if head(&records, raw.id)?.map(|(_, at)| at) != Some(location) {
                        continue;
                    }
                    let record = reader.record_of(raw, location.batch)?;
                    if query.matches(&Facets::of(&record, &lists)) {
                        found.push(record);
                    }
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
