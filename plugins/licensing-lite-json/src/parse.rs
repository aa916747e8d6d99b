//! Reads LITE's licence JSON payload (what LITE sends to lite-hmrc, which lite-hmrc turns
//! into CHIEF licenceData) into interlock records.
//!
//! Shapes accepted: one payload `{"licence": {...}}` as LITE posts it, a batch
//! `{"licences": [{...}, ...]}`, or a JSON array of payloads. Fields read, as in lite-api's
//! `HMRCIntegrationLicenceSerializer` and lite-hmrc's fixtures:
//!
//! ```text
//! id, reference, type (siel, oiel, ogel, sicl, sitl, ..., SIL/OIL/SAN/DFL), action
//! (insert, update, replace, cancel; open, exhaust, expire, surrender as HMRC reports them),
//! status (LITE licence status), start_date, end_date, country_group,
//! organisation {name, eori_number, address {line_1..line_5, postcode, country {id}}},
//! end_user {name, address {line_1, ..., country {id}}},
//! countries [{id}], goods [{name, description, unit, quantity, value}]
//! ```
//!
//! Goods are numbered from 1 in payload order: lite-hmrc numbers licenceData lines the
//! same way, and the line number is what customs writes off against.
//!
//! Two optional goods fields are interlock extensions taken from LITE's own data model
//! (they are not in the HMRC payload): `control_list_entries` (LITE `Good` ratings, as
//! strings or `{"rating": ...}`) and `serial_numbers` with `serial_numbers_available` and
//! `number_of_items` (LITE `FirearmGoodDetails`). On the licence, `effective_date`
//! (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]`) is an interlock extension: the day a status
//! change or amendment takes effect, which the payload does not carry.
//!
//! Conventions: LITE values are in pounds sterling (the payload has no currency); LITE's
//! own unit codes are mapped to UN/ECE Rec 20 ([`rec20_unit`]); the payload has no issue
//! date, and a licence is valid from issue, so `start_date` doubles as `issue_date`; a
//! standard licence has no destination list, so the end user's country is its destination.
//!
//! Unknown fields are ignored (LITE adds fields over time). Values are passed on as
//! written: the host checks dates, times, numbers and country codes and names the record
//! field (`record.valid_from`) on the licence's line. This parser reports what only it can
//! see, with the JSON path of the field and the line it is on: the payload's shape
//! (a field missing or of the wrong JSON type), unknown actions, statuses, licence types
//! and units. Each licence is checked on its own: a licence with such a problem is not
//! emitted, the others are.

use std::collections::HashMap;

use interlock_pdk::prelude::*;
use serde_json::{Map, Value};

const AGENCY: &str = "licensing";
/// The code of every diagnostic this plugin reports.
const CODE: &str = "lite-payload";
/// LITE does not name the issuing authority in the payload; it is always the UK's Export
/// Control Joint Unit, which operates LITE.
const ISSUING_AUTHORITY: &str = "Export Control Joint Unit";
/// The stream all payloads belong to.
const STREAM: &str = "LITE licence payload";

/// LITE unit codes to UN/ECE Recommendation 20. LITE mostly uses Rec 20 already; it has
/// its own codes for tonne, microgram and microlitre, legacy codes kept for old data, and
/// `ITG` (intangible), which lite-hmrc reports to CHIEF as a number of items.
pub fn rec20_unit(lite_unit: &str) -> Option<&'static str> {
    Some(match lite_unit {
        "NAR" | "ITG" => "NAR",
        "GRM" => "GRM",
        "KGM" => "KGM",
        "MTK" => "MTK",
        "MTR" => "MTR",
        "LTR" => "LTR",
        "MTQ" => "MTQ",
        "MLT" | "MIR" => "MLT",
        "MGM" | "MIM" => "MGM",
        "TON" => "TNE",
        "MCG" | "MCM" => "MC",
        "MCL" | "MCR" => "4G",
        _ => return None,
    })
}

