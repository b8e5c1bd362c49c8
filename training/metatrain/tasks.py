"""N-way K-shot episodes with varying band sets, as the plugin will meet them.

An episode is what an analyst produces in QGIS: a raster with some band set, a region,
a few labelled pixels per class (from one to three polygons each, so the support is less
varied than the class), and the region's other pixels, unlabelled. The evaluation of an
adapted model uses the query pixels, drawn from the whole class distribution.

Features go through ``core.mapping.band_mapping`` exactly as at run time: band statistics are
computed from the region's pixels (pool + support + query) and every pixel is mapped with
the model card's band mapping, with wavelengths given only sometimes (users rarely do).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

from ...core.mapping.band_mapping import BandStats, map_bands
from .library import (
    TRAIN_SENSORS,
    VALIDATION_SENSORS,
    BandSet,
    Material,
    SpectralLibrary,
    build_materials,
    earthlib_sensors,
    random_bandset,
    split_materials,
)
from .ucr import UCRCrop


@dataclass
class EpisodeConfig:
    """Ranges of the task sampler (drawn uniformly per episode)."""

    n_way: Tuple[int, int] = (2, 10)
    k_shot: Tuple[int, int] = (1, 20)
    query_per_class: int = 15
    pool: Tuple[int, int] = (256, 1024)
    p_wavelengths: float = 0.3  # share of episodes that pass wavelengths to the mapping
    p_imbalanced: float = 0.3  # share of episodes whose classes get 1..K shots each
    p_distractors: float = 0.5  # share of regions with unlabelled extra classes

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}


@dataclass
class Episode:
    """Raw pixels of one task (values as the raster would store them)."""

    support_x: np.ndarray  # (n_s, B)
    support_y: np.ndarray  # (n_s,) int64 in 0..N-1
    query_x: np.ndarray
    query_y: np.ndarray
    pool_x: np.ndarray  # (m, B) unlabelled pixels of the region
    n_classes: int
    wavelengths_nm: List[float] | None
    source: str
    bandset: str
    class_names: List[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # e.g. sample indices of UCR support/query

    @property
    def n_bands(self) -> int:
        return int(self.support_x.shape[1])


@dataclass
class FeatureEpisode:
    """An episode mapped to model features (float32), ready for adaptation."""

    xs: np.ndarray
    ys: np.ndarray
    xq: np.ndarray
    yq: np.ndarray
    xu: np.ndarray
    n_classes: int
    k_shot: int
    source: str
    bandset: str


def featurize(ep: Episode, card_bm: dict) -> FeatureEpisode:
    """Band-map an episode as the plugin does: stats from the region, then map_bands."""
    region = np.vstack([ep.pool_x, ep.support_x, ep.query_x])
    stats = BandStats.from_samples(region)
    wl = ep.wavelengths_nm

    def m(x: np.ndarray) -> np.ndarray:
        return map_bands(x, stats, card_bm, wl)

    counts = np.bincount(ep.support_y, minlength=ep.n_classes)
    return FeatureEpisode(
        xs=m(ep.support_x), ys=ep.support_y.astype(np.int64),
        xq=m(ep.query_x), yq=ep.query_y.astype(np.int64),
        xu=m(ep.pool_x), n_classes=ep.n_classes, k_shot=int(counts.max()),
        source=ep.source, bandset=ep.bandset,
    )


def _shots(rng: np.random.Generator, cfg: EpisodeConfig, n: int, k: int | None) -> np.ndarray:
    k = int(rng.integers(cfg.k_shot[0], cfg.k_shot[1] + 1)) if k is None else int(k)
    if rng.random() < cfg.p_imbalanced and k > 1:
        shots = rng.integers(1, k + 1, n)
        shots[rng.integers(n)] = k
        return shots
    return np.full(n, k)


def _pool_counts(rng: np.random.Generator, cfg: EpisodeConfig, n_total: int) -> np.ndarray:
    m = int(rng.integers(cfg.pool[0], cfg.pool[1] + 1))
    return rng.multinomial(m, rng.dirichlet(np.ones(n_total)))


# --------------------------------------------------------------------------- library tasks


@dataclass
class ClassModel:
    """How the pixels of one task class are made: one material or a mixture."""

    materials: List[Material]
    fractions: np.ndarray  # mean fractions
    concentration: float
    name: str


class LibraryTasks:
    """Few-shot tasks from the earthlib library through real and synthetic sensors."""

    def __init__(
        self,
        lib: SpectralLibrary,
        materials: Sequence[Material],
        sensors: Dict[str, BandSet],
        p_random_sensor: float,
        cfg: EpisodeConfig,
        name: str,
    ) -> None:
        self.lib, self.materials, self.sensors = lib, list(materials), sensors
        self.sensor_names = sorted(sensors)
        self.p_random_sensor, self.cfg, self.name = p_random_sensor, cfg, name

    def _class_models(self, rng: np.random.Generator, n: int) -> List[ClassModel]:
        chosen = rng.choice(len(self.materials), size=min(n, len(self.materials)), replace=False)
        out: List[ClassModel] = []
        for i in range(n):
            main = self.materials[chosen[i % len(chosen)]]
            if rng.random() < 0.6 and i < len(chosen):
                out.append(ClassModel([main], np.ones(1), 1.0, main.name))
                continue
            k = int(rng.integers(1, 3))
            others = [self.materials[j] for j in rng.choice(len(self.materials), k, False)]
            fr = rng.dirichlet(np.ones(k + 1))
            fr[0] = max(fr[0], 0.3)
            fr = fr / fr.sum()
            conc = float(rng.uniform(8, 60))
            name = "+".join(f"{m.name}:{f:.2f}" for m, f in zip([main, *others], fr))
            out.append(ClassModel([main, *others], fr, conc, name))
        return out

    def _pixels(
        self, rng: np.random.Generator, cm: ClassModel, n: int, patches: int | None
    ) -> np.ndarray:
        """(n, W) reflectance; ``patches`` limits members to a few 'polygons' (support)."""
        if n == 0:
            return np.zeros((0, self.lib.spectra.shape[1]), np.float32)
        if len(cm.materials) == 1:
            frac = np.ones((n, 1))
        else:
            frac = rng.dirichlet(cm.fractions * cm.concentration, size=n)
        out = np.zeros((n, self.lib.spectra.shape[1]), np.float64)
        for j, mat in enumerate(cm.materials):
            pick_from = mat.members
            if patches is not None:
                n_pick = min(patches, mat.members.size)
                pick_from = rng.choice(mat.members, size=n_pick, replace=False)
            members = rng.choice(pick_from, size=n)
            out += frac[:, j : j + 1] * self.lib.spectra[members]
        # illumination / topography, small spectral jitter
        out *= rng.lognormal(0.0, 0.08 if patches is None else 0.04, size=(n, 1))
        return out.astype(np.float32)

    def sample(self, rng: np.random.Generator, n_way: int | None = None,
               k_shot: int | None = None) -> Episode:
        cfg = self.cfg
        n = int(rng.integers(cfg.n_way[0], cfg.n_way[1] + 1)) if n_way is None else int(n_way)
        n = min(n, len(self.materials))
        shots = _shots(rng, cfg, n, k_shot)
        classes = self._class_models(rng, n)
        distractors = self._class_models(rng, int(rng.integers(1, 3))) \
            if rng.random() < cfg.p_distractors else []
        pool_counts = _pool_counts(rng, cfg, n + len(distractors))
        sup, qry, pool, ys, yq = [], [], [], [], []
        for c, cm in enumerate(classes):
            sup.append(self._pixels(rng, cm, int(shots[c]), int(rng.integers(1, 4))))
            qry.append(self._pixels(rng, cm, cfg.query_per_class, None))
            ys += [c] * int(shots[c])
            yq += [c] * cfg.query_per_class
        for c, cm in enumerate(classes + distractors):
            pool.append(self._pixels(rng, cm, int(pool_counts[c]), None))
        # scene background contamination: a little of one material in every pixel
        bg = self.materials[int(rng.integers(len(self.materials)))]
        bg_frac = rng.uniform(0.0, 0.1)
        arrays = [np.vstack(a) for a in (sup, qry, pool)]
        arrays = [
            (1 - bg_frac) * a + bg_frac * self.lib.spectra[rng.choice(bg.members, len(a))]
            for a in arrays
        ]
        bandset = self._bandset(rng)
        arrays = [a @ bandset.response for a in arrays]
        arrays = _encode(rng, arrays, bandset.centers_um)
        wl = (bandset.centers_um * 1000).round(1).tolist() if rng.random() < cfg.p_wavelengths \
            else None
        return Episode(
            support_x=arrays[0], support_y=np.asarray(ys, np.int64),
            query_x=arrays[1], query_y=np.asarray(yq, np.int64), pool_x=arrays[2],
            n_classes=n, wavelengths_nm=wl, source=self.name, bandset=bandset.name,
            class_names=[cm.name for cm in classes],
        )

    def _bandset(self, rng: np.random.Generator) -> BandSet:
        if not self.sensor_names or rng.random() < self.p_random_sensor:
            return random_bandset(rng, self.lib.wavelengths_um)
        return self.sensors[self.sensor_names[int(rng.integers(len(self.sensor_names)))]]


def _encode(rng: np.random.Generator, arrays: List[np.ndarray], centers_um: np.ndarray):
    """Atmosphere, sensor noise and a storage encoding (float reflectance, x10000, DN)."""
    nb = centers_um.size
    path = rng.uniform(0.0, 0.06) * (centers_um / 0.45) ** -4.0  # Rayleigh-like haze
    trans = rng.uniform(0.8, 1.0) * (1 - 0.1 * rng.random(nb))
    noise = rng.uniform(0.001, 0.015)
    enc = rng.choice(["reflectance", "x10000", "landsat_c2", "dn"], p=[0.3, 0.3, 0.15, 0.25])
    gain = rng.uniform(5000, 30000, nb)
    offset = rng.uniform(0, 8000, nb)
    out = []
    for a in arrays:
        r = a * trans + path + rng.normal(0.0, noise, a.shape)
        if enc == "x10000":
            r = np.round(r * 10000 + (1000 if rng.random() < 0.3 else 0))
        elif enc == "landsat_c2":
            r = np.round((r + 0.2) / 2.75e-5)
        elif enc == "dn":
            r = np.round(r * gain + offset)
        out.append(r.astype(np.float32))
    return out


# --------------------------------------------------------------------------- UCR tasks


class UCRTasks:
    """'Stack of variables' tasks: NDVI time series, random date subsets (class-disjoint)."""

    def __init__(self, data: UCRCrop, classes: Sequence[int], cfg: EpisodeConfig, name: str):
        self.data, self.classes, self.cfg, self.name = data, list(classes), cfg, name

    def sample(self, rng: np.random.Generator, n_way: int | None = None,
               k_shot: int | None = None) -> Episode:
        cfg = self.cfg
        n = int(rng.integers(cfg.n_way[0], cfg.n_way[1] + 1)) if n_way is None else int(n_way)
        n = min(n, len(self.classes))
        chosen = rng.choice(self.classes, size=n, replace=False)
        rest = [c for c in self.classes if c not in set(chosen.tolist())]
        n_dis = int(rng.integers(1, 3)) if rest and rng.random() < cfg.p_distractors else 0
        distractors = list(rng.choice(rest, size=min(n_dis, len(rest)), replace=False))
        shots = _shots(rng, cfg, n, k_shot)
        pool_counts = _pool_counts(rng, cfg, n + len(distractors))
        dates = self._dates(rng)
        sup, qry, pool, ys, yq = [], [], [], [], []
        s_idx, q_idx = [], []
        for c, cls in enumerate(chosen):
            idx = rng.permutation(self.data.indices(int(cls)))
            s = idx[: int(shots[c])]
            q = idx[int(shots[c]) : int(shots[c]) + cfg.query_per_class]
            sup.append(self.data.x[s])
            qry.append(self.data.x[q])
            s_idx.append(s)
            q_idx.append(q)
            ys += [c] * len(s)
            yq += [c] * len(q)
        for c, cls in enumerate(list(chosen) + distractors):
            idx = self.data.indices(int(cls))
            pool.append(self.data.x[rng.choice(idx, int(pool_counts[c]))])
        noise = rng.uniform(0.0, 0.03)
        shift, scale = rng.normal(0, 0.03), rng.uniform(0.9, 1.1)
        as_int = rng.random() < 0.4
        arrays = []
        for a in (sup, qry, pool):
            a = np.vstack(a)[:, dates] * scale + shift
            a = a + rng.normal(0, noise, a.shape)
            arrays.append((np.round(a * 10000) if as_int else a).astype(np.float32))
        return Episode(
            support_x=arrays[0], support_y=np.asarray(ys, np.int64),
            query_x=arrays[1], query_y=np.asarray(yq, np.int64), pool_x=arrays[2],
            n_classes=n, wavelengths_nm=None, source=self.name, bandset=f"ndvi-{len(dates)}",
            class_names=[self.data.class_name(int(c)) for c in chosen],
            meta={"support_index": np.concatenate(s_idx), "query_index": np.concatenate(q_idx),
                  "dates": dates},
        )

    def _dates(self, rng: np.random.Generator) -> np.ndarray:
        t = self.data.x.shape[1]
        if rng.random() < 0.5:  # a contiguous season window, maybe every 2nd/3rd date
            length = int(rng.integers(6, t + 1))
            start = int(rng.integers(0, t - length + 1))
            return np.arange(start, start + length)[:: int(rng.integers(1, 4))]
        k = int(rng.integers(3, t + 1))
        return np.sort(rng.choice(t, size=k, replace=False))


# --------------------------------------------------------------------------- mixture


class TaskMix:
    """Draws each episode from one of several task sources with fixed probabilities."""

    def __init__(self, sources: Sequence, weights: Sequence[float]) -> None:
        self.sources = list(sources)
        w = np.asarray(weights, dtype=np.float64)
        self.weights = w / w.sum()

    def sample(self, rng: np.random.Generator, n_way: int | None = None,
               k_shot: int | None = None) -> Episode:
        src = self.sources[int(rng.choice(len(self.sources), p=self.weights))]
        return src.sample(rng, n_way=n_way, k_shot=k_shot)


@dataclass
class TaskSources:
    """Training and validation task samplers (class- and sensor-disjoint where possible)."""

    train: TaskMix
    val_library: LibraryTasks
    val_ucr: UCRTasks | None
    description: dict


def build_sources(
    cfg: EpisodeConfig,
    ucr_path: Path | None = None,
    seed: int = 0,
    ucr_weight: float = 0.25,
) -> TaskSources:
    """The meta-training sources; UCR is used when its file exists (skipped otherwise)."""
    lib = SpectralLibrary.load()
    materials = build_materials(lib, seed=seed)
    train_m, val_m = split_materials(materials, seed=seed)
    wl = lib.wavelengths_um
    train_lib = LibraryTasks(lib, train_m, earthlib_sensors(wl, TRAIN_SENSORS), 0.4, cfg,
                             "earthlib-train")
    val_lib = LibraryTasks(lib, val_m, earthlib_sensors(wl, VALIDATION_SENSORS), 0.3, cfg,
                           "earthlib-val")
    desc: dict = {
        "earthlib": {
            "version": "1.1.0", "spectra": int((~lib.synthetic).sum()),
            "analytic_water_spectra": int(lib.synthetic.sum()),
            "materials_train": [m.name for m in train_m],
            "materials_val": [m.name for m in val_m],
            "sensors_train": list(TRAIN_SENSORS) + ["random rgb/multispectral/hyperspectral"],
            "sensors_val": list(VALIDATION_SENSORS) + ["random (other seeds)"],
        },
    }
    sources: list = [train_lib]
    weights: list = [1.0 - ucr_weight]
    val_ucr = None
    if ucr_path is not None and Path(ucr_path).is_file() and ucr_weight > 0:
        ucr = UCRCrop.load(ucr_path)
        train_c, val_c = ucr.class_split(n_val=6, seed=seed)
        sources.append(UCRTasks(ucr, train_c, cfg, "ucr-train"))
        weights.append(ucr_weight)
        val_ucr = UCRTasks(ucr, val_c, cfg, "ucr-val")
        desc["ucr_crop"] = {
            "file": Path(ucr_path).name, "samples": int(ucr.x.shape[0]),
            "classes_train": [ucr.class_name(c) for c in train_c],
            "classes_val": [ucr.class_name(c) for c in val_c],
        }
    return TaskSources(TaskMix(sources, weights), val_lib, val_ucr, desc)
