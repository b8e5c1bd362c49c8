"""Adaptation: every method fits a small separable support set, deterministically."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from metamapper.core.adapting.adapt import (
    HEAD_B,
    HEAD_W,
    adapt,
    inner_loop,
    prototype_head,
    prototypes,
    soft_kmeans,
)
from metamapper.core.errors import MetaMapperError
from metamapper.core.mapping.band_mapping import BandStats, map_bands
from metamapper.core.model import METHODS, load_model

from tests.model_factory import make_model_file, synthetic_task


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return {m: make_model_file(root, method=m, seed=0, name=m) for m in METHODS}


def task_features(n_classes: int, shots: int, seed: int = 1, n_bands: int = 6):
    rng = np.random.default_rng(seed)
    x, y = synthetic_task(rng, n_classes, shots, n_bands=n_bands)
    stats = BandStats.from_samples(x)
    return map_bands(x, stats, {"kind": "resample-v1", "points": 16, "context_radius": 0}), y


@pytest.mark.parametrize("method", METHODS)
def test_every_method_fits_a_separable_support_set(model_files, method):
    x, y = task_features(4, 12)
    loaded = load_model(model_files[method])
    clf = adapt(loaded, x, y, n_classes=4)
    proba = clf.predict_proba(torch.from_numpy(x))
    assert proba.shape == (48, 4) and proba.dtype == torch.float32
    assert torch.allclose(proba.sum(1), torch.ones(48), atol=1e-5)
    acc = (proba.argmax(1).numpy() == y).mean()
    assert acc >= 0.9, f"{method}: support accuracy {acc:.2f}"
    if method != "protonet":
        assert clf.steps == 5 and len(clf.support_loss) == 6
        assert clf.support_loss[-1] < clf.support_loss[0]  # the inner loop did descend


def test_adaptation_generalises_to_unseen_pixels_of_the_same_task(model_files):
    loaded = load_model(model_files["protomaml"])
    accs = []
    for seed in range(6, 10):
        x, y = synthetic_task(np.random.default_rng(seed), 3, 60, n_bands=8)
        f = map_bands(x, BandStats.from_samples(x), loaded.card["band_mapping"])
        support = np.arange(y.size) % 60 < 10
        clf = adapt(loaded, f[support], y[support], 3)
        accs.append((clf.predict(f[~support]).numpy() == y[~support]).mean())
    assert np.mean(accs) >= 0.9, accs


def test_deterministic_for_a_fixed_seed(model_files):
    x, y = task_features(3, 8)
    u, _ = task_features(3, 200, seed=9)
    loaded = load_model(model_files["protomaml"])
    a = adapt(loaded, x, y, 3, unlabelled_x=u, seed=4, soft_kmeans_iters=2)
    b = adapt(loaded, x, y, 3, unlabelled_x=u, seed=4, soft_kmeans_iters=2)
    assert torch.equal(a.head_weight, b.head_weight)
    assert all(torch.equal(a.params[k], b.params[k]) for k in a.params)


def test_adapt_does_not_modify_the_loaded_network(model_files):
    loaded = load_model(model_files["maml"])
    before = {k: v.clone() for k, v in loaded.net.state_dict().items()}
    x, y = task_features(3, 8)
    adapt(loaded, x, y, 3)
    assert all(torch.equal(before[k], v) for k, v in loaded.net.state_dict().items())


def test_anil_changes_only_the_head(model_files):
    loaded = load_model(model_files["anil"])
    x, y = task_features(3, 8)
    clf = adapt(loaded, x, y, 3)
    for name, p in loaded.net.named_parameters():
        assert torch.equal(clf.params[name], p.detach())
    zero = adapt(loaded, x, y, 3, steps=0)
    assert not torch.equal(clf.head_weight, zero.head_weight)


def test_zero_steps_is_the_prototype_classifier(model_files):
    loaded = load_model(model_files["protomaml"])
    x, y = task_features(3, 8)
    clf = adapt(loaded, x, y, 3, steps=0)
    with torch.no_grad():
        emb = loaded.net(torch.from_numpy(x))
        protos = prototypes(emb, torch.from_numpy(y), 3)
    nearest = torch.cdist(emb, protos).argmin(1)
    assert torch.equal(clf.predict(x), nearest)


def test_any_number_of_classes(model_files):
    loaded = load_model(model_files["metasgd"])
    for n in (2, 7, 12):
        x, y = task_features(n, 5, seed=n)
        assert adapt(loaded, x, y, n).predict_proba(x).shape == (5 * n, n)


def test_transductive_soft_kmeans_moves_prototypes_towards_clusters():
    torch.manual_seed(0)
    centres = torch.tensor([[0.0, 0.0], [4.0, 0.0]])
    # the two support pixels sit off-centre; the unlabelled clusters are centred
    support = torch.tensor([[1.0, 0.5], [3.0, -0.5]])
    y = torch.tensor([0, 1])
    unlabelled = torch.cat([c + 0.1 * torch.randn(200, 2) for c in centres])
    p0 = prototypes(support, y, 2)
    p1 = soft_kmeans(p0, support, y, unlabelled, iters=3)
    assert (p1 - centres).norm() < 0.5 * (p0 - centres).norm()


def test_transductive_can_be_turned_off(model_files):
    loaded = load_model(model_files["protonet"])
    x, y = task_features(3, 4)
    u, _ = task_features(3, 100, seed=3)
    on = adapt(loaded, x, y, 3, unlabelled_x=u, soft_kmeans_iters=1)
    off = adapt(loaded, x, y, 3, unlabelled_x=u, soft_kmeans_iters=1, transductive=False)
    plain = adapt(loaded, x, y, 3)
    assert torch.equal(off.head_weight, plain.head_weight)
    assert not torch.equal(on.head_weight, plain.head_weight)


def test_inner_loop_is_plain_sgd_with_per_parameter_step_sizes():
    """One step equals p - lr * grad computed independently with autograd."""
    from metamapper.core.model import FewShotNet

    net = FewShotNet(32, [8], 4)
    x = torch.randn(10, 32)
    y = torch.arange(10) % 2
    params = {k: v.detach().clone() for k, v in net.named_parameters()}
    with torch.no_grad():
        w, b = prototype_head(prototypes(net(x), y, 2))
    params[HEAD_W], params[HEAD_B] = w, b
    lrs = {k: torch.rand_like(v) for k, v in params.items() if not k.startswith("head.")}
    lrs["head"] = torch.tensor(0.2)
    out = inner_loop(net, params, x, y, steps=1, lrs=lrs)
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    emb = net.functional_forward(leaves, x)
    loss = torch.nn.functional.cross_entropy(emb @ leaves[HEAD_W].t() + leaves[HEAD_B], y)
    grads = dict(zip(leaves, torch.autograd.grad(loss, list(leaves.values()))))
    for k in params:
        lr = lrs["head"] if k.startswith("head.") else lrs[k]
        assert torch.allclose(out[k], params[k] - lr * grads[k], atol=1e-7)


def test_inner_loop_create_graph_keeps_meta_gradients():
    from metamapper.core.model import FewShotNet

    net = FewShotNet(32, [8], 4)
    x, y = torch.randn(6, 32), torch.arange(6) % 3
    params = dict(net.named_parameters())
    emb = net(x)
    w, b = prototype_head(prototypes(emb, y, 3))
    params = {**params, HEAD_W: w, HEAD_B: b}
    out = inner_loop(net, params, x, y, steps=2, lrs=0.1, create_graph=True)
    query_loss = torch.nn.functional.cross_entropy(
        net.functional_forward(out, x) @ out[HEAD_W].t() + out[HEAD_B], y
    )
    query_loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())


def test_ten_classes_twenty_shots_adapts_quickly(model_files):
    """Sanity, not a benchmark: the plugin's typical support set adapts in a blink."""
    x, y = task_features(10, 20, seed=2)
    loaded = load_model(model_files["protomaml"])
    t0 = time.perf_counter()
    clf = adapt(loaded, x, y, 10, steps=10)
    elapsed = time.perf_counter() - t0
    assert clf.predict_proba(x).shape == (200, 10)
    assert elapsed < 30  # generous: shared CI cores; typical is tens of milliseconds


