"""The algorithm in QGIS's other doors: layer styling on load, a background task (worker
thread), the batch runner, and the graphical modeler (a committed .model3)."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest
from qgis.core import (
    QgsApplication,
    QgsCategorizedSymbolRenderer,
    QgsPalettedRasterRenderer,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingModelAlgorithm,
    QgsProject,
    QgsRasterLayer,
    QgsRendererCategory,
    QgsSingleBandPseudoColorRenderer,
    QgsSymbol,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QColor

from .conftest import (
    SIZE,
    LogFeedback,
    decode,
    point_labels,
    polygon_labels,
    read_band,
    region_layer,
    save_layer,
    write_scene,
)

MODEL3 = Path(__file__).parent / "data" / "clip_classify_report.model3"
COLOURS = {"water": (10, 20, 200), "forest": (0, 120, 0), "urban": (200, 30, 30)}


@pytest.fixture(autouse=True)
def _clean_project():
    yield
    QgsProject.instance().removeAllMapLayers()


def _categorized(layer):
    categories = []
    for name, rgb in COLOURS.items():
        symbol = QgsSymbol.defaultSymbol(QgsWkbTypes.GeometryType.PolygonGeometry)
        symbol.setColor(QColor(*rgb))
        categories.append(QgsRendererCategory(name, symbol, f"{name.title()} (label)"))
    layer.setRenderer(QgsCategorizedSymbolRenderer("cls", categories))
    return layer


def _loaded(path: str) -> QgsRasterLayer:
    layers = [lay for lay in QgsProject.instance().mapLayers().values()
              if lay.source().split("|")[0] == path]
    assert len(layers) == 1, [lay.source() for lay in QgsProject.instance().mapLayers().values()]
    return layers[0]


@pytest.mark.parametrize("selected_only", [False, True], ids=["layer", "selected-only"])
def test_loaded_outputs_are_styled_with_the_training_colours(scene, processing_provider,
                                                              model_file, tmp_path,
                                                              selected_only, layer_tree_view):
    import processing
    from qgis.core import QgsProcessingFeatureSourceDefinition

    layer = _categorized(polygon_labels())
    QgsProject.instance().addMapLayer(layer)
    training = layer
    if selected_only:  # what the dialog and the panel pass; colours must survive it
        layer.selectAll()
        training = QgsProcessingFeatureSourceDefinition(layer.id(), True)
    out, conf = str(tmp_path / "map.tif"), str(tmp_path / "conf.tif")
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    results = processing.runAndLoadResults(
        "metamapper:fewshot_classify",
        {"INPUT": str(scene.path), "TRAINING": training, "CLASS_FIELD": "cls",
         "MODEL": str(model_file), "ESTIMATE_ACCURACY": False, "OUTPUT": out,
         "OUTPUT_CONFIDENCE": conf},
        context=context, feedback=LogFeedback(),
    )
    assert results["OUTPUT"] == out
    renderer = _loaded(out).renderer()
    assert isinstance(renderer, QgsPalettedRasterRenderer)
    by_code = {c.value: c for c in renderer.classes()}
    assert sorted(by_code) == [1, 2, 3]
    for code, name in zip([1, 2, 3], results["CLASSES"].split(",")):
        entry = by_code[code]
        assert entry.label == f"{name.title()} (label)"
        assert entry.color.getRgb()[:3] == COLOURS[name]
    conf_renderer = _loaded(conf).renderer()
    assert isinstance(conf_renderer, QgsSingleBandPseudoColorRenderer)
    assert (conf_renderer.classificationMin(), conf_renderer.classificationMax()) == (0.0, 1.0)


def test_without_categories_a_distinct_palette_is_used(scene, processing_provider, model_file,
                                                       tmp_path, layer_tree_view):
    import processing

    out = str(tmp_path / "map.tif")
    processing.runAndLoadResults(
        "metamapper:fewshot_classify",
        {"INPUT": str(scene.path), "TRAINING": point_labels(), "CLASS_FIELD": "code",
         "MODEL": str(model_file), "ESTIMATE_ACCURACY": False, "OUTPUT": out},
        feedback=LogFeedback(),
    )
    classes = _loaded(out).renderer().classes()
    assert [c.label for c in classes] == ["1", "2", "3"]
    colours = {c.color.getRgb() for c in classes}
    assert len(colours) == 3


def run_as_task(alg, params, context, feedback, timeout_s: float = 120.0) -> dict:
    """Run ``alg`` in a QgsProcessingAlgRunnerTask on QGIS's task manager: {ok, results}."""
    task = QgsProcessingAlgRunnerTask(alg, params, context, feedback)
    outcome: dict = {}
    task.executed.connect(lambda ok, results: outcome.update(ok=ok, results=results))
    QgsApplication.taskManager().addTask(task)
    deadline = time.monotonic() + timeout_s
    while "ok" not in outcome and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    return outcome


