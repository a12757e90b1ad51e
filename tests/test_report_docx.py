"""The Word report of a real sample district: every stats table in its section, numbered, with a
base note, numbers as published; tables of statistics (drivers, district vs rest, reliability,
weighting) laid out for a reader; and, where LibreOffice is installed, the PDF a reader would see."""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn

from analysis import clean, cli, config, stats
from analysis.publish import report, sections
from analysis.publish import tables as publish_tables
from analysis.stats import COLUMNS
from analysis.weighting import weights

DISTRICT = "桥东区"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """桥东区 of the bundled sample: its stats (with the weighted rows) and the report the district
    notebook writes (every section of ``publish.sections.DistrictReport``, in the notebook's order)."""
    root = tmp_path_factory.mktemp("docx")
    assert cli.main(["prepare", "--processed-dir", str(root / "processed")]) == 0
    data = clean.load_wave(config.DEFAULT_WAVE, root / "processed")
    S = pd.concat([stats.district_stats(data, DISTRICT), weights.district_weighted(data, DISTRICT)],
                  ignore_index=True)
    R = sections.DistrictReport(S, data.codebooks, report.meta(data, DISTRICT), root, data=data, show=False)
    for section in (R.title, R.sample, R.profiles, R.questions, R.comparisons, R.practice, R.findings, R.advice,
                    R.method, R.write):
        section()
    return {"S": S, "path": root / "report.docx", "root": root, "R": R}


def _rows(records: list[tuple]) -> pd.DataFrame:
    """Stats rows from (variable, label, category, category_label, stat, value, ci_low, ci_high)."""
    out = []
    for order, (var, label, cat, cat_label, stat, value, lo, hi) in enumerate(records, 1):
        out.append(dict(table="t", table_title="表", group=DISTRICT, variable=var, variable_label=label,
                        category=cat, category_label=cat_label, order=order, stat=stat, n=447,
                        base=447, base_label="各题均有效回答", value=value, exact=value, ci_low=lo,
                        ci_high=hi, suppressed=False))
    return pd.DataFrame(out, columns=COLUMNS)


def test_statistics_table_is_one_row_per_item():
    nan = float("nan")
    S = _rows([("a", "办事便利", "rank", "重要性排序", "rank", 1.0, nan, nan),
               ("a", "办事便利", "beta", "标准化回归系数", "beta", 0.234, 0.171, 0.296),
               ("a", "办事便利", "p", "p值", "p", 0.0, nan, nan),
               ("b", "社区服务", "rank", "重要性排序", "rank", 2.0, nan, nan),
               ("b", "社区服务", "beta", "标准化回归系数", "beta", 0.07, -0.012, 0.15),
               ("b", "社区服务", "p", "p值", "p", 0.0431, nan, nan)])
    table = publish_tables.display_table(S, "t", DISTRICT)
    assert list(table.columns) == ["项目", "重要性排序", "标准化回归系数", "p值"]
    assert table.values.tolist() == [["办事便利", "1", "0.234（0.171～0.296）", "<0.001"],
                                     ["社区服务", "2", "0.070（-0.012～0.150）", "0.043"]]
    note = publish_tables.table_note(S, "t", DISTRICT)
    assert note.startswith("注：N=447，基数为各题均有效回答；括号内为95%置信区间；p值小于0.05")


def test_many_kinds_of_statistic_list_one_per_row():
    nan = float("nan")
    records = [("g", "性别", "1", "男", "diff", 15.0, 9.0, 20.8), ("g", "性别", "2", "女", "diff", -15.0, -20.8, -9.0)]
    records += [("g", "性别", "test", name, stat, v, nan, nan) for name, stat, v in
                (("卡方值", "chi2", 24.082), ("自由度", "df", 1.0), ("p值", "p", 0.0),
                 ("克莱姆V系数", "cramers_v", 0.154), ("校正后p值", "p_adj", 0.0),
                 ("x", "chi2", 1.5))]
    S = _rows(records)
    table = publish_tables.display_table(S, "t", DISTRICT)
    assert list(table.columns) == ["指标", "类别", "数值", "95%置信区间", "人数"]
    assert table.iloc[1].tolist() == ["性别", "女", "-15.0", "-20.8～-9.0", "447"]
    assert table["数值"].tolist()[2:6] == ["24.082", "1", "<0.001", "0.154"]


