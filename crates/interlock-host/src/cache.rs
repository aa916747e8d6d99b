//! The compile cache: `Engine::precompile_component` artifacts kept in a directory that only
//! interlock writes to, so a plugin is compiled once, not on every `interlock import`.
//!
//! Loading an artifact runs it as native code, hence the care taken here:
//! - the file name is the SHA-256 of the `.wasm` plus a SHA-256 fingerprint of everything
//!   in the engine that shapes the artifact (wasmtime's `precompile_compatibility_hash`:
//!   version, target, configuration);
//! - a sidecar `.sha256` holds the SHA-256 of the artifact as this host wrote it, and the
//!   bytes are checked against it before `deserialize`, so a truncated or altered file is
//!   recompiled rather than loaded;
//! - artifacts are deserialized from the bytes that were checked (not re-read from disk);
//! - `.cwasm` files from anywhere else (e.g. an agency) are never accepted: the only entry
//!   point takes wasm bytes.

use std::hash::{Hash, Hasher};
use std::path::Path;

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Feeds `Hash` output into SHA-256: a fingerprint that is stable across processes (std's
/// `DefaultHasher` makes no such promise).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        // Unused: the full digest is taken from the inner hasher.
        0
    }
}

/// The engine's configuration fingerprint, hex.
pub fn engine_fingerprint(engine: &Engine) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex::encode(hasher.0.finalize())
}

pub fn compile(
    engine: &Engine,
    dir: &Path,
    wasm: &[u8],
    wasm_sha256: &str,
) -> Result<Component, String> {
    let fingerprint = engine_fingerprint(engine);
    let stem = format!("{wasm_sha256}-{}", &fingerprint[..16]);
    let artifact_path = dir.join(format!("{stem}.cwasm"));
    let check_path = dir.join(format!("{stem}.sha256"));
    if let (Ok(artifact), Ok(check)) = (
        std::fs::read(&artifact_path),
        std::fs::read_to_string(&check_path),
    ) {
        if hex::encode(Sha256::digest(&artifact)) == check.trim() {
            // SAFETY: the bytes are an artifact this host wrote (its digest matches the
            // sidecar written with it), named by the SHA-256 of the wasm they were compiled
            // from and the engine's compatibility fingerprint; wasmtime also checks the
            // artifact's header against this engine.
            match unsafe { Component::deserialize(engine, &artifact) } {
                Ok(component) => return Ok(component),
                Err(error) => tracing::warn!(
                    "recompiling: unusable compiled plugin {}: {error}",
                    artifact_path.display()
                ),
            }
        } else {
            tracing::warn!(
                "recompiling: {} does not match its checksum",
                artifact_path.display()
            );
        }
    }
    let artifact = engine
        .precompile_component(wasm)
        .map_err(|e| format!("does not compile: {e}"))?;
    if let Err(error) = store(dir, &artifact_path, &check_path, &artifact) {
        // The cache is an optimisation: carry on without it.
        tracing::warn!(
            "cannot cache the compiled plugin in {}: {error}",
            dir.display()
        );
    }
    // SAFETY: the bytes were produced by this engine a moment ago.
    unsafe { Component::deserialize(engine, &artifact) }.map_err(|e| format!("does not load: {e}"))
}

fn store(
    dir: &Path,
    artifact_path: &Path,
    check_path: &Path,
    artifact: &[u8],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    // Write then rename, so a crash never leaves half a file under its name; the checksum
    // goes last, so an artifact without one is never trusted.
    let temporary = artifact_path.with_extension("cwasm.tmp");
    std::fs::write(&temporary, artifact)?;
    std::fs::rename(&temporary, artifact_path)?;
    let temporary = check_path.with_extension("sha256.tmp");
    std::fs::write(&temporary, hex::encode(Sha256::digest(artifact)))?;
    std::fs::rename(&temporary, check_path)
}
