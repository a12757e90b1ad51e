"""Weighting each district's respondents to its population, and weighted tables for the report.

The steps, each a pure function on a :class:`~analysis.weighting.design.Design`:

1. ``margins.load_margins(path, codebooks)``: the population of every district by gender × age
   band (``config/margins/<wave>.yaml``), validated against the codebooks (module ``margins``,
   the only file reading involved); or, written as ``population:``, the whole population once
   (a questionnaire without a unit question): then the whole sample is raked and trimmed as one.
2. ``rake(design, margins)`` (R's ``rake``) or ``poststratify(design, margins)`` (R's
   ``postStratify`` on the joint cells): within each district, weights whose totals match the
   district's population on each margin. Raking needs only the margins to be covered; post-
   stratification needs a respondent in every gender × age cell. Respondents without a gender or
   age band get weight 0: they stay in ``design.data`` (and in unweighted tables) but are left out
   of the weighting and of weighted estimates, as R's ``rake(subset(design, !is.na(band)))``
   does (checked against it); ``design.history`` says how many.
3. ``trim(design, factor)``: the trimming rule. Within each district a weight above
   ``factor`` × the district's median weight is cut to that cap and the weight cut off is shared
   equally (added, not scaled) among the district's untrimmed respondents, repeated until no
   weight is above the cap: R's ``trimWeights(design, upper = cap, strict = TRUE)`` applied to
   each district (checked against it in the tests). The district's total is kept but the margins
   no longer hold, so ``trim`` alone gives a design whose variance treats the trimmed weights as
   given. ``weight_design`` therefore rakes again from the trimmed weights (rake → trim → rake,
   as in R ``rake(svydesign(weights = trimmed), …)``, checked against it): the margins hold
   exactly again and the variance accounts for the raking. The margins win over the cap: where a
   margin level has few respondents for its population, raking again lifts their weights above
   the cap (bundled residents: largest weight 4.9 × its district's median raked, 4.7 × after
   trimming at 3.5); ``history`` states the final ratio and ``weight_summary`` shows ``w_max``.
   When no weight is above the cap nothing is trimmed and the design stays as raked.
4. ``weighted_composition`` / ``weighted_likert`` / ``weighted_numeric`` / ``weighted_tables``:
   rows of the project's tidy stats table (``stats.COLUMNS``) plus ``se``, ``df``, ``deff`` (Kish,
   1 + CV² of the weights behind the estimate), ``n_eff`` and ``weighted`` (True), so a weighted
   figure can sit next to the unweighted one; ``weight_summary`` gives per district the number
   of respondents, the weight range, Kish's deff and effective n.

Why ``svy``: the issue asks for a maintained survey library rather than estimators by hand.
``svy`` 0.35 (MIT; the successor of the archived samplics) reproduces R ``survey`` 4.1.1 to about
nine significant digits on our references (raked weights, Taylor SEs with strata, clusters and fpc,
raked-design SEs, domains, logit intervals); its own trimming shares the cut weight
proportionally, not as R does, so the trimming rule above is ours (a dozen lines, checked against
R's ``trimWeights``). It is beta software whose API moved often between minors: pinned to 0.35.x.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import SurveyError
from analysis.spec.codebook import Codebook
from analysis.spec.margins import InstrumentMargins, Margins, load_margins, margins_path
from analysis.stats import suppression
from analysis.stats.base import COLUMNS, SHARE_DECIMALS, largest_remainder
from analysis.weighting.design import (
    Design,
    _run,
    category_key,
    effective_n,
    kish_deff,
    mean,
    proportions,
    resample,
    survey_design,
)

EXTRA_COLUMNS = ["se", "df", "deff", "n_eff", "weighted"]
WEIGHTED_COLUMNS = COLUMNS + EXTRA_COLUMNS
WEIGHTED_BASE = "有效回答（加权）"
DEFAULT_TRIM_FACTOR = 3.5          # cap = 3.5 × the district's median weight
_SEP = "\x1f"
_WEIGHT_FIX = "检查总体结构文件（config/margins/）与样本：每个区县每个加权类别都要有受访者，人数为正。"


# -- weighting ----------------------------------------------------------------------------------------

def _district_column(design: Design, by: str | None) -> pd.Series:
    """Every respondent's unit (text); ``by=None``: one unit, ``config.WHOLE_SAMPLE``."""
    if by is None:
        return pd.Series(config.WHOLE_SAMPLE, index=design.data.index)
    if by not in design.data:
        raise SurveyError("数据中没有区县列，无法按区县加权。", variable=by,
                          fix="数据没有区县列时用 by=None，把全部样本作为一层加权（总体结构写 population:）。")
    return design.data[by].astype(str)


