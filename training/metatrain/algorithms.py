"""The meta-learning algorithms compared, built on learn2learn, with the plugin's head.

Every method shares FewShotNet and the Proto-MAML head of ``core.adapting.adapt``: per task the
head starts from the support prototypes (W = 2p, b = -|p|^2), so any number of classes
works. learn2learn does the inner loop:

* ``protomaml``: ``l2l.algorithms.MAML`` (second order) over backbone + head;
* ``fomaml``: the same, first order;
* ``metasgd``: ``l2l.algorithms.MetaSGD`` with per-parameter step sizes for the backbone
  and one shared scalar for the head (the model file's ``lrs.head``);
* ``anil``: ``l2l.algorithms.MAML`` over the head only (the backbone learns in the outer
  loop only);
* ``protonet``: no inner loop, prototype head only.

The learner's head is a placeholder ``nn.Linear(1, 1)`` whose parameters are replaced,
per task, by the (differentiable) prototype head; learn2learn's update then adapts them
like any parameter. ``tests/train/test_algorithms.py`` checks that the adapted model equals
what ``core.adapting.adapt.adapt`` computes from the exported model file.
"""

from __future__ import annotations

from typing import Dict, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...core.adapting.adapt import fit_band_correction, prototype_head, prototypes
from ...core.model import HEAD_LR_KEY, LRS_PREFIX, FewShotNet
from ...core.settings import CorrectionSettings

METHODS = ("protomaml", "fomaml", "metasgd", "anil", "protonet")


def _l2l():
    import learn2learn as l2l  # imported lazily: heavy, and only the training extra has it

    return l2l


class ProtoHeadLearner(nn.Module):
    """FewShotNet + a linear head set per task from prototypes."""

    def __init__(self, net: FewShotNet) -> None:
        super().__init__()
        self.net = net
        self.head = nn.Linear(1, 1)  # placeholder: replaced by set_head() in every task

    def set_head(self, weight: Tensor, bias: Tensor) -> None:
        # learn2learn's update writes into _parameters the same way (non-leaf tensors).
        self.head._parameters["weight"] = weight
        self.head._parameters["bias"] = bias

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(self.net(x), self.head.weight, self.head.bias)


