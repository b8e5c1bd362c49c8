"""The MetaMapper Processing provider (id ``metamapper``): one algorithm, GeoTIFF outputs.

Loading the provider must stay light (QGIS loads it at start-up and for every qgis_process
call): nothing here imports torch, rasterio or the engine; the algorithm does so lazily when
it runs.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..translation import translator
from .apply_classifier import ApplyClassifierAlgorithm
from .assess_accuracy import AssessAccuracyAlgorithm
from .fewshot_classify import FewShotClassifyAlgorithm
from .validation_sample import ValidationSampleAlgorithm

tr = translator("MetaMapperProvider")

ICON_PATH = Path(__file__).resolve().parents[1] / "resources" / "icon.svg"


class MetaMapperProvider(QgsProcessingProvider):
    """Registers ``metamapper:fewshot_classify`` in the toolbox, batch, modeler, qgis_process."""

    def id(self) -> str:
        return "metamapper"

    def name(self) -> str:
        return "MetaMapper"

    def longName(self) -> str:  # noqa: N802 (QGIS API)
        return tr("MetaMapper (few-shot raster classification with meta-learning)")

    def icon(self) -> QIcon:
        return QIcon(str(ICON_PATH))

    def svgIconPath(self) -> str:  # noqa: N802
        return str(ICON_PATH)

    def loadAlgorithms(self) -> None:  # noqa: N802
        self.addAlgorithm(FewShotClassifyAlgorithm())
        self.addAlgorithm(ApplyClassifierAlgorithm())
        self.addAlgorithm(ValidationSampleAlgorithm())
        self.addAlgorithm(AssessAccuracyAlgorithm())

    # The engine writes GeoTIFF only (colour table, category names, tags): say so, so the
    # dialogs offer .tif and never a format the engine cannot write.
    def supportedOutputRasterLayerExtensions(self):  # noqa: N802
        return ["tif"]

    def defaultRasterFileExtension(self) -> str:  # noqa: N802
        return "tif"
