"""Running: one notebook per district in warm Jupyter kernels, locally or on Dask.

:mod:`~analysis.run.runner` decides what to rerun and records outcomes; :mod:`~analysis.run.kernels`
keeps kernels warm; :mod:`~analysis.run.engine` is the papermill engine ``survey-warm``;
:mod:`~analysis.run.locks` lets one command at a time write a wave.
"""
