"""Hyperspectral benchmark: MetaMapper end to end vs a random forest's fit + predict, and
the I/O floor, on a 1024 x 1024 x 204 uint16 raster in four layouts (GeoTIFF tiled 512
deflate pixel- and band-interleaved, ENVI BSQ and BIL), 6 classes x 20 labelled points;
plus the peak memory of a whole 4000 x 4000 x 224 raster.

Used by ``bench/bench_engine.py`` (``make bench``); ``python bench/bench_hyper.py`` runs it
alone (``--layouts pixel,band``, ``--repeats N``, ``--no-big``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
PKG = ROOT / "build" / "pkg"
if not (PKG / "metamapper").exists():
    PKG.mkdir(parents=True, exist_ok=True)
    (PKG / "metamapper").symlink_to(ROOT, target_is_directory=True)
sys.path.insert(0, str(PKG))

import rasterio  # noqa: E402
from rasterio.transform import from_origin  # noqa: E402
from rasterio.windows import Window  # noqa: E402

SEED = 0
SIZE, BANDS, CLASSES, POINTS = 1024, 204, 6, 20
LAYOUTS = {
    "pixel": ("GeoTIFF tiled 512, deflate, pixel-interleaved", ".tif",
              dict(driver="GTiff", tiled=True, blockxsize=512, blockysize=512,
                   compress="deflate", interleave="pixel")),
    "band": ("GeoTIFF tiled 512, deflate, band-interleaved", ".tif",
             dict(driver="GTiff", tiled=True, blockxsize=512, blockysize=512,
                  compress="deflate", interleave="band")),
    "bsq": ("ENVI BSQ", ".bsq", dict(driver="ENVI", interleave="bsq")),
    "bil": ("ENVI BIL", ".bil", dict(driver="ENVI", interleave="bil")),
}  # fmt: skip


def _coarse(size: int) -> np.ndarray:
    rng = np.random.default_rng(SEED)
    return rng.integers(0, CLASSES, size=(size // 32 + 1, size // 32 + 1))


def hyper_raster(layout: str, size: int = SIZE, bands: int = BANDS) -> Path:
    """The benchmark cube in ``layout`` (generated once into bench/data)."""
    DATA.mkdir(parents=True, exist_ok=True)
    _, ext, opts = LAYOUTS[layout]
    path = DATA / f"hyper-{size}-{bands}b-{layout}{ext}"
    if path.exists():
        return path
    profile = dict(width=size, height=size, count=bands, dtype="uint16", crs="EPSG:32633",
                   transform=from_origin(500000, 5000000, 30, 30), nodata=0, **opts)
    tmp = path.with_name("part-" + path.name)
    if layout != "pixel":  # copied from the pixel-interleaved cube
        src_path = hyper_raster("pixel", size, bands)
        with rasterio.open(src_path) as src, rasterio.open(tmp, "w", **profile) as dst:
            for r in range(0, size, 256):
                win = Window(0, r, size, min(256, size - r))
                dst.write(src.read(window=win), window=win)
    else:
        rng = np.random.default_rng(SEED)
        coarse = _coarse(size)
        grid = np.linspace(0, 1, bands)
        spectra = np.stack([0.1 + 0.9 * np.exp(-(((grid - (k + 0.5) / CLASSES) / 0.25) ** 2))
                            for k in range(CLASSES)]) * 5000  # fmt: skip
        with rasterio.open(tmp, "w", **profile) as dst:
            for r in range(0, size, 128):
                h = min(128, size - r)
                cls = np.kron(coarse[r // 32:(r + h) // 32 + 1], np.ones((32, 32), int))
                cls = cls[:h, :size]
                vals = spectra[cls].transpose(2, 0, 1)
                vals += rng.normal(0, 150, size=vals.shape).astype(np.float32)
                dst.write(np.clip(vals, 1, 65535).astype(np.uint16), window=Window(0, r, size, h))
    for side in Path(tmp).parent.glob(tmp.stem + "*"):
        os.replace(side, side.with_name(side.name.replace("part-", "", 1)))
    return path


def point_features(size: int, transform) -> list:
    """``POINTS`` labelled points per class, at pixel centres inside uniform 32-px blocks."""
    from metamapper.core.pipeline import LabelledFeature

    coarse = _coarse(size)
    nb = size // 32
    rng = np.random.default_rng(SEED + 1)
    feats = []
    for k in range(CLASSES):
        rows, cols = np.nonzero(coarse[:nb, :nb] == k)
        for i in rng.choice(rows.size, min(POINTS, rows.size), replace=False):
            r, c = rows[i] * 32 + rng.integers(4, 28), cols[i] * 32 + rng.integers(4, 28)
            x, y = transform * (c + 0.5, r + 0.5)
            point = {"type": "Point", "coordinates": [x, y]}
            feats.append(LabelledFeature(point, f"class_{k}"))
    return feats


#: what the QGIS panel asks for on every run ("Where to label next" points)
PANEL_SUGGESTIONS = 10


def _ours(path: Path, model: str, out: Path, suggestions: int = 0) -> dict:
    from metamapper.core.pipeline import MapOptions, map_region
    from metamapper.core.reading.raster_io import open_raster_info

    info = open_raster_info(path)
    feats = point_features(info.width, info.transform)
    # a QGIS session's second run: torch's one-time initialisation (~1-3 s) is not timed,
    # as scikit-learn's import is not timed for the random forest
    t = info.transform
    corner = [t * (c, r) for c, r in ((0, 0), (64, 0), (64, 64), (0, 64), (0, 0))]
    map_region(str(path), feats, str(out), model_path=model,
               region=[{"type": "Polygon", "coordinates": [corner]}],
               options=MapOptions(device="cpu", seed=SEED))  # fmt: skip
    t0 = time.perf_counter()
    res = map_region(str(path), feats, str(out), model_path=model,  # the defaults a user gets
                     options=MapOptions(device="cpu", seed=SEED, suggestions=suggestions))
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "seconds": res.seconds, "pixels": res.region_pixels,
            "warnings": res.warnings}


def _tile_loop(path: Path, out: Path, predict_fn) -> float:
    """What a user's own script does: read 512 x 512 windows, classify (or not), write uint8."""
    with rasterio.open(path) as ds:
        profile = dict(driver="GTiff", width=ds.width, height=ds.height, count=1, dtype="uint8",
                       nodata=0, crs=ds.crs, transform=ds.transform, tiled=True,
                       blockxsize=256, blockysize=256, compress="deflate")  # fmt: skip
        t0 = time.perf_counter()
        with rasterio.open(out, "w", **profile) as dst:
            for r in range(0, ds.height, 512):
                for c in range(0, ds.width, 512):
                    win = Window(c, r, min(512, ds.width - c), min(512, ds.height - r))
                    data = ds.read(window=win)
                    cls = np.zeros(data.shape[1:], np.uint8)
                    if predict_fn is not None:
                        b = data.shape[0]
                        cls[:] = (predict_fn(data.reshape(b, -1).T) + 1).reshape(cls.shape)
                    dst.write(cls, 1, window=win)
        return time.perf_counter() - t0


