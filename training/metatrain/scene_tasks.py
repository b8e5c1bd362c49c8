"""Few-shot tasks cut from real labelled scenes, as an analyst meets them in QGIS.

Simulated spectra teach the model what materials look like; real scenes teach it what
real images do to them: mixed pixels, shadows, sensor noise, texture, a labelled polygon
that holds more than its class. :class:`SceneTasks` turns each real scene of
``../shared/data`` into an endless stream of N-way K-shot episodes:

* **Classes**: a random subset (N >= 2) of the scene's classes with enough pixels.
* **Support, as an analyst labels**: either 1-3 "polygons" per class (square blocks of
  ``block`` px holding the class; K pixels drawn inside them) or K scattered points (each
  in its own block).
* **Queries, spatially separate**: labelled pixels outside every support block and outside
  a guard band of ``guard`` px around them (Chebyshev), so no query is a near copy of a
  support pixel (:func:`query_mask` is the rule; tests hold it).
* **Region**: random valid pixels of the scene, unlabelled (the transductive pool).
* **Many sensors from one scene**: a scene with band wavelengths and at least
  ``min_bands_to_resample`` bands is, with probability ``p_resample``, resampled through
  a multispectral sensor's Gaussian spectral responses (Sentinel-2, Landsat 5/7/8, SPOT,
  PlanetScope, MODIS, ... from earthlib's definitions, or a random RGB / RGB+NIR /
  multispectral / hyperspectral band set), so each hyperspectral scene also teaches the
  multispectral case. Responses sum to one (a flat spectrum stays flat) and bands come in
  wavelength order.

Pixels are taken from the cube after the card's spatial context (the plugin's 3x3 mean),
so the episodes hold exactly what the plugin's band mapping sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .episodes import _dilate
from .library import BandSet, make_bandset, random_bandset, vnir_bandset
from .scenes import Scene
from .tasks import Episode


@dataclass
class SceneTaskConfig:
    """Ranges of the real-scene task sampler (drawn uniformly per episode)."""

    n_way: Tuple[int, int] = (2, 8)
    k_shot: Tuple[int, int] = (1, 20)
    query_per_class: int = 30
    pool: Tuple[int, int] = (256, 1024)
    block: int = 8
    guard: int = 2
    p_points: float = 0.5  # scattered points; else 1-3 polygons (blocks) per class
    p_resample: float = 0.7
    #: share of the resampled episodes through a VNIR imaging spectrometer
    #: (``library.vnir_bandset``); 0 keeps the shipped recipe's episode stream
    p_vnir: float = 0.0
    min_bands_to_resample: int = 30
    p_wavelengths: float = 0.3
    min_class_pixels: int = 20
    context_radius: int = 1

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}


def resample_cube(pixels: np.ndarray, wavelengths_nm: Sequence[float], bandset: BandSet
                  ) -> np.ndarray:
    """(n, B) pixels at ``wavelengths_nm`` -> (n, b) through ``bandset``'s responses.

    ``bandset.response`` must be built on the same wavelengths (make_bandset with them).
    """
    resp = bandset.response
    if resp.shape[0] != len(wavelengths_nm):
        raise ValueError(
            f"band set {bandset.name} was built for {resp.shape[0]} wavelengths, the pixels "
            f"have {len(wavelengths_nm)}"
        )
    return (np.asarray(pixels, np.float32) @ resp).astype(np.float32)


def scene_bandsets(wavelengths_nm: Sequence[float], sensors: Dict[str, Tuple[Sequence[float],
                   Sequence[float] | None]]) -> Dict[str, BandSet]:
    """Sensors (name -> (centres, widths), nm or um) restricted to a scene's range."""
    wl_um = np.asarray(wavelengths_nm, np.float64) / 1000.0
    out: Dict[str, BandSet] = {}
    for name, (centers, widths) in sensors.items():
        bs = make_bandset(name, centers, widths, wl_um)
        if bs is not None and bs.n_bands >= 2:
            out[name] = bs
    return out


def query_mask(block_ids: np.ndarray, support_blocks: Sequence[int], guard: int) -> np.ndarray:
    """Pixels allowed as queries: outside the support blocks and their guard band."""
    in_support = np.isin(block_ids, np.asarray(support_blocks, np.int64))
    return ~_dilate(in_support, guard)


