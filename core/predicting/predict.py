"""Streamed tiled inference: tile -> band mapping -> batches on the device -> class codes.

Memory is bounded by one tile (plus its halo) and one batch, whatever the raster size. A
CUDA out-of-memory error halves the batch and retries, and below a floor moves the
classifier to the CPU with a warning. Cancellation is checked before every tile and batch.
"""

from __future__ import annotations

import functools
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, List, NamedTuple, Sequence

import numpy as np
import rasterio
import torch

from ..errors import Cancelled, DeviceError, OutputError
from ..mapping.band_mapping import BandMapping, BandMappingSettings, BandStats
from ..mapping.scoring import best_class
from ..messages import msg
from ..reading.raster_io import (
    CONFIDENCE_NODATA,
    RasterInfo,
    Region,
    cache_holds,
    count_tiles,
    iter_tiles,
    read_block,
    union_windows,
)
from ..threads import blas_threads, torch_threads

MIN_GPU_BATCH = 1024
CPU_CHUNK = 16384  # pixels per product on the CPU: few calls, activations of a few MB
ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


def resolve_device(requested: str = "auto") -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; DeviceError otherwise."""
    req = (requested or "auto").strip().lower()
    if req == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if req == "cpu":
        return "cpu"
    if req.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(
                msg(
                    "CUDA was requested but torch sees no CUDA GPU (CPU-only torch build, "
                    "or no driver). Choose device 'auto' or 'cpu', or install a CUDA build "
                    "of torch.",
                )
            )
        return req
    raise DeviceError(msg(
        "Unknown device {requested!r}. Use 'auto', 'cpu' or 'cuda'.",
        requested=requested,
    ))


def is_oom(exc: BaseException) -> bool:
    """True for a CUDA out-of-memory error (typed, or a RuntimeError saying so)."""
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(exc, oom_type):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def move_classifier(clf: Any, device: str) -> Any:
    """A copy of an AdaptedClassifier with its tensors on ``device`` (a seam for tests)."""
    return clf.to(device)


def _cpu_flags() -> set:
    """The CPU's feature flags (Linux /proc/cpuinfo; empty elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


@functools.lru_cache(maxsize=1)
def cpu_bfloat16_is_faster() -> bool:
    """Whether this CPU multiplies bfloat16 matrices faster than float32 (measured once).

    CPUs with AVX512-BF16/AMX run the hidden layers about 2-4x faster in bfloat16; others
    emulate it and are slower, so a 10-ms calibration decides. ``METAMAPPER_PRECISION``
    (``fp32`` / ``bf16``) overrides the measurement.
    """
    forced = os.environ.get("METAMAPPER_PRECISION", "").lower()
    if forced in ("fp32", "float32", "bf16", "bfloat16"):
        return forced.startswith("bf")
    if _cpu_flags() & {"amx_bf16", "avx512_bf16"}:
        return True  # native bfloat16: no timing, which a busy machine makes unreliable
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(4096, 128, generator=gen)
    w = torch.randn(128, 128, generator=gen)
    timings = []
    for dtype in (torch.float32, torch.bfloat16):
        xd, wd = x.to(dtype), w.to(dtype)
        torch.nn.functional.linear(xd, wd)  # warm-up
        best = float("inf")
        for _ in range(7):  # the fastest of several runs ignores other processes' noise
            t0 = time.perf_counter()
            torch.nn.functional.linear(xd, wd)
            best = min(best, time.perf_counter() - t0)
        timings.append(best)
    return timings[1] < 0.7 * timings[0]


class FusedWeights(NamedTuple):
    """An adapted classifier as plain tensors: the head folded into the last layer."""

    hidden: List[tuple]  # [(W, b)] of the hidden layers, in ``dtype``
    w_out: torch.Tensor  # (N, H) head @ last layer, float32
    b_out: torch.Tensor  # (N,) incl. the band correction's bias
    dtype: torch.dtype  # compute dtype of the hidden layers
    device: torch.device
    input_dim: int  # the network's columns; the rest are the standardised bands
    band_w: torch.Tensor | None  # (N, B) band correction, or None


