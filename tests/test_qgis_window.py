"""A real QGIS main window (Xvfb) starts with MetaMapper enabled in a fresh profile."""

from __future__ import annotations

import shutil

import pytest

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


@pytest.mark.skipif(shutil.which("xvfb-run") is None or shutil.which("qgis") is None,
                    reason="needs QGIS and xvfb-run (make install provides both)")
def test_real_qgis_window_shows_toolbar_button_and_provider(tmp_path) -> None:
    from scripts.qgis_window import run

    png = tmp_path / "startup.png"
    report = run(png)
    assert report == {"plugin_loaded": True, "action_found": True, "action_on_toolbar": True,
                      "algorithm_registered": True}
    assert png.stat().st_size > 10_000


@pytest.mark.skipif(shutil.which("xvfb-run") is None or shutil.which("qgis") is None,
                    reason="needs QGIS and xvfb-run (make install provides both)")
def test_real_qgis_plugins_menu_opens_the_installer(tmp_path) -> None:
    """Plugins ▸ MetaMapper ▸ Install dependencies… in a real window opens the installer,
    which names what is missing (here made to report rasterio) and where it would go."""
    from scripts.screenshot_install import run

    png = tmp_path / "installer.png"
    report = run(png, ["rasterio"])
    assert report["action_in_plugins_menu"] and report["dialog_shown"]
    assert report["needed"] == ["rasterio"]
    assert report["log_starts"] and report["log_starts"][0].startswith("QGIS: 3.")
    assert png.stat().st_size > 10_000
