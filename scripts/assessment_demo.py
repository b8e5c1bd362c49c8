"""Good-practice accuracy assessment of a real MetaMapper map, end to end, headless.

The Sentinel-2 Slovenia patch (``../shared/data/s2_slovenia_eopatch``: 101 x 100 px at 10 m,
EPSG:32633, and its wall-to-wall land-use reference ``LULC.npy``) is classified from 8
labelled pixels per class taken in the top third of the patch; a stratified random
validation sample is drawn over the class map (``metamapper:validation_sample``), its
``reference_class`` is filled in from the land-use reference at each point (standing in for
photo interpretation), and ``metamapper:assess_accuracy`` writes the report. Because the
reference is wall-to-wall, the script also prints the true class areas, which the
area-adjusted estimates should bracket.

    .venv/bin/python scripts/assessment_demo.py --out build/assessment_demo
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build" / "pkg"))
sys.path.append("/usr/share/qgis/python/plugins")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = ROOT.parent / "shared" / "data" / "s2_slovenia_eopatch"
#: LULC codes of the patch -> class names (1 cultivated: 11 px, 0 none: left unlabelled)
NAMES = {2: "forest", 3: "grassland", 4: "shrubland", 8: "artificial"}
S2_WAVELENGTHS = "443,490,560,665,705,740,783,842,865,945,1375,1610,2190"


def write_scene(out: Path):
    import numpy as np
    import rasterio
    from rasterio.transform import from_bounds

    bbox = json.loads((DATA / "bbox.geojson").read_text())["coordinates"][0]
    xs, ys = [p[0] for p in bbox], [p[1] for p in bbox]
    # date 4 (the one the benchmark uses: cloud-free), (101, 100, 13) reflectance
    cube = np.load(DATA / "REFERENCE_SCENES.npy", mmap_mode="r")[4]
    lulc = np.load(DATA / "LULC.npy")[..., 0]
    h, w, b = cube.shape
    transform = from_bounds(min(xs), min(ys), max(xs), max(ys), w, h)
    path = out / "s2_slovenia.tif"
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=b,
                       dtype="float32", crs="EPSG:32633", transform=transform) as ds:
        ds.write(np.transpose(np.asarray(cube, dtype=np.float32), (2, 0, 1)))
    return path, lulc, transform


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "assessment_demo")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shots", type=int, default=8, help="labelled pixels per class")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"needs {DATA} (the project's shared data)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    import numpy as np
    from qgis.core import (
        QgsApplication,
        QgsFeature,
        QgsGeometry,
        QgsPointXY,
        QgsProcessingFeedback,
        QgsVectorLayer,
    )

    app = QgsApplication([], False)
    app.initQgis()
    import processing
    from metamapper.provider.provider import MetaMapperProvider
    from processing.core.Processing import Processing

    Processing.initialize()
    provider = MetaMapperProvider()
    QgsApplication.processingRegistry().addProvider(provider)

    class PrintFeedback(QgsProcessingFeedback):
        def pushInfo(self, info: str) -> None:  # noqa: N802
            print("   ", info, flush=True)

        def pushWarning(self, warning: str) -> None:  # noqa: N802
            print("    WARNING", warning, flush=True)

    scene, lulc, transform = write_scene(args.out)
    rng = np.random.default_rng(args.seed)
    labels = QgsVectorLayer("Point?crs=EPSG:32633&field=cls:string", "labels", "memory")
    top = lulc[: lulc.shape[0] // 3]
    for code, name in NAMES.items():
        rows, cols = np.nonzero(top == code)
        for k in rng.choice(len(rows), size=min(args.shots, len(rows)), replace=False):
            f = QgsFeature(labels.fields())
            x, y = transform * (cols[k] + 0.5, rows[k] + 0.5)
            f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
            f["cls"] = name
            labels.dataProvider().addFeature(f)
    started = time.perf_counter()
    print("1. metamapper:fewshot_classify")
    classified = processing.run("metamapper:fewshot_classify", {
        "INPUT": str(scene), "TRAINING": labels, "CLASS_FIELD": "cls", "SEED": args.seed,
        "ESTIMATE_ACCURACY": False, "WAVELENGTHS": S2_WAVELENGTHS,
        "OUTPUT": str(args.out / "classes.tif"),
    }, feedback=PrintFeedback())
    print("2. metamapper:validation_sample")
    sampled = processing.run("metamapper:validation_sample", {
        "INPUT": classified["OUTPUT"], "SAMPLE_SIZE": 0, "TARGET_SE": 0.02,
        "EXPECTED_ACCURACY": "0.8", "ALLOCATION": 2, "MIN_PER_CLASS": 30, "SEED": args.seed,
        "OUTPUT": str(args.out / "validation_sample.gpkg"),
    }, feedback=PrintFeedback())
    sample = QgsVectorLayer(sampled["OUTPUT"], "sample", "ogr")
    field = sample.fields().lookupField("reference_class")
    inv = ~transform
    sample.startEditing()
    for f in sample.getFeatures():  # "photo interpretation" = the land-use reference
        p = f.geometry().asPoint()
        col, row = (int(v) for v in inv * (p.x(), p.y()))
        name = NAMES.get(int(lulc[row, col]))
        if name is not None:
            sample.changeAttributeValue(f.id(), field, name)
    sample.commitChanges()
    print("3. metamapper:assess_accuracy")
    report = processing.run("metamapper:assess_accuracy", {
        "INPUT": classified["OUTPUT"], "VALIDATION": sampled["OUTPUT"],
        "REFERENCE_FIELD": "reference_class", "DESIGN": 0,
        "OUTPUT_HTML": str(args.out / "accuracy_report.html"),
        "OUTPUT_CSV": str(args.out / "accuracy_report.csv"),
    }, feedback=PrintFeedback())
    seconds = time.perf_counter() - started
    import rasterio

    with rasterio.open(classified["OUTPUT"]) as ds:
        mapped = ds.read(1)
    valid = mapped > 0
    print("\nTrue class areas from the wall-to-wall reference, over the mapped pixels (ha):")
    for code, name in NAMES.items():
        print(f"   {name}: {((lulc == code) & valid).sum() * 0.01:.2f}")
    other = ((~np.isin(lulc, list(NAMES))) & valid).sum() * 0.01
    print(f"   (unlabelled or cultivated: {other:.2f})")
    print(f"\nOA {report['OVERALL_ACCURACY']:.3f} (SE {report['OVERALL_ACCURACY_SE']:.3f}), "
          f"kappa {report['KAPPA']:.3f}, {report['SAMPLE_COUNT']} units; {seconds:.1f} s")
    print(f"report: {report['OUTPUT_HTML']}\ncsv:    {report['OUTPUT_CSV']}")
    del sample, labels
    sys.stdout.flush()
    os._exit(0)  # as scripts/demo.py: no Qt teardown after Processing's Python providers


if __name__ == "__main__":
    sys.exit(main())