def _units(design: Design, margins: InstrumentMargins, by: str | None) -> pd.Series:
    """The unit each respondent is raked in: the whole sample for whole-population margins
    (``population:``), else the ``by`` column, which per-district margins need."""
    if margins.whole:
        return _district_column(design, None)
    if by is None:
        raise SurveyError(f"总体结构是按区县写的（{'、'.join(margins.districts)}），但数据没有指定区县列，无法对应。",
                          file=str(margins.path), variable=f"{margins.instrument}.districts",
                          fix="数据有区县列时用 by=<区县列>；问卷没有区县题时，在总体结构文件中把 districts: 改写为 "
                              "population:（全体的人数表）。")
    return _district_column(design, by)


def _prepare(design: Design, margins: InstrumentMargins, by: str | None) -> tuple[np.ndarray, pd.Series]:
    """Which respondents can be weighted (all weighting variables known), checked against margins."""
    for v in margins.variables:
        if v not in design.data:
            raise SurveyError(f"数据中没有加权变量 {v}。", variable=v,
                              fix=f"检查 {margins.path.name} 的 variables 与问卷数据是否对应。")
    district = _units(design, margins, by)
    unknown = sorted(set(district) - set(margins.districts))
    if unknown:
        raise SurveyError(f"区县 {'、'.join(unknown)} 没有总体结构，无法加权。", file=str(margins.path),
                          variable=f"{margins.instrument}.districts",
                          fix=f"在文件中为这些区县补上 {' × '.join(margins.variables)} 的人数表。")
    ok = np.ones(len(design.data), dtype=bool)
    for v in margins.variables:
        ok &= design.data[v].notna().to_numpy()
    ok &= design.weights > 0
    return ok, district


def _keys(design: Design, district: pd.Series, columns: Sequence[str], ok: np.ndarray,
          fill: Sequence[int] | None = None) -> pd.Series:
    """district + codes as one text key per respondent. Rows outside the weighting (weight 0, not
    in the svy sample) get the key of the ``fill`` codes so that the column has no gaps."""
    key = district.copy()
    for i, c in enumerate(columns):
        codes = design.data[c].map(lambda x: "" if pd.isna(x) else category_key(x))
        if fill is not None:
            codes = codes.where(ok, category_key(fill[i]))
        key = key + _SEP + codes
    return key


def _unreachable(design: Design, ok: np.ndarray, district: pd.Series, targets: pd.DataFrame,
                 columns: list[str], margins: InstrumentMargins, what: str) -> None:
    """A population cell with people but no respondent to carry them: no weights can reach it."""
    present = set(_keys(design, district, columns, ok)[ok])
    mine = targets[targets["district"].isin(set(district[ok]))]
    for _, r in mine.iterrows():
        key = _SEP.join([r["district"], *[category_key(r[c]) for c in columns]])
        if r["population"] > 0 and key not in present:
            book_cats = "、".join(f"{c}={category_key(r[c])}" for c in columns)
            raise SurveyError(f"{r['district']} 的 {book_cats} 总体有 {r['population']:g} 人，但样本中没有这类受访者，{what}无法达到该总体数。",
                              file=str(margins.path), variable=f"{margins.instrument}.districts.{r['district']}",
                              fix="合并相邻类别（例如年龄段）后再加权，或改用耙权 rake（只要求各边际类别有受访者）。")


def _raking_unit(book: Codebook, margins: InstrumentMargins, district: str) -> str:
    """The unit whose raking weights ``district``'s respondents: the whole sample when the margins
    are the whole population's or the questionnaire has no unit question, else the district."""
    return config.WHOLE_SAMPLE if margins.whole or book.role("district") is None else district


