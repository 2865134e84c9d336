#!/usr/bin/env python3
"""Independent reference for tests/encoder_mpnet.rs: all-mpnet-base-v2 in plain numpy.

Written from the operations of transformers' `modeling_mpnet` (MPNetEmbeddings,
MPNetEncoder.compute_position_bias and relative_position_bucket, MPNetLayer), not from
Rapport's Rust: positions counted from the padding id plus one, no token types, one
learnt bias per head and relative-position bucket added to every layer's attention
scores. Tokenises with numpy_reference.py's hand-written WordPiece over vocab.txt
(lower-cased, `<s>` ... `</s>`), runs the forward pass in float64, then masked mean
pooling and L2 normalisation as sentence-transformers does for this model.

    python3 -m pip install numpy safetensors scipy
    python3 crates/rapport-encoder/tests/reference/numpy_reference_mpnet.py DIR [LAYERS]

DIR holds all-mpnet-base-v2 (scripts/fetch-encoder.sh); LAYERS (default 12,
the last) is how many transformer layers to run.

Run once; its output was written into tests/encoder_mpnet.rs.
"""

import json
import math
import sys

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf

from numpy_reference import basic_tokens, layer_norm, report, wordpiece

SENTENCES = [
    "I've been thinking about cutting down on drinking, but it's hard.",
    # Over 384 word pieces: checks truncation at sentence-transformers' max_seq_length
    # and exercises the logarithmic buckets up to and past 128 positions.
    " ".join(["So you feel torn between wanting to change and not being ready yet."] * 30),
]
MAX_TOKENS = 384


def bucket(relative, num_buckets=32, max_distance=128):
    """relative_position_bucket for relative = key - query, torch's float32 log."""
    ret = 0
    n = -relative
    num_buckets //= 2
    ret += (n < 0) * num_buckets
    n = abs(n)
    max_exact = num_buckets // 2
    if n < max_exact:
        return ret + n
    large = max_exact + int(
        np.float32(np.log(np.float32(n) / np.float32(max_exact)))
        / np.float32(math.log(max_distance / max_exact))
        * np.float32(num_buckets - max_exact)
    )
    return ret + min(large, num_buckets - 1)


def forward(ids, W, cfg, layers):
    g = lambda k: W[k].astype(np.float64)
    lin = lambda x, p: x @ g(p + ".weight").T + g(p + ".bias")
    n = len(ids)
    pad = cfg["pad_token_id"]
    positions = np.arange(n) + pad + 1  # cumsum of the mask (all real here) + padding id
    x = g("embeddings.word_embeddings.weight")[ids]
    x = x + g("embeddings.position_embeddings.weight")[positions]
    eps = cfg["layer_norm_eps"]
    x = layer_norm(x, g("embeddings.LayerNorm.weight"), g("embeddings.LayerNorm.bias"), eps)
    heads = cfg["num_attention_heads"]
    hd = cfg["hidden_size"] // heads
    rel = g("encoder.relative_attention_bias.weight")  # (buckets, heads)
    buckets = np.array([[bucket(k - q, cfg["relative_attention_num_buckets"]) for k in range(n)] for q in range(n)])
    position_bias = rel[buckets].transpose(2, 0, 1)  # (heads, q, k)
    for i in range(layers):
        p = f"encoder.layer.{i}."
        q = lin(x, p + "attention.attn.q").reshape(n, heads, hd).transpose(1, 0, 2)
        k = lin(x, p + "attention.attn.k").reshape(n, heads, hd).transpose(1, 0, 2)
        v = lin(x, p + "attention.attn.v").reshape(n, heads, hd).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(hd) + position_bias
        s = np.exp(s - s.max(-1, keepdims=True))
        s = s / s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(n, heads * hd)
        a = lin(ctx, p + "attention.attn.o")
        x = layer_norm(a + x, g(p + "attention.LayerNorm.weight"), g(p + "attention.LayerNorm.bias"), eps)
        h = lin(x, p + "intermediate.dense")
        h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
        o = lin(h, p + "output.dense")
        x = layer_norm(o + x, g(p + "output.LayerNorm.weight"), g(p + "output.LayerNorm.bias"), eps)
    return x


def main():
    d = sys.argv[1]
    vocab = {t.rstrip("\n"): i for i, t in enumerate(open(f"{d}/vocab.txt", encoding="utf-8"))}
    cfg = json.load(open(f"{d}/config.json"))
    W = load_file(f"{d}/model.safetensors")
    layers = int(sys.argv[2]) if len(sys.argv) > 2 else cfg["num_hidden_layers"]
    print("buckets for key - query in -200..200 step 8:",
          [bucket(r) for r in range(-200, 201, 8)])
    for text in SENTENCES:
        pieces = [p for w in basic_tokens(text) for p in wordpiece(w, vocab)]
        pieces = ["<s>"] + pieces[: MAX_TOKENS - 2] + ["</s>"]
        ids = [vocab[p] for p in pieces]
        report(text, ids, forward(ids, W, cfg, layers))


if __name__ == "__main__":
    main()
