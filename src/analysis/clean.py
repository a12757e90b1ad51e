"""From a raw table and its codebook to valid responses, with a record of everything done.

Driven entirely by the codebook: answers are normalised (NFKC, simplified characters, spaces) and
mapped to codes through labels and aliases; numbers are parsed ("35岁", "３５", "三十五", a birth
year); skip rules and ranges are checked; quality rules exclude rows. Nothing disappears silently:
every excluded row is in ``exclusions`` with its rule, every cell whose value was changed or
blanked is in ``changes`` with before/after and its rule, and an answer that maps to no code is
kept as missing, logged, and counted in ``unmapped`` so the researcher can add an alias.
Personal data (``pii``) and private free text never leave this module.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from .codebook import Codebook, Variable
from .errors import SurveyError
from .ingest import WJX_META, RawTable
from .textnorm import answer_key, canon, header_key

MULTI_SEP = "┋"
_OTHER_TEXT = re.compile(r"〖[^〗]*〗")
_NUMBER = re.compile(r"^(-?\d+(?:\.\d+)?)(?:周?岁|年|年整|人|户|名|万元|元|个|次)?$")
_BIRTH = re.compile(r"^((?:19|20)\d\d)(?:年(?:\d{1,2}月(?:\d{1,2}日)?)?|[-/.]\d{1,2}(?:[-/.]\d{1,2})?)?(?:出生|生)?$")
_SECONDS = re.compile(r"^(\d+(?:\.\d+)?)\s*秒?$")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}

NO_DISTRICT = "（未填区县）"
RULE_LABELS = {
    "missing_required": "必填项为空",
    "speeder": "答题时间过短",
    "duplicate": "重复提交",
    "normalize": "规范写法（全角/繁体/空格）",
    "alias": "别名归并",
    "parse_number": "数值解析",
    "unmapped": "无法识别的答案",
    "out_of_range": "超出合理范围",
    "skip_logic": "违反跳题逻辑",
}

EXCLUSION_COLUMNS = ["instrument", "file", "row", "district", "rule", "reason", "detail"]
CHANGE_COLUMNS = ["instrument", "file", "row", "district", "variable", "before", "after", "rule"]


@dataclasses.dataclass
class CleanResult:
    instrument: str
    file: str
    valid: pd.DataFrame          # one row per valid response; codes as Int64, numbers as Float64
    exclusions: pd.DataFrame     # EXCLUSION_COLUMNS
    changes: pd.DataFrame        # CHANGE_COLUMNS
    received: pd.Series          # rows received per district
    unmapped: pd.DataFrame       # variable, value, count
    ignored_columns: list[str]


# -- value parsing --------------------------------------------------------------------------------

def parse_number(text: str, *, age_on: int | None = None) -> float | None:
    """A number as people type it: '35', '35岁', '３５', '三十五岁', and for ages a birth year
    ('1978', '1978年', '1978-05') turned into the age reached in the survey year ``age_on``."""
    key = answer_key(text)
    if age_on is not None:
        m = _BIRTH.match(key)
        if m:
            return float(age_on - int(m.group(1)))
    m = _NUMBER.match(key)
    if m:
        return float(m.group(1))
    key = re.sub(r"(周?岁|年)$", "", key)
    return _chinese_number(key)


def _chinese_number(key: str) -> float | None:
    """'三十五' → 35, '二十' → 20, '十八' → 18, '六十' → 60 (the forms ages and years take)."""
    if not key or any(ch not in _CN_DIGITS and ch != "十" for ch in key):
        return None
    if "十" not in key:
        return float(int("".join(str(_CN_DIGITS[ch]) for ch in key))) if len(key) <= 3 else None
    tens, _, ones = key.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    return float((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))


def parse_seconds(text: object) -> float:
    """问卷星's 所用时间 ('125秒', '125') in seconds; NaN when absent or unreadable."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return np.nan
    m = _SECONDS.match(canon(str(text)))
    return float(m.group(1)) if m else np.nan


