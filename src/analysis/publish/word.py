"""``report.docx``: the district report in Word, its tables and figures numbered, in the report's
section order, every table the output of ``display_table`` (tables as XML by ``wordtable``).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from analysis.config import SAMPLE_NOTE
from analysis.errors import SurveyError
from analysis.publish import wordtable
from analysis.publish.ooxml import FIXED_TIME, write_zip
from analysis.publish.plan import OFFICE_MARK
from analysis.publish.tables import TEXT_COLUMNS, published_tables, text_width

SYNTHETIC_LINE = f"{SAMPLE_NOTE}：本报告由合成数据生成，仅用于演示。"
BODY_FONT = ("Times New Roman", "宋体")   # (Latin, East Asian)
HEAD_FONT = ("黑体", "黑体")
BODY_PT, TABLE_PT, NOTE_PT = 12, 10.5, 9
TEXT_WIDTH_CM = 16.0                      # A4 with 2.5 cm margins
CHAR_UNIT_CM = 0.19                       # half a Chinese character at 10.5 pt, with some air


def _set_fonts(rpr, fonts: tuple[str, str]) -> None:
    """Set Latin and East Asian (``w:eastAsia``) fonts on an rPr element, dropping theme fonts."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    latin, east_asian = fonts
    for attr, font in (("w:ascii", latin), ("w:hAnsi", latin), ("w:cs", latin),
                       ("w:eastAsia", east_asian)):
        rfonts.set(qn(attr), font)


def _style(document, name: str, fonts, size: float, *, bold=False, align=None,
           before=0.0, after=0.0, line=1.0, indent=None):
    styles = document.styles
    if name in [s.name for s in styles]:
        style = styles[name]
    else:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if style.name != "Normal":
        style.base_style = styles["Normal"]
    _set_fonts(style.element.get_or_add_rPr(), fonts)
    style.font.size, style.font.bold = Pt(size), bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    fmt = style.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(before), Pt(after), line
    fmt.first_line_indent = indent
    if align is not None:
        fmt.alignment = align
    return style


