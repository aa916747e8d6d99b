//! Hostile plugins: each kind of misbehaviour is stopped with a clear error, the store is
//! left unchanged and the host (this process) carries on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use interlock_core::store::{ImportError, ImportMode, ImportOutcome, Store};
use interlock_host::{HostError, Limits, LoadedPlugin, PluginHost, import_file};
use interlock_test_support::{build_components, file_names, project_root, rebuilt};

/// tests/plugins/hostile and the police reference plugin as components (their bytes),
/// built once per test run in one cargo invocation.
fn components() -> &'static (Vec<u8>, Vec<u8>) {
    static COMPONENTS: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    COMPONENTS.get_or_init(|| {
        let paths = build_components(&["hostile-plugin", "police-firearms-csv"]);
        let read = |path: &PathBuf| {
            std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        (read(&paths[0]), read(&paths[1]))
    })
}

fn hostile_component() -> &'static [u8] {
    &components().0
}

fn police_component() -> &'static [u8] {
    &components().1
}

struct Setup {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    host: PluginHost,
    plugin: LoadedPlugin,
    store: Store,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_owned();
    let host = PluginHost::new(None).expect("host");
    let plugin = host
        .load(hostile_component(), "hostile@1.0.0")
        .expect("loads");
    let store = Store::create(&path.join("store.redb"), "tester").expect("store");
    Setup {
        _dir: dir,
        dir: path,
        host,
        plugin,
        store,
    }
}

impl Setup {
    /// Writes `input` to a file named after its first word and imports it.
    fn import(&self, input: &str, limits: &Limits) -> Result<ImportOutcome, HostError> {
        let file = self.dir.join(format!(
            "{}.txt",
            input.split_whitespace().next().unwrap_or("input")
        ));
        std::fs::write(&file, input).expect("write input");
        self.import_with_options(&file, &BTreeMap::new(), limits)
    }

    fn import_with_options(
        &self,
        file: &Path,
        options: &BTreeMap<String, String>,
        limits: &Limits,
    ) -> Result<ImportOutcome, HostError> {
        import_file(
            &self.host,
            &self.store,
            &self.plugin,
            "hostile",
            "1.0.0",
            options,
            file,
            "tester",
            limits,
            ImportMode::default(),
            &mut |_| {},
        )
    }

    /// Runs a misbehaving input and returns the error text, checking nothing was written.
    #[track_caller]
    fn stopped(&self, input: &str, limits: &Limits) -> String {
        let before = self.store.stats().expect("stats");
        let error = self
            .import(input, limits)
            .expect_err("the plugin must be stopped");
        // Shown with --nocapture: the messages a record manager would read.
        eprintln!("stopped: {error}");
        let after = self.store.stats().expect("stats");
        assert_eq!(
            (
                after.records,
                after.revisions,
                after.batches,
                after.audit_entries
            ),
            (
                before.records,
                before.revisions,
                before.batches,
                before.audit_entries
            ),
            "the store changed"
        );
        error.to_string()
    }

    /// After any failure the host still works: a well-behaved input imports.
    #[track_caller]
    fn still_works(&self) {
        match self
            .import("fine", &Limits::default())
            .expect("a good file imports")
        {
            ImportOutcome::Imported(summary) => assert_eq!(summary.records, 1),
            ImportOutcome::AlreadyImported(_) => {}
        }
    }
}

#[test]
fn an_infinite_loop_runs_out_of_fuel() {
    let s = setup();
    let limits = Limits {
        fuel_floor: 50_000_000,
        ..Limits::default()
    };
    let started = std::time::Instant::now();
    let error = s.stopped("loop", &limits);
    assert!(error.contains("ran out of fuel"), "{error}");
    assert!(error.starts_with("plugin hostile@1.0.0 on "), "{error}");
    assert!(error.ends_with("nothing was imported"), "{error}");
    assert!(started.elapsed().as_secs() < 30);
    s.still_works();
}

#[test]
fn a_slow_call_hits_the_deadline() {
    let s = setup();
    // Fuel would last for ages; the wall clock stops it.
    let limits = Limits {
        fuel_floor: u64::MAX / 4,
        call_deadline_ms: 300,
        ..Limits::default()
    };
    let error = s.stopped("loop", &limits);
    assert!(
        error.contains("exceeded the 0.3 s deadline for one call"),
        "{error}"
    );
    s.still_works();
}

