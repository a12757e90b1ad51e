"""Writers for the deliverables: Word report, Excel tables, the notebook's tables and text, and the
overview page (the executed notebook becomes the HTML report in ``analysis.notebook_html``).

Every number comes from the tidy stats table ``S`` built by ``analysis.stats`` and is printed as
published there (``value``, ``n``, ``ci_low``/``ci_high``): nothing here computes or re-rounds.
``display_table`` is the single place where a stats table becomes a human table, and the
notebook, the Word report and the Excel workbook all show its output, so they cannot disagree.

Outputs are deterministic (fixed document properties and zip timestamps, sorted inputs) and
written atomically with ``analysis.fileio``.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from . import wordtable
from .clean import NO_DISTRICT
from .config import MIN_CELL, POOLED_GROUP, SAMPLE_NOTE
from .errors import SurveyError
from .fileio import atomic_path, write_text

FIXED_TIME = datetime(2000, 1, 1)        # document properties: same input, same bytes
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
DASH = "—"                                # a suppressed cell
SYNTHETIC_LINE = f"{SAMPLE_NOTE}：本报告由合成数据生成，仅用于演示。"
FLOW_STATS = {"received", "excluded", "valid"}
FLOW_STEPS = {"received": "收到答卷", "excluded": "剔除", "valid": "有效答卷"}  # unlabelled rows
PERCENT_STATS = {"share", "top2", "rate", "member_share"}
LONG_STATS = {"share": "占比（%）", "top2": "占比（%）", "rate": "占比（%）", "member_share": "占比（%）",
              "mean": "平均值", "median": "中位数", "total": "合计"}
STAT_NAMES = {"mean": "平均值", "median": "中位数", "p": "p值", "p_adj": "校正后p值"}
LONG_COLUMNS = ["指标", "类别", "人数", "占比（%）", "平均值", "中位数", "合计", "95%置信区间"]
TEXT_COLUMNS = {"指标", "类别", "问卷", "环节", "项目"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^-?\d+(?:\.(\d+))?$")

BODY_FONT = ("Times New Roman", "宋体")   # (Latin, East Asian)
HEAD_FONT = ("黑体", "黑体")
BODY_PT, TABLE_PT, NOTE_PT = 12, 10.5, 9
TEXT_WIDTH_CM = 16.0                      # A4 with 2.5 cm margins
CHAR_UNIT_CM = 0.19                       # half a Chinese character at 10.5 pt, with some air

# Section tables of the district report, in order; a figure keyed by a table id follows it.
SECTIONS = [
    ("一、基本情况", "basic", ["worker_composition", "worker_age", "worker_leaders",
                            "resident_composition", "resident_age", "community_coverage",
                            "community_members", "wave_change"]),
    ("二、满意度评价", "satisfaction", ["resident_satisfaction", "resident_satisfaction_weighted",
                               "resident_index", "resident_drivers", "resident_vs_rest",
                               "worker_satisfaction", "worker_index", "worker_vs_rest",
                               "residents_vs_workers"]),
    ("三、存在的问题", "problems", []),
    ("附录　样本与方法", "method", ["flow", "weighting"]),
]

# Statistics other than counts and shares, as printed: whole numbers, or at least this many decimals.
WHOLE_STATS = {"rank", "n", "n_eff", "df", "count"}
STAT_DECIMALS = {"alpha": 3, "alpha_if_deleted": 3, "item_total_r": 3, "beta": 3, "r": 3,
                 "cramers_v": 3, "chi2": 3, "deff": 2, "w_ratio": 2, "odds_ratio": 2,
                 "diff": 1, "rate": 1, "member_share": 1, "u": 1, "net": 1}
P_STATS = {"p", "p_adj"}
HIDDEN_STATS = {"u"}       # the Mann-Whitney U means nothing to a reader; its p is shown (U is in stats.json)
PIVOT_MAX_COLUMNS = 7      # a table of statistics with more kinds than this lists them one per row


# ================================================================ the human table

def _select(S: pd.DataFrame, table: str, group: str) -> pd.DataFrame:
    rows = S[(S["table"] == table) & (S["group"] == group)]
    if rows.empty:
        raise SurveyError(f"统计结果中没有表 {table}（{group}）",
                          fix="检查表名和区县名是否与统计结果一致。")
    return rows


def _variables_in_order(rows: pd.DataFrame, variables: list[str] | None) -> list[str]:
    present = list(dict.fromkeys(rows["variable"]))
    if variables is None:
        return present
    missing = [v for v in variables if v not in present]
    if missing:
        raise SurveyError(f"表 {rows['table'].iloc[0]} 中没有变量 {'、'.join(missing)}",
                          variable=missing[0], fix="检查变量名，或先在统计步骤中生成它。")
    return list(variables)


def _is_scale_item(vrows: pd.DataFrame) -> bool:
    return bool(((vrows["stat"] == "top2") & (vrows["category"] == "top2")).any())


def _fmt(value: float, stat: str, scale_item: bool = False) -> str:
    """A published value as printed: counts whole, shares 1 decimal, means keep their decimals
    (at least 2 for a five-point item, 3.80; at least 1 otherwise, 48.8)."""
    if stat in PERCENT_STATS:
        return f"{value:.1f}"
    if stat in P_STATS:
        return "<0.001" if value < 0.001 else f"{value:.3f}"
    if stat in ("total", *WHOLE_STATS, *FLOW_STATS) and float(value).is_integer():
        return f"{int(value)}"
    least = STAT_DECIMALS.get(stat, 2 if scale_item else 1)
    decimals = next((d for d in range(least, 5) if round(value, d) == value), 4)
    return f"{value:.{decimals}f}"


def _fmt_ci(row: pd.Series, scale_item: bool) -> str:
    if row["suppressed"]:
        return DASH
    if pd.isna(row["ci_low"]) or pd.isna(row["ci_high"]):
        return ""
    if row["stat"] in PERCENT_STATS:
        return f"{row['ci_low']:.1f}～{row['ci_high']:.1f}"
    printed = _fmt(row["value"], row["stat"], scale_item)
    decimals = len(printed.split(".")[-1]) if "." in printed else 0
    return f"{row['ci_low']:.{decimals}f}～{row['ci_high']:.{decimals}f}"


def _cell(row: pd.Series, scale_item: bool) -> str:
    return DASH if row["suppressed"] else _fmt(row["value"], row["stat"], scale_item)


# The display tables and notes of the last stats table seen, by its content: the notebook shows a
# table, the Word report and the workbook print it again; each is laid out once per district.
_MADE: dict = {"key": None, "made": {}}


def _content_key(S: pd.DataFrame) -> tuple | None:
    """The stats table's contents as a key; None for a table that cannot be hashed (a column of
    lists a researcher added in a notebook): it is then laid out afresh each time."""
    try:
        return tuple(S.columns), hashlib.sha256(pd.util.hash_pandas_object(S).values.tobytes()).digest()
    except TypeError:
        return None


def _made_once(S: pd.DataFrame, what: tuple, make, key: tuple | None = None):
    key = key or _content_key(S)
    if key is None:
        return make()
    if _MADE["key"] != key:
        _MADE["key"], _MADE["made"] = key, {}
    if what not in _MADE["made"]:
        _MADE["made"][what] = make()
    return _MADE["made"][what]


def _published(S: pd.DataFrame, group: str) -> dict[str, tuple[str, pd.DataFrame, str]]:
    """Every table of ``group`` in report order: its title, display table and note (the contents
    of ``S`` hashed once for all of them)."""
    key = _content_key(S)
    return {table: (title,
                    _made_once(S, ("table", table, group, None),
                               lambda: _display_table(S, table, group, None), key).copy(),
                    _made_once(S, ("note", table, group), lambda: _table_note(S, table, group), key))
            for table, title in _tables_in_order(S, group)}


def display_table(S: pd.DataFrame, table: str, group: str,
                  variables: list[str] | None = None) -> pd.DataFrame:
    """The published table for ``group``: Chinese headers, formatted text cells, “—” if suppressed.

    Three layouts, chosen by what the table holds: the sample flow (问卷, 环节, 份数); five-point
    items, one row each (项目, the five answers in %, 满意率, its CI, 平均分, 有效回答); and
    everything else one row per category (指标, 类别, 人数, 占比（%）, 平均值, 95%置信区间 …,
    columns that would be empty everywhere left out).
    """
    what = ("table", table, group, None if variables is None else tuple(variables))
    return _made_once(S, what, lambda: _display_table(S, table, group, variables)).copy()


def _display_table(S: pd.DataFrame, table: str, group: str, variables: list[str] | None) -> pd.DataFrame:
    rows = _select(S, table, group)
    order = _variables_in_order(rows, variables)
    rows = rows[rows["variable"].isin(order) & ~rows["stat"].isin(HIDDEN_STATS)]
    by_variable = [rows[rows["variable"] == v].sort_values("order", kind="stable") for v in order]
    if table == "residents_vs_workers":
        return _two_groups_layout(S, by_variable, group)
    if set(rows["stat"]) <= FLOW_STATS:
        return _flow_layout(by_variable)
    if all(_is_scale_item(v) for v in by_variable):
        return _likert_layout(by_variable)
    if set(rows["stat"]) <= set(LONG_STATS):
        return _long_layout(by_variable)
    if _pivots(rows):
        return _pivot_layout(by_variable)
    return _figure_layout(by_variable)


def _pivots(rows: pd.DataFrame) -> bool:
    """A table of statistics reads as one row per item when each item names each statistic once
    and there are few kinds (drivers, district vs rest, reliability, weighting)."""
    unique = all(not v.duplicated().any() for _, v in rows.groupby("variable")["category_label"])
    return unique and rows["category_label"].nunique() <= PIVOT_MAX_COLUMNS


def _stat_cell(row: pd.Series, with_ci: bool = True) -> str:
    text = _cell(row, False)
    ci = _fmt_ci(row, False) if with_ci else ""
    return f"{text}（{ci}）" if ci and ci != DASH else text


def _pivot_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    """项目, then one column per statistic (its label), a value with its 95% interval in brackets."""
    columns: list[str] = []
    records = []
    for vrows in by_variable:
        record = {"项目": vrows["variable_label"].iloc[0]}
        for _, row in vrows.iterrows():
            label = row["category_label"] or STAT_NAMES.get(row["stat"], row["stat"])
            columns += [label] if label not in columns else []
            record[label] = _stat_cell(row)
        records.append(record)
    return pd.DataFrame(records, columns=["项目", *columns]).fillna("")


def _figure_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    """One published figure per row: 指标, 类别, 数值, 95%置信区间, 人数."""
    records = []
    for vrows in by_variable:
        for _, row in vrows.iterrows():
            records.append({"指标": row["variable_label"], "类别": row["category_label"],
                            "数值": _cell(row, False), "95%置信区间": _fmt_ci(row, False),
                            "人数": DASH if row["suppressed"] else str(int(row["n"]))})
    return pd.DataFrame(records, columns=["指标", "类别", "数值", "95%置信区间", "人数"])


TWO_GROUPS = (("resident_composition", "居民（%）"), ("worker_composition", "社区工作者（%）"))


def _two_groups_layout(S: pd.DataFrame, by_variable: list[pd.DataFrame], group: str) -> pd.DataFrame:
    """Residents against workers, one row per answer: each group's share (from its composition
    table), the difference with its interval, the two-proportion p and its Holm-adjusted p; then
    one row per question with its chi-square test."""
    records = []
    for vrows in by_variable:
        variable = vrows["variable"].iloc[0]
        answers = vrows[vrows["category"] != "test"]
        for code, arows in answers.groupby("category", sort=False):
            by = arows.set_index("stat", drop=False)
            if "diff" not in by.index:
                continue
            record = {"指标": vrows["variable_label"].iloc[0], "类别": by.loc["diff", "category_label"]}
            for table, column in TWO_GROUPS:
                share = _pick(S, group, table, variable, "share", code)
                record[column] = DASH if share is None else _fmt(share["value"], "share")
            diff = by.loc["diff"]
            record["差值（百分点）"] = _cell(diff, False)
            record["95%置信区间"] = _fmt_ci(diff, False)
            for stat, column in (("p", "p值"), ("p_adj", "校正后p值")):
                present = stat in by.index and (by.loc[stat, "suppressed"] or pd.notna(by.loc[stat, "value"]))
                record[column] = _cell(by.loc[stat], False) if present else ""     # no test: nobody chose it
            records.append(record)
        test = vrows[vrows["category"] == "test"].set_index("stat", drop=False)
        if {"chi2", "df", "p"} <= set(test.index) and not test["suppressed"].any():
            record = dict.fromkeys(records[-1] if records else [], "")
            record.update({"指标": vrows["variable_label"].iloc[0], "类别": "整体（卡方检验）",
                           "p值": _cell(test.loc["p"], False),
                           "校正后p值": _cell(test.loc["p_adj"], False) if "p_adj" in test.index else ""})
            records.append(record)
    return pd.DataFrame(records).fillna("")


def _chi_square_note(rows: pd.DataFrame) -> list[str]:
    """“性别：卡方=2.174，自由度=1，克莱姆V=0.103” per question, and the expected-count warnings."""
    parts = ["各答案一行的p值为两比例检验，“整体”一行为卡方检验"]
    for _, vrows in rows.groupby("variable", sort=False):
        test = vrows[vrows["category"] == "test"].set_index("stat", drop=False)
        if {"chi2", "df"} <= set(test.index) and not test["suppressed"].any():
            text = (f"{vrows['variable_label'].iloc[0]}：卡方={_cell(test.loc['chi2'], False)}，"
                    f"自由度={_cell(test.loc['df'], False)}")
            if "cramers_v" in test.index:
                text += f"，克莱姆V={_cell(test.loc['cramers_v'], False)}"
            warning = vrows.loc[vrows["category"] == "warning", "category_label"]
            parts.append(text + (f"（{warning.iloc[0]}）" if len(warning) else ""))
    return parts


def _flow_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    records = []
    for vrows in by_variable:
        for _, row in vrows.iterrows():
            step = row["category_label"] or FLOW_STEPS[row["stat"]]
            records.append({"问卷": row["variable_label"], "环节": step,
                            "份数": _cell(row, False)})
    return pd.DataFrame(records, columns=["问卷", "环节", "份数"])


def _likert_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    records = []
    for vrows in by_variable:
        record = {"项目": vrows["variable_label"].iloc[0]}
        for _, row in vrows[vrows["stat"] == "share"].iterrows():
            record[row["category_label"]] = _cell(row, True)
        for _, row in vrows[vrows["stat"] == "top2"].iterrows():
            record["满意率（%）"] = _cell(row, True)
            record["95%置信区间"] = _fmt_ci(row, True)
        for _, row in vrows[vrows["stat"] == "net"].iterrows():
            record["净满意度"] = _cell(row, False)
        for _, row in vrows[vrows["stat"] == "mean"].iterrows():
            record["平均分"] = _cell(row, True)
            record["有效回答"] = DASH if row["suppressed"] else str(int(row["base"]))
        records.append(record)
    return pd.DataFrame(records).fillna("")


def _long_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per category; a number's mean, median and total share one row."""
    value_column = LONG_STATS
    records: dict[tuple, dict] = {}
    for vrows in by_variable:
        scale_item = _is_scale_item(vrows)
        for _, row in vrows[vrows["stat"].isin(value_column)].iterrows():
            percent = row["stat"] in PERCENT_STATS
            key = (row["variable"], row["category"], percent)
            if key not in records:
                records[key] = dict.fromkeys(LONG_COLUMNS, "")
                records[key].update({
                    "指标": row["variable_label"],
                    "类别": row["category_label"] if percent or row["category"] else "",
                    "人数": DASH if row["suppressed"] else str(int(row["n"]))})
            record = records[key]
            record[value_column[row["stat"]]] = _cell(row, scale_item)
            record["95%置信区间"] = record["95%置信区间"] or _fmt_ci(row, scale_item)
    frame = pd.DataFrame(list(records.values()), columns=LONG_COLUMNS)
    keep = [c for c in LONG_COLUMNS if c in ("指标", "人数") or (frame[c] != "").any()]
    return frame[keep]


