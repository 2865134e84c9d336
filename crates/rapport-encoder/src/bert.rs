//! The BERT forward pass, returning the hidden states of chosen layers, and the part of
//! the model's `config.json` it reads; also MPNet's (`model_type` `mpnet`, as
//! all-mpnet-base-v2), which is BERT's with no token types, positions counted from the
//! padding id plus one, other weight names, and one learnt relative position bias per
//! head added to every layer's attention scores (transformers' `modeling_mpnet`,
//! Apache-2.0: `create_position_ids_from_input_ids`, `relative_position_bucket` and
//! `compute_position_bias`).
//!
//! candle-transformers' `BertModel` returns only the last layer's states and keeps its
//! layers' forward passes private; the coder also reads a middle layer (its mean-pooled
//! states carry more of an utterance's form, such as whether it asks or reflects), so
//! the pass is written out here over candle's tensors and layers. It is
//! candle-transformers' `models::bert` (MIT OR Apache-2.0), the same operations in the
//! same order, without the dropout and tracing spans that inference does not use, and
//! with one substitution: the exact GELU's erf is computed by `crate::gelu`
//! (vectorisable, within about 4.5e-7 of the true erf) instead of one scalar libm call
//! per element. The last layer's states are those of `BertModel` to within that
//! rounding (the encoder's reference-value tests pin them). Since only its
//! configuration type was still used, candle-transformers itself (two minutes of a
//! fresh build) is not a dependency: [`Config`] reads the same fields.

use candle_core::{D, DType, Module, Result, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder, embedding, layer_norm, linear};
use serde::Deserialize;

/// The feed-forward activation a BERT configuration names (`hidden_act`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum HiddenAct {
    /// The exact GELU (`gelu`), as all-mpnet-base-v2 and all-MiniLM-L6-v2 use.
    #[serde(rename = "gelu")]
    Gelu,
    /// The tanh approximation of GELU.
    #[serde(
        alias = "gelu_new",
        alias = "gelu_pytorch_tanh",
        rename = "geluapproximate"
    )]
    GeluApproximate,
    /// ReLU.
    #[serde(rename = "relu")]
    Relu,
}

/// The architectures the forward pass runs (`model_type` in `config.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Architecture {
    /// BERT (`bert`), as all-MiniLM-L6-v2; the default when `model_type` is absent.
    #[default]
    #[serde(rename = "bert")]
    Bert,
    /// MPNet (`mpnet`), as all-mpnet-base-v2.
    #[serde(rename = "mpnet")]
    MpNet,
}

/// The fields of a BERT or MPNet model's `config.json` the forward pass reads (others,
/// such as the dropout rates, are ignored).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Config {
    /// The architecture.
    #[serde(default)]
    pub model_type: Architecture,
    /// Word pieces in the vocabulary.
    pub vocab_size: usize,
    /// Width of the hidden states.
    pub hidden_size: usize,
    /// Transformer layers.
    pub num_hidden_layers: usize,
    /// Attention heads per layer.
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// The feed-forward activation.
    pub hidden_act: HiddenAct,
    /// Positions the model has embeddings for (its longest input).
    pub max_position_embeddings: usize,
    /// Token types (segments); MPNet has none.
    #[serde(default)]
    pub type_vocab_size: usize,
    /// The layer norms' epsilon.
    pub layer_norm_eps: f64,
    /// The padding token's id (MPNet counts positions from it).
    #[serde(default)]
    pub pad_token_id: u32,
    /// Buckets of MPNet's relative position bias.
    #[serde(default = "default_buckets")]
    pub relative_attention_num_buckets: usize,
}

fn default_buckets() -> usize {
    32
}

impl Config {
    /// The first position's index in the position embeddings: 0 for BERT, the padding
    /// id plus one for MPNet (as RoBERTa).
    pub fn first_position(&self) -> usize {
        match self.model_type {
            Architecture::Bert => 0,
            Architecture::MpNet => self.pad_token_id as usize + 1,
        }
    }

    /// The longest input the position embeddings cover, in word pieces.
    pub fn max_tokens(&self) -> usize {
        self.max_position_embeddings
            .saturating_sub(self.first_position())
    }
}