def test_bad_support_is_explained(model_files):
    loaded = load_model(model_files["protomaml"])
    x, y = task_features(3, 4)
    with pytest.raises(MetaMapperError, match="no support pixels"):
        adapt(loaded, x, y, 4)
    with pytest.raises(MetaMapperError, match="two classes"):
        adapt(loaded, x[y == 0], y[y == 0], 1)
    with pytest.raises(MetaMapperError, match="expects"):
        adapt(loaded, x[:, :10], y, 3)
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(MetaMapperError, match="NaN"):
        adapt(loaded, bad, y, 3)


def test_classifier_moves_between_devices_and_accepts_numpy(model_files):
    loaded = load_model(model_files["protomaml"])
    x, y = task_features(3, 8)
    clf = adapt(loaded, x, y, 3)
    same = clf.to("cpu")
    assert torch.equal(same.predict_proba(x), clf.predict_proba(torch.from_numpy(x)))
    assert clf.predict_proba(x[:0]).shape == (0, 3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_adaptation_matches_cpu(model_files):
    loaded = load_model(model_files["metasgd"])
    x, y = task_features(4, 10)
    cpu = adapt(loaded, x, y, 4)
    gpu = adapt(loaded, x, y, 4, device="cuda")
    assert gpu.predict_proba(x).device.type == "cuda"
    torch.testing.assert_close(gpu.predict_proba(x).cpu(), cpu.predict_proba(x), atol=1e-3, rtol=0)


def test_diverging_inner_loop_keeps_the_best_parameters(tmp_path):
    """A step size far too large must not turn the classifier into NaN or garbage."""
    import torch
    from metamapper.core.adapting.adapt import adapt
    from metamapper.core.model import LoadedModel, load_model

    from tests.model_factory import make_model_file

    shipped = load_model(make_model_file(tmp_path, episodes=5))
    card = {**shipped.card, "inner_loop": {**shipped.card["inner_loop"], "lr": 1e4,
                                           "per_parameter_lr": False}}  # sure divergence
    loaded = LoadedModel(shipped.net, card, shipped.lrs)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, loaded.net.input_dim)).astype(np.float32)
    y = np.arange(60) % 3
    x[:, 0] += 3.0 * y  # separable along one feature
    clf = adapt(loaded, x, y, 3, steps=10)
    losses = clf.support_loss
    assert not np.isfinite(losses[-1]) or losses[-1] > min(losses)  # it did diverge
    proba = clf.predict_proba(torch.as_tensor(x))
    assert torch.isfinite(proba).all()
    accuracy = float((proba.argmax(1).numpy() == y).mean())
    start = adapt(loaded, x, y, 3, steps=0).predict_proba(torch.as_tensor(x))
    assert accuracy >= float((start.argmax(1).numpy() == y).mean())  # never worse than step 0


