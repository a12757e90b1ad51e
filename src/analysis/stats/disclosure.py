"""Which hidden figures of a wave a reader can still work out, and a last pass that hides more.

The rules of :mod:`analysis.stats.coordinated` are local (one distribution, one column, one
breakdown at a time); together they can still leave a hidden figure determined by the published
ones. This module writes down the linear relations a reader has between the figures of every
unit's table and the pooled group's — a distribution's cells add up to its printed base (a multiple
choice's options to the mentions), the pooled figure is the units' sum (per category, option,
breakdown column, typed 其他 count, indicator), a breakdown's columns add up to the unit's cell —
and finds the hidden figures that lie in the row space of those relations (:func:`determined`,
numerically, component by component: the relations are small integer ones). :func:`protect`
then hides, for each such figure, the pooled figure of its column (or, when that is hidden
already, the smallest other published cell of its distribution), and the caller closes again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config

FAMILY = {"share": "cell", "pct": "cell", "response_share": "cell", "case_share": "cell",
          "count": "count", "rate": "rate"}
TOTALS = ("share", "response_share")


def _figures(S: pd.DataFrame, units: list[str]) -> pd.DataFrame:
    """One row per figure a reader can see (a share and a percent of one count are one figure)."""
    rows = S[S["stat"].isin(list(FAMILY)) & S["n"].notna() & (S["category"].astype(str) != "missing")
             & ~S["table"].str.endswith(("_vs_rest", "_index", "_drivers", "_weighted"))
             & ~S["table"].str.startswith(("shared_", "flow"))]
    owners = sorted([*units, config.POOLED_GROUP], key=len, reverse=True)
    groups = {g: next(((o, g[len(o):]) for o in owners if g == o or g.startswith(o + "·")), ("", ""))
              for g in set(rows["group"].astype(str))}
    pair = rows["group"].astype(str).map(groups)
    out = pd.DataFrame({"row": rows.index, "owner": pair.map(lambda p: p[0]).to_numpy(),
                        "column": pair.map(lambda p: p[1]).to_numpy(), "table": rows["table"].to_numpy(),
                        "variable": rows["variable"].to_numpy(), "family": rows["stat"].map(FAMILY).to_numpy(),
                        "stat": rows["stat"].to_numpy(), "category": rows["category"].astype(str).to_numpy(),
                        "hidden": rows["suppressed"].astype(bool).to_numpy()})
    out = out[out["owner"] != ""]
    key = ["owner", "column", "table", "variable", "family", "category"]
    out["figure"] = out.groupby(key, sort=False).ngroup()
    return out


def _relations(F: pd.DataFrame, partial_sums: dict[tuple[str, str], tuple[str, list[str]]]) -> list[list[int]]:
    """Each relation as the figures it adds up (coefficients ±1, ``-f - 1`` for −f; constants do
    not matter). ``partial_sums``: (indicator table, indicator) → (variable, codes) it sums."""
    first = F.drop_duplicates("figure")
    n_units = first.loc[first["owner"] != config.POOLED_GROUP, "owner"].nunique()
    rel: list[list[int]] = []
    if partial_sums:
        cell_of = {(o, v, c): int(x) for o, t, v, c, x in
                   first.loc[(first["family"] == "cell") & (first["column"] == "") & ~first["table"].str.contains("_by_"),
                             ["owner", "table", "variable", "category", "figure"]].itertuples(index=False)}
        for o, t, v, x in first.loc[first["family"] == "rate", ["owner", "table", "variable", "figure"]] \
                .itertuples(index=False):
            if (t, v) in partial_sums:
                var, codes = partial_sums[(t, v)]
                cells = [cell_of.get((o, var, c)) for c in codes]
                if all(c is not None for c in cells):
                    rel.append([-int(x) - 1, *cells])
    totals = F[F["stat"].isin(TOTALS) & (F["category"] != "other")].drop_duplicates("figure")
    figure = totals["figure"].to_numpy()
    for idx in totals.groupby(["owner", "column", "table", "variable", "stat"], sort=False).indices.values():
        rel.append([int(x) for x in figure[idx]])
    figure, is_pooled = first["figure"].to_numpy(), (first["owner"] == config.POOLED_GROUP).to_numpy()
    for idx in first.groupby(["column", "table", "variable", "family", "category"], sort=False).indices.values():
        pooled = idx[is_pooled[idx]]
        if len(pooled) == 1 and len(idx) == n_units + 1:        # a unit without the row: one more unknown
            rel.append([-int(figure[pooled[0]]) - 1, *[int(x) for x in figure[idx[~is_pooled[idx]]]]])
    cells = first[(first["family"] == "cell") & (first["column"] == "") & ~first["table"].str.contains("_by_")]
    whole = {(o, t.split("_")[0], v, c): int(x) for o, t, v, c, x in
             cells[["owner", "table", "variable", "category", "figure"]].itertuples(index=False)}
    parts = first[(first["family"] == "cell") & (first["column"] != "") & first["table"].str.contains("_by_")]
    figure = parts["figure"].to_numpy()
    for (o, t, v, c), idx in parts.groupby(["owner", "table", "variable", "category"], sort=False).indices.items():
        w = whole.get((o, t.split("_by_")[0].split("_")[0], v, c))
        if w is not None:
            rel.append([-w - 1, *[int(x) for x in figure[idx]]])
    return rel


def determined(S: pd.DataFrame, units: list[str],
               partial_sums: dict[tuple[str, str], tuple[str, list[str]]] | None = None) -> pd.Index:
    """The rows of ``S`` holding a hidden non-zero figure the published figures determine (a hidden
    0 given back says “nobody”, which the policy publishes anyway)."""
    F = _figures(S, units)
    hidden = F.drop_duplicates("figure").set_index("figure")["hidden"]
    unknown = {f: i for i, f in enumerate(hidden.index[hidden.to_numpy()])}
    if not unknown:
        return pd.Index([])
    rows = []
    for r in _relations(F, partial_sums or {}):
        coef = np.zeros(len(unknown))
        for x in r:
            f, sign = (-x - 1, -1.0) if x < 0 else (x, 1.0)
            if f in unknown:
                coef[unknown[f]] += sign
        if coef.any():
            rows.append(coef)
    if not rows:
        return pd.Index([])
    A = np.array(rows)
    fixed = set()
    names = list(unknown)
    for cols, eqs in _components(A):              # the relations fall apart into small blocks
        _, s, vt = np.linalg.svd(A[np.ix_(eqs, cols)], full_matrices=True)
        rank = int((s > 1e-9 * max(1.0, s.max())).sum())
        null = vt[rank:]                          # a figure is determined when no null vector moves it
        moved = np.abs(null).max(axis=0) if len(null) else np.zeros(len(cols))
        fixed |= {names[c] for c, m in zip(cols, moved) if m < 1e-9}
    rows = pd.Index(F.loc[F["figure"].isin(fixed), "row"])
    return rows[pd.to_numeric(S.loc[rows, "n"], errors="coerce").fillna(0).to_numpy() > 0]   # a 0 says “nobody”


def _components(A: np.ndarray) -> list[tuple[list[int], list[int]]]:
    """(unknowns, relations) of each connected block of the relation matrix."""
    parent = list(range(A.shape[1]))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in A:
        nz = np.flatnonzero(row)
        for j in nz[1:]:
            parent[root(int(j))] = root(int(nz[0]))
    cols: dict[int, list[int]] = {}
    for j in range(A.shape[1]):
        cols.setdefault(root(j), []).append(j)
    eqs: dict[int, list[int]] = {}
    for i, row in enumerate(A):
        eqs.setdefault(root(int(np.flatnonzero(row)[0])), []).append(i)
    return [(c, eqs[r]) for r, c in cols.items() if r in eqs]


def protect(S: pd.DataFrame, units: list[str], rows: pd.Index,
            partial_sums: dict[tuple[str, str], tuple[str, list[str]]] | None = None) -> bool:
    """For each determined hidden figure, hide the nearest published non-zero figure through the
    relations (a pooled one first, else the smallest)."""
    F = _figures(S, units)
    first = F.drop_duplicates("figure").set_index("figure")
    n = pd.to_numeric(S.loc[first["row"], "n"], errors="coerce").fillna(0).to_numpy(dtype=float)
    count = pd.Series(n, index=first.index)
    hidden = F.groupby("figure")["hidden"].any()
    relations = [[x if x >= 0 else -x - 1 for x in r] for r in _relations(F, partial_sums or {})]
    of: dict[int, list[int]] = {}
    for i, r in enumerate(relations):
        for f in r:
            of.setdefault(f, []).append(i)
    grow: set[int] = set()
    for f in F.loc[F["row"].isin(rows), "figure"].unique():
        seen, level = {int(f)}, {int(f)}
        while level:                              # the nearest published figures through the relations
            level = {g for h in level for i in of.get(h, ()) for g in relations[i]} - seen
            seen |= level
            free = [g for g in level if not hidden[g] and g not in grow]
            free = [g for g in free if count[g] > 0] or free      # a published 0 only when nothing else is left
            if free:
                pooled = [g for g in free if first.at[g, "owner"] == config.POOLED_GROUP]
                grow.add(min(pooled or free, key=lambda g: (count[g], g)))
                break
    if not grow:
        return False
    S.loc[F.loc[F["figure"].isin(grow), "row"], "suppressed"] = True
    return True
