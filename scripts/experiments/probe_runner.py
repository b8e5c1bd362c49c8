"""What the experiment probes share: every shared real scene in two worker processes."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[2]
#: the leave-one-scene-out fold models every probe scores a scene with
FOLDS = ROOT / "resources" / "models" / "loso"
sys.path.insert(0, str(ROOT / "build" / "pkg"))


def main(run_scene: Callable[[str], List[dict]], summary: Callable[[str], None]) -> None:
    """``probe.py OUT.jsonl`` scores every scene into OUT; ``probe.py --summary OUT`` only
    prints the summary of an earlier run."""
    if len(sys.argv) == 3 and sys.argv[1] == "--summary":
        summary(sys.argv[2])
        return
    import multiprocessing as mp

    from metamapper.core.metatrain.scenes import SHARED_SCENES

    with open(sys.argv[1], "w", encoding="utf-8") as out, \
            mp.get_context("spawn").Pool(2) as pool:
        for records in pool.imap_unordered(run_scene, list(SHARED_SCENES)):
            for r in records:
                out.write(json.dumps(r, default=float) + "\n")
            out.flush()
    summary(sys.argv[1])


def fold_groups(spec: str) -> List[str]:
    """The fold groups named in ``spec`` (comma separated), or every fold model's."""
    return [g for g in spec.split(",") if g] or sorted(f.stem for f in FOLDS.glob("*.pt"))


def episode_band_mapping() -> dict:
    """The shipped card's band mapping with the standardised bands appended (the band
    correction's inputs), as the fold-model training probes featurise episodes."""
    from metamapper.core.metatrain.train import TrainConfig, make_card

    return {**make_card("protonet", TrainConfig(), 0.1)["band_mapping"], "append_bands": True}


def library_episodes(n: int, card_bm: dict) -> List[Any]:
    """``n`` seeded earthlib/UCR training episodes, featurised with ``card_bm``: the library
    half of stage 2's stream, which the fold-model training probes share."""
    import numpy as np
    from metamapper.core.metatrain.tasks import EpisodeConfig, build_sources, featurize
    from metamapper.core.metatrain.train import slim
    from metamapper.core.metatrain.ucr import default_ucr_path

    sources = build_sources(EpisodeConfig(), ucr_path=default_ucr_path(), seed=0)
    rng = np.random.default_rng([0, 11])
    return [slim(featurize(sources.train.sample(rng), card_bm)) for _ in range(n)]


def fold_stream(library: List[Any], hold_out: Sequence[str], n_scene: int,
                card_bm: dict) -> List[Any]:
    """``library`` plus ``n_scene`` seeded real-scene episodes of every scene group but
    ``hold_out``, shuffled (seeded): one fold model's training stream."""
    import numpy as np
    from metamapper.core.metatrain.tasks import featurize
    from metamapper.core.metatrain.train import CONTEXT_RADIUS, scene_source, slim

    stream = list(library)
    if n_scene > 0:
        src = scene_source(list(hold_out), CONTEXT_RADIUS)
        srng = np.random.default_rng([0, 7])
        stream += [slim(featurize(src.sample(srng), card_bm)) for _ in range(n_scene)]
    order = np.random.default_rng(0).permutation(len(stream))
    return [stream[i] for i in order]


#: the evaluation's seeded draws the probes score (K=5, points and polygons)
DRAWS = (0, 1, 3, 4)

#: the variants of the draw being scored (``draw_records`` makes a new Task per method)
_DRAW_CACHE: dict = {}
#: the scene and support style :func:`run_variants` is scoring (for probes that log more
#: than predictions)
SCENE = ["", ""]


