//! `transit-unauthorized`: controlled goods in transit or transshipment through this State
//! with no transit or transshipment authorization covering them (ATT Art. 9: each State
//! Party "shall take appropriate measures to regulate, where necessary and feasible, the
//! transit or trans-shipment under its jurisdiction of conventional arms").
//!
//! # The national rule assumed
//!
//! ATT Art. 9 leaves the measure to each State. This rule assumes **every transit of
//! controlled goods needs a transit or transshipment authorization**
//! ([`TransitRequirement::EveryControlled`], the default). A State that licenses only the
//! transit of ATT Art. 2(1) conventional arms (not ammunition, parts or nationally
//! controlled goods) sets [`TransitUnauthorized::requirement`] to
//! [`TransitRequirement::Article2CategoriesOnly`]; a different rule is one more variant of
//! that enum and one arm in [`TransitRequirement::requires`].
//!
//! # Semantics
//!
//! A declaration item fires when:
//!
//! - its procedure is `transit` (customs systems declare transshipment under transit too;
//!   there is no separate transshipment procedure), and it is not invalidated;
//! - its goods are controlled by the control list in force on its date (its control entry,
//!   or else its HS code: see `unlicensed.rs`), and the national rule requires an
//!   authorization for them;
//! - none of the licences it cites (attached documents, write-offs for it) is a transit or
//!   transshipment licence in the store that was ever granted.
//!
//! A cited licence the store has never seen is left to `unknown-licence` (the item is not
//! reported here). When only the HS code says the goods are controlled and its heading
//! also covers civil goods, the finding is **low** instead of medium, and says why.
//! Validity dates, countries (`country-not-allowed`) and quantities are not checked here.
//!
//! Key: `{declaration_ref}/{item_no}`.

use crate::check::{Dataset, Finding, Rule, Severity};
use crate::model::CustomsProcedure;

use super::unlicensed::{
    Controlled, cited_licences, controlled_goods, covering_directions, describe_item,
    describe_licence, grants, moved, uncovered,
};

/// Which controlled goods need a transit authorization: the national rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TransitRequirement {
    /// Every transit of goods on the control list needs one (the default).
    #[default]
    EveryControlled,
    /// Only goods in an ATT Art. 2(1) category (I–VIII); ammunition (Art. 3), parts
    /// (Art. 4) and national entries pass without one. Not the shipped default: a State
    /// that has this rule selects it where the rule is registered (`rules::all`).
    #[cfg_attr(not(test), allow(dead_code))]
    Article2CategoriesOnly,
}

impl TransitRequirement {
    /// Whether goods controlled as `controlled` need a transit authorization.
    fn requires(self, controlled: &Controlled<'_>) -> bool {
        match self {
            TransitRequirement::EveryControlled => true,
            TransitRequirement::Article2CategoriesOnly => controlled
                .entries
                .iter()
                .any(|entry| entry.att.is_article_2_category()),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            TransitRequirement::EveryControlled => {
                "every transit of controlled goods needs a transit or transshipment authorization"
            }
            TransitRequirement::Article2CategoriesOnly => {
                "the transit of ATT Art. 2(1) conventional arms needs a transit or transshipment authorization"
            }
        }
    }
}

/// Transit declarations of controlled goods without a transit authorization.
#[derive(Clone, Copy, Debug, Default)]
pub struct TransitUnauthorized {
    /// The national rule: which transits need an authorization.
    pub requirement: TransitRequirement,
}

