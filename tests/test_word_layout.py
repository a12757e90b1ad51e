"""The Word report's house style and layout: A4, Chinese (zh-CN) throughout, a PAGE field in the
footer, an office's reference.docx taken when present, wide tables on landscape pages, and — in
LibreOffice, where installed — pages numbered 1…N and no table cell broken inside a word."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm

from analysis.errors import SurveyError
from analysis.publish import charts, word, wordwrap
from analysis.publish.document import Part, numbered
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
    parts = numbered(blocks, S, DISTRICT)
    first = next(i for i, p in enumerate(parts) if p.kind == "table")
    parts.insert(first + 1, INDICATORS)
    word.write_parts_docx(path, parts, blocks[0].text, {"synthetic": True})
    return {"S": S, "blocks": blocks, "docx": path, "folder": folder, "parts": parts}


# 裕华区's 表3 (指标, 数值, 基数): three columns, wide only by its long 基数 sentences, which took a
# landscape page of its own, two thirds of it empty
INDICATORS = Part("table", "社区工作者主要指标", number=0, caption="表甲　社区工作者主要指标", note="注：基数为有效回答。",
                  frame=pd.DataFrame({
                      "指标": ["社区党组织书记", "社区居委会主任（含“一肩挑”书记）", "社区党组织书记平均年龄",
                               "书记、主任“一肩挑”比例", "专职占比", "35岁以下占比", "大专及以上占比"],
                      "数值": ["8", "8", "44.5", "25.0%", "37.8%", "22.2%", "62.2%"],
                      "基数": ["全部受访者 45", "全部受访者 45", "有效回答 8 人",
                               "社区党组织书记（回答“书记、主任“一肩挑””）8", "回答“专兼职”的全部受访者 45",
                               "回答“年龄段”的全部受访者 45", "回答“文化程度（两分）”的全部受访者 45"]}))


def test_the_document_is_chinese_throughout(built):
    with zipfile.ZipFile(built["docx"]) as z:
        xml = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}
    assert not [n for n, text in xml.items() if "ja-JP" in text]
    assert re.search(r'<w:themeFontLang [^>]*w:eastAsia="zh-CN"', xml["word/settings.xml"])
    langs = re.findall(r'w:eastAsia="([^"]+)"', xml["word/styles.xml"] + xml["word/stylesWithEffects.xml"])
    assert set(re.findall(r'<w:lang [^>]*w:eastAsia="([^"]+)"', xml["word/styles.xml"])) == {"zh-CN"}
    assert "zh-CN" in langs
    assert re.findall(r'<a:ea typeface="([^"]*)"/>', xml["word/theme/theme1.xml"]) == ["黑体", "仿宋"]
    assert re.search(r'<a:minorFont>\s*<a:latin typeface="Times New Roman"', xml["word/theme/theme1.xml"])


def test_the_house_style_is_gbt_9704_with_faces_every_machine_has(built):
    """Body 仿宋 四号 (Latin Times New Roman), title 宋体 二号 bold, 一级 黑体 三号, 二级 楷体 小三,
    三级 仿宋 bold, tables 宋体 五号, notes 小五; margins 3.7 / 3.5 / 2.8 / 2.6 cm (a landscape
    page: the binding edge as top and bottom, 2.5 cm sides); the page number 宋体 四号. The theme's East Asian faces agree (test above)."""
    document = Document(built["docx"])

    def face(style):
        fonts = document.styles[style].element.rPr.rFonts
        return (fonts.get(qn("w:ascii")), fonts.get(qn("w:eastAsia")), document.styles[style].font.size.pt,
                bool(document.styles[style].font.bold))

    assert face("Normal") == ("Times New Roman", "仿宋", 14, False)
    assert face("Title") == ("Times New Roman", "宋体", 22, True)
    assert face("Heading 1") == ("Times New Roman", "黑体", 16, False)
    assert face("Heading 2") == ("Times New Roman", "楷体", 15, False)
    assert face("Heading 3") == ("Times New Roman", "仿宋", 14, True)
    assert face("Heading 4") == ("Times New Roman", "仿宋", 14, False)
    assert face("表格文字") == ("Times New Roman", "宋体", 10.5, False)
    assert face("表注")[1:3] == ("宋体", 9) and face("Caption")[1:3] == ("黑体", 10.5)
    assert face("Footer")[1:3] == ("宋体", 14)
    defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋"
    for section in document.sections:
        margins = [round(getattr(section, f"{side}_margin").cm, 2) for side in ("top", "bottom", "left", "right")]
        assert margins == ([3.7, 3.5, 2.8, 2.6] if section.orientation == WD_ORIENT.PORTRAIT else [2.8, 2.6, 2.5, 2.5])
    assert {s.orientation for s in document.sections} == {WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE}


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
    headers = [[c.text.replace("\n", "") for c in t.rows[0].cells] for t in document.tables
               if t._tbl in landscape_tables]
    assert headers and all("满意率（%）" in h for h in headers)
    paragraphs = document.paragraphs
    heading = next(i for i, p in enumerate(paragraphs) if p.text == "（一）居民")
    breaks = [i for i, p in enumerate(paragraphs) if p._p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None]
    assert any(b == heading - 1 for b in breaks)           # the page turns before the heading, not after it


