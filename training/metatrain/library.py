"""The earthlib spectral library as a source of few-shot tasks with any band set.

earthlib 1.1.0 ships 7,261 measured (and PROSAIL-simulated canopy) spectra, 0.40-2.19 um at
10 nm, with hierarchical labels, plus band definitions of common sensors. We turn it into
*materials* (a LEVEL_3 class, large classes split by k-means on spectral shape so that e.g.
"soil" becomes many distinguishable soils) and resample every spectrum through sensor
spectral response functions (Gaussian, FWHM = band width). Because resampling is linear,
mixtures of materials (sparse vegetation = canopy + soil) can be formed after resampling.

The library has no water, the most common class an analyst labels, so three analytic
water materials (clear, turbid, eutrophic) are added; they are flagged ``synthetic``.

Held-out validation: materials are split class-disjointly (seeded) and some sensors are
used for validation only, so validation tasks have unseen classes on unseen band sets.
"""

from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

# Sensors only seen by validation tasks (all others are training sensors).
VALIDATION_SENSORS = ("Landsat9", "SuperDove", "ASTER", "VIIRS", "DoveR", "Pelican2")
TRAIN_SENSORS = (
    "Landsat4", "Landsat5", "Landsat7", "Landsat8", "Sentinel2", "MODIS", "AVNIR2",
    "Dove", "SkySat", "Pelican", "NEON", "Earthlib",
)
# How many k-means materials the big LEVEL_3 classes are split into.
SPLITS = {"soil": 24, "canopy": 16, "comp_shingle": 4, "road": 3, "paint": 2}
MIN_MEMBERS = 5


def earthlib_data_dir() -> Path:
    """The ``data`` folder of the installed earthlib package (not imported: no pandas)."""
    spec = importlib.util.find_spec("earthlib")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "earthlib is not installed in this Python. Install the training extra: "
            "bash scripts/install_train.sh (make install-train)."
        )
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _read_envi_header(path: Path) -> dict:
    text = path.read_text()
    out: dict = {}
    key = None
    buf = ""
    for line in text.splitlines():
        if key is not None:
            buf += line
            if "}" in line:
                out[key] = buf
                key = None
            continue
        if "=" in line:
            k, v = (s.strip() for s in line.split("=", 1))
            if v.startswith("{") and "}" not in v:
                key, buf = k.lower(), v
            else:
                out[k.lower()] = v
    return out


@dataclass
class SpectralLibrary:
    """Spectra (n, W) reflectance on ``wavelengths_um`` with per-spectrum labels."""

    spectra: np.ndarray
    wavelengths_um: np.ndarray
    level3: np.ndarray  # (n,) str
    source: np.ndarray  # (n,) str
    synthetic: np.ndarray  # (n,) bool

    @classmethod
    def load(cls, data_dir: Path | None = None, with_water: bool = True) -> SpectralLibrary:
        data_dir = Path(data_dir) if data_dir else earthlib_data_dir()
        hdr = _read_envi_header(data_dir / "spectra.sli.hdr")
        n, w = int(hdr["lines"]), int(hdr["samples"])
        if hdr.get("data type") != "4" or hdr.get("byte order", "0") != "0":
            raise ValueError("Unexpected earthlib spectra.sli encoding (want float32 LE).")
        spectra = np.fromfile(data_dir / "spectra.sli", dtype="<f4").reshape(n, w)
        wl = np.array([float(s) for s in hdr["wavelength"].strip("{} ").split(",")])
        with open(data_dir / "spectra.csv", newline="") as fh:
            rows = list(csv.DictReader(fh))
        if len(rows) != n:
            raise ValueError(f"earthlib metadata has {len(rows)} rows for {n} spectra.")
        lib = cls(
            spectra=spectra.astype(np.float32),
            wavelengths_um=wl,
            level3=np.array([r["LEVEL_3"] for r in rows]),
            source=np.array([r["SOURCE"] for r in rows]),
            synthetic=np.zeros(n, dtype=bool),
        )
        return lib.with_water() if with_water else lib

    def with_water(self, per_type: int = 60, seed: int = 7) -> SpectralLibrary:
        """Add analytic water spectra (clear / turbid / eutrophic), flagged synthetic."""
        rng = np.random.default_rng(seed)
        wl = self.wavelengths_um
        spectra, names = [], []
        for kind in ("water_clear", "water_turbid", "water_eutrophic"):
            for _ in range(per_type):
                if kind == "water_clear":
                    base = 0.02 + 0.04 * np.exp(-(((wl - 0.47) / 0.09) ** 2))
                elif kind == "water_turbid":
                    base = 0.03 + 0.09 * np.exp(-(((wl - 0.60) / 0.12) ** 2))
                else:  # chlorophyll: green peak, red absorption, red-edge bump
                    base = (0.015 + 0.05 * np.exp(-(((wl - 0.56) / 0.04) ** 2))
                            + 0.03 * np.exp(-(((wl - 0.705) / 0.02) ** 2)))
                nir_tail = 0.02 * np.exp(-(wl - 0.70).clip(0) / 0.05)
                s = (base * rng.uniform(0.6, 1.5) + nir_tail * rng.uniform(0, 1)) * (wl < 0.9)
                s = s + np.clip(rng.normal(0.005, 0.003), 0, None)  # glint / adjacency
                spectra.append(s.astype(np.float32))
                names.append(kind)
        n = len(names)
        return SpectralLibrary(
            spectra=np.vstack([self.spectra, np.stack(spectra)]),
            wavelengths_um=self.wavelengths_um,
            level3=np.concatenate([self.level3, np.array(names)]),
            source=np.concatenate([self.source, np.array(["analytic"] * n)]),
            synthetic=np.concatenate([self.synthetic, np.ones(n, dtype=bool)]),
        )


