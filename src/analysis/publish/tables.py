"""The human table: where a tidy stats table becomes rows and columns a reader sees.

Every number comes from the tidy stats table ``S`` built by ``analysis.stats`` and is printed as
published there (``value``, ``n``, ``ci_low``/``ci_high``): nothing here computes or re-rounds.
``display_table`` is the single place where a stats table becomes a human table, and the
notebook, the Word report and the Excel workbook all show its output, so they cannot disagree.
"""

from __future__ import annotations

import hashlib
import re

import pandas as pd

from analysis import config
from analysis.config import MIN_CELL
from analysis.errors import SurveyError
from analysis.stats.suppression import DASH  # how a suppressed cell is printed, everywhere

FLOW_STATS = {"received", "excluded", "valid"}
FLOW_STEPS = {"received": "收到答卷", "excluded": "剔除", "valid": "有效答卷"}  # unlabelled rows
PERCENT_STATS = {"share", "top2", "rate", "member_share", "pct", "response_share", "case_share", "ratio"}
FREQUENCY_STATS = {"share", "pct"}                      # a single-choice question: 频数, 百分比, 有效百分比
MULTI_STATS = {"response_share", "case_share", "count"}  # a multi-select: 响应数, 响应百分比, 个案百分比
NUMBER_STATS = {"mean", "median", "sd", "min", "max"}    # a number question's summary
INDICATOR_STATS = {"mean", "median", "share", "ratio", "count"}
LONG_STATS = {"share": "占比（%）", "top2": "占比（%）", "rate": "占比（%）", "member_share": "占比（%）",
              "mean": "平均值", "median": "中位数", "total": "合计"}
STAT_NAMES = {"mean": "平均值", "median": "中位数", "p": "p值", "p_adj": "校正后p值", "sd": "标准差",
              "min": "最小值", "max": "最大值"}
LONG_COLUMNS = ["指标", "类别", "人数", "占比（%）", "平均值", "中位数", "合计", "95%置信区间"]
TEXT_COLUMNS = {"指标", "类别", "问卷", "环节", "项目", "选项", "题目", "特征", "分类"}
PROFILE_COLUMNS = {"指标": "特征", "类别": "分类"}         # 样本基本情况 reads 特征 / 分类 / 人数 / 占比


# Statistics other than counts and shares, as printed: whole numbers, or at least this many decimals.
WHOLE_STATS = {"rank", "n", "n_eff", "df", "count"}
BREAKDOWN_SEP = "·"        # a breakdown's column groups are named "<unit>·<category label>" (stats.base.split_by)
STAT_DECIMALS = {"alpha": 3, "alpha_if_deleted": 3, "item_total_r": 3, "beta": 3, "r": 3,
                 "cramers_v": 3, "chi2": 3, "deff": 2, "w_ratio": 2, "odds_ratio": 2,
                 "diff": 1, "rate": 1, "member_share": 1, "u": 1, "net": 1}
P_STATS = {"p", "p_adj"}
HIDDEN_STATS = {"u"}       # the Mann-Whitney U means nothing to a reader; its p is shown (U is in stats.json)
PIVOT_MAX_COLUMNS = 7      # a table of statistics with more kinds than this lists them one per row


def _select(S: pd.DataFrame, table: str, group: str) -> pd.DataFrame:
    rows = S[(S["table"] == table) & (S["group"] == group)]
    if rows.empty:
        raise SurveyError(f"统计结果中没有表 {table}（{group}）",
                          fix="检查表名和区县名是否与统计结果一致。")
    return rows


def published_row(S: pd.DataFrame, group: str, table: str, variable: str, stat: str,
                  category: str | None = None) -> pd.Series | None:
    """The first row of S with these keys, or None when there is none or it is suppressed."""
    rows = S[(S["group"] == group) & (S["table"] == table) & (S["variable"] == variable)
             & (S["stat"] == stat)]
    if category is not None:
        rows = rows[rows["category"] == category]
    if rows.empty or bool(rows["suppressed"].iloc[0]):
        return None
    return rows.iloc[0]


def _variables_in_order(rows: pd.DataFrame, variables: list[str] | None) -> list[str]:
    present = list(dict.fromkeys(rows["variable"]))
    if variables is None:
        return present
    missing = [v for v in variables if v not in present]
    if missing:
        raise SurveyError(f"表 {rows['table'].iloc[0]} 中没有变量 {'、'.join(missing)}",
                          variable=missing[0], fix="检查变量名，或先在统计步骤中生成它。")
    return list(variables)


