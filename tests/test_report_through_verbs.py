"""The district report and the researcher's verbs compute the same figures with the same functions.

For every table ``stats.district_stats(wave, unit)`` makes, the matching verb of
``open_wave(…).survey(questionnaire)`` (restricted with ``where(<unit variable>=unit)`` for the
unit's own rows, the whole questionnaire for the pooled group) gives the same ``exact``, ``n`` and
``base`` on every row the report holds, within 1e-9. Run on the bundled sample wave and on a
questionnaire of other shapes (``tests/questionnaires.py``: a 街道 typed as text for the unit,
5-point matrix ratings, no ``report:`` section; a school survey with a coded unit, 4-point items and
breakdowns; a survey without a unit question, 7-point items with an overall item), each for its
smallest and its largest unit (the whole sample when there is no unit). The test classifies each report table
by the codebook's declarations, never by a variable's name; a table it cannot match to a verb
fails, listing it, so a table family added to the report later must get its verb.

What is compared and what is not: counts, bases and point estimates (shares, means, α, betas, test
statistics, p values) are the same statistic on the same rows. Published ``value``s and
``suppressed`` are not compared: the report decides suppression once for the wave and the unit's
tables (``stats.coordinated``), a verb shows each table's own primary suppression. Intervals are
not compared either: the report prints Wilson intervals on the unit's rows (blanked for a census),
while the verbs add domain standard errors (``se``, R's ``subset(design, …)``), which are a
different statistic from a filtered frame's and have no counterpart in ``S``.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

import analysis as sa
import questionnaires as QN
from analysis import clean, cli, config, stats
from analysis.lab.survey import LabWave, Survey
from analysis.publish.tables import BREAKDOWN_SEP
from analysis.stats.questions import multi_columns

TOL = 1e-9


# -- the waves ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> LabWave:
    processed = tmp_path_factory.mktemp("processed")
    clean.prepare_wave(config.DEFAULT_WAVE, processed_dir=processed)
    return sa.open_wave(config.DEFAULT_WAVE, processed)


def _generated(name: str, tmp_path_factory) -> LabWave:
    project = tmp_path_factory.mktemp(f"q_{name}")
    shutil.copytree(config.NOTEBOOK_DIR, project / "notebooks")
    q = QN.make(name, project)
    out = tmp_path_factory.mktemp(f"prepared_{name}")
    code = cli.main(["prepare", "--wave", QN.WAVE, "--raw-dir", str(q.project / "data" / "raw"),
                     "--processed-dir", str(out), "--codebooks", str(q.codebook.parent)])
    assert code == 0
    return sa.open_wave(QN.WAVE, out, q.codebook.parent)


# each shape's report holds these families at least (what its codebook declares)
SHAPES = {"needs": {"single", "multi", "battery", "index", "vs_rest", "numbers"},   # 街道 as text, 5 points
          "school": {"battery", "index", "vs_rest", "breakdown"},                 # coded unit, 4 points
          "gov": {"single", "multi", "battery", "index", "drivers", "numbers", "text"}}   # no unit, 7 points


@pytest.fixture(scope="module", params=sorted(SHAPES))
def other_shape(request, tmp_path_factory) -> tuple[str, LabWave]:
    return request.param, _generated(request.param, tmp_path_factory)


def smallest_and_largest(lab: LabWave) -> list[str]:
    sizes = {u: sum(len(lab.wave.rows(i, u)) for i in lab.wave.frames) for u in lab.wave.districts}
    ranked = sorted(sizes, key=lambda u: (sizes[u], u))
    return list(dict.fromkeys([ranked[0], ranked[-1]]))


# -- a report table → the verb that shows it ---------------------------------------------------------

class NoVerb(Exception):
    pass


def counterparts(lab: LabWave, unit: str, table: str, group: str, S: pd.DataFrame) -> tuple[str, pd.DataFrame, bool]:
    """(family, the verb's rows, whether its groups are a breakdown's levels) for one report table
    of one group (the unit or the pooled group), chosen by what the codebooks declare."""
    if table == "flow":
        return "flow", lab.flow(unit).frame, False
    pooled = group == config.POOLED_GROUP
    for a, b in ((a, b) for a in lab.wave.frames for b in lab.wave.frames if a != b):
        if table == f"shared_{a}_{b}":
            frame = on(lab, a, unit, pooled).shared(on(lab, b, unit, pooled)).frame
            return "shared", frame[frame["table"] == table], False
    for inst, book in lab.wave.codebooks.items():
        if not table.startswith(f"{inst}_"):
            continue
        s = on(lab, inst, unit, pooled)
        rest = table.removeprefix(f"{inst}_")
        if rest == "composition":
            return "profile", _concat(s.freq(v).frame for v in book.report.profile if v in s.data), False
        if rest.startswith("q_") and rest[2:] in book.question_order():
            v = rest[2:]
            multi = book.variables[v].type == "multi" and multi_columns(s.data, v, book)
            return ("multi" if multi else "single"), (s.multi(v) if multi else s.freq(v)).frame, False
        for battery in book.report.batteries:
            items = [i for i in battery.items if i in s.data]
            if rest == battery.table_suffix:
                return "battery", s.likert(items).frame, False
            if rest == f"{battery.table_suffix}_index":
                return "index", s.reliability(list(battery.index_items)).frame, False
            if rest == f"{battery.table_suffix}_drivers":
                return "drivers", s.drivers(battery.overall, list(battery.index_items)).frame, False
            if rest == f"{battery.table_suffix}_vs_rest":
                return "vs_rest", s.vs_rest(list(battery.items)).frame, False
        if rest == "numbers":
            return "numbers", s.describe().frame, False
        if rest == "text":
            return "text", s.texts().frame, False
        if rest == "indicators":
            return "indicators", s.indicators().frame, False
        for by in book.report.breakdowns:
            if rest == f"by_{by}":
                shown = S.loc[(S["table"] == table), "variable"].unique()
                variables = dict.fromkeys(v.split("×")[-1] for v in shown)
                return "breakdown", _concat(s.crosstab(v, by=by).frame for v in variables), True
    raise NoVerb(table)


def on(lab: LabWave, instrument: str, unit: str, pooled: bool) -> Survey:
    """The questionnaire's survey: the unit's domain, or everyone for the pooled group."""
    s = lab.survey(instrument)
    var = s.book.role("district")
    return s if pooled or var is None else s.where(**{var: unit})


def _concat(frames) -> pd.DataFrame:
    return pd.concat(list(frames), ignore_index=True)


def _key(frame: pd.DataFrame, levels: bool, report: bool) -> pd.Series:
    """(variable, category, stat, breakdown level): a row's identity in both paths. The report
    names a breakdown's levels ``<group>·<level>``, a verb's crosstab ``<level>``."""
    if levels:
        g = frame["group"].astype(str)
        level = (g.str.split(BREAKDOWN_SEP, n=1).str[1].fillna("") if report else g)
    else:
        level = pd.Series("", index=frame.index)
    return frame["variable"].astype(str) + "|" + frame["category"].astype(str) + "|" + \
        frame["stat"].astype(str) + "|" + level


def differences(mine: pd.DataFrame, verb: pd.DataFrame, levels: bool) -> list[str]:
    mine = mine.assign(key_=_key(mine, levels, report=True))
    verb = verb.assign(key_=_key(verb, levels, report=False))
    dup = verb["key_"].duplicated(keep=False)
    assert not dup.any(), f"the verb's rows are not one per figure: {verb.loc[dup, 'key_'].tolist()[:5]}"
    theirs = verb.set_index("key_")
    out = []
    for r in mine.itertuples():
        if r.key_ not in theirs.index:
            out.append(f"{r.table}/{r.group}: no verb row for {r.key_}")
            continue
        t = theirs.loc[r.key_]
        for col in ("exact", "n", "base"):
            a, b = getattr(r, col), t[col]
            if pd.isna(a) and pd.isna(b):
                continue
            if pd.isna(a) or pd.isna(b) or abs(float(a) - float(b)) > TOL * max(1.0, abs(float(a))):
                out.append(f"{r.table}/{r.group} {r.key_} {col}: report {a}, verb {b}")
    return out


def check_wave(lab: LabWave) -> set[str]:
    """Every table of every tested unit's report against its verb; the families seen."""
    seen, missing, wrong = set(), set(), []
    for unit in smallest_and_largest(lab):
        S = stats.district_stats(lab.wave, unit)
        for (table, group), rows in S.groupby(["table", "group"], sort=False):
            if BREAKDOWN_SEP in group:
                continue                          # a breakdown's levels: checked with its test rows below
            rows = S[(S["table"] == table) & ((S["group"] == group)
                                              | S["group"].str.startswith(group + BREAKDOWN_SEP))]
            try:
                family, verb, levels = counterparts(lab, unit, table, group, S)
            except NoVerb:
                missing.add(table)
                continue
            seen.add(family)
            wrong += differences(rows, verb, levels)
    assert not missing, f"report tables with no verb counterpart (add one to lab.survey): {sorted(missing)}"
    assert not wrong, "\n".join(wrong[:30])
    return seen


