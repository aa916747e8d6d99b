//! A licence's life across CHIEF files, end to end through the licensing-chief plugin:
//! the January file (run 12) issues L7 and L8, the May file (run 58) replaces L7 and
//! cancels L8. Imported in order, L7 has two revisions (issued, amended) and L8 is
//! cancelled but keeps its lines; the May file alone is refused whole.

mod support;

use std::path::PathBuf;

use support::{Workspace, plugin_component};

const L7: &str = "GBSIEL/2026/0000107/P";
const L8: &str = "GBSIEL/2026/0000108/P";
const JANUARY: &str = "licences-2026-01.txt";
const MAY: &str = "licences-2026.txt";

fn root() -> PathBuf {
    support::project_root()
}

/// A store with the control lists and the licensing-chief plugin installed, and the two
/// CHIEF fixtures beside it.
fn workspace() -> Workspace {
    let workspace = Workspace::with_control_list();
    workspace.copy(&plugin_component("licensing-chief"), "licensing-chief.wasm");
    for name in [JANUARY, MAY] {
        workspace.copy(
            &root().join("plugins/licensing-chief/fixtures").join(name),
            name,
        );
    }
    workspace.ok(&["plugin", "install", "licensing-chief.wasm"]);
    workspace
}

/// Every revision of a licence, oldest first, as the stored JSON.
fn history(workspace: &Workspace, reference: &str) -> Vec<serde_json::Value> {
    let id = interlock_core::RecordId::derive(
        "licensing",
        interlock_core::RecordKind::Authorization,
        reference,
    )
    .to_hex();
    let json = workspace.json_lines(&["show", &id, "--history", "--json"]);
    json.as_array().cloned().unwrap_or_default()
}

/// The licence as a revision holds it, wherever `show --json` nests it.
fn licence(revision: &serde_json::Value) -> &serde_json::Value {
    for pointer in ["/record", "/draft/record", "/content", ""] {
        if let Some(value) = revision.pointer(pointer)
            && value.get("kind").and_then(|k| k.as_str()) == Some("authorization")
        {
            return value;
        }
    }
    panic!("no licence in {revision}");
}

fn actions(licence: &serde_json::Value) -> Vec<(String, String)> {
    licence["status_history"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["effective"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_chief_files_in_order_amend_l7_and_cancel_l8() {
    let w = workspace();
    assert_eq!(
        w.ok(&["import", "--plugin", "licensing-chief", JANUARY]),
        format!("{JANUARY}: imported 2 records as batch 1 (2 new, 0 revised, 0 unchanged)\n")
    );
    let may = w.ok(&["import", "--plugin", "licensing-chief", MAY]);
    assert!(
        may.starts_with(&format!("{MAY}: imported 7 records as batch 2")),
        "{may}"
    );
    assert!(may.contains("2 revised"), "{may}");

    let l7 = history(&w, L7);
    assert_eq!(l7.len(), 2, "{l7:?}");
    let (first, amended) = (licence(&l7[0]), licence(&l7[1]));
    assert_eq!(first["lines"][0]["value"]["amount"], "150000.00");
    assert_eq!(amended["lines"][0]["value"]["amount"], "250000.00");
    assert_eq!(amended["status"], "issued");
    assert_eq!(
        actions(amended),
        [
            ("issue".to_owned(), "2026-01-20".to_owned()),
            ("amend".to_owned(), "2026-05-05".to_owned())
        ]
    );
    assert_eq!(amended["message"]["run"], 58);

    let l8 = history(&w, L8);
    assert_eq!(l8.len(), 2, "{l8:?}");
    let cancelled = licence(&l8[1]);
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        actions(cancelled),
        [
            ("issue".to_owned(), "2026-02-02".to_owned()),
            ("cancel".to_owned(), "2026-05-05".to_owned())
        ]
    );
    assert_eq!(
        cancelled["status_history"][1]["reason"],
        "Cancelled at the exporter's request: contract withdrawn"
    );
    // The cancel keeps what the January file issued: lines, parties, countries.
    assert_eq!(cancelled["lines"].as_array().map(Vec::len), Some(1));
    assert_eq!(cancelled["lines"][0]["control_entry"], "ML1.a.3");
    assert_eq!(cancelled["parties"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        cancelled["countries"],
        serde_json::json!([
            {"country": "BR", "role": "destination"},
            {"country": "VE", "role": "destination", "prohibited": true}
        ])
    );
    assert!(w.ok(&["audit", "verify"]).starts_with("audit log intact"));

    // The January file again, now older than what the store applied: already imported.
    assert!(
        w.ok(&["import", "--plugin", "licensing-chief", JANUARY])
            .contains("already imported")
    );
}

#[test]
fn the_may_file_alone_is_refused_and_writes_nothing() {
    let w = workspace();
    let stderr = w.fails(&["import", "--plugin", "licensing-chief", MAY], 1);
    assert!(
        stderr.contains(&format!(
            "{MAY}:41: record.reference: status change (cancel) for licence `{L8}` of agency `licensing`, which the store does not hold: import the licence first"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("nothing was imported from this file"),
        "{stderr}"
    );
    assert_eq!(w.ok(&["query", "--json"]), "");
}

#[test]
fn the_real_fa_sil_sample_with_an_unlimited_line_imports() {
    let sample = root().join("../shared/data/chief-licence-usage-messages/fa_sil_insert");
    if !sample.exists() {
        eprintln!("skipping: {} not present", sample.display());
        return;
    }
    let w = workspace();
    std::fs::copy(&sample, w.dir.path().join("fa_sil_insert")).expect("copy");
    let out = w.ok(&["import", "--plugin", "licensing-chief", "fa_sil_insert"]);
    assert!(out.contains("imported 1 records"), "{out}");
}
