//! Bindings for interface 1.1 (`wit/v1.1`), the newest: [`crate::convert`] turns its types
//! into the core model. Plugins built for 1.0 keep their own module (`since_v1_0`) and
//! converter (`convert_v1_0`).

wasmtime::component::bindgen!({
    path: "../../wit/v1.1",
    world: "adapter",
});

/// The oldest interface version this module serves.
pub const MIN_VERSION: semver::Version = semver::Version::new(1, 1, 0);

pub use exports::interlock::adapter::translator as wit;
