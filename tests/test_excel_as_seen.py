"""Excel cells as the user sees them (issue 18, D16): a number in a cell formatted as a date (an
age 23 shown as 1900-01-23) is read as the number, and formula cells saved without a computed
value are reported with the column and the fix instead of read as empty answers."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from analysis import clean
from analysis.read import ingest
from conftest import wjx_frame
from hostile_corpus import _worker_rows
from wave_files import prepare, raw_folder

AGES = [23, 35, 59, 60, 61, 75]


def _workbook(books, path, *, date_ages=False, formula_column=None):
    rows = _worker_rows(len(AGES))
    for r, age in zip(rows, AGES):
        r["age"] = age
    df = wjx_frame(books["worker"], rows)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(df.columns))
    for rec in df.itertuples(index=False):
        ws.append(list(rec))
    age_col = next(j for j, c in enumerate(df.columns, 1) if c.endswith("您的年龄"))
    if date_ages:
        for i in range(2, len(AGES) + 2):
            ws.cell(i, age_col).number_format = "yyyy-mm-dd"
    if formula_column == "age":
        for i in range(2, len(AGES) + 2):
            ws.cell(i, age_col).value = f"=20+{i}"
    elif formula_column == "extra":
        ws.cell(1, ws.max_column + 1).value = "合计"
        for i in range(2, len(AGES) + 2):
            ws.cell(i, ws.max_column).value = f"=A{i}+1"
    wb.save(path)
    return path


@pytest.fixture
def raw(tmp_path):
    return raw_folder(tmp_path)


def test_ages_in_date_formatted_cells_are_the_numbers_typed(books, raw, tmp_path, capsys):
    _workbook(books, raw / "a.xlsx", date_ages=True)
    table = ingest.read(raw / "a.xlsx", set(books["worker"].header_map()))
    col = next(c for c in table.frame.columns if c.endswith("您的年龄"))
    assert table.frame[col].tolist() == [str(a) for a in AGES]      # 60 is Excel's 1900-02-29
    assert table.dates_as_numbers == {col: len(AGES)}
    assert prepare(tmp_path) == 0
    err = capsys.readouterr().err
    assert "设成了日期格式" in err and "按填写的数字读取" in err
    w = clean.load_wave("w", tmp_path / "processed")
    assert w.frames["worker"]["age"].tolist() == AGES
    assert not len(w.exclusions)


def test_uncalculated_formulas_in_a_question_column_name_the_column_and_the_fix(books, raw, tmp_path, capsys):
    _workbook(books, raw / "a.xlsx", formula_column="age")
    assert prepare(tmp_path) == 2
    err = capsys.readouterr().err
    assert "a.xlsx" in err and "您的年龄" in err and "公式" in err and "WPS" in err and "Traceback" not in err


def test_uncalculated_formulas_in_an_unused_column_are_said(books, raw, tmp_path, capsys):
    _workbook(books, raw / "a.xlsx", formula_column="extra")
    assert prepare(tmp_path) == 0
    err = capsys.readouterr().err
    assert "“合计”列有 6 个公式单元格没有计算结果（该列问卷不用，未影响统计）" in err and "WPS" in err
    w = clean.load_wave("w", tmp_path / "processed")
    assert "“合计”列有 6 个公式单元格没有计算结果" in w.manifest["inputs"][0]["notes"]


def test_an_uncalculated_formula_in_a_text_answer_is_said_and_counted_missing(books, raw, tmp_path, capsys):
    """pandas writes a text answer starting with = as a formula (the hostile corpus's =HYPERLINK)."""
    rows = _worker_rows(4, community="幸福社区")
    rows[0]["community"] = '=HYPERLINK("http://evil.example","x")'
    wjx_frame(books["worker"], rows).to_excel(raw / "a.xlsx", index=False)
    assert prepare(tmp_path) == 0
    err = capsys.readouterr().err
    assert "您所在的社区”列有 1 个公式单元格没有计算结果（按未填写处理）" in err
    w = clean.load_wave("w", tmp_path / "processed")
    assert len(w.frames["worker"]) == 4 and w.frames["worker"]["community"].isna().sum() == 1


def test_calculated_formulas_are_read_as_their_values(books, raw, tmp_path):
    """A workbook saved by Excel keeps each formula's result: nothing to report."""
    path = _workbook(books, raw / "a.xlsx", formula_column="extra")
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = re.sub(r"(<f>A(\d+)\+1</f>)<v\s*/?>(</v>)?", r"\1<v>\2</v>", sheet).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    table = ingest.read(path, set(books["worker"].header_map()))
    assert table.uncached == {}
    assert table.frame["合计"].tolist() == [str(i) for i in range(2, 8)]
