"""The scratch "MetaMapper samples" layer that pick-on-map fills.

A memory layer with one text field ``class``, drawn with a categorized style (one colour per
class, kept stable as classes are added), so the class map later reuses the same colours
(the provider reads the training layer's categories). It is an ordinary layer: the analyst
can edit it, or save it with Export > Save Features As.
"""

from __future__ import annotations

from typing import List

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsGeometry,
    QgsProject,
    QgsRendererCategory,
    QgsSymbol,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtGui import QColor

from ..core.palettes import QUALITATIVE_PALETTE
from ..translation import translator

tr = translator("SamplesLayer")

CLASS_FIELD = "class"
ROLE_PROPERTY = "metamapper/samples"


def layer_name(kind: str) -> str:
    """The samples layer's name for 'Point' or 'Polygon', in the user's language."""
    return tr("MetaMapper samples") if kind == "Point" else tr("MetaMapper samples (polygons)")


def find_samples_layer(project: QgsProject, kind: str) -> QgsVectorLayer | None:
    """The project's samples layer of that geometry kind ('Point' or 'Polygon'), if any."""
    for layer in project.mapLayers().values():
        if isinstance(layer, QgsVectorLayer) and layer.customProperty(ROLE_PROPERTY) == kind:
            return layer
    return None


def samples_layer(project: QgsProject, kind: str,
                  crs: QgsCoordinateReferenceSystem) -> QgsVectorLayer:
    """Find or create (and add to the project) the samples layer of that kind."""
    layer = find_samples_layer(project, kind)
    if layer is not None:
        return layer
    uri = f"{kind}?crs={crs.authid() or 'EPSG:4326'}&field={CLASS_FIELD}:string(120)"
    if not crs.authid():
        uri = f"{kind}?field={CLASS_FIELD}:string(120)"
    layer = QgsVectorLayer(uri, layer_name(kind), "memory")
    if not crs.authid():
        layer.setCrs(crs)
    layer.setCustomProperty(ROLE_PROPERTY, kind)
    update_style(layer)
    project.addMapLayer(layer)
    return layer


def add_sample(layer: QgsVectorLayer, geometry: QgsGeometry,
               geometry_crs: QgsCoordinateReferenceSystem, class_name: str,
               project: QgsProject | None = None) -> QgsFeature:
    """Store one labelled geometry (reprojected to the layer's CRS) and refresh the style."""
    geometry = QgsGeometry(geometry)
    if geometry_crs.isValid() and layer.crs().isValid() and geometry_crs != layer.crs():
        transform = QgsCoordinateTransform(geometry_crs, layer.crs(),
                                           project or QgsProject.instance())
        geometry.transform(transform)
    feature = QgsFeature(layer.fields())
    feature.setGeometry(geometry)
    feature[CLASS_FIELD] = class_name
    if layer.isEditable():
        layer.addFeature(feature)
    else:
        ok, added = layer.dataProvider().addFeatures([feature])
        if not ok:
            raise RuntimeError(
                tr("Could not add the sample to '{layer}'.").format(layer=layer.name()))
        feature = added[0]
        layer.updateExtents()
    update_style(layer)
    return feature


def class_values(layer: QgsVectorLayer, field: str = CLASS_FIELD) -> List[str]:
    """Distinct non-empty class values of ``field``, sorted as text."""
    index = layer.fields().lookupField(field)
    if index < 0:
        return []
    values = {str(v).strip() for v in layer.uniqueValues(index)
              if v is not None and str(v).strip() and str(v) != "NULL"}
    return sorted(values)


def update_style(layer: QgsVectorLayer) -> None:
    """Categorized renderer on ``class``: existing colours kept, new classes get the next
    free colour of the provider's qualitative palette (the class map uses the same)."""
    geometry_type = QgsWkbTypes.geometryType(layer.wkbType())
    old = layer.renderer()
    colors = {}
    if isinstance(old, QgsCategorizedSymbolRenderer):
        colors = {str(c.value()): c.symbol().color() for c in old.categories() if c.symbol()}
    taken = {(c.red(), c.green(), c.blue()) for c in colors.values()}
    free = [QColor(*rgb) for rgb in QUALITATIVE_PALETTE if rgb not in taken]
    categories = []
    for name in class_values(layer):
        color = colors.get(name)
        if color is None:
            fallback = QUALITATIVE_PALETTE[len(categories) % len(QUALITATIVE_PALETTE)]
            color = free.pop(0) if free else QColor(*fallback)
        symbol = QgsSymbol.defaultSymbol(geometry_type)
        symbol.setColor(color)
        if geometry_type == QgsWkbTypes.GeometryType.PointGeometry:
            symbol.setSize(3.0)
        elif geometry_type == QgsWkbTypes.GeometryType.PolygonGeometry:
            symbol.setOpacity(0.8)
        categories.append(QgsRendererCategory(name, symbol, name))
    layer.setRenderer(QgsCategorizedSymbolRenderer(CLASS_FIELD, categories))
    layer.triggerRepaint()
