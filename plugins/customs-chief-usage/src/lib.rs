//! CHIEF `usageData` messages: the licence write-offs customs report back to the licensing
//! authority (backslash-delimited records: fileHeader, licenceUsage, line, usage, end,
//! fileTrailer). Parsing lives in `parse.rs` (which documents the format and what usageData
//! does not carry); this file maps its output to interlock `customs_declaration` records.
//!
//! One record per declaration (`URC/part`), licence and licence line, keyed
//! `URC/part/licence/line`:
//! - `O` original, `L` late original and `A` adjusted records of the same declaration and
//!   licence line in one file are added up; `C` contra records are subtracted, so an
//!   original and its contra give one record that writes off zero (the shipment was
//!   withdrawn). The model has no negative write-off, hence the netting.
//! - A contra whose original came in an earlier file writes off zero under the same key, so
//!   the host records it as a new revision of that declaration item (the write-off
//!   withdrawn), with a warning.
//! - `M` (message only) records write nothing off and give no record.
//! - usageData has no HS code, customs office or destination country: they are left empty.
//!   The licence line's unit is not in usageData either; quantities are given in `C62`
//!   ("one", a plain number) — see [`UNIT`].

mod parse;

use std::str::FromStr;

use interlock_pdk::prelude::*;
use rust_decimal::Decimal;

const AGENCY: &str = "customs";
const CODE: &str = "chief-usage-data";
/// usageData states quantities without a unit (the unit is the licence line's, known only
/// from licenceData), so they are reported as plain numbers: UN/ECE Rec 20 `C62`, "one".
const UNIT: &str = "C62";

#[derive(Default)]
pub struct ChiefUsage {
    parser: Option<parse::Parser>,
}

impl Plugin for ChiefUsage {
    fn info() -> PluginInfo {
        plugin_info(
            "customs-chief-usage",
            env!("CARGO_PKG_VERSION"),
            AgencyKind::Customs,
            &["CHIEF usageData message"],
        )
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<Translation> {
        let parser = self.parser.get_or_insert_with(parse::Parser::new);
        Ok(translate(parser.feed(chunk)))
    }

    fn finish(&mut self) -> Result<Translation> {
        // Not `Parser::default()`: `new` starts the line and record counts at 1.
        let parser = match self.parser.take() {
            Some(parser) => parser,
            None => parse::Parser::new(),
        };
        Ok(translate(parser.finish()))
    }
}

fn translate(items: Vec<parse::Parsed>) -> Translation {
    let mut out = Translation::default();
    for item in items {
        match item {
            parse::Parsed::Header(_) => {}
            parse::Parsed::LicenceUsage(usage) => {
                for group in group(usage.declarations()) {
                    net(group, &mut out);
                }
            }
            parse::Parsed::Problem(problem) => {
                out.error(problem.line, &problem.field, CODE, problem.message);
            }
        }
    }
    out
}

/// The record key: the declaration, licence and licence line (not the usage type).
fn key(d: &parse::ParsedDeclaration) -> (String, String, Option<u32>) {
    let document = d.attached_documents.first();
    (
        d.declaration_ref.clone(),
        document
            .map(|a| a.authorization_ref.clone())
            .unwrap_or_default(),
        document.and_then(|a| a.line_no),
    )
}

/// Groups a licence's declaration items by key, in order of first appearance.
fn group(declarations: Vec<parse::ParsedDeclaration>) -> Vec<Vec<parse::ParsedDeclaration>> {
    let mut groups: Vec<Vec<parse::ParsedDeclaration>> = Vec::new();
    for declaration in declarations {
        match groups.iter_mut().find(|g| {
            g.first()
                .is_some_and(|first| key(first) == key(&declaration))
        }) {
            Some(group) => group.push(declaration),
            None => groups.push(vec![declaration]),
        }
    }
    groups
}

/// Adds up the amounts of one key's usage records (contras are already negative).
fn sum<'a>(amounts: impl Iterator<Item = Option<&'a str>>) -> Option<Decimal> {
    let mut total: Option<Decimal> = None;
    for amount in amounts.flatten() {
        let amount = Decimal::from_str(amount).unwrap_or_default();
        total = Some(total.unwrap_or_default() + amount);
    }
    total
}

