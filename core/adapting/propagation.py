"""Transductive label propagation over the region: the unlabelled pixels vote too.

A handful of labels cannot describe a class; the region's own pixels can, because pixels
of one class form clusters in feature space and patches in the image. Following label
propagation on a spatial-spectral graph (Zhou et al. 2004, "Learning with local and global
consistency"; meta-learned in Liu et al. 2019, "Transductive Propagation Network"):

1. **Anchors**: up to ``anchors`` random valid pixels of the region plus the support.
   Each is a point in a *graph space*: the first ``dims`` principal components of its
   standardised (context-smoothed) bands, scaled to unit total variance, next to its map
   position scaled by ``spatial_weight`` / region size. The spatial weight lets a field's
   pixels reach each other; 0 makes the graph purely spectral.
2. **Graph**: each anchor's ``neighbours`` nearest anchors, Gaussian weights (median
   k-th distance as the scale), symmetrised and normalised: ``S = D^-1/2 W D^-1/2``.
3. **Spreading**: ``F <- alpha S F + (1 - alpha) Y0`` for ``iterations`` steps, with
   ``Y0`` = one-hot support labels + ``prior_weight`` x the adapted classifier's
   probabilities (the meta-learned model is the prior; the graph corrects it).
4. **Every pixel**: the Gaussian-weighted mean of the label distributions of its
   ``extend_neighbours`` nearest anchors in graph space (anchor-graph extension, Liu, He,
   Chang 2010), computed tile by tile in :meth:`RegionPropagation.probabilities`.

**When not to use it.** On a mosaic of unrelated patches, or when classes share spectra
across the scene, propagation can lower accuracy. :func:`choose` decides per run from the
support itself: k-fold over the labelled features (the accuracy estimate's folds,
:func:`check_folds`), the held-out labels predicted by the
propagation against those predicted by the inductive classifier; propagation is used
only when it gets at least ``min_gain`` more of them right (1 in the shipped card: ties
keep the inductive map). The inductive side is scored first
(:func:`held_out_inductive`): when it gets every held-out label right, propagation cannot
win and no graph is built (:func:`settled_choice`; the pipeline then reads no anchors).
The settings are in the model card (``transductive``), chosen by episodic evaluation on
real scenes (docs/metatraining.md).

Torch only (the plugin's runtime): the k-NN search is one M x M distance matrix (M <= a few
thousand anchors); the graph and the spreading are sparse (2k entries a row).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, Sequence

import numpy as np
import torch
from torch import Tensor

from ..messages import msg
from ..settings import PropagationSettings


@dataclass
class GraphSpace:
    """Standardised bands + map position -> the propagation's graph coordinates."""

    mean: Tensor  # (B,)
    basis: Tensor  # (B, d), columns scaled so the projected anchors have unit total variance
    origin: Tensor  # (2,) row, col of the region's top-left pixel
    coord_scale: float  # spatial_weight / region size in pixels

    @classmethod
    def fit(cls, z: Tensor, origin: Sequence[float], size: float, dims: int,
            spatial_weight: float) -> GraphSpace:
        """PCA of the anchors' standardised bands (``z``: (M, B))."""
        z = z.float()
        mean = z.mean(dim=0)
        centred = z - mean
        d = max(1, min(int(dims), z.shape[1], z.shape[0]))
        if z.shape[1] > d:
            _, _, vh = torch.linalg.svd(centred, full_matrices=False)
            basis = vh[:d].T.contiguous()
        else:
            basis = torch.eye(z.shape[1], dtype=z.dtype)
        total = (centred @ basis).var(dim=0).sum().clamp_min(1e-12)
        return cls(mean, basis / total.sqrt(), torch.as_tensor(origin, dtype=torch.float32),
                   float(spatial_weight) / max(float(size), 1.0))

    def __call__(self, z: Tensor, rows: Tensor, cols: Tensor) -> Tensor:
        """(n, B) standardised bands + (n,) map rows/cols -> (n, d + 2) graph coordinates."""
        spec = (z.float() - self.mean.to(z.device)) @ self.basis.to(z.device)
        pos = torch.stack([rows.float(), cols.float()], dim=1) - self.origin.to(z.device)
        return torch.cat([spec, pos * self.coord_scale], dim=1)

    def to(self, device: torch.device | str) -> GraphSpace:
        return GraphSpace(self.mean.to(device), self.basis.to(device), self.origin.to(device),
                          self.coord_scale)


#: Rows of the anchors' distance matrix ranked at once by :func:`nearest`: a 256 x 4,282
#: float32 block (4.4 MB) stays in cache between its product and its top-k
NEAREST_ROWS = 256


