//! Reads ASYCUDA World's SAD XML into interlock records.
//!
//! ASYCUDA exports one declaration per `<ASYCUDA>` element. A file is either one such
//! element, or a wrapper element (any name) holding several, which is how the reporting
//! State's customs hand over a batch. Absent values are written `<Tag><null/></Tag>`.
//!
//! The subset read (element names as ASYCUDA spells them, including its
//! `Suppplementary_unit_*` with three p's; the correct spelling is accepted too):
//!
//! ```text
//! ASYCUDA
//!   Export_release/Date_of_exit                           -> exit_date, status exited
//!   Property/Nbers/Total_number_of_items                  checked against the items
//!   Identification/Office_segment/Customs_clearance_office_code   -> customs_office
//!   Identification/Type/Type_of_declaration               EX, IM, TR (fallback procedure)
//!   Identification/Registration/Serial_number, Number, Date  -> declaration_ref, date
//!   Identification/Assessment/Date, Identification/receipt/Date -> status
//!   Traders/Exporter/Exporter_code, Exporter_name         -> party exporter
//!   Traders/Consignee/Consignee_code, Consignee_name      -> party consignee (importer on imports)
//!   Declarant/Declarant_code, Declarant_name              -> party declarant
//!   General_information/Country/Export/Export_country_code           -> country_of_dispatch
//!   General_information/Country/Destination/Destination_country_code -> country_of_destination
//!   Item (one record each)
//!     Attached_documents/Attached_document_code, _reference   licence citations
//!     Tarification/HScode/Commodity_code                  -> hs_code
//!     Tarification/Extended_customs_procedure             -> procedure (CPC first digit),
//!                                                            movement (first two digits)
//!     Tarification/Supplementary_unit/Suppplementary_unit_code, _quantity -> quantity
//!     Goods_description/Description_of_goods (or Commercial_Description) -> description
//!     Goods_description/Country_of_origin_code            -> country_of_origin
//!     Licence_number, Quantity_deducted_from_licence, Amount_deducted_from_licence
//!     Free_text_1, Free_text_2                            "LICENCE LINE n" -> line_no,
//!                                 "CONTROL ENTRY ML1.a" -> control_entry (declared),
//!                                 "SERIAL NUMBERS a, b" -> serial_numbers
//!     Valuation_item/Item_Invoice/Amount_foreign_currency, Currency_code,
//!                                 Amount_national_currency -> value
//!     Valuation_item/Statistical_value                    -> statistical_value (national currency)
//! ```
//!
//! Status, from ASYCUDA's process fields (the same for every item of a declaration): a
//! `Date_of_exit` in `Export_release` (the exit confirmed) is `exited`; else a receipt
//! date (duties and taxes paid, the last step before release) is `cleared`; else, when the
//! export carries the assessment, receipt or export release sections at all (empty), the
//! declaration is registered but not through: `lodged`. A file without any of them says
//! nothing about status. ASYCUDA's cancellation is not in the SAD XML, so `invalidated`
//! is never given.
//!
//! Control entry and serial numbers: the SAD has no box for either. The reporting State's
//! declarants write them in box 44 free text, like the licence line, separated by `;`
//! (`LICENCE LINE 1; CONTROL ENTRY ML10.a; SERIAL NUMBERS PA9-0007`). ASYCUDA's SAD XML
//! has no field for a customs officer's classification (its `Assessment` is the tax
//! assessment), so a control entry is always as declared.
//!
//! Licence write-off: ASYCUDA's licence module fills `Licence_number` and the quantity and
//! amount (national currency) deducted from it; it has no licence line number, so the
//! reporting State's customs write `LICENCE LINE n` in box 44 free text. An attached
//! document with a licence code (default `LIC`) for another licence is kept as a write-off
//! without amounts.
//!
//! Values are passed on as written: the host checks dates (ISO `YYYY-MM-DD` only, since
//! ASYCUDA's date format depends on the installation and guessing between day-first and
//! month-first would be worse than refusing), numbers, codes and countries, and names the
//! record field on the item's line. This parser reports what only it can see: the
//! document's structure, on the line of the element and with its path. A declaration
//! with such a problem is not emitted (all its items are held back); its problems are.

