"""Engine benchmarks: adaptation time, prediction throughput vs scikit-learn, I/O floor,
peak memory on a 20,000 x 20,000 x 8-band raster, and sampling of 5,000 polygons.

Run with ``make bench`` (``.venv/bin/python bench/bench_engine.py``). Generated rasters go
to ``bench/data/`` (git-ignored); figures with machine, date and commit go to
``bench/results/engine-<date>.json`` and ``.md`` (and ``engine-latest.*``).

Options: ``--quick`` skips the whole-extent run on the 20k raster (minutes on 2 cores);
``--big-size N`` changes its side (default 20000).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
PKG = ROOT / "build" / "pkg"
if not (PKG / "metamapper").exists():
    PKG.mkdir(parents=True, exist_ok=True)
    (PKG / "metamapper").symlink_to(ROOT, target_is_directory=True)
sys.path.insert(0, str(PKG))

import rasterio  # noqa: E402
from metamapper.core.pipeline import LabelledFeature, MapOptions, map_region  # noqa: E402
from rasterio.transform import from_origin  # noqa: E402
from rasterio.windows import Window  # noqa: E402

SEED = 0


# --------------------------------------------------------------------------- helpers


def machine() -> dict:
    import torch

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem, 1),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "rasterio": rasterio.__version__,
        "gdal": rasterio.__gdal_version__,
        "cuda": torch.cuda.is_available(),
    }


def model_path() -> str:
    """The bundled model when present, else an untrained model of the default architecture
    (speed and memory do not depend on the weights)."""
    from metamapper.core.model import bundled_model_path, default_card, new_model, save_model

    bundled = bundled_model_path()
    if bundled.is_file():
        return str(bundled)
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / "bench-default-arch.pt"
    if not path.is_file():
        card = default_card(name="bench-default-arch")
        save_model(path, new_model(card, SEED), card)
    return str(path)


def scene_raster(path: Path, size: int, bands: int, n_classes: int = 6) -> np.ndarray:
    """A blocky n-class scene with class spectra and noise, written tile by tile; returns
    the coarse truth (one class per 32 x 32 block)."""
    rng = np.random.default_rng(SEED)
    block = 32
    coarse = rng.integers(0, n_classes, size=(size // block + 1, size // block + 1))
    grid = np.linspace(0, 1, bands)
    spectra = np.stack(
        [
            0.1 + 0.9 * np.exp(-(((grid - (k + 0.5) / n_classes) / 0.25) ** 2))
            for k in range(n_classes)
        ]
    )
    profile = dict(
        driver="GTiff", width=size, height=size, count=bands, dtype="uint16",
        crs="EPSG:32633", transform=from_origin(500000, 5000000, 10, 10), tiled=True,
        blockxsize=512, blockysize=512, compress="deflate", nodata=0,
    )  # fmt: skip
    with rasterio.open(path, "w", **profile) as ds:
        step = 1024
        for r in range(0, size, step):
            for c in range(0, size, step):
                h, w = min(step, size - r), min(step, size - c)
                sub = coarse[r // block : (r + h) // block + 1, c // block : (c + w) // block + 1]
                cls = np.kron(sub,
                              np.ones((block, block), int))[:h, :w]  # fmt: skip
                vals = spectra[cls].transpose(2, 0, 1) * 5000
                vals = vals + rng.normal(0, 150, size=vals.shape)
                ds.write(np.clip(vals, 1, 65535).astype(np.uint16), window=Window(c, r, w, h))
    return coarse


def support_features(coarse: np.ndarray, per_class: int, size: int, transform) -> list:
    """``per_class`` 5 x 5-pixel polygons per class placed inside uniform blocks."""
    rng = np.random.default_rng(SEED + 1)
    feats = []
    n_classes = int(coarse.max()) + 1
    nb = min(coarse.shape[0], size // 32)
    for k in range(n_classes):
        rows, cols = np.nonzero(coarse[:nb, :nb] == k)
        pick = rng.choice(rows.size, min(per_class, rows.size), replace=False)
        for i in pick:
            r0, c0 = rows[i] * 32 + 10, cols[i] * 32 + 10
            ring = [
                transform * (c, r)
                for c, r in ((c0, r0), (c0 + 5, r0), (c0 + 5, r0 + 5), (c0, r0 + 5), (c0, r0))
            ]
            feats.append(LabelledFeature({"type": "Polygon", "coordinates": [ring]}, f"class_{k}"))
    return feats


def region_polygon(transform, r0, c0, r1, c1) -> dict:
    ring = [transform * (c, r) for c, r in ((c0, r0), (c1, r0), (c1, r1), (c0, r1), (c0, r0))]
    return {"type": "Polygon", "coordinates": [ring]}


# --------------------------------------------------------------------------- benchmarks


def bench_adaptation(model: str) -> dict:
    """10 classes x 20 labelled pixels: wall time of one adaptation (median of 5)."""
    from metamapper.core.adapting.adapt import adapt
    from metamapper.core.mapping.band_mapping import BandStats, map_bands
    from metamapper.core.model import load_model

    loaded = load_model(model)
    rng = np.random.default_rng(SEED)
    spectra = rng.uniform(500, 5000, size=(10, 13))
    y = np.repeat(np.arange(10), 20)
    x = spectra[y] * rng.uniform(0.8, 1.2, size=(200, 1)) + rng.normal(0, 50, size=(200, 13))
    region = spectra[rng.integers(0, 10, 20000)] + rng.normal(0, 50, size=(20000, 13))
    times = []
    for i in range(6):
        t0 = time.perf_counter()
        stats = BandStats.from_samples(region)
        sx = map_bands(x, stats, loaded.card["band_mapping"])
        ux = map_bands(region[:4096], stats, loaded.card["band_mapping"])
        adapt(loaded, sx, y, 10, unlabelled_x=ux, device="cpu", seed=SEED)
        if i:  # the first run warms torch up
            times.append(time.perf_counter() - t0)
    return {
        "classes": 10, "shots": 20, "method": loaded.method,
        "steps": int(loaded.card["inner_loop"].get("steps", 0)),
        "median_s": statistics.median(times), "runs_s": times, "target_s": 2.0,
    }  # fmt: skip


def _tile_loop(path: str, window: Window, out: Path, predict_fn, tile: int) -> float:
    """Read the region tile by tile, classify with ``predict_fn`` (or nothing), write uint8."""
    from metamapper.core.reading.raster_io import iter_tiles, open_raster_info, read_block

    info = open_raster_info(path)
    with rasterio.open(path) as ds:
        profile = dict(
            driver="GTiff", width=int(window.width), height=int(window.height), count=1,
            dtype="uint8", nodata=0, crs=ds.crs, transform=ds.window_transform(window),
            tiled=True, blockxsize=256, blockysize=256, compress="deflate",
        )  # fmt: skip
        t0 = time.perf_counter()
        with rasterio.open(out, "w", **profile) as dst:
            for t in iter_tiles(window, tile, 0, info.width, info.height):
                data, valid = read_block(ds, info, t.window)
                cls = np.zeros(valid.shape, np.uint8)
                if predict_fn is not None:
                    cls[valid] = predict_fn(data[:, valid].T.astype(np.float32)) + 1
                dst.write(cls, 1, window=Window(t.out[1].start, t.out[0].start, *cls.shape[::-1]))
        return time.perf_counter() - t0


def bench_throughput(model: str, size: int, region_side: int) -> dict:
    """Ours vs RandomForest vs RBF SVC on the same support set, region and tiling."""
    from metamapper.core.adapting.sampling import build_support
    from metamapper.core.reading.raster_io import open_raster_info
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.svm import SVC

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"s2like-{size}-13b.tif"
    t0 = time.perf_counter()
    coarse = scene_raster(path, size, 13) if not path.exists() else None
    gen_s = time.perf_counter() - t0
    if coarse is None:
        rng = np.random.default_rng(SEED)
        coarse = rng.integers(0, 6, size=(size // 32 + 1, size // 32 + 1))
    info = open_raster_info(path)
    feats = support_features(coarse, 10, size, info.transform)
    window = Window(0, 0, region_side, region_side)
    region = [region_polygon(info.transform, 0, 0, region_side, region_side)]
    tile = 512
    opts = MapOptions(device="cpu", tile_size=tile, estimate_accuracy=False, seed=SEED)
    map_region(str(path), feats, str(DATA / "warm.tif"), model_path=model, options=opts,
               region=[region_polygon(info.transform, 0, 0, 256, 256)])  # fmt: skip
    res = map_region(str(path), feats, str(DATA / "ours.tif"), region=region, model_path=model,
                     options=opts)  # fmt: skip
    ours_s = res.seconds["predict"]
    px = region_side * region_side
    with rasterio.open(path) as ds:
        support = build_support(ds, info, feats, shots_cap=200, seed=SEED)
    rf = RandomForestClassifier(n_estimators=100, n_jobs=-1, random_state=SEED)
    rf.fit(support.x, support.y)
    svc = SVC(kernel="rbf", gamma="scale", C=10.0)
    mu, sd = support.x.mean(0), support.x.std(0) + 1e-6
    svc.fit((support.x - mu) / sd, support.y)
    rf_s = _tile_loop(str(path), window, DATA / "rf.tif", lambda x: rf.predict(x), tile)
    svc_s = _tile_loop(
        str(path), window, DATA / "svc.tif", lambda x: svc.predict((x - mu) / sd), tile
    )
    io_s = _tile_loop(str(path), window, DATA / "io.tif", None, tile)
    with rasterio.open(DATA / "ours.tif") as a, rasterio.open(DATA / "rf.tif") as b:
        ours_map, rf_map = a.read(1), b.read(1)
    mpx = lambda s: px / s / 1e6  # noqa: E731
    return {
        "raster": f"{size} x {size} x 13 uint16 (deflate, 512 tiles)", "generate_s": gen_s,
        "region_px": px, "tile": tile, "support_pixels": int(support.y.size),
        "ours_predict_s": ours_s, "ours_total_s": res.seconds["total"], "ours_mpx_s": mpx(ours_s),
        "rf_s": rf_s, "rf_mpx_s": mpx(rf_s), "svc_s": svc_s, "svc_mpx_s": mpx(svc_s),
        "io_floor_s": io_s, "io_floor_mpx_s": mpx(io_s),
        "speedup_vs_rf": rf_s / ours_s, "speedup_vs_svc": svc_s / ours_s,
        "fraction_of_io_floor": io_s / ours_s,
        "agreement_with_rf": float((ours_map == rf_map).mean()),
        "ours_seconds": res.seconds,
    }  # fmt: skip


def bench_polygons(model_size: int = 2048) -> dict:
    """5,000 small polygons (3-10 px across) sampled on the 13-band raster."""
    from metamapper.core.adapting.sampling import build_support
    from metamapper.core.reading.raster_io import open_raster_info

    path = DATA / f"s2like-{model_size}-13b.tif"
    info = open_raster_info(path)
    rng = np.random.default_rng(SEED)
    feats = []
    for i in range(5000):
        r, c = rng.uniform(0, model_size - 12, 2)
        s = rng.uniform(3, 10)
        feats.append(
            LabelledFeature(region_polygon(info.transform, r, c, r + s, c + s), f"c{i % 10}")
        )
    t0 = time.perf_counter()
    with rasterio.open(path) as ds:
        sup = build_support(ds, info, feats, shots_cap=200, seed=SEED)
    return {
        "polygons": 5000,
        "seconds": time.perf_counter() - t0,
        "support_pixels": int(sup.y.size),
    }


def big_raster(size: int) -> Path:
    """A size x size x 8 uint16 GeoTIFF written fast: 512-px tiles cycling through a few
    patterned tiles (few distinct values compress to almost nothing)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"big-{size}-8b.tif"
    if path.exists():
        return path
    rng = np.random.default_rng(SEED)
    patterns = []
    for _k in range(4):
        cls = np.kron(rng.integers(0, 4, size=(16, 16)), np.ones((32, 32), int))
        spectra = rng.integers(500, 6000, size=(4, 8))
        patterns.append(spectra[cls].transpose(2, 0, 1).astype(np.uint16))
    profile = dict(
        driver="GTiff", width=size, height=size, count=8, dtype="uint16", crs="EPSG:32633",
        transform=from_origin(300000, 6000000, 10, 10), tiled=True, blockxsize=512,
        blockysize=512, compress="deflate", BIGTIFF="YES", nodata=0,
    )  # fmt: skip
    tmp = path.with_suffix(".part.tif")
    with rasterio.open(tmp, "w", **profile) as ds:
        for r in range(0, size, 512):
            for c in range(0, size, 512):
                h, w = min(512, size - r), min(512, size - c)
                ds.write(patterns[(r // 512 + c // 512) % 4][:, :h, :w], window=Window(c, r, w, h))
    os.replace(tmp, path)
    return path


def _child_run(path: str, model: str, region_side: int, out: str) -> dict:
    """Runs in a fresh process so that ru_maxrss is this run's peak RSS alone."""
    with rasterio.open(path) as ds:
        size = ds.width
        t = ds.transform
    feats = []
    for k, (r, c) in enumerate([(40, 40), (40, 104), (104, 40), (104, 104), (200, 200), (300, 40)]):
        ring = [t * (x, y) for x, y in ((c, r), (c + 8, r), (c + 8, r + 8), (c, r + 8), (c, r))]
        feats.append(LabelledFeature({"type": "Polygon", "coordinates": [ring]}, f"c{k % 3}"))
    region = None
    if region_side < size:
        region = [region_polygon(t, 0, 0, region_side, region_side)]
    t0 = time.perf_counter()
    res = map_region(path, feats, out, region=region, model_path=model,
                     options=MapOptions(device="cpu", estimate_accuracy=False,
                                        seed=SEED))  # fmt: skip
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB
    return {"region_side": region_side, "region_px": res.region_pixels, "wall_s": wall,
            "predict_s": res.seconds["predict"],
            "mpx_s": res.region_pixels / res.seconds["predict"] / 1e6,
            "peak_rss_mib": peak}  # fmt: skip


def bench_memory(model: str, size: int, whole: bool) -> dict:
    t0 = time.perf_counter()
    path = big_raster(size)
    gen_s = time.perf_counter() - t0
    runs = []
    sides = [2048] + ([size] if whole else [])
    for side in sides:
        code = (
            f"import sys, json; sys.argv = ['x']; sys.path.insert(0, {str(ROOT / 'bench')!r});"
            "import bench_engine as b;"
            f"print('RESULT' + json.dumps(b._child_run({str(path)!r}, {model!r}, {side}, "
            f"{str(DATA / f'big-out-{side}.tif')!r})))"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT")]
        if not line:
            raise RuntimeError(out.stderr[-3000:])
        runs.append(json.loads(line[0][6:]))
        print("  memory run", runs[-1], flush=True)
    return {"raster": f"{size} x {size} x 8 uint16 (deflate, 512 tiles, BigTIFF)",
            "file_mib": path.stat().st_size / 2**20, "generate_s": gen_s, "runs": runs,
            "target_peak_rss_mib": 1536}  # fmt: skip


# --------------------------------------------------------------------------- report


def markdown(r: dict) -> str:
    m, a, t, p = r["machine"], r["adaptation"], r["throughput"], r["polygons"]
    lines = [
        f"# Engine benchmark ({m['date']}, commit {m['commit']})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; torch {m['torch']} "
        f"({m['torch_threads']} threads), rasterio {m['rasterio']} / GDAL {m['gdal']}, "
        f"CUDA: {m['cuda']}. Model: {r['model']}.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| adaptation, 10 classes x 20 px ({a['method']}, {a['steps']} steps), median of 5 "
        f"| {a['median_s']:.3f} s | < 2 s |",
        f"| prediction, ours ({t['region_px'] / 1e6:.1f} Mpx region of a {t['raster']}) "
        f"| {t['ours_mpx_s']:.2f} Mpx/s | |",
        "| prediction, RandomForest(100 trees, n_jobs=-1), same tiling "
        f"| {t['rf_mpx_s']:.2f} Mpx/s | |",
        f"| prediction, RBF SVC, same tiling | {t['svc_mpx_s']:.2f} Mpx/s | |",
        f"| speed-up vs random forest | {t['speedup_vs_rf']:.1f}x | >= 3x |",
        f"| speed-up vs RBF SVC | {t['speedup_vs_svc']:.1f}x | |",
        f"| I/O floor (windowed read + uint8 write) | {t['io_floor_mpx_s']:.2f} Mpx/s | |",
        f"| ours as a fraction of the I/O floor | {t['fraction_of_io_floor']:.0%} | |",
        f"| 5,000 polygons sampled | {p['seconds']:.2f} s | seconds |",
    ]
    for run in r.get("memory", {}).get("runs", []):
        lines.append(
            f"| {r['memory']['raster']}: region {run['region_side']}^2 "
            f"({run['region_px'] / 1e6:.0f} Mpx) | peak RSS {run['peak_rss_mib']:.0f} MiB, "
            f"{run['wall_s']:.1f} s, {run['mpx_s']:.2f} Mpx/s | < 1.5 GB |"
        )
    if r.get("hyperspectral"):
        from bench_hyper import markdown_rows

        lines += markdown_rows(r["hyperspectral"])
    lines += ["", "Raw figures: the JSON file of the same name."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the whole-extent 20k run")
    ap.add_argument("--big-size", type=int, default=20000)
    ap.add_argument("--size", type=int, default=2048, help="side of the 13-band raster")
    ap.add_argument("--region", type=int, default=1024, help="side of the compared region")
    ap.add_argument("--no-hyper", action="store_true", help="skip the hyperspectral case")
    ap.add_argument("--hyper-only", action="store_true", help="only the hyperspectral case")
    ap.add_argument("--hyper-repeats", type=int, default=3)
    ap.add_argument("--no-hyper-big", action="store_true",
                    help="skip the whole 4000 x 4000 x 224 memory run")
    args = ap.parse_args()
    model = model_path()
    report = {"machine": machine(), "model": Path(model).name}
    report["load_before"] = os.getloadavg()  # other jobs on the machine (noisy figures)
    if not args.hyper_only:
        print("adaptation ...", flush=True)
        report["adaptation"] = bench_adaptation(model)
        print(" ", report["adaptation"]["median_s"], flush=True)
        print("throughput ...", flush=True)
        report["throughput"] = bench_throughput(model, args.size, args.region)
        print(" ", {k: v for k, v in report["throughput"].items() if k.endswith("mpx_s")},
              flush=True)  # fmt: skip
        report["polygons"] = bench_polygons(args.size)
        print("polygons", report["polygons"], flush=True)
        print("memory ...", flush=True)
        report["memory"] = bench_memory(model, args.big_size, whole=not args.quick)
    if not args.no_hyper:
        from bench_hyper import bench_hyperspectral

        print("hyperspectral ...", flush=True)
        report["hyperspectral"] = bench_hyperspectral(model, repeats=args.hyper_repeats,
                                                      big=not args.no_hyper_big)  # fmt: skip
    report["load_after"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = report["machine"]["date"][:10]
    if args.hyper_only:  # a partial run goes to its own file, the full report stays
        (RESULTS / f"hyper-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
        (RESULTS / f"hyper-{stamp}.md").write_text(markdown_hyper(report))
        print(markdown_hyper(report))
        return
    for name in (f"engine-{stamp}", "engine-latest"):
        (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
        (RESULTS / f"{name}.md").write_text(markdown(report))
    print(markdown(report))


def markdown_hyper(r: dict) -> str:
    from bench_hyper import markdown_rows

    m = r["machine"]
    return "\n".join([
        f"# Hyperspectral benchmark ({m['date']}, commit {m['commit']})", "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; torch {m['torch']}, "
        f"rasterio {m['rasterio']} / GDAL {m['gdal']}. Load average before / after: "
        f"{r['load_before'][0]:.1f} / {r['load_after'][0]:.1f} (other jobs on the machine).",
        *markdown_rows(r["hyperspectral"]), "",
    ])  # fmt: skip


if __name__ == "__main__":
    main()
