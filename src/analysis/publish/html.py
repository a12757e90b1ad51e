"""``report.html``: the report as a web page, the same document as ``report.docx``.

Built from the blocks the notebook recorded (:func:`analysis.publish.document.numbered`), not from
the executed notebook: the page has the Word report's title, chapters, 表N and 图N with their
captions and notes, in the same order, and nothing else: no code, no row numbers, no warnings or
anything a cell wrote to stderr (those go to the run's log). Tables are ``display_table``'s, so
their headers are the Chinese ones of Word and Excel; charts are the saved PNGs, embedded. The
page is one file that opens offline: no script, its font embedded (:mod:`analysis.publish.webfont`),
and a link back to the wave's overview (``../index.html``). Every text from data is escaped.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

import pandas as pd

from analysis.fileio import write_text
from analysis.publish.document import Part, numbered
from analysis.publish.tables import TEXT_COLUMNS
from analysis.publish.webfont import font_face_css, font_stack
from analysis.publish.wordtable import _merges

OVERVIEW_LINK = ("../index.html", "返回总览")
SIBLINGS = "本报告的 Word 版（report.docx）、各表（tables.xlsx）、统计结果（stats.json）和图表（figures/，PNG 与 SVG）与本页在同一文件夹。"

PAGE_CSS = """
body { font-family: %(fonts)s; margin: 2em auto; max-width: 52em; padding: 0 1.2em;
       color: #1a1a1a; line-height: 1.75; font-size: 16px; }
nav { font-size: .9em; margin-bottom: 1.5em; }
a { color: #1f5fa8; }
h1 { font-size: 1.6em; text-align: center; font-weight: normal; margin: .6em 0 .2em; }
h2 { font-size: 1.3em; font-weight: normal; margin: 1.8em 0 .6em; }
h3 { font-size: 1.15em; font-weight: normal; margin: 1.4em 0 .5em; }
h4 { font-size: 1.05em; font-weight: normal; margin: 1.2em 0 .4em; }
h5 { font-size: 1em; font-weight: normal; margin: 1em 0 .4em; }
.office { background: #fff2cc; border: 1px dashed #bf9000; color: #7f6000; padding: .6em .8em; margin: .8em 0; }
p { text-indent: 2em; margin: .4em 0; text-align: justify; }
p.synthetic { text-indent: 0; text-align: center; color: #8a4b00; }
p.note, p.closing { text-indent: 0; font-size: .85em; color: #444; }
figure { margin: 1.4em 0; }
figcaption { text-align: center; margin: .3em 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 0 auto; border-top: 2px solid #000;
        border-bottom: 2px solid #000; font-size: .9em; }
th { border-bottom: 1px solid #000; padding: .3em .6em; text-align: center; font-weight: normal;
     vertical-align: middle; }
td { padding: .25em .6em; text-align: center; vertical-align: middle; word-break: keep-all; }
td.text { text-align: left; }
figure img { display: block; margin: 0 auto; max-width: 100%%; height: auto; }
"""


def write_report_html(path: str | Path, *, S: pd.DataFrame, group: str, blocks: list, meta: dict,
                      title: str) -> Path:
    """Write the page for ``group`` from ``blocks`` (see the module's docstring); returns its path."""
    parts = numbered(blocks, S, group)
    body = [f'<nav><a href="{OVERVIEW_LINK[0]}">{OVERVIEW_LINK[1]}</a></nav>', "<main>",
            f"<h1>{escape(title)}</h1>"]
    if meta.get("synthetic"):
        from analysis.publish.word import SYNTHETIC_LINE

        body.append(f'<p class="synthetic">{escape(SYNTHETIC_LINE)}</p>')
    body += [_part(p) for p in parts if p.kind != "title"]
    body += [f'<p class="closing">{escape(SIBLINGS)}</p>', "</main>"]
    text = "\n".join(body)
    css = font_face_css(title + text) + PAGE_CSS % {"fonts": font_stack()}
    page = ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>\n{css}\n</style>\n</head>\n<body>\n{text}\n</body>\n</html>\n")
    write_text(path, page)
    return Path(path)


def _part(p: Part) -> str:
    if p.kind == "heading":
        level = min(max(p.level, 1), 4) + 1
        return f"<h{level}>{escape(p.text)}</h{level}>"
    if p.kind == "table":
        note = f'\n<p class="note">{escape(p.note)}</p>' if p.note else ""
        return (f'<figure class="table" id="table-{p.number}">\n<figcaption>{escape(p.caption)}</figcaption>\n'
                f'<div class="table-wrap">{table_html(p.frame)}</div>{note}\n</figure>')
    if p.kind == "figure":
        data = base64.b64encode(Path(p.path).read_bytes()).decode("ascii")
        return (f'<figure class="chart" id="figure-{p.number}">\n'
                f'<img src="data:image/png;base64,{data}" alt="{escape(p.text)}">\n'
                f"<figcaption>{escape(p.caption)}</figcaption>\n</figure>")
    if p.kind == "office":             # a marked place for the office to write, never content
        from analysis.publish.plan import OFFICE_MARK

        return f'<aside class="office"><strong>{escape(OFFICE_MARK)}</strong>{escape(p.text)}</aside>'
    return f"<p>{escape(p.text)}</p>"


def table_html(frame: pd.DataFrame) -> str:
    """A display table as a 三线表: the header row, then the rows; runs of one text in the first
    column merged into one cell (as in Word); label columns left-aligned."""
    columns = list(frame.columns)
    rows = [[str(t) for t in record] for record in frame.itertuples(index=False)]
    merges = _merges([r[0] for r in rows]) if rows else []
    out = ["<table>", "<thead><tr>" + "".join(f'<th scope="col">{_lines(h)}</th>' for h in columns)
           + "</tr></thead>", "<tbody>"]
    for i, row in enumerate(rows):
        cells = []
        for j, text in enumerate(row):
            css = ' class="text"' if columns[j] in TEXT_COLUMNS else ""
            if j == 0 and merges[i] == "continue":
                continue
            if j == 0 and merges[i] == "restart":
                span = next((k for k in range(i + 1, len(rows)) if merges[k] != "continue"), len(rows)) - i
                cells.append(f'<td{css} rowspan="{span}">{_lines(text)}</td>')
            else:
                cells.append(f"<td{css}>{_lines(text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "".join(out)


def _lines(text: str) -> str:
    return "<br>".join(escape(line) for line in str(text).split("\n"))
