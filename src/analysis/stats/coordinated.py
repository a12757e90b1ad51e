"""One suppression decision per report and across the wave.

:mod:`analysis.stats.suppression` decides one distribution at a time. The same answers are
printed in several places, so a cell hidden in one place must not be printed or derivable in
another. This module makes the decision once for the whole stats table ``S`` of a unit, and for the
wave's units together:

1. **Public profile facts.** Variables a codebook lists in ``report.public`` (who holds which post
   in a census of the workforce) are never hidden, in any table, nor are the subgroup counts and
   indicators made only of them. What a respondent answered stays protected.
2. **Across the wave.** The pooled group's cell is the sum of the units' cells, so a cell hidden in
   exactly one unit follows from the pooled table minus the others. For every distribution the
   units share, the units' cells are decided together (:func:`wave_masks`): the usual rule per
   unit, then, in every category where exactly one unit is hidden, the smallest non-zero cell of
   another unit is hidden too (the pooled cell when there is none), repeated until nothing changes.
   Every unit's report computes the same decision from the same wave.
3. **Within the report.** A breakdown's columns add up to the unit's cell; a declared indicator
   ``v == c`` over the answers to ``v`` is that cell's share; a battery's top box, mean and net
   follow from its cells; the unit-against-the-rest, index, key-driver and weighted tables show the
   same items again. Each of these relations is closed the same way (:func:`coordinate`).

Left alone, and said so in the method note: multiple-choice options (not a partition) are decided
one table at a time, and cells hidden only by a breakdown (step 3) are not fed back to the other
units' reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.spec.codebook import Codebook, Expression, parse_condition
from analysis.stats import suppression

SHARE_STATS = ("share", "pct")
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
    :func:`suppression.complementary`)."""
    changed = False
    share = S[S["stat"].isin(SHARE_STATS) & S["n"].notna()]
    for _, rows in share.groupby(["table", "group", "variable", "stat"], sort=False):
        mask = rows["suppressed"].to_numpy(dtype=bool)
        grown = suppression.complementary(rows["n"].to_numpy(dtype=float), mask)
        if (grown != mask).any():
            S.loc[rows.index[grown & ~mask], "suppressed"] = True
            changed = True
    return changed


def _close_breakdowns(S: pd.DataFrame, unit: str) -> bool:
    """A breakdown's columns (groups ``unit·x``) add up to the unit's cell of the same variable."""
    changed = False
    cols = S[S["group"].astype(str).str.startswith(unit + "·") & (S["stat"] == "share")
             & S["table"].str.contains("_by_")]
    whole = S[(S["group"] == unit) & (S["stat"] == "share") & ~S["table"].str.contains("_by_|shared_")]
    for (table, variable, category), parts in cols.groupby(["table", "variable", "category"], sort=False):
        inst = str(table).split("_by_")[0]
        mine = whole[(whole["variable"] == variable) & (whole["category"] == category)
                     & whole["table"].str.startswith(inst + "_")]
        members = pd.concat([mine.iloc[:1], parts])
        hidden = members["suppressed"].to_numpy(dtype=bool)
        if hidden.sum() != 1:
            continue
        free = members[~hidden & (members["n"].fillna(0) > 0)]
        if len(free):
            S.loc[free["n"].astype(float).idxmin(), "suppressed"] = True
            changed = True
    return changed


def _linked_indicators(S: pd.DataFrame, book: Codebook, unit_groups) -> bool:
    """An indicator ``v == c`` over the answers to ``v`` is the share of the cell (v, c): one hidden,
    both hidden."""
    changed = False
    inst = book.instrument
    for ind in book.report.indicators:
        if ind.kind != "share" or ind.among is not None or not ind.of:
            continue
        expr = parse_condition(ind.args[0])
        if len(expr.any_of) != 1 or len(expr.any_of[0]) != 1:
            continue
        c = expr.any_of[0][0]
        if c.op != "==" or c.variable != ind.of or isinstance(c.operand, str):
            continue
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


