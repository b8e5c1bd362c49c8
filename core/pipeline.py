"""``map_region``: the one engine call every door (Processing, panel, scripts) makes.

raster + labelled geometries (+ region, model) -> support set -> band statistics of the
region -> adaptation (+ label propagation) -> support-set accuracy estimate -> tiled
prediction -> class map GeoTIFF (+ confidence, + the adapted classifier), renamed into
place only when everything succeeded. Each arrow is one named step of ``core.steps``.
See docs/architecture.md for the contract. Heavy modules (torch) are imported on call, so
importing this module stays cheap.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Dict, Sequence

from .adapting.sampling import LabelledFeature
from .messages import msg
from .reading.raster_io import bounded_gdal_cache
from .reading.raster_outputs import check_output_paths
from .steps import CancelFn, MapOptions, MapResult, ProgressFn, _Run

__all__ = ["LabelledFeature", "MapOptions", "MapResult", "map_region"]


@bounded_gdal_cache
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

    ``classifier_path``: also save the adapted classifier there
    (``core.predicting.classifier_file``), for ``core.apply`` to map other rasters of the
    same bands with.
    Raises a :class:`~.errors.MetaMapperError` subclass (message: problem + fix) for every
    user-facing failure, :class:`~.errors.Cancelled` when ``is_cancelled()`` turns true; in
    both cases no output file is left behind.
    """
    import rasterio
    import torch

    from . import steps
    from .reading.raster_io import AtomicOutputs

    opts = options or MapOptions()
    run = _Run(progress, is_cancelled)
    seconds: Dict[str, float] = {}
    t_start = time.perf_counter()
    run.report(0.0, msg("Checking inputs"))
    out_path = Path(output_path)
    conf_path = Path(confidence_path) if confidence_path else None
    check_output_paths(Path(raster_path), out_path, conf_path)
    inputs = steps.open_inputs(raster_path, opts, model_path)
    torch.manual_seed(int(opts.seed))

    with AtomicOutputs() as outputs:
        tmp = (outputs.reserve(out_path), outputs.reserve(conf_path) if conf_path else None,
               outputs.reserve(classifier_path) if classifier_path else None)
        with rasterio.open(inputs.raster) as ds:
            task = steps.prepare_task(ds, inputs, region, features, opts, run, seconds)
            adapted = steps.adapt_task(ds, inputs, task, opts, run, seconds,
                                       for_file=tmp[2] is not None)
            accuracy = steps.estimate_task(task, adapted, opts, run, seconds)
            predicted = steps.predict_task(ds, inputs, task, adapted, accuracy, tmp,
                                           features, opts, run, seconds)
        run.check()
        outputs.commit()

    seconds["total"] = time.perf_counter() - t_start
    if progress is not None:
        progress(1.0, msg("Done"))
    return steps.make_result(out_path, conf_path, inputs, task, accuracy, predicted, seconds)
