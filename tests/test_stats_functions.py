"""The statistics of issue 4 against hand calculations: composition bases and groups, small cells,
subgroup ages, reliability, comparisons, key drivers, the community sheet and wave changes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import stats
from analysis.errors import SurveyError
from analysis.publish import tables
from analysis.stats import compare, drivers, indicators, reliability, suppression, waves


def ints(values):
    return pd.array(values, dtype="Int64")


# -- composition ---------------------------------------------------------------------------------

def test_composition_over_all_respondents_adds_a_missing_row(books):
    df = pd.DataFrame({"gender": ints([1, 1, 2, None])})
    valid = stats.composition(df, "gender", books["worker"], "甲区")
    assert valid["n"].tolist() == [2, 1] and valid["value"].tolist() == [66.7, 33.3]
    assert (valid["base_label"] == "有效回答").all()
    every = stats.composition(df, "gender", books["worker"], "甲区", base="all")
    assert every["category_label"].tolist() == ["男", "女", "未回答"]
    assert every["value"].tolist() == [50.0, 25.0, 25.0] and (every["base"] == 4).all()
    assert (every["base_label"] == "全部受访者").all()
    with pytest.raises(SurveyError):
        stats.composition(df, "gender", books["worker"], base="some")


def test_composition_by_group_labels_each_level(books):
    df = pd.DataFrame({"post": ints([1, 1, 2, 4, 4, 4]), "gender": ints([1, 2, 2, 1, 1, 2])})
    rows = stats.composition(df, "gender", books["worker"], "甲区", by="post")
    assert list(dict.fromkeys(rows["group"])) == ["甲区·社区党组织书记", "甲区·社区居委会主任", "甲区·其他社区工作者"]
    sec = rows[rows["group"] == "甲区·社区党组织书记"]
    assert sec["n"].tolist() == [1, 1] and sec["value"].tolist() == [50.0, 50.0]
    streets = stats.composition(pd.DataFrame({"street": ["乙街", "甲街", "乙街"], "gender": ints([1, 2, 2])}),
                                "gender", books["worker"], by="street")
    assert list(dict.fromkeys(streets["group"])) == sorted({"甲街", "乙街"})   # text levels in a fixed order


def test_composition_of_empty_single_category_and_all_missing(books):
    empty = stats.composition(pd.DataFrame({"gender": ints([])}), "gender", books["worker"], "空区")
    assert (empty["base"] == 0).all() and empty["value"].isna().all() and empty["suppressed"].all()
    missing = stats.composition(pd.DataFrame({"gender": ints([None] * 6)}), "gender", books["worker"])
    assert (missing["base"] == 0).all() and missing["value"].isna().all()
    single = stats.composition(pd.DataFrame({"gender": ints([2] * 120)}), "gender", books["worker"])
    assert single["value"].tolist() == [0.0, 100.0] and not single["suppressed"].any()
    lo, hi = single["ci_low"].iloc[1], single["ci_high"].iloc[1]
    assert hi == 100.0 and lo == round(120 / (120 + 1.959963984540054 ** 2) * 100, 1)   # Wilson at p = 1
    with pytest.raises(SurveyError):
        stats.composition(pd.DataFrame({"x": [1]}), "gender", books["worker"])


# -- small cells ---------------------------------------------------------------------------------

def test_primary_and_complementary_suppression():
    # 裕华区-like: 45 workers; 初中及以下 = 3 would be 45 − the rest, so the next smallest (5) goes too
    assert suppression.distribution([3, 10, 15, 12, 5], 45).tolist() == [True, False, False, False, True]
    # two small cells already protect each other; zeros are published
    assert suppression.distribution([3, 2, 0, 20, 20], 45).tolist() == [True, True, False, False, False]
    # ties for the complement: the first in category order
    assert suppression.distribution([4, 6, 6, 29], 45).tolist() == [True, True, False, False]
    # a base of at least 100 publishes small counts; below k everything is hidden
    assert not suppression.distribution([3, 50, 47], 100).any()
    assert suppression.distribution([3, 50, 46], 99).tolist() == [True, False, True]
    assert suppression.distribution([1, 3], 4).all()
    assert not suppression.distribution([], 0).any() and len(suppression.distribution([0, 0], 0)) == 2


def test_summaries_of_an_item_with_hidden_cells():
    codes = [5, 4, 3, 2, 1]
    assert suppression.summaries(codes, [False] * 5, (5, 4)) == (False, False)
    # two hidden below the top box: the mean would give them back; the top-two sum would not
    assert suppression.summaries(codes, [False, False, False, True, True], (5, 4)) == (True, False)
    # one hidden inside the top box and one outside: the top-two count recovers both
    assert suppression.summaries(codes, [True, False, False, False, True], (5, 4)) == (True, True)


def test_likert_hides_mean_with_hidden_cells(books):
    answers = [5] * 10 + [4] * 20 + [3] * 9 + [2] * 3 + [1] * 3        # 45 workers, two cells of 3
    rows = stats.likert(pd.DataFrame({"sat_pay": ints(answers)}), "sat_pay", books["worker"], "乙区")
    by = rows.set_index("category")
    assert by.loc[["2", "1"], "suppressed"].tolist() == [True, True]
    assert by.loc["", "suppressed"] and not by.loc["top2", "suppressed"]
    assert by.loc["top2", "value"] == round(30 / 45 * 100, 1)


def test_published_blanks_suppressed_numbers(books):
    df = pd.DataFrame({"edu": ints([1] * 3 + [2] * 20 + [3] * 20)})
    S = stats.composition(df, "edu", books["worker"], "甲区")
    out = suppression.published(S)
    hidden = out[out["suppressed"]]
    assert len(hidden) == 2 and hidden["value"].isna().all() and hidden["n"].isna().all()
    assert out.loc[~out["suppressed"], "n"].tolist() == [20, 0, 0]   # 3 hidden, and one 20 with it
    assert S["n"].notna().all()                                       # the internal table keeps them


# -- ages and leaders ----------------------------------------------------------------------------

def test_subgroup_means_count_one_shoulder_secretaries_as_directors(books):
    df = pd.DataFrame({"post": ints([1, 1, 2, 3]), "one_shoulder": ints([1, 2, None, None]),
                       "age": pd.array([40, 50, 30, 60], dtype="Float64"),
                       "employment": ints([1, 1, 2, 2]), "age_band": ints([2, 2, 1, 3]), "edu2": ints([2, 1, 2, 2])})
    rows = indicators.indicator_table(df, books["worker"], "甲区").set_index(["variable", "stat"])
    assert rows.loc[("full_time_share", "rate"), "n"] == 2 and rows.loc[("full_time_share", "rate"), "base"] == 4
    assert rows.loc[("secretary_age", "mean"), "exact"] == 45.0
    assert rows.loc[("director_age", "mean"), "exact"] == 35.0      # the 一肩挑 secretary (40) and the director (30)
    assert rows.loc[("secretaries", "count"), "variable_label"] == "社区党组织书记"
    assert rows.loc[("secretaries", "count"), "n"] == 2 and rows.loc[("directors", "count"), "n"] == 2
    assert rows.loc[("secretary_age", "mean"), "suppressed"]        # two people: below k
    share = rows.loc[("one_shoulder_share", "rate")]
    assert share["n"] == 1 and share["base"] == 2 and share["exact"] == 50.0 and share["suppressed"]
    with pytest.raises(SurveyError):
        stats.subgroup_mask(df, "post === 1")


def test_numeric_summary_of_nothing(books):
    rows = stats.numeric_summary(pd.DataFrame({"age": pd.array([], dtype="Float64")}), "age", books["worker"])
    assert rows["value"].isna().all() and (rows["n"] == 0).all()


# -- reliability ---------------------------------------------------------------------------------

def test_cronbach_alpha_by_hand():
    X = pd.DataFrame({"a": [1, 2, 3], "b": [2, 3, 3]}, dtype=float)
    # var(a) = 1, var(b) = 1/3, var(a + b) = 7/3 → α = 2 · (1 − (4/3)/(7/3)) = 6/7
    assert reliability.cronbach_alpha(X) == pytest.approx(6 / 7)
    assert np.isnan(reliability.cronbach_alpha(X[["a"]]))
    assert np.isnan(reliability.cronbach_alpha(X.iloc[:1]))
    assert np.isnan(reliability.cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0]})))  # total constant
    ia = reliability.item_analysis(X).set_index("item")
    assert ia.loc["a", "item_total_r"] == pytest.approx(np.corrcoef([1, 2, 3], [2, 3, 3])[0, 1])


def test_satisfaction_index_is_the_rescaled_mean(books):
    df = pd.DataFrame({"sat_pay": ints([5, 1, 3, 4, None]), "sat_workload": ints([5, 1, 3, 2, 5])})
    rows = reliability.satisfaction_index(df, books["worker"], "甲区", items=["sat_pay", "sat_workload"])
    head = rows.set_index("stat")
    # respondents: 100, 0, 50, 50 (the fifth skipped an item) → 50
    assert head.loc["mean", "exact"] == 50.0 and head.loc["mean", "n"] == 4
    assert reliability.index_items(books["resident"])[-1] == "sat_digital"          # overall left out
    with pytest.raises(SurveyError):
        reliability.satisfaction_index(df, books["worker"], items=["sat_pay"])
    with pytest.raises(SurveyError):
        reliability.satisfaction_index(df, books["worker"], items=["sat_pay", "sat_training"])


# -- comparisons ---------------------------------------------------------------------------------

def test_chi_square_by_hand():
    res = compare.chi_square([[10, 20], [20, 10]])
    assert res["chi2"] == pytest.approx(4 * 25 / 15) and res["df"] == 1      # every expected count is 15
    assert res["cramers_v"] == pytest.approx(math.sqrt(4 * 25 / 15 / 60))
    assert res["p"] == pytest.approx(math.erfc(math.sqrt(4 * 25 / 15 / 2)))    # chi2(1) tail
    assert compare.chi_square([[10, 0, 20], [20, 0, 10]])["chi2"] == pytest.approx(res["chi2"])  # empty column
    assert np.isnan(compare.chi_square([[10], [20]])["chi2"])                   # a single category
    assert np.isnan(compare.chi_square(np.zeros((0, 0)))["chi2"])


def test_crosstab_warns_about_small_expected_counts(books):
    df = pd.DataFrame({"post": ints([1, 1, 2, 2, 4, 4, 4, 4]), "gender": ints([1, 1, 2, 2, 1, 2, 1, 2])})
    rows = compare.crosstab(df, "post", "gender", books["worker"], "甲区")
    warn = rows[rows["stat"] == "warning"]
    assert len(warn) == 1 and "卡方检验结果仅供参考" in warn["category_label"].iloc[0]
    big = pd.DataFrame({"post": ints([1] * 40 + [4] * 40), "gender": ints(([1] * 25 + [2] * 15) * 2)})
    assert not (compare.crosstab(big, "post", "gender", books["worker"])["stat"] == "warning").any()


def test_rank_tests_by_hand():
    u = compare.rank_test([pd.Series([1, 2]), pd.Series([3, 4])])
    assert u["stat"] == "u" and u["value"] == 0.0
    h = compare.rank_test([pd.Series([1]), pd.Series([2]), pd.Series([3])])
    assert h["stat"] == "h" and h["value"] == pytest.approx(12 / (3 * 4) * (1 + 4 + 9) - 3 * 4)
    assert np.isnan(compare.rank_test([pd.Series([3, 3]), pd.Series([3])])["p"])   # all answers equal
    assert np.isnan(compare.rank_test([pd.Series([1, 2]), pd.Series([], dtype=float)])["p"])  # an empty group


def test_holm_adjustment_by_hand():
    assert compare.adjust([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.06, 0.06])
    out = compare.adjust([0.02, np.nan])
    assert out[0] == pytest.approx(0.02) and np.isnan(out[1])


def test_newcombe_difference_matches_published_example():
    # Newcombe (1998), Stat Med 17:873, Table II example (a): 56/70 − 48/80 = 0.2000, method 10
    # (hybrid score interval) 0.0524 to 0.3339
    d, lo, hi = compare.share_difference(56, 70, 48, 80)
    assert d == pytest.approx(20.0) and round(lo, 2) == 5.24 and round(hi, 2) == 33.39


def test_ordinal_logit_of_a_binary_answer_is_the_cross_product_ratio():
    # two answers only: the proportional-odds logit is a logistic regression; OR = (30·20)/(10·20) = 3
    df = pd.DataFrame({"y": [2] * 30 + [1] * 10 + [2] * 20 + [1] * 20, "g": [1] * 40 + [0] * 40})
    fit = compare.ordinal_logit(df, "y", ["g"]).iloc[0]
    assert fit["odds_ratio"] == pytest.approx(3.0, rel=1e-4)
    se = math.sqrt(1 / 30 + 1 / 10 + 1 / 20 + 1 / 20)                # Woolf's standard error of log OR
    assert fit["ci_low"] == pytest.approx(3 * math.exp(-1.959964 * se), rel=1e-3)
    with pytest.raises(SurveyError):
        compare.ordinal_logit(df.assign(y=1), "y", ["g"])                 # a single answer
    with pytest.raises(SurveyError):
        compare.ordinal_logit(df.assign(y=df["g"] + 1), "y", ["g"])     # complete separation


def test_district_vs_rest_rows_and_correction(books):
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"district": ["甲区"] * 60 + ["乙区"] * 60,
                       **{i: ints(rng.integers(1, 6, 120).tolist()) for i in books["worker"].report.batteries[0].items}})
    rows = compare.district_vs_rest(df, books["worker"], "甲区")
    pay = rows[rows["variable"] == "sat_pay"].set_index("category")
    mine = df[df["district"] == "甲区"]["sat_pay"]
    rest = df[df["district"] == "乙区"]["sat_pay"]
    assert pay.loc["a", "exact"] == pytest.approx(mine.isin([4, 5]).mean() * 100)
    assert pay.loc["diff", "exact"] == pytest.approx((mine.isin([4, 5]).mean() - rest.isin([4, 5]).mean()) * 100)
    p = rows[rows["stat"] == "p"]["exact"].to_numpy()
    assert rows[rows["stat"] == "p_adj"]["exact"].to_numpy() == pytest.approx(compare.adjust(p))


def test_residents_vs_workers_on_shared_questions(books):
    assert compare.shared_items(books["resident"], books["worker"]) == ["gender", "party", "assessor"]
    res = pd.DataFrame({"gender": ints([1] * 30 + [2] * 70), "party": ints([1] * 20 + [5] * 80),
                        "assessor": ints([1] * 40 + [2] * 60)})
    wrk = pd.DataFrame({"gender": ints([1] * 50 + [2] * 50), "party": ints([1] * 50 + [5] * 50),
                        "assessor": ints([1] * 45 + [2] * 55)})
    rows = compare.shared_questions(res, wrk, books["resident"], books["worker"], "甲区")
    assert set(rows["table"]) == {"shared_resident_worker"}
    assert set(rows["table_title"]) == {"社区居民与社区工作者的比较"}
    male = rows[(rows["variable"] == "gender") & (rows["category"] == "1")].iloc[0]
    assert male["exact"] == pytest.approx(30 - 50)
    chi = rows[(rows["variable"] == "gender") & (rows["stat"] == "chi2")].iloc[0]
    assert chi["exact"] == pytest.approx(compare.chi_square([[30, 70], [50, 50]])["chi2"])
    assert chi["exact"] == pytest.approx(200 * (30 * 50 - 70 * 50) ** 2 / (100 * 100 * 80 * 120))
    # each answer's two-proportion z test (pooled), by hand: 居民代表 40 of 100 against 45 of 100
    by = rows[(rows["variable"] == "assessor") & (rows["category"] == "1")].set_index("stat")
    pooled = 85 / 200
    z = (0.40 - 0.45) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 100))
    assert by.loc["p", "exact"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert by.loc["diff", "value"] == -5.0
    # Holm over the answers of the three questions someone chose (answers nobody chose have no test:
    # 2 of gender, 2 of party, 2 of assessor): the smallest p times 6, the next times 5 …
    answer_p = rows[(rows["stat"] == "p") & (rows["category"] != "test")]
    assert len(answer_p) == 11 and answer_p["exact"].notna().sum() == 6
    ps = sorted(answer_p["exact"].dropna())
    adj = sorted(rows.loc[(rows["stat"] == "p_adj") & (rows["category"] != "test"), "exact"].dropna())
    assert adj[0] == pytest.approx(min(1.0, ps[0] * 6))
    assert adj[2] == pytest.approx(min(1.0, max(ps[0] * 6, ps[1] * 5, ps[2] * 4)))


def test_subgroup_tests_within_a_district(books):
    df = pd.DataFrame({"post": ints([1] * 10 + [4] * 10), "sat_pay": ints([5, 4] * 5 + [1, 2] * 5)})
    rows = compare.subgroup_tests(df, "sat_pay", "post", books["worker"], "甲区")
    u = rows[rows["stat"] == "u"].iloc[0]
    assert u["exact"] in (0.0, 100.0)                       # complete separation: U = 0 or n1·n2
    assert rows[(rows["stat"] == "p") & (rows["category"] == "rank_test")]["exact"].iloc[0] < 0.001


# -- key drivers ---------------------------------------------------------------------------------

def test_key_drivers_with_uncorrelated_dimensions_equal_correlations(books):
    # x1 and x2 each 1..5 in every combination (8 times): uncorrelated, so each standardised beta is
    # the simple correlation with y
    grid = [(a, b) for a in range(1, 6) for b in range(1, 6)] * 8
    x1, x2 = [a for a, _ in grid], [b for _, b in grid]
    e = np.random.default_rng(7).normal(0, 0.8, len(grid))
    y = [int(np.clip(round(3 + 0.5 * (a - 3) + 0.25 * (b - 3) + n), 1, 5)) for a, b, n in zip(x1, x2, e)]
    df = pd.DataFrame({"sat_overall": ints(y), "sat_service": ints(x1), "sat_party": ints(x2)})
    rows = drivers.key_drivers(df, books["resident"], "甲区", items=["sat_service", "sat_party"])
    beta = rows[rows["stat"] == "beta"].set_index("variable")["exact"]
    r = df.astype(float).corr()["sat_overall"]
    assert beta["sat_service"] == pytest.approx(r["sat_service"]) and beta["sat_party"] == pytest.approx(r["sat_party"])
    ranks = rows[rows["stat"] == "rank"]
    assert ranks["variable"].tolist() == ["sat_service", "sat_party"] and ranks["value"].tolist() == [1, 2]
    with pytest.raises(SurveyError):
        drivers.key_drivers(df.head(3), books["resident"], items=["sat_service", "sat_party"])
    with pytest.raises(SurveyError):
        drivers.key_drivers(df, books["worker"])                        # no overall item


# -- community sheet -----------------------------------------------------------------------------

def test_org_type_rule_is_a_band_of_the_member_count_with_a_code_0(books):
    rule = books["community"].derived["org_type_rule"]
    code = lambda x: next(b.code for b in rule.bands if b.contains(x))  # noqa: E731
    assert [code(x) for x in (120, 100, 99, 50, 49, 3, 2, 0)] == [1, 1, 2, 2, 3, 3, 0, 0]
    assert set(rule.values) - {0} <= set(books["community"].labels("org_type"))


def test_community_indicators_coverage_ratios_and_mismatch(books):
    df = pd.DataFrame({"org_type": ints([1, 3, 4, 2]), "youth_league": ints([1, 1, 2, None]),
                       "women_org": ints([1, 1, 1, 1]), "members_total": pd.array([120, 30, 2, 99], dtype="Float64"),
                       "members_retired": pd.array([70, 20, 2, 50], dtype="Float64"),
                       "members_laidoff": pd.array([10, 2, 0, 9], dtype="Float64"),
                       "members_employed": pd.array([30, 6, 0, 30], dtype="Float64"),
                       "members_floating": pd.array([10, 2, 0, 10], dtype="Float64"),
                       "org_type_rule": ints([1, 3, 0, 1])})                 # the fourth reports 党总支
    rows = indicators.indicator_table(df, books["community"], "甲区").set_index("variable")
    assert rows.loc["org_rate", "exact"] == 75.0 and rows.loc["org_rate", "base"] == 4
    assert rows.loc["youth_rate", "value"] == pytest.approx(66.7) and rows.loc["youth_rate", "base"] == 3
    assert rows.loc["women_rate", "value"] == 100.0
    assert rows.loc["retired_share", "n"] == 142 and rows.loc["retired_share", "base"] == 251
    assert rows.loc["retired_share", "value"] == round(142 / 251 * 100, 1) and rows.loc["retired_share", "stat"] == "ratio"
    assert rows.loc["organised", "n"] == 3                              # built and with members enough
    assert rows.loc["org_type_mismatch", "n"] == 1 and rows.loc["org_type_mismatch", "base"] == 3


# -- waves ---------------------------------------------------------------------------------------

def _wave_rows(valid, k, base, ages):
    flow = stats.base.make_rows(table="flow", group="甲区", variable="worker", variable_label="社区工作者问卷",
                       category="valid", category_label="有效答卷", order=[1], stat="valid", n=valid,
                       base=valid, value=valid, exact=valid)
    book_rows = stats.base.make_rows(table="worker_composition", group="甲区", variable="party", variable_label="政治面貌",
                            category="1", category_label="中共党员", order=[1], stat="share", n=k, base=base,
                            value=round(k / base * 100, 1), exact=k / base * 100)
    m, lo, hi = stats.mean_ci(pd.Series(ages))
    age = stats.base.make_rows(table="worker_numbers", group="甲区", variable="age", variable_label="年龄", order=[1],
                      stat="mean", n=len(ages), base=len(ages), value=round(m, 1), exact=m, ci_low=lo, ci_high=hi)
    return pd.concat([flow, book_rows, age], ignore_index=True)


def test_wave_change_of_headline_figures():
    before = _wave_rows(122, 20, 100, [40, 50, 60, 45, 55])
    now = _wave_rows(75, 30, 100, [30, 40, 50, 35, 45])
    rows = waves.wave_change(now, before, "甲区", "2026", "2023")
    flow = rows[rows["variable"] == "worker"].set_index("stat")
    assert flow.loc["before", "value"] == 122 and flow.loc["now", "value"] == 75 and flow.loc["change", "value"] == -47
    assert np.isnan(flow.loc["p", "exact"])                              # a headcount is not tested
    share = rows[rows["variable"] == "party"].set_index("stat")
    assert share.loc["change", "value"] == 10.0
    z = 0.1 / math.sqrt(0.25 * 0.75 * (2 / 100))                          # pooled two-proportion z
    assert share.loc["p", "exact"] == pytest.approx(math.erfc(z / math.sqrt(2)))
    age = rows[rows["variable"] == "age"].set_index("stat")
    assert age.loc["change", "value"] == -10.0
    # equal SDs (sqrt(62.5)) and n = 5: Welch's t = −10 / sqrt(2 · 62.5 / 5) = −2, df = 8
    from scipy import stats as sps
    assert age.loc["p", "exact"] == pytest.approx(2 * sps.t.sf(2, 8))
    assert "（2023）" in flow.loc["before", "category_label"]
    assert waves.wave_change(now, before, "乙区").empty


def test_view_is_readable_chinese(books):
    df = pd.DataFrame({"edu": ints([1] * 3 + [2] * 20 + [3] * 20)})
    v = stats.view(stats.composition(df, "edu", books["worker"], "甲区"), "worker_composition", "甲区")
    assert list(v.columns)[:4] == ["指标", "类别", "统计量", "数值"]
    assert v["数值"].tolist()[:3] == ["—", "—", 46.5] and v["统计量"].iloc[0] == "占比（%）"
    with pytest.raises(SurveyError):
        stats.view(stats.composition(df, "edu", books["worker"], "甲区"), "x", "甲区")


def test_holm_matches_statsmodels():
    import numpy as np
    from statsmodels.stats.multitest import multipletests

    from analysis.stats import compare

    rng = np.random.default_rng(7)
    for m in (1, 2, 5, 13, 40):
        p = rng.uniform(0, 0.2, m)
        p[: m // 3] = p[0]                                 # ties
        np.testing.assert_allclose(compare.adjust(p), multipletests(p, method="holm")[1], rtol=0, atol=1e-15)
    assert np.isnan(compare.adjust(np.array([np.nan, 0.01])))[0]


def test_ordinal_logit_on_answer_patterns_equals_the_fit_on_every_respondent():
    """The fit runs on distinct answer patterns weighted by their counts: the likelihood is the same,
    so the estimates and standard errors must equal statsmodels' fit on one row per respondent."""
    import numpy as np
    import pandas as pd
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    from analysis.stats import compare

    rng = np.random.default_rng(3)
    n = 600
    g = rng.integers(0, 2, n)
    x = rng.integers(0, 3, n)
    latent = 0.8 * g - 0.4 * x + rng.logistic(size=n)
    item = np.digitize(latent, [-1.5, -0.5, 0.5, 1.5]) + 1
    df = pd.DataFrame({"item": item, "g": g, "x": x})
    got = compare.ordinal_logit(df, "item", ["g", "x"]).set_index("term")
    y = pd.Series(pd.Categorical(df["item"], ordered=True))
    ref = OrderedModel(y, df[["g", "x"]].astype(float), distr="logit").fit(method="bfgs", disp=False, maxiter=2000)
    # both stop where BFGS meets its gradient tolerance: equal to 1e-4, far below the printed 0.01
    np.testing.assert_allclose(got["coef"], ref.params[["g", "x"]], rtol=1e-4)
    np.testing.assert_allclose(got["p"], ref.pvalues[["g", "x"]], rtol=1e-3)
    assert got["n"].iloc[0] == n


