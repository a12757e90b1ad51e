"""``report.docx``: the district report in Word, its tables and figures numbered, in the report's
section order, every table the output of ``display_table`` (tables as XML by ``wordtable``).

The house style follows GB/T 9704 (党政机关公文格式) where a table-heavy 调研报告 allows:

- A4; margins 上 3.7 cm, 下 3.5, 左 2.8, 右 2.6 (text 15.6 cm wide); a landscape page keeps the
  binding edge (its top and bottom are the portrait's left and right) and has 2.5 cm sides, so a
  wide table gets 24.7 cm (the turned 3.7/3.5 left 22.5 cm, too little for nine columns).
- Faces every Windows and WPS machine has (Word substitutes a missing face silently, so no
  方正小标宋 or 仿宋_GB2312): title 宋体 二号 (22 pt) bold, standing for the standard's 小标宋;
  一级标题 黑体 三号; 二级标题 楷体 小三; 三级标题 仿宋 bold, 四级 仿宋, both at the body's size; body
  仿宋 四号 (14 pt), Latin and figures Times New Roman, lines 1.5 apart, first line indented two
  characters. The standard's body is 三号 (16 pt); at that size a report of a dozen tables grows by
  a third and its tables read small beside it, so the body is one step down.
- Tables, their notes and the sample line in 宋体: 五号 (10.5 pt) in cells, 小五 (9 pt) for notes
  (仿宋 is too thin at that size); table and figure titles 黑体 五号.
- The page number “— N —” centred in the footer, 宋体 四号, a PAGE field (the standard puts odd
  pages right and even left; a report printed one-sided reads better centred).
- Chinese (zh-CN) the East Asian language of the styles, the theme and the settings; the theme's
  East Asian faces 黑体 (headings) and 仿宋 (body), agreeing with the styles.

An office's own template wins: a ``reference.docx`` (``data/raw/<wave>/`` or ``config/``, as
pandoc's reference-doc) gives its styles, page setup, header and footer, and the report only adds
the styles it needs that the template lacks. A table goes on a landscape page only when its
figures do not fit the portrait width with its text columns wrapped (:mod:`wordwrap`).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from analysis import config
from analysis.config import SAMPLE_NOTE
from analysis.errors import SurveyError
from analysis.publish import wordtable, wordwrap
from analysis.publish.document import numbered
from analysis.publish.ooxml import FIXED_TIME, write_zip
from analysis.publish.plan import OFFICE_MARK
from analysis.publish.wordwrap import width as text_width  # quotes full width, as drawn

SYNTHETIC_LINE = f"{SAMPLE_NOTE}：本报告由合成数据生成，仅用于演示。"
# GB/T 9704 faces, each on every Windows and WPS machine (Word substitutes a missing face silently,
# so not 方正小标宋 or 仿宋_GB2312): (Latin, East Asian)
BODY_FONT = ("Times New Roman", "仿宋")      # 正文, 三级 and 四级标题
TITLE_FONT = ("Times New Roman", "宋体")     # 标题 (the standard's 小标宋: 宋体 bold where it is absent)
HEAD_FONT = ("Times New Roman", "黑体")      # 一级标题, 表题 and 图题
SUB_FONT = ("Times New Roman", "楷体")       # 二级标题
TABLE_FONT = ("Times New Roman", "宋体")     # 表格 and 表注: 仿宋 is too thin at 五号
TITLE_PT, HEAD_PT, BODY_PT, TABLE_PT, NOTE_PT, PAGE_NUMBER_PT = 22, 16, 14, 10.5, 9, 14   # 二号 三号 四号 五号 小五
MARGINS_CM = {"top_margin": 3.7, "bottom_margin": 3.5, "left_margin": 2.8, "right_margin": 2.6}  # GB/T 9704
TEXT_WIDTH_CM = 21.0 - 2.8 - 2.6          # A4 portrait, the margins above: 15.6 cm
REFERENCE_DOCX = "reference.docx"         # an office's own Word template (styles, page, footer)
EAST_ASIAN = "zh-CN"
CHAR_UNIT_CM = 0.19                       # half a Chinese character at 10.5 pt, with some air
# (style, fonts, size, bold, space before / after in pt): the house style's headings and captions
HEADINGS = (("Title", TITLE_FONT, TITLE_PT, True, 0, 12), ("Heading 1", HEAD_FONT, HEAD_PT, False, 12, 6),
            ("Heading 2", SUB_FONT, HEAD_PT - 1, False, 9, 3), ("Heading 3", BODY_FONT, BODY_PT, True, 6, 3),
            ("Heading 4", BODY_FONT, BODY_PT, False, 6, 3), ("Caption", HEAD_FONT, TABLE_PT, False, 6, 3))


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


def reference_docx(wave: str, raw_dir: Path = config.RAW_DIR, config_dir: Path = config.CONFIG_DIR) -> Path | None:
    """The office's Word template for ``wave``: ``<raw_dir>/<wave>/reference.docx``, else
    ``<config_dir>/reference.docx``, else None (the house style)."""
    for folder in (Path(raw_dir) / str(wave), Path(config_dir)):
        if (folder / REFERENCE_DOCX).is_file():
            return folder / REFERENCE_DOCX
    return None


def _from_reference(path: Path):
    """The template's package with its body emptied: its styles, theme, numbering, page setup,
    headers and footers stay (the body's last ``sectPr``)."""
    try:
        document = Document(str(path))
    except Exception as err:           # not a Word file, or a damaged one
        raise SurveyError(f"Word 模板无法打开：{err}", file=str(path),
                          fix="换用另存为 .docx 的 Word 文件，或删去该文件以使用默认样式。") from err
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return document


def _setup_document(title: str, reference: Path | None = None):
    document = _from_reference(reference) if reference else Document()
    names = {s.name for s in document.styles}
    center = WD_ALIGN_PARAGRAPH.CENTER
    if reference is None:
        section = document.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        for side, cm in MARGINS_CM.items():
            setattr(section, side, Cm(cm))
        default_rpr = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}"
                                                   f"/{qn('w:rPr')}")
        _set_fonts(default_rpr, BODY_FONT)
        default_rpr.find(qn("w:lang")).set(qn("w:eastAsia"), EAST_ASIAN)
        _style(document, "Normal", BODY_FONT, BODY_PT, line=1.5, after=0, indent=Pt(2 * BODY_PT),
               align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        ppr = document.styles["Title"].element.get_or_add_pPr()
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)
        footer = _style(document, "Footer", TABLE_FONT, PAGE_NUMBER_PT, align=center, indent=Pt(0))
        footer.paragraph_format.line_spacing = 1.0
        _page_number_footer(section)
    for name, fonts, size, bold, before, after in HEADINGS:
        if reference is None or name not in names:     # a template without it: the house style's
            style = _style(document, name, fonts, size, bold=bold, before=before, after=after, indent=Pt(0),
                           align=center if name in ("Title", "Caption") else None)
            style.paragraph_format.keep_with_next = name.startswith("Heading")
    for name, size, extra in (("表格文字", TABLE_PT, {"before": 1.5, "after": 1.5}),
                              ("表注", NOTE_PT, {"after": 6}),
                              ("示例说明", TABLE_PT, {"align": center, "after": 12})):
        if reference is None or name not in names:
            _style(document, name, TABLE_FONT, size, indent=Pt(0), **extra)
    if reference is None or "待填写" not in names:     # a place for the office to write: never content
        office = _style(document, "待填写", BODY_FONT, BODY_PT, line=1.5, before=6, after=6, indent=Pt(0))
        _shade(office.element.get_or_add_pPr(), "FFF2CC")
    props = document.core_properties
    props.author = props.last_modified_by = props.comments = props.keywords = ""
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    props.title = title[:255]               # the core property's limit (python-docx refuses more)
    return document


