"""Reading questionnaire exports into raw tables, keeping where every row came from.

Supported: 问卷星 downloads and hand-typed sheets as ``.xlsx`` / ``.xlsm`` / ``.xls`` / ``.csv``
(UTF-8 with or without BOM, or GB18030/GBK as Excel on Chinese Windows saves it; comma-, tab- or
semicolon-separated; cells of any length). Every cell is
kept as text exactly as the file holds it (numbers rendered without a spurious ``.0``); meaning is
the cleaner's business. A title row above the header is skipped by finding the header row among
the first rows; note rows below the data (``注：…``) are set aside and reported, not read as answers.
SPSS ``.sav``/``.zsav`` and Stata ``.dta`` files are read by :mod:`analysis.read.statfiles`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from analysis.errors import SurveyError
from analysis.read import sheetxml
from analysis.read.rawtable import RawTable, cell_text
from analysis.textnorm import canon, header_key

SUPPORTED = (".xlsx", ".xlsm", ".xls", ".csv", ".sav", ".zsav", ".dta", ".parquet")
# 问卷星's fixed leading columns (FORMATS.md), mapped to the names the cleaner uses
WJX_META = {"序号": "_seq", "提交答卷时间": "_submitted", "所用时间": "_duration",
            "来源": "_channel", "来源详情": "_channel_detail", "来自ip": "_ip", "总分": "_score"}
_NOTE_PREFIXES = ("注", "说明", "备注", "填表人", "制表", "数据来源", "审核人")
_HEADER_SCAN_ROWS = 20


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


def read_all(path: Path, known_headers: Iterable[str] = ()) -> tuple[list[RawTable], list[tuple[int, str, str]]]:
    """Every table one export holds: each visible worksheet with data of a workbook (a workbook
    with one sheet per district or per collection day), the one table of any other file. Returns
    the tables and, for each sheet not read, (its place, its name, why: 隐藏 or 空)."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls") or not path.is_file() or not path.stat().st_size:
        return [read(path, known_headers)], []
    listed = sheetxml.sheets(path)
    if len(listed) <= 1:
        return [read(path, known_headers)], []
    tables, skipped = [], []
    for index, (name, visible) in enumerate(listed):
        if not visible:
            skipped.append((index + 1, name, "隐藏"))
            continue
        try:
            tables.append(read(path, known_headers, sheet=(index, name)))
        except SurveyError as e:
            if "没有任何数据" not in str(e):    # the message names the sheet as well as the file
                raise SurveyError(e.message, file=f"{path.name}（工作表“{name}”）", row=e.row,
                                  variable=e.variable, fix=e.fix) from None
            skipped.append((index + 1, name, "空"))
    if not tables:
        raise SurveyError("文件里没有任何数据（可见的工作表都是空的）。", file=path.name,
                          fix="确认导出时选择了答卷数据；隐藏的工作表不读取，要用时先取消隐藏。")
    return tables, skipped


