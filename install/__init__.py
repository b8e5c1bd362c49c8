"""Install MetaMapper's Python packages into QGIS's own Python, from inside QGIS or headless.

Deep-learning packages are the first hurdle of every QGIS machine-learning plugin: the
system pip refuses to touch a distribution's Python (PEP 668), and on Windows and macOS
QGIS's interpreter is hidden behind the QGIS binary. So the packages go into a folder of
the QGIS *profile* (``<profile>/python/dependencies/metamapper/<cpXY>``), outside the plugin
folder so that a plugin update keeps them, with ``pip --target`` run by QGIS's own
interpreter; :func:`activate` appends that folder to ``sys.path`` when the plugin loads (and
again right after an install, so no restart is needed). Appended, never prepended: what QGIS
already ships (numpy, GDAL, scipy...) always wins, and the installer removes any copy of it
from the folder anyway.

Pure Python (no qgis, no Qt): ``plan`` decides what to run, ``runner`` runs it;
``python3 -m metamapper.install`` is the headless door, ``ui/install_dialog.py`` the QGIS one.
"""

from __future__ import annotations

import sys

from .paths import dependencies_dir, profile_dir


def activate(profile: str | None = None) -> str:
    """Append this profile's dependency folder to ``sys.path`` (once); return it."""
    import importlib

    folder = str(dependencies_dir(profile_dir(profile)))
    if folder not in sys.path:
        sys.path.append(folder)
    importlib.invalidate_caches()
    return folder


__all__ = ["activate", "dependencies_dir", "profile_dir"]
