""""Label here next": the few places where one more label should improve the map most.

The adapted model's class probabilities, tile by tile during the prediction pass, become an
uncertainty score per pixel; each tile keeps only its best few candidates and a final
selection over all candidates picks the suggestions. Nothing holds the whole region.

A good place to label is

* **uncertain**: the model hesitates between two classes (small margin between the two
  highest probabilities, or high entropy);
* **representative**: the pixels around it are just as uncertain and mostly predicted
  alike, so one label there settles a patch rather than one noisy or mixed pixel. The
  score is the uncertainty averaged over the valid pixels of a (2r+1)^2 window, times the
  share of that window predicted as the centre's class raised to ``agreement_power``;
* **spread out**: no two suggestions closer than ``spacing_px`` (Euclidean, pixels), and
  none within ``label_clearance_px`` of an existing label (the caller marks those pixels);
* **away from the labels**: the score is multiplied by min(1, distance to the nearest
  existing label / spacing) ** ``label_distance_power`` (the caller gives the labels'
  positions), so a place the labels already cover waits for one they do not;
* **valid**: only valid, in-region pixels are candidates.

Options compared by the experiment and left off (docs/suggestions_variants.md):
``balance_pairs`` takes one suggestion per confused class pair (best, second
class) first, then fills by score; ``balance_classes`` at most ceil(count / N) per predicted
class first; ``confusion_power`` multiplies a candidate's score by its pair's share of the
uncertainty summed over the whole region (accumulated tile by tile), raised to that power.
When balancing, each tile keeps its best candidates per group as well as overall, so the
final choice can reach every group.

Ties are broken by a tiny seeded jitter (keyed by the tile's position, so the result does
not depend on the order tiles arrive in): the same inputs and seed give the same points.
The defaults were chosen by the simulated-analyst experiment in
:mod:`training.evaluate_suggestions` (docs/suggestions.md).

Pure NumPy (+ SciPy's uniform filter): no torch, no raster I/O.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from typing import List, Sequence, Tuple

import numpy as np

SCORES = ("margin", "entropy")


@dataclass(frozen=True)
class SuggestConfig:
    """How suggestions are scored and spread (see the module docstring)."""

    count: int = 10
    score: str = "margin"  # margin | entropy
    smooth_radius: int = 1  # representativeness window (2r+1)^2; 0 = the pixel alone
    agreement_power: float = 1.0  # weight of neighbours predicted as the centre's class
    spacing_px: float | None = None  # None: automatic, see :func:`auto_spacing`
    spacing_fraction: float = 0.5  # automatic spacing = fraction * sqrt(area / count)
    label_clearance_px: int = 3  # the caller keeps suggestions this far from labels
    candidates_per_tile: int | None = None  # None: 2 x count
    balance_classes: bool = False  # at most ceil(count / N) per most-likely class, then fill
    balance_pairs: bool = False  # first one per confused class pair (best, second), then fill
    #: weight each candidate by (its confused pair's share of the region's uncertainty) ** this:
    #: a confusion that covers much of the region is worth more labels (0 = off)
    confusion_power: float = 0.0
    #: weight each candidate by min(1, distance to the nearest label / spacing) ** this:
    #: places far from every label first (coverage; 0 = off)
    label_distance_power: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.score not in SCORES:
            raise ValueError(f"Unknown suggestion score {self.score!r}; use one of {SCORES}.")
        if self.count < 0:
            raise ValueError("The number of suggestions cannot be negative.")


@dataclass(frozen=True)
class Suggestion:
    """One place to label: raster pixel, position in the raster CRS, what the model hesitates
    between (class indices 0..N-1 and their probabilities) and the score that ranked it."""

    rank: int
    row: int
    col: int
    x: float
    y: float
    class_1: int
    prob_1: float
    class_2: int
    prob_2: float
    score: float


@dataclass
class _Candidate:
    score: float
    tie: float
    row: int
    col: int
    class_1: int
    prob_1: float
    class_2: int
    prob_2: float


def auto_spacing(area_px: float, count: int, fraction: float = 0.5, floor: float = 3.0) -> float:
    """Minimum distance between suggestions: ``fraction`` of the side of the square each
    suggestion would own if ``count`` of them tiled the region (at least ``floor``)."""
    if count <= 0 or area_px <= 0:
        return floor
    return max(floor, fraction * math.sqrt(area_px / count))


def top_two(probs: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(N, n) probabilities -> best class, its probability, second class, its probability."""
    probs = np.asarray(probs, dtype=np.float32)
    n = probs.shape[1]
    if probs.shape[0] == 1:
        zeros = np.zeros(n, np.int64)
        return zeros, probs[0], zeros, np.zeros_like(probs[0])
    cols = np.arange(n)
    c1 = probs.argmax(axis=0)  # two argmax passes: ~5x faster than argpartition for N ~ 10
    p1 = probs[c1, cols]
    rest = probs.copy()
    rest[c1, cols] = -np.inf
    c2 = rest.argmax(axis=0)
    return c1.astype(np.int64), p1, c2.astype(np.int64), probs[c2, cols]


