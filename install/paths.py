"""Where the packages go: a folder of the QGIS profile, one per Python ABI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: ``<profile>/python/dependencies/metamapper/<python tag>``
SUBFOLDER = ("python", "dependencies", "metamapper")


def python_tag(version: tuple[int, int] | None = None) -> str:
    """``cp311`` for CPython 3.11: wheels of one Python never load in another."""
    major, minor = version or sys.version_info[:2]
    return f"cp{major}{minor}"


def default_profile(system: str | None = None, env: dict | None = None,
                    home: Path | None = None) -> Path:
    """The ``default`` QGIS profile folder QGIS itself would use on ``system``.

    ``QGIS_CUSTOM_CONFIG_PATH`` (what QGIS reads too) puts the profiles under that folder.
    """
    import platform

    env = dict(os.environ) if env is None else env
    system = system or platform.system()
    home = home or Path.home()
    custom = env.get("QGIS_CUSTOM_CONFIG_PATH")
    if custom:
        return Path(custom) / "profiles" / "default"
    if system == "Windows":
        root = Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "QGIS" / "QGIS3"
    elif system == "Darwin":
        root = home / "Library" / "Application Support" / "QGIS" / "QGIS3"
    else:
        data = env.get("XDG_DATA_HOME") or str(home / ".local" / "share")
        root = Path(data) / "QGIS" / "QGIS3"
    return root / "profiles" / "default"


def profile_dir(profile: str | os.PathLike | None = None) -> Path:
    """The given profile folder; else the running QGIS's; else the default profile."""
    if profile:
        return Path(profile)
    if "qgis.core" in sys.modules:  # inside QGIS (or qgis_process): ask it
        try:
            from qgis.core import QgsApplication

            found = QgsApplication.qgisSettingsDirPath()
            if found:
                return Path(found)
        except Exception:  # noqa: BLE001 - no application yet: fall back to the default
            pass
    return default_profile()


def dependencies_dir(profile: Path, version: tuple[int, int] | None = None) -> Path:
    return Path(profile).joinpath(*SUBFOLDER, python_tag(version))
