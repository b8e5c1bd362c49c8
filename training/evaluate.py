"""Leave-one-scene-out benchmark of the shipped model against baselines -> docs/benchmarks.*.

    cd build/pkg && ../../.venv-train/bin/python -m metamapper.training.evaluate   # make evaluate
    ... -m metamapper.training.evaluate --quick --model tiny.pt --scene img.tif:labels.gpkg:name

Leave-one-scene-out over every real scene of ``../shared/data`` (the teamlucc dates held
out together): a scene is scored with a model that never saw it (``--fold-models``: one
model per held-out group, from ``make metatrain``'s fold runs; else the given model). For
each scene, support style (scattered ``points``, or 1-3 ``polygons`` per class) and K in
{1, 5, 10, 20}, ``--draws`` seeded draws (training.metatrain.scene_tasks.scene_draws): queries
are every other labelled pixel outside the support blocks and a guard band. Every method is
fitted on exactly the same support pixels and scored on exactly the same query pixels:
overall accuracy, macro F1, Cohen's kappa (scikit-learn), fit and predict times.
Outputs: ``benchmarks.csv`` (mean/std over draws per scene, method, K), ``benchmarks.png``
(OA vs K per scene) and ``benchmarks.md`` (tables, target check, citations).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence

import numpy as np

from . import nested_selection
from .baselines import (
    SKLEARN_METHODS,
    Method,
    Task,
    adapted_method,
    fewshotnet_finetuned,
    fewshotnet_scratch,
    label_spreading_method,
    map_method,
    propagated_method,
    supervised_checkpoint,
)
from .evaluate_report import (  # noqa: F401  (CSV_COLUMNS and SHOTS: re-exported)
    CSV_COLUMNS,
    DEFAULT_BLOCK,
    DEFAULT_METHOD,
    LABELS,
    META,
    REGION_SAMPLE,
    SCENE_BLOCKS,
    SHOTS,
    SK_NAMES,
    STYLES,
    VIEWS,
    best_single_baseline,
    mean_over_scenes,
    paired_groups,
    paired_markdown,
    plugin_default_method,
    target_check,
    write_csv,
    write_markdown,
    write_plot,
)
from .metatrain.scene_tasks import scene_draws
from .metatrain.scenes import (
    CACHE,
    REPO,
    SHARED_SCENES,
    Scene,
    SceneUnavailable,
    read_geotiff_scene,
    scene_group,
)
from .nested_selection import VARIANTS, is_baseline, variant_card
from .outside_scenes import load_any


def uses_context(method: str) -> bool:
    """Methods fed the card's neighbourhood-smoothed pixels (as the plugin maps them)."""
    return method.startswith(META) or method.startswith("fewshotnet")


def context_pixels(scene: Scene, card: dict) -> np.ndarray | None:
    """The scene's pixels as the plugin maps them with the card's "smooth" spatial context.

    Same (H*W, B) layout as ``scene.pixels()``; None when the card has no smoothing context.
    """
    from ..core.mapping.band_mapping import box_mean

    bm = card.get("band_mapping", {})
    radius = int(bm.get("context_radius", 0))
    if radius <= 0 or bm.get("context_mode", "append") != "smooth":
        return None
    cube = np.moveaxis(scene.cube, 2, 0)  # (B, H, W)
    valid = np.isfinite(cube).all(axis=0)
    out = np.empty_like(cube)
    for start in range(0, cube.shape[0], 16):
        out[start:start + 16] = box_mean(cube[start:start + 16], valid, radius)
    out[:, ~valid] = np.nan
    return np.moveaxis(out, 0, 2).reshape(-1, scene.n_bands)


@dataclass
class Config:
    shots: Sequence[int] = SHOTS
    styles: Sequence[str] = STYLES
    n_draws: int = 10
    seed: int = 0
    supervised: bool = True
    supervised_kwargs: dict | None = None
    #: only the methods whose names start with one of these prefixes (None: every method)
    methods: Sequence[str] | None = None
    #: card variants (training.nested_selection.VARIANTS names) run as the plugin default
    variants: Sequence[str] = ()