def _fused_weights(clf: Any, dtype: torch.dtype | None = None) -> FusedWeights | None:
    """The classifier's weights with the head folded into the last linear layer.

    ``head(W h + b) = (H W) h + (H b + c)``: the same map with one matrix product fewer and
    no softmax over the whole batch, ~2x faster on the CPU. None when the network is not a
    plain stack of Linear/ReLU layers (then ``predict_proba`` is used). ``dtype``: of the
    hidden layers; None chooses (bfloat16 where the CPU is faster at it).
    """
    net: Any = getattr(clf, "net", None)
    backbone = getattr(net, "backbone", None)
    if backbone is None or not hasattr(clf, "head_weight"):
        return None
    if not all(isinstance(m, (torch.nn.Linear, torch.nn.ReLU)) for m in backbone):
        return None
    linear = [i for i, m in enumerate(backbone) if isinstance(m, torch.nn.Linear)]
    if not linear or linear[-1] != len(backbone) - 1:
        return None
    p = clf.params
    last = linear[-1]
    head_w, head_b = clf.head_weight, clf.head_bias
    w_out = head_w @ p[f"backbone.{last}.weight"]
    b_out = head_w @ p[f"backbone.{last}.bias"] + head_b
    device = head_w.device
    # Hidden layers in bfloat16 where the CPU is faster at it; logits and confidences are
    # float32 (PixelClassifier runs the output product in bfloat16 with float32
    # accumulation too). Class decisions match float32 except at near-ties (tested).
    if dtype is None:
        dtype = (torch.bfloat16 if device.type == "cpu" and cpu_bfloat16_is_faster()
                 else torch.float32)
    hidden = [(p[f"backbone.{i}.weight"].to(dtype), p[f"backbone.{i}.bias"].to(dtype))
              for i in linear[:-1]]
    band_w = getattr(clf, "band_weight", None)
    if band_w is not None:  # the band correction's bias folds into the output bias
        b_out = b_out + clf.band_bias
    return FusedWeights(hidden, w_out, b_out, dtype, device, int(net.input_dim), band_w)


def fused_logits(clf: Any) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """(n, D) feature rows -> (n, N) logits of an AdaptedClassifier, head folded in."""
    fused = _fused_weights(clf)
    if fused is None:
        return None
    hidden, w_out, b_out, dtype, device, d, band_w = fused

    def logits(x: torch.Tensor) -> torch.Tensor:
        x = x.to(device=device)
        h = x[:, :d].to(dtype=dtype)
        for w, b in hidden:
            h = torch.relu_(torch.nn.functional.linear(h, w, b))
        out = torch.nn.functional.linear(h.float(), w_out, b_out)
        if band_w is not None:
            out = torch.addmm(out, x[:, d:].float(), band_w.T)
        return out

    return logits


