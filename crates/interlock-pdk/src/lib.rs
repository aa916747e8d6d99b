//! The interlock plugin development kit: what an agency developer depends on to turn
//! their system's export into interlock records.
//!
//! ```ignore
//! use interlock_pdk::prelude::*;
//!
//! #[derive(Default)]
//! struct MyAdapter { lines: LineSplitter }
//!
//! impl Plugin for MyAdapter {
//!     fn info() -> PluginInfo { plugin_info("my-adapter", AgencyKind::Customs, &["my CSV export"]) }
//!     fn feed(&mut self, chunk: &[u8]) -> Result<Translation> {
//!         let mut out = Translation::default();
//!         for line in self.lines.feed(chunk) { /* parse line.text, push drafts */ }
//!         Ok(out)
//!     }
//! }
//!
//! export_plugin!(MyAdapter);
//! ```
//!
//! The crate version is the interface version (`interlock:adapter@1.0.0`); see README.md.

// The generated bindings name this crate by its path, from inside and outside alike.
extern crate self as interlock_pdk;

pub mod formats;

/// Bindings generated from `wit/v1.0`. Plugins normally use the re-exports in
/// [`prelude`] instead.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/v1.0",
        world: "adapter",
        pub_export_macro: true,
        export_macro_name: "__export_adapter",
        default_bindings_module: "interlock_pdk::bindings",
        runtime_path: "interlock_pdk::__private::wit_bindgen::rt",
    });
}

pub use bindings::exports::interlock::adapter::translator::Guest as __Guest;
pub use bindings::interlock::adapter::types::{
    AgencyKind, AttachedDocument, Authorization, AuthorizationLine, AuthorizationStatus, Body,
    CustomsDeclaration, CustomsProcedure, DeliveryVerification, Denial, Diagnostic, Direction,
    Draft, Embargo, EmbargoAuthority, EmbargoScope, EndUserCertificate, ImportMark, Item, Money,
    Party, PartyRole, PluginError, PluginInfo, PoliceCase, PoliceEvent, Quantity, Severity,
    TraceStatus, Translation, VerifiedLine,
};

/// The interface version this PDK targets, as the host checks it.
pub const INTERFACE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Results in plugins: errors end the translation of the file.
pub type Result<T, E = PluginError> = core::result::Result<T, E>;

/// An agency adapter. The host creates a fresh instance (and so a fresh value of this
/// type, via `Default`) for every file; `feed` sees the file in chunks split anywhere.
pub trait Plugin: Default + 'static {
    /// Name, version, agency and formats. The version is normally `env!("CARGO_PKG_VERSION")`.
    fn info() -> PluginInfo;

    /// Options given by the record manager (`--option key=value`), before the first chunk.
    fn start(&mut self, _options: &[(String, String)]) -> Result<()> {
        Ok(())
    }

    /// Translates what can be translated so far; keep partial lines for the next call.
    fn feed(&mut self, chunk: &[u8]) -> Result<Translation>;

    /// The end of the file: translate what is left.
    fn finish(&mut self) -> Result<Translation> {
        Ok(Translation::default())
    }
}

/// Builds [`PluginInfo`] from the crate's own version.
pub fn plugin_info(name: &str, version: &str, agency: AgencyKind, formats: &[&str]) -> PluginInfo {
    PluginInfo {
        name: name.to_owned(),
        version: version.to_owned(),
        agency,
        formats: formats.iter().map(|f| (*f).to_owned()).collect(),
    }
}

impl Default for Translation {
    fn default() -> Self {
        Translation {
            records: Vec::new(),
            diagnostics: Vec::new(),
        }
    }
}

impl Translation {
    /// Adds a record taken from `line` of the source.
    pub fn record(&mut self, agency: &str, source_ref: impl Into<String>, line: u64, body: Body) {
        self.records.push(Draft {
            agency: agency.to_owned(),
            source_ref: source_ref.into(),
            sensitive: false,
            record: body,
            line: Some(line),
        });
    }

    /// Reports a problem with `field` on `line`; errors make the host refuse the file.
    pub fn error(&mut self, line: u64, field: &str, code: &str, message: impl Into<String>) {
        self.diagnostics
            .push(diagnostic(Severity::Error, line, field, code, message));
    }

    pub fn warning(&mut self, line: u64, field: &str, code: &str, message: impl Into<String>) {
        self.diagnostics
            .push(diagnostic(Severity::Warning, line, field, code, message));
    }

    /// Appends another translation (e.g. from a helper that parsed one line).
    pub fn extend(&mut self, other: Translation) {
        self.records.extend(other.records);
        self.diagnostics.extend(other.diagnostics);
    }
}

