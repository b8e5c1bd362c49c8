"""Adapting (stage 3): from labelled geometries to a classifier of this task. The support
set (labelled pixels, region samples), the inner loop and band correction, the label
propagation over the region, and the accuracy estimate over held-out features."""
