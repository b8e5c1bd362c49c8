"""Reading a class map for accuracy assessment: class names, pixel counts, values at samples.

A class map is a one-band raster of integer class codes (MetaMapper writes uint8, 0 =
nodata, the class names in ``METAMAPPER_CLASSES`` tags and as GDAL category names in the
``.aux.xml`` sidecar; other tools' maps work too, their codes then serve as names).

Everything here is windowed: pixel counts are accumulated tile by tile (:func:`iter_windows`)
and values under samples are read from the tiles that hold samples only, so a map of any
size costs the memory of one tile.
"""

from __future__ import annotations

import contextlib
import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

import numpy as np
import rasterio
import rasterio.features
import rasterio.windows
from rasterio.windows import Window

from ..errors import Cancelled, RasterError, RegionError
from ..messages import msg
from ..reading.raster_io import (
    RasterInfo,
    Region,
    apply_affine,
    geometry_is_usable,
    geometry_window,
    iter_tiles,
)
from ..reading.raster_io import make_region as _make_region
from ..reading.raster_io import open_raster_info as _open_raster_info

#: Side of the windows the class map is read in (1024^2 uint8 = 1 MiB; int32 4 MiB).
WINDOW = 1024
#: GDAL's block cache while reading a map (its default, 5 % of RAM, grows with the map).
GDAL_CACHE_BYTES = 128 * 2**20
INTEGER_KINDS = "iu"


@dataclass(frozen=True)
class ClassMapInfo:
    """A class map's grid and legend: code -> name (names from the file, else the codes)."""

    raster: RasterInfo
    names: Dict[int, str]  # code -> class name, as written in the file (may be empty)
    colours: Dict[int, Tuple[int, int, int]]
    pixel_area: float  # in CRS units squared (m² for projected CRSs in metres)
    linear_units: str  # "metre", "degree", ...
    path: str

    def name_of(self, code: int) -> str:
        return self.names.get(int(code), str(int(code)))

    @property
    def area_in_hectares(self) -> bool:
        """Hectares make sense only when map units are metres."""
        return self.linear_units in ("metre", "meter", "m", "metres", "meters")


def open_class_map(path: str) -> ClassMapInfo:
    """Check ``path`` is a usable class map (one integer band, CRS, georeferenced)."""
    info = _open_raster_info(path)
    name = Path(path).name
    with rasterio.open(path) as ds:
        dtype = ds.dtypes[0]
        if np.dtype(dtype).kind not in INTEGER_KINDS:
            raise RasterError(
                msg(
                    "The class map {name} holds {dtype} values; a class map holds integer "
                    "class codes. Choose the class map MetaMapper wrote (or convert yours "
                    "with gdal_translate -ot UInt16).",
                    name=name,
                    dtype=dtype,
                )
            )
        names = _names_from_tags(ds.tags()) or _names_from_aux(path)
        try:
            colours = {int(k): (int(v[0]), int(v[1]), int(v[2]))
                       for k, v in ds.colormap(1).items()}
        except ValueError:  # no colour table
            colours = {}
        crs = ds.crs
        units = ""
        try:
            units = (crs.linear_units or "").lower()
        except Exception:  # noqa: BLE001 - older rasterio/odd CRS
            units = ""
        if crs.is_geographic:
            units = "degree"
        res_x, res_y = ds.res
    return ClassMapInfo(
        raster=info, names=names, colours=colours, pixel_area=float(abs(res_x * res_y)),
        linear_units=units, path=str(path),
    )


def _names_from_tags(tags: Dict[str, str]) -> Dict[int, str]:
    """MetaMapper's own tags: METAMAPPER_CLASSES and METAMAPPER_CLASS_CODES (JSON lists)."""
    try:
        names = json.loads(tags.get("METAMAPPER_CLASSES", ""))
        codes = json.loads(tags.get("METAMAPPER_CLASS_CODES", ""))
    except (TypeError, ValueError):
        return {}
    if not isinstance(names, list) or not isinstance(codes, list) or len(names) != len(codes):
        return {}
    return {int(c): str(n) for c, n in zip(codes, names)}


