//! Customs declarations shaped like ASYCUDA World's SAD XML: one `customs_declaration`
//! record per item, and one `licence_usage` record per licence deduction, so write-offs
//! from ASYCUDA and from CHIEF usage data are counted in one place
//! (`interlock_core::usage`). Parsing lives in `parse.rs` (which documents the subset of
//! ASYCUDA's structure it reads, and how status, control entry and serial numbers are
//! found); this file maps its output to interlock records.
//!
//! Options (declared in [`SadXml::info`]): `currency`, the ISO 4217 national currency of
//! ASYCUDA's national-currency amounts (default `GBP`), and `licence_codes`, the
//! comma-separated attached-document codes that cite a licence (default `LIC`).
//!
//! # `customs_declaration` ← `ASYCUDA/Item` (`source_ref` `declaration_ref/item_no`)
//!
//! | model field | source |
//! |---|---|
//! | `declaration_ref` | `Customs_clearance_office_code` + year of the registration date + `Registration/Serial_number` + `Registration/Number` |
//! | `item_no` | the item's position (from 1) |
//! | `procedure` | first digit of `Extended_customs_procedure` (1-2 export, 3 re-export, 4-7 import, 8 transit), else `Type_of_declaration` |
//! | `customs_office` | `Customs_clearance_office_code` |
//! | `date` | `Registration/Date` |
//! | `status` | `Export_release/Date_of_exit` → exited; `receipt/Date` → cleared; assessment/receipt/release sections without dates → lodged |
//! | `exit_date` | `Export_release/Date_of_exit` |
//! | `movement` | first two digits of `Extended_customs_procedure` (`10`, `40`-`49`: permanent; `21`-`23`, `51`, `53`, `61`, `63`: temporary; see `parse::movement`) |
//! | `parties` | `Exporter`, `Consignee` (importer on imports), `Declarant`: code (scheme `other`), name box (first line name, rest address), EORI prefix as country |
//! | `country_of_dispatch`, `country_of_destination` | `Export_country_code`, `Destination_country_code` |
//! | `country_of_origin` | `Country_of_origin_code` |
//! | `hs_code` | `Commodity_code` |
//! | `control_entry`, `control_entry_basis` | `CONTROL ENTRY x` in `Free_text_1`/`Free_text_2`; basis `declared` (the SAD XML has no officer's classification) |
//! | `description` | `Description_of_goods`, else `Commercial_Description` |
//! | `quantity` | `Supplementary_unit` code and quantity |
//! | `value` | `Item_Invoice`: foreign amount and `Currency_code`, else the national amount in `currency` |
//! | `statistical_value` | `Valuation_item/Statistical_value` (box 46) in `currency` |
//! | `serial_numbers` | `SERIAL NUMBERS a, b` in `Free_text_1`/`Free_text_2` |
//! | `attached_documents` | the licence deduction (`Licence_number`, `LICENCE LINE n`, the amounts deducted) and every other attached document with a licence code: the evidence of the citation |
//!
//! # `licence_usage` ← the item's licence deduction (`source_ref` `declaration_ref/item_no`)
//!
//! | model field | source |
//! |---|---|
//! | `authorization_ref` | `Licence_number` |
//! | `line_no` | `LICENCE LINE n` in `Free_text_1`/`Free_text_2` (without it: a warning, and no usage record) |
//! | `declaration_ref`, `declaration_part` | the declaration's reference; the item number |
//! | `usage_type` | `original` (ASYCUDA deducts once per item; an amended declaration is a new revision of the same record) |
//! | `date` | `Registration/Date` |
//! | `quantity`, `unit` | `Quantity_deducted_from_licence`, the item's supplementary unit |
//! | `value` | `Amount_deducted_from_licence` in `currency` |
//!
//! An item citing a licence without any amount deducted gives no usage record.

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
        .option(
            "currency",
            "the national currency (ISO 4217) of ASYCUDA's national-currency amounts: Amount_national_currency, Statistical_value, Amount_deducted_from_licence",
            Some("GBP"),
        )
        .option(
            "licence_codes",
            "the attached-document codes that cite a licence, comma-separated",
            Some("LIC"),
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
                let usage = usage(&declaration, &mut out);
                out.record(
                    AGENCY,
                    source_ref.clone(),
                    line,
                    Body::CustomsDeclaration(convert(declaration)),
                );
                if let Some(usage) = usage {
                    out.push(Draft::licence_usage(AGENCY, source_ref, usage).at(line));
                }
            }
            parse::Parsed::Problem(problem) => {
                out.error(problem.line, &problem.field, "sad-xml", problem.message)
            }
        }
    }
    out
}

