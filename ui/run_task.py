"""Run ``metamapper:fewshot_classify`` in the background and bring its outputs home.

The algorithm runs in a ``QgsProcessingAlgRunnerTask`` added to QGIS's task manager, so the
task manager shows its progress and can cancel it. QGIS calls the algorithm's
``prepareAlgorithm`` (reads layers) in the task's constructor and ``postProcessAlgorithm``
in ``finished``, both on the main thread; only ``processAlgorithm`` runs in the worker,
through thread-safe feature sources. ``executed`` is delivered on the main thread, where
this module loads the outputs, styles them with the provider's post-processors and puts
them in a "MetaMapper" group. Nothing here touches a layer, the project or iface from the
worker thread.

The context, feedback, algorithm and any scratch layer (the drawn region) are owned by the
:class:`ClassificationRun` for the task's whole lifetime: QGIS keeps raw pointers to them.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsLayerTreeGroup,
    QgsMessageLog,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..translation import translator

tr = translator("ClassificationRun")

ALGORITHM_ID = "metamapper:fewshot_classify"
GROUP_NAME = "MetaMapper"
LOG_TAG = "MetaMapper"
#: files a GeoTIFF output may come with; all go when a cancelled run's outputs are removed
SIDECARS = ("", ".aux.xml", ".qml", ".ovr", ".msk")


class RunFeedback(QgsProcessingFeedback):
    """Feedback that also remembers the errors, to say *why* a run failed.

    ``reportError`` is called from the worker thread; it only appends to a list.
    """

    def __init__(self) -> None:
        super().__init__()
        self.errors: List[str] = []

    def reportError(self, error, fatalError=False):  # noqa: N802, N803 (QGIS API)
        self.errors.append(str(error))
        super().reportError(error, fatalError)


@dataclass
class RunOutcome:
    """What the panel reports once a run ends (successful, failed or cancelled)."""

    status: str  # "success" | "failed" | "cancelled"
    message: str
    log: str = ""
    results: Dict[str, Any] = field(default_factory=dict)
    layers: List[QgsRasterLayer] = field(default_factory=list)
    seconds: float = 0.0
    suggestions: QgsVectorLayer | None = None  # "where to label next" points, if asked for


def summary(results: Dict[str, Any], seconds: float) -> str:
    """The one-line message-bar report: classes, pixels, device, time, accuracy."""
    classes = str(results.get("CLASSES") or "")
    n = results.get("CLASS_COUNT")
    pixels = results.get("REGION_PIXELS")
    accuracy = results.get("ACCURACY_ESTIMATE")
    count = int(n) if n is not None else len(classes.split(","))
    parts = [tr("{n} classes ({classes})").format(n=count, classes=classes)]
    if pixels is not None:
        parts.append(tr("{pixels:,} pixels").format(pixels=int(pixels)))
    parts.append(tr("device {device}").format(device=results.get("DEVICE_USED") or "?"))
    parts.append(tr("{seconds:.1f} s").format(seconds=seconds))
    if accuracy is not None and accuracy == accuracy:  # not NaN
        parts.append(tr("estimated accuracy {percent:.0f}%").format(
            percent=100 * float(accuracy)))
    else:
        parts.append(tr("accuracy not estimated"))
    return tr("Mapped {parts}").format(parts=tr(", ").join(parts))


def remove_outputs(paths: List[str]) -> None:
    """Delete outputs and their sidecars (a cancelled run must leave no file)."""
    for path in paths:
        if not path:
            continue
        for suffix in SIDECARS:
            candidate = path + suffix if suffix else path
            try:
                if os.path.isfile(candidate):
                    os.remove(candidate)
            except OSError:
                pass
        stem = os.path.splitext(path)[0] + ".qml"
        if os.path.isfile(stem):
            with contextlib.suppress(OSError):
                os.remove(stem)


def metamapper_group(project: QgsProject) -> QgsLayerTreeGroup:
    """The "MetaMapper" group at the top of the layer tree (created when missing)."""
    root = project.layerTreeRoot()
    group = root.findGroup(GROUP_NAME)
    if group is None:
        group = root.insertGroup(0, GROUP_NAME)
    return group


class ClassificationRun(QObject):
    """One background run of the algorithm, from parameters to loaded, styled layers.

    Signals: ``progressChanged(float)`` (0..100, main thread), ``done(RunOutcome)``.
    """

    progressChanged = pyqtSignal(float)  # noqa: N815 (Qt naming)
    done = pyqtSignal(object)

    def __init__(self, parameters: Dict[str, Any], project: QgsProject | None = None,
                 keep: List[Any] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.parameters = parameters
        self.project = project or QgsProject.instance()
        self.keep = list(keep or [])  # scratch layers referenced by the parameters
        self.context = QgsProcessingContext()
        self.context.setProject(self.project)
        self.feedback = RunFeedback()
        self.algorithm = None
        self.task: QgsProcessingAlgRunnerTask | None = None
        self.outcome: RunOutcome | None = None
        self._cancel_requested = False
        self._started = 0.0

    # ------------------------------------------------------------------ control
    def start(self) -> bool:
        """Check the parameters (main thread) and queue the task; False if refused.

        On refusal ``done`` has already been emitted with a 'failed' outcome.
        """
        self._started = time.monotonic()
        registry = QgsApplication.processingRegistry()
        self.algorithm = registry.createAlgorithmById(ALGORITHM_ID)
        if self.algorithm is None:
            self._end("failed", tr("The MetaMapper Processing provider is not loaded. Enable the "
                      "MetaMapper plugin (Plugins > Manage and Install Plugins) and try again."))
            return False
        ok, message = self.algorithm.checkParameterValues(self.parameters, self.context)
        if not ok:
            self._end("failed", message)
            return False
        self.task = QgsProcessingAlgRunnerTask(self.algorithm, self.parameters, self.context,
                                               self.feedback)
        if self.task.isCanceled():  # prepareAlgorithm refused (reason in the feedback)
            reason = self.feedback.errors[-1] if self.feedback.errors else tr("preparation failed")
            self.task = None
            self._end("failed", reason)
            return False
        self.task.executed.connect(self._on_executed)
        self.task.taskTerminated.connect(self._on_terminated)
        self.task.progressChanged.connect(self._on_progress)
        QgsApplication.taskManager().addTask(self.task)
        return True

    def cancel(self) -> None:
        """Ask the running task to stop (the engine stops within one tile)."""
        self._cancel_requested = True
        if self.task is not None:
            with contextlib.suppress(RuntimeError):  # the task ended and was deleted
                self.task.cancel()

    def is_running(self) -> bool:
        return self.task is not None and self.outcome is None

    def output_paths(self) -> List[str]:
        paths = []
        for key in ("OUTPUT", "OUTPUT_CONFIDENCE", "OUTPUT_SUGGESTIONS"):
            value = self.parameters.get(key)
            sink = getattr(value, "sink", None)
            path = sink.staticValue() if sink is not None else value
            if isinstance(path, str) and path:
                paths.append(path)
        return paths

    # ------------------------------------------------------------------ task callbacks
    def _on_progress(self, value: float) -> None:
        self.progressChanged.emit(float(value))

    def _on_terminated(self) -> None:
        """A task cancelled while still queued may end without ``executed``."""
        if self.outcome is None:
            self._on_executed(False, {})

    def _on_executed(self, successful: bool, results: Dict[str, Any]) -> None:
        """Main thread: load and style the outputs, or explain the failure."""
        if self.outcome is not None:  # already ended (terminated, then executed)
            return
        try:
            self._handle_executed(successful, dict(results or {}))
        except Exception as exc:  # never a traceback dialog: report it like a failure
            self._end("failed", tr("Could not load the results: {exc}").format(exc=exc))

    def _handle_executed(self, successful: bool, results: Dict[str, Any]) -> None:
        if self._cancel_requested or self.feedback.isCanceled():
            remove_outputs(self.output_paths()
                           + [str(results.get(k) or "") for k in ("OUTPUT", "OUTPUT_CONFIDENCE")])
            self._end("cancelled", tr("Cancelled: nothing was added and no file was left."))
            return
        if not successful:
            reason = self.feedback.errors[-1] if self.feedback.errors else (
                tr("The classification failed; see Details."))
            self._end("failed", reason)
            return
        # its styling, taken before _load_outputs clears the context's load list
        details = self.context.layersToLoadOnCompletion().get(
            str(results.get("OUTPUT_SUGGESTIONS") or ""))
        processor = details.postProcessor() if details is not None else None
        layers = self._load_outputs(results)
        suggestions = self._load_suggestions(results, processor)
        seconds = time.monotonic() - self._started
        self._end("success", summary(results, seconds), results=results, layers=layers,
                  seconds=seconds, suggestions=suggestions)

    def _load_outputs(self, results: Dict[str, Any]) -> List[QgsRasterLayer]:
        """Add the class map (top) and the confidence layer to the MetaMapper group, styled
        by the provider's post-processors."""
        wanted = [str(results.get("OUTPUT") or ""), str(results.get("OUTPUT_CONFIDENCE") or "")]
        details_by_path = self.context.layersToLoadOnCompletion()
        group = metamapper_group(self.project)
        layers: List[QgsRasterLayer] = []
        for index, path in enumerate(wanted):
            if not path or not os.path.isfile(path):
                continue
            details = details_by_path.get(path)
            name = details.name if details is not None and details.name else (
                tr("Class map") if index == 0 else tr("Confidence"))
            layer = QgsRasterLayer(path, name, "gdal")
            if not layer.isValid():
                raise RuntimeError(tr("QGIS cannot open the output {path}").format(path=path))
            processor = details.postProcessor() if details is not None else None
            if processor is not None:
                processor.postProcessLayer(layer, self.context, self.feedback)
            self.project.addMapLayer(layer, False)
            node = group.insertLayer(len(layers), layer)
            if index == 1 and node is not None:
                node.setItemVisibilityChecked(False)  # the class map is what one looks at
            layers.append(layer)
        # a view cannot expand a group that was empty when it saw it: toggle to resync
        group.setExpanded(False)
        group.setExpanded(True)
        # they are loaded now: stop Processing from loading them a second time
        self.context.setLayersToLoadOnCompletion({})
        return layers

    def _load_suggestions(self, results: Dict[str, Any], processor: Any
                          ) -> QgsVectorLayer | None:
        """Add the suggestions (numbered markers, hidden until the panel shows them) at the
        top of the layer tree, above the MetaMapper group, so they draw over the class map."""
        path = str(results.get("OUTPUT_SUGGESTIONS") or "")
        if not path or not os.path.isfile(path.split("|")[0]):
            return None
        layer = QgsVectorLayer(path, tr("Where to label next"), "ogr")
        if not layer.isValid():
            raise RuntimeError(tr("QGIS cannot open the output {path}").format(path=path))
        if processor is not None:
            processor.postProcessLayer(layer, self.context, self.feedback)
        self.project.addMapLayer(layer, False)
        node = self.project.layerTreeRoot().insertLayer(0, layer)
        if node is not None:
            node.setItemVisibilityChecked(False)
        return layer

    def _end(self, status: str, message: str, **kwargs: Any) -> None:
        log = self.feedback.textLog()
        if status == "failed":
            QgsMessageLog.logMessage(f"{message}\n{log}", LOG_TAG, Qgis.MessageLevel.Critical)
        else:
            QgsMessageLog.logMessage(f"{message}\n{log}", LOG_TAG, Qgis.MessageLevel.Info)
        self.outcome = RunOutcome(status=status, message=message, log=log, **kwargs)
        self.task = None
        self.done.emit(self.outcome)


def default_output_path() -> str:
    """A fresh temporary GeoTIFF name in Processing's temporary folder."""
    from qgis.core import QgsProcessingUtils

    return QgsProcessingUtils.generateTempFilename("metamapper_classes.tif")


def confidence_path_for(output_path: str) -> str:
    p = Path(output_path)
    return str(p.with_name(p.stem + "_confidence" + (p.suffix or ".tif")))
