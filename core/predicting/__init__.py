"""Predicting (stage 4): the adapted classifier over the region, tile by tile (streamed,
on CPU or GPU), "where to label next" scored during the same pass, the adapted classifier
as a file, and its windows on a Dask cluster."""
