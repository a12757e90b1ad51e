"""One suppression decision per report and across the wave (issue 17, point 1), on the bundled
sample's smallest district, 裕华区 (45 community workers): no cell hidden in one table is printed or
derivable in another — the unit against the rest, the index, a battery's summaries, a declared
indicator, a breakdown's columns, the pooled group minus the other units — while the census facts
the codebook declares public (who holds which post) are shown."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import clean, config
from analysis.stats import coordinated, suppression
from analysis.stats.district import by_district, district_stats

UNIT = "裕华区"


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    return clean.prepare_wave(config.DEFAULT_WAVE, processed_dir=tmp_path_factory.mktemp("processed"))


@pytest.fixture(scope="module")
def S(wave):
    return district_stats(wave, UNIT)


def _rows(S, table, group=UNIT, **keys):
    rows = S[(S["table"] == table) & (S["group"] == group)]
    for k, v in keys.items():
        rows = rows[rows[k] == v]
    return rows


def test_the_unit_against_the_rest_hides_what_the_battery_hides(S):
    """表15 printed 工作负担 28.9 while 表13 hid its top box: the unit's share and the difference go,
    and the other units' figure with them (the pooled 满意率 minus theirs gave the unit's back)."""
    tops = _rows(S, "worker_satisfaction", stat="top2")
    hidden = set(tops.loc[tops["suppressed"], "variable"])
    assert hidden, "裕华区 has hidden top boxes to check"
    vs = _rows(S, "worker_satisfaction_vs_rest")
    for item in hidden:
        mine = vs[(vs["variable"] == item) & vs["category"].isin(["a", "b", "diff"])]
        assert len(mine) == 3 and mine["suppressed"].all(), item
    shown = set(tops.loc[~tops["suppressed"], "variable"])
    for item in shown:                            # published there, published here with the same value
        a = vs[(vs["variable"] == item) & (vs["category"] == "a")].iloc[0]
        assert not a["suppressed"]
        assert float(a["value"]) == float(tops[tops["variable"] == item]["value"].iloc[0])


def test_an_index_over_an_item_with_a_hidden_mean_is_hidden(S):
    means = _rows(S, "worker_satisfaction", stat="mean")
    assert means["suppressed"].any()
    index = _rows(S, "worker_satisfaction_index", variable="index", stat="mean")
    assert index["suppressed"].all()


def test_public_census_facts_are_shown_and_agree(S):
    """The 一肩挑 count followed from 主任（含一肩挑）= 8 and 主任 = 6; declared public, it is shown, and
    the three figures add up."""
    post = _rows(S, "worker_composition", variable="post", stat="share")
    assert not post["suppressed"].any()
    shoulder = _rows(S, "worker_q_one_shoulder", variable="one_shoulder", stat="share")
    assert not shoulder["suppressed"].any()
    directors = _rows(S, "worker_indicators", variable="directors").iloc[0]
    heads = int(post.loc[post["category"] == "2", "n"].iloc[0])
    both = int(shoulder.loc[shoulder["category"] == "1", "n"].iloc[0])
    assert not directors["suppressed"]
    assert int(directors["n"]) == heads + both


def test_what_a_worker_answered_stays_protected(S):
    """Public covers profile facts only: small cells of schooling and of the ratings stay hidden."""
    edu = _rows(S, "worker_composition", variable="edu", stat="share")
    small = edu[(edu["n"] > 0) & (edu["n"] < config.MIN_CELL)]
    assert len(small) and small["suppressed"].all()
    cells = _rows(S, "worker_satisfaction", stat="share")
    small = cells[(cells["n"] > 0) & (cells["n"] < config.MIN_CELL)]
    assert len(small) and small["suppressed"].all()



def test_no_distribution_of_the_report_has_exactly_one_hidden_cell(S):
    share = S[S["stat"].isin(["share", "pct"]) & S["n"].notna()]
    bad = [k for k, rows in share.groupby(["table", "group", "variable", "stat"])
           if rows["suppressed"].sum() == 1 and rows["base"].iloc[0] >= config.MIN_CELL]
    assert not bad, bad


def test_a_breakdown_does_not_give_back_a_hidden_cell(S):
    """The columns of 按性别 add up to the unit's cell: when the unit hides it, not all columns show it."""
    whole = _rows(S, "worker_composition", stat="share")
    cols = S[(S["table"] == "worker_by_gender") & S["group"].str.startswith(UNIT + "·") & (S["stat"] == "share")]
    checked = 0
    for _, cell in whole[whole["suppressed"]].iterrows():
        parts = cols[(cols["variable"] == cell["variable"]) & (cols["category"] == cell["category"])]
        if len(parts):
            checked += 1
            assert parts["suppressed"].any(), (cell["variable"], cell["category_label"])
    assert checked


def test_a_declared_indicator_is_its_cell(S):
    """专职占比 is the share of 专职 among the answers to 专兼职: shown or hidden with it."""
    for name, var, code in [("full_time_share", "employment", "1"), ("young_share", "age_band", "1"),
                            ("college_share", "edu2", "2")]:
        ind = _rows(S, "worker_indicators", variable=name).iloc[0]
        cell = _rows(S, "worker_composition", variable=var, category=code, stat="share").iloc[0]
        assert bool(ind["suppressed"]) == bool(cell["suppressed"])
        if not ind["suppressed"]:
            assert int(ind["n"]) == int(cell["n"])


