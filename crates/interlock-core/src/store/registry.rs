//! The registry in the store: the reporting State's settings, the agencies (versioned) and
//! the national reporting deadlines. The types and their logic are in
//! [`crate::registry`]; this file only keeps them.
//!
//! Like withholdings, registry entries are annotations of the reporting authority, not
//! records: they never pass through an import. Every change is one write transaction with
//! one audit entry carrying what was stored, and `audit verify` replays those entries and
//! checks that they give exactly the tables' content. The tables are created by their
//! first write; a store without them (a new store, or one migrated from schema 1) has no
//! settings, no agencies and no deadlines.
//!
//! An agency is never changed in place: an update writes version n+1 beside version n, so
//! `agency show ID --history` can say who held a mandate or a contact before, and since
//! when it changed.

use std::collections::{BTreeMap, BTreeSet};

use redb::{ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use serde::Serialize;

use super::{ReadError, RegistryError, StorageError, Store, tables};
use crate::audit::{AuditAction, AuditEntry, VerifyReport};
use crate::registry::calendar::RecordCounts;
use crate::registry::{
    Agency, Deadline, RegisteredAgency, SettingDifference, Settings, SettingsChange,
};

/// The key of the one row of the settings table.
const SETTINGS_KEY: &str = "settings";

/// What [`Store::set_settings`] did. When `differences` is empty nothing was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SettingsOutcome {
    pub previous: Settings,
    pub current: Settings,
    pub differences: Vec<SettingDifference>,
}

/// What [`Store::update_agency`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgencyUpdate {
    /// A new version was written; the previous one is kept.
    Updated {
        previous: RegisteredAgency,
        current: RegisteredAgency,
    },
    /// The description is the current version's: nothing was written.
    Unchanged(RegisteredAgency),
}

/// What [`Store::set_deadlines`] and [`Store::remove_deadline`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeadlineChanges {
    pub added: Vec<Deadline>,
    /// (previous, current).
    pub changed: Vec<(Deadline, Deadline)>,
    pub unchanged: Vec<Deadline>,
    pub removed: Vec<Deadline>,
}

impl DeadlineChanges {
    fn wrote_anything(&self) -> bool {
        !(self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty())
    }
}

