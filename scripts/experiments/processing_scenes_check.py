"""The way the project is scored on scenes it never sees, replayed on the shared scenes.

Each real scene is written as a GeoTIFF (a nominal UTM grid; band ``wavelength`` metadata
only with ``--wavelengths``), 5 random labelled pixels per class are drawn (uniformly, 5
seeded draws) and saved as points in a GeoPackage, and ``qgis_process run
metamapper:fewshot_classify`` maps the scene with its default parameters (throw-away QGIS
profile, the plugin from ``build/pkg``), each scene with its leave-one-scene-out model
(``--bundled``: the shipped model, which was meta-trained on every scene). OA is measured
on every other labelled pixel, against scikit-learn on exactly the same pixels: random
forest (100 trees), RBF SVM (C=10, gamma='scale'), 1-NN and logistic regression (C=1),
each on the pixel bands, the 3x3 neighbourhood and the 3x3 means (bands standardised over
the scene). The best single method is the one with the best mean over the scenes.

Unlike ``make evaluate`` (queries from blocks behind a guard band), the queries here sit
next to the labelled pixels, as uniform random points do.

    .venv/bin/python scripts/experiments/processing_scenes_check.py OUT.json [--draws 5]
        [--scenes a,b] [--wavelengths]

``--scenes`` also takes the outside check scenes (``training/outside_scenes.py``, e.g.
``statlog_landsat_mss_shuffled``), which no model here was trained on: each is mapped with
the bundled model.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build" / "pkg"))
QGIS_PROCESS = shutil.which("qgis_process.bin")
FOLDS = ROOT / "resources" / "models" / "loso"


def qgis_env(profile: Path) -> dict:
    site = [p for p in sys.path if p.endswith("site-packages")]
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(profile),
               QGIS_PLUGINPATH=str(ROOT / "build" / "pkg"),
               PYTHONPATH=os.pathsep.join(site + [env.get("PYTHONPATH", "")]).strip(os.pathsep),
               XDG_RUNTIME_DIR=str(profile / "runtime"))
    (profile / "runtime").mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


def write_scene(scene, path: Path, wavelengths: bool) -> None:
    import rasterio
    from rasterio.transform import from_origin

    cube = np.moveaxis(scene.cube.astype(np.float32), 2, 0)
    nodata = None if np.isfinite(cube).all() else float("nan")
    with rasterio.open(path, "w", driver="GTiff", width=cube.shape[2], height=cube.shape[1],
                       count=cube.shape[0], dtype="float32", crs="EPSG:32633",
                       transform=from_origin(500000, 5100000, 10, 10), nodata=nodata,
                       tiled=True, blockxsize=256, blockysize=256) as ds:
        ds.write(cube)
        if wavelengths and scene.wavelengths_nm:
            for b, wl in enumerate(scene.wavelengths_nm, start=1):
                ds.update_tags(b, wavelength=f"{wl:.2f}", wavelength_units="nm")


def write_points(rows, cols, labels, path: Path) -> None:
    from osgeo import ogr, osr

    drv = ogr.GetDriverByName("GPKG")
    ds = drv.CreateDataSource(str(path))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    layer = ds.CreateLayer("labels", srs, ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("class", ogr.OFTInteger))
    for r, c, y in zip(rows, cols, labels):
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetField("class", int(y))
        pt = ogr.Geometry(ogr.wkbPoint)
        pt.AddPoint_2D(500000 + 10 * (c + 0.5), 5100000 - 10 * (r + 0.5))
        f.SetGeometry(pt)
        layer.CreateFeature(f)
    ds = None


def sklearn_preds(maps, sup, sup_y, qry, seed: int) -> dict:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    makers = {
        "rf": lambda: RandomForestClassifier(100, random_state=seed, n_jobs=2),
        "svm": lambda: SVC(C=10, gamma="scale"),
        "1nn": lambda: KNeighborsClassifier(1),
        "lr": lambda: LogisticRegression(C=1.0, max_iter=2000),
    }
    out = {}
    for view in ("px", "n3", "m3"):
        x = maps.views[view]
        for name, make in makers.items():
            out[f"{name}_{view}"] = make().fit(x[sup], sup_y).predict(x[qry])
    return out


def main() -> None:
    import rasterio
    from metamapper.core.model import bundled_model_path
    from metamapper.training.baselines import SceneMaps
    from metamapper.training.evaluate import _model_for
    from metamapper.training.metatrain.scenes import SHARED_SCENES
    from metamapper.training.outside_scenes import load_any

    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--draws", type=int, default=5)
    p.add_argument("--shots", type=int, default=5)
    p.add_argument("--scenes", default=None)
    p.add_argument("--wavelengths", action="store_true")
    p.add_argument("--bundled", action="store_true",
                   help="the bundled model for every scene (it was meta-trained on them all); "
                        "default: each scene's leave-one-scene-out model")
    a = p.parse_args()
    names = a.scenes.split(",") if a.scenes else list(SHARED_SCENES)
    work = Path(tempfile.mkdtemp(prefix="mm-hidden-"))
    env = qgis_env(work / "profile")
    done = subprocess.run([QGIS_PROCESS, "plugins", "enable", "metamapper"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    records = []
    bundled = bundled_model_path()
    for name in names:
        scene = load_any([name])[0][0]
        tif = work / f"{name}.tif"
        write_scene(scene, tif, a.wavelengths)
        maps = SceneMaps.from_cube(scene.cube)
        lab = scene.labels.ravel()
        valid = np.isfinite(scene.cube).all(axis=2).ravel()
        classes = [c for c in np.unique(lab[valid & (lab > 0)])
                   if ((lab == c) & valid).sum() > a.shots]
        for d in range(a.draws):
            rng = np.random.default_rng([d, 11])
            sup = np.concatenate([rng.choice(np.flatnonzero((lab == c) & valid), a.shots,
                                             replace=False) for c in classes])
            sup_y = lab[sup]
            qry = np.setdiff1d(np.flatnonzero(np.isin(lab, classes) & valid), sup)
            gpkg = work / f"{name}-{d}.gpkg"
            write_points(*np.divmod(sup, scene.cube.shape[1]), sup_y, gpkg)
            out = work / f"{name}-{d}.tif"
            t0 = time.perf_counter()
            model = [] if a.bundled else [f"MODEL={_model_for(scene, bundled, FOLDS)}"]
            run = subprocess.run(
                [QGIS_PROCESS, "--json", "run", "metamapper:fewshot_classify", "--",
                 f"INPUT={tif}", f"TRAINING={gpkg}", "CLASS_FIELD=class", f"OUTPUT={out}",
                 *model],
                env=env, capture_output=True, text=True, timeout=900)
            seconds = time.perf_counter() - t0
            if run.returncode != 0:
                print(name, d, "FAILED", run.stdout[-2000:], run.stderr[-2000:])
                continue
            with rasterio.open(out) as ds:
                pred_map = ds.read(1).ravel()
            log = json.loads(run.stdout[run.stdout.index("{"):]).get("log", {})
            rec = {"scene": name, "draw": d, "seconds": seconds,
                   "metamapper": float((pred_map[qry] == lab[qry]).mean()),
                   "propagated": "Label propagation over the region: used" in str(log)}
            for m, pred in sklearn_preds(maps, sup, sup_y, qry, d).items():
                rec[m] = float((pred == lab[qry]).mean())
            records.append(rec)
            print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v)
                              for k, v in rec.items()}), flush=True)
    Path(a.out).write_text(json.dumps(records, indent=1))
    summary(records)
    shutil.rmtree(work, ignore_errors=True)


def summary(records) -> None:
    per = defaultdict(lambda: defaultdict(list))
    for r in records:
        for k, v in r.items():
            if isinstance(v, float) and k != "seconds":
                per[k][r["scene"]].append(v)
    means = {m: {s: float(np.mean(v)) for s, v in sc.items()} for m, sc in per.items()}
    overall = {m: float(np.mean(list(v.values()))) for m, v in means.items()}
    best = max((m for m in overall if m != "metamapper"), key=overall.get)
    print(f"MetaMapper {overall['metamapper']:.3f}; best single sklearn {best} "
          f"{overall[best]:.3f}")
    for s in means["metamapper"]:
        top = max((m for m in means if m != "metamapper"), key=lambda m: means[m][s])
        print(f"  {s:28s} ours {means['metamapper'][s]:.3f}  {best} {means[best][s]:.3f} "
              f"({100 * (means['metamapper'][s] - means[best][s]):+.1f})  best of all {top} "
              f"{means[top][s]:.3f}")


if __name__ == "__main__":
    main()
