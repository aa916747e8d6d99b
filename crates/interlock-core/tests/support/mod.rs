//! What the store's integration tests share: a fresh store in a temporary directory, JSON
//! Lines files written beside it, and a licence draft to import.
// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use interlock_core::StoredRecord;
use interlock_core::jsonl::{JsonLinesError, import_json_lines};
use interlock_core::store::{ImportOutcome, Query, Store};

pub struct TempStore {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub store: Store,
}

impl TempStore {
    pub fn new() -> TempStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_owned();
        let store = Store::create(&root.join("test.redb"), "tester").expect("create store");
        TempStore {
            _dir: dir,
            root,
            store,
        }
    }

    /// Writes `lines` as the file `name` beside the store.
    pub fn file(&self, name: &str, lines: &[String]) -> PathBuf {
        let path = self.root.join(name);
        std::fs::write(&path, lines.join("\n") + "\n").expect("write input");
        path
    }

    pub fn import_file(&self, path: &Path) -> Result<ImportOutcome, JsonLinesError> {
        import_json_lines(&self.store, path, "tester", &mut |_| {})
    }

    /// Writes `lines` as `name` and imports it.
    pub fn import(&self, name: &str, lines: &[String]) -> Result<ImportOutcome, JsonLinesError> {
        let path = self.file(name, lines);
        self.import_file(&path)
    }

    /// Every current record.
    pub fn all(&self) -> Vec<StoredRecord> {
        self.store.query(&Query::default()).expect("query")
    }

    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// Closes the store, so that the file can be opened raw, and hands back the temporary
    /// directory (which must outlive the file's use) and the store's path.
    pub fn close(self) -> (tempfile::TempDir, PathBuf) {
        let path = self.store.path().to_owned();
        drop(self.store);
        (self._dir, path)
    }
}

/// An issued export licence to DE with one line of `quantity` rifles.
pub fn licence(reference: &str, quantity: u32) -> String {
    format!(
        r#"{{"agency":"licensing","source_ref":"{reference}","record":{{"kind":"authorization","reference":"{reference}","direction":"export","status":"issued","issuing_authority":"Export Control Joint Unit","issue_date":"2026-02-01","valid_until":"2028-02-01","parties":[{{"role":"end_user","name":"Bundeswehr","country":"DE"}}],"countries":[{{"country":"DE","role":"destination"}}],"lines":[{{"line_no":1,"description":"Rifles","quantity":{{"amount":"{quantity}","unit":"NAR"}},"value":{{"amount":"12000","currency":"GBP"}}}}]}}}}"#
    )
}
