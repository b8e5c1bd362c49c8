"""Fixtures for the Processing tests: provider registration, a tiny seeded scene, labels.

The scene is a 48 x 48 px, 4-band float32 raster in UTM 33N (30 m pixels) made of three
vertical stripes with distinct, noisy spectra, so a correct run must give back the stripes:
columns 0-15 "water", 16-31 "forest", 32-47 "urban" (integer codes 3, 1, 2 in the integer
field, which differ from the name order on purpose). Labels are memory layers (points,
polygons) or GeoPackages when a file is needed (qgis_process, modeler).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import pytest
from qgis.core import QgsProcessingFeedback

SIZE = 48
PIXEL = 30.0
X0, Y0 = 500_000.0, 4_800_000.0
UTM = "EPSG:32633"
STRIPES = (("water", 3, 0, 16), ("forest", 1, 16, 32), ("urban", 2, 32, 48))
SPECTRA = {
    "water": (600.0, 500.0, 300.0, 100.0),
    "forest": (300.0, 700.0, 400.0, 3500.0),
    "urban": (2000.0, 2100.0, 2300.0, 2500.0),
}
NAMES = tuple(s[0] for s in STRIPES)
CODES = {s[0]: s[1] for s in STRIPES}


@dataclass
class Scene:
    path: Path
    truth: np.ndarray  # (SIZE, SIZE) class names as an object array
    crs: str | None

    @staticmethod
    def center(row: float, col: float) -> Tuple[float, float]:
        return X0 + (col + 0.5) * PIXEL, Y0 - (row + 0.5) * PIXEL


def truth_array() -> np.ndarray:
    truth = np.empty((SIZE, SIZE), dtype=object)
    for name, _code, c0, c1 in STRIPES:
        truth[:, c0:c1] = name
    return truth


def write_scene(
    path: Path,
    seed: int = 0,
    crs: str | None = UTM,
    shift: float = 0.0,
    nodata_px: Tuple[int, int, int, int] | None = None,
) -> Scene:
    """Write the striped scene (optionally without CRS, brighter by ``shift``, or with a
    nodata block given as pixel bounds (row0, col0, row1, col1))."""
    import rasterio
    from rasterio.transform import from_origin

    rng = np.random.default_rng(seed)
    truth = truth_array()
    data = np.empty((4, SIZE, SIZE), dtype=np.float32)
    for name in NAMES:
        mask = truth == name
        for b, value in enumerate(SPECTRA[name]):
            data[b][mask] = value + shift + rng.normal(0, 40.0, size=int(mask.sum()))
    if nodata_px is not None:
        r0, c0, r1, c1 = nodata_px
        data[:, r0:r1, c0:c1] = -9999.0
    profile = dict(
        driver="GTiff", width=SIZE, height=SIZE, count=4, dtype="float32",
        transform=from_origin(X0, Y0, PIXEL, PIXEL), nodata=-9999.0,
    )
    if crs:
        profile["crs"] = crs
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data)
    return Scene(path=path, truth=truth, crs=crs)


# ------------------------------------------------------------------ label layers
def _memory_layer(kind: str, crs: str, int_field: bool = True):
    from qgis.core import QgsVectorLayer

    uri = f"{kind}?crs={crs}&field=cls:string"
    if int_field:
        uri += "&field=code:integer&field=ratio:double&field=day:date"
    layer = QgsVectorLayer(uri, f"labels_{kind.lower()}", "memory")
    assert layer.isValid()
    return layer


def _add(layer, geometry, name: str | None, code: int | None) -> None:
    from qgis.core import QgsFeature

    feature = QgsFeature(layer.fields())
    feature.setGeometry(geometry)
    feature["cls"] = name
    if layer.fields().lookupField("code") >= 0:
        feature["code"] = code
        feature["ratio"] = 0.5
    layer.dataProvider().addFeature(feature)


def _transform(crs: str):
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject

    if crs == UTM:
        return None
    return QgsCoordinateTransform(
        QgsCoordinateReferenceSystem(UTM), QgsCoordinateReferenceSystem(crs), QgsProject.instance()
    )


def point_labels(crs: str = UTM, per_class: int = 4, extra: Sequence[Tuple] = ()):
    """Points at pixel centres inside each stripe; ``extra``: (row, col, name, code) rows."""
    from qgis.core import QgsGeometry, QgsPointXY

    layer = _memory_layer("Point", crs)
    tr = _transform(crs)
    rows = [(5 + 10 * i, c0 + 4 + 2 * i, name, code)
            for name, code, c0, _c1 in STRIPES for i in range(per_class)]
    for row, col, name, code in [*rows, *extra]:
        geom = QgsGeometry.fromPointXY(QgsPointXY(*Scene.center(row, col)))
        if tr is not None:
            geom.transform(tr)
        _add(layer, geom, name, code)
    return layer


def polygon_labels(crs: str = UTM):
    """One 6 x 6 px square per stripe, well inside it."""
    from qgis.core import QgsGeometry, QgsRectangle

    layer = _memory_layer("Polygon", crs)
    tr = _transform(crs)
    for name, code, c0, _c1 in STRIPES:
        x0, y1 = X0 + (c0 + 5) * PIXEL, Y0 - 20 * PIXEL
        geom = QgsGeometry.fromRect(QgsRectangle(x0, y1 - 6 * PIXEL, x0 + 6 * PIXEL, y1))
        if tr is not None:
            geom.transform(tr)
        _add(layer, geom, name, code)
    return layer


def _rect(rect_px: Tuple[int, int, int, int]):
    from qgis.core import QgsGeometry, QgsRectangle

    row0, col0, row1, col1 = rect_px
    return QgsGeometry.fromRect(
        QgsRectangle(X0 + col0 * PIXEL, Y0 - row1 * PIXEL, X0 + col1 * PIXEL, Y0 - row0 * PIXEL)
    )


def region_layer(
    rect_px: Tuple[int, int, int, int],
    crs: str = UTM,
    hole_px: Tuple[int, int, int, int] | None = None,
):
    """A polygon region from pixel bounds (row0, col0, row1, col1), exclusive ends,
    optionally with a rectangular hole."""
    from qgis.core import QgsFeature, QgsVectorLayer

    layer = QgsVectorLayer(f"Polygon?crs={crs}&field=id:integer", "region", "memory")
    geom = _rect(rect_px)
    if hole_px is not None:
        geom = geom.difference(_rect(hole_px))
    tr = _transform(crs)
    if tr is not None:
        geom.transform(tr)
    feature = QgsFeature(layer.fields())
    feature.setGeometry(geom)
    feature["id"] = 1
    layer.dataProvider().addFeature(feature)
    return layer


def save_layer(layer, path: Path) -> Path:
    """Write a memory layer to a GeoPackage (for qgis_process and the modeler)."""
    from qgis.core import QgsCoordinateTransformContext, QgsVectorFileWriter

    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    error = QgsVectorFileWriter.writeAsVectorFormatV3(
        layer, str(path), QgsCoordinateTransformContext(), options
    )
    assert error[0] == QgsVectorFileWriter.WriterError.NoError, error
    return path


# ------------------------------------------------------------------ reading outputs
def read_band(path: str) -> Tuple[np.ndarray, Dict]:
    import rasterio

    with rasterio.open(path) as ds:
        return ds.read(1), {"transform": ds.transform, "crs": ds.crs, "nodata": ds.nodata,
                            "shape": (ds.height, ds.width), "dtype": ds.dtypes[0]}


def decode(class_map: np.ndarray, classes: List[str], codes: List[int]) -> np.ndarray:
    names = np.full(class_map.shape, None, dtype=object)
    for name, code in zip(classes, codes):
        names[class_map == code] = name
    return names


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="session")
def scene(tmp_path_factory) -> Scene:
    return write_scene(tmp_path_factory.mktemp("scene") / "scene.tif")


@pytest.fixture
def run_alg(processing_provider, model_file):
    """``run_alg(**params)`` -> (results, context, feedback) with the tiny model as default."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProject

    def run(context=None, **params):
        params.setdefault("MODEL", str(model_file))
        params.setdefault("ESTIMATE_ACCURACY", False)
        context = context or QgsProcessingContext()
        context.setProject(QgsProject.instance())
        feedback = LogFeedback()
        results = processing.run("metamapper:fewshot_classify", params, context=context,
                                 feedback=feedback)
        return results, context, feedback

    return run


