"""QGIS features -> GeoJSON-like dicts in the raster's CRS (the engine never sees QGIS objects).

The provider reads features through ``QgsProcessingFeatureSource`` (thread-safe, honours
"selected features only"), reprojects them with the *project's* transform context (so datum
transformations chosen by the user apply), flattens Z/M and curves, and hands plain dicts to
``core.pipeline.map_region`` (see docs/architecture.md, "Geometry interchange").
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, List, Tuple, Union

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsCsException,
    QgsFeatureRequest,
    QgsFeatureSource,
    QgsGeometry,
    QgsRectangle,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QMetaType, QVariant

from ..translation import translator

tr = translator("Geometry")

Label = Union[str, int, None]

#: Field types a class can be read from (text, or integer-like numbers). QgsField.type() gives
#: QMetaType.Type from QGIS 3.38 (and in Qt6) and QVariant.Type before, with equal codes in Qt5.
TEXT_TYPES = (QMetaType.Type.QString,)
INTEGER_TYPES = (QMetaType.Type.Int, QMetaType.Type.UInt, QMetaType.Type.LongLong,
                 QMetaType.Type.ULongLong)
REAL_TYPES = (QMetaType.Type.Double,)


class GeometryProblem(ValueError):
    """Input that cannot be converted; the message names the problem and the fix."""


@dataclass
class ConvertedFeatures:
    """Features of one source, converted; with what was skipped and why (for the log)."""

    geometries: List[dict] = field(default_factory=list)
    labels: List[Label] = field(default_factory=list)
    null_labels: int = 0
    empty_geometries: int = 0
    not_reprojectable: int = 0
    #: (xmin, ymin, xmax, ymax) of the converted geometries in the raster CRS, None if none.
    bounds: Tuple[float, float, float, float] | None = None

    @property
    def skipped(self) -> int:
        return self.null_labels + self.empty_geometries + self.not_reprojectable

    def distinct_labels(self) -> List[Label]:
        return sorted({lab for lab in self.labels if lab is not None}, key=str)


def make_transform(
    source_crs: QgsCoordinateReferenceSystem,
    dest_crs: QgsCoordinateReferenceSystem,
    transform_context: QgsCoordinateTransformContext,
) -> QgsCoordinateTransform | None:
    """A transform source -> raster CRS, or None when both are the same CRS."""
    if source_crs == dest_crs:
        return None
    return QgsCoordinateTransform(source_crs, dest_crs, transform_context)


def geometry_to_geojson(
    geometry: QgsGeometry, transform: QgsCoordinateTransform | None = None
) -> dict | None:
    """Return the reprojected 2-D GeoJSON geometry, or None for an empty/null geometry.

    Raises QgsCsException when the geometry cannot be reprojected.
    """
    if geometry is None or geometry.isNull() or geometry.isEmpty():
        return None
    geom = QgsGeometry(geometry)  # never modify the feature's geometry in place
    if QgsWkbTypes.isCurvedType(geom.wkbType()):
        geom = QgsGeometry(geom.constGet().segmentize())
    abstract = geom.get()
    abstract.dropZValue()
    abstract.dropMValue()
    if transform is not None:
        geom.transform(transform)
    if geom.isEmpty():
        return None
    data = json.loads(geom.asJson(17))
    if not _finite(data.get("coordinates")):
        raise QgsCsException("non-finite coordinates after reprojection")
    return data


def _finite(coords: Any) -> bool:
    if isinstance(coords, (int, float)):
        return math.isfinite(coords)
    if isinstance(coords, (list, tuple)):
        return all(_finite(c) for c in coords)
    return coords is not None


def label_from_value(value: Any, field_type: int, feature_id: int, field_name: str,
                     role: str | None = None) -> Label:
    """Turn an attribute into a class label; None for NULL or empty text. ``role`` names
    the field in messages (default: "class field")."""
    role = role or tr("class field")
    if value is None or (isinstance(value, QVariant) and value.isNull()):
        return None
    if field_type in TEXT_TYPES:
        text = str(value).strip()
        return text or None
    if field_type in INTEGER_TYPES:
        return int(value)
    if field_type in REAL_TYPES:
        number = float(value)
        if not math.isfinite(number):
            return None
        if number != int(number):
            raise GeometryProblem(
                tr(
                    "The {role} '{field_name}' holds the decimal number {number} "
                    "(feature {feature_id}). Classes must be text or whole numbers: choose "
                    "another field, or round/convert it with the Field Calculator."
                ).format(
                    role=role,
                    field_name=field_name,
                    number=number,
                    feature_id=feature_id,
                )
            )
        return int(number)
    raise GeometryProblem(
        tr(
            "The {role} '{field_name}' has an unusable type. Choose a text or integer "
            "field."
        ).format(
            role=role,
            field_name=field_name,
        )
    )


def convert_labelled(
    source: QgsFeatureSource,
    class_field: str,
    dest_crs: QgsCoordinateReferenceSystem,
    transform_context: QgsCoordinateTransformContext,
    is_cancelled=None,
) -> ConvertedFeatures:
    """Read (geometry, class) pairs from ``source`` in ``dest_crs``; NULL classes are counted."""
    fields = source.fields()
    index = fields.lookupField(class_field)
    if index < 0:
        raise GeometryProblem(tr(
            "The class field '{class_field}' is not in the training layer."
        ).format(
            class_field=class_field,
        ))
    field_type = fields.at(index).type()
    transform = make_transform(source.sourceCrs(), dest_crs, transform_context)
    request = QgsFeatureRequest().setSubsetOfAttributes([index])
    out = ConvertedFeatures()
    for feature in source.getFeatures(request):
        if is_cancelled is not None and is_cancelled():
            break
        label = label_from_value(feature.attribute(index), field_type, feature.id(), class_field)
        if label is None:
            out.null_labels += 1
            continue
        _add(out, feature.geometry(), transform, label)
    return out


def convert_region(
    source: QgsFeatureSource,
    dest_crs: QgsCoordinateReferenceSystem,
    transform_context: QgsCoordinateTransformContext,
) -> ConvertedFeatures:
    """Read the region polygons of ``source`` in ``dest_crs``."""
    transform = make_transform(source.sourceCrs(), dest_crs, transform_context)
    request = QgsFeatureRequest().setNoAttributes()
    out = ConvertedFeatures()
    for feature in source.getFeatures(request):
        _add(out, feature.geometry(), transform, None)
    return out


def _add(
    out: ConvertedFeatures,
    geometry: QgsGeometry,
    transform: QgsCoordinateTransform | None,
    label: Label,
) -> None:
    try:
        data = geometry_to_geojson(geometry, transform)
    except QgsCsException:
        out.not_reprojectable += 1
        return
    if data is None:
        out.empty_geometries += 1
        return
    out.geometries.append(data)
    out.labels.append(label)
    box = _bbox(data["coordinates"])
    if out.bounds is None:
        out.bounds = box
    else:
        a = out.bounds
        out.bounds = (min(a[0], box[0]), min(a[1], box[1]), max(a[2], box[2]), max(a[3], box[3]))


def _bbox(coords: Any) -> Tuple[float, float, float, float]:
    xs: List[float] = []
    ys: List[float] = []
    for x, y in _points(coords):
        xs.append(x)
        ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def _points(coords: Any) -> Iterable[Tuple[float, float]]:
    if coords and isinstance(coords[0], (int, float)):
        yield float(coords[0]), float(coords[1])
        return
    for part in coords:
        yield from _points(part)


def overlaps(
    bounds: Tuple[float, float, float, float] | None, raster_extent: QgsRectangle
) -> bool:
    """True when ``bounds`` (features, raster CRS) touch the raster (points on an edge count)."""
    if bounds is None:
        return False
    xmin, ymin, xmax, ymax = bounds
    return (
        xmin <= raster_extent.xMaximum()
        and xmax >= raster_extent.xMinimum()
        and ymin <= raster_extent.yMaximum()
        and ymax >= raster_extent.yMinimum()
    )
