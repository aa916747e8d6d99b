//! CHIEF `licenceData` messages: the licences a licensing authority sends to customs
//! (backslash-delimited records: fileHeader, licence, trader, country, foreignTrader,
//! restrictions, line, end, fileTrailer), field names as in DES236 and lite-hmrc's
//! `chieftypes.py`. The framing (record numbers, `end` and `fileTrailer` counts, the header)
//! is `interlock_pdk::chief`'s; this file reads the fields and maps them to interlock
//! records (record model 2). A licence transaction with any error is not emitted (CHIEF
//! accepts or rejects licences whole); values the host checks (dates, decimals, countries,
//! currencies, HS codes, duplicate lines) are passed on as written.
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
//! Conventions of the reporting State (documented in `fixtures/scenario/README.md`): the
//! goods description of a line may start with the national control list entry
//! (`ML1.a.4 Assault rifles ...`), which is split off into `control_entry`; CHIEF carries no
//! issue date, and a licence is valid from its issue, so the start date doubles as
//! `issue_date`.
//!
//! CHIEF carries no make, model or serial numbers, no end use and no EUC reference.

use interlock_pdk::chief::{ChiefReader, FileHeader, MessageSpec, Record, RecordSpec, Transaction};
use interlock_pdk::prelude::*;

const AGENCY: &str = "licensing";
const ISSUING_AUTHORITY: &str = "Export Control Joint Unit";

const LICENCE_DATA: MessageSpec = MessageSpec {
    message_type: "licenceData",
    code: "chief-licence-data",
    transaction: RecordSpec::transaction(
        "licence",
        &[
            "transactionRef",
            "action",
            "licenceRef",
            "licenceType",
            "usage",
            "startDate",
            "endDate",
        ],
    ),
    key: "licenceRef",
    records: &[
        // Writers give five or six address lines: the address is every field after the name.
        RecordSpec::within(
            "licence",
            "trader",
            &[
                "turn",
                "rpaTraderId",
                "startDate",
                "endDate",
                "name",
                "address*",
            ],
        ),
        RecordSpec::within("licence", "country", &["code", "group", "use"]),
        // The same, so the country is the last field.
        RecordSpec::within("licence", "foreignTrader", &["name", "address*", "country"]),
        RecordSpec::within("licence", "restrictions", &["text"]),
        RecordSpec::within(
            "licence",
            "line",
            &[
                "lineNum",
                "commodity",
                "supplement1",
                "supplement2",
                "commodityGroup",
                "goodsDescription",
                "controlledBy",
                "currency",
                "quantityUnit",
                "valueIssued",
                "quantityIssued",
            ],
        ),
    ],
};

pub struct ChiefLicences {
    reader: ChiefReader,
}

impl Default for ChiefLicences {
    fn default() -> Self {
        ChiefLicences {
            reader: ChiefReader::new(&LICENCE_DATA),
        }
    }
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
        let mut out = Translation::default();
        let transactions = self.reader.feed(chunk, &mut out);
        self.translate(transactions, &mut out);
        Ok(out)
    }

    fn finish(&mut self) -> Result<Translation> {
        let mut out = Translation::default();
        let transactions = self.reader.finish(&mut out);
        self.translate(transactions, &mut out);
        Ok(out)
    }
}

impl ChiefLicences {
    fn translate(&self, transactions: Vec<Transaction>, out: &mut Translation) {
        let header = self.reader.header();
        for transaction in transactions {
            let draft = transaction.read(out, |licence, problems| {
                licence_message(licence, header, problems)
            });
            if let Some(draft) = draft.flatten() {
                out.push(draft);
            }
        }
    }
}

/// A `licence` transaction: the full licence (insert, replace) or its cancellation.
fn licence_message(
    licence: &Record,
    header: Option<&FileHeader>,
    problems: &mut Vec<Diagnostic>,
) -> Option<Draft> {
    let transaction_ref = licence.required("transactionRef", problems);
    let actions = [
        ("insert", LicenceAction::Issue),
        ("replace", LicenceAction::Amend),
        ("cancel", LicenceAction::Cancel),
    ];
    let action = licence.one_of("action", &actions, problems);
    let reference = licence.required("licenceRef", problems);
    // `SPIRE>CHIEF licenceData run 58, transaction 20260000107P`.
    let source = header.map(|h| {
        format!(
            "{} run {}, transaction {transaction_ref}",
            h.stream(),
            h.run_number
        )
    });
    let body: Body = if action == Some(LicenceAction::Cancel) {
        let Some(header) = header else {
            // Without a readable header the file already has an error; a cancel without
            // its date cannot be applied.
            problems.push(licence.error(
                "creationDateTime",
                format!(
                    "cancel of licence {reference} needs the file's creation date, and the fileHeader could not be read"
                ),
            ));
            return None;
        };
        // Whatever else a cancel repeats (trader, countries, lines) is ignored.
        let reason: Vec<&str> = licence
            .children_of_type("restrictions")
            .flat_map(|r| provisos(r.get("text")))
            .collect();
        let event = StatusEvent {
            reason: (!reason.is_empty()).then(|| reason.join(" ")),
            source,
            ..StatusEvent::new(LicenceAction::Cancel, header.date())
        };
        StatusChange {
            message: Some(header.message_order()),
            ..StatusChange::new(&reference, event)
        }
        .into()
    } else {
        authorization(licence, &reference, action, header, source, problems).into()
    };
    Some(Draft::new(AGENCY, reference, body).at(licence.line))
}

