#!/usr/bin/env python3
"""Research probe, not part of the product: what does fine-tuning all-MiniLM-L6-v2
buy over the frozen encoder that `rapport` ships?

Fine-tunes the encoder (all layers, or only the top ones) with one head per speaker
(counsellor behaviour: 4 codes; client talk: 3 codes), scored by the same 5-fold
cross-validation grouped by `video_url` as the peer (`../shared/tools/peer_baseline.py`).
Needs PyTorch, transformers, tokenizers, safetensors and scikit-learn: it was run once on
a lent GPU machine, and its output is quoted in docs/research.md.

  python3 finetune_probe.py DIR [OUT]

DIR holds annomi-dev.csv, config.json, tokenizer.json and the encoder's weights as
model16.safetensors (float16 to travel light; promoted to float32 here). OUT receives
the out-of-fold probabilities of every configuration (.npz) for later analysis."""
import csv, os, sys, time, random
import numpy as np
import torch
from torch import nn
from tokenizers import Tokenizer
from transformers import BertConfig, BertModel
from safetensors.torch import load_file
from sklearn.model_selection import GroupKFold
from sklearn.metrics import f1_score, cohen_kappa_score
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union

DIR = sys.argv[1]
OUT = sys.argv[2] if len(sys.argv) > 2 else None
DEV = "cuda" if torch.cuda.is_available() else "cpu"
COUNSELLOR = ["question", "therapist_input", "reflection", "other"]
CLIENT = ["change", "neutral", "sustain"]
SPEAKER = {"therapist": "counsellor", "client": "client"}

rows = list(csv.DictReader(open(os.path.join(DIR, "annomi-dev.csv"), newline="")))
by_transcript = {}
for r in rows:
    by_transcript.setdefault(r["transcript_id"], []).append(r)
items = []
for tid, rs in by_transcript.items():
    rs.sort(key=lambda r: int(r["utterance_id"]))
    for i, r in enumerate(rs):
        turn = lambda j: f'{SPEAKER[rs[j]["interlocutor"]]}: {rs[j]["utterance_text"]}' if 0 <= j < len(rs) else ""
        counsellor = r["interlocutor"] == "therapist"
        label = COUNSELLOR.index(r["main_therapist_behaviour"]) if counsellor else CLIENT.index(r["client_talk_type"])
        items.append(dict(text=r["utterance_text"], prev=turn(i - 1), prev2=turn(i - 2), next=turn(i + 1),
                          counsellor=counsellor, label=label, group=r["video_url"]))
print(f"{len(items)} utterances, {len(by_transcript)} transcripts, {len({x['group'] for x in items})} videos, device {DEV}", flush=True)

tok = Tokenizer.from_file(os.path.join(DIR, "tokenizer.json"))
tok.no_padding()
tok.enable_truncation(max_length=160, strategy="longest_first")
config = BertConfig.from_json_file(os.path.join(DIR, "config.json"))
weights = {k: v.float() if v.is_floating_point() else v for k, v in load_file(os.path.join(DIR, "model16.safetensors")).items()}


def second_segment(x, context):
    if context == "own":
        return None
    if context == "prev":
        return x["prev"]
    if context == "prev2":
        return f'{x["prev2"]} | {x["prev"]}'
    if context == "prev+next":
        return f'{x["prev"]} | next {x["next"]}'
    raise ValueError(context)


def encode(sel, context):
    out = []
    for x in sel:
        b = second_segment(x, context)
        e = tok.encode(x["text"], b) if b is not None else tok.encode(x["text"])
        out.append((e.ids, e.type_ids))
    return out


class Coder(nn.Module):
    def __init__(self, train_layers):
        super().__init__()
        self.bert = BertModel(config, add_pooling_layer=False)
        missing, unexpected = self.bert.load_state_dict(weights, strict=False)
        assert not [m for m in missing if "position_ids" not in m], missing
        self.drop = nn.Dropout(0.1)
        self.heads = nn.ModuleList([nn.Linear(config.hidden_size, len(CLIENT)), nn.Linear(config.hidden_size, len(COUNSELLOR))])
        if train_layers is not None:
            for p in self.bert.embeddings.parameters():
                p.requires_grad = False
            for layer in self.bert.encoder.layer[: config.num_hidden_layers - train_layers]:
                for p in layer.parameters():
                    p.requires_grad = False

    def forward(self, ids, types, mask):
        h = self.bert(input_ids=ids, token_type_ids=types, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).float()
        pooled = self.drop((h * m).sum(1) / m.sum(1))
        return self.heads[0](pooled), self.heads[1](pooled)


def batches(enc, idx, size, shuffle, rng):
    idx = list(idx)
    if shuffle:
        rng.shuffle(idx)
    else:
        idx.sort(key=lambda i: len(enc[i][0]))
    for s in range(0, len(idx), size):
        chunk = idx[s : s + size]
        n = max(len(enc[i][0]) for i in chunk)
        ids = torch.zeros((len(chunk), n), dtype=torch.long)
        types = torch.zeros_like(ids)
        mask = torch.zeros_like(ids)
        for row, i in enumerate(chunk):
            a, t = enc[i]
            ids[row, : len(a)] = torch.tensor(a)
            types[row, : len(a)] = torch.tensor(t)
            mask[row, : len(a)] = 1
        yield chunk, ids.to(DEV), types.to(DEV), mask.to(DEV)


