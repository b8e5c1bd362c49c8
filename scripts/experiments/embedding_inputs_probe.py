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

import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)


def variants(h, l2: float) -> dict:
    import torch

    with torch.no_grad():
        es, eq = h.clf.embed(h.xs), h.clf.embed(h.xq)
    mu, sd = eq.mean(0), eq.std(0).clamp_min(1e-6)
    es_z, eq_z = (es - mu) / sd, (eq - mu) / sd
    both_s, both_q = torch.cat([h.bands_s, es_z], 1), torch.cat([h.bands_q, eq_z], 1)
    zero_s, zero_q = 0 * h.head_s, 0 * h.head_q
    return {
        "shipped": (h.head_s, h.head_q, h.bands_s, h.bands_q, l2),
        "bands+emb": (h.head_s, h.head_q, both_s, both_q, l2),
        "bands+emb l2x2": (h.head_s, h.head_q, both_s, both_q, 2 * l2),
        "emb only": (h.head_s, h.head_q, es_z, eq_z, l2),
        "bands+emb no prior": (zero_s, zero_q, both_s, both_q, l2),
    }


if __name__ == "__main__":
    probe_runner.main(partial(probe_runner.corrected_scene, variants=variants),
                      probe_runner.print_summary)
