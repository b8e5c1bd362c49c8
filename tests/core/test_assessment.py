"""assessment: Olofsson et al. (2014) estimators against the paper's worked example.

Olofsson, P., Foody, G. M., Herold, M., Stehman, S. V., Woodcock, C. E., Wulder, M. A.
(2014). Good practices for estimating area and assessing accuracy of land change. Remote
Sensing of Environment 148, 42-57. Section 5 ("Example"): a change map of four classes over
10,000,000 Landsat pixels (30 m, 900,000 ha), a stratified random sample of 640 units.
Table 8 gives the sample counts (rows = map, columns = reference) and the mapped pixels;
Table 9 the estimated area proportions; the text (p. 54) the accuracies and the
area-adjusted areas with their 95 % confidence intervals. The published values are
rounded (accuracies to 2 decimals, proportions to 4, hectares to whole hectares): the
test compares at that precision. The R package mapaccuracy and the Python package
PyMapAccuracy reproduce the same example to the same values.
"""

from __future__ import annotations

import numpy as np
import pytest
from metamapper.core.assessing.assessment import assess, standard_errors, stratified_proportions
from sklearn.metrics import cohen_kappa_score

CLASSES = ["Deforestation", "Forest gain", "Stable forest", "Stable non-forest"]
# Table 8: rows = map class, columns = reference class
TABLE8 = np.array([[66, 0, 5, 4], [0, 55, 8, 12], [1, 0, 153, 11], [2, 1, 9, 313]])
MAPPED_PIXELS = [200_000, 150_000, 3_200_000, 6_450_000]
PIXEL_M2 = 30.0 * 30.0

# Table 9 (estimated area proportions, rows map, columns reference), 4 decimals
TABLE9 = np.array([
    [0.0176, 0.0000, 0.0013, 0.0011],
    [0.0000, 0.0110, 0.0016, 0.0024],
    [0.0019, 0.0000, 0.2967, 0.0213],
    [0.0040, 0.0020, 0.0179, 0.6212],
])
TABLE9_COLUMN_TOTALS = [0.0235, 0.0130, 0.3175, 0.6460]
# p. 54: accuracies with 95 % confidence intervals
USERS = [(0.88, 0.07), (0.73, 0.10), (0.93, 0.04), (0.96, 0.02)]
PRODUCERS = [(0.75, 0.21), (0.85, 0.25), (0.93, 0.03), (0.96, 0.02)]
OVERALL = (0.95, 0.02)
# p. 54: area-adjusted areas (ha) with 95 % confidence intervals
AREAS_HA = [(21_158, 6_158), (11_686, 3_756), (285_770, 15_510), (581_386, 16_281)]


def units(table: np.ndarray):
    """The sample units behind a count table: (map index, reference index) per unit."""
    m, r = [], []
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            m += [i] * int(table[i, j])
            r += [j] * int(table[i, j])
    return m, r


@pytest.fixture(scope="module")
def example():
    m, r = units(TABLE8)
    return assess(m, r, CLASSES, strata_pixels=MAPPED_PIXELS, pixel_area=PIXEL_M2)


def test_error_matrix_counts_are_table_8(example):
    np.testing.assert_array_equal(example.counts, TABLE8)
    assert example.sample_size == 640


def test_area_proportions_reproduce_table_9(example):
    np.testing.assert_allclose(np.round(example.proportions, 4), TABLE9, atol=1e-12)
    np.testing.assert_allclose(np.round(example.area_proportion, 4), TABLE9_COLUMN_TOTALS)
    assert example.proportions.sum() == pytest.approx(1.0)


def test_accuracies_reproduce_the_published_values(example):
    assert round(example.overall_accuracy, 2) == OVERALL[0]
    assert round(1.96 * example.overall_accuracy_se, 2) == OVERALL[1]
    assert example.overall_accuracy == pytest.approx(0.9465, abs=5e-5)
    for i, (value, half) in enumerate(USERS):
        assert round(example.users_accuracy[i], 2) == value, CLASSES[i]
        assert round(1.96 * example.users_accuracy_se[i], 2) == half, CLASSES[i]
    for i, (value, half) in enumerate(PRODUCERS):
        assert round(example.producers_accuracy[i], 2) == value, CLASSES[i]
        assert round(1.96 * example.producers_accuracy_se[i], 2) == half, CLASSES[i]


def test_areas_reproduce_the_published_hectares(example):
    area_ha = example.area / 10_000
    ci_ha = example.area_ci95 / 10_000
    assert example.total_area / 10_000 == pytest.approx(900_000)
    for i, (value, half) in enumerate(AREAS_HA):
        assert area_ha[i] == pytest.approx(value, abs=1.0), CLASSES[i]
        assert ci_ha[i] == pytest.approx(half, abs=1.0), CLASSES[i]
    # and the areas add up to the mapped total
    assert area_ha.sum() == pytest.approx(900_000)