/// What a payload's `action` asks for. LITE's `HMRCIntegrationActionEnum` (lite-api
/// `api/licences/enums.py`) and lite-hmrc's `LicenceActionEnum`: `insert`, `update`,
/// `cancel` go to HMRC, `replace` is lite-hmrc's; `open`, `exhaust`, `expire`,
/// `surrender` (and `cancel`) come back from HMRC with usage.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Message {
    /// The licence itself, with this event (`insert`: issue; `update`, `replace`: amend).
    Licence(LicenceAction),
    /// A status change only.
    Status(LicenceAction),
    /// HMRC says the licence is open (in use): no change.
    Open,
}

/// Translates a whole file: a record for every licence payload, or its problems.
/// `received_on` is the effective date of status changes that carry none.
pub fn translate(input: &[u8], received_on: Option<&str>) -> Translation {
    // Problems with the document as a whole have no line (`whole_file`), so even an import
    // with `--quarantine` refuses the file; problems within one licence hold back that one.
    let mut out = Translation::default();
    let text = match std::str::from_utf8(input) {
        Ok(text) => text,
        Err(error) => {
            let valid = input.get(..error.valid_up_to()).unwrap_or_default();
            let line = valid.iter().filter(|b| **b == b'\n').count() as u64 + 1;
            let problem = diagnostic(Severity::Error, line, "", CODE, "input is not valid UTF-8");
            out.diagnostics.push(whole_file(problem));
            return out;
        }
    };
    let document: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            let line = u64::try_from(error.line()).unwrap_or(0).max(1);
            let problem = diagnostic(
                Severity::Error,
                line,
                "",
                CODE,
                format!("invalid JSON: {error}"),
            );
            out.diagnostics.push(whole_file(problem));
            return out;
        }
    };
    let lines = LineIndex::build(text);
    let payloads: Vec<(String, &Value)> = match &document {
        Value::Object(object) if object.contains_key("licences") => {
            let Some(Value::Array(items)) = object.get("licences") else {
                let line = lines.line("licences");
                let message = "must be an array of licences";
                out.diagnostics.push(whole_file(diagnostic(
                    Severity::Error,
                    line,
                    "licences",
                    CODE,
                    message,
                )));
                return out;
            };
            items
                .iter()
                .enumerate()
                .map(|(i, item)| (format!("licences[{i}]"), item))
                .collect()
        }
        Value::Object(object) if object.contains_key("licence") => object
            .get("licence")
            .map(|l| ("licence".to_owned(), l))
            .into_iter()
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| item.get("licence").map(|l| (format!("[{i}].licence"), l)))
            .collect(),
        _ => {
            let message =
                "expected {\"licence\": ...}, {\"licences\": [...]} or an array of payloads";
            let problem = diagnostic(Severity::Error, lines.line(""), "", CODE, message);
            out.diagnostics.push(whole_file(problem));
            return out;
        }
    };
    if payloads.is_empty() {
        out.file_error("", CODE, "no licence payloads found");
    }
    for (path, payload) in payloads {
        let mut reader = Reader {
            lines: &lines,
            out: Translation::default(),
        };
        reader.licence(&path, payload, received_on);
        if reader
            .out
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
        {
            out.diagnostics.extend(reader.out.diagnostics);
        } else {
            out.extend(reader.out);
        }
    }
    out
}

/// Reads one licence into `out`, its record or its problems.
struct Reader<'l> {
    lines: &'l LineIndex,
    out: Translation,
}

