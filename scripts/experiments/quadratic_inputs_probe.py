"""Issue 12 probe: a quadratic band correction (a non-linear per-task learner, still convex).

The shipped correction is linear in the standardised bands; on the two-class Landsat-5
scenes (4 bands) a random forest or k-NN on the neighbourhood draws a better boundary.
Here the correction also reads the degree-2 products of the first ``p`` principal
components of the bands (PCA over the scene's query pixels: unlabelled, fair to use),
so the per-task fit can draw a quadric boundary (as QDA would) with the same L-BFGS and
L2. Inductive OA on the evaluation's seeded draws (K=5, points and polygons, draws
0/1/3/4, leave-one-scene-out fold models)::

    .venv/bin/python scripts/experiments/quadratic_inputs_probe.py /tmp/quad.jsonl
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)


def quadratic(zs, zq, p: int):
    """Degree-2 products of the first ``p`` principal components (of ``zq``), standardised
    over ``zq``: (n, p (p + 1) / 2) each."""
    import torch

    mu = zq.mean(0)
    _, _, vh = torch.linalg.svd(zq - mu, full_matrices=False)
    basis = vh[: min(p, vh.shape[0])].T
    ps, pq = (zs - mu) @ basis, (zq - mu) @ basis
    sd = pq.std(0).clamp_min(1e-6)
    ps, pq = ps / sd, pq / sd
    i, j = torch.triu_indices(ps.shape[1], ps.shape[1])
    qs, qq = ps[:, i] * ps[:, j], pq[:, i] * pq[:, j]
    m, s = qq.mean(0), qq.std(0).clamp_min(1e-6)
    return (qs - m) / s, (qq - m) / s


def variants(h, l2: float) -> dict:
    import torch

    out = {"shipped": (h.head_s, h.head_q, h.bands_s, h.bands_q, l2)}
    for p in (4, 8):
        qs, qq = quadratic(h.bands_s, h.bands_q, p)
        both_s, both_q = torch.cat([h.bands_s, qs], 1), torch.cat([h.bands_q, qq], 1)
        out[f"quad p{p}"] = (h.head_s, h.head_q, both_s, both_q, l2)
        out[f"quad p{p} l2x4"] = (h.head_s, h.head_q, both_s, both_q, 4 * l2)
    return out


if __name__ == "__main__":
    probe_runner.main(partial(probe_runner.corrected_scene, variants=variants),
                      probe_runner.print_summary)
