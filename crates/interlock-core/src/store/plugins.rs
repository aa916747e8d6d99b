//! The plugin registry: installed plugins and every plugin binary the store has seen. The
//! core keeps them; the plugin host gives them meaning.

use redb::{ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};

use super::{PluginError, ReadError, Store, tables};
use crate::audit::AuditAction;

/// A registered plugin. The core stores it; the plugin host gives it meaning.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PluginRecord {
    pub name: String,
    pub version: String,
    pub agency: String,
    #[serde(default)]
    pub formats: Vec<String>,
    /// The WIT interface version the component exports, e.g. `1.0.0`.
    pub interface_version: String,
    pub wasm_sha256: String,
    pub wasm_size: u64,
    pub installed_at: jiff::Timestamp,
    /// Per-plugin sandbox limit overrides, as the host defines them.
    #[serde(default)]
    pub limits: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstallOutcome {
    Installed,
    /// The same name, version and bytes were already installed.
    AlreadyInstalled,
    /// A new version replaced an older one.
    Upgraded {
        previous_version: String,
    },
    /// Other bytes under the installed version took its place ([`RebuiltBinary::Replace`]).
    Replaced {
        previous_wasm_sha256: String,
    },
}

/// What [`Store::install_plugin`] does with a binary whose bytes differ from the installed
/// one's under the same name and version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RebuiltBinary {
    /// Refuse it: a changed plugin must carry a new version number, so that a version
    /// names one binary.
    Refuse,
    /// Install it in place of the other (`plugin install --replace`, for a plugin rebuilt
    /// during development). The replaced bytes stay in the store, since batches imported
    /// with them name their hash, and the audit entry names both hashes.
    Replace,
}

impl Store {
    /// Registers a plugin. The bytes are kept for as long as the store lives, so every
    /// record's provenance can be replayed against the exact code that made it; that holds
    /// for the bytes of an upgraded, replaced or removed plugin too. The audit entry's
    /// details: `name`, `version`, `interface_version`, `wasm_sha256`, `previous_version`
    /// and `previous_wasm_sha256` (null for a first install), and `replaced` (true when
    /// other bytes under the same version took the place of the installed ones).
    pub fn install_plugin(
        &self,
        plugin: PluginRecord,
        wasm: &[u8],
        actor: &str,
        rebuilt: RebuiltBinary,
    ) -> Result<InstallOutcome, PluginError> {
        let txn = self.begin_write()?;
        let previous: Option<PluginRecord> = {
            let plugins = txn.open_table(tables::PLUGINS)?;
            let bytes = plugins.get(plugin.name.as_str())?;
            match bytes {
                Some(bytes) => Some(serde_json::from_slice(bytes.value())?),
                None => None,
            }
        };
        let outcome = match &previous {
            Some(old) if old.wasm_sha256 == plugin.wasm_sha256 => {
                return Ok(InstallOutcome::AlreadyInstalled);
            }
            Some(old) if old.version == plugin.version => match rebuilt {
                RebuiltBinary::Replace => InstallOutcome::Replaced {
                    previous_wasm_sha256: old.wasm_sha256.clone(),
                },
                RebuiltBinary::Refuse => {
                    return Err(PluginError::SameVersionOtherBytes {
                        name: plugin.name.clone(),
                        version: plugin.version.clone(),
                        installed_sha256: old.wasm_sha256.clone(),
                        new_sha256: plugin.wasm_sha256.clone(),
                    });
                }
            },
            Some(old) => InstallOutcome::Upgraded {
                previous_version: old.version.clone(),
            },
            None => InstallOutcome::Installed,
        };
        txn.open_table(tables::PLUGIN_WASM)?
            .insert(plugin.wasm_sha256.as_str(), wasm)?;
        txn.open_table(tables::PLUGINS)?.insert(
            plugin.name.as_str(),
            serde_json::to_vec(&plugin)?.as_slice(),
        )?;
        self.append_audit(
            &txn,
            actor,
            AuditAction::PluginInstall,
            &format!("{}@{}", plugin.name, plugin.version),
            serde_json::json!({
                "name": plugin.name,
                "version": plugin.version,
                "interface_version": plugin.interface_version,
                "wasm_sha256": plugin.wasm_sha256,
                "previous_version": previous.as_ref().map(|p| &p.version),
                "previous_wasm_sha256": previous.as_ref().map(|p| &p.wasm_sha256),
                "replaced": matches!(outcome, InstallOutcome::Replaced { .. }),
            }),
        )?;
        txn.commit()?;
        Ok(outcome)
    }

    pub fn plugins(&self) -> Result<Vec<PluginRecord>, ReadError> {
        let txn = self.db.begin_read()?;
        let plugins = txn.open_table(tables::PLUGINS)?;
        let mut all = Vec::new();
        for entry in plugins.iter()? {
            all.push(serde_json::from_slice(entry?.1.value())?);
        }
        Ok(all)
    }

    pub fn plugin(&self, name: &str) -> Result<Option<PluginRecord>, ReadError> {
        let txn = self.db.begin_read()?;
        let plugins = txn.open_table(tables::PLUGINS)?;
        match plugins.get(name)? {
            Some(bytes) => Ok(Some(serde_json::from_slice(bytes.value())?)),
            None => Ok(None),
        }
    }

    pub fn plugin_wasm(&self, sha256: &str) -> Result<Option<Vec<u8>>, ReadError> {
        let txn = self.db.begin_read()?;
        let blobs = txn.open_table(tables::PLUGIN_WASM)?;
        Ok(blobs.get(sha256)?.map(|bytes| bytes.value().to_vec()))
    }

    /// The stored binary whose SHA-256 (lowercase hex) starts with `prefix`, with its full
    /// hash: installed or not, as a record's provenance names it.
    pub fn find_plugin_wasm(&self, prefix: &str) -> Result<Option<(String, Vec<u8>)>, ReadError> {
        let txn = self.db.begin_read()?;
        let blobs = txn.open_table(tables::PLUGIN_WASM)?;
        // Keys are sorted: the matches are the run that starts at `prefix`.
        let mut matches = Vec::new();
        for entry in blobs.range(prefix..)? {
            let (hash, _) = entry?;
            if !hash.value().starts_with(prefix) {
                break;
            }
            matches.push(hash.value().to_owned());
        }
        match matches.as_slice() {
            [] => Ok(None),
            [hash] => Ok(blobs
                .get(hash.as_str())?
                .map(|bytes| (hash.clone(), bytes.value().to_vec()))),
            _ => Err(ReadError::AmbiguousPluginHash {
                prefix: prefix.to_owned(),
                count: matches.len(),
            }),
        }
    }

    /// Unregisters a plugin; its bytes stay, as evidence for the records it made.
    pub fn remove_plugin(&self, name: &str, actor: &str) -> Result<PluginRecord, PluginError> {
        let txn = self.begin_write()?;
        let removed: PluginRecord = {
            let mut plugins = txn.open_table(tables::PLUGINS)?;
            let bytes = plugins
                .remove(name)?
                .ok_or_else(|| PluginError::NotInstalled {
                    name: name.to_owned(),
                })?;
            serde_json::from_slice(bytes.value())?
        };
        self.append_audit(
            &txn,
            actor,
            AuditAction::PluginRemove,
            &format!("{}@{}", removed.name, removed.version),
            serde_json::json!({ "name": removed.name, "wasm_sha256": removed.wasm_sha256 }),
        )?;
        txn.commit()?;
        Ok(removed)
    }
}
