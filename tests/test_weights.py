"""Weights and design-based estimates: hand-checkable cases, the margins file, errors, and the
bundled sample weighted end to end. The comparisons with R are in test_weights_r.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis import clean, config
from analysis.errors import SurveyError
from analysis.spec import margins as MG
from analysis.weighting import design as D
from analysis.weighting import weights as W

REF = Path(__file__).parent / "reference" / "r_survey"
MARGINS = config.CONFIG_DIR / "margins" / "2026.yaml"


# -- Kish ---------------------------------------------------------------------------------------------

def test_kish_deff_and_effective_n_by_hand():
    w = [1, 1, 2, 4]                      # n Σw² / (Σw)² = 4 · 22 / 64
    assert D.kish_deff(w) == pytest.approx(1.375)
    assert D.effective_n(w) == pytest.approx(64 / 22)
    assert D.kish_deff(w) == pytest.approx(1 + np.var(w) / np.mean(w) ** 2)   # 1 + CV²
    assert D.kish_deff([3, 3, 3]) == 1.0 and D.effective_n([3, 3, 3]) == pytest.approx(3)
    assert D.kish_deff([0, 2, 2]) == 1.0                     # zero weights are outside
    assert np.isnan(D.kish_deff([])) and np.isnan(D.effective_n([0, 0]))


# -- trimming -----------------------------------------------------------------------------------------

def test_trim_rule_by_hand():
    w = np.array([1.0] * 9 + [6.0] + [2.0, 2.0])
    g = np.array(["a"] * 10 + ["b"] * 2)
    out, report = W.trim_weights(w, g, factor=3.0)
    # a: median 1, cap 3; 6 → 3 and the 3 cut off is added equally to the nine others (+1/3)
    np.testing.assert_allclose(out[:10], [4 / 3] * 9 + [3.0])
    np.testing.assert_allclose(out[10:], [2.0, 2.0])        # b untouched
    assert out[:10].sum() == pytest.approx(15.0)             # the district's total is kept
    assert report.set_index("group").loc["a", "trimmed"] == 1
    assert report.set_index("group").loc["a", "cap"] == 3.0
    assert report.set_index("group").loc["b", "trimmed"] == 0


def test_trim_repeats_until_no_weight_is_above_the_cap():
    w = np.array([1.0, 1.0, 1.0, 1.0, 2.9, 8.0])
    out, report = W.trim_weights(w, np.zeros(6), factor=3.0)  # median 1, cap 3
    # 8 → 3 adds 5/5 = 1 to the others, which pushes 2.9 to 3.9 → trimmed in the next round, and
    # so on (R's strict = TRUE): in the end both sit at the cap and the rest share the remainder
    np.testing.assert_allclose(out, [2.225] * 4 + [3.0, 3.0])
    assert out.sum() == pytest.approx(w.sum()) and report["trimmed"].iloc[0] == 2


def test_trim_bad_factor_and_infeasible_cap():
    with pytest.raises(SurveyError, match="截尾倍数"):
        W.trim_weights(np.ones(3), np.zeros(3), factor=1.0)
    with pytest.raises(SurveyError, match="平均权重 3.15 高于截尾上限 3"):
        W.trim_weights(np.array([1.0, 1.0, 1.0, 1.0, 2.9, 12.0]), np.zeros(6), factor=3.0)


def test_trim_without_extreme_weights_keeps_the_design(fixture, fx_margins):
    raked = W.rake(D.survey_design(fixture, strata="district", clusters="community"), fx_margins)
    assert W.trim(raked, factor=50) is raked


# -- designs and domains ------------------------------------------------------------------------------

def test_domain_is_not_a_filter(fixture):
    """Same estimate, different standard error: three communities have no secretary, and a
    filtered design forgets them (the issue's reason for restricting the design)."""
    full = D.survey_design(fixture, strata="district", clusters="community")
    dom = D.mean(full.restrict(fixture["post"] == 1), "sat_overall").iloc[0]
    filt = D.mean(D.survey_design(fixture[fixture["post"] == 1], strata="district",
                                  clusters="community"), "sat_overall").iloc[0]
    assert dom["estimate"] == pytest.approx(filt["estimate"])
    assert dom["se"] != pytest.approx(filt["se"], rel=1e-3)
    assert dom["n"] == filt["n"] == int((fixture["post"] == 1).sum())


def test_unweighted_design_gives_plain_mean_and_share(fixture):
    d = D.survey_design(fixture, strata="district", clusters="community")
    assert D.mean(d, "sat_overall").iloc[0]["estimate"] == pytest.approx(fixture["sat_overall"].mean())
    p = D.proportions(d, "sat_overall", [5, 4, 3, 2, 1])
    np.testing.assert_allclose(p["estimate"], [(fixture["sat_overall"] == c).mean() for c in [5, 4, 3, 2, 1]])
    assert list(p["n"]) == [int((fixture["sat_overall"] == c).sum()) for c in [5, 4, 3, 2, 1]]
    assert p["deff"].eq(1.0).all() and p["n_eff"].eq(len(fixture)).all()


def test_missing_answers_leave_the_domain_and_empty_categories_show_zero(fixture):
    df = fixture.assign(sat=fixture["sat_overall"].where(fixture["id"] > 20))
    d = D.survey_design(df, strata="district", clusters="community")
    m = D.mean(d, "sat").iloc[0]
    assert m["n"] == len(df) - 20
    assert m["estimate"] == pytest.approx(df["sat"].mean())
    p = D.proportions(d, "sat", [1, 2, 3, 4, 5, 9])
    row9 = p[p["category"] == 9].iloc[0]
    assert (row9["estimate"], row9["se"], row9["n"]) == (0.0, 0.0, 0)
    assert np.isnan(row9["ci_low"]) and np.isnan(row9["ci_high"])
    assert p["estimate"].sum() == pytest.approx(1.0)
    nobody = D.mean(d.restrict(df["id"] <= 20), "sat").iloc[0]
    assert nobody["n"] == 0 and np.isnan(nobody["estimate"])


def test_design_errors_name_the_variable(fixture):
    with pytest.raises(SurveyError, match="clusters") as e:
        D.survey_design(fixture, clusters="社区编号")
    assert e.value.variable == "社区编号"
    with pytest.raises(SurveyError, match="空值"):
        D.survey_design(fixture.assign(community=fixture["community"].where(fixture["id"] != 3)),
                        clusters="community")
    with pytest.raises(SurveyError, match="正数"):
        D.survey_design(fixture.assign(w=0.0), weights="w")
    d = D.survey_design(fixture)
    with pytest.raises(SurveyError, match="行"):
        d.restrict(np.ones(5, dtype=bool))
    with pytest.raises(SurveyError, match="不在数据中"):
        D.mean(d, "income")
    with pytest.raises(SurveyError, match="不在类别列表"):
        D.proportions(d, "sat_overall", [1, 2, 3])


# -- weighting ----------------------------------------------------------------------------------------

def test_raking_hits_every_district_margin(fixture, fx_margins):
    raked = W.rake(D.survey_design(fixture, strata="district", clusters="community"), fx_margins)
    w = pd.Series(raked.weights)
    for v in ("gender", "age_band"):
        got = w.groupby([fixture["district"], fixture[v]]).sum()
        want = fx_margins.marginals[fx_margins.marginals["variable"] == v].set_index(["district", "category"])["population"]
        np.testing.assert_allclose(got.sort_index().to_numpy(), want.sort_index().to_numpy(), rtol=1e-8)
    p = D.proportions(raked.restrict(fixture["district"] == "桥东区"), "gender", [1, 2])
    assert p["se"].max() < 1e-8               # a calibrated margin has no sampling error left (as in R)


def test_missing_weighting_variable_gets_weight_zero(fixture, fx_margins):
    df = fixture.assign(age_band=fixture["age_band"].astype("Int64").where(fixture["id"] != 7))
    raked = W.rake(D.survey_design(df, strata="district", clusters="community"), fx_margins)
    assert raked.weights[6] == 0 and (np.delete(raked.weights, 6) > 0).all()
    assert "1 名受访者缺少加权变量" in raked.history[-1]
    assert D.mean(raked, "sat_overall").iloc[0]["n"] == len(df) - 1


def test_weighting_errors(fixture, fx_margins):
    d = D.survey_design(fixture, strata="district", clusters="community")
    m = fx_margins.marginals[fx_margins.marginals["district"] != "长安区"]
    with pytest.raises(SurveyError, match="长安区 没有总体结构"):
        W.rake(d, MG.InstrumentMargins.from_marginals(m, ["gender", "age_band"]))
    joint = pd.read_csv(REF / "fixture_margins.csv")
    few = fixture[~((fixture["district"] == "桥西区") & (fixture["gender"] == 1) & (fixture["age_band"] == 3))]
    with pytest.raises(SurveyError, match="样本中没有这类受访者") as e:
        W.poststratify(D.survey_design(few, strata="district", clusters="community"),
                       MG.InstrumentMargins.from_joint(joint, ["gender", "age_band"]))
    assert "rake" in e.value.fix
    with pytest.raises(SurveyError, match="联合人数表"):
        W.poststratify(d, MG.InstrumentMargins.from_marginals(fx_margins.marginals, ["gender", "age_band"]))


# -- the margins file ---------------------------------------------------------------------------------

def test_bundled_margins_load_and_are_marked_synthetic(books):
    M = MG.load_margins(MARGINS, books)
    assert M.synthetic and "合成" in M.source
    for ins in ("worker", "resident"):
        m = M.for_instrument(ins)
        assert m.variables == ("gender", "age_band") and m.labels == ("性别", "年龄段")
        assert m.districts == sorted(["桥东区", "桥西区", "长安区", "新华区", "裕华区"])
        assert set(m.marginals["category"][m.marginals["variable"] == "age_band"]) == set(books[ins].labels("age_band"))
        assert m.joint is not None and len(m.joint) == 5 * 2 * 3
        by_var = m.marginals.groupby(["district", "variable"])["population"].sum().unstack()
        assert (by_var["gender"] == by_var["age_band"]).all()
    assert M.for_instrument("worker").totals()["桥东区"] == 1180
    with pytest.raises(SurveyError, match="community"):
        M.for_instrument("community")


GOOD = """\
wave: "2026"
worker:
  variables: [gender, age_band]
  districts:
    桥东区:
      total: 100
      男: {35岁以下: 10, 35-55岁: 20, 55岁以上: 10}
      女: {35岁以下: 20, 35-55岁: 30, 55岁以上: 10}
    新华区:
      margins:
        gender: {男: 40, 女: 60}
        age_band: {35岁以下: 30, 35-55岁: 50, 55岁以上: 20}
"""


@pytest.mark.parametrize("change, message, fix", [
    (("男: {35岁以下: 10", "男性: {35岁以下: 10"), "“男性” 不是 gender", "男、女"),
    (("35-55岁: 20, 55岁以上: 10}\n      女", "35-55岁: 20}\n      女"), "缺少类别：55岁以上", "写 0"),
    (("total: 100", "total: 110"), "total: 110 与表内合计 100 不符", "相等"),
    (None, None, None),                           # the file as it is: loads
    (("gender: {男: 40, 女: 60}", "gender: {男: 40, 女: 61}"), "合计不相等", "同一个总人数"),
    (("worker:", "workers:"), "“workers” 不是已知的问卷", "worker"),
    (("[gender, age_band]", "[gender, age_group]"), "age_group 不在编码手册", "派生变量"),
    (("女: {35岁以下: 20", "女: {35岁以下: -20"), "不是非负数", "人数"),
    (("男: {35岁以下: 10,", "男: {35岁以下: 10,,"), "YAML", "缩进"),
])
def test_bad_margins_name_file_place_and_fix(tmp_path, books, change, message, fix):
    path = tmp_path / "2026.yaml"
    path.write_text(GOOD.replace(*change) if change else GOOD, encoding="utf-8")
    if message is None:
        M = MG.load_margins(path, books)         # the unchanged file is fine, marginal form included
        assert M.for_instrument("worker").joint is None
        assert M.for_instrument("worker").totals().to_dict() == {"新华区": 100.0, "桥东区": 100.0}
        return
    with pytest.raises(SurveyError, match=message) as e:
        MG.load_margins(path, books)
    assert e.value.file == str(path)
    assert fix in (e.value.fix or "")


WHOLE = """\
wave: "2026"
worker:
  variables: [gender, age_band]
  population:
    total: 100
    男: {35岁以下: 10, 35-55岁: 20, 55岁以上: 10}
    女: {35岁以下: 20, 35-55岁: 30, 55岁以上: 10}
"""


def test_whole_population_margins_are_one_unit(tmp_path, books, fixture):
    """``population:`` (a questionnaire without a unit question, or a county knowing only its
    whole population): one unit, config.WHOLE_SAMPLE, raked as one whether or not the data have a
    unit column; the same mistakes are named at ``worker.population``."""
    path = tmp_path / "2026.yaml"
    path.write_text(WHOLE, encoding="utf-8")
    m = MG.load_margins(path, books).for_instrument("worker")
    assert m.whole and m.districts == [config.WHOLE_SAMPLE] and m.totals().to_dict() == {config.WHOLE_SAMPLE: 100.0}
    assert len(m.joint) == 6
    marginal = WHOLE.replace("    total: 100\n    男: {35岁以下: 10, 35-55岁: 20, 55岁以上: 10}\n"
                             "    女: {35岁以下: 20, 35-55岁: 30, 55岁以上: 10}\n",
                             "    margins:\n      gender: {男: 40, 女: 60}\n"
                             "      age_band: {35岁以下: 30, 35-55岁: 50, 55岁以上: 20}\n")
    path.write_text(marginal, encoding="utf-8")
    mm = MG.load_margins(path, books).for_instrument("worker")
    assert mm.whole and mm.joint is None
    # raked as one unit: with the unit column present (strata kept for the variance) and without
    for data, strata in ((fixture, "district"), (fixture.drop(columns=["district"]), None)):
        raked = W.rake(D.survey_design(data, strata=strata, clusters="community"), mm, by=strata)
        w = pd.Series(raked.weights)
        assert w.groupby(data["gender"]).sum().to_dict() == pytest.approx({1: 40, 2: 60})
        assert w.groupby(data["age_band"]).sum().to_dict() == pytest.approx({1: 30, 2: 50, 3: 20})
    for change, message, where in [
        (("男: {35岁以下: 10", "男性: {35岁以下: 10"), "“男性” 不是 gender", "worker.population"),
        (("  population:", "  districts: {}\n  population:"), "只能写一个", "worker.population"),
        (("total: 100", "total: 90"), "与表内合计 100 不符", "worker.population"),
    ]:
        path.write_text(WHOLE.replace(*change), encoding="utf-8")
        with pytest.raises(SurveyError, match=message) as e:
            MG.load_margins(path, books)
        assert e.value.file == str(path) and e.value.variable == where


def test_rake_without_a_unit_needs_whole_population_margins(fixture, fx_margins):
    """Per-district margins and data without a unit column cannot be matched: the error says to
    give the unit column or write ``population:``; a unit column named but absent says by=None."""
    data = fixture.drop(columns=["district"])
    with pytest.raises(SurveyError, match="按区县写的") as e:
        W.rake(D.survey_design(data), fx_margins, by=None)
    assert "population:" in e.value.fix and "by=" in e.value.fix
    with pytest.raises(SurveyError, match="没有区县列") as e:
        W.rake(D.survey_design(data), fx_margins, by="district")
    assert "by=None" in e.value.fix


def test_whole_population_with_an_empty_category_is_one_unweighted_unit(fixture, books):
    """Nobody aged 55+ among the respondents but people in the population: the whole sample (the
    one raking unit) cannot be weighted, and the reason names the category."""
    m = MG.InstrumentMargins.from_marginals(pd.DataFrame({
        "variable": ["gender"] * 2 + ["age_band"] * 3, "category": [1, 2, 1, 2, 3],
        "population": [40, 60, 30, 50, 20]}), ["gender", "age_band"], "worker")
    young = fixture[fixture["age_band"] != 3].reset_index(drop=True)
    blocked = W.unweightable(young, books["worker"], m)
    assert list(blocked) == [config.WHOLE_SAMPLE] and "55岁以上" in blocked[config.WHOLE_SAMPLE]
    assert W.unweightable(fixture, books["worker"], m) == {}


def test_trim_without_a_unit_is_one_group(fixture):
    """``trim(by=None)``: the cap is factor × the whole sample's median, as trim_weights with one group."""
    w = np.r_[np.ones(len(fixture) - 2), 20.0, 30.0]
    d = D.resample(D.survey_design(fixture.drop(columns=["district"])), w, None)
    t = W.trim(d, 3.0, by=None)
    want, report = W.trim_weights(w, np.zeros(len(w)), 3.0)
    np.testing.assert_allclose(t.weights, want)
    assert report["trimmed"].tolist() == [2] and t.weights.max() == pytest.approx(3.0 * np.median(w))
    assert t.weights.sum() == pytest.approx(w.sum())
    assert t.history[-1].startswith("权重超过中位数 3 倍的 2 人")


def test_missing_margins_file(tmp_path, books):
    with pytest.raises(SurveyError, match="找不到") as e:
        MG.load_margins(tmp_path / "2031.yaml", books)
    assert "config/margins" in e.value.fix
    assert MG.margins_path("2031", tmp_path) == tmp_path / "2031.yaml"


# -- the bundled sample, weighted ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    return clean.prepare_wave(config.DEFAULT_WAVE, processed_dir=tmp_path_factory.mktemp("processed"))


def weighted_district(wave, instrument, district="桥东区"):
    book = wave.codebooks[instrument]
    M = MG.load_margins(MARGINS, wave.codebooks)
    d = W.weight_design(wave.frames[instrument], book, M)
    mine = d.restrict(d.data["district"] == district, district)
    return book, M, d, pd.concat(W.weighted_tables(mine, book, district), ignore_index=True)


@pytest.mark.parametrize("instrument", ["worker", "resident"])
def test_sample_weighted_to_its_margins(wave, instrument):
    book, M, d, S = weighted_district(wave, instrument)
    m = M.for_instrument(instrument)
    assert list(S.columns) == W.WEIGHTED_COLUMNS and S["weighted"].all()
    # every district's weights add up to its population and reproduce its gender shares
    w = pd.Series(d.weights, index=d.data.index)
    np.testing.assert_allclose(w.groupby(d.data["district"]).sum().sort_index(), m.totals().sort_index())
    g = S[(S["variable"] == "gender")].set_index("category")["exact"]
    pop = m.marginals.query("district == '桥东区' and variable == 'gender'").set_index("category")["population"]
    np.testing.assert_allclose(g.to_numpy(), (pop / pop.sum() * 100).to_numpy(), rtol=1e-6)
    for (_, var), rows in S[S["stat"] == "share"].groupby(["table", "variable"]):
        assert rows["value"].sum() == pytest.approx(100.0, abs=1e-9), var
    summary = W.weight_summary(d)
    assert list(summary["group"])[-1] == config.POOLED_GROUP
    assert (summary["deff"] >= 1).all()
    np.testing.assert_allclose(summary["n_eff"], summary["n_weighted"] / summary["deff"])
    assert d.history[0].startswith("按性别 × 年龄段的总体边际分布对各区县耙权")


def test_sample_likert_rows_are_consistent(wave):
    book, _, d, S = weighted_district(wave, "resident")
    item = book.report.batteries[0].items[0]
    rows = S[(S["variable"] == item)].set_index("category")
    top = sum(rows.loc[str(c), "exact"] for c in book.variables[item].top_box)
    assert rows.loc["top2", "exact"] == pytest.approx(top)
    scores = sum(int(c) * rows.loc[str(c), "exact"] / 100 for c in book.variables[item].values)
    assert rows[rows["stat"] == "mean"]["exact"].iloc[0] == pytest.approx(scores)
    assert rows.loc["top2", "ci_low"] < rows.loc["top2", "value"] < rows.loc["top2", "ci_high"]


def test_sample_weighting_is_deterministic(wave):
    first = weighted_district(wave, "worker")[3]
    second = weighted_district(wave, "worker")[3]
    assert first.to_csv(index=False) == second.to_csv(index=False)


def test_trim_slack_leaves_weights_just_above_the_cap():
    w = np.array([1.0, 1.0, 1.0, 3.02])
    assert (W.trim_weights(w, np.zeros(4), 3.0, slack=0.01)[0] == w).all()
    assert W.trim_weights(w, np.zeros(4), 3.0)[0].max() == pytest.approx(3.0)


def test_district_report_rows_and_sentence(wave):
    """What a district report prints: the weighted items restricted from the full design (same numbers
    as weighting all districts and restricting by hand), the weighting table, and the sentence."""
    from analysis import stats
    from analysis.publish import narrative

    R = W.district_weighted(wave, "桥东区")
    _, _, d, by_hand = weighted_district(wave, "resident")
    mine = R[R["table"] == "resident_satisfaction_weighted"]
    ref = by_hand[by_hand["table"] == "resident_satisfaction"]
    np.testing.assert_allclose(mine["exact"].to_numpy(dtype=float), ref["exact"].to_numpy(dtype=float))
    s = W.weight_summary(d).set_index("group").loc["桥东区"]
    got = R[(R["table"] == "weighting") & (R["variable"] == "resident")].set_index("stat")["exact"]
    assert got["deff"] == pytest.approx(s["deff"]) and got["n"] == s["n_weighted"]
    S = pd.concat([stats.district_stats(wave, "桥东区"), R], ignore_index=True)
    text = "".join(narrative.weighting_sentences(S, "桥东区", {"resident": ("resident_satisfaction", "sat_overall")}))
    w = stats.lookup(S, "resident_satisfaction_weighted", "sat_overall", "top2", "top2", "桥东区")
    assert f"居民问卷的设计效应为{got['deff']:.2f}" in text and f"满意率为{w['value']:.1f}%" in text


def test_district_without_margins_is_reported_unweighted(wave, tmp_path):
    from analysis import stats
    from analysis.publish import narrative

    assert W.district_weighted(wave, "桥东区", tmp_path / "none.yaml").empty
    text = MARGINS.read_text(encoding="utf-8").replace("桥东区:", "某新区:")
    (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
    R = W.district_weighted(wave, "桥东区", tmp_path / "m.yaml")
    assert R.empty
    S = stats.district_stats(wave, "桥东区")
    assert "未加权" in narrative.weighting_sentences(S, "桥东区")[0]


def test_leftover_margins_of_unknown_questionnaires_are_skipped_with_a_note(wave, tmp_path):
    """A margins file still naming a questionnaire no codebook has (the bundled codebooks replaced),
    or a weighting variable the codebook lacks: the report skips that section with a note for that
    questionnaire, weights the others exactly as before, and never fails; the strict load (a check
    of the file) still says what is wrong."""
    text = MARGINS.read_text(encoding="utf-8")
    leftover = text.replace("worker:", "old_survey:", 1)           # a questionnaire nobody has now
    bad_variable = text.replace("worker:\n  variables: [gender, age_band]", "worker:\n  variables: [gender, age_group]")
    assert bad_variable != text
    before = W.district_weighted(wave, "桥东区")
    for name, changed, skipped in (("leftover", leftover, "old_survey"), ("variable", bad_variable, "worker")):
        path = tmp_path / f"{name}.yaml"
        path.write_text(changed, encoding="utf-8")
        with pytest.raises(SurveyError):
            MG.load_margins(path, wave.codebooks)
        M = MG.load_margins(path, wave.codebooks, skip_unknown=True)
        assert list(M.skipped) == [skipped] and "resident" in M.instruments and "worker" not in M.instruments
        R = W.district_weighted(wave, "桥东区", path)
        assert len(R.attrs["notes"]) == 1 and ("old_survey" in R.attrs["notes"][0] or "age_group" in R.attrs["notes"][0])
        assert W.margins_notes(wave, path) + W.margins_notes(wave, path, unused=True) == R.attrs["notes"]
        # the report's method section says only what concerns a questionnaire it reports on: a
        # section for a questionnaire nobody has now is the terminal's to say (`survey report`)
        assert W.margins_notes(wave, path) == ([] if skipped == "old_survey" else R.attrs["notes"])
        assert set(R["variable"][R["table"] == "weighting"]) == {"resident"}
        mine = R[R["table"].str.startswith("resident")].reset_index(drop=True)
        ref = before[before["table"].str.startswith("resident")].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, ref)
    only = tmp_path / "only.yaml"                                   # nothing usable at all: unweighted
    only.write_text(text.split("\nresident:")[0].replace("worker:", "old_survey:", 1), encoding="utf-8")
    assert W.district_weighted(wave, "桥东区", only).empty
    assert W.margins_notes(wave, only, unused=True) and not W.district_weighted(wave, "桥东区").attrs["notes"]


def test_sample_with_only_its_whole_population_is_raked_as_one(wave, tmp_path):
    """A county that knows only its whole population (``population:``, the bundled districts'
    resident tables added up) while the data have districts: the whole sample is raked as one
    (districts stay strata), its margins hold county-wide, not district by district, and each
    district's report still gets its weighted rows."""
    raw = yaml.safe_load(MARGINS.read_text(encoding="utf-8"))["resident"]
    table = {sex: {band: sum(t[sex][band] for t in raw["districts"].values()) for band in raw["districts"]["桥东区"][sex]}
             for sex in ("男", "女")}
    path = tmp_path / "2026.yaml"
    path.write_text(yaml.safe_dump({"wave": "2026", "resident": {"variables": ["gender", "age_band"],
                                                                  "population": table}}, allow_unicode=True),
                    encoding="utf-8")
    book = wave.codebooks["resident"]
    m = MG.load_margins(path, wave.codebooks).for_instrument("resident")
    d = W.weight_design(wave.frames["resident"], book, m)
    assert m.whole and d.strata == "district" and "全部样本耙权" in d.history[0]
    w, data = pd.Series(d.weights), d.data
    men = w[(data["gender"] == 1).to_numpy()].sum()
    assert men == pytest.approx(sum(table["男"].values()), rel=1e-8)
    by_district = w.groupby(data["district"]).sum()
    per_district = {k: sum(sum(r.values()) for r in t.values() if isinstance(r, dict)) for k, t in raw["districts"].items()}
    assert not np.allclose(by_district.sort_index(), pd.Series(per_district).sort_index())
    R = W.district_weighted(wave, "桥东区", path)
    mine = R[R["table"] == "resident_satisfaction_weighted"]
    assert len(mine) and set(mine["group"]) == {"桥东区"}
    item = book.report.batteries[0].items[0]
    y, inside = data[item], (data["district"] == "桥东区").to_numpy() & data[item].notna().to_numpy() & (w > 0).to_numpy()
    top = y.isin(book.variables[item].top_box).to_numpy()
    got = mine[(mine["variable"] == item) & (mine["stat"] == "top2")]["exact"].iloc[0]
    assert got == pytest.approx(w[inside & top].sum() / w[inside].sum() * 100)