def selected(methods: Dict[str, Method], prefixes: Sequence[str] | None) -> Dict[str, Method]:
    """The methods whose names start with one of ``prefixes`` (all when None)."""
    if not prefixes:
        return methods
    return {k: v for k, v in methods.items() if any(k.startswith(p) for p in prefixes)}


def merge_records(fresh: List[dict], earlier: List[dict]) -> List[dict]:
    """Records of a partial run (``--methods``) joined to an earlier full run.

    The earlier run keeps every method (scene, style and K) the fresh run did not evaluate,
    so partial runs can be chained (K=5 with 10 draws, then K=1/10/20 with 3); fresh
    records are kept only for the draws (scene, style, K, draw) the earlier run scored, so
    every method of the report is averaged over exactly the same draws.
    """
    rerun = {(m["method"], m["scene"], m["style"], m["k"]) for m in fresh}
    draws = {(m["scene"], m["style"], m["k"], m["draw"]) for m in earlier}
    kept = [m for m in earlier if (m["method"], m["scene"], m["style"], m["k"]) not in rerun]
    return kept + [m for m in fresh if (m["scene"], m["style"], m["k"], m["draw"]) in draws]


def _region_idx(scene: Scene, seed: int) -> np.ndarray:
    """Flat indices of up to REGION_SAMPLE random valid pixels (statistics, transduction)."""
    ok = np.flatnonzero(np.isfinite(scene.pixels()).all(axis=1))
    if ok.size > REGION_SAMPLE:
        ok = np.sort(np.random.default_rng(seed).choice(ok, REGION_SAMPLE, replace=False))
    return ok


def _metrics(y: np.ndarray, pred: np.ndarray, n_classes: int) -> Dict[str, float]:
    from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

    labels = list(range(n_classes))
    return {
        "oa": float(accuracy_score(y, pred)),
        "f1_macro": float(f1_score(y, pred, labels=labels, average="macro", zero_division=0)),
        "kappa": float(cohen_kappa_score(y, pred, labels=labels)),
    }


def evaluate_scene(
    scene: Scene, methods: Dict[str, Method], cfg: Config, log: Callable[[str], None] = print,
    card: dict | None = None, models: Dict[str, Method] | None = None,
    draw_ids: Sequence[int] | None = None,
) -> List[dict]:
    """Rows (one per style, method and K) of mean/std metrics over ``cfg.n_draws`` draws.

    ``methods`` see the raw pixels (map-level ones the whole scene); ``models`` (the
    FewShotNet/MetaMapper rows) see the pixels smoothed as the card's band mapping does.
    ``draw_ids`` evaluates only those draws (parallel jobs; :func:`aggregate` joins them).
    """
    records = draw_records(scene, methods, cfg, card, models, draw_ids, log)
    rows = aggregate(records)
    for style in cfg.styles:
        for k in cfg.shots:
            here = [r for r in rows if r["k"] == k and r["style"] == style]
            if not here:
                continue
            best = max((r for r in here if is_baseline(r["method"])), key=lambda r: r["oa_mean"])
            ours = next((r for r in here if r["method"] == DEFAULT_METHOD), None)
            log(f"  {scene.name} {style} K={k}: best baseline {best['method']} "
                f"{best['oa_mean']:.3f}" + (f", MetaMapper {ours['oa_mean']:.3f}" if ours else ""))
    return rows


_VIEWS: Dict[tuple, tuple] = {}


