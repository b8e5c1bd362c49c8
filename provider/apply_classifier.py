"""``metamapper:apply_classifier``: map a raster with a classifier saved by
``fewshot_classify`` (its OUTPUT_MODEL), in this process or on a Dask cluster.

Same threading rules as ``fewshot_classify``: layers are read in ``prepareAlgorithm`` (main
thread), the engine (``core.apply``) runs in ``processAlgorithm`` and imports torch lazily,
and the class map is styled by a post-processor on the main thread.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Dict, List

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtGui import QIcon

from ..translation import error_text, help_html, tr_message, translator
from .checks import InputProblem
from .classify_checks import RasterInfo, check_output, gather_region, make_parent, raster_layer_info
from .styling import class_styles, progress_reporter, style_when_loaded

tr = translator("ApplyClassifierAlgorithm")

ICON_PATH = Path(__file__).resolve().parents[1] / "resources" / "icon.svg"
DEVICES = ("auto", "cpu", "cuda")


class ApplyClassifierAlgorithm(QgsProcessingAlgorithm):
    """Map a raster with a saved adapted classifier: no labels, no adaptation."""

    INPUT = "INPUT"
    CLASSIFIER = "CLASSIFIER"
    REGION = "REGION"
    SCHEDULER = "SCHEDULER"
    DEVICE = "DEVICE"
    TILE_SIZE = "TILE_SIZE"
    OUTPUT = "OUTPUT"
    OUTPUT_CONFIDENCE = "OUTPUT_CONFIDENCE"
    REGION_PIXELS = "REGION_PIXELS"
    CLASSES = "CLASSES"
    WINDOWS_COMPUTED = "WINDOWS_COMPUTED"
    WINDOWS_SKIPPED = "WINDOWS_SKIPPED"

    def __init__(self) -> None:
        super().__init__()
        self._raster: RasterInfo | None = None
        self._region_source = None
        self._styles: List = []
        self._outputs: Dict[str, str | None] = {}

    def createInstance(self) -> ApplyClassifierAlgorithm:  # noqa: N802 (QGIS API)
        return ApplyClassifierAlgorithm()

    def name(self) -> str:
        return "apply_classifier"

    def displayName(self) -> str:  # noqa: N802
        return tr("Apply a saved classifier")

    def group(self) -> str:
        return tr("Raster classification")

    def groupId(self) -> str:  # noqa: N802
        return "rasterclassification"

    def tags(self) -> List[str]:
        return ["classifier", "apply", "predict", "saved", "dask", "distributed", "cluster",
                "mosaic", "time series", "metamapper", "classification", "raster"]

    def icon(self) -> QIcon:
        return QIcon(str(ICON_PATH))

    def svgIconPath(self) -> str:  # noqa: N802
        return str(ICON_PATH)

    def shortDescription(self) -> str:  # noqa: N802
        return tr("Maps a raster with a classifier saved by the few-shot classification.")

    def shortHelpString(self) -> str:  # noqa: N802
        return help_html(tr(HELP))

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Raster to classify")))
        self.addParameter(QgsProcessingParameterFile(
            self.CLASSIFIER, tr("Saved classifier (.pt)"),
            QgsProcessingParameterFile.Behavior.File, "pt"))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.REGION, tr("Region to map (polygons; empty = whole raster)"),
            [QgsProcessing.SourceType.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.SCHEDULER, tr("Dask scheduler (empty = this process; local:N = N worker "
                               "processes; or tcp://host:8786)"), "", optional=True))
        advanced = [
            QgsProcessingParameterEnum(self.DEVICE, tr("Device"), list(DEVICES), defaultValue=0),
            QgsProcessingParameterNumber(
                self.TILE_SIZE, tr("Tile size (pixels)"), QgsProcessingParameterNumber.Type.Integer,
                512, minValue=64, maxValue=8192),
        ]
        for param in advanced:
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
            self.addParameter(param)
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Class map")))
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.OUTPUT_CONFIDENCE, tr("Confidence (0..1)"), optional=True,
            createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber(self.REGION_PIXELS, tr("Pixels classified")))
        self.addOutput(QgsProcessingOutputString(self.CLASSES, tr("Classes (comma separated)")))
        self.addOutput(QgsProcessingOutputNumber(self.WINDOWS_COMPUTED,
                                                 tr("Dask windows computed")))
        self.addOutput(QgsProcessingOutputNumber(self.WINDOWS_SKIPPED,
                                                 tr("Dask windows resumed (already done)")))

    # ------------------------------------------------------------------ main thread
    def prepareAlgorithm(self, parameters, context, feedback) -> bool:  # noqa: N802
        self._styles, self._outputs = [], {}
        try:
            self._raster = raster_layer_info(
                self.parameterAsRasterLayer(parameters, self.INPUT, context))
        except InputProblem as exc:
            raise QgsProcessingException(error_text(exc)) from None
        self._region_source = self.parameterAsSource(parameters, self.REGION, context)
        return True

    # ------------------------------------------------------------------ worker thread
    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        started = time.perf_counter()
        raster = self._raster
        assert raster is not None
        classifier = self.parameterAsFile(parameters, self.CLASSIFIER, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        confidence = self.parameterAsOutputLayer(parameters, self.OUTPUT_CONFIDENCE,
                                                 context) or None
        scheduler = (self.parameterAsString(parameters, self.SCHEDULER, context) or "").strip()
        try:
            if not classifier or not os.path.isfile(classifier):
                raise InputProblem(tr(
                    "Classifier file not found: {path}. Choose a .pt file saved by the "
                    "few-shot classification (its 'Adapted classifier' output)."
                ).format(path=classifier or tr("(none given)")))
            region = gather_region(self._region_source, raster, context.transformContext())
            check_output(output, raster, tr("class map"))
            if confidence:
                check_output(confidence, raster, tr("confidence"))
        except InputProblem as exc:
            raise QgsProcessingException(error_text(exc)) from None
        finally:
            self._region_source = None
        from ..core.errors import MetaMapperError

        try:
            from ..core.deps import require_runtime

            require_runtime()
            from ..core.apply import apply_classifier
        except MetaMapperError as exc:
            raise QgsProcessingException(error_text(exc)) from None

        progress = progress_reporter(feedback)
        feedback.pushInfo(tr("Classifier: {path}; scheduler: {scheduler}").format(
            path=classifier, scheduler=scheduler or tr("this process")))
        make_parent(output)
        if confidence:
            make_parent(confidence)
        try:
            result = apply_classifier(
                raster.path, classifier, output,
                region=region.geometries if region is not None else None,
                confidence_path=confidence, scheduler=scheduler,
                device=DEVICES[self.parameterAsEnum(parameters, self.DEVICE, context)],
                tile_size=self.parameterAsInt(parameters, self.TILE_SIZE, context),
                progress=progress, is_cancelled=feedback.isCanceled)
        except MetaMapperError as exc:
            raise QgsProcessingException(error_text(exc)) from None
        self._log(feedback, result, time.perf_counter() - started)
        colours = {n: (tuple(rgb), n) for n, rgb in result.class_colors.items()}
        self._styles = class_styles(result.classes, result.class_codes, colours)
        self._outputs = {"class": result.output_path, "confidence": result.confidence_path}
        return {
            self.OUTPUT: result.output_path,
            self.OUTPUT_CONFIDENCE: result.confidence_path,
            self.REGION_PIXELS: int(result.region_pixels),
            self.CLASSES: ",".join(result.classes),
            self.WINDOWS_COMPUTED: result.windows_computed,
            self.WINDOWS_SKIPPED: result.windows_skipped,
        }

    def _log(self, feedback, result, seconds: float) -> None:
        feedback.pushInfo(tr("Classifier adapted with model {name} {version}; it holds {kind}."
                             ).format(name=result.model_name, version=result.model_version,
                                      kind=result.kind))
        for note in result.notes:
            feedback.pushInfo(tr_message(note))
        for name, code in zip(result.classes, result.class_codes):
            feedback.pushInfo(tr("  {code} = {name}: {mapped} px mapped").format(
                code=code, name=name, mapped=result.predicted_pixels_per_class.get(name, 0)))
        if result.scheduler:
            feedback.pushInfo(tr("Dask windows: {computed} computed, {skipped} found done by "
                                 "an earlier run").format(computed=result.windows_computed,
                                                          skipped=result.windows_skipped))
        feedback.pushInfo(tr("Pixels classified: {n}; device: {device}; {seconds:.2f} s").format(
            n=result.region_pixels, device=result.device, seconds=seconds))

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802
        style_when_loaded(context, self._styles, self._outputs.get("class"),
                          self._outputs.get("confidence"))
        return {}


HELP = """<p>Maps a raster with a <b>classifier saved</b> by <i>Few-shot classify raster</i>
(its <i>Adapted classifier</i> output): the next tile, date or mosaic of the same sensor,
without labels and without adapting again.</p>
<h3>Parameters</h3>
<dl>
<dt><b>Raster to classify</b> (INPUT)</dt><dd>A raster with the same bands, in the same
order, as the one the classifier was adapted on. Another band count is refused.</dd>
<dt><b>Saved classifier</b> (CLASSIFIER)</dt><dd>The .pt file. It holds tensors and text
only: opening it never runs code.</dd>
<dt><b>Region to map</b> (REGION, optional)</dt><dd>Polygons; empty = the whole raster.</dd>
<dt><b>Dask scheduler</b> (SCHEDULER, optional)</dt><dd>Empty: this process, tile by tile.
<i>local:N</i>: N worker processes on this machine. An address (<i>tcp://host:8786</i>): an
existing Dask cluster; its workers must read the raster, the classifier and the output
folder at the same paths, and have MetaMapper installed. The raster is cut into windows;
a run stopped half-way and started again redoes only the missing windows. Needs
<i>dask[distributed]</i>.</dd>
</dl>
<h3>Outputs</h3>
<dl>
<dt><b>Class map</b> (OUTPUT)</dt><dd>GeoTIFF, the saved classes' codes, names and
colours, styled when loaded.</dd>
<dt><b>Confidence</b> (OUTPUT_CONFIDENCE, optional)</dt><dd>Probability of the chosen
class, 0..1.</dd>
</dl>"""