# --------------------------------------------------------------------------- band correction

CORRECTION_BM = {"kind": "resample-v1", "points": 16, "context_radius": 0, "append_bands": True}


@pytest.fixture(scope="module")
def corrected_model(tmp_path_factory):
    path = make_model_file(
        tmp_path_factory.mktemp("corr"), method="protonet", name="corr",
        band_mapping={"append_bands": True},
        band_correction={"l2": 0.1, "min_shots": 2, "max_iter": 100},
    )  # fmt: skip
    return load_model(path)


def _task_with_bands(n_classes: int, shots: int, seed: int = 3, n_bands: int = 40):
    rng = np.random.default_rng(seed)
    x, y = synthetic_task(rng, n_classes, shots, n_bands=n_bands)
    stats = BandStats.from_samples(x)
    return map_bands(x, stats, CORRECTION_BM), y


def test_band_correction_is_fitted_on_top_of_the_meta_learned_head(corrected_model):
    x, y = _task_with_bands(5, 6)
    clf = adapt(corrected_model, x, y, 5)
    assert clf.band_weight is not None and clf.band_weight.shape == (5, 40)
    d = corrected_model.net.input_dim
    base = torch.nn.functional.linear(
        clf.embed(x), clf.head_weight, clf.head_bias)  # the head alone
    full = clf.logits(x)
    ce = torch.nn.functional.cross_entropy
    yt = torch.from_numpy(y).long()
    assert float(ce(full, yt)) < float(ce(base, yt))  # the correction fits the support better
    np.testing.assert_allclose(
        (full - base).numpy(),
        (torch.from_numpy(x[:, d:]) @ clf.band_weight.T + clf.band_bias).numpy(), atol=1e-4)
    again = adapt(corrected_model, x, y, 5)
    torch.testing.assert_close(again.band_weight, clf.band_weight)  # deterministic


