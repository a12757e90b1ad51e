"""Reading: export files in, raw tables out (text cells as the file holds them, each row's line).

:mod:`~analysis.read.ingest` reads 问卷星 downloads, Excel and CSV; :mod:`~analysis.read.statfiles`
SPSS and Stata files; both return the :class:`~analysis.read.rawtable.RawTable` of
:mod:`~analysis.read.rawtable`. :mod:`~analysis.read.values` says what a cell's text means as a
number or a list of options. Nothing here knows a codebook: meaning is the cleaner's business.
"""
