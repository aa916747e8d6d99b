//! Imports with quarantine (`ImportMode::quarantine`): the valid records go in, every
//! refused row goes to the quarantine file with its diagnostics, the batch and the audit
//! entry count them; without quarantine an import stays all or nothing. Also: an
//! observer gets every diagnostic, however many the import keeps itself.

mod support;

use std::path::{Path, PathBuf};

use interlock_core::audit::AuditAction;
use interlock_core::jsonl::{JsonLinesError, import_json_lines_with};
use interlock_core::model::Adapter;
use interlock_core::store::{
    BeginImport, ImportError, ImportMode, ImportObserver, ImportOutcome, ImportSummary,
    MAX_REPORTED_PROBLEMS, SourceFile, Store,
};
use interlock_core::{Diagnostic, Severity};
use support::{TempStore, licence};

/// The golden files of this test (`UPDATE_GOLDEN=1` rewrites them).
const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/quarantine");

#[track_caller]
fn golden(name: &str, actual: &str) {
    let path = Path::new(GOLDEN).join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 creates it)", path.display()));
    assert_eq!(actual, expected, "differs from {}", path.display());
}

/// A register with two good rows and three a record manager cannot fix at the source:
/// a line that is not JSON, an unknown currency, and a record repeated with other content.
fn register(fx: &TempStore) -> PathBuf {
    fx.file(
        "register.jsonl",
        &[
            licence("GB/1", 10),
            "{not json".to_owned(),
            licence("GB/2", 5).replace("\"GBP\"", "\"XYZ\""),
            licence("GB/3", 7),
            licence("GB/1", 11),
        ],
    )
}

fn import(
    fx: &TempStore,
    path: &Path,
    quarantine: Option<PathBuf>,
) -> Result<ImportOutcome, JsonLinesError> {
    let mode = ImportMode {
        quarantine,
        observer: None,
    };
    import_json_lines_with(&fx.store, path, None, "tester", mode, &mut |_| {})
}

fn imported(outcome: ImportOutcome) -> ImportSummary {
    match outcome {
        ImportOutcome::Imported(summary) => summary,
        other => panic!("expected an import, got {other:?}"),
    }
}

/// The file's text with the scratch directory replaced, so it can be compared with a
/// golden file.
fn read_portable(fx: &TempStore, path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read quarantine file");
    text.replace(&fx.root.display().to_string(), "ROOT")
}

fn leftover_temporary_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("list")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with(".interlock-quarantine-"))
        .collect()
}

#[test]
fn valid_records_go_in_and_every_refused_row_goes_to_the_quarantine_file() {
    let fx = TempStore::new();
    let path = register(&fx);
    let quarantine = fx.root.join("refused.jsonl");
    let summary = imported(import(&fx, &path, Some(quarantine.clone())).expect("import"));

    assert_eq!(
        (
            summary.batch,
            summary.records,
            summary.created,
            summary.quarantined
        ),
        (1, 4, 2, 3),
        "{summary:?}"
    );
    assert_eq!(
        summary.quarantine_file.as_deref(),
        Some(quarantine.display().to_string().as_str())
    );
    let mut references: Vec<String> = fx
        .all()
        .iter()
        .map(|r| r.draft.source_ref.clone())
        .collect();
    references.sort();
    assert_eq!(references, ["GB/1", "GB/3"]);
    golden("register-refused.jsonl", &read_portable(&fx, &quarantine));
    assert!(leftover_temporary_files(&fx.root).is_empty());

    // The batch and the audit entry say how many rows were quarantined, and where.
    let sha256 = interlock_core::jsonl::sha256_file(&quarantine).expect("hash");
    let batch = fx.store.batch(1).expect("read").expect("batch 1");
    assert_eq!(batch.quarantined, 3);
    assert_eq!(batch.quarantine_file, summary.quarantine_file);
    assert_eq!(batch.quarantine_sha256.as_deref(), Some(sha256.as_str()));
    let entry = fx
        .store
        .audit_log()
        .expect("audit")
        .pop()
        .expect("an entry");
    assert_eq!(entry.action, AuditAction::Import);
    assert_eq!(entry.details["quarantined"], 3);
    assert_eq!(entry.details["quarantine_sha256"], sha256.as_str());
    assert_eq!(entry.details["created"], 2);
    assert!(fx.store.verify().expect("verify").is_intact());
}

#[test]
fn the_same_quarantined_import_again_is_a_no_op() {
    let fx = TempStore::new();
    let path = register(&fx);
    let quarantine = fx.root.join("refused.jsonl");
    imported(import(&fx, &path, Some(quarantine.clone())).expect("first import"));
    std::fs::remove_file(&quarantine).expect("remove");
    let audit_entries = fx.store.audit_log().expect("audit").len();

    match import(&fx, &path, Some(quarantine.clone())).expect("second import") {
        ImportOutcome::AlreadyImported(batch) => {
            assert_eq!((batch.batch, batch.quarantined), (1, 3));
        }
        other => panic!("expected a no-op, got {other:?}"),
    }
    assert!(!quarantine.exists(), "a no-op writes no quarantine file");
    assert!(leftover_temporary_files(&fx.root).is_empty());
    assert_eq!(fx.store.audit_log().expect("audit").len(), audit_entries);
}

