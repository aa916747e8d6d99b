//! A plugin that misbehaves on purpose, chosen by the first word of its input, so the
//! host's tests can show that each kind of misbehaviour is stopped cleanly.

use interlock_pdk::prelude::*;

#[derive(Default)]
pub struct Hostile;

fn item(serial: &str, country: &str, date: &str) -> Body {
    Body::Item(Item {
        make: "Hostile".to_owned(),
        model: None,
        calibre: None,
        item_type: None,
        serial: serial.to_owned(),
        country_of_manufacture: Some(country.to_owned()),
        year_of_manufacture: None,
        import_mark: None,
        other_marks: Vec::new(),
        control_entry: None,
        recorded_date: Some(date.to_owned()),
    })
}

#[allow(clippy::only_used_in_recursion, unconditional_recursion)] // unbounded on purpose
fn recurse(depth: u64) -> u64 {
    let here = [depth; 64];
    recurse(std::hint::black_box(here)[depth as usize % 64] + 1) + here[0]
}

impl Plugin for Hostile {
    fn info() -> PluginInfo {
        plugin_info(
            "hostile",
            env!("CARGO_PKG_VERSION"),
            AgencyKind::Other,
            &["misbehaviour"],
        )
        // Declared so the host's tests can see options come through `describe`; the
        // plugin's behaviour is chosen by its input, not by options.
        .option(
            "mode",
            "ignored: the first word of the input chooses the misbehaviour",
            Some("fine"),
        )
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<Translation> {
        let text = String::from_utf8_lossy(chunk);
        let mode = text.split_whitespace().next().unwrap_or("");
        let mut out = Translation::default();
        match mode {
            "loop" => {
                let mut counter = 0u64;
                loop {
                    counter = std::hint::black_box(counter.wrapping_add(1));
                }
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 16 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "recursion" => {
                std::hint::black_box(recurse(0));
            }
            "flood" => {
                for n in 0..2_000u32 {
                    out.record(
                        "police",
                        format!("F-{n}"),
                        1,
                        item(&format!("S{n}"), "GB", "2026-01-01"),
                    );
                }
            }
            "panic" => panic!("hostile plugin panics on purpose"),
            "logs" => {
                for n in 0..5_000 {
                    interlock_pdk::log(2, &format!("log line {n} {}", "x".repeat(4_000)));
                }
                out.record("police", "L-1", 1, item("L1", "GB", "2026-01-01"));
            }
            "invalid" => {
                out.record("police", "V-1", 1, item("V1", "GB", "2026-01-01"));
                out.record("police", "V-2", 2, item("V2", "XX", "2026-01-01"));
                out.record("police", "V-3", 3, item("V3", "GB", "2026-13-45"));
            }
            "error" => {
                return Err(PluginError::UnsupportedFormat(
                    "this is not a hostile file".to_owned(),
                ));
            }
            _ => out.record("police", "OK-1", 1, item("OK1", "GB", "2026-01-01")),
        }
        Ok(out)
    }
}

export_plugin!(Hostile);
