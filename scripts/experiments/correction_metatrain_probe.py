"""Issue 12 probe: meta-train the embedding through the band correction it runs under.

The shipped model was meta-trained with the prototype head alone, but the plugin classifies
with ``0.1 x head + W z + c`` (``core.adapt``): the network has never been trained for that
adaptation. This continues each leave-one-scene-out fold model (``resources/models/loso``,
which never saw its scene group) for ``--steps`` outer steps on the same mix as stage 2 of
``make metatrain`` (half earthlib/UCR tasks, half real-scene episodes without that group),
with the episode loss taken through the band correction (``MetaLearner.correction``), or,
as the control, through the head alone (``--control``). Both write fold models with the
original cards, which ``core.evaluate --fold-models DIR`` then scores::

    .venv-train/bin/python scripts/experiments/correction_metatrain_probe.py OUT [--control]

``--second-order`` (session 9) takes the meta-gradient through the correction's optimum too
(implicit differentiation, :class:`ImplicitCorrectionLearner`): the network then learns how
its prior moves the fitted correction, not only what the correction leaves over. Measured
on 28 Nov 2026 (60-80 s a fold; ``core.evaluate --fold-models OUT --methods metamapper
--shots 5 --draws 10``): plugin default 0.929 (points) / 0.869 (polygons) against the
shipped folds' 0.934 / 0.873 (first order: 0.930 / 0.867). Not shipped.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)


def implicit_learner_class():
    """MetaLearner whose correction loss differentiates through the fitted (W, c).

    At the optimum of the convex support loss ``L(theta, base)`` (theta = (W, c), base = the
    scaled head's support logits, which depend on the network phi), the implicit function
    theorem gives ``d theta / d phi = -H^-1 d2L / d theta d phi``. So the query loss's
    gradient gains ``-v . d(grad_theta L) / d phi`` with ``v = H^-1 dLq / d theta``: ``v`` by
    conjugate gradients on Hessian-vector products (theta has N (B + 1) entries), the term by
    one double-backward through ``grad_theta L``.
    """
    import torch
    import torch.nn.functional as F
    from metamapper.core.adapt import fit_band_correction
    from metamapper.core.metatrain.algorithms import MetaLearner

    class ImplicitCorrectionLearner(MetaLearner):
        cg_steps = 20
        damping = 1e-3

        def task_loss(self, xs, ys, xq, yq, n_classes):
            d = self.net.input_dim
            corr = self.correction or {}
            scale, l2 = float(corr.get("prior_scale", 1.0)), float(corr.get("l2", 0.1))
            model = self.adapted(xs[:, :d], ys, n_classes)
            base_s = scale * model(xs[:, :d])
            zs, zq = xs[:, d:], xq[:, d:]
            w, c = fit_band_correction(base_s.detach(), zs, ys, n_classes, l2,
                                       int(corr.get("max_iter", 100)))
            w.requires_grad_(True)
            c.requires_grad_(True)
            logits = scale * model(xq[:, :d]) + F.linear(zq, w, c)
            lq = F.cross_entropy(logits, yq)
            acc = float((logits.argmax(1) == yq).float().mean())
            gw, gc = torch.autograd.grad(lq, [w, c], retain_graph=True)

            def inner(base):
                return F.cross_entropy(base + F.linear(zs, w, c), ys) + l2 * (w * w).sum()

            hw, hc = torch.autograd.grad(inner(base_s.detach()), [w, c], create_graph=True)

            def hvp(vw, vc):
                a, b = torch.autograd.grad((hw * vw).sum() + (hc * vc).sum(), [w, c],
                                           retain_graph=True)
                return a + self.damping * vw, b + self.damping * vc

            # conjugate gradients for H v = g, from v = 0
            vw, vc = torch.zeros_like(gw), torch.zeros_like(gc)
            rw, rc = gw.clone(), gc.clone()
            pw, pc = rw.clone(), rc.clone()
            rr = (rw * rw).sum() + (rc * rc).sum()
            for _ in range(self.cg_steps):
                if float(rr) < 1e-12:
                    break
                aw, ac = hvp(pw, pc)
                alpha = rr / ((pw * aw).sum() + (pc * ac).sum()).clamp_min(1e-20)
                vw, vc = vw + alpha * pw, vc + alpha * pc
                rw, rc = rw - alpha * aw, rc - alpha * ac
                rr_new = (rw * rw).sum() + (rc * rc).sum()
                pw, pc = rw + (rr_new / rr) * pw, rc + (rr_new / rr) * pc
                rr = rr_new
            gin_w, gin_c = torch.autograd.grad(inner(base_s), [w, c], create_graph=True)
            implicit = -(vw.detach() * gin_w).sum() - (vc.detach() * gin_c).sum()
            w.requires_grad_(False)
            c.requires_grad_(False)
            return lq + implicit, acc

    return ImplicitCorrectionLearner


def main() -> int:
    import torch
    from metamapper.core.metatrain.algorithms import MetaLearner
    from metamapper.core.metatrain.train import BAND_CORRECTION, TrainConfig, log, train_method
    from metamapper.core.model import load_model, save_model

    p = argparse.ArgumentParser()
    p.add_argument("out", type=Path)
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--control", action="store_true", help="the head-alone loss")
    p.add_argument("--second-order", action="store_true",
                   help="differentiate through the correction's optimum (implicit)")
    p.add_argument("--groups", default="", help="only these fold groups (comma separated)")
    p.add_argument("--outer-lr", type=float, default=1e-3)
    args = p.parse_args()
    torch.set_num_threads(1)
    groups = probe_runner.fold_groups(args.groups)
    cfg = TrainConfig(seed=0, outer_lr=args.outer_lr)
    card_bm = probe_runner.episode_band_mapping()
    n = args.steps * cfg.meta_batch
    library = probe_runner.library_episodes(n // 2, card_bm)
    log(f"{len(library)} library episodes")
    args.out.mkdir(parents=True, exist_ok=True)
    for group in groups:
        t0 = time.time()
        stream = probe_runner.fold_stream(library, [group], n - n // 2, card_bm)
        start = load_model(probe_runner.FOLDS / f"{group}.pt")
        torch.manual_seed(0)
        cls = implicit_learner_class() if args.second_order else MetaLearner
        learner = cls("protonet", start.net, cfg.inner_steps, cfg.inner_lr,
                      # the scale this probe was measured with (card 1.1.0's)
                      correction=None if args.control
                      else {**BAND_CORRECTION, "prior_scale": 0.1, "combine": "blend"})
        learner, info = train_method("protonet", cfg, stream, card_bm, args.steps,
                                     learner=learner)
        card = dict(start.card)
        card["training"] = {**card.get("training", {}), "continued": {
            "steps": args.steps, "loss": "head alone" if args.control else
            "scaled head + band correction"
            + (" (implicit second order)" if args.second_order else ""), **info}}
        save_model(args.out / f"{group}.pt", learner.net, card)
        log(f"{group}: {time.time() - t0:.0f} s, {info}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
