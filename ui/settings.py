"""Per-user settings the panel remembers between sessions (QgsSettings, ``metamapper/...``)."""

from __future__ import annotations

from dataclasses import dataclass

from qgis.core import QgsSettings

PREFIX = "metamapper/"
DEVICES = ("auto", "cpu", "cuda")


@dataclass
class PanelSettings:
    """What the analyst chose last time: model file, device, shots cap."""

    model: str = ""
    device: str = "auto"
    shots_cap: int = 200

    @classmethod
    def load(cls) -> PanelSettings:
        s = QgsSettings()
        device = str(s.value(PREFIX + "device", "auto") or "auto")
        try:
            shots = int(s.value(PREFIX + "shots_cap", 200))
        except (TypeError, ValueError):
            shots = 200
        return cls(
            model=str(s.value(PREFIX + "model", "") or ""),
            device=device if device in DEVICES else "auto",
            shots_cap=max(1, shots),
        )

    def save(self) -> None:
        s = QgsSettings()
        s.setValue(PREFIX + "model", self.model)
        s.setValue(PREFIX + "device", self.device)
        s.setValue(PREFIX + "shots_cap", int(self.shots_cap))
