//! `unlicensed-goods`: controlled goods crossed the border with no authorization covering
//! them (ATT Art. 5(2), 8, 9, 10: each State Party controls exports, imports, transit and
//! brokering through a national control system; a transfer of controlled goods without an
//! authorization escapes it).
//!
//! # Semantics
//!
//! A **declaration item** fires when all of these hold:
//!
//! 1. Its procedure is export, re-export or import. Transit declarations are left to
//!    `transit-unauthorized` (`transit.rs`): whether a transit needs an authorization at all
//!    is a national choice under ATT Art. 9, stated and configurable there, and one
//!    unauthorized transit should give one finding, not two. (To have this rule report
//!    transits as well, add `CustomsProcedure::Transit` to [`PROCEDURES`].)
//! 2. It is not **invalidated**: an invalidated declaration moved nothing. Lodged, cleared,
//!    exited and status-less items count (a lodged declaration of controlled goods without
//!    a licence is already an attempt to move them). **Temporary** movements count too: a
//!    temporary export for an exhibition or repair still needs a licence; it is only left
//!    out of ATT *reports*. The explanation says when the movement is temporary.
//! 3. The goods are **controlled** by the control list in force on the declaration's date
//!    ([`ControlLists::in_force_on`]; no list in force, no finding):
//!    - the item's control entry (as declared, or as assessed by customs) is an entry of
//!      that list — a strong signal; or, failing that,
//!    - its HS code has candidate entries ([`classify_hs`]). When the HS heading also holds
//!      civil goods (aircraft 8802, drones 8806, sporting guns 9303, cartridges 9306, ...),
//!      the code alone does not make the goods controlled: the finding is then **medium**
//!      instead of high, and the explanation says why the signal is weaker.
//! 4. It cites **no authorization covering it**: none of the licences it cites (attached
//!    documents, plus licences that customs wrote off against for this declaration item in
//!    `licence_usage` records) is a licence in the store whose direction matches the
//!    procedure (export and re-export: an export licence; import: an import licence) and
//!    that was ever granted (an application or a refusal authorizes nothing). Brokering
//!    licences never cover a customs movement.
//!
//! Not this rule's business, so it stays silent: an item citing a licence the store has
//! never seen (`unknown-licence` reports it; whether it covers the goods cannot be told), a
//! licence outside its validity or suspended on the day, a licence whose lines do not name
//! these goods, and quantities over the licence.
//!
//! Key: `{declaration_ref}/{item_no}`.

use std::collections::BTreeSet;

use crate::check::{Dataset, Finding, Rec, Rule, Severity, finding};
use crate::control_list::{ControlEntry, classify_hs};
use crate::model::{
    Authorization, ClassificationBasis, CustomsDeclaration, CustomsProcedure, DeclarationStatus,
    Direction, Movement,
};

/// The procedures this rule checks (transit belongs to `transit-unauthorized`).
pub const PROCEDURES: &[CustomsProcedure] = &[
    CustomsProcedure::Export,
    CustomsProcedure::ReExport,
    CustomsProcedure::Import,
];

/// Declaration items carrying controlled goods with no licence covering their direction.
#[derive(Clone, Copy, Debug, Default)]
pub struct UnlicensedGoods;

impl Rule for UnlicensedGoods {
    fn id(&self) -> &'static str {
        "unlicensed-goods"
    }

    fn title(&self) -> &'static str {
        "controlled goods declared to customs with no authorization covering them"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 5(2), 8, 9, 10"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let mut found = Vec::new();
        for decl in &data.declarations {
            let item = &decl.body;
            if !PROCEDURES.contains(&item.procedure) || !moved(item) {
                continue;
            }
            let Some(controlled) = controlled_goods(data, item) else {
                continue;
            };
            let cited = cited_licences(data, item);
            // A licence the store has never seen is `unknown-licence`'s finding.
            if cited.iter().any(|c| c.licence.is_none()) {
                continue;
            }
            let wanted = covering_directions(item.procedure);
            if cited
                .iter()
                .filter_map(|c| c.licence)
                .any(|l| grants(&l.body, wanted))
            {
                continue;
            }

            let citation = if cited.is_empty() {
                "It cites no licence.".to_owned()
            } else {
                format!(
                    "It cites only {}, which {} not authorize {}.",
                    cited
                        .iter()
                        .filter_map(|c| c.licence)
                        .map(|l| describe_licence(&l.body))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if cited.len() == 1 { "does" } else { "do" },
                    article(procedure_word(item.procedure)),
                )
            };
            let explanation = format!(
                "{}: {}. {citation} No authorization in the store covers this {}.",
                describe_item(item),
                controlled.reason,
                procedure_word(item.procedure),
            );
            found.push(uncovered(
                self,
                decl,
                &controlled,
                &cited,
                explanation,
                Severity::Medium,
            ));
        }
        found
    }
}

