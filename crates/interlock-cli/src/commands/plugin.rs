//! `interlock plugin …` and the plugin side of `interlock import`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use interlock_core::store::{InstallOutcome, PluginRecord, RebuiltBinary, Store};
use interlock_core::{Diagnostic, Severity};
use interlock_host::{HostError, Limits, PluginHost};

use super::import::{FileFailure, PluginImportArgs, import_each, parse_option};
use super::{
    Context, EXIT_FAILURE, EXIT_NOT_FOUND, EXIT_REFUSED, EXIT_USAGE, Failure, HasExitCode,
    print_json, read_input,
};
use crate::output::{print_table, table};

#[derive(Subcommand)]
pub enum PluginCommand {
    /// Register a plugin (a wasm component). A changed binary needs a new version number,
    /// unless `--replace` is given.
    Install {
        /// The plugin, a wasm component (`.wasm`).
        file: PathBuf,
        /// Sandbox limit overrides as JSON, e.g. '{"memory_bytes": 536870912}'.
        #[arg(long)]
        limits: Option<String>,
        /// Install a rebuilt binary under the version already installed, in place of the
        /// other (during development). Audited with both hashes; the old bytes stay in the
        /// store for the records imported with them (`plugin inspect sha256:HASH`).
        #[arg(long)]
        replace: bool,
    },
    /// List registered plugins.
    List {
        /// Print JSON Lines: one installed plugin per line.
        #[arg(long)]
        json: bool,
    },
    /// A plugin's interface version, limits, hash and earlier binaries; or, given
    /// `sha256:HASH` (or the start of one) as a record's provenance names it, a stored
    /// binary, installed or not.
    Inspect {
        /// A plugin name, or `sha256:HASH`.
        name: String,
        /// Print the plugin (or stored binary) as one JSON line.
        #[arg(long)]
        json: bool,
    },
    /// Unregister a plugin (its bytes stay in the store as evidence for its records).
    Remove {
        /// The plugin's name.
        name: String,
    },
    /// Run a plugin file on an input file without a store, to test a plugin: the same
    /// sandbox and default limits as `import`, every record and diagnostic printed, nothing
    /// written anywhere. Records are not validated or stored; exit 1 if the plugin reports
    /// an error (the file would be refused), 5 if it fails.
    Run {
        /// The plugin, a wasm component (need not be installed).
        file: PathBuf,
        /// An agency file in the plugin's format.
        input: PathBuf,
        /// An option for the plugin, e.g. `--option currency=EUR`, checked as `import`
        /// checks it (repeatable).
        #[arg(long = "option", value_name = "KEY=VALUE", value_parser = parse_option)]
        options: Vec<(String, String)>,
        /// One JSON object a line, in the plugin's order: `{"line":…,"draft":…}`,
        /// `{"diagnostic":…}`, and `{"error":"…"}` if the plugin failed. This is the format
        /// of the plugins' golden files (`*.expected.jsonl`).
        #[arg(long)]
        json: bool,
    },
}

/// Compiled plugins are cached next to the store, keyed by their hash.
fn host_for(context: &Context) -> Result<PluginHost, Failure> {
    let mut cache = context.store_path.clone().into_os_string();
    cache.push(".plugin-cache");
    PluginHost::new(Some(PathBuf::from(cache))).map_err(host_failure)
}

fn host_failure(error: HostError) -> Failure {
    let code = match &error {
        HostError::Rejected { .. } => EXIT_REFUSED,
        HostError::UnknownOption { .. } => EXIT_USAGE,
        HostError::Io { source, .. } => super::io_exit_code(source),
        HostError::Import(error) => error.exit_code(),
        HostError::Stopped { .. } | HostError::PluginError { .. } | HostError::Engine(_) => {
            EXIT_FAILURE
        }
    };
    Failure::new(code, error)
}

fn registered(store: &Store, name: &str) -> Result<PluginRecord, Failure> {
    store.plugin(name)?.ok_or_else(|| {
        Failure::new(
            EXIT_NOT_FOUND,
            format!("no plugin named {name} is installed (see `interlock plugin list`)"),
        )
    })
}

