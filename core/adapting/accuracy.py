"""An honest accuracy estimate from the support set alone.

Pixels of one polygon are strongly alike, so holding out random *pixels* would flatter the
map. Folds are made of whole *features*: stratified k-fold over the labelled features
(every class is split across folds), or leave-one-feature-out when there are few, and the
model is re-adapted on each fold's training part. When some class has a single feature, no
honest held-out test exists and the estimate is None with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List

import numpy as np

from ..messages import msg

MAX_FOLDS = 5
LOO_MAX_FEATURES = 10

#: fit_predict(train_indices, test_indices) -> predicted class indices of the test pixels
FitPredict = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class AccuracyEstimate:
    value: float | None  # overall accuracy of held-out pixels, or None
    method: str  # how it was measured, or why there is none
    balanced: float | None = None  # mean per-class recall of held-out pixels
    folds: int = 0


def feature_folds(
    feature_id: np.ndarray, y: np.ndarray, seed: int = 0
) -> tuple[List[np.ndarray] | None, str]:
    """Test-pixel index arrays, one per fold, with features never split; or (None, reason)."""
    feats, first = np.unique(feature_id, return_index=True)
    feat_class = y[first]
    classes, per_class = np.unique(feat_class, return_counts=True)
    if classes.size < 2:
        return None, msg("not estimated: fewer than two classes")
    k_min = int(per_class.min())
    if k_min < 2:
        return None, msg(
            "not estimated: a class has a single labelled feature, so none can be held out "
            "for testing; label two or more features per class to get an estimate"
        )
    rng = np.random.default_rng([seed, 31337])
    if feats.size <= LOO_MAX_FEATURES:
        groups = [[f] for f in feats]
        method = msg("leave-one-feature-out over {n} features, re-adapting each time",
                     n=feats.size)
    else:
        k = min(MAX_FOLDS, k_min)
        groups = [[] for _ in range(k)]
        offset = 0
        for c in classes:
            members = rng.permutation(feats[feat_class == c])
            for j, f in enumerate(members):
                groups[(j + offset) % k].append(f)
            offset += len(members)  # spread the remainders of classes over folds
        method = msg("stratified {k}-fold over {n} features, re-adapting each fold", k=k,
                     n=feats.size)
    folds = [np.flatnonzero(np.isin(feature_id, np.asarray(g))) for g in groups if g]
    return folds, method


def estimate_accuracy(
    feature_id: np.ndarray,
    y: np.ndarray,
    fit_predict: FitPredict,
    seed: int = 0,
    is_cancelled: Callable[[], bool] | None = None,
) -> AccuracyEstimate:
    """Cross-validate ``fit_predict`` over features (see module doc)."""
    from ..errors import Cancelled

    folds, method = feature_folds(feature_id, y, seed)
    if folds is None:
        return AccuracyEstimate(None, method)
    n_classes = int(y.max()) + 1
    correct = np.zeros(n_classes)
    total = np.zeros(n_classes)
    all_idx = np.arange(y.size)
    used = 0
    for test in folds:
        if is_cancelled is not None and is_cancelled():
            raise Cancelled()
        train = np.setdiff1d(all_idx, test, assume_unique=True)
        if np.unique(y[train]).size < np.unique(y).size:
            continue  # a class would vanish from training: this fold cannot be scored fairly
        pred = np.asarray(fit_predict(train, test))
        hit = pred == y[test]
        np.add.at(correct, y[test], hit)
        np.add.at(total, y[test], 1)
        used += 1
    if used == 0 or total.sum() == 0:
        return AccuracyEstimate(None, "not estimated: no fold kept every class in training")
    seen = total > 0
    return AccuracyEstimate(
        value=float(correct.sum() / total.sum()),
        method=method,
        balanced=float((correct[seen] / total[seen]).mean()),
        folds=used,
    )
