//! The interlock plugin development kit: what an agency developer depends on to turn
//! their system's export into interlock records.
//!
//! ```ignore
//! use interlock_pdk::prelude::*;
//!
//! #[derive(Default)]
//! struct MyAdapter { csv: CsvReader }
//!
//! impl Plugin for MyAdapter {
//!     fn info() -> PluginInfo {
//!         plugin_info("my-adapter", env!("CARGO_PKG_VERSION"), AgencyKind::Police, &["my CSV export"])
//!     }
//!     fn feed(&mut self, chunk: &[u8]) -> Result<Translation> {
//!         let mut out = Translation::default();
//!         for row in self.csv.feed(chunk) {
//!             match row {
//!                 Ok(CsvRecord { line, fields, .. }) => match fields.as_slice() {
//!                     [reference, serial] => out.push(Draft::new("police", reference, Item::new("Glock", serial)).at(line)),
//!                     _ => out.error(line, "", "columns", "expected 2 columns"),
//!                 },
//!                 Err(problem) => out.diagnostics.push(problem),
//!             }
//!         }
//!         Ok(out)
//!     }
//!     // and `finish`, for what `self.csv.finish()` returns
//! }
//!
//! export_plugin!(MyAdapter);
//! ```
//!
//! The crate's major and minor version are the interface version (`interlock:adapter@1.1.0`);
//! see README.md.

// The generated bindings name this crate by its path, from inside and outside alike.
extern crate self as interlock_pdk;

pub mod chief;
#[cfg(feature = "component")]
pub mod component;
pub mod formats;
pub mod records;
pub mod reference;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;
pub mod values;

/// Bindings generated from `wit/v1.1`: the PDK's own copy of the interface, so that it
/// builds from a registry or a git dependency (a test keeps it identical to the
/// repository's `wit/`). Plugins normally use the re-exports in [`prelude`] instead.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "wit/v1.1",
        world: "adapter",
        pub_export_macro: true,
        export_macro_name: "__export_adapter",
        default_bindings_module: "interlock_pdk::bindings",
        runtime_path: "interlock_pdk::__private::wit_bindgen::rt",
    });
}

pub use bindings::exports::interlock::adapter::translator::{
    AgencyKind, AttachedDocument, Authorization, AuthorizationLine, AuthorizationStatus, Body,
    ClassificationBasis, ControlledBy, Counterpart, CountryGroup, CountryRole, CustomsDeclaration,
    CustomsLicenceState, CustomsLicenceStatus, CustomsProcedure, DeclarationStatus,
    DeliveryVerification, Denial, Diagnostic, Direction, Draft, Embargo, EmbargoAmendment,
    EmbargoAuthority, EmbargoDirection, EmbargoExemption, EmbargoScope, EndUserCertificate,
    IdentifierScheme, ImportMark, Item, LicenceAction, LicenceCountry, LicenceUsage, MessageOrder,
    Money, Movement, OptionSpec, Party, PartyIdentifier, PartyRole, PartyType, PluginError,
    PluginInfo, PoliceCase, PoliceEvent, Quantity, ReportedLineTotal, ReportedTransfer,
    ReportingSource, ReportingSourceKind, Severity, StatusChange, StatusEvent, TraceStatus,
    Translation, UsageType, VerifiedLine, YearlyDelivery,
};
#[doc(hidden)]
pub use bindings::exports::interlock::adapter::translator::{
    Guest as __Guest, GuestSession as __GuestSession,
};

/// The interface version this PDK targets, as the host checks it: the crate's major and
/// minor (a patch release of the PDK adds helpers, not interface).
pub const INTERFACE_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION_MAJOR"),
    ".",
    env!("CARGO_PKG_VERSION_MINOR"),
    ".0"
);

/// Results in plugins: an `Err` ends the translation of the file.
pub type Result<T, E = PluginError> = core::result::Result<T, E>;