def unweightable(df: pd.DataFrame, book: Codebook, margins: InstrumentMargins) -> dict[str, str]:
    """The units raking cannot weight, each with the reason in a reader's words: a margin category
    with people in the population but no respondent of the unit in it (no weight can carry them).
    Respondents without a weighting variable do not count (they get weight 0). Only units present
    in ``df`` are looked at; the others are not weighted anyway. Whole-population margins, or a
    questionnaire without a unit question, have one unit: ``config.WHOLE_SAMPLE``."""
    dvar = book.role("district")
    if any(v not in df for v in margins.variables):
        return {}
    if _raking_unit(book, margins, "") == config.WHOLE_SAMPLE:
        units = pd.Series(config.WHOLE_SAMPLE, index=df.index)
    elif dvar in df:
        units = df[dvar].astype(str)
    else:
        return {}
    ok = df[list(margins.variables)].notna().all(axis=1)
    m = margins.marginals
    out: dict[str, str] = {}
    for v in margins.variables:
        have = set(zip(units[ok], df.loc[ok, v].map(category_key)))
        labels = {category_key(k): lab for k, lab in book.labels(v).items()}
        for r in m[(m["variable"] == v) & m["district"].isin(set(units))].itertuples():
            key = category_key(r.category)
            if r.population > 0 and (r.district, key) not in have and r.district not in out:
                out[r.district] = (f"总体中{book.label(v)}为“{labels.get(key, key)}”的有{r.population:g}人，"
                                   f"但本单位样本中没有这类受访者，无法按总体结构加权")
    return out


def _unweighted_note(book: Codebook, reason: str, path: Path) -> str:
    return (f"{book.respondent or book.title}未加权：{reason}，相关比例为未加权的样本比例"
            f"（可在 {path.name} 中合并相邻类别，或补充调查这类受访者）。")


def _zero_base(design: Design, ok: np.ndarray) -> tuple[Design, list[str]]:
    notes = []
    if (~ok & (design.weights > 0)).any():
        n = int((~ok & (design.weights > 0)).sum())
        notes.append(f"{n} 名受访者缺少加权变量，权重为 0（不进入加权估计）")
        w = np.where(ok, design.weights, 0.0)
        design = resample(design, w, None)
    return design, notes


def rake(design: Design, margins: InstrumentMargins, by: str | None = "district", tol: float = 1e-10,
         max_iter: int = 500) -> Design:
    """Rake each district's weights to its population margins (R's ``rake``; iterative
    proportional fitting, run to a tight tolerance). The variance of later estimates accounts
    for the raking, as in R. Whole-population margins (``population:``, ``margins.whole``) rake
    the whole sample as one (``by`` is then not needed: ``by=None`` for data without a unit
    column); per-district margins need the unit column ``by``."""
    ok, district = _prepare(design, margins, by)
    m = margins.marginals
    for v in margins.variables:
        t = m[m["variable"] == v].rename(columns={"category": v})[["district", v, "population"]]
        _unreachable(design, ok, district, t, [v], margins, "耙权")
    design, notes = _zero_base(design, ok)
    controls = {}
    for i, v in enumerate(margins.variables):
        col = f"_rake{i}"
        first = m.loc[m["variable"] == v, "category"].iloc[0]
        design = design.with_column(col, _keys(design, district, [v], ok, [first]))
        t = m[(m["variable"] == v) & m["district"].isin(set(district))]
        controls[col] = {_SEP.join([r.district, category_key(r.category)]): float(r.population)
                         for r in t.itertuples()}
    name = f"_w{len(design.history) + 1}"
    out = _run(design, by, _WEIGHT_FIX, lambda: design.sample.weighting.rake(controls=controls, wgt_name=name, tol=tol,
                                                                 max_iter=max_iter))
    where = "全部样本" if margins.whole else "各区县"
    step = f"按{margins.described}的总体边际分布对{where}耙权（raking）" + (f"；{notes[0]}" if notes else "")
    return design.with_weights(out, name, step)