fn net(group: Vec<parse::ParsedDeclaration>, out: &mut Translation) {
    let Some(first) = group.first() else {
        return;
    };
    let (declaration_ref, licence, line_no) = key(first);
    let line = first.line;
    let source_ref = format!(
        "{declaration_ref}/{licence}/{}",
        line_no.map(|n| n.to_string()).unwrap_or_default()
    );
    let quantity = sum(group
        .iter()
        .map(|d| d.quantity.as_ref().map(|q| q.amount.as_str())));
    let value = sum(group
        .iter()
        .map(|d| d.value.as_ref().map(|v| v.amount.as_str())));
    let currencies: Vec<&str> = group
        .iter()
        .filter_map(|d| d.value.as_ref().map(|v| v.currency.as_str()))
        .collect();
    let currency = currencies.first().copied().unwrap_or_default().to_owned();
    if currencies.iter().any(|c| *c != currency) {
        out.error(
            line,
            "currency",
            CODE,
            format!(
                "the usage records of {declaration_ref} against licence {licence} line {} are in different currencies ({})",
                line_no.unwrap_or_default(),
                currencies.join(", ")
            ),
        );
        return;
    }
    let negative = quantity.is_some_and(|q| q.is_sign_negative() && !q.is_zero())
        || value.is_some_and(|v| v.is_sign_negative() && !v.is_zero());
    if negative {
        out.warning(
            line,
            "usageType",
            CODE,
            format!(
                "contra of {declaration_ref} against licence {licence} line {} without its original in this file: recorded as written off zero (the write-off withdrawn)",
                line_no.unwrap_or_default()
            ),
        );
    }
    let clamp = |d: Decimal| {
        if d.is_sign_negative() {
            Decimal::new(0, d.scale())
        } else {
            d
        }
    };
    let quantity = quantity.map(|q| self::quantity(&clamp(q).to_string(), UNIT));
    let value = value.map(|v| money(&clamp(v).to_string(), &currency));
    let types: Vec<String> = group
        .iter()
        .map(|d| d.usage_type.code().to_string())
        .collect();
    let procedure = match first.procedure {
        parse::CustomsProcedure::Export => CustomsProcedure::Export,
        parse::CustomsProcedure::Import => CustomsProcedure::Import,
    };
    let declaration = CustomsDeclaration {
        declaration_ref,
        item_no: first.item_no,
        procedure,
        customs_office: None,
        date: first.date.clone(),
        status: None,
        exit_date: None,
        movement: None,
        parties: first
            .parties
            .iter()
            .map(|p| Party {
                role: match p.role {
                    parse::PartyRole::Exporter => PartyRole::Exporter,
                    parse::PartyRole::Importer => PartyRole::Importer,
                },
                name: p.name.clone(),
                party_type: None,
                address: None,
                country: None,
                // The source does not say which scheme; kept as `other`, as 1.0 did.
                identifiers: p
                    .identifier
                    .iter()
                    .map(|id| PartyIdentifier::new(IdentifierScheme::Other, id.clone()))
                    .collect(),
            })
            .collect(),
        country_of_dispatch: None,
        country_of_destination: None,
        country_of_origin: first.country_of_origin.clone(),
        hs_code: None,
        control_entry: None,
        control_entry_basis: None,
        description: format!(
            "CHIEF usage ({}) of licence {licence} line {}",
            types.join(", "),
            line_no.unwrap_or_default()
        ),
        quantity: quantity.clone(),
        value: value.clone(),
        statistical_value: None,
        serial_numbers: Vec::new(),
        attached_documents: vec![AttachedDocument {
            code: None,
            authorization_ref: licence,
            line_no,
            quantity_written_off: quantity,
            value_written_off: value,
        }],
    };
    out.record(
        AGENCY,
        source_ref,
        line,
        Body::CustomsDeclaration(declaration),
    );
}

export_plugin!(ChiefUsage);

#[cfg(test)]
mod plugin_tests {
    use super::*;

