"""``metamapper:assess_accuracy``: error matrix, accuracies and area-adjusted areas.

Compares a class map with a validation layer (points or polygons with a reference class,
text or integer, matched to the map's class names or codes; any CRS, reprojected to the
map's) and writes an HTML report (opened from the Processing results viewer) and a CSV.
Overall accuracy, its standard error and kappa are also numeric outputs for models.
Estimators: :mod:`core.assessing.assessment` (Olofsson et al. 2014).

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

from ..translation import error_text, help_html, tr_message, translator
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

tr = translator("AssessAccuracyAlgorithm")

DESIGN_KEYS = ("stratified", "random", "other")


def design_choices() -> List[str]:
    """The DESIGN options, in DESIGN_KEYS order, in the user's language."""
    return [
        tr("Stratified random by map class (e.g. from 'Create validation sample')"),
        tr("Simple random or systematic"),
        tr("Not a probability sample (hand-picked, training-like): no area estimates"),
    ]


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
        return tr("Assess accuracy and area")

    def tags(self) -> List[str]:
        return ["accuracy", "assessment", "validation", "error matrix", "confusion matrix",
                "kappa", "user's accuracy", "producer's accuracy", "f1", "area", "olofsson",
                "good practice", "metamapper"]

    def shortDescription(self) -> str:  # noqa: N802
        return tr("Error matrix, accuracies and area-adjusted class areas with confidence "
                  "intervals.")

    def shortHelpString(self) -> str:  # noqa: N802
        return help_html(tr(HELP))

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Class map")))
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.VALIDATION, tr("Validation points or polygons"),
                [QgsProcessing.SourceType.TypeVectorPoint,
                 QgsProcessing.SourceType.TypeVectorPolygon],
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.REFERENCE_FIELD, tr("Reference class field (text or integer)"),
                "reference_class", self.VALIDATION, QgsProcessingParameterField.DataType.Any,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(self.DESIGN, tr("How the validation sample was selected"),
                                       design_choices(), defaultValue=0)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.REGION, tr("Region assessed (polygons; empty = the whole map)"),
                [QgsProcessing.SourceType.TypeVectorPolygon], optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_HTML, tr("Accuracy report"), tr("HTML files (*.html *.htm)")
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_CSV, tr("Accuracy table (CSV)"), tr("CSV files (*.csv)"), optional=True,
                createByDefault=True,
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.OVERALL_ACCURACY, tr("Overall accuracy")))
        self.addOutput(QgsProcessingOutputNumber(
            self.OVERALL_ACCURACY_SE, tr("Standard error of overall accuracy")))
        self.addOutput(QgsProcessingOutputNumber(self.KAPPA, tr("Kappa")))
        self.addOutput(QgsProcessingOutputNumber(self.SAMPLE_COUNT, tr("Sample units used")))
        self.addOutput(QgsProcessingOutputNumber(self.CLASS_COUNT, tr("Classes")))

    # ------------------------------------------------------------------ checks
    def _check(self, parameters, context, main_thread: bool = True):
        """Validate the parameters; the class-map layer only on the main thread."""
        if main_thread:
            class_map_info(self.parameterAsRasterLayer(parameters, self.INPUT, context))
        source = self.parameterAsSource(parameters, self.VALIDATION, context)
        if source is None:
            raise InputProblem(
                tr("No validation layer was given. Choose a point or polygon layer."))
        check_crs(source, tr("validation layer"))
        check_reference_field(source, self.parameterAsString(parameters, self.REFERENCE_FIELD,
                                                             context))
        check_crs(self.parameterAsSource(parameters, self.REGION, context), tr("region layer"))
        html = self.parameterAsFileOutput(parameters, self.OUTPUT_HTML, context)
        csv = self.parameterAsFileOutput(parameters, self.OUTPUT_CSV, context)
        if html and csv and os.path.abspath(html) == os.path.abspath(csv):
            raise InputProblem(tr("The report and the CSV are the same file. Give them "
                               "different names."))
        return source

    def checkParameterValues(self, parameters, context):  # noqa: N802
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        try:
            self._check(parameters, context)
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
                    tr("The region layer has no usable polygon. Select or draw one, or leave "
                    "the region empty to assess the whole map.")
                )
        return features, name, region

    # ------------------------------------------------------------------ worker
    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        require_packages()
        from ..core.assessing.assessment_report import (
            ReportContext,
            csv_text,
            html_report,
            write_files,
        )
        from ..core.assessing.class_map import open_class_map
        from ..core.assessing.validation import assess_map
        from ..core.errors import MetaMapperError

        assert self._map is not None
        layer = self._map
        field = self.parameterAsString(parameters, self.REFERENCE_FIELD, context)
        design = DESIGN_KEYS[self.parameterAsEnum(parameters, self.DESIGN, context)]
        problem = None
        try:
            features, source_name, region = self._read_inputs(parameters, context, feedback)
        except InputProblem as exc:
            problem = error_text(exc)
        if problem is not None:  # raised here, where no feature source is referenced
            raise QgsProcessingException(problem)
        html_path = self.parameterAsFileOutput(parameters, self.OUTPUT_HTML, context)
        csv_path = self.parameterAsFileOutput(parameters, self.OUTPUT_CSV, context)
        feedback.pushInfo(
            tr(
                "Class map: {layer_name}; validation: {source_name} "
                "({n_features_geometries} feature(s), reference field '{field}'); design: "
                "{design}"
            ).format(
                layer_name=layer.name,
                source_name=source_name,
                n_features_geometries=len(features.geometries),
                field=field,
                design=design,
            )
        )
        try:
            cmap = open_class_map(layer.path)
            feedback.setProgressText(tr("Counting the mapped pixels of every class…"))
            result = assess_map(
                cmap, features.geometries, features.labels, field_name=field, design=design,
                region=region, feature_ids=features.ids,
                progress=lambda f: feedback.setProgress(80 * f),
                is_cancelled=feedback.isCanceled,
            )
            a = result.assessment
            for warning in result.warnings:
                feedback.pushWarning(tr_message(warning))
            units = "m²" if cmap.area_in_hectares else f"{cmap.linear_units or tr('map unit')}²"
            ctx = ReportContext(
                map_name=layer.name, validation_name=source_name or tr("validation"),
                reference_field=field, area_units=units, hectares=cmap.area_in_hectares,
                skipped=result.warnings,
                created=f"MetaMapper, {datetime.datetime.now():%Y-%m-%d %H:%M}; class map "
                        f"{layer.path}",
            )
            contents = {html_path: html_report(a, ctx)}
            if csv_path:
                contents[csv_path] = csv_text(a, ctx)
            if feedback.isCanceled():
                raise QgsProcessingException(tr("Cancelled by the user; no report was written."))
            write_files(contents)
        except MetaMapperError as exc:
            raise QgsProcessingException(error_text(exc)) from None
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
    feedback.pushInfo(tr(
        "Overall accuracy: {a_overall_accuracy:.3f}{se}; kappa {a_kappa:.3f}; "
        "{a_sample_size} sample units"
    ).format(
        a_overall_accuracy=a.overall_accuracy,
        se=se,
        a_kappa=a.kappa,
        a_sample_size=a.sample_size,
    ))
    for i, name in enumerate(a.classes):
        line = tr("  {name}: user's {users:.3f}, producer's {producers:.3f}, F1 {f1:.3f}"
                  ).format(name=name, users=a.users_accuracy[i],
                           producers=a.producers_accuracy[i], f1=a.f1[i])
        if a.area is not None and a.area_ci95 is not None:
            line += tr("; area-adjusted proportion {proportion:.4f}").format(
                proportion=a.area_proportion[i])
        feedback.pushInfo(line)
    for note in a.notes:
        feedback.pushInfo(tr("Note: {note}").format(note=tr_message(note)))


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
