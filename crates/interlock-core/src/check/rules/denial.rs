//! Denial screening: `denied-party` and `denial-undercut` (ATT Art. 7 export assessment and
//! Art. 11 diversion risk; the EU Common Position's and the Wassenaar Arrangement's denial
//! notifications and consultations).
//!
//! **`denied-party`** — as LITE screens every application against denials: a licence that
//! is applied for or was issued (any status that only exists once granted; a *refused*
//! application is not reported, the refusal being the screening's outcome), on its date
//! (issue date, else application date), names a party that matches a denial in force on
//! that date ([`Denial::in_force_on`]: issued by then, not expired, not revoked). Ours or a
//! partner's denial alike. Export, re-export and transit declaration items that are not
//! invalidated are screened the same way on their date, since goods can leave without a
//! licence (the shipment is then the only record of the party).
//!
//! **`denial-undercut`** — a licence was granted (issued) for essentially what another State
//! denied: a denial by a State other than ours (see [`own_country`]), in force on the
//! licence's issue date, names the licence's consignee, end user or ultimate end user, and
//! the goods overlap: some licence line's control entry equals, is under or is above one of
//! the denial's control entries in the control list in force on the licence's date. When
//! either side gives no control entry, the goods are taken to overlap (and the explanation
//! says so). **Consultations are not yet recorded** in the model, so every such grant is
//! reported as an undercut; the explanation says that a consultation with the denying State
//! may have taken place.
//!
//! **Party match** names are compared after [`normalize_party_name`]. Countries: the
//! denied entity's country (else the denial's destination) must be the party's country
//! (else one of the licence's allowed destination countries, or the declaration's
//! destination). When one side gives no country at all the name alone decides and the
//! explanation says so. Parties screened: every party but the exporter, declarant and
//! carrier (our own side of the transfer).
//!
//! Key for both rules: `{licence or declaration source_ref}/{denial source_ref}`.

use std::collections::BTreeSet;

use jiff::civil::Date;

use super::mirror::own_country;
use crate::check::{Dataset, Evidence, Finding, Rec, Rule, Severity, finding};
use crate::model::{
    AuthorizationStatus, CountryRole, CustomsProcedure, DeclarationStatus, Denial, Party,
    PartyRole, normalize_party_name,
};

pub struct DeniedParty;
pub struct DenialUndercut;

/// A transfer screened against denials.
struct Screened<'a> {
    source_ref: &'a str,
    what: String,
    date: Date,
    parties: &'a [Party],
    /// Destination countries, for parties without a country.
    destinations: BTreeSet<String>,
    /// Control entries of the goods.
    entries: Vec<&'a str>,
    evidence: Evidence,
    /// A licence granted (for the undercut rule).
    granted: bool,
}

fn screened_party(role: PartyRole) -> bool {
    !matches!(
        role,
        PartyRole::Exporter | PartyRole::Declarant | PartyRole::Carrier
    )
}

fn role_name(role: PartyRole) -> String {
    serde_json::to_string(&role)
        .unwrap_or_default()
        .trim_matches('"')
        .replace('_', " ")
}

