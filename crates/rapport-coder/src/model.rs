//! The coding model: a feature space, four softmax heads (counsellor behaviour, question
//! type, reflection type, client talk) and a session-quality model. Split as a reader
//! would look for it:
//! - this module: the model's parts and prediction (a session in, codes and quality out);
//! - [`heads`](self::Heads): the four heads, fitted and applied;
//! - `train`: [`TrainOptions`] and [`Model::train`];
//! - `file`: the safetensors file ([`Model::to_bytes`], [`Model::from_bytes`]).

mod file;
mod heads;
mod train;

use serde::{Deserialize, Serialize};

use crate::corpus::LabelledSession;
use crate::features::{EmbeddingError, FeatureSpace, Turn};
use crate::figures::EvalSummary;
use crate::quality::{self, QualityModel, SessionEvidence};
use crate::task::Task;

pub use crate::prediction::Prediction;
pub use file::{FORMAT, ModelError};
pub use heads::Heads;
pub use train::{TrainError, TrainOptions};

/// A sentence every encoder model stores its embedding of, so that loading it can check
/// that the encoder at hand is the one it was trained with.
pub const FINGERPRINT_TEXT: &str =
    "It sounds like you want things to change, and you are not sure where to start.";

/// The sentence encoder a model reads, recorded so that a run can check it has the
/// same one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EncoderRef {
    /// The published model's name.
    pub name: String,
    /// SHA-256 of its weights file.
    pub weights_sha256: String,
    /// Word pieces per text at most.
    pub max_tokens: usize,
    /// The encoder's vector of [`FINGERPRINT_TEXT`].
    pub fingerprint: Vec<f32>,
    /// The encoder layers each vector stacks, in order; empty (model files written
    /// before layers were chosen) means the last layer alone.
    #[serde(default)]
    pub layers: Vec<usize>,
}

/// What a model was trained on and how well it did.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The model's name.
    pub name: String,
    /// The training file's name (no directories).
    pub data: String,
    /// Sessions trained on.
    pub sessions: usize,
    /// Utterances trained on.
    pub utterances: usize,
    /// How it was trained.
    pub options: Option<TrainOptions>,
    /// The sentence encoder it reads, if any.
    #[serde(default)]
    pub encoder: Option<EncoderRef>,
    /// Cross-validated figures, where `train` measured them.
    pub evaluation: Option<EvalSummary>,
}

/// A trained coder.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Turns text (and embeddings) into features.
    pub features: FeatureSpace,
    /// The four heads.
    pub heads: Heads,
    /// The session-quality model, if any.
    pub quality: Option<QualityModel>,
    /// Provenance and figures.
    pub info: ModelInfo,
}

/// A session's predicted codes and quality.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionPrediction {
    /// One prediction per utterance.
    pub utterances: Vec<Prediction>,
    /// Probability that the session shows high-quality MI, where the model has a
    /// quality model and the session a counsellor.
    pub mi_quality: Option<f32>,
}

impl Model {
    /// Whether the model reads sentence embeddings (each [`Turn`] must carry one).
    pub fn reads_embeddings(&self) -> bool {
        self.features.reads_embeddings()
    }

