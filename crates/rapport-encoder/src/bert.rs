//! The BERT forward pass, returning the hidden states of chosen layers, and the part of
//! the model's `config.json` it reads.
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
    /// The exact GELU (`gelu`), as all-MiniLM-L6-v2 uses.
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

/// The fields of a BERT model's `config.json` the forward pass reads (others, such as
/// the dropout rates, are ignored).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Config {
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
    /// Token types (segments).
    pub type_vocab_size: usize,
    /// The layer norms' epsilon.
    pub layer_norm_eps: f64,
}

/// Word, position and token-type embeddings, summed and normalised.
struct Embeddings {
    words: Embedding,
    positions: Embedding,
    token_types: Embedding,
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
            token_types: embedding(
                config.type_vocab_size,
                config.hidden_size,
                vb.pp("token_type_embeddings"),
            )?,
            norm: layer_norm(
                config.hidden_size,
                config.layer_norm_eps,
                vb.pp("LayerNorm"),
            )?,
        })
    }

    fn forward(&self, input_ids: &Tensor, token_type_ids: &Tensor) -> Result<Tensor> {
        let (_, seq_len) = input_ids.dims2()?;
        let summed =
            (self.words.forward(input_ids)? + self.token_types.forward(token_type_ids)?)?;
        let positions: Vec<u32> = (0..seq_len as u32).collect();
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
        let this = attention.pp("self");
        let eps = config.layer_norm_eps;
        Ok(Layer {
            query: linear(hidden, heads * head_size, this.pp("query"))?,
            key: linear(hidden, heads * head_size, this.pp("key"))?,
            value: linear(hidden, heads * head_size, this.pp("value"))?,
            attention_out: linear(hidden, hidden, attention.pp("output").pp("dense"))?,
            attention_norm: layer_norm(hidden, eps, attention.pp("output").pp("LayerNorm"))?,
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

    fn forward(&self, hidden: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let query = self.split_heads(&self.query.forward(hidden)?)?;
        let key = self.split_heads(&self.key.forward(hidden)?)?;
        let value = self.split_heads(&self.value.forward(hidden)?)?;
        let scores = query.matmul(&key.t()?)?;
        let scores = (scores / (self.head_size as f64).sqrt())?;
        let scores = scores.broadcast_add(mask)?;
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

/// A BERT encoder whose forward pass returns chosen layers' hidden states.
pub struct Bert {
    embeddings: Embeddings,
    layers: Vec<Layer>,
}

impl Bert {
    /// Loads the weights (with or without a `bert.` prefix, as `BertModel` does).
    pub fn load(vb: VarBuilder, config: &Config) -> Result<Self> {
        let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            vb.pp("bert")
        } else {
            vb
        };
        let layers = (0..config.num_hidden_layers)
            .map(|i| Layer::load(vb.pp(format!("encoder.layer.{i}")), config))
            .collect::<Result<Vec<_>>>()?;
        Ok(Bert {
            embeddings: Embeddings::load(vb.pp("embeddings"), config)?,
            layers,
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
        let mask = additive_mask(attention_mask, hidden.dtype())?;
        // After layer n, `after[n - 1]` (tensors share their storage: cloning is cheap).
        let mut after = Vec::with_capacity(deepest);
        for layer in &self.layers[..deepest] {
            hidden = layer.forward(&hidden, &mask)?;
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
