"""The task sampler: class counts, disjoint support/query, band sets, held-out splits."""

from __future__ import annotations

import numpy as np
import pytest
from metamapper.core.mapping.band_mapping import default_band_mapping, feature_dim
from metamapper.training.metatrain.library import (
    TRAIN_SENSORS,
    VALIDATION_SENSORS,
    build_materials,
    earthlib_sensors,
    random_bandset,
    split_materials,
)
from metamapper.training.metatrain.tasks import (
    EpisodeConfig,
    LibraryTasks,
    UCRTasks,
    featurize,
)
from metamapper.training.metatrain.ucr import UCRCrop

BM = default_band_mapping()


@pytest.fixture(scope="module")
def materials(library):
    return build_materials(library, seed=0)


@pytest.fixture(scope="module")
def lib_tasks(library, materials):
    train, _ = split_materials(materials, seed=0)
    sensors = earthlib_sensors(library.wavelengths_um, TRAIN_SENSORS)
    return LibraryTasks(library, train, sensors, 0.4, EpisodeConfig(), "lib")


def test_library_is_the_real_earthlib(library, materials):
    measured = int((~library.synthetic).sum())
    assert measured == 7261
    assert library.spectra.shape[1] == library.wavelengths_um.size
    assert np.isfinite(library.spectra).all()
    names = {m.name for m in materials}
    assert any(n.startswith("soil_") for n in names) and "water_clear" in names
    assert all(m.members.size >= 5 for m in materials)


def test_material_and_sensor_splits_are_disjoint(materials):
    train, val = split_materials(materials, seed=0)
    assert {m.name for m in train}.isdisjoint({m.name for m in val})
    assert len(val) >= 10 and len(train) > len(val)
    assert set(TRAIN_SENSORS).isdisjoint(VALIDATION_SENSORS)


def test_sensor_responses_are_normalised(library):
    sensors = earthlib_sensors(library.wavelengths_um, ("Landsat8", "Sentinel2", "NEON"))
    assert sensors["Landsat8"].n_bands == 6 and sensors["NEON"].n_bands > 100
    for bs in sensors.values():
        np.testing.assert_allclose(bs.response.sum(axis=0), 1.0, rtol=1e-5)
    rng = np.random.default_rng(0)
    counts = {random_bandset(rng, library.wavelengths_um).n_bands for _ in range(30)}
    assert min(counts) <= 4 and max(counts) >= 20  # RGB-like up to hyperspectral


@pytest.mark.parametrize("n_way,k_shot", [(2, 1), (5, 5), (10, 20)])
def test_library_episode_counts(lib_tasks, n_way, k_shot):
    rng = np.random.default_rng(n_way * 100 + k_shot)
    for _ in range(5):
        ep = lib_tasks.sample(rng, n_way=n_way, k_shot=k_shot)
        assert ep.n_classes == n_way
        counts = np.bincount(ep.support_y, minlength=n_way)
        assert counts.max() == k_shot and counts.min() >= 1 and counts.size == n_way
        np.testing.assert_array_equal(np.bincount(ep.query_y), [15] * n_way)
        assert ep.pool_x.shape[0] >= 256 and ep.pool_x.shape[1] == ep.n_bands
        if ep.wavelengths_nm is not None:
            assert len(ep.wavelengths_nm) == ep.n_bands
        # support and query are different pixels
        s = {row.tobytes() for row in ep.support_x}
        assert not any(row.tobytes() in s for row in ep.query_x)


def test_episodes_vary_and_are_seeded(lib_tasks):
    a = [lib_tasks.sample(np.random.default_rng(7)) for _ in range(2)]
    np.testing.assert_array_equal(a[0].support_x, a[1].support_x)
    rng = np.random.default_rng(1)
    eps = [lib_tasks.sample(rng) for _ in range(40)]
    assert len({e.n_bands for e in eps}) > 5
    assert len({e.n_classes for e in eps}) > 4
    assert {e.wavelengths_nm is None for e in eps} == {True, False}


def test_featurize_maps_like_the_plugin(lib_tasks):
    ep = lib_tasks.sample(np.random.default_rng(3), n_way=4, k_shot=3)
    fe = featurize(ep, BM)
    d = feature_dim(BM)
    assert fe.xs.shape == (ep.support_x.shape[0], d) and fe.xu.shape == (ep.pool_x.shape[0], d)
    assert fe.xs.dtype == np.float32 and np.isfinite(fe.xq).all()
    assert fe.k_shot == 3 and fe.n_classes == 4


def test_ucr_tasks_class_disjoint_no_overlap(tiny_ucr):
    data = UCRCrop.load(tiny_ucr)
    train_c, val_c = data.class_split(n_val=3, seed=0)
    assert set(train_c).isdisjoint(val_c) and len(train_c) + len(val_c) == 8
    tasks = UCRTasks(data, val_c, EpisodeConfig(), "ucr-val")
    rng = np.random.default_rng(0)
    for _ in range(10):
        ep = tasks.sample(rng, k_shot=4)
        assert 2 <= ep.n_classes <= 3
        assert set(data.y[ep.meta["support_index"]]) <= set(val_c)
        assert np.intersect1d(ep.meta["support_index"], ep.meta["query_index"]).size == 0
        assert np.bincount(ep.support_y).max() == 4
        assert ep.n_bands == len(ep.meta["dates"]) >= 2
        assert ep.wavelengths_nm is None
