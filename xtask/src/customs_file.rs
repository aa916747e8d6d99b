//! Large customs files in the customs-csv plugin's format (see plugins/customs-csv), generated
//! deterministically from a row count, so that runs compare: what `cargo xtask crash` kills
//! imports of and what `cargo xtask bench import` measures.
//!
//! Both crates compile this one file: xtask declares it as a module, xtask-bench includes it
//! with `#[path]`. A shared crate is not worth it for a few lines, and xtask must not link
//! xtask-bench, which links the plugin host (see xtask/Cargo.toml).

use std::io::Write as _;
use std::path::Path;

/// The plugin's header (the customs-csv crate's `HEADER`, which xtask cannot link).
pub const CSV_HEADER: &str = "declaration_ref,item_no,procedure,customs_office,date,partner_country,hs_code,description,quantity,unit,value,currency,authorization_ref,line_no\n";

const COUNTRIES: [&str; 8] = ["DE", "FR", "US", "NO", "AU", "JP", "IN", "BR"];
const HS_CODES: [&str; 6] = ["930190", "930200", "930630", "930591", "871000", "930320"];

/// One export declaration item: three items per declaration, each citing line 1 of one of
/// 5,000 licences, spread over the year. Every number gives a different
/// `declaration_ref/item_no`, so a file of N rows is N records.
pub struct DeclarationItem {
    pub declaration_ref: String,
    pub item_no: u64,
    /// `2026-MM-DD`.
    pub date: String,
    pub country: &'static str,
    pub hs_code: &'static str,
    pub description: String,
    /// Pieces (`NAR`).
    pub quantity: u64,
    /// GBP.
    pub value: u64,
    pub licence: String,
}

impl DeclarationItem {
    /// Item number `n` (from 0) of a generated file.
    pub fn numbered(n: u64) -> DeclarationItem {
        let day = 1 + n % 28;
        let month = 1 + (n / 28) % 12;
        DeclarationItem {
            declaration_ref: format!("26GB{:014}", n / 3),
            item_no: 1 + n % 3,
            date: format!("2026-{month:02}-{day:02}"),
            country: COUNTRIES[(n % 8) as usize],
            hs_code: HS_CODES[(n % 6) as usize],
            description: format!("Arms item {n}"),
            quantity: 1 + n % 50,
            value: 1000 + (n * 7919) % 90_000,
            licence: format!("GBSIEL/2026/{:07}", n % 5000),
        }
    }

    /// The item as one line of the customs-csv format, `\n` included.
    pub fn csv_line(&self) -> String {
        let DeclarationItem {
            declaration_ref,
            item_no,
            date,
            country,
            hs_code,
            description,
            quantity,
            value,
            licence,
        } = self;
        format!(
            "{declaration_ref},{item_no},export,GBLHR001,{date},{country},{hs_code},{description},{quantity},NAR,{value},GBP,{licence},1\n"
        )
    }
}

/// Writes the header and items `0..rows` to `path`.
pub fn write_csv(path: &Path, rows: u64) -> std::io::Result<()> {
    let mut csv = std::io::BufWriter::new(std::fs::File::create(path)?);
    csv.write_all(CSV_HEADER.as_bytes())?;
    for n in 0..rows {
        csv.write_all(DeclarationItem::numbered(n).csv_line().as_bytes())?;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_file_has_the_plugins_header_and_one_line_per_item() -> std::io::Result<()> {
        // Per process: xtask and xtask-bench both run this test, maybe at the same time.
        let dir = std::env::temp_dir().join(format!("xtask-customs-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("customs.csv");
        write_csv(&path, 4)?;
        let text = std::fs::read_to_string(&path)?;
        std::fs::remove_dir_all(&dir)?;
        assert_eq!(
            text,
            format!(
                "{CSV_HEADER}\
                 26GB00000000000000,1,export,GBLHR001,2026-01-01,DE,930190,Arms item 0,1,NAR,1000,GBP,GBSIEL/2026/0000000,1\n\
                 26GB00000000000000,2,export,GBLHR001,2026-01-02,FR,930200,Arms item 1,2,NAR,8919,GBP,GBSIEL/2026/0000001,1\n\
                 26GB00000000000000,3,export,GBLHR001,2026-01-03,US,930630,Arms item 2,3,NAR,16838,GBP,GBSIEL/2026/0000002,1\n\
                 26GB00000000000001,1,export,GBLHR001,2026-01-04,NO,930591,Arms item 3,4,NAR,24757,GBP,GBSIEL/2026/0000003,1\n"
            )
        );
        Ok(())
    }
}
