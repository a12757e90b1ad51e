"""Publishing: the tidy stats table in, what a reader sees out.

:mod:`~analysis.publish.tables` turns stats rows into the human table that the notebook
(:mod:`~analysis.publish.page`), the Word report (:mod:`~analysis.publish.word`, tables by
:mod:`~analysis.publish.wordtable`) and the workbook (:mod:`~analysis.publish.excel`) all print;
:mod:`~analysis.publish.charts` draws, :mod:`~analysis.publish.narrative` writes the sentences,
:mod:`~analysis.publish.report` places a district's folder and its ``stats.json``,
:mod:`~analysis.publish.notebook_html` turns the executed notebook into ``report.html`` and
:mod:`~analysis.publish.overview` writes the wave's overview page. Nothing here computes a
statistic or reads raw or cleaned data.

The writers are importable from here (they were ``analysis.publish`` before).
"""

from analysis.publish.excel import write_tables_xlsx
from analysis.publish.overview import LINKS, write_index_html
from analysis.publish.page import (
    NOTEBOOK_ONLY_TAG,
    markdown_text,
    show_paragraphs,
    show_table,
)
from analysis.publish.tables import display_table, table_note
from analysis.publish.word import SECTIONS, write_district_docx

__all__ = [
    "LINKS", "NOTEBOOK_ONLY_TAG", "SECTIONS", "display_table", "markdown_text", "show_paragraphs", "show_table",
    "table_note", "write_district_docx", "write_index_html", "write_tables_xlsx",
]