def test_sections_hold_every_new_table_numbered_with_notes(sample):
    """The Word report holds the blocks the notebook showed, in order: each table once, numbered,
    with its base note (a sample's table twice: in the body without intervals, whole in the 技术附录); the chapters the bundled codebooks call for, and 主要发现 written from cells."""
    document = Document(sample["path"])
    texts = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、基本情况", "二、主要做法与成效", "三、存在的问题", "四、对策建议", "附录　技术附录"]
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 2"][:4] == \
        ["（一）调查概况", "（二）样本基本情况", "（三）调查结果", "（四）比较分析"]
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 3"][:3] == \
        ["社区工作者问卷", "居民问卷", "社区组织基本情况统计表"]         # wave.yaml's questionnaires order
    S = sample["S"]
    titles = dict(zip(S["table"], S["table_title"]))
    expected = [b.table for b in sample["R"].blocks if b.kind == "table"]
    captions = [t for t in texts if re.match(r"^表\d+　", t)]
    assert captions == [f"表{i}　{titles[t]}" for i, t in enumerate(expected, 1)]
    plain = [b.table for b in sample["R"].blocks if b.kind == "table" and b.plain]
    repeated = sorted(t for t in set(expected) if expected.count(t) > 1)
    assert repeated == sorted(plain) and all(expected.count(t) == 2 for t in repeated)   # body, then appendix whole
    for table in ("worker_composition", "worker_indicators", "worker_q_stay", "worker_q_training",
                  "worker_numbers", "worker_by_gender", "resident_satisfaction", "resident_satisfaction_index",
                  "resident_satisfaction_drivers", "resident_satisfaction_vs_rest", "resident_satisfaction_weighted",
                  "shared_worker_resident", "community_composition", "community_indicators", "flow", "weighting"):
        assert table in expected, table
    assert len(document.tables) == len(expected)
    notes = [t for t in texts if t.startswith("注：")]
    assert len(notes) >= len(expected) - 1                      # the sample flow needs no base note
    problems = texts[texts.index("三、存在的问题") + 1:texts.index("四、对策建议")]
    assert any("满意率最低的" in t for t in problems)
    figures = [b for b in sample["R"].blocks if b.kind == "figure"]
    assert len(document.inline_shapes) == len(figures) >= 8


def test_seed_004_figures_stand_in_the_text(sample):
    """The figures of seed 004 (桥东区) where a reader of the seed finds them: 494 workers, 109 full-time
    and 385 part-time, the age bands 12.8 / 62.5 / 24.7, the secretaries' and directors' mean ages
    43.5 and 40.6, and 一肩挑 53.0% of secretaries — in the 样本基本情况 paragraph."""
    texts = [p.text for p in Document(sample["path"]).paragraphs]
    body = "".join(texts[texts.index("（二）样本基本情况"):texts.index("（三）调查结果")])
    # 309/494 = 62.55%: the seed adjusted it to 62.5 (largest remainder); the report prints it as a
    # reader rounds it (config.SHARE_ROUNDING, the table's note says so)
    for needle in ("社区工作者494名", "专职109名（占22.1%）", "兼职385名（占77.9%）", "35岁以下的占12.8%",
                   "35-55岁的占62.6%", "55岁以上的占24.7%", "社区党组织书记平均年龄为43.5岁",
                   "社区居委会主任平均年龄为40.6岁", "“一肩挑”比例为53.0%（35/66）"):
        assert needle in body, needle


def _published(S: pd.DataFrame) -> set[str]:
    texts = set()
    for _, row in S.iterrows():
        scale = row["table"].endswith(("satisfaction", "satisfaction_weighted"))
        texts.add(publish_tables._fmt(row["value"], row["stat"], scale))
        texts.update({str(int(row["n"])), str(int(row["base"]))})
        if pd.notna(row["ci_low"]):
            texts.update(publish_tables._fmt_ci(row, scale).split("～"))
    return texts


