"""Issue 12 probe: the meta-learned embedding as extra inputs of the band correction.

The shipped correction is a linear model on the standardised bands with the (scaled)
prototype head as its prior; the embedding only reaches it through that head. Here the
correction also reads the embedding (E columns, standardised over the scene's query
pixels: unlabelled pixels, fair to use) so that a linear fit on five clicks can use the
network's non-linear features directly. Inductive OA on the evaluation's seeded draws
(K=5, points and polygons, draws 0/1/3/4, leave-one-scene-out fold models)::

    .venv/bin/python scripts/experiments/embedding_inputs_probe.py /tmp/emb.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)
from probe_runner import FOLDS  # noqa: E402

DRAWS = (0, 1, 3, 4)


def run_scene(name: str, k: int = 5) -> list:
    import torch
    import torch.nn.functional as F
    from metamapper.core.adapt import adapt, fit_band_correction
    from metamapper.core.evaluate import _metrics
    from metamapper.core.metatrain.tune_adaptation import fold_scene, mapped_draws

    torch.set_num_threads(1)
    scene, loaded, ctx = fold_scene(name, FOLDS)
    l2 = float(loaded.card["band_correction"].get("l2", 0.05))
    records = []
    for style, i, d, xs, xq in mapped_draws(scene, loaded.card, ctx, k, max(DRAWS) + 1,
                                            DRAWS):
        n = len(d.classes)
        clf = adapt(loaded, xs, d.support_y, n, device="cpu", seed=i, transductive=False)
        dim = clf.input_dim
        with torch.no_grad():
            es, eq = clf.embed(xs), clf.embed(xq)
            hs = F.linear(es, clf.head_weight, clf.head_bias)
            hq = F.linear(eq, clf.head_weight, clf.head_bias)
        mu, sd = eq.mean(0), eq.std(0).clamp_min(1e-6)
        es_z, eq_z = (es - mu) / sd, (eq - mu) / sd
        zs, zq = torch.from_numpy(xs[:, dim:]).float(), torch.from_numpy(xq[:, dim:]).float()
        y = torch.from_numpy(d.support_y).long()
        variants = {
            "shipped": (hs, hq, zs, zq, l2),
            "bands+emb": (hs, hq, torch.cat([zs, es_z], 1), torch.cat([zq, eq_z], 1), l2),
            "bands+emb l2x2": (hs, hq, torch.cat([zs, es_z], 1), torch.cat([zq, eq_z], 1),
                               2 * l2),
            "emb only": (hs, hq, es_z, eq_z, l2),
            "bands+emb no prior": (0 * hs, 0 * hq, torch.cat([zs, es_z], 1),
                                   torch.cat([zq, eq_z], 1), l2),
        }
        for vname, (bs, bq, fs, fq, lam) in variants.items():
            w, c = fit_band_correction(bs, fs, y, n, lam, 100)
            pred = (bq + F.linear(fq, w, c)).argmax(1).numpy()
            m = _metrics(d.query_y, pred, n)
            m.update(scene=scene.name, style=style, k=k, draw=i, method=vname)
            records.append(m)
    return records


def summary(path: str) -> None:
    oa = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for r in map(json.loads, f):
            oa[(r["style"], r["method"], r["scene"])].append(r["oa"])
    methods = sorted({m for _, m, _ in oa})
    for style in ("points", "polygons"):
        print(f"{style}: mean OA over the scenes")
        for m in methods:
            per = [np.mean(v) for (st, mm, _), v in oa.items() if st == style and mm == m]
            print(f"  {m:32s} {np.mean(per):.3f}")


if __name__ == "__main__":
    probe_runner.main(run_scene, summary)
