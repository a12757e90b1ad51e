"""Subgroups and derived indicators, as the codebook's ``report:`` section declares them.

A subgroup is a condition on codes (``report.subgroups``); an indicator (``report.indicators``) is
one figure computed over all respondents or one subgroup:

- ``mean``: the mean (t interval) and median of a number, over the answers given;
- ``share``: the percent of rows meeting a condition (Wilson interval); the base is the subgroup, or
  its rows that answered ``of``;
- ``ratio``: ``sum(a) / sum(b)`` in percent over the rows that answered ``b`` (parts of a total
  that need not add up to it, so each ratio stands alone);
- ``count``: how many rows meet a condition.

Rows go to the table ``<instrument>_indicators``: one ``count`` row per subgroup (its size), then
the indicators in the codebook's order; ``variable`` is the subgroup's or indicator's name. Cells go
through :mod:`analysis.stats.suppression` like any distribution. No I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import SurveyError
from analysis.spec.codebook import Codebook, Expression, Indicator, parse_condition
from analysis.stats import suppression
from analysis.stats.base import ALL_BASE, VALID_BASE, half_up, make_rows, mean_ci, wilson_ci

_OPS = {"==": np.equal, "!=": np.not_equal, ">=": np.greater_equal, "<=": np.less_equal,
        ">": np.greater, "<": np.less}


def _numbers(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df:
        raise SurveyError(f"数据中没有条件引用的变量 {name}。", variable=name, fix="检查编码手册 report 部分的条件。")
    return pd.to_numeric(df[name], errors="coerce").astype(float).to_numpy(na_value=np.nan)


def condition_mask(df: pd.DataFrame, condition: str | Expression) -> pd.Series:
    """Rows meeting a condition on codes (``a == 2 or b == 1``, ``x != y``,
    ``a in (1, 2)``); a missing answer meets no clause, so it counts as not meeting it."""
    expr = condition if isinstance(condition, Expression) else _parse(condition)
    out = np.zeros(len(df), dtype=bool)
    for group in expr.any_of:
        hit = np.ones(len(df), dtype=bool)
        for c in group:
            x = _numbers(df, c.variable)
            if c.op == "in":
                ok = np.isin(x, list(c.operand))
            else:
                y = _numbers(df, c.operand) if isinstance(c.operand, str) else float(c.operand)
                with np.errstate(invalid="ignore"):
                    ok = _OPS[c.op](x, y) & ~np.isnan(x) & ~np.isnan(y)
            hit &= ok
        out |= hit
    return pd.Series(out, index=df.index)


def _parse(text: str) -> Expression:
    try:
        return parse_condition(text)
    except ValueError as e:
        raise SurveyError(f"条件“{text}”看不懂：{e}。", variable=str(text),
                          fix="写成 变量 == 代码，可用 !=、>=、in (1, 2)，以及 and / or 连接。") from None


def subgroup_rows(df: pd.DataFrame, book: Codebook, name: str | None) -> pd.DataFrame:
    """The rows of a declared subgroup (every row when ``name`` is None)."""
    if name is None:
        return df
    sub = book.report.subgroups.get(name)
    if sub is None:
        raise SurveyError(f"{book.title}没有子群体 {name}。", variable=name,
                          fix=f"已定义的子群体：{'、'.join(book.report.subgroups) or '（无）'}。")
    return df[condition_mask(df, sub.when).to_numpy()]


def indicator(df: pd.DataFrame, ind: Indicator, book: Codebook, group: str = "", table: str = "",
              table_title: str = "", order: int = 1) -> pd.DataFrame:
    """One declared indicator's rows."""
    table = table or f"{book.instrument}_indicators"
    table_title = table_title or f"{book.respondent or book.title}主要指标"
    rows = subgroup_rows(df, book, ind.among)
    d = ind.decimals
    common = dict(table=table, table_title=table_title, group=group, variable=ind.name,
                  variable_label=ind.label, category="")
    if ind.kind == "mean":
        x = pd.to_numeric(rows[ind.args[0]], errors="coerce").dropna().astype(float) \
            if ind.args[0] in rows else pd.Series(dtype=float)
        m, lo, hi = mean_ci(x)
        med = float(x.median()) if len(x) else np.nan
        return make_rows(**common, category_label=["平均值", "中位数"], order=[order, order],
                         stat=["mean", "median"], n=len(x), base=len(x), base_label=VALID_BASE,
                         value=[round(m, d), round(med, d)], exact=[m, med],
                         ci_low=[round(lo, d), np.nan], ci_high=[round(hi, d), np.nan],
                         suppressed=len(x) < config.MIN_CELL)
    if ind.kind == "ratio":
        a, b = ind.args
        filled = rows[pd.to_numeric(rows[b], errors="coerce").notna().to_numpy()] if b in rows else rows.iloc[:0]
        num = float(pd.to_numeric(filled[a], errors="coerce").sum()) if a in filled else 0.0
        den = float(pd.to_numeric(filled[b], errors="coerce").sum())
        exact = num / den * 100 if den else np.nan
        return make_rows(**common, category_label="比例", order=[order], stat="ratio", n=int(num),
                         base=int(den), base_label=f"{book.label(b)}合计", value=float(half_up(exact, d)), exact=exact,
                         suppressed=len(filled) < config.MIN_CELL)
    if ind.kind == "share" and ind.of is not None:
        rows = rows[rows[ind.of].notna().to_numpy()] if ind.of in rows else rows.iloc[:0]
    k = int(condition_mask(rows, ind.args[0]).sum())
    base = len(rows)
    if ind.kind == "count":
        hidden = bool(suppression.primary([k], base).any())
        return make_rows(**common, category_label="个数", order=[order], stat="count", n=k, base=base,
                         base_label=_base_label(book, ind), value=k, exact=k, suppressed=hidden)
    exact = k / base * 100 if base else np.nan
    lo, hi = wilson_ci(np.array([k]), base)
    hidden = bool(suppression.distribution([k, base - k], base).any())
    return make_rows(**common, category_label="比例", order=[order], stat="rate", n=k, base=base,
                     base_label=_base_label(book, ind), value=float(half_up(exact, d)) if base else np.nan, exact=exact,
                     ci_low=round(float(lo[0]), d), ci_high=round(float(hi[0]), d), suppressed=hidden)