use interlock_pdk::prelude::*;

use crate::xml::Tree;

const AGENCY: &str = "customs";
/// The code of every diagnostic this plugin reports.
pub const CODE: &str = "sad-xml";

/// What the record manager's options say.
#[derive(Debug)]
pub struct Settings {
    /// ISO 4217 code of the amounts ASYCUDA keeps in national currency.
    pub national_currency: String,
    /// Attached-document codes that cite a licence (national code list).
    pub licence_codes: Vec<String>,
}

/// Translates a whole file: every declaration item (with its licence deduction), or the
/// problems that hold a declaration back.
pub fn translate(input: &[u8], settings: &Settings) -> Translation {
    let mut out = Translation::default();
    let tree = match Tree::read(input) {
        Ok(tree) => tree,
        // A document that does not read concerns the whole file: even `--quarantine` refuses it.
        Err(problem) => {
            out.diagnostics.push(whole_file(problem));
            return out;
        }
    };
    let Some(root) = tree.root else {
        out.file_error("", CODE, "no root element");
        return out;
    };
    let declarations: Vec<usize> = if tree.name(root) == "ASYCUDA" {
        vec![root]
    } else {
        tree.children_named(root, "ASYCUDA").collect()
    };
    if declarations.is_empty() {
        let message = "no <ASYCUDA> declaration element found";
        let problem = diagnostic(
            Severity::Error,
            tree.line(root),
            tree.name(root),
            CODE,
            message,
        );
        out.diagnostics.push(whole_file(problem));
    }
    for node in declarations {
        let found = declaration(&tree, node, settings);
        if found
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
        {
            out.diagnostics.extend(found.diagnostics);
        } else {
            out.extend(found);
        }
    }
    out
}

/// The records of one `<ASYCUDA>` element, with its problems.
fn declaration(tree: &Tree, node: usize, settings: &Settings) -> Translation {
    let mut out = Translation::default();
    let text = |path: &str| tree.value_at(node, path);
    let office = tree.required(
        node,
        "Identification/Office_segment/Customs_clearance_office_code",
        &mut out,
    );
    let number = tree.required(node, "Identification/Registration/Number", &mut out);
    let date = tree.required(node, "Identification/Registration/Date", &mut out);
    let year = date.get(0..4).unwrap_or_default();
    let declaration_ref = match text("Identification/Registration/Serial_number") {
        Some(serial) => format!("{office} {year} {serial} {number}"),
        None => format!("{office} {year} {number}"),
    };
    let exit_date = text("Export_release/Date_of_exit");
    let receipt_date =
        text("Identification/receipt/Date").or_else(|| text("Identification/Receipt/Date"));
    let has_process_fields = [
        "Export_release",
        "Identification/Assessment",
        "Identification/receipt",
        "Identification/Receipt",
    ]
    .iter()
    .any(|path| tree.find(node, path).is_some());
    let status = if exit_date.is_some() {
        Some(DeclarationStatus::Exited)
    } else if receipt_date.is_some() {
        Some(DeclarationStatus::Cleared)
    } else if has_process_fields {
        Some(DeclarationStatus::Lodged)
    } else {
        None
    };

    let items: Vec<usize> = tree.children_named(node, "Item").collect();
    if items.is_empty() {
        out.error(tree.line(node), "Item", CODE, "declaration has no items");
    }
    let count_path = "Property/Nbers/Total_number_of_items";
    if let Some(declared) = text(count_path)
        && declared.parse::<usize>().ok() != Some(items.len())
    {
        let message = format!(
            "says {declared} but the declaration has {} items",
            items.len()
        );
        out.error(tree.line(node), count_path, CODE, message);
    }

    // What every item of the declaration shares.
    let declaration = Declaration {
        tree,
        settings,
        declaration_type: text("Identification/Type/Type_of_declaration"),
        exporter: party(tree, node, "Traders/Exporter", "Exporter"),
        consignee: party(tree, node, "Traders/Consignee", "Consignee"),
        declarant: party(tree, node, "Declarant", "Declarant"),
        common: CustomsDeclaration {
            customs_office: non_empty(&office),
            status,
            exit_date,
            country_of_dispatch: text("General_information/Country/Export/Export_country_code"),
            country_of_destination: text(
                "General_information/Country/Destination/Destination_country_code",
            ),
            ..CustomsDeclaration::new(declaration_ref, 0, CustomsProcedure::Export, date, "")
        },
    };
    for (index, item) in items.into_iter().enumerate() {
        let item_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        declaration.item(item, item_no, &mut out);
    }
    out
}