/// An inserted or replaced licence, in full.
fn authorization(
    licence: &Record,
    reference: &str,
    action: Option<LicenceAction>,
    header: Option<&FileHeader>,
    source: Option<String>,
    problems: &mut Vec<Diagnostic>,
) -> Authorization {
    let licence_type = licence.required("licenceType", problems);
    let usages = [("E", Direction::Export), ("I", Direction::Import)];
    let direction = licence
        .one_of("usage", &usages, problems)
        .unwrap_or(Direction::Export);
    let valid_from = licence.required_date("startDate", problems);
    let event = match action {
        // A replace takes effect when it is sent; an insert on the licence's start date.
        Some(LicenceAction::Amend) => {
            header.map(|h| StatusEvent::new(LicenceAction::Amend, h.date()))
        }
        _ => valid_from
            .as_ref()
            .map(|start| StatusEvent::new(LicenceAction::Issue, start)),
    };
    let mut authorization = Authorization {
        // insert and replace: CHIEF only carries licences the authority has issued.
        open: licence_type.starts_with('O'),
        issue_date: valid_from.clone(),
        valid_from,
        valid_until: licence.date("endDate", problems),
        status_history: event
            .map(|event| StatusEvent { source, ..event })
            .into_iter()
            .collect(),
        message: header.map(FileHeader::message_order),
        ..Authorization::new(
            reference,
            direction,
            AuthorizationStatus::Issued,
            ISSUING_AUTHORITY,
        )
    };
    for record in &licence.children {
        match record.record_type {
            "trader" => authorization
                .parties
                .push(trader(record, direction, problems)),
            "foreignTrader" => authorization
                .parties
                .push(foreign_trader(record, direction, problems)),
            "country" => country(record, &mut authorization, problems),
            "restrictions" => authorization
                .provisos
                .extend(provisos(record.get("text")).map(str::to_owned)),
            _ => authorization.lines.push(line(record, problems)),
        }
    }
    authorization
}

/// The UK trader (the exporter, or the importer of an import licence): a registered
/// business, identified by its TURN or RPA trader id (an EORI in practice).
fn trader(record: &Record, direction: Direction, problems: &mut Vec<Diagnostic>) -> Party {
    let role = match direction {
        Direction::Import => PartyRole::Importer,
        _ => PartyRole::Exporter,
    };
    let mut party = Party {
        address: address(record),
        ..Party::new(role, record.required("name", problems)).party_type(PartyType::Company)
    };
    match record
        .optional("turn")
        .or_else(|| record.optional("rpaTraderId"))
    {
        Some(id) => match eori_country(&id) {
            // An EORI starts with the code of the country that issued it: the trader's.
            Some(country) => {
                party = party
                    .country(country)
                    .identified(IdentifierScheme::Eori, id)
            }
            None => party = party.identifier(id),
        },
        None => problems.push(record.error("turn", "either TURN or rpaTraderId is required")),
    }
    party
}

/// The foreign trader: the end user of an export licence (lite-hmrc writes the LITE end
/// user there), the overseas supplier of an import licence.
fn foreign_trader(record: &Record, direction: Direction, problems: &mut Vec<Diagnostic>) -> Party {
    let role = match direction {
        Direction::Import => PartyRole::Exporter,
        _ => PartyRole::EndUser,
    };
    Party {
        address: address(record),
        country: record.optional("country"),
        ..Party::new(role, record.required("name", problems))
    }
}

/// The address lines and postcode, in one string.
fn address(record: &Record) -> Option<String> {
    let lines = record.run("address");
    (!lines.is_empty()).then(|| lines.join(", "))
}