// ---------------------------------------------------------------------------------------
// Shared with `countries.rs` and `transit.rs`
// ---------------------------------------------------------------------------------------

/// The finding for a declaration item of controlled goods that no cited licence covers:
/// the item and its cited licences as evidence, keyed by declaration and item. When only
/// the HS code says the goods are controlled and its heading also covers civil goods, the
/// explanation says so and the severity drops to `overlap_severity`.
pub(crate) fn uncovered(
    rule: &dyn Rule,
    decl: &Rec<CustomsDeclaration>,
    controlled: &Controlled<'_>,
    cited: &[Cited<'_>],
    mut explanation: String,
    overlap_severity: Severity,
) -> Finding {
    let item = &decl.body;
    if let Some(why) = &controlled.civil_overlap {
        explanation.push_str(&format!(
            " Lower severity: the HS code is the only signal and {why}; check the goods' specification."
        ));
    }
    let mut evidence = vec![decl.meta.evidence("declaration")];
    evidence.extend(
        cited
            .iter()
            .filter_map(|c| c.licence)
            .map(|l| l.meta.evidence("cited licence")),
    );
    let mut f = finding(
        rule,
        format!("{}/{}", item.declaration_ref, item.item_no),
        explanation,
        Some(item.date),
        evidence,
    );
    if controlled.civil_overlap.is_some() {
        f.severity = overlap_severity;
    }
    f
}

/// Why a declaration item is controlled goods.
#[derive(Clone, Debug)]
pub(crate) struct Controlled<'a> {
    /// The entries that make the goods controlled: the item's own control entry, or the
    /// HS code's candidates, most specific first.
    pub entries: Vec<&'a ControlEntry>,
    /// One sentence: what makes the goods controlled, with the list version.
    pub reason: String,
    /// Set when only the HS code says so and its heading also covers civil goods: why.
    pub civil_overlap: Option<String>,
}

/// Whether `item` carries controlled goods by the list in force on its date, and why.
pub(crate) fn controlled_goods<'a>(
    data: &'a Dataset,
    item: &CustomsDeclaration,
) -> Option<Controlled<'a>> {
    let list = data.lists.in_force_on(item.date)?;
    if let Some(entry) = item.control_entry.as_deref().and_then(|id| list.entry(id)) {
        let basis = match item.control_entry_basis {
            Some(ClassificationBasis::Assessed) => ", as assessed by customs",
            Some(ClassificationBasis::Declared) => ", as declared",
            None => "",
        };
        return Some(Controlled {
            entries: vec![entry],
            reason: format!(
                "the goods are controlled: control entry {} ({}, ATT {}){basis}, control list {}",
                entry.id,
                entry.title,
                entry.att.code(),
                list.version
            ),
            civil_overlap: None,
        });
    }
    let hs = item.hs_code.as_deref()?;
    let classification = classify_hs(list, hs);
    let first = classification.candidates.first()?;
    let entries: Vec<_> = classification
        .candidates
        .iter()
        .filter_map(|c| list.entry(&c.entry.id))
        .collect();
    let others = classification.candidates.len() - 1;
    let civil_overlap = classification
        .notes
        .iter()
        .find(|note| note.contains("covers civil as well as military goods"))
        .map(|note| {
            // `HS 8802 covers civil as well as military goods (why): ...`: keep `why`.
            note.split_once('(')
                .and_then(|(_, rest)| rest.split_once(')'))
                .map_or_else(
                    || "the HS heading also covers civil goods".to_owned(),
                    |(why, _)| format!("the HS heading also covers civil goods ({why})"),
                )
        });
    Some(Controlled {
        entries,
        reason: format!(
            "HS {} maps to control entry {} ({}, ATT {}){}, control list {}{}",
            classification.hs_code,
            first.entry.id,
            first.entry.title,
            first.entry.att.code(),
            match others {
                0 => String::new(),
                1 => " and 1 other entry".to_owned(),
                n => format!(" and {n} other entries"),
            },
            list.version,
            if item.control_entry.is_some() {
                " (the declared control entry is not on that list)"
            } else {
                ""
            }
        ),
        civil_overlap,
    })
}