def test_the_sample_report_computes_what_the_verbs_compute(sample):
    seen = check_wave(sample)
    # the sample's codebooks declare every family but the breakdowns' levels' own tables
    assert {"flow", "profile", "single", "multi", "battery", "index", "drivers", "vs_rest", "numbers",
            "text", "indicators", "breakdown", "shared"} <= seen


def test_another_questionnaire_s_report_computes_what_the_verbs_compute(other_shape):
    name, lab = other_shape
    assert {"flow", "profile"} | SHAPES[name] <= check_wave(lab)


def test_the_report_s_weighted_tables_are_the_weighted_verbs(sample):
    """``weights.with_weighted`` adds, per battery, the unit's weighted items (``<inst>_<battery>_weighted``):
    the same figures as ``where(<unit>=unit).weighted().likert(items)`` (one raked design over every
    unit with margins, restricted to the unit). The ``weighting`` table (Kish's design effect,
    effective base, largest weight of the unit's weights) describes the weights, not an answer: no
    verb shows it yet (its rows are laid out inside ``weights.district_weighted``)."""
    from analysis.weighting import weights

    checked, missing, wrong = 0, set(), []
    for unit in smallest_and_largest(sample):
        W = weights.district_weighted(sample.wave, unit)
        for table, rows in W.groupby("table"):
            inst = next((i for i, b in sample.wave.codebooks.items()
                         if any(table == f"{i}_{x.table_suffix}{weights.WEIGHTED_SUFFIX}" for x in b.report.batteries)),
                        None)
            if inst is None:
                if table != "weighting":
                    missing.add(table)
                continue
            verb = on(sample, inst, unit, False).weighted().likert(list(dict.fromkeys(rows["variable"]))).frame
            wrong += differences(rows, verb, False)
            checked += 1
    assert not missing, f"weighted report tables with no verb counterpart: {sorted(missing)}"
    assert checked and not wrong, "\n".join(wrong[:30])


