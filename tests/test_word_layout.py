"""The Word report's house style and layout: A4, Chinese (zh-CN) throughout, a PAGE field in the
footer, an office's reference.docx taken when present, wide tables on landscape pages, and — in
LibreOffice, where installed — pages numbered 1…N and no table cell broken inside a word."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm

from analysis.errors import SurveyError
from analysis.publish import charts, word
from test_charts import SOURCE, make_stats
from test_render import DISTRICT, report_blocks

SOFFICE = shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    S, folder = make_stats(DISTRICT), tmp_path_factory.mktemp("word")
    figures = {"worker_composition": charts.save_figure(charts.composition_bars(
                   S, "worker_composition", ["employment", "age_band"], DISTRICT, source=SOURCE), folder, "a")["png"],
               "resident_satisfaction": charts.save_figure(charts.likert_stacked(
                   S, "resident_satisfaction", DISTRICT, source=SOURCE), folder, "b")["png"]}
    blocks = report_blocks(S, figures)
    path = folder / "report.docx"
    word.write_report_docx(path, S=S, group=DISTRICT, blocks=blocks, meta={"synthetic": True})
    return {"S": S, "blocks": blocks, "docx": path, "folder": folder}


def test_the_document_is_chinese_throughout(built):
    with zipfile.ZipFile(built["docx"]) as z:
        xml = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}
    assert not [n for n, text in xml.items() if "ja-JP" in text]
    assert re.search(r'<w:themeFontLang [^>]*w:eastAsia="zh-CN"', xml["word/settings.xml"])
    langs = re.findall(r'w:eastAsia="([^"]+)"', xml["word/styles.xml"] + xml["word/stylesWithEffects.xml"])
    assert set(re.findall(r'<w:lang [^>]*w:eastAsia="([^"]+)"', xml["word/styles.xml"])) == {"zh-CN"}
    assert "zh-CN" in langs
    assert re.findall(r'<a:ea typeface="([^"]*)"/>', xml["word/theme/theme1.xml"]) == ["黑体", "宋体"]


def test_a4_and_a_page_number_field_in_the_footer(built):
    document = Document(built["docx"])
    first = document.sections[0]
    assert (round(first.page_width.cm, 1), round(first.page_height.cm, 1)) == (21.0, 29.7)
    footer = first.footer._element.xml
    assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", footer)
    assert footer.count('w:fldCharType="begin"') == footer.count('w:fldCharType="end"') == 1
    assert all(s.footer.is_linked_to_previous for s in document.sections[1:])    # one numbering


def test_a_table_too_wide_for_portrait_is_on_a_landscape_page_with_its_heading(built):
    """The 11-column rating table (项目, five answers, 满意率（%）, CI, 净满意度, 平均分, 有效回答)
    does not fit 16 cm with every cell on one line: its pages turn, and back after it."""
    document = Document(built["docx"])
    orientations = [s.orientation for s in document.sections]
    assert WD_ORIENT.LANDSCAPE in orientations and orientations[0] == orientations[-1] == WD_ORIENT.PORTRAIT
    body = document.element.body
    landscape_tables, seen = [], []
    for child in body:                         # which section each table sits in
        if child.tag == qn("w:tbl"):
            seen.append(child)
        sect = child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") if child.tag == qn("w:p") else None
        if sect is not None:
            if sect.find(qn("w:pgSz")).get(qn("w:orient")) == "landscape":
                landscape_tables += seen
            seen = []
    headers = [[c.text for c in t.rows[0].cells] for t in document.tables if t._tbl in landscape_tables]
    assert headers and all("满意率（%）" in h for h in headers)
    paragraphs = document.paragraphs
    heading = next(i for i, p in enumerate(paragraphs) if p.text == "（一）居民")
    breaks = [i for i, p in enumerate(paragraphs) if p._p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None]
    assert any(b == heading - 1 for b in breaks)           # the page turns before the heading, not after it


def test_a_reference_docx_gives_its_styles_page_and_footer(built, tmp_path):
    reference = Document()
    normal = reference.styles["Normal"]
    normal.font.name = "仿宋"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋_GB2312")
    section = reference.sections[0]
    section.left_margin = section.right_margin = Cm(2.8)
    section.footer.paragraphs[0].text = "某县委组织部"
    reference.add_paragraph("模板正文，不应进入报告")
    ref_path = tmp_path / "reference.docx"
    reference.save(ref_path)
    (tmp_path / "2026").mkdir()
    shutil.copy(ref_path, tmp_path / "2026" / "reference.docx")
    assert word.reference_docx("2026", raw_dir=tmp_path, config_dir=tmp_path / "none") == tmp_path / "2026" / "reference.docx"
    assert word.reference_docx("2027", raw_dir=tmp_path, config_dir=tmp_path / "none") is None
    out = tmp_path / "report.docx"
    word.write_report_docx(out, S=built["S"], group=DISTRICT, blocks=built["blocks"], meta={}, reference=ref_path)
    document = Document(out)
    assert document.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert round(document.sections[0].left_margin.cm, 1) == 2.8
    assert document.sections[0].footer.paragraphs[0].text == "某县委组织部"
    texts = [p.text for p in document.paragraphs]
    assert "模板正文，不应进入报告" not in texts and texts[0] == "桥东区 · 2026年社区调研报告"
    assert {"表格文字", "表注"} <= {s.name for s in document.styles}
    (tmp_path / "bad.docx").write_text("不是 Word 文件", encoding="utf-8")
    with pytest.raises(SurveyError, match="Word 模板"):
        word.write_report_docx(tmp_path / "x.docx", S=built["S"], group=DISTRICT, blocks=built["blocks"],
                               meta={}, reference=tmp_path / "bad.docx")


def test_a_long_table_breaks_only_between_groups(built):
    """Rows keep with the next row of their group; a table of more than KEEP_WHOLE_ROWS rows may
    break between groups, so a continued page never starts with a group's label missing."""
    from analysis.publish import wordtable

    rows = [[f"组{g}", f"类{k}", "1"] for g in range(6) for k in range(4)]
    xml = wordtable.table_xml(["指标", "类别", "人数"], rows, [4, 4, 2], "a", {0, 1})
    trs = re.findall(r"<w:tr>.*?</w:tr>", xml)[1:]
    keeps = ["<w:keepNext/>" in tr for tr in trs]
    assert keeps == [k < 3 for g in range(6) for k in range(4)][:-1] + [False]


