"""Weighting: the survey design (:mod:`~analysis.weighting.design`: strata, clusters, weights,
design-based estimates with ``svy``) and raking to population margins with weighted tables in the
tidy stats table's shape (:mod:`~analysis.weighting.weights`).
"""