def _is_scale_item(vrows: pd.DataFrame) -> bool:
    return bool(((vrows["stat"] == "top2") & (vrows["category"] == "top2")).any())


def _fmt(value: float, stat: str, scale_item: bool = False) -> str:
    """A published value as printed: counts whole, shares 1 decimal, means keep their decimals
    (at least 2 for a five-point item, 3.80; at least 1 otherwise, 48.8)."""
    if stat in PERCENT_STATS:
        return f"{value:.1f}"
    if stat in P_STATS:
        return "<0.001" if value < 0.001 else f"{value:.3f}"
    if stat in ("total", *WHOLE_STATS, *FLOW_STATS) and float(value).is_integer():
        return f"{int(value)}"
    least = STAT_DECIMALS.get(stat, 2 if scale_item else 1)
    decimals = next((d for d in range(least, 5) if round(value, d) == value), 4)
    return f"{value:.{decimals}f}"


def _fmt_ci(row: pd.Series, scale_item: bool) -> str:
    if pd.isna(row["ci_low"]) or pd.isna(row["ci_high"]):
        return ""                      # no interval (a census; a statistic that has none), hidden or not
    if row["suppressed"]:
        return DASH
    if row["stat"] in PERCENT_STATS:
        return f"{row['ci_low']:.1f}～{row['ci_high']:.1f}"
    printed = _fmt(row["value"], row["stat"], scale_item)
    decimals = len(printed.split(".")[-1]) if "." in printed else 0
    return f"{row['ci_low']:.{decimals}f}～{row['ci_high']:.{decimals}f}"


def _cell(row: pd.Series, scale_item: bool) -> str:
    return DASH if row["suppressed"] else _fmt(row["value"], row["stat"], scale_item)


# The display tables and notes of the last stats table seen, by its content: the notebook shows a
# table, the Word report and the workbook print it again; each is laid out once per district.
_MADE: dict = {"key": None, "made": {}}


def _content_key(S: pd.DataFrame) -> tuple | None:
    """The stats table's contents as a key; None for a table that cannot be hashed (a column of
    lists a researcher added in a notebook): it is then laid out afresh each time."""
    try:
        return tuple(S.columns), hashlib.sha256(pd.util.hash_pandas_object(S).values.tobytes()).digest()
    except TypeError:
        return None


def _made_once(S: pd.DataFrame, what: tuple, make, key: tuple | None = None):
    key = key or _content_key(S)
    if key is None:
        return make()
    if _MADE["key"] != key:
        _MADE["key"], _MADE["made"] = key, {}
    if what not in _MADE["made"]:
        _MADE["made"][what] = make()
    return _MADE["made"][what]


def published_tables(S: pd.DataFrame, group: str) -> dict[str, tuple[str, pd.DataFrame, str]]:
    """Every table of ``group`` in report order: its title, display table and note (the contents
    of ``S`` hashed once for all of them)."""
    key = _content_key(S)
    return {table: (title,
                    _made_once(S, ("table", table, group, None),
                               lambda t=table: _display_table(S, t, group, None), key).copy(),
                    _made_once(S, ("note", table, group), lambda t=table: _table_note(S, t, group), key))
            for table, title in _tables_in_order(S, group)}


def display_table(S: pd.DataFrame, table: str, group: str,
                  variables: list[str] | None = None) -> pd.DataFrame:
    """The published table for ``group``: Chinese headers, formatted text cells, “—” if suppressed.

    Three layouts, chosen by what the table holds: the sample flow (问卷, 环节, 份数); five-point
    items, one row each (项目, the five answers in %, 满意率, its CI, 平均分, 有效回答); and
    everything else one row per category (指标, 类别, 人数, 占比（%）, 平均值, 95%置信区间 …,
    columns that would be empty everywhere left out).
    """
    what = ("table", table, group, None if variables is None else tuple(variables))
    return _made_once(S, what, lambda: _display_table(S, table, group, variables)).copy()


def is_breakdown(S: pd.DataFrame, table: str, group: str) -> bool:
    """A breakdown table: its shares sit in the groups ``<group>·<category>``, one per column."""
    rows = S[(S["table"] == table) & (S["group"] == group)]
    return bool(len(rows)) and set(rows["stat"]) <= {"chi2", "df", "p", "p_adj", "cramers_v", "warning"} \
        and S.loc[S["table"] == table, "group"].str.startswith(group + BREAKDOWN_SEP).any()


