"""Suggestions during ``map_region``'s prediction pass: raster geometry around
``core.predicting.suggest``.

The prediction pass hands each tile's class probabilities to :meth:`RegionSuggestions.add`;
this module removes the pixels near existing labels (the labelled features rasterised on
the tile's window grown by the clearance, ``all_touched`` so small points count), feeds
``core.predicting.suggest.SuggestionCollector`` and at the end turns the chosen pixels into
points in
the raster's CRS. Memory: one tile.
"""

from __future__ import annotations

from typing import Any, List, Sequence

import numpy as np

from .suggest import SuggestConfig, Suggestion, SuggestionCollector, clearance_mask


class RegionSuggestions:
    """Collects suggestions over a region's tiles (see the module docstring)."""

    def __init__(
        self,
        cfg: SuggestConfig,
        n_classes: int,
        region_window: Any,
        transform: Any,
        label_geometries: Sequence[dict],
        raster_size: tuple[int, int],
    ) -> None:
        from ..reading.raster_io import geometry_window

        self.cfg = cfg
        self.transform = transform
        area = float(region_window.width) * float(region_window.height)
        width, height = raster_size
        self._labels: List[tuple] = []  # (geometry, pixel window) of each usable label
        for geom in label_geometries:
            try:
                win = geometry_window(geom, transform, width, height)
            except (ValueError, TypeError, KeyError):
                continue
            if win is not None:
                self._labels.append((geom, win))
        # where the labels are (the centre of each one's pixel window), for the distance rule
        centres = np.asarray([(float(w.row_off) + (float(w.height) - 1) / 2,
                               float(w.col_off) + (float(w.width) - 1) / 2)
                              for _, w in self._labels], float).reshape(-1, 2)
        self.collector = SuggestionCollector(cfg, n_classes, area, centres)

    def near_labels(self, window: Any) -> np.ndarray:
        """(h, w) pixels of ``window`` within the clearance of a labelled feature."""
        import rasterio.features
        import rasterio.windows
        from rasterio.windows import Window

        h, w = int(window.height), int(window.width)
        pad = max(0, int(self.cfg.label_clearance_px))
        r0, c0 = int(window.row_off) - pad, int(window.col_off) - pad
        r1, c1 = r0 + h + 2 * pad, c0 + w + 2 * pad
        geoms = [g for g, lw in self._labels
                 if lw.row_off < r1 and lw.row_off + lw.height > r0
                 and lw.col_off < c1 and lw.col_off + lw.width > c0]  # fmt: skip
        if not geoms:
            return np.zeros((h, w), dtype=bool)
        grown = Window(c0, r0, c1 - c0, r1 - r0)
        labelled = rasterio.features.geometry_mask(
            geoms, (r1 - r0, c1 - c0), rasterio.windows.transform(grown, self.transform),
            all_touched=True, invert=True,
        )  # fmt: skip
        return clearance_mask(labelled, pad)[pad:pad + h, pad:pad + w]

    def add(self, tile: Any, core_valid: np.ndarray, probs: np.ndarray | None) -> None:
        """One predicted tile: ``core_valid`` (h, w) predicted pixels, ``probs`` (N, n)."""
        if probs is None or self.cfg.count <= 0 or not core_valid.any():
            return
        win = tile.window
        allowed = ~self.near_labels(win)
        self.collector.add_tile(int(win.row_off), int(win.col_off), core_valid, probs, allowed)

    def select(self) -> List[Suggestion]:
        """The suggestions, best first, as points (pixel centres) in the raster's CRS."""
        return self.collector.select(self.transform)
