"""Chinese sentences in the register of a 调研报告, every number taken from the stats table.

Nothing here computes: each figure is a row of ``S`` printed from its published ``value``, so a
sentence cannot disagree with the table or the chart that shows the same number. A sentence whose
rows are missing or suppressed is left out rather than written with a gap, and a sentence that
ranks ("最高的是…") is written only from published cells, never against a hidden one.

Nothing here names a question either: what a sentence is about comes from the table ids of the
report plan (:mod:`analysis.publish.plan`) and the labels in ``S``.
"""

from __future__ import annotations

import pandas as pd

from analysis import config
from analysis.publish.plan import RATING_WORDS, measure_name
from analysis.publish.tables import ALPHA_CAVEAT, PERCENT_STATS, rounding_note
from analysis.stats import suppression


def fmt(row: pd.Series) -> str:
    """A published value as printed: shares with one decimal and %, scale means with two decimals."""
    v = float(row["value"])
    if row["stat"] in PERCENT_STATS:
        return f"{v:.1f}%"
    if row["stat"] == "alpha":
        return f"{v:.3f}"
    if row["stat"] == "mean" and _is_rating(row):
        return f"{v:.2f}"
    if row["stat"] in ("mean", "median", "sd"):
        return f"{v:.1f}"
    return f"{int(round(v))}"


def _is_rating(row: pd.Series) -> bool:
    return row.get("base_label", "") == "有效回答" and str(row["category"]) == "" and \
        not str(row["table"]).endswith(("_numbers", "_indicators"))


def area_word(district: str) -> str:
    """全区 / 全县 / 全市 from a district's name; nothing for other units (a school, the whole sample)."""
    for suffix in ("区", "县", "市", "旗"):
        if district.endswith(suffix):
            return "全" + suffix
    return ""


def _rows(S: pd.DataFrame, table: str, group: str, **keys) -> pd.DataFrame:
    rows = S[(S["table"] == table) & (S["group"] == group)]
    for k, v in keys.items():
        rows = rows[rows[k] == v]
    return rows


