"""validation_sample + class_map + validation: sample design, windowed drawing, assessment."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from metamapper.core.assessing import class_map as cm
from metamapper.core.assessing.validation import assess_map
from metamapper.core.assessing.validation_sample import (
    allocate,
    cochran_sample_size,
    design_sample,
    draw_ranks,
    draw_sample,
    parse_expected_accuracy,
)
from metamapper.core.errors import InputError, LabelError, RasterError, RegionError
from metamapper.core.reading.raster_io import write_category_names
from rasterio.transform import from_origin

X0, Y0, PIXEL = 500_000.0, 4_800_000.0, 10.0


def write_map(path: Path, codes: np.ndarray, names=None, tags=True, aux=False,
              nodata=0, dtype="uint8", crs="EPSG:32633") -> Path:
    profile = dict(driver="GTiff", width=codes.shape[1], height=codes.shape[0], count=1,
                   dtype=dtype, transform=from_origin(X0, Y0, PIXEL, PIXEL), nodata=nodata)
    if crs:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(codes.astype(dtype), 1)
        if names and tags:
            ds.update_tags(METAMAPPER_CLASSES=json.dumps(list(names.values())),
                           METAMAPPER_CLASS_CODES=json.dumps(list(names)))
    if names and aux:
        write_category_names(path, list(names.values()), list(names))
    return path


def centre(row, col):
    return {"type": "Point", "coordinates": [X0 + (col + 0.5) * PIXEL, Y0 - (row + 0.5) * PIXEL]}


@pytest.fixture
def blocks(tmp_path):
    """100 x 120 px: code 1 'water' (cols 0-9), 2 'forest' (10-69), 3 'urban' (70-119);
    a nodata band (rows 0-4)."""
    codes = np.ones((100, 120), dtype=np.uint8)
    codes[:, 10:70] = 2
    codes[:, 70:] = 3
    codes[:5] = 0
    path = write_map(tmp_path / "map.tif", codes, {1: "water", 2: "forest", 3: "urban"})
    return path, codes


# ------------------------------------------------------------------ class map
def test_class_names_from_tags_aux_or_codes(tmp_path, blocks):
    path, codes = blocks
    assert cm.open_class_map(str(path)).names == {1: "water", 2: "forest", 3: "urban"}
    aux = write_map(tmp_path / "aux.tif", codes, {1: "a", 2: "b", 3: "c"}, tags=False, aux=True)
    assert cm.open_class_map(str(aux)).names == {1: "a", 2: "b", 3: "c"}
    bare = write_map(tmp_path / "bare.tif", codes)
    info = cm.open_class_map(str(bare))
    assert info.names == {} and info.name_of(2) == "2"
    assert info.pixel_area == 100.0 and info.area_in_hectares


def test_decimal_or_crs_less_maps_are_refused(tmp_path, blocks):
    _, codes = blocks
    with pytest.raises(RasterError, match="a class map holds integer class codes"):
        cm.open_class_map(str(write_map(tmp_path / "f.tif", codes, dtype="float32")))
    with pytest.raises(RasterError, match="no coordinate reference system"):
        cm.open_class_map(str(write_map(tmp_path / "n.tif", codes, crs=None)))


def test_pixel_counts_are_windowed_and_exact(blocks, monkeypatch):
    path, codes = blocks
    monkeypatch.setattr(cm, "WINDOW", 32)  # many windows, ragged edges
    info = cm.open_class_map(str(path))
    region = cm.make_region(info, None)
    assert len(list(cm.iter_windows(region, 32))) == 4 * 4
    counts = cm.class_pixel_counts(info, region)
    assert counts == {c: int((codes == c).sum()) for c in (1, 2, 3)}
    square = {"type": "Polygon", "coordinates": [[
        (X0, Y0 - 100 * PIXEL), (X0 + 20 * PIXEL, Y0 - 100 * PIXEL),
        (X0 + 20 * PIXEL, Y0 - 80 * PIXEL), (X0, Y0 - 80 * PIXEL), (X0, Y0 - 100 * PIXEL)]]}
    assert cm.class_pixel_counts(info, cm.make_region(info, [square])) == {1: 200, 2: 200}


def test_values_under_points_and_polygons(blocks):
    path, _ = blocks
    info = cm.open_class_map(str(path))
    poly = {"type": "Polygon", "coordinates": [[
        (X0 + 5 * PIXEL, Y0 - 50 * PIXEL), (X0 + 13 * PIXEL, Y0 - 50 * PIXEL),
        (X0 + 13 * PIXEL, Y0 - 40 * PIXEL), (X0 + 5 * PIXEL, Y0 - 40 * PIXEL),
        (X0 + 5 * PIXEL, Y0 - 50 * PIXEL)]]}  # 5 water + 3 forest columns: majority water
    geoms = [centre(50, 5), centre(50, 100), centre(2, 50), centre(50, 500), poly, None]
    values = cm.map_codes_at(info, geoms)
    assert values.codes.tolist() == [1, 3, -1, -1, 1, -1]
    assert values.outside == [3] and values.nodata == [2, 5]


# ------------------------------------------------------------------ design
def test_cochran_sample_size_of_the_paper_example():
    """Olofsson et al. (2014) section 5.1: U = 0.70, 0.60, 0.90, 0.95, S(O) = 0.01 -> 641."""
    weights = [0.02, 0.015, 0.32, 0.645]
    assert cochran_sample_size(weights, [0.7, 0.6, 0.9, 0.95], 0.01) == 641
    assert cochran_sample_size(weights, [0.7, 0.6, 0.9, 0.95], 0.02) == 161
    with pytest.raises(InputError, match="between 0 and 0.5"):
        cochran_sample_size(weights, [0.9] * 4, 0.0)


def test_expected_accuracy_text():
    names = {1: "Deforestation", 2: "Forest gain", 3: "Stable forest"}
    assert parse_expected_accuracy("", names) == {1: 0.85, 2: 0.85, 3: 0.85}
    assert parse_expected_accuracy("0.9; deforestation=0.7, 2=0.6", names) == \
        {1: 0.7, 2: 0.6, 3: 0.9}
    with pytest.raises(InputError, match="not a class of the map"):
        parse_expected_accuracy("cloud=0.5", names)
    with pytest.raises(InputError, match="is not a number"):
        parse_expected_accuracy("high", names)
    with pytest.raises(InputError, match="not between 0 and 1"):
        parse_expected_accuracy("85", names)


def test_allocations():
    strata = {1: 200_000, 2: 150_000, 3: 3_200_000, 4: 6_450_000}
    prop, _ = allocate(strata, 641, "proportional")
    assert prop == {1: 13, 2: 10, 3: 205, 4: 413}
    equal, _ = allocate(strata, 640, "equal")
    assert equal == {1: 160, 2: 160, 3: 160, 4: 160}
    comp, _ = allocate(strata, 641, "compromise", min_per_class=75)
    assert comp[1] == comp[2] == 75 and sum(comp.values()) == 641
    assert comp[4] / comp[3] == pytest.approx(6_450_000 / 3_200_000, rel=0.01)
    tiny, notes = allocate({1: 10, 2: 1000}, 100, "compromise", min_per_class=50)
    assert tiny == {1: 10, 2: 90} and not notes
    over, notes = allocate({1: 1000, 2: 1000, 3: 1000}, 100, "compromise", min_per_class=50)
    assert over == {1: 50, 2: 50, 3: 50} and "more than the 100 asked" in notes[0]


def test_draw_ranks_is_uniform_distinct_and_cheap():
    rng = np.random.default_rng(0)
    ranks = draw_ranks(rng, 10**12, 1000)  # a huge stratum: O(n), not O(N)
    assert len(np.unique(ranks)) == 1000 and ranks.min() >= 0 and ranks.max() < 10**12
    hits = np.zeros(20)
    for seed in range(2000):
        hits[draw_ranks(np.random.default_rng(seed), 20, 5)] += 1
    assert hits.sum() == 10_000
    assert np.all(np.abs(hits - 500) < 5 * np.sqrt(500))  # every rank equally likely
    assert draw_ranks(rng, 5, 9).tolist() == [0, 1, 2, 3, 4]


def test_sample_is_stratified_seeded_and_windowed(blocks, monkeypatch):
    path, codes = blocks
    monkeypatch.setattr(cm, "WINDOW", 32)
    info = cm.open_class_map(str(path))
    region = cm.make_region(info, None)
    design = design_sample(info, region, total=90, allocation="equal")
    assert design.sample_sizes == {1: 30, 2: 30, 3: 30}
    points = draw_sample(info, region, design, seed=4)
    again = draw_sample(info, region, design, seed=4)
    other = draw_sample(info, region, design, seed=5)
    assert [(p.row, p.col) for p in points] == [(p.row, p.col) for p in again]
    assert [(p.row, p.col) for p in points] != [(p.row, p.col) for p in other]
    assert len({(p.row, p.col) for p in points}) == 90
    for p in points:
        assert codes[p.row, p.col] == p.code and p.name == info.name_of(p.code)
        assert (p.x, p.y) == (X0 + (p.col + 0.5) * PIXEL, Y0 - (p.row + 0.5) * PIXEL)
    assert {p.code: 0 for p in points} == {1: 0, 2: 0, 3: 0}
    # the sample reaches every window of the stratum (not only the first ones)
    rows = [p.row for p in points if p.code == 2]
    assert min(rows) < 40 and max(rows) > 60


def test_sample_size_from_target_standard_error(blocks):
    path, _ = blocks
    info = cm.open_class_map(str(path))
    region = cm.make_region(info, None)
    design = design_sample(info, region, total=None, target_se=0.05,
                           expected_accuracy="0.8", allocation="proportional")
    assert design.size_method.startswith("target standard error")
    assert design.total == 64  # (0.4)^2 / 0.05^2 = 64, finite population correction ~0
    assert design.sample_sizes[1] < design.sample_sizes[2]


# ------------------------------------------------------------------ assess_map
def test_assess_map_counts_skips_and_names_problems(blocks):
    path, _ = blocks
    info = cm.open_class_map(str(path))
    geoms = [centre(50, 5), centre(60, 5), centre(50, 40), centre(60, 40), centre(50, 90),
             centre(60, 90), centre(2, 50), centre(500, 50), centre(70, 50)]
    labels = ["water", "WATER ", 2, "forest", "urban", "water", "urban", "urban", None]
    result = assess_map(info, geoms, labels, field_name="ref", feature_ids=range(11, 20))
    a = result.assessment
    assert a.classes == ["water", "forest", "urban"] and result.used == 6
    np.testing.assert_array_equal(a.counts, [[2, 0, 0], [0, 2, 0], [1, 0, 1]])
    assert result.outside == [7] and result.nodata == [6] and result.skipped_null == [8]
    text = " ".join(result.warnings)
    assert "empty reference class" in text and "feature ids 18" in text and \
        "feature ids 17" in text
    assert a.area_estimates  # 2 units in each map class


def test_assess_map_refusals(blocks):
    path, _ = blocks
    info = cm.open_class_map(str(path))
    with pytest.raises(LabelError, match="not classes of the class map: 'cloud' \\(2\\)"):
        assess_map(info, [centre(50, 5)] * 3, ["cloud", "cloud", "water"], field_name="ref")
    with pytest.raises(LabelError, match="is empty in all 2 validation"):
        assess_map(info, [centre(50, 5)] * 2, [None, " "], field_name="ref")
    with pytest.raises(RegionError, match="None of the validation features"):
        assess_map(info, [centre(500, 5), centre(1, 1)], ["water", "water"], field_name="ref")
    with pytest.raises(LabelError, match="has no feature"):
        assess_map(info, [], [], field_name="ref")


def test_map_class_without_units_is_reported(blocks):
    path, _ = blocks
    info = cm.open_class_map(str(path))
    geoms = [centre(50, 5), centre(60, 5), centre(50, 40), centre(60, 40)]
    result = assess_map(info, geoms, ["water", "water", "forest", "forest"], field_name="r")
    assert "Map class(es) with no validation unit: urban" in " ".join(result.warnings)
    assert not result.assessment.area_estimates


def test_no_read_is_larger_than_one_window(blocks, monkeypatch):
    """Counting and drawing read the map window by window, never the whole raster."""
    from metamapper.core.assessing import validation_sample as vs

    path, _ = blocks
    monkeypatch.setattr(cm, "WINDOW", 32)
    sizes = []
    real = cm.read_codes

    def spy(ds, region, window):
        sizes.append(int(window.width) * int(window.height))
        return real(ds, region, window)

    monkeypatch.setattr(cm, "read_codes", spy)
    monkeypatch.setattr(vs, "read_codes", spy)
    info = cm.open_class_map(str(path))
    region = cm.make_region(info, None)
    design = design_sample(info, region, total=30, allocation="equal")
    draw_sample(info, region, design, seed=1)
    assert len(sizes) > 16 and max(sizes) <= 32 * 32


def test_assess_map_within_a_region(blocks):
    """Strata are counted in the region; units outside it are skipped as outside."""
    path, _ = blocks
    info = cm.open_class_map(str(path))
    square = {"type": "Polygon", "coordinates": [[
        (X0, Y0 - 100 * PIXEL), (X0 + 20 * PIXEL, Y0 - 100 * PIXEL),
        (X0 + 20 * PIXEL, Y0 - 50 * PIXEL), (X0, Y0 - 50 * PIXEL), (X0, Y0 - 100 * PIXEL)]]}
    geoms = [centre(60, 5), centre(70, 5), centre(60, 15), centre(70, 15), centre(20, 5)]
    result = assess_map(info, geoms, ["water", "water", "forest", "water", "water"],
                        field_name="r", region=[square])
    a = result.assessment
    assert result.outside == [4] and result.used == 4
    assert a.strata_pixels.tolist() == [500.0, 500.0]  # water and forest, 50 rows x 10 cols
    assert a.classes == ["water", "forest"]
    assert a.overall_accuracy == pytest.approx(0.5 * 1 + 0.5 * 0.5)