def poststratify(design: Design, margins: InstrumentMargins, by: str | None = "district") -> Design:
    """Post-stratify each district (or, for whole-population margins, the whole sample) to its
    joint gender × age cells (R's ``postStratify``)."""
    if margins.joint is None:
        raise SurveyError("事后分层需要各区县的联合人数表，文件里只有边际分布。", file=str(margins.path),
                          variable=margins.instrument, fix="改用耙权 rake，或写出 行 × 列 的人数表。")
    ok, district = _prepare(design, margins, by)
    cols = list(margins.variables)
    _unreachable(design, ok, district, margins.joint, cols, margins, "事后分层")
    design, notes = _zero_base(design, ok)
    keys = _keys(design, district, cols, ok, [margins.joint[c].iloc[0] for c in cols])
    design = design.with_column("_ps", keys)
    j = margins.joint[margins.joint["district"].isin(set(district))]
    controls = {_SEP.join([r["district"], *[category_key(r[c]) for c in cols]]): float(r["population"])
                for _, r in j.iterrows()}
    controls = {k: v for k, v in controls.items() if v > 0 or k in set(keys)}
    name = f"_w{len(design.history) + 1}"
    out = _run(design, by, _WEIGHT_FIX, lambda: design.sample.weighting.poststratify(controls=controls, cells="_ps",
                                                                        wgt_name=name))
    step = f"按{margins.described}的联合总体分布对{'全部样本' if margins.whole else '各区县'}事后分层（post-stratification）" + (f"；{notes[0]}" if notes else "")
    return design.with_weights(out, name, step)


def trim_weights(weights: np.ndarray, groups: np.ndarray | pd.Series, factor: float = DEFAULT_TRIM_FACTOR,
                 slack: float = 0.0, max_iter: int = 100) -> tuple[np.ndarray, pd.DataFrame]:
    """The trimming rule on an array: per group cap = factor × median positive weight; weights
    above it are cut to it and the cut-off weight is added equally to the group's other positive
    weights, until none is above the cap (R ``trimWeights(strict = TRUE)`` within each group).
    A group whose weights are all within ``cap × (1 + slack)`` is left alone.
    Returns the new weights and one row per group: cap, number trimmed, weight moved."""
    if not factor > 1:
        raise SurveyError(f"截尾倍数 {factor} 应大于 1。", variable="trim factor", fix="常用 3.5（中位数的 3.5 倍）。")
    w = np.asarray(weights, dtype=float).copy()
    groups = np.asarray(groups)
    rows = []
    for g in sorted(pd.unique(groups), key=str):
        idx = np.flatnonzero((groups == g) & (w > 0))
        if idx.size == 0:
            continue
        cap = factor * float(np.median(w[idx]))
        sub = w[idx].copy()
        if sub.max() <= cap * (1 + slack):
            rows.append({"group": g, "cap": cap, "trimmed": 0, "moved": 0.0})
            continue
        if sub.mean() > cap:
            raise SurveyError(f"{g} 的平均权重 {sub.mean():.4g} 高于截尾上限 {cap:.4g}，保持总数不变就无法截尾。",
                              variable="trim factor", fix="调大截尾倍数（常用 3.5）。")
        moved, trimmed = 0.0, np.zeros(idx.size, dtype=bool)
        for _ in range(max_iter):
            outside = sub > cap * (1 + 1e-12)
            if not outside.any():
                break
            cut = float(np.sum(sub[outside] - cap))
            moved += cut
            trimmed |= outside
            sub[outside] = cap
            inside = ~outside
            if not inside.any():
                raise SurveyError(f"{g} 的权重全部超过上限，无法截尾。", variable="trim factor",
                                  fix="调大截尾倍数。")
            sub[inside] += cut / inside.sum()
        else:
            raise SurveyError(f"{g} 的权重截尾 {max_iter} 轮后仍未收敛。", variable="trim factor",
                              fix="调大截尾倍数。")
        w[idx] = sub
        rows.append({"group": g, "cap": cap, "trimmed": int(trimmed.sum()), "moved": moved})
    return w, pd.DataFrame(rows, columns=["group", "cap", "trimmed", "moved"])


