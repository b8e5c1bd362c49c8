"""MetaMapper QGIS plugin entry point.

Only ``classFactory`` lives here: QGIS imports this module at start-up, so nothing heavy
(torch, rasterio) and nothing from qgis is imported at module level.
"""


def classFactory(iface):  # noqa: N802 (name fixed by QGIS)
    """Return the plugin instance QGIS asks for."""
    try:  # the packages installed into the QGIS profile (Install dependencies…)
        from .install import activate

        activate()
    except Exception:  # noqa: BLE001 - a broken profile folder must not stop the plugin
        pass
    from .plugin import MetaMapperPlugin

    return MetaMapperPlugin(iface)
