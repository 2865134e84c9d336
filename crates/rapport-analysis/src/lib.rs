//! Rapport's analysis library: everything between a read transcript and a coded
//! session, for every caller (the command line, the clinic server).
//!
//! - [`Analyzer`] loads a shipped model (or a model file) and, where the model reads
//!   sentence embeddings, the encoder, checked against the model's fingerprint; then
//!   [`Analyzer::code`] codes a batch of transcripts in parallel, reporting progress.
//! - [`training`] fits and cross-validates the models (`rapport train`, `rapport eval`).
//! - [`peer`] runs the peer baseline script beside an evaluation or a benchmark.
//!
//! Errors say whose fault they are ([`AnalysisError::fault`]): the caller's input (exit
//! code 2, HTTP 4xx) or ours (exit code 1, HTTP 5xx).

pub mod accuracy;
pub mod analyzer;
pub mod embedding;
pub mod error;
pub mod mode;
pub mod models;
pub mod peer;
pub mod progress;
pub mod training;

pub use analyzer::Analyzer;
pub use error::AnalysisError;
pub use mode::Mode;
pub use progress::{Progress, Silent, Stage};
pub use rapport_core::Fault;