def trim(design: Design, factor: float = DEFAULT_TRIM_FACTOR, by: str | None = "district",
         slack: float = 0.0) -> Design:
    """Trim extreme weights within each district (``by=None``: within the whole sample; rule in
    :func:`trim_weights`); unchanged (raking variance kept) when no weight is above its
    district's cap × (1 + slack)."""
    w, report = trim_weights(design.weights, _district_column(design, by).to_numpy(), factor, slack)
    if report["trimmed"].sum() == 0:
        return design
    n = int(report["trimmed"].sum())
    step = (f"{'各区县' if by else ''}权重超过中位数 {factor:g} 倍的 {n} 人截尾至该上限，"
            f"多出的权重平均分给{'同区县' if by else ''}其他受访者")
    return resample(design, w, step)


def weight_design(df: pd.DataFrame, book: Codebook, margins: Margins | InstrumentMargins, *,
                  clusters: str | None = "community", method: str = "rake",
                  trim_factor: float | None = DEFAULT_TRIM_FACTOR) -> Design:
    """The usual recipe in one call: districts as strata, communities as clusters (communities
    with no name form one cluster per district), raked (or post-stratified) to the population.
    A questionnaire without a unit question has no strata; whole-population margins
    (``population:``) rake (and trim) the whole sample as one unit, with or without districts.

    Trimming (``trim_factor``; None: none): when a district has a weight above ``trim_factor`` ×
    its median, trim (:func:`trim`) and rake once more from the trimmed weights, so that the
    margins hold and the variance accounts for the raking (R: ``trimWeights`` then ``rake``,
    checked in the tests). One round only: where a margin level has few respondents for its
    population, raking again lifts their weights back above the cap (on the sample's residents,
    20 rounds still ended at 4.3 × the median with a cap of 3.5), and the margins win; the last
    ``history`` entry states the final largest weight as a multiple of its district's median.
    Post-stratified weights are equal within a cell, so post-stratifying again would undo any
    trimming: with ``method="poststratify"`` the trimmed weights are used as they are (variance
    for given weights); a cell with too few respondents is better met by raking.
    ``df`` is a questionnaire's cleaned frame with every district (pooled figures need them all).
    """
    if isinstance(margins, Margins):
        margins = margins.for_instrument(book.instrument)
    dvar = book.role("district")
    dvar = dvar if dvar in df else None           # a frame without its unit column: no strata
    cvar = book.role("community") if clusters == "community" else clusters
    if cvar is not None and cvar in df and df[cvar].isna().any():
        df = df.assign(**{cvar: df[cvar].astype(object).where(df[cvar].notna(), "（未填社区）")})
    d = survey_design(df, strata=dvar, clusters=cvar if cvar in df else None)
    by = None if margins.whole else dvar          # whole-population margins: one raking unit
    if method == "rake":
        d = rake(d, margins, by=by)
    elif method == "poststratify":
        d = poststratify(d, margins, by=by)
    else:
        raise SurveyError(f"加权方法 {method!r} 无效。", fix="可用：rake（耙权）、poststratify（事后分层）。")
    if not trim_factor:
        return d
    if method == "poststratify":
        return trim(d, trim_factor, by=by)
    t = trim(d, trim_factor, by=by)
    if t is d:
        return d
    again = rake(t, margins, by=by)
    w = pd.Series(again.weights)
    ratio = float((w / w[w > 0].groupby(_district_column(again, by)).transform("median")).max())
    where, whose = ("各区县", "所在区县") if by else ("", "")
    step = f"以截尾后的权重为起点再次耙权，使{where}总体分布重新吻合；最终最大权重为{whose}中位数的 {ratio:.2f} 倍"
    return dataclasses.replace(again, history=(*t.history, step))


# -- tidy tables --------------------------------------------------------------------------------------

def _frame(**cols) -> pd.DataFrame:
    df = pd.DataFrame(cols)
    for c in WEIGHTED_COLUMNS:
        if c not in df:
            df[c] = np.nan if c in ("n", "base", "value", "exact", "ci_low", "ci_high", "se", "df",
                                    "deff", "n_eff") else False if c == "suppressed" else ""
    df["suppressed"] = df["suppressed"].astype(bool)
    df["weighted"] = True
    return df[WEIGHTED_COLUMNS]


