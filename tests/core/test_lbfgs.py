"""The band correction's own L-BFGS: SciPy's L-BFGS-B optimum, iterations and stops,
without importing ``scipy.optimize`` (0.15-0.2 s of every fresh QGIS run)."""

from __future__ import annotations

import numpy as np
import pytest
from metamapper.core.adapting.adapt import _correction_objective
from metamapper.core.adapting.lbfgs import minimize_lbfgs

from .test_core_imports import imported_after


def _problem(n: int, bands: int, classes: int, soft: bool, seed: int):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, classes)) * 3.0
    z = np.clip(rng.normal(size=(n, bands)), -5, 5)
    target = (rng.dirichlet(np.ones(classes) * 0.3, size=n) if soft
              else np.eye(classes)[rng.integers(0, classes, n)])
    return lambda theta: _correction_objective(theta, base, z, target, 0.05, (classes, bands))


@pytest.mark.parametrize("n,bands,classes,soft", [(250, 13, 10, False), (2000, 13, 10, True),
                                                  (120, 204, 6, False), (30, 4, 2, False)])
def test_reaches_scipys_optimum_in_as_many_iterations(n, bands, classes, soft):
    from scipy.optimize import minimize

    fun = _problem(n, bands, classes, soft, seed=n + bands)
    x0 = np.zeros(classes * bands + classes)
    ref = minimize(fun, x0, jac=True, method="L-BFGS-B",
                   options={"maxiter": 100, "maxfun": 126, "gtol": 1e-7, "ftol": 1e-12})
    own = minimize_lbfgs(fun, x0, max_iter=100, max_fun=126)
    assert own.fun == pytest.approx(ref.fun, rel=1e-9)
    np.testing.assert_allclose(own.x, ref.x, atol=1e-4)
    assert abs(own.nit - ref.nit) <= max(3, ref.nit // 5)


def test_stops_at_the_caps_and_on_a_flat_gradient():
    fun = _problem(120, 204, 6, False, seed=1)
    x0 = np.zeros(6 * 204 + 6)
    capped = minimize_lbfgs(fun, x0, max_iter=5, max_fun=100)
    assert capped.nit == 5 and not capped.converged
    few = minimize_lbfgs(fun, x0, max_iter=100, max_fun=4)
    assert few.nfev <= 4 + 30  # the cap ends the run within one line search
    # a quadratic bowl: converged at its centre, gradient under gtol
    centre = np.arange(5.0)
    bowl = minimize_lbfgs(lambda x: (float((x - centre) @ (x - centre)), 2 * (x - centre)),
                          np.zeros(5))
    assert bowl.converged
    np.testing.assert_allclose(bowl.x, centre, atol=1e-7)
    # a flat direction (every class bias moved together) does not break the recursion
    shift = minimize_lbfgs(lambda x: (float((x[0] - x[1]) ** 2),
                                      np.array([2 * (x[0] - x[1]), -2 * (x[0] - x[1])])),
                           np.array([3.0, -1.0]))
    assert abs(shift.x[0] - shift.x[1]) < 1e-6


def test_the_band_correction_runs_without_scipy_optimize():
    mods = imported_after(
        "import torch; from metamapper.core.adapting.adapt import fit_band_correction; "
        "fit_band_correction(torch.zeros(20, 3), torch.randn(20, 4), "
        "torch.arange(20) % 3, 3, 0.05)"
    )
    assert "metamapper.core.adapting.lbfgs" in mods
    assert "scipy.optimize" not in mods
