//! Findings of the cross-checks, kept between runs: each with its review state (open,
//! explained, dismissed, confirmed), when it was first and last seen, and whether the data
//! still shows it.
//!
//! A check run compares what the rules find now with what is stored: a new finding is added
//! as open; one found again is refreshed (its evidence may cite newer revisions); one the
//! data no longer shows is marked resolved (and reopened if it comes back). A run that
//! changes nothing writes nothing, so re-running `check` on unchanged data adds no audit
//! entry. A run that changes something is one write transaction with one audit entry; every
//! state change by a reviewer is another, with its reason.

use std::collections::BTreeMap;

use redb::{ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};

use super::{FindingError, ReadError, Store, tables};
use crate::audit::AuditAction;
use crate::check::{self, CheckFilter, Dataset, Finding, FindingId};

/// Where a finding stands in review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingState {
    /// Not reviewed yet.
    Open,
    /// Reviewed: there is an innocent explanation, recorded in the reason.
    Explained,
    /// Reviewed: not a real problem (e.g. a data-entry error corrected at source).
    Dismissed,
    /// Reviewed: a real problem, to be followed up.
    Confirmed,
}

impl FindingState {
    pub const ALL: [FindingState; 4] = [
        FindingState::Open,
        FindingState::Explained,
        FindingState::Dismissed,
        FindingState::Confirmed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingState::Open => "open",
            FindingState::Explained => "explained",
            FindingState::Dismissed => "dismissed",
            FindingState::Confirmed => "confirmed",
        }
    }

    pub fn parse(text: &str) -> Option<FindingState> {
        FindingState::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// One change of a finding's review state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateChange {
    pub state: FindingState,
    pub reason: String,
    pub by: String,
    pub at: jiff::Timestamp,
}

/// A finding as the store keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredFinding {
    pub finding: Finding,
    pub state: FindingState,
    pub first_seen: jiff::Timestamp,
    pub last_seen: jiff::Timestamp,
    /// When a run last found the data no longer shows it; cleared if it comes back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<jiff::Timestamp>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<StateChange>,
}

/// What one check run changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CheckOutcome {
    /// Every finding the run found, in rule order.
    pub findings: Vec<FindingId>,
    pub new: Vec<FindingId>,
    pub resolved: Vec<FindingId>,
    pub reopened: Vec<FindingId>,
}

impl CheckOutcome {
    pub fn changed(&self) -> bool {
        !(self.new.is_empty() && self.resolved.is_empty() && self.reopened.is_empty())
    }
}

impl Store {
    /// Every current record and the control lists, as the rules read them, with the
    /// reporting State of the settings (when set) so that no rule has to guess it.
    pub fn dataset(&self) -> Result<Dataset, ReadError> {
        let mut data = Dataset::new(self.current_records()?, self.control_lists()?);
        data.reporting_state = self.settings()?.reporting_state;
        Ok(data)
    }