/// A declaration's fields that every item repeats.
struct Declaration<'t> {
    tree: &'t Tree,
    settings: &'t Settings,
    declaration_type: Option<String>,
    exporter: Option<Party>,
    consignee: Option<Party>,
    declarant: Option<Party>,
    common: CustomsDeclaration,
}

impl Declaration<'_> {
    /// One `<Item>`: a `customs_declaration` record and, when it deducts from a licence
    /// line, a `licence_usage` record.
    fn item(&self, node: usize, item_no: u32, out: &mut Translation) {
        let tree = self.tree;
        let text = |path: &str| tree.value_at(node, path);
        let line = tree.line(node);
        let cpc = text("Tarification/Extended_customs_procedure");
        let procedure =
            procedure(cpc.as_deref(), self.declaration_type.as_deref()).unwrap_or_else(|message| {
                out.error(
                    line,
                    "Tarification/Extended_customs_procedure",
                    CODE,
                    message,
                );
                CustomsProcedure::Export
            });
        let description = text("Goods_description/Description_of_goods")
            .or_else(|| text("Goods_description/Commercial_Description"))
            .unwrap_or_else(|| {
                let path = "Goods_description/Description_of_goods";
                out.error(line, path, CODE, "required but empty");
                String::new()
            });
        let national = |amount: String| money(&amount, &self.settings.national_currency);
        let value = match (
            text("Valuation_item/Item_Invoice/Currency_code"),
            text("Valuation_item/Item_Invoice/Amount_foreign_currency"),
        ) {
            (Some(currency), Some(amount)) => Some(money(&amount, &currency)),
            _ => text("Valuation_item/Item_Invoice/Amount_national_currency").map(national),
        };
        let free_text: Vec<String> = ["Free_text_1", "Free_text_2"]
            .into_iter()
            .filter_map(text)
            .collect();
        let quantity = supplementary_quantity(tree, node);
        let attached_documents = self.write_offs(node, &free_text, quantity.as_ref(), out);
        let consignee_role = if procedure == CustomsProcedure::Import {
            PartyRole::Importer
        } else {
            PartyRole::Consignee
        };
        let parties = [
            (&self.exporter, PartyRole::Exporter),
            (&self.consignee, consignee_role),
            (&self.declarant, PartyRole::Declarant),
        ]
        .into_iter()
        .filter_map(|(party, role)| party.clone().map(|party| Party { role, ..party }))
        .collect();
        let control_entry = free_text.iter().find_map(|text| control_entry(text));
        let record = CustomsDeclaration {
            item_no,
            procedure,
            description,
            movement: cpc.as_deref().and_then(movement),
            parties,
            country_of_origin: text("Goods_description/Country_of_origin_code"),
            hs_code: non_empty(&tree.required(node, "Tarification/HScode/Commodity_code", out)),
            control_entry_basis: control_entry
                .as_ref()
                .map(|_| ClassificationBasis::Declared),
            control_entry,
            quantity,
            value,
            statistical_value: text("Valuation_item/Statistical_value").map(national),
            serial_numbers: free_text
                .iter()
                .find_map(|text| serial_numbers(text))
                .unwrap_or_default(),
            attached_documents,
            ..self.common.clone()
        };
        let source_ref = format!("{}/{item_no}", record.declaration_ref);
        let usage = usage(&record, line, out);
        out.push(Draft::new(AGENCY, source_ref.clone(), record).at(line));
        if let Some(usage) = usage {
            out.push(Draft::new(AGENCY, source_ref, usage).at(line));
        }
    }

    /// The licences the item cites: `Licence_number` with the amounts deducted from it,
    /// then every other attached document with a licence code, without amounts.
    fn write_offs(
        &self,
        node: usize,
        free_text: &[String],
        quantity: Option<&Quantity>,
        out: &mut Translation,
    ) -> Vec<AttachedDocument> {
        let tree = self.tree;
        let documents: Vec<(Option<String>, Option<String>)> = tree
            .children_named(node, "Attached_documents")
            .map(|doc| {
                let code = tree.value_at(doc, "Attached_document_code");
                (code, tree.value_at(doc, "Attached_document_reference"))
            })
            .collect();
        let mut found = Vec::new();
        if let Some(reference) = tree.value_at(node, "Licence_number") {
            let deducted = "Quantity_deducted_from_licence";
            let amount = tree.value_at(node, deducted);
            if amount.is_some() && quantity.is_none() {
                let message = "a quantity deducted needs the item's supplementary unit";
                out.error(tree.line_at(node, deducted), deducted, CODE, message);
            }
            let code = documents
                .iter()
                .find(|(_, cited)| cited.as_ref() == Some(&reference))
                .and_then(|(code, _)| code.clone());
            found.push(AttachedDocument {
                code,
                line_no: free_text.iter().find_map(|text| licence_line(text)),
                quantity_written_off: amount
                    .zip(quantity)
                    .map(|(amount, q)| interlock_pdk::quantity(&amount, &q.unit)),
                value_written_off: tree
                    .value_at(node, "Amount_deducted_from_licence")
                    .map(|amount| money(&amount, &self.settings.national_currency)),
                authorization_ref: reference,
            });
        }
        for (code, reference) in documents {
            let (Some(code), Some(reference)) = (code, reference) else {
                continue;
            };
            let cites_licence = self.settings.licence_codes.contains(&code);
            if cites_licence && !found.iter().any(|d| d.authorization_ref == reference) {
                found.push(AttachedDocument {
                    code: Some(code),
                    authorization_ref: reference,
                    line_no: None,
                    quantity_written_off: None,
                    value_written_off: None,
                });
            }
        }
        found
    }
}

