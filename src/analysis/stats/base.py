"""Statistics as one tidy table: the only source of every number a chart, sentence or table shows.

Functions take cleaned frames and codebooks and return rows of one long DataFrame (``COLUMNS``):

- ``table`` / ``table_title``: the published table a row belongs to (``worker_composition`` …)
- ``group``: the district, or ``全部区县`` for the pooled comparison
- ``variable`` / ``variable_label``, ``category`` / ``category_label`` / ``order``
- ``stat``: ``share`` (percent of ``base``), ``count``, ``mean``, ``median``, ``top2``, ``total``,
  and ``received`` / ``excluded`` / ``valid`` in the sample-flow table
- ``n`` (respondents in the cell), ``base`` and ``base_label`` (the denominator and its name)
- ``value``: the published value, already rounded (shares to 0.1, the exact share rounded half up,
  :func:`shares`; a variable's shares may then sum to 99.9 or 100.1); ``exact``: unrounded; ``ci_low`` / ``ci_high``: 95%
  interval, rounded like ``value`` (Wilson for shares, t for means)
- ``suppressed``: a cell of fewer than ``MIN_CELL`` respondents, published as "—"

Writers print ``value`` as it is, so a number in a sentence, a bar and a table cell cannot differ.
No I/O here.

This module holds the table's shape and the primitives every statistic is built from (largest-
remainder shares, Wilson and t intervals, row construction, group splits, lookup); it imports no
other statistics module, and every other one builds on it. The families live beside it:
``distributions`` (composition, numbers, rating items), ``suppression``, ``reliability``,
``compare``, ``drivers``, ``indicators``, ``questions``, ``waves``, ``flow``; ``district`` assembles one district's
table from them and ``tableview`` shows any part of it in Chinese. ``analysis.stats`` re-exports the
public functions of all of them.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from analysis.errors import SurveyError
from analysis.spec.codebook import Codebook

COLUMNS = ["table", "table_title", "group", "variable", "variable_label", "category",
           "category_label", "order", "stat", "n", "base", "base_label", "value", "exact",
           "ci_low", "ci_high", "suppressed"]
VALID_BASE = "有效回答"
ALL_BASE = "全部受访者"
SHARE_DECIMALS = 1


# -- building blocks ---------------------------------------------------------------------------------

def largest_remainder(counts: Iterable[int], decimals: int = SHARE_DECIMALS) -> np.ndarray:
    """Percentages of the total rounded so that they sum to exactly 100 (Hamilton's method).

    Each share is floored to ``decimals`` places; the units still missing go to the shares with the
    largest remainders (ties to the earlier category). 63, 309, 122 of 494 → 12.8, 62.5, 24.7,
    where plain rounding gives 12.8, 62.6, 24.7 = 100.1.
    """
    counts = np.asarray(list(counts), dtype=float)
    total = counts.sum()
    if total <= 0:
        return np.full(len(counts), np.nan)
    scale = 10 ** decimals
    raw = counts / total * 100 * scale
    floors = np.floor(raw + 1e-9)
    short = int(round(100 * scale - floors.sum()))
    order = np.argsort(-(raw - floors), kind="stable")
    floors[order[:short]] += 1
    return floors / scale


def half_up(x, decimals: int = SHARE_DECIMALS) -> np.ndarray:
    """Round half up, as a reader rounds by hand: 55.555… → 55.6, 6.25 → 6.3 (``np.round`` rounds
    half to even, 6.25 → 6.2). A tiny tolerance keeps 6.25 stored as 6.2499999 rounding up."""
    scale = 10 ** decimals
    x = np.asarray(x, dtype=float)
    return np.floor(x * scale + 0.5 + 1e-9) / scale


def shares(counts: Iterable[int], decimals: int = SHARE_DECIMALS, rounding: str | None = None) -> np.ndarray:
    """Published percentages of ``counts``: each exact share rounded half up (``config.SHARE_ROUNDING``
    = ``half_up``, the default), or adjusted by :func:`largest_remainder` to sum to 100.0."""
    from analysis import config

    counts = np.asarray(list(counts), dtype=float)
    if (rounding or config.SHARE_ROUNDING) == "largest_remainder":
        return largest_remainder(counts, decimals)
    total = counts.sum()
    if total <= 0:
        return np.full(len(counts), np.nan)
    return half_up(counts / total * 100, decimals)


def wilson_ci(n: np.ndarray, base: int, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for n successes of base, in percent (statsmodels)."""
    if base <= 0:
        nan = np.full(len(np.atleast_1d(n)), np.nan)
        return nan, nan
    lo, hi = proportion_confint(np.asarray(n), base, alpha=alpha, method="wilson")
    return np.asarray(lo) * 100, np.asarray(hi) * 100


def mean_ci(x: pd.Series, alpha: float = 0.05) -> tuple[float, float, float]:
    """Mean and its t interval; NaN interval with fewer than two values."""
    x = pd.to_numeric(x, errors="coerce").dropna().astype(float)
    if len(x) == 0:
        return np.nan, np.nan, np.nan
    m = float(x.mean())
    if len(x) < 2:
        return m, np.nan, np.nan
    half = float(sps.t.ppf(1 - alpha / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return m, m - half, m + half


def make_rows(**cols) -> pd.DataFrame:
    """Rows of the tidy table from columns (scalars are broadcast); columns not given get their
    empty value, so every statistic returns exactly ``COLUMNS``."""
    df = pd.DataFrame(cols)
    for c in COLUMNS:
        if c not in df:
            df[c] = (np.nan if c in ("n", "base", "value", "exact", "ci_low", "ci_high")
                     else False if c == "suppressed" else "")
    df["suppressed"] = df["suppressed"].astype(bool)
    return df[COLUMNS]


# -- tables ------------------------------------------------------------------------------------------

def check_codes(df: pd.DataFrame, variable: str, book: Codebook) -> None:
    """Raise when a choice question's column holds its answer labels or codes written as text
    (``Wave.labelled()``, a hand-made frame) instead of the codes: every count would otherwise
    silently be 0. The unit variable, held as its label, is not checked."""
    if variable not in df or variable == book.role("district"):
        return
    try:
        labels = book.labels(variable)
    except KeyError:
        return
    if not labels:                      # a text variable (street, community …): its answers are the values
        return
    column = df[variable]
    if pd.api.types.is_numeric_dtype(column.dtype) and not isinstance(column.dtype, pd.CategoricalDtype):
        return
    present = pd.unique(column.dropna().astype(object))
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in present):
        return                          # numbers held as objects: they are codes and count as such
    texts = {str(v) for v in present}
    if texts <= set(map(str, labels.values())) | set(map(str, labels)):
        what = "中文标签" if texts & set(labels.values()) else "写成文字的代码"
        raise SurveyError(f"这一列是{what}（如“{sorted(texts)[0]}”），统计函数要的是代码（{'、'.join(map(str, list(labels)[:5]))}）。",
                          variable=variable,
                          fix="用 w.frames[问卷] 的代码数据（不是 w.labelled() 的标签数据），"
                              "或用 analysis.open_wave(…).survey(…) 的方法，它们两种都接受。")
    raise SurveyError(f"这一列的取值（如“{sorted(texts)[0]}”）不是编码手册的代码。", variable=variable,
                      fix="检查数据是否经过 survey prepare 清洗。")


def split_by(df: pd.DataFrame, by: str | None, book: Codebook, group: str):
    """(group name, rows) for the whole frame, or for each level of ``by`` (codebook labels, code order)."""
    if by is None:
        return [(group, df)]
    if by not in df:
        raise SurveyError(f"数据中没有分组变量 {by}。", variable=by, fix="检查变量名（见编码手册）。")
    check_codes(df, by, book)
    try:
        labels = book.labels(by)
    except KeyError:
        labels = {}
    levels = [c for c in labels if (df[by] == c).any()] if labels else \
        sorted(df[by].dropna().astype(str).unique())
    out = []
    for lvl in levels:
        name = labels.get(lvl, str(lvl)) if labels else lvl
        rows = df[df[by] == lvl] if labels else df[df[by].astype(str) == lvl]
        out.append((f"{group}·{name}" if group else str(name), rows))
    return out


def lookup(S: pd.DataFrame, table: str, variable: str, category: str = "", stat: str | None = None,
           group: str | None = None) -> pd.Series:
    """The one row of S a sentence or a cell refers to; KeyError if it is not exactly one."""
    m = (S["table"] == table) & (S["variable"] == variable) & (S["category"] == str(category))
    if stat is not None:
        m &= S["stat"] == stat
    if group is not None:
        m &= S["group"] == group
    hit = S[m]
    if len(hit) != 1:
        raise KeyError(f"{table}/{variable}/{category}/{stat}/{group}: {len(hit)} rows")
    return hit.iloc[0]
