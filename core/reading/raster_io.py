"""Raster reading and writing for the engine: windows, tiles with halo, masks, atomic GeoTIFFs.

The door the other modules use; its parts live in ``raw_reads`` (ENVI values from the file
itself), ``raster_regions`` (region, mask, tiles) and ``raster_outputs`` (atomic outputs,
class colours, style), and their public names are re-exported here.

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
import functools
import math
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator, List, Sequence, Tuple, TypeVar

import numpy as np
import rasterio
import rasterio.env
import rasterio.errors
import rasterio.features
from affine import Affine
from rasterio.enums import Interleaving, MaskFlags
from rasterio.windows import Window

from ..errors import RasterError
from ..messages import msg
from .band_metadata import read_band_metadata
from .raster_info import RasterInfo  # noqa: F401  (re-exported)
from .raster_outputs import (  # noqa: F401  (re-exported)
    CONFIDENCE_NODATA,
    AtomicOutputs,
    class_colours,
    conventional_colour,
    finish_class_map,
    finish_confidence,
    open_class_map,
    open_confidence,
    write_category_names,
    write_class_sidecars,
    write_qml,
)
from .raster_regions import (  # noqa: F401  (re-exported)
    GEOMETRY_TYPES,
    Region,
    Tile,
    apply_affine,
    count_tiles,
    geometry_is_usable,
    geometry_window,
    halo_tile,
    iter_tiles,
    make_region,
    union_windows,
)
from .raw_reads import (  # noqa: F401  (re-exported)
    RAW_READS_ENV,
    RawLayout,
    raw_layout,
    raw_reads_enabled,
    read_raw,
    read_raw_points,
)

T = TypeVar("T")

MAX_BANDS = 300
NATIVE_DTYPES = ("uint8", "uint16", "int16", "int32", "float32", "float64")
CONVERTED_DTYPES = ("int8", "uint32", "int64", "uint64", "float16")



# --------------------------------------------------------------------------- raster info




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


def open_raster_info(path: str | os.PathLike) -> RasterInfo:
    """Check a raster is usable and describe it; RasterError names the problem and fix."""
    path = str(path)
    if not path.startswith("/vsi") and not os.path.exists(path):  # /vsicurl/, /vsis3/...
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
        dtype, read_dtype = _read_dtype(ds, path, warnings)
        mask_mode, nodata = _masking(ds, warnings)
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


def _read_dtype(ds: Any, path: str, warnings: List[str]) -> Tuple[str, str]:
    """(the raster's data type, the type it is read as); RasterError when unusable."""
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
    return dtype, read_dtype


def _masking(ds: Any, warnings: List[str]) -> Tuple[str, Tuple[float | None, ...]]:
    """(how invalid pixels are marked: none | nodata | mask, the bands' nodata values)."""
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
    return mask_mode, nodata


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
    model, drops back to one (core.predicting.predict). ``METAMAPPER_GDAL_THREADS`` overrides
    (e.g. 1).
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


def block_cells(ds: Any, info: RasterInfo) -> Tuple[int, int]:
    """Cell (rows, cols) that scattered pixels are grouped by: the raster's own blocks
    when they are tiles, so that each block is read (and decoded) once for all its pixels;
    squares of a few MB otherwise (strips, single-row blocks)."""
    default = int(np.clip(math.sqrt(2_000_000 / info.count), 32, 512))
    try:
        bh, bw = (int(v) for v in ds.block_shapes[0])
    except Exception:  # noqa: BLE001 - a dataset without block information
        return default, default
    cell_h = bh if 16 <= bh <= 1024 else default
    cell_w = bw if 16 <= bw <= 1024 else default
    return cell_h, cell_w


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


#: GDAL's block cache (default 5 % of RAM) keeps read and written blocks of a large raster
#: until it is full, so peak memory grew with the region (1.9 GB for 20,000^2 px). Reads
#: and writes here are sequential tile by tile, so a cache of a few blocks is enough; its
#: size follows the raster's blocks (``raster_io.gdal_cache_bytes``), 128 MiB at least.
GDAL_CACHE_MB = 128


def bounded_gdal_cache(fn: Callable[..., T]) -> Callable[..., T]:
    """Run ``fn`` with GDAL's block cache sized for its raster (within fixed bounds) and
    multi-threaded tile decoding."""

    @functools.wraps(fn)
    def wrapper(raster_path: Any, *args: Any, **kwargs: Any) -> T:
        limit_heap_fragmentation()

        # rasterio hands an int straight to GDALSetCacheMax64: bytes, not GDAL's "< 100000
        # means MB" rule. A bare 128 was a 128-byte cache: every tile's halo re-decompressed
        # its neighbouring blocks (predict 1.4 -> 3+ Mpx/s on 13 bands once fixed).
        with rasterio.Env(GDAL_CACHEMAX=gdal_cache_bytes(raster_path),
                          GDAL_NUM_THREADS=gdal_decode_threads()):
            return fn(raster_path, *args, **kwargs)

    return wrapper