/// A licence a declaration item cites: the licence, when the store has it.
#[derive(Clone, Debug)]
pub(crate) struct Cited<'a> {
    pub licence: Option<&'a Rec<Authorization>>,
}

/// The licences `item` cites: its attached documents, then licences that customs wrote off
/// against for this declaration item (usage records with its declaration reference and no
/// part, or its item number as part); each reference once, in that order.
pub(crate) fn cited_licences<'a>(data: &'a Dataset, item: &CustomsDeclaration) -> Vec<Cited<'a>> {
    let item_no = item.item_no.to_string();
    let from_usage = data
        .usages_of_declaration(&item.declaration_ref)
        .filter(|u| {
            u.body
                .declaration_part
                .as_deref()
                .is_none_or(|part| part == item_no)
        })
        .map(|u| u.body.authorization_ref.as_str());
    let mut seen = BTreeSet::new();
    item.attached_documents
        .iter()
        .map(|d| d.authorization_ref.as_str())
        .chain(from_usage)
        .filter(|reference| seen.insert(*reference))
        .map(|reference| Cited {
            licence: data.licence(reference),
        })
        .collect()
}

/// The licence directions that can authorize a customs procedure.
pub(crate) fn covering_directions(procedure: CustomsProcedure) -> &'static [Direction] {
    match procedure {
        CustomsProcedure::Export | CustomsProcedure::ReExport => &[Direction::Export],
        CustomsProcedure::Import => &[Direction::Import],
        CustomsProcedure::Transit => &[Direction::Transit, Direction::Transshipment],
    }
}

/// The licence was granted (ever issued) for one of `directions`.
pub(crate) fn grants(licence: &Authorization, directions: &[Direction]) -> bool {
    directions.contains(&licence.direction) && licence.status.was_issued()
}

/// Whether anything moved (or was meant to) under the item: not invalidated.
pub(crate) fn moved(item: &CustomsDeclaration) -> bool {
    item.status != Some(DeclarationStatus::Invalidated)
}

/// `export`, `import`, ...
pub(crate) fn procedure_word(procedure: CustomsProcedure) -> &'static str {
    match procedure {
        CustomsProcedure::Export => "export",
        CustomsProcedure::ReExport => "re-export",
        CustomsProcedure::Import => "import",
        CustomsProcedure::Transit => "transit",
    }
}

fn article(word: &str) -> String {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {word}")
    } else {
        format!("a {word}")
    }
}

/// `GB/1 (a refused export licence)`.
pub(crate) fn describe_licence(licence: &Authorization) -> String {
    let direction = match licence.direction {
        Direction::Export => "export",
        Direction::Import => "import",
        Direction::Transit => "transit",
        Direction::Transshipment => "transshipment",
        Direction::Brokering => "brokering",
    };
    let what = if licence.status.was_issued() {
        format!("{direction} licence")
    } else {
        format!("{} {direction} application", licence.status.as_str())
    };
    format!("{} ({})", licence.reference, article(&what))
}

