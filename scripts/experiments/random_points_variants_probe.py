"""The outside scoring's protocol (5 uniformly random labelled points per class, whole
scene, defaults) with the engine's propagation settings varied: ``core.pipeline.map_region``
directly (what ``fewshot_classify`` runs), each scene with its leave-one-scene-out model,
the same draws as ``processing_scenes_check.py``. Variants are model copies
whose card's ``transductive`` section changes (``spatial_weight``, ``prior_weight``, or
``check`` off: propagation always). Two worker processes::

    .venv/bin/python scripts/experiments/random_points_variants_probe.py OUT.json
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)
from processing_scenes_check import FOLDS, write_scene  # noqa: E402

#: name -> changes to the card's ``transductive`` section (a model copy per variant)
VARIANTS = {
    "default": {},
    "spatial 1.0": {"spatial_weight": 1.0},
    "spatial 2.0": {"spatial_weight": 2.0},
    "prior 0.2": {"prior_weight": 0.2},
    "always": {"check": False},
}


def run_scene(name: str, draws: int = 5, shots: int = 5) -> list:
    import rasterio
    import torch
    from metamapper.core.evaluate import _model_for
    from metamapper.core.metatrain.scenes import load_scenes
    from metamapper.core.model import bundled_model_path, save_card_variant
    from metamapper.core.pipeline import MapOptions, map_region
    from metamapper.core.sampling import LabelledFeature

    torch.set_num_threads(1)
    scene = load_scenes([name])[0][0]
    work = Path(tempfile.mkdtemp(prefix="mm-rp-"))
    tif = work / "scene.tif"
    write_scene(scene, tif, False)
    model = str(_model_for(scene, bundled_model_path(), FOLDS))
    lab = scene.labels.ravel()
    valid = np.isfinite(scene.cube).all(axis=2).ravel()
    classes = [c for c in np.unique(lab[valid & (lab > 0)])
               if ((lab == c) & valid).sum() > shots]
    models = {v: str(save_card_variant(model, work / f"{i}.pt", "transductive", change))
              for i, (v, change) in enumerate(VARIANTS.items())}
    out = []
    for d in range(draws):
        sup, qry = probe_runner.replay_pick(lab, valid, classes, shots, d)
        rows, cols = np.divmod(sup, scene.cube.shape[1])
        feats = [LabelledFeature({"type": "Point", "coordinates":
                                  [500000 + 10 * (c + 0.5), 5100000 - 10 * (r + 0.5)]}, int(y))
                 for r, c, y in zip(rows, cols, lab[sup])]
        for vname, path in models.items():
            res = map_region(str(tif), feats, str(work / "out.tif"), model_path=path,
                             options=MapOptions(device="cpu", estimate_accuracy=False))
            with rasterio.open(work / "out.tif") as ds:
                pred = ds.read(1).ravel()
            used = any(": used" in str(n) for n in res.notes)
            out.append({"scene": name, "draw": d, "variant": vname, "used": used,
                        "oa": float((pred[qry] == lab[qry]).mean())})
    shutil.rmtree(work, ignore_errors=True)
    return out


def main() -> None:
    import multiprocessing as mp

    from metamapper.core.metatrain.scenes import SHARED_SCENES

    records = []
    with mp.get_context("spawn").Pool(2) as pool:
        for part in pool.imap_unordered(run_scene, list(SHARED_SCENES)):
            records += part
            print(part[0]["scene"], flush=True)
    Path(sys.argv[1]).write_text(json.dumps(records))
    per = defaultdict(lambda: defaultdict(list))
    for r in records:
        per[r["variant"]][r["scene"]].append(r["oa"])
    base = {s: np.mean(v) for s, v in per["default"].items()}
    for v, sc in per.items():
        m = {s: np.mean(x) for s, x in sc.items()}
        diff = {s: m[s] - base[s] for s in m}
        worst, best = min(diff, key=diff.get), max(diff, key=diff.get)
        hard = np.mean([m["s2_slovenia"], m["enmap_potsdam"]])
        print(f"{v:12s} {np.mean(list(m.values())):.3f}  hard {hard:.3f}  worst {worst} "
              f"{100 * diff[worst]:+.1f}  best {best} {100 * diff[best]:+.1f}")


if __name__ == "__main__":
    main()
