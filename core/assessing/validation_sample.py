"""Stratified random validation samples over a class map (strata = map classes).

Good practice for assessing a map and estimating areas from it (Olofsson et al. 2014,
"Good practices for estimating area and assessing accuracy of land change", Remote Sensing
of Environment 148, 42-57) is a probability sample stratified by map class:

* the total size from the standard error wanted for overall accuracy (their eq. 13, Cochran
  1977 eq. 5.25): ``n = (sum W_i S_i)^2 / (S(O)^2 + sum W_i S_i^2 / N)`` with
  ``S_i = sqrt(U_i (1 - U_i))`` for the user's accuracy ``U_i`` expected of class ``i``;
* an allocation: proportional, equal, or the usual compromise (every class gets at least a
  minimum, 50-100 in the paper, the rest is shared in proportion to area);
* within each stratum, pixels drawn with equal probability, without replacement.

Memory: two passes over the map, window by window. Pass 1 counts the pixels of every class
(:func:`core.assessing.class_map.class_pixel_counts`); then, per class, ``n_h`` distinct ranks are
drawn in ``[0, N_h)`` (Floyd's algorithm: O(n_h), never O(N_h)); pass 2 walks the same
windows in the same order and turns the ranks that fall in each window into pixels. The
sample is exactly a simple random sample of each stratum, whatever the map's size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Sequence, Tuple

import numpy as np

from ..errors import Cancelled, InputError
from ..messages import msg
from ..reading.raster_io import Region, apply_affine
from .class_map import ClassMapInfo, class_pixel_counts, iter_windows, open_map, read_codes

ALLOCATIONS = ("proportional", "equal", "compromise")
DEFAULT_EXPECTED_ACCURACY = 0.85


@dataclass
class SamplePoint:
    """One sample unit: pixel centre (map CRS), its pixel and map class."""

    x: float
    y: float
    row: int
    col: int
    code: int
    name: str


@dataclass
class SampleDesign:
    """The design actually used: sizes per stratum and how the total was chosen."""

    strata_pixels: Dict[int, int]  # N_h per class code (the population, region only)
    sample_sizes: Dict[int, int]  # n_h per class code
    total_requested: int
    size_method: str  # "given" | "target standard error of overall accuracy"
    allocation: str
    min_per_class: int
    expected_accuracy: Dict[int, float] = field(default_factory=dict)
    target_se: float | None = None
    notes: List[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return int(sum(self.sample_sizes.values()))


# --------------------------------------------------------------------------- sample size


def cochran_sample_size(
    weights: Sequence[float],
    expected_accuracy: Sequence[float],
    target_se: float,
    population: int | None = None,
) -> int:
    """Total sample size for a target standard error of overall accuracy (stratified).

    Olofsson et al. (2014) eq. 13 (Cochran 1977 eq. 5.25); ``population`` (pixels) adds
    the finite population correction, negligible for maps.
    """
    if not 0 < target_se < 0.5:
        raise InputError(
            msg(
                "The target standard error of overall accuracy must be between 0 and 0.5 "
                "(got {target_se}); 0.01 is usual. Choose a value such as 0.01 or 0.02.",
                target_se=target_se,
            )
        )
    w = np.asarray(weights, dtype=np.float64)
    u = np.clip(np.asarray(expected_accuracy, dtype=np.float64), 0.0, 1.0)
    s = np.sqrt(u * (1.0 - u))
    num = float((w * s).sum()) ** 2
    den = target_se**2 + (float((w * s * s).sum()) / population if population else 0.0)
    return max(1, math.ceil(num / den - 1e-9))


def parse_expected_accuracy(text: str, names: Mapping[int, str]) -> Dict[int, float]:
    """``"0.85"`` or ``"0.9; deforestation=0.7; forest gain=0.6"`` -> U_i per class code.

    A bare number is the default for every class; ``name=value`` (or ``code=value``) sets
    one class. Names match case-insensitively.
    """
    default = DEFAULT_EXPECTED_ACCURACY
    per_class: Dict[int, float] = {}
    by_name = {v.strip().lower(): k for k, v in names.items()}
    for part in (p.strip() for p in (text or "").replace(";", ",").split(",")):
        if not part:
            continue
        key, _, value = part.rpartition("=")
        try:
            number = float(value)
        except ValueError:
            raise InputError(
                msg(
                    "Expected user's accuracy '{part}' is not a number. Write e.g. '0.85', "
                    "or '0.9, deforestation=0.7' (a default, then class=value pairs).",
                    part=part,
                )
            ) from None
        if not 0.0 < number <= 1.0:
            raise InputError(
                msg(
                    "Expected user's accuracy {number} is not between 0 and 1. Write e.g. "
                    "0.85.",
                    number=number,
                )
            )
        if not key:
            default = number
            continue
        code = by_name.get(key.strip().lower())
        if code is None and key.strip().lstrip("-").isdigit() and int(key) in names:
            code = int(key)
        if code is None:
            raise InputError(
                msg(
                    "Expected user's accuracy names the class '{strip}', which is not a "
                    "class of the map ({values_list}). Use the map's class names.",
                    strip=key.strip(),
                    values_list=', '.join(names.values()),
                )
            )
        per_class[code] = number
    return {code: per_class.get(code, default) for code in names}


# --------------------------------------------------------------------------- allocation


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``shares`` summing to ``total`` (Hamilton's method)."""
    if total <= 0 or shares.sum() <= 0:
        return np.zeros(len(shares), dtype=np.int64)
    exact = shares / shares.sum() * total
    base = np.floor(exact).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rest]] += 1
    return base


