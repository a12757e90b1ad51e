"""The verbs' rows laid out as Chinese tables, their notes on the base, and their charts.

Every cell prints a ``value`` (or ``n``, ``ci_low`` …) of the verb's rows as it is; nothing here
computes a figure except the layout (which rows go where) and test rows that restate a test's
result dictionary in the stats table's shape.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.lab.results import fmt, fmt_ci, fmt_p
from analysis.publish import tables as report_tables
from analysis.spec.codebook import Codebook
from analysis.stats.base import make_rows

TEST_LABELS = {"diff": "均值差", "t": "Welch t", "df": "自由度", "p": "p值（t检验）", "u": "Mann-Whitney U",
               "p_u": "p值（Mann-Whitney）", "top_diff": "满意率差（百分点）", "h": "Kruskal-Wallis H",
               "p_h": "p值（Kruskal-Wallis）"}


def as_report(rows: pd.DataFrame, table: str = "") -> tuple[pd.DataFrame, str]:
    """A verb's rows of one family laid out as the report lays out its ``table`` (the rows' first by
    default) of that family, with the report's note (``publish.tables``): the indicators, free-text
    counts, the unit against the rest, two questionnaires compared, the sample flow."""
    table, group = table or rows["table"].iloc[0], rows["group"].iloc[0]
    return report_tables.display_table(rows, table, group), report_tables.table_note(rows, table, group)


def describe(rows: pd.DataFrame) -> pd.DataFrame:
    names = {"mean": "平均值", "sd": "标准差", "min": "最小值", "q1": "下四分位数", "median": "中位数",
             "q3": "上四分位数", "max": "最大值"}
    out = []
    for _, r in rows.groupby("variable", sort=False):
        s = r.set_index("stat")
        hide = bool(s["suppressed"].iloc[0])
        rec = {"题目": s["variable_label"].iloc[0], "有效回答": fmt(s["n"].iloc[0], 0)}
        for stat, word in names.items():
            rec[word] = fmt(s.loc[stat, "value"], 1, hide)
            if stat == "mean":
                rec["平均值95%置信区间"] = fmt_ci(s.loc[stat, "ci_low"], s.loc[stat, "ci_high"], 1, hide)
        out.append(rec)
    return pd.DataFrame(out)


# -- frequencies ---------------------------------------------------------------------------------------

def freq(rows: pd.DataFrame) -> pd.DataFrame:
    valid = rows[rows["stat"] == "share"].sort_values("order")
    pct = rows[rows["stat"] == "pct"].set_index("category")
    cum = rows[rows["stat"] == "cum_share"].set_index("category")
    out = []
    for r in valid.itertuples():
        hide = bool(r.suppressed)
        out.append({"选项": r.category_label, "频数": fmt(r.n, 0, hide),
                    "百分比（%）": fmt(pct.loc[r.category, "value"], 1, hide),
                    "有效百分比（%）": fmt(r.value, 1, hide),
                    "累计百分比（%）": fmt(cum.loc[r.category, "value"], 1, bool(cum.loc[r.category, "suppressed"])),
                    "95%置信区间": fmt_ci(r.ci_low, r.ci_high, 1, hide)})
    if "missing" in pct.index:
        m = pct.loc["missing"]
        out.append({"选项": "未回答", "频数": fmt(m["n"], 0, bool(m["suppressed"])),
                    "百分比（%）": fmt(m["value"], 1, bool(m["suppressed"])), "有效百分比（%）": "",
                    "累计百分比（%）": "", "95%置信区间": ""})
    total = int(pct["base"].iloc[0]) if len(pct) else int(valid["base"].iloc[0])
    out.append({"选项": "合计", "频数": str(total), "百分比（%）": "100.0", "有效百分比（%）": "",
                "累计百分比（%）": "", "95%置信区间": ""})
    return pd.DataFrame(out)


def weighted_freq(rows: pd.DataFrame) -> pd.DataFrame:
    out = [{"选项": r.category_label, "样本人数": fmt(r.n, 0, r.suppressed), "加权百分比（%）": fmt(r.value, 1, r.suppressed),
            "标准误": fmt(r.se, 2, r.suppressed), "95%置信区间": fmt_ci(r.ci_low, r.ci_high, 1, r.suppressed),
            "设计效应": fmt(r.deff, 2, r.suppressed)} for r in rows.sort_values("order").itertuples()]
    return pd.DataFrame(out)


def base_note(rows: pd.DataFrame, whole: bool, extra: str, se: bool = False) -> str:
    base = rows["base"].dropna()
    n = f"{int(base.min())}" if base.min() == base.max() else f"{int(base.min())}～{int(base.max())}"
    group = rows["group"].iloc[0]
    where = "" if whole else f"子总体：{group}" + ("（.frame 的标准误 se 按子总体估计，同 R survey 的 subset）" if se else "") + "；"
    return f"注：{where}基数为有效回答 {n} 人；{extra}“—”为样本过少不予公布。"


def weighted_note(rows: pd.DataFrame, design, ratio: bool = True) -> str:
    steps = "；".join(design.history)
    where = f"子总体：{design.domain_label}；" if design.domain_label else ""
    return (f"注：{where}加权估计（{steps}）；样本人数 {int(rows['base'].min())}"
            + ("" if rows["base"].min() == rows["base"].max() else f"～{int(rows['base'].max())}")
            + "；比例为 logit 95% 置信区间"
            + ("；设计效应为方差比（同 R svymean(deff = TRUE)）。" if ratio else "。"))


def multi(rows: pd.DataFrame) -> pd.DataFrame:
    resp = rows[rows["stat"] == "response_share"].set_index("category")
    case = rows[rows["stat"] == "case_share"].sort_values("order")
    out = [{"选项": r.category_label, "选择次数": fmt(r.n, 0, r.suppressed),
            "响应百分比（%）": fmt(resp.loc[r.category, "value"], 1, r.suppressed),
            "个案百分比（%）": fmt(r.value, 1, r.suppressed), "95%置信区间": fmt_ci(r.ci_low, r.ci_high, 1, r.suppressed)}
           for r in case.itertuples()]
    out.append({"选项": "合计", "选择次数": fmt(resp["base"].iloc[0], 0), "响应百分比（%）": "100.0",
                "个案百分比（%）": "", "95%置信区间": ""})
    return pd.DataFrame(out)


def multi_note(rows: pd.DataFrame) -> str:
    case = rows[rows["stat"] == "case_share"]
    return (f"注：个案百分比以回答此题的 {int(case['base'].iloc[0])} 人为基数（可多选，合计超过 100%）；"
            "响应百分比以全部选择次数为基数。")


def multi_by(rows: pd.DataFrame) -> pd.DataFrame:
    case = rows[rows["stat"] == "case_share"]
    tests = rows[rows["stat"] == "p_adj"].set_index("category")
    groups = list(dict.fromkeys(case["group"]))
    out = []
    for code, r in case.groupby("category", sort=False):
        cells = r.set_index("group")
        rec = {"选项": r["category_label"].iloc[0]}
        rec.update({f"{g}（%）": fmt(cells.loc[g, "value"], 1, cells.loc[g, "suppressed"]) for g in groups})
        rec["校正后p值"] = fmt(tests.loc[code, "value"], 3) if code in tests.index else ""
        out.append(rec)
    out.append({"选项": "回答此题（人）", **{f"{g}（%）": fmt(case.loc[case["group"] == g, "base"].iloc[0], 0)
                                       for g in groups}, "校正后p值": ""})
    return pd.DataFrame(out)


def multi_by_note(rows: pd.DataFrame) -> str:
    return ("注：个案百分比（可多选，每列合计超过 100%）；每个选项单独做“选/未选 × 分组”的 Pearson χ² 检验"
            "（每人在每个检验中只计一次），p 值按 Holm 法对各选项校正。")


def likert(rows: pd.DataFrame, book: Codebook) -> pd.DataFrame:
    out = []
    for _, r in rows.groupby(["group", "variable"], sort=False):
        shares = r[r["stat"] == "share"]
        rec = {"题目": r["variable_label"].iloc[0]}
        for s in shares.itertuples():                # best first: the questionnaire's order
            rec[f"{s.category_label}（%）"] = fmt(s.value, 1, s.suppressed)
        m = r[r["stat"] == "mean"].iloc[0]
        t = r[r["stat"] == "top2"].iloc[0]
        rec.update({"平均分": fmt(m["value"], 2, m["suppressed"]), "满意率（%）": fmt(t["value"], 1, t["suppressed"]),
                    "满意率95%置信区间": fmt_ci(t["ci_low"], t["ci_high"], 1, t["suppressed"]),
                    "有效回答": fmt(m["base"], 0)})
        out.append(rec)
    return pd.DataFrame(out).fillna("")


# -- crosstabs -----------------------------------------------------------------------------------------

def crosstab(rows: pd.DataFrame, book: Codebook, x: str, by: str, percent: str) -> pd.DataFrame:
    cells = rows[rows["stat"].isin(["share", "cell_share"])]
    xl, bl = book.labels(x), book.labels(by)
    if percent == "total":
        lookup = {r.category: r for r in cells.itertuples()}
        out = [{book.label(x): xl[a], **{bl[b]: fmt(lookup[f"{a}×{b}"].value, 1, lookup[f"{a}×{b}"].suppressed)
                                         for b in bl}} for a in xl]
        return pd.DataFrame(out)
    # col: groups are levels of ``by`` and categories those of ``x``; row: the other way round
    groups = list(dict.fromkeys(cells["group"]))
    if percent == "col":
        out = []
        for a in xl:
            rec = {book.label(x): xl[a]}
            for g in groups:
                r = cells[(cells["group"] == g) & (cells["category"] == str(a))].iloc[0]
                rec[f"{g}（%）"] = fmt(r["value"], 1, r["suppressed"])
            out.append(rec)
        out.append({book.label(x): "基数（人）", **{f"{g}（%）": fmt(cells.loc[cells["group"] == g, "base"].iloc[0], 0)
                                                 for g in groups}})
        return pd.DataFrame(out)
    out = []
    for g in groups:
        r = cells[cells["group"] == g].sort_values("order")
        rec = {book.label(x): g, **{f"{s.category_label}（%）": fmt(s.value, 1, s.suppressed) for s in r.itertuples()}}
        rec["基数（人）"] = fmt(r["base"].iloc[0], 0)
        out.append(rec)
    return pd.DataFrame(out)


def test_note(rows: pd.DataFrame, percent: str) -> str:
    t = rows[rows["category"] == "test"].set_index("stat")["exact"]
    warn = rows.loc[rows["stat"] == "warning", "category_label"]
    what = {"col": "列百分比（每列合计 100%）", "row": "行百分比（每行合计 100%）", "total": "总百分比（全表合计 100%）"}[percent]
    text = (f"注：{what}；Pearson χ²={t['chi2']:.3f}，自由度={int(t['df'])}，p{fmt_p(t['p'])}，"
            f"Cramér's V={t['cramers_v']:.3f}（n={int(rows.loc[rows['category'] == 'test', 'n'].iloc[0])}）。"
            if pd.notna(t.get("chi2")) else f"注：{what}。")
    return text + ("".join(warn) + "。" if len(warn) else "")


# -- comparisons ----------------------------------------------------------------------------------------

def test_rows(extra: dict, book: Codebook, y: str, by: str, group: str, table: str, title: str) -> pd.DataFrame:
    """A test's figures as rows (``category="test"``) of the stats table."""
    keys = [k for k in TEST_LABELS if k in extra]
    decimals = {"p": 4, "p_u": 4, "p_h": 4, "df": 1}
    return make_rows(table=table, table_title=title, group=group, variable=f"{by}×{y}",
                     variable_label=f"{book.label(by)}×{book.label(y)}", category="test",
                     category_label=[TEST_LABELS[k] for k in keys], order=np.arange(100, 100 + len(keys)),
                     stat=keys, value=[round(extra[k], decimals.get(k, 2)) if pd.notna(extra[k]) else np.nan
                                       for k in keys],
                     exact=[extra[k] for k in keys],
                     ci_low=[extra.get({"diff": "diff_low", "top_diff": "top_low"}.get(k, ""), np.nan) for k in keys],
                     ci_high=[extra.get({"diff": "diff_high", "top_diff": "top_high"}.get(k, ""), np.nan) for k in keys])