class HeadOnly(nn.Module):
    """ANIL's adapted part: the linear head on fixed embeddings."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(1, 1)

    def set_head(self, weight: Tensor, bias: Tensor) -> None:
        self.head._parameters["weight"] = weight
        self.head._parameters["bias"] = bias

    def forward(self, emb: Tensor) -> Tensor:
        return F.linear(emb, self.head.weight, self.head.bias)


class MetaLearner(nn.Module):
    """One algorithm: ``task_loss`` gives the query loss/accuracy after adaptation."""

    def __init__(self, method: str, net: FewShotNet, steps: int, lr: float,
                 correction: dict | None = None) -> None:
        super().__init__()
        if method not in METHODS:
            raise ValueError(f"Unknown method {method!r}; choose one of {METHODS}.")
        self.method, self.steps, self.lr = method, int(steps), float(lr)
        self.net = net
        #: the card's ``band_correction`` (read into CorrectionSettings) when the episodes
        #: carry the standardised bands after the network's input (``append_bands``): the
        #: query loss is then that of the classifier the plugin runs, scaled head + band
        #: correction (``task_loss``)
        self.correction = CorrectionSettings.from_card(correction)
        l2l = _l2l()
        if method in ("protomaml", "fomaml"):
            self.algo = l2l.algorithms.MAML(
                ProtoHeadLearner(net), lr=lr, first_order=(method == "fomaml")
            )
        elif method == "metasgd":
            algo = l2l.algorithms.MetaSGD(ProtoHeadLearner(net), lr=lr, first_order=False)
            head_lr = nn.Parameter(torch.tensor(float(lr)))
            names = [n for n, _ in algo.module.named_parameters()]
            for i, name in enumerate(names):
                if name.startswith("head."):
                    algo.lrs[i] = head_lr  # one shared scalar, as the model file stores it
            self.algo = algo
        elif method == "anil":
            self.algo = l2l.algorithms.MAML(HeadOnly(), lr=lr, first_order=False)
        else:
            self.algo = None

    # ------------------------------------------------------------------ per task
    def adapted(self, xs: Tensor, ys: Tensor, n_classes: int):
        """Adapt to a support set; returns a callable x -> logits."""
        if self.method == "protonet":
            w, b = prototype_head(prototypes(self.net(xs), ys, n_classes))
            return lambda x: F.linear(self.net(x), w, b)
        learner = self.algo.clone()
        if self.method == "anil":
            emb_s = self.net(xs)
            w0, b0 = prototype_head(prototypes(emb_s, ys, n_classes))
            self._adapt_head(learner, w0, b0, lambda: F.cross_entropy(learner(emb_s), ys))
            return lambda x: learner(self.net(x))
        w0, b0 = prototype_head(prototypes(learner.module.net(xs), ys, n_classes))
        self._adapt_head(learner, w0, b0, lambda: F.cross_entropy(learner(xs), ys))
        return learner

    def _adapt_head(self, learner, w0: Tensor, b0: Tensor, support_loss) -> None:
        """Inner loop from the prototype head, as core.adapting.adapt runs it.

        core.adapting.adapt builds the head from prototypes and then treats it as free parameters,
        so inner-loop gradients do not flow through the prototypes. We adapt from a
        detached copy and add the (zero-valued) difference back afterwards, so the outer
        loss still back-propagates into the prototype initialisation (Proto-MAML).
        """
        learner.module.set_head(w0.detach().requires_grad_(), b0.detach().requires_grad_())
        for _ in range(self.steps):
            learner.adapt(support_loss())
        head = learner.module.head
        learner.module.set_head(head.weight + (w0 - w0.detach()), head.bias + (b0 - b0.detach()))

    def task_loss(
        self, xs: Tensor, ys: Tensor, xq: Tensor, yq: Tensor, n_classes: int
    ) -> Tuple[Tensor, float]:
        """Query cross-entropy and accuracy after adaptation to the support.

        With :attr:`correction` and band columns after the network's input, the logits are
        those ``core.adapting.adapt`` gives at run time: ``s * head + W z + c``, with (W, c) fitted
        on the support by ``fit_band_correction`` (held fixed: a first-order meta-gradient,
        as FOMAML treats its inner loop), so the network learns what the linear correction
        on the bands cannot do instead of what it already does.
        """
        d = self.net.input_dim
        model = self.adapted(xs[:, :d], ys, n_classes)
        if self.correction is not None and xs.shape[1] > d:
            scales = self.correction.prior_scales
            if len(scales) != 1:  # a per-task choice is a run-time setting, not a recipe
                raise ValueError("meta-training with the band correction takes one "
                                 f"prior_scale, not {scales}")
            scale = scales[0]
            with torch.no_grad():
                base = scale * model(xs[:, :d])
            w, c = fit_band_correction(base, xs[:, d:], ys, n_classes,
                                       self.correction.l2, self.correction.max_iter)
            logits = scale * model(xq[:, :d]) + F.linear(xq[:, d:], w, c)
        else:
            logits = model(xq[:, :d])
        acc = float((logits.argmax(1) == yq).float().mean())
        return F.cross_entropy(logits, yq), acc

    # ------------------------------------------------------------------ export
    def export_lrs(self) -> Dict[str, Tensor]:
        """Meta-SGD step sizes as the model file stores them (``lrs.<param>``, ``lrs.head``)."""
        if self.method != "metasgd":
            return {}
        out: Dict[str, Tensor] = {}
        for (name, _), lr in zip(self.algo.module.named_parameters(), self.algo.lrs):
            if name.startswith("head."):
                out[HEAD_LR_KEY] = lr.detach().reshape(1).clone()
            else:
                out[LRS_PREFIX + name[len("net."):]] = lr.detach().clone()
        return out
