"""Screenshots of the analyst's workflow in a real QGIS window (Xvfb, fresh profile).

Starts ``qgis --code <probe>`` with MetaMapper enabled in a new profile, loads the bundled
Landsat-8 sample and its land-cover polygons (categorized style), opens the MetaMapper panel
from its toolbar action, draws a region with the panel's rectangle tool (synthetic mouse
events on the real canvas), runs the classification as a background task and saves:

- ``docs/screenshots/workflow_panel.png``   the window with the panel and the drawn region
- ``docs/screenshots/workflow_result.png``  the window with the styled class map
- ``docs/screenshots/workflow_map.png``     the map canvas alone

plus a JSON report (outcome, message-bar text, layers, renderers) printed at the end.

    .venv/bin/python scripts/screenshot_workflow.py           # or: make screenshots
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "build" / "pkg"
sys.path.insert(0, str(ROOT))
from scripts.qgis_window import run_probe  # noqa: E402  (one way to start QGIS under Xvfb)

SAMPLE = ROOT / "resources" / "sample"
BUNDLED_MODEL = ROOT / "resources" / "models" / "metamapper-v1.pt"

PROBE = textwrap.dedent(
    """
    import json, traceback
    from qgis.core import (QgsApplication, QgsCategorizedSymbolRenderer, QgsPointXY,
                           QgsProject, QgsRasterLayer, QgsRectangle, QgsRendererCategory,
                           QgsSymbol, QgsVectorLayer)
    from qgis.gui import QgsMapMouseEvent
    from qgis.PyQt.QtCore import QEvent, QPoint, Qt, QTimer
    from qgis.PyQt.QtGui import QColor
    from qgis.utils import iface, plugins

    CFG = {cfg!r}
    REPORT = {{"steps": []}}
    COLOURS = {{"water": (31, 120, 180), "crop": (255, 210, 0), "tree": (51, 160, 44),
               "developed": (227, 26, 28)}}
    state = {{}}

    def log(step):
        REPORT["steps"].append(step)

    def finish(status):
        REPORT["status"] = status
        import os
        with open(os.environ["METAMAPPER_PROBE_REPORT"], "w") as f:
            json.dump(REPORT, f, indent=1, default=str)
        QgsApplication.instance().exit(0)

    def guarded(fn):
        def wrapper():
            try:
                fn()
            except Exception:
                REPORT["error"] = traceback.format_exc()
                finish("error")
        return wrapper

    def categorize(layer, field):
        cats = []
        for value, rgb in COLOURS.items():
            symbol = QgsSymbol.defaultSymbol(layer.geometryType())
            symbol.setColor(QColor(*rgb))
            symbol.setOpacity(0.9)
            cats.append(QgsRendererCategory(value, symbol, value))
        layer.setRenderer(QgsCategorizedSymbolRenderer(field, cats))

    @guarded
    def load():
        win = iface.mainWindow()
        win.resize(1400, 900)
        win.showMaximized()
        raster = QgsRasterLayer(CFG["raster"], "Landsat-8 (Foz do Iguaçu, 2020-05-18)")
        labels = QgsVectorLayer(CFG["labels"], "land-cover labels", "ogr")
        categorize(labels, "name")
        QgsProject.instance().addMapLayers([raster, labels])
        iface.mapCanvas().setExtent(raster.extent())
        iface.mapCanvas().refresh()
        state["raster"], state["labels"] = raster, labels
        log("loaded")
        QTimer.singleShot(3000, open_panel)

    @guarded
    def open_panel():
        plugin = plugins["metamapper"]
        plugin.action.trigger()
        panel = plugin.panel
        state["panel"] = panel
        panel.raster_combo.setLayer(state["raster"])
        panel.training_combo.setLayer(state["labels"])
        panel.field_combo.setField("name")
        panel.advanced_box.setCollapsed(False)
        if CFG["model"]:
            panel.model_widget.setFilePath(CFG["model"])
        panel.device_combo.setCurrentIndex(0)
        log("panel: " + panel.count_label.text())
        QTimer.singleShot(1500, draw_region)

    @guarded
    def draw_region():
        panel, canvas = state["panel"], iface.mapCanvas()
        e = state["raster"].extent()
        canvas.setExtent(e)  # again, now that the window is maximized
        canvas.refresh()
        # a rectangle over most of the scene, as an analyst would drag it
        a = QgsPointXY(e.xMinimum() + 0.08 * e.width(), e.yMaximum() - 0.06 * e.height())
        b = QgsPointXY(e.xMinimum() + 0.92 * e.width(), e.yMinimum() + 0.08 * e.height())
        t = canvas.getCoordinateTransform()
        pa, pb = t.transform(a), t.transform(b)
        panel.draw_rect_button.click()
        tool = canvas.mapTool()
        def ev(kind, p, buttons=Qt.MouseButton.LeftButton):
            return QgsMapMouseEvent(canvas, kind, QPoint(int(p.x()), int(p.y())),
                                    Qt.MouseButton.LeftButton, buttons,
                                    Qt.KeyboardModifier.NoModifier)
        tool.canvasPressEvent(ev(QEvent.Type.MouseButtonPress, pa))
        tool.canvasMoveEvent(ev(QEvent.Type.MouseMove, pb))
        tool.canvasReleaseEvent(ev(QEvent.Type.MouseButtonRelease, pb))
        log("region: " + panel.region_status.text())
        panel.widget().verticalScrollBar().setValue(0)
        QTimer.singleShot(2500, shot_panel)

    @guarded
    def shot_panel():
        iface.mainWindow().grab().save(CFG["panel_png"])
        log("panel screenshot")
        panel = state["panel"]
        if not panel.start_run():
            REPORT["refused"] = getattr(panel, "last_error", "")
            finish("refused")
            return
        panel.run.done.connect(lambda outcome: QTimer.singleShot(4000, shot_result))
        log("run started")

    @guarded
    def shot_result():
        panel = state["panel"]
        outcome = panel.last_outcome
        REPORT["outcome"] = {{"status": outcome.status, "message": outcome.message,
                             "results": {{k: str(v) for k, v in outcome.results.items()}},
                             "layers": [l.name() for l in outcome.layers],
                             "renderers": [type(l.renderer()).__name__ for l in outcome.layers]}}
        if outcome.status != "success":
            REPORT["log"] = outcome.log
        # look at the map: the labels stay visible on top, the confidence stays unticked
        root = QgsProject.instance().layerTreeRoot()
        node = root.findLayer(state["labels"].id())
        clone = node.clone()
        root.insertChildNode(0, clone)
        node.parent().removeChildNode(node)
        panel.widget().verticalScrollBar().setValue(0)
        iface.mapCanvas().refreshAllLayers()
        QTimer.singleShot(3000, save_result)

    @guarded
    def save_result():
        group = QgsProject.instance().layerTreeRoot().findGroup("MetaMapper")
        if group is not None:
            REPORT["group_expanded"] = group.isExpanded()
        iface.mainWindow().grab().save(CFG["result_png"])
        iface.mapCanvas().grab().save(CFG["map_png"])
        log("result screenshots")
        finish("ok")

    QTimer.singleShot(CFG["timeout_ms"], lambda: finish("timeout"))
    QTimer.singleShot(2000, load)
    """
)


def make_model(folder: Path) -> Path:
    """The bundled model when present, else a small one trained now (tests.model_factory)."""
    if BUNDLED_MODEL.is_file():
        return BUNDLED_MODEL
    sys.path.insert(0, str(PKG))
    sys.path.insert(0, str(ROOT))
    from tests.model_factory import make_model_file

    return make_model_file(folder, episodes=300, name="screenshot")


def run(out_dir: Path, timeout_s: int = 420) -> dict:
    PKG.mkdir(parents=True, exist_ok=True)
    if not (PKG / "metamapper").exists():
        (PKG / "metamapper").symlink_to(ROOT, target_is_directory=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="metamapper-shots-") as tmp:
        tmp_path = Path(tmp)
        model = make_model(tmp_path)
        cfg = {
            "raster": str(SAMPLE / "landsat8_crop.tif"),
            "labels": str(SAMPLE / "landcover_polygons.gpkg"),
            "model": "" if model == BUNDLED_MODEL else str(model),
            "panel_png": str(out_dir / "workflow_panel.png"),
            "result_png": str(out_dir / "workflow_result.png"),
            "map_png": str(out_dir / "workflow_map.png"),
            "timeout_ms": (timeout_s - 30) * 1000,
        }
        data = run_probe(PROBE.format(cfg=cfg), timeout=timeout_s)
        data["model"] = str(model)
        return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--timeout", type=int, default=420)
    args = parser.parse_args()
    report = run(args.out.resolve(), args.timeout)
    print(json.dumps(report, indent=1))
    if report.get("status") != "ok" or report.get("outcome", {}).get("status") != "success":
        sys.exit(1)


if __name__ == "__main__":
    main()
