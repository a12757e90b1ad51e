"""Any part of a stats table as a readable Chinese frame for a notebook (``stats.view``).
"""

from __future__ import annotations

import pandas as pd

from analysis.errors import SurveyError
from analysis.stats import suppression

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
