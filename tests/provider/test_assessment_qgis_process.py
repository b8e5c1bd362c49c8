"""``qgis_process`` runs the two assessment algorithms (as a server or CI job would)."""

from __future__ import annotations

import json

import pytest

from .test_assessment_algorithms import class_map, fill_reference  # noqa: F401 (fixture)
from .test_qgis_process import QGIS_PROCESS, _qgis_process, enabled_profile  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(QGIS_PROCESS is None, reason="qgis_process.bin is not installed"),
]


def _results(done):
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(done.stdout[done.stdout.index("{"):])["results"]


def test_qgis_process_samples_then_assesses(enabled_profile, class_map, tmp_path):  # noqa: F811
    from qgis.core import QgsVectorLayer

    points = tmp_path / "sample.gpkg"
    results = _results(_qgis_process(
        ["--json", "run", "metamapper:validation_sample", "--", f"INPUT={class_map}",
         "SAMPLE_SIZE=30", "ALLOCATION=1", "SEED=5", f"OUTPUT={points}"],
        enabled_profile,
    ))
    assert results["TOTAL"] == 30 and results["CLASS_COUNT"] == 3
    layer = QgsVectorLayer(str(points), "sample", "ogr")
    assert layer.featureCount() == 30
    fill_reference(layer, wrong={1})
    html, csv = tmp_path / "report.html", tmp_path / "report.csv"
    results = _results(_qgis_process(
        ["--json", "run", "metamapper:assess_accuracy", "--", f"INPUT={class_map}",
         f"VALIDATION={points}", "REFERENCE_FIELD=reference_class", "DESIGN=0",
         f"OUTPUT_HTML={html}", f"OUTPUT_CSV={csv}"],
        enabled_profile,
    ))
    assert results["OVERALL_ACCURACY"] == pytest.approx(29 / 30)
    assert results["SAMPLE_COUNT"] == 30 and results["OVERALL_ACCURACY_SE"] > 0
    assert html.exists() and csv.exists()


def test_qgis_process_refuses_unknown_reference_classes(enabled_profile, class_map,  # noqa: F811
                                                        tmp_path):
    from qgis.core import QgsVectorLayer

    points = tmp_path / "sample.gpkg"
    _results(_qgis_process(["--json", "run", "metamapper:validation_sample", "--",
                            f"INPUT={class_map}", "SAMPLE_SIZE=9", f"OUTPUT={points}"],
                           enabled_profile))
    fill_reference(QgsVectorLayer(str(points), "s", "ogr"), wrong={2}, value="clouds")
    html = tmp_path / "bad.html"
    done = _qgis_process(["run", "metamapper:assess_accuracy", "--", f"INPUT={class_map}",
                          f"VALIDATION={points}", "REFERENCE_FIELD=reference_class",
                          f"OUTPUT_HTML={html}"], enabled_profile)
    assert done.returncode != 0
    assert "not classes of the class map: 'clouds' (1)" in done.stdout + done.stderr
    assert not html.exists()
