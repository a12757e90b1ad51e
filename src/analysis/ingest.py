"""Reading questionnaire exports into raw tables, keeping where every row came from.

Supported: 问卷星 downloads and hand-typed sheets as ``.xlsx`` / ``.xlsm`` / ``.xls`` / ``.csv``
(UTF-8 with or without BOM, or GB18030/GBK as Excel on Chinese Windows saves it). Every cell is
kept as text exactly as the file holds it (numbers rendered without a spurious ``.0``); meaning is
the cleaner's business. A title row above the header is skipped by finding the header row among
the first rows; note rows below the data (``注：…``) are set aside and reported, not read as answers.
SPSS ``.sav``/``.zsav`` and Stata ``.dta`` files are read by :mod:`analysis.statfiles`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from .errors import SurveyError
from .textnorm import header_key

SUPPORTED = (".xlsx", ".xlsm", ".xls", ".csv", ".sav", ".zsav", ".dta")
# 问卷星's fixed leading columns (FORMATS.md), mapped to the names the cleaner uses
WJX_META = {"序号": "_seq", "提交答卷时间": "_submitted", "所用时间": "_duration",
            "来源": "_channel", "来源详情": "_channel_detail", "来自ip": "_ip", "总分": "_score"}
_NOTE_PREFIXES = ("注", "说明", "备注", "填表人", "制表", "数据来源", "审核人")
_HEADER_SCAN_ROWS = 20


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

    @property
    def name(self) -> str:
        return self.path.name


def discover(folder: Path) -> list[Path]:
    """The export files in a folder, sorted; editor lock files and hidden files are not exports."""
    if not folder.is_dir():
        raise SurveyError(f"找不到数据文件夹 {folder}。",
                          fix="把问卷导出文件放进 data/raw/<调查批次>/，例如 data/raw/2026/。")
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in SUPPORTED
                   and not p.name.startswith((".", "~$")))
    if not files:
        raise SurveyError(f"文件夹 {folder} 里没有可读的问卷文件（.xlsx、.xls、.csv、.sav、.dta）。",
                          fix="从问卷星“下载答卷数据”导出 Excel 或 CSV 文件放进该文件夹。")
    return files


def read(path: Path, known_headers: Iterable[str] = ()) -> RawTable:
    """Read one export. ``known_headers`` (header_key form) helps find the header row under a title."""
    path = Path(path)
    if not path.is_file():
        raise SurveyError("文件不存在。", file=str(path))
    if path.stat().st_size == 0:
        raise SurveyError("文件是空的（0 字节）。", file=str(path), fix="重新导出或复制该文件。")
    suffix = path.suffix.lower()
    encoding = None
    if suffix == ".csv":
        grid, encoding = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        grid = _read_excel(path)
    elif suffix in (".sav", ".zsav", ".dta"):     # SPSS / Stata: labels and user-missing, see statfiles
        from . import statfiles
        return statfiles.read(path)
    else:
        raise SurveyError(f"不支持的文件类型 {path.suffix}。", file=str(path),
                          fix=f"支持：{', '.join(SUPPORTED)}；其他格式请先另存为 Excel（.xlsx）。")
    return _to_table(path, grid, set(known_headers), encoding)


def _read_csv(path: Path) -> tuple[list[list[str | None]], str]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SurveyError("无法识别文件编码（既不是 UTF-8 也不是 GB18030/GBK）。", file=str(path),
                          fix="用 Excel 打开后“另存为”CSV UTF-8 或 Excel 工作簿（.xlsx）。")
    if "\x00" in text:
        raise SurveyError("文件含有二进制内容，不是文本格式的 CSV。", file=str(path),
                          fix="确认这是问卷导出的 CSV；Excel 文件请保留 .xlsx 扩展名。")
    try:
        df = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                         skip_blank_lines=False, engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise SurveyError(f"CSV 格式错误：{e}", file=str(path),
                          fix="检查分隔符和引号，或在 Excel 中打开后重新另存为 CSV。") from None
    grid = [[c if c != "" else None for c in row] for row in df.itertuples(index=False, name=None)]
    return grid, ("utf-8" if encoding == "utf-8-sig" else encoding)


def _read_excel(path: Path) -> list[list[object]]:
    engine = "calamine" if path.suffix.lower() == ".xls" else "openpyxl"
    try:
        df = pd.read_excel(path, header=None, dtype=object, engine=engine, sheet_name=0)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ImportError) as e:
        hint = "（文件可能设置了打开密码，或已损坏）" if isinstance(e, (zipfile.BadZipFile, KeyError)) else ""
        raise SurveyError(f"无法读取 Excel 文件{hint}：{type(e).__name__}", file=str(path),
                          fix="用 Excel 打开确认能读；如有密码请取消密码后另存为 .xlsx。") from None
    return [list(row) for row in df.itertuples(index=False, name=None)]


def _cell_text(value: object) -> str | None:
    """A cell as text: None for empty, integers without '.0', dates in ISO form."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%Y/%m/%d %H:%M:%S") if (value.hour or value.minute or value.second) \
            else value.strftime("%Y/%m/%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y/%m/%d")
    text = str(value)
    return text if text.strip() != "" else None