#[test]
fn a_memory_bomb_hits_the_memory_limit() {
    let s = setup();
    // The default memory limit. Filling 256 MiB costs more fuel than a 6-byte input gets,
    // so the fuel is raised to let the memory limit be the one that fires.
    let limits = Limits {
        fuel_floor: 20_000_000_000,
        ..Limits::default()
    };
    let error = s.stopped("memory", &limits);
    assert!(
        error.contains("exceeded the 256 MiB memory limit"),
        "{error}"
    );
    let lower = Limits {
        memory_bytes: 64 << 20,
        ..Limits::default()
    };
    let error = s.stopped("memory", &lower);
    assert!(
        error.contains("exceeded the 64 MiB memory limit"),
        "{error}"
    );
    s.still_works();
}

#[test]
fn deep_recursion_exhausts_the_stack() {
    let s = setup();
    let error = s.stopped("recursion", &Limits::default());
    assert!(error.contains("recursion too deep"), "{error}");
    s.still_works();
}

#[test]
fn too_many_records_hit_the_output_limit() {
    let s = setup();
    let limits = Limits {
        max_records: 1_000,
        ..Limits::default()
    };
    let error = s.stopped("flood", &limits);
    assert!(
        error.contains("produced more than 1000 records (the per-file limit)"),
        "{error}"
    );
    s.still_works();
}

#[test]
fn a_panic_message_reaches_the_error() {
    let s = setup();
    let error = s.stopped("panic", &Limits::default());
    assert!(
        error.contains(": panicked at tests/plugins/hostile/src/lib.rs:"),
        "{error}"
    );
    assert!(
        error.contains("hostile plugin panics on purpose"),
        "{error}"
    );
    s.still_works();
}

#[test]
fn a_plugin_error_is_reported() {
    let s = setup();
    let error = s.stopped("error", &Limits::default());
    assert!(
        error.contains("not a format this plugin reads: this is not a hostile file"),
        "{error}"
    );
}

#[test]
fn a_log_flood_is_capped_and_harmless() {
    let s = setup();
    match s.import("logs", &Limits::default()).expect("imports") {
        ImportOutcome::Imported(summary) => assert_eq!(summary.records, 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn records_that_fail_validation_are_diagnosed_and_nothing_is_written() {
    let s = setup();
    let before = s.store.stats().expect("stats");
    let error = s
        .import("invalid", &Limits::default())
        .expect_err("refused");
    let HostError::Import(ImportError::Invalid { diagnostics, total }) = error else {
        panic!("expected validation problems, got {error}");
    };
    assert_eq!(total, 2);
    let rendered: Vec<String> = diagnostics
        .iter()
        .map(|d| d.render("invalid.txt"))
        .collect();
    assert_eq!(
        rendered,
        [
            "invalid.txt:2: record.country_of_manufacture: `XX` is not an ISO 3166-1 alpha-2 country code",
            "invalid.txt:3: record.recorded_date: `2026-13-45` is not an ISO 8601 date (YYYY-MM-DD)",
        ]
    );
    assert_eq!(s.store.stats().expect("stats").records, before.records);
}

/// Hand-written components for what a Rust plugin built with the PDK cannot express.
fn component(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).expect("valid WAT")
}

#[test]
fn a_plugin_importing_wasi_is_refused_before_it_runs() {
    let host = PluginHost::new(None).expect("host");
    let wasm = component(
        r#"(component
            (import "wasi:filesystem/preopens@0.2.0" (instance))
            (instance $t)
            (export "interlock:adapter/translator@1.0.0" (instance $t)))"#,
    );
    let error = host
        .load(&wasm, "sneaky")
        .err()
        .expect("refused")
        .to_string();
    assert_eq!(
        error,
        "plugin sneaky: imports `wasi:filesystem/preopens@0.2.0`; plugins may import only `log` (no WASI: no files, network, clock or randomness)"
    );
}

#[test]
fn a_plugin_for_another_major_interface_is_refused_naming_both_versions() {
    let host = PluginHost::new(None).expect("host");
    // Another major, a pre-release 0.x, and a newer minor than this host knows.
    for version in ["2.0.0", "0.9.0", "1.2.0"] {
        let wasm = component(&format!(
            r#"(component (instance $t) (export "interlock:adapter/translator@{version}" (instance $t)))"#
        ));
        let error = host
            .load(&wasm, "future")
            .err()
            .expect("refused")
            .to_string();
        assert!(
            error.starts_with(&format!("plugin future: was built for interface interlock:adapter@{version}, but this interlock supports interlock:adapter@1.0.x, 1.1.x;")),
            "{error}"
        );
    }
}

#[test]
fn garbage_is_not_a_plugin() {
    let host = PluginHost::new(None).expect("host");
    let error = host
        .load(b"\0asm garbage", "junk")
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.starts_with("plugin junk: not a valid wasm component"),
        "{error}"
    );
    let module = wat::parse_str("(module)").expect("module");
    let error = host
        .load(&module, "core")
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.contains("a core wasm module, not a component"),
        "{error}"
    );
}

