"""Every bad input gets a clear message (problem + fix) and leaves no output file.

One row per case of the reliability issue that the engine itself can meet. Each row builds
its inputs in a fresh folder, runs ``map_region`` into ``out/``, and checks the error type,
a fragment of the message, and that ``out/`` holds exactly what it held before.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Type

import numpy as np
import pytest
import rasterio
from metamapper.core import errors as E
from metamapper.core.pipeline import LabelledFeature, MapOptions, map_region
from rasterio.transform import from_origin

from tests.factories import box_polygon, features_from_truth, make_raster, point
from tests.model_factory import make_model_file


@dataclass
class Case:
    id: str
    error: Type[Exception]
    fragment: str  # regex searched in the message
    raster: Dict[str, Any] = field(default_factory=dict)  # make_raster overrides
    features: Callable[[dict], List[LabelledFeature]] | None = None
    region: Callable[[dict], Any] | None = None
    model: Callable[[Path, str], str] | None = None  # (folder, good model) -> model path
    options: Dict[str, Any] = field(default_factory=dict)
    setup: Callable[[Path, dict, Any], None] | None = None  # (out folder, scene, monkeypatch)
    output_name: str = "map.tif"
    raw_raster: Callable[[Path], str] | None = None  # writes its own raster


def two_classes(sc):
    return features_from_truth(sc, per_class=2)


def _complex_raster(folder: Path) -> str:
    path = folder / "complex.tif"
    with rasterio.open(path, "w", driver="GTiff", width=8, height=8, count=1, dtype="complex64",
                       crs="EPSG:32633", transform=from_origin(0, 80, 10, 10)) as ds:  # fmt: skip
        ds.write(np.ones((1, 8, 8), np.complex64))
    return str(path)


def _many_bands(folder: Path) -> str:
    path = folder / "many.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=301, dtype="uint8",
                       crs="EPSG:32633", transform=from_origin(0, 40, 10, 10)) as ds:  # fmt: skip
        ds.write(np.ones((301, 4, 4), np.uint8))
    return str(path)


def _truncate(folder: Path, good: str) -> str:
    data = Path(good).read_bytes()
    bad = folder / "truncated.pt"
    bad.write_bytes(data[: len(data) // 2])
    return str(bad)


def _random_bytes(folder: Path, good: str) -> str:
    bad = folder / "random.pt"
    bad.write_bytes(np.random.default_rng(0).bytes(4096))
    return str(bad)


def _pickle_bomb(folder: Path, good: str) -> str:
    import torch

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    bad = folder / "evil.pt"
    torch.save({"card": "{}", "state_dict": {"x": Evil()}}, bad)
    return str(bad)


def _wrong_version(folder: Path, good: str) -> str:
    import json

    import torch

    blob = torch.load(good, weights_only=True)
    card = json.loads(blob["card"])
    card["format_version"] = 99
    bad = folder / "v99.pt"
    torch.save({"card": json.dumps(card), "state_dict": blob["state_dict"]}, bad)
    return str(bad)


def _truncated_raster(folder: Path) -> str:
    """A tiled deflate GeoTIFF cut after 60 % of its bytes (an interrupted copy): it opens,
    but its last tiles cannot be read."""
    sc = make_raster(folder / "full.tif", noise=0.3)  # the helper raster's grid
    cut = folder / "cut.tif"
    with rasterio.open(sc["path"]) as src:
        profile = dict(src.profile, tiled=True, blockxsize=16, blockysize=16,
                       compress="deflate")  # fmt: skip
        with rasterio.open(cut, "w", **profile) as dst:
            dst.write(src.read())
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) * 6 // 10])
    return str(cut)


def _windowed_reads(out: Path, sc: dict, monkeypatch: Any) -> None:
    from metamapper.core.reading.raster_io import RAW_READS_ENV

    monkeypatch.setenv(RAW_READS_ENV, "0")  # read through GDAL window by window


def _disk_full(out: Path, sc: dict, monkeypatch: Any) -> None:
    import rasterio.io

    real = rasterio.io.DatasetWriter.write
    count = {"n": 0}

    def write(self, *a, **kw):
        count["n"] += 1
        if count["n"] >= 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *a, **kw)

    monkeypatch.setattr(rasterio.io.DatasetWriter, "write", write)


def _read_only_folder(out: Path, sc: dict, monkeypatch: Any) -> None:
    import tempfile

    def refuse(*a, **kw):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)


CASES = [
    Case("raster without CRS", E.RasterError, "no coordinate reference system.*Assign",
         raster={"crs": None}),
    Case("raster file missing", E.RasterError, "Raster not found.*Choose an existing",
         raw_raster=lambda folder: str(folder / "nope.tif")),
    Case("raster file truncated", E.RasterError, "damaged or incomplete.*copy or export it",
         raw_raster=_truncated_raster),
    Case("raster file truncated, windowed reads", E.RasterError, "damaged or incomplete",
         raw_raster=_truncated_raster, setup=_windowed_reads),
    Case("complex dtype", E.RasterError, "complex values.*Convert", raw_raster=_complex_raster),
    Case("more bands than supported", E.RasterError, "at most 300.*subset of bands",
         raw_raster=_many_bands),
    Case("features do not overlap", E.LabelError, "overlaps the raster.*right CRS",
         features=lambda sc: [LabelledFeature(box_polygon(sc, -90, -80, 0, 5), "a"),
                              LabelledFeature(box_polygon(sc, -90, -80, 6, 9), "b")]),
    Case("region does not overlap", E.RegionError, "does not overlap the raster.*CRS",
         region=lambda sc: [box_polygon(sc, 200, 210, 0, 5)]),
    Case("region is not a polygon", E.RegionError, "no usable polygon",
         region=lambda sc: [point(sc, 3, 3)]),
    Case("fewer than two classes", E.LabelError, "Only one class.*at least one more",
         features=lambda sc: [f for f in two_classes(sc) if f.label == "class_0"]),
    Case("no features at all", E.LabelError, "No labelled features", features=lambda sc: []),
    Case("all class values empty", E.LabelError, "empty/NULL class.*Fill the class field",
         features=lambda sc: [LabelledFeature(f.geometry, None) for f in two_classes(sc)]),
    Case("unusable class value type", E.LabelError, "unusable type.*text or integer field",
         features=lambda sc: [LabelledFeature(f.geometry, {"a": 1}) for f in two_classes(sc)]),
    Case("class only over nodata", E.LabelError, "'clouds' has no usable pixel",
         raster={"nodata": 0, "nodata_box": (0, 4, 0, 8)},
         features=lambda sc: two_classes(sc) + [LabelledFeature(point(sc, 1, 1), "clouds")]),
    Case("region entirely nodata", E.RegionError, "no valid pixel.*region over valid",
         raster={"nodata": 0, "nodata_box": (0, 10, 0, 10)},
         features=lambda sc: features_from_truth(sc, per_class=2, avoid=_top_left(sc)),
         region=lambda sc: [box_polygon(sc, 0, 10, 0, 10)]),
    Case("model file missing", E.ModelFileError, "not found.*Choose an existing",
         model=lambda folder, good: str(folder / "missing.pt")),
    Case("model file truncated", E.ModelFileError, "damaged", model=_truncate),
    Case("model file corrupt", E.ModelFileError, "Cannot read model file", model=_random_bytes),
    Case("model file untrusted pickle", E.ModelFileError, "unsafe|not a MetaMapper",
         model=_pickle_bomb),
    Case("model file wrong version", E.ModelFileError, "format_version 99", model=_wrong_version),
    Case("disk full while writing", E.OutputError, "No space left.*Free disk space",
         setup=_disk_full, options={"tile_size": 16}),
    Case("output folder not writable", E.OutputError, "Cannot write to the output folder",
         setup=_read_only_folder),
    Case("output overwrites the input", E.OutputError, "overwrite the input raster",
         output_name="../r.tif"),
    Case("cuda requested without GPU", E.DeviceError, "CUDA was requested",
         options={"device": "cuda"}),
    Case("wavelength count mismatch", E.InputError, "2 wavelengths.*one wavelength",
         options={"wavelengths_nm": [500.0, 600.0]}),
    Case("cancelled at once", E.Cancelled, "Cancelled", options={"_cancel": True}),
]  # fmt: skip


def _top_left(sc):
    taken = np.zeros_like(sc["truth"], dtype=bool)
    taken[:12, :12] = True
    return taken


@pytest.fixture(scope="module")
def good_model(tmp_path_factory):
    return str(make_model_file(tmp_path_factory.mktemp("m"), episodes=10))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path, good_model, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    if case.raw_raster is not None:
        raster = case.raw_raster(tmp_path)
        sc = make_raster(tmp_path / "helper.tif")  # geometry helpers only
    else:
        sc = make_raster(tmp_path / "r.tif", **{"bands": 3, "width": 40, "height": 32,
                                               **case.raster})  # fmt: skip
        raster = sc["path"]
    feats = case.features(sc) if case.features else two_classes(sc)
    region = case.region(sc) if case.region else None
    model = case.model(tmp_path, good_model) if case.model else good_model
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("an unrelated file")
    before = sorted(p.name for p in out.iterdir())
    opts = dict(case.options)
    cancel = opts.pop("_cancel", False)
    options = MapOptions(**{"device": "cpu", **opts})
    if case.setup is not None:
        case.setup(out, sc, monkeypatch)
    with pytest.raises(case.error, match=case.fragment) as info:
        map_region(raster, feats, str(out / case.output_name), region=region, model_path=model,
                   confidence_path=str(out / "conf.tif"), options=options,
                   is_cancelled=(lambda: True) if cancel else None)  # fmt: skip
    monkeypatch.undo()
    assert isinstance(info.value, E.MetaMapperError)
    assert sorted(p.name for p in out.iterdir()) == before
    assert len(str(info.value)) > 30  # a sentence, not a code


def test_skipped_features_are_counted_and_the_run_carries_on(tmp_path, good_model):
    sc = make_raster(tmp_path / "r.tif", bands=3, width=40, height=32)
    feats = two_classes(sc) + [LabelledFeature(point(sc, 3, 3), None),
                               LabelledFeature(None, "class_0")]  # fmt: skip
    res = map_region(sc["path"], feats, str(tmp_path / "m.tif"), model_path=good_model,
                     options=MapOptions(device="cpu"))  # fmt: skip
    assert res.skipped_features == 2
    assert any("empty/NULL class" in w for w in res.warnings)


def test_single_pixel_region_with_thousands_of_features(tmp_path, good_model):
    sc = make_raster(tmp_path / "r.tif", bands=3, width=60, height=50)
    feats = features_from_truth(sc, per_class=2)
    rng = np.random.default_rng(1)
    truth = sc["truth"]
    for _ in range(3000):
        r, c = int(rng.integers(0, 50)), int(rng.integers(0, 60))
        feats.append(LabelledFeature(point(sc, r, c), f"class_{truth[r, c]}"))
    res = map_region(sc["path"], feats, str(tmp_path / "m.tif"), model_path=good_model,
                     region=[box_polygon(sc, 7.3, 7.6, 9.3, 9.6)],
                     options=MapOptions(device="cpu", estimate_accuracy=False))  # fmt: skip
    with rasterio.open(res.output_path) as ds:
        assert (ds.width, ds.height) == (1, 1) and ds.read(1)[0, 0] > 0
    assert res.region_pixels == 1
