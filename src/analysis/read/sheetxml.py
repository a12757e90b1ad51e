"""What a workbook holds beyond the cell values pandas returns: its worksheets and which are hidden,
and per worksheet (from the .xlsx XML) the merged ranges, the formula cells saved without a computed
value, and the cells whose stored number is 60 (Excel's 1900-02-29, which readers turn into the
same date as 59). With these, a sheet is read as the user sees it in Excel: a number formatted as a
date (an age 23 shown as 1900-01-23) is read as the number, and a formula nobody calculated is
reported instead of read as an empty cell.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import zipfile
from pathlib import Path

import pandas as pd

_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_ATTR = re.compile(r'(\w+(?::\w+)?)="([^"]*)"')
_SHEET = re.compile(r"<(?:\w+:)?sheet\b([^>]*)>")
_MERGE = re.compile(r"<(?:\w+:)?mergeCell\b[^>]*ref=\"([A-Z]+\d+):([A-Z]+\d+)\"")
# a cell with a formula: <c r="B2" …><f>…</f><v>…</v></c>, <f …/> for a shared formula
_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>.*?</(?:\w+:)?f>)'
                           rb'\s*(<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>)?', re.S)
_SIXTY = re.compile(rb'<(?:\w+:)?c r="([A-Z]+)(\d+)"[^>]*>\s*(?:<(?:\w+:)?f\b[^>]*?(?:/>|>.*?</(?:\w+:)?f>))?'
                    rb'\s*<(?:\w+:)?v>60(?:\.0+)?</(?:\w+:)?v>', re.S)
# Excel's day 0 and day 60 (1900-02-29, a day that never was): openpyxl and calamine give 1900-02-28
_EPOCH = dt.datetime(1899, 12, 31)


@dataclasses.dataclass
class SheetCells:
    merged: list[tuple[int, int, int, int]] = dataclasses.field(default_factory=list)  # 0-based r0, c0, r1, c1
    uncached: dict[int, int] = dataclasses.field(default_factory=dict)   # column → formula cells without value
    sixty: set[tuple[int, int]] = dataclasses.field(default_factory=set)  # 0-based (row, column) stored as 60


def sheets(path: Path) -> list[tuple[str, bool]]:
    """The worksheets of a workbook in order, each with whether it is visible; [] when the file
    cannot be listed (the reader then reports what is wrong with it)."""
    try:
        import python_calamine

        book = python_calamine.CalamineWorkbook.from_path(str(path))
        try:
            visible = python_calamine.SheetVisibleEnum.Visible
            return [(m.name, m.visible == visible) for m in book.sheets_metadata
                    if str(m.typ).endswith("WorkSheet")]
        finally:
            book.close()
    except Exception:  # calamine raises its own error types for files that are not workbooks
        return []


def scan(path: Path, sheet: int | str) -> SheetCells:
    """Merged ranges, uncalculated formulas and cells stored as 60 of a worksheet of an .xlsx (by
    name, or the first; empty when the XML cannot be read: the values pandas returned stand)."""
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read(_sheet_member(z, sheet))
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, IndexError):
        return SheetCells()
    cells = SheetCells()
    text = xml.decode("utf-8", "replace") if b"mergeCell" in xml else ""
    for a, b in _MERGE.findall(text):
        (ca, ra), (cb_, rb) = _CELL_REF.match(a).groups(), _CELL_REF.match(b).groups()
        cells.merged.append((int(ra) - 1, col_index(ca), int(rb) - 1, col_index(cb_)))
    if b"<f" in xml or b":f" in xml:
        for m in _FORMULA_CELL.finditer(xml):
            if m.group(3) is None or not m.group(4).strip():
                col = col_index(m.group(1).decode())
                cells.uncached[col] = cells.uncached.get(col, 0) + 1
    if b">60<" in xml or b">60." in xml:
        cells.sixty = {(int(r) - 1, col_index(c.decode())) for c, r in _SIXTY.findall(xml)}
    return cells


def _sheet_member(z: zipfile.ZipFile, sheet: int | str) -> str:
    book = z.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    listed = [dict(_ATTR.findall(attrs)) for attrs in _SHEET.findall(book)]
    if isinstance(sheet, str):
        listed = [d for d in listed if html.unescape(d.get("name", "")) == sheet] or listed[:0]
        sheet = 0
    rid = listed[sheet].get("r:id")
    targets = {d.get("Id"): d.get("Target") for d in
               (dict(_ATTR.findall(t)) for t in re.findall(r"<Relationship\b([^>]*)>", rels))}
    name = (targets.get(rid) or "").lstrip("/")
    if not name:
        raise KeyError(rid)
    return name if name.startswith("xl/") else "xl/" + name


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def dates_to_numbers(df: pd.DataFrame, grid: pd.DataFrame, cells: SheetCells) -> dict[int, int]:
    """A cell holding a date in 1900 is a number shown with a date format (nobody answering a survey
    was born or submitted in 1900): ``grid`` gets the number the user typed (1900-01-23 → 23).
    Returns column → cells changed."""
    changed: dict[int, int] = {}
    for j in df.columns:
        col, shown = df[j], grid[j]
        if shown.dtype != object or not len(shown):
            continue
        try:
            maybe = shown.str.startswith(("1900/", "1899/"), na=False).to_numpy(dtype=bool)
        except AttributeError:     # no text in the column at all
            continue
        for i in maybe.nonzero()[0]:
            value = col.iat[i]
            if not isinstance(value, (dt.datetime, pd.Timestamp)) or value.year > 1900:
                continue
            ts = pd.Timestamp(value)
            serial = (ts - _EPOCH) / pd.Timedelta(days=1)
            if serial >= 60 or (i, j) in cells.sixty:   # Excel counts a 1900-02-29
                serial += 1
            grid.iat[i, j] = str(int(serial)) if float(serial).is_integer() else f"{serial:g}"
            changed[j] = changed.get(j, 0) + 1
    return changed
