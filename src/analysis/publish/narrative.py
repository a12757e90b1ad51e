"""Chinese sentences in the register of a 调研报告, every number taken from the stats table.

Nothing here computes: each figure is a row of ``S`` looked up with :func:`analysis.stats.lookup`
and printed from its published ``value``, so a sentence cannot disagree with the table or the chart
that shows the same number. A sentence whose rows are missing or suppressed is left out rather
than written with a gap.
"""

from __future__ import annotations

import pandas as pd

from analysis import config
from analysis.stats import suppression
from analysis.stats.base import lookup


def fmt(row: pd.Series) -> str:
    """A published value as printed: shares with one decimal and %, 1–5 scores with two decimals."""
    v = float(row["value"])
    if row["stat"] in ("share", "top2", "rate", "member_share"):
        return f"{v:.1f}%"
    if row["stat"] == "alpha":
        return f"{v:.3f}"
    if row["stat"] == "mean" and str(row["table"]).endswith("_satisfaction"):
        return f"{v:.2f}"
    if row["stat"] in ("mean", "median"):
        return f"{v:.1f}"
    return f"{int(round(v))}"


def area_word(district: str) -> str:
    """全区 / 全县 / 全市 from the district's name."""
    for suffix in ("区", "县", "市", "旗"):
        if district.endswith(suffix):
            return "全" + suffix
    return "全地区"


def _share_list(S: pd.DataFrame, table: str, variable: str, group: str, with_counts: bool = False) -> str:
    rows = S[(S["table"] == table) & (S["variable"] == variable) & (S["group"] == group)
             & (S["stat"] == "share") & ~S["suppressed"] & (S["n"] > 0)].sort_values("order")
    if with_counts:
        return "、".join(f"{r.category_label}{int(r.n)}名（占{fmt(r)}）" for _, r in rows.iterrows())
    return "，".join(f"{r.category_label}的占{fmt(r)}" for _, r in rows.iterrows())


def _has(S: pd.DataFrame, table: str, group: str) -> bool:
    return bool(((S["table"] == table) & (S["group"] == group)).any())


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


def worker_paragraphs(S: pd.DataFrame, district: str) -> list[str]:
    """The 基本情况 paragraph on the community workforce."""
    t = "worker_composition"
    if not _has(S, t, district):
        return []
    total = lookup(S, t, "employment", "1", "share", district)
    first = (f"本次调查共有{area_word(district)}社区工作者{int(total['base'])}名参与（有效问卷），其中"
             f"{_share_list(S, t, 'employment', district, with_counts=True)}。")
    sentences = [first]
    ages = _share_list(S, t, "age_band", district)
    if ages:
        age_text = f"从年龄结构看，{ages}"
        try:
            mean = lookup(S, "worker_age", "age", "", "mean", district)
            if not mean["suppressed"]:
                age_text += f"，平均年龄{fmt(mean)}岁"
        except KeyError:
            pass
        sentences.append(age_text + "。")
    sentences += leader_sentences(S, district)
    edu2 = _share_list(S, t, "edu2", district)
    if edu2:
        sentences.append(f"从文化程度看，{edu2}。")
    party = S[(S["table"] == t) & (S["variable"] == "party") & (S["group"] == district)
              & (S["category"] == "1") & ~S["suppressed"]]
    gender = S[(S["table"] == t) & (S["variable"] == "gender") & (S["group"] == district)
               & (S["category"] == "2") & ~S["suppressed"]]
    tail = []
    if len(party):
        tail.append(f"中共党员占{fmt(party.iloc[0])}")
    if len(gender):
        tail.append(f"女性占{fmt(gender.iloc[0])}")
    if tail:
        sentences.append("队伍中" + "，".join(tail) + "。")
    return ["".join(sentences)]


def leader_sentences(S: pd.DataFrame, district: str) -> list[str]:
    """Secretaries' and directors' mean ages and the 一肩挑 rate (seed 004's 43.5, 40.6 and 53%)."""
    rows = S[(S["table"] == "worker_leaders") & (S["group"] == district) & ~S["suppressed"]]
    ages = rows[(rows["variable"] == "age") & (rows["stat"] == "mean")]
    parts = [f"{r.category_label}{int(r.n)}名，平均年龄{fmt(r)}岁" for _, r in ages.iterrows()]
    both = rows[(rows["variable"] == "one_shoulder") & (rows["category"] == "1")]
    if len(both):
        b = both.iloc[0]
        parts.append(f"书记、主任“一肩挑”的{int(b['n'])}名，占书记的{fmt(b)}")
    return ["其中" + "；".join(parts) + "。"] if parts else []


