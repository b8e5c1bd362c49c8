"""accuracy: folds over features (never pixels), stratified, re-fit on each fold."""

from __future__ import annotations

import numpy as np
from metamapper.core.adapting.accuracy import estimate_accuracy, feature_folds


def support(features_per_class=(6, 6, 6), pixels=5):
    fid, y = [], []
    f = 0
    for k, n in enumerate(features_per_class):
        for _ in range(n):
            fid += [f] * pixels
            y += [k] * pixels
            f += 1
    return np.array(fid), np.array(y)


def test_folds_never_split_a_feature_and_are_stratified():
    fid, y = support((6, 8, 12))
    folds, method = feature_folds(fid, y, seed=0)
    assert method.startswith("stratified 5-fold over 26 features")
    seen = np.concatenate(folds)
    assert np.sort(seen).tolist() == list(range(y.size))  # each pixel tested exactly once
    for test in folds:
        inside = set(fid[test].tolist())
        outside = set(np.delete(fid, test).tolist())
        assert not inside & outside
        assert set(y[test].tolist()) == {0, 1, 2}  # every class in every fold


def test_leave_one_feature_out_when_few():
    fid, y = support((2, 3))
    folds, method = feature_folds(fid, y)
    assert method.startswith("leave-one-feature-out over 5 features") and len(folds) == 5


def test_single_feature_class_gives_none_with_reason():
    fid, y = support((1, 4))
    est = estimate_accuracy(fid, y, lambda tr, te: y[te])
    assert est.value is None and "single labelled feature" in est.method


def test_perfect_and_useless_predictors():
    fid, y = support((6, 6))
    assert estimate_accuracy(fid, y, lambda tr, te: y[te]).value == 1.0
    assert estimate_accuracy(fid, y, lambda tr, te: 1 - y[te]).value == 0.0


def test_training_never_sees_the_test_features():
    fid, y = support((4, 5, 6))
    x = fid.astype(float)  # the "pixel value" reveals the feature

    def fit_predict(train, test):
        assert not set(fid[train]) & set(fid[test])
        memory = dict(zip(x[train], y[train]))  # a 1-NN that only memorises
        return np.array([memory.get(v, -1) for v in x[test]])

    est = estimate_accuracy(fid, y, fit_predict)
    assert est.value == 0.0 and est.folds >= 4
