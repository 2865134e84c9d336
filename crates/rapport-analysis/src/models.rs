//! The models built into the binary, each produced by `rapport train` from the AnnoMI
//! development file (their cards: `models/rapport-coder.md`,
//! `models/rapport-coder-fast.md`).

use rapport_coder::Model;

use crate::error::AnalysisError;
use crate::mode::Mode;

/// The default model's bytes.
const DEFAULT_MODEL: &[u8] = include_bytes!("../../../models/rapport-coder.safetensors");

/// The fast model's bytes.
const FAST_MODEL: &[u8] = include_bytes!("../../../models/rapport-coder-fast.safetensors");

/// The shipped model of `mode`.
pub fn built_in(mode: Mode) -> Result<Model, AnalysisError> {
    let bytes = match mode {
        Mode::Default => DEFAULT_MODEL,
        Mode::Fast => FAST_MODEL,
    };
    Model::from_bytes(bytes).map_err(|source| AnalysisError::BuiltInModel {
        name: mode.model_name(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shipped_models_load_and_only_the_default_reads_the_encoder() {
        let default = built_in(Mode::Default).unwrap();
        let fast = built_in(Mode::Fast).unwrap();
        assert_eq!(default.info.name, "rapport-coder");
        assert_eq!(fast.info.name, "rapport-coder-fast");
        assert!(default.reads_embeddings());
        assert!(!fast.reads_embeddings());
        assert!(default.info.evaluation.is_some() && fast.info.evaluation.is_some());
    }
}
