"""``metamapper:validation_sample`` and ``metamapper:assess_accuracy`` through Processing.

The class map is written as MetaMapper writes it (uint8, 0 = nodata, names in tags and in
the ``.aux.xml`` category names): 48 x 48 px of 30 m in UTM 33N, three stripes ``water``
(code 3, cols 0-15), ``forest`` (1, cols 16-31), ``urban`` (2, cols 32-47) and a nodata
band (rows 0-3). One end-to-end test classifies the striped scene first.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputHtml,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)

from .conftest import PIXEL, SIZE, STRIPES, X0, Y0, LogFeedback, Scene, model_output_param

CODES = {name: code for name, code, _c0, _c1 in STRIPES}  # water 3, forest 1, urban 2
NODATA_ROWS = 4


@pytest.fixture(autouse=True)
def _clean_project():
    yield
    QgsProject.instance().removeAllMapLayers()


def stripe_of(col: int) -> str:
    return next(name for name, _code, c0, c1 in STRIPES if c0 <= col < c1)


@pytest.fixture(scope="module")
def class_map(tmp_path_factory) -> Path:
    import rasterio
    from metamapper.core.reading.raster_io import write_category_names
    from rasterio.transform import from_origin

    path = tmp_path_factory.mktemp("classmap") / "classes.tif"
    codes = np.zeros((SIZE, SIZE), dtype=np.uint8)
    for _name, code, c0, c1 in STRIPES:
        codes[:, c0:c1] = code
    codes[:NODATA_ROWS] = 0
    names = sorted(CODES, key=CODES.get)
    with rasterio.open(path, "w", driver="GTiff", width=SIZE, height=SIZE, count=1,
                       dtype="uint8", nodata=0, crs="EPSG:32633",
                       transform=from_origin(X0, Y0, PIXEL, PIXEL)) as ds:
        ds.write(codes, 1)
        ds.update_tags(METAMAPPER_CLASSES=json.dumps(names),
                       METAMAPPER_CLASS_CODES=json.dumps([CODES[n] for n in names]))
    write_category_names(path, names, [CODES[n] for n in names])
    return path


def run(alg: str, context=None, **params):
    import processing

    context = context or QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = LogFeedback()
    results = processing.run(f"metamapper:{alg}", params, context=context, feedback=feedback)
    return results, feedback


def sample(class_map, tmp_path, name="sample.gpkg", **params):
    params.setdefault("SAMPLE_SIZE", 60)
    params.setdefault("ALLOCATION", 1)  # equal
    results, feedback = run("validation_sample", INPUT=str(class_map),
                            OUTPUT=str(tmp_path / name), **params)
    layer = QgsVectorLayer(results["OUTPUT"], "sample", "ogr")
    assert layer.isValid()
    return layer, results, feedback


def fill_reference(layer: QgsVectorLayer, wrong=(), value=None) -> None:
    """Reference class = the true stripe under each point; ``wrong`` sample_ids get
    ``value`` (or the next stripe's name) instead."""
    field = layer.fields().lookupField("reference_class")
    assert layer.startEditing()
    for feature in layer.getFeatures():
        point = feature.geometry().asPoint()
        col = int((point.x() - X0) // PIXEL)
        truth = stripe_of(col)
        label = truth
        if feature["sample_id"] in wrong:
            label = value if value is not None else {"water": "forest", "forest": "urban",
                                                     "urban": "water"}[truth]
        layer.changeAttributeValue(feature.id(), field, label)
    assert layer.commitChanges()


# ------------------------------------------------------------------ validation_sample
def test_sample_layer_fields_classes_and_seed(class_map, tmp_path, processing_provider):
    layer, results, feedback = sample(class_map, tmp_path, SEED=3)
    assert results["TOTAL"] == 60 and results["CLASS_COUNT"] == 3
    assert results["SIZE_METHOD"] == "given"
    names = [f.name() for f in layer.fields()]
    assert {"sample_id", "map_class", "map_code", "reference_class", "stratum_pixels"} \
        <= set(names)
    assert layer.crs().authid() == "EPSG:32633"
    per_class = {}
    seen = set()
    for f in layer.getFeatures():
        p = f.geometry().asPoint()
        col, row = int((p.x() - X0) // PIXEL), int((Y0 - p.y()) // PIXEL)
        assert row >= NODATA_ROWS, "a point on nodata"
        assert f["map_class"] == stripe_of(col) and f["map_code"] == CODES[f["map_class"]]
        assert f["reference_class"] in (None, "") or not f["reference_class"]
        assert f["stratum_pixels"] == 16 * (SIZE - NODATA_ROWS)
        per_class[f["map_class"]] = per_class.get(f["map_class"], 0) + 1
        seen.add((row, col))
    assert per_class == {"water": 20, "forest": 20, "urban": 20} and len(seen) == 60
    assert "Fill in 'reference_class'" in feedback.text
    again, _r, _f = sample(class_map, tmp_path, name="again.gpkg", SEED=3)
    other, _r, _f = sample(class_map, tmp_path, name="other.gpkg", SEED=4)

    def coords(lyr):
        return sorted((f.geometry().asPoint().x(), f.geometry().asPoint().y())
                      for f in lyr.getFeatures())

    assert coords(again) == coords(layer) and coords(other) != coords(layer)


def test_sample_size_from_target_standard_error(class_map, tmp_path, processing_provider):
    from metamapper.core.assessing.validation_sample import cochran_sample_size

    _layer, results, feedback = sample(class_map, tmp_path, SAMPLE_SIZE=0, TARGET_SE=0.05,
                                       EXPECTED_ACCURACY="0.8, urban=0.6", ALLOCATION=0)
    expected = cochran_sample_size([1 / 3] * 3, [0.8, 0.8, 0.6], 0.05, 3 * 16 * 44)
    assert results["TOTAL"] == expected
    assert results["SIZE_METHOD"].startswith("target standard error")
    assert "eq. 13" in feedback.text


def test_sample_inside_a_region(class_map, tmp_path, processing_provider):
    region = QgsVectorLayer("Polygon?crs=EPSG:32633", "region", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromRect(
        QgsRectangle(X0, Y0 - SIZE * PIXEL, X0 + 24 * PIXEL, Y0 - 24 * PIXEL)))
    region.dataProvider().addFeature(feature)
    layer, results, _fb = sample(class_map, tmp_path, REGION=region, SAMPLE_SIZE=20)
    assert results["CLASS_COUNT"] == 2  # water and forest only
    for f in layer.getFeatures():
        p = f.geometry().asPoint()
        assert p.x() < X0 + 24 * PIXEL and p.y() < Y0 - 24 * PIXEL


def test_sample_refuses_a_region_off_the_map(class_map, tmp_path, processing_provider):
    region = QgsVectorLayer("Polygon?crs=EPSG:32633", "far", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(0, 0, 10, 10)))
    region.dataProvider().addFeature(feature)
    out = tmp_path / "none.gpkg"
    with pytest.raises(QgsProcessingException, match="does not overlap"):
        run("validation_sample", INPUT=str(class_map), REGION=region, OUTPUT=str(out))
    assert not out.exists()


# ------------------------------------------------------------------ assess_accuracy
def test_assess_a_filled_sample(class_map, tmp_path, processing_provider):
    layer, _r, _f = sample(class_map, tmp_path, SEED=1)
    fill_reference(layer, wrong={1, 2, 45})
    html, csv = tmp_path / "report.html", tmp_path / "report.csv"
    results, feedback = run("assess_accuracy", INPUT=str(class_map), VALIDATION=layer,
                            REFERENCE_FIELD="reference_class", OUTPUT_HTML=str(html),
                            OUTPUT_CSV=str(csv))
    # three wrong out of 20 per equal stratum of equal area: OA = 1 - 3/60
    assert results["OVERALL_ACCURACY"] == pytest.approx(57 / 60)
    assert results["SAMPLE_COUNT"] == 60 and results["CLASS_COUNT"] == 3
    assert 0 < results["OVERALL_ACCURACY_SE"] < 0.05
    assert 0.85 < results["KAPPA"] < 1
    page = html.read_text(encoding="utf-8")
    assert "Error matrix (estimated area proportions)" in page and "<svg" in page
    assert "estimated area (ha), 95 % CI" in page
    rows = csv.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("class,") and len(rows) == 1 + 3 + 1
    assert "Overall accuracy: 0.950" in feedback.text


def test_report_output_is_an_html_output(processing_provider):
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById("metamapper:assess_accuracy")
    assert isinstance(alg.outputDefinition("OUTPUT_HTML"), QgsProcessingOutputHtml)
    for name in ("OVERALL_ACCURACY", "KAPPA", "OVERALL_ACCURACY_SE"):
        assert alg.outputDefinition(name).type() == "outputNumber"


def test_integer_codes_reprojected_points_and_polygons(class_map, tmp_path,
                                                       processing_provider):
    """Integer references match the map's codes; WGS 84 points are reprojected; polygons
    take their majority map class."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform

    to_wgs = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:32633"),
                                    QgsCoordinateReferenceSystem("EPSG:4326"),
                                    QgsProject.instance())
    points = QgsVectorLayer("Point?crs=EPSG:4326&field=ref:integer", "wgs", "memory")
    polys = QgsVectorLayer("Polygon?crs=EPSG:32633&field=ref:string", "polys", "memory")
    for row in (10, 20, 30, 40):
        for name, code, c0, _c1 in STRIPES:
            f = QgsFeature(points.fields())
            g = QgsGeometry.fromPointXY(QgsPointXY(*Scene.center(row, c0 + 3)))
            g.transform(to_wgs)
            f.setGeometry(g)
            f["ref"] = code
            points.dataProvider().addFeature(f)
            p = QgsFeature(polys.fields())
            p.setGeometry(QgsGeometry.fromRect(QgsRectangle(
                X0 + (c0 + 2) * PIXEL, Y0 - (row + 3) * PIXEL, X0 + (c0 + 9) * PIXEL,
                Y0 - row * PIXEL)))
            p["ref"] = name.upper()
            polys.dataProvider().addFeature(p)
    for layer in (points, polys):
        results, _fb = run("assess_accuracy", INPUT=str(class_map), VALIDATION=layer,
                           REFERENCE_FIELD="ref", DESIGN=1,
                           OUTPUT_HTML=str(tmp_path / f"{layer.name()}.html"))
        assert results["OVERALL_ACCURACY"] == pytest.approx(1.0), layer.name()
        assert results["SAMPLE_COUNT"] == 12


def test_non_random_design_gives_no_area_estimates(class_map, tmp_path, processing_provider):
    layer, _r, _f = sample(class_map, tmp_path, SEED=2)
    fill_reference(layer, wrong={5})
    html = tmp_path / "r.html"
    results, _fb = run("assess_accuracy", INPUT=str(class_map), VALIDATION=layer,
                       REFERENCE_FIELD="reference_class", DESIGN=2, OUTPUT_HTML=str(html),
                       OUTPUT_CSV="")
    assert results["OVERALL_ACCURACY_SE"] is None
    assert results["OVERALL_ACCURACY"] == pytest.approx(59 / 60)
    page = html.read_text(encoding="utf-8")
    assert "not a probability sample" in page and "Area-adjusted" not in page
    assert not (tmp_path / "r.csv").exists()


# ------------------------------------------------------------------ bad input
def _refused(class_map, tmp_path, layer, match, field="reference_class"):
    """The run fails with ``match``; no report, no CSV, no temporary file is left."""
    html, csv = tmp_path / "bad.html", tmp_path / "bad.csv"
    with pytest.raises(QgsProcessingException, match=match):
        run("assess_accuracy", INPUT=str(class_map), VALIDATION=layer, REFERENCE_FIELD=field,
            OUTPUT_HTML=str(html), OUTPUT_CSV=str(csv))
    assert not html.exists() and not csv.exists()
    assert not list(tmp_path.glob(".*metamapper-tmp"))


def filled_sample_file(class_map, tmp_path, **fill) -> str:
    """A validation sample GeoPackage, filled in, by file name only.

    Failing runs get file names, as batch runs and qgis_process give them: a Python-owned
    OGR layer still open on the file when a run fails outlives QGIS in this test process
    and crashes it at exit.
    """
    layer, _r, _f = sample(class_map, tmp_path)
    fill_reference(layer, **fill)
    path = layer.source().split("|")[0]
    del layer
    return path


def test_reference_classes_missing_from_the_map(class_map, tmp_path, processing_provider):
    path = filled_sample_file(class_map, tmp_path, wrong={1, 2}, value="cloud")
    _refused(class_map, tmp_path, path, r"not classes of the class map: 'cloud' \(2\)")


def test_map_classes_missing_from_the_validation_layer(class_map, tmp_path,
                                                       processing_provider):
    layer, _r, _f = sample(class_map, tmp_path, SEED=7)
    fill_reference(layer)
    assert layer.startEditing()
    layer.deleteFeatures([f.id() for f in layer.getFeatures() if f["map_class"] == "urban"])
    assert layer.commitChanges()
    html = tmp_path / "missing.html"
    results, feedback = run("assess_accuracy", INPUT=str(class_map), VALIDATION=layer,
                            REFERENCE_FIELD="reference_class", OUTPUT_HTML=str(html))
    assert "Map class(es) with no validation unit: urban" in feedback.text
    assert results["OVERALL_ACCURACY_SE"] is None  # no area-adjusted estimates
    assert "at least 2 sample units in every map class" in html.read_text(encoding="utf-8")


def test_points_outside_or_on_nodata_are_skipped_and_named(class_map, tmp_path,
                                                           processing_provider):
    layer = QgsVectorLayer("Point?crs=EPSG:32633&field=ref:string", "pts", "memory")
    rows = [(10, 2, "water"), (20, 2, "water"), (10, 20, "forest"), (20, 20, "forest"),
            (10, 40, "urban"), (20, 40, "urban"), (1, 20, "forest"), (500, 20, "forest")]
    for row, col, name in rows:
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(*Scene.center(row, col))))
        f["ref"] = name
        layer.dataProvider().addFeature(f)
    results, feedback = run("assess_accuracy", INPUT=str(class_map), VALIDATION=layer,
                            REFERENCE_FIELD="ref", OUTPUT_HTML=str(tmp_path / "o.html"))
    assert results["SAMPLE_COUNT"] == 6
    assert "1 validation feature(s) lie outside the class map" in feedback.text
    assert "1 validation feature(s) lie on nodata pixels" in feedback.text


def test_all_points_off_the_map(class_map, tmp_path, processing_provider):
    layer = QgsVectorLayer("Point?crs=EPSG:4326&field=ref:string", "far", "memory")
    f = QgsFeature(layer.fields())
    f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(-120.0, 40.0)))
    f["ref"] = "water"
    layer.dataProvider().addFeature(f)
    _refused(class_map, tmp_path, layer, "None of the validation features", field="ref")


def test_empty_reference_field(class_map, tmp_path, processing_provider):
    layer, _r, _f = sample(class_map, tmp_path)  # reference_class never filled in
    path = layer.source().split("|")[0]
    del layer
    _refused(class_map, tmp_path, path, "reference field 'reference_class' is empty in all 60")


def test_validation_layer_without_crs(class_map, tmp_path, processing_provider):
    from qgis.core import QgsCoordinateReferenceSystem

    layer = QgsVectorLayer("Point?field=ref:string", "nocrs", "memory")
    layer.setCrs(QgsCoordinateReferenceSystem())  # memory layers default to WGS 84
    f = QgsFeature(layer.fields())
    f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(*Scene.center(10, 2))))
    f["ref"] = "water"
    layer.dataProvider().addFeature(f)
    assert not layer.crs().isValid()
    _refused(class_map, tmp_path, layer,
             "validation layer 'nocrs' has no coordinate reference system", field="ref")


def test_unknown_reference_field_and_same_outputs(class_map, tmp_path, processing_provider):
    layer, _r, _f = sample(class_map, tmp_path)
    _refused(class_map, tmp_path, layer, "'nope' is not in the validation layer", field="nope")
    with pytest.raises(QgsProcessingException, match="are the same file"):
        run("assess_accuracy", INPUT=str(class_map), VALIDATION=layer,
            REFERENCE_FIELD="reference_class", OUTPUT_HTML=str(tmp_path / "x.csv"),
            OUTPUT_CSV=str(tmp_path / "x.csv"))


def test_decimal_class_map_is_refused(tmp_path, processing_provider):
    import rasterio
    from rasterio.transform import from_origin

    path = tmp_path / "float.tif"
    with rasterio.open(path, "w", driver="GTiff", width=8, height=8, count=1, dtype="float32",
                       crs="EPSG:32633", transform=from_origin(X0, Y0, PIXEL, PIXEL)) as ds:
        ds.write(np.ones((8, 8), dtype="float32"), 1)
    with pytest.raises(QgsProcessingException, match="a class map holds integer class codes"):
        run("validation_sample", INPUT=str(path), OUTPUT=str(tmp_path / "s.gpkg"))
    assert not (tmp_path / "s.gpkg").exists()


# ------------------------------------------------------------------ batch and modeler
def test_batch_rows_are_independent(class_map, tmp_path, processing_provider):
    """Batch processing runs one fresh instance per row: no state leaks between rows."""
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById("metamapper:validation_sample")
    assert alg.createInstance() is not alg.createInstance()
    totals = []
    for i, size in enumerate((12, 30, 21)):
        _layer, results, _fb = sample(class_map, tmp_path, name=f"row{i}.gpkg",
                                      SAMPLE_SIZE=size, SEED=i)
        totals.append(results["TOTAL"])
    assert totals == [12, 30, 21]
    for i in range(3):
        layer, _r, _f = sample(class_map, tmp_path, name=f"row{i}.gpkg", SAMPLE_SIZE=9)
        fill_reference(layer)
    reports = []
    for i in range(3):
        results, _fb = run("assess_accuracy", INPUT=str(class_map),
                           VALIDATION=str(tmp_path / f"row{i}.gpkg"),
                           REFERENCE_FIELD="reference_class",
                           OUTPUT_HTML=str(tmp_path / f"row{i}.html"))
        reports.append(results["OUTPUT_HTML"])
        assert results["OVERALL_ACCURACY"] == pytest.approx(1.0)
    assert len(set(reports)) == 3 and all(Path(r).exists() for r in reports)


def test_modeler_chains_sample_and_assessment(class_map, tmp_path, processing_provider):
    """A model: validation_sample -> assess_accuracy (reference = map_class, so OA is 1);
    the modeler finds it valid and it runs, its OA output feeding the model's outputs."""
    import processing
    from qgis.core import (
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterRasterLayer,
    )
    from qgis.core import QgsProcessingModelChildParameterSource as Source

    from .data.build_model3 import with_defaults

    model = QgsProcessingModelAlgorithm("Sample and assess", "MetaMapper tests")
    model.addModelParameter(QgsProcessingParameterRasterLayer("class_map", "Class map"),
                            QgsProcessingModelParameter("class_map"))
    draw = QgsProcessingModelChildAlgorithm("metamapper:validation_sample")
    draw.setChildId("draw")
    draw.addParameterSources("INPUT", [Source.fromModelParameter("class_map")])
    draw.addParameterSources("SAMPLE_SIZE", [Source.fromStaticValue(30)])
    draw.addParameterSources("OUTPUT", [Source.fromStaticValue("TEMPORARY_OUTPUT")])
    model.addChildAlgorithm(with_defaults(draw))
    check = QgsProcessingModelChildAlgorithm("metamapper:assess_accuracy")
    check.setChildId("check")
    check.addParameterSources("INPUT", [Source.fromModelParameter("class_map")])
    check.addParameterSources("VALIDATION", [Source.fromChildOutput("draw", "OUTPUT")])
    check.addParameterSources("REFERENCE_FIELD", [Source.fromStaticValue("map_class")])
    report = QgsProcessingModelOutput("report", "Accuracy report")
    report.setChildOutputName("OUTPUT_HTML")
    report.setChildId("check")
    check.setModelOutputs({"report": report})
    model.addChildAlgorithm(with_defaults(check))
    model.updateDestinationParameters()
    valid, issues = model.validate()
    assert valid, issues
    path = tmp_path / "sample_assess.model3"
    assert model.toFile(str(path))
    loaded = QgsProcessingModelAlgorithm()
    assert loaded.fromFile(str(path))
    html = tmp_path / "model_report.html"
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    report_param = model_output_param(loaded, "check", "report")
    results = processing.run(loaded, {"class_map": str(class_map), report_param: str(html)},
                             context=context, feedback=LogFeedback())
    assert Path(results[report_param]).exists()
    assert "Overall accuracy" in html.read_text(encoding="utf-8")


# ------------------------------------------------------------------ end to end
@pytest.mark.slow
def test_classify_sample_assess_end_to_end(scene, run_alg, tmp_path):
    """The engine's class map (names from its own file) -> sample -> truth -> report."""
    from .conftest import point_labels

    out = tmp_path / "classes.tif"
    run_alg(INPUT=str(scene.path), TRAINING=point_labels(), CLASS_FIELD="cls",
            OUTPUT=str(out), DEVICE=1)
    layer, results, _fb = sample(out, tmp_path, SAMPLE_SIZE=45, ALLOCATION=2,
                                 MIN_PER_CLASS=10)
    assert results["CLASS_COUNT"] == 3
    fill_reference(layer)  # the truth is the stripes
    report, feedback = run("assess_accuracy", INPUT=str(out), VALIDATION=layer,
                           REFERENCE_FIELD="reference_class",
                           OUTPUT_HTML=str(tmp_path / "e2e.html"))
    assert report["OVERALL_ACCURACY"] >= 0.9
    assert {"water", "forest", "urban"} <= set(feedback.text.replace(":", " ").split())
