""""Where to label next" in the panel: parameters, the layer and list after a run, pan/zoom,
adding a label from the list, and running again."""

from __future__ import annotations

import pytest
from metamapper.ui.panel import REGION_RASTER
from metamapper.ui.run_task import GROUP_NAME
from metamapper.ui.suggestions_box import ZOOM_PIXELS, entry_text
from qgis.core import (
    QgsGeometry,
    QgsPointXY,
    QgsProcessingOutputLayerDefinition,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtTest import QTest

from .conftest import PIXEL, STRIPES, X0, pixel_centre
from .test_run_task import wait_done


@pytest.fixture
def ready_panel(panel, processing_provider, model_file, qgis_iface):
    panel.model_widget.setFilePath(str(model_file))
    qgis_iface.messageBar().clear_messages()
    return panel


def truth_at(x: float) -> str:
    col = int((x - X0) // PIXEL)
    return next(name for name, c0, c1 in STRIPES if c0 <= col < c1)


def test_entry_text():
    assert entry_text(3, "forest", 0.482, "grass", 0.41) == "3. forest 48% or grass 41%"
    assert entry_text(1, "water", 1.0, "", 0.0) == "1. water 100%"


def test_parameters_ask_for_suggestions_beside_the_class_map(panel, tmp_path):
    panel.output_widget.setFilePath(str(tmp_path / "out" / "map.tif"))
    panel.suggestions_box.count_spin.setValue(7)
    params = panel.build_parameters()
    assert params["SUGGESTIONS"] == 7
    dest = params["OUTPUT_SUGGESTIONS"]
    assert isinstance(dest, QgsProcessingOutputLayerDefinition)
    assert dest.sink.staticValue() == str(tmp_path / "out" / "map_suggestions.gpkg")
    panel.suggestions_box.count_spin.setValue(0)
    params = panel.build_parameters()
    assert "SUGGESTIONS" not in params and "OUTPUT_SUGGESTIONS" not in params


def test_run_shows_suggestions_pans_zooms_and_labels(ready_panel, qgis_canvas, tmp_path):
    panel, box = ready_panel, ready_panel.suggestions_box
    panel.output_widget.setFilePath(str(tmp_path / "classes.tif"))
    panel.set_region_mode(REGION_RASTER)
    box.count_spin.setValue(5)
    assert not box.show_button.isEnabled()
    assert panel.start_run()
    outcome = wait_done(panel)
    assert outcome.status == "success", outcome.message + outcome.log

    layer = outcome.suggestions
    assert isinstance(layer, QgsVectorLayer) and box.layer is layer
    assert 1 <= layer.featureCount() <= 5 and box.list.count() == layer.featureCount()
    root = QgsProject.instance().layerTreeRoot()
    assert root.children()[0].layerId() == layer.id()  # drawn above the MetaMapper group
    assert root.findGroup(GROUP_NAME).findLayer(layer.id()) is None
    assert layer.labelsEnabled()  # numbered markers
    node = root.findLayer(layer.id())
    assert not node.isVisible() and not box.list.isVisibleTo(panel)

    box.show_button.setChecked(True)  # "Suggest where to label next"
    assert node.isVisible() and box.list.isVisibleTo(panel)
    assert box.list.currentRow() == 0
    first = next(f for f in layer.getFeatures() if f["rank"] == 1)
    point = first.geometry().asPoint()
    centre = qgis_canvas.extent().center()
    assert (centre.x(), centre.y()) == pytest.approx((point.x(), point.y()), abs=1e-6)
    assert box.list.item(0).text().startswith("1. " + first["class_1"])

    box.list.setFocus()
    QTest.keyClick(box.list, Qt.Key.Key_Return)  # Enter zooms in
    extent = qgis_canvas.extent()  # the canvas keeps its aspect: the short side fits
    assert min(extent.width(), extent.height()) == pytest.approx(ZOOM_PIXELS * PIXEL, rel=0.05)
    if box.list.count() > 1:
        QTest.keyClick(box.list, Qt.Key.Key_Down)  # arrow keys move and pan
        assert box.list.currentRow() == 1
        box.list.setCurrentRow(0)

    assert box.class_combo.itemText(0) == first["class_1"]  # what the model leans to first
    truth = truth_at(point.x())
    box.class_combo.setCurrentText(truth)
    assert box.add_label()
    samples = panel.training_layer()
    # the 12 labels the run used come along, so the next run keeps them
    assert samples.name() == "MetaMapper samples" and samples.featureCount() == 12 + 1
    assert panel.field_combo.currentField() == "class"
    added = max(samples.getFeatures(), key=lambda f: f.id())
    assert added["class"] == truth
    assert added.geometry().asPoint().distance(point) < 1e-6
    assert box.list.item(0).text().startswith("✓") and box.list.currentRow() == min(
        1, box.list.count() - 1)

    # the analyst answers the other suggestions, picks one sample per class on the map
    # (the pick-on-map storage), and runs again: the old suggestions go away
    for row in range(1, box.list.count()):
        box.list.setCurrentRow(row)
        box.class_combo.setCurrentText(truth_at(box.current_point().x()))
        assert box.add_label()
    crs = qgis_canvas.mapSettings().destinationCrs()
    for name, c0, c1 in STRIPES:
        panel.add_sample(QgsGeometry.fromPointXY(QgsPointXY(*pixel_centre(20, (c0 + c1) // 2))),
                         crs, name)
    assert samples.featureCount() == 12 + box.list.count() + 3
    old_id = layer.id()
    assert panel.start_run()
    assert QgsProject.instance().mapLayer(old_id) is None
    outcome = wait_done(panel)
    assert outcome.status == "success", outcome.message + outcome.log
    assert box.layer is outcome.suggestions and box.list.count() >= 1
    assert box.list.isVisibleTo(panel)  # still shown: the loop goes on


def test_add_label_needs_a_selection(panel):
    box = panel.suggestions_box
    assert box.add_label() is False
    assert "Select a suggestion" in box.status.text()


def test_polygon_labels_get_the_suggested_pixel_as_a_square(panel, project_layers):
    from qgis.core import QgsFeature, QgsRectangle

    from .conftest import Y0

    raster, _points = project_layers
    polygons = QgsVectorLayer("Polygon?crs=EPSG:32633&field=cls:string(20)", "polys", "memory")
    feats = []
    for name, c0, _c1 in STRIPES:
        f = QgsFeature(polygons.fields())
        x0 = X0 + (c0 + 2) * PIXEL
        f.setGeometry(QgsGeometry.fromRect(QgsRectangle(x0, Y0 - 10 * PIXEL, x0 + 4 * PIXEL,
                                                        Y0 - 6 * PIXEL)))
        f["cls"] = name
        feats.append(f)
    polygons.dataProvider().addFeatures(feats)
    QgsProject.instance().addMapLayer(polygons)
    panel.training_combo.setLayer(polygons)
    panel.field_combo.setField("cls")
    centre = QgsGeometry.fromPointXY(QgsPointXY(*pixel_centre(30, 20)))
    added = panel.add_suggestion_label(centre, raster.crs(), "forest")
    samples = panel.training_layer()
    assert samples.name() == "MetaMapper samples (polygons)" and samples.featureCount() == 4
    assert {f["class"] for f in samples.getFeatures()} == {"water", "forest", "urban"}
    box = added.geometry().boundingBox()
    assert box.center().x() == pytest.approx(centre.asPoint().x())
    assert box.width() == pytest.approx(0.9 * PIXEL)  # holds that pixel's centre only