def test_estimators_match_their_closed_forms(example):
    """sklearn's weighted metrics are the stratified estimators (eqs. 1-3 of the paper)."""
    p = stratified_proportions(TABLE8, MAPPED_PIXELS)
    np.testing.assert_allclose(example.users_accuracy, np.diag(p) / p.sum(axis=1))
    np.testing.assert_allclose(example.producers_accuracy, np.diag(p) / p.sum(axis=0))
    assert example.overall_accuracy == pytest.approx(np.trace(p))
    pe = float(p.sum(axis=0) @ p.sum(axis=1))
    assert example.kappa == pytest.approx((np.trace(p) - pe) / (1 - pe))
    ua, pa = example.users_accuracy, example.producers_accuracy
    np.testing.assert_allclose(example.f1, 2 * ua * pa / (ua + pa))


def test_unweighted_statistics_without_a_probability_design():
    m, r = units(TABLE8)
    a = assess(m, r, CLASSES, design="other", strata_pixels=MAPPED_PIXELS, pixel_area=900.0)
    assert not a.area_estimates and a.proportions is None and a.overall_accuracy_se is None
    assert a.overall_accuracy == pytest.approx(np.trace(TABLE8) / 640)
    assert a.kappa == pytest.approx(cohen_kappa_score(r, m))
    assert a.users_accuracy[0] == pytest.approx(66 / 75)
    assert a.producers_accuracy[0] == pytest.approx(66 / 69)
    assert any("not a probability sample" in n for n in a.notes)


def test_random_design_uses_post_stratification_and_says_so():
    m, r = units(TABLE8)
    a = assess(m, r, CLASSES, design="random", strata_pixels=MAPPED_PIXELS, pixel_area=900.0)
    assert a.area_estimates
    assert any("post-stratified" in n for n in a.notes)


def test_too_few_units_in_a_stratum_withholds_area_estimates():
    table = TABLE8.copy()
    table[1] = [0, 1, 0, 0]  # one unit mapped as forest gain
    m, r = units(table)
    a = assess(m, r, CLASSES, strata_pixels=MAPPED_PIXELS, pixel_area=900.0)
    assert not a.area_estimates and a.area is None
    assert any("at least 2 sample units" in n and "Forest gain (1)" in n for n in a.notes)


def test_standard_errors_shrink_with_a_bigger_sample():
    small = standard_errors(TABLE8, MAPPED_PIXELS)
    big = standard_errors(TABLE8 * 4, MAPPED_PIXELS)
    assert big["overall"] < small["overall"]
    assert np.all(big["area_proportion"] < small["area_proportion"])
    # a perfect map: no error, no variance
    perfect = standard_errors(np.diag([10, 10, 10, 10]), MAPPED_PIXELS)
    assert perfect["overall"] == 0 and np.all(perfect["area_proportion"] == 0)


def test_report_and_csv_carry_the_numbers(example, tmp_path):
    from metamapper.core.assessing.assessment_report import (
        ReportContext,
        csv_text,
        html_report,
        svg_plot,
        write_files,
    )

    ctx = ReportContext("change map", "samples", "ref", area_units="m²", hectares=True)
    page = html_report(example, ctx)
    assert "0.947 ± 0.018" in page  # OA with its 95 % CI half-width
    assert "21,158 ± 6,158" in page  # deforestation (ha)
    assert "<svg" in page and page.count("<table") == 5
    text = csv_text(example, ctx)
    lines = text.strip().splitlines()
    assert lines[0].startswith("class,mapped_pixels,mapped_area_m2")
    assert lines[1].startswith("Deforestation,200000,180000000.0,75,69,0.88,")
    assert ",21157.8,6157.63,66,0,5,4" in lines[1]
    assert lines[-1].startswith("overall,10000000")
    assert svg_plot(example).count("<rect") == 2 * 4 + 2
    out = write_files({str(tmp_path / "r.html"): page, str(tmp_path / "r.csv"): text})
    assert sorted(out) == sorted([str(tmp_path / "r.html"), str(tmp_path / "r.csv")])
    assert not list(tmp_path.glob(".*metamapper-tmp"))


def test_writing_into_a_folder_path_leaves_nothing(example, tmp_path):
    from metamapper.core.assessing.assessment_report import write_files
    from metamapper.core.errors import OutputError

    (tmp_path / "taken").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        write_files({str(tmp_path / "ok.html"): "x", str(tmp_path / "taken"): "y"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