def community_paragraphs(S: pd.DataFrame, district: str) -> list[str]:
    """Coverage rates and party members by kind from the community statistics sheet."""
    cov = S[(S["table"] == "community_coverage") & (S["group"] == district) & ~S["suppressed"]].sort_values("order")
    if cov.empty:
        return []
    text = (f"社区组织基本情况统计表显示，{area_word(district)}填报社区{int(cov['base'].iloc[0])}个，"
            + "，".join(f"{r.category_label}{fmt(r)}" for _, r in cov.iterrows()) + "。")
    members = S[(S["table"] == "community_members") & (S["group"] == district) & ~S["suppressed"]].sort_values("order")
    if len(members):
        text += (f"共有党员{int(members['base'].iloc[0])}名，其中"
                 + "、".join(f"{r.variable_label}{int(r.n)}名（占{fmt(r)}）" for _, r in members.iterrows()) + "。")
    return [text]


def _p_text(row: pd.Series) -> str:
    return "p值小于千分之一" if float(row["value"]) < 0.001 else f"p={float(row['value']):.3f}"


def index_and_driver_sentences(S: pd.DataFrame, district: str) -> list[str]:
    """The satisfaction index with its reliability, and the dimensions that go with the overall item."""
    out = []
    for table, who in (("resident_index", "居民"), ("worker_index", "社区工作者")):
        rows = S[(S["table"] == table) & (S["group"] == district) & ~S["suppressed"]]
        mean, alpha = rows[rows["stat"] == "mean"], rows[rows["stat"] == "alpha"]
        if len(mean) and len(alpha):
            m, a = mean.iloc[0], alpha.iloc[0]
            out.append(f"以各分项计算的{who}满意度指数（百分制）为{fmt(m)}（95%置信区间{m['ci_low']:.1f}～"
                       f"{m['ci_high']:.1f}，{int(m['n'])}人），量表信度克朗巴哈α系数为{fmt(a)}。")
    drivers = S[(S["table"] == "resident_drivers") & (S["group"] == district) & (S["stat"] == "beta")
                & ~S["suppressed"]].sort_values("order")
    if len(drivers) >= 2:
        top = drivers.iloc[:2]
        out.append("与居民总体满意度关系最密切的是"
                   + "和".join(f"{r.variable_label}（标准化回归系数{float(r.value):.3f}）" for _, r in top.iterrows())
                   + "。")
    return out


def comparison_sentences(S: pd.DataFrame, district: str) -> list[str]:
    """The district against the other districts on overall satisfaction (residents)."""
    rows = S[(S["table"] == "resident_vs_rest") & (S["group"] == district) & (S["variable"] == "sat_overall")
             & ~S["suppressed"]].set_index("category")
    if not {"a", "b", "diff", "p_adj"} <= set(rows.index):
        return []
    d = rows.loc["diff"]
    verdict = "差异有统计学意义" if float(rows.loc["p_adj", "value"]) < 0.05 else "差异没有统计学意义"
    return [f"与其他区县相比，本区县居民总体满意率为{fmt(rows.loc['a'])}，其他区县为{fmt(rows.loc['b'])}，"
            f"相差{float(d['value']):.1f}个百分点（95%置信区间{d['ci_low']:.1f}～{d['ci_high']:.1f}），"
            f"{verdict}（Mann-Whitney检验，Holm校正后{_p_text(rows.loc['p_adj'])}）。"]


# Questions both questionnaires ask that describe who answered rather than what they think: the
# residents-vs-workers sentence (seed 002 篇3) is about opinions, so these are left to the tables.
BACKGROUND_QUESTIONS = ("gender", "party")


