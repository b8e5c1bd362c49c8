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

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)
from probe_runner import FOLDS  # noqa: E402

DRAWS = (0, 1, 3, 4)
RADII = (2, 3, 5)
#: the scenes under 90 % OA for the best baseline in either support style
HARD = ("enmap_potsdam", "s2_slovenia_d4", "landsat7_open_geo_tutorial", "teamlucc_l5sr_1986")


def scale_pixels(scene, radius: int) -> np.ndarray:
    """(H*W, B) means of the valid pixels in each (2r+1)^2 window (``box_mean``)."""
    from metamapper.core.band_mapping import box_mean

    cube = np.moveaxis(scene.cube, 2, 0)
    valid = np.isfinite(cube).all(axis=0)
    out = np.empty_like(cube)
    for s in range(0, cube.shape[0], 16):
        out[s:s + 16] = box_mean(cube[s:s + 16], valid, radius)
    out[:, ~valid] = np.nan
    return np.moveaxis(out, 0, 2).reshape(-1, scene.n_bands)


def standardised(x: np.ndarray, region: np.ndarray) -> np.ndarray:
    """As the plugin standardises bands: (x - median) / (IQR / 1.349), clipped at +-10."""
    from metamapper.core.band_mapping import CLIP, BandStats

    stats = BandStats.from_samples(region)
    return np.clip((x - stats.centre) / stats.scale, -CLIP, CLIP).astype(np.float32)


def run_scene(name: str, k: int = 5) -> list:
    import torch
    import torch.nn.functional as F
    from metamapper.core.adapt import adapt, fit_band_correction
    from metamapper.core.evaluate import _metrics, _region_idx
    from metamapper.core.metatrain.tune_adaptation import fold_scene, mapped_draws

    torch.set_num_threads(1)
    scene, loaded, ctx = fold_scene(name, FOLDS)
    l2 = float(loaded.card["band_correction"].get("l2", 0.05))
    region = _region_idx(scene, 0)
    scaled = {}
    for r in RADII:
        p = scale_pixels(scene, r)
        scaled[r] = standardised(p, p[region])
    records = []
    for style, i, d, xs, xq in mapped_draws(scene, loaded.card, ctx, k, max(DRAWS) + 1,
                                            DRAWS):
        n = len(d.classes)
        clf = adapt(loaded, xs, d.support_y, n, device="cpu", seed=i, transductive=False)
        dim = clf.input_dim
        with torch.no_grad():
            hs = F.linear(clf.embed(xs), clf.head_weight, clf.head_bias)
            hq = F.linear(clf.embed(xq), clf.head_weight, clf.head_bias)
        zs, zq = torch.from_numpy(xs[:, dim:]).float(), torch.from_numpy(xq[:, dim:]).float()
        y = torch.from_numpy(d.support_y).long()
        variants = {"3x3 (shipped)": (zs, zq)}
        for r, z in scaled.items():
            a, b = torch.from_numpy(z[d.support_idx]), torch.from_numpy(z[d.query_idx])
            size = f"{2 * r + 1}x{2 * r + 1}"
            variants[f"3x3 + {size}"] = (torch.cat([zs, a], 1), torch.cat([zq, b], 1))
            variants[f"{size} alone"] = (a, b)
        for vname, (fs, fq) in variants.items():
            w, c = fit_band_correction(hs, fs, y, n, l2, 100)
            pred = (hq + F.linear(fq, w, c)).argmax(1).numpy()
            m = _metrics(d.query_y, pred, n)
            m.update(scene=scene.name, style=style, k=k, draw=i, method=vname)
            records.append(m)
    return records


def summary(path: str) -> None:
    oa = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for r in map(json.loads, f):
            oa[(r["style"], r["method"], r["scene"])].append(r["oa"])
    methods = sorted({m for _, m, _ in oa})
    for style in ("points", "polygons"):
        print(f"{style}: mean OA over all scenes / the 4 hard ones")
        for m in methods:
            per = {s: np.mean(v) for (st, mm, s), v in oa.items() if st == style and mm == m}
            hard = [v for s, v in per.items() if s in HARD]
            print(f"  {m:20s} {np.mean(list(per.values())):.3f} / {np.mean(hard):.3f}")


if __name__ == "__main__":
    probe_runner.main(run_scene, summary)
