"""The plugin loads, registers its action and provider, and unloads without leftovers."""

from __future__ import annotations

import subprocess
import sys

import pytest
from metamapper.qt_compat import QAction
from qgis.core import QgsApplication

from tests.conftest import PKG_PARENT

ALG_ID = "metamapper:fewshot_classify"


@pytest.fixture()
def recording_iface(qgis_iface, monkeypatch):
    """pytest-qgis's iface, recording toolbar/menu additions so leftovers can be counted.

    Any MetaMapper provider registered by other tests' fixtures is removed first: the
    plugin must register its own (they re-register on demand).
    """
    registry = QgsApplication.processingRegistry()
    if registry.providerById("metamapper") is not None:
        registry.removeProvider("metamapper")
    return _recording(qgis_iface, monkeypatch)


def _recording(qgis_iface, monkeypatch):
    toolbar: list[QAction] = []
    menu: list[tuple[str, QAction]] = []
    monkeypatch.setattr(qgis_iface, "addToolBarIcon", toolbar.append, raising=False)
    monkeypatch.setattr(qgis_iface, "removeToolBarIcon", toolbar.remove, raising=False)
    monkeypatch.setattr(qgis_iface, "addPluginToRasterMenu",
                        lambda name, action: menu.append((name, action)), raising=False)
    monkeypatch.setattr(qgis_iface, "removePluginRasterMenu",
                        lambda name, action: menu.remove((name, action)), raising=False)
    monkeypatch.setattr(qgis_iface, "addPluginToMenu",
                        lambda name, action: menu.append((name, action)), raising=False)
    monkeypatch.setattr(qgis_iface, "removePluginMenu",
                        lambda name, action: menu.remove((name, action)), raising=False)
    qgis_iface.recorded_toolbar = toolbar
    qgis_iface.recorded_menu = menu
    return qgis_iface


def _provider_ids() -> list[str]:
    return [p.id() for p in QgsApplication.processingRegistry().providers()]


def _load(iface):
    import metamapper

    plugin = metamapper.classFactory(iface)
    plugin.initProcessing()
    plugin.initGui()
    return plugin


def test_init_gui_adds_action_menu_and_provider(recording_iface) -> None:
    plugin = _load(recording_iface)
    try:
        assert recording_iface.recorded_toolbar == [plugin.action]
        assert recording_iface.recorded_menu == [("&MetaMapper", plugin.action),
                                                 ("&MetaMapper", plugin.install_action)]
        assert plugin.action.objectName() == "mMetaMapperAction"
        assert plugin.install_action.text() == "Install dependencies…"
        assert not plugin.action.icon().isNull()
        assert _provider_ids().count("metamapper") == 1
        alg = QgsApplication.processingRegistry().algorithmById(ALG_ID)
        assert alg is not None and alg.displayName()
    finally:
        plugin.unload()


def test_unload_removes_everything_and_reload_works(recording_iface) -> None:
    for _ in range(3):
        plugin = _load(recording_iface)
        plugin.unload()
        assert recording_iface.recorded_toolbar == []
        assert recording_iface.recorded_menu == []
        assert "metamapper" not in _provider_ids()
        assert plugin.action is None and plugin.provider is None
    plugin = _load(recording_iface)
    assert _provider_ids().count("metamapper") == 1
    plugin.unload()


def test_missing_dependencies_give_one_clear_message(recording_iface, monkeypatch) -> None:
    from metamapper.core import deps

    monkeypatch.setattr(deps, "missing_runtime_packages", lambda: ["torch", "rasterio"])
    plugin = _load(recording_iface)
    try:
        plugin.action.setChecked(True)
        plugin.toggle_panel(True)
        assert plugin.panel is None
        assert not plugin.action.isChecked()
        from qgis.core import Qgis

        items = [i for i in recording_iface.messageBar().items()
                 if i.level() == Qgis.MessageLevel.Critical]
        messages = " ".join(i.text() for i in items)
        assert "Install dependencies" in messages and "metamapper.install" in messages
        assert "torch" in messages and "rasterio" in messages
        from qgis.PyQt.QtWidgets import QPushButton

        buttons = recording_iface.messageBar().findChildren(QPushButton,
                                                            "mMetaMapperInstallButton")
        assert [b.text() for b in buttons] == ["Install the missing packages"]
        button = buttons[0]
        button.click()  # opens the installer, which names what is missing
        assert plugin.installer is not None and plugin.installer.isVisible()
        assert plugin.installer.needed == ["torch", "rasterio"]
    finally:
        plugin.unload()


def test_install_message_names_packages_and_command() -> None:
    from metamapper.core.deps import missing_runtime_message

    message = missing_runtime_message(["torch", "numpy<2"])
    assert "torch" in message and "numpy<2" in message
    assert "-m metamapper.install --yes" in message and "--user" not in message


def test_class_factory_does_not_import_torch() -> None:
    """QGIS start-up must stay fast: classFactory and initGui never import torch."""
    code = (
        "import sys; import metamapper; p = metamapper.classFactory(None); "
        "assert 'torch' not in sys.modules, 'torch imported'; "
        "assert 'rasterio' not in sys.modules, 'rasterio imported'; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(PKG_PARENT), "QT_QPA_PLATFORM": "offscreen",
                              "PATH": "/usr/bin:/bin"}, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "ok" in out.stdout


def test_a_second_copy_of_the_plugin_does_not_break_the_first(recording_iface) -> None:
    first = _load(recording_iface)
    second = _load(recording_iface)
    try:
        assert second.provider is None  # refused by the registry, logged, no exception
        assert _provider_ids().count("metamapper") == 1
        second.unload()
        assert QgsApplication.processingRegistry().algorithmById(ALG_ID) is not None
    finally:
        first.unload()
    assert "metamapper" not in _provider_ids()
