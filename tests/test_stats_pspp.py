"""Frequencies, chi-square, Cramér's V and Cronbach's α against GNU PSPP, at PSPP's printed precision.

``tests/reference/pspp/reference.sps`` ran ``fixture.csv`` through PSPP 1.6.2 (Debian ``pspp``);
its printed output is committed as ``reference.txt`` and parsed here, so the tests need no PSPP.
Regenerate: ``cd tests/reference/pspp && pspp -O format=txt -o reference.txt reference.sps``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import stats
from analysis.stats import compare, reliability

REF = Path(__file__).parent / "reference" / "pspp"
ITEMS = ["sat_pay", "sat_workload", "sat_training", "sat_promotion", "sat_recognition"]


@pytest.fixture(scope="module")
def fixture():
    return pd.read_csv(REF / "fixture.csv").astype({c: "Int64" for c in ["post", "edu", *ITEMS]})


@pytest.fixture(scope="module")
def out():
    return (REF / "reference.txt").read_text(encoding="utf-8")


def block(out: str, title: str) -> str:
    """The text of the table whose title line is ``title`` (up to the next blank line)."""
    m = re.search(rf"^\s*{re.escape(title)}\s*$\n(.*?)(?:\n\s*\n|\Z)", out, re.M | re.S)
    assert m, title
    return m.group(1)


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def num(text: str) -> float:
    return float(text.rstrip("%"))


def frequencies(out: str, variable: str) -> dict[int, tuple[int, float]]:
    """code → (Frequency, Valid Percent) from PSPP's FREQUENCIES table."""
    rows = {}
    for line in block(out, variable).splitlines():
        c = cells(line)
        if len(c) == 5 and re.fullmatch(r"(Valid\s+)?\d+", c[0]):
            rows[int(c[0].split()[-1])] = (int(c[1]), num(c[3]))
    return rows


@pytest.mark.parametrize("variable", ["edu", "post", "sat_pay"])
def test_frequencies_agree_with_pspp(fixture, out, books, variable):
    ref = frequencies(out, variable)
    rows = stats.composition(fixture, variable, books["worker"], "样例", "t", "标题")
    rows = rows[rows["n"] > 0].set_index(rows[rows["n"] > 0]["category"].astype(int))
    assert sorted(rows.index) == sorted(ref)
    for code, (freq, pct) in ref.items():
        assert rows.loc[code, "n"] == freq
        assert round(rows.loc[code, "exact"], 1) == pct            # PSPP prints the valid percent to 0.1
    stat = block(out, "Statistics").splitlines()
    col = cells(stat[1]).index(variable)
    mean = num(cells(next(s for s in stat if s.startswith("|Mean")))[col])
    median = num(cells(next(s for s in stat if s.startswith("|Median")))[col])
    m, _, _ = stats.mean_ci(fixture[variable])
    assert round(m, 2) == mean and fixture[variable].median() == median


def test_chi_square_and_cramers_v_agree_with_pspp(fixture, out, books):
    tests = block(out, "Chi-Square Tests")
    pearson = cells(next(s for s in tests.splitlines() if "Pearson" in s))
    measures = block(out, "Symmetric Measures")
    v = num(cells(next(s for s in measures.splitlines() if "Cramer" in s))[-1])
    rows = compare.crosstab(fixture, "post", "edu", books["worker"], "样例").set_index("stat")
    assert round(rows.loc["chi2", "exact"], 2) == num(pearson[1])
    assert rows.loc["df", "value"] == int(pearson[2])
    assert round(rows.loc["p", "exact"], 3) == num(pearson[3])
    assert round(rows.loc["cramers_v", "exact"], 2) == v
    assert rows.loc["chi2", "n"] == 86                            # N of Valid Cases
    assert "warning" in rows.index                                # PSPP's expected counts: most below 5


