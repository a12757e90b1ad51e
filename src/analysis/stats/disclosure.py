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
    for _, f in totals.groupby(["owner", "column", "table", "variable", "stat"], sort=False):
        rel.append([int(x) for x in f["figure"]])
    for _, f in first.groupby(["column", "table", "variable", "family", "category"], sort=False):
        pooled = f[f["owner"] == config.POOLED_GROUP]
        if len(pooled) == 1 and len(f) == n_units + 1:          # a unit without the row: one more unknown
            rel.append([-int(pooled["figure"].iloc[0]) - 1, *[int(x) for x in f.loc[f["owner"] != config.POOLED_GROUP, "figure"]]])
    cells = first[(first["family"] == "cell") & (first["column"] == "") & ~first["table"].str.contains("_by_")]
    whole = {(o, t.split("_")[0], v, c): int(x) for o, t, v, c, x in
             cells[["owner", "table", "variable", "category", "figure"]].itertuples(index=False)}
    parts = first[(first["family"] == "cell") & (first["column"] != "") & first["table"].str.contains("_by_")]
    for (o, t, v, c), f in parts.groupby(["owner", "table", "variable", "category"], sort=False):
        w = whole.get((o, t.split("_by_")[0].split("_")[0], v, c))
        if w is not None:
            rel.append([-w - 1, *[int(x) for x in f["figure"]]])
    return rel


def determined(S: pd.DataFrame, units: list[str],
               partial_sums: dict[tuple[str, str], tuple[str, list[str]]] | None = None) -> pd.Index:
    """The rows of ``S`` holding a hidden figure the published figures determine."""
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
    _, s, vt = np.linalg.svd(A, full_matrices=True)
    rank = int((s > 1e-9 * max(1.0, s.max())).sum())
    null = vt[rank:]                          # a figure is determined when no null vector moves it
    moved = np.abs(null).max(axis=0) if len(null) else np.zeros(len(unknown))
    fixed = {f for f, i in unknown.items() if moved[i] < 1e-9}
    return pd.Index(F.loc[F["figure"].isin(fixed), "row"])


def protect(S: pd.DataFrame, units: list[str], rows: pd.Index) -> bool:
    """For each determined hidden figure: hide the pooled figure of its column, or when that is
    hidden (or it is the pooled one) the smallest published non-zero cell of its distribution."""
    F = _figures(S, units)
    sup = S["suppressed"].to_numpy(dtype=bool).copy()
    at = {r: i for i, r in enumerate(S.index)}
    changed = False
    for r in rows:
        me = F[F["row"] == r]
        if not len(me):
            continue
        me = me.iloc[0]
        col = F[(F["column"] == me["column"]) & (F["table"] == me["table"]) & (F["variable"] == me["variable"])
                & (F["family"] == me["family"]) & (F["category"] == me["category"])
                & (F["owner"] == config.POOLED_GROUP) & ~F["row"].map(lambda x: sup[at[x]])]
        if me["owner"] != config.POOLED_GROUP and len(col):
            for x in col["row"]:
                sup[at[x]] = True
            changed = True
            continue
        dist = F[(F["owner"] == me["owner"]) & (F["column"] == me["column"]) & (F["table"] == me["table"])
                 & (F["variable"] == me["variable"]) & (F["stat"] == me["stat"]) & (F["category"] != "other")]
        dist = dist[~dist["row"].map(lambda x: sup[at[x]])]
        n = pd.to_numeric(S.loc[dist["row"], "n"], errors="coerce").to_numpy(dtype=float)
        if len(dist) and (n > 0).any():
            pick = dist["row"].to_numpy()[n > 0][np.argmin(n[n > 0])]
            same = F[(F["figure"] == F.loc[F["row"] == pick, "figure"].iloc[0])]["row"]
            for x in same:
                sup[at[x]] = True
            changed = True
    if changed:
        S["suppressed"] = sup
    return changed