def _names_from_aux(path: str) -> Dict[int, str]:
    """GDAL category names of band 1 from the PAM sidecar (``<map>.aux.xml``), if any."""
    aux = Path(str(path) + ".aux.xml")
    if not aux.exists():
        return {}
    try:
        root = ET.parse(aux).getroot()
    except ET.ParseError:
        return {}
    for band in root.iter("PAMRasterBand"):
        if band.get("band", "1") != "1":
            continue
        cats = band.find("CategoryNames")
        if cats is None:
            return {}
        return {i: (c.text or "").strip() for i, c in enumerate(cats.findall("Category"))
                if (c.text or "").strip()}
    return {}


@contextlib.contextmanager
def open_map(path: str) -> Iterator[Any]:
    """The class map opened for reading with GDAL's block cache capped (bytes: rasterio)."""
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES), rasterio.open(path) as ds:
        yield ds


def make_region(cmap: ClassMapInfo, geometries: Sequence[dict] | None) -> Region:
    """The region (polygons in the map's CRS, None = whole map) on the map's grid."""
    return _make_region(cmap.raster, geometries)


def iter_windows(
    region: Region, size: int | None = None
) -> Iterator[Tuple[Window, Tuple[slice, slice]]]:
    """Row-major windows covering the region's window (the same order on every call)."""
    size = WINDOW if size is None else size
    info_w = int(region.window.col_off + region.window.width)
    info_h = int(region.window.row_off + region.window.height)
    for tile in iter_tiles(region.window, size, 0, info_w, info_h):
        yield tile.window, tile.out


def read_codes(ds: Any, region: Region, window: Window) -> Tuple[np.ndarray, np.ndarray]:
    """(codes (h, w), valid (h, w)): valid = has data, not masked, inside the region."""
    data = ds.read(1, window=window)
    valid = ds.read_masks(1, window=window) > 0
    if region.geometries is not None:
        valid &= region.mask(window)
    return data, valid


def count_codes(data: np.ndarray, valid: np.ndarray) -> Dict[int, int]:
    """Pixels per class code among ``valid`` pixels (bincount for small unsigned codes)."""
    codes = data[valid]
    if codes.size == 0:
        return {}
    if codes.dtype.kind == "u" and codes.dtype.itemsize <= 2:
        counts = np.bincount(codes.astype(np.int64))
        return {int(c): int(n) for c, n in enumerate(counts) if n}
    values, counts = np.unique(codes, return_counts=True)
    return {int(v): int(n) for v, n in zip(values, counts)}


