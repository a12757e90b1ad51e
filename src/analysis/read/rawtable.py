"""The raw table every reader returns: text cells as the file holds them, original headers, and
each row's line in the file; and how a spreadsheet or statistics-file cell becomes that text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd


@dataclasses.dataclass
class RawTable:
    """One sheet of one file: text cells, original headers, and each row's line in the file."""

    path: Path
    frame: pd.DataFrame          # object dtype, str or None, columns = headers as written
    rows: np.ndarray             # 1-based line of each row as the spreadsheet or text editor shows it
    header_row: int              # 1-based line of the header
    kind: str                    # "wjx" (问卷星 leading columns present) or "table"
    encoding: str | None = None  # CSV, and .dta older than Stata 14 (GB18030)
    notes: tuple[str, ...] = ()  # note lines found below the data
    blank_rows: int = 0          # entirely empty lines inside or below the data (not respondents)
    var_names: dict[str, str] = dataclasses.field(default_factory=dict)  # .sav/.dta: header → variable name
    title: str | None = None     # the first text above the header (a title row), if any
    sheet: str | None = None     # the worksheet, when the workbook has more than one
    sheet_no: int | None = None  # its place in the workbook (1-based), hidden sheets counted
    header_rows: tuple[int, ...] = ()    # lines repeating the header, or a 问卷星 second header row
    uncached: dict[str, int] = dataclasses.field(default_factory=dict)  # header → formula cells without a value
    dates_as_numbers: dict[str, int] = dataclasses.field(default_factory=dict)  # header → 1900 "dates" read as numbers

    @property
    def name(self) -> str:
        """The file, and the worksheet when the workbook has several: how messages name it."""
        return self.path.name if self.sheet is None else f"{self.path.name}（工作表“{self.sheet}”）"


def cell_text(value: object) -> str | None:
    """A cell as text: None for empty, integers without '.0', dates in ISO form."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        return value if value.strip() != "" else None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is pd.NaT:
        return None
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%Y/%m/%d %H:%M:%S") if (value.hour or value.minute or value.second) \
            else value.strftime("%Y/%m/%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y/%m/%d")
    text = str(value)
    return text if text.strip() != "" else None
