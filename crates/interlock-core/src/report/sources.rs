//! Which records feed the report, and how much each contributes to which cell.
//!
//! **Actual** (goods that left or entered the State permanently in the year, as customs
//! recorded them):
//! - every `customs_declaration` item with an export or re-export procedure (exports) or an
//!   import procedure (imports), not temporary, not invalidated, whose exit date (else
//!   declaration date) falls in the year. The partner is the destination (exports) or the
//!   country of dispatch, else origin (imports). Its value is the statistical value (in the
//!   national currency, as customs computed it), else the invoice value;
//! - every customs write-off (`licence_usage`) for a declaration the store does not hold
//!   (customs systems such as CHIEF report write-offs, not declarations): the write-offs
//!   of one declaration part and licence line are netted as [`crate::usage::totals`]
//!   nets them; the goods are the licence line's, the partner the licence's one allowed
//!   destination (exports) or origin (imports), the date the first write-off's.
//!
//! **Authorized**: every line of an export or import licence issued in the year (issue
//! date, else the first `issue` event, else the start of validity). Open licences have no
//! quantity or value to report; refused applications are not authorizations; a licence
//! cancelled or revoked since is left out (the authorization no longer stands). The
//! partner is the licence's one allowed destination (exports) or origin (imports).
//!
//! **Category**: the control entry (the record's own, else the cited licence line's, else
//! the one entry its HS code settles) → its ATT scope in the control list in force on the
//! record's date. Goods no entry covers are not arms and are skipped silently; anything
//! else that cannot be placed is listed for the reporting officer, never dropped silently.
//!
//! **Withholding** (ATT Art. 13(3)): a withheld record is left out of the figures and
//! listed for the operator; so is anything shipped or written off under a withheld licence.
//! A withholding of only the value (`value`, `statistical_value`, `lines.value`) keeps the
//! number of items and leaves the value out.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{Basis, Flow};
use crate::check::{Dataset, Evidence, Rec, RecordMeta};
use crate::control_list::{AttScope, classify_hs};
use crate::model::{
    Authorization, AuthorizationStatus, CountryRole, CustomsDeclaration, CustomsProcedure,
    DeclarationStatus, Direction, LicenceAction, LicenceUsage, Money, Movement, Quantity, RecordId,
};
use crate::reference::unit_factor;
use crate::store::Withholding;
use crate::usage;

/// One record's part in one cell of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contribution {
    pub flow: Flow,
    pub category: AttScope,
    /// The counterpart State: final importing State (exports) or exporting State (imports).
    pub partner: String,
    pub date: Date,
    /// Number of items, when the goods are counted in a unit of count.
    pub items: Option<Decimal>,
    pub value: Option<Money>,
    /// The goods, as the record describes them.
    pub description: String,
    /// State of origin, where it is not the exporter (re-exports, imports of goods made
    /// elsewhere).
    pub origin: Option<String>,
    /// The record that contributes.
    pub record: Evidence,
    /// Records the figure also rests on (the licence a write-off or declaration cites).
    pub supporting: Vec<Evidence>,
    /// How the figure and the category were read from the records.
    pub how: String,
}

/// A record left out of the figures because it is withheld.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WithheldNote {
    pub record: Evidence,
    /// The cell it would have counted in.
    pub flow: Flow,
    pub category: AttScope,
    pub partner: String,
    pub basis: String,
    pub reason: String,
    /// `whole record`, `value`, or `licence GB… is withheld`.
    pub what: String,
}

/// A record that belongs in the report but could not be placed in a cell.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unplaced {
    pub record: Evidence,
    pub reason: String,
}

/// A record deliberately not counted, with the rule that leaves it out.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Excluded {
    pub record: Evidence,
    pub reason: String,
}

/// Everything the report is built from.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Sources {
    pub contributions: Vec<Contribution>,
    pub withheld: Vec<WithheldNote>,
    pub unplaced: Vec<Unplaced>,
    pub excluded: Vec<Excluded>,
}

/// Fields whose withholding hides a value figure.
const VALUE_FIELDS: [&str; 4] = ["value", "statistical_value", "lines.value", "lines"];

/// How a record's withholding bears on the report.
enum Hold<'w> {
    None,
    Whole(&'w Withholding, String),
    Value(&'w Withholding),
}

struct Context<'a> {
    data: &'a Dataset,
    withholdings: BTreeMap<RecordId, &'a Withholding>,
    year: i16,
    sources: Sources,
    /// (date, control entry) → its ATT scope: a year of declarations names few entries on
    /// few days, and finding the list in force and the entry in it is a scan each time.
    scopes: std::collections::HashMap<(Date, String), Result<AttScope, String>>,
}

