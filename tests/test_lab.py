"""The researcher's API (analysis.lab): each verb against a hand calculation or R's survey, labels
and codes both, the silent failures of issue 16 now raising, and the exports."""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import analysis as sa
from analysis import clean, config, stats
from analysis.errors import SurveyError
from analysis.lab.banner import letters, z_test
from analysis.lab.survey import Survey
from analysis.weighting import design as D

REF = Path(__file__).parent / "reference" / "r_survey"


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    processed = tmp_path_factory.mktemp("processed")
    clean.prepare_wave(config.DEFAULT_WAVE, processed_dir=processed)
    return sa.open_wave(config.DEFAULT_WAVE, processed)


@pytest.fixture(scope="module")
def res(wave):
    return wave.survey("resident")


@pytest.fixture(scope="module")
def wrk(wave):
    return wave.survey("worker")


def test_freq_is_the_hand_count(res):
    df = res.data
    f = res.freq("sat_overall").frame
    valid = df["sat_overall"].dropna()
    share = f[f["stat"] == "share"].set_index("category")
    for code, n in valid.value_counts().items():
        assert share.loc[str(code), "n"] == n
        assert abs(share.loc[str(code), "exact"] - n / len(valid) * 100) < 1e-9
    pct = f[f["stat"] == "pct"].set_index("category")
    assert pct.loc["missing", "n"] == df["sat_overall"].isna().sum() and pct["base"].iloc[0] == len(df)
    cum = f[f["stat"] == "cum_share"].sort_values("order")
    assert cum["value"].iloc[-1] == 100.0
    assert np.allclose(cum["exact"], share.sort_values("order")["exact"].cumsum())
    table = res.freq("sat_overall").table
    assert list(table.columns) == ["选项", "频数", "百分比（%）", "有效百分比（%）", "累计百分比（%）", "95%置信区间"]
    assert table["选项"].iloc[-1] == "合计" and table["频数"].iloc[-1] == str(len(df))


def test_labels_and_codes_are_the_same_answer(res):
    by_label = res.where(gender="女").freq("总体满意度").frame
    by_code = res.where(gender=2).freq("sat_overall").frame
    by_text = res.where(gender="2").freq("sat_overall").frame
    pd.testing.assert_frame_equal(by_label, by_code)
    pd.testing.assert_frame_equal(by_text, by_code)
    r1 = res.rank("sat_overall", "比较满意", by="district").frame
    r2 = res.rank("sat_overall", 4, by="district").frame
    pd.testing.assert_frame_equal(r1, r2)


def test_domain_standard_errors_equal_r_subset(books):
    """where() restricts the design: the SEs are R's subset(svydesign(id = ~1), …), not those of
    the filtered rows."""
    fx = pd.read_csv(REF / "fixture.csv")
    fx["district"] = fx["district"].astype("string")
    ref = pd.read_csv(REF / "lab_reference.csv").set_index("case")
    s = Survey(fx, books["resident"])
    for d in sorted(fx["district"].unique()):
        f = s.where(district=d).freq("sat_overall").frame
        share = f[f["stat"] == "share"].set_index("category")
        for code in range(1, 6):
            r = ref.loc[f"srs/district={d}/sat/factor(sat_overall){code}"]
            assert abs(share.loc[str(code), "exact"] / 100 - r["estimate"]) < 1e-8
            assert abs(share.loc[str(code), "se"] / 100 - r["se"]) < 1e-8 * max(1, r["se"])
        rows = fx[fx["district"] == d]["sat_overall"]
        p = (rows == 3).mean()
        filtered = np.sqrt(p * (1 - p) / (len(rows) - 1))
        assert abs(filtered - share.loc["3", "se"] / 100) > 1e-5       # a filtered frame would differ


