"""Raster reading and writing for the engine: windows, tiles with halo, masks, atomic GeoTIFFs.

Nothing here reads a whole raster of unbounded size: callers get pixel windows (the region's
bounding window, tiles of it with a halo) and read them one at a time. Only a raster whose
decoded values fit in :data:`DECODE_WHOLE_MAX` (what GDAL's block cache would hold of it
anyway) is decoded once, whole, into memory (:func:`decode_whole`). Outputs are written under a
temporary name in the destination folder and renamed only when the run succeeded, so a
failed or cancelled run leaves nothing and an overwritten output is never half-written.

Dtype policy: uint8/uint16/int16/int32/float32/float64 are read as they are; int8, uint32,
int64, uint64 and float16 are read as float64 (lossless for all but huge 64-bit integers)
with a warning; complex rasters are refused (no ordering of classes on complex numbers:
convert them to magnitude/phase bands first).
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

import numpy as np
import rasterio
import rasterio.env
import rasterio.errors
import rasterio.features
from affine import Affine
from rasterio.enums import Interleaving, MaskFlags
from rasterio.windows import Window

from .band_metadata import read_band_metadata
from .errors import OutputError, RasterError, RegionError
from .messages import msg

MAX_BANDS = 300
NATIVE_DTYPES = ("uint8", "uint16", "int16", "int32", "float32", "float64")
CONVERTED_DTYPES = ("int8", "uint32", "int64", "uint64", "float16")
CONFIDENCE_NODATA = -1.0
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")

# A qualitative palette (ColorBrewer Set1/Paired/Dark2 mix) for classes without a colour.
PALETTE: Tuple[Tuple[int, int, int], ...] = (
    (31, 120, 180), (51, 160, 44), (227, 26, 28), (255, 127, 0), (106, 61, 154),
    (177, 89, 40), (166, 206, 227), (178, 223, 138), (251, 154, 153), (253, 191, 111),
    (202, 178, 214), (255, 255, 153), (27, 158, 119), (217, 95, 2), (117, 112, 179),
    (231, 41, 138), (102, 166, 30), (230, 171, 2), (166, 118, 29), (102, 102, 102),
)  # fmt: skip


# --------------------------------------------------------------------------- raster info


#: ENVI ``data type`` codes -> NumPy types (complex ones are refused before any read).
ENVI_DTYPES = {1: "u1", 2: "i2", 3: "i4", 4: "f4", 5: "f8", 12: "u2", 13: "u4", 14: "i8",
               15: "u8"}  # fmt: skip
#: ``METAMAPPER_RAW_READS=0`` reads ENVI files through GDAL like any other raster.
RAW_READS_ENV = "METAMAPPER_RAW_READS"


@contextlib.contextmanager
def reading(path: str | os.PathLike) -> Iterator[None]:
    """Turn GDAL's failure to read pixels of ``path`` (a damaged or truncated file: "Read
    failed. See previous exception for details.") into a RasterError that says what to do."""
    try:
        yield
    except rasterio.errors.RasterioIOError as exc:
        detail = str(exc.__cause__ or exc).strip() or type(exc).__name__
        raise RasterError(
            msg(
                "Reading the pixels of {name} failed ({detail}): the file is damaged or "
                "incomplete (an interrupted copy or download?). Check it with gdalinfo "
                "-checksum, then copy or export it again.",
                name=Path(path).name,
                detail=detail,
            )
        ) from exc


@dataclass(frozen=True)
class RawLayout:
    """Where an uncompressed ENVI raster's values lie in its file (BSQ, BIL or BIP), or a
    small compressed raster's values once decoded whole into memory (``values``, BSQ).

    GDAL reads such a file row by row and band by band: a 130 x 130 window of a 204-band
    BSQ cube is 26,520 reads of 260 bytes (0.06-0.09 s), and scattered points cost a
    window each. Mapped into memory (:func:`read_raw`), a window is one strided copy
    (5-18x faster, measured) and points are read where they are.
    """

    path: str
    offset: int  # bytes before the first value (ENVI ``header offset``)
    interleave: str  # "bsq" | "bil" | "bip"
    dtype: str  # NumPy type with its byte order, e.g. "<u2"
    bands: int
    height: int
    width: int
    #: the decoded values (bands, height, width) of :func:`decode_whole`; None: the file
    values: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def shape(self) -> Tuple[int, int, int]:
        """The file's array shape in its own axis order."""
        b, h, w = self.bands, self.height, self.width
        return {"bsq": (b, h, w), "bil": (h, b, w), "bip": (h, w, b)}[self.interleave]


def raw_reads_enabled() -> bool:
    """Whether the engine may read around GDAL (raw ENVI files, rasters decoded whole):
    ``METAMAPPER_RAW_READS=0`` (or false/no) makes every read go through GDAL."""
    return os.environ.get(RAW_READS_ENV, "1").strip() not in ("0", "false", "no")


def raw_layout(ds: Any) -> RawLayout | None:
    """The raw layout of an uncompressed ENVI dataset, or None (then GDAL reads it)."""
    if not raw_reads_enabled():
        return None
    try:
        if ds.driver != "ENVI":
            return None
        tags = {k.lower(): str(v).strip() for k, v in ds.tags(ns="ENVI").items()}
        code = int(tags.get("data_type", ""))
        interleave = tags.get("interleave", "").lower()
        order = "<" if int(tags.get("byte_order", "0")) == 0 else ">"
        offset = int(tags.get("header_offset", "0"))
        if (code not in ENVI_DTYPES or interleave not in ("bsq", "bil", "bip")
                or tags.get("file_compression", "0") not in ("0", "")
                or int(tags.get("samples", -1)) != ds.width
                or int(tags.get("lines", -1)) != ds.height
                or int(tags.get("bands", ds.count)) != ds.count
                or len(set(ds.dtypes)) != 1):  # fmt: skip
            return None
        dtype = np.dtype(order + ENVI_DTYPES[code])
        if dtype.newbyteorder("=") != np.dtype(ds.dtypes[0]):
            return None
        if any(s != 1.0 for s in ds.scales) or any(o != 0.0 for o in ds.offsets):
            return None
        path = str(ds.files[0])
        need = offset + dtype.itemsize * ds.count * ds.height * ds.width
        if not os.path.isfile(path) or os.path.getsize(path) < need:
            return None
    except Exception:  # noqa: BLE001 - anything unexpected: GDAL reads it
        return None
    return RawLayout(path, offset, interleave, dtype.str, ds.count, ds.height, ds.width)


