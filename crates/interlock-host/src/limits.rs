//! Sandbox limits: what one plugin may use on one file. Defaults suit real agency files
//! (a GB and more); a registration may override any of them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Linear memory of the instance.
    pub memory_bytes: usize,
    /// Fuel (≈ wasm instructions) per input byte of a call (a chunk for `feed`, the whole
    /// file for `finish`)...
    pub fuel_per_byte: u64,
    /// ...but never less than this per call, so small inputs and `finish` have room.
    pub fuel_floor: u64,
    /// Wall-clock limit of one call, whatever the fuel says (a backstop).
    pub call_deadline_ms: u64,
    /// Records one file may produce.
    pub max_records: u64,
    /// Diagnostics one file may produce.
    pub max_diagnostics: u64,
    /// Log lines kept per file; later ones are counted and dropped.
    pub max_log_lines: u32,
    /// Longer log lines are cut.
    pub max_log_line_bytes: usize,
    /// Bytes handed to `feed` at a time.
    pub chunk_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            memory_bytes: 256 << 20,
            // Measured: the police CSV plugin uses ~600 fuel per input byte and wasmtime burns
            // ~4.5e9 fuel/s here. 10,000/byte leaves ~16x headroom for heavier formats (XML
            // parsed at `finish`, which gets fuel for the whole file), while a plugin stuck
            // in a loop on a 1 MiB chunk dies in about 2 s; on a small file, in ~25 ms.
            fuel_per_byte: 10_000,
            fuel_floor: 100_000_000,
            call_deadline_ms: 10_000,
            // A national year of customs item lines runs to millions (a 1 GB customs CSV holds
            // ~10 million). Records are not held in memory (the import streams them into
            // the store), and fuel per input byte already bounds how many a plugin can make
            // of a small file, so this cap only stops a runaway.
            max_records: 100_000_000,
            max_diagnostics: 100_000,
            max_log_lines: 1_000,
            max_log_line_bytes: 1024,
            chunk_bytes: 1 << 20,
        }
    }
}

impl Limits {
    pub fn call_deadline(&self) -> Duration {
        Duration::from_millis(self.call_deadline_ms)
    }

    /// Fuel for a call that handles `bytes` of input.
    pub fn fuel_for(&self, bytes: u64) -> u64 {
        self.fuel_per_byte
            .saturating_mul(bytes)
            .max(self.fuel_floor)
    }

    /// Registration overrides (a JSON object of fields), on top of the defaults.
    pub fn from_overrides(overrides: &serde_json::Value) -> Result<Limits, serde_json::Error> {
        if overrides.is_null() {
            return Ok(Limits::default());
        }
        serde_json::from_value(overrides.clone())
    }
}