def _page_number_footer(section) -> None:
    """“— 3 —” centred in the footer, the page number a PAGE field (公文 style)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.add_run("— ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
            run._r.append(field)
        else:
            element = OxmlElement("w:instrText" if text == " PAGE " else "w:t")
            element.set(qn("xml:space"), "preserve")
            element.text = text
            run._r.append(element)
    paragraph.add_run(" —")


# Where python-docx's template names Japanese as the East Asian language and leaves the theme's
# East Asian fonts empty (LibreOffice then picks a Japanese face): Chinese, 黑体 and 宋体.
LANGUAGE_PATCHES = {
    "word/settings.xml": [(rb'w:eastAsia="ja-JP"', b'w:eastAsia="zh-CN"')],
    "word/stylesWithEffects.xml": [(rb'w:eastAsia="en-US"', b'w:eastAsia="zh-CN"')],
    "word/theme/theme1.xml": [(rb'(<a:majorFont>.*?)<a:ea typeface=""/>', f'\\1<a:ea typeface="{HEAD_FONT[1]}"/>'.encode()),
                              (rb'(<a:minorFont>.*?)<a:ea typeface=""/>', f'\\1<a:ea typeface="{BODY_FONT[1]}"/>'.encode()),
                              (rb'(<a:minorFont>\s*)<a:latin typeface="[^"]*"',
                               f'\\1<a:latin typeface="{BODY_FONT[0]}"'.encode())],
}


def _patch(replacements):
    def apply(blob: bytes) -> bytes:
        for pattern, replacement in replacements:
            blob = re.sub(pattern, replacement, blob, count=1, flags=re.S)
        return blob
    return apply


def _least_text_width(frame: pd.DataFrame, h, pad: int = 3) -> int:
    """The width (half-width units) a text column needs with its cells wrapped at phrase
    boundaries (:mod:`analysis.publish.wordwrap`): its widest unbreakable piece, its header,
    and at least ``wordwrap.TEXT_FLOOR`` unless its text is narrower."""
    natural = max([0] + [text_width(t) for t in frame[h]])
    return max(wordwrap.least_width(frame[h]), min(natural, wordwrap.TEXT_FLOOR), _two_line_width(h)) + pad


def _portrait_width(frame: pd.DataFrame) -> float:
    """The table's width in cm on a portrait page: figures on one line, headers on at most two,
    text columns (labels, 基数 sentences) wrapped. More than the portrait text width is a table
    of many figures, which goes on a landscape page; a table wide only by its text stays."""
    pad = 3
    data = [max([0] + [text_width(t) for t in frame[h]]) for h in frame]
    return sum(_least_text_width(frame, h, pad) if wordwrap.is_text_column(frame, h)
               else max(d, _two_line_width(h)) + pad for h, d in zip(frame, data)) * CHAR_UNIT_CM


def _column_widths(frame: pd.DataFrame, text_width_cm: float = TEXT_WIDTH_CM) -> list[float]:
    """Widths in cm filling the text width: data cells on one line, headers on at most two;
    space left over first puts the headers that need least of it on one line. A table too wide
    for that keeps its label columns (项目, 类别 …) on one line and lets a value break before its
    bracketed interval (“1.78” over “（1.46～2.16）”), rather than squeezing every column alike."""
    budget, pad = text_width_cm / CHAR_UNIT_CM, 3
    data = [max([0] + [text_width(t) for t in frame[h]]) for h in frame]
    widths = [max(d, _two_line_width(h)) + pad for h, d in zip(frame, data)]
    if sum(widths) > budget:
        return _wrapped_widths(frame, widths, budget, pad, text_width_cm)
    one_line = [max(d, text_width(h)) + pad for h, d in zip(frame, data)]
    needs = [full - w for full, w in zip(one_line, widths)]
    for need in sorted(set(needs)):                  # alike columns (非常满意, 比较满意) alike
        group = [j for j, n in enumerate(needs) if n == need]
        if sum(widths) + need * len(group) <= budget:
            for j in group:
                widths[j] = one_line[j]
    return [w * text_width_cm / sum(widths) for w in widths]


# “95%置信区间” on two lines reads “95%” over “置信区间”, not “95%置信区” over “间” (Word breaks
# Chinese anywhere): a header opening with half-width text breaks after it.
HALF_WIDTH_LEAD = re.compile(r"^[!-~]+(?=[^\x00-\x7f])")


def _lead_split(header: str) -> tuple[str, str] | None:
    match = HALF_WIDTH_LEAD.match(header)
    return (header[:match.end()], header[match.end():]) if match and "（" not in header else None


def _two_line_width(header: str) -> int:
    """The width a header needs on two lines: its two parts after a half-width lead, else half."""
    if text_width(header) <= 6:                  # 平均分, 满意率: one word, never 平均 / 分
        return text_width(header)
    split = _lead_split(header)
    return max(map(text_width, split)) if split else -(-text_width(header) // 2)


def _break_before_brackets(frame: pd.DataFrame, widths_cm: list[float]) -> pd.DataFrame:
    """Where a value column is narrower than its text on one line, put the line break before the
    bracket (“1.78” / “（1.46～2.16）”) instead of leaving Word to break inside the interval;
    headers alike (“比值比” / “（有序logit）”), and after a half-width lead (“95%” / “置信区间”)."""
    out, columns = frame.copy(), list(frame.columns)
    for j, h in enumerate(frame.columns):
        room = widths_cm[j] / CHAR_UNIT_CM - 2                  # less the cell margins
        if wordwrap.is_text_column(frame, h):                   # sentences wrap at phrase boundaries
            out[h] = [wordwrap.wrap(t, room) for t in frame[h]]
            continue
        if any(text_width(t) > room for t in frame[h]):
            out[h] = [re.sub(r"(?<=\S)（", "\n（", str(t)) for t in frame[h]]
        if text_width(h) > room:
            split = _lead_split(h)
            columns[j] = "\n".join(split) if split else re.sub(r"(?<=\S)（", "\n（", h)
    out.columns = columns
    return out


def _wrapped_widths(frame: pd.DataFrame, widths: list[float], budget: float, pad: int,
                    text_width_cm: float = TEXT_WIDTH_CM) -> list[float]:
    """Widths of an overfull table: value columns shrink towards their widest part when broken
    before “（”, in proportion to what each can give; label columns keep their one-line width."""
    least, text = [], [wordwrap.is_text_column(frame, h) for h in frame]
    for h, w, is_text in zip(frame, widths, text):
        if is_text:
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
        floor = [_least_text_width(frame, h, pad) if t else w for h, t, w in zip(frame, text, widths)]
        over = sum(widths) - budget                   # still too wide: long text wraps instead
        room = sum(w - f for w, f in zip(widths, floor) if w > f)
        if over > 0 and room > 0:
            cut = min(1.0, over / room)
            widths = [w - (w - f) * cut if w > f else w for w, f in zip(widths, floor)]
    else:
        widths = [w - g * excess / sum(give) for w, g in zip(widths, give)]
    return [w * text_width_cm / sum(widths) for w in widths]


def _add_table(document, frame: pd.DataFrame, text_width_cm: float = TEXT_WIDTH_CM,
               first_left: bool = False, keep_last: bool = False) -> None:
    """``frame`` as a 三线表 (:mod:`analysis.publish.wordtable`): label columns (and with
    ``first_left`` the first column, whatever its name) left-aligned, the rest centred, widths from
    :func:`_column_widths`, lines broken before intervals where needed."""
    widths = _column_widths(frame, text_width_cm)
    left = {j for j, c in enumerate(frame.columns) if wordwrap.is_text_column(frame, c) or (first_left and j == 0)}
    frame = _break_before_brackets(frame, widths)
    wordtable.add_table(document, [str(h) for h in frame.columns],
                        [[str(t) for t in record] for record in frame.itertuples(index=False)],
                        widths, document.styles["表格文字"].style_id, left, keep_last)


def write_report_docx(path: str | Path, *, S: pd.DataFrame, group: str, blocks: list,
                      meta: dict, reference: Path | None = None) -> None:
    """A unit's 调研报告 as Word, from the blocks the notebook showed (``publish.sections``): the
    title, headings, paragraphs, numbered tables (title above, base note below) and numbered figures
    (caption below), in the order shown. A table block names a table of ``S`` for ``group``.
    ``reference``: an office's template (:func:`reference_docx`) whose styles and page it takes."""
    titles = [b.text for b in blocks if b.kind == "title"]
    title = titles[0] if titles else f"{group}{meta.get('title', '')}报告"
    write_parts_docx(path, numbered(blocks, S, group), title, meta, reference)


