//! Parser for customs declarations in ASYCUDA World's SAD XML export.
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
//!     Attached_documents/Attached_document_code, _name, _reference, _date
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
//! without amounts. Every attached document is also kept as evidence.
//!
//! Dates are taken in ISO `YYYY-MM-DD` form only: ASYCUDA's export format for dates depends
//! on the installation, and guessing between day-first and month-first would be worse
//! than refusing.
//!
//! A declaration with any problem is not emitted (all its items are held back); its
//! problems are. Field names follow interlock's model `CustomsDeclaration`.

use std::fmt;

use quick_xml::Reader;
use quick_xml::events::Event;

/// A problem in the input: 1-based line, element path, message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.field, self.message)
        }
    }
}

// Items are handed over one at a time, so boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    Declaration(ParsedDeclaration),
    Problem(Problem),
}

/// Model `CustomsProcedure`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomsProcedure {
    Export,
    Import,
    Transit,
    ReExport,
}

/// Model `DeclarationStatus` values the SAD's process fields give (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclarationStatus {
    Lodged,
    Cleared,
    Exited,
}

/// Model `Movement`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Movement {
    Permanent,
    Temporary,
}

/// Model `PartyRole` values a SAD can express.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartyRole {
    Exporter,
    Importer,
    Consignee,
    Declarant,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedParty {
    pub role: PartyRole,
    pub name: String,
    pub address: Option<String>,
    pub country: Option<String>,
    pub identifier: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedQuantity {
    pub amount: String,
    /// The supplementary unit code as customs wrote it (UN/ECE Rec 20 in the reporting
    /// State's configuration).
    pub unit: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedMoney {
    pub amount: String,
    pub currency: String,
}

/// Model `AttachedDocument`: a licence written off by the item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedAttachedDocument {
    pub code: Option<String>,
    pub authorization_ref: String,
    pub line_no: Option<u32>,
    pub quantity_written_off: Option<ParsedQuantity>,
    pub value_written_off: Option<ParsedMoney>,
}

/// One `Attached_documents` entry as written (invoices, licences, certificates).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SadDocument {
    pub code: Option<String>,
    pub name: Option<String>,
    pub reference: Option<String>,
    pub date: Option<String>,
}

/// One declaration item: model `CustomsDeclaration`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedDeclaration {
    /// Line of the `<Item>` start tag.
    pub line: u64,
    /// `declaration_ref/item_no`.
    pub source_ref: String,
    /// `office year serial number`, ASYCUDA's registration key.
    pub declaration_ref: String,
    pub item_no: u32,
    pub procedure: CustomsProcedure,
    pub customs_office: String,
    pub date: String,
    pub parties: Vec<ParsedParty>,
    pub country_of_dispatch: Option<String>,
    pub country_of_destination: Option<String>,
    pub country_of_origin: Option<String>,
    pub hs_code: String,
    pub description: String,
    pub quantity: Option<ParsedQuantity>,
    pub value: Option<ParsedMoney>,
    pub status: Option<DeclarationStatus>,
    pub exit_date: Option<String>,
    pub movement: Option<Movement>,
    /// Box 46, in the national currency.
    pub statistical_value: Option<ParsedMoney>,
    /// As declared in box 44 free text (`CONTROL ENTRY ML1.a`).
    pub control_entry: Option<String>,
    /// As declared in box 44 free text (`SERIAL NUMBERS a, b`).
    pub serial_numbers: Vec<String>,
    pub attached_documents: Vec<ParsedAttachedDocument>,
    pub supporting_documents: Vec<SadDocument>,
}

/// Parses a whole file at once.
#[cfg_attr(not(test), allow(dead_code))] // the plugin streams; tests parse whole inputs
pub fn parse_all(input: &[u8], national_currency: &str) -> Vec<Parsed> {
    let mut parser = Parser::new(national_currency);
    let mut out = parser.feed(input);
    out.extend(parser.finish());
    out
}

/// Buffers the input (XML is parsed whole) and parses it in [`Parser::finish`].
#[derive(Debug)]
pub struct Parser {
    input: Vec<u8>,
    national_currency: String,
    licence_document_codes: Vec<String>,
}

/// Deeper nesting than this is not a declaration; refusing it bounds memory and work.
const MAX_DEPTH: usize = 64;

