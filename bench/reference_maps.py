"""Reference maps for a change that must not change them (a refactor, a speed-up).

    .venv/bin/python bench/reference_maps.py write DIR      # before the change
    .venv/bin/python bench/reference_maps.py write DIR2     # after it
    .venv/bin/python bench/reference_maps.py compare DIR DIR2

``write`` maps ``make bench``'s rasters through ``map_region`` with the defaults: the 1 Mpx
13-band region with one polygon per class (propagation distilled) and its confidence, a
polygons-with-suggestions region, the 1024^2 x 204-band pixel-interleaved raster with points
and its confidence, and the saved classifier applied to the whole 13-band raster. Add
``make demo``'s ``classmap.tif`` and ``confidence.tif`` to DIR by hand to cover the
Processing door. ``compare`` checks every GeoTIFF of the first folder against the
second's, bit for bit, and exits 1 on any difference (classifier files hold a zip's
timestamps, so their tensors are compared instead).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_engine as be  # noqa: E402  (sets up the package path)
import bench_hyper as bh  # noqa: E402
import numpy as np  # noqa: E402
import rasterio  # noqa: E402
from metamapper.core.pipeline import MapOptions, map_region  # noqa: E402


def write(out: Path) -> None:
    from metamapper.core.apply import apply_classifier
    from metamapper.core.reading.raster_io import open_raster_info

    out.mkdir(parents=True, exist_ok=True)
    be.DATA.mkdir(parents=True, exist_ok=True)
    path = be.DATA / "s2like-2048-13b-10c.tif"
    coarse = be.scene_raster(path, 2048, 13, n_classes=10)
    with rasterio.open(path) as ds:
        t = ds.transform
    cpu = MapOptions(device="cpu")
    map_region(str(path), be.support_features(coarse, 1, 1024, t), str(out / "s2.tif"),
               model_path=be.model_path(), confidence_path=str(out / "s2c.tif"),
               region=[be.region_polygon(t, 0, 0, 1024, 1024)], options=cpu,
               classifier_path=str(out / "s2.pt"))
    map_region(str(path), be.support_features(coarse, 5, 1024, t), str(out / "s2b.tif"),
               model_path=be.model_path(), region=[be.region_polygon(t, 100, 100, 400, 400)],
               options=MapOptions(device="cpu", suggestions=10))
    hyper = bh.hyper_raster("pixel")
    info = open_raster_info(hyper)
    map_region(str(hyper), bh.point_features(info.width, info.transform), str(out / "hyper.tif"),
               confidence_path=str(out / "hyperc.tif"), options=cpu)
    apply_classifier(str(path), str(out / "s2.pt"), str(out / "applied.tif"))


def compare(a: Path, b: Path) -> bool:
    import torch

    same = True
    for f in sorted(a.glob("*.tif")):
        with rasterio.open(f) as x, rasterio.open(b / f.name) as y:
            ok = np.array_equal(x.read(), y.read())
        print(f"{f.name}: {'identical' if ok else 'DIFFERENT'}")
        same &= ok
    def equal(x: object, y: object) -> bool:
        if isinstance(x, dict) and isinstance(y, dict):
            return x.keys() == y.keys() and all(equal(x[k], y[k]) for k in x)
        if isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor):
            return torch.equal(x, y)
        return x == y

    for f in sorted(a.glob("*.pt")):
        ok = equal(*(torch.load(p, weights_only=True) for p in (f, b / f.name)))
        print(f"{f.name}: {'identical tensors' if ok else 'DIFFERENT'}")
        same &= ok
    print("ALL IDENTICAL" if same else "DIFFERENCES")
    return same


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        write(Path(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(0 if compare(Path(sys.argv[2]), Path(sys.argv[3])) else 1)
    else:
        sys.exit(__doc__)
