"""The inner loop the meta-training learned: support pixels -> a classifier for this region.

Every method ends in the same form, a linear head on the network's embeddings:

* ``protonet``: head from class prototypes (W = 2p, b = -|p|^2, i.e. logits equal minus the
  squared distance up to a per-pixel constant), no gradient steps.
* ``protomaml`` / ``maml`` / ``fomaml`` / ``metasgd``: the same prototype head as the start
  (so any number of classes works), then ``steps`` of plain SGD on the support
  cross-entropy over backbone + head: ``p <- p - lr * grad`` with scalar ``lr`` or Meta-SGD
  per-parameter step sizes. This is exactly learn2learn's ``MAML.adapt`` /
  ``MetaSGD.adapt`` (first order only changes meta-gradients, not adapted values).
* ``anil``: as above, head only.

Band correction (card section ``band_correction``, with ``band_mapping.append_bands``): the
classifier input then ends with the B standardised bands, and a linear correction
``logits += W z + c`` is fitted on the support by L-BFGS with an L2 penalty on ``W``, the
meta-learned head held fixed as the prior. With few labels the penalty keeps the prototype
decision; with more it adds what the P-point band mapping cannot carry (the fine spectral
differences of a 204-band cube). Skipped when a class has fewer than ``min_shots`` pixels.
``prior_scale`` multiplies the head's logits first (a temperature of the prior): on real
scenes the prototype logits are over-confident, and at 0.1 the correction can overrule a
wrong prior where the bands disagree (chosen on real-scene episodes, docs/metatraining.md).

Transductive option (Ren et al. 2018, soft k-means): the region's unlabelled embeddings
refine the class prototypes before the head is built. Off by default (card
``soft_kmeans_iters: 0``): with a model not meta-trained for it, it lowered Salinas-A
5-shot accuracy from 0.83 to 0.78 (1 iteration), so a card must opt in after measuring.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import InputError, LabelError
from ..messages import msg
from ..model import HEAD_LR_KEY, LRS_PREFIX, FewShotNet, LoadedModel
from ..settings import CorrectionSettings

HEAD_W = "head.weight"
HEAD_B = "head.bias"
LrSpec = Union[float, Dict[str, Union[float, Tensor]]]


@dataclass
class AdaptedClassifier:
    """Adapted embedding parameters + linear head; predicts class probabilities in batches."""

    net: FewShotNet
    params: Dict[str, Tensor]  # backbone parameters (adapted or initial), on device
    head_weight: Tensor  # (N, E)
    head_bias: Tensor  # (N,)
    device: torch.device
    method: str
    steps: int
    batch_size: int = 65536
    support_loss: List[float] = field(default_factory=list)  # before each step + after last
    band_weight: Tensor | None = None  # (N, B) band correction on the standardised bands
    band_bias: Tensor | None = None  # (N,)
    prior_scale: float | None = None  # the head's scale under the correction (per task)

    @property
    def n_classes(self) -> int:
        return int(self.head_weight.shape[0])

    def to(self, device: str | torch.device) -> AdaptedClassifier:
        """A copy with its tensors on ``device`` (e.g. CPU fallback after a CUDA OOM)."""
        dev = torch.device(device)
        return replace(
            self,
            params={k: v.to(dev) for k, v in self.params.items()},
            head_weight=self.head_weight.to(dev),
            head_bias=self.head_bias.to(dev),
            band_weight=None if self.band_weight is None else self.band_weight.to(dev),
            band_bias=None if self.band_bias is None else self.band_bias.to(dev),
            device=dev,
        )

    @property
    def input_dim(self) -> int:
        """Columns the network reads; any further columns are the standardised bands."""
        return int(self.net.input_dim)

    def _as_tensor(self, x: Union[Tensor, np.ndarray]) -> Tensor:
        return torch.as_tensor(x, dtype=torch.float32).to(self.device)

    @torch.no_grad()
    def embed(self, x: Union[Tensor, np.ndarray]) -> Tensor:
        x = self._as_tensor(x)
        parts = [
            self.net.functional_forward(self.params, x[i : i + self.batch_size, : self.input_dim])
            for i in range(0, x.shape[0], self.batch_size)
        ]
        return torch.cat(parts) if parts else x.new_zeros((0, self.head_weight.shape[1]))

    @torch.no_grad()
    def logits(self, x: Union[Tensor, np.ndarray]) -> Tensor:
        x = self._as_tensor(x)
        out = []
        d = self.input_dim
        for i in range(0, x.shape[0], self.batch_size):
            xb = x[i : i + self.batch_size]
            emb = self.net.functional_forward(self.params, xb[:, :d])
            logits = F.linear(emb, self.head_weight, self.head_bias)
            if self.band_weight is not None:
                if xb.shape[1] != d + self.band_weight.shape[1]:
                    raise InputError(
                        msg(
                            "This classifier corrects with {band_weight_shape_item} bands; "
                            "give features with {value} columns.",
                            band_weight_shape_item=self.band_weight.shape[1],
                            value=d + self.band_weight.shape[1],
                        )
                    )
                logits = logits + F.linear(xb[:, d:], self.band_weight, self.band_bias)
            out.append(logits)
        return torch.cat(out) if out else x.new_zeros((0, self.n_classes))

    @torch.no_grad()
    def predict_proba(self, x: Union[Tensor, np.ndarray]) -> Tensor:
        """(n, D) features -> (n, N) class probabilities on this classifier's device."""
        return torch.softmax(self.logits(x), dim=1)

    @torch.no_grad()
    def predict(self, x: Union[Tensor, np.ndarray]) -> Tensor:
        return self.logits(x).argmax(dim=1)


