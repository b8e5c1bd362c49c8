"""Hypothesis properties of sampling, rasterisation and the class map."""

from __future__ import annotations

import numpy as np
import rasterio
import rasterio.features
import rasterio.windows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metamapper.core.adapting.sampling import LabelledFeature, build_support
from metamapper.core.errors import LabelError
from metamapper.core.reading.raster_io import apply_affine, open_raster_info

from tests.factories import make_raster

W, H = 24, 20
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])  # shared CI CPUs stall


@st.composite
def feature(draw, scene):
    """A random point, triangle or rectangle (pixel coords, may stick out) with a label."""
    t = scene["transform"]
    kind = draw(st.sampled_from(["point", "triangle", "rect"]))
    coord = st.floats(-5, max(W, H) + 5, allow_nan=False)
    label = draw(st.sampled_from(["a", "b", "c", None, 7]))
    if kind == "point":
        c, r = draw(coord), draw(coord)
        geom = {"type": "Point", "coordinates": apply_affine(t, c, r)}
    else:
        pts = [(draw(coord), draw(coord)) for _ in range(3 if kind == "triangle" else 2)]
        if kind == "rect":
            (c0, r0), (c1, r1) = pts
            pts = [(c0, r0), (c1, r0), (c1, r1), (c0, r1)]
        ring = [apply_affine(t, *p) for p in pts + pts[:1]]
        geom = {"type": "Polygon", "coordinates": [ring]}
    return LabelledFeature(geom, label)


def touched(geom, info):
    """Pixels a geometry touches: the widest reading of 'inside the feature'."""
    return rasterio.features.geometry_mask([geom], (info.height, info.width), info.transform,
                                           all_touched=True, invert=True)  # fmt: skip


_SCENE = {}


def scene(tmp_path_factory):
    if "sc" not in _SCENE:
        folder = tmp_path_factory.mktemp("prop")
        _SCENE["sc"] = make_raster(folder / "r.tif", width=W, height=H, bands=2, nodata=0,
                                   nodata_box=(0, 3, 0, 6))  # fmt: skip
    return _SCENE["sc"]


def test_support_pixels_lie_in_their_feature_and_raster_with_their_class(tmp_path_factory):
    sc = scene(tmp_path_factory)
    info = open_raster_info(sc["path"])

    @SETTINGS
    @given(st.lists(feature(sc), min_size=1, max_size=8), st.integers(1, 30), st.integers(0, 3))
    def check(features, cap, seed):
        with rasterio.open(sc["path"]) as ds:
            try:
                s = build_support(ds, info, features, shots_cap=cap, seed=seed)
            except LabelError:
                return  # < 2 classes or a class without pixels: a clear error, fine
        assert ((s.rows >= 0) & (s.rows < H) & (s.cols >= 0) & (s.cols < W)).all()
        assert not ((s.rows < 3) & (s.cols < 6)).any()  # never under nodata
        for r, c, y, f in zip(s.rows, s.cols, s.y, s.feature_id):
            feat = features[f]
            assert touched(feat.geometry, info)[r, c]
            assert s.classes[y] == str(feat.label)  # classes never swapped
        keys = s.rows * W + s.cols
        assert np.unique(keys).size == keys.size
        assert all(v <= cap for v in s.support_pixels.values())

    check()


def test_class_map_only_holds_support_classes(tmp_path_factory):
    from metamapper.core.pipeline import MapOptions, map_region

    from tests.model_factory import make_model_file

    sc = scene(tmp_path_factory)
    model = str(make_model_file(tmp_path_factory.mktemp("m"), episodes=10))
    out_dir = tmp_path_factory.mktemp("maps")

    @settings(max_examples=8, deadline=None)
    @given(st.lists(feature(sc), min_size=2, max_size=6), st.integers(0, 3))
    def check(features, seed):
        try:
            res = map_region(sc["path"], features, str(out_dir / "m.tif"), model_path=model,
                             options=MapOptions(device="cpu", seed=seed, estimate_accuracy=False))
        except LabelError:
            return
        with rasterio.open(res.output_path) as ds:
            values = set(np.unique(ds.read(1)).tolist())
        assert values <= set(res.class_codes) | {0}

    check()