def residents_vs_workers_sentences(S: pd.DataFrame, district: str) -> list[str]:
    """Seed 002 篇3's comparison: on each opinion question both answer, the residents' most chosen
    answer, its share among residents and among workers, and a difference called notable only when
    the two-proportion test, Holm-adjusted (``residents_vs_workers`` rows), is below 0.05."""
    rows = S[(S["table"] == "residents_vs_workers") & (S["group"] == district)]
    out = []
    for variable in dict.fromkeys(rows["variable"]):
        if variable in BACKGROUND_QUESTIONS:
            continue
        shares = {}
        for who in ("resident", "worker"):
            s = S[(S["table"] == f"{who}_composition") & (S["group"] == district)
                  & (S["variable"] == variable) & (S["stat"] == "share")]
            shares[who] = s.set_index("category")
        r, w = shares["resident"], shares["worker"]
        mine = rows[rows["variable"] == variable]
        if r.empty or w.empty:
            continue
        modal = r[~r["suppressed"]].sort_values(["n", "order"], ascending=[False, True], kind="stable")
        if modal.empty:
            continue
        code = modal.index[0]
        by = mine[mine["category"] == code].set_index("stat")
        if (code not in w.index or bool(w.loc[code, "suppressed"]) or not {"diff", "p_adj"} <= set(by.index)
                or by["suppressed"].any()):
            continue
        rr, wr, p = r.loc[code], w.loc[code], by.loc["p_adj"]
        answer, label = rr["category_label"], rr["variable_label"]
        text = (f"在“{label}”这一问题上，回答该题的{int(rr['base'])}名居民和{int(wr['base'])}名社区工作者中，"
                f"选择“{answer}”的居民占{fmt(rr)}，社区工作者占{fmt(wr)}")
        if pd.notna(p["value"]) and float(p["value"]) < 0.05:
            higher = "社区工作者" if float(by.loc["diff", "value"]) < 0 else "居民"
            text += (f"，{higher}的这一比例明显更高，差异有统计学意义"
                     f"（两比例检验，Holm校正后{_p_text(p)}）。")
        elif pd.notna(p["value"]):
            text += f"，两者的差异没有统计学意义（两比例检验，Holm校正后{_p_text(p)}），不能据此认为两类人群看法不同。"
        else:
            text += "。"
        out.append(text)
    return out


def wave_sentences(S: pd.DataFrame, district: str) -> list[str]:
    """Headline figures against the earlier wave (seed 000's “122 → 75”): questionnaires, mean age,
    overall satisfaction, each as before → now, from the ``wave_change`` table."""
    rows = S[(S["table"] == "wave_change") & (S["group"] == district) & ~S["suppressed"]]
    if rows.empty:
        return []
    parts = []
    picks = (("flow:valid:valid", "有效{label}由{before}份变为{now}份"),
             ("worker_age::mean", "社区工作者平均年龄由{before}岁变为{now}岁"),
             ("resident_satisfaction:top2:top2", "居民总体满意率由{before}%变为{now}%"))
    for category, template in picks:
        for variable, r in rows[rows["category"] == category].groupby("variable", sort=False):
            if category.startswith("resident_satisfaction") and variable != config.OVERALL_ITEM.get("resident"):
                continue
            by = r.set_index("stat")
            if not {"before", "now"} <= set(by.index):
                continue
            fmt_ = (lambda x: f"{int(x)}") if category.startswith("flow") else (lambda x: f"{float(x):.1f}")
            text = template.format(label=by.loc["now", "variable_label"], before=fmt_(by.loc["before", "value"]),
                                   now=fmt_(by.loc["now", "value"]))
            p = by.loc["p", "value"] if "p" in by.index else float("nan")
            if pd.notna(p):
                text += "（变化有统计学意义）" if float(p) < 0.05 else "（变化没有统计学意义）"
            parts.append(text)
    title = rows["table_title"].iloc[0]
    return [f"{title}：" + "；".join(parts) + "。"] if parts else []