def _setup_document(title: str):
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    default_rpr = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}"
                                               f"/{qn('w:rPr')}")
    _set_fonts(default_rpr, BODY_FONT)
    default_rpr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    center = WD_ALIGN_PARAGRAPH.CENTER
    _style(document, "Normal", BODY_FONT, BODY_PT, line=1.5, after=0, indent=Pt(2 * BODY_PT),
           align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    title_style = _style(document, "Title", HEAD_FONT, 18, align=center, after=6, indent=Pt(0))
    ppr = title_style.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    heading = _style(document, "Heading 1", HEAD_FONT, 14, before=12, after=6, indent=Pt(0))
    heading.paragraph_format.keep_with_next = True
    for level, size in ((2, 13), (3, 12), (4, 12)):  # 一级 14 pt 黑体, 二级 13 pt, 三级、四级 12 pt
        sub = _style(document, f"Heading {level}", HEAD_FONT, size, before=9, after=3, indent=Pt(0))
        sub.paragraph_format.keep_with_next = True
    _style(document, "Caption", HEAD_FONT, TABLE_PT, align=center, before=6, after=3,
           indent=Pt(0))
    _style(document, "表格文字", BODY_FONT, TABLE_PT, before=1.5, after=1.5, indent=Pt(0))
    _style(document, "表注", BODY_FONT, NOTE_PT, after=6, indent=Pt(0))
    _style(document, "示例说明", BODY_FONT, TABLE_PT, align=center, after=12, indent=Pt(0))
    office = _style(document, "待填写", BODY_FONT, BODY_PT, line=1.5, before=6, after=6, indent=Pt(0))
    _shade(office.element.get_or_add_pPr(), "FFF2CC")   # a place for the office to write: never content
    props = document.core_properties
    props.author = props.last_modified_by = props.comments = props.keywords = ""
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    props.title = title
    return document


def _column_widths(frame: pd.DataFrame) -> list[float]:
    """Widths in cm filling the text width: data cells on one line, headers on at most two;
    space left over first puts the headers that need least of it on one line. A table too wide
    for that keeps its label columns (项目, 类别 …) on one line and lets a value break before its
    bracketed interval (“1.78” over “（1.46～2.16）”), rather than squeezing every column alike."""
    budget, pad = TEXT_WIDTH_CM / CHAR_UNIT_CM, 3
    data = [max([0] + [text_width(t) for t in frame[h]]) for h in frame]
    widths = [max(d, _two_line_width(h)) + pad for h, d in zip(frame, data)]
    if sum(widths) > budget:
        return _wrapped_widths(frame, widths, budget, pad)
    one_line = [max(d, text_width(h)) + pad for h, d in zip(frame, data)]
    needs = [full - w for full, w in zip(one_line, widths)]
    for need in sorted(set(needs)):                  # alike columns (非常满意, 比较满意) alike
        group = [j for j, n in enumerate(needs) if n == need]
        if sum(widths) + need * len(group) <= budget:
            for j in group:
                widths[j] = one_line[j]
    return [w * TEXT_WIDTH_CM / sum(widths) for w in widths]


# “95%置信区间” on two lines reads “95%” over “置信区间”, not “95%置信区” over “间” (Word breaks
# Chinese anywhere): a header opening with half-width text breaks after it.
HALF_WIDTH_LEAD = re.compile(r"^[!-~]+(?=[^\x00-\x7f])")


def _lead_split(header: str) -> tuple[str, str] | None:
    match = HALF_WIDTH_LEAD.match(header)
    return (header[:match.end()], header[match.end():]) if match and "（" not in header else None


def _two_line_width(header: str) -> int:
    """The width a header needs on two lines: its two parts after a half-width lead, else half."""
    split = _lead_split(header)
    return max(map(text_width, split)) if split else -(-text_width(header) // 2)


def _break_before_brackets(frame: pd.DataFrame, widths_cm: list[float]) -> pd.DataFrame:
    """Where a value column is narrower than its text on one line, put the line break before the
    bracket (“1.78” / “（1.46～2.16）”) instead of leaving Word to break inside the interval;
    headers alike (“比值比” / “（有序logit）”), and after a half-width lead (“95%” / “置信区间”)."""
    out, columns = frame.copy(), list(frame.columns)
    for j, h in enumerate(frame.columns):
        if h in TEXT_COLUMNS:
            continue
        room = widths_cm[j] / CHAR_UNIT_CM - 2                  # less the cell margins
        if any(text_width(t) > room for t in frame[h]):
            out[h] = [re.sub(r"(?<=\S)（", "\n（", str(t)) for t in frame[h]]
        if text_width(h) > room:
            split = _lead_split(h)
            columns[j] = "\n".join(split) if split else re.sub(r"(?<=\S)（", "\n（", h)
    out.columns = columns
    return out


def _wrapped_widths(frame: pd.DataFrame, widths: list[float], budget: float, pad: int) -> list[float]:
    """Widths of an overfull table: value columns shrink towards their widest part when broken
    before “（”, in proportion to what each can give; label columns keep their one-line width."""
    least = []
    for h, w in zip(frame, widths):
        if h in TEXT_COLUMNS:
            least.append(w)
            continue
        parts = [text_width(p) for t in frame[h] for p in re.split(r"(?=（)", str(t)) if p]
        header = text_width(h) if text_width(h) <= 6 else _two_line_width(h)     # 平均值 on one line
        if "（" in h[1:]:                                                              # 居民 / （%）
            header = max(header, *(text_width(p) for p in re.split(r"(?=（)", h) if p))
        snug = 1 if header <= 5 else 0                 # “（%）” alone: bold brackets need the room
        least.append(max(max(parts, default=0) + pad - 1, header + pad + snug))        # values: less air
    give = [w - m for w, m in zip(widths, least)]
    excess = sum(widths) - budget
    if sum(give) <= excess:
        widths = least
        label = [j for j, h in enumerate(frame.columns) if h in TEXT_COLUMNS]
        over = sum(widths) - budget                   # still too wide: long labels wrap instead
        room = sum(widths[j] - 8 - pad for j in label if widths[j] > 8 + pad)
        if over > 0 and room > 0:
            cut = min(1.0, over / room)
            widths = [w - (w - 8 - pad) * cut if j in label and w > 8 + pad else w
                      for j, w in enumerate(widths)]
    else:
        widths = [w - g * excess / sum(give) for w, g in zip(widths, give)]
    return [w * TEXT_WIDTH_CM / sum(widths) for w in widths]


def _add_table(document, frame: pd.DataFrame) -> None:
    """``frame`` as a 三线表 (:mod:`analysis.publish.wordtable`): label columns left-aligned, the rest
    centred, widths from :func:`_column_widths`, lines broken before intervals where needed."""
    widths = _column_widths(frame)
    left = {j for j, c in enumerate(frame.columns) if c in TEXT_COLUMNS}
    frame = _break_before_brackets(frame, widths)
    wordtable.add_table(document, [str(h) for h in frame.columns],
                        [[str(t) for t in record] for record in frame.itertuples(index=False)],
                        widths, document.styles["表格文字"].style_id, left)


def write_report_docx(path: str | Path, *, S: pd.DataFrame, group: str, blocks: list,
                      meta: dict) -> None:
    """A unit's 调研报告 as Word, from the blocks the notebook showed (``publish.sections``): the
    title, headings, paragraphs, numbered tables (title above, base note below) and numbered figures
    (caption below), in the order shown. A table block names a table of ``S`` for ``group``."""
    present = published_tables(S, group)
    titles = [b.text for b in blocks if b.kind == "title"]
    title = titles[0] if titles else f"{group}{meta.get('title', '')}报告"
    document = _setup_document(title[:255])               # docx's title property holds 255 characters
    document.add_paragraph(title, style="Title")
    if meta.get("synthetic"):
        document.add_paragraph(SYNTHETIC_LINE, style="示例说明")
    counters = {"表": 0, "图": 0}
    for block in blocks:
        if block.kind == "heading":
            document.add_heading(block.text, level=min(max(block.level, 1), 4))
        elif block.kind == "office":
            _add_office(document, block.text)
        elif block.kind == "paragraph":
            document.add_paragraph(block.text)
        elif block.kind == "table":
            if block.table not in present:
                raise SurveyError(f"统计结果中没有{group}的表 {block.table}，不能写入 Word 报告",
                                  fix="只把 S 中有的表加入报告（DistrictReport.table 会自动跳过没有数据的表）。")
            table_title, frame, note = present[block.table]
            _add_numbered_table(document, table_title, frame, note, counters)
        elif block.kind == "figure":
            _add_numbered_figure(document, block.path, block.text, counters)
    data = io.BytesIO()
    document.save(data)
    write_zip(data.getvalue(), path)


def _shade(ppr, fill: str) -> None:
    """A paragraph style's background and border, so the office's place stands out on the page."""
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        edge = OxmlElement(f"w:{side}")
        for k, v in (("val", "dashed"), ("sz", "6"), ("space", "4"), ("color", "BF9000")):
            edge.set(qn(f"w:{k}"), v)
        borders.append(edge)
    later = ("w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
             "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
             "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
             "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
             "w:sectPr", "w:pPrChange")
    ppr.insert_element_before(borders, *later)           # the schema's order: pBdr, shd, then the rest
    ppr.insert_element_before(shd, *later)


def _add_office(document, prompt: str) -> None:
    """An ``office`` block: 【待本单位填写】 in bold, then what belongs there, in a shaded box."""
    paragraph = document.add_paragraph(style="待填写")
    paragraph.add_run(OFFICE_MARK).bold = True
    run = paragraph.add_run(prompt)
    run.font.color.rgb = RGBColor(0x7F, 0x60, 0x00)


def _add_numbered_table(document, title: str, frame: pd.DataFrame, note: str, counters) -> None:
    counters["表"] += 1
    caption = document.add_paragraph(f"表{counters['表']}　{title}", style="Caption")
    caption.paragraph_format.keep_with_next = True
    _add_table(document, frame)
    if note:
        document.add_paragraph(note, style="表注")


def _add_numbered_figure(document, image: Path, title: str, counters) -> None:
    counters["图"] += 1
    picture = document.add_paragraph(style="表格文字")
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    picture.add_run().add_picture(str(image), width=Cm(TEXT_WIDTH_CM))
    document.add_paragraph(f"图{counters['图']}　{title}", style="Caption")
