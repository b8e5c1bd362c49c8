"""``OUTPUT_SUGGESTIONS``: "label here next" points from processing.run, batch and the modeler."""

from __future__ import annotations

import numpy as np
import pytest
from qgis.core import (
    QgsApplication,
    QgsPalLayerSettings,
    QgsProcessingContext,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterRasterLayer,
    QgsProject,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
    QgsWkbTypes,
)

from .conftest import (
    PIXEL,
    SIZE,
    X0,
    Y0,
    LogFeedback,
    model_output_param,
    point_labels,
    region_layer,
    write_scene,
)


@pytest.fixture(autouse=True)
def _clean_project():
    yield
    QgsProject.instance().removeAllMapLayers()


def _pixel(x: float, y: float) -> tuple:
    return int((Y0 - y) // PIXEL), int((x - X0) // PIXEL)


def _features(path: str) -> list:
    layer = QgsVectorLayer(path, "s", "ogr")
    assert layer.isValid(), path
    return sorted(layer.getFeatures(), key=lambda f: f["rank"]), layer


def test_suggestions_inside_region_on_valid_pixels_away_from_labels(run_alg, tmp_path):
    scene = write_scene(tmp_path / "nd.tif", nodata_px=(0, 0, SIZE, 8))  # columns 0-7 nodata
    labels = point_labels()
    out = str(tmp_path / "suggest.gpkg")
    results, _ctx, feedback = run_alg(
        INPUT=str(scene.path), TRAINING=labels, CLASS_FIELD="cls", SEED=1,
        REGION=region_layer((0, 0, 40, SIZE)), SUGGESTIONS=4, OUTPUT_SUGGESTIONS=out,
        OUTPUT=str(tmp_path / "map.tif"), TILE_SIZE=16,
    )  # fmt: skip
    assert results["OUTPUT_SUGGESTIONS"] == out
    feats, layer = _features(out)
    assert layer.crs().authid() == "EPSG:32633"
    assert layer.wkbType() in (QgsWkbTypes.Type.Point, QgsWkbTypes.Type.MultiPoint)
    assert [f.name() for f in layer.fields()][-5:] == ["rank", "class_1", "prob_1", "class_2",
                                                       "prob_2"]
    assert [f["rank"] for f in feats] == list(range(1, len(feats) + 1)) and 1 <= len(feats) <= 4
    label_px = [_pixel(f.geometry().asPoint().x(), f.geometry().asPoint().y())
                for f in labels.getFeatures()]
    classes = set(results["CLASSES"].split(","))
    for f in feats:
        p = f.geometry().asPoint()
        row, col = _pixel(p.x(), p.y())
        assert 0 <= row < 40 and 8 <= col < SIZE  # in the region, not on nodata
        assert all((row - r) ** 2 + (col - c) ** 2 > 9 for r, c in label_px)
        assert f["class_1"] in classes and f["class_2"] in classes | {""}
        assert 0 <= f["prob_2"] <= f["prob_1"] <= 1
    assert "Suggested places to label next" in feedback.text
    again, _c, _f = run_alg(
        INPUT=str(scene.path), TRAINING=labels, CLASS_FIELD="cls", SEED=1,
        REGION=region_layer((0, 0, 40, SIZE)), SUGGESTIONS=4,
        OUTPUT_SUGGESTIONS=str(tmp_path / "again.gpkg"), OUTPUT=str(tmp_path / "m2.tif"),
        TILE_SIZE=16,
    )  # fmt: skip
    same, _layer = _features(again["OUTPUT_SUGGESTIONS"])
    assert [f.geometry().asWkt() for f in same] == [f.geometry().asWkt() for f in feats]


def test_zero_suggestions_gives_an_empty_layer_and_none_without_the_output(scene, run_alg,
                                                                            tmp_path):
    out = str(tmp_path / "none.gpkg")
    results, _c, _f = run_alg(INPUT=str(scene.path), TRAINING=point_labels(), CLASS_FIELD="cls",
                              SUGGESTIONS=0, OUTPUT_SUGGESTIONS=out,
                              OUTPUT=str(tmp_path / "map.tif"))  # fmt: skip
    feats, _layer = _features(out)
    assert feats == []
    results, _c, _f = run_alg(INPUT=str(scene.path), TRAINING=point_labels(), CLASS_FIELD="cls",
                              OUTPUT=str(tmp_path / "map2.tif"))  # fmt: skip
    assert not results.get("OUTPUT_SUGGESTIONS")


def test_loaded_suggestions_are_numbered_markers(scene, processing_provider, model_file,
                                                 tmp_path, layer_tree_view):
    import processing

    out = str(tmp_path / "suggest.gpkg")
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    processing.runAndLoadResults(
        "metamapper:fewshot_classify",
        {"INPUT": str(scene.path), "TRAINING": point_labels(), "CLASS_FIELD": "cls",
         "MODEL": str(model_file), "ESTIMATE_ACCURACY": False, "SUGGESTIONS": 3,
         "OUTPUT": str(tmp_path / "map.tif"), "OUTPUT_SUGGESTIONS": out},
        context=context, feedback=LogFeedback(),
    )  # fmt: skip
    loaded = [lay for lay in QgsProject.instance().mapLayers().values()
              if isinstance(lay, QgsVectorLayer) and lay.source().split("|")[0] == out]
    assert len(loaded) == 1
    layer = loaded[0]
    assert isinstance(layer.renderer(), QgsSingleSymbolRenderer)
    assert layer.labelsEnabled()
    settings = layer.labeling().settings()
    assert settings.fieldName == "rank"
    assert settings.placement == QgsPalLayerSettings.Placement.OverPoint


def test_batch_rows_each_get_their_suggestions(processing_provider, model_file, tmp_path):
    from processing.gui.AlgorithmExecutor import execute
    from processing.tools import dataobjects

    alg = QgsApplication.processingRegistry().createAlgorithmById("metamapper:fewshot_classify")
    training = point_labels()
    counts = []
    for i in range(2):
        sc = write_scene(tmp_path / f"s{i}.tif", seed=i, shift=200.0 * i)
        feedback = LogFeedback()
        context = dataobjects.createContext(feedback)
        out = str(tmp_path / f"suggest_{i}.gpkg")
        ok, results = execute(alg, {"INPUT": str(sc.path), "TRAINING": training,
                                    "CLASS_FIELD": "cls", "MODEL": str(model_file),
                                    "ESTIMATE_ACCURACY": False, "SEED": i,
                                    "SUGGESTIONS": 2 + i, "OUTPUT_SUGGESTIONS": out,
                                    "OUTPUT": str(tmp_path / f"map_{i}.tif")},
                              context, feedback)  # fmt: skip
        assert ok, feedback.text
        assert results["OUTPUT_SUGGESTIONS"] == out
        counts.append(len(_features(out)[0]))
    assert counts == [2, 3]


def test_modeler_exposes_the_suggestions_output(scene, processing_provider, model_file,
                                                 tmp_path):
    import processing
    from qgis.core import QgsProcessing
    from qgis.core import QgsProcessingModelChildParameterSource as Source

    model = QgsProcessingModelAlgorithm("Classify and suggest", "MetaMapper tests")
    model.addModelParameter(QgsProcessingParameterRasterLayer("raster", "Raster"),
                            QgsProcessingModelParameter("raster"))
    model.addModelParameter(
        QgsProcessingParameterFeatureSource(
            "training", "Training", [QgsProcessing.SourceType.TypeVectorPoint]),
        QgsProcessingModelParameter("training"))  # fmt: skip
    child = QgsProcessingModelChildAlgorithm("metamapper:fewshot_classify")
    child.setChildId("classify")
    child.addParameterSources("INPUT", [Source.fromModelParameter("raster")])
    child.addParameterSources("TRAINING", [Source.fromModelParameter("training")])
    for name, value in (("CLASS_FIELD", "cls"), ("MODEL", str(model_file)), ("DEVICE", 0),
                        ("SEED", 0), ("SHOTS_CAP", 200), ("TILE_SIZE", 512),
                        ("BATCH_SIZE", 65536), ("TRANSDUCTIVE", True),
                        ("ESTIMATE_ACCURACY", False), ("SUGGESTIONS", 3)):
        child.addParameterSources(name, [Source.fromStaticValue(value)])
    outputs = {}
    for out_name, child_output in (("class_map", "OUTPUT"), ("suggestions", "OUTPUT_SUGGESTIONS")):
        output = QgsProcessingModelOutput(out_name, out_name)
        output.setChildOutputName(child_output)
        output.setChildId("classify")
        outputs[out_name] = output
    child.setModelOutputs(outputs)
    model.addChildAlgorithm(child)
    model.updateDestinationParameters()
    assert model.validate()[0], model.validate()
    results = processing.run(model, {
        "raster": str(scene.path), "training": point_labels(),
        model_output_param(model, "classify", "class_map"): str(tmp_path / "map.tif"),
        model_output_param(model, "classify", "suggestions"): str(tmp_path / "suggest.gpkg"),
    }, feedback=LogFeedback())  # fmt: skip
    feats, _layer = _features(results[model_output_param(model, "classify", "suggestions")])
    assert len(feats) == 3
    assert np.all(np.diff([f["rank"] for f in feats]) == 1)