def resident_paragraphs(S: pd.DataFrame, district: str) -> list[str]:
    """Residents' awareness and satisfaction, with the all-districts figure beside the district's."""
    t = "resident_satisfaction"
    if not _has(S, t, district):
        return []
    paras = []
    tops = S[(S["table"] == t) & (S["group"] == district) & (S["stat"] == "top2") & ~S["suppressed"]]
    if len(tops):
        valid = S[(S["table"] == "flow") & (S["group"] == district) & (S["variable"] == "resident")
                  & (S["stat"] == "valid")]
        text = f"居民问卷有效样本{int(valid['n'].iloc[0])}份。" if len(valid) else ""
        overall = tops[tops["variable"] == "sat_overall"]
        if len(overall):
            o = overall.iloc[0]
            text += (f"居民对社区工作的总体满意率（{o['category_label']}）为{fmt(o)}"
                     f"（95%置信区间{o['ci_low']:.1f}%～{o['ci_high']:.1f}%）")
            try:
                pooled = lookup(S, t, "sat_overall", "top2", "top2", config.POOLED_GROUP)
                text += f"，全部区县为{fmt(pooled)}"
            except KeyError:
                pass
            text += "。"
        items = tops[tops["variable"] != "sat_overall"].sort_values("value", ascending=False)
        if len(items) >= 2:
            hi, lo = items.iloc[0], items.iloc[-1]
            text += (f"分项看，满意率最高的是{hi['variable_label']}（{fmt(hi)}），"
                     f"最低的是{lo['variable_label']}（{fmt(lo)}）。")
        paras.append(text)
    aware = _share_list(S, "resident_composition", "awareness", district)
    if aware:
        paras.append(f"对社区党建工作的了解程度：{aware}。")
    willing = _share_list(S, "resident_composition", "willing", district)
    if willing:
        paras.append(f"参加社区党组织活动的意愿：{willing}。")
    return paras


def worker_satisfaction_paragraphs(S: pd.DataFrame, district: str) -> list[str]:
    t = "worker_satisfaction"
    tops = S[(S["table"] == t) & (S["group"] == district) & (S["stat"] == "top2") & ~S["suppressed"]]
    if len(tops) < 2:
        return []
    tops = tops.sort_values("value", ascending=False)
    listing = "、".join(f"{r.variable_label}{fmt(r)}" for _, r in tops.iterrows())
    return [f"社区工作者对各方面的满意率依次为：{listing}。其中对{tops.iloc[-1]['variable_label']}"
            f"的满意率最低。"]


def problem_paragraphs(S: pd.DataFrame, district: str) -> list[str]:
    """The data-driven part of 存在的问题: the lowest-rated items of each questionnaire, the items
    on which the district is below the other districts (only where the Holm-adjusted test says
    the difference is significant), and the items that matter most for residents' overall
    satisfaction yet are rated below the middle (importance high, performance low)."""
    out = []
    for table, who in (("resident_satisfaction", "居民"), ("worker_satisfaction", "社区工作者")):
        tops = S[(S["table"] == table) & (S["group"] == district) & (S["stat"] == "top2")
                 & ~S["suppressed"] & (S["variable"] != config.OVERALL_ITEM.get(table.split("_")[0]))
                 ].sort_values(["value", "order"], kind="stable")
        if len(tops) >= 2:
            low = tops.iloc[:2]
            items = "和".join(f"{r.variable_label}（满意率{fmt(r)}）" for _, r in low.iterrows())
            text = f"{who}评价中满意率较低的是{items}，是下一步需要重点改进的方面。"
            text += _below_rest_sentence(S, district, f"{table.split('_')[0]}_vs_rest", who)
            out.append(text)
    out += _priority_sentences(S, district)
    return out


def _below_rest_sentence(S: pd.DataFrame, district: str, table: str, who: str) -> str:
    """Items where the district's top-two share is below the other districts' and the Holm-adjusted
    Mann-Whitney p is under 0.05; says so plainly when there is none."""
    rows = S[(S["table"] == table) & (S["group"] == district) & ~S["suppressed"]]
    if rows.empty:
        return ""
    below = []
    for _, r in rows.groupby("variable", sort=False):
        by = r.set_index("category")
        if not {"a", "b", "diff", "p_adj"} <= set(by.index):
            continue
        if float(by.loc["diff", "value"]) < 0 and float(by.loc["p_adj", "value"]) < 0.05:
            below.append(f"{by.loc['a', 'variable_label']}（本区县{fmt(by.loc['a'])}，其他区县"
                         f"{fmt(by.loc['b'])}，Holm校正后{_p_text(by.loc['p_adj'])}）")
    if below:
        return f"与其他区县相比，{who}满意率明显偏低、差异有统计学意义的有：{'；'.join(below)}。"
    return f"与其他区县相比，{who}各项满意率没有统计学意义上明显偏低的方面。"


