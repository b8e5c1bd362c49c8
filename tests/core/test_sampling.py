"""sampling: labelled geometries -> support pixels; region samples."""

from __future__ import annotations

import time

import numpy as np
import pytest
import rasterio
from metamapper.core.adapting.region_sample import sample_region
from metamapper.core.adapting.sampling import (
    LabelledFeature,
    _water_fill,
    build_support,
    class_coding,
    normalise_label,
)
from metamapper.core.errors import LabelError, RegionError
from metamapper.core.reading.raster_io import make_region, open_raster_info

from tests.factories import WGS84, box_polygon, make_raster, point


def support_of(sc, features, **kw):
    info = open_raster_info(sc["path"])
    with rasterio.open(sc["path"]) as ds:
        return build_support(ds, info, features, **kw)


@pytest.fixture
def scene(tmp_path):
    return make_raster(tmp_path / "r.tif", width=40, height=30, bands=3, nodata=0,
                       nodata_box=(0, 2, 0, 40))  # fmt: skip


def test_points_give_the_pixel_under_them(scene):
    feats = [LabelledFeature(point(scene, 5, 7), "a"), LabelledFeature(point(scene, 20, 30), "b")]
    s = support_of(scene, feats)
    assert list(zip(s.rows, s.cols, s.y)) == [(5, 7, 0), (20, 30, 1)]
    np.testing.assert_array_equal(s.x[0], scene["data"][:, 5, 7])


def test_polygons_give_pixels_with_centres_inside(scene):
    feats = [
        LabelledFeature(box_polygon(scene, 3, 6, 4, 8), "a"),  # 3 x 4 pixels
        LabelledFeature(box_polygon(scene, 10.2, 11.8, 10.2, 12.8), "b"),  # 2 x 3 centres
    ]
    s = support_of(scene, feats)
    a = {(r, c) for r, c, y in zip(s.rows, s.cols, s.y) if y == 0}
    assert a == {(r, c) for r in range(3, 6) for c in range(4, 8)}
    assert s.support_pixels == {"a": 12, "b": 6} == s.pixels_per_class


def test_tiny_polygon_takes_the_pixel_it_touches(scene):
    feats = [
        LabelledFeature(box_polygon(scene, 5.2, 5.4, 6.2, 6.4), "a"),
        LabelledFeature(point(scene, 20, 20), "b"),
    ]
    s = support_of(scene, feats)
    assert (s.rows[s.y == 0].tolist(), s.cols[s.y == 0].tolist()) == ([5], [6])


def test_cap_is_stratified_over_features(scene):
    feats = [
        LabelledFeature(box_polygon(scene, 2, 30, 0, 20), "a"),  # 560 pixels
        LabelledFeature(box_polygon(scene, 5, 7, 30, 32), "a"),  # 4 pixels
        LabelledFeature(box_polygon(scene, 10, 20, 25, 35), "b"),  # 100 pixels
    ]
    s = support_of(scene, feats, shots_cap=50)
    assert s.support_pixels == {"a": 50, "b": 50}
    assert (s.feature_id == 1).sum() == 4  # the small polygon keeps all its pixels
    assert s.pixels_per_class["a"] == 2 * 50 + 4  # candidates: at most 2 x cap per feature


def test_seeded_sample_is_reproducible_and_seed_dependent(scene):
    feats = [
        LabelledFeature(box_polygon(scene, 2, 30, 0, 20), "a"),
        LabelledFeature(box_polygon(scene, 2, 30, 20, 40), "b"),
    ]
    s1 = support_of(scene, feats, shots_cap=20, seed=1)
    s2 = support_of(scene, feats, shots_cap=20, seed=1)
    s3 = support_of(scene, feats, shots_cap=20, seed=2)
    np.testing.assert_array_equal(s1.rows, s2.rows)
    np.testing.assert_array_equal(s1.x, s2.x)
    assert not np.array_equal(s1.rows, s3.rows)


def test_nodata_pixels_are_dropped(scene):
    feats = [
        LabelledFeature(box_polygon(scene, 0, 4, 0, 5), "a"),
        LabelledFeature(point(scene, 9, 9), "b"),
    ]
    s = support_of(scene, feats)
    assert s.pixels_per_class["a"] == 10 and (s.rows[s.y == 0] >= 2).all()


def test_duplicates_count_once_and_conflicts_are_dropped_with_a_warning(scene):
    feats = [
        LabelledFeature(box_polygon(scene, 5, 8, 5, 8), "a"),
        LabelledFeature(box_polygon(scene, 5, 8, 5, 8), "a"),  # same pixels, same class
        LabelledFeature(box_polygon(scene, 7, 8, 7, 10), "b"),  # overlaps 1 pixel of "a"
    ]
    s = support_of(scene, feats)
    keys = s.rows * 100 + s.cols
    assert len(set(keys.tolist())) == keys.size
    assert s.pixels_per_class == {"a": 8, "b": 2} and s.conflicts == 1
    assert any("two different classes" in w for w in s.warnings)


