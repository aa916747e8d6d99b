//! Bindings for interface 1.0 (`wit/v1.0`), Zed-style: one module per interface version.
//!
//! When 1.1 comes, it gets `since_v1_1.rs` with its own `bindgen!` over `wit/v1.1`, reusing
//! unchanged types from the newest module (wasmtime's `with:`), and `From` impls from its
//! changed types to the newest ones; [`crate::convert`] only ever converts the newest types
//! into the core model. The dispatch enum in `lib.rs` picks the module by the version a
//! plugin exports.

wasmtime::component::bindgen!({
    path: "../../wit/v1.0",
    world: "adapter",
});

/// The oldest interface version this module serves.
pub const MIN_VERSION: semver::Version = semver::Version::new(1, 0, 0);

pub use exports::interlock::adapter::translator as wit;
