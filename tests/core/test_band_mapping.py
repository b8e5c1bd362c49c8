"""Band mapping: any band count/dtype -> fixed features, with the invariances it promises."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from metamapper.core.mapping.band_mapping import (
    BandStats,
    PixelReservoir,
    band_positions,
    box_mean,
    default_band_mapping,
    feature_dim,
    map_bands,
    map_tile,
    resample_matrix,
)

CARD = default_band_mapping()


def spectra(n: int, bands: int, seed: int = 0, dtype=np.float32) -> np.ndarray:
    """Positive smooth-ish pixels like reflectance scaled to integers."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(500, 3000, size=(4, bands))
    mix = rng.dirichlet(np.ones(4), size=n)
    x = mix @ base + rng.normal(0, 20, size=(n, bands))
    return x.astype(dtype)


@pytest.mark.parametrize("bands", [1, 3, 13, 250])
@pytest.mark.parametrize("with_wavelengths", [False, True])
def test_any_band_count_gives_fixed_finite_features(bands, with_wavelengths):
    x = spectra(500, bands)
    wl = list(np.linspace(400, 2500, bands)) if with_wavelengths else None
    stats = BandStats.from_samples(x)
    f = map_bands(x, stats, CARD, wl)
    assert f.shape == (500, feature_dim(CARD)) == (500, 32)
    assert f.dtype == np.float32
    assert np.isfinite(f).all()
    assert f.std() > 0.05  # not degenerate


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint16, np.float64])
def test_integer_and_float_dtypes(dtype):
    x = np.clip(spectra(200, 4) / 20, 0, 250).astype(dtype)
    f = map_bands(x, BandStats.from_samples(x), CARD)
    assert f.dtype == np.float32 and np.isfinite(f).all()


def test_single_band_is_a_constant_curve():
    x = spectra(100, 1)
    f = map_bands(x, BandStats.from_samples(x), CARD)
    z, shape = f[:, :16], f[:, 16:]
    assert np.allclose(z, z[:, :1])  # same value at all 16 points
    assert np.allclose(shape, 0.0, atol=1e-3)  # one band has no shape


def test_scene_brightness_scaling_is_invariant():
    """Scaling a whole scene (gain change, other units) leaves the features unchanged."""
    x = spectra(300, 7).astype(np.float64)
    f1 = map_bands(x, BandStats.from_samples(x), CARD)
    f2 = map_bands(x * 37.5, BandStats.from_samples(x * 37.5), CARD)
    np.testing.assert_allclose(f1, f2, atol=1e-4)


def test_shape_part_is_invariant_to_per_pixel_brightness():
    """A shadowed pixel (same material, half the light) has the same spectral shape."""
    x = spectra(50, 9)
    stats = BandStats.from_samples(x)
    f1 = map_bands(x, stats, CARD)
    f2 = map_bands(x * 0.5, stats, CARD)
    np.testing.assert_allclose(f1[:, 16:], f2[:, 16:], atol=1e-3)
    assert not np.allclose(f1[:, :16], f2[:, :16], atol=1e-2)  # standardised part does change


def test_band_offset_of_the_whole_scene_leaves_standardised_part_unchanged():
    x = spectra(300, 5).astype(np.float64)
    f1 = map_bands(x, BandStats.from_samples(x), CARD)
    f2 = map_bands(x + 1000.0, BandStats.from_samples(x + 1000.0), CARD)
    np.testing.assert_allclose(f1[:, :16], f2[:, :16], atol=1e-4)


def test_resample_matrix_columns_sum_to_one_and_follow_positions():
    for bands in (1, 2, 3, 13, 250):
        m = resample_matrix(bands, 16)
        assert m.shape == (bands, 16)
        np.testing.assert_allclose(m.sum(axis=0), 1.0, atol=1e-5)
    # a linear ramp across bands stays a (nearly) linear ramp across the 16 points
    ramp = np.linspace(0, 1, 13)[None]
    out = ramp @ resample_matrix(13, 16)
    assert np.all(np.diff(out[0]) > 0)
    np.testing.assert_allclose(out[0, 5:11], np.linspace(0, 1, 16)[5:11], atol=0.02)


def test_wavelength_order_not_band_order_defines_the_curve():
    x = spectra(100, 4)
    wl = [860.0, 490.0, 660.0, 560.0]
    order = np.argsort(wl)
    stats = BandStats.from_samples(x)
    f1 = map_bands(x, stats, CARD, wl)
    xs = x[:, order]
    f2 = map_bands(xs, BandStats.from_samples(xs), CARD, [wl[i] for i in order])
    np.testing.assert_allclose(f1, f2, atol=1e-5)


