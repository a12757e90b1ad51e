"""``tables.xlsx``: the report's tables as a workbook a researcher can compute with.

A 目录 sheet lists 表1…表N in the report's order and numbering (:func:`document.numbered`, the
same as Word and the web page), each linked to its sheet ``表N``; tables of ``S`` the report does
not show follow as 附表1…. Numbers are numbers: an estimate with its interval (“11.7（6.9～16.3）”
or a “6.9～16.3” column) becomes separate numeric columns (估计值, 下限, 上限), a p value a number
with a number format (“<0.001” is stored as 0.001 and shown as “<0.001”, the sheet's note says so),
a percent or a unit written after a number moves into the header; a suppressed cell (“—”) is
left empty, shaded, and the note says why. A number question's unit (万元, 户 …, the codebook's)
is given in a 单位 column. Text stays safe from formulas.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.writer.excel import ExcelWriter

from analysis.config import MIN_CELL, SAMPLE_NOTE
from analysis.publish.ooxml import FIXED_TIME, write_zip
from analysis.publish.tables import (
    DASH,
    P_STATS,
    STAT_NAMES,
    TEXT_COLUMNS,
    WITH_INTERVAL,
    published_tables,
    text_width,
)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^-?\d+(?:\.(\d+))?$")
INTERVAL = re.compile(r"^(-?\d+(?:\.\d+)?)～(-?\d+(?:\.\d+)?)$")
P_TEXT = re.compile(r"^(p)?([=<])?(\d+(?:\.\d+)?)$")          # 0.140, <0.001, p=0.005, p<0.001
SUFFIXED = re.compile(r"^(-?\d+(?:\.\d+)?)(%|[\u4e00-\u9fff]{1,3})$")     # 37.8% / 45.3岁
COUNTED = re.compile(r"^(\D*?)(\d+)人?$")                                   # 全部受访者45 / 有效回答8人
P_HEADERS = {STAT_NAMES[s] for s in P_STATS}
HIDDEN_FILL = PatternFill("solid", fgColor="EDEDED")
HEADER_FILL = PatternFill("solid", fgColor="E8EEF5")
INDEX_SHEET = "目录"


def _number(text: str):
    """``text`` as (number, format) when it is one number, else None."""
    match = NUMBER.match(text)
    if not match:
        return None
    decimals = len(match.group(1) or "")
    return (float(text), "0." + "0" * decimals) if decimals else (int(text), "0")


def _excel_value(text: str):
    """A number where the text is one (kept negative if so), else text safe from formulas."""
    number = _number(text)
    if number:
        return number
    if text.startswith(FORMULA_START):
        return "'" + text, None
    return text, None


def _sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "表"
    base, k = name, 2
    while name in used:
        suffix = f"_{k}"
        name, k = base[:31 - len(suffix)] + suffix, k + 1
    used.add(name)
    return name


def numeric_frame(frame: pd.DataFrame, units: dict[str, str] | None = None) -> tuple[list[str], list[list], list[str]]:
    """A display table as (headers, rows of values, notes) for a sheet: each column split where
    it holds intervals, numbers as numbers, hidden cells as None. A value is a (value, format,
    hidden) triple."""
    units = units or {}
    headers: list[str] = []
    columns: list[list] = []
    notes: list[str] = []
    for h in frame.columns:
        texts = [str(t) for t in frame[h]]
        if h in TEXT_COLUMNS:
            headers.append(h)
            columns.append([(_excel_value(t)[0], None, False) if t != DASH else (None, None, True) for t in texts])
            continue
        shown = [t for t in texts if t not in (DASH, "")]
        if shown and all(WITH_INTERVAL.match(t) or NUMBER.match(t) for t in shown) \
                and any(WITH_INTERVAL.match(t) for t in shown):
            parts = [WITH_INTERVAL.match(t) for t in texts]
            for k, suffix in ((1, ""), (2, "（95%置信区间下限）"), (3, "（95%置信区间上限）")):
                headers.append(f"{h}{suffix}")
                columns.append([_cell(m.group(k) if m else (t if k == 1 else ""), t) for m, t in zip(parts, texts)])
            continue
        if shown and all(INTERVAL.match(t) for t in shown):
            parts = [INTERVAL.match(t) for t in texts]
            for k, suffix in ((1, "下限"), (2, "上限")):
                headers.append(f"{h}{suffix}")
                columns.append([_cell(m.group(k) if m else "", t) for m, t in zip(parts, texts)])
            continue
        if shown and all(P_TEXT.match(t) for t in shown) and h in P_HEADERS:
            headers.append(h)
            columns.append([_p_cell(t) for t in texts])
            if any("<" in t for t in shown):
                notes.append("p值小于0.001的单元格存为0.001，显示为“<0.001”")
            continue
        suffixed = [SUFFIXED.match(t) or NUMBER.match(t) for t in shown]
        if shown and all(suffixed) and any(SUFFIXED.match(t) for t in shown):
            units_here = {m.group(2) if m.re is SUFFIXED else "" for m in suffixed}
            values = [_cell(SUFFIXED.match(t).group(1), t) if SUFFIXED.match(t) else _cell(t, t) for t in texts]
            if len(units_here) == 1:                  # one unit: it goes into the header
                headers.append(f"{h}（{units_here.pop()}）")
                columns.append(values)
            else:                                     # 37.8% beside 45.3岁: the unit in a column of its own
                headers += [h, f"{h}单位"]
                columns += [values, [((m.group(2) if (m := SUFFIXED.match(t)) else None), None, False)
                                     for t in texts]]
            continue
        based = [COUNTED.match(t) for t in shown]
        if shown and all(based) and any(m.group(1) for m in based):    # 全部受访者45: who, how many
            headers += [h, f"{h}（人数）"]
            parts = [COUNTED.match(t) for t in texts]
            columns += [[(_excel_value(m.group(1))[0] if m else None, None, False) for m in parts],
                        [_cell(m.group(2), t) if m else _cell("", t) for m, t in zip(parts, texts)]]
            continue
        headers.append(h)
        column = []
        for t in texts:
            match = P_TEXT.match(t) if t.startswith(("p", "<")) else None
            column.append(_p_cell(t) if match else _cell(t, t))
        columns.append(column)
    label = next((c for c in frame.columns if c in ("指标", "题目", "特征", "项目")), None)
    if label is not None and units:
        column = [units.get(str(t), "") for t in frame[label]]
        if any(column):
            at = headers.index(label) + 1
            headers.insert(at, "单位")
            columns.insert(at, [(u or None, None, False) for u in column])
    if any(hidden for column in columns for _, _, hidden in column):
        notes.append(f"空白的灰色单元格人数少于{MIN_CELL}人，不予公布")
    rows = [list(r) for r in zip(*columns)] if columns else []
    return headers, rows, notes


def _cell(text: str, original: str):
    if original == DASH:
        return (None, None, True)
    number = _number(text)
    if number:
        return (*number, False)
    return (_excel_value(text)[0] if text else None, None, False)


def _p_cell(text: str):
    if text == DASH:
        return (None, None, True)
    match = P_TEXT.match(text)
    if not match:
        return _cell(text, text)
    sign = match.group(2) or ""
    shown = (match.group(1) or "") + (sign if match.group(1) or sign == "<" else "")
    fmt = (f'"{shown}"' if shown else "") + "0.000"       # “<0.001” is 0.001 shown with its “<”
    return (float(match.group(3)), fmt, False)


def write_tables_xlsx(S: pd.DataFrame, path: str | Path, meta: dict, blocks: list | None = None,
                      units: dict[str, str] | None = None) -> None:
    """The workbook for ``meta["district"]``: 目录, then 表1…表N as the report numbers them
    (``blocks``, the recorded report; without them every table of ``S`` in its order), then the
    tables the report does not show as 附表N. ``units``: a question's label → its unit."""
    from analysis.publish.document import numbered

    district = meta["district"]
    present = published_tables(S, district)
    sheets: list[tuple[str, str, str, pd.DataFrame, str]] = []     # sheet, number, title, frame, note
    shown = set()
    if blocks is not None:
        for part in numbered([b for b in blocks if b.kind == "table"], S, district):
            sheets.append((f"表{part.number}", f"表{part.number}", part.text, part.frame, part.note))
            shown.add(part.table)
        rest = [(t, v) for t, v in present.items() if t not in shown and not v[1].empty]
        for k, (_, (title, frame, note)) in enumerate(rest, 1):
            sheets.append((f"附表{k}", f"附表{k}", title, frame, note))
    else:
        for k, (title, frame, note) in enumerate([v for v in present.values() if not v[1].empty], 1):
            sheets.append((f"表{k}", f"表{k}", title, frame, note))
    workbook = Workbook()
    index = workbook.active
    index.title = INDEX_SHEET
    _fill_index(index, sheets, meta)
    for name, number, title, frame, note in sheets:
        if meta.get("synthetic"):
            note = f"{note}{SAMPLE_NOTE}：由合成数据生成，仅用于演示。"
        _fill_sheet(workbook.create_sheet(name), frame, f"{number}　{title}", note, units)
    _save(workbook, path, f"{district}调研统计表")


