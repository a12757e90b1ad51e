"""Statistics against hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import stats


def test_largest_remainder_reproduces_seed_004():
    # 桥东区: 63, 309 and 122 of 494 workers; plain rounding gives 12.8 + 62.6 + 24.7 = 100.1
    assert [round(x / 494 * 100, 1) for x in (63, 309, 122)] == [12.8, 62.6, 24.7]
    assert stats.largest_remainder([63, 309, 122]).tolist() == [12.8, 62.5, 24.7]


def test_largest_remainder_always_sums_to_100():
    rng = np.random.default_rng(1)
    for _ in range(2000):
        counts = rng.integers(0, 500, size=rng.integers(2, 9))
        if counts.sum() == 0:
            continue
        pct = stats.largest_remainder(counts)
        assert round(pct.sum(), 6) == 100.0
        exact = counts / counts.sum() * 100
        assert np.all(np.abs(pct - exact) < 0.1 + 1e-9)      # each share moves by less than one unit
    assert np.isnan(stats.largest_remainder([0, 0])).all()


def wilson_by_hand(k, n, z=1.959963984540054):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) * 100, (centre + half) * 100


@pytest.mark.parametrize("k,n", [(63, 494), (0, 45), (45, 45), (3, 7)])
def test_wilson_interval_matches_formula(k, n):
    lo, hi = stats.wilson_ci(np.array([k]), n)
    elo, ehi = wilson_by_hand(k, n)
    assert lo[0] == pytest.approx(elo, abs=1e-9) and hi[0] == pytest.approx(ehi, abs=1e-9)


def test_mean_ci_matches_t_table():
    x = pd.Series([40, 42, 45, 50, 53])          # mean 46, sd sqrt(29.5), t(0.975, 4) = 2.776445
    m, lo, hi = stats.mean_ci(x)
    half = 2.7764451051977987 * math.sqrt(29.5) / math.sqrt(5)
    assert m == 46 and lo == pytest.approx(46 - half) and hi == pytest.approx(46 + half)
    assert np.isnan(stats.mean_ci(pd.Series([3]))[1])


def test_composition_counts_shares_and_suppression(books):
    df = pd.DataFrame({"edu": pd.array([1] * 3 + [2] * 40 + [3] * 30 + [4] * 27 + [None] * 5, dtype="Int64")})
    rows = stats.composition(df, "edu", books["worker"], "测试区", "t", "标题")
    assert rows["n"].tolist() == [3, 40, 30, 27, 0] and (rows["base"] == 100).all()
    assert rows["value"].tolist() == [3.0, 40.0, 30.0, 27.0, 0.0]
    assert rows["category_label"].tolist() == ["初中及以下", "高中/中专", "大专", "本科", "研究生"]
    assert not rows["suppressed"].any()               # base 100 is exempt: 3 of 100 identifies nobody
    assert rows["value"].sum() == 100.0
    small = stats.composition(df.iloc[3:], "edu", books["worker"], "测试区", "t", "标题",
                              exempt_base=None)       # the same cell under the rule: 3 < 5, and its complement
    assert small["n"].tolist() == [0, 40, 30, 27, 0] and not small["suppressed"].any()
    rule = stats.composition(df, "edu", books["worker"], "测试区", "t", "标题", exempt_base=None)
    assert rule["suppressed"].tolist() == [True, False, False, True, False]   # 3 primary, 27 complementary


def test_likert_order_mean_and_top_two(books):
    answers = [5] * 10 + [4] * 20 + [3] * 5 + [2] * 4 + [1] * 1 + [None] * 3
    df = pd.DataFrame({"sat_pay": pd.array(answers, dtype="Int64")})
    rows = stats.likert(df, "sat_pay", books["worker"], "测试区", "t", "标题").set_index("stat")
    shares = rows.loc["share"]
    assert shares["category_label"].tolist() == ["非常满意", "比较满意", "一般", "不太满意", "很不满意"]
    assert shares["value"].tolist() == [25.0, 50.0, 12.5, 10.0, 2.5]
    mean = (5 * 10 + 4 * 20 + 3 * 5 + 2 * 4 + 1) / 40
    assert rows.loc["mean", "exact"] == pytest.approx(mean) and rows.loc["mean", "value"] == round(mean, 2)
    assert rows.loc["top2", "n"] == 30 and rows.loc["top2", "value"] == 75.0 and rows.loc["top2", "base"] == 40
    # net = (非常满意 + 比较满意 − 不太满意 − 很不满意) / valid: (10 + 20 − 4 − 1) / 40 = 62.5 points
    assert rows.loc["net", "value"] == 62.5 and rows.loc["net", "base"] == 40 and not rows.loc["net", "suppressed"]


def test_likert_net_is_hidden_only_when_it_would_give_a_hidden_cell_away(books):
    def rows(answers):
        return stats.likert(pd.DataFrame({"sat_pay": pd.array(answers, dtype="Int64")}), "sat_pay",
                            books["worker"], "乙区").set_index("category")
    # 不太满意 3 (hidden) and 很不满意 7 (hidden with it): both inside the bottom box, so the net
    # gives only their sum away, as the 满意率 gives only the top box's: (30 − 10) / 49 = 40.8
    both_low = rows([5] * 10 + [4] * 20 + [3] * 9 + [2] * 3 + [1] * 7)
    assert both_low.loc[["2", "1"], "suppressed"].tolist() == [True, True]
    assert both_low.loc["net", "value"] == 40.8 and not both_low.loc["net", "suppressed"]
    # 一般 3 and 不太满意 4 hidden: with the net, 满意率 and 很不满意 published, 不太满意 = 4 would follow
    one_low = rows([5] * 10 + [4] * 20 + [3] * 3 + [2] * 4 + [1] * 12)
    assert one_low.loc[["3", "2"], "suppressed"].tolist() == [True, True]
    assert one_low.loc["net", "suppressed"] and not one_low.loc["top2", "suppressed"]
    assert one_low.loc["net", "exact"] == pytest.approx((30 - 16) / 49 * 100)


def test_lookup_finds_exactly_one_row(books):
    df = pd.DataFrame({"gender": pd.array([1, 2, 2], dtype="Int64")})
    S = stats.composition(df, "gender", books["worker"], "甲区", "t", "标题")
    assert stats.lookup(S, "t", "gender", "2", "share", "甲区")["n"] == 2
    with pytest.raises(KeyError):
        stats.lookup(S, "t", "gender", "9")
