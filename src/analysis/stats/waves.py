"""This wave against an earlier one: each headline figure with its change, tested where it can be.

``wave_change(S_now, S_before, district)`` takes two waves' stats tables (as ``stats.district_stats``
returns them) and pairs the headline rows (``HEADLINES``: valid questionnaires, mean age, shares of
the workforce composition, top-two satisfaction, the satisfaction index). For each pair it gives
the earlier and current value, the change, and a test from the published rows alone:

- a share or top-two share: two-proportion z test (pooled), from n and base of each wave;
- a mean: Welch's t test from the mean, its t interval and n (the interval gives the SD back);
- a count (valid questionnaires): no test — it is a headcount, not an estimate.

Rows of ``stats.COLUMNS`` with ``stat`` = ``before``, ``now``, ``change`` (and ``p``); ``value`` of
``change`` is the difference of the two published values, so “122 → 75, 减少47” adds up on paper.
The two waves are treated as independent samples. No I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis.stats.base import make_rows

# (table suffix, stat) pairs that are headline figures; every rating item's top-box share and mean too
HEADLINES = (("flow", "valid"), ("_numbers", "mean"), ("_composition", "share"), ("_index", "mean"),
             ("_indicators", "mean"), ("_indicators", "rate"), ("_indicators", "ratio"))
KEY = ["table", "variable", "category", "stat"]


def _is_headline(S: pd.DataFrame) -> pd.Series:
    hit = pd.Series(False, index=S.index)
    for suffix, stat in HEADLINES:
        hit |= S["table"].str.endswith(suffix) & (S["stat"] == stat)
    rated = set(S.loc[S["stat"] == "top2", "table"]) - {t for t in S["table"].unique() if t.endswith("_weighted")}
    hit |= S["table"].isin(rated) & S["stat"].isin(["top2", "mean"])
    return hit


def _sd_from_ci(mean: float, lo: float, n: int) -> float:
    if n < 2 or np.isnan(lo):
        return np.nan
    return (mean - lo) / sps.t.ppf(0.975, n - 1) * np.sqrt(n)


def change_p(stat: str, now: pd.Series, before: pd.Series) -> float:
    """p of the change of one headline figure between two independent waves (NaN for counts)."""
    if stat in ("share", "top2"):
        k1, n1, k2, n2 = float(now["n"]), float(now["base"]), float(before["n"]), float(before["base"])
        if min(n1, n2) <= 0:
            return np.nan
        p = (k1 + k2) / (n1 + n2)
        se = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        return float(2 * sps.norm.sf(abs(k1 / n1 - k2 / n2) / se)) if se > 0 else np.nan
    if stat == "mean":
        n1, n2 = int(now["n"]), int(before["n"])
        s1 = _sd_from_ci(float(now["exact"]), float(now["ci_low"]), n1)
        s2 = _sd_from_ci(float(before["exact"]), float(before["ci_low"]), n2)
        if np.isnan(s1) or np.isnan(s2):
            return np.nan
        r = sps.ttest_ind_from_stats(float(now["exact"]), s1, n1, float(before["exact"]), s2, n2,
                                     equal_var=False)
        return float(r.pvalue)
    return np.nan


def wave_change(S_now: pd.DataFrame, S_before: pd.DataFrame, district: str,
                wave_now: str = "", wave_before: str = "") -> pd.DataFrame:
    """Headline figures of a district in two waves with their change (table ``wave_change``)."""
    now = S_now[(S_now["group"] == district) & _is_headline(S_now)]
    before = S_before[(S_before["group"] == district) & _is_headline(S_before)]
    merged = now.merge(before, on=KEY, suffixes=("", "_b"))
    parts = []
    title = f"与{wave_before}年调查比较" if wave_before else "与上一轮调查比较"
    for i, (_, r) in enumerate(merged.iterrows()):
        hidden = bool(r["suppressed"] or r["suppressed_b"])
        change = float(r["value"]) - float(r["value_b"])
        p = change_p(r["stat"], r.rename(lambda c: c), r[[c for c in merged if c.endswith("_b")]]
                     .rename(lambda c: c[:-2]))
        label = r["category_label"] if r["category_label"] else r["variable_label"]
        stats_ = ["before", "now", "change", "p"]
        parts.append(make_rows(
            table="wave_change", table_title=title, group=district, variable=r["variable"],
            variable_label=r["variable_label"], category=f"{r['table']}:{r['category']}:{r['stat']}",
            category_label=[f"{label}（{wave_before or '上一轮'}）", f"{label}（{wave_now or '本轮'}）",
                            f"{label}变化", f"{label}变化的p值"],
            order=np.arange(i * 4 + 1, i * 4 + 5), stat=stats_,
            n=[r["n_b"], r["n"], r["n"], r["n"]], base=[r["base_b"], r["base"], r["base"], r["base"]],
            base_label=r["base_label"], value=[r["value_b"], r["value"], round(change, 2),
                                               round(p, 3) if not np.isnan(p) else np.nan],
            exact=[r["exact_b"], r["exact"], float(r["exact"]) - float(r["exact_b"]), p],
            suppressed=hidden))
    return pd.concat(parts, ignore_index=True) if parts else make_rows(table=[])
