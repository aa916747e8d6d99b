//! `outside-validity`: a write-off on a day the licence could not be used.
//!
//! **Basis.** ATT Art. 11 (goods leaving under a licence that no longer covers them are
//! outside the control the licence stood for) and Art. 7(7) (an authorization suspended or
//! revoked after reassessment must stop transfers from its effective date).
//!
//! **Semantics.** A write-off is a `licence_usage` record of type `original`,
//! `late_original` or `adjusted` against a licence the store holds; `contra` and
//! `message_only` records write nothing off and are never findings. The write-off's date
//! (the CHIEF usage date, the declaration's date) is outside the licence when:
//! - it is before the first valid day (`valid_from`, or `issue_date` where the licence gives
//!   no `valid_from`) or after the last (`valid_until`); both ends are inclusive, so a
//!   write-off on the last valid day is fine; or
//! - on that day a status event that stops use ([`LicenceAction::stops_use`]: suspend,
//!   revoke, cancel, surrender, expire, exhaust) has taken effect and no later
//!   reinstatement (or re-issue) has lifted it. Events apply from their effective date
//!   (same day included: CHIEF gives no time of day) and are not retroactive, so a
//!   write-off before a cancellation is fine. Events apply in order of effective date
//!   (`status_history` order within a day); an amendment changes nothing here; or
//! - the licence was never issued (an application, a refusal).
//!
//! One finding per write-off, key `{licence}/{line}/{usage source_ref}`, dated the
//! write-off; evidence: the licence (`licence`) and the usage record (`write-off`). A
//! write-off citing a licence the store has never seen is `unknown-licence`.

use jiff::civil::Date;

use crate::check::{Dataset, Finding, Rule, Severity, finding};
use crate::model::{Authorization, AuthorizationStatus, LicenceAction, StatusEvent, UsageType};

pub struct OutsideValidity;

impl Rule for OutsideValidity {
    fn id(&self) -> &'static str {
        "outside-validity"
    }

    fn title(&self) -> &'static str {
        "a write-off dated outside the licence's validity or after it stopped being usable"
    }

    fn basis(&self) -> &'static str {
        "ATT Art. 11; ATT Art. 7(7)"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn check(&self, data: &Dataset) -> Vec<Finding> {
        let mut found = Vec::new();
        for usage in &data.usages {
            let body = &usage.body;
            if matches!(body.usage_type, UsageType::Contra | UsageType::MessageOnly) {
                continue;
            }
            let Some(licence) = data.licence(&body.authorization_ref) else {
                continue;
            };
            let reasons = reasons_outside(&licence.body, body.date);
            if reasons.is_empty() {
                continue;
            }
            let explanation = format!(
                "declaration {} wrote off against line {} of licence {} on {}, {}",
                body.declaration_ref,
                body.line_no,
                body.authorization_ref,
                body.date,
                reasons.join(", and ")
            );
            found.push(finding(
                self,
                format!(
                    "{}/{}/{}",
                    body.authorization_ref, body.line_no, usage.meta.source_ref
                ),
                explanation,
                Some(body.date),
                vec![
                    licence.meta.evidence("licence"),
                    usage.meta.evidence("write-off"),
                ],
            ));
        }
        found
    }
}

/// Why the licence could not be used on `date`; empty when it could.
fn reasons_outside(licence: &Authorization, date: Date) -> Vec<String> {
    let mut reasons = Vec::new();
    if !licence.status.was_issued() && !licence.status_history.iter().any(is_issue) {
        reasons.push(format!(
            "but the licence was never issued (it is {})",
            licence.status.as_str()
        ));
        return reasons;
    }
    if let Some(start) = licence.valid_from.or(licence.issue_date)
        && date < start
    {
        reasons.push(format!("before the licence's first valid day {start}"));
    }
    if let Some(end) = licence.valid_until
        && date > end
    {
        reasons.push(format!("after the licence's last valid day {end}"));
    }
    if let Some(event) = stopped_by(licence, date) {
        let mut reason = format!(
            "on or after the licence's {} effective {}",
            action_noun(event.action),
            event.effective
        );
        if let Some(why) = &event.reason {
            reason.push_str(&format!(" ({why})"));
        }
        reasons.push(reason);
    }
    reasons
}

fn is_issue(event: &StatusEvent) -> bool {
    event.action == LicenceAction::Issue
}

/// The events of the licence's life in the order they take effect: by effective date,
/// history order within a day.
pub(super) fn events_in_effect_order(licence: &Authorization) -> Vec<&StatusEvent> {
    let mut events: Vec<&StatusEvent> = licence.status_history.iter().collect();
    events.sort_by_key(|e| e.effective);
    events
}

