"""tables.xlsx as a tab book, read back with openpyxl: a 目录 of 表1…表N in the report's order and
numbering (the Word report's captions), numbers as numbers (estimate, lower and upper in their own
numeric columns, p as a number with a format), hidden cells empty with a note, units in headers."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from docx import Document

from analysis.publish import charts, excel, word
from analysis.publish.tables import TEXT_COLUMNS
from analysis.stats.suppression import DASH
from test_charts import SOURCE, make_stats
from test_render import DISTRICT, report_blocks

META = {"district": DISTRICT, "synthetic": True}


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    S, folder = make_stats(DISTRICT), tmp_path_factory.mktemp("xlsx")
    figures = {"worker_composition": charts.save_figure(charts.composition_bars(
                   S, "worker_composition", ["employment"], DISTRICT, source=SOURCE), folder, "a")["png"],
               "resident_satisfaction": charts.save_figure(charts.likert_stacked(
                   S, "resident_satisfaction", DISTRICT, source=SOURCE), folder, "b")["png"]}
    blocks = report_blocks(S, figures)
    excel.write_tables_xlsx(S, folder / "tables.xlsx", META, blocks=blocks, units={"年龄": "岁"})
    word.write_report_docx(folder / "report.docx", S=S, group=DISTRICT, blocks=blocks, meta=META)
    return {"xlsx": openpyxl.load_workbook(folder / "tables.xlsx"), "docx": Document(folder / "report.docx"),
            "S": S, "folder": folder}


def test_the_index_lists_the_reports_tables_in_its_numbering_and_links_them(book):
    wb = book["xlsx"]
    index = wb["目录"]
    assert wb.sheetnames[0] == "目录"
    rows = [r for r in index.iter_rows(min_row=3) if r[0].value]
    word_tables = [p.text for p in book["docx"].paragraphs if p.style.name == "Caption" and p.text.startswith("表")]
    assert [f"{r[0].value}　{r[1].value}" for r in rows] == word_tables
    for number, _ in ((r[0], r[1]) for r in rows):
        assert number.hyperlink.location == f"'{number.value}'!A1" and not number.hyperlink.target
        assert wb[number.value]["A1"].value.startswith(f"{number.value}　")
    assert wb.sheetnames[1:] == [r[0].value for r in rows]     # every table of S is in the report here


def test_tables_the_report_does_not_show_follow_as_appendix_tables(book, tmp_path):
    blocks = [b for b in report_blocks(book["S"], {"worker_composition": None, "resident_satisfaction": None})
              if b.kind == "table" and b.table != "flow"]
    excel.write_tables_xlsx(book["S"], tmp_path / "t.xlsx", META, blocks=blocks)
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames[-1] == "附表1" and wb["附表1"]["A1"].value == "附表1　样本流向"


def _numeric_columns(sheet):
    headers = [c.value for c in sheet[3]]
    words = {"单位", "基数"}                        # the unit, the base's words beside its number
    return headers, [j for j, h in enumerate(headers) if h not in TEXT_COLUMNS | words and not h.endswith("单位")]


def test_no_text_in_numeric_columns_and_intervals_split(book):
    wb = book["xlsx"]
    seen_interval = 0
    for name in wb.sheetnames[1:]:
        sheet = wb[name]
        headers, numeric = _numeric_columns(sheet)
        rows = list(sheet.iter_rows(min_row=4, values_only=True))
        for j in numeric:
            bad = [r[j] for r in rows if r[j] is not None and not isinstance(r[j], (int, float))]
            assert bad == [], (name, headers[j], bad)
        assert not any(v in (DASH, "nan", "<0.001") for r in rows for v in r)
        for j, h in enumerate(headers):
            if h.endswith("下限"):
                upper = headers.index(h.removesuffix("下限") + "上限")
                pairs = [(r[j], r[upper]) for r in rows if r[j] is not None]
                assert pairs and all(lo <= hi for lo, hi in pairs)
                seen_interval += 1
    assert seen_interval >= 3


def test_hidden_cells_are_empty_shaded_and_noted(book):
    sheet = book["xlsx"]["表1"]
    S = book["S"]
    hidden = S[(S["table"] == "worker_composition") & (S["group"] == DISTRICT) & S["suppressed"].astype(bool)
               & (S["stat"] == "share")]
    assert len(hidden)
    rows = {r[1].value: r for r in sheet.iter_rows(min_row=4)}
    for label in hidden["category_label"]:
        cells = rows[label][2:]
        assert all(c.value is None and c.fill.fgColor.rgb.endswith("EDEDED") for c in cells)
    assert "空白的灰色单元格人数少于" in sheet["A2"].value


def test_p_values_are_numbers_with_a_format_and_units_go_into_headers():
    frame = pd.DataFrame({"指标": ["性别", "年龄", "工作经费"], "差值（百分点）": ["-11.5", "2.0", DASH],
                          "95%置信区间": ["-23.9～4.1", "0.1～3.9", DASH], "p值": ["<0.001", "0.140", "p=0.005"],
                          "数值": ["37.8%", "45.0%", DASH], "平均值": ["48.8（48.0～49.6）", "3.92", DASH]})
    headers, rows, notes = excel.numeric_frame(frame, {"工作经费": "万元"})
    assert headers == ["指标", "单位", "差值（百分点）", "95%置信区间下限", "95%置信区间上限", "p值", "数值（%）",
                       "平均值", "平均值（95%置信区间下限）", "平均值（95%置信区间上限）"]
    values = [[v for v, _, _ in r] for r in rows]
    assert values[0] == ["性别", None, -11.5, -23.9, 4.1, 0.001, 37.8, 48.8, 48.0, 49.6]
    assert values[1][5] == 0.14 and values[1][7:] == [3.92, None, None]
    assert values[2][1] == "万元" and values[2][5] == 0.005 and values[2][2] is None
    assert (rows[0][5][1], rows[1][5][1], rows[2][5][1]) == ('"<"0.000', "0.000", '"p="0.000')
    _, chi, _ = excel.numeric_frame(pd.DataFrame({"指标": ["a", "b", "c"], "专职（%）": ["37.5", "17", "p<0.001"]}))
    assert [c[1][:2] for c in chi] == [(37.5, "0.0"), (17, "0"), (0.001, '"p<"0.000')]   # a breakdown's column
    assert rows[2][2][2] is True                                  # hidden
    assert any("0.001" in n for n in notes) and any("不予公布" in n for n in notes)


def test_mixed_units_and_bases_become_a_number_and_its_words():
    """An indicator table prints 37.8% beside 45.3岁 and “全部受访者45”: the number in one column,
    the unit or the base's words in the next."""
    frame = pd.DataFrame({"指标": ["专职占比", "平均年龄", "书记人数"], "数值": ["37.8%", "45.3岁", "8"],
                          "基数": ["全部受访者45", "有效回答8人", "全部受访者45"]})
    headers, rows, _ = excel.numeric_frame(frame)
    assert headers == ["指标", "数值", "数值单位", "基数", "基数（人数）"]
    assert [[v for v, _, _ in r] for r in rows] == [["专职占比", 37.8, "%", "全部受访者", 45],
                                                     ["平均年龄", 45.3, "岁", "有效回答", 8],
                                                     ["书记人数", 8, None, "全部受访者", 45]]
