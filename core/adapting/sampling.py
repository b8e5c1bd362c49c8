"""Labelled geometries -> support pixels, and seeded pixel samples of the target region.

Points give the pixel under them; polygons (and lines) are rasterised on their own pixel
window only, so thousands of small features cost thousands of tiny rasterisations, never a
full-raster mask. Each class is capped at ``shots_cap`` pixels with a seeded sample that is
stratified over the class's features (water-filling: every feature gets an equal share
before a big one gets more), so one big polygon cannot drown the small ones. Pixels under
nodata are dropped; a pixel labelled twice with one class counts once; a pixel claimed by
two classes is dropped with a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
import rasterio.features
import rasterio.windows
from rasterio.windows import Window

from ..errors import LabelError
from ..messages import msg
from ..reading.raster_io import (
    RasterInfo,
    apply_affine,
    block_cells,
    geometry_is_usable,
    geometry_window,
    read_block,
    read_raw_points,
    valid_values,
)

MAX_CLASSES = 254
_CHUNK = 2048  # rasterise huge polygons in chunks of this many pixels per side


@dataclass
class LabelledFeature:
    """One labelled geometry (GeoJSON-like dict in the raster's CRS) and its class value."""

    geometry: dict | None
    label: Any  # str | int | None; None/"" are skipped and counted


@dataclass
class SupportSet:
    """Support pixels: values, class index (0..N-1), source feature, raster position."""

    x: np.ndarray  # (n, B) float32 pixel values
    y: np.ndarray  # (n,) int64 index into ``classes``
    feature_id: np.ndarray  # (n,) index of the source feature in the input list
    rows: np.ndarray
    cols: np.ndarray
    classes: List[str]
    codes: List[int]
    # usable labelled pixels considered (at most 2 x shots_cap per feature), before the cap
    pixels_per_class: Dict[str, int]
    support_pixels: Dict[str, int]  # pixels kept after the per-class cap
    features_per_class: Dict[str, int]  # features that contributed at least one pixel
    skipped: Dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    warnings: List[str] = field(default_factory=list)

    @property
    def skipped_features(self) -> int:
        return int(sum(self.skipped.values()))

    @property
    def n_classes(self) -> int:
        return len(self.classes)


# --------------------------------------------------------------------------- labels


def normalise_label(label: Any) -> Any:
    """int for integral numbers, stripped str for text, None for NULL/empty/NaN."""
    if label is None:
        return None
    if isinstance(label, bool):
        return str(label)
    if isinstance(label, (int, np.integer)):
        return int(label)
    if isinstance(label, (float, np.floating)):
        if not math.isfinite(float(label)):
            return None
        return int(label) if float(label).is_integer() else str(float(label))
    if isinstance(label, str):
        text = label.strip()
        return text or None
    if isinstance(label, bytes):
        return normalise_label(label.decode("utf-8", "replace"))
    raise LabelError(
        msg(
            "A class value has the unusable type {name} ({label!r}). Use a text or integer "
            "field as the class field.",
            name=type(label).__name__,
            label=label,
        )
    )


def class_coding(labels: Sequence[Any]) -> Tuple[List[str], List[int], Dict[Any, int]]:
    """Class names, codes and label -> index, per docs/architecture.md.

    All labels integers in 1..254: the code is the label. Otherwise labels are sorted as
    strings and coded 1..N.
    """
    uniq = set(labels)
    if all(isinstance(v, int) and 1 <= v <= MAX_CLASSES for v in uniq):
        ordered = sorted(uniq)
        names = [str(v) for v in ordered]
        codes = [int(v) for v in ordered]
        index = {v: i for i, v in enumerate(ordered)}
        return names, codes, index
    names = sorted({str(v) for v in uniq})
    if len(names) > MAX_CLASSES:
        raise LabelError(
            msg(
                "There are {n_names} distinct class values; the class map holds at most "
                "{max_classes}. Check the class field (an ID field instead of a class "
                "field?) or merge classes.",
                n_names=len(names),
                max_classes=MAX_CLASSES,
            )
        )
    pos = {n: i for i, n in enumerate(names)}
    return names, list(range(1, len(names) + 1)), {v: pos[str(v)] for v in uniq}


# --------------------------------------------------------------------------- geometry -> pixels


def _point_pixels(geom: dict, info: RasterInfo) -> Tuple[np.ndarray, np.ndarray]:
    coords = geom["coordinates"]
    pts = np.asarray([coords] if geom["type"] == "Point" else coords, dtype=np.float64)
    pts = pts.reshape(-1, pts.shape[-1])[:, :2]
    inv = ~info.transform
    cols_f, rows_f = apply_affine(inv, pts[:, 0], pts[:, 1])
    cols, rows = np.floor(cols_f).astype(np.int64), np.floor(rows_f).astype(np.int64)
    keep = (cols >= 0) & (cols < info.width) & (rows >= 0) & (rows < info.height)
    return rows[keep], cols[keep]


def _rasterise(
    geom: dict, window: Window, info: RasterInfo, all_touched: bool
) -> Tuple[np.ndarray, np.ndarray]:
    h, w = int(window.height), int(window.width)
    wt = rasterio.windows.transform(window, info.transform)
    mask = rasterio.features.geometry_mask([geom], (h, w), wt, all_touched=all_touched, invert=True)
    r, c = np.nonzero(mask)
    return r.astype(np.int64) + int(window.row_off), c.astype(np.int64) + int(window.col_off)


def feature_pixels(
    geom: dict, info: RasterInfo, limit: int, rng: np.random.Generator
) -> Tuple[np.ndarray, np.ndarray]:
    """Raster pixels (rows, cols) of one feature, a uniform sample of at most ``limit``.

    Polygons: pixels whose centre is inside; a polygon too small to hold a pixel centre gets
    the pixels it touches. Lines: pixels they touch. Points: the pixel under each point.
    """
    if geom["type"] in ("Point", "MultiPoint"):
        rows, cols = _point_pixels(geom, info)
    else:
        window = geometry_window(geom, info.transform, info.width, info.height)
        if window is None:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        touched = "Line" in geom["type"]
        rows, cols = _rasterise_chunked(geom, window, info, touched, limit, rng)
        if rows.size == 0 and not touched:
            rows, cols = _rasterise_chunked(geom, window, info, True, limit, rng)
    if rows.size > limit:
        pick = np.sort(rng.choice(rows.size, limit, replace=False))
        rows, cols = rows[pick], cols[pick]
    return rows, cols


def _rasterise_chunked(
    geom: dict,
    window: Window,
    info: RasterInfo,
    touched: bool,
    limit: int,
    rng: np.random.Generator,
) -> Tuple[np.ndarray, np.ndarray]:
    """Rasterise in chunks; keep a uniform sample of ``limit`` by smallest random keys."""
    if window.width <= _CHUNK and window.height <= _CHUNK:
        return _rasterise(geom, window, info, touched)
    keep_r = np.empty(0, np.int64)
    keep_c = np.empty(0, np.int64)
    keep_k = np.empty(0, np.float64)
    for r0 in range(int(window.row_off), int(window.row_off + window.height), _CHUNK):
        for c0 in range(int(window.col_off), int(window.col_off + window.width), _CHUNK):
            sub = Window(
                c0, r0,
                min(_CHUNK, int(window.col_off + window.width) - c0),
                min(_CHUNK, int(window.row_off + window.height) - r0),
            )  # fmt: skip
            r, c = _rasterise(geom, sub, info, touched)
            if r.size == 0:
                continue
            keys = rng.random(r.size)
            keep_r = np.concatenate([keep_r, r])
            keep_c = np.concatenate([keep_c, c])
            keep_k = np.concatenate([keep_k, keys])
            if keep_k.size > limit:
                best = np.argpartition(keep_k, limit)[:limit]
                keep_r, keep_c, keep_k = keep_r[best], keep_c[best], keep_k[best]
    return keep_r, keep_c


def _pixel_groups(
    ds: Any, info: RasterInfo, rows: np.ndarray, cols: np.ndarray
) -> List[np.ndarray]:
    """Indices of ``rows, cols`` grouped by raster block (see :func:`block_cells`)."""
    cell_h, cell_w = block_cells(ds, info)
    bid = (rows // cell_h) * (info.width // cell_w + 1) + cols // cell_w
    order = np.argsort(bid, kind="stable")
    bounds = np.flatnonzero(np.diff(bid[order])) + 1
    return np.split(order, bounds)


def read_pixels(
    ds: Any, info: RasterInfo, rows: np.ndarray, cols: np.ndarray
) -> Tuple[np.ndarray, np.ndarray]:
    """Values (n, B) float32 and validity (n,) of scattered pixels, read block by block.

    Pixels are grouped by the raster's blocks (a 512 x 512 block of a 204-band
    pixel-interleaved GeoTIFF is 107 MB decoded: one read per block, not per point); each
    group reads only the bounding window of its own pixels.
    """
    n = rows.size
    values = np.zeros((n, info.count), dtype=np.float32)
    valid = np.zeros(n, dtype=bool)
    if n == 0:
        return values, valid
    if info.raw_layout is not None and info.mask_mode != "mask":
        data = read_raw_points(info.raw_layout, rows, cols, info.band_indexes, info.read_dtype)
        return data.T.astype(np.float32), valid_values(data, info)
    for group in _pixel_groups(ds, info, rows, cols):
        r, c = rows[group], cols[group]
        r0, c0 = int(r.min()), int(c.min())
        win = Window(c0, r0, int(c.max()) - c0 + 1, int(r.max()) - r0 + 1)
        data, ok = read_block(ds, info, win)
        values[group] = data[:, r - r0, c - c0].T
        valid[group] = ok[r - r0, c - c0]
    return values, valid


def read_patches(
    ds: Any, info: RasterInfo, rows: np.ndarray, cols: np.ndarray, radius: int
) -> Tuple[np.ndarray, np.ndarray]:
    """The (2r+1)^2 neighbourhoods of scattered pixels, read block by block.

    Returns values (B, n, k, k) in ``info.read_dtype`` and validity (n, k, k); pixels
    beyond the raster's edge are invalid (as a tile read at the edge sees them).
    """
    r = int(radius)
    k = 2 * r + 1
    n = rows.size
    values = np.zeros((info.count, n, k, k), dtype=info.read_dtype)
    valid = np.zeros((n, k, k), dtype=bool)
    offs = np.arange(-r, r + 1)
    if info.raw_layout is not None and info.mask_mode != "mask" and n:
        rr = rows[:, None, None] + offs[None, :, None] + np.zeros((1, 1, k), np.int64)
        cc = cols[:, None, None] + np.zeros((1, k, 1), np.int64) + offs[None, None, :]
        inside = (rr >= 0) & (rr < info.height) & (cc >= 0) & (cc < info.width)
        ri, ci = np.clip(rr, 0, info.height - 1), np.clip(cc, 0, info.width - 1)
        data = read_raw_points(info.raw_layout, ri.reshape(-1), ci.reshape(-1),
                               info.band_indexes, info.read_dtype)  # fmt: skip
        values = data.reshape(info.count, n, k, k)
        return values, valid_values(data, info).reshape(n, k, k) & inside
    for group in _pixel_groups(ds, info, rows, cols):
        rr = rows[group][:, None] + offs  # (m, k)
        cc = cols[group][:, None] + offs
        r0, c0 = max(int(rr.min()), 0), max(int(cc.min()), 0)
        r1, c1 = min(int(rr.max()) + 1, info.height), min(int(cc.max()) + 1, info.width)
        data, ok = read_block(ds, info, Window(c0, r0, c1 - c0, r1 - r0))
        in_r = (rr >= 0) & (rr < info.height)
        in_c = (cc >= 0) & (cc < info.width)
        ri = np.clip(rr, r0, r1 - 1) - r0
        ci = np.clip(cc, c0, c1 - 1) - c0
        values[:, group] = data[:, ri[:, :, None], ci[:, None, :]]
        valid[group] = ok[ri[:, :, None], ci[:, None, :]] & in_r[:, :, None] & in_c[:, None, :]
    return values, valid


# --------------------------------------------------------------------------- support set


def _water_fill(counts: np.ndarray, cap: int, rng: np.random.Generator) -> np.ndarray:
    """Per-feature allocation summing to min(cap, total), as equal as the features allow."""
    if counts.sum() <= cap:
        return counts.copy()
    lo, hi = 0, int(counts.max())
    while lo < hi:  # smallest quota q with sum(min(n, q)) >= cap
        mid = (lo + hi) // 2
        if np.minimum(counts, mid).sum() >= cap:
            hi = mid
        else:
            lo = mid + 1
    alloc = np.minimum(counts, lo)
    excess = int(alloc.sum() - cap)
    if excess > 0:
        at_quota = np.flatnonzero(alloc == lo)
        alloc[rng.choice(at_quota, excess, replace=False)] -= 1
    return alloc


def build_support(
    ds: Any,
    info: RasterInfo,
    features: Sequence[Any],
    shots_cap: int = 200,
    seed: int = 0,
) -> SupportSet:
    """Support pixels of labelled features (see module doc); LabelError when unusable."""
    shots_cap = max(1, int(shots_cap))
    n_in = len(features)
    if n_in == 0:
        raise LabelError(
            msg(
                "No labelled features were given. Digitise points or polygons over at "
                "least two classes and set their class field.",
            )
        )
    labelled, skipped = _labelled(features)
    names, codes, index = class_coding([lab for _, _, lab in labelled])
    if len(names) < 2:
        raise LabelError(
            msg(
                "Only one class ({names_item!r}) was found among {n_labelled} labelled "
                "features; a classifier needs at least two. Label features of at least one "
                "more class.",
                names_item=names[0],
                n_labelled=len(labelled),
            )
        )
    rows, cols, y, fids = _candidates(labelled, info, index, 2 * shots_cap, seed, skipped)
    rows, cols, y, fids, n_conflicts = _without_conflicts(rows, cols, y, fids, info.width)
    # the values; nodata dropped
    x, ok = read_pixels(ds, info, rows, cols)
    x, rows, cols, y, fids = x[ok], rows[ok], cols[ok], y[ok], fids[ok]

    # every class keeps a usable pixel, then the per-class cap over its features
    empty = [names[k] for k in range(len(names)) if not (y == k).any()]
    if empty:
        raise LabelError(
            msg(
                "Classes {classes} have no usable pixel: their features lie outside "
                "the raster, over nodata, or on pixels also labelled with another class. "
                "Add features of those classes over valid raster data, or remove them.",
                classes=', '.join(repr(e) for e in empty),
            ) if len(empty) > 1 else msg(
                "Class {classes} has no usable pixel: its features lie outside the raster, "
                "over nodata, or on pixels also labelled with another class. Add features "
                "of that class over valid raster data, or remove the class.",
                classes=repr(empty[0]),
            )
        )
    sel, pixels_per_class, support_pixels, features_per_class = _capped(
        y, fids, names, shots_cap, seed)
    warnings = _support_warnings(skipped, n_conflicts)
    return SupportSet(
        x=x[sel],
        y=y[sel],
        feature_id=fids[sel],
        rows=rows[sel],
        cols=cols[sel],
        classes=names,
        codes=codes,
        pixels_per_class=pixels_per_class,
        support_pixels=support_pixels,
        features_per_class=features_per_class,
        skipped=skipped,
        conflicts=n_conflicts,
        warnings=warnings,
    )


def _labelled(features: Sequence[Any]) -> Tuple[List[Tuple[int, dict, Any]], Dict[str, int]]:
    """(feature index, geometry, label) of the features with both; the others counted."""
    n_in = len(features)
    skipped = {"no_label": 0, "no_geometry": 0, "outside_raster": 0}
    labelled: List[Tuple[int, dict, Any]] = []
    for fid, feat in enumerate(features):
        geom = getattr(feat, "geometry", None)
        label = normalise_label(getattr(feat, "label", None))
        if label is None:
            skipped["no_label"] += 1
        elif not geometry_is_usable(geom):
            skipped["no_geometry"] += 1
        else:
            labelled.append((fid, geom, label))  # type: ignore[arg-type]
    if not labelled:
        raise LabelError(
            msg(
                "None of the {n_in} labelled features has both a class value and a "
                "geometry ({skipped_no_label} have an empty/NULL class, "
                "{skipped_no_geometry} an empty geometry). Fill the class field of your "
                "training features.",
                n_in=n_in,
                skipped_no_label=skipped['no_label'],
                skipped_no_geometry=skipped['no_geometry'],
            )
        )
    return labelled, skipped


def _candidates(labelled: List[Tuple[int, dict, Any]], info: RasterInfo, index: Dict[Any, int],
                limit: int, seed: int, skipped: Dict[str, int]) -> Tuple[np.ndarray, ...]:
    """Candidate pixels (rows, cols, class, feature) of every feature: at most ``limit``
    a feature (twice the cap: a feature never needs more)."""
    cand_r, cand_c, cand_y, cand_f = [], [], [], []
    for fid, geom, label in labelled:
        rng = np.random.default_rng([seed, fid])
        r, c = feature_pixels(geom, info, limit, rng)
        if r.size == 0:
            skipped["outside_raster"] += 1
            continue
        cand_r.append(r)
        cand_c.append(c)
        cand_y.append(np.full(r.size, index[label], np.int64))
        cand_f.append(np.full(r.size, fid, np.int64))
    if not cand_r:
        left, bottom, right, top = info.bounds
        raise LabelError(
            msg(
                "None of the {n_labelled} labelled features overlaps the raster (raster "
                "extent {left:.6g}, {bottom:.6g} : {right:.6g}, {top:.6g} in its CRS). "
                "Digitise the features over the raster, or check that features and raster "
                "use the right CRS.",
                n_labelled=len(labelled),
                left=left,
                bottom=bottom,
                right=right,
                top=top,
            )
        )
    return (np.concatenate(cand_r), np.concatenate(cand_c), np.concatenate(cand_y),
            np.concatenate(cand_f))


def _without_conflicts(rows: np.ndarray, cols: np.ndarray, y: np.ndarray, fids: np.ndarray,
                       width: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Duplicates: the same pixel and class counts once; the same pixel with two classes is
    dropped (their number is returned last)."""
    key = rows * width + cols
    order = np.lexsort((fids, key))
    key, rows, cols, y, fids = key[order], rows[order], cols[order], y[order], fids[order]
    first = np.ones(key.size, bool)
    first[1:] = key[1:] != key[:-1]
    grp = np.cumsum(first) - 1
    ymin = np.full(grp[-1] + 1, np.iinfo(np.int64).max)
    ymax = np.full(grp[-1] + 1, -1)
    np.minimum.at(ymin, grp, y)
    np.maximum.at(ymax, grp, y)
    conflicted = (ymin != ymax)[grp]
    n_conflicts = int((conflicted & first).sum())
    keep = first & ~conflicted
    rows, cols, y, fids = rows[keep], cols[keep], y[keep], fids[keep]

    return rows, cols, y, fids, n_conflicts


def _capped(y: np.ndarray, fids: np.ndarray, names: List[str], shots_cap: int, seed: int
            ) -> Tuple[np.ndarray, Dict[str, int], Dict[str, int], Dict[str, int]]:
    """The support's pixels (sorted indices): at most ``shots_cap`` a class, stratified over
    its features; and the pixels found, used and the features, per class."""
    chosen: List[np.ndarray] = []
    pixels_per_class: Dict[str, int] = {}
    support_pixels: Dict[str, int] = {}
    features_per_class: Dict[str, int] = {}
    for k, name in enumerate(names):
        idx = np.flatnonzero(y == k)
        rng = np.random.default_rng([seed, 7919, k])
        feat_ids, inverse = np.unique(fids[idx], return_inverse=True)
        counts = np.bincount(inverse)
        alloc = _water_fill(counts, shots_cap, rng)
        for j in range(feat_ids.size):
            members = idx[inverse == j]
            if alloc[j] < members.size:
                members = np.sort(rng.choice(members, int(alloc[j]), replace=False))
            chosen.append(members)
        pixels_per_class[name] = int(idx.size)
        support_pixels[name] = int(alloc.sum())
        features_per_class[name] = int(feat_ids.size)
    sel = np.sort(np.concatenate(chosen))
    return sel, pixels_per_class, support_pixels, features_per_class


def _support_warnings(skipped: Dict[str, int], n_conflicts: int) -> List[str]:
    """One log warning per kind of feature or pixel left out."""
    warnings: List[str] = []
    if skipped["no_label"]:
        warnings.append(msg(
            "{skipped_no_label} feature(s) with an empty/NULL class were skipped.",
            skipped_no_label=skipped['no_label'],
        ))
    if skipped["no_geometry"]:
        warnings.append(msg(
            "{skipped_no_geometry} feature(s) with an empty geometry were skipped.",
            skipped_no_geometry=skipped['no_geometry'],
        ))
    if skipped["outside_raster"]:
        warnings.append(msg(
            "{skipped_outside_raster} feature(s) outside the raster were skipped.",
            skipped_outside_raster=skipped['outside_raster'],
        ))
    if n_conflicts:
        warnings.append(
            msg(
                "{n_conflicts} pixel(s) labelled with two different classes were dropped; "
                "check overlapping training polygons.",
                n_conflicts=n_conflicts,
            )
        )
    return warnings
