//! The coding model: a feature space and four softmax heads (counsellor behaviour,
//! question type, reflection type, client talk), trained on expert-coded sessions and
//! stored as one safetensors file whose metadata holds the vocabularies, the training
//! data's description and the model's cross-validated figures.

use std::collections::HashMap;

use rapport_core::{Behaviour, QuestionType, ReflectionType, Speaker, Talk};
use rayon::prelude::*;
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::{Deserialize, Serialize};

use crate::corpus::{Corpus, Label, LabelledSession};
use crate::eval::EvalSummary;
use crate::features::{BlockSpec, DEFAULT_BLOCKS, FeatureSpace, Turn};
use crate::linear::{FitError, FitOptions, Softmax};
use crate::vectorizer::{SparseVec, TfidfBlock};

/// The file format written into the metadata, checked on load.
pub const FORMAT: &str = "rapport-coder/1";

/// How a model is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// The feature blocks.
    pub blocks: Vec<BlockSpec>,
    /// Classifier settings, shared by all heads.
    pub fit: FitOptions,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            blocks: DEFAULT_BLOCKS.to_vec(),
            fit: FitOptions::default(),
        }
    }
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
    /// Cross-validated figures, where `train` measured them.
    pub evaluation: Option<EvalSummary>,
}

/// A trained coder.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Turns text into features.
    pub features: FeatureSpace,
    /// Counsellor behaviour, classes in [`Behaviour::ALL`] order.
    pub behaviour: Softmax,
    /// Question type, classes in [`QuestionType::ALL`] order.
    pub question_type: Softmax,
    /// Reflection type, classes in [`ReflectionType::ALL`] order.
    pub reflection_type: Softmax,
    /// Client talk, classes in [`Talk::ALL`] order.
    pub talk: Softmax,
    /// Provenance and figures.
    pub info: ModelInfo,
}

/// One utterance's predicted code with probabilities.
#[derive(Debug, Clone, PartialEq)]
pub enum Prediction {
    /// A counsellor utterance.
    Counselor {
        /// Probabilities of [`Behaviour::ALL`].
        behaviour: Vec<f32>,
        /// Probabilities of [`QuestionType::ALL`].
        question_type: Vec<f32>,
        /// Probabilities of [`ReflectionType::ALL`].
        reflection_type: Vec<f32>,
    },
    /// A client utterance.
    Client {
        /// Probabilities of [`Talk::ALL`].
        talk: Vec<f32>,
    },
}

/// Training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A head could not be fitted.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// The data lack examples a head needs.
    #[error("the training data hold no {0}: every head needs examples")]
    NoExamples(&'static str),
}

/// A model file that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Not a safetensors file, or a damaged one.
    #[error("not a Rapport model file ({0}); retrain it with `rapport train`")]
    Format(String),
    /// A safetensors file of another kind or version.
    #[error("model format \"{found}\" is not {FORMAT}; retrain it with `rapport train`")]
    Version {
        /// The format found.
        found: String,
    },
}

impl Model {
    /// Trains every head on all sessions of `corpus`.
    pub fn train(corpus: &Corpus, options: &TrainOptions) -> Result<Model, TrainError> {
        let sessions: Vec<&LabelledSession> = corpus.sessions.iter().collect();
        let mut model = Model::train_on(&sessions, options)?;
        model.info.data = file_name(&corpus.source);
        Ok(model)
    }

