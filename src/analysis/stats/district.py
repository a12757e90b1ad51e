"""One reporting unit's stats table, assembled from the statistic families for every questionnaire
of the wave, as each codebook's ``report:`` section declares it: the profile, one table per
question, rating batteries with their index, key drivers and the unit against the rest, numbers,
free-text counts, breakdowns, indicators, the pooled comparison group's tables and the questions
two questionnaires share; and one variable for every unit side by side.

Nothing here names a questionnaire or a variable: what a report shows is the codebook applied.
"""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from analysis import config
from analysis.clean.wave import Wave
from analysis.errors import SurveyError
from analysis.spec.codebook import Codebook
from analysis.stats import census, coordinated
from analysis.stats.base import make_rows
from analysis.stats.distributions import composition, likert
from analysis.stats.flow import flow_table


def _who(book: Codebook) -> str:
    return book.respondent or book.title


def instrument_tables(df: pd.DataFrame, book: Codebook, group: str) -> list[pd.DataFrame]:
    """The profile (``<instrument>_composition``), one table per question (``<instrument>_q_<var>``),
    the rating batteries (``<instrument>_<suffix>``), numbers and free-text counts of one
    questionnaire for one group of respondents."""
    from analysis.stats import questions

    who = _who(book)
    parts = [composition(df, v, book, group, f"{book.instrument}_composition", f"{who}基本情况")
             for v in book.report.profile if v in df]
    for name in book.question_order():
        if name in df or questions.multi_columns(df, name, book):
            parts.append(questions.question(df, name, book, group))
    for battery in book.report.batteries:
        parts += [likert(df, item, book, group, f"{book.instrument}_{battery.table_suffix}",
                         f"{who}{battery.label}") for item in battery.items if item in df]
    parts.append(questions.numbers(df, book, group))
    parts.append(questions.text_counts(df, book, group))
    return parts


def group_tables(rows: pd.DataFrame, book: Codebook, group: str) -> list[pd.DataFrame]:
    """One group's descriptive tables of one questionnaire: :func:`instrument_tables`, each
    battery's index and reliability (``<instrument>_<suffix>_index``, with at least two index
    items), the breakdowns (``<instrument>_by_<by>``) and the indicators (``<instrument>_indicators``)."""
    from analysis.stats import indicators, questions, reliability

    parts = instrument_tables(rows, book, group)
    for battery in book.report.batteries:
        if len(battery.index_items) >= 2 and all(i in rows for i in battery.index_items):
            parts.append(reliability.satisfaction_index(rows, book, group, battery=battery))
    parts += [questions.breakdown(rows, by, book, group) for by in book.report.breakdowns]
    parts.append(indicators.indicator_table(rows, book, group))
    return parts


# The pooled group's tables are the same in every district's report of a wave. A warm kernel makes
# many reports in turn, so they are kept per process, keyed by the frame's content hash (a tenth of
# the cost of the tables for a national wave) and checked against the codebook they were made with:
# a frame filtered or edited in a notebook, or a changed codebook, gets its own tables.
_POOLED: dict[tuple, tuple[Codebook, list[pd.DataFrame]]] = {}


def pooled_tables(df: pd.DataFrame, book: Codebook) -> list[pd.DataFrame]:
    """``group_tables`` of every respondent of the wave (``config.POOLED_GROUP``), computed once per
    process for the same rows and codebook. The frames returned are shared: concatenate, never
    change them."""
    key = (book.instrument, int(pd.util.hash_pandas_object(df, index=False).sum()))
    hit = _POOLED.get(key)
    if hit is not None and hit[0] == book:
        return list(hit[1])
    parts = group_tables(df, book, config.POOLED_GROUP)
    if len(_POOLED) >= 8:
        _POOLED.pop(next(iter(_POOLED)))
    _POOLED[key] = (book, parts)
    return list(parts)


def _has_unit(df: pd.DataFrame, book: Codebook) -> bool:
    var = book.role("district")
    return var is not None and var in df


