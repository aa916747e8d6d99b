//! What the CLI's end-to-end tests share: a scratch workspace that runs the `interlock`
//! binary with a fixed clock and actor, golden-file comparison
//! (`UPDATE_GOLDEN=1 cargo test -p interlock-cli` rewrites the golden files) and the
//! reference plugins built into components (by `interlock-test-support`, which the host's
//! tests share).
// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use assert_cmd::Command;
// Like the helpers below, used by some test binaries and not others.
#[allow(unused_imports)]
pub use interlock_test_support::{file_names, project_root};

/// A scratch directory holding a store, with the CLI run inside it so that paths in the
/// output are short and stable.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Workspace {
    /// An empty directory: no store yet.
    pub fn empty() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A new, empty store.
    pub fn new() -> Workspace {
        let workspace = Workspace::empty();
        workspace.ok(&["init"]);
        workspace
    }

    pub fn with_control_list() -> Workspace {
        let workspace = Workspace::new();
        let list = project_root().join("fixtures/control-list/national-control-list-1.0.0.toml");
        workspace.copy(&list, "ncl-1.0.0.toml");
        workspace.ok(&["control-list", "import", "ncl-1.0.0.toml"]);
        let list = project_root().join("fixtures/control-list/national-control-list-1.1.0.toml");
        workspace.copy(&list, "ncl-1.1.0.toml");
        workspace.ok(&["control-list", "import", "ncl-1.1.0.toml"]);
        workspace
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn copy(&self, from: &Path, name: &str) {
        std::fs::copy(from, self.path(name))
            .unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).expect("write");
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::cargo_bin("interlock")
            .expect("binary")
            .args(args)
            .current_dir(self.dir.path())
            .env("INTERLOCK_STORE", "test.redb")
            .env("INTERLOCK_ACTOR", "tester")
            .env("INTERLOCK_FIXED_TIME", "2026-11-28T12:00:00Z")
            .env_remove("RUST_LOG")
            .output()
            .expect("run interlock")
    }

    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "interlock {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    #[track_caller]
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let output = self.run(args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "interlock {args:?}: {output:?}"
        );
        String::from_utf8(output.stderr).expect("utf-8 output")
    }

    pub fn stats(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["stats", "--json"])).expect("stats json")
    }
}

#[track_caller]
pub fn golden(name: &str, actual: &str) {
    let path = crate_dir().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    assert_eq!(actual, expected, "output differs from {}", path.display());
}

impl Workspace {
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).expect("json output")
    }

    /// A `--json` stream (JSON Lines, one object a line) as one JSON array.
    #[track_caller]
    pub fn json_lines(&self, args: &[&str]) -> serde_json::Value {
        self.ok(args)
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("a JSON line"))
            .collect()
    }
}

/// The reference plugins the CLI tests install.
const TEST_PLUGINS: &[&str] = &[
    "customs-csv",
    "customs-sad-xml",
    "licensing-chief",
    "register-sipri-csv",
];

/// The component of reference plugin `package` (one of [`TEST_PLUGINS`]), built once per
/// test binary for all of them in one cargo run (see
/// [`interlock_test_support::build_components`]).
pub fn plugin_component(package: &str) -> PathBuf {
    static BUILT: OnceLock<Vec<PathBuf>> = OnceLock::new();
    let built = BUILT.get_or_init(|| interlock_test_support::build_components(TEST_PLUGINS));
    let index = TEST_PLUGINS
        .iter()
        .position(|name| *name == package)
        .unwrap_or_else(|| panic!("{package} is not built for the tests"));
    built[index].clone()
}
