"""UCR "Crop" NDVI time series (FORMOSAT-2, 46 dates, 24 classes) as a task source.

Each pixel's 46 NDVI values are treated as a stack of 46 "bands" (variables), so the
model also meets non-spectral rasters (time series, indices, terrain stacks). Classes are
split disjointly between meta-training and validation.
Source: UCR time-series archive, "Crop" (Tan, Webb, Petitjean 2017).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

import numpy as np

CLASS_NAMES = {
    1: "corn", 2: "wheat", 3: "dense building", 4: "industrial building",
    5: "diffuse building", 6: "temporary meadow", 7: "hardwood", 8: "wasteland",
    9: "fallow", 10: "soy", 11: "water", 12: "meadow", 13: "softwood", 14: "sunflower",
    15: "sorghum", 16: "eucalyptus", 17: "rapeseed", 18: "silage corn", 19: "barley",
    20: "peas", 21: "poplars", 22: "mineral surface", 23: "gravel pit", 24: "lake",
}


def default_ucr_path() -> Path | None:
    """$METAMAPPER_UCR_CROP, else ../shared/data/ucr_crop/Crop_TRAIN.tsv next to the repo."""
    env = os.environ.get("METAMAPPER_UCR_CROP")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    candidate = repo.parent / "shared" / "data" / "ucr_crop" / "Crop_TRAIN.tsv"
    return candidate if candidate.is_file() else None


@dataclass
class UCRCrop:
    x: np.ndarray  # (n, 46) float32 NDVI
    y: np.ndarray  # (n,) int 1..24

    @classmethod
    def load(cls, path: Path) -> UCRCrop:
        raw = np.loadtxt(path, delimiter="\t", dtype=np.float64)
        if raw.ndim != 2 or raw.shape[1] < 3:
            raise ValueError(f"{path}: expected a TSV of class + time series, got {raw.shape}.")
        return cls(x=raw[:, 1:].astype(np.float32), y=raw[:, 0].astype(np.int64))

    def indices(self, cls_id: int) -> np.ndarray:
        return np.flatnonzero(self.y == cls_id)

    @property
    def classes(self) -> List[int]:
        return sorted(set(self.y.tolist()))

    def class_split(self, n_val: int = 6, seed: int = 0) -> Tuple[List[int], List[int]]:
        """Class-disjoint split (seeded): (train classes, validation classes)."""
        rng = np.random.default_rng(seed + 1000)
        order = rng.permutation(self.classes).tolist()
        return sorted(order[n_val:]), sorted(order[:n_val])

    @staticmethod
    def class_name(cls_id: int) -> str:
        return CLASS_NAMES.get(int(cls_id), f"class {cls_id}")
