"""The few Qt names that moved between Qt5 (QGIS 3) and Qt6 (QGIS 4), imported from here.

Enum members need no help: QGIS 3.22's PyQt5 already accepts the scoped spellings Qt6
requires (``Qt.MouseButton.LeftButton``), and tests/test_qt6_ready.py keeps them scoped.
"""

from __future__ import annotations

try:  # Qt6: QAction lives in QtGui
    from qgis.PyQt.QtGui import QAction
except ImportError:  # Qt5
    from qgis.PyQt.QtWidgets import QAction

__all__ = ["QAction"]
