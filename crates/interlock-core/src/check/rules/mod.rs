//! The rules, one file each. Adding a rule: write its file (the rule, its semantics in the
//! module docs, positive and near-miss tests) and add it to [`all`].

use super::Rule;

#[cfg(test)]
pub(crate) mod testing;

/// Every rule, in the order `interlock check` reports them.
pub fn all() -> Vec<Box<dyn Rule>> {
    vec![]
}
