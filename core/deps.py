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
    return [req for mod, req in RUNTIME_PACKAGES.items() if importlib.util.find_spec(mod) is None]


def install_command(requirements: list[str]) -> str:
    """The command that installs ``requirements`` into the Python running this code."""
    python = Path(sys.executable)
    # Inside QGIS sys.executable can be the qgis binary; fall back to the usual interpreter.
    if "python" not in python.name.lower():
        python = Path("python3")
    quoted = " ".join(f'"{r}"' if "<" in r or ">" in r else r for r in requirements)
    return f"{python} -m pip install --user {quoted}"


def missing_runtime_message(missing: list[str]) -> Message:
    """A user-facing message naming what is missing and how to install it."""
    return msg(
        "MetaMapper needs these Python packages in QGIS's Python, and they are missing: "
        "{packages}.\nInstall them with:\n    {command}\nthen restart QGIS. (CPU-only torch "
        "is enough; a CUDA build of torch is used automatically when present.)",
        packages=", ".join(missing),
        command=install_command(missing),
    )


def require_runtime() -> None:
    """Raise :class:`~.errors.DependencyError` when a runtime package is missing."""
    missing = missing_runtime_packages()
    if missing:
        from .errors import DependencyError

        raise DependencyError(missing_runtime_message(missing))
