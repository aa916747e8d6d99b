//! How licence messages apply to the licence the store holds: the one place for the rules.
//!
//! - A [`StatusChange`] (a CHIEF cancel, a LITE status update) applies its event to the
//!   licence's current revision: the new revision keeps the lines, parties and countries,
//!   takes the event's resulting status and appends the event to `status_history`. A
//!   status change for a licence the store does not know is an error on its line.
//! - A full [`Authorization`] (an insert, a replace or an amendment) overwrites the
//!   licence under the same reference; the earlier revision stays in the history, and the
//!   status events of earlier revisions are kept in front of the new ones.
//! - **Ordering rule.** Each licence version may say where its message stands in its
//!   source's sequence ([`MessageOrder`]: source, run number, creation time). A message
//!   strictly older than the one the current revision came from, from the same source, is
//!   refused with an error naming both: an older message never overwrites newer data, and
//!   the record manager sees that the files came out of order. Messages from different
//!   sources, or without an order, are applied in import order.
//!
//! Messages are *sequential*: the same licence may appear several times in one file (an
//! insert then a cancel), and each applies on top of the one before.

use crate::diagnostic::Diagnostic;
use crate::model::{Authorization, Body, Draft, MessageOrder, StatusChange};

/// Whether a draft is a licence message applied in order (status changes, and licences
/// that say where they stand in their source's sequence) rather than a record that must
/// appear once per file.
pub fn is_sequential(draft: &Draft) -> bool {
    match &draft.record {
        Body::AuthorizationStatusChange(_) => true,
        Body::Authorization(a) => a.message.is_some(),
        _ => false,
    }
}

/// The licence as it stands after `incoming`, given the licence as it stands now.
pub fn apply(incoming: Draft, current: Option<&Draft>) -> Result<Draft, Diagnostic> {
    let current_licence = current.and_then(|draft| match &draft.record {
        Body::Authorization(a) => Some(a),
        _ => None,
    });
    match incoming.record {
        Body::AuthorizationStatusChange(change) => {
            let Some(licence) = current_licence else {
                return Err(Diagnostic::error(
                    "record.reference",
                    "unknown-licence",
                    format!(
                        "status change ({}) for licence `{}` of agency `{}`, which the store does not hold: import the licence first",
                        action_name(&change),
                        change.reference,
                        incoming.agency
                    ),
                ));
            };
            check_order(change.message.as_ref(), licence)?;
            let mut licence = licence.clone();
            licence.status = change.event.action.resulting_status(Some(licence.status));
            if !licence.status_history.contains(&change.event) {
                licence.status_history.push(change.event);
            }
            if change.message.is_some() {
                licence.message = change.message;
            }
            Ok(Draft {
                agency: incoming.agency,
                source_ref: incoming.source_ref,
                sensitive: incoming.sensitive || current.is_some_and(|c| c.sensitive),
                record: Body::Authorization(licence),
            })
        }
        Body::Authorization(mut licence) => {
            if let Some(previous) = current_licence {
                check_order(licence.message.as_ref(), previous)?;
                let mut history: Vec<_> = previous
                    .status_history
                    .iter()
                    .filter(|event| !licence.status_history.contains(event))
                    .cloned()
                    .collect();
                history.append(&mut licence.status_history);
                licence.status_history = history;
            }
            Ok(Draft {
                record: Body::Authorization(licence),
                ..incoming
            })
        }
        record => Ok(Draft { record, ..incoming }),
    }
}

fn action_name(change: &StatusChange) -> String {
    format!("{:?}", change.event.action).to_lowercase()
}

fn describe(order: &MessageOrder) -> String {
    let mut text = order.source.clone();
    if let Some(run) = order.run {
        text.push_str(&format!(" run {run}"));
    }
    if let Some(created) = order.created {
        text.push_str(&format!(" created {created}"));
    }
    text
}

fn check_order(incoming: Option<&MessageOrder>, current: &Authorization) -> Result<(), Diagnostic> {
    let (Some(incoming), Some(stored)) = (incoming, current.message.as_ref()) else {
        return Ok(());
    };
    if incoming.is_older_than(stored) {
        return Err(Diagnostic::error(
            "record.message",
            "stale-message",
            format!(
                "licence `{}`: this message ({}) is older than the one the store already applied ({}); an older message never overwrites newer data, so import the files in the order they were sent",
                current.reference,
                describe(incoming),
                describe(stored)
            ),
        ));
    }
    Ok(())
}