def test_a_fold_started_from_the_whole_supports_correction_reaches_the_same_optimum(
        corrected_model):
    """Held-out folds start L-BFGS at the whole support's (W, c): the same convex optimum
    (to the solver's tolerance) as from zero."""
    from metamapper.core.adapting import adapt as adapt_module

    x, y = _task_with_bands(5, 6, seed=7)
    whole = adapt(corrected_model, x, y, 5)
    train = np.flatnonzero(np.arange(y.size) % 6 != 0)  # one pixel per class held out
    evaluations = []
    real = adapt_module._correction_objective

    def counted(*args):
        evaluations[-1] += 1
        return real(*args)

    adapt_module._correction_objective = counted
    try:
        evaluations.append(0)
        cold = adapt(corrected_model, x[train], y[train], 5)
        evaluations.append(0)
        warm = adapt(corrected_model, x[train], y[train], 5, correction_start=whole)
    finally:
        adapt_module._correction_objective = real
    assert evaluations[0] > 0 and evaluations[1] > 0  # both solved, by the same objective
    torch.testing.assert_close(warm.band_weight, cold.band_weight, atol=2e-3, rtol=0)
    np.testing.assert_array_equal(warm.predict(x).numpy(), cold.predict(x).numpy())
    other = adapt_module.fit_band_correction(  # a start of another shape is ignored
        torch.zeros(y.size, 5), torch.from_numpy(x[:, -40:]), torch.from_numpy(y).long(), 5,
        0.1, 100, start=(torch.ones(3, 40), torch.ones(3)))
    assert other[0].shape == (5, 40)


def test_prior_scale_tempers_the_meta_learned_head_under_the_correction(corrected_model):
    """prior_scale s: logits = s * head + W z + c, W fitted with the scaled head held fixed;
    s = 0 leaves a plain L2 logistic regression on the bands."""
    import dataclasses

    x, y = _task_with_bands(4, 6, seed=5)
    plain = adapt(corrected_model, x, y, 4)

    def scaled(s: float, x=x, y=y):
        card = {**corrected_model.card,
                "band_correction": {**corrected_model.card["band_correction"], "prior_scale": s}}
        return adapt(dataclasses.replace(corrected_model, card=card), x, y, 4)

    tenth = scaled(0.1)
    torch.testing.assert_close(tenth.head_weight, plain.head_weight * 0.1)
    torch.testing.assert_close(tenth.head_bias, plain.head_bias * 0.1)
    assert not torch.allclose(tenth.band_weight, plain.band_weight)  # refitted on the new prior
    zero = scaled(0.0)
    assert float(zero.head_weight.abs().max()) == 0.0
    d = corrected_model.net.input_dim
    np.testing.assert_allclose(  # only the bands are left
        zero.logits(x).numpy(),
        (torch.from_numpy(x[:, d:]) @ zero.band_weight.T + zero.band_bias).numpy(), atol=1e-5)
    x1, y1 = _task_with_bands(4, 1)  # one shot: no correction, and the head is not scaled
    torch.testing.assert_close(scaled(0.1, x1, y1).head_weight,
                               adapt(corrected_model, x1, y1, 4).head_weight)


def test_band_correction_needs_min_shots_and_the_appended_bands(corrected_model):
    x, y = _task_with_bands(4, 1)  # one pixel per class: nothing to generalise from
    assert adapt(corrected_model, x, y, 4).band_weight is None
    x, y = _task_with_bands(4, 5)
    with pytest.raises(MetaMapperError, match="expects"):
        adapt(corrected_model, x[:, :10], y, 4)  # fewer columns than the network reads


def test_extra_columns_are_refused_without_a_band_correction(model_files):
    x, y = _task_with_bands(3, 4)
    with pytest.raises(MetaMapperError, match="expects"):
        adapt(load_model(model_files["protonet"]), x, y, 3)


