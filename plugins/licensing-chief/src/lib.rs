//! CHIEF `licenceData` messages: the licences a licensing authority sends to customs
//! (backslash-delimited records: fileHeader, licence, trader, country, foreignTrader,
//! restrictions, line, end, fileTrailer). Parsing lives in `parse.rs`; this file maps its
//! output to interlock records (record model 2).
//!
//! Every licence message of a file carries the file's place in its stream
//! (`message`: `sender>receiver messageType`, the run number and the creation time), so the
//! store refuses a file older than one it already applied to the same licence.
//!
//! | model field | CHIEF source |
//! |---|---|
//! | `message.source` | fileHeader `sourceSystem>destinationSystem dataId` (`SPIRE>CHIEF licenceData`) |
//! | `message.run`, `message.created` | fileHeader `runNum`, `creationDateTime` |
//! | `reference` (and `source_ref`) | licence `licenceRef` |
//! | `direction` | licence `usage`: `E` export, `I` import |
//! | `open` | licence `licenceType` starting with `O` (`OIE`, `OIL`, ...) |
//! | `status`, `status_history` | licence `action`: `insert` → issued, [Issue effective `startDate`]; `replace` → the full licence, [Amend effective on the file's creation date]; `cancel` → a status change (below) |
//! | `issue_date`, `valid_from`, `valid_until` | licence `startDate` (CHIEF has no issue date), `startDate`, `endDate` |
//! | `status_history[].source` | `sourceSystem>destinationSystem dataId run runNum, transaction transactionRef` |
//! | `parties[]` (exporter, or importer for `I`) | trader `name`, address lines and postcode; `rpaTraderId`/`turn` → identifier, scheme `eori` when it has the EORI form (else `other`), `party_type` company, country from the EORI prefix |
//! | `parties[]` (end user, or overseas exporter for `I`) | foreignTrader `name`, address, `country` |
//! | `countries[]` | country `code` with `use`: D destination, E prohibited destination, O origin, P prohibited origin, R en route, S prohibited en route |
//! | `country_groups[]` | country `group` (e.g. `G001`) with the same `use` codes, members unlisted |
//! | `provisos[]` | restrictions `text`, split at CHIEF's `||` line separator |
//! | `lines[].line_no`, `description`, `control_entry` | line `lineNum`, `goodsDescription` (a leading control list entry such as `ML1.a.4` is split off) |
//! | `lines[].hs_code` | line `commodity` |
//! | `lines[].controlled_by` | line `controlledBy`: B both, Q quantity, V value, O unlimited |
//! | `lines[].quantity` | line `quantityIssued` with `quantityUnit` (HMRC code → UN/ECE Rec 20) |
//! | `lines[].value` | line `valueIssued` with `currency` |
//!
//! A `cancel` is an `authorization_status_change` (the store applies it to the licence it
//! holds, keeping its lines, parties and countries): a Cancel event effective on the
//! file's creation date, its `reason` the restrictions text when the cancel carries one,
//! its `source` the file run and transaction. Whatever else a cancel repeats (trader,
//! countries, lines: the reporting State's system repeats them, lite-hmrc sends a bare
//! cancel) is ignored.
//!
//! CHIEF carries no make, model or serial numbers, no end use and no EUC reference.

mod parse;

use interlock_pdk::prelude::*;

const AGENCY: &str = "licensing";
const ISSUING_AUTHORITY: &str = "Export Control Joint Unit";

#[derive(Default)]
pub struct ChiefLicences {
    parser: Option<parse::Parser>,
    /// The file header, once read: every licence message of the file carries it.
    header: Option<parse::FileHeader>,
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
        let items = parser.feed(chunk);
        Ok(translate(items, &mut self.header))
    }

    fn finish(&mut self) -> Result<Translation> {
        // `new`, not `default`: it starts counting lines at 1 even for an empty file.
        let parser = match self.parser.take() {
            Some(parser) => parser,
            None => parse::Parser::new(),
        };
        Ok(translate(parser.finish(), &mut self.header))
    }
}