/// Word, position and (BERT's) token-type embeddings, summed and normalised.
struct Embeddings {
    words: Embedding,
    positions: Embedding,
    token_types: Option<Embedding>,
    first_position: u32,
    norm: LayerNorm,
}

impl Embeddings {
    fn load(vb: VarBuilder, config: &Config) -> Result<Self> {
        Ok(Embeddings {
            words: embedding(
                config.vocab_size,
                config.hidden_size,
                vb.pp("word_embeddings"),
            )?,
            positions: embedding(
                config.max_position_embeddings,
                config.hidden_size,
                vb.pp("position_embeddings"),
            )?,
            token_types: match config.model_type {
                Architecture::Bert => Some(embedding(
                    config.type_vocab_size,
                    config.hidden_size,
                    vb.pp("token_type_embeddings"),
                )?),
                Architecture::MpNet => None,
            },
            first_position: config.first_position() as u32,
            norm: layer_norm(
                config.hidden_size,
                config.layer_norm_eps,
                vb.pp("LayerNorm"),
            )?,
        })
    }

    fn forward(&self, input_ids: &Tensor, token_type_ids: &Tensor) -> Result<Tensor> {
        let (_, seq_len) = input_ids.dims2()?;
        let mut summed = self.words.forward(input_ids)?;
        if let Some(token_types) = &self.token_types {
            summed = (summed + token_types.forward(token_type_ids)?)?;
        }
        // MPNet gives padding the padding id's position; padding is masked out of
        // attention and pooling, so counting on is the same for the real tokens.
        let first = self.first_position;
        let positions: Vec<u32> = (first..first + seq_len as u32).collect();
        let positions = Tensor::new(positions.as_slice(), input_ids.device())?;
        let summed = summed.broadcast_add(&self.positions.forward(&positions)?)?;
        self.norm.forward(&summed)
    }
}

/// One transformer layer: self-attention, then the feed-forward block, each with a
/// residual connection and layer norm.
struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    activation: HiddenAct,
    output: Linear,
    output_norm: LayerNorm,
    heads: usize,
    head_size: usize,
}

impl Layer {
    fn load(vb: VarBuilder, config: &Config) -> Result<Self> {
        let hidden = config.hidden_size;
        let heads = config.num_attention_heads;
        let head_size = hidden / heads;
        let attention = vb.pp("attention");
        // BERT: attention.self.{query,key,value}, attention.output.{dense,LayerNorm};
        // MPNet: attention.attn.{q,k,v,o}, attention.LayerNorm.
        let (this, [q, k, v], out, out_norm) = match config.model_type {
            Architecture::Bert => (
                attention.pp("self"),
                ["query", "key", "value"],
                attention.pp("output").pp("dense"),
                attention.pp("output").pp("LayerNorm"),
            ),
            Architecture::MpNet => (
                attention.pp("attn"),
                ["q", "k", "v"],
                attention.pp("attn").pp("o"),
                attention.pp("LayerNorm"),
            ),
        };
        let eps = config.layer_norm_eps;
        Ok(Layer {
            query: linear(hidden, heads * head_size, this.pp(q))?,
            key: linear(hidden, heads * head_size, this.pp(k))?,
            value: linear(hidden, heads * head_size, this.pp(v))?,
            attention_out: linear(hidden, hidden, out)?,
            attention_norm: layer_norm(hidden, eps, out_norm)?,
            intermediate: linear(
                hidden,
                config.intermediate_size,
                vb.pp("intermediate").pp("dense"),
            )?,
            activation: config.hidden_act,
            output: linear(
                config.intermediate_size,
                hidden,
                vb.pp("output").pp("dense"),
            )?,
            output_norm: layer_norm(hidden, eps, vb.pp("output").pp("LayerNorm"))?,
            heads,
            head_size,
        })
    }

    /// `(batch, seq, hidden)` to `(batch, heads, seq, head_size)`.
    fn split_heads(&self, xs: &Tensor) -> Result<Tensor> {
        let (batch, seq, _) = xs.dims3()?;
        xs.reshape((batch, seq, self.heads, self.head_size))?
            .transpose(1, 2)?
            .contiguous()
    }