def test_variance_ratio_deff_equals_r():
    fx = pd.read_csv(REF / "fixture.csv")
    w = pd.read_csv(REF / "fixture_weights.csv").set_index("id")["raked"]
    fx["w"] = fx["id"].map(w)
    ref = pd.read_csv(REF / "lab_reference.csv").set_index("case")
    d = D.survey_design(fx, weights="w", strata="district", clusters="community")
    m = D.mean(d, "sat_overall").iloc[0]
    r = ref.loc["raked/all/mean/sat_overall"]
    assert abs(m["se"] - r["se"]) < 1e-7
    assert abs(D.variance_deff(d, "sat_overall", m["se"]) - r["deff"]) < 1e-6
    for dom, dd in [("all", d), ("district=桥东区", d.restrict(fx["district"] == "桥东区"))]:
        props = D.proportions(dd, "sat_overall", [1, 2, 3, 4, 5]).set_index("category")
        for code in range(1, 6):
            r = ref.loc[f"raked/{dom}/sat/factor(sat_overall){code}"]
            got = D.variance_deff(dd, "sat_overall", props.loc[code, "se"], code)
            assert abs(got - r["deff"]) < 1e-6 * r["deff"], (dom, code, got, r["deff"])


def test_weighted_freq_has_design_se_and_variance_ratio_deff(res):
    f = res.weighted().freq("sat_overall").frame
    assert f["weighted"].all() and (f["se"] > 0).all() and (f["deff"] > 0).all()
    assert f["value"].sum() == pytest.approx(100.0)


def test_the_silent_failures_now_raise(wave, res, books):
    labelled = res.labelled()
    with pytest.raises(SurveyError, match="中文标签"):
        stats.composition(labelled, "sat_overall", books["resident"])
    with pytest.raises(SurveyError, match="中文标签"):
        stats.crosstab(labelled, "gender", "sat_overall", books["resident"])
    as_text = res.data.assign(gender=res.data["gender"].astype("string"))
    with pytest.raises(SurveyError, match="写成文字的代码"):
        stats.composition(as_text, "gender", books["resident"])
    as_objects = res.data.assign(gender=res.data["gender"].astype(object))      # numbers held as objects still count
    assert stats.composition(as_objects, "gender", books["resident"])["n"].sum() == res.data["gender"].notna().sum()
    with pytest.raises(SurveyError, match="不是量表题"):
        stats.likert(res.data, "party", books["resident"])
    with pytest.raises(SurveyError, match="量表"):
        res.likert("party")
    with pytest.raises(SurveyError, match="是不是"):
        res.freq("sat_overal")
    with pytest.raises(SurveyError, match="multi"):
        res.freq("services")
    with pytest.raises(SurveyError, match="没有答案"):
        res.where(gender="外星人")
    with pytest.raises(SurveyError, match="同时在"):
        res.recode("party", a=[1, 2], b=[2, 3])
    assert "crosstab" in stats.__all__ and "composition" in dir(stats)


def test_labelled_frame_orders_low_to_high_and_carries_labels(res):
    df = res.labelled()
    s = df["sat_overall"]
    share = (s >= "比较满意").sum() / s.notna().sum() * 100
    top2 = res.likert("sat_overall").frame.query("stat == 'top2'")["exact"].iloc[0]
    assert share == pytest.approx(top2)
    assert s.min() == "很不满意"
    assert df.attrs["labels"]["sat_overall"] == "总体满意度"
    assert df.attrs["display_order"]["sat_overall"][0] == "非常满意"
    assert df["services__1"].dtype == "boolean" and "使用过的社区服务" in df.attrs["labels"]["services__1"]


def test_crosstab_column_percents_and_chi_square(wrk):
    out = wrk.crosstab("edu", by="employment", percent="col")
    both = wrk.data[["edu", "employment"]].dropna()
    hand = pd.crosstab(both["edu"], both["employment"], normalize="columns") * 100
    cells = out.frame[out.frame["stat"] == "share"]
    labels = wrk.book.labels("employment")
    for (edu, emp), v in hand.stack().items():
        got = cells[(cells["group"] == labels[emp]) & (cells["category"] == str(edu))]["exact"].iloc[0]
        assert got == pytest.approx(v)
    chi2 = sps.chi2_contingency(pd.crosstab(both["edu"], both["employment"]), correction=False)[0]
    assert out.frame.query("stat == 'chi2'")["exact"].iloc[0] == pytest.approx(chi2)
    row = wrk.crosstab("edu", by="employment", percent="row").frame
    assert row[row["stat"] == "share"].groupby("group")["value"].sum().round(1).eq(100.0).all()
    total = wrk.crosstab("edu", by="employment", percent="total").frame
    cs = total[total["stat"] == "cell_share"]
    assert cs["value"].sum() == pytest.approx(100.0) and cs["n"].sum() == len(both)


