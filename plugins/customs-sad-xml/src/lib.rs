//! Customs declarations shaped like ASYCUDA World's SAD XML: one `customs_declaration`
//! record per item, and one `licence_usage` record per licence deduction, so write-offs
//! from ASYCUDA and from CHIEF usage data are counted in one place
//! (`interlock_core::usage`). Parsing lives in `parse.rs` (which documents the subset of
//! ASYCUDA's structure it reads, how status, control entry and serial numbers are found,
//! and the structural problems it reports on the element's line); this file holds the
//! plugin and its options. Values are passed on as written: the host checks dates,
//! numbers, codes and countries and names the record field (`record.date`) on the item's
//! line; the tables below say which element each field comes from.
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
mod xml;

use interlock_pdk::prelude::*;

pub struct SadXml {
    settings: parse::Settings,
    /// XML is read whole, in `finish`.
    input: Vec<u8>,
}

impl Default for SadXml {
    fn default() -> Self {
        SadXml {
            settings: parse::Settings {
                national_currency: "GBP".to_owned(),
                licence_codes: vec!["LIC".to_owned()],
            },
            input: Vec::new(),
        }
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
                "currency" => self.settings.national_currency = value.clone(),
                "licence_codes" => {
                    self.settings.licence_codes =
                        value.split(',').map(|c| c.trim().to_owned()).collect()
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
        self.input.extend_from_slice(chunk);
        Ok(Translation::default())
    }

    fn finish(&mut self) -> Result<Translation> {
        Ok(parse::translate(&self.input, &self.settings))
    }
}

export_plugin!(SadXml);

#[cfg(test)]
mod plugin_tests {
    use super::*;
    use interlock_pdk::testing;

    const FIXTURE: &[u8] = include_bytes!("../fixtures/declarations-2026.xml");