def _base_label(book: Codebook, ind: Indicator) -> str:
    if ind.among is not None:
        label = book.report.subgroups[ind.among].label
        return f"{label}（回答“{book.label(ind.of)}”）" if ind.of else label
    return f"回答“{book.label(ind.of)}”的{ALL_BASE}" if ind.of else ALL_BASE


def indicator_table(df: pd.DataFrame, book: Codebook, group: str = "", table: str = "",
                    table_title: str = "") -> pd.DataFrame:
    """Every declared subgroup's size and every declared indicator for one group of rows
    (table ``<instrument>_indicators``); no rows when the codebook declares none."""
    table = table or f"{book.instrument}_indicators"
    table_title = table_title or f"{book.respondent or book.title}主要指标"
    spec = book.report
    parts = []
    for order, (name, sub) in enumerate(spec.subgroups.items(), start=1):
        k = int(condition_mask(df, sub.when).sum())
        parts.append(make_rows(table=table, table_title=table_title, group=group, variable=name,
                               variable_label=sub.label, category="", category_label="人数", order=[order],
                               stat="count", n=k, base=len(df), base_label=ALL_BASE, value=k, exact=k,
                               suppressed=bool(suppression.primary([k], len(df)).any())))
    start = len(spec.subgroups) + 1
    parts += [indicator(df, ind, book, group, table, table_title, order)
              for order, ind in enumerate(spec.indicators, start=start)]
    parts += parts_totals(df, book, group, table, table_title, start + len(spec.indicators))
    return pd.concat(parts, ignore_index=True) if parts else make_rows(table=[])


def parts_totals(df: pd.DataFrame, book: Codebook, group: str, table: str, table_title: str,
                 order: int) -> list[pd.DataFrame]:
    """Ratios declared over one denominator (离退休、下岗失业、在职、流动党员 of 党员总数) are parts of a
    whole: their sum, as a 合计 row (``<denominator>_parts``, stat ``ratio``: the parts' sum over the
    denominator, 10914 of 10936 = 99.8%), and how many rows that gave the denominator left a part
    empty (``<denominator>_parts_missing``, stat ``count``), so a table says what its parts do not
    cover instead of letting a reader find the sum short (or over: parts reported inconsistently)."""
    groups: dict[tuple, list] = {}
    for ind in book.report.indicators:
        if ind.kind == "ratio":
            groups.setdefault((ind.among, ind.args[1]), []).append(ind)
    out = []
    for (among, den), inds in groups.items():
        if len(inds) < 2 or den not in df:
            continue
        rows = subgroup_rows(df, book, among)
        filled = rows[pd.to_numeric(rows[den], errors="coerce").notna().to_numpy()]
        nums = [i.args[0] for i in inds if i.args[0] in filled]
        X = filled[nums].apply(pd.to_numeric, errors="coerce")
        total, whole = float(X.sum().sum()), float(pd.to_numeric(filled[den], errors="coerce").sum())
        exact = total / whole * 100 if whole else np.nan
        short = int(X.isna().any(axis=1).sum())
        label = book.label(den)
        small = len(filled) < config.MIN_CELL
        out.append(make_rows(table=table, table_title=table_title, group=group, variable=[f"{den}_parts", f"{den}_parts_missing"],
                             variable_label=[f"以上{len(inds)}项合计占{label}", f"有分项未填写的{_unit_word(book)}"],
                             category="", category_label=["比例", "个数"], order=[order, order + 1],
                             stat=["ratio", "count"], n=[int(total), short], base=[int(whole), len(filled)],
                             base_label=[f"{label}合计", f"填报{label}的{_unit_word(book)}"],
                             value=[float(half_up(exact, 1)) if whole else np.nan, short],
                             exact=[exact, short], suppressed=small))
        order += 2
    return out


def _unit_word(book: Codebook) -> str:
    who = str(book.respondent or book.title)
    return who.split("（")[0]
