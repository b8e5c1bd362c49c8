"""What the two accuracy-assessment algorithms share: the class-map layer, CRS checks,
reading validation features, the runtime check (no torch needed), the error hand-over.

Map layers are read on the main thread (``class_map_info`` in ``prepareAlgorithm``); the
worker reads features through thread-safe feature sources only.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsCsException,
    QgsFeatureRequest,
    QgsFeatureSource,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsRasterLayer,
)
from qgis.PyQt.QtGui import QIcon

from ..translation import tr_message, translator
from . import geometry as geo
from .checks import InputProblem, check_crs  # noqa: F401 (the assessment algorithms' API)

tr = translator("AssessmentAlgorithm")

#: What the assessment needs in QGIS's Python (torch is not among them).
ASSESSMENT_PACKAGES = {"numpy": "numpy<2", "rasterio": "rasterio", "sklearn": "scikit-learn"}


ICON_PATH = Path(__file__).resolve().parents[1] / "resources" / "icon.svg"


class AssessmentAlgorithm(QgsProcessingAlgorithm):
    """What the accuracy-assessment algorithms share: their group, icon and class map."""

    def __init__(self) -> None:
        super().__init__()
        self._map: ClassMapLayer | None = None

    def group(self) -> str:
        return tr("Accuracy assessment")

    def groupId(self) -> str:  # noqa: N802
        return "accuracyassessment"

    def icon(self) -> QIcon:
        return QIcon(str(ICON_PATH))

    def svgIconPath(self) -> str:  # noqa: N802
        return str(ICON_PATH)


@dataclass
class ClassMapLayer:
    """The class map as read on the main thread: file, name, CRS."""

    path: str
    name: str
    crs: QgsCoordinateReferenceSystem


def class_map_info(layer: Any) -> ClassMapLayer:
    """Check the class-map parameter (a file raster with a CRS); InputProblem otherwise."""
    if layer is None or not isinstance(layer, QgsRasterLayer) or not layer.isValid():
        raise InputProblem(
            tr("The class map could not be opened. Choose the class map raster (the one "
            "MetaMapper wrote, or any raster of integer class codes).")
        )
    name = layer.name()
    if layer.providerType() != "gdal":
        raise InputProblem(
            tr(
                "The class map '{name}' comes from the '{providertype}' provider; "
                "MetaMapper reads raster files. Save it as a GeoTIFF (Export > Save As) "
                "first."
            ).format(
                name=name,
                providertype=layer.providerType(),
            )
        )
    if not layer.crs().isValid():
        raise InputProblem(
            tr(
                "The class map '{name}' has no coordinate reference system (CRS). Assign "
                "one (Raster > Projections > Assign Projection) and run again."
            ).format(
                name=name,
            )
        )
    if layer.bandCount() < 1:
        raise InputProblem(tr(
            "The class map '{name}' has no band. Choose a class map."
        ).format(
            name=name,
        ))
    return ClassMapLayer(path=layer.source().split("|")[0], name=name, crs=layer.crs())


@dataclass
class ValidationFeatures:
    """Sample units in the map's CRS with their reference labels and feature ids."""

    geometries: List[dict | None] = field(default_factory=list)
    labels: List[Any] = field(default_factory=list)
    ids: List[int] = field(default_factory=list)


def read_validation(
    source: QgsFeatureSource,
    reference_field: str,
    dest_crs: QgsCoordinateReferenceSystem,
    transform_context: QgsCoordinateTransformContext,
    is_cancelled=None,
) -> ValidationFeatures:
    """Every feature (NULL labels and empty geometries kept, so they can be counted)."""
    fields = source.fields()
    index = fields.lookupField(reference_field)
    field_type = fields.at(index).type()
    transform = geo.make_transform(source.sourceCrs(), dest_crs, transform_context)
    request = QgsFeatureRequest().setSubsetOfAttributes([index])
    out = ValidationFeatures()
    for feature in source.getFeatures(request):
        if is_cancelled is not None and is_cancelled():
            break
        try:
            label = geo.label_from_value(feature.attribute(index), field_type, feature.id(),
                                         reference_field, role=tr("reference field"))
        except geo.GeometryProblem as exc:
            raise InputProblem(str(exc)) from None
        try:
            geometry = geo.geometry_to_geojson(feature.geometry(), transform)
        except QgsCsException:
            # so far outside the map's area that it cannot be reprojected: outside
            geometry = {"type": "Point", "coordinates": [1e300, 1e300]}
        out.geometries.append(geometry)
        out.labels.append(label)
        out.ids.append(int(feature.id()))
    return out


def check_reference_field(source: QgsFeatureSource, reference_field: str) -> None:
    """The reference field must exist and hold text or integers."""
    fields = source.fields()
    usable = [f.name() for f in fields if f.type() in geo.TEXT_TYPES + geo.INTEGER_TYPES]
    if not reference_field:
        raise InputProblem(
            tr(
                "No reference field was chosen. Choose the validation layer's field that "
                "holds the observed class: {value}."
            ).format(
                value=', '.join(usable) or tr('the layer has none'),
            )
        )
    index = fields.lookupField(reference_field)
    if index < 0:
        raise InputProblem(
            tr(
                "The reference field '{reference_field}' is not in the validation layer. "
                "Choose one of: {value}."
            ).format(
                reference_field=reference_field,
                value=', '.join(usable) or tr('(no text or integer field: add one)'),
            )
        )
    if fields.at(index).type() not in geo.TEXT_TYPES + geo.INTEGER_TYPES + geo.REAL_TYPES:
        raise InputProblem(
            tr(
                "The reference field '{reference_field}' is of type {typename}, which "
                "cannot hold classes. Choose a text or integer field."
            ).format(
                reference_field=reference_field,
                typename=fields.at(index).typeName(),
            )
        )


def require_packages() -> None:
    """Stop with the pip command when numpy/rasterio/scikit-learn are missing."""
    from ..core.deps import missing_runtime_message

    missing = [req for mod, req in ASSESSMENT_PACKAGES.items()
               if importlib.util.find_spec(mod) is None]
    if missing:
        raise QgsProcessingException(tr_message(missing_runtime_message(missing)))
