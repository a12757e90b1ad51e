"""The reporting unit is the codebook's ``role: district`` variable, of any type: a single-choice
unit is named by its labels (Wave.districts in option order, folders, flow, exclusions), a row
without a unit answer is excluded as 未填写<unit> and counted in the flow, a wave without a unit
question is one report for the whole sample, and titles come from wave.yaml or the codebooks."""

from __future__ import annotations

import dataclasses
import json
import textwrap

import pandas as pd
import pytest

from analysis import config
from analysis.clean import load_wave, prepare_wave, wave_info, wave_title
from analysis.errors import SurveyError
from analysis.publish import report
from analysis.run import runner
from analysis.spec import codebook
from conftest import wjx_frame
from test_runner import tiny_notebook

SCHOOLS = {1: "第一中学", 2: "第二中学", 3: "实验小学"}      # sorted as text: 实验小学 first
SCHOOL_BOOK = """
instrument: parent
title: 家长满意度调查问卷
respondent: 家长
survey_date: 2025-06-20
missing: {"(跳过)": skipped, "(空)": empty}
scales:
  agree5:
    values: {5: 非常满意, 4: 比较满意, 3: 一般, 2: 不太满意, 1: 很不满意}
    top_box: [5, 4]
variables:
  - {name: school, question: 孩子就读的学校, label: 学校, type: single, role: district,
     values: {1: 第一中学, 2: 第二中学, 3: 实验小学}}
  - {name: grade, question: 孩子的年级, label: 年级, type: single, values: {1: 低年级, 2: 高年级}}
  - {name: age, question: 您的年龄, label: 年龄, type: number}
  - {name: s1, question: 对教学的满意程度, label: 教学, type: single, scale: agree5}
  - {name: s2, question: 对食堂的满意程度, label: 食堂, type: single, scale: agree5}
"""
# (school answer as the export holds it, how many rows)
SCHOOL_ROWS = [("第一中学", 6), ("第二中学", 5), ("实验小学", 4), ("(空)", 2), ("第九中学", 1)]