def _fontconfig(tmp: Path) -> dict:
    """LibreOffice with the project's own CJK faces (the mplfonts folder), 宋体 and 黑体 mapped
    to them, so a machine without Chinese fonts measures the text as a reader's Word would."""
    fonts = charts._font_path().parent
    conf = tmp / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>{fonts}</dir>
<alias binding="same"><family>宋体</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
<alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
<cachedir>{tmp / 'fc-cache'}</cachedir></fontconfig>""", encoding="utf-8")
    import os

    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


@pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None, reason="LibreOffice 或 pdftotext 未安装")
def test_in_libreoffice_pages_are_numbered_and_no_cell_breaks_inside_a_word(built, tmp_path):
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(built["docx"])],
                   check=True, capture_output=True, timeout=300, env=_fontconfig(tmp_path))
    pdf = tmp_path / "report.pdf"
    pages = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    numbers = [re.findall(r"—\s*(\d+)\s*—", p)[-1:] for p in pages]
    assert numbers == [[str(i)] for i in range(1, len(pages) + 1)] and len(pages) >= 3
    lines = {re.sub(r"\s+", "", line) for p in pages for line in p.splitlines()}
    document = Document(built["docx"])
    broken = []
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for piece in cell.text.split("\n"):        # the writer's own breaks (before “（”)
                    piece = re.sub(r"\s+", "", piece)
                    if piece and not any(piece in line for line in lines):
                        broken.append(piece)
    assert broken == []