/// The country prefix of an identifier of EORI form: two capital letters and up to 15
/// letters or digits.
fn eori_country(identifier: &str) -> Option<&str> {
    let (prefix, rest) = identifier.split_at_checked(2)?;
    let is_eori = prefix.chars().all(|c| c.is_ascii_uppercase())
        && (1..=15).contains(&rest.len())
        && rest.chars().all(|c| c.is_ascii_alphanumeric());
    is_eori.then_some(prefix)
}

/// A country (or a CHIEF country group, e.g. `G001`, members unlisted) with its `use`.
fn country(record: &Record, licence: &mut Authorization, problems: &mut Vec<Diagnostic>) {
    let uses = [
        ("D", (CountryRole::Destination, false)),
        ("E", (CountryRole::Destination, true)),
        ("O", (CountryRole::Origin, false)),
        ("P", (CountryRole::Origin, true)),
        ("R", (CountryRole::EnRoute, false)),
        ("S", (CountryRole::EnRoute, true)),
    ];
    let Some((role, prohibited)) = record.one_of("use", &uses, problems) else {
        return;
    };
    match (record.optional("code"), record.optional("group")) {
        (Some(code), None) => {
            let country = LicenceCountry {
                prohibited,
                ..LicenceCountry::new(code, role)
            };
            let known = licence.countries.iter().any(|c| {
                (&c.country, c.role, c.prohibited)
                    == (&country.country, country.role, country.prohibited)
            });
            if !known {
                licence.countries.push(country);
            }
        }
        (None, Some(group)) => licence.country_groups.push(CountryGroup {
            prohibited,
            ..CountryGroup::new(group, role)
        }),
        (None, None) => {
            problems.push(record.error("code", "either a country code or a group is required"))
        }
        (Some(_), Some(_)) => {
            problems.push(record.error("group", "must be empty when a country code is given"))
        }
    }
}

/// The restrictions text as provisos: CHIEF separates the authority's lines with `||`.
fn provisos(text: &str) -> impl Iterator<Item = &str> {
    text.split("||")
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

fn line(record: &Record, problems: &mut Vec<Diagnostic>) -> AuthorizationLine {
    let hs_code = record.optional("commodity");
    let controls = [
        ("B", ControlledBy::Both),
        ("O", ControlledBy::Unlimited),
        ("Q", ControlledBy::Quantity),
        ("V", ControlledBy::Value),
    ];
    let controlled_by = record.one_of("controlledBy", &controls, problems);
    let by_quantity = matches!(
        controlled_by,
        Some(ControlledBy::Both | ControlledBy::Quantity)
    );
    let by_value = matches!(
        controlled_by,
        Some(ControlledBy::Both | ControlledBy::Value)
    );
    let quantity = record
        .optional("quantityIssued")
        .filter(|_| by_quantity)
        .and_then(|amount| {
            let unit_code = record.get("quantityUnit");
            let unit = rec20_unit(unit_code);
            if unit.is_none() {
                problems.push(record.error(
                    "quantityUnit",
                    if unit_code.is_empty() {
                        "required when controlledBy is B or Q".to_owned()
                    } else {
                        format!("CHIEF quantity code '{unit_code}' has no UN/ECE Rec 20 mapping")
                    },
                ));
            }
            Some(quantity(&amount, unit?))
        });
    let (control_entry, description) = split_control_entry(record.get("goodsDescription"));
    let description = match (&hs_code, record.optional("commodityGroup")) {
        _ if !description.is_empty() => description.to_owned(),
        (Some(code), _) => format!("Commodity code {code}"),
        (None, Some(group)) => format!("Commodity group {group}"),
        // The host refuses a line without a description, naming it.
        (None, None) => String::new(),
    };
    AuthorizationLine {
        control_entry,
        hs_code,
        controlled_by,
        quantity,
        value: record
            .optional("valueIssued")
            .filter(|_| by_value)
            .map(|amount| money(&amount, record.get("currency"))),
        ..AuthorizationLine::new(record.number("lineNum", problems).unwrap_or(0), description)
    }
}

/// CHIEF quantity codes (HMRC "UK trade tariff quantity codes") to UN/ECE Recommendation
/// 20 unit codes. Only codes with an unambiguous Rec 20 equivalent are mapped; any other
/// code is reported rather than guessed.
///
/// lite-hmrc's own `UnitMapping` sends LTR as 94 and MTQ as 2, which HMRC's list defines
/// as "100 international units" and "kilogram of KOH"; its fixtures use 076 for litres.
/// Those two codes are therefore not mapped.
pub fn rec20_unit(chief_code: &str) -> Option<&'static str> {
    // Codes are written with leading zeros (030) but are numbers.
    let code: u32 = chief_code.trim().parse().ok()?;
    Some(match code {
        19 => "SET",
        21 => "GRM",
        23 => "KGM",
        25 => "TNE",
        30 => "NAR",
        31 => "PR",
        32 => "DZN",
        45 => "MTK",
        57 => "MTR",
        74 => "MLT",
        76 => "LTR",
        87 => "MTQ",
        110 => "4G",
        111 => "MGM",
        116 => "MC",
        _ => return None,
    })
}