def run_variants(name: str, compute: Callable[[Any, Any, Any], dict],
                 names: Sequence[str], k: int = 5) -> List[dict]:
    """Score every variant of ``compute(task, loaded, cfg)`` (-> {variant: query
    predictions}) on ``name``'s draws, with its leave-one-scene-out fold model and the
    card's propagation settings; the variants of one draw are computed once.

    Bind ``compute`` and ``names`` with ``functools.partial`` to get :func:`main`'s
    ``run_scene``."""
    import time

    import numpy as np
    import torch
    from metamapper.core.baselines import Result
    from metamapper.core.evaluate import META, Config, _model_for, draw_records
    from metamapper.core.metatrain.scenes import load_scenes
    from metamapper.core.model import bundled_model_path, load_model
    from metamapper.core.propagation import PropagationSettings

    torch.set_num_threads(1)
    scene = load_scenes([name])[0][0]
    SCENE[0] = name
    loaded = load_model(_model_for(scene, bundled_model_path(), FOLDS))
    cfg = PropagationSettings.from_card(loaded.card.get("transductive"))

    def method(variant: str) -> Callable[[Any], Any]:
        def run(task: Any) -> Any:
            key = (task.seed, task.support_idx.tobytes(), task.query_idx.tobytes())
            if key not in _DRAW_CACHE:
                _DRAW_CACHE.clear()
                t0 = time.perf_counter()
                _DRAW_CACHE[key] = (compute(task, loaded, cfg), time.perf_counter() - t0)
            preds, seconds = _DRAW_CACHE[key]
            return Result(np.asarray(preds[variant]).astype(np.int64), seconds, 0.0)

        return run

    # names start with META: fed the card's 3x3-smoothed pixels, as the plugin maps them
    models = {f"{META}_probe_{v}": method(v) for v in names}
    records: List[dict] = []
    for style in ("points", "polygons"):
        SCENE[1] = style
        config = Config(shots=[k], styles=[style], n_draws=max(DRAWS) + 1, supervised=False)
        records += draw_records(scene, {}, config, loaded.card, models, DRAWS,
                                log=lambda m: None)
    return records
#: the scenes under 90 % OA for the best baseline in either support style
HARD = ("enmap_potsdam", "s2_slovenia_d4", "landsat7_open_geo_tutorial", "teamlucc_l5sr_1986")


def corrected_record(prior_s: Any, prior_q: Any, zs: Any, zq: Any, y: Any, l2: float,
                     draw: Any, meta: dict) -> dict:
    """Fit the band correction on the support (``prior_s`` logits + inputs ``zs``), score
    ``prior_q + W zq + c`` on the draw's queries: one record (OA, F1, kappa + ``meta``)."""
    import torch.nn.functional as F
    from metamapper.core.adapt import fit_band_correction
    from metamapper.core.evaluate import _metrics

    n = len(draw.classes)
    w, c = fit_band_correction(prior_s, zs, y, n, l2, 100)
    record = _metrics(draw.query_y, (prior_q + F.linear(zq, w, c)).argmax(1).numpy(), n)
    record.update(meta)
    return record


def corrected_scene(name: str, variants: Callable[[Any, float], dict], k: int = 5
                    ) -> List[dict]:
    """Records of correction variants on ``name``'s draws (fold model, :func:`head_draws`):
    ``variants(draw, l2)`` -> {variant: (prior_s, prior_q, inputs_s, inputs_q, l2)}, each
    scored by :func:`corrected_record`."""
    import torch
    from metamapper.core.metatrain.tune_adaptation import fold_scene

    torch.set_num_threads(1)
    scene, loaded, ctx = fold_scene(name, FOLDS)
    l2 = float(loaded.card["band_correction"].get("l2", 0.05))
    records = []
    for h in head_draws(scene, loaded, ctx, k):
        for vname, (ps, pq, fs, fq, lam) in variants(h, l2).items():
            records.append(corrected_record(ps, pq, fs, fq, h.y, lam, h.draw,
                                            h.meta(scene.name, k, vname)))
    return records


def print_summary(path: str, hard: Sequence[str] = HARD) -> None:
    """Mean OA of every method over all scenes and over the ``hard`` ones, per style."""
    import numpy as np

    oa: dict = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for r in map(json.loads, f):
            oa[(r["style"], r["method"], r["scene"])].append(r["oa"])
    methods = sorted({m for _, m, _ in oa})
    for style in ("points", "polygons"):
        print(f"{style}: mean OA over all scenes / the {len(hard)} hard ones")
        for m in methods:
            per = {s: np.mean(v) for (st, mm, s), v in oa.items() if st == style and mm == m}
            hard_oa = [v for s, v in per.items() if s in hard]
            print(f"  {m:32s} {np.mean(list(per.values())):.3f} / {np.mean(hard_oa):.3f}")


