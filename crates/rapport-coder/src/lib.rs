//! Rapport's utterance coder: turns a transcript into coded utterances.
//!
//! - [`text`] and [`vectorizer`]: n-grams and TF-IDF blocks;
//! - [`features`]: the utterance in its conversation (own text, previous and next turn);
//! - [`linear`]: multinomial logistic regression fitted with L-BFGS;
//! - [`model`]: the four heads, training, and the safetensors model file;
//! - [`corpus`]: expert-coded training data (AnnoMI's CSV layout);
//! - [`eval`] and [`metrics`]: grouped cross-validation and agreement figures;
//! - [`coder`]: coding a transcript and summarising the session;
//! - [`card`]: the model card written beside a model file.

pub mod card;
pub mod coder;
pub mod corpus;
pub mod eval;
pub mod features;
pub mod linear;
pub mod metrics;
pub mod model;
pub mod text;
pub mod vectorizer;

pub use coder::{Coder, LoadError};
pub use corpus::{Corpus, CorpusError};
pub use eval::{EvalError, EvalReport, EvalSummary, cross_validate};
pub use model::{Model, ModelError, ModelInfo, TrainError, TrainOptions};
