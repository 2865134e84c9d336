//! Codes a transcript with a trained model and summarises the session.

use std::path::Path;

use rapport_core::{
    Behaviour, CodedSession, CodedUtterance, CounselorCode, QuestionType, ReflectionType, Summary,
    Talk, Transcript, UtteranceCode,
};

use crate::features::{EmbeddingError, Turn};
use crate::model::{Model, ModelError, Prediction, argmax};

/// A model file that could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{path}: cannot read the model: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a usable model.
    #[error("{path}: {source}")]
    Model {
        /// The file.
        path: String,
        /// Why.
        source: ModelError,
    },
}

/// Codes transcripts with one model.
#[derive(Debug, Clone)]
pub struct Coder {
    model: Model,
}

impl Coder {
    /// A coder over a trained model.
    pub fn new(model: Model) -> Coder {
        Coder { model }
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<Coder, LoadError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
            path: name.clone(),
            source,
        })?;
        Model::from_bytes(&bytes)
            .map(Coder::new)
            .map_err(|source| LoadError::Model { path: name, source })
    }

    /// The model in use.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Codes every utterance of `transcript` and summarises the session. A model that
    /// reads sentence embeddings needs one per utterance, in order (see
    /// [`Model::reads_embeddings`]); others ignore `embeddings`.
    pub fn code(
        &self,
        transcript: &Transcript,
        embeddings: Option<&[Vec<f32>]>,
    ) -> Result<CodedSession, EmbeddingError> {
        let turns: Vec<Turn<'_>> = transcript
            .utterances
            .iter()
            .enumerate()
            .map(|(i, u)| Turn {
                speaker: u.speaker,
                text: &u.text,
                embedding: embeddings.and_then(|e| e.get(i)).map(Vec::as_slice),
            })
            .collect();
        let predicted = self.model.predict_session(&turns)?;
        let utterances: Vec<CodedUtterance> = predicted
            .utterances
            .into_iter()
            .zip(&transcript.utterances)
            .enumerate()
            .map(|(index, (prediction, utterance))| {
                let (code, confidence) = decide(&prediction);
                CodedUtterance {
                    index,
                    utterance: utterance.clone(),
                    code,
                    confidence: (f64::from(confidence) * 1000.0).round() / 1000.0,
                }
            })
            .collect();
        let mut summary = Summary::from_utterances(&utterances);
        summary.mi_quality_score = predicted
            .mi_quality
            .map(|p| (f64::from(p) * 1000.0).round() / 1000.0);
        Ok(CodedSession {
            id: transcript.id.clone(),
            source: transcript.source.clone(),
            utterances,
            summary,
        })
    }
}

/// The most probable code and its probability. Subtypes are chosen only for the
/// behaviour they belong to.
fn decide(prediction: &Prediction) -> (UtteranceCode, f32) {
    match prediction {
        Prediction::Counselor {
            behaviour,
            question_type,
            reflection_type,
        } => {
            let b = argmax(behaviour);
            let chosen = Behaviour::ALL[b];
            let code = CounselorCode {
                behaviour: chosen,
                question_type: (chosen == Behaviour::Question)
                    .then(|| QuestionType::ALL[argmax(question_type)]),
                reflection_type: (chosen == Behaviour::Reflection)
                    .then(|| ReflectionType::ALL[argmax(reflection_type)]),
            };
            (UtteranceCode::Counselor(code), behaviour[b])
        }
        Prediction::Client { talk } => {
            let t = argmax(talk);
            (UtteranceCode::Client { talk: Talk::ALL[t] }, talk[t])
        }
    }
}
