"""Baselines for the few-shot benchmark, all fitted on exactly the same support pixels.

* scikit-learn on the raw bands, standardised with the region's per-band mean/std (what an
  analyst would feed them): random forest (100 trees, no bootstrap below K=5), RBF SVM
  (C/gamma by 3-fold CV when K >= 5, else fixed C=10, gamma='scale'), k-NN
  (k = min(K, 5), distance weighted), logistic regression.
* The same FewShotNet as the shipped model, on the same band-mapped features:
  - ``fewshotnet_scratch``: random initialisation, trained on the support only (Adam);
  - ``fewshotnet_supervised``: pre-trained by ordinary supervised classification on the
    meta-training sources (earthlib library materials + UCR crop classes: one global
    softmax, no episodes), then fine-tuned on the support (prototype-initialised head,
    100 Adam steps on all weights). Transfer without meta-learning.
* The shipped model: ``core.adapting.adapt.adapt`` as the plugin calls it, inductive and
  transductive (the region's unlabelled pixels refine the prototypes by soft k-means).

Every method returns predictions for the query pixels plus its fit and predict times.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

import numpy as np

SKLEARN_METHODS = ("random_forest", "svm_rbf", "knn", "logistic_regression")


@dataclass
class Task:
    """One support/query draw: raw pixels (n, B) plus the region's unlabelled pixels."""

    support_x: np.ndarray
    support_y: np.ndarray
    query_x: np.ndarray
    query_y: np.ndarray
    region_x: np.ndarray  # sample of the region's pixels (band statistics, transduction)
    n_classes: int
    wavelengths_nm: List[float] | None
    seed: int
    feature_cache: dict = field(default_factory=dict, repr=False)
    # Where the pixels are (flat indices into the scene), for the methods that use the map:
    # neighbourhood baselines, majority filters, label propagation.
    support_idx: np.ndarray | None = None
    query_idx: np.ndarray | None = None
    region_idx: np.ndarray | None = None
    support_group: np.ndarray | None = None  # labelled feature of each support pixel
    scene: SceneMaps | None = None

    @property
    def k(self) -> int:
        return int(np.bincount(self.support_y, minlength=self.n_classes).max())


@dataclass
class Result:
    pred: np.ndarray
    fit_s: float
    predict_s: float


Method = Callable[[Task], "Result | Dict[str, Result]"]


