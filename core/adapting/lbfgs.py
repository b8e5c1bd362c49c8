"""A small L-BFGS minimiser in NumPy for the band correction's convex fits.

Why not SciPy's: ``scipy.optimize`` costs 0.15-0.2 s to import, paid inside the first
run of every fresh QGIS or ``qgis_process`` (the demo's whole map takes 0.45 s), and
the fits it served are smooth, convex and small (classes x bands + classes unknowns, at
most a few thousand), where the two-loop recursion with a backtracking Armijo search
needs nothing else. Stops as SciPy's L-BFGS-B does: gradient max-norm under ``gtol``,
relative decrease of the objective under ``ftol``, or the iteration / evaluation caps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Tuple

import numpy as np

Objective = Callable[[np.ndarray], Tuple[float, np.ndarray]]

#: sufficient decrease of the Armijo condition
ARMIJO = 1e-4
#: step shrink factor of the backtracking search, and its most shrinks per iteration
SHRINK, MAX_SHRINKS = 0.5, 30


@dataclass
class Result:
    """The minimiser's answer: the point, its objective, and how it stopped."""

    x: np.ndarray
    fun: float
    nit: int
    nfev: int
    converged: bool


def minimize_lbfgs(fun: Objective, x0: np.ndarray, max_iter: int = 100, max_fun: int = 126,
                   gtol: float = 1e-7, ftol: float = 1e-12, memory: int = 10) -> Result:
    """Minimise ``fun`` (returning value and gradient) from ``x0`` by L-BFGS.

    Curvature pairs with ``y.s <= 0`` (a flat direction: the softmax is unchanged when
    every class bias moves together) are not stored, so the inverse-Hessian estimate
    stays positive definite.
    """
    x = np.array(x0, dtype=np.float64, copy=True)
    f, g = fun(x)
    nfev, nit = 1, 0
    pairs: List[Tuple[np.ndarray, np.ndarray, float]] = []
    while nit < max_iter:
        if not np.isfinite(f) or float(np.abs(g).max(initial=0.0)) <= gtol:
            return Result(x, float(f), nit, nfev, bool(np.isfinite(f)))
        d = -_two_loop(g, pairs)
        slope = float(g @ d)
        if slope >= 0.0:  # not a descent direction (rounding): restart from the gradient
            pairs.clear()
            d, slope = -g, -float(g @ g)
        step = 1.0 if pairs else min(1.0, 1.0 / max(float(np.abs(g).sum()), 1e-300))
        for _ in range(MAX_SHRINKS):
            x_new = x + step * d
            f_new, g_new = fun(x_new)
            nfev += 1
            if np.isfinite(f_new) and f_new <= f + ARMIJO * step * slope:
                break
            if nfev >= max_fun:
                return Result(x, float(f), nit, nfev, False)
            step *= SHRINK
        else:
            return Result(x, float(f), nit, nfev, False)
        nit += 1
        s, y = x_new - x, g_new - g
        sy = float(s @ y)
        if sy > 1e-12 * float(np.sqrt((s @ s) * (y @ y))):
            pairs.append((s, y, 1.0 / sy))
            if len(pairs) > memory:
                pairs.pop(0)
        decrease = (f - f_new) / max(abs(f), abs(f_new), 1.0)
        x, f, g = x_new, f_new, g_new
        if decrease <= ftol:
            return Result(x, float(f), nit, nfev, True)
        if nfev >= max_fun:
            break
    return Result(x, float(f), nit, nfev, float(np.abs(g).max(initial=0.0)) <= gtol)


def _two_loop(g: np.ndarray, pairs: List[Tuple[np.ndarray, np.ndarray, float]]) -> np.ndarray:
    """The L-BFGS inverse-Hessian estimate times ``g`` (Nocedal & Wright, Algorithm 7.4)."""
    q = g.copy()
    if not pairs:
        return q
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * float(s @ q)
        q -= a * y
        alphas.append(a)
    s, y, _ = pairs[-1]
    q *= float(s @ y) / float(y @ y)
    for (s, y, rho), a in zip(pairs, reversed(alphas)):
        q += (a - rho * float(y @ q)) * s
    return q
