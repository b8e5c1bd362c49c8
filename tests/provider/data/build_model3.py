"""Rebuild ``clip_classify_report.model3`` (the graphical-modeler test model).

The model chains gdal:cliprasterbyextent -> metamapper:fewshot_classify ->
native:rasterlayeruniquevaluesreport, as an analyst would draw it in the modeler. It is
committed as a file (what the modeler saves); this script only documents how it was made:

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/provider/data/build_model3.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def with_defaults(child):
    """Store every required parameter's default, as the modeler's dialog does.

    Without them the modeler flags the child as invalid (processing.run would still fill
    them in, which is why only the modeler shows the problem).
    """
    from qgis.core import QgsApplication, QgsProcessingParameterDefinition
    from qgis.core import QgsProcessingModelChildParameterSource as Source

    alg = QgsApplication.processingRegistry().algorithmById(child.algorithmId())
    present = set(child.parameterSources().keys())
    for param in alg.parameterDefinitions():
        if param.isDestination() or param.name() in present:
            continue
        if param.flags() & QgsProcessingParameterDefinition.Flag.FlagOptional:
            continue
        child.addParameterSources(param.name(), [Source.fromStaticValue(param.defaultValue())])
    return child


def build(path: Path) -> None:
    from qgis.core import (
        QgsProcessing,
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterBoolean,
        QgsProcessingParameterExtent,
        QgsProcessingParameterFeatureSource,
        QgsProcessingParameterField,
        QgsProcessingParameterFile,
        QgsProcessingParameterRasterLayer,
    )
    from qgis.core import (
        QgsProcessingModelChildParameterSource as Source,
    )
    from qgis.PyQt.QtCore import QPointF

    model = QgsProcessingModelAlgorithm("Clip, classify, report", "MetaMapper tests")
    inputs = [
        QgsProcessingParameterRasterLayer("raster", "Raster"),
        QgsProcessingParameterExtent("extent", "Extent to classify"),
        QgsProcessingParameterFeatureSource(
            "training", "Training features",
            [QgsProcessing.SourceType.TypeVectorPoint, QgsProcessing.SourceType.TypeVectorPolygon],
        ),
        QgsProcessingParameterField("class_field", "Class field", None, "training"),
        QgsProcessingParameterFile("model", "Model file", extension="pt", optional=True),
        QgsProcessingParameterBoolean("estimate_accuracy", "Estimate accuracy", False),
    ]
    for i, param in enumerate(inputs):
        component = QgsProcessingModelParameter(param.name())
        component.setPosition(QPointF(120, 60 + 70 * i))
        model.addModelParameter(param, component)

    clip = QgsProcessingModelChildAlgorithm("gdal:cliprasterbyextent")
    clip.setChildId("clip")
    clip.setDescription("Clip raster by extent")
    clip.setPosition(QPointF(420, 80))
    clip.addParameterSources("INPUT", [Source.fromModelParameter("raster")])
    clip.addParameterSources("PROJWIN", [Source.fromModelParameter("extent")])
    clip.addParameterSources("OUTPUT", [Source.fromStaticValue("TEMPORARY_OUTPUT")])
    model.addChildAlgorithm(with_defaults(clip))

    classify = QgsProcessingModelChildAlgorithm("metamapper:fewshot_classify")
    classify.setChildId("classify")
    classify.setDescription("Few-shot classify raster")
    classify.setPosition(QPointF(420, 240))
    classify.addParameterSources("INPUT", [Source.fromChildOutput("clip", "OUTPUT")])
    classify.addParameterSources("TRAINING", [Source.fromModelParameter("training")])
    classify.addParameterSources("CLASS_FIELD", [Source.fromModelParameter("class_field")])
    classify.addParameterSources("MODEL", [Source.fromModelParameter("model")])
    classify.addParameterSources(
        "ESTIMATE_ACCURACY", [Source.fromModelParameter("estimate_accuracy")]
    )
    classify.addParameterSources("DEVICE", [Source.fromStaticValue(0)])
    classify.addParameterSources("SEED", [Source.fromStaticValue(0)])
    classify.addParameterSources("TILE_SIZE", [Source.fromStaticValue(256)])
    class_map = QgsProcessingModelOutput("class_map", "Class map")
    class_map.setChildOutputName("OUTPUT")
    class_map.setChildId("classify")
    classify.setModelOutputs({"class_map": class_map})
    model.addChildAlgorithm(with_defaults(classify))

    report = QgsProcessingModelChildAlgorithm("native:rasterlayeruniquevaluesreport")
    report.setChildId("report")
    report.setDescription("Raster layer unique values report")
    report.setPosition(QPointF(420, 400))
    report.addParameterSources("INPUT", [Source.fromChildOutput("classify", "OUTPUT")])
    report.addParameterSources("BAND", [Source.fromStaticValue(1)])
    table = QgsProcessingModelOutput("class_pixels", "Pixels per class")
    table.setChildOutputName("OUTPUT_TABLE")
    table.setChildId("report")
    report.setModelOutputs({"class_pixels": table})
    model.addChildAlgorithm(with_defaults(report))

    # the destination parameters of the model, as the modeler creates them
    model.updateDestinationParameters()
    valid, issues = model.validate()
    assert valid, issues
    assert model.toFile(str(path)), f"could not write {path}"


def main() -> None:
    sys.path.append("/usr/share/qgis/python/plugins")
    sys.path.insert(0, str(HERE.parents[2] / "build" / "pkg"))
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    from metamapper.provider.provider import MetaMapperProvider

    provider = MetaMapperProvider()  # keep a reference: the registry does not keep it alive
    QgsApplication.processingRegistry().addProvider(provider)
    build(HERE / "clip_classify_report.model3")
    print("wrote", HERE / "clip_classify_report.model3")


if __name__ == "__main__":
    main()
