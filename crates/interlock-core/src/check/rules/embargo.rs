//! `embargo`: a transfer to, or for procurement embargoes from, a State or a named entity
//! under an arms embargo in force on the transfer's date (ATT Art. 6(1): a State Party
//! shall not authorize a transfer that would violate a UN Security Council Chapter VII
//! measure, in particular an arms embargo).
//!
//! **Transfers screened**
//! - every customs declaration item that is not invalidated, on its acceptance date:
//!   exports, re-exports and transits go *to* `country_of_destination`; imports come *from*
//!   `country_of_dispatch` and `country_of_origin`;
//! - every licence that was issued (any status that only exists once granted, so a
//!   licence revoked later still counts), on its issue date (else `valid_from`): export,
//!   transit and transshipment licences go to their allowed (not prohibited) destination
//!   countries and the members of allowed destination groups; import licences come from
//!   their allowed origin countries; brokering licences do both.
//!
//! **Who is a target**
//! - a State: the embargo's `target_country` is a destination of a supply-barring embargo
//!   (`supply`, `both`), or an origin of a procurement-barring one (`procurement`, `both`).
//!   The countries of the recipient-side parties (consignee, end user, ultimate end user,
//!   intermediate consignee, importer) count as destinations too, and those of the
//!   supplier-side parties (exporter, manufacturer) of an import as origins.
//! - a named entity: one of `target_entities` has the same name as a party on the
//!   recipient side (supply) or supplier side (procurement) after
//!   [`normalize_party_name`]; when both give a country, the countries must agree too.
//!   Brokers count on both sides.
//!
//! **Goods** An `all_arms` embargo covers every item. A `listed` one covers goods whose
//! control entry (licence line, declaration item) is one of its `control_entries` or below
//! one, or whose ATT scope, taken from the control list in force on the transfer's date,
//! is within one of its `att_scopes`. Goods without a control entry, or whose entry is not
//! in the list in force, cannot be matched to a listed embargo and are not reported.
//!
//! **Exemptions** An exemption in force on the transfer's date whose `beneficiary` is,
//! after [`normalize_party_name`], the name of a party to the transfer silences the
//! finding. An exemption **without** a beneficiary (e.g. "non-lethal equipment for
//! humanitarian use, approved in advance by the Committee") cannot be checked against the
//! records, so it does not silence the finding: conservatively the finding is made and the
//! explanation names the exemption for the reviewer. Exemptions in force whose beneficiary
//! does not match are named too.
//!
//! Key: `{embargo source_ref}/{record source_ref}`. One finding per embargo and transfer;
//! for a licence the explanation lists the lines covered.

use std::collections::BTreeSet;

use jiff::civil::Date;

use crate::check::{Dataset, Evidence, Finding, Rec, Rule, Severity, finding};
use crate::model::{
    Authorization, CountryRole, CustomsDeclaration, CustomsProcedure, DeclarationStatus, Direction,
    Embargo, EmbargoScope, Party, PartyRole, normalize_party_name,
};

pub struct EmbargoRule;

/// What one transfer looks like to the embargo screen.
struct Transfer<'a> {
    date: Date,
    /// Countries the goods go to.
    to: BTreeSet<String>,
    /// Countries the goods come from.
    from: BTreeSet<String>,
    /// Parties receiving (supply side) and supplying (procurement side).
    recipients: Vec<&'a Party>,
    suppliers: Vec<&'a Party>,
    all_parties: &'a [Party],
    /// Each goods line: a label for explanations and its control entry.
    goods: Vec<(String, Option<&'a str>)>,
    evidence: Evidence,
    what: String,
}

/// A party an embargo on supply reaches: whoever receives the goods, and a broker, who
/// arranges the supply.
fn is_recipient(role: PartyRole) -> bool {
    role.receives_goods() || role == PartyRole::Broker
}

fn is_supplier(role: PartyRole) -> bool {
    matches!(
        role,
        PartyRole::Exporter | PartyRole::Manufacturer | PartyRole::Broker
    )
}