# --------------------------------------------------------------------------- building blocks


def prototypes(emb: Tensor, y: Tensor, n_classes: int) -> Tensor:
    """Class means of embeddings, (N, E)."""
    one_hot = F.one_hot(y, n_classes).to(emb.dtype)  # (n, N)
    counts = one_hot.sum(dim=0).clamp_min(1.0)
    return (one_hot.t() @ emb) / counts[:, None]


def soft_kmeans(
    protos: Tensor, support_emb: Tensor, y: Tensor, unlabelled_emb: Tensor, iters: int
) -> Tensor:
    """Refine prototypes with unlabelled embeddings (Ren et al. 2018, soft k-means).

    Each iteration assigns every unlabelled embedding softly to the classes by
    ``softmax(-squared distance)`` and recomputes each prototype as the weighted mean of
    its support embeddings (weight 1) and the unlabelled ones (weight = assignment).
    """
    n_classes = protos.shape[0]
    one_hot = F.one_hot(y, n_classes).to(protos.dtype)
    sup_sum = one_hot.t() @ support_emb
    sup_cnt = one_hot.sum(dim=0)
    for _ in range(iters):
        d2 = torch.cdist(unlabelled_emb, protos).pow(2)
        z = torch.softmax(-d2, dim=1)  # (m, N)
        protos = (sup_sum + z.t() @ unlabelled_emb) / (sup_cnt + z.sum(dim=0))[:, None]
    return protos


def prototype_head(protos: Tensor) -> tuple:
    """Linear head equivalent to a nearest-prototype classifier (Proto-MAML init)."""
    return 2.0 * protos, -(protos * protos).sum(dim=1)


def _lr_for(name: str, lrs: LrSpec) -> Union[float, Tensor]:
    if not isinstance(lrs, dict):
        return float(lrs)
    if name in lrs:
        return lrs[name]
    if name.startswith("head.") and "head" in lrs:
        return lrs["head"]
    raise KeyError(f"No inner-loop step size for parameter {name!r}.")


