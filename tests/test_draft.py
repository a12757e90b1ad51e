"""``survey codebook draft``: a draft that loads, cleans its own file completely, guesses sensibly,
and never carries a respondent's personal data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from analysis import cli
from analysis.clean import clean_table
from analysis.errors import SurveyError
from analysis.read import ingest
from analysis.sample import synth
from analysis.spec import codebook, draft

DATE = dt.date(2026, 9, 15)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    manifest = synth.make_sample(out)
    return manifest, out / "2026"


def _load(tmp_path: Path, text: str, name: str = "draft.yaml") -> codebook.Codebook:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return codebook.load(path)


def _cleans_completely(path: Path, book: codebook.Codebook):
    table = ingest.read(path)
    r = clean_table(table, book)
    assert int(r.received.sum()) == len(table.frame) == len(r.valid), "every row received is valid"
    assert len(r.exclusions) == 0
    assert r.ignored_columns == []          # every question column is in the draft, meta columns map too
    return r


# -- the bundled sample (问卷星 by-text downloads) ------------------------------------------------

def test_sample_resident_draft_recognises_roles_gender_age_and_satisfaction(sample, tmp_path):
    _, folder = sample
    path = next(folder.glob("*_按文本_桥东区居民问卷_*.xlsx"))
    text = draft.draft_text(path)
    book = _load(tmp_path, text)
    v = book.variables
    assert book.instrument == "wjx_" + path.name.split("_")[0]
    assert book.title == "桥东区居民问卷"
    # the latest 提交答卷时间 in the file, computed independently of the drafter
    stamps = pd.to_datetime(ingest.read(path).frame["提交答卷时间"], format="%Y/%m/%d %H:%M:%S")
    assert book.survey_date == stamps.max().date()
    assert v["district"].role == "district" and v["district"].question == "1、您所在的区（县）"
    assert v["district"].type == "text" and v["district"].required
    assert v["street"].role == "street" and v["community"].role == "community"
    assert v["phone"].pii and not v["phone"].kept
    assert v["gender"].type == "single" and v["gender"].values == {1: "男", 2: "女"}
    assert v["gender"].code_for("女性") == 2 and v["gender"].code_for("男性") == 1
    assert v["age"].type == "age"
    sat = [n for n, x in v.items() if x.scale == "sat5"]
    assert [v[n].question.split("、", 1)[1] for n in sat] == [
        "您对社区服务的满意程度", "您对社区党组织发挥作用的满意程度", "您对社区环境卫生的满意程度",
        "您对社区治安状况的满意程度", "您对在社区办事便利程度的满意程度", "您对社区信息化服务的满意程度",
        "总体而言，您对所在社区工作的满意程度"]
    assert v[sat[0]].label == "社区服务" and v[sat[0]].top_box == (5, 4)
    assert book.report.batteries[0].items == tuple(sat)
    assert book.report.batteries[0].table_suffix == "satisfaction"
    services = next(x for x in v.values() if x.question.startswith("19、"))
    assert services.type == "multi" and set(services.values.values()) == {
        "办理证明", "养老服务", "文体活动", "法律咨询", "就业帮扶", "都没有使用过"}
    suggestion = next(x for x in v.values() if x.question.startswith("20、"))
    assert suggestion.type == "text" and suggestion.private
    party = next(x for x in v.values() if x.question.startswith("7、"))
    assert set(party.values.values()) == {"群众", "中共党员", "共青团员", "中共预备党员", "民主党派"}


def test_sample_draft_cleans_like_the_project_codebook(sample, tmp_path, books):
    """Cleaning a sample file with its draft keeps every row and maps every answer; where the draft
    and the hand-written codebook share codes (gender, sat5 items, age) they give the same values."""
    _, folder = sample
    path = next(folder.glob("*_按文本_桥东区居民问卷_*.xlsx"))
    mine = _load(tmp_path, draft.draft_text(path))
    r = _cleans_completely(path, mine)
    assert len(r.unmapped) == 0
    ref = clean_table(ingest.read(path), books["resident"])
    joined = r.valid.merge(ref.valid, on="_row", suffixes=("", "_ref"))
    assert len(joined) == len(ref.valid) > 400
    pairs = {"gender": "gender", "age": "age"}
    for n, x in mine.variables.items():
        if x.scale:
            ref_name = next(k for k, y in books["resident"].variables.items() if y.question == x.question.split("、", 1)[1])
            pairs[n] = ref_name
    assert len(pairs) == 9
    for mine_name, ref_name in pairs.items():
        a = joined[mine_name]
        b = joined[ref_name + "_ref"] if ref_name + "_ref" in joined else joined[ref_name]
        assert a.isna().equals(b.isna()), mine_name
        assert (a.dropna().astype(float) == b.dropna().astype(float)).all(), mine_name


@pytest.mark.parametrize("district", ["桥东区", "桥西区"])
def test_sample_worker_draft_loads_and_keeps_every_row(sample, tmp_path, district):
    _, folder = sample
    path = next(folder.glob(f"*_按文本_{district}社区工作者问卷_*.xlsx"))
    book = _load(tmp_path, draft.draft_text(path))
    v = book.variables
    assert v["name"].pii and v["phone"].pii
    assert [x.label for x in v.values() if x.scale] == ["薪酬待遇", "工作负担", "培训机会", "晋升空间", "工作得到认可"]
    r = _cleans_completely(path, book)
    if district == "桥东区":          # outside 桥东区 the sample plants answers no codebook knows (还行)
        assert len(r.unmapped) == 0
    else:
        assert set(r.unmapped["value"]) <= {"还行"}


def test_csv_download_drafts_and_cleans(sample, tmp_path):
    _, folder = sample
    path = next(folder.glob("*.csv"))
    book = _load(tmp_path, draft.draft_text(path))
    assert book.role("district") == "district"
    _cleans_completely(path, book)


def test_hand_typed_sheet_needs_a_date_then_drafts(sample, tmp_path):
    _, folder = sample
    path = folder / "社区组织基本情况统计表.xlsx"
    with pytest.raises(SurveyError, match="--survey-date"):
        draft.draft_text(path)
    text = draft.draft_text(path, survey_date=DATE, instrument="community_sheet")
    assert "survey_date: 2026-09-15" in text and "instrument: community_sheet" in text


def test_no_draft_contains_personal_data(sample):
    manifest, folder = sample
    secrets = manifest.planted_pii | manifest.planted_ips
    assert len(secrets) > 1000
    for path in sorted(folder.glob("*.*")):
        if path.suffix not in (".xlsx", ".csv"):
            continue
        text = draft.draft_text(path, survey_date=DATE)
        leaked = sorted(s for s in secrets if s in text)
        assert leaked == [], (path.name, leaked[:5])
        ips = {v.split("(")[0] for v in ingest.read(path).frame.get("来自IP", pd.Series(dtype=object)).dropna()}
        assert not any(ip in text for ip in ips)


def test_same_file_same_bytes(sample):
    _, folder = sample
    path = next(folder.glob("*_按文本_长安区居民问卷_*"))
    assert draft.draft_text(path) == draft.draft_text(path)


# -- SPSS and Stata -------------------------------------------------------------------------------

def _survey_sav(path: Path, writer=pyreadstat.write_sav, **kw) -> Path:
    n = 12
    rng = np.random.default_rng(3)
    df = pd.DataFrame({
        "district": ["桥东区", "桥西区"] * (n // 2),
        "sex": rng.choice([1.0, 2.0, 9.0], n),
        "Age": rng.integers(18, 80, n).astype(float),
        "satserv": rng.choice([1.0, 2.0, 3.0, 4.0, 5.0, 8.0], n),
        "edu": rng.choice([1.0, 2.0, 3.0], n),
        "tel": [f"1390000{i:04d}" for i in range(n)],
        "remark": [f"备注{i}" for i in range(n)],
    })
    df.loc[0, "edu"] = 3.0
    labels = {"district": "1、您所在的区（县）", "sex": "2、您的性别", "Age": "3、您的年龄",
              "satserv": "4、您对社区服务的满意程度", "edu": "5、您的文化程度", "tel": "6、联系电话",
              "remark": "7、其他意见"}
    value_labels = {"sex": {1: "男", 2: "女", 9: "不回答"},
                    "satserv": {1: "非常满意", 2: "比较满意", 3: "一般", 4: "不太满意", 5: "很不满意", 8: "说不清"},
                    "edu": {1: "初中及以下", 2: "高中", 3: "大专及以上"}}
    if writer is pyreadstat.write_sav:
        writer(df, str(path), column_labels=labels, variable_value_labels=value_labels,
               missing_ranges={"sex": [9], "satserv": [8]}, **kw)
    else:
        df["sex"] = df["sex"].map(lambda x: "a" if x == 9 else int(x)).astype(object)
        df["satserv"] = df["satserv"].map(lambda x: "b" if x == 8 else int(x)).astype(object)
        value_labels = {k: {c: t for c, t in v.items() if c not in (8, 9)} for k, v in value_labels.items()}
        writer(df, str(path), column_labels=labels, variable_value_labels=value_labels,
               missing_user_values={"sex": ["a"], "satserv": ["b"]})
    return path


@pytest.mark.parametrize("name,writer,kw", [
    ("s.sav", pyreadstat.write_sav, {}),
    ("s.zsav", pyreadstat.write_sav, {"compress": True}),
    ("s.dta", pyreadstat.write_dta, {}),
])
def test_statistics_file_draft_uses_labels_and_cleans_completely(tmp_path, name, writer, kw):
    path = _survey_sav(tmp_path / name, writer, **kw)
    text = draft.draft_text(path, survey_date=DATE)
    book = _load(tmp_path, text)
    v = book.variables
    assert set(v) == {"district", "sex", "age", "satserv", "edu", "tel", "remark"}
    assert v["district"].role == "district"
    assert v["sex"].values == {1: "男", 2: "女"}                       # 9 = 不回答 is missing, not an option
    assert v["edu"].values == {1: "初中及以下", 2: "高中", 3: "大专及以上"}  # the file's codes, in code order
    assert v["satserv"].scale == "sat5" and v["satserv"].values[5] == "非常满意"
    assert v["age"].type == "age"
    assert v["tel"].pii and v["remark"].private
    if name != "s.dta":
        assert book.missing["说不清"] == "refused"                  # the sav's own user-missing label
    r = _cleans_completely(path, book)
    assert len(r.unmapped) == 0
    raw = pyreadstat.read_sav(str(path))[0] if name != "s.dta" else pyreadstat.read_dta(str(path))[0]
    # by hand: the file's 1 (非常满意) is the scale's 5, its 5 (很不满意) the scale's 1; 8 / .b missing
    expect = raw["satserv"].map({1: 5, 2: 4, 3: 3, 4: 2, 5: 1})
    assert r.valid["satserv"].astype("Float64").tolist() == [x if x == x else pd.NA for x in expect.tolist()]
    assert r.valid["sex"].isna().sum() == int(raw["sex"].isna().sum())
    assert "1390000" not in text and "备注" not in text


def test_value_labels_of_a_mostly_numeric_variable_do_not_make_it_a_choice(tmp_path):
    df = pd.DataFrame({"d": ["桥东区"] * 6, "kids": [0.0, 1.0, 2.0, 3.0, 1.0, 99.0]})
    path = tmp_path / "k.sav"
    pyreadstat.write_sav(df, str(path), column_labels={"d": "您所在的区县", "kids": "家中子女数"},
                         variable_value_labels={"kids": {99: "不适用"}}, missing_ranges={"kids": [99]})
    book = _load(tmp_path, draft.draft_text(path, survey_date=DATE))
    assert book.variables["kids"].type == "number"
    assert book.missing["不适用"] == "refused"


# -- guessing from answers ------------------------------------------------------------------------

def _csv(tmp_path: Path, columns: dict[str, list[str]]) -> Path:
    path = tmp_path / "t.csv"
    pd.DataFrame(columns).to_csv(path, index=False, encoding="utf-8")
    return path


def test_variants_merge_but_never_across_a_negation(tmp_path):
    n = 14
    path = _csv(tmp_path, {
        "1、区县": ["桥东区"] * n,
        "2、是否愿意参加": ["愿意"] * 9 + ["不愿意"] * 3 + ["愿意 "] + ["很愿意"],
        "3、性别": ["男"] * 6 + ["女"] * 6 + ["女性", "男性"],
        "4、工作年限": [str(i % 5 + 1) for i in range(n)],
        "5、住址": [f"幸福路{i}号" for i in range(n)],
        "6、兴趣": [f"答案{i}" for i in range(n)],
        "7、出生日期": [f"19{60 + i}/0{i % 9 + 1}/1{i % 10}" for i in range(n)],
        "8、填表日期": ["2026/09/0{}".format(i % 9 + 1) for i in range(n)],
    })
    book = _load(tmp_path, draft.draft_text(path, survey_date=DATE))
    v = book.variables
    assert v["q2"].values == {1: "愿意", 2: "不愿意"} and v["q2"].code_for("很愿意") == 1
    assert v["gender"].values == {1: "男", 2: "女"} and v["gender"].code_for("女性") == 2
    assert v["q4"].type == "number"
    assert v["address"].pii and v["q6"].type == "text" and v["q6"].private
    assert v["age"].type == "age" and v["age"].question == "7、出生日期"
    assert v["q8"].type == "text" and not v["q8"].private
    r = clean_table(ingest.read(path), book)
    on = dt.date.fromisoformat(str(DATE))                      # a full birth date: age on the survey date
    born = [dt.date(1960 + i, i % 9 + 1, 10 + i % 10) for i in range(n)]
    assert r.valid["age"].tolist() == [on.year - b.year - ((on.month, on.day) < (b.month, b.day)) for b in born]
    text = path.read_text(encoding="utf-8")
    assert "幸福路" in text and "幸福路" not in draft.draft_text(path, survey_date=DATE)
    assert "答案3" not in draft.draft_text(path, survey_date=DATE)


def test_matrix_columns_sharing_a_number_get_distinct_names(tmp_path):
    path = _csv(tmp_path, {"区县": ["桥东区"] * 4, "5(社区服务)": ["满意", "一般", "不满意", "很满意"],
                           "5(环境卫生)": ["一般", "满意", "很满意", "不满意"]})
    book = _load(tmp_path, draft.draft_text(path, survey_date=DATE))
    assert [n for n, x in book.variables.items() if x.scale] == ["q5_1", "q5_2"]


# -- the command ----------------------------------------------------------------------------------

def test_cli_writes_refuses_to_overwrite_and_forces(sample, tmp_path, capsys):
    _, folder = sample
    src = next(folder.glob("*_按文本_新华区居民问卷_*"))
    out = tmp_path / "new.yaml"
    assert cli.main(["codebook", "draft", str(src), "-o", str(out), "--instrument", "resident_new"]) == 0
    first = out.read_text(encoding="utf-8")
    assert codebook.load(out).instrument == "resident_new"
    out.write_text("# edited by hand\n", encoding="utf-8")
    assert cli.main(["codebook", "draft", str(src), "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "# edited by hand\n"
    assert cli.main(["codebook", "draft", str(src), "-o", str(out), "--force",
                     "--instrument", "resident_new"]) == 0
    assert out.read_text(encoding="utf-8") == first
    assert [p.name for p in tmp_path.iterdir()] == ["new.yaml"]        # no temporary file left behind


def test_cli_default_output_is_named_after_the_instrument(sample, tmp_path, monkeypatch):
    _, folder = sample
    src = next(folder.glob("*_按文本_裕华区社区工作者问卷_*"))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["codebook", "draft", str(src)]) == 0
    expected = tmp_path / f"wjx_{src.name.split('_')[0]}.yaml"
    assert codebook.load(expected).title == "裕华区社区工作者问卷"


def test_a_missing_label_that_is_an_answer_elsewhere_is_not_a_missing_marker(tmp_path):
    df = pd.DataFrame({"d": ["桥东区"] * 4, "a": [1.0, 2.0, 3.0, 1.0], "b": [1.0, 2.0, 1.0, 2.0]})
    path = tmp_path / "m.sav"
    pyreadstat.write_sav(df, str(path), column_labels={"d": "区县", "a": "甲题", "b": "乙题"},
                         variable_value_labels={"a": {1: "是", 2: "否", 3: "说不清"}, "b": {1: "有", 2: "说不清"}},
                         missing_ranges={"a": [3]})
    book = _load(tmp_path, draft.draft_text(path, survey_date=DATE))
    assert "说不清" not in book.missing                  # 乙题's answer 说不清 must stay an answer
    assert book.variables["a"].values == {1: "是", 2: "否"}
    assert book.variables["b"].values == {1: "有", 2: "说不清"}
    r = clean_table(ingest.read(path), book)
    assert r.valid["a"].tolist()[:2] == [1, 2] and r.valid["a"].isna().tolist() == [False, False, True, False]
    assert r.valid["b"].tolist() == [1, 2, 1, 2]


def test_cli_bad_input_exits_2_without_writing(tmp_path, capsys):
    sav = _survey_sav(tmp_path / "x.sav")
    out = tmp_path / "o.yaml"
    assert cli.main(["codebook", "draft", str(sav), "-o", str(out)]) == 2            # no date known
    assert cli.main(["codebook", "draft", str(sav), "-o", str(out), "--survey-date", "15.9.2026"]) == 2
    assert cli.main(["codebook", "draft", str(sav), "-o", str(out), "--survey-date", "2026-09-15",
                     "--instrument", "居民"]) == 2
    assert cli.main(["codebook", "draft", str(tmp_path / "missing.xlsx"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--survey-date" in err
    assert not out.exists()
    assert cli.main(["codebook", "draft", str(sav), "-o", str(out), "--survey-date", "2026-09-15"]) == 0
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["instrument"] == "x"
