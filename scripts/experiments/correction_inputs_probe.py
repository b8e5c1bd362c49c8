"""Issue 12 probe: how the band correction's inputs are standardised, and its L2 penalty.

The plugin's correction reads the robustly standardised bands (median / IQR, clipped at
+-10, ``core.band_mapping``) with a fixed L2 of 0.05 on the mean support loss; scikit-learn's
logistic regression baseline reads mean / std standardised bands with C = 1 on the summed
loss (0.5 / n on the mean). This scores both inputs, with the card's head prior or none, and
L2 in {0.05, 0.5 / n, 0.02}: inductive OA on the evaluation's seeded draws (K=5, points and
polygons, draws 0/1/3/4, leave-one-scene-out fold models). About 5 min on 2 cores::

    .venv/bin/python scripts/experiments/correction_inputs_probe.py /tmp/inputs.jsonl

Figures and the decision: docs/benchmarks_discussion.md ("Directions measured after card
1.1.0").
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
    from metamapper.core.evaluate import _metrics, _region_idx
    from metamapper.core.metatrain.tune_adaptation import fold_scene, mapped_draws

    torch.set_num_threads(1)
    scene, loaded, ctx = fold_scene(name, FOLDS)
    region_idx = _region_idx(scene, 0)
    mu, sd = ctx[region_idx].mean(0), ctx[region_idx].std(0)
    sd = np.where(sd > 0, sd, 1.0)
    records = []
    for style, i, d, xs, xq in mapped_draws(scene, loaded.card, ctx, k, max(DRAWS) + 1,
                                            DRAWS):
        n = len(d.classes)
        clf = adapt(loaded, xs, d.support_y, n, device="cpu", seed=i, transductive=False)
        dim = clf.input_dim
        with torch.no_grad():  # the head as the card scales it (prior_scale)
            hs = F.linear(clf.embed(xs), clf.head_weight, clf.head_bias)
            hq = F.linear(clf.embed(xq), clf.head_weight, clf.head_bias)
        inputs = {
            "robust": (torch.from_numpy(xs[:, dim:]).float(),
                       torch.from_numpy(xq[:, dim:]).float()),
            "meanstd": (torch.from_numpy((ctx[d.support_idx] - mu) / sd).float(),
                        torch.from_numpy((ctx[d.query_idx] - mu) / sd).float()),
        }
        y = torch.from_numpy(d.support_y).long()
        for zname, (zs, zq) in inputs.items():
            for prior in ("card", "none"):
                s = 1.0 if prior == "card" else 0.0
                for l2name, l2 in (("0.05", 0.05), ("0.5/n", 0.5 / y.numel()),
                                   ("0.02", 0.02)):
                    w, c = fit_band_correction(s * hs, zs, y, n, l2, 100)
                    pred = (s * hq + F.linear(zq, w, c)).argmax(1).numpy()
                    m = _metrics(d.query_y, pred, n)
                    m.update(scene=scene.name, style=style, k=k, draw=i,
                             method=f"{zname} prior={prior} l2={l2name}")
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
