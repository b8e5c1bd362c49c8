"""The panel: parameter dict, live counts, pick-on-map, region choices, layer removal,
remembered settings."""

from __future__ import annotations

import pytest
from metamapper.ui import samples_layer as samples
from metamapper.ui.panel import (
    REGION_DRAWN,
    REGION_EXTENT,
    REGION_RASTER,
    REGION_SELECTION,
    MetaMapperPanel,
    PanelInputError,
)
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingOutputLayerDefinition,
    QgsProject,
    QgsRectangle,
    QgsSettings,
    QgsVectorLayer,
)
from qgis.gui import QgsMapMouseEvent
from qgis.PyQt.QtCore import QEvent, QPoint, Qt

from .conftest import UTM, pixel_centre


def click(canvas, tool, x, y):
    for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
        event = QgsMapMouseEvent(canvas, kind, QPoint(x, y), Qt.MouseButton.LeftButton,
                                 Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        if kind == QEvent.Type.MouseButtonPress:
            tool.canvasPressEvent(event)
        else:
            tool.canvasReleaseEvent(event)


def test_parameters_from_the_panel(panel, project_layers, qgis_canvas, tmp_path):
    raster, labels = project_layers
    panel.device_combo.setCurrentIndex(panel.device_combo.findData("cpu"))
    panel.seed_spin.setValue(7)
    panel.shots_spin.setValue(55)
    panel.model_widget.setFilePath(str(tmp_path / "m.pt"))
    panel.output_widget.setFilePath(str(tmp_path / "out" / "map.tif"))
    panel.set_region_mode(REGION_EXTENT)
    params = panel.build_parameters()

    assert params["INPUT"] == raster.id()
    assert params["TRAINING"] == labels.id()  # all features
    assert params["CLASS_FIELD"] == "cls"
    assert (params["DEVICE"], params["SEED"], params["SHOTS_CAP"]) == (1, 7, 55)
    assert params["MODEL"] == str(tmp_path / "m.pt")
    out = params["OUTPUT"]
    assert isinstance(out, QgsProcessingOutputLayerDefinition)
    assert out.sink.staticValue() == str(tmp_path / "out" / "map.tif")
    assert out.destinationProject is QgsProject.instance()
    confidence = params["OUTPUT_CONFIDENCE"].sink.staticValue()
    assert confidence == str(tmp_path / "out" / "map_confidence.tif")
    region = params["REGION"]
    assert isinstance(region, QgsVectorLayer) and region.featureCount() == 1
    assert region.crs().authid() == UTM
    geom = next(region.getFeatures()).geometry()
    assert geom.boundingBox().toString(3) == qgis_canvas.extent().toString(3)


def test_default_output_is_a_temporary_geotiff_and_whole_raster_has_no_region(panel):
    panel.set_region_mode(REGION_RASTER)
    params = panel.build_parameters()
    assert "REGION" not in params and "MODEL" not in params
    path = params["OUTPUT"].sink.staticValue()
    assert path.endswith(".tif") and "processing" in path.lower()
    assert params["OUTPUT_CONFIDENCE"].sink.staticValue().endswith("_confidence.tif")


def test_drawn_region_is_a_memory_polygon_in_the_canvas_crs(panel, qgis_canvas):
    with pytest.raises(PanelInputError, match="No region drawn"):
        panel.set_region_mode(REGION_DRAWN)
        panel.build_parameters()
    panel._activate_region_tool("rectangle")
    assert qgis_canvas.mapTool() is panel.region_tool
    tool = panel.region_tool
    tool.canvasPressEvent(QgsMapMouseEvent(qgis_canvas, QEvent.Type.MouseButtonPress,
                                           QPoint(20, 20), Qt.MouseButton.LeftButton,
                                           Qt.MouseButton.LeftButton,
                                           Qt.KeyboardModifier.NoModifier))
    tool.canvasReleaseEvent(QgsMapMouseEvent(qgis_canvas, QEvent.Type.MouseButtonRelease,
                                             QPoint(120, 90), Qt.MouseButton.LeftButton,
                                             Qt.MouseButton.LeftButton,
                                             Qt.KeyboardModifier.NoModifier))
    assert panel.region_mode() == REGION_DRAWN
    assert qgis_canvas.mapTool() is not panel.region_tool  # tool handed back after drawing
    region = panel.build_parameters()["REGION"]
    geom = next(region.getFeatures()).geometry()
    t = qgis_canvas.getCoordinateTransform()
    expected = QgsRectangle(t.toMapCoordinates(20, 20), t.toMapCoordinates(120, 90))
    assert region.crs().authid() == UTM
    assert geom.boundingBox().toString(3) == expected.toString(3)
    assert "km²" in panel.region_status.text()


def test_selected_polygons_region(panel):
    with pytest.raises(PanelInputError):
        panel.set_region_mode(REGION_SELECTION)
        panel.build_parameters()
    polys = QgsVectorLayer(f"Polygon?crs={UTM}", "zones", "memory")
    f = QgsFeature()
    f.setGeometry(QgsGeometry.fromRect(QgsRectangle(500_000, 4_799_000, 500_600, 4_799_600)))
    polys.dataProvider().addFeatures([f])
    QgsProject.instance().addMapLayer(polys)
    panel.region_layer_combo.setLayer(polys)
    with pytest.raises(PanelInputError, match="No polygon is selected"):
        panel.build_parameters()
    polys.selectAll()
    assert "1 selected" in panel.region_status.text()  # live
    region = panel.build_parameters()["REGION"]
    assert region.source.staticValue() == polys.id() and region.selectedFeaturesOnly


def test_live_counts_and_selected_only(panel, project_layers):
    _raster, labels = project_layers
    assert panel.count_label.text().startswith("12 feature(s), 3 class(es)")
    labels.selectByIds([1, 2])
    panel.selected_only.setChecked(True)
    assert panel.count_label.text().startswith("2 selected feature(s), 1 class(es)")
    labels.selectByIds([1, 12])
    assert panel.count_label.text().startswith("2 selected feature(s), 2 class(es)")
    training = panel.build_parameters()["TRAINING"]
    assert isinstance(training, QgsProcessingFeatureSourceDefinition)
    assert training.source.staticValue() == labels.id() and training.selectedFeaturesOnly
    labels.removeSelection()
    with pytest.raises(PanelInputError, match="nothing is selected"):
        panel.build_parameters()
    panel.selected_only.setChecked(False)
    labels.startEditing()
    f = QgsFeature(labels.fields())
    f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(*pixel_centre(1, 1))))
    f["cls"] = "cloud"
    labels.addFeature(f)
    assert panel.count_label.text().startswith("13 feature(s), 4 class(es)")
    labels.rollBack()


