"""Issue 12 probe: meta-train the propagation's graph through the spreading (TPN-style).

The Transductive Propagation Network (Liu et al. 2019) learns the embedding in which the
graph is built from the loss of the propagated labels. This continues each
leave-one-scene-out fold model (``resources/models/loso``) on real-scene episodes that
exclude its group. Each episode's graph spans its support, queries and a sample of its
region. The graph is built in the network's embedding, centred and scaled to unit total
variance, as ``embedding_graph_probe.py`` scores it: 10 nearest neighbours, Gaussian
weights at the median 10th distance, ``D^-1/2 W D^-1/2``, and 30 steps of
``F <- 0.99 S F + 0.01 Y0``. ``Y0`` is the one-hot support plus 0.5 x the prior of the
plugin's adapted classifier (scaled head + band correction, held fixed). The loss is the
propagated distribution's cross-entropy on the queries, so only the graph's metric
learns. The neighbour sets are held fixed within a step; the weights are differentiable.

Fold models are written to OUT with their original cards; ``embedding_graph_probe.py
--graph-models OUT`` builds the plugin's graph in their embedding::

    .venv-train/bin/python scripts/experiments/graph_metatrain_probe.py OUT [--steps 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)

QUERIES, REGION = 300, 700


def episode_loss(net, fe, correction: dict, rng) -> tuple:
    """Query cross-entropy of the labels spread over the episode's embedding graph."""
    import torch
    import torch.nn.functional as F
    from metamapper.core.adapt import fit_band_correction, prototype_head, prototypes

    d, n_classes = net.input_dim, fe.n_classes
    xs, ys = torch.from_numpy(fe.xs), torch.from_numpy(fe.ys).long()
    qi = rng.choice(fe.xq.shape[0], min(QUERIES, fe.xq.shape[0]), replace=False)
    ui = rng.choice(fe.xu.shape[0], min(REGION, fe.xu.shape[0]), replace=False)
    xq, yq = torch.from_numpy(fe.xq[qi]), torch.from_numpy(fe.yq[qi]).long()
    xu = torch.from_numpy(fe.xu[ui])
    x = torch.cat([xs, xq, xu])
    with torch.no_grad():  # the prior: the plugin's classifier, held fixed
        w0, b0 = prototype_head(prototypes(net(xs[:, :d]), ys, n_classes))
        scale = float(correction["prior_scale"])
        base = scale * F.linear(net(x[:, :d]), w0, b0)
        w, c = fit_band_correction(base[: len(ys)], xs[:, d:], ys, n_classes,
                                   float(correction["l2"]), int(correction["max_iter"]))
        prior = torch.softmax(base + F.linear(x[:, d:], w, c), 1)
    e = net(x[:, :d])
    e = e - e.mean(0)
    e = e / e.var(0).sum().clamp_min(1e-12).sqrt()
    m, k = e.shape[0], 10
    d2 = torch.cdist(e, e).pow(2) + torch.eye(m) * 1e9
    with torch.no_grad():
        dk, idx = torch.topk(d2, k, dim=1, largest=False)
        sigma2 = dk[:, -1].median().clamp_min(1e-12)
        mask = torch.zeros(m, m, dtype=torch.bool)
        mask.scatter_(1, idx, True)
        mask = mask | mask.T
    wgt = torch.where(mask, torch.exp(-d2 / sigma2), torch.zeros(()))
    inv = wgt.sum(1).clamp_min(1e-12).rsqrt()
    s = inv[:, None] * wgt * inv[None, :]
    y0 = 0.5 * prior
    y0[: len(ys)] += F.one_hot(ys, n_classes).float()
    f = y0
    for _ in range(30):
        f = 0.99 * (s @ f) + 0.01 * y0
    fq = f[len(ys): len(ys) + len(yq)].clamp_min(1e-12)
    fq = fq / fq.sum(1, keepdim=True)
    loss = F.nll_loss(fq.log(), yq)
    return loss, float((fq.argmax(1) == yq).float().mean())


def main() -> int:
    import numpy as np
    import torch
    from metamapper.core.metatrain.tasks import featurize
    from metamapper.core.metatrain.train import (
        BAND_CORRECTION,
        CONTEXT_RADIUS,
        log,
        scene_source,
    )
    from metamapper.core.model import load_model, save_model

    p = argparse.ArgumentParser()
    p.add_argument("out", type=Path)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--groups", default="")
    p.add_argument("--lr", type=float, default=3e-4)
    args = p.parse_args()
    torch.set_num_threads(1)
    groups = probe_runner.fold_groups(args.groups)
    card_bm = probe_runner.episode_band_mapping()
    args.out.mkdir(parents=True, exist_ok=True)
    for group in groups:
        t0 = time.time()
        src = scene_source([group], CONTEXT_RADIUS)
        srng = np.random.default_rng([0, 7])
        episodes = [featurize(src.sample(srng), card_bm) for _ in range(300)]
        episodes = [e for e in episodes if e.xu.shape[0] > 0 and e.xq.shape[0] > 0]
        start = load_model(probe_runner.FOLDS / f"{group}.pt")
        net = start.net
        torch.manual_seed(0)
        opt = torch.optim.Adam(net.parameters(), lr=args.lr)
        rng = np.random.default_rng(0)
        losses, accs = [], []
        for step in range(args.steps):
            opt.zero_grad()
            for _ in range(4):
                fe = episodes[int(rng.integers(len(episodes)))]
                loss, acc = episode_loss(net, fe, BAND_CORRECTION, rng)
                (loss / 4).backward()
                losses.append(float(loss.detach()))
                accs.append(acc)
            torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            opt.step()
            if (step + 1) % 100 == 0:
                log(f"{group}: step {step + 1} loss {np.mean(losses[-400:]):.3f} "
                    f"query acc {np.mean(accs[-400:]):.3f} (first 100: "
                    f"{np.mean(accs[:400]):.3f})")
        card = dict(start.card)
        card["training"] = {**card.get("training", {}), "continued": {
            "steps": args.steps, "loss": "propagated labels over the embedding graph"}}
        save_model(args.out / f"{group}.pt", net, card)
        log(f"{group}: {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