def district_stats(wave: Wave, district: str) -> pd.DataFrame:
    """Every published number of one unit's report (``district``: a district, a school … or
    ``config.WHOLE_SAMPLE`` for a wave without a unit question): the sample flow, then for every
    questionnaire its :func:`group_tables` for the unit and for the pooled group, key drivers of
    each battery with an overall item (``<instrument>_<suffix>_drivers``), the unit against the
    other units on each battery (``<instrument>_<suffix>_vs_rest``), and the questions any two
    questionnaires share (``shared_<a>_<b>``). A questionnaire without a unit question, reported
    for the whole sample, has no pooled group and no comparison with the rest."""
    if district not in wave.districts and district != config.WHOLE_SAMPLE:
        raise SurveyError(f"数据中没有报告单位“{district}”。", variable="district",
                          fix=f"可选的报告单位：{'、'.join(wave.districts)}。")
    if district == config.WHOLE_SAMPLE or len(wave.districts) < 2:
        S = coordinated.wave_decision(_unit_stats(wave, district), wave.frames, wave.codebooks)
        S = coordinated.coordinate(S, wave.codebooks, district)           # one decision across the tables
        return census.without_inference(coordinated.follow_shared(S), wave.codebooks)   # a census is counted
    S = wave_stats(wave)[district]
    if isinstance(S, Exception):
        raise S
    return coordinated.follow_shared(S.copy())


def _unit_stats(wave: Wave, district: str) -> pd.DataFrame:
    """One unit's stats rows as each statistic family suppressed them, before the decision."""
    from analysis.stats import compare, drivers

    parts = [flow_table(wave.flow, wave.codebooks, district)]
    mine_of: dict[str, pd.DataFrame] = {}
    for instrument, df in wave.frames.items():
        book = wave.codebooks[instrument]
        mine = wave.rows(instrument, district)
        mine_of[instrument] = mine
        if not len(mine):
            continue
        parts += group_tables(mine, book, district)
        by_unit = _has_unit(df, book)
        if by_unit:
            parts += pooled_tables(df, book)
        for battery in book.report.batteries:
            if battery.overall and len(battery.index_items) >= 1:
                try:
                    parts.append(drivers.key_drivers(mine, book, district, battery.overall,
                                                     list(battery.index_items)))
                except SurveyError:
                    pass                               # too few complete answers: the report says nothing
            if by_unit and len(mine) < len(df):
                parts.append(compare.district_vs_rest(df, book, district, mine=mine, battery=battery))
    for a, b in combinations(list(wave.frames), 2):
        if len(mine_of.get(a, ())) and len(mine_of.get(b, ())) \
                and compare.shared_items(wave.codebooks[a], wave.codebooks[b]):
            parts.append(compare.shared_questions(mine_of[a], mine_of[b], wave.codebooks[a],
                                                  wave.codebooks[b], district))
    S = pd.concat([p for p in parts if len(p)], ignore_index=True)
    S["n"] = S["n"].astype("Int64")
    S["base"] = S["base"].astype("Int64")
    return S


# One decision for the whole wave needs every unit's tables: a warm kernel making the reports of a
# wave one after another computes them once, keyed by the frames' and flow's content and checked
# against the codebooks (as _POOLED).
_WAVES: dict[tuple, tuple[dict, dict[str, pd.DataFrame]]] = {}


