"""report.html is the Word report's document: built from the same blocks, with the same table
and figure numbers, captions, notes and order, Chinese headers only, its font embedded, a link
back to the overview, and text from data shown as text."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docx import Document

from analysis.errors import SurveyError
from analysis.publish import document, html, word
from analysis.publish.sections import Block
from test_charts import SOURCE, make_stats
from test_render import DISTRICT, report_blocks

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
META = {"synthetic": True}
TITLE = "桥东区 · 2026年社区调研报告"


@pytest.fixture
def stats():
    return make_stats(DISTRICT)


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> dict[str, Path]:
    from analysis.publish import charts

    S, folder = make_stats(DISTRICT), tmp_path_factory.mktemp("figures")
    return {"worker_composition": charts.save_figure(charts.composition_bars(
                S, "worker_composition", ["employment", "age_band"], DISTRICT, source=SOURCE), folder, "a")["png"],
            "resident_satisfaction": charts.save_figure(charts.likert_stacked(
                S, "resident_satisfaction", DISTRICT, source=SOURCE), folder, "b")["png"]}


class _Page(HTMLParser):
    """The page's figcaptions, table header cells, headings, links, images and visible text."""

    def __init__(self):
        super().__init__()
        self.captions, self.headers, self.headings, self.links, self.images, self.text = [], [], [], [], [], []
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._in.append(tag)
        attrs = dict(attrs)
        if tag == "a":
            self.links.append(attrs.get("href"))
        if tag == "img":
            self.images.append(attrs.get("src", ""))

    def handle_endtag(self, tag):
        if tag in self._in:
            while self._in.pop() != tag:
                pass

    def handle_data(self, data):
        if "style" in self._in or "title" in self._in:
            return
        self.text.append(data)
        if "figcaption" in self._in:
            self.captions.append(data)
        elif "th" in self._in:
            self.headers.append(data)
        elif any(h in self._in for h in ("h1", "h2", "h3", "h4")):
            self.headings.append(data)


def _write_both(tmp_path: Path, S, blocks):
    word.write_report_docx(tmp_path / "report.docx", S=S, group=DISTRICT, blocks=blocks, meta=META)
    html.write_report_html(tmp_path / "report.html", S=S, group=DISTRICT, blocks=blocks, meta=META, title=TITLE)
    page = _Page()
    page.feed((tmp_path / "report.html").read_text(encoding="utf-8"))
    return Document(tmp_path / "report.docx"), page