@dataclass
class HeadDraw:
    """One seeded draw, adapted as the plugin does: the (scaled) head's logits of the
    support and queries, and the correction's shipped inputs (the standardised bands)."""

    style: str
    index: int
    draw: Any  # core.metatrain.scene_tasks draw: support/query indices and labels
    xs: Any  # (n, D) mapped support features
    xq: Any
    clf: Any  # core.adapt.AdaptedClassifier
    head_s: Any  # (n, N) head logits, as the card scales them (prior_scale)
    head_q: Any
    y: Any  # (n,) support labels, int64 tensor
    bands_s: Any  # (n, B) standardised bands: the shipped correction's inputs
    bands_q: Any

    def meta(self, scene: str, k: int, method: str) -> dict:
        return dict(scene=scene, style=self.style, k=k, draw=self.index, method=method)


def head_draws(scene: Any, loaded: Any, pixels: Any, k: int = 5,
               draws: Sequence[int] = DRAWS) -> Iterator[HeadDraw]:
    """The evaluation's draws of ``scene`` (``tune_adaptation.mapped_draws``), each adapted
    with ``core.adapt.adapt`` (no transduction)."""
    import torch
    import torch.nn.functional as F
    from metamapper.core.adapt import adapt
    from metamapper.core.metatrain.tune_adaptation import mapped_draws

    for style, i, d, xs, xq in mapped_draws(scene, loaded.card, pixels, k, max(draws) + 1,
                                            draws):
        clf = adapt(loaded, xs, d.support_y, len(d.classes), device="cpu", seed=i,
                    transductive=False)
        dim = clf.input_dim
        with torch.no_grad():
            hs = F.linear(clf.embed(xs), clf.head_weight, clf.head_bias)
            hq = F.linear(clf.embed(xq), clf.head_weight, clf.head_bias)
        yield HeadDraw(style, i, d, xs, xq, clf, hs, hq, torch.from_numpy(d.support_y).long(),
                       torch.from_numpy(xs[:, dim:]).float(),
                       torch.from_numpy(xq[:, dim:]).float())


@dataclass
class PluginDraw:
    """One draw as ``map_region`` starts it: the card's mapped features of the support,
    queries and region (``xs``, ``xq``, ``xu``), the adapted classifier and the propagation's
    anchors (``p``: ``core.baselines.propagation_inputs``), the support labels (``sy``), its
    labelled features (``groups``), and the queries' standardised bands and positions."""

    xs: Any
    xq: Any
    xu: Any
    p: Any
    sy: Any
    groups: Any
    n: int
    zq: Any
    qpos: Any
    seed: int

    def fold_predict(self, train: Any, test: Any) -> Any:
        """The inductive classifier adapted on ``train``, its classes of ``test``."""
        return self.p.fit(train, self.p.clf).predict(self.xs[test]).cpu().numpy()

    def choose(self, cfg: Any, region_x: Any = None, support_x: Any = None,
               prior_u: Any = None, prior_s: Any = None, check: bool = True) -> Any:
        """``core.propagation.choose`` as the plugin runs it (``check=False``: always)."""
        from metamapper.core.propagation import choose

        p = self.p
        return choose(cfg, p.space, p.region_x if region_x is None else region_x,
                      p.prior_u if prior_u is None else prior_u,
                      p.support_x if support_x is None else support_x,
                      p.prior_s if prior_s is None else prior_s, self.sy, self.n,
                      self.groups, self.fold_predict if check else None, seed=self.seed)


def plugin_draw(task: Any, loaded: Any, cfg: Any) -> PluginDraw:
    import numpy as np
    import torch
    from metamapper.core.baselines import _features, propagation_inputs

    xs, xq, xu = _features(task, loaded.card)
    p = propagation_inputs(task, loaded, cfg)
    groups = (task.support_group if task.support_group is not None
              else np.arange(task.support_y.size))
    zq = torch.from_numpy(np.ascontiguousarray(xq[:, -task.support_x.shape[1]:]))
    return PluginDraw(xs, xq, xu, p, torch.from_numpy(task.support_y), groups,
                      task.n_classes, zq, p.position(task.query_idx), task.seed)


