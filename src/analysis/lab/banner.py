"""Banner tables (the tab book of SPSS Custom Tables, Q or Displayr): questions down, the categories
of a breakdown across with a 合计 column, column percents with their bases, and significance
letters.

Each column of a breakdown gets a letter (A, B, …). In a cell, a letter names the columns whose
figure this one is significantly higher than (α = 0.05, two-sided):

- shares: the two-proportion z test with the pooled proportion (SPSS “compare column proportions”);
- means of a rating item: Welch's t test of the two columns (unequal variances);
- Bonferroni within a row: each p is multiplied by the number of pairs of columns compared in that
  row; no test where a column has fewer than two respondents or both shares are 0 or 100%.

Weighted (``r.weighted().banner(…)``): shares and means use the weights; the tests use each
column's effective base (Kish, (Σw)²/Σw²) in place of its count.
"""

from __future__ import annotations

import string
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis import config
from analysis.errors import SurveyError
from analysis.lab import names
from analysis.lab.results import Result, fmt
from analysis.stats.base import SHARE_DECIMALS, largest_remainder, make_rows
from analysis.weighting.design import effective_n

TOTAL = "合计"


def z_test(p1: float, n1: float, p2: float, n2: float) -> float:
    """Two-sided p of the pooled two-proportion z test (shares as fractions); NaN where undefined."""
    if n1 < 2 or n2 < 2:
        return np.nan
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    if pooled <= 0 or pooled >= 1:
        return np.nan
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return float(2 * sps.norm.sf(abs(z)))


def welch_test(m1: float, v1: float, n1: float, m2: float, v2: float, n2: float) -> float:
    """Two-sided p of Welch's t test from means, variances (divisor n − 1) and (effective) bases."""
    if n1 < 2 or n2 < 2:
        return np.nan
    se2 = v1 / n1 + v2 / n2
    if se2 <= 0:
        return np.nan
    t = (m1 - m2) / np.sqrt(se2)
    df = se2 ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    return float(2 * sps.t.sf(abs(t), df))


def letters(values: list[float], pvalues: dict[tuple[int, int], float], alpha: float = config.ALPHA) -> list[str]:
    """Per column the letters of the columns it is significantly above, Bonferroni over the pairs tested."""
    tested = {k: p for k, p in pvalues.items() if pd.notna(p)}
    m = len(tested)
    out = [""] * len(values)
    for (i, j), p in sorted(tested.items()):
        if min(1.0, p * m) < alpha:
            hi, lo = (i, j) if values[i] > values[j] else (j, i)
            out[hi] += string.ascii_uppercase[lo]
    return ["".join(sorted(x)) for x in out]


def _columns(s, by: str) -> list[tuple[str, np.ndarray]]:
    data = s.data
    inside = s.domain
    if by == s.book.role("district") or names.kind(s.book, by) == "text":
        levels = sorted(map(str, pd.unique(data.loc[inside, by].dropna())))
        return [(lv, inside & (data[by].astype("string") == lv).fillna(False).to_numpy(dtype=bool)) for lv in levels]
    return [(lab, inside & (data[by] == c).fillna(False).to_numpy(dtype=bool))
            for c, lab in s.book.labels(by).items() if (inside & (data[by] == c).fillna(False).to_numpy(dtype=bool)).any()]


def _cell_stats(y: pd.Series, w: np.ndarray, mask: np.ndarray, codes: list) -> dict:
    ok = mask & y.notna().to_numpy()
    ww = w[ok]
    vals = y[ok].astype(float).to_numpy()
    n = int(ok.sum())
    if n == 0 or ww.sum() <= 0:
        return {"n": 0, "neff": 0.0, "counts": np.zeros(len(codes), dtype=int), "shares": np.full(len(codes), np.nan),
                "mean": np.nan, "var": np.nan}
    shares = np.array([ww[vals == c].sum() for c in codes]) / ww.sum()
    counts = np.array([int((vals == c).sum()) for c in codes])
    mean = float(np.sum(ww * vals) / ww.sum())
    var = float(np.sum(ww * (vals - mean) ** 2) / ww.sum() * n / (n - 1)) if n > 1 else np.nan
    return {"n": n, "neff": effective_n(ww) if len(np.unique(ww)) > 1 else float(n), "counts": counts,
            "shares": shares, "mean": mean, "var": var}


