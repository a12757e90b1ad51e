"""Codebooks that say what they mean (issue 18, D14, D15, D18's label ``1: 1``): a key written twice
at any level is an error naming the file and both lines (YAML would keep the last in silence);
yes/no/on/off are the text they are, and a yes/no setting written that way is refused; two
codebooks that both match one file is an error naming both."""

from __future__ import annotations

import shutil

import pytest

from analysis import cli, config
from analysis.errors import SurveyError
from analysis.spec import codebook
from conftest import wjx_frame
from hostile_corpus import _worker_rows

MINIMAL = """\
instrument: t
title: 测试问卷
survey_date: 2026-09-01
variables:
  - name: gender
    question: 您的性别
    label: 性别
    type: single
{gender}
  - name: age
    question: 您的年龄
    label: 年龄
    type: age
{extra}
"""


def _load(tmp_path, gender="    values: {1: 男, 2: 女}", extra=""):
    path = tmp_path / "t.yaml"
    path.write_text(MINIMAL.format(gender=gender, extra=extra), encoding="utf-8")
    return codebook.load(path)


@pytest.mark.parametrize("gender, extra, line", [
    ("    values: {1: 男, 2: 女, 2: 其他}", "", 9),                       # a code twice in a flow mapping
    ("    values:\n      1: 男\n      2: 女\n      2: 其他", "", 12),     # … and in a block mapping
    ("    values: {1: 男, 2: 女}\n    question: 性别", "", 10),            # question: twice
    ("    values: {1: 男, 2: 女}", "quality:\n  speeder: {min_seconds: 60}\nquality:\n  duplicate: {}", 16),
    ("    values: {1: 男, 2: 女}\n    aliases: {男性: 1, 男性: 2}", "", 10),
])
def test_a_key_written_twice_names_file_and_line(tmp_path, gender, extra, line):
    with pytest.raises(SurveyError) as e:
        _load(tmp_path, gender, extra)
    assert e.value.file.endswith("t.yaml") and e.value.row == line, str(e.value)
    assert "写了两次" in str(e.value) and e.value.fix


def test_yes_and_no_are_text_not_booleans(tmp_path):
    book = _load(tmp_path, "    values: {1: 是, 2: 否}\n    aliases: {yes: 1, no: 2, on: 1, off: 2, Y: 1}")
    var = book.variables["gender"]
    assert (var.code_for("yes"), var.code_for("no"), var.code_for("on"), var.code_for("OFF")) == (1, 2, 1, 2)
    book = _load(tmp_path, "    values: {1: yes, 2: no}")
    assert book.variables["gender"].values == {1: "yes", 2: "no"}


@pytest.mark.parametrize("setting", ["required: no", "required: yes", "pii: off", "private: on"])
def test_a_yes_no_setting_must_say_true_or_false(tmp_path, setting):
    with pytest.raises(SurveyError) as e:
        _load(tmp_path, extra="    " + setting)
    assert "true 或 false" in str(e.value) and e.value.variable == "age"


def test_true_and_false_still_are_settings(tmp_path):
    assert _load(tmp_path, extra="    required: true").variables["age"].required is True
    assert _load(tmp_path, extra="    required: false").variables["age"].required is False


def test_a_numbered_label_is_its_text_and_a_boolean_label_says_why(tmp_path):
    book = _load(tmp_path, "    values: {1: 1, 2: 2, 3: 3}")
    assert book.variables["gender"].values == {1: "1", 2: "2", 3: "3"}
    with pytest.raises(SurveyError) as e:
        _load(tmp_path, "    values: {1: true, 2: false}")
    assert "加引号" in e.value.fix and "true" in str(e.value)


def test_wave_yaml_refuses_yes_for_synthetic(tmp_path):
    from analysis.clean.wave import wave_info

    (tmp_path / "wave.yaml").write_text("title: 调查\nsynthetic: yes\n", encoding="utf-8")
    with pytest.raises(SurveyError) as e:
        wave_info(tmp_path)
    assert "true 或 false" in str(e.value)
    (tmp_path / "wave.yaml").write_text("title: 调查\ntitle: 另一个\n", encoding="utf-8")
    with pytest.raises(SurveyError) as e:
        wave_info(tmp_path)
    assert "写了两次" in str(e.value) and e.value.row == 2


def test_two_codebooks_matching_one_file_is_an_error_naming_both(books, tmp_path, capsys):
    cbs = tmp_path / "codebooks"
    shutil.copytree(config.CODEBOOK_DIR, cbs)
    text = (cbs / "worker.yaml").read_text(encoding="utf-8")
    (cbs / "worker_v2.yaml").write_text(text.replace("instrument: worker", "instrument: worker2", 1),
                                        encoding="utf-8")
    raw = tmp_path / "raw" / "w"
    raw.mkdir(parents=True)
    wjx_frame(books["worker"], _worker_rows(4)).to_excel(raw / "a.xlsx", index=False)
    code = cli.main(["prepare", "--wave", "w", "--raw-dir", str(tmp_path / "raw"), "--codebooks", str(cbs),
                     "--processed-dir", str(tmp_path / "processed")])
    err = capsys.readouterr().err
    assert code == 2 and "worker.yaml" in err and "worker_v2.yaml" in err and "a.xlsx" in err, err
    assert "Traceback" not in err


def test_questionnaires_sharing_a_few_questions_do_not_clash(books, tmp_path, capsys):
    """Workers and residents are both asked district, gender and age: each file is still one questionnaire."""
    raw = tmp_path / "raw" / "w"
    raw.mkdir(parents=True)
    wjx_frame(books["worker"], _worker_rows(4)).to_excel(raw / "w.xlsx", index=False)
    wjx_frame(books["resident"], [{"district": "桥东区", "gender": "女", "age": "50", "sat_overall": "满意"}]
              ).to_excel(raw / "r.xlsx", index=False)
    code = cli.main(["prepare", "--wave", "w", "--raw-dir", str(tmp_path / "raw"),
                     "--processed-dir", str(tmp_path / "processed")])
    assert code == 0, capsys.readouterr().err
