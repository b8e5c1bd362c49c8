"""Screenshot of "Where to label next" in a real QGIS window (Xvfb, fresh profile).

Loads the bundled Landsat-8 sample and its land-cover polygons, opens the MetaMapper panel,
runs on the whole raster as a background task, then presses "Suggest where to label next"
(numbered markers on the map, the list in the panel), selects the first suggestion, adds a
label for it from the list and saves:

- ``docs/screenshots/suggestions.png``      the window: panel with the list, markers on the map
- ``docs/screenshots/suggestions_map.png``  the map canvas alone

plus a JSON report printed at the end.

    .venv/bin/python scripts/screenshot_suggestions.py        # also run by make screenshots
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.qgis_window import run_probe  # noqa: E402

SAMPLE = ROOT / "resources" / "sample"

PROBE = textwrap.dedent(
    """
    import json, os, traceback
    from qgis.core import (QgsApplication, QgsCategorizedSymbolRenderer, QgsProject,
                           QgsRasterLayer, QgsRendererCategory, QgsSymbol, QgsVectorLayer)
    from qgis.PyQt.QtCore import QTimer
    from qgis.PyQt.QtGui import QColor
    from qgis.utils import iface, plugins

    CFG = {cfg!r}
    REPORT = {{"steps": []}}
    COLOURS = {{"water": (31, 120, 180), "crop": (255, 210, 0), "tree": (51, 160, 44),
               "developed": (227, 26, 28)}}
    state = {{}}

    def finish(status):
        REPORT["status"] = status
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

    @guarded
    def load():
        win = iface.mainWindow()
        win.resize(1400, 900)
        win.showMaximized()
        raster = QgsRasterLayer(CFG["raster"], "Landsat-8 (Foz do Iguaçu, 2020-05-18)")
        labels = QgsVectorLayer(CFG["labels"], "land-cover labels", "ogr")
        cats = []
        for value, rgb in COLOURS.items():
            symbol = QgsSymbol.defaultSymbol(labels.geometryType())
            symbol.setColor(QColor(*rgb))
            cats.append(QgsRendererCategory(value, symbol, value))
        labels.setRenderer(QgsCategorizedSymbolRenderer("name", cats))
        QgsProject.instance().addMapLayers([raster, labels])
        state["raster"], state["labels"] = raster, labels
        QTimer.singleShot(3000, run)

    @guarded
    def run():
        plugin = plugins["metamapper"]
        plugin.action.trigger()
        panel = plugin.panel
        state["panel"] = panel
        panel.raster_combo.setLayer(state["raster"])
        panel.training_combo.setLayer(state["labels"])
        panel.field_combo.setField("name")
        panel.set_region_mode("raster")
        panel.suggestions_box.count_spin.setValue(8)
        iface.mapCanvas().setExtent(state["raster"].extent())
        if not panel.start_run():
            REPORT["refused"] = getattr(panel, "last_error", "")
            finish("refused")
            return
        panel.run.done.connect(lambda outcome: QTimer.singleShot(2000, show))

    @guarded
    def show():
        panel = state["panel"]
        outcome = panel.last_outcome
        REPORT["outcome"] = {{"status": outcome.status, "message": outcome.message}}
        if outcome.status != "success":
            REPORT["log"] = outcome.log
            finish("failed")
            return
        box = panel.suggestions_box
        box.show_button.click()  # "Suggest where to label next"
        REPORT["list"] = [box.list.item(i).text() for i in range(box.list.count())]
        layer = box.layer
        REPORT["suggestions_layer"] = {{"name": layer.name(), "count": layer.featureCount(),
                                       "labels": layer.labelsEnabled()}}
        # label the first suggestion from the list with the class the model leans to
        box.list.setCurrentRow(0)
        box.add_label()
        REPORT["labelled"] = box.status.text()
        REPORT["samples"] = panel.training_layer().featureCount()
        box.list.setCurrentRow(1)
        # the whole scene, to see every marker; the list keeps the second one selected
        iface.mapCanvas().setExtent(state["raster"].extent())
        iface.mapCanvas().refreshAllLayers()
        panel.widget().ensureWidgetVisible(box.list)
        QTimer.singleShot(3500, save)

    @guarded
    def save():
        iface.mainWindow().grab().save(CFG["png"])
        iface.mapCanvas().grab().save(CFG["map_png"])
        finish("ok")

    QTimer.singleShot(CFG["timeout_ms"], lambda: finish("timeout"))
    QTimer.singleShot(2000, load)
    """
)


def run(out_dir: Path, timeout_s: int = 420) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    cfg = {
        "raster": str(SAMPLE / "landsat8_crop.tif"),
        "labels": str(SAMPLE / "landcover_polygons.gpkg"),
        "png": str(out_dir / "suggestions.png"),
        "map_png": str(out_dir / "suggestions_map.png"),
        "timeout_ms": (timeout_s - 30) * 1000,
    }
    return run_probe(PROBE.format(cfg=cfg), timeout=timeout_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--timeout", type=int, default=420)
    args = parser.parse_args()
    report = run(args.out.resolve(), args.timeout)
    print(json.dumps(report, indent=1))
    if report.get("status") != "ok":
        sys.exit(1)


if __name__ == "__main__":
    main()