impl Reader<'_> {
    fn report(&mut self, path: &str, message: impl Into<String>) {
        self.out.error(self.lines.line(path), path, CODE, message);
    }

    fn licence(&mut self, path: &str, value: &Value, received_on: Option<&str>) {
        let Some(object) = value.as_object() else {
            self.report(path, "a licence must be a JSON object");
            return;
        };
        let reference = self
            .text(object, path, "reference", true)
            .unwrap_or_default();
        let licence_type = self.text(object, path, "type", true).unwrap_or_default();
        let line = self.lines.line(&join(path, "reference"));
        let lite_id = self.text(object, path, "id", false);
        let message = match self.text(object, path, "action", true).as_deref() {
            Some("insert") | None => Message::Licence(LicenceAction::Issue),
            Some("update" | "replace") => Message::Licence(LicenceAction::Amend),
            Some("cancel") => Message::Status(LicenceAction::Cancel),
            Some("open") => Message::Open,
            Some("exhaust") => Message::Status(LicenceAction::Exhaust),
            Some("expire") => Message::Status(LicenceAction::Expire),
            Some("surrender") => Message::Status(LicenceAction::Surrender),
            Some(other) => {
                let message = format!(
                    "'{other}' is not insert, update, replace, cancel, open, exhaust, expire or surrender"
                );
                self.report(&join(path, "action"), message);
                Message::Licence(LicenceAction::Issue)
            }
        };
        // LITE's licence status (lite-api `LicenceStatus`), as the action it implies.
        let lite_status = match self.text(object, path, "status", false).as_deref() {
            None | Some("issued" | "draft" | "cancelled") => None,
            Some("reinstated") => Some(LicenceAction::Reinstate),
            Some("revoked") => Some(LicenceAction::Revoke),
            Some("surrendered") => Some(LicenceAction::Surrender),
            Some("suspended") => Some(LicenceAction::Suspend),
            Some("exhausted") => Some(LicenceAction::Exhaust),
            Some("expired") => Some(LicenceAction::Expire),
            Some(other) => {
                let message = format!("'{other}' is not a LITE licence status");
                self.report(&join(path, "status"), message);
                None
            }
        };
        let effective = self.text(object, path, "effective_date", false);
        let (effective_date, effective_time) = match effective.as_deref().map(|e| e.split_once('T'))
        {
            Some(Some((date, time))) => (Some(date.to_owned()), Some(time.to_owned())),
            Some(None) => (effective, None),
            None => (None, None),
        };
        let event = |action: LicenceAction, date: String| StatusEvent {
            effective_time: effective_time.clone(),
            source: lite_id
                .as_ref()
                .map(|id| format!("{STREAM}, licence id {id}")),
            ..StatusEvent::new(action, date)
        };

        let direction = match licence_type.to_ascii_lowercase().as_str() {
            "siel" | "oiel" | "ogel" | "" => Direction::Export,
            "sicl" | "oicl" | "ogcl" => Direction::Brokering,
            "sitl" | "ogtl" => Direction::Transshipment,
            "sil" | "oil" | "san" | "dfl" => Direction::Import,
            other => {
                let message = format!("'{other}' is not a known LITE licence type");
                self.report(&join(path, "type"), message);
                Direction::Export
            }
        };
        let open = matches!(
            licence_type.to_ascii_lowercase().as_str(),
            "oiel" | "ogel" | "oicl" | "open"
        );
        let action = match message {
            Message::Licence(action) => action,
            Message::Open => {
                let message = format!(
                    "licence {reference}: action `open` (the licence is in use) changes nothing"
                );
                self.out.warning(line, "action", CODE, message);
                return;
            }
            Message::Status(action) => {
                let action = match (action, lite_status) {
                    (LicenceAction::Cancel, Some(status)) if status != LicenceAction::Reinstate => {
                        status
                    }
                    _ => action,
                };
                let Some(date) = effective_date.or(received_on.map(str::to_owned)) else {
                    let message = format!(
                        "{} of licence {reference} needs the date it takes effect (`effective_date`); the LITE payload carries none: give the day it was received with `--option received_on=YYYY-MM-DD`",
                        action_name(action),
                    );
                    self.out.error(line, "effective_date", CODE, message);
                    return;
                };
                let change = StatusChange {
                    message: Some(MessageOrder::new(STREAM)),
                    ..StatusChange::new(&reference, event(action, date))
                };
                self.out
                    .push(Draft::new(AGENCY, reference, change).at(line));
                return;
            }
        };

        let valid_from = self.text(object, path, "start_date", true);
        let mut parties = Vec::new();
        if let Some(organisation) = object.get("organisation") {
            let role = match direction {
                Direction::Import => PartyRole::Importer,
                Direction::Brokering => PartyRole::Broker,
                _ => PartyRole::Exporter,
            };
            let at = join(path, "organisation");
            if let Some(party) = self.party(&at, organisation, role) {
                let eori = organisation
                    .as_object()
                    .and_then(|o| self.text(o, &at, "eori_number", false));
                parties.push(Party {
                    party_type: Some(PartyType::Company),
                    ..match eori {
                        // The field is named for EORI, but not every value is one.
                        Some(id) if is_eori(&id) => party.identified(IdentifierScheme::Eori, id),
                        Some(id) => party.identifier(id),
                        None => party,
                    }
                });
            }
        } else {
            self.report(&join(path, "organisation"), "required but missing");
        }
        if let Some(end_user) = object.get("end_user")
            && let Some(party) = self.party(&join(path, "end_user"), end_user, PartyRole::EndUser)
        {
            parties.push(party);
        }

        let mut countries = Vec::new();
        for (item_path, item) in self.array(object, path, "countries") {
            let code = match item {
                Value::String(code) => Some(code.trim().to_owned()),
                Value::Object(country) => self.text(country, &item_path, "id", false),
                _ => None,
            };
            match code {
                Some(code) => countries.push(code),
                None => self.report(&item_path, "a country is a code or {\"id\": code}"),
            }
        }
        let role = if direction == Direction::Import {
            CountryRole::Origin
        } else {
            CountryRole::Destination
        };
        if countries.is_empty() && role == CountryRole::Destination {
            let end_user = parties.iter().find(|p| p.role == PartyRole::EndUser);
            countries.extend(end_user.and_then(|p| p.country.clone()));
        }
        let country_group = match object.get("country_group") {
            Some(Value::Object(group)) => {
                self.text(group, &join(path, "country_group"), "id", false)
            }
            _ => self.text(object, path, "country_group", false),
        };
        let lines = self
            .array(object, path, "goods")
            .into_iter()
            .zip(1..)
            .filter_map(|((at, good), line_no)| self.good(&at, good, line_no, open))
            .collect();

        let status_history = effective_date
            .clone()
            .or_else(|| valid_from.clone())
            .map(|date| {
                let mut events = vec![event(action, date.clone())];
                if action == LicenceAction::Amend && lite_status == Some(LicenceAction::Reinstate) {
                    events.push(event(LicenceAction::Reinstate, date));
                }
                events
            })
            .unwrap_or_default();
        let licence = Authorization {
            open,
            issue_date: valid_from.clone(),
            valid_from,
            valid_until: self.text(object, path, "end_date", false),
            parties,
            countries: countries
                .into_iter()
                .map(|code| LicenceCountry::new(code, role))
                .collect(),
            country_groups: country_group
                .into_iter()
                .map(|name| CountryGroup::new(name, CountryRole::Destination))
                .collect(),
            status_history,
            message: Some(MessageOrder::new(STREAM)),
            lines,
            ..Authorization::new(
                &reference,
                direction,
                AuthorizationStatus::Issued,
                ISSUING_AUTHORITY,
            )
        };
        self.out
            .push(Draft::new(AGENCY, reference, licence).at(line));
    }

    fn party(&mut self, path: &str, value: &Value, role: PartyRole) -> Option<Party> {
        let Some(object) = value.as_object() else {
            self.report(path, "must be an object");
            return None;
        };
        let name = self.text(object, path, "name", true).unwrap_or_default();
        let mut party = Party::new(role, name);
        let at = join(path, "address");
        let Some(address) = object.get("address").and_then(Value::as_object) else {
            return Some(party);
        };
        let lines: Vec<String> = ["line_1", "line_2", "line_3", "line_4", "line_5", "postcode"]
            .into_iter()
            .filter_map(|key| self.text(address, &at, key, false))
            .collect();
        party.address = (!lines.is_empty()).then(|| lines.join(", "));
        party.country = match address.get("country") {
            Some(Value::Object(country)) => self.text(country, &join(&at, "country"), "id", false),
            _ => self.text(address, &at, "country", false),
        };
        Some(party)
    }

    fn good(
        &mut self,
        path: &str,
        value: &Value,
        line_no: u32,
        open: bool,
    ) -> Option<AuthorizationLine> {
        let Some(object) = value.as_object() else {
            self.report(path, "a good must be an object");
            return None;
        };
        let name = self.text(object, path, "name", false);
        let detail = self.text(object, path, "description", false);
        let description = match (name, detail) {
            (Some(name), Some(detail)) => format!("{name}: {detail}"),
            (Some(text), None) | (None, Some(text)) => text,
            (None, None) => {
                self.report(path, "a good needs a name or a description");
                String::new()
            }
        };
        let amount = self.number(object, path, "quantity");
        let quantity = match (amount, self.text(object, path, "unit", false)) {
            (Some(amount), Some(unit)) => match rec20_unit(&unit) {
                Some(rec20) => Some(quantity(&amount, rec20)),
                None => {
                    let message = format!("LITE unit '{unit}' has no UN/ECE Rec 20 mapping");
                    self.report(&join(path, "unit"), message);
                    None
                }
            },
            (Some(_), None) => {
                self.report(&join(path, "unit"), "required when a quantity is given");
                None
            }
            (None, _) => None,
        };
        let control_entries = self.strings(object, path, "control_list_entries", "rating");
        let serial_numbers = self.strings(object, path, "serial_numbers", "serial_number");
        let available = self.text(object, path, "serial_numbers_available", false);
        let number_of_items = self.number(object, path, "number_of_items");
        Some(AuthorizationLine {
            // The model keeps one entry per line; LITE's first (assessed) rating is it.
            control_entry: control_entries.into_iter().next(),
            controlled_by: if open {
                Some(ControlledBy::Unlimited)
            } else {
                quantity.as_ref().map(|_| ControlledBy::Quantity)
            },
            quantity,
            value: self.number(object, path, "value").map(|v| money(&v, "GBP")),
            // Complete when LITE asks for every item's serial and, where it says how many
            // items there are, the list has that many.
            serials_complete: available.as_deref() == Some("AVAILABLE")
                && !serial_numbers.is_empty()
                && number_of_items.is_none_or(|n| n == serial_numbers.len().to_string()),
            serial_numbers,
            ..AuthorizationLine::new(line_no, description)
        })
    }

    /// A trimmed string, `None` when empty or absent (an error if `required`); any other
    /// JSON type is an error.
    fn text(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<String> {
        match object.get(key) {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.trim().to_owned()),
            Some(Value::String(_) | Value::Null) | None => {
                if required {
                    self.report(&join(path, key), "required but missing or empty");
                }
                None
            }
            Some(_) => {
                self.report(&join(path, key), "must be a string");
                None
            }
        }
    }

    /// A JSON number (LITE sends floats such as `10.0`, written here without the `.0`) or
    /// a string, as text.
    fn number(&mut self, object: &Map<String, Value>, path: &str, key: &str) -> Option<String> {
        match object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Number(number)) => {
                let text = number.to_string();
                Some(text.strip_suffix(".0").unwrap_or(&text).to_owned())
            }
            Some(Value::String(text)) => Some(text.trim().to_owned()),
            Some(_) => {
                self.report(&join(path, key), "must be a number");
                None
            }
        }
    }

    /// The elements of an array, each with its path; absent is empty, any other JSON type
    /// an error.
    fn array<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Vec<(String, &'v Value)> {
        let at = join(path, key);
        match object.get(key) {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| (format!("{at}[{i}]"), item))
                .collect(),
            Some(_) => {
                self.report(&at, "must be an array");
                Vec::new()
            }
        }
    }

    /// An array of strings, or of objects carrying the string under `inner_key`.
    fn strings(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
        inner_key: &str,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for (at, item) in self.array(object, path, key) {
            let text = match item {
                Value::String(text) => Some(text.trim()),
                Value::Object(_) => item.get(inner_key).and_then(Value::as_str).map(str::trim),
                _ => None,
            };
            match text {
                Some(text) if !text.is_empty() => out.push(text.to_owned()),
                _ => self.report(
                    &at,
                    format!("expected a string or {{\"{inner_key}\": ...}}"),
                ),
            }
        }
        out
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

pub fn action_name(action: LicenceAction) -> &'static str {
    match action {
        LicenceAction::Apply => "apply",
        LicenceAction::Refuse => "refuse",
        LicenceAction::Issue => "issue",
        LicenceAction::Amend => "amend",
        LicenceAction::Suspend => "suspend",
        LicenceAction::Reinstate => "reinstate",
        LicenceAction::Revoke => "revoke",
        LicenceAction::Cancel => "cancel",
        LicenceAction::Surrender => "surrender",
        LicenceAction::Expire => "expire",
        LicenceAction::Exhaust => "exhaust",
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

// ---------------------------------------------------------------------------------------
// Line numbers for JSON paths
// ---------------------------------------------------------------------------------------

/// Maps the JSON path of every value (`licences[0].goods[1].quantity`) to the line it
/// starts on, so problems point at the offending field. serde_json's `Value` keeps no
/// positions, so the (already validated) text is walked once more.
#[derive(Debug, Default)]
struct LineIndex {
    lines: HashMap<String, u64>,
}

enum Frame {
    Object { path: String, key: Option<String> },
    Array { path: String, index: usize },
}

impl LineIndex {
    fn build(text: &str) -> LineIndex {
        let mut lines = HashMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut line: u64 = 1;
        let bytes = text.as_bytes();
        let mut i = 0;
        // The path a value starting here has, if we are at a value position.
        let value_path = |stack: &mut Vec<Frame>| -> String {
            match stack.last_mut() {
                None => String::new(),
                Some(Frame::Object { path, key }) => join(path, &key.take().unwrap_or_default()),
                Some(Frame::Array { path, index }) => {
                    let at = format!("{path}[{index}]");
                    *index += 1;
                    at
                }
            }
        };
        while let Some(&byte) = bytes.get(i) {
            match byte {
                b'\n' => line += 1,
                b'"' => {
                    let start = i;
                    i += 1;
                    while let Some(&b) = bytes.get(i) {
                        match b {
                            b'\\' => i += 1,
                            b'"' => break,
                            b'\n' => line += 1,
                            _ => {}
                        }
                        i += 1;
                    }
                    let raw = text.get(start..=i).unwrap_or_default();
                    let is_key = matches!(stack.last(), Some(Frame::Object { key: None, .. }))
                        && next_significant(bytes, i + 1) == Some(b':');
                    if is_key {
                        let key = serde_json::from_str::<String>(raw).unwrap_or_default();
                        if let Some(Frame::Object { key: slot, .. }) = stack.last_mut() {
                            *slot = Some(key);
                        }
                    } else {
                        let path = value_path(&mut stack);
                        lines.entry(path).or_insert(line);
                    }
                }
                b'{' | b'[' => {
                    let path = value_path(&mut stack);
                    lines.entry(path.clone()).or_insert(line);
                    stack.push(if byte == b'{' {
                        Frame::Object { path, key: None }
                    } else {
                        Frame::Array { path, index: 0 }
                    });
                }
                b'}' | b']' => {
                    stack.pop();
                }
                b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                    let path = value_path(&mut stack);
                    lines.entry(path).or_insert(line);
                    while bytes.get(i + 1).is_some_and(|b| {
                        !matches!(b, b',' | b'}' | b']' | b'\n' | b' ' | b'\t' | b'\r')
                    }) {
                        i += 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        LineIndex { lines }
    }

    /// The line of a path, or of its nearest ancestor that exists (a missing field is
    /// reported on its parent's line).
    fn line(&self, path: &str) -> u64 {
        let mut at = path;
        loop {
            if let Some(line) = self.lines.get(at) {
                return *line;
            }
            match at.rfind(['.', '[']) {
                Some(cut) => at = at.get(..cut).unwrap_or_default(),
                None => return self.lines.get("").copied().unwrap_or(1),
            }
        }
    }
}

fn next_significant(bytes: &[u8], from: usize) -> Option<u8> {
    bytes
        .get(from..)?
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;
    use interlock_pdk::testing::problems;

    fn licences(out: &Translation) -> Vec<&Authorization> {
        out.records
            .iter()
            .filter_map(|d| match &d.record {
                Body::Authorization(a) => Some(a),
                _ => None,
            })
            .collect()
    }

    fn quantities(licence: &Authorization) -> Vec<(&str, &str)> {
        licence
            .lines
            .iter()
            .filter_map(|l| l.quantity.as_ref())
            .map(|q| (q.amount.as_str(), q.unit.as_str()))
            .collect()
    }

    #[test]
    fn the_fixture_gives_the_scenario_licences_on_the_lines_of_their_references() {
        let out = translate(include_bytes!("../fixtures/licences-2026.json"), None);
        assert_eq!(problems(&out), Vec::<String>::new());
        let lines: Vec<Option<u64>> = out.records.iter().map(|d| d.line).collect();
        assert_eq!(lines, [Some(5), Some(55)]);
        let found = licences(&out);
        let siel = found[0];
        assert_eq!(siel.direction, Direction::Export);
        assert_eq!(siel.issue_date.as_deref(), Some("2026-01-15"));
        let countries: Vec<&str> = siel.countries.iter().map(|c| c.country.as_str()).collect();
        assert_eq!(countries, ["NO"]);
        let parties: Vec<(PartyRole, Option<&str>)> = siel
            .parties
            .iter()
            .map(|p| (p.role, p.country.as_deref()))
            .collect();
        assert_eq!(
            parties,
            [
                (PartyRole::Exporter, Some("GB")),
                (PartyRole::EndUser, Some("NO"))
            ]
        );
        // LITE's floats (`120.0`) are written as the source's whole numbers.
        assert_eq!(quantities(siel), [("120", "NAR"), ("240000", "NAR")]);
        assert_eq!(
            siel.lines[0]
                .value
                .as_ref()
                .map(|v| (v.amount.as_str(), v.currency.as_str())),
            Some(("162000", "GBP"))
        );
        assert_eq!(siel.lines[0].control_entry.as_deref(), Some("ML1.a.4"));
        assert!(
            siel.lines[0]
                .serial_numbers
                .iter()
                .any(|s| s == "HK-G36-004512")
        );

        let open = found[1];
        let countries: Vec<&str> = open.countries.iter().map(|c| c.country.as_str()).collect();
        assert_eq!(countries, ["BE", "DK", "NL", "NO"]);
        assert_eq!(open.lines.len(), 1);
        assert!(open.lines[0].quantity.is_none());
        assert_eq!(open.lines[0].control_entry.as_deref(), Some("ML3.a"));
    }

    #[test]
    fn the_real_lite_payload_translates_with_every_unit_mapped() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/chief-licence-usage-messages/licence_payload_file"
        );
        let Some(bytes) = interlock_pdk::testing::real_sample(path) else {
            return;
        };
        let out = translate(&bytes, None);
        assert_eq!(problems(&out), Vec::<String>::new());
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].source_ref, "GBSIEL/2020/0000001/P");
        assert_eq!(out.records[0].line, Some(4));
        let licence = licences(&out)[0];
        let countries: Vec<&str> = licence
            .countries
            .iter()
            .map(|c| c.country.as_str())
            .collect();
        assert_eq!(countries, ["GB"]);
        let units: Vec<&str> = quantities(licence).iter().map(|(_, unit)| *unit).collect();
        // The same units the CHIEF sample of this licence carries, as Rec 20 codes.
        assert_eq!(
            units,
            ["NAR", "MGM", "TNE", "MC", "4G", "MLT", "MGM", "LTR"]
        );
        assert_eq!(licence.lines[0].description, "Sporting shotgun");
        assert_eq!(quantities(licence)[0].0, "10");
    }

    #[test]
    fn values_are_passed_on_as_written_for_the_host_to_check() {
        // The host refuses these, naming the record field on the licence's line.
        let input = r#"{"licence": {"reference": "GBSIEL/1", "type": "siel", "action": "insert",
          "start_date": "2026-02-30", "effective_date": "2026-03-01T25:00",
          "organisation": {"name": "A Ltd", "address": {"country": {"id": "Britain"}}},
          "countries": ["XX"],
          "goods": [{"name": "Rifles", "unit": "NAR", "quantity": "ten", "value": 1e30}]}}"#;
        let out = translate(input.as_bytes(), None);
        assert_eq!(problems(&out), Vec::<String>::new());
        let licence = licences(&out)[0];
        assert_eq!(licence.valid_from.as_deref(), Some("2026-02-30"));
        let event = &licence.status_history[0];
        assert_eq!(
            (event.effective.as_str(), event.effective_time.as_deref()),
            ("2026-03-01", Some("25:00"))
        );
        assert_eq!(licence.parties[0].country.as_deref(), Some("Britain"));
        assert_eq!(licence.countries[0].country, "XX");
        assert_eq!(quantities(licence), [("ten", "NAR")]);
        assert_eq!(
            licence.lines[0].value.as_ref().map(|v| v.amount.as_str()),
            Some("1e+30")
        );
    }

    #[test]
    fn shape_problems_name_the_json_path_and_its_line_and_drop_only_that_licence() {
        let input = r#"{"licences": [
  {"reference": "GOOD/1", "type": "siel", "action": "insert", "start_date": "2026-01-01",
   "organisation": {"name": "A Ltd"}},
  {"reference": "BAD/2", "type": "siel", "action": "insert",
   "start_date": 20260201, "countries": "NO",
   "organisation": {"name": "B Ltd"},
   "goods": [
     {"name": "Rifles", "quantity": 2},
     {"name": "Bombs", "unit": "BOX", "quantity": 2}
   ]},
  {"reference": "BAD/3", "type": "xyz", "action": "upsert", "status": "lost"}
]}"#;
        let out = translate(input.as_bytes(), None);
        let refs: Vec<&str> = out.records.iter().map(|d| d.source_ref.as_str()).collect();
        assert_eq!(refs, ["GOOD/1"]);
        assert_eq!(
            problems(&out),
            [
                "line 5: licences[1].start_date: must be a string",
                "line 5: licences[1].countries: must be an array",
                "line 8: licences[1].goods[0].unit: required when a quantity is given",
                "line 9: licences[1].goods[1].unit: LITE unit 'BOX' has no UN/ECE Rec 20 mapping",
                "line 11: licences[2].action: 'upsert' is not insert, update, replace, cancel, open, exhaust, expire or surrender",
                "line 11: licences[2].status: 'lost' is not a LITE licence status",
                "line 11: licences[2].type: 'xyz' is not a known LITE licence type",
                "line 11: licences[2].start_date: required but missing or empty",
                "line 11: licences[2].organisation: required but missing",
            ]
        );
    }

    #[test]
    fn truncated_and_foreign_inputs_are_refused_whole() {
        let fixture = include_bytes!("../fixtures/licences-2026.json");
        let found = problems(&translate(&fixture[..fixture.len() / 2], None));
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("invalid JSON: EOF while parsing"),
            "{found:?}"
        );
        assert_eq!(
            problems(&translate(b"[1, 2]", None)),
            ["file: no licence payloads found"]
        );
        assert_eq!(
            problems(&translate(b"{\"licences\": 3}", None)),
            ["file: licences: line 1: must be an array of licences"]
        );
        assert_eq!(
            problems(&translate(b"\"x\xff\"", None)),
            ["file: line 1: input is not valid UTF-8"]
        );
    }
}
