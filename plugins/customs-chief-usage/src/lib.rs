//! CHIEF `usageData` messages: the licence write-offs customs report back to the licensing
//! authority (backslash-delimited records: fileHeader, licenceUsage, line, usage, end,
//! fileTrailer), field names and meanings as in DES236 (icms-hmrc's `usage_data/types.py`,
//! lite-hmrc's `chieftypes.py`). The framing (record numbers, `end` and `fileTrailer`
//! counts, the header) is `interlock_pdk::chief`'s; this file reads the fields and maps
//! them to interlock records, passing on as written the values the host checks (dates,
//! decimals, currencies, duplicate lines). A transaction with any error is not emitted
//! (customs accept or reject usage per transaction):
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
//!
//! Field meanings: `line.quantityUsed`/`valueUsed` are the *current totals* used ("if
//! controlled by quantity/value, else zero or null"); a `usage` record's quantity and value
//! are those of one declaration (the corrected attribution for `A`, zero for `C`), in the
//! licence line's unit. usageData carries no HS code, goods description, customs office,
//! country of destination or quantity unit, and no direction (that is the licence's).

use std::collections::HashSet;
use std::str::FromStr;

use interlock_pdk::chief::{ChiefReader, FileHeader, MessageSpec, Record, RecordSpec, Transaction};
use interlock_pdk::prelude::*;
use rust_decimal::Decimal;

const AGENCY: &str = "customs";
/// Room for the records of one run in `sequence`: `run × RUN_SPAN + line`.
const RUN_SPAN: u64 = 1_000_000_000;

const USAGE_DATA: MessageSpec = MessageSpec {
    message_type: "usageData",
    code: "chief-usage-data",
    transaction: RecordSpec::transaction(
        "licenceUsage",
        &[
            "transactionRef",
            "action",
            "licenceRef",
            "licenceStatus",
            "completionDate",
        ],
    ),
    key: "licenceRef",
    records: &[
        RecordSpec::within(
            "licenceUsage",
            "line",
            &["lineNum", "quantityUsed", "valueUsed", "currency"],
        )
        .block(),
        RecordSpec::within(
            "line",
            "usage",
            &[
                "usageType",
                "declarationUcr",
                "declarationPartNum",
                "controlDate",
                "quantityUsed",
                "valueUsed",
                "currency",
                "traderId",
                "claimRef",
                "originCountry",
                "customsMic",
                "customsMessage",
                "consigneeName",
                "declarationMrn",
                "departureIcs",
            ],
        ),
    ],
};

pub struct ChiefUsage {
    reader: ChiefReader,
    /// Transaction references seen in this file.
    transactions: HashSet<String>,
}

impl Default for ChiefUsage {
    fn default() -> Self {
        ChiefUsage {
            reader: ChiefReader::new(&USAGE_DATA),
            transactions: HashSet::new(),
        }
    }
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
        let mut out = Translation::default();
        let transactions = self.reader.feed(chunk, &mut out);
        self.translate(transactions, &mut out);
        Ok(out)
    }

    fn finish(&mut self) -> Result<Translation> {
        let mut out = Translation::default();
        let transactions = self.reader.finish(&mut out);
        self.translate(transactions, &mut out);
        Ok(out)
    }
}

impl ChiefUsage {
    fn translate(&mut self, transactions: Vec<Transaction>, out: &mut Translation) {
        let header = self.reader.header();
        for transaction in transactions {
            let drafts = transaction.read(out, |usage, problems| {
                let transaction_ref = usage.required("transactionRef", problems);
                if !self.transactions.insert(transaction_ref.clone()) {
                    problems.push(usage.error(
                        "transactionRef",
                        format!(
                            "transaction {transaction_ref} appears twice in the file (it must identify the transaction uniquely)"
                        ),
                    ));
                }
                licence_usage(usage, &transaction_ref, header, problems)
            });
            // Without a readable header the file already has an error: nothing to date by.
            out.records.extend(drafts.flatten().unwrap_or_default());
        }
    }
}