    fn run(text: &[u8], chunk: usize) -> Translation {
        let mut plugin = ChiefUsage::default();
        let mut out = Translation::default();
        for chunk in text.chunks(chunk) {
            out.extend(plugin.feed(chunk).expect("feeds"));
        }
        out.extend(plugin.finish().expect("finishes"));
        out
    }

    fn declaration(out: &Translation, source_ref: &str) -> CustomsDeclaration {
        out.records
            .iter()
            .find(|d| d.source_ref == source_ref)
            .and_then(|d| match &d.record {
                Body::CustomsDeclaration(c) => Some(c.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no record {source_ref}"))
    }

    #[test]
    fn the_fixture_gives_the_scenario_write_offs_without_problems() {
        let out = run(include_bytes!("../fixtures/usage-2026.txt"), 64);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        // 12 usage records: one message-only, one contra netted with its original.
        assert_eq!(out.records.len(), 10);

        let rifles = declaration(&out, "6GB100200300000-ALB0312/A/GBSIEL/2026/0000101/P/1");
        assert_eq!(rifles.procedure, CustomsProcedure::Export);
        assert_eq!(rifles.date, "2026-03-12");
        assert_eq!(rifles.customs_office, None);
        assert_eq!(rifles.hs_code, None);
        let document = &rifles.attached_documents[0];
        assert_eq!(document.line_no, Some(1));
        assert_eq!(
            document
                .quantity_written_off
                .as_ref()
                .map(|q| (q.amount.as_str(), q.unit.as_str())),
            Some(("60", "C62"))
        );

        let withdrawn = declaration(&out, "6GB300400500000-SEV0415/A/GBSIEL/2026/0000107/P/1");
        let value = withdrawn.attached_documents[0].value_written_off.clone();
        assert_eq!(
            value.map(|v| (v.amount, v.currency)),
            Some(("0.00".to_owned(), "EUR".to_owned()))
        );
        assert_eq!(
            withdrawn.description,
            "CHIEF usage (O, C) of licence GBSIEL/2026/0000107/P line 1"
        );

        let import = declaration(&out, "6GB400500600000-KSG0302/A/GBSIL2600201K/1");
        assert_eq!(import.procedure, CustomsProcedure::Import);
        assert_eq!(import.country_of_origin.as_deref(), Some("AT"));
        assert_eq!(import.parties[0].role, PartyRole::Importer);
    }

    #[test]
    fn chunking_does_not_change_the_translation() {
        let text = include_bytes!("../fixtures/usage-2026.txt");
        let whole = run(text, text.len());
        let small = run(text, 5);
        assert_eq!(
            format!("{:?}", whole.records),
            format!("{:?}", small.records)
        );
    }

    #[test]
    fn a_contra_without_its_original_writes_off_zero_with_a_warning() {
        let input = "1\\fileHeader\\CHIEF\\SPIRE\\usageData\\202607010300\\184\\\n\
                     2\\licenceUsage\\LU1/00001\\insert\\GBSIEL/2026/0000107/P\\O\\\n\
                     3\\line\\1\\0\\0.00\\EUR\n\
                     4\\usage\\C\\URC1\\A\\20260415\\0\\40000.00\\EUR\\000103\\\\\\\\\n\
                     5\\end\\line\\3\n\
                     6\\end\\licenceUsage\\5\n\
                     7\\fileTrailer\\1\n";
        let out = run(input.as_bytes(), 1000);
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        assert_eq!(out.diagnostics[0].severity, Severity::Warning);
        let record = declaration(&out, "URC1/A/GBSIEL/2026/0000107/P/1");
        assert_eq!(record.value.map(|v| v.amount), Some("0.00".to_owned()));
    }

    #[test]
    fn parse_problems_become_error_diagnostics() {
        let out = run(
            b"1\\fileHeader\\CHIEF\\SPIRE\\licenceData\\202601010000\\1\\\n",
            1000,
        );
        assert!(out.records.is_empty());
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].severity, Severity::Error);
        assert_eq!(out.diagnostics[0].field.as_deref(), Some("dataId"));
    }
}