def test_compare_is_welch_by_hand(res):
    grp = res.recode("party", 党员=["中共党员", 2], 非党员=[3, 4, 5])
    out = res.compare("sat_overall", by=grp).frame
    party = res.data["party"]
    a = res.data.loc[party.isin([1, 2]), "sat_overall"].dropna().astype(float)
    b = res.data.loc[party.isin([3, 4, 5]), "sat_overall"].dropna().astype(float)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    t = (a.mean() - b.mean()) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    tests = out[out["category"] == "test"].set_index("stat")
    assert tests.loc["t", "exact"] == pytest.approx(t) and tests.loc["df", "exact"] == pytest.approx(df)
    half = sps.t.ppf(0.975, df) * np.sqrt(va + vb)
    assert tests.loc["diff", "ci_low"] == pytest.approx(a.mean() - b.mean() - half)
    means = out[out["stat"] == "mean"].set_index("group")["exact"]
    assert means["党员"] == pytest.approx(a.mean()) and means["非党员"] == pytest.approx(b.mean())


def test_multi_response_and_case_percents(res):
    f = res.multi("services").frame
    cols = [c for c in res.data if c.startswith("services__")]
    X = res.data[cols]
    answered = X.notna().any(axis=1).sum()
    mentions = (X == 1).sum()
    case = f[f["stat"] == "case_share"].set_index("category")["exact"]
    resp = f[f["stat"] == "response_share"].set_index("category")["exact"]
    for c in cols:
        code = c.split("__")[1]
        assert case[code] == pytest.approx(mentions[c] / answered * 100)
        assert resp[code] == pytest.approx(mentions[c] / mentions.sum() * 100)


def test_rank_ranges_where_intervals_overlap():
    from analysis.stats.base import make_rows

    rows = make_rows(table="t", group=["丙", "甲", "乙"], variable="v", stat="share",
                     value=[10.0, 50.0, 45.0], exact=[10.0, 50.0, 45.0],
                     ci_low=[5.0, 40.0, 35.0], ci_high=[15.0, 60.0, 55.0])
    out = stats.rank_intervals(rows).set_index("group")
    assert (out.loc["甲", "rank_best"], out.loc["甲", "rank_worst"]) == (1, 2)
    assert (out.loc["乙", "rank_best"], out.loc["乙", "rank_worst"]) == (1, 2)
    assert (out.loc["丙", "rank_best"], out.loc["丙", "rank_worst"]) == (3, 3)


def test_banner_letters_by_hand():
    # 60 of 100 in A against 40 of 100 in B: pooled 0.5, z = 0.2 / sqrt(0.25 · 0.02) = 2.828
    p = z_test(0.6, 100, 0.4, 100)
    assert p == pytest.approx(2 * sps.norm.sf(0.2 / np.sqrt(0.25 * 0.02)))
    # three columns: three pairs, Bonferroni ×3; A vs C p≈0.0047 → 0.014 (letter), A vs B 0.046 → 0.14 (none)
    vals = [0.6, 0.46, 0.4]
    pv = {(0, 1): z_test(0.6, 100, 0.46, 100), (0, 2): z_test(0.6, 100, 0.4, 100),
          (1, 2): z_test(0.46, 100, 0.4, 100)}
    assert pv[(0, 1)] < 0.05 and pv[(0, 1)] * 3 > 0.05
    assert letters(vals, pv) == ["C", "", ""]


def test_banner_on_the_sample(wrk):
    b = wrk.banner(["sat_pay", "edu2"], by=["gender", "employment"])
    assert len(b.tables) == 2
    f = b.frame[(b.frame["table"] == "worker_banner_employment") & (b.frame["stat"] == "share")]
    row = f[(f["variable"] == "edu2") & (f["category"] == "2")].set_index("group")
    cols = [g for g in row.index if g != "合计"]
    n = row.loc[cols, "n"].to_numpy(dtype=float)
    base = row.loc[cols, "base"].to_numpy(dtype=float)
    pooled = n.sum() / base.sum()
    z = (n[0] / base[0] - n[1] / base[1]) / np.sqrt(pooled * (1 - pooled) * (1 / base[0] + 1 / base[1]))
    expected = string.ascii_uppercase[1] if (2 * sps.norm.sf(abs(z)) < 0.05 and z > 0) else ""
    assert row.loc[cols[0], "letters"] == expected


