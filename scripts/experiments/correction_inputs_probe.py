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

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)
from probe_runner import FOLDS, corrected_record, head_draws  # noqa: E402


def run_scene(name: str, k: int = 5) -> list:
    import torch
    from metamapper.core.evaluate import _region_idx
    from metamapper.core.metatrain.tune_adaptation import fold_scene

    torch.set_num_threads(1)
    scene, loaded, ctx = fold_scene(name, FOLDS)
    region_idx = _region_idx(scene, 0)
    mu, sd = ctx[region_idx].mean(0), ctx[region_idx].std(0)
    sd = np.where(sd > 0, sd, 1.0)
    records = []
    for h in head_draws(scene, loaded, ctx, k):
        inputs = {
            "robust": (h.bands_s, h.bands_q),
            "meanstd": (torch.from_numpy((ctx[h.draw.support_idx] - mu) / sd).float(),
                        torch.from_numpy((ctx[h.draw.query_idx] - mu) / sd).float()),
        }
        for zname, (zs, zq) in inputs.items():
            for prior in ("card", "none"):
                s = 1.0 if prior == "card" else 0.0
                for l2name, l2 in (("0.05", 0.05), ("0.5/n", 0.5 / h.y.numel()),
                                   ("0.02", 0.02)):
                    records.append(corrected_record(
                        s * h.head_s, s * h.head_q, zs, zq, h.y, l2, h.draw,
                        h.meta(scene.name, k, f"{zname} prior={prior} l2={l2name}")))
    return records


if __name__ == "__main__":
    probe_runner.main(run_scene, probe_runner.print_summary)
