//! interlock-core: the shared record model, its validation, the national control list and
//! the redb record store.
//!
//! Every way into the store goes through [`store::Store::begin_import`]: the JSON Lines
//! reader in the CLI and the wasm plugin host both hand [`model::Draft`]s to the same
//! [`store::Import`], which validates each one with [`validate::Validator`] and writes the
//! whole source in one redb write transaction, or nothing.

pub mod audit;
pub mod check;
pub mod control_list;
pub mod diagnostic;
pub mod jsonl;
pub mod model;
pub mod pipeline;
pub mod reference;
pub mod registry;
pub mod report;
pub mod store;
pub mod usage;
pub mod validate;

pub use diagnostic::{Diagnostic, Severity};
pub use model::{Draft, RecordId, RecordKind, StoredRecord};
