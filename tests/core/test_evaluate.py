"""evaluate --quick on a tiny synthetic GeoTIFF scene writes the CSV, plot and report."""

from __future__ import annotations

import csv

import numpy as np
import rasterio
from metamapper.training.evaluate import CSV_COLUMNS, main
from metamapper.training.metatrain.scenes import gpkg_blob_to_geojson, read_geotiff_scene
from rasterio.transform import from_origin

from tests.model_factory import make_model_file


def write_scene(tmp_path, seed: int = 0):
    """A 48 x 48 px, 5-band GeoTIFF of 8x8 px fields (3 classes) + a label GeoTIFF."""
    rng = np.random.default_rng(seed)
    fields = rng.permutation(np.arange(36) % 3 + 1).reshape(6, 6)
    labels = np.kron(fields, np.ones((8, 8), dtype=np.uint8)).astype(np.uint8)
    spectra = rng.uniform(500, 4000, size=(4, 5))
    cube = spectra[labels].transpose(2, 0, 1) + rng.normal(0, 60, (5, 48, 48))
    labels[rng.random(labels.shape) < 0.1] = 0
    profile = dict(driver="GTiff", width=48, height=48, crs="EPSG:32633",
                   transform=from_origin(500000, 5000000, 10, 10))
    img, lab = tmp_path / "img.tif", tmp_path / "labels.tif"
    with rasterio.open(img, "w", count=5, dtype="uint16", **profile) as ds:
        ds.write(np.clip(cube, 0, 65535).astype("uint16"))
    with rasterio.open(lab, "w", count=1, dtype="uint8", nodata=0, **profile) as ds:
        ds.write(labels, 1)
    return img, lab


