"""Weighted estimates against R's survey package (values in tests/reference/r_survey/, made by
make_reference.R; R is not needed here). R printed 10 significant digits; we ask for 7."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import config
from analysis.spec import margins as MG
from analysis.weighting import design as D
from analysis.weighting import weights as W

REF = Path(__file__).parent / "reference" / "r_survey"
RTOL = 5e-7
DISTRICTS = ["桥东区", "桥西区", "长安区"]


def close(ours: float, theirs: float) -> bool:
    if pd.isna(theirs):
        return pd.isna(ours)
    return bool(np.isclose(ours, theirs, rtol=RTOL, atol=1e-9))


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REF / "reference.csv").set_index("case")


@pytest.fixture(scope="module")
def api() -> pd.DataFrame:
    return pd.read_csv(REF / "apiclus1.csv")


@pytest.fixture(scope="module")
def r_weights() -> pd.DataFrame:
    return pd.read_csv(REF / "fixture_weights.csv")


def check(row: pd.Series, est: pd.Series) -> None:
    assert close(est["estimate"], row["estimate"]), (est["estimate"], row["estimate"])
    assert close(est["se"], row["se"]), (est["se"], row["se"])
    assert close(est["ci_low"], row["ci_low"]), (est["ci_low"], row["ci_low"])
    assert close(est["ci_high"], row["ci_high"]), (est["ci_high"], row["ci_high"])
    if pd.notna(row["df"]):
        assert int(est["df"]) == int(row["df"])


# -- the California API data: FORMATS.md's published figures and more ---------------------------------

def api_designs(api):
    d = D.survey_design(api, weights="pw", clusters="dnum", fpc="fpc")
    marg = pd.DataFrame({"district": "全部", "variable": ["stype"] * 3 + ["sch.wide"] * 2,
                         "category": ["E", "H", "M", "No", "Yes"],
                         "population": [4421, 755, 1018, 1072, 5122]})
    m = MG.InstrumentMargins.from_marginals(marg, ["stype", "sch.wide"])
    raked = W.rake(d.with_column("all", np.full(len(api), "全部")), m, by="all")
    return d, raked


def test_published_api_figures(api):
    d, raked = api_designs(api)
    m = D.mean(d, "api00").iloc[0]
    assert (round(m["estimate"], 2), round(m["se"], 3)) == (644.17, 23.542)
    t = D.total(d, "enroll").iloc[0]
    assert (round(t["estimate"]), round(t["se"])) == (3404940, 932235)
    r = D.mean(raked, "api00").iloc[0]
    assert (round(r["estimate"], 2), round(r["se"], 3)) == (641.23, 23.704)


def test_api_against_r(api, reference):
    d, raked = api_designs(api)
    E = api["stype"] == "E"
    yes = lambda des: D.proportions(des, "awards", ["Yes", "No"]).iloc[0]   # noqa: E731
    cases = {
        "api/mean_api00": D.mean(d, "api00").iloc[0],
        "api/total_enroll": D.total(d, "enroll").iloc[0],
        "api/prop_awards_yes": yes(d),
        "api/domain_stypeE_mean_api00": D.mean(d.restrict(E), "api00").iloc[0],
        "api/domain_stypeE_prop_awards_yes": yes(d.restrict(E)),
        "api/raked_mean_api00": D.mean(raked, "api00").iloc[0],
        "api/raked_prop_awards_yes": yes(raked),
        "api/raked_domain_stypeE_mean_api00": D.mean(raked.restrict(E), "api00").iloc[0],
    }
    for case, est in cases.items():
        row = reference.loc[case]
        if case == "api/total_enroll":   # R's svytotal printed without an interval
            assert close(est["estimate"], row["estimate"]) and close(est["se"], row["se"])
        else:
            check(row, est)


# -- the survey-shaped fixture -------------------------------------------------------------------------

def fixture_designs(fixture, fx_margins):
    base = D.survey_design(fixture, strata="district", clusters="community")
    raked = W.rake(base, fx_margins)
    trimmed = W.trim(raked, factor=2.0)
    return {"unweighted": base, "raked": raked, "poststratified": W.poststratify(base, fx_margins),
            "trimmed_plain": trimmed, "reraked": W.rake(trimmed, fx_margins)}


def test_weights_equal_r(fixture, fx_margins, r_weights):
    designs = fixture_designs(fixture, fx_margins)
    for ours, theirs in [("raked", "raked"), ("poststratified", "poststratified"),
                         ("trimmed_plain", "trimmed"), ("reraked", "reraked")]:
        np.testing.assert_allclose(designs[ours].weights, r_weights[theirs], rtol=1e-8)


def test_trim_caps_equal_r(fixture, r_weights, reference):
    _, report = W.trim_weights(r_weights["raked"].to_numpy(), fixture["district"].to_numpy(), 2.0)
    for _, r in report.iterrows():
        assert close(r["cap"], reference.loc[f"fixture/trim_cap/district={r['group']}", "estimate"])
    assert dict(zip(report["group"], report["trimmed"] > 0)) == {"桥东区": True, "桥西区": False, "长安区": True}


@pytest.mark.parametrize("name", ["unweighted", "raked", "poststratified", "trimmed_plain", "reraked"])
def test_fixture_estimates_equal_r(fixture, fx_margins, reference, name):
    des = fixture_designs(fixture, fx_margins)[name]
    top2 = lambda x: D.proportions(x, "top2", [1, 0]).iloc[0]           # noqa: E731
    sat = lambda x: D.mean(x, "sat_overall").iloc[0]                     # noqa: E731
    f = fixture
    cases = {f"fixture/{name}/mean_sat": sat(des), f"fixture/{name}/prop_top2": top2(des)}
    for d in DISTRICTS:
        sub = des.restrict(f["district"] == d, d)
        cases[f"fixture/{name}/district={d}/mean_sat"] = sat(sub)
        cases[f"fixture/{name}/district={d}/prop_top2"] = top2(sub)
    sec = des.restrict(f["post"] == 1)
    cases[f"fixture/{name}/post=1/mean_sat"] = sat(sec)
    cases[f"fixture/{name}/post=1/prop_top2"] = top2(sec)
    both = sec.restrict(f["district"] == "桥东区")
    cases[f"fixture/{name}/district=桥东区&post=1/mean_sat"] = sat(both)
    cases[f"fixture/{name}/district=桥东区&post=1/prop_top2"] = top2(both)
    cases[f"fixture/{name}/gender=2/mean_sat"] = sat(des.restrict(f["gender"] == 2))
    street = des.restrict(f["street"] == "南街道")
    cases[f"fixture/{name}/street=南街道/mean_sat"] = sat(street)
    cases[f"fixture/{name}/street=南街道/prop_top2"] = top2(street)
    for case, est in cases.items():
        check(reference.loc[case], est)
    assert close(D.kish_deff(des.weights), reference.loc[f"fixture/{name}/kish_deff", "estimate"])
    for d in DISTRICTS:
        w = des.weights[(f["district"] == d).to_numpy()]
        assert close(D.kish_deff(w), reference.loc[f"fixture/{name}/district={d}/kish_deff", "estimate"])


def test_trim_alone_differs_from_r_trimweights_as_documented(fixture, fx_margins, reference):
    """R's trimWeights keeps the raking in the variance; ours treats trimmed weights as given
    (weights.py docstring). Same estimates, standard errors within a few percent."""
    des = fixture_designs(fixture, fx_margins)["trimmed_plain"]
    ours = D.mean(des, "sat_overall").iloc[0]
    r = reference.loc["fixture/trimmed/mean_sat"]
    assert close(ours["estimate"], r["estimate"])
    assert not close(ours["se"], r["se"]) and abs(ours["se"] / r["se"] - 1) < 0.15


def test_respondents_without_an_age_band_are_left_out_as_r_subset_does(fixture, fx_margins, reference):
    gap = fixture.assign(age_band=fixture["age_band"].astype("Int64"))
    gap.loc[[6, 99, 199], "age_band"] = pd.NA                # R's rows 7, 100, 200
    raked = W.rake(D.survey_design(gap, strata="district", clusters="community"), fx_margins)
    assert (raked.weights[[6, 99, 199]] == 0).all()
    check(reference.loc["fixture/missing_age/raked/mean_sat"], D.mean(raked, "sat_overall").iloc[0])
    check(reference.loc["fixture/missing_age/raked/prop_top2"],
          D.proportions(raked, "top2", [1, 0]).iloc[0])
    check(reference.loc["fixture/missing_age/raked/post=1/mean_sat"],
          D.mean(raked.restrict(gap["post"] == 1), "sat_overall").iloc[0])


def test_weight_design_recipe_equals_r(fixture, fx_margins, r_weights, reference, books):
    """rake → trimWeights per district → rake again, as weight_design does, against R."""
    d = W.weight_design(fixture, books["worker"], fx_margins, trim_factor=2.0)
    np.testing.assert_allclose(d.weights, r_weights["reraked"], rtol=1e-8)
    assert len(d.history) == 3 and "截尾" in d.history[1] and "再次耙权" in d.history[2]
    check(reference.loc["fixture/reraked/mean_sat"], D.mean(d, "sat_overall").iloc[0])
    untrimmed = W.weight_design(fixture, books["worker"], fx_margins, trim_factor=None)
    np.testing.assert_allclose(untrimmed.weights, r_weights["raked"], rtol=1e-8)
    post = W.weight_design(fixture, books["worker"], fx_margins, method="poststratify", trim_factor=None)
    np.testing.assert_allclose(post.weights, r_weights["poststratified"], rtol=1e-8)


# -- no unit column: the whole sample raked as one (make_whole_reference.R) ---------------------------

@pytest.fixture(scope="module")
def whole_reference() -> pd.DataFrame:
    return pd.read_csv(REF / "whole_reference.csv").set_index("case")


def whole_population() -> MG.InstrumentMargins:
    """fixture_margins.csv summed over its districts, with no district column: what
    ``population:`` in a margins file gives."""
    joint = pd.read_csv(REF / "fixture_margins.csv").groupby(["gender", "age_band"], as_index=False)["population"].sum()
    return MG.InstrumentMargins.from_joint(joint, ["gender", "age_band"], "worker")


@pytest.mark.parametrize("name, clusters", [("srs", None), ("clus", "community")])
def test_rake_without_a_unit_column_equals_r(fixture, whole_reference, name, clusters):
    """R: rake(svydesign(id = ~1 or ~community, data = fixture), list(~gender, ~age_band), …) with
    no strata; ours on the fixture with its district column removed."""
    data = fixture.drop(columns=["district"])
    margins = whole_population()
    assert margins.whole and margins.districts == [config.WHOLE_SAMPLE]
    raked = W.rake(D.survey_design(data, clusters=clusters), margins, by=None)
    r_w = pd.read_csv(REF / "whole_weights.csv")
    np.testing.assert_allclose(raked.weights, r_w.set_index("id").loc[data["id"], "raked"], rtol=1e-8)
    w = pd.Series(raked.weights)
    for v in ("gender", "age_band"):          # the population's margins are met exactly
        want = margins.marginals[margins.marginals["variable"] == v].set_index("category")["population"]
        np.testing.assert_allclose(w.groupby(data[v]).sum().sort_index(), want.sort_index(), rtol=1e-10)
    for var, case in (("sat_overall", "mean/sat_overall"), ("top2", "top2/top2")):
        ours, r = D.mean(raked, var).iloc[0], whole_reference.loc[f"{name}/{case}"]
        assert ours["estimate"] == pytest.approx(r["estimate"], rel=1e-8, abs=1e-8)
        assert ours["se"] == pytest.approx(r["se"], rel=1e-8, abs=1e-8)
        assert D.variance_deff(raked, var, ours["se"]) == pytest.approx(r["deff"], rel=1e-8)
    assert "全部样本耙权" in raked.history[-1]


def test_weight_design_without_a_unit_equals_r(fixture, whole_reference, books):
    """The recipe on a frame without its unit column (no strata, communities as clusters), no
    trimming: R's raked weights and the clustered design's SE."""
    data = fixture.drop(columns=["district"])
    d = W.weight_design(data, books["worker"], whole_population(), trim_factor=None)
    assert d.strata is None and d.clusters == "community"
    np.testing.assert_allclose(d.weights, pd.read_csv(REF / "whole_weights.csv")["raked"], rtol=1e-8)
    ours, r = D.mean(d, "sat_overall").iloc[0], whole_reference.loc["clus/mean/sat_overall"]
    assert ours["se"] == pytest.approx(r["se"], rel=1e-8)
    s = W.weight_summary(d, by=None)
    assert s["group"].tolist() == [config.WHOLE_SAMPLE] and s["n_weighted"].tolist() == [len(data)]
