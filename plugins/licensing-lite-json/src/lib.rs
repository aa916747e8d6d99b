//! UK LITE's JSON licence payload (the `licence` objects LITE sends to HMRC through
//! lite-hmrc), mapped to interlock records (record model 2). Parsing lives in `parse.rs`,
//! which also says what it reports itself (the payload's shape, on the JSON path's line);
//! dates, times, numbers and country codes are passed on as written for the host to check.
//!
//! `action` (lite-api `HMRCIntegrationActionEnum`, lite-hmrc `LicenceActionEnum`):
//!
//! | action | record |
//! |---|---|
//! | `insert` | the licence, issued, `status_history` [Issue effective `start_date`] |
//! | `update`, `replace` | the full licence, [Amend] (LITE status `reinstated`: [Amend, Reinstate]), effective `effective_date` or else the new `start_date` |
//! | `cancel` | a status change: Cancel, or by LITE `status` Revoke (`revoked`), Surrender (`surrendered`), Suspend (`suspended`), Expire (`expired`), Exhaust (`exhausted`) |
//! | `exhaust`, `expire`, `surrender` | a status change: Exhaust, Expire, Surrender |
//! | `open` | nothing (HMRC says the licence is in use); a warning |
//!
//! A status change takes effect on `effective_date` (an interlock extension: LITE's payload
//! carries no date for it; `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]`), else on the day given
//! with `--option received_on=YYYY-MM-DD` (when the payload arrived); without either the
//! status change is refused on its line, because a date cannot be guessed. Every message carries
//! `message.source` `LITE licence payload` (no run number or time: messages of this
//! stream apply in import order) and each event's `source` names LITE's licence id.
//!
//! | model field | LITE payload |
//! |---|---|
//! | `reference` (and `source_ref`) | `reference` |
//! | `direction`, `open` | `type`: siel/oiel/ogel export, sicl/oicl/ogcl brokering, sitl/ogtl transshipment, SIL/OIL/SAN/DFL import; oiel/ogel/oicl/open types `open` |
//! | `issue_date`, `valid_from`, `valid_until` | `start_date` (no issue date in the payload), `start_date`, `end_date` |
//! | `parties[]` exporter (importer, broker by type) | `organisation`: `name`, `address` lines and postcode, `address.country.id`; `eori_number` → identifier scheme `eori` (`other` if not EORI-shaped); `party_type` company |
//! | `parties[]` end user | `end_user`: `name`, `address`, `address.country.id` |
//! | `countries[]` | `countries[].id` (destinations; origins for import types); a standard licence without them: the end user's country as destination |
//! | `country_groups[]` | `country_group` (destination, as lite-hmrc sends it to CHIEF) |
//! | `lines[]` | `goods[]` in payload order, numbered from 1 (as lite-hmrc numbers CHIEF lines) |
//! | `lines[].description` | `name: description` |
//! | `lines[].control_entry` | `control_list_entries[0]` (extension, LITE `Good` ratings) |
//! | `lines[].quantity`, `value` | `quantity` with `unit` (→ Rec 20), `value` in GBP |
//! | `lines[].controlled_by` | open licence: unlimited; a quantity: quantity (lite-hmrc sends CHIEF `Q`) |
//! | `lines[].serial_numbers` | `serial_numbers` (extension, LITE `FirearmGoodDetails`) |
//! | `lines[].serials_complete` | `serial_numbers_available` = `AVAILABLE` and, where given, `number_of_items` serials |
//! | `issuing_authority` | always the UK's Export Control Joint Unit, which operates LITE (the payload does not name it) |

mod parse;

use interlock_pdk::prelude::*;

#[derive(Default)]
pub struct LiteJson {
    /// JSON is read whole, in `finish`.
    input: Vec<u8>,
    /// `--option received_on=YYYY-MM-DD`: when the payload arrived, the effective date of
    /// status changes that carry no `effective_date` of their own.
    received_on: Option<String>,
}

impl Plugin for LiteJson {
    fn info() -> PluginInfo {
        plugin_info(
            "licensing-lite-json",
            env!("CARGO_PKG_VERSION"),
            AgencyKind::Licensing,
            &["UK LITE licence payload (JSON)"],
        )
        .option(
            "received_on",
            "the day the payload was received (YYYY-MM-DD): the effective date of a cancel or other status change that gives no `effective_date`",
            None,
        )
    }

    fn start(&mut self, options: &[(String, String)]) -> Result<()> {
        for (key, value) in options {
            if key == "received_on" {
                self.received_on = Some(value.trim().to_owned());
            }
        }
        Ok(())
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<Translation> {
        self.input.extend_from_slice(chunk);
        Ok(Translation::default())
    }

    fn finish(&mut self) -> Result<Translation> {
        Ok(parse::translate(&self.input, self.received_on.as_deref()))
    }
}

export_plugin!(LiteJson);

#[cfg(test)]
mod plugin_tests {
    use super::*;
    use interlock_pdk::testing;
    use parse::action_name;

