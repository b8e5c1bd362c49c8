"""Transductive label propagation: NumPy reference, tiling invariance, when not to use it."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import torch
from metamapper.core.adapting.propagation import (
    GraphSpace,
    PropagationSettings,
    RegionPropagation,
    check_folds,
    choose,
    knn_affinity,
    spread,
    support_folds,
)
from metamapper.core.pipeline import MapOptions, map_region

from tests.factories import features_from_truth, make_raster
from tests.model_factory import make_model_file

PROPAGATION_CARD = {"mode": "propagation", "anchors": 600, "dims": 4, "neighbours": 6,
                    "alpha": 0.95, "iterations": 20, "spatial_weight": 0.5,
                    "prior_weight": 0.5, "extend_neighbours": 5, "folds": 3}


def numpy_label_spreading(x, y0, k, alpha, iterations):
    """Zhou et al. (2004) on a symmetrised k-NN graph, written out in NumPy."""
    m = x.shape[0]
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    idx = np.argsort(d2, axis=1, kind="stable")[:, :k]
    dk = np.take_along_axis(d2, idx, 1)
    sigma2 = np.median(dk[:, -1])
    w = np.zeros((m, m))
    for i in range(m):
        w[i, idx[i]] = np.exp(-dk[i] / sigma2)
    w = np.maximum(w, w.T)
    dinv = 1.0 / np.sqrt(w.sum(1))
    s = dinv[:, None] * w * dinv[None, :]
    f = y0.copy()
    for _ in range(iterations):
        f = alpha * s @ f + (1 - alpha) * y0
    return f


def test_spreading_equals_the_numpy_reference():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5))
    y0 = np.zeros((120, 3))
    y0[np.arange(9), np.arange(9) % 3] = 1.0
    ref = numpy_label_spreading(x, y0, k=7, alpha=0.9, iterations=15)
    got = spread(knn_affinity(torch.from_numpy(x), 7), torch.from_numpy(y0), 0.9, 15).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-9)


def test_extension_equals_the_numpy_reference():
    rng = np.random.default_rng(1)
    b = 6
    z_anchor = rng.normal(size=(80, b)).astype(np.float32)
    rows, cols = rng.integers(0, 50, 80), rng.integers(0, 50, 80)
    space = GraphSpace.fit(torch.from_numpy(z_anchor), (0.0, 0.0), 50.0, dims=3,
                           spatial_weight=0.5)
    anchors = space(torch.from_numpy(z_anchor), torch.from_numpy(rows), torch.from_numpy(cols))
    labels = torch.softmax(torch.from_numpy(rng.normal(size=(80, 4)).astype(np.float32)), 1)
    prop = RegionPropagation(space, anchors, labels, neighbours=5, sigma2=0.3)
    zq = rng.normal(size=(30, b)).astype(np.float32)
    rq, cq = rng.integers(0, 50, 30), rng.integers(0, 50, 30)
    got = prop.probabilities(torch.from_numpy(zq), torch.from_numpy(rq), torch.from_numpy(cq),
                             chunk=7).numpy()
    # reference: project, 5 nearest anchors, Gaussian weights, weighted mean of their labels
    mean, basis = space.mean.numpy(), space.basis.numpy()
    xq = np.concatenate([(zq - mean) @ basis, np.stack([rq, cq], 1) * 0.5 / 50.0], 1)
    a = anchors.numpy()
    d2 = ((xq[:, None] - a[None]) ** 2).sum(-1)
    idx = np.argsort(d2, 1)[:, :5]
    w = np.exp(-np.take_along_axis(d2, idx, 1) / 0.3)
    ref = (w[..., None] * labels.numpy()[idx]).sum(1) / w.sum(1, keepdims=True)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got.sum(1), 1.0, rtol=1e-5)


def test_graph_space_has_unit_total_variance_and_scaled_positions():
    z = torch.from_numpy(np.random.default_rng(2).normal(size=(200, 9)).astype(np.float32) * 5)
    space = GraphSpace.fit(z, (10.0, 20.0), 100.0, dims=4, spatial_weight=2.0)
    x = space(z, torch.full((200,), 110), torch.full((200,), 20))
    assert x.shape == (200, 6)
    assert float(x[:, :4].var(0).sum()) == pytest.approx(1.0, rel=1e-3)
    assert torch.allclose(x[:, 4:], torch.tensor([2.0, 0.0]))


def _two_blobs(seed=0, n=200):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [4.0, 4.0, 4.0]])
    y = np.repeat([0, 1], n // 2)
    z = centres[y] + rng.normal(0, 0.5, (n, 3))
    return torch.from_numpy(z.astype(np.float32)), torch.from_numpy(y)


def _blob_task():
    """Two separable blobs in graph space, 6 support pixels of each, a flat prior:
    (settings, space, region coordinates, support indices, support labels, prior)."""
    z, y = _two_blobs()
    settings = PropagationSettings(anchors=200, dims=3, neighbours=6, folds=3)
    space = GraphSpace.fit(z, (0.0, 0.0), 100.0, 3, 0.0)
    pos = torch.zeros(z.shape[0], dtype=torch.int64)
    support = np.r_[0:6, 100:106]
    prior = torch.full((z.shape[0], 2), 0.5)
    return settings, space, space(z, pos, pos), support, y[support], prior


@pytest.mark.parametrize("inductive_right", [True, False])
def test_choose_falls_back_when_the_support_says_propagation_does_not_help(inductive_right):
    settings, space, xr, support, ys, prior = _blob_task()
    xs = xr[support]

    def inductive(train, test):  # a perfect or an always-wrong inductive classifier
        truth = ys.numpy()[test]
        return truth if inductive_right else 1 - truth

    choice = choose(settings, space, xr, prior, xs, prior[support], ys, 2,
                    np.arange(support.size), inductive, seed=0)
    if inductive_right:  # propagation could at best tie, and a tie keeps the inductive map
        assert choice.propagation is None and choice.cv_inductive == 1.0
        assert choice.cv_propagation is None  # settled before any graph was built
        assert choice.reason.endswith("not used (labelled features held out: all right "
                                      "without it, so it cannot do better).")
    else:
        assert choice.cv_propagation == pytest.approx(1.0)  # blobs: propagation is right
        assert choice.propagation is not None and choice.cv_inductive == 0.0
        assert choice.reason.endswith("used (labelled features held out: 100% right with it, "
                                      "0% without).")


def test_choose_without_the_check_when_the_card_switches_it_off():
    z, y = _two_blobs()
    settings = PropagationSettings(anchors=200, dims=3, neighbours=6, folds=3, check=False)
    space = GraphSpace.fit(z, (0.0, 0.0), 100.0, 3, 0.0)
    pos = torch.zeros(z.shape[0], dtype=torch.int64)
    xr = space(z, pos, pos)
    support = np.r_[0:6, 100:106]
    prior = torch.full((z.shape[0], 2), 0.5)
    calls = []

    def inductive(train, test):  # right every time: a check would keep the inductive map
        calls.append(test)
        return y[support].numpy()[test]

    choice = choose(settings, space, xr, prior, xr[support], prior[support], y[support], 2,
                    np.arange(support.size), inductive, seed=0)
    assert choice.propagation is not None and not calls
    assert "switched off in the model card" in choice.reason
    assert PropagationSettings.from_card({"check": False}).check is False


def test_support_folds_keep_labelled_features_together():
    groups = np.array([0, 0, 0, 1, 1, 2, 3, 3, 4])
    folds = support_folds(groups, 3, seed=0)
    for g in np.unique(groups):
        assert np.unique(folds[groups == g]).size == 1
    assert set(folds) <= {0, 1, 2}


def test_check_folds_are_the_accuracy_estimates_folds_when_it_has_them():
    from metamapper.core.adapting.accuracy import feature_folds

    groups = np.repeat(np.arange(15), 2)  # 15 features (2 px each), 3 classes x 5
    y = np.repeat(np.arange(15) % 3, 2)
    fold_of, n = check_folds(groups, y, max_folds=3, seed=4)
    tests, _ = feature_folds(groups, y, seed=4)
    assert n == len(tests) == 5  # the estimate's stratified 5-fold, not max_folds
    for f, idx in enumerate(tests):
        np.testing.assert_array_equal(np.flatnonzero(fold_of == f), idx)


def test_check_folds_fall_back_to_random_feature_folds_for_a_single_feature_class():
    groups = np.array([0, 0, 1, 2, 3, 4, 5])
    y = np.array([0, 0, 1, 1, 1, 1, 1])  # class 0: one feature, no estimate possible
    fold_of, n = check_folds(groups, y, max_folds=3, seed=0)
    assert n == 3
    np.testing.assert_array_equal(fold_of, support_folds(groups, 3, seed=0))
    _, n_one = check_folds(np.zeros(4, int), np.array([0, 0, 1, 1]), max_folds=3, seed=0)
    assert n_one == 1  # one feature in all: nothing to check


def test_pipeline_adapts_each_fold_once_for_the_check_and_the_estimate(tmp_path, monkeypatch):
    import metamapper.core.adapting.adapt as adapt_module

    model = str(make_model_file(tmp_path, episodes=20, transductive=PROPAGATION_CARD,
                                band_mapping={"append_bands": True, "context_radius": 1,
                                              "context_mode": "smooth"},
                                band_correction={"l2": 0.1, "min_shots": 2, "max_iter": 50}))
    sc = make_raster(tmp_path / "r.tif", bands=4, n_classes=3, width=40, height=30)
    feats = features_from_truth(sc, per_class=5, kind="point")  # 15 features: 5 folds
    calls = []
    real = adapt_module.adapt

    def counted(*args, **kwargs):
        calls.append(len(args[2]))
        return real(*args, **kwargs)

    monkeypatch.setattr(adapt_module, "adapt", counted)
    res = map_region(sc["path"], feats, str(tmp_path / "out.tif"), model_path=model,
                     options=MapOptions(device="cpu"))
    assert res.accuracy_estimate is not None and "5-fold" in res.accuracy_method
    assert calls == [15] + [12] * 5  # the whole support, then each fold once (not twice)


def test_pipeline_with_propagation_maps_the_same_whatever_the_tiling(tmp_path):
    model = str(make_model_file(tmp_path, episodes=40, transductive=PROPAGATION_CARD,
                                band_mapping={"append_bands": True, "context_radius": 1,
                                              "context_mode": "smooth"},
                                band_correction={"l2": 0.1, "min_shots": 2, "max_iter": 50}))
    sc = make_raster(tmp_path / "r.tif", bands=5, n_classes=3, width=60, height=50)
    feats = features_from_truth(sc, per_class=4, kind="point")
    maps = []
    for tile in (16, 512):
        out = tmp_path / f"out{tile}.tif"
        res = map_region(sc["path"], feats, str(out), model_path=model,
                         options=MapOptions(device="cpu", tile_size=tile))
        with rasterio.open(out) as ds:
            maps.append(ds.read(1))
            note = ds.tags()["METAMAPPER_TRANSDUCTION"]
        assert "transduction" in res.seconds
        assert note in res.notes  # logged: whether the propagation was used, and why
    assert note.startswith("Label propagation over the region: ")
    np.testing.assert_array_equal(maps[0], maps[1])
    assert (maps[0] > 0).all()


def test_a_region_larger_than_the_cap_keeps_the_inductive_map(tmp_path):
    card = {**PROPAGATION_CARD, "max_region_pixels": 100}
    model = str(make_model_file(tmp_path, episodes=20, transductive=card,
                                band_mapping={"append_bands": True, "context_radius": 1,
                                              "context_mode": "smooth"},
                                band_correction={"l2": 0.1, "min_shots": 2, "max_iter": 50}))
    sc = make_raster(tmp_path / "r.tif", bands=4, n_classes=2, width=30, height=20)
    out = tmp_path / "out.tif"
    res = map_region(sc["path"], features_from_truth(sc, per_class=3, kind="point"), str(out),
                     model_path=model, options=MapOptions(device="cpu"))
    with rasterio.open(out) as ds:
        note = ds.tags()["METAMAPPER_TRANSDUCTION"]
    assert "not used" in note and "larger than 0.0 Mpx" in note
    assert note in res.notes  # the Processing log says it too


def test_a_settled_check_builds_no_graph(monkeypatch):
    """When the inductive classifier is right on every held-out label, choose() returns
    before the k-NN graph (the costly part) and says why; a single wrong one builds it."""
    from metamapper.core.adapting import propagation

    settings, space, xr, support, ys, prior = _blob_task()
    graphs = []
    real_nearest = propagation.nearest
    monkeypatch.setattr(propagation, "nearest",
                        lambda *a, **k: graphs.append(1) or real_nearest(*a, **k))

    def one_wrong(train, test):
        pred = ys.numpy()[test].copy()
        if 0 in test:
            pred[list(test).index(0)] = 1
        return pred

    held = propagation.held_out_inductive(settings, ys.numpy(), 2, np.arange(support.size),
                                          lambda tr, te: ys.numpy()[te], seed=0)
    assert held is not None and held.settled() and held.right == held.counted == support.size
    perfect = choose(settings, space, xr, prior, xr[support], prior[support], ys, 2,
                     np.arange(support.size), lambda tr, te: ys.numpy()[te], seed=0)
    assert perfect.propagation is None and not graphs
    imperfect = choose(settings, space, xr, prior, xr[support], prior[support], ys, 2,
                       np.arange(support.size), one_wrong, seed=0)
    assert graphs and imperfect.cv_inductive == pytest.approx(11 / 12)
    assert imperfect.propagation is not None  # the blobs: propagation gets all 12 right


@pytest.mark.parametrize("noise", [0.0, 1.0])
def test_pipeline_reads_no_anchors_when_the_inductive_check_is_settled(tmp_path, monkeypatch,
                                                                       noise):
    """Separable classes (no noise): every held-out label is right without propagation, so
    map_region reads no anchors and says so; overlapping classes build the graph."""
    from metamapper.core import region_steps

    model = str(make_model_file(tmp_path, episodes=20, transductive=PROPAGATION_CARD,
                                band_mapping={"append_bands": True, "context_radius": 1,
                                              "context_mode": "smooth"},
                                band_correction={"l2": 0.1, "min_shots": 2, "max_iter": 50}))
    sc = make_raster(tmp_path / "r.tif", bands=4, n_classes=3, width=40, height=30,
                     noise=noise)
    feats = features_from_truth(sc, per_class=5, kind="point")
    reads = []
    real = region_steps.region_anchors
    monkeypatch.setattr(region_steps, "region_anchors",
                        lambda *a, **k: reads.append(1) or real(*a, **k))
    res = map_region(sc["path"], feats, str(tmp_path / "out.tif"), model_path=model,
                     options=MapOptions(device="cpu"))
    note = [n for n in res.notes if n.startswith("Label propagation")][0]
    if noise == 0.0:
        assert note.endswith("all right without it, so it cannot do better).") and not reads
    else:
        assert "right with it" in note and reads


def test_distil_refits_the_band_correction_to_the_propagated_labels():
    """distil: logits = (the head's part, recovered from the prior) + W' z + c', with
    (W', c') the L2-penalised soft-label fit; against a direct NumPy/torch reference of that
    objective, and closer to the propagated labels than the classifier it started from."""
    import dataclasses

    import torch.nn.functional as F
    from metamapper.core.adapting.propagation import distil

    rng = np.random.default_rng(3)
    n, b, c = 300, 6, 3
    z = torch.from_numpy(rng.normal(size=(n, b)).astype(np.float32))
    head = torch.from_numpy(rng.normal(size=(n, c)).astype(np.float32))
    w0, c0 = torch.zeros(c, b), torch.zeros(c)
    prior = torch.softmax(head, dim=1)
    true_w = torch.from_numpy(rng.normal(size=(c, b)).astype(np.float32))
    labels = torch.softmax(head + z @ true_w.T, dim=1)
    @dataclasses.dataclass
    class Clf:
        band_weight: torch.Tensor
        band_bias: torch.Tensor
        device: torch.device

    out = distil(Clf(w0, c0, torch.device("cpu")), prior, z, labels, l2=0.01)

    def objective(w, bias):
        return float(F.cross_entropy(head + z @ w.T + bias, labels) + 0.01 * (w * w).sum())

    assert objective(out.band_weight, out.band_bias) < objective(w0, c0) - 0.05
    # the optimum: the gradient of the objective vanishes there
    w = out.band_weight.clone().requires_grad_(True)
    bias = out.band_bias.clone().requires_grad_(True)
    loss = F.cross_entropy(head + z @ w.T + bias, labels) + 0.01 * (w * w).sum()
    gw, gb = torch.autograd.grad(loss, [w, bias])
    assert float(gw.abs().max()) < 1e-3 and float(gb.abs().max()) < 1e-3


@pytest.mark.parametrize("extension, exact_max, distils", [
    ("distil", 10**6, True), ("auto", 100, True), ("auto", 10**6, False)])
def test_a_distilled_propagation_maps_a_region_of_any_size_inductively(
        tmp_path, extension, exact_max, distils):
    """extension 'distil' (or 'auto' above exact_max_pixels): used even above the exact
    extension's size cap, the map is the distilled classifier's inductive map (no per-pixel
    anchor search), and the tag says so; 'auto' below the size keeps the exact extension."""
    import metamapper.core.predicting.predict as predict_module

    card = {**PROPAGATION_CARD, "extension": extension, "exact_max_pixels": exact_max,
            "check": False, **({"max_region_pixels": 100} if distils else {})}
    model = str(make_model_file(tmp_path, episodes=20, transductive=card,
                                band_mapping={"append_bands": True, "context_radius": 1,
                                              "context_mode": "smooth"},
                                band_correction={"l2": 0.1, "min_shots": 2, "max_iter": 50}))
    sc = make_raster(tmp_path / "r.tif", bands=4, n_classes=3, width=40, height=30)
    feats = features_from_truth(sc, per_class=4, kind="point")
    out = tmp_path / "out.tif"
    calls = []
    real = predict_module.BatchPredictor._propagated

    def counted(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    predict_module.BatchPredictor._propagated = counted
    try:
        res = map_region(sc["path"], feats, str(out), model_path=model,
                         options=MapOptions(device="cpu"))
    finally:
        predict_module.BatchPredictor._propagated = real
    with rasterio.open(out) as ds:
        note = ds.tags()["METAMAPPER_TRANSDUCTION"]
        classes = ds.read(1)
    assert "used without a check" in note and ("distilled" in note) == distils
    assert note in res.notes and bool(calls) != distils and (classes > 0).all()


def test_anchor_blocks_are_warmed_only_where_gdal_reports_threaded_errors(tmp_path,
                                                                          monkeypatch):
    """region_anchors decodes the anchor tiles' blocks several at once first (GDAL >= 3.10,
    which reports a damaged block met by its own threads); the map is the same either way."""
    import sys

    from metamapper.core.reading import raster_io

    model = str(make_model_file(tmp_path, episodes=20, transductive={**PROPAGATION_CARD,
                                                                      "check": False},
                                band_mapping={"append_bands": True, "context_radius": 1,
                                              "context_mode": "smooth"},
                                band_correction={"l2": 0.1, "min_shots": 2, "max_iter": 50}))
    sc = make_raster(tmp_path / "r.tif", bands=4, n_classes=3, width=96, height=80, noise=1.0)
    tiled = tmp_path / "tiled.tif"  # what warming is for: compressed, pixel-interleaved tiles
    with rasterio.open(sc["path"]) as src:
        profile = {**src.profile, "tiled": True, "blockxsize": 32, "blockysize": 32,
                   "compress": "deflate", "interleave": "pixel"}
        with rasterio.open(tiled, "w", **profile) as dst:
            dst.write(src.read())
    feats = features_from_truth(sc, per_class=5, kind="point")
    warmed = []
    real = raster_io.warm_blocks

    def spy(ds, info, windows):
        if sys._getframe(1).f_code.co_name == "region_anchors":
            warmed.append(real(ds, info, windows))
            return warmed[-1]
        return real(ds, info, windows)

    monkeypatch.setattr(raster_io, "warm_blocks", spy)
    monkeypatch.setenv("METAMAPPER_RAW_READS", "0")  # read through GDAL, not decoded whole
    maps = {}
    for reports in (True, False):
        monkeypatch.setattr(raster_io, "threaded_reads_report_errors", lambda r=reports: r)
        out = tmp_path / f"out-{reports}.tif"
        map_region(str(tiled), feats, str(out), model_path=model,
                   options=MapOptions(device="cpu"))
        with rasterio.open(out) as ds:
            maps[reports] = ds.read()
        if reports:
            assert len(warmed) == 1 and (warmed[0] > 1 or raster_io.os.cpu_count() == 1)
        else:
            assert len(warmed) == 1  # no second warming
    np.testing.assert_array_equal(maps[True], maps[False])


def test_nearest_matches_a_brute_force_reference_across_row_blocks():
    """Block-by-block ranking (``NEAREST_ROWS``) gives every row's k nearest other rows and
    their squared distances, as a full NumPy distance matrix does, block edges included."""
    from metamapper.core.adapting import propagation

    rng = np.random.default_rng(5)
    m = 2 * propagation.NEAREST_ROWS + 37  # a partial last block
    x = rng.normal(size=(m, 6)).astype(np.float32)
    dk, idx = propagation.nearest(torch.from_numpy(x), 4)
    d2 = ((x[:, None, :].astype(np.float64) - x[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    ref_idx = np.argsort(d2, axis=1, kind="stable")[:, :4]
    assert not (idx.numpy() == np.arange(m)[:, None]).any()  # never itself
    np.testing.assert_array_equal(np.sort(idx.numpy(), axis=1), np.sort(ref_idx, axis=1))
    np.testing.assert_allclose(dk.numpy(), np.take_along_axis(d2, ref_idx, 1), rtol=1e-4,
                               atol=1e-4)
    assert (np.diff(dk.numpy(), axis=1) >= 0).all()  # nearest first


@pytest.mark.parametrize("wrong, min_gain, used", [
    (1, 1, True), (1, 2, False), (2, 2, True), (0, 0, True), (0, 1, False)])
def test_the_check_needs_min_gain_more_held_out_labels_right(wrong, min_gain, used):
    """On the blobs propagation gets all 12 held-out labels right: it is kept when the
    inductive classifier gets at least ``min_gain`` of them wrong (0: a tie keeps it too)."""
    from dataclasses import replace

    settings, space, xr, support, ys, prior = _blob_task()
    settings = replace(settings, min_gain=min_gain)

    def inductive(train, test):
        pred = ys.numpy()[test].copy()
        for i in range(wrong):
            if i in test:
                pred[list(test).index(i)] = 1 - pred[list(test).index(i)]
        return pred

    choice = choose(settings, space, xr, prior, xr[support], prior[support], ys, 2,
                    np.arange(support.size), inductive, seed=0)
    assert (choice.propagation is not None) == used
    assert choice.cv_inductive == pytest.approx((12 - wrong) / 12)


def test_min_gain_is_read_from_the_card():
    assert PropagationSettings.from_card({"min_gain": 3}).min_gain == 3
    assert PropagationSettings.from_card({}).min_gain == 1