def test_a_landscape_page_keeps_the_binding_edge_and_gives_a_wide_table_24_7_cm(built):
    """GB/T 9704's margins turned with the page left 22.5 cm, and the appendix's nine-column
    comparison broke 社区工作者 and 百分点 inside their words in its headers (桥东区 p. 33): a
    landscape page keeps the portrait's left/right as its top/bottom and has 2.5 cm sides; the
    portrait pages after it have the first section's margins again."""
    document = Document(built["docx"])
    first = document.sections[0]
    cm = 360000
    for section in document.sections[1:]:
        if section.orientation == WD_ORIENT.LANDSCAPE:
            assert (section.top_margin, section.bottom_margin) == (first.left_margin, first.right_margin)
            assert (section.page_width - section.left_margin - section.right_margin) / cm == pytest.approx(24.7, abs=0.01)
        else:
            assert [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin] == \
                [first.top_margin, first.bottom_margin, first.left_margin, first.right_margin]
    assert any(s.orientation == WD_ORIENT.LANDSCAPE for s in document.sections)


def test_a_short_table_wide_only_by_its_text_stays_portrait_and_its_text_wraps_at_phrases(built):
    """Landscape is for many figures: the three-column 表3 whose 基数 sentences are long stays on
    a portrait page, its text columns wrapped by the writer at phrase boundaries to fit their width."""
    frame = INDICATORS.frame
    assert word._landscape([INDICATORS], word.TEXT_WIDTH_CM) == [False]
    assert wordwrap.is_text_column(frame, "基数") and not wordwrap.is_text_column(frame, "数值")
    widths = word._column_widths(frame)
    assert sum(widths) == pytest.approx(word.TEXT_WIDTH_CM)
    wrapped = word._break_before_brackets(frame, widths)
    for j, h in enumerate(frame.columns):
        room = widths[j] / word.CHAR_UNIT_CM - 2
        assert all(wordwrap.width(line) <= room for t in wrapped[h] for line in t.split("\n")), h
    assert list(wrapped["数值"]) == list(frame["数值"])                     # figures on one line
    assert "社区党组织书记（回答“书记、主任\n“一肩挑””）8" in list(wrapped["基数"])
    document = Document(built["docx"])
    table = next(t for t in document.tables if t.rows[0].cells[-1].text == "基数")
    body = list(document.element.body)
    sect = next(c.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") for c in body[body.index(table._tbl):]
                if c.tag == qn("w:p") and c.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None)
    assert sect.find(qn("w:pgSz")).get(qn("w:orient")) != "landscape"


def test_the_appendix_between_two_wide_tables_stays_on_their_landscape_pages():
    """裕华区's appendix: a wide table, six short parts (two tables, headings, a paragraph), another
    wide table. The pages do not turn back to portrait between them, which left the first wide table
    alone on a landscape page two thirds empty and a portrait page with two lines of text."""
    wide = pd.DataFrame({h: ["12.3（10.1～14.5）"] * 5 for h in ("项目", "非常满意", "比较满意", "一般", "不太满意",
                                                                 "很不满意", "满意率（%）", "净满意度", "平均分")})
    short = pd.DataFrame({"项目": ["年龄"], "人数": ["45"]})
    parts = [Part("heading", "附录", level=1), Part("table", frame=wide), Part("table", frame=short),
             Part("heading", "（二）", level=2), Part("table", frame=short), Part("table", frame=short),
             Part("heading", "（三）", level=2), Part("paragraph", "总体满意率为74.0%。"), Part("table", frame=wide),
             Part("paragraph", "正文。"), Part("table", frame=short)]
    assert word._landscape(parts, word.TEXT_WIDTH_CM) == [True] * 9 + [False] * 2