    /// The PDK's record types have no `PartialEq`: compare what they print.
    macro_rules! assert_same {
        ($left:expr, $right:expr $(,)?) => {
            assert_eq!(format!("{:?}", $left), format!("{:?}", $right))
        };
    }

    fn run(bytes: &[u8]) -> Translation {
        run_with(bytes, &[])
    }

    fn run_with(bytes: &[u8], options: &[(&str, &str)]) -> Translation {
        testing::translate_with::<LiteJson>(options, bytes, 100).expect("translates")
    }

    fn licence(draft: &Draft) -> &Authorization {
        match &draft.record {
            Body::Authorization(a) => a,
            other => panic!("not a licence: {other:?}"),
        }
    }

    fn change(draft: &Draft) -> &StatusChange {
        match &draft.record {
            Body::AuthorizationStatusChange(c) => c,
            other => panic!("not a status change: {other:?}"),
        }
    }

    const SIEL: &str = r#""reference": "GBSIEL/2026/0000001/P", "type": "siel",
        "start_date": "2026-01-01", "end_date": "2027-01-01",
        "organisation": {"name": "Albion Arms Ltd", "eori_number": "GB100200300000",
                         "address": {"line_1": "Unit 4", "country": {"id": "GB"}}},
        "end_user": {"name": "Policia Federal", "address": {"line_1": "Brasilia", "country": {"id": "BR"}}}"#;

    #[test]
    fn the_fixture_gives_the_scenario_licences_without_problems_whatever_the_chunking() {
        let out =
            testing::check_chunking::<LiteJson>(include_bytes!("../fixtures/licences-2026.json"))
                .expect("translates");
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let references: Vec<&str> = out.records.iter().map(|d| d.source_ref.as_str()).collect();
        assert_eq!(
            references,
            ["GBSIEL/2026/0000101/P", "GBOIEL/2026/0000102/P"]
        );
        let open: Vec<bool> = out.records.iter().map(|d| licence(d).open).collect();
        assert_eq!(open, [false, true]);
        let l1 = licence(&out.records[0]);
        assert_same!(
            l1.status_history,
            [StatusEvent {
                source: Some(
                    "LITE licence payload, licence id 5b0e2c1a-7d4f-4e8a-9a61-2f3c8d9e0101".into()
                ),
                ..StatusEvent::new(LicenceAction::Issue, "2026-01-15")
            }]
        );
        assert_same!(l1.message, Some(MessageOrder::new("LITE licence payload")));
        assert_same!(
            l1.parties[0].identifiers,
            [PartyIdentifier::new(
                IdentifierScheme::Eori,
                "GB100200300000"
            )]
        );
        assert_same!(l1.parties[0].party_type, Some(PartyType::Company));
        assert_same!(l1.lines[0].controlled_by, Some(ControlledBy::Quantity));
        // Three serials of 120 rifles: a sample, not the list.
        assert!(!l1.lines[0].serials_complete);
        let l2 = licence(&out.records[1]);
        assert_same!(l2.lines[0].controlled_by, Some(ControlledBy::Unlimited));
    }

