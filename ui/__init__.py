"""The analyst's GUI: a dock panel, map tools (region, pick-on-map) and the task wiring.

Everything here runs on the main thread; the only work done elsewhere is the Processing
algorithm ``metamapper:fewshot_classify``, which ``run_task`` runs in a
``QgsProcessingAlgRunnerTask``.
"""
