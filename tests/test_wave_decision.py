"""One suppression decision across the wave (issue 17): the gaps the first version left. A wave of
a small made-up questionnaire (a profile with a breakdown, a single choice with typed 其他, a
multiple choice, a one-variable and a compound indicator) goes through ``district_stats`` for every
unit; then no hidden figure of any unit may follow, by exact linear algebra, from what the reports
publish: the pooled group is the sum of the units, a distribution's cells add up to its base, a
breakdown's columns add up to the unit's cell, an indicator over one variable's codes is the sum of
those cells. Plus one hand-made wave per gap, each failing before the fix."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import config
from analysis.clean.wave import Wave
from analysis.spec import codebook as cb
from analysis.stats.district import by_district, district_stats

CODEBOOK = """
instrument: probe
title: 测试问卷
respondent: 受访者
census: true
survey_date: 2026-09-15
variables:
  - {name: district, question: 所在单位, label: 单位, type: text, role: district, required: true}
  - {name: gender, question: 性别, label: 性别, type: single, values: {1: 男, 2: 女}}
  - {name: edu, question: 文化程度, label: 文化程度, type: single, values: {1: 初中, 2: 高中, 3: 大学}}
  - {name: choice, question: 最需要的服务, label: 最需要的服务, type: single, values: {1: 养老, 2: 托育, 3: 其他}}
  - {name: opts, question: 用过的服务, label: 用过的服务, type: multi, values: {1: 证明, 2: 文体, 3: 其他}}
report:
  profile: [gender, edu]
  breakdowns: [gender]
  indicators:
    - {name: low_edu, label: 高中及以下占比, share: "edu == 1 or edu == 2", of: edu}
    - {name: mixed, label: 初中或托育占比, share: "edu == 1 or choice == 2"}
"""
UNITS = ["甲区", "乙区", "丙区", "丁区", "戊区", "己区"]
P = config.POOLED_GROUP
GENDER = {1: "男", 2: "女"}


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("codebooks") / "probe.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    return cb.load(path)


def _wave(book, people: list[dict]) -> Wave:
    """The cleaned frame as ``prepare_wave`` leaves it: codes as Int64, a multiple choice as 0/1
    columns, typed 其他 text as a 0/1 ``__other`` column, the unit's name as a string."""
    df = pd.DataFrame(people)
    for col in df.columns:
        df[col] = df[col].astype("string") if col == "district" else df[col].astype("Int64")
    flow = pd.DataFrame(columns=["district", "instrument", "received", "valid"])
    return Wave("t", {"probe": df}, pd.DataFrame(), pd.DataFrame(), flow, pd.DataFrame(), {"probe": book}, {})


def _person(unit, gender=1, edu=3, choice=1, typed=0, opts=(0, 0, 0), opts_typed=0) -> dict:
    return {"district": unit, "gender": gender, "edu": edu, "choice": choice, "choice__other": typed,
            **{f"opts__{k + 1}": v for k, v in enumerate(opts)}, "opts__other": opts_typed}


def _reports(wave) -> dict[str, pd.DataFrame]:
    return {u: district_stats(wave, u) for u in wave.districts}


# -- the relations a reader can use ----------------------------------------------------------------

FAMILY = {"share": "cell", "pct": "cell", "response_share": "cell", "case_share": "cell", "count": "count",
          "rate": "rate"}


def _figures(reports: dict[str, pd.DataFrame]) -> dict[tuple, tuple[int, bool, int]]:
    """(owner, column, table, variable, family, category) → (n, hidden, base) of every count-like
    figure the reports print; the same figure printed twice must carry one decision."""
    out: dict[tuple, tuple[int, bool, int]] = {}
    units = list(reports)
    for u, S in reports.items():
        rows = S[S["stat"].isin(list(FAMILY)) & S["n"].notna() & (S["category"] != "missing")]
        for r in rows.itertuples():
            g = str(r.group)
            owner = next((o for o in [*units, P] if g == o or g.startswith(o + "·")), None)
            if owner is None or (owner != P and owner != u):
                continue
            key = (owner, g[len(owner):], r.table, r.variable, FAMILY[r.stat], str(r.category))
            value = (int(r.n), bool(r.suppressed), int(r.base))
            if key in out:
                assert out[key][:2] == value[:2], ("one figure, two decisions", key, out[key], value)
            out[key] = value
    return out