def split_multi(text: str) -> list[str]:
    """Options of a by-text multi-select answer; '┋' inside 〖typed text〗 is text, not a separator."""
    return [p for p in _OTHER_TEXT.sub("", text).split(MULTI_SEP) if p.strip()]


# -- the cleaner ----------------------------------------------------------------------------------

def map_columns(table: RawTable, book: Codebook) -> tuple[dict[str, str], list[str]]:
    """Raw header → variable (or 问卷星 meta) name, and the headers that match nothing."""
    by_key = book.header_map()
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for col in table.frame.columns:
        key = header_key(col)
        target = by_key.get(key) or (WJX_META.get(key) if table.kind == "wjx" else None)
        if target is None:
            ignored.append(col)
            continue
        if target in mapping.values():
            first = next(c for c, t in mapping.items() if t == target)
            raise SurveyError(f"“{first}”和“{col}”两列都对应变量 {target}。", file=table.name,
                              variable=target, fix="删除多余的一列，或在编码手册中区分这两道题。")
        mapping[col] = target
    for var in book.variables.values():
        if var.required and var.name not in mapping.values():
            raise SurveyError(f"缺少必需的列“{var.question}”（{var.label}）。", file=table.name,
                              variable=var.name,
                              fix=f"检查导出文件的表头；如果该题在文件里用了别的题目文字，"
                                  f"把它加到 {book.path.name} 中该变量的 headers 列表。")
    return mapping, ignored


class _Log:
    """Collects changed cells for one file without a Python loop per cell."""

    def __init__(self, book: Codebook, table: RawTable):
        self.parts: list[pd.DataFrame] = []
        self.book, self.table = book, table

    def add(self, mask: pd.Series, variable: str, before: pd.Series, after: pd.Series | str, rule: str):
        if not mask.any():
            return
        idx = mask[mask].index
        self.parts.append(pd.DataFrame({
            "row_index": idx, "variable": variable,
            "before": before.loc[idx].astype(str).to_numpy(),
            "after": (after.loc[idx].astype(str).to_numpy() if isinstance(after, pd.Series) else after),
            "rule": rule,
        }))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=["row_index", "variable", "before", "after", "rule"])
        return pd.concat(self.parts, ignore_index=True)


def clean_table(table: RawTable, book: Codebook) -> CleanResult:
    """Clean one raw table against its codebook."""
    mapping, ignored = map_columns(table, book)
    raw = table.frame[list(mapping)].rename(columns=mapping)
    log = _Log(book, table)
    missing_keys = set(book.missing)

    def is_missing(s: pd.Series) -> pd.Series:
        return s.isna() | s.map(lambda v: v is None or answer_key(str(v)) in missing_keys)

    out = pd.DataFrame(index=raw.index)
    unmapped: list[pd.DataFrame] = []
    for var in book.variables.values():
        if var.name not in raw.columns or not var.kept:
            continue
        col = raw[var.name]
        absent = is_missing(col)
        if var.type == "single":
            out[var.name] = _single(var, col, absent, log, unmapped)
        elif var.type in ("number", "age"):
            out[var.name] = _number(var, book, col, absent, log)
        elif var.type == "multi":
            out = pd.concat([out, _multi(var, col, absent, log, unmapped)], axis=1)
        else:  # text kept as written, normalised (district, street, community)
            text = col.where(~absent).map(lambda v: canon(v) if isinstance(v, str) else v)
            log.add(~absent & (text != col), var.name, col, text, "normalize")
            out[var.name] = text.astype("string")
    _skip_logic(book, out, log)
    _derive(book, out)

    district_var = book.role("district")
    districts = out[district_var].fillna(NO_DISTRICT) if district_var in out else \
        pd.Series(NO_DISTRICT, index=out.index)
    rule_of_row = _row_rules(book, raw, out, table)
    excluded = rule_of_row.notna()

    file_name, rows = table.name, pd.Series(table.rows, index=raw.index)
    exclusions = pd.DataFrame({
        "instrument": book.instrument, "file": file_name, "row": rows[excluded].astype(int),
        "district": districts[excluded], "rule": rule_of_row[excluded].map(lambda r: r[0]),
        "reason": rule_of_row[excluded].map(lambda r: RULE_LABELS[r[0]]),
        "detail": rule_of_row[excluded].map(lambda r: r[1]),
    }, columns=EXCLUSION_COLUMNS).reset_index(drop=True)

    ch = log.frame()
    changes = pd.DataFrame({
        "instrument": book.instrument, "file": file_name,
        "row": rows.loc[ch["row_index"]].astype(int).to_numpy() if len(ch) else [],
        "district": districts.loc[ch["row_index"]].to_numpy() if len(ch) else [],
        "variable": ch["variable"], "before": ch["before"], "after": ch["after"], "rule": ch["rule"],
    }, columns=CHANGE_COLUMNS)

    valid = out[~excluded].copy()
    valid.insert(0, "_row", rows[~excluded].astype("int64"))
    valid.insert(0, "_file", file_name)
    if "_duration" in raw.columns:
        valid["_duration_s"] = raw.loc[~excluded, "_duration"].map(parse_seconds).astype("Float64")
    if "_submitted" in raw.columns:
        valid["_submitted"] = raw.loc[~excluded, "_submitted"].astype("string")
    valid = valid.reset_index(drop=True)

    um = (pd.concat(unmapped, ignore_index=True) if unmapped
          else pd.DataFrame(columns=["variable", "value"]))
    um = um.groupby(["variable", "value"], sort=True).size().rename("count").reset_index()
    received = districts.value_counts().sort_index()
    assert int(received.sum()) == len(valid) + len(exclusions), "row accounting broken"
    return CleanResult(book.instrument, file_name, valid, exclusions, changes, received, um, ignored)


