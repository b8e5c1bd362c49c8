"""Issue 12/14 probe: how many anchors does the per-pixel extension of the propagation need?

Every pixel of a propagated map takes the Gaussian-weighted labels of its
``extend_neighbours`` nearest anchors (4,000 by default): one distance to each anchor and a
top-k over them, about 13 s per Mpx on 2 cores, most of it the top-k. Spreading still runs
over all the anchors; here only the extension reads a seeded subset of them (the support
always kept). OA on the evaluation's seeded draws (K=5, points and polygons, draws
0/1/3/4, leave-one-scene-out fold models), propagation always used (``always_*``) and as
the plugin checks it (``checked_*``)::

    .venv/bin/python scripts/experiments/extension_anchors_probe.py /tmp/ext.jsonl
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)

SUBSETS = (4000, 2000, 1000, 500)


def _variants(task, loaded, cfg) -> dict:
    import dataclasses

    import torch

    d = probe_runner.plugin_draw(task, loaded, cfg)
    zq, qpos = d.zq, d.qpos
    with torch.no_grad():
        ind = d.p.clf.predict(d.xq).numpy()
    checked = d.choose(cfg).propagation
    always = d.choose(cfg, check=False).propagation
    out = {}
    ns = d.sy.numel()
    rng = np.random.default_rng([task.seed, 7])
    order = ns + rng.permutation(always.anchors.shape[0] - ns)
    for m in SUBSETS:
        keep = torch.from_numpy(np.concatenate([np.arange(ns), np.sort(order[:m])]))

        def subset(rp, keep=keep):
            return dataclasses.replace(rp, anchors=rp.anchors[keep], labels=rp.labels[keep])

        out[f"always_{m}"] = subset(always).probabilities(zq, *qpos).argmax(1).numpy()
        out[f"checked_{m}"] = (ind if checked is None else
                               subset(checked).probabilities(zq, *qpos).argmax(1).numpy())
    return out


METHODS = tuple(f"{v}_{m}" for m in SUBSETS for v in ("always", "checked"))

if __name__ == "__main__":
    probe_runner.main(partial(probe_runner.run_variants, compute=_variants, names=METHODS),
                      probe_runner.print_summary)
