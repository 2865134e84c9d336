#!/usr/bin/env python3
"""Independent reference for tests/encoder.rs: all-MiniLM-L6-v2 in plain numpy.

Reads model.safetensors with the `safetensors` package (numpy API), tokenises with a
hand-written BERT WordPiece tokenizer over vocab.txt (no `tokenizers`, no torch), runs
the BERT forward pass in float64, then masked mean pooling and L2 normalisation as
sentence-transformers does for this model.

    python3 -m pip install numpy safetensors scipy
    python3 crates/rapport-encoder/tests/reference/numpy_reference.py models/encoder/all-MiniLM-L6-v2 [LAYERS]

LAYERS (default 6, the last) is how many transformer layers to run: 3 gives the middle
layer's pooled states, which the default coder reads beside the last layer's.

Run once; its output was written into tests/encoder.rs.
"""

import json
import sys
import unicodedata

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf

SENTENCES = [
    "I've been thinking about cutting down on drinking, but it's hard.",
    # Over 256 word pieces: checks truncation at sentence-transformers' max_seq_length.
    " ".join(["So you feel torn between wanting to change and not being ready yet."] * 20),
]
MAX_TOKENS = 256


def is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def basic_tokens(text):
    text = "".join(" " if ch.isspace() else ch for ch in text if ord(ch) not in (0, 0xFFFD))
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    out = []
    for word in text.split():
        current = ""
        for ch in word:
            if is_punct(ch):
                if current:
                    out.append(current)
                    current = ""
                out.append(ch)
            else:
                current += ch
        if current:
            out.append(current)
    return out


def wordpiece(word, vocab):
    if len(word) > 100:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while start < end:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                found = piece
                break
            end -= 1
        if found is None:
            return ["[UNK]"]
        pieces.append(found)
        start = end
    return pieces


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def forward(ids, W, cfg, layers):
    g = lambda k: W[k].astype(np.float64)
    lin = lambda x, p: x @ g(p + ".weight").T + g(p + ".bias")
    n = len(ids)
    x = g("embeddings.word_embeddings.weight")[ids]
    x = x + g("embeddings.position_embeddings.weight")[:n]
    x = x + g("embeddings.token_type_embeddings.weight")[0]
    eps = cfg["layer_norm_eps"]
    x = layer_norm(x, g("embeddings.LayerNorm.weight"), g("embeddings.LayerNorm.bias"), eps)
    heads = cfg["num_attention_heads"]
    hd = cfg["hidden_size"] // heads
    for i in range(layers):
        p = f"encoder.layer.{i}."
        q = lin(x, p + "attention.self.query").reshape(n, heads, hd).transpose(1, 0, 2)
        k = lin(x, p + "attention.self.key").reshape(n, heads, hd).transpose(1, 0, 2)
        v = lin(x, p + "attention.self.value").reshape(n, heads, hd).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True))
        s = s / s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(n, heads * hd)
        a = lin(ctx, p + "attention.output.dense")
        x = layer_norm(a + x, g(p + "attention.output.LayerNorm.weight"), g(p + "attention.output.LayerNorm.bias"), eps)
        h = lin(x, p + "intermediate.dense")
        h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
        o = lin(h, p + "output.dense")
        x = layer_norm(o + x, g(p + "output.LayerNorm.weight"), g(p + "output.LayerNorm.bias"), eps)
    return x


def report(text, ids, hidden):
    """Prints what the Rust tests compare: the mean-pooled norm and the unit vector's
    first values and sum (one unpadded sentence: every token is real)."""
    mean = hidden.mean(0)
    norm = np.linalg.norm(mean)
    unit = mean / max(norm, 1e-12)
    print(f"text: {text[:60]!r}... tokens {len(ids)}")
    print("ids[:12]:", ids[:12])
    print("pre-normalisation norm:", repr(float(norm)))
    print("unit[:8]:", ", ".join(f"{v:.6f}" for v in unit[:8]))
    print("unit sum:", f"{unit.sum():.6f}")


def main():
    d = sys.argv[1]
    vocab = {t.rstrip("\n"): i for i, t in enumerate(open(f"{d}/vocab.txt", encoding="utf-8"))}
    cfg = json.load(open(f"{d}/config.json"))
    W = load_file(f"{d}/model.safetensors")
    layers = int(sys.argv[2]) if len(sys.argv) > 2 else cfg["num_hidden_layers"]
    for text in SENTENCES:
        pieces = [p for w in basic_tokens(text) for p in wordpiece(w, vocab)]
        pieces = ["[CLS]"] + pieces[: MAX_TOKENS - 2] + ["[SEP]"]
        ids = [vocab[p] for p in pieces]
        report(text, ids, forward(ids, W, cfg, layers))


if __name__ == "__main__":
    main()