def _priority_sentences(S: pd.DataFrame, district: str) -> list[str]:
    """Of the two dimensions most closely tied to residents' overall satisfaction, those whose
    satisfaction is below the median of the items: improving them should move the overall figure most."""
    drivers = S[(S["table"] == "resident_drivers") & (S["group"] == district) & (S["stat"] == "rank")
                & ~S["suppressed"]].sort_values("value")
    tops = S[(S["table"] == "resident_satisfaction") & (S["group"] == district) & (S["stat"] == "top2")
             & ~S["suppressed"] & (S["variable"] != config.OVERALL_ITEM.get("resident"))]
    if drivers.empty or len(tops) < 3:
        return []
    middle = tops["value"].median()
    picks = []
    for _, d in drivers.iloc[:2].iterrows():
        sat = tops[tops["variable"] == d["variable"]]
        if len(sat) and float(sat["value"].iloc[0]) < middle:
            picks.append(f"{d['variable_label']}（重要性排第{int(d['value'])}位，满意率{fmt(sat.iloc[0])}）")
    if not picks:
        return []
    return ["从与总体满意度的关系看，" + "、".join(picks)
            + "对居民总体评价影响大而满意率低于各项的中间水平，应作为优先改进的方面。"]


def weighting_sentences(S: pd.DataFrame, district: str) -> list[str]:
    """How the sample was weighted and what it changes, from the ``weighting`` and
    ``*_satisfaction_weighted`` tables (``weights.district_weighted``); says so when unweighted."""
    rows = S[(S["table"] == "weighting") & (S["group"] == district)]
    if rows.empty:
        return ["本区县没有可用的总体结构数据（config/margins/），各项比例均为未加权的样本比例。"]
    out = ["按区县内性别×年龄段的总体结构对样本进行耙权（raking）加权，过大的权数作截尾处理；"
           "加权估计的置信区间按区县分层、以社区为群的设计计算。"]
    for instrument, r in rows.groupby("variable", sort=True):
        get = {row["stat"]: row for _, row in r.iterrows()}
        text = (f"{r['variable_label'].iloc[0]}的设计效应为{float(get['deff']['value']):.2f}，"
                f"有效样本量{fmt(get['n_eff'])}份（实际{fmt(get['n'])}份）")
        item = config.OVERALL_ITEM.get(instrument)
        try:
            w = lookup(S, f"{instrument}_satisfaction_weighted", item, "top2", "top2", district) if item else None
            u = lookup(S, f"{instrument}_satisfaction", item, "top2", "top2", district) if item else None
        except KeyError:
            w = u = None
        if w is not None and not (w["suppressed"] or u["suppressed"]):
            text += (f"；加权后{w['variable_label']}的满意率为{fmt(w)}（95%置信区间{w['ci_low']:.1f}%～"
                     f"{w['ci_high']:.1f}%），未加权为{fmt(u)}")
        out.append(text + "。")
    return out


def no_valid_sentences(S: pd.DataFrame, district: str) -> list[str]:
    """A questionnaire of which the district sent responses but none survived cleaning gets a
    sentence saying so, instead of silently missing figures."""
    flow = S[(S["table"] == "flow") & (S["group"] == district)]
    out = []
    for _, rows in flow.groupby("variable", sort=False):
        valid = rows[rows["stat"] == "valid"]
        received = rows[rows["stat"] == "received"]
        if len(valid) and len(received) and int(valid["n"].iloc[0]) == 0:
            out.append(f"{rows['variable_label'].iloc[0]}共收到{int(received['n'].iloc[0])}份，经核查全部剔除"
                       "（原因见附录），没有有效问卷，相关统计从略。")
    return out


def district_paragraphs(S: pd.DataFrame, district: str, synthetic: bool) -> dict[str, list[str]]:
    """Every paragraph of a district report, by section."""
    method = flow_sentences(S, district) + weighting_sentences(S, district)
    method.append("占比均以有效回答为基数，按最大余数法舍入到0.1%，各项合计为100.0%；"
                  "括号内为95%置信区间（比例用Wilson法，均值用t分布，比例之差用Newcombe法）。"
                  + suppression.note() + "多项检验的p值用Holm法校正。")
    if synthetic:
        method.append(f"本报告使用的是{config.SAMPLE_NOTE}（由项目自带的合成数据生成器生成），"
                      "不代表任何真实区县的情况。")
    return {
        "basic": (no_valid_sentences(S, district) + worker_paragraphs(S, district)
                  + community_paragraphs(S, district) + wave_sentences(S, district)),
        "satisfaction": (resident_paragraphs(S, district) + worker_satisfaction_paragraphs(S, district)
                         + index_and_driver_sentences(S, district) + comparison_sentences(S, district)
                         + residents_vs_workers_sentences(S, district)),
        "problems": problem_paragraphs(S, district),
        "method": method,
    }
