//! Test plumbing shared by the host's and the CLI's integration tests (a dev-dependency
//! only, never published): building plugin crates into components, a rebuilt binary of the
//! same plugin, and listing what a test left in a directory.
//!
//! Panics instead of returning errors: these are test fixtures, and a panic names what
//! failed in the test's output.

use std::path::{Path, PathBuf};

/// The workspace root (the directory of the top `Cargo.toml`).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the test plugins are compiled: the target directory xtask builds plugins in,
/// with the same settings, so that after `cargo xtask plugins` (and in the gate) cargo
/// finds them fresh, and a changed plugin is always rebuilt. Being separate from the outer
/// `cargo test`'s target directory keeps the nested cargo off the lock that one holds.
const TARGET_DIR: &str = "target/plugin-build";

/// Builds `packages` (plugin crates of this workspace) for wasm in one cargo run, wraps
/// each into a checked component (`interlock_pdk::component::componentize`, as plugin
/// authors' `cargo build-plugin` does), and returns the components' paths in the same order
/// (`target/plugin-build/<package>.wasm`). Callers keep the result in a `OnceLock`, so a
/// test binary builds once.
pub fn build_components(packages: &[&str]) -> Vec<PathBuf> {
    let root = project_root();
    let target = root.join(TARGET_DIR);
    let mut cargo = std::process::Command::new(env!("CARGO"));
    cargo.args([
        "build",
        "--quiet",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
    ]);
    for package in packages {
        cargo.args(["-p", package]);
    }
    let status = cargo
        .arg("--target-dir")
        .arg(&target)
        // Components carry no debug info; xtask builds with the same, so both share the
        // artifacts.
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true")
        .current_dir(&root)
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "building the test plugins {packages:?} failed"
    );
    packages
        .iter()
        .map(|package| {
            let module_path = target.join(format!(
                "wasm32-unknown-unknown/release/{}.wasm",
                package.replace('-', "_")
            ));
            let module = std::fs::read(&module_path)
                .unwrap_or_else(|e| panic!("{}: {e}", module_path.display()));
            let component = interlock_pdk::component::componentize(&module)
                .unwrap_or_else(|e| panic!("{package}: {e}"));
            let path = target.join(format!("{package}.wasm"));
            write_whole(&path, &component);
            path
        })
        .collect()
}

/// Writes `bytes` to a temporary name, then renames it: another test binary reading the
/// component at the same moment sees the old file or the new one, never half of one.
fn write_whole(path: &Path, bytes: &[u8]) {
    let temporary = path.with_extension(format!("{}.tmp", std::process::id()));
    std::fs::write(&temporary, bytes).unwrap_or_else(|e| panic!("{}: {e}", temporary.display()));
    std::fs::rename(&temporary, path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// `component` with a custom section `name` holding `payload` appended: the same plugin
/// (name, version, behaviour) in other bytes, as a rebuild under an unchanged version
/// number produces (another compiler, another build path). Custom sections are allowed
/// anywhere in a component and mean nothing to the host.
pub fn rebuilt(component: &[u8], name: &str, payload: &[u8]) -> Vec<u8> {
    let mut content = leb128(name.len());
    content.extend_from_slice(name.as_bytes());
    content.extend_from_slice(payload);
    let mut out = component.to_vec();
    out.push(0); // section id 0: custom
    out.extend(leb128(content.len()));
    out.extend(content);
    out
}

/// Unsigned LEB128, the length encoding of the wasm binary format.
fn leb128(mut value: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// The names of the entries of `dir`, sorted: what a test left there.
pub fn file_names(dir: &Path) -> Vec<String> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut names: Vec<String> = entries
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_encodes_lengths_as_the_wasm_format_does() {
        assert_eq!(leb128(0), [0]);
        assert_eq!(leb128(127), [0x7f]);
        assert_eq!(leb128(128), [0x80, 0x01]);
        assert_eq!(leb128(624_485), [0xe5, 0x8e, 0x26]);
    }

    #[test]
    fn a_rebuilt_binary_ends_with_its_custom_section() {
        let rebuilt = rebuilt(b"\0asm", "note", b"x");
        assert_eq!(rebuilt, b"\0asm\x00\x06\x04notex");
    }
}
