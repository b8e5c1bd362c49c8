"""User-facing failures of the engine: each message says what is wrong and how to fix it.

The doors (Processing provider, panel) catch :class:`MetaMapperError` and show its message
as is (QgsProcessingException / message bar), so every message must name the problem AND
the fix. Anything else escaping the engine is a bug.
"""

from __future__ import annotations

from .messages import Message, msg


class MetaMapperError(Exception):
    """Base class of every MetaMapper failure shown to the user.

    Raised with a :func:`~.messages.msg` message, it keeps the message's ``template`` and
    ``params`` so that the QGIS side can show it translated (``str(error)`` stays English).
    """

    @property
    def message(self) -> Message | str:
        first = self.args[0] if self.args else ""
        return first if isinstance(first, Message) else str(self)


class ModelFileError(MetaMapperError):
    """A model file is missing, damaged, of an unknown format, or unsafe to load."""


class DependencyError(MetaMapperError):
    """A runtime package (torch, rasterio, ...) is missing from QGIS's Python."""


class InputError(MetaMapperError):
    """Something the user gave the engine cannot be used as it is."""


class RasterError(InputError):
    """The raster cannot be read or used: no CRS, unsupported dtype, too many bands, ..."""


class LabelError(InputError):
    """The labelled features do not make a usable support set (too few classes, ...)."""


class RegionError(InputError):
    """The target region does not overlap the raster or holds no valid pixel."""


class OutputError(MetaMapperError):
    """An output file cannot be written (folder not writable, disk full, ...)."""


class DeviceError(MetaMapperError):
    """The requested compute device cannot be used."""


class Cancelled(MetaMapperError):
    """The user cancelled the run; no output file was left behind."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message if message is not None
                         else msg("Cancelled by the user; no output was written."))
