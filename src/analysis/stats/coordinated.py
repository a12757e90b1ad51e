"""One suppression decision per report and across the wave.

:mod:`analysis.stats.suppression` decides one distribution at a time. The same answers are
printed in several places, so a cell hidden in one place must not be printed or derivable in
another. This module makes the decision once for the whole stats table ``S`` of a unit, and for the
wave's units together:

1. **Public profile facts.** Variables a codebook lists in ``report.public`` (who holds which post
   in a census of the workforce) are never hidden, in any table, nor are the subgroup counts and
   indicators made only of them. What a respondent answered stays protected.
2. **Across the wave.** The pooled group's figure is the sum of the units', so a figure hidden in
   exactly one unit follows from the pooled one minus the others. Every unit's table of a wave is
   decided together (:func:`coordinate_wave`; ``stats.district.wave_stats`` keeps the result per
   wave, so every unit's report reads the same decision, whichever unit it is): in every column
   (a category of a single choice, a multiple-choice option — chosen or not, of mentions and of
   respondents —, a breakdown column ``unit·x`` against ``全部·x``, a top box, a typed 其他 count, a
   free-text count, an indicator) where exactly one unit hides what the pooled group shows, the
   smallest non-zero figure of another unit is hidden too (the pooled one when none is left), and
   every rule of step 3 runs for every unit in the same loop, so a cell a unit's breakdown hides is
   seen by the other units' columns; repeated until nothing changes anywhere. :func:`decide` is the
   same column rule on raw counts (a wave of one unit, the charts' fallback).
3. **Within the report.** A distribution's cells add up to its base (a multiple choice's options to
   the mentions); a breakdown's columns add up to the unit's cell; the share of valid answers and
   the percent of everyone are one count; a declared indicator ``v == c`` over the answers to ``v``
   is that cell's share; an indicator over several codes of one variable is a partial sum, decided
   like a top box (hidden when it would give back one hidden cell; when hidden, a cell on a side
   that would sum to it is hidden); an indicator or subgroup size over any other condition (``post
   == 2 or one_shoulder == 1``) is hidden wherever a cell of a variable it names is; a battery's top
   box, mean and net follow from its cells; a typed 其他 count follows its question; the
   unit-against-the-rest, index, key-driver and weighted tables show the same items again. The cell
   hidden to protect another is never one a reader has anyway (the only non-zero cell of a
   distribution, or a cell each of whose breakdown parts is one: :func:`_pinned`).
4. **What the local rules miss.** Where several relations meet, the rules above can still leave a
   hidden figure determined; :mod:`analysis.stats.disclosure` solves the reports' linear relations
   and hides more (the pooled figure of its column first) until no hidden figure is determined.

Checked by ``tests/test_wave_decision.py``: over generated waves no hidden figure follows, by exact
elimination, from the published ones through pooled = Σ units, Σ cells = base, breakdown columns =
the unit's cell and partial-sum indicators; the unit-against-the-rest table's “其他单位” figure
goes with the unit's (the pooled group minus it gave the unit's back). Left alone: a compound
indicator's bounds from its cells (it is no sum of them), and means and other numbers (a number's
mean is not a count).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.spec.codebook import Codebook, Expression, parse_condition
from analysis.stats import disclosure, suppression

SHARE_STATS = ("share", "pct")
CELL_STATS = ("share", "pct", "response_share", "case_share")
# counts that add up over the units to the pooled group's: cells, a battery's top box, typed 其他
# texts and free-text answers (``count``), an indicator's share of a condition (``rate``)
WAVE_STATS = (*CELL_STATS, "top2", "count", "rate")
DERIVED_SUFFIXES = ("_vs_rest", "_index", "_drivers", "_weighted")


# -- across the wave ---------------------------------------------------------------------------------

def _close_columns(counts: np.ndarray, hidden: np.ndarray, pooled_hidden: np.ndarray) -> bool:
    """One pass of the column rule; True when a cell was added."""
    changed = False
    for c in range(counts.shape[1]):
        if pooled_hidden[c] or hidden[:, c].sum() != 1:
            continue
        free = np.where(~hidden[:, c] & (counts[:, c] > 0))[0]
        if len(free):
            hidden[free[np.argmin(counts[free, c])], c] = True
        else:
            pooled_hidden[c] = True
        changed = True
    return changed


def _close_rows(counts: np.ndarray, hidden: np.ndarray) -> bool:
    changed = False
    for r in range(counts.shape[0]):
        grown = suppression.complementary(counts[r], hidden[r])
        if (grown != hidden[r]).any():
            hidden[r] = grown
            changed = True
    return changed


def decide(counts: pd.DataFrame, k: int = config.MIN_CELL,
           exempt_base: int | None = config.SUPPRESSION_EXEMPT_BASE) -> tuple[pd.DataFrame, pd.Series]:
    """Units × categories counts → (hidden cells of each unit, hidden cells of the pooled group):
    the per-unit rule, then rows and columns closed until no category or unit has exactly one
    hidden cell."""
    n = counts.to_numpy(dtype=float)
    hidden = np.vstack([suppression.distribution(row, int(row.sum()), k, exempt_base) for row in n]) \
        if len(n) else np.zeros(n.shape, dtype=bool)
    pooled = n.sum(axis=0)
    pooled_hidden = suppression.distribution(pooled, int(pooled.sum()), k, exempt_base)
    for _ in range(4 * max(1, n.size)):
        changed = _close_columns(n, hidden, pooled_hidden) | _close_rows(n, hidden)
        grown = suppression.complementary(pooled, pooled_hidden)
        changed |= bool((grown != pooled_hidden).any())
        pooled_hidden = grown
        if not changed:
            break
    return (pd.DataFrame(hidden, index=counts.index, columns=counts.columns),
            pd.Series(pooled_hidden, index=counts.columns))


_MASKS: dict[tuple, dict[str, tuple[pd.DataFrame, pd.Series]]] = {}


def wave_masks(df: pd.DataFrame, book: Codebook, unit_var: str, variables) -> dict[str, tuple[pd.DataFrame, pd.Series]]:
    """For every single-choice ``variables`` of one questionnaire: :func:`decide` over the units'
    counts (units named as ``df[unit_var]`` holds them; categories as the codebook's codes in
    strings). Kept per process for the same rows and codebook."""
    variables = tuple(v for v in dict.fromkeys(variables) if v in df)
    key = (book.instrument, unit_var, variables, int(pd.util.hash_pandas_object(df, index=False).sum()))
    hit = _MASKS.get(key)
    if hit is not None:
        return hit
    rows = df[df[unit_var].notna()]
    out = {}
    for v in variables:
        codes = list(book.labels(v))
        counts = pd.crosstab(rows[unit_var].astype(str), rows[v]).reindex(columns=codes, fill_value=0)
        counts.columns = [str(c) for c in codes]
        out[v] = decide(counts.astype(int))
    if len(_MASKS) >= 8:
        _MASKS.pop(next(iter(_MASKS)))
    _MASKS[key] = out
    return out


def apply_wave(S: pd.DataFrame, masks: dict[str, tuple[pd.DataFrame, pd.Series]], tables: set[str],
               pooled: str = config.POOLED_GROUP) -> pd.DataFrame:
    """Hide in ``S`` (rows of ``tables``) every cell the wave decision hides, for the units and the
    pooled group."""
    S = S.copy()
    share = S["table"].isin(tables) & S["stat"].isin(SHARE_STATS) & S["variable"].isin(list(masks))
    for i in S.index[share]:
        units, pool = masks[S.at[i, "variable"]]
        g, c = str(S.at[i, "group"]), str(S.at[i, "category"])
        if g == pooled:
            hide = bool(pool.get(c, False))
        else:
            hide = bool(units.at[g, c]) if g in units.index and c in units.columns else False
        if hide:
            S.at[i, "suppressed"] = True
    return S


# -- within one report -------------------------------------------------------------------------------

def _names(expr: str | Expression) -> set[str]:
    return set((expr if isinstance(expr, Expression) else parse_condition(expr)).names)


def _public(S: pd.DataFrame, book: Codebook) -> pd.DataFrame:
    public = set(book.report.public)
    if not public:
        return S
    inst = book.instrument
    mine = S["table"].str.startswith(inst + "_") & ~S["table"].str.endswith(DERIVED_SUFFIXES)
    S.loc[mine & S["variable"].isin(public) & ~S["stat"].isin(("top2", "mean", "net")), "suppressed"] = False
    free = {name for name, sub in book.report.subgroups.items() if _names(sub.when) <= public}
    for ind in book.report.indicators:
        used = set() if ind.kind in ("mean", "ratio") else _names(ind.args[0])
        if ind.kind in ("mean", "ratio"):
            continue                               # a number a person gave: stays protected
        if ind.of:
            used.add(ind.of)
        if ind.among is not None:
            if ind.among not in free:
                continue
        if used <= public:
            free.add(ind.name)
    S.loc[(S["table"] == f"{inst}_indicators") & S["variable"].isin(free), "suppressed"] = False
    return S


def _close_distributions(S: pd.DataFrame) -> bool:
    """Each distribution: exactly one hidden cell → the next-smallest is hidden (the rule of
    :func:`suppression.complementary`). A multiple choice's options add up to the mentions
    (``response_share``), so they are closed the same way."""
    keep = (S["stat"].isin((*SHARE_STATS, "response_share")) & S["n"].notna()).to_numpy()
    where = np.where(keep)[0]
    sup = S["suppressed"].to_numpy(dtype=bool).copy()
    n = np.where(_pinned(S), 0, pd.to_numeric(S["n"], errors="coerce").fillna(0).to_numpy(dtype=float))
    changed = False                                   # (pinned cells count as zero: hiding them protects nothing)
    for idx in S.iloc[where].groupby(["table", "group", "variable", "stat"], sort=False).indices.values():
        at = where[idx]
        if sup[at].sum() != 1:
            continue
        grown = suppression.complementary(n[at], sup[at])
        if (grown != sup[at]).any():
            sup[at] = grown
            changed = True
    if changed:
        S["suppressed"] = sup
    return changed


def _close_breakdowns(S: pd.DataFrame, units) -> bool:
    """A breakdown's columns (groups ``unit·x``) add up to the unit's cell of the same variable."""
    group, table = S["group"].astype(str), S["table"].astype(str)
    share = (S["stat"] == "share").to_numpy()
    by = table.str.contains("_by_").to_numpy()
    whole_rows = share & ~by & ~table.str.startswith("shared_").to_numpy()
    inst = table.str.split("_by_").str[0]
    sup = S["suppressed"].to_numpy(dtype=bool).copy()
    n = pd.to_numeric(S["n"], errors="coerce").fillna(0).to_numpy(dtype=float)
    pinned = _pinned(S)
    changed = False
    for unit in units:
        whole: dict[tuple, list[int]] = {}
        for i in np.where(whole_rows & (group == unit).to_numpy())[0]:
            whole.setdefault((S["variable"].iat[i], S["category"].iat[i]), []).append(i)
        cols = share & by & group.str.startswith(unit + "·").to_numpy()
        where = np.where(cols)[0]
        for (_, variable, category), idx in S[cols].groupby(["table", "variable", "category"],
                                                               sort=False).indices.items():
            members = where[idx]
            pre = inst.iat[members[0]] + "_"
            mine = next((i for i in whole.get((variable, category), ()) if table.iat[i].startswith(pre)), None)
            if mine is not None:
                members = np.concatenate([[mine], members])
            hidden = sup[members]
            if hidden.sum() != 1:
                continue
            free = members[~hidden & (n[members] > 0) & ~pinned[members]]
            if len(free):
                sup[free[np.argmin(n[free])]] = True
                changed = True
    if changed:
        S["suppressed"] = sup
    return changed


def _linked_indicators(S: pd.DataFrame, book: Codebook, unit_groups) -> bool:
    """An indicator ``v == c`` over the answers to ``v`` is the share of the cell (v, c): one hidden,
    both hidden."""
    changed = False
    inst = book.instrument
    for ind in book.report.indicators:
        if not _simple(ind):
            continue
        c = parse_condition(ind.args[0]).any_of[0][0]
        code = str(int(c.operand))
        for g in unit_groups:
            cell = (S["group"] == g) & (S["variable"] == c.variable) & (S["category"] == code) \
                & (S["stat"] == "share") & S["table"].isin([f"{inst}_composition", f"{inst}_q_{c.variable}"])
            figure = (S["group"] == g) & (S["table"] == f"{inst}_indicators") & (S["variable"] == ind.name)
            both = cell | figure
            if S.loc[both, "suppressed"].any() and not S.loc[both, "suppressed"].all():
                S.loc[both, "suppressed"] = True
                changed = True
    return changed


def _simple(ind) -> bool:
    """``v == c`` over the answers to ``v``: the cell itself (:func:`_linked_indicators`)."""
    if ind.kind != "share" or ind.among is not None or not ind.of:
        return False
    expr = parse_condition(ind.args[0])
    if len(expr.any_of) != 1 or len(expr.any_of[0]) != 1:
        return False
    c = expr.any_of[0][0]
    return c.op == "==" and c.variable == ind.of and not isinstance(c.operand, str)


def _one_variable_codes(expr: Expression) -> tuple[str, list[str]] | None:
    """``v == 1 or v in (2, 3)``: (v, its codes), the partial sum of v's cells; None otherwise."""
    names, codes = set(), []
    for group in expr.any_of:
        if len(group) != 1 or group[0].op not in ("==", "in") or isinstance(group[0].operand, str):
            return None
        c = group[0]
        names.add(c.variable)
        codes += [str(int(x)) for x in (c.operand if c.op == "in" else (c.operand,))]
    return (names.pop(), codes) if len(names) == 1 else None


