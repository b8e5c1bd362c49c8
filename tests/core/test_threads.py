"""The BLAS thread limit (core.threads.blas_threads): applied inside the block, undone after
it, and threadpoolctl's scan of the loaded libraries made once, not on every block."""

from __future__ import annotations

import sys
import types

import numpy as np  # noqa: F401  (loads NumPy's BLAS)
import pytest
from metamapper.core import threads

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_pools() -> list:
    return [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]


def test_blas_threads_limits_the_block_and_restores():
    before = [p["num_threads"] for p in blas_pools()]
    if not before:
        pytest.skip("no BLAS thread pool loaded")
    with threads.blas_threads(1):
        assert all(p["num_threads"] == 1 for p in blas_pools())
    assert [p["num_threads"] for p in blas_pools()] == before
    with threads.blas_threads(None):  # None: left as it is
        assert [p["num_threads"] for p in blas_pools()] == before


def test_the_library_scan_is_reused_until_a_module_is_imported(monkeypatch):
    threads._blas_controller.cache_clear()
    with threads.blas_threads(1):
        pass
    first = threads._blas_controller(len(sys.modules))
    with threads.blas_threads(1):
        pass
    assert threads._blas_controller(len(sys.modules)) is first
    assert threads._blas_controller.cache_info().misses == 1
    monkeypatch.setitem(sys.modules, "metamapper_test_new_module", types.ModuleType("m"))
    with threads.blas_threads(1):
        pass
    assert threads._blas_controller(len(sys.modules)) is not first  # scanned again
