//! Control list versions in the store: read (and cached for queries) and imported, each
//! import checked against the versions before it.

use redb::{ReadableDatabase, ReadableTable};

use super::{ControlListError, ReadError, SourceFile, StorageError, Store, tables};
use crate::audit::AuditAction;
use crate::control_list::{ControlList, ControlLists};

#[derive(Clone, Debug, PartialEq)]
pub enum ControlListOutcome {
    Imported,
    /// This exact version with this exact content is already in the store.
    AlreadyPresent,
}

impl Store {
    /// The control lists, from the cache or read in `txn` (and then cached).
    pub(super) fn control_lists_in(
        &self,
        txn: &redb::ReadTransaction,
    ) -> Result<std::sync::Arc<ControlLists>, StorageError> {
        if let Ok(cache) = self.control_lists_cache.lock()
            && let Some(lists) = cache.as_ref()
        {
            return Ok(lists.clone());
        }
        let lists =
            std::sync::Arc::new(read_control_lists(&txn.open_table(tables::CONTROL_LISTS)?)?);
        if let Ok(mut cache) = self.control_lists_cache.lock() {
            *cache = Some(lists.clone());
        }
        Ok(lists)
    }

    /// Every control list version in the store, oldest first.
    pub fn control_lists(&self) -> Result<ControlLists, ReadError> {
        let txn = self.db.begin_read()?;
        Ok(read_control_lists(&txn.open_table(tables::CONTROL_LISTS)?)?)
    }

    /// Adds a control list version after checking that its version number is honest about
    /// its changes (see [`ControlLists::check_new_version`]).
    pub fn import_control_list(
        &self,
        list: ControlList,
        source: &SourceFile,
        actor: &str,
    ) -> Result<ControlListOutcome, ControlListError> {
        let txn = self.begin_write()?;
        let existing = read_control_lists(&txn.open_table(tables::CONTROL_LISTS)?)?;
        let refused = |message: String| ControlListError::Refused {
            name: list.name.clone(),
            version: list.version.to_string(),
            message,
        };
        match existing.check_new_version(&list) {
            Ok(crate::control_list::NewVersion::AlreadyPresent) => {
                return Ok(ControlListOutcome::AlreadyPresent);
            }
            Ok(_) => {}
            Err(violation) => return Err(refused(violation.to_string())),
        }
        let bytes = serde_json::to_vec(&list)?;
        txn.open_table(tables::CONTROL_LISTS)?
            .insert(list.version.to_string().as_str(), bytes.as_slice())?;
        self.append_audit(
            &txn,
            actor,
            AuditAction::ControlListImport,
            &format!("{} {}", list.name, list.version),
            serde_json::json!({
                "version": list.version.to_string(),
                "valid_from": list.valid_from.to_string(),
                "entries": list.entries.len(),
                "source_file": source.name,
                "source_sha256": source.sha256,
                "content_sha256": crate::model::sha256_hex(&bytes),
            }),
        )?;
        txn.commit()?;
        if let Ok(mut cache) = self.control_lists_cache.lock() {
            *cache = None;
        }
        Ok(ControlListOutcome::Imported)
    }
}

pub(super) fn read_control_lists(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<ControlLists, StorageError> {
    let mut versions = Vec::new();
    for entry in table.iter()? {
        let list: ControlList = serde_json::from_slice(entry?.1.value())?;
        versions.push(list);
    }
    versions.sort_by(|a, b| a.version.cmp(&b.version));
    Ok(ControlLists { versions })
}
