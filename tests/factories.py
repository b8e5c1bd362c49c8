"""Seeded generators of tiny rasters and labelled features (torchgeo style).

The synthetic scene is a map of ``n_classes`` blocky patches, each class with its own smooth
spectrum, plus noise and a brightness change, so a classifier can really learn it and a
test can check the map against the truth. Everything is deterministic for a seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
import rasterio
from metamapper.core.adapting.sampling import LabelledFeature
from metamapper.core.reading.raster_io import apply_affine
from rasterio.transform import from_origin

UTM = "EPSG:32633"
WGS84 = "EPSG:4326"


def class_spectra(n_classes: int, bands: int, seed: int = 0) -> np.ndarray:
    """(n_classes, bands) well separated smooth spectra in [0.05, 1.1]."""
    rng = np.random.default_rng(seed)
    grid = np.linspace(0.0, 1.0, bands)
    out = np.zeros((n_classes, bands))
    for k in range(n_classes):
        centre = (k + 0.5) / n_classes
        out[k] = 0.1 + 0.9 * np.exp(-(((grid - centre) / 0.25) ** 2)) + rng.uniform(0, 0.05)
    if bands == 1:
        out[:, 0] = np.linspace(0.1, 1.0, n_classes)
    return out


def truth_map(height: int, width: int, n_classes: int, block: int = 8, seed: int = 0) -> np.ndarray:
    """(H, W) class index 0..n-1 in square blocks of ``block`` pixels."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, n_classes, size=(height // block + 1, width // block + 1))
    coarse.flat[:n_classes] = np.arange(n_classes)  # every class present
    return np.kron(coarse, np.ones((block, block), dtype=int))[:height, :width]


def make_raster(
    path: Path | str,
    *,
    width: int = 64,
    height: int = 48,
    bands: int = 4,
    dtype: str = "uint16",
    n_classes: int = 3,
    crs: str | None = UTM,
    pixel_size: float | None = None,
    origin: Tuple[float, float] | None = None,
    nodata: Any = None,
    nodata_box: Tuple[int, int, int, int] | None = None,  # row0, row1, col0, col1
    per_band_nodata: Sequence[Any] | None = None,
    seed: int = 0,
    block: int = 8,
    tags: Dict[str, str] | None = None,
    mask_box: Tuple[int, int, int, int] | None = None,
    noise: float = 0.01,
) -> Dict[str, Any]:
    """Write a synthetic scene; return {"path", "truth", "transform", "crs", ...}.
    ``noise``: per-value Gaussian noise (the spectra span about 0.1-1; 1.0 mixes classes)."""
    rng = np.random.default_rng(seed)
    geographic = crs is not None and crs == WGS84
    if pixel_size is None:
        pixel_size = 0.0001 if geographic else 10.0
    if origin is None:
        origin = (15.0, 45.0) if geographic else (500000.0, 5000000.0)
    transform = from_origin(origin[0], origin[1], pixel_size, pixel_size)
    truth = truth_map(height, width, n_classes, block, seed)
    spectra = class_spectra(n_classes, bands, seed)
    brightness = rng.uniform(0.85, 1.15, size=(height, width))
    values = spectra[truth].transpose(2, 0, 1) * brightness[None]
    values = values + rng.normal(0.0, noise, size=values.shape)
    info = np.dtype(dtype)
    if info.kind in "ui":
        lo = 0 if info.kind == "u" else -1000
        hi = min(np.iinfo(info).max, 10000)
        data = np.clip(
            lo + values * (hi - lo) / 1.2, np.iinfo(info).min + 1, np.iinfo(info).max - 1
        )
        data = np.round(data).astype(dtype)
    else:
        data = (values * 1000.0).astype(dtype)
    nd_values: List[Any] = (
        list(per_band_nodata) if per_band_nodata is not None else [nodata] * bands
    )
    if nodata_box is not None:
        r0, r1, c0, c1 = nodata_box
        for b in range(bands):
            fill = nd_values[b]
            if fill is None:
                raise ValueError("nodata_box needs a nodata value")
            data[b, r0:r1, c0:c1] = fill
    profile = dict(
        driver="GTiff", width=width, height=height, count=bands, dtype=dtype,
        transform=transform,
    )  # fmt: skip
    if crs is not None:
        profile["crs"] = crs
    if nodata is not None and per_band_nodata is None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data)
        if mask_box is not None:
            mask = np.full((height, width), 255, dtype=np.uint8)
            r0, r1, c0, c1 = mask_box
            mask[r0:r1, c0:c1] = 0
            ds.write_mask(mask)
        if tags:
            ds.update_tags(**tags)
    out_path = str(path)
    if per_band_nodata is not None:
        # GeoTIFF holds one nodata value for all bands; a VRT holds one per band
        out_path = str(Path(path).with_suffix(".vrt"))
        _write_vrt(out_path, Path(path).name, profile, nd_values)
    return {
        "path": out_path, "truth": truth, "transform": transform, "crs": crs,
        "width": width, "height": height, "bands": bands, "dtype": dtype,
        "pixel_size": pixel_size, "data": data,
    }  # fmt: skip


