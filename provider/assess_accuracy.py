"""``metamapper:assess_accuracy``: error matrix, accuracies and area-adjusted areas.

Compares a class map with a validation layer (points or polygons with a reference class,
text or integer, matched to the map's class names or codes; any CRS, reprojected to the
map's) and writes an HTML report (opened from the Processing results viewer) and a CSV.
Overall accuracy, its standard error and kappa are also numeric outputs for models.
Estimators: :mod:`core.assessment` (Olofsson et al. 2014).

Both files are written under temporary names and renamed together at the end: a refused
or failed run leaves neither.
"""

from __future__ import annotations

import datetime
import os
from typing import List

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterRasterLayer,
)

from . import geometry as geo
from .assessment_common import (
    AssessmentAlgorithm,
    InputProblem,
    check_crs,
    check_reference_field,
    class_map_info,
    read_validation,
    require_packages,
)

DESIGN_KEYS = ("stratified", "random", "other")
DESIGN_CHOICES = (
    "Stratified random by map class (e.g. from 'Create validation sample')",
    "Simple random or systematic",
    "Not a probability sample (hand-picked, training-like): no area estimates",
)


class AssessAccuracyAlgorithm(AssessmentAlgorithm):
    """Accuracy and area estimates of a class map from a validation sample."""

    INPUT = "INPUT"
    VALIDATION = "VALIDATION"
    REFERENCE_FIELD = "REFERENCE_FIELD"
    DESIGN = "DESIGN"
    REGION = "REGION"
    OUTPUT_HTML = "OUTPUT_HTML"
    OUTPUT_CSV = "OUTPUT_CSV"
    # numbers a model can chain
    OVERALL_ACCURACY = "OVERALL_ACCURACY"
    OVERALL_ACCURACY_SE = "OVERALL_ACCURACY_SE"
    KAPPA = "KAPPA"
    SAMPLE_COUNT = "SAMPLE_COUNT"
    CLASS_COUNT = "CLASS_COUNT"

    def createInstance(self) -> AssessAccuracyAlgorithm:  # noqa: N802 (QGIS API)
        return AssessAccuracyAlgorithm()

    def name(self) -> str:
        return "assess_accuracy"

    def displayName(self) -> str:  # noqa: N802
        return "Assess accuracy and area"

    def tags(self) -> List[str]:
        return ["accuracy", "assessment", "validation", "error matrix", "confusion matrix",
                "kappa", "user's accuracy", "producer's accuracy", "f1", "area", "olofsson",
                "good practice", "metamapper"]

    def shortDescription(self) -> str:  # noqa: N802
        return "Error matrix, accuracies and area-adjusted class areas with confidence intervals."

    def shortHelpString(self) -> str:  # noqa: N802
        return HELP

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, "Class map"))
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.VALIDATION, "Validation points or polygons",
                [QgsProcessing.SourceType.TypeVectorPoint,
                 QgsProcessing.SourceType.TypeVectorPolygon],
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.REFERENCE_FIELD, "Reference class field (text or integer)",
                "reference_class", self.VALIDATION, QgsProcessingParameterField.DataType.Any,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(self.DESIGN, "How the validation sample was selected",
                                       list(DESIGN_CHOICES), defaultValue=0)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.REGION, "Region assessed (polygons; empty = the whole map)",
                [QgsProcessing.SourceType.TypeVectorPolygon], optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_HTML, "Accuracy report", "HTML files (*.html *.htm)"
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_CSV, "Accuracy table (CSV)", "CSV files (*.csv)", optional=True,
                createByDefault=True,
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.OVERALL_ACCURACY, "Overall accuracy"))
        self.addOutput(QgsProcessingOutputNumber(
            self.OVERALL_ACCURACY_SE, "Standard error of overall accuracy"))
        self.addOutput(QgsProcessingOutputNumber(self.KAPPA, "Kappa"))
        self.addOutput(QgsProcessingOutputNumber(self.SAMPLE_COUNT, "Sample units used"))
        self.addOutput(QgsProcessingOutputNumber(self.CLASS_COUNT, "Classes"))

    # ------------------------------------------------------------------ checks
    def _check(self, parameters, context, main_thread: bool = True):
        """Validate the parameters; the class-map layer only on the main thread."""
        if main_thread:
            class_map_info(self.parameterAsRasterLayer(parameters, self.INPUT, context))
        source = self.parameterAsSource(parameters, self.VALIDATION, context)
        if source is None:
            raise InputProblem("No validation layer was given. Choose a point or polygon layer.")
        check_crs(source, "validation layer")
        check_reference_field(source, self.parameterAsString(parameters, self.REFERENCE_FIELD,
                                                             context))
        check_crs(self.parameterAsSource(parameters, self.REGION, context), "region layer")
        html = self.parameterAsFileOutput(parameters, self.OUTPUT_HTML, context)
        csv = self.parameterAsFileOutput(parameters, self.OUTPUT_CSV, context)
        if html and csv and os.path.abspath(html) == os.path.abspath(csv):
            raise InputProblem("The report and the CSV are the same file. Give them "
                               "different names.")
        return source

    def checkParameterValues(self, parameters, context):  # noqa: N802
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        try:
            self._check(parameters, context)
        except InputProblem as exc:
            return False, str(exc)
        return True, ""

    def prepareAlgorithm(self, parameters, context, feedback) -> bool:  # noqa: N802
        """Read the class-map layer here (main thread when run as a task)."""
        try:
            self._map = class_map_info(self.parameterAsRasterLayer(parameters, self.INPUT,
                                                                   context))
        except InputProblem as exc:
            raise QgsProcessingException(str(exc)) from None
        return True

    def _read_inputs(self, parameters, context, feedback):
        """Validation features and region polygons as plain data, in the map's CRS.

        The feature sources live only in this frame: a refusal raised later must not keep
        them referenced from its traceback (a GDAL-backed source destroyed after QGIS has
        shut down crashes the interpreter).
        """
        assert self._map is not None
        source = self._check(parameters, context, main_thread=False)
        field = self.parameterAsString(parameters, self.REFERENCE_FIELD, context)
        features = read_validation(source, field, self._map.crs, context.transformContext(),
                                   feedback.isCanceled)
        name = source.sourceName()
        region_source = self.parameterAsSource(parameters, self.REGION, context)
        region = None
        if region_source is not None:
            region = geo.convert_region(region_source, self._map.crs,
                                        context.transformContext()).geometries
            if not region:
                raise InputProblem(
                    "The region layer has no usable polygon. Select or draw one, or leave "
                    "the region empty to assess the whole map."
                )
        return features, name, region

    # ------------------------------------------------------------------ worker
    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        require_packages()
        from ..core.assessment_report import ReportContext, csv_text, html_report, write_files
        from ..core.class_map import open_class_map
        from ..core.errors import MetaMapperError
        from ..core.validation import assess_map

        assert self._map is not None
        layer = self._map
        field = self.parameterAsString(parameters, self.REFERENCE_FIELD, context)
        design = DESIGN_KEYS[self.parameterAsEnum(parameters, self.DESIGN, context)]
        problem = None
        try:
            features, source_name, region = self._read_inputs(parameters, context, feedback)
        except InputProblem as exc:
            problem = str(exc)
        if problem is not None:  # raised here, where no feature source is referenced
            raise QgsProcessingException(problem)
        html_path = self.parameterAsFileOutput(parameters, self.OUTPUT_HTML, context)
        csv_path = self.parameterAsFileOutput(parameters, self.OUTPUT_CSV, context)
        feedback.pushInfo(
            f"Class map: {layer.name}; validation: {source_name} "
            f"({len(features.geometries)} feature(s), reference field '{field}'); "
            f"design: {design}"
        )
        try:
            cmap = open_class_map(layer.path)
            feedback.setProgressText("Counting the mapped pixels of every class…")
            result = assess_map(
                cmap, features.geometries, features.labels, field_name=field, design=design,
                region=region, feature_ids=features.ids,
                progress=lambda f: feedback.setProgress(80 * f),
                is_cancelled=feedback.isCanceled,
            )
            a = result.assessment
            for warning in result.warnings:
                feedback.pushWarning(warning)
            units = "m²" if cmap.area_in_hectares else f"{cmap.linear_units or 'map unit'}²"
            ctx = ReportContext(
                map_name=layer.name, validation_name=source_name or "validation",
                reference_field=field, area_units=units, hectares=cmap.area_in_hectares,
                skipped=result.warnings,
                created=f"MetaMapper, {datetime.datetime.now():%Y-%m-%d %H:%M}; class map "
                        f"{layer.path}",
            )
            contents = {html_path: html_report(a, ctx)}
            if csv_path:
                contents[csv_path] = csv_text(a, ctx)
            if feedback.isCanceled():
                raise QgsProcessingException("Cancelled by the user; no report was written.")
            write_files(contents)
        except MetaMapperError as exc:
            raise QgsProcessingException(str(exc)) from None
        feedback.setProgress(100)
        _log(feedback, a)
        return {
            self.OUTPUT_HTML: html_path,
            self.OUTPUT_CSV: csv_path or None,
            self.OVERALL_ACCURACY: a.overall_accuracy,
            self.OVERALL_ACCURACY_SE: a.overall_accuracy_se,
            self.KAPPA: a.kappa,
            self.SAMPLE_COUNT: a.sample_size,
            self.CLASS_COUNT: len(a.classes),
        }