def draw_records(
    scene: Scene, methods: Dict[str, Method], cfg: Config, card: dict | None,
    models: Dict[str, Method] | None, draw_ids: Sequence[int] | None = None,
    log: Callable[[str], None] = print,
) -> List[dict]:
    """One record per (style, K, draw, method): the metrics of that draw."""
    from .baselines import SceneMaps

    block, guard = SCENE_BLOCKS.get(scene.name, DEFAULT_BLOCK)
    pixels = scene.pixels()
    region_idx = _region_idx(scene, cfg.seed)
    key = (scene.name, id(scene), json.dumps((card or {}).get("band_mapping"), sort_keys=True))
    if key not in _VIEWS:  # a worker evaluates many draws of the same scene
        _VIEWS.clear()
        ctx = context_pixels(scene, card) if card else None
        _VIEWS[key] = (pixels if ctx is None else ctx, SceneMaps.from_cube(scene.cube))
    ctx, maps = _VIEWS[key]
    every = {**methods, **(models or {})}
    records = []
    for style in cfg.styles:
        for k in cfg.shots:
            try:
                episode_draws = scene_draws(scene, style, k, cfg.n_draws, cfg.seed, block, guard)
            except ValueError as exc:
                log(f"  {scene.name} {style} K={k}: skipped ({exc})")
                continue
            for i, d in enumerate(episode_draws):
                if draw_ids is not None and i not in draw_ids:
                    continue
                if d.query_idx.size == 0:  # a tiny scene at large K: nothing left to score
                    continue
                n = len(d.classes)
                for name, method in every.items():
                    src = ctx if uses_context(name) else pixels
                    task = Task(
                        support_x=src[d.support_idx], support_y=d.support_y,
                        query_x=src[d.query_idx], query_y=d.query_y, region_x=src[region_idx],
                        n_classes=n, wavelengths_nm=scene.wavelengths_nm,
                        seed=cfg.seed * 1000 + i, support_idx=d.support_idx,
                        query_idx=d.query_idx, region_idx=region_idx,
                        support_group=d.support_group, scene=maps,
                    )  # fmt: skip
                    out = method(task)
                    results = out if isinstance(out, dict) else {name: out}
                    for rname, res in results.items():
                        m: Dict[str, Any] = dict(_metrics(d.query_y, res.pred, n))
                        m.update(scene=scene.name, style=style, k=k, draw=i, method=rname,
                                 fit_s=res.fit_s, predict_s=res.predict_s,
                                 query=d.query_idx.size, n=n)
                        records.append(m)
    return records


def aggregate(records: List[dict]) -> List[dict]:
    """Per-draw records -> rows of mean/std over draws per scene, style, method and K."""
    groups: Dict[tuple, List[dict]] = {}
    for m in records:
        groups.setdefault((m["scene"], m["style"], m["k"], m["method"]), []).append(m)
    rows = []
    for (scene, style, k, name), ms in groups.items():
        def col(key: str, ms: List[dict] = ms) -> np.ndarray:
            return np.asarray([m[key] for m in ms])

        rows.append({
            "scene": scene, "style": style, "method": name, "k": k,
            "draws": len(ms), "n_classes": int(ms[0]["n"]),
            "query_pixels_mean": round(float(col("query").mean()), 1),
            "oa_mean": col("oa").mean(), "oa_std": col("oa").std(),
            "f1_macro_mean": col("f1_macro").mean(), "f1_macro_std": col("f1_macro").std(),
            "kappa_mean": col("kappa").mean(), "kappa_std": col("kappa").std(),
            "fit_s_mean": col("fit_s").mean(), "predict_s_mean": col("predict_s").mean(),
        })  # fmt: skip
    return rows


def build_methods(cfg: Config) -> Dict[str, Method]:
    """The analyst's alternatives: scikit-learn on every feature view, with and without a
    3x3 majority filter of the map, and LabelSpreading over the scene."""
    methods: Dict[str, Method] = {}
    for name in SKLEARN_METHODS:
        for view in VIEWS:
            methods[f"{name}_{view}"] = map_method(name, view)
    methods["label_spreading"] = label_spreading_method()
    return methods


