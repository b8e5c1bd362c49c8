"""Spatial-block episodes: no leakage between support and queries, exact class counts."""

from __future__ import annotations

import numpy as np
import pytest
from metamapper.training.metatrain.episodes import (
    DrawError,
    draw_episode,
    draws,
    min_query_distance,
    split_scene,
    support_pixels_within_blocks,
)
from metamapper.training.metatrain.scenes import Scene


def patch_scene(seed: int = 0, size: int = 48, n_classes: int = 3) -> Scene:
    """Fields of 8x8 px with random classes (some pixels unlabelled), 4 noisy bands."""
    rng = np.random.default_rng(seed)
    fields = rng.integers(1, n_classes + 1, size=(size // 8, size // 8))
    labels = np.kron(fields, np.ones((8, 8), dtype=np.int64))
    labels[rng.random(labels.shape) < 0.2] = 0
    spectra = rng.uniform(0.1, 0.9, size=(n_classes + 1, 4))
    cube = spectra[np.kron(fields, np.ones((8, 8), dtype=np.int64))] + rng.normal(
        0, 0.02, (size, size, 4))
    return Scene("patches", cube.astype(np.float32), labels,
                 {c: f"class{c}" for c in range(1, n_classes + 1)}, None, "synthetic")


@pytest.mark.parametrize("k", [1, 5, 20])
@pytest.mark.parametrize("guard", [0, 2])
def test_no_query_within_guard_of_a_support_block(k, guard):
    scene = patch_scene()
    split = split_scene(scene, block=6, guard=guard, min_class_pixels=10)
    for d in draws(scene, split, k, n=5, seed=3):
        assert support_pixels_within_blocks(split, d)
        assert min_query_distance(split, d, scene.labels.shape) > guard
        assert not np.intersect1d(d.support_idx, d.query_idx).size
        assert not np.isin(split.block_ids.ravel()[d.query_idx], d.support_blocks).any()
        # exactly K support pixels of every class, labels consistent with the scene
        assert np.bincount(d.support_y, minlength=3).tolist() == [k] * 3
        codes = np.asarray(split.classes)
        flat = scene.labels.ravel()
        assert (codes[d.support_y] == flat[d.support_idx]).all()
        assert (codes[d.query_y] == flat[d.query_idx]).all()
        assert set(np.unique(d.query_y)) == {0, 1, 2}


def test_queries_are_all_labelled_pixels_outside_the_guard_zone():
    scene = patch_scene(1)
    split = split_scene(scene, block=6, guard=1, min_class_pixels=10)
    d = draw_episode(scene, split, 5, seed=0)
    expected = np.flatnonzero((scene.labels > 0).ravel() & ~d.excluded.ravel())
    assert np.array_equal(np.sort(d.query_idx), expected)


def test_draws_are_seeded():
    scene = patch_scene(2)
    split = split_scene(scene, block=6, guard=1, min_class_pixels=10)
    a = draws(scene, split, 5, n=3, seed=7)
    b = draws(scene, split, 5, n=3, seed=7)
    c = draws(scene, split, 5, n=3, seed=8)
    assert all(np.array_equal(x.support_idx, y.support_idx) for x, y in zip(a, b))
    assert not all(np.array_equal(x.support_idx, y.support_idx) for x, y in zip(a, c))


def test_small_and_single_block_classes_are_dropped_with_a_reason():
    scene = patch_scene(3)
    labels = scene.labels.copy()
    labels[labels == 3] = 0
    labels[0:2, 0:2] = 3  # 4 pixels: too few
    labels[36:42, 36:42] = 4  # 36 pixels, all inside one 6x6 block
    scene = Scene("s", scene.cube, labels, {1: "a", 2: "b", 3: "c", 4: "d"}, None, "x")
    split = split_scene(scene, block=6, guard=1, min_class_pixels=10)
    assert split.classes == [1, 2]
    assert "< 10" in split.dropped[3]
    assert "one block" in split.dropped[4]


def test_impossible_draw_raises_a_clear_error():
    scene = patch_scene(4)
    split = split_scene(scene, block=6, guard=30, min_class_pixels=10)  # guard covers all
    with pytest.raises(DrawError, match="query pixels"):
        draw_episode(scene, split, 5, seed=0, attempts=3)
