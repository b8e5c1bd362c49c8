"""Reading (stage 1): rasters in and out. Raster metadata and checks, windows, tiles and
their halo, reads (GDAL or raw: ENVI memory maps, small rasters decoded whole), band
metadata (wavelengths, bad bands), and the atomic GeoTIFF outputs the last stage writes."""