def inner_loop(
    net: FewShotNet,
    params: Dict[str, Tensor],
    x: Tensor,
    y: Tensor,
    steps: int,
    lrs: LrSpec,
    adapt_names: Sequence[str] | None = None,
    create_graph: bool = False,
    losses: List[float] | None = None,
    keep_best: bool = False,
) -> Dict[str, Tensor]:
    """``steps`` SGD steps ``p <- p - lr * grad`` on the support cross-entropy.

    ``params`` holds the backbone parameters (names as in ``net.named_parameters()``) and
    ``head.weight`` / ``head.bias``. ``lrs`` is one float or a dict name -> float/tensor
    (``"head"`` covers both head tensors). Only ``adapt_names`` (default: all) change.
    With ``create_graph=True`` the result stays differentiable w.r.t. the initial params
    (second-order MAML); otherwise every step works on detached leaves, with the same values.
    Returns a new dict; ``losses`` (if given) receives the loss before each step and after.
    ``keep_best`` (run time only, not with ``create_graph``) returns the parameters with the
    lowest support loss seen, a guard against an inner loop that diverges on an unusual
    support set; when the loss decreases, as it normally does, the result is unchanged.
    """
    keep_best = keep_best and not create_graph
    if keep_best and losses is None:
        losses = []
    names = list(params) if adapt_names is None else list(adapt_names)
    backbone_fixed = not any(n not in (HEAD_W, HEAD_B) for n in names)
    params = dict(params)
    if not create_graph:
        params = {k: v.detach().requires_grad_(k in names) for k, v in params.items()}
    fixed_emb = net.functional_forward(params, x) if backbone_fixed else None

    def loss_of(p: Dict[str, Tensor]) -> Tensor:
        emb = fixed_emb if fixed_emb is not None else net.functional_forward(p, x)
        return F.cross_entropy(F.linear(emb, p[HEAD_W], p[HEAD_B]), y)

    best: tuple[float, Dict[str, Tensor]] | None = None
    for _ in range(int(steps)):
        loss = loss_of(params)
        value = float(loss.detach())
        if losses is not None:
            losses.append(value)
        if keep_best and (best is None or value < best[0]):
            best = (value, params)
        grads = torch.autograd.grad(
            loss, [params[n] for n in names], create_graph=create_graph, allow_unused=True
        )
        new = dict(params)
        for n, g in zip(names, grads):
            if g is None:
                continue
            updated = params[n] - _lr_for(n, lrs) * g
            new[n] = updated if create_graph else updated.detach().requires_grad_(True)
        params = new
    if losses is not None:
        with torch.no_grad():
            losses.append(float(loss_of(params)))
        final_loss = losses[-1]
        if keep_best and best is not None and not (final_loss <= best[0]):  # NaN-safe
            return best[1]
    return params


# --------------------------------------------------------------------------- adapt


def fit_band_correction(
    base_logits: Tensor, bands: Tensor, y: Tensor, n_classes: int, l2: float,
    max_iter: int = 100, start: tuple[Tensor, Tensor] | None = None,
) -> tuple[Tensor, Tensor]:
    """(W (N, B), c (N,)) minimising CE(base + W z + c) + l2 |W|^2 on the support.

    Convex (strictly, in W), solved by L-BFGS in float64 with the analytic gradient
    (:mod:`.lbfgs`; deterministic. torch's own L-BFGS would import torch._dynamo on first
    use, 1.5-2 s of every fresh QGIS or qgis_process run, and SciPy's optimiser 0.15-0.2 s;
    the same iterations and optimum as SciPy's L-BFGS-B, tested), from zero or from
    ``start`` (W, c):
    the held-out folds of a support start from the whole support's solution, near their
    own; the optimum is the same. ``y``: class indices, or
    (n, N) probabilities (soft labels: the distilled propagation). The base logits (the
    meta-learned head) are held fixed, so the penalty pulls towards them.
    """
    from .lbfgs import minimize_lbfgs

    device = bands.device
    base = base_logits.detach().to("cpu", torch.float64).numpy()
    z = bands.detach().to("cpu", torch.float64).numpy()
    target = (y.detach().to("cpu", torch.float64) if y.is_floating_point()
              else F.one_hot(y.detach().cpu().long(), n_classes).to(torch.float64)).numpy()
    shape = (n_classes, z.shape[1])
    theta0 = np.zeros(n_classes * z.shape[1] + n_classes)
    if start is not None and tuple(start[0].shape) == shape and start[1].shape == (n_classes,):
        theta0 = np.concatenate([start[0].detach().cpu().double().numpy().ravel(),
                                 start[1].detach().cpu().double().numpy()])
    with _one_blas_thread():  # tiny products: threads only wait for each other
        res = minimize_lbfgs(
            lambda theta: _correction_objective(theta, base, z, target, float(l2), shape),
            theta0, max_iter=int(max_iter), max_fun=int(max_iter * 1.25) + 1,
            gtol=1e-7, ftol=1e-12)
    theta = torch.from_numpy(res.x)
    split = shape[0] * shape[1]
    w_out = theta[:split].reshape(shape).float().to(device)
    c_out = theta[split:].float().to(device)
    if not (torch.isfinite(w_out).all() and torch.isfinite(c_out).all()):
        return torch.zeros_like(w_out), torch.zeros_like(c_out)
    return w_out, c_out


