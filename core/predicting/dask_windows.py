"""Prediction of a saved classifier on a Dask distributed cluster, window by window.

The region is cut into windows of whole prediction tiles (aligned on the region's origin,
so each window is tiled exactly as the in-process run tiles it). Each window is one Dask
task: it opens the raster by path or URL (``/vsicurl/``, ``/vsis3/``), predicts with the
classifier (loaded once per worker process), and writes its part of the map as a small
GeoTIFF into the run folder ``<output>.parts/``, with its class counts beside it. A part is
renamed into place only once written: a run started again after a crash, a killed worker or
a cancel finds the parts already there and redoes only the missing windows. The parts are
then copied, in order, into the one class map (and confidence), and the folder is removed.

Workers need the raster, the classifier file and the run folder at the same paths (a shared
file system, or object storage for the raster), and MetaMapper importable: docs/scaling.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

import numpy as np

from ..errors import Cancelled, DependencyError, InputError
from ..messages import msg

__all__ = ["WindowRun", "connect", "part_windows", "predict_windows"]

#: side of a window (pixels) when not given: a few seconds of work per task on one core
WINDOW_SIDE = 2048
DASK_INSTALL = 'python3 -m pip install "dask[distributed]"'

#: the classifier of a worker process, loaded once: (path, mtime) -> (SavedClassifier, predictor)
_WORKER_CACHE: Dict[tuple, tuple] = {}


@dataclass(frozen=True)
class WindowRun:
    """What every window task needs (small: it travels to each task)."""

    raster_path: str
    classifier_path: str
    parts: str  # the run folder
    region_geometries: List[dict] | None
    all_touched: bool
    tile_size: int
    batch_size: int
    confidence: bool


def part_windows(region_window: Any, tile_size: int, side: int) -> List[Tuple[int, int, int, int]]:
    """(col_off, row_off, width, height) of each window: whole tiles of ``tile_size``, about
    ``side`` pixels a side, row-major from the region's origin."""
    from ..reading.raster_regions import iter_tiles

    tiles = max(1, int(side) // max(16, int(tile_size)))
    step = tiles * max(16, int(tile_size))
    return [(int(t.window.col_off), int(t.window.row_off), int(t.window.width),
             int(t.window.height))
            for t in iter_tiles(region_window, step, 0, 10**12, 10**12)]


def run_key(raster_path: str, classifier_path: str, region_window: Any, geometries: Any,
            tile_size: int, side: int, confidence: bool) -> str:
    """What makes parts reusable: the same inputs, region, tiling and outputs."""
    st = os.stat(classifier_path)
    try:
        rs = os.stat(raster_path)
        raster = [rs.st_size, rs.st_mtime_ns]
    except OSError:  # a URL (/vsicurl/...): its path names it
        raster = []
    blob = json.dumps([os.path.abspath(raster_path) if not raster_path.startswith("/vsi")
                       else raster_path, raster, os.path.abspath(classifier_path), st.st_size,
                       st.st_mtime_ns, [int(region_window.col_off), int(region_window.row_off),
                                        int(region_window.width), int(region_window.height)],
                       geometries, int(tile_size), int(side), bool(confidence)],
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def prepare_parts(folder: Path, key: str) -> None:
    """The run folder for ``key``: kept when it belongs to the same run (resume), else new."""
    manifest = folder / "run.json"
    if folder.is_dir():
        try:
            same = json.loads(manifest.read_text(encoding="utf-8")).get("key") == key
        except (OSError, ValueError):
            same = False
        if same:
            return
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    manifest.write_text(json.dumps({"key": key}), encoding="utf-8")


def part_name(window: Sequence[int]) -> str:
    return f"r{window[1]:09d}_c{window[0]:09d}"


def part_done(folder: Path, window: Sequence[int]) -> bool:
    name = part_name(window)
    return (folder / f"{name}.tif").is_file() and (folder / f"{name}.json").is_file()


def _worker_predictor(run: WindowRun) -> tuple:
    """(SavedClassifier, RasterInfo, BatchPredictor) of this worker process, built once."""
    from ..reading.raster_io import open_raster_info
    from .classifier_file import load_classifier
    from .predict import BatchPredictor

    key = (run.classifier_path, os.stat(run.classifier_path).st_mtime_ns, run.raster_path)
    if key not in _WORKER_CACHE:
        _WORKER_CACHE.clear()
        saved = load_classifier(run.classifier_path)
        info = open_raster_info(run.raster_path)
        if saved.band_indexes is not None:
            info = info.select_bands(saved.band_indexes)
        predictor = BatchPredictor(saved.classifier("cpu", run.batch_size), "cpu",
                                   run.batch_size)
        _WORKER_CACHE[key] = (saved, info, predictor)
    return _WORKER_CACHE[key]


def predict_window(run: WindowRun, window: Tuple[int, int, int, int]) -> Dict[str, Any]:
    """One Dask task: predict ``window`` into its part files; skip it when already done.

    Returns ``{"skipped": bool, "pixels": int, "counts": [...]}``.
    """
    import rasterio
    from rasterio.windows import Window

    from ..reading.raster_outputs import open_class_map, open_confidence
    from ..reading.raster_regions import Region
    from .predict import predict_region

    folder = Path(run.parts)
    name = part_name(window)
    if part_done(folder, window):
        done = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        return {**done, "skipped": True}
    saved, info, predictor = _worker_predictor(run)
    region = Region(window=Window(*window), geometries=run.region_geometries,
                    all_touched=run.all_touched, transform=info.transform)
    tmp_class = folder / f".{name}.class.tmp.tif"
    tmp_conf = folder / f".{name}.conf.tmp.tif"
    with rasterio.open(run.raster_path) as ds:
        class_dst = open_class_map(tmp_class, info, region)
        conf_dst = open_confidence(tmp_conf, info, region) if run.confidence else None
        try:
            stats = predict_region(ds, info, region, predictor, saved.stats, saved.band_mapping,
                                   saved.codes, class_dst, conf_dst, saved.wavelengths_nm,
                                   run.tile_size)
        finally:
            class_dst.close()
            if conf_dst is not None:
                conf_dst.close()
    counts = stats.class_counts if stats.class_counts is not None else np.zeros(0)
    done = {"pixels": int(stats.pixels), "counts": [int(c) for c in counts]}
    (folder / f"{name}.json").write_text(json.dumps(done), encoding="utf-8")
    if run.confidence:
        os.replace(tmp_conf, folder / f"{name}.conf.tif")
    os.replace(tmp_class, folder / f"{name}.tif")  # last: the part is done
    return {**done, "skipped": False}


def _worker_python() -> str:
    """The Python that worker processes run. Inside QGIS ``sys.executable`` is QGIS itself
    (Windows, macOS) or whatever ``python3`` the PATH finds first (Linux: a pyenv shim of
    another version was seen), so the versioned interpreter of this Python's own prefix
    comes first (as ``install.plan.qgis_python``)."""
    major, minor = sys.version_info[:2]
    prefix = Path(sys.exec_prefix)
    for candidate in (prefix / "bin" / f"python{major}.{minor}", prefix / "python.exe"):
        if candidate.exists():
            return str(candidate)
    exe = Path(sys.executable)
    if "python" in exe.name.lower():
        return str(exe)
    return str(exe.parent / "bin" / "python3")


def connect(scheduler: str) -> tuple:
    """(Client, cluster or None) for ``local:N`` or a scheduler address; clear errors."""
    try:
        import distributed
    except ImportError:
        raise DependencyError(msg(
            "Running on a Dask cluster (SCHEDULER) needs dask[distributed], which is not "
            "installed in QGIS's Python. Install it with: {command} (or leave SCHEDULER "
            "empty to run in this process).", command=DASK_INSTALL)) from None
    scheduler = scheduler.strip()
    if scheduler.startswith("local:"):
        try:
            n = int(scheduler[len("local:"):])
        except ValueError:
            n = 0
        if n < 1:
            raise InputError(msg(
                "SCHEDULER '{value}' is not understood. Give local:N with N worker "
                "processes (e.g. local:4), a scheduler address (tcp://host:8786), or "
                "nothing.", value=scheduler))
        import multiprocessing

        multiprocessing.set_executable(_worker_python())
        threads = max(1, (os.cpu_count() or 1) // n)
        cluster = distributed.LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=40, env={"OMP_NUM_THREADS": str(threads),
                                  "MKL_NUM_THREADS": str(threads)})
        return distributed.Client(cluster), cluster
    try:
        return distributed.Client(scheduler, timeout="10s"), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(msg(
            "Cannot reach the Dask scheduler at {address} ({error}). Start one (dask "
            "scheduler; then dask worker {address} on each machine) or check the address.",
            address=scheduler, error=exc)) from exc


def predict_windows(
    client: Any, run: WindowRun, windows: List[Tuple[int, int, int, int]],
    progress: Callable[[float, str], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> Dict[str, Any]:
    """Run every window on the cluster of ``client``; return the totals and how many
    windows were skipped (done by an earlier run) or computed.

    Cancelling stops the tasks not yet done and keeps the parts written (a rerun resumes).
    """
    from distributed import as_completed

    done: Dict[str, Any] = {"pixels": 0, "counts": None, "skipped": 0, "computed": 0}
    futures = client.map(predict_window, [run] * len(windows), windows, pure=False)
    total = max(1, len(futures))
    # polled, not awaited with a timeout: a timeout raised through the client's event loop
    # keeps this call's frames (and the Processing context above them) alive in a cycle
    # that outlives QGIS (a crash at exit, seen in the tests)
    finished = as_completed(futures)
    while not finished.is_empty():
        if is_cancelled is not None and is_cancelled():
            client.cancel(futures)
            raise Cancelled()
        batch = finished.next_batch(block=False)
        if not batch:
            time.sleep(0.1)
            continue
        for future in batch:
            _add(done, future.result())  # a task's error is raised here, with its message
        if progress is not None:
            n = done["skipped"] + done["computed"]
            progress(n / total, msg("Predicted window {value}/{total} on the Dask cluster",
                                    value=n, total=total))
    return done


def _add(done: Dict[str, Any], part: Dict[str, Any]) -> None:
    counts = np.asarray(part["counts"], dtype=np.int64)
    done["counts"] = counts if done["counts"] is None else done["counts"] + counts
    done["pixels"] += int(part["pixels"])
    done["skipped" if part["skipped"] else "computed"] += 1


def assemble(folder: Path, windows: List[Tuple[int, int, int, int]], region_window: Any,
             class_dst: Any, conf_dst: Any) -> None:
    """Copy every part into the one output, in order (memory: one window)."""
    import rasterio
    from rasterio.windows import Window

    r0, c0 = int(region_window.row_off), int(region_window.col_off)
    for window in windows:
        name = part_name(window)
        target = Window(window[0] - c0, window[1] - r0, window[2], window[3])
        with rasterio.open(folder / f"{name}.tif") as part:
            class_dst.write(part.read(1), 1, window=target)
        if conf_dst is not None:
            with rasterio.open(folder / f"{name}.conf.tif") as part:
                conf_dst.write(part.read(1), 1, window=target)