def write_parts_docx(path: str | Path, parts: list, title: str, meta: dict, reference: Path | None = None) -> None:
    """The numbered parts (:func:`analysis.publish.document.numbered`) as ``report.docx``: what
    :func:`write_report_docx` writes once the blocks are numbered."""
    document = _setup_document(title[:255], reference)    # docx's title property holds 255 characters
    document.add_paragraph(title, style="Title")
    if meta.get("synthetic"):
        document.add_paragraph(SYNTHETIC_LINE, style="示例说明")
    portrait = _text_width_cm(document.sections[-1])
    landscape, turned = _landscape(parts, portrait), False
    for part, across in zip(parts, landscape):
        if across != turned:
            _turn(document, WD_ORIENT.LANDSCAPE if across else WD_ORIENT.PORTRAIT)
            turned = across
        if part.kind == "heading":
            document.add_heading(part.text, level=min(max(part.level, 1), 4))
        elif part.kind == "office":
            _add_office(document, part.text)
        elif part.kind == "table":
            _add_numbered_table(document, part.caption, part.frame, part.note,
                                _text_width_cm(document.sections[-1]))
        elif part.kind == "figure":
            _add_numbered_figure(document, part.path, part.caption, portrait)
        elif part.kind != "title":
            document.add_paragraph(part.text)
    data = io.BytesIO()
    document.save(data)
    write_zip(data.getvalue(), path, {name: _patch(r) for name, r in LANGUAGE_PATCHES.items()})