/// The item's licence deduction as a usage record: the attached document that carries
/// amounts (only `Licence_number` does). Without a licence line it is kept on the
/// declaration as evidence but not counted, with a warning.
fn usage(record: &CustomsDeclaration, line: u64, out: &mut Translation) -> Option<LicenceUsage> {
    let deduction = record
        .attached_documents
        .iter()
        .find(|a| a.quantity_written_off.is_some() || a.value_written_off.is_some())?;
    let Some(line_no) = deduction.line_no else {
        let message = format!(
            "{} item {}: the deduction from licence {} names no licence line (`LICENCE LINE n`), so it is kept on the declaration but not counted as usage",
            record.declaration_ref, record.item_no, deduction.authorization_ref
        );
        out.warning(line, "Free_text_1", CODE, message);
        return None;
    };
    let quantity = deduction.quantity_written_off.as_ref();
    Some(LicenceUsage {
        declaration_part: Some(record.item_no.to_string()),
        quantity: quantity.map(|q| q.amount.clone()),
        unit: quantity.map(|q| q.unit.clone()),
        value: deduction.value_written_off.clone(),
        ..LicenceUsage::new(
            &deduction.authorization_ref,
            line_no,
            &record.declaration_ref,
            UsageType::Original,
            &record.date,
        )
    })
}

