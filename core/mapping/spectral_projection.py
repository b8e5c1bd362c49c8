"""Hyperspectral tiles classified through one projection of the raw bands.

With 200+ bands the per-pixel mapping (``TileMapper``: smooth every band, standardise,
spectral shape, resample, band correction) walks over the (B, H*W) tile some twenty times
and the smoothing alone is ~B/K times more work than needed. Everything in it is linear in
the pixel values except three things: the clipping of the standardised values and of the
spectral shape at +-CLIP, the absolute value in the shape's denominator, and the division by
that denominator. Where no clipping happens and the values are non-negative, the mapping is

    mat_t @ z      = (mat_t)        @ xcs            xcs = (x - centre) * inv_scale
    mat_t @ x      = (mat_t / s)    @ xcs + mat_t @ centre
    mean_b x       = (1 / (B s))    @ xcs + mean(centre)
    band_w @ z     = (band_w)       @ xcs
    mat_t @ shape  = (mat_t @ x) / (mean_b x + eps) - mat_t @ 1

so one (K, B) @ (B, H*W) product (K = 2P + 1 + N rows, ~40) carries the tile, and the
neighbourhood mean (a linear, per-band operator that commutes with the projection) is taken
on K rows instead of B bands. Pixels whose neighbourhood would be clipped, or holds negative
values, are found per pixel and mapped by the exact ``TileMapper`` path, so the result equals
it to float32 rounding (tested); on typical reflectance data that is a few pixels a tile.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import torch

from .band_mapping import CLIP
from .scoring import best_class

#: Below this many bands the folded first layer (``predict.PixelClassifier``) is cheaper.
MIN_BANDS = 32
#: Pixels per product on the fast path, per torch thread: a few MB of activations, in the
#: CPU's cache (1 thread, 512^2 tile: 0.55 -> 0.45 s against a whole tile at once).
FAST_CHUNK = 1 << 14
#: Bytes of float32 raw values converted and projected at once: cache-sized too (a 64 MB
#: chunk: 0.51 s a tile, 4 MB: 0.34 s, 204 bands, one thread).
PROJECT_BYTES = 4 * 2**20
#: Pixels per product of the network's layers on the fast path, per torch thread, in
#: float32: a (64, 4096) activation is 1 MB, in the core's L2 cache. The 32-64-64 network
#: 0.29-0.40 -> 0.16-0.22 s a Mpx against bfloat16 (AMX) in 16,384-pixel products (one
#: thread, session 7): at this width the tile set-up of AMX costs more than it saves.
NET_CHUNK = 4096


def chunk_rows(bands: int, width: int) -> int:
    """Rows of a (bands, H, ``width``) tile in one cache-sized chunk (:data:`PROJECT_BYTES`
    of float32 values, at least 4,096 pixels)."""
    return max(1, max(4096, PROJECT_BYTES // (4 * bands)) // max(1, width))


class ProjectedTileClassifier:
    """(B, H, W) tile + pick -> (N, n) logits through one projection of the raw bands."""

    def __init__(self, fused: Any, mapper: Any, exact: Any) -> None:
        self.fused, self.mapper, self.exact = fused, mapper, exact
        dev = mapper.device
        mat = mapper.mat_t.float()  # (P, B)
        s = mapper.inv_scale[:, 0].float()  # (B,)
        c = mapper.centre[:, 0].float()
        n_bands = mat.shape[1]
        rows = [mat, mat / s, (1.0 / s)[None] / n_bands]
        self.band_w = fused.band_w
        if fused.band_w is not None:
            rows.append(fused.band_w.float())
        # (K, B), applied to centred values: the inverse scale folded into its columns
        self.proj = (torch.cat(rows, dim=0) * s[None]).to(dev).contiguous()
        self.points = mat.shape[0]
        self.mat_c = (mat @ c)[:, None]  # (P, 1)
        self.mean_c = float(c.mean())
        self.mat_one = mat.sum(dim=1, keepdim=True)  # (P, 1)
        self.centre_np = mapper.centre.float().cpu().numpy()  # (B, 1)
        # proj @ (x - c) = proj @ x - proj @ c: integer tiles are converted without centring
        self.neg_offset = -(self.proj.double() @ mapper.centre.double().to(dev)).float()
        centre = mapper.centre[:, 0].double().cpu().numpy()
        half = CLIP / mapper.inv_scale[:, 0].double().cpu().numpy()
        self.lo, self.hi = centre - half, centre + half  # raw values that are not clipped
        self._scratch = threading.local()

    def _buffer(self, shape: tuple[int, ...]) -> np.ndarray:
        """This thread's C-contiguous float32 buffer of ``shape`` for one converted chunk,
        reused chunk after chunk: a fresh 4 MB array per chunk was faulted in page by page
        each time (glibc trims freed heap tops), 0.2-0.4 s of system time a Mpx on 204
        bands."""
        size = int(np.prod(shape))
        buf = getattr(self._scratch, "buf", None)
        if buf is None or buf.size < size:
            buf = self._scratch.buf = np.empty(size, dtype=np.float32)
        return buf[:size].reshape(shape)

    @staticmethod
    def applies(fused: Any, mapper: Any) -> bool:
        """Only for plain Linear/ReLU networks on many bands, in ``smooth`` or no-context mode."""
        return (
            fused is not None
            and bool(fused.hidden)
            and mapper.n_bands >= MIN_BANDS
            and not mapper.append_context
            and fused.input_dim == 2 * int(mapper.mat_t.shape[0])
        )

    def _flags(self, data: np.ndarray, mean_x: torch.Tensor, scan: tuple) -> torch.Tensor:
        """(H*W,) True where a pixel's own values would be clipped or are negative.

        Checked with NumPy (SIMD reductions are ~20x faster than torch's over the band
        axis): per band first, from the band and pixel extremes that the projection gathered
        chunk by chunk (``scan``: ``ProjectionJob.scan``), then per pixel on the raw values,
        only for the bands that leave the clipping range somewhere in the tile.
        """
        band_hi, band_lo, raw_max, negative = scan
        n = data.shape[1] * data.shape[2]
        bad = negative if negative is not None else np.zeros(n, dtype=bool)
        out = np.flatnonzero((band_hi > self.hi) | (band_lo < self.lo))
        for b in out:  # z = (x - centre) * inv_scale beyond +-CLIP
            band = data[b].reshape(-1)  # one band (a copy only of a window's view)
            bad |= (band > self.hi[b]) | (band < self.lo[b])
        flags = torch.from_numpy(bad).to(mean_x.device)
        # shape = x / (mean x + eps) - 1 <= CLIP wherever max_b x <= (1 + CLIP) mean_b x
        limit = (1.0 + CLIP) * mean_x
        return flags | ~(torch.from_numpy(raw_max).to(mean_x.device) <= limit)

    def start(self, data: np.ndarray) -> ProjectionJob:
        """The projection of ``data`` as row chunks that two threads can share: the
        prediction's reader thread starts it for the next tile and the classifying thread,
        once its own tile is done, takes the chunks left (``predict.predict_region``); the
        flags and the neighbourhood mean follow in the classifying thread (:meth:`finish`)."""
        return ProjectionJob(self, data)

    def _project_rows(self, job: ProjectionJob, i: int) -> None:
        """Chunk ``i`` (rows) of the job's tile (B, H, W; a window's view of a larger array
        is fine: the conversion is the one copy) projected into its columns of ``job.y``,
        and scanned (:meth:`ProjectionJob.scan`) while it is in the cache as float32 (exact
        for the <= 16-bit integers and float32 of multi-band rasters; one pass over a
        contiguous chunk instead of strided reductions over the raw tile). Integer values
        convert exactly and the centring is the product's bias (a plain cast is about half
        the work of a cast that subtracts: -0.1 s a Mpx, 204 bands); float values are
        centred after the scan, in float32 as before."""
        r0 = job.starts[i]
        part = job.data[:, r0:r0 + job.rows]
        b, r, w = part.shape
        dev = self.mapper.device
        buf = self._buffer((b, r, w))
        cols = slice(r0 * w, (r0 + r) * w)
        np.copyto(buf, part, casting="unsafe")  # what part.astype(np.float32) gives
        flat = buf.reshape(b, r * w)
        job.scan_chunk(i, flat, cols)
        if part.dtype.kind in "ui":
            torch.addmm(self.neg_offset, self.proj, torch.from_numpy(flat).to(dev),
                        out=job.y[:, cols])  # fmt: skip
        else:
            flat -= self.centre_np
            torch.mm(self.proj, torch.from_numpy(flat).to(dev), out=job.y[:, cols])

    def finish(self, data: np.ndarray, valid: np.ndarray, job: ProjectionJob
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """The projected tile ``data`` (its ``job``) -> (smoothed rows, where a pixel needs
        the exact path): the pixels' own clipping flags, then the neighbourhood mean."""
        h, w = data.shape[1:]
        y = job.result()
        v = torch.from_numpy(np.ascontiguousarray(valid, dtype=bool)).to(self.mapper.device)
        mean_x = y[2 * self.points] + self.mean_c
        bad = self._flags(data, mean_x, job.scan()) & v.reshape(-1)
        return self.smooth(y, bad, v.reshape(h, w))

    def smooth(self, y: torch.Tensor, bad: torch.Tensor, valid: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """The neighbourhood mean of the projected rows (``smooth`` context mode); a pixel
        needs the exact path when any pixel of its neighbourhood does."""
        mapper = self.mapper
        if not mapper.smooth_pixels:
            return y, bad
        h, w = valid.shape
        tile = y.reshape(-1, h, w)  # smoothed in place: y is this tile's own projection
        y = mapper.box_mean(tile, valid, out=tile).reshape(y.shape[0], -1)
        if bool(bad.any()):
            bad = mapper.box_mean(bad.reshape(1, h, w).float(), torch.ones_like(valid))
            bad = bad.reshape(-1) > 0
        return y, bad

    def __call__(self, data: np.ndarray, valid: np.ndarray, pick: np.ndarray, chunk: int,
                 prepared: ProjectionJob | None = None,
                 soft: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(probability of the best class, its index) of the pixels ``pick``; ``prepared``:
        what :meth:`start` returned for this tile (projected here when None). ``soft``: an
        (N, len(pick)) float32 tensor filled with every class's probability (what the
        suggestions score), else None."""

        # projected by the reader thread (``prepared``, a started job), or here
        job = self.start(data) if prepared is None else prepared
        y, bad = self.finish(data, valid, job)
        del job, prepared  # y is the job's own: freed with it (del y below)
        idx = torch.from_numpy(np.ascontiguousarray(pick, dtype=np.int64)).to(y.device)
        exact_mask = bad.index_select(0, idx)
        p = self.points
        if 4 * idx.numel() >= 3 * y.shape[1] and not bool(exact_mask.any()):
            # the usual tile: the network runs on every column, halo included (2 % more
            # work on 256^2), and only its N logit rows are gathered, not the K projected
            # ones (the gather was 0.12 s a Mpx, 204 bands)
            denom = y[2 * p].add(self.mean_c + self.mapper.eps)
            y[p:2 * p].add_(self.mat_c).div_(denom).sub_(self.mat_one)
            logits = self._logits(y[:2 * p], y[2 * p + 1:]).index_select(1, idx)
            del y
            if soft is not None:
                soft.copy_(torch.softmax(logits, dim=0))
            prob, arg = best_class(logits.T.contiguous(), 1)
            return prob.float(), arg
        probs = torch.empty(idx.numel(), dtype=torch.float32, device=y.device)
        args = torch.empty(idx.numel(), dtype=torch.int64, device=y.device)
        fast = torch.nonzero(~exact_mask).flatten()
        cols = y.index_select(1, idx.index_select(0, fast))  # (K, n_fast)
        del y
        # spectral shape in place: rows p..2p become mat_t @ shape; rows 0..2p the net input
        denom = cols[2 * p].add(self.mean_c + self.mapper.eps)
        cols[p:2 * p].add_(self.mat_c).div_(denom).sub_(self.mat_one)
        net_in = cols[:2 * p]
        # cache-sized products, larger with more threads: each torch op is a thread barrier,
        # and on a busy machine the barriers (not the arithmetic) dominated small chunks
        big = max(int(chunk), FAST_CHUNK * torch.get_num_threads())
        for start in range(0, fast.numel(), big):
            part = slice(start, start + big)
            logits = self._logits(net_in[:, part], cols[2 * p + 1:, part])
            if soft is not None:
                soft[:, fast[part]] = torch.softmax(logits.float(), dim=0)
            prob, arg = best_class(logits.T.contiguous(), 1)
            if fast.numel() == idx.numel() and big >= fast.numel():
                return prob.float(), arg  # the usual tile: no pixel needs the exact path
            probs[fast[part]], args[fast[part]] = prob.float(), arg
        slow = torch.nonzero(exact_mask).flatten().cpu().numpy()
        if slow.size:
            self._exact(data, valid, pick, slow, chunk, probs, args, soft)
        return probs, args

    def _exact(self, data: np.ndarray, valid: np.ndarray, pick: np.ndarray, slow: np.ndarray,
               chunk: int, probs: torch.Tensor, args: torch.Tensor,
               soft: torch.Tensor | None = None) -> None:
        """The exact ``TileMapper`` path for the pixels ``pick[slow]`` (whole tile: mapping
        it in bands of rows made many mid-sized allocations, and peak RSS grew, measured)."""

        parts, dists = [], []
        for cols, ctx in self.mapper.iter_pixel_chunks(data, valid, pick[slow], chunk):
            logits = self.exact(cols, ctx)
            parts.append(best_class(logits, 0))
            if soft is not None:
                dists.append(torch.softmax(logits.float(), dim=0))
        at = torch.from_numpy(slow).to(probs.device)
        probs[at] = torch.cat([q for q, _ in parts]).float()
        args[at] = torch.cat([a for _, a in parts])
        if soft is not None:
            soft[:, at] = torch.cat(dists, dim=1).to(soft.device)

    def _logits(self, net_in: torch.Tensor, band_part: torch.Tensor) -> torch.Tensor:
        """The network's (2P, n) input and the projected band correction -> (N, n) logits,
        :data:`NET_CHUNK` columns (per torch thread) at a time."""
        n = net_in.shape[1]
        out = torch.empty((self.fused.w_out.shape[0], n), dtype=torch.float32,
                          device=net_in.device)  # fmt: skip
        step = NET_CHUNK * max(1, torch.get_num_threads())
        for s0 in range(0, n, step):
            h = net_in[:, s0:s0 + step]
            for wh, bh in self.fused.hidden:  # float32 (BatchPredictor builds it so)
                h = torch.relu_(torch.addmm(bh[:, None], wh, h))
            torch.addmm(self.fused.b_out[:, None], self.fused.w_out, h, out=out[:, s0:s0 + step])
        if self.band_w is not None:
            out += band_part
        return out


class ProjectionJob:
    """One tile's projection in cache-sized row chunks (a float32 copy of a whole 224-band
    tile is 240 MB), taken one at a time by whichever thread calls :meth:`work`; each chunk
    is also scanned for the clipping flags (:meth:`scan_chunk`) while it is in the cache.

    With the network in float32 the reader thread (read, cast, project) became the longer
    of the prediction's two threads; sharing the chunks lets the classifying thread, idle
    after its own tile, finish the next tile's projection instead of waiting for it.
    """

    def __init__(self, owner: ProjectedTileClassifier, data: np.ndarray) -> None:
        b, h, w = data.shape
        self.owner, self.data = owner, data
        self.y = torch.empty((owner.proj.shape[0], h * w), dtype=torch.float32,
                             device=owner.mapper.device)  # fmt: skip
        self.rows = chunk_rows(b, w)
        self.starts = list(range(0, h, self.rows))
        # the scan of the raw values, chunk by chunk (each chunk writes its own slots)
        self.is_float = data.dtype.kind == "f"
        self.band_hi = np.empty((len(self.starts), b))
        self.band_lo = np.empty((len(self.starts), b))
        self.raw_max = np.empty(h * w, dtype=np.float32)
        self.negative = None if data.dtype.kind == "u" else np.empty(h * w, dtype=bool)
        self._next = self._done = 0
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._finished = threading.Event()
        if not self.starts:
            self._finished.set()

    def work(self) -> None:
        """Project chunks until none is left to take (returns at once if none is)."""
        while True:
            with self._lock:
                if self._next >= len(self.starts) or self._error is not None:
                    return
                i = self._next
                self._next += 1
            try:
                with torch.inference_mode():  # thread-local: the job's tensors are inference ones
                    self.owner._project_rows(self, i)
            except BaseException as exc:  # noqa: BLE001 - handed to the thread that waits
                with self._lock:
                    self._error = exc
                self._finished.set()
                raise
            with self._lock:
                self._done += 1
                if self._done == len(self.starts):
                    self._finished.set()

    def scan_chunk(self, i: int, flat: np.ndarray, cols: slice) -> None:
        """Band extremes, pixel maxima (and negative pixels) of chunk ``i``'s values ``flat``
        (B, n_chunk) float32, the pixels ``cols`` of the tile."""
        fmax = np.fmax if self.is_float else np.maximum
        fmin = np.fmin if self.is_float else np.minimum
        self.band_hi[i] = fmax.reduce(flat, axis=1)
        self.band_lo[i] = fmin.reduce(flat, axis=1)
        self.raw_max[cols] = fmax.reduce(flat, axis=0)
        if self.negative is not None:  # negative (or NaN) values: |x| != x
            self.negative[cols] = ~(fmin.reduce(flat, axis=0) >= 0)

    def scan(self) -> tuple:
        """(band maxima, band minima, pixel maxima, negative pixels or None) of the whole
        tile, once :meth:`result` has returned."""
        hi = np.fmax.reduce(self.band_hi, axis=0, initial=-np.inf)
        lo = np.fmin.reduce(self.band_lo, axis=0, initial=np.inf)
        return hi, lo, self.raw_max, self.negative

    def result(self) -> torch.Tensor:
        """The (K, n) projected rows, once every chunk is done (helping with those left)."""
        self.work()
        self._finished.wait()
        if self._error is not None:
            raise self._error
        return self.y