fn declaration_transfer(rec: &Rec<CustomsDeclaration>) -> Option<Transfer<'_>> {
    let d = &rec.body;
    if d.status == Some(DeclarationStatus::Invalidated) {
        return None;
    }
    let mut to = BTreeSet::new();
    let mut from = BTreeSet::new();
    let (mut recipients, mut suppliers) = (Vec::new(), Vec::new());
    match d.procedure {
        CustomsProcedure::Export | CustomsProcedure::ReExport | CustomsProcedure::Transit => {
            to.extend(d.country_of_destination.clone());
            for party in d.parties.iter().filter(|p| is_recipient(p.role)) {
                to.extend(party.country.clone());
                recipients.push(party);
            }
        }
        CustomsProcedure::Import => {
            from.extend(d.country_of_dispatch.clone());
            from.extend(d.country_of_origin.clone());
            for party in d.parties.iter().filter(|p| is_supplier(p.role)) {
                from.extend(party.country.clone());
                suppliers.push(party);
            }
        }
    }
    Some(Transfer {
        date: d.date,
        to,
        from,
        recipients,
        suppliers,
        all_parties: &d.parties,
        goods: vec![(
            format!("item {} ({})", d.item_no, d.description),
            d.control_entry.as_deref(),
        )],
        evidence: rec.meta.evidence("declaration"),
        what: format!(
            "Customs declaration {} item {} ({}, {})",
            d.declaration_ref,
            d.item_no,
            match d.procedure {
                CustomsProcedure::Export => "export",
                CustomsProcedure::ReExport => "re-export",
                CustomsProcedure::Transit => "transit",
                CustomsProcedure::Import => "import",
            },
            rec.meta.location()
        ),
    })
}

fn licence_transfer(rec: &Rec<Authorization>) -> Option<Transfer<'_>> {
    let l = &rec.body;
    if !l.status.was_issued() {
        return None;
    }
    let date = l.issue_date.or(l.valid_from)?;
    let countries = |role: CountryRole| -> BTreeSet<String> {
        let mut set: BTreeSet<String> = l
            .countries_in_role(role, false)
            .map(str::to_owned)
            .collect();
        for group in l
            .country_groups
            .iter()
            .filter(|g| g.role == role && !g.prohibited)
        {
            set.extend(group.countries.iter().cloned());
        }
        set
    };
    let outward = matches!(
        l.direction,
        Direction::Export | Direction::Transit | Direction::Transshipment | Direction::Brokering
    );
    let inward = matches!(l.direction, Direction::Import | Direction::Brokering);
    let mut to = BTreeSet::new();
    let mut from = BTreeSet::new();
    let (mut recipients, mut suppliers) = (Vec::new(), Vec::new());
    if outward {
        to = countries(CountryRole::Destination);
        for party in l.parties.iter().filter(|p| is_recipient(p.role)) {
            to.extend(party.country.clone());
            recipients.push(party);
        }
    }
    if inward {
        from = countries(CountryRole::Origin);
        for party in l.parties.iter().filter(|p| is_supplier(p.role)) {
            from.extend(party.country.clone());
            suppliers.push(party);
        }
    }
    Some(Transfer {
        date,
        to,
        from,
        recipients,
        suppliers,
        all_parties: &l.parties,
        goods: l
            .lines
            .iter()
            .map(|line| {
                (
                    format!("line {} ({})", line.line_no, line.description),
                    line.control_entry.as_deref(),
                )
            })
            .collect(),
        evidence: rec.meta.evidence("licence"),
        what: format!(
            "Licence {} ({}, issued {date}, {})",
            l.reference,
            l.status.as_str(),
            rec.meta.location()
        ),
    })
}

/// A party role as the records spell it (`end_user` → `end user`).
fn role_name(role: PartyRole) -> String {
    serde_json::to_string(&role)
        .unwrap_or_default()
        .trim_matches('"')
        .replace('_', " ")
}

fn same_entity(target: &Party, party: &Party) -> bool {
    let name = normalize_party_name(&target.name);
    !name.is_empty()
        && name == normalize_party_name(&party.name)
        && match (&target.country, &party.country) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
}

/// Whether the goods with `entry` are covered by `embargo` on `date`, and why.
fn covers(data: &Dataset, embargo: &Embargo, entry: Option<&str>, date: Date) -> Option<String> {
    match embargo.scope {
        EmbargoScope::AllArms => Some("all arms".to_owned()),
        EmbargoScope::Listed => {
            let entry = entry?;
            let list = data.lists.in_force_on(date)?;
            let control = list.entry(entry)?;
            if let Some(listed) = embargo
                .control_entries
                .iter()
                .find(|listed| *listed == entry || list.is_ancestor(listed, entry))
            {
                return Some(format!("control entry {entry} under listed {listed}"));
            }
            embargo
                .att_scopes
                .iter()
                .find(|code| {
                    code.parse::<crate::control_list::AttScope>()
                        .is_ok_and(|scope| control.att.is_within(&scope))
                })
                .map(|code| {
                    format!(
                        "control entry {entry} is ATT {} (list {} {}), within listed {code}",
                        control.att, list.name, list.version
                    )
                })
        }
    }
}

