//! Loading the sentence encoder (all-mpnet-base-v2, or any BERT or MPNet model laid out
//! as sentence-transformers saves it) and embedding texts with it.
//!
//! The forward pass is candle-transformers' BERT, written out in [`crate::bert`];
//! pooling and normalisation follow the model's sentence-transformers modules (`modules.json`:
//! Transformer, then `1_Pooling` with `pooling_mode_mean_tokens`, then `2_Normalize`),
//! written out here as in candle's bert example. Besides the last layer (the published
//! sentence embedding) the same pooling can be taken of other layers, stacked after it.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use rayon::prelude::*;
use serde::Deserialize;
use tokenizers::{Tokenizer, TruncationParams};

use crate::bert::{Bert, Config};
use crate::error::EncoderError;
use crate::locate;

/// The word-piece limit used when a model lacks sentence-transformers' configuration
/// (`sentence_bert_config.json`: `max_seq_length`, 384 for all-mpnet-base-v2, 256 for
/// all-MiniLM-L6-v2).
pub const DEFAULT_MAX_TOKENS: usize = 256;

/// Texts per forward pass at most.
pub const DEFAULT_BATCH_SIZE: usize = 256;

/// Word pieces per forward pass at most, padding included: texts x the batch's longest
/// text. Short texts go many to a pass (fewer, larger matrix products), long ones few
/// (bounded memory). Measured over AnnoMI in `rapport analyze` against fixed batches
/// of 32: the same codes, a third of the peak memory, and with the binary's mimalloc
/// about 15% less wall time.
pub const DEFAULT_BATCH_TOKENS: usize = 1024;

/// Forward passes run at once (the matrix products inside each are multi-threaded
/// already); more would multiply the memory of the longest batches.
const CONCURRENT_BATCHES: usize = 2;

/// How the encoder runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncoderOptions {
    /// Texts per forward pass at most (texts of similar length go together).
    pub batch_size: usize,
    /// Word pieces per forward pass at most, padding included (a text longer than this
    /// still gets a pass of its own).
    pub batch_tokens: usize,
    /// Word pieces per text at most, `[CLS]` and `[SEP]` (MPNet's `<s>` and `</s>`)
    /// included; `None` reads `sentence_bert_config.json` (384 for all-mpnet-base-v2),
    /// capped by the model's position
    /// embeddings.
    pub max_tokens: Option<usize>,
    /// Scale each vector to unit length (sentence-transformers' `Normalize` module, as
    /// this model is published); `false` returns the mean-pooled vectors as they are.
    pub normalize: bool,
    /// The layers whose mean-pooled states make up each vector, one after another, in
    /// this order (1 = the first transformer layer; each part normalised on its own);
    /// empty means the last layer alone, the published sentence embedding.
    pub layers: Vec<usize>,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        EncoderOptions {
            batch_size: DEFAULT_BATCH_SIZE,
            batch_tokens: DEFAULT_BATCH_TOKENS,
            max_tokens: None,
            normalize: true,
            layers: Vec::new(),
        }
    }
}

/// A loaded sentence encoder.
pub struct Encoder {
    model: Bert,
    tokenizer: Tokenizer,
    device: Device,
    /// Width of one layer's part.
    hidden: usize,
    /// The token id batches are padded with.
    pad_id: u32,
    layers: Vec<usize>,
    max_tokens: usize,
    batch_size: usize,
    batch_tokens: usize,
    normalize: bool,
    dir: PathBuf,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("dir", &self.dir)
            .field("layers", &self.layers)
            .field("max_tokens", &self.max_tokens)
            .field("batch_size", &self.batch_size)
            .field("batch_tokens", &self.batch_tokens)
            .finish_non_exhaustive()
    }
}

/// The part of `sentence_bert_config.json` read here.
#[derive(Deserialize)]
struct SentenceBertConfig {
    max_seq_length: usize,
}

impl Encoder {
    /// Loads the model found by [`locate::locate`], with default options.
    pub fn locate_and_load() -> Result<Encoder, EncoderError> {
        Encoder::load(&locate::locate()?, EncoderOptions::default())
    }