def _one_blas_thread() -> Any:
    """NumPy's BLAS limited to one thread (``predict.blas_threads``)."""
    from ..threads import blas_threads

    return blas_threads(1)


def _correction_objective(theta: np.ndarray, base: np.ndarray, z: np.ndarray,
                          target: np.ndarray, l2: float,
                          shape: tuple[int, int]) -> tuple[float, np.ndarray]:
    """Cross-entropy + L2 and its gradient in (W, c), for :func:`fit_band_correction`.

    NumPy in float64: at 10 classes x 13 bands each of L-BFGS's 50-100 evaluations is a
    handful of small products, where torch's per-operation cost was most of the time
    (4,282 anchors: 1.11 -> 0.68 ms an evaluation; 250 support pixels: 0.11 -> 0.08 ms)."""
    split = shape[0] * shape[1]
    w, c = theta[:split].reshape(shape), theta[split:]
    logits = z @ w.T
    logits += base
    logits += c
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    total = e.sum(axis=1, keepdims=True)
    logits -= np.log(total)  # log-softmax
    n = max(int(z.shape[0]), 1)
    loss = -float((target * logits).sum()) / n + l2 * float((w * w).sum())
    e /= total  # softmax
    e -= target
    e /= n
    grad = np.concatenate([(e.T @ z + 2.0 * l2 * w).ravel(), e.sum(axis=0)])
    return loss, grad


def correct_head(
    emb: Tensor, head_w: Tensor, head_b: Tensor, bands: Tensor, y: Tensor, n_classes: int,
    corr: CorrectionSettings, start: tuple[Tensor, Tensor] | None = None,
    groups: np.ndarray | None = None, scale: float | None = None,
) -> tuple[float, Tensor, Tensor]:
    """(prior scale s, W, c) of the band correction ``logits = s * head + W z + c``.

    One ``prior_scale``: that s. A list of candidates, combined per task as the card's
    ``combine`` says, because no fixed value is right on every scene (issue 33):

    * ``blend`` (default): the correction fitted under every candidate, and the logits
      averaged (s, W and c are averaged: still one linear head, so prediction, propagation
      and the saved classifier are unchanged); a hedge between trusting the meta-learned
      head and trusting the bands.
    * ``folds``: the candidate with the lowest held-out cross-entropy over at most
      ``FOLDS`` folds of the labelled features (``groups``; each pixel its own feature when
      None), prototypes rebuilt without the held-out ones. When no fold can keep every
      class (one feature per class), the blend. ``scale`` (the whole support's choice,
      handed to its own held-out folds) skips the choice.
    """
    l2, iters = corr.l2, corr.max_iter
    scales = list(corr.prior_scales) if scale is None else [float(scale)]
    with torch.no_grad():
        base = F.linear(emb, head_w, head_b)
    fits = [fit_band_correction(base * s, bands, y, n_classes, l2, iters,
                                start if len(scales) == 1 else None) for s in scales]
    if len(scales) == 1:
        return scales[0], fits[0][0], fits[0][1]
    if corr.chooses_by_folds:
        folds = feature_folds(y, groups, FOLDS)
        losses = [held_out_loss(emb, bands, y, n_classes, s, l2, iters, fit, folds)
                  for s, fit in zip(scales, fits)]
        if all(np.isfinite(losses)):
            best = int(np.argmin(losses))
            return scales[best], fits[best][0], fits[best][1]
    return (float(np.mean(scales)), torch.stack([f[0] for f in fits]).mean(0),
            torch.stack([f[1] for f in fits]).mean(0))


#: at most this many held-out folds choose the prior scale (``combine: folds``)
FOLDS = 5


def feature_folds(y: Tensor, groups: np.ndarray | None, max_folds: int) -> Tensor:
    """Fold per support pixel: each class's labelled features dealt round-robin into at
    most ``max_folds`` folds (whole features stay together; a pixel is a feature when
    ``groups`` is None), so that every fold holds out some of every class it can."""
    yn = y.cpu().numpy()
    g = np.arange(yn.size) if groups is None else np.asarray(groups)
    folds = np.zeros(yn.size, np.int64)
    for k in np.unique(yn):
        members = np.flatnonzero(yn == k)
        feats = np.unique(g[members])  # sorted: deterministic
        rank = {int(f): i % max_folds for i, f in enumerate(feats)}
        folds[members] = [rank[int(f)] for f in g[members]]
    return torch.from_numpy(folds).to(y.device)