def _random_forest(path: Path, out: Path) -> dict:
    """Fit + predict of a RandomForest(100 trees, n_jobs=-1) on the same points and raster
    (its point values read with the engine's sampler, not timed: the issue's definition)."""
    from metamapper.core.adapting.sampling import build_support
    from metamapper.core.reading.raster_io import open_raster_info
    from sklearn.ensemble import RandomForestClassifier

    info = open_raster_info(path)
    feats = point_features(info.width, info.transform)
    with rasterio.open(path) as ds:
        support = build_support(ds, info, feats, shots_cap=200, seed=SEED)
    t0 = time.perf_counter()
    rf = RandomForestClassifier(n_estimators=100, n_jobs=-1, random_state=SEED)
    rf.fit(support.x, support.y)
    fit_s = time.perf_counter() - t0
    predict_s = _tile_loop(path, out, lambda x: rf.predict(x))
    return {"fit_s": fit_s, "predict_s": predict_s, "total_s": fit_s + predict_s}


def _child(kind: str, path: str, model: str, out: str) -> dict:
    """One measurement in a fresh process: a cold engine, its own peak RSS."""
    p, o = Path(path), Path(out)
    if kind == "ours":
        r = _ours(p, model, o)
    elif kind == "panel":  # the same run with the panel's suggestions
        r = _ours(p, model, o, suggestions=PANEL_SUGGESTIONS)
    elif kind == "rf":
        r = _random_forest(p, o)
    else:
        r = {"io_s": _tile_loop(p, o, None)}
    r["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return r


def _in_fresh_process(call: str) -> dict:
    """``b.<call>`` evaluated in a new Python process (cold caches, its own peak RSS)."""
    code = (f"import sys, json; sys.path.insert(0, {str(ROOT / 'bench')!r}); "
            f"import bench_hyper as b; print('RESULT' + json.dumps(b.{call}))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT")]
    if not line:
        raise RuntimeError(res.stderr[-3000:])
    return json.loads(line[0][6:])