def test_text_wraps_between_words_never_inside_a_number_or_before_closing_punctuation():
    text = "回答“文化程度（两分）”的全部受访者 45，满意率为55.6%的项目共12345项（含COVID-19）"
    for room in range(12, 40, 3):
        lines = wordwrap.wrap(text, room).split("\n")
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")       # nothing lost or added
        assert all(line[0] not in wordwrap.CLOSING and line[-1] not in wordwrap.OPENING for line in lines)
        joined = "|".join(lines)
        for word_ in ("55.6%", "12345", "COVID-19", "45", "“文化程度（两分）”"):
            assert word_ in joined, (room, lines)
        assert all(wordwrap.width(line) <= room or line in text and " " not in line and
                   wordwrap.least_width([line]) == wordwrap.width(line) for line in lines)
    assert wordwrap.wrap("全部受访者 45", 12) == "全部受访\n者 45"               # a count is no widow
    assert wordwrap.wrap("社区服务", 4) == "社区\n服务" and wordwrap.wrap("社区服务", 8) == "社区服务"


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
    noted = re.findall(r"<w:tr>.*?</w:tr>", wordtable.table_xml(["指标", "类别", "人数"], rows, [4, 4, 2], "a",
                                                                 {0, 1}, keep_last=True))[1:]
    assert ["<w:keepNext/>" in tr for tr in noted] == keeps[:-1] + [True]     # the note stays with its rows

    def row_keeps(n):
        xml = wordtable.table_xml(["选项", "人数"], [[f"选项{k}", "1"] for k in range(n)], [4, 2], "a", {0})
        return ["<w:keepNext/>" in tr for tr in re.findall(r"<w:tr>.*?</w:tr>", xml)[1:]]

    assert row_keeps(8) == [True] * 7 + [False]                    # a short table: one page
    # 12 rows of their own (no groups) may break anywhere but within their first and last three,
    # so neither page holds a lone row (裕华区's 样本流向 left two thirds of page 1 empty when kept whole)
    assert row_keeps(12) == [True, True] + [False] * 7 + [True, True, False]


def _fontconfig(tmp: Path) -> dict:
    """LibreOffice with the project's own CJK faces (the mplfonts folder), the report's 宋体, 仿宋,
    楷体 and 黑体 mapped to them (full-width faces all, so the widths are a reader's Word's), so a
    machine without Chinese fonts measures and draws the text."""
    fonts = charts._font_path().parent
    conf = tmp / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>{fonts}</dir>
<alias binding="same"><family>宋体</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
<alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
<alias binding="same"><family>仿宋</family><prefer><family>Source Han Serif SC</family></prefer></alias>
<alias binding="same"><family>楷体</family><prefer><family>Source Han Serif SC</family></prefer></alias>
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
    section = document.sections[0]
    top, bottom = section.top_margin.pt, section.bottom_margin.pt
    bbox = subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    sizes, fills = [], []
    for page in re.findall(r"<page (.*?)</page>", bbox, re.S):
        width, height = (float(v) for v in re.findall(r'(?:width|height)="([\d.]+)"', page)[:2])
        words = [(float(y), w) for y, w in re.findall(r'yMax="([\d.]+)">([^<]*)</word>', page)]
        body = [y for y, w in words if y < height - bottom and w.strip()]    # less the footer's number
        sizes.append(width > height)
        fills.append((max(body, default=top) - top) / (height - top - bottom))
    turned = [i for i, across in enumerate(sizes) if across]
    assert turned                                         # the rating tables need the width
    starts = [i for i in turned if i == 0 or not sizes[i - 1]]
    assert all(fills[i] >= 1 / 3 for i in starts), [(i + 1, round(fills[i], 2)) for i in turned]
