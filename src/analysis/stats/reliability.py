"""A rating battery as one scale: the 0–100 satisfaction index, Cronbach's α, α if an item is
deleted, and corrected item–total correlations.

Respondents who answered every item enter (listwise deletion, as SPSS/PSPP ``RELIABILITY`` does),
so the index and α share one base. The index is the respondent's mean score rescaled from the
scale's lowest to highest code to 0–100, ``(mean − min) / (max − min) × 100`` (1–5: ``(mean − 1) / 4
× 100``; 1–7 the same way); its mean and t interval are the published figure. Items are a battery's
(``report`` batteries of the codebook) without the overall item the codebook names (``report.overall``).
Output rows follow ``stats.COLUMNS``; no I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import SurveyError
from analysis.spec.codebook import Battery, Codebook
from analysis.stats.base import make_rows, mean_ci


def index_items(book: Codebook, battery: Battery | None = None) -> list[str]:
    """The items a battery's index averages (its overall item left out); by default the first
    battery's, or none when the codebook has no battery."""
    if battery is None:
        battery = book.report.batteries[0] if book.report.batteries else None
    return list(battery.index_items) if battery else []


def _complete(df: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    missing = [i for i in items if i not in df]
    if missing:
        raise SurveyError(f"数据中没有题目 {'、'.join(missing)}。", variable=missing[0],
                          fix="检查题目变量名（见编码手册 report 部分）。")
    return df[items].apply(pd.to_numeric, errors="coerce").astype(float).dropna()


def cronbach_alpha(X: pd.DataFrame) -> float:
    """α = k/(k−1) · (1 − Σ var(item) / var(total)), sample variances; NaN below 2 items or 2 rows
    or when the total has no variance."""
    k, n = X.shape[1], X.shape[0]
    if k < 2 or n < 2:
        return np.nan
    total_var = X.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return np.nan
    return float(k / (k - 1) * (1 - X.var(ddof=1).sum() / total_var))


def item_analysis(X: pd.DataFrame) -> pd.DataFrame:
    """Per item: mean, corrected item–total correlation (item against the sum of the others) and α if
    the item is deleted (PSPP's /SUMMARY=TOTAL)."""
    records = []
    for item in X.columns:
        rest = X.drop(columns=item)
        others = rest.sum(axis=1)
        r = np.nan
        if len(X) > 2 and X[item].std() > 0 and others.std() > 0:
            r = float(np.corrcoef(X[item], others)[0, 1])
        records.append({"item": item, "mean": float(X[item].mean()) if len(X) else np.nan,
                        "item_total_r": r, "alpha_if_deleted": cronbach_alpha(rest)})
    return pd.DataFrame(records, columns=["item", "mean", "item_total_r", "alpha_if_deleted"])


def index_name(battery: Battery) -> str:
    """满意度评价 → 满意度指数: what a battery's index is called."""
    label = battery.label.removesuffix("评价")
    return label if label.endswith("指数") else f"{label}指数"


def satisfaction_index(df: pd.DataFrame, book: Codebook, group: str = "", items: list[str] | None = None,
                       table: str = "", table_title: str = "", *, battery: Battery | None = None) -> pd.DataFrame:
    """The 0–100 index with its t interval, α, and per item the corrected item–total r and α if
    deleted, as stats rows (table ``<instrument>_<battery>_index``; the first battery by default)."""
    if battery is None and book.report.batteries:
        battery = book.report.batteries[0]
    items = index_items(book, battery) if items is None else list(items)
    if len(items) < 2:
        raise SurveyError("量表指数至少需要两道同一量表的题（总体评价题除外）。", variable=book.instrument,
                          fix="在编码手册 report 部分的题组中列出至少两道量表题。")
    name = index_name(battery) if battery else "指数"
    table = table or f"{book.instrument}_{battery.table_suffix if battery else 'rating'}_index"
    table_title = table_title or f"{book.respondent or book.title}{name}与信度"
    X = _complete(df, items)
    n = len(X)
    lows, highs = zip(*(book.scale_range(i) for i in items))
    low, high = min(lows), max(highs)
    idx = (X.mean(axis=1) - low) / (high - low) * 100
    m, lo, hi = mean_ci(idx)
    alpha = cronbach_alpha(X)
    small = n < config.MIN_CELL
    head = make_rows(table=table, table_title=table_title, group=group, variable="index",
                     variable_label=f"{name}（0～100）", category=["", "alpha"],
                     category_label=["平均值", "克朗巴哈α系数"], order=[1, 2], stat=["mean", "alpha"],
                     n=n, base=n, base_label="全部题目均有效回答",
                     value=[round(m, 1), round(alpha, 3)], exact=[m, alpha],
                     ci_low=[round(lo, 1), np.nan], ci_high=[round(hi, 1), np.nan], suppressed=small)
    ia = item_analysis(X)
    labels = [book.label(i) for i in ia["item"]]
    k = len(ia)
    per_item = pd.concat([
        make_rows(table=table, table_title=table_title, group=group, variable=ia["item"].tolist(),
                  variable_label=labels, category="item_total_r", category_label="校正的项目与总分相关",
                  order=np.arange(3, 3 + k), stat="item_total_r", n=n, base=n,
                  base_label="全部题目均有效回答", value=ia["item_total_r"].round(3).to_numpy(),
                  exact=ia["item_total_r"].to_numpy(), suppressed=small),
        make_rows(table=table, table_title=table_title, group=group, variable=ia["item"].tolist(),
                  variable_label=labels, category="alpha_if_deleted", category_label="删除该题后的α系数",
                  order=np.arange(3 + k, 3 + 2 * k), stat="alpha_if_deleted", n=n, base=n,
                  base_label="全部题目均有效回答", value=ia["alpha_if_deleted"].round(3).to_numpy(),
                  exact=ia["alpha_if_deleted"].to_numpy(), suppressed=small),
    ], ignore_index=True)
    return pd.concat([head, per_item], ignore_index=True)


__all__ = ["cronbach_alpha", "index_items", "index_name", "item_analysis", "satisfaction_index"]
