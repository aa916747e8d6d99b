//! The record store: one redb file. STUB of the public API; implementation in progress.

#![allow(unused_variables, clippy::unused_self)]

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::model::{Adapter, Draft, StoredRecord};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Other(String),
}

/// The source file an import reads.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name as the record manager gave it (used in messages and provenance).
    pub name: String,
    pub sha256: String,
}

/// One draft and where it came from in the source.
#[derive(Clone, Debug)]
pub struct Incoming {
    pub draft: Draft,
    pub line: Option<u64>,
}

pub struct Store;

pub enum BeginImport<'s> {
    /// This source went through this adapter before: nothing to do.
    AlreadyImported { batch: u64 },
    Ready(Import<'s>),
}

pub struct Import<'s> {
    store: &'s Store,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ImportSummary {
    pub batch: u64,
    pub records: u64,
    pub created: u64,
    pub revised: u64,
    pub unchanged: u64,
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} problem(s) in the source; nothing was imported", .diagnostics.len())]
    Invalid { diagnostics: Vec<Diagnostic> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    pub fn create(path: &Path) -> Result<Store, StoreError> {
        unimplemented!()
    }
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        unimplemented!()
    }
    pub fn begin_import(
        &self,
        source: SourceFile,
        adapter: Adapter,
        actor: &str,
    ) -> Result<BeginImport<'_>, StoreError> {
        unimplemented!()
    }
    pub fn get(&self, id: crate::RecordId) -> Result<Option<StoredRecord>, StoreError> {
        unimplemented!()
    }
}

impl Import<'_> {
    /// Validates and stages a batch of drafts. Problems are collected, not returned: the
    /// caller keeps feeding so that every problem in the source is reported at once.
    pub fn add(&mut self, items: Vec<Incoming>) -> Result<(), StoreError> {
        unimplemented!()
    }
    /// A problem the adapter found (e.g. a plugin diagnostic). Errors make the import fail.
    pub fn report(&mut self, diagnostic: Diagnostic) {
        unimplemented!()
    }
    /// Commits if no error was found; otherwise aborts and returns every problem.
    pub fn finish(self) -> Result<ImportSummary, ImportError> {
        unimplemented!()
    }
}