    /// Trains on a subset of sessions (one cross-validation fold's training part).
    pub fn train_on(
        sessions: &[&LabelledSession],
        options: &TrainOptions,
    ) -> Result<Model, TrainError> {
        let conversations: Vec<Vec<Turn<'_>>> = sessions.iter().map(|s| turns_of(s)).collect();
        let features = FeatureSpace::fit(&options.blocks, &conversations);
        let width = features.width();
        let vectors: Vec<Vec<SparseVec>> = conversations
            .par_iter()
            .map(|turns| features.vectorize_all(turns))
            .collect();

        let mut behaviour = Examples::default();
        let mut question = Examples::default();
        let mut reflection = Examples::default();
        let mut talk = Examples::default();
        for (session, vecs) in sessions.iter().zip(&vectors) {
            for (utterance, x) in session.utterances.iter().zip(vecs) {
                match utterance.label {
                    Label::Counselor {
                        behaviour: b,
                        question_type,
                        reflection_type,
                    } => {
                        behaviour.push(x, position(&Behaviour::ALL, b));
                        if let Some(q) = question_type {
                            question.push(x, position(&QuestionType::ALL, q));
                        }
                        if let Some(r) = reflection_type {
                            reflection.push(x, position(&ReflectionType::ALL, r));
                        }
                    }
                    Label::Client { talk: t } => talk.push(x, position(&Talk::ALL, t)),
                }
            }
        }
        let fit = |examples: &Examples<'_>, classes: usize, what: &'static str| {
            if examples.y.is_empty() {
                return Err(TrainError::NoExamples(what));
            }
            Ok(Softmax::fit(
                &examples.x,
                &examples.y,
                classes,
                width,
                options.fit,
            )?)
        };
        let ((behaviour, question_type), (reflection_type, talk)) = rayon::join(
            || {
                rayon::join(
                    || fit(&behaviour, Behaviour::ALL.len(), "counsellor utterances"),
                    || fit(&question, QuestionType::ALL.len(), "coded questions"),
                )
            },
            || {
                rayon::join(
                    || fit(&reflection, ReflectionType::ALL.len(), "coded reflections"),
                    || fit(&talk, Talk::ALL.len(), "client utterances"),
                )
            },
        );
        Ok(Model {
            features,
            behaviour: behaviour?,
            question_type: question_type?,
            reflection_type: reflection_type?,
            talk: talk?,
            info: ModelInfo {
                name: "rapport-coder".into(),
                data: String::new(),
                sessions: sessions.len(),
                utterances: sessions.iter().map(|s| s.utterances.len()).sum(),
                options: Some(options.clone()),
                evaluation: None,
            },
        })
    }

