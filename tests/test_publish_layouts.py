"""The human tables of the generic report (a single-choice question's frequencies, a multi-select's
response and case percents, numbers, free-text counts, breakdowns, indicators), the diverging
chart's split of any scale, and the names of top-box measures — on hand-made stats rows whose
printed values are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.publish import charts, narrative, tables
from analysis.publish.plan import measure_name
from analysis.stats.base import make_rows, wilson_ci
from analysis.stats.suppression import DASH

G = "第一中学"


def _single() -> pd.DataFrame:
    # 50 respondents: 20 / 18 / 2 (suppressed) valid answers, 10 unanswered
    n = np.array([20, 18, 2])
    share = make_rows(table="s_q_q1", table_title="上学方式", group=G, variable="q1", variable_label="上学方式",
                      category=["1", "2", "3"], category_label=["步行", "公交", "其他"], order=[1, 2, 3],
                      stat="share", n=n, base=40, base_label="有效回答", value=[50.0, 45.0, 5.0],
                      suppressed=[False, False, True])
    pct = make_rows(table="s_q_q1", table_title="上学方式", group=G, variable="q1", variable_label="上学方式",
                    category=["1", "2", "3", "missing"], category_label=["步行", "公交", "其他", "未回答"],
                    order=[1, 2, 3, 4], stat="pct", n=[20, 18, 2, 10], base=50, base_label="全部受访者",
                    value=[40.0, 36.0, 4.0, 20.0], suppressed=[False, False, True, False])
    return pd.concat([share, pct], ignore_index=True)


def test_single_choice_prints_frequency_percent_and_valid_percent():
    frame = tables.display_table(_single(), "s_q_q1", G)
    assert list(frame.columns) == ["选项", "频数", "百分比（%）", "有效百分比（%）"]
    rows = frame.set_index("选项")
    assert rows.loc["步行"].tolist() == ["20", "40.0", "50.0"]
    assert rows.loc["其他"].tolist() == [DASH, DASH, DASH]          # suppressed: no count either
    assert rows.loc["未回答"].tolist() == ["10", "20.0", ""]
    assert rows.loc["合计"].tolist() == ["50", "100.0", "100.0"]


def test_single_choice_sentence_ranks_published_cells_only():
    text = narrative.single_sentences(_single(), "s_q_q1", G)[0]
    assert "“步行”（50.0%）" in text and "其次是“公交”（45.0%）" in text and "40人回答" in text
    assert "其他" not in text and "未公布" in text


def _multi() -> pd.DataFrame:
    # 30 answered; mentions 24 / 15 / 6 = 45; other text typed by 4
    n = np.array([24, 15, 6])
    resp = make_rows(table="s_q_q2", table_title="兴趣", group=G, variable="q2", variable_label="课外兴趣",
                     category=["1", "2", "3"], category_label=["运动", "阅读", "音乐"], order=[1, 2, 3],
                     stat="response_share", n=n, base=45, base_label="应答人次", value=[53.3, 33.3, 13.4])
    case = make_rows(table="s_q_q2", table_title="兴趣", group=G, variable="q2", variable_label="课外兴趣",
                     category=["1", "2", "3"], category_label=["运动", "阅读", "音乐"], order=[1, 2, 3],
                     stat="case_share", n=n, base=30, base_label="回答本题人数", value=[80.0, 50.0, 20.0])
    other = make_rows(table="s_q_q2", table_title="兴趣", group=G, variable="q2", variable_label="课外兴趣",
                      category="other", category_label="其他（注明）", order=[4], stat="count", n=4, base=30,
                      base_label="回答本题人数", value=4.0)
    return pd.concat([resp, case, other], ignore_index=True)


def test_multi_select_prints_response_and_case_percents_and_counts_other_text():
    S = _multi()
    frame = tables.display_table(S, "s_q_q2", G)
    assert list(frame.columns) == ["选项", "响应数", "响应百分比（%）", "个案百分比（%）"]
    rows = frame.set_index("选项")
    assert rows.loc["运动"].tolist() == ["24", "53.3", "80.0"]
    assert rows.loc["合计"].tolist() == ["45", "100.0", ""]     # case percents add above 100: not summed here
    assert "其他（注明）" not in rows.index
    note = tables.table_note(S, "s_q_q2", G)
    assert "另有4人填写了“其他”" in note and "合计超过100" in note
    text = narrative.multi_sentences(S, "s_q_q2", G)[0]
    assert "选择比例较高的依次是“运动”（80.0%）、“阅读”（50.0%）、“音乐”（20.0%）" in text and "30人" in text


def test_a_single_choice_whose_answers_a_sample_cannot_rank_says_each_share():
    """40 answers spread 10/8/9/13 over four options (a 问卷星 CSV no test was written for): no
    answer leads (the intervals overlap), and the question had no sentence at all; it now says each
    share in the questionnaire's order, and that they are not ranked."""
    n = np.array([10, 8, 9, 13])
    lo, hi = wilson_ci(n, 40)
    S = make_rows(table="s_q_q5", table_title="年限", group=G, variable="q5", variable_label="担任现职的年限",
                  category=["1", "2", "3", "4"], category_label=["1年以下", "1-3年", "3-5年", "5年以上"],
                  order=[1, 2, 3, 4], stat="share", n=n, base=40, base_label="有效回答", value=n / 40 * 100,
                  exact=n / 40 * 100, ci_low=lo, ci_high=hi)
    assert narrative.single_sentences(S, "s_q_q5", G) == [
        "担任现职的年限（40人回答）：各项依次为“1年以下”25.0%、“1-3年”20.0%、“3-5年”22.5%、“5年以上”32.5%"
        "（各项相差在抽样误差范围内，不排高低）。"]


