//! The coding model: a feature space, a first pass whose codes feed the conversation
//! layer, four softmax heads (counsellor behaviour, question type, reflection type,
//! client talk) and a session-quality model, trained on expert-coded sessions and stored
//! as one safetensors file whose metadata holds the vocabularies, the training data's
//! description, the encoder it reads (if any) and the model's cross-validated figures.

use std::collections::HashMap;

use rapport_core::{Behaviour, QuestionType, ReflectionType, Speaker, Talk};
use rayon::prelude::*;
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::{Deserialize, Serialize};

use crate::context::{CODES, ContextSpec, codes_of};
use crate::corpus::{Corpus, Label, LabelledSession};
use crate::eval::{EvalSummary, assign_folds};
use crate::features::{
    BlockSpec, DEFAULT_BLOCKS, DenseSpec, ENCODER_DENSE, EmbeddingError, FeatureSpace, Turn,
};
use crate::linear::{FitError, FitOptions, Softmax, rescale};
use crate::quality::{
    self, QualityError, QualityModel, QualityOptions, QualityParts, SessionEvidence,
};
use crate::task::Task;
use crate::vectorizer::{SparseVec, TfidfBlock};

/// Folds of the inner cross-validation when no conversation layer sets them.
const DEFAULT_INNER_FOLDS: usize = 5;

/// The file format written into the metadata, checked on load.
pub const FORMAT: &str = "rapport-coder/2";

/// A sentence every encoder model stores its embedding of, so that loading it can check
/// that the encoder at hand is the one it was trained with.
pub const FINGERPRINT_TEXT: &str =
    "It sounds like you want things to change, and you are not sure where to start.";

/// How a model is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// The TF-IDF blocks.
    pub blocks: Vec<BlockSpec>,
    /// The dense blocks (sentence embeddings); empty for a model without the encoder.
    #[serde(default)]
    pub dense: Vec<DenseSpec>,
    /// The conversation layer, if any.
    #[serde(default)]
    pub context: Option<ContextSpec>,
    /// The session-quality model, if any.
    #[serde(default)]
    pub quality: Option<QualityOptions>,
    /// Classifier settings, shared by all heads.
    pub fit: FitOptions,
}

impl TrainOptions {
    /// The fast model: n-grams of the utterance and its neighbours and the
    /// session-quality model; no encoder. The conversation layer is left out: measured
    /// by grouped cross-validation it cost 0.006 macro-F1 on counsellor behaviour and
    /// 0.005 on client talk (encoder model; 0.009 on client talk for this one).
    pub fn fast() -> TrainOptions {
        TrainOptions {
            blocks: DEFAULT_BLOCKS.to_vec(),
            dense: Vec::new(),
            context: None,
            quality: Some(QualityOptions::default()),
            fit: FitOptions::default(),
        }
    }

    /// The default model: the fast model's features plus the sentence encoder's
    /// embedding of each utterance.
    pub fn encoder() -> TrainOptions {
        TrainOptions {
            dense: ENCODER_DENSE.to_vec(),
            ..TrainOptions::fast()
        }
    }
}

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

/// One softmax head per coding task.
#[derive(Debug, Clone, PartialEq)]
pub struct Heads {
    /// Counsellor behaviour, classes in [`Behaviour::ALL`] order.
    pub behaviour: Softmax,
    /// Question type, classes in [`QuestionType::ALL`] order.
    pub question_type: Softmax,
    /// Reflection type, classes in [`ReflectionType::ALL`] order.
    pub reflection_type: Softmax,
    /// Client talk, classes in [`Talk::ALL`] order.
    pub talk: Softmax,
}

/// The first pass of the conversation layer: behaviour and talk heads over the
/// utterance's own features, whose probabilities the final heads read around each
/// utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstPass {
    /// Which neighbours are read.
    pub spec: ContextSpec,
    /// Counsellor behaviour.
    pub behaviour: Softmax,
    /// Client talk.
    pub talk: Softmax,
}