def allocate(
    strata_pixels: Mapping[int, int], total: int, method: str, min_per_class: int = 50
) -> Tuple[Dict[int, int], List[str]]:
    """Sample size per stratum (code -> n_h), capped at the stratum's pixels; with notes.

    * proportional: ``n_h`` proportional to the stratum's area (rare classes may get none);
    * equal: the same size for every class;
    * compromise: every class gets at least ``min_per_class``, the rest is shared in
      proportion to area (Olofsson et al. 2014, section 5.1.2).
    """
    if method not in ALLOCATIONS:
        raise InputError(msg(
            "Unknown allocation '{method}'. Use one of {allocations_list}.",
            method=method,
            allocations_list=', '.join(ALLOCATIONS),
        ))
    codes = list(strata_pixels)
    cap = np.array([strata_pixels[c] for c in codes], dtype=np.int64)
    notes: List[str] = []
    q = len(codes)
    if method == "proportional":
        sizes = _largest_remainder(cap.astype(np.float64), total)
    elif method == "equal":
        sizes = _largest_remainder(np.ones(q), total)
    else:
        floor = np.minimum(cap, min_per_class)
        if int(floor.sum()) >= total:
            if int(floor.sum()) > total:
                notes.append(
                    msg(
                        "The minimum of {min_per_class} per class for {q} classes needs "
                        "{sum} points, more than the {total} asked: every class gets its "
                        "minimum ({sum} in all).",
                        min_per_class=min_per_class,
                        q=q,
                        sum=int(floor.sum()),
                        total=total,
                    )
                )
            sizes = floor.copy()
        else:
            # water-filling: classes whose proportional share is below the floor get the
            # floor; the others share what is left in proportion to area
            fixed = np.zeros(q, dtype=bool)
            while True:
                left = total - int(floor[fixed].sum())
                shares = np.where(fixed, 0.0, cap.astype(np.float64))
                sizes = _largest_remainder(shares, left)
                low = ~fixed & (sizes < floor)
                if not low.any():
                    break
                fixed |= low
            sizes = np.where(fixed, floor, sizes)
    over = sizes > cap
    if over.any():
        small = [str(codes[i]) for i in np.flatnonzero(over)]
        notes.append(
            msg(
                "Class(es) {small_list} have fewer pixels than their share: all their "
                "pixels are taken.",
                small_list=', '.join(small),
            )
        )
        sizes = np.minimum(sizes, cap)
    return {c: int(n) for c, n in zip(codes, sizes)}, notes


# --------------------------------------------------------------------------- drawing


def draw_ranks(rng: np.random.Generator, population: int, n: int) -> np.ndarray:
    """``n`` distinct sorted integers in ``[0, population)``, uniformly (Floyd's algorithm).

    O(n) time and memory whatever ``population`` is (a map stratum can be 10^10 pixels).
    """
    n = min(int(n), int(population))
    chosen: set = set()
    for j in range(population - n, population):
        t = int(rng.integers(0, j + 1))
        chosen.add(j if t in chosen else t)
    return np.array(sorted(chosen), dtype=np.int64)