pub fn diagnostic(
    severity: Severity,
    line: u64,
    field: &str,
    code: &str,
    message: impl Into<String>,
) -> Diagnostic {
    Diagnostic {
        severity,
        line: Some(line),
        field: (!field.is_empty()).then(|| field.to_owned()),
        code: code.to_owned(),
        message: message.into(),
    }
}

/// Shorthands for optional fields.
pub fn quantity(amount: &str, unit: &str) -> Quantity {
    Quantity {
        amount: amount.to_owned(),
        unit: unit.to_owned(),
    }
}

pub fn money(amount: &str, currency: &str) -> Money {
    Money {
        amount: amount.to_owned(),
        currency: currency.to_owned(),
    }
}

/// `Some(text)` unless the text is blank.
pub fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Writes to the host's log (capped by the host).
pub fn log(level: u8, message: &str) {
    #[cfg(target_arch = "wasm32")]
    bindings::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (level, message);
}

pub mod prelude {
    pub use crate::formats::{Line, LineSplitter, split_delimited};
    pub use crate::{
        AgencyKind, AttachedDocument, Authorization, AuthorizationLine, AuthorizationStatus, Body,
        CustomsDeclaration, CustomsProcedure, DeliveryVerification, Denial, Diagnostic, Direction,
        Draft, Embargo, EmbargoAuthority, EmbargoScope, EndUserCertificate, ImportMark, Item,
        Money, Party, PartyRole, Plugin, PluginError, PluginInfo, PoliceCase, PoliceEvent,
        Quantity, Result, Severity, TraceStatus, Translation, VerifiedLine, diagnostic,
        export_plugin, money, non_empty, plugin_info, quantity,
    };
}

#[doc(hidden)]
pub mod __private {
    pub use wit_bindgen;

    use std::cell::RefCell;

    use crate::{Plugin, PluginError, PluginInfo, Translation};

    thread_local! {
        static STATE: RefCell<Option<Box<dyn std::any::Any>>> = const { RefCell::new(None) };
    }

    /// Guest panics reach the host only as `unreachable`; send the message out first.
    fn install_panic_hook() {
        std::panic::set_hook(Box::new(|info| {
            crate::log(0, &format!("plugin panicked: {info}"));
        }));
    }

    fn with_plugin<P: Plugin, T>(f: impl FnOnce(&mut P) -> T) -> T {
        STATE.with(|state| {
            let mut state = state.borrow_mut();
            let plugin = state
                .get_or_insert_with(|| Box::new(P::default()))
                .downcast_mut::<P>();
            match plugin {
                Some(plugin) => f(plugin),
                // Only one plugin type is exported per component, so this cannot happen.
                None => unreachable!("interlock-pdk: plugin state of another type"),
            }
        })
    }

    pub fn describe<P: Plugin>() -> PluginInfo {
        P::info()
    }

    pub fn start<P: Plugin>(options: Vec<(String, String)>) -> Result<(), PluginError> {
        install_panic_hook();
        with_plugin::<P, _>(|plugin| plugin.start(&options))
    }

    pub fn feed<P: Plugin>(chunk: Vec<u8>) -> Result<Translation, PluginError> {
        with_plugin::<P, _>(|plugin| plugin.feed(&chunk))
    }

    pub fn finish<P: Plugin>() -> Result<Translation, PluginError> {
        with_plugin::<P, _>(|plugin| plugin.finish())
    }
}

/// Exports `$plugin` (a type implementing [`Plugin`]) as this component's adapter.
///
/// Only wasm builds export anything: natively the plugin crate is an ordinary library whose
/// parsing is unit-tested, and the component's export names (`interlock:adapter/…`) are
/// not valid native symbol names.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        mod __interlock_export {
            #[allow(unused_imports)]
            use super::*;

            pub struct InterlockAdapter;

            impl $crate::__Guest for InterlockAdapter {
                fn describe() -> $crate::PluginInfo {
                    $crate::__private::describe::<$plugin>()
                }
                fn start(options: Vec<(String, String)>) -> Result<(), $crate::PluginError> {
                    $crate::__private::start::<$plugin>(options)
                }
                fn feed(chunk: Vec<u8>) -> Result<$crate::Translation, $crate::PluginError> {
                    $crate::__private::feed::<$plugin>(chunk)
                }
                fn finish() -> Result<$crate::Translation, $crate::PluginError> {
                    $crate::__private::finish::<$plugin>()
                }
            }

            $crate::bindings::__export_adapter!(InterlockAdapter with_types_in $crate::bindings);
        }
    };
}