fn transfers(data: &Dataset) -> Vec<Screened<'_>> {
    let mut out = Vec::new();
    for licence in &data.licences {
        let l = &licence.body;
        let screened = l.status == AuthorizationStatus::Applied || l.status.was_issued();
        let Some(date) = l.issue_date.or(l.application_date) else {
            continue;
        };
        if !screened {
            continue;
        }
        let mut destinations: BTreeSet<String> = l
            .countries_in_role(CountryRole::Destination, false)
            .map(str::to_owned)
            .collect();
        for group in l
            .country_groups
            .iter()
            .filter(|g| g.role == CountryRole::Destination && !g.prohibited)
        {
            destinations.extend(group.countries.iter().cloned());
        }
        out.push(Screened {
            source_ref: &licence.meta.source_ref,
            what: format!(
                "Licence {} ({}, {} {date}, {})",
                l.reference,
                l.status.as_str(),
                if l.status.was_issued() && l.issue_date.is_some() {
                    "issued"
                } else {
                    "applied for"
                },
                licence.meta.location()
            ),
            date,
            parties: &l.parties,
            destinations,
            entries: l
                .lines
                .iter()
                .filter_map(|line| line.control_entry.as_deref())
                .collect(),
            evidence: licence.meta.evidence("licence"),
            granted: l.status.was_issued() && l.issue_date.is_some(),
        });
    }
    for declaration in &data.declarations {
        let d = &declaration.body;
        let outward = matches!(
            d.procedure,
            CustomsProcedure::Export | CustomsProcedure::ReExport | CustomsProcedure::Transit
        );
        if !outward || d.status == Some(DeclarationStatus::Invalidated) {
            continue;
        }
        out.push(Screened {
            source_ref: &declaration.meta.source_ref,
            what: format!(
                "Export declaration {} item {} of {} ({})",
                d.declaration_ref,
                d.item_no,
                d.date,
                declaration.meta.location()
            ),
            date: d.date,
            parties: &d.parties,
            destinations: d.country_of_destination.iter().cloned().collect(),
            entries: d.control_entry.as_deref().into_iter().collect(),
            evidence: declaration.meta.evidence("declaration"),
            granted: false,
        });
    }
    out
}

/// The first party of `t` (with `roles`) matching one of `denial`'s entities, with a note on
/// how the country was decided.
fn matching_party<'a>(
    denial: &'a Denial,
    t: &'a Screened,
    roles: impl Fn(PartyRole) -> bool,
) -> Option<(&'a Party, &'a Party, String)> {
    for entity in &denial.entities {
        let name = normalize_party_name(&entity.name);
        if name.is_empty() {
            continue;
        }
        let denied_country = entity
            .country
            .as_ref()
            .or(denial.destination_country.as_ref());
        for party in t.parties.iter().filter(|p| roles(p.role)) {
            if normalize_party_name(&party.name) != name {
                continue;
            }
            let party_countries: BTreeSet<String> = match &party.country {
                Some(c) => [c.clone()].into(),
                None => t.destinations.clone(),
            };
            let note = match denied_country {
                None => " (the denial gives no country: matched on the name alone)".to_owned(),
                Some(_) if party_countries.is_empty() => {
                    " (the party has no country: matched on the name alone)".to_owned()
                }
                Some(c) if party_countries.contains(c) => format!(" ({c})"),
                Some(_) => continue,
            };
            return Some((party, entity, note));
        }
    }
    None
}

fn denial_summary(rec: &Rec<Denial>) -> String {
    let d = &rec.body;
    format!(
        "denial {} notified by {} on {}{} ({}{})",
        d.reference,
        d.notifying_country,
        d.date,
        d.regime
            .as_deref()
            .map_or(String::new(), |r| format!(" under {r}")),
        d.reason,
        d.expires
            .map_or(String::new(), |e| format!("; applies until {e}"))
    )
}

impl Rule for DeniedParty {
    fn id(&self) -> &'static str {
        "denied-party"
    }

    fn title(&self) -> &'static str {
        "A licence or export names a party on a denial in force"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 7, 11"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let mut found = Vec::new();
        for t in transfers(data) {
            for denial in &data.denials {
                if !denial.body.in_force_on(t.date) {
                    continue;
                }
                let Some((party, entity, note)) = matching_party(&denial.body, &t, screened_party)
                else {
                    continue;
                };
                let explanation = format!(
                    "{}: its {} {}{note} matches {}, denied by {} in {}, which was in force on {}.",
                    t.what,
                    role_name(party.role),
                    party.name,
                    entity.name,
                    denial.body.notifying_country,
                    denial_summary(denial),
                    t.date
                );
                found.push(finding(
                    self,
                    format!("{}/{}", t.source_ref, denial.meta.source_ref),
                    explanation,
                    Some(t.date),
                    vec![t.evidence.clone(), denial.meta.evidence("denial")],
                ));
            }
        }
        found
    }
}

