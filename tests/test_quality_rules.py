"""Quality rules switched on and tuned in the codebook: each excludes the row or blanks the cells as
the codebook says, and logs its name; received = valid + excluded whatever fires."""

from __future__ import annotations

import textwrap

import pytest

from analysis.clean import clean_table
from analysis.errors import SurveyError
from analysis.read import ingest
from analysis.spec import codebook
from conftest import wjx_frame

BOOK = """
instrument: mini
title: 小问卷
survey_date: 2026-09-15
missing: {"(跳过)": skipped, "(空)": empty}
scales:
  sat5:
    values: {5: 非常满意, 4: 比较满意, 3: 一般, 2: 不太满意, 1: 很不满意}
    top_box: [5, 4]
quality:
%s
variables:
  - {name: district, question: 区县, label: 区县, type: text, role: district, required: true}
  - {name: resp_id, question: 问卷编号, label: 问卷编号, type: text, role: id}
  - {name: post, question: 职务, label: 职务, type: single, values: {1: 书记, 2: 其他}}
  - {name: one, question: 是否一肩挑, label: 一肩挑, type: single, values: {1: 是, 2: 否}, asked_if: "post == 1"}
  - {name: age, question: 年龄, label: 年龄, type: age, range: [18, 80]}
  - {name: s1, question: 满意1, label: 满意1, type: single, scale: sat5}
  - {name: s2, question: 满意2, label: 满意2, type: single, scale: sat5}
  - {name: s3, question: 满意3, label: 满意3, type: single, scale: sat5}
  - {name: s4, question: 满意4, label: 满意4, type: single, scale: sat5}
  - {name: attn, question: 本题请选择比较满意, label: 注意力题, type: single, scale: sat5}
"""


def book_with(tmp_path, quality: str):
    path = tmp_path / "mini.yaml"
    path.write_text(BOOK % textwrap.indent(quality.strip(), "  "), encoding="utf-8")
    return codebook.load(path)


def row(**kw):
    base = {"district": "桥东区", "resp_id": "A1", "post": "其他", "one": "(跳过)", "age": "40",
            "s1": "一般", "s2": "比较满意", "s3": "一般", "s4": "不太满意", "attn": "比较满意"}
    return {**base, **kw}


def clean(tmp_path, book, rows, seconds=None):
    path = tmp_path / "x.xlsx"
    wjx_frame(book, rows, seconds).to_excel(path, index=False)
    r = clean_table(ingest.read(path, set(book.header_map())), book)
    assert len(r.valid) + len(r.exclusions) == len(rows)
    return r


def test_straightlining_excludes(tmp_path):
    book = book_with(tmp_path, "straightline: {items: [s1, s2, s3, s4], min_items: 4, action: exclude}")
    r = clean(tmp_path, book, [row(resp_id="1"), row(resp_id="2", s1="非常满意", s2="非常满意", s3="非常满意",
                                                          s4="非常满意"),
                               row(resp_id="3", s1="一般", s2="一般", s3="一般", s4="(空)")])
    assert r.exclusions["row"].tolist() == [3] and r.exclusions["rule"].tolist() == ["straightline"]
    assert "4 道量表题全部答“非常满意”" in r.exclusions.loc[0, "detail"]
    assert len(r.valid) == 2          # three answers alike are under min_items: kept


def test_straightlining_can_blank_instead(tmp_path):
    book = book_with(tmp_path, "straightline: {items: [s1, s2, s3, s4], action: blank}")
    r = clean(tmp_path, book, [row(s1="一般", s2="一般", s3="一般", s4="一般"), row(resp_id="B")])
    assert len(r.valid) == 2 and r.valid.loc[0, ["s1", "s2", "s3", "s4"]].isna().all()
    assert r.valid.loc[1, "s1"] == 3
    assert r.changes.query("rule == 'straightline'")["variable"].tolist() == ["s1", "s2", "s3", "s4"]


