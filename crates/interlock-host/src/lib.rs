//! interlock-host: runs agency adapter plugins (wasm components) in a sandbox.
//!
//! A plugin gets no WASI at all: no files, network, clock or randomness, so the same bytes
//! always give the same records. Every file gets a fresh instance with a memory limit,
//! fuel proportional to its input and a wall-clock deadline per call; any trap or limit
//! ends that file's import with a message naming the plugin, the file and the limit, and
//! the store is untouched (the import transaction is never committed).
//!
//! The plugin's records go through [`interlock_core::store::Import`], the same validation
//! and write path as every other import.

#![allow(unsafe_code)] // only `Component::deserialize_file` in `load`; see the SAFETY note there

mod interface;
mod limits;
mod since_v1_0;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use interlock_core::Diagnostic;
use interlock_core::model::{Adapter, sha256_hex};
use interlock_core::store::{
    BeginImport, ImportError, ImportOutcome, Incoming, SourceFile, Store, StoreError,
};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, ResourceLimiter, Trap};

pub use interface::SUPPORTED as SUPPORTED_INTERFACES;
pub use limits::Limits;

/// How often the epoch ticks; deadlines are counted in ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("plugin {plugin}: {message}")]
    Rejected { plugin: String, message: String },
    #[error("plugin {plugin} on {file}: {reason}; nothing was imported")]
    Stopped {
        plugin: String,
        file: String,
        reason: String,
    },
    #[error("plugin {plugin} on {file}: {error}; nothing was imported")]
    PluginError {
        plugin: String,
        file: String,
        error: String,
    },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("plugin engine: {0}")]
    Engine(String),
    #[error(transparent)]
    Import(#[from] ImportError),
}

impl From<StoreError> for HostError {
    fn from(error: StoreError) -> HostError {
        HostError::Import(ImportError::Store(error))
    }
}

/// What a plugin says about itself, plus what the host read from its bytes.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub agency: String,
    pub formats: Vec<String>,
    pub interface_version: String,
    pub wasm_sha256: String,
    pub wasm_size: u64,
}

/// A compiled plugin, ready to be instantiated once per file.
pub struct LoadedPlugin {
    pre: since_v1_0::AdapterPre<HostState>,
    /// A label for messages until `describe` has told us the name.
    label: String,
    pub interface_version: semver::Version,
    pub wasm_sha256: String,
    pub wasm_size: u64,
}

/// Per-instance state: the limiter and the plugin's log.
struct HostState {
    plugin: String,
    memory_limit: usize,
    memory_limit_hit: bool,
    max_log_lines: u32,
    max_log_line_bytes: usize,
    log_lines: u32,
    logs_dropped: u32,
    panic_message: Option<String>,
}

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            self.memory_limit_hit = true;
            wasmtime::bail!("memory limit reached");
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// The `types` interface has no functions; the bindings still ask for the trait.
impl since_v1_0::wit::Host for HostState {}

