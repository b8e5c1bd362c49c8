"""Lazy, checked imports of the heavy runtime dependencies.

QGIS loads plugins at start-up; importing torch there would cost seconds and turn a missing
package into a traceback. Everything heavy goes through :func:`require_runtime` instead, which
names the missing packages and the exact command that installs them into QGIS's Python.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from .messages import Message, msg

#: The packages the plugin needs inside QGIS's Python, with the versions we test.
RUNTIME_PACKAGES: dict[str, str] = {
    "torch": "torch",
    "numpy": "numpy<2",
    "rasterio": "rasterio",
    "sklearn": "scikit-learn",
}


def missing_runtime_packages() -> list[str]:
    """Return the pip requirement strings of runtime packages that cannot be imported."""
    importlib.invalidate_caches()  # a folder the installer just filled is seen at once
    return [req for mod, req in RUNTIME_PACKAGES.items() if importlib.util.find_spec(mod) is None]


def install_command(python: str | None = None, system: str | None = None) -> str:
    """The headless installer, run with QGIS's Python from the folder of QGIS's plugins.

    It installs into the QGIS profile (``pip --target``), which PEP 668 allows; a plain
    ``pip install --user`` is refused by Debian 12+ and Ubuntu 23.04+ system Pythons.
    """
    import platform

    system = system or platform.system()
    python = python or str(Path(sys.executable))
    # Inside QGIS sys.executable can be the qgis binary; fall back to the usual interpreter.
    if "python" not in Path(python).name.lower():
        python = "python" if system == "Windows" else "python3"
    plugins = Path(__file__).resolve().parents[2]
    cd = f'cd /d "{plugins}"' if system == "Windows" else f'cd "{plugins}"'
    return f"{cd} && {python} -m metamapper.install --yes"


def missing_runtime_message(missing: list[str]) -> Message:
    """A user-facing message naming what is missing and how to install it."""
    return msg(
        "MetaMapper needs these Python packages in QGIS's Python, and they are missing: "
        "{packages}.\nInstall them in one click with Plugins ▸ MetaMapper ▸ Install "
        "dependencies… (into your QGIS profile; no restart needed), or from a terminal:\n"
        "    {command}\n(CPU-only torch is enough; a CUDA build of torch is used "
        "automatically when present.)",
        packages=", ".join(missing),
        command=install_command(),
    )


def require_runtime() -> None:
    """Raise :class:`~.errors.DependencyError` when a runtime package is missing."""
    missing = missing_runtime_packages()
    if missing:
        from .errors import DependencyError

        raise DependencyError(missing_runtime_message(missing))