/// ASYCUDA writes a party as a code (`{prefix}_code`) and a multi-line name box
/// (`{prefix}_name`): name first, then address. Its role is set per item.
fn party(tree: &Tree, node: usize, path: &str, prefix: &str) -> Option<Party> {
    let node = tree.find(node, path)?;
    let text = tree.value_at(node, &format!("{prefix}_name"))?;
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut party = Party::new(PartyRole::Other, lines.next()?);
    let address: Vec<&str> = lines.collect();
    party.address = (!address.is_empty()).then(|| address.join(", "));
    if let Some(code) = tree.value_at(node, &format!("{prefix}_code")) {
        // The source does not say which scheme the code is in.
        party.country = eori_country(&code);
        party = party.identifier(code);
    }
    Some(party)
}

/// A UK-style EORI starts with the issuing country's code; that is the trader's country.
fn eori_country(identifier: &str) -> Option<String> {
    let (prefix, rest) = identifier.split_at_checked(2)?;
    let is_eori = !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_digit())
        && prefix.chars().all(|c| c.is_ascii_uppercase());
    is_eori.then(|| prefix.to_owned())
}

/// The first supplementary unit with both a code and a quantity.
fn supplementary_quantity(tree: &Tree, item: usize) -> Option<Quantity> {
    let tarification = tree.find(item, "Tarification")?;
    tree.children_named(tarification, "Supplementary_unit")
        .find_map(|unit| {
            let text = |name: &str| {
                tree.value_at(unit, &format!("Suppplementary_unit_{name}"))
                    .or_else(|| tree.value_at(unit, &format!("Supplementary_unit_{name}")))
            };
            Some(quantity(&text("quantity")?, &text("code")?))
        })
}

/// The SAD customs procedure code's first digit says what happens to the goods:
/// 1-2 export (permanent, temporary), 3 re-export, 4-7 import-side procedures, 8 transit.
/// Without a code, the declaration type decides.
fn procedure(
    cpc: Option<&str>,
    declaration_type: Option<&str>,
) -> Result<CustomsProcedure, String> {
    match cpc.and_then(|cpc| cpc.chars().next()) {
        Some('1' | '2') => return Ok(CustomsProcedure::Export),
        Some('3') => return Ok(CustomsProcedure::ReExport),
        Some('4'..='7') => return Ok(CustomsProcedure::Import),
        Some('8') => return Ok(CustomsProcedure::Transit),
        _ => {}
    }
    match declaration_type {
        Some("EX") => Ok(CustomsProcedure::Export),
        Some("IM") => Ok(CustomsProcedure::Import),
        Some("TR" | "TRA") => Ok(CustomsProcedure::Transit),
        Some(other) => Err(format!(
            "neither the procedure code {cpc:?} nor the declaration type '{other}' gives a procedure"
        )),
        None => Err(format!(
            "neither the procedure code {cpc:?} nor a declaration type gives a procedure"
        )),
    }
}

/// Whether the goods move for good, from the procedure code's requested procedure (its
/// first two digits; the last two are the previous procedure):
/// - permanent: `10` export, `40`-`49` release for free circulation / home use, `31`
///   re-export of goods that were not admitted temporarily;
/// - temporary: `21` outward processing, `22` and `23` temporary export (for return),
///   `51` inward processing, `53` temporary admission, `61` and `63` re-importation of
///   what left temporarily, `31` re-export after inward processing or temporary admission
///   (previous procedure `51` or `53`);
/// - other codes (warehousing, free zones, transit) say nothing about it.
fn movement(cpc: &str) -> Option<Movement> {
    let requested = cpc.get(0..2)?;
    let previous = cpc.get(2..4).unwrap_or_default();
    match requested {
        "10" | "40" | "41" | "42" | "43" | "44" | "45" | "46" | "48" | "49" => {
            Some(Movement::Permanent)
        }
        "21" | "22" | "23" | "51" | "53" | "61" | "63" => Some(Movement::Temporary),
        "31" if matches!(previous, "51" | "53") => Some(Movement::Temporary),
        "31" => Some(Movement::Permanent),
        _ => None,
    }
}

