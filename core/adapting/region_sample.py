"""The region sample: which bands are usable (nodata, constant, saturated) and a seeded
sample of the region's valid pixels for the band statistics, read tile by tile."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from ..errors import RasterError, RegionError
from ..messages import msg
from ..reading.raster_io import (
    RasterInfo,
    Region,
    block_cells,
    is_tiled,
    iter_tiles,
    read_block,
    read_values,
    reading,
    warm_blocks,
)


def _sample_order(
    ds: Any, info: RasterInfo, region: Region, tile_size: int, seed: int
) -> Tuple[List[Any], np.ndarray, np.random.Generator]:
    """The region's tiles and a seeded order: random blocks of the raster, then their tiles."""
    tiles = list(iter_tiles(region.window, tile_size, 0, info.width, info.height))
    rng = np.random.default_rng([seed, 104729])
    cell_h, cell_w = block_cells(ds, info)
    block_of = np.array([(int(t.window.row_off) // cell_h) * (info.width // cell_w + 1)
                         + int(t.window.col_off) // cell_w for t in tiles])  # fmt: skip
    block_rank = rng.permutation(int(block_of.max()) + 1)[block_of]
    # at most a few blocks' worth of decoding (a 204-band 512^2 block is 107 MB) ...
    itemsize = np.dtype(info.read_dtype).itemsize
    max_blocks = max(1, int(SAMPLE_BYTES // (cell_h * cell_w * info.count * itemsize)))
    kept = np.unique(block_rank)[:max_blocks]
    # ... and within them one random tile of each block in turn (spread, not clustered)
    shuffled = np.lexsort((block_rank, rng.random(len(tiles))))
    first = shuffled[np.isin(block_rank[shuffled], kept)]
    turn = np.zeros(len(tiles), dtype=np.int64)
    seen: Dict[int, int] = {}
    for i in first:
        turn[i] = seen.get(int(block_rank[i]), 0)
        seen[int(block_rank[i])] = turn[i] + 1
    first = first[np.lexsort((block_rank[first], turn[first]))]
    rest = shuffled[~np.isin(block_rank[shuffled], kept)]  # only if those hold no data
    return tiles, np.concatenate([first, rest]), rng


#: Decoded bytes the bad-band scan reads (a block or two of a hyperspectral raster, which
#: statistics and prediction then find in GDAL's cache).
SCAN_BYTES = 128 * 2**20
#: Valid pixels a band must show, all equal, to count as constant.
MIN_CONSTANT_PIXELS = 64


def _masked_extremes(flat: np.ndarray, ok: np.ndarray, counts: np.ndarray
                     ) -> Tuple[np.ndarray, np.ndarray]:
    """Per-band (min, max) of ``flat`` (B, n) where ``ok``; whole-array reductions in the
    raster's dtype (a Python loop over 204 bands of boolean indexing took ~0.1 s a tile)."""
    if bool(counts.min() == flat.shape[1]):  # every value valid: plain reductions
        return flat.min(axis=1).astype(np.float64), flat.max(axis=1).astype(np.float64)
    if flat.dtype.kind == "f":
        big, small = np.inf, -np.inf
    else:  # the raster's integer dtype (read_dtype is never bool)
        big, small = np.iinfo(flat.dtype).max, np.iinfo(flat.dtype).min
    band_lo = np.where(ok, flat, np.asarray(big, flat.dtype)).min(axis=1)
    band_hi = np.where(ok, flat, np.asarray(small, flat.dtype)).max(axis=1)
    return band_lo.astype(np.float64), band_hi.astype(np.float64)


def _band_scan(data: np.ndarray, inside: np.ndarray, nodata: Sequence[float | None],
               masks: np.ndarray | None = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per band of ``data`` (B, h, w): the count, min and max of its valid values (in the
    region ``inside``, not ``nodata``, finite, under ``masks`` (B, h, w) if given).

    The usual tile (all in the region, no mask, no value equal to nodata, all finite) is
    recognised from two plain reductions: 0.05 -> 0.01 s a 256^2 x 204 tile, where building
    the per-band validity of every value was most of the bad-band scan.
    """
    b = data.shape[0]
    flat = data.reshape(b, -1)
    if masks is None and bool(inside.all()):
        lo, hi = flat.min(axis=1), flat.max(axis=1)
        clean = data.dtype.kind != "f" or bool(np.isfinite(lo).all() & np.isfinite(hi).all())
        for k, nd in enumerate(nodata):
            if clean and nd is not None and not math.isnan(nd):
                clean = not (float(lo[k]) <= nd <= float(hi[k]))
        if clean:
            counts = np.full(b, flat.shape[1], dtype=np.int64)
            return counts, lo.astype(np.float64), hi.astype(np.float64)
    ok = np.broadcast_to(inside, data.shape).copy()
    if masks is not None:
        ok &= masks
    for k, nd in enumerate(nodata):
        if nd is not None:
            ok[k] &= ~np.isnan(data[k]) if math.isnan(nd) else data[k] != nd
    if data.dtype.kind == "f":
        ok &= np.isfinite(data)
    okf = ok.reshape(b, -1)
    counts = okf.sum(axis=1)
    band_lo, band_hi = _masked_extremes(flat, okf, counts)
    return counts, band_lo, band_hi


def select_usable_bands(
    ds: Any, info: RasterInfo, region: Region, seed: int = 0, tile_size: int = 256
) -> Tuple[RasterInfo, List[str]]:
    """Drop bands that are flagged bad (ENVI ``bbl``), hold no data, or are constant.

    Constant and all-nodata bands are found on a few tiles of the region (the first ones of
    the statistics' sample): an all-nodata band would otherwise make every pixel invalid,
    and a constant one carries nothing but a spike in the standardised curve. Returns the
    raster info reading only the usable bands, and one log line per reason.
    """
    tiles, order, _ = _sample_order(ds, info, region, tile_size, seed)
    b = info.count
    tile_bytes = [tiles[int(t)].window.height * tiles[int(t)].window.width * b
                  * np.dtype(info.read_dtype).itemsize for t in order]
    scanned = order[: int(np.searchsorted(np.cumsum(tile_bytes), SCAN_BYTES)) + 1]
    warm_blocks(ds, info, [tiles[int(t)].window for t in scanned])
    n_valid = np.zeros(b, dtype=np.int64)
    lo = np.full(b, np.inf)
    hi = np.full(b, -np.inf)
    read = 0
    indexes = None if info.band_indexes is None else list(info.band_indexes)
    for t in order:
        if read >= SCAN_BYTES and n_valid.any():
            break
        win = tiles[int(t)].window
        data = read_values(ds, info, win)
        read += data.nbytes
        masks = None
        if info.mask_mode == "mask":
            with reading(info.path):
                masks = ds.read_masks(indexes, window=win) > 0
        nodata = info.nodata if info.mask_mode == "nodata" else ()
        counts, band_lo, band_hi = _band_scan(data, region.mask(win), nodata, masks)
        n_valid += counts
        seen = counts > 0
        lo[seen] = np.minimum(lo[seen], band_lo[seen])
        hi[seen] = np.maximum(hi[seen], band_hi[seen])
    numbers = info.band_indexes or tuple(range(1, b + 1))
    flagged = [i for i, n in enumerate(numbers) if n in set(info.flagged_bad_bands)]
    empty = [i for i in range(b) if n_valid[i] == 0] if n_valid.any() else []
    # a band equal on a handful of pixels (a tiny region) is not yet a constant band
    constant = [i for i in range(b) if n_valid[i] >= MIN_CONSTANT_PIXELS and lo[i] == hi[i]]
    if len(set(flagged) | set(empty) | set(constant)) == b:
        constant = []  # a uniform region is classified as such, not refused
    notes: List[str] = []
    name = Path(info.path).name

    def listed(idx: List[int]) -> str:
        shown = ", ".join(str(numbers[i]) for i in idx[:20])
        return shown + (f" and {len(idx) - 20} more" if len(idx) > 20 else "")

    if flagged:
        notes.append(msg(
            "Bad bands dropped: {n_flagged} flagged bad in {info_flagged_bad_source} "
            "(bands {listed}).",
            n_flagged=len(flagged),
            info_flagged_bad_source=info.flagged_bad_source,
            listed=listed(flagged),
        ))  # fmt: skip
    if empty:
        notes.append(msg(
            "Bad bands dropped: {n_empty} without any data in the region (bands {listed}).",
            n_empty=len(empty),
            listed=listed(empty),
        ))  # fmt: skip
    constant = [i for i in constant if i not in flagged]
    if constant:
        notes.append(msg(
            "Bad bands dropped: {n_constant} constant in the region (bands {listed}).",
            n_constant=len(constant),
            listed=listed(constant),
        ))  # fmt: skip
    drop = set(flagged) | set(empty) | set(constant)
    if not drop:
        return info, notes
    keep = [numbers[i] for i in range(b) if i not in drop]
    if not keep:
        raise RasterError(
            msg(
                "No usable band in {name}: all {b} bands are flagged bad, hold no data or "
                "are constant in the region. Choose a region over valid data, or check the "
                "raster's bad band list (bbl).",
                name=name,
                b=b,
            )
        )
    return info.select_bands(keep), notes


#: Decoded bytes the region sample may read once it has found valid pixels: a handful of
#: 512 x 512 blocks of a 204-band raster (which the prediction then finds in GDAL's cache),
#: or the usual 64 tiles of 256 x 256 on a multispectral one.
SAMPLE_BYTES = 512 * 2**20


def sample_region(
    ds: Any,
    info: RasterInfo,
    region: Region,
    capacity: int = 50_000,
    seed: int = 0,
    tile_size: int | None = None,
    max_tiles: int = 64,
) -> np.ndarray:
    """A seeded uniform sample (m, B) of the region's valid pixels, from random tiles.

    Tiles are taken block by block of the raster (random blocks, all their tiles), so that a
    block is decoded once, and each tile adds a uniform Bernoulli subsample of its valid
    pixels (no more than the reservoir can use). Reads at most ``max_tiles`` tiles and
    :data:`SAMPLE_BYTES` of decoded data once it has found valid pixels, so the cost does not
    grow with the region; RegionError if the region is all nodata.
    """
    from ..mapping.band_mapping import PixelReservoir, sample_dtype

    tiled = is_tiled(ds)
    if tile_size is None:  # small tiles spread further on tiled rasters; raw/strip layouts
        tile_size = 64 if tiled else 256  # pay per row and band: larger tiles
    # tiled: decoded blocks stay in GDAL's cache for the prediction; raw reads do not
    budget = SAMPLE_BYTES if tiled else SAMPLE_BYTES // 4
    tiles, order, rng = _sample_order(ds, info, region, tile_size, seed)
    itemsize = np.dtype(info.read_dtype).itemsize
    planned = max(1, min(len(order), max_tiles,
                         int(budget // (tile_size**2 * info.count * itemsize))))  # fmt: skip
    masks = {int(t): region.mask(tiles[int(t)].window) for t in order[:planned]}
    in_region = sum(int(m.sum()) for m in masks.values())
    rate = min(1.0, 4.0 * capacity / max(in_region, 1))
    reservoir = PixelReservoir(n_bands=info.count, capacity=capacity, seed=seed,
                               dtype=sample_dtype(info.read_dtype))
    read_bytes = 0
    for i, t in enumerate(order):
        if (i >= max_tiles or read_bytes >= budget) and reservoir.seen > 0:
            break
        tile = tiles[int(t)]
        data, valid = read_block(ds, info, tile.window)
        read_bytes += data.nbytes
        mask = masks.pop(int(t), None)
        valid &= region.mask(tile.window) if mask is None else mask
        if rate < 1.0:
            valid &= rng.random(valid.shape) < rate
        if valid.any():
            reservoir.add(data[:, valid].T)
    if reservoir.seen == 0:
        raise RegionError(
            msg(
                "The region holds no valid pixel (it is entirely nodata or masked). Choose "
                "a region over valid raster data.",
            )
        )
    return reservoir.samples().copy()
