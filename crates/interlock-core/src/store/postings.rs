//! Secondary indexes (store schema 3): posting lists. For each index key (a kind, a
//! serial, a country and year, ...) and each import batch, the sequence numbers of the
//! batch's revisions that carry the key, ascending, delta-encoded as varints. An import
//! collects its postings in memory and writes them in key order when it has gathered
//! [`FLUSH_POSTINGS`] of them, and at its end, each flush a new `part`; so a million records
//! cost a few thousand writes for a key shared by many (a date, a country) instead of a
//! million tree inserts, and a key costs a few bytes a record instead of a 16-byte id.
//!
//! Table key: index number (one byte, [`super::facets::KIND`] ...), the key's text, a zero
//! byte, the batch (u64, big endian) and the part (u32, big endian), so that one key's
//! postings are together, in batch order, and a text prefix finds every key that starts
//! with it.
//!
//! A posting names a revision, not a record: when a record is revised, the postings of its
//! earlier revision stay. A query keeps a candidate only if its record's current revision
//! is the one the posting names, and then checks its filters on the record's [`Facets`]
//! (`super::facets`): an index narrows, it never decides.

use std::collections::{BTreeMap, HashMap};

use redb::ReadableTable;

use super::StorageError;
use super::revision::Location;

/// Postings an import holds in memory before writing them (about 16 bytes each, plus
/// the keys): bounds an import's memory whatever the file's size.
const FLUSH_POSTINGS: usize = 1 << 20;

/// The postings of one batch, gathered in memory.
pub(super) struct PostingsWriter {
    batch: u64,
    part: u32,
    /// Index number → key → sequence numbers; sorted by key when written.
    pending: BTreeMap<u8, HashMap<String, Vec<u32>>>,
    count: usize,
}

impl PostingsWriter {
    pub fn new(batch: u64) -> PostingsWriter {
        PostingsWriter {
            batch,
            part: 0,
            pending: BTreeMap::new(),
            count: 0,
        }
    }

    pub fn batch(&self) -> u64 {
        self.batch
    }

    /// Files revision `seq` of this batch under `key` of `index`. Sequence numbers must
    /// come in ascending order (the order an import writes revisions).
    pub fn add(&mut self, index: usize, key: &str, seq: u32) {
        let index = u8::try_from(index).unwrap_or(u8::MAX);
        let keys = self.pending.entry(index).or_default();
        match keys.get_mut(key) {
            Some(seqs) => {
                if seqs.last() != Some(&seq) {
                    seqs.push(seq);
                    self.count += 1;
                }
            }
            None => {
                keys.insert(key.to_owned(), vec![seq]);
                self.count += 1;
            }
        }
    }

    /// Whether enough postings are held to write them now.
    pub fn is_full(&self) -> bool {
        self.count >= FLUSH_POSTINGS
    }

    /// Writes the postings held, in key order, as one part.
    pub fn flush(
        &mut self,
        table: &mut redb::Table<'_, &'static [u8], &'static [u8]>,
    ) -> Result<(), StorageError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut key = Vec::new();
        let mut value = Vec::new();
        for (index, keys) in std::mem::take(&mut self.pending) {
            let mut keys: Vec<(String, Vec<u32>)> = keys.into_iter().collect();
            keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            for (text, seqs) in keys {
                posting_key(&mut key, index, &text, self.batch, self.part);
                encode_seqs(&mut value, &seqs);
                table.insert(key.as_slice(), value.as_slice())?;
            }
        }
        self.count = 0;
        self.part = self.part.checked_add(1).ok_or_else(|| {
            StorageError::Corrupted(format!("import batch {} has too many parts", self.batch))
        })?;
        Ok(())
    }
}

fn posting_key(into: &mut Vec<u8>, index: u8, text: &str, batch: u64, part: u32) {
    into.clear();
    into.push(index);
    into.extend_from_slice(text.as_bytes());
    into.push(0);
    into.extend_from_slice(&batch.to_be_bytes());
    into.extend_from_slice(&part.to_be_bytes());
}

fn encode_seqs(into: &mut Vec<u8>, seqs: &[u32]) {
    into.clear();
    let mut previous = 0u32;
    for (n, &seq) in seqs.iter().enumerate() {
        let delta = if n == 0 { seq } else { seq - previous };
        let mut delta = delta;
        loop {
            let byte = (delta & 0x7f) as u8;
            delta >>= 7;
            if delta == 0 {
                into.push(byte);
                break;
            }
            into.push(byte | 0x80);
        }
        previous = seq;
    }
}

/// Adds the sequence numbers in `value` (of `batch`) to `into`. A damaged value yields
/// what could be read: postings only narrow a query.
fn decode_seqs(value: &[u8], batch: u64, into: &mut Vec<Location>) {
    let (mut seq, mut delta, mut shift, mut first) = (0u32, 0u32, 0u32, true);
    for &byte in value {
        delta |= u32::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 != 0 {
            shift += 7;
            continue;
        }
        seq = if first {
            delta
        } else {
            seq.wrapping_add(delta)
        };
        first = false;
        into.push(Location { batch, seq });
        (delta, shift) = (0, 0);
    }
}

/// The batch a posting key names (its last twelve bytes are batch and part).
fn batch_of(key: &[u8]) -> Option<u64> {
    let batch = key
        .len()
        .checked_sub(12)
        .and_then(|at| key.get(at..at + 8))?;
    Some(u64::from_be_bytes(batch.try_into().ok()?))
}

/// The key's text, between the index byte and the zero byte before batch and part.
fn text_of(key: &[u8]) -> Option<&[u8]> {
    key.get(1..key.len().checked_sub(13)?)
}

