//! Training: the feature space fitted on the sessions, held-out codes from an inner
//! cross-validation (for the quality model, so that it learns from codes as good as
//! those it will see), then the heads and the quality model on every session.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::corpus::{Corpus, LabelledSession};
use crate::features::{
    BlockSpec, DEFAULT_BLOCKS, DenseSpec, ENCODER_DENSE, EmbeddingError, FeatureSpace, Turn,
};
use crate::folds::assign_folds;
use crate::linear::{FitError, FitOptions};
use crate::quality::{QualityError, QualityModel, QualityOptions};
use crate::vectorizer::SparseVec;

use super::file::NoConversationLayer;
use super::{Heads, Model, ModelInfo, Prediction, evidence_of, turns_of};

/// Folds of the inner cross-validation whose held-out codes the quality model learns from.
const INNER_FOLDS: usize = 5;

/// How a model is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// The TF-IDF blocks.
    pub blocks: Vec<BlockSpec>,
    /// The dense blocks (sentence embeddings); empty for a model without the encoder.
    #[serde(default)]
    pub dense: Vec<DenseSpec>,
    /// Always null: where research builds recorded a conversation layer (measured and
    /// dropped; see `docs/research.md`). Kept so that model files keep their layout.
    #[serde(default)]
    context: NoConversationLayer,
    /// The session-quality model, if any.
    #[serde(default)]
    pub quality: Option<QualityOptions>,
    /// Classifier settings, shared by all heads.
    pub fit: FitOptions,
}

impl TrainOptions {
    /// The fast model: n-grams of the utterance and its neighbours and the
    /// session-quality model; no encoder.
    pub fn fast() -> TrainOptions {
        TrainOptions {
            blocks: DEFAULT_BLOCKS.to_vec(),
            dense: Vec::new(),
            context: NoConversationLayer,
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
    /// quality model codes of sessions the heads did not see).
    #[error("the inner cross-validation on the training sessions: {0}")]
    InnerFolds(String),
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

        // Held-out codes of every training session, for the quality model to learn
        // from codes as good as those it will see; it is skipped (with a warning) where
        // they cannot be had.
        let rated: Vec<bool> = sessions.iter().filter_map(|s| s.high_quality).collect();
        let quality_wanted =
            options.quality.is_some() && rated.contains(&true) && rated.contains(&false);
        let inner_folds = INNER_FOLDS.min(distinct_groups(sessions));
        let held_out = if quality_wanted {
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
        let heads = Heads::fit(sessions, &vectors, &everything, width, options.fit)?;

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
}

/// Predictions of every training session by heads that did not see it:
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

fn distinct_groups(sessions: &[&LabelledSession]) -> usize {
    sessions
        .iter()
        .map(|s| s.group.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len()
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}