/// The status event that stops the licence's use on `date` (in effect that day and not
/// lifted by a later reinstatement or re-issue), if any.
pub(super) fn stopped_by(licence: &Authorization, date: Date) -> Option<&StatusEvent> {
    let mut stop = None;
    for event in events_in_effect_order(licence) {
        if event.effective > date {
            break;
        }
        if event.action.stops_use() {
            stop = Some(event);
        } else if matches!(
            event.action,
            LicenceAction::Reinstate | LicenceAction::Issue
        ) {
            stop = None;
        }
    }
    stop
}

/// The licence's status on `date` by its history (events in effect that day); the current
/// status when it has no history; `None` when nothing in its history had happened yet.
pub(super) fn status_on(licence: &Authorization, date: Date) -> Option<AuthorizationStatus> {
    if licence.status_history.is_empty() {
        return Some(licence.status);
    }
    let mut status = None;
    for event in events_in_effect_order(licence) {
        if event.effective > date {
            break;
        }
        status = Some(event.action.resulting_status(status));
    }
    status
}

fn action_noun(action: LicenceAction) -> &'static str {
    match action {
        LicenceAction::Suspend => "suspension",
        LicenceAction::Revoke => "revocation",
        LicenceAction::Cancel => "cancellation",
        LicenceAction::Surrender => "surrender",
        LicenceAction::Expire => "expiry",
        LicenceAction::Exhaust => "exhaustion",
        LicenceAction::Apply => "application",
        LicenceAction::Refuse => "refusal",
        LicenceAction::Issue => "issue",
        LicenceAction::Amend => "amendment",
        LicenceAction::Reinstate => "reinstatement",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::rules::testing::findings;

    const REF: &str = "GBSIEL/2026/0000108/P";

    /// A licence valid 2026-02-02 ..= 2027-02-02 (or as `dates` says), with `history`.
    fn licence(status: &str, dates: &str, history: &str) -> String {
        format!(
            r#"{{"agency":"licensing","source_ref":"{REF}","record":{{"kind":"authorization","reference":"{REF}","direction":"export","status":"{status}","issuing_authority":"ECJU","application_date":"2026-01-10"{dates},"parties":[{{"role":"end_user","name":"Policia Federal","country":"BR"}}],"countries":[{{"country":"BR","role":"destination"}}],"status_history":[{history}],"lines":[{{"line_no":1,"description":"Sub-machine guns","quantity":{{"amount":"20","unit":"NAR"}}}}]}}}}"#
        )
    }

    const VALID: &str =
        r#","issue_date":"2026-02-02","valid_from":"2026-02-02","valid_until":"2027-02-02""#;
    const ISSUED: &str = r#"{"action":"issue","effective":"2026-02-02"}"#;

    fn usage(source_ref: &str, kind: &str, date: &str) -> String {
        format!(
            r#"{{"agency":"customs","source_ref":"{source_ref}","record":{{"kind":"licence_usage","authorization_ref":"{REF}","line_no":1,"declaration_ref":"D-{source_ref}","usage_type":"{kind}","date":"{date}","quantity":"1"}}}}"#
        )
    }

    fn run(lines: &[String]) -> Vec<Finding> {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        findings(&OutsideValidity, &lines)
    }

    fn keys(found: &[Finding]) -> Vec<String> {
        let mut keys: Vec<String> = found.iter().map(|f| f.key.clone()).collect();
        keys.sort();
        keys
    }

    #[test]
    fn before_the_first_and_after_the_last_valid_day() {
        let found = run(&[
            licence("issued", VALID, ISSUED),
            usage("U1", "original", "2026-02-01"),
            usage("U2", "original", "2026-02-02"),
            usage("U3", "late_original", "2027-02-02"),
            usage("U4", "adjusted", "2027-02-03"),
        ]);
        assert_eq!(keys(&found), [format!("{REF}/1/U1"), format!("{REF}/1/U4")]);
        let u1 = found.iter().find(|f| f.key.ends_with("/U1")).expect("U1");
        assert_eq!(
            u1.explanation,
            format!(
                "declaration D-U1 wrote off against line 1 of licence {REF} on 2026-02-01, before the licence's first valid day 2026-02-02"
            )
        );
        assert_eq!(u1.date, Some(jiff::civil::date(2026, 2, 1)));
        assert_eq!(u1.severity, Severity::High);
        let roles: Vec<&str> = u1.evidence.iter().map(|e| e.role.as_str()).collect();
        assert_eq!(roles, ["licence", "write-off"]);
    }

    #[test]
    fn the_issue_date_is_the_start_when_there_is_no_valid_from() {
        let dates = r#","issue_date":"2026-02-10","valid_until":"2027-02-02""#;
        let found = run(&[
            licence("issued", dates, ISSUED),
            usage("U1", "original", "2026-02-09"),
            usage("U2", "original", "2026-02-10"),
        ]);
        assert_eq!(keys(&found), [format!("{REF}/1/U1")]);
    }

    #[test]
    fn a_cancellation_stops_use_from_its_day_not_before() {
        let history = format!(
            r#"{ISSUED},{{"action":"cancel","effective":"2026-05-05","reason":"at the exporter's request"}}"#
        );
        let found = run(&[
            licence("cancelled", VALID, &history),
            usage("U1", "original", "2026-05-04"),
            usage("U2", "original", "2026-05-05"),
            usage("U3", "original", "2026-06-01"),
        ]);
        assert_eq!(keys(&found), [format!("{REF}/1/U2"), format!("{REF}/1/U3")]);
        let u2 = found.iter().find(|f| f.key.ends_with("/U2")).expect("U2");
        assert!(
            u2.explanation.ends_with(
                "on or after the licence's cancellation effective 2026-05-05 (at the exporter's request)"
            ),
            "{}",
            u2.explanation
        );
    }

    #[test]
    fn a_suspension_stops_use_until_a_reinstatement() {
        let history = format!(
            r#"{ISSUED},{{"action":"suspend","effective":"2026-04-01"}},{{"action":"amend","effective":"2026-04-10"}},{{"action":"reinstate","effective":"2026-05-01"}}"#
        );
        let found = run(&[
            licence("issued", VALID, &history),
            usage("U1", "original", "2026-03-31"),
            usage("U2", "original", "2026-04-01"),
            usage("U3", "original", "2026-04-30"),
            usage("U4", "original", "2026-05-01"),
        ]);
        assert_eq!(keys(&found), [format!("{REF}/1/U2"), format!("{REF}/1/U3")]);
    }

    #[test]
    fn revoke_surrender_expire_and_exhaust_stop_use() {
        for action in ["revoke", "surrender", "expire", "exhaust"] {
            let history = format!(r#"{ISSUED},{{"action":"{action}","effective":"2026-06-01"}}"#);
            let found = run(&[
                licence("issued", VALID, &history),
                usage("U1", "original", "2026-05-31"),
                usage("U2", "original", "2026-06-01"),
            ]);
            assert_eq!(keys(&found), [format!("{REF}/1/U2")], "{action}");
        }
    }

    #[test]
    fn contra_and_message_only_write_nothing_off() {
        let history = format!(r#"{ISSUED},{{"action":"cancel","effective":"2026-05-05"}}"#);
        let found = run(&[
            licence("cancelled", VALID, &history),
            usage("U1", "contra", "2026-06-01"),
            usage("U2", "message_only", "2026-06-01"),
            usage("U3", "original", "2027-03-01"),
        ]);
        assert_eq!(keys(&found), [format!("{REF}/1/U3")]);
        assert!(
            found[0].explanation.contains("after the licence's last valid day 2027-02-02, and on or after the licence's cancellation"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn a_licence_that_was_never_issued() {
        let history = r#"{"action":"apply","effective":"2026-01-10"},{"action":"refuse","effective":"2026-02-01"}"#;
        let found = run(&[
            licence("refused", "", history),
            usage("U1", "original", "2026-03-01"),
        ]);
        assert_eq!(keys(&found), [format!("{REF}/1/U1")]);
        assert!(
            found[0]
                .explanation
                .ends_with("but the licence was never issued (it is refused)")
        );
    }

    #[test]
    fn unknown_licences_are_not_this_rules() {
        assert!(run(&[usage("U1", "original", "2026-03-01")]).is_empty());
    }

    #[test]
    fn status_on_follows_the_history() {
        let history = format!(r#"{ISSUED},{{"action":"suspend","effective":"2026-04-01"}}"#);
        let line = licence("suspended", VALID, &history);
        let data = crate::check::rules::testing::dataset(&[line.as_str()]);
        let body = &data.licences[0].body;
        let on = |y, m, d| status_on(body, jiff::civil::date(y, m, d));
        assert_eq!(on(2026, 1, 1), None);
        assert_eq!(on(2026, 3, 1), Some(AuthorizationStatus::Issued));
        assert_eq!(on(2026, 4, 1), Some(AuthorizationStatus::Suspended));
    }
}