def compare(rows: pd.DataFrame) -> pd.DataFrame:
    groups = rows[rows["category"] != "test"]
    out = []
    for g, r in groups.groupby("group", sort=False):
        s = r.set_index("stat")
        rec = {"组别": g, "人数": fmt(s.loc["mean", "base"], 0), "平均值": fmt(s.loc["mean", "value"], 2, s.loc["mean", "suppressed"]),
               "平均值95%置信区间": fmt_ci(s.loc["mean", "ci_low"], s.loc["mean", "ci_high"], 2, s.loc["mean", "suppressed"]),
               "标准差": fmt(s.loc["sd", "value"], 2, s.loc["sd", "suppressed"])}
        if "top2" in s.index:
            rec["满意率（%）"] = fmt(s.loc["top2", "value"], 1, s.loc["top2", "suppressed"])
            rec["满意率95%置信区间"] = fmt_ci(s.loc["top2", "ci_low"], s.loc["top2", "ci_high"], 1, s.loc["top2", "suppressed"])
        out.append(rec)
    return pd.DataFrame(out)


def compare_note(extra: dict, labels: list[str]) -> str:
    if "t" in extra:
        text = (f"注：{labels[0]}－{labels[1]} 均值差 {extra['diff']:.2f}（95%置信区间 {extra['diff_low']:.2f}～"
                f"{extra['diff_high']:.2f}），Welch t={extra['t']:.3f}，自由度={extra['df']:.1f}，p{fmt_p(extra['p'])}；"
                f"Mann-Whitney U={extra['u']:.1f}，p{fmt_p(extra['p_u'])}")
        if "top_diff" in extra:
            text += (f"；满意率差 {extra['top_diff']:.1f} 个百分点（Newcombe 95%置信区间 {extra['top_low']:.1f}～"
                     f"{extra['top_high']:.1f}）")
        return text + "。"
    return f"注：Kruskal-Wallis H={extra['h']:.2f}，p{fmt_p(extra['p_h'])}。"