def run_child(kind: str, path: Path, model: str, out: Path) -> dict:
    return _in_fresh_process(f"_child({kind!r}, {str(path)!r}, {model!r}, {str(out)!r})")


def bench_layout(layout: str, model: str, repeats: int) -> dict:
    path = hyper_raster(layout)
    for f in path.parent.glob(path.stem + "*"):  # page cache warm for every contender alike
        subprocess.run(["cat", str(f)], stdout=subprocess.DEVNULL)
    runs: dict = {"ours": [], "panel": [], "rf": [], "io": []}
    for _ in range(repeats):  # interleaved, so that machine load hits every contender alike
        for kind in runs:
            out = DATA / f"hyper-out-{layout}-{kind}.tif"
            runs[kind].append(run_child(kind, path, model, out))
    med = lambda xs: statistics.median(xs)  # noqa: E731
    ours_total = med([r["wall_s"] for r in runs["ours"]])
    ours_predict = med([r["seconds"]["predict"] for r in runs["ours"]])
    rf_total = med([r["total_s"] for r in runs["rf"]])
    io_s = med([r["io_s"] for r in runs["io"]])
    mpx = SIZE * SIZE / 1e6
    stages = {k: med([r["seconds"].get(k, 0.0) for r in runs["ours"]])
              for k in runs["ours"][0]["seconds"]}  # fmt: skip
    return {
        "layout": layout, "raster": f"{SIZE} x {SIZE} x {BANDS} uint16, {LAYOUTS[layout][0]}",
        "repeats": repeats, "ours_total_s": ours_total, "ours_stages_s": stages,
        "ours_predict_mpx_s": mpx / ours_predict, "rf_total_s": rf_total,
        "rf_fit_s": med([r["fit_s"] for r in runs["rf"]]),
        "io_floor_s": io_s, "io_floor_mpx_s": mpx / io_s,
        "speedup_vs_rf": rf_total / ours_total, "fraction_of_io_floor": io_s / ours_predict,
        "panel_total_s": med([r["wall_s"] for r in runs["panel"]]),
        "panel_speedup_vs_rf": rf_total / med([r["wall_s"] for r in runs["panel"]]),
        "ours_peak_rss_mib": max(r["peak_rss_mib"] for r in runs["ours"]),
        "runs": runs,
    }  # fmt: skip