impl EmbargoRule {
    fn screen(&self, data: &Dataset, rec_embargo: &Rec<Embargo>, t: &Transfer) -> Option<Finding> {
        let embargo = &rec_embargo.body;
        if !embargo.in_force_on(t.date) {
            return None;
        }
        let mut reasons = Vec::new();
        if embargo.direction.bars_supply() {
            if let Some(target) = embargo
                .target_country
                .as_ref()
                .filter(|c| t.to.contains(*c))
            {
                reasons.push(format!("goes to {target}, a State under the embargo"));
            }
            for target in &embargo.target_entities {
                if let Some(party) = t.recipients.iter().find(|p| same_entity(target, p)) {
                    reasons.push(format!(
                        "the {} {} is the embargoed entity {}",
                        role_name(party.role),
                        party.name,
                        target.name
                    ));
                }
            }
        }
        if embargo.direction.bars_procurement() {
            if let Some(target) = embargo
                .target_country
                .as_ref()
                .filter(|c| t.from.contains(*c))
            {
                reasons.push(format!(
                    "comes from {target}, a State under a procurement embargo"
                ));
            }
            for target in &embargo.target_entities {
                if let Some(party) = t.suppliers.iter().find(|p| same_entity(target, p)) {
                    reasons.push(format!(
                        "the {} {} is the embargoed entity {} (procurement embargo)",
                        role_name(party.role),
                        party.name,
                        target.name
                    ));
                }
            }
        }
        if reasons.is_empty() {
            return None;
        }
        let covered: Vec<String> = t
            .goods
            .iter()
            .filter_map(|(label, entry)| {
                covers(data, embargo, *entry, t.date).map(|why| format!("{label}: {why}"))
            })
            .collect();
        if covered.is_empty() {
            return None;
        }
        let party_names: BTreeSet<String> = t
            .all_parties
            .iter()
            .map(|p| normalize_party_name(&p.name))
            .collect();
        let in_force: Vec<_> = embargo
            .exemptions
            .iter()
            .filter(|e| e.in_force_on(t.date))
            .collect();
        if in_force.iter().any(|e| {
            e.beneficiary
                .as_deref()
                .is_some_and(|b| party_names.contains(&normalize_party_name(b)))
        }) {
            return None;
        }
        let mut explanation = format!(
            "{} {} on {}, while {} ({}, in force from {}{}) was in force. Goods covered: {}.",
            t.what,
            reasons.join("; "),
            t.date,
            embargo.instrument,
            rec_embargo.meta.source_ref,
            embargo.start,
            embargo
                .end
                .map_or(String::new(), |end| format!(" to {end}")),
            covered.join("; ")
        );
        for exemption in in_force {
            let instrument = exemption
                .instrument
                .as_deref()
                .map_or(String::new(), |i| format!(" ({i})"));
            match &exemption.beneficiary {
                None => explanation.push_str(&format!(
                    " An exemption without a named beneficiary{instrument} may apply and cannot be checked against the records, so it does not clear the transfer: \"{}\".",
                    exemption.description
                )),
                Some(b) => explanation.push_str(&format!(
                    " An exemption for {b}{instrument} is in force, but no party to the transfer is {b}."
                )),
            }
        }
        let key = format!("{}/{}", rec_embargo.meta.source_ref, t.evidence.source_ref);
        Some(finding(
            self,
            key,
            explanation,
            Some(t.date),
            vec![t.evidence.clone(), rec_embargo.meta.evidence("embargo")],
        ))
    }
}