def pool_rerank_scene(job: tuple, variants: Sequence[str], rerank: Callable[..., Any],
                      pool_factor: int | Dict[str, int] = 4) -> List[dict]:
    """The simulated analyst (``core.evaluate_suggestions``) on one scene, with the random,
    shipped and ``variants`` strategies. A variant takes a pool of ``pool_factor`` x N places
    (``pool_factor`` one number, or one per variant)
    (4N random free places when its name says "random pool", else the shipped suggester's
    4N best) and keeps the N first in ``rerank(loaded, sd, labelled, pool, probs, strategy,
    seed)`` (pool positions, best first). ``job``: (scene, draws, seed, flag)."""
    import numpy as np
    import torch
    from metamapper.core import evaluate_suggestions as es
    from metamapper.core.evaluate import _model_for
    from metamapper.core.model import bundled_model_path, load_model

    name, draws, seed, _ = job
    torch.set_num_threads(1)
    shipped_choose = es.choose

    def choose(strategy, probs, sd, labelled, n, rng, cfg, fitted=None):
        if strategy not in variants:
            return shipped_choose(strategy, probs, sd, labelled, n, rng, cfg, fitted)
        labelled = np.asarray(labelled, np.int64)
        pool_kind = "random" if "random pool" in strategy else "suggest"
        factor = pool_factor if isinstance(pool_factor, int) else pool_factor[strategy]
        pool = shipped_choose(pool_kind, probs, sd, labelled, factor * n, rng, cfg,
                              fitted)
        order = rerank(loaded, sd, labelled, pool, probs, strategy, int(cfg.seed))
        return pool[np.asarray(order)[:n]]

    es.choose = choose
    scene = es.all_scenes([name])[0][0]
    loaded = load_model(_model_for(scene, bundled_model_path(), FOLDS))
    strategies = {"random": es.SHIPPED, "suggest": es.SHIPPED}
    strategies.update({v: es.SHIPPED for v in variants})
    cfg = es.Config(draws=draws, seed=seed, strategies=strategies)
    return es.evaluate_scene(scene, loaded, cfg)


