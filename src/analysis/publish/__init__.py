"""Publishing: the tidy stats table in, what a reader sees out.

:mod:`~analysis.publish.tables` turns stats rows into the human table that the notebook
(:mod:`~analysis.publish.page`), the Word report (:mod:`~analysis.publish.word`, tables by
:mod:`~analysis.publish.wordtable`) and the workbook (:mod:`~analysis.publish.excel`) all print;
:mod:`~analysis.publish.plan` reads from the codebooks what a report shows,
:mod:`~analysis.publish.sections` shows it section by section and records it for Word,
:mod:`~analysis.publish.charts` draws, :mod:`~analysis.publish.narrative` writes the sentences,
:mod:`~analysis.publish.report` places a district's folder and its ``stats.json``,
:mod:`~analysis.publish.notebook_html` turns the executed notebook into ``report.html`` and
:mod:`~analysis.publish.overview` writes the wave's overview page. Nothing here computes a
statistic or reads raw or cleaned data.

The writers are importable from here (they were ``analysis.render`` before), loaded when first
used, so that importing ``analysis.publish.charts`` does not load python-docx and openpyxl.
"""

import importlib

_WRITERS = {  # name → the module of this package that defines it
    "display_table": "tables", "table_note": "tables",
    "NOTEBOOK_ONLY_TAG": "page", "markdown_text": "page", "show_paragraphs": "page", "show_table": "page",
    "write_report_docx": "word", "write_tables_xlsx": "excel", "DistrictReport": "sections",
    "write_tables_docx": "word", "write_frames_xlsx": "excel",
    "wave_plan": "plan", "headlines": "plan",
    "LINKS": "overview", "write_index_html": "overview",
}


def __getattr__(name: str):
    if name in _WRITERS:
        return getattr(importlib.import_module(f"{__name__}.{_WRITERS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_WRITERS})
