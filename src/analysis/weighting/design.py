"""A survey design declared once, and design-based estimates that all take it (R ``survey``'s shape).

    d = design.survey_design(df, strata=unit_var, clusters=cluster_var)          # svydesign()
    d = weights.rake(d, margins.for_instrument(book.instrument))                  # rake()
    design.mean(d, number_var)                                                    # svymean()
    design.proportions(d.restrict(df[choice_var] == 1, "子群体"), rating_item)    # svyciprop(subset())

Estimation is done by the ``svy`` package (successor of samplics, MIT licence), which reproduces
R ``survey`` 4.1 on the reference data in ``tests/reference/r_survey/`` to about nine significant
digits: Taylor-linearisation standard errors for stratified cluster samples with or without a finite
population correction, the variance of raked and post-stratified weights (residuals centred on
the margins, as R's ``rake``/``postStratify`` do), domain estimates, and logit intervals for
proportions. This module adds what the project needs around it: pandas in and out, one place that
turns a bad design into a :class:`~analysis.errors.SurveyError`, Kish's design effect and
effective sample size, and the domain rule below.

Domains (subgroups) are never estimated by filtering rows first: :meth:`Design.restrict` keeps
every respondent in the design and marks the domain, so the variance still sees every stratum
and cluster (R's ``subset(design, ...)``). A respondent who did not answer the variable is left
out of that estimate's domain (R's ``na.rm = TRUE``, which subsets the same way).

Intervals: means get ``estimate ± t(df) · se``, proportions the logit interval of R's
``svyciprop(method = "logit")`` (its default), both with ``df`` = clusters − strata among the
respondents in the domain (R's ``degf`` of the subset design). A proportion of exactly 0 or 1 has
no logit interval (NaN); its standard error is 0.

No I/O here.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Sequence

import numpy as np
import pandas as pd
import polars as pl
import svy

from analysis.errors import SurveyError

ROW = "_design_row"            # position of each respondent in Design.data
BASE_WEIGHT = "_w_base"  # the weight column the design starts from (1 when no weights are given)
ESTIMATE_COLUMNS = ["variable", "category", "estimate", "se", "ci_low", "ci_high", "df", "n",
                    "deff", "n_eff"]


@dataclasses.dataclass(frozen=True, eq=False)
class Design:
    """Respondents plus how they were sampled and weighted; every estimate takes one of these.

    ``data`` keeps every respondent (in the order given, index 0..n-1); ``domain`` marks the
    respondents an estimate covers (all of them unless restricted); ``weight`` is the current
    weight column of ``sample`` (base, raked, post-stratified or trimmed). ``history`` lists what
    was done to the weights, in order, in words a methods note can quote.
    """

    data: pd.DataFrame
    sample: svy.Sample
    weight: str
    strata: str | None
    clusters: str | None
    fpc: str | None
    domain: np.ndarray
    domain_label: str = ""
    history: tuple[str, ...] = ()

    @property
    def weights(self) -> np.ndarray:
        """The current weight of every respondent (0 outside the weighting, e.g. missing age)."""
        w = np.zeros(len(self.data))
        w[self.sample.data[ROW].to_numpy()] = self.sample.data[self.weight].to_numpy().astype(float)
        return w

    @property
    def weighted(self) -> bool:
        return bool(self.history)

    def restrict(self, mask: pd.Series | np.ndarray | Sequence[bool], label: str = "") -> "Design":
        """The design restricted to a domain (R's ``subset``): rows stay, estimates cover the mask.

        ``mask`` is matched to ``data`` by position (a boolean Series from ``design.data`` or the
        frame the design was built from, or an array of the same length); missing counts as
        outside.
        Restricting twice keeps the intersection.
        """
        if isinstance(mask, pd.Series):
            if len(mask) != len(self.data):
                raise SurveyError(f"子总体条件有 {len(mask)} 行，设计中有 {len(self.data)} 行。",
                                  fix="用构建设计的同一个数据框写条件，例如 df['<变量名>'] == 1。")
            values = mask.fillna(False).to_numpy(dtype=bool)
        else:
            values = np.asarray(mask, dtype=bool)
            if values.shape != (len(self.data),):
                raise SurveyError(f"子总体条件有 {values.size} 个值，设计中有 {len(self.data)} 行。",
                                  fix="条件的长度应等于受访者人数。")
        both = " 且 ".join(x for x in (self.domain_label, label) if x)
        return dataclasses.replace(self, domain=self.domain & values, domain_label=both)

    def with_column(self, name: str, values: pd.Series | np.ndarray) -> "Design":
        """The design with one more (or a replaced) column, e.g. a derived indicator; weights,
        domain and the weighting record are kept."""
        values = pd.Series(np.asarray(values), name=name)
        if len(values) != len(self.data):
            raise SurveyError(f"新列有 {len(values)} 个值，设计中有 {len(self.data)} 行。", variable=name)
        data = self.data.assign(**{name: values.to_numpy()})
        inside = values.iloc[self.sample.data[ROW].to_numpy()].reset_index(drop=True)
        column = pl.from_pandas(_plain(pd.DataFrame({name: inside})))[name]
        sample = self.sample.wrangling.mutate({name: column})
        return dataclasses.replace(self, data=data, sample=sample)

    def with_weights(self, sample: svy.Sample, weight: str, step: str) -> "Design":
        """The same respondents and domain under new weights (used by :mod:`analysis.weighting.weights`)."""
        return dataclasses.replace(self, sample=sample, weight=weight, history=(*self.history, step))


def survey_design(df: pd.DataFrame, *, weights: str | None = None, strata: str | None = None,
                  clusters: str | None = None, fpc: str | None = None) -> Design:
    """Declare how the respondents were sampled (R's ``svydesign``).

    ``weights``: a column of sampling weights (none = every respondent counts once); ``strata``:
    e.g. the district; ``clusters``: the first-stage sampling unit, e.g. the community (none =
    respondents sampled individually); ``fpc``: the number of clusters in the population of the
    stratum (R's ``fpc`` given as a population size). Columns must have no missing values.
    """
    if not isinstance(df, pd.DataFrame) or df.empty:
        raise SurveyError("没有受访者数据，无法建立抽样设计。", fix="检查数据是否按区县、问卷正确读入。")
    for role, col in (("weights", weights), ("strata", strata), ("clusters", clusters), ("fpc", fpc)):
        if col is None:
            continue
        if col not in df:
            raise SurveyError(f"抽样设计的 {role} 列不在数据中。", variable=col,
                              fix=f"可用的列：{'、'.join(map(str, df.columns[:30]))}。")
        missing = df[col].isna().to_numpy()
        if missing.any():
            rows = ", ".join(str(i + 1) for i in np.flatnonzero(missing)[:5])
            raise SurveyError(f"抽样设计的 {role} 列有 {int(missing.sum())} 个空值（第 {rows} 个受访者等）。",
                              variable=col, fix="补全这些受访者的该项，或在建立设计之前说明如何处理。")
    data = df.reset_index(drop=True).copy()
    data[ROW] = np.arange(len(data))
    if weights is None:
        data[BASE_WEIGHT] = 1.0
    else:
        w = pd.to_numeric(data[weights], errors="coerce")
        if w.isna().any() or (w <= 0).any() or not np.isfinite(w).all():
            raise SurveyError("权重必须是正数。", variable=weights, fix="检查权重列中的 0、负数或非数字。")
        data[BASE_WEIGHT] = w.astype(float)
    if fpc is not None:
        f = pd.to_numeric(data[fpc], errors="coerce")
        if f.isna().any() or (f < 1).any():
            raise SurveyError("fpc 列应是各层总体中的群（社区）数。", variable=fpc, fix="填写正整数。")
        if clusters is not None:
            by = data[strata] if strata else pd.Series(0, index=data.index)
            sampled = data.groupby(by)[clusters].nunique()
            cap = data.groupby(by)[fpc].max()
            over = sampled[sampled > cap]
            if len(over):
                raise SurveyError(f"{over.index[0]} 的样本社区数 {over.iloc[0]} 大于 fpc 给出的总体社区数。",
                                  variable=fpc, fix="fpc 应是该层总体的社区数，不小于样本中的社区数。")
    sample = _sample(data, BASE_WEIGHT, strata, clusters, fpc)
    return Design(data=data, sample=sample, weight=BASE_WEIGHT, strata=strata, clusters=clusters,
                  fpc=fpc, domain=np.ones(len(data), dtype=bool))


def _sample(data: pd.DataFrame, weight: str, strata, clusters, fpc) -> svy.Sample:
    """The svy sample of the respondents with a positive weight. A respondent of weight 0 (one
    who cannot be weighted) is left out of it, as R's ``subset`` leaves them out before ``rake``;
    the strata and clusters keep their sizes as long as someone in them has a weight."""
    frame = pl.from_pandas(_plain(data[data[weight] > 0]))
    return svy.Sample(frame, svy.Design(stratum=strata, psu=clusters, wgt=weight, pop_size=fpc))


def _plain(data: pd.DataFrame) -> pd.DataFrame:
    """Columns polars can take as they are: categoricals as their values, objects as text."""
    out = data.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                                else str(v))
    return out


def resample(design: Design, weights: np.ndarray, step: str | None) -> Design:
    """The design with the given weights taken as plain sampling weights (no calibration claimed);
    ``step`` (the words for ``history``) None leaves the history as it is."""
    data = design.data.copy()
    name = f"_w{len(design.history) + 1}" if step else f"{design.weight}_"
    data[name] = np.asarray(weights, dtype=float)
    sample = _sample(data, name, design.strata, design.clusters, design.fpc)
    if step:
        return design.with_weights(sample, name, step)
    return dataclasses.replace(design, data=data, sample=sample, weight=name)


# -- Kish --------------------------------------------------------------------------------------------

def kish_deff(weights: np.ndarray | Sequence[float]) -> float:
    """Kish's design effect of unequal weighting, n·Σw²/(Σw)² = 1 + CV² (CV with divisor n).

    Zero weights (respondents outside the weighting) are left out; NaN without any weight.
    """
    w = np.asarray(weights, dtype=float)
    w = w[w > 0]
    if w.size == 0:
        return float("nan")
    return float(w.size * np.sum(w ** 2) / np.sum(w) ** 2)


def effective_n(weights: np.ndarray | Sequence[float]) -> float:
    """Kish's effective sample size (Σw)²/Σw² = n / deff."""
    w = np.asarray(weights, dtype=float)
    w = w[w > 0]
    return float(np.sum(w) ** 2 / np.sum(w ** 2)) if w.size else float("nan")


# -- estimates ---------------------------------------------------------------------------------------

def _valid(design: Design, variable: str) -> np.ndarray:
    if variable not in design.data:
        raise SurveyError("要估计的变量不在数据中。", variable=variable,
                          fix=f"可用的列：{'、'.join(map(str, design.data.columns[:30]))}。")
    return design.domain & design.data[variable].notna().to_numpy() & (design.weights > 0)


def _where(mask: np.ndarray):
    return pl.col(ROW).is_in(np.flatnonzero(mask).tolist())


_ESTIMATE_FIX = "检查该子总体中是否每个层（区县）至少有两个社区（群），以及变量是否有有效回答。"


def _run(design: Design, variable: str, fix: str, fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # svy's findings are checked below, not printed
            return fn()
    except SurveyError:
        raise
    except Exception as e:  # svy raises its own error types; give the user one of ours
        raise SurveyError(f"无法计算加权估计：{str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}",
                          variable=variable, fix=fix) from e


def _kish_cols(design: Design, mask: np.ndarray) -> tuple[int, float, float]:
    w = design.weights[mask]
    return int(mask.sum()), kish_deff(w), effective_n(w)


def _empty(variable: str, categories: Sequence = ("",)) -> pd.DataFrame:
    return pd.DataFrame({"variable": variable, "category": list(categories), "estimate": np.nan,
                         "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "df": np.nan, "n": 0,
                         "deff": np.nan, "n_eff": np.nan})[ESTIMATE_COLUMNS]


def mean(design: Design, variable: str, alpha: float = 0.05) -> pd.DataFrame:
    """Weighted mean of a number over the domain's valid answers (R's ``svymean`` + ``confint``
    with ``df = degf``): one row with estimate, se, t interval, df, n (respondents), Kish deff
    and effective n of the respondents' weights."""
    mask = _valid(design, variable)
    if not mask.any():
        return _empty(variable)
    y = pd.to_numeric(design.data[variable], errors="coerce")
    if y[mask].isna().any():
        raise SurveyError("变量不是数值，不能求平均。", variable=variable, fix="平均数只用于数值题或量表题。")
    est = _run(design, variable, _ESTIMATE_FIX, lambda: design.sample.estimation.mean(
        variable, where=_where(mask), alpha=alpha).to_polars().row(0, named=True))
    n, deff, neff = _kish_cols(design, mask)
    df = int(est["df"])
    se = float(est["se"])
    lo, hi = (est["lci"], est["uci"]) if df > 0 and np.isfinite(se) else (np.nan, np.nan)
    return pd.DataFrame([{"variable": variable, "category": "", "estimate": float(est["est"]),
                          "se": se, "ci_low": float(lo), "ci_high": float(hi), "df": df, "n": n,
                          "deff": deff, "n_eff": neff}])[ESTIMATE_COLUMNS]


def total(design: Design, variable: str, alpha: float = 0.05) -> pd.DataFrame:
    """Weighted total of a number over the domain's valid answers (R's ``svytotal``), same columns
    as :func:`mean`."""
    mask = _valid(design, variable)
    if not mask.any():
        return _empty(variable)
    est = _run(design, variable, _ESTIMATE_FIX, lambda: design.sample.estimation.total(
        variable, where=_where(mask), alpha=alpha).to_polars().row(0, named=True))
    n, deff, neff = _kish_cols(design, mask)
    df = int(est["df"])
    lo, hi = (est["lci"], est["uci"]) if df > 0 else (np.nan, np.nan)
    return pd.DataFrame([{"variable": variable, "category": "", "estimate": float(est["est"]),
                          "se": float(est["se"]), "ci_low": float(lo), "ci_high": float(hi), "df": df,
                          "n": n, "deff": deff, "n_eff": neff}])[ESTIMATE_COLUMNS]


def proportions(design: Design, variable: str, categories: Sequence | None = None,
                alpha: float = 0.05) -> pd.DataFrame:
    """Weighted share of each category over the domain's valid answers (R's ``svymean`` of the
    indicator for the se, ``svyciprop(method = "logit")`` for the interval).

    ``categories`` fixes the rows and their order (e.g. every code of the codebook, so a category
    nobody chose appears with share 0); by default the categories present, sorted. ``n`` is the
    number of respondents who chose the category; ``deff``/``n_eff`` are those of all the
    domain's valid answers (the base of the shares).
    """
    mask = _valid(design, variable)
    present = sorted(pd.unique(design.data.loc[mask, variable]).tolist())
    cats = list(categories) if categories is not None else present
    if not mask.any():
        return _empty(variable, cats)
    est = _run(design, variable, _ESTIMATE_FIX, lambda: design.sample.estimation.prop(
        variable, where=_where(mask), alpha=alpha, ci_method="logit").to_polars())
    level = est.columns[0]
    got = {category_key(r[level]): r for r in est.iter_rows(named=True)}
    y = design.data[variable]
    base_n, deff, neff = _kish_cols(design, mask)
    rows = []
    for c in cats:
        r = got.get(category_key(c))
        n = int((mask & (y == c).fillna(False).to_numpy(dtype=bool)).sum())
        if r is None or n == 0:
            p, se, lo, hi, df = 0.0, 0.0, np.nan, np.nan, int(est["df"][0]) if len(est) else np.nan
        else:
            p, se, df = float(r["est"]), float(r["se"]), int(r["df"])
            lo, hi = (float(r["lci"]), float(r["uci"])) if 0 < p < 1 and df > 0 else (np.nan, np.nan)
        rows.append({"variable": variable, "category": c, "estimate": p, "se": se, "ci_low": lo,
                     "ci_high": hi, "df": df, "n": n, "deff": deff, "n_eff": neff})
    missing = sorted(set(map(category_key, present)) - set(map(category_key, cats)))
    if missing:
        raise SurveyError(f"数据中有不在类别列表里的取值：{missing}。", variable=variable,
                          fix="在编码手册中为这些取值加上标签，或检查数据清洗。")
    return pd.DataFrame(rows)[ESTIMATE_COLUMNS]


def category_key(v) -> str:
    """Category keys compared as text, so 1, 1.0 and "1" are the same code."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        v = int(v)
    return str(v)


def variance_deff(design: Design, variable: str, se: float, category=None) -> float:
    """The design effect as a variance ratio, as R's ``svymean(…, deff = TRUE)`` gives it: the
    estimate's design variance ``se²`` over the variance the same respondents would give as a simple
    random sample without replacement from a population of Σw, ``s²_w / n · (Σw − n) / Σw`` (``s²_w``
    the weighted variance with divisor n − 1). ``category``: the share of that answer (the
    indicator's variance). Over the domain's valid answers; NaN when Σw ≤ n (unweighted counts
    carry no population size: R gives Inf there)."""
    mask = _valid(design, variable)
    w = design.weights[mask]
    y = design.data.loc[mask, variable]
    y = ((y == category).to_numpy(dtype=float) if category is not None
         else pd.to_numeric(y, errors="coerce").to_numpy(dtype=float))
    n, total_w = int(mask.sum()), float(w.sum())
    if n < 2 or total_w <= n or not np.isfinite(se):
        return float("nan")
    ybar = float(np.sum(w * y) / total_w)
    s2 = float(np.sum(w * (y - ybar) ** 2) / total_w) * n / (n - 1)
    srs = s2 / n * (total_w - n) / total_w
    return float(se ** 2 / srs) if srs > 0 else float("nan")
