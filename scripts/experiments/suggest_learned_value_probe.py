"""Issue 15 probe: a learned value of a label, fitted on the other scenes.

The shipped suggester and the measured alternatives (expected error reduction, committee,
BADGE; docs/suggestions_directions.md) rank places by what the model believes. Here the
ranking is learned from what labels actually did on other scenes.

Phase 1 (``--collect``), for every scene, draw and candidate:
- Candidates are the shipped suggester's 4N best places at the start (5 labels per class,
  seed 1, the analyst's draws).
- Target: the query OA after adding that one label (read from the ground truth, adapted as
  the plugin does), minus the start's.
- Features (``FEATURES``): the map's top probability, its margin and entropy at the place;
  the share of the map given to the place's predicted class; the distance to the nearest
  label in pixels (over the scene's diagonal); the distance in standardised bands to the
  nearest label of the predicted class and to the nearest label of any class; the
  candidate's rank in the pool; the number of classes.

Phase 2 (the simulated analyst):
- Each scene's pool is re-ranked by a ridge regression fitted on the other scenes' records
  (leave one scene out), N kept, against the shipped order.

::

    .venv/bin/python scripts/experiments/suggest_learned_value_probe.py --collect GAINS.jsonl
    .venv/bin/python scripts/experiments/suggest_learned_value_probe.py OUT.csv --seed 1 \\
        --draws 4 --scenes salinas_a,s2_slovenia_d4,enmap_potsdam,\\
landsat7_open_geo_tutorial,muufl_gulfport_crop,rstoolbox_sen2,teamlucc_l5sr_1986,\\
teamlucc_l5sr_2001  # with METAMAPPER_GAINS=GAINS.jsonl

Measured on 28 Nov 2026, session 9 (collection 5 min, 528 records, mean single-label gain
+0.59 points; the analyst 2 min).
- Correlation of a label's gain with each feature: margin -0.23, top probability -0.20,
  band distance to the nearest label +0.11 to +0.12, entropy +0.11, the others within
  0.08.
- OA after 2 rounds minus random (worst scene): shipped suggester +1.5 (teamlucc 1986
  -0.6); the learned value over the shipped pool +0.8 (Salinas-A -1.4, Slovenia -0.9).
  Not shipped.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)

SCENES = ("salinas_a", "s2_slovenia_d4", "enmap_potsdam", "landsat7_open_geo_tutorial",
          "muufl_gulfport_crop", "rstoolbox_sen2", "teamlucc_l5sr_1986", "teamlucc_l5sr_2001")
FEATURES = ("p1", "margin", "entropy", "class_share", "map_distance", "band_distance_same",
            "band_distance_any", "pool_rank", "n_classes")
VARIANTS = ("learned value, shipped pool",)
POOL_FACTOR = 4


def features(sd, probs: np.ndarray, labelled: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """(len(pool), len(FEATURES)) of the pool's places."""
    n = sd.n_classes
    p = probs.reshape(n, -1)
    pc = np.clip(p[:, pool].T, 1e-9, 1.0)  # (P, N)
    order = np.sort(pc, axis=1)
    pred = pc.argmax(1)
    valid_pred = p[:, sd.flat_valid].argmax(0)
    share = np.bincount(valid_pred, minlength=n) / max(valid_pred.size, 1)
    w = sd.shape[1]
    rp, cp = np.divmod(pool, w)
    rl, cl = np.divmod(labelled, w)
    diag = float(np.hypot(*sd.shape))
    map_d = np.sqrt((rp[:, None] - rl[None]) ** 2 + (cp[:, None] - cl[None]) ** 2).min(1)
    zb = sd.features[:, -sd.n_bands:]
    zp, zl = zb[sd.position[pool]], zb[sd.position[labelled]]
    band_d = np.sqrt(((zp[:, None, :] - zl[None, :, :]) ** 2).sum(2))  # (P, L)
    ytrue = sd.truth[labelled]
    same = np.where(ytrue[None, :] == pred[:, None], band_d, np.inf).min(1)
    same = np.where(np.isfinite(same), same, band_d.max(1))
    scale = np.sqrt(sd.n_bands)
    return np.column_stack([
        order[:, -1], order[:, -1] - order[:, -2], -(pc * np.log(pc)).sum(1), share[pred],
        map_d / diag, same / scale, band_d.min(1) / scale,
        np.arange(pool.size) / pool.size, np.full(pool.size, n),
    ])


