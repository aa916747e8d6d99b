//! Parser for LITE's licence JSON payload (what LITE sends to lite-hmrc, which lite-hmrc
//! turns into CHIEF licenceData).
//!
//! Shapes accepted: one payload `{"licence": {...}}` as LITE posts it, a batch
//! `{"licences": [{...}, ...]}`, or a JSON array of payloads. Fields read, as in lite-api's
//! `HMRCIntegrationLicenceSerializer` and lite-hmrc's fixtures:
//!
//! ```text
//! id, reference, type (siel, oiel, ogel, sicl, sitl, ..., SIL/OIL/SAN/DFL), action
//! (insert, update, replace, cancel; open, exhaust, expire, surrender as HMRC reports them),
//! status (LITE licence status), old_id, start_date, end_date, country_group,
//! organisation {name, id, eori_number, address {line_1..line_5, postcode, country {id, name}}},
//! end_user {name, address {line_1, ..., country {id, name}}},
//! countries [{id, name}], goods [{id, name, description, unit, quantity, value, usage}]
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
//! Unknown fields are ignored (LITE adds fields over time). Each licence is checked on its
//! own: a licence with a problem is not emitted, the others are. Problems carry the JSON
//! path of the field and the line it is on.

use std::collections::HashMap;
use std::fmt;

use serde_json::{Map, Value};

/// A problem in the input: 1-based line, JSON path, message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.field, self.message)
        }
    }
}

// Items are handed over one at a time, so boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    Authorization(ParsedAuthorization),
    Problem(Problem),
}

/// Model `Direction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Export,
    Import,
    Transshipment,
    Brokering,
}

/// Model `PartyRole` values a payload can express.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartyRole {
    Exporter,
    Importer,
    Broker,
    EndUser,
}

/// LITE's `HMRCIntegrationActionEnum` (lite-api `api/licences/enums.py`) and lite-hmrc's
/// `LicenceActionEnum`: `insert`, `update`, `cancel` go to HMRC, `replace` is lite-hmrc's;
/// `open`, `exhaust`, `expire`, `surrender` (and `cancel`) come back from HMRC with usage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LicenceAction {
    Insert,
    /// LITE's `update`: a new licence replacing `old_id`.
    Update,
    Replace,
    Cancel,
    /// HMRC says the licence is open (in use): no change.
    Open,
    Exhaust,
    Expire,
    Surrender,
}

impl LicenceAction {
    /// Whether the message carries the licence itself (and not only a status).
    pub fn carries_licence(self) -> bool {
        matches!(
            self,
            LicenceAction::Insert | LicenceAction::Update | LicenceAction::Replace
        )
    }
}

/// LITE's licence statuses (lite-api `LicenceStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiteStatus {
    Issued,
    Reinstated,
    Revoked,
    Surrendered,
    Suspended,
    Exhausted,
    Expired,
    Draft,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedParty {
    pub role: PartyRole,
    pub name: String,
    pub address: Option<String>,
    pub country: Option<String>,
    pub identifier: Option<String>,
    /// The LITE `organisation` (a registered business), not the end user.
    pub organisation: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedQuantity {
    pub amount: String,
    /// UN/ECE Rec 20.
    pub unit: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedMoney {
    pub amount: String,
    pub currency: String,
}

/// Model `AuthorizationLine`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedLine {
    pub line: u64,
    pub line_no: u32,
    /// LITE's good id.
    pub lite_id: Option<String>,
    pub description: String,
    pub control_entry: Option<String>,
    pub quantity: Option<ParsedQuantity>,
    pub value: Option<ParsedMoney>,
    pub serial_numbers: Vec<String>,
    /// `serial_numbers_available` is `AVAILABLE` (LITE asks for every item's serial) and
    /// the list has `number_of_items` entries where that is given.
    pub serials_complete: bool,
}

/// Model `Authorization`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// Line of the licence's `reference` field.
    pub line: u64,
    pub lite_id: Option<String>,
    pub reference: String,
    /// LITE licence type as written (`siel`, `oiel`, ...).
    pub licence_type: String,
    pub action: LicenceAction,
    /// For `update`: LITE's id of the licence this one replaces.
    pub old_id: Option<String>,
    pub direction: Direction,
    pub issue_date: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub parties: Vec<ParsedParty>,
    pub destination_countries: Vec<String>,
    pub origin_countries: Vec<String>,
    /// `country_group` (open licences), by name.
    pub country_group: Option<String>,
    /// LITE's licence `status`, where the payload gives it.
    pub lite_status: Option<LiteStatus>,
    /// `effective_date` (interlock extension): when the action takes effect, `YYYY-MM-DD`,
    /// with the time of day (`HH:MM[:SS]`) where given as a date-time.
    pub effective_date: Option<String>,
    pub effective_time: Option<String>,
    pub lines: Vec<ParsedLine>,
}

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

