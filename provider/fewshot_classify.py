"""``metamapper:fewshot_classify``: the one QGIS door onto the engine (``core.pipeline``).

Threading: QGIS may run this algorithm in a ``QgsProcessingAlgRunnerTask``. Then
``prepareAlgorithm`` and ``postProcessAlgorithm`` run on the main thread and
``processAlgorithm`` on a worker thread. So: map layers are read only in ``prepareAlgorithm``
(raster file path, CRS, extent, the training layer's colours), the worker reads features
through thread-safe ``QgsFeatureSource`` objects (which also honour "selected features
only"), and styling is handed to QGIS as layer post-processors that run on the main thread
once the outputs are loaded.

Heavy imports (torch, rasterio, the engine) happen inside ``processAlgorithm`` only.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant
from qgis.PyQt.QtGui import QIcon

from ..translation import error_text, help_html, translator
from . import geometry as geo
from . import suggestions as suggest_out
from .checks import InputProblem, check_crs
from .classify_checks import (
    GatheredInputs,
    RasterInfo,
    check_class_field,
    check_classifier_output,
    check_output,
    check_training,
    gather_region,
    make_parent,
    parse_wavelengths,
    raster_layer_info,
    support_size,
)
from .classify_log import log_inputs, log_result
from .styling import (
    ClassStyle,
    categorized_colors,
    class_styles,
    keep_alive,
    progress_reporter,
    style_when_loaded,
)

tr = translator("FewShotClassifyAlgorithm")

ICON_PATH = Path(__file__).resolve().parents[1] / "resources" / "icon.svg"
DEVICES = ("auto", "cpu", "cuda")


class FewShotClassifyAlgorithm(QgsProcessingAlgorithm):
    """Adapt a meta-trained model to a few labelled features and classify a raster."""

    INPUT = "INPUT"
    TRAINING = "TRAINING"
    CLASS_FIELD = "CLASS_FIELD"
    REGION = "REGION"
    MODEL = "MODEL"
    DEVICE = "DEVICE"
    SEED = "SEED"
    SHOTS_CAP = "SHOTS_CAP"
    STEPS = "STEPS"
    TILE_SIZE = "TILE_SIZE"
    BATCH_SIZE = "BATCH_SIZE"
    TRANSDUCTIVE = "TRANSDUCTIVE"
    ESTIMATE_ACCURACY = "ESTIMATE_ACCURACY"
    WAVELENGTHS = "WAVELENGTHS"
    OUTPUT = "OUTPUT"
    OUTPUT_CONFIDENCE = "OUTPUT_CONFIDENCE"
    SUGGESTIONS = "SUGGESTIONS"
    OUTPUT_SUGGESTIONS = "OUTPUT_SUGGESTIONS"
    OUTPUT_MODEL = "OUTPUT_MODEL"
    # output values a model can chain
    CLASS_COUNT = "CLASS_COUNT"
    SUPPORT_SIZE = "SUPPORT_SIZE"
    ACCURACY_ESTIMATE = "ACCURACY_ESTIMATE"
    SKIPPED_FEATURES = "SKIPPED_FEATURES"
    REGION_PIXELS = "REGION_PIXELS"
    CLASSES = "CLASSES"
    DEVICE_USED = "DEVICE_USED"
    METHOD = "METHOD"

    def __init__(self) -> None:
        super().__init__()
        self._raster: RasterInfo | None = None
        self._colors: Dict[str, Tuple[Tuple[int, int, int], str]] = {}
        self._styles: List[ClassStyle] = []
        self._outputs_to_style: Dict[str, str | None] = {}
        #: the training and region sources, made in prepareAlgorithm (main thread)
        self._sources: Dict[str, Any] = {}

    # ------------------------------------------------------------------ identity
    def createInstance(self) -> FewShotClassifyAlgorithm:  # noqa: N802 (QGIS API)
        return FewShotClassifyAlgorithm()

    def name(self) -> str:
        return "fewshot_classify"

    def displayName(self) -> str:  # noqa: N802
        return tr("Few-shot classify raster")

    def group(self) -> str:
        return tr("Raster classification")

    def groupId(self) -> str:  # noqa: N802
        return "rasterclassification"

    def tags(self) -> List[str]:
        return [
            "few-shot", "meta-learning", "maml", "meta-sgd", "prototypical", "classification",
            "classify", "land cover", "land use", "supervised", "machine learning",
            "deep learning", "torch", "segmentation", "map", "metamapper", "raster",
        ]

    def icon(self) -> QIcon:
        return QIcon(str(ICON_PATH))

    def svgIconPath(self) -> str:  # noqa: N802
        return str(ICON_PATH)

    def shortDescription(self) -> str:  # noqa: N802
        return tr("Classifies a raster from a few labelled points/polygons with a "
                  "meta-trained model.")

    def shortHelpString(self) -> str:  # noqa: N802
        return help_html(tr(HELP))

    # ------------------------------------------------------------------ parameters
    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Raster to classify")))
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.TRAINING,
                tr("Training features (labelled points and/or polygons)"),
                [QgsProcessing.SourceType.TypeVectorPoint,
                 QgsProcessing.SourceType.TypeVectorPolygon],
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.CLASS_FIELD, tr("Class field (text or integer)"), None, self.TRAINING,
                QgsProcessingParameterField.DataType.Any,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.REGION, tr("Region to map (polygons; empty = the whole raster)"),
                [QgsProcessing.SourceType.TypeVectorPolygon], optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFile(
                self.MODEL, tr("Model file (empty = the bundled meta-trained model)"),
                QgsProcessingParameterFile.Behavior.File, "pt", optional=True,
                fileFilter=tr("MetaMapper model (*.pt)"),
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(self.DEVICE, tr("Device"), list(DEVICES), defaultValue=0)
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.SEED, tr("Random seed"), QgsProcessingParameterNumber.Type.Integer, 0,
                minValue=0,
            )
        )
        advanced = [
            QgsProcessingParameterNumber(
                self.SHOTS_CAP, tr("Maximum labelled pixels per class (shots cap)"),
                QgsProcessingParameterNumber.Type.Integer, 200, minValue=1, maxValue=100000,
            ),
            QgsProcessingParameterNumber(
                self.STEPS, tr("Adaptation steps (empty = the model's own)"),
                QgsProcessingParameterNumber.Type.Integer, None, optional=True, minValue=0,
                maxValue=1000,
            ),
            QgsProcessingParameterNumber(
                self.TILE_SIZE, tr("Tile size (pixels)"), QgsProcessingParameterNumber.Type.Integer,
                512, minValue=16, maxValue=8192,
            ),
            QgsProcessingParameterNumber(
                self.BATCH_SIZE, tr("Pixels per inference batch"),
                QgsProcessingParameterNumber.Type.Integer, 65536, minValue=256, maxValue=16777216,
            ),
            QgsProcessingParameterBoolean(
                self.TRANSDUCTIVE, tr("Use the region's unlabelled pixels (transductive)"), True
            ),
            QgsProcessingParameterBoolean(
                self.ESTIMATE_ACCURACY, tr("Estimate accuracy (cross-validation on the labels)"),
                True,
            ),
            QgsProcessingParameterString(
                self.WAVELENGTHS, tr("Band centre wavelengths in nm (comma list, optional)"),
                optional=True,
            ),
        ]
        for param in advanced:
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
            self.addParameter(param)
        self.addParameter(
            QgsProcessingParameterNumber(
                self.SUGGESTIONS, tr("Suggest where to label next: number of places (0 = none)"),
                QgsProcessingParameterNumber.Type.Integer, 10, optional=True, minValue=0,
                maxValue=1000,
            )
        )
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Class map")))
        self.addParameter(
            QgsProcessingParameterRasterDestination(
                self.OUTPUT_CONFIDENCE, tr("Confidence (0..1)"), optional=True,
                createByDefault=False,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT_SUGGESTIONS, tr("Where to label next (suggestions)"),
                QgsProcessing.SourceType.TypeVectorPoint, optional=True, createByDefault=False,
            )
        )
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_MODEL, tr("Adapted classifier (to apply to other rasters)"),
            tr("MetaMapper classifier (*.pt)"), optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber(self.CLASS_COUNT, tr("Number of classes")))
        self.addOutput(QgsProcessingOutputNumber(self.SUPPORT_SIZE, tr("Labelled pixels used")))
        self.addOutput(
            QgsProcessingOutputNumber(self.ACCURACY_ESTIMATE, tr("Estimated accuracy (0..1)"))
        )
        self.addOutput(
            QgsProcessingOutputNumber(self.SKIPPED_FEATURES, tr("Skipped training features"))
        )
        self.addOutput(QgsProcessingOutputNumber(self.REGION_PIXELS, tr("Pixels classified")))
        self.addOutput(QgsProcessingOutputString(self.CLASSES, tr("Classes (comma separated)")))
        self.addOutput(QgsProcessingOutputString(self.DEVICE_USED, tr("Device used")))
        self.addOutput(QgsProcessingOutputString(self.METHOD, tr("Adaptation method")))

    # ------------------------------------------------------------------ checks
    def checkParameterValues(self, parameters, context):  # noqa: N802
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        try:
            self._gather(parameters, context, self._raster_info(parameters, context))
        except InputProblem as exc:
            return False, error_text(exc)
        return True, ""

    # ------------------------------------------------------------------ main thread: prepare
    def prepareAlgorithm(self, parameters, context, feedback) -> bool:  # noqa: N802
        """Read map layers here (main thread when run as a task), never in the worker."""
        self._styles = []
        self._outputs_to_style = {}
        try:
            self._raster = self._raster_info(parameters, context)
        except InputProblem as exc:
            raise QgsProcessingException(error_text(exc)) from None
        class_field = self.parameterAsString(parameters, self.CLASS_FIELD, context)
        self._colors = categorized_colors(self._training_layer(parameters, context),
                                          class_field)
        # the feature sources are made here and only read in the worker: made there, they
        # read the project's layers from another thread (a crash seen once in a test run,
        # in check_crs -> sourceCrs() under a QgsProcessingAlgRunnerTask)
        self._sources = {name: self.parameterAsSource(parameters, name, context)
                         for name in (self.TRAINING, self.REGION)}
        return True

    def _source(self, parameters, name: str, context):
        """The feature source of ``name``: the one prepareAlgorithm made, else made now
        (parameter checks, which run in the main thread)."""
        if name in self._sources:
            return self._sources[name]
        return self.parameterAsSource(parameters, name, context)

    def _training_layer(self, parameters, context):
        """The training layer, also when given as a "selected features only" definition.

        QGIS 3.22's parameterAsVectorLayer returns None for a
        QgsProcessingFeatureSourceDefinition (what the dialog and the panel pass with
        "selected features only"), which would lose the layer's category colours.
        """
        layer = self.parameterAsVectorLayer(parameters, self.TRAINING, context)
        if layer is not None:
            return layer
        value = parameters.get(self.TRAINING)
        if isinstance(value, QgsProcessingFeatureSourceDefinition):
            return QgsProcessingUtils.mapLayerFromString(str(value.source.staticValue()),
                                                         context)
        return None

    def _raster_info(self, parameters, context) -> RasterInfo:
        return raster_layer_info(self.parameterAsRasterLayer(parameters, self.INPUT, context))

    # ------------------------------------------------------------------ gather + validate
    def _gather(self, parameters, context, raster: RasterInfo, is_cancelled=None) -> GatheredInputs:
        """Validate every parameter and convert the features; raise InputProblem."""
        transform_context = context.transformContext()
        training = self._source(parameters, self.TRAINING, context)
        if training is None:
            raise InputProblem(tr("No training layer was given. Choose a point or polygon layer."))
        class_field = self.parameterAsString(parameters, self.CLASS_FIELD, context)
        check_crs(training, tr("training layer"))
        check_class_field(training, class_field)
        try:
            converted = geo.convert_labelled(
                training, class_field, raster.crs, transform_context, is_cancelled
            )
        except geo.GeometryProblem as exc:
            raise InputProblem(str(exc)) from None
        check_training(converted, class_field, training, raster)

        region = gather_region(self._source(parameters, self.REGION, context), raster,
                               transform_context)

        output_path = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        check_output(output_path, raster, tr("class map"))
        confidence_path = self.parameterAsOutputLayer(parameters, self.OUTPUT_CONFIDENCE, context)
        confidence_path = confidence_path or None
        if confidence_path:
            check_output(confidence_path, raster, tr("confidence"))
            if os.path.abspath(confidence_path) == os.path.abspath(output_path):
                raise InputProblem(
                    tr("The class map and the confidence output are the same file. Give them "
                    "different file names.")
                )

        classifier_path = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL,
                                                     context) or None
        if classifier_path:
            check_classifier_output(classifier_path, raster)
        model_path = self.parameterAsFile(parameters, self.MODEL, context) or None
        if model_path and not os.path.isfile(model_path):
            raise InputProblem(
                tr(
                    "Model file not found: {model_path}. Choose an existing MetaMapper .pt "
                    "model file, or leave the model empty to use the bundled one."
                ).format(
                    model_path=model_path,
                )
            )
        wavelengths = parse_wavelengths(
            self.parameterAsString(parameters, self.WAVELENGTHS, context), raster
        )
        return GatheredInputs(
            raster=raster, training=converted, region=region, output_path=output_path,
            confidence_path=confidence_path, classifier_path=classifier_path,
            model_path=model_path, wavelengths=wavelengths,
            class_field=class_field,
        )

    def _optional_int(self, parameters, name: str, context) -> int | None:
        value = parameters.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, QVariant) and value.isNull():
            return None
        return self.parameterAsInt(parameters, name, context)

    # ------------------------------------------------------------------ worker thread
    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        started = time.perf_counter()
        raster = self._raster or self._raster_info(parameters, context)
        try:
            inputs = self._gather(parameters, context, raster, feedback.isCanceled)
        except InputProblem as exc:
            if feedback.isCanceled():  # reading stopped half-way: say so, not "too few classes"
                raise QgsProcessingException(
                    tr("Cancelled by the user; no output was written.")
                ) from None
            raise QgsProcessingException(error_text(exc)) from None
        finally:
            self._sources = {}  # the features are converted: release the layers' sources
        if feedback.isCanceled():
            raise QgsProcessingException(
                tr("Cancelled before the run started; nothing was written."))

        from ..core.errors import MetaMapperError

        try:
            from ..core.deps import require_runtime

            require_runtime()
            from ..core.model import bundled_model_path
            from ..core.pipeline import LabelledFeature, MapOptions, map_region
        except MetaMapperError as exc:
            raise QgsProcessingException(error_text(exc)) from None

        log_inputs(feedback, inputs, self._colors)
        device = DEVICES[self.parameterAsEnum(parameters, self.DEVICE, context)]
        options = MapOptions(
            device=device,
            seed=self.parameterAsInt(parameters, self.SEED, context),
            shots_cap=self.parameterAsInt(parameters, self.SHOTS_CAP, context),
            steps=self._optional_int(parameters, self.STEPS, context),
            tile_size=self.parameterAsInt(parameters, self.TILE_SIZE, context),
            batch_size=self.parameterAsInt(parameters, self.BATCH_SIZE, context),
            transductive=self.parameterAsBoolean(parameters, self.TRANSDUCTIVE, context),
            estimate_accuracy=self.parameterAsBoolean(
                parameters, self.ESTIMATE_ACCURACY, context
            ),
            wavelengths_nm=inputs.wavelengths,
            class_colors={name: rgb for name, (rgb, _label) in self._colors.items()} or None,
            suggestions=self._suggestion_count(parameters, context),
        )
        features = [
            LabelledFeature(geometry=g, label=lab)
            for g, lab in zip(inputs.training.geometries, inputs.training.labels)
        ]
        region = inputs.region.geometries if inputs.region is not None else None
        feedback.pushInfo(
            tr(
                "Model: {value}; device requested: {device}; seed {options_seed}"
            ).format(
                value=inputs.model_path or str(bundled_model_path()) + ' (bundled)',
                device=device,
                options_seed=options.seed,
            )
        )

        progress = progress_reporter(feedback)
        make_parent(inputs.output_path)
        if inputs.confidence_path:
            make_parent(inputs.confidence_path)
        try:
            result = map_region(
                raster.path,
                features,
                inputs.output_path,
                region=region,
                model_path=inputs.model_path,
                confidence_path=inputs.confidence_path,
                options=options,
                progress=progress,
                is_cancelled=feedback.isCanceled,
                classifier_path=inputs.classifier_path,
            )
        except MetaMapperError as exc:
            raise QgsProcessingException(error_text(exc)) from None
        except MemoryError:
            raise QgsProcessingException(
                tr("Out of memory. Use a smaller tile size or batch size (advanced parameters) "
                "or a smaller region.")
            ) from None

        skipped = inputs.training.skipped + int(getattr(result, "skipped_features", 0) or 0)
        support = support_size(result)
        log_result(feedback, result, skipped, support, time.perf_counter() - started)

        # the colours the engine wrote into the colour table (same source: ours, then palette)
        written = getattr(result, "class_colors", None) or {}
        colors = {name: (tuple(rgb), self._colors.get(name, (None, name))[1])
                  for name, rgb in written.items()} or self._colors
        self._styles = class_styles(result.classes, result.class_codes, colors)
        self._outputs_to_style = {"class": result.output_path, "confidence": result.confidence_path}
        suggestions_id = self._write_suggestions(parameters, context, feedback, result, raster)
        return {
            self.OUTPUT_SUGGESTIONS: suggestions_id,
            self.OUTPUT: result.output_path,
            self.OUTPUT_CONFIDENCE: result.confidence_path,
            self.OUTPUT_MODEL: inputs.classifier_path,
            self.CLASS_COUNT: len(result.classes),
            self.SUPPORT_SIZE: support,
            self.ACCURACY_ESTIMATE: result.accuracy_estimate,
            self.SKIPPED_FEATURES: skipped,
            self.REGION_PIXELS: int(result.region_pixels),
            self.CLASSES: ",".join(str(c) for c in result.classes),
            self.DEVICE_USED: result.device,
            self.METHOD: result.method,
        }

    # ------------------------------------------------------------------ main thread: styling
    def postProcessAlgorithm(self, context: QgsProcessingContext, feedback: QgsProcessingFeedback):  # noqa: N802
        """Ask QGIS to style the outputs when (and if) it loads them into the project."""
        style_when_loaded(context, self._styles, self._outputs_to_style.get("class"),
                          self._outputs_to_style.get("confidence"))
        suggestions_id = self._outputs_to_style.get("suggestions")
        if suggestions_id and context.willLoadLayerOnCompletion(suggestions_id):
            processor = keep_alive(suggestions_id, suggest_out.SuggestionsPostProcessor())
            context.layerToLoadOnCompletionDetails(suggestions_id).setPostProcessor(processor)
        return {}

    # ------------------------------------------------------------------ suggestions
    def _suggestion_count(self, parameters, context) -> int:
        """How many "label here next" points to compute: 0 unless the output is wanted."""
        target = parameters.get(self.OUTPUT_SUGGESTIONS)
        if target is None or (isinstance(target, str) and not target.strip()):
            return 0
        if parameters.get(self.SUGGESTIONS) in (None, ""):
            return 10
        return max(0, self.parameterAsInt(parameters, self.SUGGESTIONS, context))

    def _write_suggestions(self, parameters, context, feedback, result, raster) -> str | None:
        """The suggestions sink (raster CRS points), created only after a successful run."""
        if parameters.get(self.OUTPUT_SUGGESTIONS) in (None, ""):
            return None
        sink, dest_id = self.parameterAsSink(
            parameters, self.OUTPUT_SUGGESTIONS, context, suggest_out.suggestion_fields(),
            QgsWkbTypes.Type.Point, raster.crs,
        )  # fmt: skip
        if sink is None:
            return None
        found = list(getattr(result, "suggestions", None) or [])
        written = suggest_out.write_suggestions(sink, found, result.classes)
        feedback.pushInfo(tr("Suggested places to label next: {written}").format(written=written))
        self._outputs_to_style["suggestions"] = dest_id
        return dest_id


HELP = """<p>Classifies a raster from a <b>few labelled points or polygons</b>: a meta-trained
network (MAML / Meta-SGD / prototypical) adapts to your classes in seconds, then classifies
every pixel of the region, tile by tile, on CPU or GPU.</p>
<h3>Parameters</h3>
<dl>
<dt><b>Raster to classify</b> (INPUT)</dt><dd>Any raster file GDAL reads, any number of
bands, with a CRS.</dd>
<dt><b>Training features</b> (TRAINING)</dt><dd>Labelled points and/or polygons, in any CRS
(they are reprojected to the raster's with the project's datum transformations).
"Selected features only" is honoured. Features with an empty or NULL class are skipped and
counted in the log.</dd>
<dt><b>Class field</b> (CLASS_FIELD)</dt><dd>The field holding the class: text (class names)
or integer (codes 1..254 are kept as the class map's values; otherwise classes are coded 1..N
in name order). At least two classes are needed.</dd>
<dt><b>Region to map</b> (REGION, optional)</dt><dd>Polygons delimiting the area to
classify (all of them or the selected ones). Empty: the whole raster. Pixels outside are
nodata (0).</dd>
<dt><b>Model file</b> (MODEL, optional)</dt><dd>A MetaMapper <i>.pt</i> model. Empty: the
bundled meta-trained model.</dd>
<dt><b>Device</b> (DEVICE)</dt><dd>auto (GPU when available), cpu or cuda.</dd>
<dt><b>Random seed</b> (SEED)</dt><dd>The same seed and inputs give the same map.</dd>
<dt><b>Maximum labelled pixels per class</b> (SHOTS_CAP, advanced)</dt><dd>Polygons are
sampled down to this many pixels per class (stratified, seeded).</dd>
<dt><b>Adaptation steps</b> (STEPS, advanced)</dt><dd>Inner-loop steps; empty = the model's
own setting.</dd>
<dt><b>Tile size</b> (TILE_SIZE, advanced)</dt><dd>Pixels per tile side; smaller tiles use
less memory.</dd>
<dt><b>Pixels per inference batch</b> (BATCH_SIZE, advanced)</dt><dd>Smaller values use less
(GPU) memory.</dd>
<dt><b>Transductive</b> (TRANSDUCTIVE, advanced)</dt><dd>Also use the region's unlabelled
pixels to refine the class prototypes.</dd>
<dt><b>Estimate accuracy</b> (ESTIMATE_ACCURACY, advanced)</dt><dd>Cross-validates over
the labelled features (re-adapting each fold) to estimate the map's accuracy.</dd>
<dt><b>Wavelengths</b> (WAVELENGTHS, advanced)</dt><dd>Band centre wavelengths in nm,
one per band (e.g. "482, 561, 655"); helps the model map unusual band sets. Left empty,
they are read from the raster when it carries them (ENVI header, GDAL IMAGERY or band
WAVELENGTH metadata, EnMAP METADATA.XML, PRISMA lists); the log says where from. Bands
flagged bad (ENVI bbl), all nodata or constant are left out, with a log line.</dd>
</dl>
<h3>Outputs</h3>
<dl>
<dt><b>Class map</b> (OUTPUT)</dt><dd>GeoTIFF, one byte per pixel: class codes, 0 = nodata
(outside the region or under the raster's nodata); class names as category names, a colour
table and a .qml style. When loaded it is styled with the training layer's category colours
when it has them.</dd>
<dt><b>Confidence</b> (OUTPUT_CONFIDENCE, optional)</dt><dd>GeoTIFF, float 0..1: the
probability of the chosen class; styled with a 0..1 colour ramp.</dd>
<dt><b>Where to label next</b> (OUTPUT_SUGGESTIONS, optional) with
<b>SUGGESTIONS</b> (how many, default 10, 0 = none)</dt><dd>Points where one more label
should improve the map most: places where the model hesitates between two classes over a
whole patch (not a lone noisy pixel), spread out, away from existing labels, on valid pixels
of the region. Fields: rank (1 = most useful), class_1/prob_1 and class_2/prob_2 (the two
classes the model hesitates between, with their probabilities). Drawn as numbered markers.
Label a few of them (e.g. with the panel's pick-on-map tool) and run again.</dd>
<dt><b>Adapted classifier</b> (OUTPUT_MODEL, optional)</dt><dd>A .pt file holding the
classifier adapted to your labels (with the band statistics, bands and classes), for
<i>Apply a saved classifier</i> (metamapper:apply_classifier) to map other rasters and dates
of the same bands without labels. Where label propagation made the map, the file holds the
classifier distilled from it; the log says which.</dd>
<dt>CLASS_COUNT, SUPPORT_SIZE, ACCURACY_ESTIMATE, SKIPPED_FEATURES, REGION_PIXELS</dt>
<dd>Numbers for models and scripts: classes, labelled pixels used, estimated accuracy
(0..1, empty when not estimated), skipped training features, pixels classified.</dd>
<dt>CLASSES, DEVICE_USED, METHOD</dt><dd>Class names (comma separated), the device used and
the adaptation method.</dd>
</dl>
<p>The log lists the classes with their pixel counts, the device, the method, the times and
the accuracy estimate. Problems (no CRS, no overlap, fewer than two classes, unusable class
field, unwritable output...) stop the run with a message saying how to fix them, and no
output file is left behind.</p>"""
