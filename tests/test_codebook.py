"""The codebook loader: the bundled codebooks, answer matching, and one message per mistake."""

from __future__ import annotations

import textwrap

import pytest

from analysis.errors import SurveyError
from analysis.spec import codebook


def test_bundled_codebooks_load(books):
    assert set(books) == {"worker", "resident", "community"}
    w = books["worker"]
    assert w.role("district") == "district"
    assert w.derived["age_band"].values == {1: "35岁以下", 2: "35-55岁", 3: "55岁以上"}
    assert w.variables["sat_pay"].top_box == (5, 4)
    assert not w.variables["name"].kept and not w.variables["phone"].kept
    assert not books["resident"].variables["suggestion"].kept


@pytest.mark.parametrize("answer,code", [
    ("非常满意", 5), ("很满意", 5), ("比较满意", 4), ("较满意", 4), ("较为满意", 4), ("满意", 4),
    ("滿意", 4), ("比較滿意", 4), (" 满意 ", 4), ("满意。", 4), ("一般", 3), ("基本满意", 3),
    ("不太满意", 2), ("不满意", 2), ("很不满意", 1), ("非常不满意", 1), ("4", 4), ("４", 4),
])
def test_satisfaction_answers(books, answer, code):
    assert books["worker"].variables["sat_pay"].code_for(answer) == code


@pytest.mark.parametrize("variable,answer,code", [
    ("gender", "男", 1), ("gender", "男性", 1), ("gender", " 男 ", 1), ("gender", "M", 1),
    ("gender", "Ｆ", 2), ("party", "中共党员", 1), ("party", "中共黨員", 1), ("party", "党员", 1),
    ("party", "群眾", 5), ("edu", "大本", 4), ("edu", "中专", 2), ("edu", "高中/中专", 2),
    ("employment", "专职", 1), ("post", "书记", 1),
])
def test_aliases_and_variants(books, variable, answer, code):
    assert books["worker"].variables[variable].code_for(answer) == code


@pytest.mark.parametrize("variable,answer", [
    ("sat_pay", "还行"), ("sat_pay", "6"), ("sat_pay", "0"), ("sat_pay", ""), ("gender", "男女"),
    ("gender", "3"), ("edu", "文盲半文盲"),
])
def test_unknown_answers_map_to_nothing(books, variable, answer):
    assert books["worker"].variables[variable].code_for(answer) is None


def test_header_matching_ignores_number_and_punctuation(books):
    w = books["worker"]
    assert w.match_share(["6、您的性别 ", "7、您的年龄：", "您的文化程度？"]) == pytest.approx(3 / len(w.variables))


BASE = """\
instrument: demo
title: 演示问卷
survey_date: 2026-09-15
variables:
  - name: district
    question: 所在区县
    label: 区县
    type: text
    role: district
"""


def load_text(tmp_path, text):
    p = tmp_path / "demo.yaml"
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return codebook.load(p)


def test_minimal_codebook_loads(tmp_path):
    book = load_text(tmp_path, BASE)
    assert book.instrument == "demo" and list(book.variables) == ["district"]


@pytest.mark.parametrize("extra,expect", [
    ("  - name: g\n    question: 性别\n    label: 性别\n    type: single\n    values: {1: 男}\n    aliases: {男性: 3}\n",
     ["变量 g", "代码 3", "values"]),
    ("  - name: g\n    question: 性别\n    label: 性别\n    type: choice\n", ["变量 g", "type", "single"]),
    ("  - name: g\n    question: 性别\n    label: 性别\n    type: single\n    scale: sat9\n", ["变量 g", "sat9"]),
    ("  - name: g\n    question: 性别\n    label: 性别\n    type: single\n    valeus: {1: 男}\n", ["变量 g", "valeus"]),
    ("  - name: g\n    question: 所在区县\n    label: 性别\n    type: text\n", ["变量 g", "题目"]),
    ("  - name: g\n    question: 性别\n    label: 性别\n    type: single\n    values: {1: 男, 2: 女}\n"
     "    asked_if: g > 1\n", ["变量 g", "asked_if"]),
    ("  - name: g\n    question: 性别\n    label: 性别\n    type: single\n    values: {1: 男, 2: 男}\n", ["重复的标签"]),
    ("  - name: Age\n    question: 年龄\n    label: 年龄\n    type: age\n", ["变量 Age", "小写"]),
    ("  - name: age\n    question: 年龄\n    label: 年龄\n    type: age\n    range: [80, 10]\n", ["变量 age", "range"]),
])
def test_variable_mistakes_name_file_and_variable(tmp_path, extra, expect):
    with pytest.raises(SurveyError) as e:
        load_text(tmp_path, BASE + extra)
    msg = str(e.value)
    assert "demo.yaml" in msg
    for word in expect:
        assert word in msg


