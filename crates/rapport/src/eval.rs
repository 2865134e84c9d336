//! `rapport eval`. PLACEHOLDER.

use anyhow::Result;

use crate::cli::EvalArgs;

/// Runs `rapport eval`.
pub fn run(_args: EvalArgs) -> Result<()> {
    anyhow::bail!("not written")
}