/// The item's licence deduction as a usage record: the attached document that carries
/// amounts (only `Licence_number` does).
fn usage(d: &parse::ParsedDeclaration, out: &mut Translation) -> Option<LicenceUsage> {
    let deduction = d
        .attached_documents
        .iter()
        .find(|a| a.quantity_written_off.is_some() || a.value_written_off.is_some())?;
    let Some(line_no) = deduction.line_no else {
        out.warning(
            d.line,
            "Free_text_1",
            "sad-xml",
            format!(
                "{} item {}: the deduction from licence {} names no licence line (`LICENCE LINE n`), so it is kept on the declaration but not counted as usage",
                d.declaration_ref, d.item_no, deduction.authorization_ref
            ),
        );
        return None;
    };
    let quantity = deduction.quantity_written_off.as_ref();
    Some(LicenceUsage {
        declaration_part: Some(d.item_no.to_string()),
        quantity: quantity.map(|q| q.amount.clone()),
        unit: quantity.map(|q| q.unit.clone()),
        value: deduction
            .value_written_off
            .as_ref()
            .map(|v| money(&v.amount, &v.currency)),
        ..LicenceUsage::new(
            &deduction.authorization_ref,
            line_no,
            &d.declaration_ref,
            UsageType::Original,
            &d.date,
        )
    })
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
        status: d.status.map(|s| match s {
            parse::DeclarationStatus::Lodged => DeclarationStatus::Lodged,
            parse::DeclarationStatus::Cleared => DeclarationStatus::Cleared,
            parse::DeclarationStatus::Exited => DeclarationStatus::Exited,
        }),
        exit_date: d.exit_date,
        movement: d.movement.map(|m| match m {
            parse::Movement::Permanent => Movement::Permanent,
            parse::Movement::Temporary => Movement::Temporary,
        }),
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
        control_entry_basis: d
            .control_entry
            .as_ref()
            .map(|_| ClassificationBasis::Declared),
        control_entry: d.control_entry,
        description: d.description,
        quantity: d.quantity.map(|q| quantity(&q.amount, &q.unit)),
        value: d.value.map(|v| money(&v.amount, &v.currency)),
        statistical_value: d.statistical_value.map(|v| money(&v.amount, &v.currency)),
        serial_numbers: d.serial_numbers,
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

    fn run(text: &[u8], options: &[(String, String)]) -> Translation {
        let mut plugin = SadXml::default();
        plugin.start(options).expect("options accepted");
        let mut out = Translation::default();
        for chunk in text.chunks(333) {
            out.extend(plugin.feed(chunk).expect("feeds"));
        }
        out.extend(plugin.finish().expect("finishes"));
        out
    }

    fn declarations(out: &Translation) -> Vec<CustomsDeclaration> {
        out.records
            .iter()
            .filter_map(|d| match &d.record {
                Body::CustomsDeclaration(c) => Some(c.clone()),
                _ => None,
            })
            .collect()
    }

    fn usages(out: &Translation) -> Vec<(String, LicenceUsage)> {
        out.records
            .iter()
            .filter_map(|d| match &d.record {
                Body::LicenceUsage(u) => Some((d.source_ref.clone(), u.clone())),
                _ => None,
            })
            .collect()
    }

    fn money_text(m: &Option<Money>) -> Option<(&str, &str)> {
        m.as_ref().map(|m| (m.amount.as_str(), m.currency.as_str()))
    }

    #[test]
    fn the_fixture_gives_declaration_items_and_their_write_offs_without_problems() {
        let out = run(include_bytes!("../fixtures/declarations-2026.xml"), &[]);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let items = declarations(&out);
        assert_eq!(items.len(), 14);
        // Every item with a licence deduction, i.e. all but D4 (no licence) and D9.
        let found = usages(&out);
        assert_eq!(found.len(), 12);

        let rifles = &items[0];
        assert_eq!(rifles.status, Some(DeclarationStatus::Exited));
        assert_eq!(rifles.exit_date.as_deref(), Some("2026-07-16"));
        assert_eq!(rifles.movement, Some(Movement::Permanent));
        assert_eq!(
            money_text(&rifles.statistical_value),
            Some(("81000.00", "GBP"))
        );
        assert_eq!(rifles.attached_documents.len(), 1, "the evidence stays");

        let (source_ref, usage) = &found[0];
        assert_eq!(source_ref, "FXT01 2026 E 1021/1");
        assert_eq!(usage.authorization_ref, "GBSIEL/2026/0000101/P");
        assert_eq!(usage.line_no, 1);
        assert_eq!(usage.declaration_ref, "FXT01 2026 E 1021");
        assert_eq!(usage.declaration_part.as_deref(), Some("1"));
        assert_eq!(usage.usage_type, UsageType::Original);
        assert_eq!(usage.date, "2026-07-14");
        assert_eq!(usage.quantity.as_deref(), Some("60"));
        assert_eq!(usage.unit.as_deref(), Some("NAR"));
        assert_eq!(money_text(&usage.value), Some(("81000.00", "GBP")));
        assert_eq!(usage.sequence, None);

        // The import: cleared (receipt, no exit), its deduction in the national currency.
        let import = items
            .iter()
            .find(|d| d.procedure == CustomsProcedure::Import)
            .map(|d| (d.status, d.exit_date.clone(), d.movement));
        assert_eq!(
            import,
            Some((
                Some(DeclarationStatus::Cleared),
                None,
                Some(Movement::Permanent)
            ))
        );
        let glock = found
            .iter()
            .find(|(_, u)| u.authorization_ref == "GBSIL2600201K")
            .map(|(_, u)| {
                (
                    u.quantity.clone(),
                    money_text(&u.value).map(|(a, c)| (a.to_owned(), c.to_owned())),
                )
            });
        assert_eq!(
            glock,
            Some((
                Some("30".to_owned()),
                Some(("14190.00".to_owned(), "GBP".to_owned()))
            ))
        );

        // The aircraft: declared control entry and serial number.
        let aircraft = items
            .iter()
            .find(|d| d.declaration_ref == "MAN01 2026 E 1350" && d.item_no == 1);
        assert_eq!(
            aircraft.map(|d| (
                d.control_entry.as_deref(),
                d.control_entry_basis,
                d.serial_numbers.clone()
            )),
            Some((
                Some("ML10.a"),
                Some(ClassificationBasis::Declared),
                vec!["PA9-IN-0007".to_owned()]
            ))
        );

        // The temporary export of returnable containers writes off nothing.
        let temporary: Vec<&CustomsDeclaration> = items
            .iter()
            .filter(|d| d.movement == Some(Movement::Temporary))
            .collect();
        assert_eq!(temporary.len(), 1);
        assert_eq!(temporary[0].declaration_ref, "FXT01 2026 E 1433");
        assert!(temporary[0].attached_documents.is_empty());

        // Every item has a statistical value.
        assert!(items.iter().all(|d| d.statistical_value.is_some()));
    }

    #[test]
    fn a_deduction_without_a_licence_line_is_kept_as_evidence_with_a_warning() {
        let text = String::from_utf8_lossy(include_bytes!("../fixtures/declarations-2026.xml"))
            .replacen(
                "<Free_text_1>LICENCE LINE 1</Free_text_1>",
                "<Free_text_1>EXPORT</Free_text_1>",
                1,
            );
        let out = run(text.as_bytes(), &[]);
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        assert_eq!(out.diagnostics[0].severity, Severity::Warning);
        assert_eq!(usages(&out).len(), 11);
        assert_eq!(declarations(&out)[0].attached_documents.len(), 1);
    }

    #[test]
    fn the_currency_option_names_the_national_currency() {
        let options = [("currency".to_owned(), "NOK".to_owned())];
        let out = run(
            include_bytes!("../fixtures/declarations-2026.xml"),
            &options,
        );
        let items = declarations(&out);
        assert_eq!(
            money_text(&items[0].statistical_value),
            Some(("81000.00", "NOK"))
        );
        assert_eq!(
            money_text(&usages(&out)[0].1.value),
            Some(("81000.00", "NOK"))
        );
    }

    #[test]
    fn the_options_are_declared() {
        let info = SadXml::info();
        let options: Vec<(&str, Option<&str>)> = info
            .options
            .iter()
            .map(|o| (o.name.as_str(), o.default.as_deref()))
            .collect();
        assert_eq!(
            options,
            [("currency", Some("GBP")), ("licence_codes", Some("LIC"))]
        );
        assert!(info.options.iter().all(|o| !o.meaning.is_empty()));
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
