"""Map tools: draw the target region (rectangle or polygon) and pick samples on the canvas.

Geometries are emitted in the canvas CRS (``tool.crs`` says which, read when the drawing
finishes): the Processing algorithm reprojects the region and the samples to the raster's
CRS itself. Conventions follow QGIS's own digitising tools: left click adds, right click
finishes, Esc cancels; a rubber band shows the shape while drawing and stays afterwards
(until ``clear()``), so the analyst sees what will be mapped.
"""

from __future__ import annotations

from typing import List

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsGeometry,
    QgsPointXY,
    QgsRectangle,
    QgsWkbTypes,
)
from qgis.gui import QgsMapTool, QgsRubberBand
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor

RECTANGLE = "rectangle"
POLYGON = "polygon"
POINT = "point"

REGION_STROKE = QColor(255, 0, 153)
REGION_FILL = QColor(255, 0, 153, 40)


def _new_band(canvas, stroke: QColor, fill: QColor) -> QgsRubberBand:
    band = QgsRubberBand(canvas, QgsWkbTypes.GeometryType.PolygonGeometry)
    band.setStrokeColor(stroke)
    band.setFillColor(fill)
    band.setWidth(2)
    return band


class _ShapeTool(QgsMapTool):
    """Rectangle (press-drag-release) or polygon (clicks, right click ends) drawing."""

    drawn = pyqtSignal(QgsGeometry)
    cancelled = pyqtSignal()

    def __init__(self, canvas, mode: str = POLYGON, stroke: QColor = REGION_STROKE,
                 fill: QColor = REGION_FILL, keep_band: bool = True) -> None:
        super().__init__(canvas)
        self._canvas = canvas
        self.mode = mode
        self.keep_band = keep_band
        self.crs: QgsCoordinateReferenceSystem = QgsCoordinateReferenceSystem()
        self.band = _new_band(canvas, stroke, fill)
        self._fill = QColor(fill)
        self._vertices: List[QgsPointXY] = []
        self._start: QgsPointXY | None = None
        self._drawing = False
        self.setCursor(Qt.CursorShape.CrossCursor)

    # ------------------------------------------------------------------ state
    def is_drawing(self) -> bool:
        return self._drawing

    def set_mode(self, mode: str) -> None:
        self._abort()
        self.mode = mode

    def clear(self) -> None:
        """Forget any drawing and hide the rubber band."""
        self._abort()
        self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)

    def remove_band(self) -> None:
        """Take the rubber band off the canvas for good (plugin unload)."""
        self.clear()
        scene = self.band.scene()
        if scene is not None:
            scene.removeItem(self.band)
        self.band = None  # type: ignore[assignment]

    def _abort(self) -> None:
        self._vertices = []
        self._start = None
        self._drawing = False

    # ------------------------------------------------------------------ events
    def canvasPressEvent(self, event) -> None:  # noqa: N802 (QGIS API)
        if self.mode == RECTANGLE and event.button() == Qt.MouseButton.LeftButton:
            self._start = event.mapPoint()
            self._drawing = True
            self._show_rectangle(self._start, self._start)

    def canvasMoveEvent(self, event) -> None:  # noqa: N802
        if not self._drawing:
            return
        point = event.mapPoint()
        if self.mode == RECTANGLE and self._start is not None:
            self._show_rectangle(self._start, point)
        elif self.mode == POLYGON:
            self._show_polygon(self._vertices + [point])

    def canvasReleaseEvent(self, event) -> None:  # noqa: N802
        point = event.mapPoint()
        if self.mode == RECTANGLE:
            if event.button() != Qt.MouseButton.LeftButton or self._start is None:
                return
            rect = QgsRectangle(self._start, point)
            self._start = None
            self._drawing = False
            if rect.width() <= 0 or rect.height() <= 0:
                self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
                self.cancelled.emit()
                return
            self._finish(QgsGeometry.fromRect(rect))
        elif self.mode == POLYGON:
            if event.button() == Qt.MouseButton.LeftButton:
                self._vertices.append(QgsPointXY(point))
                self._drawing = True
                self._show_polygon(self._vertices)
            elif event.button() == Qt.MouseButton.RightButton:
                self._finish_polygon()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.clear()
            self.cancelled.emit()
            event.accept()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.mode == POLYGON:
            self._finish_polygon()
            event.accept()
        elif event.key() == Qt.Key.Key_Backspace and self._vertices:
            self._vertices.pop()
            self._show_polygon(self._vertices)
            event.accept()
        else:
            event.ignore()

    def deactivate(self) -> None:
        if self._drawing:  # a half-drawn shape is not a region
            self.clear()
        super().deactivate()

    # ------------------------------------------------------------------ drawing
    def _show_rectangle(self, a: QgsPointXY, b: QgsPointXY) -> None:
        self.band.setFillColor(self._fill)
        self.band.setToGeometry(QgsGeometry.fromRect(QgsRectangle(a, b)), None)

    def _show_polygon(self, points: List[QgsPointXY]) -> None:
        self.band.setFillColor(self._fill)
        self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
        for i, p in enumerate(points):
            self.band.addPoint(p, i == len(points) - 1)

    def _finish_polygon(self) -> None:
        vertices = self._vertices
        self._abort()
        geometry = QgsGeometry.fromPolygonXY([vertices]) if len(vertices) >= 3 else None
        if geometry is None or geometry.isEmpty() or geometry.area() <= 0:
            self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
            self.cancelled.emit()
            return
        if not geometry.isGeosValid():
            fixed = geometry.makeValid()
            geometry = fixed if not fixed.isEmpty() else geometry
        self._finish(geometry)

    def _finish(self, geometry: QgsGeometry) -> None:
        self.crs = self._canvas.mapSettings().destinationCrs()
        if self.keep_band:
            # outline only once drawn: a tint would falsify the colours of the class map
            self.band.setFillColor(QColor(0, 0, 0, 0))
            self.band.setToGeometry(geometry, None)
        else:
            self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
        self.drawn.emit(geometry)


class RegionMapTool(_ShapeTool):
    """Draws the target region; the rubber band stays on the canvas after drawing."""

    def __init__(self, canvas, mode: str = RECTANGLE) -> None:
        super().__init__(canvas, mode, keep_band=True)


class PickSampleTool(_ShapeTool):
    """Pick-on-map: a left click drops a point sample (point mode), or draw a small polygon
    (polygon mode). Emits ``drawn`` with the geometry in the canvas CRS."""

    def __init__(self, canvas, mode: str = POINT) -> None:
        super().__init__(canvas, POLYGON if mode == POLYGON else POINT,
                         stroke=QColor(0, 120, 255), fill=QColor(0, 120, 255, 50),
                         keep_band=False)

    def canvasReleaseEvent(self, event) -> None:  # noqa: N802
        if self.mode == POINT:
            if event.button() == Qt.MouseButton.LeftButton:
                self._finish(QgsGeometry.fromPointXY(QgsPointXY(event.mapPoint())))
            return
        super().canvasReleaseEvent(event)

    def _finish(self, geometry: QgsGeometry) -> None:
        self.crs = self._canvas.mapSettings().destinationCrs()
        self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
        self.drawn.emit(geometry)