def uncertainty(probs: np.ndarray, score: str = "margin",
                top: Tuple[np.ndarray, ...] | None = None) -> np.ndarray:
    """(N, n) probabilities -> (n,) uncertainty in 0..1 (1 = the model cannot decide).

    ``margin``: 1 - (p1 - p2); ``entropy``: Shannon entropy / log(N). ``top``: the result
    of :func:`top_two` when already computed.
    """
    probs = np.asarray(probs, dtype=np.float32)
    n_classes = probs.shape[0]
    if score == "margin":
        _, p1, _, p2 = top if top is not None else top_two(probs)
        return (1.0 - (p1 - p2)).astype(np.float32)
    if score == "entropy":
        if n_classes < 2:
            return np.zeros(probs.shape[1], np.float32)
        p = np.clip(probs, 1e-12, 1.0)
        return (-(p * np.log(p)).sum(axis=0) / math.log(n_classes)).astype(np.float32)
    raise ValueError(f"Unknown suggestion score {score!r}; use one of {SCORES}.")


def _window_mean(values: np.ndarray, weight: np.ndarray, radius: int) -> np.ndarray:
    """Mean of ``values`` over the pixels where ``weight`` is 1 in each (2r+1)^2 window."""
    if radius <= 0:
        return np.where(weight > 0, values, 0.0).astype(np.float32)
    from scipy.ndimage import uniform_filter

    size = 2 * int(radius) + 1
    w = weight.astype(np.float32)
    sums = uniform_filter(values.astype(np.float32) * w, size=size, mode="constant")
    counts = uniform_filter(w, size=size, mode="constant")
    out = np.zeros_like(sums)
    np.divide(sums, counts, out=out, where=counts > 0.5 / size**2)
    return out