impl since_v1_0::AdapterImports for HostState {
    fn log(&mut self, level: u8, message: String) {
        if let Some(panic) = message.strip_prefix("plugin panicked: ") {
            self.panic_message = Some(truncate(panic, self.max_log_line_bytes).to_owned());
        }
        if self.log_lines >= self.max_log_lines {
            self.logs_dropped += 1;
            return;
        }
        self.log_lines += 1;
        let message = truncate(&message, self.max_log_line_bytes);
        match level {
            0 => tracing::error!(plugin = %self.plugin, "{message}"),
            1 => tracing::warn!(plugin = %self.plugin, "{message}"),
            2 => tracing::info!(plugin = %self.plugin, "{message}"),
            _ => tracing::debug!(plugin = %self.plugin, "{message}"),
        }
    }
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Advances the engine's epoch so that deadlines can fire; stops with the host.
struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    fn start(engine: &Engine) -> EpochTicker {
        let stop = Arc::new(AtomicBool::new(false));
        let (engine, flag) = (engine.weak(), stop.clone());
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                match engine.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        });
        EpochTicker { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Statistics of one translation.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct TranslateStats {
    pub bytes: u64,
    pub records: u64,
    pub diagnostics: u64,
    pub fuel_used: u64,
    pub logs_dropped: u32,
}

pub struct PluginHost {
    engine: Engine,
    linker: Linker<HostState>,
    cache_dir: Option<PathBuf>,
    _ticker: EpochTicker,
}

impl PluginHost {
    /// A host. `cache_dir`, if given, keeps compiled plugins between runs; it must be a
    /// directory only interlock writes to.
    pub fn new(cache_dir: Option<PathBuf>) -> Result<PluginHost, HostError> {
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .consume_fuel(true)
            .epoch_interruption(true);
        let engine = Engine::new(&config).map_err(|e| HostError::Engine(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        since_v1_0::Adapter::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(|e| HostError::Engine(e.to_string()))?;
        let ticker = EpochTicker::start(&engine);
        Ok(PluginHost {
            engine,
            linker,
            cache_dir,
            _ticker: ticker,
        })
    }

    /// Checks a component's interface and imports, then compiles it (or loads the
    /// artifact this host compiled before).
    pub fn load(&self, wasm: &[u8], label: &str) -> Result<LoadedPlugin, HostError> {
        let rejected = |message: String| HostError::Rejected {
            plugin: label.to_owned(),
            message,
        };
        let surface = interface::surface(wasm).map_err(rejected)?;
        let interface_version = interface::check(&surface).map_err(rejected)?;
        let wasm_sha256 = sha256_hex(wasm);
        let component = self.compile(wasm, &wasm_sha256).map_err(rejected)?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .and_then(since_v1_0::AdapterPre::new)
            .map_err(|e| rejected(format!("cannot be linked: {e}")))?;
        Ok(LoadedPlugin {
            pre,
            label: label.to_owned(),
            interface_version,
            wasm_sha256,
            wasm_size: wasm.len() as u64,
        })
    }

    fn compile(&self, wasm: &[u8], sha256: &str) -> Result<Component, String> {
        let Some(dir) = &self.cache_dir else {
            return Component::new(&self.engine, wasm)
                .map_err(|e| format!("does not compile: {e}"));
        };
        // The key covers the bytes and everything in the engine that shapes the artifact.
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.engine
            .precompile_compatibility_hash()
            .hash(&mut hasher);
        let path = dir.join(format!("{sha256}-{:016x}.cwasm", hasher.finish()));
        if path.is_file() {
            // SAFETY: the cache directory is interlock's own and files are named by the
            // SHA-256 of the wasm they were compiled from and the engine's compatibility
            // hash; only `precompile_component` below writes them. Artifacts from anywhere
            // else are never deserialized.
            match unsafe { Component::deserialize_file(&self.engine, &path) } {
                Ok(component) => return Ok(component),
                Err(error) => tracing::warn!(
                    "ignoring unusable compiled plugin {}: {error}",
                    path.display()
                ),
            }
        }
        let artifact = self
            .engine
            .precompile_component(wasm)
            .map_err(|e| format!("does not compile: {e}"))?;
        if std::fs::create_dir_all(dir).is_ok() {
            // Write then rename, so a crash never leaves half an artifact under its name.
            let temporary = path.with_extension("tmp");
            if std::fs::write(&temporary, &artifact).is_ok() {
                let _ = std::fs::rename(&temporary, &path);
            }
        }
        // SAFETY: the bytes were produced by this engine a moment ago.
        unsafe { Component::deserialize(&self.engine, &artifact) }
            .map_err(|e| format!("does not load: {e}"))
    }

    fn store(&self, plugin: &str, limits: &Limits) -> wasmtime::Store<HostState> {
        let mut store = wasmtime::Store::new(
            &self.engine,
            HostState {
                plugin: plugin.to_owned(),
                memory_limit: limits.memory_bytes,
                memory_limit_hit: false,
                max_log_lines: limits.max_log_lines,
                max_log_line_bytes: limits.max_log_line_bytes,
                log_lines: 0,
                logs_dropped: 0,
                panic_message: None,
            },
        );
        store.limiter(|state| state as &mut dyn ResourceLimiter);
        store.epoch_deadline_trap();
        store
    }

    /// Runs `describe` in a fresh instance.
    pub fn inspect(&self, wasm: &[u8], label: &str) -> Result<PluginInfo, HostError> {
        let plugin = self.load(wasm, label)?;
        let limits = Limits::default();
        let mut store = self.store(label, &limits);
        let stopped =
            |store: &wasmtime::Store<HostState>, error: wasmtime::Error| HostError::Rejected {
                plugin: label.to_owned(),
                message: explain(store.data(), &error, &limits),
            };
        store
            .set_fuel(limits.fuel_floor)
            .map_err(|e| HostError::Engine(e.to_string()))?;
        store.set_epoch_deadline(ticks(limits.call_deadline()));
        let instance = match plugin.pre.instantiate(&mut store) {
            Ok(instance) => instance,
            Err(error) => return Err(stopped(&store, error)),
        };
        let info = match instance
            .interlock_adapter_translator()
            .call_describe(&mut store)
        {
            Ok(info) => info,
            Err(error) => return Err(stopped(&store, error)),
        };
        use since_v1_0::wit::AgencyKind;
        Ok(PluginInfo {
            name: info.name,
            version: info.version,
            agency: match info.agency {
                AgencyKind::Customs => "customs",
                AgencyKind::Licensing => "licensing",
                AgencyKind::Police => "police",
                AgencyKind::Other => "other",
            }
            .to_owned(),
            formats: info.formats,
            interface_version: plugin.interface_version.to_string(),
            wasm_sha256: plugin.wasm_sha256,
            wasm_size: plugin.wasm_size,
        })
    }

    /// Streams `input` through a fresh instance of `plugin`, handing each chunk's drafts
    /// and diagnostics to `sink`. `progress` gets the bytes read so far.
    #[allow(clippy::too_many_arguments)]
    pub fn translate(
        &self,
        plugin: &LoadedPlugin,
        file: &str,
        mut input: impl Read,
        options: &[(String, String)],
        limits: &Limits,
        sink: &mut dyn FnMut(Vec<Incoming>, Vec<Diagnostic>) -> Result<(), HostError>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<TranslateStats, HostError> {
        let mut store = self.store(&plugin.label, limits);
        let mut stats = TranslateStats::default();
        let stopped =
            |store: &wasmtime::Store<HostState>, error: wasmtime::Error| HostError::Stopped {
                plugin: plugin.label.clone(),
                file: file.to_owned(),
                reason: explain(store.data(), &error, limits),
            };
        let plugin_error = |error: since_v1_0::wit::PluginError| HostError::PluginError {
            plugin: plugin.label.clone(),
            file: file.to_owned(),
            error: describe_plugin_error(error),
        };
        let arm = |store: &mut wasmtime::Store<HostState>, bytes: u64| -> Result<u64, HostError> {
            let fuel = limits.fuel_for(bytes);
            store
                .set_fuel(fuel)
                .map_err(|e| HostError::Engine(e.to_string()))?;
            store.set_epoch_deadline(ticks(limits.call_deadline()));
            Ok(fuel)
        };

        arm(&mut store, 0)?;
        let instance = plugin
            .pre
            .instantiate(&mut store)
            .map_err(|e| stopped(&store, e))?;
        let translator = instance.interlock_adapter_translator();
        let options: Vec<(String, String)> = options.to_vec();
        let fuel = arm(&mut store, 0)?;
        translator
            .call_start(&mut store, &options)
            .map_err(|e| stopped(&store, e))?
            .map_err(plugin_error)?;
        stats.fuel_used += fuel - store.get_fuel().unwrap_or(0);

        let mut buffer = vec![0u8; limits.chunk_bytes.max(1)];
        let path = PathBuf::from(file);
        loop {
            let read = read_full(&mut input, &mut buffer).map_err(|source| HostError::Io {
                path: path.clone(),
                source,
            })?;
            let last = read < buffer.len();
            if read > 0 {
                stats.bytes += read as u64;
                let fuel = arm(&mut store, read as u64)?;
                let translation = translator
                    .call_feed(&mut store, &buffer[..read])
                    .map_err(|e| stopped(&store, e))?
                    .map_err(plugin_error)?;
                stats.fuel_used += fuel - store.get_fuel().unwrap_or(0);
                self.deliver(plugin, file, limits, &mut stats, translation, sink)?;
                progress(stats.bytes);
            }
            if last {
                break;
            }
        }
        // Formats that buffer (XML) do their work here, so `finish` gets fuel for the whole file.
        let fuel = arm(&mut store, stats.bytes)?;
        let translation = translator
            .call_finish(&mut store)
            .map_err(|e| stopped(&store, e))?
            .map_err(plugin_error)?;
        stats.fuel_used += fuel - store.get_fuel().unwrap_or(0);
        self.deliver(plugin, file, limits, &mut stats, translation, sink)?;
        stats.logs_dropped = store.data().logs_dropped;
        if stats.logs_dropped > 0 {
            tracing::warn!(plugin = %plugin.label, "{} log lines dropped (limit {})", stats.logs_dropped, limits.max_log_lines);
        }
        Ok(stats)
    }

    fn deliver(
        &self,
        plugin: &LoadedPlugin,
        file: &str,
        limits: &Limits,
        stats: &mut TranslateStats,
        translation: since_v1_0::wit::Translation,
        sink: &mut dyn FnMut(Vec<Incoming>, Vec<Diagnostic>) -> Result<(), HostError>,
    ) -> Result<(), HostError> {
        stats.records += translation.records.len() as u64;
        stats.diagnostics += translation.diagnostics.len() as u64;
        let over = |what: &str, limit: u64| HostError::Stopped {
            plugin: plugin.label.clone(),
            file: file.to_owned(),
            reason: format!("produced more than {limit} {what} (the per-file limit)"),
        };
        if stats.records > limits.max_records {
            return Err(over("records", limits.max_records));
        }
        if stats.diagnostics > limits.max_diagnostics {
            return Err(over("diagnostics", limits.max_diagnostics));
        }
        let mut diagnostics: Vec<Diagnostic> = translation
            .diagnostics
            .into_iter()
            .map(since_v1_0::convert_diagnostic)
            .collect();
        let mut records = Vec::with_capacity(translation.records.len());
        for draft in translation.records {
            match since_v1_0::convert_draft(draft) {
                Ok((draft, line)) => records.push(Incoming { draft, line }),
                Err(problems) => diagnostics.extend(problems),
            }
        }
        sink(records, diagnostics)
    }
}

fn ticks(deadline: Duration) -> u64 {
    (deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
}

fn read_full(input: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Says which limit stopped a plugin, in words a record manager can pass on.
fn explain(state: &HostState, error: &wasmtime::Error, limits: &Limits) -> String {
    if state.memory_limit_hit {
        return format!(
            "exceeded the {} MiB memory limit",
            limits.memory_bytes >> 20
        );
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => {
            "ran out of fuel (its CPU budget for this input); it may be stuck in a loop".to_owned()
        }
        Some(Trap::Interrupt) => format!(
            "exceeded the {} s deadline for one call",
            limits.call_deadline().as_secs_f64()
        ),
        Some(Trap::StackOverflow) => "exhausted its stack (recursion too deep)".to_owned(),
        // Rust and C guests keep their stack in linear memory; overflowing it runs the
        // stack pointer off the bottom of memory rather than off wasmtime's stack.
        Some(Trap::MemoryOutOfBounds) if state.panic_message.is_none() => {
            "accessed memory out of bounds (for Rust plugins usually its stack overflowing: recursion too deep)".to_owned()
        }
        Some(trap) => match &state.panic_message {
            Some(message) => format!("panicked: {message}"),
            None => format!("trapped: {trap}"),
        },
        None => match &state.panic_message {
            Some(message) => format!("panicked: {message}"),
            None => format!("failed: {error}"),
        },
    }
}

fn describe_plugin_error(error: since_v1_0::wit::PluginError) -> String {
    use since_v1_0::wit::PluginError as E;
    match error {
        E::UnsupportedFormat(message) => format!("not a format this plugin reads: {message}"),
        E::Malformed(diagnostic) => {
            let diagnostic = since_v1_0::convert_diagnostic(diagnostic);
            format!("malformed input: {}", diagnostic.render("line"))
        }
        E::Internal(message) => format!("internal plugin error: {message}"),
    }
}

/// Imports one file through a plugin: hash it, skip it if this plugin imported these bytes
/// before, otherwise translate it into one import transaction.
#[allow(clippy::too_many_arguments)]
pub fn import_file(
    host: &PluginHost,
    store: &Store,
    plugin: &LoadedPlugin,
    name: &str,
    version: &str,
    path: &Path,
    actor: &str,
    limits: &Limits,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportOutcome, HostError> {
    let io = |source| HostError::Io {
        path: path.to_owned(),
        source,
    };
    let source = SourceFile {
        name: path.display().to_string(),
        sha256: interlock_core::jsonl::sha256_file(path).map_err(io)?,
    };
    let adapter = Adapter::Plugin {
        name: name.to_owned(),
        version: version.to_owned(),
        wasm_sha256: plugin.wasm_sha256.clone(),
    };
    let mut import = match store.begin_import(source, adapter, actor)? {
        BeginImport::AlreadyImported(batch) => return Ok(ImportOutcome::AlreadyImported(batch)),
        BeginImport::Ready(import) => import,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let label = path.display().to_string();
    // On any error the import is dropped uncommitted: nothing is written.
    host.translate(
        plugin,
        &label,
        std::io::BufReader::new(file),
        &[],
        limits,
        &mut |records, diagnostics| {
            for diagnostic in diagnostics {
                import.report(diagnostic);
            }
            import.add(records).map_err(HostError::from)
        },
        progress,
    )?;
    Ok(ImportOutcome::Imported(import.finish()?))
}