class _Prepared:
    """Per-scene arrays computed once: context-smoothed pixels, blocks, class pixels."""

    def __init__(self, scene: Scene, cfg: SceneTaskConfig,
                 sensors: Dict[str, Tuple[Sequence[float], Sequence[float] | None]]) -> None:
        from ...core.mapping.band_mapping import box_mean

        self.scene = scene
        cube = np.moveaxis(scene.cube, 2, 0)
        valid = np.isfinite(cube).all(axis=0)
        if cfg.context_radius > 0:
            smoothed = np.empty_like(cube)
            for s in range(0, cube.shape[0], 16):
                smoothed[s:s + 16] = box_mean(cube[s:s + 16], valid, cfg.context_radius)
            cube = smoothed
        self.pixels = np.moveaxis(cube, 0, 2).reshape(-1, scene.n_bands)
        self.valid_idx = np.flatnonzero(valid.ravel())
        h, w = scene.labels.shape
        rows, cols = np.arange(h) // cfg.block, np.arange(w) // cfg.block
        self.block_ids = rows[:, None] * (int(cols.max()) + 1) + cols[None, :]
        labels = np.where(valid, scene.labels, 0).ravel()
        self.class_pixels: Dict[int, np.ndarray] = {}
        for code in sorted(scene.class_counts()):
            idx = np.flatnonzero(labels == code)
            if idx.size >= cfg.min_class_pixels and np.unique(
                    self.block_ids.ravel()[idx]).size >= 2:
                self.class_pixels[code] = idx
        wl = scene.wavelengths_nm
        self.bandsets = (
            scene_bandsets(wl, sensors)
            if wl is not None and scene.n_bands >= cfg.min_bands_to_resample else {}
        )


class SceneTasks:
    """N-way K-shot episodes from real labelled scenes (see the module docstring)."""

    def __init__(
        self,
        scenes: Sequence[Scene],
        cfg: SceneTaskConfig | None = None,
        name: str = "scenes",
        sensors: Dict[str, Tuple[Sequence[float], Sequence[float] | None]] | None = None,
    ) -> None:
        self.cfg = cfg or SceneTaskConfig()
        self.name = name
        self.prepared = [_Prepared(s, self.cfg, sensors or {}) for s in scenes]
        self.prepared = [p for p in self.prepared if len(p.class_pixels) >= 2]
        if not self.prepared:
            raise ValueError("No scene with at least two classes of enough labelled pixels.")

    @property
    def scene_names(self) -> List[str]:
        return [p.scene.name for p in self.prepared]

    def _bands(self, rng: np.random.Generator, prep: _Prepared
               ) -> Tuple[np.ndarray | None, List[float] | None, str]:
        """(response or None, band centres nm or None, band-set name) for one episode."""
        wl = prep.scene.wavelengths_nm
        if not prep.bandsets or rng.random() >= self.cfg.p_resample:
            return None, wl, "native"
        assert wl is not None
        if self.cfg.p_vnir > 0 and rng.random() < self.cfg.p_vnir:
            bs = vnir_bandset(rng, np.asarray(wl, np.float64) / 1000.0)
        elif rng.random() < 0.3:
            bs = random_bandset(rng, np.asarray(wl, np.float64) / 1000.0)
        else:
            names = sorted(prep.bandsets)
            bs = prep.bandsets[names[int(rng.integers(len(names)))]]
        if bs is None or bs.n_bands < 2:
            return None, wl, "native"
        return bs.response, [float(c) * 1000.0 for c in bs.centers_um], bs.name

    def sample(self, rng: np.random.Generator, n_way: int | None = None,
               k_shot: int | None = None) -> Episode:
        cfg = self.cfg
        prep = self.prepared[int(rng.integers(len(self.prepared)))]
        codes = sorted(prep.class_pixels)
        hi = min(cfg.n_way[1], len(codes))
        n = int(rng.integers(min(cfg.n_way[0], hi), hi + 1)) if n_way is None else min(
            int(n_way), len(codes))
        chosen = [codes[i] for i in np.sort(rng.choice(len(codes), n, replace=False))]
        k = int(rng.integers(cfg.k_shot[0], cfg.k_shot[1] + 1)) if k_shot is None else int(k_shot)
        points = rng.random() < cfg.p_points
        for _ in range(20):  # a draw whose queries miss a class (a small scene) is redrawn
            support_idx, query_idx, used_blocks = draw_support_query(
                prep, chosen, k, points, cfg.guard, cfg.query_per_class, rng)
            if all(q.size for q in query_idx):
                break
        else:  # keep the classes that still have queries (at least two, or a new episode)
            keep = [i for i, q in enumerate(query_idx) if q.size]
            if len(keep) < 2:
                return self.sample(rng, n_way, k_shot)
            chosen = [chosen[i] for i in keep]
            support_idx = [support_idx[i] for i in keep]
            query_idx = [query_idx[i] for i in keep]
            n = len(chosen)
        m = int(rng.integers(cfg.pool[0], cfg.pool[1] + 1))
        pool_idx = rng.choice(prep.valid_idx, size=min(m, prep.valid_idx.size), replace=False)
        resp, wl, bandset = self._bands(rng, prep)

        def px(idx: np.ndarray) -> np.ndarray:
            x = prep.pixels[idx]
            return x @ resp if resp is not None else x

        sy = np.concatenate([np.full(s.size, i, np.int64) for i, s in enumerate(support_idx)])
        qy = np.concatenate([np.full(q.size, i, np.int64) for i, q in enumerate(query_idx)])
        s_all, q_all = np.concatenate(support_idx), np.concatenate(query_idx)
        return Episode(
            support_x=px(s_all).astype(np.float32), support_y=sy,
            query_x=px(q_all).astype(np.float32), query_y=qy,
            pool_x=px(pool_idx).astype(np.float32), n_classes=n,
            wavelengths_nm=wl if rng.random() < cfg.p_wavelengths else None,
            source=f"{self.name}:{prep.scene.name}", bandset=bandset,
            class_names=[prep.scene.class_names.get(c, str(c)) for c in chosen],
            meta={"support_idx": s_all, "query_idx": q_all, "support_blocks": used_blocks,
                  "style": "points" if points else "polygons", "scene": prep.scene.name},
        )