/// A `licenceUsage` transaction: a `licence_usage` record per `usage` record, then the
/// licence's `customs_licence_status`.
fn licence_usage(
    usage: &Record,
    transaction_ref: &str,
    header: Option<&FileHeader>,
    problems: &mut Vec<Diagnostic>,
) -> Option<Vec<Draft>> {
    usage.one_of("action", &[("insert", ())], problems);
    let licence_ref = usage.get("licenceRef");
    let states = [
        ("O", CustomsLicenceState::Open),
        ("C", CustomsLicenceState::Cancelled),
        ("E", CustomsLicenceState::Exhausted),
        ("S", CustomsLicenceState::Surrendered),
        ("D", CustomsLicenceState::Expired),
    ];
    let state = usage.one_of("licenceStatus", &states, problems);
    let mut status = CustomsLicenceStatus {
        transaction_ref: Some(transaction_ref.to_owned()),
        ..CustomsLicenceStatus::new(
            licence_ref,
            header.map_or("", FileHeader::date),
            state.unwrap_or(CustomsLicenceState::Open),
        )
    };
    let mut drafts = Vec::new();
    for line in usage.children_of_type("line") {
        let line_no = line.number("lineNum", problems).unwrap_or(0);
        let value_used = line.optional("valueUsed");
        let value_used = match (value_used, line.optional("currency")) {
            (Some(amount), Some(currency)) => Some(money(&amount, &currency)),
            (Some(amount), None) if !is_zero(&amount) => {
                problems.push(Diagnostic {
                    severity: Severity::Warning,
                    ..line.error(
                        "valueUsed",
                        format!(
                            "licence {licence_ref} line {line_no}: value used {amount} has no currency, so it is left out of the running totals"
                        ),
                    )
                });
                None
            }
            _ => None,
        };
        status.lines.push(ReportedLineTotal {
            quantity_used: line.optional("quantityUsed"),
            value_used,
            ..ReportedLineTotal::new(line_no)
        });
        for (index, record) in line.children.iter().enumerate() {
            let written_off = LicenceUsage {
                declaration_part: record.optional("declarationPartNum"),
                quantity: record.optional("quantityUsed"),
                value: value(record, problems),
                customs_message_code: record.optional("customsMic"),
                customs_message_text: record.optional("customsMessage"),
                sequence: header
                    .and_then(|h| h.run_number.checked_mul(RUN_SPAN))
                    .and_then(|run| run.checked_add(record.line)),
                ..LicenceUsage::new(
                    licence_ref,
                    line_no,
                    record.get("declarationUcr"),
                    usage_type(record, problems),
                    record
                        .required_date("controlDate", problems)
                        .unwrap_or_default(),
                )
            };
            let source_ref = format!("{transaction_ref}/{line_no}/{}", index + 1);
            drafts.push(Draft::licence_usage(AGENCY, source_ref, written_off).at(record.line));
        }
    }
    header?;
    drafts.push(Draft::customs_licence_status(AGENCY, transaction_ref, status).at(usage.line));
    Some(drafts)
}

fn usage_type(record: &Record, problems: &mut Vec<Diagnostic>) -> UsageType {
    let types = [
        ("O", UsageType::Original),
        ("A", UsageType::Adjusted),
        ("C", UsageType::Contra),
        ("L", UsageType::LateOriginal),
        ("M", UsageType::MessageOnly),
    ];
    record
        .one_of("usageType", &types, problems)
        .unwrap_or(UsageType::Original)
}

/// The value a declaration used, with its currency; a value is only meaningful without
/// one when it is zero.
fn value(record: &Record, problems: &mut Vec<Diagnostic>) -> Option<Money> {
    let amount = record.optional("valueUsed")?;
    match record.optional("currency") {
        Some(currency) => Some(money(&amount, &currency)),
        None => {
            if !is_zero(&amount) {
                problems.push(record.error("currency", "required when valueUsed is not zero"));
            }
            None
        }
    }
}

fn is_zero(amount: &str) -> bool {
    Decimal::from_str(amount).is_ok_and(|d| d.is_zero())
}

export_plugin!(ChiefUsage);

#[cfg(test)]
mod plugin_tests;