def nearest(x: Tensor, k: int) -> tuple[Tensor, Tensor]:
    """Squared distances (M, k) to each row's ``k`` nearest other rows, and their indices."""
    m = x.shape[0]
    k = max(1, min(int(k), m - 1))
    # squared distances from one product, |b|^2 - 2 a.b, ranked per row, and |a|^2 (the
    # same along a row, so not needed to rank) added to the k kept: cdist's square roots,
    # squared again, and its full-matrix passes took 0.10 s of 0.14 on 4,000 anchors
    # (one large product: all the process's threads, also inside a one-thread block;
    # 4,000 anchors: 0.11 -> 0.06 s on 2 cores). Block by block of rows: the whole
    # (M, M) matrix went to memory and back (4,282 anchors: 0.068 -> 0.036 s; the same
    # neighbours and distances)
    from ..threads import PROCESS_THREADS, torch_threads

    dk = torch.empty((m, k), dtype=x.dtype)
    idx = torch.empty((m, k), dtype=torch.long)
    with torch_threads(PROCESS_THREADS):
        sq = (x * x).sum(dim=1)
        block = torch.empty((min(NEAREST_ROWS, m), m), dtype=x.dtype)
        for start in range(0, m, NEAREST_ROWS):
            stop = min(start + NEAREST_ROWS, m)
            d2 = torch.addmm(sq[None, :], x[start:stop], x.T, alpha=-2.0,
                             out=block[:stop - start])
            rows = torch.arange(stop - start)
            d2[rows, rows + start] = float("inf")  # not its own neighbour
            torch.topk(d2, k, dim=1, largest=False, out=(dk[start:stop], idx[start:stop]))
    return (dk + sq[:, None]).clamp_min_(0.0), idx


def knn_affinity(x: Tensor, k: int, knn: tuple[Tensor, Tensor] | None = None) -> Tensor:
    """Normalised affinity ``D^-1/2 W D^-1/2`` of the symmetrised k-NN graph, sparse (CSR
    rows: the spreading's products are 8x faster than on COO, with the same sums).

    ``W_ij = exp(-d_ij^2 / sigma^2)`` when j is among i's k nearest or i among j's (the
    weight is symmetric, so the union is the element-wise maximum of the two directed
    graphs); at most 2k entries a row, so spreading costs O(M k) a step, not O(M^2).
    ``knn``: :func:`nearest` of ``x`` for at least ``k`` neighbours, when already computed.
    """
    m = x.shape[0]
    k = max(1, min(int(k), m - 1))
    dk, idx = nearest(x, k) if knn is None else (knn[0][:, :k], knn[1][:, :k])
    sigma2 = torch.quantile(dk[:, -1], 0.5).clamp_min(1e-12)  # the median, as NumPy takes it
    rows = torch.arange(m).repeat_interleave(k)
    cols = idx.reshape(-1)
    vals = torch.exp(-dk.reshape(-1) / sigma2)
    both = torch.stack([torch.cat([rows, cols]), torch.cat([cols, rows])])
    summed = torch.sparse_coo_tensor(both, torch.cat([vals, vals]), (m, m),
                                     check_invariants=False).coalesce()
    counts = torch.sparse_coo_tensor(both, torch.ones(2 * vals.numel(), dtype=x.dtype),
                                     (m, m), check_invariants=False).coalesce()
    w = summed.values() / counts.values()  # an edge found from both ends counts once
    ij = summed.indices()
    inv = torch.zeros(m, dtype=x.dtype).index_add_(0, ij[0], w).clamp_min(1e-12).rsqrt()
    coo = torch.sparse_coo_tensor(ij, inv[ij[0]] * w * inv[ij[1]], (m, m),
                                  check_invariants=False).coalesce()
    with warnings.catch_warnings():  # "Sparse CSR tensor support is in beta state"
        warnings.simplefilter("ignore", UserWarning)
        return coo.to_sparse_csr()


def spread(s: Tensor, y0: Tensor, alpha: float, iterations: int) -> Tensor:
    """``F <- alpha S F + (1 - alpha) Y0``, ``iterations`` times from ``F = Y0``.

    ``S`` dense or sparse (what :func:`knn_affinity` returns).
    """
    f = y0.clone()
    if s.layout != torch.strided:
        for _ in range(int(iterations)):
            f = torch.add((1.0 - alpha) * y0, s @ f, alpha=alpha)
        return f
    for _ in range(int(iterations)):
        f = torch.addmm(y0, s, f, beta=1.0 - alpha, alpha=alpha)
    return f


