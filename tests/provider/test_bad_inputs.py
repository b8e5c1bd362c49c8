"""Bad inputs at the Processing door (reliability issue): one row per case.

Every row is run twice: through ``processing.run`` (which calls ``checkParameterValues``
first, as the dialog, batch and qgis_process do) and through ``QgsProcessingAlgorithm.run``
directly (no check: ``processAlgorithm`` must catch it too). Each must fail with a message
that names the problem and the fix, and leave no file in the output folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProject,
    QgsVectorLayer,
)

from .conftest import (
    LogFeedback,
    point_labels,
    polygon_labels,
    region_layer,
    write_scene,
)


def _no_crs_points():
    layer = point_labels()
    bare = QgsVectorLayer("Point?field=cls:string(20)", "no_crs", "memory")
    bare.setCrs(QgsCoordinateReferenceSystem())  # QGIS gives memory layers WGS 84 by default
    bare.dataProvider().addFeatures(list(layer.getFeatures()))
    return bare


def _far_points(lon: float = 17.0, lat: float = 10.0):
    """Valid WGS 84 points away from the UTM 33N raster (which lies near 15 E, 43 N)."""
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY

    layer = QgsVectorLayer("Point?crs=EPSG:4326&field=cls:string(20)", "far", "memory")
    for i, name in enumerate(["a", "b", "a", "b"]):
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(lon + i * 0.01, lat)))
        f["cls"] = name
        layer.dataProvider().addFeature(f)
    return layer


def _one_class_points():
    layer = point_labels(per_class=2)
    layer.dataProvider().deleteFeatures(
        [f.id() for f in layer.getFeatures() if f["cls"] != "water"]
    )
    return layer


def _mostly_null_points():
    """Two named 'water' points and the rest NULL: one class left after skipping."""
    layer = point_labels(per_class=2)
    provider = layer.dataProvider()
    idx = layer.fields().lookupField("cls")
    provider.changeAttributeValues(
        {f.id(): {idx: None} for f in layer.getFeatures() if f["cls"] != "water"}
    )
    return layer


def _no_crs_region():
    layer = QgsVectorLayer("Polygon?field=id:integer", "region_no_crs", "memory")
    layer.setCrs(QgsCoordinateReferenceSystem())
    return layer


def _unselected(layer):
    QgsProject.instance().addMapLayer(layer)
    layer.removeSelection()
    return QgsProcessingFeatureSourceDefinition(layer.id(), True)


CASES = [
    # id, params update (callables get tmp_path), expected message fragments
    ("raster-no-crs", {"INPUT": "NO_CRS_RASTER"}, ["no coordinate reference system", "Assign"]),
    ("training-no-crs", {"TRAINING": _no_crs_points}, ["training layer", "no coordinate"]),
    ("region-no-crs", {"REGION": _no_crs_region}, ["region layer", "no coordinate"]),
    ("training-no-overlap", {"TRAINING": _far_points},
     ["do not overlap the raster", "EPSG:4326", "EPSG:32633"]),
    ("training-not-reprojectable", {"TRAINING": lambda: _far_points(lon=110.0, lat=-2.0)},
     ["do not overlap the raster", "could not even be reprojected"]),
    ("region-no-overlap", {"REGION": lambda: region_layer((0, 100, 10, 120))},
     ["region does not overlap", "Draw the region"]),
    ("class-field-missing", {"CLASS_FIELD": "kind"}, ["'kind' is not in the training layer",
                                                      "cls", "code"]),
    ("class-field-date", {"CLASS_FIELD": "day"}, ["'day'", "cannot hold classes",
                                                  "text or integer"]),
    ("class-field-decimal", {"CLASS_FIELD": "ratio"}, ["decimal number 0.5", "whole numbers"]),
    ("one-class", {"TRAINING": _one_class_points}, ["Only 1 class", "at least two"]),
    ("null-classes-leave-one", {"TRAINING": _mostly_null_points},
     ["Only 1 class", "4 feature(s) had an empty or NULL class"]),
    ("selected-only-nothing-selected", {"TRAINING": lambda: _unselected(point_labels())},
     ["No usable training feature", "select some features"]),
    ("output-folder-is-a-file", {"OUTPUT": "UNDER_A_FILE"}, ["not a writable folder",
                                                            "Choose a folder"]),
    ("output-not-geotiff", {"OUTPUT": "OUT_DIR/map.img"}, ["not a .tif", "ending in .tif"]),
    ("output-overwrites-input", {"OUTPUT": "INPUT_PATH"}, ["overwrite the input raster"]),
    ("model-missing", {"MODEL": "OUT_DIR/../nowhere/model.pt"},
     ["Model file not found", "leave the model empty"]),
    ("wavelengths-count", {"WAVELENGTHS": "450, 550"}, ["2 wavelengths", "4 band(s)"]),
    ("wavelengths-text", {"WAVELENGTHS": "blue, green"}, ["not a comma-separated list"]),
]


def _resolve(params, tmp_path: Path, scene) -> dict:
    out_dir = tmp_path / "out"
    out_dir.mkdir(exist_ok=True)
    blocker = tmp_path / "a_file.txt"
    blocker.write_text("not a folder")
    resolved = {}
    for key, value in params.items():
        if callable(value):
            value = value()
        elif value == "NO_CRS_RASTER":
            value = str(write_scene(tmp_path / "nocrs.tif", crs=None).path)
        elif value == "UNDER_A_FILE":
            value = str(blocker / "map.tif")
        elif value == "INPUT_PATH":
            value = str(scene.path)
        elif isinstance(value, str) and value.startswith("OUT_DIR"):
            value = value.replace("OUT_DIR", str(out_dir))
        resolved[key] = value
    return resolved


def _files(folder: Path) -> list:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_clearly(case, tmp_path, scene, run_alg, processing_provider):
    _id, update, fragments = case
    params = {"INPUT": str(scene.path), "TRAINING": point_labels(), "CLASS_FIELD": "cls",
              "OUTPUT": str(tmp_path / "out" / "map.tif")}
    params.update(_resolve(update, tmp_path, scene))
    before = _files(tmp_path / "out")

    # 1. through processing.run: checkParameterValues refuses before anything runs
    with pytest.raises(QgsProcessingException) as info:
        run_alg(**params)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))
    assert _files(tmp_path / "out") == before

    # 2. straight into the algorithm (no check): processAlgorithm refuses the same way
    alg = QgsApplication.processingRegistry().createAlgorithmById("metamapper:fewshot_classify")
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = LogFeedback()
    params.setdefault("ESTIMATE_ACCURACY", False)
    _results, ok = alg.run(params, context, feedback)
    assert not ok
    for fragment in fragments:
        assert fragment in feedback.text, (fragment, feedback.text)
    assert _files(tmp_path / "out") == before
    if params["OUTPUT"].endswith(".tif") and "a_file.txt" not in params["OUTPUT"]:
        assert not Path(params["OUTPUT"]).exists() or params["OUTPUT"] == str(scene.path)


def test_polygons_without_crs_in_region_and_valid_training_still_checked(tmp_path, scene, run_alg):
    """The region is checked even when the training data is fine (no silent whole-raster run)."""
    with pytest.raises(QgsProcessingException, match="region layer"):
        run_alg(INPUT=str(scene.path), TRAINING=polygon_labels(), CLASS_FIELD="cls",
                REGION=_no_crs_region(), OUTPUT=str(tmp_path / "map.tif"))
    assert not (tmp_path / "map.tif").exists()


@pytest.fixture(autouse=True)
def _clean_project():
    yield
    QgsProject.instance().removeAllMapLayers()



ENGINE_CASES = [
    # the provider cannot see these (pixel values): the engine's message must come through
    ("class-only-over-nodata", {"nodata_px": (0, 32, 48, 48)}, None,
     ["'urban'", "has no usable pixel"]),
    ("region-entirely-nodata", {"nodata_px": (0, 0, 24, 48)}, (0, 0, 12, 48),
     ["region holds no valid pixel", "Choose a region over valid raster data"]),
]


@pytest.mark.parametrize("case", ENGINE_CASES, ids=[c[0] for c in ENGINE_CASES])
def test_engine_refusals_reach_the_user(case, tmp_path, run_alg):
    _id, scene_args, region_px, fragments = case
    raster = write_scene(tmp_path / "scene.tif", **scene_args)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    params = {"INPUT": str(raster.path), "TRAINING": point_labels(), "CLASS_FIELD": "cls",
              "OUTPUT": str(out_dir / "map.tif"), "OUTPUT_CONFIDENCE": str(out_dir / "c.tif")}
    if region_px is not None:
        params["REGION"] = region_layer(region_px)
    with pytest.raises(QgsProcessingException) as info:
        run_alg(**params)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))
    assert _files(out_dir) == []
