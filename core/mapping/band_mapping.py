"""Any band set -> the model's fixed input ("everything is a mapping").

A raster may have 1 to 300 bands of any dtype: a multispectral sensor, a hyperspectral
cube, or a stack of climate/terrain variables. The meta-trained network needs a fixed
input, so every pixel is turned into a fixed-length feature vector:

* ``P`` values of the robustly standardised bands, read off the band curve at ``P`` fixed
  positions along the band axis (positions from wavelengths when known, else evenly spaced).
  Reading is linear interpolation followed by a triangular window one output step wide
  (half-width half a step; chosen by measurement, see docs/band_mapping.md),
  so 250 narrow bands are averaged (no aliasing) while 3 bands are simply interpolated.
* ``P`` values of the brightness-invariant spectral shape: the raw values divided, per
  pixel, by their mean absolute value (shadowed and sunlit pixels of one material match).
* optionally (``context_radius > 0``) spatial context, for tiles read with a halo:
  ``context_mode = "append"`` adds ``P`` values of the neighbourhood mean of the
  standardised bands (the network must be trained for 3P inputs); ``"smooth"`` replaces
  each pixel by the mean of the valid pixels of its (2r+1)^2 neighbourhood before the
  mapping (same 2P inputs: a denoising that any model can use; measured in
  docs/benchmarks.md).

* optionally (``append_bands: true``) the B robustly standardised bands themselves, after
  the network's input: not seen by the network (its input size is fixed), they feed the
  per-task linear *band correction* of the head (``core.adapting.adapt``), which keeps what P
  points of a 204-band curve cannot (measured in docs/benchmarks.md).

The mapping is a (B, P) matrix product, so it is vectorised for NumPy and torch alike.
See docs/band_mapping.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping, Sequence, Union

import numpy as np

KIND = "resample-v1"
DEFAULT_POINTS = 16
SHAPE_EPS = 1e-4  # of the scene scale: keeps the shape of near-zero pixels finite
CLIP = 10.0  # standardised values beyond +-CLIP (clouds, saturation) carry no extra meaning
IQR_TO_SIGMA = 1.349  # IQR of a unit normal
WINDOW_HALF_WIDTH = 0.5  # in output steps; 0 = plain linear interpolation
_GRID = 1025  # fine grid used to integrate the linear curve against the window

ArrayLike = Any  # np.ndarray or torch.Tensor


def default_band_mapping(**overrides: Any) -> dict:
    """The card's ``band_mapping`` section shipped with the bundled model."""
    card = {"kind": KIND, "points": DEFAULT_POINTS, "context_radius": 0}
    card.update(overrides)
    return card


CONTEXT_MODES = ("append", "smooth")


@dataclass(frozen=True)
class BandMappingSettings:
    """The card's ``band_mapping`` section, read and checked once: what the mapping of
    the support, the region and every tile is made from (the engine hands this object on
    instead of each step reading the card's dict)."""

    kind: str = KIND
    points: int = DEFAULT_POINTS
    context_radius: int = 0
    context_mode: str = "append"
    append_bands: bool = False

    def __post_init__(self) -> None:
        if self.kind != KIND:
            raise ValueError(
                f"Unknown band mapping kind {self.kind!r}; this MetaMapper version knows "
                f"{KIND!r}. Use a model file made for this version."
            )
        if self.points < 2:
            raise ValueError(f"band_mapping.points must be >= 2, got {self.points}.")
        if self.context_radius < 0:
            raise ValueError("band_mapping.context_radius must be >= 0.")
        if self.context_mode not in CONTEXT_MODES:
            raise ValueError(
                f"band_mapping.context_mode must be one of {CONTEXT_MODES}, got "
                f"{self.context_mode!r}."
            )

    @classmethod
    def from_card(cls, section: BandMapping) -> BandMappingSettings:
        """The settings of a card section (a dict), or ``section`` itself when typed."""
        if isinstance(section, BandMappingSettings):
            return section
        return cls(
            kind=section.get("kind", KIND),
            points=int(section.get("points", DEFAULT_POINTS)),
            context_radius=int(section.get("context_radius", 0)),
            context_mode=section.get("context_mode", "append"),
            append_bands=bool(section.get("append_bands", False)),
        )

    @property
    def appends_context(self) -> bool:
        """True when the context is extra features (``append``), not a smoothing."""
        return self.context_radius > 0 and self.context_mode == "append"

    @property
    def feature_dim(self) -> int:
        """Length of the network's feature vector."""
        return self.points * (3 if self.appends_context else 2)

    def classifier_dim(self, n_bands: int) -> int:
        """Columns of the classifier input: the network's features, plus the bands."""
        return self.feature_dim + (int(n_bands) if self.append_bands else 0)