# -- ranking -------------------------------------------------------------------------------------------

def rank(rows: pd.DataFrame) -> pd.DataFrame:
    out = []
    for r in rows.itertuples():
        if pd.isna(r.rank):
            place = "—"
        elif r.rank_best == r.rank_worst:
            place = str(int(r.rank_best))
        else:
            place = f"{int(r.rank_best)}～{int(r.rank_worst)}（并列）"
        out.append({"单位": r.group, "比例（%）": fmt(r.value, 1, r.suppressed),
                    "95%置信区间": fmt_ci(r.ci_low, r.ci_high, 1, r.suppressed), "名次": place,
                    "人数": fmt(r.n, 0, r.suppressed), "基数": fmt(r.base, 0)})
    return pd.DataFrame(out)


def rank_note(rows: pd.DataFrame) -> str:
    return ("注：按比例从高到低排列；名次为区间：置信区间与之重叠的单位可能排在它前后，写成“1～3（并列）”。"
            "比例为 Wilson 95% 置信区间。")


# -- reliability ---------------------------------------------------------------------------------------

def reliability(rows: pd.DataFrame) -> pd.DataFrame:
    r = rows[rows["variable"] != "index"]
    itr = r[r["stat"] == "item_total_r"].set_index("variable")
    aid = r[r["stat"] == "alpha_if_deleted"].set_index("variable")
    return pd.DataFrame([{"题目": itr.loc[v, "variable_label"], "校正的项目与总分相关": fmt(itr.loc[v, "value"], 3),
                          "删除该题后的α系数": fmt(aid.loc[v, "value"], 3)} for v in itr.index])