def _from_mapped(layout: RawLayout, take: Callable[[np.ndarray], np.ndarray],
                 out_dtype: str) -> np.ndarray:
    """``take(values)`` copied out of the file mapped for this one read, then unmapped:
    ``values`` is the file's array in its own axis order (:attr:`RawLayout.shape`). No
    handle or mapping outlives the read (Windows can then rename or delete the file, and
    mapped pages do not pile up in the resident set)."""
    import mmap

    if layout.values is not None:  # decoded whole (decode_whole): a copy from memory
        return np.array(take(layout.values), dtype=np.dtype(out_dtype), order="C")

    count = int(np.prod(layout.shape))
    with open(layout.path, "rb") as fh:
        size = layout.offset + count * np.dtype(layout.dtype).itemsize
        mm = mmap.mmap(fh.fileno(), size, access=mmap.ACCESS_READ)
        try:
            values = np.frombuffer(mm, dtype=layout.dtype, count=count,
                                   offset=layout.offset).reshape(layout.shape)  # fmt: skip
            out = np.array(take(values), dtype=np.dtype(out_dtype), order="C")
            del values  # no view of the mapping may outlive it
        finally:
            mm.close()
    return out


def _band_index(indexes: Sequence[int] | None, bands: int) -> Any:
    """0-based band selection: a slice for all (or a contiguous run of) bands, else a list."""
    if indexes is None:
        return slice(0, bands)
    idx = [int(i) - 1 for i in indexes]
    if idx == list(range(idx[0], idx[0] + len(idx))):
        return slice(idx[0], idx[0] + len(idx))
    return np.asarray(idx, dtype=np.intp)


def read_raw(layout: RawLayout, window: Window, indexes: Sequence[int] | None,
             out_dtype: str, copy: bool = True) -> np.ndarray:
    """(B, h, w) values of ``window`` (bands ``indexes``, 1-based; None = all), as GDAL's
    ``read(indexes, window=window, out_dtype=out_dtype)`` returns them. ``copy=False``: a
    read-only view where the raster is decoded in memory and no conversion is needed."""
    r0, c0 = int(window.row_off), int(window.col_off)
    r = slice(r0, r0 + int(window.height))
    c = slice(c0, c0 + int(window.width))
    bands = _band_index(indexes, layout.bands)

    def take(arr: np.ndarray) -> np.ndarray:
        if layout.interleave == "bsq":
            return arr[bands, r, c]
        if layout.interleave == "bil":
            return arr[r, bands, c].transpose(1, 0, 2)
        return arr[r, c, bands].transpose(2, 0, 1)

    if not copy and layout.values is not None and layout.values.dtype == np.dtype(out_dtype):
        view = take(layout.values)
        if isinstance(bands, slice):  # basic slicing: a view, never to be written through
            view.flags.writeable = False
            return view
        return np.ascontiguousarray(view)  # a band list: NumPy made a copy already
    return _from_mapped(layout, take, out_dtype)


def read_raw_points(layout: RawLayout, rows: np.ndarray, cols: np.ndarray,
                    indexes: Sequence[int] | None, out_dtype: str) -> np.ndarray:
    """(B, n) values of the pixels (rows, cols), read where they lie in the file."""
    bands = _band_index(indexes, layout.bands)
    rows = np.asarray(rows, dtype=np.intp)
    cols = np.asarray(cols, dtype=np.intp)

    def take(arr: np.ndarray) -> np.ndarray:
        if layout.interleave == "bsq":
            if isinstance(bands, slice):
                return arr[bands, rows, cols]
            return arr[bands[:, None], rows[None], cols[None]]
        if layout.interleave == "bil":
            return arr[rows, :, cols][:, bands].T  # (n, all bands) first: n x B values
        return arr[rows, cols][:, bands].T

    return _from_mapped(layout, take, out_dtype)


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


