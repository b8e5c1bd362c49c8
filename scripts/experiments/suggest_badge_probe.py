"""Issue 15 probe: BADGE (Ash et al. 2020) over a pool of places.

BADGE picks a batch that is both uncertain and diverse in one step: each candidate's
*gradient embedding* is the gradient of the loss it would give under its predicted class
with respect to the last linear layer, ``(p - e_yhat) (x) [z, 1]``, so its length grows
with uncertainty and its direction says which decision boundary, in which part of the
feature space, the label would move. k-means++ seeding on these embeddings (each next pick
drawn with probability proportional to its squared distance from the picks so far) then
spreads the batch over distinct questions. Here the linear layer is the plugin's band
correction, so ``z`` are the standardised bands it reads, and ``p`` the map's probabilities
(propagated when the plugin kept the propagation).

* ``badge, shipped pool``: the shipped suggester's 4N best places (spread out on the map,
  representative), N kept by BADGE;
* ``badge, random pool x8``: 8N random free places, N kept by BADGE (BADGE's own setting:
  it needs no spacing rule);
* ``badge, sampled first, random pool x8``: the same, the first pick also drawn (with
  probability proportional to the embedding's squared length) instead of the longest.

Simulated analyst as ``core.evaluate_suggestions`` runs it (start 5 labels per class, 2
rounds of +N), the scenes split over two worker processes::

    .venv/bin/python scripts/experiments/suggest_badge_probe.py OUT.csv --seed 1 \\
        --draws 4 --scenes salinas_a,s2_slovenia_d4,enmap_potsdam,\\
landsat7_open_geo_tutorial,muufl_gulfport_crop,rstoolbox_sen2,teamlucc_l5sr_1986,\\
teamlucc_l5sr_2001

Measured on 28 Nov 2026, session 9 (seed 1, 4 draws, the 8 scenes; 3.5 min on 2 cores), OA
after 2 rounds minus random (worst scene): shipped suggester +1.5 (teamlucc 1986 -0.6);
BADGE over the shipped pool +0.7 (Salinas-A -1.3), over 8N random places +0.4 (Slovenia
-6.2), the same with the first pick sampled +0.8 (Slovenia -2.9). Not shipped.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)

#: each variant's pool, in multiples of N
VARIANTS = {"badge, shipped pool": 4, "badge, random pool x8": 8,
            "badge, sampled first, random pool x8": 8}


def gradient_embedding(sd, probs: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """(len(idx), N (B + 1)) ``(p - e_yhat) (x) [z, 1]`` of the flat pixels ``idx``."""
    p = probs.reshape(sd.n_classes, -1)[:, idx].T.astype(np.float64)
    g = p.copy()
    g[np.arange(idx.size), p.argmax(1)] -= 1.0
    z = sd.features[sd.position[idx]][:, -sd.n_bands:].astype(np.float64)
    z = np.column_stack([z, np.ones(idx.size)])
    return (g[:, :, None] * z[:, None, :]).reshape(idx.size, -1)


def kmeans_pp(emb: np.ndarray, n: int, rng: np.random.Generator,
              seeds: np.ndarray | None = None) -> list:
    """k-means++ seeding: the longest embedding first (unless ``seeds`` start it), then
    each pick drawn with probability proportional to its squared distance from the picks."""
    picks: list = []
    if seeds is not None and len(seeds):
        d2 = ((emb[:, None, :] - seeds[None, :, :]) ** 2).sum(2).min(1)
    else:
        first = int(np.argmax((emb ** 2).sum(1)))
        picks.append(first)
        d2 = ((emb - emb[first]) ** 2).sum(1)
    while len(picks) < min(n, emb.shape[0]):
        w = d2.copy()
        w[picks] = 0.0
        if w.sum() <= 0:
            rest = [i for i in range(emb.shape[0]) if i not in picks]
            picks.append(rest[0])
        else:
            picks.append(int(rng.choice(emb.shape[0], p=w / w.sum())))
        d2 = np.minimum(d2, ((emb - emb[picks[-1]]) ** 2).sum(1))
    return picks


def rerank(loaded, sd, labelled, pool, probs, strategy, seed) -> np.ndarray:
    """The pool's places in BADGE's order of picking (the rest after them)."""
    rng = np.random.default_rng([seed, 4177, labelled.size])
    emb = gradient_embedding(sd, probs, pool)
    seeds = np.zeros((1, emb.shape[1])) if "sampled first" in strategy else None
    picks = kmeans_pp(emb, sd.n_classes, rng, seeds)
    rest = [i for i in np.argsort(-(emb ** 2).sum(1), kind="stable") if i not in picks]
    return np.asarray(picks + rest)


def run_scene(job: tuple) -> list:
    return probe_runner.pool_rerank_scene(job, list(VARIANTS), rerank, VARIANTS)


if __name__ == "__main__":
    probe_runner.analyst_main(run_scene)
