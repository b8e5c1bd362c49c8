"""A run through QgsProcessingAlgRunnerTask: two styled layers in a MetaMapper group; cancel
leaves no layer and no file; failures are reported with the reason and the log."""

from __future__ import annotations

import os

import numpy as np
import pytest
from metamapper.ui.panel import REGION_EXTENT, REGION_RASTER
from metamapper.ui.run_task import GROUP_NAME
from qgis.core import (
    Qgis,
    QgsPalettedRasterRenderer,
    QgsProject,
    QgsRasterLayer,
    QgsSingleBandPseudoColorRenderer,
)
from qgis.PyQt.QtCore import QEventLoop, QTimer
from qgis.PyQt.QtWidgets import QPlainTextEdit

from .conftest import STRIPES


def wait_done(panel, timeout_s: float = 120.0):
    run = panel.run
    if run.outcome is None:
        loop = QEventLoop()
        run.done.connect(loop.quit)
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        loop.exec()
    assert run.outcome is not None, "the task did not finish in time"
    return run.outcome


def raster_layers():
    return [lyr for lyr in QgsProject.instance().mapLayers().values()
            if isinstance(lyr, QgsRasterLayer)]


@pytest.fixture
def ready_panel(panel, processing_provider, model_file, qgis_iface):
    panel.model_widget.setFilePath(str(model_file))
    qgis_iface.messageBar().clear_messages()
    return panel


def test_run_adds_two_styled_layers_in_a_group(ready_panel, qgis_iface, tmp_path):
    panel = ready_panel
    out = tmp_path / "result" / "classes.tif"
    panel.output_widget.setFilePath(str(out))
    panel.set_region_mode(REGION_RASTER)
    before = {lyr.id() for lyr in raster_layers()}
    assert panel.start_run()
    assert not panel.run_button.isEnabled() and panel.cancel_button.isEnabled()
    assert panel.start_run() is False  # no second run by accident
    outcome = wait_done(panel)
    assert outcome.status == "success", outcome.message + outcome.log
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()

    new = [lyr for lyr in raster_layers() if lyr.id() not in before]
    assert len(new) == 2
    group = QgsProject.instance().layerTreeRoot().findGroup(GROUP_NAME)
    assert group is not None
    assert [n.layerId() for n in group.findLayers()] == [lyr.id() for lyr in outcome.layers]
    classes, confidence = outcome.layers
    assert classes.source() == str(out)
    assert confidence.source() == str(out.with_name("classes_confidence.tif"))
    renderer = classes.renderer()
    assert isinstance(renderer, QgsPalettedRasterRenderer)
    assert sorted(c.label for c in renderer.classes()) == sorted(s[0] for s in STRIPES)
    assert isinstance(confidence.renderer(), QgsSingleBandPseudoColorRenderer)

    # the stripes come back (the map is real, not just files)
    import rasterio

    with rasterio.open(out) as ds:
        data = ds.read(1)
    code_of = {c.label: c.value for c in renderer.classes()}
    for name, c0, c1 in STRIPES:
        assert np.mean(data[:, c0:c1] == code_of[name]) > 0.9

    messages = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Success)
    assert messages and "3 classes" in messages[-1] and "pixels" in messages[-1]
    assert "device cpu" in messages[-1] and " s," in messages[-1]
    assert "accuracy" in messages[-1]


def test_samples_colours_carry_to_the_class_map(ready_panel, qgis_canvas, tmp_path):
    """Picked samples (categorized style) -> class map with the same colours."""
    from qgis.core import QgsGeometry, QgsPointXY

    from .conftest import pixel_centre

    panel = ready_panel
    crs = qgis_canvas.mapSettings().destinationCrs()
    for name, c0, _c1 in STRIPES:
        for r in (5, 15, 25, 35):
            panel.add_sample(QgsGeometry.fromPointXY(QgsPointXY(*pixel_centre(r, c0 + 4))),
                             crs, name)
    samples = panel.training_layer()
    colours = {c.value(): c.symbol().color().name() for c in samples.renderer().categories()}
    panel.output_widget.setFilePath(str(tmp_path / "picked.tif"))
    panel.set_region_mode(REGION_EXTENT)
    assert panel.start_run()
    outcome = wait_done(panel)
    assert outcome.status == "success", outcome.message + outcome.log
    got = {c.label: c.color.name() for c in outcome.layers[0].renderer().classes()}
    assert got == colours


