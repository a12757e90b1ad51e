"""Totals and the rounding rule (issue 17, point 3): 裕华区 printed 25/45 as 55.5 (largest
remainder) where a reader checking gets 55.6; party members by kind added up to 10914 of 10936
(桥东区) and 1622 of 1615 (裕华区) with no 合计 row and no note, while the appendix claimed every
total is 100.0%."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import config
from analysis.publish import narrative, tables
from analysis.stats import base, distributions, indicators


def _decimal(x: float) -> float:
    return float(Decimal(repr(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@given(n=st.integers(0, 2000), total=st.integers(1, 2000))
def test_a_share_is_its_exact_share_rounded_half_up(n, total):
    n = min(n, total)
    exact = n / total * 100
    assert float(base.half_up(exact)) == _decimal(round(exact, 9))


def test_25_of_45_reads_55_6(books):
    df = pd.DataFrame({"party": pd.array([1] * 25 + [2] * 3 + [5] * 17, dtype="Int64")})
    rows = distributions.composition(df, "party", books["worker"], "裕华区").set_index("category")
    assert rows.loc["1", "value"] == 55.6 and rows.loc["5", "value"] == 37.8 and rows.loc["2", "value"] == 6.7
    assert rows["value"].sum() == pytest.approx(100.1)
    note = tables.table_note(rows.reset_index().assign(suppressed=False), "worker_composition", "裕华区")
    assert "四舍五入" in note and "与100.0略有出入" in note


def test_largest_remainder_only_when_chosen_and_then_the_note_says_so(books, monkeypatch):
    monkeypatch.setattr(config, "SHARE_ROUNDING", "largest_remainder")
    assert base.shares([25, 3, 17]).tolist() == [55.5, 6.7, 37.8]
    assert "最大余数法" in tables.rounding_note() and "最大余数法" in "".join(narrative.method_sentences(
        pd.DataFrame(columns=base.COLUMNS), "某区", False))
    monkeypatch.setattr(config, "SHARE_ROUNDING", "half_up")
    assert base.shares([25, 3, 17]).tolist() == [55.6, 6.7, 37.8]


def test_the_appendix_no_longer_claims_every_total_is_100():
    text = "".join(narrative.method_sentences(pd.DataFrame(columns=base.COLUMNS), "某区", False))
    assert "各项合计为100.0%" not in text and "四舍五入" in text
    assert "普查" in text and "不附置信区间" in text


def _community(books, members: list[tuple]) -> pd.DataFrame:
    cols = ["members_total", "members_retired", "members_laidoff", "members_employed", "members_floating"]
    return pd.DataFrame([dict(zip(cols, m)) for m in members]).astype("Float64")


def test_parts_of_a_whole_carry_a_total_row_and_say_what_is_missing(books):
    """Three communities; the third left two kinds empty: 6+1+2+1 + 5+1+1+1 + 3+0 = 21 of 25."""
    book = books["community"]
    df = _community(books, [(10, 6, 1, 2, 1), (8, 5, 1, 1, 1), (7, 3, 0, np.nan, np.nan)])
    parts = pd.concat(indicators.parts_totals(df, book, "某区", "community_indicators", "主要指标", 20))
    parts["suppressed"] = False                  # three communities: under MIN_CELL, shown here to read them
    total = parts.set_index("variable").loc["members_total_parts"]
    assert (int(total["n"]), int(total["base"])) == (21, 25)
    assert total["value"] == _decimal(21 / 25 * 100) == 84.0
    missing = parts.set_index("variable").loc["members_total_parts_missing"]
    assert int(missing["n"]) == 1 and int(missing["base"]) == 3
    note = tables.table_note(parts, "community_indicators", "某区")
    assert "以上4项合计21，比党员总数合计25少4，有1个社区只填写了部分分项" in note
    shown = tables.display_table(parts, "community_indicators", "某区")
    assert shown["指标"].tolist()[0] == "以上4项合计占党员总数" and shown["数值"].tolist()[0] == "84.0%"


def test_parts_over_the_whole_say_so(books):
    book = books["community"]
    df = _community(books, [(10, 7, 1, 2, 1)] * 6)        # 11 of 10 in each: reported inconsistently
    parts = pd.concat(indicators.parts_totals(df, book, "某区", "community_indicators", "主要指标", 20))
    note = tables.table_note(parts, "community_indicators", "某区")
    assert "以上4项合计66，比党员总数合计60多6（各分项的填报与总数不一致）" in note


def test_bundled_community_sheets_sum_as_the_issue_counted(tmp_path_factory):
    """桥东区: 6540 + 1108 + 2728 + 538 = 10914 of 10936, in S and in the table's note."""
    from analysis import clean
    from analysis.stats.district import district_stats

    w = clean.prepare_wave(config.DEFAULT_WAVE, processed_dir=tmp_path_factory.mktemp("processed"))
    S = district_stats(w, "桥东区")
    rows = S[(S["table"] == "community_indicators") & (S["group"] == "桥东区")].set_index("variable")
    parts = [int(rows.loc[v, "n"]) for v in ("retired_share", "laidoff_share", "employed_share", "floating_share")]
    total = rows.loc["members_total_parts"]
    assert sum(parts) == int(total["n"]) and int(total["base"]) == int(rows.loc["retired_share", "base"])
    note = tables.table_note(S, "community_indicators", "桥东区")
    assert f"合计{sum(parts)}，比党员总数合计{int(total['base'])}少{int(total['base']) - sum(parts)}" in note
    assert not rows.loc["org_rate", "suppressed"]          # a community's organisations are public facts