def write_tables_docx(path: str | Path, tables: list[tuple[str, pd.DataFrame, str]], title: str) -> None:
    """Display tables as numbered 三线表 (表1 title above, note below) in a Word file of their own,
    with the report's fonts, styles and language: a table a researcher pastes into a paper."""
    document = _setup_document(title[:255])
    for k, (table_title, frame, note) in enumerate(tables, 1):
        _add_numbered_table(document, f"表{k}　{table_title}", frame, note, first_left=True)
    data = io.BytesIO()
    document.save(data)
    write_zip(data.getvalue(), path, {name: _patch(r) for name, r in LANGUAGE_PATCHES.items()})


# A landscape page's left and right margins: GB/T 9704's 3.7/3.5 turned left 22.5 cm, where the
# appendix's nine-column comparison broke 社区工作者 and 百分点 inside their words in its headers.
LANDSCAPE_SIDE_CM = 2.5
LANDSCAPE_GAP = 8     # parts between two wide tables that stay on their landscape pages with them (裕华区's
# appendix: 4 left 表21 alone on a landscape page, 70% of it empty, between two portrait ones)


def _landscape(parts: list, portrait_cm: float) -> list[bool]:
    """Which parts go on landscape pages: each table too wide for a portrait page, the headings
    just before it (a heading is never left alone at the foot of a page), and whatever stands
    between two such tables when it is short and holds no chart too tall for a landscape page,
    so the pages do not turn back and forth around half-empty ones."""
    wide = [p.kind == "table" and _portrait_width(p.frame) > portrait_cm for p in parts]
    out = list(wide)
    for i in [i for i, w in enumerate(wide) if w]:
        k = i
        while k > 0 and parts[k - 1].kind == "heading":
            k -= 1
            out[k] = True
    members = [i for i, m in enumerate(out) if m]
    for a, b in zip(members, members[1:]):
        if 1 < b - a <= LANDSCAPE_GAP + 1 and all(_fits_landscape(p) for p in parts[a + 1:b]):
            out[a + 1:b] = [True] * (b - a - 1)
    return out