class PixelClassifier:
    """Pixel columns of a tile -> (N, n) logits, the band mapping folded into layer one.

    The mapping's P-point resampling is linear, so the first layer's product with it can be
    precomputed: ``W1 [M'z; M's] = [W1_z M', W1_s M'] [z; s]``, one product over the stacked
    standardised values and spectral shape (and context). That is cheaper whenever
    ``B (H1 - P) < H1 P`` (up to 21 bands for H1 = 64, P = 16: every multispectral sensor),
    and skips building the feature columns; hyperspectral tiles take the unfolded path.
    Networks that are not a plain Linear/ReLU stack use the classifier's own ``logits``.
    """

    def __init__(self, clf: Any, mapper: Any) -> None:
        self.clf, self.mapper = clf, mapper
        self.fused = _fused_weights(clf)
        self.folded: torch.Tensor | None = None
        if self.fused is None:
            return
        hidden, d = self.fused.hidden, self.fused.input_dim
        self.w_out = self.fused.w_out.to(self.fused.dtype)
        if not hidden:
            return
        w1 = hidden[0][0].float()  # (H1, D)
        points, n_bands = mapper.mat_t.shape
        parts = d // points
        if parts * points != d or n_bands * (w1.shape[0] - points) >= w1.shape[0] * points:
            return
        # (H1, parts * B): one product over the stacked [z; shape; context] columns
        self.folded = torch.cat(
            [w1[:, k * points:(k + 1) * points] @ mapper.mat_t for k in range(parts)], dim=1
        ).to(self.fused.dtype)

    def __call__(self, cols: torch.Tensor, ctx: torch.Tensor | None) -> torch.Tensor:
        mapper = self.mapper
        if self.fused is None:
            return self.clf.logits(mapper.features(cols, ctx).T).T
        hidden, w_out, b_out, dtype, _, _, band_w = self.fused
        if self.folded is not None:
            b = cols.shape[0]
            stacked = torch.empty((self.folded.shape[1], cols.shape[1]), dtype=cols.dtype,
                                  device=cols.device)  # fmt: skip
            z = mapper.standardise(cols, out=stacked[:b])
            mapper.spectral_shape(cols, out=stacked[b:2 * b])
            if stacked.shape[0] > 2 * b:
                if ctx is None:
                    raise ValueError("append-mode context needs the context columns (prepare()).")
                stacked[2 * b:].copy_(ctx)
            h = torch.relu_(torch.addmm(hidden[0][1][:, None], self.folded, stacked.to(dtype)))
            rest = hidden[1:]
        else:
            net_in, z = mapper.network_features(cols, ctx)
            h = net_in.to(dtype)
            rest = hidden
        for w, b_h in rest:
            h = torch.relu_(torch.addmm(b_h[:, None], w, h))
        if dtype == torch.float32:
            out = torch.addmm(b_out[:, None], w_out, h)
        else:  # the output layer in the compute dtype too (fp32 accumulation), then float32
            out = torch.mm(self.w_out, h).float().add_(b_out[:, None])
        if band_w is not None:
            out = out.addmm_(band_w, z)
        return out