def held_out_loss(emb: Tensor, bands: Tensor, y: Tensor, n_classes: int, scale: float,
                  l2: float, iters: int, start: tuple[Tensor, Tensor], folds: Tensor) -> float:
    """Mean cross-entropy of the held-out pixels over ``folds`` (a class whose every
    feature would leave stays in), prototypes and correction refitted each fold; inf when
    no fold can hold anything out."""
    total, count = 0.0, 0
    for f in range(int(folds.max()) + 1):
        test = folds == f
        counts = torch.bincount(y[~test], minlength=n_classes)
        test = test & (counts[y] > 0)  # a class's last feature never leaves
        if not bool(test.any()):
            continue
        train = ~test
        hw, hb = prototype_head(prototypes(emb[train], y[train], n_classes))
        with torch.no_grad():
            base = F.linear(emb, hw, hb) * scale
        w, c = fit_band_correction(base[train], bands[train], y[train], n_classes, l2, iters,
                                   start)
        with torch.no_grad():
            logits = base[test] + F.linear(bands[test], w, c)
            total += float(F.cross_entropy(logits, y[test], reduction="sum"))
        count += int(test.sum())
    return total / count if count else float("inf")


def _resolve_device(device: Union[str, torch.device]) -> torch.device:
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _check_support(
    y: Tensor, n_classes: int, n: int, d: int, x_shape: tuple, extra_columns: bool = False
) -> None:
    if len(x_shape) != 2 or x_shape[1] < d or (x_shape[1] != d and not extra_columns):
        raise InputError(
            msg(
                "Support features have shape {x_shape}, the model expects (n, {d}) (plus "
                "the standardised bands when its card appends them). Map the bands with "
                "the model card's band mapping first.",
                x_shape=x_shape,
                d=d,
            )
        )
    if y.shape != (n,):
        raise LabelError(msg(
            "Got {n} support pixels but {y_shape} labels.",
            n=n,
            y_shape=tuple(y.shape),
        ))
    if n_classes < 2:
        raise LabelError(
            msg(
                "At least two classes are needed to train a classifier; label features of "
                "two or more classes.",
            )
        )
    if n == 0 or int(y.min()) < 0 or int(y.max()) >= n_classes:
        raise LabelError(msg(
            "Support labels must be integers in 0..{value}.",
            value=n_classes - 1,
        ))
    counts = torch.bincount(y, minlength=n_classes)
    empty = torch.nonzero(counts == 0).flatten().tolist()
    if empty:
        raise LabelError(
            msg(
                "Classes {empty} have no support pixels; every class needs at least one "
                "labelled pixel inside the raster's valid area.",
                empty=empty,
            )
        )


