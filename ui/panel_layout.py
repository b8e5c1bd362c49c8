"""The MetaMapper panel's widgets, built from one small part per group box (the panel's
behaviour stays in :mod:`.panel`; same translation context)."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsFieldProxyModel,
    QgsMapLayerProxyModel,
)
from qgis.gui import (
    QgsCollapsibleGroupBox,
    QgsFieldComboBox,
    QgsFileWidget,
    QgsMapLayerComboBox,
)
from qgis.PyQt.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..translation import translator
from .assessment_actions import AssessmentButtons
from .map_tools import POINT, POLYGON, RECTANGLE
from .suggestions_box import (
    SuggestionsBox,
)

tr = translator("MetaMapperPanel")

REGION_DRAWN = "drawn"
REGION_SELECTION = "selection"
REGION_EXTENT = "extent"
REGION_RASTER = "raster"


def _raster_box(panel: Any) -> QWidget:
    """The raster to classify."""
    raster_box = QGroupBox(tr("Raster to classify"))
    form = QFormLayout(raster_box)
    panel.raster_combo = QgsMapLayerComboBox()
    panel.raster_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
    panel.raster_combo.setAllowEmptyLayer(True)
    panel.raster_combo.setToolTip(tr("Any raster with a CRS, any number of bands"))
    form.addRow(tr("Raster"), panel.raster_combo)
    return raster_box
    if panel.raster_combo.count() > 1:
        panel.raster_combo.setCurrentIndex(1)


def _labels_box(panel: Any) -> QWidget:
    """The labelled features: layer, class field, counts, picking on the map."""
    labels_box = QGroupBox(tr("Labelled features"))
    form = QFormLayout(labels_box)
    panel.training_combo = QgsMapLayerComboBox()
    panel.training_combo.setFilters(QgsMapLayerProxyModel.Filter.PointLayer
                                   | QgsMapLayerProxyModel.Filter.PolygonLayer)
    panel.training_combo.setAllowEmptyLayer(True)
    form.addRow(tr("Layer"), panel.training_combo)
    panel.field_combo = QgsFieldComboBox()
    panel.field_combo.setFilters(QgsFieldProxyModel.Filter.String
                                | QgsFieldProxyModel.Filter.Int
                                | QgsFieldProxyModel.Filter.LongLong
                                | QgsFieldProxyModel.Filter.Double)
    form.addRow(tr("Class field"), panel.field_combo)
    panel.selected_only = QCheckBox(tr("Selected features only"))
    form.addRow(panel.selected_only)
    panel.count_label = QLabel()
    panel.count_label.setWordWrap(True)  # long counts must not widen the dock
    panel.count_label.setObjectName("countLabel")
    form.addRow(panel.count_label)
    if panel.training_combo.count() > 1:
        panel.training_combo.setCurrentIndex(1)

    pick_row = QHBoxLayout()
    panel.pick_class = QComboBox()
    panel.pick_class.setEditable(True)
    panel.pick_class.setToolTip(
        tr("Class of the samples you click: choose one or type a new one"))
    panel.pick_class.lineEdit().setPlaceholderText(tr("class name"))
    panel.pick_mode = QComboBox()
    panel.pick_mode.addItem(tr("Points"), POINT)
    panel.pick_mode.addItem(tr("Polygons"), POLYGON)
    panel.pick_button = QToolButton()
    panel.pick_button.setText(tr("Pick on map"))
    panel.pick_button.setCheckable(True)
    panel.pick_button.setToolTip(
        tr("Click points (or draw small polygons: left clicks, right click to finish) on "
        "the map; they go to the 'MetaMapper samples' layer with the class on the left"))
    pick_row.addWidget(panel.pick_class, 2)
    pick_row.addWidget(panel.pick_mode, 1)
    pick_row.addWidget(panel.pick_button)
    form.addRow(tr("Pick"), pick_row)
    return labels_box


def _region_box(panel: Any) -> QWidget:
    """The region to map: drawn, selected polygons, map extent or whole raster."""
    region_box = QGroupBox(tr("Region to map"))
    rlayout = QVBoxLayout(region_box)
    panel.region_group = QButtonGroup(panel)
    draw_row = QHBoxLayout()
    panel.region_drawn_radio = QRadioButton(tr("Drawn on the map"))
    panel.draw_rect_button = QToolButton()
    panel.draw_rect_button.setText(tr("Rectangle"))
    panel.draw_rect_button.setCheckable(True)
    panel.draw_poly_button = QToolButton()
    panel.draw_poly_button.setText(tr("Polygon"))
    panel.draw_poly_button.setCheckable(True)
    panel.draw_poly_button.setToolTip(tr("Left click adds a vertex, right click finishes, "
                                     "Esc cancels"))
    draw_row.addWidget(panel.region_drawn_radio)
    draw_row.addWidget(panel.draw_rect_button)
    draw_row.addWidget(panel.draw_poly_button)
    rlayout.addLayout(draw_row)
    sel_row = QHBoxLayout()
    panel.region_selection_radio = QRadioButton(tr("Selected polygons of"))
    panel.region_layer_combo = QgsMapLayerComboBox()
    panel.region_layer_combo.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
    panel.region_layer_combo.setAllowEmptyLayer(True)
    sel_row.addWidget(panel.region_selection_radio)
    sel_row.addWidget(panel.region_layer_combo, 1)
    rlayout.addLayout(sel_row)
    panel.region_extent_radio = QRadioButton(tr("Current map extent"))
    panel.region_raster_radio = QRadioButton(tr("Whole raster"))
    rlayout.addWidget(panel.region_extent_radio)
    rlayout.addWidget(panel.region_raster_radio)
    for mode, radio in ((REGION_DRAWN, panel.region_drawn_radio),
                        (REGION_SELECTION, panel.region_selection_radio),
                        (REGION_EXTENT, panel.region_extent_radio),
                        (REGION_RASTER, panel.region_raster_radio)):
        radio.setProperty("region_mode", mode)
        panel.region_group.addButton(radio)
    panel.region_extent_radio.setChecked(True)
    panel.region_status = QLabel()
    panel.region_status.setWordWrap(True)
    rlayout.addWidget(panel.region_status)
    return region_box


def _advanced_box(panel: Any) -> QWidget:
    """Advanced options: model, device, seed, shots cap, output file, classifier file."""
    panel.advanced_box = QgsCollapsibleGroupBox(tr("Advanced options"))
    panel.advanced_box.setCollapsed(True)
    panel.advanced_box.setSaveCollapsedState(False)
    form = QFormLayout(panel.advanced_box)
    panel.model_widget = QgsFileWidget()
    panel.model_widget.setFilter(tr("MetaMapper model (*.pt)"))
    panel.model_widget.setToolTip(tr("Empty: the bundled meta-trained model"))
    panel.model_widget.lineEdit().setPlaceholderText(tr("bundled model"))
    form.addRow(tr("Model"), panel.model_widget)
    panel.device_combo = QComboBox()
    for label, value in ((tr("Auto (GPU if available)"), "auto"), (tr("CPU"), "cpu"),
                         (tr("CUDA (GPU)"), "cuda")):
        panel.device_combo.addItem(label, value)
    form.addRow(tr("Device"), panel.device_combo)
    panel.device_label = QLabel(tr("Expand to check for a GPU…"))
    panel.device_label.setWordWrap(True)
    form.addRow("", panel.device_label)
    panel.seed_spin = QSpinBox()
    panel.seed_spin.setRange(0, 2**31 - 1)
    form.addRow(tr("Seed"), panel.seed_spin)
    panel.shots_spin = QSpinBox()
    panel.shots_spin.setRange(1, 100000)
    panel.shots_spin.setToolTip(tr("Maximum labelled pixels used per class"))
    form.addRow(tr("Shots cap"), panel.shots_spin)
    panel.output_widget = QgsFileWidget()
    panel.output_widget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
    panel.output_widget.setFilter(tr("GeoTIFF (*.tif *.tiff)"))
    panel.output_widget.lineEdit().setPlaceholderText(tr("[temporary GeoTIFF]"))
    form.addRow(tr("Class map file"), panel.output_widget)
    panel.classifier_widget = QgsFileWidget()
    panel.classifier_widget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
    panel.classifier_widget.setFilter(tr("MetaMapper classifier (*.pt)"))
    panel.classifier_widget.lineEdit().setPlaceholderText(tr("not saved"))
    panel.classifier_widget.setToolTip(tr(
        "Save the adapted classifier to this .pt file, to map other rasters or dates of the "
        "same bands with 'Apply a saved classifier…'"))
    form.addRow(tr("Save classifier"), panel.classifier_widget)
    return panel.advanced_box


def _connect_widgets(panel: Any) -> None:
    """The panel's widget-internal signals (they die with the widgets: not tracked)."""
    panel.training_combo.layerChanged.connect(panel._on_training_layer_changed)
    panel.field_combo.fieldChanged.connect(lambda _f: panel.refresh_counts())
    panel.selected_only.toggled.connect(lambda _b: panel.refresh_counts())
    panel.region_layer_combo.layerChanged.connect(panel._on_region_layer_changed)
    panel.region_group.buttonToggled.connect(lambda *_: panel._update_region_status())
    panel.draw_rect_button.clicked.connect(lambda c: panel._activate_region_tool(RECTANGLE, c))
    panel.draw_poly_button.clicked.connect(lambda c: panel._activate_region_tool(POLYGON, c))
    panel.pick_button.toggled.connect(panel._activate_pick_tool)
    panel.pick_mode.currentIndexChanged.connect(panel._on_pick_mode_changed)
    panel.advanced_box.collapsedStateChanged.connect(panel._on_advanced_toggled)
    panel.run_button.clicked.connect(panel.start_run)
    panel.cancel_button.clicked.connect(panel.cancel_run)
    panel.apply_button.clicked.connect(lambda _=False: panel.open_apply_dialog())


