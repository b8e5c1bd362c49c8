"""After a run, the panel offers the accuracy assessment: two buttons that open the
Processing dialogs of ``metamapper:validation_sample`` and ``metamapper:assess_accuracy``
with the new class map filled in. The dialogs do the rest (parameters, running in the
background, loading the sample layer, the report in the Results Viewer), so this stays a
thin door onto the algorithms.
"""

from __future__ import annotations

from typing import Any, Dict

from qgis.core import QgsApplication, QgsMapLayer
from qgis.PyQt.QtWidgets import QHBoxLayout, QPushButton, QWidget

from ..translation import translator

tr = translator("AssessmentButtons")

SAMPLE_ALGORITHM = "metamapper:validation_sample"
ASSESS_ALGORITHM = "metamapper:assess_accuracy"


def open_algorithm_dialog(algorithm_id: str, parameters: Dict[str, Any], parent=None):
    """Show the Processing dialog of ``algorithm_id`` pre-filled with ``parameters``.

    What ``processing.createAlgorithmDialog`` does, with the panel's main window as parent
    (that helper needs ``qgis.utils.iface`` at import time). Returns the dialog (shown,
    non-modal), or None when the algorithm is not registered.
    """
    from processing.gui.AlgorithmDialog import AlgorithmDialog

    alg = QgsApplication.processingRegistry().createAlgorithmById(algorithm_id)
    if alg is None:
        return None
    dialog = alg.createCustomParametersWidget(parent) or AlgorithmDialog(alg, parent=parent)
    dialog.setParameters(parameters)
    dialog.show()
    return dialog


class AssessmentButtons(QWidget):
    """'Validation sample…' and 'Assess accuracy…', enabled once a class map exists."""

    def __init__(self, parent: QWidget | None = None, dialog_parent=None) -> None:
        super().__init__(parent)
        self.dialog_parent = dialog_parent
        self.class_map: QgsMapLayer | str | None = None
        self.dialog = None  # the latest dialog opened (kept referenced while shown)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.sample_button = QPushButton(tr("Validation sample…"))
        self.sample_button.setObjectName("validationSampleButton")
        self.sample_button.setToolTip(
            tr("Draw a stratified random sample of points over the class map, to check the map "
            "against what you see there (good-practice accuracy assessment)"))
        self.assess_button = QPushButton(tr("Assess accuracy…"))
        self.assess_button.setObjectName("assessAccuracyButton")
        self.assess_button.setToolTip(
            tr("Error matrix, accuracies and area-adjusted class areas from a validation layer"))
        row.addWidget(self.sample_button)
        row.addWidget(self.assess_button)
        self.sample_button.clicked.connect(lambda _=False: self.open(SAMPLE_ALGORITHM))
        self.assess_button.clicked.connect(lambda _=False: self.open(ASSESS_ALGORITHM))
        self.set_class_map(None)

    def set_class_map(self, class_map: QgsMapLayer | str | None) -> None:
        """The class map of the latest successful run (a layer or a file path)."""
        self.class_map = class_map
        for button in (self.sample_button, self.assess_button):
            button.setEnabled(class_map is not None)

    def open(self, algorithm_id: str):
        if self.class_map is None:
            return None
        self.dialog = open_algorithm_dialog(algorithm_id, {"INPUT": self.class_map},
                                            self.dialog_parent)
        return self.dialog


def class_map_of(outcome: Any) -> QgsMapLayer | str | None:
    """The class-map layer a run loaded (else its file), from a RunOutcome."""
    path = str((outcome.results or {}).get("OUTPUT") or "")
    for layer in outcome.layers or []:
        if path and layer.source().split("|")[0] == path:
            return layer
    return path or None
