"""The layouts 问卷星 and hand-made sheets use: 按序号 downloads, one column per multi-select option,
matrix rows, typed "其他" text. The same answers in any layout give the same cleaned data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.clean import clean_table
from analysis.read import ingest
from conftest import by_number, wjx_frame

ANSWERS = [
    {"district": "桥东区", "gender": "男", "age": "41", "edu": "本科", "party": "中共党员",
     "post": "社区党组织书记", "one_shoulder": "是", "employment": "专职", "recruit": "公开招聘",
     "training": "区级以上集中培训┋线上学习", "sat_pay": "非常满意", "sat_workload": "很不满意",
     "sat_training": "一般", "sat_promotion": "比较满意", "sat_recognition": "不太满意", "stay": "愿意"},
    {"district": "桥东区", "gender": "女", "age": "29", "edu": "大专", "party": "群众",
     "post": "其他社区工作者", "one_shoulder": "(跳过)", "employment": "兼职", "recruit": "原有留用",
     "training": "未参加培训", "sat_pay": "很不满意", "sat_workload": "非常满意",
     "sat_training": "(空)", "sat_promotion": "一般", "sat_recognition": "比较满意", "stay": "说不清"},
    {"district": "桥西区", "gender": "女", "age": "55", "edu": "高中/中专", "party": "中共预备党员",
     "post": "社区居委会主任", "one_shoulder": "(跳过)", "employment": "专职", "recruit": "选举产生",
     "training": "(空)", "sat_pay": "比较满意", "sat_workload": "一般",
     "sat_training": "非常满意", "sat_promotion": "不太满意", "sat_recognition": "很不满意", "stay": "不愿意"},
]


def _clean(book, frame, tmp_path, name):
    path = tmp_path / name
    frame.to_excel(path, index=False) if name.endswith(".xlsx") else frame.to_csv(path, index=False)
    return clean_table(ingest.read(path, set(book.header_map())), book)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_by_number_download_gives_the_same_data_as_by_text(books, tmp_path, suffix):
    book = books["worker"]
    text = wjx_frame(book, ANSWERS)
    number = by_number(book, text)
    assert "第15题(线上学习)" in number.columns and number.loc[0, "16、您对薪酬待遇的满意程度"] == "1"
    a = _clean(book, text, tmp_path, "按文本" + suffix)
    b = _clean(book, number, tmp_path, "按序号" + suffix)
    assert a.numbering == "code" and b.numbering == "position"
    cols = [c for c in a.valid.columns if c not in ("_file",)]
    pd.testing.assert_frame_equal(a.valid[cols], b.valid[cols])
    # 非常满意 is option 1 on the questionnaire but code 5 in the codebook: no inversion
    assert b.valid["sat_pay"].tolist() == [5, 1, 4] and b.valid["sat_workload"].tolist() == [1, 5, 3]
    assert b.valid["training__1"].tolist()[:2] == [1, 0] and pd.isna(b.valid.loc[2, "training__1"])
    assert pd.isna(b.valid.loc[1, "sat_training"]) and b.changes.empty and a.changes.empty
    assert len(b.valid) == 3 and b.exclusions.empty


def test_option_column_the_codebook_lacks_is_logged_not_lost(books, tmp_path):
    book = books["worker"]
    number = by_number(book, wjx_frame(book, ANSWERS))
    number.insert(len(number.columns) - 6, "第15题(其他（请注明）)", ["0", "1", "-2"])
    r = _clean(book, number, tmp_path, "a.xlsx")
    assert len(r.valid) == 3
    assert r.unmapped.to_dict("records") == [{"variable": "training", "value": "其他(请注明)", "count": 1}]
    logged = r.changes[r.changes["rule"] == "unmapped"]
    assert logged["row"].tolist() == [3] and logged["variable"].tolist() == ["training"]


def test_option_text_with_parentheses_is_split_on_the_outermost_pair(books, tmp_path):
    from analysis.clean.table import _OPTION_COLUMN
    from analysis.textnorm import canon

    assert _OPTION_COLUMN.match(canon("第8题(ACG文化(动漫、游戏等))")).group(2) == "ACG文化(动漫、游戏等)"


@pytest.mark.parametrize("form", ["第{n}题({row})", "{n}、您对以下方面的满意程度—{row}", "{n}({row})"])
def test_matrix_rows_are_matched_by_their_row_title(books, tmp_path, form):
    book = books["resident"]
    text = wjx_frame(book, [{"district": "桥东区", "sat_service": "比较满意", "sat_safety": "一般"}])
    rows = {"sat_service": "社区服务", "sat_safety": "社区治安"}
    for k, var in enumerate(book.variables.values(), 1):
        if var.name in rows:
            text = text.rename(columns={f"{k}、{var.question}": form.format(n=11, row=rows[var.name])})
    r = _clean(book, text, tmp_path, "matrix.xlsx")
    assert r.valid.loc[0, "sat_service"] == 4 and r.valid.loc[0, "sat_safety"] == 3
    assert not any("社区服务" in c for c in r.ignored_columns)


def test_typed_other_text_is_removed_and_never_logged(books, tmp_path):
    book = books["worker"]
    answers = [dict(ANSWERS[0], recruit="公开招聘〖经朋友介绍 13912345678〗",
                    training="线上学习┋其他〖张三家里┋办的〗")]
    r = _clean(book, wjx_frame(book, answers), tmp_path, "other.xlsx")
    assert r.valid.loc[0, "recruit"] == 1 and r.valid.loc[0, "training__3"] == 1
    everything = " ".join(map(str, [*r.changes.to_numpy().ravel(), *r.unmapped.to_numpy().ravel(),
                                    *r.valid.to_numpy().ravel()]))
    assert "13912345678" not in everything and "张三" not in everything
    assert r.changes[r.changes["variable"] == "recruit"]["rule"].tolist() == ["other_text"]
    assert r.unmapped["value"].tolist() == ["其他"]


def test_by_number_missing_codes_stay_missing(books, tmp_path):
    book = books["worker"]
    number = by_number(book, wjx_frame(book, ANSWERS))
    number.loc[0, "16、您对薪酬待遇的满意程度"] = "-3"
    number.loc[1, "16、您对薪酬待遇的满意程度"] = "-2"
    r = _clean(book, number, tmp_path, "m.xlsx")
    assert r.valid["sat_pay"].isna().tolist() == [True, True, False] and r.unmapped.empty


def test_a_number_out_of_the_option_list_is_unmapped(books, tmp_path):
    book = books["worker"]
    number = by_number(book, wjx_frame(book, ANSWERS))
    number.loc[0, "16、您对薪酬待遇的满意程度"] = "7"
    r = _clean(book, number, tmp_path, "m.xlsx")
    assert pd.isna(r.valid.loc[0, "sat_pay"]) and r.unmapped["value"].tolist() == ["7"]
    assert np.array_equal(r.valid["_row"], [2, 3, 4])
