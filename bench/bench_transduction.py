"""Adaptation with transduction: 1 Mpx region, 10 classes x 20 labelled pixels, 13 bands.

Times map_region's phases with the shipped card's label propagation (on) against the
inductive map (off) and the propagated map (a copy of the model with the card's support
check off, so that the per-pixel extension is timed whatever the check decides), and a
random forest fitted on the same pixels predicting the same region, in one run on this
machine. ``make bench`` runs it after bench_engine.py; results go to
``bench/results/transduction-latest.{json,md}``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_engine as be  # noqa: E402  (sets up the package path)
import rasterio  # noqa: E402
from metamapper.core.model import save_card_variant  # noqa: E402
from metamapper.core.pipeline import LabelledFeature, MapOptions, map_region  # noqa: E402
from rasterio.windows import Window  # noqa: E402


def points(coarse: np.ndarray, per_class: int, transform) -> list:
    """``per_class`` single labelled pixels per class, in the middle of uniform blocks."""
    rng = np.random.default_rng(3)
    feats = []
    for k in range(int(coarse.max()) + 1):
        rows, cols = np.nonzero(coarse[:32, :32] == k)
        for i in rng.choice(rows.size, min(per_class, rows.size), replace=rows.size < per_class):
            r, c = rows[i] * 32 + int(rng.integers(4, 28)), cols[i] * 32 + int(rng.integers(4, 28))
            x, y = transform * (c + 0.5, r + 0.5)
            feats.append(LabelledFeature({"type": "Point", "coordinates": [x, y]}, f"class_{k}"))
    return feats


def main() -> None:
    be.DATA.mkdir(parents=True, exist_ok=True)
    path = be.DATA / "bench-13b-10c-1024.tif"
    coarse = be.scene_raster(path, 1024, 13, n_classes=10)
    with rasterio.open(path) as ds:
        feats = points(coarse, 20, ds.transform)
    out: dict = {"machine": be.machine(), "region_px": 1024 * 1024, "classes": 10,
                 "labels_per_class": 20}
    # the propagated map whatever the support check would decide: the card's check off
    unchecked = save_card_variant(be.model_path(), be.DATA / "bench-unchecked.pt",
                                  "transductive", {"check": False})
    for key in ("transductive", "inductive", "transductive", "propagated"):  # 1st: warm-up
        t = time.perf_counter()
        res = map_region(str(path), feats, str(be.DATA / "bench-trans.tif"),
                         model_path=str(unchecked if key == "propagated" else be.model_path()),
                         options=MapOptions(device="cpu", transductive=key != "inductive",
                                            estimate_accuracy=False))
        out[key] = {"total_s": round(time.perf_counter() - t, 2),
                    "seconds": {k: round(v, 3) for k, v in res.seconds.items()},
                    "adapt_plus_transduction_s": round(res.seconds["adapt"]
                                                       + res.seconds.get("transduction", 0), 3),
                    "predict_mpx_s": round(1.048576 / res.seconds["predict"], 2)}
        with rasterio.open(be.DATA / "bench-trans.tif") as ds:
            out[key]["note"] = ds.tags().get("METAMAPPER_TRANSDUCTION", "")
    # random forest on the same support pixels, predicting the same region tile by tile
    from sklearn.ensemble import RandomForestClassifier

    with rasterio.open(path) as ds:
        xs, ys = [], []
        for f in feats:
            r, c = ds.index(*f.geometry["coordinates"])
            xs.append(ds.read(window=Window(c, r, 1, 1)).reshape(-1))
            ys.append(f.label)
        t = time.perf_counter()
        rf = RandomForestClassifier(100, n_jobs=-1, random_state=0).fit(np.array(xs), ys)
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        for r0 in range(0, 1024, 512):
            for c0 in range(0, 1024, 512):
                block = ds.read(window=Window(c0, r0, 512, 512)).reshape(13, -1).T
                rf.predict(block)
        out["random_forest"] = {"fit_s": round(fit_s, 3),
                                "predict_mpx_s": round(1.048576 / (time.perf_counter() - t), 2)}
    res_dir = be.RESULTS
    res_dir.mkdir(parents=True, exist_ok=True)
    (res_dir / "transduction-latest.json").write_text(json.dumps(out, indent=1))
    tr, ind, rf = out["transductive"], out["inductive"], out["random_forest"]
    pr = out["propagated"]
    md = [
        "# Adaptation with transduction (bench/bench_transduction.py)", "",
        f"{out['machine']}", "",
        "1024 x 1024 region, 13 bands, 10 classes x 20 labelled pixels, shipped card.", "",
        "| | adapt + transduction | predict | total |", "|---|---|---|---|",
        f"| MetaMapper, transduction on | {tr['adapt_plus_transduction_s']} s | "
        f"{tr['predict_mpx_s']} Mpx/s | {tr['total_s']} s |",
        f"| MetaMapper, inductive | {ind['adapt_plus_transduction_s']} s | "
        f"{ind['predict_mpx_s']} Mpx/s | {ind['total_s']} s |",
        f"| MetaMapper, propagation used (card's support check off) | "
        f"{pr['adapt_plus_transduction_s']} s | {pr['predict_mpx_s']} Mpx/s | {pr['total_s']} s |",
        f"| random forest (100 trees) | fit {rf['fit_s']} s | {rf['predict_mpx_s']} Mpx/s | |",
        "", f"Support check (transduction on): {tr['note']}", "",
        "The third row times the propagated map, whose per-pixel extension compares every "
        "pixel with every anchor (docs/transduction.md, Cost): what a run costs when the "
        "check keeps the propagation.", "",
    ]
    (res_dir / "transduction-latest.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
