//! interlock-host: runs agency adapter plugins (wasm components) in a sandbox.
//!
//! A plugin gets no WASI at all: no files, network, clock or randomness, so the same bytes
//! always give the same records. Its only import is `log`. Every file gets a fresh store
//! and instance with a memory limit, fuel proportional to its input and a wall-clock
//! deadline per call; any trap or limit ends that file's import with a message naming the
//! plugin, the file and the limit, and the store is untouched (the import transaction is
//! never committed). A store that trapped is dropped, never reused.
//!
//! The plugin's records go through [`interlock_core::store::Import`], the same validation
//! and write path as every other import.
//!
//! Layout (Zed's extension host pattern): `interface` reads a component's interface
//! version and imports from its bytes before anything is compiled; `since_v1_0` and
//! `since_v1_1` hold the bindings of interfaces 1.0 and 1.1; [`VersionedPre`] dispatches
//! between binding modules; `convert` turns 1.1's records into the core model and
//! `convert_v1_0` 1.0's (through the frozen schema-1 model and its upgrade).

#![allow(unsafe_code)] // only deserializing this host's own compiled artifacts; see `cache`

mod cache;
mod convert;
mod convert_v1_0;
mod interface;
mod limits;
mod since_v1_0;
mod since_v1_1;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use interlock_core::Diagnostic;
use interlock_core::model::{Adapter, sha256_hex};
use interlock_core::store::{
    BeginImport, ImportError, ImportMode, ImportOutcome, Incoming, Prepared, SourceFile, Store,
};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker, ResourceAny};
use wasmtime::{Config, Engine, ResourceLimiter, StoreLimits, StoreLimitsBuilder, Trap};

pub use interface::SUPPORTED as SUPPORTED_INTERFACES;
pub use limits::Limits;

/// How often the epoch ticks; deadlines are counted in ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Everything that can stop a plugin or its import. Messages name the plugin, the file and
/// (where known) the line, and say which limit was hit.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The component was refused before it ran: bad bytes, a foreign interface version, an
    /// import other than `log`, or it failed to describe itself.
    #[error("plugin {plugin}: {message}")]
    Rejected { plugin: String, message: String },
    /// A trap or a sandbox limit stopped the plugin on a file.
    #[error("plugin {plugin} on {file}{}: {reason}; nothing was imported", at_line(*.line))]
    Stopped {
        plugin: String,
        file: String,
        line: Option<u64>,
        reason: String,
    },
    /// The plugin returned an error for the file.
    #[error("plugin {plugin} on {file}{}: {error}; nothing was imported", at_line(*.line))]
    PluginError {
        plugin: String,
        file: String,
        line: Option<u64>,
        error: String,
    },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("plugin engine: {0}")]
    Engine(String),
    /// An `--option` the plugin does not declare.
    #[error("plugin {plugin} has no option `{option}`; {known}")]
    UnknownOption {
        plugin: String,
        option: String,
        known: String,
    },
    #[error(transparent)]
    Import(#[from] ImportError),
}

fn at_line(line: Option<u64>) -> String {
    line.map(|line| format!(" line {line}")).unwrap_or_default()
}

/// What a plugin says about itself, plus what the host read from its bytes.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    /// `customs`, `licensing`, `police` or `other`.
    pub agency: String,
    pub formats: Vec<String>,
    /// The options the plugin declares (`--option name=value`); empty for 1.0 plugins,
    /// which cannot declare any.
    pub options: Vec<PluginOption>,
    /// The WIT interface version the component exports, e.g. `1.0.0`.
    pub interface_version: String,
    pub wasm_sha256: String,
    pub wasm_size: u64,
}

/// An option a plugin reads, as it declares it (interface 1.1 and later).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PluginOption {
    /// The name given after `--option`.
    pub name: String,
    /// What it means and which values it takes, in the plugin's words.
    pub meaning: String,
    /// The value used when the option is not given, if any.
    pub default: Option<String>,
}

/// Host-wide settings.
#[derive(Clone, Debug)]
pub struct HostConfig {
    /// Keeps compiled plugins between runs. It must be a directory only interlock writes to:
    /// its artifacts are loaded as native code.
    pub cache_dir: Option<PathBuf>,
    /// Components larger than this are refused unread.
    pub max_component_bytes: usize,
}