def test_mann_whitney_from_counts_equals_ranking_every_respondent():
    """The count form used for a district against the national rest: same U and p as scipy on the
    expanded answers, over random tables with ties, empty values and lopsided groups."""
    rng = np.random.default_rng(20261124)
    values = np.arange(1.0, 6.0)
    for _ in range(300):
        ca = rng.integers(0, rng.choice([3, 30, 300]), size=5) * rng.integers(0, 2, size=5)
        cb = rng.integers(0, rng.choice([3, 30, 3000]), size=5)
        a, b = pd.Series(np.repeat(values, ca)), pd.Series(np.repeat(values, cb))
        want, got = compare.rank_test([a, b]), compare.mann_whitney_counts(ca, cb)
        if np.isnan(want["p"]):
            assert np.isnan(got["p"]) and np.isnan(got["value"])
        else:
            assert got["value"] == pytest.approx(want["value"], rel=1e-12)
            assert got["p"] == pytest.approx(want["p"], rel=1e-9, abs=1e-300)


def test_district_vs_rest_from_counts_equals_comparing_the_rows(books):
    """district_vs_rest subtracts the district's counts from the whole wave's instead of copying the
    rest's rows; compare_items on the two sets of rows gives the same table."""
    rng = np.random.default_rng(7)
    book = books["resident"]
    items = list(book.report.batteries[0].items)
    df = pd.DataFrame({item: rng.choice([1, 2, 3, 4, 5, np.nan], size=900, p=[.1, .1, .2, .3, .25, .05])
                       for item in items})
    df[book.role("district")] = rng.choice(["甲区", "乙区", "丙区"], size=900)
    got = compare.district_vs_rest(df, book, "乙区")
    mine = df[book.role("district")] == "乙区"
    want = compare.compare_items(df[mine], df[~mine], items, book, "乙区", "resident_satisfaction_vs_rest",
                                 got["table_title"].iloc[0], a_label="乙区", b_label="其他区县")
    pd.testing.assert_frame_equal(got, want)
    assert set(got["stat"]) >= {"top2", "diff", "u", "p", "p_adj", "odds_ratio"}
    u = got[got["stat"] == "u"]["exact"].iloc[0]
    first = items[0]
    scipy_u = compare.rank_test([df.loc[mine, first], df.loc[~mine, first]])["value"]
    assert u == pytest.approx(scipy_u, rel=1e-12)