@dataclass
class Material:
    """One few-shot class of the library: indices of its member spectra."""

    name: str
    members: np.ndarray
    synthetic: bool = False


def build_materials(lib: SpectralLibrary, seed: int = 0) -> List[Material]:
    """LEVEL_3 classes with >= MIN_MEMBERS spectra; big ones split by k-means on shape."""
    from sklearn.cluster import KMeans

    materials: List[Material] = []
    for name in sorted(set(lib.level3.tolist())):
        idx = np.flatnonzero(lib.level3 == name)
        if idx.size < MIN_MEMBERS:
            continue
        k = SPLITS.get(name, 1)
        synthetic = bool(lib.synthetic[idx].all())
        if k <= 1:
            materials.append(Material(name, idx, synthetic))
            continue
        x = lib.spectra[idx]
        shape = x / (np.abs(x).mean(axis=1, keepdims=True) + 1e-6)
        feats = np.hstack([shape, np.log(np.abs(x).mean(axis=1, keepdims=True) + 1e-3) * 2])
        labels = KMeans(k, n_init=3, random_state=seed).fit_predict(feats)
        for c in range(k):
            members = idx[labels == c]
            if members.size >= MIN_MEMBERS:
                materials.append(Material(f"{name}_{c:02d}", members, synthetic))
    return materials


def split_materials(
    materials: Sequence[Material], val_fraction: float = 0.25, seed: int = 0
) -> Tuple[List[Material], List[Material]]:
    """Class-disjoint split; each LEVEL_3 family with several materials feeds both sides."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(materials))
    n_val = max(2, int(round(val_fraction * len(materials))))
    val_ids = set(order[:n_val].tolist())
    train = [m for i, m in enumerate(materials) if i not in val_ids]
    val = [m for i, m in enumerate(materials) if i in val_ids]
    return train, val


# --------------------------------------------------------------------------- sensors


@dataclass
class BandSet:
    """A sensor's bands: centres and widths (um), and the (W, B) response matrix."""

    name: str
    centers_um: np.ndarray
    widths_um: np.ndarray
    response: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))

    @property
    def n_bands(self) -> int:
        return int(self.centers_um.size)


