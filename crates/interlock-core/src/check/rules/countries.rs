//! `country-not-allowed`: goods declared under a licence went to, came from or passed
//! through a country the licence does not allow (ATT Art. 6 and 7: the export assessment
//! is made for a destination and end user; Art. 11: a transfer to another destination is a
//! diversion risk).
//!
//! # Semantics
//!
//! For every declaration item that is not invalidated, and every licence it cites (its
//! attached documents, and licences written off against for it in `licence_usage`) that
//! the store holds and whose direction matches the procedure (export and re-export: export
//! licences; import: import licences; transit: transit or transshipment licences). A cited
//! licence the store has never seen is `unknown-licence`'s finding, and a licence of the
//! wrong direction is `unlicensed-goods`'s; this rule skips both.
//!
//! A licence's **allowed destinations** are its countries with role `destination` that are
//! not prohibited, and the listed members of its allowed destination groups. Prohibited
//! countries (and listed members of prohibited groups) are checked by role. The item fires
//! when, for exports, re-exports and transits:
//!
//! - its `country_of_destination` is a prohibited destination, or is not an allowed
//!   destination while the licence names allowed destinations;
//! - a consignee, end user or ultimate end user on the declaration has a country that is a
//!   prohibited destination or not an allowed one (parties without a country are not
//!   checked);
//!
//! and, for every procedure:
//!
//! - its `country_of_origin` is a prohibited origin, or its `country_of_dispatch` is a
//!   prohibited origin or a prohibited en-route country (the dispatch country is the last
//!   country the goods came through before this State).
//!
//! An allowed destination group **without listed members** cannot be checked: a destination
//! outside the listed countries may be one of its members. Such a destination is then not
//! reported; when the item fires for another reason, the explanation says which groups
//! could not be checked. A licence naming no allowed destination at all is not checked for
//! destinations either. An allowed en-route country never fires. Imports are not checked
//! against the licence's destinations (the destination is this State) nor against allowed
//! origins (only prohibited ones).
//!
//! One finding per item and licence, listing every problem. Key:
//! `{declaration_ref}/{item_no}/{licence}`.

use crate::check::{Dataset, Finding, Rule, Severity, finding};
use crate::model::{Authorization, CountryRole, CustomsDeclaration, CustomsProcedure, PartyRole};

use super::unlicensed::{cited_licences, covering_directions, describe_item, grants, moved};

/// Declaration items whose countries the licence they cite does not allow.
#[derive(Clone, Copy, Debug, Default)]
pub struct CountryNotAllowed;

impl Rule for CountryNotAllowed {
    fn id(&self) -> &'static str {
        "country-not-allowed"
    }

    fn title(&self) -> &'static str {
        "destination, consignee, origin or route country not allowed by the licence cited"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 6, 7, 11"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let mut found = Vec::new();
        for decl in &data.declarations {
            let item = &decl.body;
            if !moved(item) {
                continue;
            }
            let directions = covering_directions(item.procedure);
            for cited in cited_licences(data, item) {
                let Some(licence) = cited.licence else {
                    continue;
                };
                if !grants(&licence.body, directions) {
                    continue;
                }
                let problems = problems(item, &licence.body);
                if problems.is_empty() {
                    continue;
                }
                let mut explanation = format!(
                    "{} cites licence {}: {}.",
                    describe_item(item),
                    licence.body.reference,
                    problems.join("; ")
                );
                let allowed = allowed_destinations(&licence.body);
                if !allowed.countries.is_empty() && destination_checked(item.procedure) {
                    explanation.push_str(&format!(
                        " The licence allows destinations {}.",
                        allowed.countries.join(", ")
                    ));
                }
                if !allowed.unlisted_groups.is_empty() {
                    explanation.push_str(&format!(
                        " Allowed destination group(s) {} list no members and could not be checked.",
                        allowed.unlisted_groups.join(", ")
                    ));
                }
                found.push(finding(
                    self,
                    format!(
                        "{}/{}/{}",
                        item.declaration_ref, item.item_no, licence.body.reference
                    ),
                    explanation,
                    Some(item.date),
                    vec![
                        decl.meta.evidence("declaration"),
                        licence.meta.evidence("licence"),
                    ],
                ));
            }
        }
        found
    }
}