#[test]
fn compiled_plugins_are_cached_and_reused() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = PluginHost::new(Some(cache.path().to_owned())).expect("host");
    let first = host
        .inspect(hostile_component(), "hostile")
        .expect("inspect");
    assert_eq!(first.name, "hostile");
    assert_eq!(first.interface_version, "1.1.0");
    assert_eq!(
        first.options,
        [interlock_host::PluginOption {
            name: "mode".to_owned(),
            meaning: "ignored: the first word of the input chooses the misbehaviour".to_owned(),
            default: Some("fine".to_owned()),
        }]
    );
    // One artifact and its checksum.
    let names = file_names(cache.path());
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].ends_with(".cwasm") && names[1].ends_with(".sha256"),
        "{names:?}"
    );
    assert!(names[0].starts_with(&first.wasm_sha256), "{names:?}");
    // A second host loads the artifact instead of compiling, and gives the same answer.
    let again = PluginHost::new(Some(cache.path().to_owned())).expect("host");
    assert_eq!(
        again
            .inspect(hostile_component(), "hostile")
            .expect("inspect"),
        first
    );
}

/// A plugin rebuilt under the same version (`plugin install --replace`) is other bytes, so
/// another cache entry: the cache is keyed by the wasm's SHA-256, and a host never runs
/// the artifact of the binary it replaced.
#[test]
fn a_rebuilt_plugin_under_the_same_version_gets_its_own_cache_entry() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = PluginHost::new(Some(cache.path().to_owned())).expect("host");
    let original = host
        .inspect(hostile_component(), "hostile")
        .expect("inspect");
    let rebuilt_bytes = rebuilt(hostile_component(), "rebuild", b"2");
    let rebuilt_info = host.inspect(&rebuilt_bytes, "hostile").expect("inspect");
    assert_eq!(
        (&rebuilt_info.name, &rebuilt_info.version),
        (&original.name, &original.version)
    );
    assert_eq!(
        rebuilt_info.wasm_sha256,
        interlock_core::model::sha256_hex(&rebuilt_bytes)
    );
    assert_ne!(rebuilt_info.wasm_sha256, original.wasm_sha256);
    let artifacts: Vec<String> = file_names(cache.path())
        .into_iter()
        .filter(|name| name.ends_with(".cwasm"))
        .collect();
    assert_eq!(artifacts.len(), 2, "{artifacts:?}");
    for info in [&original, &rebuilt_info] {
        assert!(
            artifacts
                .iter()
                .any(|name| name.starts_with(&info.wasm_sha256)),
            "no artifact for {}: {artifacts:?}",
            info.wasm_sha256
        );
    }
}

#[test]
fn a_version_section_that_contradicts_the_export_is_refused() {
    let host = PluginHost::new(None).expect("host");
    let wasm = component(
        r#"(component
            (@custom "interlock:adapter-version" "2.0.0")
            (instance $t)
            (export "interlock:adapter/translator@1.0.0" (instance $t)))"#,
    );
    let error = host
        .load(&wasm, "forged")
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.contains("exports interface 1.0.0 but was built with interlock-pdk `2.0.0`"),
        "{error}"
    );
}

#[test]
fn a_corrupt_cache_entry_is_recompiled_not_loaded() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = PluginHost::new(Some(cache.path().to_owned())).expect("host");
    let first = host
        .inspect(hostile_component(), "hostile")
        .expect("inspect");
    for entry in std::fs::read_dir(cache.path()).expect("cache") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "cwasm") {
            let mut bytes = std::fs::read(&path).expect("artifact");
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0xff;
            std::fs::write(&path, bytes).expect("corrupt");
        }
    }
    let again = PluginHost::new(Some(cache.path().to_owned())).expect("host");
    assert_eq!(
        again
            .inspect(hostile_component(), "hostile")
            .expect("recompiled"),
        first
    );
}

