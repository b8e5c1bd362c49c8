"""The few Qt names that moved between Qt5 (QGIS 3) and Qt6 (QGIS 4), imported from here.

Enum members need no help: QGIS 3.22's PyQt5 already accepts the scoped spellings Qt6
requires (``Qt.MouseButton.LeftButton``), and tests/test_qt6_ready.py keeps them scoped.
"""

from __future__ import annotations

try:  # Qt6: QAction lives in QtGui
    from qgis.PyQt.QtGui import QAction
except ImportError:  # Qt5
    from qgis.PyQt.QtWidgets import QAction

__all__ = ["QAction", "new_field"]


def new_field(name: str, kind: str, length: int = 0):  # -> QgsField
    """A ``QgsField`` of ``kind`` 'int' | 'int64' | 'double' | 'string': ``QMetaType``
    codes from QGIS 3.38 (the only ones Qt6 builds accept), ``QVariant`` codes before."""
    from qgis.core import Qgis, QgsField

    if Qgis.QGIS_VERSION_INT >= 33800:
        from qgis.PyQt.QtCore import QMetaType

        codes = {"int": QMetaType.Type.Int, "int64": QMetaType.Type.LongLong,
                 "double": QMetaType.Type.Double, "string": QMetaType.Type.QString}
    else:
        from qgis.PyQt.QtCore import QVariant

        codes = {"int": QVariant.Type.Int, "int64": QVariant.Type.LongLong,
                 "double": QVariant.Type.Double, "string": QVariant.Type.String}
    return QgsField(name, codes[kind], len=length)