def test_a_report_table_without_a_verb_fails_the_check(sample):
    """The check is not vacuous: a table family the verbs do not know is listed."""
    S = stats.district_stats(sample.wave, smallest_and_largest(sample)[0])
    inst = next(iter(sample.wave.frames))
    with pytest.raises(NoVerb):
        counterparts(sample, sample.wave.districts[0], f"{inst}_new_family", config.POOLED_GROUP, S)


def test_a_changed_figure_is_reported():
    """A verb row that differs from the report's by more than the tolerance is listed."""
    mine = pd.DataFrame({"table": ["t"], "group": ["g"], "variable": ["v"], "category": ["1"], "stat": ["share"],
                         "exact": [50.0], "n": [5], "base": [10]})
    assert differences(mine, mine.assign(exact=50.0 + 1e-6), False)
    assert not differences(mine, mine.assign(exact=50.0 + 1e-12), False)
    assert differences(mine, mine.assign(stat="pct"), False)
    assert np.isfinite(mine["exact"]).all()


# -- the report notebook reaches the verbs ------------------------------------------------------------

def test_a_verb_result_added_to_the_report_is_the_next_numbered_table(sample, tmp_path):
    """``R.table(surveys[问卷].crosstab(…))``: the result is 表N+1 after the report's N tables, with its
    title, cells and note, in report.docx, report.html and tables.xlsx."""
    from docx import Document
    from openpyxl import load_workbook

    from analysis.publish import document, report, sections

    data = sample.wave
    unit = smallest_and_largest(sample)[0]
    inst, book = next((i, b) for i, b in data.codebooks.items() if b.report.breakdowns and b.report.profile)
    by = book.report.breakdowns[0]
    variable = next(v for v in book.report.profile if v != by and book.variables.get(v) is not None
                    and book.variables[v].type == "single")
    surveys = sa.unit_surveys(data, unit)
    assert set(surveys) == {i for i in data.frames if len(data.rows(i, unit))}
    assert all(int(s.domain.sum()) == len(data.rows(i, unit)) for i, s in surveys.items())
    result = surveys[inst].crosstab(variable, by=by)
    S = stats.district_stats(data, unit)
    R = sections.DistrictReport(S, data.codebooks, report.meta(data, unit), tmp_path, data=data, show=False)
    R.title()
    R.profiles()
    before = len(document.table_numbers(document.numbered(R.blocks, S, unit)))
    assert before >= 1 and R.table(result)
    R.write()
    caption = f"表{before + 1}　{result.title}"
    assert document.table_numbers(document.numbered(R.blocks, S, unit))[-1] == caption
    doc = Document(tmp_path / "report.docx")
    assert caption in [p.text.strip() for p in doc.paragraphs]
    cells = [[c.text for c in row.cells] for row in doc.tables[-1].rows]
    assert cells[0] == list(result.table.columns)
    assert cells[1:] == result.table.astype(str).values.tolist()
    assert result.note.removeprefix("注：")[:20] in "\n".join(p.text for p in doc.paragraphs)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert caption in page and str(result.table.iloc[0, 1]) in page
    sheet = load_workbook(tmp_path / "tables.xlsx")[f"表{before + 1}"]
    assert any(result.title in str(c.value) for row in sheet.iter_rows() for c in row)
