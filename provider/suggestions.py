"""The "label here next" output of the algorithm: point features and their numbered markers.

The engine returns the suggestions (``core.predicting.suggest.Suggestion``, class indices);
here they
become features of the ``OUTPUT_SUGGESTIONS`` sink with the class names, and, once QGIS
loads that layer, a post-processor (main thread) draws them as numbered markers: a white
disc with a magenta ring and the rank in it, so "1" is where the next label helps most.
"""

from __future__ import annotations

from typing import Any, Sequence

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsFields,
    QgsGeometry,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsPointXY,
    QgsProcessingLayerPostProcessorInterface,
    QgsSingleSymbolRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor, QFont

from ..qt_compat import new_field

FIELD_NAMES = ("rank", "class_1", "prob_1", "class_2", "prob_2")
RING = QColor(231, 41, 138)  # magenta: stands out on class maps of any palette


def suggestion_fields() -> QgsFields:
    """rank, the most likely class and its probability, the runner-up and its probability."""
    fields = QgsFields()
    fields.append(new_field("rank", "int"))
    fields.append(new_field("class_1", "string", 120))
    fields.append(new_field("prob_1", "double"))
    fields.append(new_field("class_2", "string", 120))
    fields.append(new_field("prob_2", "double"))
    return fields


def suggestion_features(suggestions: Sequence[Any], classes: Sequence[str]) -> list:
    """QgsFeatures (raster CRS points) of the engine's suggestions, best first."""
    fields = suggestion_fields()
    out = []
    for s in suggestions:
        feature = QgsFeature(fields)
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(float(s.x), float(s.y))))
        feature.setAttributes([
            int(s.rank), str(classes[s.class_1]), round(float(s.prob_1), 4),
            str(classes[s.class_2]) if s.class_2 != s.class_1 else "",
            round(float(s.prob_2), 4),
        ])  # fmt: skip
        out.append(feature)
    return out


def write_suggestions(sink: QgsFeatureSink, suggestions: Sequence[Any],
                      classes: Sequence[str]) -> int:
    """Add the suggestions to ``sink``; returns how many were written."""
    features = suggestion_features(suggestions, classes)
    if features:
        sink.addFeatures(features, QgsFeatureSink.Flag.FastInsert)
    return len(features)


def apply_suggestion_style(layer: QgsVectorLayer) -> None:
    """Numbered markers: a white disc, magenta ring, the rank written in it."""
    symbol = QgsMarkerSymbol.createSimple({
        "name": "circle", "color": "255,255,255,230", "outline_color": "231,41,138,255",
        "outline_width": "0.8", "size": "6",
    })  # fmt: skip
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    settings = QgsPalLayerSettings()
    settings.fieldName = "rank"
    settings.placement = QgsPalLayerSettings.Placement.OverPoint
    text = QgsTextFormat()
    font = QFont()
    font.setBold(True)
    text.setFont(font)
    text.setSize(9)
    text.setSizeUnit(QgsUnitTypes.RenderUnit.RenderPoints)
    text.setColor(QColor(RING).darker(160))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(False)
    text.setBuffer(buffer)
    settings.setFormat(text)
    settings.priority = 10
    settings.displayAll = True  # every suggestion numbered, even when markers are close
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)
    layer.triggerRepaint()


class SuggestionsPostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Styles the loaded suggestions layer (called by QGIS on the main thread)."""

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        if isinstance(layer, QgsVectorLayer) and layer.isValid():
            apply_suggestion_style(layer)
