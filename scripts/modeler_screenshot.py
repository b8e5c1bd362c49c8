"""Screenshot of the graphical modeler with MetaMapper as a step (docs/screenshots/modeler.png).

Starts a real QGIS window under Xvfb (scripts/qgis_window.py: fresh profile, plugin enabled),
opens the Processing modeler on tests/provider/data/clip_classify_report.model3
(clip raster by extent -> Few-shot classify raster -> raster layer unique values report),
zooms onto the model and grabs the dialog. The probe also reports which child algorithms
the loaded model holds and whether the modeler finds it valid (an invalid child is drawn
red), so a broken provider or model file shows up as an error rather than a misleading picture.

    .venv/bin/python scripts/modeler_screenshot.py --out docs/screenshots/modeler.png
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `scripts` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.qgis_window import ROOT, run_probe  # noqa: E402

MODEL = ROOT / "tests" / "provider" / "data" / "clip_classify_report.model3"

PROBE = textwrap.dedent(
    """
    import json
    import os
    import re
    from qgis.core import QgsApplication, QgsProcessingModelAlgorithm
    from qgis.PyQt.QtCore import QMarginsF, Qt, QTimer
    from qgis.utils import iface

    from processing.modeler.ModelerDialog import ModelerDialog

    state = {{}}

    def open_modeler():
        model = QgsProcessingModelAlgorithm()
        state["loaded"] = model.fromFile({model!r})
        # ModelerDialog.create keeps the sip wrapper referenced (the dialog deletes on close).
        dlg = ModelerDialog.create(model)
        dlg.resize({width}, {height})
        dlg.show()
        dlg.raise_()
        state["dlg"] = dlg
        QTimer.singleShot(1500, zoom)

    def zoom():
        dlg = state["dlg"]
        view = dlg.view()
        rect = view.scene().itemsBoundingRect().marginsAdded(QMarginsF(30, 30, 30, 30))
        view.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        QTimer.singleShot(1500, grab)

    def grab():
        dlg = state["dlg"]
        children = dlg.model().childAlgorithms()
        ok = dlg.grab().save({png!r})
        valid, issues = dlg.model().validate()
        data = {{"model_loaded": state["loaded"], "saved": ok, "model_valid": valid,
                "issues": [re.sub("<[^>]*>", "", i) for i in issues],
                "algorithms": sorted(c.algorithmId() for c in children.values()),
                "algorithms_resolved": all(c.algorithm() is not None
                                           for c in children.values()),
                "descriptions": sorted(c.description() for c in children.values())}}
        with open(os.environ["METAMAPPER_PROBE_REPORT"], "w") as f:
            json.dump(data, f)
        dlg.setModel(QgsProcessingModelAlgorithm())  # nothing "unsaved" to ask about
        dlg.close()
        QgsApplication.instance().exit(0)

    QTimer.singleShot({delay_ms}, open_modeler)
    """
)


def run(png: Path, model: Path = MODEL, size: tuple[int, int] = (1380, 860),
        delay_ms: int = 5000, timeout: int = 240) -> dict:
    """Grab the modeler showing `model` into `png`; return the probe's report."""
    png.parent.mkdir(parents=True, exist_ok=True)
    source = PROBE.format(model=str(model), png=str(png), width=size[0], height=size[1],
                          delay_ms=delay_ms)
    return run_probe(source, timeout=timeout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=ROOT / "docs" / "screenshots" / "modeler.png")
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args()
    report = run(args.out.resolve(), args.model.resolve())
    print(json.dumps(report, indent=1))
    if not (report["model_loaded"] and report["saved"] and report["model_valid"]
            and report["algorithms_resolved"]):
        sys.exit("The modeler screenshot shows a broken or invalid model (see issues above).")


if __name__ == "__main__":
    main()