def read(path: Path, known_headers: Iterable[str] = (), sheet: tuple[int, str] | None = None) -> RawTable:
    """Read one export (of a workbook, the worksheet ``sheet`` = (place, name), else the first).
    ``known_headers`` (header_key form) helps find the header row under a title."""
    path = Path(path)
    if not path.is_file():
        raise SurveyError("文件不存在。", file=str(path), fix="检查文件名和路径。")
    if path.stat().st_size == 0:
        raise SurveyError("文件是空的（0 字节）。", file=str(path), fix="重新导出或复制该文件。")
    suffix = path.suffix.lower()
    encoding, notes = None, ()
    content = _content(path) if suffix in (".csv", ".xlsx", ".xlsm", ".xls") else None
    if content in ("xlsx", "xls") and suffix == ".csv" or content == "xls" and suffix != ".xls":
        grid = _read_excel(path, sheet[1] if sheet else 0, "calamine" if content == "xls" else "openpyxl")
        notes = (f"扩展名是 {path.suffix}，内容其实是 {'旧版 Excel（.xls）' if content == 'xls' else 'Excel 工作簿（.xlsx）'}，"
                 f"已按内容读取（建议把扩展名改成 .{content}）",)
    elif content == "html":
        grid, encoding = _read_html(path)
        notes = (f"扩展名是 {path.suffix}，内容其实是网页表格（HTML），已按表格读取",)
    elif suffix == ".csv":
        grid, encoding, notes = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        if content == "text":
            raise SurveyError(f"无法读取 Excel 文件：扩展名是 {path.suffix}，内容其实是文本（可能是 CSV）。",
                              file=str(path), fix="把扩展名改成 .csv 后重新运行，或用 Excel 打开后另存为 .xlsx。")
        grid = _read_excel(path, sheet[1] if sheet else 0)
    elif suffix in (".sav", ".zsav", ".dta"):     # SPSS / Stata: labels and user-missing, see statfiles
        from analysis.read import statfiles
        return statfiles.read(path)
    elif suffix == ".parquet":
        return _read_parquet(path)
    else:
        raise SurveyError(f"不支持的文件类型 {path.suffix}。", file=str(path),
                          fix=f"支持：{', '.join(SUPPORTED)}；其他格式请先另存为 Excel（.xlsx）。")
    table = _to_table(path, grid, set(known_headers), encoding)
    table.notes = notes + table.notes
    if sheet:
        table.sheet_no, table.sheet = sheet[0] + 1, sheet[1]
    return table


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """The text of a CSV and its encoding: UTF-16 (by its BOM, as Excel's "Unicode text" saves),
    UTF-8 with or without BOM, or GB18030 (a superset of GBK and GB2312)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            return text, ("utf-8" if encoding == "utf-8-sig" else encoding)
        except UnicodeDecodeError:
            continue
    bad = _first_undecodable_line(data)
    raise SurveyError(f"无法识别文件编码（既不是 UTF-8 也不是 GB18030/GBK），第 {bad} 行起无法解码"
                      "（可能混用了两种编码）。", file=str(path), row=bad,
                      fix="用 Excel 打开后“另存为”CSV UTF-8 或 Excel 工作簿（.xlsx）。")


def _first_undecodable_line(data: bytes) -> int:
    """The first line that breaks the file's encoding: in a file whose first non-ASCII line is UTF-8
    (rows pasted in from a GBK file), the first line that is not UTF-8; else the first line that is
    neither UTF-8 nor GB18030."""
    lines = data.split(b"\n")
    first = next((line for line in lines if not line.isascii()), b"")
    try:
        first.decode("utf-8")
        utf8_first = True
    except UnicodeDecodeError:
        utf8_first = False
    for i, line in enumerate(lines, 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            if utf8_first:
                return i
            try:
                line.decode("gb18030")
            except UnicodeDecodeError:
                return i
    return 1


def _read_csv(path: Path) -> tuple[pd.DataFrame, str, tuple[str, ...]]:
    data = path.read_bytes()
    text, encoding = _decode(path, data)
    nul = text.count("\x00")
    if nul > max(2, len(text) // 1000):
        raise SurveyError("文件含有二进制内容，不是文本格式的 CSV。", file=str(path),
                          fix="确认这是问卷导出的 CSV；Excel 文件请保留 .xlsx 扩展名。")
    if nul:  # a stray NUL typed into a cell: removed, and the file's notes say so
        text = text.replace("\x00", "")
        data = text.encode({"utf-16": "utf-16"}.get(encoding, encoding))
    sep = _separator(text)
    # width from the widest of the first lines: a title row above the header is narrower
    head = text[:200_000].splitlines()[:_HEADER_SCAN_ROWS + 5]
    with _no_field_limit():   # a free-text cell may be longer than csv's 131,072 characters
        width = max((len(r) for r in csv.reader(head, delimiter=sep)), default=1)
    del text
    opts = dict(header=None, dtype=str, keep_default_na=False, na_filter=False, sep=sep,
                skip_blank_lines=False, names=range(width),
                encoding={"utf-8": "utf-8-sig"}.get(encoding, encoding))
    try:
        df = pd.read_csv(io.BytesIO(data), engine="c", **opts)
    except pd.errors.ParserError:
        # a row further down is wider than the first ones: let the python engine size the table
        try:
            with _no_field_limit():
                df = pd.read_csv(io.BytesIO(data), engine="python", **{**opts, "names": None})
        except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as e:
            raise SurveyError(f"CSV 格式错误：{e}", file=str(path),
                              fix="检查分隔符和引号，或在 Excel 中打开后重新另存为 CSV。") from None
    except pd.errors.EmptyDataError:
        raise SurveyError("文件里没有任何数据。", file=str(path), fix="确认导出时选择了答卷数据。") from None
    df.columns = range(df.shape[1])
    notes = (f"删除了单元格中的 {nul} 个空字符（NUL）",) if nul else ()
    return _blank_to_none(df), encoding, notes


def _separator(text: str) -> str:
    """Comma, or the tab (Excel's "Unicode text" and "Text (Tab delimited)") or semicolon (Excel in
    locales with a decimal comma) when the first lines hold more of it than of commas."""
    head = "\n".join(text[:20_000].splitlines()[:5])
    counts = {sep: head.count(sep) for sep in (",", "\t", ";")}
    best = max(counts, key=lambda sep: (counts[sep], sep == ","))
    return best if counts[best] > counts[","] else ","


@contextlib.contextmanager
def _no_field_limit():
    """Lift the csv module's per-cell limit (131,072 characters) for one read, then restore it."""
    before = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(before)


