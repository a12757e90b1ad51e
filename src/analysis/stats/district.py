"""One district's stats table, assembled from the statistic families: its own tables, the pooled
comparison group's, key drivers, the district against the rest and residents against workers;
and one variable for every district side by side.
"""

from __future__ import annotations

import pandas as pd

from analysis import config
from analysis.clean.wave import Wave
from analysis.errors import SurveyError
from analysis.spec.codebook import Codebook
from analysis.stats.base import make_rows
from analysis.stats.distributions import (
    composition,
    likert,
    numeric_summary,
    sheet_totals,
    subgroup_summary,
)
from analysis.stats.flow import flow_table


def instrument_tables(df: pd.DataFrame, book: Codebook, group: str) -> list[pd.DataFrame]:
    """Composition, age and satisfaction tables of one questionnaire for one group of respondents."""
    who = book.respondent or book.title
    parts = [composition(df, v, book, group, f"{book.instrument}_composition", f"{who}基本构成")
             for v in book.report.get("composition", ())]
    ages = [v.name for v in book.variables.values() if v.type == "age" and v.name in df]
    parts += [numeric_summary(df, v, book, group, f"{book.instrument}_age", f"{who}年龄") for v in ages]
    parts += [likert(df, item, book, group, f"{book.instrument}_satisfaction", f"{who}满意度评价")
              for item in book.report.get("satisfaction", ())]
    if any(v.type == "number" for v in book.variables.values()) and book.instrument == "community":
        parts.append(sheet_totals(df, book, group))
    return parts


def group_tables(rows: pd.DataFrame, book: Codebook, group: str) -> list[pd.DataFrame]:
    """One group's descriptive tables of one questionnaire: composition, ages (with the leaders'
    subgroup means and 一肩挑), satisfaction, its index and reliability, the community sheet."""
    from analysis.stats import community, compare, reliability

    instrument = book.instrument
    parts = instrument_tables(rows, book, group)
    if instrument in config.SUBGROUPS and "age" in rows:
        parts.append(subgroup_summary(rows, "age", book, group))
        if "one_shoulder" in rows:
            parts.append(composition(rows, "one_shoulder", book, group, f"{instrument}_leaders",
                                     f"{book.respondent or book.title}中的负责人"))
        if {"gender", "age_band"} <= set(rows):         # the age pyramid's rows (groups 桥东区·男 …)
            parts.append(compare.crosstab(rows, "gender", "age_band", book, group, f"{instrument}_gender_age",
                                          f"{book.respondent or book.title}性别与年龄结构"))
    if len(reliability.index_items(book)) >= 2:
        parts.append(reliability.satisfaction_index(rows, book, group))
    if instrument == "community":
        parts.append(community.community_tables(rows, book, group))
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


def district_stats(wave: Wave, district: str) -> pd.DataFrame:
    """Every published number of one district's report, with the pooled comparison group: sample
    flow, composition, ages (with the leaders' subgroup means and 一肩挑), satisfaction with its
    index and reliability, key drivers, the district against the rest, residents against workers,
    and the community sheet."""
    from analysis.stats import compare, drivers

    if district not in wave.districts:
        raise SurveyError(f"数据中没有区县“{district}”。", variable="district",
                          fix=f"可选的区县：{'、'.join(wave.districts)}。")
    parts = [flow_table(wave.flow, wave.codebooks, district)]
    mine_of: dict[str, pd.DataFrame] = {}
    for instrument, df in wave.frames.items():
        book = wave.codebooks[instrument]
        dvar = book.role("district")
        mine = df[df[dvar] == district]
        mine_of[instrument] = mine
        if not len(mine):
            continue
        parts += group_tables(mine, book, district)
        parts += pooled_tables(df, book)
        if instrument in config.OVERALL_ITEM:
            try:
                parts.append(drivers.key_drivers(mine, book, district))
            except SurveyError:
                pass                                   # too few complete answers: the report says nothing
        if book.report.get("satisfaction") and (df[dvar] != district).any():
            parts.append(compare.district_vs_rest(df, book, district))
    if len(mine_of.get("resident", ())) and len(mine_of.get("worker", ())):
        parts.append(compare.residents_vs_workers(mine_of["resident"], mine_of["worker"],
                                                  wave.codebooks["resident"], wave.codebooks["worker"],
                                                  district))
    S = pd.concat([p for p in parts if len(p)], ignore_index=True)
    S["n"] = S["n"].astype("Int64")
    S["base"] = S["base"].astype("Int64")
    return S


def by_district(wave: Wave, instrument: str, variable: str) -> pd.DataFrame:
    """One variable for every district side by side (and the pooled group), as stats rows:
    a rating item gives its distribution, mean and top-two share; a choice its composition.
    No rows when the wave has no valid questionnaire of that kind."""
    if instrument not in wave.frames:
        return make_rows(table=[])
    book = wave.codebooks[instrument]
    df = wave.frames[instrument]
    dvar = book.role("district")
    is_item = variable in book.variables and book.variables[variable].scale
    table = f"{instrument}_{'satisfaction' if is_item else 'composition'}"
    title = f"{book.respondent or book.title}{'满意度评价' if is_item else '基本构成'}"
    make = likert if is_item else composition
    key = ("by_district", book.instrument, variable, int(pd.util.hash_pandas_object(df, index=False).sum()))
    hit = _POOLED.get(key)
    if hit is not None and hit[0] == book:          # every district's report draws the same chart
        return hit[1][0].copy()
    groups = [(str(d), g) for d, g in df[df[dvar].notna()].groupby(dvar, sort=True)]  # one pass, not one per district
    groups.append((config.POOLED_GROUP, df))
    out = pd.concat([make(g, variable, book, name, table, title) for name, g in groups], ignore_index=True)
    if len(_POOLED) >= 8:
        _POOLED.pop(next(iter(_POOLED)))
    _POOLED[key] = (book, [out])
    return out.copy()