def _single(var: Variable, col: pd.Series, absent: pd.Series, log: _Log, unmapped: list) -> pd.Series:
    present = col[~absent].astype(str)
    uniques = present.unique()
    lookup = {u: var.code_for(u) for u in uniques}
    codes = present.map(lookup)
    result = pd.Series(pd.NA, index=col.index, dtype="Int64")
    result.loc[codes.dropna().index] = codes.dropna().astype(int)
    bad = codes.isna()
    log.add(bad.reindex(col.index, fill_value=False), var.name, col, "", "unmapped")
    if bad.any():
        unmapped.append(pd.DataFrame({"variable": var.name, "value": present[bad].to_numpy()}))
    good = present[~bad]
    label = good.map(lambda u: var.values[lookup[u]])
    same_key = good.map(answer_key) == label.map(answer_key)
    differs = good != label
    log.add((differs & same_key).reindex(col.index, fill_value=False), var.name, col,
            label.reindex(col.index), "normalize")
    log.add((differs & ~same_key).reindex(col.index, fill_value=False), var.name, col,
            label.reindex(col.index), "alias")
    return result


def _number(var: Variable, book: Codebook, col: pd.Series, absent: pd.Series, log: _Log) -> pd.Series:
    present = col[~absent].astype(str)
    age_on = book.survey_date.year if var.type == "age" else None
    lookup = {u: parse_number(u, age_on=age_on) for u in present.unique()}
    values = present.map(lookup).astype("Float64")
    result = pd.Series(pd.NA, index=col.index, dtype="Float64")
    result.loc[values.index] = values
    unreadable = values.isna().reindex(col.index, fill_value=False)
    log.add(unreadable, var.name, col, "", "unmapped")
    shown = values.map(lambda x: "" if pd.isna(x) else (str(int(x)) if float(x).is_integer() else str(x)))
    reparsed = (~values.isna() & (present != shown)).reindex(col.index, fill_value=False)
    log.add(reparsed, var.name, col, shown.reindex(col.index), "parse_number")
    if var.range and book.rule("out_of_range"):
        lo, hi = var.range
        outside = (result < lo) | (result > hi)
        outside = outside.fillna(False).astype(bool)
        log.add(outside, var.name, col, "", "out_of_range")
        result[outside] = pd.NA
    return result