def test_ordinal_logit_converges_for_a_district_against_a_national_rest():
    """A 2 × 5 table with a rest of half a million: the point estimate does not depend on scaling
    every count (the likelihood is only multiplied), and the interval narrows by the square root.
    BFGS alone reports no convergence here (its gradient test grows with the counts)."""
    rest = np.array([7787, 42642, 153622, 237665, 131026])
    district = np.array([2, 9, 54, 88, 50])
    values = np.arange(1.0, 6.0)

    def fit(scale):
        cells = pd.DataFrame({"y": np.repeat(values, 2), "g": np.tile([0.0, 1.0], 5),
                              "_count": np.column_stack([rest, district]).ravel() * scale})
        return compare.ordinal_logit_cells(cells, "y", ["g"]).iloc[0]

    small, big = fit(1), fit(1000)
    assert big["odds_ratio"] == pytest.approx(small["odds_ratio"], rel=1e-6)
    assert small["odds_ratio"] == pytest.approx(1.1696, abs=1e-4)
    width = lambda r: np.log(r["ci_high"]) - np.log(r["ci_low"])  # noqa: E731
    assert width(big) == pytest.approx(width(small) / np.sqrt(1000), rel=5e-3)   # numerical Hessians
    assert big["n"] == 1000 * (rest.sum() + district.sum())