def _n_range(bases: pd.Series) -> str:
    low, high = int(bases.min()), int(bases.max())
    return f"N={low}" if low == high else f"N={low}～{high}"


def table_note(S: pd.DataFrame, table: str, group: str) -> str:
    """“注：N=494，基数为有效回答。…” — the base(s) of a table, what the brackets, the differences
    and the p values mean, and what “—” means."""
    return _made_once(S, ("note", table, group), lambda: _table_note(S, table, group))


def _table_note(S: pd.DataFrame, table: str, group: str) -> str:
    rows = _select(S, table, group)
    based = rows[rows["stat"].isin(["share", "top2", "mean", "median", "rate", "member_share"])]
    if based.empty:                       # a table of statistics: the base of its first figures
        based = rows[~rows["stat"].isin(FLOW_STATS) & (rows["base_label"] != "")]
    based = based[~based["base_label"].str.contains("－", regex=False)]
    parts = []
    if not based.empty:
        per_variable = based.drop_duplicates(["variable", "base_label"])
        labels = list(per_variable["base_label"])
        main = max(labels, key=labels.count)        # the most common base; first on a tie
        mine = per_variable[per_variable["base_label"] == main]
        parts.append(f"{_n_range(mine['base'])}，基数为{main}")
        for label in dict.fromkeys(labels):
            if label == main:
                continue
            other = per_variable[per_variable["base_label"] == label]
            if set(other["variable"]) == set(mine["variable"]):
                parts.append(f"{label}的基数{_n_range(other['base'])}")
            else:
                parts.append(f"{'、'.join(other['variable_label'])}的基数为{label}，"
                             f"{_n_range(other['base'])}")
    top = rows[(rows["stat"] == "top2") & (rows["category"] == "top2")]
    if not top.empty:                     # the top-box answers are named by the codebook, not here
        boxes = "”与“".join(str(top["category_label"].iloc[0]).split("＋"))
        parts.append(f"各档次和满意率均为占基数的百分比（%），满意率为“{boxes}”之和")
        if (rows["stat"] == "net").any():
            parts.append("净满意度为满意率减去最低两档的占比（百分点）")
    diff = rows[(rows["stat"] == "diff") & rows["base_label"].str.contains("－", regex=False)]
    if not diff.empty:
        parts.append(f"差值为{diff['base_label'].iloc[0]}的占比之差（百分点）")
    elif (rows["stat"] == "diff").any():
        parts.append("差值单位为百分点")
    if _pivots(rows) and rows[["ci_low", "ci_high"]].notna().all(axis=1).any() \
            and not set(rows["stat"]) <= set(LONG_STATS):
        parts.append("括号内为95%置信区间")
    if rows["stat"].isin(P_STATS).any():
        parts.append("p值小于0.05表示差异有统计学意义，“<0.001”表示小于0.001"
                     + ("；校正后p值按Holm法对多项检验校正" if (rows["stat"] == "p_adj").any() else ""))
    if table == "residents_vs_workers":
        parts += _chi_square_note(rows)
    if rows["suppressed"].astype(bool).any():
        parts.append(f"“{DASH}”表示人数少于{MIN_CELL}人，不予公布")
    return "注：" + "；".join(parts) + "。" if parts else ""