def _display_table(S: pd.DataFrame, table: str, group: str, variables: list[str] | None) -> pd.DataFrame:
    if is_breakdown(S, table, group):
        return _breakdown_layout(S, table, group, variables)
    rows = _select(S, table, group)
    order = _variables_in_order(rows, variables)
    rows = rows[rows["variable"].isin(order) & ~rows["stat"].isin(HIDDEN_STATS)]
    by_variable = [rows[rows["variable"] == v].sort_values("order", kind="stable") for v in order]
    if table.startswith("shared_"):
        return _two_groups_layout(S, by_variable, group)
    if set(rows["stat"]) <= FLOW_STATS:
        return _flow_layout(by_variable)
    if all(_is_scale_item(v) for v in by_variable):
        return _likert_layout(by_variable)
    stats = set(rows["stat"])
    typed = (rows["stat"] == "count") & (rows["category"] == "other")    # how many typed their “其他”
    if "pct" in stats and set(rows.loc[~typed, "stat"]) <= FREQUENCY_STATS:      # counted in the note
        return _frequency_layout([v[~((v["stat"] == "count") & (v["category"] == "other"))] for v in by_variable])
    if stats & {"response_share", "case_share"} and stats <= MULTI_STATS:
        return _multi_layout(by_variable)
    if stats & {"sd", "min", "max"} and stats <= NUMBER_STATS:
        return _numbers_layout(by_variable)
    if stats == {"count"} and (rows["category"] == "").all():
        return _counts_layout(by_variable)
    if table.endswith("_indicators"):
        return _indicator_layout(by_variable)
    if set(rows["stat"]) <= set(LONG_STATS):
        frame = _long_layout(by_variable)
        return frame.rename(columns=PROFILE_COLUMNS) if table.endswith("_composition") else frame
    if _pivots(rows):
        return _pivot_layout(by_variable)
    return _figure_layout(by_variable)


def _pivots(rows: pd.DataFrame) -> bool:
    """A table of statistics reads as one row per item when each item names each statistic once
    and there are few kinds (drivers, district vs rest, reliability, weighting)."""
    unique = all(not v.duplicated().any() for _, v in rows.groupby("variable")["category_label"])
    return unique and rows["category_label"].nunique() <= PIVOT_MAX_COLUMNS


def _stat_cell(row: pd.Series, with_ci: bool = True) -> str:
    text = _cell(row, False)
    ci = _fmt_ci(row, False) if with_ci else ""
    return f"{text}（{ci}）" if ci and ci != DASH else text


def _pivot_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    """项目, then one column per statistic (its label), a value with its 95% interval in brackets."""
    columns: list[str] = []
    records = []
    for vrows in by_variable:
        record = {"项目": vrows["variable_label"].iloc[0]}
        for _, row in vrows.iterrows():
            label = row["category_label"] or STAT_NAMES.get(row["stat"], row["stat"])
            columns += [label] if label not in columns else []
            record[label] = _stat_cell(row)
        records.append(record)
    return pd.DataFrame(records, columns=["项目", *columns]).fillna("")


def _figure_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    """One published figure per row: 指标, 类别, 数值, 95%置信区间, 人数."""
    records = []
    for vrows in by_variable:
        for _, row in vrows.iterrows():
            records.append({"指标": row["variable_label"], "类别": row["category_label"],
                            "数值": _cell(row, False), "95%置信区间": _fmt_ci(row, False),
                            "人数": DASH if row["suppressed"] else str(int(row["n"]))})
    return pd.DataFrame(records, columns=["指标", "类别", "数值", "95%置信区间", "人数"])


def shared_pair(S: pd.DataFrame, table: str) -> tuple[str, str]:
    """The two questionnaires of a ``shared_<a>_<b>`` table (names may hold “_”: the split whose
    both halves name questionnaires with tables in ``S``)."""
    rest = table.removeprefix("shared_")
    prefixes = {t.split("_q_")[0] for t in S["table"].unique() if "_q_" in t} \
        | {t.removesuffix("_composition") for t in S["table"].unique() if t.endswith("_composition")}
    for i, ch in enumerate(rest):
        if ch == "_" and rest[:i] in prefixes and rest[i + 1:] in prefixes:
            return rest[:i], rest[i + 1:]
    raise SurveyError(f"表 {table} 的两份问卷在统计结果中找不到", fix="重新运行统计（stats.district_stats）。")


def _share_of(S: pd.DataFrame, group: str, instrument: str, variable: str, code: str) -> pd.Series | None:
    for table in (f"{instrument}_composition", f"{instrument}_q_{variable}"):
        row = published_row(S, group, table, variable, "share", code)
        if row is not None:
            return row
    return None


