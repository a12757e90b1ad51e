"""``tables.xlsx``: one formatted sheet per published table, numbers as numbers, text safe from
formulas.
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
from openpyxl.writer.excel import ExcelWriter

from analysis.config import SAMPLE_NOTE
from analysis.publish.ooxml import FIXED_TIME, write_zip
from analysis.publish.tables import DASH, published_tables, text_width

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^-?\d+(?:\.(\d+))?$")


def _excel_value(text: str):
    """A number where the text is one (kept negative if so), else text safe from formulas."""
    match = NUMBER.match(text)
    if match:
        decimals = len(match.group(1) or "")
        if decimals:
            return float(text), "0." + "0" * decimals
        return int(text), "0"
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


def write_tables_xlsx(S: pd.DataFrame, path: str | Path, meta: dict, blocks: list | None = None) -> None:
    """One formatted sheet per published table of ``meta["district"]``: a note row (base, 示例数据),
    a bold header, the rows of ``display_table`` with numbers as numbers."""
    district = meta["district"]
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for title, frame, note in published_tables(S, district).values():
        sheet = workbook.create_sheet(_sheet_name(title, used))
        if meta.get("synthetic"):
            note = f"{note}{SAMPLE_NOTE}：由合成数据生成，仅用于演示。"
        _fill_sheet(sheet, frame, f"{title}。{note}")
    props = workbook.properties
    props.creator, props.lastModifiedBy = None, None
    props.created = props.modified = FIXED_TIME
    props.title = f"{district}调研统计表"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()      # not save(): that stamps the current time
    write_zip(buffer.getvalue(), path)


def _fill_sheet(sheet, frame: pd.DataFrame, note: str) -> None:
    widths = [min(max(max([text_width(h)] + [text_width(t) for t in frame[h]]) + 2, 8), 40)
              for h in frame.columns]
    for j, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(j)].width = width
    sheet.cell(row=1, column=1, value=_excel_value(note)[0])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(widths))
    sheet.cell(row=1, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[1].height = 15 * (1 + text_width(note) // sum(widths))
    line = Side(style="thin")
    for j, header in enumerate(frame.columns, 1):
        cell = sheet.cell(row=2, column=j, value=_excel_value(header)[0])
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF5")
        cell.border = Border(top=line, bottom=line)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, record in enumerate(frame.itertuples(index=False), 3):
        for j, text in enumerate(record, 1):
            value, number_format = _excel_value(str(text))
            cell = sheet.cell(row=i, column=j, value=value)
            if number_format:
                cell.number_format = number_format
            if number_format or text == DASH:
                cell.alignment = Alignment(horizontal="right")
    sheet.freeze_panes = "A3"