def test_duplicate_wavelengths_are_averaged_not_rejected():
    pos = band_positions(3, [500.0, 500.0, 700.0])
    assert pos.tolist() == [0.0, 0.0, 1.0]
    m = resample_matrix(3, 16, [500.0, 500.0, 700.0])
    np.testing.assert_allclose(m[0], m[1])


def test_wrong_wavelength_count_is_explained():
    with pytest.raises(ValueError, match="one wavelength per band"):
        band_positions(4, [450.0, 550.0])


def test_stats_are_robust_to_outliers_and_nan():
    x = spectra(1000, 3).astype(np.float64)
    clean = BandStats.from_samples(x)
    dirty = x.copy()
    dirty[:20] = 1e9  # clouds / saturation
    dirty[20:30, 1] = np.nan
    robust = BandStats.from_samples(dirty)
    np.testing.assert_allclose(robust.centre, clean.centre, rtol=0.05)
    np.testing.assert_allclose(robust.scale, clean.scale, rtol=0.1)
    f = map_bands(dirty[:20], robust, CARD)
    assert np.isfinite(f).all() and np.abs(f).max() <= 10.0 + 1e-5


def test_constant_band_does_not_blow_up():
    x = spectra(100, 3)
    x[:, 1] = 42
    f = map_bands(x, BandStats.from_samples(x), CARD)
    assert np.isfinite(f).all()


def test_all_nodata_region_is_explained():
    with pytest.raises(ValueError, match="all nodata"):
        BandStats.from_samples(np.full((10, 3), np.nan))


def test_band_count_mismatch_is_explained():
    stats = BandStats.from_samples(spectra(10, 3))
    with pytest.raises(ValueError, match="same raster"):
        map_bands(spectra(10, 4), stats, CARD)


def test_torch_and_numpy_paths_agree():
    x = spectra(256, 13)
    stats = BandStats.from_samples(x)
    f_np = map_bands(x, stats, CARD)
    f_t = map_bands(torch.from_numpy(x), stats, CARD)
    assert isinstance(f_t, torch.Tensor) and f_t.dtype == torch.float32
    np.testing.assert_allclose(f_t.numpy(), f_np, atol=1e-5)


def test_reservoir_sample_matches_full_statistics():
    x = spectra(20000, 5, seed=3).astype(np.float64)
    res = PixelReservoir(n_bands=5, capacity=4000, seed=1)
    for chunk in np.array_split(x, 7):
        res.add(chunk)
    assert res.seen == 20000 and res.samples().shape == (4000, 5)
    approx = BandStats.from_reservoir(res)
    full = BandStats.from_samples(x)
    np.testing.assert_allclose(approx.centre, full.centre, rtol=0.03)
    np.testing.assert_allclose(approx.scale, full.scale, rtol=0.1)


def test_merge_and_dict_round_trip():
    a = BandStats.from_samples(spectra(500, 3, seed=1))
    b = BandStats.from_samples(spectra(1500, 3, seed=2))
    m = a.merge(b)
    assert m.n_samples == 2000
    np.testing.assert_allclose(m.centre, 0.25 * a.centre + 0.75 * b.centre)
    r = BandStats.from_dict(m.to_dict())
    np.testing.assert_allclose(r.scale, m.scale)


def test_map_tile_matches_map_bands_and_zeroes_invalid_pixels():
    rng = np.random.default_rng(0)
    tile = rng.uniform(100, 900, size=(6, 9, 11)).astype(np.float32)
    valid = np.ones((9, 11), bool)
    valid[0, :3] = False
    tile[2, 4, 4] = np.nan  # NaN makes a pixel invalid too
    stats = BandStats.from_samples(tile.reshape(6, -1).T)
    out = map_tile(tile, valid, stats, CARD)
    assert out.shape == (32, 9, 11) and out.dtype == np.float32
    assert np.all(out[:, 0, :3] == 0) and np.all(out[:, 4, 4] == 0)
    ref = map_bands(tile[:, 5, 7][None], stats, CARD)[0]
    np.testing.assert_allclose(out[:, 5, 7], ref, atol=1e-6)


def test_context_radius_adds_neighbourhood_features():
    card = default_band_mapping(context_radius=1)
    assert feature_dim(card) == 48
    rng = np.random.default_rng(1)
    tile = rng.uniform(0, 1, size=(3, 8, 8)).astype(np.float32)
    stats = BandStats.from_samples(tile.reshape(3, -1).T)
    out = map_tile(tile, None, stats, card)
    assert out.shape == (48, 8, 8)
    # a uniform tile has the same context as the pixel itself
    flat = np.ones((3, 5, 5), np.float32) * np.array([1.0, 2.0, 3.0], np.float32)[:, None, None]
    st = BandStats.from_samples(rng.uniform(0, 4, size=(100, 3)))
    o = map_tile(flat, None, st, card)
    np.testing.assert_allclose(o[32:], o[:16], atol=1e-5)


