"""Parameter checks shared by the Processing algorithms, run before anything is read.

Each failure is an :class:`InputProblem` whose message names the problem and the fix; the
algorithms turn it into a QgsProcessingException (or an invalid-parameter message).
"""

from __future__ import annotations

from qgis.core import QgsFeatureSource

from ..translation import translator

tr = translator("Checks")


class InputProblem(Exception):
    """A parameter problem found before anything runs (message: problem + fix)."""


def check_crs(source: QgsFeatureSource | None, what: str) -> None:
    """A layer without CRS cannot be placed on the map: refuse it by name."""
    if source is not None and not source.sourceCrs().isValid():
        name = source.sourceName() or what
        raise InputProblem(
            tr(
                "The {what} '{name}' has no coordinate reference system (CRS). Set it in "
                "Layer Properties > Source (or with 'Assign projection') and run again."
            ).format(what=what, name=name)
        )