def test_numbers_table_one_row_per_question():
    S = make_rows(table="s_numbers", table_title="数值题", group=G, variable="hours", variable_label="每周学习时长",
                  category="", order=[1, 2, 3, 4, 5], stat=["mean", "median", "sd", "min", "max"], n=38, base=38,
                  base_label="有效回答", value=[12.4, 12.0, 3.25, 4.0, 21.0], ci_low=[11.3, np.nan, np.nan, np.nan, np.nan],
                  ci_high=[13.5, np.nan, np.nan, np.nan, np.nan])
    frame = tables.display_table(S, "s_numbers", G)
    assert frame.iloc[0].to_dict() == {"项目": "每周学习时长", "有效回答": "38", "平均值": "12.4（11.3～13.5）",
                                       "中位数": "12.0", "标准差": "3.25", "最小值": "4.0", "最大值": "21.0"}


def test_free_text_shows_only_how_many_answered():
    S = make_rows(table="s_text", table_title="文字题", group=G, variable=["advice", "other"],
                  variable_label=["意见建议", "其他"], category="", order=[1, 2], stat="count", n=[17, 3], base=50,
                  base_label="全部受访者", value=[17.0, 3.0], suppressed=[False, True])
    frame = tables.display_table(S, "s_text", G)
    assert frame.values.tolist() == [["意见建议", "17", "50"], ["其他", DASH, "50"]]


def test_breakdown_prints_column_percents_bases_and_the_test():
    cols = []
    for label, n, base in (("男", [12, 8], 20), ("女", [6, 24], 30)):
        cols.append(make_rows(table="s_by_gender", table_title="按性别", group=f"{G}·{label}", variable="q1",
                              variable_label="上学方式", category=["1", "2"], category_label=["步行", "公交"],
                              order=[1, 2], stat="share", n=n, base=base, base_label="有效回答",
                              value=list(np.round(np.array(n) / base * 100, 1))))
    test = make_rows(table="s_by_gender", table_title="按性别", group=G, variable="gender×q1",
                     variable_label="性别×上学方式", category="test", category_label=["卡方", "自由度", "p值", "V"],
                     order=[1, 2, 3, 4], stat=["chi2", "df", "p", "cramers_v"], n=50, base=50,
                     value=[7.5, 1.0, 0.006, 0.387])
    S = pd.concat([*cols, test], ignore_index=True)
    assert tables.is_breakdown(S, "s_by_gender", G)
    frame = tables.display_table(S, "s_by_gender", G)
    assert list(frame.columns) == ["题目", "选项", "男（%）", "女（%）"]
    assert frame.iloc[0].tolist() == ["上学方式", "步行", "60.0", "20.0"]
    assert frame.iloc[2].tolist() == ["上学方式", "有效回答（人）", "20", "30"]
    assert frame.iloc[3].tolist() == ["上学方式", "卡方检验", "p=0.006", ""]
    assert "列百分比" in tables.table_note(S, "s_by_gender", G)


def test_indicators_print_with_their_base():
    S = make_rows(table="w_indicators", table_title="指标", group=G, variable=["sec_age", "one_rate"],
                  variable_label=["书记平均年龄", "一肩挑比例"], category="", order=[1, 2], stat=["mean", "rate"],
                  n=[66, 35], base=[66, 66], base_label=["书记", "书记"], value=[43.5, 53.0],
                  ci_low=[41.9, 41.1], ci_high=[45.1, 64.6])
    frame = tables.display_table(S, "w_indicators", G)
    assert frame.values.tolist() == [["书记平均年龄", "43.5", "41.9～45.1", "书记66人"],
                                     ["一肩挑比例", "53.0%", "41.1～64.6", "书记66"]]
    text = narrative.indicator_sentences(S, "w_indicators", G, {"sec_age": "岁"})[0]
    assert text == "其中，书记平均年龄为43.5岁（66名）；一肩挑比例为53.0%（35/66）。"


@pytest.mark.parametrize("codes, expected", [
    (["5", "4", "3", "2", "1"], (["2", "1"], "3", ["4", "5"])),
    (["1", "2", "3", "4"], (["2", "1"], None, ["3", "4"])),
    ([str(c) for c in range(7, 0, -1)], (["3", "2", "1"], "4", ["5", "6", "7"])),
    (["10", "9", "8"], (["8"], "9", ["10"])),                  # numeric order, not text order
])
def test_diverging_sides_split_any_scale(codes, expected):
    assert charts.diverging_sides(codes) == expected