impl Rule for TransitUnauthorized {
    fn id(&self) -> &'static str {
        "transit-unauthorized"
    }

    fn title(&self) -> &'static str {
        "transit or transshipment of controlled goods without a transit authorization"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 9"
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let mut found = Vec::new();
        for decl in &data.declarations {
            let item = &decl.body;
            if item.procedure != CustomsProcedure::Transit || !moved(item) {
                continue;
            }
            let Some(controlled) = controlled_goods(data, item) else {
                continue;
            };
            if !self.requirement.requires(&controlled) {
                continue;
            }
            let cited = cited_licences(data, item);
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
                "it cites no licence".to_owned()
            } else {
                format!(
                    "it cites only {}, none a transit or transshipment authorization",
                    cited
                        .iter()
                        .filter_map(|c| c.licence)
                        .map(|l| describe_licence(&l.body))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let explanation = format!(
                "{}: {}; {}. National rule assumed: {}.",
                describe_item(item),
                controlled.reason,
                citation,
                self.requirement.describe()
            );
            found.push(uncovered(
                self,
                decl,
                &controlled,
                &cited,
                explanation,
                Severity::Low,
            ));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rules::testing::findings;

    const TRANSIT_LICENCE: &str = r#"{"agency":"licensing","source_ref":"GB/T1","record":{"kind":"authorization","reference":"GB/T1","direction":"transshipment","status":"issued","issuing_authority":"ECJU","issue_date":"2026-02-01","countries":[{"country":"NG","role":"destination"}],"lines":[{"line_no":1,"description":"Rifles","control_entry":"ML1.a.2","quantity":{"amount":"10","unit":"NAR"}}]}}"#;
    const EXPORT_LICENCE: &str = r#"{"agency":"licensing","source_ref":"GB/E1","record":{"kind":"authorization","reference":"GB/E1","direction":"export","status":"issued","issuing_authority":"ECJU","issue_date":"2026-02-01","countries":[{"country":"NG","role":"destination"}],"lines":[{"line_no":1,"description":"Rifles","control_entry":"ML1.a.2","quantity":{"amount":"10","unit":"NAR"}}]}}"#;

    fn transit(reference: &str, extra: &str) -> String {
        format!(
            r#"{{"agency":"customs","source_ref":"{reference}/1","record":{{"kind":"customs_declaration","declaration_ref":"{reference}","item_no":1,"procedure":"transit","date":"2026-06-01","country_of_dispatch":"RS","country_of_destination":"NG","description":"Goods in transit"{extra}}}}}"#
        )
    }

    fn cite(reference: &str) -> String {
        format!(r#","attached_documents":[{{"authorization_ref":"{reference}"}}]"#)
    }

    #[test]
    fn transit_without_authorization_fires() {
        let bare = transit("T1", r#","hs_code":"930190""#);
        let export_only = transit(
            "T2",
            &format!(r#","control_entry":"ML1.a.2"{}"#, cite("GB/E1")),
        );
        let found = findings(
            &TransitUnauthorized::default(),
            &[EXPORT_LICENCE, &bare, &export_only],
        );
        assert_eq!(found.len(), 2, "{found:#?}");
        for f in &found {
            assert_eq!(f.severity, Severity::Medium);
            assert!(
                f.explanation
                    .contains("National rule assumed: every transit"),
                "{}",
                f.explanation
            );
        }
        let t2 = found.iter().find(|f| f.key == "T2/1");
        assert!(
            t2.is_some_and(|f| f.explanation.contains("GB/E1 (an export licence)")),
            "{found:#?}"
        );
        assert!(t2.is_some_and(|f| f.evidence.len() == 2));
    }

    #[test]
    fn civil_overlap_heading_is_low() {
        let drones = transit("T3", r#","hs_code":"8806""#);
        let found = findings(&TransitUnauthorized::default(), &[&drones]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].severity, Severity::Low);
    }

    #[test]
    fn the_national_rule_can_be_narrowed() {
        // Ammunition (ML3.a, ATT Art. 3) in transit.
        let ammunition = transit("T4", r#","control_entry":"ML3.a""#);
        assert_eq!(
            findings(&TransitUnauthorized::default(), &[&ammunition]).len(),
            1
        );
        let narrow = TransitUnauthorized {
            requirement: TransitRequirement::Article2CategoriesOnly,
        };
        assert!(findings(&narrow, &[&ammunition]).is_empty());
        let rifles = transit("T5", r#","control_entry":"ML1.a.2""#);
        assert_eq!(findings(&narrow, &[&rifles]).len(), 1);
    }

    #[test]
    fn near_misses_do_not_fire() {
        let covered = transit("N1", &format!(r#","hs_code":"930190"{}"#, cite("GB/T1")));
        let not_controlled = transit("N2", r#","hs_code":"86090000""#);
        let invalidated = transit("N3", r#","hs_code":"930190","status":"invalidated""#);
        let unknown = transit("N4", &format!(r#","hs_code":"930190"{}"#, cite("GB/NOPE")));
        // An export is `unlicensed-goods`' business, not this rule's.
        let export = transit("N5", r#","hs_code":"930190""#)
            .replace(r#""procedure":"transit""#, r#""procedure":"export""#);
        let found = findings(
            &TransitUnauthorized::default(),
            &[
                TRANSIT_LICENCE,
                &covered,
                &not_controlled,
                &invalidated,
                &unknown,
                &export,
            ],
        );
        assert!(found.is_empty(), "{found:#?}");
    }
}
