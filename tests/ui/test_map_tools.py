"""Map tools driven by synthetic mouse/key events: right geometry, right CRS, Esc cancels."""

from __future__ import annotations

import pytest
from metamapper.ui.map_tools import POINT, POLYGON, RECTANGLE, PickSampleTool, RegionMapTool
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsGeometry,
    QgsPointXY,
    QgsRectangle,
    QgsWkbTypes,
)
from qgis.gui import QgsMapMouseEvent
from qgis.PyQt.QtCore import QEvent, QPoint, Qt
from qgis.PyQt.QtGui import QKeyEvent

UTM = "EPSG:32633"


@pytest.fixture
def canvas(qgis_canvas):
    qgis_canvas.setDestinationCrs(QgsCoordinateReferenceSystem(UTM))
    qgis_canvas.setExtent(QgsRectangle(500_000, 4_790_000, 510_000, 4_800_000))
    qgis_canvas.refresh()
    return qgis_canvas


def mouse(canvas, kind, x, y, button=Qt.MouseButton.LeftButton):
    types = {"press": QEvent.Type.MouseButtonPress, "move": QEvent.Type.MouseMove,
             "release": QEvent.Type.MouseButtonRelease}
    buttons = Qt.MouseButton.NoButton if kind == "move" else button
    return QgsMapMouseEvent(canvas, types[kind], QPoint(x, y), button, buttons,
                            Qt.KeyboardModifier.NoModifier)


def to_map(canvas, x, y) -> QgsPointXY:
    return canvas.getCoordinateTransform().toMapCoordinates(x, y)


def collect(tool):
    got = []
    tool.drawn.connect(lambda g: got.append(QgsGeometry(g)))
    return got


def test_rectangle_drag_gives_the_rectangle_in_canvas_crs(canvas):
    tool = RegionMapTool(canvas, RECTANGLE)
    canvas.setMapTool(tool)
    got = collect(tool)
    tool.canvasPressEvent(mouse(canvas, "press", 50, 60))
    tool.canvasMoveEvent(mouse(canvas, "move", 120, 100))
    assert tool.band.asGeometry().area() > 0  # rubber band shown while dragging
    tool.canvasMoveEvent(mouse(canvas, "move", 200, 160))
    tool.canvasReleaseEvent(mouse(canvas, "release", 200, 160))

    assert len(got) == 1
    expected = QgsRectangle(to_map(canvas, 50, 60), to_map(canvas, 200, 160))
    assert got[0].boundingBox().toString(2) == expected.toString(2)
    assert got[0].area() == pytest.approx(expected.area())
    assert 500_000 < expected.xMinimum() < 510_000  # projected metres, not degrees
    assert tool.crs.authid() == UTM
    assert tool.band.asGeometry().area() == pytest.approx(expected.area())  # stays after
    tool.remove_band()


def test_polygon_clicks_right_click_finishes(canvas):
    tool = RegionMapTool(canvas, POLYGON)
    got = collect(tool)
    pixels = [(100, 100), (300, 120), (250, 300)]
    for x, y in pixels:
        tool.canvasPressEvent(mouse(canvas, "press", x, y))
        tool.canvasReleaseEvent(mouse(canvas, "release", x, y))
    tool.canvasMoveEvent(mouse(canvas, "move", 150, 250))
    assert tool.is_drawing()
    tool.canvasReleaseEvent(mouse(canvas, "release", 150, 250, Qt.MouseButton.RightButton))

    assert len(got) == 1
    ring = got[0].asPolygon()[0]
    assert len(ring) == 4  # closed triangle; the right click adds no vertex
    for vertex, (x, y) in zip(ring, pixels):
        expected = to_map(canvas, x, y)
        assert vertex.x() == pytest.approx(expected.x())
        assert vertex.y() == pytest.approx(expected.y())
    assert not tool.is_drawing()
    assert tool.band.asGeometry().area() == pytest.approx(got[0].area())  # band stays
    tool.remove_band()


def test_escape_cancels_and_too_few_vertices_is_no_region(canvas):
    tool = RegionMapTool(canvas, POLYGON)
    got = collect(tool)
    cancelled = []
    tool.cancelled.connect(lambda: cancelled.append(True))
    for x, y in [(10, 10), (200, 20), (150, 200)]:
        tool.canvasReleaseEvent(mouse(canvas, "release", x, y))
    tool.keyPressEvent(QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape,
                                 Qt.KeyboardModifier.NoModifier))
    assert got == [] and cancelled == [True]
    assert tool.band.asGeometry().isEmpty()
    # two vertices then right click: not a polygon
    for x, y in [(10, 10), (200, 20)]:
        tool.canvasReleaseEvent(mouse(canvas, "release", x, y))
    tool.canvasReleaseEvent(mouse(canvas, "release", 200, 20, Qt.MouseButton.RightButton))
    assert got == [] and len(cancelled) == 2
    # a click without drag is not a rectangle
    tool.set_mode(RECTANGLE)
    tool.canvasPressEvent(mouse(canvas, "press", 30, 30))
    tool.canvasReleaseEvent(mouse(canvas, "release", 30, 30))
    assert got == []
    tool.remove_band()


def test_geometry_follows_the_canvas_crs(canvas):
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    canvas.setExtent(QgsRectangle(14.0, 43.0, 15.0, 44.0))
    canvas.refresh()
    tool = RegionMapTool(canvas, RECTANGLE)
    got = collect(tool)
    tool.canvasPressEvent(mouse(canvas, "press", 10, 10))
    tool.canvasReleaseEvent(mouse(canvas, "release", 100, 100))
    assert tool.crs.authid() == "EPSG:4326"
    box = got[0].boundingBox()
    expected = QgsRectangle(to_map(canvas, 10, 10), to_map(canvas, 100, 100))
    assert box.toString(6) == expected.toString(6)
    assert -180 < box.xMinimum() < 180 and -90 < box.yMinimum() < 90  # degrees
    tool.remove_band()


def test_pick_tool_points_and_polygons(canvas):
    tool = PickSampleTool(canvas, POINT)
    got = collect(tool)
    tool.canvasPressEvent(mouse(canvas, "press", 40, 50))
    tool.canvasReleaseEvent(mouse(canvas, "release", 40, 50))
    tool.canvasReleaseEvent(mouse(canvas, "release", 40, 50, Qt.MouseButton.RightButton))  # ignored
    assert len(got) == 1 and got[0].type() == QgsWkbTypes.GeometryType.PointGeometry
    expected = to_map(canvas, 40, 50)
    assert got[0].asPoint().x() == pytest.approx(expected.x())
    assert got[0].asPoint().y() == pytest.approx(expected.y())
    assert tool.crs.authid() == UTM

    tool.set_mode(POLYGON)
    for x, y in [(10, 10), (30, 10), (30, 30), (10, 30)]:
        tool.canvasReleaseEvent(mouse(canvas, "release", x, y))
    tool.canvasReleaseEvent(mouse(canvas, "release", 0, 0, Qt.MouseButton.RightButton))
    assert len(got) == 2 and got[1].type() == QgsWkbTypes.GeometryType.PolygonGeometry
    assert tool.band.asGeometry().isEmpty()  # samples are drawn by their layer, not the band
    tool.remove_band()
