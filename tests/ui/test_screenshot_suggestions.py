""""Where to label next" in a real QGIS window under Xvfb (scripts/screenshot_suggestions.py)."""

from __future__ import annotations

import shutil

import pytest

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


@pytest.mark.skipif(shutil.which("xvfb-run") is None or shutil.which("qgis") is None,
                    reason="needs QGIS and xvfb-run (make install provides both)")
def test_real_window_suggestions_list_markers_and_label(tmp_path) -> None:
    from scripts.screenshot_suggestions import run

    report = run(tmp_path)
    assert report["status"] == "ok", report
    assert report["outcome"]["status"] == "success", report
    layer = report["suggestions_layer"]
    assert layer["name"] == "Where to label next" and layer["labels"] is True
    assert layer["count"] == len(report["list"]) == 8
    assert report["list"][0].startswith("1. ")
    assert report["labelled"].startswith("Labelled as")
    assert report["samples"] == 4 + 1  # the four polygons came along, plus the new label
    for name in ("suggestions.png", "suggestions_map.png"):
        assert (tmp_path / name).stat().st_size > 20_000
