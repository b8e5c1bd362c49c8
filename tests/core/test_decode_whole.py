"""A small compressed raster decoded once, whole, into memory (raster_io.decode_whole): its
windows, points, neighbourhoods and region sample equal GDAL's reads, and map_region writes
the same maps as through GDAL; large, masked, band-subset or mostly-outside rasters and the
switch keep GDAL's reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from metamapper.core.adapting.sampling import read_pixels
from metamapper.core.pipeline import MapOptions, map_region
from metamapper.core.reading import raster_io
from metamapper.core.reading.raster_io import RAW_READS_ENV, decode_whole, open_raster_info
from rasterio.windows import Window

from tests.core.read_checks import assert_reads_equal_gdal
from tests.factories import features_from_truth, make_raster
from tests.model_factory import make_model_file


def compressed(tmp_path, interleave="pixel", bands=9, dtype="uint16", nodata=0):
    """A deflate GeoTIFF in 16 x 16 tiles (several blocks), with a nodata patch."""
    sc = make_raster(tmp_path / "src.tif", bands=bands, width=45, height=37, dtype=dtype,
                     n_classes=3, nodata=nodata, nodata_box=(3, 6, 4, 9))  # fmt: skip
    path = tmp_path / f"c-{interleave}.tif"
    with rasterio.open(sc["path"]) as src:
        profile = dict(src.profile, driver="GTiff", tiled=True, blockxsize=16, blockysize=16,
                       compress="deflate", interleave=interleave)  # fmt: skip
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(src.read())
    return dict(sc, path=str(path))


@pytest.mark.parametrize("interleave", ["pixel", "band"])
def test_decoded_reads_equal_gdal(tmp_path, interleave):
    sc = compressed(tmp_path, interleave)
    gdal = open_raster_info(sc["path"])
    with rasterio.open(sc["path"]) as ds:
        info = decode_whole(ds, gdal, gdal.full_window)
        layout = info.raw_layout
        assert layout is not None and layout.values is not None
        np.testing.assert_array_equal(layout.values, sc["data"])
        rng = np.random.default_rng(1)
        rows = np.r_[rng.integers(0, 37, 60), 4, 5]  # the last two in the nodata patch
        cols = np.r_[rng.integers(0, 45, 60), 5, 8]
        assert not read_pixels(ds, info, rows, cols)[1].all()  # nodata is seen as such
        assert_reads_equal_gdal(
            ds, info, gdal, [Window(0, 0, 45, 37), Window(3, 2, 20, 17), Window(44, 36, 1, 1)],
            [[2, 3, 7], [1, 5, 9]], rows, cols, np.array([0, 36, 5, 3]),
            np.array([0, 44, 44, 4]))


def test_only_small_unmasked_rasters_mostly_in_the_region_are_decoded(tmp_path, monkeypatch):
    sc = compressed(tmp_path)
    info = open_raster_info(sc["path"])
    small = Window(0, 0, 20, 20)  # 400 of 1,665 pixels: the rest would be decoded for nothing
    with rasterio.open(sc["path"]) as ds:
        assert decode_whole(ds, info, Window(0, 0, 45, 25)).raw_layout is not None
        assert decode_whole(ds, info, small).raw_layout is None
        assert decode_whole(ds, info.select_bands([1, 2]), info.full_window).raw_layout is None
        monkeypatch.setattr(raster_io, "DECODE_WHOLE_MAX", 45 * 37 * 9 * 2 - 1)
        assert decode_whole(ds, info, info.full_window).raw_layout is None
        monkeypatch.setattr(raster_io, "DECODE_WHOLE_MAX", 45 * 37 * 9 * 2)
        assert decode_whole(ds, info, info.full_window).raw_layout is not None
        monkeypatch.setenv(RAW_READS_ENV, "0")
        assert decode_whole(ds, info, info.full_window).raw_layout is None
    masked = make_raster(tmp_path / "m.tif", bands=3, mask_box=(0, 5, 0, 5))
    minfo = open_raster_info(masked["path"])
    assert minfo.mask_mode == "mask"
    with rasterio.open(masked["path"]) as ds:
        assert decode_whole(ds, minfo, minfo.full_window).raw_layout is None


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return str(make_model_file(tmp_path_factory.mktemp("model"), episodes=60))


@pytest.mark.parametrize("interleave", ["pixel", "band"])
def test_map_region_writes_the_same_maps_decoded_or_through_gdal(tmp_path, monkeypatch,
                                                                  model, interleave):
    sc = compressed(tmp_path, interleave, bands=40)
    feats = features_from_truth(sc, per_class=3, kind="point", size=1)
    calls = []
    real = raster_io.decode_whole

    def spy(ds, info, window, check=None):
        out = real(ds, info, window, check)
        calls.append(out.raw_layout is not None)
        return out

    monkeypatch.setattr(raster_io, "decode_whole", spy)
    maps = []
    for switch in ("1", "0"):
        monkeypatch.setenv(RAW_READS_ENV, switch)
        out, conf = tmp_path / f"o{switch}.tif", tmp_path / f"c{switch}.tif"
        map_region(sc["path"], feats, str(out), confidence_path=str(conf), model_path=model,
                   options=MapOptions(device="cpu", tile_size=16, suggestions=3))  # fmt: skip
        with rasterio.open(out) as a, rasterio.open(conf) as b:
            maps.append((a.read(1), b.read(1)))
    assert calls == [True, False]
    np.testing.assert_array_equal(maps[0][0], maps[1][0])
    np.testing.assert_array_equal(maps[0][1], maps[1][1])
    assert (maps[0][0] > 0).mean() > 0.9


def test_decoded_in_strips_and_cancelled_between_them(tmp_path, monkeypatch):
    """Strips of whole block rows give the same values; ``check`` runs before each strip,
    so a cancel request stops the decoding (map_region passes its cancel check)."""
    from metamapper.core.errors import Cancelled

    sc = compressed(tmp_path, "band")
    info = open_raster_info(sc["path"])
    monkeypatch.setattr(raster_io, "DECODE_STRIP_BYTES", 1)
    monkeypatch.setattr(raster_io, "active_decode_threads", lambda: 1)  # 2 blocks a read
    calls = []
    with rasterio.open(sc["path"]) as ds:
        got = decode_whole(ds, info, info.full_window, lambda: calls.append(1))
        np.testing.assert_array_equal(got.raw_layout.values, sc["data"])
        assert len(calls) == 3  # 37 rows, 3 blocks a row: strips of 16 rows

        def cancel_second():
            calls.append(2)
            if calls.count(2) == 2:
                raise Cancelled()

        with pytest.raises(Cancelled):
            decode_whole(ds, info, info.full_window, cancel_second)


def test_decoded_by_several_threads_equals_and_a_damaged_block_is_an_error(tmp_path,
                                                                           monkeypatch):
    """Parts read by worker threads, each with its own handle, give the same values; a
    block that cannot be read stops the decode with the damaged-file message (GDAL's own
    multi-threaded read had lost that error under qgis_process)."""
    from metamapper.core.errors import RasterError

    monkeypatch.setattr(raster_io, "active_decode_threads", lambda: 3)
    monkeypatch.setattr(raster_io, "threaded_reads_report_errors", lambda: False)  # GDAL 3.6
    sc = compressed(tmp_path, "pixel")
    info = open_raster_info(sc["path"])
    with rasterio.open(sc["path"]) as ds:
        assert len(raster_io._decode_windows(ds, 45 * 9 * 2)) >= 3
        got = decode_whole(ds, info, info.full_window)
    np.testing.assert_array_equal(got.raw_layout.values, sc["data"])
    cut = tmp_path / "cut.tif"
    data = Path(sc["path"]).read_bytes()
    cut.write_bytes(data[: len(data) * 6 // 10])
    info = open_raster_info(cut)
    with rasterio.open(cut) as ds, pytest.raises(RasterError, match="damaged or incomplete"):
        decode_whole(ds, info, info.full_window)