def build_models(loaded, cfg: Config, log: Callable[[str], None] = print) -> Dict[str, Method]:
    """The same network trained otherwise, and the model adapted as the plugin does."""
    methods: Dict[str, Method] = {"fewshotnet_scratch": fewshotnet_scratch(loaded.card)}
    if cfg.supervised:
        try:
            sup = supervised_checkpoint(loaded.card, CACHE, log=log,
                                        **(cfg.supervised_kwargs or {}))
            methods["fewshotnet_supervised"] = fewshotnet_finetuned(sup)
        except ImportError as exc:
            log(f"fewshotnet_supervised skipped: {exc}")
    methods["metamapper_inductive"] = adapted_method(loaded, transductive=False)
    if loaded.card.get("band_correction"):
        methods["metamapper_prototypes"] = adapted_method(loaded, band_correction=False)
    methods[DEFAULT_METHOD] = propagated_method(loaded)
    for name in cfg.variants:  # the nested selection's candidates (training.nested_selection)
        card = variant_card(loaded.card, VARIANTS[name])
        methods[f"{DEFAULT_METHOD}@{name}"] = propagated_method(
            dataclasses.replace(loaded, card=card))
    if plugin_default_method(loaded.card) == DEFAULT_METHOD and not cfg.variants:
        methods[f"{DEFAULT_METHOD}_always"] = propagated_method(loaded, select=False)
    return methods


# --------------------------------------------------------------------------- CLI


def _parse_scene(spec: str) -> Scene:
    parts = spec.split(":")
    if len(parts) < 2:
        raise SystemExit(f"--scene {spec!r}: use RASTER:LABELS[:CLASS_FIELD[:NAME]]")
    field = parts[2] if len(parts) > 2 and parts[2] else None
    name = parts[3] if len(parts) > 3 else None
    return read_geotiff_scene(parts[0], parts[1], class_field=field, name=name, crop_margin=30)


def _model_for(scene: Scene, default_path: Path, fold_models: Path | None) -> Path:
    """The model that never saw ``scene``: ``<fold_models>/<group>.pt`` when it exists."""
    if fold_models is not None:
        cand = fold_models / f"{scene_group(scene.name)}.pt"
        if cand.exists():
            return cand
    return default_path


_SCENES: Dict[str, Scene] = {}


def _evaluate_one(args: tuple) -> List[dict]:
    """A worker's job: some draws of one scene, style and K (records, not rows)."""
    scene_ref, model_path, cfg, draw_ids = args
    import warnings

    import torch

    warnings.filterwarnings("ignore")  # kappa of a one-class prediction, sklearn convergence

    from ..core.model import load_model

    torch.set_num_threads(1)
    if isinstance(scene_ref, str):  # shared scenes are read by the worker, once
        if scene_ref not in _SCENES:
            _SCENES[scene_ref] = load_any([scene_ref])[0][0]
        scene = _SCENES[scene_ref]
    else:
        scene = scene_ref
    loaded = load_model(model_path)
    try:
        return draw_records(scene, selected(build_methods(cfg), cfg.methods), cfg, loaded.card,
                            selected(build_models(loaded, cfg), cfg.methods), draw_ids,
                            log=lambda m: None)
    except Exception as exc:  # noqa: BLE001 - one bad draw must not end a long run
        print(f"{scene.name} {cfg.styles} K={cfg.shots} draws {draw_ids}: failed ({exc!r})",
              flush=True)
        return []


def read_records(path: str | Path) -> List[dict]:
    """An earlier run's ``benchmarks-records.jsonl``: one record per line."""
    return [json.loads(line) for line in
            Path(path).read_text(encoding="utf-8").splitlines() if line]


