""""Label here next": the suggestion rules, on probability images and through map_region."""

from __future__ import annotations

import numpy as np
import pytest
from metamapper.core.pipeline import MapOptions, map_region
from metamapper.core.predicting.suggest import (
    SuggestConfig,
    SuggestionCollector,
    auto_spacing,
    clearance_mask,
    suggest_from_image,
    top_two,
    uncertainty,
)
from metamapper.core.reading.raster_io import apply_affine

from tests.factories import box_polygon, features_from_truth, make_raster, point
from tests.model_factory import make_model_file


def probability_image(h: int = 40, w: int = 50, n: int = 3, seed: int = 0) -> np.ndarray:
    """(n, h, w) probabilities: confident everywhere, two uncertain patches, noise pixels."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 0.05, (n, h, w))
    logits[0] += 4.0  # confident class 0
    for r0, c0 in ((5, 5), (25, 35)):  # uncertain 6x6 patches between classes 0 and 1
        logits[1, r0:r0 + 6, c0:c0 + 6] += 4.0
    for r, c in ((30, 8), (3, 44)):  # isolated uncertain pixels
        logits[1, r, c] += 4.0
    e = np.exp(logits - logits.max(axis=0))
    return (e / e.sum(axis=0)).astype(np.float32)


def test_top_two_and_uncertainty():
    p = np.array([[0.7, 0.1, 0.5], [0.2, 0.5, 0.5], [0.1, 0.4, 0.0]], np.float32)
    c1, p1, c2, p2 = top_two(p)
    assert c1.tolist()[:2] == [0, 1] and c2.tolist()[:2] == [1, 2]
    assert np.allclose(p1, [0.7, 0.5, 0.5]) and np.allclose(p2, [0.2, 0.4, 0.5])
    assert np.allclose(uncertainty(p, "margin"), [0.5, 0.9, 1.0])
    ent = uncertainty(p, "entropy")
    assert ent.min() >= 0 and ent.max() <= 1 and ent[1] > ent[0]
    with pytest.raises(ValueError):
        SuggestConfig(score="coin")


def test_suggestions_prefer_uncertain_patches_over_isolated_noise():
    probs = probability_image()
    valid = np.ones(probs.shape[1:], bool)
    out = suggest_from_image(probs, valid, SuggestConfig(count=2, spacing_px=8), tile_size=16)
    assert len(out) == 2 and [s.rank for s in out] == [1, 2]
    for s in out:  # inside one of the patches, not on the noise pixels
        assert (5 <= s.row < 11 and 5 <= s.col < 11) or (25 <= s.row < 31 and 35 <= s.col < 41)
        assert {s.class_1, s.class_2} == {0, 1} and s.prob_1 >= s.prob_2
        assert s.prob_1 == pytest.approx(probs[s.class_1, s.row, s.col], abs=1e-6)
    assert out[0].score >= out[1].score


def test_spacing_between_suggestions_and_inside_valid_pixels():
    probs = probability_image()
    valid = np.ones(probs.shape[1:], bool)
    valid[:, :20] = False  # "outside the region / nodata"
    cfg = SuggestConfig(count=6, spacing_px=7)
    out = suggest_from_image(probs, valid, cfg, tile_size=16)
    assert len(out) == 6
    for s in out:
        assert valid[s.row, s.col]
    pts = np.array([(s.row, s.col) for s in out], float)
    d = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1)) + np.eye(len(pts)) * 1e9
    assert d.min() >= 7


def test_not_on_nodata_and_not_near_existing_labels():
    probs = probability_image()
    valid = np.ones(probs.shape[1:], bool)
    valid[5:11, 5:11] = False  # the first uncertain patch is nodata
    labelled = np.zeros_like(valid)
    labelled[27, 37] = True  # an existing label in the second patch
    allowed = ~clearance_mask(labelled, 3)
    assert allowed[27, 40] == False and allowed[27, 41]  # noqa: E712 (numpy bools)
    out = suggest_from_image(probs, valid, SuggestConfig(count=5, spacing_px=4), allowed, 16)
    assert out
    for s in out:
        assert valid[s.row, s.col]
        assert (s.row - 27) ** 2 + (s.col - 37) ** 2 > 9


def test_deterministic_for_a_seed_and_the_same_patches_whatever_the_tiling():
    probs = np.full((2, 30, 30), 0.5, np.float32)  # all tied: only the seed decides
    valid = np.ones((30, 30), bool)
    a = suggest_from_image(probs, valid, SuggestConfig(count=4, seed=3), tile_size=16)
    b = suggest_from_image(probs, valid, SuggestConfig(count=4, seed=3), tile_size=16)
    c = suggest_from_image(probs, valid, SuggestConfig(count=4, seed=4), tile_size=16)
    assert a == b
    assert [(s.row, s.col) for s in a] != [(s.row, s.col) for s in c]
    clear = probability_image()
    v = np.ones(clear.shape[1:], bool)
    # the two patches; lesser picks may move: a tile border truncates the neighbourhoods
    cfg = SuggestConfig(count=2, spacing_px=8)
    assert ([(s.row, s.col) for s in suggest_from_image(clear, v, cfg, tile_size=16)]
            == [(s.row, s.col) for s in suggest_from_image(clear, v, cfg, tile_size=64)])


def test_spacing_relaxed_when_the_region_is_too_small_and_count_zero():
    probs = probability_image()[:, :6, :6].copy()
    valid = np.ones((6, 6), bool)
    out = suggest_from_image(probs, valid, SuggestConfig(count=4, spacing_px=10))
    assert len(out) == 4 and len({(s.row, s.col) for s in out}) == 4
    assert suggest_from_image(probs, valid, SuggestConfig(count=0)) == []
    assert auto_spacing(10_000, 4) == pytest.approx(25.0)
    col = SuggestionCollector(SuggestConfig(count=2), 3, 100)
    with pytest.raises(ValueError, match="shape"):
        col.add_tile(0, 0, valid, probs[:, :2, :2].reshape(3, -1))


def test_transform_gives_pixel_centres_in_the_crs():
    probs = probability_image()
    valid = np.ones(probs.shape[1:], bool)
    t = (10.0, 0.0, 500000.0, 0.0, -10.0, 5000000.0)
    s = suggest_from_image(probs, valid, SuggestConfig(count=1), transform=t)[0]
    assert s.x == pytest.approx(500000.0 + 10 * (s.col + 0.5))
    assert s.y == pytest.approx(5000000.0 - 10 * (s.row + 0.5))


# --------------------------------------------------------------------------- engine


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return str(make_model_file(tmp_path_factory.mktemp("model"), episodes=60))


def test_map_region_returns_spaced_suggestions_inside_the_region(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", width=64, height=48, bands=5, n_classes=3,
                     nodata=0, nodata_box=(0, 48, 0, 10))  # fmt: skip
    feats = features_from_truth(sc, per_class=2, kind="point")
    region = [box_polygon(sc, 0, 40, 0, 56)]
    opts = MapOptions(device="cpu", tile_size=16, estimate_accuracy=False, suggestions=5,
                      seed=2)  # fmt: skip
    res = map_region(sc["path"], feats, str(tmp_path / "o.tif"), model_path=model,
                     region=region, options=opts)  # fmt: skip
    assert 1 <= len(res.suggestions) <= 5
    inv = ~sc["transform"]
    label_px = []
    for f in feats:
        c, r = apply_affine(inv, *f.geometry["coordinates"][:2])
        label_px.append((int(r), int(c)))
    for s in res.suggestions:
        assert 0 <= s.row < 40 and 10 <= s.col < 56  # in the region, off the nodata strip
        c, r = apply_affine(inv, s.x, s.y)
        assert (int(r), int(c)) == (s.row, s.col)
        assert all((s.row - r0) ** 2 + (s.col - c0) ** 2 > 9 for r0, c0 in label_px)
        assert 0 <= s.class_1 < 3 and 0 <= s.class_2 < 3 and s.prob_1 >= s.prob_2
    again = map_region(sc["path"], feats, str(tmp_path / "o2.tif"), model_path=model,
                       region=region, options=opts)  # fmt: skip
    assert again.suggestions == res.suggestions
    off = map_region(sc["path"], feats, str(tmp_path / "o3.tif"), model_path=model,
                     options=MapOptions(device="cpu", tile_size=16, estimate_accuracy=False))
    assert off.suggestions == []


def test_the_suggester_sees_every_tile_once_and_fails_loudly(tmp_path, model, monkeypatch):
    """predict_region hands each predicted tile to the suggester once; an error there stops
    the run with nothing written. (Collecting them in the reader thread instead saved 0.1 s
    a Mpx on 204 bands but made rasterio warn about its in-memory rasterizing datasets from
    two threads at once: not kept.)"""
    from metamapper.core.predicting import suggest_map

    sc = make_raster(tmp_path / "r.tif", width=64, height=48, bands=5, n_classes=3)
    feats = features_from_truth(sc, per_class=2, kind="point")
    opts = MapOptions(device="cpu", tile_size=16, estimate_accuracy=False, suggestions=5)
    seen = []
    real_add = suggest_map.RegionSuggestions.add

    def counted(self, tile, core_valid, probs):
        seen.append((int(tile.window.row_off), int(tile.window.col_off), int(core_valid.sum())))
        return real_add(self, tile, core_valid, probs)

    monkeypatch.setattr(suggest_map.RegionSuggestions, "add", counted)
    map_region(sc["path"], feats, str(tmp_path / "o.tif"), model_path=model, options=opts)
    assert len(seen) == len(set(seen)) == 12 and sum(n for *_, n in seen) == 64 * 48

    def broken(self, tile, core_valid, probs):
        raise RuntimeError("suggester broke")

    monkeypatch.setattr(suggest_map.RegionSuggestions, "add", broken)
    out = tmp_path / "broken.tif"
    with pytest.raises(RuntimeError, match="suggester broke"):
        map_region(sc["path"], feats, str(out), model_path=model, options=opts)
    assert not out.exists()


def test_polygon_labels_are_avoided_whole(tmp_path, model):
    sc = make_raster(tmp_path / "r.tif", width=40, height=40, bands=4, n_classes=2)
    feats = features_from_truth(sc, per_class=2, size=6)
    opts = MapOptions(device="cpu", tile_size=16, estimate_accuracy=False, suggestions=8)
    res = map_region(sc["path"], feats, str(tmp_path / "o.tif"), model_path=model,
                     options=opts)  # fmt: skip
    from rasterio.features import geometry_mask

    near = clearance_mask(geometry_mask([f.geometry for f in feats], (40, 40), sc["transform"],
                                        all_touched=True, invert=True), 3)  # fmt: skip
    assert res.suggestions
    assert not any(near[s.row, s.col] for s in res.suggestions)
    assert point(sc, 0, 0)["type"] == "Point"


def test_balanced_classes_spread_suggestions_over_predicted_classes():
    probs = probability_image()  # the patches are ties of classes 0 and 1, 0 ahead by noise
    valid = np.ones(probs.shape[1:], bool)

    def pick(balance: bool) -> list:
        cfg = SuggestConfig(count=3, spacing_px=3, balance_classes=balance)
        return suggest_from_image(probs, valid, cfg, tile_size=64)

    plain, balanced = pick(False), pick(True)
    assert [s.class_1 for s in plain] == [0, 0, 0]
    assert sorted(s.class_1 for s in balanced[:2]) == [0, 1]  # at most ceil(3/3) = 1 each first
    assert len(balanced) == 3  # then filled without the cap


def test_balanced_pairs_spread_suggestions_over_confusions():
    """``balance_pairs``: one suggestion per confused class pair first, then the best rest."""
    rng = np.random.default_rng(0)
    h, w = 40, 50
    logits = rng.normal(0, 0.05, (4, h, w))
    logits[0] += 4.0
    logits[1, 2:10, 2:10] += 3.8  # the most uncertain patches: classes 0 (ahead) and 1
    logits[1, 2:10, 30:38] += 3.8
    logits[2, 28:36, 5:13] += 3.5  # less uncertain: 0 and 2
    logits[3, 28:36, 35:43] += 3.3  # 0 and 3
    e = np.exp(logits - logits.max(axis=0))
    probs = (e / e.sum(axis=0)).astype(np.float32)
    valid = np.ones((h, w), bool)

    def pairs(balance: bool) -> list:
        cfg = SuggestConfig(count=3, spacing_px=4, balance_pairs=balance)
        out = suggest_from_image(probs, valid, cfg, tile_size=64)
        assert len(out) == 3
        return [tuple(sorted((s.class_1, s.class_2))) for s in out]

    assert pairs(False)[:2] == [(0, 1), (0, 1)]
    assert sorted(pairs(True)) == [(0, 1), (0, 2), (0, 3)]


def test_confusion_weight_favours_the_confusion_that_covers_the_region():
    """``confusion_power``: a candidate's score times its pair's share of the region's
    uncertainty (summed over every tile), so a widespread confusion comes first."""
    rng = np.random.default_rng(1)
    h, w = 40, 60
    logits = rng.normal(0, 0.05, (3, h, w))
    logits[0] += 4.0
    logits[1, 2:8, 2:8] += 3.9  # a small, very uncertain patch: classes 0 and 1
    logits[2, :, 30:] += 3.2  # half the region, less uncertain: 0 and 2
    e = np.exp(logits - logits.max(axis=0))
    probs = (e / e.sum(axis=0)).astype(np.float32)
    valid = np.ones((h, w), bool)

    def first(power: float) -> tuple:
        out = suggest_from_image(probs, valid, SuggestConfig(count=2, confusion_power=power),
                                 tile_size=16)
        return tuple(sorted((out[0].class_1, out[0].class_2)))

    assert first(0.0) == (0, 1)
    assert first(1.0) == (0, 2)


def test_label_distance_weight_prefers_places_far_from_the_labels():
    """``label_distance_power``: score x min(1, distance to the nearest label / spacing)^p,
    so of two equally uncertain patches the one far from the labels comes first."""
    probs = probability_image()  # uncertain patches at rows 5-10, cols 5-10 and 25-30, 35-40
    valid = np.ones(probs.shape[1:], bool)
    near_first = np.array([[26.0, 37.0]])  # a label next to the second patch
    cfg = SuggestConfig(count=1, spacing_px=20, label_distance_power=0.0)
    plain = suggest_from_image(probs, valid, cfg, tile_size=16, label_points=near_first)[0]
    far = suggest_from_image(probs, valid, SuggestConfig(count=1, spacing_px=20,
                                                         label_distance_power=1.0),
                             tile_size=16, label_points=near_first)[0]
    assert 25 <= plain.row < 31 and 35 <= plain.col < 41  # the labels do not matter when off
    assert 5 <= far.row < 11 and 5 <= far.col < 11
    assert SuggestConfig().label_distance_power == 1.0  # the shipped rule (suggestions.md)


def test_region_suggestions_know_where_the_labels_are():
    """The plugin path (core.predicting.suggest_map) hands the labels' pixel positions to the
    collector,
    as the evaluation does, so the label-distance rule sees the same labels."""
    from affine import Affine
    from metamapper.core.predicting.suggest_map import RegionSuggestions
    from rasterio.windows import Window

    transform = Affine(10.0, 0.0, 1000.0, 0.0, -10.0, 2000.0)
    geoms = [{"type": "Point", "coordinates": (1000.0 + 10 * 7.5, 2000.0 - 10 * 3.5)},
             {"type": "Polygon", "coordinates": [[(1100.0, 1800.0), (1140.0, 1800.0),
                                                  (1140.0, 1760.0), (1100.0, 1760.0),
                                                  (1100.0, 1800.0)]]}]
    rs = RegionSuggestions(SuggestConfig(count=2), 3, Window(0, 0, 50, 40), transform, geoms,
                           (50, 40))
    assert rs.collector.label_points.tolist() == [[3.0, 7.0], [21.5, 11.5]]


@pytest.mark.parametrize("n_labels", [1, 7, 60])
def test_label_distance_weight_equals_a_kd_tree_over_all_labels(n_labels):
    """Only the labels within the spacing of a tile are compared (speed); the weights are
    the same as the nearest-label distance over every label, half-pixel centres included."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(n_labels)
    pts = rng.uniform(-20, 300, size=(n_labels, 2))
    pts[::2] = np.round(pts[::2] * 2) / 2
    col = SuggestionCollector(SuggestConfig(count=10, label_distance_power=1.5), 3,
                              256.0 * 256.0, pts)
    for row0, col0, h, w in ((0, 0, 64, 64), (192, 128, 64, 37), (100, 250, 5, 6)):
        got = col._label_distance_weight(row0, col0, (h, w))
        rr, cc = np.mgrid[row0:row0 + h, col0:col0 + w]
        dist, _ = cKDTree(pts).query(np.column_stack([rr.ravel(), cc.ravel()]).astype(float))
        ref = np.minimum(1.0, dist / max(col.spacing, 1.0)) ** 1.5
        np.testing.assert_array_equal(got, ref.reshape(h, w).astype(np.float32))
