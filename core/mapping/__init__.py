"""Mapping (stage 2): any band set into the representation the model was meta-trained on
("everything is a mapping"). Robust band statistics, resampling to the model's spectral
points, neighbourhood context, and the whole-tile projection of many-band rasters."""