def _shown(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[~rows["suppressed"].astype(bool) & rows["value"].notna()]


def _share_list(S: pd.DataFrame, table: str, variable: str, group: str, with_counts: bool = False,
                word: str = "名") -> str:
    rows = _shown(_rows(S, table, group, variable=variable, stat="share"))
    rows = rows[rows["n"] > 0].sort_values("order")
    if with_counts:
        return "、".join(f"{r.category_label}{int(r.n)}{word}（占{fmt(r)}）" for _, r in rows.iterrows())
    return "，".join(f"{r.category_label}的占{fmt(r)}" for _, r in rows.iterrows())


def _ranked(rows: pd.DataFrame, ascending: bool = False) -> pd.DataFrame:
    return rows.sort_values(["value", "order"], ascending=[ascending, True], kind="stable")


def _ties(rows: pd.DataFrame, value: float) -> list[str]:
    return [str(r.category_label or r.variable_label) for _, r in rows.iterrows() if float(r.value) == value]


def exact(row: pd.Series) -> bool:
    """A figure without an interval is a count of the whole (a census): its value is the fact."""
    return pd.isna(row.get("ci_low")) or pd.isna(row.get("ci_high"))


def apart(a: pd.Series, b: pd.Series) -> bool:
    """Can a reader say ``a`` and ``b`` differ? A census's figures when their printed values differ; a
    sample's when their 95% intervals do not overlap."""
    if float(a["value"]) == float(b["value"]):
        return False
    if exact(a) and exact(b):
        return True
    lo_a, hi_a = (float(a["value"]),) * 2 if exact(a) else (float(a["ci_low"]), float(a["ci_high"]))
    lo_b, hi_b = (float(b["value"]),) * 2 if exact(b) else (float(b["ci_low"]), float(b["ci_high"]))
    return hi_a < lo_b or hi_b < lo_a


def leaders(rows: pd.DataFrame, ascending: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the leading rows, the rest): the highest (``ascending``: lowest) published rows, up to the last
    one a reader cannot tell apart from the first (:func:`apart`). The leaders are a head of the
    ranking, so each is above (below) every row of the rest, and every row of the rest is apart
    from the first."""
    ranked = _ranked(rows, ascending)
    if ranked.empty:
        return ranked, ranked
    first = ranked.iloc[0]
    close = [k for k, (_, r) in enumerate(ranked.iterrows()) if not apart(first, r)]
    head = max(close) + 1
    return ranked.iloc[:head], ranked.iloc[head:]


def _unknown_rest(rows: pd.DataFrame, all_rows: pd.DataFrame) -> float:
    """Respondents in the hidden cells of one distribution, as a reader can work it out: the base
    minus the published counts (nothing hidden: 0)."""
    hidden = all_rows["suppressed"].astype(bool)
    if not hidden.any():
        return 0.0
    base = all_rows["base"].dropna()
    if base.empty:
        return float("inf")
    return float(base.iloc[0]) - float(rows["n"].sum())


def _names(rows: pd.DataFrame, column: str = "category_label") -> list[str]:
    return [str(r[column]) for _, r in rows.iterrows()]


def _ranked_text(rows: pd.DataFrame, column: str = "category_label") -> str:
    """“甲”（50.0%）、“乙”（48.0%）; with “两者/几项差别不明显” when several lead together."""
    text = "、".join(f"“{r[column]}”（{fmt(r)}）" for _, r in rows.iterrows())
    if len(rows) > 1:
        text += "（" + ("两者" if len(rows) == 2 else "几项") + ("相差在抽样误差范围内" if not all(
            exact(r) for _, r in rows.iterrows()) else "相同") + "）"
    return text


PERSON_ENDINGS = ("者", "员", "民", "人", "生", "师", "长", "记", "任", "工", "众", "属", "友", "户")


def counter(who: str) -> str:
    """The measure word for respondents: 名 for people (社区工作者, 居民, 学生 …), 个 otherwise
    (a community sheet filled in by an office)."""
    return "名" if str(who).rstrip("）)").split("（")[0].endswith(PERSON_ENDINGS) else "个"


def _quoted(names: list[str]) -> str:
    return "、".join(f"“{n}”" for n in names)


# -- the sample ------------------------------------------------------------------------------------

def flow_sentences(S: pd.DataFrame, district: str) -> list[str]:
    """How many questionnaires came in, how many were set aside and why, how many were used."""
    out = []
    flow = S[(S["table"] == "flow") & (S["group"] == district)]
    for _, rows in flow.groupby("variable", sort=False):
        rows = rows.sort_values("order")
        title = rows["variable_label"].iloc[0]
        received = rows[rows["stat"] == "received"].iloc[0]
        valid = rows[rows["stat"] == "valid"].iloc[0]
        dropped = rows[rows["stat"] == "excluded"]
        if len(dropped):
            why = "、".join(f"{r.category_label.removeprefix('剔除：')}{int(r.n)}份" for _, r in dropped.iterrows())
            out.append(f"{title}共收到{int(received.n)}份，剔除{why}，有效{int(valid.n)}份。")
        else:
            out.append(f"{title}共收到{int(received.n)}份，全部有效。")
    return out


def no_valid_sentences(S: pd.DataFrame, district: str) -> list[str]:
    """A questionnaire of which the unit sent responses but none survived cleaning gets a sentence
    saying so, instead of silently missing figures."""
    flow = S[(S["table"] == "flow") & (S["group"] == district)]
    out = []
    for _, rows in flow.groupby("variable", sort=False):
        valid = rows[rows["stat"] == "valid"]
        received = rows[rows["stat"] == "received"]
        if len(valid) and len(received) and int(valid["n"].iloc[0]) == 0:
            out.append(f"{rows['variable_label'].iloc[0]}共收到{int(received['n'].iloc[0])}份，经核查全部剔除"
                       "（原因见附录），没有有效问卷，相关统计从略。")
    return out


def profile_sentences(S: pd.DataFrame, table: str, group: str, who: str, *,
                      means: dict[str, tuple[pd.Series, str]] | None = None) -> list[str]:
    """样本基本情况: how many respondents, then each profile question's published shares in option
    order (the first with counts); ``means`` adds a number's mean (row of ``<inst>_numbers``, unit)
    after the bands made from it."""
    rows = _rows(S, table, group, stat="share")
    if rows.empty:
        return []
    variables = list(dict.fromkeys(rows.sort_values("order", kind="stable")["variable"]))
    total = int(rows["base"].max())
    area = area_word(group)
    word = counter(who)
    text = [f"本次调查{area}共有{who}{total}{word}参与（有效问卷）。" if word == "名"
            else f"本次调查{area}共收到{who}有效问卷{total}份。"]
    for i, variable in enumerate(variables):
        listing = _share_list(S, table, variable, group, with_counts=(i == 0), word=word)
        label = rows.loc[rows["variable"] == variable, "variable_label"].iloc[0]
        if not listing:
            continue
        sentence = f"从{label}看，{listing}"
        mean, unit = (means or {}).get(variable, (None, ""))
        if mean is not None and not mean["suppressed"]:
            sentence += f"，平均{mean['variable_label']}{fmt(mean)}{unit}"
        text.append(sentence + "。")
    return ["".join(text)]


def indicator_sentences(S: pd.DataFrame, table: str, group: str, units: dict[str, str] | None = None,
                        word: str = "名") -> list[str]:
    """Declared indicators in one sentence: a subgroup's size, means with their unit and base,
    shares with n of base, counts; ``word`` counts respondents (名, 个)."""
    rows = _shown(_rows(S, table, group)).sort_values("order", kind="stable")
    parts = []
    for _, r in rows.iterrows():
        unit = (units or {}).get(r["variable"], "")
        if r["stat"] == "mean":
            parts.append(f"{r['variable_label']}为{fmt(r)}{unit}（{int(r['n'])}{word}）")
        elif r["stat"] in ("share", "rate", "ratio"):
            joiner = "" if "占" in str(r["variable_label"]) else "为"       # 离退休党员占党员总数59.8%
            parts.append(f"{r['variable_label']}{joiner}{fmt(r)}（{int(r['n'])}/{int(r['base'])}）")
        elif r["stat"] == "count":
            parts.append(f"{r['variable_label']}{int(r['n'])}{unit or word}")
    return ["其中，" + "；".join(parts) + "。"] if parts else []


# -- questions -------------------------------------------------------------------------------------

def single_sentences(S: pd.DataFrame, table: str, group: str) -> list[str]:
    """A single-choice question: the most chosen answer and the next, of the valid answers. Said only
    where it holds for a reader of the published cells: no hidden cell can be as large (the base
    minus the published counts is smaller), and answers a sample cannot tell apart are named together."""
    every = _rows(S, table, group, stat="share")
    rows = _ranked(_shown(every))
    hidden = every["suppressed"].astype(bool).any()
    if rows.empty or (len(rows) < 2 and not hidden):
        return []
    label = rows["variable_label"].iloc[0]
    rest_hidden = _unknown_rest(rows, every)
    first, rest = leaders(rows)
    if rest.empty and not hidden:         # every answer leads together: the shares, in the questionnaire's order
        listing = "、".join(f"“{r['category_label']}”{fmt(r)}" for _, r in rows.sort_values("order").iterrows())
        return [f"{label}（{int(rows['base'].iloc[0])}人回答）：各项依次为{listing}"
                f"（{'各项相差在抽样误差范围内，不排高低' if not all(exact(r) for _, r in rows.iterrows()) else '各项相同'}）。"]
    if rest_hidden >= float(first["n"].min()):
        return []
    text = f"{label}（{int(rows['base'].iloc[0])}人回答）：选择最多的是{_ranked_text(first)}"
    if len(rest):
        second = leaders(rest)[0]
        if len(first) == 1 and rest_hidden < float(second["n"].min()) and len(second) <= 2:
            text += f"，其次是{_ranked_text(second)}"
    return [text + ("；人数过少的选项未公布" if hidden else "") + "。"]


def multi_sentences(S: pd.DataFrame, table: str, group: str) -> list[str]:
    """A multi-select: the options chosen by the largest shares of respondents (up to three, with
    any a sample cannot tell apart from the third). Options hidden as small are not ranked against:
    the sentence then speaks of the published options and says how many are left out."""
    every = _rows(S, table, group, stat="case_share")
    rows = _ranked(_shown(every))
    if rows.empty:
        return []
    label = rows["variable_label"].iloc[0]
    picked = rows.iloc[:0]
    rest = rows
    while len(picked) < 3 and len(rest):
        lead, rest = leaders(rest)
        picked = pd.concat([picked, lead])
    if len(picked) > 5:
        return []
    listing = "、".join(f"“{r.category_label}”（{fmt(r)}）" for _, r in picked.iterrows())
    hidden = int(every["suppressed"].astype(bool).sum())
    where = f"在公布的选项中（另有{hidden}个选项人数过少未公布），" if hidden else ""
    most = "选择比例最高的是" if len(picked) == 1 else "选择比例较高的依次是"
    return [f"{label}（多选题，{int(rows['base'].iloc[0])}人回答）：{where}{most}{listing}。"]


def _measure(row: pd.Series) -> str:
    """The name of a battery's top-box share: 满意率, 同意率, or the answers it adds up."""
    label = str(row["category_label"])
    for word in RATING_WORDS:
        if word in label:
            return f"{word}率"
    return f"“{label}”比例"


def _named(row: pd.Series) -> str:
    """An item's top-box share by name (总体满意度 → 总体满意率), from its published row."""
    return measure_name(str(row["variable_label"]), str(row["category_label"]).split("＋"))


def _interval(row: pd.Series, percent: bool = True) -> str:
    """“（95%置信区间a%～b%）” for a sample's figure; nothing for a census's (no interval)."""
    if exact(row):
        return ""
    unit = "%" if percent else ""
    return f"（95%置信区间{row['ci_low']:.1f}{unit}～{row['ci_high']:.1f}{unit}）"


def item_ranking(S: pd.DataFrame, table: str, group: str, overall: str | None,
                 ascending: bool = False) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """A battery's items (the overall item aside) ranked by their published top-box shares: (the
    leading items, the rest), or None when no ranking can be said — an item's share is hidden
    (it could be anywhere), fewer than two items, or every item ties with the first."""
    every = _rows(S, table, group, stat="top2")
    every = every[every["variable"] != overall]
    if len(every) < 2 or every["suppressed"].astype(bool).any() or every["value"].isna().any():
        return None
    lead, rest = leaders(every, ascending)
    if rest.empty:
        return None
    return lead, rest


def battery_sentences(S: pd.DataFrame, table: str, group: str, overall: str | None,
                      pooled_label: str = config.POOLED_GROUP, with_interval: bool = True) -> list[str]:
    """A rating battery: the overall item's top-box share (a sample's with its interval) and the
    pooled group's, then the highest and lowest of the other items — only when every item is
    published and the leaders can be told apart from the rest (:func:`item_ranking`); otherwise the
    published items in questionnaire order, saying why they are not ranked."""
    tops = _shown(_rows(S, table, group, stat="top2"))
    if tops.empty:
        return []
    measure = _measure(tops.iloc[0])
    text = ""
    if overall:
        o = tops[tops["variable"] == overall]
        if len(o):
            o = o.iloc[0]
            text += f"{_named(o)}（{o['category_label']}）为{fmt(o)}{_interval(o) if with_interval else ''}"
            pooled = _shown(_rows(S, table, config.POOLED_GROUP, stat="top2", variable=overall))
            if len(pooled) and group != config.POOLED_GROUP:
                text += f"，{pooled_label}为{fmt(pooled.iloc[0])}"
            text += "。"
    items = tops[tops["variable"] != overall].sort_values("order", kind="stable")
    every = _rows(S, table, group, stat="top2")
    every = every[every["variable"] != overall]
    high, low = item_ranking(S, table, group, overall), item_ranking(S, table, group, overall, ascending=True)
    if high is not None and low is not None:
        top, bottom = high[0], low[0]
        text += (f"分项看，{measure}最高的是{_ranked_text(top, 'variable_label')}，"
                 f"最低的是{_ranked_text(bottom, 'variable_label')}。")
    elif len(items) >= 2:
        hidden = int(every["suppressed"].astype(bool).sum())
        why = (f"另有{hidden}项人数过少未公布，无法排出高低" if hidden
               else "各项相差在抽样误差范围内，不排高低" if not all(exact(r) for _, r in items.iterrows())
               else "各项相同")
        listing = "、".join(f"{r['variable_label']}{fmt(r)}" for _, r in items.iterrows())
        text += f"分项{measure}依次为{listing}（{why}）。"
    elif len(items) == 1 and not overall:
        r = items.iloc[0]
        text += f"{r['variable_label']}的{measure}为{fmt(r)}。"
    return [text] if text else []


def index_sentences(S: pd.DataFrame, table: str, group: str, label: str, with_interval: bool = True) -> list[str]:
    """The battery's 0–100 index (a sample's with its interval) and Cronbach's α, with a caveat when
    α is below ``ALPHA_CAVEAT``."""
    rows = _shown(_rows(S, table, group))
    mean, alpha = rows[rows["stat"] == "mean"], rows[(rows["stat"] == "alpha")]
    if mean.empty or alpha.empty:
        return []
    m, a = mean.iloc[0], alpha.iloc[0]
    span = "" if exact(m) or not with_interval else f"95%置信区间{m['ci_low']:.1f}～{m['ci_high']:.1f}，"
    text = (f"以各分项计算的{label}指数（百分制）为{fmt(m)}（{span}{int(m['n'])}人），"
            f"量表信度克朗巴哈α系数为{fmt(a)}")
    if float(a["value"]) < ALPHA_CAVEAT:
        text += "，信度偏低，各分项测量的不是同一方面，指数仅供参考，应以各分项为准"
    return [text + "。"]


def driver_sentences(S: pd.DataFrame, table: str, group: str) -> list[str]:
    drivers = _shown(_rows(S, table, group, stat="beta")).sort_values("order")
    if len(drivers) < 2:
        return []
    top = drivers.iloc[:2]
    return ["与总体评价关系最密切的是"
            + "和".join(f"{r.variable_label}（标准化回归系数{float(r.value):.3f}）" for _, r in top.iterrows()) + "。"]


def _p_text(row: pd.Series) -> str:
    return "p值小于千分之一" if float(row["value"]) < 0.001 else f"p={float(row['value']):.3f}"


def vs_rest_sentences(S: pd.DataFrame, table: str, group: str, overall: str | None, unit_label: str) -> list[str]:
    """The unit against the other units on the battery's overall item: a census's difference as it
    is, a sample's with the verdict of its test."""
    if not overall:
        return []
    rows = _shown(_rows(S, table, group, variable=overall)).set_index("category")
    if not {"a", "b", "diff"} <= set(rows.index):
        return []
    d = rows.loc["diff"]
    top = _rows(S, table.removesuffix("_vs_rest"), group, variable=overall, stat="top2")
    name = _named(top.iloc[0]) if len(top) else f"{d['variable_label']}的比例"
    text = (f"与其他{unit_label}相比，本{unit_label}{name}为{fmt(rows.loc['a'])}，"
            f"其他{unit_label}为{fmt(rows.loc['b'])}，")
    gap = float(d["value"])
    if "p_adj" not in rows.index:              # a census: the difference is the fact
        if gap == 0:
            return [text + "两者相同。"]
        return [text + f"{'高' if gap > 0 else '低'}{abs(gap):.1f}个百分点。"]
    verdict = "差异有统计学意义" if float(rows.loc["p_adj", "value"]) < 0.05 else "差异没有统计学意义"
    return [text + f"相差{gap:.1f}个百分点（95%置信区间{d['ci_low']:.1f}～{d['ci_high']:.1f}），{verdict}"
            f"（Holm校正后{_p_text(rows.loc['p_adj'])}）。"]


def shared_sentences(S: pd.DataFrame, table: str, group: str, pair: tuple[str, str], names: tuple[str, str],
                     skip: set[str], plain: bool = False) -> list[str]:
    """Two questionnaires asked the same question: the first group's most chosen answer, its share
    in both, and a difference called notable only when the Holm-adjusted two-proportion test is
    below 0.05. ``skip``: background questions (profiles), left to the table."""
    from analysis.publish.tables import published_row

    rows = _rows(S, table, group)
    out = []
    for variable in dict.fromkeys(rows["variable"]):
        if variable in skip or "×" in str(variable):
            continue
        shares = []
        for inst in pair:
            found = pd.DataFrame()
            for t in (f"{inst}_composition", f"{inst}_q_{variable}"):
                found = _rows(S, t, group, variable=variable, stat="share")
                if len(found):
                    break
            shares.append(found.set_index("category"))
        a, b = shares
        if a.empty or b.empty:
            continue
        modal = _shown(a.reset_index()).sort_values(["n", "order"], ascending=[False, True], kind="stable")
        if modal.empty:
            continue
        code = modal["category"].iloc[0]
        mine = rows[(rows["variable"] == variable) & (rows["category"] == code)].set_index("stat")
        p = published_row(S, group, table, variable, "p_adj", code)
        if code not in b.index or bool(b.loc[code, "suppressed"]) or p is None or "diff" not in mine.index:
            continue
        ra, rb = a.loc[code], b.loc[code]
        text = (f"在“{ra['variable_label']}”这一问题上，回答该题的{int(ra['base'])}名{names[0]}和{int(rb['base'])}名"
                f"{names[1]}中，选择“{ra['category_label']}”的{names[0]}占{fmt(ra)}，{names[1]}占{fmt(rb)}")
        test = "" if plain else f"（两比例检验，Holm校正后{_p_text(p)}）"
        if pd.notna(p["value"]) and float(p["value"]) < 0.05:
            higher = names[1] if float(mine.loc["diff", "value"]) < 0 else names[0]
            text += f"，{higher}的这一比例明显更高" + ("。" if plain else f"，差异有统计学意义{test}。")
        elif pd.notna(p["value"]):
            text += ("，两者的差距在抽样误差范围内" if plain else f"，两者的差异没有统计学意义{test}") \
                + "，不能据此认为两类人群看法不同。"
        else:
            text += "。"
        out.append(text)
    return out


def wave_sentences(S: pd.DataFrame, district: str, overall: set[tuple[str, str]] | None = None,
                   units: dict[str, str] | None = None) -> list[str]:
    """Headline figures against the earlier wave, each as before → now, from ``wave_change``: the
    valid questionnaires, each number's mean, the overall items' top-box shares (``overall``:
    (battery table, item) pairs) and the declared indicators; the rest is left to the table."""
    rows = _shown(_rows(S, "wave_change", district))
    if rows.empty:
        return []
    parts = []
    for (category, _), r in rows.groupby(["category", "variable"], sort=False):
        by = r.set_index("stat")
        if not {"before", "now"} <= set(by.index):
            continue
        table, stat = str(category).split(":", 1)[0], str(category).rsplit(":", 1)[-1]
        now, before = by.loc["now"], by.loc["before"]
        label, var = str(now["variable_label"]), str(now["variable"])
        unit = (units or {}).get(var, "")
        if table == "flow":
            text = f"有效{label}由{int(before['value'])}份变为{int(now['value'])}份"
        elif table.endswith("_numbers") and stat == "mean":
            titles = S.loc[S["table"] == table, "table_title"]
            who = str(titles.iloc[0]).removesuffix("数值题") if len(titles) else ""
            text = f"{who}平均{label}由{float(before['value']):.1f}{unit}变为{float(now['value']):.1f}{unit}"
        elif stat == "top2" and (table, var) in (overall or set()):
            text = f"{_named(now)}由{float(before['value']):.1f}%变为{float(now['value']):.1f}%"
        elif table.endswith("_indicators") and stat in ("mean", "rate", "ratio"):
            percent = "%" if stat != "mean" else unit
            text = f"{label}由{float(before['value']):.1f}{percent}变为{float(now['value']):.1f}{percent}"
        else:
            continue
        p = by.loc["p", "value"] if "p" in by.index else float("nan")
        if pd.notna(p):
            text += "（变化有统计学意义）" if float(p) < 0.05 else "（变化没有统计学意义）"
        parts.append(text)
    return [f"{rows['table_title'].iloc[0]}：" + "；".join(parts) + "。"] if parts else []


# -- findings --------------------------------------------------------------------------------------

def low_items_sentences(S: pd.DataFrame, table: str, group: str, overall: str | None, who: str,
                        label: str) -> list[str]:
    """The lowest-rated items of a battery (the overall item aside): the lowest and any item a reader
    cannot tell apart from it — said only when every item is published (:func:`item_ranking`)."""
    ranking = item_ranking(S, table, group, overall, ascending=True)
    if ranking is None:
        return []
    low = ranking[0]
    measure = _measure(low.iloc[0])
    items = "、".join(f"{r.variable_label}（{measure}{fmt(r)}）" for _, r in low.iterrows())
    word = "最低的是" if len(low) == 1 else "最低的几项是"
    return [f"{who}{label}中{measure}{word}{items}，是下一步需要重点改进的方面。"]


def below_rest_sentences(S: pd.DataFrame, table: str, group: str, who: str, unit_label: str,
                         plain: bool = False) -> list[str]:
    """Items where the unit's top-box share is below the other units': a sample's where the
    Holm-adjusted p is under 0.05, a census's every item below (the figures are the whole); says so
    plainly when there is none."""
    rows = _shown(_rows(S, table, group))
    if rows.empty:
        return []
    diffs = rows[rows["category"] == "diff"]
    if diffs.empty:
        return []
    below, tested = [], not exact(diffs.iloc[0])          # a census's differences carry no interval
    for _, r in rows.groupby("variable", sort=False):
        by = r.set_index("category")
        if not {"a", "b", "diff"} <= set(by.index) or float(by.loc["diff", "value"]) >= 0:
            continue
        if tested and "p_adj" in by.index and float(by.loc["p_adj", "value"]) < 0.05:
            test = "" if plain else f"，Holm校正后{_p_text(by.loc['p_adj'])}"
            below.append(f"{by.loc['a', 'variable_label']}（本{unit_label}{fmt(by.loc['a'])}，其他{unit_label}"
                         f"{fmt(by.loc['b'])}{test}）")
        elif not tested:
            below.append(f"{by.loc['a', 'variable_label']}（本{unit_label}{fmt(by.loc['a'])}，其他{unit_label}"
                         f"{fmt(by.loc['b'])}）")
    if below and tested:
        verdict = "评价明显偏低的有" if plain else "评价明显偏低、差异有统计学意义的有"
        return [f"与其他{unit_label}相比，{who}{verdict}：{'；'.join(below)}。"]
    if below:
        return [f"与其他{unit_label}相比，{who}评价低于其他{unit_label}的有：{'；'.join(below)}。"]
    if tested:
        return [f"与其他{unit_label}相比，{who}各项评价没有明显偏低的方面。" if plain
                else f"与其他{unit_label}相比，{who}各项评价没有统计学意义上明显偏低的方面。"]
    return [f"与其他{unit_label}相比，{who}公布的各项评价都不低于其他{unit_label}。"]


def priority_sentences(S: pd.DataFrame, battery: str, drivers: str, group: str, overall: str | None) -> list[str]:
    """Of the two items most closely tied to the overall item, those rated below the middle of the
    items: improving them should move the overall figure most."""
    ranks = _shown(_rows(S, drivers, group, stat="rank")).sort_values("value")
    every = _rows(S, battery, group, stat="top2")
    every = every[every["variable"] != overall]
    tops = _shown(every)
    if ranks.empty or len(tops) < 3 or len(tops) < len(every):     # the middle of all items, or nothing
        return []
    middle = tops["value"].median()
    picks = []
    for _, d in ranks.iloc[:2].iterrows():
        sat = tops[tops["variable"] == d["variable"]]
        if len(sat) and float(sat["value"].iloc[0]) < middle:
            picks.append(f"{d['variable_label']}（重要性排第{int(d['value'])}位，{_measure(sat.iloc[0])}{fmt(sat.iloc[0])}）")
    if not picks:
        return []
    return ["从与总体评价的关系看，" + "、".join(picks) + "影响大而评价低于各项的中间水平，应作为优先改进的方面。"]


# -- method ----------------------------------------------------------------------------------------

def weighting_sentences(S: pd.DataFrame, district: str, overall_of: dict[str, tuple[str, str]] | None = None,
                        unweighted: list[str] | tuple[str, ...] = ()) -> list[str]:
    """How the sample was weighted and what it changes, from the ``weighting`` and
    ``<battery>_weighted`` tables; says so when unweighted. ``overall_of``: instrument → (battery
    table, overall item). ``unweighted``: why questionnaires with margins could not be weighted
    for this unit (``weighting.weights.unweighted_notes``), said instead of “no margins”."""
    rows = S[(S["table"] == "weighting") & (S["group"] == district)]
    if rows.empty:
        return list(unweighted) or ["没有可用的总体结构数据（config/margins/），各项比例均为未加权的样本比例。"]
    out = ["按总体结构对样本进行加权，过大的权数作截尾处理；加权估计的置信区间按分层、整群的抽样设计计算。"]
    for instrument, r in rows.groupby("variable", sort=True):
        get = {row["stat"]: row for _, row in r.iterrows()}
        if "deff" not in get or "n_eff" not in get:
            continue
        text = (f"{r['variable_label'].iloc[0]}的设计效应为{float(get['deff']['value']):.2f}，"
                f"有效样本量{fmt(get['n_eff'])}份（实际{fmt(get['n'])}份）")
        table, item = (overall_of or {}).get(instrument, (None, None))
        if item:
            w = _shown(_rows(S, f"{table}_weighted", district, variable=item, stat="top2"))
            u = _shown(_rows(S, table, district, variable=item, stat="top2"))
            if len(w) and len(u):
                w, u = w.iloc[0], u.iloc[0]
                text += (f"；加权后{w['variable_label']}的{_measure(w)}为{fmt(w)}（95%置信区间{w['ci_low']:.1f}%～"
                         f"{w['ci_high']:.1f}%），未加权为{fmt(u)}")
        out.append(text + "。")
    return out + list(unweighted)


def method_sentences(S: pd.DataFrame, district: str, synthetic: bool,
                     overall_of: dict[str, tuple[str, str]] | None = None,
                     unweighted: list[str] | tuple[str, ...] = ()) -> list[str]:
    method = weighting_sentences(S, district, overall_of, unweighted)
    method.append("占比均以有效回答为基数（“百分比”以全部受访者为基数）；" + rounding_note() + "。"
                  "抽样调查的比例和均值附95%置信区间（比例用Wilson法，均值用t分布，比例之差用Newcombe法），"
                  "多项检验的p值用Holm法校正；普查（全部对象都填写）的数字是全体的实数，不附置信区间，也不作检验。"
                  + suppression.note())
    if synthetic:
        method.append(f"本报告使用的是{config.SAMPLE_NOTE}（由项目自带的合成数据生成器生成），"
                      "不代表任何真实地区的情况。")
    return method


# -- problems, and the reader's register -------------------------------------------------------------

def concern_sentences(S: pd.DataFrame, table: str, group: str, concerns: dict[str, tuple[str, float, str]],
                      word: str = "名") -> list[str]:
    """存在的问题 from declared indicators (``concern: {below|above, says}`` in the codebook): each
    problem with its figure, said only when the published figure is past the threshold — a census's
    value as it is, a sample's whole interval (so the claim holds for the population)."""
    out = []
    rows = _shown(_rows(S, table, group)).set_index("variable")
    for name, (op, threshold, says) in concerns.items():
        if name not in rows.index:
            continue
        r = rows.loc[name]
        r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
        v = float(r["value"])
        edge = v if exact(r) else float(r["ci_high"] if op == "below" else r["ci_low"])
        if not ((edge < threshold) if op == "below" else (edge > threshold)):
            continue
        figure = f"{r['variable_label']}为{fmt(r)}"
        if r["stat"] in ("share", "rate", "ratio") and pd.notna(r["base"]):
            figure += f"（{int(r['n'])}/{int(r['base'])}）"
        out.append(f"{says}：{figure}。")
    return out


def register_sentences(census: list[str], sample: list[str], weighted: bool) -> list[str]:
    """The one sentence of the body on what its figures are and where the technical detail is:
    which questionnaires are a census, that the official figures are unweighted, and the appendix."""
    parts = []
    if census:
        parts.append(f"{'、'.join(census)}为普查（全部对象都填写），文中数字是全体的实数")
    if sample:
        parts.append(f"{'、'.join(sample)}为抽样调查，文中比例是样本比例")
    text = "；".join(parts) + "。" if parts else ""
    text += ("本报告以未加权的数字为准；" if weighted else "") + \
        "抽样数字的置信区间、统计检验、加权结果和计算方法见文末技术附录。"
    return [text]


def plain_vs_rest_sentences(S: pd.DataFrame, table: str, group: str, overall: str | None,
                            unit_label: str) -> list[str]:
    """The unit against the other units in the body's words: the two figures, the gap, and for a
    sample whether the gap is clear (its test is in the technical appendix)."""
    if not overall:
        return []
    rows = _shown(_rows(S, table, group, variable=overall)).set_index("category")
    if not {"a", "b", "diff"} <= set(rows.index):
        return []
    gap = float(rows.loc["diff", "value"])
    top = _rows(S, table.removesuffix("_vs_rest"), group, variable=overall, stat="top2")
    name = _named(top.iloc[0]) if len(top) else f"{rows.loc['diff', 'variable_label']}的比例"
    text = (f"与其他{unit_label}相比，本{unit_label}{name}为{fmt(rows.loc['a'])}，"
            f"其他{unit_label}为{fmt(rows.loc['b'])}")
    if gap == 0:
        return [text + "，两者相同。"]
    text += f"，{'高' if gap > 0 else '低'}{abs(gap):.1f}个百分点"
    if "p_adj" in rows.index:
        text += "，差距明显" if float(rows.loc["p_adj", "value"]) < 0.05 else "，差距在抽样误差范围内，不能认为两者不同"
    elif not exact(rows.loc["diff"]):
        return [text + "。"]
    return [text + "。"]
