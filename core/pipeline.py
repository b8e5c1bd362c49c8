"""``map_region``: the one engine call every door (Processing, panel, scripts) makes.

raster + labelled geometries (+ region, model) -> support set -> band statistics of the
region -> adaptation -> support-set accuracy estimate -> tiled prediction -> class map
GeoTIFF (+ confidence), renamed into place only when everything succeeded.
See docs/architecture.md for the contract. Heavy modules (torch) are imported on call, so
importing this module stays cheap.
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple, TypeVar

import numpy as np

from .errors import Cancelled, InputError, OutputError, RegionError
from .messages import msg
from .sampling import LabelledFeature, SupportSet

__all__ = ["LabelledFeature", "MapOptions", "MapResult", "map_region"]

ProgressFn = Callable[[float, str], None]
T = TypeVar("T")
CancelFn = Callable[[], bool]


@dataclass
class MapOptions:
    device: str = "auto"  # auto | cpu | cuda
    seed: int = 0
    shots_cap: int = 200  # max support pixels per class (seeded stratified sample)
    steps: int | None = None  # inner-loop steps; None = the model card's
    tile_size: int = 512
    batch_size: int = 65536
    transductive: bool = True  # use the region's unlabelled pixels
    estimate_accuracy: bool = True
    wavelengths_nm: List[float] | None = None  # per band, optional
    class_colors: Dict[str, Tuple[int, int, int]] | None = None
    suggestions: int = 0  # "label here next" points to return (core.suggest); 0 = none


@dataclass
class MapResult:
    output_path: str
    confidence_path: str | None
    classes: List[str]
    class_codes: List[int]
    pixels_per_class: Dict[str, int]  # usable labelled pixels considered (<= 2 x cap a feature)
    skipped_features: int
    device: str
    method: str
    accuracy_estimate: float | None
    accuracy_method: str
    seconds: Dict[str, float]  # sampling, stats, adapt, accuracy, predict, total
    region_pixels: int  # valid pixels predicted inside the region
    warnings: List[str] = field(default_factory=list)
    support_pixels: Dict[str, int] = field(default_factory=dict)  # used after the shots cap
    class_colors: Dict[str, Tuple[int, int, int]] = field(default_factory=dict)
    predicted_pixels_per_class: Dict[str, int] = field(default_factory=dict)
    model_name: str = ""
    model_version: str = ""
    suggestions: List[Any] = field(default_factory=list)  # core.suggest.Suggestion, best first
    notes: List[str] = field(default_factory=list)  # what the run found out (for the log)


class _Run:
    """Progress and cancellation helpers of one run."""

    def __init__(self, progress: ProgressFn | None, is_cancelled: CancelFn | None):
        self.progress = progress
        self.is_cancelled = is_cancelled

    def check(self) -> None:
        if self.is_cancelled is not None and self.is_cancelled():
            raise Cancelled()

    def report(self, fraction: float, message: str) -> None:
        if self.progress is not None:
            self.progress(float(min(max(fraction, 0.0), 1.0)), message)
        self.check()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _mapped_features(mapper: Any, data: np.ndarray, valid: np.ndarray,
                     pick: np.ndarray) -> np.ndarray:
    """Classifier inputs (n, D) of the pixels ``pick`` (flat indices) of a tile read with its
    halo: the same torch mapping (``TileMapper``) as the prediction, so support, region and
    map pixels are mapped identically."""
    import torch

    with torch.inference_mode():
        parts = [c.T.numpy() for c in mapper.iter_feature_chunks(data, valid, pick)]
    dim = parts[0].shape[1] if parts else 0
    return np.concatenate(parts) if parts else np.zeros((0, dim), np.float32)


@contextlib.contextmanager
def _one_torch_thread() -> Iterator[None]:
    """Adaptation is hundreds of tiny products: one thread is as fast on a quiet machine,
    and spares the thread barriers that a busy one turns into seconds (204 bands, 120
    labelled pixels: 0.07 s on one thread, 1.7-5 s on two with other jobs running)."""
    from .predict import torch_threads

    with torch_threads(1):
        yield


def _wavelength_note(info: Any, given: Sequence[float] | None) -> str:
    """One log line saying where the band wavelengths come from."""
    found = info.wavelength_source
    if given:
        if found:
            return msg("Band wavelengths: the WAVELENGTHS parameter (overrides those in "
                       "{found}).", found=found)
        return msg("Band wavelengths: the WAVELENGTHS parameter.")
    if info.wavelengths_nm:
        wl = info.wavelengths_nm
        return msg("Band wavelengths: {n} read from {found} ({low:.0f}-{high:.0f} nm).",
                   n=len(wl), found=found, low=min(wl), high=max(wl))
    return msg("Band wavelengths: none in the raster's metadata; bands are taken as evenly "
               "spaced (give WAVELENGTHS to place them).")


def _uses_unlabelled(card: dict) -> bool:
    """Whether adaptation uses the region's unlabelled pixels (soft k-means iterations):
    mapping them costs as much as a tile of prediction on hyperspectral rasters."""
    return int((card.get("transductive") or {}).get("soft_kmeans_iters", 0)) > 0


def _region_features(
    ds: Any, info: Any, region: Any, mapper: Any, n: int, seed: int
) -> np.ndarray:
    """Mapped features of up to ``n`` random valid pixels of the region (transduction)."""
    from .raster_io import iter_tiles, read_block

    tiles = list(iter_tiles(region.window, 256, mapper.radius, info.width, info.height))
    rng = np.random.default_rng([seed, 65537])
    parts: List[np.ndarray] = []
    got = 0
    for t in rng.permutation(len(tiles))[:16]:
        tile = tiles[int(t)]
        data, valid = read_block(ds, info, tile.read_window)
        core = valid[tile.inner] & region.mask(tile.window)
        if not core.any():
            continue
        parts.append(_mapped_features(mapper, data, valid, tile.read_indices(*np.nonzero(core))))
        got += int(core.sum())
        if got >= 4 * n:
            break
    if not parts:
        return np.zeros((0, 1), dtype=np.float32)
    feats = np.concatenate(parts)
    if feats.shape[0] > n:
        feats = feats[np.sort(rng.choice(feats.shape[0], n, replace=False))]
    return np.ascontiguousarray(feats, dtype=np.float32)


def _propagation_settings(card: dict) -> Any:
    """The card's propagation settings, or None when its transduction is something else."""
    from .propagation import PropagationSettings

    section = card.get("transductive") or {}
    if section.get("mode") != "propagation":
        return None
    return PropagationSettings.from_card(section)