@dataclass
class BatchPredictor:
    """Runs ``classifier.predict_proba`` in batches with the OOM fallback of the engine."""

    classifier: Any
    device: str
    batch_size: int = 65536
    is_cancelled: CancelFn | None = None
    warnings: List[str] = field(default_factory=list)
    #: also keep the last tile's class probabilities (N, n) in ``last_probabilities``
    #: (for "label here next" suggestions, core.predicting.suggest_map)
    keep_probabilities: bool = False
    last_probabilities: np.ndarray | None = field(default=None, init=False, repr=False)
    # the tile mapper and pixel classifier of the current (stats, device), built on demand
    _mapper_key: tuple | None = field(default=None, init=False, repr=False)
    _tile_mapper: Any = field(default=None, init=False, repr=False)
    _pixel_logits: Any = field(default=None, init=False, repr=False)
    #: transduction over the region (core.adapting.propagation.RegionPropagation), None = inductive
    propagation: Any = None
    _projected: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.batch_size = max(1, int(self.batch_size))
        if str(getattr(self.classifier, "device", self.device)) != self.device:
            self.classifier = move_classifier(self.classifier, self.device)
        self._logits = fused_logits(self.classifier)

    def _best(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(probability of the best class, its index) for a batch."""
        if self._logits is None:
            return self.classifier.predict_proba(x).max(dim=1)  # moves x to its device
        parts = []
        step = CPU_CHUNK if self.device == "cpu" else x.shape[0]  # cache-sized on the CPU
        for i in range(0, x.shape[0], step):
            parts.append(best_class(self._logits(x[i : i + step]), dim=1))
        return torch.cat([p for p, _ in parts]), torch.cat([a for _, a in parts])

    def _check_cancel(self) -> None:
        if self.is_cancelled is not None and self.is_cancelled():
            raise Cancelled()

    def __call__(self, feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, D) features -> (class index (n,) int64, probability of that class (n,))."""
        n = feats.shape[0]
        idx = np.empty(n, dtype=np.int64)
        conf = np.empty(n, dtype=np.float32)
        start = 0
        while start < n:
            self._check_cancel()
            stop = min(n, start + self.batch_size)
            try:
                x = torch.from_numpy(np.ascontiguousarray(feats[start:stop]))
                with torch.inference_mode():
                    best, arg = self._best(x)
                idx[start:stop] = arg.cpu().numpy()
                conf[start:stop] = best.float().cpu().numpy()
            except Exception as exc:  # noqa: BLE001 - only OOM is handled, rest re-raised
                if not (self.device.startswith("cuda") and is_oom(exc)):
                    raise
                self._on_oom()
                continue  # retry the same rows
            start = stop
        return idx, conf

    def prepare_tile(self, mapper_args: tuple, data: np.ndarray, valid: np.ndarray) -> Any:
        """The whole-tile projection of the one-projection path (a started
        ``ProjectionJob``, no chunk done yet), which does not depend on the pixels asked
        for: ``predict_region``'s reader thread works on it for the next tile while this
        one is classified (which then helps, flags and smooths). None where the path is not
        used."""
        if not self.projects_tiles(mapper_args):
            return None
        with torch.inference_mode():
            return self._projected.start(data)

    def projects_tiles(self, mapper_args: tuple) -> bool:
        """Whether tiles go through the one-projection path on the CPU (which only reads
        them: :meth:`prepare_tile`, ``ProjectedTileClassifier``)."""
        mapper = self._mapper(mapper_args)
        return not (self._projected is None or self.propagation is not None
                    or mapper.device.type != "cpu")  # fmt: skip

    def predict_tile(
        self, mapper_args: tuple, data: np.ndarray, valid: np.ndarray, pick: np.ndarray,
        origin: tuple[int, int] | None = None, prepared: Any = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Classify the pixels ``pick`` (flat indices) of a (B, H, W) tile read with its halo.

        ``mapper_args`` = (BandStats, BandMappingSettings, wavelengths) for :class:`TileMapper`.
        The tile is mapped and classified on this predictor's device in column chunks; an
        out-of-memory error on the GPU shrinks the chunks, then moves to the CPU, and the
        tile is redone. With a :attr:`propagation` (transduction over the region), the class
        probabilities are the propagated ones; ``origin`` = (row, col) of the tile's read
        window in the raster then places the pixels on the map. ``prepared``: what
        :meth:`prepare_tile` returned for this tile, if it ran.
        """
        while True:
            self._check_cancel()
            try:
                mapper = self._mapper(mapper_args)
                chunk = CPU_CHUNK if self.device == "cpu" else self.batch_size
                probs, args, soft = [], [], []
                self.last_probabilities = None
                with torch.inference_mode():
                    if self.propagation is not None:
                        for full in self._propagated(mapper, data, valid, pick, origin, chunk):
                            prob, arg = full.max(dim=1)
                            probs.append(prob)
                            args.append(arg)
                            if self.keep_probabilities:
                                soft.append(full.T.float().cpu())
                    elif self._projected is not None:  # hyperspectral: one projection a tile
                        ahead, prepared = prepared, None
                        every = (torch.empty((self.classifier.n_classes, len(pick)),
                                             dtype=torch.float32, device=mapper.device)
                                 if self.keep_probabilities else None)  # fmt: skip
                        prob_t, arg_t = self._projected(data, valid, pick, chunk, ahead, every)
                        if every is not None:  # what the suggestions score
                            self.last_probabilities = every.cpu().numpy()
                        return arg_t.cpu().numpy(), prob_t.cpu().numpy()
                    for cols, ctx in (mapper.iter_pixel_chunks(data, valid, pick, chunk)
                                      if self.propagation is None else ()):
                        self._check_cancel()
                        logits = self._pixel_logits(cols, ctx)
                        prob, arg = best_class(logits, dim=0)
                        probs.append(prob)
                        args.append(arg)
                        if self.keep_probabilities:
                            soft.append(torch.softmax(logits.float(), dim=0).cpu())
                    if not args:
                        return np.empty(0, np.int64), np.empty(0, np.float32)
                    idx = torch.cat(args).cpu().numpy()
                    conf = torch.cat(probs).float().cpu().numpy()
                    if soft:
                        self.last_probabilities = torch.cat(soft, dim=1).numpy()
                return idx, conf
            except Exception as exc:  # noqa: BLE001 - only OOM is handled, rest re-raised
                if not (self.device.startswith("cuda") and is_oom(exc)):
                    raise
                prepared = None
                self._on_oom()

    def pixel_outputs(
        self, mapper_args: tuple, data: np.ndarray, valid: np.ndarray, pick: np.ndarray
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(n, C) inductive class probabilities and (n, B) standardised bands of ``pick``:
        what the transduction needs of the region's pixels."""
        mapper = self._mapper(mapper_args)
        probs, zs = [], []
        with torch.inference_mode():
            for cols, ctx in mapper.iter_pixel_chunks(data, valid, pick, CPU_CHUNK):
                probs.append(torch.softmax(self._pixel_logits(cols, ctx).float(), dim=0).T)
                zs.append(mapper.standardise(cols).T)
        if not probs:
            return torch.zeros((0, self.classifier.n_classes)), torch.zeros((0, mapper.n_bands))
        return torch.cat(probs).cpu(), torch.cat(zs).cpu()

    def _propagated(
        self, mapper: Any, data: np.ndarray, valid: np.ndarray, pick: np.ndarray,
        origin: tuple[int, int] | None, chunk: int,
    ) -> Iterator[torch.Tensor]:
        """(n, C) class probability chunks from the region propagation's distributions."""
        if origin is None:
            raise ValueError("Transductive prediction needs the tile's origin on the map.")
        width = data.shape[-1]
        rows_all = torch.from_numpy(pick // width + origin[0])
        cols_all = torch.from_numpy(pick % width + origin[1])
        assert self.propagation is not None
        start = 0
        for cols, _ctx in mapper.iter_pixel_chunks(data, valid, pick, chunk):
            self._check_cancel()
            n = cols.shape[1]
            z = mapper.standardise(cols).T
            p = self.propagation.probabilities(z, rows_all[start:start + n].to(z.device),
                                               cols_all[start:start + n].to(z.device))
            start += n
            yield p

    def _mapper(self, mapper_args: tuple) -> Any:
        from ..mapping.spectral_projection import ProjectedTileClassifier
        from ..mapping.tile_features import TileMapper

        key = (id(mapper_args[0]), self.device)
        if self._mapper_key != key:
            stats, card_bm, wavelengths = mapper_args
            self._tile_mapper = TileMapper(stats, card_bm, wavelengths, device=self.device)
            self._pixel_logits = PixelClassifier(self.classifier, self._tile_mapper)
            # the projection path runs the network in float32 (spectral_projection.NET_CHUNK)
            fused = _fused_weights(self.classifier, torch.float32)
            self._projected = (
                ProjectedTileClassifier(fused, self._tile_mapper, self._pixel_logits)
                if ProjectedTileClassifier.applies(fused, self._tile_mapper) else None
            )
            self._mapper_key = key
        return self._tile_mapper

    def _on_oom(self) -> None:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        if self.batch_size > MIN_GPU_BATCH:
            self.batch_size = max(MIN_GPU_BATCH, self.batch_size // 2)
            return
        self.warnings.append(
            msg(
                "The GPU ran out of memory even with small batches; the rest of the map "
                "was predicted on the CPU (slower). Close other GPU programs or use device "
                "'cpu'.",
            )
        )
        self.device = "cpu"
        self.classifier = move_classifier(self.classifier, "cpu")
        self._logits = fused_logits(self.classifier)
        self.batch_size = max(self.batch_size, 65536)


@dataclass
class PredictionStats:
    tiles: int = 0
    pixels: int = 0  # region pixels predicted (valid and inside the region)
    seconds_read: float = 0.0
    seconds_compute: float = 0.0
    seconds_write: float = 0.0
    class_counts: np.ndarray | None = None


#: Decoded bytes of one prediction tile at most. A 512^2 tile of 204 uint16 bands is 107 MB:
#: halved to 256^2, memory is bounded by the tile and the reader thread overlaps more of the
#: classification (the first tile is read before anything runs in parallel): 1 Mpx x 204
#: bands, predict 1.6-2.0 -> 1.3-1.6 s (ENVI BSQ), 1.4-1.6 -> 1.2 s (GeoTIFF), measured.
TILE_BYTES = 64 * 2**20
#: ... but never below this side (more tiles: more halo and per-tile overhead).
MIN_TILE = 128


def bounded_tile_size(tile_size: int, info: RasterInfo) -> int:
    """``tile_size``, halved while a tile's decoded values exceed :data:`TILE_BYTES`
    (many-band rasters; 13 bands keep 512), not below :data:`MIN_TILE` (nor above the
    size asked for). The map does not depend on the tiling (tested)."""
    size = int(tile_size)
    per_pixel = info.count * np.dtype(info.read_dtype).itemsize
    while size // 2 >= MIN_TILE and size * size * per_pixel > TILE_BYTES:
        size //= 2
    return size


def predict_region(
    ds: Any,
    info: RasterInfo,
    region: Region,
    predictor: BatchPredictor,
    stats: BandStats,
    band_mapping: BandMapping,
    codes: Sequence[int],
    class_dst: Any,
    confidence_dst: Any = None,
    wavelengths_nm: Sequence[float] | None = None,
    tile_size: int = 512,
    progress: ProgressFn | None = None,
    progress_span: tuple[float, float] = (0.0, 1.0),
    is_cancelled: CancelFn | None = None,
    on_tile: Callable[[Any, np.ndarray, np.ndarray | None], None] | None = None,
) -> PredictionStats:
    """Predict every valid in-region pixel, tile by tile, into the open output datasets.

    ``on_tile(tile, core_valid, probabilities)`` sees every predicted tile (probabilities
    (N, n) when the predictor keeps them, else None): how suggestions are collected.
    ``tile_size`` is an upper bound: :func:`bounded_tile_size` shrinks it on many bands.
    """
    tile_size = bounded_tile_size(tile_size, info)
    band_mapping = BandMappingSettings.from_card(band_mapping)
    halo = band_mapping.context_radius
    mapper_args = (stats, band_mapping, wavelengths_nm)
    lut = np.asarray(list(codes), dtype=np.uint8)
    n_tiles = count_tiles(region.window, tile_size)
    counts = np.zeros(len(lut), dtype=np.int64)
    out = PredictionStats(class_counts=counts)
    lo, hi = progress_span
    tiles = list(iter_tiles(region.window, tile_size, halo, info.width, info.height))
    # the next tile is read (decoded) in a second thread while this one is classified; the
    # dataset is only ever used by one thread at a time (the read is awaited first)
    # the reader's decoding takes one core, torch the others: with as many torch threads as
    # cores, each op's thread barrier stalls behind the reader (and behind any other job:
    # 13 bands, 1 Mpx on this 2-core machine under load, 1.6-2.8 s -> 0.5-1.2 s; 204 bands
    # 7.9 -> 5.7 s)
    # on the CPU, where reads are cheap copies (raw ENVI layouts, or GDAL blocks that the
    # sampling and statistics left in a cache holding them all), the reader also runs the
    # next tile's whole-tile projection (prepare_tile): the classification of a tile is
    # split between the two threads (BSQ, 204 bands: predict 2.8 -> 2.5 s; band-interleaved
    # GeoTIFF 2.1 -> 1.4 s, measured); a reader that decodes blocks made it slower
    # (GeoTIFF, blocks evicted: 2.5 -> 3.8-5.4 s). The projection is shared: the
    # classifying thread, done with its tile, takes the next tile's chunks left
    # (spectral_projection.ProjectionJob; BSQ, 204 bands: predict 1.21-1.33 -> 0.88-1.06 s)
    threads = None
    if predictor.device == "cpu":
        threads = max(1, min(torch.get_num_threads(), (os.cpu_count() or 2) - 1))
    ahead = predictor.device == "cpu" and (
        info.raw_layout is not None
        or (bool(tiles) and cache_holds(ds, union_windows([t.read_window for t in tiles]))))
    if ahead:
        predictor._mapper(mapper_args)  # built here, not in the reader thread
    projects = ahead and predictor.projects_tiles(mapper_args)

    def load(tile: Any, started: Future) -> tuple:
        """Read ``tile``; where the reader projects ahead, publish the projection job in
        ``started`` (the classifying thread joins it once its own tile is done) and work
        on it."""
        job = None
        try:
            # the projection only reads the tile: a view of a raster decoded whole will do
            # (a 258^2 x 204 copy was 20-25 ms of the reader's time a tile)
            data, valid = read_block(ds, info, tile.read_window, copy=not projects)
            job = predictor.prepare_tile(mapper_args, data, valid) if ahead else None
        finally:
            started.set_result(job)  # also on a failed read: nobody waits forever
        if job is not None:
            job.work()
        return data, valid, job

    def submit(tile: Any) -> tuple[Future, Future]:
        started: Future = Future()
        return reader.submit(load, tile, started), started

    # one decoding thread here (GDAL_NUM_THREADS is process-wide): the reader already has
    # its core, and parallel decoding stole torch's (GeoTIFF predict 1.7 -> 2.1 s, measured)
    with rasterio.Env(GDAL_NUM_THREADS="1"), ThreadPoolExecutor(max_workers=1) as reader, \
            torch_threads(threads), blas_threads(threads):
        pending, started = submit(tiles[0]) if tiles else (None, None)
        for i, tile in enumerate(tiles):
            if is_cancelled is not None and is_cancelled():
                raise Cancelled()
            t0 = time.perf_counter()
            assert pending is not None and started is not None
            job = started.result()  # the tile is read; help project what is left of it
            if job is not None:
                job.work()
            data, valid, prepared = pending.result()
            pending, started = submit(tiles[i + 1]) if i + 1 < len(tiles) else (None, None)
            _predict_tile(tile, data, valid, region, predictor, mapper_args, lut, counts,
                          out, class_dst, confidence_dst, t0, on_tile, prepared)
            del prepared
            if progress is not None:
                progress(lo + (hi - lo) * (i + 1) / n_tiles, msg(
                    "Predicted tile {value}/{n_tiles}",
                    value=i + 1,
                    n_tiles=n_tiles,
                ))
    return out


def _predict_tile(tile: Any, data: np.ndarray, valid: np.ndarray, region: Region,
                  predictor: BatchPredictor, mapper_args: tuple, lut: np.ndarray,
                  counts: np.ndarray, out: PredictionStats, class_dst: Any,
                  confidence_dst: Any, t0: float,
                  on_tile: Callable[[Any, np.ndarray, np.ndarray | None], None] | None = None,
                  prepared: Any = None) -> None:
    """Classify one tile read with its halo and write its core into the outputs."""
    core_valid = valid[tile.inner] & region.mask(tile.window)
    t1 = time.perf_counter()
    h, w = core_valid.shape
    classes = np.zeros((h, w), dtype=np.uint8)
    conf = np.full((h, w), CONFIDENCE_NODATA, dtype=np.float32)
    if core_valid.any():
        pick = tile.read_indices(*np.nonzero(core_valid))
        origin = (int(tile.read_window.row_off), int(tile.read_window.col_off))
        idx, p = predictor.predict_tile(mapper_args, data, valid, pick, origin, prepared)
        classes[core_valid] = lut[idx]
        conf[core_valid] = p
        out.pixels += int(idx.size)
        counts += np.bincount(idx, minlength=len(lut))
        if on_tile is not None:
            on_tile(tile, core_valid, predictor.last_probabilities)
    t2 = time.perf_counter()
    win = rasterio_window(tile.out)
    try:
        class_dst.write(classes, 1, window=win)
        if confidence_dst is not None:
            confidence_dst.write(conf, 1, window=win)
    except Exception as exc:  # noqa: BLE001 - GDAL/OS write errors of any kind
        raise OutputError(
            msg(
                "Writing the output failed ({exc}). Free disk space or choose another "
                "output folder, then run again.",
                exc=exc,
            )
        ) from exc
    t3 = time.perf_counter()
    out.tiles += 1
    out.seconds_read += t1 - t0
    out.seconds_compute += t2 - t1
    out.seconds_write += t3 - t2


def rasterio_window(out: tuple[slice, slice]) -> Any:
    from rasterio.windows import Window

    rows, cols = out
    return Window(cols.start, rows.start, cols.stop - cols.start, rows.stop - rows.start)