@pytest.mark.parametrize("label, tops, name", [
    ("总体满意度", ["非常满意", "比较满意"], "总体满意率"),
    ("服务态度", ["非常同意", "同意", "比较同意"], "服务态度同意率"),
    ("教学质量", ["很好", "较好"], "教学质量正面评价比例"),
])
def test_measure_name(label, tops, name):
    assert measure_name(label, tops) == name


def test_battery_sentence_never_ranks_against_a_hidden_item():
    items = ["a", "b", "c", "o"]
    S = make_rows(table="s_trust", table_title="信任度", group=G, variable=items,
                  variable_label=["教师", "校长", "食堂", "总体"], category="top2",
                  category_label="非常同意＋同意", order=[1, 2, 3, 4], stat="top2", n=[30, 10, 3, 25],
                  base=40, base_label="有效回答", value=[75.0, 25.0, 7.5, 62.5], ci_low=[60.0, 14.0, 2.6, 47.0],
                  ci_high=[86.0, 40.0, 20.0, 76.0], suppressed=[False, False, True, False])
    text = narrative.battery_sentences(S, "s_trust", G, "o")[0]
    assert text.startswith("总体同意率（非常同意＋同意）为62.5%（95%置信区间47.0%～76.0%）。")
    # the hidden item could be anywhere: no 最高 / 最低, the published items in questionnaire order
    assert "最高" not in text and "最低" not in text
    assert "分项同意率依次为教师75.0%、校长25.0%（另有1项人数过少未公布，无法排出高低）" in text
    assert "食堂" not in text


def test_stacked_chart_draws_every_point_of_a_seven_point_scale():
    """The stacked chart took its answers from a five-point list and dropped codes 6 and 7."""
    codes = [str(c) for c in range(7, 0, -1)]
    shares = make_rows(table="t", table_title="认同度", group=G, variable="a", variable_label="服务", category=codes,
                       category_label=[f"第{c}档" for c in codes], order=range(1, 8), stat="share", n=[10] * 7,
                       base=70, value=[14.3, 14.3, 14.3, 14.3, 14.3, 14.2, 14.3])
    top = make_rows(table="t", table_title="认同度", group=G, variable="a", variable_label="服务",
                    category="top2", category_label="第7档＋第6档＋第5档", order=[8], stat="top2", n=30, base=70,
                    value=42.9)
    fig = charts.likert_stacked(pd.concat([shares, top], ignore_index=True), "t", G)
    assert len(fig.axes[0].patches) == 7
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][0] == "第7档"    # best answer first


def test_a_single_choice_with_typed_other_text_is_one_frequency_table_and_hides_the_typed_count():
    """A single choice whose 其他 carries typed text (其他〖住养老院〗) adds a count row of typed texts:
    the table stays SPSS's frequency table (each option once, not a row per statistic), and with a
    hidden cell the count is hidden too — 5 typed texts under a hidden 其他 (and a hidden neighbour)
    would give both cells back: 24 − 7 − 8 = 9 = 4 + 5."""
    from analysis.stats.coordinated import coordinate

    counts = {"1": 4, "2": 7, "3": 5, "4": 8}            # 与配偶同住, 独居, 其他, 与子女同住; 24 answered
    labels = {"1": "与配偶同住", "2": "独居", "3": "其他", "4": "与子女同住"}
    rows = []
    for stat in ("pct", "share"):
        rows.append(make_rows(table="t_q_live", table_title="居住状况", group="建设街道", variable="live",
                              variable_label="居住状况", category=list(counts), category_label=list(labels.values()),
                              order=np.arange(1, 5), stat=stat, n=list(counts.values()), base=24,
                              value=[round(v / 24 * 100, 1) for v in counts.values()],
                              exact=[v / 24 * 100 for v in counts.values()],
                              suppressed=[v < 5 for v in counts.values()]))
    rows.append(make_rows(table="t_q_live", table_title="居住状况", group="建设街道", variable="live",
                          variable_label="居住状况", category=["other"], category_label=["其他（注明）文字"],
                          order=[5], stat="count", n=[5], base=24, value=[5], exact=[5], suppressed=[False]))
    S = coordinate(pd.concat(rows, ignore_index=True), {}, "建设街道")
    frame = tables.display_table(S, "t_q_live", "建设街道")
    assert list(frame.columns) == ["选项", "频数", "百分比（%）", "有效百分比（%）"]
    assert frame["选项"].tolist() == ["与配偶同住", "独居", "其他", "与子女同住", "合计"]
    shown = dict(zip(frame["选项"], frame["频数"]))
    assert shown["独居"] == "7" and shown["与子女同住"] == "8"
    assert shown["与配偶同住"] == DASH and shown["其他"] == DASH             # the second closes the first
    assert S.loc[S["category"] == "other", "suppressed"].all()
    assert "填写了“其他”" not in tables.published_tables(S, "建设街道")["t_q_live"][2]
    # with nothing hidden the typed count is said in the note, once
    visible = pd.concat(rows, ignore_index=True).assign(suppressed=False)
    note = tables.published_tables(visible, "建设街道")["t_q_live"][2]
    assert "另有5人填写了“其他”的具体内容" in note