def _tables_in_order(S: pd.DataFrame, group: str) -> list[tuple[str, str]]:
    rows = S[S["group"] == group]
    return list(dict.fromkeys(zip(rows["table"], rows["table_title"])))


# ================================================================ deterministic zip files

def _write_zip_deterministic(data: bytes, path: str | Path) -> None:
    """Rewrite an OOXML zip with fixed entry timestamps and write it atomically."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))
    with atomic_path(path) as tmp:
        tmp.write_bytes(out.getvalue())


# ================================================================ Excel

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


def _text_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def _sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "表"
    base, k = name, 2
    while name in used:
        suffix = f"_{k}"
        name, k = base[:31 - len(suffix)] + suffix, k + 1
    used.add(name)
    return name


def write_tables_xlsx(S: pd.DataFrame, path: str | Path, meta: dict) -> None:
    """One formatted sheet per published table of ``meta["district"]``: a note row (base, 示例数据),
    a bold header, the rows of ``display_table`` with numbers as numbers."""
    district = meta["district"]
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for title, frame, note in _published(S, district).values():
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
    _write_zip_deterministic(buffer.getvalue(), path)


def _fill_sheet(sheet, frame: pd.DataFrame, note: str) -> None:
    widths = [min(max(max([_text_width(h)] + [_text_width(t) for t in frame[h]]) + 2, 8), 40)
              for h in frame.columns]
    for j, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(j)].width = width
    sheet.cell(row=1, column=1, value=_excel_value(note)[0])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(widths))
    sheet.cell(row=1, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[1].height = 15 * (1 + _text_width(note) // sum(widths))
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


# ================================================================ Word

def _set_fonts(rpr, fonts: tuple[str, str]) -> None:
    """Set Latin and East Asian (``w:eastAsia``) fonts on an rPr element, dropping theme fonts."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    latin, east_asian = fonts
    for attr, font in (("w:ascii", latin), ("w:hAnsi", latin), ("w:cs", latin),
                       ("w:eastAsia", east_asian)):
        rfonts.set(qn(attr), font)