def class_pixel_counts(
    cmap: ClassMapInfo,
    region: Region,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> Dict[int, int]:
    """Pixels of every class code in the region (nodata and outside-region pixels excluded)."""
    total: Dict[int, int] = {}
    windows = list(iter_windows(region))
    with open_map(cmap.path) as ds:
        for i, (window, _out) in enumerate(windows):
            if is_cancelled is not None and is_cancelled():
                raise Cancelled()
            data, valid = read_codes(ds, region, window)
            for code, n in count_codes(data, valid).items():
                total[code] = total.get(code, 0) + n
            if progress is not None:
                progress((i + 1) / len(windows))
    if not total:
        raise RegionError(
            msg(
                "The class map holds no valid pixel in the chosen area (it is all nodata "
                "or the region misses it). Choose the class map's area, or leave the "
                "region empty.",
            )
        )
    return dict(sorted(total.items()))


# --------------------------------------------------------------------------- values at samples


@dataclass
class SampleValues:
    """Map class code under each sample; -1 where outside the map/region or on nodata."""

    codes: np.ndarray  # (n,) int64
    outside: List[int]  # sample indices outside the map (or its region)
    nodata: List[int]  # sample indices over nodata (or, polygons, no valid pixel)


def _point_xy(geom: dict) -> List[Tuple[float, float]]:
    if geom["type"] == "Point":
        return [tuple(geom["coordinates"][:2])]
    return [tuple(c[:2]) for c in geom["coordinates"]]  # MultiPoint


def map_codes_at(
    cmap: ClassMapInfo,
    geometries: Sequence[dict | None],
    region: Region | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> SampleValues:
    """The map class of every sample unit: the pixel under a point (first point of a
    MultiPoint), the majority class of the valid pixels inside a polygon.

    Points are grouped by :data:`WINDOW` tile so each tile holding samples is read once.
    """
    info = cmap.raster
    codes = np.full(len(geometries), -1, dtype=np.int64)
    outside: List[int] = []
    nodata: List[int] = []
    inv = ~info.transform
    by_tile: Dict[Tuple[int, int], List[Tuple[int, int, int]]] = {}
    polygons: List[Tuple[int, dict]] = []
    for i, geom in enumerate(geometries):
        if geom is None or not geometry_is_usable(geom):
            nodata.append(i)
            continue
        if geom["type"] in ("Point", "MultiPoint"):
            x, y = _point_xy(geom)[0]
            col_f, row_f = apply_affine(inv, x, y)
            row, col = math.floor(row_f), math.floor(col_f)
            if not (0 <= row < info.height and 0 <= col < info.width):
                outside.append(i)
                continue
            by_tile.setdefault((row // WINDOW, col // WINDOW), []).append((i, row, col))
        else:
            polygons.append((i, geom))
    with open_map(cmap.path) as ds:
        for (tr, tc), members in sorted(by_tile.items()):
            if is_cancelled is not None and is_cancelled():
                raise Cancelled()
            window = Window(tc * WINDOW, tr * WINDOW, min(WINDOW, info.width - tc * WINDOW),
                            min(WINDOW, info.height - tr * WINDOW))
            data = ds.read(1, window=window)
            valid = ds.read_masks(1, window=window) > 0
            inside = region.mask(window) if region is not None else None
            for i, row, col in members:
                r, c = row - tr * WINDOW, col - tc * WINDOW
                if inside is not None and not (_in_region_window(region, row, col)
                                               and inside[r, c]):
                    outside.append(i)
                elif not valid[r, c]:
                    nodata.append(i)
                else:
                    codes[i] = int(data[r, c])
        for i, geom in polygons:
            if is_cancelled is not None and is_cancelled():
                raise Cancelled()
            code = _polygon_majority(ds, info, geom, region)
            if code is None:
                if geometry_window(geom, info.transform, info.width, info.height) is None:
                    outside.append(i)
                else:
                    nodata.append(i)
            else:
                codes[i] = code
    return SampleValues(codes=codes, outside=sorted(outside), nodata=sorted(nodata))


def _in_region_window(region: Region | None, row: int, col: int) -> bool:
    if region is None:
        return True
    w = region.window
    return (int(w.row_off) <= row < int(w.row_off + w.height)
            and int(w.col_off) <= col < int(w.col_off + w.width))


def _polygon_majority(ds: Any, info: RasterInfo, geom: dict, region: Region | None) -> int | None:
    """Majority class of the valid pixels whose centre is in ``geom`` (all touched if none)."""
    window = geometry_window(geom, info.transform, info.width, info.height)
    if window is None:
        return None
    counts: Dict[int, int] = {}
    for all_touched in (False, True):
        for tile in iter_tiles(window, WINDOW, 0, info.width, info.height):
            data = ds.read(1, window=tile.window)
            valid = ds.read_masks(1, window=tile.window) > 0
            h, w = data.shape
            wt = rasterio.windows.transform(tile.window, info.transform)
            valid &= rasterio.features.geometry_mask(
                [geom], (h, w), wt, all_touched=all_touched, invert=True
            )
            if region is not None:
                valid &= region.mask(tile.window)
            for code, n in count_codes(data, valid).items():
                counts[code] = counts.get(code, 0) + n
        if counts:
            break  # a polygon smaller than a pixel: fall back to the pixels it touches
    if not counts:
        return None
    best = max(counts.values())
    return min(c for c, n in counts.items() if n == best)  # ties: the lowest code


def describe_codes(cmap: ClassMapInfo, codes: Sequence[int]) -> List[str]:
    return [cmap.name_of(c) for c in codes]