def _log(feedback, a) -> None:
    se = "" if a.overall_accuracy_se is None else f" ± {1.96 * a.overall_accuracy_se:.3f}"
    feedback.pushInfo(f"Overall accuracy: {a.overall_accuracy:.3f}{se}; kappa {a.kappa:.3f}; "
                      f"{a.sample_size} sample units")
    for i, name in enumerate(a.classes):
        line = (f"  {name}: user's {a.users_accuracy[i]:.3f}, producer's "
                f"{a.producers_accuracy[i]:.3f}, F1 {a.f1[i]:.3f}")
        if a.area is not None and a.area_ci95 is not None:
            line += f"; area-adjusted proportion {a.area_proportion[i]:.4f}"
        feedback.pushInfo(line)
    for note in a.notes:
        feedback.pushInfo("Note: " + note)


HELP = """<p>Assesses a class map against <b>reference data</b> by good practice (Olofsson et
al. 2014, <i>Good practices for estimating area and assessing accuracy of land change</i>,
Remote Sensing of Environment 148): the error matrix, overall accuracy, kappa, user's and
producer's accuracy and F1 per class, and, for a probability sample, <b>area-adjusted class
areas</b> with 95 % confidence intervals and the standard errors of the accuracies.</p>
<h3>Parameters</h3>
<dl>
<dt><b>Class map</b> (INPUT)</dt><dd>The class map (its class names are read from it).</dd>
<dt><b>Validation points or polygons</b> (VALIDATION)</dt><dd>Sample units with the class
you observed, in any CRS. A polygon takes the majority map class of its pixels.</dd>
<dt><b>Reference class field</b> (REFERENCE_FIELD)</dt><dd>Text (the map's class names,
any case) or integers (the map's codes). Empty values are skipped and counted.</dd>
<dt><b>Design</b> (DESIGN)</dt><dd>0: stratified random by map class (e.g. from <i>Create
validation sample</i>); 1: simple random or systematic (post-stratified); 2: not a
probability sample: the statistics then describe the sample only, without area estimates
or confidence intervals.</dd>
<dt><b>Region</b> (REGION, optional)</dt><dd>The area the sample was drawn in (the same
region as for the sample): the mapped area of each class is counted there.</dd>
</dl>
<h3>Outputs</h3>
<p>An HTML report (tables and a plot; opened from the Results Viewer), a CSV with one row
per class, and OVERALL_ACCURACY, OVERALL_ACCURACY_SE, KAPPA, SAMPLE_COUNT and CLASS_COUNT
for models. Areas are given in map units² and, for maps in metres, in hectares.</p>"""
