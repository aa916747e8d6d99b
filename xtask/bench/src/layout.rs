//! `cargo xtask bench layout --store FILE`: where a store's bytes go, table by table, from
//! redb's own statistics. The import benchmark prints it for the store it wrote. Measured
//! this way (issue 9): most of a large store is revision values and the half-empty leaf
//! pages they leave, not the indexes.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use redb::{MultimapTableHandle, ReadableDatabase, ReadableTableMetadata, TableHandle};

/// One table's line: what it stores, what its B-tree's branches take, and the unused
/// space inside its pages.
struct TableLayout {
    name: String,
    multimap: bool,
    stats: redb::TableStats,
}

/// The store's tables by size, then the whole file: stored, metadata, fragmented bytes.
pub fn describe(store: &Path) -> Result<String> {
    let file_bytes = std::fs::metadata(store)
        .with_context(|| format!("{}", store.display()))?
        .len();
    let database = redb::Database::open(store).with_context(|| format!("{}", store.display()))?;
    let read = database.begin_read()?;
    let mut tables = Vec::new();
    for handle in read.list_tables()? {
        let name = handle.name().to_owned();
        let stats = read.open_untyped_table(handle)?.stats()?;
        tables.push(TableLayout {
            name,
            multimap: false,
            stats,
        });
    }
    for handle in read.list_multimap_tables()? {
        let name = handle.name().to_owned();
        let stats = read.open_untyped_multimap_table(handle)?.stats()?;
        tables.push(TableLayout {
            name,
            multimap: true,
            stats,
        });
    }
    drop(read);
    tables.sort_by_key(|t| std::cmp::Reverse(t.stats.stored_bytes() + t.stats.fragmented_bytes()));
    let megabytes = |bytes: u64| bytes as f64 / 1e6;
    let mut text = String::new();
    writeln!(
        text,
        "{:<32} {:>10} {:>12} {:>14} {:>11}",
        "table", "stored MB", "branches MB", "fragmented MB", "leaf pages"
    )?;
    for table in tables.iter().filter(|t| t.stats.leaf_pages() > 0) {
        let kind = if table.multimap { " (multimap)" } else { "" };
        writeln!(
            text,
            "{:<32} {:>10.1} {:>12.1} {:>14.1} {:>11}",
            format!("{}{kind}", table.name),
            megabytes(table.stats.stored_bytes()),
            megabytes(table.stats.metadata_bytes()),
            megabytes(table.stats.fragmented_bytes()),
            table.stats.leaf_pages()
        )?;
    }
    let write = database.begin_write()?;
    let whole = write.stats()?;
    write.abort()?;
    writeln!(
        text,
        "whole file {:.0} MB: {} pages of {} B allocated ({:.0} MB), {:.0} MB stored, {:.0} MB branches, {:.0} MB fragmented",
        megabytes(file_bytes),
        whole.allocated_pages(),
        whole.page_size(),
        megabytes(whole.allocated_pages() * whole.page_size() as u64),
        megabytes(whole.stored_bytes()),
        megabytes(whole.metadata_bytes()),
        megabytes(whole.fragmented_bytes()),
    )?;
    Ok(text)
}
