"""Issue 15 probe: expected error reduction (Roy & McCallum, ICML 2001) over a pool of places.

The shipped suggester ranks places by the adapted model's margin, weighted by how many
neighbours share the pixel's class and by the distance to the nearest label. Expected error
reduction asks the question directly: for a candidate pixel u and each class c it may hold
(weighted by the model's p(c | u)), adapt again on the labels + (u, c) and measure the
expected error of the new model over a sample of the region (mean of 1 - max_k p(k | x));
label the places whose expected error is lowest. Adapting is the plugin's ``core.adapt``
(inductive, about 15 ms on 30 labels), so a pool of P candidates costs 2P adaptations:

* ``eer, shipped pool``: the shipped suggester's 4N best places, re-ranked by EER, N kept;
* ``eer, random pool``: 4N random free places, re-ranked by EER (no margin prior).

Simulated analyst as ``core.evaluate_suggestions`` runs it (start 5 labels per class, 2
rounds of +N), the scenes split over two worker processes::

    .venv/bin/python scripts/experiments/suggest_eer_probe.py OUT.csv --seed 1 --draws 4 \\
        --scenes salinas_a,s2_slovenia_d4,...

Measured on 28 Nov 2026, session 7 (seed 1, 4 draws, the 8 scenes of the other suggestion
probes; 4.2 min on 2 cores), OA after 2 rounds minus random (worst scene): shipped
suggester +1.5 (teamlucc 1986 -0.6), EER over the shipped pool +1.3 (Slovenia -0.6), EER
over a random pool +1.0 (teamlucc 1986 -2.3). Landsat-7 gains (+5.6 / +5.4 against the
shipped +4.4); EnMAP loses (+1.3 / +2.0 against +3.0). The model's own expected error
favours labels that make it surer, not more right (on one draw of teamlucc 1986 the random
pool fell 5.8 points under random); not shipped.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)

VARIANTS = ("eer, shipped pool", "eer, random pool")
POOL_FACTOR = 4
RISK_PIXELS = 3000
TOP_CLASSES = 2


def expected_risk(loaded, sd, labelled: np.ndarray, y: np.ndarray, cands: np.ndarray,
                  probs: np.ndarray, seed: int) -> np.ndarray:
    """(len(cands),) expected mean error over a region sample after labelling each one."""
    import torch
    from metamapper.core.adapt import adapt

    rng = np.random.default_rng([seed, 31])
    risk_x = sd.features[rng.choice(sd.features.shape[0],
                                    min(RISK_PIXELS, sd.features.shape[0]), replace=False)]
    sx = sd.features[sd.position[labelled]]
    flat = probs.reshape(sd.n_classes, -1)
    out = np.zeros(cands.size)
    for i, u in enumerate(cands):
        pu = flat[:, u]
        top = np.argsort(-pu)[:TOP_CLASSES]
        w = pu[top] / max(pu[top].sum(), 1e-9)
        xu = sd.features[sd.position[u]][None]
        for c, wc in zip(top, w):
            clf = adapt(loaded, np.concatenate([sx, xu]), np.append(y, c), sd.n_classes,
                        device="cpu", seed=seed, transductive=False)
            with torch.inference_mode():
                p = clf.predict_proba(risk_x).float()
            out[i] += wc * float((1.0 - p.max(dim=1).values).mean())
    return out


def rerank(loaded, sd, labelled, pool, probs, strategy, seed) -> np.ndarray:
    """The pool's places by expected risk after labelling each, lowest first."""
    risk = expected_risk(loaded, sd, labelled, sd.truth[labelled], pool, probs, seed)
    return np.argsort(risk, kind="stable")


def run_scene(job: tuple) -> list:
    return probe_runner.pool_rerank_scene(job, VARIANTS, rerank, POOL_FACTOR)


if __name__ == "__main__":
    probe_runner.analyst_main(run_scene)