def open_raster_info(path: str | os.PathLike) -> RasterInfo:
    """Check a raster is usable and describe it; RasterError names the problem and fix."""
    path = str(path)
    if not os.path.exists(path):
        raise RasterError(msg(
            "Raster not found: {path}. Choose an existing raster file.",
            path=path,
        ))
    try:
        ds = rasterio.open(path)
    except Exception as exc:  # noqa: BLE001 - GDAL error types vary
        raise RasterError(
            msg(
                "Cannot open {name} as a raster ({exc}). Choose a GDAL-readable raster "
                "such as a GeoTIFF.",
                name=Path(path).name,
                exc=exc,
            )
        ) from exc
    with ds:
        warnings: List[str] = []
        if ds.crs is None or not ds.crs.to_wkt():
            raise RasterError(
                msg(
                    "Raster {name} has no coordinate reference system, so labelled "
                    "features cannot be placed on it. Assign its CRS first (Raster > "
                    "Projections > Assign Projection, or gdal_edit.py -a_srs EPSG:xxxx).",
                    name=Path(path).name,
                )
            )
        if ds.transform == Affine.identity():
            raise RasterError(
                msg(
                    "Raster {name} is not georeferenced (identity transform). Georeference "
                    "it first (Georeferencer, or gdal_translate -a_ullr).",
                    name=Path(path).name,
                )
            )
        if ds.count < 1:
            raise RasterError(msg(
                "Raster {name} has no band. Choose a raster with data.",
                name=Path(path).name,
            ))
        if ds.count > MAX_BANDS:
            raise RasterError(
                msg(
                    "Raster {name} has {ds_count} bands; MetaMapper supports at most "
                    "{max_bands}. Select a subset of bands first (e.g. gdal_translate -b "
                    "...).",
                    name=Path(path).name,
                    ds_count=ds.count,
                    max_bands=MAX_BANDS,
                )
            )
        dtypes = set(ds.dtypes)
        if len(dtypes) != 1:
            read_dtype = "float64"
            warnings.append(msg(
                "Bands have different data types {dtypes}; read as float64.",
                dtypes=sorted(dtypes),
            ))
            dtype = "mixed"
        else:
            dtype = ds.dtypes[0]
            if dtype.startswith("complex"):
                raise RasterError(
                    msg(
                        "Raster {name} has complex values ({dtype}), which cannot be "
                        "classified. Convert it to real bands first (e.g. amplitude and "
                        "phase with the Raster Calculator, or gdal_translate -ot Float32 "
                        "for the real part).",
                        name=Path(path).name,
                        dtype=dtype,
                    )
                )
            if dtype in NATIVE_DTYPES:
                read_dtype = dtype
            elif dtype in CONVERTED_DTYPES:
                read_dtype = "float64"
                warnings.append(
                    msg(
                        "Raster data type {dtype} is read as float64 (values are kept "
                        "exactly except 64-bit integers beyond 2^53).",
                        dtype=dtype,
                    )
                )
            else:
                raise RasterError(
                    msg(
                        "Raster data type {dtype} is not supported. Convert it with "
                        "gdal_translate -ot Float32 (or Int16/UInt16) first.",
                        dtype=dtype,
                    )
                )
        flags = ds.mask_flag_enums
        if any(MaskFlags.per_dataset in f or MaskFlags.alpha in f for f in flags):
            mask_mode = "mask"
        elif any(MaskFlags.nodata in f for f in flags):
            mask_mode = "nodata"
        else:
            mask_mode = "none"
        nodata = tuple(None if v is None else float(v) for v in ds.nodatavals)
        if len({str(v) for v in nodata}) > 1:
            warnings.append(
                msg(
                    "Bands have different nodata values; a pixel is used only where every "
                    "band holds data.",
                )
            )
        crs = ds.crs
        meta = read_band_metadata(ds)
        return RasterInfo(
            path=path,
            width=ds.width,
            height=ds.height,
            count=ds.count,
            dtype=dtype,
            read_dtype=read_dtype,
            crs_wkt=crs.to_wkt(),
            crs_is_geographic=bool(crs.is_geographic),
            transform=ds.transform,
            nodata=nodata,
            mask_mode=mask_mode,
            wavelengths_nm=meta.wavelengths_nm,
            warnings=tuple(warnings),
            wavelength_source=meta.wavelength_source,
            flagged_bad_bands=meta.bad_bands,
            flagged_bad_source=meta.bad_band_source,
            raw_layout=raw_layout(ds),
        )


#: GDAL's block cache during a run: at least this much (small rasters, outputs) ...
GDAL_CACHE_MIN = 128 * 2**20
#: ... and at most this much, whatever the raster: keeps a 224-band run under 2 GB.
GDAL_CACHE_MAX = 512 * 2**20
#: Decoded blocks (all bands) the cache should hold: a tile read with its halo touches up
#: to 4 blocks, and sampling, statistics and prediction then reuse them instead of
#: decoding them again.
GDAL_CACHE_BLOCKS = 6


def gdal_decode_threads() -> str:
    """``GDAL_NUM_THREADS`` for a run: decode a read's tiles on every core.

    A read spanning several compressed tiles (the bands of a band-interleaved GeoTIFF, or a
    multi-block window) is then decompressed in parallel (GDAL >= 3.6): decoding a
    1024^2 x 204 deflate GeoTIFF took 2.6 -> 1.0 s (band-interleaved) and 3.6 -> 2.2 s
    (pixel-interleaved, strip reads) on 2 cores. rasterio sets it process-wide for the run
    and restores it after; the prediction loop, whose reader thread already overlaps the
    model, drops back to one (core.predict). ``METAMAPPER_GDAL_THREADS`` overrides (e.g. 1).
    """
    value = os.environ.get("METAMAPPER_GDAL_THREADS", "").strip()
    return value or "ALL_CPUS"


def _active_option(name: str) -> str:
    """A GDAL option as the current ``rasterio.Env`` sets it ("" outside one)."""
    if not rasterio.env.hasenv():
        return ""
    return str(rasterio.env.getenv().get(name, "")).strip().upper()


def active_decode_threads() -> int:
    """Threads GDAL decodes a multi-tile read with under the current ``rasterio.Env``."""
    setting = _active_option("GDAL_NUM_THREADS")
    if setting == "ALL_CPUS":
        return os.cpu_count() or 1
    return max(1, int(setting)) if setting.isdigit() else 1


