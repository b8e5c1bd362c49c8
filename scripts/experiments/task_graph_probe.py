"""Issue 12 probe: the propagation graph in a task-aware space.

The plugin's propagation links pixels in a fixed space (PCA of the standardised 3x3-mean
bands, plus map position), the same for every task. The Transductive Propagation Network
(Liu et al. 2019) builds its graph in the meta-learned, task-conditioned embedding
instead. Here the adapted classifier's own log-probabilities (N columns, the task's
discriminative directions) join the graph coordinates, weighted by ``lam`` against the
spectral part (unit total variance); the rest is the plugin's propagation (same anchors,
prior, spreading, check and extension).

Variants (K=5, points and polygons, draws 0/1/3/4, leave-one-scene-out fold models):
``default`` (the plugin), ``inductive``, ``graph_l{lam}`` (propagation always, task-aware
graph), ``checked_l{lam}`` (kept only when the support k-fold says so, as the plugin does).

    .venv/bin/python scripts/experiments/task_graph_probe.py /tmp/graph.jsonl
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)

LAMBDAS = (0.25, 0.5, 1.0)


def _variants(task, loaded, cfg) -> dict:
    import torch
    from metamapper.core.propagation import RegionPropagation

    d = probe_runner.plugin_draw(task, loaded, cfg)
    p, zq, qpos = d.p, d.zq, d.qpos
    with torch.no_grad():
        p_ind = p.clf.predict_proba(d.xq).float()
    out = {"inductive": p_ind.argmax(1).numpy()}
    choice = d.choose(cfg)
    out["default"] = (choice.propagation.probabilities(zq, *qpos) if choice.propagation
                      else p_ind).argmax(1).numpy()
    # task columns: standardised log-probabilities of the adapted classifier
    lu, ls, lq = (t.clamp_min(1e-6).log() for t in (p.prior_u, p.prior_s, p_ind))
    mu, sd = lu.mean(0), lu.std(0).clamp_min(1e-6)
    total = float(((lu - mu) / sd).var(0).sum())
    q_graph = p.space(zq, *qpos)
    for lam in LAMBDAS:
        scale = lam / max(total, 1e-12) ** 0.5

        def task_cols(t, scale=scale):
            return (t - mu) / sd * scale

        ru = torch.cat([p.region_x, task_cols(lu)], 1)
        su = torch.cat([p.support_x, task_cols(ls)], 1)
        ch = d.choose(cfg, region_x=ru, support_x=su)
        always = d.choose(cfg, region_x=ru, support_x=su, check=False).propagation
        xq_full = torch.cat([q_graph, task_cols(lq)], 1)

        def extend(rp: RegionPropagation, xq_full=xq_full):
            k = min(rp.neighbours, rp.anchors.shape[0])
            d2 = torch.cdist(xq_full, rp.anchors).pow(2)
            dk, idx = torch.topk(d2, k, dim=1, largest=False)
            w = torch.exp(-dk / rp.sigma2)
            return (w[:, :, None] * rp.labels[idx]).sum(1).argmax(1).numpy()

        out[f"graph_l{lam}"] = extend(always)
        out[f"checked_l{lam}"] = (extend(ch.propagation) if ch.propagation is not None
                                  else out["inductive"])
    return out


METHODS = ("default", "inductive") + tuple(f"{v}_l{lam}" for lam in LAMBDAS
                                           for v in ("graph", "checked"))


if __name__ == "__main__":
    probe_runner.main(partial(probe_runner.run_variants, compute=_variants, names=METHODS),
                      probe_runner.print_summary)
