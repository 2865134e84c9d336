//! Codes a transcript with a trained model and summarises the session, each figure with
//! its interval where the model's cross-validation fitted their scale.

use std::collections::BTreeMap;
use std::path::Path;

use rapport_core::{
    Behaviour, CodedSession, CodedUtterance, CounselorCode, Metric, QuestionType, ReflectionType,
    Summary, Talk, Transcript, UtteranceCode,
};

use crate::features::{EmbeddingError, Turn};
use crate::model::{Model, ModelError, Prediction, argmax};
use crate::uncertainty::{self, INTERVAL_LEVEL, IntervalScale};

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

    /// The interval scale of each figure, as the model's cross-validation fitted them
    /// (none for a model trained without folds: its figures then carry no interval).
    fn interval_scales(&self) -> BTreeMap<Metric, IntervalScale> {
        self.model
            .info
            .evaluation
            .iter()
            .flat_map(|e| &e.session_figures)
            .filter_map(|s| s.interval_scale.map(|scale| (s.metric, scale)))
            .collect()
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
            .iter()
            .zip(&transcript.utterances)
            .enumerate()
            .map(|(index, (prediction, utterance))| {
                let (code, confidence) = decide(prediction);
                CodedUtterance {
                    index,
                    utterance: utterance.clone(),
                    code,
                    confidence: (f64::from(confidence) * 1000.0).round() / 1000.0,
                }
            })
            .collect();
        let mut summary = Summary::from_utterances(&utterances);
        let scales = self.interval_scales();
        if !scales.is_empty() {
            let spreads = uncertainty::spreads(&predicted.utterances, INTERVAL_LEVEL);
            let counts = summary.figure_counts();
            let intervals = Metric::ALL
                .iter()
                .map(|&metric| {
                    let interval = match (
                        counts.figure(metric),
                        spreads.get(&metric).copied().flatten(),
                        scales.get(&metric),
                    ) {
                        (Some(figure), Some(spread), Some(scale)) => {
                            Some(scale.interval(metric, figure, spread))
                        }
                        _ => None,
                    };
                    (metric, interval)
                })
                .collect();
            summary.attach_intervals(INTERVAL_LEVEL, intervals);
        }
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
pub(crate) fn decide(prediction: &Prediction) -> (UtteranceCode, f32) {
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