def build_ui(panel: Any) -> None:
    """The panel's widgets, top to bottom, set as attributes of ``panel``."""
    body = QWidget()
    layout = QVBoxLayout(body)
    layout.addWidget(_raster_box(panel))
    layout.addWidget(_labels_box(panel))
    layout.addWidget(_region_box(panel))
    layout.addWidget(_advanced_box(panel))

    # where to label next (shown after a run)
    panel.suggestions_box = SuggestionsBox(panel.canvas, panel.project, panel._pixel_size)
    panel.suggestions_box.labelRequested.connect(panel.add_suggestion_label)

    panel.progress = QProgressBar()
    panel.progress.setRange(0, 100)
    panel.progress.setValue(0)
    buttons = QHBoxLayout()
    panel.run_button = QPushButton(tr("Run"))
    panel.run_button.setObjectName("runButton")
    panel.run_button.setDefault(True)
    panel.cancel_button = QPushButton(tr("Cancel"))
    buttons.addWidget(panel.progress, 1)
    buttons.addWidget(panel.run_button)
    buttons.addWidget(panel.cancel_button)
    layout.addLayout(buttons)
    panel.apply_button = QPushButton(tr("Apply a saved classifier…"))
    panel.apply_button.setObjectName("applyClassifierButton")
    panel.apply_button.setToolTip(tr(
        "Map this or another raster of the same bands with a classifier saved by an earlier "
        "run (no labels needed; also on a Dask cluster)"))
    layout.addWidget(panel.apply_button)
    panel.assessment = AssessmentButtons(dialog_parent=panel.iface.mainWindow())
    layout.addWidget(panel.assessment)
    layout.addWidget(panel.suggestions_box)
    layout.addStretch(1)

    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(body)
    panel.setWidget(scroll)
    _connect_widgets(panel)
