"""Issue 12 probe: the region's class proportions, estimated transductively.

Five labels per class make a balanced support, while a real region is not balanced (in the
Sentinel-2 Slovenia patch one class covers 85 % of the pixels). A classifier fitted on a
balanced support implicitly assumes equal class priors. The EM of Saerens, Latinne and
Decaestecker (2002, "Adjusting the outputs of a classifier to new a priori probabilities")
estimates the region's priors from the classifier's own probabilities over the region's
unlabelled pixels and re-weights them: ``p'(c|x) ~ p(c|x) pi_c / pi0_c``.

Variants, on the evaluation's seeded draws (K=5, points and polygons, draws 0/1/3/4,
leave-one-scene-out fold models):

* ``inductive``, ``default``: as the plugin (``default`` = checked propagation);
* ``inductive_em``: the inductive probabilities re-weighted by the EM priors (estimated on
  the anchors, the region's random sample);
* ``default_em``: the plugin's final probabilities re-weighted by EM priors estimated on
  them (over the anchors);
* ``prior_em``: the EM-adjusted classifier as the propagation's prior, then the plugin's
  check and map;
* ``*_emh``: the same with the prior shift damped (pi ** 0.5).

Run from the repository root (about 3 min on 2 cores)::

    .venv/bin/python scripts/experiments/class_prior_probe.py /tmp/em.jsonl
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)


def em_priors(probs, iterations: int = 50, tol: float = 1e-6):
    """Saerens et al. (2002): the class priors of the pixels ``probs`` (n, C) came from,
    given a classifier trained under uniform priors."""
    import torch

    n_classes = probs.shape[1]
    base = torch.full((n_classes,), 1.0 / n_classes)
    pi = base.clone()
    for _ in range(iterations):
        q = probs * (pi / base)
        q = q / q.sum(dim=1, keepdim=True).clamp_min(1e-12)
        new = q.mean(dim=0).clamp_min(1e-6)
        if float((new - pi).abs().max()) < tol:
            pi = new
            break
        pi = new
    return pi / pi.sum()


def reweight(probs, pi, power: float = 1.0):
    w = (pi * probs.shape[1]) ** power
    q = probs * w
    return q / q.sum(dim=1, keepdim=True).clamp_min(1e-12)


def _variants(task, loaded, cfg) -> dict:
    import torch

    d = probe_runner.plugin_draw(task, loaded, cfg)
    with torch.no_grad():
        p_ind = d.p.clf.predict_proba(d.xq).float()
    out = {"inductive": p_ind.argmax(1).numpy()}

    def plugin(prior_u, prior_s, ind_q):
        choice = d.choose(cfg, prior_u=prior_u, prior_s=prior_s)
        if choice.propagation is None:
            return ind_q, prior_u
        return (choice.propagation.probabilities(d.zq, *d.qpos),
                choice.propagation.labels[d.sy.numel():])

    p_def, anchors_def = plugin(d.p.prior_u, d.p.prior_s, p_ind)
    out["default"] = p_def.argmax(1).numpy()
    pi_ind = em_priors(d.p.prior_u)
    pi_def = em_priors(anchors_def)
    for tag, power in (("em", 1.0), ("emh", 0.5)):
        out[f"inductive_{tag}"] = reweight(p_ind, pi_ind, power).argmax(1).numpy()
        out[f"default_{tag}"] = reweight(p_def, pi_def, power).argmax(1).numpy()
        pq, _ = plugin(reweight(d.p.prior_u, pi_ind, power),
                       reweight(d.p.prior_s, pi_ind, power),
                       reweight(p_ind, pi_ind, power))
        out[f"prior_{tag}"] = pq.argmax(1).numpy()
    return out


METHODS = ("default", "inductive", "inductive_em", "default_em", "prior_em", "inductive_emh",
           "default_emh", "prior_emh")


if __name__ == "__main__":
    probe_runner.main(partial(probe_runner.run_variants, compute=_variants, names=METHODS),
                      probe_runner.print_summary)
