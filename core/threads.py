"""Threads of the engine's products: torch's and the BLAS's, and a check for a slow BLAS.

The base floor of the engine: adaptation (one thread for hundreds of tiny products),
propagation (one large product on every core) and prediction (one thread beside the
reader) all set them here.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import time
from typing import Any, Iterator

import torch

from .messages import msg

__all__ = ["PROCESS_THREADS", "SLOW_BLAS_MS", "blas_threads", "slow_blas_note", "torch_threads"]

#: torch's intra-op threads as this process started (OMP_NUM_THREADS respected): what one
#: large product may use inside a block that runs on one thread (``torch_threads(1)``)
PROCESS_THREADS = torch.get_num_threads()


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads (None: leave them as they are)."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(int(n))
    try:
        yield
    finally:
        if n is not None:
            torch.set_num_threads(before)


def blas_threads(n: int | None) -> Any:
    """The BLAS that NumPy and a distribution's torch load (OpenBLAS, BLIS; not the MKL
    built into PyPI's torch) limited to ``n`` threads for the block (None: as it is).

    Debian's torch multiplies through the system's ``libblas.so.3``: with OpenBLAS's own
    threads under torch's OpenMP ones, and two of our threads multiplying at once, a
    product took 16-21 ms instead of 5 (204 bands, QGIS 3.40 chroot)."""
    if n is None:
        return contextlib.nullcontext()
    controller = _blas_controller(len(sys.modules))
    if controller is None:  # pragma: no cover - scikit-learn brings threadpoolctl
        return contextlib.nullcontext()
    return controller.limit(limits=int(n), user_api="blas")


@functools.lru_cache(maxsize=1)
def _blas_controller(n_modules: int) -> Any:
    """threadpoolctl's view of the loaded thread pools, made again only when modules were
    imported since (``n_modules``: a new extension may have loaded a BLAS). Each
    ``threadpool_limits`` scanned every loaded library: 6 ms, seven times a run (42 ms of a
    0.9 s map of 1 Mpx)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover
        return None
    return ThreadpoolController()


#: a 256 x 256 float32 product slower than this (ms) is an unoptimised (reference) BLAS
SLOW_BLAS_MS = 5.0


@functools.lru_cache(maxsize=1)
def slow_blas_note() -> str:
    """A warning when torch multiplies through an unoptimised BLAS, else "" (measured once
    a process: 3 products of 256 x 256, ~2 ms on MKL or OpenBLAS).

    Debian's torch and NumPy use whatever ``libblas.so.3`` the system selects; without
    OpenBLAS that is the reference BLAS, 25x slower: the QGIS 3.40 chroot predicted
    1 Mpx x 204 bands in 3.3 s instead of 0.7."""
    a = torch.ones((256, 256))
    with torch_threads(1), blas_threads(1):
        a @ a
        t0 = time.perf_counter()
        for _ in range(3):
            a @ a
        ms = (time.perf_counter() - t0) / 3 * 1000
    if ms <= SLOW_BLAS_MS:
        return ""
    return msg(
        "Matrix products run on an unoptimised BLAS here ({ms:.0f} ms for one that takes "
        "under 1 ms on an optimised one): maps are several times slower than they need to "
        "be. On Debian or Ubuntu install OpenBLAS (sudo apt install libopenblas0-pthread) "
        "and restart QGIS.", ms=ms)
