//! How a revision is kept (store schema 3): one entry of the revision log, keyed by where
//! it was written, (batch, sequence number within the batch), so that an import appends and
//! redb packs the log's pages full. The record's current revision is found through the
//! record heads table (id → revision and location); earlier revisions through each
//! revision's `previous` location.
//!
//! A stored revision is one format byte ([`REVISION_FORMAT`]) and a postcard 1.x
//! ([wire format](https://postcard.jamesmunns.com/wire-format)) [`Envelope`]: the id,
//! revision number, record schema, capture time, event date, content hash (32 bytes), line
//! in the source and previous location, then the draft. The draft is the canonical JSON its
//! content hash was computed over, as a zstd frame compressed against a dictionary
//! ([`dictionary`]). What every revision of a batch shares (adapter, source file and hash)
//! is kept once, on the batch: [`super::BatchInfo`].
//!
//! Keeping the draft's JSON bytes, not a re-encoding of the model, means `audit verify`
//! recomputes a content hash from the bytes as written, whatever release wrote them, and a
//! revision of an older record schema is still read with that schema's frozen types.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use crate::model::RecordId;

/// The first byte of every stored revision. A new layout gets a new number; this one is
/// read for as long as stores hold it.
pub const REVISION_FORMAT: u8 = 1;

/// zstd level for drafts: level 3 is zstd's default, and for drafts of a few hundred bytes
/// against a dictionary it compresses within a few percent of level 19, many times faster.
const COMPRESSION_LEVEL: i32 = 3;

/// Dictionary 1: one draft of each record kind as the demo scenario's agencies produce
/// them, as text. zstd uses it as raw content (no training), so a draft's field names and
/// common values compress to back-references. **Frozen**: revisions name the dictionary
/// they were compressed with, so a changed dictionary is a new id, never an edit (a test
/// pins its SHA-256). Every store holds a copy too (`dictionaries` table), so the file
/// alone says how to read it.
const DICTIONARY_1: &[u8] = include_bytes!("dictionary-1.jsonl");

/// The dictionary new revisions are compressed with.
pub const CURRENT_DICTIONARY: u32 = 1;

/// Every dictionary this release knows, by id: what revisions name, and what the store's
/// `dictionaries` table holds a copy of.
const DICTIONARIES: [(u32, &[u8]); 1] = [(1, DICTIONARY_1)];

/// A dictionary by id, as [`REVISION_FORMAT`] names it in a revision.
pub fn dictionary(id: u32) -> Option<&'static [u8]> {
    DICTIONARIES
        .iter()
        .find(|(known, _)| *known == id)
        .map(|(_, dictionary)| *dictionary)
}

/// Every dictionary this release knows, for the store's `dictionaries` table.
pub fn dictionaries() -> impl Iterator<Item = (u32, &'static [u8])> {
    DICTIONARIES.into_iter()
}

/// Where a revision is in the revision log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// The import batch that wrote it.
    pub batch: u64,
    /// Its place among the batch's revisions, from 0, in the order they were written.
    pub seq: u32,
}

impl Location {
    pub fn key(self) -> (u64, u32) {
        (self.batch, self.seq)
    }

    pub fn from_key((batch, seq): (u64, u32)) -> Location {
        Location { batch, seq }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "batch {} #{}", self.batch, self.seq)
    }
}

/// One revision as stored, with its draft decompressed: the canonical JSON bytes its
/// content hash was computed over. What the batch holds (adapter, source) is not here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRevision {
    pub id: RecordId,
    /// 1 for the first revision.
    pub revision: u32,
    /// The record schema ([`crate::model::RECORD_SCHEMA_VERSION`]) the draft was written in.
    pub record_schema: u32,
    pub captured_at: jiff::Timestamp,
    pub event_date: Option<jiff::civil::Date>,
    /// SHA-256 of `draft_json`, as computed when the revision was written.
    pub content_hash: [u8; 32],
    /// 1-based line (or record number) in the source file.
    pub line: Option<u64>,
    /// The revision before this one, if any.
    pub previous: Option<Location>,
    pub draft_json: Vec<u8>,
}

/// What follows the format byte, in postcard. Field order is the wire order: never
/// reorder, only add a new [`REVISION_FORMAT`].
#[derive(Serialize, Deserialize)]
struct Envelope<'a> {
    id: [u8; 16],
    revision: u32,
    record_schema: u32,
    /// Seconds and nanoseconds since the Unix epoch.
    captured_at: (i64, i32),
    /// Year, month, day.
    event_date: Option<(i16, i8, i8)>,
    content_hash: [u8; 32],
    line: Option<u64>,
    previous: Option<(u64, u32)>,
    /// The dictionary `draft` was compressed against.
    dictionary: u32,
    /// The draft's length uncompressed.
    draft_len: u32,
    #[serde(borrow, with = "serde_bytes")]
    draft: &'a [u8],
}

