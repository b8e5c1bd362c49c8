"""The torch tile mapping equals the NumPy reference (map_tile) for every context mode."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from metamapper.core.mapping.band_mapping import (
    BandStats,
    classifier_dim,
    default_band_mapping,
    feature_dim,
    map_bands,
    map_tile,
)
from metamapper.core.mapping.tile_features import TileMapper

CARDS = {
    "pixels": default_band_mapping(),
    "smooth": default_band_mapping(context_radius=1, context_mode="smooth"),
    "smooth-r2": default_band_mapping(context_radius=2, context_mode="smooth"),
    "append": default_band_mapping(context_radius=1, context_mode="append"),
    "smooth+bands": default_band_mapping(context_radius=1, context_mode="smooth",
                                         append_bands=True),
}


def tile_with_holes(bands: int, dtype=np.float32, seed: int = 0):
    rng = np.random.default_rng(seed)
    tile = rng.uniform(100, 4000, size=(bands, 13, 17)).astype(dtype)
    valid = np.ones((13, 17), bool)
    valid[0, :4] = False
    valid[6, 8] = False
    return tile, valid


@pytest.mark.parametrize("holes", [True, False], ids=["nodata", "all-valid"])
@pytest.mark.parametrize("name", list(CARDS))
@pytest.mark.parametrize("bands", [1, 4, 45])
def test_tile_mapper_equals_map_tile_on_valid_pixels(name, bands, holes):
    """Both neighbourhood paths (masked, and the all-valid fast path) equal the reference;
    45 bands spans two smoothing chunks."""
    card = CARDS[name]
    tile, valid = tile_with_holes(bands)
    if not holes:
        valid[:] = True
    stats = BandStats.from_samples(tile.reshape(bands, -1).T)
    ref = map_tile(tile, valid, stats, card)  # (D, H, W)
    pick = np.flatnonzero(valid)
    got = np.concatenate(
        [c.numpy() for c in TileMapper(stats, card).iter_feature_chunks(tile, valid, pick, 50)],
        axis=1,
    )
    assert got.shape == (classifier_dim(card, bands), pick.size)
    np.testing.assert_allclose(got, ref.reshape(ref.shape[0], -1)[:, pick], rtol=1e-5, atol=1e-4)


def test_appended_bands_are_the_standardised_bands_after_the_network_input():
    card = CARDS["smooth+bands"]
    tile, valid = tile_with_holes(5)
    stats = BandStats.from_samples(tile.reshape(5, -1).T)
    x = tile.reshape(5, -1).T[:10]
    rows = map_bands(x, stats, card)
    d = feature_dim(card)
    assert rows.shape == (10, d + 5)
    z = np.clip((x - stats.centre) / stats.scale, -10, 10)
    np.testing.assert_allclose(rows[:, d:], z, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(rows[:, :d], map_bands(x, stats, CARDS["smooth"]), atol=1e-6)


def test_integer_tiles_and_chunking_give_the_same_features():
    tile, valid = tile_with_holes(6, dtype=np.uint16)
    card = CARDS["smooth+bands"]
    stats = BandStats.from_samples(tile.reshape(6, -1).T.astype(np.float64))
    pick = np.flatnonzero(valid)
    mapper = TileMapper(stats, card)
    one = next(mapper.iter_feature_chunks(tile, valid, pick, chunk=10_000))
    many = torch.cat(list(mapper.iter_feature_chunks(tile, valid, pick, chunk=7)), dim=1)
    torch.testing.assert_close(one, many)
    ref = map_tile(tile.astype(np.float32), valid, stats, card).reshape(one.shape[0], -1)
    np.testing.assert_allclose(one.numpy(), ref[:, pick], rtol=1e-5, atol=1e-4)


def test_nan_pixels_outside_the_valid_mask_do_not_leak_into_neighbours():
    tile, valid = tile_with_holes(3)
    tile[:, 6, 8] = np.nan  # invalid (masked) and NaN
    card = CARDS["smooth"]
    stats = BandStats.from_samples(tile.reshape(3, -1).T)
    pick = np.flatnonzero(valid)
    got = next(TileMapper(stats, card).iter_feature_chunks(tile, valid, pick))
    assert torch.isfinite(got).all()


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (2, 3), (7, 2), (9, 11)])
@pytest.mark.parametrize("radius", [1, 2, 3])
def test_box_sum_equals_a_zero_padded_window_sum_even_on_tiny_tiles(shape, radius):
    """Tiles smaller than the window (a 1-pixel region, a raster edge) stay correct."""
    import torch
    import torch.nn.functional as F
    from metamapper.core.mapping.tile_features import box_sum

    x = torch.rand(3, *shape, generator=torch.Generator().manual_seed(0))
    r = radius
    ref = F.avg_pool2d(F.pad(x, (r, r, r, r))[None], 2 * r + 1, stride=1, divisor_override=1)[0]
    torch.testing.assert_close(box_sum(x, r), ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rows", [1, 3, 7, 39])
@pytest.mark.parametrize("holes", [True, False], ids=["nodata", "all-valid"])
def test_box_mean_in_place_and_in_chunks_equals_the_reference(rows, holes):
    """The chunked neighbourhood mean (BAND_CHUNK rows through one scratch buffer) equals
    the NumPy reference for any row count, and writing into the input itself (``out=x``,
    what the projection path does) gives the same values."""
    from metamapper.core.mapping.band_mapping import box_mean

    rng = np.random.default_rng(rows)
    x = rng.uniform(-5, 5, size=(rows, 11, 14)).astype(np.float32)
    valid = rng.random((11, 14)) > 0.2 if holes else np.ones((11, 14), bool)
    mapper = TileMapper(BandStats.from_samples(rng.uniform(0, 1, (50, 4))),
                        CARDS["smooth"])  # fmt: skip
    ref = box_mean(x, valid, 1)
    xt, vt = torch.from_numpy(x.copy()), torch.from_numpy(valid)
    np.testing.assert_allclose(mapper.box_mean(xt, vt).numpy(), ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(xt.numpy(), x)  # a copy unless asked
    same = mapper.box_mean(xt, vt, out=xt)
    assert same.data_ptr() == xt.data_ptr()
    np.testing.assert_allclose(xt.numpy(), ref, rtol=1e-5, atol=1e-5)


def test_smoothing_leaves_a_float32_tile_read_untouched():
    """A float32 tile's tensor shares the caller's memory, so it is smoothed into a copy."""
    rng = np.random.default_rng(0)
    tile = rng.uniform(100, 4000, size=(5, 12, 12)).astype(np.float32)
    before = tile.copy()
    valid = np.ones((12, 12), bool)
    stats = BandStats.from_samples(tile.reshape(5, -1).T)
    mapper = TileMapper(stats, CARDS["smooth"])
    list(mapper.iter_pixel_chunks(tile, valid, np.arange(144)))
    np.testing.assert_array_equal(tile, before)


@pytest.mark.parametrize("holes", [True, False], ids=["nodata", "all-valid"])
@pytest.mark.parametrize("name", ["smooth", "smooth-r2", "append", "smooth+bands"])
def test_few_picked_pixels_map_as_on_the_whole_tile(name, holes):
    """A sparse pick maps only the pixels' neighbourhoods (neighbourhood_tile); corners and
    edges (zero padding) and nodata neighbours give the whole tile's features."""
    from metamapper.core.mapping.tile_features import neighbourhood_tile, sparse_pick

    card = CARDS[name]
    rng = np.random.default_rng(3)
    tile = rng.uniform(100, 4000, size=(7, 40, 45)).astype(np.float32)
    valid = np.ones((40, 45), bool)
    if holes:
        valid[rng.random((40, 45)) < 0.1] = False
        tile[:, ~valid] = np.nan
    stats = BandStats.from_samples(tile[:, valid].T)
    ref = map_tile(np.nan_to_num(tile), valid, stats, card).reshape(-1, 40 * 45)
    corners = np.array([0, 44, 39 * 45, 40 * 45 - 1, 45 + 1, 20 * 45 + 7])
    pick = np.unique(np.concatenate([corners, rng.choice(40 * 45, 25, replace=False)]))
    pick = pick[valid.reshape(-1)[pick]]
    assert sparse_pick(pick.size, (40, 45), int(card["context_radius"]))
    got = torch.cat(list(TileMapper(stats, card).iter_feature_chunks(tile, valid, pick, 8)), 1)
    np.testing.assert_allclose(got.numpy(), ref[:, pick], rtol=1e-5, atol=1e-4)
    small, small_valid, at = neighbourhood_tile(tile, valid, pick, 1)
    assert small.shape == (7, 3, 3 * pick.size) and small_valid.shape == (3, 3 * pick.size)
    np.testing.assert_array_equal(small.reshape(7, -1)[:, at], tile.reshape(7, -1)[:, pick])