def write_books(folder, **books: str):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in books.items():
        (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def school_rows(answers=SCHOOL_ROWS):
    rows, i = [], 0
    for school, n in answers:
        for _ in range(n):
            rows.append({"school": school, "grade": ["低年级", "高年级"][i % 2], "age": str(30 + i),
                         "s1": ["非常满意", "一般", "比较满意"][i % 3], "s2": "比较满意"})
            i += 1
    return rows


@pytest.fixture
def school_wave(tmp_path):
    """A school survey: unit 学校, single choice coded 1..3; two rows with an empty unit answer, one
    naming a school that is no option."""
    books = write_books(tmp_path / "codebooks", parent=SCHOOL_BOOK)
    book = codebook.load(books / "parent.yaml")
    raw = tmp_path / "raw" / "w25"
    raw.mkdir(parents=True)
    wjx_frame(book, school_rows()).to_excel(raw / "parents.xlsx", index=False)
    w = prepare_wave("w25", tmp_path / "raw", tmp_path / "processed", books)
    return {"prepared": w, "books": books, "raw": tmp_path / "raw", "processed": tmp_path / "processed",
            "loaded": load_wave("w25", tmp_path / "processed", books)}


def test_single_choice_unit_is_named_by_its_labels_in_option_order(school_wave):
    for w in (school_wave["prepared"], school_wave["loaded"]):
        assert w.districts == ["第一中学", "第二中学", "实验小学"]          # codes 1, 2, 3; never "1"
        assert w.unit_label == "学校"
        df = w.frames["parent"]
        assert sorted(df["school"].unique()) == sorted(SCHOOLS.values())
        assert len(df[df["school"] == "第一中学"]) == 6
        assert len(w.rows("parent", "第二中学")) == 5 and len(w.rows("parent", "实验小学")) == 4
        assert len(w.rows("parent", "1")) == 0
        assert w.labelled("parent")["school"].cat.categories.tolist() == list(SCHOOLS.values())


def test_rows_without_a_unit_are_excluded_and_counted(school_wave):
    w = school_wave["loaded"]
    ex = w.exclusions
    assert ex["rule"].tolist() == ["missing_unit"] * 3
    assert set(ex["reason"]) == {"未填写学校"}
    assert set(ex["district"]) == {config.NO_DISTRICT}
    assert sorted(ex["detail"]) == ["“学校”为空", "“学校”为空", "“学校”的答案“第九中学”不是编码手册中的选项"]
    flow = w.flow.set_index("district")
    assert flow.loc[config.NO_DISTRICT, ["received", "excluded", "valid", "excluded_missing_unit"]].tolist() \
        == [3, 3, 0, 3]
    assert flow.loc["第一中学", ["received", "excluded", "valid"]].tolist() == [6, 0, 6]
    assert set(flow.index) == {*SCHOOLS.values(), config.NO_DISTRICT}
    assert int(flow["received"].sum()) == 18 and int(flow["valid"].sum()) == 15
    assert set(w.changes["district"]) <= {*SCHOOLS.values(), config.NO_DISTRICT}


def test_text_unit_with_empty_answers_prepares(tmp_path):
    """Today's crash: a valid row with an empty (not required) text unit stopped `survey prepare`."""
    text_book = SCHOOL_BOOK.replace(
        "{name: school, question: 孩子就读的学校, label: 学校, type: single, role: district,\n"
        "     values: {1: 第一中学, 2: 第二中学, 3: 实验小学}}",
        "{name: street, question: 所在街道, label: 街道, type: text, role: district}").replace(
        "school", "street")
    books = write_books(tmp_path / "codebooks", parent=text_book)
    book = codebook.load(books / "parent.yaml")
    raw = tmp_path / "raw" / "2025"
    raw.mkdir(parents=True)
    rows = [{**r, "street": r.pop("school")} for r in school_rows([("西街", 3), ("东街", 2), ("(空)", 2)])]
    wjx_frame(book, rows).to_excel(raw / "a.xlsx", index=False)
    prepare_wave("2025", tmp_path / "raw", tmp_path / "processed", books)
    w = load_wave("2025", tmp_path / "processed", books)
    assert w.districts == ["东街", "西街"]
    assert w.unit_label == "街道"
    assert w.exclusions["reason"].tolist() == ["未填写街道"] * 2
    assert w.flow.set_index("district").loc[config.NO_DISTRICT, "excluded_missing_unit"] == 2


def test_coded_export_gives_label_folders(school_wave, tmp_path):
    """A plain sheet holding the unit's codes (1, 2, 3) is named by labels too; the runner puts
    each unit's report in a folder of its label and the page title says the unit and the survey."""
    book = codebook.load(school_wave["books"] / "parent.yaml")
    frame = wjx_frame(book, school_rows([("1", 2), ("2", 2), ("3", 1)])).drop(
        columns=["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"])
    raw = school_wave["raw"] / "coded"
    raw.mkdir()
    frame.to_csv(raw / "coded.csv", index=False)
    prepare_wave("coded", school_wave["raw"], school_wave["processed"], school_wave["books"])
    w = load_wave("coded", school_wave["processed"], school_wave["books"])
    assert w.districts == ["第一中学", "第二中学", "实验小学"]
    nb = tiny_notebook(tmp_path / "t.ipynb", body=(
        "import json\nfrom pathlib import Path\nfrom analysis import clean\nfrom analysis.publish import report\n"
        "data = clean.load_wave(wave, processed_dir, codebook_dir)\n"
        "m = report.meta(data, district)\n"
        "n = len(data.rows('parent', district))\n"
        "Path(output_dir, 'stats.json').write_text(json.dumps({'meta': m, 'n': n}, ensure_ascii=False),"
        " encoding='utf-8')\n"
        "print(report.heading(m))"))
    reports = tmp_path / "reports"
    runs = runner.run_all(w.districts, "coded", notebook=nb, processed_dir=school_wave["processed"],
                          codebook_dir=school_wave["books"], reports_dir=reports, jobs=1,
                          show_progress=False, preload=("pathlib",),
                          keys=runner.input_keys(w, w.districts, notebook=nb,
                                                 codebook_dir=school_wave["books"]))
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert sorted(p.name for p in (reports / "coded").iterdir() if not p.name.startswith("_")) \
        == sorted(SCHOOLS.values())
    got = json.loads((reports / "coded" / "第一中学" / "stats.json").read_text(encoding="utf-8"))
    assert got["n"] == 2
    assert got["meta"]["unit_label"] == "学校" and got["meta"]["title"] == "2025年家长满意度调查"
    page = (reports / "coded" / "实验小学" / "report.html").read_text(encoding="utf-8")
    assert "<title>实验小学 · 2025年家长满意度调查报告</title>" in page


# -- no unit question --------------------------------------------------------------------------

SERVICE_BOOK = """
instrument: service
title: 政务服务满意度调查问卷
survey_date: 2024-11-01
missing: {"(空)": empty}
scales:
  agree7:
    values: {7: 完全同意, 6: 同意, 5: 比较同意, 4: 一般, 3: 不太同意, 2: 不同意, 1: 完全不同意}
    top_box: [7, 6]
variables:
  - {name: gender, question: 您的性别, label: 性别, type: single, values: {1: 男, 2: 女}}
  - {name: q1, question: 办事流程清楚, label: 流程, type: single, scale: agree7}
  - {name: q2, question: 工作人员耐心, label: 耐心, type: single, scale: agree7}
"""
_PLACEHOLDER_UNIT = "zz_placeholder_unit"


def _without_placeholder(book):
    variables = {k: v for k, v in book.variables.items() if k != _PLACEHOLDER_UNIT}
    return dataclasses.replace(book, variables=variables)


@pytest.fixture
def no_unit_books(tmp_path, monkeypatch):
    """A codebook without a unit question. Until spec.codebook accepts one (it refuses a codebook
    without ``role: district``), the YAML carries a placeholder unit that no file has, removed
    again when the codebooks load."""
    books = write_books(tmp_path / "codebooks", service=SERVICE_BOOK)
    try:
        codebook.load(books / "service.yaml")
    except SurveyError:
        write_books(books, service=SERVICE_BOOK + f"  - {{name: {_PLACEHOLDER_UNIT}, question: 占位单位题,"
                                                  f" label: 区县, type: text, role: district}}\n")
        real = codebook.load_all
        monkeypatch.setattr(codebook, "load_all",
                            lambda folder=config.CODEBOOK_DIR: {k: _without_placeholder(b)
                                                                for k, b in real(folder).items()})
    return books


def test_wave_without_unit_question_is_one_whole_sample_report(no_unit_books, tmp_path):
    book = codebook.load_all(no_unit_books)["service"]
    assert book.role("district") is None
    raw = tmp_path / "raw" / "svc"
    raw.mkdir(parents=True)
    rows = [{"gender": ["男", "女"][i % 2], "q1": ["完全同意", "一般", "同意"][i % 3],
             "q2": ["同意", "不同意", "完全同意", "一般"][i % 4]} for i in range(9)]
    wjx_frame(book, rows).to_excel(raw / "svc.xlsx", index=False)
    prepare_wave("svc", tmp_path / "raw", tmp_path / "processed", no_unit_books)
    w = load_wave("svc", tmp_path / "processed", no_unit_books)
    assert w.districts == [config.WHOLE_SAMPLE]
    assert w.unit_label == config.UNIT_LABEL
    assert len(w.rows("service", config.WHOLE_SAMPLE)) == 9
    assert len(w.exclusions) == 0
    assert w.flow[["district", "received", "excluded", "valid"]].values.tolist() \
        == [[config.WHOLE_SAMPLE, 9, 0, 9]]
    assert w.title == "2024年政务服务满意度调查"       # the survey date's year, never the folder "svc"
    m = report.meta(w, config.WHOLE_SAMPLE)
    assert m["whole_sample"] and report.report_title(m) == "2024年政务服务满意度调查报告"
    assert report.heading(m) == "# 2024年政务服务满意度调查报告"
    keys = runner.input_keys(w, w.districts, codebook_dir=no_unit_books)
    assert set(keys) == {config.WHOLE_SAMPLE}
    nb = tiny_notebook(tmp_path / "t.ipynb")
    runs = runner.run_all(w.districts, "svc", notebook=nb, processed_dir=tmp_path / "processed",
                          codebook_dir=no_unit_books, reports_dir=tmp_path / "reports", jobs=1,
                          show_progress=False, preload=("pathlib",), keys=keys)
    assert [r.ok for r in runs] == [True]
    assert (tmp_path / "reports" / "svc" / config.WHOLE_SAMPLE / "report.html").is_file()


def test_whole_sample_key_changes_with_any_row(no_unit_books, tmp_path):
    book = codebook.load_all(no_unit_books)["service"]
    raw = tmp_path / "raw" / "svc"
    raw.mkdir(parents=True)
    rows = [{"gender": "男", "q1": "同意", "q2": ["同意", "一般", "完全同意"][i % 3]} for i in range(3)]
    wjx_frame(book, rows).to_excel(raw / "svc.xlsx", index=False)
    w = prepare_wave("svc", tmp_path / "raw", tmp_path / "processed", no_unit_books)
    before = runner.input_keys(w, w.districts, codebook_dir=no_unit_books)[config.WHOLE_SAMPLE]["rows"]
    w.frames["service"].loc[0, "q1"] = 1
    after = runner.input_keys(w, w.districts, codebook_dir=no_unit_books)[config.WHOLE_SAMPLE]["rows"]
    assert before != after


# -- titles and wave.yaml -------------------------------------------------------------------------

def test_title_from_codebooks_never_from_answers_or_a_folder_name(books):
    community = [books["worker"], books["resident"]]
    assert wave_title({}, community, "text") == "2026年社区工作者、居民调查"
    assert wave_title({"area": "某市某区"}, community, "text") == "某市某区2026年社区工作者、居民调查"
    assert wave_title({"year": 2027}, [books["community"]], "x") == "2027年社区组织基本情况调查"
    assert wave_title({"date": "2023-05-01"}, [books["community"]], "x").startswith("2023年")
    assert wave_title({}, [], "2025") == "2025年调查" and wave_title({}, [], "text") == "调查"
    assert wave_title({"title": "桥东区2026年社区调研"}, community, "text") == "桥东区2026年社区调研"


def test_wave_yaml_keys_are_checked(tmp_path):
    path = tmp_path / "wave.yaml"
    path.write_text("title: 2025年家长满意度调查\norganisation: 某区教育局\narea: 某区\nyear: 2025\n"
                    "date: 2025-06-20\nsynthetic: false\nnote: 试点\n", encoding="utf-8")
    assert wave_info(tmp_path) == {"title": "2025年家长满意度调查", "organisation": "某区教育局", "area": "某区",
                                   "year": 2025, "date": "2025-06-20", "synthetic": False, "note": "试点"}
    for text, needle in [("titel: x\n", "titel"), ("year: 25\n", "year"), ("year: 二〇二五\n", "year"),
                         ("date: 明年\n", "date"), ("synthetic: 是\n", "synthetic"), ("title: [a, b]\n", "title"),
                         ("- title\n", "键")]:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SurveyError) as e:
            wave_info(tmp_path)
        assert needle in str(e.value) and "wave.yaml" in str(e.value)