@dataclass
class SceneDraw:
    """One evaluation draw of a whole scene: flat pixel indices, labels 0..N-1, groups."""

    support_idx: np.ndarray
    support_y: np.ndarray
    support_group: np.ndarray  # labelled feature of each support pixel (point or polygon)
    query_idx: np.ndarray
    query_y: np.ndarray
    classes: List[int]


def scene_draws(scene: Scene, style: str, k: int, n: int, seed: int = 0, block: int = 8,
                guard: int = 2, min_class_pixels: int = 20) -> List[SceneDraw]:
    """``n`` seeded draws over all of a scene's classes (with enough pixels): K support
    pixels per class as ``points`` or ``polygons``; queries = every other labelled pixel
    outside the support blocks and their guard band (the leave-one-scene-out protocol).

    ``random``: the outside scoring's protocol (issue 33): K uniformly random labelled
    pixels per class, queries every other labelled pixel at least ``RANDOM_MIN_DISTANCE``
    pixels (Chebyshev) from every support pixel; no blocks, so queries share the fields.
    """
    if style not in ("points", "polygons", "random"):
        raise ValueError(f"style must be 'points', 'polygons' or 'random', not {style!r}")
    if style == "random":
        return random_draws(scene, k, n, seed, RANDOM_MIN_DISTANCE, min_class_pixels)
    cfg = SceneTaskConfig(block=block, guard=guard, min_class_pixels=min_class_pixels,
                          context_radius=0, p_resample=0.0)
    prep = _Prepared(scene, cfg, {})
    classes = sorted(prep.class_pixels)
    if len(classes) < 2:
        raise ValueError(f"Scene {scene.name}: fewer than two classes with enough pixels.")
    blocks = prep.block_ids.ravel()
    out = []
    for i in range(n):
        rng = np.random.default_rng(np.random.SeedSequence([seed, k, i, style == "points"]))
        s_idx, q_idx, _ = draw_support_query(prep, classes, k, style == "points", guard,
                                             None, rng)
        sy = np.concatenate([np.full(s.size, c, np.int64) for c, s in enumerate(s_idx)])
        qy = np.concatenate([np.full(q.size, c, np.int64) for c, q in enumerate(q_idx)])
        s_all = np.concatenate(s_idx)
        group = (np.arange(s_all.size) if style == "points"
                 else np.unique(blocks[s_all], return_inverse=True)[1])
        out.append(SceneDraw(s_all, sy, np.asarray(group, np.int64), np.concatenate(q_idx), qy,
                             classes))
    return out