/// Parses a whole file at once.
#[cfg_attr(not(test), allow(dead_code))] // the plugin streams; tests parse whole inputs
pub fn parse_all(input: &[u8]) -> Vec<Parsed> {
    let mut parser = Parser::new();
    let mut out = parser.feed(input);
    out.extend(parser.finish());
    out
}

/// Buffers the input (JSON is parsed whole) and parses it in [`Parser::finish`].
#[derive(Debug, Default)]
pub struct Parser {
    input: Vec<u8>,
}

impl Parser {
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Buffers a chunk. Returns nothing: JSON is parsed in [`Parser::finish`].
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Parsed> {
        self.input.extend_from_slice(chunk);
        Vec::new()
    }

    pub fn finish(self) -> Vec<Parsed> {
        let mut out = Vec::new();
        let text = match std::str::from_utf8(&self.input) {
            Ok(text) => text,
            Err(error) => {
                let valid = self.input.get(..error.valid_up_to()).unwrap_or_default();
                let line = valid.iter().filter(|b| **b == b'\n').count() as u64 + 1;
                out.push(Parsed::Problem(problem(
                    line,
                    "",
                    "input is not valid UTF-8",
                )));
                return out;
            }
        };
        let document: Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(error) => {
                let line = u64::try_from(error.line()).unwrap_or(0).max(1);
                out.push(Parsed::Problem(problem(
                    line,
                    "",
                    &format!("invalid JSON: {error}"),
                )));
                return out;
            }
        };
        let lines = LineIndex::build(text);
        let payloads: Vec<(String, &Value)> = match &document {
            Value::Object(object) if object.contains_key("licences") => {
                match object.get("licences") {
                    Some(Value::Array(items)) => items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| (format!("licences[{i}]"), item))
                        .collect(),
                    _ => {
                        out.push(Parsed::Problem(
                            lines.problem("licences", "must be an array of licences"),
                        ));
                        return out;
                    }
                }
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
                out.push(Parsed::Problem(lines.problem(
                    "",
                    "expected {\"licence\": ...}, {\"licences\": [...]} or an array of payloads",
                )));
                return out;
            }
        };
        if payloads.is_empty() {
            out.push(Parsed::Problem(problem(1, "", "no licence payloads found")));
        }
        for (path, payload) in payloads {
            let mut reader = Reader {
                lines: &lines,
                problems: Vec::new(),
            };
            let parsed = reader.licence(&path, payload);
            if reader.problems.is_empty() {
                if let Some(licence) = parsed {
                    out.push(Parsed::Authorization(licence));
                }
            } else {
                out.extend(reader.problems.into_iter().map(Parsed::Problem));
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// Reading one licence
// ---------------------------------------------------------------------------------------

struct Reader<'l> {
    lines: &'l LineIndex,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn report(&mut self, path: &str, message: &str) {
        let p = self.lines.problem(path, message);
        self.problems.push(p);
    }

    fn licence(&mut self, path: &str, value: &Value) -> Option<ParsedAuthorization> {
        let Some(object) = value.as_object() else {
            self.report(path, "a licence must be a JSON object");
            return None;
        };
        let reference = self.required_str(object, path, "reference");
        let licence_type = self.required_str(object, path, "type");
        let action = match self.required_str(object, path, "action").as_str() {
            "insert" => LicenceAction::Insert,
            "update" => LicenceAction::Update,
            "replace" => LicenceAction::Replace,
            "cancel" => LicenceAction::Cancel,
            "open" => LicenceAction::Open,
            "exhaust" => LicenceAction::Exhaust,
            "expire" => LicenceAction::Expire,
            "surrender" => LicenceAction::Surrender,
            "" => LicenceAction::Insert,
            other => {
                self.report(
                    &join(path, "action"),
                    &format!(
                        "'{other}' is not insert, update, replace, cancel, open, exhaust, expire or surrender"
                    ),
                );
                LicenceAction::Insert
            }
        };
        let lite_status = match self.optional_str(value, path, "status").as_deref() {
            None => None,
            Some("issued") => Some(LiteStatus::Issued),
            Some("reinstated") => Some(LiteStatus::Reinstated),
            Some("revoked") => Some(LiteStatus::Revoked),
            Some("surrendered") => Some(LiteStatus::Surrendered),
            Some("suspended") => Some(LiteStatus::Suspended),
            Some("exhausted") => Some(LiteStatus::Exhausted),
            Some("expired") => Some(LiteStatus::Expired),
            Some("draft") => Some(LiteStatus::Draft),
            Some("cancelled") => Some(LiteStatus::Cancelled),
            Some(other) => {
                self.report(
                    &join(path, "status"),
                    &format!("'{other}' is not a LITE licence status"),
                );
                None
            }
        };
        let (effective_date, effective_time) = match object.get("effective_date") {
            None | Some(Value::Null) => (None, None),
            Some(Value::String(text)) => {
                let (date, time) = match text.trim().split_once('T') {
                    Some((date, time)) => (date, Some(time)),
                    None => (text.trim(), None),
                };
                let time_ok = time.is_none_or(is_time);
                match iso_date(date) {
                    Some(date) if time_ok => (Some(date), time.map(str::to_owned)),
                    _ => {
                        self.report(
                            &join(path, "effective_date"),
                            &format!("'{text}' is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM[:SS])"),
                        );
                        (None, None)
                    }
                }
            }
            Some(_) => {
                self.report(&join(path, "effective_date"), "must be a date string");
                (None, None)
            }
        };
        let direction = match licence_type.to_ascii_lowercase().as_str() {
            "siel" | "oiel" | "ogel" => Direction::Export,
            "sicl" | "oicl" | "ogcl" => Direction::Brokering,
            "sitl" | "ogtl" => Direction::Transshipment,
            "sil" | "oil" | "san" | "dfl" => Direction::Import,
            "" => Direction::Export,
            other => {
                self.report(
                    &join(path, "type"),
                    &format!("'{other}' is not a known LITE licence type"),
                );
                Direction::Export
            }
        };
        // A status-only message need not repeat the licence.
        let cancel = !action.carries_licence();
        let valid_from = self.date(object, path, "start_date", !cancel);
        let valid_until = self.date(object, path, "end_date", false);

        let mut parties = Vec::new();
        if let Some(organisation) = object.get("organisation") {
            let role = match direction {
                Direction::Import => PartyRole::Importer,
                Direction::Brokering => PartyRole::Broker,
                Direction::Export | Direction::Transshipment => PartyRole::Exporter,
            };
            let at = join(path, "organisation");
            if let Some(mut party) = self.party(&at, organisation, role) {
                party.identifier = self.optional_str(organisation, &at, "eori_number");
                party.organisation = true;
                parties.push(party);
            }
        } else if !cancel {
            self.report(&join(path, "organisation"), "required but missing");
        }
        if let Some(end_user) = object.get("end_user")
            && let Some(party) = self.party(&join(path, "end_user"), end_user, PartyRole::EndUser)
        {
            parties.push(party);
        }

        let mut countries = Vec::new();
        if let Some(list) = object.get("countries") {
            let at = join(path, "countries");
            match list.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let item_path = format!("{at}[{i}]");
                        let code = match item {
                            Value::String(code) => Some(code.clone()),
                            Value::Object(_) => self.optional_str(item, &item_path, "id"),
                            _ => None,
                        };
                        match code {
                            Some(code) if is_country(&code) => countries.push(code),
                            Some(code) => self.report(
                                &item_path,
                                &format!("'{code}' is not an ISO 3166-1 alpha-2 code"),
                            ),
                            None => {
                                self.report(&item_path, "a country is a code or {\"id\": code}")
                            }
                        }
                    }
                }
                None => self.report(&at, "must be an array"),
            }
        }
        let (destination_countries, origin_countries) = if direction == Direction::Import {
            (Vec::new(), countries)
        } else if countries.is_empty() {
            let end_user_country = parties
                .iter()
                .find(|p| p.role == PartyRole::EndUser)
                .and_then(|p| p.country.clone());
            (end_user_country.into_iter().collect(), Vec::new())
        } else {
            (countries, Vec::new())
        };

        let country_group = match object.get("country_group") {
            Some(group @ Value::Object(_)) => {
                self.optional_str(group, &join(path, "country_group"), "id")
            }
            _ => self.optional_str(value, path, "country_group"),
        };

        let mut lines = Vec::new();
        if let Some(goods) = object.get("goods") {
            let at = join(path, "goods");
            match goods.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
                        if let Some(line) = self.good(&format!("{at}[{i}]"), item, line_no) {
                            lines.push(line);
                        }
                    }
                }
                None => self.report(&at, "must be an array"),
            }
        }

        Some(ParsedAuthorization {
            line: self.lines.line(&join(path, "reference")),
            lite_id: self.optional_str(value, path, "id"),
            reference,
            licence_type,
            action,
            old_id: self.optional_str(value, path, "old_id"),
            direction,
            issue_date: valid_from.clone(),
            valid_from,
            valid_until,
            parties,
            destination_countries,
            origin_countries,
            country_group,
            lite_status,
            effective_date,
            effective_time,
            lines,
        })
    }

    fn party(&mut self, path: &str, value: &Value, role: PartyRole) -> Option<ParsedParty> {
        if !value.is_object() {
            self.report(path, "must be an object");
            return None;
        }
        let name = self.required_str(value.as_object()?, path, "name");
        let address_path = join(path, "address");
        let address = value.get("address");
        let lines: Vec<String> = ["line_1", "line_2", "line_3", "line_4", "line_5", "postcode"]
            .into_iter()
            .filter_map(|key| address.and_then(|a| self.optional_str(a, &address_path, key)))
            .collect();
        let country_path = join(&address_path, "country");
        let country = match address.and_then(|a| a.get("country")) {
            Some(Value::String(code)) => Some(code.clone()),
            Some(country @ Value::Object(_)) => self.optional_str(country, &country_path, "id"),
            _ => None,
        };
        let country = match country {
            Some(code) if is_country(&code) => Some(code),
            Some(code) => {
                self.report(
                    &country_path,
                    &format!("'{code}' is not an ISO 3166-1 alpha-2 code"),
                );
                None
            }
            None => None,
        };
        Some(ParsedParty {
            role,
            name,
            address: (!lines.is_empty()).then(|| lines.join(", ")),
            country,
            identifier: None,
            organisation: false,
        })
    }

    fn good(&mut self, path: &str, value: &Value, line_no: u32) -> Option<ParsedLine> {
        if !value.is_object() {
            self.report(path, "a good must be an object");
            return None;
        }
        let name = self.optional_str(value, path, "name");
        let detail = self.optional_str(value, path, "description");
        let description = match (name, detail) {
            (Some(name), Some(detail)) => format!("{name}: {detail}"),
            (Some(text), None) | (None, Some(text)) => text,
            (None, None) => {
                self.report(path, "a good needs a name or a description");
                String::new()
            }
        };
        let amount = self.number(value, path, "quantity");
        let unit = self.optional_str(value, path, "unit");
        let quantity = match (amount, unit) {
            (Some(amount), Some(unit)) => match rec20_unit(&unit) {
                Some(rec20) => Some(ParsedQuantity {
                    amount,
                    unit: rec20.to_owned(),
                }),
                None => {
                    self.report(
                        &join(path, "unit"),
                        &format!("LITE unit '{unit}' has no UN/ECE Rec 20 mapping"),
                    );
                    None
                }
            },
            (Some(_), None) => {
                self.report(&join(path, "unit"), "required when a quantity is given");
                None
            }
            (None, _) => None,
        };
        let value_amount = self.number(value, path, "value");
        let control_entries = self.strings(value, path, "control_list_entries", "rating");
        let serial_numbers = self.strings(value, path, "serial_numbers", "serial_number");
        let available = self.optional_str(value, path, "serial_numbers_available");
        let number_of_items = self.number(value, path, "number_of_items");
        let serials_complete = available.as_deref() == Some("AVAILABLE")
            && !serial_numbers.is_empty()
            && number_of_items
                .as_deref()
                .is_none_or(|n| n == serial_numbers.len().to_string());
        Some(ParsedLine {
            line: self.lines.line(path),
            line_no,
            lite_id: self.optional_str(value, path, "id"),
            description,
            // The model keeps one entry per line; LITE's first (assessed) rating is it.
            control_entry: control_entries.into_iter().next(),
            quantity,
            value: value_amount.map(|amount| ParsedMoney {
                amount,
                currency: "GBP".to_owned(),
            }),
            serial_numbers,
            serials_complete,
        })
    }

    fn required_str(&mut self, object: &Map<String, Value>, path: &str, key: &str) -> String {
        match object.get(key) {
            Some(Value::String(text)) if !text.trim().is_empty() => text.trim().to_owned(),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                self.report(&join(path, key), "required but missing or empty");
                String::new()
            }
            Some(_) => {
                self.report(&join(path, key), "must be a string");
                String::new()
            }
        }
    }

    fn optional_str(&mut self, value: &Value, path: &str, key: &str) -> Option<String> {
        match value.get(key) {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.trim().to_owned()),
            Some(Value::String(_) | Value::Null) | None => None,
            Some(_) => {
                self.report(&join(path, key), "must be a string");
                None
            }
        }
    }

    fn date(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<String> {
        let at = join(path, key);
        match object.get(key) {
            Some(Value::String(text)) => {
                let iso = iso_date(text);
                if iso.is_none() {
                    self.report(&at, &format!("'{text}' is not a date in YYYY-MM-DD form"));
                }
                iso
            }
            None | Some(Value::Null) => {
                if required {
                    self.report(&at, "required but missing");
                }
                None
            }
            Some(_) => {
                self.report(&at, "must be a date string");
                None
            }
        }
    }

    /// A JSON number (LITE sends floats such as `10.0`) or a numeric string, as decimal
    /// text without a spurious `.0`.
    fn number(&mut self, value: &Value, path: &str, key: &str) -> Option<String> {
        let at = join(path, key);
        match value.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Number(number)) => {
                if let Some(n) = number.as_u64() {
                    return Some(n.to_string());
                }
                if let Some(n) = number.as_i64() {
                    return Some(n.to_string());
                }
                let text = number.to_string();
                let text = text.strip_suffix(".0").unwrap_or(&text).to_owned();
                if is_decimal(&text) {
                    Some(text)
                } else {
                    self.report(&at, &format!("{number} is not a plain decimal number"));
                    None
                }
            }
            Some(Value::String(text)) if is_decimal(text.trim()) => Some(text.trim().to_owned()),
            Some(other) => {
                self.report(&at, &format!("{other} is not a number"));
                None
            }
        }
    }

    /// An array of strings, or of objects carrying the string under `inner_key`.
    fn strings(&mut self, value: &Value, path: &str, key: &str, inner_key: &str) -> Vec<String> {
        let at = join(path, key);
        let Some(list) = value.get(key) else {
            return Vec::new();
        };
        let Some(items) = list.as_array() else {
            self.report(&at, "must be an array");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let text = match item {
                Value::String(text) => Some(text.trim().to_owned()),
                Value::Object(_) => item
                    .get(inner_key)
                    .and_then(Value::as_str)
                    .map(|s| s.trim().to_owned()),
                _ => None,
            };
            match text {
                Some(text) if !text.is_empty() => out.push(text),
                _ => self.report(
                    &format!("{at}[{i}]"),
                    &format!("expected a string or {{\"{inner_key}\": ...}}"),
                ),
            }
        }
        out
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn problem(line: u64, field: &str, message: &str) -> Problem {
    Problem {
        line,
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

fn is_country(text: &str) -> bool {
    text.len() == 2 && text.chars().all(|c| c.is_ascii_uppercase())
}

/// `HH:MM` or `HH:MM:SS`.
fn is_time(text: &str) -> bool {
    let parts: Vec<&str> = text.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_digit()))
        && parts
            .first()
            .and_then(|h| h.parse::<u32>().ok())
            .is_some_and(|h| h < 24)
        && parts
            .iter()
            .skip(1)
            .all(|p| p.parse::<u32>().is_ok_and(|m| m < 60))
}

fn is_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

fn iso_date(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let year: u32 = text.get(0..4)?.parse().ok()?;
    let month: u32 = text.get(5..7)?.parse().ok()?;
    let day: u32 = text.get(8..10)?.parse().ok()?;
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (year >= 1900 && (1..=days_in_month).contains(&day)).then(|| text.to_owned())
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

    fn problem(&self, path: &str, message: &str) -> Problem {
        problem(self.line(path), path, message)
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
    use std::path::PathBuf;

    fn fixture() -> Vec<u8> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/licences-2026.json");
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn authorizations(parsed: &[Parsed]) -> Vec<&ParsedAuthorization> {
        parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Authorization(a) => Some(a),
                _ => None,
            })
            .collect()
    }

    fn problems(parsed: &[Parsed]) -> Vec<String> {
        parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Problem(p) => Some(p.to_string()),
                _ => None,
            })
            .collect()
    }

    fn sample(name: &str) -> Option<Vec<u8>> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/chief-licence-usage-messages")
            .join(name);
        match std::fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(_) => {
                eprintln!("skipping: {} not present", path.display());
                None
            }
        }
    }

    #[test]
    fn the_fixture_parses_into_the_scenario_licences() {
        let parsed = parse_all(&fixture());
        assert_eq!(problems(&parsed), Vec::<String>::new());
        let licences = authorizations(&parsed);
        assert_eq!(licences.len(), 2);

        let siel = licences[0];
        assert_eq!(siel.reference, "GBSIEL/2026/0000101/P");
        assert_eq!(siel.line, 5);
        assert_eq!(siel.direction, Direction::Export);
        assert_eq!(siel.action, LicenceAction::Insert);
        assert_eq!(siel.issue_date.as_deref(), Some("2026-01-15"));
        assert_eq!(siel.destination_countries, ["NO"]);
        assert_eq!(siel.parties[0].role, PartyRole::Exporter);
        assert_eq!(
            siel.parties[0].identifier.as_deref(),
            Some("GB100200300000")
        );
        assert_eq!(siel.parties[0].country.as_deref(), Some("GB"));
        assert_eq!(siel.parties[1].role, PartyRole::EndUser);
        let rifles = &siel.lines[0];
        assert_eq!(rifles.line_no, 1);
        assert_eq!(rifles.line, 32);
        assert_eq!(rifles.control_entry.as_deref(), Some("ML1.a.4"));
        assert_eq!(
            rifles.quantity,
            Some(ParsedQuantity {
                amount: "120".into(),
                unit: "NAR".into()
            })
        );
        assert_eq!(
            rifles.value,
            Some(ParsedMoney {
                amount: "162000".into(),
                currency: "GBP".into()
            })
        );
        assert!(rifles.serial_numbers.iter().any(|s| s == "HK-G36-004512"));
        assert_eq!(
            siel.lines[1].quantity.as_ref().map(|q| q.amount.as_str()),
            Some("240000")
        );

        let open = licences[1];
        assert_eq!(open.reference, "GBOIEL/2026/0000102/P");
        assert_eq!(open.destination_countries, ["BE", "DK", "NL", "NO"]);
        assert_eq!(open.lines.len(), 1);
        assert_eq!(open.lines[0].quantity, None);
        assert_eq!(open.lines[0].control_entry.as_deref(), Some("ML3.a"));
    }

    #[test]
    fn seven_byte_chunks_give_the_same_result_as_one_chunk() {
        let bytes = fixture();
        let whole = parse_all(&bytes);
        let mut parser = Parser::new();
        let mut chunked = Vec::new();
        for chunk in bytes.chunks(7) {
            chunked.extend(parser.feed(chunk));
        }
        chunked.extend(parser.finish());
        assert_eq!(whole, chunked);
    }

    #[test]
    fn the_real_lite_payload_parses_with_every_unit_mapped() {
        let Some(bytes) = sample("licence_payload_file") else {
            return;
        };
        let parsed = parse_all(&bytes);
        assert_eq!(problems(&parsed), Vec::<String>::new());
        let licences = authorizations(&parsed);
        assert_eq!(licences.len(), 1);
        let licence = licences[0];
        assert_eq!(licence.reference, "GBSIEL/2020/0000001/P");
        assert_eq!(licence.line, 4);
        assert_eq!(licence.destination_countries, ["GB"]);
        let units: Vec<&str> = licence
            .lines
            .iter()
            .filter_map(|l| l.quantity.as_ref().map(|q| q.unit.as_str()))
            .collect();
        // The same units the CHIEF sample of this licence carries, as Rec 20 codes.
        assert_eq!(
            units,
            ["NAR", "MGM", "TNE", "MC", "4G", "MLT", "MGM", "LTR"]
        );
        assert_eq!(licence.lines[0].description, "Sporting shotgun");
        assert_eq!(
            licence.lines[0]
                .quantity
                .as_ref()
                .map(|q| q.amount.as_str()),
            Some("10")
        );
    }

    #[test]
    fn bad_values_give_precise_problems_and_only_that_licence_is_dropped() {
        let input = r#"{"licences": [
  {"reference": "GOOD/1", "type": "siel", "action": "insert", "start_date": "2026-01-01",
   "organisation": {"name": "A Ltd"}},
  {"reference": "BAD/2", "type": "siel", "action": "insert",
   "start_date": "2026-02-30",
   "organisation": {"name": "B Ltd"},
   "goods": [
     {"name": "Rifles", "unit": "NAR", "quantity": "ten"},
     {"name": "Bombs", "unit": "BOX", "quantity": 2}
   ]},
  {"reference": "BAD/3", "type": "xyz", "action": "upsert"}
]}"#;
        let parsed = parse_all(input.as_bytes());
        let refs: Vec<&str> = authorizations(&parsed)
            .iter()
            .map(|a| a.reference.as_str())
            .collect();
        assert_eq!(refs, ["GOOD/1"]);
        assert_eq!(
            problems(&parsed),
            [
                "line 5: licences[1].start_date: '2026-02-30' is not a date in YYYY-MM-DD form",
                "line 8: licences[1].goods[0].quantity: \"ten\" is not a number",
                "line 9: licences[1].goods[1].unit: LITE unit 'BOX' has no UN/ECE Rec 20 mapping",
                "line 11: licences[2].action: 'upsert' is not insert, update, replace, cancel, open, exhaust, expire or surrender",
                "line 11: licences[2].type: 'xyz' is not a known LITE licence type",
                "line 11: licences[2].start_date: required but missing",
                "line 11: licences[2].organisation: required but missing",
            ]
        );
    }

    #[test]
    fn truncated_and_foreign_inputs_are_reported() {
        let bytes = fixture();
        let cut = bytes.get(..bytes.len() / 2).unwrap_or_default();
        let found = problems(&parse_all(cut));
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("invalid JSON: EOF while parsing"),
            "{found:?}"
        );

        assert_eq!(
            problems(&parse_all(b"[1, 2]")),
            ["line 1: no licence payloads found"]
        );
        assert_eq!(
            problems(&parse_all(b"{\"licences\": 3}")),
            ["line 1: licences: must be an array of licences"]
        );
        assert_eq!(
            problems(&parse_all(b"\"x\xff\"")),
            ["line 1: input is not valid UTF-8"]
        );
    }
}
