"""Adapt once, map everywhere through Processing: fewshot_classify's OUTPUT_MODEL, then
``metamapper:apply_classifier`` on the same raster (bit for bit), on another date of the
same sensor, on a Dask LocalCluster, and refusals that leave nothing behind."""

from __future__ import annotations

import numpy as np
import pytest
from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingException, QgsProject

from .conftest import SIZE, LogFeedback, decode, point_labels, read_band, region_layer, write_scene


@pytest.fixture(autouse=True)
def _clean_project():
    yield
    QgsProject.instance().removeAllMapLayers()


def apply(**params):
    import processing

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = LogFeedback()
    results = processing.run("metamapper:apply_classifier", params, context=context,
                             feedback=feedback)
    return results, feedback


@pytest.fixture
def saved(scene, run_alg, tmp_path):
    out, clf = tmp_path / "map.tif", tmp_path / "clf" / "adapted.pt"
    results, _ctx, feedback = run_alg(INPUT=str(scene.path), TRAINING=point_labels(),
                                      CLASS_FIELD="cls", OUTPUT=str(out), DEVICE=1,
                                      TRANSDUCTIVE=False, OUTPUT_MODEL=str(clf))
    assert results["OUTPUT_MODEL"] == str(clf) and clf.is_file()
    assert "Adapted classifier saved" in feedback.text
    return {"map": out, "clf": clf, "classes": results["CLASSES"].split(",")}


def test_the_algorithm_is_registered_with_its_parameters(processing_provider):
    alg = QgsApplication.processingRegistry().algorithmById("metamapper:apply_classifier")
    assert alg is not None
    names = [p.name() for p in alg.parameterDefinitions()]
    for name in ("INPUT", "CLASSIFIER", "REGION", "SCHEDULER", "OUTPUT", "OUTPUT_CONFIDENCE"):
        assert name in names
    assert not alg.parameterDefinition("SCHEDULER").flags() & 1  # optional but not hidden


def test_apply_on_the_same_raster_gives_the_same_map_bit_for_bit(scene, saved, tmp_path):
    out = tmp_path / "applied.tif"
    results, feedback = apply(INPUT=str(scene.path), CLASSIFIER=str(saved["clf"]),
                              OUTPUT=str(out), OUTPUT_CONFIDENCE=str(tmp_path / "conf.tif"))
    assert np.array_equal(read_band(str(out))[0], read_band(str(saved["map"]))[0])
    assert results["CLASSES"].split(",") == saved["classes"]
    assert results["REGION_PIXELS"] == SIZE * SIZE and (tmp_path / "conf.tif").is_file()
    assert "the classifier that made the map" in feedback.text


def test_a_local_dask_cluster_gives_the_in_process_map(scene, saved, tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "dask.tif"
    results, feedback = apply(INPUT=str(scene.path), CLASSIFIER=str(saved["clf"]),
                              OUTPUT=str(out), SCHEDULER="local:2")
    assert np.array_equal(read_band(str(out))[0], read_band(str(saved["map"]))[0])
    assert results["WINDOWS_COMPUTED"] == 1 and results["WINDOWS_SKIPPED"] == 0
    assert "Dask windows: 1 computed" in feedback.text


def test_another_date_of_the_same_sensor_is_mapped_with_the_same_classes(saved, tmp_path):
    other = write_scene(tmp_path / "next_date.tif", seed=7, shift=60.0)
    region = region_layer((8, 0, 40, 48))
    out = tmp_path / "next.tif"
    results, _ = apply(INPUT=str(other.path), CLASSIFIER=str(saved["clf"]), REGION=region,
                       OUTPUT=str(out))
    band, meta = read_band(str(out))
    assert meta["shape"] == (32, SIZE)
    names = decode(band, results["CLASSES"].split(","), [1, 2, 3])
    assert float((names == other.truth[8:40]).mean()) >= 0.95


def test_another_band_count_is_refused_naming_both_and_nothing_is_written(saved, tmp_path):
    import rasterio

    three = tmp_path / "three.tif"
    with rasterio.open(saved["map"]) as src:
        profile = {**src.profile, "count": 3, "dtype": "float32", "nodata": None}
        profile.pop("photometric", None)
        with rasterio.open(three, "w", **profile) as dst:
            dst.write(np.ones((3, src.height, src.width), np.float32))
    out = tmp_path / "refused.tif"
    with pytest.raises(QgsProcessingException) as err:
        apply(INPUT=str(three), CLASSIFIER=str(saved["clf"]), OUTPUT=str(out))
    assert "3 bands" in str(err.value) and "4 bands" in str(err.value)
    assert not list(tmp_path.glob("refused*")) and not list(tmp_path.glob(".refused*"))


def test_a_model_file_or_no_file_as_classifier_is_refused(scene, model_file, processing_provider,
                                                         tmp_path):
    with pytest.raises(QgsProcessingException, match="not an adapted classifier"):
        apply(INPUT=str(scene.path), CLASSIFIER=str(model_file), OUTPUT=str(tmp_path / "a.tif"))
    with pytest.raises(QgsProcessingException):
        apply(INPUT=str(scene.path), CLASSIFIER=str(tmp_path / "none.pt"),
              OUTPUT=str(tmp_path / "b.tif"))
    assert not list(tmp_path.glob("*.tif"))


def test_output_model_must_be_a_pt_file(scene, run_alg, tmp_path):
    with pytest.raises(QgsProcessingException, match=r"ending in \.pt"):
        run_alg(INPUT=str(scene.path), TRAINING=point_labels(), CLASS_FIELD="cls",
                OUTPUT=str(tmp_path / "m.tif"), OUTPUT_MODEL=str(tmp_path / "clf.tif"))
    assert not list(tmp_path.glob("m*"))
