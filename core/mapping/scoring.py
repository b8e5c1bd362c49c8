"""Scores of the classes from logits, shared by the prediction and the many-band projection."""

from __future__ import annotations

import torch

__all__ = ["best_class"]


def best_class(logits: torch.Tensor, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(softmax probability of the top class, its index) along ``dim``, without the softmax."""
    top, arg = logits.max(dim=dim)
    prob = 1.0 / torch.exp(logits - top.unsqueeze(dim)).sum(dim=dim)
    return prob, arg