    /// Predicts every utterance of a conversation.
    pub fn predict(&self, turns: &[Turn<'_>]) -> Vec<Prediction> {
        (0..turns.len())
            .map(|i| {
                let x = self.features.vectorize(turns, i);
                match turns[i].speaker {
                    Speaker::Counselor => Prediction::Counselor {
                        behaviour: self.behaviour.predict_proba(&x),
                        question_type: self.question_type.predict_proba(&x),
                        reflection_type: self.reflection_type.predict_proba(&x),
                    },
                    Speaker::Client => Prediction::Client {
                        talk: self.talk.predict_proba(&x),
                    },
                }
            })
            .collect()
    }

    /// The model as safetensors bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelError> {
        let mut buffers: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        let mut blocks = Vec::new();
        for (i, (spec, block)) in self.features.blocks.iter().enumerate() {
            buffers.push((
                format!("features.{i}.idf"),
                vec![block.width()],
                f32_bytes(&block.idf),
            ));
            blocks.push(StoredBlock {
                spec: *spec,
                terms: block.terms(),
            });
        }
        for (name, head) in self.heads() {
            buffers.push((
                format!("{name}.weight"),
                vec![head.classes, head.width],
                f32_bytes(&head.weights),
            ));
            buffers.push((
                format!("{name}.bias"),
                vec![head.classes],
                f32_bytes(&head.bias),
            ));
            buffers.push((
                format!("{name}.temperature"),
                vec![1],
                f32_bytes(&[head.temperature]),
            ));
        }
        let header = StoredHeader {
            format: FORMAT.into(),
            info: self.info.clone(),
            blocks,
        };
        let json = serde_json::to_string(&header).map_err(|e| ModelError::Format(e.to_string()))?;
        let views = buffers
            .iter()
            .map(|(name, shape, data)| {
                TensorView::new(Dtype::F32, shape.clone(), data)
                    .map(|view| (name.clone(), view))
                    .map_err(|e| ModelError::Format(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        safetensors::serialize(views, Some(HashMap::from([("rapport".to_string(), json)])))
            .map_err(|e| ModelError::Format(e.to_string()))
    }

    /// Reads a model from safetensors bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let format = |e: &dyn std::fmt::Display| ModelError::Format(e.to_string());
        let (_, metadata) = SafeTensors::read_metadata(bytes).map_err(|e| format(&e))?;
        let json = metadata
            .metadata()
            .as_ref()
            .and_then(|m| m.get("rapport"))
            .ok_or_else(|| ModelError::Format("no Rapport metadata".into()))?;
        let header: StoredHeader = serde_json::from_str(json).map_err(|e| format(&e))?;
        if header.format != FORMAT {
            return Err(ModelError::Version {
                found: header.format,
            });
        }
        let tensors = SafeTensors::deserialize(bytes).map_err(|e| format(&e))?;
        let read = |name: &str| -> Result<(Vec<usize>, Vec<f32>), ModelError> {
            let view = tensors.tensor(name).map_err(|e| format(&e))?;
            if view.dtype() != Dtype::F32 {
                return Err(ModelError::Format(format!("{name} is not f32")));
            }
            let values = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            Ok((view.shape().to_vec(), values))
        };
        let mut blocks = Vec::new();
        for (i, stored) in header.blocks.into_iter().enumerate() {
            let (_, idf) = read(&format!("features.{i}.idf"))?;
            if idf.len() != stored.terms.len() {
                return Err(ModelError::Format(format!(
                    "block {i} has {} terms but {} weights",
                    stored.terms.len(),
                    idf.len()
                )));
            }
            blocks.push((
                stored.spec,
                TfidfBlock::from_parts(stored.spec.analyzer, stored.terms, idf),
            ));
        }
        let features = FeatureSpace { blocks };
        let width = features.width();
        let head = |name: &str, classes: usize| -> Result<Softmax, ModelError> {
            let (shape, weights) = read(&format!("{name}.weight"))?;
            let (_, bias) = read(&format!("{name}.bias"))?;
            if shape != [classes, width] || bias.len() != classes {
                return Err(ModelError::Format(format!(
                    "{name} has shape {shape:?}, expected [{classes}, {width}]"
                )));
            }
            let (_, temperature) = read(&format!("{name}.temperature"))?;
            let temperature = match temperature.as_slice() {
                [t] if t.is_finite() && *t > 0.0 => *t,
                _ => {
                    return Err(ModelError::Format(format!(
                        "{name}.temperature is not one positive number"
                    )));
                }
            };
            Ok(Softmax {
                classes,
                width,
                weights,
                bias,
                temperature,
            })
        };
        Ok(Model {
            behaviour: head("behaviour", Behaviour::ALL.len())?,
            question_type: head("question_type", QuestionType::ALL.len())?,
            reflection_type: head("reflection_type", ReflectionType::ALL.len())?,
            talk: head("talk", Talk::ALL.len())?,
            features,
            info: header.info,
        })
    }

    /// Sets each head's calibration temperature from a cross-validation run's figures
    /// (tasks it lacks keep theirs).
    pub fn calibrate(&mut self, evaluation: &EvalSummary) {
        for (task, head) in [
            ("counselor_behaviour", &mut self.behaviour),
            ("question_type", &mut self.question_type),
            ("reflection_type", &mut self.reflection_type),
            ("client_talk", &mut self.talk),
        ] {
            if let Some(figures) = evaluation.task(task) {
                head.temperature = figures.temperature;
            }
        }
    }

    fn heads(&self) -> [(&'static str, &Softmax); 4] {
        [
            ("behaviour", &self.behaviour),
            ("question_type", &self.question_type),
            ("reflection_type", &self.reflection_type),
            ("talk", &self.talk),
        ]
    }
}

/// The turns of a labelled session, as the features see them.
pub fn turns_of(session: &LabelledSession) -> Vec<Turn<'_>> {
    session
        .utterances
        .iter()
        .map(|u| Turn {
            speaker: u.speaker,
            text: &u.text,
        })
        .collect()
}

/// Index of the most probable class.
pub fn argmax(p: &[f32]) -> usize {
    (0..p.len())
        .max_by(|&a, &b| p[a].total_cmp(&p[b]))
        .unwrap_or(0)
}

fn position<T: PartialEq>(all: &[T], value: T) -> usize {
    all.iter().position(|v| *v == value).unwrap_or(0)
}

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

#[derive(Default)]
struct Examples<'a> {
    x: Vec<&'a SparseVec>,
    y: Vec<usize>,
}

impl<'a> Examples<'a> {
    fn push(&mut self, x: &'a SparseVec, y: usize) {
        self.x.push(x);
        self.y.push(y);
    }
}

#[derive(Serialize, Deserialize)]
struct StoredBlock {
    spec: BlockSpec,
    terms: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct StoredHeader {
    format: String,
    info: ModelInfo,
    blocks: Vec<StoredBlock>,
}