/// Splits a leading national control list entry (`ML1.a.4`, `ML10.a`, `PL5001`) from a
/// goods description. Only a first word that looks like a rating and is followed by more
/// text is taken, so a description such as "ML3" alone stays a description.
fn split_control_entry(description: &str) -> (Option<String>, &str) {
    let Some((first, rest)) = description.split_once(' ') else {
        return (None, description);
    };
    let looks_like_rating = (first.starts_with("ML") || first.starts_with("PL"))
        && first
            .get(2..3)
            .is_some_and(|c| c.chars().all(|c| c.is_ascii_digit()))
        && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
    if looks_like_rating && !rest.trim().is_empty() {
        (Some(first.to_owned()), rest.trim())
    } else {
        (None, description)
    }
}

export_plugin!(ChiefLicences);

#[cfg(test)]
mod plugin_tests {
    use interlock_pdk::testing::{self, problems};

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
        testing::translate::<ChiefLicences>(bytes, 64).expect("translates")
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

    fn sample(name: &str) -> Option<Vec<u8>> {
        testing::real_sample(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/chief-licence-usage-messages")
                .join(name),
        )
    }

    #[test]
    fn the_fixture_maps_every_field_of_a_licence() {
        let out = run(include_bytes!("../fixtures/licences-2026.txt"));
        let canada_draft = &out.records[1];
        assert_eq!(canada_draft.line, Some(10));
        let canada = licence(canada_draft);
        assert_eq!(canada.direction, Direction::Export);
        assert!(!canada.open);
        assert_eq!(canada.issue_date.as_deref(), Some("2026-03-01"));
        assert_eq!(canada.valid_until.as_deref(), Some("2027-03-01"));
        assert_same!(
            canada.countries,
            [LicenceCountry::new("CA", CountryRole::Destination)]
        );
        assert_same!(
            canada.parties,
            [
                Party::new(PartyRole::Exporter, "Albion Arms Ltd")
                    .party_type(PartyType::Company)
                    .address("Unit 4 Forge Park, Tyseley, Birmingham, West Midlands, B11 2AA")
                    .country("GB")
                    .identified(IdentifierScheme::Eori, "GB100200300000"),
                Party::new(PartyRole::EndUser, "Royal Canadian Mounted Police")
                    .address("73 Leikin Drive, Ottawa ON, K1A 0R2")
                    .country("CA"),
            ]
        );
        assert_same!(
            canada.lines[0],
            AuthorizationLine {
                control_entry: Some("ML1.a.1".into()),
                hs_code: Some("9302000000".into()),
                controlled_by: Some(ControlledBy::Both),
                quantity: Some(quantity("300", "NAR")),
                value: Some(money("120000.00", "GBP")),
                ..AuthorizationLine::new(1, "Self-loading pistols, 9x19mm")
            }
        );
        let import = licence(&out.records[6]);
        assert_eq!(import.direction, Direction::Import);
        assert_same!(
            import.countries,
            [LicenceCountry::new("AT", CountryRole::Origin)]
        );
        let roles: Vec<PartyRole> = import.parties.iter().map(|p| p.role).collect();
        assert_eq!(roles, [PartyRole::Importer, PartyRole::Exporter]);
    }

    #[test]
    fn chunks_of_any_size_give_the_same_translation() {
        let fixture = include_bytes!("../fixtures/licences-2026.txt");
        let out = testing::check_chunking::<ChiefLicences>(fixture).expect("translates");
        assert_eq!(out.records.len(), 7);
    }

    #[test]
    fn the_real_spire_sample_maps_with_every_unit() {
        let Some(bytes) = sample("CHIEF_LIVE_SPIRE_licenceData_1_202001010000") else {
            return;
        };
        let out = run(&bytes);
        assert_eq!(problems(&out), Vec::<String>::new());
        let [draft] = out.records.as_slice() else {
            panic!("{:?}", out.records);
        };
        let licence = licence(draft);
        assert_eq!(licence.reference, "GBSIEL/2020/0000001/P");
        let units: Vec<&str> = licence
            .lines
            .iter()
            .filter_map(|l| l.quantity.as_ref().map(|q| q.unit.as_str()))
            .collect();
        assert_eq!(
            units,
            ["NAR", "MGM", "TNE", "MC", "4G", "MLT", "MGM", "LTR"]
        );
        assert_eq!(licence.parties[1].name, "End User");
        assert_eq!(licence.parties[1].country.as_deref(), Some("GB"));
        assert!(
            licence.parties[0]
                .address
                .as_deref()
                .is_some_and(|a| a.ends_with("GU40 2LX"))
        );
    }

