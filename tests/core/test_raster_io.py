"""raster_io: metadata checks, masks, region windows, tiles, atomic GeoTIFF outputs."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import rasterio
from metamapper.core.errors import OutputError, RasterError, RegionError
from metamapper.core.reading.raster_io import (
    AtomicOutputs,
    class_colours,
    finish_class_map,
    iter_tiles,
    make_region,
    open_class_map,
    open_raster_info,
    read_block,
    write_category_names,
    write_qml,
)
from rasterio.transform import from_origin
from rasterio.windows import Window

from tests.factories import WGS84, box_polygon, make_raster

DTYPES = ["uint8", "uint16", "int16", "int32", "float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_supported_dtype_reads_natively_with_nodata(tmp_path, dtype):
    nodata = 0 if dtype.startswith("u") else -9999
    sc = make_raster(tmp_path / "r.tif", dtype=dtype, nodata=nodata, nodata_box=(0, 4, 0, 6))
    info = open_raster_info(sc["path"])
    assert info.read_dtype == dtype and info.mask_mode == "nodata" and not info.warnings
    with rasterio.open(sc["path"]) as ds:
        data, valid = read_block(ds, info, Window(0, 0, 10, 8))
    assert data.dtype == np.dtype(dtype) and data.shape == (4, 8, 10)
    assert not valid[:4, :6].any() and valid[4:, :].all() and valid[:, 6:].all()


def test_nan_is_invalid_in_float_rasters(tmp_path):
    sc = make_raster(
        tmp_path / "r.tif", dtype="float32", nodata=float("nan"), nodata_box=(1, 2, 1, 2)
    )
    info = open_raster_info(sc["path"])
    with rasterio.open(sc["path"]) as ds:
        _, valid = read_block(ds, info, Window(0, 0, 4, 4))
    assert not valid[1, 1] and valid.sum() == 15


@pytest.mark.parametrize("dtype", ["int8", "uint32"])
def test_exotic_integer_dtypes_are_read_as_float64_with_a_warning(tmp_path, dtype):
    path = tmp_path / "r.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=2, dtype=dtype,
                       crs="EPSG:32633", transform=from_origin(0, 40, 10, 10)) as ds:  # fmt: skip
        ds.write(np.full((2, 4, 4), 7, dtype=dtype))
    info = open_raster_info(path)
    assert info.read_dtype == "float64" and any(dtype in w for w in info.warnings)
    with rasterio.open(path) as ds:
        data, _ = read_block(ds, info, Window(0, 0, 4, 4))
    assert data.dtype == np.float64 and (data == 7).all()


def test_complex_raster_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "c.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="complex64",
                       crs="EPSG:32633", transform=from_origin(0, 40, 10, 10)) as ds:  # fmt: skip
        ds.write(np.ones((1, 4, 4), dtype=np.complex64))
    with pytest.raises(RasterError, match="complex.*Convert"):
        open_raster_info(path)


def test_raster_without_crs_is_refused(tmp_path):
    sc = make_raster(tmp_path / "r.tif", crs=None)
    with pytest.raises(RasterError, match="no coordinate reference system.*Assign"):
        open_raster_info(sc["path"])


def test_too_many_bands_is_refused(tmp_path):
    path = tmp_path / "big.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=301, dtype="uint8",
                       crs="EPSG:32633", transform=from_origin(0, 20, 10, 10)) as ds:  # fmt: skip
        ds.write(np.ones((301, 2, 2), np.uint8))
    with pytest.raises(RasterError, match="301 bands.*at most 300"):
        open_raster_info(path)


def test_per_band_nodata_uses_pixels_valid_in_every_band(tmp_path):
    sc = make_raster(
        tmp_path / "r.tif", bands=3, per_band_nodata=[1, 2, 3], nodata_box=(5, 7, 5, 9)
    )
    with rasterio.open(tmp_path / "r.tif", "r+") as ds:  # band 1 alone is nodata at (0, 0)
        ds.write(np.ones((1, 1), np.uint16), 1, window=Window(0, 0, 1, 1))
    info = open_raster_info(sc["path"])
    assert info.nodata == (1.0, 2.0, 3.0) and any("different nodata" in w for w in info.warnings)
    with rasterio.open(sc["path"]) as ds:
        _, valid = read_block(ds, info, Window(0, 0, sc["width"], sc["height"]))
    assert not valid[0, 0] and not valid[5:7, 5:9].any()
    assert valid.sum() == sc["width"] * sc["height"] - 1 - 8


def test_internal_mask_is_honoured(tmp_path):
    sc = make_raster(tmp_path / "r.tif", mask_box=(0, 3, 0, 5))
    info = open_raster_info(sc["path"])
    assert info.mask_mode == "mask"
    with rasterio.open(sc["path"]) as ds:
        _, valid = read_block(ds, info, Window(0, 0, 8, 8))
    assert not valid[:3, :5].any() and valid[3:].all()


def test_wavelengths_from_band_tags(tmp_path):
    path = tmp_path / "w.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=3, dtype="uint16",
                       crs="EPSG:32633", transform=from_origin(0, 20, 10, 10)) as ds:  # fmt: skip
        ds.write(np.ones((3, 2, 2), np.uint16))
        for b, wl in enumerate([490, 560, 665], start=1):
            ds.update_tags(b, wavelength=str(wl))
        ds.update_tags(wavelength_units="nanometers")
    assert open_raster_info(path).wavelengths_nm == [490.0, 560.0, 665.0]


def test_degree_crs_is_accepted(tmp_path):
    sc = make_raster(tmp_path / "r.tif", crs=WGS84)
    info = open_raster_info(sc["path"])
    assert info.crs_is_geographic and info.transform.a == pytest.approx(0.0001)


# --------------------------------------------------------------------------- regions, tiles


def test_region_window_is_bounding_window_clipped_to_raster(tmp_path):
    sc = make_raster(tmp_path / "r.tif", width=40, height=30)
    info = open_raster_info(sc["path"])
    poly = box_polygon(sc, 5, 12, 30, 55)  # sticks out to the right
    region = make_region(info, [poly])
    assert region.window == Window(30, 5, 10, 7)
    mask = region.mask(region.window)
    assert mask.all()


def test_region_outside_raster_is_refused(tmp_path):
    sc = make_raster(tmp_path / "r.tif")
    info = open_raster_info(sc["path"])
    with pytest.raises(RegionError, match="does not overlap the raster"):
        make_region(info, [box_polygon(sc, -50, -40, 0, 10)])


def test_single_pixel_region_smaller_than_a_pixel_takes_the_touched_pixel(tmp_path):
    sc = make_raster(tmp_path / "r.tif")
    info = open_raster_info(sc["path"])
    region = make_region(info, [box_polygon(sc, 3.6, 3.9, 7.6, 7.9)])  # no pixel centre inside
    assert region.all_touched and region.mask(region.window).sum() == 1


def test_region_with_hole_and_two_parts(tmp_path):
    sc = make_raster(tmp_path / "r.tif", width=30, height=30)
    info = open_raster_info(sc["path"])
    outer = box_polygon(sc, 0, 10, 0, 10)["coordinates"][0]
    hole = box_polygon(sc, 3, 7, 3, 7)["coordinates"][0]
    other = box_polygon(sc, 20, 25, 20, 25)["coordinates"][0]
    geom = {"type": "MultiPolygon", "coordinates": [[outer, hole], [other]]}
    region = make_region(info, [geom])
    assert region.window == Window(0, 0, 25, 25)
    mask = region.mask(region.window)
    assert mask.sum() == 100 - 16 + 25
    assert not mask[5, 5] and mask[1, 1] and mask[22, 22] and not mask[15, 15]


@pytest.mark.parametrize("tile,halo", [(16, 0), (16, 2), (7, 1), (100, 3)])
def test_tiles_cover_the_region_once_with_halo(tile, halo):
    region = Window(3, 5, 37, 29)
    cover = np.zeros((60, 60), int)
    for t in iter_tiles(region, tile, halo, width=50, height=40):
        w = t.window
        cover[w.row_off : w.row_off + w.height, w.col_off : w.col_off + w.width] += 1
        rw = t.read_window
        assert rw.col_off >= 0 and rw.row_off >= 0
        assert rw.col_off + rw.width <= 50 and rw.row_off + rw.height <= 40
        assert t.inner[0].stop - t.inner[0].start == w.height
        assert rw.row_off + t.inner[0].start == w.row_off
        assert rw.col_off + t.inner[1].start == w.col_off
        assert t.out[0].start == w.row_off - 5 and t.out[1].start == w.col_off - 3
    assert (cover[5:34, 3:40] == 1).all() and cover.sum() == 37 * 29


# --------------------------------------------------------------------------- outputs


def _write_class_map(tmp_path, sc, names, codes, region_geoms=None, final=None):
    info = open_raster_info(sc["path"])
    region = make_region(info, region_geoms)
    final = final or tmp_path / "out" / "map.tif"
    colours = class_colours(names, {names[0]: (1, 2, 3)})
    with AtomicOutputs() as outs:
        tmp = outs.reserve(final)
        dst = open_class_map(tmp, info, region)
        h, w = region.shape
        dst.write(np.full((h, w), codes[-1], np.uint8), 1)
        finish_class_map(dst, names, codes, colours, {"METAMAPPER_SEED": 3})
        dst.close()
        write_category_names(tmp, names, codes)
        write_qml(tmp.with_suffix(".qml"), names, codes, colours)
        outs.commit()
    return final, region, colours


def test_class_map_grid_names_colours_and_sidecars(tmp_path):
    sc = make_raster(tmp_path / "r.tif", width=40, height=30)
    names, codes = ["wäter", "forêt", "x" * 300], [2, 5, 9]
    final, region, colours = _write_class_map(
        tmp_path, sc, names, codes, [box_polygon(sc, 4, 10, 6, 20)]
    )
    assert sorted(p.name for p in final.parent.iterdir()) == [
        "map.qml",
        "map.tif",
        "map.tif.aux.xml",
    ]
    with rasterio.open(final) as ds, rasterio.open(sc["path"]) as src:
        assert ds.crs == src.crs and ds.dtypes == ("uint8",) and ds.nodata == 0
        assert ds.transform == src.window_transform(region.window)
        assert (ds.width, ds.height) == (14, 6)
        assert ds.profile["compress"] == "deflate"
        assert ds.colormap(1)[2] == (1, 2, 3, 255) and ds.colormap(1)[5][:3] == colours[1]
        assert ds.tags()["METAMAPPER_SEED"] == "3"
    cats = [c.text or "" for c in ET.parse(str(final) + ".aux.xml").iter("Category")]
    assert cats[2] == "wäter" and cats[5] == "forêt" and cats[9] == "x" * 300 and cats[0] == ""
    qml = ET.parse(final.with_suffix(".qml")).getroot()
    entries = {e.get("value"): e.get("label") for e in qml.iter("paletteEntry")}
    assert entries == {"2": "wäter", "5": "forêt", "9": "x" * 300}
    assert qml.find("pipe/rasterrenderer").get("type") == "paletted"


def test_category_names_are_read_back_by_gdal(tmp_path):
    """GDAL itself (osgeo, in a separate process: it is another GDAL build) sees the names."""
    pytest.importorskip("osgeo")
    sc = make_raster(tmp_path / "r.tif")
    final, _, _ = _write_class_map(tmp_path, sc, ["water", "land"], [1, 2])
    code = (
        "from osgeo import gdal; import sys, json; gdal.UseExceptions();"
        "info = gdal.Info(sys.argv[1], format='json');"
        "print(json.dumps(info['bands'][0].get('categories')))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(final)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert '"water", "land"' in out.stdout


def test_qml_is_applied_by_qgis(tmp_path):
    qgis_core = pytest.importorskip("qgis.core")
    sc = make_raster(tmp_path / "r.tif")
    final, _, _ = _write_class_map(tmp_path, sc, ["water", "land"], [1, 2])
    layer = qgis_core.QgsRasterLayer(str(final), "map")
    assert layer.isValid()
    _, ok = layer.loadDefaultStyle()
    assert ok
    renderer = layer.renderer()
    assert renderer.type() == "paletted"
    assert [c.label for c in renderer.classes()] == ["water", "land"]


def test_failed_write_leaves_nothing_and_keeps_existing_output(tmp_path):
    sc = make_raster(tmp_path / "r.tif")
    final, _, _ = _write_class_map(tmp_path, sc, ["a", "b"], [1, 2])
    before = {p.name: p.read_bytes() for p in final.parent.iterdir()}
    info = open_raster_info(sc["path"])
    with pytest.raises(RuntimeError), AtomicOutputs() as outs:
        tmp = outs.reserve(final)
        dst = open_class_map(tmp, info, make_region(info, None))
        dst.write(np.zeros((sc["height"], 10), np.uint8), 1, window=Window(0, 0, 10, sc["height"]))
        dst.close()
        write_category_names(tmp, ["x"], [1])
        raise RuntimeError("boom in the middle")
    after = {p.name: p.read_bytes() for p in final.parent.iterdir()}
    assert after == before


def test_overwrite_replaces_file_and_stale_sidecar(tmp_path):
    make_raster(tmp_path / "r.tif")
    final = tmp_path / "map.tif"
    final.write_bytes(b"old")
    Path(str(final) + ".aux.xml").write_text("<PAMDataset/>")
    with AtomicOutputs() as outs:
        tmp = outs.reserve(final)
        tmp.write_bytes(b"new")
        outs.commit()
    assert final.read_bytes() == b"new" and not Path(str(final) + ".aux.xml").exists()
    assert final.stat().st_mode & 0o044  # readable by others, like any output (not mkstemp's 600)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.tif", "r.tif"]


def test_unwritable_folder_is_an_output_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="Cannot write to the output folder"):
        AtomicOutputs().reserve(blocker / "sub" / "map.tif")


def test_class_colours_are_conventional_distinct_and_respect_the_user():
    names = ["Water", "forest_2020", "crop", "urban area", "class_a", "class_b", "lake"]
    colours = class_colours(names, {"crop": (9, 9, 9)})
    by_name = dict(zip(names, colours))
    assert by_name["crop"] == (9, 9, 9)  # the user's colour wins
    assert by_name["Water"] == (31, 120, 180) and by_name["forest_2020"] == (0, 100, 0)
    assert by_name["urban area"] == (227, 26, 28)
    assert len(set(colours)) == len(names)  # "lake" does not reuse water's blue
    assert class_colours(["a", "b"]) == class_colours(["a", "b"])  # deterministic


def test_apply_affine_is_the_transform_of_a_point_without_its_operator():
    """``apply_affine`` gives what ``transform * (x, y)`` gives (a rotated, sheared,
    north-up and inverted transform), without the operator that affine 3 deprecates."""
    import warnings

    from affine import Affine
    from metamapper.core.reading.raster_io import apply_affine

    for t in (Affine(30, 0, 500000, 0, -30, 5000000), Affine(2.5, 0.7, -10, -0.3, -1.5, 44),
              ~Affine(30, 0, 500000, 0, -30, 5000000)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the reference: the operator itself
            want = t * (12.25, -3.5)
        got = apply_affine(t, 12.25, -3.5)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-9)
