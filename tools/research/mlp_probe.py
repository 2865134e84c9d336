#!/usr/bin/env python3
"""Research probe, not part of the product: does a small neural head over the frozen
all-MiniLM-L6-v2 embeddings, averaged with the logistic regression, beat the regression
alone? scikit-learn stand-ins for rapport-coder's blocks (TF-IDF word 1-2 + char_wb 2-5,
own embedding x0.5, the counsellor's turn before a client utterance x1), 5-fold GroupKFold
by video_url. Figures are quoted in docs/research.md.

  cargo run --release --manifest-path tools/research/probes/Cargo.toml --bin embed_annomi   # writes the cache (the last layer only, as read here)
  python3 tools/research/mlp_probe.py [annomi-dev.csv] [cache stem]
"""
import sys
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_union

import annomi_cache  # beside this script

data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/annomi/annomi-dev.csv"
stem = sys.argv[2] if len(sys.argv) > 2 else "/tmp/rapport-annomi-minilm"
items, E = annomi_cache.load(data, stem)
text = [r["utterance_text"].strip() for r in items]
counsellor = np.array([r["interlocutor"] == "therapist" for r in items])
group = np.array([r["video_url"] for r in items])
label = np.array([r["main_therapist_behaviour"] if c else r["client_talk_type"] for r, c in zip(items, counsellor)])
before = np.zeros_like(E)  # the counsellor's last utterance before each client utterance
last, session = None, None
for i, r in enumerate(items):
    if r["transcript_id"] != session:
        last, session = None, r["transcript_id"]
    if not counsellor[i] and last is not None:
        before[i] = E[last]
    if counsellor[i]:
        last = i

heads = {
    "lbfgs 64, alpha 10": dict(hidden_layer_sizes=(64,), solver="lbfgs", alpha=10.0, max_iter=300),
    "lbfgs 32, alpha 3": dict(hidden_layer_sizes=(32,), solver="lbfgs", alpha=3.0, max_iter=300),
    "adam 256, early stop": dict(hidden_layer_sizes=(256,), alpha=1e-2, early_stopping=True, max_iter=200),
}
for who in (True, False):
    sel = np.where(counsellor == who)[0]
    y, g = label[sel], group[sel]
    dense = np.hstack([E[sel] * 0.5, before[sel] * (0.0 if who else 1.0)])
    raw = E[sel] if who else np.hstack([E[sel], before[sel]])
    oof = {}
    for tr, te in GroupKFold(5).split(sel, y, g):
        vec = make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                         TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True))
        a = sp.hstack([vec.fit_transform([text[i] for i in sel[tr]]), dense[tr]]).tocsr()
        b = sp.hstack([vec.transform([text[i] for i in sel[te]]), dense[te]]).tocsr()
        lr = LogisticRegression(max_iter=3000, C=5, class_weight="balanced").fit(a, y[tr])
        classes = lr.classes_
        oof.setdefault("lr", np.zeros((len(sel), len(classes))))[te] = lr.predict_proba(b)
        for name, options in heads.items():
            mlp = MLPClassifier(random_state=0, **options).fit(raw[tr], y[tr])
            oof.setdefault(name, np.zeros((len(sel), len(classes))))[te] = mlp.predict_proba(raw[te])
    prior = np.array([np.mean(y == c) for c in classes])
    f1 = lambda p: f1_score(y, classes[p.argmax(1)], average="macro")
    print(f"{'counsellor' if who else 'client'}: logistic regression {f1(oof['lr']):.3f}")
    for name in heads:
        q = oof[name] / prior  # the MLP is unweighted: undo its class prior
        q /= q.sum(1, keepdims=True)
        print(f"  {name}: alone {f1(q):.3f}, averaged 1:1 {f1(0.5 * oof['lr'] + 0.5 * q):.3f}, "
              f"0.7:0.3 {f1(0.7 * oof['lr'] + 0.3 * q):.3f}")