    /// Predicts every utterance of a conversation and the session's quality.
    pub fn predict_session(&self, turns: &[Turn<'_>]) -> Result<SessionPrediction, EmbeddingError> {
        self.features.check(turns)?;
        let vectors = self.features.vectorize_all(turns);
        let utterances = self.heads.predict(&vectors, turns);
        // The quality model learnt from held-out codes at temperature 1; it reads the
        // same here: every head's probabilities with its calibration undone.
        let mi_quality = self.quality.as_ref().and_then(|quality| {
            let uncalibrated: Vec<Prediction> = utterances
                .iter()
                .map(|u| self.heads.uncalibrated(u))
                .collect();
            let evidence = evidence_of(turns, &uncalibrated);
            (!evidence.counselor_texts.is_empty()).then(|| quality.score(&evidence))
        });
        Ok(SessionPrediction {
            utterances,
            mi_quality,
        })
    }

    /// Sets each head's calibration temperature from a cross-validation run's figures
    /// (tasks it lacks keep theirs).
    pub fn calibrate(&mut self, evaluation: &EvalSummary) {
        for (task, head) in [
            (Task::CounselorBehaviour, &mut self.heads.behaviour),
            (Task::QuestionType, &mut self.heads.question_type),
            (Task::ReflectionType, &mut self.heads.reflection_type),
            (Task::ClientTalk, &mut self.heads.talk),
        ] {
            if let Some(figures) = evaluation.task(task) {
                head.temperature = figures.temperature;
            }
        }
    }
}

/// What the session-quality model reads of a session: the counsellor's words and the
/// profile of the predicted codes.
fn evidence_of<'a>(turns: &[Turn<'a>], predictions: &[Prediction]) -> SessionEvidence<'a> {
    let mut counselor_texts = Vec::new();
    let mut counselor = Vec::new();
    let mut client = Vec::new();
    for (turn, prediction) in turns.iter().zip(predictions) {
        match prediction {
            Prediction::Counselor {
                behaviour,
                question_type,
                reflection_type,
            } => {
                counselor_texts.push(turn.text);
                counselor.push((
                    array(behaviour),
                    question_type.first().copied().unwrap_or(0.0),
                    reflection_type.get(1).copied().unwrap_or(0.0),
                ));
            }
            Prediction::Client { talk } => client.push(array(talk)),
        }
    }
    SessionEvidence {
        counselor_texts,
        profile: quality::profile(&counselor, &client),
    }
}

fn array<const N: usize>(values: &[f32]) -> [f32; N] {
    let mut out = [0.0; N];
    for (o, v) in out.iter_mut().zip(values) {
        *o = *v;
    }
    out
}

/// The turns of a labelled session, as the features see them.
pub fn turns_of(session: &LabelledSession) -> Vec<Turn<'_>> {
    session
        .utterances
        .iter()
        .map(|u| Turn {
            speaker: u.speaker,
            text: &u.text,
            embedding: u.embedding.as_deref(),
        })
        .collect()
}

/// Index of the most probable class.
pub fn argmax(p: &[f32]) -> usize {
    (0..p.len())
        .max_by(|&a, &b| p[a].total_cmp(&p[b]))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Corpus;

    fn tiny() -> Corpus {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/coder/tiny-coded.csv"
        );
        Corpus::from_path(std::path::Path::new(path), "video_url").unwrap()
    }

    #[test]
    fn quality_scores_ignore_the_heads_calibration() {
        let corpus = tiny();
        let mut model = Model::train(&corpus, &TrainOptions::fast()).unwrap();
        assert!(model.quality.is_some());
        let turns = turns_of(&corpus.sessions[0]);
        let before = model.predict_session(&turns).unwrap().mi_quality.unwrap();
        for head in [
            &mut model.heads.behaviour,
            &mut model.heads.question_type,
            &mut model.heads.reflection_type,
            &mut model.heads.talk,
        ] {
            head.temperature = 3.0;
        }
        let after = model.predict_session(&turns).unwrap().mi_quality.unwrap();
        assert!((before - after).abs() < 1e-4, "{before} vs {after}");
        assert!((0.0..=1.0).contains(&before));
    }

    #[test]
    fn a_model_survives_its_file_with_every_part() {
        let corpus = tiny();
        let model = Model::train(&corpus, &TrainOptions::fast()).unwrap();
        assert!(model.quality.is_some());
        let loaded = Model::from_bytes(&model.to_bytes().unwrap()).unwrap();
        assert_eq!(loaded, model);
        let turns = turns_of(&corpus.sessions[1]);
        assert_eq!(
            loaded.predict_session(&turns).unwrap(),
            model.predict_session(&turns).unwrap()
        );
    }

    #[test]
    fn without_both_quality_ratings_no_quality_model_is_trained() {
        let mut corpus = tiny();
        for session in &mut corpus.sessions {
            session.high_quality = Some(true);
        }
        let model = Model::train(&corpus, &TrainOptions::fast()).unwrap();
        assert!(model.quality.is_none());
    }
}