impl Parser {
    /// `national_currency`: ISO 4217 code of the amounts ASYCUDA keeps in national currency.
    pub fn new(national_currency: &str) -> Parser {
        Parser {
            input: Vec::new(),
            national_currency: national_currency.to_owned(),
            licence_document_codes: vec!["LIC".to_owned()],
        }
    }

    /// Attached-document codes that cite a licence (national code list; default `LIC`).
    pub fn with_licence_document_codes(mut self, codes: &[&str]) -> Parser {
        self.licence_document_codes = codes.iter().map(|c| (*c).to_owned()).collect();
        self
    }

    /// Buffers a chunk. Returns nothing: XML is parsed in [`Parser::finish`].
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Parsed> {
        self.input.extend_from_slice(chunk);
        Vec::new()
    }

    pub fn finish(self) -> Vec<Parsed> {
        let mut out = Vec::new();
        let text = match std::str::from_utf8(&self.input) {
            Ok(text) => text,
            Err(error) => {
                let line = line_at(&self.input, error.valid_up_to());
                out.push(Parsed::Problem(problem(
                    line,
                    "",
                    "input is not valid UTF-8",
                )));
                return out;
            }
        };
        let tree = match Tree::parse(text) {
            Ok(tree) => tree,
            Err(p) => {
                out.push(Parsed::Problem(p));
                return out;
            }
        };
        let Some(root) = tree.root else {
            out.push(Parsed::Problem(problem(1, "", "no root element")));
            return out;
        };
        let declarations: Vec<usize> = if tree.name(root) == "ASYCUDA" {
            vec![root]
        } else {
            tree.children_named(root, "ASYCUDA").collect()
        };
        if declarations.is_empty() {
            out.push(Parsed::Problem(problem(
                tree.line(root),
                tree.name(root),
                "no <ASYCUDA> declaration element found",
            )));
        }
        for declaration in declarations {
            match self.declaration(&tree, declaration) {
                Ok(items) => out.extend(items.into_iter().map(Parsed::Declaration)),
                Err(problems) => out.extend(problems.into_iter().map(Parsed::Problem)),
            }
        }
        out
    }

    fn declaration(
        &self,
        tree: &Tree,
        node: usize,
    ) -> Result<Vec<ParsedDeclaration>, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut field = Field {
            tree,
            node,
            problems: &mut problems,
        };
        let office = field.required("Identification/Office_segment/Customs_clearance_office_code");
        let declaration_type = field.optional("Identification/Type/Type_of_declaration");
        let serial = field.optional("Identification/Registration/Serial_number");
        let number = field.required("Identification/Registration/Number");
        let date = field
            .date("Identification/Registration/Date", true)
            .unwrap_or_default();
        let dispatch = field.country("General_information/Country/Export/Export_country_code");
        let destination =
            field.country("General_information/Country/Destination/Destination_country_code");
        let declared_items = field.optional("Property/Nbers/Total_number_of_items");
        let exporter = field.party("Traders/Exporter", "Exporter_code", "Exporter_name");
        let consignee = field.party("Traders/Consignee", "Consignee_code", "Consignee_name");
        let declarant = field.party("Declarant", "Declarant_code", "Declarant_name");
        let exit_date = field.date("Export_release/Date_of_exit", false);
        let receipt_date = field
            .date("Identification/receipt/Date", false)
            .or_else(|| field.date("Identification/Receipt/Date", false));
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

        let year = date.get(0..4).unwrap_or_default();
        let declaration_ref = match &serial {
            Some(serial) => format!("{office} {year} {serial} {number}"),
            None => format!("{office} {year} {number}"),
        };
        let items: Vec<usize> = tree.children_named(node, "Item").collect();
        if items.is_empty() {
            problems.push(problem(tree.line(node), "Item", "declaration has no items"));
        }
        if let Some(declared) = &declared_items
            && declared.parse::<usize>().ok() != Some(items.len())
        {
            problems.push(problem(
                tree.line(node),
                "Property/Nbers/Total_number_of_items",
                &format!(
                    "says {declared} but the declaration has {} items",
                    items.len()
                ),
            ));
        }