@dataclass
class SceneMaps:
    """A scene's pixels as the map-level baselines see them, computed once per scene.

    ``views`` maps a feature-set name to (H*W, F) standardised pixels: ``px`` the bands,
    ``m3`` / ``m5`` their 3x3 / 5x5 means (valid pixels only), ``n3`` the 3x3 neighbourhood
    stacked (9B columns; of the first 30 principal components for hyperspectral scenes).
    Invalid pixels are zeros, never predicted or scored.
    """

    shape: Tuple[int, int]
    valid_idx: np.ndarray
    views: Dict[str, np.ndarray]

    @property
    def valid_mask(self) -> np.ndarray:
        mask = np.zeros(self.shape[0] * self.shape[1], bool)
        mask[self.valid_idx] = True
        return mask

    @classmethod
    def from_cube(cls, cube: np.ndarray, max_stack_bands: int = 30) -> SceneMaps:
        from ..core.mapping.band_mapping import box_mean

        h, w, b = cube.shape
        valid = np.isfinite(cube).all(axis=2)
        x = np.where(valid[..., None], cube, 0.0).astype(np.float32)
        mean = x[valid].mean(axis=0)
        std = x[valid].std(axis=0)
        z = (x - mean) / np.where(std > 0, std, 1.0)
        z[~valid] = 0.0
        zc = np.moveaxis(z, 2, 0)
        views = {"px": z.reshape(h * w, b)}
        for name, r in (("m3", 1), ("m5", 2)):
            views[name] = np.moveaxis(box_mean(zc, valid, r), 0, 2).reshape(h * w, b)
        zs = z
        if b > max_stack_bands:  # hyperspectral: stack the first principal components
            sample = z[valid][:: max(1, int(valid.sum()) // 20000)]
            _, _, vh = np.linalg.svd(sample - sample.mean(0), full_matrices=False)
            zs = (z @ vh[:max_stack_bands].T).astype(np.float32)
            zs /= np.maximum(zs[valid].std(axis=0), 1e-6)
            zs[~valid] = 0.0
        pad = np.pad(zs, ((1, 1), (1, 1), (0, 0)), mode="edge")
        views["n3"] = np.concatenate(
            [pad[dr:dr + h, dc:dc + w] for dr in range(3) for dc in range(3)], axis=2
        ).reshape(h * w, 9 * zs.shape[2])
        return cls((h, w), np.flatnonzero(valid.ravel()), views)


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    from .metatrain.episodes import _dilate as dilate

    return dilate(mask, radius)


def majority_filter(labels: np.ndarray, valid: np.ndarray, n_classes: int) -> np.ndarray:
    """3x3 majority of a class map (H, W) over valid pixels; ties keep the lowest class."""
    from scipy.ndimage import uniform_filter

    votes = np.stack([uniform_filter(((labels == c) & valid).astype(np.float32), 3,
                                     mode="constant") for c in range(n_classes)])
    return votes.argmax(axis=0)


def map_method(name: str, view: str) -> Method:
    """A scikit-learn baseline on one feature view, predicting the whole scene so that the
    3x3 majority filter of its map is scored too (``<name>_<view>`` and ``..._maj``)."""

    def run(task: Task) -> Dict[str, Result]:
        assert task.scene is not None and task.support_idx is not None
        maps = task.scene
        x = maps.views[view]
        t0 = time.perf_counter()
        model = sklearn_model(name, task.k, task.seed)
        model.fit(x[task.support_idx], task.support_y)
        t1 = time.perf_counter()
        # the map is needed at the queries and their 3x3 neighbours only (the filter's reach)
        need = np.zeros(maps.shape, bool).ravel()
        need[task.query_idx] = True
        need = _dilate(need.reshape(maps.shape), 1).ravel() & maps.valid_mask
        where = np.flatnonzero(need)
        full = np.zeros(need.size, np.int64)
        full[where] = model.predict(x[where])
        t2 = time.perf_counter()
        smooth = majority_filter(full.reshape(maps.shape), need.reshape(maps.shape),
                                 task.n_classes).ravel()
        t3 = time.perf_counter()
        q = task.query_idx
        return {f"{name}_{view}": Result(full[q], t1 - t0, t2 - t1),
                f"{name}_{view}_maj": Result(smooth[q], t1 - t0, t3 - t1)}

    return run


def nearest_label(x: np.ndarray, support_x: np.ndarray, support_y: np.ndarray) -> np.ndarray:
    """The label of each row's nearest support row (Euclidean)."""
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=1).fit(support_x)
    return np.asarray(support_y, np.int64)[nn.kneighbors(x, return_distance=False)[:, 0]]


def spreading_nodes(task: Task, spatial_weight: float = 0.5, dims: int = 20
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """The LabelSpreading baseline's graph nodes: the support, the queries and up to 20,000
    other valid pixels of the scene, as [PCA of the 3x3-mean bands (unit total variance),
    pixel position x ``spatial_weight`` / scene size]; and each flat pixel's node row
    (-1: not a node)."""
    from sklearn.decomposition import PCA

    assert task.scene is not None and task.support_idx is not None
    assert task.query_idx is not None
    maps = task.scene
    rng = np.random.default_rng(task.seed)
    others = maps.valid_idx
    if others.size > 20_000:
        others = rng.choice(others, 20_000, replace=False)
    nodes = np.unique(np.concatenate([task.support_idx, task.query_idx, others]))
    xv = maps.views["m3"][nodes]
    if xv.shape[1] > dims:
        xv = PCA(dims, random_state=0).fit_transform(xv)
    xv = xv / np.sqrt(xv.var(axis=0).sum() + 1e-12)
    rows, cols = np.divmod(nodes, maps.shape[1])
    pos = np.stack([rows, cols], 1) / max(maps.shape) * spatial_weight
    where = np.full(maps.shape[0] * maps.shape[1], -1, np.int64)
    where[nodes] = np.arange(nodes.size)
    return np.concatenate([xv, pos], axis=1), where


def label_spreading_method(spatial_weight: float = 0.5, dims: int = 20) -> Method:
    """scikit-learn ``LabelSpreading`` (k-NN kernel) over the support, the queries and up to
    20,000 other pixels of the scene, on [PCA of the 3x3-mean bands, scaled pixel
    coordinates]: the issue's probe.

    A node that no label reaches within the 30 spreading steps keeps an all-zero (NaN once
    normalised) distribution, and scikit-learn reports the *first* class for it: 36-82 %
    of the query pixels at K=5 on most scenes
    (``scripts/experiments/label_spreading_reach_probe.py``), which scored the share of
    class 0, not the spreading (Sentinel-2 Slovenia, 86 % class 0: 0.842 OA this way, 0.731
    otherwise). Those nodes take the class of their nearest labelled node in the same
    space instead, as an analyst would fix the map.
    """

    def run(task: Task) -> Result:
        from sklearn.semi_supervised import LabelSpreading

        assert task.support_idx is not None and task.query_idx is not None
        t0 = time.perf_counter()
        feats, where = spreading_nodes(task, spatial_weight, dims)
        y = np.full(feats.shape[0], -1, np.int64)
        y[where[task.support_idx]] = task.support_y
        with np.errstate(invalid="ignore", divide="ignore"):  # the unreached rows: 0 / 0
            model = LabelSpreading(kernel="knn", n_neighbors=10, max_iter=30).fit(feats, y)
        q = where[task.query_idx]
        pred = np.asarray(model.transduction_[q], np.int64)
        dist = model.label_distributions_[q]
        unreached = ~np.isfinite(dist).all(axis=1) | (np.nan_to_num(dist).sum(axis=1) <= 0)
        if unreached.any():
            pred[unreached] = nearest_label(feats[q[unreached]],
                                            feats[where[task.support_idx]], task.support_y)
        t1 = time.perf_counter()
        return Result(pred, t1 - t0, 0.0)

    return run


# --------------------------------------------------------------------------- scikit-learn


def _standardiser(task: Task) -> Tuple[np.ndarray, np.ndarray]:
    mean = task.region_x.mean(axis=0)
    std = task.region_x.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


def sklearn_model(name: str, k: int, seed: int):
    """The scikit-learn estimator behind a baseline name (hyper-parameters as documented)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    if name == "random_forest":
        # bootstrap resamples of 1-3 support pixels would often miss whole classes
        return RandomForestClassifier(n_estimators=100, bootstrap=k >= 5, random_state=seed,
                                      n_jobs=1)
    if name == "svm_rbf":
        if k >= 5:
            grid = {"C": [1.0, 10.0, 100.0], "gamma": ["scale", 0.01, 0.1]}
            cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
            return GridSearchCV(SVC(kernel="rbf"), grid, cv=cv, n_jobs=1)
        return SVC(kernel="rbf", C=10.0, gamma="scale")
    if name == "knn":
        return KNeighborsClassifier(n_neighbors=min(k, 5), weights="distance")
    if name == "logistic_regression":
        return LogisticRegression(C=1.0, max_iter=2000)
    raise ValueError(f"Unknown baseline {name!r}")


def sklearn_method(name: str) -> Method:
    def run(task: Task) -> Result:
        mean, std = _standardiser(task)
        t0 = time.perf_counter()
        model = sklearn_model(name, task.k, task.seed)
        model.fit((task.support_x - mean) / std, task.support_y)
        t1 = time.perf_counter()
        pred = model.predict((task.query_x - mean) / std)
        return Result(np.asarray(pred, np.int64), t1 - t0, time.perf_counter() - t1)

    return run


# --------------------------------------------------------------------------- FewShotNet


def _features(task: Task, card: dict) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Band-map support, query and region pixels as the plugin does (region statistics)."""
    import json

    from ..core.mapping.band_mapping import BandStats, map_bands

    key = json.dumps(card["band_mapping"], sort_keys=True)
    if key not in task.feature_cache:  # every FewShotNet method of a draw shares them
        stats = BandStats.from_samples(task.region_x, seed=task.seed)
        bm = card["band_mapping"]
        wl = task.wavelengths_nm
        task.feature_cache[key] = (
            np.asarray(map_bands(task.support_x, stats, bm, wl)),
            np.asarray(map_bands(task.query_x, stats, bm, wl)),
            np.asarray(map_bands(task.region_x, stats, bm, wl)),
        )
    return task.feature_cache[key]


def fewshotnet_scratch(card: dict, steps: int = 100, lr: float = 3e-3) -> Method:
    """FewShotNet (architecture of ``card``) + linear head trained on the support only."""
    return _fewshotnet_trained(card, None, steps, lr)


def fewshotnet_finetuned(loaded, steps: int = 100, lr: float = 1e-3) -> Method:
    """A pre-trained FewShotNet fine-tuned on the support (prototype-initialised head, Adam).

    Plain fine-tuning (Chen et al. 2019, "A closer look at few-shot classification"): all
    weights, Adam, a small step size, a fixed number of steps. The plugin's SGD inner loop
    is tuned for meta-trained weights and diverges on these (support loss 3 -> 3e5 in 10
    steps on Salinas-A), which would make the baseline a strawman.
    """
    return _fewshotnet_trained(loaded.card, loaded.net, steps, lr)


def _fewshotnet_trained(card: dict, init_net, steps: int, lr: float) -> Method:
    import torch
    import torch.nn.functional as F

    from ..core.adapting.adapt import prototype_head, prototypes
    from ..core.mapping.band_mapping import feature_dim
    from ..core.model import new_model

    d = feature_dim(card["band_mapping"])  # the network's columns (no appended bands)

    def run(task: Task) -> Result:
        xs, xq, _ = _features(task, card)
        xs, xq = np.ascontiguousarray(xs[:, :d]), np.ascontiguousarray(xq[:, :d])
        t0 = time.perf_counter()
        torch.manual_seed(task.seed)
        x = torch.from_numpy(xs)
        y = torch.from_numpy(task.support_y).long()
        if init_net is None:
            net = new_model(card, seed=task.seed)
            head = torch.nn.Linear(net.embedding_dim, task.n_classes)
        else:
            net = copy.deepcopy(init_net)
            head = torch.nn.Linear(net.embedding_dim, task.n_classes)
            with torch.no_grad():
                w, b = prototype_head(prototypes(net(x), y, task.n_classes))
                head.weight.copy_(w)
                head.bias.copy_(b)
        opt = torch.optim.Adam([*net.parameters(), *head.parameters()], lr=lr,
                               weight_decay=1e-4)
        net.train()
        for _ in range(steps):
            loss = F.cross_entropy(head(net(x)), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        t1 = time.perf_counter()
        with torch.no_grad():
            pred = head(net(torch.from_numpy(xq))).argmax(1).numpy()
        return Result(pred.astype(np.int64), t1 - t0, time.perf_counter() - t1)

    return run


@dataclass
class PropagationInputs:
    """What :func:`propagated_method` hands ``core.adapting.propagation``: the adapted classifier,
    the anchors (region sample) and support in graph space, and the classifier's priors."""

    clf: Any
    fit: Callable[..., Any]  # (train[, correction start]): adapt on a subset of the support
    anchor_rows: np.ndarray  # rows of ``xu`` (the region's mapped pixels) taken as anchors
    space: Any  # core.adapting.propagation.GraphSpace
    region_x: Any  # (M, d + 2) tensors from here on
    support_x: Any
    prior_u: Any
    prior_s: Any
    position: Callable[[np.ndarray], Tuple[Any, Any]]  # flat scene index -> rows, cols
    region_z: Any = None  # (M, B) the anchors' standardised bands


def propagation_inputs(task: Task, loaded, cfg) -> PropagationInputs:
    """``core.adapting.adapt.adapt`` on the support, then the anchors (a seeded sample of the
    region's
    pixels) in the propagation's graph space, exactly as ``map_region`` builds them."""
    import torch

    from ..core.adapting.adapt import adapt
    from ..core.adapting.propagation import GraphSpace

    assert task.scene is not None and task.support_idx is not None
    assert task.region_idx is not None
    xs, _, xu = _features(task, loaded.card)
    n_bands = task.support_x.shape[1]
    w = task.scene.shape[1]

    def fit(train: np.ndarray, start: Any = None):
        return adapt(loaded, xs[train], task.support_y[train], task.n_classes,
                     device="cpu", seed=task.seed, transductive=False,
                     correction_start=start,
                     groups=None if task.support_group is None else task.support_group[train])

    def position(idx: np.ndarray):
        r, c = np.divmod(idx, w)
        return torch.from_numpy(r), torch.from_numpy(c)

    clf = fit(np.arange(task.support_y.size))
    rng = np.random.default_rng([task.seed, 4099])
    pick = np.sort(rng.choice(xu.shape[0], min(cfg.anchors, xu.shape[0]), replace=False))
    zu = torch.from_numpy(np.ascontiguousarray(xu[pick, -n_bands:]))
    space = GraphSpace.fit(zu, (0.0, 0.0), float(max(task.scene.shape)), cfg.dims,
                           cfg.spatial_weight)
    region_x = space(zu, *position(task.region_idx[pick]))
    sx = space(torch.from_numpy(np.ascontiguousarray(xs[:, -n_bands:])),
               *position(task.support_idx))
    with torch.no_grad():
        prior_u = clf.predict_proba(xu[pick]).float()
        prior_s = clf.predict_proba(xs).float()
    return PropagationInputs(clf, fit, pick, space, region_x, sx, prior_u, prior_s, position,
                             zu)


def propagated_method(loaded, settings=None, select: bool = True) -> Method:
    """The plugin's default: ``core.adapting.adapt.adapt`` then
    ``core.adapting.propagation.choose`` over the
    region (anchors = a random sample of its pixels), exactly as ``map_region`` runs it."""
    import torch

    from ..core.adapting.propagation import PropagationSettings, choose, distilled

    card = loaded.card
    # the section's values whatever its mode (a variant may drop it); l2 as the runtime reads it
    cfg = settings or PropagationSettings.from_card(card.get("transductive"))
    correction = loaded.settings.correction
    l2 = correction.l2 if correction is not None else 0.1

    def run(task: Task) -> Result:
        assert task.query_idx is not None
        xs, xq, _ = _features(task, card)
        n_bands = task.support_x.shape[1]
        t0 = time.perf_counter()
        p = propagation_inputs(task, loaded, cfg)

        def fold_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
            return p.fit(train, p.clf).predict(xs[test]).cpu().numpy()  # as map_region

        choice = choose(cfg, p.space, p.region_x, p.prior_u, p.support_x, p.prior_s,
                        torch.from_numpy(task.support_y), task.n_classes,
                        task.support_group if task.support_group is not None
                        else np.arange(task.support_y.size),
                        fold_predict if select else None, seed=task.seed)
        zs = torch.from_numpy(np.ascontiguousarray(xs[:, -n_bands:]))
        assert task.scene is not None
        choice = distilled(cfg, choice, p.clf, p.prior_s, p.prior_u, zs, p.region_z,
                           l2, int(np.prod(task.scene.shape)))
        t1 = time.perf_counter()
        if choice.classifier is not None:
            pred = choice.classifier.predict(xq).cpu().numpy()
        elif choice.propagation is None:
            pred = p.clf.predict(xq).cpu().numpy()
        else:
            zq = torch.from_numpy(np.ascontiguousarray(xq[:, -n_bands:]))
            pred = choice.propagation.probabilities(zq, *p.position(task.query_idx))
            pred = pred.argmax(1).numpy()
        return Result(pred.astype(np.int64), t1 - t0, time.perf_counter() - t1)

    return run


def adapted_method(loaded, transductive: bool = False,
                   soft_kmeans_iters: int | None = None, band_correction: bool = True) -> Method:
    """A model file's network adapted with ``core.adapting.adapt.adapt`` exactly as the plugin does.

    ``band_correction=False`` drops the card's band correction (an ablation: the
    meta-learned head alone).
    """
    import dataclasses

    from ..core.adapting.adapt import adapt
    from ..core.mapping.band_mapping import feature_dim

    if not band_correction and loaded.card.get("band_correction"):
        card = {k: v for k, v in loaded.card.items() if k != "band_correction"}
        loaded = dataclasses.replace(loaded, card=card)
    # without the correction only the network's columns (features cached per band mapping)
    keep = None if loaded.card.get("band_correction") else feature_dim(loaded.card["band_mapping"])

    def run(task: Task) -> Result:
        xs, xq, xu = _features(task, loaded.card)
        if keep is not None:
            xs, xq, xu = xs[:, :keep], xq[:, :keep], xu[:, :keep]
        t0 = time.perf_counter()
        clf = adapt(
            loaded, xs, task.support_y, task.n_classes,
            unlabelled_x=xu if transductive else None, device="cpu", seed=task.seed,
            transductive=transductive, soft_kmeans_iters=soft_kmeans_iters,
            groups=task.support_group,
        )  # fmt: skip
        t1 = time.perf_counter()
        pred = clf.predict(xq).cpu().numpy()
        return Result(pred.astype(np.int64), t1 - t0, time.perf_counter() - t1)

    return run


# --------------------------------------------------------------------------- supervised


def _global_label(source: str, name: str) -> str:
    """Episode class name -> a global class (library mixtures -> their main material)."""
    if source.startswith("ucr"):
        return f"ucr:{name}"
    return name.split("+")[0].split(":")[0]


def pretrain_supervised(
    card: dict,
    episodes: int = 3000,
    steps: int = 4000,
    batch: int = 512,
    lr: float = 1e-3,
    seed: int = 0,
    log: Callable[[str], None] = print,
):
    """Train FewShotNet by plain supervised classification on the meta-training sources.

    The pixels are drawn by the meta-training task sampler (the same materials, sensors,
    encodings and band mapping as the meta-learner sees, so the comparison isolates
    *meta*-learning), but each pixel keeps a global class label (library material or UCR
    crop class) and one softmax head over all of them is trained with Adam; the head is
    then thrown away. Needs the training extra (earthlib). Returns a LoadedModel whose card
    is the given one (its inner loop is used for fine-tuning).
    """
    import torch
    import torch.nn.functional as F

    from ..core.model import LoadedModel, new_model
    from .metatrain.tasks import EpisodeConfig, build_sources, featurize
    from .metatrain.ucr import default_ucr_path

    rng = np.random.default_rng(seed)
    sources = build_sources(EpisodeConfig(), default_ucr_path(), seed=seed)
    xs: List[np.ndarray] = []
    ys: List[str] = []
    t0 = time.perf_counter()
    net_bm = _network_band_mapping(card)
    for _ in range(episodes):
        ep = sources.train.sample(rng)
        fe = featurize(ep, net_bm)
        names = [_global_label(ep.source, n) for n in ep.class_names]
        xs += [fe.xs, fe.xq]
        ys += [names[i] for i in fe.ys] + [names[i] for i in fe.yq]
    vocab = sorted(set(ys))
    index = {n: i for i, n in enumerate(vocab)}
    x = torch.from_numpy(np.vstack(xs).astype(np.float32))
    y = torch.as_tensor([index[n] for n in ys], dtype=torch.long)
    log(f"supervised pre-training: {x.shape[0]} pixels, {len(vocab)} classes "
        f"({time.perf_counter() - t0:.0f} s to sample)")
    net = new_model(card, seed=seed)
    head = torch.nn.Linear(net.embedding_dim, len(vocab))
    opt = torch.optim.Adam([*net.parameters(), *head.parameters()], lr=lr)
    gen = torch.Generator().manual_seed(seed)
    net.train()
    for step in range(steps):
        idx = torch.randint(0, x.shape[0], (batch,), generator=gen)
        loss = F.cross_entropy(head(net(x[idx])), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 1000 == 0 or step == steps - 1:
            log(f"  step {step}: loss {float(loss.detach()):.3f}")
    net.eval()
    sup_card = copy.deepcopy(card)
    sup_card["name"] = "fewshotnet-supervised-pretrained"
    sup_card["method"] = "protomaml" if card["method"] == "protonet" else card["method"]
    sup_card["training"] = {"kind": "supervised", "episodes": episodes, "steps": steps,
                            "classes": len(vocab), "seed": seed}
    return LoadedModel(net=net, card=sup_card, lrs=None)


def _network_band_mapping(card: dict) -> dict:
    """The band mapping of the network's own input (no bands appended for the correction)."""
    return {k: v for k, v in card["band_mapping"].items() if k != "append_bands"}


def supervised_checkpoint(card: dict, cache: Path, log: Callable[[str], None] = print,
                          **kwargs):
    """Load the supervised pre-trained model for ``card`` from ``cache``, or train it."""
    import hashlib
    import json

    from ..core.model import load_model, save_model

    key = hashlib.sha256(
        json.dumps([card["architecture"], _network_band_mapping(card), kwargs],
                   sort_keys=True).encode()
    ).hexdigest()[:12]
    path = Path(cache) / f"supervised-{key}.pt"
    if path.exists():
        return load_model(path)
    loaded = pretrain_supervised(card, log=log, **kwargs)
    save_model(path, loaded.net, loaded.card)
    return load_model(path)


def sklearn_methods(names: Sequence[str] = SKLEARN_METHODS) -> Dict[str, Method]:
    return {n: sklearn_method(n) for n in names}
