"""Writers: the human table, Excel, Word, notebook HTML and the overview page."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote

import nbformat
import openpyxl
import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from analysis import config
from analysis.clean.wave import ordered_codebooks
from analysis.config import POOLED_GROUP, SAMPLE_NOTE
from analysis.errors import SurveyError
from analysis.publish import charts, excel, notebook_html, overview, tables, word
from analysis.publish import page as publish_page
from analysis.publish.plan import headlines
from analysis.publish.sections import Block
from analysis.spec import codebook
from test_charts import SOURCE, make_stats

DISTRICT = "桥东区"
PARAGRAPHS = {
    "basic": ["全区现有社区工作者494名，其中专职109名、兼职385名。"],
    "satisfaction": ["居民对社会治安最为满意。"],
    "problems": [],
    "method": ["本次调查采用问卷星在线填答。"],
}


@pytest.fixture
def stats() -> pd.DataFrame:
    return make_stats(DISTRICT)


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> dict[str, Path]:
    S, folder = make_stats(DISTRICT), tmp_path_factory.mktemp("figures")
    return {
        "worker_composition": charts.save_figure(charts.composition_bars(
            S, "worker_composition", ["employment", "age_band", "edu2", "recruit"], DISTRICT,
            source=SOURCE), folder, "composition")["png"],
        "resident_satisfaction": charts.save_figure(charts.likert_stacked(
            S, "resident_satisfaction", DISTRICT, source=SOURCE), folder, "likert")["png"],
    }


def report_blocks(S, figures) -> list[Block]:
    """The blocks a district notebook would record (``publish.sections``), tables absent from S
    left out as ``DistrictReport.table`` leaves them out."""
    def table(t):
        return [Block("table", table=t)] if ((S["table"] == t) & (S["group"] == DISTRICT)).any() else []

    return [Block("title", "桥东区 · 2026年社区调研报告"),
            Block("heading", "一、基本情况", level=1), Block("paragraph", PARAGRAPHS["basic"][0]),
            *table("worker_composition"),
            Block("figure", "社区工作者基本构成", path=figures["worker_composition"]),
            *table("worker_age"),
            Block("heading", "二、满意度评价", level=1), Block("paragraph", PARAGRAPHS["satisfaction"][0]),
            Block("heading", "（一）居民", level=2),
            *table("resident_satisfaction"),
            Block("figure", "居民满意度评价", path=figures["resident_satisfaction"]),
            *table("worker_satisfaction"),
            Block("heading", "附录　样本与方法", level=1), Block("paragraph", PARAGRAPHS["method"][0]),
            *table("flow")]


def write_docx(path, S, figures):
    word.write_report_docx(path, S=S, group=DISTRICT, blocks=report_blocks(S, figures), meta={"synthetic": True})


# ---------------------------------------------------------------- display_table

def test_display_table_prints_published_values(stats):
    table = tables.display_table(stats, "worker_composition", DISTRICT, ["age_band", "recruit"])
    assert list(table.columns) == ["特征", "分类", "人数", "占比（%）", "95%置信区间"]   # 样本基本情况
    ages = table[table["特征"] == "年龄段"]
    assert list(ages["占比（%）"]) == ["12.8", "62.5", "24.7"]
    assert list(ages["人数"]) == ["63", "309", "122"]
    elected = table[table["分类"] == "选举产生"].iloc[0]
    assert list(elected[["人数", "占比（%）", "95%置信区间"]]) == ["—", "—", "—"]


def test_display_table_likert_and_flow_layouts(stats):
    likert = tables.display_table(stats, "worker_satisfaction", DISTRICT)
    assert list(likert.columns[:6]) == ["项目", "非常满意", "比较满意", "一般", "不太满意", "很不满意"]
    assert likert.set_index("项目").loc["薪酬待遇", "平均分"] == "3.23"
    # a hidden mean leaves its base printed: how many answered is no one's answer (a 问卷星 unit of
    # 40 printed 有效回答 “—” on every item whose mean was hidden, while the note said N=40)
    hidden = stats.copy()
    mean = (hidden["table"] == "worker_satisfaction") & (hidden["variable"] == "sat_pay") & (hidden["stat"] == "mean")
    hidden.loc[mean, "suppressed"] = True
    row = tables.display_table(hidden, "worker_satisfaction", DISTRICT).set_index("项目").loc["薪酬待遇"]
    assert row["平均分"] == "—" and row["有效回答"] == str(int(stats.loc[mean & (stats["group"] == DISTRICT), "base"].iloc[0]))
    flow = tables.display_table(stats, "flow", DISTRICT)
    assert list(flow["环节"][:4]) == ["收到答卷", "剔除：答题过快", "剔除", "有效答卷"]
    assert list(flow["份数"][:4]) == ["503", "7", "—", "494"]


def test_display_table_unknown_table_or_variable(stats):
    with pytest.raises(SurveyError, match="no_table"):
        tables.display_table(stats, "no_table", DISTRICT)
    with pytest.raises(SurveyError, match="no_variable"):
        tables.display_table(stats, "worker_composition", DISTRICT, ["no_variable"])


def test_table_note_states_bases(stats):
    note = tables.table_note(stats, "worker_composition", DISTRICT)
    assert note.startswith("注：N=494，基数为有效回答；")
    assert "社区党组织书记，N=67" in note and "不公布的数" in note   # small, or giving a small one away
    varied = stats.copy()
    varied.loc[varied["variable"] == "sat_pay", "base"] = 480
    assert tables.table_note(varied, "worker_satisfaction", DISTRICT).startswith(
        "注：N=480～494，基数为有效回答；")


# ---------------------------------------------------------------- Excel

def _hostile_stats(stats: pd.DataFrame) -> pd.DataFrame:
    rows = stats[(stats["variable"] == "gender")].copy()
    rows.loc[rows["category"] == "1", "category_label"] = "=HYPERLINK(\"http://x\",\"点我\")"
    rows.loc[rows["category"] == "2", "category_label"] = "@SUM(A1)"
    change = rows[rows["stat"] == "share"].iloc[[0]].assign(
        variable="change", variable_label="-变化", category="d", category_label="+1",
        stat="mean", value=-0.5, ci_low=-0.9, ci_high=-0.1, order=0)
    return pd.concat([stats, rows.assign(table="hostile", table_title="注入测试"), change.assign(
        table="hostile", table_title="注入测试")], ignore_index=True)


def test_xlsx_neutralises_formulas_keeps_negative_numbers(stats, tmp_path):
    path = tmp_path / "tables.xlsx"
    excel.write_tables_xlsx(_hostile_stats(stats), path, {"district": DISTRICT,
                                                           "synthetic": True})
    book = openpyxl.load_workbook(path)
    sheet = next(ws for ws in book.worksheets if str(ws["A1"].value).endswith("注入测试"))
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    texts = [v for v in values if isinstance(v, str)]
    assert "'=HYPERLINK(\"http://x\",\"点我\")" in texts
    assert "'@SUM(A1)" in texts and "'-变化" in texts and "'+1" in texts
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    assert -0.5 in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_xlsx_layout_and_determinism(stats, tmp_path):
    meta = {"district": DISTRICT, "synthetic": True}
    excel.write_tables_xlsx(stats, tmp_path / "a.xlsx", meta)
    excel.write_tables_xlsx(stats, tmp_path / "b.xlsx", meta)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    book = openpyxl.load_workbook(tmp_path / "a.xlsx")
    assert book.sheetnames == ["目录", "表1", "表2", "表3", "表4", "表5"]
    assert [r[1] for r in book["目录"].iter_rows(min_row=3, values_only=True)] == [
        "社区工作者基本构成", "社区工作者年龄", "社区工作者满意度评价", "居民满意度评价", "样本流向"]
    sheet = book["表1"]
    assert sheet["A1"].value == "表1　社区工作者基本构成" and sheet["A1"].font.b
    note = sheet["A2"].value
    assert "N=494" in note and SAMPLE_NOTE in note
    assert [c.value for c in sheet[3]] == ["特征", "分类", "人数", "占比（%）", "95%置信区间下限", "95%置信区间上限"]
    assert sheet["A3"].font.b
    ages = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == "年龄段"]
    assert [r[3] for r in ages] == [12.8, 62.5, 24.7] and [r[2] for r in ages] == [63, 309, 122]
    assert all(r[4] < r[3] < r[5] for r in ages)
    assert sheet["D4"].number_format == "0.0"
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        core = archive.read("docProps/core.xml").decode()
    assert "creator" not in core and "2000-01-01T00:00:00Z" in core


def test_sheet_names_are_valid_and_unique():
    used: set[str] = set()
    long_title = "社区工作者满意度" * 5
    names = [excel._sheet_name(t, used) for t in (long_title, long_title, "a/b:c?")]
    assert all(len(n) <= 31 for n in names) and len(set(names)) == 3
    assert names[2] == "a_b_c_"


# ---------------------------------------------------------------- Word

def _heading_texts(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == "Heading 1"]


def test_docx_structure(stats, figures, tmp_path):
    path = tmp_path / "report.docx"
    write_docx(path, stats, figures)
    document = Document(path)
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "桥东区 · 2026年社区调研报告"
    assert texts[1] == "示例数据：本报告由合成数据生成，仅用于演示。"
    assert _heading_texts(document) == ["一、基本情况", "二、满意度评价", "附录　样本与方法"]
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 2"] == ["（一）居民"]
    captions = [t for t in texts if re.match(r"^[表图]\d+　", t)]
    assert captions == ["表1　社区工作者基本构成", "图1　社区工作者基本构成", "表2　社区工作者年龄",
                        "表3　居民满意度评价", "图2　居民满意度评价", "表4　社区工作者满意度评价",
                        "表5　样本流向"]
    assert len(document.tables) == 5 and len(document.inline_shapes) == 2
    assert sum(t.startswith("注：N=") for t in texts) == 4          # flow has no base
    assert document.tables[0].rows[0].cells[3].text == "占比（%）"
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.left_margin.cm, 1) == 2.8   # GB/T 9704


def test_docx_fonts_are_chinese(stats, figures, tmp_path):
    path = tmp_path / "report.docx"
    write_docx(path, stats, figures)
    styles = Document(path).styles
    for name, east_asian in (("Normal", "仿宋"), ("Heading 1", "黑体"), ("Heading 2", "楷体"), ("Title", "宋体")):
        rfonts = styles[name].element.rPr.find(qn("w:rFonts"))
        assert rfonts.get(qn("w:eastAsia")) == east_asian
        assert rfonts.get(qn("w:asciiTheme")) is None


def _published_texts(S: pd.DataFrame) -> set[str]:
    texts = set()
    for _, row in S.iterrows():
        scale = row["table"].endswith("satisfaction")
        texts.add(tables._fmt(row["value"], row["stat"], scale))
        texts.update({str(int(row["n"])), str(int(row["base"]))})
        if pd.notna(row["ci_low"]):
            texts.update(tables._fmt_ci(row, scale).split("～"))
    return texts


def test_every_number_in_docx_tables_comes_from_stats(stats, figures, tmp_path):
    path = tmp_path / "report.docx"
    write_docx(path, stats, figures)
    published = _published_texts(stats)
    numbers = [n for table in Document(path).tables for row in table.rows[1:]
               for cell in row.cells for n in re.findall(r"\d+(?:\.\d+)?", cell.text)
               if not re.search(r"[\u4e00-\u9fff]", cell.text)]
    assert len(numbers) > 100
    assert [n for n in numbers if n not in published] == []


def test_docx_is_deterministic_and_skips_absent_tables(stats, figures, tmp_path):
    write_docx(tmp_path / "a.docx", stats, figures)
    write_docx(tmp_path / "b.docx", stats, figures)
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    props = Document(tmp_path / "a.docx").core_properties
    assert props.author == "" and props.created.year == 2000
    partial = stats[stats["table"] != "worker_age"]
    write_docx(tmp_path / "c.docx", partial, figures)
    captions = [p.text for p in Document(tmp_path / "c.docx").paragraphs
                if p.style.name == "Caption"]
    assert "表2　居民满意度评价" in captions


def test_docx_refuses_a_table_the_stats_do_not_hold(stats, figures, tmp_path):
    blocks = [Block("title", "x"), Block("table", table="no_such_table")]
    with pytest.raises(SurveyError, match="no_such_table"):
        word.write_report_docx(tmp_path / "x.docx", S=stats, group=DISTRICT, blocks=blocks, meta={})
    assert not (tmp_path / "x.docx").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) 未安装")
def test_docx_converts_to_pdf(stats, figures, tmp_path):
    path = tmp_path / "report.docx"
    write_docx(path, stats, figures)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2


# ---------------------------------------------------------------- notebook → HTML

def test_notebook_to_html_hides_code_and_escapes_text(tmp_path):
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("secret_code_line()")
    cell.outputs = [nbformat.v4.new_output(
        "execute_result", data={"text/plain": "意见：<script>alert(1)</script>"},
        execution_count=1)]
    notebook.cells = [nbformat.v4.new_markdown_cell("# 桥东区报告"), cell]
    nbformat.write(notebook, tmp_path / "report.ipynb")
    notebook_html.notebook_to_html(tmp_path / "report.ipynb", tmp_path / "report.html", "桥东区调研报告")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<title>桥东区调研报告</title>" in page
    assert "secret_code_line" not in page and "In&nbsp;[" not in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert "<script src=" not in page and "cdnjs" not in page          # opens offline
    assert '<html lang="zh">' in page
    assert re.search(r"<h1[^>]*>桥东区报告<a ", page)                    # a heading as text, not &#26725;…


def test_report_page_keeps_a_typed_character_reference_literal(tmp_path):
    """Chinese written back from numeric references is nbconvert's own markup; a respondent who
    typed “&#19968;” still sees those characters, not 一."""
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/markdown": publish_page.show_paragraphs(["意见：&#19968; &lt; &#60;"], heading="一、基本情况").data})]
    notebook.cells = [cell]
    nbformat.write(notebook, tmp_path / "report.ipynb")
    notebook_html.notebook_to_html(tmp_path / "report.ipynb", tmp_path / "report.html", "报告")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<p>意见：&amp;#19968; &amp;lt; &amp;#60;</p>" in page
    assert ">一、基本情况<a " in page


