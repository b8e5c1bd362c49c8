"""The engine never pulls in QGIS or Qt, and importing it stays light (no torch)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PKG_PARENT = Path(__file__).resolve().parents[2] / "build" / "pkg"


def imported_after(statement: str) -> set:
    code = (
        f"import sys; sys.path.insert(0, {str(PKG_PARENT)!r}); {statement}; "
        "import json; print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_pipeline_imports_no_qgis_or_qt_and_no_torch():
    mods = imported_after("import metamapper.core.pipeline")
    bad = {m for m in mods if m.split(".")[0] in ("qgis", "PyQt5", "PyQt6", "sip")}
    assert not bad, bad
    assert "torch" not in mods  # torch is imported when map_region runs, not at import


def test_core_package_is_import_light():
    mods = imported_after("import metamapper.core")
    assert not {"torch", "rasterio", "qgis"} & {m.split(".")[0] for m in mods}


def test_every_engine_module_imports_without_qgis():
    mods = imported_after(
        "import metamapper.core.reading.raster_io, metamapper.core.adapting.sampling, "
        "metamapper.core.predicting.predict, metamapper.core.adapting.accuracy, "
        "metamapper.core.errors"
    )
    assert not {m for m in mods if m.split(".")[0] in ("qgis", "PyQt5")}
