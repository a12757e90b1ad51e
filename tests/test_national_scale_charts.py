"""A national survey has some 2,800 districts: the district comparison in each report and the
overview must stay a readable page (and a PNG matplotlib can save), and the side-by-side table
is computed in one pass and once per process."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from analysis import stats
from analysis.config import POOLED_GROUP
from analysis.publish import charts


@pytest.fixture(scope="module")
def national(books):
    rng = np.random.default_rng(5)
    book = books["resident"]
    names = [f"第{i:03d}县" for i in range(300)]
    district = np.repeat(names, 60)
    # satisfaction rising with the district's number; no district small enough to be suppressed
    p_high = np.repeat(np.linspace(0.3, 0.8, 300), 60)
    answer = np.where(rng.random(len(district)) < p_high, rng.choice([4, 5], len(district)),
                      rng.choice([1, 2, 3], len(district)))
    df = pd.DataFrame({book.role("district"): pd.array(district, dtype="string"),
                       "sat_overall": pd.array(answer, dtype="Int64")})
    # the side-by-side table alone: no unit reports whose one decision it must follow (that path,
    # stats.district.wave_stats, is checked in test_wave_decision on a wave of real reports)
    return types.SimpleNamespace(frames={"resident": df}, codebooks=books, districts=[]), names


def test_by_district_in_one_pass_equals_each_district_alone(national, books):
    wave, names = national
    stats.district._POOLED.clear()
    S = stats.by_district(wave, "resident", "sat_overall").copy()
    df = wave.frames["resident"]
    for name in (names[0], names[123], POOLED_GROUP):
        rows = df if name == POOLED_GROUP else df[df["district"] == name]
        alone = stats.likert(rows, "sat_overall", books["resident"], name, "resident_satisfaction",
                             S["table_title"].iloc[0])
        pd.testing.assert_frame_equal(S[S["group"] == name].reset_index(drop=True), alone)
    again = stats.by_district(wave, "resident", "sat_overall")          # from the process's cache
    pd.testing.assert_frame_equal(again, S)
    again.loc[:, "value"] = -1000                                       # a caller's copy
    pd.testing.assert_frame_equal(stats.by_district(wave, "resident", "sat_overall"), S)


def test_district_comparison_of_300_districts_shows_the_ends_and_the_district(national, tmp_path):
    wave, names = national
    S = stats.by_district(wave, "resident", "sat_overall")
    top2 = S[(S["stat"] == "top2") & (S["group"] != POOLED_GROUP)]
    published = top2[~top2["suppressed"]].sort_values(["value", "group"], ascending=[False, True])
    hidden = sorted(top2.loc[top2["suppressed"], "group"])
    assert len(published) > 250
    me = published["group"].iloc[149]
    my_rank = 1 + int((published["value"] > published["value"].iloc[149]).sum())  # ties share the better rank
    fig = charts.district_comparison(S, "resident_satisfaction", "sat_overall", highlight=me)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    shown = [lab for lab in labels if lab]
    assert len(shown) == 10 + 10 + 5 and labels.count("") == 2           # two runs left out
    assert f"{me}（第{my_rank}名）" in shown and labels[0] == f"{published['group'].iloc[0]}（第1名）"
    last_rank = 1 + int((published["value"] > published["value"].iloc[-1]).sum())
    assert labels[-1] == f"{published['group'].iloc[-1]}（第{last_rank}名）"
    assert not set(hidden) & {lab.split("（")[0] for lab in shown}       # no value, no rank: counted instead
    caption = " ".join(t.get_text() for t in fig.texts)
    assert f"另有{len(hidden)}个区县样本过少" in caption if hidden else "样本过少、未列出" not in caption
    gaps = [t.get_text() for t in ax.texts if t.get_text().startswith("⋯")]
    assert sum(int(g.split()[2]) for g in gaps) == len(published) - 25 and len(gaps) == 2
    assert any("共300个区县" in t.get_text() for t in fig.texts)
    png = charts.save_figure(fig, tmp_path, "national")["png"]
    assert Image.open(png).size[1] < 4000                                # a page, not 300 rows


def test_a_handful_of_districts_are_all_drawn(national):
    wave, names = national
    S = stats.by_district(wave, "resident", "sat_overall")
    few = S[S["group"].isin(names[:12] + [POOLED_GROUP])]
    fig = charts.district_comparison(few, "resident_satisfaction", "sat_overall", highlight=names[3])
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert sorted(labels) == sorted(names[:12]) and not any("⋯" in t.get_text() for t in fig.axes[0].texts)
