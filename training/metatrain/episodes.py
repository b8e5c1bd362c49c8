"""Support/query draws from spatially separate blocks of a labelled scene.

Neighbouring pixels of a field are near copies of each other, so drawing support and query
pixels at random from the same polygons inflates every method's score. Here the scene is cut
into square blocks; the support of one draw comes from a few randomly chosen blocks per
class (as an analyst labels a few polygons), and the queries are all other labelled pixels
*outside* the support blocks and outside a guard band of ``guard`` pixels around them
(Chebyshev distance). Every draw is seeded.

Classes are decided once per scene, independently of K (so every K sees the same task):
a class is kept when it has at least ``min_class_pixels`` labelled pixels spread over at
least two blocks; the others are dropped and named in :attr:`SceneSplit.dropped`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List

import numpy as np

from .scenes import Scene


class DrawError(Exception):
    """No valid support/query draw exists (e.g. a class lives in one block only)."""


@dataclass
class SceneSplit:
    """The scene's block grid and the classes used for evaluation."""

    block_ids: np.ndarray  # (H, W) int, block index of every pixel
    n_blocks: int
    classes: List[int]  # kept label codes, in order; model class i = classes[i]
    dropped: Dict[int, str]  # code -> reason
    block: int
    guard: int


@dataclass
class Draw:
    """One seeded support/query split (flat pixel indices into the scene)."""

    support_idx: np.ndarray
    support_y: np.ndarray  # 0..N-1
    query_idx: np.ndarray
    query_y: np.ndarray
    support_blocks: np.ndarray
    excluded: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, bool))
    shots: Dict[int, int] = field(default_factory=dict)  # class index -> support pixels


