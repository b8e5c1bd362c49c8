"""``metamapper:validation_sample``: a stratified random sample of points over a class map.

Strata are the map's classes (inside an optional region, nodata excluded); the total size
comes from a target standard error of overall accuracy or is given; the allocation is
proportional, equal or the compromise of Olofsson et al. (2014). The point layer has a
``map_class`` field and an empty ``reference_class`` field to fill in, ready for
``metamapper:assess_accuracy``. The engine is :mod:`core.assessing.validation_sample` (windowed).

The output layer is created only once the whole sample is drawn, so a refused or
cancelled run leaves no half-written layer.
"""

from __future__ import annotations

from typing import List

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsFields,
    QgsGeometry,
    QgsPointXY,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ..qt_compat import new_field
from ..translation import error_text, help_html, tr_message, translator
from . import geometry as geo
from .assessment_common import (
    AssessmentAlgorithm,
    ClassMapLayer,
    InputProblem,
    check_crs,
    class_map_info,
    require_packages,
)

tr = translator("ValidationSampleAlgorithm")



def allocation_labels() -> List[str]:
    """The ALLOCATION options, in ALLOCATION_KEYS order, in the user's language."""
    return [
        tr("Proportional to class area"),
        tr("Equal per class"),
        tr("Compromise: at least the minimum per class, the rest proportional"),
    ]


ALLOCATION_KEYS = ("proportional", "equal", "compromise")
#: Fields of the sample layer (the reference field is filled in by the analyst).
MAP_CLASS_FIELD = "map_class"
REFERENCE_FIELD = "reference_class"


