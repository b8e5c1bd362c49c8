"""What the engine knows of an input raster: its metadata, never its pixels.

The bottom of the reading stage: windows, reads and outputs all describe a raster by a
:class:`RasterInfo` (``raster_io.open_raster_info`` makes one).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, List, Sequence, Tuple

from affine import Affine
from rasterio.windows import Window

from .raw_reads import RawLayout

__all__ = ["RasterInfo", "apply_affine"]


def apply_affine(t: Affine, x: Any, y: Any) -> Tuple[Any, Any]:
    """``t`` applied to the point (x, y), written out: affine 3 (QGIS 3.44's Debian)
    deprecates ``t * (x, y)`` for ``t @ (x, y)``, which affine 2 (QGIS 3.22's venv) lacks.
    Floats or NumPy arrays of coordinates alike."""
    return t.a * x + t.b * y + t.c, t.d * x + t.e * y + t.f


@dataclass(frozen=True)
class RasterInfo:
    """What the engine needs to know about an input raster (metadata only, no pixels)."""

    path: str
    width: int
    height: int
    count: int
    dtype: str
    read_dtype: str
    crs_wkt: str
    crs_is_geographic: bool
    transform: Affine
    nodata: Tuple[float | None, ...]
    mask_mode: str  # "none" | "nodata" | "mask" (internal/alpha/per-dataset mask)
    wavelengths_nm: List[float] | None = None
    warnings: Tuple[str, ...] = ()
    wavelength_source: str = ""  # where wavelengths_nm came from ("" = none found)
    flagged_bad_bands: Tuple[int, ...] = ()  # 1-based, bad per the metadata (ENVI bbl)
    flagged_bad_source: str = ""
    band_indexes: Tuple[int, ...] | None = None  # 1-based bands read; None = all
    raw_layout: RawLayout | None = None  # uncompressed ENVI: read straight from the file

    def select_bands(self, keep: Sequence[int]) -> RasterInfo:
        """The same raster read with only the bands ``keep`` (1-based, of all its bands):
        :func:`read_block` then reads those, and ``count``/``nodata``/wavelengths follow."""
        keep = tuple(int(b) for b in keep)
        current = self.band_indexes or tuple(range(1, self.count + 1))
        pos = [current.index(b) for b in keep]
        wl = self.wavelengths_nm
        return replace(
            self,
            count=len(keep),
            nodata=tuple(self.nodata[i] for i in pos),
            wavelengths_nm=None if wl is None else [wl[i] for i in pos],
            band_indexes=keep,
        )

    @property
    def full_window(self) -> Window:
        return Window(0, 0, self.width, self.height)

    @property
    def bounds(self) -> Tuple[float, float, float, float]:
        left, top = apply_affine(self.transform, 0, 0)
        right, bottom = apply_affine(self.transform, self.width, self.height)
        return (min(left, right), min(top, bottom), max(left, right), max(top, bottom))
