"""Reads AnnoMI beside the embedding cache `embed_annomi` writes (f32 little-endian rows
plus a JSON index), in the cache's order: sessions as first seen, utterances by
utterance_id. Shared by the research probes; not part of the product."""
import csv, json
import numpy as np


def load(data, stem):
    """The AnnoMI rows in cache order, and the cached vectors (one row each)."""
    sessions, order = {}, []
    for r in csv.DictReader(open(data, newline="")):
        if r["transcript_id"] not in sessions:
            sessions[r["transcript_id"]] = []
            order.append(r["transcript_id"])
        sessions[r["transcript_id"]].append(r)
    items = [r for t in order for r in sorted(sessions[t], key=lambda r: int(r["utterance_id"]))]
    index = json.load(open(stem + ".json"))
    assert [s[0] for s in index["sessions"]] == order, "cache was built from another file"
    return items, np.fromfile(stem + ".f32", dtype="<f4").reshape(-1, index["dim"])
