"""Issue 15 probe: query by committee (Seung, Opper & Sompolinsky 1992) over a pool of places.

The shipped suggester ranks places by the adapted model's own margin (with neighbourhood
agreement, spacing and label distance). A committee asks a different question: where do
models adapted to different subsets of the same labels disagree? A place whose class
depends on which labels the model saw is one that a new label settles. The members are
the plugin's ``core.adapt`` (inductive, ~15 ms) on ``MEMBERS`` class-stratified bootstrap
resamples of the labelled pixels; disagreement is the mean KL divergence of each member's
class probabilities from the committee's mean (McCallum & Nigam 1998):

* ``committee, shipped pool``: the shipped suggester's 4N best places (spread out,
  representative), re-ranked by disagreement, N kept;
* ``committee x margin, shipped pool``: the same pool re-ranked by disagreement times the
  adapted model's uncertainty (1 - margin), so that both must agree;
* ``committee, random pool``: 4N random free places re-ranked by disagreement.

Simulated analyst as ``core.evaluate_suggestions`` runs it (start 5 labels per class, 2
rounds of +N), the scenes split over two worker processes::

    .venv/bin/python scripts/experiments/suggest_committee_probe.py OUT.csv --seed 1 \\
        --draws 4 --scenes salinas_a,s2_slovenia_d4,enmap_potsdam,\\
landsat7_open_geo_tutorial,muufl_gulfport_crop,rstoolbox_sen2,teamlucc_l5sr_1986,\\
teamlucc_l5sr_2001

Measured on 28 Nov 2026, session 8 (seed 1, 4 draws, the 8 scenes of the other suggestion
probes; 5.2 min on 2 cores), OA after 2 rounds minus random (worst scene): shipped
suggester +1.5 (teamlucc 1986 -0.6); committee over the shipped pool +1.3 (teamlucc 1986
-0.9), committee x margin +1.4 (MUUFL -0.5), committee over a random pool +1.1 (teamlucc
1986 -2.0). Landsat-7 gains (+6.1 with the margin, against +4.4); EnMAP loses (+0.2 against
+3.0). Not shipped.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)

VARIANTS = ("committee, shipped pool", "committee x margin, shipped pool",
            "committee, random pool")
POOL_FACTOR = 4
MEMBERS = 7


def disagreement(loaded, sd, labelled: np.ndarray, y: np.ndarray, cands: np.ndarray,
                 seed: int) -> np.ndarray:
    """(len(cands),) mean KL of the members' class probabilities from their mean."""
    import torch
    from metamapper.core.adapt import adapt

    rng = np.random.default_rng([seed, 977, labelled.size])
    sx = sd.features[sd.position[labelled]]
    cx = sd.features[sd.position[cands]]
    members = []
    for _ in range(MEMBERS):
        pick = np.concatenate([rng.choice(np.flatnonzero(y == k), int((y == k).sum()))
                               for k in np.unique(y)])  # stratified bootstrap
        clf = adapt(loaded, sx[pick], y[pick], sd.n_classes, device="cpu", seed=seed,
                    transductive=False)  # fmt: skip
        with torch.inference_mode():
            members.append(clf.predict_proba(cx).float().numpy())
    p = np.clip(np.stack(members), 1e-6, 1.0)  # (M, n, N)
    mean = p.mean(axis=0, keepdims=True)
    return (p * (np.log(p) - np.log(mean))).sum(axis=2).mean(axis=0)


def rerank(loaded, sd, labelled, pool, probs, strategy, seed) -> np.ndarray:
    """The pool's places by the committee's disagreement (x uncertainty), highest first."""
    from metamapper.core.suggest import top_two

    score = disagreement(loaded, sd, labelled, sd.truth[labelled], pool, seed)
    if "margin" in strategy:
        _, p1, _, p2 = top_two(probs.reshape(sd.n_classes, -1)[:, pool])
        score = score * (1.0 - (p1 - p2))
    return np.argsort(-score, kind="stable")


def run_scene(job: tuple) -> list:
    return probe_runner.pool_rerank_scene(job, VARIANTS, rerank, POOL_FACTOR)


if __name__ == "__main__":
    probe_runner.analyst_main(run_scene)