def wave_stats(wave: Wave) -> dict[str, pd.DataFrame | Exception]:
    """Every unit's stats table of the wave, decided together by :func:`coordinated.coordinate_wave`, so
    a cell hidden in one unit's report is not given back by another's or by the pooled group; a
    unit whose tables fail holds its error instead (its ``district_stats`` raises it, the others
    are decided without it). Kept per process; the tables returned are shared: copy before changing
    them."""
    key = (wave.wave, tuple((i, int(pd.util.hash_pandas_object(df, index=False).sum()))
                            for i, df in wave.frames.items()),
           int(pd.util.hash_pandas_object(wave.flow, index=False).sum()) if len(wave.flow) else 0,
           tuple(wave.districts))
    hit = _WAVES.get(key)
    if hit is not None and hit[0] == wave.codebooks:
        return hit[1]
    raw: dict[str, pd.DataFrame] = {}
    failed: dict[str, Exception] = {}
    for d in wave.districts:                  # one unit's failure stays that unit's (its report says why)
        try:
            raw[d] = _unit_stats(wave, d)
        except Exception as e:                # noqa: BLE001 — re-raised by that unit's district_stats
            failed[d] = e
    decided = coordinated.coordinate_wave(raw, wave.codebooks) if raw else {}
    out: dict = {d: census.without_inference(S, wave.codebooks) for d, S in decided.items()}
    out.update(failed)
    if len(_WAVES) >= 2:
        _WAVES.pop(next(iter(_WAVES)))
    _WAVES[key] = (dict(wave.codebooks), out)
    return out


def _as_reported(out: pd.DataFrame, reports: dict) -> pd.DataFrame:
    """``out``'s cells hidden as each unit's own report hides them (the pooled group's as every
    report does)."""
    cols = ["table", "group", "variable", "category", "stat"]
    reports = {u: S for u, S in reports.items() if isinstance(S, pd.DataFrame)}
    if not reports:
        return out
    decided = pd.concat([S.loc[S["group"] == u] for u, S in reports.items()]
                        + [next(iter(reports.values())).pipe(lambda S: S[S["group"] == config.POOLED_GROUP])])
    flags = decided.drop_duplicates(cols).set_index(cols)["suppressed"]
    found = flags.reindex(pd.MultiIndex.from_frame(out[cols])).to_numpy()
    known = ~pd.isna(found)
    out.loc[known, "suppressed"] = found[known].astype(bool)
    return out


def by_district(wave: Wave, instrument: str, variable: str) -> pd.DataFrame:
    """One variable for every unit side by side (and the pooled group), as stats rows in the table
    the unit's report shows it in: a rating item its battery's distribution, mean and top-box share
    (``<instrument>_<suffix>``); a profile variable its composition (``<instrument>_composition``);
    any other single choice its shares (``<instrument>_q_<var>``). No rows when the wave has no
    valid questionnaire of that kind or the questionnaire has no unit question."""
    if instrument not in wave.frames:
        return make_rows(table=[])
    book = wave.codebooks[instrument]
    df = wave.frames[instrument]
    if not _has_unit(df, book):
        return make_rows(table=[])
    dvar = book.role("district")
    who = _who(book)
    battery = book.report.battery_of(variable)
    if battery is not None:
        table, title, make = f"{instrument}_{battery.table_suffix}", f"{who}{battery.label}", likert
    elif variable in book.report.profile:
        table, title, make = f"{instrument}_composition", f"{who}基本情况", composition
    else:
        table, title, make = f"{instrument}_q_{variable}", book.label(variable), composition
    key = ("by_district", book.instrument, variable, int(pd.util.hash_pandas_object(df, index=False).sum()))
    hit = _POOLED.get(key)
    if hit is not None and hit[0] == book:          # every district's report draws the same chart
        return hit[1][0].copy()
    groups = [(str(d), g) for d, g in df[df[dvar].notna()].groupby(dvar, sort=True)]  # one pass, not one per district
    groups.append((config.POOLED_GROUP, df))
    out = pd.concat([make(g, variable, book, name, table, title) for name, g in groups], ignore_index=True)
    if variable not in book.report.public:            # the same cells as every unit's own report
        out = coordinated.apply_wave(out, coordinated.wave_masks(df, book, dvar, [variable]), {table})
        coordinated.summaries(out, {book.instrument: book})
        if len(wave.districts) > 1:
            out = _as_reported(out, wave_stats(wave))
    out = census.without_inference(out, {book.instrument: book})
    if len(_POOLED) >= 8:
        _POOLED.pop(next(iter(_POOLED)))
    _POOLED[key] = (book, [out])
    return out.copy()
