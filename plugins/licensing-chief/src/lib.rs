//! CHIEF `licenceData` messages: the licences a licensing authority sends to customs
//! (backslash-delimited records: fileHeader, licence, trader, country, foreignTrader,
//! restrictions, line, end, fileTrailer). Parsing lives in `parse.rs`; this file maps its
//! output to interlock records.
//!
//! - insert/replace → issued (a replace of the same reference becomes a new revision);
//!   cancel → cancelled.
//! - Open licence types (`OIE`, `OIL`, ...) are marked `open`.
//! - Prohibited countries and restrictions have no field in the model yet; they are kept in
//!   the source file, which provenance points at.

mod parse;

use interlock_pdk::prelude::*;

const AGENCY: &str = "licensing";
const ISSUING_AUTHORITY: &str = "Export Control Joint Unit";

#[derive(Default)]
pub struct ChiefLicences {
    parser: Option<parse::Parser>,
}

impl Plugin for ChiefLicences {
    fn info() -> PluginInfo {
        plugin_info(
            "licensing-chief",
            env!("CARGO_PKG_VERSION"),
            AgencyKind::Licensing,
            &["CHIEF licenceData message"],
        )
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<Translation> {
        let parser = self.parser.get_or_insert_with(parse::Parser::new);
        Ok(translate(parser.feed(chunk)))
    }

    fn finish(&mut self) -> Result<Translation> {
        // `new`, not `default`: it starts counting lines at 1 even for an empty file.
        let parser = match self.parser.take() {
            Some(parser) => parser,
            None => parse::Parser::new(),
        };
        Ok(translate(parser.finish()))
    }
}

fn translate(items: Vec<parse::Parsed>) -> Translation {
    let mut out = Translation::default();
    for item in items {
        match item {
            parse::Parsed::Header(_) => {}
            parse::Parsed::Authorization(licence) => {
                let line = licence.line;
                let reference = licence.reference.clone();
                out.record(
                    AGENCY,
                    reference,
                    line,
                    Body::Authorization(authorization(licence)),
                );
            }
            parse::Parsed::Problem(problem) => out.error(
                problem.line,
                &problem.field,
                "chief-licence-data",
                problem.message,
            ),
        }
    }
    out
}

fn authorization(licence: parse::ParsedAuthorization) -> Authorization {
    let open = licence
        .licence_type
        .as_deref()
        .is_some_and(|kind| kind.starts_with('O'));
    Authorization {
        reference: licence.reference,
        direction: match licence.direction {
            Some(parse::Direction::Import) => Direction::Import,
            // A bare cancel may omit the usage; CHIEF licences are export licences by default.
            Some(parse::Direction::Export) | None => Direction::Export,
        },
        status: match licence.status {
            parse::AuthorizationStatus::Issued => AuthorizationStatus::Issued,
            parse::AuthorizationStatus::Cancelled => AuthorizationStatus::Cancelled,
        },
        open,
        issuing_authority: ISSUING_AUTHORITY.to_owned(),
        application_date: None,
        issue_date: licence.issue_date,
        valid_from: licence.valid_from,
        valid_until: licence.valid_until,
        parties: licence
            .parties
            .into_iter()
            .map(|p| Party {
                role: match p.role {
                    parse::PartyRole::Exporter => PartyRole::Exporter,
                    parse::PartyRole::Importer => PartyRole::Importer,
                    parse::PartyRole::EndUser => PartyRole::EndUser,
                    parse::PartyRole::Other => PartyRole::Other,
                },
                name: p.name,
                party_type: None,
                address: p.address,
                country: p.country,
                // The source does not say which scheme; kept as `other`, as 1.0 did.
                identifiers: p
                    .identifier
                    .into_iter()
                    .map(|id| PartyIdentifier::new(IdentifierScheme::Other, id))
                    .collect(),
            })
            .collect(),
        countries: [
            (licence.destination_countries, CountryRole::Destination),
            (licence.origin_countries, CountryRole::Origin),
            (licence.transit_countries, CountryRole::EnRoute),
        ]
        .into_iter()
        .flat_map(|(codes, role)| codes.into_iter().map(move |c| LicenceCountry::new(c, role)))
        .collect(),
        country_groups: Vec::new(),
        end_use: None,
        euc_reference: None,
        provisos: Vec::new(),
        refusal_reasons: Vec::new(),
        refusal_criteria: Vec::new(),
        status_history: Vec::new(),
        message: None,
        lines: licence
            .lines
            .into_iter()
            .map(|line| AuthorizationLine {
                line_no: line.line_no,
                description: line.description,
                control_entry: line.control_entry,
                hs_code: line.hs_code,
                controlled_by: None,
                quantity: line.quantity.map(|q| quantity(&q.amount, &q.unit)),
                value: line.value.map(|v| money(&v.amount, &v.currency)),
                make: None,
                model: None,
                serial_numbers: Vec::new(),
                serials_complete: false,
            })
            .collect(),
    }
}

export_plugin!(ChiefLicences);

#[cfg(test)]
mod plugin_tests {
    use super::*;

    #[test]
    fn the_fixture_gives_the_scenario_licences_without_problems() {
        let mut plugin = ChiefLicences::default();
        let text = include_bytes!("../fixtures/licences-2026.txt");
        let mut out = Translation::default();
        for chunk in text.chunks(64) {
            out.extend(plugin.feed(chunk).expect("feeds"));
        }
        out.extend(plugin.finish().expect("finishes"));
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert!(out.records.len() >= 7, "{} records", out.records.len());
        assert!(out
            .records
            .iter()
            .any(|d| matches!(&d.record, Body::Authorization(a) if a.status == AuthorizationStatus::Cancelled)));
    }
}