def _style(document, name: str, fonts, size: float, *, bold=False, align=None,
           before=0.0, after=0.0, line=1.0, indent=None):
    styles = document.styles
    if name in [s.name for s in styles]:
        style = styles[name]
    else:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if style.name != "Normal":
        style.base_style = styles["Normal"]
    _set_fonts(style.element.get_or_add_rPr(), fonts)
    style.font.size, style.font.bold = Pt(size), bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    fmt = style.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(before), Pt(after), line
    fmt.first_line_indent = indent
    if align is not None:
        fmt.alignment = align
    return style


def _setup_document(title: str):
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    default_rpr = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}"
                                               f"/{qn('w:rPr')}")
    _set_fonts(default_rpr, BODY_FONT)
    default_rpr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    center = WD_ALIGN_PARAGRAPH.CENTER
    _style(document, "Normal", BODY_FONT, BODY_PT, line=1.5, after=0, indent=Pt(2 * BODY_PT),
           align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    title_style = _style(document, "Title", HEAD_FONT, 18, align=center, after=6, indent=Pt(0))
    ppr = title_style.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    heading = _style(document, "Heading 1", HEAD_FONT, 14, before=12, after=6, indent=Pt(0))
    heading.paragraph_format.keep_with_next = True
    _style(document, "Caption", HEAD_FONT, TABLE_PT, align=center, before=6, after=3,
           indent=Pt(0))
    _style(document, "表格文字", BODY_FONT, TABLE_PT, before=1.5, after=1.5, indent=Pt(0))
    _style(document, "表注", BODY_FONT, NOTE_PT, after=6, indent=Pt(0))
    _style(document, "示例说明", BODY_FONT, TABLE_PT, align=center, after=12, indent=Pt(0))
    props = document.core_properties
    props.author = props.last_modified_by = props.comments = props.keywords = ""
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    props.title = title
    return document


def _column_widths(frame: pd.DataFrame) -> list[float]:
    """Widths in cm filling the text width: data cells on one line, headers on at most two;
    space left over first puts the headers that need least of it on one line. A table too wide
    for that keeps its label columns (项目, 类别 …) on one line and lets a value break before its
    bracketed interval (“1.78” over “（1.46～2.16）”), rather than squeezing every column alike."""
    budget, pad = TEXT_WIDTH_CM / CHAR_UNIT_CM, 3
    data = [max([0] + [_text_width(t) for t in frame[h]]) for h in frame]
    widths = [max(d, _two_line_width(h)) + pad for h, d in zip(frame, data)]
    if sum(widths) > budget:
        return _wrapped_widths(frame, widths, budget, pad)
    one_line = [max(d, _text_width(h)) + pad for h, d in zip(frame, data)]
    needs = [full - w for full, w in zip(one_line, widths)]
    for need in sorted(set(needs)):                  # alike columns (非常满意, 比较满意) alike
        group = [j for j, n in enumerate(needs) if n == need]
        if sum(widths) + need * len(group) <= budget:
            for j in group:
                widths[j] = one_line[j]
    return [w * TEXT_WIDTH_CM / sum(widths) for w in widths]


# “95%置信区间” on two lines reads “95%” over “置信区间”, not “95%置信区” over “间” (Word breaks
# Chinese anywhere): a header opening with half-width text breaks after it.
HALF_WIDTH_LEAD = re.compile(r"^[!-~]+(?=[^\x00-\x7f])")


def _lead_split(header: str) -> tuple[str, str] | None:
    match = HALF_WIDTH_LEAD.match(header)
    return (header[:match.end()], header[match.end():]) if match and "（" not in header else None


def _two_line_width(header: str) -> int:
    """The width a header needs on two lines: its two parts after a half-width lead, else half."""
    split = _lead_split(header)
    return max(map(_text_width, split)) if split else -(-_text_width(header) // 2)


def _break_before_brackets(frame: pd.DataFrame, widths_cm: list[float]) -> pd.DataFrame:
    """Where a value column is narrower than its text on one line, put the line break before the
    bracket (“1.78” / “（1.46～2.16）”) instead of leaving Word to break inside the interval;
    headers alike (“比值比” / “（有序logit）”), and after a half-width lead (“95%” / “置信区间”)."""
    out, columns = frame.copy(), list(frame.columns)
    for j, h in enumerate(frame.columns):
        if h in TEXT_COLUMNS:
            continue
        room = widths_cm[j] / CHAR_UNIT_CM - 2                  # less the cell margins
        if any(_text_width(t) > room for t in frame[h]):
            out[h] = [re.sub(r"(?<=\S)（", "\n（", str(t)) for t in frame[h]]
        if _text_width(h) > room:
            split = _lead_split(h)
            columns[j] = "\n".join(split) if split else re.sub(r"(?<=\S)（", "\n（", h)
    out.columns = columns
    return out


def _wrapped_widths(frame: pd.DataFrame, widths: list[float], budget: float, pad: int) -> list[float]:
    """Widths of an overfull table: value columns shrink towards their widest part when broken
    before “（”, in proportion to what each can give; label columns keep their one-line width."""
    least = []
    for h, w in zip(frame, widths):
        if h in TEXT_COLUMNS:
            least.append(w)
            continue
        parts = [_text_width(p) for t in frame[h] for p in re.split(r"(?=（)", str(t)) if p]
        header = _text_width(h) if _text_width(h) <= 6 else _two_line_width(h)     # 平均值 on one line
        if "（" in h[1:]:                                                              # 居民 / （%）
            header = max(header, *(_text_width(p) for p in re.split(r"(?=（)", h) if p))
        snug = 1 if header <= 5 else 0                 # “（%）” alone: bold brackets need the room
        least.append(max(max(parts, default=0) + pad - 1, header + pad + snug))        # values: less air
    give = [w - m for w, m in zip(widths, least)]
    excess = sum(widths) - budget
    if sum(give) <= excess:
        widths = least
        label = [j for j, h in enumerate(frame.columns) if h in TEXT_COLUMNS]
        over = sum(widths) - budget                   # still too wide: long labels wrap instead
        room = sum(widths[j] - 8 - pad for j in label if widths[j] > 8 + pad)
        if over > 0 and room > 0:
            cut = min(1.0, over / room)
            widths = [w - (w - 8 - pad) * cut if j in label and w > 8 + pad else w
                      for j, w in enumerate(widths)]
    else:
        widths = [w - g * excess / sum(give) for w, g in zip(widths, give)]
    return [w * TEXT_WIDTH_CM / sum(widths) for w in widths]


def _add_table(document, frame: pd.DataFrame) -> None:
    """``frame`` as a 三线表 (:mod:`analysis.wordtable`): label columns left-aligned, the rest
    centred, widths from :func:`_column_widths`, lines broken before intervals where needed."""
    widths = _column_widths(frame)
    left = {j for j, c in enumerate(frame.columns) if c in TEXT_COLUMNS}
    frame = _break_before_brackets(frame, widths)
    wordtable.add_table(document, [str(h) for h in frame.columns],
                        [[str(t) for t in record] for record in frame.itertuples(index=False)],
                        widths, document.styles["表格文字"].style_id, left)


def write_district_docx(path: str | Path, *, S: pd.DataFrame, district: str, wave: str,
                        paragraphs: dict[str, list[str]], figures: dict[str, Path],
                        meta: dict) -> None:
    """The district's 调研报告 as Word: title, sections 一…三 and the appendix, numbered tables
    (title above, base note below) and figures (title below). ``paragraphs`` is keyed by
    section (basic, satisfaction, problems, method), ``figures`` by the id of the table they
    follow; tables absent from ``S`` are skipped with their figures."""
    _check_keys("段落", paragraphs, [key for _, key, _ in SECTIONS])
    _check_keys("图", figures, [t for _, _, tables in SECTIONS for t in tables])
    title = f"{district}社区党建与社区工作者队伍调研报告（{wave}年）"
    document = _setup_document(title)
    document.add_paragraph(title, style="Title")
    if meta.get("synthetic"):
        document.add_paragraph(SYNTHETIC_LINE, style="示例说明")
    present = _published(S, district)
    counters = {"表": 0, "图": 0}
    for heading, key, tables in SECTIONS:
        document.add_heading(heading, level=1)
        for text in paragraphs.get(key, []):
            document.add_paragraph(text)
        for table in (t for t in tables if t in present):
            title, frame, note = present[table]
            _add_numbered_table(document, title, frame, note, counters)
            if table in figures:
                _add_numbered_figure(document, figures[table], title, counters)
    data = io.BytesIO()
    document.save(data)
    _write_zip_deterministic(data.getvalue(), path)


def _check_keys(what: str, given: dict, known: list[str]) -> None:
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise SurveyError(f"{what}的键 {'、'.join(unknown)} 不对应报告中的任何部分",
                          fix=f"{what}的键只能是：{'、'.join(known)}。")


def _add_numbered_table(document, title: str, frame: pd.DataFrame, note: str, counters) -> None:
    counters["表"] += 1
    caption = document.add_paragraph(f"表{counters['表']}　{title}", style="Caption")
    caption.paragraph_format.keep_with_next = True
    _add_table(document, frame)
    if note:
        document.add_paragraph(note, style="表注")


def _add_numbered_figure(document, image: Path, title: str, counters) -> None:
    counters["图"] += 1
    picture = document.add_paragraph(style="表格文字")
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    picture.add_run().add_picture(str(image), width=Cm(TEXT_WIDTH_CM))
    document.add_paragraph(f"图{counters['图']}　{title}", style="Caption")


# ================================================================ HTML

NOTEBOOK_ONLY_TAG = "notebook-only"   # cells for the researcher in JupyterLab, not for the report's reader


MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()#!|~{}+-])")


def markdown_text(text: str) -> str:
    """Text shown literally in a Markdown cell: HTML escaped (``<script>`` stays text) and the
    Markdown punctuation backslash-escaped (no link, image or emphasis from a label or a name)."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def show_paragraphs(paragraphs: list[str], heading: str = ""):
    """Narrative paragraphs (and an optional ``##`` heading) for a notebook or the HTML report;
    district names and labels come from data and codebooks, so they are shown escaped."""
    from IPython.display import Markdown

    blocks = ([f"## {markdown_text(heading)}"] if heading else []) + [markdown_text(t) for t in paragraphs]
    return Markdown("\n\n".join(blocks))


def show_table(S: pd.DataFrame, table: str, group: str, variables: list[str] | None = None):
    """``display_table`` styled for a notebook or the HTML report: no row numbers, text left-aligned.
    A district without rows in ``table`` (no valid questionnaire of that kind) gets a line saying so."""
    if S[(S["table"] == table) & (S["group"] == group)].empty:
        from IPython.display import Markdown

        return Markdown(markdown_text(f"（{group}没有可用于本表的有效回答。）"))
    frame = display_table(S, table, group, variables)
    text = [c for c in frame.columns if c in TEXT_COLUMNS]
    return (frame.style.set_uuid(re.sub(r"\W", "_", table))     # stable ids: same report, same bytes
            .format(escape="html").format_index(escape="html", axis=1)  # a Styler does not escape
            .hide(axis="index")
            .set_properties(subset=text, **{"text-align": "left"})
            .set_table_styles([{"selector": "th", "props": [("text-align", "center")]}]))


def _pick(S: pd.DataFrame, group: str, table: str, variable: str, stat: str,
          category: str | None = None) -> pd.Series | None:
    rows = S[(S["group"] == group) & (S["table"] == table) & (S["variable"] == variable)
             & (S["stat"] == stat)]
    if category is not None:
        rows = rows[rows["category"] == category]
    if rows.empty or bool(rows["suppressed"].iloc[0]):
        return None
    return rows.iloc[0]


def _percent(row: pd.Series | None, with_ci: bool = False) -> str:
    if row is None:
        return DASH
    text = f"{row['value']:.1f}%"
    if with_ci and pd.notna(row["ci_low"]) and pd.notna(row["ci_high"]):
        text += f"（{row['ci_low']:.1f}～{row['ci_high']:.1f}）"
    return text


def _count(row: pd.Series | None) -> str:
    return DASH if row is None else str(int(row["value"]))


def _summary(S: pd.DataFrame, group: str) -> dict:
    """The overview's figures for one group. Sample sizes are the ``valid`` rows of the flow
    table, whose ``variable`` names the questionnaire (``worker``, ``resident``)."""
    satisfaction = _pick(S, group, "resident_satisfaction", "sat_overall", "top2")
    return {
        "workers": _count(_pick(S, group, "flow", "worker", "valid")),
        "residents": _count(_pick(S, group, "flow", "resident", "valid")),
        "full_time": _percent(_pick(S, group, "worker_composition", "employment", "share", "1")),
        "young": _percent(_pick(S, group, "worker_composition", "age_band", "share", "1")),
        "college": _percent(_pick(S, group, "worker_composition", "edu2", "share", "2")),
        "satisfaction": _percent(satisfaction, with_ci=True),
        "sort": None if satisfaction is None else float(satisfaction["value"]),
        "top_label": None if satisfaction is None else str(satisfaction["category_label"]),
    }


def _unassigned_line(S: pd.DataFrame) -> str:
    """“另有未填所在区县的问卷：居民问卷收到3份、有效2份…” from the ``（未填区县）`` flow rows."""
    rows = S[(S["table"] == "flow") & (S["group"] == NO_DISTRICT)]
    parts = []
    for _, r in rows.groupby("variable", sort=True):
        got = {stat: int(v["value"].iloc[0]) for stat, v in r.groupby("stat")
               if stat in ("received", "valid")}
        parts.append(f"{r['variable_label'].iloc[0]}收到{got.get('received', 0)}份、"
                     f"有效{got.get('valid', 0)}份")
    if not parts:
        return ""
    return (f"另有未填所在区县的问卷（{NO_DISTRICT}）：{'；'.join(parts)}。"
            f"这些问卷不单独成报告，有效问卷计入“{POOLED_GROUP}”一行。")


INDEX_CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "SimHei", sans-serif;
       margin: 2em auto; max-width: 72em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; }
.banner { background: #fff4e5; border-left: 4px solid #e8a33d; padding: .6em 1em; }
table { border-collapse: collapse; width: 100%; margin-top: 1em; }
th, td { padding: .45em .7em; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
th { background: #eef2f7; border-top: 2px solid #333; border-bottom: 1px solid #333; }
th:nth-child(2), td:nth-child(2), td:last-child { text-align: left; }
tfoot td { border-top: 1px solid #333; font-weight: bold; }
a { color: #1f5fa8; margin-right: .8em; }
.note { color: #555; font-size: .9em; }
figure { margin: 2em 0 0; }
figure img { width: 100%; max-width: 60em; height: auto; display: block; }
figcaption { color: #555; font-size: .9em; margin-top: .3em; }
"""
INDEX_HEADERS = ["排名", "区县", "工作者样本量", "居民样本量", "专职占比", "35岁以下占比",
                 "大专及以上占比", "居民总体满意率（95%置信区间）", "报告"]
LINKS = [("report.html", "网页报告"), ("report.docx", "Word报告"), ("tables.xlsx", "统计表")]


def _read_stats(path: Path) -> tuple[dict, pd.DataFrame]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["meta"], pd.DataFrame(data["rows"])
    except (ValueError, KeyError) as err:
        raise SurveyError(f"无法读取统计结果：{err}", file=str(path),
                          fix="重新运行该区县的报告，生成完整的 stats.json。") from err


def _ranks(values: list[float | None]) -> list[str]:
    """Competition ranking (1, 2, 2, 4) from the highest value; missing values get “—”."""
    return [DASH if v is None else str(1 + sum(o is not None and o > v for o in values))
            for v in values]


def _row_html(cells: list[str], links: str) -> str:
    return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + f"<td>{links}</td></tr>"


def write_index_html(wave_dir: Path, wave: str) -> None:
    """``wave_dir/index.html``: every district's key figures side by side, ranked by residents'
    overall satisfaction, with relative links to the district's reports that exist."""
    wave_dir = Path(wave_dir)
    entries, pooled, synthetic, unassigned = [], None, False, ""
    charted: list[pd.DataFrame] = []
    for stats_path in sorted(wave_dir.glob("*/stats.json")):
        meta, S = _read_stats(stats_path)
        synthetic |= bool(meta.get("synthetic"))
        entries.append((meta["district"], stats_path.parent, _summary(S, meta["district"])))
        charted.append(S[S["group"] == meta["district"]])
        if pooled is None and (S["group"] == POOLED_GROUP).any():
            pooled = _summary(S, POOLED_GROUP)
            unassigned = _unassigned_line(S)
            charted.append(S[S["group"] == POOLED_GROUP])
    ranks = _ranks([summary["sort"] for _, _, summary in entries])
    ranked = sorted(zip(ranks, entries), key=lambda item: (
        item[1][2]["sort"] is None, -(item[1][2]["sort"] or 0), item[1][0]))
    body = [_row_html([rank, district] + _figures(summary), _links(folder))
            for rank, (district, folder, summary) in ranked]
    title = f"{wave}年社区调研 · 各区县报告总览"
    page = [
        "<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>", f"<style>{INDEX_CSS}</style>", "</head>",
        "<body>", f"<h1>{html.escape(title)}</h1>",
    ]
    if synthetic:
        page.append(f'<p class="banner">{SAMPLE_NOTE}：本页各项数据由合成数据生成，仅用于演示。</p>')
    page += ["<table>", "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>"
                                                 for h in INDEX_HEADERS) + "</tr></thead>",
             "<tbody>", *body, "</tbody>"]
    if pooled is not None:
        page += ["<tfoot>", _row_html(["", POOLED_GROUP] + _figures(pooled), ""), "</tfoot>"]
    labels = [x["top_label"] for x in [*(e[2] for e in entries), pooled or {}] if x.get("top_label")]
    boxes = "”与“".join(labels[0].split("＋")) if labels else ""
    page += ["</table>",
             f'<p class="note">{html.escape(unassigned)}</p>' if unassigned else "",
             *_overview_figures(wave_dir, charted, wave, synthetic),
             '<p class="note">'
             + (html.escape(f"满意率为“{boxes}”的占比之和（%），") if boxes else "")
             + f"括号内为95%置信区间；“{DASH}”表示无数据或人数少于{MIN_CELL}人不予公布。</p>",
             "</body>", "</html>", ""]
    write_text(wave_dir / "index.html", "\n".join(page))


OVERVIEW_FIGURES = "_overview"    # wave_dir/_overview/: the overview charts; “_”: not a district


def _overview_figures(wave_dir: Path, parts: list[pd.DataFrame], wave: str, synthetic: bool) -> list[str]:
    """The districts side by side as charts under the table: overall satisfaction as dots with
    their 95% CI, and small multiples (one panel per district, the same axes) of every rating item.
    Drawn from the same stats.json rows as the table; absent when no district has resident ratings."""
    from . import charts

    S_all = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if S_all.empty:
        return []
    rated = S_all[(S_all["table"] == "resident_satisfaction") & (S_all["stat"] == "top2")]
    if rated.empty or not (rated["group"] != POOLED_GROUP).any():
        return []
    source = f"数据来源：{wave}年居民问卷" + (f"（{SAMPLE_NOTE}）" if synthetic else "")
    out, folder = [], wave_dir / OVERVIEW_FIGURES
    figures = []
    overall = rated[rated["variable"] == "sat_overall"]
    if len(overall) and not overall.duplicated("group").any():
        figures.append(("overview_overall", charts.district_comparison(
            S_all, "resident_satisfaction", "sat_overall", source=source),
            "各区县居民总体满意率及其95%置信区间"))
    n_districts = rated.loc[rated["group"] != POOLED_GROUP, "group"].nunique()
    if n_districts <= charts.MAX_PANELS:
        figures.append(("overview_items", charts.district_small_multiples(
            S_all, "resident_satisfaction", source=source), "各区县居民各项满意率（每区县一图，坐标相同）"))
    for name, fig, alt in figures:
        charts.save_figure(fig, folder, name)
        out.append(f'<figure><img src="{OVERVIEW_FIGURES}/{name}.png" alt="{html.escape(alt)}">'
                   f"<figcaption>{html.escape(alt)}</figcaption></figure>")
    if n_districts > charts.MAX_PANELS:
        out.append(f'<p class="note">共{n_districts}个区县，超过{charts.MAX_PANELS}个，各项满意率的分区县小图从略；'
                   "各区县的各项满意率见上表与各区县报告的 tables.xlsx。</p>")
    return out


def _figures(summary: dict) -> list[str]:
    return [summary[k] for k in ("workers", "residents", "full_time", "young", "college",
                                 "satisfaction")]


def _links(folder: Path) -> str:
    return "".join(f'<a href="{html.escape(quote(folder.name))}/{name}">{label}</a>'
                   for name, label in LINKS if (folder / name).exists())
