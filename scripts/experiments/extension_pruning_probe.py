"""Issue 12 (speed) probe: how much of the propagation's extension could an exact pruned
k-NN skip on real scenes?

The extension compares every pixel with every anchor (4,000) in graph space, then keeps the
10 nearest: 28 s per Mpx on 2 cores (docs/transduction.md, Cost). An exact pruning groups
the anchors (k-means, G groups with centre c_g and radius r_g); an anchor group can hold one
of a pixel's 10 nearest only if d(x, c_g) - r_g <= tau_x, tau_x an upper bound of the
10th-nearest distance. Printed: the share of anchors still compared, per pixel and when
pixels of one 64 x 64 block with the same nearest group share one candidate set (what a
vectorised implementation computes); tau_x = the true 10th-nearest distance (a second pass
would approach it) or the one-pass bound min_g (d(x, c_g) + r_g) over groups of >= 10.

    .venv/bin/python scripts/experiments/extension_pruning_probe.py s2_slovenia_d4,enmap_potsdam

Measured on 28 Nov 2026 (4 scenes, 4,000 pixels each, about 1 min), share of anchors still
compared, grouped (as implemented), G = 128: true tau 0.18-0.30, one-pass bound 0.41-0.59;
G = 64: 0.29-0.44 / 0.50-0.74. So an exact pruned extension would be at most 2-5x faster
(28 s -> 6-14 s per Mpx), still 3-7x slower than the random forest: not implemented.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)

K_GROUPS = (32, 64, 128)
SAMPLE = 4000  # pixels per scene whose 10 nearest anchors are found by brute force
BLOCK = 64  # pixels of one BLOCK x BLOCK block with the same nearest group share candidates


def scene_space(name: str) -> tuple:
    """(anchors (M, d), sampled pixels (n, d), their flat positions, width, k) in graph space,
    as ``core.evaluate_suggestions.fit_map`` builds them for the scene."""
    import torch
    from metamapper.core import evaluate_suggestions as es
    from metamapper.core.evaluate import DEFAULT_BLOCK, SCENE_BLOCKS, _model_for
    from metamapper.core.metatrain.episodes import split_scene
    from metamapper.core.model import bundled_model_path, load_model
    from metamapper.core.pipeline import _propagation_settings
    from metamapper.core.propagation import GraphSpace

    scene = es.all_scenes([name])[0][0]
    loaded = load_model(_model_for(scene, bundled_model_path(), probe_runner.FOLDS))
    block, guard = SCENE_BLOCKS.get(scene.name, DEFAULT_BLOCK)
    sd = es.map_scene(scene, loaded.card, split_scene(scene, block=block, guard=guard).classes,
                      0)
    st = _propagation_settings(loaded.card)
    h, w = sd.shape
    z = torch.from_numpy(np.ascontiguousarray(sd.features[:, -sd.n_bands:]))
    rows, cols = torch.from_numpy(sd.flat_valid // w), torch.from_numpy(sd.flat_valid % w)
    rng = np.random.default_rng(0)
    pick = torch.from_numpy(np.sort(rng.choice(z.shape[0], min(st.anchors, z.shape[0]),
                                               replace=False)))
    space = GraphSpace.fit(z[pick], (0.0, 0.0), float(max(h, w)), st.dims, st.spatial_weight)
    anchors = space(z[pick], rows[pick], cols[pick]).numpy().astype(np.float64)
    pixels = space(z, rows, cols).numpy().astype(np.float64)
    idx = np.sort(rng.choice(pixels.shape[0], min(SAMPLE, pixels.shape[0]), replace=False))
    return anchors, pixels[idx], sd.flat_valid[idx], w, st.extend_neighbours


def shares(anchors: np.ndarray, x: np.ndarray, flat: np.ndarray, width: int, k: int,
           groups: int) -> dict:
    """Mean share of anchors compared, per pixel and grouped, for both bounds."""
    from sklearn.cluster import KMeans

    km = KMeans(groups, n_init=1, random_state=0).fit(anchors)
    lab, cen = km.labels_, km.cluster_centers_
    sizes = np.bincount(lab, minlength=groups)
    rad = np.array([np.sqrt(((anchors[lab == g] - cen[g]) ** 2).sum(1)).max()
                    for g in range(groups)])
    dist = np.sqrt(((x[:, None] - anchors[None]) ** 2).sum(-1))
    dc = np.sqrt(((x[:, None] - cen[None]) ** 2).sum(-1))
    bounds = {"true tau": np.sort(dist, axis=1)[:, k - 1],
              "one-pass bound": np.where(sizes[None] >= k, dc + rad[None], np.inf).min(1)}
    near = dc.argmin(1)
    key = (flat // width // BLOCK) * 100_000 + (flat % width) // BLOCK
    out = {}
    for name, tau in bounds.items():
        need = (dc - rad[None]) <= tau[:, None]
        total = 0.0
        for kk in np.unique(key):
            for g in np.unique(near[key == kk]):
                m = (key == kk) & (near == g)
                total += m.sum() * (need[m].any(0) * sizes).sum() / anchors.shape[0]
        out[name] = ((need * sizes[None]).sum(1).mean() / anchors.shape[0],
                     total / x.shape[0])
    return out


def main() -> None:
    import torch

    torch.set_num_threads(1)
    for name in sys.argv[1].split(","):
        anchors, x, flat, width, k = scene_space(name)
        for groups in K_GROUPS:
            res = shares(anchors, x, flat, width, k, groups)
            print(f"{name} ({anchors.shape[0]} anchors, {anchors.shape[1]} dims) G={groups}: "
                  + "; ".join(f"{b}: per pixel {p:.2f}, grouped {g:.2f}"
                              for b, (p, g) in res.items()), flush=True)


if __name__ == "__main__":
    main()
