"""Accuracy and area estimates from a validation sample, by good practice.

The estimators are those of Olofsson et al. (2014), "Good practices for estimating area and
assessing accuracy of land change", Remote Sensing of Environment 148, 42-57 (section 4.2,
eqs. 2-10; their Olofsson et al. 2013 for the variance of producer's accuracy), for a
sample stratified by map class (or a simple random/systematic sample, post-stratified by
map class: the same formulas apply). With ``W_i`` the mapped proportion of class ``i``,
``n_ij`` the sample counts (rows = map, columns = reference) and ``n_i.`` the row totals:

* area proportions ``p_ij = W_i n_ij / n_i.`` (eq. 4), class area proportions ``p_.j``;
* overall accuracy ``O = sum p_jj``, user's ``U_i = p_ii / p_i.``, producer's
  ``P_j = p_jj / p_.j``;
* ``V(O) = sum W_i^2 U_i (1 - U_i) / (n_i. - 1)`` (eq. 5), ``V(U_i) = U_i (1 - U_i) /
  (n_i. - 1)`` (eq. 6), ``V(P_j)`` (eq. 7), ``S(p_.j)`` (eq. 10), areas ``A p_.j`` with
  ``A`` the mapped area, 95 % confidence intervals ``+-1.96 S``.

Point estimates (matrix, kappa, user's/producer's accuracy, F1) are scikit-learn's metrics
with sample weights ``N_i / n_i.`` (each unit stands for that many pixels), which is
exactly the stratified estimator; only the variances and areas are written here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Sequence

import numpy as np

from ..messages import msg

Z95 = 1.96  # as in Olofsson et al. (2014)

#: How the validation sample was selected, as the user declares it.
DESIGNS = ("stratified", "random", "other")
DESIGN_LABELS = {
    "stratified": "stratified random by map class",
    "random": "simple random or systematic (post-stratified by map class)",
    "other": "not a probability sample (e.g. hand-picked)",
}


@dataclass
class Assessment:
    """Everything the report shows. Arrays are indexed like ``classes`` (map class order)."""

    classes: List[str]
    design: str
    counts: np.ndarray  # (q, q) sample counts, rows = map, columns = reference
    sample_size: int
    overall_accuracy: float
    kappa: float
    users_accuracy: np.ndarray
    producers_accuracy: np.ndarray
    f1: np.ndarray
    #: estimated area proportions (rows map, columns reference); None without estimates
    proportions: np.ndarray | None = None
    strata_pixels: np.ndarray | None = None  # N_i (pixels mapped as each class)
    pixel_area: float | None = None
    overall_accuracy_se: float | None = None
    users_accuracy_se: np.ndarray | None = None
    producers_accuracy_se: np.ndarray | None = None
    area_proportion: np.ndarray | None = None  # p_.j
    area_proportion_se: np.ndarray | None = None
    notes: List[str] = field(default_factory=list)

    @property
    def area_estimates(self) -> bool:
        return self.area_proportion is not None

    @property
    def mapped_area(self) -> np.ndarray | None:
        if self.strata_pixels is None or self.pixel_area is None:
            return None
        return self.strata_pixels * self.pixel_area

    @property
    def total_area(self) -> float | None:
        mapped = self.mapped_area
        return None if mapped is None else float(mapped.sum())

    @property
    def area(self) -> np.ndarray | None:
        """Area-adjusted class areas in map units (m² for metric CRSs)."""
        total = self.total_area
        if self.area_proportion is None or total is None:
            return None
        return self.area_proportion * total

    @property
    def area_se(self) -> np.ndarray | None:
        total = self.total_area
        if self.area_proportion_se is None or total is None:
            return None
        return self.area_proportion_se * total

    @property
    def area_ci95(self) -> np.ndarray | None:
        """Half-width of the 95 % confidence interval of :attr:`area`."""
        se = self.area_se
        return None if se is None else Z95 * se


# --------------------------------------------------------------------------- the estimators


def stratified_proportions(counts: np.ndarray, strata_pixels: np.ndarray) -> np.ndarray:
    """``p_ij = W_i n_ij / n_i.`` (Olofsson et al. 2014, eq. 4); rows without sample = 0."""
    counts = np.asarray(counts, dtype=np.float64)
    weights = np.asarray(strata_pixels, dtype=np.float64)
    weights = weights / weights.sum()
    n_i = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rows = np.where(n_i[:, None] > 0, counts / n_i[:, None], 0.0)
    return weights[:, None] * rows


def standard_errors(counts: np.ndarray, strata_pixels: np.ndarray) -> Dict[str, np.ndarray]:
    """Standard errors of O, U_i, P_j and p_.j for a stratified (by map class) sample.

    Needs ``n_i. >= 2`` in every stratum with mapped pixels (the caller checks).
    """
    n = np.asarray(counts, dtype=np.float64)
    big_n = np.asarray(strata_pixels, dtype=np.float64)
    w = big_n / big_n.sum()
    n_i = n.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(n_i[:, None] > 0, n / n_i[:, None], 0.0)  # n_ij / n_i.
        dof = np.where(n_i > 1, n_i - 1.0, np.inf)
        u = np.diag(frac)  # U_i = n_ii / n_i.
        var_o = float(np.sum(w**2 * u * (1 - u) / dof))  # eq. 5
        var_u = u * (1 - u) / dof  # eq. 6
        # eq. 10: V(p_.j) = sum_i W_i^2 (n_ij/n_i.)(1 - n_ij/n_i.)/(n_i. - 1)
        var_p = np.sum((w**2)[:, None] * frac * (1 - frac) / dof[:, None], axis=0)
        # eq. 7 (producer's accuracy), with N_.j estimated as sum_i N_i n_ij / n_i.
        n_hat_j = np.sum(big_n[:, None] * frac, axis=0)
        p = stratified_proportions(n, big_n)
        pa = np.where(p.sum(axis=0) > 0, np.diag(p) / p.sum(axis=0), np.nan)
        q = len(n_i)
        var_pa = np.full(q, np.nan)
        for j in range(q):
            if n_hat_j[j] <= 0:
                continue
            first = big_n[j] ** 2 * (1 - pa[j]) ** 2 * u[j] * (1 - u[j]) / dof[j]
            others = [i for i in range(q) if i != j]
            second = pa[j] ** 2 * np.sum(
                big_n[others] ** 2 * frac[others, j] * (1 - frac[others, j]) / dof[others]
            )
            var_pa[j] = (first + second) / n_hat_j[j] ** 2
    return {
        "overall": np.sqrt(var_o),
        "users": np.sqrt(var_u),
        "producers": np.sqrt(var_pa),
        "area_proportion": np.sqrt(var_p),
    }


# --------------------------------------------------------------------------- assess


def assess(
    map_labels: Sequence[int],
    reference_labels: Sequence[int],
    classes: Sequence[str],
    *,
    design: str = "stratified",
    strata_pixels: Sequence[int] | Mapping[int, int] | None = None,
    pixel_area: float | None = None,
) -> Assessment:
    """Assess a map from its validation sample.

    ``map_labels`` / ``reference_labels``: class indices (0..q-1, into ``classes``) of each
    sample unit. ``strata_pixels``: pixels mapped as each class in the assessed area (the
    strata sizes ``N_i``); needed, with a probability ``design``, for area proportions,
    standard errors and areas (``pixel_area`` in map units squared gives areas). Without
    them, or when the sample cannot support them, the counts-only statistics come with a
    note saying why.
    """
    from sklearn.metrics import (
        cohen_kappa_score,
        confusion_matrix,
        precision_recall_fscore_support,
    )

    if design not in DESIGNS:
        raise ValueError(f"design must be one of {DESIGNS}")
    m = np.asarray(map_labels, dtype=np.int64)
    r = np.asarray(reference_labels, dtype=np.int64)
    q = len(classes)
    labels = np.arange(q)
    counts = confusion_matrix(m, r, labels=labels)  # rows: map ("true" argument), cols: ref
    n_i = counts.sum(axis=1)
    notes: List[str] = []

    big_n = None if strata_pixels is None else _as_array(strata_pixels, q)
    estimates = design != "other" and big_n is not None and big_n.sum() > 0
    if design == "other":
        notes.append(
            msg(
                "The validation sample is not a probability sample, so the error matrix, "
                "accuracies and kappa describe these sample units only: they are not "
                "estimates for the map, and no area-adjusted estimate or confidence "
                "interval can be given. Draw a stratified random sample (Create validation "
                "sample) for those.",
            )
        )
    elif big_n is None:
        notes.append(msg("The mapped area of each class is unknown: no area-adjusted estimate."))
    if estimates and big_n is not None:
        unsampled = [classes[i] for i in range(q) if big_n[i] > 0 and n_i[i] < 2]
        if unsampled:
            estimates = False
            notes.append(
                msg(
                    "Area-adjusted estimates, standard errors and confidence intervals need "
                    "at least 2 sample units in every map class; too few in: {classes}. The "
                    "matrix and accuracies below are of the sample counts. Add sample units "
                    "in those classes (Create validation sample).",
                    classes=", ".join(f"{classes[i]} ({n_i[i]})" for i in range(q)
                                      if big_n[i] > 0 and n_i[i] < 2),
                )
            )

    if estimates and big_n is not None:
        weight_of = np.where(n_i > 0, big_n / np.maximum(n_i, 1), 0.0)
        weights = weight_of[m]
    else:
        weights = np.ones(len(m))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined ratios are NaN (zero_division)
        ua, pa, f1, _ = precision_recall_fscore_support(
            r, m, labels=labels, sample_weight=weights, zero_division=np.nan
        )
        kappa = float(cohen_kappa_score(r, m, labels=labels, sample_weight=weights))
    oa = float(np.sum(weights[m == r]) / np.sum(weights)) if len(m) else float("nan")

    result = Assessment(
        classes=list(classes), design=design, counts=counts, sample_size=int(len(m)),
        overall_accuracy=oa, kappa=kappa, users_accuracy=np.asarray(ua, dtype=float),
        producers_accuracy=np.asarray(pa, dtype=float), f1=np.asarray(f1, dtype=float),
        strata_pixels=big_n, pixel_area=pixel_area, notes=notes,
    )
    if estimates and big_n is not None:
        result.proportions = stratified_proportions(counts, big_n)
        se = standard_errors(counts, big_n)
        result.overall_accuracy_se = float(se["overall"])
        result.users_accuracy_se = se["users"]
        result.producers_accuracy_se = se["producers"]
        result.area_proportion = result.proportions.sum(axis=0)
        result.area_proportion_se = se["area_proportion"]
        if design == "random":
            notes.append(
                msg(
                    "Simple random or systematic sample: the estimates are post-stratified "
                    "by map class (Olofsson et al. 2013); their variances treat the sample "
                    "sizes per class as fixed.",
                )
            )
    missing_ref = [classes[j] for j in range(q) if counts[:, j].sum() == 0 and n_i[j] > 0]
    if missing_ref:
        notes.append(
            msg("Never seen in the reference data: {classes} (their producer's accuracy is "
                "undefined).", classes=", ".join(missing_ref))
        )
    return result


def _as_array(values: Sequence[int] | Mapping[int, int], q: int) -> np.ndarray:
    if isinstance(values, Mapping):
        return np.array([float(values.get(i, 0)) for i in range(q)])
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != (q,):
        raise ValueError("strata_pixels needs one value per class")
    return arr
