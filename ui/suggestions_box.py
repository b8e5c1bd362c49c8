"""The panel's "Suggest where to label next" box: the suggestions of the last run, on the map
and as a short list.

Every panel run asks the algorithm for ``OUTPUT_SUGGESTIONS`` (cheap: computed in the same
prediction pass). After the run the box holds that layer; the "Suggest where to label next"
button shows it (numbered markers) and the list. Selecting a list entry (mouse or arrow
keys) pans the map there, Enter or a double click zooms in; "Add label" stores a point with
the chosen class through the panel's pick-on-map storage (``labelRequested``), or the
analyst clicks the spot with the pick-on-map tool. Then Run again. Nothing here runs a
computation: the box only shows what the background task produced.
"""

from __future__ import annotations

import contextlib
from typing import Callable, List, Tuple

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureRequest,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..translation import translator
from . import samples_layer as samples

tr = translator("SuggestionsBox")

ROLE_PROPERTY = "metamapper/suggestions"
ZOOM_PIXELS = 60  # Enter / double click: a view this many raster pixels wide


def entry_text(rank: int, class_1: str, prob_1: float, class_2: str, prob_2: float) -> str:
    """One list line: '3. forest 48% or grassland 41%'."""
    text = tr("{rank}. {class_1} {percent:.0f}%").format(rank=rank, class_1=class_1,
                                                         percent=100 * prob_1)
    if class_2:
        text += tr(" or {class_2} {percent:.0f}%").format(class_2=class_2, percent=100 * prob_2)
    return text


def labels_kind(layer: QgsVectorLayer | None) -> str:
    """'Polygon' for a polygon training layer, else 'Point' (the samples layer kinds)."""
    if layer is not None and (QgsWkbTypes.geometryType(layer.wkbType())
                              == QgsWkbTypes.GeometryType.PolygonGeometry):
        return "Polygon"
    return "Point"


def label_geometry(point: QgsGeometry, kind: str, pixel: Tuple[float, float]) -> QgsGeometry:
    """The suggested pixel as the analyst's label: the point itself, or for polygon labels a
    square just inside that pixel (it holds exactly its centre), in the suggestion's CRS."""
    if kind != "Polygon" or pixel[0] <= 0 or pixel[1] <= 0:
        return QgsGeometry(point)
    p = point.asPoint()
    hx, hy = 0.45 * pixel[0], 0.45 * pixel[1]
    return QgsGeometry.fromRect(QgsRectangle(p.x() - hx, p.y() - hy, p.x() + hx, p.y() + hy))


def keep_labels_with_samples(project: QgsProject, training: QgsVectorLayer | None,
                             field: str, selected_only: bool,
                             crs: QgsCoordinateReferenceSystem) -> None:
    """Before the first label added from a suggestion: copy the current labels (and their
    category colours) into the empty samples layer of their kind. The samples layer then
    becomes the run's input, and the next run still has every earlier label."""
    if training is None or training.customProperty(samples.ROLE_PROPERTY):
        return
    index = training.fields().lookupField(field)
    if index < 0:
        return
    layer = samples.samples_layer(project, labels_kind(training), crs)
    if layer.featureCount() > 0:
        return
    renderer = training.renderer()
    if isinstance(renderer, QgsCategorizedSymbolRenderer):
        colours = renderer.clone()  # same colours for the same classes (class map too)
        colours.setClassAttribute(samples.CLASS_FIELD)
        layer.setRenderer(colours)
    request = QgsFeatureRequest().setSubsetOfAttributes([index])
    source = (training.getSelectedFeatures(request) if selected_only
              else training.getFeatures(request))
    to_layer = QgsCoordinateTransform(training.crs(), layer.crs(), project)
    copies = []
    for feature in source:
        value = feature.attribute(index)
        name = str(int(value)) if isinstance(value, float) and value.is_integer() else (
            "" if value is None else str(value).strip())
        if not name or name == "NULL" or not feature.hasGeometry():
            continue
        geometry = QgsGeometry(feature.geometry())
        geometry.transform(to_layer)
        copy = QgsFeature(layer.fields())
        copy.setGeometry(geometry)
        copy[samples.CLASS_FIELD] = name
        copies.append(copy)
    if copies:
        layer.dataProvider().addFeatures(copies)
        layer.updateExtents()
    samples.update_style(layer)