def test_null_empty_and_outside_features_are_skipped_and_counted(scene):
    feats = [
        LabelledFeature(point(scene, 5, 5), "a"),
        LabelledFeature(point(scene, 6, 6), None),
        LabelledFeature(point(scene, 7, 7), "  "),
        LabelledFeature(point(scene, 8, 8), float("nan")),
        LabelledFeature(None, "a"),
        LabelledFeature({"type": "Polygon", "coordinates": []}, "a"),
        LabelledFeature(box_polygon(scene, -20, -10, 0, 5), "b"),
        LabelledFeature(point(scene, 9, 9), "b"),
    ]
    s = support_of(scene, feats)
    assert s.skipped == {"no_label": 3, "no_geometry": 2, "outside_raster": 1}
    assert s.skipped_features == 6 and len(s.warnings) == 3


def test_integer_labels_are_their_own_codes_text_is_sorted():
    names, codes, index = class_coding([7, 3, 200, 3])
    assert (names, codes) == (["3", "7", "200"], [3, 7, 200]) and index[200] == 2
    names, codes, index = class_coding(["water", "Forest", "urban"])
    assert (names, codes) == (["Forest", "urban", "water"], [1, 2, 3])
    names, codes, _ = class_coding([1, 300])  # 300 does not fit a uint8 code
    assert (names, codes) == (["1", "300"], [1, 2])
    assert normalise_label(4.0) == 4 and normalise_label(" x ") == "x"
    with pytest.raises(LabelError, match="unusable type"):
        normalise_label([1, 2])


def test_fewer_than_two_classes(scene):
    feats = [LabelledFeature(point(scene, 5, 5), "a"), LabelledFeature(point(scene, 9, 9), "a")]
    with pytest.raises(LabelError, match="Only one class .'a'.*at least one more class"):
        support_of(scene, feats)


def test_class_without_usable_pixel_is_named(scene):
    feats = [
        LabelledFeature(point(scene, 5, 5), "a"),
        LabelledFeature(point(scene, 9, 9), "b"),
        LabelledFeature(point(scene, 0, 3), "clouds"),  # under nodata
    ]
    with pytest.raises(LabelError, match="'clouds' has no usable pixel"):
        support_of(scene, feats)


def test_nothing_overlapping(scene):
    feats = [
        LabelledFeature(box_polygon(scene, -20, -10, 0, 5), "a"),
        LabelledFeature({"type": "Point", "coordinates": (0.0, 0.0)}, "b"),
    ]
    with pytest.raises(LabelError, match="None of the 2 labelled features overlaps the raster"):
        support_of(scene, feats)


def test_degree_crs(tmp_path):
    sc = make_raster(tmp_path / "g.tif", crs=WGS84, width=20, height=20)
    feats = [LabelledFeature(box_polygon(sc, 1, 3, 1, 3), 1), LabelledFeature(point(sc, 10, 12), 2)]
    s = support_of(sc, feats)
    assert s.codes == [1, 2] and s.support_pixels == {"1": 4, "2": 1}


def test_water_fill_is_equal_and_exact():
    rng = np.random.default_rng(0)
    alloc = _water_fill(np.array([1000, 3, 50, 10]), 40, rng)
    assert alloc.sum() == 40 and alloc[1] == 3 and alloc[3] == 10
    assert abs(int(alloc[0]) - int(alloc[2])) <= 1


def test_five_thousand_polygons_sample_in_seconds(tmp_path):
    sc = make_raster(tmp_path / "big.tif", width=600, height=500, bands=4)
    rng = np.random.default_rng(0)
    feats = []
    for i in range(5000):
        r, c = rng.uniform(0, 495), rng.uniform(0, 595)
        feats.append(LabelledFeature(box_polygon(sc, r, r + 3, c, c + 3), f"c{i % 7}"))
    t0 = time.perf_counter()
    s = support_of(sc, feats, shots_cap=200)
    elapsed = time.perf_counter() - t0
    assert s.n_classes == 7 and all(v == 200 for v in s.support_pixels.values())
    assert elapsed < 30, elapsed  # ~1-3 s on a quiet 2-core machine; bench/ has the figure


# --------------------------------------------------------------------------- region sample


def test_region_sample_only_holds_valid_region_pixels(scene):
    info = open_raster_info(scene["path"])
    region = make_region(info, [box_polygon(scene, 0, 6, 0, 10)])  # rows 0-1 are nodata
    with rasterio.open(scene["path"]) as ds:
        x = sample_region(ds, info, region, capacity=1000, seed=0)
    allowed = {tuple(v) for v in scene["data"][:, 2:6, 0:10].reshape(3, -1).T.tolist()}
    assert x.shape == (40, 3) and {tuple(v) for v in x.astype(int).tolist()} <= allowed


def test_region_entirely_nodata(scene):
    info = open_raster_info(scene["path"])
    region = make_region(info, [box_polygon(scene, 0, 2, 0, 10)])
    with rasterio.open(scene["path"]) as ds, pytest.raises(RegionError, match="no valid pixel"):
        sample_region(ds, info, region)