        let mut parsed = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            let item_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let mut field = Field {
                tree,
                node: item,
                problems: &mut problems,
            };
            let cpc = field.optional("Tarification/Extended_customs_procedure");
            let procedure = match procedure(cpc.as_deref(), declaration_type.as_deref()) {
                Ok(procedure) => procedure,
                Err(message) => {
                    field.problems.push(problem(
                        tree.line(item),
                        "Tarification/Extended_customs_procedure",
                        &message,
                    ));
                    CustomsProcedure::Export
                }
            };
            let hs_code = field.required("Tarification/HScode/Commodity_code");
            if !hs_code.is_empty()
                && (hs_code.len() < 4 || !hs_code.chars().all(|c| c.is_ascii_digit()))
            {
                field.problems.push(problem(
                    field.line_of("Tarification/HScode/Commodity_code"),
                    "Tarification/HScode/Commodity_code",
                    &format!("'{hs_code}' is not a commodity code of 4 or more digits"),
                ));
            }
            let quantity = field.supplementary_quantity();
            let description = field
                .optional("Goods_description/Description_of_goods")
                .or_else(|| field.optional("Goods_description/Commercial_Description"));
            if description.is_none() {
                field.problems.push(problem(
                    tree.line(item),
                    "Goods_description/Description_of_goods",
                    "required but empty",
                ));
            }
            let origin = field.country("Goods_description/Country_of_origin_code");
            let value = field.invoice_value(&self.national_currency);
            let statistical_value =
                field
                    .decimal("Valuation_item/Statistical_value")
                    .map(|amount| ParsedMoney {
                        amount,
                        currency: self.national_currency.clone(),
                    });
            let free_text: Vec<String> = ["Free_text_1", "Free_text_2"]
                .into_iter()
                .filter_map(|path| field.optional(path))
                .collect();
            let control_entry = free_text.iter().find_map(|text| control_entry(text));
            let serial_numbers = free_text
                .iter()
                .find_map(|text| serial_numbers(text))
                .unwrap_or_default();
            let supporting: Vec<SadDocument> = tree
                .children_named(item, "Attached_documents")
                .map(|doc| SadDocument {
                    code: tree.value_at(doc, "Attached_document_code"),
                    name: tree.value_at(doc, "Attached_document_name"),
                    reference: tree.value_at(doc, "Attached_document_reference"),
                    date: tree.value_at(doc, "Attached_document_date"),
                })
                .collect();
            let attached = field.write_offs(
                &supporting,
                quantity.as_ref().map(|q| q.unit.as_str()),
                &self.national_currency,
                &self.licence_document_codes,
            );

            let role_of_consignee = if procedure == CustomsProcedure::Import {
                PartyRole::Importer
            } else {
                PartyRole::Consignee
            };
            let parties = [
                exporter.clone().map(|p| p.with_role(PartyRole::Exporter)),
                consignee.clone().map(|p| p.with_role(role_of_consignee)),
                declarant.clone().map(|p| p.with_role(PartyRole::Declarant)),
            ]
            .into_iter()
            .flatten()
            .collect();
            parsed.push(ParsedDeclaration {
                line: tree.line(item),
                source_ref: format!("{declaration_ref}/{item_no}"),
                declaration_ref: declaration_ref.clone(),
                item_no,
                procedure,
                customs_office: office.clone(),
                date: date.clone(),
                parties,
                country_of_dispatch: dispatch.clone(),
                country_of_destination: destination.clone(),
                country_of_origin: origin,
                hs_code,
                description: description.unwrap_or_default(),
                quantity,
                value,
                status,
                exit_date: exit_date.clone(),
                movement: cpc.as_deref().and_then(movement),
                statistical_value,
                control_entry,
                serial_numbers,
                attached_documents: attached,
                supporting_documents: supporting,
            });
        }
        if problems.is_empty() {
            Ok(parsed)
        } else {
            Err(problems)
        }
    }
}

