"""The region's pixels in the adaptation: the labelled pixels mapped as the prediction maps
them, a sample of unlabelled ones (transduction), and the label propagation over anchors
spread through the region, which the support's k-fold keeps or drops.

Steps of ``map_region`` (``core.steps``) call these; they join the adapting stage (support,
propagation) to the predicting one (the anchors' class probabilities).
"""

from __future__ import annotations

from typing import Any, Callable, List

import numpy as np

from .adapting.sampling import SupportSet
from .mapping.band_mapping import BandMapping
from .messages import msg
from .settings import ModelSettings

__all__ = ["ANCHOR_TILE", "ANCHOR_TILES", "choose_propagation", "mapped_features",
           "region_anchors", "region_features", "support_features"]


def mapped_features(mapper: Any, data: np.ndarray, valid: np.ndarray,
                     pick: np.ndarray) -> np.ndarray:
    """Classifier inputs (n, D) of the pixels ``pick`` (flat indices) of a tile read with its
    halo: the same torch mapping (``TileMapper``) as the prediction, so support, region and
    map pixels are mapped identically."""
    import torch

    with torch.inference_mode():
        parts = [c.T.numpy() for c in mapper.iter_feature_chunks(data, valid, pick)]
    dim = parts[0].shape[1] if parts else 0
    return np.concatenate(parts) if parts else np.zeros((0, dim), np.float32)


def region_features(
    ds: Any, info: Any, region: Any, mapper: Any, n: int, seed: int
) -> np.ndarray:
    """Mapped features of up to ``n`` random valid pixels of the region (transduction)."""
    from .reading.raster_io import iter_tiles, read_block

    tiles = list(iter_tiles(region.window, 256, mapper.radius, info.width, info.height))
    rng = np.random.default_rng([seed, 65537])
    parts: List[np.ndarray] = []
    got = 0
    for t in rng.permutation(len(tiles))[:16]:
        tile = tiles[int(t)]
        data, valid = read_block(ds, info, tile.read_window)
        core = valid[tile.inner] & region.mask(tile.window)
        if not core.any():
            continue
        parts.append(mapped_features(mapper, data, valid, tile.read_indices(*np.nonzero(core))))
        got += int(core.sum())
        if got >= 4 * n:
            break
    if not parts:
        return np.zeros((0, 1), dtype=np.float32)
    feats = np.concatenate(parts)
    if feats.shape[0] > n:
        feats = feats[np.sort(rng.choice(feats.shape[0], n, replace=False))]
    return np.ascontiguousarray(feats, dtype=np.float32)


#: Anchors of the propagation come from this many random region tiles of ANCHOR_TILE px
#: (spread over the region, few block reads).
ANCHOR_TILES = 48


ANCHOR_TILE = 128


def region_anchors(ds: Any, info: Any, region: Any, predictor: Any, mapper_args: tuple,
                    radius: int, n: int, seed: int) -> tuple | None:
    """Up to ``n`` random valid region pixels: (probs (m, C), z (m, B), rows, cols)."""
    import torch

    from .mapping.tile_features import neighbourhood_pick, neighbourhood_tile
    from .reading.raster_io import (
        iter_tiles,
        read_block,
        threaded_reads_report_errors,
        warm_blocks,
    )

    tiles = list(iter_tiles(region.window, ANCHOR_TILE, radius, info.width, info.height))
    rng = np.random.default_rng([seed, 4099])
    order = rng.permutation(len(tiles))[:ANCHOR_TILES]
    if threaded_reads_report_errors():
        # the anchors' blocks decoded several at once: their reads (the first of these
        # blocks, which the prediction then finds cached) were one decode after another
        # (1 Mpx x 13 bands: -0.032 +- 0.015 s a map, 24 paired runs). Only where GDAL
        # reports a damaged block met by its own threads (reading.raster_io, >= 3.10)
        warm_blocks(ds, info, [tiles[int(t)].read_window for t in order])
    per_tile = int(np.ceil(n / max(len(order), 1)))
    # every tile's picked pixels as their neighbourhoods side by side (the same values the
    # per-tile mapping gave them), then one pass of the network over all anchors: 48
    # passes of ~80 pixels each cost more in per-call overhead than in arithmetic
    hoods, hood_valid, rows, cols = [], [], [], []
    for t in order:
        tile = tiles[int(t)]
        data, valid = read_block(ds, info, tile.read_window, copy=False)  # only gathered
        core = valid[tile.inner] & region.mask(tile.window)
        r, c = np.nonzero(core)
        if r.size == 0:
            continue
        take = np.sort(rng.choice(r.size, size=min(per_tile, r.size), replace=False))
        r, c = r[take], c[take]
        hood, ok, _ = neighbourhood_tile(data, valid, tile.read_indices(r, c), radius)
        hoods.append(hood)
        hood_valid.append(ok)
        rows.append(r + int(tile.window.row_off))
        cols.append(c + int(tile.window.col_off))
    if not hoods:
        return None
    rows_all, cols_all = np.concatenate(rows), np.concatenate(cols)
    probs, z = predictor.pixel_outputs(mapper_args, np.concatenate(hoods, axis=-1),
                                       np.concatenate(hood_valid, axis=-1),
                                       neighbourhood_pick(rows_all.size, radius))
    return probs, z, torch.from_numpy(rows_all), torch.from_numpy(cols_all)


