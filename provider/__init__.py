"""Processing provider of MetaMapper: ``metamapper:fewshot_classify`` (qgis.core only).

Named ``provider`` and not ``processing`` so that it never shadows QGIS's own
``processing`` package.
"""