    #[test]
    fn the_real_icms_import_samples_map() {
        for (name, lines) in [
            ("fa_oil_insert", 1),
            ("fa_sil_insert", 6),
            ("sanction_insert", 3),
        ] {
            let Some(bytes) = sample(name) else {
                return;
            };
            let out = run(&bytes);
            assert_eq!(problems(&out), Vec::<String>::new(), "{name}");
            let licence = licence(&out.records[0]);
            assert_eq!(licence.direction, Direction::Import, "{name}");
            assert_eq!(licence.lines.len(), lines, "{name}");
        }
        if let Some(bytes) = sample("fa_oil_insert") {
            let out = run(&bytes);
            let licence = licence(&out.records[0]);
            assert!(licence.open);
            assert_same!(
                licence.country_groups,
                [CountryGroup::new("G001", CountryRole::Origin)]
            );
            assert_eq!(
                licence.lines[0].controlled_by,
                Some(ControlledBy::Unlimited)
            );
        }
        if let Some(bytes) = sample("sanction_insert") {
            let out = run(&bytes);
            let line = &licence(&out.records[0]).lines[0];
            assert_eq!(line.description, "Commodity code 7214993100");
            assert_same!(line.quantity, Some(quantity("26710", "KGM")));
        }
    }

    #[test]
    fn other_chief_messages_are_refused_with_their_type() {
        for (name, found) in [
            ("ILBDOTI_live_CHIEF_usageData_1_202001010000", "usageData"),
            (
                "ILBDOTI_live_CHIEF_licenceReply_1_202001010000",
                "licenceReply",
            ),
            (
                "CHIEF_licenceReply_accepted_and_rejected_example",
                "licenceReply",
            ),
        ] {
            let Some(bytes) = sample(name) else {
                return;
            };
            let out = run(&bytes);
            assert!(out.records.is_empty(), "{name}");
            assert_eq!(
                problems(&out),
                [format!(
                    "file: dataId: line 1: message type is '{found}', expected 'licenceData'"
                )],
                "{name}"
            );
        }
    }

    #[test]
    fn bad_fields_keep_the_licence_back_and_name_line_and_field() {
        let out = run(&file(&[
            "licence\\\\amend\\GBSIEL/2026/0000001/P\\\\X\\2026-01-01
            trader\\\\\\\\\\\\Unit 4
            country\\BR\\G001\\D
            country\\\\\\Z
            line\\1\\\\\\\\\\Rifles\\Q\\\\094\\\\1\\\\\\\\\\\\
            line\\x\\\\\\\\\\Rifles\\W\\\\\\\\\\\\\\\\\\\\",
        ]));
        assert!(out.records.is_empty());
        assert_eq!(
            problems(&out),
            [
                "line 2: transactionRef: required but empty",
                "line 2: action: `amend` is not one of insert, replace, cancel",
                "line 2: licenceType: required but empty",
                "line 2: usage: `X` is not one of E, I",
                "line 2: startDate: `2026-01-01` is not a date in ccyymmdd form",
                "line 3: name: required but empty",
                "line 3: turn: either TURN or rpaTraderId is required",
                "line 4: group: must be empty when a country code is given",
                "line 5: use: `Z` is not one of D, E, O, P, R, S",
                "line 6: quantityUnit: CHIEF quantity code '094' has no UN/ECE Rec 20 mapping",
                "line 7: controlledBy: `W` is not one of B, O, Q, V",
                "line 7: lineNum: `x` is not a whole number in range",
            ]
        );
    }

    #[test]
    fn bytes_outside_ascii_read_as_latin_1_with_a_warning() {
        let mut bytes = file(&[&format!(
            "{INSERT}
            line\\1\\\\\\\\\\Rifles\\Q\\\\030\\\\1\\\\\\\\\\\\"
        )]);
        let at = bytes
            .windows(7)
            .position(|w| w == b"Policia")
            .expect("the end user");
        bytes.splice(at..at + 7, b"Polic\xeda".iter().copied());
        let out = run(&bytes);
        assert_eq!(
            licence(&out.records[0]).parties[1].name,
            "Polic\u{ed}a Federal"
        );
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        assert_eq!(out.diagnostics[0].severity, Severity::Warning);
    }
}