def collect_scene(name: str, draws: int = 4, seed: int = 1) -> list:
    """Phase 1 on one scene: one record per (draw, candidate)."""
    import torch
    from metamapper.core import evaluate_suggestions as es
    from metamapper.core.evaluate import DEFAULT_BLOCK, SCENE_BLOCKS, _model_for
    from metamapper.core.metatrain.episodes import draws as episode_draws
    from metamapper.core.metatrain.episodes import split_scene
    from metamapper.core.model import bundled_model_path, load_model

    torch.set_num_threads(1)
    scene = es.all_scenes([name])[0][0]
    loaded = load_model(_model_for(scene, bundled_model_path(), probe_runner.FOLDS))
    block, guard = SCENE_BLOCKS.get(scene.name, DEFAULT_BLOCK)
    split = split_scene(scene, block=block, guard=guard)
    sd = es.map_scene(scene, loaded.card, split.classes, seed)
    n = sd.n_classes
    out = []
    for i, d in enumerate(episode_draws(scene, split, es.START_K, draws, seed=seed)):
        s = seed * 1000 + i
        idx, y = d.support_idx.astype(np.int64), d.support_y.astype(np.int64)
        fit0 = es.fit_map(loaded, sd, idx, y, s)

        def oa(probs: np.ndarray, d=d) -> float:
            return float((probs.reshape(n, -1)[:, d.query_idx].argmax(0) == d.query_y).mean())

        base = oa(fit0.probs)
        rng = np.random.default_rng([seed, i, 7])
        pool = es.choose("suggest", fit0.probs, sd, idx, POOL_FACTOR * n, rng,
                         es.replace(es.SHIPPED, seed=s + 1), fit0)
        feats = features(sd, fit0.probs, idx, pool)
        for j, c in enumerate(pool):
            fitted = es.fit_map(loaded, sd, np.append(idx, c), np.append(y, sd.truth[c]), s)
            out.append(dict(scene=name, draw=i, gain=oa(fitted.probs) - base,
                            x=[float(v) for v in feats[j]]))
    return out


_MODELS: dict = {}


def _ridge(held_out: str):
    """Standardised ridge of gain on the features, fitted on the other scenes."""
    if held_out not in _MODELS:
        text = Path(os.environ["METAMAPPER_GAINS"]).read_text()
        recs = [json.loads(line) for line in text.splitlines()]
        train = [r for r in recs if r["scene"] != held_out]
        x = np.asarray([r["x"] for r in train])
        g = np.asarray([r["gain"] for r in train])
        mu, sd = x.mean(0), x.std(0) + 1e-9
        z = (x - mu) / sd
        a = np.linalg.solve(z.T @ z + 10.0 * np.eye(z.shape[1]), z.T @ (g - g.mean()))
        _MODELS[held_out] = (mu, sd, a)
    return _MODELS[held_out]


def rerank(loaded, sd, labelled, pool, probs, strategy, seed) -> np.ndarray:
    mu, s, a = _ridge(sd.name)
    value = ((features(sd, probs, labelled, pool) - mu) / s) @ a
    return np.argsort(-value, kind="stable")


def run_scene(job: tuple) -> list:
    return probe_runner.pool_rerank_scene(job, VARIANTS, rerank, POOL_FACTOR)


def main() -> None:
    if sys.argv[1] == "--collect":
        import multiprocessing as mp

        with open(sys.argv[2], "w", encoding="utf-8") as fh, \
                mp.get_context("spawn").Pool(2) as pool:
            for part in pool.imap_unordered(collect_scene, SCENES):
                for r in part:
                    fh.write(json.dumps(r) + "\n")
                fh.flush()
        recs = [json.loads(line) for line in Path(sys.argv[2]).read_text().splitlines()]
        x = np.asarray([r["x"] for r in recs])
        g = np.asarray([r["gain"] for r in recs])
        print(f"{len(recs)} records, mean gain {100 * g.mean():+.2f} points")
        for k, name in enumerate(FEATURES):
            print(f"  corr(gain, {name}) = {np.corrcoef(x[:, k], g)[0, 1]:+.3f}")
        return
    probe_runner.analyst_main(run_scene)


if __name__ == "__main__":
    main()
