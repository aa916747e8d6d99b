//! Which interface a component speaks, read from its bytes before anything is compiled
//! (as Zed's extension host does): its exported `interlock:adapter/translator@X.Y.Z` and
//! its imports, of which only `log` is allowed.

use wasmparser::{Parser, Payload};

/// The interface versions this host implements, newest first.
pub const SUPPORTED: &[semver::Version] = &[semver::Version::new(1, 1, 0)];

const EXPORT_PREFIX: &str = "interlock:adapter/translator@";

#[derive(Debug, Default)]
pub struct Surface {
    pub exports: Vec<String>,
    pub imports: Vec<String>,
    /// The PDK's `interlock:adapter-version` custom section (in the core module), if any.
    pub pdk_version: Option<String>,
}

/// The custom section the PDK embeds (Zed's `zed:api-version` pattern).
const VERSION_SECTION: &str = "interlock:adapter-version";

/// Lists a component's top-level imports and exports.
pub fn surface(wasm: &[u8]) -> Result<Surface, String> {
    let mut surface = Surface::default();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| format!("not a valid wasm component: {e}"))?;
        match payload {
            Payload::Version { encoding, .. }
                if depth == 0 && encoding != wasmparser::Encoding::Component =>
            {
                return Err(
                    "a core wasm module, not a component: wrap it with `cargo xtask plugins`"
                        .to_owned(),
                );
            }
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    let import = import.map_err(|e| format!("bad import section: {e}"))?;
                    surface.imports.push(full_name(&import.name));
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    let export = export.map_err(|e| format!("bad export section: {e}"))?;
                    surface.exports.push(full_name(&export.name));
                }
            }
            Payload::CustomSection(reader) if reader.name() == VERSION_SECTION => {
                surface.pdk_version = Some(String::from_utf8_lossy(reader.data()).into_owned());
            }
            _ => {}
        }
    }
    Ok(surface)
}

/// An import's or export's name with the version suffix a component may give apart from it
/// (`a:b/c@1.1` and `.0`), as later wasmparser's `full_name` joins them. The suffix belongs
/// to the `implements` interface when there is one, and only a versioned name takes it.
fn full_name(name: &wasmparser::ComponentExternName<'_>) -> String {
    match (name.implements, name.version_suffix) {
        (None, Some(suffix)) if name.name.contains('@') => format!("{}{suffix}", name.name),
        _ => name.name.to_owned(),
    }
}

/// The interface version a component exports, checked against what this host supports.
pub fn check(surface: &Surface) -> Result<semver::Version, String> {
    let forbidden: Vec<&String> = surface
        .imports
        .iter()
        .filter(|name| *name != "log")
        .collect();
    if !forbidden.is_empty() {
        return Err(format!(
            "imports {}; plugins may import only `log` (no WASI: no files, network, clock or randomness)",
            forbidden
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let exported = surface
        .exports
        .iter()
        .find_map(|name| name.strip_prefix(EXPORT_PREFIX))
        .ok_or_else(|| {
            format!(
                "does not export `{EXPORT_PREFIX}…` (exports: {}); is it an interlock adapter?",
                surface.exports.join(", ")
            )
        })?;
    let version = semver::Version::parse(exported)
        .map_err(|e| format!("exports interface version `{exported}`, which is not semver: {e}"))?;
    // Semver: same major (and, for 0.x, same minor), and no newer minor than we know.
    let compatible = SUPPORTED
        .iter()
        .any(|host| host.major == version.major && host.major > 0 && version.minor <= host.minor);
    if !compatible {
        // Every minor from .0 up to the host's own, e.g. `1.0.x, 1.1.x`.
        let supported = SUPPORTED
            .iter()
            .flat_map(|v| (0..=v.minor).map(move |minor| format!("{}.{minor}.x", v.major)))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(format!(
            "was built for interface interlock:adapter@{version}, but this interlock supports interlock:adapter@{supported}; rebuild the plugin with a matching interlock-pdk or upgrade interlock"
        ));
    }
    // The section is informational (the export name is the authority), but a component
    // whose two statements disagree was tampered with or mis-built.
    if let Some(embedded) = &surface.pdk_version {
        let agrees = semver::Version::parse(embedded.trim())
            .is_ok_and(|pdk| pdk.major == version.major && pdk.minor == version.minor);
        if !agrees {
            return Err(format!(
                "exports interface {version} but was built with interlock-pdk `{embedded}`; rebuild it"
            ));
        }
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name<'a>(
        name: &'a str,
        implements: Option<&'a str>,
        version_suffix: Option<&'a str>,
    ) -> wasmparser::ComponentExternName<'a> {
        wasmparser::ComponentExternName {
            name,
            implements,
            version_suffix,
            external_id: None,
        }
    }

    #[test]
    fn a_version_suffix_completes_a_versioned_name_only() {
        let split = name("interlock:adapter/translator@1.1", None, Some(".0"));
        assert_eq!(full_name(&split), "interlock:adapter/translator@1.1.0");
        assert_eq!(full_name(&name("log", None, None)), "log");
        assert_eq!(full_name(&name("log", None, Some(".0"))), "log");
        // With `implements`, the suffix is the implemented interface's.
        let implementing = name(
            "translator",
            Some("interlock:adapter/translator@1"),
            Some(".1"),
        );
        assert_eq!(full_name(&implementing), "translator");
    }
}
