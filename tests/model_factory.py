"""Small, really trained model files for tests of other areas (pipeline, provider, ui).

``make_model_file`` meta-trains a tiny FewShotNet for a few dozen episodes with a
prototypical loss on seeded synthetic few-shot tasks (random band counts, mixtures of
random smooth spectra, brightness changes, noise), all through the real band mapping, and
writes it with the real ``save_model``. It takes well under a second and no shared data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from metamapper.core.mapping.band_mapping import (
    BandMappingSettings,
    BandStats,
    feature_dim,
    map_bands,
    standardise,
)
from metamapper.core.model import (
    HEAD_LR_KEY,
    LRS_PREFIX,
    FewShotNet,
    default_card,
    new_model,
    save_model,
)


def synthetic_task(
    rng: np.random.Generator, n_classes: int, shots: int, n_bands: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Raw pixels (n, B) and labels of one synthetic few-shot task (smooth class spectra)."""
    bands = int(rng.integers(3, 14)) if n_bands is None else n_bands
    grid = np.linspace(0.0, 1.0, bands)
    centres = rng.uniform(0.0, 1.0, size=(n_classes, 3))
    widths = rng.uniform(0.15, 0.6, size=(n_classes, 3))
    heights = rng.uniform(0.1, 1.0, size=(n_classes, 3))
    spectra = (
        heights[:, :, None]
        * np.exp(-(((grid[None, None, :] - centres[:, :, None]) / widths[:, :, None]) ** 2))
    ).sum(axis=1) + 0.05
    y = np.repeat(np.arange(n_classes), shots)
    brightness = rng.uniform(0.7, 1.3, size=(y.size, 1))
    x = spectra[y] * brightness + rng.normal(0.0, 0.02, size=(y.size, bands))
    return (x * 10000).astype(np.float32), y


def _episode_features(
    rng: np.random.Generator, card: dict, n_classes: int, shots: int
) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = synthetic_task(rng, n_classes, shots)
    stats = BandStats.from_samples(x)
    bm = card["band_mapping"]
    # append-mode context: a pixel alone stands for a uniform neighbourhood
    context = standardise(x, stats) if BandMappingSettings.from_card(bm).appends_context else None
    feats = map_bands(x, stats, bm, context=context)[:, : feature_dim(bm)]
    return torch.from_numpy(np.ascontiguousarray(feats)), torch.from_numpy(y).long()


def train_tiny(net: FewShotNet, card: dict, seed: int, episodes: int) -> list[float]:
    """A few prototypical-loss episodes (Snell et al. 2017); returns the episode losses."""
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    losses = []
    for _ in range(episodes):
        n_classes = int(rng.integers(2, 6))
        feats, y = _episode_features(rng, card, n_classes, shots=10)
        sup = torch.arange(y.numel()) % 10 < 5  # first 5 of each class: support
        emb = net(feats)
        protos = torch.stack([emb[sup & (y == c)].mean(0) for c in range(n_classes)])
        logits = -torch.cdist(emb[~sup], protos).pow(2)
        loss = F.cross_entropy(logits, y[~sup])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return losses


def make_model_file(
    tmp_path: Path | str,
    method: str = "protomaml",
    seed: int = 0,
    episodes: int = 40,
    name: str = "tiny",
    **card_overrides: Any,
) -> Path:
    """Meta-train a tiny model briefly and write ``<tmp_path>/<name>.pt`` (+ .json)."""
    overrides: dict[str, Any] = {
        "architecture": {"hidden": [32], "embedding_dim": 16},
        "inner_loop": {"steps": 5, "lr": 0.05},
    }
    overrides.update(card_overrides)
    card = default_card(method=method, name=name, **overrides)
    card["training"] = {"kind": "tests.model_factory prototypical episodes", "episodes": episodes}
    card["training"]["seed"] = seed
    net = new_model(card, seed)
    train_tiny(net, card, seed, episodes)
    extra = None
    if card["inner_loop"].get("per_parameter_lr"):
        lr = float(card["inner_loop"]["lr"])
        extra = {LRS_PREFIX + n: torch.full_like(p, lr) for n, p in net.named_parameters()}
        extra[HEAD_LR_KEY] = torch.tensor(lr)
    return save_model(Path(tmp_path) / f"{name}.pt", net, card, extra)
