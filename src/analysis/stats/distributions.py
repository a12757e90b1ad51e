"""Distributions as tidy rows: a choice question's composition (counts, shares rounded half up,
Wilson intervals), a number's mean and median, subgroup means, a rating item (shares, mean,
top-two box, net share) and a statistics sheet's column totals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import SurveyError
from analysis.spec.codebook import Codebook
from analysis.stats import suppression
from analysis.stats.base import (
    ALL_BASE,
    SHARE_DECIMALS,
    VALID_BASE,
    check_codes,
    half_up,
    make_rows,
    mean_ci,
    split_by,
    wilson_ci,
)
from analysis.stats.base import shares as share_values


def composition(df: pd.DataFrame, variable: str, book: Codebook, group: str = "", table: str = "",
                table_title: str = "", min_cell: int = config.MIN_CELL, *, base: str = "valid",
                by: str | None = None,
                exempt_base: int | None = config.SUPPRESSION_EXEMPT_BASE) -> pd.DataFrame:
    """Counts, shares (rounded half up, :func:`analysis.stats.base.shares`) and Wilson intervals of every category of a
    variable, for the whole frame or for each level of ``by`` (any single-choice or derived variable).

    ``base="valid"`` takes the valid answers as the denominator (有效回答); ``base="all"`` takes
    every respondent and adds a 未回答 row, so the shares still sum to 100. Cells are suppressed by
    the policy of :mod:`analysis.stats.suppression`.
    ``stats.composition(df, variable, book, by=other_variable)`` is the one-line notebook call.
    """
    if base not in ("valid", "all"):
        raise SurveyError(f"base 只能是 valid 或 all，不是 {base}。", variable=variable,
                          fix="valid = 以有效回答为基数；all = 以全部受访者为基数。")
    if variable not in df:
        raise SurveyError(f"数据中没有变量 {variable}。", variable=variable, fix="检查变量名（见编码手册）。")
    check_codes(df, variable, book)
    if by is not None:
        return pd.concat([composition(rows, variable, book, name, table, table_title, min_cell,
                                      base=base, exempt_base=exempt_base)
                          for name, rows in split_by(df, by, book, group)], ignore_index=True)
    table = table or f"{book.instrument}_composition"
    table_title = table_title or f"{book.respondent or book.title}基本构成"
    labels = dict(book.labels(variable))
    counts = df[variable].value_counts().reindex(list(labels), fill_value=0).astype(int)
    if base == "all":
        labels["missing"] = "未回答"
        counts = pd.concat([counts, pd.Series({"missing": int(df[variable].isna().sum())})])
    total = int(counts.sum())
    n = counts.to_numpy()
    pct = share_values(n)
    exact = n / total * 100 if total else np.full(len(n), np.nan)
    lo, hi = wilson_ci(n, total)
    hidden = suppression.distribution(n, total, min_cell, exempt_base)
    return make_rows(table=table, table_title=table_title, group=group, variable=variable,
                     variable_label=book.label(variable), category=[str(c) for c in labels],
                     category_label=list(labels.values()), order=np.arange(1, len(labels) + 1),
                     stat="share", n=n, base=total, base_label=VALID_BASE if base == "valid" else ALL_BASE,
                     value=pct, exact=exact, ci_low=np.round(lo, SHARE_DECIMALS),
                     ci_high=np.round(hi, SHARE_DECIMALS), suppressed=hidden)


def cumulative(shares: pd.DataFrame) -> pd.DataFrame:
    """累计百分比 rows (``stat="cum_share"``) of a ``composition`` over valid answers, in its order:
    the running sum of the published shares (so the last is exactly 100.0) and of the exact ones.
    From the first suppressed share on every running sum is suppressed too: two neighbouring sums
    would give the hidden share back."""
    rows = shares[shares["stat"] == "share"].sort_values("order", kind="stable")
    out = rows.copy()
    out["stat"] = "cum_share"
    out["suppressed"] = np.maximum.accumulate(rows["suppressed"].to_numpy(dtype=bool)) if len(rows) else False
    out["value"] = np.round(rows["value"].cumsum().to_numpy(dtype=float), SHARE_DECIMALS)
    out["exact"] = rows["exact"].cumsum().to_numpy(dtype=float)
    out["n"] = rows["n"].cumsum().to_numpy()
    out[["ci_low", "ci_high"]] = np.nan
    return out.reset_index(drop=True)


def numeric_summary(df: pd.DataFrame, variable: str, book: Codebook, group: str = "", table: str = "",
                    table_title: str = "", decimals: int = 1, *, category: str = "",
                    category_label: str = "") -> pd.DataFrame:
    """Mean (with t interval) and median of a number over its valid answers."""
    table = table or f"{book.instrument}_age"
    table_title = table_title or f"{book.respondent or book.title}{book.label(variable)}"
    x = pd.to_numeric(df[variable], errors="coerce").dropna()
    m, lo, hi = mean_ci(x)
    med = float(x.median()) if len(x) else np.nan
    return make_rows(table=table, table_title=table_title, group=group, variable=variable,
                     variable_label=book.label(variable), category=category, category_label=category_label,
                     order=[1, 2], stat=["mean", "median"], n=len(x), base=len(x), base_label=VALID_BASE,
                     value=[round(m, decimals), round(med, decimals)], exact=[m, med],
                     ci_low=[round(lo, decimals), np.nan], ci_high=[round(hi, decimals), np.nan],
                     suppressed=len(x) < config.MIN_CELL)


def subgroup_mask(df: pd.DataFrame, condition: str) -> pd.Series:
    """Rows meeting a condition on codes such as ``a == 2 or b == 1`` (missing = no); the codebook's
    ``report.subgroups`` are written this way (:func:`analysis.stats.indicators.condition_mask`)."""
    from analysis.stats.indicators import condition_mask

    return condition_mask(df, condition)


def likert(df: pd.DataFrame, item: str, book: Codebook, group: str = "", table: str = "",
           table_title: str = "", *, by: str | None = None,
           exempt_base: int | None = config.SUPPRESSION_EXEMPT_BASE) -> pd.DataFrame:
    """A rating item on a scale of any number of points: share of each answer (best first), mean
    score (the codes) with t interval, top-box share (the scale's ``top_box``) with Wilson interval,
    and the net share (``stat="net"``: top box minus as many lowest answers, 满意率 − 不满意率, in
    points, what a diverging chart sorts by); for the whole frame or each level of ``by``."""
    if by is not None:
        return pd.concat([likert(rows, item, book, name, table, table_title, exempt_base=exempt_base)
                          for name, rows in split_by(df, by, book, group)], ignore_index=True)
    table = table or f"{book.instrument}_satisfaction"
    table_title = table_title or f"{book.respondent or book.title}满意度评价"
    var = book.variables.get(item)
    if var is None or not var.scale:
        raise SurveyError("不是量表题（编码手册中没有 scale），不能算平均分和满意率。", variable=item,
                          fix="名义变量（政治面貌、职务……）用频数分布 composition；量表题在编码手册中写 scale:。")
    order = sorted(var.values, reverse=True)
    shares = composition(df, item, book, group, table, table_title, exempt_base=exempt_base)
    shares = shares.set_index(shares["category"].astype(int)).loc[order].reset_index(drop=True)
    shares["order"] = np.arange(1, len(order) + 1)
    base = int(shares["base"].iloc[0])
    m, lo, hi = mean_ci(df[item])
    top_n = int(df[item].isin(var.top_box).sum())
    tlo, thi = wilson_ci(np.array([top_n]), base)
    top_label = "＋".join(var.values[c] for c in var.top_box)
    bottom_box = sorted(var.values)[:len(var.top_box)]          # as many lowest answers as the top box has
    bottom_n = int(df[item].isin(bottom_box).sum())
    net = (top_n - bottom_n) / base * 100 if base else np.nan
    hidden = shares["suppressed"].to_numpy()
    hide_mean, hide_top = suppression.summaries(order, hidden, var.top_box)
    hide_bottom = suppression.summaries(order, hidden, bottom_box)[1]
    small = base < config.MIN_CELL
    summary = make_rows(table=table, table_title=table_title, group=group, variable=item,
                        variable_label=var.label, category=["", "top2", "net"],
                        category_label=["平均分", top_label, "净满意度（满意率－不满意率）"],
                        order=[len(order) + 1, len(order) + 2, len(order) + 3], stat=["mean", "top2", "net"],
                        n=[base, top_n, base], base=base, base_label=VALID_BASE,
                        value=[round(m, 2), float(half_up(top_n / base * 100)) if base else np.nan,
                               float(half_up(net)) if base else np.nan],
                        exact=[m, top_n / base * 100 if base else np.nan, net],
                        ci_low=[round(lo, 2), round(float(tlo[0]), SHARE_DECIMALS), np.nan],
                        ci_high=[round(hi, 2), round(float(thi[0]), SHARE_DECIMALS), np.nan],
                        suppressed=[small or hide_mean, small or hide_top, small or hide_top or hide_bottom])
    return pd.concat([shares, summary], ignore_index=True)


def sheet_totals(df: pd.DataFrame, book: Codebook, group: str) -> pd.DataFrame:
    """Sums of the number columns of a statistics sheet (one row per organisation)."""
    nums = [v for v in book.variables.values() if v.type == "number" and v.name in df]
    if not nums:
        return make_rows(table=[])
    totals = [float(pd.to_numeric(df[v.name], errors="coerce").sum()) for v in nums]
    answered = [int(df[v.name].notna().sum()) for v in nums]
    return make_rows(table=f"{book.instrument}_totals", table_title=f"{book.title}合计", group=group,
                     variable=[v.name for v in nums], variable_label=[v.label for v in nums],
                     category="", category_label=[v.unit for v in nums],
                     order=np.arange(1, len(nums) + 1), stat="total", n=answered, base=len(df),
                     base_label="填报数", value=totals, exact=totals)