def reliability_note(rows: pd.DataFrame) -> str:
    a = rows[rows["stat"] == "alpha"].iloc[0]
    return (f"注：克朗巴哈α系数 = {a['value']:.3f}（{int(a['base'])} 人全部题目均有效回答，成列删除）；"
            "项目与总分相关为该题与其余各题总分的相关。")


def drivers(rows: pd.DataFrame) -> pd.DataFrame:
    out = []
    for _, r in rows.groupby("variable", sort=False):
        s = r.set_index("stat")
        out.append({"分项": s.loc["rank", "variable_label"], "排序": fmt(s.loc["rank", "value"], 0),
                    "标准化回归系数": fmt(s.loc["beta", "value"], 3),
                    "95%置信区间": fmt_ci(s.loc["beta", "ci_low"], s.loc["beta", "ci_high"], 3),
                    "p值": fmt(s.loc["p", "value"], 3), "比值比（有序logit）": fmt(s.loc["odds_ratio", "value"], 2),
                    "相关系数": fmt(s.loc["r", "value"], 3)})
    return pd.DataFrame(out)


def drivers_note(rows: pd.DataFrame) -> str:
    return (f"注：{int(rows['base'].iloc[0])} 人各题均有效回答；各题标准化后回归（OLS），按标准化回归系数的绝对值排序；"
            "比值比为每增加一个标准差、总体评价高一档的几率之比（有序 logit）。各分项相互相关，系数表示在其他分项不变时的作用。")


