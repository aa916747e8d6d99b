//! What has been written off against each licence line, computed from the usage records:
//! the one place for the customs (CHIEF) usage rules.
//!
//! Every [`LicenceUsage`] applies to a key (licence, line, declaration, part):
//! - `original` and `late_original` add their amounts to the key;
//! - `adjusted` replaces what is attributed to the key;
//! - `contra` sets the key to zero;
//! - `message_only` writes off nothing.
//!
//! Records apply in customs' order: by `sequence` where given, then by date, then in the
//! order they are passed. A line's total is the sum over its keys. Quantities are added in
//! the licence line's unit (`line_unit`): a usage without a unit is in that unit already
//! (CHIEF usage data carries none); one with a unit is converted with
//! [`reference::unit_factor`]; an amount in a unit that cannot be converted is reported,
//! not guessed.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::model::{LicenceUsage, Money, Quantity, UsageKey, UsageType};
use crate::reference;

/// What is written off against one licence line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineUsage {
    /// In the licence line's unit.
    pub quantity: Option<Decimal>,
    pub value: Option<Money>,
    /// Amounts that could not be added (a unit or currency that does not convert).
    pub problems: Vec<String>,
}

/// (licence reference, line number) → what has been written off.
pub type UsageTotals = BTreeMap<(String, u32), LineUsage>;

/// Converts `quantity` into `unit`, if the two measure the same thing.
pub fn quantity_in(quantity: &Quantity, unit: &str) -> Option<Decimal> {
    let factor = reference::unit_factor(&quantity.unit, unit)?;
    quantity.amount.checked_mul(factor)
}

#[derive(Clone, Default)]
struct KeyAmount {
    /// In the licence line's unit.
    quantity: Option<Decimal>,
    value: Option<Money>,
}

/// Applies the usage records in customs' order and sums them per line. `line_unit` gives
/// the unit of a licence line, where the licence is known.
pub fn totals<'a>(
    usages: impl IntoIterator<Item = &'a LicenceUsage>,
    line_unit: impl Fn(&str, u32) -> Option<String>,
) -> UsageTotals {
    let mut ordered: Vec<&LicenceUsage> = usages.into_iter().collect();
    // Records with a sequence first, in sequence order; then the others by date. The sort
    // is stable: records without a sequence keep their relative order within a day.
    ordered.sort_by_key(|u| (u.sequence.is_none(), u.sequence.unwrap_or(0), u.date));

    let mut per_key: BTreeMap<UsageKey, KeyAmount> = BTreeMap::new();
    let mut problems: BTreeMap<(String, u32), Vec<String>> = BTreeMap::new();
    for usage in ordered {
        let key = usage.key();
        let line = (key.authorization_ref.clone(), key.line_no);
        let quantity = match in_line_unit(usage, line_unit(&line.0, line.1).as_deref()) {
            Ok(quantity) => quantity,
            Err(problem) => {
                problems.entry(line.clone()).or_default().push(problem);
                None
            }
        };
        let amount = KeyAmount {
            quantity,
            value: usage.value.clone(),
        };
        let entry = per_key.entry(key).or_default();
        match usage.usage_type {
            UsageType::Original | UsageType::LateOriginal => {
                if let Err(problem) = add_amounts(entry, &amount) {
                    problems.entry(line).or_default().push(problem);
                }
            }
            UsageType::Adjusted => *entry = amount,
            UsageType::Contra => {
                *entry = KeyAmount {
                    quantity: entry.quantity.map(|_| Decimal::ZERO),
                    value: entry.value.as_ref().map(|v| Money {
                        amount: Decimal::ZERO,
                        currency: v.currency.clone(),
                    }),
                }
            }
            UsageType::MessageOnly => {}
        }
    }

    let mut totals = UsageTotals::new();
    for (key, amount) in per_key {
        let line = (key.authorization_ref, key.line_no);
        let total = totals.entry(line.clone()).or_default();
        let as_usage = KeyAmount {
            quantity: amount.quantity,
            value: amount.value,
        };
        let mut sum = KeyAmount {
            quantity: total.quantity.take(),
            value: total.value.take(),
        };
        if let Err(problem) = add_amounts(&mut sum, &as_usage) {
            total.problems.push(problem);
        }
        total.quantity = sum.quantity;
        total.value = sum.value;
    }
    for (line, mut found) in problems {
        totals.entry(line).or_default().problems.append(&mut found);
    }
    totals
}