#: Anchors of the propagation come from this many random region tiles of ANCHOR_TILE px
#: (spread over the region, few block reads).
ANCHOR_TILES = 48
ANCHOR_TILE = 128


def _region_anchors(ds: Any, info: Any, region: Any, predictor: Any, mapper_args: tuple,
                    radius: int, n: int, seed: int) -> tuple | None:
    """Up to ``n`` random valid region pixels: (probs (m, C), z (m, B), rows, cols)."""
    import torch

    from .raster_io import iter_tiles, read_block

    tiles = list(iter_tiles(region.window, ANCHOR_TILE, radius, info.width, info.height))
    rng = np.random.default_rng([seed, 4099])
    order = rng.permutation(len(tiles))[:ANCHOR_TILES]
    per_tile = int(np.ceil(n / max(len(order), 1)))
    parts = []
    for t in order:
        tile = tiles[int(t)]
        data, valid = read_block(ds, info, tile.read_window)
        core = valid[tile.inner] & region.mask(tile.window)
        r, c = np.nonzero(core)
        if r.size == 0:
            continue
        take = np.sort(rng.choice(r.size, size=min(per_tile, r.size), replace=False))
        r, c = r[take], c[take]
        probs, z = predictor.pixel_outputs(mapper_args, data, valid, tile.read_indices(r, c))
        rows = torch.from_numpy(r + int(tile.window.row_off))
        cols = torch.from_numpy(c + int(tile.window.col_off))
        parts.append((probs, z, rows, cols))
    if not parts:
        return None
    return tuple(torch.cat([p[i] for p in parts]) for i in range(4))


