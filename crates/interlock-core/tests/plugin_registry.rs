//! The plugin registry: installing, upgrading, replacing a rebuilt binary under the same
//! version (`plugin install --replace`), and the bytes and provenance that stay behind.

mod support;

use std::collections::BTreeMap;

use interlock_core::audit::AuditAction;
use interlock_core::model::{Adapter, Draft, sha256_hex};
use interlock_core::store::{
    BeginImport, Incoming, InstallOutcome, PluginError, PluginRecord, RebuiltBinary, SourceFile,
    Store,
};
use support::{TempStore, licence};

/// Two binaries of one plugin under one version: the first build and a rebuild.
const FIRST_BUILD: &[u8] = b"\0asm first build";
const REBUILD: &[u8] = b"\0asm rebuilt with a fix";

fn record(version: &str, wasm: &[u8]) -> PluginRecord {
    PluginRecord {
        name: "customs-csv".to_owned(),
        version: version.to_owned(),
        agency: "customs".to_owned(),
        formats: vec!["CSV".to_owned()],
        interface_version: "1.1.0".to_owned(),
        wasm_sha256: sha256_hex(wasm),
        wasm_size: wasm.len() as u64,
        installed_at: "2026-11-28T12:00:00Z".parse().expect("timestamp"),
        limits: serde_json::Value::Null,
    }
}

fn install(
    store: &Store,
    wasm: &[u8],
    rebuilt: RebuiltBinary,
) -> Result<InstallOutcome, PluginError> {
    store.install_plugin(record("2.0.1", wasm), wasm, "tester", rebuilt)
}

fn adapter(wasm: &[u8]) -> Adapter {
    Adapter::Plugin {
        name: "customs-csv".to_owned(),
        version: "2.0.1".to_owned(),
        wasm_sha256: sha256_hex(wasm),
        options: BTreeMap::new(),
    }
}

/// Imports one licence from a source file named `file` (the same bytes each time) through
/// the plugin binary `wasm`; `None` if that source already went through that binary.
fn import_through(store: &Store, wasm: &[u8]) -> Option<interlock_core::store::ImportSummary> {
    let line = licence("GBSIEL/2026/0000101/P", 10);
    let source = SourceFile {
        name: "licences.txt".to_owned(),
        sha256: sha256_hex(line.as_bytes()),
    };
    match store
        .begin_import(source, adapter(wasm), "tester")
        .expect("begins")
    {
        BeginImport::AlreadyImported(_) => None,
        BeginImport::Ready(mut import) => {
            let draft: Draft = serde_json::from_str(&line).expect("draft");
            import
                .add(vec![Incoming {
                    draft,
                    line: Some(1),
                }])
                .expect("adds");
            Some(import.finish().expect("imports"))
        }
    }
}

#[test]
fn a_rebuilt_binary_under_the_same_version_is_refused_without_replace() {
    let t = TempStore::new();
    assert_eq!(
        install(&t.store, FIRST_BUILD, RebuiltBinary::Refuse).expect("installs"),
        InstallOutcome::Installed
    );
    let before = t.store.stats().expect("stats");
    let error = install(&t.store, REBUILD, RebuiltBinary::Refuse).expect_err("refused");
    assert_eq!(
        error.to_string(),
        format!(
            "plugin customs-csv: version 2.0.1 is already installed with different bytes \
             (sha256 {} vs {}); a changed plugin must carry a new version number, or, for a \
             plugin rebuilt during development, install it with --replace (the old bytes are \
             kept for the records imported with them)",
            sha256_hex(FIRST_BUILD),
            sha256_hex(REBUILD)
        )
    );
    // Nothing written: the first build is still the plugin, the rebuild is not stored.
    let after = t.store.stats().expect("stats");
    assert_eq!(after.audit_entries, before.audit_entries);
    let installed = t
        .store
        .plugin("customs-csv")
        .expect("read")
        .expect("installed");
    assert_eq!(installed.wasm_sha256, sha256_hex(FIRST_BUILD));
    assert_eq!(
        t.store.plugin_wasm(&sha256_hex(REBUILD)).expect("read"),
        None
    );
}

