"""Sentences true by construction (issue 17, point 2): a property test over generated stats tables
of any size, census or sample, with cells hidden by the real suppression policy. The numbers and the
ranking each sentence asserts are parsed back and checked against the whole table — hidden cells
included, which the sentence must not have been able to contradict — and the 裕华区 case of the
issue (a 最低 claim over 2 of 5 items, naming the highest) is pinned down."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.publish import narrative
from analysis.stats import suppression
from analysis.stats.base import make_rows, wilson_ci

G = "某区"
QUOTED = re.compile(r"“([^”]+)”（(-?\d+\.\d)%）")


def _battery(counts: list[list[int]], census: bool) -> pd.DataFrame:
    """A battery table: one item per row of ``counts`` (answers 5…1), its top-two share and mean,
    hidden cells as the suppression policy decides them."""
    parts = []
    for i, row in enumerate(counts):
        n = np.array(row)
        base = int(n.sum())
        hidden = suppression.distribution(n, base)
        hide_mean, hide_top = suppression.summaries([5, 4, 3, 2, 1], hidden, (5, 4))
        top = int(n[:2].sum())
        value = round(top / base * 100 + 1e-9, 1) if base else np.nan
        lo, hi = wilson_ci(np.array([top]), base)
        small = base < 5
        parts.append(make_rows(table="t", table_title="满意度", group=G, variable=f"v{i}", variable_label=f"第{i}项",
                               category="top2", category_label="非常满意＋比较满意", order=[i + 1], stat="top2",
                               n=top, base=base, base_label="有效回答", value=value, exact=value,
                               ci_low=np.nan if census else round(float(lo[0]), 1),
                               ci_high=np.nan if census else round(float(hi[0]), 1),
                               suppressed=bool(small or hide_top or base == 0)))
    return pd.concat(parts, ignore_index=True)


counts_strategy = st.lists(st.lists(st.integers(0, 40), min_size=5, max_size=5), min_size=2, max_size=6)


def _segment(text: str, start: str, stop: str) -> str:
    i = text.index(start) + len(start)
    j = text.find(stop, i)
    return text[i:j if j >= 0 else len(text)]


def _check_leaders(S: pd.DataFrame, named: list[tuple[str, str]], highest: bool) -> None:
    rows = S.set_index("variable_label")
    assert named
    assert not rows["suppressed"].any(), "a ranking over a table with a hidden item"
    for name, printed in named:
        assert narrative.fmt(rows.loc[name]) == printed + "%"
    names = {n for n, _ in named}
    first = rows.loc[named[0][0]]
    for other, r in rows.iterrows():
        if other in names:
            continue
        # every item left out is published, on the right side and told apart from the leader
        assert (float(first["value"]) > float(r["value"])) if highest else (float(first["value"]) < float(r["value"]))
        assert narrative.apart(first, r)
    for name in names:                               # the leaders are the extreme ones
        v = float(rows.loc[name, "value"])
        others = [float(x) for o, x in rows["value"].items() if o not in names]
        assert all((v > x) if highest else (v < x) for x in others)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=counts_strategy, census=st.booleans())
def test_battery_sentences_say_only_what_the_table_shows(counts, census):
    S = _battery(counts, census)
    (text,) = narrative.battery_sentences(S, "t", G, None) or [""]
    if "最高的是" in text:
        _check_leaders(S, QUOTED.findall(_segment(text, "最高的是", "，最低的是")), highest=True)
        _check_leaders(S, QUOTED.findall(_segment(text, "最低的是", "。")), highest=False)
    else:
        assert "最低" not in text
    if "依次为" in text:                             # the published items, in order, with their values
        listed = re.findall(r"(第\d+项)(-?\d+\.\d)%", text)
        shown = S[~S["suppressed"]].sort_values("order")
        assert [(n, v) for n, v in listed] == [(r.variable_label, f"{r.value:.1f}") for r in shown.itertuples()]
        hidden = int(S["suppressed"].sum())
        assert (f"另有{hidden}项人数过少未公布" in text) == bool(hidden)
    low = narrative.low_items_sentences(S, "t", G, None, "工作者", "满意度评价")
    if low:
        _check_leaders(S, re.findall(r"(第\d+项)（满意率(-?\d+\.\d)%）", low[0]), highest=False)
    for name, printed in QUOTED.findall(text):
        row = S.set_index("variable_label").loc[name]
        assert not row["suppressed"] and narrative.fmt(row) == printed + "%"


def _single(counts: list[int], census: bool) -> pd.DataFrame:
    n = np.array(counts)
    base = int(n.sum())
    hidden = suppression.distribution(n, base)
    lo, hi = wilson_ci(n, base)
    value = np.round(n / base * 100 + 1e-9, 1)
    return make_rows(table="q", table_title="单选", group=G, variable="q", variable_label="去向",
                     category=[str(i + 1) for i in range(len(n))], category_label=[f"选项{i + 1}" for i in range(len(n))],
                     order=np.arange(1, len(n) + 1), stat="share", n=n, base=base, base_label="有效回答",
                     value=value, exact=value, ci_low=np.nan if census else np.round(lo, 1),
                     ci_high=np.nan if census else np.round(hi, 1), suppressed=hidden)


@settings(max_examples=150, deadline=None)
@given(counts=st.lists(st.integers(0, 60), min_size=2, max_size=6).filter(lambda c: sum(c) >= 5),
       census=st.booleans())
def test_the_most_chosen_answer_is_the_most_chosen_hidden_cells_included(counts, census):
    S = _single(counts, census)
    out = narrative.single_sentences(S, "q", G)
    if not out:
        return
    text = out[0]
    rows = S.set_index("category_label")
    if "各项依次为" in text:                # no answer leads: every share, in order, none hidden, nothing ranked
        listed = re.findall(r"“(选项\d+)”(\d+\.\d)%", text)
        assert listed == [(r.category_label, f"{r.value:.1f}") for r in S.sort_values("order").itertuples()]
        assert not S["suppressed"].any() and "最" not in text
        assert all(not narrative.apart(a, b) for _, a in S.iterrows() for _, b in S.iterrows())
        return
    first = QUOTED.findall(_segment(text, "选择最多的是", "，其次是"))
    names = {n for n, _ in first}
    for name, printed in first:
        assert not rows.loc[name, "suppressed"] and narrative.fmt(rows.loc[name]) == printed + "%"
        # the truth, hidden cells included: nobody outside the named answers was chosen as often
        assert all(int(rows.loc[name, "n"]) > int(r["n"]) for o, r in rows.iterrows() if o not in names)
    if "其次是" in text:
        second = QUOTED.findall(_segment(text, "其次是", "。"))
        both = names | {n for n, _ in second}
        for name, _ in second:
            assert all(int(rows.loc[name, "n"]) > int(r["n"]) for o, r in rows.iterrows() if o not in both)
            assert all(int(rows.loc[f, "n"]) > int(rows.loc[name, "n"]) for f in names)


def test_the_issue_case_no_lowest_over_two_of_five_items():
    """裕华区: “least satisfied with 薪酬待遇 (20.5%) and 工作认可 (77.3%)” — 77.3% was the highest and
    three of five items were hidden. Now no 最低/较低 is said; the published items are listed."""
    counts = [[4, 5, 20, 9, 6], [1, 12, 26, 3, 3], [7, 21, 13, 3, 0], [5, 11, 14, 11, 4], [10, 24, 10, 0, 0]]
    S = _battery(counts, census=True)
    S.loc[S["variable"].isin(["v1", "v2", "v3"]), "suppressed"] = True      # as the report decided
    assert narrative.low_items_sentences(S, "t", G, None, "社区工作者", "满意度评价") == []
    (text,) = narrative.battery_sentences(S, "t", G, None)
    assert "最低" not in text and "最高" not in text
    assert "第0项20.5%、第4项77.3%（另有3项人数过少未公布，无法排出高低）" in text


def test_a_sample_does_not_rank_what_its_intervals_cannot_tell_apart():
    counts = [[10, 10, 10, 5, 5], [9, 10, 11, 5, 5], [2, 3, 10, 15, 10]]     # 50.0 / 47.5 / 12.5
    sample = narrative.low_items_sentences(_battery(counts, census=False), "t", G, None, "居民", "满意度")
    assert "最低的是第2项" in sample[0]
    (text,) = narrative.battery_sentences(_battery(counts, census=False), "t", G, None)
    assert "最高的是“第0项”（50.0%）、“第1项”（47.5%）（两者相差在抽样误差范围内）" in text
    (census,) = narrative.battery_sentences(_battery(counts, census=True), "t", G, None)
    assert "最高的是“第0项”（50.0%），最低的是“第2项”（12.5%）" in census


def test_overview_ranks_overlapping_intervals_as_tied():
    """The overview ranked 裕华区 (74.0, 66.6–80.3) above 桥东区 (71.2, 67.1–74.9); overlapping, they tie."""
    from analysis.publish.overview import _ranks

    values = [74.0, 71.2, 55.0, None]
    spans = [(66.6, 80.3), (67.1, 74.9), (50.1, 59.8), None]
    assert _ranks(values, spans) == ["1（并列）", "1（并列）", "3", "—"]
    assert _ranks([80.0, 70.0, 70.0]) == ["1", "2（并列）", "2（并列）"]          # a census: by value


def test_overview_ranks_the_bundled_wave_with_ties(tmp_path):
    """On stats.json as reports write them: a unit is ranked below another only when the other's
    interval lies wholly above its own."""
    import json

    from analysis.publish.overview import write_index_html

    rows = []
    for d, (v, lo, hi) in {"甲区": (74.0, 66.6, 80.3), "乙区": (71.2, 67.1, 74.9), "丙区": (50.0, 45.0, 55.0)}.items():
        rows.append({"table": "r_sat", "table_title": "", "group": d, "variable": "o", "variable_label": "总体",
                     "category": "top2", "category_label": "非常满意＋比较满意", "order": 1, "stat": "top2",
                     "n": 50, "base": 100, "base_label": "有效回答", "value": v, "exact": v, "ci_low": lo,
                     "ci_high": hi, "suppressed": False})
        folder = tmp_path / d
        folder.mkdir()
        meta = {"district": d, "headlines": [{"header": "总体满意率（95%置信区间）", "table": "r_sat", "variable": "o",
                                              "stat": "top2", "category": "top2", "percent": True, "rank": True}]}
        (folder / "stats.json").write_text(json.dumps({"meta": meta, "rows": [rows[-1]]}, ensure_ascii=False),
                                           encoding="utf-8")
    write_index_html(tmp_path, "2026")
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    assert body.count("<td>1（并列）</td>") == 2 and "<td>3</td>" in body
    assert "区间重叠的名次相同（并列）" in page