def _multi(var: Variable, col: pd.Series, absent: pd.Series, log: _Log, unmapped: list) -> pd.DataFrame:
    cols = {code: pd.Series(pd.NA, index=col.index, dtype="Int8") for code in var.values}
    for idx, text in col[~absent].astype(str).items():
        chosen = set()
        for part in split_multi(text):
            code = var.code_for(part)
            if code is None:
                unmapped.append(pd.DataFrame({"variable": [var.name], "value": [part]}))
                log.parts.append(pd.DataFrame({"row_index": [idx], "variable": [var.name],
                                               "before": [part], "after": [""], "rule": ["unmapped"]}))
            else:
                chosen.add(code)
        for code in var.values:
            cols[code].loc[idx] = int(code in chosen)
    return pd.DataFrame({f"{var.name}__{code}": s for code, s in cols.items()})


def _skip_logic(book: Codebook, out: pd.DataFrame, log: _Log) -> None:
    """An answer to a question the respondent should not have been asked is blanked and logged."""
    for var in book.variables.values():
        cond = var.asked_if
        if cond is None or var.name not in out or cond.variable not in out:
            continue
        asked = out[cond.variable].isin(cond.codes).fillna(False).astype(bool)
        violation = ~asked & out[var.name].notna()
        before = out[var.name].map(lambda c: var.values.get(c, c) if pd.notna(c) else "")
        log.add(violation, var.name, before, "", "skip_logic")
        out.loc[violation, var.name] = pd.NA


def _derive(book: Codebook, out: pd.DataFrame) -> None:
    for d in book.derived.values():
        if d.source not in out:
            continue
        src = out[d.source]
        res = pd.Series(pd.NA, index=out.index, dtype="Int64")
        if d.bands:
            for band in d.bands:
                inside = src.notna() & src.map(lambda x, b=band: pd.notna(x) and b.contains(float(x)))
                res[inside.astype(bool)] = band.code
        else:
            res = src.map(lambda c: d.mapping.get(int(c)) if pd.notna(c) else pd.NA).astype("Int64")
        out[d.name] = res


def _row_rules(book: Codebook, raw: pd.DataFrame, out: pd.DataFrame, table: RawTable) -> pd.Series:
    """For each row the first exclusion rule that fires, as (rule, detail), else None."""
    rule = pd.Series([None] * len(raw), index=raw.index, dtype=object)

    def mark(mask: pd.Series, name: str, detail: pd.Series | str):
        mask = mask & rule.isna()
        for idx in mask[mask].index:
            rule.loc[idx] = (name, detail if isinstance(detail, str) else detail.loc[idx])

    for var in book.variables.values():
        if var.required and var.kept and var.name in out:
            mark(out[var.name].isna(), "missing_required", f"“{var.label}”为空")
    speed = book.rule("speeder")
    if speed and "_duration" in raw.columns:
        secs = raw["_duration"].map(parse_seconds)
        median = float(np.nanmedian(secs)) if secs.notna().any() else np.nan
        limit = max(float(speed.get("min_seconds", 0)),
                    float(speed.get("min_fraction_of_median", 0)) * (median if median == median else 0))
        fast = (secs < limit).fillna(False)
        mark(fast, "speeder", secs.map(lambda s: f"所用时间 {s:g} 秒，低于 {limit:g} 秒"
                                       f"（下限 {speed.get('min_seconds', 0)} 秒或中位数 {median:g} 秒的 "
                                       f"{speed.get('min_fraction_of_median', 0)} 倍）"))
    if book.rule("duplicate"):
        answers = [c for c in raw.columns if not c.startswith("_")]
        key = raw[answers].astype(str).apply(lambda r: "\x1f".join(map(answer_key, r)), axis=1)
        first_line = pd.Series(table.rows, index=raw.index).groupby(key).transform("first")
        dup = key.duplicated(keep="first")
        mark(dup, "duplicate", first_line.map(lambda r: f"与第 {int(r)} 行的全部答案相同"))
    return rule
