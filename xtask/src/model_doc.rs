//! Generates `crates/interlock-pdk/MODEL.md`, the record model by kind (every field, its
//! type, whether it is required and what it means), from the doc comments and serde
//! attributes of `crates/interlock-core/src/model/`. The model's source is the one place
//! fields are documented; this page is derived from it and a test keeps it current.
//!
//! The reader is deliberately small: it understands the shapes the model uses (`pub struct`
//! with `pub` fields, `pub enum` with unit or one-field variants, `///` comments and
//! `#[serde(...)]` attributes) and nothing more.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use crate::project_root;

/// Model files in the order their kinds are documented. `v1.rs` is the frozen old model.
const FILES: &[&str] = &[
    "mod.rs",
    "party.rs",
    "licensing.rs",
    "customs.rs",
    "police.rs",
    "screening.rs",
    "reported.rs",
];

pub const OUTPUT: &str = "crates/interlock-pdk/MODEL.md";

#[derive(Debug, Default)]
struct Field {
    name: String,
    ty: String,
    required: bool,
    doc: String,
}

#[derive(Debug, Default)]
struct Item {
    name: String,
    doc: String,
    is_enum: bool,
    rename_all_snake: bool,
    fields: Vec<Field>,
    /// (JSON name, Rust payload type if any, doc)
    variants: Vec<(String, Option<String>, String)>,
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (index, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if index > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn serde_rename(attr: &str) -> Option<String> {
    let start = attr.find("rename = \"")? + "rename = \"".len();
    let end = attr[start..].find('"')? + start;
    Some(attr[start..end].to_owned())
}

fn parse(source: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut doc = Vec::<String>::new();
    let mut attrs = Vec::<String>::new();
    let mut current: Option<Item> = None;
    for raw in source.lines() {
        let line = raw.trim();
        if line.starts_with("#[cfg(test)]") {
            break;
        }
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim().to_owned());
            continue;
        }
        if line.starts_with("#[") {
            attrs.push(line.to_owned());
            continue;
        }
        if let Some(item) = current.as_mut() {
            if line == "}" && raw.starts_with('}') {
                items.push(current.take().unwrap_or_default());
            } else if !item.is_enum {
                if let Some(rest) = line.strip_prefix("pub ")
                    && let Some((name, ty)) = rest.split_once(':')
                {
                    let ty = ty.trim().trim_end_matches(',').to_owned();
                    let has_default = attrs.iter().any(|a| a.contains("default"));
                    item.fields.push(Field {
                        name: name.trim().to_owned(),
                        required: !has_default && !ty.starts_with("Option<"),
                        ty,
                        doc: doc.join(" "),
                    });
                }
            } else if let Some(first) = line.chars().next()
                && first.is_ascii_uppercase()
            {
                let variant = line.trim_end_matches(',');
                let (name, payload) = match variant.split_once('(') {
                    Some((name, payload)) => (name, Some(payload.trim_end_matches(')').to_owned())),
                    None => (variant, None),
                };
                let json = attrs
                    .iter()
                    .find_map(|a| serde_rename(a))
                    .unwrap_or_else(|| {
                        if item.rename_all_snake {
                            snake_case(name)
                        } else {
                            name.to_owned()
                        }
                    });
                item.variants.push((json, payload, doc.join(" ")));
            }
            doc.clear();
            attrs.clear();
            continue;
        }
        for (prefix, is_enum) in [("pub struct ", false), ("pub enum ", true)] {
            if let Some(rest) = line.strip_prefix(prefix)
                && rest.ends_with('{')
            {
                current = Some(Item {
                    name: rest.trim_end_matches('{').trim().to_owned(),
                    doc: doc.join(" "),
                    is_enum,
                    rename_all_snake: attrs
                        .iter()
                        .any(|a| a.contains("rename_all = \"snake_case\"")),
                    ..Item::default()
                });
            }
        }
        doc.clear();
        attrs.clear();
    }
    items
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The generated page.
pub fn render() -> Result<String> {
    let dir = project_root().join("crates/interlock-core/src/model");
    let mut items = Vec::new();
    for file in FILES {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        items.extend(parse(&text));
    }
    let by_name: BTreeMap<&str, &Item> = items.iter().map(|i| (i.name.as_str(), i)).collect();

    let mut out = String::new();
    writeln!(out, "# The record model, by kind")?;
    writeln!(out)?;
    writeln!(
        out,
        "Generated by `cargo xtask codegen` from `crates/interlock-core/src/model/`; do not edit. \
         Field names are those of the JSON Lines format (`interlock import-records`) and of the \
         PDK's Rust types; the WIT interface spells them in kebab-case. Dates are ISO 8601 \
         (`YYYY-MM-DD`), amounts decimal strings, countries ISO 3166-1 alpha-2, currencies \
         ISO 4217, units UN/ECE Recommendation 20. *Required* means the field must be present; \
         the host's validation adds the rules stated in each field's meaning."
    )?;
    let body = by_name.get("Body").context("the model has no Body enum")?;
    writeln!(out)?;
    writeln!(out, "## Kinds")?;
    writeln!(out)?;
    writeln!(out, "| `kind` | type | what it is |")?;
    writeln!(out, "|---|---|---|")?;
    for (json, payload, doc) in &body.variants {
        let ty = payload.clone().unwrap_or_default();
        let doc = if doc.is_empty() {
            by_name
                .get(ty.as_str())
                .map(|i| i.doc.clone())
                .unwrap_or_default()
        } else {
            doc.clone()
        };
        writeln!(
            out,
            "| `{json}` | [`{ty}`](#{}) | {} |",
            ty.to_lowercase(),
            escape(&doc)
        )?;
    }

    // Every struct and enum reachable from Draft, in source order.
    writeln!(out)?;
    writeln!(out, "## Types")?;
    for item in &items {
        // The envelope and in-memory helpers are not part of what adapters write.
        if matches!(
            item.name.as_str(),
            "StoredRecord" | "Provenance" | "Adapter" | "UsageKey"
        ) {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "### {}", item.name)?;
        writeln!(out)?;
        if !item.doc.is_empty() {
            writeln!(out, "{}", item.doc)?;
            writeln!(out)?;
        }
        if item.is_enum {
            writeln!(out, "| value | meaning |")?;
            writeln!(out, "|---|---|")?;
            for (json, payload, doc) in &item.variants {
                let shown = match payload {
                    Some(ty) => format!("`{json}` ([`{ty}`](#{}))", ty.to_lowercase()),
                    None => format!("`{json}`"),
                };
                writeln!(out, "| {shown} | {} |", escape(doc))?;
            }
        } else {
            writeln!(out, "| field | type | required | meaning |")?;
            writeln!(out, "|---|---|---|---|")?;
            for field in &item.fields {
                writeln!(
                    out,
                    "| `{}` | `{}` | {} | {} |",
                    field.name,
                    field.ty,
                    if field.required { "yes" } else { "" },
                    escape(&field.doc)
                )?;
            }
        }
    }
    Ok(out)
}

pub fn write() -> Result<()> {
    let path = project_root().join(OUTPUT);
    std::fs::write(&path, render()?).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", Path::new(OUTPUT).display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MODEL.md is derived from the model's source; a change to one without the other
    /// fails here. Fix it with `cargo xtask codegen`.
    #[test]
    fn model_doc_is_current() {
        let expected = render().expect("renders");
        let actual = std::fs::read_to_string(project_root().join(OUTPUT)).unwrap_or_default();
        assert!(
            expected == actual,
            "{OUTPUT} is out of date with crates/interlock-core/src/model: run `cargo xtask codegen`"
        );
    }

    #[test]
    fn every_kind_and_field_is_documented() {
        let page = render().expect("renders");
        for kind in [
            "authorization_status_change",
            "licence_usage",
            "reported_transfer",
        ] {
            assert!(page.contains(&format!("| `{kind}` |")), "{kind} missing");
        }
        assert!(page.contains("| `controlled_by` | `Option<ControlledBy>` |"));
        assert!(page.contains("| `reference` | `String` | yes |"));
        // Every field says what it means: a field row's last cell is never empty.
        let undocumented: Vec<&str> = page
            .lines()
            .filter(|line| line.split('|').count() == 6 && line.ends_with("|  |"))
            .collect();
        assert!(
            undocumented.is_empty(),
            "fields without a `///` comment in the model: {undocumented:#?}"
        );
    }
}