def _conditions(book: Codebook) -> list[tuple[str, Expression, set[str], bool]]:
    """(row name, condition, every variable it rests on, over all rows of a variable's answers) of
    each subgroup count and each share or count indicator but the simple ones."""
    out = [(name, parse_condition(sub.when), set(_names(sub.when)), True)
           for name, sub in book.report.subgroups.items()]
    for ind in book.report.indicators:
        if ind.kind not in ("share", "count") or _simple(ind):
            continue
        expr = parse_condition(ind.args[0])
        used = set(expr.names) | ({ind.of} if ind.of else set())
        if ind.among is not None:
            used |= _names(book.report.subgroups[ind.among].when)
        out.append((ind.name, expr, used, ind.among is None))
    return out


def _compound_indicators(S: pd.DataFrame, book: Codebook, unit_groups) -> bool:
    """A subgroup's size or an indicator of any other condition rests on the cells of the
    variables it names. A condition on the codes of one variable over every row (``v == 1 or
    v == 2``) is a partial sum of v's cells, decided like a top box: hidden when it would give back
    a single hidden cell (exactly one hidden inside its codes or outside them); and when hidden, it
    must not be the sum of published cells on either side, so the smallest non-zero cell of a side
    with none hidden is hidden too. Any other condition (``post == 2 or one_shoulder == 1``,
    among a subgroup) is not a sum of published cells; it is hidden in a group wherever a cell of a
    variable it names is."""
    inst = book.instrument
    public = set(book.report.public)
    cell_rows = S[S["table"].str.startswith(inst + "_") & ~S["table"].str.contains("_by_")
                  & ~S["table"].str.endswith((*DERIVED_SUFFIXES, "_indicators")) & (S["stat"] == "share")]
    figures = S[S["table"] == f"{inst}_indicators"]
    pinned = pd.Series(_pinned(S), index=S.index)
    changed = False
    for name, expr, used, whole in _conditions(book):
        if used <= public:
            continue
        partial = _one_variable_codes(expr) if whole else None
        for g in unit_groups:
            figure = figures[(figures["group"] == g) & (figures["variable"] == name)]
            if not len(figure):
                continue
            cells = cell_rows[(cell_rows["group"] == g) & cell_rows["variable"].isin(used)]
            shown = not figure["suppressed"].astype(bool).all()
            if partial is None:
                if cells["suppressed"].astype(bool).any() and shown:
                    S.loc[figure.index, "suppressed"] = True
                    changed = True
                continue
            cells = cells.drop_duplicates("category")
            inside = cells["category"].astype(str).isin(partial[1])
            hidden = cells["suppressed"].astype(bool)
            h_in, h_out = int((hidden & inside).sum()), int((hidden & ~inside).sum())
            if shown and (h_in == 1 or h_out == 1):
                S.loc[figure.index, "suppressed"] = True
                changed = True
            elif not shown and (h_in == 0 or h_out == 0):
                side = cells[(inside if h_in == 0 else ~inside) & ~hidden
                             & (cells["n"].fillna(0).astype(float) > 0) & ~pinned[cells.index]]
                if len(side):
                    key = side.loc[side["n"].astype(float).idxmin(), ["table", "variable", "category"]]
                    S.loc[(S["group"] == g) & (S["table"] == key["table"]) & (S["variable"] == key["variable"])
                          & (S["category"] == key["category"]) & S["stat"].isin(CELL_STATS), "suppressed"] = True
                    changed = True
    return changed


