"""Issue 12 probe: multi-scale neighbourhood means as inputs of the band correction.

The plugin's correction reads the 3x3-smoothed standardised bands. Here it also reads (or
reads instead) the 5x5, 7x7 or 11x11 means of the bands (radius 2, 3, 5), standardised as
the plugin does (median / IQR over the region, clipped at +-10), with the card's head
prior and L2. Inductive OA on the evaluation's seeded draws (K=5, points and polygons,
draws 0/1/3/4, leave-one-scene-out fold models). About 30 s on 2 cores::

    .venv/bin/python scripts/experiments/multiscale_inputs_probe.py /tmp/ms.jsonl

Figures and the decision: docs/benchmarks_discussion.md ("Directions measured after card
1.1.0").
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)
from probe_runner import FOLDS, corrected_record, head_draws  # noqa: E402

RADII = (2, 3, 5)


def scale_pixels(scene, radius: int) -> np.ndarray:
    """(H*W, B) means of the valid pixels in each (2r+1)^2 window, as the plugin's
    "smooth" context computes them (``evaluate.context_pixels`` at that radius)."""
    from metamapper.core.evaluate import context_pixels

    card = {"band_mapping": {"context_radius": radius, "context_mode": "smooth"}}
    return context_pixels(scene, card)


def standardised(x: np.ndarray, region: np.ndarray) -> np.ndarray:
    """As the plugin standardises bands: (x - median) / (IQR / 1.349), clipped at +-10."""
    from metamapper.core.band_mapping import CLIP, BandStats

    stats = BandStats.from_samples(region)
    return np.clip((x - stats.centre) / stats.scale, -CLIP, CLIP).astype(np.float32)


def run_scene(name: str, k: int = 5) -> list:
    import torch
    from metamapper.core.evaluate import _region_idx
    from metamapper.core.metatrain.tune_adaptation import fold_scene

    torch.set_num_threads(1)
    scene, loaded, ctx = fold_scene(name, FOLDS)
    l2 = float(loaded.card["band_correction"].get("l2", 0.05))
    region = _region_idx(scene, 0)
    scaled = {}
    for r in RADII:
        p = scale_pixels(scene, r)
        scaled[r] = standardised(p, p[region])
    records = []
    for h in head_draws(scene, loaded, ctx, k):
        variants = {"3x3 (shipped)": (h.bands_s, h.bands_q)}
        for r, z in scaled.items():
            a = torch.from_numpy(z[h.draw.support_idx])
            b = torch.from_numpy(z[h.draw.query_idx])
            size = f"{2 * r + 1}x{2 * r + 1}"
            variants[f"3x3 + {size}"] = (torch.cat([h.bands_s, a], 1),
                                         torch.cat([h.bands_q, b], 1))
            variants[f"{size} alone"] = (a, b)
        for vname, (fs, fq) in variants.items():
            records.append(corrected_record(h.head_s, h.head_q, fs, fq, h.y, l2, h.draw,
                                            h.meta(scene.name, k, vname)))
    return records


if __name__ == "__main__":
    probe_runner.main(run_scene, probe_runner.print_summary)
