"""The steps ``map_region`` takes, in the order the data flows, and what they hand on.

``pipeline.map_region`` runs them: :func:`open_inputs` (checks, raster, model, wavelengths),
:func:`prepare_task` (labelled pixels, band statistics, mapped features),
:func:`adapt_task` (the classifier, the label propagation), :func:`estimate_task` (the
accuracy estimate over held-out features), :func:`predict_task` (the region tile by tile
into the outputs, the classifier file) and :func:`make_result`. Each step reads the run's
records (:class:`Inputs`, :class:`Task`, :class:`Adapted`) and adds its own.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

import numpy as np

from .adapting.sampling import LabelledFeature, SupportSet
from .errors import Cancelled, InputError, RegionError
from .messages import msg
from .settings import ModelSettings

ProgressFn = Callable[[float, str], None]
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
    suggestions: int = 0  # "label here next" points to return (core.predicting.suggest); 0 = none


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
    #: core.predicting.suggest.Suggestion, best first
    suggestions: List[Any] = field(default_factory=list)
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


@contextlib.contextmanager
def _one_torch_thread() -> Iterator[None]:
    """Adaptation is hundreds of tiny products: one thread is as fast on a quiet machine,
    and spares the thread barriers that a busy one turns into seconds (204 bands, 120
    labelled pixels: 0.07 s on one thread, 1.7-5 s on two with other jobs running)."""
    from .threads import torch_threads

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


def _save_classifier(path: Path, clf: Any, kind: str, card: dict, stats: Any, info: Any,
                     wavelengths: Any, source_bands: int, descriptions: Sequence[Any],
                     names: Sequence[str], codes: Sequence[int], colours: Sequence[Any]) -> str:
    """Write the adapted classifier file; return the log line saying what it holds."""
    from .predicting.classifier_file import KINDS, SavedClassifier, save_classifier

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
    from .predicting.suggest import SuggestConfig, with_count
    from .predicting.suggest_map import RegionSuggestions

    labelled = [f.geometry for f in features
                if f.geometry is not None and f.label not in (None, "")]
    return RegionSuggestions(with_count(SuggestConfig(), opts.suggestions, opts.seed),
                             n_classes, region.window, info.transform, labelled,
                             (info.width, info.height))


@dataclass
class Inputs:
    """What :func:`open_inputs` found: the raster, the model and the wavelengths."""

    raster: Path
    info: Any  # core.reading.raster_info.RasterInfo (all bands)
    model: Any  # core.model.LoadedModel
    device: str
    wavelengths: List[float] | None
    warnings: List[str]
    notes: List[str]

    @property
    def card(self) -> dict:
        """The card as the model file holds it (what a classifier file copies)."""
        return self.model.card

    @property
    def settings(self) -> ModelSettings:
        """The card read once (``core.settings.ModelSettings``): what the steps read."""
        return self.model.settings


@dataclass
class Task:
    """What :func:`prepare_task` read and mapped: the task the model adapts to."""

    info: Any  # the raster read with its usable bands (and decoded whole when small)
    region: Any  # core.reading.raster_regions.Region
    wavelengths: List[float] | None  # of the usable bands
    support: SupportSet
    stats: Any  # core.mapping.band_mapping.BandStats of the region
    mapper: Any  # core.mapping.tile_features.TileMapper
    sx: np.ndarray  # the support's classifier inputs
    unlabelled: np.ndarray | None  # region features for the transductive refinement


@dataclass
class Adapted:
    """What :func:`adapt_task` made: the classifier, and what propagation changed."""

    classifier: Any  # adapted to the whole support
    map_classifier: Any  # what predicts the map (the distilled one, with distil)
    propagation: Any  # core.adapting.propagation.RegionPropagation, or None (inductive map)
    transduction_note: str
    fold_predict: Callable[[np.ndarray, np.ndarray], np.ndarray]
    file_classifier: Any = None  # what a classifier file holds, when not map_classifier
    saved_kind: str = "inductive"


def open_inputs(raster_path: str, opts: MapOptions, model_path: str | None) -> Inputs:
    """The raster described and checked, the model loaded, the wavelengths placed."""
    from .model import load_model
    from .predicting.predict import resolve_device
    from .reading.raster_io import open_raster_info
    from .threads import slow_blas_note

    raster = Path(raster_path)
    info = open_raster_info(raster)
    warnings: List[str] = list(info.warnings)
    if slow_blas_note():
        warnings.append(slow_blas_note())
    device = resolve_device(opts.device)
    model = load_model(model_path)
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
    return Inputs(raster, info, model, device, wavelengths, warnings,
                  [_wavelength_note(info, opts.wavelengths_nm)])


def prepare_task(ds: Any, inputs: Inputs, region: Sequence[dict] | None,
                 features: Sequence[LabelledFeature], opts: MapOptions, run: _Run,
                 seconds: Dict[str, float]) -> Task:
    """Labelled pixels, the region's band statistics and the support's mapped features."""
    from .adapting.region_sample import sample_region, select_usable_bands
    from .adapting.sampling import build_support
    from .mapping.band_mapping import BandStats
    from .mapping.tile_features import TileMapper
    from .reading.raster_io import decode_whole, make_region
    from .region_steps import region_features, support_features

    band_mapping = inputs.settings.band_mapping
    region_obj = make_region(inputs.info, region)
    t0 = time.perf_counter()
    run.report(0.02, msg("Sampling labelled pixels"))
    info = decode_whole(ds, inputs.info, region_obj.window, run.check)
    info, band_notes = select_usable_bands(ds, info, region_obj, opts.seed)
    inputs.notes += band_notes
    wavelengths = inputs.wavelengths
    if info.band_indexes is not None and wavelengths is not None:
        wavelengths = [wavelengths[b - 1] for b in info.band_indexes]
    support = build_support(ds, info, features, opts.shots_cap, opts.seed)
    inputs.warnings += support.warnings
    seconds["sampling"] = time.perf_counter() - t0
    run.report(0.08, msg(
        "{support_y_size} support pixels in {support_n_classes} classes",
        support_y_size=support.y.size,
        support_n_classes=support.n_classes,
    ))

    t0 = time.perf_counter()
    sample = sample_region(ds, info, region_obj, seed=opts.seed)
    stats = BandStats.from_samples(sample, seed=opts.seed)
    mapper = TileMapper(stats, band_mapping, wavelengths)
    with _one_torch_thread():
        sx = support_features(ds, info, support, stats, band_mapping, mapper)
    unlabelled = None
    refinement = inputs.settings.transductive
    if opts.transductive and refinement.uses_unlabelled:
        unlabelled = region_features(ds, info, region_obj, mapper, refinement.max_unlabelled,
                                     opts.seed)
    seconds["stats"] = time.perf_counter() - t0
    return Task(info, region_obj, wavelengths, support, stats, mapper, sx, unlabelled)


def adapt_task(ds: Any, inputs: Inputs, task: Task, opts: MapOptions, run: _Run,
               seconds: Dict[str, float], for_file: bool) -> Adapted:
    """The classifier adapted to the support; the label propagation over the region where
    the card has it (and the support's k-fold keeps it). ``for_file``: a classifier file
    is written (the propagation's distilled classifier is then made also for the exact
    extension)."""
    from .adapting.adapt import adapt
    from .region_steps import choose_propagation

    run.report(0.12, msg("Adapting the model to the labelled pixels"))
    support, sx = task.support, task.sx
    n_classes = support.n_classes

    def fit(train: np.ndarray, start: Any = None) -> Any:
        with _one_torch_thread():
            return adapt(
                inputs.model, sx[train], support.y[train], n_classes,
                unlabelled_x=task.unlabelled, steps=opts.steps, device=inputs.device,
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
    out = Adapted(classifier, classifier, None, "", fold_predict)
    settings = inputs.settings
    if not (opts.transductive and settings.transductive.propagation is not None):
        out.transduction_note = "off" if not opts.transductive else "not in the model card"
        return out
    run.report(0.15, msg("Propagating the labels over the region"))
    t0 = time.perf_counter()
    with _one_torch_thread():  # small products: see _one_torch_thread
        choice = choose_propagation(
            ds, task.info, task.region, settings, classifier, task.mapper,
            (task.stats, settings.band_mapping, task.wavelengths), support, sx, fold_predict,
            opts, run, for_file,
        )  # fmt: skip
    out.propagation = choice.propagation
    if choice.classifier is not None:  # distilled: the fused inductive map
        out.map_classifier, out.saved_kind = choice.classifier, "distilled"
    elif choice.file_classifier is not None:
        out.file_classifier, out.saved_kind = choice.file_classifier, "distilled-approximation"
    out.transduction_note = choice.reason
    inputs.notes.append(choice.reason)
    seconds["transduction"] = time.perf_counter() - t0
    return out


def estimate_task(task: Task, adapted: Adapted, opts: MapOptions, run: _Run,
                  seconds: Dict[str, float]) -> Tuple[float | None, str]:
    """The map's accuracy estimated over held-out labelled features (or not, if off)."""
    from .adapting.accuracy import estimate_accuracy

    run.report(0.18, msg("Estimating accuracy from the labelled features"))
    t0 = time.perf_counter()
    if opts.estimate_accuracy:
        support = task.support
        estimate = estimate_accuracy(support.feature_id, support.y, adapted.fold_predict,
                                     opts.seed, run.is_cancelled)
        value, method = estimate.value, estimate.method
    else:
        value, method = None, msg("not estimated (switched off)")
    seconds["accuracy"] = time.perf_counter() - t0
    return value, method


@dataclass
class Predicted:
    """What :func:`predict_task` wrote and counted."""

    pixels: int
    counts: np.ndarray
    device: str
    colours: List[Tuple[int, int, int]]
    suggestions: List[Any]


def predict_task(ds: Any, inputs: Inputs, task: Task, adapted: Adapted,
                 accuracy: Tuple[float | None, str], tmp: Tuple[Path, Path | None, Path | None],
                 features: Sequence[LabelledFeature], opts: MapOptions, run: _Run,
                 seconds: Dict[str, float]) -> Predicted:
    """The region predicted tile by tile into the (temporary) class map and confidence,
    finished (tags, colours, style); the classifier file written when asked for."""
    from .predicting.predict import BatchPredictor, predict_region
    from .reading.raster_io import (
        class_colours,
        finish_class_map,
        finish_confidence,
        open_class_map,
        open_confidence,
        write_class_sidecars,
    )

    run.report(0.3, msg("Predicting the region tile by tile"))
    tmp_class, tmp_conf, tmp_model = tmp
    settings, support, info = inputs.settings, task.support, task.info
    names, codes = support.classes, support.codes
    colours = class_colours(names, opts.class_colors)
    t0 = time.perf_counter()
    suggester = _suggester(opts, support.n_classes, task.region, info, features)
    predictor = BatchPredictor(adapted.map_classifier, inputs.device, opts.batch_size,
                               run.is_cancelled, propagation=adapted.propagation,
                               keep_probabilities=suggester is not None)
    class_dst = open_class_map(tmp_class, info, task.region)
    conf_dst = None
    try:
        if tmp_conf is not None:
            conf_dst = open_confidence(tmp_conf, info, task.region)
        pstats = predict_region(
            ds, info, task.region, predictor, task.stats, settings.band_mapping, codes,
            class_dst, conf_dst, task.wavelengths, opts.tile_size, run.progress, (0.3, 0.97),
            run.is_cancelled, suggester.add if suggester is not None else None,
        )  # fmt: skip
        inputs.warnings += predictor.warnings
        finish_class_map(class_dst, names, codes, colours,
                         _tags(inputs, task, adapted, accuracy, opts))
        if conf_dst is not None:
            finish_confidence(conf_dst, settings.name)
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
        inputs.notes.append(_save_classifier(
            tmp_model, adapted.file_classifier or adapted.map_classifier, adapted.saved_kind,
            inputs.card, task.stats, info, task.wavelengths, inputs.info.count, ds.descriptions,
            names, codes, colours))
    suggestions = suggester.select() if suggester is not None else []
    seconds["predict"] = time.perf_counter() - t0
    counts = pstats.class_counts if pstats.class_counts is not None else np.zeros(len(names))
    return Predicted(int(pstats.pixels), counts, predictor.device, colours, suggestions)


def _tags(inputs: Inputs, task: Task, adapted: Adapted, accuracy: Tuple[float | None, str],
          opts: MapOptions) -> Dict[str, Any]:
    """The class map's METAMAPPER_* tags: what made it."""
    settings, support = inputs.settings, task.support
    value, method = accuracy
    return {
        "METAMAPPER_MODEL": settings.name,
        "METAMAPPER_MODEL_VERSION": settings.version,
        "METAMAPPER_METHOD": inputs.model.method,
        "METAMAPPER_CLASSES": json.dumps(support.classes, ensure_ascii=False),
        "METAMAPPER_CLASS_CODES": json.dumps(support.codes),
        "METAMAPPER_SHOTS_PER_CLASS": json.dumps(support.support_pixels, ensure_ascii=False),
        "METAMAPPER_SEED": opts.seed,
        "METAMAPPER_STEPS": adapted.classifier.steps,
        "METAMAPPER_TRANSDUCTIVE": opts.transductive,
        "METAMAPPER_TRANSDUCTION": adapted.transduction_note,
        "METAMAPPER_ACCURACY": "" if value is None else f"{value:.4f}",
        "METAMAPPER_ACCURACY_METHOD": method,
        "METAMAPPER_SOURCE": inputs.raster.name,
    }


def make_result(out_path: Path, conf_path: Path | None, inputs: Inputs, task: Task,
                accuracy: Tuple[float | None, str], predicted: Predicted,
                seconds: Dict[str, float]) -> MapResult:
    """What the doors report of the run."""
    settings, support = inputs.settings, task.support
    names = support.classes
    return MapResult(
        output_path=str(out_path),
        confidence_path=str(conf_path) if conf_path else None,
        classes=list(names),
        class_codes=list(support.codes),
        pixels_per_class=dict(support.pixels_per_class),
        skipped_features=support.skipped_features,
        device=predicted.device,
        method=inputs.model.method,
        accuracy_estimate=accuracy[0],
        accuracy_method=accuracy[1],
        seconds=seconds,
        region_pixels=predicted.pixels,
        warnings=inputs.warnings,
        support_pixels=dict(support.support_pixels),
        class_colors={n: tuple(c) for n, c in zip(names, predicted.colours)},  # type: ignore[misc]
        predicted_pixels_per_class={n: int(k) for n, k in zip(names, predicted.counts)},
        model_name=settings.name,
        model_version=settings.version,
        suggestions=predicted.suggestions,
        notes=inputs.notes,
    )