fn translate(items: Vec<parse::Parsed>, header: &mut Option<parse::FileHeader>) -> Translation {
    let mut out = Translation::default();
    for item in items {
        match item {
            parse::Parsed::Header(h) => *header = Some(h),
            parse::Parsed::Authorization(licence) => {
                let line = licence.line;
                let reference = licence.reference.clone();
                let body = match licence.action {
                    parse::LicenceAction::Cancel => {
                        let Some(file) = header.as_ref() else {
                            // Without a readable header the file already has an error; a
                            // cancel without its date cannot be applied.
                            out.error(
                                line,
                                "creationDateTime",
                                "chief-licence-data",
                                format!(
                                    "cancel of licence {reference} needs the file's creation date, and the fileHeader could not be read"
                                ),
                            );
                            continue;
                        };
                        Body::AuthorizationStatusChange(cancel(licence, file))
                    }
                    _ => Body::Authorization(authorization(licence, header.as_ref())),
                };
                out.record(AGENCY, reference, line, body);
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

/// `SPIRE>CHIEF licenceData`: the stream a file belongs to.
fn stream(header: &parse::FileHeader) -> String {
    format!(
        "{}>{} {}",
        header.source_system, header.destination_system, header.message_type
    )
}

fn message_order(header: &parse::FileHeader) -> MessageOrder {
    MessageOrder {
        source: stream(header),
        run: Some(header.run_number),
        // The parser gives `YYYY-MM-DDTHH:MM`; the interface takes seconds too.
        created: Some(format!("{}:00", header.created)),
    }
}

/// `SPIRE>CHIEF licenceData run 58, transaction 20260000107P`.
fn event_source(header: Option<&parse::FileHeader>, transaction_ref: &str) -> Option<String> {
    header.map(|h| {
        format!(
            "{} run {}, transaction {transaction_ref}",
            stream(h),
            h.run_number
        )
    })
}

/// The day the file was created (`YYYY-MM-DD` of `YYYY-MM-DDTHH:MM`).
fn file_date(header: &parse::FileHeader) -> String {
    header
        .created
        .split_once('T')
        .map_or(header.created.as_str(), |(date, _)| date)
        .to_owned()
}

/// The restrictions text as provisos: CHIEF separates the authority's lines with `||`.
fn provisos(restrictions: Option<&str>) -> Vec<String> {
    restrictions
        .into_iter()
        .flat_map(|text| text.split("||"))
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
        .collect()
}

fn cancel(licence: parse::ParsedAuthorization, header: &parse::FileHeader) -> StatusChange {
    let reason = provisos(licence.restrictions.as_deref());
    StatusChange {
        reference: licence.reference,
        event: StatusEvent {
            reason: (!reason.is_empty()).then(|| reason.join(" ")),
            source: event_source(Some(header), &licence.transaction_ref),
            ..StatusEvent::new(LicenceAction::Cancel, file_date(header))
        },
        message: Some(message_order(header)),
    }
}

fn role(usage: char) -> (CountryRole, bool) {
    match usage {
        'E' => (CountryRole::Destination, true),
        'O' => (CountryRole::Origin, false),
        'P' => (CountryRole::Origin, true),
        'R' => (CountryRole::EnRoute, false),
        'S' => (CountryRole::EnRoute, true),
        // 'D', the only other code the parser lets through.
        _ => (CountryRole::Destination, false),
    }
}

/// An identifier of EORI form: a two-letter country prefix and up to 15 letters or digits.
fn is_eori(identifier: &str) -> bool {
    identifier
        .split_at_checked(2)
        .is_some_and(|(prefix, rest)| {
            prefix.chars().all(|c| c.is_ascii_uppercase())
                && (1..=15).contains(&rest.len())
                && rest.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

fn authorization(
    licence: parse::ParsedAuthorization,
    header: Option<&parse::FileHeader>,
) -> Authorization {
    let open = licence
        .licence_type
        .as_deref()
        .is_some_and(|kind| kind.starts_with('O'));
    let event = match licence.action {
        parse::LicenceAction::Replace => {
            header.map(|h| StatusEvent::new(LicenceAction::Amend, file_date(h)))
        }
        _ => licence
            .valid_from
            .clone()
            .map(|start| StatusEvent::new(LicenceAction::Issue, start)),
    }
    .map(|event| StatusEvent {
        source: event_source(header, &licence.transaction_ref),
        ..event
    });
    let provisos = provisos(licence.restrictions.as_deref());
    Authorization {
        reference: licence.reference,
        direction: match licence.direction {
            Some(parse::Direction::Import) => Direction::Import,
            Some(parse::Direction::Export) | None => Direction::Export,
        },
        // insert and replace: CHIEF only carries licences the authority has issued.
        status: AuthorizationStatus::Issued,
        open,
        issuing_authority: ISSUING_AUTHORITY.to_owned(),
        application_date: None,
        issue_date: licence.issue_date,
        valid_from: licence.valid_from,
        valid_until: licence.valid_until,
        parties: licence
            .parties
            .into_iter()
            .map(|p| {
                let trader = p.from_trader_record;
                Party {
                    role: match p.role {
                        parse::PartyRole::Exporter => PartyRole::Exporter,
                        parse::PartyRole::Importer => PartyRole::Importer,
                        parse::PartyRole::EndUser => PartyRole::EndUser,
                        parse::PartyRole::Other => PartyRole::Other,
                    },
                    name: p.name,
                    // The trader record holds the UK trader: a registered business.
                    party_type: trader.then_some(PartyType::Company),
                    address: p.address,
                    country: p.country,
                    identifiers: p
                        .identifier
                        .into_iter()
                        .map(|id| {
                            let scheme = if is_eori(&id) {
                                IdentifierScheme::Eori
                            } else {
                                IdentifierScheme::Other
                            };
                            PartyIdentifier::new(scheme, id)
                        })
                        .collect(),
                }
            })
            .collect(),
        countries: [
            (licence.destination_countries, 'D'),
            (licence.prohibited_destination_countries, 'E'),
            (licence.origin_countries, 'O'),
            (licence.prohibited_origin_countries, 'P'),
            (licence.transit_countries, 'R'),
            (licence.prohibited_transit_countries, 'S'),
        ]
        .into_iter()
        .flat_map(|(codes, usage)| codes.into_iter().map(move |code| (code, usage)))
        .map(|(code, usage)| {
            let (role, prohibited) = role(usage);
            LicenceCountry {
                prohibited,
                ..LicenceCountry::new(code, role)
            }
        })
        .collect(),
        country_groups: licence
            .country_groups
            .into_iter()
            .map(|group| {
                let (role, prohibited) = role(group.usage);
                CountryGroup {
                    prohibited,
                    ..CountryGroup::new(group.group, role)
                }
            })
            .collect(),
        end_use: None,
        euc_reference: None,
        provisos,
        refusal_reasons: Vec::new(),
        refusal_criteria: Vec::new(),
        status_history: event.into_iter().collect(),
        message: header.map(message_order),
        lines: licence
            .lines
            .into_iter()
            .map(|line| AuthorizationLine {
                line_no: line.line_no,
                description: line.description,
                control_entry: line.control_entry,
                hs_code: line.hs_code,
                controlled_by: Some(match line.controlled_by {
                    parse::ControlledBy::Both => ControlledBy::Both,
                    parse::ControlledBy::Quantity => ControlledBy::Quantity,
                    parse::ControlledBy::Value => ControlledBy::Value,
                    parse::ControlledBy::Open => ControlledBy::Unlimited,
                }),
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

    /// The PDK's record types have no `PartialEq`: compare what they print.
    macro_rules! assert_same {
        ($left:expr, $right:expr $(,)?) => {
            assert_eq!(format!("{:?}", $left), format!("{:?}", $right))
        };
        ($left:expr, $right:expr, $($arg:tt)+) => {
            assert_eq!(format!("{:?}", $left), format!("{:?}", $right), $($arg)+)
        };
    }

    fn run(bytes: &[u8]) -> Translation {
        let mut plugin = ChiefLicences::default();
        let mut out = Translation::default();
        for chunk in bytes.chunks(64) {
            out.extend(plugin.feed(chunk).expect("feeds"));
        }
        out.extend(plugin.finish().expect("finishes"));
        out
    }

    /// A one-file message around the given licence transactions (each ending in `end`).
    fn file(transactions: &[&str]) -> Vec<u8> {
        let mut lines =
            vec!["fileHeader\\SPIRE\\CHIEF\\licenceData\\202605051800\\58\\N".to_owned()];
        for transaction in transactions {
            let records: Vec<&str> = transaction
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let count = records.len() + 1;
            lines.extend(records.iter().map(|r| (*r).to_owned()));
            lines.push(format!("end\\licence\\{count}"));
        }
        lines.push(format!("fileTrailer\\{}", transactions.len()));
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{}\\{l}\n", i + 1))
            .collect::<String>()
            .into_bytes()
    }

    fn licence(draft: &Draft) -> &Authorization {
        match &draft.record {
            Body::Authorization(a) => a,
            other => panic!("not a licence: {other:?}"),
        }
    }

    fn may_order() -> MessageOrder {
        MessageOrder {
            source: "SPIRE>CHIEF licenceData".into(),
            run: Some(58),
            created: Some("2026-05-05T18:00:00".into()),
        }
    }

    const INSERT: &str = "licence\\T1\\insert\\GBSIEL/2026/0000001/P\\SIE\\E\\20260101\\20270101
        trader\\\\GB100200300000\\20260101\\20270101\\Albion Arms Ltd\\Unit 4\\\\Birmingham\\\\\\B11 2AA
        foreignTrader\\Policia Federal\\Brasilia\\\\\\\\\\BR";

    #[test]
    fn the_may_fixture_gives_the_scenario_licences_without_problems() {
        let out = run(include_bytes!("../fixtures/licences-2026.txt"));
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let refs: Vec<&str> = out.records.iter().map(|d| d.source_ref.as_str()).collect();
        assert_eq!(
            refs,
            [
                "GBSIEL/2026/0000103/P",
                "GBSIEL/2026/0000104/P",
                "GBSIEL/2026/0000105/P",
                "GBSIEL/2026/0000106/P",
                "GBSIEL/2026/0000107/P",
                "GBSIEL/2026/0000108/P",
                "GBSIL2600201K",
            ]
        );
        for draft in &out.records {
            let order = match &draft.record {
                Body::Authorization(a) => a.message.clone(),
                Body::AuthorizationStatusChange(c) => c.message.clone(),
                other => panic!("unexpected {other:?}"),
            };
            assert_same!(order, Some(may_order()), "{}", draft.source_ref);
        }
    }

    #[test]
    fn the_fixtures_sort_in_the_order_they_were_sent() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut inputs: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
            .expect("fixtures")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        inputs.sort();
        let runs: Vec<Option<u64>> = inputs
            .iter()
            .map(|path| {
                let out = run(&std::fs::read(path).expect("read"));
                out.records.iter().find_map(|d| match &d.record {
                    Body::Authorization(a) => a.message.as_ref().and_then(|m| m.run),
                    _ => None,
                })
            })
            .collect();
        assert_eq!(runs, [Some(12), Some(58)], "{inputs:?}");
    }

    #[test]
    fn insert_is_issued_on_the_start_date() {
        let out = run(include_bytes!("../fixtures/licences-2026-01.txt"));
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let l7 = licence(&out.records[0]);
        assert_eq!(l7.status, AuthorizationStatus::Issued);
        assert_same!(
            l7.status_history,
            [StatusEvent {
                source: Some("SPIRE>CHIEF licenceData run 12, transaction 20260000107P".into()),
                ..StatusEvent::new(LicenceAction::Issue, "2026-01-20")
            }]
        );
        assert_same!(
            l7.message,
            Some(MessageOrder {
                source: "SPIRE>CHIEF licenceData".into(),
                run: Some(12),
                created: Some("2026-01-19T17:00:00".into()),
            })
        );
        assert_eq!(
            l7.lines[0].value.as_ref().map(|v| v.amount.as_str()),
            Some("150000.00")
        );
    }

    #[test]
    fn cancel_is_a_status_change_with_its_reason_and_source() {
        let out = run(include_bytes!("../fixtures/licences-2026.txt"));
        let l8 = out
            .records
            .iter()
            .find(|d| d.source_ref == "GBSIEL/2026/0000108/P")
            .expect("L8");
        assert_eq!(l8.line, Some(41));
        let Body::AuthorizationStatusChange(change) = &l8.record else {
            panic!("not a status change: {:?}", l8.record);
        };
        assert_same!(
            change,
            &StatusChange {
                reference: "GBSIEL/2026/0000108/P".into(),
                event: StatusEvent {
                    reason: Some("Cancelled at the exporter's request: contract withdrawn".into()),
                    source: Some("SPIRE>CHIEF licenceData run 58, transaction 20260000108P".into()),
                    ..StatusEvent::new(LicenceAction::Cancel, "2026-05-05")
                },
                message: Some(may_order()),
            }
        );
    }

    #[test]
    fn a_bare_cancel_as_lite_hmrc_writes_it_is_a_status_change_without_reason() {
        let out = run(&file(&[
            "licence\\20260000001P\\cancel\\GBSIEL/2026/0000001/P\\SIE\\E\\20260101\\20270101",
        ]));
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let Body::AuthorizationStatusChange(change) = &out.records[0].record else {
            panic!("{:?}", out.records);
        };
        assert_eq!(change.event.action, LicenceAction::Cancel);
        assert_eq!(change.event.effective, "2026-05-05");
        assert_eq!(change.event.reason, None);
    }

    #[test]
    fn replace_is_the_full_licence_with_an_amend_event_and_the_message_order() {
        let out = run(include_bytes!("../fixtures/licences-2026.txt"));
        let l7 = out
            .records
            .iter()
            .find(|d| d.source_ref == "GBSIEL/2026/0000107/P")
            .map(licence)
            .expect("L7");
        assert_eq!(l7.status, AuthorizationStatus::Issued);
        assert_same!(
            l7.status_history,
            [StatusEvent {
                source: Some("SPIRE>CHIEF licenceData run 58, transaction 20260000107P".into()),
                ..StatusEvent::new(LicenceAction::Amend, "2026-05-05")
            }]
        );
        assert_same!(l7.message, Some(may_order()));
        assert_eq!(l7.valid_from.as_deref(), Some("2026-01-20"));
        assert_eq!(l7.lines[0].controlled_by, Some(ControlledBy::Value));
        assert_eq!(
            l7.lines[0]
                .value
                .as_ref()
                .map(|v| (v.amount.as_str(), v.currency.as_str())),
            Some(("250000.00", "EUR"))
        );
        assert_same!(
            l7.countries,
            [LicenceCountry::new("DK", CountryRole::Destination)]
        );
    }

    #[test]
    fn controlled_by_codes_map_and_o_is_unlimited() {
        let out = run(&file(&[&format!(
            "{INSERT}
            line\\1\\\\\\\\\\Rifles\\B\\GBP\\030\\100.00\\1\\\\\\\\\\\\
            line\\2\\\\\\\\\\Ammunition\\Q\\\\030\\\\500\\\\\\\\\\\\
            line\\3\\\\\\\\\\Spares\\V\\GBP\\\\250.00\\\\\\\\\\\\\\
            line\\4\\\\\\\\\\Unlimited Description goods line\\O\\\\\\\\\\\\\\\\\\\\"
        )]));
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let lines = &licence(&out.records[0]).lines;
        let controls: Vec<Option<ControlledBy>> = lines.iter().map(|l| l.controlled_by).collect();
        assert_eq!(
            controls,
            [
                Some(ControlledBy::Both),
                Some(ControlledBy::Quantity),
                Some(ControlledBy::Value),
                Some(ControlledBy::Unlimited),
            ]
        );
        assert!(lines[3].quantity.is_none());
        assert!(lines[3].value.is_none());
    }

    #[test]
    fn country_use_codes_give_roles_and_prohibitions() {
        let out = run(&file(&[&format!(
            "{INSERT}
            country\\BR\\\\D
            country\\VE\\\\E
            country\\AT\\\\O
            country\\RU\\\\P
            country\\DE\\\\R
            country\\BY\\\\S
            line\\1\\\\\\\\\\Rifles\\Q\\\\030\\\\1\\\\\\\\\\\\"
        )]));
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert_same!(
            licence(&out.records[0]).countries,
            [
                LicenceCountry::new("BR", CountryRole::Destination),
                LicenceCountry::prohibited("VE", CountryRole::Destination),
                LicenceCountry::new("AT", CountryRole::Origin),
                LicenceCountry::prohibited("RU", CountryRole::Origin),
                LicenceCountry::new("DE", CountryRole::EnRoute),
                LicenceCountry::prohibited("BY", CountryRole::EnRoute),
            ]
        );
    }

    #[test]
    fn country_groups_are_kept_by_name_with_role_and_prohibition() {
        let out = run(&file(&[&format!(
            "{INSERT}
            country\\\\G001\\O
            country\\\\G012\\E
            line\\1\\\\\\\\\\Rifles\\O\\\\\\\\\\\\\\\\\\\\"
        )]));
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let a = licence(&out.records[0]);
        assert!(a.countries.is_empty());
        assert_same!(
            a.country_groups,
            [
                CountryGroup::new("G001", CountryRole::Origin),
                CountryGroup {
                    prohibited: true,
                    ..CountryGroup::new("G012", CountryRole::Destination)
                },
            ]
        );
    }

    #[test]
    fn restrictions_become_provisos_split_at_the_chief_separator() {
        let out = run(&file(&[&format!(
            "{INSERT}
            restrictions\\Section 5 authority applies.|| Goods to be import-marked on arrival.||
            line\\1\\\\\\\\\\Rifles\\Q\\\\030\\\\1\\\\\\\\\\\\"
        )]));
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert_eq!(
            licence(&out.records[0]).provisos,
            [
                "Section 5 authority applies.",
                "Goods to be import-marked on arrival."
            ]
        );
    }

    #[test]
    fn the_trader_is_a_company_identified_by_its_eori() {
        let out = run(&file(&[&format!(
            "{INSERT}
            line\\1\\\\\\\\\\Rifles\\Q\\\\030\\\\1\\\\\\\\\\\\"
        )]));
        let parties = &licence(&out.records[0]).parties;
        assert_eq!(parties[0].role, PartyRole::Exporter);
        assert_eq!(parties[0].party_type, Some(PartyType::Company));
        assert_same!(
            parties[0].identifiers,
            [PartyIdentifier::new(
                IdentifierScheme::Eori,
                "GB100200300000"
            )]
        );
        assert_eq!(parties[1].role, PartyRole::EndUser);
        assert_eq!(parties[1].party_type, None);
        assert!(parties[1].identifiers.is_empty());
    }
}