def row_normalise(f: Tensor) -> Tensor:
    return f.clamp_min(0) / f.clamp_min(0).sum(dim=1, keepdim=True).clamp_min(1e-12)


@dataclass
class RegionPropagation:
    """Propagated label distributions of the anchors, extended to any pixel of the region."""

    space: GraphSpace
    anchors: Tensor  # (M, d + 2) graph coordinates
    labels: Tensor  # (M, C), rows sum to one
    neighbours: int
    sigma2: float  # squared distance scale of the extension weights

    def probabilities(self, z: Tensor, rows: Tensor, cols: Tensor, chunk: int = 8192) -> Tensor:
        """(n, B) standardised bands + positions -> (n, C) class probabilities."""
        x = self.space(z, rows, cols)
        anchors, labels = self.anchors.to(x.device), self.labels.to(x.device)
        k = min(self.neighbours, anchors.shape[0])
        a2 = (anchors * anchors).sum(dim=1)
        out = torch.empty((x.shape[0], labels.shape[1]), dtype=torch.float32, device=x.device)
        for start in range(0, x.shape[0], chunk):
            xc = x[start:start + chunk]
            d2 = torch.addmm(a2[None, :], xc, anchors.T, alpha=-2.0)
            d2.add_((xc * xc).sum(dim=1, keepdim=True)).clamp_(min=0.0)
            dk, idx = torch.topk(d2, k, dim=1, largest=False)
            w = torch.exp(-dk / self.sigma2)
            f = (w[:, :, None] * labels[idx]).sum(dim=1)
            out[start:start + chunk] = f / w.sum(dim=1, keepdim=True).clamp_min(1e-30)
        return out

    def to(self, device: torch.device | str) -> RegionPropagation:
        return RegionPropagation(self.space.to(device), self.anchors.to(device),
                                 self.labels.to(device), self.neighbours, self.sigma2)


@dataclass
class PropagationChoice:
    """What :func:`choose` decided, with the support k-fold scores behind it."""

    propagation: RegionPropagation | None
    cv_propagation: float | None
    cv_inductive: float | None
    reason: str
    #: with ``extension: distil``, the inductive classifier refitted to the propagated
    #: labels (:func:`distilled`), which maps the region instead of ``propagation``
    classifier: Any = None
    #: with the exact extension and a classifier file asked for: the distilled classifier
    #: the file holds (the exact extension needs the source raster's positions)
    file_classifier: Any = None


def initial_labels(settings: PropagationSettings, region_prior: Tensor, support_prior: Tensor,
                   support_y: Tensor, n_classes: int, hide: Tensor | None = None) -> Tensor:
    """``Y0``: the prior (weighted) everywhere plus one-hot labels on the support rows.

    Rows are the support followed by the region sample. ``hide`` (bool over the support)
    drops those labels (k-fold scoring); their prior stays.
    """
    prior = torch.cat([support_prior, region_prior]).float()
    y0 = settings.prior_weight * prior
    onehot = torch.nn.functional.one_hot(support_y, n_classes).float()
    if hide is not None:
        onehot = onehot * (~hide).float()[:, None]
    y0[: support_y.numel()] += onehot
    return y0


