"""Real-scene task sampler: no spatial leakage, class counts, spectral resampling rules."""

from __future__ import annotations

import numpy as np
import pytest
from metamapper.training.metatrain.library import make_bandset
from metamapper.training.metatrain.scene_tasks import (
    SceneTaskConfig,
    SceneTasks,
    resample_cube,
    scene_bandsets,
)
from metamapper.training.metatrain.scenes import Scene

WL = list(np.linspace(420.0, 2400.0, 60))
SENSORS = {
    "s2-like": ([490, 560, 665, 705, 740, 783, 842, 1610, 2190],
                [65, 35, 30, 15, 15, 20, 115, 90, 180]),
    "rgb": ([480, 560, 660], [60, 60, 60]),
}


def hyper_scene(seed: int = 0, size: int = 48, n_classes: int = 4) -> Scene:
    """8x8 fields of random classes, 60 bands with wavelengths, some pixels unlabelled."""
    rng = np.random.default_rng(seed)
    fields = rng.integers(1, n_classes + 1, size=(size // 8, size // 8))
    labels = np.kron(fields, np.ones((8, 8), dtype=np.int64))
    labels[rng.random(labels.shape) < 0.2] = 0
    spectra = rng.uniform(0.1, 0.9, size=(n_classes + 1, len(WL)))
    cube = spectra[np.kron(fields, np.ones((8, 8), dtype=np.int64))]
    cube = cube + rng.normal(0, 0.01, cube.shape)
    return Scene("hyper", cube.astype(np.float32), labels,
                 {c: f"c{c}" for c in range(1, n_classes + 1)}, WL, "synthetic")


def sampler(p_points: float, **kw) -> SceneTasks:
    cfg = SceneTaskConfig(p_points=p_points, block=6, guard=2, min_class_pixels=10,
                          context_radius=0, **kw)
    return SceneTasks([hyper_scene()], cfg, sensors=SENSORS)


@pytest.mark.parametrize("p_points", [0.0, 1.0])
def test_queries_lie_outside_support_blocks_and_their_guard(p_points):
    tasks = sampler(p_points)
    prep = tasks.prepared[0]
    w = prep.scene.labels.shape[1]
    for seed in range(20):
        ep = tasks.sample(np.random.default_rng(seed))
        s, q = ep.meta["support_idx"], ep.meta["query_idx"]
        assert not np.intersect1d(s, q).size
        sb = np.isin(prep.block_ids, ep.meta["support_blocks"])
        sr, sc = np.nonzero(sb)
        qr, qc = np.divmod(q, w)
        cheb = np.maximum(np.abs(qr[:, None] - sr[None]), np.abs(qc[:, None] - sc[None]))
        assert cheb.min() > tasks.cfg.guard


@pytest.mark.parametrize("p_points", [0.0, 1.0])
def test_class_counts_follow_n_way_and_k_shot(p_points):
    tasks = sampler(p_points)
    labels = tasks.prepared[0].scene.labels.ravel()
    for seed in range(10):
        ep = tasks.sample(np.random.default_rng(seed), n_way=3, k_shot=4)
        assert ep.n_classes == 3
        assert np.bincount(ep.support_y, minlength=3).tolist() == [4, 4, 4]
        assert set(np.unique(ep.query_y)) <= {0, 1, 2}
        # every support/query label is the episode's class of its scene label
        codes = [int(n[1:]) for n in ep.class_names]
        assert (labels[ep.meta["support_idx"]] == np.asarray(codes)[ep.support_y]).all()
        assert (labels[ep.meta["query_idx"]] == np.asarray(codes)[ep.query_y]).all()


def test_scattered_points_use_one_block_each_polygons_at_most_three():
    pts, poly = sampler(1.0), sampler(0.0)
    blocks = pts.prepared[0].block_ids.ravel()
    for seed in range(10):
        ep = pts.sample(np.random.default_rng(seed), n_way=2, k_shot=3)
        for c in range(2):
            b = blocks[ep.meta["support_idx"][ep.support_y == c]]
            assert np.unique(b).size == b.size
        ep = poly.sample(np.random.default_rng(seed), n_way=2, k_shot=10)
        for c in range(2):
            assert np.unique(blocks[ep.meta["support_idx"][ep.support_y == c]]).size <= 3


def test_a_flat_spectrum_stays_flat_through_every_sensor():
    for bs in scene_bandsets(WL, SENSORS).values():
        flat = np.full((3, len(WL)), 0.37, np.float32)
        np.testing.assert_allclose(resample_cube(flat, WL, bs), 0.37, rtol=1e-5)


def test_resampled_bands_follow_wavelength_order():
    shuffled = {"s2-shuffled": (SENSORS["s2-like"][0][::-1], SENSORS["s2-like"][1][::-1])}
    bs = scene_bandsets(WL, shuffled)["s2-shuffled"]
    assert np.all(np.diff(bs.centers_um) > 0)
    # a spectrum rising with wavelength stays rising after resampling
    ramp = np.asarray(WL, np.float32)[None] / 1000.0
    assert np.all(np.diff(resample_cube(ramp, WL, bs)[0]) > 0)


def test_bands_outside_the_scene_range_are_dropped():
    bs = make_bandset("wide", [430, 1000, 3000], [20, 20, 20], np.asarray(WL) / 1000.0)
    assert bs is not None and bs.n_bands == 2


def test_resampled_episodes_carry_the_sensor_bands():
    tasks = sampler(0.5, p_resample=1.0, p_wavelengths=1.0)
    seen = set()
    for seed in range(30):
        ep = tasks.sample(np.random.default_rng(seed))
        seen.add(ep.bandset)
        assert ep.wavelengths_nm is not None and len(ep.wavelengths_nm) == ep.n_bands
        assert ep.support_x.shape[1] == ep.query_x.shape[1] == ep.pool_x.shape[1]
        assert np.isfinite(ep.support_x).all()
    assert {"s2-like", "rgb"} <= seen
    assert any(name.startswith("random-") for name in seen)


def test_vnir_share_sees_a_wide_scene_through_a_vnir_imaging_spectrometer():
    """``p_vnir``: resampled episodes of a 420-2400 nm scene as a 24-128-band cube that
    stops in the near infrared (issue 33 item 4); 0 leaves the episode stream as it was."""
    tasks = sampler(0.5, p_resample=1.0, p_wavelengths=1.0, p_vnir=1.0)
    for seed in range(10):
        ep = tasks.sample(np.random.default_rng(seed))
        assert ep.bandset == "random-vnir"
        assert 24 <= ep.n_bands <= 128
        assert min(ep.wavelengths_nm) >= 415 and max(ep.wavelengths_nm) <= 1050
    a = sampler(0.5, p_resample=1.0).sample(np.random.default_rng(3))
    b = sampler(0.5, p_resample=1.0, p_vnir=0.0).sample(np.random.default_rng(3))
    np.testing.assert_array_equal(a.support_x, b.support_x)
    from metamapper.training.metatrain.library import vnir_bandset

    assert vnir_bandset(np.random.default_rng(0), np.linspace(0.40, 0.62, 30)) is None


def test_sampling_is_deterministic_for_a_seed():
    a = sampler(0.5).sample(np.random.default_rng(7))
    b = sampler(0.5).sample(np.random.default_rng(7))
    np.testing.assert_array_equal(a.support_x, b.support_x)
    np.testing.assert_array_equal(a.meta["query_idx"], b.meta["query_idx"])


def test_every_episode_class_has_queries_even_on_a_crowded_scene():
    tasks = SceneTasks([hyper_scene(size=24, n_classes=4)],
                       SceneTaskConfig(block=6, guard=3, min_class_pixels=5, context_radius=0),
                       sensors=SENSORS)
    for seed in range(30):
        ep = tasks.sample(np.random.default_rng(seed), k_shot=5)
        assert np.bincount(ep.query_y, minlength=ep.n_classes).min() > 0


def test_random_draws_take_k_uniform_pixels_per_class_and_guard_the_queries():
    """The outside scoring's protocol: K labelled pixels per class anywhere (no blocks),
    every other labelled pixel of those classes a query unless it lies within one pixel
    (Chebyshev) of a support pixel; seeded, and different per draw."""
    from metamapper.training.metatrain.scene_tasks import RANDOM_MIN_DISTANCE, scene_draws

    scene = hyper_scene(seed=4)
    w = scene.labels.shape[1]
    draws = scene_draws(scene, "random", 5, 3, seed=1)
    again = scene_draws(scene, "random", 5, 3, seed=1)
    for d, e in zip(draws, again):
        np.testing.assert_array_equal(d.support_idx, e.support_idx)
        assert np.bincount(d.support_y).tolist() == [5] * len(d.classes)
        assert (scene.labels.ravel()[d.support_idx] > 0).all()
        assert not np.intersect1d(d.support_idx, d.query_idx).size
        sr, sc = np.divmod(d.support_idx, w)
        qr, qc = np.divmod(d.query_idx, w)
        cheb = np.maximum(np.abs(qr[:, None] - sr[None]), np.abs(qc[:, None] - sc[None]))
        assert cheb.min() >= RANDOM_MIN_DISTANCE
        labelled = np.flatnonzero(np.isin(scene.labels.ravel(), d.classes))
        near = labelled[np.isin(labelled, d.query_idx, invert=True)]
        nr, nc = np.divmod(near, w)
        ncheb = np.maximum(np.abs(nr[:, None] - sr[None]), np.abs(nc[:, None] - sc[None]))
        assert ncheb.min(axis=1).max() < RANDOM_MIN_DISTANCE  # only the guarded ones left out
        np.testing.assert_array_equal(np.asarray(d.classes)[d.query_y],
                                      scene.labels.ravel()[d.query_idx])
    assert not np.array_equal(draws[0].support_idx, draws[1].support_idx)