def test_cancel_leaves_no_layer_and_no_file(ready_panel, tmp_path, qgis_iface):
    panel = ready_panel
    out = tmp_path / "cancel" / "classes.tif"
    panel.output_widget.setFilePath(str(out))
    panel.set_region_mode(REGION_RASTER)
    before = {lyr.id() for lyr in raster_layers()}
    assert panel.start_run()
    panel.cancel_run()
    outcome = wait_done(panel)
    assert outcome.status == "cancelled"
    assert {lyr.id() for lyr in raster_layers()} == before
    leftovers = [p for p in (out.parent.iterdir() if out.parent.exists() else [])]
    assert leftovers == []
    assert panel.run_button.isEnabled()


def test_cancel_mid_run_leaves_no_layer_and_no_file(ready_panel, tmp_path):
    panel = ready_panel
    out = tmp_path / "cancel2" / "classes.tif"
    panel.output_widget.setFilePath(str(out))
    panel.set_region_mode(REGION_RASTER)
    before = {lyr.id() for lyr in raster_layers()}
    assert panel.start_run()
    panel.run.progressChanged.connect(lambda v: panel.cancel_run() if v > 0 else None)
    outcome = wait_done(panel)
    assert outcome.status == "cancelled", outcome.message
    assert {lyr.id() for lyr in raster_layers()} == before
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_failure_is_a_message_with_details_not_a_traceback(ready_panel, tmp_path, qgis_iface):
    panel = ready_panel
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"not a model")
    panel.model_widget.setFilePath(str(bad))
    panel.output_widget.setFilePath(str(tmp_path / "fail" / "classes.tif"))
    panel.set_region_mode(REGION_RASTER)
    before = {lyr.id() for lyr in raster_layers()}
    assert panel.start_run()
    outcome = wait_done(panel)
    assert outcome.status == "failed"
    assert "model" in outcome.message.lower()
    assert "Traceback" not in outcome.message
    assert {lyr.id() for lyr in raster_layers()} == before
    assert not os.path.exists(tmp_path / "fail" / "classes.tif")
    bar = qgis_iface.messageBar()
    assert bar.currentItem() is not None and bar.currentItem().level() == Qgis.MessageLevel.Critical
    dialog = panel.show_details(outcome.message, outcome.log)
    shown = dialog.findChildren(QPlainTextEdit)[0].toPlainText()
    assert outcome.message in shown and len(shown) > len(outcome.message)  # the log too
    dialog.close()


def test_parameter_check_failure_is_refused_before_any_task(ready_panel, tmp_path):
    panel = ready_panel
    panel.output_widget.setFilePath(str(tmp_path / "x.png"))  # panel appends .tif: fine
    panel.model_widget.setFilePath(str(tmp_path / "missing.pt"))
    assert panel.start_run() is False
    assert panel.run.outcome.status == "failed"
    assert "not found" in panel.run.outcome.message
    assert panel.run_button.isEnabled()


def test_a_run_saves_the_classifier_and_apply_opens_prefilled(ready_panel, tmp_path, qgis_iface,
                                                              monkeypatch):
    """'Save classifier' writes the .pt through the run; 'Apply a saved classifier…' opens
    apply_classifier's dialog with the raster and that file filled in."""
    from qgis.gui import QgsBrowserGuiModel

    browser = QgsBrowserGuiModel()  # pytest-qgis's iface has a mock browser model
    monkeypatch.setattr(qgis_iface, "browserModel", lambda: browser, raising=False)
    panel = ready_panel
    panel.output_widget.setFilePath(str(tmp_path / "classes.tif"))
    panel.classifier_widget.setFilePath(str(tmp_path / "adapted"))  # .pt is added
    panel.set_region_mode(REGION_RASTER)
    assert panel.build_parameters()["OUTPUT_MODEL"] == str(tmp_path / "adapted.pt")
    assert panel.start_run()
    outcome = wait_done(panel)
    assert outcome.status == "success", outcome.message + outcome.log
    assert (tmp_path / "adapted.pt").is_file()
    assert panel.last_classifier == str(tmp_path / "adapted.pt")
    panel.apply_button.click()
    dialog = panel.apply_dialog
    try:
        assert dialog is not None and dialog.isVisible()
        assert dialog.algorithm().id() == "metamapper:apply_classifier"
        wrappers = dialog.mainWidget().wrappers
        assert wrappers["CLASSIFIER"].parameterValue() == str(tmp_path / "adapted.pt")
        raster = panel.raster_layer()
        assert wrappers["INPUT"].parameterValue() in (raster, raster.id())
    finally:
        dialog.close()
        dialog.deleteLater()