class ValidationSampleAlgorithm(AssessmentAlgorithm):
    """Stratified random validation points over a class map (Olofsson et al. 2014)."""

    INPUT = "INPUT"
    REGION = "REGION"
    SAMPLE_SIZE = "SAMPLE_SIZE"
    TARGET_SE = "TARGET_SE"
    EXPECTED_ACCURACY = "EXPECTED_ACCURACY"
    ALLOCATION = "ALLOCATION"
    MIN_PER_CLASS = "MIN_PER_CLASS"
    SEED = "SEED"
    OUTPUT = "OUTPUT"
    # outputs
    TOTAL = "TOTAL"
    CLASS_COUNT = "CLASS_COUNT"
    SIZES = "SIZES"
    SIZE_METHOD = "SIZE_METHOD"

    def createInstance(self) -> ValidationSampleAlgorithm:  # noqa: N802 (QGIS API)
        return ValidationSampleAlgorithm()

    def name(self) -> str:
        return "validation_sample"

    def displayName(self) -> str:  # noqa: N802
        return tr("Create validation sample (stratified random)")

    def tags(self) -> List[str]:
        return ["validation", "accuracy", "assessment", "sample", "stratified", "random",
                "olofsson", "good practice", "reference", "points", "metamapper"]

    def shortDescription(self) -> str:  # noqa: N802
        return tr("Stratified random points over a class map, to check it against reference data.")

    def shortHelpString(self) -> str:  # noqa: N802
        return help_html(tr(HELP))

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Class map")))
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.REGION, tr("Region (polygons; empty = the whole map)"),
                [QgsProcessing.SourceType.TypeVectorPolygon], optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.SAMPLE_SIZE, tr("Total sample size (0 = from the target standard error)"),
                QgsProcessingParameterNumber.Type.Integer, 0, minValue=0, maxValue=1_000_000,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.TARGET_SE, tr("Target standard error of overall accuracy"),
                QgsProcessingParameterNumber.Type.Double, 0.01, minValue=0.001, maxValue=0.2,
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.EXPECTED_ACCURACY,
                tr("Expected user's accuracy (e.g. 0.85, or 0.9, water=0.95, urban=0.7)"),
                "0.85",
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.ALLOCATION, tr("Allocation to classes"), allocation_labels(),
                defaultValue=2,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MIN_PER_CLASS, tr("Minimum points per class (compromise allocation)"),
                QgsProcessingParameterNumber.Type.Integer, 50, minValue=2, maxValue=100_000,
            )
        )
        seed = QgsProcessingParameterNumber(
            self.SEED, tr("Random seed"), QgsProcessingParameterNumber.Type.Integer, 0, minValue=0
        )
        seed.setFlags(seed.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        self.addParameter(seed)
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, tr("Validation sample"), QgsProcessing.SourceType.TypeVectorPoint
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.TOTAL, tr("Points drawn")))
        self.addOutput(QgsProcessingOutputNumber(self.CLASS_COUNT, tr("Classes (strata)")))
        self.addOutput(QgsProcessingOutputString(self.SIZES, tr("Points per class")))
        self.addOutput(QgsProcessingOutputString(self.SIZE_METHOD, tr("How the size was chosen")))

    def checkParameterValues(self, parameters, context):  # noqa: N802
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        try:
            class_map_info(self.parameterAsRasterLayer(parameters, self.INPUT, context))
            check_crs(self.parameterAsSource(parameters, self.REGION, context), tr("region layer"))
        except InputProblem as exc:
            return False, error_text(exc)
        return True, ""

    def prepareAlgorithm(self, parameters, context, feedback) -> bool:  # noqa: N802
        """Read the class-map layer here (main thread when run as a task)."""
        try:
            self._map = class_map_info(self.parameterAsRasterLayer(parameters, self.INPUT,
                                                                   context))
        except InputProblem as exc:
            raise QgsProcessingException(error_text(exc)) from None
        return True

    def _region(self, parameters, context, layer: ClassMapLayer):
        """Region polygons as plain data in the map's CRS (None: the whole map).

        The feature source lives only in this frame, so no later traceback keeps it alive.
        """
        region_source = self.parameterAsSource(parameters, self.REGION, context)
        check_crs(region_source, tr("region layer"))
        if region_source is None:
            return None
        region = geo.convert_region(region_source, layer.crs, context.transformContext())
        if not region.geometries:
            raise InputProblem(
                tr("The region layer has no usable polygon (is 'Selected features only' on "
                "with nothing selected?). Select or draw a polygon, or leave the region "
                "empty to sample the whole map.")
            )
        return region.geometries

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        require_packages()
        from ..core.assessing.class_map import make_region, open_class_map
        from ..core.assessing.validation_sample import design_sample, draw_sample
        from ..core.errors import MetaMapperError

        assert self._map is not None
        layer = self._map
        problem = None
        try:
            region_geoms = self._region(parameters, context, layer)
        except InputProblem as exc:
            problem = error_text(exc)
        if problem is not None:  # raised here, where no feature source is referenced
            raise QgsProcessingException(problem)
        size = self.parameterAsInt(parameters, self.SAMPLE_SIZE, context)
        allocation = ALLOCATION_KEYS[self.parameterAsEnum(parameters, self.ALLOCATION, context)]
        cancelled = feedback.isCanceled
        try:
            cmap = open_class_map(layer.path)
            area = make_region(cmap, region_geoms)
            feedback.setProgressText(tr("Counting the pixels of every class…"))
            design = design_sample(
                cmap, area, total=size or None,
                target_se=self.parameterAsDouble(parameters, self.TARGET_SE, context),
                expected_accuracy=self.parameterAsString(parameters, self.EXPECTED_ACCURACY,
                                                         context),
                allocation=allocation,
                min_per_class=self.parameterAsInt(parameters, self.MIN_PER_CLASS, context),
                progress=lambda f: feedback.setProgress(45 * f), is_cancelled=cancelled,
            )
            feedback.setProgressText(tr("Drawing the sample…"))
            points = draw_sample(
                cmap, area, design, seed=self.parameterAsInt(parameters, self.SEED, context),
                progress=lambda f: feedback.setProgress(45 + 45 * f), is_cancelled=cancelled,
            )
        except MetaMapperError as exc:
            raise QgsProcessingException(error_text(exc)) from None

        fields = QgsFields()
        fields.append(new_field("sample_id", "int"))
        fields.append(new_field(MAP_CLASS_FIELD, "string"))
        fields.append(new_field("map_code", "int"))
        fields.append(new_field(REFERENCE_FIELD, "string"))
        fields.append(new_field("stratum_pixels", "int64"))
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields,
                                             QgsWkbTypes.Type.Point, layer.crs)
        if sink is None:
            raise QgsProcessingException(
                tr("Cannot create the validation sample layer. Choose a writable output file.")
            )
        for i, p in enumerate(points, start=1):
            feature = QgsFeature(fields)
            feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(p.x, p.y)))
            feature.setAttributes([i, p.name, p.code, None,
                                   int(design.strata_pixels[p.code])])
            sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
        feedback.setProgress(100)
        names = {c: cmap.name_of(c) for c in design.strata_pixels}
        _log(feedback, design, names, len(points))
        return {
            self.OUTPUT: dest_id,
            self.TOTAL: len(points),
            self.CLASS_COUNT: len(design.strata_pixels),
            self.SIZES: ", ".join(f"{names[c]}: {n}" for c, n in design.sample_sizes.items()),
            self.SIZE_METHOD: design.size_method,
        }