/// `Declaration X item 1 (export to AE, 2026-10-06, temporary, exited; "Rifles")`.
pub(crate) fn describe_item(item: &CustomsDeclaration) -> String {
    let mut parts = vec![procedure_word(item.procedure).to_owned()];
    if let Some(to) = &item.country_of_destination
        && item.procedure != CustomsProcedure::Import
    {
        parts[0].push_str(&format!(" to {to}"));
    }
    if matches!(
        item.procedure,
        CustomsProcedure::Import | CustomsProcedure::Transit
    ) && let Some(from) = item
        .country_of_dispatch
        .as_ref()
        .or(item.country_of_origin.as_ref())
    {
        parts[0].push_str(&format!(" from {from}"));
    }
    parts.push(item.date.to_string());
    if item.movement == Some(Movement::Temporary) {
        parts.push("temporary movement".to_owned());
    }
    if let Some(status) = item.status {
        parts.push(
            match status {
                DeclarationStatus::Lodged => "lodged",
                DeclarationStatus::Cleared => "cleared",
                DeclarationStatus::Exited => "exited",
                DeclarationStatus::Invalidated => "invalidated",
            }
            .to_owned(),
        );
    }
    format!(
        "Declaration {} item {} ({}; \"{}\")",
        item.declaration_ref,
        item.item_no,
        parts.join(", "),
        item.description
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rules::testing::findings;

    const EXPORT_LICENCE: &str = r#"{"agency":"licensing","source_ref":"GB/1","record":{"kind":"authorization","reference":"GB/1","direction":"export","status":"issued","issuing_authority":"ECJU","issue_date":"2026-02-01","valid_from":"2026-02-01","valid_until":"2027-02-01","parties":[{"role":"end_user","name":"Bundeswehr","country":"DE"}],"countries":[{"country":"DE","role":"destination"}],"lines":[{"line_no":1,"description":"Rifles","control_entry":"ML1.a.2","hs_code":"930190","quantity":{"amount":"10","unit":"NAR"}}]}}"#;
    const IMPORT_LICENCE: &str = r#"{"agency":"licensing","source_ref":"GB/IMP","record":{"kind":"authorization","reference":"GB/IMP","direction":"import","status":"issued","issuing_authority":"ECJU","issue_date":"2026-02-01","countries":[{"country":"AT","role":"origin"}],"lines":[{"line_no":1,"description":"Pistols","control_entry":"ML1.a.1","quantity":{"amount":"10","unit":"NAR"}}]}}"#;
    const REFUSED: &str = r#"{"agency":"licensing","source_ref":"GB/R","record":{"kind":"authorization","reference":"GB/R","direction":"export","status":"refused","issuing_authority":"ECJU","application_date":"2026-01-10"}}"#;

    /// An export declaration item; `extra` is spliced into the record.
    fn declaration(extra: &str) -> String {
        format!(
            r#"{{"agency":"customs","source_ref":"26GB0001/1","record":{{"kind":"customs_declaration","declaration_ref":"26GB0001","item_no":1,"procedure":"export","date":"2026-03-10","country_of_destination":"AE","description":"Self-loading rifles"{extra}}}}}"#
        )
    }

    fn cite(reference: &str) -> String {
        format!(
            r#","attached_documents":[{{"code":"LIC","authorization_ref":"{reference}","line_no":1}}]"#
        )
    }

    #[test]
    fn controlled_entry_without_licence_fires_high() {
        let line = declaration(
            r#","hs_code":"93019000","control_entry":"ML1.a.2","control_entry_basis":"assessed""#,
        );
        let found = findings(&UnlicensedGoods, &[&line]);
        assert_eq!(found.len(), 1, "{found:#?}");
        let f = &found[0];
        assert_eq!(f.key, "26GB0001/1");
        assert_eq!(f.severity, Severity::High);
        assert!(f.explanation.contains("ML1.a.2"), "{}", f.explanation);
        assert!(f.explanation.contains("as assessed"), "{}", f.explanation);
        assert!(
            f.explanation.contains("cites no licence"),
            "{}",
            f.explanation
        );
        assert!(
            f.explanation.ends_with(
                "control list 1.1.0. It cites no licence. No authorization in the store covers this export."
            ),
            "{}",
            f.explanation
        );
        assert_eq!(f.evidence.len(), 1);
        assert_eq!(f.evidence[0].role, "declaration");
        assert_eq!(f.date, jiff::civil::Date::new(2026, 3, 10).ok());
    }

    #[test]
    fn military_hs_code_alone_fires_high() {
        let line = declaration(r#","hs_code":"93019000""#);
        let found = findings(&UnlicensedGoods, &[&line]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].severity, Severity::High);
        assert!(
            found[0].explanation.contains("HS 93019000"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn civil_overlap_hs_code_is_medium_and_says_why() {
        let line = declaration(r#","hs_code":"880240""#);
        let found = findings(&UnlicensedGoods, &[&line]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].severity, Severity::Medium);
        assert!(
            found[0].explanation.contains("civil"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn control_entry_decides_over_a_civil_overlap_heading() {
        let line = declaration(r#","hs_code":"880240","control_entry":"ML10.a""#);
        let found = findings(&UnlicensedGoods, &[&line]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::High);
    }

    #[test]
    fn licence_of_the_wrong_direction_or_refused_does_not_cover() {
        let wrong = declaration(&format!(r#","hs_code":"930190"{}"#, cite("GB/IMP")));
        let found = findings(&UnlicensedGoods, &[IMPORT_LICENCE, &wrong]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].explanation.contains("GB/IMP (an import licence)"),
            "{}",
            found[0].explanation
        );
        assert_eq!(found[0].evidence.len(), 2);
        assert_eq!(found[0].evidence[1].role, "cited licence");

        let refused = declaration(&format!(r#","hs_code":"930190"{}"#, cite("GB/R")));
        let found = findings(&UnlicensedGoods, &[REFUSED, &refused]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].explanation.contains("refused"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn temporary_export_still_needs_a_licence() {
        let line = declaration(r#","hs_code":"930190","movement":"temporary""#);
        let found = findings(&UnlicensedGoods, &[&line]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].explanation.contains("temporary"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn near_misses_do_not_fire() {
        // Covered by an export licence.
        let covered = declaration(&format!(r#","hs_code":"930190"{}"#, cite("GB/1")));
        // Covered through a write-off rather than an attached document.
        let usage = r#"{"agency":"customs","source_ref":"U1","record":{"kind":"licence_usage","authorization_ref":"GB/1","line_no":1,"declaration_ref":"26GB0002","declaration_part":"1","usage_type":"original","date":"2026-03-10","quantity":"2"}}"#;
        let via_usage = declaration(r#","hs_code":"930190""#).replace("26GB0001", "26GB0002");
        // Not controlled goods (containers), even on a temporary export.
        let containers = declaration(r#","hs_code":"86090000","movement":"temporary""#)
            .replace("26GB0001", "26GB0003");
        // Invalidated: nothing moved.
        let invalidated = declaration(r#","hs_code":"930190","status":"invalidated""#)
            .replace("26GB0001", "26GB0004");
        // Cites a licence the store has never seen: `unknown-licence`'s finding.
        let unknown = declaration(&format!(r#","hs_code":"930190"{}"#, cite("GB/NOPE")))
            .replace("26GB0001", "26GB0005");
        // Transit belongs to `transit-unauthorized`.
        let transit = declaration(r#","hs_code":"930190""#)
            .replace("26GB0001", "26GB0006")
            .replace(r#""procedure":"export""#, r#""procedure":"transit""#);
        // An import under an import licence.
        let import = declaration(&format!(
            r#","hs_code":"930200","country_of_dispatch":"AT"{}"#,
            cite("GB/IMP")
        ))
        .replace("26GB0001", "26GB0007")
        .replace(r#""procedure":"export""#, r#""procedure":"import""#);
        // Before any control list is in force (1.0.0 starts 2024-01-01).
        let too_early = declaration(r#","hs_code":"930190""#)
            .replace("26GB0001", "26GB0008")
            .replace("2026-03-10", "2023-06-01");
        let found = findings(
            &UnlicensedGoods,
            &[
                EXPORT_LICENCE,
                IMPORT_LICENCE,
                usage,
                &covered,
                &via_usage,
                &containers,
                &invalidated,
                &unknown,
                &transit,
                &import,
                &too_early,
            ],
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn a_usage_for_another_item_does_not_cover() {
        let usage = r#"{"agency":"customs","source_ref":"U1","record":{"kind":"licence_usage","authorization_ref":"GB/1","line_no":1,"declaration_ref":"26GB0001","declaration_part":"2","usage_type":"original","date":"2026-03-10","quantity":"2"}}"#;
        let line = declaration(r#","hs_code":"930190""#);
        let found = findings(&UnlicensedGoods, &[EXPORT_LICENCE, usage, &line]);
        assert_eq!(found.len(), 1, "{found:#?}");
    }
}
