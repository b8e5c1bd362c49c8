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