def _who(S: pd.DataFrame, instrument: str) -> str:
    titles = S.loc[S["table"] == f"{instrument}_composition", "table_title"]
    return titles.iloc[0].removesuffix("基本情况").removesuffix("基本构成") if len(titles) else instrument


def _two_groups_layout(S: pd.DataFrame, by_variable: list[pd.DataFrame], group: str) -> pd.DataFrame:
    """Residents against workers, one row per answer: each group's share (from its composition
    table), the difference with its interval, the two-proportion p and its Holm-adjusted p; then
    one row per question with its chi-square test."""
    records = []
    pair = shared_pair(S, by_variable[0]["table"].iloc[0]) if by_variable else ()
    for vrows in by_variable:
        variable = vrows["variable"].iloc[0]
        answers = vrows[vrows["category"] != "test"]
        for code, arows in answers.groupby("category", sort=False):
            by = arows.set_index("stat", drop=False)
            if "diff" not in by.index:
                continue
            record = {"指标": vrows["variable_label"].iloc[0], "类别": by.loc["diff", "category_label"]}
            for instrument in pair:
                share = _share_of(S, group, instrument, variable, code)
                record[f"{_who(S, instrument)}（%）"] = DASH if share is None else _fmt(share["value"], "share")
            diff = by.loc["diff"]
            record["差值（百分点）"] = _cell(diff, False)
            record["95%置信区间"] = _fmt_ci(diff, False)
            for stat, column in (("p", "p值"), ("p_adj", "校正后p值")):
                present = stat in by.index and (by.loc[stat, "suppressed"] or pd.notna(by.loc[stat, "value"]))
                record[column] = _cell(by.loc[stat], False) if present else ""     # no test: nobody chose it
            records.append(record)
        test = vrows[vrows["category"] == "test"].set_index("stat", drop=False)
        if {"chi2", "df", "p"} <= set(test.index) and not test["suppressed"].any():
            record = dict.fromkeys(records[-1] if records else [], "")
            record.update({"指标": vrows["variable_label"].iloc[0], "类别": "整体（卡方检验）",
                           "p值": _cell(test.loc["p"], False),
                           "校正后p值": _cell(test.loc["p_adj"], False) if "p_adj" in test.index else ""})
            records.append(record)
    return pd.DataFrame(records).fillna("")


def _chi_square_note(rows: pd.DataFrame) -> list[str]:
    """“性别：卡方=2.174，自由度=1，克莱姆V=0.103” per question, and the expected-count warnings."""
    parts = ["各答案一行的p值为两比例检验，“整体”一行为卡方检验"]
    for _, vrows in rows.groupby("variable", sort=False):
        test = vrows[vrows["category"] == "test"].set_index("stat", drop=False)
        if {"chi2", "df"} <= set(test.index) and not test["suppressed"].any():
            text = (f"{vrows['variable_label'].iloc[0]}：卡方={_cell(test.loc['chi2'], False)}，"
                    f"自由度={_cell(test.loc['df'], False)}")
            if "cramers_v" in test.index:
                text += f"，克莱姆V={_cell(test.loc['cramers_v'], False)}"
            warning = vrows.loc[vrows["category"] == "warning", "category_label"]
            parts.append(text + (f"（{warning.iloc[0]}）" if len(warning) else ""))
    return parts


def _n_cell(row: pd.Series) -> str:
    return DASH if row["suppressed"] else str(int(row["n"]))


def _option_rows(vrows: pd.DataFrame, label: str, stats: tuple[pd.DataFrame, pd.DataFrame],
                 headers: tuple[str, str, str]) -> list[dict]:
    """One record per option in questionnaire order: its count (of whichever statistic has the
    option) and two percents, each as published ("" where the option has no such row)."""
    records = []
    for code in dict.fromkeys(vrows.sort_values("order", kind="stable")["category"]):
        a, b = (rows.loc[code] if code in rows.index else None for rows in stats)
        first = a if a is not None else b
        records.append({"题目": label, "选项": first["category_label"], headers[0]: _n_cell(first),
                        headers[1]: "" if a is None else _cell(a, False),
                        headers[2]: "" if b is None else _cell(b, False)})
    return records