/// A table opened for reading, or `None` when the store has never written it.
fn read_table<K: redb::Key + 'static, V: redb::Value + 'static>(
    txn: &ReadTransaction,
    definition: TableDefinition<K, V>,
) -> Result<Option<redb::ReadOnlyTable<K, V>>, StorageError> {
    match txn.open_table(definition) {
        Ok(table) => Ok(Some(table)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Whether a write transaction sees the table, without creating it as `open_table` would.
fn exists_in(txn: &WriteTransaction, name: &str) -> Result<bool, StorageError> {
    use redb::TableHandle;
    Ok(txn.list_tables()?.any(|table| table.name() == name))
}

fn read_settings(txn: &ReadTransaction) -> Result<Settings, StorageError> {
    let Some(table) = read_table(txn, tables::SETTINGS)? else {
        return Ok(Settings::default());
    };
    let bytes = table.get(SETTINGS_KEY)?;
    match bytes {
        Some(bytes) => Ok(serde_json::from_slice(bytes.value())?),
        None => Ok(Settings::default()),
    }
}

/// The current version of every agency in `table`, by id.
fn current_agencies(
    table: &impl ReadableTable<(&'static str, u32), &'static [u8]>,
) -> Result<BTreeMap<String, RegisteredAgency>, StorageError> {
    let mut current = BTreeMap::new();
    for entry in table.iter()? {
        let (_, bytes) = entry?;
        let agency: RegisteredAgency = serde_json::from_slice(bytes.value())?;
        // Keys are ordered by (id, version): the last one read for an id is its current.
        current.insert(agency.agency.id.clone(), agency);
    }
    Ok(current)
}

fn latest_version(
    table: &impl ReadableTable<(&'static str, u32), &'static [u8]>,
    id: &str,
) -> Result<Option<RegisteredAgency>, StorageError> {
    let last = table.range((id, 0)..=(id, u32::MAX))?.next_back();
    match last {
        Some(entry) => Ok(Some(serde_json::from_slice(entry?.1.value())?)),
        None => Ok(None),
    }
}

/// The registered agency ids, as an import's write transaction sees them; empty when no
/// agency is registered (then imports do not check the agency their records name).
pub(super) fn registered_agency_ids(
    txn: &WriteTransaction,
) -> Result<BTreeSet<String>, StorageError> {
    if !exists_in(txn, "agencies")? {
        return Ok(BTreeSet::new());
    }
    let table = txn.open_table(tables::AGENCIES)?;
    let mut ids = BTreeSet::new();
    for entry in table.iter()? {
        let (key, _) = entry?;
        ids.insert(key.value().0.to_owned());
    }
    Ok(ids)
}

fn invalid_agency(agency: &Agency) -> Option<RegistryError> {
    let problems = agency.problems();
    if problems.is_empty() {
        None
    } else {
        Some(RegistryError::InvalidAgency {
            id: agency.id.clone(),
            problems: problems.iter().map(ToString::to_string).collect(),
        })
    }
}

impl Store {
    // -----------------------------------------------------------------------------------
    // Settings
    // -----------------------------------------------------------------------------------

    /// The reporting State's settings; `Settings::default()` (nothing set) until someone
    /// sets them. Readers treat an unset field as unknown, never as a default country or
    /// currency.
    pub fn settings(&self) -> Result<Settings, ReadError> {
        Ok(read_settings(&self.db.begin_read()?)?)
    }

    /// Changes the fields `change` gives, after checking the country and currency codes
    /// ([`RegistryError::InvalidSettings`]). A change that changes nothing writes nothing.
    pub fn set_settings(
        &self,
        change: &SettingsChange,
        actor: &str,
    ) -> Result<SettingsOutcome, RegistryError> {
        let txn = self.begin_write()?;
        let previous: Settings = {
            let table = txn.open_table(tables::SETTINGS)?;
            let bytes = table.get(SETTINGS_KEY)?;
            match bytes {
                Some(bytes) => serde_json::from_slice(bytes.value())?,
                None => Settings::default(),
            }
        };
        let current = previous
            .apply(change)
            .map_err(RegistryError::InvalidSettings)?;
        let differences = current.differences_from(&previous);
        if differences.is_empty() {
            return Ok(SettingsOutcome {
                previous,
                current,
                differences,
            });
        }
        txn.open_table(tables::SETTINGS)?
            .insert(SETTINGS_KEY, serde_json::to_vec(&current)?.as_slice())?;
        self.append_audit(
            &txn,
            actor,
            AuditAction::SettingsChanged,
            "settings",
            serde_json::json!({
                "settings": current,
                "previous": previous,
                "changed": differences.iter().map(|d| d.field).collect::<Vec<_>>(),
            }),
        )?;
        txn.commit()?;
        tracing::info!(
            changed = ?differences.iter().map(|d| d.field).collect::<Vec<_>>(),
            "settings changed"
        );
        Ok(SettingsOutcome {
            previous,
            current,
            differences,
        })
    }

    // -----------------------------------------------------------------------------------
    // Agencies
    // -----------------------------------------------------------------------------------

    /// Registers an agency (version 1). Refuses a description with problems
    /// ([`RegistryError::InvalidAgency`]) and an id already registered
    /// ([`RegistryError::AgencyExists`]).
    pub fn add_agency(
        &self,
        agency: Agency,
        actor: &str,
    ) -> Result<RegisteredAgency, RegistryError> {
        if let Some(error) = invalid_agency(&agency) {
            return Err(error);
        }
        let txn = self.begin_write()?;
        let registered = {
            let mut table = txn.open_table(tables::AGENCIES)?;
            if latest_version(&table, &agency.id)?.is_some() {
                return Err(RegistryError::AgencyExists(agency.id));
            }
            let registered = RegisteredAgency {
                agency,
                version: 1,
                recorded_by: actor.to_owned(),
                recorded_at: self.now(),
            };
            table.insert(
                (registered.agency.id.as_str(), 1),
                serde_json::to_vec(&registered)?.as_slice(),
            )?;
            registered
        };
        self.append_audit(
            &txn,
            actor,
            AuditAction::AgencyRegistered,
            &registered.agency.id,
            serde_json::json!({ "agency": registered }),
        )?;
        txn.commit()?;
        tracing::info!(agency = %registered.agency.id, "agency registered");
        Ok(registered)
    }

    /// Records a new version of a registered agency's description; the previous versions
    /// are kept. Refuses an unknown id ([`RegistryError::UnknownAgency`]) and a description
    /// with problems. The same description as the current version writes nothing.
    pub fn update_agency(
        &self,
        agency: Agency,
        actor: &str,
    ) -> Result<AgencyUpdate, RegistryError> {
        if let Some(error) = invalid_agency(&agency) {
            return Err(error);
        }
        let txn = self.begin_write()?;
        let (previous, current) = {
            let mut table = txn.open_table(tables::AGENCIES)?;
            let previous = latest_version(&table, &agency.id)?
                .ok_or_else(|| RegistryError::UnknownAgency(agency.id.clone()))?;
            if previous.agency == agency {
                return Ok(AgencyUpdate::Unchanged(previous));
            }
            let current = RegisteredAgency {
                agency,
                version: previous.version + 1,
                recorded_by: actor.to_owned(),
                recorded_at: self.now(),
            };
            table.insert(
                (current.agency.id.as_str(), current.version),
                serde_json::to_vec(&current)?.as_slice(),
            )?;
            (previous, current)
        };
        self.append_audit(
            &txn,
            actor,
            AuditAction::AgencyUpdated,
            &current.agency.id,
            serde_json::json!({ "agency": current, "previous_version": previous.version }),
        )?;
        txn.commit()?;
        tracing::info!(agency = %current.agency.id, version = current.version, "agency updated");
        Ok(AgencyUpdate::Updated { previous, current })
    }

    /// The current version of every registered agency, by id.
    pub fn agencies(&self) -> Result<Vec<RegisteredAgency>, ReadError> {
        let txn = self.db.begin_read()?;
        let Some(table) = read_table(&txn, tables::AGENCIES)? else {
            return Ok(Vec::new());
        };
        Ok(current_agencies(&table)?.into_values().collect())
    }

    /// The current version of one agency.
    pub fn agency(&self, id: &str) -> Result<Option<RegisteredAgency>, ReadError> {
        let txn = self.db.begin_read()?;
        let Some(table) = read_table(&txn, tables::AGENCIES)? else {
            return Ok(None);
        };
        Ok(latest_version(&table, id)?)
    }

    /// Every version of one agency, oldest first; empty if it is not registered.
    pub fn agency_history(&self, id: &str) -> Result<Vec<RegisteredAgency>, ReadError> {
        let txn = self.db.begin_read()?;
        let Some(table) = read_table(&txn, tables::AGENCIES)? else {
            return Ok(Vec::new());
        };
        let mut versions = Vec::new();
        for entry in table.range((id, 0)..=(id, u32::MAX))? {
            versions.push(serde_json::from_slice(entry?.1.value())?);
        }
        Ok(versions)
    }

    // -----------------------------------------------------------------------------------
    // Deadlines
    // -----------------------------------------------------------------------------------

    /// The national reporting deadlines, by name.
    pub fn deadlines(&self) -> Result<Vec<Deadline>, ReadError> {
        let txn = self.db.begin_read()?;
        let Some(table) = read_table(&txn, tables::DEADLINES)? else {
            return Ok(Vec::new());
        };
        let mut all = Vec::new();
        for entry in table.iter()? {
            all.push(serde_json::from_slice(entry?.1.value())?);
        }
        Ok(all)
    }

    /// Adds or replaces deadlines by name, all in one transaction; deadlines not named are
    /// kept. Each must name a registered agency ([`RegistryError::InvalidDeadline`]).
    pub fn set_deadlines(
        &self,
        deadlines: Vec<Deadline>,
        actor: &str,
    ) -> Result<DeadlineChanges, RegistryError> {
        self.change_deadlines(deadlines, None, actor)
    }

    /// Removes a deadline ([`RegistryError::UnknownDeadline`] if there is none by that name).
    pub fn remove_deadline(&self, name: &str, actor: &str) -> Result<Deadline, RegistryError> {
        let changes = self.change_deadlines(Vec::new(), Some(name), actor)?;
        changes
            .removed
            .into_iter()
            .next()
            .ok_or_else(|| RegistryError::UnknownDeadline(name.to_owned()))
    }

    fn change_deadlines(
        &self,
        set: Vec<Deadline>,
        remove: Option<&str>,
        actor: &str,
    ) -> Result<DeadlineChanges, RegistryError> {
        for deadline in &set {
            if let Some(problem) = deadline.problems().first() {
                return Err(RegistryError::InvalidDeadline {
                    name: deadline.name.clone(),
                    message: problem.to_string(),
                });
            }
        }
        let txn = self.begin_write()?;
        let agencies = registered_agency_ids(&txn)?;
        let mut changes = DeadlineChanges::default();
        let mut previous = serde_json::Map::new();
        {
            let mut table = txn.open_table(tables::DEADLINES)?;
            for deadline in set {
                if !agencies.contains(&deadline.agency) {
                    return Err(RegistryError::InvalidDeadline {
                        name: deadline.name,
                        message: format!(
                            "agency `{}` is not registered; register it first with `interlock agency add --file AGENCY.toml`",
                            deadline.agency
                        ),
                    });
                }
                let old: Option<Deadline> = match table.get(deadline.name.as_str())? {
                    Some(bytes) => Some(serde_json::from_slice(bytes.value())?),
                    None => None,
                };
                match old {
                    Some(old) if old == deadline => changes.unchanged.push(deadline),
                    old => {
                        table.insert(
                            deadline.name.as_str(),
                            serde_json::to_vec(&deadline)?.as_slice(),
                        )?;
                        previous.insert(deadline.name.clone(), serde_json::to_value(&old)?);
                        match old {
                            Some(old) => changes.changed.push((old, deadline)),
                            None => changes.added.push(deadline),
                        }
                    }
                }
            }
            if let Some(name) = remove {
                let removed: Deadline = {
                    let bytes = table
                        .remove(name)?
                        .ok_or_else(|| RegistryError::UnknownDeadline(name.to_owned()))?;
                    serde_json::from_slice(bytes.value())?
                };
                previous.insert(name.to_owned(), serde_json::to_value(&removed)?);
                changes.removed.push(removed);
            }
        }
        if !changes.wrote_anything() {
            return Ok(changes);
        }
        let written: Vec<&Deadline> = changes
            .added
            .iter()
            .chain(changes.changed.iter().map(|(_, current)| current))
            .collect();
        let removed: Vec<&str> = changes.removed.iter().map(|d| d.name.as_str()).collect();
        self.append_audit(
            &txn,
            actor,
            AuditAction::DeadlinesChanged,
            "deadlines",
            serde_json::json!({ "set": written, "removed": removed, "previous": previous }),
        )?;
        txn.commit()?;
        tracing::info!(
            added = changes.added.len(),
            changed = changes.changed.len(),
            removed = changes.removed.len(),
            "deadlines changed"
        );
        Ok(changes)
    }

    // -----------------------------------------------------------------------------------
    // Readiness
    // -----------------------------------------------------------------------------------

    /// Each agency's current records dated in `year`, by quarter of their event date, and
    /// which agencies have current records at all (what the calendar's readiness needs).
    /// Reads the records themselves, not the indexes, which only narrow queries.
    pub fn record_counts(&self, year: i16) -> Result<RecordCounts, ReadError> {
        let mut counts = RecordCounts {
            year,
            ..RecordCounts::default()
        };
        for record in self.current_records()? {
            let agency = &record.draft.agency;
            if !counts.with_records.contains(agency) {
                counts.with_records.insert(agency.clone());
            }
            if let Some(date) = record.event_date.filter(|d| d.year() == year) {
                let quarter = ((date.month() - 1) / 3) as usize;
                counts.by_quarter.entry(agency.clone()).or_default()[quarter] += 1;
            }
        }
        Ok(counts)
    }
}

/// `audit verify`: replays every registry change in the audit log and checks that the
/// result is exactly the registry tables.
pub(super) fn verify(txn: &ReadTransaction, report: &mut VerifyReport) -> Result<(), StorageError> {
    let mut settings: Option<Settings> = None;
    let mut agencies: BTreeMap<(String, u32), RegisteredAgency> = BTreeMap::new();
    let mut deadlines: BTreeMap<String, Deadline> = BTreeMap::new();
    let audit = txn.open_table(tables::AUDIT)?;
    for entry in audit.iter()? {
        let (_, bytes) = entry?;
        // Unreadable entries are reported by the chain check.
        let Ok(entry) = serde_json::from_slice::<AuditEntry>(bytes.value()) else {
            continue;
        };
        let unreadable = |report: &mut VerifyReport, what: &str| {
            report.problems.push(format!(
                "audit entry {}: the {what} it records is unreadable",
                entry.seq
            ));
        };
        match entry.action {
            AuditAction::SettingsChanged => {
                match entry
                    .details
                    .get("settings")
                    .map(|s| serde_json::from_value::<Settings>(s.clone()))
                {
                    Some(Ok(recorded)) => settings = Some(recorded),
                    _ => unreadable(report, "settings change"),
                }
            }
            AuditAction::AgencyRegistered | AuditAction::AgencyUpdated => {
                match entry
                    .details
                    .get("agency")
                    .map(|a| serde_json::from_value::<RegisteredAgency>(a.clone()))
                {
                    Some(Ok(agency)) => {
                        agencies.insert((agency.agency.id.clone(), agency.version), agency);
                    }
                    _ => unreadable(report, "agency"),
                }
            }
            AuditAction::DeadlinesChanged => {
                let set = entry
                    .details
                    .get("set")
                    .map(|s| serde_json::from_value::<Vec<Deadline>>(s.clone()));
                let removed = entry
                    .details
                    .get("removed")
                    .map(|r| serde_json::from_value::<Vec<String>>(r.clone()));
                match (set, removed) {
                    (Some(Ok(set)), Some(Ok(removed))) => {
                        for deadline in set {
                            deadlines.insert(deadline.name.clone(), deadline);
                        }
                        for name in removed {
                            deadlines.remove(&name);
                        }
                    }
                    _ => unreadable(report, "deadline change"),
                }
            }
            _ => {}
        }
    }

    let stored_settings = match read_table(txn, tables::SETTINGS)? {
        Some(table) => table
            .get(SETTINGS_KEY)?
            .map(|bytes| serde_json::from_slice::<Settings>(bytes.value()).ok()),
        None => None,
    };
    match (settings, stored_settings) {
        (None, None) => {}
        (Some(expected), Some(Some(stored))) if expected == stored => {}
        (None, Some(_)) => report
            .problems
            .push("settings: not in the audit log (written outside interlock)".to_owned()),
        (Some(_), None) => report.problems.push(
            "settings: in the audit log but missing from the store (removed outside interlock)"
                .to_owned(),
        ),
        (Some(_), Some(_)) => report
            .problems
            .push("settings: differ from what the audit log recorded".to_owned()),
    }

    if let Some(table) = read_table(txn, tables::AGENCIES)? {
        for entry in table.iter()? {
            let (key, bytes) = entry?;
            let (id, version) = key.value();
            let stored: Option<RegisteredAgency> = serde_json::from_slice(bytes.value()).ok();
            match (agencies.remove(&(id.to_owned(), version)), stored) {
                (Some(expected), Some(stored)) if expected == stored => {}
                (Some(_), _) => report.problems.push(format!(
                    "agency {id} version {version}: differs from what the audit log recorded"
                )),
                (None, _) => report.problems.push(format!(
                    "agency {id} version {version}: not in the audit log (added outside interlock)"
                )),
            }
        }
    }
    for (id, version) in agencies.keys() {
        report.problems.push(format!(
            "agency {id} version {version}: in the audit log but missing from the store (removed outside interlock)"
        ));
    }

    if let Some(table) = read_table(txn, tables::DEADLINES)? {
        for entry in table.iter()? {
            let (name, bytes) = entry?;
            let name = name.value().to_owned();
            let stored: Option<Deadline> = serde_json::from_slice(bytes.value()).ok();
            match (deadlines.remove(&name), stored) {
                (Some(expected), Some(stored)) if expected == stored => {}
                (Some(_), _) => report.problems.push(format!(
                    "deadline `{name}`: differs from what the audit log recorded"
                )),
                (None, _) => report.problems.push(format!(
                    "deadline `{name}`: not in the audit log (added outside interlock)"
                )),
            }
        }
    }
    for name in deadlines.keys() {
        report.problems.push(format!(
            "deadline `{name}`: in the audit log but missing from the store (removed outside interlock)"
        ));
    }
    Ok(())
}