def _book_of(table: str, books: dict[str, Codebook]) -> Codebook | None:
    return next((b for b in sorted(books.values(), key=lambda b: -len(b.instrument))
                 if str(table).startswith(b.instrument + "_")), None)


def summaries(S: pd.DataFrame, books: dict[str, Codebook]) -> None:
    """A rating item's mean, top box and net follow from its cells (:func:`suppression.summaries`),
    in place."""
    tops = S[S["stat"] == "top2"]
    for (table, group, variable), _ in tops.groupby(["table", "group", "variable"], sort=False):
        book = _book_of(table, books)
        var = book.variables.get(variable) if book else None
        if var is None or not var.top_box:
            continue
        at = (S["table"] == table) & (S["group"] == group) & (S["variable"] == variable)
        cells = S[at & (S["stat"] == "share")]
        codes = pd.to_numeric(cells["category"], errors="coerce").to_numpy()
        mask = cells["suppressed"].to_numpy(dtype=bool)
        hide_mean, hide_top = suppression.summaries(codes, mask, var.top_box)
        bottom = sorted(var.values)[:len(var.top_box)]
        hide_bottom = suppression.summaries(codes, mask, bottom)[1]
        S.loc[at & (S["stat"] == "mean"), "suppressed"] |= hide_mean
        S.loc[at & (S["stat"] == "top2"), "suppressed"] |= hide_top
        S.loc[at & (S["stat"] == "net"), "suppressed"] |= hide_top or hide_bottom


def _derived_tables(S: pd.DataFrame) -> None:
    """The unit-against-the-rest, index, key drivers and weighted tables of a battery show its items
    again. An item whose top box is hidden loses the unit's share and the difference in the
    unit-against-the-rest table (the other units' figure stays); one whose mean is hidden (a cell is)
    loses the tests made from its distribution, its key-driver rows, and the battery's index (the
    items' average)."""
    battery = S[S["stat"].isin(("top2", "mean")) & (S["category"].isin(("top2", "")))]
    hidden = battery[battery["suppressed"].astype(bool)]
    for (table, group), rows in hidden.groupby(["table", "group"], sort=False):
        top_hidden = set(rows.loc[rows["stat"] == "top2", "variable"])
        mean_hidden = set(rows.loc[rows["stat"] == "mean", "variable"])
        vs = (S["table"] == f"{table}_vs_rest") & (S["group"] == group)
        S.loc[vs & S["variable"].isin(top_hidden) & S["category"].isin(("a", "diff")), "suppressed"] = True
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


def coordinate(S: pd.DataFrame, books: dict[str, Codebook], unit: str) -> pd.DataFrame:
    """``S`` with one decision for every cell: public facts shown, then the distributions,
    breakdowns, linked indicators, rating summaries and derived tables closed until nothing changes."""
    S = S.copy()
    S["suppressed"] = S["suppressed"].astype(bool)
    for book in books.values():
        S = _public(S, book)
    groups = [unit, config.POOLED_GROUP]
    for _ in range(20):
        changed = _close_distributions(S)
        changed |= _close_breakdowns(S, unit)
        for book in books.values():
            changed |= _linked_indicators(S, book, groups)
        if not changed:
            break
    summaries(S, books)
    _typed_other(S)
    _derived_tables(S)
    return S


def _typed_other(S: pd.DataFrame) -> None:
    """How many typed the text of their “其他” follows the question's cells: with any cell hidden it
    is hidden too (it bounds the 其他 cell from below: 5 typed texts under a hidden 其他 and a hidden
    neighbour give both back). In place."""
    typed = (S["stat"] == "count") & (S["category"] == "other")
    cells = S["stat"].isin(("share", "pct", "response_share", "case_share")) & S["suppressed"].astype(bool)
    hidden = set(map(tuple, S.loc[cells, ["table", "group", "variable"]].astype(str).to_numpy()))
    for i in S.index[typed]:
        if (str(S.at[i, "table"]), str(S.at[i, "group"]), str(S.at[i, "variable"])) in hidden:
            S.at[i, "suppressed"] = True


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