def _frequency_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    """A single-choice question as SPSS prints FREQUENCIES: one row per option, then 未回答 and 合计;
    频数, 百分比 (of every respondent) and 有效百分比 (of the valid answers), as published."""
    records = []
    for vrows in by_variable:
        label = vrows["variable_label"].iloc[0] if len(by_variable) > 1 else ""
        pct, share = (vrows[vrows["stat"] == s].set_index("category") for s in ("pct", "share"))
        records += _option_rows(vrows, label, (pct, share), ("频数", "百分比（%）", "有效百分比（%）"))
        if len(pct):
            total = int(pct["base"].iloc[0])
            valid = int(share["base"].iloc[0]) if len(share) else 0
            records.append({"题目": label, "选项": "合计", "频数": str(total), "百分比（%）": "100.0",
                            "有效百分比（%）": "100.0" if valid else ""})
    frame = pd.DataFrame(records, columns=["题目", "选项", "频数", "百分比（%）", "有效百分比（%）"])
    return frame if len(by_variable) > 1 else frame.drop(columns="题目")


def _multi_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    """A multi-select: per option 响应数 (mentions), 响应百分比 (of all mentions, sums to 100) and
    个案百分比 (of respondents who answered, sums above 100); the typed “other” texts are counted
    in the note, never shown."""
    records = []
    for vrows in by_variable:
        label = vrows["variable_label"].iloc[0] if len(by_variable) > 1 else ""
        resp, case = (vrows[vrows["stat"] == s].set_index("category") for s in ("response_share", "case_share"))
        records += _option_rows(vrows[vrows["stat"] != "count"], label, (resp, case),
                                ("响应数", "响应百分比（%）", "个案百分比（%）"))
        if len(resp):                 # case percents add up above 100 and are not added up here
            records.append({"题目": label, "选项": "合计", "响应数": str(int(resp["base"].iloc[0])),
                            "响应百分比（%）": "100.0", "个案百分比（%）": ""})
    frame = pd.DataFrame(records, columns=["题目", "选项", "响应数", "响应百分比（%）", "个案百分比（%）"])
    return frame if len(by_variable) > 1 else frame.drop(columns="题目")


def _numbers_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    """Number questions, one row each: 有效回答, 平均值 with its interval, 中位数, 标准差, 最小值, 最大值."""
    records = []
    for vrows in by_variable:
        by = vrows.set_index("stat", drop=False)
        first = vrows.iloc[0]
        record = {"项目": first["variable_label"], "有效回答": _n_cell(first)}
        for stat in ("mean", "median", "sd", "min", "max"):
            if stat in by.index:
                row = by.loc[stat]
                record[STAT_NAMES[stat]] = _stat_cell(row) if stat == "mean" else _cell(row, False)
        records.append(record)
    return pd.DataFrame(records).fillna("")


def _counts_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    """Free-text questions: how many wrote an answer (the answers themselves are never published)."""
    records = [{"题目": v["variable_label"].iloc[0], "填写人数": _n_cell(v.iloc[0]),
                "受访者": str(int(v["base"].iloc[0]))} for v in by_variable]
    return pd.DataFrame(records, columns=["题目", "填写人数", "受访者"])


def _indicator_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    """Declared indicators, one row each: the figure, its interval and what it is taken over."""
    records = []
    for vrows in by_variable:
        for _, row in vrows[~vrows["stat"].isin(["median"])].iterrows():
            unit = "%" if row["stat"] in PERCENT_STATS else ""
            records.append({"指标": row["variable_label"],
                            "数值": _cell(row, False) + (unit if not row["suppressed"] else ""),
                            "95%置信区间": _fmt_ci(row, False),
                            "基数": f"{row['base_label']}{'' if pd.isna(row['base']) else int(row['base'])}"
                            + ("" if row["stat"] != "mean" else "人")})
    frame = pd.DataFrame(records, columns=["指标", "数值", "95%置信区间", "基数"])
    return frame if (frame["95%置信区间"] != "").any() else frame.drop(columns="95%置信区间")


