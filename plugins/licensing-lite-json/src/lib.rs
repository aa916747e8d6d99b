//! UK LITE's JSON licence payload (the `licence` objects LITE sends to HMRC), one
//! authorization record per licence. Parsing lives in `parse.rs`; this file maps its
//! output to interlock records.
//!
//! - `action` insert/update/replace → status issued (an update or replace of the same
//!   reference becomes a new revision of the record); cancel → cancelled.
//! - Open licences (OIEL, OGEL types) are marked `open`: no quantity limits or consignee.
//! - LITE does not name the issuing authority in the payload; it is always the UK's
//!   Export Control Joint Unit, which operates LITE.

mod parse;

use interlock_pdk::prelude::*;

const AGENCY: &str = "licensing";
const ISSUING_AUTHORITY: &str = "Export Control Joint Unit";

#[derive(Default)]
pub struct LiteJson {
    parser: Option<parse::Parser>,
}

impl Plugin for LiteJson {
    fn info() -> PluginInfo {
        plugin_info(
            "licensing-lite-json",
            env!("CARGO_PKG_VERSION"),
            AgencyKind::Licensing,
            &["UK LITE licence payload (JSON)"],
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
                "lite-payload",
                problem.message,
            ),
        }
    }
    out
}

fn authorization(licence: parse::ParsedAuthorization) -> Authorization {
    let open = matches!(
        licence.licence_type.to_ascii_lowercase().as_str(),
        "oiel" | "ogel" | "oicl" | "open"
    );
    Authorization {
        reference: licence.reference,
        direction: match licence.direction {
            parse::Direction::Export => Direction::Export,
            parse::Direction::Import => Direction::Import,
            parse::Direction::Transshipment => Direction::Transshipment,
            parse::Direction::Brokering => Direction::Brokering,
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
                    parse::PartyRole::Broker => PartyRole::Broker,
                    parse::PartyRole::EndUser => PartyRole::EndUser,
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
                hs_code: None,
                controlled_by: None,
                quantity: line.quantity.map(|q| quantity(&q.amount, &q.unit)),
                value: line.value.map(|v| money(&v.amount, &v.currency)),
                make: None,
                model: None,
                serial_numbers: line.serial_numbers,
                serials_complete: false,
            })
            .collect(),
    }
}

export_plugin!(LiteJson);

#[cfg(test)]
mod plugin_tests {
    use super::*;

    #[test]
    fn the_fixture_gives_the_scenario_licences_without_problems() {
        let mut plugin = LiteJson::default();
        let text = include_bytes!("../fixtures/licences-2026.json");
        let mut out = Translation::default();
        for chunk in text.chunks(100) {
            out.extend(plugin.feed(chunk).expect("feeds"));
        }
        out.extend(plugin.finish().expect("finishes"));
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let references: Vec<&str> = out.records.iter().map(|d| d.source_ref.as_str()).collect();
        assert_eq!(
            references,
            ["GBSIEL/2026/0000101/P", "GBOIEL/2026/0000102/P"]
        );
        let open: Vec<bool> = out
            .records
            .iter()
            .map(|d| matches!(&d.record, Body::Authorization(a) if a.open))
            .collect();
        assert_eq!(open, [false, true]);
    }
}
