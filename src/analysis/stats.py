"""Statistics as one tidy table: the only source of every number a chart, sentence or table shows.

Functions take cleaned frames and codebooks and return rows of one long DataFrame (``COLUMNS``):

- ``table`` / ``table_title``: the published table a row belongs to (``worker_composition`` …)
- ``group``: the district, or ``全部区县`` for the pooled comparison
- ``variable`` / ``variable_label``, ``category`` / ``category_label`` / ``order``
- ``stat``: ``share`` (percent of ``base``), ``count``, ``mean``, ``median``, ``top2``, ``total``,
  and ``received`` / ``excluded`` / ``valid`` in the sample-flow table
- ``n`` (respondents in the cell), ``base`` and ``base_label`` (the denominator and its name)
- ``value``: the published value, already rounded (shares to 0.1 by largest remainder, so a
  variable's shares sum to exactly 100.0); ``exact``: unrounded; ``ci_low`` / ``ci_high``: 95%
  interval, rounded like ``value`` (Wilson for shares, t for means)
- ``suppressed``: a cell of fewer than ``MIN_CELL`` respondents, published as "—"

Writers print ``value`` as it is, so a number in a sentence, a bar and a table cell cannot differ.
No I/O here.

This module is the public entry; the statistics live in small siblings and are re-exported here
(``stats.crosstab`` …): :mod:`analysis.suppression` (small cells, the policy and its reasoning),
:mod:`analysis.reliability` (satisfaction index, Cronbach's α, item–total statistics),
:mod:`analysis.compare` (chi-square, Cramér's V, Mann–Whitney / Kruskal–Wallis, ordinal logit,
Holm correction, district vs rest, residents vs workers), :mod:`analysis.drivers` (key drivers),
:mod:`analysis.community` (party-organisation type, coverage, members by kind) and
:mod:`analysis.waves` (change against an earlier wave). Further ``stat`` values they add: ``rate``,
``member_share``, ``alpha``, ``item_total_r``, ``alpha_if_deleted``, ``chi2``, ``df``, ``p``,
``p_adj``, ``cramers_v``, ``u``, ``h``, ``odds_ratio``, ``diff``, ``beta``, ``r``, ``rank``,
``warning``, ``before`` / ``now`` / ``change``. :func:`view` shows any of them in Chinese.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from . import config, suppression
from .clean import RULE_LABELS
from .codebook import Codebook
from .errors import SurveyError
from .pipeline import Wave

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


def _rows(**cols) -> pd.DataFrame:
    df = pd.DataFrame(cols)
    for c in COLUMNS:
        if c not in df:
            df[c] = (np.nan if c in ("n", "base", "value", "exact", "ci_low", "ci_high")
                     else False if c == "suppressed" else "")
    df["suppressed"] = df["suppressed"].astype(bool)
    return df[COLUMNS]


# -- tables ------------------------------------------------------------------------------------------

def _groups(df: pd.DataFrame, by: str | None, book: Codebook, group: str):
    """(group name, rows) for the whole frame, or for each level of ``by`` (codebook labels, code order)."""
    if by is None:
        return [(group, df)]
    if by not in df:
        raise SurveyError(f"数据中没有分组变量 {by}。", variable=by, fix="检查变量名（见编码手册）。")
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


def composition(df: pd.DataFrame, variable: str, book: Codebook, group: str = "", table: str = "",
                table_title: str = "", min_cell: int = config.MIN_CELL, *, base: str = "valid",
                by: str | None = None,
                exempt_base: int | None = config.SUPPRESSION_EXEMPT_BASE) -> pd.DataFrame:
    """Counts, shares (largest remainder, sum 100.0) and Wilson intervals of every category of a
    variable, for the whole frame or for each level of ``by`` (street, post, employment …).

    ``base="valid"`` takes the valid answers as the denominator (有效回答); ``base="all"`` takes
    every respondent and adds a 未回答 row, so the shares still sum to 100. Cells are suppressed by
    the policy of :mod:`analysis.suppression`.
    ``stats.composition(df, "edu", book, by="street")`` is the one-line notebook call.
    """
    if base not in ("valid", "all"):
        raise SurveyError(f"base 只能是 valid 或 all，不是 {base}。", variable=variable,
                          fix="valid = 以有效回答为基数；all = 以全部受访者为基数。")
    if variable not in df:
        raise SurveyError(f"数据中没有变量 {variable}。", variable=variable, fix="检查变量名（见编码手册）。")
    if by is not None:
        return pd.concat([composition(rows, variable, book, name, table, table_title, min_cell,
                                      base=base, exempt_base=exempt_base)
                          for name, rows in _groups(df, by, book, group)], ignore_index=True)
    table = table or f"{book.instrument}_composition"
    table_title = table_title or f"{book.respondent or book.title}基本构成"
    labels = dict(book.labels(variable))
    counts = df[variable].value_counts().reindex(list(labels), fill_value=0).astype(int)
    if base == "all":
        labels["missing"] = "未回答"
        counts = pd.concat([counts, pd.Series({"missing": int(df[variable].isna().sum())})])
    total = int(counts.sum())
    n = counts.to_numpy()
    pct = largest_remainder(n)
    exact = n / total * 100 if total else np.full(len(n), np.nan)
    lo, hi = wilson_ci(n, total)
    hidden = suppression.distribution(n, total, min_cell, exempt_base)
    return _rows(table=table, table_title=table_title, group=group, variable=variable,
                 variable_label=book.label(variable), category=[str(c) for c in labels],
                 category_label=list(labels.values()), order=np.arange(1, len(labels) + 1),
                 stat="share", n=n, base=total, base_label=VALID_BASE if base == "valid" else ALL_BASE,
                 value=pct, exact=exact, ci_low=np.round(lo, SHARE_DECIMALS),
                 ci_high=np.round(hi, SHARE_DECIMALS), suppressed=hidden)


def numeric_summary(df: pd.DataFrame, variable: str, book: Codebook, group: str = "", table: str = "",
                    table_title: str = "", decimals: int = 1, *, category: str = "",
                    category_label: str = "") -> pd.DataFrame:
    """Mean (with t interval) and median of a number over its valid answers."""
    table = table or f"{book.instrument}_age"
    table_title = table_title or f"{book.respondent or book.title}{book.label(variable)}"
    x = pd.to_numeric(df[variable], errors="coerce").dropna()
    m, lo, hi = mean_ci(x)
    med = float(x.median()) if len(x) else np.nan
    return _rows(table=table, table_title=table_title, group=group, variable=variable,
                 variable_label=book.label(variable), category=category, category_label=category_label,
                 order=[1, 2], stat=["mean", "median"], n=len(x), base=len(x), base_label=VALID_BASE,
                 value=[round(m, decimals), round(med, decimals)], exact=[m, med],
                 ci_low=[round(lo, decimals), np.nan], ci_high=[round(hi, decimals), np.nan],
                 suppressed=len(x) < config.MIN_CELL)


def subgroup_mask(df: pd.DataFrame, condition: str) -> pd.Series:
    """Rows meeting a condition on codes such as ``post == 2 or one_shoulder == 1`` (missing = no)."""
    try:
        hit = df.eval(condition.replace(" or ", " | ").replace(" and ", " & "))
    except Exception as e:   # pandas raises several types for a bad expression
        raise SurveyError(f"分组条件“{condition}”无法计算：{e}", variable=condition,
                          fix="条件写成 变量 == 代码，可用 or / and 连接（见 config.SUBGROUPS）。") from None
    return pd.Series(hit, index=df.index).astype("boolean").fillna(False).astype(bool)


def subgroup_summary(df: pd.DataFrame, variable: str, book: Codebook, group: str = "",
                     subgroups: dict[str, tuple[str, str]] | None = None, table: str = "",
                     table_title: str = "", decimals: int = 1) -> pd.DataFrame:
    """Mean and median of a number for each subgroup (secretaries' and directors' mean age)."""
    subgroups = config.SUBGROUPS.get(book.instrument, {}) if subgroups is None else subgroups
    table = table or f"{book.instrument}_leaders"
    table_title = table_title or f"{book.respondent or book.title}中的负责人"
    parts = [numeric_summary(df[subgroup_mask(df, cond)], variable, book, group, table, table_title,
                             decimals, category=name, category_label=label)
             for name, (label, cond) in subgroups.items()]
    out = pd.concat(parts, ignore_index=True) if parts else _rows(table=[])
    out["order"] = np.arange(1, len(out) + 1)
    return out


def likert(df: pd.DataFrame, item: str, book: Codebook, group: str = "", table: str = "",
           table_title: str = "", *, by: str | None = None,
           exempt_base: int | None = config.SUPPRESSION_EXEMPT_BASE) -> pd.DataFrame:
    """A rating item: share of each answer (best first), mean score 1–5 with t interval, top-two-box
    share with Wilson interval, and the net share (``stat="net"``: top box minus the as many lowest
    answers, 满意率 − 不满意率, in points, what a diverging chart sorts by); for the whole frame or
    each level of ``by``."""
    if by is not None:
        return pd.concat([likert(rows, item, book, name, table, table_title, exempt_base=exempt_base)
                          for name, rows in _groups(df, by, book, group)], ignore_index=True)
    table = table or f"{book.instrument}_satisfaction"
    table_title = table_title or f"{book.respondent or book.title}满意度评价"
    var = book.variables[item]
    order = sorted(var.values, reverse=True)
    shares = composition(df, item, book, group, table, table_title, exempt_base=exempt_base)
    shares = shares.set_index(shares["category"].astype(int)).loc[order].reset_index(drop=True)
    shares["order"] = np.arange(1, len(order) + 1)
    base = int(shares["base"].iloc[0])
    m, lo, hi = mean_ci(df[item])
    top_n = int(df[item].isin(var.top_box).sum())
    tlo, thi = wilson_ci(np.array([top_n]), base)
    top_label = "＋".join(var.values[c] for c in var.top_box)
    bottom_box = sorted(var.values)[:len(var.top_box)]          # 不太满意, 很不满意
    bottom_n = int(df[item].isin(bottom_box).sum())
    net = (top_n - bottom_n) / base * 100 if base else np.nan
    hidden = shares["suppressed"].to_numpy()
    hide_mean, hide_top = suppression.summaries(order, hidden, var.top_box)
    hide_bottom = suppression.summaries(order, hidden, bottom_box)[1]
    small = base < config.MIN_CELL
    summary = _rows(table=table, table_title=table_title, group=group, variable=item,
                    variable_label=var.label, category=["", "top2", "net"],
                    category_label=["平均分", top_label, "净满意度（满意率－不满意率）"],
                    order=[len(order) + 1, len(order) + 2, len(order) + 3], stat=["mean", "top2", "net"],
                    n=[base, top_n, base], base=base, base_label=VALID_BASE,
                    value=[round(m, 2), round(top_n / base * 100, SHARE_DECIMALS) if base else np.nan,
                           round(net, SHARE_DECIMALS)],
                    exact=[m, top_n / base * 100 if base else np.nan, net],
                    ci_low=[round(lo, 2), round(float(tlo[0]), SHARE_DECIMALS), np.nan],
                    ci_high=[round(hi, 2), round(float(thi[0]), SHARE_DECIMALS), np.nan],
                    suppressed=[small or hide_mean, small or hide_top, small or hide_top or hide_bottom])
    return pd.concat([shares, summary], ignore_index=True)


def flow_table(flow: pd.DataFrame, books: dict[str, Codebook], district: str) -> pd.DataFrame:
    """The sample flow of one district: received, excluded by rule, valid, per questionnaire."""
    parts = []
    for _, r in flow[flow["district"] == district].iterrows():
        book = books[r["instrument"]]
        rules = [c.removeprefix("excluded_") for c in flow.columns
                 if c.startswith("excluded_") and r[c] > 0]
        cats = ["received", *[f"excluded:{x}" for x in rules], "valid"]
        labels = ["收到答卷", *[f"剔除：{RULE_LABELS[x]}" for x in rules], "有效答卷"]
        values = [r["received"], *[r[f"excluded_{x}"] for x in rules], r["valid"]]
        parts.append(_rows(table="flow", table_title="样本流向", group=district,
                           variable=r["instrument"], variable_label=book.title, category=cats,
                           category_label=labels, order=np.arange(1, len(cats) + 1),
                           stat=[c.split(":")[0] for c in cats], n=values, base=int(r["received"]),
                           base_label="收到答卷", value=values, exact=values))
    return pd.concat(parts, ignore_index=True) if parts else _rows(table=[])


def sheet_totals(df: pd.DataFrame, book: Codebook, group: str) -> pd.DataFrame:
    """Sums of the number columns of a statistics sheet (households, residents, members …)."""
    nums = [v for v in book.variables.values() if v.type == "number" and v.name in df]
    if not nums:
        return _rows(table=[])
    totals = [float(pd.to_numeric(df[v.name], errors="coerce").sum()) for v in nums]
    answered = [int(df[v.name].notna().sum()) for v in nums]
    return _rows(table=f"{book.instrument}_totals", table_title=f"{book.title}合计", group=group,
                 variable=[v.name for v in nums], variable_label=[v.label for v in nums],
                 category="", category_label=[v.unit for v in nums],
                 order=np.arange(1, len(nums) + 1), stat="total", n=answered, base=len(df),
                 base_label="填报社区数", value=totals, exact=totals)


# -- one district ------------------------------------------------------------------------------------

def instrument_tables(df: pd.DataFrame, book: Codebook, group: str) -> list[pd.DataFrame]:
    """Composition, age and satisfaction tables of one questionnaire for one group of respondents."""
    who = book.respondent or book.title
    parts = [composition(df, v, book, group, f"{book.instrument}_composition", f"{who}基本构成")
             for v in book.report.get("composition", ())]
    ages = [v.name for v in book.variables.values() if v.type == "age" and v.name in df]
    parts += [numeric_summary(df, v, book, group, f"{book.instrument}_age", f"{who}年龄") for v in ages]
    parts += [likert(df, item, book, group, f"{book.instrument}_satisfaction", f"{who}满意度评价")
              for item in book.report.get("satisfaction", ())]
    if any(v.type == "number" for v in book.variables.values()) and book.instrument == "community":
        parts.append(sheet_totals(df, book, group))
    return parts


def group_tables(rows: pd.DataFrame, book: Codebook, group: str) -> list[pd.DataFrame]:
    """One group's descriptive tables of one questionnaire: composition, ages (with the leaders'
    subgroup means and 一肩挑), satisfaction, its index and reliability, the community sheet."""
    from . import community, compare, reliability

    instrument = book.instrument
    parts = instrument_tables(rows, book, group)
    if instrument in config.SUBGROUPS and "age" in rows:
        parts.append(subgroup_summary(rows, "age", book, group))
        if "one_shoulder" in rows:
            parts.append(composition(rows, "one_shoulder", book, group, f"{instrument}_leaders",
                                     f"{book.respondent or book.title}中的负责人"))
        if {"gender", "age_band"} <= set(rows):         # the age pyramid's rows (groups 桥东区·男 …)
            parts.append(compare.crosstab(rows, "gender", "age_band", book, group, f"{instrument}_gender_age",
                                          f"{book.respondent or book.title}性别与年龄结构"))
    if len(reliability.index_items(book)) >= 2:
        parts.append(reliability.satisfaction_index(rows, book, group))
    if instrument == "community":
        parts.append(community.community_tables(rows, book, group))
    return parts


# The pooled group's tables are the same in every district's report of a wave. A warm kernel makes
# many reports in turn, so they are kept per process, keyed by the frame's content hash (a tenth of
# the cost of the tables for a national wave) and checked against the codebook they were made with:
# a frame filtered or edited in a notebook, or a changed codebook, gets its own tables.
_POOLED: dict[tuple, tuple[Codebook, list[pd.DataFrame]]] = {}


def pooled_tables(df: pd.DataFrame, book: Codebook) -> list[pd.DataFrame]:
    """``group_tables`` of every respondent of the wave (``config.POOLED_GROUP``), computed once per
    process for the same rows and codebook. The frames returned are shared: concatenate, never
    change them."""
    key = (book.instrument, int(pd.util.hash_pandas_object(df, index=False).sum()))
    hit = _POOLED.get(key)
    if hit is not None and hit[0] == book:
        return list(hit[1])
    parts = group_tables(df, book, config.POOLED_GROUP)
    if len(_POOLED) >= 8:
        _POOLED.pop(next(iter(_POOLED)))
    _POOLED[key] = (book, parts)
    return list(parts)


def district_stats(wave: Wave, district: str) -> pd.DataFrame:
    """Every published number of one district's report, with the pooled comparison group: sample
    flow, composition, ages (with the leaders' subgroup means and 一肩挑), satisfaction with its
    index and reliability, key drivers, the district against the rest, residents against workers,
    and the community sheet."""
    from . import compare, drivers

    if district not in wave.districts:
        raise SurveyError(f"数据中没有区县“{district}”。", variable="district",
                          fix=f"可选的区县：{'、'.join(wave.districts)}。")
    parts = [flow_table(wave.flow, wave.codebooks, district)]
    mine_of: dict[str, pd.DataFrame] = {}
    for instrument, df in wave.frames.items():
        book = wave.codebooks[instrument]
        dvar = book.role("district")
        mine = df[df[dvar] == district]
        mine_of[instrument] = mine
        if not len(mine):
            continue
        parts += group_tables(mine, book, district)
        parts += pooled_tables(df, book)
        if instrument in config.OVERALL_ITEM:
            try:
                parts.append(drivers.key_drivers(mine, book, district))
            except SurveyError:
                pass                                   # too few complete answers: the report says nothing
        if book.report.get("satisfaction") and (df[dvar] != district).any():
            parts.append(compare.district_vs_rest(df, book, district))
    if len(mine_of.get("resident", ())) and len(mine_of.get("worker", ())):
        parts.append(compare.residents_vs_workers(mine_of["resident"], mine_of["worker"],
                                                  wave.codebooks["resident"], wave.codebooks["worker"],
                                                  district))
    S = pd.concat([p for p in parts if len(p)], ignore_index=True)
    S["n"] = S["n"].astype("Int64")
    S["base"] = S["base"].astype("Int64")
    return S


STAT_LABELS = {"share": "占比（%）", "top2": "满意率（%）", "rate": "建成率（%）", "member_share": "占党员总数（%）",
               "mean": "平均值", "median": "中位数", "count": "数量", "total": "合计", "alpha": "α系数",
               "item_total_r": "校正的项目与总分相关", "alpha_if_deleted": "删除该题后的α系数",
               "before": "上一轮", "now": "本轮", "change": "变化", "net": "净满意度（百分点）"}


def view(S: pd.DataFrame, table: str, group: str, empty_ok: bool = False) -> pd.DataFrame:
    """Any stats table as a readable Chinese frame for a notebook: one row per published figure with
    its count, base and interval; suppressed cells as “—”. ``stats.view(S, "worker_leaders", "桥东区")``."""
    rows = S[(S["table"] == table) & (S["group"] == group)].sort_values(["order"], kind="stable")
    if rows.empty and empty_ok:
        return pd.DataFrame(columns=["指标", "类别", "统计量", "数值", "95%置信区间", "人数", "基数"])
    if rows.empty:
        raise SurveyError(f"统计结果中没有表 {table}（{group}）。", fix="检查表名和区县名，表名见 S['table'].unique()。")
    dash = suppression.DASH

    def cell(r, v):
        return dash if r["suppressed"] else ("" if pd.isna(v) else v)

    return pd.DataFrame({
        "指标": rows["variable_label"].to_numpy(),
        "类别": rows["category_label"].to_numpy(),
        "统计量": [STAT_LABELS.get(s, s) for s in rows["stat"]],
        "数值": [cell(r, r["value"]) for _, r in rows.iterrows()],
        "95%置信区间": ["" if r["suppressed"] or pd.isna(r["ci_low"]) else f"{r['ci_low']}～{r['ci_high']}"
                     for _, r in rows.iterrows()],
        "人数": [cell(r, r["n"]) for _, r in rows.iterrows()],
        "基数": [f"{b}（{lab}）" if not pd.isna(b) else "" for b, lab in zip(rows["base"], rows["base_label"])],
    })


def by_district(wave: Wave, instrument: str, variable: str) -> pd.DataFrame:
    """One variable for every district side by side (and the pooled group), as stats rows:
    a rating item gives its distribution, mean and top-two share; a choice its composition.
    No rows when the wave has no valid questionnaire of that kind."""
    if instrument not in wave.frames:
        return _rows(table=[])
    book = wave.codebooks[instrument]
    df = wave.frames[instrument]
    dvar = book.role("district")
    is_item = variable in book.variables and book.variables[variable].scale
    table = f"{instrument}_{'satisfaction' if is_item else 'composition'}"
    title = f"{book.respondent or book.title}{'满意度评价' if is_item else '基本构成'}"
    make = likert if is_item else composition
    key = ("by_district", book.instrument, variable, int(pd.util.hash_pandas_object(df, index=False).sum()))
    hit = _POOLED.get(key)
    if hit is not None and hit[0] == book:          # every district's report draws the same chart
        return hit[1][0].copy()
    groups = [(str(d), g) for d, g in df[df[dvar].notna()].groupby(dvar, sort=True)]  # one pass, not one per district
    groups.append((config.POOLED_GROUP, df))
    out = pd.concat([make(g, variable, book, name, table, title) for name, g in groups], ignore_index=True)
    if len(_POOLED) >= 8:
        _POOLED.pop(next(iter(_POOLED)))
    _POOLED[key] = (book, [out])
    return out.copy()


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


_ELSEWHERE = {"crosstab": "compare", "chi_square": "compare", "subgroup_tests": "compare",
              "district_vs_rest": "compare", "residents_vs_workers": "compare", "ordinal_logit": "compare",
              "compare_items": "compare", "adjust": "compare", "rank_test": "compare",
              "satisfaction_index": "reliability", "cronbach_alpha": "reliability",
              "item_analysis": "reliability", "key_drivers": "drivers", "community_tables": "community",
              "org_type_from_members": "community", "coverage": "community", "wave_change": "waves",
              "published": "suppression"}


def __getattr__(name: str):
    """``stats.crosstab`` … : the public entry re-exports the functions of its sibling modules."""
    if name in _ELSEWHERE:
        import importlib
        return getattr(importlib.import_module(f".{_ELSEWHERE[name]}", __package__), name)
    raise AttributeError(name)