def test_pick_on_map_adds_features_with_the_chosen_class(panel, qgis_canvas):
    panel.pick_button.setChecked(True)
    assert qgis_canvas.mapTool() is panel.pick_tool
    panel.pick_class.setEditText("water")
    click(qgis_canvas, panel.pick_tool, 30, 40)
    click(qgis_canvas, panel.pick_tool, 35, 60)
    panel.pick_class.setEditText("forest")
    click(qgis_canvas, panel.pick_tool, 200, 60)

    layer = samples.find_samples_layer(QgsProject.instance(), "Point")
    assert layer is not None and layer.name() == "MetaMapper samples"
    feats = list(layer.getFeatures())
    assert [f["class"] for f in feats] == ["water", "water", "forest"]
    expected = qgis_canvas.getCoordinateTransform().toMapCoordinates(30, 40)
    assert feats[0].geometry().asPoint().x() == pytest.approx(expected.x())
    assert feats[0].geometry().asPoint().y() == pytest.approx(expected.y())
    renderer = layer.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer)
    assert sorted(c.value() for c in renderer.categories()) == ["forest", "water"]
    colours = {c.symbol().color().name() for c in renderer.categories()}
    assert len(colours) == 2
    # the samples layer is now the labelled-features input, with live counts
    assert panel.training_combo.currentLayer() is layer
    assert panel.field_combo.currentField() == "class"
    assert panel.count_label.text().startswith("3 feature(s), 2 class(es)")
    params = panel.build_parameters()
    assert params["TRAINING"] == layer.id()
    # no class: refused with a message, nothing added
    panel.pick_class.setEditText("  ")
    click(qgis_canvas, panel.pick_tool, 50, 50)
    assert layer.featureCount() == 3
    # a polygon sample goes to the polygon samples layer
    geom = QgsGeometry.fromRect(QgsRectangle(500_100, 4_799_000, 500_200, 4_799_100))
    panel.add_sample(geom, QgsCoordinateReferenceSystem(UTM), "urban")
    poly_layer = samples.find_samples_layer(QgsProject.instance(), "Polygon")
    assert poly_layer.featureCount() == 1 and next(poly_layer.getFeatures())["class"] == "urban"