def _book_of(table: str, books: dict[str, Codebook]) -> Codebook | None:
    return next((b for b in sorted(books.values(), key=lambda b: -len(b.instrument))
                 if str(table).startswith(b.instrument + "_")), None)


def summaries(S: pd.DataFrame, books: dict[str, Codebook]) -> bool:
    """A rating item's mean, top box and net follow from its cells (:func:`suppression.summaries`),
    in place; True when a figure was hidden."""
    sup = S["suppressed"].to_numpy(dtype=bool).copy()
    stat = S["stat"].to_numpy()
    rows = S[S["stat"].isin(("top2", "share", "mean", "net"))]
    where = np.where(S["stat"].isin(("top2", "share", "mean", "net")).to_numpy())[0]
    changed = False
    for (table, _, variable), idx in rows.groupby(["table", "group", "variable"], sort=False).indices.items():
        at = where[idx]
        if not (stat[at] == "top2").any():
            continue
        book = _book_of(table, books)
        var = book.variables.get(variable) if book else None
        if var is None or not var.top_box:
            continue
        cells = at[stat[at] == "share"]
        codes = pd.to_numeric(S["category"].iloc[cells], errors="coerce").to_numpy()
        mask = sup[cells]
        hide_mean, hide_top = suppression.summaries(codes, mask, var.top_box)
        bottom = sorted(var.values)[:len(var.top_box)]
        hide_bottom = suppression.summaries(codes, mask, bottom)[1]
        for name, hide in (("mean", hide_mean), ("top2", hide_top), ("net", hide_top or hide_bottom)):
            grow = at[(stat[at] == name) & ~sup[at]] if hide else at[:0]
            sup[grow] = True
            changed |= bool(len(grow))
    if changed:
        S["suppressed"] = sup
    return changed


