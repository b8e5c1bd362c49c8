"""Shared test set-up.

The repository root *is* the plugin folder, so tests import it as the package
``metamapper`` through a symlink in ``build/pkg`` (the same folder ``QGIS_PLUGINPATH``
points at for qgis_process and the Xvfb checks).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG_PARENT = ROOT / "build" / "pkg"


def _ensure_package_link() -> None:
    PKG_PARENT.mkdir(parents=True, exist_ok=True)
    link = PKG_PARENT / "metamapper"
    if not link.exists():
        with contextlib.suppress(FileExistsError):  # a parallel run won the race
            link.symlink_to(ROOT, target_is_directory=True)
    if str(PKG_PARENT) not in sys.path:
        sys.path.insert(0, str(PKG_PARENT))


_ensure_package_link()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for plugins in ("/usr/share/qgis/python/plugins", "/usr/share/qgis/python"):
    if plugins not in sys.path and Path(plugins).is_dir():
        sys.path.append(plugins)


# ------------------------------------------------------------------ shared fixtures
import pytest  # noqa: E402  (fixtures below need the path set-up above)


@pytest.fixture()
def processing_provider(qgis_app):
    """Processing initialised, with a MetaMapper provider registered (re-registered if a
    plugin load/unload test removed it)."""
    from metamapper.provider.provider import MetaMapperProvider
    from processing.core.Processing import Processing
    from qgis.core import QgsApplication

    Processing.initialize()
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("metamapper")
    if provider is None:
        provider = MetaMapperProvider()
        assert registry.addProvider(provider)
        _KEEP.append(provider)  # the registry does not keep the Python object alive
    return provider


_KEEP: list = []


@pytest.fixture(scope="session")
def model_file(tmp_path_factory) -> Path:
    """A tiny, really (briefly) meta-trained model: the tests never need the bundled one."""
    from tests.model_factory import make_model_file

    return make_model_file(tmp_path_factory.mktemp("model"), episodes=30)
