"""Issue 15 probe: suggest typical pixels of large, uncertain, unlabelled clusters.

With five labels per class the model has not seen whole kinds of pixels yet; a label in the
middle of such a kind (TypiClust: Hacohen, Dekel, Weinshall, ICML 2022, "Active learning on a
budget") teaches more than one on a mixed boundary pixel, which is where margin sampling
goes. The variants cluster the scene's pixels in the model's own input space (the mapped
features, standardised, 16 principal components; k-means with k = labels + N, as TypiClust
does), then take N clusters by a score and, in each, the most typical answerable pixel
(highest density: inverse mean distance to its 20 nearest cluster members):

* ``typiclust``: the largest clusters that hold no label yet;
* ``cluster mass``: the clusters with the largest summed uncertainty (1 - margin of the
  map's probabilities), labelled ones at half weight;
* ``cluster mass, uncovered``: the same, among clusters without a label first.

Simulated analyst as ``core.evaluate_suggestions`` runs it (start 5 labels per class, 2
rounds of +N), the scenes split over two worker processes::

    .venv/bin/python scripts/experiments/suggest_cluster_probe.py OUT.csv --seed 1 \\
        --draws 4 --scenes salinas_a,s2_slovenia_d4,...   (--oracle: the bound below)

Measured on 28 Nov 2026 (seed 1, 4 draws, the 8 scenes of docs/suggestions_variants.md that
start below 1.0 OA; 5 min on 2 cores), OA after 2 rounds minus random (worst scene):
shipped suggester +1.5 (teamlucc 1986 -0.6), typiclust +0.6 (Slovenia -2.9), cluster mass
+1.1 (teamlucc 2001 -0.3), cluster mass among unlabelled clusters +1.2 (Slovenia -1.4).
None beats the shipped margin-based suggester; not shipped.

``--oracle`` reads the ground truth and labels N pixels the current map gets wrong (3 min):
+0.3 on average, teamlucc 1986 -4.6 and Slovenia -2.2. Labelling the map's errors is not
what helps a five-shot model most (many are mixed or atypical pixels); the shipped
suggester's +1.5 is above that oracle.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)

VARIANTS = ("typiclust", "cluster mass", "cluster mass, uncovered")
#: not a method: reads the ground truth to pick N pixels the map gets wrong (``--oracle``),
#: a bound on what any choice of N places can gain on this protocol
ORACLE = "oracle: wrong pixels"
PCA_DIMS = 16
FIT_PIXELS = 20000
DENSITY_K = 20
MEMBERS = 2000


def _space(sd) -> np.ndarray:
    """(n_valid, PCA_DIMS) standardised principal components of the mapped features."""
    x = sd.features.astype(np.float64)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)
    rng = np.random.default_rng(0)
    sub = x[rng.choice(x.shape[0], min(x.shape[0], FIT_PIXELS), replace=False)]
    _, _, vt = np.linalg.svd(sub - sub.mean(axis=0), full_matrices=False)
    return (x @ vt[:PCA_DIMS].T).astype(np.float32)


def cluster_choose(variant: str, probs: np.ndarray, sd, labelled: np.ndarray, n: int,
                   seed: int, space: np.ndarray) -> np.ndarray:
    from metamapper.core.suggest import top_two
    from sklearn.cluster import KMeans

    taken = np.zeros(sd.valid.size, bool)
    taken[labelled] = True
    free = (sd.truth >= 0) & ~taken  # answerable, not yet labelled
    k = int(labelled.size) + n
    rng = np.random.default_rng(seed)
    fit = space[rng.choice(space.shape[0], min(space.shape[0], FIT_PIXELS), replace=False)]
    km = KMeans(n_clusters=min(k, fit.shape[0]), n_init=1, random_state=seed).fit(fit)
    assign = km.predict(space)  # per valid pixel
    n_clusters = km.cluster_centers_.shape[0]
    size = np.bincount(assign, minlength=n_clusters).astype(float)
    covered = np.zeros(n_clusters, bool)
    covered[assign[sd.position[labelled]]] = True
    _, p1, _, p2 = top_two(probs.reshape(sd.n_classes, -1)[:, sd.flat_valid])
    unc = 1.0 - (p1 - p2)
    mass = np.bincount(assign, weights=unc, minlength=n_clusters)
    if variant == "typiclust":
        score = np.where(covered, 0.0, size) + 1e-9 * size
    elif variant == "cluster mass":
        score = np.where(covered, 0.5, 1.0) * mass
    else:
        score = np.where(covered, 0.0, mass) + 1e-9 * mass
    free_valid = free[sd.flat_valid]  # per valid pixel
    picks: list = []
    for c in np.argsort(-score, kind="stable"):
        if len(picks) >= n:
            break
        members = np.flatnonzero(assign == c)
        cands = members[free_valid[members]]
        if cands.size == 0:
            continue
        ref = members if members.size <= MEMBERS else rng.choice(members, MEMBERS, replace=False)
        d = np.sqrt(((space[cands][:, None, :] - space[ref][None]) ** 2).sum(-1))
        kk = min(DENSITY_K + 1, ref.size)
        mean_d = np.sort(d, axis=1)[:, 1:kk].mean(axis=1) if kk > 1 else d[:, 0]
        picks.append(int(sd.flat_valid[cands[int(np.argmin(mean_d))]]))
    if len(picks) < n:  # fewer clusters with candidates than labels wanted: random fill
        rest = np.setdiff1d(np.flatnonzero(free), picks)
        picks += list(rng.choice(rest, min(n - len(picks), rest.size), replace=False))
    return np.asarray(picks, np.int64)


def run_scene(job: tuple) -> list:
    import torch
    from metamapper.core import evaluate_suggestions as es
    from metamapper.core.evaluate import _model_for
    from metamapper.core.model import bundled_model_path, load_model

    name, draws, seed, oracle = job
    torch.set_num_threads(1)
    shipped_choose = es.choose
    spaces: dict = {}

    def choose(strategy, probs, sd, labelled, n, rng, cfg, fitted=None):
        if strategy == ORACLE:
            taken = np.zeros(sd.valid.size, bool)
            taken[np.asarray(labelled, np.int64)] = True
            pred = probs.reshape(sd.n_classes, -1).argmax(axis=0)
            wrong = np.flatnonzero((sd.truth >= 0) & ~taken & (pred != sd.truth))
            if wrong.size >= n:
                return np.sort(rng.choice(wrong, n, replace=False))
            return shipped_choose("random", probs, sd, labelled, n, rng, cfg, fitted)
        if strategy in VARIANTS:
            if sd.name not in spaces:
                spaces[sd.name] = _space(sd)
            return cluster_choose(strategy, probs, sd, np.asarray(labelled, np.int64), n,
                                  int(cfg.seed), spaces[sd.name])
        return shipped_choose(strategy, probs, sd, labelled, n, rng, cfg, fitted)

    es.choose = choose
    scene = es.all_scenes([name])[0][0]
    loaded = load_model(_model_for(scene, bundled_model_path(), probe_runner.FOLDS))
    strategies = {"random": es.SHIPPED, "suggest": es.SHIPPED}
    strategies.update({v: es.SHIPPED for v in ((ORACLE,) if oracle else VARIANTS)})
    cfg = es.Config(draws=draws, seed=seed, strategies=strategies)
    return es.evaluate_scene(scene, loaded, cfg)


if __name__ == "__main__":
    probe_runner.analyst_main(run_scene, "oracle", "the ground-truth bound instead")