def adapt(
    loaded_model: LoadedModel,
    support_x: Union[Tensor, np.ndarray],
    support_y: Union[Tensor, np.ndarray],
    n_classes: int,
    unlabelled_x: Union[Tensor, np.ndarray] | None = None,
    steps: int | None = None,
    device: Union[str, torch.device] = "cpu",
    seed: int = 0,
    transductive: bool = True,
    soft_kmeans_iters: int | None = None,
    batch_size: int = 65536,
    correction_start: AdaptedClassifier | None = None,
    groups: np.ndarray | None = None,
) -> AdaptedClassifier:
    """Adapt the loaded model to a support set with the method its card names.

    ``support_x`` (n, D) band-mapped features, ``support_y`` (n,) int64 in 0..N-1.
    ``steps`` None -> the card's ``inner_loop.steps``. ``unlabelled_x`` (m, D) region
    features for the transductive refinement, used when ``transductive`` is true and the
    card's (or the given) ``soft_kmeans_iters`` > 0; at most ``transductive.max_unlabelled``
    of them (seeded sample). Deterministic for a fixed seed on CPU. ``correction_start``:
    a classifier adapted to a superset of this support (the whole support, when this is a
    held-out fold), whose band correction starts the fit (``fit_band_correction``) and
    whose prior scale it keeps (a per-task choice is made once, on the whole support).
    ``groups``: the labelled feature of each support pixel (the held-out folds of a
    per-task prior scale keep features together; None: every pixel its own).
    """
    settings = loaded_model.settings
    net = loaded_model.net
    method, inner, corr = settings.method, settings.inner_loop, settings.correction
    dev = _resolve_device(device)
    x_all = torch.as_tensor(support_x, dtype=torch.float32).to(dev)
    y = torch.as_tensor(support_y).to(dev).long()
    _check_support(y, int(n_classes), x_all.shape[0], net.input_dim, tuple(x_all.shape),
                   extra_columns=corr is not None)
    x, bands = x_all[:, : net.input_dim], x_all[:, net.input_dim :]
    if not torch.isfinite(x_all).all():
        raise InputError(msg("Support features contain NaN/inf; mask nodata pixels first."))
    n_steps = 0 if method == "protonet" else int(inner.steps if steps is None else steps)

    params = {k: v.detach().to(dev) for k, v in net.named_parameters()}
    with torch.no_grad():
        emb = net.functional_forward(params, x)
        protos = prototypes(emb, y, int(n_classes))
        tcfg = settings.transductive
        iters = tcfg.soft_kmeans_iters if soft_kmeans_iters is None else int(soft_kmeans_iters)
        if transductive and iters > 0 and unlabelled_x is not None and len(unlabelled_x) > 0:
            u = torch.as_tensor(unlabelled_x, dtype=torch.float32)[:, : net.input_dim]
            cap = tcfg.max_unlabelled
            if u.shape[0] > cap:
                rng = np.random.default_rng(seed)
                idx = np.sort(rng.choice(u.shape[0], cap, replace=False))
                u = u[torch.as_tensor(idx)]
            u = u.to(dev)
            u = u[torch.isfinite(u).all(dim=1)]
            if u.shape[0]:
                u_emb = net.functional_forward(params, u)
                protos = soft_kmeans(protos, emb, y, u_emb, iters)
        head_w, head_b = prototype_head(protos)
    params[HEAD_W] = head_w
    params[HEAD_B] = head_b

    losses: List[float] = []
    if n_steps > 0:
        adapt_names = (
            [HEAD_W, HEAD_B]
            if inner.adapt == "head" or method == "anil"
            else list(params)
        )
        lrs = _lrs_for(loaded_model, dev)
        with torch.enable_grad():
            params = inner_loop(net, params, x, y, n_steps, lrs, adapt_names, False, losses,
                                keep_best=True)
    final = {k: v.detach() for k, v in params.items()}
    head_w, head_b = final.pop(HEAD_W), final.pop(HEAD_B)
    band_w = band_b = None
    counts = torch.bincount(y, minlength=int(n_classes))
    scale = 1.0
    if corr is not None and bands.shape[1] > 0 and int(counts.min()) >= corr.min_shots:
        with torch.no_grad():
            emb_s = net.functional_forward(final, x)
        start = (None if correction_start is None or correction_start.band_weight is None
                 or correction_start.band_bias is None
                 else (correction_start.band_weight, correction_start.band_bias))
        scale, band_w, band_b = correct_head(
            emb_s, head_w, head_b, bands, y, int(n_classes), corr, start, groups,
            correction_start.prior_scale if correction_start is not None
            and corr.chooses_by_folds else None)
        head_w, head_b = head_w * scale, head_b * scale
    return AdaptedClassifier(
        net=net,
        params=final,
        head_weight=head_w,
        head_bias=head_b,
        device=dev,
        method=method,
        steps=n_steps,
        batch_size=batch_size,
        support_loss=losses,
        band_weight=band_w,
        band_bias=band_b,
        prior_scale=None if band_w is None else scale,
    )


def _lrs_for(loaded_model: LoadedModel, dev: torch.device) -> LrSpec:
    inner = loaded_model.settings.inner_loop
    if not inner.per_parameter_lr or not loaded_model.lrs:
        return inner.lr
    out: Dict[str, Union[float, Tensor]] = {}
    for key, value in loaded_model.lrs.items():
        name = key[len(LRS_PREFIX) :]
        out[name] = value.to(dev) if name != "head" else value.to(dev).reshape(())
    if HEAD_LR_KEY[len(LRS_PREFIX) :] not in out:
        out["head"] = inner.lr
    return out