/// The usage's quantity in the licence line's unit.
fn in_line_unit(usage: &LicenceUsage, line_unit: Option<&str>) -> Result<Option<Decimal>, String> {
    let Some(amount) = usage.quantity else {
        return Ok(None);
    };
    match (usage.unit.as_deref(), line_unit) {
        (None, _) => Ok(Some(amount)),
        (Some(unit), Some(line_unit)) => {
            let quantity = Quantity {
                amount,
                unit: unit.to_owned(),
            };
            quantity_in(&quantity, line_unit).map(Some).ok_or_else(|| {
                format!(
                    "{amount} {unit} written off by {} cannot be counted against a line in {line_unit}",
                    usage.declaration_ref
                )
            })
        }
        // The licence is not known: take the amount as given.
        (Some(_), None) => Ok(Some(amount)),
    }
}

fn add_amounts(sum: &mut KeyAmount, more: &KeyAmount) -> Result<(), String> {
    if let Some(quantity) = more.quantity {
        *sum.quantity.get_or_insert(Decimal::ZERO) += quantity;
    }
    if let Some(value) = &more.value {
        match &mut sum.value {
            None => sum.value = Some(value.clone()),
            Some(total) if total.currency == value.currency => total.amount += value.amount,
            Some(total) => {
                return Err(format!(
                    "{} {} cannot be added to an amount in {}",
                    value.amount, value.currency, total.currency
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UsageType::*;

    fn usage(
        kind: UsageType,
        declaration: &str,
        amount: i64,
        unit: Option<&str>,
        seq: u64,
    ) -> LicenceUsage {
        LicenceUsage {
            authorization_ref: "GBSIEL/2026/0000123/P".into(),
            line_no: 2,
            declaration_ref: declaration.into(),
            declaration_part: None,
            usage_type: kind,
            date: jiff::civil::date(2026, 3, 1),
            quantity: Some(Decimal::from(amount)),
            unit: unit.map(str::to_owned),
            value: None,
            customs_message_code: None,
            customs_message_text: None,
            sequence: Some(seq),
        }
    }

    fn nar(_: &str, _: u32) -> Option<String> {
        Some("NAR".to_owned())
    }

    fn line_quantity(totals: &UsageTotals) -> Decimal {
        totals[&("GBSIEL/2026/0000123/P".to_owned(), 2)]
            .quantity
            .unwrap_or_default()
    }

    #[test]
    fn adjusted_replaces_the_key_even_in_the_same_file() {
        let records = [
            usage(Original, "D1", 10, None, 1),
            usage(Adjusted, "D1", 7, None, 2),
        ];
        assert_eq!(line_quantity(&totals(&records, nar)), Decimal::from(7));
    }

    #[test]
    fn contra_nets_a_key_out_and_other_keys_still_count() {
        let records = [
            usage(Original, "D1", 10, None, 1),
            usage(Original, "D2", 5, None, 2),
            usage(Contra, "D1", 10, None, 3),
            usage(MessageOnly, "D3", 0, None, 4),
        ];
        assert_eq!(line_quantity(&totals(&records, nar)), Decimal::from(5));
    }

    #[test]
    fn order_is_customs_order_not_file_order() {
        let records = [
            usage(Adjusted, "D1", 7, None, 2),
            usage(Original, "D1", 10, None, 1),
        ];
        assert_eq!(line_quantity(&totals(&records, nar)), Decimal::from(7));
    }

    #[test]
    fn counts_in_c62_count_against_a_nar_line_and_kilograms_do_not() {
        let records = [
            usage(Original, "D1", 10, None, 1),
            usage(LateOriginal, "D2", 3, Some("C62"), 2),
            usage(Original, "D3", 4, Some("KGM"), 3),
        ];
        let totals = totals(&records, nar);
        assert_eq!(line_quantity(&totals), Decimal::from(13));
        let problems = &totals[&("GBSIEL/2026/0000123/P".to_owned(), 2)].problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("KGM"), "{problems:?}");
    }
}