def test_card_refuses_a_band_correction_without_appended_bands():
    from metamapper.core.errors import ModelFileError
    from metamapper.core.model import default_card

    with pytest.raises(ModelFileError, match="append_bands"):
        default_card(method="protonet", band_correction={"l2": 0.1})
    with pytest.raises(ModelFileError, match="l2"):
        default_card(method="protonet", band_mapping={"append_bands": True},
                     band_correction={"l2": -1})
    with pytest.raises(ModelFileError, match="prior_scale"):
        default_card(method="protonet", band_mapping={"append_bands": True},
                     band_correction={"l2": 0.1, "prior_scale": -0.5})


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
@pytest.mark.parametrize("n_bands", [6, 40])  # folded first layer / unfolded path
@pytest.mark.parametrize("mode", ["smooth", "append"])
def test_pixel_classifier_and_fused_rows_equal_the_classifier_logits(
    tmp_path, n_bands, mode, precision, monkeypatch
):
    """float32: equal to the classifier's logits; bfloat16 (the fast CPU path): the same
    classes except near-ties and logits within bfloat16 rounding."""
    from metamapper.core.mapping.band_mapping import map_tile
    from metamapper.core.mapping.tile_features import TileMapper
    from metamapper.core.predicting import predict

    bm = {"context_radius": 1, "context_mode": mode, "append_bands": True}
    loaded = load_model(make_model_file(
        tmp_path, method="protonet", name="pc", episodes=5, band_mapping=bm,
        architecture={"hidden": [32, 24], "embedding_dim": 16},
        band_correction={"l2": 0.1, "min_shots": 2}))
    card_bm = loaded.card["band_mapping"]
    rng = np.random.default_rng(0)
    tile = rng.uniform(100, 5000, size=(n_bands, 20, 30)).astype(np.float32)
    valid = np.ones((20, 30), bool)
    stats = BandStats.from_samples(tile.reshape(n_bands, -1).T)
    feats = map_tile(tile, valid, stats, card_bm).reshape(-1, 600).T  # (600, D + B)
    y = np.arange(600) % 3
    clf = adapt(loaded, feats[:60], y[:60], 3)
    assert clf.band_weight is not None
    ref = clf.logits(feats)
    monkeypatch.setenv("METAMAPPER_PRECISION", precision)
    predict.cpu_bfloat16_is_faster.cache_clear()
    try:
        mapper = TileMapper(stats, card_bm)
        pc = predict.PixelClassifier(clf, mapper)
        assert (pc.folded is not None) == (n_bands == 6)
        cols = [pc(c, x) for c, x in mapper.iter_pixel_chunks(tile, valid, np.arange(600), 256)]
        rows = predict.fused_logits(clf)(torch.from_numpy(feats))
    finally:
        predict.cpu_bfloat16_is_faster.cache_clear()
    got = torch.cat(cols, dim=1).T
    if precision == "fp32":
        torch.testing.assert_close(got, ref, rtol=1e-4, atol=2e-3)
        torch.testing.assert_close(rows, ref, rtol=1e-4, atol=2e-3)
        return
    spread = float(ref.abs().max())
    assert float((got - ref).abs().max()) < 0.05 * spread
    assert float((got.argmax(1) == ref.argmax(1)).float().mean()) >= 0.97


def _with_correction(model, **values):
    import dataclasses

    card = {**model.card, "band_correction": {**model.card["band_correction"], **values}}
    return dataclasses.replace(model, card=card)


def test_a_blend_of_prior_scales_is_the_mean_of_each_scales_logits(corrected_model):
    """combine 'blend': the correction fitted under every candidate scale, logits averaged,
    which is again one linear head (s, W, c averaged), so every later stage is unchanged."""
    x, y = _task_with_bands(4, 5, seed=11)
    low = adapt(_with_correction(corrected_model, prior_scale=0.1), x, y, 4)
    high = adapt(_with_correction(corrected_model, prior_scale=1.0), x, y, 4)
    both = adapt(_with_correction(corrected_model, prior_scale=[0.1, 1.0], combine="blend"),
                 x, y, 4)
    torch.testing.assert_close(both.logits(x), (low.logits(x) + high.logits(x)) / 2,
                               atol=1e-4, rtol=0)
    torch.testing.assert_close(both.head_weight, high.head_weight * 0.55)


