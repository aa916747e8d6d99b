//! `mirror-mismatch`: our actual exports to (or imports from) a State in a year, in one ATT
//! category, differ from what that State, or a public register, reported for the same flow
//! (ATT Art. 13: annual reports; the mirror comparison of exporters' and importers'
//! reports is the treaty's transparency check).
//!
//! **Our figures** come only from customs write-offs (`licence_usage`); reported transfers
//! are never mixed into them. For each write-off:
//! - the licence line it is written off against gives the goods: its control entry →
//!   the ATT scope of that entry in the control list in force on the write-off's date;
//! - the quantity is read as [`crate::usage::totals`] reads it (original and late original
//!   add, adjusted replaces, contra zeroes, message only writes off nothing; units
//!   converted by [`crate::reference::unit_factor`]) and counted only in items: the line's
//!   unit must be a unit of count (`NAR`, `C62`, `H87`, `DZN` → items). A line without a
//!   quantity unit (value-controlled or open lines) counts only the write-offs that carry a
//!   count unit of their own; anything else (kilograms, value only) is not counted;
//! - the year is that of the earliest write-off for the same usage key (licence, line,
//!   declaration, part), so an adjustment or contra in January still nets the December
//!   shipment it corrects;
//! - the partner is the declaration's country (destination for exports, dispatch else
//!   origin for imports) where a `customs_declaration` with the write-off's declaration
//!   reference exists; otherwise the licence's one allowed destination (exports) or origin
//!   (imports). A write-off whose partner cannot be told that way is not counted;
//! - export licences give exports, import licences imports; transit, transshipment and
//!   brokering licences are not our exports or imports.
//!
//! **Their figures** are `reported_transfer` records from State reports (`att_report`,
//! `un_register`) and public registers (`public_register`) with an ATT category. A record
//! whose supplier is this State (see [`own_country`]) is an export to the recipient; one
//! whose recipient is this State an import from the supplier. The number per year is the
//! yearly delivery where given, else `number_delivered` in the record's year. Records of
//! the same source, partner, year, category and direction are added.
//!
//! **Comparison** For every reported figure, our figure is the sum over our categories
//! within the reported one (a report in `VIII.SA` takes our `VIII.SA.2` and `VIII.SA.4`).
//! A difference is reported when it is larger than the tolerance: the greater of
//! `tolerance_percent` of the larger figure and `tolerance_items` items. The default is no
//! tolerance: weapons are counted one by one, and one rifle missing between our exports and
//! a partner's imports is exactly what diversion looks like; a State that compares bulk
//! figures sets a tolerance. Flows nobody reported are not findings: partners do not all
//! report, and silence is no mismatch.
//!
//! Key: `{partner}/{year}/{category}/{direction}/{source name}`.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::check::{Dataset, Evidence, Finding, Rule, Severity, finding};
use crate::control_list::AttScope;
use crate::model::{
    CountryRole, CustomsDeclaration, CustomsProcedure, Direction, LicenceUsage, PartyRole,
    ReportingSourceKind, UsageKey,
};
use crate::reference::unit_factor;
use crate::usage;

pub struct MirrorMismatch {
    /// Percent of the larger figure a difference may reach unreported (default 0).
    pub tolerance_percent: Decimal,
    /// Items a difference may reach unreported (default 0). The greater of the two applies.
    pub tolerance_items: Decimal,
    /// This State's ISO 3166-1 alpha-2 code; `None`: the settings' reporting State, else
    /// inferred from the licences (see [`own_country`]).
    pub own_country: Option<String>,
}

impl Default for MirrorMismatch {
    fn default() -> MirrorMismatch {
        MirrorMismatch {
            tolerance_percent: Decimal::ZERO,
            tolerance_items: Decimal::ZERO,
            own_country: None,
        }
    }
}

/// The reporting State: the settings' (`interlock settings set --reporting-state`) when
/// they give it, else as the records show it ([`inferred_own_country`]).
pub(crate) fn own_country(data: &Dataset) -> Option<String> {
    data.reporting_state
        .clone()
        .or_else(|| inferred_own_country(data))
}

