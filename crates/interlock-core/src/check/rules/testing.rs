//! What the rules' tests share: the shipped control lists and datasets written as JSON
//! Lines drafts, one per line, as `interlock import-records` reads them.

use crate::check::{Dataset, Finding, Rule};
use crate::control_list::{ControlList, ControlLists};
use crate::model::Draft;

/// The national control lists 1.0.0 and 1.1.0 from `fixtures/control-list`.
pub fn control_lists() -> ControlLists {
    let texts = [
        include_str!("../../../../../fixtures/control-list/national-control-list-1.0.0.toml"),
        include_str!("../../../../../fixtures/control-list/national-control-list-1.1.0.toml"),
    ];
    ControlLists {
        versions: texts
            .iter()
            .map(|text| ControlList::from_toml_str(text).expect("the shipped control lists parse"))
            .collect(),
    }
}

/// A dataset from JSON Lines drafts (`test.jsonl`, draft n on line n).
pub fn dataset(lines: &[&str]) -> Dataset {
    let drafts: Vec<Draft> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    Dataset::from_drafts(drafts, "test.jsonl", control_lists())
}

/// What `rule` finds in `lines`.
pub fn findings(rule: &dyn Rule, lines: &[&str]) -> Vec<Finding> {
    rule.check(&dataset(lines))
}
