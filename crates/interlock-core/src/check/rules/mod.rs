//! The rules, one file each. Adding a rule: write its file (the rule, its semantics in the
//! module docs, positive and near-miss tests) and add it to [`all`].

use super::Rule;

mod countries;
mod customs_disagrees;
mod denial;
mod diversion;
mod documents;
mod embargo;
mod mirror;
mod over_limit;
mod transit;
mod unknown_licence;
mod unlicensed;
mod validity;

#[cfg(test)]
pub(crate) mod testing;

/// Every rule, in the order `interlock check` reports them.
pub fn all() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(over_limit::OverLimit),
        Box::new(validity::OutsideValidity),
        Box::new(unknown_licence::UnknownLicence),
        Box::new(customs_disagrees::CustomsDisagrees),
        Box::new(unlicensed::UnlicensedGoods),
        Box::new(countries::CountryNotAllowed),
        Box::new(transit::TransitUnauthorized::default()),
        Box::new(documents::EucMissing),
        Box::new(documents::DeliveryUnverified::default()),
        Box::new(embargo::EmbargoRule),
        Box::new(diversion::SerialMatch),
        Box::new(denial::DeniedParty),
        Box::new(denial::DenialUndercut),
        Box::new(mirror::MirrorMismatch::default()),
    ]
}
