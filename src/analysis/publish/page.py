"""What the district notebook shows, which becomes the HTML report: tables (``show_table``) and
paragraphs (``show_paragraphs``), with every label and name from the data shown as text.
"""

from __future__ import annotations

import html
import re

import pandas as pd

from analysis.publish.tables import TEXT_COLUMNS, display_table

NOTEBOOK_ONLY_TAG = "notebook-only"   # cells for the researcher in JupyterLab, not for the report's reader
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()#!|~{}+$-])")     # $: no math from a name


def markdown_text(text: str) -> str:
    """Text shown literally in a Markdown cell: HTML escaped (``<script>`` stays text) and the
    Markdown punctuation backslash-escaped (no link, image or emphasis from a label or a name)."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def show_paragraphs(paragraphs: list[str], heading: str = ""):
    """Narrative paragraphs (and an optional ``##`` heading) for a notebook or the HTML report;
    district names and labels come from data and codebooks, so they are shown escaped."""
    from IPython.display import Markdown

    blocks = ([f"## {markdown_text(heading)}"] if heading else []) + [markdown_text(t) for t in paragraphs]
    return Markdown("\n\n".join(blocks))


def show_table(S: pd.DataFrame, table: str, group: str, variables: list[str] | None = None):
    """``display_table`` styled for a notebook or the HTML report: no row numbers, text left-aligned.
    A district without rows in ``table`` (no valid questionnaire of that kind) gets a line saying so."""
    if S[(S["table"] == table) & (S["group"] == group)].empty:
        from IPython.display import Markdown

        return Markdown(markdown_text(f"（{group}没有可用于本表的有效回答。）"))
    frame = display_table(S, table, group, variables)
    text = [c for c in frame.columns if c in TEXT_COLUMNS]
    return (frame.style.set_uuid(re.sub(r"\W", "_", table))     # stable ids: same report, same bytes
            .format(escape="html").format_index(escape="html", axis=1)  # a Styler does not escape
            .hide(axis="index")
            .set_properties(subset=text, **{"text-align": "left"})
            .set_table_styles([{"selector": "th", "props": [("text-align", "center")]}]))
