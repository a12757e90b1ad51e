"""The generic per-question statistics against hand counts, a 7-point index, and the report:
section's parsing (automatic batteries, defaults, mistakes)."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from analysis.errors import SurveyError
from analysis.spec import codebook
from analysis.stats import indicators, questions, reliability

BOOK = """\
instrument: demo
title: 演示问卷
respondent: 受访者
survey_date: 2026-09-15
scales:
  agree7:
    label: 七级同意度
    values: {7: 完全同意, 6: 同意, 5: 有点同意, 4: 中立, 3: 有点不同意, 2: 不同意, 1: 完全不同意}
    top_box: [7, 6]
  sat5:
    label: 五级满意度
    values: {5: 非常满意, 4: 比较满意, 3: 一般, 2: 不太满意, 1: 很不满意}
    top_box: [5, 4]
variables:
  - {name: unit, question: 单位, label: 单位, type: text, role: district}
  - {name: sex, question: 性别, label: 性别, type: single, values: {1: 男, 2: 女}}
  - {name: color, question: 最喜欢的颜色, label: 颜色, type: single, values: {1: 红, 2: 绿, 3: 蓝}}
  - {name: a1, question: 甲一, label: 甲一, type: single, scale: agree7}
  - {name: a2, question: 甲二, label: 甲二, type: single, scale: agree7}
  - {name: s1, question: 乙一, label: 乙一, type: single, scale: sat5}
  - {name: s2, question: 乙二, label: 乙二, type: single, scale: sat5}
  - {name: a3, question: 甲三, label: 甲三, type: single, scale: agree7}
  - {name: fruit, question: 吃过的水果, label: 水果, type: multi, values: {1: 苹果, 2: 梨, 3: 桃}}
  - {name: years, question: 年数, label: 年数, type: number}
  - {name: note, question: 备注, label: 备注, type: text}
  - {name: secret, question: 建议, label: 建议, type: text, private: true}