def design_sample(
    cmap: ClassMapInfo,
    region: Region,
    *,
    total: int | None,
    target_se: float = 0.01,
    expected_accuracy: str = "",
    allocation: str = "compromise",
    min_per_class: int = 50,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> SampleDesign:
    """Pass 1: count the strata and decide the sample sizes (no pixel drawn yet)."""
    strata = class_pixel_counts(cmap, region, progress, is_cancelled)
    names = {c: cmap.name_of(c) for c in strata}
    population = int(sum(strata.values()))
    expected = parse_expected_accuracy(expected_accuracy, names)
    notes: List[str] = []
    if total is None or total <= 0:
        weights = [strata[c] / population for c in strata]
        total = cochran_sample_size(weights, [expected[c] for c in strata], target_se,
                                    population)
        method = "target standard error of overall accuracy"
    else:
        method = "given"
    sizes, alloc_notes = allocate(strata, int(total), allocation, min_per_class)
    notes.extend(alloc_notes)
    empty = [names[c] for c, n in sizes.items() if n == 0]
    if empty:
        notes.append(
            msg(
                "No sample for class(es) {empty_list} (proportional allocation of a small "
                "total): their accuracy and area cannot be estimated. Use the compromise "
                "allocation or a larger sample.",
                empty_list=', '.join(empty),
            )
        )
    return SampleDesign(
        strata_pixels=strata, sample_sizes=sizes, total_requested=int(total),
        size_method=method, allocation=allocation, min_per_class=min_per_class,
        expected_accuracy=expected if method != "given" else {},
        target_se=target_se if method != "given" else None, notes=notes,
    )


def draw_sample(
    cmap: ClassMapInfo,
    region: Region,
    design: SampleDesign,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> List[SamplePoint]:
    """Pass 2: the sample itself, ordered by class code then raster position. Seeded."""
    rng = np.random.default_rng(seed)
    ranks = {c: draw_ranks(rng, design.strata_pixels[c], n)
             for c, n in design.sample_sizes.items() if n > 0}
    seen = {c: 0 for c in ranks}  # pixels of each class met in the windows walked so far
    pointer = {c: 0 for c in ranks}  # next rank not yet placed
    picked: Dict[int, List[Tuple[int, int]]] = {c: [] for c in ranks}
    windows = list(iter_windows(region))
    with open_map(cmap.path) as ds:
        for i, (window, _out) in enumerate(windows):
            if is_cancelled is not None and is_cancelled():
                raise Cancelled()
            if all(pointer[c] >= len(r) for c, r in ranks.items()):
                break
            data, valid = read_codes(ds, region, window)
            flat_codes = data.ravel()
            flat_valid = valid.ravel()
            width = int(window.width)
            for c, r in ranks.items():
                if pointer[c] >= len(r):
                    continue
                where = np.flatnonzero(flat_valid & (flat_codes == c))
                k = len(where)
                if k == 0:
                    continue
                stop = int(np.searchsorted(r, seen[c] + k, side="left"))
                if stop > pointer[c]:
                    local = where[r[pointer[c]:stop] - seen[c]]
                    rows = local // width + int(window.row_off)
                    cols = local % width + int(window.col_off)
                    picked[c].extend(zip(rows.tolist(), cols.tolist()))
                    pointer[c] = stop
                seen[c] += k
            if progress is not None:
                progress((i + 1) / len(windows))
    missing = [c for c, r in ranks.items() if pointer[c] != len(r)]
    if missing:  # the map changed between the passes
        raise InputError(
            msg(
                "The class map changed while the sample was drawn. Run again once it is "
                "written.",
            )
        )
    points: List[SamplePoint] = []
    transform = cmap.raster.transform
    for c in sorted(picked):
        for row, col in sorted(picked[c]):
            x, y = apply_affine(transform, col + 0.5, row + 0.5)
            points.append(SamplePoint(float(x), float(y), int(row), int(col), int(c),
                                      cmap.name_of(c)))
    return points