class SuggestionsBox(QGroupBox):
    """Count for the next run; after it, the suggestions on the map and in a list."""

    labelRequested = pyqtSignal(QgsGeometry, QgsCoordinateReferenceSystem, str)  # noqa: N815

    def __init__(self, canvas, project: QgsProject | None = None,
                 pixel_size: Callable[[], float] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(tr("Where to label next"), parent)
        self.canvas = canvas
        self.project = project or QgsProject.instance()
        self.pixel_size = pixel_size or (lambda: 0.0)
        self.layer: QgsVectorLayer | None = None
        layout = QVBoxLayout(self)

        row = QHBoxLayout()
        self.show_button = QPushButton(tr("Suggest where to label next"))
        self.show_button.setCheckable(True)
        self.show_button.setEnabled(False)
        self.show_button.setToolTip(
            tr("After a run: the places where one more label should improve the map most "
            "(the model hesitates there between two classes over a whole patch)"))
        self.count_spin = QSpinBox()
        self.count_spin.setRange(0, 100)
        self.count_spin.setValue(10)
        self.count_spin.setToolTip(tr("How many places each run suggests (0 = none)"))
        row.addWidget(self.show_button, 1)
        row.addWidget(self.count_spin)
        layout.addLayout(row)

        self.list = QListWidget()
        self.list.setObjectName("suggestionsList")
        self.list.setMaximumHeight(160)
        self.list.setToolTip(tr("Arrow keys or click: pan there; Enter or double click: zoom in"))
        layout.addWidget(self.list)
        label_row = QHBoxLayout()
        self.class_combo = QComboBox()
        self.class_combo.setEditable(True)
        self.class_combo.setToolTip(tr("Class of the label to add at the selected place"))
        self.add_button = QPushButton(tr("&Add label"))
        self.add_button.setToolTip(tr("Store a labelled point at the selected place "
                                   "(in the 'MetaMapper samples' layer), then Run again"))
        label_row.addWidget(QLabel(tr("Label as")))
        label_row.addWidget(self.class_combo, 1)
        label_row.addWidget(self.add_button)
        layout.addLayout(label_row)
        self.status = QLabel(tr("Run a classification to get suggestions."))
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        self.show_button.toggled.connect(self.set_shown)
        self.list.currentRowChanged.connect(self._on_row_changed)
        self.list.itemActivated.connect(lambda _item: self.zoom_to_current())
        self.add_button.clicked.connect(self.add_label)
        self.known_classes: List[str] = []
        self.set_shown(False)

    # ------------------------------------------------------------------ run parameters
    def count(self) -> int:
        return int(self.count_spin.value())

    # ------------------------------------------------------------------ results
    def set_layer(self, layer: QgsVectorLayer | None, classes: List[str] | None = None) -> None:
        """Take the suggestions layer of a finished run (replacing the previous one)."""
        old = self.layer
        self.layer = layer
        if old is not None and old is not layer:
            with contextlib.suppress(RuntimeError):  # deleted with its project
                if self.project.mapLayer(old.id()) is not None:
                    self.project.removeMapLayer(old.id())
        self.known_classes = list(classes or [])
        self.list.clear()
        if layer is not None and layer.isValid():
            layer.setCustomProperty(ROLE_PROPERTY, True)
            for feature in sorted(layer.getFeatures(), key=lambda f: f["rank"]):
                item = QListWidgetItem(entry_text(
                    int(feature["rank"]), str(feature["class_1"] or ""),
                    float(feature["prob_1"] or 0), str(feature["class_2"] or ""),
                    float(feature["prob_2"] or 0)))  # fmt: skip
                item.setData(Qt.ItemDataRole.UserRole, feature.id())
                self.list.addItem(item)
        n = self.list.count()
        self.show_button.setEnabled(n > 0)
        self.status.setText(
            tr("{n} place(s) to label next: select one, add its label, Run again.").format(n=n)
            if n else
            tr("No suggestion from the last run (switched off, or no valid place left)."))
        self.set_shown(self.show_button.isChecked())

    def set_shown(self, shown: bool) -> None:
        """Show or hide the suggestions layer and the list together."""
        for widget in (self.list, self.class_combo, self.add_button):
            widget.setVisible(shown)
        if self.layer is not None:
            with contextlib.suppress(RuntimeError):
                node = self.project.layerTreeRoot().findLayer(self.layer.id())
                if node is not None:
                    node.setItemVisibilityChecked(shown)
        if shown and self.list.count() and self.list.currentRow() < 0:
            self.list.setCurrentRow(0)

    # ------------------------------------------------------------------ navigation
    def current_point(self) -> QgsPointXY | None:
        """The selected suggestion in the layer's CRS."""
        item = self.list.currentItem()
        if item is None or self.layer is None:
            return None
        feature = self.layer.getFeature(int(item.data(Qt.ItemDataRole.UserRole)))
        if not feature.isValid() or feature.geometry().isEmpty():
            return None
        return feature.geometry().asPoint()

    def _to_canvas(self) -> QgsCoordinateTransform:
        return QgsCoordinateTransform(self.layer.crs(), self.canvas.mapSettings().destinationCrs(),
                                      self.project)

    def _on_row_changed(self, _row: int) -> None:
        self._refresh_classes()
        self.pan_to_current()

    def pan_to_current(self) -> None:
        point = self.current_point()
        if point is None:
            return
        self.canvas.setCenter(self._to_canvas().transform(point))
        self.canvas.refresh()

    def zoom_to_current(self) -> None:
        """Centre on the selected suggestion, ZOOM_PIXELS raster pixels across."""
        point = self.current_point()
        size = self.pixel_size()
        if point is None:
            return
        if size <= 0:
            self.pan_to_current()
            return
        half = ZOOM_PIXELS * size / 2
        rect = QgsRectangle(point.x() - half, point.y() - half, point.x() + half,
                            point.y() + half)
        self.canvas.setExtent(self._to_canvas().transformBoundingBox(rect))
        self.canvas.refresh()

    # ------------------------------------------------------------------ labelling
    def _refresh_classes(self) -> None:
        """The two classes the model hesitates between first, then every known class."""
        current = self.class_combo.currentText()
        names: List[str] = []
        item = self.list.currentItem()
        if item is not None and self.layer is not None:
            feature = self.layer.getFeature(int(item.data(Qt.ItemDataRole.UserRole)))
            names = [str(feature[f]) for f in ("class_1", "class_2")
                     if feature[f] not in (None, "") and str(feature[f]) != "NULL"]
        for name in self.known_classes:
            if name not in names:
                names.append(name)
        self.class_combo.clear()
        self.class_combo.addItems(names)
        if current and current not in names:
            self.class_combo.setEditText(current)

    def add_label(self) -> bool:
        """Emit ``labelRequested`` for the selected place with the chosen class."""
        point = self.current_point()
        name = self.class_combo.currentText().strip()
        if point is None or not name or self.layer is None:
            self.status.setText(tr("Select a suggestion and a class first."))
            return False
        self.labelRequested.emit(QgsGeometry.fromPointXY(point), self.layer.crs(), name)
        item = self.list.currentItem()
        if item is not None and not item.text().startswith("✓"):
            item.setText("✓ " + item.text())
        self.status.setText(tr(
            "Labelled as '{name}'. Label more, or Run again."
        ).format(
            name=name,
        ))
        row = self.list.currentRow()
        if row + 1 < self.list.count():
            self.list.setCurrentRow(row + 1)
        return True