def _breakdown_layout(S: pd.DataFrame, table: str, group: str, variables: list[str] | None) -> pd.DataFrame:
    """A breakdown: one row per answer of each question, one column per category of the breakdown
    (column percents, as published), the bases in a last row per question, and the chi-square p."""
    rows = S[S["table"] == table]
    prefix = group + BREAKDOWN_SEP
    cols = rows[rows["group"].str.startswith(prefix)]
    tests = rows[rows["group"] == group]
    columns = list(dict.fromkeys(cols["group"]))
    names = [c[len(prefix):] for c in columns]
    order = _variables_in_order(cols, variables)
    records = []
    for variable in order:
        vrows = cols[(cols["variable"] == variable) & (cols["stat"] == "share")]
        label = vrows["variable_label"].iloc[0]
        for code in dict.fromkeys(vrows.sort_values("order", kind="stable")["category"]):
            crow = vrows[vrows["category"] == code]
            record = {"题目": label, "选项": crow["category_label"].iloc[0]}
            for column, name in zip(columns, names):
                cell = crow[crow["group"] == column]
                record[f"{name}（%）"] = _cell(cell.iloc[0], False) if len(cell) else ""
            records.append(record)
        bases = {f"{name}（%）": str(int(vrows.loc[vrows["group"] == column, "base"].iloc[0]))
                 if (vrows["group"] == column).any() else "" for column, name in zip(columns, names)}
        records.append({"题目": label, "选项": "有效回答（人）", **bases})
        test = tests[tests["variable"].str.startswith(f"{variable}×") | tests["variable"].str.endswith(f"×{variable}")]
        p = test[test["stat"] == "p"]
        if len(p):
            first = dict.fromkeys(bases, "")
            first[next(iter(bases))] = "p" + ("<0.001" if (not p["suppressed"].iloc[0] and p["value"].iloc[0] < 0.001)
                                              else "=" + _cell(p.iloc[0], False))
            records.append({"题目": label, "选项": "卡方检验", **first})
    return pd.DataFrame(records, columns=["题目", "选项", *[f"{n}（%）" for n in names]]).fillna("")


def _flow_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    records = []
    for vrows in by_variable:
        for _, row in vrows.iterrows():
            step = row["category_label"] or FLOW_STEPS[row["stat"]]
            records.append({"问卷": row["variable_label"], "环节": step,
                            "份数": _cell(row, False)})
    return pd.DataFrame(records, columns=["问卷", "环节", "份数"])


def _likert_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    records = []
    for vrows in by_variable:
        record = {"项目": vrows["variable_label"].iloc[0]}
        for _, row in vrows[vrows["stat"] == "share"].iterrows():
            record[row["category_label"]] = _cell(row, True)
        for _, row in vrows[vrows["stat"] == "top2"].iterrows():
            record["满意率（%）"] = _cell(row, True)
            record["95%置信区间"] = _fmt_ci(row, True)
        for _, row in vrows[vrows["stat"] == "net"].iterrows():
            record["净满意度"] = _cell(row, False)
        for _, row in vrows[vrows["stat"] == "mean"].iterrows():
            record["平均分"] = _cell(row, True)
            # how many answered is no respondent's answer: printed with a hidden mean too (a row of
            # hidden figures still says its base, as the note's N does)
            record["有效回答"] = DASH if pd.isna(row["base"]) else str(int(row["base"]))
        records.append(record)
    frame = pd.DataFrame(records).fillna("")
    if "95%置信区间" in frame and (frame["95%置信区间"] == "").all():     # a census: no intervals
        frame = frame.drop(columns="95%置信区间")
    return frame