/// Whether the licence's goods overlap the denial's, and how it was decided.
fn goods_overlap(data: &Dataset, denial: &Denial, t: &Screened) -> Option<String> {
    if denial.control_entries.is_empty() || t.entries.is_empty() {
        return Some(
            "goods taken to overlap: the denial or the licence gives no control entry".to_owned(),
        );
    }
    let list = data.lists.in_force_on(t.date);
    for entry in &t.entries {
        for denied in &denial.control_entries {
            let related = entry == denied
                || list
                    .is_some_and(|l| l.is_ancestor(denied, entry) || l.is_ancestor(entry, denied));
            if related {
                return Some(format!("goods overlap: licence {entry}, denial {denied}"));
            }
        }
    }
    None
}

impl Rule for DenialUndercut {
    fn id(&self) -> &'static str {
        "denial-undercut"
    }

    fn title(&self) -> &'static str {
        "A licence granted for what another State denied, with no consultation recorded"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 7, 11"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let own = own_country(data);
        let ours = |d: &Denial| match &own {
            Some(own) => &d.notifying_country == own,
            None => d
                .regime
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case("national")),
        };
        let recipient = |role: PartyRole| {
            matches!(
                role,
                PartyRole::Consignee | PartyRole::EndUser | PartyRole::UltimateEndUser
            )
        };
        let mut found = Vec::new();
        for t in transfers(data).into_iter().filter(|t| t.granted) {
            for denial in &data.denials {
                if ours(&denial.body) || !denial.body.in_force_on(t.date) {
                    continue;
                }
                let Some((party, _, note)) = matching_party(&denial.body, &t, recipient) else {
                    continue;
                };
                let Some(overlap) = goods_overlap(data, &denial.body, &t) else {
                    continue;
                };
                let explanation = format!(
                    "{} was granted to {} {}{note}, whom {} denied in {}; {overlap}. No consultation with {} is recorded (the records do not yet hold consultations), so the grant is reported as undercutting the denial.",
                    t.what,
                    role_name(party.role),
                    party.name,
                    denial.body.notifying_country,
                    denial_summary(denial),
                    denial.body.notifying_country,
                );
                found.push(finding(
                    self,
                    format!("{}/{}", t.source_ref, denial.meta.source_ref),
                    explanation,
                    Some(t.date),
                    vec![t.evidence.clone(), denial.meta.evidence("denial")],
                ));
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rules::testing::findings;

    const DENIAL: &str = r#"{"agency":"licensing","source_ref":"DE-2025-0412","record":{"kind":"denial","reference":"DE-2025-0412","notifying_country":"DE","regime":"EU","date":"2025-11-20","reason":"Criterion 7","criteria":["eucp-7"],"control_entries":["ML1.a.2"],"destination_country":"AE","entities":[{"role":"consignee","name":"Gulf Star Trading FZE","country":"AE"}],"expires":"2028-11-20"}}"#;

    /// Our exporter, so that the reporting State is GB.
    fn licence(
        reference: &str,
        status: &str,
        consignee: &str,
        country: &str,
        entry: &str,
    ) -> String {
        let dates = if status == "applied" {
            r#""application_date":"2026-04-02""#.to_owned()
        } else {
            r#""application_date":"2026-03-02","issue_date":"2026-04-02","valid_from":"2026-04-02","valid_until":"2027-04-02""#.to_owned()
        };
        format!(
            r#"{{"agency":"licensing","source_ref":"{reference}","record":{{"kind":"authorization","reference":"{reference}","direction":"export","status":"{status}","issuing_authority":"ECJU",{dates},"parties":[{{"role":"exporter","name":"Albion Arms Ltd","country":"GB"}},{{"role":"consignee","name":"{consignee}","country":"{country}"}}],"countries":[{{"country":"{country}","role":"destination"}}],"lines":[{{"line_no":1,"description":"Rifles","control_entry":"{entry}","quantity":{{"amount":"25","unit":"NAR"}}}}]}}}}"#
        )
    }

    #[test]
    fn an_application_for_a_denied_consignee_is_found_after_normalization() {
        let applied = licence(
            "APP-1",
            "applied",
            "GULF STAR TRADING F.Z.E.",
            "AE",
            "ML1.a.2",
        );
        let found = findings(&DeniedParty, &[DENIAL, &applied]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "APP-1/DE-2025-0412");
        // An application is not a grant: no undercut.
        assert!(findings(&DenialUndercut, &[DENIAL, &applied]).is_empty());
    }

    #[test]
    fn a_grant_for_what_a_partner_denied_undercuts_it() {
        let issued = licence("LIC-1", "issued", "Gulf Star Trading FZE", "AE", "ML1.a");
        let found = findings(&DenialUndercut, &[DENIAL, &issued]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "LIC-1/DE-2025-0412");
        assert!(
            found[0]
                .explanation
                .contains("do not yet hold consultations"),
            "{}",
            found[0].explanation
        );
        assert_eq!(findings(&DeniedParty, &[DENIAL, &issued]).len(), 1);
        // Different goods: a party hit, but no undercut.
        let ammunition = licence("LIC-2", "issued", "Gulf Star Trading FZE", "AE", "ML3.a");
        assert!(findings(&DenialUndercut, &[DENIAL, &ammunition]).is_empty());
    }

    #[test]
    fn our_own_denial_is_not_undercut_by_us() {
        let ours = DENIAL
            .replace(r#""notifying_country":"DE""#, r#""notifying_country":"GB""#)
            .replace(r#""regime":"EU""#, r#""regime":"national""#);
        let issued = licence("LIC-3", "issued", "Gulf Star Trading FZE", "AE", "ML1.a.2");
        assert!(findings(&DenialUndercut, &[&ours, &issued]).is_empty());
        assert_eq!(findings(&DeniedParty, &[&ours, &issued]).len(), 1);
    }

    #[test]
    fn revoked_expired_or_later_denials_and_other_countries_do_not_match() {
        let issued = licence("LIC-4", "issued", "Gulf Star Trading FZE", "AE", "ML1.a.2");
        let revoked = DENIAL.replace(
            r#""expires":"2028-11-20""#,
            r#""revoked":true,"revoked_on":"2026-01-10""#,
        );
        let expired = DENIAL.replace(r#""expires":"2028-11-20""#, r#""expires":"2026-01-31""#);
        let later = DENIAL.replace(r#""date":"2025-11-20""#, r#""date":"2026-06-01""#);
        for denial in [&revoked, &expired, &later] {
            assert!(
                findings(&DeniedParty, &[denial, &issued]).is_empty(),
                "{denial}"
            );
            assert!(
                findings(&DenialUndercut, &[denial, &issued]).is_empty(),
                "{denial}"
            );
        }
        let elsewhere = licence("LIC-5", "issued", "Gulf Star Trading FZE", "OM", "ML1.a.2");
        assert!(findings(&DeniedParty, &[DENIAL, &elsewhere]).is_empty());
        let refused = licence("LIC-6", "refused", "Gulf Star Trading FZE", "AE", "ML1.a.2");
        assert!(findings(&DeniedParty, &[DENIAL, &refused]).is_empty());
    }

    #[test]
    fn an_export_declaration_to_a_denied_consignee_is_found() {
        let declaration = r#"{"agency":"customs","source_ref":"DVR01 2026 E 1266/1","record":{"kind":"customs_declaration","declaration_ref":"DVR01 2026 E 1266","item_no":1,"procedure":"export","date":"2026-10-06","country_of_destination":"AE","description":"Self-loading rifles","parties":[{"role":"consignee","name":"Gulf Star Trading F.Z.E."}]}}"#;
        let found = findings(&DeniedParty, &[DENIAL, declaration]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "DVR01 2026 E 1266/1/DE-2025-0412");
    }
}
