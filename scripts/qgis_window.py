"""Start a real QGIS main window under Xvfb with MetaMapper in a fresh profile.

Used by tests/test_qgis_window.py and by `make screenshots`: enables the plugin in a new
profile, starts `qgis --code <probe>`, and the probe saves a screenshot plus a JSON report
(toolbar action present, provider and algorithm registered), then quits QGIS.

    .venv/bin/python scripts/qgis_window.py --out docs/screenshots/qgis_startup.png
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "build" / "pkg"
REPORT_ENV = "METAMAPPER_PROBE_REPORT"  # where a probe writes its JSON report

PROBE = textwrap.dedent(
    """
    import json
    import os
    from qgis.core import QgsApplication, QgsProject, QgsRasterLayer
    from qgis.PyQt.QtCore import QTimer
    from qgis.utils import iface, plugins

    iface.mainWindow().resize(1400, 900)
    iface.mainWindow().showMaximized()
    SAMPLE = {sample!r}
    if SAMPLE:
        QgsProject.instance().addMapLayer(QgsRasterLayer(SAMPLE, "Landsat-8 sample"))
        iface.mapCanvas().zoomToFullExtent()

    def report():
        win = iface.mainWindow()
        actions = [a for a in win.findChildren(type(iface.actionPan()))
                   if a.objectName() == "mMetaMapperAction"]
        on_toolbar = any(a.associatedWidgets() and any(
            w.metaObject().className() == "QToolBar" for w in a.associatedWidgets())
            for a in actions)
        alg = QgsApplication.processingRegistry().algorithmById("metamapper:fewshot_classify")
        data = {{"plugin_loaded": "metamapper" in plugins,
                "action_found": bool(actions), "action_on_toolbar": on_toolbar,
                "algorithm_registered": alg is not None}}
        win.grab().save({png!r})
        with open(os.environ["METAMAPPER_PROBE_REPORT"], "w") as f:
            json.dump(data, f)
        QgsApplication.instance().exit(0)

    QTimer.singleShot({delay_ms}, report)
    """
)


def run_probe(probe_source: str, timeout: int = 240, locale: str | None = None) -> dict:
    """Start QGIS under Xvfb in a fresh profile with MetaMapper enabled, run `probe_source`.

    ``locale`` (e.g. 'zh_CN') is set as the profile's user-interface locale
    (``locale/overrideFlag``, ``locale/userLocale``); default: the system's.

    The probe must write a JSON report to the path in ``os.environ[REPORT_ENV]`` and quit
    QGIS; that report is returned (raises when QGIS exits without one).
    """
    PKG.mkdir(parents=True, exist_ok=True)
    if not (PKG / "metamapper").exists():
        (PKG / "metamapper").symlink_to(ROOT, target_is_directory=True)
    with tempfile.TemporaryDirectory(prefix="metamapper-profile-") as tmp:
        profile = Path(tmp) / "profile"
        ini = profile / "profiles" / "default" / "QGIS" / "QGIS3.ini"
        ini.parent.mkdir(parents=True)
        ini.write_text(
            "[PythonPlugins]\nmetamapper=true\n\n[qgis]\ncheckVersion=false\n"
            "showTips=false\nshowTips322=false\n[migration]\nfirstRunVersionFlag=32200\n"
            + (f"\n[locale]\noverrideFlag=true\nuserLocale={locale}\n" if locale else "")
        )
        report = Path(tmp) / "report.json"
        probe = Path(tmp) / "probe.py"
        probe.write_text(probe_source)
        env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(profile), QGIS_PLUGINPATH=str(PKG))
        env[REPORT_ENV] = str(report)
        env.pop("QT_QPA_PLATFORM", None)
        site = subprocess.run(
            [sys.executable, "-c", "import site; print(site.getsitepackages()[0])"],
            capture_output=True, text=True).stdout.strip()
        env["PYTHONPATH"] = os.pathsep.join(p for p in (site, env.get("PYTHONPATH", "")) if p)
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", "qgis", "--nologo",
               "--noversioncheck", "--code", str(probe)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        if not report.exists():
            raise RuntimeError(f"QGIS exited {proc.returncode} without a report:\n"
                               f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
        return json.loads(report.read_text())


def run(png: Path, sample: str | None = None, delay_ms: int = 6000, timeout: int = 240) -> dict:
    """Start QGIS under Xvfb, return the probe's JSON report (raises on failure)."""
    png.parent.mkdir(parents=True, exist_ok=True)
    return run_probe(PROBE.format(png=str(png), delay_ms=delay_ms, sample=sample or ""),
                     timeout=timeout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=ROOT / "docs" / "screenshots" / "qgis_startup.png")
    parser.add_argument("--sample",
                        default=str(ROOT / "resources" / "sample" / "landsat8_crop.tif"))
    args = parser.parse_args()
    print(json.dumps(run(args.out.resolve(), args.sample), indent=1))


if __name__ == "__main__":
    main()
