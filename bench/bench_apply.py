"""A saved classifier mapping a 400 Mpx raster: in this process vs a Dask LocalCluster.

Issue 30's row. On the 20000 x 20000 x 8 uint16 GeoTIFF of bench_engine's memory run, a
classifier is adapted once on six 8 x 8 polygons (``map_region`` with ``classifier_path``,
on a 1024 x 1024 region), then ``apply_classifier`` maps the whole raster (400 Mpx) in this
process and with ``SCHEDULER=local:2``, each run in a fresh process so that its peak RSS
(and, for Dask, the largest worker's) is its own. A random forest (100 trees, all cores)
fitted on the same labelled pixels predicts a 2048 x 2048 window in the same run, for the
per-pixel rate side by side. Results: ``bench/results/apply-<label>.{json,md}``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_engine as be  # noqa: E402  (sets up the package path)
import numpy as np  # noqa: E402
import rasterio  # noqa: E402
from rasterio.windows import Window  # noqa: E402

SIZE = 20000
CELLS = [(40, 40), (40, 104), (104, 40), (104, 104), (200, 200), (300, 40)]


def labelled(transform) -> list:
    from metamapper.core.pipeline import LabelledFeature

    feats = []
    for k, (r, c) in enumerate(CELLS):
        ring = [transform * (x, y) for x, y in ((c, r), (c + 8, r), (c + 8, r + 8), (c, r + 8),
                                                 (c, r))]
        feats.append(LabelledFeature({"type": "Polygon", "coordinates": [ring]}, f"c{k % 3}"))
    return feats


def _child_apply(path: str, clf: str, out: str, scheduler: str) -> dict:
    """Runs in a fresh process: its peak RSS, and its children's (the Dask workers)."""
    from metamapper.core.apply import apply_classifier

    t0 = time.perf_counter()
    res = apply_classifier(path, clf, out, scheduler=scheduler, device="cpu")
    wall = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"scheduler": scheduler or "in-process", "wall_s": round(wall, 1),
            "mpx_s": round(res.region_pixels / wall / 1e6, 2), "pixels": res.region_pixels,
            "windows": res.windows_computed, "peak_rss_mib": round(own),
            "assemble_s": round(res.seconds.get("assemble", 0.0), 1),
            "largest_worker_rss_mib": round(workers) if scheduler else None}


def run_child(path: Path, clf: Path, out: Path, scheduler: str) -> dict:
    code = (f"import sys, json; sys.argv = ['x']; sys.path.insert(0, {str(be.ROOT / 'bench')!r});"
            "import bench_apply as b;\nif __name__ == '__main__':\n"
            f"    print('RESULT' + json.dumps(b._child_apply({str(path)!r}, {str(clf)!r}, "
            f"{str(out)!r}, {scheduler!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT")]
    if not line:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(line[0][6:])


def random_forest(path: Path, feats: list) -> dict:
    from metamapper.core.adapting.sampling import build_support
    from metamapper.core.reading.raster_io import open_raster_info
    from sklearn.ensemble import RandomForestClassifier

    info = open_raster_info(path)
    with rasterio.open(path) as ds:
        support = build_support(ds, info, feats, shots_cap=200, seed=be.SEED)
        t = time.perf_counter()
        rf = RandomForestClassifier(100, n_jobs=-1, random_state=0).fit(support.x, support.y)
        for r0 in range(0, 2048, 512):
            for c0 in range(0, 2048, 512):
                block = ds.read(window=Window(c0, r0, 512, 512))
                rf.predict(block.reshape(block.shape[0], -1).T)
        seconds = time.perf_counter() - t
    return {"pixels": 2048 * 2048, "wall_s": round(seconds, 2),
            "mpx_s": round(2048 * 2048 / seconds / 1e6, 2)}


def markdown(r: dict) -> str:
    rows = ["| run | pixels | wall s | of which assembly s | Mpx/s | peak RSS MiB (process) "
            "| largest worker MiB |", "|---|---|---|---|---|---|---|"]
    for run in r["runs"]:
        rows.append(f"| apply_classifier, {run['scheduler']} | {run['pixels'] / 1e6:.0f} M | "
                    f"{run['wall_s']} | {run.get('assemble_s') or '-'} | {run['mpx_s']} | "
                    f"{run['peak_rss_mib']} | {run['largest_worker_rss_mib'] or '-'} |")
    rf = r["random_forest"]
    rows.append(f"| random forest fit + predict (same labels) | {rf['pixels'] / 1e6:.1f} M | "
                f"{rf['wall_s']} | - | {rf['mpx_s']} | - | - |")
    inproc, dask = r["runs"][0], r["runs"][1]
    return "\n".join([
        f"## A saved classifier on {r['raster']} ({r['machine']['cores']} cores, "
        f"{r['machine']['date'][:10]})", "",
        f"Adapting and saving the classifier (1 Mpx region): {r['adapt_s']} s.", "",
        *rows, "",
        f"local:2 / in-process wall time: {dask['wall_s'] / inproc['wall_s']:.2f}; "
        f"in-process / random forest per pixel: {inproc['mpx_s'] / rf['mpx_s']:.1f}x.", ""])


def main() -> None:
    import argparse

    from metamapper.core.pipeline import MapOptions, map_region

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=SIZE)
    ap.add_argument("--label", default="latest")
    args = ap.parse_args()
    path = be.big_raster(args.size)
    with rasterio.open(path) as ds:
        transform = ds.transform
    feats = labelled(transform)
    clf = be.DATA / "bench-apply-classifier.pt"
    t0 = time.perf_counter()
    map_region(str(path), feats, str(be.DATA / "bench-apply-adapt.tif"),
               region=[be.region_polygon(transform, 0, 0, 1024, 1024)],
               model_path=be.model_path(), classifier_path=str(clf),
               options=MapOptions(device="cpu", estimate_accuracy=False, seed=be.SEED))
    report: dict = {"machine": be.machine(), "raster": f"{args.size} x {args.size} x 8 uint16",
                    "adapt_s": round(time.perf_counter() - t0, 2), "runs": []}
    maps = []
    for scheduler in ("", "local:2"):
        out = be.DATA / f"bench-apply-{scheduler.replace(':', '') or 'inprocess'}.tif"
        report["runs"].append(run_child(path, clf, out, scheduler))
        print(report["runs"][-1], flush=True)
        maps.append(out)
    same = True
    with rasterio.open(maps[0]) as a, rasterio.open(maps[1]) as b:
        for _, window in a.block_windows(1):
            if not np.array_equal(a.read(1, window=window), b.read(1, window=window)):
                same = False
                break
    report["maps_equal"] = same
    report["random_forest"] = random_forest(path, feats)
    be.RESULTS.mkdir(parents=True, exist_ok=True)
    (be.RESULTS / f"apply-{args.label}.json").write_text(json.dumps(report, indent=2) + "\n")
    text = markdown(report) + f"Class maps equal, block by block: {same}.\n"
    (be.RESULTS / f"apply-{args.label}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
