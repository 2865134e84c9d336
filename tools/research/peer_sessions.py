#!/usr/bin/env python3
"""The peer baseline's session figures, for `rapport eval`'s to be read beside.

The peer (`peer_baseline.py`'s pipeline: TF-IDF word 1-2-grams + char_wb 2-5-grams,
logistic regression, C=5, balanced classes) is extended to the two sub-codes (question
open/closed on questions, reflection simple/complex on reflections), so that it counts
every MITI figure a session report shows. Scored by 5-fold cross-validation grouped by
video, as the peer is:

- ICC(A,1) of each session figure (R:Q, %CR, % open questions, change talk %) against the
  experts' codes, over the held-out sessions;
- counsellor and client macro-F1 and the session ICCs again on a copy of every held-out
  utterance lower-cased and without punctuation (as speech-to-text writes it; an
  apostrophe inside a word stays), coded by the same fold models;
- the AUC of a session-quality peer: TF-IDF word 1-2-grams of the counsellor's words of
  the whole session, logistic regression, on the original and the stripped copy.

  python3 -m pip install scikit-learn   # once
  python3 tools/research/peer_sessions.py ../shared/data/annomi/annomi-dev.csv

It prints in the peer's layout (`therapist: macro-F1 ...`), so `rapport eval --peer
tools/research/peer_sessions.py` reads it and shows its session figures beside Rapport's.
"""
import csv, re, sys
from collections import defaultdict

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline, make_union


def peer():
    return make_pipeline(
        make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                   TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        LogisticRegression(max_iter=3000, C=5, class_weight="balanced"))


def machine_like(text):
    """As rapport_coder::text::machine_like: lower case, punctuation gone but for an
    apostrophe inside a word, single spaces."""
    lower = text.lower()
    kept = []
    for i, c in enumerate(lower):
        inside = c == "'" and 0 < i < len(lower) - 1 and lower[i - 1].isalnum() and lower[i + 1].isalnum()
        kept.append(c if c.isalnum() or c.isspace() or inside else " ")
    return " ".join("".join(kept).split())


def icc_agreement(pairs):
    """ICC(A,1), two-way, absolute agreement, single measure (McGraw & Wong 1996)."""
    n, k = len(pairs), 2.0
    if n < 2:
        return None
    grand = sum(a + b for a, b in pairs) / (n * k)
    mean_a = sum(a for a, _ in pairs) / n
    mean_b = sum(b for _, b in pairs) / n
    rows = k * sum(((a + b) / k - grand) ** 2 for a, b in pairs)
    cols = n * ((mean_a - grand) ** 2 + (mean_b - grand) ** 2)
    total = sum((a - grand) ** 2 + (b - grand) ** 2 for a, b in pairs)
    err = max(total - rows - cols, 0.0)
    msr, msc, mse = rows / (n - 1), cols / (k - 1), err / (n - 1)
    den = msr + (k - 1) * mse + k * (msc - mse) / n
    return (msr - mse) / den if den > 0 else None


FIGURES = ("reflection_to_question_ratio", "percent_complex_reflections",
           "percent_open_questions", "change_talk_percent")