def score_image(
    probs: np.ndarray, valid: np.ndarray, cfg: SuggestConfig
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scores of a tile: (h, w) score (NaN where not valid) and the top-two classes/probs.

    ``probs`` (N, n) for the ``n`` valid pixels of ``valid`` (h, w), in row-major order
    (what the prediction pass computes).
    """
    h, w = valid.shape
    top = top_two(probs)
    c1f, p1f, c2f, p2f = top
    unc = np.zeros((h, w), np.float32)
    unc[valid] = uncertainty(probs, cfg.score, top)
    r = int(cfg.smooth_radius)
    score = _window_mean(unc, valid, r)
    c1 = np.full((h, w), -1, np.int64)
    c1[valid] = c1f
    if r > 0 and cfg.agreement_power > 0 and probs.shape[0] > 1:
        score = score * _agreement(c1, valid, r) ** float(cfg.agreement_power)
    score = np.where(valid, score, np.nan).astype(np.float32)

    def full(a: np.ndarray, fill: float, dtype: type) -> np.ndarray:
        out: np.ndarray = np.full((h, w), fill, dtype)
        out[valid] = a
        return out

    return score, c1, full(p1f, 0.0, np.float32), full(c2f, -1, np.int64), full(p2f, 0.0,
                                                                                np.float32)


def _agreement(c1: np.ndarray, valid: np.ndarray, radius: int) -> np.ndarray:
    """Share of the valid pixels of each (2r+1)^2 window predicted as the centre's class
    (shifted comparisons: cheaper than one filter per class)."""
    h, w = c1.shape
    same = np.zeros((h, w), np.float32)
    count = np.zeros((h, w), np.float32)
    for dr in range(-radius, radius + 1):
        for dc in range(-radius, radius + 1):
            r0, r1 = max(0, -dr), min(h, h - dr)
            c0, c1_ = max(0, -dc), min(w, w - dc)
            if r1 <= r0 or c1_ <= c0:
                continue
            centre = c1[r0:r1, c0:c1_]
            other = c1[r0 + dr:r1 + dr, c0 + dc:c1_ + dc]
            ok = valid[r0 + dr:r1 + dr, c0 + dc:c1_ + dc]
            count[r0:r1, c0:c1_] += ok
            same[r0:r1, c0:c1_] += ok & (other == centre)
    out = np.zeros_like(same)
    np.divide(same, count, out=out, where=count > 0)
    return out


@functools.lru_cache(maxsize=32)
def _disk(radius: float, inclusive: bool = False) -> Tuple[np.ndarray, int]:
    """Mask of the offsets closer than ``radius`` (Euclidean; ``inclusive``: at most
    ``radius``) to the centre, and its half-size."""
    r = max(0, math.ceil(radius)) if radius > 0 else 0
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    d2 = yy * yy + xx * xx
    return (d2 <= radius * radius if inclusive else d2 < radius * radius), r


def _suppress(score: np.ndarray, row: int, col: int, radius: float) -> None:
    """Mark pixels closer than ``radius`` to (row, col) as taken (-inf), in place."""
    disk, r = _disk(radius)
    h, w = score.shape
    r0, r1 = max(row - r, 0), min(row + r + 1, h)
    c0, c1 = max(col - r, 0), min(col + r + 1, w)
    sub = disk[r0 - row + r:r1 - row + r, c0 - col + r:c1 - col + r]
    view = score[r0:r1, c0:c1]
    view[sub] = -np.inf


class SuggestionCollector:
    """Collects per-tile candidates during prediction, then selects the suggestions.

    ``add_tile`` keeps at most ``candidates_per_tile`` spaced-out candidates of a tile (its
    memory is that of the tile); ``select`` makes the final, globally spaced choice.
    """

    def __init__(self, cfg: SuggestConfig, n_classes: int, area_px: float,
                 label_points: np.ndarray | None = None) -> None:
        """``label_points`` (k, 2): raster (row, col) of the existing labels, for
        ``label_distance_power``."""
        self.cfg = cfg
        pts = np.zeros((0, 2)) if label_points is None else np.asarray(label_points, float)
        self.label_points = pts.reshape(-1, 2)
        self.n_classes = int(n_classes)
        self.spacing = (float(cfg.spacing_px) if cfg.spacing_px is not None
                        else auto_spacing(area_px, cfg.count, cfg.spacing_fraction))
        self.per_tile = int(cfg.candidates_per_tile or max(2 * cfg.count, 1))
        self.candidates: List[_Candidate] = []
        #: uncertainty summed per confused pair (min, max class) over every tile seen
        self.pair_mass: np.ndarray = np.zeros((self.n_classes, self.n_classes), np.float64)

    def add_tile(
        self,
        row0: int,
        col0: int,
        valid: np.ndarray,
        probs: np.ndarray,
        allowed: np.ndarray | None = None,
    ) -> None:
        """Score one tile and keep its best candidates.

        ``row0, col0``: raster position of the tile's top-left pixel; ``valid`` (h, w) the
        pixels that were predicted (valid and in the region); ``probs`` (N, valid.sum())
        their class probabilities, row-major; ``allowed`` (h, w): where a suggestion may be
        placed (default: every valid pixel; the caller removes pixels near labels).
        """
        if self.cfg.count <= 0 or not valid.any():
            return
        probs = np.asarray(probs, dtype=np.float32)
        if probs.shape != (self.n_classes, int(valid.sum())):
            raise ValueError(
                f"Expected probabilities of shape ({self.n_classes}, {int(valid.sum())}), "
                f"got {probs.shape}."
            )
        score, c1, p1, c2, p2 = score_image(probs, valid, self.cfg)
        if self.cfg.label_distance_power > 0 and self.label_points.shape[0] > 0:
            h, w = valid.shape
            score = score * self._label_distance_weight(row0, col0, (int(h), int(w)))
        if self.cfg.confusion_power > 0 and self.n_classes > 1:
            unc = uncertainty(probs, self.cfg.score)
            lo, hi = np.minimum(c1[valid], c2[valid]), np.maximum(c1[valid], c2[valid])
            np.add.at(self.pair_mass, (lo, hi), unc.astype(np.float64))
        ok = valid if allowed is None else (valid & allowed)
        work = np.where(ok & np.isfinite(score), score, -np.inf).astype(np.float64)
        rng = np.random.default_rng([int(self.cfg.seed), int(row0), int(col0)])
        tie = rng.random(work.shape)
        work = work + tie * 1e-9  # seeded tie-break: equal scores pick a fixed pixel
        taken = _greedy(work, self.spacing, self.per_tile)
        group = self._groups(c1, c2)
        if group is not None:  # balancing: each class (pair) keeps its own best candidates
            seen = set(taken)
            for key in np.unique(group[np.isfinite(work)]):
                only = np.where(group == key, work, -np.inf)
                for rc in _greedy(only, self.spacing, self.per_tile):
                    if rc not in seen:
                        seen.add(rc)
                        taken.append(rc)
        for r, c in taken:
            self.candidates.append(_Candidate(
                float(score[r, c]), float(tie[r, c]), row0 + r, col0 + c, int(c1[r, c]),
                float(p1[r, c]), int(c2[r, c]), float(p2[r, c]),
            ))  # fmt: skip

    def _label_distance_weight(self, row0: int, col0: int, shape: Tuple[int, int]
                               ) -> np.ndarray:
        """(h, w) min(1, distance to the nearest label / spacing) ** label_distance_power.

        Only labels within ``spacing`` of the tile can weigh below 1, so only those are
        compared, one separable (rows + columns) squared distance each: the same values
        as a k-d tree over all labels (tested), 0.61 -> 0.05 s on a 1 Mpx region with 120
        labels."""
        h, w = shape
        scale = max(self.spacing, 1.0)
        pts = self.label_points
        near = ((pts[:, 0] > row0 - scale) & (pts[:, 0] < row0 + h - 1 + scale)
                & (pts[:, 1] > col0 - scale) & (pts[:, 1] < col0 + w - 1 + scale))
        if not near.any():
            return np.ones((h, w), dtype=np.float32)
        rows = np.arange(row0, row0 + h, dtype=np.float64)
        cols = np.arange(col0, col0 + w, dtype=np.float64)
        d2 = np.full((h, w), np.inf)
        for r, c in pts[near]:
            np.minimum(d2, ((rows - r) ** 2)[:, None] + ((cols - c) ** 2)[None, :], out=d2)
        weight = np.minimum(1.0, np.sqrt(d2) / scale) ** self.cfg.label_distance_power
        return weight.astype(np.float32)

    def _groups(self, c1: np.ndarray, c2: np.ndarray) -> np.ndarray | None:
        """(h, w) balancing key of each pixel (confused pair or best class), or None."""
        if self.cfg.balance_pairs and self.n_classes > 1:
            return np.minimum(c1, c2) * self.n_classes + np.maximum(c1, c2)
        if self.cfg.balance_classes:
            return c1
        return None

    def select(self, transform: Sequence[float] | None = None) -> List[Suggestion]:
        """The final suggestions, best first: greedy by score with the minimum spacing.

        When fewer than ``count`` fit at that spacing (a small or fragmented region), the
        spacing is halved (down to 1 pixel) for the remaining places, so the analyst still
        gets ``count`` suggestions whenever there are that many candidates.
        ``transform``: an affine (a, b, c, d, e, f) pixel -> CRS (rasterio's
        ``Affine``); the point is the pixel's centre. None: x = col + 0.5, y = row + 0.5.
        """
        cands = self.candidates
        total = float(self.pair_mass.sum())
        if self.cfg.confusion_power > 0 and total > 0:
            share = self.pair_mass / total
            cands = [replace(c, score=c.score * float(share[_pair(c)]) ** self.cfg.confusion_power)
                     for c in cands]
        cands = sorted(cands, key=lambda k: (-k.score, -k.tie, k.row, k.col))
        chosen: List[_Candidate] = []
        cap = (math.ceil(self.cfg.count / max(self.n_classes, 1)) if self.cfg.balance_classes
               else None)
        pairs = bool(self.cfg.balance_pairs) and self.n_classes > 1
        spacing = self.spacing
        while len(chosen) < self.cfg.count:
            for cand in cands:
                if len(chosen) >= self.cfg.count:
                    break
                if any(c is cand for c in chosen):
                    continue
                if cap is not None and sum(c.class_1 == cand.class_1 for c in chosen) >= cap:
                    continue
                if pairs and any(_pair(c) == _pair(cand) for c in chosen):
                    continue
                if all((cand.row - c.row) ** 2 + (cand.col - c.col) ** 2 >= spacing**2
                       for c in chosen):
                    chosen.append(cand)
            if cap is not None or pairs:  # one pass under the caps first, then fill
                cap, pairs = None, False
                continue
            if spacing <= 1.0:
                break
            spacing = max(1.0, spacing / 2)
        return [_as_suggestion(i + 1, c, transform) for i, c in enumerate(chosen)]


def _greedy(work: np.ndarray, spacing: float, limit: int) -> List[Tuple[int, int]]:
    """Up to ``limit`` best pixels of ``work`` (-inf = not allowed), greedily at least
    ``spacing`` apart; when fewer fit, the spacing is halved (down to 1 pixel) for the rest."""
    taken: List[Tuple[int, int]] = []
    while True:
        left = work.copy()
        for r, c in taken:
            _suppress(left, r, c, spacing)
        while len(taken) < limit:
            r, c = divmod(int(np.argmax(left)), left.shape[1])
            if not np.isfinite(left[r, c]):
                break
            taken.append((r, c))
            _suppress(left, r, c, spacing)
        if len(taken) >= limit or spacing <= 1.0:
            return taken
        spacing = max(1.0, spacing / 2)


def _pair(c: _Candidate) -> Tuple[int, int]:
    """The unordered pair of classes a candidate hesitates between."""
    return (min(c.class_1, c.class_2), max(c.class_1, c.class_2))


def _as_suggestion(rank: int, c: _Candidate, transform: Sequence[float] | None) -> Suggestion:
    px, py = c.col + 0.5, c.row + 0.5
    if transform is None:
        x, y = px, py
    else:
        a, b, off_x, d, e, off_y = (float(v) for v in tuple(transform)[:6])
        x, y = a * px + b * py + off_x, d * px + e * py + off_y
    return Suggestion(rank, c.row, c.col, x, y, c.class_1, c.prob_1, c.class_2, c.prob_2,
                      c.score)


def suggest_from_image(
    probs: np.ndarray,
    valid: np.ndarray,
    cfg: SuggestConfig,
    allowed: np.ndarray | None = None,
    tile_size: int = 512,
    transform: Sequence[float] | None = None,
    label_points: np.ndarray | None = None,
) -> List[Suggestion]:
    """Suggestions over a whole (N, H, W) probability image, processed in tiles as the
    engine does (used by the evaluation and the tests). ``label_points`` (k, 2): (row, col)
    of the existing labels."""
    n, h, w = probs.shape
    collector = SuggestionCollector(cfg, n, float(valid.sum()), label_points)
    for r in range(0, h, tile_size):
        for c in range(0, w, tile_size):
            v = valid[r:r + tile_size, c:c + tile_size]
            p = probs[:, r:r + tile_size, c:c + tile_size][:, v]
            a = None if allowed is None else allowed[r:r + tile_size, c:c + tile_size]
            collector.add_tile(r, c, v, p, a)
    return collector.select(transform)


def clearance_mask(labelled: np.ndarray, radius: int) -> np.ndarray:
    """Pixels within ``radius`` (Euclidean) of a labelled pixel, labelled ones included."""
    labelled = np.asarray(labelled, dtype=bool)
    if radius <= 0 or not labelled.any():
        return labelled.copy()
    from scipy.ndimage import binary_dilation

    disk, _ = _disk(radius, inclusive=True)
    return binary_dilation(labelled, structure=disk)


def with_count(cfg: SuggestConfig, count: int, seed: int | None = None) -> SuggestConfig:
    """A copy of ``cfg`` asking for ``count`` suggestions (and another seed)."""
    return replace(cfg, count=int(count), seed=cfg.seed if seed is None else int(seed))


__all__ = [
    "SCORES", "SuggestConfig", "Suggestion", "SuggestionCollector", "auto_spacing",
    "clearance_mask", "score_image", "suggest_from_image", "top_two", "uncertainty",
    "with_count",
]