def test_wave_yaml_title_reaches_meta(school_wave):
    raw = school_wave["raw"] / "w25"
    (raw / "wave.yaml").write_text("title: 某区2025年中小学家长满意度调查\norganisation: 某区教育局\n",
                                   encoding="utf-8")
    prepare_wave("w25", school_wave["raw"], school_wave["processed"], school_wave["books"])
    w = load_wave("w25", school_wave["processed"], school_wave["books"])
    m = report.meta(w, "第二中学")
    assert m["title"] == "某区2025年中小学家长满意度调查" and m["organisation"] == "某区教育局"
    assert report.heading(m) == "# 第二中学 · 某区2025年中小学家长满意度调查报告"


def test_synthetic_heading_names_the_unit():
    m = {"district": "第一中学", "title": "2025年家长满意度调查", "synthetic": True, "unit_label": "学校"}
    assert "不代表任何真实学校的情况" in report.heading(m)


def test_flow_counts_survive_parquet(school_wave):
    flow = pd.read_parquet(school_wave["processed"] / "w25" / "flow.parquet")
    assert int(flow["excluded_missing_unit"].sum()) == 3


def test_the_units_word_drops_a_leading_suozai():
    """A unit question labelled 所在社区 or 您所在的学校 names its units 社区 / 学校 in 本社区, 全部学校."""
    from types import SimpleNamespace

    from analysis.clean.table import unit_label

    def book(label):
        return SimpleNamespace(role=lambda r: "u", variables={"u": SimpleNamespace(label=label)})

    assert [unit_label(book(x)) for x in ("所在社区", "您所在的学校", "街道（镇）", "所在")] == \
        ["社区", "学校", "街道（镇）", "所在"]
