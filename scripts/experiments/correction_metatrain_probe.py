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
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build" / "pkg"))


def main() -> int:
    import numpy as np
    import torch
    from metamapper.core.metatrain.algorithms import MetaLearner
    from metamapper.core.metatrain.tasks import EpisodeConfig, build_sources, featurize
    from metamapper.core.metatrain.train import (
        BAND_CORRECTION,
        CONTEXT_RADIUS,
        TrainConfig,
        log,
        make_card,
        scene_source,
        slim,
        train_method,
    )
    from metamapper.core.metatrain.ucr import default_ucr_path
    from metamapper.core.model import load_model, save_model

    p = argparse.ArgumentParser()
    p.add_argument("out", type=Path)
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--control", action="store_true", help="the head-alone loss")
    p.add_argument("--groups", default="", help="only these fold groups (comma separated)")
    p.add_argument("--outer-lr", type=float, default=1e-3)
    args = p.parse_args()
    torch.set_num_threads(1)
    folds = ROOT / "resources" / "models" / "loso"
    groups = [g for g in args.groups.split(",") if g] or sorted(f.stem for f in folds.glob("*.pt"))
    cfg = TrainConfig(seed=0, outer_lr=args.outer_lr)
    card_bm = {**make_card("protonet", cfg, cfg.inner_lr)["band_mapping"], "append_bands": True}
    sources = build_sources(EpisodeConfig(), ucr_path=default_ucr_path(), seed=0)
    n = args.steps * cfg.meta_batch
    rng = np.random.default_rng([0, 11])
    library = [slim(featurize(sources.train.sample(rng), card_bm)) for _ in range(n // 2)]
    log(f"{len(library)} library episodes")
    args.out.mkdir(parents=True, exist_ok=True)
    for group in groups:
        t0 = time.time()
        src = scene_source([group], CONTEXT_RADIUS)
        srng = np.random.default_rng([0, 7])
        stream = library + [slim(featurize(src.sample(srng), card_bm)) for _ in range(n - n // 2)]
        order = np.random.default_rng(0).permutation(len(stream))
        stream = [stream[i] for i in order]
        start = load_model(folds / f"{group}.pt")
        torch.manual_seed(0)
        learner = MetaLearner("protonet", start.net, cfg.inner_steps, cfg.inner_lr,
                              correction=None if args.control else BAND_CORRECTION)
        learner, info = train_method("protonet", cfg, stream, card_bm, args.steps,
                                     learner=learner)
        card = dict(start.card)
        card["training"] = {**card.get("training", {}), "continued": {
            "steps": args.steps, "loss": "head alone" if args.control else
            "scaled head + band correction", **info}}
        save_model(args.out / f"{group}.pt", learner.net, card)
        log(f"{group}: {time.time() - t0:.0f} s, {info}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