def test_residents_vs_workers_hides_an_answer_hidden_in_either_group(books):
    """3 of 43 workers are party members: hidden in the workers' table (and 群众 with it), so the
    differences, which with the residents' shares would give them back, are hidden too."""


    res = pd.DataFrame({"gender": ints([1] * 30 + [2] * 70), "party": ints([1] * 20 + [5] * 80),
                        "assessor": ints([1] * 40 + [2] * 60)})
    wrk = pd.DataFrame({"gender": ints([1] * 13 + [2] * 30), "party": ints([1] * 3 + [5] * 40),
                        "assessor": ints([1] * 23 + [2] * 20)})
    rows = compare.shared_questions(res, wrk, books["resident"], books["worker"], "甲区")
    party = rows[(rows["variable"] == "party") & rows["category"].isin(["1", "5"])]
    assert len(party) == 6 and party["suppressed"].all()           # diff, p, p_adj of both answers
    shown = rows[(rows["variable"] == "assessor") & (rows["category"] == "1") & (rows["stat"] == "diff")]
    assert not shown["suppressed"].iloc[0] and shown["value"].iloc[0] == round(40 - 23 / 43 * 100, 1)



def test_shared_questions_display_table(books):
    res = pd.DataFrame({"gender": ints([1] * 30 + [2] * 70), "party": ints([1] * 20 + [5] * 80),
                        "assessor": ints([1] * 40 + [2] * 60)})
    wrk = pd.DataFrame({"gender": ints([1] * 13 + [2] * 30), "party": ints([1] * 3 + [5] * 40),
                        "assessor": ints([1] * 23 + [2] * 20)})
    rows = compare.shared_questions(res, wrk, books["resident"], books["worker"], "甲区")
    S = pd.concat([rows, stats.composition(res, "assessor", books["resident"], "甲区"),
                   stats.composition(wrk, "assessor", books["worker"], "甲区")], ignore_index=True)
    table = tables.display_table(S, "shared_resident_worker", "甲区").set_index(["指标", "类别"])
    assert table.loc[("社区工作评价主体", "居民代表"), "社区居民（%）"] == "40.0"
    assert table.loc[("社区工作评价主体", "居民代表"), "社区工作者（%）"] == "53.5"
    assert table.loc[("政治面貌", "中共党员"), "差值（百分点）"] == "—"
