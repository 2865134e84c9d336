//! The encoder's errors. Each message names the file or setting at fault and the way
//! out; none quotes the text being encoded.

use std::path::PathBuf;

use crate::weights::{ENV_DIR, FETCH_COMMAND};

/// Loading or running the encoder failed.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    /// No directory holding the weights was found.
    #[error(
        "no sentence-encoder weights found (looked in {}); fetch them with `{FETCH_COMMAND}` \
         from the repository root, or set {ENV_DIR} to a directory holding model.safetensors, \
         config.json and tokenizer.json",
        display_paths(searched)
    )]
    NotFound {
        /// Every directory looked in, in order.
        searched: Vec<PathBuf>,
    },
    /// `$RAPPORT_ENCODER_DIR` names a directory that lacks the model's files.
    #[error(
        "{ENV_DIR} is {dir:?} but {missing} is not there; point {ENV_DIR} at a directory holding \
         model.safetensors, config.json and tokenizer.json, or unset it and run `{FETCH_COMMAND}`"
    )]
    EnvDirIncomplete {
        /// The directory the variable names.
        dir: PathBuf,
        /// The first missing file.
        missing: &'static str,
    },
    /// A file of the model directory is missing.
    #[error("{}: not found; re-fetch the encoder with `{FETCH_COMMAND}`", path.display())]
    MissingFile {
        /// The missing file.
        path: PathBuf,
    },
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `config.json` or `sentence_bert_config.json` is not what a BERT model needs.
    #[error("{}: not a BERT configuration ({source}); re-fetch the encoder with `{FETCH_COMMAND}`", path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// What the JSON parser said.
        source: serde_json::Error,
    },
    /// `tokenizer.json` could not be loaded or configured.
    #[error("{}: not a usable tokenizer ({message}); re-fetch the encoder with `{FETCH_COMMAND}`", path.display())]
    Tokenizer {
        /// The file.
        path: PathBuf,
        /// What the tokenizers library said.
        message: String,
    },
    /// The weights do not fit the configuration (a damaged or different model).
    #[error("{}: the weights do not load ({source}); re-fetch the encoder with `{FETCH_COMMAND}`", path.display())]
    Weights {
        /// The weights file.
        path: PathBuf,
        /// What candle said.
        source: candle_core::Error,
    },
    /// Options out of range.
    #[error("invalid encoder options: {0}")]
    Options(String),
    /// Tokenising an input failed.
    #[error("tokenising input {index} failed: {message}")]
    Tokenize {
        /// The input's position.
        index: usize,
        /// What the tokenizers library said.
        message: String,
    },
    /// The forward pass failed.
    #[error("the encoder's forward pass failed: {0}")]
    Forward(#[from] candle_core::Error),
}

fn display_paths(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "nowhere".into();
    }
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
