"""`make demo`: run metamapper:fewshot_classify headless on the bundled Landsat-8 sample.

Writes <out>/classmap.tif (+ .qml sidecar), <out>/confidence.tif and <out>/preview.png
(the sample in true colour beside the styled class map, rendered by QGIS itself).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build" / "pkg"))
sys.path.append("/usr/share/qgis/python/plugins")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsRasterLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter  # noqa: E402

SAMPLE = ROOT / "resources" / "sample"


def render(layers: list, extent, size: QSize) -> QImage:
    """Render layers with QGIS's own renderer (what the user would see on the canvas)."""
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(layers[0].crs())
    settings.setExtent(extent)
    settings.setOutputSize(size)
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage()


def preview(rgb: QgsRasterLayer, classes: QgsRasterLayer, png: Path) -> None:
    """Sample (true colour) | class map, with the class legend underneath."""
    extent = rgb.extent()
    height = 633
    width = int(height * extent.width() / extent.height())
    legend_h = 40
    image = QImage(2 * width + 10, height + legend_h, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.drawImage(0, 0, render([rgb], extent, QSize(width, height)))
    painter.drawImage(width + 10, 0, render([classes], extent, QSize(width, height)))
    painter.setFont(QFont("Sans", 10))
    x = 5
    renderer = classes.renderer()
    for cls in getattr(renderer, "classes", lambda: [])():
        painter.fillRect(x, height + 12, 16, 16, cls.color)
        painter.setPen(QColor("black"))
        painter.drawText(x + 20, height + 25, cls.label)
        x += 30 + 8 * len(cls.label)
    painter.end()
    image.save(str(png))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "demo")
    parser.add_argument("--training", default=str(SAMPLE / "landcover_polygons.gpkg"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    app = QgsApplication([], False)
    app.initQgis()
    import processing  # noqa: F401  (QGIS's own module)
    from metamapper.provider.provider import MetaMapperProvider
    from processing.core.Processing import Processing

    Processing.initialize()
    provider = MetaMapperProvider()
    QgsApplication.processingRegistry().addProvider(provider)

    from qgis.core import QgsProcessingFeedback

    class PrintFeedback(QgsProcessingFeedback):
        def pushInfo(self, info: str) -> None:  # noqa: N802
            print(info, flush=True)

    params = {
        "INPUT": str(SAMPLE / "landsat8_crop.tif"),
        "TRAINING": args.training,
        "CLASS_FIELD": "name",
        "SEED": args.seed,
        "OUTPUT": str(args.out / "classmap.tif"),
        "OUTPUT_CONFIDENCE": str(args.out / "confidence.tif"),
    }
    start = time.perf_counter()
    try:
        results = processing.run("metamapper:fewshot_classify", params, feedback=PrintFeedback())
    except Exception as exc:  # shown as one clear line, not a traceback
        print(f"demo failed: {exc}", file=sys.stderr)
        sys.stderr.flush()
        os._exit(1)
    elapsed = time.perf_counter() - start
    classes = QgsRasterLayer(results["OUTPUT"], "MetaMapper classes")
    rgb = QgsRasterLayer(params["INPUT"], "Landsat-8 sample")
    if classes.renderer() is None or classes.renderer().type() != "paletted":
        print("warning: the class map did not pick up its .qml style", file=sys.stderr)
    preview(rgb, classes, args.out / "preview.png")
    print(f"\nDone in {elapsed:.1f} s: {results['OUTPUT']}")
    print(f"  confidence: {results.get('OUTPUT_CONFIDENCE')}")
    print(f"  preview:    {args.out / 'preview.png'}")
    for key in ("CLASS_COUNT", "SUPPORT_SIZE", "ACCURACY_ESTIMATE"):
        if key in results:
            print(f"  {key}: {results[key]}")
    del classes, rgb  # layers must go before QGIS's registries do
    sys.stdout.flush()
    # QgsApplication.exitQgis() after Processing's Python providers can crash on Debian's
    # QGIS 3.22; everything is written and flushed, so leave without tearing Qt down.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
