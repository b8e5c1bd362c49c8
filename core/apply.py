"""``apply_classifier``: map a raster with a saved classifier (``core.predicting.classifier_file``).

No labels and no adaptation: the classifier adapted once (``map_region``'s
``classifier_path``) maps the next tile, date or mosaic of the same bands. In this process
the streamed engine of ``map_region`` predicts tile by tile; with a ``scheduler`` the windows
go to a Dask cluster (``core.predicting.dask_windows``) and are assembled into the same
map. Outputs are
written under temporary names and renamed into place only when everything succeeded.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence

import numpy as np

from .errors import Cancelled, RegionError
from .messages import msg

__all__ = ["ApplyResult", "apply_classifier"]


@dataclass
class ApplyResult:
    output_path: str
    confidence_path: str | None
    classes: List[str]
    class_codes: List[int]
    class_colors: Dict[str, tuple]
    region_pixels: int
    predicted_pixels_per_class: Dict[str, int]
    device: str
    scheduler: str  # "" = this process
    windows_computed: int = 0  # Dask windows predicted by this run
    windows_skipped: int = 0  # Dask windows found done by an earlier run (resumed)
    seconds: Dict[str, float] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)
    model_name: str = ""
    model_version: str = ""
    kind: str = "inductive"


def apply_classifier(
    raster_path: str,
    classifier_path: str,
    output_path: str,
    *,
    region: Sequence[dict] | None = None,
    confidence_path: str | None = None,
    scheduler: str = "",
    device: str = "auto",
    tile_size: int = 512,
    batch_size: int = 65536,
    window_side: int | None = None,
    progress: Callable[[float, str], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> ApplyResult:
    """Classify ``region`` of ``raster_path`` with the classifier file; write the class map.

    Raises a :class:`~.errors.MetaMapperError` (message: problem + fix) for every user-facing
    failure, :class:`~.errors.Cancelled` on cancel; no output file is left behind then.
    """
    import rasterio

    from .predicting.classifier_file import load_classifier
    from .predicting.predict import resolve_device
    from .reading.raster_io import bounded_gdal_cache, open_raster_info
    from .reading.raster_outputs import check_output_paths

    t_start = time.perf_counter()
    raster, out = Path(raster_path), Path(output_path)
    conf = Path(confidence_path) if confidence_path else None
    check_output_paths(raster, out, conf)
    saved = load_classifier(classifier_path)
    info = open_raster_info(raster)
    saved.check_raster(info, raster.name)
    dev = "cpu" if scheduler.strip() else resolve_device(device)

    def run(path: str) -> ApplyResult:
        with rasterio.open(path) as ds:
            return _write(ds, info, saved, str(classifier_path), out, conf, region,
                          scheduler.strip(), dev, tile_size, batch_size, window_side,
                          progress, is_cancelled)

    result = bounded_gdal_cache(run)(str(raster))
    result.seconds["total"] = time.perf_counter() - t_start
    if progress is not None:
        progress(1.0, msg("Done"))
    return result


def _write(ds: Any, info: Any, saved: Any, classifier_path: str, out: Path, conf: Path | None,
           geometries: Sequence[dict] | None, scheduler: str, device: str, tile_size: int,
           batch_size: int, window_side: int | None,
           progress: Callable[[float, str], None] | None,
           is_cancelled: Callable[[], bool] | None) -> ApplyResult:
    """Predict into temporary outputs, finish them (tags, colours, style), commit."""
    from .predicting.predict import BatchPredictor, predict_region
    from .reading.raster_io import (
        AtomicOutputs,
        decode_whole,
        finish_class_map,
        finish_confidence,
        make_region,
        open_class_map,
        open_confidence,
        write_class_sidecars,
    )
    from .threads import slow_blas_note

    seconds: Dict[str, float] = {}
    names, codes, colours = saved.classes, saved.codes, saved.colours
    region = make_region(info, geometries)
    skipped = computed = 0
    with AtomicOutputs() as outputs:
        tmp_class = outputs.reserve(out)
        tmp_conf = outputs.reserve(conf) if conf else None
        t0 = time.perf_counter()
        if not scheduler:
            info = decode_whole(ds, info, region.window, _checker(is_cancelled))
        if saved.band_indexes is not None:
            info = info.select_bands(saved.band_indexes)
        class_dst = open_class_map(tmp_class, info, region)
        conf_dst = open_confidence(tmp_conf, info, region) if tmp_conf is not None else None
        try:
            if scheduler:
                pixels, counts, skipped, computed = _on_cluster(
                    scheduler, info, saved, classifier_path, out, conf is not None, region,
                    tile_size, batch_size, window_side, class_dst, conf_dst, progress,
                    is_cancelled, seconds)
            else:
                predictor = BatchPredictor(saved.classifier(device, batch_size), device,
                                           batch_size, is_cancelled)
                pstats = predict_region(ds, info, region, predictor, saved.stats,
                                        saved.band_mapping, codes, class_dst, conf_dst,
                                        saved.wavelengths_nm, tile_size, progress,
                                        (0.02, 0.97), is_cancelled)
                pixels, counts = pstats.pixels, pstats.class_counts
                device = predictor.device
            finish_class_map(class_dst, names, codes, colours, _tags(saved, classifier_path))
            if conf_dst is not None:
                finish_confidence(conf_dst, saved.model_name)
        finally:
            class_dst.close()
            if conf_dst is not None:
                conf_dst.close()
        if pixels == 0:
            raise RegionError(msg(
                "The region holds no valid pixel (it is entirely nodata or masked). Choose a "
                "region over valid raster data."))
        write_class_sidecars(tmp_class, names, codes, colours)
        seconds["predict"] = time.perf_counter() - t0
        if is_cancelled is not None and is_cancelled():
            raise Cancelled()
        outputs.commit()
    if scheduler:
        import shutil

        shutil.rmtree(_parts_folder(out), ignore_errors=True)
    counts = counts if counts is not None else np.zeros(len(names), np.int64)
    return ApplyResult(
        output_path=str(out), confidence_path=str(conf) if conf else None,
        classes=list(names), class_codes=list(codes),
        class_colors={n: tuple(c) for n, c in zip(names, colours)},
        region_pixels=int(pixels),
        predicted_pixels_per_class={n: int(k) for n, k in zip(names, counts)},
        device=device, scheduler=scheduler, windows_computed=computed,
        windows_skipped=skipped, seconds=seconds,
        notes=list(saved.notes) + [n for n in [slow_blas_note()] if n],
        model_name=saved.model_name, model_version=saved.model_version, kind=saved.kind,
    )


def _checker(is_cancelled: Callable[[], bool] | None) -> Callable[[], None]:
    def check() -> None:
        if is_cancelled is not None and is_cancelled():
            raise Cancelled()
    return check


def _parts_folder(out: Path) -> Path:
    return out.with_name(out.name + ".parts")


def cluster_plan(info: Any, classifier_path: str, out: Path, region: Any, tile_size: int,
                 window_side: int | None, confidence: bool) -> tuple:
    """(run folder, its key, the tasks' ``WindowRun``, the windows) of a Dask run."""
    from .predicting.dask_windows import WINDOW_SIDE, WindowRun, part_windows, run_key
    from .predicting.predict import bounded_tile_size

    tile = bounded_tile_size(tile_size, info)
    side = int(window_side or WINDOW_SIDE)
    folder = _parts_folder(out)
    key = run_key(info.path, classifier_path, region.window, region.geometries, tile, side,
                  confidence)
    run = WindowRun(raster_path=info.path, classifier_path=str(Path(classifier_path).resolve()),
                    parts=str(folder.resolve()), region_geometries=region.geometries,
                    all_touched=bool(region.all_touched), tile_size=tile,
                    batch_size=65536, confidence=confidence)
    return folder, key, run, part_windows(region.window, tile, side)


def _on_cluster(scheduler: str, info: Any, saved: Any, classifier_path: str, out: Path,
                confidence: bool, region: Any, tile_size: int, batch_size: int,
                window_side: int | None, class_dst: Any, conf_dst: Any,
                progress: Callable[[float, str], None] | None,
                is_cancelled: Callable[[], bool] | None, seconds: Dict[str, float]) -> tuple:
    """Predict the windows on Dask into ``<output>.parts`` (resumable), then assemble
    (its time in ``seconds["assemble"]``)."""
    from dataclasses import replace

    from .predicting.dask_windows import assemble, connect, predict_windows, prepare_parts

    folder, key, run, windows = cluster_plan(info, classifier_path, out, region, tile_size,
                                             window_side, confidence)
    run = replace(run, batch_size=batch_size)
    client, cluster = connect(scheduler)  # first: a bad SCHEDULER leaves nothing behind

    def window_progress(fraction: float, text: str) -> None:
        if progress is not None:
            progress(0.02 + 0.9 * fraction, text)

    try:
        prepare_parts(folder, key)
        done = predict_windows(client, run, windows, window_progress, is_cancelled)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if progress is not None:
        progress(0.93, msg("Assembling {n} windows into the class map", n=len(windows)))
    t0 = time.perf_counter()
    assemble(folder, windows, region.window, class_dst, conf_dst)
    seconds["assemble"] = time.perf_counter() - t0
    return done["pixels"], done["counts"], done["skipped"], done["computed"]


def _tags(saved: Any, classifier_path: str) -> Dict[str, Any]:
    return {
        "METAMAPPER_MODEL": saved.model_name,
        "METAMAPPER_MODEL_VERSION": saved.model_version,
        "METAMAPPER_METHOD": saved.settings.method,
        "METAMAPPER_CLASSES": json.dumps(saved.classes, ensure_ascii=False),
        "METAMAPPER_CLASS_CODES": json.dumps(saved.codes),
        "METAMAPPER_CLASSIFIER": Path(classifier_path).name,
        "METAMAPPER_CLASSIFIER_KIND": saved.kind,
        "METAMAPPER_ADAPTED_ON": saved.source_name,
    }