_IS_BLANK = np.frompyfunc(lambda v: v is None or (isinstance(v, str) and (v == "" or v.isspace())), 1, 1)


def _blank_to_none(df: pd.DataFrame) -> pd.DataFrame:
    """Empty and white-space-only text cells become None, over the whole table at once."""
    values = df.to_numpy(dtype=object)
    blank = _IS_BLANK(values).astype(bool) if values.size else np.zeros(values.shape, dtype=bool)
    values[blank | pd.isna(values)] = None
    return pd.DataFrame(values, index=df.index, columns=df.columns, dtype=object)


def _content(path: Path) -> str | None:
    """What a spreadsheet or CSV file holds, whatever its name says: ``xlsx`` (a zip with a
    workbook), ``xls`` (BIFF in an OLE2 file), ``encrypted`` (an OLE2 file holding an encrypted
    workbook), ``html`` (a web page, as some systems "export to Excel"), ``text``, or None (not
    sure: the reader for the suffix decides and reports)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                return "xlsx" if "xl/workbook.xml" in z.namelist() else None
        except (zipfile.BadZipFile, OSError):
            return None
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data:
            return "encrypted"
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            return "xls"
        return None
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head", b"<body")) and b"<table" in \
            path.read_bytes()[:2_000_000].lower():
        return "html"
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "text"
        except UnicodeDecodeError:
            try:
                head[:-4].decode("gb18030")
                return "text"
            except UnicodeDecodeError:
                return None
    return None


def _read_html(path: Path) -> tuple[pd.DataFrame, str]:
    """The first table of an HTML file, each cell's text as it shows (colspan not expanded)."""
    try:
        import lxml.html
    except ImportError:   # lxml comes with python-docx; without it, say what to do
        raise SurveyError("这个文件其实是网页表格（HTML），不是 Excel 文件。", file=str(path),
                          fix="用 Excel 或 WPS 打开它，另存为 .xlsx 后重新运行。") from None
    text, encoding = _decode(path, path.read_bytes())
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    try:
        doc = lxml.html.fromstring(text)
    except Exception as e:   # lxml raises ParserError and others for a page it cannot parse
        raise SurveyError(f"无法读取网页表格：{type(e).__name__}", file=str(path),
                          fix="用 Excel 或 WPS 打开它，另存为 .xlsx 后重新运行。") from None
    tables = doc.xpath("//table")
    if not tables:
        raise SurveyError("这个文件是网页，但里面没有表格。", file=str(path),
                          fix="从问卷系统重新下载答卷数据（选择 Excel 或 CSV 格式）。")
    rows = [[cell.text_content() for cell in tr.xpath("./th|./td")] for tr in tables[0].xpath(".//tr")]
    width = max((len(r) for r in rows), default=0)
    grid = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
    return _blank_to_none(grid), encoding


def _read_excel(path: Path, sheet: int | str = 0, engine: str | None = None) -> pd.DataFrame:
    """One worksheet as a grid of text cells (``sheet``: its place in the workbook or its name)."""
    engine = engine or ("calamine" if path.suffix.lower() == ".xls" else "openpyxl")
    head = path.read_bytes()[:8]
    if engine == "openpyxl" and head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SurveyError("这个 .xlsx 文件设置了打开密码（加密的 Excel 文件），无法读取。", file=str(path),
                          fix="在 Excel 中打开，“文件 → 信息 → 保护工作簿 → 用密码进行加密”，清空密码后另存为 .xlsx。")
    try:
        df = pd.read_excel(path, header=None, dtype=object, engine=engine, sheet_name=sheet)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ImportError, TypeError) as e:
        hint = "（文件已损坏或不是 Excel 格式）" if isinstance(e, (zipfile.BadZipFile, KeyError)) else ""
        raise SurveyError(f"无法读取 Excel 文件{hint}：{type(e).__name__}", file=str(path),
                          fix="用 Excel 打开确认能读，再另存为 .xlsx。") from None
    except Exception as e:  # calamine raises its own error types for corrupt .xls
        raise SurveyError(f"无法读取 Excel 文件（文件已损坏或不是 Excel 格式）：{type(e).__name__}",
                          file=str(path), fix="用 Excel 打开确认能读，再另存为 .xlsx。") from None
    df.columns = range(df.shape[1])
    cells = sheetxml.SheetCells()
    if engine == "openpyxl":
        cells = sheetxml.scan(path, sheet)
    grid = pd.DataFrame({c: df[c].map(cell_text) for c in df.columns}, index=df.index, dtype=object)
    grid.attrs["dates_as_numbers"] = sheetxml.dates_to_numbers(df, grid, cells)
    grid.attrs["uncached"] = cells.uncached
    if engine == "openpyxl":
        for r0, c0, r1, c1 in cells.merged:
            _fill_merged(grid, r0, c0, r1, c1)
    return grid


