//! Customs declarations shaped like ASYCUDA World's SAD XML, one customs_declaration record
//! per item. Parsing lives in `parse.rs` (which documents the subset of ASYCUDA's structure
//! it reads); this file maps its output to interlock records.
//!
//! Options: `currency` (the national currency of `Amount_national_currency`, default GBP)
//! and `licence_codes` (comma-separated attached-document codes that carry licences,
//! default `LIC`).

mod parse;

use interlock_pdk::prelude::*;

const AGENCY: &str = "customs";

#[derive(Default)]
pub struct SadXml {
    currency: Option<String>,
    licence_codes: Option<Vec<String>>,
    parser: Option<parse::Parser>,
}

impl SadXml {
    fn parser(&mut self) -> &mut parse::Parser {
        let currency = self.currency.clone().unwrap_or_else(|| "GBP".to_owned());
        let codes = self.licence_codes.clone();
        self.parser.get_or_insert_with(|| {
            let parser = parse::Parser::new(&currency);
            match &codes {
                Some(codes) => {
                    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
                    parser.with_licence_document_codes(&codes)
                }
                None => parser,
            }
        })
    }
}

impl Plugin for SadXml {
    fn info() -> PluginInfo {
        plugin_info(
            "customs-sad-xml",
            env!("CARGO_PKG_VERSION"),
            AgencyKind::Customs,
            &["ASYCUDA World SAD XML export"],
        )
    }

    fn start(&mut self, options: &[(String, String)]) -> Result<()> {
        for (key, value) in options {
            match key.as_str() {
                "currency" => self.currency = Some(value.clone()),
                "licence_codes" => {
                    self.licence_codes =
                        Some(value.split(',').map(|c| c.trim().to_owned()).collect())
                }
                other => {
                    return Err(PluginError::Internal(format!(
                        "unknown option `{other}` (known: currency, licence_codes)"
                    )));
                }
            }
        }
        Ok(())
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<Translation> {
        Ok(translate(self.parser().feed(chunk)))
    }

    fn finish(&mut self) -> Result<Translation> {
        self.parser();
        let parser = self
            .parser
            .take()
            .unwrap_or_else(|| parse::Parser::new("GBP"));
        Ok(translate(parser.finish()))
    }
}

fn translate(items: Vec<parse::Parsed>) -> Translation {
    let mut out = Translation::default();
    for item in items {
        match item {
            parse::Parsed::Declaration(declaration) => {
                let (line, source_ref) = (declaration.line, declaration.source_ref.clone());
                out.record(
                    AGENCY,
                    source_ref,
                    line,
                    Body::CustomsDeclaration(convert(declaration)),
                );
            }
            parse::Parsed::Problem(problem) => {
                out.error(problem.line, &problem.field, "sad-xml", problem.message)
            }
        }
    }
    out
}

fn convert(d: parse::ParsedDeclaration) -> CustomsDeclaration {
    CustomsDeclaration {
        declaration_ref: d.declaration_ref,
        item_no: d.item_no,
        procedure: match d.procedure {
            parse::CustomsProcedure::Export => CustomsProcedure::Export,
            parse::CustomsProcedure::Import => CustomsProcedure::Import,
            parse::CustomsProcedure::Transit => CustomsProcedure::Transit,
            parse::CustomsProcedure::ReExport => CustomsProcedure::ReExport,
        },
        customs_office: non_empty(&d.customs_office),
        date: d.date,
        status: None,
        exit_date: None,
        movement: None,
        parties: d
            .parties
            .into_iter()
            .map(|p| Party {
                role: match p.role {
                    parse::PartyRole::Exporter => PartyRole::Exporter,
                    parse::PartyRole::Importer => PartyRole::Importer,
                    parse::PartyRole::Consignee => PartyRole::Consignee,
                    parse::PartyRole::Declarant => PartyRole::Declarant,
                },
                name: p.name,
                address: p.address,
                party_type: None,
                country: p.country,
                // The source does not say which scheme; kept as `other`, as 1.0 did.
                identifiers: p
                    .identifier
                    .into_iter()
                    .map(|id| PartyIdentifier::new(IdentifierScheme::Other, id))
                    .collect(),
            })
            .collect(),
        country_of_dispatch: d.country_of_dispatch,
        country_of_destination: d.country_of_destination,
        country_of_origin: d.country_of_origin,
        hs_code: non_empty(&d.hs_code),
        control_entry: None,
        control_entry_basis: None,
        description: d.description,
        quantity: d.quantity.map(|q| quantity(&q.amount, &q.unit)),
        value: d.value.map(|v| money(&v.amount, &v.currency)),
        statistical_value: None,
        serial_numbers: Vec::new(),
        attached_documents: d
            .attached_documents
            .into_iter()
            .map(|a| AttachedDocument {
                code: a.code,
                authorization_ref: a.authorization_ref,
                line_no: a.line_no,
                quantity_written_off: a.quantity_written_off.map(|q| quantity(&q.amount, &q.unit)),
                value_written_off: a.value_written_off.map(|v| money(&v.amount, &v.currency)),
            })
            .collect(),
    }
}

export_plugin!(SadXml);

#[cfg(test)]
mod plugin_tests {
    use super::*;

    #[test]
    fn the_fixture_gives_declaration_items_without_problems() {
        let mut plugin = SadXml::default();
        let text = include_bytes!("../fixtures/declarations-2026.xml");
        let mut out = Translation::default();
        for chunk in text.chunks(333) {
            out.extend(plugin.feed(chunk).expect("feeds"));
        }
        out.extend(plugin.finish().expect("finishes"));
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert_eq!(out.records.len(), 13);
    }

    #[test]
    fn unknown_options_are_refused() {
        let mut plugin = SadXml::default();
        let options = [("colour".to_owned(), "red".to_owned())];
        assert!(
            matches!(plugin.start(&options), Err(PluginError::Internal(m)) if m.starts_with("unknown option `colour`"))
        );
    }
}