/// A revision that cannot be written or read in [`REVISION_FORMAT`].
#[derive(Debug, thiserror::Error)]
pub enum RevisionFormatError {
    #[error("unknown revision format {0}")]
    UnknownFormat(u8),
    #[error("empty revision")]
    Empty,
    #[error("revision envelope: {0}")]
    Envelope(#[from] postcard::Error),
    #[error("unknown compression dictionary {0}")]
    UnknownDictionary(u32),
    #[error("draft does not decompress: {0}")]
    Compression(std::io::Error),
    #[error("draft decompresses to {found} bytes, the envelope says {expected}")]
    DraftLength { expected: u32, found: usize },
    #[error("event date {0:?} is not a date")]
    EventDate((i16, i8, i8)),
    #[error("capture time {0:?} is out of range")]
    CapturedAt((i64, i32)),
    #[error("draft of {0} bytes is too large")]
    TooLarge(usize),
}

impl From<RevisionFormatError> for super::StorageError {
    fn from(error: RevisionFormatError) -> Self {
        super::StorageError::Corrupted(format!("a stored revision cannot be read: {error}"))
    }
}

/// Writes revisions; one per import (it keeps zstd's compression context and the prepared
/// dictionary between revisions).
pub struct RevisionEncoder {
    compressor: zstd::bulk::Compressor<'static>,
}

impl std::fmt::Debug for RevisionEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevisionEncoder").finish_non_exhaustive()
    }
}

impl RevisionEncoder {
    pub fn new() -> Result<RevisionEncoder, RevisionFormatError> {
        let dictionary = dictionary(CURRENT_DICTIONARY)
            .ok_or(RevisionFormatError::UnknownDictionary(CURRENT_DICTIONARY))?;
        let mut compressor = zstd::bulk::Compressor::with_dictionary(COMPRESSION_LEVEL, dictionary)
            .map_err(RevisionFormatError::Compression)?;
        // The envelope names the dictionary and the length, and the content hash checks
        // the bytes: the frame need not repeat them.
        for parameter in [
            zstd::stream::raw::CParameter::ChecksumFlag(false),
            zstd::stream::raw::CParameter::DictIdFlag(false),
            zstd::stream::raw::CParameter::ContentSizeFlag(false),
        ] {
            compressor
                .set_parameter(parameter)
                .map_err(RevisionFormatError::Compression)?;
        }
        Ok(RevisionEncoder { compressor })
    }

    pub fn encode(&mut self, revision: &RawRevision) -> Result<Vec<u8>, RevisionFormatError> {
        let draft_len = u32::try_from(revision.draft_json.len())
            .map_err(|_| RevisionFormatError::TooLarge(revision.draft_json.len()))?;
        let draft = self
            .compressor
            .compress(&revision.draft_json)
            .map_err(RevisionFormatError::Compression)?;
        let envelope = Envelope {
            id: revision.id.0,
            revision: revision.revision,
            record_schema: revision.record_schema,
            captured_at: (
                revision.captured_at.as_second(),
                revision.captured_at.subsec_nanosecond(),
            ),
            event_date: revision
                .event_date
                .map(|date| (date.year(), date.month(), date.day())),
            content_hash: revision.content_hash,
            line: revision.line,
            previous: revision.previous.map(Location::key),
            dictionary: CURRENT_DICTIONARY,
            draft_len,
            draft: &draft,
        };
        let mut bytes = Vec::with_capacity(draft.len() + 96);
        bytes.push(REVISION_FORMAT);
        postcard::to_io(&envelope, &mut bytes)?;
        Ok(bytes)
    }
}