def _log(feedback, design, names, drawn: int) -> None:
    population = sum(design.strata_pixels.values())
    if design.size_method == "given":
        feedback.pushInfo(tr(
            "Sample size: {design_total_requested} (given)"
        ).format(
            design_total_requested=design.total_requested,
        ))
    else:
        expected = ", ".join(f"{names[c]} {u:.2f}" for c, u in design.expected_accuracy.items())
        feedback.pushInfo(
            tr(
                "Sample size: {design_total_requested}, for a standard error of overall "
                "accuracy of {design_target_se} with expected user's accuracies {expected} "
                "(Olofsson et al. 2014, eq. 13)"
            ).format(
                design_total_requested=design.total_requested,
                design_target_se=design.target_se,
                expected=expected,
            )
        )
    feedback.pushInfo(tr(
        "Allocation: {design_allocation}; {drawn} points drawn"
    ).format(
        design_allocation=design.allocation,
        drawn=drawn,
    ))
    feedback.pushInfo(tr("Class (stratum): mapped pixels, share of the area -> points"))
    for code, n_pixels in design.strata_pixels.items():
        feedback.pushInfo(
            tr(
                "  {names_item} (code {code}): {n_pixels} px, {value:.2f}% -> {value2}"
            ).format(
                names_item=names[code],
                code=code,
                n_pixels=n_pixels,
                value=100 * n_pixels / population,
                value2=design.sample_sizes.get(code, 0),
            )
        )
    for note in design.notes:
        feedback.pushWarning(tr_message(note))
    feedback.pushInfo(
        tr(
            "Fill in '{reference_field}' for every point (what you see there, with the "
            "map's class names), then run 'Assess accuracy and area' with this layer."
        ).format(
            reference_field=REFERENCE_FIELD,
        )
    )


HELP = """<p>Draws a <b>stratified random sample</b> of points over a class map, as good
practice recommends for assessing a map and estimating class areas (Olofsson et al. 2014,
<i>Good practices for estimating area and assessing accuracy of land change</i>). The strata
are the map's classes; nodata pixels (and pixels outside the region) are never drawn.</p>
<h3>Parameters</h3>
<dl>
<dt><b>Class map</b> (INPUT)</dt><dd>The class map MetaMapper wrote (class names are read
from it), or any raster of integer class codes.</dd>
<dt><b>Region</b> (REGION, optional)</dt><dd>Polygons limiting the sampled area. Use the same
region when you assess.</dd>
<dt><b>Total sample size</b> (SAMPLE_SIZE)</dt><dd>0 (default): computed from the target
standard error of overall accuracy and the expected user's accuracies (Cochran's formula,
eq. 13 of the paper). Otherwise, the number of points.</dd>
<dt><b>Target standard error</b> (TARGET_SE)</dt><dd>Of overall accuracy, e.g. 0.01.</dd>
<dt><b>Expected user's accuracy</b> (EXPECTED_ACCURACY)</dt><dd>A number for every class
(0.85), or a default then class=value pairs: <i>0.9, deforestation=0.7</i>.</dd>
<dt><b>Allocation</b> (ALLOCATION)</dt><dd>0 proportional to area, 1 equal, 2 (default)
compromise: every class gets at least MIN_PER_CLASS points (50-100 advised), the rest in
proportion to area.</dd>
<dt><b>Random seed</b> (SEED, advanced)</dt><dd>Same seed, same sample.</dd>
</dl>
<h3>Output</h3>
<p>Points at pixel centres, in the map's CRS, with <i>sample_id</i>, <i>map_class</i>,
<i>map_code</i>, <i>stratum_pixels</i> and an empty <i>reference_class</i>: fill it in with
what you observe at each point (photo interpretation, field visit), then run <b>Assess
accuracy and area</b>. TOTAL, CLASS_COUNT, SIZES and SIZE_METHOD report the design.</p>
<p>The map is read window by window: any size works in bounded memory.</p>"""
