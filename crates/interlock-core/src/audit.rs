//! The audit log: an append-only, hash-chained list of everything that changed the store.
//!
//! Entry `n` commits to entry `n-1` through `prev_hash`, so editing, deleting or
//! reordering an entry outside the API breaks the chain from that point on. Import
//! entries also commit to a digest of every revision they wrote, which lets
//! `audit verify` catch records edited behind the log's back. This is tamper *evidence*
//! for someone who can rewrite the file, not tamper proofing: signed checkpoints that
//! other agencies witness are the planned next step.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::RecordId;

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an audit entry records. Kept as a closed set so a reader can rely on `details`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    StoreCreated,
    Import,
    ControlListImport,
    PluginInstall,
    PluginRemove,
    /// `interlock migrate` upgraded the store's file layout. Details: `from`, `to` (store
    /// schema versions), `records`, `revisions` (counts; none of them was rewritten).
    StoreMigrated,
    /// The reporting authority withheld a record (or some of its fields) from public
    /// reports (ATT Art. 13(3)). Details: `record` (id), `withholding` (the annotation as
    /// stored) and `previous` (the annotation it replaced, or null).
    RecordWithheld,
    /// A withholding was lifted. Details: `record` (id), `reason` (why it was lifted) and
    /// `withholding` (the annotation that was removed).
    WithholdingReleased,
    /// A cross-check run that changed the stored findings. Details: `rules`, `found` (how
    /// many findings the run found), `new`, `resolved` and `reopened` (finding ids).
    CheckRun,
    /// A reviewer changed a finding's state. Details: `rule`, `from`, `to`, `reason`.
    FindingStateChanged,
    /// The reporting State's settings changed. Details: `settings` (all of them, as
    /// stored afterwards), `previous` (as they were) and `changed` (the field names).
    SettingsChanged,
    /// An agency was added to the registry. Details: `agency` (version 1, as stored).
    AgencyRegistered,
    /// An agency's description changed: a new version, the earlier ones kept. Details:
    /// `agency` (the new version, as stored) and `previous_version`.
    AgencyUpdated,
    /// National reporting deadlines were set or removed. Details: `set` (the deadlines
    /// as stored afterwards), `removed` (names) and `previous` (name → the deadline it
    /// replaced or removed).
    DeadlinesChanged,
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: jiff::Timestamp,
    /// Who did it: the operator name given to the CLI (defaults to the OS user).
    pub actor: String,
    pub action: AuditAction,
    /// What it was done to: a source file, a control list version, a plugin.
    pub subject: String,
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry must carry: SHA-256 over the previous hash and the canonical
    /// JSON of every other field.
    pub fn compute_hash(&self) -> String {
        #[derive(Serialize)]
        struct Hashed<'a> {
            seq: u64,
            at: &'a jiff::Timestamp,
            actor: &'a str,
            action: &'a AuditAction,
            subject: &'a str,
            details: &'a serde_json::Value,
        }
        let hashed = Hashed {
            seq: self.seq,
            at: &self.at,
            actor: &self.actor,
            action: &self.action,
            subject: &self.subject,
            details: &self.details,
        };
        let mut hasher = Sha256::new();
        hasher.update(self.prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(serde_json::to_vec(&hashed).unwrap_or_default());
        hex::encode(hasher.finalize())
    }
}

/// Digest of the revisions one import wrote: SHA-256 over each revision's id, number and
/// content hash, in the order the revision log holds them (the order the import wrote
/// them). The import's audit entry carries it, and verification recomputes it from the log
/// in one pass, so neither needs to hold a batch's revisions in memory.
///
/// Batches written before store schema 3 were digested in (id, revision) order; `interlock
/// migrate` lays their revisions out in that order, so one definition verifies both.
pub struct RevisionDigest {
    hasher: Sha256,
    len: usize,
}

impl Default for RevisionDigest {
    fn default() -> Self {
        RevisionDigest {
            hasher: Sha256::new(),
            len: 0,
        }
    }
}

impl RevisionDigest {
    pub fn add(&mut self, id: RecordId, revision: u32, content_hash: &str) {
        self.hasher.update(id.0);
        self.hasher.update(revision.to_be_bytes());
        self.hasher.update(content_hash.as_bytes());
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

/// The result of `audit verify`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct VerifyReport {
    pub entries: u64,
    pub revisions: u64,
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}
