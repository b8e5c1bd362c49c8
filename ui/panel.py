"""The MetaMapper dock panel: raster, labelled features, region, options, Run/Cancel.

The panel only gathers choices and turns them into the parameters of the Processing
algorithm ``metamapper:fewshot_classify`` (:meth:`MetaMapperPanel.build_parameters`, pure
enough to test); :mod:`.run_task` runs it in the background and loads the styled outputs.

Lifetime: plugin.py creates the panel on the first click and calls :meth:`cleanup` on
unload, which cancels a running task and disconnects every signal connected here (project,
layers, canvas), takes the map tools off the canvas and removes the rubber bands.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureRequest,
    QgsGeometry,
    QgsMapLayer,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingOutputLayerDefinition,
    QgsProject,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.gui import (
    QgsDockWidget,
)
from qgis.PyQt.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..translation import translator
from . import samples_layer as samples
from .assessment_actions import class_map_of, open_algorithm_dialog
from .map_tools import POINT, POLYGON, RECTANGLE, PickSampleTool, RegionMapTool
from .panel_layout import REGION_DRAWN, REGION_EXTENT, REGION_RASTER, REGION_SELECTION, build_ui
from .run_task import ClassificationRun, RunOutcome, confidence_path_for, default_output_path
from .settings import DEVICES, PanelSettings
from .suggestions_box import (
    keep_labels_with_samples,
    label_geometry,
    labels_kind,
)

tr = translator("MetaMapperPanel")

PREFERRED_CLASS_FIELDS = ("class", "classname", "class_name", "name", "label", "landcover",
                          "land_cover", "lc", "code", "id")
MESSAGE_TITLE = "MetaMapper"
APPLY_ALGORITHM = "metamapper:apply_classifier"


class PanelInputError(ValueError):
    """A choice is missing or unusable; the message says what to do."""


class MetaMapperPanel(QgsDockWidget):
    """Dock widget driving one few-shot classification at a time."""

    def __init__(self, iface, parent: QWidget | None = None) -> None:
        super().__init__("MetaMapper", parent)
        self.setObjectName("MetaMapperPanel")
        self.iface = iface
        self.canvas = iface.mapCanvas()
        self.project = QgsProject.instance()
        self.settings = PanelSettings.load()
        self.run: ClassificationRun | None = None
        self.last_outcome: RunOutcome | None = None
        self.region_geometry: QgsGeometry | None = None
        self.region_crs = QgsCoordinateReferenceSystem()
        self._connections: List[Tuple[Any, Callable]] = []   # (bound signal, slot)
        self._layer_connections: List[Tuple[str, Any, Callable]] = []  # (layer id, signal, slot)
        self._previous_tool = None
        self._devices_probed = False
        self._details_dialog: QDialog | None = None
        self.last_classifier = ""  # the classifier file the latest run saved
        self.apply_dialog = None  # the apply_classifier dialog (kept referenced while shown)

        self.region_tool = RegionMapTool(self.canvas, RECTANGLE)
        self.pick_tool = PickSampleTool(self.canvas, POINT)
        self._build_ui()
        self._restore_settings()
        self._connect(self.region_tool.drawn, self._on_region_drawn)
        self._connect(self.region_tool.cancelled, self._on_region_cancelled)
        self._connect(self.pick_tool.drawn, self._on_sample_picked)
        self._connect(self.canvas.mapToolSet, self._on_map_tool_set)
        self._connect(self.project.layersWillBeRemoved, self._on_layers_will_be_removed)
        self._on_training_layer_changed(self.training_combo.currentLayer())
        self._on_region_layer_changed(self.region_layer_combo.currentLayer())
        self._update_region_status()
        self._set_running(False)

    # ================================================================== UI
    def _build_ui(self) -> None:
        build_ui(self)

    def _restore_settings(self) -> None:
        self.model_widget.setFilePath(self.settings.model)
        index = self.device_combo.findData(self.settings.device)
        self.device_combo.setCurrentIndex(max(0, index))
        self.shots_spin.setValue(self.settings.shots_cap)

    def _store_settings(self) -> None:
        self.settings.model = self.model_widget.filePath().strip()
        self.settings.device = self.device_combo.currentData() or "auto"
        self.settings.shots_cap = self.shots_spin.value()
        self.settings.save()

    # ================================================================== signal bookkeeping
    def _connect(self, signal, slot) -> None:
        signal.connect(slot)
        self._connections.append((signal, slot))

    def _watch_layer(self, layer: QgsMapLayer, signal_name: str, slot: Callable) -> None:
        signal = getattr(layer, signal_name)
        signal.connect(slot)
        self._layer_connections.append((layer.id(), signal, slot))

    def _unwatch_layers(self, layer_ids: List[str] | None = None) -> None:
        keep = []
        for layer_id, signal, slot in self._layer_connections:
            if layer_ids is not None and layer_id not in layer_ids:
                keep.append((layer_id, signal, slot))
                continue
            with contextlib.suppress(TypeError, RuntimeError):  # gone with its layer
                signal.disconnect(slot)
        self._layer_connections = keep

    def _rewatch(self) -> None:
        """Watch exactly the layers currently chosen (training, region)."""
        self._unwatch_layers()
        training = self.training_layer()
        if training is not None:
            for name in ("selectionChanged", "featureAdded", "featuresDeleted",
                         "attributeValueChanged", "dataChanged"):
                self._watch_layer(training, name, self._on_training_data_changed)
        region = self.region_layer_combo.currentLayer()
        if isinstance(region, QgsVectorLayer) and region is not training:
            self._watch_layer(region, "selectionChanged", self._on_region_selection_changed)

    # ================================================================== labelled features
    def raster_layer(self):
        return self.raster_combo.currentLayer()

    def training_layer(self) -> QgsVectorLayer | None:
        layer = self.training_combo.currentLayer()
        return layer if isinstance(layer, QgsVectorLayer) else None

    def _on_training_layer_changed(self, layer) -> None:
        self.field_combo.setLayer(layer if isinstance(layer, QgsVectorLayer) else None)
        if isinstance(layer, QgsVectorLayer):
            names = [f.name() for f in layer.fields()]
            lowered = {n.lower(): n for n in names}
            for candidate in PREFERRED_CLASS_FIELDS:
                if candidate in lowered:
                    self.field_combo.setField(lowered[candidate])
                    break
        self._rewatch()
        self.refresh_counts()

    def _on_training_data_changed(self, *_args) -> None:
        self.refresh_counts()

    def feature_and_class_counts(self) -> Tuple[int, int, int]:
        """(features used, distinct classes, features with an empty class)."""
        layer = self.training_layer()
        field = self.field_combo.currentField()
        if layer is None or not layer.isValid():
            return 0, 0, 0
        index = layer.fields().lookupField(field) if field else -1
        request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
        if index >= 0:
            request.setSubsetOfAttributes([index])
        else:
            request.setNoAttributes()
        features = (layer.getSelectedFeatures(request) if self.selected_only.isChecked()
                    else layer.getFeatures(request))
        count, empty, classes = 0, 0, set()
        for feature in features:
            count += 1
            if index < 0:
                continue
            value = feature.attribute(index)
            text = "" if value is None else str(value).strip()
            if not text or text == "NULL":
                empty += 1
            else:
                classes.add(_class_text(value))
        return count, len(classes), empty

    def refresh_counts(self) -> None:
        count, n_classes, empty = self.feature_and_class_counts()
        layer = self.training_layer()
        if layer is None:
            text = tr("No labelled layer: choose one, or pick samples on the map.")
        elif not self.field_combo.currentField():
            text = tr("{count} feature(s); choose the class field.").format(count=count)
        else:
            text = (tr("{count} selected feature(s), {n_classes} class(es)")
                    if self.selected_only.isChecked()
                    else tr("{count} feature(s), {n_classes} class(es)")
                    ).format(count=count, n_classes=n_classes)
            if empty:
                text += tr(" ({empty} without class: skipped)").format(empty=empty)
            if n_classes < 2:
                text += tr(" — at least 2 classes needed")
        self.count_label.setText(text)
        self._refresh_pick_classes()

    def _refresh_pick_classes(self) -> None:
        layer = self.training_layer()
        field = self.field_combo.currentField()
        current = self.pick_class.currentText()
        values = samples.class_values(layer, field) if layer is not None and field else []
        self.pick_class.blockSignals(True)
        self.pick_class.clear()
        self.pick_class.addItems(values)
        self.pick_class.setEditText(current)
        self.pick_class.blockSignals(False)

    # ------------------------------------------------------------------ pick on map
    def _activate_pick_tool(self, checked: bool) -> None:
        if checked:
            self.pick_tool.set_mode(self.pick_mode.currentData())
            self._set_tool(self.pick_tool)
        elif self.canvas.mapTool() is self.pick_tool:
            self._restore_tool(self.pick_tool)

    def _on_pick_mode_changed(self, _index: int) -> None:
        self.pick_tool.set_mode(self.pick_mode.currentData())

    def _on_sample_picked(self, geometry: QgsGeometry) -> None:
        self.add_sample(geometry, self.pick_tool.crs)

    def add_sample(self, geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem,
                   class_name: str | None = None) -> QgsFeature | None:
        """Store a picked geometry with the chosen class in the samples layer and make that
        layer the labelled-features input."""
        class_name = (class_name if class_name is not None
                      else self.pick_class.currentText()).strip()
        if not class_name:
            self._message(tr("Type or choose a class name before picking samples."),
                          Qgis.MessageLevel.Warning)
            return None
        polygon = geometry.type() == QgsWkbTypes.GeometryType.PolygonGeometry  # not 2: Qt6
        kind = "Polygon" if polygon else "Point"
        canvas_crs = self.canvas.mapSettings().destinationCrs()
        layer = samples.samples_layer(self.project, kind, canvas_crs)
        feature = samples.add_sample(layer, geometry, crs, class_name, self.project)
        if self.training_combo.currentLayer() is not layer:
            self.training_combo.setLayer(layer)
        if self.field_combo.currentField() != samples.CLASS_FIELD:
            self.field_combo.setField(samples.CLASS_FIELD)
        self.selected_only.setChecked(False)
        self.refresh_counts()
        self.pick_class.setEditText(class_name)
        return feature

    def add_suggestion_label(self, point: QgsGeometry, crs: QgsCoordinateReferenceSystem,
                             class_name: str) -> QgsFeature | None:
        """A label for a suggested pixel, stored like a picked sample; the current labels
        are carried into the samples layer first, so the next run keeps them all."""
        training = self.training_layer()
        kind = labels_kind(training)
        keep_labels_with_samples(self.project, training, self.field_combo.currentField(),
                                 self.selected_only.isChecked(),
                                 self.canvas.mapSettings().destinationCrs())
        raster = self.raster_layer()
        pixel = ((raster.rasterUnitsPerPixelX(), raster.rasterUnitsPerPixelY())
                 if raster is not None else (0.0, 0.0))
        return self.add_sample(label_geometry(point, kind, pixel), crs, class_name)

    # ================================================================== region
    def region_mode(self) -> str:
        button = self.region_group.checkedButton()
        return button.property("region_mode") if button is not None else REGION_EXTENT

    def set_region_mode(self, mode: str) -> None:
        for button in self.region_group.buttons():
            if button.property("region_mode") == mode:
                button.setChecked(True)

    def _activate_region_tool(self, mode: str, checked: bool = True) -> None:
        if not checked:
            self._restore_tool(self.region_tool)
            return
        self.region_tool.set_mode(mode)
        self.draw_rect_button.setChecked(mode == RECTANGLE)
        self.draw_poly_button.setChecked(mode == POLYGON)
        self._set_tool(self.region_tool)
        self.region_status.setText(
            tr("Drag a rectangle on the map (Esc cancels).") if mode == RECTANGLE else
            tr("Click the polygon's vertices; right click finishes, Esc cancels."))

    def _on_region_drawn(self, geometry: QgsGeometry) -> None:
        self.set_region(geometry, self.region_tool.crs)
        self._restore_tool(self.region_tool)

    def set_region(self, geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem) -> None:
        self.region_geometry = QgsGeometry(geometry)
        self.region_crs = QgsCoordinateReferenceSystem(crs)
        self.set_region_mode(REGION_DRAWN)
        self._update_region_status()

    def _on_region_cancelled(self) -> None:
        self._update_region_status()

    def _on_region_layer_changed(self, _layer) -> None:
        self._rewatch()
        self._update_region_status()

    def _on_region_selection_changed(self, *_args) -> None:
        self._update_region_status()

    def _update_region_status(self) -> None:
        mode = self.region_mode()
        if mode == REGION_DRAWN:
            if self.region_geometry is None:
                text = tr("Draw a rectangle or polygon on the map.")
            else:
                area = self.region_geometry.area()
                unit = self.region_crs.mapUnits()
                text = (tr("Drawn region: {area:.2f} km²").format(area=area / 1e6) if unit == 0
                        else tr("Drawn region ({crs})").format(crs=self.region_crs.authid()))
        elif mode == REGION_SELECTION:
            layer = self.region_layer_combo.currentLayer()
            n = layer.selectedFeatureCount() if isinstance(layer, QgsVectorLayer) else 0
            text = (tr("{n} selected polygon(s)").format(n=n) if layer
                    else tr("Choose a polygon layer."))
        elif mode == REGION_EXTENT:
            text = tr("The map extent when you press Run.")
        else:
            text = tr("The whole raster (can be slow on large rasters).")
        self.region_status.setText(text)

    def region_layer_for_run(self) -> Any | None:
        """The REGION parameter value: a memory polygon layer in the canvas CRS, a
        selected-features source definition, or None for the whole raster."""
        mode = self.region_mode()
        if mode == REGION_RASTER:
            return None
        if mode == REGION_SELECTION:
            layer = self.region_layer_combo.currentLayer()
            if not isinstance(layer, QgsVectorLayer):
                raise PanelInputError(tr("Choose the polygon layer whose selected features are "
                                      "the region, or pick another kind of region."))
            if layer.selectedFeatureCount() == 0:
                raise PanelInputError(tr(
                    "No polygon is selected in '{name}'. Select the polygons to map, or "
                    "pick another kind of region."
                ).format(
                    name=layer.name(),
                ))
            return QgsProcessingFeatureSourceDefinition(layer.id(), True)
        if mode == REGION_DRAWN:
            if self.region_geometry is None:
                raise PanelInputError(tr("No region drawn yet. Press Rectangle or Polygon and "
                                      "draw it on the map, or use the map extent."))
            return region_memory_layer(self.region_geometry, self.region_crs)
        crs = self.canvas.mapSettings().destinationCrs()
        return region_memory_layer(QgsGeometry.fromRect(self.canvas.extent()), crs)

    # ================================================================== map tools
    def _set_tool(self, tool) -> None:
        current = self.canvas.mapTool()
        if current is not tool and current not in (self.region_tool, self.pick_tool):
            self._previous_tool = current
        self.canvas.setMapTool(tool)

    def _restore_tool(self, tool) -> None:
        if self.canvas.mapTool() is tool:
            previous = self._previous_tool
            if previous is not None:
                try:
                    self.canvas.setMapTool(previous)
                    return
                except RuntimeError:  # deleted in between
                    self._previous_tool = None
            self.canvas.unsetMapTool(tool)

    def _on_map_tool_set(self, new_tool, _old_tool=None) -> None:
        self.pick_button.blockSignals(True)
        self.pick_button.setChecked(new_tool is self.pick_tool)
        self.pick_button.blockSignals(False)
        is_region = new_tool is self.region_tool
        self.draw_rect_button.setChecked(is_region and self.region_tool.mode == RECTANGLE)
        self.draw_poly_button.setChecked(is_region and self.region_tool.mode == POLYGON)

    # ================================================================== project changes
    def _on_layers_will_be_removed(self, layer_ids) -> None:
        ids = [str(i) for i in layer_ids]
        self._unwatch_layers(ids)
        if self._previous_tool is not None:
            layer = getattr(self._previous_tool, "layer", lambda: None)
            try:
                if callable(layer) and layer() is not None and layer().id() in ids:
                    self._previous_tool = None
            except RuntimeError:
                self._previous_tool = None

    # ================================================================== parameters + run
    def build_parameters(self) -> Dict[str, Any]:
        """The algorithm's parameter dict from the panel's choices (raises PanelInputError)."""
        raster = self.raster_layer()
        if raster is None or not raster.isValid():
            raise PanelInputError(tr("Choose the raster to classify (load one into the project "
                                  "first)."))
        training = self.training_layer()
        if training is None:
            raise PanelInputError(tr("Choose a layer of labelled points or polygons, or pick "
                                  "samples on the map."))
        field = self.field_combo.currentField()
        if not field:
            raise PanelInputError(tr(
                "Choose the class field of '{name}'."
            ).format(
                name=training.name(),
            ))
        if self.selected_only.isChecked() and training.selectedFeatureCount() == 0:
            raise PanelInputError(tr(
                "'Selected features only' is on but nothing is selected in '{name}'. "
                "Select features or untick it."
            ).format(
                name=training.name(),
            ))
        output = self.output_widget.filePath().strip() or default_output_path()
        if not output.lower().endswith((".tif", ".tiff")):
            output += ".tif"
        class_def = QgsProcessingOutputLayerDefinition(output, self.project)
        class_def.destinationName = tr("{raster} classes").format(raster=raster.name())
        conf_def = QgsProcessingOutputLayerDefinition(confidence_path_for(output), self.project)
        conf_def.destinationName = tr("{raster} confidence").format(raster=raster.name())
        params: Dict[str, Any] = {
            "INPUT": raster.id(),
            # a plain layer id unless "selected only": QGIS 3.22's parameterAsVectorLayer
            # cannot resolve a source definition, and the provider reads colours through it
            "TRAINING": (QgsProcessingFeatureSourceDefinition(training.id(), True)
                         if self.selected_only.isChecked() else training.id()),
            "CLASS_FIELD": field,
            "DEVICE": DEVICES.index(self.device_combo.currentData() or "auto"),
            "SEED": self.seed_spin.value(),
            "SHOTS_CAP": self.shots_spin.value(),
            "OUTPUT": class_def,
            "OUTPUT_CONFIDENCE": conf_def,
        }
        if self.suggestions_box.count() > 0:
            suggestions = QgsProcessingOutputLayerDefinition(
                suggestions_path_for(output), self.project)
            suggestions.destinationName = tr("Where to label next")
            params["SUGGESTIONS"] = self.suggestions_box.count()
            params["OUTPUT_SUGGESTIONS"] = suggestions
        region = self.region_layer_for_run()
        if region is not None:
            params["REGION"] = region
        model = self.model_widget.filePath().strip()
        if model:
            params["MODEL"] = model
        classifier = self.classifier_widget.filePath().strip()
        if classifier:
            params["OUTPUT_MODEL"] = classifier if classifier.lower().endswith(".pt") \
                else classifier + ".pt"
        return params

    def open_apply_dialog(self):
        """'Apply a saved classifier…': the Processing dialog of apply_classifier, with the
        current raster and the classifier the latest run saved (or will save) filled in."""
        params: Dict[str, Any] = {}
        raster = self.raster_layer()
        if raster is not None and raster.isValid():
            params["INPUT"] = raster.id()
        saved = self.last_classifier or self.classifier_widget.filePath().strip()
        if saved and Path(saved).is_file():
            params["CLASSIFIER"] = saved
        self.apply_dialog = open_algorithm_dialog(APPLY_ALGORITHM, params,
                                                  self.iface.mainWindow())
        return self.apply_dialog

    def start_run(self) -> bool:
        """Run button: start one background run (refused while one is running)."""
        if self.run is not None and self.run.is_running():
            return False
        try:
            params = self.build_parameters()
        except PanelInputError as exc:
            self._error(str(exc))
            return False
        self._store_settings()
        self.suggestions_box.set_layer(None)  # the last run's points are outdated now
        keep = [v for v in params.values() if isinstance(v, QgsVectorLayer)]
        self.run = ClassificationRun(params, self.project, keep=keep, parent=self)
        self.run.progressChanged.connect(self._on_progress)
        self.run.done.connect(self._on_run_done)
        self._set_running(True)
        self.progress.setValue(0)
        return self.run.start()

    def cancel_run(self) -> None:
        if self.run is not None and self.run.is_running():
            self.cancel_button.setEnabled(False)
            self.run.cancel()

    def _on_progress(self, value: float) -> None:
        self.progress.setValue(int(value))

    def _on_run_done(self, outcome: RunOutcome) -> None:
        self.last_outcome = outcome
        self._set_running(False)
        if outcome.status == "success":
            classes = str(outcome.results.get("CLASSES") or "").split(",")
            self.suggestions_box.set_layer(outcome.suggestions, [c for c in classes if c])
            self.progress.setValue(100)
            self.assessment.set_class_map(class_map_of(outcome))
            self.last_classifier = outcome.results.get("OUTPUT_MODEL") or self.last_classifier
            self._message(outcome.message, Qgis.MessageLevel.Success, 15)
        elif outcome.status == "cancelled":
            self.progress.setValue(0)
            self._message(outcome.message, Qgis.MessageLevel.Info, 8)
        else:
            self.progress.setValue(0)
            self._error(outcome.message, outcome.log)

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _pixel_size(self) -> float:
        raster = self.raster_layer()
        return float(raster.rasterUnitsPerPixelX()) if raster is not None else 0.0

    # ================================================================== device probe
    def _on_advanced_toggled(self, collapsed: bool) -> None:
        if not collapsed and not self._devices_probed:
            self._devices_probed = True
            self.device_label.setText(describe_devices())

    # ================================================================== messages
    def _message(self, text: str, level=Qgis.MessageLevel.Info, duration: int = 8) -> None:
        self.iface.messageBar().pushMessage(MESSAGE_TITLE, text, level, duration)

    def _error(self, reason: str, log: str = "") -> None:
        """A message-bar error with the reason and a Details button showing the log."""
        bar = self.iface.messageBar()
        widget = bar.createMessage(MESSAGE_TITLE, reason)
        details = QPushButton(tr("Details"))
        details.clicked.connect(lambda _=False, r=reason, t=log: self.show_details(r, t))
        widget.layout().addWidget(details)
        bar.pushWidget(widget, Qgis.MessageLevel.Critical, 0)
        self.last_error = reason

    def show_details(self, reason: str, log: str) -> QDialog:
        dialog = QDialog(self)
        dialog.setWindowTitle(tr("MetaMapper: run log"))
        layout = QVBoxLayout(dialog)
        text = QPlainTextEdit()
        text.setReadOnly(True)
        text.setPlainText(f"{reason}\n\n{log}".strip())
        layout.addWidget(text)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(dialog.reject)
        layout.addWidget(box)
        dialog.resize(700, 400)
        dialog.show()
        self._details_dialog = dialog
        return dialog

    # ================================================================== unload
    def cleanup(self) -> None:
        """Cancel a running task, disconnect everything, take tools and bands off the canvas."""
        if self.run is not None and self.run.is_running():
            self.run.cancel()
        for signal, slot in self._connections:
            with contextlib.suppress(TypeError, RuntimeError):
                signal.disconnect(slot)
        self._connections = []
        self._unwatch_layers()
        for tool in (self.region_tool, self.pick_tool):
            try:
                if self.canvas.mapTool() is tool:
                    self.canvas.unsetMapTool(tool)
                if tool.band is not None:
                    tool.remove_band()
            except RuntimeError:
                pass
        self._previous_tool = None
        if self._details_dialog is not None:
            self._details_dialog.close()
            self._details_dialog = None


def suggestions_path_for(output_path: str) -> str:
    """The suggestions GeoPackage beside the class map: classes.tif -> classes_suggestions.gpkg"""
    p = Path(output_path)
    return str(p.with_name(p.stem + "_suggestions.gpkg"))


def region_memory_layer(geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem) -> QgsVectorLayer:
    """A one-feature memory polygon layer (the REGION parameter) in ``crs``."""
    uri = "Polygon?field=id:integer"
    if crs.authid():
        uri = f"Polygon?crs={crs.authid()}&field=id:integer"
    layer = QgsVectorLayer(uri, tr("MetaMapper region"), "memory")
    layer.setCrs(crs)
    feature = QgsFeature(layer.fields())
    feature.setGeometry(QgsGeometry(geometry))
    feature.setAttribute(0, 1)
    layer.dataProvider().addFeatures([feature])
    layer.updateExtents()
    return layer


def describe_devices() -> str:
    """Which devices can run the model (imports torch: call only when the user asks)."""
    try:
        import torch
    except ImportError:
        return tr("PyTorch is not installed: install it to run MetaMapper (see the README).")
    except Exception as exc:  # a broken torch install must not break the panel
        return tr("PyTorch could not be loaded ({error}); only the CPU may work.").format(
            error=exc)
    try:
        if torch.cuda.is_available():
            name = torch.cuda.get_device_name(0)
            return tr("CUDA available: {name}. Auto uses it.").format(name=name)
    except Exception:  # driver problems: fall through to CPU
        pass
    return tr("No CUDA GPU found: Auto runs on the CPU.")


def _class_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