impl Default for HostConfig {
    fn default() -> HostConfig {
        HostConfig {
            cache_dir: None,
            max_component_bytes: 16 << 20,
        }
    }
}

/// The instantiable plugin, per interface version (Zed's dispatch enum). A new interface
/// version adds a variant; every call below matches on it.
enum VersionedPre {
    V1_0(since_v1_0::AdapterPre<HostState>),
    V1_1(since_v1_1::AdapterPre<HostState>),
}

/// A running translation session, per interface version.
enum VersionedSession {
    V1_0 {
        bindings: since_v1_0::Adapter,
        session: ResourceAny,
    },
    V1_1 {
        bindings: since_v1_1::Adapter,
        session: ResourceAny,
    },
}

/// What one call returned, per interface version; `Run::deliver` converts it.
enum VersionedTranslation {
    V1_0(since_v1_0::wit::Translation),
    V1_1(since_v1_1::wit::Translation),
}

impl VersionedTranslation {
    /// (records, diagnostics) as the plugin returned them, before any conversion.
    fn counts(&self) -> (usize, usize) {
        match self {
            VersionedTranslation::V1_0(t) => (t.records.len(), t.diagnostics.len()),
            VersionedTranslation::V1_1(t) => (t.records.len(), t.diagnostics.len()),
        }
    }

    /// Converts into the core model: drafts that convert, and the plugin's diagnostics plus
    /// one for every value the host could not parse.
    fn convert(self) -> (Vec<Incoming>, Vec<Diagnostic>) {
        fn split<D, W>(
            drafts: Vec<W>,
            mut diagnostics: Vec<Diagnostic>,
            convert: impl Fn(W) -> Result<(interlock_core::model::Draft, Option<u64>), D>,
        ) -> (Vec<Incoming>, Vec<Diagnostic>)
        where
            D: IntoIterator<Item = Diagnostic>,
        {
            let mut records = Vec::with_capacity(drafts.len());
            for draft in drafts {
                match convert(draft) {
                    Ok((draft, line)) => records.push(Incoming { draft, line }),
                    Err(problems) => diagnostics.extend(problems),
                }
            }
            (records, diagnostics)
        }
        match self {
            VersionedTranslation::V1_0(t) => split(
                t.records,
                t.diagnostics
                    .into_iter()
                    .map(convert_v1_0::diagnostic)
                    .collect(),
                convert_v1_0::draft,
            ),
            VersionedTranslation::V1_1(t) => split(
                t.records,
                t.diagnostics.into_iter().map(convert::diagnostic).collect(),
                convert::draft,
            ),
        }
    }
}

/// A compiled, checked plugin, ready to be instantiated once per file.
pub struct LoadedPlugin {
    pre: VersionedPre,
    /// A label for messages (the caller's, e.g. `name@version`).
    label: String,
    pub interface_version: semver::Version,
    pub wasm_sha256: String,
    pub wasm_size: u64,
}