def write_paired(records: Sequence[dict], spec: str, path: Path) -> None:
    """``--paired-with RECORDS[:LABEL]``: the paired per-group comparison, printed and
    written to ``path``."""
    file, _, label = spec.partition(":")
    text = paired_markdown(paired_groups(records, read_records(file), scene_group),
                           label or Path(file).parent.name)
    if not text:
        text = f"No draw of {file} matches this run's (same scenes, styles, K=5, draws).\n"
    print(text)
    path.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    import torch

    from ..core.model import bundled_model_path, load_model

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=None, help="model file (default: the bundled model)")
    p.add_argument("--fold-models", default=None,
                   help="folder of leave-one-scene-out models <scene group>.pt (make metatrain)")
    p.add_argument("--scenes", default=None,
                   help="comma-separated shared scenes (default all) or outside check scenes "
                        "(training/outside_scenes.py, only when named)")
    p.add_argument("--scene", action="append", default=[],
                   help="extra scene RASTER:LABELS[:CLASS_FIELD[:NAME]] (labels: raster or .gpkg)")
    p.add_argument("--no-shared", action="store_true", help="only the --scene scenes")
    p.add_argument("--shots", default=",".join(map(str, SHOTS)))
    p.add_argument("--styles", default=",".join(STYLES))
    p.add_argument("--draws", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=1, help="draws evaluated in parallel")
    p.add_argument("--from-records", default=None,
                   help="rebuild the report from benchmarks-records.jsonl files (comma separated)")
    p.add_argument("--draw-ids", default=None, help="only these draws, e.g. 3-9")
    p.add_argument("--seconds", type=float, default=None,
                   help="with --from-records: the wall time of that run, for the report")
    p.add_argument("--methods", default=None,
                   help="only the methods starting with these comma-separated prefixes, "
                        "e.g. metamapper (with --merge-records: re-run what changed)")
    p.add_argument("--merge-records", default=None,
                   help="an earlier full run's benchmarks-records.jsonl: its records of the "
                        "methods not re-run join the fresh ones, on the same draws")
    p.add_argument("--no-supervised", action="store_true",
                   help="skip the supervised pre-training baseline (needs earthlib)")
    p.add_argument("--variants", default="",
                   help="card variants to choose among nested (names in "
                        "training/nested_selection.py, comma separated, or 'all'): each is run as "
                        "the plugin default; the report goes to nested_selection.md")
    p.add_argument("--paired-with", default=None, metavar="RECORDS[:LABEL]",
                   help="an earlier run's benchmarks-records.jsonl (another card or model, on "
                        "the same draws): the plugin default of each scene group against it, "
                        "paired, at K=5 -> paired.md (issue 33: no group a point below card "
                        "1.0.0; make evaluate-vs-1.0.0)")
    p.add_argument("--quick", action="store_true", help="K=1,5, 3 draws, small pre-training")
    p.add_argument("--out", default=str(REPO / "docs"), help="folder for benchmarks.*")
    p.add_argument("--discussion", default=None,
                   help="markdown file appended to benchmarks.md (the written discussion)")
    args = p.parse_args(argv)

    torch.set_num_threads(1)
    cfg = Config(shots=[int(k) for k in args.shots.split(",")],
                 styles=[s for s in args.styles.split(",") if s], n_draws=args.draws,
                 seed=args.seed, supervised=not args.no_supervised,
                 methods=[m for m in (args.methods or "").split(",") if m] or None,
                 variants=list(VARIANTS) if args.variants == "all"
                 else [v for v in args.variants.split(",") if v])
    unknown = [v for v in cfg.variants if v not in VARIANTS]
    if unknown:
        p.error(f"unknown --variants {unknown}; known: {', '.join(VARIANTS)}")
    if args.quick:
        cfg.shots = [k for k in cfg.shots if k <= 5] or [1]
        cfg.n_draws = min(cfg.n_draws, 3)
        cfg.supervised_kwargs = {"episodes": 100, "steps": 200}
    model_path = Path(args.model) if args.model else bundled_model_path()
    if not model_path.exists():
        print(f"No model file at {model_path}: run `make metatrain` or pass --model.",
              file=sys.stderr)
        return 2
    loaded = load_model(model_path)
    fold_models = Path(args.fold_models) if args.fold_models else None
    scenes: List[Scene] = []
    skipped: List[str] = []
    if not args.no_shared:
        names = args.scenes.split(",") if args.scenes else None
        scenes, skipped = load_any(names)
        for msg in skipped:
            print(msg)
    for spec in args.scene:
        try:
            scenes.append(_parse_scene(spec))
        except (SceneUnavailable, ValueError, OSError) as exc:
            skipped.append(f"{spec}: {exc}")
            print(f"skipping {spec}: {exc}")
    if not scenes:
        print("No scene to evaluate (shared data missing and no --scene given): nothing done.")
        return 0
    if cfg.supervised:  # build the cached checkpoint once, before any worker needs it
        build_models(loaded, cfg)
    t0 = time.perf_counter()
    draw_ids = range(cfg.n_draws)
    if args.draw_ids:  # e.g. "3-9": more draws of an earlier run, joined with --from-records
        lo, _, hi = args.draw_ids.partition("-")
        draw_ids = range(int(lo), int(hi or lo) + 1)
        cfg = dataclasses.replace(cfg, n_draws=max(cfg.n_draws, draw_ids[-1] + 1))
    # one job per scene, style, K and draw, so that --jobs spreads a big scene over the cores;
    # scene-major, so that a worker's consecutive jobs reuse the scene's feature views
    refs = {s.name: (key if key in SHARED_SCENES else s) for s in scenes
            for key in [next((n for n in SHARED_SCENES if s.name.startswith(n)), "")]}
    jobs = [(refs[s.name], _model_for(s, model_path, fold_models),
             dataclasses.replace(cfg, styles=[style], shots=[k]), [i])
            for s in scenes for style in cfg.styles for k in cfg.shots for i in draw_ids]
    fold_note = ""
    if fold_models is not None:
        used = sorted({j[1].name for j in jobs})
        fold_note = f"Leave-one-scene-out models from `{fold_models.name}/`: {', '.join(used)}."
    records: List[dict] = []
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "benchmarks-records.jsonl", "w", encoding="utf-8") as sink:
        def keep(part: List[dict]) -> None:  # every draw is on disk as soon as it is done
            records.extend(part)
            for m in part:
                sink.write(json.dumps(m) + "\n")
            sink.flush()

        if args.from_records:
            for path in args.from_records.split(","):
                keep(read_records(path))
        elif args.jobs > 1:
            import multiprocessing as mp

            with mp.get_context("spawn").Pool(args.jobs) as pool:
                for part in pool.imap_unordered(_evaluate_one, jobs):
                    keep(part)
        else:
            for job in jobs:
                keep(_evaluate_one(job))
    if args.merge_records:
        records = merge_records(records, read_records(args.merge_records))
        with open(out / "benchmarks-records.jsonl", "w", encoding="utf-8") as sink:
            for rec in records:
                sink.write(json.dumps(rec) + "\n")
    done = {m["scene"] for m in records}
    scenes = [s for s in scenes if s.name in done]
    order = {s.name: i for i, s in enumerate(scenes)}
    records.sort(key=lambda m: (order[m["scene"]], m["style"], m["k"], m["draw"]))
    rows = aggregate(records)
    for s in scenes:
        print(f"{s.name}: {s.cube.shape}, classes {s.class_counts()}")
    seconds = time.perf_counter() - t0
    if args.from_records:
        seconds = float(args.seconds or seconds)
    write_csv(rows, out / "benchmarks.csv")
    write_plot(rows, out / "benchmarks.png")
    discussion = Path(args.discussion).read_text(encoding="utf-8") if args.discussion else ""
    write_markdown(rows, scenes, loaded, cfg, out / "benchmarks.md", seconds, skipped,
                   discussion, fold_note)
    for style in cfg.styles:
        means = mean_over_scenes(rows, style)
        best5 = best_single_baseline(rows, style, 5)
        for m in [plugin_default_method(loaded.card), "metamapper_inductive", best5]:
            if m in means:
                print(style, m, {k: round(v, 3) for k, v in means[m].items()})
    for line in target_check(rows, loaded.card):
        print(line)
    card_per_task = (loaded.card.get("band_correction") or {}).get("combine") == "folds"

    def prefer(method: str) -> bool:
        return nested_selection.per_task(method, card_per_task)

    for k in cfg.shots:
        text = nested_selection.markdown(nested_selection.nested(records, scene_group, k, prefer),
                                         scene_group)
        if text:
            print(text)
            with open(out / "nested_selection.md", "a" if k != cfg.shots[0] else "w",
                      encoding="utf-8") as fh:
                fh.write(text + "\n")
    if args.paired_with:
        write_paired(records, args.paired_with, out / "paired.md")
    print(f"wrote {out / 'benchmarks.csv'}, .png, .md in {seconds / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