def _long_layout(by_variable: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per category; a number's mean, median and total share one row."""
    value_column = LONG_STATS
    records: dict[tuple, dict] = {}
    for vrows in by_variable:
        scale_item = _is_scale_item(vrows)
        for _, row in vrows[vrows["stat"].isin(value_column)].iterrows():
            percent = row["stat"] in PERCENT_STATS
            key = (row["variable"], row["category"], percent)
            if key not in records:
                records[key] = dict.fromkeys(LONG_COLUMNS, "")
                records[key].update({
                    "指标": row["variable_label"],
                    "类别": row["category_label"] if percent or row["category"] else "",
                    "人数": DASH if row["suppressed"] else str(int(row["n"]))})
            record = records[key]
            record[value_column[row["stat"]]] = _cell(row, scale_item)
            record["95%置信区间"] = record["95%置信区间"] or _fmt_ci(row, scale_item)
    frame = pd.DataFrame(list(records.values()), columns=LONG_COLUMNS)
    keep = [c for c in LONG_COLUMNS if c in ("指标", "人数") or (frame[c] != "").any()]
    return frame[keep]


def _n_range(bases: pd.Series) -> str:
    low, high = int(bases.min()), int(bases.max())
    return f"N={low}" if low == high else f"N={low}～{high}"


def table_note(S: pd.DataFrame, table: str, group: str) -> str:
    """“注：N=494，基数为有效回答。…” — the base(s) of a table, what the brackets, the differences
    and the p values mean, and what “—” means."""
    return _made_once(S, ("note", table, group), lambda: _table_note(S, table, group))


def _table_note(S: pd.DataFrame, table: str, group: str) -> str:
    if is_breakdown(S, table, group):
        cells = S[(S["table"] == table) & S["group"].str.startswith(group + BREAKDOWN_SEP)]
        parts = ["各列为该类别受访者中选择各选项的百分比（%，列百分比），基数为各列的有效回答"]
        if (S[(S["table"] == table) & (S["group"] == group)]["stat"] == "chi2").any():     # a census has no test
            parts.append("卡方检验p值小于0.05表示各类别之间的差异有统计学意义")
        if cells["suppressed"].astype(bool).any():
            parts.append(hidden_note())
        return "注：" + "；".join(parts) + "。"
    rows = _select(S, table, group)
    based = rows[rows["stat"].isin(["share", "top2", "mean", "median", "rate", "member_share"])]
    if based.empty:                       # a table of statistics: the base of its first figures
        based = rows[~rows["stat"].isin(FLOW_STATS) & (rows["base_label"] != "")]
    based = based[~based["base_label"].str.contains("－", regex=False)]
    parts = []
    if not based.empty:
        per_variable = based.drop_duplicates(["variable", "base_label"])
        labels = list(per_variable["base_label"])
        main = max(labels, key=labels.count)        # the most common base; first on a tie
        mine = per_variable[per_variable["base_label"] == main]
        parts.append(f"{_n_range(mine['base'])}，基数为{main}")
        for label in dict.fromkeys(labels):
            if label == main:
                continue
            other = per_variable[per_variable["base_label"] == label]
            if set(other["variable"]) == set(mine["variable"]):
                parts.append(f"{label}的基数{_n_range(other['base'])}")
            else:
                parts.append(f"{'、'.join(other['variable_label'])}的基数为{label}，"
                             f"{_n_range(other['base'])}")
    top = rows[(rows["stat"] == "top2") & (rows["category"] == "top2")]
    if not top.empty:                     # the top-box answers are named by the codebook, not here
        boxes = "”与“".join(str(top["category_label"].iloc[0]).split("＋"))
        parts.append(f"各档次和满意率均为占基数的百分比（%），满意率为“{boxes}”之和")
        if (rows["stat"] == "net").any():
            parts.append("净满意度为满意率减去最低两档的占比（百分点）")
    diff = rows[(rows["stat"] == "diff") & rows["base_label"].str.contains("－", regex=False)]
    if not diff.empty:
        parts.append(f"差值为{diff['base_label'].iloc[0]}的占比之差（百分点）")
    elif (rows["stat"] == "diff").any():
        parts.append("差值单位为百分点")
    if _pivots(rows) and rows[["ci_low", "ci_high"]].notna().all(axis=1).any() \
            and not set(rows["stat"]) <= set(LONG_STATS):
        parts.append("括号内为95%置信区间")
    if rows["stat"].isin(P_STATS).any():
        parts.append("p值小于0.05表示差异有统计学意义，“<0.001”表示小于0.001"
                     + ("；校正后p值按Holm法对多项检验校正" if (rows["stat"] == "p_adj").any() else ""))
    if table.startswith("shared_"):
        parts += _chi_square_note(rows)
    other = rows[(rows["stat"] == "count") & (rows["category"] == "other") & ~rows["suppressed"].astype(bool)]
    if len(other) and rows["stat"].isin(["response_share", "case_share", "share"]).any():
        parts.append(f"另有{int(other['n'].iloc[0])}人填写了“其他”的具体内容（文字不予公布）")
    if rows["stat"].isin(["response_share"]).any():
        parts.append("响应百分比为各选项被选次数占全部选择次数的百分比，合计为100；个案百分比为选择该选项的人数占"
                     "回答本题人数的百分比，因可多选，合计超过100")
    parts += _totals_note(rows)
    alpha = rows[(rows["stat"] == "alpha") & ~rows["suppressed"].astype(bool) & rows["value"].notna()]
    if len(alpha) and float(alpha["value"].iloc[0]) < ALPHA_CAVEAT:
        parts.append(f"克朗巴哈α系数为{float(alpha['value'].iloc[0]):.3f}，低于{ALPHA_CAVEAT}，"
                     "各分项测量的不是同一方面，指数仅供参考，应以各分项为准")
    if rows["suppressed"].astype(bool).any():
        parts.append(hidden_note())
    return "注：" + "；".join(parts) + "。" if parts else ""


ALPHA_CAVEAT = 0.6     # Cronbach's α below this: the items do not measure one thing well enough for an index


def hidden_note() -> str:
    """What “—” means: a small cell, or one that would give a small cell away."""
    return f"“{DASH}”表示不公布的数：人数少于{MIN_CELL}人，或由其他数字可推算出这样的人数"


def rounding_note() -> str:
    """The rounding rule a reader can check (``config.SHARE_ROUNDING``)."""
    if config.SHARE_ROUNDING == "largest_remainder":
        return "百分比已按最大余数法调整到一位小数，使各项合计为100.0，个别数字与直接计算的四舍五入结果略有出入"
    return "百分比由精确比例四舍五入保留一位小数，各项相加可能与100.0略有出入"


def _totals_note(rows: pd.DataFrame) -> list[str]:
    """Shares that do not add up to 100.0 as printed say why; parts of a whole (``<den>_parts``, see
    ``stats.indicators.parts_totals``) say what they leave out."""
    out = []
    shares = rows[rows["stat"].isin(["share", "pct", "response_share"])]
    for _, v in shares.groupby(["group", "variable", "stat"], sort=False):
        if not v["suppressed"].astype(bool).any() and round(float(v["value"].sum()), 6) != 100.0:
            out.append(rounding_note())              # a reader adding the column finds 99.9 or 100.1
            break
    for _, r in rows[rows["variable"].astype(str).str.endswith("_parts") & (rows["stat"] == "ratio")].iterrows():
        if r["suppressed"] or pd.isna(r["n"]) or pd.isna(r["base"]):
            continue
        total, whole = int(r["n"]), int(r["base"])
        short = rows[rows["variable"] == f"{r['variable']}_missing"]
        name = str(r["variable_label"]).split("合计")[0]
        if total < whole:
            why = ""
            if len(short) and not short["suppressed"].iloc[0] and int(short["n"].iloc[0]):
                why = f"，有{int(short['n'].iloc[0])}{_measure_word(short.iloc[0])}只填写了部分分项"
            out.append(f"{name}合计{total}，比{r['base_label']}{whole}少{whole - total}{why}")
        elif total > whole:
            out.append(f"{name}合计{total}，比{r['base_label']}{whole}多{total - whole}（各分项的填报与总数不一致）")
    return out


def _measure_word(row: pd.Series) -> str:
    label = str(row["variable_label"])
    return "个" + label.removeprefix("有分项未填写的") if label.startswith("有分项未填写的") else "个"


def _tables_in_order(S: pd.DataFrame, group: str) -> list[tuple[str, str]]:
    rows = S[S["group"] == group]
    return list(dict.fromkeys(zip(rows["table"], rows["table_title"])))


def text_width(text: str) -> int:
    """Width in half-width character units: a Chinese character counts two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


# “62.5（50.1～73.6）”: the estimate and its interval in one cell (groups: estimate, lower, upper)
WITH_INTERVAL = re.compile(r"^(-?\d+(?:\.\d+)?)（(-?\d+(?:\.\d+)?)～(-?\d+(?:\.\d+)?)）$")
_INTERVAL_NOTE = "括号内为95%置信区间"


def has_intervals(frame: pd.DataFrame, printed: bool = False) -> bool:
    """Whether a display table has confidence intervals: a 置信区间 column or “62.5（50.1～73.6）”
    cells. ``printed``: an interval a reader would see (a column of hidden cells, “—” all the way
    down, shows none)."""
    columns = [c for c in frame.columns if "置信区间" in str(c)]
    if any(not printed or str(v) not in ("", DASH, "nan") for c in columns for v in frame[c]):
        return True
    return any(WITH_INTERVAL.match(str(v)) for c in frame.columns for v in frame[c])


def without_intervals(frame: pd.DataFrame, note: str) -> tuple[pd.DataFrame, str]:
    """The body's version of a display table: the same figures without their confidence intervals
    (the 技术附录 prints the table whole). Interval columns go, “62.5（50.1～73.6）” reads 62.5, and
    the note no longer explains brackets that are not there."""
    frame = frame.drop(columns=[c for c in frame.columns if "置信区间" in str(c)])
    frame = frame.apply(lambda col: col.map(lambda v: m.group(1) if (m := WITH_INTERVAL.match(str(v))) else v))
    note = note.replace(f"；{_INTERVAL_NOTE}", "").replace(f"{_INTERVAL_NOTE}；", "").replace(_INTERVAL_NOTE, "")
    return frame, ("" if note in ("注：。", "注：") else note)
