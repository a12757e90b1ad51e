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
from analysis.publish import charts, narrative, word
from analysis.publish import tables as publish_tables
from analysis.stats import COLUMNS
from analysis.weighting import weights

DISTRICT = "桥东区"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """桥东区 of the bundled sample: its stats (with the weighted rows) and the written report."""
    root = tmp_path_factory.mktemp("docx")
    assert cli.main(["prepare", "--processed-dir", str(root / "processed")]) == 0
    data = clean.load_wave(config.DEFAULT_WAVE, root / "processed")
    S = pd.concat([stats.district_stats(data, DISTRICT), weights.district_weighted(data, DISTRICT)],
                  ignore_index=True)
    figures = {
        "worker_composition": charts.save_figure(charts.composition_bars(
            S, "worker_composition", ["employment", "age_band", "edu2"], DISTRICT, source="数据来源"),
            root / "figures", "composition")["png"],
        "resident_satisfaction": charts.save_figure(charts.likert_stacked(
            S, "resident_satisfaction", DISTRICT, source="数据来源"), root / "figures", "likert")["png"],
    }
    path = root / "report.docx"
    word.write_district_docx(path, S=S, district=DISTRICT, wave=config.DEFAULT_WAVE,
                               paragraphs=narrative.district_paragraphs(S, DISTRICT, synthetic=True),
                               figures=figures, meta={"synthetic": True})
    return {"S": S, "path": path, "root": root}


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
    document = Document(sample["path"])
    texts = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、基本情况", "二、满意度评价", "三、存在的问题", "附录　样本与方法"]
    S = sample["S"]
    titles = dict(zip(S["table"], S["table_title"]))
    captions = [t for t in texts if re.match(r"^表\d+　", t)]
    expected = [t for _, _, tables in word.SECTIONS for t in tables
                if ((S["table"] == t) & (S["group"] == DISTRICT)).any()]
    assert captions == [f"表{i}　{titles[t]}" for i, t in enumerate(expected, 1)]
    for table in ("worker_leaders", "community_coverage", "resident_index", "resident_drivers",
                  "resident_vs_rest", "resident_satisfaction_weighted", "weighting"):
        assert table in expected, table
    assert len(document.tables) == len(expected)
    notes = [t for t in texts if t.startswith("注：")]
    assert len(notes) == len(expected) - 1                      # the sample flow needs no base note
    assert all(n.startswith("注：N=") for n in notes)
    problems = texts[texts.index("三、存在的问题") + 1:texts.index("附录　样本与方法")]
    assert any("满意率较低的是" in t for t in problems)


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
    published = _published(sample["S"])
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
    for needle in ("桥东区社区党建与社区工作者队伍调研报告", "一、基本情况", "二、满意度评价",
                   "三、存在的问题", "附录样本与方法", "表1", "图1", "注：N=", "专职109名"):
        assert needle in flat, needle
    order = [flat.index(h) for h in ("一、基本情况", "二、满意度评价", "三、存在的问题", "附录样本与方法")]
    assert order == sorted(order)


def test_no_table_row_breaks_across_pages(sample):
    """A long table may continue on the next page, but a row (a value over its interval) stays whole."""
    document = Document(sample["path"])
    rows = [row for table in document.tables for row in table.rows]
    assert rows and all(row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
                        for row in rows)
