"""Speed as the user runs it: ``metamapper:fewshot_classify`` through Processing, defaults.

Issue 32's last rows: the 1024 x 1024 x 204 pixel-interleaved deflate GeoTIFF of
bench_hyper (6 classes x 20 labelled points, a GeoPackage layer), ``processing.run`` with
the default parameters (the bundled model, propagation, accuracy estimate), timed from the
call to the styled outputs; the first run of the session (torch's import and start-up
included) and the second. A random forest (100 trees, all cores) fitted on the same points
and predicting the same raster tile by tile is timed in the same process. It runs in
QGIS 3.22 here (``python bench/bench_processing.py``) and in the QGIS 3.40 LTR chroot
(``make bench`` runs both: ``METAMAPPER_CHROOT_SCRIPT``); results go to
``bench/results/processing-<QGIS version>.{json,md}``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_hyper as bh  # noqa: E402  (sets up the package path)


def label_layer(path: Path, folder: Path) -> Path:
    """The bench's labelled points as a GeoPackage (what an analyst gives Processing)."""
    import rasterio
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransformContext,
        QgsFeature,
        QgsGeometry,
        QgsPointXY,
        QgsVectorFileWriter,
        QgsVectorLayer,
    )

    with rasterio.open(path) as ds:
        feats = bh.point_features(ds.width, ds.transform)
        crs = ds.crs.to_wkt()
    layer = QgsVectorLayer("Point?field=cls:string(20)", "labels", "memory")
    layer.setCrs(QgsCoordinateReferenceSystem.fromWkt(crs))
    out = []
    for f in feats:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(*f.geometry["coordinates"])))
        feature["cls"] = f.label
        out.append(feature)
    layer.dataProvider().addFeatures(out)
    gpkg = folder / "labels.gpkg"
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    QgsVectorFileWriter.writeAsVectorFormatV3(layer, str(gpkg), QgsCoordinateTransformContext(),
                                              options)
    return gpkg


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import Qgis, QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    import processing  # noqa: F401
    from processing.core.Processing import Processing

    Processing.initialize()
    from metamapper.provider.provider import MetaMapperProvider

    provider = MetaMapperProvider()  # kept referenced: the registry does not keep it alive
    QgsApplication.processingRegistry().addProvider(provider)
    import processing as proc

    raster = bh.hyper_raster("pixel")
    work = Path(tempfile.mkdtemp(prefix="mm-bench-"))
    labels = label_layer(raster, work)
    from qgis.core import QgsProcessingFeedback

    class Times(QgsProcessingFeedback):
        line = ""

        def pushInfo(self, info):  # noqa: N802 (QGIS API)
            if info.startswith("Times:"):
                self.line = info

    # the random forest first: both then read the raster from the page cache
    rf = bh._random_forest(raster, work / "rf.tif")
    runs, times = [], []
    for i in range(2):
        out = work / f"classes-{i}.tif"
        feedback = Times()
        t0 = time.perf_counter()
        res = proc.run("metamapper:fewshot_classify",
                       {"INPUT": str(raster), "TRAINING": str(labels), "CLASS_FIELD": "cls",
                        "OUTPUT": str(out)}, feedback=feedback)
        runs.append(round(time.perf_counter() - t0, 2))
        times.append(feedback.line)
        assert Path(res["OUTPUT"]).is_file()
    import torch

    report = {"qgis": Qgis.version(), "python": sys.version.split()[0],
              "torch": torch.__version__, "cores": os.cpu_count(),
              "first_run_s": runs[0], "second_run_s": runs[1],
              "random_forest_s": round(rf["total_s"], 2),
              "ratio_first": round(rf["total_s"] / runs[0], 2),
              "ratio_second": round(rf["total_s"] / runs[1], 2), "engine_times": times}
    tag = ".".join(Qgis.version().split(".")[:2])
    results = bh.ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"processing-qgis{tag}.json").write_text(json.dumps(report, indent=2) + "\n")
    text = (f"## fewshot_classify through Processing, defaults, 1024 x 1024 x 204 "
            f"pixel-interleaved GeoTIFF, 6 classes x 20 points (QGIS {report['qgis']}, "
            f"Python {report['python']}, torch {report['torch']}, {report['cores']} cores)\n\n"
            "| run | MetaMapper | random forest (fit + predict) | ratio |\n|---|---|---|---|\n"
            f"| first of the session (torch's import included) | {runs[0]} s | "
            f"{report['random_forest_s']} s | {report['ratio_first']}x |\n"
            f"| second | {runs[1]} s | {report['random_forest_s']} s | "
            f"{report['ratio_second']}x |\n\nThe engine's own times (first, second run): "
            f"{times[0]} / {times[1]}\n")
    (results / f"processing-qgis{tag}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