fn destination_checked(procedure: CustomsProcedure) -> bool {
    procedure != CustomsProcedure::Import
}

/// The licence's allowed destinations: listed countries (own and group members) and the
/// names of allowed groups whose members are not listed.
struct Allowed {
    countries: Vec<String>,
    unlisted_groups: Vec<String>,
}

fn allowed_destinations(licence: &Authorization) -> Allowed {
    let mut countries: Vec<String> = licence
        .countries_in_role(CountryRole::Destination, false)
        .map(str::to_owned)
        .collect();
    let mut unlisted_groups = Vec::new();
    for group in licence
        .country_groups
        .iter()
        .filter(|g| g.role == CountryRole::Destination && !g.prohibited)
    {
        if group.countries.is_empty() {
            unlisted_groups.push(group.name.clone());
        } else {
            countries.extend(group.countries.iter().cloned());
        }
    }
    countries.sort();
    countries.dedup();
    Allowed {
        countries,
        unlisted_groups,
    }
}

/// Why `country` is prohibited in `role` by the licence: the country itself or a group.
fn prohibited(licence: &Authorization, role: CountryRole, country: &str) -> Option<String> {
    if licence
        .countries_in_role(role, true)
        .any(|c| c.eq_ignore_ascii_case(country))
    {
        return Some("prohibited by the licence".to_owned());
    }
    licence
        .country_groups
        .iter()
        .find(|g| {
            g.role == role
                && g.prohibited
                && g.countries.iter().any(|c| c.eq_ignore_ascii_case(country))
        })
        .map(|g| format!("prohibited by the licence as a member of group {}", g.name))
}

/// What is wrong with `country` as a destination under `licence`, if anything.
fn destination_problem(
    licence: &Authorization,
    allowed: &Allowed,
    country: &str,
) -> Option<String> {
    if let Some(why) = prohibited(licence, CountryRole::Destination, country) {
        return Some(why);
    }
    let named = !allowed.countries.is_empty() || !allowed.unlisted_groups.is_empty();
    let listed = allowed
        .countries
        .iter()
        .any(|c| c.eq_ignore_ascii_case(country));
    (named && !listed && allowed.unlisted_groups.is_empty())
        .then(|| "not among the licence's destinations".to_owned())
}