def weighted_composition(design: Design, variable: str, book: Codebook, group: str, table: str,
                         table_title: str, min_cell: int = config.MIN_CELL) -> pd.DataFrame:
    """Weighted shares (percent) of every category, over the domain's valid answers; published
    values sum to exactly 100.0 (largest remainder on the weighted shares)."""
    labels = book.labels(variable)
    est = proportions(design, variable, list(labels))
    base = int((design.domain & design.data[variable].notna().to_numpy() & (design.weights > 0)).sum())
    share = est["estimate"].to_numpy() * 100
    value = largest_remainder(share) if base else np.full(len(share), np.nan)
    n = est["n"].to_numpy()
    small = suppression.distribution(n, base, k=min_cell)     # the same policy as the unweighted tables
    return _frame(table=table, table_title=table_title, group=group, variable=variable,
                  variable_label=book.label(variable), category=[str(c) for c in labels],
                  category_label=list(labels.values()), order=np.arange(1, len(labels) + 1),
                  stat="share", n=n, base=base, base_label=WEIGHTED_BASE, value=value, exact=share,
                  ci_low=np.round(est["ci_low"].to_numpy() * 100, SHARE_DECIMALS),
                  ci_high=np.round(est["ci_high"].to_numpy() * 100, SHARE_DECIMALS),
                  suppressed=small, se=est["se"].to_numpy() * 100, df=est["df"].to_numpy(),
                  deff=est["deff"].to_numpy(), n_eff=est["n_eff"].to_numpy())


def weighted_numeric(design: Design, variable: str, book: Codebook, group: str, table: str,
                     table_title: str, decimals: int = 1) -> pd.DataFrame:
    """Weighted mean of a number with its t interval (design degrees of freedom)."""
    e = mean(design, variable).iloc[0]
    return _frame(table=table, table_title=table_title, group=group, variable=variable,
                  variable_label=book.label(variable), category="", category_label="", order=[1],
                  stat="mean", n=int(e["n"]), base=int(e["n"]), base_label=WEIGHTED_BASE,
                  value=round(e["estimate"], decimals), exact=e["estimate"],
                  ci_low=round(e["ci_low"], decimals), ci_high=round(e["ci_high"], decimals),
                  suppressed=e["n"] < config.MIN_CELL, se=e["se"], df=e["df"], deff=e["deff"],
                  n_eff=e["n_eff"])


def weighted_likert(design: Design, item: str, book: Codebook, group: str, table: str,
                    table_title: str) -> pd.DataFrame:
    """A rating item weighted: shares of each answer (best first), mean score with t interval,
    top-two-box share with logit interval."""
    var = book.variables[item]
    order = sorted(var.values, reverse=True)
    shares = weighted_composition(design, item, book, group, table, table_title)
    shares = shares.set_index(shares["category"].astype(int)).loc[order].reset_index(drop=True)
    shares["order"] = np.arange(1, len(order) + 1)
    m = mean(design, item).iloc[0]
    top = design.data[item].isin(var.top_box).astype(float).where(design.data[item].notna())
    t = proportions(design.with_column("_top", top), "_top", [1.0, 0.0]).iloc[0]
    base = int(m["n"])
    top_label = "＋".join(var.values[c] for c in var.top_box)
    hide_mean, hide_top = suppression.summaries(order, shares["suppressed"].to_numpy(dtype=bool), var.top_box)
    summary = _frame(table=table, table_title=table_title, group=group, variable=item,
                     variable_label=var.label, category=["", "top2"], category_label=["平均分", top_label],
                     order=[len(order) + 1, len(order) + 2], stat=["mean", "top2"],
                     n=[base, int(t["n"])], base=base, base_label=WEIGHTED_BASE,
                     value=[round(m["estimate"], 2), round(t["estimate"] * 100, SHARE_DECIMALS)],
                     exact=[m["estimate"], t["estimate"] * 100],
                     ci_low=[round(m["ci_low"], 2), round(t["ci_low"] * 100, SHARE_DECIMALS)],
                     ci_high=[round(m["ci_high"], 2), round(t["ci_high"] * 100, SHARE_DECIMALS)],
                     suppressed=[hide_mean or base < config.MIN_CELL, hide_top or base < config.MIN_CELL],
                     se=[m["se"], t["se"] * 100],
                     df=[m["df"], t["df"]], deff=[m["deff"], t["deff"]], n_eff=[m["n_eff"], t["n_eff"]])
    return pd.concat([shares, summary], ignore_index=True)