/// The text after `label` (any case) in a free text, up to the next `;`, trimmed of `:`.
fn labelled<'t>(text: &'t str, label: &str) -> Option<&'t str> {
    let start = text.to_ascii_uppercase().find(label)? + label.len();
    let rest = text.get(start..)?;
    let rest = rest.split(';').next().unwrap_or_default();
    let rest = rest.trim().trim_start_matches(':').trim();
    (!rest.is_empty()).then_some(rest)
}

/// `CONTROL ENTRY ML1.a.4` -> `ML1.a.4` (the first word after the label).
fn control_entry(text: &str) -> Option<String> {
    labelled(text, "CONTROL ENTRY")?
        .split_whitespace()
        .next()
        .map(|entry| entry.trim_end_matches([',', '.']).to_owned())
        .filter(|entry| !entry.is_empty())
}

/// `SERIAL NUMBERS A1, A2` -> `[A1, A2]`, as written.
fn serial_numbers(text: &str) -> Option<Vec<String>> {
    let list: Vec<String> = labelled(text, "SERIAL NUMBERS")?
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    (!list.is_empty()).then_some(list)
}

/// `LICENCE LINE 3` (any case, anywhere in the free text) -> 3.
fn licence_line(text: &str) -> Option<u32> {
    let upper = text.to_ascii_uppercase();
    let start = upper.find("LICENCE LINE")? + "LICENCE LINE".len();
    let digits: String = upper
        .get(start..)?
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().filter(|n| *n >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use interlock_pdk::testing::problems;

    fn translate_text(xml: &str) -> Translation {
        let settings = Settings {
            national_currency: "GBP".to_owned(),
            licence_codes: vec!["LIC".to_owned()],
        };
        translate(xml.as_bytes(), &settings)
    }

    fn declarations(out: &Translation) -> Vec<&CustomsDeclaration> {
        out.records
            .iter()
            .filter_map(|d| match &d.record {
                Body::CustomsDeclaration(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    fn wrap(declaration_body: &str) -> String {
        format!(
            "<ASYCUDA>\n<Identification><Office_segment><Customs_clearance_office_code>DVR01</Customs_clearance_office_code></Office_segment>\n\
             <Type><Type_of_declaration>EX</Type_of_declaration></Type>\n\
             <Registration><Serial_number>E</Serial_number><Number>7</Number><Date>2026-02-03</Date></Registration></Identification>\n\
             {declaration_body}\n</ASYCUDA>\n"
        )
    }

    const PISTOLS: &str = "<Item><Tarification><HScode><Commodity_code>93020000</Commodity_code></HScode></Tarification>\n\
         <Goods_description><Description_of_goods>Pistols</Description_of_goods></Goods_description></Item>";

    #[test]
    fn a_single_declaration_file_and_null_values_are_read() {
        let xml = wrap(
            "<Item><Tarification><HScode><Commodity_code>93020000</Commodity_code></HScode>\n\
             <Supplementary_unit><Suppplementary_unit_code><null/></Suppplementary_unit_code><Suppplementary_unit_quantity/></Supplementary_unit>\n\
             <Supplementary_unit><Supplementary_unit_code>NAR</Supplementary_unit_code><Supplementary_unit_quantity>4</Supplementary_unit_quantity></Supplementary_unit>\n\
             </Tarification><Goods_description><Description_of_goods><![CDATA[Pistols <9mm>]]></Description_of_goods></Goods_description>\n\
             <Licence_number><null/></Licence_number>\n\
             <Valuation_item><Item_Invoice><Amount_national_currency>100</Amount_national_currency><Currency_code><null/></Currency_code></Item_Invoice></Valuation_item></Item>",
        );
        let out = translate_text(&xml);
        assert_eq!(problems(&out), Vec::<String>::new());
        let items = declarations(&out);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].declaration_ref, "DVR01 2026 E 7");
        assert_eq!(out.records[0].line, Some(5));
        assert_eq!(items[0].description, "Pistols <9mm>");
        assert_eq!(
            items[0]
                .quantity
                .as_ref()
                .map(|q| (q.amount.as_str(), q.unit.as_str())),
            Some(("4", "NAR"))
        );
        assert_eq!(
            items[0]
                .value
                .as_ref()
                .map(|v| (v.amount.as_str(), v.currency.as_str())),
            Some(("100", "GBP"))
        );
        assert!(items[0].attached_documents.is_empty());
    }

    #[test]
    fn values_are_passed_on_as_written_for_the_host_to_check() {
        // The host refuses these, naming the record field on the item's line.
        let xml = wrap(
            "<Item><Tarification><HScode><Commodity_code>93X</Commodity_code></HScode>\n\
             <Supplementary_unit><Suppplementary_unit_code>NAR</Suppplementary_unit_code><Suppplementary_unit_quantity>many</Suppplementary_unit_quantity></Supplementary_unit></Tarification>\n\
             <Goods_description><Country_of_origin_code>Austria</Country_of_origin_code><Description_of_goods>Pistols</Description_of_goods></Goods_description>\n\
             <Valuation_item><Item_Invoice><Amount_foreign_currency>1,5</Amount_foreign_currency><Currency_code>euro</Currency_code></Item_Invoice></Valuation_item></Item>",
        )
        .replace("2026-02-03", "03/02/2026");
        let out = translate_text(&xml);
        assert_eq!(problems(&out), Vec::<String>::new());
        let item = declarations(&out)[0];
        assert_eq!(item.date, "03/02/2026");
        assert_eq!(item.hs_code.as_deref(), Some("93X"));
        assert_eq!(
            item.quantity.as_ref().map(|q| q.amount.as_str()),
            Some("many")
        );
        assert_eq!(item.country_of_origin.as_deref(), Some("Austria"));
        assert_eq!(
            item.value
                .as_ref()
                .map(|v| (v.amount.as_str(), v.currency.as_str())),
            Some(("1,5", "euro"))
        );
    }

    #[test]
    fn structural_problems_name_the_element_and_its_line_and_hold_the_declaration_back() {
        let xml = wrap(&format!(
            "<Property><Nbers><Total_number_of_items>3</Total_number_of_items></Nbers></Property>\n\
             {PISTOLS}\n\
             <Item><Tarification><Extended_customs_procedure>9000</Extended_customs_procedure></Tarification>\n\
             <Licence_number>GBSIEL/1</Licence_number>\n\
             <Quantity_deducted_from_licence>2</Quantity_deducted_from_licence></Item>"
        ))
        .replace("<Number>7</Number>", "<Number><null/></Number>")
        .replace("<Type_of_declaration>EX", "<Type_of_declaration>XX");
        let out = translate_text(&xml);
        assert!(out.records.is_empty(), "{:?}", out.records);
        assert_eq!(
            problems(&out),
            [
                "line 4: Identification/Registration/Number: required but empty",
                "line 1: Property/Nbers/Total_number_of_items: says 3 but the declaration has 2 items",
                "line 6: Tarification/Extended_customs_procedure: neither the procedure code None nor the declaration type 'XX' gives a procedure",
                "line 8: Tarification/Extended_customs_procedure: neither the procedure code Some(\"9000\") nor the declaration type 'XX' gives a procedure",
                "line 8: Goods_description/Description_of_goods: required but empty",
                "line 10: Quantity_deducted_from_licence: a quantity deducted needs the item's supplementary unit",
                "line 8: Tarification/HScode/Commodity_code: required but empty",
            ]
        );
    }

    #[test]
    fn truncated_and_malformed_files_are_refused_whole_not_panicked_on() {
        let fixture = include_bytes!("../fixtures/declarations-2026.xml");
        let cut = String::from_utf8_lossy(&fixture[..fixture.len() / 2]).into_owned();
        let out = translate_text(&cut);
        assert!(out.records.is_empty());
        let found = problems(&out);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("truncated file") || found[0].contains("malformed XML"),
            "{found:?}"
        );
        let found = problems(&translate_text("<ASYCUDA><Item></Itm></ASYCUDA>"));
        assert!(
            found[0].starts_with("file: line 1: malformed XML"),
            "{found:?}"
        );
        assert_eq!(
            problems(&translate_text("<Declarations/>")),
            ["file: Declarations: line 1: no <ASYCUDA> declaration element found"]
        );
        assert_eq!(
            problems(&translate_text(&"<a>".repeat(100))),
            ["file: a: line 1: elements nested deeper than 64 levels"]
        );
        let settings = Settings {
            national_currency: "GBP".to_owned(),
            licence_codes: Vec::new(),
        };
        assert_eq!(
            problems(&translate(b"<ASYCUDA>\n\xff</ASYCUDA>", &settings)),
            ["file: line 2: input is not valid UTF-8"]
        );
    }

    #[test]
    fn status_comes_from_the_process_fields_where_the_file_has_them() {
        let status = |xml: String| {
            declarations(&translate_text(&xml))
                .first()
                .map(|d| (d.status, d.exit_date.clone()))
        };
        assert_eq!(status(wrap(PISTOLS)), Some((None, None)));
        let assessed = wrap(PISTOLS).replace(
            "</Registration>",
            "</Registration><Assessment><Number>7</Number><Date>2026-02-03</Date></Assessment><receipt><Number/><Date/></receipt>",
        );
        assert_eq!(
            status(assessed.clone()),
            Some((Some(DeclarationStatus::Lodged), None))
        );
        let paid = assessed.replace(
            "<receipt><Number/><Date/>",
            "<receipt><Number>7</Number><Date>2026-02-04</Date>",
        );
        assert_eq!(
            status(paid.clone()),
            Some((Some(DeclarationStatus::Cleared), None))
        );
        let exited = paid.replace(
            "<ASYCUDA>",
            "<ASYCUDA><Export_release><Date_of_exit>2026-02-05</Date_of_exit></Export_release>",
        );
        assert_eq!(
            status(exited),
            Some((
                Some(DeclarationStatus::Exited),
                Some("2026-02-05".to_owned())
            ))
        );
    }

    #[test]
    fn movement_comes_from_the_requested_procedure() {
        for (cpc, expected) in [
            ("1000", Some(Movement::Permanent)),
            ("1040", Some(Movement::Permanent)),
            ("4000", Some(Movement::Permanent)),
            ("2300", Some(Movement::Temporary)),
            ("2100", Some(Movement::Temporary)),
            ("5300", Some(Movement::Temporary)),
            ("6123", Some(Movement::Temporary)),
            ("3153", Some(Movement::Temporary)),
            ("3171", Some(Movement::Permanent)),
            ("7100", None),
            ("8000", None),
            ("1", None),
        ] {
            assert_eq!(movement(cpc), expected, "{cpc}");
        }
    }

    #[test]
    fn licence_line_control_entry_and_serial_numbers_are_read_from_free_text() {
        let text = "LICENCE LINE 1; control entry: ML1.a.4; SERIAL NUMBERS HK-1, HK 2 ,";
        assert_eq!(licence_line(text), Some(1));
        assert_eq!(control_entry(text).as_deref(), Some("ML1.a.4"));
        assert_eq!(
            serial_numbers(text),
            Some(vec!["HK-1".to_owned(), "HK 2".to_owned()])
        );
        assert_eq!(control_entry("LICENCE LINE 1"), None);
        assert_eq!(control_entry("CONTROL ENTRY ;"), None);
        assert_eq!(serial_numbers("SERIAL NUMBERS"), None);
        assert_eq!(licence_line("see licence line 12 of GBSIEL/1"), Some(12));
        assert_eq!(licence_line("LICENCE LINE"), None);
        assert_eq!(licence_line("LICENCE LINE 0"), None);
    }
}
