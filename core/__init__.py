"""MetaMapper's engine: numpy + rasterio + torch, never qgis or Qt.

Kept import-light on purpose (QGIS imports the plugin at start-up): nothing heavy is
imported here. The public call is :func:`metamapper.core.pipeline.map_region`.
"""
