//! The sentence encoder as the models use it: found where `rapport_encoder::locate`
//! looks, checked against the fingerprint a model stores (the vector of a fixed
//! sentence), and run over texts with progress reported.

use rapport_coder::features::embedding_layers;
use rapport_coder::{Corpus, EncoderRef, FINGERPRINT_TEXT, TrainOptions};
use rapport_encoder::{Encoder, EncoderOptions, MODEL_NAME, WEIGHTS_SHA256};

use crate::error::AnalysisError;
use crate::progress::{Progress, Stage};

/// Word pieces per utterance the encoder reads when training a model.
pub const TRAIN_MAX_TOKENS: usize = 256;

/// Smallest cosine between the stored and the current fingerprint that counts as the
/// same encoder (runs differ only by floating-point rounding).
const SAME_ENCODER: f32 = 0.9999;

/// Finds and loads the encoder, reading at most `max_tokens` word pieces per text and
/// stacking the pooled states of `layers` (empty: the last layer alone).
fn open(max_tokens: usize, layers: &[usize]) -> Result<Encoder, AnalysisError> {
    let options = EncoderOptions {
        max_tokens: Some(max_tokens),
        layers: layers.to_vec(),
        ..EncoderOptions::default()
    };
    Ok(Encoder::load(&rapport_encoder::locate()?, options)?)
}

/// Loads the encoder and checks that it is the one `reference` was trained with.
pub fn for_model(reference: &EncoderRef) -> Result<Encoder, AnalysisError> {
    let encoder = open(reference.max_tokens, &reference.layers)?;
    let fingerprint = encoder.embed_one(FINGERPRINT_TEXT)?;
    if cosine(&fingerprint, &reference.fingerprint) < SAME_ENCODER {
        return Err(AnalysisError::OtherEncoder {
            dir: encoder.dir().to_path_buf(),
            name: reference.name.clone(),
            sha256: reference.weights_sha256.clone(),
        });
    }
    Ok(encoder)
}

/// Loads the encoder for training, stacking `layers`, and describes it for the model
/// file.
fn for_training(layers: &[usize]) -> Result<(Encoder, EncoderRef), AnalysisError> {
    let encoder = open(TRAIN_MAX_TOKENS, layers)?;
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
pub fn embed_corpus(
    corpus: &mut Corpus,
    options: &TrainOptions,
    progress: &dyn Progress,
) -> Result<EncoderRef, AnalysisError> {
    let (encoder, reference) = for_training(&embedding_layers(&options.dense))?;
    let texts: Vec<&str> = corpus.texts().collect();
    let vectors = embed_texts(&encoder, &texts, progress)?;
    corpus.attach_embeddings(vectors)?;
    Ok(reference)
}

/// Embeds texts, reporting each batch done.
pub fn embed_texts(
    encoder: &Encoder,
    texts: &[&str],
    progress: &dyn Progress,
) -> Result<Vec<Vec<f32>>, AnalysisError> {
    progress.start(Stage::Embedding, Some(texts.len() as u64));
    let vectors = encoder.embed_reporting(texts, |n| progress.advance(n as u64))?;
    progress.finish();
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

#[cfg(test)]
mod tests {
    use super::cosine;

    #[test]
    fn cosine_is_one_for_the_same_direction_and_zero_for_mismatched_or_empty_vectors() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert!(cosine(&[1.0, 0.0], &[0.0, 1.0]).abs() < 1e-6);
        assert_eq!(cosine(&[1.0], &[1.0, 2.0]), 0.0);
        assert_eq!(cosine(&[], &[]), 0.0);
        assert!(cosine(&[1.0, 0.0], &[-1.0, 0.0]) < 0.0);
    }
}