thread_local! {
    /// One decompression context per dictionary and thread, kept between reads: making one
    /// and loading its dictionary costs more than reading a revision.
    static DECOMPRESSORS: RefCell<Vec<(u32, zstd::bulk::Decompressor<'static>)>> =
        const { RefCell::new(Vec::new()) };
}

/// Reads a stored revision whole, its draft decompressed (with this thread's
/// decompression contexts).
pub fn decode(bytes: &[u8]) -> Result<RawRevision, RevisionFormatError> {
    let envelope = envelope(bytes)?;
    let draft_json = decompress(&envelope)?;
    let event_date = match envelope.event_date {
        Some((year, month, day)) => Some(
            jiff::civil::Date::new(year, month, day)
                .map_err(|_| RevisionFormatError::EventDate((year, month, day)))?,
        ),
        None => None,
    };
    let (second, nanosecond) = envelope.captured_at;
    let captured_at = jiff::Timestamp::new(second, nanosecond)
        .map_err(|_| RevisionFormatError::CapturedAt(envelope.captured_at))?;
    Ok(RawRevision {
        id: RecordId(envelope.id),
        revision: envelope.revision,
        record_schema: envelope.record_schema,
        captured_at,
        event_date,
        content_hash: envelope.content_hash,
        line: envelope.line,
        previous: envelope.previous.map(Location::from_key),
        draft_json,
    })
}

fn decompress(envelope: &Envelope<'_>) -> Result<Vec<u8>, RevisionFormatError> {
    let id = envelope.dictionary;
    let expected = envelope.draft_len;
    let draft = DECOMPRESSORS.with_borrow_mut(|decompressors| {
        let position = match decompressors.iter().position(|(d, _)| *d == id) {
            Some(position) => position,
            None => {
                let dictionary =
                    dictionary(id).ok_or(RevisionFormatError::UnknownDictionary(id))?;
                let decompressor = zstd::bulk::Decompressor::with_dictionary(dictionary)
                    .map_err(RevisionFormatError::Compression)?;
                decompressors.push((id, decompressor));
                decompressors.len() - 1
            }
        };
        decompressors[position]
            .1
            .decompress(envelope.draft, expected as usize)
            .map_err(RevisionFormatError::Compression)
    })?;
    if draft.len() != expected as usize {
        return Err(RevisionFormatError::DraftLength {
            expected,
            found: draft.len(),
        });
    }
    Ok(draft)
}

/// The envelope of a stored revision, its draft still compressed.
fn envelope(bytes: &[u8]) -> Result<Envelope<'_>, RevisionFormatError> {
    match bytes.split_first() {
        Some((&REVISION_FORMAT, rest)) => Ok(postcard::from_bytes(rest)?),
        Some((&other, _)) => Err(RevisionFormatError::UnknownFormat(other)),
        None => Err(RevisionFormatError::Empty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn sample() -> RawRevision {
        let draft_json = br#"{"agency":"customs","source_ref":"26GB1/1","record":{"kind":"customs_declaration","declaration_ref":"26GB1","item_no":1,"procedure":"export","date":"2026-03-01","country_of_destination":"DE","hs_code":"930190"}}"#.to_vec();
        RawRevision {
            id: RecordId([7; 16]),
            revision: 2,
            record_schema: 2,
            captured_at: jiff::Timestamp::new(1_780_000_000, 123_456_789).expect("time"),
            event_date: Some(jiff::civil::date(2026, 3, 1)),
            content_hash: Sha256::digest(&draft_json).into(),
            line: Some(17),
            previous: Some(Location { batch: 3, seq: 41 }),
            draft_json,
        }
    }

    #[test]
    fn a_revision_reads_back_as_written_and_compresses() {
        let revision = sample();
        let bytes = RevisionEncoder::new()
            .expect("encoder")
            .encode(&revision)
            .expect("encode");
        assert_eq!(bytes[0], REVISION_FORMAT);
        assert!(
            bytes.len() < revision.draft_json.len(),
            "{} stored bytes for a {}-byte draft",
            bytes.len(),
            revision.draft_json.len()
        );
        let read = decode(&bytes).expect("decode");
        assert_eq!(read, revision);
    }

    #[test]
    fn damaged_revisions_are_errors_not_panics() {
        let bytes = RevisionEncoder::new()
            .expect("encoder")
            .encode(&sample())
            .expect("encode");
        assert!(matches!(decode(&[]), Err(RevisionFormatError::Empty)));
        let mut other_format = bytes.clone();
        other_format[0] = 9;
        assert!(matches!(
            decode(&other_format),
            Err(RevisionFormatError::UnknownFormat(9))
        ));
        for cut in 1..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    /// Revisions name their dictionary: editing one would make every revision compressed
    /// with it unreadable. A new dictionary is a new id.
    #[test]
    fn dictionary_1_is_frozen() {
        assert_eq!(
            hex::encode(Sha256::digest(DICTIONARY_1)),
            "3f77b6483dccc4ce3666a73e9a1697547fb8fd2eaf228f5c11830e071bd4e5a9"
        );
    }
}
