"""Key drivers: which dimensions of satisfaction go with the overall judgement, as a ranked table.

The overall item (the codebook's ``report.overall``) is regressed on the dimension items over respondents who
answered all of them. Two views, both on standardised items (z-scores) so effects are comparable:

- ``beta``: ordinary least squares coefficient of the standardised overall item on the standardised
  dimensions (statsmodels OLS), with its 95% interval and p; the rank follows |beta|.
- ``odds_ratio``: proportional-odds logit (statsmodels ``OrderedModel``) of the overall answer on the
  standardised dimensions: the odds of a better overall answer per one standard deviation.

Also ``r``, the simple correlation of each dimension with the overall item. Rows of
``stats.COLUMNS``; no I/O. Dimensions are correlated, so a beta says what a dimension adds given
the others, not its effect on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from analysis import config
from analysis.errors import SurveyError
from analysis.spec.codebook import Codebook
from analysis.stats.base import make_rows
from analysis.stats.compare import ordinal_logit
from analysis.stats.reliability import index_items


def key_drivers(df: pd.DataFrame, book: Codebook, group: str = "", overall: str | None = None,
                items: list[str] | None = None, table: str = "") -> pd.DataFrame:
    """Ranked table of standardised effects of each dimension on the overall item (table
    ``<instrument>_<battery>_drivers`` of the battery that holds the overall item)."""
    overall = overall or book.report.overall
    if not overall:
        raise SurveyError(f"{book.title}没有总体评价题，无法做关键因素分析。", variable=book.instrument,
                          fix="在编码手册 report 部分写 overall: 总体评价题的变量名。")
    battery = book.report.battery_of(overall)
    if items is None:
        items = [i for i in battery.items if i != overall] if battery else index_items(book)
    items = list(items)
    table = table or f"{book.instrument}_{battery.table_suffix if battery else 'rating'}_drivers"
    title = f"{book.respondent or book.title}{book.label(overall)}的关键因素"
    data = df[[overall, *items]].apply(pd.to_numeric, errors="coerce").astype(float).dropna()
    n = len(data)
    if n <= len(items) + 2:
        raise SurveyError(f"同时回答了{book.label(overall)}和各分项的只有{n}人，无法分析关键因素。",
                          variable=overall, fix="样本太少时只报告各题的分布。")
    sd = data.std(ddof=1)
    constant = [c for c in data if sd[c] == 0]
    if constant:
        raise SurveyError(f"{'、'.join(book.label(c) for c in constant)}的回答全部相同，无法分析。",
                          variable=constant[0], fix="去掉这道题后再分析。")
    z = (data - data.mean()) / sd
    ols = OLS(z[overall], add_constant(z[items])).fit()
    ci = ols.conf_int(alpha=config.ALPHA)
    ordl = ordinal_logit(pd.concat([data[overall], z[items]], axis=1), overall, items).set_index("term")
    r = data[items].corrwith(data[overall])
    frame = pd.DataFrame({"item": items, "beta": ols.params[items].to_numpy(),
                          "lo": ci.loc[items, 0].to_numpy(), "hi": ci.loc[items, 1].to_numpy(),
                          "p": ols.pvalues[items].to_numpy(), "or": ordl["odds_ratio"].to_numpy(),
                          "or_lo": ordl["ci_low"].to_numpy(), "or_hi": ordl["ci_high"].to_numpy(),
                          "r": r[items].to_numpy()})
    frame = frame.iloc[np.argsort(-frame["beta"].abs().to_numpy(), kind="stable")].reset_index(drop=True)
    parts = []
    for rank, row in frame.iterrows():
        label = book.label(row["item"])
        o = rank * 10
        parts.append(make_rows(
            table=table, table_title=title, group=group, variable=row["item"], variable_label=label,
            category=["rank", "beta", "p", "odds_ratio", "r"],
            category_label=["重要性排序", "标准化回归系数", "p值", "比值比（每个标准差，有序logit）", f"与{book.label(overall)}的相关"],
            order=np.arange(o + 1, o + 6), stat=["rank", "beta", "p", "odds_ratio", "r"], n=n, base=n,
            base_label="各题均有效回答",
            value=[rank + 1, round(row["beta"], 3), round(row["p"], 3), round(row["or"], 2), round(row["r"], 3)],
            exact=[rank + 1, row["beta"], row["p"], row["or"], row["r"]],
            ci_low=[np.nan, round(row["lo"], 3), np.nan, round(row["or_lo"], 2), np.nan],
            ci_high=[np.nan, round(row["hi"], 3), np.nan, round(row["or_hi"], 2), np.nan],
            suppressed=n < config.MIN_CELL))
    return pd.concat(parts, ignore_index=True)