def _write_vrt(vrt: str, source: str, profile: Dict[str, Any], nodata: Sequence[Any]) -> None:
    gdal_type = {"uint8": "Byte", "uint16": "UInt16", "int16": "Int16", "int32": "Int32",
                 "float32": "Float32", "float64": "Float64"}[profile["dtype"]]  # fmt: skip
    t = profile["transform"]
    crs = rasterio.crs.CRS.from_user_input(profile["crs"]).to_wkt() if "crs" in profile else ""
    bands = []
    for b in range(profile["count"]):
        nd = "" if nodata[b] is None else f"<NoDataValue>{nodata[b]}</NoDataValue>"
        bands.append(
            f'<VRTRasterBand dataType="{gdal_type}" band="{b + 1}">{nd}<SimpleSource>'
            f'<SourceFilename relativeToVRT="1">{source}</SourceFilename>'
            f"<SourceBand>{b + 1}</SourceBand></SimpleSource></VRTRasterBand>"
        )
    srs = f"<SRS>{crs.replace('&', '&amp;').replace('<', '&lt;')}</SRS>" if crs else ""
    Path(vrt).write_text(
        f'<VRTDataset rasterXSize="{profile["width"]}" rasterYSize="{profile["height"]}">'
        f"{srs}<GeoTransform>{t.c}, {t.a}, {t.b}, {t.f}, {t.d}, {t.e}</GeoTransform>"
        + "".join(bands)
        + "</VRTDataset>"
    )


def pixel_centre(scene: Dict[str, Any], row: float, col: float) -> Tuple[float, float]:
    x, y = apply_affine(scene["transform"], col + 0.5, row + 0.5)
    return float(x), float(y)


def box_polygon(scene: Dict[str, Any], r0: float, r1: float, c0: float, c1: float) -> dict:
    """Polygon over pixel rows r0..r1 and columns c0..c1 (edges in pixel units)."""
    t = scene["transform"]
    ring = [apply_affine(t, c, r) for c, r in ((c0, r0), (c1, r0), (c1, r1), (c0, r1), (c0, r0))]
    return {"type": "Polygon", "coordinates": [[(float(x), float(y)) for x, y in ring]]}


def point(scene: Dict[str, Any], row: int, col: int) -> dict:
    return {"type": "Point", "coordinates": pixel_centre(scene, row, col)}


def features_from_truth(
    scene: Dict[str, Any],
    per_class: int = 3,
    kind: str = "polygon",
    seed: int = 0,
    labels: Sequence[Any] | None = None,
    size: int = 3,
    avoid: np.ndarray | None = None,
) -> List[LabelledFeature]:
    """``per_class`` features per class placed where the truth is uniform (size x size)."""
    rng = np.random.default_rng(seed)
    truth = scene["truth"]
    h, w = truth.shape
    n_classes = int(truth.max()) + 1
    names = list(labels) if labels is not None else [f"class_{k}" for k in range(n_classes)]
    out: List[LabelledFeature] = []
    taken = np.zeros_like(truth, dtype=bool) if avoid is None else avoid.copy()
    for k in range(n_classes):
        found = 0
        for _ in range(5000):
            if found == per_class:
                break
            r, c = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
            win = truth[r : r + size, c : c + size]
            if (win != k).any() or taken[r : r + size, c : c + size].any():
                continue
            taken[r : r + size, c : c + size] = True
            if kind == "point":
                geom = point(scene, r + size // 2, c + size // 2)
            else:
                geom = box_polygon(scene, r + 0.1, r + size - 0.1, c + 0.1, c + size - 0.1)
            out.append(LabelledFeature(geometry=geom, label=names[k]))
            found += 1
        assert found == per_class, f"could not place {per_class} features of class {k}"
    return out