def weighted_tables(design: Design, book: Codebook, group: str) -> list[pd.DataFrame]:
    """The weighted counterpart of ``stats.instrument_tables`` for the design's domain."""
    who = book.respondent or book.title
    parts = [weighted_composition(design, v, book, group, f"{book.instrument}_composition", f"{who}基本情况")
             for v in book.report.profile]
    ages = [v.name for v in book.variables.values() if v.type == "age" and v.name in design.data]
    parts += [weighted_numeric(design, v, book, group, f"{book.instrument}_age", f"{who}年龄") for v in ages]
    parts += [weighted_likert(design, item, book, group, f"{book.instrument}_{b.table_suffix}", f"{who}{b.label}")
              for b in book.report.batteries for item in b.items]
    return parts


def weight_summary(design: Design, by: str | None = "district") -> pd.DataFrame:
    """Per group (and all together): respondents, weighted respondents, weight min / median /
    max, Kish's design effect and effective sample size. ``by=None``: one row, the whole sample
    (``config.WHOLE_SAMPLE``)."""
    w = design.weights
    g = _district_column(design, by)
    every = np.ones(len(g), dtype=bool)
    groups = [(config.WHOLE_SAMPLE, every)] if by is None else \
        [*((k, (g == k).to_numpy()) for k in sorted(g.unique())), (config.POOLED_GROUP, every)]
    rows = []
    for name, idx in groups:
        ww = w[idx & design.domain]
        pos = ww[ww > 0]
        rows.append({"group": name, "n": int(ww.size), "n_weighted": int(pos.size),
                     "sum_weights": float(pos.sum()),
                     "w_min": float(pos.min()) if pos.size else np.nan,
                     "w_median": float(np.median(pos)) if pos.size else np.nan,
                     "w_max": float(pos.max()) if pos.size else np.nan,
                     "deff": kish_deff(pos), "n_eff": effective_n(pos)})
    return pd.DataFrame(rows)


# -- one district's weighted figures, for its report -------------------------------------------------

WEIGHTED_SUFFIX = "_weighted"