def _derived_tables(S: pd.DataFrame) -> None:
    """The unit-against-the-rest, index, key drivers and weighted tables of a battery show its items
    again. An item whose top box is hidden loses the unit's share, the difference and the other
    units' figure in the unit-against-the-rest table (the pooled figure minus the others' gave the
    unit's back, to within rounding); one whose mean is hidden (a cell is)
    loses the tests made from its distribution, its key-driver rows, and the battery's index (the
    items' average)."""
    battery = S[S["stat"].isin(("top2", "mean")) & (S["category"].isin(("top2", "")))]
    hidden = battery[battery["suppressed"].astype(bool)]
    for (table, group), rows in hidden.groupby(["table", "group"], sort=False):
        top_hidden = set(rows.loc[rows["stat"] == "top2", "variable"])
        mean_hidden = set(rows.loc[rows["stat"] == "mean", "variable"])
        vs = (S["table"] == f"{table}_vs_rest") & (S["group"] == group)
        S.loc[vs & S["variable"].isin(top_hidden) & S["category"].isin(("a", "b", "diff")), "suppressed"] = True
        S.loc[vs & S["variable"].isin(mean_hidden) & ~S["category"].isin(("a", "b", "diff")), "suppressed"] = True
        if mean_hidden:
            S.loc[(S["table"] == f"{table}_index") & (S["group"] == group) & (S["variable"] == "index")
                  & (S["stat"] == "mean"), "suppressed"] = True
            S.loc[(S["table"] == f"{table}_drivers") & (S["group"] == group)
                  & S["variable"].isin(mean_hidden), "suppressed"] = True
    follow_unweighted(S)