#[test]
fn without_quarantine_the_same_file_is_another_import_and_stays_all_or_nothing() {
    let fx = TempStore::new();
    let path = register(&fx);
    // All or nothing first: refused, nothing written.
    let error = import(&fx, &path, None).expect_err("refused");
    let JsonLinesError::Import(ImportError::Invalid { diagnostics, total }) = error else {
        panic!("expected a refusal, got {error}");
    };
    assert_eq!(total, 3);
    let rendered: Vec<String> = diagnostics.iter().map(|d| d.render("r")).collect();
    assert_eq!(rendered.len(), 3, "{rendered:#?}");
    assert!(
        rendered[0].starts_with("r:2: key must be a string"),
        "{rendered:#?}"
    );
    assert_eq!(
        rendered[1],
        "r:3: record.lines[0].value.currency: `XYZ` is not an ISO 4217 currency code"
    );
    assert!(rendered[2].starts_with("r:5: source_ref: authorization `GB/1`"));
    assert!(fx.all().is_empty());
    assert_eq!(fx.store.stats().expect("stats").batches, 0);

    // With quarantine it goes in; all or nothing again is not "already imported": it is
    // a different import, and still refused.
    let quarantine = fx.root.join("refused.jsonl");
    imported(import(&fx, &path, Some(quarantine)).expect("quarantined import"));
    let error = import(&fx, &path, None).expect_err("still refused");
    assert!(
        matches!(
            error,
            JsonLinesError::Import(ImportError::Invalid { total: 3, .. })
        ),
        "{error}"
    );
    assert_eq!(fx.store.stats().expect("stats").batches, 1);
}

#[test]
fn a_clean_file_imported_with_quarantine_after_all_or_nothing_is_a_new_batch_with_nothing_new() {
    let fx = TempStore::new();
    let path = fx.file("clean.jsonl", &[licence("GB/1", 10)]);
    let strict = imported(import(&fx, &path, None).expect("strict"));
    assert_eq!(
        (strict.created, strict.quarantined, strict.quarantine_file),
        (1, 0, None)
    );
    let quarantine = fx.root.join("refused.jsonl");
    let again = imported(import(&fx, &path, Some(quarantine.clone())).expect("quarantine"));
    assert_eq!(
        (
            again.batch,
            again.created,
            again.unchanged,
            again.quarantined
        ),
        (2, 0, 1, 0)
    );
    // An empty quarantine is written too: it says there was nothing to refuse.
    assert_eq!(
        std::fs::read_to_string(&quarantine)
            .expect("read")
            .lines()
            .count(),
        1
    );
    let strict_batch = fx.store.batch(1).expect("read").expect("batch");
    assert_eq!(
        (strict_batch.quarantined, strict_batch.quarantine_file),
        (0, None)
    );
    // The audit entry of an all-or-nothing import keeps the shape it always had.
    let entries = fx.store.audit_log().expect("audit");
    let strict_entry = entries
        .iter()
        .find(|e| e.action == AuditAction::Import)
        .expect("import entry");
    assert!(strict_entry.details.get("quarantined").is_none());
}

#[test]
fn an_error_about_the_whole_file_refuses_it_even_with_quarantine() {
    let fx = TempStore::new();
    let path = fx.file("whole.jsonl", &[licence("GB/1", 10)]);
    let quarantine = fx.root.join("refused.jsonl");
    let source = SourceFile {
        name: path.display().to_string(),
        sha256: interlock_core::jsonl::sha256_file(&path).expect("hash"),
    };
    let mode = ImportMode {
        quarantine: Some(quarantine.clone()),
        observer: None,
    };
    let BeginImport::Ready(mut import) = fx
        .store
        .begin_import_with(source, Adapter::JsonLines, "tester", mode)
        .expect("begin")
    else {
        panic!("a new import");
    };
    let draft = interlock_core::jsonl::parse_line(&licence("GB/1", 10), 1).expect("draft");
    import
        .add(vec![interlock_core::store::Incoming {
            draft,
            line: Some(1),
        }])
        .expect("add");
    // What a plugin says about a file that ends early: no line to quarantine.
    import.report(Diagnostic {
        severity: Severity::Error,
        line: None,
        field: None,
        code: "truncated".to_owned(),
        message: "the file ends before its trailer".to_owned(),
    });
    let error = import.finish().expect_err("refused");
    let ImportError::Invalid { diagnostics, total } = error else {
        panic!("expected a refusal, got {error}");
    };
    assert_eq!(total, 1);
    assert_eq!(
        diagnostics[0].render("whole.jsonl"),
        "whole.jsonl: the file ends before its trailer"
    );
    assert!(fx.all().is_empty(), "nothing written");
    assert!(
        !quarantine.exists(),
        "no quarantine file for an import that did not commit"
    );
    assert!(leftover_temporary_files(&fx.root).is_empty());
}

