//! CHIEF `usageData` messages: the licence write-offs customs report back to the licensing
//! authority (backslash-delimited records: fileHeader, licenceUsage, line, usage, end,
//! fileTrailer). Parsing lives in `parse.rs` (which documents the format and the field
//! meanings, from lite-hmrc's `chieftypes.py`); this file maps it to interlock records:
//!
//! - one `licence_usage` record per `usage` record (all five usage types, message-only
//!   included: it carries the customs message);
//! - one `customs_licence_status` record per `licenceUsage` transaction.
//!
//! usageData carries no goods, office, destination or direction: the customs declarations
//! themselves come from the declaration system (the SAD plugin), and whether a licence is
//! for export or import is the licence's. What is written off per licence line is computed
//! from the usage records by `interlock_core::usage` (adjusted replaces, contra zeroes,
//! message-only writes off nothing); amounts are kept as customs wrote them, never negated.
//!
//! # `licence_usage` ← `usage`
//!
//! | model field | source |
//! |---|---|
//! | `authorization_ref` | `licenceUsage.licenceRef` |
//! | `line_no` | `line.lineNum` of the enclosing line |
//! | `declaration_ref` | `usage.declarationUcr` (the entry reference) |
//! | `declaration_part` | `usage.declarationPartNum` |
//! | `usage_type` | `usage.usageType`: `O` original, `L` late_original, `A` adjusted, `C` contra, `M` message_only |
//! | `date` | `usage.controlDate` (date into control) |
//! | `quantity` | `usage.quantityUsed`, as written (zero included) |
//! | `unit` | none: CHIEF quantities are in the licence line's unit |
//! | `value` | `usage.valueUsed` + `usage.currency`, where a currency is given (a non-zero value without one is an error) |
//! | `customs_message_code`, `customs_message_text` | `usage.customsMic`, `usage.customsMessage` |
//! | `sequence` | `fileHeader.runNum` × 10⁹ + the record's line number in the file (see below) |
//! | `source_ref` | `transactionRef/lineNum/n`, n = the usage's position (from 1) among that line's usage records |
//!
//! Not mapped (no model field): `traderId`, `claimRef`, `originCountry`, `consigneeName`,
//! `declarationMrn`, `departureIcs`.
//!
//! **`source_ref`.** CHIEF's transaction reference identifies the transaction uniquely
//! (`LU<run>/<sequence>`), and customs accept or reject usage per transaction (usageReply).
//! Inside a transaction a usage record is fixed by its licence line and its place among
//! that line's usage records. So the key stays the same when customs resend the file, and
//! also when a transaction is resent in another file where other transactions are missing
//! or in another order (the record number in the file would change then). Keys built from
//! the declaration are not unique: one file may hold identical usage records (lite-hmrc's
//! own sample has eight). A transaction reference seen twice in one file is an error.
//!
//! **`sequence`** orders usage records for the same key: later wins. Within a file it is the
//! record's position (its line, which is its record number in a well-formed file); the
//! header's run number in front makes a later run win over an earlier one (run numbers grow
//! within a stream; a reset of the run numbers would break that order).
//!
//! # `customs_licence_status` ← `licenceUsage`
//!
//! | model field | source |
//! |---|---|
//! | `authorization_ref` | `licenceUsage.licenceRef` |
//! | `as_of` | the date of `fileHeader.creationDateTime` |
//! | `status` | `licenceUsage.licenceStatus`: `O` open, `C` cancelled, `E` exhausted, `S` surrendered, `D` expired |
//! | `lines[].line_no` | `line.lineNum` |
//! | `lines[].quantity_used` | `line.quantityUsed` (CHIEF's running total), as written; no unit (the line's) |
//! | `lines[].value_used` | `line.valueUsed` + `line.currency`, where a currency is given (a non-zero value without one is a warning and is left out) |
//! | `transaction_ref` | `licenceUsage.transactionRef` |
//! | `source_ref` | `transactionRef` |
//!
//! `completionDate` has no model field.

mod parse;

use std::collections::HashSet;
use std::str::FromStr;

use interlock_pdk::prelude::*;
use rust_decimal::Decimal;

const AGENCY: &str = "customs";
const CODE: &str = "chief-usage-data";
/// Room for the records of one run in `sequence`: `run × RUN_SPAN + line`.
const RUN_SPAN: u64 = 1_000_000_000;

#[derive(Default)]
pub struct ChiefUsage {
    parser: Option<parse::Parser>,
    /// The file header, once read: its date and run number go into every record.
    header: Option<parse::FileHeader>,
    /// Transaction references seen in this file.
    transactions: HashSet<String>,
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
        let parsed = self
            .parser
            .get_or_insert_with(parse::Parser::new)
            .feed(chunk);
        Ok(self.translate(parsed))
    }

    fn finish(&mut self) -> Result<Translation> {
        // Not `Parser::default()`: `new` starts the line and record counts at 1.
        let parser = match self.parser.take() {
            Some(parser) => parser,
            None => parse::Parser::new(),
        };
        Ok(self.translate(parser.finish()))
    }
}