    /// One layer; `bias` is added to the scaled attention scores: the padding mask
    /// `(batch, 1, 1, seq)`, plus MPNet's position bias `(batch, heads, seq, seq)`.
    fn forward(&self, hidden: &Tensor, bias: &Tensor) -> Result<Tensor> {
        let query = self.split_heads(&self.query.forward(hidden)?)?;
        let key = self.split_heads(&self.key.forward(hidden)?)?;
        let value = self.split_heads(&self.value.forward(hidden)?)?;
        let scores = query.matmul(&key.t()?)?;
        let scores = (scores / (self.head_size as f64).sqrt())?;
        let scores = scores.broadcast_add(bias)?;
        let probs = candle_nn::ops::softmax(&scores, D::Minus1)?;
        let context = probs
            .matmul(&value)?
            .transpose(1, 2)?
            .contiguous()?
            .flatten_from(D::Minus2)?;
        let attended = self
            .attention_norm
            .forward(&(self.attention_out.forward(&context)? + hidden)?)?;
        let inner = self.intermediate.forward(&attended)?;
        let inner = match self.activation {
            HiddenAct::Gelu => crate::gelu::gelu_erf(&inner)?,
            HiddenAct::GeluApproximate => inner.gelu()?,
            HiddenAct::Relu => inner.relu()?,
        };
        self.output_norm
            .forward(&(self.output.forward(&inner)? + attended)?)
    }
}

/// MPNet's relative position bias: one learnt value per head for each bucket of the
/// distance from query to key (exact up to 8 positions each way, logarithmic to 128).
struct RelativeBias {
    buckets: Embedding,
    count: usize,
}

/// Largest distance MPNet's buckets tell apart (`max_distance` in transformers).
const BUCKETS_MAX_DISTANCE: f32 = 128.0;

impl RelativeBias {
    fn load(vb: VarBuilder, config: &Config) -> Result<Self> {
        Ok(RelativeBias {
            buckets: embedding(
                config.relative_attention_num_buckets,
                config.num_attention_heads,
                vb.pp("relative_attention_bias"),
            )?,
            count: config.relative_attention_num_buckets,
        })
    }

    /// `(1, heads, seq, seq)`: the bias of key `j` for query `i`.
    fn forward(&self, seq: usize, device: &candle_core::Device) -> Result<Tensor> {
        let mut buckets = Vec::with_capacity(seq * seq);
        for query in 0..seq as i64 {
            for key in 0..seq as i64 {
                buckets.push(relative_position_bucket(key - query, self.count));
            }
        }
        let buckets = Tensor::from_vec(buckets, (seq, seq), device)?;
        self.buckets
            .forward(&buckets)?
            .permute((2, 0, 1))?
            .unsqueeze(0)
    }
}

/// transformers' `MPNetEncoder.relative_position_bucket` for a key `relative` positions
/// after the query: half the buckets for keys before it, half after; in each half,
/// distances below a quarter of the buckets exactly, longer ones on a log scale up to
/// [`BUCKETS_MAX_DISTANCE`], computed in single precision as torch does.
fn relative_position_bucket(relative: i64, buckets: usize) -> u32 {
    let half = (buckets / 2) as i64;
    let mut bucket = if relative > 0 { half } else { 0 };
    let distance = relative.abs();
    let exact = half / 2;
    bucket += if distance < exact {
        distance
    } else {
        let scaled = (distance as f32 / exact as f32).ln()
            / (BUCKETS_MAX_DISTANCE / exact as f32).ln()
            * (half - exact) as f32;
        (exact + scaled as i64).min(half - 1)
    };
    bucket as u32
}

/// A BERT or MPNet encoder whose forward pass returns chosen layers' hidden states.
pub struct Bert {
    embeddings: Embeddings,
    layers: Vec<Layer>,
    relative_bias: Option<RelativeBias>,
}