LANDSCAPE_FIGURE_CM = 13.1   # the tallest chart (at 15.6 cm wide) a landscape page (15.6 cm high) holds with its caption


def _fits_landscape(part) -> bool:
    """Whether a part between two wide tables can share their landscape pages: anything but a
    chart too tall for them (charts are drawn 16 cm wide for a portrait page)."""
    if part.kind != "figure":
        return True
    from PIL import Image

    with Image.open(part.path) as image:
        width, height = image.size
    return TEXT_WIDTH_CM * height / width <= LANDSCAPE_FIGURE_CM


def _text_width_cm(section) -> float:
    return (section.page_width - section.left_margin - section.right_margin) / 360000


def _turn(document, orientation) -> None:
    """A new section from here on, its page turned (landscape for a wide table, back after it): a
    landscape page keeps the binding edge of the first (portrait) section as its top and bottom and
    gives its sides ``LANDSCAPE_SIDE_CM``; a portrait page again takes the first section's margins."""
    first = document.sections[0]
    section = document.add_section(WD_SECTION.NEW_PAGE)
    if section.orientation != orientation:
        section.orientation = orientation
        section.page_width, section.page_height = section.page_height, section.page_width
    if orientation == WD_ORIENT.LANDSCAPE:
        section.top_margin, section.bottom_margin = first.left_margin, first.right_margin
        section.left_margin = section.right_margin = Cm(LANDSCAPE_SIDE_CM)   # 24.7 cm, not 22.5
    else:
        section.top_margin, section.bottom_margin = first.top_margin, first.bottom_margin
        section.left_margin, section.right_margin = first.left_margin, first.right_margin


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


def _add_numbered_table(document, caption: str, frame: pd.DataFrame, note: str,
                        text_width_cm: float = TEXT_WIDTH_CM, first_left: bool = False) -> None:
    caption = document.add_paragraph(caption, style="Caption")
    caption.paragraph_format.keep_with_next = True
    _add_table(document, frame, text_width_cm, first_left, keep_last=bool(note))   # the note with its rows
    if note:
        document.add_paragraph(note, style="表注")


def _add_numbered_figure(document, image: Path, caption: str, text_width_cm: float = TEXT_WIDTH_CM) -> None:
    picture = document.add_paragraph(style="表格文字")
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    picture.add_run().add_picture(str(image), width=Cm(min(TEXT_WIDTH_CM, text_width_cm)))
    document.add_paragraph(caption, style="Caption")
