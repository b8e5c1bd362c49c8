"""The QGIS plugin object: one action (toolbar + Raster menu), the Processing provider, the panel.

Kept deliberately small: everything the user runs goes through the Processing algorithm
``metamapper:fewshot_classify``; this class only wires entry points and cleans them up, so
that load, unload and reload leave nothing behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import Qgis, QgsApplication, QgsMessageLog
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon

from .translation import install_translator, remove_translator, tr_message, translator
from .ui.qt_compat import QAction

tr = translator("MetaMapperPlugin")
PLUGIN_NAME = "MetaMapper"
MENU = "&MetaMapper"  # the plugin's name: not translated
ICON_PATH = str(Path(__file__).resolve().parent / "resources" / "icon.svg")


class MetaMapperPlugin:
    """Registers the provider and the toolbar/menu action; creates the panel on demand."""

    def __init__(self, iface) -> None:
        self.iface = iface
        self.provider: Any = None  # MetaMapperProvider, imported lazily
        self.action: QAction | None = None
        self.panel: Any = None  # MetaMapperPanel, created on first use
        # QGIS's language (English: no translator); removed again in unload()
        self.translator = install_translator()

    # --- Processing -------------------------------------------------------------------
    def initProcessing(self) -> None:  # noqa: N802 (QGIS API name)
        """Register the provider (QGIS calls this also for qgis_process, without a GUI)."""
        if self.provider is not None:
            return
        from .provider.provider import MetaMapperProvider

        provider = MetaMapperProvider()
        if QgsApplication.processingRegistry().addProvider(provider):
            self.provider = provider
        else:  # another copy of the plugin (e.g. a second install folder) already has the id
            QgsMessageLog.logMessage(
                tr("A Processing provider with id 'metamapper' is already registered (is "
                   "MetaMapper installed twice?); this copy's algorithms are not added. Remove "
                   "the duplicate plugin folder and restart QGIS."), PLUGIN_NAME,
                Qgis.MessageLevel.Warning)

    # --- GUI --------------------------------------------------------------------------
    def initGui(self) -> None:  # noqa: N802
        self.initProcessing()
        self.action = QAction(QIcon(ICON_PATH), tr("MetaMapper: few-shot classify…"),
                              self.iface.mainWindow())
        self.action.setObjectName("mMetaMapperAction")
        self.action.setToolTip(
            tr("Open the MetaMapper panel: adapt a meta-trained model to a few labelled "
               "features and classify a raster region")
        )
        self.action.setCheckable(True)
        self.action.triggered.connect(self.toggle_panel)
        self.iface.addToolBarIcon(self.action)
        self.iface.addPluginToRasterMenu(MENU, self.action)

    def unload(self) -> None:
        """Remove every trace: panel, action, menu entry, provider."""
        if self.panel is not None:
            self.panel.cleanup()
            self.iface.removeDockWidget(self.panel)
            self.panel.deleteLater()
            self.panel = None
        if self.action is not None:
            self.action.triggered.disconnect(self.toggle_panel)
            self.iface.removePluginRasterMenu(MENU, self.action)
            self.iface.removeToolBarIcon(self.action)
            self.action.deleteLater()
            self.action = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        remove_translator(self.translator)
        self.translator = None

    def toggle_panel(self, checked: bool = True) -> None:
        """Show or hide the panel, creating it on first use (after a dependency check)."""
        if self.panel is None:
            if not checked:
                return
            if not self._dependencies_ok():
                if self.action is not None:
                    self.action.setChecked(False)
                return
            from .ui.panel import MetaMapperPanel

            self.panel = MetaMapperPanel(self.iface, self.iface.mainWindow())
            self.panel.visibilityChanged.connect(self._sync_action)
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel)
            # docks open at their minimum width, which clips the panel's rows: start wide
            # enough for its content (the user can still drag it narrower or wider)
            width = max(440, self.panel.sizeHint().width())
            self.iface.mainWindow().resizeDocks([self.panel], [width], Qt.Orientation.Horizontal)
        self.panel.setVisible(checked)

    def _sync_action(self, visible: bool) -> None:
        if self.action is not None and self.action.isChecked() != visible:
            self.action.setChecked(visible)

    def _dependencies_ok(self) -> bool:
        """Tell the user, once and clearly, which packages to install (no traceback)."""
        from .core.deps import missing_runtime_message, missing_runtime_packages

        missing = missing_runtime_packages()
        if not missing:
            return True
        message = tr_message(missing_runtime_message(missing))
        QgsMessageLog.logMessage(message, PLUGIN_NAME, Qgis.MessageLevel.Critical)
        self.iface.messageBar().pushMessage(PLUGIN_NAME, message.replace("\n", " "),
                                            level=Qgis.MessageLevel.Critical, duration=0)
        return False
