"""Opening, running, cancelling and closing the panel 20 times leaks nothing: no layer, no
task, no canvas item, no map tool, no signal reaching a dead panel."""

from __future__ import annotations

from metamapper.ui.panel import REGION_RASTER, MetaMapperPanel
from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtCore import QCoreApplication

from .test_run_task import wait_done


def test_twenty_open_run_cancel_close_cycles_leak_nothing(
    qgis_iface, qgis_canvas, project_layers, processing_provider, model_file, tmp_path
):
    raster, labels = project_layers
    project = QgsProject.instance()
    layers_before = set(project.mapLayers())
    items_before = len(qgis_canvas.scene().items())
    tool_before = qgis_canvas.mapTool()
    for i in range(20):
        panel = MetaMapperPanel(qgis_iface)
        panel.raster_combo.setLayer(raster)
        panel.training_combo.setLayer(labels)
        panel.field_combo.setField("cls")
        panel.model_widget.setFilePath(str(model_file))
        panel.output_widget.setFilePath(str(tmp_path / f"run{i}" / "classes.tif"))
        panel.set_region_mode(REGION_RASTER)
        panel._activate_region_tool("polygon")  # a tool on the canvas at unload time
        assert panel.start_run()
        panel.cancel_run()
        outcome = wait_done(panel)
        assert outcome.status == "cancelled"
        panel.cleanup()
        panel.deleteLater()
        QCoreApplication.processEvents()
        assert not (tmp_path / f"run{i}").exists() or not any((tmp_path / f"run{i}").iterdir())
    QCoreApplication.processEvents()
    assert set(project.mapLayers()) == layers_before
    assert len(qgis_canvas.scene().items()) == items_before
    assert qgis_canvas.mapTool() is tool_before
    assert QgsApplication.taskManager().countActiveTasks() == 0
    # project signals after all those panels: nothing raises
    project.removeMapLayer(labels.id())
    QCoreApplication.processEvents()


def test_unload_while_running_cancels_and_adds_nothing(
    qgis_iface, project_layers, processing_provider, model_file, tmp_path
):
    import time

    raster, labels = project_layers
    project = QgsProject.instance()
    layers_before = set(project.mapLayers())
    panel = MetaMapperPanel(qgis_iface)
    panel.raster_combo.setLayer(raster)
    panel.training_combo.setLayer(labels)
    panel.field_combo.setField("cls")
    panel.model_widget.setFilePath(str(model_file))
    panel.output_widget.setFilePath(str(tmp_path / "unload" / "classes.tif"))
    panel.set_region_mode(REGION_RASTER)
    assert panel.start_run()
    panel.cleanup()  # what plugin.unload() does, then removeDockWidget + deleteLater
    panel.deleteLater()
    deadline = time.monotonic() + 60
    manager = QgsApplication.taskManager()
    while manager.countActiveTasks() and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.02)
    QCoreApplication.processEvents()
    assert manager.countActiveTasks() == 0
    assert set(project.mapLayers()) == layers_before