def figures(codes):
    """The four figures of a session's codes: (behaviour, question, reflection) for the
    counsellor, talk for the client."""
    c = defaultdict(float)
    for code in codes:
        if code[0] == "therapist":
            _, b, q, r = code
            if b == "question":
                c["q"] += 1
                c["q_" + q] += 1
            elif b == "reflection":
                c["r"] += 1
                c["r_" + r] += 1
        else:
            c["t_" + code[1]] += 1
    ratio = lambda a, b: a / b if b > 0 else None
    pct = lambda a, b: 100 * a / b if b > 0 else None
    return {
        "reflection_to_question_ratio": ratio(c["r"], c["q"]),
        "percent_complex_reflections": pct(c["r_complex"], c["r_simple"] + c["r_complex"]),
        "percent_open_questions": pct(c["q_open"], c["q_open"] + c["q_closed"]),
        "change_talk_percent": pct(c["t_change"], c["t_change"] + c["t_sustain"]),
    }


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/annomi/annomi-dev.csv"
    rows = list(csv.DictReader(open(path, newline="")))
    sessions = defaultdict(list)
    for r in rows:
        sessions[r["transcript_id"]].append(r)
    ids = sorted(sessions, key=int)
    groups = [sessions[i][0]["video_url"] for i in ids]
    expert = {i: figures(
        [("therapist", r["main_therapist_behaviour"], r["question_subtype"], r["reflection_subtype"])
         if r["interlocutor"] == "therapist" else ("client", r["client_talk_type"])
         for r in sessions[i]]) for i in ids}

    coded = {"original": {}, "machine-like": {}}
    truth_t, truth_c = [], []
    pred = {"original": ([], []), "machine-like": ([], [])}
    quality = {"original": ([], []), "machine-like": ([], [])}
    for train, test in GroupKFold(n_splits=5).split(ids, groups=groups):
        tr = [r for k in train for r in sessions[ids[k]]]
        ther = [r for r in tr if r["interlocutor"] == "therapist"]
        cli = [r for r in tr if r["interlocutor"] == "client"]
        ques = [r for r in ther if r["question_subtype"] in ("open", "closed")]
        refl = [r for r in ther if r["reflection_subtype"] in ("simple", "complex")]
        models = {}
        for name, sel, col in (("b", ther, "main_therapist_behaviour"), ("t", cli, "client_talk_type"),
                               ("q", ques, "question_subtype"), ("r", refl, "reflection_subtype")):
            models[name] = peer().fit([r["utterance_text"] for r in sel], [r[col] for r in sel])
        qual = [ids[k] for k in train if sessions[ids[k]][0]["mi_quality"] in ("high", "low")]
        words = lambda i, f: " ".join(f(r["utterance_text"]) for r in sessions[i] if r["interlocutor"] == "therapist")
        quality_model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                                      LogisticRegression(max_iter=3000, C=5, class_weight="balanced"))
        quality_model.fit([words(i, lambda t: t) for i in qual],
                          [sessions[i][0]["mi_quality"] == "high" for i in qual])
        for copy, f in (("original", lambda t: t), ("machine-like", machine_like)):
            for k in test:
                i = ids[k]
                rs = sessions[i]
                ther = [r for r in rs if r["interlocutor"] == "therapist"]
                cli = [r for r in rs if r["interlocutor"] == "client"]
                codes = []
                if ther:
                    texts = [f(r["utterance_text"]) for r in ther]
                    b, q, rr = (models[m].predict(texts) for m in "bqr")
                    codes += [("therapist", *x) for x in zip(b, q, rr)]
                    pred[copy][0].extend(b)
                    if copy == "original":
                        truth_t.extend(r["main_therapist_behaviour"] for r in ther)
                if cli:
                    t = models["t"].predict([f(r["utterance_text"]) for r in cli])
                    codes += [("client", x) for x in t]
                    pred[copy][1].extend(t)
                    if copy == "original":
                        truth_c.extend(r["client_talk_type"] for r in cli)
                coded[copy][i] = figures(codes)
                if rs[0]["mi_quality"] in ("high", "low"):
                    score = quality_model.predict_proba([words(i, f)])[0][1]
                    quality[copy][0].append(score)
                    quality[copy][1].append(rs[0]["mi_quality"] == "high")
    for copy in ("original", "machine-like"):
        print(f"== {copy}")
        print(f"therapist: macro-F1 {f1_score(truth_t, pred[copy][0], average='macro'):.3f}")
        print(f"client: macro-F1 {f1_score(truth_c, pred[copy][1], average='macro'):.3f}")
        print(f"  session quality AUC {roc_auc_score(quality[copy][1], quality[copy][0]):.3f}"
              f" ({len(quality[copy][1])} sessions)")
        for name in FIGURES:
            pairs = [(expert[i][name], coded[copy][i][name]) for i in ids
                     if expert[i][name] is not None and coded[copy][i][name] is not None]
            icc = icc_agreement(pairs)
            print(f"  {name:30} ICC(A,1) {icc:.3f} ({len(pairs)} sessions)")


if __name__ == "__main__":
    main()
