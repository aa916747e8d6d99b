//! Regenerates reference tables from the public data in ../shared/data. (stub)

use anyhow::Result;

pub fn run() -> Result<()> {
    anyhow::bail!("codegen is not written yet")
}
