"""The default map with label propagation, at map speed: 1 and 4 Mpx, one polygon per class.

Issue 32's rows, each side by side with a random forest in the same run on this machine:
13-band regions of 1024 x 1024 and 2048 x 2048 px, 10 classes with one labelled 5 x 5
polygon each (a class with one labelled feature leaves the support check nothing to hold
out, so propagation is used), ``map_region`` with the defaults ``fewshot_classify`` runs
(the shipped card: propagation distilled into the classifier), against the same run with
the exact per-pixel extension (a card copy with ``extension: exact``; 1 Mpx only: it costs
about 30 s per Mpx) and a random forest (100 trees, all cores) fitted on the same pixels
and predicting the same region tile by tile; each the median of REPEATS runs (this machine's
speed drifts by 10-20 % between runs). ``make bench`` runs it after bench_engine.py;
results go to ``bench/results/transduction-latest.{json,md}``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_engine as be  # noqa: E402  (sets up the package path)
import rasterio  # noqa: E402
from metamapper.core.model import save_card_variant  # noqa: E402
from metamapper.core.pipeline import MapOptions, map_region  # noqa: E402
from rasterio.windows import Window  # noqa: E402

CLASSES = 10
#: runs of the default map and of the forest per row; the medians are compared
REPEATS = 3


def random_forest(path: Path, feats: list, size: int) -> dict:
    """Fit on the polygons' pixels (read with the engine's sampler, not timed) + predict
    the ``size`` x ``size`` region at the raster's corner, 512 x 512 windows."""
    from metamapper.core.adapting.sampling import build_support
    from metamapper.core.reading.raster_io import open_raster_info
    from sklearn.ensemble import RandomForestClassifier

    info = open_raster_info(path)
    with rasterio.open(path) as ds:
        support = build_support(ds, info, feats, shots_cap=200, seed=be.SEED)
        t = time.perf_counter()
        rf = RandomForestClassifier(100, n_jobs=-1, random_state=0).fit(support.x, support.y)
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        for r0 in range(0, size, 512):
            for c0 in range(0, size, 512):
                block = ds.read(window=Window(c0, r0, 512, 512))
                rf.predict(block.reshape(block.shape[0], -1).T)
        predict_s = time.perf_counter() - t
    return {"fit_s": round(fit_s, 3), "predict_s": round(predict_s, 2),
            "total_s": round(fit_s + predict_s, 2)}


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label", default="latest",
                    help="results go to bench/results/transduction-<label>.{json,md}")
    label = ap.parse_args().label
    be.DATA.mkdir(parents=True, exist_ok=True)
    path = be.DATA / f"s2like-2048-13b-{CLASSES}c.tif"
    coarse = be.scene_raster(path, 2048, 13, n_classes=CLASSES)
    model = be.model_path()
    exact = str(save_card_variant(model, be.DATA / "bench-exact.pt", "transductive",
                                  {"extension": "exact"}))
    out: dict = {"machine": be.machine(), "classes": CLASSES, "rows": {}}
    with rasterio.open(path) as ds:
        transform = ds.transform
    warm = be.support_features(coarse, 1, 256, transform)
    map_region(str(path), warm, str(be.DATA / "bench-warm.tif"), model_path=model,
               region=[be.region_polygon(transform, 0, 0, 64, 64)],
               options=MapOptions(device="cpu"))  # torch's one-time start, not timed
    for side in (1024, 2048):
        feats = be.support_features(coarse, 1, side, transform)
        region = [be.region_polygon(transform, 0, 0, side, side)]
        row: dict = {}
        runs = []
        for _ in range(REPEATS):  # this machine's speed drifts: the median of a few runs
            t = time.perf_counter()
            res = map_region(str(path), feats, str(be.DATA / "bench-trans.tif"),
                             model_path=model, region=region, options=MapOptions(device="cpu"))
            runs.append((time.perf_counter() - t, res.seconds))
        total, seconds = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
        row["default"] = {"total_s": round(total, 2), "runs_s": [round(r[0], 2) for r in runs],
                          "seconds": {k: round(v, 3) for k, v in seconds.items()}}
        with rasterio.open(be.DATA / "bench-trans.tif") as ds:
            row["default"]["note"] = ds.tags().get("METAMAPPER_TRANSDUCTION", "")
        if side == 1024:
            t = time.perf_counter()
            map_region(str(path), feats, str(be.DATA / "bench-exact.tif"), model_path=exact,
                       region=region, options=MapOptions(device="cpu"))
            row["exact"] = {"total_s": round(time.perf_counter() - t, 2)}
        forests = sorted((random_forest(path, feats, side) for _ in range(REPEATS)),
                         key=lambda r: r["total_s"])
        row["random_forest"] = {**forests[len(forests) // 2],
                                "runs_s": [f["total_s"] for f in forests]}
        row["ratio"] = round(row["random_forest"]["total_s"] / row["default"]["total_s"], 2)
        out["rows"][f"{side}"] = row
        print(side, json.dumps(row), flush=True)
    res_dir = be.RESULTS
    res_dir.mkdir(parents=True, exist_ok=True)
    (res_dir / f"transduction-{label}.json").write_text(json.dumps(out, indent=1))
    md = ["# The default map with label propagation (bench/bench_transduction.py)", "",
          f"{out['machine']}", "",
          f"13 bands, {CLASSES} classes, one labelled 5 x 5 polygon per class; `map_region` "
          "with the Processing defaults (second run of a session), against a random forest "
          "(100 trees, all cores) fitted on the same pixels, predicting the same region; "
          f"medians of {REPEATS} runs each.", "",
          "| region | MetaMapper (defaults) | of which transduction | exact extension | "
          "random forest (fit + predict) | ratio (RF / MetaMapper) |",
          "|---|---|---|---|---|---|"]
    for side, row in out["rows"].items():
        d = row["default"]
        ex = f"{row['exact']['total_s']} s" if "exact" in row else "not run"
        md.append(f"| {side} x {side} | {d['total_s']} s | "
                  f"{d['seconds'].get('transduction', 0)} s | {ex} | "
                  f"{row['random_forest']['total_s']} s | {row['ratio']}x |")
    md += ["", "Propagation (the class map's METAMAPPER_TRANSDUCTION tag): "
           + out["rows"]["1024"]["default"]["note"], ""]
    (res_dir / f"transduction-{label}.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