def test_box_mean_ignores_invalid_pixels():
    vals = np.arange(25, dtype=np.float32).reshape(1, 5, 5)
    valid = np.ones((5, 5), bool)
    valid[2, 3] = False
    out = box_mean(vals, valid, 1)
    window = vals[0, 1:4, 1:4]
    expected = window[valid[1:4, 1:4]].mean()
    assert out[0, 2, 2] == pytest.approx(expected)
    assert out[0, 0, 0] == pytest.approx(vals[0, :2, :2].mean())  # clipped at the border


def test_smooth_context_maps_the_neighbourhood_mean_with_the_same_input_size():
    card = default_band_mapping(context_radius=1, context_mode="smooth")
    assert feature_dim(card) == 32  # a model trained on pixels can use it
    rng = np.random.default_rng(2)
    tile = rng.uniform(0, 1, size=(40, 7, 9)).astype(np.float32)  # > 16 bands: chunked path
    valid = np.ones((7, 9), bool)
    valid[3, 4] = False
    stats = BandStats.from_samples(tile.reshape(40, -1).T)
    out = map_tile(tile, valid, stats, card)
    assert out.shape == (32, 7, 9)
    window = tile[:, 1:4, 2:5].reshape(40, -1)[:, valid[1:4, 2:5].reshape(-1)]
    ref = map_bands(window.mean(axis=1)[None], stats, card)[0]
    np.testing.assert_allclose(out[:, 2, 3], ref, atol=1e-5)
    assert np.all(out[:, 3, 4] == 0)  # invalid pixels stay empty
    with pytest.raises(ValueError, match="context_mode"):
        feature_dim(default_band_mapping(context_radius=1, context_mode="blur"))


@pytest.mark.parametrize("shape,lo,hi", [((5000, 37), 1, 6000), ((7, 3), -5, 5), ((2, 1), 0, 1),
                                         ((10, 2), 3, 3), ((101, 4), 0, 2)])
def test_integer_samples_give_numpys_quartiles_and_median_from_counts(shape, lo, hi):
    """Statistics of integer samples come from value counts: exactly np.percentile's
    quartiles and np.median's median absolute value; other samples are partitioned."""
    from metamapper.core.mapping.band_mapping import _counted_quantiles

    x = np.random.default_rng(0).integers(lo, hi + 1, size=shape).astype(np.float64)
    got = _counted_quantiles(x)
    assert got is not None
    np.testing.assert_array_equal(got[0], np.percentile(x, [25, 50, 75], axis=0))
    assert got[1] == float(np.median(np.abs(x)))
    assert _counted_quantiles(x + 0.5) is None
    wide = x * 1e6  # too wide a range to count (unless constant): partitioned
    got = _counted_quantiles(wide)
    if got is not None:
        np.testing.assert_array_equal(got[0], np.percentile(wide, [25, 50, 75], axis=0))
        assert got[1] == float(np.median(np.abs(wide)))
    if hi > lo + 1:
        assert got is None
    assert BandStats.from_samples(x).centre.tolist() == np.median(x, axis=0).tolist()


@pytest.mark.parametrize("dtype,lo,hi", [("uint16", 0, 65535), ("int16", -32768, 32767),
                                         ("uint8", 0, 255), ("int32", -70000, 70000),
                                         ("uint16", 400, 9000)])
def test_integer_samples_give_the_float64_statistics_without_converting(dtype, lo, hi):
    """Raster-dtype samples (what sample_region keeps) give exactly the statistics of their
    float64 copy, including the dtype's extremes and a constant band (std fallback)."""
    rng = np.random.default_rng(3)
    x = rng.integers(lo, hi + 1, size=(3000, 6)).astype(dtype)
    x[:5, 1] = [lo, hi, lo, hi, lo]
    x[:, 4] = hi  # constant: IQR 0
    x[:1500, 5] = lo  # IQR 0 on a two-valued band: the std
    got, ref = BandStats.from_samples(x), BandStats.from_samples(x.astype(np.float64))
    for a in ("centre", "scale"):
        np.testing.assert_array_equal(getattr(got, a), getattr(ref, a))
    assert got.scene_scale == ref.scene_scale and got.n_samples == ref.n_samples


def test_reservoir_keeps_the_rasters_integer_dtype():
    res = PixelReservoir(n_bands=3, capacity=50, seed=0, dtype="uint16")
    res.add(np.arange(300, dtype=np.uint16).reshape(100, 3))
    assert res.samples().dtype == np.uint16 and res.samples().shape == (50, 3)
    with pytest.raises(ValueError, match="Cannot keep float64"):
        res.add(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="not int64"):
        PixelReservoir(n_bands=3, dtype="int64")
