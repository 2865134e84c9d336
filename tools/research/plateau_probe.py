#!/usr/bin/env python3
"""Research probe, not part of the product: does anything cheap lift the default model
(frozen all-MiniLM-L6-v2, layers 6 and 3) or the fast model (TF-IDF only) off their
plateau? scikit-learn stand-ins for rapport-coder's blocks (TF-IDF word 1-2 + char_wb 2-5
of the utterance, word 1-2 of the turn before and after, fitted on the training sessions'
utterances; the default model's dense blocks: own layer 6 x0.5, own layer 3 x1, the
counsellor's turn before a client utterance x1), 5-fold GroupKFold by video_url, balanced
logistic regression at C = 5. Figures are quoted in docs/research.md.

  cargo run --release --manifest-path tools/research/probes/Cargo.toml --bin embed_annomi -- --layers 6,3 --out /tmp/rapport-annomi-l63
  python3 tools/research/plateau_probe.py [annomi-dev.csv] [cache stem] [--mlp]

--mlp adds the neural heads (about half an hour per task on two cores).
"""
import re, sys
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold
from sklearn.neural_network import MLPClassifier

import annomi_cache  # beside this script

args = [a for a in sys.argv[1:] if not a.startswith("--")]
data = args[0] if args else "../shared/data/annomi/annomi-dev.csv"
stem = args[1] if len(args) > 1 else "/tmp/rapport-annomi-l63"
items, stacked = annomi_cache.load(data, stem)
assert stacked.shape[1] == 768, "expected the cache of --layers 6,3"
L6, L3 = stacked[:, :384], stacked[:, 384:]
n = len(items)
text = [r["utterance_text"] for r in items]
speaker = np.array([r["interlocutor"] for r in items])
session = np.array([r["transcript_id"] for r in items])
group = np.array([r["video_url"] for r in items])


def neighbour(step):  # index of the utterance `step` away in the same session, else -1
    return [i + step if 0 <= i + step < n and session[i + step] == session[i] else -1 for i in range(n)]


before = [j if j >= 0 and speaker[j] != speaker[i] else -1 for i, j in enumerate(neighbour(-1))]
after = [j if j >= 0 and speaker[j] != speaker[i] else -1 for i, j in enumerate(neighbour(1))]
prev_text = [text[j] if j >= 0 else "" for j in before]
next_text = [text[j] if j >= 0 else "" for j in neighbour(1)]
counsellor_before = np.zeros_like(L6)
next_turn = np.zeros_like(L6)
for i, j in enumerate(before):
    if j >= 0 and speaker[i] == "client":
        counsellor_before[i] = L6[j]
for i, j in enumerate(after):
    if j >= 0:
        next_turn[i] = L6[j]
centred = np.zeros_like(L6)  # own embedding minus the mean of that speaker's in the session
for s in np.unique(session):
    for who in ("therapist", "client"):
        m = (session == s) & (speaker == who)
        if m.any():
            centred[m] = L6[m] - L6[m].mean(0)
position = np.zeros((n, 1), np.float32)
for s in np.unique(session):
    m = np.where(session == s)[0]
    position[m, 0] = np.linspace(0, 1, len(m))
words = [re.findall(r"(?u)\b\w+\b", t.lower()) for t in text]
conjunction = [  # the client's first word joined to each word of the turn it answers
    " ".join(f"{(words[i] or ['_'])[0]}__{w}" for w in set(words[j])) if j >= 0 else ""
    for i, j in enumerate(before)
]

WORDS = dict(ngram_range=(1, 2))
CHARS = dict(analyzer="char_wb", ngram_range=(2, 5))
TEXT = [(text, WORDS), (text, CHARS), (prev_text, WORDS), (next_text, WORDS)]
DEFAULT = [(L6, 0.5), (L3, 1.0), (counsellor_before, 1.0)]
TASKS = {"counsellor behaviour": ("therapist", "main_therapist_behaviour"),
         "client talk": ("client", "client_talk_type")}


