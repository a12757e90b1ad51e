"""Specifications: what a questionnaire asks and how a population is made up.

:mod:`~analysis.spec.codebook` loads and checks the codebooks in ``config/codebooks/``;
:mod:`~analysis.spec.margins` the population margins in ``config/margins/``;
:mod:`~analysis.spec.draft` drafts a codebook from an export nobody has described yet.
"""
