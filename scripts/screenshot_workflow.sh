#!/usr/bin/env bash
# Reproducible screenshots of the MetaMapper workflow in a real QGIS window under Xvfb.
# Writes docs/screenshots/workflow_{panel,result,map}.png (see scripts/screenshot_workflow.py),
# suggestions{,_map}.png (scripts/screenshot_suggestions.py) and the other screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
command -v xvfb-run >/dev/null || { echo "xvfb-run is missing: apt-get install xvfb"; exit 1; }
command -v qgis >/dev/null || { echo "qgis is missing: apt-get install qgis"; exit 1; }
"$PY" scripts/screenshot_workflow.py "$@"
"$PY" scripts/screenshot_suggestions.py
"$PY" scripts/modeler_screenshot.py
"$PY" scripts/qgis_window.py
"$PY" scripts/bad_input_screenshot.py
"$PY" scripts/screenshot_zh_cn.py  # zh_CN_{panel,result,processing_dialog,error}.png