def write_frames_xlsx(path: str | Path, sheets: list[tuple[str, pd.DataFrame, str]], title: str) -> None:
    """Display tables (text cells, as ``display_table`` makes them) as one formatted sheet each,
    named by its title: the title in the first row, the note below it, a bold header, numbers as
    numbers (intervals split into their own columns, percentages as the numbers shown)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for name, frame, note in sheets:
        _fill_sheet(workbook.create_sheet(_sheet_name(name, used)), frame, name, note, None)
    _save(workbook, path, title)


def _save(workbook: Workbook, path: str | Path, title: str) -> None:
    props = workbook.properties
    props.creator, props.lastModifiedBy = None, None
    props.created = props.modified = FIXED_TIME
    props.title = title
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()      # not save(): that stamps the current time
    write_zip(buffer.getvalue(), path)


def _fill_index(sheet, sheets, meta: dict) -> None:
    sheet.cell(row=1, column=1, value=_excel_value(f"{meta['district']}调研统计表")[0]).font = Font(bold=True, size=13)
    for j, header in enumerate(("编号", "表题"), 1):
        cell = sheet.cell(row=2, column=j, value=header)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for i, (name, number, title, _, _) in enumerate(sheets, 3):
        link = sheet.cell(row=i, column=1, value=number)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{name}'!A1")   # inside the book
        link.font = Font(color="1F5FA8", underline="single")
        sheet.cell(row=i, column=2, value=_excel_value(title)[0])
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = min(80, max([20] + [text_width(s[2]) + 2 for s in sheets]))
    sheet.freeze_panes = "A3"


def _fill_sheet(sheet, frame: pd.DataFrame, title: str, note: str, units: dict[str, str] | None) -> None:
    headers, rows, notes = numeric_frame(frame, units)
    width_of = [[text_width(h)] + [text_width("" if v is None else str(v)) for v, _, _ in (r[j] for r in rows)]
                for j, h in enumerate(headers)]
    widths = [min(max(max(w) + 2, 8), 40) for w in width_of]
    for j, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(j)].width = width
    sheet.cell(row=1, column=1, value=_excel_value(title)[0]).font = Font(bold=True)
    text = "；".join([note.rstrip("。")] + notes if note else notes) + ("。" if note or notes else "")
    sheet.cell(row=2, column=1, value=_excel_value(text)[0] if text else None)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(1, len(widths)))
    sheet.cell(row=2, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[2].height = 15 * (1 + text_width(text) // max(1, sum(widths)))
    line = Side(style="thin")
    for j, header in enumerate(headers, 1):
        cell = sheet.cell(row=3, column=j, value=_excel_value(header)[0])
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.border = Border(top=line, bottom=line)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, record in enumerate(rows, 4):
        for j, (value, number_format, hidden) in enumerate(record, 1):
            cell = sheet.cell(row=i, column=j, value=value)
            if number_format:
                cell.number_format = number_format
                cell.alignment = Alignment(horizontal="right")
            if hidden:
                cell.fill = HIDDEN_FILL
    sheet.freeze_panes = "A4"
