"""Word tables written as XML in one piece (``analysis.wordtable``) are the tables python-docx
builds cell by cell (the way the report was written before: kept here as the reference), with
the table and cell properties in the schema's order."""

from __future__ import annotations

import zipfile

import pytest
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.text.paragraph import Paragraph
from lxml import etree

from analysis.publish import wordtable

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
STYLE = "Normal"


def reference_table(document, header, rows, widths, style_id, left):
    """The table as python-docx builds it through its API (this project's code before wordtable)."""
    table = document.add_table(rows=len(rows) + 1, cols=len(header))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    grid = [row.cells for row in table.rows]

    def fill(cell, text, bold=False, center=False):
        paragraph = cell.paragraphs[0]
        paragraph._p.get_or_add_pPr().style = style_id
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
        paragraph.add_run(text).bold = bold or None

    for j, cell in enumerate(grid[0]):
        fill(cell, header[j], bold=True, center=True)
    for cells, record in zip(grid[1:], rows):
        for j, (cell, text) in enumerate(zip(cells, record)):
            fill(cell, text, center=j not in left)
    for grid_col, width in zip(table._tbl.tblGrid.gridCol_lst, widths):
        grid_col.w = Cm(width)
    for cells in grid:
        for j, cell in enumerate(cells):
            cell.width = Cm(widths[j])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    column, first, start = [cells[0] for cells in grid[1:]], [r[0] for r in rows], 0
    for i in range(1, len(first) + 1):
        if i == len(first) or first[i] != first[start]:
            if i - start > 1:
                for k in range(start + 1, i):
                    column[k].paragraphs[0].clear()
                merged = column[start].merge(column[i - 1])
                for extra in merged.paragraphs[1:]:
                    extra._element.getparent().remove(extra._element)
            start = i
    borders = OxmlElement("w:tblBorders")
    for edge, size in (("top", "12"), ("bottom", "12"), ("left", None), ("right", None),
                       ("insideH", None), ("insideV", None)):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single" if size else "nil")
        if size:
            el.set(qn("w:sz"), size)
            el.set(qn("w:color"), "000000")
        borders.append(el)
    table._tbl.tblPr.append(borders)
    for cell in table.rows[0].cells:
        tc_borders, bottom = OxmlElement("w:tcBorders"), OxmlElement("w:bottom")
        for key, val in (("w:val", "single"), ("w:sz", "6"), ("w:color", "000000")):
            bottom.set(qn(key), val)
        tc_borders.append(bottom)
        cell._tc.get_or_add_tcPr().append(tc_borders)
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    # a short table is kept on one page; a long one breaks only between groups (every cell of a
    # row, the merged ones too, keeps with the next row while that row continues its group), and
    # not within its first or last KEEP_ENDS rows
    short, ends = len(rows) <= wordtable.KEEP_WHOLE_ROWS, wordtable.KEEP_ENDS
    for i, row in enumerate(table.rows[:-1]):
        if i == 0 or short or rows[i][0] == rows[i - 1][0] or i < ends or i > len(rows) - ends:
            for tc in row._tr.tc_lst:
                Paragraph(tc.p_lst[0], None).paragraph_format.keep_with_next = True


def table_element(build, header, rows, widths, left):
    document = Document()
    build(document, header, rows, widths, STYLE, left)
    return document.element.body.find(f"{W}tbl")


def canonical(tbl) -> bytes:
    """The table with the children of tblPr and tcPr sorted (python-docx appends some out of the
    schema's order; Word's order is checked separately)."""
    tbl = etree.fromstring(etree.tostring(tbl))
    for props in tbl.iter(f"{W}tblPr", f"{W}tcPr"):
        children = sorted(props, key=lambda e: e.tag)
        for child in children:
            props.remove(child)
            props.append(child)
    return etree.tostring(tbl, method="c14n")


CASES = {
    "merged runs, one at the end": (["指标", "类别", "人数", "占比（%）"],
                                    [["性别", "男", "27", "29.3"], ["性别", "女", "65", "70.7"],
                                     ["学历", "本科", "3", "—"], ["年龄", "35岁以下", "10", "10.9"],
                                     ["年龄", "35～44岁", "12", "13.0"], ["年龄", "45岁及以上", "70", "76.1"]]),
    "text that is not plain": (["项目", "满意率\n（%）"],
                               [["<b>&amp; \"引号\"</b>", "62.5\n（50.1～73.6）"], [" 前后空格 ", "a\tb"],
                                ["", "1\r\n2"]]),
    "a single row": (["问卷", "份数"], [["居民问卷", "100"]]),
    "header only": (["项目", "值"], []),
    "a long table of groups": (["指标", "类别", "人数"],
                               [[f"指标{g}", f"类别{k}", str(g * k)] for g in range(1, 5) for k in range(1, 6)]),
    "all rows one run": (["指标", "类别"], [["党员", "是"], ["党员", "否"], ["党员", "不详"]]),
}


@pytest.mark.parametrize("case", CASES)
def test_table_is_the_one_python_docx_builds(case):
    header, rows = CASES[case]
    widths = [3.1 + j for j in range(len(header))]
    left = {0}
    mine = table_element(wordtable.add_table, header, rows, widths, left)
    reference = table_element(reference_table, header, rows, widths, left)
    assert canonical(mine) == canonical(reference)


def test_properties_are_in_the_schemas_order(tmp_path):
    header, rows = CASES["merged runs, one at the end"]
    document = Document()
    wordtable.add_table(document, header, rows, [3, 4, 2, 3], STYLE, {0, 1})
    document.save(tmp_path / "t.docx")
    raw = zipfile.ZipFile(tmp_path / "t.docx").read("word/document.xml")
    assert b"<w:tbl>" in raw            # no namespace declared again on the table
    xml = etree.fromstring(raw)
    tbl_pr = [e.tag.replace(W, "") for e in xml.find(f".//{W}tblPr")]
    assert tbl_pr == ["tblW", "jc", "tblBorders", "tblLayout", "tblLook"]
    order = ["tcW", "gridSpan", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection",
             "tcFitText", "vAlign", "hideMark"]
    for tc_pr in xml.iter(f"{W}tcPr"):
        tags = [e.tag.replace(W, "") for e in tc_pr]
        assert tags == sorted(tags, key=order.index)
    # python-docx reads it back: merged cells, text with its line breaks
    table = Document(tmp_path / "t.docx").tables[0]
    assert [c.text for c in table.columns[0].cells] == ["指标", "性别", "性别", "学历", "年龄", "年龄", "年龄"]
    assert table.cell(1, 0)._tc is table.cell(2, 0)._tc
