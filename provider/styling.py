"""Styling of the outputs once QGIS loads them: class map and confidence layer.

Styling touches map layers, so it must run on the main thread. The algorithm only records
*what* to draw (codes, names, colours: plain Python data, computed in the worker) and hands
QGIS a :class:`QgsProcessingLayerPostProcessorInterface`, which QGIS calls on the main
thread after it has loaded the output (the pattern of QGIS's own algorithms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsColorRampShader,
    QgsGradientColorRamp,
    QgsGradientStop,
    QgsMapLayer,
    QgsPalettedRasterRenderer,
    QgsProcessingLayerPostProcessorInterface,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

from ..core.palettes import QUALITATIVE_PALETTE  # noqa: F401  (re-exported)

RGB = Tuple[int, int, int]

#: Confidence ramp: low = dark purple, high = yellow (viridis end points and middle).
CONFIDENCE_STOPS: Tuple[Tuple[float, RGB], ...] = (
    (0.0, (68, 1, 84)), (0.25, (59, 82, 139)), (0.5, (33, 145, 140)),
    (0.75, (94, 201, 98)), (1.0, (253, 231, 37)),
)


@dataclass(frozen=True)
class ClassStyle:
    """One class of the class map: raster value, name shown in the legend, colour."""

    code: int
    name: str
    color: RGB


def categorized_colors(layer: QgsMapLayer | None, class_field: str) -> Dict[str, Tuple[RGB, str]]:
    """Colours (and legend labels) of a categorized renderer on ``class_field``, by class name.

    Returns {} when the layer is not drawn by categories of that very field, so unrelated
    colours are never borrowed. Must be called on the main thread (reads the renderer).
    """
    if not isinstance(layer, QgsVectorLayer):
        return {}
    renderer = layer.renderer()
    if not isinstance(renderer, QgsCategorizedSymbolRenderer):
        return {}
    attribute = renderer.classAttribute().strip().strip('"')
    if attribute != class_field:
        return {}
    colors: Dict[str, Tuple[RGB, str]] = {}
    for category in renderer.categories():
        value = category.value()
        if value is None or str(value) == "" or category.symbol() is None:
            continue
        name = _class_name(value)
        c = category.symbol().color()
        colors[name] = ((c.red(), c.green(), c.blue()), category.label() or name)
    return colors


def _class_name(value: object) -> str:
    """The name the engine gives a label (integers as '3', not '3.0')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def class_styles(
    classes: Sequence[str],
    codes: Sequence[int],
    colors: Dict[str, Tuple[RGB, str]] | None = None,
) -> List[ClassStyle]:
    """Pair every class with its colour: the training layer's when known, else the palette.

    Palette colours already used by the training layer are skipped, so two classes never
    share a colour.
    """
    colors = colors or {}
    taken = {rgb for rgb, _ in colors.values()}
    free = [c for c in QUALITATIVE_PALETTE if c not in taken] or list(QUALITATIVE_PALETTE)
    styles: List[ClassStyle] = []
    next_free = 0
    for name, code in zip(classes, codes):
        if name in colors:
            rgb, label = colors[name]
        else:
            rgb, label = free[next_free % len(free)], name
            next_free += 1
        styles.append(ClassStyle(int(code), label, tuple(int(v) for v in rgb)))  # type: ignore[arg-type]
    return styles


def apply_class_renderer(layer: QgsRasterLayer, styles: Sequence[ClassStyle]) -> None:
    """A paletted renderer on band 1 with one legend entry per class (0 stays transparent)."""
    entries = [
        QgsPalettedRasterRenderer.Class(s.code, QColor(*s.color), s.name) for s in styles
    ]
    renderer = QgsPalettedRasterRenderer(layer.dataProvider(), 1, entries)
    layer.setRenderer(renderer)
    layer.triggerRepaint()


def apply_confidence_renderer(layer: QgsRasterLayer) -> None:
    """A continuous ramp over the fixed range 0..1 (comparable between runs)."""
    first, last = CONFIDENCE_STOPS[0][1], CONFIDENCE_STOPS[-1][1]
    ramp = QgsGradientColorRamp(
        QColor(*first), QColor(*last), False,
        [QgsGradientStop(pos, QColor(*rgb)) for pos, rgb in CONFIDENCE_STOPS[1:-1]],
    )
    color_shader = QgsColorRampShader(0.0, 1.0, ramp, QgsColorRampShader.Type.Interpolated)
    color_shader.setColorRampItemList(
        [
            QgsColorRampShader.ColorRampItem(pos, QColor(*rgb), f"{pos:.2f}")
            for pos, rgb in CONFIDENCE_STOPS
        ]
    )
    color_shader.setClip(True)
    shader = QgsRasterShader(0.0, 1.0)
    shader.setRasterShaderFunction(color_shader)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(0.0)
    renderer.setClassificationMax(1.0)
    layer.setRenderer(renderer)
    layer.triggerRepaint()


#: Post-processors by output path. QGIS takes the C++ side, but the algorithm instance that
#: made them is deleted right after the run (QgsProcessingAlgorithm.run works on a clone), and
#: a Python subclass whose Python object is collected silently loses its postProcessLayer.
#: Holding them here (bounded: the latest per path, at most _KEEP) keeps them callable.
_ALIVE: Dict[str, QgsProcessingLayerPostProcessorInterface] = {}
_KEEP = 64


def keep_alive(path: str, processor: QgsProcessingLayerPostProcessorInterface):
    """Keep ``processor`` referenced until later runs push it out; return it."""
    _ALIVE.pop(path, None)
    _ALIVE[path] = processor
    while len(_ALIVE) > _KEEP:
        _ALIVE.pop(next(iter(_ALIVE)))
    return processor


class ClassMapPostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Styles the loaded class map (called by QGIS on the main thread)."""

    def __init__(self, styles: Sequence[ClassStyle]) -> None:
        super().__init__()
        self.styles = list(styles)

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        if isinstance(layer, QgsRasterLayer) and layer.isValid():
            apply_class_renderer(layer, self.styles)


class ConfidencePostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Styles the loaded confidence layer (called by QGIS on the main thread)."""

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        if isinstance(layer, QgsRasterLayer) and layer.isValid():
            apply_confidence_renderer(layer)


def style_when_loaded(context, styles: Sequence[ClassStyle], class_path: str | None,
                      confidence_path: str | None) -> None:
    """Hand QGIS the class map's and confidence's stylers, for when (and if) it loads them
    (``postProcessAlgorithm``: main thread)."""
    for path, make in ((class_path, lambda: ClassMapPostProcessor(styles)),
                       (confidence_path, ConfidencePostProcessor)):
        if path and context.willLoadLayerOnCompletion(path):
            processor = keep_alive(path, make())
            context.layerToLoadOnCompletionDetails(path).setPostProcessor(processor)


def progress_reporter(feedback):
    """The engine's ``progress(fraction, message)`` onto a Processing feedback: the bar and
    the text under it (which the log keeps)."""
    from ..translation import tr_message

    def progress(fraction: float, message: str = "") -> None:
        feedback.setProgress(max(0.0, min(100.0, 100.0 * float(fraction))))
        if message:
            feedback.setProgressText(tr_message(message))

    return progress