def follow_unweighted(S: pd.DataFrame) -> pd.DataFrame:
    """A weighted table (``<table>_weighted``) shows the same cells as its unweighted table, with
    weights a reader can nearly undo: a cell hidden there is hidden here (in place; returns ``S``)."""
    plain = S[~S["table"].str.endswith(DERIVED_SUFFIXES)]
    hidden_keys = set(map(tuple, plain.loc[plain["suppressed"].astype(bool),
                                           ["table", "group", "variable", "category", "stat"]].astype(str).to_numpy()))
    for i in S.index[S["table"].str.endswith("_weighted")]:
        key = (str(S.at[i, "table"]).removesuffix("_weighted"), str(S.at[i, "group"]), str(S.at[i, "variable"]),
               str(S.at[i, "category"]), str(S.at[i, "stat"]))
        if key in hidden_keys:
            S.at[i, "suppressed"] = True
    return S


def _closed(S: pd.DataFrame, books: dict[str, Codebook], units: list[str]) -> pd.DataFrame:
    """The fixed point of every rule over ``S`` (one unit's rows, or the rows of every unit of the
    wave with the pooled group's once)."""
    S["suppressed"] = S["suppressed"].astype(bool)
    for book in books.values():
        S = _public(S, book)
    S["_pinned"] = _pinned(S)
    groups = [*units, config.POOLED_GROUP]
    for _ in range(50):
        changed = _close_distributions(S)
        changed |= _same_cells(S)
        changed |= _close_breakdowns(S, groups)
        for book in books.values():
            changed |= _linked_indicators(S, book, groups)
            changed |= _compound_indicators(S, book, groups)
        changed |= summaries(S, books)
        changed |= _typed_other(S)
        if len(units) > 1:
            changed |= _close_wave_columns(S, units)
        if not changed:
            break
    _derived_tables(S)
    return S.drop(columns="_pinned")