    /// Runs the rules `filter` selects and records what changed (see the module docs).
    pub fn run_checks(
        &self,
        filter: &CheckFilter,
        actor: &str,
    ) -> Result<CheckOutcome, FindingError> {
        let data = self.dataset()?;
        let found = check::run(&data, filter);
        let now = self.now();
        let txn = self.begin_write()?;
        let mut outcome = CheckOutcome::default();
        let mut writes: Vec<StoredFinding> = Vec::new();
        let mut content_changed = false;
        {
            let table = txn.open_table(tables::FINDINGS)?;
            let mut stored: BTreeMap<String, StoredFinding> = BTreeMap::new();
            for entry in table.iter()? {
                let (id, bytes) = entry?;
                stored.insert(
                    id.value().to_owned(),
                    serde_json::from_slice(bytes.value())?,
                );
            }
            for finding in found {
                outcome.findings.push(finding.id.clone());
                match stored.remove(&finding.id.0) {
                    None => {
                        outcome.new.push(finding.id.clone());
                        writes.push(StoredFinding {
                            finding,
                            state: FindingState::Open,
                            first_seen: now,
                            last_seen: now,
                            resolved_at: None,
                            history: Vec::new(),
                        });
                    }
                    Some(mut old) => {
                        if old.resolved_at.is_some() {
                            outcome.reopened.push(finding.id.clone());
                            old.resolved_at = None;
                        } else if old.finding == finding {
                            continue;
                        }
                        content_changed = true;
                        old.finding = finding;
                        old.last_seen = now;
                        writes.push(old);
                    }
                }
            }
            // What this run could have found but did not: the data no longer shows it.
            for (_, mut old) in stored {
                if old.resolved_at.is_none()
                    && filter.keeps_rule(&old.finding.rule)
                    && filter.keeps(&old.finding)
                {
                    outcome.resolved.push(old.finding.id.clone());
                    old.resolved_at = Some(now);
                    writes.push(old);
                }
            }
        }
        if !outcome.changed() && !content_changed {
            txn.abort()?;
            return Ok(outcome);
        }
        {
            let mut table = txn.open_table(tables::FINDINGS)?;
            for finding in &writes {
                table.insert(
                    finding.finding.id.0.as_str(),
                    serde_json::to_vec(finding)?.as_slice(),
                )?;
            }
        }
        self.append_audit(
            &txn,
            actor,
            AuditAction::CheckRun,
            "cross-checks",
            serde_json::json!({
                "rules": if filter.rules.is_empty() { vec!["all".to_owned()] } else { filter.rules.clone() },
                "found": outcome.findings.len(),
                "new": outcome.new,
                "resolved": outcome.resolved,
                "reopened": outcome.reopened,
            }),
        )?;
        txn.commit()?;
        Ok(outcome)
    }

    /// Every stored finding, resolved ones included, by id.
    pub fn findings(&self) -> Result<Vec<StoredFinding>, ReadError> {
        let txn = self.db.begin_read()?;
        let table = match txn.open_table(tables::FINDINGS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(error) => return Err(error.into()),
        };
        let mut all = Vec::new();
        for entry in table.iter()? {
            all.push(serde_json::from_slice(entry?.1.value())?);
        }
        Ok(all)
    }

    /// The finding whose id starts with `prefix` (at least 6 characters).
    pub fn finding(&self, prefix: &str) -> Result<StoredFinding, ReadError> {
        let prefix = prefix.trim().to_ascii_lowercase();
        let matches: Vec<StoredFinding> = self
            .findings()?
            .into_iter()
            .filter(|f| prefix.len() >= 6 && f.finding.id.0.starts_with(&prefix))
            .collect();
        match matches.len() {
            1 => Ok(matches
                .into_iter()
                .next()
                .ok_or(ReadError::UnknownFinding(prefix))?),
            0 => Err(ReadError::UnknownFinding(prefix)),
            count => Err(ReadError::AmbiguousFindingId { prefix, count }),
        }
    }

    /// Changes a finding's review state, with the reviewer's reason, audited.
    pub fn set_finding_state(
        &self,
        prefix: &str,
        state: FindingState,
        reason: &str,
        actor: &str,
    ) -> Result<StoredFinding, FindingError> {
        if reason.trim().is_empty() {
            return Err(FindingError::InvalidChange(
                "give a reason for the change".to_owned(),
            ));
        }
        let mut finding = self.finding(prefix)?;
        if finding.state == state {
            return Err(FindingError::InvalidChange(format!(
                "finding {} is already {}",
                finding.finding.id,
                state.as_str()
            )));
        }
        let previous = finding.state;
        let now = self.now();
        finding.state = state;
        finding.history.push(StateChange {
            state,
            reason: reason.to_owned(),
            by: actor.to_owned(),
            at: now,
        });
        let txn = self.begin_write()?;
        txn.open_table(tables::FINDINGS)?.insert(
            finding.finding.id.0.as_str(),
            serde_json::to_vec(&finding)?.as_slice(),
        )?;
        self.append_audit(
            &txn,
            actor,
            AuditAction::FindingStateChanged,
            &finding.finding.id.0,
            serde_json::json!({
                "rule": finding.finding.rule,
                "from": previous.as_str(),
                "to": state.as_str(),
                "reason": reason,
            }),
        )?;
        txn.commit()?;
        Ok(finding)
    }
}