def _equations(fig: dict[tuple, tuple[int, bool, int]], units: list[str]) -> list[tuple[dict, int]]:
    """Linear equations Σ coef·figure = constant that hold between the printed figures."""
    eqs: list[tuple[dict, int]] = []
    columns: dict[tuple, list] = {}
    totals: dict[tuple, list] = {}
    for key, (_, _, base) in fig.items():
        owner, col, table, variable, fam, cat = key
        columns.setdefault((col, table, variable, fam, cat), []).append(key)
        if fam == "cell" and cat != "other":
            totals.setdefault((owner, col, table, variable), []).append((key, base))
    for members in columns.values():                     # pooled = Σ units
        pooled = [k for k in members if k[0] == P]
        if pooled and len(members) == len(units) + 1:       # a unit without the row adds an unknown
            eqs.append(({**{k: 1 for k in members if k[0] != P}, pooled[0]: -1}, 0))
    for members in totals.values():                      # Σ cells = the printed base
        eqs.append(({k: 1 for k, _ in members}, members[0][1]))
    for key in fig:                                      # breakdown columns add up to the cell
        owner, col, table, variable, fam, cat = key
        if col == "" and fam == "cell" and table.endswith("_composition"):
            parts = [k for k in fig if k[0] == owner and k[1] and k[2].endswith("_by_gender")
                     and k[3] == variable and k[5] == cat]
            if parts:
                eqs.append(({**{k: 1 for k in parts}, key: -1}, 0))
    for owner in [*units, P]:                            # low_edu = the cells 初中 + 高中
        ind = (owner, "", "probe_indicators", "low_edu", "rate", "")
        cells = [(owner, "", "probe_composition", "edu", "cell", c) for c in ("1", "2")]
        if ind in fig and all(c in fig for c in cells):
            eqs.append(({ind: 1, cells[0]: -1, cells[1]: -1}, 0))
    return eqs


def _recoverable(fig: dict[tuple, tuple[int, bool, int]], units: list[str]) -> list[tuple]:
    """The hidden non-zero figures the published ones determine (exact elimination over the
    rationals)."""
    hidden = sorted(k for k, (_, h, _) in fig.items() if h)
    at = {k: i for i, k in enumerate(hidden)}
    rows = []
    for coef, _const in _equations(fig, units):      # the system holds: only its rank matters
        row = [Fraction(0)] * len(hidden)
        for k, a in coef.items():
            if k in at:
                row[at[k]] += a
        if any(row):
            rows.append(row)
    basis: list[tuple[int, list[Fraction]]] = []            # reduced rows with their pivot
    for row in rows:
        row = _reduce(row, basis)
        pivot = next((j for j, x in enumerate(row) if x), None)
        if pivot is not None:
            row = [x / row[pivot] for x in row]
            basis = [(p, [x - b[pivot] * y for x, y in zip(b, row)]) for p, b in basis]
            basis.append((pivot, row))
    out = []
    for k, i in at.items():
        if fig[k][0] == 0:             # a hidden 0 (a column under 5) given back says “nobody”: the
            continue                   # policy publishes zeros anyway (stats/suppression.py, step 1)
        unit_vector = [Fraction(int(j == i)) for j in range(len(hidden))]
        if not any(_reduce(unit_vector, basis)):
            out.append(k)
    return out


def _reduce(row: list[Fraction], basis) -> list[Fraction]:
    row = list(row)
    for p, b in basis:
        if row[p]:
            f = row[p]
            row = [x - f * y for x, y in zip(row, b)]
    return row


def test_the_checker_finds_what_the_first_version_gave_back():
    """The checker itself: a hidden cell alone in its column, next to a printed pooled cell and two
    printed units, is recovered; with a second unit hidden it is not."""
    fig = {("A", "", "t", "v", "cell", "1"): (3, True, 10), ("A", "", "t", "v", "cell", "2"): (7, True, 10),
           ("B", "", "t", "v", "cell", "1"): (6, False, 12), ("B", "", "t", "v", "cell", "2"): (6, False, 12),
           (P, "", "t", "v", "cell", "1"): (9, False, 22), (P, "", "t", "v", "cell", "2"): (13, False, 22)}
    assert set(_recoverable(fig, ["A", "B"])) == {("A", "", "t", "v", "cell", "1"), ("A", "", "t", "v", "cell", "2")}
    fig[("B", "", "t", "v", "cell", "1")] = (6, True, 12)
    fig[("B", "", "t", "v", "cell", "2")] = (6, True, 12)
    assert _recoverable(fig, ["A", "B"]) == []


# -- one hand-made wave per gap --------------------------------------------------------------------

def _check(wave) -> dict[str, pd.DataFrame]:
    reports = _reports(wave)
    fig = _figures(reports)
    assert not _recoverable(fig, list(reports)), _recoverable(fig, list(reports))
    return reports


def test_typed_other_counts_are_decided_across_the_wave(book):
    """甲区: 2 typed their 其他 (hidden), 乙区 6, 丙区 7, the pooled 15 printed: 15 − 6 − 7 gave 2 back."""
    people = []
    for unit, typed in (("甲区", 2), ("乙区", 6), ("丙区", 7)):
        people += [_person(unit, gender=1 + i % 2, edu=1 + i % 3, choice=3, typed=int(i < typed),
                           opts=(1, 1, 0)) for i in range(30)]
    reports = _check(_wave(book, people))
    typed = {u: S[(S["group"] == u) & (S["variable"] == "choice") & (S["category"] == "other")].iloc[0]
             for u, S in reports.items()}
    assert bool(typed["甲区"]["suppressed"]) and sum(bool(r["suppressed"]) for r in typed.values()) >= 2