/// Host-only: `translate_file` with a sink, no store.
fn translate_lines(
    host: &PluginHost,
    plugin: &LoadedPlugin,
    path: &Path,
    limits: &Limits,
) -> (Vec<String>, interlock_host::TranslateStats) {
    let mut out = Vec::new();
    let stats = host
        .translate_file(
            plugin,
            path,
            &[],
            limits,
            |records, diagnostics| {
                for record in records {
                    out.push(format!(
                        "{:?} {} {}",
                        record.line,
                        record.draft.record.kind(),
                        record.draft.source_ref
                    ));
                }
                for diagnostic in diagnostics {
                    out.push(diagnostic.render("file"));
                }
                Ok::<(), HostError>(())
            },
            |_| {},
        )
        .expect("translates");
    (out, stats)
}

#[test]
fn the_police_register_streams_the_same_records_whatever_the_chunk_size() {
    let host = PluginHost::new(None).expect("host");
    let plugin = host
        .load(police_component(), "police-firearms-csv")
        .expect("loads");
    let fixture = project_root().join("plugins/police-firearms-csv/fixtures/register-2026.csv");
    let (whole, stats) = translate_lines(&host, &plugin, &fixture, &Limits::default());
    assert_eq!(
        whole,
        [
            "Some(2) item Heckler & Koch/HKG36004512",
            "Some(3) item Glock/GLK1788123",
            "Some(4) item Beretta/BER92K44120",
            "Some(2) police_case NPFU/2026/0117",
            "Some(4) police_case NPFU/2026/0131",
            "Some(5) police_case NPFU/2026/0140",
            "Some(6) police_case NPFU/2026/0152",
        ]
    );
    let bytes = std::fs::read(&fixture).expect("fixture");
    assert_eq!(stats.bytes, bytes.len() as u64);
    assert_eq!(stats.sha256, interlock_core::model::sha256_hex(&bytes));
    assert!(stats.fuel_used > 0);
    // Chunks of 7 bytes split lines, quoted fields and the header anywhere.
    let tiny = Limits {
        chunk_bytes: 7,
        ..Limits::default()
    };
    assert_eq!(translate_lines(&host, &plugin, &fixture, &tiny).0, whole);
}

#[test]
fn values_the_host_cannot_parse_become_diagnostics_with_line_and_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = PluginHost::new(None).expect("host");
    let plugin = host.load(hostile_component(), "hostile").expect("loads");
    let path = dir.path().join("invalid.txt");
    std::fs::write(&path, "invalid").expect("write");
    let (lines, stats) = translate_lines(&host, &plugin, &path, &Limits::default());
    // The country is the store's to validate; the date is the host's to parse.
    assert_eq!(
        lines,
        [
            "Some(1) item V-1",
            "Some(2) item V-2",
            "file:3: record.recorded_date: `2026-13-45` is not an ISO 8601 date (YYYY-MM-DD)",
        ]
    );
    assert_eq!(stats.records, 3);
}

// Options: checked against what the plugin declares, kept in provenance, part of the
// idempotence key.

#[test]
fn an_undeclared_option_is_refused_naming_it_and_the_declared_ones() {
    let host = PluginHost::new(None).expect("host");
    let info = host
        .inspect(hostile_component(), "hostile")
        .expect("inspect");
    let options = [("currency".to_owned(), "EUR".to_owned())].into();
    let error = interlock_host::check_options(&info, &options).expect_err("undeclared");
    assert_eq!(
        error.to_string(),
        "plugin hostile@1.0.0 has no option `currency`; it declares mode"
    );
    let declared = [("mode".to_owned(), "fine".to_owned())].into();
    interlock_host::check_options(&info, &declared).expect("declared option");
}

#[test]
fn options_are_provenance_and_another_set_is_another_import() {
    let setup = setup();
    let file = setup.dir.join("fine.txt");
    std::fs::write(&file, "fine").expect("write input");
    let import = |options: &[(&str, &str)]| {
        let options = options
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        setup
            .import_with_options(&file, &options, &Limits::default())
            .expect("imports")
    };
    assert!(matches!(import(&[]), ImportOutcome::Imported(_)));
    let ImportOutcome::Imported(summary) = import(&[("mode", "fine")]) else {
        panic!("the same file with other options is another import");
    };
    assert!(matches!(
        import(&[("mode", "fine")]),
        ImportOutcome::AlreadyImported(_)
    ));
    let batch = setup
        .store
        .batch(summary.batch)
        .expect("read")
        .expect("batch");
    match batch.adapter {
        interlock_core::model::Adapter::Plugin { options, .. } => {
            assert_eq!(options.get("mode").map(String::as_str), Some("fine"))
        }
        other => panic!("{other:?}"),
    }
}
