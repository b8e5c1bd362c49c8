"""Assessing (stage 5): a class map against reference data by good practice. Class-map
reading, the stratified validation sample, the Olofsson et al. estimators, the report."""
