"""The panel's assessment buttons: disabled until a run succeeds, then they open the
Processing dialogs of the two assessment algorithms with the class map filled in."""

from __future__ import annotations

import json

import numpy as np
import pytest
from metamapper.ui.assessment_actions import (
    ASSESS_ALGORITHM,
    SAMPLE_ALGORITHM,
    AssessmentButtons,
    class_map_of,
)
from metamapper.ui.run_task import RunOutcome
from qgis.core import QgsProject, QgsRasterLayer

from .conftest import PIXEL, UTM, X0, Y0


@pytest.fixture
def class_map_layer(tmp_path, qgis_iface):
    import rasterio
    from rasterio.transform import from_origin

    path = tmp_path / "classes.tif"
    codes = np.repeat(np.array([[1] * 10 + [2] * 10], dtype=np.uint8), 20, axis=0)
    with rasterio.open(path, "w", driver="GTiff", width=20, height=20, count=1, dtype="uint8",
                       nodata=0, crs=UTM, transform=from_origin(X0, Y0, PIXEL, PIXEL)) as ds:
        ds.write(codes, 1)
        ds.update_tags(METAMAPPER_CLASSES=json.dumps(["forest", "water"]),
                       METAMAPPER_CLASS_CODES=json.dumps([1, 2]))
    layer = QgsRasterLayer(str(path), "class map")
    assert layer.isValid()
    QgsProject.instance().addMapLayer(layer)
    yield layer
    QgsProject.instance().removeAllMapLayers()


def test_buttons_wait_for_a_successful_run(panel, class_map_layer):
    buttons = panel.assessment
    assert not buttons.sample_button.isEnabled() and not buttons.assess_button.isEnabled()
    panel._on_run_done(RunOutcome("failed", "no"))
    assert not buttons.sample_button.isEnabled()
    outcome = RunOutcome("success", "done", results={"OUTPUT": class_map_layer.source()},
                         layers=[class_map_layer])
    panel._on_run_done(outcome)
    assert buttons.sample_button.isEnabled() and buttons.assess_button.isEnabled()
    assert buttons.class_map is class_map_layer


def test_class_map_of_an_outcome(class_map_layer):
    with_layer = RunOutcome("success", "", results={"OUTPUT": class_map_layer.source()},
                            layers=[class_map_layer])
    assert class_map_of(with_layer) is class_map_layer
    not_loaded = RunOutcome("success", "", results={"OUTPUT": "/tmp/x.tif"}, layers=[])
    assert class_map_of(not_loaded) == "/tmp/x.tif"
    assert class_map_of(RunOutcome("success", "", results={})) is None


@pytest.mark.parametrize("algorithm", [SAMPLE_ALGORITHM, ASSESS_ALGORITHM])
def test_buttons_open_the_prefilled_dialogs(algorithm, processing_provider, class_map_layer,
                                            qgis_iface, monkeypatch):
    from qgis.gui import QgsBrowserGuiModel

    browser = QgsBrowserGuiModel()  # pytest-qgis's iface has a mock browser model
    monkeypatch.setattr(qgis_iface, "browserModel", lambda: browser, raising=False)
    other = QgsRasterLayer(class_map_layer.source(), "a different raster")
    QgsProject.instance().addMapLayer(other)  # the dialog must not just pick any raster
    buttons = AssessmentButtons(dialog_parent=qgis_iface.mainWindow())
    buttons.set_class_map(class_map_layer)
    button = buttons.sample_button if algorithm == SAMPLE_ALGORITHM else buttons.assess_button
    button.click()
    dialog = buttons.dialog
    try:
        assert dialog is not None and dialog.isVisible()
        assert dialog.algorithm().id() == algorithm
        value = dialog.mainWidget().wrappers["INPUT"].parameterValue()
        assert value in (class_map_layer, class_map_layer.id()), value
    finally:
        dialog.close()
        dialog.deleteLater()