@pytest.mark.parametrize("bands,expect", [
    ("[{code: 1, label: a, max: 34}, {code: 2, label: b, min: 30}]", "重叠"),
    ("[{code: 1, label: a, max: 34}, {code: 2, label: b, min: 40}]", "空档"),
    ("[{code: 1, label: a}]", "min 或 max"),
])
def test_band_mistakes(tmp_path, bands, expect):
    text = BASE + ("  - name: age\n    question: 年龄\n    label: 年龄\n    type: age\n"
                   f"derived:\n  - name: band\n    label: 段\n    from: age\n    bands: {bands}\n")
    with pytest.raises(SurveyError, match=expect) as e:
        load_text(tmp_path, text)
    assert "变量 band" in str(e.value)


def test_yaml_syntax_error_names_line(tmp_path):
    with pytest.raises(SurveyError) as e:
        load_text(tmp_path, BASE + "  - name: [oops\n")
    assert "demo.yaml" in str(e.value) and "行" in str(e.value)


def test_unit_question_is_optional_but_single(tmp_path):
    """Without a ``role: district`` question the wave is one unit (全部样本); two would be ambiguous."""
    book = load_text(tmp_path, BASE.replace("    role: district\n", ""))
    assert book.role("district") is None
    two = BASE.replace("    role: district\n", "    role: district\n", 1)
    two += "  - name: school\n    question: 学校\n    label: 学校\n    type: text\n    role: district\n"
    with pytest.raises(SurveyError, match="role: district"):
        load_text(tmp_path, two)


def test_report_cannot_publish_personal_data(tmp_path):
    text = BASE + ("  - name: phone\n    question: 电话\n    label: 电话\n    type: text\n    pii: true\n"
                   "report:\n  composition: [phone]\n")
    with pytest.raises(SurveyError, match="phone"):
        load_text(tmp_path, text)


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(SurveyError, match="找不到"):
        codebook.load(tmp_path / "nope.yaml")
    with pytest.raises(SurveyError, match="没有编码手册"):
        codebook.load_all(tmp_path)


POST = "  - name: post\n    question: 职务\n    label: 职务\n    type: single\n    values: {1: 书记, 2: 主任}\n"


def test_census_public_and_concern_keys(tmp_path):
    """Issue 17: ``census:`` (no intervals or tests), ``report.public`` (census facts never hidden)
    and an indicator's ``concern`` (the 存在的问题 chapter)."""
    text = ("census: true\n" + BASE + POST
            + "report:\n  public: [post]\n  indicators:\n"
              "    - {name: heads, label: 书记占比, share: \"post == 1\", of: post, concern: {below: 30, says: 书记偏少}}\n")
    book = load_text(tmp_path, text)
    assert book.census is True and book.report.public == ("post",)
    assert book.report.indicators[0].concern == ("below", 30.0, "书记偏少")
    assert load_text(tmp_path, BASE).census is False


@pytest.mark.parametrize("head,report,expect", [
    ("census: yes please\n", "", "census"),
    ("", "report:\n  public: [nothing]\n", "nothing"),
    ("", "report:\n  indicators:\n    - {name: h, share: \"post == 1\", concern: {below: 30}}\n", "says"),
    ("", "report:\n  indicators:\n    - {name: h, share: \"post == 1\", concern: {over: 3, says: x}}\n", "below 或 above"),
    ("", "report:\n  indicators:\n    - {name: h, share: \"post == 1\", concern: {below: lots, says: x}}\n", "应是数"),
])
def test_census_public_and_concern_mistakes(tmp_path, head, report, expect):
    with pytest.raises(SurveyError, match=expect) as e:
        load_text(tmp_path, head + BASE + POST + report)
    assert "demo.yaml" in str(e.value)


def test_a_rating_cannot_be_declared_public(tmp_path):
    text = BASE + ("scales:\n  sat:\n    label: 满意度\n    values: {5: 非常满意, 4: 满意, 3: 一般, 2: 不满意, 1: 很不满意}\n"
                   "    top_box: [5, 4]\n")
    text = text.replace("variables:\n", "variables:\n  - name: s\n    question: 满意\n    label: 满意\n"
                                        "    type: single\n    scale: sat\n", 1)
    with pytest.raises(SurveyError, match="量表题"):
        load_text(tmp_path, text + "report:\n  public: [s]\n")