impl Rule for EmbargoRule {
    fn id(&self) -> &'static str {
        "embargo"
    }

    fn title(&self) -> &'static str {
        "A transfer to (or from) a State or entity under an arms embargo in force"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 6(1)"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let transfers: Vec<Transfer> = data
            .declarations
            .iter()
            .filter_map(declaration_transfer)
            .chain(data.licences.iter().filter_map(licence_transfer))
            .collect();
        let mut found = Vec::new();
        for embargo in &data.embargoes {
            for transfer in &transfers {
                found.extend(self.screen(data, embargo, transfer));
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rules::testing::{control_lists, dataset, findings};
    use crate::model::Draft;
    use crate::validate::Validator;

    const LY: &str = r#"{"agency":"licensing","source_ref":"UNSCR-1970/LY","record":{"kind":"embargo","authority":"un_security_council","instrument":"UNSCR 1970 (2011)","target_country":"LY","direction":"both","scope":"all_arms","start":"2011-02-26","exemptions":[{"description":"Non-lethal military equipment for humanitarian or protective use, approved in advance by the Committee","instrument":"UNSCR 1970 (2011)"}]}}"#;

    const CF: &str = r#"{"agency":"licensing","source_ref":"UNSCR-2127/CF","record":{"kind":"embargo","authority":"un_security_council","instrument":"UNSCR 2127 (2013)","target_country":"CF","direction":"supply","scope":"all_arms","start":"2013-12-05","exemptions":[{"description":"Arms for the Government's security forces","beneficiary":"Government of the Central African Republic","from":"2024-07-30","instrument":"UNSCR 2745 (2024)"}]}}"#;

    const SHABAAB: &str = r#"{"agency":"licensing","source_ref":"UNSCR-2713/al-Shabaab","record":{"kind":"embargo","authority":"un_security_council","instrument":"UNSCR 2713 (2023)","target_entities":[{"role":"other","name":"Al-Shabaab"}],"direction":"supply","scope":"all_arms","start":"2023-12-01"}}"#;

    const LISTED: &str = r#"{"agency":"licensing","source_ref":"NAT-1/XX","record":{"kind":"embargo","authority":"national","instrument":"National order 1","target_country":"VE","direction":"supply","scope":"listed","att_scopes":["VIII.SA"],"control_entries":["ML4"],"start":"2026-01-01"}}"#;

    const KP_FUTURE: &str = r#"{"agency":"licensing","source_ref":"TEST/IR","record":{"kind":"embargo","authority":"national","instrument":"Future order","target_country":"IR","direction":"procurement","scope":"all_arms","start":"2026-09-01"}}"#;

    fn declaration(
        reference: &str,
        procedure: &str,
        country_field: &str,
        country: &str,
        entry: &str,
        parties: &str,
    ) -> String {
        format!(
            r#"{{"agency":"customs","source_ref":"{reference}/1","record":{{"kind":"customs_declaration","declaration_ref":"{reference}","item_no":1,"procedure":"{procedure}","date":"2026-03-01","{country_field}":"{country}","control_entry":"{entry}","description":"goods","parties":[{parties}]}}}}"#
        )
    }

    fn licence(reference: &str, destination: &str, end_user: &str, entry: &str) -> String {
        format!(
            r#"{{"agency":"licensing","source_ref":"{reference}","record":{{"kind":"authorization","reference":"{reference}","direction":"export","status":"issued","issuing_authority":"ECJU","issue_date":"2026-02-01","valid_from":"2026-02-01","valid_until":"2027-02-01","parties":[{{"role":"end_user","name":"{end_user}","country":"{destination}"}}],"countries":[{{"country":"{destination}","role":"destination"}}],"lines":[{{"line_no":1,"description":"Rifles","control_entry":"{entry}","quantity":{{"amount":"10","unit":"NAR"}}}}]}}}}"#
        )
    }

    #[test]
    fn an_export_to_an_embargoed_state_is_found_and_an_exemption_without_beneficiary_is_named() {
        let d = declaration(
            "DEC-1",
            "export",
            "country_of_destination",
            "LY",
            "ML1.a.2",
            "",
        );
        let found = findings(&EmbargoRule, &[LY, &d]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "UNSCR-1970/LY/DEC-1/1");
        assert!(
            found[0].explanation.contains("goes to LY"),
            "{}",
            found[0].explanation
        );
        assert!(
            found[0].explanation.contains("without a named beneficiary"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn procurement_from_an_embargoed_state_is_found_but_not_before_the_embargo_starts() {
        let import = declaration(
            "DEC-2",
            "import",
            "country_of_dispatch",
            "LY",
            "ML1.a.2",
            "",
        );
        assert_eq!(findings(&EmbargoRule, &[LY, &import]).len(), 1);
        // An IR procurement embargo starting in September does not cover a March import.
        let early = declaration(
            "DEC-3",
            "import",
            "country_of_dispatch",
            "IR",
            "ML1.a.2",
            "",
        );
        assert!(findings(&EmbargoRule, &[KP_FUTURE, &early]).is_empty());
        // A supply-only embargo does not bar imports from CF.
        let from_cf = declaration(
            "DEC-4",
            "import",
            "country_of_dispatch",
            "CF",
            "ML1.a.2",
            "",
        );
        assert!(findings(&EmbargoRule, &[CF, &from_cf]).is_empty());
    }

    #[test]
    fn an_exemption_whose_beneficiary_is_a_party_clears_the_licence() {
        let government = licence(
            "LIC-1",
            "CF",
            "Government of the Central African Republic",
            "ML1.a.2",
        );
        assert!(findings(&EmbargoRule, &[CF, &government]).is_empty());
        let militia = licence("LIC-2", "CF", "Some Armed Group", "ML1.a.2");
        let found = findings(&EmbargoRule, &[CF, &militia]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "UNSCR-2127/CF/LIC-2");
        assert!(
            found[0].explanation.contains("no party to the transfer"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn a_named_entity_is_matched_after_normalization_wherever_it_is() {
        let d = declaration(
            "DEC-5",
            "export",
            "country_of_destination",
            "KE",
            "ML1.a.2",
            r#"{"role":"consignee","name":"AL SHABAAB","country":"SO"}"#,
        );
        let found = findings(&EmbargoRule, &[SHABAAB, &d]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].explanation.contains("embargoed entity"),
            "{}",
            found[0].explanation
        );
        let other = declaration(
            "DEC-6",
            "export",
            "country_of_destination",
            "KE",
            "ML1.a.2",
            r#"{"role":"consignee","name":"Shabaab Trading","country":"KE"}"#,
        );
        assert!(findings(&EmbargoRule, &[SHABAAB, &other]).is_empty());
    }

    #[test]
    fn a_listed_embargo_covers_only_its_goods_by_the_list_in_force() {
        let rifles = licence("LIC-3", "VE", "Guardia", "ML1.a.2");
        let missiles = licence("LIC-4", "VE", "Guardia", "ML4.a");
        let ammunition = licence("LIC-5", "VE", "Guardia", "ML3.a");
        let found = findings(&EmbargoRule, &[LISTED, &rifles, &missiles, &ammunition]);
        let keys: Vec<&str> = found.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["NAT-1/XX/LIC-3", "NAT-1/XX/LIC-4"], "{found:?}");
    }

    #[test]
    fn an_embargo_that_ended_or_a_licence_never_issued_is_not_found() {
        let ended = r#"{"agency":"licensing","source_ref":"UNSCR-733/SO","record":{"kind":"embargo","authority":"un_security_council","instrument":"UNSCR 733 (1992)","target_country":"SO","direction":"supply","scope":"all_arms","start":"1992-01-23","end":"2023-12-01"}}"#;
        let to_so = licence("LIC-6", "SO", "Somali National Army", "ML1.a.2");
        assert!(findings(&EmbargoRule, &[ended, &to_so]).is_empty());
        let applied = licence("LIC-7", "LY", "Someone", "ML1.a.2")
            .replace(r#""status":"issued""#, r#""status":"applied""#);
        assert!(findings(&EmbargoRule, &[LY, &applied]).is_empty());
    }

    /// Every line of the curated UN reference set parses and validates.
    #[test]
    fn the_curated_un_embargoes_parse_and_validate() {
        let text = include_str!("../../../../../fixtures/embargoes/un-arms-embargoes.jsonl");
        let lists = control_lists();
        let validator = Validator::new(&lists);
        let mut count = 0;
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let draft: Draft =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", index + 1));
            assert!(
                matches!(draft.record, crate::model::Body::Embargo(_)),
                "line {} is not an embargo",
                index + 1
            );
            assert_eq!(draft.agency, "licensing", "line {}", index + 1);
            let problems = validator.check(&draft);
            assert!(problems.is_empty(), "line {}: {problems:?}", index + 1);
            count += 1;
        }
        assert!(count >= 13, "{count} embargoes");
        // And they screen: nothing in a clean dataset, LY found.
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut with_transfer = lines.clone();
        let to_ly = declaration(
            "DEC-9",
            "export",
            "country_of_destination",
            "LY",
            "ML1.a.2",
            "",
        );
        with_transfer.push(&to_ly);
        let found = EmbargoRule.check(&dataset(&with_transfer));
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
