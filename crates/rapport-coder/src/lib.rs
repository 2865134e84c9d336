//! Rapport's utterance coder: turns a transcript into coded utterances.
//!
//! - [`text`] and [`vectorizer`]: n-grams and TF-IDF blocks;
//! - [`features`]: the utterance in its conversation (own text, previous and next turn);
//! - [`linear`]: multinomial logistic regression fitted with L-BFGS;
//! - [`model`]: the model's parts and prediction, with its heads, training and
//!   safetensors file in sub-modules; [`prediction`]: one utterance's code probabilities;
//! - [`corpus`]: expert-coded training data (AnnoMI's CSV layout);
//! - [`task`]: the four coding tasks, one head each;
//! - [`folds`], [`eval`] and [`metrics`]: grouped folds, cross-validation and agreement
//!   figures; [`figures`]: what cross-validation measured, as a model file stores it;
//! - [`coder`]: coding a transcript and summarising the session;
//! - [`quality`]: the session-quality model (P(high-quality MI) from words and code profile);
//! - [`uncertainty`]: a session's figures from the codes' probabilities, with intervals;
//! - [`card`]: the model card written beside a model file.

pub mod card;
pub mod coder;
pub mod corpus;
pub mod eval;
pub mod features;
pub mod figures;
pub mod folds;
pub mod linear;
pub mod metrics;
pub mod model;
pub mod prediction;
pub mod quality;
pub mod task;
pub mod text;
pub mod uncertainty;
pub mod vectorizer;

pub use coder::{Coder, LoadError};
pub use corpus::{Corpus, CorpusError};
pub use eval::{EvalError, EvalReport, EvalSummary, cross_validate};
pub use model::{
    EncoderRef, FINGERPRINT_TEXT, Model, ModelError, ModelInfo, SessionPrediction, TrainError,
    TrainOptions,
};
pub use task::Task;