impl<'a> Context<'a> {
    /// The withholding that applies to `record`, directly or through the licence it cites.
    fn hold(&self, record: RecordId, licences: &[&str]) -> Hold<'a> {
        if let Some(w) = self.withholdings.get(&record) {
            if w.is_whole_record() {
                return Hold::Whole(w, "whole record".to_owned());
            }
            if w.fields.iter().any(|f| VALUE_FIELDS.contains(&f.as_str())) {
                return Hold::Value(w);
            }
        }
        for reference in licences {
            if let Some(licence) = self.data.licence(reference)
                && let Some(w) = self.withholdings.get(&licence.meta.id)
                && w.is_whole_record()
            {
                return Hold::Whole(w, format!("licence {reference} is withheld"));
            }
        }
        Hold::None
    }

    /// Adds a contribution unless withheld; a value-only withholding drops the value.
    fn add(&mut self, mut contribution: Contribution, licences: &[&str]) {
        match self.hold(contribution.record.record, licences) {
            Hold::None => self.sources.contributions.push(contribution),
            Hold::Value(w) => {
                self.sources.withheld.push(WithheldNote {
                    record: contribution.record.clone(),
                    flow: contribution.flow,
                    category: contribution.category.clone(),
                    partner: contribution.partner.clone(),
                    basis: w.basis.to_string(),
                    reason: w.reason.clone(),
                    what: "value".to_owned(),
                });
                contribution.value = None;
                self.sources.contributions.push(contribution);
            }
            Hold::Whole(w, what) => self.sources.withheld.push(WithheldNote {
                flow: contribution.flow,
                category: contribution.category,
                partner: contribution.partner,
                record: contribution.record,
                basis: w.basis.to_string(),
                reason: w.reason.clone(),
                what,
            }),
        }
    }

    fn unplaced(&mut self, meta: &RecordMeta, role: &str, reason: String) {
        self.sources.unplaced.push(Unplaced {
            record: meta.evidence(role),
            reason,
        });
    }

    fn excluded(&mut self, meta: &RecordMeta, role: &str, reason: String) {
        self.sources.excluded.push(Excluded {
            record: meta.evidence(role),
            reason,
        });
    }

    /// The ATT scope of control entry `entry` in the list in force on `date`.
    fn scope_of(&mut self, entry: &str, date: Date) -> Result<AttScope, String> {
        if let Some(known) = self.scopes.get(&(date, entry.to_owned())) {
            return known.clone();
        }
        let scope = self.find_scope(entry, date);
        self.scopes.insert((date, entry.to_owned()), scope.clone());
        scope
    }

    fn find_scope(&self, entry: &str, date: Date) -> Result<AttScope, String> {
        let list = self
            .data
            .lists
            .in_force_on(date)
            .ok_or_else(|| format!("no control list is in force on {date}"))?;
        list.entry(entry).map(|e| e.att.clone()).ok_or_else(|| {
            format!(
                "control entry {entry} is not in control list {} (in force on {date})",
                list.version
            )
        })
    }
}

/// Number of items in `quantity`, if its unit is a unit of count.
fn items_in(quantity: &Quantity) -> Option<Decimal> {
    unit_factor(&quantity.unit, "NAR").and_then(|f| quantity.amount.checked_mul(f))
}