impl Bert {
    /// Loads the weights (with or without a `bert.` or `mpnet.` prefix, as
    /// transformers' models are saved with or without their task's head).
    pub fn load(vb: VarBuilder, config: &Config) -> Result<Self> {
        let prefix = match config.model_type {
            Architecture::Bert => "bert",
            Architecture::MpNet => "mpnet",
        };
        let vb = if vb.contains_tensor(&format!("{prefix}.embeddings.word_embeddings.weight")) {
            vb.pp(prefix)
        } else {
            vb
        };
        let layers = (0..config.num_hidden_layers)
            .map(|i| Layer::load(vb.pp(format!("encoder.layer.{i}")), config))
            .collect::<Result<Vec<_>>>()?;
        let relative_bias = match config.model_type {
            Architecture::Bert => None,
            Architecture::MpNet => Some(RelativeBias::load(vb.pp("encoder"), config)?),
        };
        Ok(Bert {
            embeddings: Embeddings::load(vb.pp("embeddings"), config)?,
            layers,
            relative_bias,
        })
    }

    /// Number of transformer layers.
    pub fn depth(&self) -> usize {
        self.layers.len()
    }

    /// The hidden states `(batch, seq, hidden)` after each of `wanted` layers (1 = the
    /// first transformer layer), in the order asked. Runs only as deep as the deepest
    /// layer asked for; a layer number outside `1..=depth` is an error.
    pub fn forward(
        &self,
        input_ids: &Tensor,
        token_type_ids: &Tensor,
        attention_mask: &Tensor,
        wanted: &[usize],
    ) -> Result<Vec<Tensor>> {
        let deepest = wanted.iter().copied().max().unwrap_or(0);
        if wanted.contains(&0) || deepest > self.layers.len() {
            candle_core::bail!(
                "layers {wanted:?} asked of an encoder with layers 1 to {}",
                self.layers.len()
            );
        }
        let mut hidden = self.embeddings.forward(input_ids, token_type_ids)?;
        let mut bias = additive_mask(attention_mask, hidden.dtype())?;
        if let Some(relative) = &self.relative_bias {
            let (_, seq) = input_ids.dims2()?;
            bias = relative
                .forward(seq, input_ids.device())?
                .broadcast_add(&bias)?;
        }
        // After layer n, `after[n - 1]` (tensors share their storage: cloning is cheap).
        let mut after = Vec::with_capacity(deepest);
        for layer in &self.layers[..deepest] {
            hidden = layer.forward(&hidden, &bias)?;
            after.push(hidden.clone());
        }
        Ok(wanted.iter().map(|&n| after[n - 1].clone()).collect())
    }
}

/// `(batch, seq)` of 1 (token) and 0 (padding) to `(batch, 1, 1, seq)` of 0 and the
/// lowest float, added to the attention scores.
fn additive_mask(mask: &Tensor, dtype: DType) -> Result<Tensor> {
    let mask = mask.unsqueeze(1)?.unsqueeze(1)?.to_dtype(dtype)?;
    (mask.ones_like()? - &mask)?.broadcast_mul(
        &Tensor::try_from(f32::MIN)?
            .to_device(mask.device())?
            .to_dtype(dtype)?,
    )
}

#[cfg(test)]
mod tests {
    use super::relative_position_bucket;

    #[test]
    fn relative_positions_fall_in_mpnets_buckets() {
        // transformers' relative_position_bucket for key - query in -200..=200, step 8
        // (tests/reference/numpy_reference_mpnet.py prints them).
        let expected = [
            15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 14, 14, 14, 14, 13, 13, 12, 12,
            11, 10, 8, 0, 24, 26, 27, 28, 28, 29, 29, 30, 30, 30, 30, 31, 31, 31, 31, 31, 31, 31,
            31, 31, 31, 31, 31, 31, 31,
        ];
        let got: Vec<u32> = (-200..=200)
            .step_by(8)
            .map(|r| relative_position_bucket(r, 32))
            .collect();
        assert_eq!(got, expected);
        // Exact below 8 positions each way: keys before the query in 0-7, after in 16-23.
        assert_eq!(relative_position_bucket(0, 32), 0);
        assert_eq!(relative_position_bucket(-1, 32), 1);
        assert_eq!(relative_position_bucket(-7, 32), 7);
        assert_eq!(relative_position_bucket(1, 32), 17);
        assert_eq!(relative_position_bucket(7, 32), 23);
        // Logarithmic from 8 on: 16 is the first distance of bucket 10, 15 the last of 9.
        assert_eq!(relative_position_bucket(-15, 32), 9);
        assert_eq!(relative_position_bucket(-16, 32), 10);
        assert_eq!(relative_position_bucket(16, 32), 26);
    }
}
