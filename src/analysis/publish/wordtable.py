"""A published table as a Word 三线表, written as WordprocessingML in one piece.

python-docx builds a table cell by cell, and each property it sets searches the element's
children first: for the 14 tables of a district report that was about 0.4 s of every report. The
table here is the same table (widths, alignment, merged 指标 cells, header repeated on each page,
rows never split, a short table kept on one page and a long one broken only between groups and
never with fewer than three of its rows on a page, heavy top and bottom rules and a thin rule under
the header), as one string parsed once. Elements are in the order the OOXML schema gives.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm

RULE = '<w:{edge} w:val="single" w:sz="{size}" w:color="000000"/>'
TABLE_BORDERS = ("<w:tblBorders>" + RULE.format(edge="top", size=12) + RULE.format(edge="bottom", size=12)
                 + "".join(f'<w:{edge} w:val="nil"/>' for edge in ("left", "right", "insideH", "insideV"))
                 + "</w:tblBorders>")
HEADER_RULE = "<w:tcBorders>" + RULE.format(edge="bottom", size=6) + "</w:tcBorders>"
TABLE_LOOK = ('<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" '
              'w:noHBand="0" w:noVBand="1" w:val="04A0"/>')
SPECIAL = re.compile(r"(\t|\r|\n)")
KEEP_WHOLE_ROWS = 8        # up to this many rows a table is kept on one page (no half-empty pages for longer)
KEEP_ENDS = 3              # a longer one keeps its first and last rows in threes (no lone row on a page)


def add_table(document, header: list[str], rows: list[list[str]], widths_cm: list[float], style_id: str,
              left_columns: set[int], keep_last: bool = False) -> None:
    """Append the table to ``document``'s body: ``header`` bold and centred, then ``rows``;
    columns in ``left_columns`` left-aligned, the others centred; runs of the same text in the
    first column merged into one cell, as printed tables do. ``keep_last``: the last row keeps
    with the paragraph after the table (its note, never alone at the top of a page)."""
    document.element.body._insert_tbl(parse_xml(table_xml(header, rows, widths_cm, style_id, left_columns,
                                                          keep_last)))


def table_xml(header: list[str], rows: list[list[str]], widths_cm: list[float], style_id: str,
              left_columns: set[int], keep_last: bool = False) -> str:
    twips = [Cm(w).twips for w in widths_cm]
    last = len(rows)                                 # index of the last row, the header being 0
    merge = _merges([r[0] for r in rows]) if rows and header else [None] * len(rows)
    out = [f"<w:tbl {nsdecls('w')}><w:tblPr>", '<w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/>',
           TABLE_BORDERS, '<w:tblLayout w:type="fixed"/>', TABLE_LOOK, "</w:tblPr><w:tblGrid>",
           *(f'<w:gridCol w:w="{w}"/>' for w in twips), "</w:tblGrid>",
           "<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>"]
    out += [_cell(text, twips[j], style_id, center=True, bold=True, keep=last > 0, rule=True)
            for j, text in enumerate(header)]
    out.append("</w:tr>")
    for i, row in enumerate(rows, 1):
        out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        # a short table stays on one page; a long one may break between groups, never inside one,
        # so a group's label (the merged first cell) is on the page with its rows
        keep = (i < last and (last <= KEEP_WHOLE_ROWS or merge[i] == "continue" or i < KEEP_ENDS
                              or i >= last - KEEP_ENDS + 1)) or (i == last and keep_last)
        for j, text in enumerate(row):
            state = merge[i - 1] if j == 0 else None
            out.append(_cell("" if state == "continue" else text, twips[j], style_id,
                             center=j not in left_columns, keep=keep, merge=state))
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def _merges(first: list[str]) -> list[str | None]:
    """Per row: "restart" where a run of two or more equal texts begins, "continue" for the rest
    of the run, None for a row of its own."""
    states: list[str | None] = [None] * len(first)
    start = 0
    for i in range(1, len(first) + 1):
        if i == len(first) or first[i] != first[start]:
            if i - start > 1:
                states[start] = "restart"
                states[start + 1:i] = ["continue"] * (i - start - 1)
            start = i
    return states


def _cell(text: str, twips: int, style_id: str, *, center: bool, keep: bool, bold: bool = False,
          rule: bool = False, merge: str | None = None) -> str:
    props = f'<w:tcW w:type="dxa" w:w="{twips}"/>'
    if merge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif merge == "continue":
        props += "<w:vMerge/>"
    if rule:
        props += HEADER_RULE
    props += '<w:vAlign w:val="center"/>'
    paragraph = (f'<w:pPr><w:pStyle w:val="{escape(style_id, {chr(34): "&quot;"})}"/>'
                 + ("<w:keepNext/>" if keep else "")
                 + f'<w:jc w:val="{"center" if center else "left"}"/></w:pPr>')
    if merge != "continue":     # the merged cells below the first keep an empty paragraph
        paragraph += "<w:r>" + ("<w:rPr><w:b/></w:rPr>" if bold else "<w:rPr/>") + _run_text(text) + "</w:r>"
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p>{paragraph}</w:p></w:tc>"


def _run_text(text: str) -> str:
    """Text as python-docx writes a run: a tab as ``<w:tab/>``, a line break as ``<w:br/>``, spaces
    at either end of a piece kept."""
    out = []
    for piece in SPECIAL.split(text):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\n", "\r"):
            out.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if piece.strip() != piece else ""
            out.append(f"<w:t{space}>{escape(piece)}</w:t>")
    return "".join(out)
