"""The installer in a real QGIS window (Xvfb): Plugins ▸ MetaMapper ▸ Install dependencies….

Starts QGIS in a fresh profile with MetaMapper enabled (``scripts/qgis_window.run_probe``),
triggers the plugin's "Install dependencies…" action as a user would, waits for the dialog
and saves it; the JSON report says whether the action was in the Plugins
menu and what the dialog found missing. ``--pretend-missing rasterio,scikit-learn`` makes
the check report those packages missing (the screenshot of what a new user sees; nothing
is installed: the dialog is only shown).

    .venv/bin/python scripts/screenshot_install.py --out docs/screenshots/install_dialog.png
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROBE = textwrap.dedent(
    """
    import json
    import os
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QTimer
    from qgis.PyQt.QtWidgets import QDialog
    from qgis.utils import iface, plugins

    PRETEND = {pretend!r}
    if PRETEND:
        import metamapper.core.deps as deps
        deps.missing_runtime_packages = lambda: list(PRETEND)

    iface.mainWindow().resize(1400, 900)
    iface.mainWindow().showMaximized()

    def open_installer():
        plugin = plugins["metamapper"]
        in_menu = any(a is plugin.install_action
                      for menu in iface.pluginMenu().actions() if menu.menu()
                      for a in menu.menu().actions())
        plugin.install_action.trigger()
        QTimer.singleShot(1500, lambda: report(plugin, in_menu))

    def report(plugin, in_menu):
        dialog = plugin.installer
        if dialog is not None:  # a window of its own: the main window's grab misses it
            dialog.grab().save({png!r})
        data = {{"action_in_plugins_menu": in_menu,
                "dialog_shown": dialog is not None and dialog.isVisible(),
                "needed": list(dialog.needed) if dialog is not None else None,
                "log_starts": dialog.log_view.toPlainText().splitlines()[:1]
                if dialog is not None else []}}
        with open(os.environ["METAMAPPER_PROBE_REPORT"], "w") as f:
            json.dump(data, f)
        QgsApplication.instance().exit(0)

    QTimer.singleShot({delay_ms}, open_installer)
    """
)


def run(png: Path, pretend: list[str], delay_ms: int = 5000) -> dict:
    from scripts.qgis_window import run_probe

    png.parent.mkdir(parents=True, exist_ok=True)
    return run_probe(PROBE.format(png=str(png), pretend=pretend, delay_ms=delay_ms))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path,
                   default=ROOT / "docs" / "screenshots" / "install_dialog.png")
    p.add_argument("--pretend-missing", default="rasterio,scikit-learn")
    args = p.parse_args()
    pretend = [x for x in args.pretend_missing.split(",") if x]
    print(json.dumps(run(args.out.resolve(), pretend), indent=1))


if __name__ == "__main__":
    main()