def test_multiple_choice_options_are_decided_across_the_wave(book):
    """Option 文体 chosen by 2 in 甲区 (hidden), 6 and 8 elsewhere, 16 in all: each option is a
    distribution of its own across the units."""
    people = []
    for unit, chosen in (("甲区", 2), ("乙区", 6), ("丙区", 8)):
        people += [_person(unit, gender=1 + i % 2, edu=1 + i % 3, choice=1 + i % 2,
                           opts=(1, int(i < chosen), 1)) for i in range(30)]
    reports = _check(_wave(book, people))
    cells = {u: S[(S["group"] == u) & (S["variable"] == "opts") & (S["category"] == "2")]
             for u, S in reports.items()}
    assert cells["甲区"]["suppressed"].all()
    assert sum(bool(c["suppressed"].all()) for c in cells.values()) >= 2
    for c in cells.values():                     # of mentions and of respondents: one decision
        assert c["suppressed"].nunique() == 1


def test_a_cell_hidden_by_a_breakdown_is_seen_by_the_other_units(book):
    """甲区 has 120 respondents (its one-way cells are published), 3 of them with 初中, all men: the
    男 column hides its 3, so 甲区's own 初中 cell is hidden with it. The pooled 初中 minus the
    other units' used to give it back."""
    people = [_person("甲区", gender=1 if i < 3 else 1 + i % 2, edu=1 if i < 3 else 2 + i % 2) for i in range(120)]
    people += [_person("乙区", gender=1 + i % 2, edu=1 + i % 3) for i in range(24)]
    people += [_person("丙区", gender=1 + i % 2, edu=1 + (i // 2) % 3) for i in range(30)]
    reports = _check(_wave(book, people))
    mine = reports["甲区"]
    cell = mine[(mine["group"] == "甲区") & (mine["table"] == "probe_composition") & (mine["variable"] == "edu")
                & (mine["category"] == "1")].iloc[0]
    assert bool(cell["suppressed"]), "the breakdown hides it in 甲区's report"


def test_indicators_follow_the_cells_they_rest_on(book):
    """高中及以下 is 初中 + 高中: with 初中 hidden and 高中 shown it gave 初中 back; the compound 初中或托育
    is hidden where a cell of 文化程度 or 最需要的服务 is."""
    people = []
    for unit, low in (("甲区", 2), ("乙区", 0), ("丙区", 0)):
        people += [_person(unit, gender=1 + i % 2, edu=1 if i < low else 2 + i % 2, choice=1 + i % 2)
                   for i in range(40)]
    reports = _check(_wave(book, people))
    S = reports["甲区"]
    ind = S[(S["group"] == "甲区") & (S["table"] == "probe_indicators")].set_index("variable")["suppressed"]
    edu = S[(S["group"] == "甲区") & (S["table"] == "probe_composition") & (S["variable"] == "edu")]
    assert edu["suppressed"].any()
    assert ind["low_edu"] and ind["mixed"]


def test_by_district_draws_each_unit_as_its_own_report_does(book):
    people = [_person("甲区", gender=1 if i < 3 else 1 + i % 2, edu=1 if i < 3 else 2 + i % 2) for i in range(120)]
    people += [_person(u, gender=1 + i % 2, edu=1 + i % 3) for u in ("乙区", "丙区") for i in range(24)]
    wave = _wave(book, people)
    chart = by_district(wave, "probe", "edu")
    for u in wave.districts:
        own = district_stats(wave, u)
        own = own[(own["group"] == u) & (own["table"] == "probe_composition") & (own["variable"] == "edu")]
        theirs = chart[chart["group"] == u].set_index(["category", "stat"])["suppressed"]
        mine = own.set_index(["category", "stat"])["suppressed"]
        assert (theirs.reindex(mine.index) == mine).all(), u


# -- the property ----------------------------------------------------------------------------------

@st.composite
def waves(draw):
    n_units = draw(st.integers(3, 6))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    people = []
    for unit in UNITS[:n_units]:
        table = draw(st.lists(st.integers(0, 9), min_size=6, max_size=6))   # gender × edu
        if draw(st.booleans()) and draw(st.booleans()):
            table[draw(st.integers(0, 5))] += 100           # a unit past the exempt base
        if sum(table) == 0:
            table[0] = 1
        for cell, count in enumerate(table):
            for _ in range(count):
                choice = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
                opts = tuple(int(x) for x in rng.random(3) < (0.5, 0.15, 0.1))
                people.append(_person(unit, gender=1 + cell // 3, edu=1 + cell % 3, choice=choice,
                                      typed=int(choice == 3 and rng.random() < 0.6), opts=opts,
                                      opts_typed=int(opts[2] == 1 and rng.random() < 0.6)))
    return people


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(people=waves())
def test_no_hidden_figure_of_any_unit_follows_from_the_published_ones(book, people):
    wave = _wave(book, people)
    reports = _reports(wave)
    fig = _figures(reports)
    assert not _recoverable(fig, list(reports))