def response_matrix(wl_um: np.ndarray, centers: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Gaussian spectral responses (FWHM = width) normalised over the library's range."""
    sigma = np.maximum(widths, 0.002) / 2.3548
    r = np.exp(-0.5 * ((wl_um[:, None] - centers[None, :]) / sigma[None, :]) ** 2)
    # A band narrower than the 10 nm sampling still reads its nearest sample.
    nearest = np.abs(wl_um[:, None] - centers[None, :]).argmin(axis=0)
    r[nearest, np.arange(centers.size)] += 1e-6
    return (r / r.sum(axis=0, keepdims=True)).astype(np.float32)


def make_bandset(name: str, centers, widths, wl_um: np.ndarray) -> BandSet | None:
    """Band set restricted to bands whose centre lies inside the library's range."""
    c = np.asarray(centers, dtype=np.float64)
    w = np.asarray(widths, dtype=np.float64) if widths is not None else np.full(c.size, 0.01)
    if c.max() > 100:  # nanometres
        c, w = c / 1000.0, w / 1000.0
    lo, hi = wl_um.min() - 0.005, wl_um.max() + 0.02
    keep = (c >= lo) & (c <= hi) & (w < 0.3)
    if keep.sum() < 1:
        return None
    c, w = c[keep], w[keep]
    order = np.argsort(c, kind="stable")
    c, w = c[order], w[order]
    return BandSet(name, c, w, response_matrix(wl_um, c, w))


def earthlib_sensors(wl_um: np.ndarray, names: Sequence[str]) -> Dict[str, BandSet]:
    """Band sets of earthlib's sensor definitions (imports earthlib.sensors)."""
    from earthlib import sensors as el_sensors

    out: Dict[str, BandSet] = {}
    for name in names:
        s = el_sensors.supported_sensors[name]
        widths = s.band_widths if s.band_widths is not None else None
        bs = make_bandset(name, s.band_centers, widths, wl_um)
        if bs is not None:
            out[name] = bs
    return out


def vnir_bandset(rng: np.random.Generator, wl_um: np.ndarray) -> BandSet | None:
    """A visible-to-near-infrared imaging spectrometer (CASI, AISA Eagle, the airborne city
    cubes of 48-64 bands): 24-128 narrow bands from 380-450 nm to 900-1050 nm.

    :func:`random_bandset`'s hyperspectral kind always reaches the short-wave infrared of a
    wide scene, so a VNIR-only cube was met only on scenes that are VNIR themselves (issue
    33, item 4). None when the scene does not cover the range."""
    lo, hi = float(wl_um.min()), float(wl_um.max())
    start = max(rng.uniform(0.38, 0.45), lo)
    stop = min(rng.uniform(0.90, 1.05), hi)
    if stop - start < 0.3:
        return None
    c, w = _narrow_bands(rng, start, stop, int(rng.integers(24, 129)))
    return make_bandset("random-vnir", c, w, wl_um)


def _narrow_bands(rng: np.random.Generator, start: float, stop: float, nb: int
                  ) -> Tuple[np.ndarray, np.ndarray]:
    """(centres, widths) of ``nb`` evenly spaced narrow bands over [start, stop] um, each
    0.8-1.6 band spacings wide (at least 4 nm): an imaging spectrometer's sampling."""
    c = np.linspace(start, stop, nb)
    step = (stop - start) / max(nb - 1, 1)
    return c, np.full(nb, max(step * rng.uniform(0.8, 1.6), 0.004))


def random_bandset(rng: np.random.Generator, wl_um: np.ndarray) -> BandSet:
    """A synthetic sensor: RGB only, a random multispectral subset, or narrow hyperspectral."""
    kind = rng.choice(["rgb", "multi", "hyper"], p=[0.25, 0.45, 0.30])
    lo, hi = float(wl_um.min()), float(wl_um.max())
    if kind == "rgb":
        c = np.array([0.48, 0.56, 0.66]) + rng.normal(0, 0.008, 3)
        w = rng.uniform(0.03, 0.09, 3)
        if rng.random() < 0.3:  # RGB + NIR
            c, w = np.append(c, rng.uniform(0.80, 0.87)), np.append(w, rng.uniform(0.04, 0.13))
    elif kind == "multi":
        nb = int(rng.integers(2, 13))
        c = np.sort(rng.uniform(lo + 0.01, hi - 0.01, nb))
        w = rng.uniform(0.015, 0.15, nb)
    else:
        nb = int(rng.integers(20, 221))
        start = rng.uniform(lo, lo + 0.15)
        stop = rng.uniform(max(start + 0.3, hi - 0.5), hi)
        c, w = _narrow_bands(rng, start, stop, nb)
        if rng.random() < 0.5:  # drop water-vapour absorption bands like corrected cubes
            bad = ((c > 1.34) & (c < 1.45)) | ((c > 1.80) & (c < 1.95))
            c, w = c[~bad], w[~bad]
    return make_bandset(f"random-{kind}", c, w, wl_um)  # type: ignore[return-value]
