//! Which coder a run uses and the sentence encoder that feeds it: the built-in default
//! model (reads the encoder's embeddings), the built-in fast model (n-grams only), or a
//! model file; and embedding texts with a progress bar.

use std::path::Path;

use anyhow::{Context, Result, bail};
use rapport_coder::features::embedding_layers;
use rapport_coder::{Coder, Corpus, EncoderRef, FINGERPRINT_TEXT, Model, TrainOptions};
use rapport_core::Transcript;
use rapport_encoder::{Encoder, EncoderOptions, FETCH_COMMAND, MODEL_NAME, WEIGHTS_SHA256};

use crate::progress;

/// The default model, built by `rapport train` (card: `models/rapport-coder.md`).
const DEFAULT_MODEL: &[u8] = include_bytes!("../../../models/rapport-coder.safetensors");

/// The fast model, built by `rapport train` (card: `models/rapport-coder-fast.md`).
const FAST_MODEL: &[u8] = include_bytes!("../../../models/rapport-coder-fast.safetensors");

/// Word pieces per utterance the encoder reads when training a model.
pub const TRAIN_MAX_TOKENS: usize = 256;

/// Smallest cosine between the stored and the current fingerprint that counts as the
/// same encoder (runs differ only by floating-point rounding).
const SAME_ENCODER: f32 = 0.9999;

/// A coder with the encoder its model reads, if any.
pub struct Pipeline {
    /// The coder.
    pub coder: Coder,
    encoder: Option<Encoder>,
}

impl Pipeline {
    /// The built-in model (`fast` or default) or the model file given.
    pub fn load(fast: bool, model: Option<&Path>) -> Result<Pipeline> {
        let coder = match model {
            Some(path) => Coder::load(path)?,
            None if fast => Coder::new(Model::from_bytes(FAST_MODEL)?),
            None => Coder::new(Model::from_bytes(DEFAULT_MODEL)?),
        };
        let encoder = if coder.model().reads_embeddings() {
            let reference = coder.model().info.encoder.clone().context(
                "the model reads sentence embeddings but records no encoder; retrain it with `rapport train`",
            )?;
            let encoder = load_encoder(&reference).context(
                "this model reads the sentence encoder's embeddings (code with --fast to do without)",
            )?;
            let read = coder.model().features.layers();
            if encoder.layers() != read.as_slice() {
                bail!(
                    "the model's features read encoder layers {read:?} but it records the \
                     encoder as giving {:?}; retrain it with `rapport train`",
                    encoder.layers()
                );
            }
            Some(encoder)
        } else {
            None
        };
        Ok(Pipeline { coder, encoder })
    }

    /// Each transcript's utterance embeddings, where the model reads them: all
    /// utterances are embedded together, so that batches of similar length form across
    /// sessions.
    pub fn embed(&self, transcripts: &[Transcript]) -> Result<Vec<Option<Vec<Vec<f32>>>>> {
        let Some(encoder) = &self.encoder else {
            return Ok(vec![None; transcripts.len()]);
        };
        let texts: Vec<&str> = transcripts
            .iter()
            .flat_map(|t| t.utterances.iter().map(|u| u.text.as_str()))
            .collect();
        let mut vectors = embed_texts(encoder, &texts)?.into_iter();
        Ok(transcripts
            .iter()
            .map(|t| Some(vectors.by_ref().take(t.utterances.len()).collect()))
            .collect())
    }
}

/// Finds and loads the encoder, reading at most `max_tokens` word pieces per text and
/// stacking the pooled states of `layers` (empty: the last layer alone).
fn open_encoder(max_tokens: usize, layers: &[usize]) -> Result<Encoder> {
    let options = EncoderOptions {
        max_tokens: Some(max_tokens),
        layers: layers.to_vec(),
        ..EncoderOptions::default()
    };
    Ok(Encoder::load(&rapport_encoder::locate()?, options)?)
}

/// Loads the encoder and checks that it is the one `reference` was trained with.
fn load_encoder(reference: &EncoderRef) -> Result<Encoder> {
    let encoder = open_encoder(reference.max_tokens, &reference.layers)?;
    let fingerprint = encoder.embed_one(FINGERPRINT_TEXT)?;
    if cosine(&fingerprint, &reference.fingerprint) < SAME_ENCODER {
        bail!(
            "the sentence encoder in {} is not the one the model was trained with ({}, weights \
             sha256 {}); fetch it again with `{FETCH_COMMAND} --force`",
            encoder.dir().display(),
            reference.name,
            reference.weights_sha256
        );
    }
    Ok(encoder)
}

/// Loads the encoder for training, stacking `layers`, and describes it for the model
/// file.
fn training_encoder(layers: &[usize]) -> Result<(Encoder, EncoderRef)> {
    let encoder = open_encoder(TRAIN_MAX_TOKENS, layers)?;
    let reference = EncoderRef {
        name: MODEL_NAME.into(),
        weights_sha256: WEIGHTS_SHA256.into(),
        max_tokens: encoder.max_tokens(),
        fingerprint: encoder.embed_one(FINGERPRINT_TEXT)?,
        layers: encoder.layers().to_vec(),
    };
    Ok((encoder, reference))
}

/// Embeds every utterance of a training corpus with the training encoder, stacking the
/// layers `options` reads, attaches the vectors, and returns the encoder's description
/// for the model file.
pub fn embed_corpus(corpus: &mut Corpus, options: &TrainOptions) -> Result<EncoderRef> {
    let (encoder, reference) = training_encoder(&embedding_layers(&options.dense))?;
    let texts: Vec<&str> = corpus.texts().collect();
    let vectors = embed_texts(&encoder, &texts)?;
    corpus.attach_embeddings(vectors)?;
    Ok(reference)
}

/// Embeds texts, with a progress bar on a terminal.
pub fn embed_texts(encoder: &Encoder, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
    let bar = progress::bar(texts.len() as u64, "embedding utterances");
    let vectors = encoder.embed_reporting(texts, |n| bar.inc(n as u64))?;
    bar.finish_and_clear();
    Ok(vectors)
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b)).max(f32::MIN_POSITIVE)
}
