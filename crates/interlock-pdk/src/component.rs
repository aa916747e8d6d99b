//! Building a plugin project into the component `interlock` installs (feature
//! `component`, native only): compile the crate for `wasm32-unknown-unknown`, wrap the
//! core module into a component with wit-component, and refuse a component that imports
//! anything but `log`, as the host would at install.
//!
//! A project made by `cargo xtask plugin new --path DIR` calls [`build_plugin`] from its
//! `src/bin/build-plugin.rs`, behind its alias `cargo build-plugin`. A plugin in this
//! repository is built by `cargo xtask plugins` instead.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The wasm target plugins are compiled for: no WASI, nothing the sandbox does not grant.
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Builds the plugin crate at `manifest_dir` (its package `package`) in release mode for
/// wasm and writes the component to `TARGET_DIR/plugin/PACKAGE.wasm`; prints the path, or
/// the error. Meant for a `main`:
///
/// ```ignore
/// fn main() -> std::process::ExitCode {
///     interlock_pdk::component::build_plugin(env!("CARGO_MANIFEST_DIR"), env!("CARGO_PKG_NAME"))
/// }
/// ```
pub fn build_plugin(manifest_dir: &str, package: &str) -> ExitCode {
    match build(Path::new(manifest_dir), package) {
        Ok(component) => {
            println!("{}", component.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("build-plugin: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What [`build_plugin`] does; returns the component's path.
pub fn build(manifest_dir: &Path, package: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target_dir = target_dir(&cargo, manifest_dir)?;
    let status = Command::new(&cargo)
        .args([
            "build",
            "--quiet",
            "--release",
            "--lib",
            "--target",
            WASM_TARGET,
        ])
        .arg("--manifest-path")
        .arg(manifest_dir.join("Cargo.toml"))
        // Components carry no debug info: smaller, and nothing the host could use.
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true")
        .status()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`cargo build --target {WASM_TARGET}` failed ({status}); if the target is missing: \
             rustup target add {WASM_TARGET}"
        ));
    }
    let module_path = target_dir
        .join(WASM_TARGET)
        .join("release")
        .join(format!("{}.wasm", package.replace('-', "_")));
    let module =
        std::fs::read(&module_path).map_err(|e| format!("{}: {e}", module_path.display()))?;
    let component = componentize(&module).map_err(|e| format!("{package}: {e}"))?;
    let out_dir = target_dir.join("plugin");
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let path = out_dir.join(format!("{package}.wasm"));
    std::fs::write(&path, &component).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// Wraps a plugin's core module into a component and checks that it imports only `log`.
pub fn componentize(module: &[u8]) -> Result<Vec<u8>, String> {
    let component = wit_component::ComponentEncoder::default()
        .module(module)
        .and_then(|encoder| encoder.validate(true).encode())
        .map_err(|e| format!("wrapping the module into a component: {e:#}"))?;
    let forbidden: Vec<String> = component_imports(&component)?
        .into_iter()
        .filter(|import| import != "log")
        .collect();
    if !forbidden.is_empty() {
        return Err(format!(
            "the component imports {forbidden:?}; plugins may import only `log` \
             (no WASI: build for {WASM_TARGET}, not wasm32-wasip*)"
        ));
    }
    Ok(component)
}

/// Top-level import names of a component.
fn component_imports(wasm: &[u8]) -> Result<Vec<String>, String> {
    let mut imports = Vec::new();
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    let import = import.map_err(|e| e.to_string())?;
                    // The name without a version suffix: only `log`, which has none, is allowed.
                    imports.push(import.name.name.to_owned());
                }
            }
            _ => {}
        }
    }
    Ok(imports)
}

/// The project's target directory, as cargo resolves it (`CARGO_TARGET_DIR`, a
/// `.cargo/config.toml`, or `target/` beside the workspace root).
fn target_dir(cargo: &std::ffi::OsStr, manifest_dir: &Path) -> Result<PathBuf, String> {
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(manifest_dir.join("Cargo.toml"))
        .output()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo metadata` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("`cargo metadata` printed something else than JSON: {e}"))?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "`cargo metadata` names no target_directory".to_owned())
}