impl LoadedPlugin {
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// Per-instance state: limits and the plugin's log.
struct HostState {
    plugin: String,
    limits: StoreLimits,
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
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // `StoreLimits` enforces (and traps, with `trap_on_grow_failure`); we only note
        // that it did, so the error can name the memory limit rather than a bare trap.
        let verdict = self.limits.memory_growing(current, desired, maximum);
        if !matches!(verdict, Ok(true)) {
            self.memory_limit_hit = true;
        }
        verdict
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

impl since_v1_0::AdapterImports for HostState {
    fn log(&mut self, level: u8, message: String) {
        // The PDK's panic hook logs the message just before the trap, which carries none.
        if let Some(panic) = message.strip_prefix("plugin panicked: ") {
            self.panic_message = Some(truncate(panic, self.max_log_line_bytes).to_owned());
        }
        if self.log_lines >= self.max_log_lines {
            self.logs_dropped = self.logs_dropped.saturating_add(1);
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
    /// SHA-256 of the bytes streamed through the plugin.
    pub sha256: String,
    pub records: u64,
    pub diagnostics: u64,
    pub fuel_used: u64,
    pub logs_dropped: u32,
}

pub struct PluginHost {
    engine: Engine,
    linker: Linker<HostState>,
    config: HostConfig,
    _ticker: EpochTicker,
}

impl PluginHost {
    /// A host. `cache_dir`, if given, keeps compiled plugins between runs; it must be a
    /// directory only interlock writes to.
    pub fn new(cache_dir: Option<PathBuf>) -> Result<PluginHost, HostError> {
        PluginHost::with_config(HostConfig {
            cache_dir,
            ..HostConfig::default()
        })
    }

    pub fn with_config(config: HostConfig) -> Result<PluginHost, HostError> {
        let mut engine_config = Config::new();
        engine_config
            .wasm_component_model(true)
            // Fuel is the deterministic CPU budget; epochs are the wall-clock backstop.
            .consume_fuel(true)
            .epoch_interruption(true);
        let engine = Engine::new(&engine_config).map_err(|e| HostError::Engine(e.to_string()))?;
        // Only `log` is defined: no WASI. A component importing anything else fails to
        // link; `interface::check` refuses it earlier with a clearer message. `log` has the
        // same name and type in 1.0 and 1.1, so this one definition serves both (defining
        // it again through 1.1's bindings would clash with it).
        let mut linker = Linker::new(&engine);
        since_v1_0::Adapter::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(|e| HostError::Engine(e.to_string()))?;
        let ticker = EpochTicker::start(&engine);
        Ok(PluginHost {
            engine,
            linker,
            config,
            _ticker: ticker,
        })
    }

    /// Checks a component's size, interface version and imports from its bytes, then
    /// compiles it (or loads the artifact this host compiled before) and links it.
    pub fn load(&self, wasm: &[u8], label: &str) -> Result<LoadedPlugin, HostError> {
        let rejected = |message: String| HostError::Rejected {
            plugin: label.to_owned(),
            message,
        };
        if wasm.len() > self.config.max_component_bytes {
            return Err(rejected(format!(
                "is {} bytes, over the {} MiB limit for a plugin",
                wasm.len(),
                self.config.max_component_bytes >> 20
            )));
        }
        let surface = interface::surface(wasm).map_err(rejected)?;
        let interface_version = interface::check(&surface).map_err(rejected)?;
        let wasm_sha256 = sha256_hex(wasm);
        let component = self.compile(wasm, &wasm_sha256).map_err(rejected)?;
        let link_error = |e: wasmtime::Error| rejected(format!("cannot be linked: {e:#}"));
        // Newest first: a 1.1.x plugin gets the 1.1 bindings, a 1.0.x plugin the 1.0 ones.
        let pre = if interface_version >= since_v1_1::MIN_VERSION {
            let pre = self
                .linker
                .instantiate_pre(&component)
                .map_err(link_error)?;
            VersionedPre::V1_1(since_v1_1::AdapterPre::new(pre).map_err(link_error)?)
        } else if interface_version >= since_v1_0::MIN_VERSION {
            let pre = self
                .linker
                .instantiate_pre(&component)
                .map_err(link_error)?;
            VersionedPre::V1_0(since_v1_0::AdapterPre::new(pre).map_err(link_error)?)
        } else {
            // `interface::check` only lets through versions some module serves.
            return Err(rejected(format!(
                "interface {interface_version} has no bindings in this host"
            )));
        };
        Ok(LoadedPlugin {
            pre,
            label: label.to_owned(),
            interface_version,
            wasm_sha256,
            wasm_size: wasm.len() as u64,
        })
    }

    fn compile(&self, wasm: &[u8], sha256: &str) -> Result<Component, String> {
        match &self.config.cache_dir {
            None => {
                Component::new(&self.engine, wasm).map_err(|e| format!("does not compile: {e}"))
            }
            Some(dir) => cache::compile(&self.engine, dir, wasm, sha256),
        }
    }

    fn store(&self, plugin: &str, limits: &Limits) -> wasmtime::Store<HostState> {
        let store_limits = StoreLimitsBuilder::new()
            .memory_size(limits.memory_bytes)
            // A component has a handful of core instances (the module, wit-component's
            // shims); these caps only stop a component built to exhaust the host.
            .instances(64)
            .memories(16)
            .tables(64)
            .table_elements(1_000_000)
            .trap_on_grow_failure(true)
            .build();
        let mut store = wasmtime::Store::new(
            &self.engine,
            HostState {
                plugin: plugin.to_owned(),
                limits: store_limits,
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

    /// Loads the component and runs `describe` in a fresh instance.
    pub fn inspect(&self, wasm: &[u8], label: &str) -> Result<PluginInfo, HostError> {
        let plugin = self.load(wasm, label)?;
        let limits = Limits::default();
        let mut store = self.store(label, &limits);
        let stopped =
            |store: &wasmtime::Store<HostState>, error: wasmtime::Error| HostError::Rejected {
                plugin: label.to_owned(),
                message: format!("describe: {}", explain(store.data(), &error, &limits)),
            };
        store
            .set_fuel(limits.fuel_floor)
            .map_err(|e| HostError::Engine(e.to_string()))?;
        store.set_epoch_deadline(ticks(limits.call_deadline()));
        let (name, version, agency, formats, options) = match &plugin.pre {
            VersionedPre::V1_0(pre) => {
                let bindings = pre
                    .instantiate(&mut store)
                    .map_err(|e| stopped(&store, e))?;
                let info = bindings
                    .interlock_adapter_translator()
                    .call_describe(&mut store)
                    .map_err(|e| stopped(&store, e))?;
                let agency = convert_v1_0::agency(info.agency);
                (info.name, info.version, agency, info.formats, Vec::new())
            }
            VersionedPre::V1_1(pre) => {
                let bindings = pre
                    .instantiate(&mut store)
                    .map_err(|e| stopped(&store, e))?;
                let info = bindings
                    .interlock_adapter_translator()
                    .call_describe(&mut store)
                    .map_err(|e| stopped(&store, e))?;
                let agency = convert::agency(info.agency);
                let options = convert::options(info.options);
                (info.name, info.version, agency, info.formats, options)
            }
        };
        Ok(PluginInfo {
            name,
            version,
            agency: agency.to_owned(),
            formats,
            options,
            interface_version: plugin.interface_version.to_string(),
            wasm_sha256: plugin.wasm_sha256,
            wasm_size: plugin.wasm_size,
        })
    }

    /// Streams the file at `path` through a fresh instance of `plugin` in chunks of
    /// `limits.chunk_bytes`, handing each chunk's records and diagnostics (plugin
    /// diagnostics plus conversion problems) to `sink`. `progress` gets the bytes read so
    /// far. Nothing is kept between files.
    pub fn translate_file<E: Into<HostError>>(
        &self,
        plugin: &LoadedPlugin,
        path: &Path,
        options: &[(String, String)],
        limits: &Limits,
        mut sink: impl FnMut(Vec<Incoming>, Vec<Diagnostic>) -> Result<(), E>,
        mut progress: impl FnMut(u64),
    ) -> Result<TranslateStats, HostError> {
        let file = std::fs::File::open(path).map_err(|source| HostError::Io {
            path: path.to_owned(),
            source,
        })?;
        self.translate(
            plugin,
            &path.display().to_string(),
            file,
            options,
            limits,
            &mut |records, diagnostics| sink(records, diagnostics).map_err(Into::into),
            &mut progress,
        )
    }

    /// Streams `input` (named `file` in messages) through a fresh instance of `plugin`, with
    /// the record manager's `options`; see [`PluginHost::translate_file`].
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
        let mut run = Run {
            plugin,
            file,
            limits,
            store: self.store(&plugin.label, limits),
            stats: TranslateStats::default(),
            position: "while starting".to_owned(),
        };
        run.arm(0)?;
        let mut session = run.start(options)?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; limits.chunk_bytes.max(1)];
        loop {
            let read = read_full(&mut input, &mut buffer).map_err(|source| HostError::Io {
                path: PathBuf::from(file),
                source,
            })?;
            if read > 0 {
                hasher.update(&buffer[..read]);
                run.position = format!(
                    "in the chunk at bytes {}–{}",
                    run.stats.bytes,
                    run.stats.bytes + read as u64
                );
                run.stats.bytes += read as u64;
                run.arm(read as u64)?;
                let translation = run.feed(&mut session, &buffer[..read])?;
                run.deliver(translation, sink)?;
                progress(run.stats.bytes);
            }
            if read < buffer.len() {
                break;
            }
        }
        // Formats that buffer (XML) do their work here, so `finish` gets fuel for the file.
        run.position = "at the end of the file".to_owned();
        run.arm(run.stats.bytes)?;
        let translation = run.finish(&mut session)?;
        run.deliver(translation, sink)?;
        run.stats.sha256 = hex::encode(hasher.finalize());
        run.stats.logs_dropped = run.store.data().logs_dropped;
        if run.stats.logs_dropped > 0 {
            tracing::warn!(
                plugin = %plugin.label,
                "{file}: {} plugin log lines dropped (limit {} per file)",
                run.stats.logs_dropped,
                limits.max_log_lines
            );
        }
        Ok(run.stats)
    }
}

/// One file going through one instance. Dropped (store and all) when the file is done or
/// the first trap happens: a trapped store is never called again.
struct Run<'a> {
    plugin: &'a LoadedPlugin,
    file: &'a str,
    limits: &'a Limits,
    store: wasmtime::Store<HostState>,
    stats: TranslateStats,
    /// Where in the file the current call is, for messages.
    position: String,
}

impl Run<'_> {
    /// Fuel and deadline for the next call, which handles `bytes` of input.
    fn arm(&mut self, bytes: u64) -> Result<(), HostError> {
        let fuel = self.limits.fuel_for(bytes);
        self.store
            .set_fuel(fuel)
            .map_err(|e| HostError::Engine(e.to_string()))?;
        self.store
            .set_epoch_deadline(ticks(self.limits.call_deadline()));
        Ok(())
    }

    fn stopped(&self, error: wasmtime::Error) -> HostError {
        HostError::Stopped {
            plugin: self.plugin.label.clone(),
            file: self.file.to_owned(),
            line: None,
            reason: format!(
                "{} {}",
                explain(self.store.data(), &error, self.limits),
                self.position
            ),
        }
    }

    /// A plugin's own error, already in words (see `convert::plugin_error`).
    fn plugin_error(&self, (error, line): (String, Option<u64>)) -> HostError {
        HostError::PluginError {
            plugin: self.plugin.label.clone(),
            file: self.file.to_owned(),
            line,
            error,
        }
    }

    /// Runs a call and books the fuel it used.
    fn call<T>(
        &mut self,
        call: impl FnOnce(&mut wasmtime::Store<HostState>) -> wasmtime::Result<T>,
    ) -> Result<T, HostError> {
        let before = self.store.get_fuel().unwrap_or(0);
        let result = call(&mut self.store);
        let after = self.store.get_fuel().unwrap_or(0);
        self.stats.fuel_used += before.saturating_sub(after);
        result.map_err(|error| self.stopped(error))
    }

    fn start(&mut self, options: &[(String, String)]) -> Result<VersionedSession, HostError> {
        match &self.plugin.pre {
            VersionedPre::V1_0(pre) => {
                let pre = pre.clone();
                let bindings = self.call(|store| pre.instantiate(store))?;
                let options = options.to_vec();
                let session = self.call(|store| {
                    bindings
                        .interlock_adapter_translator()
                        .session()
                        .call_constructor(store, &options)
                })?;
                Ok(VersionedSession::V1_0 { bindings, session })
            }
            VersionedPre::V1_1(pre) => {
                let pre = pre.clone();
                let bindings = self.call(|store| pre.instantiate(store))?;
                let options = options.to_vec();
                let session = self.call(|store| {
                    bindings
                        .interlock_adapter_translator()
                        .session()
                        .call_constructor(store, &options)
                })?;
                Ok(VersionedSession::V1_1 { bindings, session })
            }
        }
    }

    fn feed(
        &mut self,
        session: &mut VersionedSession,
        chunk: &[u8],
    ) -> Result<VersionedTranslation, HostError> {
        let result = match session {
            VersionedSession::V1_0 { bindings, session } => {
                let (bindings, session) = (&*bindings, *session);
                self.call(|store| {
                    bindings
                        .interlock_adapter_translator()
                        .session()
                        .call_feed(store, session, chunk)
                })?
                .map(VersionedTranslation::V1_0)
                .map_err(convert_v1_0::plugin_error)
            }
            VersionedSession::V1_1 { bindings, session } => {
                let (bindings, session) = (&*bindings, *session);
                self.call(|store| {
                    bindings
                        .interlock_adapter_translator()
                        .session()
                        .call_feed(store, session, chunk)
                })?
                .map(VersionedTranslation::V1_1)
                .map_err(convert::plugin_error)
            }
        };
        result.map_err(|error| self.plugin_error(error))
    }

    fn finish(
        &mut self,
        session: &mut VersionedSession,
    ) -> Result<VersionedTranslation, HostError> {
        let result = match session {
            VersionedSession::V1_0 { bindings, session } => {
                let (bindings, session) = (&*bindings, *session);
                self.call(|store| {
                    bindings
                        .interlock_adapter_translator()
                        .session()
                        .call_finish(store, session)
                })?
                .map(VersionedTranslation::V1_0)
                .map_err(convert_v1_0::plugin_error)
            }
            VersionedSession::V1_1 { bindings, session } => {
                let (bindings, session) = (&*bindings, *session);
                self.call(|store| {
                    bindings
                        .interlock_adapter_translator()
                        .session()
                        .call_finish(store, session)
                })?
                .map(VersionedTranslation::V1_1)
                .map_err(convert::plugin_error)
            }
        };
        result.map_err(|error| self.plugin_error(error))
    }

    /// Checks the output caps, converts the records and hands them on.
    fn deliver(
        &mut self,
        translation: VersionedTranslation,
        sink: &mut dyn FnMut(Vec<Incoming>, Vec<Diagnostic>) -> Result<(), HostError>,
    ) -> Result<(), HostError> {
        let (records, diagnostics) = translation.counts();
        self.stats.records += records as u64;
        self.stats.diagnostics += diagnostics as u64;
        let over = |what: &str, limit: u64| HostError::Stopped {
            plugin: self.plugin.label.clone(),
            file: self.file.to_owned(),
            line: None,
            reason: format!(
                "produced more than {limit} {what} (the per-file limit) {}",
                self.position
            ),
        };
        if self.stats.records > self.limits.max_records {
            return Err(over("records", self.limits.max_records));
        }
        if self.stats.diagnostics > self.limits.max_diagnostics {
            // Counted and said, never a silent cut: the import stops, writing nothing, and
            // the diagnostics of the chunks before this one have been reported.
            return Err(HostError::Stopped {
                plugin: self.plugin.label.clone(),
                file: self.file.to_owned(),
                line: None,
                reason: format!(
                    "produced {} diagnostics {}, more than the {} a file may produce (the \
                     plugin's `max_diagnostics` limit): the {} diagnostics before this chunk \
                     are reported, this chunk's {diagnostics} and the rest of the file are not",
                    self.stats.diagnostics,
                    self.position,
                    self.limits.max_diagnostics,
                    self.stats.diagnostics - diagnostics as u64,
                ),
            });
        }
        let (records, diagnostics) = translation.convert();
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
            "ran out of fuel (CPU budget for this input; it may be stuck in a loop)".to_owned()
        }
        Some(Trap::Interrupt) => format!(
            "exceeded the {} s deadline for one call",
            limits.call_deadline().as_secs_f64()
        ),
        Some(Trap::StackOverflow) => "overflowed its stack (recursion too deep)".to_owned(),
        // Rust and C guests keep their stack in linear memory; overflowing it runs the
        // stack pointer off the bottom of memory rather than off wasmtime's stack.
        Some(Trap::MemoryOutOfBounds) if state.panic_message.is_none() => {
            "accessed memory out of bounds (for a Rust plugin: its stack overflowed, recursion too deep)".to_owned()
        }
        _ => match (&state.panic_message, error.downcast_ref::<Trap>()) {
            (Some(message), _) => panicked(message),
            (None, Some(trap)) => format!("trapped: {trap}"),
            (None, None) => format!("failed: {error:#}"),
        },
    }
}

/// Rust's panic text is `panicked at FILE:LINE:COL:\nMESSAGE`; one line reads better.
fn panicked(message: &str) -> String {
    let message = message.replace('\n', " ");
    if message.starts_with("panicked at ") {
        message
    } else {
        format!("panicked: {message}")
    }
}

/// Refuses options the plugin does not declare, naming the option and the ones it has. A
/// 1.0 plugin cannot declare options, so its options are passed on unchecked.
pub fn check_options(
    info: &PluginInfo,
    options: &BTreeMap<String, String>,
) -> Result<(), HostError> {
    if info.interface_version.starts_with("1.0.") {
        return Ok(());
    }
    for option in options.keys() {
        if !info.options.iter().any(|declared| &declared.name == option) {
            let names: Vec<&str> = info.options.iter().map(|o| o.name.as_str()).collect();
            return Err(HostError::UnknownOption {
                plugin: format!("{}@{}", info.name, info.version),
                option: option.clone(),
                known: if names.is_empty() {
                    "it declares none".to_owned()
                } else {
                    format!("it declares {}", names.join(", "))
                },
            });
        }
    }
    Ok(())
}

/// Imports one file through a plugin: hash it, skip it if this plugin imported these bytes
/// with these options before, otherwise translate it into one import transaction.
/// `name`/`version` are the plugin's registration; `options` the record manager's, checked
/// beforehand with [`check_options`]. If the plugin traps or errs, the import is dropped
/// uncommitted: nothing is written.
/// `mode`: quarantine, or an observer of the diagnostics (see [`ImportMode`]);
/// `ImportMode::default()` for a plain all-or-nothing import.
#[allow(clippy::too_many_arguments)]
pub fn import_file<'s>(
    host: &PluginHost,
    store: &'s Store,
    plugin: &LoadedPlugin,
    name: &str,
    version: &str,
    options: &BTreeMap<String, String>,
    path: &Path,
    actor: &str,
    limits: &Limits,
    mode: ImportMode<'s>,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportOutcome, HostError> {
    let io = |source| HostError::Io {
        path: path.to_owned(),
        source,
    };
    // A first pass for the hash: the batch key must be known before any record is read,
    // so a file imported before is skipped without running the plugin.
    let sha256 = interlock_core::jsonl::sha256_file(path).map_err(io)?;
    let source = SourceFile {
        name: path.display().to_string(),
        sha256: sha256.clone(),
    };
    let adapter = Adapter::Plugin {
        name: name.to_owned(),
        version: version.to_owned(),
        wasm_sha256: plugin.wasm_sha256.clone(),
        options: options.clone(),
    };
    let options: Vec<(String, String)> = options
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let mut import = match store.begin_import_with(source, adapter, actor, mode)? {
        BeginImport::AlreadyImported(batch) => return Ok(ImportOutcome::AlreadyImported(batch)),
        BeginImport::Ready(import) => import,
    };
    // The plugin translates on a thread of its own while this one validates and writes
    // (`interlock_core::pipeline`); if writing fails, the plugin stops at its next chunk.
    // The plugin's thread also prepares its records (validation, hashing, index keys).
    enum Translated {
        Chunk(Vec<Prepared>, Vec<Diagnostic>),
        Progress(u64),
    }
    let preparer = import.preparer();
    let (stats, written) = interlock_core::pipeline::pipeline(
        move |send| {
            let send = std::cell::RefCell::new(send);
            host.translate_file(
                plugin,
                path,
                &options,
                limits,
                |records, diagnostics| {
                    let prepared = preparer.prepare(records);
                    if (send.borrow_mut())(Translated::Chunk(prepared, diagnostics)) {
                        Ok(())
                    } else {
                        Err(HostError::Engine("the import stopped".to_owned()))
                    }
                },
                // Progress is only shown; a stopped writer is noticed at the next chunk.
                |bytes| {
                    (send.borrow_mut())(Translated::Progress(bytes));
                },
            )
        },
        |translated| match translated {
            Translated::Chunk(prepared, diagnostics) => {
                for diagnostic in diagnostics {
                    import.report(diagnostic);
                }
                import.add_prepared(prepared)
            }
            Translated::Progress(bytes) => {
                progress(bytes);
                Ok(())
            }
        },
    );
    // A write failure is the cause; the plugin then only saw the writer stop.
    written?;
    let stats = stats?;
    if stats.sha256 != sha256 {
        // The file changed between the two passes: what was read is not what was hashed.
        return Err(io(std::io::Error::other(
            "the file changed while it was being imported",
        )));
    }
    Ok(ImportOutcome::Imported(import.finish()?))
}