# -- charts --------------------------------------------------------------------------------------------

def bars(rows: pd.DataFrame, table: str, variable: str, group: str, stat: str = "share"):
    from analysis.publish import charts

    return charts.composition_bars(rows, table, [variable], group, stat=stat)


def stacked(rows: pd.DataFrame, table: str, group: str):
    from analysis.publish import charts

    return charts.likert_stacked(rows[rows["stat"].isin(["share", "top2", "mean", "net"])], table, group)


def dots(rows: pd.DataFrame, table: str, variable: str, unit: str):
    from analysis.publish import charts

    return charts.district_comparison(rows, table, variable, stat="share", category=str(rows["category"].iloc[0]),
                                      unit_label=unit)


def groups_chart(rows: pd.DataFrame, table: str, variable: str, unit: str):
    from analysis.publish import charts

    return charts.district_comparison(rows, table, variable, stat="top2", unit_label=unit)


# -- the labelled frame --------------------------------------------------------------------------------

def labelled(df: pd.DataFrame, book: Codebook) -> pd.DataFrame:
    out = df.copy()
    labels, display = {}, {}
    unit = book.role("district")
    for name in [*book.variables, *book.derived]:
        v = book.variables.get(name)
        if v is not None and not v.kept:
            continue
        if v is not None and v.type == "multi":
            for code, lab in v.values.items():
                col = f"{name}__{code}"
                if col in out:
                    out[col] = out[col].astype("boolean")
                    labels[col] = f"{v.label}：{lab}"
            continue
        if name not in out:
            continue
        labels[name] = book.label(name)
        if name == unit or (v is not None and v.type not in ("single",)):
            continue
        codes = book.labels(name)
        low_high = sorted(codes)
        out[name] = pd.Categorical(out[name].map(codes), categories=[codes[c] for c in low_high], ordered=True)
        display[name] = list(codes.values())             # the questionnaire's order
    out.attrs["labels"] = labels
    out.attrs["display_order"] = display
    out.attrs["labelled"] = True
    return out