    #[test]
    fn update_is_the_full_licence_with_an_amend_event() {
        let input = format!(
            r#"{{"licence": {{"id": "L-2", "action": "update", "old_id": "L-1", {SIEL},
              "goods": [{{"name": "Rifles", "unit": "NAR", "quantity": 10, "value": 1000}}]}}}}"#
        );
        let out = run(input.as_bytes());
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let a = licence(&out.records[0]);
        assert_same!(a.status, AuthorizationStatus::Issued);
        assert_same!(
            a.status_history,
            [StatusEvent {
                source: Some("LITE licence payload, licence id L-2".into()),
                ..StatusEvent::new(LicenceAction::Amend, "2026-01-01")
            }]
        );
        assert_same!(
            a.countries,
            [LicenceCountry::new("BR", CountryRole::Destination)]
        );
        assert_eq!(a.lines.len(), 1);

        // A reinstatement is an amendment that lifts a suspension, on its effective date.
        let input = format!(
            r#"{{"licence": {{"action": "update", "status": "reinstated",
              "effective_date": "2026-03-04", {SIEL}}}}}"#
        );
        let out = run(input.as_bytes());
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let actions: Vec<String> = licence(&out.records[0])
            .status_history
            .iter()
            .map(|e| format!("{} {}", action_name(e.action), e.effective))
            .collect();
        assert_eq!(actions, ["amend 2026-03-04", "reinstate 2026-03-04"]);
    }

    #[test]
    fn cancel_is_a_status_change_and_the_lite_status_names_the_action() {
        let input = r#"{"licences": [
          {"id": "L-1", "reference": "GBSIEL/2026/0000001/P", "type": "siel", "action": "cancel",
           "effective_date": "2026-05-05T10:30"},
          {"reference": "GBSIEL/2026/0000002/P", "type": "siel", "action": "cancel",
           "status": "revoked", "effective_date": "2026-05-06"},
          {"reference": "GBSIEL/2026/0000003/P", "type": "siel", "action": "exhaust",
           "effective_date": "2026-05-07"},
          {"reference": "GBSIEL/2026/0000004/P", "type": "siel", "action": "surrender",
           "effective_date": "2026-05-08"},
          {"reference": "GBSIEL/2026/0000005/P", "type": "siel", "action": "expire",
           "effective_date": "2026-05-09"}
        ]}"#;
        let out = run(input.as_bytes());
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let first = change(&out.records[0]);
        assert_same!(
            first,
            StatusChange {
                reference: "GBSIEL/2026/0000001/P".into(),
                event: StatusEvent {
                    effective_time: Some("10:30".into()),
                    source: Some("LITE licence payload, licence id L-1".into()),
                    ..StatusEvent::new(LicenceAction::Cancel, "2026-05-05")
                },
                message: Some(MessageOrder::new("LITE licence payload")),
            }
        );
        let actions: Vec<&str> = out
            .records
            .iter()
            .map(|d| action_name(change(d).event.action))
            .collect();
        assert_eq!(
            actions,
            ["cancel", "revoke", "exhaust", "surrender", "expire"]
        );
    }

    #[test]
    fn a_status_change_without_a_date_is_refused_and_open_changes_nothing() {
        let input = r#"{"licences": [
          {"reference": "GBSIEL/2026/0000001/P", "type": "siel", "action": "cancel"},
          {"reference": "GBSIEL/2026/0000002/P", "type": "siel", "action": "open"}
        ]}"#;
        let out = run(input.as_bytes());
        assert!(out.records.is_empty());
        let found: Vec<String> = out
            .diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{:?} {} {}: {}",
                    d.severity,
                    d.line.unwrap_or(0),
                    d.field.as_deref().unwrap_or_default(),
                    d.message
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                "Severity::Error 2 effective_date: cancel of licence GBSIEL/2026/0000001/P needs the date it takes effect (`effective_date`); the LITE payload carries none: give the day it was received with `--option received_on=YYYY-MM-DD`",
                "Severity::Warning 3 action: licence GBSIEL/2026/0000002/P: action `open` (the licence is in use) changes nothing",
            ]
        );
        // With the day the payload was received, the bare cancel imports as of that day.
        let out = run_with(input.as_bytes(), &[("received_on", "2026-05-04")]);
        assert!(
            out.diagnostics
                .iter()
                .all(|d| d.severity != Severity::Error),
            "{:?}",
            out.diagnostics
        );
        match &out.records[0].record {
            Body::AuthorizationStatusChange(change) => {
                assert_eq!(change.event.effective, "2026-05-04");
                assert_eq!(change.event.action, LicenceAction::Cancel);
            }
            other => panic!("expected a status change, got {other:?}"),
        }
    }

    #[test]
    fn serials_are_complete_only_when_the_payload_says_so() {
        let input = format!(
            r#"{{"licence": {{"action": "insert", {SIEL}, "goods": [
              {{"name": "Pistols", "unit": "NAR", "quantity": 2, "serial_numbers_available": "AVAILABLE",
                "number_of_items": 2, "serial_numbers": ["A1", "A2"]}},
              {{"name": "Pistols", "unit": "NAR", "quantity": 3, "serial_numbers_available": "AVAILABLE",
                "number_of_items": 3, "serial_numbers": ["B1", "B2"]}},
              {{"name": "Pistols", "unit": "NAR", "quantity": 1, "serial_numbers_available": "LATER",
                "serial_numbers": ["C1"]}},
              {{"name": "Pistols", "unit": "NAR", "quantity": 1, "serial_numbers": ["D1"]}}
            ]}}}}"#
        );
        let out = run(input.as_bytes());
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let complete: Vec<bool> = licence(&out.records[0])
            .lines
            .iter()
            .map(|l| l.serials_complete)
            .collect();
        assert_eq!(complete, [true, false, false, false]);
    }

    #[test]
    fn a_country_group_is_kept_by_name() {
        let input = r#"{"licence": {"reference": "GBOIEL/2026/0000009/P", "type": "oiel",
          "action": "insert", "start_date": "2026-01-01", "country_group": "G012",
          "organisation": {"name": "Severn Munitions Ltd", "eori_number": "GB300400500000"},
          "goods": [{"description": "Small arms ammunition", "control_list_entries": ["ML3.a"]}]}}"#;
        let out = run(input.as_bytes());
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let a = licence(&out.records[0]);
        assert_same!(
            a.country_groups,
            [CountryGroup::new("G012", CountryRole::Destination)]
        );
        assert_eq!(a.lines[0].control_entry.as_deref(), Some("ML3.a"));
        assert_same!(a.lines[0].controlled_by, Some(ControlledBy::Unlimited));
    }
}