def district_weighted(wave, district: str, path: Path | None = None) -> pd.DataFrame:
    """A district's weighted satisfaction items next to the unweighted ones, and how its weights
    came out, as rows of the stats table (``WEIGHTED_COLUMNS``):

    - ``<instrument>_<battery>_weighted``: per rating item of each battery, the weighted shares, mean and
      top-two share with design-based intervals, ``deff`` and ``n_eff``;
    - ``weighting``: per questionnaire, respondents, Kish design effect, effective sample size and
      the largest weight as a multiple of the median.

    The design is declared over every district that has margins (districts as strata,
    communities as clusters) and restricted to ``district``, never filtered first; with
    whole-population margins (``population:``) over every respondent, raked as one. A wave
    without a unit question has the one unit ``config.WHOLE_SAMPLE``. Without a
    margins file for the wave, or without margins for this district, nothing is weighted and the
    frame is empty: a new district's report still runs, and says it is unweighted. A section of
    the margins file for a questionnaire no codebook has, or with a weighting variable its codebook
    lacks, is skipped (that questionnaire is unweighted); its note is in the result's
    ``attrs["notes"]`` (and :func:`margins_notes`), never an error.
    """
    path = Path(path) if path else margins_path(wave.wave)
    parts: list[pd.DataFrame] = []
    if not path.is_file():
        return _frame(table=[], table_title=[], group=[])
    M = load_margins(path, wave.codebooks, skip_unknown=True)
    notes = list(M.notes)
    for instrument, margins in sorted(M.instruments.items()):
        book, df = wave.codebooks.get(instrument), wave.frames.get(instrument)
        if book is None or df is None:
            continue
        dvar = book.role("district")
        if dvar is None:                               # no unit question: the one unit is the whole sample
            if district != config.WHOLE_SAMPLE:
                continue
        elif dvar not in df or not (df[dvar] == district).any() \
                or not (margins.whole or district in set(margins.districts)):
            continue
        unit = _raking_unit(book, margins, district)
        blocked = unweightable(df, book, margins)     # one unit's empty cell never fails another's
        if unit in blocked:
            notes.append(_unweighted_note(book, blocked[unit], path))
            continue
        if unit != config.WHOLE_SAMPLE:
            df = df[df[dvar].isin(set(margins.districts) - set(blocked))].reset_index(drop=True)
        d = weight_design(df, book, margins)
        sub = d.restrict((d.data[dvar] == district).to_numpy() if dvar else np.ones(len(d.data), dtype=bool),
                         district)
        who = book.respondent or book.title
        parts += [weighted_likert(sub, item, book, district, f"{instrument}_{b.table_suffix}{WEIGHTED_SUFFIX}",
                                  f"{who}{b.label}（加权）") for b in book.report.batteries for item in b.items]
        s = weight_summary(d, by=dvar).set_index("group").loc[district]     # by=None: the one row
        stats_ = [("n", "加权样本量", s["n_weighted"], 0), ("deff", "设计效应（Kish）", s["deff"], 2),
                  ("n_eff", "有效样本量", s["n_eff"], 0), ("w_ratio", "最大权数/中位数", s["w_max"] / s["w_median"], 2)]
        parts.append(_frame(table="weighting", table_title="加权情况", group=district, variable=instrument,
                            variable_label=book.title, category=[k for k, *_ in stats_],
                            category_label=[lab for _, lab, *_ in stats_], order=np.arange(1, 5),
                            stat=[k for k, *_ in stats_], n=int(s["n_weighted"]), base=int(s["n"]),
                            base_label="有效回答", value=[round(float(v), dec) for *_, v, dec in stats_],
                            exact=[float(v) for *_, v, _ in stats_], suppressed=False,
                            deff=s["deff"], n_eff=s["n_eff"]))
    out = pd.concat(parts, ignore_index=True) if parts else _frame(table=[], table_title=[], group=[])
    out.attrs["notes"] = notes
    return out


def margins_notes(wave, path: Path | None = None, *, unused: bool = False) -> list[str]:
    """Why sections of the wave's margins file were not used for weighting, one sentence each;
    empty when all were used or there is no file. By default only what a reader of the report needs
    (a questionnaire of the wave left unweighted because its codebook lacks a weighting variable);
    ``unused``: the sections for questionnaires the wave has no codebook of (a misspelt name, margins
    left from the bundled sample), which the terminal says once (``survey report``)."""
    path = Path(path) if path else margins_path(wave.wave)
    if not path.is_file():
        return []
    skipped = load_margins(path, wave.codebooks, skip_unknown=True).skipped
    return [note for key, note in skipped.items() if (key in wave.codebooks) != unused]


def unweighted_notes(wave, district: str, path: Path | None = None) -> list[str]:
    """Why ``district``'s answers to a questionnaire with margins are unweighted
    (:func:`unweightable`), one sentence per questionnaire; empty when they are weighted, or when
    the unit has no margins at all (the report says so in general terms)."""
    path = Path(path) if path else margins_path(wave.wave)
    if not path.is_file():
        return []
    notes = []
    for instrument, margins in sorted(load_margins(path, wave.codebooks, skip_unknown=True).instruments.items()):
        book, df = wave.codebooks.get(instrument), wave.frames.get(instrument)
        if df is None or not (margins.whole or book.role("district") is None or district in set(margins.districts)):
            continue
        reason = unweightable(df, book, margins).get(_raking_unit(book, margins, district))
        if reason:
            notes.append(_unweighted_note(book, reason, path))
    return notes


def with_weighted(S: pd.DataFrame, wave, district: str, path: Path | None = None) -> pd.DataFrame:
    """``S`` with the district's weighted rows (:func:`district_weighted`) appended; ``S`` itself
    when nothing could be weighted. One call for the report notebook."""
    from analysis.stats.census import without_inference
    from analysis.stats.coordinated import follow_unweighted

    extra = district_weighted(wave, district, path)
    if not len(extra):
        return S
    return without_inference(follow_unweighted(pd.concat([S, extra], ignore_index=True)), wave.codebooks)