def test_crosstab_expected_counts_agree_with_pspp(fixture, out):
    table = block(out, "post × edu").splitlines()
    expected = [[num(x) for x in cells(line)[1:6]] for line in table if "Expected" in line][:4]
    both = fixture[["post", "edu"]].dropna()
    t = pd.crosstab(both["post"], both["edu"]).to_numpy(dtype=float)
    mine = np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()
    assert np.round(mine, 2).tolist() == expected


def test_cronbach_alpha_and_item_statistics_agree_with_pspp(fixture, out, books):
    alpha = num(cells(block(out, "Reliability Statistics").splitlines()[-2])[0])
    rows = reliability.satisfaction_index(fixture, books["worker"], "样例", items=ITEMS)
    head = rows.set_index("stat")
    assert round(head.loc["alpha", "exact"], 2) == alpha
    assert head.loc["alpha", "n"] == 85                           # listwise: two missing answers excluded
    item_lines = [cells(s) for s in block(out, "Item-Total Statistics").splitlines() if s.startswith("|sat_")]
    assert [c[0] for c in item_lines] == ITEMS
    for c in item_lines:
        r = rows[(rows["variable"] == c[0]) & (rows["stat"] == "item_total_r")]["exact"].iloc[0]
        a = rows[(rows["variable"] == c[0]) & (rows["stat"] == "alpha_if_deleted")]["exact"].iloc[0]
        assert round(r, 2) == num(c[3]) and round(a, 2) == num(c[4])
    X = fixture[ITEMS].astype(float).dropna()                     # scale mean and variance if deleted
    for c in item_lines:
        rest = X.drop(columns=c[0]).sum(axis=1)
        assert round(rest.mean(), 2) == num(c[1]) and round(rest.var(ddof=1), 2) == num(c[2])


def test_mann_whitney_and_kruskal_wallis_agree_with_pspp(fixture, out):
    mw = cells(next(s for s in block(out, "Test Statistics").splitlines() if s.startswith("|sat_pay")))
    leaders = fixture["post"] <= 2
    u = compare.rank_test([fixture.loc[leaders, "sat_pay"], fixture.loc[~leaders, "sat_pay"]])
    assert u["stat"] == "u" and round(u["value"], 2) == num(mw[1])       # U of the first group (leaders)
    assert round(u["p"], 3) == num(mw[4])                                 # no continuity correction, as PSPP
    kw_block = out[out.index("|Chi-Square |"):]                          # the K-W table follows the M-W one
    kw = {cells(s)[0]: num(cells(s)[1]) for s in kw_block.splitlines()[:4] if s.startswith("|")}
    h = compare.rank_test([g["sat_pay"] for _, g in fixture.groupby("post")])
    assert h["stat"] == "h" and round(h["value"], 2) == kw["Chi-Square"] and round(h["p"], 3) == kw["Asymp. Sig."]


def test_mean_interval_agrees_with_pspp(fixture, out):
    desc = block(out, "Descriptives").splitlines()
    lo = num(cells(next(s for s in desc if "Lower Bound" in s))[1])
    hi = num(cells(next(s for s in desc if "Upper Bound" in s))[1])
    m, mlo, mhi = stats.mean_ci(fixture["sat_pay"])
    assert (round(mlo, 2), round(mhi, 2)) == (lo, hi)


def test_ordinal_logit_with_two_answers_agrees_with_pspp_logistic_regression(fixture, out):
    eq = {cells(s)[0].removeprefix("Step 1").strip(): cells(s) for s in block(out, "Variables in the Equation")
          .splitlines() if s.startswith("|") and ("leader" in s or "sat_workload" in s)}
    data = fixture.assign(top=(fixture["sat_pay"] >= 4).astype(int), leader=2 - (fixture["post"] <= 2).astype(int))
    fit = compare.ordinal_logit(data, "top", ["leader", "sat_workload"]).set_index("term")
    for term in ("leader", "sat_workload"):
        assert round(fit.loc[term, "coef"], 2) == num(eq[term][1])
        assert round(fit.loc[term, "odds_ratio"], 2) == num(eq[term][6])
        assert round(fit.loc[term, "p"], 3) == num(eq[term][5])