def _choose_propagation(ds: Any, info: Any, region: Any, card: dict, classifier: Any,
                        mapper: Any, mapper_args: tuple, support: SupportSet, sx: np.ndarray,
                        fold_predict: Callable[[np.ndarray, np.ndarray], np.ndarray],
                        opts: MapOptions, run: _Run, for_file: bool = False) -> Any:
    """Propagate the support labels over the region (core.propagation) if the support's
    k-fold says it helps; the choice and its scores are logged in the result's tags.
    ``fold_predict(train, test)``: the inductive classifier adapted on ``train``, its
    predicted classes of ``test``; its held-out score is computed once, here, and handed
    to :func:`choose`. ``for_file``: a classifier file is written (``distilled``)."""
    import torch

    from .predict import BatchPredictor
    from .propagation import (
        GraphSpace,
        PropagationChoice,
        choose,
        distilled,
        held_out_inductive,
        settled_choice,
    )

    settings = _propagation_settings(card)
    n_bands = mapper.n_bands
    if not mapper.append_bands or sx.shape[1] < n_bands:
        return PropagationChoice(None, None, None, msg(
            "Label propagation over the region: not used (the model card maps no band "
            "features)."))
    area = int(region.window.height) * int(region.window.width)
    if area > settings.max_region_pixels and not settings.distils(area):
        return PropagationChoice(None, None, None, msg(
            "Label propagation over the region: not used (the region, {area:.1f} Mpx, is "
            "larger than {limit:.1f} Mpx).", area=area / 1e6,
            limit=settings.max_region_pixels / 1e6))
    held = None
    if settings.check:  # the inductive side first: when it is never wrong, no anchors
        held = held_out_inductive(settings, support.y, support.n_classes,
                                  np.asarray(support.feature_id), fold_predict, opts.seed)
        if held is not None and held.settled:
            return settled_choice(held)
    helper = BatchPredictor(classifier, "cpu", opts.batch_size, None)
    anchors = _region_anchors(ds, info, region, helper, mapper_args, mapper.radius,
                              settings.anchors, opts.seed)
    run.check()
    if anchors is None:
        return PropagationChoice(None, None, None, msg(
            "Label propagation over the region: not used (no valid region pixel to "
            "propagate over)."))
    probs, z, rows, cols = anchors
    win = region.window
    space = GraphSpace.fit(z, (float(win.row_off), float(win.col_off)),
                           float(max(win.height, win.width)), settings.dims,
                           settings.spatial_weight)
    region_x = space(z, rows, cols)
    sz = torch.from_numpy(np.ascontiguousarray(sx[:, -n_bands:]))
    support_x = space(sz, torch.from_numpy(support.rows.astype(np.int64)),
                      torch.from_numpy(support.cols.astype(np.int64)))
    cpu_clf = classifier.to("cpu") if str(classifier.device) != "cpu" else classifier
    support_prior = cpu_clf.predict_proba(sx).float().cpu()

    choice = choose(settings, space, region_x, probs, support_x, support_prior,
                    torch.from_numpy(support.y.astype(np.int64)), support.n_classes,
                    np.asarray(support.feature_id), fold_predict, seed=opts.seed,
                    held_out=held)
    return distilled(settings, choice, classifier, support_prior, probs, sz, z,
                     float((card.get("band_correction") or {}).get("l2", 0.1)), area,
                     for_file)