#[test]
fn a_quarantine_file_that_cannot_be_written_stops_the_import() {
    let fx = TempStore::new();
    let path = register(&fx);
    let quarantine = fx.root.join("no-such-directory/refused.jsonl");
    let error = import(&fx, &path, Some(quarantine)).expect_err("refused");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "cannot write the quarantine file {}/no-such-directory/refused.jsonl: ",
            fx.root.display()
        )) && message.ends_with("; nothing was imported"),
        "{message}"
    );
    assert!(fx.all().is_empty());
}

/// Counts what it sees; fails on demand, as a full disk would.
#[derive(Default)]
struct Counting {
    errors: u64,
    warnings: u64,
    last_line: Option<u64>,
    in_order: bool,
    records: u64,
    fail: bool,
}

impl ImportObserver for &mut Counting {
    fn diagnostic(&mut self, diagnostic: &Diagnostic) -> std::io::Result<()> {
        if self.fail {
            return Err(std::io::Error::other("report.txt: no space left on device"));
        }
        if diagnostic.is_error() {
            self.errors += 1;
        } else {
            self.warnings += 1;
        }
        self.in_order &= diagnostic.line >= self.last_line;
        self.last_line = diagnostic.line;
        Ok(())
    }

    fn records(&mut self, records: u64) {
        self.records = records;
    }
}

/// 1,500 lines, each with a bad country code.
fn many_bad_lines(fx: &TempStore) -> PathBuf {
    let lines: Vec<String> = (1..=1500)
        .map(|n| licence(&format!("GB/{n}"), 1).replace("\"DE\"", "\"QQ\""))
        .collect();
    fx.file("many.jsonl", &lines)
}

#[test]
fn an_observer_gets_every_diagnostic_however_many_the_import_keeps() {
    let fx = TempStore::new();
    let path = many_bad_lines(&fx);
    let mut counting = Counting {
        in_order: true,
        ..Counting::default()
    };
    let mode = ImportMode {
        quarantine: None,
        observer: Some(Box::new(&mut counting)),
    };
    let error = import_json_lines_with(&fx.store, &path, None, "tester", mode, &mut |_| {})
        .expect_err("refused");
    let JsonLinesError::Import(ImportError::Invalid { diagnostics, total }) = error else {
        panic!("expected a refusal, got {error}");
    };
    // Each line has three: the end user's, the destination's and the party country's.
    let per_line = total / 1500;
    assert!(per_line >= 1 && total == per_line * 1500, "{total}");
    assert_eq!(
        diagnostics.len(),
        MAX_REPORTED_PROBLEMS,
        "the import keeps the first"
    );
    assert_eq!(counting.errors, total, "the observer gets them all");
    assert!(counting.in_order, "in file order");
    assert_eq!(counting.records, 1500);
    assert!(fx.all().is_empty());
}

#[test]
fn an_observer_that_fails_stops_the_import() {
    let fx = TempStore::new();
    let path = fx.file("one-bad.jsonl", &[licence("GB/1", 1), "{".to_owned()]);
    let mut counting = Counting {
        fail: true,
        ..Counting::default()
    };
    let mode = ImportMode {
        quarantine: Some(fx.root.join("refused.jsonl")),
        observer: Some(Box::new(&mut counting)),
    };
    let error = import_json_lines_with(&fx.store, &path, None, "tester", mode, &mut |_| {})
        .expect_err("refused");
    assert_eq!(
        error.to_string(),
        "report.txt: no space left on device; nothing was imported"
    );
    assert!(fx.all().is_empty());
    assert!(!fx.root.join("refused.jsonl").exists());
}

/// A store written before quarantine existed: its batches read, with nothing quarantined,
/// and its audit log still verifies.
#[test]
fn batches_of_a_store_written_before_quarantine_still_read_and_verify() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.redb");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/store-schema-1.redb"
        ),
        &path,
    )
    .expect("copy fixture");
    Store::migrate(&path, "tester").expect("migrate");
    let store = Store::open(&path).expect("open");
    let batches = store.stats().expect("stats").batches;
    assert!(batches > 0, "the fixture holds batches");
    for number in 1..=batches {
        let batch = store.batch(number).expect("read").expect("batch");
        assert_eq!((batch.quarantined, batch.quarantine_file), (0, None));
    }
    assert!(store.verify().expect("verify").is_intact());
}
