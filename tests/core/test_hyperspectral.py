"""Hyperspectral rasters: wavelengths and bad bands from the raster's metadata, the block-
sized GDAL cache, support neighbourhoods read as patches, and the one-projection prediction
path, all on small generated rasters."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from metamapper.core.errors import RasterError
from metamapper.core.pipeline import MapOptions, map_region
from metamapper.core.reading.band_metadata import read_band_metadata, read_envi_header
from metamapper.core.reading.raster_io import (
    GDAL_CACHE_MAX,
    GDAL_CACHE_MIN,
    cache_holds,
    gdal_cache_bytes,
    make_region,
    open_raster_info,
    read_block,
)
from rasterio.transform import from_origin
from rasterio.windows import Window

from tests.factories import UTM, features_from_truth, make_raster
from tests.model_factory import make_model_file


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return str(make_model_file(tmp_path_factory.mktemp("model"), episodes=60))


def _envi(path, data, header_extra: str = "", interleave: str = "bsq"):
    """An ENVI raster of ``data`` (B, H, W) with extra header lines."""
    profile = dict(driver="ENVI", width=data.shape[2], height=data.shape[1], count=data.shape[0],
                   dtype=data.dtype.name, crs=UTM, transform=from_origin(500000, 5000000, 10, 10),
                   interleave=interleave)  # fmt: skip
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data)
    hdr = path.with_suffix(".hdr")
    hdr.write_text(hdr.read_text() + header_extra)
    for aux in path.parent.glob(path.name + ".aux.xml"):
        aux.unlink()  # GDAL's PAM copy would mask what the header says
    return path


# --------------------------------------------------------------------------- wavelengths


def test_envi_header_wavelengths_in_micrometres_and_bbl(tmp_path):
    data = np.arange(4 * 3 * 5, dtype=np.uint16).reshape(4, 3, 5) + 1
    path = _envi(tmp_path / "cube.bsq", data,
                 "wavelength units = Micrometers\nwavelength = {0.45,\n 0.55, 0.65,\n 2.2}\n"
                 "bbl = {1, 1, 0, 1}\n")  # fmt: skip
    assert read_envi_header(path.with_suffix(".hdr"))["bbl"] == "{1, 1, 0, 1}"
    info = open_raster_info(path)
    assert info.wavelengths_nm == pytest.approx([450.0, 550.0, 650.0, 2200.0])
    assert "ENVI header cube.hdr" in info.wavelength_source
    assert "Micrometers" in info.wavelength_source
    assert info.flagged_bad_bands == (3,)


def test_envi_header_nanometres_without_bbl(tmp_path):
    data = np.ones((3, 4, 4), dtype=np.int16)
    path = _envi(tmp_path / "c.bil", data, "wavelength units = Nanometers\n"
                 "wavelength = {450.5, 550, 650}\n", interleave="bil")  # fmt: skip
    info = open_raster_info(path)
    assert info.wavelengths_nm == [450.5, 550.0, 650.0] and info.flagged_bad_bands == ()


def test_envi_wavenumbers_are_not_taken_for_wavelengths(tmp_path):
    path = _envi(tmp_path / "w.bsq", np.ones((3, 4, 4), np.uint16),
                 "wavelength units = Wavenumber\nwavelength = {900, 1000, 1100}\n")  # fmt: skip
    assert open_raster_info(path).wavelengths_nm is None


def _tif(tmp_path, bands=3):
    sc = make_raster(tmp_path / "g.tif", bands=bands)
    return sc["path"]


def test_gdal_imagery_domain(tmp_path):
    path = _tif(tmp_path)
    with rasterio.open(path, "r+") as ds:
        for b, um in enumerate([0.49, 0.56, 0.665], start=1):
            ds.update_tags(b, ns="IMAGERY", CENTRAL_WAVELENGTH_UM=str(um))
    info = open_raster_info(path)
    assert info.wavelengths_nm == pytest.approx([490.0, 560.0, 665.0])
    assert "IMAGERY" in info.wavelength_source


def test_band_wavelength_items_in_micrometres_without_units(tmp_path):
    path = _tif(tmp_path)
    with rasterio.open(path, "r+") as ds:
        for b, um in enumerate([0.49, 0.56, 0.665], start=1):
            ds.update_tags(b, WAVELENGTH=str(um))
    info = open_raster_info(path)
    assert info.wavelengths_nm == pytest.approx([490.0, 560.0, 665.0])
    assert "WAVELENGTH" in info.wavelength_source


def test_envi_domain_list_as_enmap_box_writes_it(tmp_path):
    path = _tif(tmp_path)
    with rasterio.open(path, "r+") as ds:
        ds.update_tags(ns="ENVI", wavelength="{418.2, 423.9, 429.3}",
                       wavelength_units="Nanometers")  # fmt: skip
    info = open_raster_info(path)
    assert info.wavelengths_nm == pytest.approx([418.2, 423.9, 429.3])
    assert "ENVI metadata domain" in info.wavelength_source


def test_enmap_metadata_xml_next_to_the_spectral_image(tmp_path):
    sc = make_raster(tmp_path / "ENMAP01-L2A-X-SPECTRAL_IMAGE.TIF", bands=3)
    bands = "".join(f'<bandID number="{i + 1}"><wavelengthCenterOfBand>{w}'
                    "</wavelengthCenterOfBand></bandID>"
                    for i, w in enumerate([418.24, 423.87, 429.29]))  # fmt: skip
    (tmp_path / "ENMAP01-L2A-X-METADATA.XML").write_text(
        f"<level_X><specific><bandCharacterisation>{bands}</bandCharacterisation>"
        "</specific></level_X>"
    )
    info = open_raster_info(sc["path"])
    assert info.wavelengths_nm == pytest.approx([418.24, 423.87, 429.29])
    assert "EnMAP" in info.wavelength_source


def test_prisma_list_and_band_descriptions(tmp_path):
    path = _tif(tmp_path)
    with rasterio.open(path, "r+") as ds:
        ds.update_tags(List_Cw_Vnir="0 402.4 411.3 419.4")  # PRISMA lists unused bands as 0
    with rasterio.open(path) as ds:
        meta = read_band_metadata(ds)
    assert meta.wavelengths_nm == pytest.approx([402.4, 411.3, 419.4])
    path2 = make_raster(tmp_path / "d.tif", bands=2)["path"]
    with rasterio.open(path2, "r+") as ds:
        ds.set_band_description(1, "Band 1 (0.45 µm)")
        ds.set_band_description(2, "B2 560 nm")
    assert open_raster_info(path2).wavelengths_nm == pytest.approx([450.0, 560.0])


def test_no_wavelengths_found(tmp_path):
    info = open_raster_info(_tif(tmp_path))
    assert info.wavelengths_nm is None and info.wavelength_source == ""


def test_wavelength_source_is_logged_and_the_parameter_overrides(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", bands=4, n_classes=2)
    with rasterio.open(sc["path"], "r+") as ds:
        for b, nm in enumerate([490, 560, 665, 842], start=1):
            ds.update_tags(b, WAVELENGTH=str(nm), WAVELENGTH_UNITS="nm")
    feats = features_from_truth(sc, per_class=2)
    opts = MapOptions(device="cpu", tile_size=32, estimate_accuracy=False)
    res = map_region(sc["path"], feats, str(tmp_path / "a.tif"), model_path=model, options=opts)
    assert any("4 read from the bands' WAVELENGTH metadata (490-842 nm)" in n for n in res.notes)
    opts.wavelengths_nm = [400.0, 500.0, 600.0, 700.0]
    res = map_region(sc["path"], feats, str(tmp_path / "b.tif"), model_path=model, options=opts)
    assert any("WAVELENGTHS parameter (overrides those in the bands' WAVELENGTH" in n
               for n in res.notes)  # fmt: skip


# --------------------------------------------------------------------------- bad bands


def _class_map(path):
    with rasterio.open(path) as ds:
        return ds.read(1)


def test_constant_and_empty_bands_are_dropped_and_change_nothing(tmp_path, model):
    """A constant band and an all-nodata band are dropped with a log line: the class map
    equals the one of the same raster without them."""
    sc = make_raster(tmp_path / "clean.tif", bands=4, n_classes=3, width=96, height=80)
    data = sc["data"]
    bad = np.concatenate([data[:2], np.full((1, *data.shape[1:]), 777, data.dtype), data[2:],
                          np.full((1, *data.shape[1:]), 0, data.dtype)])  # fmt: skip
    profile = dict(driver="GTiff", width=96, height=80, count=6, dtype=data.dtype.name,
                   crs=UTM, transform=sc["transform"])  # fmt: skip
    dirty = tmp_path / "dirty.tif"
    with rasterio.open(dirty, "w", **profile) as ds:
        ds.write(bad)
    vrt = tmp_path / "dirty.vrt"  # band 6 holds only its nodata value (0)
    from tests.factories import _write_vrt

    _write_vrt(str(vrt), dirty.name, profile, [None] * 5 + [0])
    feats = features_from_truth(sc, per_class=3)
    opts = MapOptions(device="cpu", tile_size=32, estimate_accuracy=False)
    ref = map_region(sc["path"], feats, str(tmp_path / "ref.tif"), model_path=model, options=opts)
    res = map_region(str(vrt), feats, str(tmp_path / "out.tif"), model_path=model, options=opts)
    assert any("1 without any data in the region (bands 6)" in n for n in res.notes)
    assert any("1 constant in the region (bands 3)" in n for n in res.notes)
    assert not any("Bad bands" in n for n in ref.notes)
    np.testing.assert_array_equal(_class_map(res.output_path), _class_map(ref.output_path))


def test_envi_bbl_flagged_bands_are_dropped(tmp_path, model):
    sc = make_raster(tmp_path / "clean.tif", bands=4, n_classes=3, width=64, height=64)
    noisy = np.random.default_rng(1).integers(1, 60000, size=(1, 64, 64)).astype(np.uint16)
    cube = np.concatenate([sc["data"][:3], noisy, sc["data"][3:]])  # band 4: noise, flagged
    path = _envi(tmp_path / "cube.bsq", cube, "bbl = {1, 1, 1, 0, 1}\n"
                 "wavelength = {450, 550, 650, 700, 850}\nwavelength units = nm\n")  # fmt: skip
    feats = features_from_truth(sc, per_class=3)
    opts = MapOptions(device="cpu", tile_size=32, estimate_accuracy=False)
    opts_ref = MapOptions(device="cpu", tile_size=32, estimate_accuracy=False,
                          wavelengths_nm=[450.0, 550.0, 650.0, 850.0])  # fmt: skip
    res = map_region(str(path), feats, str(tmp_path / "out.tif"), model_path=model,
                     options=opts)  # fmt: skip
    ref = map_region(sc["path"], feats, str(tmp_path / "ref.tif"), model_path=model,
                     options=opts_ref)  # fmt: skip
    assert any("1 flagged bad in the ENVI header cube.hdr (bbl) (bands 4)" in n
               for n in res.notes)  # fmt: skip
    np.testing.assert_array_equal(_class_map(res.output_path), _class_map(ref.output_path))


@pytest.mark.parametrize("dtype", ["uint16", "int16", "float32"])
@pytest.mark.parametrize("case", ["clean", "nodata hit", "nodata outside", "nan", "region"])
def test_band_scan_shortcut_equals_the_per_value_scan(dtype, case):
    """The bad-band scan's two-reduction shortcut gives the counts and extremes of the
    per-value validity it skips (forced here by an all-True mask)."""
    from metamapper.core.adapting.region_sample import _band_scan

    rng = np.random.default_rng(3)
    data = rng.integers(-50 if dtype != "uint16" else 1, 900, size=(5, 12, 9)).astype(dtype)
    inside = np.ones((12, 9), dtype=bool)
    nodata: list = [None, 0.0, None, -9999.0, 700.0]
    if case == "nodata hit":
        data[1, 3, 4] = 0
        data[4, :, :] = 700  # a band all nodata
    elif case == "nodata outside":
        nodata = [5000.0] * 5
    elif case == "nan" and dtype == "float32":
        data[2, 5, 5] = np.nan
        nodata = [float("nan")] * 5
    elif case == "region":
        inside[:4] = False
    got = _band_scan(data, inside, nodata)
    ref = _band_scan(data, inside, nodata, masks=np.ones(data.shape, dtype=bool))
    np.testing.assert_array_equal(got[0], ref[0])
    seen = ref[0] > 0
    np.testing.assert_array_equal(got[1][seen], ref[1][seen])
    np.testing.assert_array_equal(got[2][seen], ref[2][seen])
    if case == "nodata hit":
        assert got[0][1] == data[1].size - 1 and got[0][4] == 0


def test_all_bands_flagged_bad_is_refused(tmp_path):
    from metamapper.core.adapting.region_sample import select_usable_bands

    path = _envi(tmp_path / "x.bsq", np.ones((2, 8, 8), np.uint16) * 5, "bbl = {0, 0}\n")
    info = open_raster_info(path)
    with rasterio.open(path) as ds, pytest.raises(RasterError, match="No usable band"):
        select_usable_bands(ds, info, make_region(info, None))


# --------------------------------------------------------------------------- I/O and speed


def test_cache_holds_counts_the_blocks_under_a_window(tmp_path):
    path, _ = _tiled(tmp_path / "t.tif", "pixel", bands=5, size=64, block=16)
    block = 16 * 16 * 5 * 2  # one decoded block, all bands
    with rasterio.open(path) as ds:
        two = Window(8, 0, 16, 16)  # straddles two blocks of one block row
        assert not cache_holds(ds, two)  # outside a rasterio.Env: no cache size known
        with rasterio.Env(GDAL_CACHEMAX=2 * block):
            assert cache_holds(ds, two) and cache_holds(ds, Window(0, 0, 32, 16))
            assert not cache_holds(ds, Window(0, 0, 33, 16))  # a third block
            assert not cache_holds(ds, Window(0, 0, 64, 64))  # the 16 blocks of the raster
        with rasterio.Env(GDAL_CACHEMAX=16 * block):
            assert cache_holds(ds, Window(-3, -3, 70, 70))  # clipped to the raster


def test_gdal_cache_follows_the_raster_blocks(tmp_path):
    small = make_raster(tmp_path / "s.tif", bands=3)["path"]
    assert gdal_cache_bytes(small) == GDAL_CACHE_MIN
    big = tmp_path / "b.tif"
    profile = dict(driver="GTiff", width=512, height=512, count=220, dtype="uint16", crs=UTM,
                   transform=from_origin(500000, 5000000, 10, 10), tiled=True, blockxsize=512,
                   blockysize=512, compress="deflate")  # fmt: skip
    with rasterio.open(big, "w", **profile):
        pass
    block = 512 * 512 * 220 * 2
    assert gdal_cache_bytes(big) == block + 32 * 2**20  # the one block it has, + outputs
    assert GDAL_CACHE_MIN < gdal_cache_bytes(big) <= GDAL_CACHE_MAX
    assert gdal_cache_bytes(tmp_path / "missing.tif") == GDAL_CACHE_MIN


def test_support_patches_equal_the_reference_mapping_at_edges_and_nodata(tmp_path):
    from metamapper.core.adapting.sampling import SupportSet
    from metamapper.core.mapping.band_mapping import BandStats, default_band_mapping, map_tile
    from metamapper.core.mapping.tile_features import TileMapper
    from metamapper.core.region_steps import support_features as _support_features

    sc = make_raster(tmp_path / "r.tif", bands=5, nodata=0, nodata_box=(3, 9, 5, 12), block=4)
    info = open_raster_info(sc["path"])
    rows = np.array([0, 0, 47, 20, 9, 2, 30, 47])
    cols = np.array([0, 63, 63, 30, 12, 4, 1, 0])
    for mode in ("smooth", "append"):
        card_bm = default_band_mapping(context_radius=1, context_mode=mode, append_bands=True)
        with rasterio.open(sc["path"]) as ds:
            data, valid = read_block(ds, info, Window(0, 0, info.width, info.height))
            stats = BandStats.from_samples(data[:, valid].T)
            support = SupportSet(x=data[:, rows, cols].T.astype(np.float32), y=np.zeros(8, int),
                                 feature_id=np.arange(8), rows=rows, cols=cols, classes=["a"],
                                 codes=[1], pixels_per_class={}, support_pixels={},
                                 features_per_class={}, skipped={}, conflicts=0,
                                 warnings=[])  # fmt: skip
            got = _support_features(ds, info, support, stats, card_bm, TileMapper(stats, card_bm))
        ref = map_tile(data, valid, stats, card_bm)[:, rows, cols].T
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("chunked", [False, True], ids=["one-chunk", "chunked"])
@pytest.mark.parametrize("dtype", ["uint16", "int16", "float32"])
def test_projection_path_equals_the_exact_mapping(dtype, chunked, monkeypatch):
    """The one-projection path of many-band tiles gives the exact path's classes and
    confidences, also with clipped, negative and nodata pixels in the tile, whether the
    tile is projected and classified at once or in several column chunks."""
    import torch
    from metamapper.core.mapping import spectral_projection
    from metamapper.core.predicting import predict

    if chunked:
        monkeypatch.setattr(spectral_projection, "FAST_CHUNK", 1000)
        monkeypatch.setattr(spectral_projection, "NET_CHUNK", 300)
        monkeypatch.setattr(spectral_projection, "PROJECT_BYTES", 1)
        monkeypatch.setattr(predict, "CPU_CHUNK", 1000)
    from metamapper.core.adapting.adapt import adapt
    from metamapper.core.mapping.band_mapping import BandStats
    from metamapper.core.mapping.tile_features import TileMapper
    from metamapper.core.model import load_model

    monkeypatch.setenv("METAMAPPER_PRECISION", "fp32")
    predict.cpu_bfloat16_is_faster.cache_clear()
    try:
        rng = np.random.default_rng(0)
        b, h, w = 48, 150, 44
        spectra = rng.uniform(500, 5000, size=(4, b))
        truth = rng.integers(0, 4, size=(h // 4 + 1, w // 4 + 1)).repeat(4, 0).repeat(4, 1)
        truth = truth[:h, :w]
        data = spectra[truth].transpose(2, 0, 1) + rng.normal(0, 100, size=(b, h, w))
        data[:, 5, 5] = 60000.0  # clipped standardised values
        data[:, 64, 10] = 60000.0  # the first row of the second band of rows
        data[2, 130, 40] = 60000.0
        data[7, 20, 20] = 0.0
        if dtype != "uint16":
            data[3, 30, 30] = -50.0  # a negative value: |x| != x
        data = data.astype(dtype)
        valid = np.ones((h, w), bool)
        valid[10:14, 30:36] = False
        loaded = load_model(None)
        card_bm = loaded.card["band_mapping"]
        stats = BandStats.from_samples(data[:, valid].T)
        mapper = TileMapper(stats, card_bm)
        pick = np.flatnonzero(valid)
        with torch.inference_mode():
            feats = np.concatenate([c.T.numpy() for c in mapper.iter_feature_chunks(
                data, valid, pick[::7])])  # fmt: skip
        clf = adapt(loaded, feats, truth.reshape(-1)[pick[::7]], 4, device="cpu", seed=0)
        # keep_probabilities: every class's probability too (what the suggestions score)
        pred = predict.BatchPredictor(clf, "cpu", keep_probabilities=True)
        idx, conf = pred.predict_tile((stats, card_bm, None), data, valid, pick)
        assert pred._projected is not None
        soft = pred.last_probabilities
        pred._projected = None  # the exact path
        idx0, conf0 = pred.predict_tile((stats, card_bm, None), data, valid, pick)
        assert (idx == idx0).mean() > 0.999
        np.testing.assert_allclose(conf, conf0, atol=2e-3)
        assert soft is not None and soft.shape == (4, pick.size)
        np.testing.assert_allclose(soft, pred.last_probabilities, atol=2e-3)
        np.testing.assert_allclose(soft.max(axis=0), conf, atol=1e-5)
    finally:
        predict.cpu_bfloat16_is_faster.cache_clear()


@pytest.mark.parametrize("layout", ["bil", "geotiff"])
def test_reader_thread_projection_maps_the_same(tmp_path, monkeypatch, layout):
    """The reader thread projects the next tile ahead (BatchPredictor.prepare_tile) on raw
    layouts and on a GeoTIFF whose blocks GDAL's cache holds (map_region sizes the cache
    for this small one): class map and confidences equal those of tiles projected in turn."""
    from metamapper.core.predicting import predict

    sc = make_raster(tmp_path / "r.tif", bands=40, n_classes=3, width=70, height=60)
    feats = features_from_truth(sc, per_class=3)
    if layout == "bil":
        envi = tmp_path / "r.bil"  # a raw layout: the reader thread projects ahead
        with rasterio.open(sc["path"]) as src, rasterio.open(
                envi, "w", driver="ENVI", interleave="bil", width=70, height=60, count=40,
                dtype=src.dtypes[0], crs=src.crs, transform=src.transform) as dst:  # fmt: skip
            dst.write(src.read())
        sc = {**sc, "path": str(envi)}
    opts = MapOptions(device="cpu", tile_size=32, estimate_accuracy=False, transductive=False)
    calls = []
    prepare = predict.BatchPredictor.prepare_tile

    def counted(self, *args):
        out = prepare(self, *args)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(predict.BatchPredictor, "prepare_tile", counted)
    res = map_region(sc["path"], feats, str(tmp_path / "a.tif"), options=opts,
                     confidence_path=str(tmp_path / "ca.tif"))  # fmt: skip
    assert len(calls) == 6 and all(calls)  # 3 x 2 tiles, each projected ahead
    monkeypatch.setattr(predict.BatchPredictor, "prepare_tile", lambda self, *a: None)
    ref = map_region(sc["path"], feats, str(tmp_path / "b.tif"), options=opts,
                     confidence_path=str(tmp_path / "cb.tif"))  # fmt: skip
    np.testing.assert_array_equal(_class_map(res.output_path), _class_map(ref.output_path))
    np.testing.assert_array_equal(_class_map(res.confidence_path),
                                  _class_map(ref.confidence_path))  # fmt: skip


def _tiled(path, interleave: str, bands: int = 5, size: int = 64, block: int = 16):
    """A deflate GeoTIFF in ``block`` px tiles, pixel- or band-interleaved."""
    data = np.random.default_rng(3).integers(1, 4000, (bands, size, size)).astype("uint16")
    profile = dict(driver="GTiff", width=size, height=size, count=bands, dtype="uint16",
                   crs=UTM, transform=from_origin(500000, 5000000, 10, 10), tiled=True,
                   blockxsize=block, blockysize=block, compress="deflate",
                   interleave=interleave)  # fmt: skip
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data)
    return path, data


def test_decode_threads_follow_the_override_and_the_active_env(monkeypatch):
    import os

    from metamapper.core.reading.raster_io import active_decode_threads, gdal_decode_threads

    monkeypatch.delenv("METAMAPPER_GDAL_THREADS", raising=False)
    assert gdal_decode_threads() == "ALL_CPUS"
    monkeypatch.setenv("METAMAPPER_GDAL_THREADS", "1")
    assert gdal_decode_threads() == "1"
    with rasterio.Env(GDAL_NUM_THREADS="ALL_CPUS"):
        assert active_decode_threads() == (os.cpu_count() or 1)
    with rasterio.Env(GDAL_NUM_THREADS="3"):
        assert active_decode_threads() == 3
    with rasterio.Env(GDAL_NUM_THREADS="1"):
        assert active_decode_threads() == 1


def test_warm_blocks_decodes_pixel_interleaved_blocks_the_cache_can_keep(tmp_path):
    from metamapper.core.reading.raster_io import warm_blocks

    path, data = _tiled(tmp_path / "p.tif", "pixel")
    info = open_raster_info(path)
    block = 16 * 16 * 5 * 2
    # windows over blocks (0,0), (0,1) and (1,0) of 16: the cache keeps them all
    wins = [Window(0, 0, 20, 10), Window(3, 17, 4, 4)]
    with rasterio.Env(GDAL_CACHEMAX=64 * 2**20, GDAL_NUM_THREADS="2"), rasterio.open(path) as ds:
        assert warm_blocks(ds, info, wins) == 3
        assert warm_blocks(ds, info, []) == 0
        got, _ = read_block(ds, info, Window(0, 0, 64, 64))  # values unchanged by the warm-up
    np.testing.assert_array_equal(got, data)
    with rasterio.Env(GDAL_CACHEMAX=15 * block, GDAL_NUM_THREADS="2"), rasterio.open(path) as ds:
        assert warm_blocks(ds, info, wins) == 0  # the cache cannot hold all 16 blocks
    with rasterio.Env(GDAL_CACHEMAX=64 * 2**20, GDAL_NUM_THREADS="1"), rasterio.open(path) as ds:
        assert warm_blocks(ds, info, wins) == 0  # one decoding thread: nothing to gain
    band_path, _ = _tiled(tmp_path / "b.tif", "band")
    band_info = open_raster_info(band_path)
    with rasterio.Env(GDAL_CACHEMAX=64 * 2**20, GDAL_NUM_THREADS="2"), \
            rasterio.open(band_path) as ds:
        assert warm_blocks(ds, band_info, wins) == 0  # its bands' tiles decode in parallel


def test_decode_threads_do_not_change_the_map(tmp_path, model, monkeypatch):
    path, _ = _tiled(tmp_path / "p.tif", "pixel", bands=6)
    sc = make_raster(tmp_path / "truth.tif", bands=6, width=64, height=64)
    feats = features_from_truth(sc, per_class=4, seed=1)
    maps = []
    for threads in ("1", "ALL_CPUS"):
        monkeypatch.setenv("METAMAPPER_GDAL_THREADS", threads)
        out = tmp_path / f"out-{threads}.tif"
        map_region(str(path), feats, str(out), model_path=model,
                   options=MapOptions(device="cpu", seed=0))
        with rasterio.open(out) as ds:
            maps.append(ds.read(1))
    np.testing.assert_array_equal(maps[0], maps[1])


@pytest.mark.parametrize("count,dtype,asked,expected", [
    (204, "uint16", 512, 256),  # 107 MB -> 27 MB a tile
    (224, "float32", 512, 256),
    (13, "uint16", 512, 512),  # multispectral tiles stay as asked
    (2000, "float64", 512, 128),  # never below MIN_TILE ...
    (204, "uint16", 64, 64),  # ... nor above what was asked
    (204, "uint16", 1000, 250),
])
def test_prediction_tiles_shrink_on_many_bands(count, dtype, asked, expected):
    from types import SimpleNamespace

    from metamapper.core.predicting.predict import TILE_BYTES, bounded_tile_size

    info = SimpleNamespace(count=count, read_dtype=dtype)
    size = bounded_tile_size(asked, info)  # type: ignore[arg-type]
    assert size == expected
    assert size * size * count * np.dtype(dtype).itemsize <= TILE_BYTES or size == 128


def test_many_band_tiles_are_shrunk_in_map_region_and_map_the_same(tmp_path, monkeypatch):
    """The shrunken tiles give the class map and confidences of the tiles asked for."""
    from metamapper.core.predicting import predict

    sc = make_raster(tmp_path / "r.tif", bands=40, n_classes=3, width=70, height=60)
    feats = features_from_truth(sc, per_class=3)
    opts = MapOptions(device="cpu", tile_size=64, estimate_accuracy=False)
    monkeypatch.setattr(predict, "MIN_TILE", 8)
    monkeypatch.setattr(predict, "TILE_BYTES", 16 * 16 * 40 * 2)  # 64 -> 16 px tiles
    tiles = []
    real = predict._predict_tile
    monkeypatch.setattr(predict, "_predict_tile",
                        lambda tile, *a, **k: (tiles.append(tile), real(tile, *a, **k))[1])
    res = map_region(sc["path"], feats, str(tmp_path / "a.tif"), options=opts,
                     confidence_path=str(tmp_path / "ca.tif"))  # fmt: skip
    assert len(tiles) == 5 * 4  # 70 x 60 px in 16 px tiles
    monkeypatch.setattr(predict, "TILE_BYTES", 2**40)  # the 64 px tiles asked for
    ref = map_region(sc["path"], feats, str(tmp_path / "b.tif"), options=opts,
                     confidence_path=str(tmp_path / "cb.tif"))  # fmt: skip
    assert len(tiles) == 20 + 2
    np.testing.assert_array_equal(_class_map(res.output_path), _class_map(ref.output_path))
    # the same probabilities up to float32 rounding: OpenBLAS (Debian's torch) blocks its
    # products by their shapes, so 16 and 64 px tiles may differ in the last bit
    np.testing.assert_allclose(_class_map(res.confidence_path),
                               _class_map(ref.confidence_path), rtol=0, atol=1e-6)


def _projector(bands: int = 40):
    """A ProjectedTileClassifier of the bundled model on ``bands`` random bands."""
    import torch
    from metamapper.core.adapting.adapt import adapt
    from metamapper.core.mapping.band_mapping import BandStats
    from metamapper.core.mapping.spectral_projection import ProjectedTileClassifier
    from metamapper.core.mapping.tile_features import TileMapper
    from metamapper.core.model import load_model
    from metamapper.core.predicting import predict

    rng = np.random.default_rng(0)
    loaded = load_model(None)
    stats = BandStats.from_samples(rng.uniform(500, 5000, size=(200, bands)))
    mapper = TileMapper(stats, loaded.card["band_mapping"])
    feats = np.concatenate([c.T.numpy() for c in mapper.iter_feature_chunks(
        rng.uniform(500, 5000, size=(bands, 4, 4)).astype(np.float32), np.ones((4, 4), bool),
        np.arange(16))])  # fmt: skip
    clf = adapt(loaded, feats, np.arange(16) % 2, 2, device="cpu", seed=0)
    fused = predict._fused_weights(clf, torch.float32)  # as BatchPredictor builds it
    return ProjectedTileClassifier(fused, mapper, None), rng


@pytest.mark.parametrize("dtype", ["uint16", "float32"])
def test_projection_job_shared_by_two_threads_equals_one_thread(dtype, monkeypatch):
    """The reader and the classifying thread take a tile's projection chunks in turn
    (ProjectionJob.work); whoever does which chunk, the rows are those of one thread."""
    import threading

    import torch
    from metamapper.core.mapping import spectral_projection

    monkeypatch.setattr(spectral_projection, "PROJECT_BYTES", 1)  # 4096-column chunks
    proj, rng = _projector()
    data = rng.uniform(500, 5000, size=(40, 100, 190)).astype(dtype)  # 5 chunks
    ref = proj.start(data).result()  # one thread takes every chunk
    job = proj.start(data)
    assert len(job.starts) == 5
    other = threading.Thread(target=job.work)
    other.start()
    got = job.result()
    other.join()
    torch.testing.assert_close(got, ref, rtol=0, atol=0)


@pytest.mark.parametrize("clipped", [True, False])
@pytest.mark.parametrize("dtype", ["uint16", "int16", "float32"])
def test_projection_of_a_window_view_equals_its_copy(dtype, clipped, monkeypatch):
    """A window of a raster decoded whole reaches the projection as a view (no tile copy):
    classes, confidences and every class's probability equal those of the same window
    copied, clipped pixels (the exact path) included, and the source is left untouched."""
    import torch
    from metamapper.core.adapting.adapt import adapt
    from metamapper.core.mapping import spectral_projection
    from metamapper.core.mapping.band_mapping import BandStats
    from metamapper.core.mapping.tile_features import TileMapper
    from metamapper.core.model import load_model
    from metamapper.core.predicting import predict

    monkeypatch.setattr(spectral_projection, "PROJECT_BYTES", 1)  # several row chunks
    rng = np.random.default_rng(0)
    whole = rng.uniform(500, 5000, size=(40, 150, 260)).astype(dtype)
    if clipped:  # some pixels take the exact path
        whole[3, 20:30, 40:50] = 60000 if dtype == "uint16" else -7000
    view = whole[:, 10:110, 30:220]
    assert not view.flags.c_contiguous
    before = view.copy()
    valid = np.ones(view.shape[1:], dtype=bool)
    pick = np.flatnonzero(valid)[:: 3 if clipped else 1]  # all: the whole-tile network
    loaded = load_model(None)
    card_bm = loaded.card["band_mapping"]
    stats = BandStats.from_samples(before[:, valid].T.astype(np.float64))
    mapper = TileMapper(stats, card_bm)
    with torch.inference_mode():
        feats = np.concatenate([c.T.numpy() for c in mapper.iter_feature_chunks(
            before, valid, pick[::50])])  # fmt: skip
    clf = adapt(loaded, feats, np.arange(feats.shape[0]) % 3, 3, device="cpu", seed=0)
    pred = predict.BatchPredictor(clf, "cpu", keep_probabilities=True)
    args = (stats, card_bm, None)
    got = pred.predict_tile(args, view, valid, pick)
    assert pred._projected is not None
    got_soft = pred.last_probabilities
    ref = pred.predict_tile(args, before, valid, pick)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])
    np.testing.assert_array_equal(got_soft, pred.last_probabilities)
    np.testing.assert_array_equal(view, before)


def test_projection_job_error_reaches_the_waiting_thread(monkeypatch):
    """A chunk that fails in one thread is raised in the thread waiting for the result,
    which does not hang."""
    import threading

    from metamapper.core.mapping import spectral_projection

    monkeypatch.setattr(spectral_projection, "PROJECT_BYTES", 1)
    proj, rng = _projector()
    data = rng.uniform(500, 5000, size=(40, 100, 190)).astype("uint16")
    job = proj.start(data)
    calls = []

    def failing(job, i):
        calls.append(i)
        raise MemoryError("no room for the chunk")

    monkeypatch.setattr(proj, "_project_rows", failing)
    errors = []

    def reader():
        try:
            job.work()
        except MemoryError as exc:
            errors.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    t.join()
    with pytest.raises(MemoryError, match="no room"):
        job.result()
    assert errors and len(calls) == 1  # no chunk taken after the failure