def _support_features(
    ds: Any, info: Any, support: SupportSet, stats: Any, card_bm: dict, mapper: Any
) -> np.ndarray:
    """Band-mapped support features; with spatial context, from each pixel's neighbourhood.

    The (2r+1)^2 neighbourhoods are read block by block and laid side by side as one small
    tile, each pixel's window holding exactly its own neighbourhood, so the same torch
    mapping as the prediction maps them (not whole 256-pixel windows per group of points:
    on 204 bands that smoothed ~100 x more pixels than needed).
    """
    from .band_mapping import map_bands
    from .sampling import read_patches

    if mapper.radius == 0:
        return np.asarray(map_bands(support.x, stats, card_bm, mapper.wavelengths_nm),
                          dtype=np.float32)  # fmt: skip
    k = 2 * mapper.radius + 1
    patches, valid = read_patches(ds, info, support.rows.astype(np.int64),
                                  support.cols.astype(np.int64), mapper.radius)  # fmt: skip
    n = support.y.size
    tile = np.ascontiguousarray(patches.transpose(0, 2, 1, 3)).reshape(info.count, k, n * k)
    tile_valid = np.ascontiguousarray(valid.transpose(1, 0, 2)).reshape(k, n * k)
    pick = mapper.radius * (n * k) + np.arange(n) * k + mapper.radius
    return _mapped_features(mapper, tile, tile_valid, pick)


#: GDAL's block cache (default 5 % of RAM) keeps read and written blocks of a large raster
#: until it is full, so peak memory grew with the region (1.9 GB for 20,000^2 px). Reads
#: and writes here are sequential tile by tile, so a cache of a few blocks is enough; its
#: size follows the raster's blocks (``raster_io.gdal_cache_bytes``), 128 MiB at least.
GDAL_CACHE_MB = 128


def _bounded_gdal_cache(fn: Callable[..., T]) -> Callable[..., T]:
    """Run ``fn`` with GDAL's block cache sized for its raster (within fixed bounds) and
    multi-threaded tile decoding."""

    @functools.wraps(fn)
    def wrapper(raster_path: Any, *args: Any, **kwargs: Any) -> T:
        import rasterio

        from .raster_io import gdal_cache_bytes, gdal_decode_threads, limit_heap_fragmentation

        limit_heap_fragmentation()

        # rasterio hands an int straight to GDALSetCacheMax64: bytes, not GDAL's "< 100000
        # means MB" rule. A bare 128 was a 128-byte cache: every tile's halo re-decompressed
        # its neighbouring blocks (predict 1.4 -> 3+ Mpx/s on 13 bands once fixed).
        with rasterio.Env(GDAL_CACHEMAX=gdal_cache_bytes(raster_path),
                          GDAL_NUM_THREADS=gdal_decode_threads()):
            return fn(raster_path, *args, **kwargs)

    return wrapper


