//! The analysis library's one error type. Each variant knows whose fault it is.

use std::path::PathBuf;

use rapport_coder::features::EmbeddingError;
use rapport_coder::{CorpusError, EvalError, LoadError, ModelError, TrainError};
use rapport_core::Fault;
use rapport_encoder::EncoderError;

/// Why loading, coding, training or evaluating failed.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The model file the caller named could not be used.
    #[error(transparent)]
    ModelFile(#[from] LoadError),
    /// A model built into the binary could not be read (a broken build).
    #[error("the built-in {name} model cannot be read: {source}")]
    BuiltInModel {
        /// Which model.
        name: &'static str,
        /// Why.
        source: ModelError,
    },
    /// The model reads embeddings but does not say from which encoder.
    #[error(
        "the model reads sentence embeddings but records no encoder; retrain it with `rapport train`"
    )]
    NoEncoderRecord,
    /// The model's features read other encoder layers than its encoder record gives.
    #[error(
        "the model's features read encoder layers {read:?} but it records the encoder as \
         giving {recorded:?}; retrain it with `rapport train`"
    )]
    LayerMismatch {
        /// The layers the features read.
        read: Vec<usize>,
        /// The layers the encoder record gives.
        recorded: Vec<usize>,
    },
    /// The encoder the model needs could not be loaded or run.
    #[error("this model reads the sentence encoder's embeddings (code with --fast to do without)")]
    EncoderForModel(#[source] Box<AnalysisError>),
    /// The encoder could not be loaded or run.
    #[error(transparent)]
    Encoder(#[from] EncoderError),
    /// The encoder found is not the one the model was trained with.
    #[error(
        "the sentence encoder in {} is not the one the model was trained with ({name}, weights \
         sha256 {sha256}); fetch it again with `{} --force`",
        dir.display(),
        rapport_encoder::FETCH_COMMAND
    )]
    OtherEncoder {
        /// Where the encoder was found.
        dir: PathBuf,
        /// The encoder the model records.
        name: String,
        /// Its weights' digest.
        sha256: String,
    },
    /// Embeddings did not fit the model.
    #[error(transparent)]
    Embedding(#[from] EmbeddingError),
    /// The training data could not be used.
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// Cross-validation could not run.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// Training failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// A trained model could not be written as bytes.
    #[error("writing the model: {0}")]
    Serialise(#[source] ModelError),
    /// The peer baseline script could not run or printed no figures.
    #[error("{0}")]
    Peer(String),
}

impl AnalysisError {
    /// Whose fault the error is: the caller's input (exit 2, HTTP 4xx) or ours.
    pub fn fault(&self) -> Fault {
        match self {
            // A file that is not a model; a model that reads but does not record its
            // encoder was built by a broken `train`, which is ours.
            AnalysisError::ModelFile(_) => Fault::Input,
            AnalysisError::Corpus(CorpusError::Embeddings { .. }) => Fault::Internal,
            AnalysisError::Corpus(_) => Fault::Input,
            AnalysisError::Eval(EvalError::Folds(_)) => Fault::Input,
            AnalysisError::BuiltInModel { .. }
            | AnalysisError::NoEncoderRecord
            | AnalysisError::LayerMismatch { .. }
            | AnalysisError::EncoderForModel(_)
            | AnalysisError::Encoder(_)
            | AnalysisError::OtherEncoder { .. }
            | AnalysisError::Embedding(_)
            | AnalysisError::Eval(_)
            | AnalysisError::Train(_)
            | AnalysisError::Serialise(_)
            | AnalysisError::Peer(_) => Fault::Internal,
        }
    }
}
