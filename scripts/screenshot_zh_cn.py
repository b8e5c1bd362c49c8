"""MetaMapper in Simplified Chinese in a real QGIS window (Xvfb, fresh zh_CN profile).

Three QGIS sessions whose profile sets ``locale/overrideFlag=true`` and
``locale/userLocale=zh_CN``:

- the workflow of ``screenshot_workflow.py`` (panel, drawn region, a background run):
  ``docs/screenshots/zh_CN_panel.png`` and ``zh_CN_result.png``;
- the Processing dialog of ``metamapper:fewshot_classify`` with its help:
  ``zh_CN_processing_dialog.png``;
- a refused bad input (only one class selected): ``zh_CN_error.png``;

and prints a JSON report with the texts the windows showed. Needs the compiled catalogue
(``make translations``) and CJK fonts (``fc-list :lang=zh``; Debian: fonts-noto-cjk).

    .venv/bin/python scripts/screenshot_zh_cn.py
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts import screenshot_workflow as workflow  # noqa: E402
from scripts.bad_input_screenshot import probe as bad_input_probe  # noqa: E402
from scripts.qgis_window import run_probe  # noqa: E402

LOCALE = "zh_CN"
SAMPLE = ROOT / "resources" / "sample"

DIALOG_PROBE = r'''
import json, os, traceback
from qgis.core import QgsApplication, QgsProject, QgsRasterLayer, QgsVectorLayer
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface
import processing
iface.mainWindow().resize(1400, 900)
iface.mainWindow().showMaximized()
S = SAMPLE_DIR
r = QgsRasterLayer(S + "landsat8_crop.tif", "Landsat-8 sample")
v = QgsVectorLayer(S + "landcover_polygons.gpkg", "land-cover labels", "ogr")
QgsProject.instance().addMapLayers([r, v])
iface.mapCanvas().setExtent(r.extent())
state = {}
def report(data):
    with open(os.environ["METAMAPPER_PROBE_REPORT"], "w") as f:
        json.dump(data, f, ensure_ascii=False)
    QgsApplication.instance().exit(0)
def go():
    try:
        dialog = processing.createAlgorithmDialog("metamapper:fewshot_classify",
                                                  {"INPUT": r.id(), "TRAINING": v.id(),
                                                   "CLASS_FIELD": "name"})
        dialog.resize(1200, 820)
        dialog.show()
        state["dialog"] = dialog
        QTimer.singleShot(3000, shot)
    except Exception:
        report({"error": traceback.format_exc()})
def shot():
    dialog = state["dialog"]
    dialog.grab().save(PNG)
    alg = QgsApplication.processingRegistry().algorithmById("metamapper:fewshot_classify")
    report({"title": dialog.windowTitle(), "display_name": alg.displayName(),
            "group": alg.group(),
            "parameters": [p.description() for p in alg.parameterDefinitions()][:6]})
QTimer.singleShot(5000, go)
'''


def _probe(source: str, png: Path) -> str:
    return (source.replace("SAMPLE_DIR", repr(str(SAMPLE) + "/"))
            .replace("PNG", repr(str(png))))


def run(out_dir: Path, timeout_s: int = 420) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    report: dict = {}
    with tempfile.TemporaryDirectory(prefix="metamapper-zh-") as tmp:
        model = workflow.make_model(Path(tmp))
        cfg = {
            "raster": str(SAMPLE / "landsat8_crop.tif"),
            "labels": str(SAMPLE / "landcover_polygons.gpkg"),
            "model": "" if model == workflow.BUNDLED_MODEL else str(model),
            "panel_png": str(out_dir / "zh_CN_panel.png"),
            "result_png": str(out_dir / "zh_CN_result.png"),
            "map_png": str(Path(tmp) / "map.png"),
            "timeout_ms": (timeout_s - 30) * 1000,
        }
        report["workflow"] = run_probe(workflow.PROBE.format(cfg=cfg), timeout=timeout_s,
                                       locale=LOCALE)
    report["dialog"] = run_probe(_probe(DIALOG_PROBE, out_dir / "zh_CN_processing_dialog.png"),
                                 timeout=180, locale=LOCALE)
    report["error"] = run_probe(bad_input_probe(out_dir / "zh_CN_error.png"), timeout=180,
                                locale=LOCALE)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--timeout", type=int, default=420)
    args = parser.parse_args()
    report = run(args.out.resolve(), args.timeout)
    print(json.dumps(report, indent=1, ensure_ascii=False))
    outcome = report["workflow"].get("outcome", {})
    if report["workflow"].get("status") != "ok" or outcome.get("status") != "success" \
            or report["error"].get("started") is not False:
        sys.exit(1)


if __name__ == "__main__":
    main()