#: a card's ``band_mapping`` section as the card holds it (a dict) or read once (typed)
BandMapping = Union[BandMappingSettings, Mapping[str, Any]]


def feature_dim(card_bm: BandMapping) -> int:
    """Length of the feature vector produced for a ``band_mapping`` card section."""
    return BandMappingSettings.from_card(card_bm).feature_dim


def appends_bands(card_bm: BandMapping) -> bool:
    """True when the classifier input ends with the standardised bands (band correction)."""
    return BandMappingSettings.from_card(card_bm).append_bands


def classifier_dim(card_bm: BandMapping, n_bands: int) -> int:
    """Columns of the classifier input: the network's features, plus the bands if appended."""
    return BandMappingSettings.from_card(card_bm).classifier_dim(n_bands)


# --------------------------------------------------------------------------- statistics


#: Histogram bins (all bands) that :func:`_counted_quantiles` may use per sample value.
MAX_BINS_PER_VALUE = 2


def _order_statistics(counts: np.ndarray, starts: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Values of the 0-based ``ranks`` (k,) of each histogram: ``counts`` holds the
    histograms of all bands one after the other, band b's bins from ``starts[b]``."""
    cum = np.cumsum(counts)
    before = np.concatenate([[0], cum[starts[1:] - 1]])  # values in the earlier bands
    want = before[:, None] + ranks[None, :]  # (B, k) ranks in the concatenated histograms
    return np.searchsorted(cum, want, side="right") - starts[:, None]


def _counted_quantiles(x: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Quartiles per band and the median absolute value of integer-valued samples (n, B)
    from value counts, as ``np.percentile`` / ``np.median`` give them (linear
    interpolation between the same order statistics); None when the values are not
    integers of a modest range (then the caller partitions).

    Partitioning 50,000 x 204 float64 samples took 0.4-0.9 s per run; counting ~0.05 s.
    """
    n, b = x.shape
    if n < 2 or x.size > 2**31 - 1:
        return None
    integer = x.dtype.kind in "iu"
    lo, hi = x.min(axis=0), x.max(axis=0)
    if integer:  # no wrap-around of hi - lo + 1 in the samples' own dtype
        lo, hi = lo.astype(np.int64), hi.astype(np.int64)
    spans = hi - lo + 1
    if not (np.isfinite(spans).all() and spans.sum() <= MAX_BINS_PER_VALUE * x.size + 65536):
        return None
    if not integer and not (np.array_equal(lo, np.floor(lo)) and np.array_equal(x, np.floor(x))):
        return None
    spans = spans.astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(spans)[:-1]])
    keys = x.astype(np.int64)  # one conversion; each band's values moved to its own bins
    keys += (starts - lo.astype(np.int64))[None, :]
    counts = np.bincount(keys.ravel(), minlength=int(spans.sum()))
    del keys
    # np.percentile's "linear" method: order statistics floor(q (n-1)) and the next one
    virtual = np.array([0.25, 0.5, 0.75]) * (n - 1)
    below = np.floor(virtual).astype(np.int64)
    ranks = np.concatenate([below, np.minimum(below + 1, n - 1)])
    stats = _order_statistics(counts, starts, ranks) + lo[:, None]  # (B, 6)
    a, c = stats[:, :3].T, stats[:, 3:].T
    gamma = (virtual - below)[:, None]
    diff = c - a
    quartiles = np.where(gamma >= 0.5, c - diff * (1 - gamma), a + diff * gamma)
    # the median of |x| over every value (np.median: the mean of the two middle ones)
    absolute = x if x.dtype.kind == "u" else np.abs(x.astype(np.int64) if integer else x)
    amax = float(absolute.max())
    if amax > MAX_BINS_PER_VALUE * x.size + 65536:
        return quartiles, float(np.median(absolute))
    total = np.bincount(absolute.astype(np.int64).ravel(), minlength=int(amax) + 1)
    size = x.size
    mid = np.array([(size - 1) // 2, size // 2])
    m = _order_statistics(total, np.zeros(1, np.int64), mid)[0].astype(np.float64)
    return quartiles, float(np.mean(m))


def sample_dtype(dtype: Any) -> np.dtype:
    """The dtype pixel samples are kept and counted in: integers up to 32 bits as they are
    (finite, counted by :func:`_counted_quantiles` without a float64 copy: 50,000 x 204,
    0.6 -> 0.2 s), anything else as float64."""
    dt = np.dtype(dtype)
    return dt if dt.kind in "iu" and dt.itemsize <= 4 else np.dtype(np.float64)


@dataclass
class BandStats:
    """Robust per-band centre and scale of one region, plus one scene-level scale.

    ``centre`` is the median, ``scale`` the IQR / 1.349 (a robust standard deviation)
    floored so that constant bands do not blow up. ``scene_scale`` is the median absolute
    raw value over all bands, used to keep the spectral-shape division well defined.
    """

    centre: np.ndarray  # (B,) float64
    scale: np.ndarray  # (B,) float64
    scene_scale: float
    n_samples: int = 0

    @property
    def n_bands(self) -> int:
        return int(self.centre.shape[0])

    @classmethod
    def from_samples(cls, x: np.ndarray, max_samples: int = 200_000, seed: int = 0) -> BandStats:
        """Statistics from pixel samples ``x`` (n, B); NaN rows/values are ignored."""
        x = np.asarray(x)
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] < 1:
            raise ValueError(f"Expected pixel samples of shape (n, bands), got {x.shape}.")
        if sample_dtype(x.dtype).kind == "f":  # kept integers are finite: no NaN rows
            x = x.astype(np.float64, copy=False)
            x = x[np.isfinite(x).all(axis=1)]
        if x.shape[0] == 0:
            raise ValueError(
                "No valid pixels to compute band statistics from: the region is all nodata. "
                "Choose a region that overlaps valid raster data."
            )
        if x.shape[0] > max_samples:
            rng = np.random.default_rng(seed)
            x = x[rng.choice(x.shape[0], max_samples, replace=False)]
        counted = _counted_quantiles(x)
        if counted is not None:  # integer values: the same numbers from histograms
            (q25, centre, q75), scene_scale = counted
        else:
            x = x.astype(np.float64, copy=False)  # |int16 min| does not fit an int16
            q25, centre, q75 = np.percentile(x, [25.0, 50.0, 75.0], axis=0)
            scene_scale = float(np.median(np.abs(x)))
        iqr_scale = (q75 - q25) / IQR_TO_SIGMA
        # Bands with many ties (classified layers, masks) have IQR 0: fall back to std.
        scale = np.asarray(iqr_scale, dtype=np.float64).copy()
        ties = np.flatnonzero(~(scale > 0))
        if ties.size:
            scale[ties] = x[:, ties].astype(np.float64).std(axis=0)
        if not scene_scale > 0:
            scene_scale = float(np.mean(np.abs(x.astype(np.float64)))) or 1.0
        floor = max(1e-12, 1e-6 * scene_scale)
        scale = np.maximum(scale, floor)
        return cls(centre=centre, scale=scale, scene_scale=scene_scale, n_samples=x.shape[0])

    @classmethod
    def from_reservoir(cls, reservoir: PixelReservoir) -> BandStats:
        """Statistics of the pixels kept by a streaming reservoir."""
        return cls.from_samples(reservoir.samples())

    def merge(self, other: BandStats) -> BandStats:
        """Sample-weighted combination (approximate medians; exact if one side is empty).

        Prefer a shared :class:`PixelReservoir` when tiles are streamed; ``merge`` is for
        combining statistics computed independently (e.g. two regions).
        """
        if other.n_bands != self.n_bands:
            raise ValueError(f"Cannot merge stats of {self.n_bands} and {other.n_bands} bands.")
        wa, wb = max(self.n_samples, 0), max(other.n_samples, 0)
        if wa + wb == 0:
            wa = wb = 1
        total = float(wa + wb)
        return BandStats(
            centre=(wa * self.centre + wb * other.centre) / total,
            scale=(wa * self.scale + wb * other.scale) / total,
            scene_scale=(wa * self.scene_scale + wb * other.scene_scale) / total,
            n_samples=wa + wb,
        )

    def to_dict(self) -> dict:
        return {
            "centre": self.centre.tolist(),
            "scale": self.scale.tolist(),
            "scene_scale": self.scene_scale,
            "n_samples": self.n_samples,
        }

    @classmethod
    def from_dict(cls, d: dict) -> BandStats:
        return cls(
            centre=np.asarray(d["centre"], dtype=np.float64),
            scale=np.asarray(d["scale"], dtype=np.float64),
            scene_scale=float(d["scene_scale"]),
            n_samples=int(d.get("n_samples", 0)),
        )


@dataclass
class PixelReservoir:
    """Uniform sample of at most ``capacity`` valid pixels from a stream of tiles.

    Vectorised reservoir sampling (Algorithm R), so statistics of a large region can be
    computed in one pass over its tiles without holding the region in memory.
    """

    n_bands: int
    capacity: int = 200_000
    seed: int = 0
    seen: int = 0
    #: the kept pixels' dtype: float64, or the raster's integer dtype, whose samples
    #: :meth:`BandStats.from_samples` counts without a float64 copy (4x less memory too)
    dtype: Any = np.float64
    _buf: np.ndarray = field(init=False, repr=False)
    _rng: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.dtype = np.dtype(self.dtype)
        if self.dtype.kind != "f" and sample_dtype(self.dtype) != self.dtype:
            raise ValueError(f"A pixel reservoir keeps float or <= 32-bit integer values, "
                             f"not {self.dtype}.")
        self._buf = np.empty((self.capacity, self.n_bands), dtype=self.dtype)
        self._rng = np.random.default_rng(self.seed)

    def add(self, x: np.ndarray) -> None:
        """Add pixels ``x`` (n, B); rows with NaN are skipped.

        Integer pixels are converted to float64 only where they are kept (the same values
        as converting them all first: 204 bands, 200k pixels a tile was ~0.1 s of copies).
        """
        x = np.asarray(x)
        if x.dtype.kind not in "iub":
            x = np.asarray(x, dtype=np.float64)
        if self.dtype.kind != "f" and not np.can_cast(x.dtype, self.dtype, "safe"):
            raise ValueError(f"Cannot keep {x.dtype} pixels in a {self.dtype} reservoir.")
        if x.ndim != 2 or x.shape[1] != self.n_bands:
            raise ValueError(f"Expected (n, {self.n_bands}) pixels, got {x.shape}.")
        if x.dtype.kind == "f":
            x = x[np.isfinite(x).all(axis=1)]
        n = x.shape[0]
        if n == 0:
            return
        fill = min(max(self.capacity - self.seen, 0), n)
        if fill:
            self._buf[self.seen : self.seen + fill] = x[:fill]
        rest = x[fill:]
        if rest.shape[0]:
            # index of each remaining item in the whole stream (1-based count so far)
            idx = self.seen + fill + np.arange(1, rest.shape[0] + 1)
            slots = (self._rng.random(rest.shape[0]) * idx).astype(np.int64)
            keep = slots < self.capacity
            # later items overwrite earlier ones in the same slot, as in the serial algorithm
            self._buf[slots[keep]] = rest[keep]
        self.seen += n

    def samples(self) -> np.ndarray:
        return self._buf[: min(self.seen, self.capacity)]


# --------------------------------------------------------------------------- resampling


def band_positions(n_bands: int, wavelengths_nm: Sequence[float] | None = None) -> np.ndarray:
    """Position of each band on [0, 1]: by wavelength when given, else evenly spaced."""
    if wavelengths_nm is None:
        if n_bands == 1:
            return np.zeros(1)
        return np.linspace(0.0, 1.0, n_bands)
    wl = np.asarray(list(wavelengths_nm), dtype=np.float64)
    if wl.shape != (n_bands,):
        raise ValueError(
            f"Got {wl.size} wavelengths for a raster with {n_bands} bands; give one "
            "wavelength per band, or none."
        )
    if not np.isfinite(wl).all():
        raise ValueError("Wavelengths must be finite numbers (nm).")
    span = wl.max() - wl.min()
    if span <= 0:
        return np.zeros(n_bands) if n_bands == 1 else np.linspace(0.0, 1.0, n_bands)
    return (wl - wl.min()) / span


@lru_cache(maxsize=64)
def _resample_matrix_cached(positions: tuple, points: int) -> np.ndarray:
    pos = np.asarray(positions, dtype=np.float64)
    n_bands = pos.size
    if n_bands == 1:
        return np.ones((1, points), dtype=np.float32)
    # Bands sharing a position are averaged; bands are then ordered along the axis.
    uniq, inverse = np.unique(pos, return_inverse=True)
    avg = np.zeros((n_bands, uniq.size))
    avg[np.arange(n_bands), inverse] = 1.0
    avg /= avg.sum(axis=0, keepdims=True)
    if uniq.size == 1:
        return np.repeat(avg.sum(axis=1, keepdims=True), points, axis=1).astype(np.float32)
    grid = np.linspace(0.0, 1.0, _GRID)
    # linear interpolation of the curve (unique positions) onto the fine grid: (U, G)
    j = np.clip(np.searchsorted(uniq, grid, side="right") - 1, 0, uniq.size - 2)
    left, right = uniq[j], uniq[j + 1]
    t = np.clip((grid - left) / (right - left), 0.0, 1.0)
    interp = np.zeros((uniq.size, _GRID))
    interp[j, np.arange(_GRID)] += 1.0 - t
    interp[j + 1, np.arange(_GRID)] += t
    # triangular window one output step wide (half-width WINDOW_HALF_WIDTH steps): (G, P)
    targets = np.linspace(0.0, 1.0, points)
    half = WINDOW_HALF_WIDTH / (points - 1)
    window = np.maximum(0.0, 1.0 - np.abs(grid[:, None] - targets[None, :]) / half)
    window /= window.sum(axis=0, keepdims=True)
    return (avg @ interp @ window).astype(np.float32)


def resample_matrix(
    n_bands: int, points: int = DEFAULT_POINTS, wavelengths_nm: Sequence[float] | None = None
) -> np.ndarray:
    """(B, P) matrix whose columns read the band curve at P fixed positions (sum to 1)."""
    pos = band_positions(n_bands, wavelengths_nm)
    return _resample_matrix_cached(tuple(np.round(pos, 9).tolist()), int(points))


# --------------------------------------------------------------------------- mapping


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def map_bands(
    x: ArrayLike,
    stats: BandStats,
    card_bm: BandMapping,
    wavelengths_nm: Sequence[float] | None = None,
    context: ArrayLike | None = None,
) -> ArrayLike:
    """Pixels ``x`` (n, B) -> features (n, classifier_dim(card_bm, B)) float32.

    Works on NumPy arrays or torch tensors (on any device; the result stays there).
    ``context`` is the (n, B) neighbourhood mean of the *standardised* bands, required when
    the card has ``context_radius > 0`` (``map_tile`` computes it). NaN in gives NaN out:
    mask invalid pixels before or after.
    """
    bm = BandMappingSettings.from_card(card_bm)
    points, append_context = bm.points, bm.appends_context
    if x.ndim != 2:
        raise ValueError(f"Expected pixels of shape (n, bands), got {tuple(x.shape)}.")
    n_bands = int(x.shape[1])
    if n_bands != stats.n_bands:
        raise ValueError(
            f"Band statistics were computed for {stats.n_bands} bands but the pixels have "
            f"{n_bands}; compute BandStats from the same raster."
        )
    mat = resample_matrix(n_bands, points, wavelengths_nm)
    centre = stats.centre.astype(np.float32)
    inv_scale = (1.0 / stats.scale).astype(np.float32)
    eps = np.float32(SHAPE_EPS * stats.scene_scale)
    if _is_torch(x):
        import torch

        xt = x.to(torch.float32)
        m = torch.as_tensor(mat, device=xt.device)
        c = torch.as_tensor(centre, device=xt.device)
        s = torch.as_tensor(inv_scale, device=xt.device)
        z = ((xt - c) * s).clamp_(-CLIP, CLIP)
        shape = xt / (xt.abs().mean(dim=1, keepdim=True) + float(eps)) - 1.0
        shape = shape.clamp_(-CLIP, CLIP)
        parts = [z @ m, shape @ m]
        if append_context:
            if context is None:
                raise ValueError("context_radius > 0 needs the neighbourhood context (map_tile).")
            ctx = torch.as_tensor(context, device=xt.device, dtype=torch.float32)
            parts.append(ctx @ m)
        if bm.append_bands:
            parts.append(z)
        return torch.cat(parts, dim=1)
    xa = np.asarray(x, dtype=np.float32)
    z = np.clip((xa - centre) * inv_scale, -CLIP, CLIP)
    shape = xa / (np.abs(xa).mean(axis=1, keepdims=True) + eps) - np.float32(1.0)
    np.clip(shape, -CLIP, CLIP, out=shape)
    parts = [z @ mat, shape @ mat]
    if append_context:
        if context is None:
            raise ValueError("context_radius > 0 needs the neighbourhood context (map_tile).")
        parts.append(np.asarray(context, dtype=np.float32) @ mat)
    if bm.append_bands:
        parts.append(z)
    return np.concatenate(parts, axis=1).astype(np.float32, copy=False)


def standardise(x: np.ndarray, stats: BandStats) -> np.ndarray:
    """Robustly standardised and clipped bands, (n, B) float32."""
    z = (np.asarray(x, dtype=np.float32) - stats.centre.astype(np.float32)) / stats.scale.astype(
        np.float32
    )
    return np.clip(z, -CLIP, CLIP)


def box_mean(values: np.ndarray, valid: np.ndarray, radius: int) -> np.ndarray:
    """Mean over the (2r+1)^2 window of valid pixels, per band; (B, H, W) -> (B, H, W).

    Two separable running means (scipy's uniform_filter, float32; scipy comes with
    scikit-learn): one over the valid values, one over the valid count. Windows are clipped
    at the tile border, so the engine reads tiles with a halo of ``radius`` pixels and drops
    it afterwards. Pixels whose window holds no valid pixel get 0.
    """
    from scipy.ndimage import uniform_filter

    size = 2 * int(radius) + 1
    valid = np.asarray(valid, dtype=bool)
    vals = np.where(valid[None], values, 0).astype(np.float32)
    sums = uniform_filter(vals, size=(1, size, size), mode="constant")
    counts = uniform_filter(valid.astype(np.float32), size=size, mode="constant")[None]
    out = np.zeros_like(sums)
    np.divide(sums, counts, out=out, where=counts > 0.5 / size**2)
    return out


def map_tile(
    tile: np.ndarray,
    valid_mask: np.ndarray | None,
    stats: BandStats,
    card_bm: BandMapping,
    wavelengths_nm: Sequence[float] | None = None,
) -> np.ndarray:
    """A (B, H, W) tile -> (feature_dim, H, W) float32 features; invalid pixels get 0.

    The output covers the whole input tile. With ``context_radius = r > 0`` read the tile
    with a halo of ``r`` pixels and drop the outer ``r`` rows/columns of the result; pixels
    near the halo's outer edge see a clipped window.
    """
    tile = np.asarray(tile)
    if tile.ndim == 2:
        tile = tile[None]
    if tile.ndim != 3:
        raise ValueError(f"Expected a (bands, rows, cols) tile, got shape {tile.shape}.")
    b, h, w = tile.shape
    valid = np.ones((h, w), dtype=bool) if valid_mask is None else np.asarray(valid_mask, bool)
    valid = valid & np.isfinite(tile).all(axis=0)
    pixels = tile.reshape(b, -1).T
    context = None
    bm = BandMappingSettings.from_card(card_bm)
    radius = bm.context_radius
    if radius > 0 and bm.appends_context:
        z = standardise(pixels, stats).T.reshape(b, h, w)
        context = box_mean(z, valid, radius).reshape(b, -1).T
    elif radius > 0:  # "smooth": each pixel becomes the mean of its valid neighbourhood
        smoothed = np.empty((b, h, w), dtype=np.float32)
        for start in range(0, b, 16):  # bounded memory for hyperspectral tiles
            smoothed[start:start + 16] = box_mean(tile[start:start + 16], valid, radius)
        pixels = smoothed.reshape(b, -1).T
    feats = map_bands(pixels, stats, bm, wavelengths_nm, context=context)
    feats[~valid.reshape(-1)] = 0.0
    return np.ascontiguousarray(feats.T.reshape(-1, h, w))