pub fn run(context: &Context, command: PluginCommand) -> Result<ExitCode, Failure> {
    // Each command opens the store itself: `plugin run` needs none and must work (and
    // write nothing) where there is none.
    match command {
        PluginCommand::Run {
            file,
            input,
            options,
            json,
        } => run_plugin(&file, &input, &options, json),
        PluginCommand::Install {
            file,
            limits,
            replace,
        } => {
            let rebuilt = if replace {
                RebuiltBinary::Replace
            } else {
                RebuiltBinary::Refuse
            };
            install(
                context,
                &context.open_store()?,
                &file,
                limits.as_deref(),
                rebuilt,
            )
        }
        PluginCommand::List { json } => {
            let store = context.open_store()?;
            let plugins = store.plugins()?;
            if json {
                return super::print_json_lines(&plugins).map(|()| ExitCode::SUCCESS);
            }
            let mut out = table(&[
                "NAME",
                "VERSION",
                "AGENCY",
                "INTERFACE",
                "SHA256",
                "FORMATS",
            ]);
            for plugin in &plugins {
                out.add_row(vec![
                    plugin.name.clone(),
                    plugin.version.clone(),
                    plugin.agency.clone(),
                    plugin.interface_version.clone(),
                    plugin.wasm_sha256[..12].to_owned(),
                    plugin.formats.join("; "),
                ]);
            }
            print_table(&out);
            Ok(ExitCode::SUCCESS)
        }
        PluginCommand::Inspect { name, json } => {
            let store = context.open_store()?;
            if let Some(prefix) = name.strip_prefix(SHA256_PREFIX) {
                return inspect_binary(context, &store, prefix, json);
            }
            let plugin = registered(&store, &name)?;
            let limits = Limits::from_overrides(&plugin.limits).map_err(|e| {
                Failure::new(EXIT_FAILURE, format!("plugin {name}: stored limits: {e}"))
            })?;
            // The options are the plugin's own word, so ask it (`describe`).
            let wasm = store.plugin_wasm(&plugin.wasm_sha256)?.ok_or_else(|| {
                Failure::new(
                    EXIT_FAILURE,
                    format!("plugin {name}: its wasm bytes are missing from the store"),
                )
            })?;
            let info = host_for(context)?
                .inspect(&wasm, &format!("{}@{}", plugin.name, plugin.version))
                .map_err(host_failure)?;
            let earlier: Vec<PluginInstall> = plugin_installs(&store)?
                .into_iter()
                .filter(|i| i.name == plugin.name && i.wasm_sha256 != plugin.wasm_sha256)
                .collect();
            if json {
                return print_json(&serde_json::json!({
                    "plugin": plugin,
                    "options": info.options,
                    "effective_limits": limits,
                    "earlier_binaries": earlier,
                }))
                .map(|()| ExitCode::SUCCESS);
            }
            print_identity(&info);
            println!("installed   {}", plugin.installed_at);
            println!(
                "limits      memory {} MiB, fuel {}/byte (at least {} a call), deadline {} ms a call,",
                limits.memory_bytes >> 20,
                limits.fuel_per_byte,
                limits.fuel_floor,
                limits.call_deadline_ms
            );
            println!(
                "            {} records, {} diagnostics, {} log lines a file",
                limits.max_records, limits.max_diagnostics, limits.max_log_lines
            );
            print_options(&info);
            for (index, install) in earlier.iter().enumerate() {
                let label = if index == 0 { "earlier" } else { "" };
                println!(
                    "{label:<11} sha256:{} ({}, installed {} by {}; kept in the store)",
                    install.wasm_sha256, install.version, install.at, install.actor
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        PluginCommand::Remove { name } => {
            let removed = context.open_store()?.remove_plugin(&name, &context.actor)?;
            println!("removed plugin {}@{}", removed.name, removed.version);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// How `plugin inspect` tells a stored binary's hash from a plugin name.
const SHA256_PREFIX: &str = "sha256:";

/// What a plugin binary is, as `plugin inspect` prints it: what it says about itself (the
/// same as its registration says, which was taken from it) and its hash.
fn print_identity(info: &interlock_host::PluginInfo) {
    println!("name        {}", info.name);
    println!("version     {}", info.version);
    println!("agency      {}", info.agency);
    println!("formats     {}", info.formats.join("; "));
    println!("interface   interlock:adapter@{}", info.interface_version);
    println!(
        "wasm        sha256:{} ({} bytes)",
        info.wasm_sha256, info.wasm_size
    );
}

/// The options a plugin declares, as `plugin inspect` prints them.
fn print_options(info: &interlock_host::PluginInfo) {
    if info.options.is_empty() {
        if info.interface_version.starts_with("1.0.") {
            println!("options     not declared (interface 1.0: --option is passed on unchecked)");
        } else {
            println!("options     none (import --option is refused)");
        }
    }
    for (index, option) in info.options.iter().enumerate() {
        let label = if index == 0 { "options" } else { "" };
        let default = option
            .default
            .as_deref()
            .map(|d| format!(" (default {d})"))
            .unwrap_or_default();
        println!(
            "{label:<11} --option {}=…: {}{default}",
            option.name, option.meaning
        );
    }
}

/// One `plugin-install` audit entry: which bytes were installed under which name, when.
#[derive(serde::Serialize)]
struct PluginInstall {
    name: String,
    version: String,
    wasm_sha256: String,
    at: jiff::Timestamp,
    actor: String,
    /// The audit entry.
    seq: u64,
}

/// Every plugin installation, oldest first, from the audit log: the one place that keeps
/// which binaries a name stood for, including those replaced since.
fn plugin_installs(store: &Store) -> Result<Vec<PluginInstall>, Failure> {
    let text = |entry: &interlock_core::audit::AuditEntry, key: &str| {
        entry.details[key].as_str().unwrap_or_default().to_owned()
    };
    Ok(store
        .audit_log()?
        .iter()
        .filter(|entry| entry.action == interlock_core::audit::AuditAction::PluginInstall)
        .map(|entry| PluginInstall {
            name: text(entry, "name"),
            version: text(entry, "version"),
            wasm_sha256: text(entry, "wasm_sha256"),
            at: entry.at,
            actor: entry.actor.clone(),
            seq: entry.seq,
        })
        .collect())
}

/// `plugin inspect sha256:HASH`: a stored binary (installed, replaced or removed), what it
/// says about itself, when it was installed and whether it still is.
fn inspect_binary(
    context: &Context,
    store: &Store,
    prefix: &str,
    json: bool,
) -> Result<ExitCode, Failure> {
    if prefix.is_empty() {
        return Err(Failure::new(
            EXIT_USAGE,
            "give the SHA-256 of a plugin binary, or its start, after `sha256:`",
        ));
    }
    let (sha256, wasm) = store.find_plugin_wasm(prefix)?.ok_or_else(|| {
        Failure::new(
            EXIT_NOT_FOUND,
            format!("no plugin binary with sha256 {prefix}… in the store"),
        )
    })?;
    let info = host_for(context)?
        .inspect(&wasm, &format!("{SHA256_PREFIX}{sha256}"))
        .map_err(host_failure)?;
    let installs: Vec<PluginInstall> = plugin_installs(store)?
        .into_iter()
        .filter(|i| i.wasm_sha256 == sha256)
        .collect();
    let status = match store.plugin(&info.name)? {
        Some(current) if current.wasm_sha256 == sha256 => "installed".to_owned(),
        Some(current) => format!(
            "not installed: {}@{} is now sha256:{}",
            current.name, current.version, current.wasm_sha256
        ),
        None => format!("not installed: no plugin named {} is", info.name),
    };
    if json {
        return print_json(&serde_json::json!({
            "plugin": info,
            "status": status,
            "installs": installs,
        }))
        .map(|()| ExitCode::SUCCESS);
    }
    print_identity(&info);
    for (index, install) in installs.iter().enumerate() {
        let label = if index == 0 { "installed" } else { "" };
        println!(
            "{label:<11} {} by {} as {}@{} (audit entry {})",
            install.at, install.actor, install.name, install.version, install.seq
        );
    }
    println!("status      {status}");
    print_options(&info);
    Ok(ExitCode::SUCCESS)
}

fn install(
    context: &Context,
    store: &Store,
    file: &Path,
    limits: Option<&str>,
    rebuilt: RebuiltBinary,
) -> Result<ExitCode, Failure> {
    let wasm = read_input(file)?;
    let limits = match limits {
        Some(text) => {
            let value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| Failure::new(EXIT_USAGE, format!("--limits: {e}")))?;
            Limits::from_overrides(&value)
                .map_err(|e| Failure::new(EXIT_USAGE, format!("--limits: {e}")))?;
            value
        }
        None => serde_json::Value::Null,
    };
    let host = host_for(context)?;
    let info = host
        .inspect(&wasm, &file.display().to_string())
        .map_err(host_failure)?;
    let record = PluginRecord {
        name: info.name.clone(),
        version: info.version.clone(),
        agency: info.agency.clone(),
        formats: info.formats.clone(),
        interface_version: info.interface_version.clone(),
        wasm_sha256: info.wasm_sha256.clone(),
        wasm_size: info.wasm_size,
        installed_at: jiff::Timestamp::now(),
        limits,
    };
    match store.install_plugin(record, &wasm, &context.actor, rebuilt)? {
        InstallOutcome::Installed => println!(
            "installed plugin {}@{} ({} agency, interface {})",
            info.name, info.version, info.agency, info.interface_version
        ),
        InstallOutcome::AlreadyInstalled => println!(
            "plugin {}@{} is already installed with these exact bytes; nothing to do",
            info.name, info.version
        ),
        InstallOutcome::Upgraded { previous_version } => println!(
            "upgraded plugin {} from {previous_version} to {}",
            info.name, info.version
        ),
        InstallOutcome::Replaced {
            previous_wasm_sha256,
        } => println!(
            "replaced plugin {}@{}: sha256:{} is installed in place of sha256:{previous_wasm_sha256}, which stays in the store",
            info.name, info.version, info.wasm_sha256
        ),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn import_files(context: &Context, args: PluginImportArgs) -> Result<ExitCode, Failure> {
    let store = context.open_store()?;
    let plugin = registered(&store, &args.plugin)?;
    let wasm = store.plugin_wasm(&plugin.wasm_sha256)?.ok_or_else(|| {
        Failure::new(
            EXIT_FAILURE,
            format!(
                "plugin {}: its wasm bytes are missing from the store",
                plugin.name
            ),
        )
    })?;
    let limits = Limits::from_overrides(&plugin.limits).map_err(|e| {
        Failure::new(
            EXIT_FAILURE,
            format!("plugin {}: stored limits: {e}", plugin.name),
        )
    })?;
    let host = host_for(context)?;
    let label = format!("{}@{}", plugin.name, plugin.version);
    let mut options = checked_options(&host, &wasm, &label, &args.options)?;
    national_currency_option(&store, &host, &wasm, &label, &mut options)?;
    let loaded = host.load(&wasm, &label).map_err(host_failure)?;
    import_each(
        context,
        &args.output,
        &args.files,
        |path, mode, progress| {
            interlock_host::import_file(
                &host,
                &store,
                &loaded,
                &plugin.name,
                &plugin.version,
                &options,
                path,
                &context.actor,
                &limits,
                mode,
                progress,
            )
            .map_err(|error| match error {
                HostError::Import(error) => FileFailure::Import(error),
                error => FileFailure::Other(host_failure(error)),
            })
        },
    )
}

/// The record manager's `--option`s, refused (exit 2) if the plugin does not declare one.
/// Only asked of the plugin when there are options: `describe` costs an instantiation.
fn checked_options(
    host: &PluginHost,
    wasm: &[u8],
    label: &str,
    options: &[(String, String)],
) -> Result<BTreeMap<String, String>, Failure> {
    let options: BTreeMap<String, String> = options.iter().cloned().collect();
    if !options.is_empty() {
        let info = host.inspect(wasm, label).map_err(host_failure)?;
        interlock_host::check_options(&info, &options).map_err(host_failure)?;
    }
    Ok(options)
}

/// A plugin that declares a `currency` option (the currency of amounts its format does
/// not label, like ASYCUDA's national-currency values) gets the national currency of the
/// settings when the record manager gives none, instead of the plugin's own default, which
/// may be another State's. The option is then part of the records' provenance like any
/// other. Without a national currency in the settings, nothing changes.
fn national_currency_option(
    store: &Store,
    host: &PluginHost,
    wasm: &[u8],
    label: &str,
    options: &mut BTreeMap<String, String>,
) -> Result<(), Failure> {
    const CURRENCY: &str = "currency";
    if options.contains_key(CURRENCY) {
        return Ok(());
    }
    let Some(currency) = store.settings()?.national_currency else {
        return Ok(());
    };
    let info = host.inspect(wasm, label).map_err(host_failure)?;
    if info.options.iter().any(|option| option.name == CURRENCY) {
        tracing::info!(
            "{label}: option currency={currency}, the national currency of the settings"
        );
        options.insert(CURRENCY.to_owned(), currency);
    }
    Ok(())
}

/// `interlock plugin run FILE INPUT`: translate INPUT in the sandbox, print what came out.
fn run_plugin(
    file: &Path,
    input: &Path,
    options: &[(String, String)],
    json: bool,
) -> Result<ExitCode, Failure> {
    let wasm = read_input(file)?;
    // Open the input before the (slow) compilation, so a missing file is reported at once.
    let reader = std::fs::File::open(input).map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::NotFound {
            EXIT_NOT_FOUND
        } else {
            EXIT_FAILURE
        };
        Failure::new(code, format!("{}: {e}", input.display()))
    })?;
    // No cache directory: `plugin run` writes nothing anywhere.
    let host = PluginHost::new(None).map_err(host_failure)?;
    // Messages name the plugin by its file and the input by its file name, so that `--json`
    // output does not depend on where the files are (golden files are compared byte for
    // byte on every machine).
    let label = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    let name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| input.display().to_string());
    let options: Vec<(String, String)> = checked_options(&host, &wasm, &label, options)?
        .into_iter()
        .collect();
    let plugin = host.load(&wasm, &label).map_err(host_failure)?;

    let shown = input.display().to_string();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut printed = 0u64;
    let (mut records, mut errors, mut warnings) = (0u64, 0u64, 0u64);
    // A failed write (stdout closed) stops the plugin; it is reported below, not as the
    // plugin's failure.
    let mut write_error: Option<std::io::Error> = None;
    let result = host.translate(
        &plugin,
        &name,
        std::io::BufReader::new(reader),
        &options,
        &Limits::default(),
        &mut |incoming, diagnostics| {
            let mut lines = Vec::with_capacity(incoming.len() + diagnostics.len());
            for record in &incoming {
                records += 1;
                lines.push(if json {
                    json_line(serde_json::json!({ "line": record.line, "draft": record.draft }))
                } else {
                    let draft = &record.draft;
                    let status_change = matches!(
                        draft.record,
                        interlock_core::model::Body::AuthorizationStatusChange(_)
                    );
                    format!(
                        "{}: {}{} {}",
                        at(&shown, record.line),
                        draft.record.kind(),
                        if status_change {
                            " (status change)"
                        } else {
                            ""
                        },
                        draft.source_ref
                    )
                });
            }
            for diagnostic in &diagnostics {
                match diagnostic.severity {
                    Severity::Error => errors += 1,
                    Severity::Warning => warnings += 1,
                    _ => {}
                }
                lines.push(if json {
                    json_line(serde_json::json!({ "diagnostic": diagnostic }))
                } else {
                    readable_diagnostic(&shown, diagnostic)
                });
            }
            for line in lines {
                printed += 1;
                if let Err(e) = writeln!(out, "{line}") {
                    write_error = Some(e);
                    // Stops the plugin; `write_error` is what gets reported.
                    return Err(HostError::Engine("output failed".to_owned()));
                }
            }
            Ok(())
        },
        &mut |_| {},
    );
    let output_failed = |e: std::io::Error| Failure::new(EXIT_FAILURE, format!("stdout: {e}"));
    if let Some(e) = write_error {
        return Err(output_failed(e));
    }
    match result {
        Ok(_) => {
            if json {
                // The golden format: an empty translation is one empty line.
                if printed == 0 {
                    writeln!(out).map_err(output_failed)?;
                }
            } else {
                writeln!(
                    out,
                    "{shown}: {records} {}, {errors} {}, {warnings} {}; nothing was written",
                    plural(records, "record", "records"),
                    plural(errors, "error", "errors"),
                    plural(warnings, "warning", "warnings"),
                )
                .map_err(output_failed)?;
            }
            out.flush().map_err(output_failed)?;
            Ok(if errors > 0 {
                ExitCode::from(EXIT_REFUSED)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(error) => {
            if json {
                writeln!(
                    out,
                    "{}",
                    json_line(serde_json::json!({ "error": error.to_string() }))
                )
                .map_err(output_failed)?;
            }
            out.flush().map_err(output_failed)?;
            Err(host_failure(error))
        }
    }
}

/// One line of `--json` output. Keys are sorted whatever serde_json's features, so the
/// output matches the golden files byte for byte.
fn json_line(mut value: serde_json::Value) -> String {
    value.sort_all_objects();
    value.to_string()
}

/// `file:line` (or just `file` when the plugin gave no line).
fn at(file: &str, line: Option<u64>) -> String {
    match line {
        Some(line) => format!("{file}:{line}"),
        None => file.to_owned(),
    }
}

/// `file:line: severity: field: message`; the severity is always shown, since a plugin's
/// warnings and errors are what its author is looking for here.
fn readable_diagnostic(file: &str, diagnostic: &Diagnostic) -> String {
    let field = diagnostic
        .field
        .as_deref()
        .filter(|f| !f.is_empty())
        .map(|f| format!("{f}: "))
        .unwrap_or_default();
    format!(
        "{}: {}: {field}{}",
        at(file, diagnostic.line),
        diagnostic.severity,
        diagnostic.message
    )
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
