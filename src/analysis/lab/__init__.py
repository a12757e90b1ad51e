"""The researcher's API: one survey object and a few verbs, for JupyterLab.

    import analysis as sa
    w = sa.open_wave("2026")
    r = w.survey("resident")
    r.freq(...), r.where(...), r.crosstab(...), r.compare(...), r.multi(...), r.likert(...),
    r.weighted(), r.rank(...), r.banner(...), r.reliability(...), r.drivers(), r.labelled()
    r.describe(), r.texts(), r.indicators(), r.where(...).vs_rest(), r.shared(other), w.flow(unit)
    sa.unit_surveys(wave, unit)      # a unit's surveys, for the district notebook's own tables

Every table of the district report has the verb that computes it with the same ``stats`` function
(``tests/test_report_through_verbs.py``).

:mod:`~analysis.lab.survey` holds the object and its verbs, :mod:`~analysis.lab.names` turns
names, labels and answers into codebook names and codes, :mod:`~analysis.lab.results` the result
every verb returns (a 三线表 in Jupyter, ``.frame``, ``.chart()``, ``.to_docx()``, ``.to_xlsx()``),
:mod:`~analysis.lab.tables` lays rows out as tables, :mod:`~analysis.lab.banner` the banner
tables with significance letters, :mod:`~analysis.lab.factor` KMO, Bartlett and EFA.
The figures come from ``analysis.stats`` and ``analysis.weighting``.
"""

from analysis.lab.results import Result
from analysis.lab.survey import LabWave, Recode, Survey, open_wave, unit_surveys

__all__ = ["LabWave", "Recode", "Result", "Survey", "open_wave", "unit_surveys"]
