//! `rapport measures`: PLACEHOLDER, being written (issue 5).

use clap::Args;

/// Alliance and outcome measures.
#[derive(Debug, Args)]
pub struct MeasuresArgs {}

/// Runs `rapport measures`.
pub fn run(_args: MeasuresArgs) -> anyhow::Result<()> {
    anyhow::bail!("measures: not written yet")
}
