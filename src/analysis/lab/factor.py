"""Construct validity of a rating battery: KMO, Bartlett's test of sphericity and an exploratory
factor analysis, with ``factor_analyzer`` (checked against PSPP's ``FACTOR`` in the tests).

Respondents who answered every item enter (listwise, as for α). Extraction is principal
components (PSPP/SPSS ``/EXTRACTION=PC``), the number of factors by default the eigenvalues of
the correlation matrix above 1 (Kaiser), rotated by varimax with Kaiser normalisation when there
are two or more (iterated to a relative change of 1e-12: R's and factor_analyzer's default 1e-5
stops while the third decimal still moves); the loadings' signs are made positive on each factor's
largest loading.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from analysis.errors import SurveyError
from analysis.lab.results import fmt, fmt_p
from analysis.spec.codebook import Codebook
from analysis.stats.base import make_rows

TABLE = "lab_validity"


@dataclasses.dataclass(frozen=True)
class Efa:
    kmo: float
    kmo_items: pd.Series
    bartlett_chi2: float
    bartlett_df: int
    bartlett_p: float
    eigenvalues: np.ndarray
    loadings: pd.DataFrame            # items × factors (rotated)
    variance: pd.DataFrame            # per factor: SS loadings, % of variance, cumulative %
    rows: pd.DataFrame
    tables: tuple


def fit(X: pd.DataFrame, factors: int | None = None):
    """(KMO per item and overall, Bartlett χ² and p, eigenvalues, rotated loadings, variance table)."""
    from factor_analyzer import FactorAnalyzer
    from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kmo_items, kmo = calculate_kmo(X)
        chi2, p = calculate_bartlett_sphericity(X)
        eig = np.linalg.eigvalsh(np.corrcoef(X.to_numpy(dtype=float), rowvar=False))[::-1]
        k = int(factors or max(1, int((eig > 1).sum())))
        fa = FactorAnalyzer(n_factors=k, rotation="varimax" if k > 1 else None, method="principal",
                            rotation_kwargs={"normalize": True, "tol": 1e-12, "max_iter": 5000})
        fa.fit(X.to_numpy(dtype=float))
    L = np.asarray(fa.loadings_)
    signs = np.sign(L[np.abs(L).argmax(axis=0), np.arange(k)])
    L = L * signs
    names = [f"因子{i + 1}" for i in range(k)]
    loadings = pd.DataFrame(L, index=X.columns, columns=names)
    ss = (L ** 2).sum(axis=0)
    share = ss / X.shape[1] * 100
    variance = pd.DataFrame({"ss": ss, "pct": share, "cum": np.cumsum(share)}, index=names)
    return pd.Series(kmo_items, index=X.columns), float(kmo), float(chi2), float(p), eig, loadings, variance


def efa(df: pd.DataFrame, items: list[str], book: Codebook, factors: int | None = None,
        group: str = "") -> Efa:
    X = df[items].apply(pd.to_numeric, errors="coerce").astype(float).dropna()
    if len(items) < 3 or len(X) <= len(items):
        raise SurveyError(f"因子分析至少需要 3 道题、多于题数的完整回答（现有 {len(items)} 题、{len(X)} 人）。",
                          variable=items[0], fix="多选几道同一量表的题，或放宽 where 条件。")
    if (X.std() == 0).any():
        bad = X.columns[(X.std() == 0).to_numpy()][0]
        raise SurveyError("这道题所有人答案相同，无法做因子分析。", variable=bad, fix="去掉这道题。")
    kmo_items, kmo, chi2, p, eig, loadings, variance = fit(X, factors)
    k = len(items)
    dof = k * (k - 1) // 2
    n = len(X)
    head = make_rows(table=TABLE, table_title="量表效度", group=group, variable="battery",
                     variable_label="量表", category=["kmo", "bartlett", "bartlett", "bartlett"],
                     category_label=["KMO", "Bartlett 球形检验 χ²", "Bartlett 自由度", "Bartlett p值"],
                     order=[1, 2, 3, 4], stat=["kmo", "chi2", "df", "p"], n=n, base=n,
                     base_label="全部题目均有效回答", value=[round(kmo, 3), round(chi2, 2), dof, round(p, 4)],
                     exact=[kmo, chi2, dof, p])
    long = loadings.stack()
    load = make_rows(table=TABLE, table_title="量表效度", group=group, variable=[i for i, _ in long.index],
                     variable_label=[book.label(i) for i, _ in long.index], category=[f for _, f in long.index],
                     category_label=[f for _, f in long.index], order=np.arange(10, 10 + len(long)),
                     stat="loading", n=n, base=n, base_label="全部题目均有效回答",
                     value=np.round(long.to_numpy(), 3), exact=long.to_numpy())
    var = make_rows(table=TABLE, table_title="量表效度", group=group, variable="battery", variable_label="量表",
                    category=[f for f in variance.index for _ in range(3)],
                    category_label=[f for f in variance.index for _ in range(3)],
                    order=np.arange(500, 500 + 3 * len(variance)),
                    stat=["ss_loadings", "variance_pct", "cumulative_pct"] * len(variance), n=n, base=n,
                    base_label="全部题目均有效回答", value=np.round(variance.to_numpy().ravel(), 3),
                    exact=variance.to_numpy().ravel())
    tab = pd.DataFrame({"题目": [book.label(i) for i in items],
                        **{f: [fmt(loadings.loc[i, f], 3) for i in items] for f in loadings.columns}})
    tab = pd.concat([tab, pd.DataFrame([{"题目": "方差解释率（%）", **{f: fmt(variance.loc[f, "pct"], 1) for f in variance.index}},
                                        {"题目": "累计方差解释率（%）", **{f: fmt(variance.loc[f, "cum"], 1) for f in variance.index}}])],
                    ignore_index=True)
    note = (f"注：KMO = {kmo:.3f}；Bartlett 球形检验 χ² = {chi2:.2f}，自由度 = {dof}，p{fmt_p(p)}；"
            f"主成分法提取（特征值大于 1 的 {loadings.shape[1]} 个因子），"
            f"{'最大方差法（varimax）旋转；' if loadings.shape[1] > 1 else ''}n = {n}。")
    return Efa(kmo, kmo_items, chi2, dof, p, eig, loadings, variance, pd.concat([head, load, var], ignore_index=True),
               (("探索性因子分析：旋转后的因子载荷", tab, note),))