def follow_shared(S: pd.DataFrame) -> pd.DataFrame:
    """A question two questionnaires share (``shared_<a>_<b>``): an answer's difference, its interval
    and tests are hidden where either questionnaire's share of that answer is hidden for the group —
    the difference plus the other share gives the hidden one back (桥东区 printed 中共预备党员 “—” for
    its workers beside a difference of 3.5 points from the residents' 1.0%)."""
    table = S["table"].astype(str)
    shared = table.str.startswith("shared_").to_numpy() & S["stat"].isin(["diff", "p", "p_adj"]).to_numpy()
    if not shared.any():
        return S
    own = (S["stat"] == "share").to_numpy() & ~table.str.startswith("shared_").to_numpy() \
        & ~table.str.contains("_by_").to_numpy() & S["suppressed"].astype(bool).to_numpy()
    hidden = set(map(tuple, S.loc[own, ["group", "variable", "category"]].astype(str).to_numpy()))
    keys = map(tuple, S.loc[shared, ["group", "variable", "category"]].astype(str).to_numpy())
    hit = np.array([k in hidden for k in keys], dtype=bool)
    if hit.any():
        S = S.copy()
        rows = np.where(shared)[0][hit]
        S.iloc[rows, S.columns.get_loc("suppressed")] = True
    return S


def coordinate(S: pd.DataFrame, books: dict[str, Codebook], unit: str) -> pd.DataFrame:
    """``S`` of one unit with one decision for every cell: public facts shown, then the
    distributions, breakdowns, linked indicators, rating summaries, typed 其他 counts and derived
    tables closed until nothing changes. A wave's units are decided together by
    :func:`coordinate_wave`, which every unit's report of the wave then reads."""
    return _closed(S.copy(), books, [unit])


def _pooled_row(group: pd.Series) -> pd.Series:
    g = group.astype(str)
    return (g == config.POOLED_GROUP) | g.str.startswith(config.POOLED_GROUP + "·")


def _row_keys(S: pd.DataFrame, unit: str) -> pd.Series:
    """A key per row: the pooled group's rows are the same in every unit's table (one key for all),
    the unit's own rows are the unit's."""
    cols = ["table", "group", "variable", "category", "stat"]
    text = S[cols].astype(str).agg("\x1f".join, axis=1)
    occ = text.groupby(text).cumcount().astype(str)
    owner = np.where(_pooled_row(S["group"]), "", unit)
    return pd.Series(owner, index=S.index) + "\x1e" + text + "\x1f" + occ