/// Locations of the revisions filed under keys of `index` for which `accept(text)` holds,
/// among the keys from `start` (text) on, while `more(text)` holds. Sorted, no duplicates.
fn scan(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    index: usize,
    start: &[u8],
    more: impl Fn(&[u8]) -> bool,
    accept: impl Fn(&[u8]) -> bool,
) -> Result<Vec<Location>, StorageError> {
    let index = u8::try_from(index).unwrap_or(u8::MAX);
    let mut from = vec![index];
    from.extend_from_slice(start);
    let mut found = Vec::new();
    for entry in table.range::<&[u8]>(from.as_slice()..)? {
        let (key, value) = entry?;
        let key = key.value();
        if key.first() != Some(&index) {
            break;
        }
        let (Some(text), Some(batch)) = (text_of(key), batch_of(key)) else {
            continue;
        };
        if !more(text) {
            break;
        }
        if accept(text) {
            decode_seqs(value.value(), batch, &mut found);
        }
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
}

/// Revisions filed under exactly `key` of `index`.
pub(super) fn exact(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    index: usize,
    key: &str,
) -> Result<Vec<Location>, StorageError> {
    let key = key.as_bytes();
    scan(table, index, key, |text| text == key, |_| true)
}

/// Revisions filed under any key of `index` that starts with `prefix`.
pub(super) fn with_prefix(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    index: usize,
    prefix: &str,
) -> Result<Vec<Location>, StorageError> {
    let prefix = prefix.as_bytes();
    scan(
        table,
        index,
        prefix,
        |text| text.starts_with(prefix),
        |_| true,
    )
}

/// Revisions filed under keys of `index` from `low` to `high` (text order, both included;
/// `None` is unbounded).
pub(super) fn in_range(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    index: usize,
    low: Option<&str>,
    high: Option<&str>,
) -> Result<Vec<Location>, StorageError> {
    let high = high.map(str::as_bytes);
    scan(
        table,
        index,
        low.unwrap_or("").as_bytes(),
        |text| high.is_none_or(|high| text <= high),
        |_| true,
    )
}

/// The locations in both sorted lists.
pub(super) fn intersect(a: &[Location], b: &[Location]) -> Vec<Location> {
    let (mut i, mut j, mut both) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    both
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_read_back_as_written() {
        let seqs = [0u32, 1, 2, 127, 128, 300, 16_384, 2_000_000, u32::MAX];
        let mut bytes = Vec::new();
        encode_seqs(&mut bytes, &seqs);
        let mut read = Vec::new();
        decode_seqs(&bytes, 7, &mut read);
        let expected: Vec<Location> = seqs.iter().map(|&seq| Location { batch: 7, seq }).collect();
        assert_eq!(read, expected);
        // Dense runs cost a byte each.
        encode_seqs(&mut bytes, &(0..1000).collect::<Vec<_>>());
        assert_eq!(bytes.len(), 1000);
    }

    #[test]
    fn a_key_names_its_text_and_batch() {
        let mut key = Vec::new();
        posting_key(&mut key, 5, "DE:2026", 42, 3);
        assert_eq!(text_of(&key), Some(&b"DE:2026"[..]));
        assert_eq!(batch_of(&key), Some(42));
        assert_eq!(text_of(&[1, 2]), None);
    }

    #[test]
    fn intersection_keeps_what_both_hold() {
        let at = |batch, seq| Location { batch, seq };
        assert_eq!(
            intersect(
                &[at(1, 1), at(1, 5), at(2, 0)],
                &[at(1, 5), at(2, 0), at(3, 1)]
            ),
            vec![at(1, 5), at(2, 0)]
        );
    }

    #[test]
    fn postings_are_found_by_key_prefix_and_range() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = redb::Database::create(dir.path().join("p.redb")).expect("db");
        let txn = db.begin_write().expect("write");
        {
            let mut table = txn
                .open_table(super::super::tables::POSTINGS)
                .expect("table");
            let mut batch_1 = PostingsWriter::new(1);
            batch_1.add(5, "DE:2026", 0);
            batch_1.add(5, "DE:2025", 1);
            batch_1.add(5, "DE:2026", 2);
            batch_1.add(6, "DE:2026", 3);
            batch_1.flush(&mut table).expect("flush");
            batch_1.add(5, "DE:2026", 4);
            batch_1.add(5, "DEU", 5);
            batch_1.flush(&mut table).expect("flush");
            let mut batch_2 = PostingsWriter::new(2);
            batch_2.add(5, "DE:2026", 0);
            batch_2.add(5, "FR:2026", 1);
            batch_2.flush(&mut table).expect("flush");

            let at = |batch, seq| Location { batch, seq };
            assert_eq!(
                exact(&table, 5, "DE:2026").expect("exact"),
                vec![at(1, 0), at(1, 2), at(1, 4), at(2, 0)]
            );
            assert_eq!(
                with_prefix(&table, 5, "DE:").expect("prefix"),
                vec![at(1, 0), at(1, 1), at(1, 2), at(1, 4), at(2, 0)]
            );
            assert_eq!(
                in_range(&table, 5, Some("DE:2026"), Some("FR:2026")).expect("range"),
                vec![at(1, 0), at(1, 2), at(1, 4), at(1, 5), at(2, 0), at(2, 1)]
            );
            assert_eq!(
                exact(&table, 6, "DE:2026").expect("other index"),
                vec![at(1, 3)]
            );
            assert!(exact(&table, 5, "DE").expect("no such key").is_empty());
        }
        txn.commit().expect("commit");
    }
}
