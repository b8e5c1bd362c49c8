"""The band mapping of whole tiles in torch, channels first, on the prediction device.

``band_mapping.map_tile`` is the NumPy reference: clear, but on a 13-band 512 x 512 tile it
spends ~0.3 s in transposes, float64 temporaries and single-threaded filters, three times
the network itself. Here a tile stays (bands, pixels) from the read to the logits:

* the neighbourhood mean is separable running sums (sum of valid values / count of
  valid pixels, zero padding), identical to ``box_mean``;
* only the in-region, valid pixels are gathered, ``chunk`` columns at a time, so the
  activations of one chunk stay in the CPU cache and memory is bounded by the tile;
* standardisation, spectral shape and resampling are a few fused tensor ops and one
  (P, B) matrix product, multi-threaded by torch and run on the GPU when there is one.

The features equal ``map_tile``'s to float32 rounding (tested).
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np
import torch

from .band_mapping import (
    CLIP,
    SHAPE_EPS,
    BandMapping,
    BandMappingSettings,
    BandStats,
    resample_matrix,
)

#: Rows (bands, or projected rows) smoothed at once. A (3, 514^2) float32 chunk is 3.2 MB,
#: under glibc's 4 MB mmap threshold (``raster_io.limit_heap_fragmentation``), so the chunk's
#: temporaries are reused heap memory, not fresh pages faulted in on every tile: the
#: neighbourhood mean of 39 projected rows 0.33 -> 0.18 s a Mpx, 13 bands 0.085 -> 0.061 s
#: (one thread, ``/tmp`` micro-benchmark in the session-7 notes).
BAND_CHUNK = 3


def _shift_sum(x: torch.Tensor, radius: int, dim: int,
               out: torch.Tensor | None = None) -> torch.Tensor:
    """Sum over each (2r+1) window along ``dim``, zeros outside: x[i-r] + ... + x[i+r].
    Written into ``out`` (same shape as ``x``, not overlapping it) when given."""
    n = x.shape[dim]
    top = min(int(radius), n - 1)
    out = torch.empty_like(x) if out is None else out
    if top < 1:
        return out.copy_(x)
    # the first shift is written straight into the output (no copy of x first): one pass
    # fewer over a (K, 514^2) tile; the sums are added in the same order as before
    torch.add(x.narrow(dim, 1, n - 1), x.narrow(dim, 0, n - 1), out=out.narrow(dim, 1, n - 1))
    out.narrow(dim, 0, 1).copy_(x.narrow(dim, 0, 1))
    out.narrow(dim, 0, n - 1).add_(x.narrow(dim, 1, n - 1))
    for k in range(2, top + 1):
        out.narrow(dim, k, n - k).add_(x.narrow(dim, 0, n - k))
        out.narrow(dim, 0, n - k).add_(x.narrow(dim, k, n - k))
    return out


def box_sum(x: torch.Tensor, radius: int, out: torch.Tensor | None = None,
            scratch: torch.Tensor | None = None) -> torch.Tensor:
    """Sum over each (2r+1)^2 window of a (C, H, W) tensor, zeros outside (separable).

    Shifted in-place adds, no padded copy: a 13 x 514^2 tile is ~55 MB of float32
    traffic per pass, so every pass saved is visible in the map's throughput. ``scratch``
    (x's shape) holds the first pass; ``out`` the result, and it may be ``x`` itself.
    """
    return _shift_sum(_shift_sum(x, radius, -2, scratch), radius, -1, out)


def sparse_pick(n: int, shape: tuple, radius: int) -> bool:
    """Whether ``n`` picked pixels' neighbourhoods are much smaller than the (H, W) tile."""
    k = 2 * int(radius) + 1
    return 0 < n * k * k * 2 <= int(shape[0]) * int(shape[1])


def neighbourhood_tile(
    data: np.ndarray, valid: np.ndarray, pick: np.ndarray, radius: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (2r+1)^2 neighbourhoods of the pixels ``pick`` of a (B, H, W) tile, laid side by
    side as one (B, k, n k) tile, and the picked pixels' flat indices in it.

    Each pixel's window in the new tile holds exactly its neighbourhood of the old one
    (outside the old tile: invalid, as the zero padding of :func:`box_sum` sees it), so
    any per-pixel map of the neighbourhood mean gives the same values on both.
    """
    r = int(radius)
    k = 2 * r + 1
    _, h, w = data.shape
    pick = np.asarray(pick, dtype=np.int64)
    n = pick.size
    rows, cols = np.divmod(pick, w)
    offs = np.arange(-r, r + 1)
    rr = rows[:, None] + offs  # (n, k)
    cc = cols[:, None] + offs
    inside = ((rr >= 0) & (rr < h))[:, :, None] & ((cc >= 0) & (cc < w))[:, None, :]
    ri = np.clip(rr, 0, h - 1)[:, :, None]
    ci = np.clip(cc, 0, w - 1)[:, None, :]
    values = data[:, ri, ci]  # (B, n, k, k)
    ok = np.asarray(valid, dtype=bool)[ri, ci] & inside  # (n, k, k)
    tile = np.ascontiguousarray(values.transpose(0, 2, 1, 3)).reshape(data.shape[0], k, n * k)
    tile_valid = np.ascontiguousarray(ok.transpose(1, 0, 2)).reshape(k, n * k)
    return tile, tile_valid, neighbourhood_pick(n, r)


def neighbourhood_pick(n: int, radius: int) -> np.ndarray:
    """Flat indices of the centre pixels in a tile of ``n`` neighbourhoods laid side by side
    (:func:`neighbourhood_tile`'s layout; also for several such tiles joined along columns)."""
    k = 2 * int(radius) + 1
    return int(radius) * (n * k) + np.arange(n, dtype=np.int64) * k + int(radius)


class TileMapper:
    """Maps (B, H, W) tiles to (D, n) feature columns for the pixels asked for."""

    def __init__(
        self,
        stats: BandStats,
        card_bm: BandMapping,
        wavelengths_nm: Sequence[float] | None = None,
        device: str | torch.device = "cpu",
    ) -> None:
        bm = BandMappingSettings.from_card(card_bm)
        self.device = torch.device(device)
        mat = resample_matrix(stats.n_bands, bm.points, wavelengths_nm)  # (B, P)
        self.n_bands = stats.n_bands
        self.wavelengths_nm = wavelengths_nm
        self.radius = bm.context_radius
        self.append_context = bm.appends_context
        self.smooth_pixels = self.radius > 0 and not self.append_context
        self.append_bands = bm.append_bands
        self.mat_t = torch.as_tensor(mat.T.copy(), device=self.device)  # (P, B)
        self.centre = torch.as_tensor(stats.centre.astype(np.float32), device=self.device)[:, None]
        self.inv_scale = torch.as_tensor(
            (1.0 / stats.scale).astype(np.float32), device=self.device
        )[:, None]
        self.eps = float(np.float32(SHAPE_EPS * stats.scene_scale))

    # ------------------------------------------------------------------ whole-tile steps

    def to_tensor(self, data: np.ndarray, valid: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, H, W) tile of any dtype -> float32 tensor on the device, plus the valid mask."""
        # a read-only view (a window of a raster decoded whole) is copied: torch would
        # share it as a tensor it cannot protect
        x = torch.from_numpy(np.ascontiguousarray(data) if data.flags.writeable
                             else np.array(data, order="C"))
        x = x.to(self.device).to(torch.float32) if x.dtype != torch.float32 else x.to(self.device)
        v = torch.from_numpy(np.ascontiguousarray(valid, dtype=bool)).to(self.device)
        return x, v

    def box_mean(self, x: torch.Tensor, valid: torch.Tensor,
                 out: torch.Tensor | None = None) -> torch.Tensor:
        """Mean of the valid pixels in each (2r+1)^2 window, per band (as ``box_mean``).

        Separable running sums by shifted in-place adds (:func:`box_sum`): 4-5x faster on
        the CPU than ``avg_pool2d`` for r = 1. A tile without nodata skips the masking.
        :data:`BAND_CHUNK` rows at a time, through one small scratch buffer. ``out``: where
        the means go (``x`` itself is allowed: each chunk is read before it is written).
        """
        counts = box_sum(valid.to(x.dtype)[None], self.radius)
        out = torch.empty_like(x) if out is None else out
        if bool(valid.all()):  # the common case: no nodata, every window has a count > 0
            inv = counts.reciprocal_()
            scratch = torch.empty((min(BAND_CHUNK, x.shape[0]),) + tuple(x.shape[1:]),
                                  dtype=x.dtype, device=x.device)  # fmt: skip
            for start in range(0, x.shape[0], BAND_CHUNK):
                part = x[start:start + BAND_CHUNK]
                rows = part.shape[0]
                box_sum(part, self.radius, out[start:start + rows], scratch[:rows]).mul_(inv)
            return out
        keep = counts > 0.5
        denom = torch.where(keep, counts, torch.ones_like(counts))
        for start in range(0, x.shape[0], BAND_CHUNK):
            sums = box_sum(torch.where(valid, x[start:start + BAND_CHUNK], 0.0), self.radius)
            out[start:start + BAND_CHUNK] = torch.where(keep, sums / denom, 0.0)
        return out

    def prepare(
        self, x: torch.Tensor, valid: torch.Tensor, owned: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Per-tile work before the per-pixel mapping: smoothing or the context bands.

        Returns the (B, H*W) pixel values to map and, in ``append`` mode, the (B, H*W)
        neighbourhood mean of the standardised bands; both contiguous, so columns gather fast.
        """
        b = x.shape[0]
        ctx = None
        if self.smooth_pixels:  # in place when ``x`` is a copy (``owned``), not the tile read
            x = self.box_mean(x, valid, out=x if owned else None)
        elif self.append_context:
            z = self.standardise(x.reshape(b, -1)).reshape(x.shape)
            ctx = self.box_mean(z, valid).reshape(b, -1)
        return x.reshape(b, -1), ctx

    # ------------------------------------------------------------------ per-pixel mapping

    def standardise(self, cols: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """(B, n) pixel columns -> standardised, clipped (into ``out`` when given)."""
        z = torch.sub(cols, self.centre) if out is None else torch.sub(cols, self.centre, out=out)
        return z.mul_(self.inv_scale).clamp_(-CLIP, CLIP)

    def features(self, cols: torch.Tensor, ctx: torch.Tensor | None = None) -> torch.Tensor:
        """(B, n) pixel columns -> (D[+B], n) features, as ``map_bands`` computes the rows."""
        net, z = self.network_features(cols, ctx)
        return torch.cat([net, z], dim=0) if self.append_bands else net

    def network_features(
        self, cols: torch.Tensor, ctx: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, n) pixel columns -> the network's (D, n) input and the (B, n) standardised
        bands (what the band correction multiplies), each computed once."""
        z = self.standardise(cols)
        parts = [self.mat_t @ z, self.mat_t @ self.spectral_shape(cols)]
        if self.append_context:
            if ctx is None:
                raise ValueError("append-mode context needs the context columns (prepare()).")
            parts.append(self.mat_t @ ctx)
        return torch.cat(parts, dim=0), z

    def spectral_shape(self, cols: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """Brightness-invariant shape of (B, n) pixel columns, clipped (into ``out``)."""
        denom = cols.abs().mean(dim=0, keepdim=True).add_(self.eps)
        shape = torch.div(cols, denom) if out is None else torch.div(cols, denom, out=out)
        return shape.sub_(1.0).clamp_(-CLIP, CLIP)

    def iter_pixel_chunks(
        self, data: np.ndarray, valid: np.ndarray, pick: np.ndarray, chunk: int = 8192
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        """(B, <=chunk) pixel columns (smoothed in ``smooth`` mode) of the pixels ``pick``
        (flat indices into the H x W tile), with their context columns in ``append`` mode.

        With spatial context and few pixels picked (propagation anchors, the exact fallback
        of the projection path, support patches), only their neighbourhoods are mapped
        (:func:`neighbourhood_tile`): smoothing a whole 204-band tile for 80 pixels was
        ~0.2-0.6 s a tile, 10-30 s per run for the propagation's 48 anchor tiles.
        """
        if data.ndim == 2:
            data = data[None]
        if self.radius > 0 and sparse_pick(pick.size, data.shape[1:], self.radius):
            data, valid, pick = neighbourhood_tile(data, valid, pick, self.radius)
        x, v = self.to_tensor(data, valid)
        # to_tensor converted (or moved) the tile: its tensor is this call's own
        owned = data.dtype != np.float32 or x.device.type != "cpu"
        flat, ctx = self.prepare(x, v, owned)
        idx = torch.from_numpy(np.ascontiguousarray(pick, dtype=np.int64)).to(self.device)
        for start in range(0, idx.numel(), chunk):
            sel = idx[start:start + chunk]
            yield flat.index_select(1, sel), None if ctx is None else ctx.index_select(1, sel)

    def iter_feature_chunks(
        self, data: np.ndarray, valid: np.ndarray, pick: np.ndarray, chunk: int = 8192
    ) -> Iterator[torch.Tensor]:
        """(D[+B], <=chunk) classifier inputs of the pixels ``pick`` (flat tile indices)."""
        for cols, ctx in self.iter_pixel_chunks(data, valid, pick, chunk):
            yield self.features(cols, ctx)