def coordinate_wave(reports: dict[str, pd.DataFrame], books: dict[str, Codebook]) -> dict[str, pd.DataFrame]:
    """Every unit's stats table of a wave (after :func:`wave_decision`) decided together: the rules
    of :func:`coordinate` for every unit at once, the pooled group's rows shared, and the wave's
    columns (:func:`_close_wave_columns`) closed with them, until nothing changes anywhere. A cell a
    unit's breakdown hides is thereby seen by the other units' columns. The result does not depend
    on which unit's report is being made."""
    units = list(reports)
    keyed = []
    for u, S in reports.items():
        S = S.copy()
        S["_key"] = _row_keys(S, u)
        keyed.append(S)
    every = pd.concat(keyed, ignore_index=True).drop_duplicates("_key").reset_index(drop=True)
    every["suppressed"] = every["suppressed"].astype(bool)
    for S in keyed:                 # a pooled row hidden in any copy is hidden in all
        hidden = set(S.loc[S["suppressed"].astype(bool), "_key"])
        every.loc[every["_key"].isin(hidden), "suppressed"] = True
    every = _closed(every, books, units)
    sums = {(f"{b.instrument}_indicators", name): partial for b in books.values()
            for name, expr, _, whole in _conditions(b) if whole and (partial := _one_variable_codes(expr))}
    for _ in range(20):                 # the local rules can still leave a figure determined
        left = disclosure.determined(every, units, sums)
        if not len(left) or not disclosure.protect(every, units, left, sums):
            break
        every = _closed(every, books, units)
    decided = every.set_index("_key")["suppressed"]
    out = {}
    for u, S in zip(units, keyed):
        S["suppressed"] = decided.reindex(S["_key"]).to_numpy(dtype=bool)
        out[u] = S.drop(columns="_key")
    return out


def _typed_other(S: pd.DataFrame) -> bool:
    """How many typed the text of their “其他” follows the question's cells: with any cell hidden it
    is hidden too (it bounds the 其他 cell from below: 5 typed texts under a hidden 其他 and a hidden
    neighbour give both back). In place; True when a count was hidden."""
    typed = (S["stat"] == "count") & (S["category"] == "other") & ~S["suppressed"].astype(bool)
    cells = S["stat"].isin(CELL_STATS) & S["suppressed"].astype(bool)
    hidden = set(map(tuple, S.loc[cells, ["table", "group", "variable"]].astype(str).to_numpy()))
    hit = [i for i in S.index[typed]
           if (str(S.at[i, "table"]), str(S.at[i, "group"]), str(S.at[i, "variable"])) in hidden]
    S.loc[hit, "suppressed"] = True
    return bool(hit)


def _same_cells(S: pd.DataFrame) -> bool:
    """The share of valid answers and the percent of everyone (a multi-select: of mentions and of
    respondents) of one category are the same count: hidden in one, hidden in both."""
    rows = S[S["stat"].isin(CELL_STATS) & S["n"].notna()]
    if not len(rows):
        return False
    any_hidden = rows.groupby(["table", "group", "variable", "category"], sort=False)["suppressed"] \
        .transform("any").astype(bool)
    grow = rows.index[any_hidden & ~rows["suppressed"].astype(bool)]
    S.loc[grow, "suppressed"] = True
    return bool(len(grow))


def _pinned(S: pd.DataFrame) -> np.ndarray:
    """Cells a reader has without their count: the one non-zero cell of a distribution (the base
    minus zeros), and a unit's cell each of whose breakdown parts is such a cell. Hiding one of
    them protects nothing, so they are never the cell hidden to protect another. (Counts only:
    :func:`_closed` works it out once, in the column ``_pinned``.)"""
    if "_pinned" in S:
        return S["_pinned"].to_numpy(dtype=bool)
    n = pd.to_numeric(S["n"], errors="coerce").to_numpy(dtype=float)
    base = pd.to_numeric(S["base"], errors="coerce").to_numpy(dtype=float)
    cell = S["stat"].isin(SHARE_STATS).to_numpy()
    pinned = cell & (n > 0) & (n == base)
    by = S["table"].str.contains("_by_").to_numpy()
    parts = S[cell & by & (n > 0)]
    if len(parts):
        owner = parts["group"].astype(str).str.split("·").str[0]
        inst = parts["table"].str.split("_by_").str[0]
        free = pd.Series(~pinned[cell & by & (n > 0)], index=parts.index)
        loose = set(zip(inst[free], owner[free], parts["variable"][free], parts["category"][free]))
        seen = set(zip(inst, owner, parts["variable"], parts["category"]))
        whole = np.where(cell & ~by & (n > 0) & ~pinned)[0]
        for i in whole:
            key = (str(S["table"].iat[i]).rsplit("_", 1)[0], str(S["group"].iat[i]), S["variable"].iat[i],
                   S["category"].iat[i])
            if key in seen and key not in loose:
                pinned[i] = True
    return pinned