def one_banner(s, rows: list[str], by: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    book = s.book
    cols = [(TOTAL, s.domain.copy()), *_columns(s, by)]
    if len(cols) < 3:
        raise SurveyError(f"“{book.label(by)}”在这些受访者中不足两类，不能做横向比较。", variable=by,
                          fix="换一个分组变量。")
    w = s._design.weights if s._design is not None and s.is_weighted else np.ones(len(s.data))
    heads = [TOTAL] + [f"{string.ascii_uppercase[i]} {lab}" for i, (lab, _) in enumerate(cols[1:])]
    table_id = f"{book.instrument}_banner_{by}"
    title = f"按{book.label(by)}的交叉汇总表"
    tidy, display = [], []
    for var in rows:
        names.require(book, var, ("single", "derived", "rating"), "交叉汇总表的行", "多选题用 .multi。")
        labels = book.labels(var)
        codes = list(labels)
        cells = [_cell_stats(s.data[var], w, m, codes) for _, m in cols]
        base_of = [c["neff"] if s.is_weighted else c["n"] for c in cells]
        pairs = list(combinations(range(1, len(cols)), 2))
        shown = [largest_remainder(c["shares"] if s.is_weighted else c["counts"]) if c["n"]
                 else np.full(len(codes), np.nan) for c in cells]
        for k, code in enumerate(codes):
            vals = [c["shares"][k] for c in cells]
            pv = {(i - 1, j - 1): z_test(vals[i], base_of[i], vals[j], base_of[j]) for i, j in pairs}
            lets = [""] + letters(vals[1:], pv)
            published = [col[k] for col in shown]
            rec = {"题目": book.label(var), "选项": labels[code]}
            for h, v, lt, c in zip(heads, published, lets, cells):
                rec[h] = (fmt(v, 1) + (f" {lt}" if lt else "")) if c["n"] else ""
            display.append(rec)
            tidy.append(make_rows(table=table_id, table_title=title, group=[h for h in heads], variable=var,
                                  variable_label=book.label(var), category=str(code), category_label=labels[code],
                                  order=k + 1, stat="share", n=[int(c["counts"][k]) for c in cells],
                                  base=[c["n"] for c in cells], base_label="有效回答", value=published,
                                  exact=[v * 100 for v in vals]).assign(letters=lets, test_base=base_of))
        if names.kind(book, var) == "rating":
            means = [c["mean"] for c in cells]
            pv = {(i - 1, j - 1): welch_test(means[i], cells[i]["var"], base_of[i], means[j], cells[j]["var"], base_of[j])
                  for i, j in pairs}
            lets = [""] + letters(means[1:], pv)
            display.append({"题目": book.label(var), "选项": "平均分",
                            **{h: (fmt(m, 2) + (f" {lt}" if lt else "")) if c["n"] else ""
                               for h, m, lt, c in zip(heads, means, lets, cells)}})
            tidy.append(make_rows(table=table_id, table_title=title, group=heads, variable=var,
                                  variable_label=book.label(var), category="", category_label="平均分",
                                  order=len(codes) + 1, stat="mean", n=[c["n"] for c in cells],
                                  base=[c["n"] for c in cells], base_label="有效回答",
                                  value=[round(m, 2) for m in means], exact=means).assign(letters=lets, test_base=base_of))
        display.append({"题目": book.label(var), "选项": "基数（人）" + ("；检验用有效样本量" if s.is_weighted else ""),
                        **{h: (f"{c['n']}" + (f"（{c['neff']:.0f}）" if s.is_weighted else "")) for h, c in zip(heads, cells)}})
    weighted = "加权百分比；检验用各列的有效样本量（Kish）；" if s.is_weighted else ""
    note = (f"注：列百分比（每列合计 100%），{weighted}字母表示该列显著高于所标字母的列（α = 0.05，双侧；"
            f"比例用 z 检验，平均分用 Welch t 检验；同一行内 Bonferroni 校正）。")
    frame = pd.concat(tidy, ignore_index=True)
    frame["value"] = frame["value"].astype(float).round(SHARE_DECIMALS)
    return frame, pd.DataFrame(display), note


def letters_apart(table: pd.DataFrame) -> pd.DataFrame:
    """The banner with each column's letters in a column of their own (``<column> 显著性``), so that
    a spreadsheet gets the percentages and means as numbers."""
    out = table[["题目", "选项", TOTAL]].copy()
    for col in table.columns[3:]:
        parts = table[col].str.extract(r"^(\S+)(?: ([A-Z]+))?$")
        out[col] = parts[0].fillna(table[col])
        out[f"{col} 显著性"] = parts[1].fillna("")
    return out


def banner(s, rows: list[str], by: list) -> Result:
    frames, tabs = [], []
    for spec in by:
        bound, name = s._bind(spec)
        frame, table, note = one_banner(bound, rows, name)
        frames.append(frame)
        tabs.append((f"按{bound.book.label(name)}的交叉汇总表", table, note))
    first, *more = tabs
    sheets = tuple((title, letters_apart(table), note) for title, table, note in tabs)
    return Result(first[0], pd.concat(frames, ignore_index=True), first[1], first[2], more=tuple(more),
                  sheets=sheets)
