"""Uncompressed ENVI rasters read straight from the file (raster_io.RawLayout): the values,
validity, points and neighbourhoods equal what GDAL reads, for every interleave, both byte
orders and a header offset; anything unusual falls back to GDAL."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from metamapper.core.reading.raster_io import (
    RAW_READS_ENV,
    open_raster_info,
    read_raw_points,
)
from rasterio.windows import Window

from tests.core.read_checks import assert_reads_equal_gdal

WKT_UTM33 = 'PROJCS["WGS 84 / UTM zone 33N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",15],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1]]'  # noqa: E501
CODES = {"uint16": 12, "int16": 2, "float32": 4, "uint8": 1}
AXES = {"bsq": (0, 1, 2), "bil": (1, 0, 2), "bip": (1, 2, 0)}


def envi_by_hand(path, data, interleave="bsq", big_endian=False, offset=0, nodata=None):
    """An ENVI file written byte by byte (header offset and byte order GDAL cannot write)."""
    b, h, w = data.shape
    order = ">" if big_endian else "<"
    body = np.ascontiguousarray(data.transpose(AXES[interleave])).astype(order + data.dtype.str[1:])
    path.write_bytes(b"\0" * offset + body.tobytes())
    lines = ["ENVI", f"samples = {w}", f"lines = {h}", f"bands = {b}",
             f"header offset = {offset}", "file type = ENVI Standard",
             f"data type = {CODES[data.dtype.name]}", f"interleave = {interleave}",
             f"byte order = {int(big_endian)}",
             "map info = {UTM, 1, 1, 500000, 5000000, 10, 10, 33, North, WGS-84}",
             f"coordinate system string = {{{WKT_UTM33}}}"]  # fmt: skip
    if nodata is not None:
        lines.append(f"data ignore value = {nodata}")
    path.with_suffix(".hdr").write_text("\n".join(lines) + "\n")
    return path


def cube(dtype="uint16", shape=(7, 23, 31), seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(1, 3000, size=shape).astype(dtype)


@pytest.mark.parametrize("interleave", ["bsq", "bil", "bip"])
@pytest.mark.parametrize("big_endian,offset", [(False, 0), (True, 0), (False, 100)])
def test_raw_windows_equal_gdal(tmp_path, interleave, big_endian, offset):
    data = cube()
    data[:, 3, 4] = 0  # nodata pixel
    data[2, 10, 11] = 0
    path = envi_by_hand(tmp_path / f"c.{interleave}", data, interleave, big_endian, offset,
                        nodata=0)  # fmt: skip
    info = open_raster_info(path)
    assert info.raw_layout is not None and info.raw_layout.interleave == interleave
    gdal = info.__class__(**{**info.__dict__, "raw_layout": None})
    with rasterio.open(path) as ds:
        np.testing.assert_array_equal(ds.read(), data)  # the hand-written file is right
        rng = np.random.default_rng(1)
        assert_reads_equal_gdal(
            ds, info, gdal, [Window(0, 0, 31, 23), Window(3, 2, 9, 13), Window(30, 22, 1, 1)],
            [[2, 3, 6], [4, 5], [1, 5, 7]], rng.integers(0, 23, 40), rng.integers(0, 31, 40),
            np.array([0, 22, 5, 3]), np.array([0, 30, 30, 4]))


def test_points_read_where_they_lie(tmp_path):
    data = cube("float32")
    path = envi_by_hand(tmp_path / "c.bil", data, "bil")
    layout = open_raster_info(path).raw_layout
    got = read_raw_points(layout, np.array([0, 22, 7]), np.array([30, 0, 7]), None, "float64")
    np.testing.assert_array_equal(got, data[:, [0, 22, 7], [30, 0, 7]])
    assert got.dtype == np.float64


def test_geotiff_compressed_envi_and_switch_use_gdal(tmp_path, monkeypatch):
    data = cube()
    tif = tmp_path / "c.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=31, height=23, count=7, dtype="uint16",
                       crs="EPSG:32633", transform=rasterio.Affine(10, 0, 5e5, 0, -10, 5e6)) as ds:
        ds.write(data)
    assert open_raster_info(tif).raw_layout is None
    path = envi_by_hand(tmp_path / "c.bsq", data)
    path.write_bytes(path.read_bytes()[:-2])  # truncated: GDAL says what it can
    assert open_raster_info(path).raw_layout is None
    envi_by_hand(path, data)
    assert open_raster_info(path).raw_layout is not None
    monkeypatch.setenv(RAW_READS_ENV, "0")
    assert open_raster_info(path).raw_layout is None