def choose_propagation(ds: Any, info: Any, region: Any, model_settings: ModelSettings,
                       classifier: Any, mapper: Any, mapper_args: tuple, support: SupportSet,
                       sx: np.ndarray, fold_predict: Callable[[np.ndarray, np.ndarray], np.ndarray],
                       opts: Any, run: Any, for_file: bool = False) -> Any:
    """Propagate the support labels over the region (core.adapting.propagation) if the support's
    k-fold says it helps; the choice and its scores are logged in the result's tags.
    ``model_settings``: the card read once (``core.settings.ModelSettings``), with
    propagation settings.
    ``fold_predict(train, test)``: the inductive classifier adapted on ``train``, its
    predicted classes of ``test``; its held-out score is computed once, here, and handed
    to :func:`choose`. ``for_file``: a classifier file is written (``distilled``)."""
    import torch

    from .adapting.propagation import (
        GraphSpace,
        PropagationChoice,
        choose,
        distilled,
        held_out_inductive,
        settled_choice,
    )
    from .predicting.predict import BatchPredictor

    settings = model_settings.transductive.propagation
    if settings is None:
        raise ValueError("choose_propagation needs a card with label propagation")
    n_bands = mapper.n_bands
    if not mapper.append_bands or sx.shape[1] < n_bands:
        return PropagationChoice(None, None, None, msg(
            "Label propagation over the region: not used (the model card maps no band "
            "features)."))
    area = int(region.window.height) * int(region.window.width)
    if area > settings.max_region_pixels and not settings.distils(area):
        return PropagationChoice(None, None, None, msg(
            "Label propagation over the region: not used (the region, {area:.1f} Mpx, is "
            "larger than {limit:.1f} Mpx).", area=area / 1e6,
            limit=settings.max_region_pixels / 1e6))
    held = None
    if settings.check:  # the inductive side first: when it is never wrong, no anchors
        held = held_out_inductive(settings, support.y, support.n_classes,
                                  np.asarray(support.feature_id), fold_predict, opts.seed)
        if held is not None and held.settled(settings.min_gain):
            return settled_choice(held)
    helper = BatchPredictor(classifier, "cpu", opts.batch_size, None)
    anchors = region_anchors(ds, info, region, helper, mapper_args, mapper.radius,
                              settings.anchors, opts.seed)
    run.check()
    if anchors is None:
        return PropagationChoice(None, None, None, msg(
            "Label propagation over the region: not used (no valid region pixel to "
            "propagate over)."))
    probs, z, rows, cols = anchors
    win = region.window
    space = GraphSpace.fit(z, (float(win.row_off), float(win.col_off)),
                           float(max(win.height, win.width)), settings.dims,
                           settings.spatial_weight)
    region_x = space(z, rows, cols)
    sz = torch.from_numpy(np.ascontiguousarray(sx[:, -n_bands:]))
    support_x = space(sz, torch.from_numpy(support.rows.astype(np.int64)),
                      torch.from_numpy(support.cols.astype(np.int64)))
    cpu_clf = classifier.to("cpu") if str(classifier.device) != "cpu" else classifier
    support_prior = cpu_clf.predict_proba(sx).float().cpu()

    choice = choose(settings, space, region_x, probs, support_x, support_prior,
                    torch.from_numpy(support.y.astype(np.int64)), support.n_classes,
                    np.asarray(support.feature_id), fold_predict, seed=opts.seed,
                    held_out=held)
    return distilled(settings, choice, classifier, support_prior, probs, sz, z,
                     model_settings.correction.l2 if model_settings.correction else 0.1, area,
                     for_file)


def support_features(
    ds: Any, info: Any, support: SupportSet, stats: Any, card_bm: BandMapping, mapper: Any
) -> np.ndarray:
    """Band-mapped support features; with spatial context, from each pixel's neighbourhood.

    The (2r+1)^2 neighbourhoods are read block by block and laid side by side as one small
    tile, each pixel's window holding exactly its own neighbourhood, so the same torch
    mapping as the prediction maps them (not whole 256-pixel windows per group of points:
    on 204 bands that smoothed ~100 x more pixels than needed).
    """
    from .adapting.sampling import read_patches
    from .mapping.band_mapping import map_bands

    if mapper.radius == 0:
        return np.asarray(map_bands(support.x, stats, card_bm, mapper.wavelengths_nm),
                          dtype=np.float32)  # fmt: skip
    k = 2 * mapper.radius + 1
    patches, valid = read_patches(ds, info, support.rows.astype(np.int64),
                                  support.cols.astype(np.int64), mapper.radius)  # fmt: skip
    n = support.y.size
    tile = np.ascontiguousarray(patches.transpose(0, 2, 1, 3)).reshape(info.count, k, n * k)
    tile_valid = np.ascontiguousarray(valid.transpose(1, 0, 2)).reshape(k, n * k)
    pick = mapper.radius * (n * k) + np.arange(n) * k + mapper.radius
    return mapped_features(mapper, tile, tile_valid, pick)
