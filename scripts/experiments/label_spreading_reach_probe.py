"""Why does scikit-learn's ``LabelSpreading`` baseline win on Sentinel-2 Slovenia alone?

The benchmark's baseline (``core.baselines.label_spreading_method``: k-NN kernel, 10
neighbours, ``alpha=0.2``, 30 iterations) leaves every node that no label reaches in 30
steps with an all-zero distribution; scikit-learn then reports the *first* class for it.
This probe counts, per scene and support style (K=5, draws 0/1/3/4), the share of query
pixels left unreached, the share of the first class among the queries, and OA of the
baseline as run, with ``alpha=0.99``, and with the unreached pixels given the class of
their nearest support pixel in the same space instead of the first class.

    .venv/bin/python scripts/experiments/label_spreading_reach_probe.py [SCENE ...]
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402,F401  (sets up the package path)

STATS: dict = defaultdict(list)
_CACHE: dict = {}


def _variants(task) -> dict:
    from metamapper.core.baselines import nearest_label, spreading_nodes
    from sklearn.semi_supervised import LabelSpreading

    feats, where = spreading_nodes(task)
    y = np.full(feats.shape[0], -1, np.int64)
    y[where[task.support_idx]] = task.support_y
    q = where[task.query_idx]
    out = {}
    for alpha in (0.2, 0.99):
        model = LabelSpreading(kernel="knn", n_neighbors=10, max_iter=30, alpha=alpha)
        with np.errstate(invalid="ignore", divide="ignore"):
            model.fit(feats, y)
        dist = model.label_distributions_[q]
        unreached = ~np.isfinite(dist).all(1) | (np.nan_to_num(dist).sum(1) == 0)
        out[f"ls_a{alpha}"] = model.transduction_[q]
        if alpha == 0.2:
            nearest = nearest_label(feats[q], feats[where[task.support_idx]], task.support_y)
            out["ls_a0.2_unreached_nn"] = np.where(unreached, nearest, out["ls_a0.2"])
            STATS["unreached"].append(unreached.mean())
            STATS["first_class"].append((task.query_y == 0).mean())
    return out


METHODS = ("ls_a0.2", "ls_a0.99", "ls_a0.2_unreached_nn")


def _method(name):
    from metamapper.core.baselines import Result

    def run(task):
        key = (task.seed, task.support_idx.tobytes(), task.query_idx.tobytes())
        if key not in _CACHE:
            _CACHE.clear()
            _CACHE[key] = _variants(task)
        return Result(np.asarray(_CACHE[key][name]).astype(np.int64), 0.0, 0.0)

    return run


def main(names) -> None:
    from metamapper.core.evaluate import Config, draw_records
    from metamapper.core.metatrain.scenes import SHARED_SCENES, load_scenes

    config = Config(shots=[5], styles=["points", "polygons"],
                    n_draws=max(probe_runner.DRAWS) + 1, supervised=False)
    print("scene style unreached first-class " + " ".join(METHODS))
    for name in names or list(SHARED_SCENES):
        scene = load_scenes([name])[0][0]
        for style in config.styles:
            STATS.clear()
            cfg = Config(shots=[5], styles=[style], n_draws=config.n_draws, supervised=False)
            recs = draw_records(scene, {m: _method(m) for m in METHODS}, cfg, None, None,
                                probe_runner.DRAWS, log=lambda m: None)
            oa = defaultdict(list)
            for r in recs:
                oa[r["method"]].append(r["oa"])
            if not recs:
                continue
            print(f"{name} {style} {np.mean(STATS['unreached']):.2f} "
                  f"{np.mean(STATS['first_class']):.2f} "
                  + " ".join(f"{np.mean(oa[m]):.3f}" for m in METHODS), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