class LogFeedback(QgsProcessingFeedback):
    """Feedback that keeps the log and progress values, for assertions."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: List[str] = []
        self.progress_values: List[float] = []
        self.progressChanged.connect(self.progress_values.append)

    def pushInfo(self, info):  # noqa: N802
        self.lines.append(info)
        super().pushInfo(info)

    def setProgressText(self, text):  # noqa: N802
        self.lines.append(text)
        super().setProgressText(text)

    def pushWarning(self, warning):  # noqa: N802
        self.lines.append("WARNING " + warning)
        super().pushWarning(warning)

    def reportError(self, error, fatalError=False):  # noqa: N802, N803
        self.lines.append("ERROR " + error)
        super().reportError(error, fatalError)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def model_output_param(model, child_id: str, name: str) -> str:
    """A model output's parameter name: ``child:name`` up to QGIS 3.3x; later QGIS names it
    after the output (its name or its description, sanitised)."""
    params = model.destinationParameterDefinitions()
    names = [p.name() for p in params]
    for candidate in (f"{child_id}:{name}", name):
        if candidate in names:
            return candidate
    output = model.childAlgorithm(child_id).modelOutputs().get(name)
    if output is not None:
        for p in params:
            if p.description() == output.description():
                return p.name()
    raise AssertionError(f"model output {name!r} not among {names}")


@pytest.fixture()
def layer_tree_view(qgis_iface, monkeypatch):
    """A real layer tree view on the project, as QGIS's iface has: since QGIS 3.44
    ``runAndLoadResults`` hands ``iface.layerTreeView()`` to C++
    (``QgsProcessingGuiUtils.addResultLayers``), which refuses pytest-qgis's MagicMock."""
    from qgis.core import QgsLayerTreeModel, QgsProject
    from qgis.gui import QgsLayerTreeView

    view = QgsLayerTreeView()
    view.setModel(QgsLayerTreeModel(QgsProject.instance().layerTreeRoot(), view))  # view owns it
    monkeypatch.setattr(qgis_iface, "layerTreeView", lambda: view, raising=False)
    return view