def split_scene(
    scene: Scene, block: int = 8, guard: int = 2, min_class_pixels: int = 40
) -> SceneSplit:
    """Cut ``scene`` into ``block`` x ``block`` squares and choose the evaluated classes."""
    if block < 1 or guard < 0:
        raise ValueError("block must be >= 1 and guard >= 0")
    h, w = scene.labels.shape
    rows = np.arange(h) // block
    cols = np.arange(w) // block
    n_cols = int(cols.max()) + 1
    block_ids = rows[:, None] * n_cols + cols[None, :]
    valid_pixel = np.isfinite(scene.cube).all(axis=2)
    labels = np.where(valid_pixel, scene.labels, 0)
    classes, dropped = [], {}
    for code, _count in sorted(scene.class_counts().items()):
        mask = labels == code
        n = int(mask.sum())
        blocks = np.unique(block_ids[mask]).size
        if n < min_class_pixels:
            dropped[code] = f"{n} labelled pixels < {min_class_pixels}"
        elif blocks < 2:
            dropped[code] = "all its pixels lie in one block (no separate support/query)"
        else:
            classes.append(code)
    if len(classes) < 2:
        raise DrawError(
            f"Scene {scene.name}: fewer than two classes with enough pixels "
            f"(dropped: {dropped})."
        )
    return SceneSplit(block_ids, int(block_ids.max()) + 1, classes, dropped, block, guard)


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation by a (2r+1)^2 square (Chebyshev distance <= r)."""
    if radius <= 0:
        return mask.copy()
    out = mask.copy()
    h, w = mask.shape
    for dr in range(-radius, radius + 1):
        for dc in range(-radius, radius + 1):
            if abs(dr) >= h or abs(dc) >= w:
                continue
            src = mask[max(-dr, 0) : h - max(dr, 0), max(-dc, 0) : w - max(dc, 0)]
            out[max(dr, 0) : h - max(-dr, 0) or None, max(dc, 0) : w - max(-dc, 0) or None] |= src
    return out


def draw_episode(
    scene: Scene,
    split: SceneSplit,
    k: int,
    seed: int,
    max_blocks_per_class: int = 4,
    min_query_per_class: int = 5,
    attempts: int = 30,
) -> Draw:
    """K support pixels per class from a few blocks; queries outside blocks + guard band.

    For each class (random order) blocks holding it are added in random order until they
    hold at least K of its pixels and there are ``min(K, max_blocks_per_class)`` of them
    (more blocks = a more varied support, as with more polygons); K pixels are then drawn
    from the class's pixels in those blocks. A draw whose queries would lack a class
    (fewer than ``min_query_per_class`` pixels) is redrawn; after ``attempts`` failures
    :class:`DrawError` says which class is short.
    """
    rng = np.random.default_rng(seed)
    valid = np.isfinite(scene.cube).all(axis=2)
    labels = np.where(valid, scene.labels, 0)
    flat_labels = labels.ravel()
    flat_blocks = split.block_ids.ravel()
    short = ""
    for _ in range(attempts):
        chosen: set = set()
        support_idx, support_y, shots = [], [], {}
        for ci in rng.permutation(len(split.classes)):
            code = split.classes[ci]
            pix = np.flatnonzero(flat_labels == code)
            blocks = rng.permutation(np.unique(flat_blocks[pix]))
            want_blocks = min(k, max_blocks_per_class, len(blocks) - 1)
            in_chosen = np.isin(flat_blocks[pix], list(chosen)) if chosen else np.zeros(
                pix.size, bool)
            own: list = []
            for b in blocks:
                if len(own) >= want_blocks and in_chosen.sum() >= k:
                    break
                if b in chosen:
                    continue
                own.append(int(b))
                chosen.add(int(b))
                in_chosen |= flat_blocks[pix] == b
            cand = pix[in_chosen]
            take = rng.choice(cand, size=min(k, cand.size), replace=False)
            support_idx.append(np.sort(take))
            support_y.append(np.full(take.size, ci, np.int64))
            shots[int(ci)] = int(take.size)
        support_blocks = np.asarray(sorted(chosen), np.int64)
        in_support = np.isin(split.block_ids, support_blocks)
        excluded = _dilate(in_support, split.guard)
        query_mask = (labels > 0) & ~excluded
        q_idx, q_y = [], []
        ok = True
        for ci, code in enumerate(split.classes):
            idx = np.flatnonzero(query_mask.ravel() & (flat_labels == code))
            if idx.size < min_query_per_class:
                ok = False
                short = f"class {scene.class_names.get(code, code)} has {idx.size} query pixels"
                break
            q_idx.append(idx)
            q_y.append(np.full(idx.size, ci, np.int64))
        if not ok:
            continue
        s_idx = np.concatenate(support_idx)
        order = np.argsort(s_idx)
        return Draw(
            support_idx=s_idx[order],
            support_y=np.concatenate(support_y)[order],
            query_idx=np.concatenate(q_idx),
            query_y=np.concatenate(q_y),
            support_blocks=support_blocks,
            excluded=excluded,
            shots=shots,
        )
    raise DrawError(
        f"Scene {scene.name}, K={k}: no draw with queries for every class after {attempts} "
        f"attempts ({short}); use smaller blocks or a smaller guard."
    )


def draws(
    scene: Scene, split: SceneSplit, k: int, n: int, seed: int = 0,
    max_blocks_per_class: int = 4,
) -> List[Draw]:
    """``n`` seeded draws for K shots (seed of draw i is a function of seed, K and i)."""
    out = []
    for i in range(n):
        s = np.random.SeedSequence([seed, k, i]).generate_state(1)[0]
        out.append(draw_episode(scene, split, k, int(s), max_blocks_per_class))
    return out


def support_pixels_within_blocks(split: SceneSplit, draw: Draw) -> bool:
    """True when every support pixel lies in a support block (a check for tests)."""
    return bool(np.isin(split.block_ids.ravel()[draw.support_idx], draw.support_blocks).all())


def min_query_distance(split: SceneSplit, draw: Draw, shape: tuple) -> int | None:
    """Smallest Chebyshev distance from a query pixel to a support-block pixel."""
    h, w = shape
    in_support = np.isin(split.block_ids, draw.support_blocks)
    sr, sc = np.nonzero(in_support)
    if sr.size == 0 or draw.query_idx.size == 0:
        return None
    qr, qc = np.divmod(draw.query_idx, w)
    best = None
    for i in range(0, qr.size, 2048):
        d = np.maximum(
            np.abs(qr[i : i + 2048, None] - sr[None]), np.abs(qc[i : i + 2048, None] - sc[None])
        ).min()
        best = int(d) if best is None else min(best, int(d))
    return best
