"""Fixtures for the GUI tests: a tiny striped scene, labelled layers, the provider, a panel.

Scene: 40 x 40 px, 4 bands, UTM 33N, 30 m pixels, three vertical stripes with distinct noisy
spectra ("water" cols 0-12, "forest" 13-26, "urban" 27-39), so a correct run gives the
stripes back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Tuple

import numpy as np
import pytest

SIZE = 40
PIXEL = 30.0
X0, Y0 = 500_000.0, 4_800_000.0
UTM = "EPSG:32633"
STRIPES = (("water", 0, 13), ("forest", 13, 27), ("urban", 27, 40))
SPECTRA = {"water": (600.0, 500.0, 300.0, 100.0), "forest": (300.0, 700.0, 400.0, 3500.0),
           "urban": (2000.0, 2100.0, 2300.0, 2500.0)}


def pixel_centre(row: float, col: float) -> Tuple[float, float]:
    return X0 + (col + 0.5) * PIXEL, Y0 - (row + 0.5) * PIXEL


def write_scene(path: Path, seed: int = 0) -> Path:
    import rasterio
    from rasterio.transform import from_origin

    rng = np.random.default_rng(seed)
    data = np.empty((4, SIZE, SIZE), dtype=np.float32)
    for name, c0, c1 in STRIPES:
        for b, value in enumerate(SPECTRA[name]):
            data[b, :, c0:c1] = value + rng.normal(0, 40.0, size=(SIZE, c1 - c0))
    with rasterio.open(path, "w", driver="GTiff", width=SIZE, height=SIZE, count=4,
                       dtype="float32", crs=UTM, transform=from_origin(X0, Y0, PIXEL, PIXEL),
                       nodata=-9999.0) as ds:
        ds.write(data)
    return path


def point_layer(per_class: int = 4, name: str = "labels"):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    layer = QgsVectorLayer(f"Point?crs={UTM}&field=cls:string(20)&field=code:integer",
                           name, "memory")
    feats = []
    for code, (cls, c0, _c1) in enumerate(STRIPES, start=1):
        for i in range(per_class):
            f = QgsFeature(layer.fields())
            f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(*pixel_centre(4 + 8 * i, c0 + 3 + i))))
            f["cls"] = cls
            f["code"] = code
            feats.append(f)
    layer.dataProvider().addFeatures(feats)
    return layer


@pytest.fixture(scope="session")
def scene_path(tmp_path_factory) -> Path:
    return write_scene(tmp_path_factory.mktemp("scene") / "scene.tif")


@pytest.fixture
def project_layers(qgis_iface, qgis_canvas, scene_path):
    """Raster + labelled points in a clean project; canvas in UTM over the scene."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsProject, QgsRasterLayer

    project = QgsProject.instance()
    project.clear()
    raster = QgsRasterLayer(str(scene_path), "scene")
    assert raster.isValid()
    labels = point_layer()
    project.addMapLayers([raster, labels])
    qgis_canvas.setDestinationCrs(QgsCoordinateReferenceSystem(UTM))
    qgis_canvas.setExtent(raster.extent())
    qgis_canvas.refresh()
    yield raster, labels
    project.clear()


@pytest.fixture
def panel(qgis_iface, project_layers) -> Iterator:
    from metamapper.ui.panel import MetaMapperPanel

    widget = MetaMapperPanel(qgis_iface)
    raster, labels = project_layers
    widget.raster_combo.setLayer(raster)
    widget.training_combo.setLayer(labels)
    widget.field_combo.setField("cls")
    yield widget
    widget.cleanup()
    widget.deleteLater()


@pytest.fixture(autouse=True)
def clean_settings():
    """Each test starts from default panel settings; the user's values are put back."""
    from qgis.core import QgsSettings

    settings = QgsSettings()
    keys = ("model", "device", "shots_cap")
    saved = {k: settings.value(f"metamapper/{k}") for k in keys}
    for k in keys:
        settings.remove(f"metamapper/{k}")
    yield
    for k, value in saved.items():
        if value is None:
            settings.remove(f"metamapper/{k}")
        else:
            settings.setValue(f"metamapper/{k}", value)
