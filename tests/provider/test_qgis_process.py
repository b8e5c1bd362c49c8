"""``qgis_process run metamapper:fewshot_classify`` from a shell, with the plugin installed in
a throw-away QGIS profile (the way a server or a CI job runs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .conftest import SIZE, decode, point_labels, read_band, region_layer, save_layer

ROOT = Path(__file__).resolve().parents[2]
QGIS_PROCESS = shutil.which("qgis_process.bin")  # Debian's qgis_process wrapper is broken

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(QGIS_PROCESS is None, reason="qgis_process.bin is not installed"),
]


def _env(profile: Path) -> dict:
    site = [p for p in sys.path if p.endswith("site-packages") and str(ROOT) in p]
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        QGIS_CUSTOM_CONFIG_PATH=str(profile),  # a fresh profile: nothing enabled before
        QGIS_PLUGINPATH=str(ROOT / "build" / "pkg"),  # holds the metamapper -> repo link
        PYTHONPATH=os.pathsep.join(site + [env.get("PYTHONPATH", "")]).strip(os.pathsep),
        XDG_RUNTIME_DIR=str(profile / "runtime"),
    )
    (profile / "runtime").mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


def _qgis_process(args, env, timeout=300):
    return subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def enabled_profile(tmp_path_factory, qgis_app):
    assert (ROOT / "build" / "pkg" / "metamapper" / "metadata.txt").exists()
    profile = tmp_path_factory.mktemp("qgis_profile")
    env = _env(profile)
    done = _qgis_process(["plugins", "enable", "metamapper"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "metamapper" in done.stdout
    return env


def test_qgis_process_runs_the_algorithm(enabled_profile, scene, model_file, tmp_path):
    labels = save_layer(point_labels(crs="EPSG:4326"), tmp_path / "labels.gpkg")
    region = save_layer(region_layer((0, 0, 48, 32)), tmp_path / "region.gpkg")
    out = tmp_path / "result" / "map.tif"
    conf = tmp_path / "result" / "confidence.tif"
    done = _qgis_process(
        ["--json", "run", "metamapper:fewshot_classify", "--",
         f"INPUT={scene.path}", f"TRAINING={labels}", "CLASS_FIELD=cls", f"REGION={region}",
         f"MODEL={model_file}", "DEVICE=1", "SEED=3", "ESTIMATE_ACCURACY=false",
         f"OUTPUT={out}", f"OUTPUT_CONFIDENCE={conf}"],
        enabled_profile,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    import json

    payload = json.loads(done.stdout[done.stdout.index("{"):])
    results = payload["results"]
    assert results["OUTPUT"] == str(out) and results["CLASS_COUNT"] == 3
    band, meta = read_band(str(out))
    assert meta["shape"] == (SIZE, 32)
    names = decode(band, results["CLASSES"].split(","), [1, 2, 3])
    assert float((names == scene.truth[:, :32]).mean()) >= 0.95
    assert set(np.unique(names[band > 0])) == {"water", "forest"}
    assert conf.exists()


def test_qgis_process_reports_a_bad_input_and_exits_non_zero(enabled_profile, scene, tmp_path):
    labels = save_layer(point_labels(), tmp_path / "labels.gpkg")
    out = tmp_path / "map.tif"
    done = _qgis_process(
        ["run", "metamapper:fewshot_classify", "--", f"INPUT={scene.path}",
         f"TRAINING={labels}", "CLASS_FIELD=nope", f"OUTPUT={out}"],
        enabled_profile,
    )
    assert done.returncode != 0
    assert "'nope' is not in the training layer" in done.stdout + done.stderr
    assert not out.exists()


def test_qgis_process_saves_a_classifier_and_applies_it_on_a_dask_cluster(
        enabled_profile, scene, model_file, tmp_path):
    """The worker processes of SCHEDULER=local:2 start from qgis_process (whose executable
    is not a Python) and give the map the classification made."""
    pytest.importorskip("distributed")
    import json

    labels = save_layer(point_labels(), tmp_path / "labels.gpkg")
    out, clf = tmp_path / "map.tif", tmp_path / "adapted.pt"
    done = _qgis_process(
        ["--json", "run", "metamapper:fewshot_classify", "--", f"INPUT={scene.path}",
         f"TRAINING={labels}", "CLASS_FIELD=cls", f"MODEL={model_file}", "DEVICE=1",
         "TRANSDUCTIVE=false", "ESTIMATE_ACCURACY=false", f"OUTPUT={out}",
         f"OUTPUT_MODEL={clf}"], enabled_profile)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    applied = tmp_path / "applied.tif"
    done = _qgis_process(
        ["--json", "run", "metamapper:apply_classifier", "--", f"INPUT={scene.path}",
         f"CLASSIFIER={clf}", "SCHEDULER=local:2", f"OUTPUT={applied}"], enabled_profile)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(done.stdout[done.stdout.index("{"):])["results"]
    assert results["WINDOWS_COMPUTED"] == 1
    assert np.array_equal(read_band(str(applied))[0], read_band(str(out))[0])
