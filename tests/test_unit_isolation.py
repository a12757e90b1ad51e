"""Issue 18: one unit never breaks another (D6, D7, D8), through the real `survey build`.

A small project folder (SURVEY_HOME) with the bundled codebooks and notebook, 问卷星 exports made by
code (conftest.wjx_frame) and a margins file, built once as a user runs it:

- 桥东区: an ordinary unit (workers of every age band and both genders, residents who rate all items);
- 桥西区: every worker a man (D7: no age pyramid can be drawn; a sentence stands in its place);
- 长安区: residents who answered no satisfaction item (D8: no battery, index or drivers; 桥东区's
  comparisons with the other units, which include 长安区, must still compute);
- 新华区: no worker aged 55+, while its margins have 215 of them (D6: that unit's workers cannot be
  weighted; the others are weighted as if 新华区 were not in the margins file, and 新华区's report
  says why its figures are unweighted).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import config
from conftest import wjx_frame

SURVEY = Path(sys.executable).parent / "survey"
WAVE = "w18"
UNITS = ["桥东区", "桥西区", "长安区", "新华区"]
SAT = ["非常满意", "比较满意", "一般", "不太满意", "很不满意"]
EDU = ["高中/中专", "大专", "本科", "研究生"]
POST = ["社区党组织书记", "社区居委会主任", "社区“两委”委员", "其他社区工作者"]
WORKER_SAT = ["sat_pay", "sat_workload", "sat_training", "sat_promotion", "sat_recognition"]
RESIDENT_SAT = ["sat_service", "sat_party", "sat_environment", "sat_safety", "sat_convenience", "sat_digital",
                "sat_overall"]
N = 24          # respondents per unit and questionnaire


def _workers(unit: str, rng: np.random.Generator) -> list[dict]:
    rows = []
    for i in range(N):
        if unit == "新华区":
            age = 26 + i % 29                      # 26–54: nobody in 55岁以上
        else:
            age = [28, 40, 50, 58][i % 4] + i % 3
        rows.append({"district": unit, "street": f"{unit}第{i % 3 + 1}街道", "community": f"{unit}第{i % 6 + 1}社区",
                     "gender": "男" if unit == "桥西区" else "男女"[i % 2], "age": str(age),
                     "edu": EDU[i % 4], "party": "中共党员" if i % 3 else "群众", "post": POST[i % 4],
                     "one_shoulder": "是否"[i % 2], "employment": "专职兼职"[2 * (i % 3 == 0):2 * (i % 3 == 0) + 2],
                     "recruit": "公开招聘", "tenure": str(1 + i % 9), "training": "线上学习┋街道组织的培训",
                     "stay": "愿意", "assessor": "街道",
                     **{v: SAT[int(rng.integers(0, 5))] for v in WORKER_SAT}})
    return rows


def _residents(unit: str, rng: np.random.Generator) -> list[dict]:
    rows = []
    for i in range(N):
        sat = {} if unit == "长安区" else {v: SAT[int(rng.integers(0, 4))] for v in RESIDENT_SAT}
        rows.append({"district": unit, "street": f"{unit}第{i % 3 + 1}街道", "community": f"{unit}第{i % 6 + 1}社区",
                     "gender": "男女"[i % 2], "age": str(22 + 2 * i), "party": "群众",
                     "awareness": "比较了解", "willing": "愿意参加", "assessor": "居民代表",
                     "services": "办理证明┋文体活动", "suggestion": f"建议{i}", **sat})
    return rows


def _margins(units: list[str]) -> str:
    """A margins file (config/margins/<wave>.yaml) for the workers of ``units``: gender × age band."""
    return """wave: "w18"
source: 测试用总体结构
worker:
  variables: [gender, age_band]
  districts:
""" + "".join(f"""    {u}:
      男: {{35岁以下: 60, 35-55岁: 150, 55岁以上: {50 if u != "新华区" else 95}}}
      女: {{35岁以下: 110, 35-55岁: 300, 55岁以上: {90 if u != "新华区" else 120}}}