/// An agency adapter. The host creates a fresh instance and one session (so one value of
/// this type, via `Default`) for every file; `feed` sees the file in chunks split anywhere.
pub trait Plugin: Default + 'static {
    /// Name, version, agency, formats and options. The version is normally
    /// `env!("CARGO_PKG_VERSION")`; declare options with [`PluginInfo::option`].
    fn info() -> PluginInfo;

    /// Options given by the record manager (`--option key=value`), before the first chunk.
    /// An error here is reported by the first `feed` (a WIT constructor cannot fail).
    fn start(&mut self, _options: &[(String, String)]) -> Result<()> {
        Ok(())
    }

    /// Translates what can be translated so far; keep partial records for the next call
    /// ([`CsvReader`](formats::CsvReader) and [`LineSplitter`](formats::LineSplitter) do).
    fn feed(&mut self, chunk: &[u8]) -> Result<Translation>;

    /// The end of the file: translate what is left.
    fn finish(&mut self) -> Result<Translation> {
        Ok(Translation::default())
    }
}

/// Builds [`PluginInfo`]; pass `env!("CARGO_PKG_VERSION")` as the version. Add the options
/// the plugin reads with [`PluginInfo::option`].
pub fn plugin_info(name: &str, version: &str, agency: AgencyKind, formats: &[&str]) -> PluginInfo {
    PluginInfo {
        name: name.to_owned(),
        version: version.to_owned(),
        agency,
        formats: formats.iter().map(|f| (*f).to_owned()).collect(),
        options: Vec::new(),
    }
}

impl PluginInfo {
    /// Declares an option the plugin reads in [`Plugin::start`] (`--option name=value`):
    /// what it means (and which values it takes), and its default, if it has one. The host
    /// shows the declared options to the record manager.
    ///
    /// ```ignore
    /// plugin_info("my-adapter", env!("CARGO_PKG_VERSION"), AgencyKind::Customs, &["CSV"])
    ///     .option("delimiter", "the field separator, one character", Some(","))
    /// ```
    pub fn option(mut self, name: &str, meaning: &str, default: Option<&str>) -> PluginInfo {
        self.options.push(OptionSpec {
            name: name.to_owned(),
            meaning: meaning.to_owned(),
            default: default.map(str::to_owned),
        });
        self
    }
}

#[allow(clippy::derivable_impls)] // the type is generated by wit-bindgen; it cannot carry a derive
impl Default for Translation {
    fn default() -> Self {
        Translation {
            records: Vec::new(),
            diagnostics: Vec::new(),
        }
    }
}

impl Translation {
    /// Adds a record.
    pub fn push(&mut self, draft: Draft) {
        self.records.push(draft);
    }

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

    /// Reports a problem with `field` on `line`; an error makes the host refuse the file.
    pub fn error(&mut self, line: u64, field: &str, code: &str, message: impl Into<String>) {
        self.diagnostics
            .push(diagnostic(Severity::Error, line, field, code, message));
    }

    /// Reports a problem with the file as a whole (a wrong header, a count that does not add
    /// up, a cut-short file): it has no line, so the host refuses the whole file even when the
    /// record manager imports with `--quarantine`, which otherwise sets aside only the rows
    /// with errors. Say in `message` where the problem was seen.
    pub fn file_error(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.diagnostics.push(whole_file(diagnostic(
            Severity::Error,
            0,
            field,
            code,
            message,
        )));
    }