#[test]
fn replace_installs_the_rebuild_audits_both_hashes_and_keeps_the_old_bytes() {
    let t = TempStore::new();
    install(&t.store, FIRST_BUILD, RebuiltBinary::Refuse).expect("installs");
    // The same bytes again are nothing to do, with or without --replace.
    assert_eq!(
        install(&t.store, FIRST_BUILD, RebuiltBinary::Replace).expect("no-op"),
        InstallOutcome::AlreadyInstalled
    );
    assert_eq!(
        install(&t.store, REBUILD, RebuiltBinary::Replace).expect("replaces"),
        InstallOutcome::Replaced {
            previous_wasm_sha256: sha256_hex(FIRST_BUILD)
        }
    );
    let installed = t
        .store
        .plugin("customs-csv")
        .expect("read")
        .expect("installed");
    assert_eq!(installed.version, "2.0.1");
    assert_eq!(installed.wasm_sha256, sha256_hex(REBUILD));
    assert_eq!(t.store.plugins().expect("list").len(), 1);

    // Both binaries stay retrievable by their hash.
    assert_eq!(
        t.store
            .plugin_wasm(&sha256_hex(FIRST_BUILD))
            .expect("read")
            .as_deref(),
        Some(FIRST_BUILD)
    );
    assert_eq!(
        t.store
            .plugin_wasm(&sha256_hex(REBUILD))
            .expect("read")
            .as_deref(),
        Some(REBUILD)
    );

    let log = t.store.audit_log().expect("log");
    let entry = log.last().expect("an entry");
    assert_eq!(entry.action, AuditAction::PluginInstall);
    assert_eq!(entry.subject, "customs-csv@2.0.1");
    assert_eq!(
        entry.details,
        serde_json::json!({
            "name": "customs-csv",
            "version": "2.0.1",
            "interface_version": "1.1.0",
            "wasm_sha256": sha256_hex(REBUILD),
            "previous_version": "2.0.1",
            "previous_wasm_sha256": sha256_hex(FIRST_BUILD),
            "replaced": true,
        })
    );
    // Three entries: the store's creation, the install, the replacement (not the no-op).
    assert_eq!(log.len(), 3);
    assert!(t.store.verify().expect("verify").is_intact());
}

#[test]
fn an_upgrade_and_a_first_install_are_not_replacements() {
    let t = TempStore::new();
    install(&t.store, FIRST_BUILD, RebuiltBinary::Refuse).expect("installs");
    let first = t.store.audit_log().expect("log").pop().expect("entry");
    assert_eq!(
        first.details["previous_wasm_sha256"],
        serde_json::Value::Null
    );
    assert_eq!(first.details["replaced"], false);
    let outcome = t
        .store
        .install_plugin(
            record("2.1.0", REBUILD),
            REBUILD,
            "tester",
            RebuiltBinary::Refuse,
        )
        .expect("upgrades");
    assert_eq!(
        outcome,
        InstallOutcome::Upgraded {
            previous_version: "2.0.1".to_owned()
        }
    );
    let upgrade = t.store.audit_log().expect("log").pop().expect("entry");
    assert_eq!(
        upgrade.details["previous_wasm_sha256"],
        sha256_hex(FIRST_BUILD)
    );
    assert_eq!(upgrade.details["replaced"], false);
}

#[test]
fn a_stored_binary_is_found_by_the_start_of_its_hash() {
    let t = TempStore::new();
    install(&t.store, FIRST_BUILD, RebuiltBinary::Refuse).expect("installs");
    install(&t.store, REBUILD, RebuiltBinary::Replace).expect("replaces");
    let old = sha256_hex(FIRST_BUILD);
    let (hash, bytes) = t
        .store
        .find_plugin_wasm(&old[..12])
        .expect("read")
        .expect("found");
    assert_eq!(
        (hash.as_str(), bytes.as_slice()),
        (old.as_str(), FIRST_BUILD)
    );
    assert_eq!(t.store.find_plugin_wasm("not-hex").expect("read"), None);
    let error = t.store.find_plugin_wasm("").expect_err("ambiguous");
    assert_eq!(
        error.to_string(),
        "plugin sha256:: matches 2 stored binaries; give more characters"
    );
}

/// The idempotence key of an import is the source's hash and the adapter, which includes
/// the plugin binary's hash: the same file through the rebuilt binary is a new batch, and
/// records it finds unchanged keep the revision (and provenance) the first build wrote.
#[test]
fn imports_through_a_replaced_binary_keep_their_provenance() {
    let t = TempStore::new();
    install(&t.store, FIRST_BUILD, RebuiltBinary::Refuse).expect("installs");
    let first = import_through(&t.store, FIRST_BUILD).expect("imported");
    assert_eq!((first.batch, first.created), (1, 1));
    install(&t.store, REBUILD, RebuiltBinary::Replace).expect("replaces");

    let second = import_through(&t.store, REBUILD).expect("a new batch");
    assert_eq!((second.batch, second.created, second.unchanged), (2, 0, 1));
    assert!(
        import_through(&t.store, REBUILD).is_none(),
        "already imported"
    );
    // Through the first build again: still its batch 1.
    assert!(import_through(&t.store, FIRST_BUILD).is_none());

    let record = t.all().pop().expect("the licence");
    assert_eq!(record.revision, 1);
    assert_eq!(record.provenance.batch, 1);
    assert_eq!(record.provenance.adapter, adapter(FIRST_BUILD));
    assert_eq!(
        t.store.batch(2).expect("read").expect("batch").adapter,
        adapter(REBUILD)
    );
    assert!(t.store.verify().expect("verify").is_intact());
}
