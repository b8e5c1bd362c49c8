"""Our torch-only inner loop reproduces learn2learn's MAML / MetaSGD adaptation exactly.

Meta-training uses learn2learn; the plugin adapts with ``core.adapting.adapt`` and torch alone. The
model is only worth shipping if both compute the same adapted weights, so this compares
them on the same network, prototype-initialised head and support set. Runs in the
training environment only (``.venv-train``); skipped where learn2learn is absent.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

l2l = pytest.importorskip("learn2learn")

from metamapper.core.adapting.adapt import (  # noqa: E402
    HEAD_B,
    HEAD_W,
    adapt,
    inner_loop,
    prototype_head,
    prototypes,
)
from metamapper.core.mapping.band_mapping import BandStats, map_bands  # noqa: E402
from metamapper.core.model import HEAD_LR_KEY, LRS_PREFIX, load_model  # noqa: E402

from tests.model_factory import make_model_file, synthetic_task  # noqa: E402

pytestmark = pytest.mark.learn2learn
STEPS = 3
ATOL, RTOL = 1e-6, 1e-5


class Composite(nn.Module):
    """FewShotNet + linear head as one module, the way meta-training wraps it."""

    def __init__(self, body: nn.Module, head: nn.Linear) -> None:
        super().__init__()
        self.body = body
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def support_set(n_classes: int = 4, shots: int = 6, seed: int = 3):
    x, y = synthetic_task(np.random.default_rng(seed), n_classes, shots, n_bands=7)
    f = map_bands(x, BandStats.from_samples(x), {"kind": "resample-v1", "points": 16})
    return torch.from_numpy(f), torch.from_numpy(y).long()


def prototype_linear(net: nn.Module, x: torch.Tensor, y: torch.Tensor, n: int) -> nn.Linear:
    with torch.no_grad():
        w, b = prototype_head(prototypes(net(x), y, n))
    head = nn.Linear(w.shape[1], n)
    with torch.no_grad():
        head.weight.copy_(w)
        head.bias.copy_(b)
    return head


def composite_for(loaded, x, y, n) -> Composite:
    body = copy.deepcopy(loaded.net)
    return Composite(body, prototype_linear(body, x, y, n))


def assert_same(clf, module: Composite) -> None:
    for name, p in module.body.named_parameters():
        torch.testing.assert_close(clf.params[name], p.detach(), atol=ATOL, rtol=RTOL)
    torch.testing.assert_close(clf.head_weight, module.head.weight.detach(), atol=ATOL, rtol=RTOL)
    torch.testing.assert_close(clf.head_bias, module.head.bias.detach(), atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("method", ["protomaml", "maml", "fomaml"])
def test_maml_adapt_equals_learn2learn(tmp_path, method):
    loaded = load_model(make_model_file(tmp_path, method=method, episodes=5))
    x, y = support_set()
    lr = float(loaded.card["inner_loop"]["lr"])
    ours = adapt(loaded, x, y, 4, steps=STEPS)
    maml = l2l.algorithms.MAML(
        composite_for(loaded, x, y, 4), lr=lr, first_order=loaded.card["inner_loop"]["first_order"]
    )
    learner = maml.clone()
    for _ in range(STEPS):
        learner.adapt(F.cross_entropy(learner(x), y))
    assert_same(ours, learner.module)
    # and the adaptation really moved the weights (the comparison is not vacuous)
    start = composite_for(loaded, x, y, 4)
    assert not torch.allclose(start.head.weight, learner.module.head.weight)


def test_metasgd_adapt_equals_learn2learn(tmp_path):
    loaded = load_model(make_model_file(tmp_path, method="metasgd", episodes=5))
    # give every parameter distinct step sizes so a mix-up of names would show
    gen = torch.Generator().manual_seed(0)
    for key in list(loaded.lrs):
        loaded.lrs[key] = 0.01 + 0.1 * torch.rand(loaded.lrs[key].shape, generator=gen)
    x, y = support_set()
    ours = adapt(loaded, x, y, 4, steps=STEPS)
    module = composite_for(loaded, x, y, 4)
    meta = l2l.algorithms.MetaSGD(module, lr=1.0, first_order=False)
    names = [n for n, _ in module.named_parameters()]
    with torch.no_grad():
        for name, lr in zip(names, meta.lrs):
            if name.startswith("body."):
                lr.copy_(loaded.lrs[LRS_PREFIX + name[len("body.") :]])
            else:
                lr.fill_(float(loaded.lrs[HEAD_LR_KEY]))
    learner = meta.clone()
    for _ in range(STEPS):
        learner.adapt(F.cross_entropy(learner(x), y))
    assert_same(ours, learner.module)


def test_anil_adapt_equals_learn2learn_head_only(tmp_path):
    loaded = load_model(make_model_file(tmp_path, method="anil", episodes=5))
    x, y = support_set()
    lr = float(loaded.card["inner_loop"]["lr"])
    ours = adapt(loaded, x, y, 4, steps=STEPS)
    body = copy.deepcopy(loaded.net)
    head = l2l.algorithms.MAML(prototype_linear(body, x, y, 4), lr=lr)
    learner = head.clone()
    features = body(x)
    for _ in range(STEPS):
        learner.adapt(F.cross_entropy(learner(features), y))
    torch.testing.assert_close(
        ours.head_weight, learner.module.weight.detach(), atol=ATOL, rtol=RTOL
    )
    torch.testing.assert_close(ours.head_bias, learner.module.bias.detach(), atol=ATOL, rtol=RTOL)


def test_second_order_meta_gradients_equal_learn2learn(tmp_path):
    """inner_loop(create_graph=True) gives the same meta-gradients as MAML(first_order=False)."""
    loaded = load_model(make_model_file(tmp_path, method="maml", episodes=5))
    x, y = support_set()
    xq, yq = support_set(seed=4)
    lr = 0.05

    ours_net = copy.deepcopy(loaded.net)
    head = prototype_linear(ours_net, x, y, 4)
    params = {**dict(ours_net.named_parameters()), HEAD_W: head.weight, HEAD_B: head.bias}
    out = inner_loop(ours_net, params, x, y, STEPS, lr, create_graph=True)
    q = F.linear(ours_net.functional_forward(out, xq), out[HEAD_W], out[HEAD_B])
    F.cross_entropy(q, yq).backward()

    module = Composite(copy.deepcopy(loaded.net), prototype_linear(loaded.net, x, y, 4))
    learner = l2l.algorithms.MAML(module, lr=lr, first_order=False).clone()
    for _ in range(STEPS):
        learner.adapt(F.cross_entropy(learner(x), y))
    F.cross_entropy(learner(xq), yq).backward()

    for (name, p), (_, r) in zip(ours_net.named_parameters(), module.body.named_parameters()):
        torch.testing.assert_close(p.grad, r.grad, atol=1e-5, rtol=1e-4, msg=name)
    torch.testing.assert_close(head.weight.grad, module.head.weight.grad, atol=1e-5, rtol=1e-4)
