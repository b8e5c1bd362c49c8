"""map_region end to end on tiny generated scenes: grid, dtypes, bands, CRS, cancel, seeds."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from metamapper.core.errors import Cancelled
from metamapper.core.pipeline import MapOptions, map_region

from tests.factories import WGS84, box_polygon, features_from_truth, make_raster
from tests.model_factory import make_model_file


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return str(make_model_file(tmp_path_factory.mktemp("model"), episodes=60))


def run(scene, features, out, model, **kw):
    opts = kw.pop("options", MapOptions(device="cpu", tile_size=32))
    return map_region(scene["path"], features, str(out), model_path=model, options=opts, **kw)


def agreement(out_path, scene, classes, window=None):
    """Fraction of mapped pixels whose class matches the scene's truth."""
    with rasterio.open(out_path) as ds:
        m = ds.read(1)
    truth = scene["truth"]
    if window is not None:
        r0, c0 = window
        truth = truth[r0 : r0 + m.shape[0], c0 : c0 + m.shape[1]]
    code_of = {f"class_{k}": k for k in range(int(scene["truth"].max()) + 1)}
    lut = np.zeros(256, int) - 1
    for i, name in enumerate(classes):
        lut[i + 1] = code_of[name]
    mapped = m > 0
    return float((lut[m][mapped] == truth[mapped]).mean()), m


