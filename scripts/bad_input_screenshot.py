"""Screenshot of what a bad input looks like in the real QGIS window (Xvfb).

The sample's polygons with only 'water' selected and "Selected features only" ticked: the
panel refuses to start and says why, in the message bar, with a Details button.

    .venv/bin/python scripts/bad_input_screenshot.py   # -> docs/screenshots/bad_input.png
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.qgis_window import run_probe  # noqa: E402

PROBE = r'''
import json, os
from qgis.core import QgsApplication, QgsProject, QgsRasterLayer, QgsVectorLayer
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins
iface.mainWindow().resize(1400, 900)
iface.mainWindow().showMaximized()
S = {sample!r}
r = QgsRasterLayer(S + "landsat8_crop.tif", "Landsat-8 sample")
v = QgsVectorLayer(S + "landcover_polygons.gpkg", "land-cover labels", "ogr")
QgsProject.instance().addMapLayers([r, v])
iface.mapCanvas().setExtent(r.extent())
iface.mapCanvas().refresh()
v.selectByExpression("\"name\" = 'water'")
def go():
    p = plugins["metamapper"]
    p.action.trigger()
    panel = p.panel
    panel.raster_combo.setLayer(r)
    panel.training_combo.setLayer(v)
    panel.field_combo.setField("name")
    panel.selected_only.setChecked(True)
    ok = panel.start_run()
    QTimer.singleShot(4000, lambda: done(ok))
def done(ok):
    iface.mainWindow().grab().save({png!r})
    bar = iface.messageBar()
    texts = [w.text() for w in bar.items()] if hasattr(bar, "items") else []
    with open(os.environ["METAMAPPER_PROBE_REPORT"], "w") as f:
        json.dump({"started": ok, "messages": texts}, f)
    QgsApplication.instance().exit(0)
QTimer.singleShot(5000, go)
'''
if __name__ == "__main__":
    print(run_probe(PROBE.replace("{sample!r}", repr(str(ROOT / "resources" / "sample") + "/"))
                    .replace("{png!r}", repr(str(ROOT / "docs" / "screenshots" / "bad_input.png"))),
                    timeout=180))
