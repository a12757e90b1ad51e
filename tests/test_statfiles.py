"""SPSS .sav/.zsav and Stata .dta files: labels become headers and answers, user-missing stays missing.

Every fixture is written here with pyreadstat (variable labels, value labels, user-missing values
and ranges, Stata extended missing), so the reader is tested against files made by the same
library SPSS/Stata files are read with, and the expected cells are written out by hand.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from analysis.clean import clean_table
from analysis.errors import SurveyError
from analysis.read import ingest, statfiles
from conftest import wjx_frame

SAT_SAV = {1: "非常满意", 2: "比较满意", 3: "一般", 4: "不太满意", 5: "很不满意", 9: "不回答"}


def _small_sav(path, **kw):
    df = pd.DataFrame({
        "district": ["桥东区", "桥东区", "桥西区", "桥西区", "桥西区"],
        "gender": [1.0, 2.0, 9.0, np.nan, 1.0],
        "age": [35.0, 40.5, 998.0, 999.0, np.nan],
        "sat": [1.0, 5.0, 2.0, 9.0, 7.0],         # 7 has no label: kept as the number's text
        "note": ["", "无", "很好", None, "x"],
        "day": [dt.date(2026, 9, 3)] * 5,
        "stamp": [dt.datetime(2026, 9, 3, 12, 0, 5), dt.datetime(2026, 9, 4), dt.datetime(2026, 9, 5, 8, 1),
                  pd.NaT, dt.datetime(2026, 9, 6, 23, 59, 59)],
    })
    pyreadstat.write_sav(
        df, str(path),
        column_labels={"district": "1、您所在的区（县）", "gender": "5、您的性别", "age": "6、您的年龄",
                       "sat": "11、您对社区服务的满意程度", "note": None, "day": "填表日期", "stamp": None},
        variable_value_labels={"gender": {1: "男", 2: "女", 9: "不回答"}, "sat": SAT_SAV,
                               "age": {999: "不知道"}},
        missing_ranges={"gender": [9], "sat": [9], "age": [{"lo": 997, "hi": 999}]}, **kw)
    return path


@pytest.mark.parametrize("name,kw", [("small.sav", {}), ("small.zsav", {"compress": True})])
def test_sav_cells_headers_and_rows(tmp_path, name, kw):
    path = _small_sav(tmp_path / name, **kw)
    t = ingest.read(path)
    assert list(t.frame.columns) == ["1、您所在的区（县）", "5、您的性别", "6、您的年龄",
                                     "11、您对社区服务的满意程度", "note", "填表日期", "stamp"]
    assert t.var_names == {"1、您所在的区（县）": "district", "5、您的性别": "gender", "6、您的年龄": "age",
                           "11、您对社区服务的满意程度": "sat", "note": "note", "填表日期": "day",
                           "stamp": "stamp"}
    M = statfiles.USER_MISSING
    assert t.frame["5、您的性别"].tolist() == ["男", "女", M, None, "男"]
    assert t.frame["6、您的年龄"].tolist() == ["35", "40.5", M, M, None]       # 998 and 999 in the range
    assert t.frame["11、您对社区服务的满意程度"].tolist() == ["非常满意", "很不满意", "比较满意", M, "7"]
    assert t.frame["note"].tolist() == [None, "无", "很好", None, "x"]
    assert t.frame["填表日期"].tolist() == ["2026/09/03"] * 5
    assert t.frame["stamp"].tolist() == ["2026/09/03 12:00:05", "2026/09/04", "2026/09/05 08:01:00", None,
                                         "2026/09/06 23:59:59"]
    assert t.rows.tolist() == [1, 2, 3, 4, 5] and t.header_row == 0 and t.kind == "table"
    assert all(isinstance(c, str) or c is None for c in t.frame.to_numpy().ravel())


def test_sav_metadata_keeps_value_and_missing_labels(tmp_path):
    f = statfiles.read_with_meta(_small_sav(tmp_path / "m.sav"))
    by = {v.name: v for v in f.variables}
    assert by["gender"].value_labels == {1: "男", 2: "女"}
    assert by["gender"].missing_labels == {9: "不回答"}
    assert by["age"].value_labels == {} and by["age"].missing_labels == {999: "不知道"}
    assert list(by["sat"].value_labels.values()) == ["非常满意", "比较满意", "一般", "不太满意", "很不满意"]
    assert by["note"].label is None and by["note"].numeric is False and by["sat"].numeric is True


def test_user_missing_is_missing_not_a_category_when_cleaned(tmp_path, books):
    """SPSS semantics: 9 = 不回答 is excluded from the base, and the sav's own codes do not matter
    (1 = 非常满意 in the file is code 5 in the codebook), only the labels."""
    t = ingest.read(_small_sav(tmp_path / "c.sav"))
    r = clean_table(t, books["resident"])
    v = r.valid.set_index("_row")
    assert v["gender"].isna().tolist() == [False, False, True, True, False]
    assert v["gender"].dropna().tolist() == [1, 2, 1]
    assert v["gender"].value_counts().to_dict() == {1: 2, 2: 1}     # base 3: the refusal is not counted
    assert v["age"].tolist()[:2] == [35.0, 40.5] and v["age"].isna().tolist()[2:] == [True, True, True]
    assert v.loc[[1, 2, 3], "sat_service"].tolist() == [5, 1, 4]
    assert v.loc[4, "sat_service"] is pd.NA
    # the unlabelled 7 is reported as an unmapped answer; the user-missing marker is not
    assert r.unmapped.to_dict("records") == [{"variable": "sat_service", "value": "7", "count": 1}]
    assert not (r.changes["before"] == statfiles.USER_MISSING).any()
    assert r.received.to_dict() == {"桥东区": 2, "桥西区": 3}


def test_every_default_codebook_treats_the_marker_as_missing(books):
    from analysis.textnorm import answer_key
    for book in books.values():
        assert book.missing.get(answer_key(statfiles.USER_MISSING)) == "refused", book.instrument


def test_stata_value_labels_and_extended_missing(tmp_path, books):
    df = pd.DataFrame({
        "district": ["桥东区", "桥东区", "长安区", "长安区"],
        "q5": [1, 2, "a", "z"],              # .a and .z: Stata's extended missing values
        "q6": [35.0, np.nan, 61.0, 20.25],
    })
    path = tmp_path / "s.dta"
    pyreadstat.write_dta(df, str(path),
                         column_labels={"district": "1、您所在的区（县）", "q5": "5、您的性别", "q6": "6、您的年龄"},
                         variable_value_labels={"q5": {1: "男", 2: "女"}}, missing_user_values={"q5": ["a", "z"]})
    t = ingest.read(path)
    M = statfiles.USER_MISSING
    assert t.frame["5、您的性别"].tolist() == ["男", "女", M, M]
    assert t.frame["6、您的年龄"].tolist() == ["35", None, "61", "20.25"]
    assert t.rows.tolist() == [1, 2, 3, 4]
    r = clean_table(t, books["resident"])
    assert r.valid["gender"].isna().tolist() == [False, False, True, True]
    assert r.valid["gender"].dropna().tolist() == [1, 2]
    assert len(r.unmapped) == 0


@pytest.mark.parametrize("version", [13, 15])
def test_stata_13_file_in_gbk_reads_as_chinese(tmp_path, version):
    """Stata before 14 stored text in the Windows code page. The fixture is written with ASCII
    placeholders of the same byte length, then the GBK bytes put in their place."""
    enc = "gbk" if version == 13 else "utf-8"
    texts = {"Q": "桥东", "X": "性别", "Y": "男", "Z": "女"}
    hold = {k: k * len(t.encode(enc)) for k, t in texts.items()}
    df = pd.DataFrame({"district": [hold["Q"], "AB"], "q1": [1.0, 2.0]})
    path = tmp_path / "old.dta"
    pyreadstat.write_dta(df, str(path), version=version, column_labels={"q1": hold["X"]},
                         variable_value_labels={"q1": {1: hold["Y"], 2: hold["Z"]}})
    data = path.read_bytes()
    for k, text in texts.items():
        assert data.count(hold[k].encode()) == 1
        data = data.replace(hold[k].encode(), text.encode(enc))
    path.write_bytes(data)
    t = ingest.read(path)
    assert list(t.frame.columns) == ["district", "性别"]
    assert t.frame["district"].tolist() == ["桥东", "AB"] and t.frame["性别"].tolist() == ["男", "女"]
    assert t.encoding == ("GB18030" if version == 13 else None)


def test_shared_variable_label_gets_the_name_appended(tmp_path):
    df = pd.DataFrame({"a": [1.0], "b": [2.0], "c": [3.0]})
    path = tmp_path / "dup.sav"
    pyreadstat.write_sav(df, str(path), column_labels={"a": "满意程度", "b": "满意程度", "c": "a"})
    t = ingest.read(path)
    assert list(t.frame.columns) == ["满意程度 [a]", "满意程度 [b]", "a [c]"]
    assert t.frame.iloc[0].tolist() == ["1", "2", "3"]


def test_wjx_sav_is_recognised_by_its_leading_columns(tmp_path):
    df = pd.DataFrame({"seq": [1.0, 2.0], "t": ["2026/09/03 12:00:00", "2026/09/03 12:05:00"], "q1": ["男", "女"]})
    path = tmp_path / "wjx.sav"
    pyreadstat.write_sav(df, str(path), column_labels={"seq": "序号", "t": "提交答卷时间", "q1": "1、您的性别"})
    assert ingest.read(path).kind == "wjx"


def _same_answers_as_xlsx_and_sav(folder, book):
    """The same respondents as a 问卷星 by-text .xlsx and as an SPSS file whose choice questions are
    numeric codes with value labels (numbered differently from the codebook)."""
    rows = [
        {"district": "桥东区", "street": "东华街道", "community": "建安社区", "gender": "男", "age": "35岁",
         "party": "群众", "awareness": "比较了解", "sat_service": "非常满意", "sat_overall": "不回答",
         "services": "办理证明┋养老服务", "suggestion": "希望多组织活动"},
        {"district": "桥东区", "street": "东华街道", "community": "建安社区", "gender": "女", "age": "61",
         "party": "中共党员", "member_kind": "离退休党员", "sat_service": "一般", "sat_overall": "比较满意",
         "services": "文体活动"},
        {"district": "桥西区", "street": "振头街道", "community": "振头社区", "gender": "不回答", "age": "48",
         "party": "群众", "sat_service": "很不满意", "sat_overall": "很不满意", "services": "都没有使用过"},
    ]
    wide = wjx_frame(book, rows)
    xlsx = folder / "same.xlsx"
    wide.to_excel(xlsx, index=False)

    sav_df, labels, value_labels, missing = pd.DataFrame(), {}, {}, {}
    choice = {v.question: v for v in book.variables.values() if v.type == "single"}
    for j, header in enumerate(wide.columns):
        name = f"v{j + 1}"
        labels[name] = header
        stem = header.split("、", 1)[-1]
        col = wide[header].astype(str)
        if stem in choice:
            texts = list(choice[stem].values.values())[::-1]          # the file numbers options its own way
            codes = {t: float(i + 1) for i, t in enumerate(texts)}
            codes.update({"不回答": 99.0, "(空)": np.nan})
            sav_df[name] = col.map(codes).astype(float)
            value_labels[name] = {c: t for t, c in codes.items() if c == c and t != "(空)"}
            missing[name] = [99.0]
        else:
            sav_df[name] = col
    sav = folder / "same.sav"
    pyreadstat.write_sav(sav_df, str(sav), column_labels=labels, variable_value_labels=value_labels,
                         missing_ranges=missing)
    return xlsx, sav


def test_sav_and_xlsx_of_the_same_answers_clean_identically(tmp_path, books):
    book = books["resident"]
    xlsx, sav = _same_answers_as_xlsx_and_sav(tmp_path, book)
    a = clean_table(ingest.read(xlsx), book)
    b = clean_table(ingest.read(sav), book)
    pd.testing.assert_frame_equal(a.valid.drop(columns=["_file", "_row"]), b.valid.drop(columns=["_file", "_row"]))
    assert b.valid["_row"].tolist() == [1, 2, 3]
    assert a.valid["sat_overall"].tolist()[0] is pd.NA and b.valid["sat_overall"].tolist()[0] is pd.NA
    assert b.valid["gender"].isna().tolist() == [False, False, True]
    assert len(a.unmapped) == 0 and len(b.unmapped) == 0


def test_prepare_reads_a_sav_in_the_wave_folder(tmp_path, books):
    """``survey prepare`` finds the .sav, recognises the questionnaire from its labels, and accounts
    for every case: 3 received, 3 valid (2 in 桥东区, 1 in 桥西区)."""
    from analysis import clean, config

    src = tmp_path / "src"
    src.mkdir()
    _, sav = _same_answers_as_xlsx_and_sav(src, books["resident"])
    raw = tmp_path / "raw" / "w1"
    raw.mkdir(parents=True)
    (raw / "居民.sav").write_bytes(sav.read_bytes())
    w = clean.prepare_wave("w1", tmp_path / "raw", tmp_path / "processed", config.CODEBOOK_DIR)
    flow = w.flow.set_index("district")[["received", "valid"]].to_dict("index")
    assert flow == {"桥东区": {"received": 2, "valid": 2}, "桥西区": {"received": 1, "valid": 1}}
    assert w.manifest["inputs"][0]["header_row"] == 0 and w.manifest["inputs"][0]["instrument"] == "resident"
    assert w.frames["resident"]["_row"].tolist() == [1, 2, 3]


def test_discover_lists_statistics_files(tmp_path):
    _small_sav(tmp_path / "b.sav")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    assert [p.name for p in ingest.discover(tmp_path)] == ["b.sav"]


@pytest.mark.parametrize("name", ["bad.sav", "bad.zsav", "bad.dta"])
def test_corrupt_file_is_a_survey_error_naming_the_file_and_fix(tmp_path, name):
    path = tmp_path / name
    path.write_bytes("这不是 SPSS 文件\n".encode() * 20)
    with pytest.raises(SurveyError) as e:
        ingest.read(path)
    assert e.value.file == str(path) and e.value.fix and name in str(e.value)


def test_truncated_sav_and_sav_named_dta(tmp_path):
    good = _small_sav(tmp_path / "g.sav").read_bytes()
    (tmp_path / "cut.sav").write_bytes(good[:400])
    with pytest.raises(SurveyError, match="SPSS"):
        ingest.read(tmp_path / "cut.sav")
    (tmp_path / "wrong.dta").write_bytes(good)
    with pytest.raises(SurveyError, match="Stata"):
        ingest.read(tmp_path / "wrong.dta")


def test_missing_and_empty_files_say_so(tmp_path):
    with pytest.raises(SurveyError, match="文件不存在"):
        statfiles.read_with_meta(tmp_path / "none.sav")
    (tmp_path / "zero.dta").write_bytes(b"")
    with pytest.raises(SurveyError, match="空的"):
        statfiles.read_with_meta(tmp_path / "zero.dta")


def test_file_without_cases_is_refused(tmp_path):
    path = tmp_path / "empty.sav"
    pyreadstat.write_sav(pd.DataFrame({"q1": pd.Series([], dtype=float)}), str(path))
    with pytest.raises(SurveyError, match="没有任何个案"):
        ingest.read(path)
