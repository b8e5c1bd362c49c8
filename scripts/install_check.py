"""The installer as a new user meets it (issue 31), run inside a chroot by `make install-check`.

A Debian trixie QGIS 3.40 whose Python has Debian's torch but neither rasterio nor
scikit-learn: (1) ``metamapper:fewshot_classify`` refuses, naming the missing packages and
the install action; (2) ``python3 -m metamapper.install --yes`` installs them from the
package index into a fresh profile; (3) a second install does nothing; (4) numpy's version
and location are unchanged and the folder holds no numpy; (5) a new ``qgis_process`` maps
the bundled sample. Exits non-zero at the first step that fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "build" / "pkg"
SAMPLE = REPO / "resources" / "sample"
NUMPY = "import numpy; print(numpy.__version__, numpy.__file__)"


def step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="mm-install-"))
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(root), QGIS_PLUGINPATH=str(PKG))
    env["PYTHONPATH"] = ":".join(p for p in env.get("PYTHONPATH", "").split(":")
                                 if p and Path(p).resolve() != REPO)
    numpy_before = subprocess.run([sys.executable, "-c", NUMPY], capture_output=True,
                                  text=True, check=True).stdout.strip()
    qp = ["qgis_process.bin"]
    subprocess.run(qp + ["plugins", "enable", "metamapper"], env=env, capture_output=True)
    out = root / "map.tif"
    run = qp + ["--json", "run", "metamapper:fewshot_classify", "--",
                f"INPUT={SAMPLE / 'landsat8_crop.tif'}",
                f"TRAINING={SAMPLE / 'landcover_polygons.gpkg'}", "CLASS_FIELD=name",
                f"OUTPUT={out}"]

    step("1. the refusal names the missing packages and the install action")
    first = subprocess.run(run, env=env, capture_output=True, text=True)
    text = first.stdout + first.stderr
    print(text[-1500:])
    if first.returncode == 0 or "rasterio" not in text or "Install dependencies" not in text:
        print("FAILED: expected a refusal naming rasterio and the install action")
        return 1

    step("2. python3 -m metamapper.install --yes")
    inst = subprocess.run([sys.executable, "-m", "metamapper.install", "--yes"], env=env,
                          cwd=PKG, text=True)
    if inst.returncode != 0:
        return 2
    folder = next((root / "profiles" / "default" / "python" / "dependencies"
                   / "metamapper").iterdir())
    print("folder:", folder, sorted(p.name for p in folder.iterdir())[:20])

    step("3. a second install does nothing")
    again = subprocess.run([sys.executable, "-m", "metamapper.install", "--yes"], env={
        **env, "PYTHONPATH": f"{env.get('PYTHONPATH', '')}:{folder}"}, cwd=PKG,
        capture_output=True, text=True)  # appended, as the plugin does
    print(again.stdout[-400:])
    if "nothing to install" not in again.stdout:
        return 3

    step("4. numpy unchanged, no numpy in the folder")
    numpy_after = subprocess.run([sys.executable, "-c", f"import sys; sys.path.append("
                                  f"{str(folder)!r}); " + NUMPY], capture_output=True,
                                 text=True, check=True).stdout.strip()
    print("before:", numpy_before, "\nafter: ", numpy_after)
    if numpy_after != numpy_before or list(folder.glob("numpy*")):
        return 4

    step("5. a new qgis_process maps the sample")
    second = subprocess.run(run, env=env, capture_output=True, text=True)
    print((second.stdout + second.stderr)[-800:])
    if second.returncode != 0 or not out.exists():
        return 5
    print(json.dumps({"installed_into": str(folder), "map": str(out)}))
    print("\nINSTALL CHECK PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
