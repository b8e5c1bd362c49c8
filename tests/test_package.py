"""`make package` builds a zip that QGIS's "Install from ZIP" accepts."""

from __future__ import annotations

import configparser
import subprocess
import sys
import zipfile

from tests.conftest import ROOT


def test_zip_has_plugin_folder_and_no_dev_files(tmp_path) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "package.py"), "--out",
                    str(tmp_path)], check=True, capture_output=True, timeout=120)
    (zip_path,) = tmp_path.glob("metamapper-*.zip")
    names = zipfile.ZipFile(zip_path).namelist()
    assert "metamapper/metadata.txt" in names
    assert "metamapper/__init__.py" in names
    assert "metamapper/plugin.py" in names
    assert "metamapper/resources/icon.svg" in names
    for shipped in ("qt_compat.py", "core/pipeline.py", "core/steps.py",
                    "core/reading/raster_io.py", "core/predicting/classifier_file.py",
                    "provider/apply_classifier.py"):
        assert f"metamapper/{shipped}" in names, shipped
    assert any(n.startswith("metamapper/core/") for n in names)
    assert any(n.startswith("metamapper/provider/") for n in names)
    assert all(n.startswith("metamapper/") for n in names)
    forbidden = ("/tests/", "/.venv", "/bench/", "__pycache__", ".pyc", "/.git", "/.ci/",
                 "/build/", "/metatrain/", "/training/", "/experiments/", "Makefile",
                 "pyproject.toml")
    assert not [n for n in names if any(f in n for f in forbidden)]
    meta = configparser.ConfigParser()
    meta.read_string(zipfile.ZipFile(zip_path).read("metamapper/metadata.txt").decode())
    assert meta["general"]["qgisMinimumVersion"] == "3.22"
    assert meta["general"]["hasProcessingProvider"] == "yes"


def test_metadata_has_every_repository_field() -> None:
    meta = configparser.ConfigParser()
    meta.read(ROOT / "metadata.txt")
    general = meta["general"]
    for key in ("name", "description", "about", "version", "qgisMinimumVersion", "author",
                "email", "homepage", "tracker", "repository", "tags", "category", "icon",
                "experimental", "hasProcessingProvider", "supportsQt6"):
        assert general.get(key), key
    assert (ROOT / general["icon"]).is_file()