def class_weights(train_idx, counsellor):
    k = len(COUNSELLOR) if counsellor else len(CLIENT)
    y = np.array([items[i]["label"] for i in train_idx if items[i]["counsellor"] == counsellor])
    counts = np.bincount(y, minlength=k).astype(float)
    return torch.tensor(len(y) / (k * np.maximum(counts, 1)), dtype=torch.float, device=DEV)


def run(name, context, train_layers, epochs=4, lr=8e-5, seed=13):
    t0 = time.time()
    enc = encode(items, context)
    probs = [None] * len(items)
    groups = [x["group"] for x in items]
    for fold, (tr, te) in enumerate(GroupKFold(n_splits=5).split(items, groups=groups)):
        torch.manual_seed(seed + fold)
        rng = random.Random(seed + fold)
        model = Coder(train_layers).to(DEV)
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
        steps = epochs * ((len(tr) + 31) // 32)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, s / (0.1 * steps)) * max(0.0, (steps - s) / (0.9 * steps)))
        losses = [nn.CrossEntropyLoss(weight=class_weights(tr, False)), nn.CrossEntropyLoss(weight=class_weights(tr, True))]
        model.train()
        for _ in range(epochs):
            for chunk, ids, types, mask in batches(enc, tr, 32, True, rng):
                with torch.autocast(DEV, dtype=torch.bfloat16, enabled=DEV == "cuda"):
                    outs = model(ids, types, mask)
                loss = 0.0
                for head in (0, 1):
                    rows_ = [r for r, i in enumerate(chunk) if items[i]["counsellor"] == bool(head)]
                    if rows_:
                        y = torch.tensor([items[chunk[r]]["label"] for r in rows_], device=DEV)
                        loss = loss + losses[head](outs[head][rows_].float(), y) * len(rows_) / len(chunk)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
        model.eval()
        with torch.no_grad():
            for chunk, ids, types, mask in batches(enc, te, 128, False, None):
                with torch.autocast(DEV, dtype=torch.bfloat16, enabled=DEV == "cuda"):
                    outs = model(ids, types, mask)
                for r, i in enumerate(chunk):
                    probs[i] = torch.softmax(outs[int(items[i]["counsellor"])][r].float(), -1).cpu().numpy()
    report(name, probs, time.time() - t0)
    return probs


def report(name, probs, secs):
    line = [f"{name:<28}"]
    for counsellor, label in ((True, "counsellor"), (False, "client")):
        sel = [i for i, x in enumerate(items) if x["counsellor"] == counsellor]
        y = [items[i]["label"] for i in sel]
        p = [int(np.argmax(probs[i])) for i in sel]
        line.append(f"{label} F1 {f1_score(y, p, average='macro'):.3f} kappa {cohen_kappa_score(y, p):.3f}")
    print("  ".join(line) + f"  ({secs:.0f} s)", flush=True)


def peer():
    """The peer's TF-IDF logistic regression, out of fold on the same split, for ensembles."""
    probs = [None] * len(items)
    for counsellor in (True, False):
        sel = [i for i, x in enumerate(items) if x["counsellor"] == counsellor]
        x = [items[i]["text"] for i in sel]
        y = [items[i]["label"] for i in sel]
        g = [items[i]["group"] for i in sel]
        for tr, te in GroupKFold(n_splits=5).split(x, y, g):
            clf = make_pipeline(
                make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                           TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
                LogisticRegression(max_iter=3000, C=5, class_weight="balanced"))
            clf.fit([x[i] for i in tr], [y[i] for i in tr])
            for i, p in zip(te, clf.predict_proba([x[i] for i in te])):
                probs[sel[i]] = p
    return probs


results = {"peer": peer()}
report("peer (tf-idf, per speaker)", results["peer"], 0)
configs = [
    ("full, own", "own", None),
    ("full, prev", "prev", None),
    ("full, prev+next", "prev+next", None),
    ("full, prev2", "prev2", None),
    ("top 2 layers, prev+next", "prev+next", 2),
    ("top 1 layer, prev+next", "prev+next", 1),
]
only = os.environ.get("PROBE_ONLY")
for name, context, layers in configs:
    if only and only not in name:
        continue
    results[name] = run(name, context, layers)
    mix = [0.5 * a + 0.5 * b for a, b in zip(results[name], results["peer"])]
    report(f"  + peer, averaged", mix, 0)
if OUT:
    os.makedirs(OUT, exist_ok=True)
    # probabilities padded to 4 columns: client rows use the first 3
    pad = lambda p: np.pad(p, (0, 4 - len(p)))
    np.savez_compressed(os.path.join(OUT, "oof.npz"),
                        names=np.array(list(results)),
                        probs=np.array([[pad(p) for p in ps] for ps in results.values()]),
                        labels=np.array([x["label"] for x in items]),
                        counsellor=np.array([x["counsellor"] for x in items]),
                        groups=np.array([x["group"] for x in items]))
