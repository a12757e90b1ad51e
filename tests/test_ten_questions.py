"""Issue 16's ten questions ("What was measured" 1–10), each answered on the bundled sample wave in
at most three lines with the researcher's verbs (the block after ``# question N``), and its key
figure checked against a hand calculation with pandas / numpy / scipy on the prepared frame
(``Survey.data``, the codes ``survey prepare`` wrote). Nothing is printed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats as sps

import test_lab
from analysis import config

wave, res, wrk = test_lab.wave, test_lab.res, test_lab.wrk      # fixtures: the sample wave's two surveys


def row(frame: pd.DataFrame, **kw) -> pd.Series:
    hit = frame
    for k, v in kw.items():
        hit = hit[hit[k] == v]
    assert len(hit) == 1, kw
    return hit.iloc[0]


def test_1_one_districts_satisfaction_with_valid_percents_and_cis(res):
    # question 1
    f = res.where(district="桥西区").freq("sat_overall").frame
    mine = res.data.loc[res.data["district"] == "桥西区", "sat_overall"]
    valid = mine.dropna()
    share = row(f, code=4, stat="share")
    assert share["base"] == len(valid) and share["n"] == (valid == 4).sum()
    assert share["exact"] == pytest.approx((valid == 4).mean() * 100)
    assert row(f, code=4, stat="pct")["exact"] == pytest.approx((mine == 4).sum() / len(mine) * 100)
    assert row(f, code=4, stat="cum_share")["exact"] == pytest.approx(valid.isin([5, 4]).mean() * 100)
    p, n = (valid == 4).mean(), len(valid)        # Wilson interval by hand
    z = sps.norm.ppf(0.975)
    centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert share["ci_low"] == pytest.approx(round(100 * (centre - half), 1), abs=0.051)
    assert share["ci_high"] == pytest.approx(round(100 * (centre + half), 1), abs=0.051)


def test_2_education_by_employment_column_percents_and_chi_square(wrk):
    # question 2
    f = wrk.crosstab("edu", by="employment", percent="col").frame
    counts = pd.crosstab(wrk.data["edu"], wrk.data["employment"])
    chi2, p, dof, _ = sps.chi2_contingency(counts, correction=False)
    assert row(f, stat="chi2")["exact"] == pytest.approx(chi2) and row(f, stat="df")["exact"] == dof
    assert row(f, stat="cramers_v")["exact"] == pytest.approx(np.sqrt(chi2 / (counts.to_numpy().sum() * (min(counts.shape) - 1))))
    full_time = wrk.book.labels("employment")[1]
    assert row(f, code=3, group=full_time, stat="share")["exact"] == pytest.approx(counts.loc[3, 1] / counts[1].sum() * 100)


def test_3_party_members_against_the_rest(res):
    # question 3
    f = res.compare("sat_overall", by=res.recode("party", 党员=[1, 2], 非党员=[3, 4, 5])).frame
    members = res.data.loc[res.data["party"].isin([1, 2]), "sat_overall"].dropna()
    rest = res.data.loc[res.data["party"].isin([3, 4, 5]), "sat_overall"].dropna()
    assert row(f, group="党员", stat="mean")["exact"] == pytest.approx(members.mean())
    assert row(f, group="非党员", stat="mean")["exact"] == pytest.approx(rest.mean())
    welch = sps.ttest_ind(members, rest, equal_var=False)
    assert row(f, stat="t")["exact"] == pytest.approx(welch.statistic)
    assert row(f, stat="p")["exact"] == pytest.approx(welch.pvalue)


def test_4_districts_ranked_by_their_share_of_young_workers(wrk):
    # question 4
    f = wrk.rank("age_band", "35岁以下", by="district").frame
    by_hand = wrk.data.dropna(subset=["age_band"]).groupby("district")["age_band"].apply(lambda s: (s == 1).mean() * 100)
    assert row(f, rank_best=1.0, rank=1.0)["group"] == by_hand.idxmax()
    assert f.set_index("group")["exact"].to_dict() == pytest.approx(by_hand.to_dict())


def test_5_cronbachs_alpha_with_item_total_correlations(res):
    # question 5
    f = res.reliability("sat_*").frame
    items = f.loc[f["stat"] == "item_total_r", "variable"].tolist()
    x = res.data[items].dropna().astype(float)
    k = len(items)
    alpha = k / (k - 1) * (1 - x.var(ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert row(f, stat="alpha")["exact"] == pytest.approx(alpha)
    first = items[0]
    rest = x.drop(columns=first).sum(axis=1)
    assert row(f, stat="item_total_r", variable=first)["exact"] == pytest.approx(np.corrcoef(x[first], rest)[0, 1])


def test_6_a_share_raked_to_population_margins_against_unweighted(res):
    # question 6
    s = res.weighted()
    weighted, plain = s.freq("sat_overall").frame, res.freq("sat_overall").frame
    w = pd.Series(s.design().weights)
    y = s.data["sat_overall"]
    ok = y.notna() & (w > 0)
    assert row(weighted, code=5)["exact"] == pytest.approx(w[ok & (y == 5)].sum() / w[ok].sum() * 100)
    assert row(plain, code=5, stat="share")["exact"] == pytest.approx((res.data["sat_overall"].dropna() == 5).mean() * 100)
    assert row(weighted, code=5)["deff"] > 1
    # the weights meet the population of config/margins/2026.yaml, read here with plain YAML
    raw = yaml.safe_load((config.CONFIG_DIR / "margins" / "2026.yaml").read_text(encoding="utf-8"))["resident"]
    women = {d: sum(t["女"].values()) for d, t in raw["districts"].items()}
    got = w[(s.data["gender"] == 2).to_numpy()].groupby(s.data.loc[s.data["gender"] == 2, "district"].to_numpy()).sum()
    assert got.to_dict() == pytest.approx(women)


def test_7_drivers_of_overall_satisfaction(res):
    # question 7
    f = res.drivers().frame
    items = [i for b in res.book.report.batteries if res.book.report.overall in b.items
             for i in b.items if i != res.book.report.overall]
    data = res.data[[res.book.report.overall, *items]].dropna().astype(float)
    z = (data - data.mean()) / data.std(ddof=1)
    beta = np.linalg.lstsq(np.c_[np.ones(len(z)), z[items]], z[res.book.report.overall], rcond=None)[0][1:]
    got = f[f["stat"] == "beta"].set_index("variable")["exact"]
    assert got.to_dict() == pytest.approx(dict(zip(items, beta)))
    assert row(f, stat="rank", exact=1.0)["variable"] == items[int(np.argmax(np.abs(beta)))]


def test_8_a_publication_chart_by_district_at_300_dpi(res, tmp_path):
    from PIL import Image

    # question 8
    out = res.likert("sat_overall", by="district")
    out.chart(tmp_path / "满意率_各区县.png")
    with Image.open(tmp_path / "满意率_各区县.png") as im:
        assert round(im.info["dpi"][0]) == 300
    assert (tmp_path / "满意率_各区县.svg").is_file()
    top2 = out.frame[out.frame["stat"] == "top2"].set_index("group")["exact"]
    by_hand = res.data.dropna(subset=["sat_overall"]).groupby("district")["sat_overall"].apply(lambda s: s.isin([4, 5]).mean() * 100)
    assert top2.to_dict() == pytest.approx(by_hand.to_dict())


def test_9_question_1_within_one_street(res):
    # question 9
    f = res.where(street="育才街道").freq("sat_overall").frame
    mine = res.data.loc[res.data["street"] == "育才街道", "sat_overall"].dropna()
    share = f[f["stat"] == "share"]
    assert (share["base"] == len(mine)).all() and len(mine) > 0
    assert share.set_index("code")["n"].to_dict() == {c: (mine == c).sum() for c in res.book.labels("sat_overall")}
    small = share[(share["n"] > 0) & (share["n"] < config.MIN_CELL)]      # 1–4 respondents: shown as “—”
    assert len(small) and small["suppressed"].all() and not share.loc[share["n"] == 0, "suppressed"].any()


def test_10_one_table_as_a_three_line_table_in_word(wrk, tmp_path):
    import docx

    # question 10
    wrk.crosstab("edu", by="employment").to_docx(tmp_path / "表1.docx")
    table = docx.Document(str(tmp_path / "表1.docx")).tables[0]
    cells = [[c.text.strip() for c in rw.cells] for rw in table.rows]
    counts = pd.crosstab(wrk.data["edu"], wrk.data["employment"])
    full_time, college = wrk.book.labels("employment")[1], wrk.book.labels("edu")[3]
    line = next(rw for rw in cells if rw[0] == college)
    column = next(j for j, h in enumerate(cells[0]) if h.startswith(full_time))
    assert float(line[column]) == pytest.approx(counts.loc[3, 1] / counts[1].sum() * 100, abs=0.051)