def propagate(
    settings: PropagationSettings,
    space: GraphSpace,
    region_x: Tensor,
    region_prior: Tensor,
    support_x: Tensor,
    support_prior: Tensor,
    support_y: Tensor,
    n_classes: int,
    knn: tuple[Tensor, Tensor] | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """(anchor graph coordinates (M, d+2), affinity S, propagated distributions (M, C)).

    Anchors are the support followed by the region sample; ``knn`` is their
    :func:`nearest` when the caller has it already.
    """
    x = torch.cat([support_x, region_x]).float()
    s = knn_affinity(x, settings.neighbours, knn)
    y0 = initial_labels(settings, region_prior, support_prior, support_y, n_classes)
    return x, s, row_normalise(spread(s, y0, settings.alpha, settings.iterations))


def support_folds(groups: np.ndarray, n_folds: int, seed: int) -> np.ndarray:
    """Fold index per support pixel: whole labelled features (polygons) stay together."""
    uniq = np.unique(groups)
    order = np.random.default_rng([seed, 17]).permutation(uniq.size)
    fold_of = {int(g): int(i % n_folds) for g, i in zip(uniq[order], range(uniq.size))}
    return np.asarray([fold_of[int(g)] for g in groups], np.int64)


def check_folds(groups: np.ndarray, y: np.ndarray, max_folds: int, seed: int
                ) -> tuple[np.ndarray, int]:
    """(fold index per support pixel, number of folds) of the propagation check.

    The accuracy estimate's folds (``accuracy.feature_folds``: stratified over the labelled
    features, or one feature out when there are few) wherever it has them, so that the
    pipeline adapts once per fold for both (``pipeline`` shares the fold predictions); else,
    when a class has a single labelled feature, up to ``max_folds`` random folds of whole
    features, whose folds that keep every class are still scored.
    """
    from .accuracy import feature_folds

    tests, _ = feature_folds(groups, y, seed)
    if tests is not None:
        fold_of = np.full(y.size, -1, dtype=np.int64)
        for f, idx in enumerate(tests):
            fold_of[idx] = f
        return fold_of, len(tests)
    n_folds = min(max_folds, np.unique(groups).size)
    if n_folds < 2:
        return np.zeros(y.size, dtype=np.int64), n_folds
    return support_folds(groups, n_folds, seed), n_folds


@dataclass
class HeldOut:
    """The support k-fold of the propagation check, scored for the inductive classifier."""

    folds: np.ndarray  #: fold index per support pixel
    scored: list  #: the folds that keep every class in their training part
    right: int  #: held-out pixels the inductive classifier gets right
    counted: int  #: held-out pixels of the scored folds

    def settled(self, min_gain: int = 1) -> bool:
        """Every held-out pixel is right without propagation: it can at best tie, and a tie
        keeps the inductive map (``min_gain`` >= 1), so the check's outcome is known before
        any graph is built."""
        return self.counted > 0 and self.right == self.counted and min_gain >= 1


def held_out_inductive(
    settings: PropagationSettings,
    support_y: np.ndarray,
    n_classes: int,
    groups: np.ndarray,
    inductive_fold_predict: Callable[[np.ndarray, np.ndarray], np.ndarray],
    seed: int = 0,
) -> HeldOut | None:
    """The check's folds and the inductive classifier's held-out score; None when fewer than
    two folds can be formed (nothing to hold out)."""
    y = np.asarray(support_y)
    folds, n_folds = check_folds(groups, y, settings.folds, seed)
    if n_folds < 2:
        return None
    # a fold that removes a whole class cannot score either method
    scored = [f for f in range(n_folds) if np.unique(y[folds != f]).size == n_classes]
    right = counted = 0
    for f in scored:
        test = folds == f
        pred = inductive_fold_predict(np.flatnonzero(~test), np.flatnonzero(test))
        right += int((np.asarray(pred) == y[test]).sum())
        counted += int(test.sum())
    return HeldOut(folds, scored, right, counted)


def settled_choice(held_out: HeldOut) -> PropagationChoice:
    """:func:`choose`'s answer when ``held_out.settled``: not used, no graph built."""
    return PropagationChoice(None, None, 1.0, msg(
        "Label propagation over the region: not used (labelled features held out: all "
        "right without it, so it cannot do better)."))


def choose(
    settings: PropagationSettings,
    space: GraphSpace,
    region_x: Tensor,
    region_prior: Tensor,
    support_x: Tensor,
    support_prior: Tensor,
    support_y: Tensor,
    n_classes: int,
    groups: np.ndarray,
    inductive_fold_predict: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
    seed: int = 0,
    held_out: HeldOut | None = None,
) -> PropagationChoice:
    """Propagate, and keep the result only if the support's k-fold says it helps.
    ``held_out``: :func:`held_out_inductive` of this support when the caller scored it
    already (the pipeline does, to skip reading anchors when it is settled)."""
    y = support_y.cpu().numpy()
    held = held_out
    if held is None and settings.check and inductive_fold_predict is not None:
        held = held_out_inductive(settings, y, n_classes, groups, inductive_fold_predict,
                                  seed)
        if held is not None and held.settled(settings.min_gain):
            return settled_choice(held)
    # one M x M distance matrix serves the graph and the extension's distance scale
    knn = nearest(torch.cat([support_x, region_x]).float(),
                  max(settings.neighbours, settings.extend_neighbours))
    x, s, labels = propagate(settings, space, region_x, region_prior, support_x,
                             support_prior, support_y, n_classes, knn)
    k = max(1, min(settings.extend_neighbours, x.shape[0] - 1))
    sigma2 = float(knn[0][:, :k].median().clamp_min(1e-12))
    result = RegionPropagation(space, x, labels, settings.extend_neighbours, sigma2)
    if not settings.check:
        return PropagationChoice(result, None, None, msg(
            "Label propagation over the region: used without a check (switched off in the "
            "model card)."))
    if held is None:
        return PropagationChoice(result, None, None, msg(
            "Label propagation over the region: used without a check (too few labelled "
            "features to hold any out)."))
    if held.counted == 0:
        return PropagationChoice(result, None, None, msg(
            "Label propagation over the region: used without a check (no held-out fold "
            "keeps every class)."))
    # every scored fold's labels spread at once: one graph, one wide right-hand side
    y0 = torch.cat([initial_labels(settings, region_prior, support_prior, support_y,
                                   n_classes, hide=torch.from_numpy(held.folds == f))
                    for f in held.scored], dim=1)
    spread_all = spread(s, y0, settings.alpha, settings.iterations)[: y.size]
    right_prop = 0
    for j, f in enumerate(held.scored):
        test = held.folds == f
        lab_f = spread_all[:, j * n_classes:(j + 1) * n_classes]
        right_prop += int((lab_f[test].argmax(dim=1).numpy() == y[test]).sum())
    cv_p, cv_i = right_prop / held.counted, held.right / held.counted
    if right_prop - held.right >= settings.min_gain and cv_p > 0:
        return PropagationChoice(result, cv_p, cv_i, msg(
            "Label propagation over the region: used (labelled features held out: "
            "{cv_p:.0%} right with it, {cv_i:.0%} without).", cv_p=cv_p, cv_i=cv_i))
    return PropagationChoice(None, cv_p, cv_i, msg(
        "Label propagation over the region: not used (labelled features held out: "
        "{cv_p:.0%} right with it, {cv_i:.0%} without).", cv_p=cv_p, cv_i=cv_i))


def distil(classifier: Any, prior: Tensor, z: Tensor, labels: Tensor, l2: float,
           max_iter: int = 100) -> Any:
    """The inductive classifier with its band correction refitted to propagated labels.

    ``prior`` (M, C): the classifier's probabilities of the anchors (support first, as in
    :func:`propagate`), ``z`` (M, B) their standardised bands, ``labels`` (M, C) their
    propagated distributions. The meta-learned head's part of the logits is recovered as
    ``log prior - (W z + c)`` (a per-row constant aside, which softmax ignores), and
    ``(W, c)`` are fitted again, from the old ones, to the soft labels (cross-entropy with
    probability targets, same L2). What propagation learnt from the region then reaches
    every pixel through the fused inductive prediction: the cost of the map no longer grows
    with the anchors (issue 32), at the price of the spatial part of the graph.
    """
    from .adapt import fit_band_correction

    z = z.float().cpu()
    n_classes = int(labels.shape[1])
    if classifier.band_weight is not None and classifier.band_bias is not None:
        w0, c0 = classifier.band_weight.cpu().float(), classifier.band_bias.cpu().float()
    else:
        w0, c0 = torch.zeros((n_classes, z.shape[1])), torch.zeros(n_classes)
    base = torch.log(prior.float().cpu().clamp_min(1e-30)) - (z @ w0.T + c0)
    w, c = fit_band_correction(base, z, labels.float().cpu(), n_classes, float(l2),
                               int(max_iter), (w0, c0))
    dev = classifier.device
    return replace(classifier, band_weight=w.to(dev), band_bias=c.to(dev))


def distilled(settings: PropagationSettings, choice: PropagationChoice, classifier: Any,
              support_prior: Tensor, region_prior: Tensor, support_z: Tensor, region_z: Tensor,
              l2: float, region_pixels: int, for_file: bool = False) -> PropagationChoice:
    """``choice`` as the map uses it: unchanged with the exact extension (for this region's
    size) or when propagation is not used; else its labels distilled into ``classifier``
    (:func:`distil`) and no per-pixel extension left to run. ``for_file``: a classifier
    file is written, so the exact extension's choice also gets its distilled classifier
    (``file_classifier``)."""
    if choice.propagation is None:
        return choice
    exact = not settings.distils(region_pixels)
    if exact and not for_file:
        return choice
    clf = distil(classifier, torch.cat([support_prior, region_prior]),
                 torch.cat([support_z, region_z]), choice.propagation.labels, l2)
    if exact:
        return replace(choice, file_classifier=clf)
    return replace(choice, propagation=None, classifier=clf, reason=choice.reason + " " + msg(
        "Its labels were distilled into the classifier, which maps every pixel."))


def summary(choice: PropagationChoice) -> Dict[str, object]:
    return {"used": choice.propagation is not None, "cv_propagation": choice.cv_propagation,
            "cv_inductive": choice.cv_inductive, "reason": choice.reason}