def test_attention_check(tmp_path):
    book = book_with(tmp_path, "attention: {checks: [{variable: attn, expect: [4]}]}")
    r = clean(tmp_path, book, [row(), row(resp_id="B", attn="非常满意"), row(resp_id="C", attn="(空)")])
    assert r.exclusions["row"].tolist() == [3, 4] and set(r.exclusions["rule"]) == {"attention"}
    assert "应选“比较满意”，答了“非常满意”" in r.exclusions.loc[0, "detail"]


def test_duplicate_respondent_id(tmp_path):
    book = book_with(tmp_path, "duplicate_id: {}")
    r = clean(tmp_path, book, [row(resp_id="Ａ1", age="30"), row(resp_id="B2"), row(resp_id="A1", age="50")])
    assert r.exclusions["row"].tolist() == [4] and r.exclusions.loc[0, "detail"] == "编号与第 2 行相同"


def test_duplicates_with_same_ip_only(tmp_path):
    book = book_with(tmp_path, "duplicate: {same_ip: true}")
    rows = [row(resp_id="x")] * 3
    frame = wjx_frame(book, rows)
    frame["来自IP"] = ["1.1.1.1(河北-石家庄)", "1.1.1.2(河北-石家庄)", "1.1.1.1(北京-北京)"]
    path = tmp_path / "ip.xlsx"
    frame.to_excel(path, index=False)
    r = clean_table(ingest.read(path, set(book.header_map())), book)
    # line 4 repeats line 2 from the same address; line 3 has the same answers from another address
    assert r.exclusions["row"].tolist() == [4] and "同一 IP" in r.exclusions.loc[0, "detail"]
    assert "1.1.1.1" not in " ".join(map(str, r.valid.to_numpy().ravel()))


def test_skip_logic_and_range_can_exclude(tmp_path):
    book = book_with(tmp_path, "skip_logic: {action: exclude}\nout_of_range: {action: exclude}")
    r = clean(tmp_path, book, [row(one="是"), row(resp_id="B", age="130"), row(resp_id="C", post="书记", one="否")])
    assert r.exclusions.set_index("row")["rule"].to_dict() == {2: "skip_logic", 3: "out_of_range"}
    assert "超出 18–80" in r.exclusions.loc[1, "detail"] and r.changes.empty


def test_rules_fire_in_order_and_each_row_is_counted_once(tmp_path):
    book = book_with(tmp_path, "speeder: {min_seconds: 30}\nattention: {checks: [{variable: attn, expect: 4}]}\n"
                               "duplicate: {}\nduplicate_id: {}")
    rows = [row(resp_id="1"), row(resp_id="2", attn="一般"), row(resp_id="1"), row(resp_id="1", age="41")]
    r = clean(tmp_path, book, rows, seconds=[100, 10, 100, 100])
    assert r.exclusions.set_index("row")["rule"].to_dict() == {3: "attention", 4: "duplicate", 5: "duplicate_id"}


@pytest.mark.parametrize("quality,message", [
    ("straightline: {items: [s1, age]}", "同一量表"),
    ("straightline: {items: [s1, s2]}", "至少需要 3"),
    ("attention: {checks: [{variable: attn, expect: [9]}]}", "expect"),
    ("attention: {checks: [{variable: nope, expect: [1]}]}", "单选题"),
    ("speeder: {action: blank}", "action"),
    ("duplicate: {same_IP: true}", "不认识的键"),
])
def test_bad_rule_settings_name_the_rule(tmp_path, quality, message):
    with pytest.raises(SurveyError, match=message) as e:
        book_with(tmp_path, quality)
    assert "quality." in str(e.value) and "mini.yaml" in str(e.value)


def test_duplicate_id_needs_an_id_variable(tmp_path):
    text = (BOOK % "  duplicate_id: {}").replace(", role: id", "")
    path = tmp_path / "b.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SurveyError, match="role: id"):
        codebook.load(path)