/// A trained coder.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Turns text (and embeddings) into features.
    pub features: FeatureSpace,
    /// The conversation layer's first pass, if the model has one.
    pub first_pass: Option<FirstPass>,
    /// The final heads (reading the features and, with a first pass, its codes around
    /// each utterance).
    pub heads: Heads,
    /// The session-quality model, if any.
    pub quality: Option<QualityModel>,
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

/// A session's predicted codes and quality.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionPrediction {
    /// One prediction per utterance.
    pub utterances: Vec<Prediction>,
    /// Probability that the session shows high-quality MI, where the model has a
    /// quality model and the session a counsellor.
    pub mi_quality: Option<f32>,
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
    /// The options read embeddings the data lack.
    #[error("training data: {0}")]
    Embeddings(#[from] EmbeddingError),
    /// The session-quality model could not be fitted.
    #[error("session quality: {0}")]
    Quality(#[from] QualityError),
    /// Too few sessions or groups for the inner cross-validation (which gives the
    /// conversation layer and the quality model codes of sessions the heads did not see).
    #[error("the inner cross-validation on the training sessions: {0}")]
    InnerFolds(String),
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
        let features = FeatureSpace::fit(&options.blocks, &options.dense, &conversations)?;
        let vectors: Vec<Vec<SparseVec>> = conversations
            .par_iter()
            .map(|turns| features.vectorize_all(turns))
            .collect();
        let width = features.width();

        // Held-out first-pass codes of every training session, for the layers that
        // learn from codes as good as those they will see. The conversation layer needs
        // them; the quality model is skipped (with a warning) where they cannot be had.
        let rated: Vec<bool> = sessions.iter().filter_map(|s| s.high_quality).collect();
        let quality_wanted =
            options.quality.is_some() && rated.contains(&true) && rated.contains(&false);
        let inner_folds = options
            .context
            .as_ref()
            .map_or(DEFAULT_INNER_FOLDS, |c| c.inner_folds)
            .min(distinct_groups(sessions));
        let held_out = if options.context.is_some() {
            Some(held_out_predictions(
                sessions,
                &vectors,
                width,
                inner_folds,
                options.fit,
            )?)
        } else if quality_wanted {
            match held_out_predictions(sessions, &vectors, width, inner_folds, options.fit) {
                Ok(held_out) => Some(held_out),
                Err(err) => {
                    tracing::warn!(%err, "no session-quality model: too few sessions to learn it from held-out codes");
                    None
                }
            }
        } else {
            None
        };

        let everything: Vec<usize> = (0..sessions.len()).collect();
        let (first_pass, inputs) = match (&options.context, &held_out) {
            (Some(spec), Some(held_out)) => {
                let first = Heads::fit(sessions, &vectors, &everything, width, options.fit)?;
                let inputs = with_context(spec, &vectors, held_out, width);
                let first_pass = FirstPass {
                    spec: spec.clone(),
                    behaviour: first.behaviour,
                    talk: first.talk,
                };
                (Some(first_pass), inputs)
            }
            _ => (None, vectors),
        };
        let final_width = width + first_pass.as_ref().map_or(0, |f| f.spec.width());
        let heads = Heads::fit(sessions, &inputs, &everything, final_width, options.fit)?;

        // `quality_wanted`: the rated sessions gathered here hold both ratings.
        let quality = match (&options.quality, &held_out) {
            (Some(quality_options), Some(held_out)) if quality_wanted => {
                let mut evidence = Vec::new();
                let mut high = Vec::new();
                for ((session, turns), predictions) in
                    sessions.iter().zip(&conversations).zip(held_out)
                {
                    if let Some(h) = session.high_quality {
                        evidence.push(evidence_of(turns, predictions));
                        high.push(h);
                    }
                }
                Some(QualityModel::fit(&evidence, &high, quality_options)?)
            }
            _ => None,
        };

        Ok(Model {
            features,
            first_pass,
            heads,
            quality,
            info: ModelInfo {
                name: "rapport-coder".into(),
                data: String::new(),
                sessions: sessions.len(),
                utterances: sessions.iter().map(|s| s.utterances.len()).sum(),
                options: Some(options.clone()),
                encoder: None,
                evaluation: None,
            },
        })
    }

    /// Whether the model reads sentence embeddings (each [`Turn`] must carry one).
    pub fn reads_embeddings(&self) -> bool {
        self.features.reads_embeddings()
    }

    /// Predicts every utterance of a conversation and the session's quality.
    pub fn predict_session(&self, turns: &[Turn<'_>]) -> Result<SessionPrediction, EmbeddingError> {
        self.features.check(turns)?;
        let vectors = self.features.vectorize_all(turns);
        let width = self.features.width();
        let (utterances, first) = match &self.first_pass {
            Some(first_pass) => {
                let first: Vec<Prediction> = vectors
                    .iter()
                    .zip(turns)
                    .map(|(x, t)| match t.speaker {
                        Speaker::Counselor => Prediction::Counselor {
                            behaviour: first_pass.behaviour.predict_proba(x),
                            question_type: Vec::new(),
                            reflection_type: Vec::new(),
                        },
                        Speaker::Client => Prediction::Client {
                            talk: first_pass.talk.predict_proba(x),
                        },
                    })
                    .collect();
                let inputs = with_context(
                    &first_pass.spec,
                    std::slice::from_ref(&vectors),
                    std::slice::from_ref(&first),
                    width,
                );
                let utterances = self.heads.predict(&inputs[0], turns);
                (utterances, Some(first))
            }
            None => (self.heads.predict(&vectors, turns), None),
        };
        // The quality model learnt from held-out first-pass codes at temperature 1; it
        // reads the same here: every head's probabilities with its calibration undone, and
        // the first pass's behaviour and talk where there is a first pass.
        let mi_quality = self.quality.as_ref().and_then(|quality| {
            let profile_source: Vec<Prediction> = utterances
                .iter()
                .enumerate()
                .map(|(i, u)| {
                    let mut p = self.heads.uncalibrated(u);
                    if let Some(first) = &first {
                        take_main_codes(&mut p, &first[i]);
                    }
                    p
                })
                .collect();
            let evidence = evidence_of(turns, &profile_source);
            (!evidence.counselor_texts.is_empty()).then(|| quality.score(&evidence))
        });
        Ok(SessionPrediction {
            utterances,
            mi_quality,
        })
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
        let mut push_head = |name: &str, head: &Softmax| {
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
        };
        for (name, head) in self.heads.named() {
            push_head(name, head);
        }
        if let Some(first) = &self.first_pass {
            push_head("first.behaviour", &first.behaviour);
            push_head("first.talk", &first.talk);
        }
        let mut quality_header = None;
        if let Some(quality) = &self.quality {
            push_head("quality", &quality.head);
            buffers.push((
                "quality.idf".into(),
                vec![quality.words.idf.len()],
                f32_bytes(&quality.words.idf),
            ));
            quality_header = Some(StoredQuality {
                terms: quality.words.terms(),
                profile_weight: quality.profile_weight,
            });
        }
        let header = StoredHeader {
            format: FORMAT.into(),
            info: self.info.clone(),
            blocks,
            dense: self.features.dense.clone(),
            dense_dim: self.features.dense_dim,
            context: self.first_pass.as_ref().map(|f| f.spec.clone()),
            quality: quality_header,
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
        let found: FormatOnly = serde_json::from_str(json).map_err(|e| format(&e))?;
        if found.format != FORMAT {
            return Err(ModelError::Version {
                found: found.format,
            });
        }
        let header: StoredHeader = serde_json::from_str(json).map_err(|e| format(&e))?;
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
        let features = FeatureSpace {
            blocks,
            dense: header.dense,
            dense_dim: header.dense_dim,
        };
        let width = features.width();
        let head = |name: &str, classes: usize, width: usize| -> Result<Softmax, ModelError> {
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
        let first_pass = match header.context {
            Some(spec) => Some(FirstPass {
                behaviour: head("first.behaviour", Behaviour::ALL.len(), width)?,
                talk: head("first.talk", Talk::ALL.len(), width)?,
                spec,
            }),
            None => None,
        };
        let final_width = width + first_pass.as_ref().map_or(0, |f| f.spec.width());
        let heads = Heads {
            behaviour: head("behaviour", Behaviour::ALL.len(), final_width)?,
            question_type: head("question_type", QuestionType::ALL.len(), final_width)?,
            reflection_type: head("reflection_type", ReflectionType::ALL.len(), final_width)?,
            talk: head("talk", Talk::ALL.len(), final_width)?,
        };
        let quality = match header.quality {
            Some(stored) => {
                let (_, idf) = read("quality.idf")?;
                let quality_width = idf.len() + quality::PROFILE_LEN;
                let fitted = head("quality", 2, quality_width)?;
                let parts = QualityParts {
                    terms: stored.terms,
                    idf,
                    weights: fitted.weights,
                    bias: fitted.bias,
                    profile_weight: stored.profile_weight,
                };
                Some(QualityModel::from_parts(parts).map_err(|e| format(&e))?)
            }
            None => None,
        };
        Ok(Model {
            features,
            first_pass,
            heads,
            quality,
            info: header.info,
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

impl Heads {
    /// Fits the four heads on the utterances of the sessions listed in `which`.
    fn fit(
        sessions: &[&LabelledSession],
        vectors: &[Vec<SparseVec>],
        which: &[usize],
        width: usize,
        fit: FitOptions,
    ) -> Result<Heads, TrainError> {
        let mut behaviour = Examples::default();
        let mut question = Examples::default();
        let mut reflection = Examples::default();
        let mut talk = Examples::default();
        for &s in which {
            for (utterance, x) in sessions[s].utterances.iter().zip(&vectors[s]) {
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
        let fit_one = |examples: &Examples<'_>, classes: usize, what: &'static str| {
            if examples.y.is_empty() {
                return Err(TrainError::NoExamples(what));
            }
            Ok(Softmax::fit(&examples.x, &examples.y, classes, width, fit)?)
        };
        let ((behaviour, question_type), (reflection_type, talk)) = rayon::join(
            || {
                rayon::join(
                    || fit_one(&behaviour, Behaviour::ALL.len(), "counsellor utterances"),
                    || fit_one(&question, QuestionType::ALL.len(), "coded questions"),
                )
            },
            || {
                rayon::join(
                    || fit_one(&reflection, ReflectionType::ALL.len(), "coded reflections"),
                    || fit_one(&talk, Talk::ALL.len(), "client utterances"),
                )
            },
        );
        Ok(Heads {
            behaviour: behaviour?,
            question_type: question_type?,
            reflection_type: reflection_type?,
            talk: talk?,
        })
    }

    /// Predicts each utterance from its feature vector.
    fn predict(&self, vectors: &[SparseVec], turns: &[Turn<'_>]) -> Vec<Prediction> {
        vectors
            .iter()
            .zip(turns)
            .map(|(x, turn)| match turn.speaker {
                Speaker::Counselor => Prediction::Counselor {
                    behaviour: self.behaviour.predict_proba(x),
                    question_type: self.question_type.predict_proba(x),
                    reflection_type: self.reflection_type.predict_proba(x),
                },
                Speaker::Client => Prediction::Client {
                    talk: self.talk.predict_proba(x),
                },
            })
            .collect()
    }

    /// A prediction's probabilities with each head's calibration undone (temperature 1).
    fn uncalibrated(&self, prediction: &Prediction) -> Prediction {
        let undo = |p: &[f32], head: &Softmax| rescale(p, 1.0 / head.temperature);
        match prediction {
            Prediction::Counselor {
                behaviour,
                question_type,
                reflection_type,
            } => Prediction::Counselor {
                behaviour: undo(behaviour, &self.behaviour),
                question_type: undo(question_type, &self.question_type),
                reflection_type: undo(reflection_type, &self.reflection_type),
            },
            Prediction::Client { talk } => Prediction::Client {
                talk: undo(talk, &self.talk),
            },
        }
    }

    fn named(&self) -> [(&'static str, &Softmax); 4] {
        [
            ("behaviour", &self.behaviour),
            ("question_type", &self.question_type),
            ("reflection_type", &self.reflection_type),
            ("talk", &self.talk),
        ]
    }
}

/// First-pass predictions of every training session by a model that did not see it:
/// the sessions are split into `folds` groups-whole folds, each coded by heads fitted
/// on the others.
fn held_out_predictions(
    sessions: &[&LabelledSession],
    vectors: &[Vec<SparseVec>],
    width: usize,
    folds: usize,
    fit: FitOptions,
) -> Result<Vec<Vec<Prediction>>, TrainError> {
    let fold_of =
        assign_folds(sessions, folds).map_err(|e| TrainError::InnerFolds(e.to_string()))?;
    let per_fold: Vec<Vec<(usize, Vec<Prediction>)>> = (0..folds)
        .into_par_iter()
        .map(|fold| {
            let train: Vec<usize> = (0..sessions.len())
                .filter(|&s| fold_of[s] != fold)
                .collect();
            let heads = Heads::fit(sessions, vectors, &train, width, fit)?;
            Ok((0..sessions.len())
                .filter(|&s| fold_of[s] == fold)
                .map(|s| (s, heads.predict(&vectors[s], &turns_of(sessions[s]))))
                .collect())
        })
        .collect::<Result<_, TrainError>>()?;
    let mut held_out = vec![Vec::new(); sessions.len()];
    for (s, predictions) in per_fold.into_iter().flatten() {
        held_out[s] = predictions;
    }
    Ok(held_out)
}

/// Replaces a prediction's behaviour or talk probabilities by the first pass's.
fn take_main_codes(prediction: &mut Prediction, first: &Prediction) {
    match (prediction, first) {
        (
            Prediction::Counselor { behaviour, .. },
            Prediction::Counselor {
                behaviour: first, ..
            },
        ) => behaviour.clone_from(first),
        (Prediction::Client { talk }, Prediction::Client { talk: first }) => talk.clone_from(first),
        _ => {}
    }
}

/// Each session's feature vectors with the conversation layer's block appended.
fn with_context(
    spec: &ContextSpec,
    vectors: &[Vec<SparseVec>],
    first: &[Vec<Prediction>],
    width: usize,
) -> Vec<Vec<SparseVec>> {
    vectors
        .iter()
        .zip(first)
        .map(|(session, predictions)| {
            let codes: Vec<[f32; CODES]> = predictions.iter().map(codes_of).collect();
            session
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let mut x = x.clone();
                    spec.append(&codes, i, width, &mut x);
                    x
                })
                .collect()
        })
        .collect()
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

fn distinct_groups(sessions: &[&LabelledSession]) -> usize {
    sessions
        .iter()
        .map(|s| s.group.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len()
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
struct StoredQuality {
    terms: Vec<String>,
    profile_weight: f32,
}

#[derive(Deserialize)]
struct FormatOnly {
    format: String,
}

#[derive(Serialize, Deserialize)]
struct StoredHeader {
    format: String,
    info: ModelInfo,
    blocks: Vec<StoredBlock>,
    #[serde(default)]
    dense: Vec<DenseSpec>,
    #[serde(default)]
    dense_dim: usize,
    #[serde(default)]
    context: Option<ContextSpec>,
    #[serde(default)]
    quality: Option<StoredQuality>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut options = TrainOptions::fast();
        options.context = Some(ContextSpec {
            inner_folds: 3,
            ..ContextSpec::default()
        });
        let model = Model::train(&corpus, &options).unwrap();
        assert!(model.first_pass.is_some() && model.quality.is_some());
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
