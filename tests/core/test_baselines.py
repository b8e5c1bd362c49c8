"""Baselines fit a tiny separable problem; the FewShotNet variants use the band mapping."""

from __future__ import annotations

import numpy as np
import pytest
from metamapper.core.model import load_model
from metamapper.training.baselines import (
    SKLEARN_METHODS,
    Task,
    adapted_method,
    fewshotnet_scratch,
    sklearn_methods,
)

from tests.model_factory import make_model_file, synthetic_task


def separable_task(k: int = 5, seed: int = 0) -> Task:
    rng = np.random.default_rng(seed)
    x, y = synthetic_task(rng, n_classes=3, shots=k + 60, n_bands=6)
    sup = np.concatenate([np.flatnonzero(y == c)[:k] for c in range(3)])
    qry = np.setdiff1d(np.arange(y.size), sup)
    return Task(x[sup], y[sup], x[qry], y[qry], x, 3, None, seed)


@pytest.mark.parametrize("name", SKLEARN_METHODS)
@pytest.mark.parametrize("k", [1, 5])
def test_sklearn_baselines_separate_distinct_spectra(name, k):
    task = separable_task(k)
    res = sklearn_methods([name])[name](task)
    assert res.pred.shape == task.query_y.shape
    assert (res.pred == task.query_y).mean() > 0.9
    assert res.fit_s >= 0 and res.predict_s >= 0


def test_baselines_use_only_the_support_labels():
    task = separable_task(5)
    shuffled = Task(task.support_x, task.support_y, task.query_x,
                    np.zeros_like(task.query_y), task.region_x, 3, None, 0)
    a = sklearn_methods(["logistic_regression"])["logistic_regression"](task).pred
    b = sklearn_methods(["logistic_regression"])["logistic_regression"](shuffled).pred
    assert np.array_equal(a, b)


def test_fewshotnet_scratch_and_adapted_model(tmp_path):
    loaded = load_model(make_model_file(tmp_path, episodes=30))
    task = separable_task(5)
    scratch = fewshotnet_scratch(loaded.card, steps=60)(task)
    assert (scratch.pred == task.query_y).mean() > 0.8
    for transductive in (False, True):
        res = adapted_method(loaded, transductive=transductive, soft_kmeans_iters=1)(task)
        assert res.pred.shape == task.query_y.shape
        assert (res.pred == task.query_y).mean() > 0.8
    assert len(task.feature_cache) == 1  # band mapping computed once per draw


def test_supervised_finetuning_starts_from_the_given_weights(tmp_path):
    from metamapper.training.baselines import fewshotnet_finetuned

    loaded = load_model(make_model_file(tmp_path, episodes=30))
    before = {k: v.clone() for k, v in loaded.net.state_dict().items()}
    task = separable_task(5)
    res = fewshotnet_finetuned(loaded, steps=30)(task)
    assert (res.pred == task.query_y).mean() > 0.8
    after = loaded.net.state_dict()
    assert all((before[k] == after[k]).all() for k in before)  # fine-tunes a copy


def test_label_spreading_gives_unreached_pixels_the_nearest_label_not_the_first_class(
        monkeypatch):
    """A field no label reaches (its own tight cluster in the k-NN graph) would be reported
    as class 0 by scikit-learn; the baseline gives it its nearest labelled pixel's class."""
    from metamapper.training import baselines

    rng = np.random.default_rng(0)
    h, w = 30, 42
    cube = np.zeros((h, w, 3), np.float32)
    cube[:, :14] = (1.0, 0.0, 0.0)  # class 0, labelled
    cube[:, 14:28] = (0.0, 1.0, 0.0)  # class 1, labelled
    cube[:, 28:] = (0.0, 1.0, 0.4)  # class 1, another field: no label, its own cluster
    cube += rng.normal(0, 0.01, cube.shape).astype(np.float32)
    truth = np.where(np.arange(w) < 14, 0, 1)[None, :].repeat(h, 0).ravel()
    flat = cube.reshape(-1, 3)
    sup = np.concatenate([np.ravel_multi_index((rng.integers(5, 25, 5), rng.integers(3, 11, 5)),
                                               (h, w)),
                          np.ravel_multi_index((rng.integers(5, 25, 5), rng.integers(17, 25, 5)),
                                               (h, w))])
    far = np.flatnonzero((np.arange(h * w) % w) >= 31)  # inside the unlabelled field
    task = Task(flat[sup], truth[sup], flat[far], truth[far], flat, 2, None, 0,
                support_idx=sup, query_idx=far, region_idx=np.arange(h * w),
                scene=baselines.SceneMaps.from_cube(cube))
    calls = []
    real = baselines.nearest_label
    monkeypatch.setattr(baselines, "nearest_label",
                        lambda x, *a: calls.append(len(x)) or real(x, *a))
    pred = baselines.label_spreading_method()(task).pred
    assert calls and calls[0] > 0.5 * far.size  # the field was unreached by the spreading
    assert (pred == 1).mean() > 0.95