def test_every_number_in_the_word_tables_is_published(sample):
    published = _published(sample["S"]) | {"100.0"}       # a frequency table's 合计 row: 100.0 by definition
    numbers = [n for table in Document(sample["path"]).tables for row in table.rows[1:]
               for cell in row.cells if "<" not in cell.text
               for n in re.findall(r"-?\d+(?:\.\d+)?", cell.text)
               if not re.search(r"[\u4e00-\u9fff]", cell.text)]
    assert len(numbers) > 300
    assert [n for n in numbers if n not in published] == []


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) 或 pdftotext 未安装")
def test_word_report_renders_to_pdf_with_its_headings(sample):
    root = sample["root"]
    subprocess.run(["soffice", f"-env:UserInstallation=file://{root}/lo-profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(root), str(sample["path"])],
                   check=True, capture_output=True, timeout=300)
    pdf = root / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout).group(1))
    assert pages >= 6
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    flat = re.sub(r"\s+", "", text)
    for needle in ("桥东区·2026年社区党建与社区工作者队伍调研报告", "一、基本情况", "（一）调查概况",
                   "二、主要做法与成效", "【待本单位填写】", "三、存在的问题", "四、对策建议", "附录技术附录", "表1",
                   "图1", "注：N=", "专职109名"):
        assert needle in flat, needle
    order = [flat.index(h) for h in ("一、基本情况", "二、主要做法与成效", "三、存在的问题", "四、对策建议",
                                     "附录技术附录")]
    assert order == sorted(order)


def test_no_table_row_breaks_across_pages(sample):
    """A long table may continue on the next page, but a row (a value over its interval) stays whole."""
    document = Document(sample["path"])
    rows = [row for table in document.tables for row in table.rows]
    assert rows and all(row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
                        for row in rows)


def test_a_researchers_table_call_with_a_wrong_name_says_so(sample):
    """``R.table("worker_q_stey")`` (a typo) is an error naming the table and where the names are;
    a real table this unit has no rows of is skipped without a word."""
    from analysis.errors import SurveyError

    R = sections.DistrictReport(sample["S"], sample["R"].books, sample["R"].meta, sample["root"], show=False)
    with pytest.raises(SurveyError, match="worker_q_stey") as err:
        R.table("worker_q_stey")
    assert "plan_table" in str(err.value)
    other = sample["S"].assign(group="别的区")                          # rows of another unit only
    assert sections.DistrictReport(other, R.books, R.meta, sample["root"], show=False).table("worker_q_stay") is False
    assert R.table("worker_q_stay") is True and R.blocks[-1].table == "worker_q_stay"


def test_the_web_page_and_the_workbook_number_the_tables_as_word_does(sample):
    """桥东区's report.html (written by R.write from the same blocks) has Word's captions, 表N and
    图N in the same order, no English-only header; tables.xlsx's 目录 lists Word's 表1…表N; every
    chart has its paper variant."""
    import openpyxl

    root = sample["root"]
    word = [p.text for p in Document(sample["path"]).paragraphs if p.style.name == "Caption"]
    page = (root / "report.html").read_text(encoding="utf-8")
    assert re.findall(r"<figcaption>([^<]*)</figcaption>", page) == word
    assert sum(c.startswith("表") for c in word) >= 20 and sum(c.startswith("图") for c in word) >= 5
    assert 'href="../index.html"' in page and "<script" not in page
    assert not [h for h in re.findall(r"<th[^>]*>([^<]*)</th>", page) if re.fullmatch(r"[A-Za-z_ ]+", h)]
    book = openpyxl.load_workbook(root / "tables.xlsx")
    index = [f"{a}　{b}" for a, b in book["目录"].iter_rows(min_row=3, max_col=2, values_only=True)
             if str(a).startswith("表")]
    assert index == [c for c in word if c.startswith("表")]
    assert sorted(p.name for p in (root / "figures" / "paper").glob("*.svg")) \
        == sorted(p.stem + ".svg" for p in (root / "figures").glob("*.png"))