def test_folds_pick_the_prior_scale_with_the_lowest_held_out_loss(corrected_model):
    """combine 'folds': each candidate scored by a reference written out here of its
    held-out cross-entropy over 5 folds, pixels dealt round-robin per class (prototypes
    and correction refitted); the choice is recorded, and a held-out fold of this support
    started from it keeps it instead of choosing again."""
    import torch.nn.functional as F
    from metamapper.core.adapting.adapt import fit_band_correction, prototype_head, prototypes

    x, y = _task_with_bands(3, 7, seed=2, n_bands=12)  # 7 pixels a class: 5 folds
    scales = [0.0, 0.3, 3.0]
    model = _with_correction(corrected_model, prior_scale=scales, combine="folds")
    clf = adapt(model, x, y, 3)
    d = corrected_model.net.input_dim
    emb = adapt(corrected_model, x, y, 3).embed(x)
    z, yt = torch.from_numpy(x[:, d:]).float(), torch.from_numpy(y).long()
    rank = np.zeros(y.size, np.int64)
    for k in range(3):
        rank[y == k] = np.arange((y == k).sum()) % 5
    losses = []
    for s in scales:
        total = 0.0
        for f in range(5):
            tr, te = rank != f, rank == f
            hw, hb = prototype_head(prototypes(emb[tr], yt[tr], 3))
            base = F.linear(emb, hw, hb) * s
            w, c = fit_band_correction(base[tr], z[tr], yt[tr], 3, 0.1, 100)
            total += float(F.cross_entropy(base[te] + z[te] @ w.T + c, yt[te], reduction="sum"))
        losses.append(total)
    best = scales[int(np.argmin(losses))]
    whole = adapt(_with_correction(corrected_model, prior_scale=best), x, y, 3)
    torch.testing.assert_close(clf.head_weight, whole.head_weight)
    torch.testing.assert_close(clf.logits(x), whole.logits(x), atol=1e-4, rtol=0)
    assert len(set(np.round(losses, 3))) == 3  # the candidates really differ
    assert clf.prior_scale == best
    train = np.flatnonzero(np.arange(y.size) % 7 != 0)
    fold = adapt(model, x[train], y[train], 3, correction_start=clf)
    assert fold.prior_scale == best


def test_folds_keep_labelled_features_together_and_blend_without_any(corrected_model):
    """Groups: a polygon's pixels leave together; one feature per class leaves no fold that
    keeps every class, so the candidates are blended."""
    from metamapper.core.adapting.adapt import feature_folds

    y = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
    folds = feature_folds(y, np.array([7, 7, 8, 8, 3, 3, 3, 4]), 5)
    assert folds.tolist() == [0, 0, 1, 1, 0, 0, 0, 1]
    assert feature_folds(y, None, 3).tolist() == [0, 1, 2, 0, 0, 1, 2, 0]
    x, yy = _task_with_bands(3, 4, seed=4, n_bands=12)
    one_each = np.asarray(yy)  # every class a single polygon
    folds_card = _with_correction(corrected_model, prior_scale=[0.1, 1.0], combine="folds")
    blend_card = _with_correction(corrected_model, prior_scale=[0.1, 1.0], combine="blend")
    picked = adapt(folds_card, x, yy, 3, groups=one_each)
    blended = adapt(blend_card, x, yy, 3)
    assert picked.prior_scale == 0.55
    torch.testing.assert_close(picked.logits(x), blended.logits(x), atol=1e-5, rtol=0)


def test_a_card_with_a_bad_prior_scale_list_or_combine_is_refused(tmp_path):
    for corr in ({"l2": 0.1, "prior_scale": []}, {"l2": 0.1, "prior_scale": [0.1, 11]},
                 {"l2": 0.1, "prior_scale": [0.1, 1.0], "combine": "vote"}):
        with pytest.raises(MetaMapperError, match="prior_scale"):
            load_model(make_model_file(tmp_path, method="protonet", name="bad",
                                       band_mapping={"append_bands": True},
                                       band_correction=corr))


@pytest.mark.parametrize("soft", [False, True])
def test_correction_objective_matches_torch_autograd(soft):
    """The NumPy objective of the band correction gives the loss and gradient that torch's
    log-softmax cross-entropy + L2 and autograd give (hard and soft labels)."""
    from metamapper.core.adapting.adapt import _correction_objective

    rng = np.random.default_rng(3)
    n, c, b, l2 = 40, 4, 6, 0.05
    base = rng.normal(size=(n, c)) * 3.0
    z = rng.normal(size=(n, b))
    target = (rng.dirichlet(np.ones(c), size=n) if soft
              else np.eye(c)[rng.integers(0, c, n)])
    theta = rng.normal(size=c * b + c) * 0.5
    loss, grad = _correction_objective(theta, base, z, target, l2, (c, b))
    t = torch.tensor(theta, requires_grad=True)
    w, bias = t[:c * b].reshape(c, b), t[c * b:]
    logp = torch.log_softmax(torch.from_numpy(base) + torch.from_numpy(z) @ w.T + bias, dim=1)
    ref = -(torch.from_numpy(target) * logp).sum() / n + l2 * (w * w).sum()
    ref.backward()
    assert loss == pytest.approx(float(ref.detach()), rel=1e-12)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert theta.shape == grad.shape and np.isfinite(grad).all()
