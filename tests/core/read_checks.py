"""One check shared by the read paths that bypass GDAL (raw ENVI files, rasters decoded
whole): every engine read gives what GDAL's reads give."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from metamapper.core.adapting.region_sample import sample_region
from metamapper.core.adapting.sampling import read_patches, read_pixels
from metamapper.core.reading.raster_io import RasterInfo, make_region, read_block
from rasterio.windows import Window


def assert_reads_equal_gdal(ds, info: RasterInfo, gdal: RasterInfo, windows: Sequence[Window],
                            bands: Sequence[Sequence[int]], rows: np.ndarray,
                            cols: np.ndarray, edge_rows: np.ndarray, edge_cols: np.ndarray
                            ) -> None:
    """Windows, scattered points, 3x3 patches at the edges and the region sample read
    through ``info`` equal those read through ``gdal`` (the same raster, GDAL's reads), for
    all bands and for each band subset of ``bands``."""
    pairs = [(info, gdal)] + [(info.select_bands(b), gdal.select_bands(b)) for b in bands]
    for sel, gsel in pairs:
        for win in windows:
            got, ok = read_block(ds, sel, win)
            ref, ref_ok = read_block(ds, gsel, win)
            assert got.dtype == ref.dtype and got.flags.c_contiguous
            np.testing.assert_array_equal(got, ref)
            np.testing.assert_array_equal(ok, ref_ok)
        x, ok = read_pixels(ds, sel, rows, cols)
        x_ref, ok_ref = read_pixels(ds, gsel, rows, cols)
        np.testing.assert_array_equal(x, x_ref)
        np.testing.assert_array_equal(ok, ok_ref)
        p, p_ok = read_patches(ds, sel, edge_rows, edge_cols, 1)
        p_ref, p_ok_ref = read_patches(ds, gsel, edge_rows, edge_cols, 1)
        np.testing.assert_array_equal(p_ok, p_ok_ref)
        np.testing.assert_array_equal(np.where(p_ok, p, 0), np.where(p_ok_ref, p_ref, 0))
    region = make_region(info, None)
    np.testing.assert_array_equal(sample_region(ds, info, region, seed=3),
                                  sample_region(ds, gdal, region, seed=3))  # fmt: skip