def analyst_main(run_scene: Callable[[tuple], List[dict]], flag: str = "",
                 flag_help: str = "") -> None:
    """The simulated-analyst probes (``core.evaluate_suggestions``): ``probe.py OUT.csv
    --scenes a,b [--draws N] [--seed S] [--FLAG]``; each scene is one job
    ``(scene, draws, seed, flag)`` for ``run_scene`` in two worker processes; the rows go to
    OUT.csv and :func:`analyst_summary` prints them."""
    import argparse
    import csv
    import multiprocessing as mp

    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--scenes", required=True)
    p.add_argument("--draws", type=int, default=4)
    p.add_argument("--seed", type=int, default=1)
    if flag:
        p.add_argument(f"--{flag}", action="store_true", help=flag_help)
    a = p.parse_args()
    on = bool(getattr(a, flag.replace("-", "_"), False)) if flag else False
    jobs = [(s, a.draws, a.seed, on) for s in a.scenes.split(",")]
    rows: List[dict] = []
    with mp.get_context("spawn").Pool(2) as pool:
        for part in pool.imap_unordered(run_scene, jobs):
            rows += part
    with open(a.out, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    analyst_summary(a.out)


def analyst_summary(path: str, last_round: int = 2) -> None:
    """OA after the last round per strategy, minus random on average and its worst scene."""
    import csv

    import numpy as np

    final: dict = defaultdict(lambda: defaultdict(list))
    with open(path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if int(r["round"]) == last_round:
                final[r["strategy"]][r["scene"]].append(float(r["oa"]))
    rand = {s: np.mean(v) for s, v in final["random"].items()}
    for strat, per in final.items():
        diff = {s: np.mean(v) - rand[s] for s, v in per.items()}
        worst = min(diff, key=diff.get)
        print(f"{strat:26s} OA {np.mean([np.mean(v) for v in per.values()]):.3f}  minus random "
              f"{100 * np.mean(list(diff.values())):+.1f}  worst {worst} "
              f"{100 * diff[worst]:+.1f}  | "
              + " ".join(f"{s[:10]} {100 * d:+.1f}" for s, d in diff.items()))


#: the outside scoring's replay samples its region statistics from this many pixels
REPLAY_REGION = 50_000


@dataclass
class ReplayDraw:
    """One draw of the outside scoring's protocol (``processing_scenes_check.py``): 5
    uniformly random labelled pixels per class, every other labelled pixel a query; the
    pixels band-mapped as the plugin maps them (region statistics)."""

    index: int
    sup: Any  # (n,) flat scene indices
    qry: Any
    y: Any  # (n,) class index 0..N-1
    yq: Any
    xs: Any  # (n, D) mapped features
    xq: Any

    @property
    def n_classes(self) -> int:
        return int(self.y.max()) + 1

    def folds(self) -> Any:
        """(n,) fold per support pixel: one labelled pixel per class out at a time."""
        import numpy as np

        folds = np.zeros(self.y.size, np.int64)
        for k in range(self.n_classes):
            members = np.flatnonzero(self.y == k)
            folds[members] = np.arange(members.size)
        return folds


def replay_pick(labels: Any, valid: Any, classes: Sequence[int], shots: int, draw: int
                ) -> Tuple[Any, Any]:
    """(support, queries) flat indices of the replay's draw ``draw``: ``shots`` uniformly
    random labelled pixels of each class, every other labelled pixel of those classes."""
    import numpy as np

    rng = np.random.default_rng([draw, 11])
    sup = np.concatenate([rng.choice(np.flatnonzero((labels == c) & valid), shots,
                                     replace=False) for c in classes])
    return sup, np.setdiff1d(np.flatnonzero(np.isin(labels, classes) & valid), sup)


def replay_draws(scene: Any, loaded: Any, ctx: Any, shots: int = 5, draws: int = 5
                 ) -> Iterator[ReplayDraw]:
    """The replay's seeded draws of ``scene`` (``ctx``: its pixels as the card maps them)."""
    import numpy as np
    from metamapper.core.band_mapping import BandStats, map_bands

    bm, wl = loaded.card["band_mapping"], scene.wavelengths_nm
    lab = scene.labels.ravel()
    valid = np.isfinite(scene.cube).all(axis=2).ravel()
    classes = [c for c in np.unique(lab[valid & (lab > 0)])
               if ((lab == c) & valid).sum() > shots]
    vidx = np.flatnonzero(valid)
    region = np.random.default_rng(0).choice(vidx, min(REPLAY_REGION, vidx.size),
                                             replace=False)
    for d in range(draws):
        sup, qry = replay_pick(lab, valid, classes, shots, d)
        stats = BandStats.from_samples(ctx[region], seed=d)
        yield ReplayDraw(d, sup, qry, np.searchsorted(classes, lab[sup]),
                         np.searchsorted(classes, lab[qry]),
                         np.asarray(map_bands(ctx[sup], stats, bm, wl)),
                         np.asarray(map_bands(ctx[qry], stats, bm, wl)))


def replay_main(run_scene: Callable[[str], List[dict]], out: str) -> dict:
    """Every shared scene in two worker processes; the records (scene, draw, variant, oa)
    go to ``out`` (JSON) and come back as {variant: {scene: [OA per draw]}}."""
    import multiprocessing as mp

    from metamapper.core.metatrain.scenes import SHARED_SCENES

    records: List[dict] = []
    with mp.get_context("spawn").Pool(2) as pool:
        for part in pool.imap_unordered(run_scene, list(SHARED_SCENES)):
            records += part
    Path(out).write_text(json.dumps(records))
    per: dict = defaultdict(lambda: defaultdict(list))
    for r in records:
        per[r["variant"]][r["scene"]].append(r["oa"])
    return per