def _read_parquet(path: Path) -> RawTable:
    """A Parquet file (e.g. an export from another tool): its column names are the headers."""
    try:
        df = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises ArrowInvalid, OSError … for a file that is not Parquet
        raise SurveyError(f"无法读取 Parquet 文件：{type(e).__name__}", file=str(path),
                          fix="确认文件是完整的 Parquet 文件，或改用 .xlsx / .csv 导出。") from None
    frame = pd.DataFrame({str(c): _column_text(df[c]) for c in df.columns}, index=range(len(df)),
                         dtype=object)
    headers = _headers([str(c) for c in df.columns], path, 0)
    frame.columns = headers
    keys = {header_key(c) for c in headers}
    kind = "wjx" if {"序号", "提交答卷时间"} <= keys else "table"
    return RawTable(path=path, frame=frame, rows=np.arange(1, len(frame) + 1), header_row=0, kind=kind)


def _column_text(s: pd.Series) -> pd.Series:
    """One column as text cells, vectorised for the common dtypes."""
    s = s.reset_index(drop=True)
    if pd.api.types.is_bool_dtype(s):
        return s.map({True: "1", False: "0"}).astype(object).where(s.notna(), None)
    if pd.api.types.is_integer_dtype(s):
        return s.astype("string").astype(object).where(s.notna(), None)
    if pd.api.types.is_float_dtype(s):
        whole = s.notna() & (s == np.floor(s.fillna(0)))
        text = s.astype("string").astype(object)
        text[whole] = s[whole].astype("int64").astype(str)
        return text.where(s.notna(), None)
    if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return _blank_to_none(pd.DataFrame({0: s.astype(object).where(s.notna(), None)}))[0]
    return s.map(cell_text).astype(object)


def _fill_merged(grid: pd.DataFrame, r0: int, c0: int, r1: int, c1: int) -> None:
    """Copy a merged cell's text into every cell it covers: pandas gives it to the top-left cell
    alone. Covers merged header cells and the 区县 cell merged down over a district's rows."""
    if r0 >= len(grid) or c0 >= grid.shape[1]:
        return
    r1, c1 = min(r1, len(grid) - 1), min(c1, grid.shape[1] - 1)
    value = grid.iat[r0, c0]
    block = grid.iloc[r0:r1 + 1, c0:c1 + 1]
    grid.iloc[r0:r1 + 1, c0:c1 + 1] = block.where(block.notna(), value)


def _to_table(path: Path, grid: pd.DataFrame, known: set[str], encoding: str | None) -> RawTable:
    filled = grid.notna()
    if not filled.to_numpy().any():
        raise SurveyError("文件里没有任何数据。", file=str(path), fix="确认导出时选择了答卷数据。")
    h = _header_row(grid, known)
    header_cells = _header_cells(grid, h)
    headers = _headers(header_cells, path, h)
    width = len(headers)
    body = grid.iloc[h + 1:, :width]
    if body.shape[1] < width:
        for j in range(body.shape[1], width):
            body[j] = None
    lines = np.arange(h + 2, h + 2 + len(body))
    keep = filled.iloc[h + 1:, :width].any(axis=1).to_numpy().copy()
    # notes below the data, then blank lines: neither is a respondent
    notes: list[str] = []
    filled_rows = np.flatnonzero(keep)
    for i in filled_rows[::-1]:
        row = body.iloc[i].tolist()
        if not _is_note(row):
            break
        notes.insert(0, row[0] or "")
        keep[i] = False
    blank = int((~filled.iloc[h + 1:, :width].any(axis=1)).sum())
    again = _header_again(body, header_cells[:width]) & keep
    keep &= ~again
    frame = body[keep]
    frame.columns = headers
    rows = lines[keep]
    # drop columns that are empty and have no header (Excel's trailing empty columns)
    unnamed = [c for c in frame.columns if c.startswith("_unnamed_") and frame[c].isna().all()]
    frame = frame.drop(columns=unnamed)
    keys = {header_key(c) for c in frame.columns}
    kind = "wjx" if {"序号", "提交答卷时间"} <= keys else "table"
    above = [str(c).strip() for c in grid.iloc[:h].to_numpy().ravel() if isinstance(c, str) and c.strip()]
    by_column = dict(enumerate(headers))
    return RawTable(path=path, frame=frame.reset_index(drop=True), rows=rows, header_row=h + 1,
                    kind=kind, encoding=encoding, notes=tuple(notes), blank_rows=blank,
                    header_rows=tuple(int(x) for x in lines[again]),
                    uncached={by_column[j]: n for j, n in grid.attrs.get("uncached", {}).items()
                              if j in by_column and by_column[j] in frame.columns},
                    dates_as_numbers={by_column[j]: n for j, n in grid.attrs.get("dates_as_numbers", {}).items()
                                      if j in by_column},
                    title=above[0] if above else None)


