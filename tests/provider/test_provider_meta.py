"""The provider's face: light to load, documented, findable; missing packages explained."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsProcessingException

from .conftest import point_labels

ROOT = Path(__file__).resolve().parents[2]


def test_loading_the_provider_imports_no_heavy_package():
    code = (
        "import sys; sys.path.insert(0, {pkg!r})\n"
        "from qgis.core import QgsApplication\n"
        "app = QgsApplication([], False); app.initQgis()\n"
        "from metamapper.provider.provider import MetaMapperProvider\n"
        "p = MetaMapperProvider(); QgsApplication.processingRegistry().addProvider(p)\n"
        "assert p.algorithm('fewshot_classify') is not None\n"
        "heavy = [m for m in ('torch', 'rasterio', 'sklearn') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    ).format(pkg=str(ROOT / "build" / "pkg"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin"})
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr


def test_identity_icon_group_tags(processing_provider):
    alg = QgsApplication.processingRegistry().algorithmById("metamapper:fewshot_classify")
    assert alg.displayName() == "Few-shot classify raster"
    assert processing_provider.name() == "MetaMapper"
    assert alg.group() and alg.groupId()
    assert not alg.icon().isNull() and Path(alg.svgIconPath()).is_file()
    assert {"few-shot", "meta-learning", "classification"} <= set(alg.tags())
    assert processing_provider.supportedOutputRasterLayerExtensions() == ["tif"]


def test_every_help_is_one_line_of_html(processing_provider):
    """Processing's dialog makes a paragraph of every line of shortHelpString, so a help
    wrapped in the source showed as paragraph gaps."""
    algs = processing_provider.algorithms()
    assert len(algs) == 4
    for alg in algs:
        text = alg.shortHelpString()
        assert text.startswith("<") and "\n" not in text, alg.id()


def test_help_documents_every_parameter_and_output(processing_provider):
    alg = QgsApplication.processingRegistry().algorithmById("metamapper:fewshot_classify")
    help_text = alg.shortHelpString()
    names = [d.name() for d in alg.parameterDefinitions()]
    names += [o.name() for o in alg.outputDefinitions()]
    missing = [n for n in names if not re.search(rf"\b{n}\b", help_text)]
    assert missing == []
    # and the public parameter names of the Processing issue are all there
    assert {"INPUT", "TRAINING", "CLASS_FIELD", "REGION", "MODEL", "DEVICE", "SEED",
            "OUTPUT", "OUTPUT_CONFIDENCE"} <= set(names)


def test_missing_packages_give_the_install_command(scene, run_alg, tmp_path, monkeypatch):
    from metamapper.core import deps

    monkeypatch.setattr(deps, "missing_runtime_packages", lambda: ["torch"])
    with pytest.raises(QgsProcessingException,
                       match=r"(?s)missing: torch.*Install dependencies.*metamapper.install"):
        run_alg(INPUT=str(scene.path), TRAINING=point_labels(), CLASS_FIELD="cls",
                OUTPUT=str(tmp_path / "map.tif"))
    assert not (tmp_path / "map.tif").exists()