def big_hyper_raster(size: int = 4000, bands: int = 224) -> Path:
    """A size^2 x 224 uint16 GeoTIFF (tiled 512, deflate, pixel-interleaved) written fast
    from a few patterned tiles (they compress to almost nothing)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"hyper-big-{size}-{bands}b.tif"
    if path.exists():
        return path
    rng = np.random.default_rng(SEED)
    patterns = []
    for _k in range(3):
        cls = np.kron(rng.integers(0, 4, size=(16, 16)), np.ones((32, 32), int))
        spectra = rng.integers(500, 6000, size=(4, bands))
        patterns.append(np.ascontiguousarray(spectra[cls].transpose(2, 0, 1).astype(np.uint16)))
    profile = dict(driver="GTiff", width=size, height=size, count=bands, dtype="uint16",
                   crs="EPSG:32633", transform=from_origin(300000, 6000000, 30, 30), tiled=True,
                   blockxsize=512, blockysize=512, compress="deflate", zlevel=1,
                   BIGTIFF="YES", nodata=0)  # fmt: skip
    tmp = path.with_suffix(".part.tif")
    with rasterio.open(tmp, "w", **profile) as ds:
        for r in range(0, size, 512):
            for c in range(0, size, 512):
                h, w = min(512, size - r), min(512, size - c)
                ds.write(patterns[(r // 512 + c // 512) % 3][:, :h, :w], window=Window(c, r, w, h))
    os.replace(tmp, path)
    return path


def _big_child(path: str, model: str, out: str) -> dict:
    from metamapper.core.pipeline import LabelledFeature, MapOptions, map_region

    with rasterio.open(path) as ds:
        t = ds.transform
    feats = []
    for k, (r, c) in enumerate([(40, 40), (40, 104), (104, 40), (104, 104), (200, 200), (300, 40)]):
        ring = [t * (x, y) for x, y in ((c, r), (c + 8, r), (c + 8, r + 8), (c, r + 8), (c, r))]
        feats.append(LabelledFeature({"type": "Polygon", "coordinates": [ring]}, f"c{k % 3}"))
    t0 = time.perf_counter()
    res = map_region(path, feats, out, model_path=model,
                     options=MapOptions(device="cpu", seed=SEED))
    return {"wall_s": time.perf_counter() - t0, "seconds": res.seconds,
            "region_px": res.region_pixels,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def bench_big(model: str, size: int = 4000) -> dict:
    path = big_hyper_raster(size)
    out = _in_fresh_process(
        f"_big_child({str(path)!r}, {model!r}, {str(DATA / 'hyper-big-out.tif')!r})")
    out.update(raster=f"{size} x {size} x 224 uint16 (GeoTIFF tiled 512, deflate, "
               "pixel-interleaved)", target_peak_rss_mib=2048)  # fmt: skip
    return out


def bench_hyperspectral(model: str, layouts=tuple(LAYOUTS), repeats: int = 3,
                        big: bool = True) -> dict:
    out = {"layouts": []}
    for layout in layouts:
        print(f"  hyperspectral {layout} ...", flush=True)
        out["layouts"].append(bench_layout(layout, model, repeats))
        r = out["layouts"][-1]
        print(f"    ours {r['ours_total_s']:.2f} s {r['ours_stages_s']}, "
              f"rf {r['rf_total_s']:.2f} s, io {r['io_floor_s']:.2f} s: "
              f"{r['speedup_vs_rf']:.2f}x rf, with {PANEL_SUGGESTIONS} suggestions "
              f"{r['panel_total_s']:.2f} s ({r['panel_speedup_vs_rf']:.2f}x), "
              f"{r['fraction_of_io_floor']:.0%} of the I/O floor", flush=True)
    if big:
        print("  hyperspectral memory ...", flush=True)
        out["big"] = bench_big(model)
        print("   ", out["big"], flush=True)
    return out


def markdown_rows(h: dict) -> list:
    lines = [
        "",
        f"Hyperspectral: {SIZE} x {SIZE} x {BANDS} uint16, {CLASSES} classes x {POINTS} labelled "
        "points, whole raster; end to end = sampling + statistics + adaptation + accuracy "
        "estimate + prediction + writing (`map_region` defaults); random forest = fit + "
        "predict window by window (100 trees, n_jobs=-1); I/O floor = the same windowed read "
        "+ uint8 write without a model. Medians of the runs, each in a fresh process. "
        "Transduction = the model card's propagation choice over the region (regions up to "
        "2 Mpx), part of the end-to-end time. With suggestions: the same run with the "
        f"{PANEL_SUGGESTIONS} \"where to label next\" points the QGIS panel asks for.",
        "",
        "| layout | ours end to end | random forest | speed-up (>= 1.5x) | with suggestions "
        "(panel) | ours predict | I/O floor | predict / I/O floor (>= 50 %) | sampling / "
        "stats / adapt / transduction / accuracy / predict (s) | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in h["layouts"]:
        s = r["ours_stages_s"]
        lines.append(
            f"| {LAYOUTS[r['layout']][0]} | {r['ours_total_s']:.2f} s | {r['rf_total_s']:.2f} s "
            f"| {r['speedup_vs_rf']:.2f}x | "
            + (f"{r['panel_total_s']:.2f} s ({r['panel_speedup_vs_rf']:.2f}x)"
               if "panel_total_s" in r else "-")
            + f" | {r['ours_predict_mpx_s']:.2f} Mpx/s | "
            f"{r['io_floor_mpx_s']:.2f} Mpx/s | {r['fraction_of_io_floor']:.0%} | "
            f"{s.get('sampling', 0):.2f} / {s.get('stats', 0):.2f} / {s.get('adapt', 0):.2f} / "
            f"{s.get('transduction', 0):.2f} / {s.get('accuracy', 0):.2f} / "
            f"{s.get('predict', 0):.2f} | "
            f"{r['ours_peak_rss_mib']:.0f} MiB |"
        )
    if h.get("big"):
        b = h["big"]
        lines += ["", f"Whole {b['raster']}: {b['wall_s']:.1f} s, peak RSS "
                  f"{b['peak_rss_mib']:.0f} MiB (target < 2 GB)."]  # fmt: skip
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layouts", default=",".join(LAYOUTS))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-big", action="store_true")
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_engine import model_path

    h = bench_hyperspectral(model_path(), tuple(args.layouts.split(",")), args.repeats,
                            big=not args.no_big)  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(h, indent=2) + "\n")
    print("\n".join(markdown_rows(h)))


if __name__ == "__main__":
    main()
