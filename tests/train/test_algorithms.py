"""One meta-training step per algorithm, and train/run equivalence with core.adapting.adapt."""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("learn2learn", reason="training extra not installed (make install-train)")

from metamapper.core.adapting.adapt import adapt  # noqa: E402
from metamapper.core.model import load_model, new_model, save_model  # noqa: E402
from metamapper.training.metatrain.algorithms import METHODS, MetaLearner  # noqa: E402
from metamapper.training.metatrain.train import TrainConfig, as_loaded, make_card  # noqa: E402


def tiny_task(seed: int, n: int = 3, k: int = 4, q: int = 6, d: int = 32):
    """Gaussian blobs in feature space: a task any method can improve on."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(n, d, generator=g) * 1.5
    def draw(m):
        y = torch.arange(n).repeat_interleave(m)
        return centres[y] + torch.randn(len(y), d, generator=g), y
    xs, ys = draw(k)
    xq, yq = draw(q)
    return xs, ys, xq, yq, n


def small_cfg() -> TrainConfig:
    return TrainConfig(hidden=(16,), embedding_dim=8, inner_steps=2, inner_lr=0.1)


def make_learner(method: str) -> MetaLearner:
    cfg = small_cfg()
    card = make_card(method, cfg, cfg.inner_lr)
    torch.manual_seed(0)
    return MetaLearner(method, new_model(card, seed=0), cfg.inner_steps, cfg.inner_lr)


@pytest.mark.parametrize("method", METHODS)
def test_one_meta_step_changes_weights_and_lowers_loss(method):
    learner = make_learner(method)
    before = {k: v.clone() for k, v in learner.net.state_dict().items()}
    opt = torch.optim.Adam(learner.parameters(), lr=1e-2)
    tasks = [tiny_task(s) for s in range(4)]

    def meta_loss():
        return sum(learner.task_loss(*t)[0] for t in tasks) / len(tasks)

    first = meta_loss()
    for _ in range(5):
        opt.zero_grad()
        loss = meta_loss()
        assert torch.isfinite(loss)
        loss.backward()
        grads = [p.grad for p in learner.net.parameters()]
        assert all(g is not None and torch.isfinite(g).all() for g in grads)
        opt.step()
    assert float(meta_loss()) < float(first)
    after = learner.net.state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    if method == "metasgd":
        lrs = learner.export_lrs()
        assert "lrs.head" in lrs and lrs["lrs.head"].numel() == 1
        assert any(float((v - 0.1).abs().max()) > 0 for k, v in lrs.items())


@pytest.mark.parametrize("method", METHODS)
def test_trained_inner_loop_is_what_core_adapt_runs(method, tmp_path):
    """The learn2learn inner loop used in training == core.adapting.adapt on the saved file."""
    learner = make_learner(method)
    opt = torch.optim.SGD(learner.parameters(), lr=0.05)
    opt.zero_grad()
    learner.task_loss(*tiny_task(1))[0].backward()
    opt.step()  # Meta-SGD step sizes move away from their initial value too
    cfg = small_cfg()
    card = make_card(method, cfg, cfg.inner_lr)
    path = save_model(tmp_path / "m.pt", learner.net, card, learner.export_lrs() or None)
    xs, ys, xq, _, n = tiny_task(5)
    expected = learner.adapted(xs, ys, n)(xq).detach()
    for loaded in (load_model(path), as_loaded(learner, card)):
        clf = adapt(loaded, xs.numpy(), ys.numpy(), n, transductive=False)
        got = clf.logits(xq)
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="Unknown method"):
        MetaLearner("reptile", new_model(make_card("protonet", small_cfg(), 0.1)), 1, 0.1)


def test_correction_loss_is_the_run_time_classifiers_and_trains_the_network(tmp_path):
    """With ``correction``, the episode loss is the cross-entropy of what core.adapting.adapt runs
    (scaled head + band correction on the appended bands), and its gradient reaches the
    network (first order: through the head, the correction held fixed)."""
    import torch.nn.functional as F

    correction = {"l2": 0.05, "prior_scale": 0.1, "min_shots": 1, "max_iter": 100}
    cfg = small_cfg()
    card = make_card("protonet", cfg, cfg.inner_lr)
    card["band_mapping"] = {**card["band_mapping"], "append_bands": True}
    card["band_correction"] = dict(correction)
    torch.manual_seed(0)
    learner = MetaLearner("protonet", new_model(card, seed=0), 0, cfg.inner_lr,
                          correction=correction)
    xs, ys, xq, yq, n = tiny_task(2)
    bands_s, bands_q = torch.randn(xs.shape[0], 7), torch.randn(xq.shape[0], 7)
    xs_b, xq_b = torch.cat([xs, bands_s], 1), torch.cat([xq, bands_q], 1)
    loss, _ = learner.task_loss(xs_b, ys, xq_b, yq, n)
    clf = adapt(as_loaded(learner, card), xs_b.numpy(), ys.numpy(), n, transductive=False)
    assert clf.band_weight is not None
    torch.testing.assert_close(loss.detach(), F.cross_entropy(clf.logits(xq_b), yq),
                               rtol=1e-4, atol=1e-4)
    loss.backward()
    assert all(p.grad is not None and float(p.grad.abs().sum()) > 0
               for p in learner.net.parameters())
    plain = MetaLearner("protonet", learner.net, 0, cfg.inner_lr)  # no correction: head only
    head_only, _ = plain.task_loss(xs_b, ys, xq_b, yq, n)
    torch.testing.assert_close(head_only, plain.task_loss(xs, ys, xq, yq, n)[0])