def test_html_has_the_word_reports_numbers_captions_and_order(stats, figures, tmp_path):
    blocks = report_blocks(stats, figures)
    docx, page = _write_both(tmp_path, stats, blocks)
    word_captions = [p.text for p in docx.paragraphs if p.style.name == "Caption"]
    assert page.captions == word_captions
    assert page.captions[:3] == ["表1　社区工作者基本构成", "图1　社区工作者基本构成", "表2　社区工作者年龄"]
    word_headings = [p.text for p in docx.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert page.headings == word_headings
    notes = [p.text for p in docx.paragraphs if p.style.name == "表注"]
    body = "".join(page.text)
    assert notes and all(n in body for n in notes)
    assert len(page.images) == len(docx.inline_shapes) == 2
    assert all(src.startswith("data:image/png;base64,") for src in page.images)


def test_html_headers_are_chinese_and_no_code_artefacts(stats, figures, tmp_path):
    _, page = _write_both(tmp_path, stats, report_blocks(stats, figures))
    english = [h for h in page.headers if re.search(r"[A-Za-z_]{3,}", h)]
    assert page.headers and english == []
    body = "".join(page.text)
    for artefact in ("Traceback", "Warning", "findfont", "DataFrame", "nan", "In [", "Out["):
        assert artefact not in body, artefact
    assert "../index.html" in page.links                       # back to the overview
    assert "<script" not in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_html_leaves_out_an_empty_table_in_step_with_word(stats, figures, tmp_path):
    """A table whose display has no rows (a header alone) is in neither format and takes no number."""
    from analysis.publish import tables

    blocks = report_blocks(stats, figures)
    real = tables.published_tables

    def with_an_empty_table(S, group):
        out = real(S, group)
        title, frame, note = out["worker_age"]
        out["worker_age"] = (title, frame.iloc[0:0], note)
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(document, "published_tables", with_an_empty_table)
        docx, page = _write_both(tmp_path, stats, blocks)
    assert "表2　居民满意度评价" in page.captions
    assert not any("年龄" in c for c in page.captions)
    assert page.captions == [p.text for p in docx.paragraphs if p.style.name == "Caption"]


def test_an_unknown_block_kind_is_printed_as_text_in_both(stats, figures, tmp_path):
    blocks = [*report_blocks(stats, figures)[:3], Block("office_prompt", "（此处由单位填写主要做法与成效。）")]
    docx, page = _write_both(tmp_path, stats, blocks)
    assert "（此处由单位填写主要做法与成效。）" in "".join(page.text)
    assert "（此处由单位填写主要做法与成效。）" in [p.text for p in docx.paragraphs]


def test_html_is_deterministic_and_escapes_text_from_data(stats, figures, tmp_path):
    hostile = "<script>alert(1)</script><img src=x onerror=alert(3)>"
    S = stats.copy()
    S.loc[S["variable"] == "employment", "category_label"] = hostile
    blocks = [*report_blocks(S, figures), Block("paragraph", f"居民意见：{hostile}")]
    for name in ("a.html", "b.html"):
        html.write_report_html(tmp_path / name, S=S, group=DISTRICT, blocks=blocks, meta=META, title=hostile)
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert page == (tmp_path / "b.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3     # title, heading, table, paragraph


def test_html_refuses_a_table_the_stats_do_not_hold(stats, tmp_path):
    with pytest.raises(SurveyError, match="no_such_table"):
        html.write_report_html(tmp_path / "x.html", S=stats, group=DISTRICT,
                               blocks=[Block("table", table="no_such_table")], meta={}, title="x")
    assert not (tmp_path / "x.html").exists()


def test_the_embedded_font_holds_every_character_of_the_page(stats, figures, tmp_path):
    """A reader without Chinese fonts sees every character: the page's own @font-face has a glyph
    for each one (read back with fontTools from the data URI)."""
    import base64

    from fontTools.ttLib import TTFont

    _, page = _write_both(tmp_path, stats, report_blocks(stats, figures))
    source = (tmp_path / "report.html").read_text(encoding="utf-8")
    data = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", source).group(1)
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    cmap = font.getBestCmap()
    visible = set("".join(page.text)) - set(" \n\t")
    missing = sorted(c for c in visible if ord(c) not in cmap)
    assert missing == []
    assert len(cmap) < 2000                                 # a subset, not the 16 MB face


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium 未安装")
def test_chromium_reads_the_same_table_numbers_as_word(stats, figures, tmp_path):
    blocks = report_blocks(stats, figures)
    docx, _ = _write_both(tmp_path, stats, blocks)
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                           (tmp_path / "report.html").as_uri()],
                          capture_output=True, text=True, timeout=120, check=True)
    dom = _Page()
    dom.feed(done.stdout)
    tables_in_dom = [c for c in dom.captions if c.startswith("表")]
    tables_in_word = [p.text for p in docx.paragraphs if p.style.name == "Caption" and p.text.startswith("表")]
    assert tables_in_dom == tables_in_word and len(tables_in_dom) == 5


def test_the_overview_embeds_the_same_font(tmp_path):
    """index.html reads on a machine without Chinese fonts too: its own subset of the face."""
    from analysis.publish import overview, webfont
    from test_render import _district_folder

    wave_dir = tmp_path / "2026"
    _district_folder(wave_dir, "桥东区", "桥东区", 0, ["report.html"])
    overview.write_index_html(wave_dir, "2026")
    page = (wave_dir / "index.html").read_text(encoding="utf-8")
    assert page.count("@font-face") == 1 and "data:font/woff;base64," in page
    assert f'font-family: "{webfont.WEB_FAMILY}"' in page