/// The reporting State as the records show it: the country most often given for the
/// exporter on export licences (else for the importer on import licences); the smaller code
/// on a tie. `None` when no licence says. Only a fallback for stores without settings: a
/// State whose licences mostly name foreign exporters (an importer) would be guessed wrong.
fn inferred_own_country(data: &Dataset) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (direction, role) in [
        (Direction::Export, PartyRole::Exporter),
        (Direction::Import, PartyRole::Importer),
    ] {
        for licence in data
            .licences
            .iter()
            .filter(|l| l.body.direction == direction)
        {
            for party in licence.body.parties.iter().filter(|p| p.role == role) {
                if let Some(country) = &party.country {
                    *counts.entry(country.as_str()).or_default() += 1;
                }
            }
        }
        if !counts.is_empty() {
            break;
        }
    }
    let max = counts.values().copied().max()?;
    counts
        .into_iter()
        .find(|(_, n)| *n == max)
        .map(|(country, _)| country.to_owned())
}

/// `1 item`, `12 items`, `0.5 items`.
fn items(n: Decimal) -> String {
    let n = n.normalize();
    if n == Decimal::ONE {
        "1 item".to_owned()
    } else {
        format!("{n} items")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Flow {
    Export,
    Import,
}

impl Flow {
    fn as_str(self) -> &'static str {
        match self {
            Flow::Export => "export",
            Flow::Import => "import",
        }
    }
}

/// (partner, year, flow)
type FlowKey = (String, i16, Flow);

/// What we counted for one partner, year and flow, by ATT scope, with the licences.
#[derive(Default)]
struct Ours {
    by_scope: BTreeMap<AttScope, Decimal>,
    licences: BTreeMap<String, Evidence>,
}

/// What one source reported for one partner, year, category and flow.
struct Theirs {
    number: Decimal,
    uncertain: bool,
    evidence: Vec<Evidence>,
}

fn partner_of(
    declarations: &BTreeMap<&str, Vec<&CustomsDeclaration>>,
    usage: &LicenceUsage,
    flow: Flow,
    licence_countries: &BTreeSet<String>,
) -> Option<String> {
    let from_declaration = declarations
        .get(usage.declaration_ref.as_str())
        .into_iter()
        .flatten()
        .find_map(|d| match (flow, d.procedure) {
            (Flow::Export, CustomsProcedure::Export | CustomsProcedure::ReExport) => {
                d.country_of_destination.clone()
            }
            (Flow::Import, CustomsProcedure::Import) => d
                .country_of_dispatch
                .clone()
                .or_else(|| d.country_of_origin.clone()),
            _ => None,
        });
    from_declaration.or_else(|| {
        (licence_countries.len() == 1)
            .then(|| licence_countries.iter().next().cloned())
            .flatten()
    })
}

impl MirrorMismatch {
    fn ours(&self, data: &Dataset) -> BTreeMap<FlowKey, Ours> {
        let mut declarations: BTreeMap<&str, Vec<&CustomsDeclaration>> = BTreeMap::new();
        for d in &data.declarations {
            declarations
                .entry(d.body.declaration_ref.as_str())
                .or_default()
                .push(&d.body);
        }
        let mut first_date: BTreeMap<UsageKey, Date> = BTreeMap::new();
        for u in &data.usages {
            let date = first_date.entry(u.body.key()).or_insert(u.body.date);
            *date = (*date).min(u.body.date);
        }
        let is_count = |unit: &str| unit_factor(unit, "NAR").is_some();
        // (partner, year, flow) → the write-offs counted there.
        let mut groups: BTreeMap<FlowKey, Vec<&LicenceUsage>> = BTreeMap::new();
        for u in &data.usages {
            let u = &u.body;
            let Some(licence) = data.licence(&u.authorization_ref) else {
                continue;
            };
            let (flow, role) = match licence.body.direction {
                Direction::Export => (Flow::Export, CountryRole::Destination),
                Direction::Import => (Flow::Import, CountryRole::Origin),
                _ => continue,
            };
            let Some(line) = licence.body.lines.iter().find(|l| l.line_no == u.line_no) else {
                continue;
            };
            let counted = match &line.quantity {
                Some(q) => is_count(&q.unit),
                None => u.unit.as_deref().is_some_and(is_count),
            };
            if !counted {
                continue;
            }
            let countries: BTreeSet<String> = licence
                .body
                .countries_in_role(role, false)
                .map(str::to_owned)
                .collect();
            let Some(partner) = partner_of(&declarations, u, flow, &countries) else {
                continue;
            };
            let year = first_date.get(&u.key()).copied().unwrap_or(u.date).year();
            groups.entry((partner, year, flow)).or_default().push(u);
        }
        let mut ours: BTreeMap<FlowKey, Ours> = BTreeMap::new();
        for (key, usages) in groups {
            let line_of = |reference: &str, line_no: u32| {
                data.licence(reference)
                    .and_then(|l| l.body.lines.iter().find(|line| line.line_no == line_no))
            };
            let totals = usage::totals(usages.iter().copied(), |reference, line_no| {
                line_of(reference, line_no).map(|line| {
                    line.quantity
                        .as_ref()
                        .map_or_else(|| "NAR".to_owned(), |q| q.unit.clone())
                })
            });
            let year_start = Date::new(key.1, 1, 1).ok();
            let entry = ours.entry(key).or_default();
            for ((reference, line_no), total) in totals {
                let (Some(line), Some(quantity)) = (line_of(&reference, line_no), total.quantity)
                else {
                    continue;
                };
                let unit = line.quantity.as_ref().map_or("NAR", |q| q.unit.as_str());
                let Some(items) = unit_factor(unit, "NAR").and_then(|f| quantity.checked_mul(f))
                else {
                    continue;
                };
                // The list in force on the first write-off of the line in the year.
                let date = usages
                    .iter()
                    .filter(|u| u.authorization_ref == reference && u.line_no == line_no)
                    .map(|u| u.date)
                    .min()
                    .or(year_start);
                let scope = line.control_entry.as_deref().and_then(|id| {
                    data.lists
                        .in_force_on(date?)
                        .and_then(|list| list.entry(id))
                        .map(|e| e.att.clone())
                });
                let Some(scope) = scope else {
                    continue;
                };
                *entry.by_scope.entry(scope).or_default() += items;
                if let Some(licence) = data.licence(&reference) {
                    entry
                        .licences
                        .insert(reference.clone(), licence.meta.evidence("licence"));
                }
            }
        }
        ours
    }
}

impl Rule for MirrorMismatch {
    fn id(&self) -> &'static str {
        "mirror-mismatch"
    }

    fn title(&self) -> &'static str {
        "Our exports or imports differ from what the partner State or a register reported"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 13"
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let own = self.own_country.clone().or_else(|| own_country(data));
        // (partner, year, category, flow, source) → reported
        let mut theirs: BTreeMap<(String, i16, AttScope, Flow, String), Theirs> = BTreeMap::new();
        for rec in &data.reported_transfers {
            let t = &rec.body;
            if !matches!(
                t.source.kind,
                ReportingSourceKind::AttReport
                    | ReportingSourceKind::UnRegister
                    | ReportingSourceKind::PublicRegister
            ) {
                continue;
            }
            let Some(category) = t
                .category
                .as_deref()
                .and_then(|c| c.parse::<AttScope>().ok())
            else {
                continue;
            };
            let (supplier, recipient) = (t.supplier.code.as_deref(), t.recipient.code.as_deref());
            let flow = match own.as_deref() {
                Some(own) if supplier == Some(own) => recipient.map(|p| (Flow::Export, p)),
                Some(own) if recipient == Some(own) => supplier.map(|p| (Flow::Import, p)),
                Some(_) => None,
                None => match t.source.reporting_country.as_deref() {
                    Some(r) if recipient == Some(r) => Some((Flow::Export, r)),
                    Some(r) if supplier == Some(r) => Some((Flow::Import, r)),
                    _ => None,
                },
            };
            let Some((flow, partner)) = flow else {
                continue;
            };
            let mut yearly: Vec<(i16, u64)> = t
                .deliveries
                .iter()
                .filter_map(|d| d.number.map(|n| (d.year, n)))
                .collect();
            let delivery_years: BTreeSet<i16> = t.deliveries.iter().map(|d| d.year).collect();
            if let (true, Some(year), Some(n)) = (
                yearly.is_empty() && delivery_years.len() <= 1,
                t.year(),
                t.number_delivered,
            ) {
                yearly.push((year, n));
            }
            for (year, number) in yearly {
                let entry = theirs
                    .entry((
                        partner.to_owned(),
                        year,
                        category.clone(),
                        flow,
                        t.source.name.clone(),
                    ))
                    .or_insert(Theirs {
                        number: Decimal::ZERO,
                        uncertain: false,
                        evidence: Vec::new(),
                    });
                entry.number += Decimal::from(number);
                entry.uncertain |= t.number_delivered_uncertain;
                entry.evidence.push(rec.meta.evidence("reported transfer"));
            }
        }

        let ours = self.ours(data);
        let mut found = Vec::new();
        for ((partner, year, category, flow, source), reported) in theirs {
            let mine = ours.get(&(partner.clone(), year, flow));
            let our_number: Decimal = mine
                .map(|o| {
                    o.by_scope
                        .iter()
                        .filter(|(scope, _)| scope.is_within(&category))
                        .map(|(_, n)| *n)
                        .sum()
                })
                .unwrap_or_default();
            let difference = (our_number - reported.number).abs();
            let larger = our_number.max(reported.number);
            let tolerance =
                (larger * self.tolerance_percent / Decimal::from(100)).max(self.tolerance_items);
            if difference <= tolerance {
                continue;
            }
            let (ours_word, theirs_word) = match flow {
                Flow::Export => ("exports to", "imports from us"),
                Flow::Import => ("imports from", "exports to us"),
            };
            let licences: Vec<&str> = mine
                .map(|o| o.licences.keys().map(String::as_str).collect())
                .unwrap_or_default();
            let explanation = format!(
                "Our {ours_word} {partner} in {year}, ATT category {category} ({}): {} items written off by customs{}; {source} reports {} items ({theirs_word}){}. Difference {}, beyond the tolerance of {} (the greater of {} % and {}).",
                category.title(),
                our_number.normalize(),
                if licences.is_empty() {
                    String::new()
                } else {
                    format!(" against {}", licences.join(", "))
                },
                reported.number.normalize(),
                if reported.uncertain {
                    ", marked uncertain by the source"
                } else {
                    ""
                },
                items(difference),
                items(tolerance),
                self.tolerance_percent.normalize(),
                items(self.tolerance_items),
            );
            let mut evidence = reported.evidence;
            if let Some(o) = mine {
                evidence.extend(o.licences.values().cloned());
            }
            found.push(finding(
                self,
                format!("{partner}/{year}/{category}/{}/{source}", flow.as_str()),
                explanation,
                Date::new(year, 1, 1).ok(),
                evidence,
            ));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rules::testing::{dataset, findings};

    const LICENCE: &str = r#"{"agency":"licensing","source_ref":"L1","record":{"kind":"authorization","reference":"L1","direction":"export","status":"issued","issuing_authority":"ECJU","issue_date":"2026-01-15","valid_from":"2026-01-15","valid_until":"2028-01-15","parties":[{"role":"exporter","name":"Albion Arms Ltd","country":"GB"},{"role":"end_user","name":"Forsvarsmateriell","country":"NO"}],"countries":[{"country":"NO","role":"destination"}],"lines":[{"line_no":1,"description":"Assault rifles","control_entry":"ML1.a.4","quantity":{"amount":"120","unit":"NAR"}},{"line_no":2,"description":"Ammunition","control_entry":"ML3.a","quantity":{"amount":"500","unit":"KGM"}}]}}"#;

    fn usage(declaration: &str, kind: &str, date: &str, quantity: &str, line: u32) -> String {
        format!(
            r#"{{"agency":"customs","source_ref":"{declaration}/{kind}/{line}","record":{{"kind":"licence_usage","authorization_ref":"L1","line_no":{line},"declaration_ref":"{declaration}","usage_type":"{kind}","date":"{date}","quantity":"{quantity}"}}}}"#
        )
    }

    fn report(number: u64, category: &str) -> String {
        format!(
            r#"{{"agency":"other","source_ref":"ATT/NO/{category}","record":{{"kind":"reported_transfer","source":{{"kind":"att_report","name":"ATT annual report of Norway","reporting_country":"NO"}},"supplier":{{"name":"United Kingdom","code":"GB"}},"recipient":{{"name":"Norway","code":"NO"}},"number_delivered":{number},"deliveries":[{{"year":2026,"number":{number}}}],"category":"{category}"}}}}"#
        )
    }

    fn exact() -> MirrorMismatch {
        MirrorMismatch {
            tolerance_percent: Decimal::ZERO,
            tolerance_items: Decimal::ZERO,
            own_country: None,
        }
    }

    #[test]
    fn a_partner_report_that_differs_beyond_the_tolerance_is_found() {
        let a = usage("D1", "original", "2026-03-12", "60", 1);
        let b = usage("D2", "original", "2026-07-14", "60", 1);
        let r = report(100, "VIII.SA.4");
        let found = findings(&MirrorMismatch::default(), &[LICENCE, &a, &b, &r]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].key,
            "NO/2026/VIII.SA.4/export/ATT annual report of Norway"
        );
        assert!(
            found[0].explanation.contains("120 items"),
            "{}",
            found[0].explanation
        );
        assert!(
            found[0].explanation.contains("reports 100"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn one_item_missing_is_found_by_default_and_a_tolerance_can_allow_it() {
        let a = usage("D1", "original", "2026-03-12", "60", 1);
        let b = usage("D2", "original", "2026-07-14", "60", 1);
        let r = report(119, "VIII.SA.4");
        let lines = [LICENCE, a.as_str(), b.as_str(), r.as_str()];
        assert_eq!(findings(&MirrorMismatch::default(), &lines).len(), 1);
        let tolerant = MirrorMismatch {
            tolerance_percent: Decimal::from(10),
            tolerance_items: Decimal::ONE,
            own_country: None,
        };
        assert!(findings(&tolerant, &lines).is_empty());
    }

    #[test]
    fn contra_and_adjusted_write_offs_and_parent_categories_are_read_as_customs_means_them() {
        let a = usage("D1", "original", "2026-03-12", "60", 1);
        let b = usage("D2", "original", "2026-07-14", "60", 1);
        let c = usage("D2", "contra", "2026-07-20", "60", 1);
        let adj = usage("D1", "adjusted", "2026-03-20", "50", 1);
        // Reported at the parent level VIII.SA: takes our VIII.SA.4.
        let r = report(50, "VIII.SA");
        let lines = [
            LICENCE,
            a.as_str(),
            b.as_str(),
            c.as_str(),
            adj.as_str(),
            r.as_str(),
        ];
        assert!(exact().check(&dataset(&lines)).is_empty());
    }

    #[test]
    fn weights_are_not_items_and_other_categories_or_years_are_not_mixed() {
        // 500 kg of ammunition written off: not counted, so a report of 0 items matches.
        let kg = usage("D3", "original", "2026-03-12", "500", 2);
        let r = report(0, "art3");
        assert!(exact().check(&dataset(&[LICENCE, &kg, &r])).is_empty());
        // Rifles written off in 2025 are not 2026 exports.
        let old = usage("D0", "original", "2025-12-30", "5", 1);
        let r = report(0, "VIII.SA.4");
        assert!(exact().check(&dataset(&[LICENCE, &old, &r])).is_empty());
        // Nothing reported, nothing found.
        let a = usage("D1", "original", "2026-03-12", "60", 1);
        assert!(exact().check(&dataset(&[LICENCE, &a])).is_empty());
    }

    #[test]
    fn the_declaration_destination_beats_the_licence() {
        let a = usage("DEC-PE", "original", "2026-08-18", "40", 1);
        let declaration = r#"{"agency":"customs","source_ref":"DEC-PE/1","record":{"kind":"customs_declaration","declaration_ref":"DEC-PE","item_no":1,"procedure":"export","date":"2026-08-18","country_of_destination":"PE","control_entry":"ML1.a.4","description":"Rifles"}}"#;
        let r = report(40, "VIII.SA.4");
        let found = exact().check(&dataset(&[LICENCE, &a, declaration, &r]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].explanation.contains(": 0 items"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn the_reporting_state_is_inferred_from_our_exporters() {
        assert_eq!(own_country(&dataset(&[LICENCE])).as_deref(), Some("GB"));
    }

    #[test]
    fn the_reporting_state_of_the_settings_beats_the_inference() {
        let a = usage("D1", "original", "2026-03-12", "60", 1);
        let r = report(100, "VIII.SA.4");
        let mut data = dataset(&[LICENCE, &a, &r]);
        assert_eq!(exact().check(&data).len(), 1, "inferred GB: a mismatch");
        // The settings say the State is Ireland: Norway's imports from GB are not ours.
        data.reporting_state = Some("IE".to_owned());
        assert_eq!(own_country(&data).as_deref(), Some("IE"));
        assert!(exact().check(&data).is_empty());
    }
}