def test_runs_in_a_background_task(scene, processing_provider, model_file, tmp_path):
    """As the panel and the toolbox dialog do: QgsProcessingAlgRunnerTask (worker thread)."""
    alg = QgsApplication.processingRegistry().createAlgorithmById("metamapper:fewshot_classify")
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = LogFeedback()
    out = str(tmp_path / "map.tif")
    params = {"INPUT": str(scene.path), "TRAINING": point_labels(), "CLASS_FIELD": "cls",
              "MODEL": str(model_file), "ESTIMATE_ACCURACY": False, "OUTPUT": out}
    outcome = run_as_task(alg, params, context, feedback)
    assert outcome.get("ok") is True, feedback.text
    assert outcome["results"]["OUTPUT"] == out
    band, _meta = read_band(out)
    names = decode(band, outcome["results"]["CLASSES"].split(","), [1, 2, 3])
    assert float((names == scene.truth).mean()) >= 0.95


def test_background_task_makes_its_feature_sources_in_the_main_thread(
        scene, processing_provider, model_file, tmp_path, monkeypatch):
    """Layers belong to the main thread: the worker only reads the training and region
    sources that prepareAlgorithm made (a source made in the worker crashed QGIS once)."""
    import threading

    from metamapper.provider.fewshot_classify import FewShotClassifyAlgorithm

    made_in = []
    real = FewShotClassifyAlgorithm.parameterAsSource

    def recorded(self, parameters, name, context):
        made_in.append((name, threading.current_thread() is threading.main_thread()))
        return real(self, parameters, name, context)

    monkeypatch.setattr(FewShotClassifyAlgorithm, "parameterAsSource", recorded)
    alg = QgsApplication.processingRegistry().createAlgorithmById("metamapper:fewshot_classify")
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = LogFeedback()
    params = {"INPUT": str(scene.path), "TRAINING": point_labels(), "CLASS_FIELD": "cls",
              "REGION": region_layer((0, 0, 24, SIZE)), "MODEL": str(model_file),
              "ESTIMATE_ACCURACY": False, "OUTPUT": str(tmp_path / "map.tif")}
    outcome = run_as_task(alg, params, context, feedback)
    assert outcome.get("ok") is True, feedback.text
    assert {name for name, _ in made_in} == {"TRAINING", "REGION"}
    assert all(main for _, main in made_in), made_in


def test_batch_runs_one_instance_over_several_rasters(processing_provider, model_file,
                                                      tmp_path):
    """As the batch dialog does: one algorithm instance, one context per row, execute()."""
    from processing.gui.AlgorithmExecutor import execute
    from processing.tools import dataobjects

    alg = QgsApplication.processingRegistry().createAlgorithmById("metamapper:fewshot_classify")
    scenes = [write_scene(tmp_path / f"scene_{i}.tif", seed=i, shift=300.0 * i) for i in range(3)]
    training = point_labels()
    outputs = []
    for i, sc in enumerate(scenes):
        feedback = LogFeedback()
        context = dataobjects.createContext(feedback)
        out = str(tmp_path / "batch" / f"map_{i}.tif")
        ok, results = execute(alg, {"INPUT": str(sc.path), "TRAINING": training,
                                    "CLASS_FIELD": "cls", "MODEL": str(model_file),
                                    "ESTIMATE_ACCURACY": False, "SEED": i, "OUTPUT": out},
                              context, feedback)
        assert ok, feedback.text
        assert results["OUTPUT"] == out
        assert f"scene_{i}" in feedback.text  # each row logs its own raster
        outputs.append(out)
    assert len(set(outputs)) == 3
    for sc, out in zip(scenes, outputs):
        band, meta = read_band(out)
        assert meta["shape"] == (SIZE, SIZE)
        names = decode(band, ["forest", "urban", "water"], [1, 2, 3])
        assert float((names == sc.truth).mean()) >= 0.95


def test_graphical_model_clip_classify_report(scene, processing_provider, model_file, tmp_path):
    import processing

    training = save_layer(point_labels(), tmp_path / "labels.gpkg")
    # clip to rows 0-31 and all columns: the report must count only those pixels
    x0, y0 = 500_000.0, 4_800_000.0
    extent = f"{x0},{x0 + SIZE * 30.0},{y0 - 32 * 30.0},{y0} [EPSG:32633]"
    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(str(MODEL3))  # what the modeler's "Open model" does
    assert model.validate() == (True, [])  # the modeler would draw invalid children in red
    assert [c.algorithmId() for c in sorted(model.childAlgorithms().values(),
                                            key=lambda c: c.position().y())] == [
        "gdal:cliprasterbyextent", "metamapper:fewshot_classify",
        "native:rasterlayeruniquevaluesreport"]
    results = processing.run(
        model,
        {"raster": str(scene.path), "extent": extent, "training": str(training),
         "class_field": "cls", "model": str(model_file), "estimate_accuracy": False,
         "classify:class_map": str(tmp_path / "map.tif"),
         "report:class_pixels": str(tmp_path / "report.csv")},
        feedback=LogFeedback(),
    )
    class_map = results["classify:class_map"]
    band, meta = read_band(class_map)
    assert meta["shape"] == (32, SIZE)
    names = decode(band, ["forest", "urban", "water"], [1, 2, 3])
    assert float((names == scene.truth[:32]).mean()) >= 0.95
    with open(results["report:class_pixels"], newline="") as fh:
        rows = list(csv.DictReader(fh))
    counts = {int(float(r["value"])): int(float(r["count"])) for r in rows}
    assert counts == {int(v): int(n) for v, n in zip(*np.unique(band, return_counts=True))}
    assert sum(counts.values()) == 32 * SIZE