def test_quick_evaluation_writes_benchmarks(tmp_path, capsys):
    img, lab = write_scene(tmp_path)
    model = make_model_file(tmp_path, episodes=20)
    out = tmp_path / "docs"
    rc = main(["--quick", "--no-shared", "--no-supervised", "--model", str(model),
               "--scene", f"{img}:{lab}::tiny", "--out", str(out), "--draws", "2"])
    assert rc == 0
    with open(out / "benchmarks.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == CSV_COLUMNS
    methods = {r["method"] for r in rows}
    for view in ("px", "n3", "m3", "m5"):
        for name in ("random_forest", "svm_rbf", "knn", "logistic_regression"):
            assert {f"{name}_{view}", f"{name}_{view}_maj"} <= methods
    assert {"label_spreading", "fewshotnet_scratch", "metamapper_inductive"} <= methods
    assert {r["k"] for r in rows} == {"1", "5"}
    assert {r["style"] for r in rows} == {"points", "polygons"}
    for r in rows:
        assert r["scene"] == "tiny" and r["draws"] == "2" and r["n_classes"] == "3"
        assert 0.0 <= float(r["oa_mean"]) <= 1.0 and float(r["query_pixels_mean"]) > 0
    # fields of distinct spectra: a random forest on 5 shots separates them
    rf5 = next(r for r in rows if r["method"] == "random_forest_px" and r["k"] == "5")
    assert float(rf5["oa_mean"]) > 0.9
    assert (out / "benchmarks.png").stat().st_size > 1000
    md = (out / "benchmarks.md").read_text()
    assert "## points: mean over all scenes" in md and "| tiny |" in md


def test_a_metamapper_only_run_writes_its_report(tmp_path):
    """``--methods metamapper`` (fold-model probes) has no baseline rows to compare with:
    the report still gets written, its per-scene rows without the baseline columns."""
    img, lab = write_scene(tmp_path)
    model = make_model_file(tmp_path, episodes=20)
    out = tmp_path / "docs"
    rc = main(["--no-shared", "--no-supervised", "--model", str(model), "--methods",
               "metamapper", "--shots", "5", "--scene", f"{img}:{lab}::tiny", "--out",
               str(out), "--draws", "1"])
    assert rc == 0
    with open(out / "benchmarks.csv", newline="") as fh:
        methods = {r["method"] for r in csv.DictReader(fh)}
    assert methods and all(m.startswith("metamapper") for m in methods)
    md = (out / "benchmarks.md").read_text()
    assert "| tiny | 3 | " in md and "| | | |" in md


def test_missing_shared_data_is_a_clear_skip(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("METAMAPPER_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setenv("METAMAPPER_CACHE", str(tmp_path / "cache"))
    model = make_model_file(tmp_path, episodes=5)
    rc = main(["--scenes", "salinas_a,s2_slovenia", "--model", str(model),
               "--out", str(tmp_path / "o")])
    text = capsys.readouterr().out
    assert rc == 0
    assert "skipping salinas_a" in text and "METAMAPPER_DATA" in text
    assert "nothing done" in text
    assert not (tmp_path / "o" / "benchmarks.csv").exists()


def test_vector_labels_from_a_geopackage(tmp_path):
    from osgeo import ogr, osr

    img, _ = write_scene(tmp_path)
    gpkg = tmp_path / "labels.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(gpkg))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    layer = ds.CreateLayer("labels", srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("cls", ogr.OFTString))
    for name, (x0, y0) in {"water": (500000, 4999600), "crop": (500200, 4999800)}.items():
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetField("cls", name)
        f.SetGeometry(ogr.CreateGeometryFromWkt(
            f"POLYGON(({x0} {y0},{x0 + 100} {y0},{x0 + 100} {y0 + 100},{x0} {y0 + 100},"
            f"{x0} {y0}))"))
        layer.CreateFeature(f)
    ds = None
    scene = read_geotiff_scene(img, gpkg, class_field="cls")
    assert scene.class_names == {1: "crop", 2: "water"}  # sorted strings coded 1..N
    assert scene.class_counts() == {1: 100, 2: 100}  # 10 x 10 px of 10 m
    assert scene.cube.shape == (48, 48, 5)


def test_gpkg_blob_parser_reads_multipolygons():
    import struct

    ring = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]
    poly = struct.pack("<BII", 1, 3, 1) + struct.pack("<I", 4) + b"".join(
        struct.pack("<dd", *p) for p in ring)
    wkb = struct.pack("<BII", 1, 6, 2) + poly + poly
    blob = b"GP" + bytes([0, 0b00000001]) + struct.pack("<i", 4326) + wkb
    geom = gpkg_blob_to_geojson(blob)
    assert geom["type"] == "MultiPolygon" and len(geom["coordinates"]) == 2
    assert geom["coordinates"][0][0][2] == [1.0, 1.0]


def test_smoothing_context_feeds_the_model_smoothed_pixels(tmp_path):
    """A card with a 'smooth' context feeds the model the plugin's 3x3-mean pixels."""
    from metamapper.training.evaluate import context_pixels
    from metamapper.training.metatrain.scenes import read_geotiff_scene

    img, lab = write_scene(tmp_path)
    scene = read_geotiff_scene(str(img), str(lab), name="tiny")
    card = {"band_mapping": {"context_radius": 1, "context_mode": "smooth"}}
    smoothed = context_pixels(scene, card).reshape(scene.cube.shape)
    np.testing.assert_allclose(smoothed[20, 20], scene.cube[19:22, 19:22].mean(axis=(0, 1)),
                               rtol=1e-5)
    assert context_pixels(scene, {"band_mapping": {"context_radius": 0}}) is None


def test_map_views_and_majority_filter():
    from metamapper.training.baselines import SceneMaps, majority_filter

    rng = np.random.default_rng(0)
    cube = rng.normal(size=(12, 10, 40)).astype(np.float32)
    cube[0, 0] = np.nan
    maps = SceneMaps.from_cube(cube, max_stack_bands=30)
    assert maps.views["px"].shape == (120, 40) and maps.views["n3"].shape == (120, 270)
    assert 0 not in maps.valid_idx and maps.valid_idx.size == 119
    m3 = maps.views["m3"].reshape(12, 10, 40)
    z = maps.views["px"].reshape(12, 10, 40)
    np.testing.assert_allclose(m3[5, 5], z[4:7, 4:7].mean(axis=(0, 1)), rtol=1e-4, atol=1e-5)
    labels = np.zeros((5, 5), int)
    labels[2, 2] = 1  # an isolated pixel is voted away
    labels[0:2, 3:5] = 1
    out = majority_filter(labels, np.ones((5, 5), bool), 2)
    assert out[2, 2] == 0 and out[0, 4] == 1


def test_partial_rerun_joins_an_earlier_run_on_the_same_draws():
    """--methods + --merge-records: the fresh method records replace the earlier ones, the
    other methods stay, and fresh draws the earlier run never scored are dropped."""
    from metamapper.training.evaluate import merge_records, selected

    def rec(method, draw, oa):
        return {"scene": "s", "style": "points", "k": 5, "draw": draw, "method": method, "oa": oa}

    earlier = [rec("rf", 0, 0.8), rec("rf", 1, 0.7), rec("metamapper_x", 0, 0.5),
               rec("metamapper_x", 1, 0.5)]
    fresh = [rec("metamapper_x", 0, 0.9), rec("metamapper_x", 1, 0.6),
             rec("metamapper_x", 2, 0.1)]
    merged = merge_records(fresh, earlier)
    assert sorted((m["method"], m["draw"], m["oa"]) for m in merged) == [
        ("metamapper_x", 0, 0.9), ("metamapper_x", 1, 0.6), ("rf", 0, 0.8), ("rf", 1, 0.7)]
    other_k = [dict(m, k=20) for m in earlier]
    chained = merge_records([dict(rec("metamapper_x", 0, 0.3), k=20)], merged + other_k)
    assert sorted((m["method"], m["k"], m["draw"], m["oa"]) for m in chained
                  if m["method"] == "metamapper_x") == [
        ("metamapper_x", 5, 0, 0.9), ("metamapper_x", 5, 1, 0.6), ("metamapper_x", 20, 0, 0.3)]
    methods = {"metamapper_a": 1, "metamapper_b": 2, "random_forest_px": 3}
    assert list(selected(methods, ["metamapper"])) == ["metamapper_a", "metamapper_b"]
    assert selected(methods, None) == methods