_MARKER = re.compile(r"^【[^】]{1,10}】$")                  # 问卷星's 【单选题】, 【多选题】, 【矩阵单选题】 …
_QUESTION_NO = re.compile(r"^(?:q|第)?(\d+)(?:题)?$")
_HEADER_NO = re.compile(r"^(?:q|第)?(\d+)(?:题|[、.．:：)(]|$)")


def _header_again(body: pd.DataFrame, header: list[str | None]) -> np.ndarray:
    """Rows that are no respondent's answers but a header: the header pasted again where two
    downloads were joined by hand, or a second header row of question numbers (Q1 … Qn, 1 … n) or
    问卷星's 【单选题】 markers. A row counts when at least two of its cells and four in five of its
    filled cells are such header cells (its own column's header, number or a marker)."""
    n = len(body)
    hits = np.zeros(n, dtype=int)
    filled = np.zeros(n, dtype=int)
    for j, head in enumerate(header):
        if j >= body.shape[1]:
            break
        codes, uniques = pd.factorize(body.iloc[:, j], use_na_sentinel=True)
        if not len(uniques):
            continue
        head_key = header_key(head) if head else None
        number = _HEADER_NO.match(canon(head).lower()) if head else None
        no, size = (number.group(1) if number else None), len(head or "")
        is_head = np.array([_is_header_cell(str(u), head_key, no, size) for u in uniques] + [False])
        hits += is_head[codes]
        filled += codes >= 0
    return (hits >= 2) & (hits * 5 >= filled * 4)


def _is_header_cell(cell: str, head_key: str | None, number: str | None, head_len: int) -> bool:
    if len(cell) > head_len + 8 and not cell.startswith("【"):
        return False                         # cheap tests first: most cells are answers
    text = canon(cell)
    if text.startswith("【") and _MARKER.match(text):
        return True
    if number is not None and len(text) <= 6:
        m = _QUESTION_NO.match(text.lower())
        if m:
            return m.group(1) == number
    return bool(head_key) and not text.isdigit() and header_key(text) == head_key


def _header_cells(grid: pd.DataFrame, h: int) -> list[str | None]:
    """The header row's cells; under a row of merged group headers ("党员人数" over "离退休" and
    "在职"), a cell is named "group—cell" so that two "合计" under different groups stay distinct."""
    row = grid.iloc[h].tolist()
    if h == 0:
        return row
    above = grid.iloc[h - 1].tolist()
    spans = [a for a in above if a is not None]
    if len(set(spans)) < 2 or len(set(spans)) == len(spans):
        return row  # a (merged) title line or an ordinary row, not group headers over merged cells
    return [c if a is None or c is None or a == c else f"{a}—{c}" for a, c in zip(above, row)]


def _header_row(grid: list[list[str | None]], known: set[str]) -> int:
    """The header is the row among the first few that names the most known questions; without
    known questions, the first row that is filled as wide as the widest of those rows."""
    scan = grid.iloc[:_HEADER_SCAN_ROWS].values.tolist()
    known = known | set(WJX_META)
    scores = [sum(1 for c in row if c is not None and _header_known(c, known)) for row in scan]
    if max(scores, default=0) > 0:
        h = int(np.argmax(scores))
        while h + 1 < len(scores) and scores[h + 1] == scores[h]:
            h += 1  # a header cell merged down over two rows names both: the lower row is the header
        return h
    widths = [len({c for c in row if c is not None}) for row in scan]  # a merged title counts once
    widest = max(widths)
    # a table one column wide has no row "as wide as" two cells: its first filled row is the header
    return next((i for i, w in enumerate(widths) if w >= max(2, 0.8 * widest)),
                next((i for i, w in enumerate(widths) if w), 0))


def _header_known(cell: str, known: set[str]) -> bool:
    key = header_key(cell)
    return key in known or key.rsplit("—", 1)[-1] in known


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