@_bounded_gdal_cache
def map_region(
    raster_path: str,
    features: Sequence[LabelledFeature],
    output_path: str,
    *,
    region: Sequence[dict] | None = None,
    model_path: str | None = None,
    confidence_path: str | None = None,
    options: MapOptions | None = None,
    progress: ProgressFn | None = None,
    is_cancelled: CancelFn | None = None,
    classifier_path: str | None = None,
) -> MapResult:
    """Classify ``region`` of ``raster_path`` from labelled ``features``; write the class map.

    ``classifier_path``: also save the adapted classifier there (``core.classifier_file``),
    for ``core.apply`` to map other rasters of the same bands with.

    Raises a :class:`~.errors.MetaMapperError` subclass (message: problem + fix) for every
    user-facing failure, :class:`~.errors.Cancelled` when ``is_cancelled()`` turns true; in
    both cases no output file is left behind.
    """
    import rasterio
    import torch

    from .accuracy import estimate_accuracy
    from .adapt import adapt
    from .band_mapping import BandStats
    from .model import load_model
    from .predict import BatchPredictor, predict_region, resolve_device
    from .raster_io import (
        AtomicOutputs,
        class_colours,
        decode_whole,
        finish_class_map,
        finish_confidence,
        make_region,
        open_class_map,
        open_confidence,
        open_raster_info,
        write_class_sidecars,
    )
    from .region_sample import sample_region, select_usable_bands
    from .sampling import build_support
    from .tile_features import TileMapper

    opts = options or MapOptions()
    run = _Run(progress, is_cancelled)
    seconds: Dict[str, float] = {}
    t_start = time.perf_counter()
    run.report(0.0, msg("Checking inputs"))

    raster = Path(raster_path)
    out_path = Path(output_path)
    conf_path = Path(confidence_path) if confidence_path else None
    for p in [out_path] + ([conf_path] if conf_path else []):
        if _same_file(p, raster):
            raise OutputError(
                msg(
                    "The output {p_name} would overwrite the input raster. Choose another "
                    "output file name.",
                    p_name=p.name,
                )
            )
    if conf_path is not None and _same_file(conf_path, out_path):
        raise OutputError(
            msg(
                "The confidence output and the class map have the same path. Give them "
                "different file names.",
            )
        )
    info = open_raster_info(raster)
    source_bands = info.count
    warnings: List[str] = list(info.warnings)
    from .predict import slow_blas_note

    if slow_blas_note():
        warnings.append(slow_blas_note())
    device = resolve_device(opts.device)
    model = load_model(model_path)
    card = model.card
    card_bm = card["band_mapping"]
    wavelengths = opts.wavelengths_nm if opts.wavelengths_nm else info.wavelengths_nm
    if wavelengths is not None and len(wavelengths) != info.count:
        raise InputError(
            msg(
                "{n_wavelengths} wavelengths were given for a raster with {info_count} "
                "bands. Give one wavelength (nm) per band, or none.",
                n_wavelengths=len(wavelengths),
                info_count=info.count,
            )
        )
    notes = [_wavelength_note(info, opts.wavelengths_nm)]
    torch.manual_seed(int(opts.seed))

    with AtomicOutputs() as outputs:
        tmp_class = outputs.reserve(out_path)
        tmp_conf = outputs.reserve(conf_path) if conf_path else None
        tmp_model = outputs.reserve(classifier_path) if classifier_path else None
        with rasterio.open(raster) as ds:
            region_obj = make_region(info, region)
            t0 = time.perf_counter()
            run.report(0.02, msg("Sampling labelled pixels"))
            info = decode_whole(ds, info, region_obj.window, run.check)
            info, band_notes = select_usable_bands(ds, info, region_obj, opts.seed)
            notes += band_notes
            if info.band_indexes is not None and wavelengths is not None:
                wavelengths = [wavelengths[b - 1] for b in info.band_indexes]
            support = build_support(ds, info, features, opts.shots_cap, opts.seed)
            warnings += support.warnings
            seconds["sampling"] = time.perf_counter() - t0
            run.report(0.08, msg(
                "{support_y_size} support pixels in {support_n_classes} classes",
                support_y_size=support.y.size,
                support_n_classes=support.n_classes,
            ))

            t0 = time.perf_counter()
            sample = sample_region(ds, info, region_obj, seed=opts.seed)
            stats = BandStats.from_samples(sample, seed=opts.seed)
            mapper = TileMapper(stats, card_bm, wavelengths)
            with _one_torch_thread():
                sx = _support_features(ds, info, support, stats, card_bm, mapper)
            unlabelled = None
            if opts.transductive and _uses_unlabelled(card):
                cap = int((card.get("transductive") or {}).get("max_unlabelled", 4096))
                unlabelled = _region_features(ds, info, region_obj, mapper, cap, opts.seed)
            seconds["stats"] = time.perf_counter() - t0
            run.report(0.12, msg("Adapting the model to the labelled pixels"))

            n_classes = support.n_classes

            def fit(train: np.ndarray, start: Any = None) -> Any:
                with _one_torch_thread():
                    return adapt(
                        model, sx[train], support.y[train], n_classes,
                        unlabelled_x=unlabelled, steps=opts.steps, device=device,
                        seed=opts.seed, transductive=opts.transductive,
                        batch_size=opts.batch_size, correction_start=start,
                        groups=np.asarray(support.feature_id)[train],
                    )  # fmt: skip

            # the propagation check and the accuracy estimate hold out the same folds
            # (propagation.check_folds): each fold is adapted once for both
            fold_predictions: Dict[tuple, np.ndarray] = {}

            def fold_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
                run.check()
                key = (train.tobytes(), test.tobytes())
                if key not in fold_predictions:  # from the whole support's correction
                    fold = fit(train, classifier)
                    fold_predictions[key] = fold.predict(sx[test]).cpu().numpy()
                return fold_predictions[key]

            t0 = time.perf_counter()
            classifier = fit(np.arange(support.y.size))
            seconds["adapt"] = time.perf_counter() - t0
            propagation = None
            map_classifier = classifier  # what predicts the map (distilled propagation)
            file_classifier, saved_kind = None, "inductive"  # what a classifier file holds
            if opts.transductive and _propagation_settings(card) is not None:
                run.report(0.15, msg("Propagating the labels over the region"))
                t0 = time.perf_counter()
                with _one_torch_thread():  # small products: see _one_torch_thread
                    choice = _choose_propagation(
                        ds, info, region_obj, card, classifier, mapper,
                        (stats, card_bm, wavelengths), support, sx, fold_predict, opts,
                        run, tmp_model is not None,
                    )  # fmt: skip
                propagation = choice.propagation
                if choice.classifier is not None:  # distilled: the fused inductive map
                    map_classifier = choice.classifier
                    saved_kind = "distilled"
                elif choice.file_classifier is not None:
                    file_classifier = choice.file_classifier
                    saved_kind = "distilled-approximation"
                transduction_note = choice.reason
                notes.append(choice.reason)
                seconds["transduction"] = time.perf_counter() - t0
            else:
                transduction_note = "off" if not opts.transductive else "not in the model card"
            run.report(0.18, msg("Estimating accuracy from the labelled features"))

            t0 = time.perf_counter()
            if opts.estimate_accuracy:
                estimate = estimate_accuracy(
                    support.feature_id, support.y, fold_predict, opts.seed, is_cancelled
                )
                acc_value, acc_method = estimate.value, estimate.method
            else:
                acc_value, acc_method = None, msg("not estimated (switched off)")
            seconds["accuracy"] = time.perf_counter() - t0
            run.report(0.3, msg("Predicting the region tile by tile"))

            names, codes = support.classes, support.codes
            colours = class_colours(names, opts.class_colors)
            t0 = time.perf_counter()
            suggester = _suggester(opts, n_classes, region_obj, info, features)
            predictor = BatchPredictor(map_classifier, device, opts.batch_size, is_cancelled,
                                       propagation=propagation,
                                       keep_probabilities=suggester is not None)
            class_dst = open_class_map(tmp_class, info, region_obj)
            conf_dst = None
            try:
                if tmp_conf is not None:
                    conf_dst = open_confidence(tmp_conf, info, region_obj)
                pstats = predict_region(
                    ds, info, region_obj, predictor, stats, card_bm, codes, class_dst,
                    conf_dst, wavelengths, opts.tile_size, run.progress, (0.3, 0.97),
                    is_cancelled, suggester.add if suggester is not None else None,
                )  # fmt: skip
                warnings += predictor.warnings
                tags = {
                    "METAMAPPER_MODEL": card.get("name", ""),
                    "METAMAPPER_MODEL_VERSION": card.get("version", ""),
                    "METAMAPPER_METHOD": model.method,
                    "METAMAPPER_CLASSES": json.dumps(names, ensure_ascii=False),
                    "METAMAPPER_CLASS_CODES": json.dumps(codes),
                    "METAMAPPER_SHOTS_PER_CLASS": json.dumps(support.support_pixels,
                                                             ensure_ascii=False),
                    "METAMAPPER_SEED": opts.seed,
                    "METAMAPPER_STEPS": classifier.steps,
                    "METAMAPPER_TRANSDUCTIVE": opts.transductive,
                    "METAMAPPER_TRANSDUCTION": transduction_note,
                    "METAMAPPER_ACCURACY": "" if acc_value is None else f"{acc_value:.4f}",
                    "METAMAPPER_ACCURACY_METHOD": acc_method,
                    "METAMAPPER_SOURCE": raster.name,
                }
                finish_class_map(class_dst, names, codes, colours, tags)
                if conf_dst is not None:
                    finish_confidence(conf_dst, str(card.get("name", "")))
            finally:
                class_dst.close()
                if conf_dst is not None:
                    conf_dst.close()
            if pstats.pixels == 0:
                raise RegionError(
                    msg(
                        "The region holds no valid pixel (it is entirely nodata or "
                        "masked). Choose a region over valid raster data.",
                    )
                )
            write_class_sidecars(tmp_class, names, codes, colours)
            if tmp_model is not None:
                notes.append(_save_classifier(
                    tmp_model, file_classifier or map_classifier, saved_kind, card,
                    stats, info, wavelengths, source_bands, ds.descriptions, names, codes,
                    colours))
            suggestions = suggester.select() if suggester is not None else []
            seconds["predict"] = time.perf_counter() - t0
        run.check()
        outputs.commit()

    seconds["total"] = time.perf_counter() - t_start
    if progress is not None:
        progress(1.0, msg("Done"))
    counts = pstats.class_counts if pstats.class_counts is not None else np.zeros(len(names))
    return MapResult(
        output_path=str(out_path),
        confidence_path=str(conf_path) if conf_path else None,
        classes=list(names),
        class_codes=list(codes),
        pixels_per_class=dict(support.pixels_per_class),
        skipped_features=support.skipped_features,
        device=predictor.device,
        method=model.method,
        accuracy_estimate=acc_value,
        accuracy_method=acc_method,
        seconds=seconds,
        region_pixels=int(pstats.pixels),
        warnings=warnings,
        support_pixels=dict(support.support_pixels),
        class_colors={n: tuple(c) for n, c in zip(names, colours)},  # type: ignore[misc]
        predicted_pixels_per_class={n: int(k) for n, k in zip(names, counts)},
        model_name=str(card.get("name", "")),
        model_version=str(card.get("version", "")),
        suggestions=suggestions,
        notes=notes,
    )


