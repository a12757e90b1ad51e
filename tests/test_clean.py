"""Cleaning rules, each on a real file written to a temporary folder and read back."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import clean
from analysis.clean import clean_table, parse_number, parse_seconds, split_multi
from analysis.errors import SurveyError
from analysis.read import ingest


def worker(**answers):
    base = {"district": "桥东区", "street": "东风路街道", "community": "元村社区", "name": "张三",
            "phone": "13800000000", "gender": "男", "age": "40", "edu": "本科", "party": "中共党员",
            "post": "其他社区工作者", "one_shoulder": "(跳过)", "employment": "专职", "recruit": "公开招聘",
            "tenure": "5", "training": "线上学习", "sat_pay": "一般", "sat_workload": "一般",
            "sat_training": "比较满意", "sat_promotion": "不太满意", "sat_recognition": "非常满意",
            "stay": "愿意"}
    base.update(answers)
    return base


def run(books, write_wjx, rows, **kw):
    path = write_wjx(books["worker"], rows, **kw)
    table = ingest.read(path, set(books["worker"].header_map()))
    return clean_table(table, books["worker"])


@pytest.mark.parametrize("text,age_on,expected", [
    ("35", None, 35), ("35岁", None, 35), ("３５", None, 35), ("３５岁", None, 35), (" 35 ", None, 35),
    ("三十五岁", None, 35), ("十八", None, 18), ("二十", None, 20), ("六十周岁", None, 60),
    ("1978年", 2026, 48), ("1978", 2026, 48), ("1978-05", 2026, 48), ("1978年5月", 2026, 48),
    ("1978", None, 1978), ("12.5", None, 12.5), ("5年", None, 5),
    ("abc", None, None), ("三十五十", None, None), ("", None, None),
])
def test_parse_number(text, age_on, expected):
    assert parse_number(text, age_on=age_on) == expected


def test_parse_seconds_and_multi():
    assert parse_seconds("125秒") == 125 and parse_seconds("８秒") == 8
    assert pd.isna(parse_seconds(None)) and pd.isna(parse_seconds("很久"))
    assert split_multi("运动┋其他【请注明】〖军事┋国防〗") == ["运动", "其他【请注明】"]


def test_valid_rows_get_codes_and_lose_personal_data(books, write_wjx):
    r = run(books, write_wjx, [worker(), worker(gender="女", age="３５岁", edu="大本")])
    v = r.valid
    assert list(v["gender"]) == [1, 2] and list(v["age"]) == [40, 35] and list(v["edu"]) == [4, 4]
    assert list(v["age_band"]) == [2, 2] and list(v["edu2"]) == [2, 2]
    assert "name" not in v and "phone" not in v and "_ip" not in v
    assert not any("张三" in str(x) or "13800000000" in str(x) for x in v.to_numpy().ravel())
    assert list(v["_row"]) == [2, 3]            # spreadsheet lines, header on line 1
    assert list(v["training__3"]) == [1, 1] and list(v["training__1"]) == [0, 0]


def test_variants_are_logged_as_changes(books, write_wjx):
    r = run(books, write_wjx, [worker(sat_pay="較滿意", gender=" 男性 ", party="中共黨員")])
    assert r.valid.loc[0, "sat_pay"] == 4 and r.valid.loc[0, "gender"] == 1 and r.valid.loc[0, "party"] == 1
    ch = r.changes.set_index("variable")
    assert ch.loc["sat_pay", "rule"] == "alias" and ch.loc["sat_pay", "after"] == "比较满意"
    assert ch.loc["party", "rule"] == "normalize" and ch.loc["party", "before"] == "中共黨員"
    assert ch.loc["gender", "rule"] == "alias"
    assert (r.changes["row"] == 2).all()


def test_unmapped_answer_is_missing_logged_and_counted(books, write_wjx):
    r = run(books, write_wjx, [worker(sat_pay="还行"), worker(sat_pay="还行", age="41"), worker()])
    assert r.valid["sat_pay"].isna().sum() == 2 and len(r.valid) == 3
    assert r.unmapped.to_dict("records") == [{"variable": "sat_pay", "value": "还行", "count": 2}]
    logged = r.changes[r.changes["rule"] == "unmapped"]
    assert list(logged["row"]) == [2, 3] and set(logged["before"]) == {"还行"}


def test_out_of_range_age_is_blanked_not_dropped(books, write_wjx):
    r = run(books, write_wjx, [worker(age="150"), worker(age="8岁"), worker(age="55")])
    assert len(r.valid) == 3
    assert r.valid["age"].isna().sum() == 2 and r.valid["age_band"].isna().sum() == 2
    oor = r.changes[r.changes["rule"] == "out_of_range"]
    assert list(oor["before"]) == ["150", "8岁"] and list(oor["row"]) == [2, 3]


def test_birth_year_becomes_age(books, write_wjx):
    r = run(books, write_wjx, [worker(age="1970年")])
    assert r.valid.loc[0, "age"] == 56 and r.valid.loc[0, "age_band"] == 3


def test_skip_logic_violation_is_blanked(books, write_wjx):
    r = run(books, write_wjx, [worker(post="其他社区工作者", one_shoulder="是"),
                               worker(post="社区党组织书记", one_shoulder="是")])
    assert pd.isna(r.valid.loc[0, "one_shoulder"]) and r.valid.loc[1, "one_shoulder"] == 1
    assert r.changes[r.changes["rule"] == "skip_logic"]["row"].tolist() == [2]


def test_speeders_duplicates_and_missing_district_are_excluded_with_reasons(books, write_wjx):
    rows = [worker(age=str(30 + i)) for i in range(8)]
    rows.append(dict(rows[2]))                   # an exact duplicate of line 4
    rows.append(worker(district="(空)"))
    seconds = [300, 310, 320, 330, 12, 340, 350, 360, 320, 300]
    r = run(books, write_wjx, rows, seconds=seconds)
    ex = r.exclusions.set_index("row")
    assert ex.loc[6, "rule"] == "speeder" and "12 秒" in ex.loc[6, "detail"]
    assert ex.loc[10, "rule"] == "duplicate" and "第 4 行" in ex.loc[10, "detail"]
    assert ex.loc[11, "rule"] == "missing_required" and ex.loc[11, "district"] == clean.NO_DISTRICT
    assert len(r.valid) == 7 and len(r.exclusions) == 3
    assert int(r.received.sum()) == len(r.valid) + len(r.exclusions)


def test_speeder_fraction_of_median(books, write_wjx):
    # 100 s passes the 60 s floor but is under 0.3 × the median of 900 s
    rows = [worker(age=str(30 + i)) for i in range(5)]
    r = run(books, write_wjx, rows, seconds=[900, 900, 100, 900, 900])
    assert r.exclusions["row"].tolist() == [4] and r.exclusions["rule"].tolist() == ["speeder"]


def test_traditional_district_names_merge(books, write_wjx):
    r = run(books, write_wjx, [worker(district="橋東區"), worker(district=" 桥东区")])
    assert set(r.valid["district"]) == {"桥东区"}


def test_missing_required_column_is_a_clear_error(books, tmp_path):
    df = pd.DataFrame({"序号": [1], "提交答卷时间": ["2026/09/03 12:00:00"], "1、您的性别": ["男"],
                       "2、您的年龄": ["40"], "3、您的文化程度": ["本科"]})
    path = tmp_path / "no_district.xlsx"
    df.to_excel(path, index=False)
    with pytest.raises(SurveyError) as e:
        clean_table(ingest.read(path), books["worker"])
    assert "no_district.xlsx" in str(e.value) and "district" in str(e.value) and "headers" in str(e.value)


@pytest.mark.parametrize("text,expected", [
    ("1978/05/03", 48), ("1978/09/16", 47), ("1978年9月15日", 48), ("1978-09-16", 47),
    ("28613", 48),             # Excel date serial of 1978-05-03
    ("1978", 48),
])
def test_birth_dates_and_excel_serials_give_the_age_on_the_survey_date(text, expected):
    import datetime as dt

    assert parse_number(text, age_on=dt.date(2026, 9, 15)) == expected


def test_birth_date_cell_in_a_typed_sheet(books, write_wjx):
    r = run(books, write_wjx, [worker(age="1978/09/16"), worker(age="28613")])
    assert r.valid["age"].tolist() == [47, 48]
    assert r.changes[r.changes["variable"] == "age"]["rule"].tolist() == ["parse_number", "parse_number"]