impl ChiefUsage {
    fn translate(&mut self, items: Vec<parse::Parsed>) -> Translation {
        let mut out = Translation::default();
        for item in items {
            match item {
                parse::Parsed::Header(header) => self.header = Some(header),
                parse::Parsed::LicenceUsage(usage) => self.licence_usage(&usage, &mut out),
                parse::Parsed::Problem(problem) => {
                    out.error(problem.line, &problem.field, CODE, problem.message);
                }
            }
        }
        out
    }

    fn licence_usage(&mut self, usage: &parse::ParsedLicenceUsage, out: &mut Translation) {
        // A malformed header is already an error of the file; nothing to date the records by.
        let Some(header) = &self.header else {
            return;
        };
        if !self.transactions.insert(usage.transaction_ref.clone()) {
            out.error(
                usage.line,
                "transactionRef",
                CODE,
                format!(
                    "transaction {} appears twice in the file (it must identify the transaction uniquely)",
                    usage.transaction_ref
                ),
            );
            return;
        }
        for line in &usage.lines {
            for (index, record) in line.usages.iter().enumerate() {
                let source_ref =
                    format!("{}/{}/{}", usage.transaction_ref, line.line_no, index + 1);
                let written_off = LicenceUsage {
                    declaration_part: record.declaration_part_num.clone(),
                    quantity: record.quantity_used.clone(),
                    unit: None,
                    value: money_of(record.value_used.as_deref(), record.currency.as_deref()),
                    customs_message_code: record.customs_mic.clone(),
                    customs_message_text: record.customs_message.clone(),
                    sequence: header
                        .run_number
                        .checked_mul(RUN_SPAN)
                        .and_then(|run| run.checked_add(record.line)),
                    ..LicenceUsage::new(
                        &usage.authorization_ref,
                        line.line_no,
                        &record.declaration_urc,
                        usage_type(record.usage_type),
                        &record.control_date,
                    )
                };
                out.push(Draft::licence_usage(AGENCY, source_ref, written_off).at(record.line));
            }
        }

        let mut status = CustomsLicenceStatus {
            transaction_ref: Some(usage.transaction_ref.clone()),
            ..CustomsLicenceStatus::new(
                &usage.authorization_ref,
                header.created.get(..10).unwrap_or_default(),
                licence_state(usage.licence_status),
            )
        };
        for line in &usage.lines {
            let value_used = money_of(line.value_used.as_deref(), line.currency.as_deref());
            if value_used.is_none()
                && let Some(value) = line.value_used.as_deref().filter(|v| !is_zero(v))
            {
                out.warning(
                    line.line,
                    "valueUsed",
                    CODE,
                    format!(
                        "licence {} line {}: value used {value} has no currency, so it is left out of the running totals",
                        usage.authorization_ref, line.line_no
                    ),
                );
            }
            status.lines.push(ReportedLineTotal {
                quantity_used: line.quantity_used.clone(),
                value_used,
                ..ReportedLineTotal::new(line.line_no)
            });
        }
        out.push(
            Draft::customs_licence_status(AGENCY, usage.transaction_ref.clone(), status)
                .at(usage.line),
        );
    }
}

/// A value with its currency; a value without one is only meaningful when it is zero.
fn money_of(amount: Option<&str>, currency: Option<&str>) -> Option<Money> {
    match (amount, currency) {
        (Some(amount), Some(currency)) => Some(money(amount, currency)),
        _ => None,
    }
}

fn is_zero(amount: &str) -> bool {
    Decimal::from_str(amount).is_ok_and(|d| d.is_zero())
}

fn usage_type(code: parse::UsageType) -> UsageType {
    match code {
        parse::UsageType::Original => UsageType::Original,
        parse::UsageType::LateOriginal => UsageType::LateOriginal,
        parse::UsageType::Adjusted => UsageType::Adjusted,
        parse::UsageType::Contra => UsageType::Contra,
        parse::UsageType::MessageOnly => UsageType::MessageOnly,
    }
}

fn licence_state(status: parse::LicenceStatus) -> CustomsLicenceState {
    match status {
        parse::LicenceStatus::Open => CustomsLicenceState::Open,
        parse::LicenceStatus::Cancelled => CustomsLicenceState::Cancelled,
        parse::LicenceStatus::Exhausted => CustomsLicenceState::Exhausted,
        parse::LicenceStatus::Surrendered => CustomsLicenceState::Surrendered,
        parse::LicenceStatus::Expired => CustomsLicenceState::Expired,
    }
}

export_plugin!(ChiefUsage);

#[cfg(test)]
mod plugin_tests;
