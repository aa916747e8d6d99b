//! The JSON Lines import format: one [`Draft`] per line, exactly as
//! `serde_json::to_string(&draft)` writes it. Blank lines are skipped.
//!
//! This reader is an adapter like any plugin: it turns bytes into drafts and problems and
//! hands both to [`Import`]; validation and writing happen there, for every adapter alike.

use std::io::{BufRead, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::diagnostic::Diagnostic;
use crate::model::{Adapter, Draft, RecordKind};
use crate::store::{
    BeginImport, ImportError, ImportMode, ImportOutcome, Incoming, SourceFile, Store,
};

/// Lines handed to the store at a time: large enough to amortise opening tables.
const BATCH_LINES: usize = 4096;

/// SHA-256 of a file, read in 1 MiB blocks so large files never sit in memory.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[derive(Debug, thiserror::Error)]
pub enum JsonLinesError {
    #[error("{}: {source}", .path.display())]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Import(#[from] ImportError),
}

/// Decodes one line, turning serde's complaint into a diagnostic naming the field.
pub fn parse_line(text: &str, line: u64) -> Result<Draft, Diagnostic> {
    let diagnostic = |field: Option<String>, error: serde_json::Error| {
        let mut message = error.to_string();
        // serde_json appends "at line 1 column N": the line is ours, the column is noise.
        if let Some(cut) = message.rfind(" at line ") {
            message.truncate(cut);
        }
        let code = if error.is_syntax() || error.is_eof() {
            "json-syntax"
        } else {
            "json-shape"
        };
        Diagnostic {
            severity: crate::Severity::Error,
            line: Some(line),
            field,
            code: code.to_owned(),
            message,
        }
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let draft: Draft = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        // `?` and `.` are serde_path_to_error's "nowhere in particular".
        let field = (path != "." && path != "?").then_some(path);
        diagnostic(field, error.into_inner())
    })?;
    deserializer
        .end()
        .map_err(|error| diagnostic(None, error))?;
    Ok(draft)
}

/// Imports one JSON Lines file: all of its records in one transaction, or none.
/// `progress` is called with the number of bytes read so far.
pub fn import_json_lines(
    store: &Store,
    path: &Path,
    actor: &str,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportOutcome, JsonLinesError> {
    import_json_lines_of(store, path, None, actor, progress)
}

/// [`import_json_lines`] for a file that must hold records of one kind only (e.g. the
/// embargo reference set): a record of another kind is an error on its line.
pub fn import_json_lines_of(
    store: &Store,
    path: &Path,
    only: Option<RecordKind>,
    actor: &str,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportOutcome, JsonLinesError> {
    import_json_lines_with(store, path, only, actor, ImportMode::default(), progress)
}

/// [`BATCH_LINES`] lines of a JSON Lines file, decoded: what the reading thread hands the
/// writing one.
struct Piece {
    drafts: Vec<Incoming>,
    /// Problems of those lines (not JSON, not UTF-8, not a draft, the wrong kind).
    diagnostics: Vec<Diagnostic>,
    /// Bytes of the file read so far, for progress.
    bytes_read: u64,
}

/// Reads and decodes `file` line by line, handing it over in [`Piece`]s; stops early if
/// `send` says the writer has stopped.
fn read_pieces(
    file: std::fs::File,
    only: Option<RecordKind>,
    send: &mut dyn FnMut(Piece) -> bool,
) -> std::io::Result<()> {
    let mut reader = std::io::BufReader::new(file);
    let mut buffer = Vec::new();
    let mut piece = Piece {
        drafts: Vec::with_capacity(BATCH_LINES),
        diagnostics: Vec::new(),
        bytes_read: 0,
    };
    let mut line_no = 0u64;
    loop {
        buffer.clear();
        let read = reader.read_until(b'\n', &mut buffer)?;
        if read == 0 {
            break;
        }
        line_no += 1;
        piece.bytes_read += read as u64;
        let text = match std::str::from_utf8(&buffer) {
            Ok(text) => text.trim(),
            Err(error) => {
                piece.diagnostics.push(Diagnostic {
                    severity: crate::Severity::Error,
                    line: Some(line_no),
                    field: None,
                    code: "encoding".to_owned(),
                    message: format!("not valid UTF-8 ({error})"),
                });
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        match parse_line(text, line_no) {
            Ok(draft) if only.is_some_and(|kind| kind != draft.record.kind()) => {
                piece.diagnostics.push(Diagnostic {
                    severity: crate::Severity::Error,
                    line: Some(line_no),
                    field: Some("record.kind".to_owned()),
                    code: "wrong-kind".to_owned(),
                    message: format!(
                        "is {}, but this file may hold only {} records",
                        draft.record.kind(),
                        only.map(RecordKind::as_str).unwrap_or_default()
                    ),
                });
            }
            Ok(draft) => piece.drafts.push(Incoming {
                draft,
                line: Some(line_no),
            }),
            Err(diagnostic) => piece.diagnostics.push(diagnostic),
        }
        if piece.drafts.len() >= BATCH_LINES {
            let next = Piece {
                drafts: Vec::with_capacity(BATCH_LINES),
                diagnostics: Vec::new(),
                bytes_read: piece.bytes_read,
            };
            if !send(std::mem::replace(&mut piece, next)) {
                return Ok(());
            }
        }
    }
    send(piece);
    Ok(())
}

/// [`import_json_lines_of`] with quarantine or an observer (see [`ImportMode`]).
pub fn import_json_lines_with<'s>(
    store: &'s Store,
    path: &Path,
    only: Option<RecordKind>,
    actor: &str,
    mode: ImportMode<'s>,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportOutcome, JsonLinesError> {
    let io_error = |source| JsonLinesError::Io {
        path: path.to_owned(),
        source,
    };
    let source = SourceFile {
        name: path.display().to_string(),
        sha256: sha256_file(path).map_err(io_error)?,
    };
    let mut import = match store.begin_import_with(source, Adapter::JsonLines, actor, mode)? {
        BeginImport::AlreadyImported(batch) => return Ok(ImportOutcome::AlreadyImported(batch)),
        BeginImport::Ready(import) => import,
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    // Lines are read, decoded and prepared (validated, hashed) on a thread of their own
    // while this one writes (`crate::pipeline`).
    let preparer = import.preparer();
    let (read, written) = crate::pipeline::pipeline(
        move |send| {
            read_pieces(file, only, &mut |piece: Piece| {
                let prepared = preparer.prepare(piece.drafts);
                send((prepared, piece.diagnostics, piece.bytes_read))
            })
        },
        |(prepared, diagnostics, bytes_read)| {
            for diagnostic in diagnostics {
                import.report(diagnostic);
            }
            import.add_prepared(prepared)?;
            progress(bytes_read);
            Ok::<(), ImportError>(())
        },
    );
    written?;
    read.map_err(io_error)?;
    Ok(ImportOutcome::Imported(import.finish()?))
}