/// The SAD customs procedure code's first digit says what happens to the goods:
/// 1-2 export (permanent, temporary), 3 re-export, 4-7 import-side procedures, 8 transit.
/// Without a code, the declaration type decides.
fn procedure(
    cpc: Option<&str>,
    declaration_type: Option<&str>,
) -> Result<CustomsProcedure, String> {
    if let Some(cpc) = cpc {
        match cpc.chars().next() {
            Some('1' | '2') => return Ok(CustomsProcedure::Export),
            Some('3') => return Ok(CustomsProcedure::ReExport),
            Some('4'..='7') => return Ok(CustomsProcedure::Import),
            Some('8') => return Ok(CustomsProcedure::Transit),
            _ => {}
        }
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

// ---------------------------------------------------------------------------------------
// Field access with problem collection
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct PartyText {
    name: String,
    address: Option<String>,
    identifier: Option<String>,
}

impl PartyText {
    fn with_role(self, role: PartyRole) -> ParsedParty {
        ParsedParty {
            role,
            country: self.identifier.as_deref().and_then(eori_country),
            name: self.name,
            address: self.address,
            identifier: self.identifier,
        }
    }
}

struct Field<'t, 'p> {
    tree: &'t Tree,
    node: usize,
    problems: &'p mut Vec<Problem>,
}

impl Field<'_, '_> {
    fn optional(&self, path: &str) -> Option<String> {
        self.tree.value_at(self.node, path)
    }

    fn line_of(&self, path: &str) -> u64 {
        self.tree
            .find(self.node, path)
            .map_or_else(|| self.tree.line(self.node), |n| self.tree.line(n))
    }

    fn required(&mut self, path: &str) -> String {
        self.optional(path).unwrap_or_else(|| {
            self.problems
                .push(problem(self.line_of(path), path, "required but empty"));
            String::new()
        })
    }

    fn country(&mut self, path: &str) -> Option<String> {
        let code = self.optional(path)?;
        if code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) {
            Some(code)
        } else {
            self.problems.push(problem(
                self.line_of(path),
                path,
                &format!("'{code}' is not an ISO 3166-1 alpha-2 code"),
            ));
            None
        }
    }

    fn date(&mut self, path: &str, required: bool) -> Option<String> {
        let Some(text) = self.optional(path) else {
            if required {
                self.problems
                    .push(problem(self.line_of(path), path, "required but empty"));
            }
            return None;
        };
        let iso = iso_date(&text);
        if iso.is_none() {
            self.problems.push(problem(
                self.line_of(path),
                path,
                &format!("'{text}' is not a date in YYYY-MM-DD form"),
            ));
        }
        iso
    }

    fn decimal(&mut self, path: &str) -> Option<String> {
        let text = self.optional(path)?;
        if is_decimal(&text) {
            Some(text)
        } else {
            self.problems.push(problem(
                self.line_of(path),
                path,
                &format!("'{text}' is not a number"),
            ));
            None
        }
    }

    /// ASYCUDA writes a party as a code and a multi-line name box: name first, then address.
    fn party(&mut self, path: &str, code: &str, name: &str) -> Option<PartyText> {
        let node = self.tree.find(self.node, path)?;
        let identifier = self.tree.value_at(node, code);
        let text = self.tree.value_at(node, name)?;
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let first = lines.next()?.to_owned();
        let rest: Vec<&str> = lines.collect();
        Some(PartyText {
            name: first,
            address: (!rest.is_empty()).then(|| rest.join(", ")),
            identifier,
        })
    }

    fn supplementary_quantity(&mut self) -> Option<ParsedQuantity> {
        let tarification = self.tree.find(self.node, "Tarification")?;
        let units: Vec<usize> = self
            .tree
            .children_named(tarification, "Supplementary_unit")
            .collect();
        for unit in units {
            let code = self
                .tree
                .value_at(unit, "Suppplementary_unit_code")
                .or_else(|| self.tree.value_at(unit, "Supplementary_unit_code"));
            let quantity_path = if self
                .tree
                .find(unit, "Suppplementary_unit_quantity")
                .is_some()
            {
                "Suppplementary_unit_quantity"
            } else {
                "Supplementary_unit_quantity"
            };
            let (Some(code), Some(text)) = (code, self.tree.value_at(unit, quantity_path)) else {
                continue;
            };
            if !is_decimal(&text) {
                let line = self
                    .tree
                    .find(unit, quantity_path)
                    .map_or(0, |n| self.tree.line(n));
                self.problems.push(problem(
                    line,
                    &format!("Tarification/Supplementary_unit/{quantity_path}"),
                    &format!("'{text}' is not a number"),
                ));
                return None;
            }
            return Some(ParsedQuantity {
                amount: text,
                unit: code,
            });
        }
        None
    }

    fn invoice_value(&mut self, national_currency: &str) -> Option<ParsedMoney> {
        let currency = self.optional("Valuation_item/Item_Invoice/Currency_code");
        let foreign = self.decimal("Valuation_item/Item_Invoice/Amount_foreign_currency");
        let national = self.decimal("Valuation_item/Item_Invoice/Amount_national_currency");
        match (currency, foreign, national) {
            (Some(currency), Some(amount), _) if is_currency(&currency) => {
                Some(ParsedMoney { amount, currency })
            }
            (Some(currency), Some(_), _) => {
                self.problems.push(problem(
                    self.line_of("Valuation_item/Item_Invoice/Currency_code"),
                    "Valuation_item/Item_Invoice/Currency_code",
                    &format!("'{currency}' is not an ISO 4217 code"),
                ));
                None
            }
            (_, _, Some(amount)) => Some(ParsedMoney {
                amount,
                currency: national_currency.to_owned(),
            }),
            _ => None,
        }
    }

    fn write_offs(
        &mut self,
        documents: &[SadDocument],
        unit: Option<&str>,
        national_currency: &str,
        licence_codes: &[String],
    ) -> Vec<ParsedAttachedDocument> {
        let mut out = Vec::new();
        let licence = self.optional("Licence_number");
        let line_no = ["Free_text_1", "Free_text_2"]
            .into_iter()
            .find_map(|path| self.optional(path).and_then(|text| licence_line(&text)));
        if let Some(reference) = &licence {
            let quantity = self.decimal("Quantity_deducted_from_licence");
            if quantity.is_some() && unit.is_none() {
                self.problems.push(problem(
                    self.line_of("Quantity_deducted_from_licence"),
                    "Quantity_deducted_from_licence",
                    "a quantity deducted needs the item's supplementary unit",
                ));
            }
            let amount = self.decimal("Amount_deducted_from_licence");
            out.push(ParsedAttachedDocument {
                code: documents
                    .iter()
                    .find(|d| d.reference.as_deref() == Some(reference.as_str()))
                    .and_then(|d| d.code.clone()),
                authorization_ref: reference.clone(),
                line_no,
                quantity_written_off: quantity.zip(unit).map(|(amount, unit)| ParsedQuantity {
                    amount,
                    unit: unit.to_owned(),
                }),
                value_written_off: amount.map(|amount| ParsedMoney {
                    amount,
                    currency: national_currency.to_owned(),
                }),
            });
        }
        for document in documents {
            let (Some(code), Some(reference)) = (&document.code, &document.reference) else {
                continue;
            };
            let cites_licence = licence_codes.iter().any(|c| c == code);
            let already = out.iter().any(|d| &d.authorization_ref == reference);
            if cites_licence && !already {
                out.push(ParsedAttachedDocument {
                    code: Some(code.clone()),
                    authorization_ref: reference.clone(),
                    line_no: None,
                    quantity_written_off: None,
                    value_written_off: None,
                });
            }
        }
        out
    }
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

// ---------------------------------------------------------------------------------------
// A small element tree (an arena: no recursion when building, querying or dropping)
// ---------------------------------------------------------------------------------------

#[derive(Debug)]
struct Node {
    name: String,
    line: u64,
    text: String,
    /// ASYCUDA's `<null/>` child: the value is absent.
    is_null: bool,
    children: Vec<usize>,
}

#[derive(Debug, Default)]
struct Tree {
    nodes: Vec<Node>,
    root: Option<usize>,
}

impl Tree {
    fn parse(text: &str) -> Result<Tree, Problem> {
        let newlines: Vec<usize> = text
            .bytes()
            .enumerate()
            .filter_map(|(i, b)| (b == b'\n').then_some(i))
            .collect();
        let line_of = |offset: u64| -> u64 {
            let offset = usize::try_from(offset).unwrap_or(usize::MAX);
            newlines.partition_point(|n| *n < offset) as u64 + 1
        };
        let mut reader = Reader::from_str(text);
        let mut tree = Tree::default();
        let mut stack: Vec<usize> = Vec::new();
        loop {
            let position = reader.buffer_position();
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(error) => {
                    return Err(problem(
                        line_of(reader.error_position()),
                        "",
                        &format!("malformed XML: {error}"),
                    ));
                }
            };
            let is_start = matches!(event, Event::Start(_));
            match event {
                Event::Start(start) | Event::Empty(start)
                    if start.local_name().as_ref() == "null" =>
                {
                    if let Some(parent) = stack.last().and_then(|p| tree.nodes.get_mut(*p)) {
                        parent.is_null = true;
                    }
                    if is_start {
                        // A non-empty <null>...</null>: keep the stack balanced.
                        let index = tree.add(&stack, "null", line_of(position))?;
                        stack.push(index);
                    }
                }
                Event::Start(start) => {
                    let name = start.local_name().as_ref().to_owned();
                    let index = tree.add(&stack, &name, line_of(position))?;
                    stack.push(index);
                    if stack.len() > MAX_DEPTH {
                        return Err(problem(
                            line_of(position),
                            &name,
                            &format!("elements nested deeper than {MAX_DEPTH} levels"),
                        ));
                    }
                }
                Event::Empty(start) => {
                    let name = start.local_name().as_ref().to_owned();
                    tree.add(&stack, &name, line_of(position))?;
                }
                Event::End(_) => {
                    stack.pop();
                }
                Event::Text(text) => tree.append(&stack, &text.xml10_content()),
                Event::CData(data) => tree.append(&stack, &data.xml10_content()),
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => match reference.as_ref() {
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "amp" => Some('&'),
                            "apos" => Some('\''),
                            "quot" => Some('"'),
                            _ => None,
                        },
                        Err(_) => None,
                    };
                    match resolved {
                        Some(c) => tree.append(&stack, c.encode_utf8(&mut [0; 4])),
                        None => {
                            return Err(problem(
                                line_of(position),
                                "",
                                &format!("unknown entity '&{};'", reference.as_ref()),
                            ));
                        }
                    }
                }
                Event::Eof => break,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
        if let Some(open) = stack.last() {
            return Err(problem(
                tree.line(*open),
                tree.name(*open),
                "element not closed: truncated file",
            ));
        }
        Ok(tree)
    }

    fn add(&mut self, stack: &[usize], name: &str, line: u64) -> Result<usize, Problem> {
        let index = self.nodes.len();
        self.nodes.push(Node {
            name: name.to_owned(),
            line,
            text: String::new(),
            is_null: false,
            children: Vec::new(),
        });
        match stack.last().and_then(|p| self.nodes.get_mut(*p)) {
            Some(parent) => parent.children.push(index),
            None if self.root.is_none() => self.root = Some(index),
            None => return Err(problem(line, name, "a second root element")),
        }
        Ok(index)
    }

    fn append(&mut self, stack: &[usize], text: &str) {
        if let Some(node) = stack.last().and_then(|p| self.nodes.get_mut(*p)) {
            node.text.push_str(text);
        }
    }

    fn name(&self, node: usize) -> &str {
        self.nodes.get(node).map_or("", |n| n.name.as_str())
    }

    fn line(&self, node: usize) -> u64 {
        self.nodes.get(node).map_or(0, |n| n.line)
    }

    fn children_named<'a>(
        &'a self,
        node: usize,
        name: &'a str,
    ) -> impl Iterator<Item = usize> + 'a {
        self.nodes
            .get(node)
            .map(|n| n.children.as_slice())
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(move |c| self.name(*c) == name)
    }

    /// The first element along a `/`-separated path of child names.
    fn find(&self, node: usize, path: &str) -> Option<usize> {
        path.split('/')
            .try_fold(node, |at, name| self.children_named(at, name).next())
    }

    /// Trimmed text at a path; `None` when missing, empty or `<null/>`.
    fn value_at(&self, node: usize, path: &str) -> Option<String> {
        let found = self.nodes.get(self.find(node, path)?)?;
        let text = found.text.trim();
        (!found.is_null && !text.is_empty()).then(|| text.to_owned())
    }
}