""" for u in units)


MARGINS = _margins(UNITS)


@pytest.fixture(scope="module")
def project(tmp_path_factory, books):
    home = tmp_path_factory.mktemp("isolation")
    shutil.copytree(config.NOTEBOOK_DIR, home / "notebooks")
    shutil.copytree(config.CODEBOOK_DIR, home / "config" / "codebooks")
    (home / "config" / "margins").mkdir()
    (home / "config" / "margins" / f"{WAVE}.yaml").write_text(MARGINS, encoding="utf-8")
    raw = home / "data" / "raw" / WAVE
    raw.mkdir(parents=True)
    rng = np.random.default_rng(18)
    for unit in UNITS:
        wjx_frame(books["worker"], _workers(unit, rng)).to_excel(raw / f"{unit}社区工作者问卷.xlsx", index=False)
        wjx_frame(books["resident"], _residents(unit, rng)).to_excel(raw / f"{unit}居民问卷.xlsx", index=False)
    p = subprocess.run([str(SURVEY), "build", "--wave", WAVE, "--quiet"], cwd=home,
                       env={**os.environ, "SURVEY_HOME": str(home)}, capture_output=True, text=True, timeout=900)
    return {"home": home, "code": p.returncode, "out": p.stdout + p.stderr, "reports": home / "reports" / WAVE}


def _stats(project, unit) -> pd.DataFrame:
    doc = json.loads((project["reports"] / unit / "stats.json").read_text(encoding="utf-8"))
    return pd.DataFrame(doc["rows"])


def _html(project, unit) -> str:
    return (project["reports"] / unit / "report.html").read_text(encoding="utf-8")


def test_every_unit_gets_its_report(project):
    assert project["code"] == 0, project["out"]
    for unit in UNITS:
        folder = project["reports"] / unit
        assert {"report.html", "report.docx", "stats.json", "tables.xlsx"} <= {p.name for p in folder.iterdir()}, unit
    assert not (project["reports"] / "_failed").exists() or not list((project["reports"] / "_failed").iterdir())


def _docx_text(project, unit) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(str(project["reports"] / unit / "report.docx")).paragraphs)


def test_d6_an_empty_margin_cell_leaves_only_that_unit_unweighted(project):
    from analysis import clean
    from analysis.stats.suppression import published
    from analysis.weighting import weights as W

    S = {u: _stats(project, u) for u in UNITS}
    weighted = {u: set(S[u].loc[S[u]["table"] == "weighting", "variable"]) for u in UNITS}
    assert weighted["新华区"] == set()                      # no worker aged 55+: cannot reach its 215
    assert weighted["桥东区"] == weighted["长安区"] == {"worker"}
    reason = "社区工作者未加权：总体中年龄段为“55岁以上”的有215人，但本单位样本中没有这类受访者"
    for text in (_html(project, "新华区"), _docx_text(project, "新华区")):
        assert reason in text
        assert "没有可用的总体结构数据" not in text
    assert reason not in _html(project, "桥东区")
    # the others are weighted exactly as if 新华区 (and 桥西区, without women) were not in the margins file
    home = project["home"]
    data = clean.load_wave(WAVE, home / "data" / "processed", home / "config" / "codebooks")
    alone = home / "without.yaml"
    alone.write_text(_margins(["桥东区", "长安区"]), encoding="utf-8")
    expected = published(W.district_weighted(data, "桥东区", alone))      # as stats.json holds it
    got = S["桥东区"][S["桥东区"]["table"].str.endswith("_weighted")]
    exp = expected[expected["table"].str.endswith("_weighted")]
    assert len(got) == len(exp) > 0
    key = ["table", "variable", "stat", "category"]
    merged = got.merge(exp, on=key, suffixes=("", "_alone"))
    assert len(merged) == len(exp)
    # the same weights: every cell the report publishes equals the one weighted without 新华区; a cell
    # it does not publish is one the wave's suppression decision hid (issue 17), not another weight
    shown = merged["exact"].notna()
    assert shown.sum() > 10
    assert np.allclose(merged.loc[shown, "exact"].astype(float), merged.loc[shown, "exact_alone"].astype(float))
    assert merged.loc[~shown, "suppressed"].astype(bool).all()


def test_d7_a_one_gender_workforce_gets_a_sentence_instead_of_the_pyramid(project):
    sentence = "桥西区的社区工作者性别均为“男”，无法按性别对比年龄段结构"
    for text in (_html(project, "桥西区"), _docx_text(project, "桥西区")):
        assert sentence in text
    figures = {p.name for p in (project["reports"] / "桥西区" / "figures").iterdir()}
    assert not any("gender_age_band" in f for f in figures)
    assert any("gender_age_band" in p.name for p in (project["reports"] / "桥东区" / "figures").iterdir())


def test_d8_a_unit_without_any_answers_to_a_battery_gets_sentences_and_the_others_their_figures(project):
    html = _html(project, "长安区")
    assert "长安区的社区居民没有人回答满意度评价的各题，这部分无法统计。" in html
    assert "长安区的社区居民没有人回答满意度评价的各题，无法与其他区县比较。" in html
    S = _stats(project, "长安区")
    mine = S[(S["table"] == "resident_satisfaction") & (S["group"] == "长安区")]
    assert (mine["base"].fillna(0) == 0).all()
    # 桥东区 is compared with the rest, which includes 长安区's (empty) answers: 72 residents who rated
    other = _stats(project, "桥东区")
    rest = other[(other["table"] == "resident_satisfaction_vs_rest") & (other["group"] == "桥东区")
                 & (other["category"] == "b") & (other["variable"] == "sat_overall")]
    assert rest["base"].tolist() == [2 * N]                  # 桥西区 and 新华区; 长安区 rated nothing
    drivers = other[(other["table"] == "resident_satisfaction_drivers") & (other["group"] == "桥东区")]
    # computed: every row a figure or a cell the suppression decision hid (issue 17), figures among them
    assert len(drivers) and (drivers["value"].notna() | drivers["suppressed"].astype(bool)).all()
    assert drivers["value"].notna().any()