def test_report_page_figures_have_their_titles_as_alt_text(tmp_path):
    """The figure's alternative text is the chart's title (from the notebook formatter's metadata),
    a figure without one gets a Chinese word, never nbconvert's English placeholder; outputs and
    cells are focusable as nbconvert makes them."""
    import base64
    import io

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    charts.use_house_style()
    charts._show_figures_in_notebooks()
    fig = charts.Figure(figsize=(3, 2))
    fig.suptitle("居民满意度：\"各项\" <比较>")
    charts.save_figure(fig, tmp_path, "chart")        # as a notebook cell does, then shows it
    data, meta = shell.display_formatter.format(fig)
    assert meta["image/png"]["alt"] == "居民满意度：\"各项\" <比较>"
    plain = io.BytesIO()
    charts.Figure(figsize=(1, 1)).savefig(plain, format="png")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# 报告"), nbformat.v4.new_code_cell("fig")]
    notebook.cells[1].outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(data["image/png"]).decode()},
                               metadata={"image/png": meta["image/png"]}),
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(plain.getvalue()).decode()})]
    nbformat.write(notebook, tmp_path / "report.ipynb")
    notebook_html.notebook_to_html(tmp_path / "report.ipynb", tmp_path / "report.html", "报告")
    body = (tmp_path / "report.html").read_text(encoding="utf-8")
    body = body[body.index("<body"):]
    assert body.count("<img ") == 2
    assert 'alt="居民满意度：&quot;各项&quot; &lt;比较&gt;"' in body
    assert f'alt="{notebook_html.FIGURE_ALT}"' in body and "No description" not in body
    assert f'width={meta["image/png"]["width"]}' in body
    outputs = re.findall(r'<div class="[^"]*jp-OutputArea-output[^"]*"[^>]*>', body)
    assert len(outputs) == 2 and all('tabindex="0"' in o for o in outputs)
    assert re.search(r'<div class="jp-Cell-inputWrapper" tabindex="0"', body)