def cross_validate(task, dense, extra_text=(), C=5.0, heads=None):
    who, column = TASKS[task]
    sel = np.where(speaker == who)[0]
    y = np.array([items[i][column] for i in sel])
    oof = {}
    for tr, te in GroupKFold(5).split(sel, y, group[sel]):
        a, b = sel[tr], sel[te]
        seen = np.where(np.isin(session, session[a]))[0]
        xa, xb = [], []
        for source, options in TEXT + list(extra_text):
            v = TfidfVectorizer(sublinear_tf=True, min_df=2, **options).fit([source[i] for i in seen])
            xa.append(v.transform([source[i] for i in a]))
            xb.append(v.transform([source[i] for i in b]))
        for block, weight in dense:
            xa.append(sp.csr_matrix(block[a] * weight))
            xb.append(sp.csr_matrix(block[b] * weight))
        lr = LogisticRegression(max_iter=3000, C=C, class_weight="balanced")
        lr.fit(sp.hstack(xa).tocsr(), y[tr])
        classes = lr.classes_
        oof.setdefault("lr", np.zeros((len(sel), len(classes))))[te] = lr.predict_proba(sp.hstack(xb).tocsr())
        for name, (raw, options) in (heads or {}).items():
            mlp = MLPClassifier(solver="lbfgs", max_iter=300, **options).fit(raw[a], y[tr])
            oof.setdefault(name, np.zeros((len(sel), len(classes))))[te] = mlp.predict_proba(raw[b])
    f1 = lambda p: f1_score(y, classes[p.argmax(1)], average="macro")
    scores = {"lr": f1(oof["lr"])}
    prior = np.array([np.mean(y == c) for c in classes])
    for name in heads or {}:
        q = oof[name] / prior  # the head is unweighted: divide its class prior out
        q /= q.sum(1, keepdims=True)
        scores[name] = f1(0.5 * oof["lr"] + 0.5 * q)
    return scores


def report(label, task, **kwargs):
    scores = cross_validate(task, **kwargs)
    print(f"{task:21} {label:55} " + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()), flush=True)


for task in TASKS:
    report("default stand-in", task, dense=DEFAULT)
    report("+ own embedding centred on the session x1", task, dense=DEFAULT + [(centred, 1.0)])
    report("+ next turn's embedding x0.5", task, dense=DEFAULT + [(next_turn, 0.5)])
    report("+ next turn's embedding x1", task, dense=DEFAULT + [(next_turn, 1.0)])
report("+ own x counsellor's turn before, elementwise, x5", "client talk",
       dense=DEFAULT + [(L6 * counsellor_before, 5.0)])
report("+ own x counsellor's turn before, elementwise, x10", "client talk",
       dense=DEFAULT + [(L6 * counsellor_before, 10.0)])
report("fast stand-in (TF-IDF only)", "client talk", dense=[])
report("fast + the turn before's char n-grams", "client talk", dense=[], extra_text=[(prev_text, CHARS)])
report("fast + first word x words of the turn before", "client talk", dense=[],
       extra_text=[(conjunction, dict(token_pattern=r"\S+"))])
report("fast + position in the session", "client talk", dense=[(position, 1.0)])
report("fast, C = 2", "client talk", dense=[], C=2.0)
report("fast, C = 10", "client talk", dense=[], C=10.0)
if "--mlp" in sys.argv:
    raw = {"plain": np.hstack([L6, L3, counsellor_before]),
           "with centred": np.hstack([L6, L3, counsellor_before, centred])}
    heads = {f"{k}, {h} units, seed {s}": (r, dict(hidden_layer_sizes=(h,), alpha=10.0, random_state=s))
             for k, r in raw.items() for h in (64, 128) for s in (0, 1)}
    report("default stand-in averaged 1:1 with an MLP head", "client talk", dense=DEFAULT, heads=heads)
