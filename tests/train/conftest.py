"""Training-extra tests: run in .venv-train (learn2learn, earthlib), never need qgis.

    .venv-train/bin/python -m pytest tests/train -q -p no:qgis
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("earthlib", reason="training extra not installed (make install-train)")


@pytest.fixture(scope="session")
def library():
    from metamapper.training.metatrain.library import SpectralLibrary

    return SpectralLibrary.load()


@pytest.fixture(scope="session")
def tiny_ucr(tmp_path_factory):
    """A seeded stand-in for the UCR Crop TSV: 8 classes x 40 series of 46 dates."""
    rng = np.random.default_rng(3)
    t = np.linspace(0, 1, 46)
    rows = []
    for c in range(1, 9):
        peak, width = 0.1 + 0.1 * c, 0.05 + 0.02 * (c % 3)
        for _ in range(40):
            ndvi = 0.2 + 0.6 * np.exp(-((t - peak) / width) ** 2) + rng.normal(0, 0.02, 46)
            rows.append(np.concatenate([[c], ndvi]))
    path = tmp_path_factory.mktemp("ucr") / "Crop_TRAIN.tsv"
    np.savetxt(path, np.array(rows), delimiter="\t", fmt="%.5f")
    return path