def _owners(groups, units: list[str]) -> dict[str, tuple[str, str]]:
    """group → (the unit or pooled group it belongs to, the breakdown column: ``·男`` or "")."""
    owners = sorted([*units, config.POOLED_GROUP], key=len, reverse=True)
    out = {}
    for g in groups:
        for o in owners:
            if g == o or g.startswith(o + "·"):
                out[g] = (o, g[len(o):])
                break
    return out


def _close_wave_columns(S: pd.DataFrame, units: list[str]) -> bool:
    """Across the wave: the pooled group's count is the sum of the units' counts, for every cell
    (a single choice's, a multiple-choice option's, a breakdown column's ``unit·x`` against the
    pooled ``全部·x``), top box, typed 其他 count, free-text count and indicator. Where exactly one
    unit hides a figure the pooled one shows, the smallest non-zero figure of another unit is hidden
    too (the pooled one when none is left), as :func:`decide` does for the single choices."""
    keep = (S["stat"].isin(WAVE_STATS) & S["n"].notna() & ~S["table"].str.endswith(DERIVED_SUFFIXES)
            & ~S["table"].str.startswith(("shared_", "flow"))).to_numpy()
    owners = _owners(set(S.loc[keep, "group"].astype(str)), units)
    order = {u: i for i, u in enumerate(units)}
    order[config.POOLED_GROUP] = -1
    where = np.where(keep)[0]
    rows = S.iloc[where]
    pair = rows["group"].astype(str).map(lambda g: owners.get(g, ("", "")))
    rank = pair.map(lambda p: order.get(p[0], -2)).to_numpy()
    sup = S["suppressed"].to_numpy(dtype=bool).copy()
    n = pd.to_numeric(S["n"], errors="coerce").to_numpy(dtype=float)
    keys = rows[["table", "variable", "stat", "category"]].assign(_column=pair.map(lambda p: p[1]).to_numpy())
    pinned = _pinned(S)
    changed = False
    for idx in keys.groupby(["table", "variable", "stat", "category", "_column"], sort=False).indices.values():
        at, r = where[idx], rank[idx]
        pool, mine, mine_rank = at[r == -1], at[r >= 0], r[r >= 0]
        if len(pool) != 1 or sup[pool[0]] or (sup[mine] & (n[mine] > 0)).sum() != 1:   # a hidden 0: nothing to protect
            continue
        free = ~sup[mine] & (n[mine] > 0) & ~pinned[mine]       # (NaN counts compare False)
        if free.any():
            cand = np.lexsort((mine_rank[free], n[mine][free]))      # smallest count, then unit order
            sup[mine[free][cand[0]]] = True
        else:
            sup[pool[0]] = True
        changed = True
    if changed:
        S["suppressed"] = sup
    return changed


def wave_decision(S: pd.DataFrame, frames: dict[str, pd.DataFrame], books: dict[str, Codebook]) -> pd.DataFrame:
    """``S`` with the wave's decision (:func:`wave_masks`) on every single-choice distribution the
    units share: each questionnaire's profile, single-choice questions and rating items (public
    facts aside), for the units and the pooled group in ``S``."""
    for inst, df in frames.items():
        book = books[inst]
        unit_var = book.role("district")
        if unit_var is None or unit_var not in df:
            continue
        public = set(book.report.public)
        tables: dict[str, list[str]] = {f"{inst}_composition": [v for v in book.report.profile if v not in public]}
        for b in book.report.batteries:
            tables[f"{inst}_{b.table_suffix}"] = list(b.items)
        for name, v in book.variables.items():
            if v.type == "single" and name not in public and not v.scale and name != unit_var:
                tables[f"{inst}_q_{name}"] = [name]
        for table, variables in tables.items():
            variables = [v for v in variables if v in df]
            if variables and (S["table"] == table).any():
                S = apply_wave(S, wave_masks(df, book, unit_var, variables), {table})
    return S
