//! The utterance coder. PLACEHOLDER while being written.

use rapport_core::{CodedSession, Transcript};

/// A loaded coding model.
pub struct Coder;

/// A model that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("model: {0}")]
pub struct ModelError(String);

impl Coder {
    /// The model built into the binary.
    pub fn builtin() -> Result<Coder, ModelError> {
        Err(ModelError("not written".into()))
    }
    /// A model file.
    pub fn load(_path: &std::path::Path) -> Result<Coder, ModelError> {
        Err(ModelError("not written".into()))
    }
    /// Codes one transcript.
    pub fn code(&self, t: &Transcript) -> CodedSession {
        CodedSession { id: t.id.clone(), source: t.source.clone(), utterances: vec![], summary: Default::default() }
    }
}
