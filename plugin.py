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

from .qt_compat import QAction
from .translation import install_translator, remove_translator, tr_message, translator

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
        self.install_action: QAction | None = None  # Plugins ▸ MetaMapper ▸ Install…
        self.installer: Any = None  # the open InstallDialog
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
        self.install_action = QAction(tr("Install dependencies…"), self.iface.mainWindow())
        self.install_action.setObjectName("mMetaMapperInstallAction")
        self.install_action.triggered.connect(self.show_installer)
        self.iface.addPluginToMenu(MENU, self.install_action)

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
        if self.install_action is not None:
            self.install_action.triggered.disconnect(self.show_installer)
            self.iface.removePluginMenu(MENU, self.install_action)
            self.install_action.deleteLater()
            self.install_action = None
        if self.installer is not None:
            self.installer.close()
            self.installer.deleteLater()
            self.installer = None
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
        from qgis.PyQt.QtWidgets import QPushButton

        bar = self.iface.messageBar()
        item = bar.createMessage(PLUGIN_NAME, message.replace("\n", " "))
        button = QPushButton(tr("Install the missing packages"), item)
        button.setObjectName("mMetaMapperInstallButton")
        button.clicked.connect(self.show_installer)
        item.layout().addWidget(button)
        bar.pushWidget(item, Qgis.MessageLevel.Critical, 0)  # the bar owns it from here
        return False

    def show_installer(self) -> None:
        """Plugins ▸ MetaMapper ▸ Install dependencies… (also the message bar's button)."""
        from .ui.install_dialog import InstallDialog

        if self.installer is None:
            self.installer = InstallDialog(self.iface.mainWindow(), self._installed)
        self.installer.show()
        self.installer.raise_()

    def _installed(self) -> None:
        self.iface.messageBar().pushMessage(
            PLUGIN_NAME, tr("The packages are installed: MetaMapper is ready."),
            level=Qgis.MessageLevel.Success, duration=10)
