"""The whole workflow in a real QGIS window under Xvfb (scripts/screenshot_workflow.py)."""

from __future__ import annotations

import shutil

import pytest

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


@pytest.mark.skipif(shutil.which("xvfb-run") is None or shutil.which("qgis") is None,
                    reason="needs QGIS and xvfb-run (make install provides both)")
def test_real_window_panel_region_run_and_styled_result(tmp_path) -> None:
    from scripts.screenshot_workflow import run

    report = run(tmp_path)
    assert report["status"] == "ok", report
    outcome = report["outcome"]
    assert outcome["status"] == "success", report
    assert outcome["renderers"] == ["QgsPalettedRasterRenderer",
                                    "QgsSingleBandPseudoColorRenderer"]
    assert outcome["results"]["CLASSES"] == "crop,developed,tree,water"
    assert any(step.startswith("region: Drawn region") for step in report["steps"])
    for name in ("workflow_panel.png", "workflow_result.png", "workflow_map.png"):
        assert (tmp_path / name).stat().st_size > 20_000