def test_kernel_modules_do_not_import_nbconvert():
    """A warm kernel imports what the notebook uses; nbconvert (with nbformat's validator and
    jsonschema, 1.7 s) is the runner's business."""
    from analysis.run.kernels import DEFAULT_PRELOAD

    code = ("import importlib, sys\n"
            f"for m in {DEFAULT_PRELOAD!r}: importlib.import_module(m)\n"
            "print(sorted(m for m in ('nbconvert', 'nbformat', 'jsonschema', 'bs4') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------- index.html

def _with_indicators(S: pd.DataFrame) -> pd.DataFrame:
    """The overview's declared indicators (worker.yaml: 专职, 35岁以下, 大专及以上 shares) as the
    stats session computes them: the same counts as the composition rows they restate."""
    picks = {("employment", "1"): "full_time_share", ("age_band", "1"): "young_share", ("edu2", "2"): "college_share"}
    rows = S[(S["table"] == "worker_composition") & (S["stat"] == "share")]
    keys = list(zip(rows["variable"], rows["category"].astype(str)))
    hit = rows[[k in picks for k in keys]].copy()
    hit["variable"] = [picks[(v, str(c))] for v, c in zip(hit["variable"], hit["category"])]
    hit["table"], hit["category"], hit["stat"] = "worker_indicators", "", "rate"
    return pd.concat([S, hit], ignore_index=True)


def _district_folder(wave_dir: Path, folder: str, district: str, shift: int, files: list[str]):
    S = _with_indicators(pd.concat([make_stats(district, shift), make_stats(POOLED_GROUP, 3)], ignore_index=True))
    out = wave_dir / folder
    out.mkdir(parents=True)
    heads = headlines(ordered_codebooks(codebook.load_all(config.CODEBOOK_DIR), ["worker", "resident"], wave_dir))
    data = {"meta": {"district": district, "wave": "2026", "synthetic": True, "title": "2026年社区调研",
                     "unit_label": "区县", "headlines": heads},
            "rows": json.loads(S.to_json(orient="records", force_ascii=False))}
    (out / "stats.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for name in files:
        (out / name).write_bytes(b"x")


def test_index_html(tmp_path):
    wave_dir = tmp_path / "2026"
    _district_folder(wave_dir, "桥东区", "桥东区", 0, ["report.html", "report.docx", "tables.xlsx"])
    _district_folder(wave_dir, "新华区", "新华区", 30, ["report.html"])
    _district_folder(wave_dir, "<script>x", "<script>x</script>", -40, ["report.docx"])
    overview.write_index_html(wave_dir, "2026")
    page = (wave_dir / "index.html").read_text(encoding="utf-8")
    assert "<title>2026年社区调研 · 各区县报告总览</title>" in page
    assert "<script" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "http" not in page and "<link" not in page      # self-contained
    assert SAMPLE_NOTE in page
    links = re.findall(r'href="([^"]+)"', page)
    assert len(links) == 5 and all((wave_dir / unquote(link)).exists() for link in links)
    assert "%E6%A1%A5%E4%B8%9C%E5%8C%BA/report.docx" in links
    rows = re.findall(r"<tr><td>(\d+(?:（并列）)?)</td><td>([^<]+)</td>", page)   # tied ranks say 并列
    assert [name for _, name in rows] == ["新华区", "桥东区", "&lt;script&gt;x&lt;/script&gt;"]
    assert "22.1%" in page and "62.3%" in page and "494" in page
    assert f"<td></td><td>{POOLED_GROUP}</td>" in page


def test_index_html_embeds_the_districts_as_charts(tmp_path):
    wave_dir = tmp_path / "2026"
    for name, shift in (("桥东区", 0), ("新华区", 30), ("裕华区", -20)):
        _district_folder(wave_dir, name, name, shift, ["report.html"])
    overview.write_index_html(wave_dir, "2026")
    page = (wave_dir / "index.html").read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"', page)
    assert images == ["_overview/overview_overall.png", "_overview/overview_items.png"]
    for image in images:
        with Image.open(wave_dir / image) as img:
            assert img.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        assert (wave_dir / image).with_suffix(".svg").exists()
    first = (wave_dir / images[1]).read_bytes()
    overview.write_index_html(wave_dir, "2026")
    assert (wave_dir / images[1]).read_bytes() == first                 # same stats, same bytes


def test_index_html_missing_values_show_dash(tmp_path):
    wave_dir = tmp_path / "2026"
    _district_folder(wave_dir, "桥东区", "桥东区", 0, [])
    stats_path = wave_dir / "桥东区" / "stats.json"
    data = json.loads(stats_path.read_text(encoding="utf-8"))
    data["rows"] = [r for r in data["rows"] if r["table"] != "resident_satisfaction"]
    stats_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    overview.write_index_html(wave_dir, "2026")
    page = (wave_dir / "index.html").read_text(encoding="utf-8")
    assert "<tr><td>—</td><td>桥东区</td>" in page and "href" not in page


def test_report_html_escapes_names_labels_and_paragraphs_from_data(stats, tmp_path):
    """What the notebook displays — heading, narrative, tables — carries names and labels from the
    data; none of it may become markup, a link or a script in report.html."""
    from analysis.publish import report

    hostile = "<script>alert(1)</script>[点我](javascript:alert(2))<img src=x onerror=alert(3)>"
    S = stats.copy()
    S.loc[S["variable"] == "employment", "category_label"] = hostile
    S.loc[S["variable"] == "employment", "variable_label"] = "<b>粗体</b>"
    outputs = [publish_page.show_paragraphs([f"居民意见：{hostile}"], heading="一、基本情况"),
               publish_page.show_table(S, "worker_composition", DISTRICT)]
    heading = report.heading({"district": hostile, "title": "2026年社区调研", "synthetic": False})
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x")]
    notebook.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": heading}),
        nbformat.v4.new_output("display_data", data={"text/markdown": outputs[0].data}),
        nbformat.v4.new_output("display_data", data={"text/html": outputs[1].to_html()})]
    nbformat.write(notebook, tmp_path / "report.ipynb")
    notebook_html.notebook_to_html(tmp_path / "report.ipynb", tmp_path / "report.html", "报告")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    body = page[page.index("<body"):]
    for raw in ("<script>alert(1)", "<img src=x", 'href="javascript', "<b>粗体"):
        assert raw not in body, raw
    assert body.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3       # shown, as text, 3 times
    assert "&lt;b&gt;粗体&lt;/b&gt;" in body and "[点我](javascript:alert(2))" in body


def _flow_frame() -> pd.DataFrame:
    from analysis.clean import NO_DISTRICT

    return pd.DataFrame({
        "instrument": ["resident", "resident", "resident", "worker", "worker"],
        "district": ["桥东区", "新华区", NO_DISTRICT, "桥东区", "新华区"],
        "received": [527, 230, 6, 502, 99], "excluded_duplicate": [3, 4, 1, 4, 3],
        "excluded_speeder": [4, 6, 0, 4, 4], "valid": [520, 220, 5, 494, 92]})


def test_wave_flow_adds_up_districts_and_keeps_the_unassigned(books):
    from types import SimpleNamespace

    from analysis import stats

    rows = stats.wave_flow(SimpleNamespace(flow=_flow_frame(), codebooks=books))
    pooled = rows[rows["group"] == POOLED_GROUP].set_index(["variable", "category"])["value"]
    # by hand: 527 + 230 + 6, 520 + 220 + 5, 3 + 4 + 1; 502 + 99, 494 + 92
    assert pooled[("resident", "received")] == 763 and pooled[("resident", "valid")] == 745
    assert pooled[("resident", "excluded:duplicate")] == 8
    assert pooled[("worker", "received")] == 601 and pooled[("worker", "valid")] == 586
    unassigned = rows[rows["group"] == "（未填区县）"].set_index(["variable", "category"])["value"]
    assert unassigned.to_dict() == {("resident", "received"): 6, ("resident", "excluded:duplicate"): 1,
                                    ("resident", "valid"): 5}
    alone = stats.wave_flow(SimpleNamespace(flow=_flow_frame().iloc[[0, 1, 3, 4]], codebooks=books))
    assert set(alone["group"]) == {POOLED_GROUP}


def test_index_shows_pooled_sample_sizes_unassigned_and_codebook_top_box(books, tmp_path):
    from types import SimpleNamespace

    from analysis import stats

    wave_dir = tmp_path / "2026"
    _district_folder(wave_dir, "桥东区", "桥东区", 0, ["report.html"])
    stats_path = wave_dir / "桥东区" / "stats.json"
    data = json.loads(stats_path.read_text(encoding="utf-8"))
    flow = stats.wave_flow(SimpleNamespace(flow=_flow_frame(), codebooks=books))
    data["rows"] = [r for r in data["rows"] if r["table"] != "flow" or r["group"] != POOLED_GROUP]
    data["rows"] += json.loads(flow.to_json(orient="records", force_ascii=False))
    for row in data["rows"]:
        if row["stat"] == "top2":
            row["category_label"] = "很好＋较好"
    stats_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    overview.write_index_html(wave_dir, "2026")
    page = (wave_dir / "index.html").read_text(encoding="utf-8")
    pooled_row = re.search(rf"<tr><td></td><td>{POOLED_GROUP}</td>(.*?)</tr>", page).group(1)
    assert re.findall(r"<td>([^<]*)</td>", pooled_row)[:2] == ["586", "745"]   # workers, residents
    assert "另有未填写区县的问卷（（未填区县））：居民问卷收到6份、有效5份。" in page
    assert "排名依据为“很好”与“较好”的占比之和" in page and "非常满意" not in page


def test_an_overfull_table_keeps_its_labels_on_one_line_and_breaks_intervals():
    """The district-vs-rest table (seven columns, two of them value + interval) is wider than the
    page: 项目 keeps the room its longest label needs, the interval columns give way first."""
    frame = pd.DataFrame({
        "项目": ["社区服务", "党组织作用", "信息化服务"],
        "桥东区满意率": ["75.5", "53.0", "49.6"],
        "其他区县满意率": ["63.8", "43.4", "34.2"],
        "桥东区－其他区县": ["11.7（6.9～16.3）", "9.5（4.3～14.7）", "15.4（10.2～20.6）"],
        "p值": ["<0.001", "<0.001", "<0.001"],
        "校正后p值（Holm）": ["<0.001", "<0.001", "<0.001"],
        "比值比（有序logit）": ["1.78（1.46～2.16）", "1.52（1.25～1.84）", "1.86（1.53～2.27）"],
    })
    widths = word._column_widths(frame, 16.0)              # a 16 cm column of text (this table squeezed)
    assert sum(widths) == pytest.approx(16.0)
    label_cm = (tables.text_width("党组织作用") + 3) * word.CHAR_UNIT_CM
    assert widths[0] >= label_cm - 1e-9                            # 5 characters and the padding
    ci_cm = (tables.text_width("（10.2～20.6）") + 2) * word.CHAR_UNIT_CM    # the interval and the margins
    assert widths[3] >= ci_cm and widths[3] < (tables.text_width("15.4（10.2～20.6）") + 3) * word.CHAR_UNIT_CM


def test_a_header_with_a_half_width_lead_breaks_after_it():
    """“95%置信区间” too wide for its column (the report's 负责人 table) reads “95%” over “置信区间”,
    and the column is wide enough for “置信区间” on one line; bracketed headers break as before."""
    frame = pd.DataFrame({"指标": ["年龄", "年龄", "书记、主任“一肩挑”"],
                          "类别": ["社区党组织书记", "社区居委会主任（含“一肩挑”书记）", "是"],
                          "人数": ["14", "15", "8"], "占比（%）": ["", "", "57.1"], "平均值": ["42.4", "41.9", ""],
                          "中位数": ["42.0", "42.0", ""], "95%置信区间": ["36.3～48.5", "37.1～46.6", "32.6～78.6"]})
    widths = word._column_widths(frame)
    broken = list(word._break_before_brackets(frame, widths).columns)
    assert broken[-1] == "95%\n置信区间" and broken[3] == "占比\n（%）"
    assert widths[-1] >= (tables.text_width("置信区间") + 3) * word.CHAR_UNIT_CM - 1e-9
    assert word._two_line_width("95%置信区间") == 8 and word._two_line_width("标准化回归系数") == 7
    assert word._lead_split("比值比（有序logit）") is None and word._lead_split("项目") is None


def test_display_tables_follow_the_stats_table_they_are_given(stats):
    """Laid out once per stats table's contents: the same table gives equal frames (copies a caller
    may change), an edited table its own, and one that cannot be hashed still works."""
    first = tables.display_table(stats, "worker_composition", DISTRICT)
    first.iloc[0, 0] = "改动"
    again = tables.display_table(stats, "worker_composition", DISTRICT)
    assert again.iloc[0, 0] != "改动"
    edited = stats.copy()
    edited.loc[edited["variable_label"] == again.iloc[0, 0], "variable_label"] = "新的标签"
    assert tables.display_table(edited, "worker_composition", DISTRICT).iloc[0, 0] == "新的标签"
    odd = edited.assign(extra=[[1]] * len(edited))          # a column of lists: not hashable
    assert tables.display_table(odd, "worker_composition", DISTRICT).equals(
        tables.display_table(edited, "worker_composition", DISTRICT))
