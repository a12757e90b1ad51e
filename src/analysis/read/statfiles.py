"""Reading SPSS (``.sav``, ``.zsav``) and Stata (``.dta``) files into the readers' ``RawTable``.

A statistics file is already a table, so nothing is guessed about its layout; what matters is
turning its metadata into what the cleaner expects from a 问卷星 by-text download:

- column header = the variable label when there is one (that is the question text a codebook
  matches, e.g. ``1、您的性别``), otherwise the variable name; a label two variables share gets the
  variable name appended (``label [name]``) so the headers stay distinct;
- a value with a value label becomes the label text (the codebook maps it through its labels and
  aliases whatever the numeric codes are); an unlabelled number becomes its text without ``.0``;
  dates and date-times become text as the spreadsheet reader writes them;
- user-missing values (SPSS discrete values and ranges, Stata's extended missing ``.a``–``.z``)
  become the marker :data:`USER_MISSING`, which every codebook's ``missing:`` lists as refused:
  a user-missing answer is missing, not a category, exactly as SPSS treats it;
- ``rows`` are case numbers (1-based) and ``header_row`` is 0: such a file has no header line;
- a Stata file older than Stata 14 records no text encoding: it is read as GB18030 (what Stata on
  Chinese Windows wrote), and ``encoding`` says so (a Latin-1 file of that age would read wrongly:
  not a case this project's users have). SPSS files carry their encoding.

:func:`read_with_meta` also returns each variable's name, label, value labels and user-missing
labels, for drafting a codebook (:mod:`analysis.spec.draft`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from analysis.errors import SurveyError
from analysis.read.rawtable import RawTable, cell_text
from analysis.textnorm import header_key

SUFFIXES = (".sav", ".zsav", ".dta")
USER_MISSING = "(不回答)"        # the cell text of a user-missing value; codebooks list it under missing:


@dataclasses.dataclass(frozen=True)
class StatVariable:
    """One variable of a .sav/.dta file as the file declares it."""

    name: str
    header: str                         # the column header in the RawTable
    label: str | None                   # variable label (question text), if any
    value_labels: dict[object, str]     # code → label, user-missing codes excluded, in code order
    missing_labels: dict[object, str]   # labels the file gives its user-missing codes
    numeric: bool


@dataclasses.dataclass
class StatFile:
    table: RawTable
    variables: list[StatVariable]       # in file order, one per column of table.frame
    file_label: str | None = None       # the file's own label (SPSS: FILE LABEL), e.g. the survey's title


def read(path: Path) -> RawTable:
    """The file as a RawTable (see the module docstring for how cells are written)."""
    return read_with_meta(path).table


def read_with_meta(path: Path) -> StatFile:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SurveyError(f"不是 SPSS/Stata 文件类型：{path.suffix}。", file=str(path))
    if not path.is_file():
        raise SurveyError("文件不存在。", file=str(path), fix="检查路径和文件名。")
    if path.stat().st_size == 0:
        raise SurveyError("文件是空的（0 字节）。", file=str(path), fix="重新导出或复制该文件。")
    reader, kind = (pyreadstat.read_dta, "Stata") if suffix == ".dta" else (pyreadstat.read_sav, "SPSS")
    encoding = _old_stata_encoding(path) if suffix == ".dta" else None
    try:
        df, meta = reader(str(path), user_missing=True, **({"encoding": encoding} if encoding else {}))
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as e:
        raise SurveyError(
            f"无法读取 {kind} 数据文件（文件已损坏，或不是 {kind} 格式）：{e}", file=str(path),
            fix=f"用 {kind} 打开确认能读，再重新保存或重新下载；扩展名要与格式一致"
                "（SPSS 为 .sav/.zsav，Stata 为 .dta）。") from None
    if len(df) == 0:
        raise SurveyError("文件里没有任何个案（0 行数据）。", file=str(path),
                          fix="确认导出时选择了答卷数据。")
    variables = _variables(df, meta, suffix == ".dta")
    frame = pd.DataFrame({v.header: _cells(df[v.name], v, meta, suffix == ".dta") for v in variables},
                         dtype=object)
    keys = {header_key(v.header) for v in variables}
    table = RawTable(path=path, frame=frame, rows=np.arange(1, len(frame) + 1), header_row=0,
                     kind="wjx" if {"序号", "提交答卷时间"} <= keys else "table", encoding=encoding,
                     var_names={v.header: v.name for v in variables})
    return StatFile(table, variables, (getattr(meta, "file_label", None) or "").strip() or None)


def _old_stata_encoding(path: Path) -> str | None:
    """GB18030 for a .dta older than Stata 14 (format 118), which records no encoding: Chinese text in
    such files was written in the Windows code page (GBK); ASCII reads the same either way."""
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(b"<stata_dta>"):
        start = head.find(b"<release>")
        release = head[start + 9:start + 12] if start >= 0 else b""
        version = int(release) if release.isdigit() else 0
    else:
        version = head[0] if head else 0
    return "GB18030" if 0 < version < 118 else None


def _variables(df: pd.DataFrame, meta, stata: bool) -> list[StatVariable]:
    labels = {n: (meta.column_names_to_labels.get(n) or "").strip() for n in df.columns}
    counts: dict[str, int] = {}
    for text in labels.values():
        if text:
            counts[text] = counts.get(text, 0) + 1
    names = set(df.columns)
    out = []
    for name in df.columns:
        label = labels[name] or None
        header = label if label and counts[label] == 1 and (label == name or label not in names) else \
            (f"{label} [{name}]" if label else name)
        numeric = meta.readstat_variable_types.get(name) != "string"
        all_labels = dict(sorted(meta.variable_value_labels.get(name, {}).items(), key=_code_order))
        is_missing = _missing_test(name, meta, stata, numeric)
        out.append(StatVariable(
            name=name, header=header, label=label,
            value_labels={c: t for c, t in all_labels.items() if not is_missing(c)},
            missing_labels={c: t for c, t in all_labels.items() if is_missing(c)},
            numeric=numeric))
    return out


def _code_order(item) -> tuple:
    code = item[0]
    return (0, float(code), "") if isinstance(code, (int, float)) else (1, 0.0, str(code))


def _missing_test(name: str, meta, stata: bool, numeric: bool):
    """A function telling whether a (non-null) value is user-missing for this variable."""
    if stata:
        # Stata's extended missing values come back as the letters 'a'..'z' in a numeric column
        return (lambda v: isinstance(v, str)) if numeric else (lambda v: False)
    ranges = getattr(meta, "missing_ranges", {}).get(name, [])

    def test(v) -> bool:
        for r in ranges:
            lo, hi = r["lo"], r["hi"]
            if isinstance(v, str) != isinstance(lo, str):
                continue
            if lo <= v <= hi:
                return True
        return False
    return test


def _cells(col: pd.Series, var: StatVariable, meta, stata: bool) -> pd.Series:
    """The column as text cells: labels for labelled values, the marker for user-missing ones."""
    is_missing = _missing_test(var.name, meta, stata, var.numeric)
    present = col.notna()
    out = pd.Series([None] * len(col), index=col.index, dtype=object)
    if pd.api.types.is_datetime64_any_dtype(col.dtype):      # SPSS DATETIME, Stata %tc
        out[present] = col[present].map(cell_text)
        return out
    uniques = pd.unique(col[present])
    lookup = {}
    for u in uniques:
        value = u.item() if isinstance(u, np.generic) else u
        if is_missing(value):
            lookup[u] = USER_MISSING
        elif value in var.value_labels:
            lookup[u] = var.value_labels[value]
        else:
            lookup[u] = cell_text(value)
    out[present] = col[present].map(lookup)
    return out
