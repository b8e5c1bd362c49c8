"""Render an HTML file (e.g. the accuracy report) to a PNG with Qt WebKit, headless.

    .venv/bin/python scripts/render_html.py build/assessment_demo/accuracy_report.html \
        docs/screenshots/accuracy_report.png --width 900
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=900)
    args = parser.parse_args()
    from qgis.PyQt.QtCore import QSize, QUrl
    from qgis.PyQt.QtGui import QColor, QImage, QPainter
    from qgis.PyQt.QtWebKitWidgets import QWebPage
    from qgis.PyQt.QtWidgets import QApplication

    app = QApplication([])
    page = QWebPage()
    done = []
    page.loadFinished.connect(done.append)
    page.mainFrame().load(QUrl.fromLocalFile(str(args.html.resolve())))
    while not done:
        app.processEvents()
    page.setViewportSize(QSize(args.width, 100))
    size = page.mainFrame().contentsSize()
    page.setViewportSize(QSize(args.width, size.height()))
    image = QImage(QSize(args.width, size.height()), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    page.mainFrame().render(painter)
    painter.end()
    args.png.parent.mkdir(parents=True, exist_ok=True)
    image.save(str(args.png))
    print(f"{args.png}: {args.width} x {size.height()} px")
    return 0


if __name__ == "__main__":
    sys.exit(main())