def test_result_exports(wrk, tmp_path):
    import openpyxl
    from docx import Document

    r = wrk.crosstab("edu", by="employment")
    assert "border-top:2px solid" in r._repr_html_() and r.title in r._repr_html_()
    r.to_xlsx(tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    values = [c.value for row in sheet.iter_rows(min_row=4) for c in row[1:]]   # title, note, header
    assert values and all(isinstance(v, (int, float)) for v in values)
    assert sheet.cell(row=4, column=2).value == float(r.table.iloc[0, 1])
    r.to_docx(tmp_path / "t.docx")
    doc = Document(tmp_path / "t.docx")
    assert len(doc.tables) == 1 and doc.tables[0].rows[0].cells[0].text == "文化程度"
    body = doc.tables[0].rows[1].cells
    assert body[0].paragraphs[0].alignment == 0 and body[1].paragraphs[0].alignment == 1   # label left, figures centred
    assert any(r.title in p.text for p in doc.paragraphs)
    fig = wrk.freq("edu").chart(tmp_path / "edu.png")
    assert fig is not None and (tmp_path / "edu.png").is_file()


def test_reliability_alpha_by_hand(res):
    out = res.reliability(["sat_service", "sat_party", "sat_environment", "sat_safety"])
    X = res.data[["sat_service", "sat_party", "sat_environment", "sat_safety"]].astype(float).dropna()
    k = X.shape[1]
    alpha = k / (k - 1) * (1 - X.var(ddof=1).sum() / X.sum(axis=1).var(ddof=1))
    assert out.frame.query("stat == 'alpha'")["exact"].iloc[0] == pytest.approx(alpha)
    assert len(out.tables) == 2 and out.frame.query("stat == 'kmo'")["exact"].between(0, 1).all()


# -- KMO, Bartlett, EFA against PSPP FACTOR (tests/reference/pspp/factor.sps) -------------------------
PSPP = Path(__file__).parent / "reference" / "pspp"
ITEMS = ["sat_pay", "sat_workload", "sat_training", "sat_promotion", "sat_recognition"]


def _pspp(table: str) -> dict[int, float]:
    ref = pd.read_csv(PSPP / "factor_values.csv")
    return dict(zip(ref.loc[ref["table"] == table, "index"], ref.loc[ref["table"] == table, "value"]))


def test_kmo_bartlett_and_components_equal_pspp(books):
    from analysis.lab import factor

    X = pd.read_csv(PSPP / "fixture.csv")
    e = factor.efa(X, ITEMS, books["worker"])
    kmo = _pspp("KMO and Bartlett's Test")
    assert e.kmo == pytest.approx(kmo[0], rel=1e-5) and e.bartlett_chi2 == pytest.approx(kmo[1], rel=1e-5)
    assert e.bartlett_df == kmo[2] and e.bartlett_p == pytest.approx(kmo[3], rel=1e-4)
    tve = _pspp("Total Variance Explained")          # index = row + 5 × column
    assert np.allclose(e.eigenvalues, [tve[i] for i in range(5)], rtol=1e-5)
    assert e.loadings.shape == (5, 1)                 # one eigenvalue above 1, as PSPP found
    assert e.variance.loc["因子1", "pct"] == pytest.approx(tve[15], rel=1e-5)
    comp = _pspp("Rotated Component Matrix")
    assert np.allclose(e.loadings["因子1"].to_numpy(), [comp[i] for i in range(5)], rtol=1e-5)
    shown = e.tables[0][1]
    assert shown.iloc[0, 1] == f"{comp[0]:.3f}"


def _varimax(L: np.ndarray, normalize: bool = True) -> np.ndarray:
    """Kaiser's varimax by the SVD iteration (R's stats::varimax), written out here."""
    h = np.sqrt((L ** 2).sum(axis=1)) if normalize else np.ones(len(L))
    A = L / h[:, None]
    p, k = A.shape
    R, d = np.eye(k), 0.0
    for _ in range(1000):
        B = A @ R
        u, s, vt = np.linalg.svd(A.T @ (B ** 3 - B @ np.diag((B ** 2).sum(axis=0)) / p))
        R = u @ vt
        if s.sum() < d * (1 + 1e-12):
            break
        d = s.sum()
    return (A @ R) * h[:, None]


def test_two_rotated_components_equal_an_independent_varimax(books):
    """PSPP 1.6.2 cannot be the reference here (it takes the wrong eigenvector for component 2,
    factor.sps says how): principal components from numpy's eigen decomposition, rotated by the
    varimax above, against the lab's loadings (columns matched up to order and sign)."""
    from analysis.lab import factor

    X = pd.read_csv(PSPP / "fixture.csv")[ITEMS].dropna()
    e = factor.efa(X, ITEMS, books["worker"], factors=2)
    w, v = np.linalg.eigh(np.corrcoef(X.to_numpy(dtype=float), rowvar=False))
    top = np.argsort(w)[::-1][:2]
    hand = _varimax(v[:, top] * np.sqrt(w[top]))
    ours = e.loadings.to_numpy()
    for j in range(2):
        match = int(np.argmax([abs(np.corrcoef(ours[:, j], hand[:, i])[0, 1]) for i in range(2)]))
        sign = np.sign(ours[:, j] @ hand[:, match])
        assert np.allclose(ours[:, j], sign * hand[:, match], atol=1e-6)
    assert e.variance["cum"].iloc[-1] == pytest.approx(w[top].sum() / 5 * 100)


def test_weighted_banner_tests_on_the_effective_base(res):
    rw = res.weighted()
    b = rw.banner(["sat_overall"], by=["gender"]).frame
    d = rw._design
    w = d.weights
    data = rw.data
    rows = b[(b["stat"] == "share") & (b["category"] == "4")].set_index("group")
    cols = [g for g in rows.index if g != "合计"]
    hand = []
    for code, lab in rw.book.labels("gender").items():
        m = (data["gender"] == code).fillna(False).to_numpy(dtype=bool) & data["sat_overall"].notna().to_numpy() & (w > 0)
        ww = w[m]
        share = ww[(data.loc[m, "sat_overall"] == 4).to_numpy()].sum() / ww.sum()
        hand.append((share, ww.sum() ** 2 / (ww ** 2).sum()))
        col = next(c for c in cols if c.endswith(lab))
        assert rows.loc[col, "exact"] == pytest.approx(share * 100)
        assert rows.loc[col, "test_base"] == pytest.approx(ww.sum() ** 2 / (ww ** 2).sum())
    p = z_test(hand[0][0], hand[0][1], hand[1][0], hand[1][1])
    hi = 0 if hand[0][0] > hand[1][0] else 1
    expected = string.ascii_uppercase[1 - hi] if p < 0.05 else ""
    assert rows.loc[cols[hi], "letters"] == expected and rows.loc[cols[1 - hi], "letters"] == ""


def test_verbs_without_a_weighted_version_refuse_weights(res):
    rw = res.weighted()
    for call in (lambda: rw.crosstab("gender", by="party"), lambda: rw.compare("sat_overall", by="gender"),
                 lambda: rw.multi("services"), lambda: rw.rank("gender", 1, by="district")):
        with pytest.raises(SurveyError, match="加权版本"):
            call()


def test_a_domain_keeps_every_respondent_in_the_design(res):
    sub = res.where(district="桥西区", gender="女")
    d = sub.design()
    assert len(d.data) == len(res.data) and d.domain.sum() == sub.rows.shape[0]
    assert ((res.data["district"] == "桥西区") & (res.data["gender"] == 2)).sum() == sub.rows.shape[0]
    assert "桥西区" in sub.freq("sat_overall").note


def test_cumulative_percent_hides_what_would_give_a_suppressed_cell_back(books):
    book = books["resident"]
    df = pd.DataFrame({"sat_overall": pd.array([3] * 16 + [4] * 6 + [2] * 4, dtype="Int64")})
    shares = stats.composition(df, "sat_overall", book, exempt_base=None)
    cum = stats.cumulative(shares).set_index("category")
    hidden = shares.set_index("category")["suppressed"]
    assert hidden["2"] and not hidden["3"]
    order = [str(c) for c in book.labels("sat_overall")]          # questionnaire order: 5 … 1
    first = order.index(next(c for c in order if hidden[c]))
    assert cum.loc[order[:first], "suppressed"].eq(False).all() and cum.loc[order[first:], "suppressed"].all()
    assert cum.loc[order[-1], "value"] == 100.0


def test_likert_by_a_variable_has_a_line_per_group(res):
    out = res.likert("sat_overall", by="district")
    assert len(out.table) == res.data["district"].nunique()
    top = out.frame[out.frame["stat"] == "top2"].set_index("group")["exact"]
    d = res.data
    for unit, rows in d.groupby("district"):
        x = rows["sat_overall"].dropna()
        assert top[unit] == pytest.approx(x.isin([4, 5]).mean() * 100)


def test_drivers_rank_by_absolute_beta(res):
    out = res.drivers().frame
    beta = out[out["stat"] == "beta"]["exact"].abs().to_numpy()
    assert (np.diff(beta) <= 0).all() and set(out["variable"]) <= set(res.book.report.rating_items)


def test_wave_labelled_runs_low_to_high_too(wave, res):
    df = wave.wave.labelled("resident")
    s = df["sat_overall"]
    top2 = res.likert("sat_overall").frame.query("stat == 'top2'")["exact"].iloc[0]
    assert (s >= "比较满意").sum() / s.notna().sum() * 100 == pytest.approx(top2)
    assert s.min() == "很不满意" and df.attrs["labels"]["sat_overall"] == "总体满意度"


def test_banner_in_excel_keeps_numbers_and_letters_apart(wrk, tmp_path):
    import openpyxl

    b = wrk.banner(["sat_pay"], by=["employment"])
    b.to_xlsx(tmp_path / "b.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx").active
    header = [c.value for c in sheet[3]]        # row 1 the title, row 2 the note
    shown = b.table.set_index("选项")
    for j, h in enumerate(header):
        if h in ("题目", "选项") or h.endswith("显著性"):
            continue
        cell = sheet.cell(row=4, column=j + 1).value
        assert isinstance(cell, float)
        text = shown.loc[sheet.cell(row=4, column=2).value, h]
        letter = sheet.cell(row=4, column=j + 2).value if h != "合计" else None
        assert text == f"{cell:.1f}" + (f" {letter}" if letter else "")


def test_multi_by_a_single_choice_tests_each_option_once_per_respondent(res):
    out = res.multi("services", by="gender").frame
    d = res.data
    answered = d[[c for c in d if c.startswith("services__")]].notna().any(axis=1)
    ps = []
    for code in res.book.labels("services"):
        chosen = (d[f"services__{code}"] == 1) & answered
        t = pd.crosstab(d.loc[answered, "gender"], chosen[answered])
        chi2, p, *_ = sps.chi2_contingency(t, correction=False)
        got = out[(out["category"] == str(code)) & (out["stat"] == "chi2")]["exact"].iloc[0]
        assert got == pytest.approx(chi2)
        ps.append(p)
    m = len(ps)
    order = np.argsort(ps)
    holm = np.minimum(1, np.maximum.accumulate([(m - i) * ps[j] for i, j in enumerate(order)]))
    got = out[out["stat"] == "p_adj"].set_index("category")["exact"]
    for i, j in enumerate(order):
        assert got[str(list(res.book.labels("services"))[j])] == pytest.approx(holm[i])
    case = out[(out["stat"] == "case_share") & (out["group"] == "女")].set_index("category")["exact"]
    women = d[(d["gender"] == 2) & answered]
    assert case["1"] == pytest.approx((women["services__1"] == 1).mean() * 100)


def test_the_project_kernel_is_registered_and_the_notebooks_use_it():
    import json
    import os
    import subprocess
    import sys

    import nbformat

    spec = json.loads((Path(sys.prefix) / "share" / "jupyter" / "kernels" / "community-survey" / "kernel.json")
                      .read_text(encoding="utf-8"))
    assert Path(spec["argv"][0]).resolve() == Path(sys.executable).resolve()
    assert spec["display_name"] == "社区调研分析 (.venv)"
    for path in sorted(config.NOTEBOOK_DIR.glob("*.ipynb")):
        assert nbformat.read(path, as_version=4).metadata.kernelspec.name == "community-survey", path.name
    dry = subprocess.run(["make", "-n", "lab"], cwd=config.PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    line = next(x for x in dry.splitlines() if "jupyter lab" in x)
    assert "default_kernel_name=community-survey" in line
    assert ("--allow-root" in line) == (os.getuid() == 0)


def test_describe_is_the_hand_calculation(res):
    """n, mean, SD, median and quartiles (R's type 7, Python's statistics ``inclusive``) of a domain."""
    import statistics

    d = res.where(district="裕华区")
    x = [float(v) for v in d.rows["age"].dropna()]
    f = d.describe("年龄").frame.set_index("stat")
    q1, med, q3 = statistics.quantiles(x, n=4, method="inclusive")
    assert f.loc["mean", "n"] == len(x) == f.loc["q1", "base"]
    for stat, want in [("mean", statistics.fmean(x)), ("sd", statistics.stdev(x)), ("median", med),
                       ("q1", q1), ("q3", q3), ("min", min(x)), ("max", max(x))]:
        assert f.loc[stat, "exact"] == pytest.approx(want, abs=1e-9), stat
    assert list(d.describe().table.columns)[:4] == ["题目", "有效回答", "平均值", "平均值95%置信区间"]
    with pytest.raises(SurveyError, match="描述统计不适用"):
        res.describe("gender")


def test_vs_rest_counts_the_domain_against_everyone_else(res):
    """满意率 of the domain and of the other respondents from hand counts; the rest is everyone not in
    the domain, whichever variable the domain is on."""
    d = res.where(gender="女")
    f = d.vs_rest("sat_overall").frame
    top = list(res.book.variables["sat_overall"].top_box)
    mine, rest = res.data[res.data["gender"] == 2], res.data[res.data["gender"] != 2]
    for side, rows in (("a", mine), ("b", rest)):
        x = rows["sat_overall"].dropna()
        got = f[(f["category"] == side) & (f["stat"] == "top2")].iloc[0]
        assert got["n"] == x.isin(top).sum() and got["base"] == len(x)
        assert got["exact"] == pytest.approx(x.isin(top).mean() * 100)
    assert "其他受访者满意率" in d.vs_rest("sat_overall").table.columns
    with pytest.raises(SurveyError, match="where"):
        res.vs_rest()


def test_result_frames_have_numeric_codes(res, wrk):
    """S's ``category`` stays text, so each Result frame carries ``code`` (Int64): the answer code
    where the category is a code of the row's variable, <NA> for test, missing, mean, top2 … rows;
    ``frame.query("code == 4")`` and ``frame[frame.code == 4]`` find the rows of answer 4."""
    recode = res.recode("party", 党员=[1, 2], 非党员=[3, 4, 5])
    results = {
        "freq": res.freq("sat_overall"), "weighted": res.weighted().freq("sat_overall"),
        "crosstab": wrk.crosstab("edu", by="employment", percent="col"),
        "multi": res.multi("services", by="gender"), "likert": res.likert("sat_*"),
        "likert_by": res.likert("sat_overall", by="district"),
        "banner": res.banner(["sat_overall", "gender"], by=["age_band"]),
        "rank": wrk.rank("age_band", "35岁以下", by="district"), "compare": res.compare("sat_overall", by=recode),
        "reliability": res.reliability("sat_*"), "drivers": res.drivers(),
    }
    for verb, r in results.items():
        f = r.frame
        assert f["code"].dtype == "Int64" and f["category"].map(type).eq(str).all(), verb
        assert {"category", "code", "category_label"} <= set(f.columns), verb
        assert f["code"].notna().any() == (verb not in ("compare", "reliability", "drivers")), verb
        book = wrk.book if verb in ("crosstab", "rank") else res.book
        for row in f.itertuples():
            try:
                codes = {str(k) for k in book.labels(row.variable)}
            except KeyError:                   # "employment×edu", "battery", "index": not one variable
                codes = set()
            if row.category in codes:
                assert row.code == int(row.category), (verb, row)
            else:
                assert pd.isna(row.code), (verb, row)
    f = results["freq"].frame
    assert f.loc[f["category"] == "missing", "code"].isna().all() and (f["category"] == "missing").any()   # 未回答
    four = f.query("code == 4 and stat == 'share'")
    assert len(four) == 1 and four["n"].iloc[0] == (res.data["sat_overall"] == 4).sum()
    assert four["category_label"].iloc[0] == res.book.labels("sat_overall")[4]
    assert f[f.code == 4].equals(f[f["category"] == "4"]) and len(f.query("category == 4")) == 0
    ct = results["crosstab"].frame
    college = ct.query("code == 3")
    assert set(college["group"]) == set(wrk.book.labels("employment").values())
    for g, row in college.set_index("group").iterrows():
        col = wrk.data[wrk.data["employment"] == next(k for k, v in wrk.book.labels("employment").items() if v == g)]
        assert row["n"] == (col["edu"] == 3).sum()
    assert ct[ct["stat"] == "chi2"]["code"].isna().all()