#: the outside scoring's queries lie at least this many pixels from every labelled pixel
RANDOM_MIN_DISTANCE = 2


def random_draws(scene: Scene, k: int, n: int, seed: int = 0,
                 min_distance: int = RANDOM_MIN_DISTANCE, min_class_pixels: int = 20
                 ) -> List[SceneDraw]:
    """The ``random`` style of :func:`scene_draws` (uniform labelled pixels, guarded queries)."""
    labels = scene.labels
    valid = np.isfinite(scene.cube).all(axis=2) & (labels > 0)
    flat, ok = labels.ravel(), valid.ravel()
    classes = [int(c) for c in np.unique(flat[ok])
               if int(((flat == c) & ok).sum()) >= max(min_class_pixels, k + 1)]
    if len(classes) < 2:
        raise ValueError(f"Scene {scene.name}: fewer than two classes with enough pixels.")
    out = []
    for i in range(n):
        rng = np.random.default_rng(np.random.SeedSequence([seed, k, i, 2]))
        sup = [np.sort(rng.choice(np.flatnonzero((flat == c) & ok), k, replace=False))
               for c in classes]
        near = np.zeros(labels.shape, bool)
        near.ravel()[np.concatenate(sup)] = True
        allowed = ~_dilate(near, min_distance - 1).ravel()
        qry = [np.flatnonzero((flat == c) & ok & allowed) for c in classes]
        s_all = np.concatenate(sup)
        out.append(SceneDraw(
            s_all, np.concatenate([np.full(s.size, j, np.int64) for j, s in enumerate(sup)]),
            np.arange(s_all.size, dtype=np.int64), np.concatenate(qry),
            np.concatenate([np.full(q.size, j, np.int64) for j, q in enumerate(qry)]),
            classes))
    return out


def draw_support_query(prep: _Prepared, chosen: Sequence[int], k: int, points: bool, guard: int,
                       query_cap: int | None, rng: np.random.Generator
                       ) -> Tuple[List[np.ndarray], List[np.ndarray], List[int]]:
    """Support (per class) as scattered points or 1-3 polygons, then guard-banded queries."""
    flat_blocks = prep.block_ids.ravel()
    support_idx: List[np.ndarray] = []
    used_blocks: set = set()
    for code in chosen:
        pix = prep.class_pixels[code]
        free = pix[~np.isin(flat_blocks[pix], list(used_blocks))] if used_blocks else pix
        if free.size == 0:
            free = pix
        if points:
            # K scattered points: at most one per block, so they are really scattered.
            order = rng.permutation(free)
            _, first = np.unique(flat_blocks[order], return_index=True)
            take = order[np.sort(first)][: max(k, 1)]
            if take.size < k:  # a small class: fill from the same blocks
                rest = np.setdiff1d(free, take)
                take = np.concatenate([take, rng.permutation(rest)[: k - take.size]])
        else:
            blocks = rng.permutation(np.unique(flat_blocks[free]))
            n_poly = int(rng.integers(1, 4))
            inside = free[np.isin(flat_blocks[free], blocks[:n_poly])]
            take = rng.choice(inside, size=min(k, inside.size), replace=False)
        used_blocks.update(int(b) for b in np.unique(flat_blocks[take]))
        support_idx.append(np.sort(take))
    allowed = query_mask(prep.block_ids, sorted(used_blocks), guard).ravel()
    query_idx: List[np.ndarray] = []
    for code in chosen:
        pix = prep.class_pixels[code]
        cand = pix[allowed[pix]]
        if query_cap is not None and cand.size > query_cap:
            cand = rng.choice(cand, size=query_cap, replace=False)
        query_idx.append(cand)
    return support_idx, query_idx, sorted(used_blocks)
