"""The whole plugin, 20 times in one QGIS session: load, open the panel, run, cancel (and
once let a run finish), unload. Nothing may be left: no action, menu entry, provider, task,
dock, canvas item or map tool, and no layer but the one finished run's outputs."""

from __future__ import annotations

from metamapper.ui.panel import REGION_RASTER
from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtCore import QCoreApplication

from .test_run_task import wait_done


def test_twenty_load_run_cancel_unload_cycles_leave_nothing(
    qgis_iface, qgis_canvas, project_layers, model_file, tmp_path, monkeypatch
):
    import metamapper

    raster, labels = project_layers
    registry = QgsApplication.processingRegistry()
    if registry.providerById("metamapper") is not None:  # from other tests' fixtures
        registry.removeProvider("metamapper")
    toolbar, menu, docks = [], [], []
    monkeypatch.setattr(qgis_iface, "addToolBarIcon", toolbar.append, raising=False)
    monkeypatch.setattr(qgis_iface, "removeToolBarIcon", toolbar.remove, raising=False)
    monkeypatch.setattr(qgis_iface, "addPluginToRasterMenu",
                        lambda name, a: menu.append(a), raising=False)
    monkeypatch.setattr(qgis_iface, "removePluginRasterMenu",
                        lambda name, a: menu.remove(a), raising=False)
    monkeypatch.setattr(qgis_iface, "addDockWidget", lambda area, d: docks.append(d),
                        raising=False)
    monkeypatch.setattr(qgis_iface, "removeDockWidget", docks.remove, raising=False)
    project = QgsProject.instance()
    layers_before = set(project.mapLayers())
    items_before = len(qgis_canvas.scene().items())
    tool_before = qgis_canvas.mapTool()
    finished_outputs = 0
    for i in range(20):
        plugin = metamapper.classFactory(qgis_iface)
        plugin.initProcessing()
        plugin.initGui()
        assert [p.id() for p in registry.providers()].count("metamapper") == 1
        plugin.action.trigger()  # opens the panel, as the toolbar button does
        panel = plugin.panel
        assert panel is not None and docks == [panel]
        panel.raster_combo.setLayer(raster)
        panel.training_combo.setLayer(labels)
        panel.field_combo.setField("cls")
        panel.model_widget.setFilePath(str(model_file))
        panel.output_widget.setFilePath(str(tmp_path / f"run{i}" / "classes.tif"))
        panel.set_region_mode(REGION_RASTER)
        panel._activate_region_tool("rectangle")
        assert panel.start_run()
        if i == 0:  # one run goes to the end: its three layers are the only ones added
            assert wait_done(panel).status == "success"
            finished_outputs = len(set(project.mapLayers()) - layers_before)
        else:
            panel.cancel_run()
            assert wait_done(panel).status == "cancelled"
        plugin.unload()
        QCoreApplication.processEvents()
        assert toolbar == [] and menu == [] and docks == []
        assert registry.providerById("metamapper") is None
        assert QgsApplication.taskManager().countActiveTasks() == 0
    assert finished_outputs == 3  # class map, confidence, where to label next
    assert len(set(project.mapLayers()) - layers_before) == 3
    assert len(qgis_canvas.scene().items()) == items_before
    assert qgis_canvas.mapTool() is tool_before