def test_samples_are_reprojected_to_the_samples_layer_crs(panel):
    layer = samples.samples_layer(QgsProject.instance(), "Point", QgsCoordinateReferenceSystem(UTM))
    wgs = QgsCoordinateReferenceSystem("EPSG:4326")
    panel.add_sample(QgsGeometry.fromPointXY(QgsPointXY(15.0, 43.3)), wgs, "water")
    point = next(layer.getFeatures()).geometry().asPoint()
    assert 400_000 < point.x() < 600_000 and 4_700_000 < point.y() < 4_900_000


def test_panel_survives_removal_of_the_selected_layers(panel, project_layers):
    raster, labels = project_layers
    labels.selectByIds([1])
    QgsProject.instance().removeMapLayer(labels.id())
    assert panel.training_layer() is None
    assert "No labelled layer" in panel.count_label.text()
    with pytest.raises(PanelInputError, match="labelled"):
        panel.build_parameters()
    QgsProject.instance().removeMapLayer(raster.id())
    with pytest.raises(PanelInputError, match="raster"):
        panel.build_parameters()
    assert panel.start_run() is False  # message, no exception
    assert "raster" in panel.last_error
    # a new layer is picked up again
    from .conftest import point_layer

    fresh = point_layer(name="fresh")
    QgsProject.instance().addMapLayer(fresh)
    panel.training_combo.setLayer(fresh)
    panel.field_combo.setField("cls")
    assert panel.count_label.text().startswith("12 feature(s), 3 class(es)")


def test_cleanup_disconnects_and_removes_tools(qgis_iface, project_layers, qgis_canvas):
    panel = MetaMapperPanel(qgis_iface)
    panel._activate_region_tool("rectangle")
    panel.set_region(QgsGeometry.fromRect(QgsRectangle(500_000, 4_799_000, 500_300, 4_799_300)),
                     QgsCoordinateReferenceSystem(UTM))
    band = panel.region_tool.band
    assert band.scene() is not None
    panel.cleanup()
    assert qgis_canvas.mapTool() not in (panel.region_tool, panel.pick_tool)
    assert band not in qgis_canvas.scene().items()
    assert panel._connections == [] and panel._layer_connections == []
    # project signals no longer reach the panel
    _raster, labels = project_layers
    QgsProject.instance().removeMapLayer(labels.id())
    panel.deleteLater()


def test_settings_are_remembered(qgis_iface, project_layers, tmp_path):
    settings = QgsSettings()
    old = {k: settings.value(f"metamapper/{k}") for k in ("model", "device", "shots_cap")}
    try:
        first = MetaMapperPanel(qgis_iface)
        first.model_widget.setFilePath(str(tmp_path / "my.pt"))
        first.device_combo.setCurrentIndex(first.device_combo.findData("cuda"))
        first.shots_spin.setValue(33)
        first._store_settings()
        first.cleanup()
        second = MetaMapperPanel(qgis_iface)
        assert second.model_widget.filePath() == str(tmp_path / "my.pt")
        assert second.device_combo.currentData() == "cuda"
        assert second.shots_spin.value() == 33
        second.cleanup()
    finally:
        for key, value in old.items():
            if value is None:
                settings.remove(f"metamapper/{key}")
            else:
                settings.setValue(f"metamapper/{key}", value)


def test_device_probe_only_when_advanced_options_open(panel):
    panel.show()
    assert not panel._devices_probed
    panel.advanced_box.setCollapsed(False)
    assert panel._devices_probed
    assert "CPU" in panel.device_label.text() or "CUDA" in panel.device_label.text()
