"""``processing.run("metamapper:fewshot_classify")`` end to end on the striped test scene.

Outputs are checked pixel by pixel: the grid (CRS, transform, shape, dtype, nodata), nodata
outside the region, and the classes against the known stripes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from qgis.core import (
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProject,
)

from .conftest import (
    CODES,
    PIXEL,
    SIZE,
    X0,
    Y0,
    LogFeedback,
    decode,
    point_labels,
    polygon_labels,
    read_band,
    region_layer,
)

MIN_ACCURACY = 0.95  # stripes are separable by far: anything less is a wrong mapping


@pytest.fixture(autouse=True)
def _clean_project():
    yield
    QgsProject.instance().removeAllMapLayers()


def _agreement(predicted_names: np.ndarray, truth: np.ndarray) -> float:
    return float((predicted_names == truth).mean())


def _check_full_grid(meta: dict) -> None:
    assert meta["shape"] == (SIZE, SIZE)
    assert meta["crs"].to_epsg() == 32633
    assert meta["dtype"] == "uint8"
    assert meta["nodata"] == 0
    t = meta["transform"]
    assert (t.a, t.e, t.c, t.f) == (PIXEL, -PIXEL, X0, Y0)


def test_points_with_text_classes(scene, run_alg, tmp_path):
    out = tmp_path / "map.tif"
    results, _ctx, feedback = run_alg(INPUT=str(scene.path), TRAINING=point_labels(),
                                      CLASS_FIELD="cls", OUTPUT=str(out), DEVICE=1)
    assert results["OUTPUT"] == str(out)
    classes = results["CLASSES"].split(",")
    assert classes == ["forest", "urban", "water"]  # text labels: sorted, coded 1..N
    assert results["CLASS_COUNT"] == 3
    assert results["SUPPORT_SIZE"] == 12  # 4 points per class, one pixel each
    assert results["SKIPPED_FEATURES"] == 0
    assert results["REGION_PIXELS"] == SIZE * SIZE
    assert results["DEVICE_USED"] == "cpu"
    assert results["ACCURACY_ESTIMATE"] is None  # switched off by the fixture
    band, meta = read_band(str(out))
    _check_full_grid(meta)
    assert set(np.unique(band)) <= {1, 2, 3}
    assert _agreement(decode(band, classes, [1, 2, 3]), scene.truth) >= MIN_ACCURACY
    log = feedback.text
    for expected in ("water", "forest", "urban", "Method:", "device: cpu", "Times:",
                     "px mapped"):
        assert expected in log, expected
    assert feedback.progress_values and max(feedback.progress_values) == pytest.approx(100.0)


def test_polygons_with_integer_classes_keep_their_codes(scene, run_alg, tmp_path):
    out = tmp_path / "map.tif"
    results, _ctx, _fb = run_alg(INPUT=str(scene.path), TRAINING=polygon_labels(),
                                 CLASS_FIELD="code", OUTPUT=str(out), SHOTS_CAP=20)
    assert sorted(results["CLASSES"].split(",")) == ["1", "2", "3"]
    assert results["SUPPORT_SIZE"] == 60  # 36 px per square, capped at 20
    band, meta = read_band(str(out))
    _check_full_grid(meta)
    expected_codes = np.vectorize(CODES.get)(scene.truth)
    assert float((band == expected_codes).mean()) >= MIN_ACCURACY


def test_selected_features_only_is_honoured(scene, run_alg, tmp_path):
    layer = polygon_labels()
    QgsProject.instance().addMapLayer(layer)
    layer.selectByIds([f.id() for f in layer.getFeatures() if f["cls"] in ("water", "urban")])
    results, _ctx, _fb = run_alg(
        INPUT=str(scene.path),
        TRAINING=QgsProcessingFeatureSourceDefinition(layer.id(), True),
        CLASS_FIELD="cls", OUTPUT=str(tmp_path / "map.tif"),
    )
    assert results["CLASSES"] == "urban,water"
    band, _meta = read_band(results["OUTPUT"])
    assert set(np.unique(band)) <= {1, 2}
    names = decode(band, ["urban", "water"], [1, 2])
    # the two labelled stripes are mapped right; the unlabelled forest goes to either
    known = scene.truth != "forest"
    assert float((names[known] == scene.truth[known]).mean()) >= MIN_ACCURACY


def test_region_with_a_hole_gives_nodata_outside(scene, run_alg, tmp_path):
    region = region_layer((8, 4, 40, 44), hole_px=(20, 20, 28, 28))
    out, conf = tmp_path / "map.tif", tmp_path / "conf.tif"
    results, _ctx, _fb = run_alg(INPUT=str(scene.path), TRAINING=point_labels(),
                                 CLASS_FIELD="cls", REGION=region, OUTPUT=str(out),
                                 OUTPUT_CONFIDENCE=str(conf))
    band, meta = read_band(str(out))
    # the output grid is the region's window, aligned on the raster's pixels
    assert meta["shape"] == (32, 40)
    t = meta["transform"]
    assert (t.a, t.e, t.c, t.f) == (PIXEL, -PIXEL, X0 + 4 * PIXEL, Y0 - 8 * PIXEL)
    hole = np.zeros(band.shape, dtype=bool)
    hole[12:20, 16:24] = True
    assert (band[hole] == 0).all()
    assert (band[~hole] > 0).all()
    assert results["REGION_PIXELS"] == 32 * 40 - 64
    truth = scene.truth[8:40, 4:44]
    names = decode(band, results["CLASSES"].split(","), [1, 2, 3])
    assert float((names[~hole] == truth[~hole]).mean()) >= MIN_ACCURACY
    confidence, cmeta = read_band(str(conf))
    assert cmeta["shape"] == (32, 40) and cmeta["dtype"] == "float32"
    valid = confidence[~hole]
    assert ((valid >= 0) & (valid <= 1)).all() and valid.mean() > 0.5
    assert np.all((confidence[hole] == cmeta["nodata"]) | np.isnan(confidence[hole]))


def test_training_and_region_in_wgs84_over_a_utm_raster(scene, run_alg, tmp_path):
    region = region_layer((0, 0, 24, SIZE), crs="EPSG:4326")  # the top half
    results, _ctx, feedback = run_alg(INPUT=str(scene.path),
                                      TRAINING=point_labels(crs="EPSG:4326"),
                                      CLASS_FIELD="cls", REGION=region,
                                      OUTPUT=str(tmp_path / "map.tif"))
    band, meta = read_band(results["OUTPUT"])
    assert meta["crs"].to_epsg() == 32633
    # a reprojected rectangle is a slightly rotated quadrilateral: about 24 rows, all columns
    assert abs(meta["shape"][0] - 24) <= 2 and abs(meta["shape"][1] - SIZE) <= 2
    row_off = round((Y0 - meta["transform"].f) / PIXEL)
    col_off = round((meta["transform"].c - X0) / PIXEL)
    truth = scene.truth[row_off:row_off + band.shape[0], col_off:col_off + band.shape[1]]
    inside = band > 0
    assert inside.mean() > 0.9
    names = decode(band, results["CLASSES"].split(","), [1, 2, 3])
    assert float((names[inside] == truth[inside]).mean()) >= MIN_ACCURACY
    assert results["SUPPORT_SIZE"] == 12  # every point landed in its pixel after reprojection


def test_null_classes_are_skipped_and_counted(scene, run_alg, tmp_path):
    layer = point_labels(extra=[(40, 8, None, None), (40, 40, "  ", None)])
    results, _ctx, feedback = run_alg(INPUT=str(scene.path), TRAINING=layer,
                                      CLASS_FIELD="cls", OUTPUT=str(tmp_path / "map.tif"))
    assert results["SKIPPED_FEATURES"] == 2
    assert results["CLASS_COUNT"] == 3
    assert "Skipped 2 training feature(s) with an empty or NULL 'cls'" in feedback.text


def test_accuracy_estimate_is_reported(scene, run_alg, tmp_path):
    results, _ctx, feedback = run_alg(INPUT=str(scene.path), TRAINING=point_labels(),
                                      CLASS_FIELD="cls", OUTPUT=str(tmp_path / "map.tif"),
                                      ESTIMATE_ACCURACY=True)
    assert results["ACCURACY_ESTIMATE"] is not None
    assert 0.8 <= results["ACCURACY_ESTIMATE"] <= 1.0
    assert "Estimated accuracy:" in feedback.text


def test_same_seed_same_map_and_wavelengths_accepted(scene, run_alg, tmp_path):
    common = dict(INPUT=str(scene.path), TRAINING=polygon_labels(), CLASS_FIELD="cls",
                  SEED=7, STEPS=3, TILE_SIZE=16, TRANSDUCTIVE=False,
                  WAVELENGTHS="482, 561, 655, 865")
    a, _c, _f = run_alg(OUTPUT=str(tmp_path / "a.tif"), **common)
    b, _c, _f = run_alg(OUTPUT=str(tmp_path / "b.tif"), **common)
    assert np.array_equal(read_band(a["OUTPUT"])[0], read_band(b["OUTPUT"])[0])


class CancelDuringTiles(LogFeedback):
    """Cancels as soon as tiled prediction has started (progress beyond 40 %)."""

    def __init__(self) -> None:
        super().__init__()
        self.progressChanged.connect(self._maybe_cancel)

    def _maybe_cancel(self, value: float) -> None:
        if value > 40 and not self.isCanceled():
            self.cancel()


def test_cancel_within_a_tile_leaves_no_file(scene, processing_provider, model_file, tmp_path):
    import processing

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    feedback = CancelDuringTiles()
    with pytest.raises(QgsProcessingException, match="(?i)cancel"):
        processing.run(
            "metamapper:fewshot_classify",
            {"INPUT": str(scene.path), "TRAINING": point_labels(), "CLASS_FIELD": "cls",
             "MODEL": str(model_file), "TILE_SIZE": 16, "ESTIMATE_ACCURACY": False,
             "OUTPUT": str(out_dir / "map.tif"), "OUTPUT_CONFIDENCE": str(out_dir / "c.tif")},
            feedback=feedback,
        )
    assert feedback.isCanceled()
    assert "Predicted tile 1/9" in feedback.text  # progress reached the log per tile
    assert "Predicted tile 9/9" not in feedback.text  # ...and the run stopped early
    assert sorted(Path(out_dir).iterdir()) == []


def test_corrupt_model_file_is_refused_with_the_engine_message(scene, run_alg, tmp_path):
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(QgsProcessingException, match="Cannot read model file broken.pt"):
        run_alg(INPUT=str(scene.path), TRAINING=point_labels(), CLASS_FIELD="cls",
                MODEL=str(bad), OUTPUT=str(out_dir / "map.tif"))
    assert list(out_dir.iterdir()) == []


def test_existing_output_is_overwritten_whole(scene, run_alg, tmp_path):
    out = tmp_path / "map.tif"
    out.write_bytes(b"old contents")
    results, _ctx, _fb = run_alg(INPUT=str(scene.path), TRAINING=point_labels(),
                                 CLASS_FIELD="cls", OUTPUT=str(out))
    band, meta = read_band(results["OUTPUT"])
    _check_full_grid(meta)


def test_unicode_and_long_class_names_survive(scene, run_alg, tmp_path):
    long_name = "Zone humide à roseaux — " + "x" * 180
    layer = point_labels()
    rename = {"water": long_name, "forest": "Forêt ☘", "urban": "市街地"}
    idx = layer.fields().lookupField("cls")
    layer.dataProvider().changeAttributeValues(
        {f.id(): {idx: rename[f["cls"]]} for f in layer.getFeatures()}
    )
    results, _ctx, feedback = run_alg(INPUT=str(scene.path), TRAINING=layer, CLASS_FIELD="cls",
                                      OUTPUT=str(tmp_path / "carte.tif"))
    assert set(results["CLASSES"].split(",")) == set(rename.values())
    band, _meta = read_band(results["OUTPUT"])
    names = decode(band, results["CLASSES"].split(","), [1, 2, 3])
    truth = np.vectorize(rename.get)(scene.truth)
    assert float((names == truth).mean()) >= MIN_ACCURACY
    assert "Forêt ☘" in feedback.text


def test_thousands_of_polygons_convert_quickly(scene, processing_provider):
    """5,000 small labelled polygons in WGS 84: reprojection + conversion stays fast."""
    from metamapper.provider import geometry as geo
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsCoordinateTransformContext,
        QgsFeature,
        QgsGeometry,
        QgsRectangle,
        QgsVectorLayer,
    )

    layer = QgsVectorLayer("Polygon?crs=EPSG:4326&field=cls:string(20)", "many", "memory")
    to_wgs = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:32633"),
                                    QgsCoordinateReferenceSystem("EPSG:4326"),
                                    QgsCoordinateTransformContext())
    features = []
    for i in range(5000):
        row, col = divmod(i % (SIZE * SIZE), SIZE)
        g = QgsGeometry.fromRect(QgsRectangle(X0 + col * PIXEL, Y0 - (row + 1) * PIXEL,
                                              X0 + (col + 1) * PIXEL, Y0 - row * PIXEL))
        g.transform(to_wgs)
        f = QgsFeature(layer.fields())
        f.setGeometry(g)
        f["cls"] = scene.truth[row, col]
        features.append(f)
    layer.dataProvider().addFeatures(features)
    import time

    t0 = time.perf_counter()
    converted = geo.convert_labelled(layer, "cls", QgsCoordinateReferenceSystem("EPSG:32633"),
                                     QgsCoordinateTransformContext())
    seconds = time.perf_counter() - t0
    assert len(converted.geometries) == 5000 and converted.skipped == 0
    assert converted.distinct_labels() == ["forest", "urban", "water"]
    xmin, ymin, xmax, ymax = converted.bounds
    assert abs(xmin - X0) < 0.01 and abs(ymax - Y0) < 0.01  # back in UTM, to the centimetre
    assert seconds < 10, seconds