"""


def load(tmp_path, report: str = "", base: str = BOOK):
    path = tmp_path / "demo.yaml"
    path.write_text(base + textwrap.dedent(report), encoding="utf-8")
    return codebook.load(path)


def ints(xs):
    return pd.array(xs, dtype="Int64")


def test_automatic_batteries_are_runs_of_one_scale(tmp_path):
    book = load(tmp_path)
    got = [(b.table_suffix, b.label, b.items) for b in book.report.batteries]
    assert got == [("rating1", "七级同意度", ("a1", "a2")), ("rating2", "五级满意度", ("s1", "s2")),
                   ("rating3", "七级同意度", ("a3",))]
    assert book.report.profile == ("sex",)                           # 性别 recognised; 颜色 not
    assert book.question_order() == ("color", "fruit")
    assert book.sections() == (("question", "color"), ("battery", "rating1"), ("battery", "rating2"),
                               ("battery", "rating3"), ("question", "fruit"))


def test_explicit_batteries_overall_order_and_skip(tmp_path):
    book = load(tmp_path, """\
        report:
          composition: [sex, color]
          satisfaction: [s1, s2]
          batteries:
            - {name: agree, items: [a1, a2, a3]}
          overall: s2
          order: [fruit]
          skip: [note]
        """)
    r = book.report
    assert r.profile == ("sex", "color")                               # the old key
    assert [(b.table_suffix, b.label, b.overall) for b in r.batteries] == [
        ("satisfaction", "满意度评价", "s2"), ("agree", "七级同意度", None)]
    assert r.batteries[0].index_items == ("s1",) and r.overall == "s2"
    assert book.question_order() == ("fruit",)
    with pytest.raises(dataclasses_error()):
        r.overall = "s1"


def dataclasses_error():
    import dataclasses
    return dataclasses.FrozenInstanceError


@pytest.mark.parametrize("report,expect", [
    ("report:\n  profile: [nothing]\n", "nothing"),
    ("report:\n  profile: [years]\n", "years"),
    ("report:\n  satisfaction: [s1, a1]\n", "不同的量表"),
    ("report:\n  overall: color\n", "color"),
    ("report:\n  breakdowns: [ghost]\n", "ghost"),
    ("report:\n  subgroups:\n    men: {label: 男, when: \"sex === 1\"}\n", "看不懂"),
    ("report:\n  subgroups:\n    men: {label: 男, when: \"gender == 1\"}\n", "gender"),
    ("report:\n  indicators:\n    - {name: x, mean: color}\n", "数值题"),
    ("report:\n  indicators:\n    - {name: x, share: \"sex == 1\", among: nobody}\n", "nobody"),
    ("report:\n  indicators:\n    - {name: x, share: \"sex == 1\", mean: years}\n", "只写"),
    ("report:\n  colour: [sex]\n", "colour"),
    ("report:\n  profile: [sex]\n  composition: [sex]\n", "profile"),
])
def test_report_mistakes_name_file_key_and_fix(tmp_path, report, expect):
    with pytest.raises(SurveyError) as e:
        load(tmp_path, report)
    text = str(e.value)
    assert expect in text and "demo.yaml" in text


def test_frequency_share_of_valid_and_pct_of_all(tmp_path):
    book = load(tmp_path)
    df = pd.DataFrame({"color": ints([1] * 3 + [2] * 3 + [3] * 1 + [None] * 2)})
    rows = questions.frequency(df, "color", book, "甲").set_index(["stat", "category"])
    assert rows["table"].iloc[0] == "demo_q_color" and rows["table_title"].iloc[0] == "颜色"
    share = rows.loc["share"]
    # 3/7 = 42.857…% rounds half up to 42.9 for both 3s, as a reader checks them: the column adds to 100.1
    assert share["value"].tolist() == [42.9, 42.9, 14.3] and share["base"].tolist() == [7] * 3
    assert share["value"].sum() == pytest.approx(100.1) and "missing" not in share.index
    pct = rows.loc["pct"]
    assert pct.loc["missing", "n"] == 2 and pct.loc["missing", "category_label"] == "未回答"
    assert pct["base"].tolist() == [9] * 4 and pct["value"].tolist() == [33.3, 33.3, 11.1, 22.2]
    assert pct.loc["1", "exact"] == pytest.approx(3 / 9 * 100)


def test_multi_select_response_and_case_shares(tmp_path):
    book = load(tmp_path)
    df = pd.DataFrame({"fruit__1": pd.array([1, 1, 0, 1, None], dtype="Int8"),
                       "fruit__2": pd.array([1, 0, 0, 1, None], dtype="Int8"),
                       "fruit__3": pd.array([0, 0, 1, 1, None], dtype="Int8")})
    rows = questions.multi_select(df, "fruit", book, "甲", min_cell=1).set_index(["stat", "category"])
    resp, case = rows.loc["response_share"], rows.loc["case_share"]
    # 4 answered (the fifth did not), 3 + 2 + 2 = 7 mentions
    assert resp["n"].tolist() == [3, 2, 2] and resp["base"].tolist() == [7] * 3
    assert resp["value"].tolist() == [42.9, 28.6, 28.6]   # 3/7, 2/7 of the mentions, each rounded half up
    assert case["base"].tolist() == [4] * 3 and case["value"].tolist() == [75.0, 50.0, 50.0]
    assert case["value"].sum() > 100
    lo, hi = case.loc["1", ["ci_low", "ci_high"]]
    assert lo < 75 < hi
    other = questions.multi_select(df.assign(fruit__other=pd.array([1, 0, 0, 1, None], dtype="Int8")),
                                   "fruit", book, "甲", min_cell=1)
    assert other.set_index("category").loc["other", "n"] == 2


def test_numbers_against_numpy(tmp_path):
    book = load(tmp_path)
    x = [3.0, 5.0, 8.0, 1.0, 10.0, 4.0]
    df = pd.DataFrame({"years": pd.array(x + [None], dtype="Float64")})
    rows = questions.numbers(df, book, "甲").set_index("stat")
    assert rows["table"].iloc[0] == "demo_numbers" and rows["table_title"].iloc[0] == "受访者数值题"
    assert rows.loc["sd", "exact"] == pytest.approx(np.std(x, ddof=1))
    assert rows.loc["mean", "exact"] == pytest.approx(np.mean(x)) and rows.loc["median", "exact"] == 4.5
    assert (rows.loc["min", "exact"], rows.loc["max", "exact"]) == (1.0, 10.0)
    assert (rows["n"] == 6).all() and rows.loc["mean", "ci_low"] < rows.loc["mean", "value"]


def test_text_counts_only_non_empty_and_private_only_when_flagged(tmp_path):
    book = load(tmp_path)
    df = pd.DataFrame({"note": pd.array(["好", "", None, "  ", "不错", "x"], dtype="string")})
    rows = questions.text_counts(df, book, "甲").set_index("variable")
    assert rows.loc["note", "n"] == 3 and rows.loc["note", "base"] == 6 and "secret" not in rows.index
    flagged = questions.text_counts(df.assign(secret__answered=pd.array([1, 1, 0, 0, 0, 1], dtype="Int8")),
                                    book, "甲").set_index("variable")
    assert flagged.loc["secret", "n"] == 3
    assert "unit" not in rows.index                                   # the unit is not a question


def test_seven_point_index_runs_from_min_to_max(tmp_path):
    book = load(tmp_path)
    df = pd.DataFrame({"a1": ints([7, 1, 4]), "a2": ints([7, 1, 4])})
    rows = reliability.satisfaction_index(df, book, "甲", battery=book.report.batteries[0])
    head = rows.set_index("stat")
    assert rows["table"].iloc[0] == "demo_rating1_index"
    assert head.loc["mean", "exact"] == pytest.approx((100 + 0 + 50) / 3)


def test_breakdown_column_percents_and_test(tmp_path):
    book = load(tmp_path, "report:\n  profile: [sex, color]\n  breakdowns: [sex]\n")
    df = pd.DataFrame({"sex": ints([1] * 10 + [2] * 10), "color": ints([1] * 6 + [2] * 4 + [1] * 2 + [3] * 8),
                       "a1": ints([7] * 20), "a2": ints([6] * 20)})
    rows = questions.breakdown(df, "sex", book, "甲")
    assert set(rows["table"]) == {"demo_by_sex"}
    men = rows[(rows["group"] == "甲·男") & (rows["variable"] == "color")].set_index("category")
    assert men.loc["1", "n"] == 6 and men.loc["1", "base"] == 10 and men.loc["1", "value"] == 60.0
    test = rows[(rows["group"] == "甲") & (rows["stat"] == "chi2") & (rows["variable"] == "sex×color")]
    assert len(test) == 1
    assert len(questions.breakdown(df[df["sex"] == 1], "sex", book, "甲")) == 0   # one category only


def test_indicators_share_mean_ratio_count(tmp_path):
    book = load(tmp_path, """\
        report:
          subgroups:
            men: {label: 男性, when: "sex == 1"}
          indicators:
            - {name: men_years, label: 男性平均年数, mean: years, among: men}
            - {name: red, label: 选红色的比例, share: "color == 1", of: color}
            - {name: red_men, label: 男性中选红色, share: "color in (1)", among: men}
            - {name: ratio, label: 甲二与甲一之比, ratio: [a2, a1]}
            - {name: differ, label: 甲一甲二不同, count: "a1 != a2 or years >= 9"}
        """, base=BOOK.replace("type: single, scale: agree7}\n  - {name: a2",
                               "type: number}\n  - {name: a2").replace(
                               "label: 甲二, type: single, scale: agree7", "label: 甲二, type: number"))
    df = pd.DataFrame({"sex": ints([1, 1, 1, 2, 2, None]), "color": ints([1, 2, None, 1, 1, 3]),
                       "years": pd.array([2, 4, 9, 10, None, 1], dtype="Float64"),
                       "a1": pd.array([1, 2, 3, 4, None, 5], dtype="Float64"),
                       "a2": pd.array([1, 2, 6, 1, 7, 5], dtype="Float64")})
    rows = indicators.indicator_table(df, book, "甲").set_index(["variable", "stat"])
    assert rows.loc[("men", "count"), "n"] == 3
    assert rows.loc[("men_years", "mean"), "exact"] == 5.0 and rows.loc[("men_years", "median"), "exact"] == 4.0
    red = rows.loc[("red", "rate")]
    assert red["n"] == 3 and red["base"] == 5 and red["value"] == 60.0          # base: answered color
    assert rows.loc[("red_men", "rate"), "base"] == 3 and rows.loc[("red_men", "rate"), "n"] == 1
    ratio = rows.loc[("ratio", "ratio")]
    assert ratio["n"] == 15 and ratio["base"] == 15 and ratio["value"] == 100.0   # a1 answered: 1+2+6+1+5 / 1+2+3+4+5
    assert rows.loc[("differ", "count"), "n"] == 2                              # rows 3 and 4; NA meets nothing
    mask = indicators.condition_mask(df, "sex == 1 and color != 1 or years >= 10")
    assert mask.tolist() == [False, True, False, True, False, False]
