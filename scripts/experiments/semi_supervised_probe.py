"""Issue 12 probe: do the region's unlabelled pixels or a second learner lift the plugin's map?

Scores, on the evaluation's seeded real-scene draws (leave-one-scene-out fold models, K=5,
points and polygons, draws 0/1/3/4), the plugin default (``core.baselines.propagated_method``:
inductive band correction + checked propagation) against:

* ``selftrain``: the band correction refitted on the support plus the propagated anchors
  (soft labels, the anchors weighted as much as the support in all), predicted inductively;
* ``selftrain_repropagate``: that refit classifier as the propagation's prior, spread again;
* ``rf_n3``: a random forest (100 trees) on the 3x3 neighbourhood, as the benchmark runs it;
* ``avg_rf_n3``: the mean of the plugin's and the forest's class probabilities;
* ``rf_prior_n3``: the forest averaged into the propagation's prior (then the plugin's map).

Run from the repository root (about 1 min on 2 cores)::

    .venv/bin/python scripts/experiments/semi_supervised_probe.py /tmp/probe.jsonl

and summarise the records with ``--summary /tmp/probe.jsonl``. Figures and the decision are
in docs/benchmarks_discussion.md ("Directions measured after card 1.1.0").
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections import defaultdict
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)

VARIANTS = ("default", "inductive", "selftrain", "selftrain_repropagate", "rf_n3", "avg_rf_n3",
            "rf_prior_n3")


def _fit_soft(base, bands, targets, weights, l2: float, max_iter: int = 100):
    """``core.adapt.fit_band_correction`` with soft, weighted targets."""
    import torch
    import torch.nn.functional as F

    w = torch.zeros(targets.shape[1], bands.shape[1], requires_grad=True)
    c = torch.zeros(targets.shape[1], requires_grad=True)
    opt = torch.optim.LBFGS([w, c], lr=1.0, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        logp = F.log_softmax(base + F.linear(bands, w, c), dim=1)
        loss = -(weights * (targets * logp).sum(1)).sum() + l2 * (w * w).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    return w.detach(), c.detach()


def _variants(task, loaded, cfg) -> dict:
    """Every variant's query predictions for one draw (the expensive steps shared)."""
    import torch
    import torch.nn.functional as F
    from metamapper.core.propagation import (
        RegionPropagation,
        choose,
        initial_labels,
        propagate,
        row_normalise,
        spread,
    )
    from sklearn.ensemble import RandomForestClassifier

    d = probe_runner.plugin_draw(task, loaded, cfg)  # what the plugin default starts from
    xs, xq, xu, p, sy, groups, n = d.xs, d.xq, d.xu, d.p, d.sy, d.groups, d.n
    clf, pick, space, zq, qpos = p.clf, p.anchor_rows, p.space, d.zq, d.qpos
    region_idx = task.region_idx[pick]
    prior_u, prior_s = p.prior_u, p.prior_s
    choice = choose(cfg, space, p.region_x, prior_u, p.support_x, prior_s, sy, n, groups,
                    lambda tr, te: p.fit(tr).predict(xs[te]).cpu().numpy(), seed=task.seed)
    x_graph, s, labels = propagate(cfg, space, p.region_x, prior_u, p.support_x, prior_s,
                                   sy, n)
    p_ind = clf.predict_proba(xq).float()
    used = choice.propagation is not None
    p_default = choice.propagation.probabilities(zq, *qpos) if used else p_ind
    out = {"default": p_default.argmax(1).numpy(), "inductive": p_ind.argmax(1).numpy()}

    def respread(pr_u, pr_s):
        if not used:
            return None
        lab = row_normalise(spread(s, initial_labels(cfg, pr_u, pr_s, sy, n), cfg.alpha,
                                   cfg.iterations))
        rp = RegionPropagation(space, x_graph, lab, cfg.extend_neighbours,
                               choice.propagation.sigma2)
        return rp.probabilities(zq, *qpos)

    # self-training: support (one-hot) + anchors (propagated distributions), equal weight
    d = clf.input_dim
    xa = torch.from_numpy(np.ascontiguousarray(np.concatenate([xs, xu[pick]]))).float()
    with torch.no_grad():
        head = F.linear(clf.embed(xa), clf.head_weight, clf.head_bias)
    ns, na = sy.numel(), xa.shape[0] - sy.numel()
    weights = torch.cat([torch.full((ns,), 1.0 / ns), torch.full((na,), 1.0 / na)])
    targets = torch.cat([F.one_hot(sy, n).float(), labels[ns:]])
    w, c = _fit_soft(head, xa[:, d:], targets, weights,
                     float(loaded.card["band_correction"].get("l2", 0.05)))
    refit = dataclasses.replace(clf, band_weight=w, band_bias=c)
    out["selftrain"] = refit.predict(xq).numpy()
    p = respread(refit.predict_proba(xu[pick]).float(), refit.predict_proba(xs).float())
    out["selftrain_repropagate"] = out["selftrain"] if p is None else p.argmax(1).numpy()
    # a random forest on the 3x3 neighbourhood, alone, averaged, and in the prior
    view = task.scene.views["n3"]
    rf = RandomForestClassifier(n_estimators=100, random_state=task.seed, n_jobs=1)
    rf.fit(view[task.support_idx], task.support_y)
    p_rf = torch.from_numpy(rf.predict_proba(view[task.query_idx])).float()
    out["rf_n3"] = p_rf.argmax(1).numpy()
    out["avg_rf_n3"] = (p_default + p_rf).argmax(1).numpy()
    p = respread(0.5 * (prior_u + torch.from_numpy(rf.predict_proba(view[region_idx])).float()),
                 0.5 * (prior_s + torch.from_numpy(
                     rf.predict_proba(view[task.support_idx])).float()))
    out["rf_prior_n3"] = (p_ind + p_rf).argmax(1).numpy() if p is None else p.argmax(1).numpy()
    return out



def summary(path: str) -> None:
    """Mean OA per variant: all scenes, and the scenes under 90 % for the best baseline."""
    hard = {"points": {"enmap_potsdam", "s2_slovenia_d4"},
            "polygons": {"enmap_potsdam", "s2_slovenia_d4", "teamlucc_l5sr_1986",
                         "landsat7_open_geo_tutorial"}}
    oa = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for r in map(json.loads, f):
            oa[(r["style"], r["method"], r["scene"])].append(r["oa"])
    for style in ("points", "polygons"):
        print(f"{style}: variant, mean OA all scenes, hard scenes")
        for v in VARIANTS:
            per = {s: np.mean(x) for (st, m, s), x in oa.items()
                   if st == style and m.endswith("_probe_" + v)}
            print(f"  {v:24s} {np.mean(list(per.values())):.3f} "
                  f"{np.mean([per[s] for s in hard[style] if s in per]):.3f}")


if __name__ == "__main__":
    probe_runner.main(partial(probe_runner.run_variants, compute=_variants, names=VARIANTS),
                      summary)
