"""An executed notebook as a web page (nbconvert's lab template): the runner's page for a notebook
of one's own that writes no report. The district report's ``report.html`` is not this: it is
written by ``DistrictReport.write`` from the report's blocks (:mod:`analysis.publish.html`).

Kept out of ``analysis.publish`` so that a kernel, which writes the Word and Excel files, never
imports nbconvert: with it come nbformat's validator and jsonschema's format checkers, about
1.7 s of every kernel's start. Only the runner converts notebooks.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import nbformat
from jinja2 import DictLoader
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

from analysis.fileio import write_text
from analysis.publish.page import NOTEBOOK_ONLY_TAG

FIGURE_ALT = "图表"      # a figure output without a title of its own (charts give theirs)

# The lab template without the scripts it loads from a CDN (require.js, MathJax, mermaid), so
# that a report page opens offline, on an office intranet, without calling out; and a PNG
# output with its alternative text (the chart's title, from the output's metadata).
OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
{%- set width=output | get_metadata('width', 'image/png') -%}
{%- if width is not none %} width={{ width | escape_html }}{%- endif %}
 alt="{{ ((output | get_metadata('alt', 'image/png')) or '""" + FIGURE_ALT + """') | escape_html }}"
>
</div>
{%- endblock data_png %}
"""

# nbconvert makes cells and outputs focusable (tabindex) in a BeautifulSoup pass over the whole
# page; these are the template's own divs, so one substitution does the same.
FOCUSABLE = re.compile(r'<div class="(jp-Cell-inputWrapper|[^"<>]*\bjp-OutputArea-output\b[^"<>]*)"')
# Headings come out of nbconvert's anchor filter as ASCII, every Chinese character a numeric
# reference (&#19968;); the soup pass wrote them back as characters, and so does this: the page
# then reads as text (search, copy, the tests' checks) as before. Only non-ASCII code points are
# written back, which mean nothing to HTML (an escaped “&lt;” or “&amp;” stays as it is).
CHARACTER_REFERENCE = re.compile(r"&#(\d{3,7});")


def _as_character(match: re.Match) -> str:
    code = int(match.group(1))
    return chr(code) if 127 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)


class ReportExporter(HTMLExporter):
    """``HTMLExporter`` without its BeautifulSoup pass, which parses and writes out the whole page
    again (about a quarter of a second per report, in the runner) only to add image alt texts
    (the template adds them here, in Chinese) and the tabindex attributes (added here)."""

    def from_notebook_node(self, nb, resources=None, **kw):
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        page = CHARACTER_REFERENCE.sub(_as_character, page)
        return FOCUSABLE.sub(r'<div class="\1" tabindex="0"', page), resources


def notebook_to_html(ipynb_path: str | Path, html_path: str | Path, title: str) -> None:
    """The executed notebook as a report page: code and prompts hidden, figures embedded,
    no scripts fetched from the internet.

    Respondent text stays escaped: nbconvert escapes ``text/plain`` outputs, the ``text/html``
    outputs come from ``show_table`` (Styler told to escape) or from DataFrames (escaped by
    default), and the narrative goes through ``show_paragraphs``.
    """
    notebook = nbformat.read(str(ipynb_path), as_version=4)
    notebook.metadata["title"] = title
    notebook.cells = [c for c in notebook.cells if NOTEBOOK_ONLY_TAG not in c.metadata.get("tags", [])]
    for i, cell in enumerate(notebook.cells):     # papermill gives its injected cell a random id
        cell["id"] = f"cell-{i:02d}"
    body, _ = _exporter().from_notebook_node(notebook, resources={"metadata": {"name": title}})
    write_text(html_path, body)


_EXPORTERS = threading.local()


def _exporter() -> ReportExporter:
    """One exporter per thread (the runner converts districts on several threads): building one
    compiles its Jinja templates again, a fifth of the conversion's time."""
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:
        exporter = _EXPORTERS.html = ReportExporter(
            language_code="zh",          # <html lang="zh">: a Chinese page to browsers and screen readers
            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True,
            extra_loaders=[DictLoader({"offline.html.j2": OFFLINE_TEMPLATE})], template_file="offline.html.j2")
    return exporter