def limit_heap_fragmentation() -> None:
    """Large buffers (>= 4 MB) straight from the OS and back to it when freed (glibc).

    Tiles of a 224-band raster are 30-240 MB arrays of varying size, made in two threads;
    glibc's growing mmap threshold let freed ones stay in its heaps (peak RSS 2.6 GB on a
    4000^2 x 224 raster, 1.9 GB with this). A no-op where glibc is not the allocator.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name or not name.startswith("libc.so"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(name).mallopt(-3, 4 * 2**20)  # M_MMAP_THRESHOLD


def is_tiled(ds: Any) -> bool:
    """True for a raster stored in square-ish tiles (not strips or rows)."""
    try:
        bh, bw = (int(v) for v in ds.block_shapes[0])
    except Exception:  # noqa: BLE001 - a dataset without block information
        return False
    return bh >= 16 and bw < ds.width


def warm_blocks(ds: Any, info: RasterInfo, windows: Sequence[Window]) -> int:
    """Decode the blocks under ``windows`` into GDAL's cache, several at once; returns how
    many were warmed.

    A pixel-interleaved tiled GeoTIFF keeps all bands in one compressed tile, so reading
    point by point or tile by tile decodes its blocks one after another on one core. One
    read of band 1 over a run of neighbouring blocks makes GDAL decode them in parallel
    (``GDAL_NUM_THREADS``) and cache every band, at the cost of a one-band buffer: the
    bad-band scan of a 1024^2 x 204 raster (its four 107 MB blocks) 3.7 -> 2.0 s on
    2 cores, and sampling, statistics and prediction then find the blocks decoded. A no-op
    for other layouts, one decoding thread, or a raster the cache cannot hold whole.
    """
    threads = active_decode_threads()
    if (info.raw_layout is not None or threads < 2 or info.count < 2 or not windows
            or not is_tiled(ds) or ds.interleaving != Interleaving.pixel):
        return 0
    # only where the cache keeps the whole raster (gdal_cache_bytes sizes it so for small
    # ones): on larger rasters warmed blocks would be evicted before they are used, and
    # parallel decoding adds a decoded tile per thread to the peak memory
    bh, bw = (int(v) for v in ds.block_shapes[0])
    if not cache_holds(ds, Window(0, 0, ds.width, ds.height)):
        return 0
    blocks: set[Tuple[int, int]] = set()
    for w in windows:
        r0, c0 = int(w.row_off) // bh, int(w.col_off) // bw
        r1 = (int(w.row_off) + int(w.height) - 1) // bh
        c1 = (int(w.col_off) + int(w.width) - 1) // bw
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                blocks.add((r, c))
    chosen = sorted(blocks)
    if len(chosen) < 2:
        return 0
    runs: List[List[Tuple[int, int]]] = []
    for rc in chosen:  # neighbouring blocks of one block row, ``threads`` per read
        last = runs[-1] if runs else None
        if last and last[-1][0] == rc[0] and last[-1][1] + 1 == rc[1] and len(last) < threads:
            last.append(rc)
        else:
            runs.append([rc])
    index = 1 if info.band_indexes is None else int(info.band_indexes[0])
    for run in runs:
        r, c0, c1 = run[0][0], run[0][1], run[-1][1]
        win = Window(c0 * bw, r * bh, min(ds.width, (c1 + 1) * bw) - c0 * bw,
                     min(ds.height, (r + 1) * bh) - r * bh)
        with reading(info.path):
            ds.read(index, window=win)
    return len(chosen)


#: Decoded bytes (the bands read, the whole raster) up to which :func:`decode_whole` holds a
#: raster in memory: GDAL's block-cache ceiling, which such a raster would fill anyway.
DECODE_WHOLE_MAX = GDAL_CACHE_MAX


#: Decoded bytes one read of :func:`decode_whole` aims at (whole block rows): a cancel
#: request is seen between reads.
DECODE_STRIP_BYTES = 64 * 2**20


def decode_whole(ds: Any, info: RasterInfo, region: Window,
                 check: Callable[[], None] | None = None) -> RasterInfo:
    """``info`` reading from the raster decoded once, whole, into memory, when that is
    small (:data:`DECODE_WHOLE_MAX`) and the region covers most of it; else ``info``.

    On a compressed GeoTIFF the bad-band scan, sampling, statistics and prediction read
    overlapping windows: through GDAL's block cache each read is a copy block by block and
    band by band (0.3-0.5 s a run on 1024^2 x 204), and a block evicted or bypassed is
    decoded again. Decoded into one array (:func:`_decode_parts`), every later read is a
    NumPy copy or view (:class:`RawLayout` with ``values``); the values are the ones GDAL's
    reads return. ``check`` is called between reads (it raises to cancel). Not for masked
    rasters (per-band masks come from GDAL), rasters already read raw, or a band subset;
    ``METAMAPPER_RAW_READS=0`` switches it off.
    """
    if (info.raw_layout is not None or info.mask_mode == "mask"
            or info.band_indexes is not None or not raw_reads_enabled()):
        return info
    itemsize = np.dtype(info.read_dtype).itemsize
    nbytes = info.count * info.height * info.width * itemsize
    covered = int(region.height) * int(region.width)
    if nbytes > DECODE_WHOLE_MAX or 2 * covered < info.height * info.width:
        return info
    values = np.empty((info.count, info.height, info.width), dtype=info.read_dtype)
    _decode_parts(ds, info.path, values, check)
    layout = RawLayout(info.path, 0, "bsq", values.dtype.str, info.count, info.height,
                       info.width, values=values)  # fmt: skip
    return replace(info, raw_layout=layout)


def threaded_reads_report_errors() -> bool:
    """Whether the GDAL that rasterio runs on raises a damaged block met by its own
    multi-threaded decoding (3.10 does; QGIS 3.22's 3.6 did not, see :func:`_decode_parts`)."""
    return bool(rasterio.env.GDALVersion.runtime() >= rasterio.env.GDALVersion(3, 10))


def _decode_parts(ds: Any, path: str, values: np.ndarray,
                  check: Callable[[], None] | None) -> None:
    """Fill ``values`` (B, H, W) with the raster's values, strip by strip.

    Where the GDAL that rasterio runs on reports a damaged block from its own
    multi-threaded decoding (``GDAL_NUM_THREADS`` on one large read; >= 3.10, tested),
    the strips are read in this thread, each decoded on every core. Inside QGIS 3.22 on
    Debian 12, rasterio's calls bind to QGIS's GDAL 3.6, whose threaded read lost that
    error under ``qgis_process``: the run went on with a block of zeros and wrote a wrong
    map. There each part is read by a worker thread with its own handle, one decoding
    thread each (errors raise in that thread; slower: the blocks pass through GDAL's
    cache, +0.2-0.7 s on 1024^2 x 204).
    """
    row_bytes = values.shape[2] * values.shape[0] * values.itemsize
    if threaded_reads_report_errors():  # GDAL decodes each strip on every core
        windows, threads = _threaded_strips(ds, row_bytes), 1
    else:
        windows = _decode_windows(ds, row_bytes)
        threads = min(active_decode_threads(), len(windows))
    if threads <= 1:
        with reading(path):
            for win in windows:
                if check is not None:
                    check()
                _read_into(ds, values, win)
        return
    import queue
    import threading

    todo: queue.SimpleQueue = queue.SimpleQueue()
    for win in windows:
        todo.put(win)
    stop = threading.Event()
    errors: List[BaseException] = []

    def work() -> None:
        try:
            with rasterio.open(path) as src:
                while not stop.is_set():
                    try:
                        win = todo.get_nowait()
                    except queue.Empty:
                        return
                    _read_into(src, values, win)
        except BaseException as exc:  # noqa: BLE001 - raised in the calling thread
            errors.append(exc)
            stop.set()

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    # one decoding thread per read (GDAL_NUM_THREADS is process-wide): the workers are
    # the parallelism
    with rasterio.Env(GDAL_NUM_THREADS="1"):
        for t in workers:
            t.start()
        try:
            for t in workers:
                while t.is_alive():
                    t.join(0.05)
                    if check is not None:
                        check()
        except BaseException:
            stop.set()
            raise
        finally:
            for t in workers:
                t.join()
    if errors:
        with reading(path):
            raise errors[0]


def _read_into(ds: Any, values: np.ndarray, win: Window) -> None:
    r0, c0 = int(win.row_off), int(win.col_off)
    ds.read(out=values[:, r0:r0 + int(win.height), c0:c0 + int(win.width)], window=win)


def _threaded_strips(ds: Any, row_bytes: int) -> List[Window]:
    """Strips for GDAL's multi-threaded reads: whole block rows, at least
    :data:`DECODE_STRIP_BYTES` and two blocks per decoding thread (a strip ends when its
    slowest block does: one block a thread was 10-20 % slower than one whole read on a
    1024^2 x 204 pixel-interleaved GeoTIFF, whose four blocks are 107 MB each)."""
    bh, bw = _block_shape(ds)
    per_row = max(1, math.ceil(ds.width / bw))
    rows = bh * max(1, math.ceil(2 * active_decode_threads() / per_row))
    rows = max(rows, DECODE_STRIP_BYTES // max(1, row_bytes) // bh * bh)
    return [Window(0, r, ds.width, min(rows, ds.height - r)) for r in range(0, ds.height, rows)]


def _block_shape(ds: Any) -> Tuple[int, int]:
    try:
        bh, bw = (max(1, int(v)) for v in ds.block_shapes[0])
    except Exception:  # noqa: BLE001 - no block information: plain strips
        bh, bw = 1, ds.width
    return bh, bw


def _decode_windows(ds: Any, row_bytes: int) -> List[Window]:
    """The parts :func:`_decode_parts`'s worker threads read: strips of whole block rows (about
    :data:`DECODE_STRIP_BYTES`, at least one part per decoding thread), cut into whole
    block columns when there are fewer strips than threads."""
    bh, bw = _block_shape(ds)
    threads = active_decode_threads()
    rows = max(bh, DECODE_STRIP_BYTES // max(1, row_bytes) // bh * bh)
    rows = min(rows, max(bh, math.ceil(math.ceil(ds.height / threads) / bh) * bh))
    starts = list(range(0, ds.height, rows))
    cuts = max(1, math.ceil(threads / len(starts)))
    cols = max(bw, math.ceil(math.ceil(ds.width / cuts) / bw) * bw)
    return [Window(c, r, min(cols, ds.width - c), min(rows, ds.height - r))
            for r in starts for c in range(0, ds.width, cols)]


def cache_holds(ds: Any, window: Window) -> bool:
    """Whether GDAL's block cache (the current ``rasterio.Env``'s ``GDAL_CACHEMAX``, bytes)
    holds every decoded block under ``window`` at once: then a block decoded once (sampling,
    statistics) is a copy from memory for every later read of the run."""
    cache = _active_option("GDAL_CACHEMAX")
    if not cache.isdigit():
        return False
    bh, bw = (int(v) for v in ds.block_shapes[0])
    r0, c0 = max(0, int(window.row_off)) // bh, max(0, int(window.col_off)) // bw
    r1 = (min(ds.height, int(window.row_off) + int(window.height)) - 1) // bh
    c1 = (min(ds.width, int(window.col_off) + int(window.width)) - 1) // bw
    n_blocks = max(0, r1 - r0 + 1) * max(0, c1 - c0 + 1)
    return n_blocks * block_bytes(ds) <= int(cache)


def block_bytes(ds: Any) -> int:
    """Bytes of one decoded block of the raster, all bands (what GDAL's cache holds)."""
    bh, bw = ds.block_shapes[0]
    itemsize = max(np.dtype(d).itemsize for d in ds.dtypes)
    return int(bh) * int(bw) * int(ds.count) * itemsize


def gdal_cache_bytes(path: str | os.PathLike) -> int:
    """GDAL block-cache size for a run on ``path``: room for a few decoded blocks.

    A fixed 128 MiB cache cannot hold even one 512 x 512 block of a 204-band
    pixel-interleaved GeoTIFF (107 MB decoded), so every point, statistics tile and halo
    re-decoded whole blocks (1024^2 x 204: 34 s instead of a few). The size follows the
    raster's block size, between :data:`GDAL_CACHE_MIN` and :data:`GDAL_CACHE_MAX`.
    """
    try:
        with rasterio.open(path) as ds:
            bh, bw = ds.block_shapes[0]
            n_blocks = math.ceil(ds.height / bh) * math.ceil(ds.width / bw)
            # all the blocks of a small raster (sampling, statistics and prediction then
            # decode each once); on a larger one reuse is partial anyway: half as many
            blocks = n_blocks if n_blocks <= GDAL_CACHE_BLOCKS else GDAL_CACHE_BLOCKS // 2
            want = block_bytes(ds) * blocks + 32 * 2**20
    except Exception:  # noqa: BLE001 - unreadable raster: open_raster_info says why later
        return GDAL_CACHE_MIN
    return int(min(max(want, GDAL_CACHE_MIN), GDAL_CACHE_MAX))


def read_values(ds: Any, info: RasterInfo, window: Window, copy: bool = True) -> np.ndarray:
    """(B, h, w) values of ``window`` in ``info.read_dtype`` (the bands ``info`` reads);
    straight from the file for raw ENVI layouts (or from memory, a view if not ``copy``:
    :func:`read_raw`), else through GDAL."""
    indexes = None if info.band_indexes is None else list(info.band_indexes)
    if info.raw_layout is not None:
        return read_raw(info.raw_layout, window, indexes, info.read_dtype, copy)
    with reading(info.path):
        return ds.read(indexes, window=window, out_dtype=info.read_dtype)


def read_block(ds: Any, info: RasterInfo, window: Window, copy: bool = True
               ) -> Tuple[np.ndarray, np.ndarray]:
    """Read ``window`` -> (data (B, h, w) in ``info.read_dtype``, valid (h, w) bool).

    A pixel is valid when every band holds data: not nodata (per band), not masked, finite.
    ``copy=False``: ``data`` may be a read-only view of a raster decoded in memory (see
    :func:`read_raw`), for a reader that only reads it.
    """
    indexes = None if info.band_indexes is None else list(info.band_indexes)
    data = read_values(ds, info, window, copy)
    masked = None
    if info.mask_mode == "mask":
        with reading(info.path):
            masked = (ds.read_masks(indexes, window=window) > 0).all(axis=0)
    return data, valid_values(data, info, masked)


def valid_values(data: np.ndarray, info: RasterInfo, valid: np.ndarray | None = None
                 ) -> np.ndarray:
    """Where every band of ``data`` (B, ...) holds data: not nodata (per band), finite, and
    ``valid`` (the mask read with it, if any)."""
    valid = np.ones(data.shape[1:], dtype=bool) if valid is None else valid
    if info.mask_mode == "nodata":
        for b, nd in enumerate(info.nodata):
            if nd is None:
                continue
            if math.isnan(nd):
                valid &= ~np.isnan(data[b])
            else:
                valid &= data[b] != np.asarray(nd).astype(data.dtype)
    if data.dtype.kind == "f":
        valid &= np.isfinite(data).all(axis=0)
    return valid


# --------------------------------------------------------------------------- geometry helpers


def geometry_is_usable(geom: Any) -> bool:
    """True for a GeoJSON-like dict of a supported type with at least one coordinate."""
    if not isinstance(geom, dict) or geom.get("type") not in GEOMETRY_TYPES:
        return False
    coords = geom.get("coordinates")
    if coords is None:
        return False
    try:
        flat = np.asarray(_flatten(coords), dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return flat.size >= 2 and bool(np.isfinite(flat).all())


def _flatten(coords: Any) -> List[float]:
    if isinstance(coords, (int, float)):
        return [float(coords)]
    out: List[float] = []
    for c in coords:
        out.extend(_flatten(c))
    return out


def apply_affine(t: Affine, x: Any, y: Any) -> Tuple[Any, Any]:
    """``t`` applied to the point (x, y), written out: affine 3 (QGIS 3.44's Debian)
    deprecates ``t * (x, y)`` for ``t @ (x, y)``, which affine 2 (QGIS 3.22's venv) lacks.
    Floats or NumPy arrays of coordinates alike."""
    return t.a * x + t.b * y + t.c, t.d * x + t.e * y + t.f


def geometry_window(geom: dict, transform: Affine, width: int, height: int) -> Window | None:
    """Pixel window covering ``geom``'s bounds, clipped to the raster; None if outside."""
    left, bottom, right, top = rasterio.features.bounds(geom)
    inv = ~transform
    xs, ys = [], []
    for x, y in ((left, bottom), (left, top), (right, bottom), (right, top)):
        c, r = apply_affine(inv, x, y)
        xs.append(c)
        ys.append(r)
    eps = 1e-6  # edges that fall on pixel borders (up to float error) do not add a pixel
    c0, r0 = math.floor(min(xs) + eps), math.floor(min(ys) + eps)
    c1 = max(math.ceil(max(xs) - eps), c0 + 1)
    r1 = max(math.ceil(max(ys) - eps), r0 + 1)
    c0, r0 = max(c0, 0), max(r0, 0)
    c1, r1 = min(c1, width), min(r1, height)
    if c1 <= c0 or r1 <= r0:
        return None
    return Window(c0, r0, c1 - c0, r1 - r0)


def union_windows(windows: Sequence[Window]) -> Window:
    c0 = min(int(w.col_off) for w in windows)
    r0 = min(int(w.row_off) for w in windows)
    c1 = max(int(w.col_off + w.width) for w in windows)
    r1 = max(int(w.row_off + w.height) for w in windows)
    return Window(c0, r0, c1 - c0, r1 - r0)


@dataclass
class Region:
    """The target region: its pixel window on the raster and its polygons (None = all)."""

    window: Window
    geometries: List[dict] | None = None
    all_touched: bool = False
    transform: Affine = field(default_factory=Affine.identity)

    @property
    def shape(self) -> Tuple[int, int]:
        return int(self.window.height), int(self.window.width)

    def mask(self, window: Window) -> np.ndarray:
        """In-region pixels of ``window`` (raster pixel coords) as a (h, w) bool array."""
        h, w = int(window.height), int(window.width)
        if self.geometries is None:
            return np.ones((h, w), dtype=bool)
        wt = rasterio.windows.transform(window, self.transform)
        return rasterio.features.geometry_mask(
            self.geometries, (h, w), wt, all_touched=self.all_touched, invert=True
        )


def make_region(info: RasterInfo, geometries: Sequence[dict] | None) -> Region:
    """Region from polygons in the raster's CRS (None: the whole raster); RegionError if none."""
    if geometries is None:
        return Region(window=info.full_window, geometries=None, transform=info.transform)
    geoms = [g for g in geometries if g is not None]
    usable = [g for g in geoms if geometry_is_usable(g) and "Polygon" in g["type"]]
    if not usable:
        raise RegionError(
            msg(
                "The region has no usable polygon (it is empty, or not a polygon). Draw or "
                "choose a polygon region, or leave the region empty to map the whole "
                "raster.",
            )
        )
    windows = [geometry_window(g, info.transform, info.width, info.height) for g in usable]
    inside = [w for w in windows if w is not None]
    if not inside:
        left, bottom, right, top = info.bounds
        raise RegionError(
            msg(
                "The region does not overlap the raster (raster extent {left:.6g}, "
                "{bottom:.6g} : {right:.6g}, {top:.6g} in its CRS). Draw the region over "
                "the raster, or check that region and raster use the right CRS.",
                left=left,
                bottom=bottom,
                right=right,
                top=top,
            )
        )
    window = union_windows(inside)
    region = Region(window=window, geometries=usable, transform=info.transform)
    if window.width * window.height <= 4_000_000 and not region.mask(window).any():
        # smaller than a pixel (or a sliver): take every pixel it touches
        region.all_touched = True
    return region


# --------------------------------------------------------------------------- tiles


@dataclass(frozen=True)
class Tile:
    """One tile of a region: ``window`` is the core, ``read_window`` adds the halo."""

    window: Window
    read_window: Window
    inner: Tuple[slice, slice]  # the core inside arrays read from read_window
    out: Tuple[slice, slice]  # the core inside the region-sized output

    def read_indices(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Flat indices, into an array read from ``read_window``, of core pixels (rows, cols)."""
        width = int(self.read_window.width)
        return (np.asarray(rows) + self.inner[0].start) * width + (
            np.asarray(cols) + self.inner[1].start
        )


def halo_tile(window: Window, halo: int, width: int, height: int) -> Tile:
    """``window`` as one tile read with ``halo`` pixels around it (clipped to the raster)."""
    side = max(int(window.width), int(window.height))
    return next(iter_tiles(window, side, halo, width, height))


def iter_tiles(
    region_window: Window, tile_size: int, halo: int, width: int, height: int
) -> Iterator[Tile]:
    """Row-major tiles of ``region_window``, each read with ``halo`` pixels around it."""
    tile_size = max(16, int(tile_size))
    rc0, rr0 = int(region_window.col_off), int(region_window.row_off)
    rw, rh = int(region_window.width), int(region_window.height)
    for r in range(rr0, rr0 + rh, tile_size):
        th = min(tile_size, rr0 + rh - r)
        for c in range(rc0, rc0 + rw, tile_size):
            tw = min(tile_size, rc0 + rw - c)
            hc0, hr0 = max(c - halo, 0), max(r - halo, 0)
            hc1, hr1 = min(c + tw + halo, width), min(r + th + halo, height)
            yield Tile(
                window=Window(c, r, tw, th),
                read_window=Window(hc0, hr0, hc1 - hc0, hr1 - hr0),
                inner=(slice(r - hr0, r - hr0 + th), slice(c - hc0, c - hc0 + tw)),
                out=(slice(r - rr0, r - rr0 + th), slice(c - rc0, c - rc0 + tw)),
            )


def count_tiles(region_window: Window, tile_size: int) -> int:
    tile_size = max(16, int(tile_size))
    return math.ceil(int(region_window.width) / tile_size) * math.ceil(
        int(region_window.height) / tile_size
    )


# --------------------------------------------------------------------------- atomic outputs


def _umask() -> int:
    """The process umask without changing it (Linux /proc), else the usual 022."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _sidecars(path: Path) -> List[Path]:
    """Files that belong to a GeoTIFF output: GDAL's PAM .aux.xml and QGIS's .qml."""
    return [Path(str(path) + ".aux.xml"), path.with_suffix(".qml")]


class AtomicOutputs:
    """Temporary files in each destination folder, renamed to their final names on commit.

    Use as a context manager: leaving it with an exception (failure, Cancelled) deletes every
    temporary file, so nothing is left behind and existing outputs stay untouched.
    """

    def __init__(self) -> None:
        self._items: List[Tuple[Path, Path]] = []  # (temporary, final)
        self._committed = False

    def reserve(self, final: str | os.PathLike) -> Path:
        """A temporary path next to ``final``; checks the folder is writable now."""
        final = Path(final)
        folder = final.parent if str(final.parent) else Path(".")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(
                prefix=f".{final.stem}.", suffix=".metamapper-tmp" + final.suffix, dir=folder
            )
            os.close(fd)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        except OSError as exc:
            raise OutputError(
                msg(
                    "Cannot write to the output folder {folder} ({value}). Choose an "
                    "output path in a folder you can write to.",
                    folder=folder,
                    value=exc.strerror or exc,
                )
            ) from exc
        if final.is_dir():
            os.unlink(tmp)
            raise OutputError(msg(
                "The output path {final} is a folder. Give a file name (.tif).",
                final=final,
            ))
        self._items.append((Path(tmp), final))
        return Path(tmp)

    def commit(self) -> None:
        """Rename every temporary file (and its sidecars) to its final name."""
        try:
            for tmp, final in self._items:
                tmp_sidecars = _sidecars(tmp)
                for tmp_side, final_side in zip(tmp_sidecars, _sidecars(final)):
                    if tmp_side.exists():
                        os.replace(tmp_side, final_side)
                    elif final_side.exists():
                        final_side.unlink()  # stale sidecar of the file being replaced
                os.replace(tmp, final)
        except OSError as exc:
            self.discard()
            raise OutputError(
                msg(
                    "Cannot move the finished output into place ({exc}). Check the output "
                    "file is not open in another program and the folder is writable.",
                    exc=exc,
                )
            ) from exc
        self._committed = True

    def discard(self) -> None:
        for tmp, _ in self._items:
            for p in [tmp, *_sidecars(tmp)]:
                try:
                    p.unlink()
                except FileNotFoundError:
                    pass
                except OSError:
                    pass

    def __enter__(self) -> AtomicOutputs:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None or not self._committed:
            self.discard()


def _profile(info: RasterInfo, region: Region, dtype: str, nodata: float) -> Dict[str, Any]:
    h, w = region.shape
    block = 256
    profile: Dict[str, Any] = {
        "driver": "GTiff",
        "width": w,
        "height": h,
        "count": 1,
        "dtype": dtype,
        "nodata": nodata,
        "crs": rasterio.crs.CRS.from_wkt(info.crs_wkt),
        "transform": rasterio.windows.transform(region.window, info.transform),
        "compress": "deflate",
        "BIGTIFF": "IF_SAFER",
    }
    if w >= 16 and h >= 16:
        profile.update(tiled=True, blockxsize=block, blockysize=block)
    if dtype == "float32":
        profile["predictor"] = 3
    return profile


def open_class_map(path: Path, info: RasterInfo, region: Region) -> Any:
    """Open the (temporary) class-map GeoTIFF for writing: uint8, nodata 0, region grid."""
    try:
        return rasterio.open(path, "w", **_profile(info, region, "uint8", 0))
    except Exception as exc:  # noqa: BLE001
        raise OutputError(msg(
            "Cannot create the class map {path_name} ({exc}).",
            path_name=path.name,
            exc=exc,
        )) from exc


def open_confidence(path: Path, info: RasterInfo, region: Region) -> Any:
    """Open the (temporary) confidence GeoTIFF: float32, nodata -1, region grid."""
    try:
        return rasterio.open(path, "w", **_profile(info, region, "float32", CONFIDENCE_NODATA))
    except Exception as exc:  # noqa: BLE001
        raise OutputError(msg(
            "Cannot create the confidence raster {path_name} ({exc}).",
            path_name=path.name,
            exc=exc,
        )) from exc


#: Conventional land-cover colours (close to ESA WorldCover / NLCD), matched on words of a
#: class name, so that "water" is blue and "forest" green without any styling by the user.
CONVENTIONAL_COLOURS: Tuple[Tuple[Tuple[str, ...], Tuple[int, int, int]], ...] = (
    (("water", "lake", "river", "sea", "ocean", "reservoir", "pond"), (31, 120, 180)),
    (("tree", "forest", "wood", "woodland"), (0, 100, 0)),
    (("grass", "pasture", "meadow", "grassland"), (178, 223, 138)),
    (("shrub", "bush", "scrub", "shrubland"), (166, 118, 29)),
    (("crop", "cultivated", "agri", "agriculture", "field", "farm"), (240, 200, 50)),
    (("developed", "urban", "built", "artificial", "city", "building", "road", "impervious"),
     (227, 26, 28)),
    (("bare", "soil", "sand", "rock", "desert"), (177, 89, 40)),
    (("snow", "ice", "glacier"), (240, 240, 240)),
    (("cloud",), (200, 200, 200)),
    (("wetland", "marsh", "swamp", "mangrove"), (106, 61, 154)),
)


def conventional_colour(name: str) -> Tuple[int, int, int] | None:
    """The conventional colour of a land-cover class name, if a word of it is known."""
    words = {w for w in "".join(c.lower() if c.isalnum() else " " for c in name).split()}
    for keys, rgb in CONVENTIONAL_COLOURS:
        if any(w == k or (len(k) >= 4 and w.startswith(k)) for w in words for k in keys):
            return rgb
    return None


def class_colours(
    names: Sequence[str], wanted: Dict[str, Tuple[int, int, int]] | None = None
) -> List[Tuple[int, int, int]]:
    """One distinct RGB colour per class: the user's where given, else the conventional
    land-cover colour of its name, else the next unused colour of the qualitative palette."""
    wanted = wanted or {}
    chosen: Dict[str, Tuple[int, int, int]] = {
        n: tuple(int(v) for v in wanted[n][:3]) for n in names if wanted.get(n)  # type: ignore[misc]
    }
    for name in names:
        rgb = conventional_colour(name)
        if name not in chosen and rgb is not None and rgb not in chosen.values():
            chosen[name] = rgb
    free = iter([c for c in PALETTE if c not in chosen.values()] or list(PALETTE))
    out = []
    for name in names:
        if name not in chosen:
            chosen[name] = next(free, PALETTE[len(chosen) % len(PALETTE)])
        out.append(chosen[name])
    return out


def finish_class_map(
    dst: Any,
    names: Sequence[str],
    codes: Sequence[int],
    colours: Sequence[Tuple[int, int, int]],
    tags: Dict[str, Any],
) -> None:
    """Colour table, band description and metadata tags (call before closing ``dst``)."""
    cmap = {0: (0, 0, 0, 0)}
    for code, rgb in zip(codes, colours):
        cmap[int(code)] = (*rgb, 255)
    dst.write_colormap(1, cmap)
    dst.set_band_description(1, "class")
    dst.update_tags(**{k: str(v) for k, v in tags.items()})


def write_category_names(tif_path: Path, names: Sequence[str], codes: Sequence[int]) -> Path:
    """GDAL category names in a PAM ``.aux.xml`` next to ``tif_path`` (GeoTIFF has no slot).

    GDAL (and QGIS's paletted renderer "Classify") read them back as the band's categories:
    entry ``i`` is the name of pixel value ``i``; 0 is the nodata entry.
    """
    by_code = dict(zip((int(c) for c in codes), names))
    root = ET.Element("PAMDataset")
    band = ET.SubElement(root, "PAMRasterBand", band="1")
    cats = ET.SubElement(band, "CategoryNames")
    for value in range(max(by_code) + 1):
        ET.SubElement(cats, "Category").text = by_code.get(value, "")
    aux = Path(str(tif_path) + ".aux.xml")
    ET.ElementTree(root).write(aux, encoding="utf-8", xml_declaration=False)
    return aux


def write_qml(
    qml_path: Path,
    names: Sequence[str],
    codes: Sequence[int],
    colours: Sequence[Tuple[int, int, int]],
) -> Path:
    """A QGIS style (paletted renderer, class names as labels) QGIS loads with the raster."""
    root = ET.Element("qgis", version="3.22.0", styleCategories="AllStyleCategories")
    pipe = ET.SubElement(root, "pipe")
    renderer = ET.SubElement(
        pipe,
        "rasterrenderer",
        type="paletted",
        band="1",
        opacity="1",
        alphaBand="-1",
        nodataColor="",
    )
    ET.SubElement(renderer, "rasterTransparency")
    palette = ET.SubElement(renderer, "colorPalette")
    for name, code, rgb in zip(names, codes, colours):
        ET.SubElement(
            palette,
            "paletteEntry",
            value=str(int(code)),
            color="#{:02x}{:02x}{:02x}".format(*rgb),
            alpha="255",
            label=str(name),
        )
    ET.SubElement(pipe, "brightnesscontrast", brightness="0", contrast="0", gamma="1")
    ET.SubElement(
        pipe, "huesaturation", saturation="0", grayscaleMode="0", colorizeOn="0",
        colorizeRed="255", colorizeGreen="128", colorizeBlue="128", colorizeStrength="100",
    )  # fmt: skip
    ET.SubElement(pipe, "rasterresampler", maxOversampling="2")
    ET.SubElement(root, "blendMode").text = "0"
    body = ET.tostring(root, encoding="unicode")
    qml_path.write_text(
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n",
        encoding="utf-8",
    )
    return qml_path