def test_polygons_map_the_scene_with_outputs_and_report(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", bands=6, n_classes=3)
    feats = features_from_truth(sc, per_class=4)
    seen = []
    res = run(sc, feats, tmp_path / "out.tif", model, confidence_path=str(tmp_path / "conf.tif"),
              progress=lambda f, m: seen.append(f))  # fmt: skip
    acc, m = agreement(res.output_path, sc, res.classes)
    assert acc > 0.9 and (m > 0).all()
    assert res.classes == ["class_0", "class_1", "class_2"] and res.class_codes == [1, 2, 3]
    assert res.region_pixels == sc["width"] * sc["height"]
    assert res.accuracy_estimate is not None and res.accuracy_estimate > 0.8
    assert "over 12 features" in res.accuracy_method
    assert set(res.seconds) >= {"sampling", "adapt", "predict", "total"}
    assert res.support_pixels == {"class_0": 36, "class_1": 36, "class_2": 36}  # 4 x 3x3
    assert seen == sorted(seen) and seen[-1] == 1.0
    with rasterio.open(tmp_path / "conf.tif") as ds:
        c = ds.read(1)
        assert ds.dtypes == ("float32",) and ds.nodata == -1
    assert (c > 0.3).all() and (c <= 1.0).all()
    with rasterio.open(res.output_path) as ds:
        tags = ds.tags()
    assert tags["METAMAPPER_MODEL"] == "tiny" and tags["METAMAPPER_METHOD"] == "protomaml"
    assert tags["METAMAPPER_SEED"] == "0" and '"class_1": 36' in tags["METAMAPPER_SHOTS_PER_CLASS"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "conf.tif", "out.qml", "out.tif", "out.tif.aux.xml", "r.tif"
    ]  # fmt: skip


def test_points_and_partial_region_keep_the_input_grid(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", bands=5, width=80, height=60, nodata=0,
                     nodata_box=(20, 26, 30, 40))  # fmt: skip
    feats = features_from_truth(sc, per_class=6, kind="point")
    region = [box_polygon(sc, 10, 45, 25, 70)]
    res = run(sc, feats, tmp_path / "out.tif", model, region=region)
    with rasterio.open(res.output_path) as ds, rasterio.open(sc["path"]) as src:
        assert ds.crs == src.crs and (ds.width, ds.height) == (45, 35)
        assert ds.transform == src.window_transform(((10, 45), (25, 70)))
        m = ds.read(1)
    assert (m[10:16, 5:15] == 0).all()  # input nodata stays nodata
    assert (m > 0).sum() == 45 * 35 - 60 == res.region_pixels
    acc, _ = agreement(res.output_path, sc, res.classes, window=(10, 25))
    assert acc > 0.85


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16", "int32", "float32", "float64"])
def test_every_dtype(tmp_path, model, dtype):
    sc = make_raster(tmp_path / "r.tif", dtype=dtype, bands=4, width=40, height=32)
    res = run(sc, features_from_truth(sc, per_class=3), tmp_path / "o.tif", model)
    assert agreement(res.output_path, sc, res.classes)[0] > 0.85


@pytest.mark.parametrize("bands", [1, 250])
def test_one_band_and_hyperspectral(tmp_path, model, bands):
    sc = make_raster(tmp_path / "r.tif", bands=bands, width=32, height=24, n_classes=2)
    res = run(sc, features_from_truth(sc, per_class=3), tmp_path / "o.tif", model)
    assert agreement(res.output_path, sc, res.classes)[0] > 0.85


def test_degree_crs_and_integer_labels(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", crs=WGS84, bands=4, width=40, height=32)
    feats = features_from_truth(sc, per_class=3, labels=[10, 20, 30])
    res = run(sc, feats, tmp_path / "o.tif", model)
    assert res.class_codes == [10, 20, 30] and res.classes == ["10", "20", "30"]
    with rasterio.open(res.output_path) as ds:
        assert ds.crs.is_geographic
        assert set(np.unique(ds.read(1)).tolist()) <= {10, 20, 30}


def test_deterministic_for_a_seed_on_cpu(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", bands=4, width=48, height=40, n_classes=4)
    feats = features_from_truth(sc, per_class=3)
    maps = []
    for i in range(2):
        res = run(sc, feats, tmp_path / f"o{i}.tif", model,
                  options=MapOptions(device="cpu", seed=5, shots_cap=4, tile_size=16))  # fmt: skip
        with rasterio.open(res.output_path) as ds:
            maps.append(ds.read(1))
    np.testing.assert_array_equal(maps[0], maps[1])


@pytest.mark.parametrize("cancel_after", [1, 3, 8, 30])
def test_cancel_at_any_moment_leaves_nothing(tmp_path, model, cancel_after):
    sc = make_raster(tmp_path / "r.tif", bands=4, width=64, height=64)
    feats = features_from_truth(sc, per_class=3)
    (tmp_path / "out").mkdir()
    calls = {"n": 0}

    def cancelled():
        calls["n"] += 1
        return calls["n"] >= cancel_after

    with pytest.raises(Cancelled):
        run(sc, feats, tmp_path / "out" / "map.tif", model, is_cancelled=cancelled,
            confidence_path=str(tmp_path / "out" / "conf.tif"))  # fmt: skip
    assert list((tmp_path / "out").iterdir()) == []


def test_overwrite_existing_output(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", bands=3, width=32, height=32)
    out = tmp_path / "o.tif"
    out.write_bytes(b"an old map")
    res = run(sc, features_from_truth(sc, per_class=2), out, model,
              options=MapOptions(device="cpu", estimate_accuracy=False))  # fmt: skip
    with rasterio.open(out) as ds:
        assert ds.count == 1
    assert res.accuracy_estimate is None and "switched off" in res.accuracy_method


def test_unicode_and_long_class_names(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", bands=3, width=32, height=32, n_classes=2)
    names = ["forêt humide 🌲", "Wasser/" + "x" * 250]
    res = run(sc, features_from_truth(sc, per_class=2, labels=names), tmp_path / "o.tif", model)
    assert res.classes == sorted(names)
    qml = (tmp_path / "o.qml").read_text(encoding="utf-8")
    assert "forêt humide 🌲" in qml and "x" * 250 in qml


@pytest.mark.parametrize("mode", ["smooth"])
def test_spatial_context_modes_map_the_scene(tmp_path, mode):
    """Context (tiles with a halo, support read with its neighbourhood) keeps the grid."""
    model = make_model_file(tmp_path, episodes=20, name=f"ctx_{mode}",
                            band_mapping={"context_radius": 1, "context_mode": mode})
    sc = make_raster(tmp_path / "r.tif", bands=5, n_classes=3)
    feats = features_from_truth(sc, per_class=3)
    res = run(sc, feats, tmp_path / "out.tif", str(model))
    acc, m = agreement(res.output_path, sc, res.classes)
    assert acc > 0.85 and (m > 0).all()
    with rasterio.open(res.output_path) as ds, rasterio.open(sc["path"]) as src:
        assert ds.transform == src.transform and ds.shape == src.shape


def test_band_correction_model_maps_the_same_whatever_the_tiling(tmp_path):
    """Halo, smoothing, appended bands and the folded head agree across tile sizes."""
    model = make_model_file(
        tmp_path, episodes=20, name="corr", method="protonet",
        band_mapping={"context_radius": 1, "context_mode": "smooth", "append_bands": True},
        band_correction={"l2": 0.1, "min_shots": 2},
    )  # fmt: skip
    sc = make_raster(tmp_path / "r.tif", bands=7, n_classes=3)
    feats = features_from_truth(sc, per_class=3)
    maps, confs = [], []
    for tile in (16, 37, 1024):
        out, conf = tmp_path / f"out{tile}.tif", tmp_path / f"c{tile}.tif"
        res = run(sc, feats, out, str(model), confidence_path=str(conf),
                  options=MapOptions(device="cpu", tile_size=tile, estimate_accuracy=False))
        acc, m = agreement(res.output_path, sc, res.classes)
        assert acc > 0.85 and (m > 0).all()
        maps.append(m)
        with rasterio.open(conf) as ds:
            confs.append(ds.read(1))
    for m, c in zip(maps[1:], confs[1:]):
        np.testing.assert_array_equal(m, maps[0])
        np.testing.assert_allclose(c, confs[0], atol=1e-5)


def test_gdal_block_cache_is_bounded_during_a_run(tmp_path, model):
    """GDAL's default cache (5 % of RAM) made peak memory grow with the region size."""
    from metamapper.core.reading.raster_io import GDAL_CACHE_MB

    sc = make_raster(tmp_path / "r.tif", bands=3, n_classes=2)
    seen = []
    run(sc, features_from_truth(sc, per_class=2), tmp_path / "out.tif", model,
        progress=lambda f, m: seen.append(rasterio.env.getenv().get("GDAL_CACHEMAX")))
    # rasterio passes the value to GDAL as bytes: 128 alone would be a 128-byte cache
    assert seen and all(int(v) == GDAL_CACHE_MB * 2**20 for v in seen)


def test_region_features_for_transduction_equal_the_reference_mapping(tmp_path):
    """The region's unlabelled pixels (transduction) are mapped, with their neighbourhood,
    exactly as ``map_tile`` maps the whole raster; nodata pixels are left out."""
    from metamapper.core.mapping.band_mapping import BandStats, default_band_mapping, map_tile
    from metamapper.core.mapping.tile_features import TileMapper
    from metamapper.core.reading.raster_io import make_region, open_raster_info, read_block
    from metamapper.core.region_steps import region_features as _region_features
    from rasterio.windows import Window

    sc = make_raster(tmp_path / "r.tif", bands=5, nodata=0, nodata_box=(3, 9, 5, 12))
    card_bm = default_band_mapping(context_radius=1, context_mode="smooth")
    info = open_raster_info(sc["path"])
    with rasterio.open(sc["path"]) as ds:
        data, valid = read_block(ds, info, Window(0, 0, info.width, info.height))
        stats = BandStats.from_samples(data[:, valid].T)
        region = make_region(info, None)
        got = _region_features(ds, info, region, TileMapper(stats, card_bm), 10**6, seed=0)
    ref = map_tile(data, valid, stats, card_bm)[:, valid].T  # row-major, one 256-px tile
    assert got.shape == ref.shape and valid.sum() < valid.size
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-4)
