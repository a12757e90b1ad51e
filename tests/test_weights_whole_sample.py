"""Issue 16: a questionnaire without a unit question (one report, ``config.WHOLE_SAMPLE``) weighted
to its whole population (``population:`` in ``config/margins/<wave>.yaml``), through
``survey build`` as a user runs it, and through the researcher's ``Survey.weighted()``.

The project is tests/questionnaires.py's ``gov`` (问卷星 按文本 export, 240 办事群众, gender and an
age band derived from the age, no unit question) plus a margins file; the weighted figures are
checked against raking written out here (iterative proportional fitting in numpy on the true
answers), not against the code under test."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import questionnaires as QN
from analysis import config

SURVEY = Path(sys.executable).parent / "survey"
POPULATION = {1: {1: 30000, 2: 42000, 3: 26000}, 2: {1: 29000, 2: 44000, 3: 31000}}   # gender → age band
MARGINS = f"""\
# 政务服务满意度调查：问卷没有区县题，只有全体办事群众的总体结构（合成，测试用）
wave: "{QN.WAVE}"
synthetic: true
source: 测试用合成总体
gov:
  variables: [gender, age_band]
  population:
    男: {{35岁以下: {POPULATION[1][1]}, 35-59岁: {POPULATION[1][2]}, 60岁及以上: {POPULATION[1][3]}}}
    女: {{35岁以下: {POPULATION[2][1]}, 35-59岁: {POPULATION[2][2]}, 60岁及以上: {POPULATION[2][3]}}}
"""


def ipf(truth: pd.DataFrame) -> np.ndarray:
    """Raking by hand: weights 1, then alternately scaled to the gender and the age-band totals
    until both hold; respondents without gender or age band get 0 (left out, as R's subset)."""
    ok = truth["gender"].notna() & truth["age_band"].notna()
    g, a = truth["gender"].to_numpy(), truth["age_band"].to_numpy()
    w = ok.to_numpy(dtype=float)
    gender_total = {k: sum(v.values()) for k, v in POPULATION.items()}
    band_total = {b: POPULATION[1][b] + POPULATION[2][b] for b in (1, 2, 3)}
    for _ in range(1000):
        for col, totals in ((g, gender_total), (a, band_total)):
            for k, t in totals.items():
                mask = ok.to_numpy() & (col == k)
                w[mask] *= t / w[mask].sum()
        if all(abs(w[ok.to_numpy() & (g == k)].sum() - t) < 1e-9 * t for k, t in gender_total.items()):
            break
    return w


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> QN.Questionnaire:
    folder = tmp_path_factory.mktemp("gov_weighted")
    shutil.copytree(config.NOTEBOOK_DIR, folder / "notebooks")
    q = QN.make("gov", folder)
    (folder / "config" / "margins").mkdir(parents=True)
    (folder / "config" / "margins" / f"{QN.WAVE}.yaml").write_text(MARGINS, encoding="utf-8")
    return q


@pytest.fixture(scope="module")
def built(project) -> Path:
    env = {**os.environ, "SURVEY_HOME": str(project.project)}
    p = subprocess.run([str(SURVEY), "build", "--wave", QN.WAVE, "--quiet"], cwd=project.project, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return project.project / "reports" / QN.WAVE / config.WHOLE_SAMPLE


def test_hand_raking_needs_no_trimming(project):
    """The figures below are plain raking: no weight reaches the 3.5 × median trimming cap."""
    w = ipf(project.valid)
    assert w.max() / np.median(w[w > 0]) < 3.5


def test_whole_sample_report_has_weighted_tables_in_its_appendix(project, built):
    rows = json.loads((built / "stats.json").read_text(encoding="utf-8"))["rows"]
    weighted = [r for r in rows if r["table"] == "gov_service_weighted"]
    items = [name for name, _, _ in QN.GOV_ITEMS]
    assert {r["variable"] for r in weighted} == set(items)
    assert {r["group"] for r in weighted} == {config.WHOLE_SAMPLE}
    truth = project.valid.reset_index(drop=True)
    w = ipf(truth)
    top = [7, 6, 5]
    for item in items:
        answered = truth[item].notna().to_numpy() & (w > 0)
        want = 100 * w[answered & truth[item].isin(top).to_numpy()].sum() / w[answered].sum()
        mean = float(np.sum(w[answered] * truth.loc[answered, item].astype(float)) / w[answered].sum())
        got = {r["stat"]: r for r in weighted if r["variable"] == item}
        assert got["top2"]["exact"] == pytest.approx(want, abs=1e-6)
        assert got["top2"]["value"] == pytest.approx(want, abs=0.05 + 1e-9)
        assert got["top2"]["base"] == int(answered.sum())
        assert got["mean"]["exact"] == pytest.approx(mean, abs=1e-8)
    summary = {r["stat"]: r for r in rows if r["table"] == "weighting"}
    n_weighted = int((w > 0).sum())
    assert summary["n"]["value"] == n_weighted and summary["n"]["base"] == len(truth)
    assert summary["deff"]["exact"] == pytest.approx(n_weighted * np.sum(w ** 2) / np.sum(w) ** 2, rel=1e-8)
    # the reader sees them in the technical appendix, after its heading, with the weighting table
    raw = (built / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]+>", " ", re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", raw)))
    appendix = text.rindex("技术附录")                 # its heading (the first mention is the contents)
    title = "办事群众政务服务评价（加权）"
    assert title in text[appendix:], text[appendix:appendix + 3000]
    assert "加权情况" in text[appendix:]
    first_item = text.index(title, appendix)
    assert "办事指南" in text[first_item:first_item + 2000]


def test_survey_weighted_without_a_unit(project, built):
    """The researcher's verb on the same wave: ``weighted()`` rakes the whole sample as one and its
    shares equal the hand raking."""
    import analysis as sa

    processed = project.project / "data" / "processed"
    w = sa.open_wave(QN.WAVE, processed_dir=processed, codebook_dir=project.codebook.parent,
                     margins_file=project.project / "config" / "margins" / f"{QN.WAVE}.yaml")
    s = w.survey("gov").weighted()
    assert s.is_weighted and s.design().strata is None
    f = s.freq("s_overall").frame
    truth = project.valid.reset_index(drop=True)
    hand = ipf(truth)
    answered = truth["s_overall"].notna().to_numpy() & (hand > 0)
    for code in range(1, 8):
        want = 100 * hand[answered & (truth["s_overall"] == code).fillna(False).to_numpy()].sum() / hand[answered].sum()
        row = f[f["category"] == str(code)].iloc[0]
        assert row["exact"] == pytest.approx(want, abs=1e-6)


def test_per_district_margins_for_a_questionnaire_without_units_are_refused(project, built, tmp_path):
    """Margins written per district for a questionnaire without a unit question cannot be matched
    to anyone: SurveyError naming the file, the section and ``population:``, not an unweighted result."""
    import analysis as sa
    from analysis.errors import SurveyError

    wrong = tmp_path / f"{QN.WAVE}.yaml"
    wrong.write_text(MARGINS.replace("  population:", "  districts:\n    某区:").replace("\n    男", "\n      男")
                     .replace("\n    女", "\n      女"), encoding="utf-8")
    w = sa.open_wave(QN.WAVE, processed_dir=project.project / "data" / "processed",
                     codebook_dir=project.codebook.parent, margins_file=wrong)
    with pytest.raises(SurveyError, match="按区县写的") as e:
        w.survey("gov").weighted()
    assert e.value.file == str(wrong) and e.value.variable == "gov.districts" and "population:" in e.value.fix