def _save_classifier(path: Path, clf: Any, kind: str, card: dict, stats: Any, info: Any,
                     wavelengths: Any, source_bands: int, descriptions: Sequence[Any],
                     names: Sequence[str], codes: Sequence[int], colours: Sequence[Any]) -> str:
    """Write the adapted classifier file; return the log line saying what it holds."""
    from .classifier_file import KINDS, SavedClassifier, save_classifier

    saved = SavedClassifier.from_adapted(clf, card, stats, info, wavelengths, source_bands,
                                         descriptions, names, codes, colours, kind)
    note = msg("Adapted classifier saved: {kind}.", kind=KINDS[kind])
    saved.notes.append(note)
    save_classifier(path, saved)
    return note


def _suggester(opts: MapOptions, n_classes: int, region: Any, info: Any,
               features: Sequence[LabelledFeature]) -> Any:
    """The collector of "label here next" points, or None when none are asked for."""
    if int(opts.suggestions) <= 0:
        return None
    from .suggest import SuggestConfig, with_count
    from .suggest_map import RegionSuggestions

    labelled = [f.geometry for f in features
                if f.geometry is not None and f.label not in (None, "")]
    return RegionSuggestions(with_count(SuggestConfig(), opts.suggestions, opts.seed),
                             n_classes, region.window, info.transform, labelled,
                             (info.width, info.height))