def test_the_pooled_group_minus_the_other_units_gives_no_hidden_cell(wave):
    """Across the wave: in every category, a unit's hidden cell is not the pooled count minus the
    other units' published counts (at least two units hide it, or the pooled cell is hidden)."""
    book = wave.codebooks["worker"]
    reports = {d: district_stats(wave, d) for d in wave.districts}
    tables = ["worker_composition", "worker_satisfaction"]
    checked = 0
    for table in tables:
        for variable in _rows(reports[UNIT], table)["variable"].unique():
            if variable in book.report.public:
                continue
            for code in _rows(reports[UNIT], table, variable=variable, stat="share")["category"]:
                cells = {d: _rows(S_, table, group=d, variable=variable, category=code, stat="share")
                         for d, S_ in reports.items()}
                hidden = [d for d, c in cells.items() if len(c) and bool(c["suppressed"].iloc[0])]
                pooled = _rows(reports[UNIT], table, group=config.POOLED_GROUP, variable=variable,
                               category=code, stat="share")
                if len(hidden) == 1 and len(pooled):
                    assert bool(pooled["suppressed"].iloc[0]), (table, variable, code, hidden)
                checked += len(hidden)
    assert checked


def test_every_report_of_the_wave_makes_the_same_decision(wave):
    """The chart of every unit side by side shows each unit's cells as that unit's own report does."""
    chart = by_district(wave, "worker", "sat_workload")
    for d in wave.districts:
        own = _rows(district_stats(wave, d), "worker_satisfaction", group=d, variable="sat_workload")
        theirs = chart[chart["group"] == d].set_index(["category", "stat"])["suppressed"]
        mine = own.set_index(["category", "stat"])["suppressed"]
        assert (theirs.reindex(mine.index) == mine).all(), d


def test_decide_closes_rows_and_columns_against_a_hand_example():
    """Three units × three answers: unit A's lone small cell (3) is protected in its row (the 5) and
    its column (B's 6, the smallest other non-zero), and B's row is then closed as well."""
    counts = pd.DataFrame([[3, 5, 12], [6, 20, 9], [10, 30, 40]], index=list("ABC"), columns=["1", "2", "3"])
    hidden, pooled = coordinated.decide(counts, exempt_base=None)
    assert hidden.loc["A"].tolist() == [True, True, False]
    assert hidden.loc["B", "1"] and hidden.loc["B"].sum() == 2
    for c in counts.columns:
        assert hidden[c].sum() != 1 or pooled[c]
    for r in counts.index:
        assert hidden.loc[r].sum() != 1
    assert not pooled.any()


def test_decide_hides_the_pooled_cell_when_no_other_unit_can_cover():
    counts = pd.DataFrame([[3, 20], [0, 30]], index=list("AB"), columns=["1", "2"])
    hidden, pooled = coordinated.decide(counts, exempt_base=None)
    assert hidden.loc["A", "1"] and pooled["1"]
    assert suppression.complementary(counts.sum().to_numpy(), pooled.to_numpy()).sum() == pooled.sum()


def test_a_chart_draws_a_published_top_box_whose_answers_are_hidden(S):
    """图5 drew 薪酬待遇 with no satisfied segment while the table said 20.5%: both top answers were
    hidden. The diverging chart now draws their published sum as one hatched segment."""
    import matplotlib

    from analysis.publish import charts

    rows = _rows(S, "worker_satisfaction", variable="sat_pay")
    cells = rows[rows["stat"] == "share"].set_index("category")
    top = rows[rows["stat"] == "top2"].iloc[0]
    assert cells.loc[["5", "4"], "suppressed"].all() and not top["suppressed"]
    fig = charts.likert_diverging(S, "worker_satisfaction", UNIT)
    ax = fig.axes[0]
    hatched = [p for p in ax.patches if p.get_hatch()]
    widths = sorted(round(p.get_width(), 1) for p in hatched)
    assert float(top["value"]) in widths
    assert "斜线段为不公布的几档之和" in fig.get_supxlabel()
    matplotlib.pyplot.close(fig)


def test_a_shared_questions_difference_does_not_give_back_a_hidden_share(wave):
    """桥东区's worker–resident comparison printed 中共预备党员 “—” for its workers beside a difference
    of 3.5 points from the residents' 1.0% (worker share 4.5% given back), in every unit's report:
    an answer's difference and tests are hidden wherever either questionnaire's share is hidden."""
    checked = 0
    for unit in wave.districts:
        S = district_stats(wave, unit)
        own = S[(S["stat"] == "share") & (S["group"] == unit) & ~S["table"].str.startswith("shared_")
                & ~S["table"].str.contains("_by_")]
        hidden = {(r.variable, r.category) for r in own.itertuples() if r.suppressed}
        diffs = S[S["table"].str.startswith("shared_") & S["stat"].isin(["diff", "p", "p_adj"])
                  & (S["group"] == unit)]
        for r in diffs.itertuples():
            if (r.variable, r.category) in hidden:
                assert r.suppressed, (unit, r.variable, r.category_label, r.stat, r.value)
                checked += 1
        published = suppression.published(S)
        assert published.loc[S["table"].str.startswith("shared_") & S["suppressed"], "value"].isna().all()
    assert checked                     # the bundled wave has such answers (桥东区's 中共预备党员)