    /// Reports something the record manager should know; the file is still imported.
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

/// A diagnostic on `line`; an empty `field` means the whole line.
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

/// Turns a diagnostic about one line into one about the whole file (see
/// [`Translation::file_error`]), keeping the line in the message.
pub fn whole_file(mut diagnostic: Diagnostic) -> Diagnostic {
    if let Some(line) = diagnostic.line.take().filter(|&line| line > 0) {
        diagnostic.message = format!("line {line}: {}", diagnostic.message);
    }
    diagnostic
}

/// A quantity with its UN/ECE Rec 20 unit (`NAR`, `KGM`, ...), amount as in the source.
pub fn quantity(amount: &str, unit: &str) -> Quantity {
    Quantity {
        amount: amount.to_owned(),
        unit: unit.to_owned(),
    }
}

/// An amount with its ISO 4217 currency, as in the source.
pub fn money(amount: &str, currency: &str) -> Money {
    Money {
        amount: amount.to_owned(),
        currency: currency.to_owned(),
    }
}

/// `Some(text)` (trimmed) unless the text is blank.
pub fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Writes to the host's log (the host cuts lines at 1 KiB and keeps 1,000 per file).
/// Natively (unit tests) it goes to stderr.
pub fn log(level: u8, message: &str) {
    #[cfg(target_arch = "wasm32")]
    bindings::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("[plugin log {level}] {message}");
}

pub mod prelude {
    pub use crate::formats::{
        CsvReader, CsvRecord, CsvRows, Encoding, Line, LineSplitter, fixed_width, split_delimited,
    };
    pub use crate::{
        AgencyKind, AttachedDocument, Authorization, AuthorizationLine, AuthorizationStatus, Body,
        ClassificationBasis, ControlledBy, Counterpart, CountryGroup, CountryRole,
        CustomsDeclaration, CustomsLicenceState, CustomsLicenceStatus, CustomsProcedure,
        DeclarationStatus, DeliveryVerification, Denial, Diagnostic, Direction, Draft, Embargo,
        EmbargoAmendment, EmbargoAuthority, EmbargoDirection, EmbargoExemption, EmbargoScope,
        EndUserCertificate, IdentifierScheme, ImportMark, Item, LicenceAction, LicenceCountry,
        LicenceUsage, MessageOrder, Money, Movement, OptionSpec, Party, PartyIdentifier, PartyRole,
        PartyType, Plugin, PluginError, PluginInfo, PoliceCase, PoliceEvent, Quantity,
        ReportedLineTotal, ReportedTransfer, ReportingSource, ReportingSourceKind, Result,
        Severity, StatusChange, StatusEvent, TraceStatus, Translation, UsageType, VerifiedLine,
        YearlyDelivery, diagnostic, export_plugin, log, money, non_empty, plugin_info, quantity,
        whole_file,
    };
}

/// The interface version, embedded as a custom section (Zed's pattern) so that tools can
/// read it from the core module even before it is wrapped into a component. The host's
/// authority is the export name; it cross-checks this section when present.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
#[used]
#[unsafe(link_section = "interlock:adapter-version")]
pub static __INTERFACE_VERSION_SECTION: [u8; INTERFACE_VERSION.len()] = version_bytes();

#[cfg(target_arch = "wasm32")]
const fn version_bytes() -> [u8; INTERFACE_VERSION.len()] {
    let mut out = [0u8; INTERFACE_VERSION.len()];
    let bytes = INTERFACE_VERSION.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

#[doc(hidden)]
pub mod __private {
    pub use wit_bindgen;

    use std::cell::RefCell;

    use crate::{Plugin, PluginError, PluginInfo, Translation};

    /// Guest panics reach the host only as an `unreachable` trap, without the message; send
    /// the message through `log` first. The host recognises the prefix and puts the
    /// message into its error.
    fn install_panic_hook() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            std::panic::set_hook(Box::new(|info| {
                crate::log(0, &format!("plugin panicked: {info}"));
            }));
        });
    }

    pub fn describe<P: Plugin>() -> PluginInfo {
        install_panic_hook();
        // Keeps the version section in the link (it is otherwise unreferenced).
        #[cfg(target_arch = "wasm32")]
        std::hint::black_box(&crate::__INTERFACE_VERSION_SECTION);
        P::info()
    }

    /// The `session` resource behind every plugin: the plugin value plus an error from
    /// `start` that waits for the first call able to return it.
    pub struct Session<P: Plugin> {
        plugin: RefCell<P>,
        pending: RefCell<Option<PluginError>>,
    }

    impl<P: Plugin> Session<P> {
        pub fn new(options: Vec<(String, String)>) -> Self {
            install_panic_hook();
            #[cfg(target_arch = "wasm32")]
            std::hint::black_box(&crate::__INTERFACE_VERSION_SECTION);
            let mut plugin = P::default();
            let pending = plugin.start(&options).err();
            Session {
                plugin: RefCell::new(plugin),
                pending: RefCell::new(pending),
            }
        }

        fn call(
            &self,
            f: impl FnOnce(&mut P) -> Result<Translation, PluginError>,
        ) -> Result<Translation, PluginError> {
            if let Some(error) = self.pending.borrow_mut().take() {
                return Err(error);
            }
            // The host never re-enters a session, so the borrow cannot be taken twice.
            f(&mut self.plugin.borrow_mut())
        }

        pub fn feed(&self, chunk: Vec<u8>) -> Result<Translation, PluginError> {
            self.call(|plugin| plugin.feed(&chunk))
        }

        pub fn finish(&self) -> Result<Translation, PluginError> {
            self.call(|plugin| plugin.finish())
        }
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
            pub struct InterlockSession($crate::__private::Session<$plugin>);

            impl $crate::__Guest for InterlockAdapter {
                type Session = InterlockSession;
                fn describe() -> $crate::PluginInfo {
                    $crate::__private::describe::<$plugin>()
                }
            }

            impl $crate::__GuestSession for InterlockSession {
                fn new(options: ::std::vec::Vec<(::std::string::String, ::std::string::String)>) -> Self {
                    InterlockSession($crate::__private::Session::new(options))
                }
                fn feed(
                    &self,
                    chunk: ::std::vec::Vec<u8>,
                ) -> ::core::result::Result<$crate::Translation, $crate::PluginError> {
                    self.0.feed(chunk)
                }
                fn finish(&self) -> ::core::result::Result<$crate::Translation, $crate::PluginError> {
                    self.0.finish()
                }
            }

            $crate::bindings::__export_adapter!(InterlockAdapter with_types_in $crate::bindings);
        }
    };
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// Every file under `dir`, relative to it, sorted.
    fn files(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(next) = pending.pop() {
            let entries =
                std::fs::read_dir(&next).unwrap_or_else(|e| panic!("{}: {e}", next.display()));
            for entry in entries {
                let path = entry
                    .unwrap_or_else(|e| panic!("{}: {e}", next.display()))
                    .path();
                if path.is_dir() {
                    pending.push(path);
                } else if let Ok(relative) = path.strip_prefix(dir) {
                    out.push(relative.to_path_buf());
                }
            }
        }
        out.sort();
        out
    }

    /// The PDK's copy of the interface (`wit/`, which a registry or git build of the PDK
    /// compiles) is the repository's `wit/` byte for byte. Outside the repository (a
    /// published PDK) there is nothing to compare with.
    #[test]
    fn the_wit_copy_is_the_repository_wit() {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let (ours, theirs) = (manifest.join("wit"), manifest.join("../../wit"));
        if !theirs.is_dir() {
            eprintln!("{} not present: nothing to compare with", theirs.display());
            return;
        }
        let hint = "run `cargo xtask codegen`, which copies wit/ into crates/interlock-pdk/wit/";
        assert_eq!(files(&ours), files(&theirs), "the WIT files differ: {hint}");
        for file in files(&theirs) {
            let read = |dir: &Path| {
                std::fs::read(dir.join(&file))
                    .unwrap_or_else(|e| panic!("{}: {e}", dir.join(&file).display()))
            };
            assert!(
                read(&ours) == read(&theirs),
                "crates/interlock-pdk/wit/{} differs from wit/{}: {hint}",
                file.display(),
                file.display()
            );
        }
    }
}
