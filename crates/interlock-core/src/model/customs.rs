//! Customs declarations at item level: what actually crossed the border.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::party::Party;
use super::{Money, Quantity};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomsProcedure {
    Export,
    Import,
    Transit,
    ReExport,
}

/// Where a declaration stands in customs' own process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclarationStatus {
    /// Lodged with customs, not yet released.
    Lodged,
    /// Released to the procedure (for imports: the goods entered).
    Cleared,
    /// The goods left the customs territory (exports: exit confirmed).
    Exited,
    /// Withdrawn or invalidated: nothing moved under it.
    Invalidated,
}

/// Whether the goods move for good or come back (ATT reports count only permanent moves).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    Permanent,
    /// Temporary export or admission (exhibition, repair, demonstration), to return.
    Temporary,
}

/// Who put the control entry on the declaration line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassificationBasis {
    /// As the declarant declared it.
    Declared,
    /// As a customs officer assessed it (overrides the declared one).
    Assessed,
}

/// One item of a customs declaration: what actually crossed the border.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomsDeclaration {
    /// MRN, URC or the national declaration number.
    pub declaration_ref: String,
    /// The item (line) number on the declaration, from 1.
    pub item_no: u32,
    /// Export, import, transit or re-export.
    pub procedure: CustomsProcedure,
    /// Absent when the source does not say (CHIEF usage data carries no office).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customs_office: Option<String>,
    /// The declaration's acceptance date.
    pub date: Date,
    /// Where the declaration stands in customs' process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeclarationStatus>,
    /// The day the goods left (exports), where customs confirmed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_date: Option<Date>,
    /// Permanent or temporary; ATT reports count permanent moves only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub movement: Option<Movement>,
    /// Exporter, importer, declarant, consignee, ...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    /// ISO 3166-1 alpha-2; an import needs it or the country of origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_dispatch: Option<String>,
    /// ISO 3166-1 alpha-2; required for exports, re-exports and transit that cite no licence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_destination: Option<String>,
    /// ISO 3166-1 alpha-2, where the goods were made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_origin: Option<String>,
    /// HS 2022 code: a 4-digit heading or 6-digit subheading (national extensions allowed
    /// after the first six digits). Absent when the source does not say (CHIEF usage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hs_code: Option<String>,
    /// National control list entry of the goods, declared or assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_entry: Option<String>,
    /// Whether the control entry is as declared or as assessed by an officer; needs `control_entry`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_entry_basis: Option<ClassificationBasis>,
    /// The goods in words, as declared.
    pub description: String,
    /// The quantity declared (supplementary units where the tariff asks for them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    /// The invoice value, in the invoice currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Money>,
    /// The statistical value in the State's national currency (SAD box 46).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistical_value: Option<Money>,
    /// Serial numbers of the items, where declared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serial_numbers: Vec<String>,
    /// Licences and other documents the item cites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attached_documents: Vec<AttachedDocument>,
}

/// A licence cited by a declaration item (ASYCUDA "attached documents"), with what the
/// declaration writes off against it where the customs system records that on the item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachedDocument {
    /// Document type code as the customs system has it (e.g. `X002`, `LIC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The licence reference as cited.
    pub authorization_ref: String,
    /// The licence line cited, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_no: Option<u32>,
    /// The quantity the item deducts from the licence line, as the declaration states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_written_off: Option<Quantity>,
    /// The value the item deducts from the licence line, as the declaration states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_written_off: Option<Money>,
}
