"""Screenshot of what a bad input looks like in the real QGIS window (Xvfb).

The sample's polygons with only 'water' selected and "Selected features only" ticked: the
panel refuses to start and says why, in the message bar, with a Details button.

    .venv/bin/python scripts/bad_input_screenshot.py   # -> docs/screenshots/bad_input.png

``probe(png)`` is also the zh_CN refusal screenshot (scripts/screenshot_zh_cn.py) and the
real-window test of it (tests/test_i18n.py): one probe, run in any locale.
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
    QTimer.singleShot(4000, lambda: done(ok, panel))
def done(ok, panel):
    iface.mainWindow().grab().save({png!r})
    bar = iface.messageBar()
    texts = [w.text() for w in bar.items()] if hasattr(bar, "items") else []
    with open(os.environ["METAMAPPER_PROBE_REPORT"], "w") as f:
        json.dump({"started": ok, "messages": texts,
                   "error": getattr(panel, "last_error", ""),
                   "count_label": panel.count_label.text(),
                   "run_button": panel.run_button.text()}, f, ensure_ascii=False)
    QgsApplication.instance().exit(0)
QTimer.singleShot(5000, go)
'''


def probe(png: Path) -> str:
    """The probe's source, saving its screenshot to ``png``."""
    return (PROBE.replace("{sample!r}", repr(str(ROOT / "resources" / "sample") + "/"))
            .replace("{png!r}", repr(str(png))))


if __name__ == "__main__":
    print(run_probe(probe(ROOT / "docs" / "screenshots" / "bad_input.png"), timeout=180))