    /// Loads the model from a directory holding `model.safetensors`, `config.json`
    /// and `tokenizer.json` (and, optionally, `sentence_bert_config.json`).
    pub fn load(dir: &Path, options: EncoderOptions) -> Result<Encoder, EncoderError> {
        if options.batch_size == 0 || options.batch_tokens == 0 {
            return Err(EncoderError::Options(
                "batch size and batch tokens must be at least 1".into(),
            ));
        }
        let file = |name: &str| -> Result<PathBuf, EncoderError> {
            let path = dir.join(name);
            if path.is_file() {
                Ok(path)
            } else {
                Err(EncoderError::MissingFile { path })
            }
        };
        let config_path = file("config.json")?;
        let tokenizer_path = file("tokenizer.json")?;
        let weights_path = file("model.safetensors")?;

        let config: Config = read_json(&config_path)?;
        let sentence_config = dir.join("sentence_bert_config.json");
        let configured_max = if sentence_config.is_file() {
            read_json::<SentenceBertConfig>(&sentence_config)?.max_seq_length
        } else {
            DEFAULT_MAX_TOKENS
        };
        let max_tokens = options
            .max_tokens
            .unwrap_or(configured_max)
            .min(config.max_tokens());
        if max_tokens < 2 {
            return Err(EncoderError::Options(format!(
                "max_tokens {max_tokens} leaves no room for [CLS] and [SEP]"
            )));
        }

        let mut tokenizer =
            Tokenizer::from_file(&tokenizer_path).map_err(|e| EncoderError::Tokenizer {
                path: tokenizer_path.clone(),
                message: e.to_string(),
            })?;
        // tokenizer.json pads every input to 128 and truncates at 128; sentence-transformers
        // overrides both (max_seq_length, padding per batch), and so do we: no padding
        // here, batches are padded below.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| EncoderError::Tokenizer {
                path: tokenizer_path.clone(),
                message: e.to_string(),
            })?;

        let device = Device::Cpu;
        let vb = mmap_weights(&weights_path, &device)?;
        let model = Bert::load(vb, &config).map_err(|source| EncoderError::Weights {
            path: weights_path.clone(),
            source,
        })?;
        let layers = if options.layers.is_empty() {
            vec![model.depth()]
        } else {
            options.layers.clone()
        };
        if let Some(bad) = layers.iter().find(|&&l| l == 0 || l > model.depth()) {
            return Err(EncoderError::Options(format!(
                "layer {bad} asked of an encoder with layers 1 to {}",
                model.depth()
            )));
        }
        tracing::debug!(dir = %dir.display(), max_tokens, "sentence encoder loaded");
        Ok(Encoder {
            model,
            tokenizer,
            device,
            hidden: config.hidden_size,
            pad_id: config.pad_token_id,
            layers,
            max_tokens,
            batch_size: options.batch_size,
            batch_tokens: options.batch_tokens,
            normalize: options.normalize,
            dir: dir.to_path_buf(),
        })
    }

    /// The embedding's length: the model's width (768 for all-mpnet-base-v2) per layer read.
    pub fn dim(&self) -> usize {
        self.hidden * self.layers.len()
    }

    /// The layers each vector stacks, in order (1 = the first transformer layer).
    pub fn layers(&self) -> &[usize] {
        &self.layers
    }

    /// Word pieces per text at most, `[CLS]` and `[SEP]` included.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// Texts per forward pass at most.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The directory the model was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Embeds one text.
    pub fn embed_one(&self, text: &str) -> Result<Vec<f32>, EncoderError> {
        let mut out = self.embed(&[text])?;
        Ok(out.pop().unwrap_or_default())
    }

    /// Embeds every text: vectors of length [`Encoder::dim`], one part per layer read,
    /// each part of unit length unless [`EncoderOptions::normalize`] is off, in input
    /// order.
    ///
    /// Texts are tokenised, sorted by their number of word pieces and run in batches of
    /// at most [`Encoder::batch_size`] texts and [`EncoderOptions::batch_tokens`] word
    /// pieces, each padded only to its own longest text.
    pub fn embed<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<Vec<f32>>, EncoderError> {
        self.embed_reporting(texts, |_| {})
    }

    /// [`Encoder::embed`], calling `done(n)` as each batch of `n` texts is embedded (for a
    /// progress bar). Batches run concurrently on rayon's threads: the matrix products
    /// are multi-threaded already, the rest of the forward pass is not.
    pub fn embed_reporting<S: AsRef<str>>(
        &self,
        texts: &[S],
        done: impl Fn(usize) + Sync,
    ) -> Result<Vec<Vec<f32>>, EncoderError> {
        let mut ids: Vec<Vec<u32>> = Vec::with_capacity(texts.len());
        for (index, text) in texts.iter().enumerate() {
            let encoding =
                self.tokenizer
                    .encode(text.as_ref(), true)
                    .map_err(|e| EncoderError::Tokenize {
                        index,
                        message: e.to_string(),
                    })?;
            ids.push(encoding.get_ids().to_vec());
        }
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| ids[i].len());

        let lengths: Vec<usize> = order.iter().map(|&i| ids[i].len()).collect();
        let batches: Vec<&[usize]> = plan_batches(&lengths, self.batch_size, self.batch_tokens)
            .into_iter()
            .map(|range| &order[range])
            .collect();
        // At most CONCURRENT_BATCHES at a time, so memory stays bounded on many cores.
        let mut embedded: Vec<Vec<Vec<f32>>> = Vec::with_capacity(batches.len());
        for group in batches.chunks(CONCURRENT_BATCHES) {
            let vectors: Vec<Vec<Vec<f32>>> = group
                .par_iter()
                .map(|batch| {
                    let rows: Vec<&[u32]> = batch.iter().map(|&i| ids[i].as_slice()).collect();
                    let vectors = self.forward_batch(&rows)?;
                    done(batch.len());
                    Ok(vectors)
                })
                .collect::<Result<_, EncoderError>>()?;
            embedded.extend(vectors);
        }
        let mut out = vec![Vec::new(); texts.len()];
        for (batch, vectors) in batches.iter().zip(embedded) {
            for (&i, v) in batch.iter().zip(vectors) {
                out[i] = v;
            }
        }
        tracing::debug!(texts = texts.len(), batches = batches.len(), "embedded");
        Ok(out)
    }

    /// Runs one batch of token ids, padded to its longest row.
    fn forward_batch(&self, rows: &[&[u32]]) -> Result<Vec<Vec<f32>>, EncoderError> {
        let n = rows.len();
        let len = rows.iter().map(|r| r.len()).max().unwrap_or(0);
        if n == 0 || len == 0 {
            return Ok(vec![vec![0.0; self.dim()]; n]);
        }
        let mut input = vec![self.pad_id; n * len];
        let mut mask = vec![0u32; n * len];
        for (r, row) in rows.iter().enumerate() {
            input[r * len..r * len + row.len()].copy_from_slice(row);
            mask[r * len..r * len + row.len()].fill(1);
        }
        let input = Tensor::from_vec(input, (n, len), &self.device)?;
        let mask = Tensor::from_vec(mask, (n, len), &self.device)?;
        let token_types = input.zeros_like()?;
        let states = self
            .model
            .forward(&input, &token_types, &mask, &self.layers)?;

        // Masked mean pooling, as sentence-transformers' Pooling(mean_tokens): the sum
        // of the real tokens' states over their count; then each layer's part on its own
        // scaled to unit length.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let counts = mask.sum(1)?;
        let parts = states
            .iter()
            .map(|hidden| {
                let mean = hidden
                    .broadcast_mul(&mask)?
                    .sum(1)?
                    .broadcast_div(&counts)?;
                if self.normalize {
                    unit_rows(&mean)
                } else {
                    Ok(mean)
                }
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        Ok(Tensor::cat(&parts, 1)?.to_vec2::<f32>()?)
    }
}

/// L2 normalisation of each row, as sentence-transformers' Normalize (torch's
/// F.normalize, whose denominator is max(norm, 1e-12)).
fn unit_rows(rows: &Tensor) -> candle_core::Result<Tensor> {
    let norm = rows
        .sqr()?
        .sum_keepdim(1)?
        .sqrt()?
        .clamp(1e-12f32, f32::MAX)?;
    rows.broadcast_div(&norm)
}

/// Cuts texts of ascending `lengths` (word pieces) into consecutive batches: a batch
/// grows while its count stays within `batch_size` and its count times its longest text
/// (the last, the lengths being sorted) within `batch_tokens`. A text longer than
/// `batch_tokens` gets a batch of its own.
fn plan_batches(
    lengths: &[usize],
    batch_size: usize,
    batch_tokens: usize,
) -> Vec<std::ops::Range<usize>> {
    let mut batches = Vec::new();
    let mut start = 0;
    while start < lengths.len() {
        let mut end = start + 1;
        while end < lengths.len()
            && end - start < batch_size
            && (end + 1 - start) * lengths[end] <= batch_tokens
        {
            end += 1;
        }
        batches.push(start..end);
        start = end;
    }
    batches
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, EncoderError> {
    let bytes = std::fs::read(path).map_err(|source| EncoderError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| EncoderError::Config {
        path: path.to_path_buf(),
        source,
    })
}

/// Memory-maps the weights.
#[allow(unsafe_code)]
fn mmap_weights(path: &Path, device: &Device) -> Result<VarBuilder<'static>, EncoderError> {
    // SAFETY: the mapping is read-only and lives as long as the VarBuilder. It is sound
    // only while no one truncates or rewrites model.safetensors while it is mapped; the
    // file sits in a directory that only `scripts/fetch-encoder.sh` writes, and that
    // script replaces the directory rather than editing files in place.
    let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[path], DType::F32, device) };
    vb.map_err(|source| EncoderError::Weights {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::plan_batches;
    use proptest::prelude::*;

    #[test]
    fn short_texts_share_a_pass_and_long_ones_go_alone() {
        let lengths = [3, 3, 4, 4, 10, 300];
        assert_eq!(plan_batches(&lengths, 256, 16), vec![0..4, 4..5, 5..6]);
        assert_eq!(plan_batches(&lengths, 2, 1024), vec![0..2, 2..4, 4..6]);
        assert!(plan_batches(&[], 32, 1024).is_empty());
    }

    proptest! {
        #[test]
        fn batches_cover_every_text_once_within_both_limits(
            mut lengths in proptest::collection::vec(1usize..300, 0..200),
            batch_size in 1usize..64,
            batch_tokens in 1usize..4096,
        ) {
            lengths.sort_unstable();
            let batches = plan_batches(&lengths, batch_size, batch_tokens);
            let mut next = 0;
            for batch in &batches {
                prop_assert_eq!(batch.start, next);
                prop_assert!(batch.end > batch.start);
                prop_assert!(batch.len() <= batch_size);
                if batch.len() > 1 {
                    prop_assert!(batch.len() * lengths[batch.end - 1] <= batch_tokens);
                }
                next = batch.end;
            }
            prop_assert_eq!(next, lengths.len());
        }
    }
}