/// The one country a licence allows in `role`, or why there is not exactly one.
fn sole_country(licence: &Authorization, role: CountryRole) -> Result<String, String> {
    let countries: BTreeSet<&str> = licence.countries_in_role(role, false).collect();
    let what = match role {
        CountryRole::Origin => "origin",
        _ => "destination",
    };
    match countries.len() {
        1 => Ok(countries.into_iter().next().unwrap_or_default().to_owned()),
        0 => Err(format!("licence {} names no {what}", licence.reference)),
        n => Err(format!(
            "licence {} allows {n} {what}s ({}); the record does not say which",
            licence.reference,
            countries.into_iter().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Gathers every contribution to the report for `year` on `basis`.
pub fn gather(data: &Dataset, withholdings: &[Withholding], year: i16, basis: Basis) -> Sources {
    let mut cx = Context {
        data,
        withholdings: withholdings.iter().map(|w| (w.record, w)).collect(),
        year,
        sources: Sources::default(),
        scopes: std::collections::HashMap::new(),
    };
    match basis {
        Basis::Actual => {
            for declaration in &data.declarations {
                declaration_contribution(&mut cx, declaration);
            }
            usage_contributions(&mut cx);
        }
        Basis::Authorized => {
            for licence in &data.licences {
                licence_contributions(&mut cx, licence);
            }
        }
    }
    let order = |e: &Evidence| (e.source_file.clone(), e.line, e.record);
    cx.sources.contributions.sort_by_key(|c| {
        (
            c.flow,
            c.category.position(),
            c.partner.clone(),
            c.date,
            order(&c.record),
        )
    });
    cx.sources.withheld.sort_by_key(|w| order(&w.record));
    cx.sources.unplaced.sort_by_key(|u| order(&u.record));
    cx.sources.excluded.sort_by_key(|e| order(&e.record));
    cx.sources
}

fn declaration_contribution(cx: &mut Context<'_>, rec: &Rec<CustomsDeclaration>) {
    let d = &rec.body;
    let flow = match d.procedure {
        CustomsProcedure::Export | CustomsProcedure::ReExport => Flow::Export,
        CustomsProcedure::Import => Flow::Import,
        CustomsProcedure::Transit => return,
    };
    let date = d.exit_date.unwrap_or(d.date);
    if date.year() != cx.year {
        return;
    }
    if d.status == Some(DeclarationStatus::Invalidated) || d.movement == Some(Movement::Temporary) {
        return;
    }
    // The category: the declaration's own entry, else the cited licence line's, else the
    // one entry the HS code settles.
    let cited_line = d.attached_documents.iter().find_map(|doc| {
        let licence = cx.data.licence(&doc.authorization_ref)?;
        let line = licence
            .body
            .lines
            .iter()
            .find(|l| Some(l.line_no) == doc.line_no)?;
        Some((licence, line))
    });
    let (entry, from) = if let Some(entry) = &d.control_entry {
        (entry.clone(), "the declaration's control entry".to_owned())
    } else if let Some((licence, line)) = cited_line
        && let Some(entry) = &line.control_entry
    {
        (
            entry.clone(),
            format!(
                "the control entry of licence {} line {}",
                licence.body.reference, line.line_no
            ),
        )
    } else {
        let Some(hs) = &d.hs_code else {
            return;
        };
        let Some(list) = cx.data.lists.in_force_on(date) else {
            cx.unplaced(
                &rec.meta,
                "declaration",
                format!("HS {hs}: no control list is in force on {date} to classify it"),
            );
            return;
        };
        let classification = classify_hs(list, hs);
        if classification.candidates.is_empty() {
            return; // not goods on the control list: not arms
        }
        match classification.unique() {
            Some(entry) => (
                entry.id.clone(),
                format!("HS {hs}, which only {} covers", entry.id),
            ),
            None => {
                // The most specific entries: a parent of another candidate says nothing
                // more.
                let all: Vec<&str> = classification
                    .candidates
                    .iter()
                    .map(|c| c.entry.id.as_str())
                    .collect();
                let ids: Vec<&str> = all
                    .iter()
                    .copied()
                    .filter(|id| !all.iter().any(|other| list.is_ancestor(id, other)))
                    .collect();
                cx.unplaced(
                    &rec.meta,
                    "declaration",
                    format!(
                        "no control entry: it cites no licence line and HS {hs} matches {} \
                         entries ({}); classify it (the declaration or a licence) to count it",
                        ids.len(),
                        ids.join(", ")
                    ),
                );
                return;
            }
        }
    };
    let category = match cx.scope_of(&entry, date) {
        Ok(scope) => scope,
        Err(reason) => {
            cx.unplaced(&rec.meta, "declaration", reason);
            return;
        }
    };
    if !counts_in_report(&category) {
        return;
    }
    let partner = match flow {
        Flow::Export => d.country_of_destination.clone(),
        Flow::Import => d
            .country_of_dispatch
            .clone()
            .or_else(|| d.country_of_origin.clone()),
    };
    let Some(partner) = partner else {
        cx.unplaced(
            &rec.meta,
            "declaration",
            format!(
                "no country of {}",
                match flow {
                    Flow::Export => "destination",
                    Flow::Import => "dispatch or origin",
                }
            ),
        );
        return;
    };
    // The State of origin, where it is not the exporter: for exports the country the goods
    // were dispatched from, for imports the partner.
    let origin = d.country_of_origin.clone().filter(|origin| match flow {
        Flow::Export => d
            .country_of_dispatch
            .as_ref()
            .is_some_and(|from| from != origin),
        Flow::Import => *origin != partner,
    });
    let licences: Vec<&str> = d
        .attached_documents
        .iter()
        .map(|doc| doc.authorization_ref.as_str())
        .collect();
    let supporting = licences
        .iter()
        .filter_map(|r| cx.data.licence(r))
        .map(|l| l.meta.evidence("licence"))
        .collect();
    let value = d.statistical_value.clone().or_else(|| d.value.clone());
    let contribution = Contribution {
        flow,
        category,
        partner,
        date,
        items: d.quantity.as_ref().and_then(items_in),
        value,
        description: d.description.clone(),
        origin,
        record: rec.meta.evidence("declaration"),
        supporting,
        how: format!(
            "customs declaration {}/{} ({}), category from {from}",
            d.declaration_ref,
            d.item_no,
            match d.exit_date {
                Some(exit) => format!("exited {exit}"),
                None => format!("dated {}", d.date),
            }
        ),
    };
    cx.add(contribution, &licences);
}

/// ATT Art. 2(1) categories and the voluntary ammunition and parts rows; national
/// controls outside the treaty are not reported.
fn counts_in_report(scope: &AttScope) -> bool {
    scope.code() != "national"
}

/// (declaration, declaration part, licence reference, licence line): one shipment's
/// write-offs against one licence line.
type ShipmentLine = (String, Option<String>, String, u32);

fn usage_contributions(cx: &mut Context<'_>) {
    let data = cx.data;
    let declared: BTreeSet<&str> = data
        .declarations
        .iter()
        .map(|d| d.body.declaration_ref.as_str())
        .collect();
    // Write-offs of declarations the store does not hold, grouped by declaration part and
    // licence line: those are the shipments.
    let mut groups: BTreeMap<ShipmentLine, Vec<&Rec<LicenceUsage>>> = BTreeMap::new();
    for u in &data.usages {
        if declared.contains(u.body.declaration_ref.as_str()) {
            continue;
        }
        groups
            .entry((
                u.body.declaration_ref.clone(),
                u.body.declaration_part.clone(),
                u.body.authorization_ref.clone(),
                u.body.line_no,
            ))
            .or_default()
            .push(u);
    }
    for ((declaration, part, reference, line_no), usages) in groups {
        let Some(first) = usages.iter().min_by_key(|u| (u.body.date, u.meta.line)) else {
            continue;
        };
        let date = first.body.date;
        if date.year() != cx.year {
            continue;
        }
        let shipment = match &part {
            Some(part) => format!("{declaration}/{part}"),
            None => declaration.clone(),
        };
        let Some(licence) = data.licence(&reference) else {
            cx.unplaced(
                &first.meta,
                "write-off",
                format!(
                    "write-off for {shipment} against {reference}, which is not in the \
                     licensing records: neither the goods nor the destination are known"
                ),
            );
            continue;
        };
        let (flow, role) = match licence.body.direction {
            Direction::Export => (Flow::Export, CountryRole::Destination),
            Direction::Import => (Flow::Import, CountryRole::Origin),
            _ => continue,
        };
        let Some(line) = licence.body.lines.iter().find(|l| l.line_no == line_no) else {
            cx.unplaced(
                &first.meta,
                "write-off",
                format!(
                    "write-off against {reference} line {line_no}, which the licence does not have"
                ),
            );
            continue;
        };
        let Some(entry) = &line.control_entry else {
            cx.unplaced(
                &first.meta,
                "write-off",
                format!("licence {reference} line {line_no} has no control entry"),
            );
            continue;
        };
        let category = match cx.scope_of(entry, date) {
            Ok(scope) => scope,
            Err(reason) => {
                cx.unplaced(&first.meta, "write-off", reason);
                continue;
            }
        };
        if !counts_in_report(&category) {
            continue;
        }
        let partner = match sole_country(&licence.body, role) {
            Ok(partner) => partner,
            Err(reason) => {
                cx.unplaced(&first.meta, "write-off", reason);
                continue;
            }
        };
        let line_unit = line.quantity.as_ref().map(|q| q.unit.clone());
        let totals = usage::totals(usages.iter().map(|u| &u.body), |_, _| line_unit.clone());
        let total = totals
            .get(&(reference.clone(), line_no))
            .cloned()
            .unwrap_or_default();
        // A line controlled by value only has no unit: its write-offs count no items
        // unless they carry a unit of count of their own.
        let unit = line_unit
            .clone()
            .or_else(|| usages.iter().find_map(|u| u.body.unit.clone()));
        let items = match (total.quantity, unit) {
            (Some(q), Some(unit)) => items_in(&Quantity { amount: q, unit }),
            _ => None,
        };
        let types: Vec<String> = usages
            .iter()
            .map(|u| format!("{} {}", u.body.usage_type.as_str(), u.body.date))
            .collect();
        let contribution = Contribution {
            flow,
            category,
            partner,
            date,
            items,
            value: total.value,
            description: line.description.clone(),
            origin: None,
            record: first.meta.evidence("write-off"),
            supporting: usages
                .iter()
                .skip(1)
                .map(|u| u.meta.evidence("write-off"))
                .chain(std::iter::once(licence.meta.evidence("licence")))
                .collect(),
            how: format!(
                "customs write-off{} for {shipment} against licence {reference} line {line_no} \
                 ({}; netted as customs nets them), goods and category from the licence line \
                 ({entry}), partner from the licence",
                if usages.len() > 1 { "s" } else { "" },
                types.join(", ")
            ),
        };
        let mut records: Vec<RecordId> = usages.iter().map(|u| u.meta.id).collect();
        records.sort();
        // Any withheld write-off of the shipment withholds the shipment.
        let withheld_usage = usages.iter().find(|u| {
            cx.withholdings
                .get(&u.meta.id)
                .is_some_and(|w| w.is_whole_record())
        });
        let mut contribution = contribution;
        if let Some(u) = withheld_usage {
            contribution.record = u.meta.evidence("write-off");
        }
        cx.add(contribution, &[reference.as_str()]);
    }
}

/// The date a licence was issued: its issue date, else its first `issue` event, else the
/// start of its validity.
fn issued_on(licence: &Authorization) -> Option<Date> {
    licence.issue_date.or_else(|| {
        licence
            .status_history
            .iter()
            .find(|e| e.action == LicenceAction::Issue)
            .map(|e| e.effective)
            .or(licence.valid_from)
    })
}

fn licence_contributions(cx: &mut Context<'_>, rec: &Rec<Authorization>) {
    let licence = &rec.body;
    let (flow, role) = match licence.direction {
        Direction::Export => (Flow::Export, CountryRole::Destination),
        Direction::Import => (Flow::Import, CountryRole::Origin),
        _ => return,
    };
    if matches!(
        licence.status,
        AuthorizationStatus::Applied | AuthorizationStatus::Refused
    ) {
        return;
    }
    let Some(issued) = issued_on(licence) else {
        return;
    };
    if issued.year() != cx.year {
        return;
    }
    if matches!(
        licence.status,
        AuthorizationStatus::Cancelled | AuthorizationStatus::Revoked
    ) {
        let when = licence
            .status_history
            .iter()
            .rev()
            .find(|e| matches!(e.action, LicenceAction::Cancel | LicenceAction::Revoke))
            .map(|e| format!(" on {}", e.effective))
            .unwrap_or_default();
        cx.excluded(
            &rec.meta,
            "licence",
            format!(
                "issued {issued} but {}{when}: the authorization no longer stands",
                licence.status.as_str()
            ),
        );
        return;
    }
    if licence.open {
        cx.excluded(
            &rec.meta,
            "licence",
            "open licence: it authorizes no quantity or value to report".to_owned(),
        );
        return;
    }
    let partner = match sole_country(licence, role) {
        Ok(partner) => partner,
        Err(reason) => {
            cx.unplaced(&rec.meta, "licence", reason);
            return;
        }
    };
    for line in &licence.lines {
        let Some(entry) = &line.control_entry else {
            cx.unplaced(
                &rec.meta,
                "licence",
                format!("line {} has no control entry", line.line_no),
            );
            continue;
        };
        let category = match cx.scope_of(entry, issued) {
            Ok(scope) => scope,
            Err(reason) => {
                cx.unplaced(
                    &rec.meta,
                    "licence",
                    format!("line {}: {reason}", line.line_no),
                );
                continue;
            }
        };
        if !counts_in_report(&category) {
            continue;
        }
        let description = [line.make.as_deref(), line.model.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let contribution = Contribution {
            flow,
            category,
            partner: partner.clone(),
            date: issued,
            items: line.quantity.as_ref().and_then(items_in),
            value: line.value.clone(),
            description: if description.is_empty() {
                line.description.clone()
            } else {
                format!("{} ({description})", line.description)
            },
            origin: None,
            record: rec.meta.evidence("licence"),
            supporting: Vec::new(),
            how: format!(
                "licence {} line {} ({entry}), issued {issued}",
                licence.reference, line.line_no
            ),
        };
        cx.add(contribution, &[]);
    }
}
