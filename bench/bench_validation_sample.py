"""Speed and memory of the validation sample and the assessment on a large class map.

Writes a blocky uint8 class map (default 20,000 x 20,000 = 400 Mpx, 6 classes, nodata
border, tiled DEFLATE GeoTIFF), then measures the two passes of ``validation_sample``
(count the strata, draw 1,000 points) and ``assess_map`` on those points, with the
process's peak RSS. Memory must not grow with the map (it is read 1024^2 px at a time).

    .venv/bin/python bench/bench_validation_sample.py [--size 20000] [--out build/bench]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build" / "pkg"))


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def write_map(path: Path, size: int) -> float:
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    started = time.perf_counter()
    rng = np.random.default_rng(0)
    coarse = rng.choice(6, size=(size // 256 + 1, size // 256 + 1),
                        p=[0.5, 0.25, 0.15, 0.07, 0.02, 0.01]).astype(np.uint8) + 1
    profile = dict(driver="GTiff", width=size, height=size, count=1, dtype="uint8", nodata=0,
                   crs="EPSG:32633", transform=from_origin(500000, 5000000, 10, 10),
                   tiled=True, blockxsize=512, blockysize=512, compress="deflate",
                   BIGTIFF="IF_SAFER")
    with rasterio.open(path, "w", **profile) as ds:
        for r in range(0, size, 2048):
            h = min(2048, size - r)
            rows = np.arange(r, r + h) // 256
            block = np.repeat(np.repeat(coarse[rows][:, :], 256, axis=1)[:, :size], 1, axis=0)
            block = block.astype(np.uint8)
            if r == 0:
                block[:100] = 0  # a nodata strip
            ds.write(block, 1, window=Window(0, r, size, h))
        ds.update_tags(METAMAPPER_CLASSES=json.dumps([f"class {k}" for k in range(1, 7)]),
                       METAMAPPER_CLASS_CODES=json.dumps(list(range(1, 7))))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"classmap_{args.size}.tif"
    if not path.exists():
        print(f"writing {path} ({args.size}^2 px) in {write_map(path, args.size):.1f} s")
    from metamapper.core.assessing.class_map import make_region, open_class_map
    from metamapper.core.assessing.validation import assess_map
    from metamapper.core.assessing.validation_sample import design_sample, draw_sample

    rss0 = peak_rss_mib()
    cmap = open_class_map(str(path))
    region = make_region(cmap, None)
    t0 = time.perf_counter()
    design = design_sample(cmap, region, total=args.points, allocation="compromise",
                           min_per_class=50)
    t1 = time.perf_counter()
    points = draw_sample(cmap, region, design, seed=0)
    t2 = time.perf_counter()
    geoms = [{"type": "Point", "coordinates": [p.x, p.y]} for p in points]
    result = assess_map(cmap, geoms, [p.name for p in points], field_name="ref")
    t3 = time.perf_counter()
    mpx = args.size * args.size / 1e6
    report = {
        "map_mpx": mpx,
        "count_strata_s": round(t1 - t0, 2),
        "count_mpx_per_s": round(mpx / (t1 - t0), 1),
        "draw_s": round(t2 - t1, 2),
        "assess_s": round(t3 - t2, 2),
        "points": len(points),
        "sizes": {cmap.name_of(c): n for c, n in design.sample_sizes.items()},
        "peak_rss_mib_before": round(rss0, 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "overall_accuracy": result.assessment.overall_accuracy,
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