/// Every problem of `item`'s countries under `licence`, in words.
fn problems(item: &CustomsDeclaration, licence: &Authorization) -> Vec<String> {
    let mut out = Vec::new();
    if destination_checked(item.procedure) {
        let allowed = allowed_destinations(licence);
        if let Some(country) = &item.country_of_destination
            && let Some(why) = destination_problem(licence, &allowed, country)
        {
            out.push(format!("destination {country} is {why}"));
        }
        for party in item.parties.iter().filter(|p| {
            matches!(
                p.role,
                PartyRole::Consignee | PartyRole::EndUser | PartyRole::UltimateEndUser
            )
        }) {
            let Some(country) = &party.country else {
                continue;
            };
            if let Some(why) = destination_problem(licence, &allowed, country) {
                let role = match party.role {
                    PartyRole::Consignee => "consignee",
                    PartyRole::EndUser => "end user",
                    _ => "ultimate end user",
                };
                out.push(format!("{role} {} in {country}: {why}", party.name));
            }
        }
    }
    if let Some(country) = &item.country_of_origin
        && let Some(why) = prohibited(licence, CountryRole::Origin, country)
    {
        out.push(format!("origin {country} is {why}"));
    }
    if let Some(country) = &item.country_of_dispatch
        && let Some(why) = prohibited(licence, CountryRole::Origin, country)
            .or_else(|| prohibited(licence, CountryRole::EnRoute, country))
    {
        out.push(format!("dispatch country {country} is {why}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rules::testing::findings;

    /// An export licence to CL with `countries` and `groups` JSON spliced in.
    fn licence(countries: &str, groups: &str) -> String {
        format!(
            r#"{{"agency":"licensing","source_ref":"GB/6","record":{{"kind":"authorization","reference":"GB/6","direction":"export","status":"issued","issuing_authority":"ECJU","issue_date":"2026-05-05","valid_from":"2026-05-05","valid_until":"2027-05-05","parties":[{{"role":"end_user","name":"Ejercito de Chile","country":"CL"}}],"countries":[{countries}],"country_groups":[{groups}],"lines":[{{"line_no":1,"description":"Rifles","control_entry":"ML1.a.2","quantity":{{"amount":"40","unit":"NAR"}}}}]}}}}"#
        )
    }

    fn declaration(reference: &str, destination: &str, extra: &str) -> String {
        format!(
            r#"{{"agency":"customs","source_ref":"{reference}/1","record":{{"kind":"customs_declaration","declaration_ref":"{reference}","item_no":1,"procedure":"export","date":"2026-08-18","country_of_destination":"{destination}","country_of_dispatch":"GB","hs_code":"93019000","description":"Bolt-action rifles","attached_documents":[{{"code":"LIC","authorization_ref":"GB/6","line_no":1}}]{extra}}}}}"#
        )
    }

    const CL_ONLY: &str = r#"{"country":"CL","role":"destination"}"#;

    #[test]
    fn destination_not_on_licence_fires() {
        let lic = licence(CL_ONLY, "");
        let decl = declaration("D3", "PE", "");
        let found = findings(&CountryNotAllowed, &[&lic, &decl]);
        assert_eq!(found.len(), 1, "{found:#?}");
        let f = &found[0];
        assert_eq!(f.key, "D3/1/GB/6");
        assert_eq!(f.severity, Severity::High);
        assert!(
            f.explanation.contains("destination PE is not among"),
            "{}",
            f.explanation
        );
        assert!(
            f.explanation.contains("allows destinations CL"),
            "{}",
            f.explanation
        );
        let roles: Vec<_> = f.evidence.iter().map(|e| e.role.as_str()).collect();
        assert_eq!(roles, ["declaration", "licence"]);
    }

    #[test]
    fn prohibited_destination_origin_and_route_fire() {
        let lic = licence(
            r#"{"country":"BR","role":"destination"},{"country":"VE","role":"destination","prohibited":true},{"country":"BY","role":"origin","prohibited":true},{"country":"RU","role":"en_route","prohibited":true}"#,
            r#"{"name":"G-BAD","role":"destination","prohibited":true,"countries":["KP","IR"]}"#,
        );
        let to_ve = declaration("D1", "VE", "");
        let to_ir = declaration("D2", "IR", "");
        let from_by = declaration("D3", "BR", r#","country_of_origin":"BY""#);
        let via_ru = declaration("D4", "BR", "").replace(
            r#""country_of_dispatch":"GB""#,
            r#""country_of_dispatch":"RU""#,
        );
        let found = findings(
            &CountryNotAllowed,
            &[&lic, &to_ve, &to_ir, &from_by, &via_ru],
        );
        let mut keys: Vec<_> = found.iter().map(|f| f.key.as_str()).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["D1/1/GB/6", "D2/1/GB/6", "D3/1/GB/6", "D4/1/GB/6"],
            "{found:#?}"
        );
        let text = |key: &str| {
            found
                .iter()
                .find(|f| f.key == key)
                .map(|f| f.explanation.clone())
                .unwrap_or_default()
        };
        assert!(text("D1/1/GB/6").contains("destination VE is prohibited"));
        assert!(text("D2/1/GB/6").contains("member of group G-BAD"));
        assert!(text("D3/1/GB/6").contains("origin BY is prohibited"));
        assert!(text("D4/1/GB/6").contains("dispatch country RU is prohibited"));
    }

    #[test]
    fn consignee_country_not_allowed_fires() {
        let lic = licence(CL_ONLY, "");
        let decl = declaration(
            "D5",
            "CL",
            r#","parties":[{"role":"consignee","name":"Servicios Tacticos Andinos","country":"PE"},{"role":"exporter","name":"Albion","country":"GB"}]"#,
        );
        let found = findings(&CountryNotAllowed, &[&lic, &decl]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0]
                .explanation
                .contains("consignee Servicios Tacticos Andinos in PE"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn unlisted_group_is_said_not_fired() {
        // Destination PE could be in G012: not reported...
        let lic = licence(CL_ONLY, r#"{"name":"G012","role":"destination"}"#);
        let decl = declaration("D6", "PE", "");
        assert!(findings(&CountryNotAllowed, &[&lic, &decl]).is_empty());
        // ...but when the item fires for another reason, the explanation says so.
        let lic = licence(
            r#"{"country":"CL","role":"destination"},{"country":"BY","role":"origin","prohibited":true}"#,
            r#"{"name":"G012","role":"destination"}"#,
        );
        let decl = declaration("D7", "PE", r#","country_of_origin":"BY""#);
        let found = findings(&CountryNotAllowed, &[&lic, &decl]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].explanation.contains("G012 list no members"),
            "{}",
            found[0].explanation
        );
        assert!(
            !found[0].explanation.contains("destination PE"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn near_misses_do_not_fire() {
        let lic = licence(
            r#"{"country":"CL","role":"destination"},{"country":"PA","role":"en_route"}"#,
            r#"{"name":"NATO-EU","role":"destination","countries":["DE","NL"]}"#,
        );
        // An allowed destination, with a consignee there and a party without a country.
        let ok = declaration(
            "N1",
            "CL",
            r#","parties":[{"role":"consignee","name":"Ejercito de Chile","country":"CL"},{"role":"end_user","name":"Somebody"}]"#,
        );
        // Dispatched through an allowed en-route country.
        let via_pa = declaration("N2", "CL", "").replace(
            r#""country_of_dispatch":"GB""#,
            r#""country_of_dispatch":"PA""#,
        );
        // A destination inside an allowed group whose members are listed.
        let in_group = declaration("N3", "NL", "");
        // Invalidated: nothing moved.
        let invalidated = declaration("N4", "PE", r#","status":"invalidated""#);
        // Cites a licence the store does not hold (another rule's finding).
        let unknown = declaration("N5", "PE", "").replace("GB/6", "GB/UNKNOWN");
        // Cites an import licence for an export (`unlicensed-goods`' finding).
        let import_licence = r#"{"agency":"licensing","source_ref":"GB/IMP","record":{"kind":"authorization","reference":"GB/IMP","direction":"import","status":"issued","issuing_authority":"ECJU","issue_date":"2026-02-01","countries":[{"country":"AT","role":"origin"}],"lines":[{"line_no":1,"description":"Pistols","quantity":{"amount":"10","unit":"NAR"}}]}}"#;
        let wrong_direction = declaration("N6", "PE", "").replace("GB/6", "GB/IMP");
        // An import from the allowed origin under the import licence.
        let import = declaration("N7", "GB", r#","country_of_origin":"AT""#)
            .replace("GB/6", "GB/IMP")
            .replace(r#""procedure":"export""#, r#""procedure":"import""#)
            .replace(
                r#""country_of_dispatch":"GB""#,
                r#""country_of_dispatch":"AT""#,
            );
        let found = findings(
            &CountryNotAllowed,
            &[
                &lic,
                import_licence,
                &ok,
                &via_pa,
                &in_group,
                &invalidated,
                &unknown,
                &wrong_direction,
                &import,
            ],
        );
        assert!(found.is_empty(), "{found:#?}");
    }
}