def _to_table(path: Path, grid: list[list[object]], known: set[str], encoding: str | None) -> RawTable:
    grid = [[_cell_text(c) for c in row] for row in grid]
    if not any(any(c is not None for c in row) for row in grid):
        raise SurveyError("文件里没有任何数据。", file=str(path), fix="确认导出时选择了答卷数据。")
    h = _header_row(grid, known)
    headers = _headers(grid[h], path, h)
    width = len(headers)
    body = [row[:width] + [None] * (width - len(row)) for row in grid[h + 1:]]
    lines = np.arange(h + 2, h + 2 + len(body))
    # notes below the data, then blank lines: neither is a respondent
    keep = [any(c is not None for c in row) for row in body]
    notes: list[str] = []
    last = max((i for i, k in enumerate(keep) if k), default=-1)
    while last >= 0 and _is_note(body[last]):
        notes.insert(0, body[last][0] or "")
        keep[last] = False
        last = max((i for i, k in enumerate(keep[:last]) if k), default=-1)
    blank = sum(1 for row, k in zip(body, keep) if not k and not any(c is not None for c in row))
    frame = pd.DataFrame([row for row, k in zip(body, keep) if k], columns=headers, dtype=object)
    rows = lines[np.array(keep, dtype=bool)] if body else lines
    # drop columns that are empty and have no header (Excel's trailing empty columns)
    unnamed = [c for c in frame.columns if c.startswith("_unnamed_") and frame[c].isna().all()]
    frame = frame.drop(columns=unnamed)
    keys = {header_key(c) for c in frame.columns}
    kind = "wjx" if {"序号", "提交答卷时间"} <= keys else "table"
    return RawTable(path=path, frame=frame.reset_index(drop=True), rows=rows, header_row=h + 1,
                    kind=kind, encoding=encoding, notes=tuple(notes), blank_rows=blank)


def _header_row(grid: list[list[str | None]], known: set[str]) -> int:
    """The header is the row among the first few that names the most known questions; without
    known questions, the first row that is filled as wide as the widest of those rows."""
    scan = grid[:_HEADER_SCAN_ROWS]
    known = known | set(WJX_META)
    scores = [sum(1 for c in row if c is not None and header_key(c) in known) for row in scan]
    if max(scores, default=0) > 0:
        return int(np.argmax(scores))
    widths = [sum(c is not None for c in row) for row in scan]
    widest = max(widths)
    return next(i for i, w in enumerate(widths) if w >= max(2, 0.8 * widest)) if widest else 0


def _headers(row: list[str | None], path: Path, line: int) -> list[str]:
    while row and row[-1] is None:
        row = row[:-1]
    headers, seen = [], {}
    for j, cell in enumerate(row):
        name = cell.strip() if cell else f"_unnamed_{j + 1}"
        if name in seen:
            raise SurveyError(f"表头中“{name}”出现了两次（第 {seen[name] + 1} 列和第 {j + 1} 列）。",
                              file=str(path), row=line + 1, fix="把其中一列改名或删除后重新运行。")
        seen[name] = j
        headers.append(name)
    return headers


def _is_note(row: list[str | None]) -> bool:
    filled = [c for c in row if c is not None]
    return len(filled) == 1 and row[0] is not None and row[0].strip().startswith(_NOTE_PREFIXES)
