//! Bindings for interface 1.0 (`wit/v1.0`), Zed-style: one module per interface version.
//!
//! Interface 1.1 has its own module, `since_v1_1.rs`, with its own `bindgen!` over
//! `wit/v1.1`. 1.0's records are converted by [`crate::convert_v1_0`], through the frozen
//! schema-1 model and its upgrade (`interlock_core::model::v1::upgrade`), so a 1.0 plugin's
//! records reach the store exactly as a schema-1 record read back from a store would. The
//! dispatch enums in `lib.rs` pick the module by the version a plugin exports.

wasmtime::component::bindgen!({
    path: "../../wit/v1.0",
    world: "adapter",
});

/// The oldest interface version this module serves.
pub const MIN_VERSION: semver::Version = semver::Version::new(1, 0, 0);

pub use exports::interlock::adapter::translator as wit;
