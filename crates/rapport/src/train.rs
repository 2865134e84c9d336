//! `rapport train`. PLACEHOLDER.

use anyhow::Result;

use crate::cli::TrainArgs;

/// Runs `rapport train`.
pub fn run(_args: TrainArgs) -> Result<()> {
    anyhow::bail!("not written")
}