    fn run(text: &[u8], options: &[(&str, &str)]) -> Translation {
        testing::translate_with::<SadXml>(options, text, 333).expect("translates")
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
        let out = run(FIXTURE, &[]);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let items = declarations(&out);
        assert_eq!(items.len(), 14);
        let refs: std::collections::BTreeSet<&str> =
            items.iter().map(|d| d.declaration_ref.as_str()).collect();
        assert_eq!(refs.len(), 9);
        // Every item with a licence deduction, i.e. all but D4 (no licence) and D9.
        let found = usages(&out);
        assert_eq!(found.len(), 12);

        let rifles = &items[0];
        assert_eq!(out.records[0].source_ref, "FXT01 2026 E 1021/1");
        assert_eq!(out.records[0].line, Some(77));
        assert_eq!(rifles.procedure, CustomsProcedure::Export);
        assert_eq!(rifles.date, "2026-07-14");
        assert_eq!(rifles.hs_code.as_deref(), Some("93019000"));
        assert_eq!(
            rifles.description,
            "Assault rifles Heckler & Koch G36, 5.56x45mm"
        );
        assert_eq!(rifles.country_of_destination.as_deref(), Some("NO"));
        assert_eq!(rifles.country_of_origin.as_deref(), Some("DE"));
        assert_eq!(
            rifles
                .quantity
                .as_ref()
                .map(|q| (q.amount.as_str(), q.unit.as_str())),
            Some(("60", "NAR"))
        );
        let parties: Vec<(PartyRole, &str, Option<&str>, Option<&str>)> = rifles
            .parties
            .iter()
            .map(|p| {
                (
                    p.role,
                    p.name.as_str(),
                    p.address.as_deref(),
                    p.country.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            parties,
            [
                (PartyRole::Exporter, "Albion Arms Ltd", None, Some("GB")),
                (
                    PartyRole::Consignee,
                    "Forsvarsmateriell",
                    Some("Postboks 10, 2027 Kjeller"),
                    None
                ),
                (
                    PartyRole::Declarant,
                    "Harbour Freight Forwarding Ltd",
                    None,
                    Some("GB")
                ),
            ]
        );
        assert_eq!(rifles.status, Some(DeclarationStatus::Exited));
        assert_eq!(rifles.exit_date.as_deref(), Some("2026-07-16"));
        assert_eq!(rifles.movement, Some(Movement::Permanent));
        assert_eq!(
            money_text(&rifles.statistical_value),
            Some(("81000.00", "GBP"))
        );
        // The deduction stays on the declaration as the evidence of the citation.
        let evidence: Vec<(Option<&str>, &str, Option<u32>)> = rifles
            .attached_documents
            .iter()
            .map(|a| (a.code.as_deref(), a.authorization_ref.as_str(), a.line_no))
            .collect();
        assert_eq!(evidence, [(Some("LIC"), "GBSIEL/2026/0000101/P", Some(1))]);

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

        // The unlicensed export cites nothing.
        let unlicensed = items
            .iter()
            .find(|d| d.declaration_ref == "DVR01 2026 E 1266")
            .map(|d| {
                (
                    d.attached_documents.len(),
                    d.country_of_destination.as_deref(),
                )
            });
        assert_eq!(unlicensed, Some((0, Some("AE"))));

        // The import: cleared (receipt, no exit), invoiced in euro, the consignee its
        // importer, its deduction in the national currency.
        let import = items
            .iter()
            .find(|d| d.procedure == CustomsProcedure::Import)
            .map(|d| {
                (
                    d.status,
                    d.exit_date.clone(),
                    d.movement,
                    money_text(&d.value),
                    d.parties[1].role,
                )
            });
        assert_eq!(
            import,
            Some((
                Some(DeclarationStatus::Cleared),
                None,
                Some(Movement::Permanent),
                Some(("16500.00", "EUR")),
                PartyRole::Importer
            ))
        );
        let glock = found
            .iter()
            .find(|(_, u)| u.authorization_ref == "GBSIL2600201K")
            .map(|(_, u)| (u.quantity.as_deref(), money_text(&u.value)));
        assert_eq!(glock, Some((Some("30"), Some(("14190.00", "GBP")))));

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
    fn every_chunking_gives_the_same_result() {
        let whole = testing::check_chunking::<SadXml>(FIXTURE).expect("translates");
        assert_eq!(whole.records.len(), 26);
    }

    #[test]
    fn a_deduction_without_a_licence_line_is_kept_as_evidence_with_a_warning() {
        let text = String::from_utf8_lossy(FIXTURE).replacen(
            "<Free_text_1>LICENCE LINE 1</Free_text_1>",
            "<Free_text_1>EXPORT</Free_text_1>",
            1,
        );
        let out = run(text.as_bytes(), &[]);
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        assert_eq!(out.diagnostics[0].severity, Severity::Warning);
        assert_eq!(out.diagnostics[0].line, Some(77));
        assert_eq!(usages(&out).len(), 11);
        assert_eq!(declarations(&out)[0].attached_documents.len(), 1);
    }

    #[test]
    fn the_currency_option_names_the_national_currency() {
        let out = run(FIXTURE, &[("currency", "NOK")]);
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
    fn the_licence_codes_option_says_which_attached_documents_cite_a_licence() {
        let out = run(FIXTURE, &[("licence_codes", "LIC, INV")]);
        let cited: Vec<(Option<String>, String)> = declarations(&out)[0]
            .attached_documents
            .iter()
            .map(|a| (a.code.clone(), a.authorization_ref.clone()))
            .collect();
        assert_eq!(
            cited,
            [
                (Some("LIC".into()), "GBSIEL/2026/0000101/P".into()),
                (Some("INV".into()), "ALB-INV-2026-0714".into()),
            ]
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
        let refused = testing::translate_with::<SadXml>(&[("colour", "red")], b"", 1);
        assert!(
            matches!(refused, Err(PluginError::Internal(m)) if m.starts_with("unknown option `colour`"))
        );
    }
}