// ---------------------------------------------------------------------------------------
// Value helpers
// ---------------------------------------------------------------------------------------

fn problem(line: u64, field: &str, message: &str) -> Problem {
    Problem {
        line,
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

fn line_at(bytes: &[u8], offset: usize) -> u64 {
    bytes
        .get(..offset)
        .unwrap_or(bytes)
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
        + 1
}

/// A UK-style EORI starts with the issuing country's code; that is the trader's country.
fn eori_country(identifier: &str) -> Option<String> {
    let (prefix, rest) = identifier.split_at_checked(2)?;
    let is_eori = !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_digit())
        && prefix.chars().all(|c| c.is_ascii_uppercase());
    is_eori.then(|| prefix.to_owned())
}

fn is_currency(text: &str) -> bool {
    text.len() == 3 && text.chars().all(|c| c.is_ascii_uppercase())
}

fn is_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

/// Checks a `YYYY-MM-DD` date against the calendar.
fn iso_date(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let year: u32 = text.get(0..4)?.parse().ok()?;
    let month: u32 = text.get(5..7)?.parse().ok()?;
    let day: u32 = text.get(8..10)?.parse().ok()?;
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (year >= 1900 && (1..=days_in_month).contains(&day)).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture() -> Vec<u8> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/declarations-2026.xml");
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn declarations(parsed: &[Parsed]) -> Vec<&ParsedDeclaration> {
        parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Declaration(d) => Some(d),
                _ => None,
            })
            .collect()
    }

    fn problems(parsed: &[Parsed]) -> Vec<String> {
        parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Problem(p) => Some(p.to_string()),
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

    #[test]
    fn the_fixture_parses_into_the_scenario_declarations() {
        let parsed = parse_all(&fixture(), "GBP");
        assert_eq!(problems(&parsed), Vec::<String>::new());
        let items = declarations(&parsed);
        assert_eq!(items.len(), 14);
        let refs: std::collections::BTreeSet<&str> =
            items.iter().map(|d| d.declaration_ref.as_str()).collect();
        assert_eq!(refs.len(), 9);

        let rifles = items[0];
        assert_eq!(rifles.source_ref, "FXT01 2026 E 1021/1");
        assert_eq!(rifles.procedure, CustomsProcedure::Export);
        assert_eq!(rifles.date, "2026-07-14");
        assert_eq!(rifles.hs_code, "93019000");
        assert_eq!(
            rifles.description,
            "Assault rifles Heckler & Koch G36, 5.56x45mm"
        );
        assert_eq!(rifles.country_of_destination.as_deref(), Some("NO"));
        assert_eq!(rifles.country_of_origin.as_deref(), Some("DE"));
        assert_eq!(
            rifles.quantity,
            Some(ParsedQuantity {
                amount: "60".into(),
                unit: "NAR".into()
            })
        );
        assert_eq!(rifles.parties.len(), 3);
        assert_eq!(rifles.parties[1].name, "Forsvarsmateriell");
        assert_eq!(
            rifles.parties[1].address.as_deref(),
            Some("Postboks 10, 2027 Kjeller")
        );
        assert_eq!(
            rifles.attached_documents,
            [ParsedAttachedDocument {
                code: Some("LIC".into()),
                authorization_ref: "GBSIEL/2026/0000101/P".into(),
                line_no: Some(1),
                quantity_written_off: Some(ParsedQuantity {
                    amount: "60".into(),
                    unit: "NAR".into()
                }),
                value_written_off: Some(ParsedMoney {
                    amount: "81000.00".into(),
                    currency: "GBP".into()
                }),
            }]
        );
        assert_eq!(rifles.supporting_documents.len(), 2);

        let unlicensed = items
            .iter()
            .find(|d| d.declaration_ref == "DVR01 2026 E 1266");
        assert_eq!(unlicensed.map(|d| d.attached_documents.len()), Some(0));
        assert_eq!(
            unlicensed.map(|d| d.country_of_destination.as_deref()),
            Some(Some("AE"))
        );

        let import = items
            .iter()
            .find(|d| d.procedure == CustomsProcedure::Import);
        let import = import.map(|d| (d.value.clone(), d.parties[1].role));
        assert_eq!(
            import,
            Some((
                Some(ParsedMoney {
                    amount: "16500.00".into(),
                    currency: "EUR".into()
                }),
                PartyRole::Importer
            ))
        );
    }

    #[test]
    fn seven_byte_chunks_give_the_same_result_as_one_chunk() {
        let bytes = fixture();
        let whole = parse_all(&bytes, "GBP");
        let mut parser = Parser::new("GBP");
        let mut chunked = Vec::new();
        for chunk in bytes.chunks(7) {
            chunked.extend(parser.feed(chunk));
        }
        chunked.extend(parser.finish());
        assert_eq!(whole, chunked);
    }

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
        let parsed = parse_all(xml.as_bytes(), "GBP");
        assert_eq!(problems(&parsed), Vec::<String>::new());
        let items = declarations(&parsed);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].declaration_ref, "DVR01 2026 E 7");
        assert_eq!(items[0].line, 5);
        assert_eq!(items[0].description, "Pistols <9mm>");
        assert_eq!(
            items[0].quantity.as_ref().map(|q| q.amount.as_str()),
            Some("4")
        );
        assert_eq!(
            items[0].value,
            Some(ParsedMoney {
                amount: "100".into(),
                currency: "GBP".into()
            })
        );
        assert!(items[0].attached_documents.is_empty());
    }

    #[test]
    fn bad_values_give_precise_problems_and_hold_the_declaration_back() {
        let xml = wrap(
            "<Item><Tarification><HScode><Commodity_code>93X</Commodity_code></HScode>\n\
             <Supplementary_unit><Suppplementary_unit_code>NAR</Suppplementary_unit_code><Suppplementary_unit_quantity>many</Suppplementary_unit_quantity></Supplementary_unit></Tarification>\n\
             <Goods_description><Country_of_origin_code>Austria</Country_of_origin_code><Description_of_goods>Pistols</Description_of_goods></Goods_description></Item>",
        )
        .replace("2026-02-03", "03/02/2026");
        let parsed = parse_all(xml.as_bytes(), "GBP");
        assert!(declarations(&parsed).is_empty());
        assert_eq!(
            problems(&parsed),
            [
                "line 4: Identification/Registration/Date: '03/02/2026' is not a date in YYYY-MM-DD form",
                "line 5: Tarification/HScode/Commodity_code: '93X' is not a commodity code of 4 or more digits",
                "line 6: Tarification/Supplementary_unit/Suppplementary_unit_quantity: 'many' is not a number",
                "line 7: Goods_description/Country_of_origin_code: 'Austria' is not an ISO 3166-1 alpha-2 code",
            ]
        );
    }

    #[test]
    fn truncated_and_malformed_files_are_reported_not_panicked_on() {
        let bytes = fixture();
        let cut = bytes.get(..bytes.len() / 2).unwrap_or_default();
        let parsed = parse_all(cut, "GBP");
        assert!(declarations(&parsed).is_empty());
        let found = problems(&parsed);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("truncated file") || found[0].contains("malformed XML"),
            "{found:?}"
        );

        let parsed = parse_all(b"<ASYCUDA><Item></Itm></ASYCUDA>", "GBP");
        assert!(
            problems(&parsed)[0].starts_with("line 1: malformed XML"),
            "{:?}",
            problems(&parsed)
        );

        let parsed = parse_all(b"<Declarations/>", "GBP");
        assert_eq!(
            problems(&parsed),
            ["line 1: Declarations: no <ASYCUDA> declaration element found"]
        );

        let deep = "<a>".repeat(100);
        let parsed = parse_all(deep.as_bytes(), "GBP");
        assert_eq!(
            problems(&parsed),
            ["line 1: a: elements nested deeper than 64 levels"]
        );

        let parsed = parse_all(b"<ASYCUDA>\xff</ASYCUDA>", "GBP");
        assert_eq!(problems(&parsed), ["line 1: input is not valid UTF-8"]);
    }

    #[test]
    fn status_comes_from_the_process_fields_where_the_file_has_them() {
        let item = "<Item><Tarification><HScode><Commodity_code>93020000</Commodity_code></HScode></Tarification>\n\
             <Goods_description><Description_of_goods>Pistols</Description_of_goods></Goods_description></Item>";
        let status = |xml: String| {
            declarations(&parse_all(xml.as_bytes(), "GBP"))
                .first()
                .map(|d| (d.status, d.exit_date.clone()))
        };
        assert_eq!(status(wrap(item)), Some((None, None)));
        let assessed = wrap(item).replace(
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
    fn control_entry_and_serial_numbers_are_read_from_free_text() {
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
    }

    #[test]
    fn the_licence_line_is_read_from_free_text() {
        assert_eq!(licence_line("LICENCE LINE 2"), Some(2));
        assert_eq!(licence_line("see licence line 12 of GBSIEL/1"), Some(12));
        assert_eq!(licence_line("LICENCE LINE"), None);
        assert_eq!(licence_line("LICENCE LINE 0"), None);
    }
}
