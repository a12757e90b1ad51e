"""Comparisons with their tests: cross-tabs (chi-square, Cramér's V), groups on a rating item
(Mann–Whitney / Kruskal–Wallis, ordinal logit odds ratios), a district against the rest, two
questionnaires on the questions both ask; Holm correction where a family of tests runs.

Each function returns rows of ``stats.COLUMNS``. Test results are rows whose ``stat`` names the
statistic (``chi2``, ``df``, ``p``, ``p_adj``, ``cramers_v``, ``u``, ``h``, ``odds_ratio``,
``diff``, ``warning``), so a sentence quoting a p-value reads it from the same table as the shares.
Chi-square is Pearson's without continuity correction (what SPSS/PSPP print as “Pearson
Chi-Square”); categories nobody chose are left out of the test. A warning row says when more
than 20% of expected counts are below 5 or any is below 1 (Cochran), where the test is unreliable.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.special import expit
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.stats.multitest import multipletests
from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

from analysis import config
from analysis.errors import SurveyError
from analysis.spec.codebook import Battery, Codebook
from analysis.stats import suppression
from analysis.stats.base import (
    SHARE_DECIMALS,
    check_codes,
    largest_remainder,
    make_rows,
    mean_ci,
    split_by,
    wilson_ci,
)
from analysis.stats.distributions import composition

STAT_LABELS = {"chi2": "卡方值", "df": "自由度", "p": "p值", "p_adj": "校正后p值（Holm）",
               "cramers_v": "克莱姆V系数", "u": "Mann-Whitney U", "h": "Kruskal-Wallis H",
               "odds_ratio": "比值比（有序logit）", "diff": "差异（百分点）", "warning": "提示"}


def chi_square(table: pd.DataFrame | np.ndarray) -> dict:
    """Pearson chi-square of a contingency table (empty rows and columns dropped), Cramér's V and
    the expected-count check. NaN statistics when fewer than two rows or columns remain."""
    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0] if t.size else t.reshape(0, 0)
    out = {"chi2": np.nan, "df": np.nan, "p": np.nan, "cramers_v": np.nan, "n": int(t.sum()),
           "small_expected_share": np.nan, "min_expected": np.nan}
    if t.ndim != 2 or min(t.shape) < 2:
        return out
    chi2, p, dof, expected = sps.chi2_contingency(t, correction=False)
    n = t.sum()
    out.update(chi2=float(chi2), df=int(dof), p=float(p),
               cramers_v=float(np.sqrt(chi2 / (n * (min(t.shape) - 1)))),
               small_expected_share=float((expected < 5).mean()), min_expected=float(expected.min()))
    return out


def _warning(res: dict) -> str:
    if np.isnan(res["chi2"]):
        return "有效类别不足两类，无法检验"
    if res["small_expected_share"] > 0.2 or res["min_expected"] < 1:
        return (f"期望频数小于5的单元格占{res['small_expected_share'] * 100:.0f}%（最小期望频数"
                f"{res['min_expected']:.2f}），卡方检验结果仅供参考")
    return ""


def _test_rows(res: dict, *, table, title, group, variable, label, order0: int, n: int) -> pd.DataFrame:
    stats_ = ["chi2", "df", "p", "cramers_v"]
    values = [round(res["chi2"], 3), res["df"], round(res["p"], 3), round(res["cramers_v"], 3)]
    exact = [res["chi2"], res["df"], res["p"], res["cramers_v"]]
    rows = make_rows(table=table, table_title=title, group=group, variable=variable, variable_label=label,
                     category="test", category_label=[STAT_LABELS[s] for s in stats_],
                     order=np.arange(order0, order0 + 4), stat=stats_, n=n, base=n, base_label="检验样本",
                     value=values, exact=exact)
    text = _warning(res)
    if text:
        rows = pd.concat([rows, make_rows(table=table, table_title=title, group=group, variable=variable,
                                          variable_label=label, category="warning", category_label=text,
                                          order=[order0 + 4], stat="warning", n=n, base=n,
                                          base_label="检验样本")], ignore_index=True)
    return rows


def crosstab(df: pd.DataFrame, row: str, col: str, book: Codebook, group: str = "", table: str = "",
             table_title: str = "") -> pd.DataFrame:
    """``col``'s distribution within each level of ``row`` (row percentages, suppression per row),
    then the chi-square test, Cramér's V and, where it applies, the small-expected-count warning.
    ``stats.crosstab(df, row_var, col_var, book)`` in a notebook."""
    table = table or f"{book.instrument}_crosstab"
    table_title = table_title or f"{book.label(row)}与{book.label(col)}交叉分析"
    parts = [composition(rows, col, book, name, table, table_title)
             for name, rows in split_by(df, row, book, group)]
    both = df[[row, col]].dropna()
    counts = pd.crosstab(both[row], both[col]).reindex(columns=list(book.labels(col)), fill_value=0)
    res = chi_square(counts.to_numpy())
    parts.append(_test_rows(res, table=table, title=table_title, group=group, variable=f"{row}×{col}",
                            label=f"{book.label(row)}×{book.label(col)}", order0=1, n=res["n"]))
    return pd.concat([p for p in parts if len(p)], ignore_index=True)


def cell_shares(df: pd.DataFrame, row: str, col: str, book: Codebook, group: str = "", table: str = "",
                table_title: str = "") -> pd.DataFrame:
    """Each (``row``, ``col``) cell's share of everyone who answered both (总百分比): largest-remainder
    shares summing to 100.0 over the whole table, Wilson intervals; ``category`` is
    ``<row code>×<col code>``. The chi-square rows of :func:`crosstab` go with it."""
    table = table or f"{book.instrument}_crosstab"
    table_title = table_title or f"{book.label(row)}与{book.label(col)}交叉分析"
    for v in (row, col):
        check_codes(df, v, book)
    rl, cl = book.labels(row), book.labels(col)
    both = df[[row, col]].dropna()
    counts = pd.crosstab(both[row], both[col]).reindex(index=list(rl), columns=list(cl), fill_value=0)
    n = counts.to_numpy().ravel()
    total = int(n.sum())
    lo, hi = wilson_ci(n, total)
    cells = [(r, c) for r in rl for c in cl]
    return make_rows(table=table, table_title=table_title, group=group, variable=f"{row}×{col}",
                     variable_label=f"{book.label(row)}×{book.label(col)}",
                     category=[f"{r}×{c}" for r, c in cells], category_label=[f"{rl[r]}×{cl[c]}" for r, c in cells],
                     order=np.arange(1, len(cells) + 1), stat="cell_share", n=n, base=total,
                     base_label="两题均有效回答", value=largest_remainder(n),
                     exact=n / total * 100 if total else np.nan, ci_low=np.round(lo, SHARE_DECIMALS),
                     ci_high=np.round(hi, SHARE_DECIMALS),
                     suppressed=suppression.distribution(n, total))


def mean_difference(a: pd.Series, b: pd.Series, alpha: float = config.ALPHA) -> dict:
    """Welch's two-sample t test (unequal variances, Satterthwaite df; what R's ``t.test`` and
    SPSS's "equal variances not assumed" row print): the difference of means ``a − b`` with its
    interval, t, df and two-sided p. NaN when either group has fewer than two answers."""
    a = pd.to_numeric(a, errors="coerce").dropna().astype(float)
    b = pd.to_numeric(b, errors="coerce").dropna().astype(float)
    out = {"diff": np.nan, "ci_low": np.nan, "ci_high": np.nan, "t": np.nan, "df": np.nan, "p": np.nan}
    if len(a) < 2 or len(b) < 2:
        return out
    out["diff"] = float(a.mean() - b.mean())
    if a.var(ddof=1) == 0 and b.var(ddof=1) == 0:
        return out
    r = sps.ttest_ind(a, b, equal_var=False)
    ci = r.confidence_interval(1 - alpha)
    out.update(ci_low=float(ci.low), ci_high=float(ci.high), t=float(r.statistic), df=float(r.df),
               p=float(r.pvalue))
    return out


def group_means(groups: list[tuple[str, pd.Series]], book: Codebook, variable: str, *, table: str,
                table_title: str, top_box: tuple = ()) -> pd.DataFrame:
    """Per named group of answers: ``mean`` (t interval), ``sd`` and, for a rating item, ``top2``
    (Wilson); the group's name is the row's ``group``."""
    parts = []
    for name, x in groups:
        x = pd.to_numeric(x, errors="coerce").dropna().astype(float)
        m, lo, hi = mean_ci(x)
        sd = float(x.std(ddof=1)) if len(x) > 1 else np.nan
        stats_, values, exact, los, his, ns = ["mean", "sd"], [round(m, 2), round(sd, 2)], [m, sd], \
            [round(lo, 2), np.nan], [round(hi, 2), np.nan], [len(x), len(x)]
        if top_box:
            k = int(x.isin(top_box).sum())
            tlo, thi = wilson_ci(np.array([k]), len(x))
            share = k / len(x) * 100 if len(x) else np.nan
            stats_ += ["top2"]
            values += [round(share, SHARE_DECIMALS)]
            exact += [share]
            los += [round(float(tlo[0]), SHARE_DECIMALS)]
            his += [round(float(thi[0]), SHARE_DECIMALS)]
            ns += [k]
        parts.append(make_rows(table=table, table_title=table_title, group=name, variable=variable,
                               variable_label=book.label(variable), category="", category_label=name,
                               order=np.arange(1, len(stats_) + 1), stat=stats_, n=ns, base=len(x),
                               base_label="有效回答", value=values, exact=exact, ci_low=los, ci_high=his,
                               suppressed=len(x) < config.MIN_CELL))
    return pd.concat(parts, ignore_index=True)


def rank_intervals(rows: pd.DataFrame) -> pd.DataFrame:
    """Groups' rows of one figure (one row per ``group``, with ``exact``, ``ci_low``, ``ci_high``)
    ranked highest first, with a rank range: a group ranks no better than 1 + the number of groups
    whose interval lies wholly above its own, and no worse than the number of groups whose interval
    does not lie wholly below it; groups whose intervals overlap share ranks (并列). Columns
    ``rank``, ``rank_best``, ``rank_worst``; suppressed groups are left unranked at the end."""
    out = rows.copy()
    ok = ~out["suppressed"].astype(bool) & out["exact"].notna()
    shown = out[ok].sort_values("exact", ascending=False, kind="stable")
    lo, hi = shown["ci_low"].to_numpy(dtype=float), shown["ci_high"].to_numpy(dtype=float)
    best = [1 + int(np.sum(lo > h)) for h in hi]
    worst = [int(np.sum(~(hi < low))) for low in lo]
    shown = shown.assign(rank=np.arange(1, len(shown) + 1), rank_best=best, rank_worst=worst)
    rest = out[~ok].assign(rank=np.nan, rank_best=np.nan, rank_worst=np.nan)
    return pd.concat([shown, rest], ignore_index=True)


def rank_test(groups: list[pd.Series]) -> dict:
    """Mann–Whitney U (two groups, two-sided, tie-corrected normal approximation without continuity
    correction, as SPSS and PSPP) or Kruskal–Wallis H
    (more); NaN when fewer than two non-empty groups or all answers are equal."""
    groups = [pd.to_numeric(g, errors="coerce").dropna().astype(float) for g in groups]
    groups = [g for g in groups if len(g)]
    out = {"stat": "u" if len(groups) == 2 else "h", "value": np.nan, "p": np.nan}
    if len(groups) < 2 or pd.concat(groups).nunique() < 2:
        return out
    if len(groups) == 2:
        r = sps.mannwhitneyu(groups[0], groups[1], alternative="two-sided", method="asymptotic",
                             use_continuity=False)          # as SPSS and PSPP print it
    else:
        r = sps.kruskal(*groups)
    out.update(value=float(r.statistic), p=float(r.pvalue))
    return out


def mann_whitney_counts(ca: np.ndarray, cb: np.ndarray) -> dict:
    """``rank_test`` of two groups given how many of each answered each value (the same ordered
    values for both): the same U (of the first group) and p, from midranks of the tied values,
    without ranking every respondent (a district against a national sample)."""
    ca, cb = np.asarray(ca, dtype=float), np.asarray(cb, dtype=float)
    out = {"stat": "u", "value": np.nan, "p": np.nan}
    na, nb = ca.sum(), cb.sum()
    t = ca + cb
    if not na or not nb or np.count_nonzero(t) < 2:
        return out
    n = na + nb
    midrank = np.cumsum(t) - t + (t + 1) / 2
    u = float((ca * midrank).sum() - na * (na + 1) / 2)
    sigma = np.sqrt(na * nb / 12 * ((n + 1) - (t ** 3 - t).sum() / (n * (n - 1))))
    z = (u - na * nb / 2) / sigma
    out.update(value=u, p=float(min(1.0, 2 * sps.norm.sf(abs(z)))))
    return out


class _OrderedLogit(OrderedModel):
    """statsmodels' proportional-odds model with the logistic cdf and pdf as ufuncs
    (``scipy.special.expit``) instead of through ``scipy.stats.logistic``'s generic machinery: the same
    function, so the same fit, in a fraction of the time (the fit calls them thousands of times)."""

    freq_weights: np.ndarray | None = None     # respondents per row when rows are distinct answer patterns

    def loglikeobs(self, params):
        ll = super().loglikeobs(params)
        return ll if self.freq_weights is None else ll * self.freq_weights

    def cdf(self, x):
        return expit(x)

    def pdf(self, x):
        e = expit(x)
        return e * (1.0 - e)


def ordinal_logit(df: pd.DataFrame, item: str, predictors: list[str]) -> pd.DataFrame:
    """Proportional-odds logit of a rating item on numeric predictors (dummies included):
    coefficient, odds ratio exp(b) with 95% interval, p. Raises SurveyError when it cannot be fitted."""
    data = df[[item, *predictors]].apply(pd.to_numeric, errors="coerce").astype(float).dropna()
    # one row per distinct answer pattern, weighted by how many respondents gave it: the same
    # likelihood, so the same estimates and standard errors, at the cost of a few dozen rows instead
    # of every respondent (a district against the rest of a national sample is a 2 × 5 table)
    cells = data.groupby([item, *predictors], sort=True).size().reset_index(name="_count")
    return ordinal_logit_cells(cells, item, predictors)


def ordinal_logit_cells(cells: pd.DataFrame, item: str, predictors: list[str]) -> pd.DataFrame:
    """``ordinal_logit`` from distinct answer patterns: columns ``item``, ``predictors`` (floats) and
    ``_count`` (respondents with that pattern), sorted by ``[item, *predictors]``."""
    levels = sorted(cells[item].unique())
    n = int(cells["_count"].sum())
    if len(levels) < 2 or n <= len(predictors) + len(levels):
        raise SurveyError(f"{item} 的有效回答太少或只有一种答案，无法拟合有序logit模型。", variable=item,
                          fix="合并分组或换用描述统计。")
    flat = [p for p in predictors if cells[p].nunique() < 2]
    if flat:        # e.g. a unit without answers against the rest: its dummy is 0 everywhere
        raise SurveyError(f"{'、'.join(flat)} 在 {item} 的有效回答中只有一个取值，无法拟合有序logit模型。",
                          variable=flat[0], fix="两组都要有回答；否则只报告分布。")
    y = pd.Series(pd.Categorical(cells[item], categories=levels, ordered=True), index=cells.index)
    model = _OrderedLogit(y, cells[predictors], distr="logit")
    counts = cells["_count"].to_numpy(dtype=float)
    # The optimiser's tolerances are absolute, and the log-likelihood grows with the number of
    # respondents: fitted on the raw counts, BFGS stopped short for a national rest and Newton's
    # numerical Hessian was too coarse to finish (the odds ratio moved in its sixth digit when every
    # count was multiplied by 1000). Fitted per average cell the likelihood is the same function at
    # any sample size, so the fit is too; its curvature, and so the variance, is then rescaled to
    # the real counts. The gradient test is tight because a small group's coefficient moves that
    # likelihood little (the district's 200 of half a million respondents).
    scale = counts.sum() / len(counts)
    model.freq_weights = counts / scale
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), warnings.catch_warnings():
        # convergence is checked below; statsmodels' warning would only print into the report
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", HessianInversionWarning)     # separation: no finite interval, below
        fit = model.fit(method="bfgs", disp=False, maxiter=2000, gtol=1e-10)
        if not fit.mle_retvals.get("converged", False):
            fit = model.fit(start_params=fit.params, method="newton", disp=False, maxiter=100)
        params = np.asarray(fit.params)
        se = np.asarray(fit.bse) / np.sqrt(scale)
    z = sps.norm.ppf(1 - config.ALPHA / 2)          # Wald intervals and p, as statsmodels gives them
    ci = np.column_stack([params - z * se, params + z * se])
    pvalues = 2 * sps.norm.sf(np.abs(params / se))
    k = len(predictors)
    if not fit.mle_retvals.get("converged", False) or not np.all(np.isfinite(ci[:k])) or np.any(np.abs(params[:k]) > 15):
        raise SurveyError(f"{item} 的有序logit模型不收敛（多半是某组只选了一端的答案，完全分离）。",
                          variable=item, fix="合并分组或只报告分布与秩检验。")
    return pd.DataFrame({"term": predictors, "coef": params[:k], "odds_ratio": np.exp(params[:k]),
                         "ci_low": np.exp(ci[:k, 0]), "ci_high": np.exp(ci[:k, 1]),
                         "p": pvalues[:k], "n": n})


def adjust(p: pd.Series | np.ndarray, method: str = config.P_ADJUST) -> np.ndarray:
    """p-values corrected for multiple comparisons (statsmodels ``multipletests``); NaN kept."""
    p = np.asarray(p, dtype=float)
    out = np.full(len(p), np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = _holm(p[ok]) if method == "holm" else multipletests(p[ok], method=method)[1]
    return out


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment, the same numbers as ``multipletests(p, method="holm")`` (tested),
    without its ``gc.collect()`` on every call (a tenth of a second, a dozen times per report)."""
    m = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = stepped
    return out


def share_difference(a: int, n1: int, b: int, n2: int) -> tuple[float, float, float]:
    """Difference of two shares ``a/n1 − b/n2`` in percentage points with Newcombe's hybrid Wilson interval."""
    if not n1 or not n2:
        return np.nan, np.nan, np.nan
    p1, p2 = a / n1, b / n2
    l1, u1 = (x / 100 for x in wilson_ci(np.array([a]), n1))
    l2, u2 = (x / 100 for x in wilson_ci(np.array([b]), n2))
    l1, u1, l2, u2 = float(l1[0]), float(u1[0]), float(l2[0]), float(u2[0])
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d * 100, lo * 100, hi * 100


def compare_items(a: pd.DataFrame, b: pd.DataFrame, items: list[str], book: Codebook, group: str,
                  table: str, table_title: str, *, a_label: str, b_label: str,
                  book_b: Codebook | None = None) -> pd.DataFrame:
    """Two sets of respondents on the same rating items: per item the top-two shares of each and
    their difference (Newcombe interval), Mann–Whitney p, the ordinal-logit odds ratio of ``a``
    against ``b``, and Holm-adjusted p over the items."""
    counts = {item: (_value_counts(a, item), _value_counts(b, item)) for item in items}
    return compare_counts(counts, book, group, table, table_title, a_label=a_label, b_label=b_label,
                          book_b=book_b)


def _value_counts(df: pd.DataFrame, item: str) -> pd.Series:
    """Respondents per answer value (numeric, sorted); no answer left out."""
    if item not in df:
        return pd.Series(dtype="int64")
    return pd.to_numeric(df[item], errors="coerce").dropna().astype(float).value_counts().sort_index()


def compare_counts(counts: dict[str, tuple[pd.Series, pd.Series]], book: Codebook, group: str,
                   table: str, table_title: str, *, a_label: str, b_label: str,
                   book_b: Codebook | None = None) -> pd.DataFrame:
    """``compare_items`` from the respondents per answer value of each item in ``a`` and ``b``
    (``{item: (counts_a, counts_b)}``, value → count): every figure it prints is a function of these
    counts, so a district against a national rest needs no copy of the rest's rows."""
    book_b = book_b or book
    records = []
    for order, (item, (ca, cb)) in enumerate(counts.items()):
        var = book.variables[item]
        values = np.union1d(ca.index.to_numpy(dtype=float), cb.index.to_numpy(dtype=float))
        ca = ca.reindex(values, fill_value=0).to_numpy(dtype="int64")
        cb = cb.reindex(values, fill_value=0).to_numpy(dtype="int64")
        na, nb = int(ca.sum()), int(cb.sum())
        ta = int(ca[np.isin(values, list(var.top_box))].sum())
        tb = int(cb[np.isin(values, list(book_b.variables[item].top_box))].sum())
        d, dlo, dhi = share_difference(ta, na, tb, nb)
        rt = mann_whitney_counts(ca, cb)
        cells = pd.DataFrame({item: np.repeat(values, 2), "in_a": np.tile([0.0, 1.0], len(values)),
                              "_count": np.column_stack([cb, ca]).ravel()})
        try:
            orr = ordinal_logit_cells(cells[cells["_count"] > 0].reset_index(drop=True), item, ["in_a"]).iloc[0]
            odds = (orr["odds_ratio"], orr["ci_low"], orr["ci_high"])
        except SurveyError:
            odds = (np.nan, np.nan, np.nan)
        records.append(dict(item=item, label=var.label, order=order, na=na, nb=nb, ta=ta, tb=tb,
                            diff=d, dlo=dlo, dhi=dhi, u=rt["value"], p=rt["p"], odds=odds))
    p_adj = adjust([r["p"] for r in records])
    parts = []
    for r, padj in zip(records, p_adj):
        small = min(r["na"], r["nb"]) < config.MIN_CELL
        o = r["order"] * 10
        top_a = r["ta"] / r["na"] * 100 if r["na"] else np.nan
        top_b = r["tb"] / r["nb"] * 100 if r["nb"] else np.nan
        parts.append(make_rows(
            table=table, table_title=table_title, group=group, variable=r["item"], variable_label=r["label"],
            category=["a", "b", "diff", "u", "p", "p_adj", "odds_ratio"],
            category_label=[f"{a_label}满意率", f"{b_label}满意率", f"{a_label}－{b_label}",
                            STAT_LABELS["u"], STAT_LABELS["p"], STAT_LABELS["p_adj"], STAT_LABELS["odds_ratio"]],
            order=np.arange(o + 1, o + 8), stat=["top2", "top2", "diff", "u", "p", "p_adj", "odds_ratio"],
            n=[r["ta"], r["tb"], r["na"] + r["nb"], r["na"] + r["nb"], r["na"] + r["nb"], r["na"] + r["nb"],
               r["na"] + r["nb"]],
            base=[r["na"], r["nb"], r["na"] + r["nb"], r["na"] + r["nb"], r["na"] + r["nb"],
                  r["na"] + r["nb"], r["na"] + r["nb"]],
            base_label=[a_label, b_label, "合计", "合计", "合计", "合计", "合计"],
            value=[round(top_a, SHARE_DECIMALS), round(top_b, SHARE_DECIMALS), round(r["diff"], SHARE_DECIMALS),
                   round(r["u"], 1), round(r["p"], 3), round(padj, 3), round(r["odds"][0], 2)],
            exact=[top_a, top_b, r["diff"], r["u"], r["p"], padj, r["odds"][0]],
            ci_low=[np.nan, np.nan, round(r["dlo"], SHARE_DECIMALS), np.nan, np.nan, np.nan,
                    round(r["odds"][1], 2)],
            ci_high=[np.nan, np.nan, round(r["dhi"], SHARE_DECIMALS), np.nan, np.nan, np.nan,
                     round(r["odds"][2], 2)],
            suppressed=small))
    return pd.concat(parts, ignore_index=True) if parts else make_rows(table=[])


def district_vs_rest(df: pd.DataFrame, book: Codebook, district: str, items: list[str] | None = None, *,
                     mine: pd.DataFrame | None = None, battery: Battery | None = None, table: str = "",
                     table_title: str = "", rest_label: str = "") -> pd.DataFrame:
    """A unit against the other units pooled, on a battery's items (the first battery by default;
    ``items`` to choose others). ``mine`` are the unit's rows (``Wave.rows``); by default the rows
    whose unit answer is ``district``; ``rest_label`` names the others (default 其他<unit>).
    Table ``<instrument>_<battery>_vs_rest``."""
    dvar = book.role("district")
    if battery is None and book.report.batteries:
        battery = book.report.batteries[0]
    items = list(battery.items if battery else ()) if items is None else items
    if mine is None:
        mine = df[df[dvar].astype("string") == district]
    counts = {}
    for item in items:
        everyone, ours = _value_counts(df, item), _value_counts(mine, item)
        counts[item] = (ours, everyone.sub(ours, fill_value=0).astype("int64"))
    who = book.respondent or book.title
    unit = book.label(dvar) if dvar else "单位"
    suffix = battery.table_suffix if battery else "rating"
    label = battery.label.removesuffix("评价") if battery else "评价"
    return compare_counts(counts, book, district, table or f"{book.instrument}_{suffix}_vs_rest",
                          table_title or f"{who}{label}：本{unit}与其他{unit}比较", a_label=district,
                          b_label=rest_label or f"其他{unit}")


def subgroup_tests(df: pd.DataFrame, item: str, by: str, book: Codebook, group: str = "",
                   table: str = "") -> pd.DataFrame:
    """A rating item across the levels of ``by`` within one group (streets, posts …): the item's
    distribution per level, chi-square with Cramér's V, and Mann–Whitney or Kruskal–Wallis."""
    table = table or f"{book.instrument}_by_{by}"
    out = crosstab(df, by, item, book, group, table, f"{book.label(item)}（按{book.label(by)}）")
    rt = rank_test([rows[item] for _, rows in split_by(df, by, book, group)])
    n = int(df[[by, item]].dropna().shape[0])
    extra = make_rows(table=table, table_title=out["table_title"].iloc[0], group=group,
                      variable=f"{by}×{item}", variable_label=f"{book.label(by)}×{book.label(item)}",
                      category="test", category_label=STAT_LABELS[rt["stat"]], order=[10, 11],
                      stat=[rt["stat"], "p"], n=n, base=n, base_label="检验样本",
                      value=[round(rt["value"], 1), round(rt["p"], 3)], exact=[rt["value"], rt["p"]])
    extra.loc[1, "category"] = "rank_test"
    extra.loc[1, "category_label"] = f"{STAT_LABELS[rt['stat']]}的p值"
    return pd.concat([out, extra], ignore_index=True)


def shared_items(book_a: Codebook, book_b: Codebook) -> list[str]:
    """Single-choice questions both questionnaires ask with the same answers (same name, codes and
    labels), neither a unit/id variable nor left out of either report."""
    out = []
    for name, v in book_a.variables.items():
        w = book_b.variables.get(name)
        if (w and v.type == w.type == "single" and v.kept and w.kept and v.values == w.values
                and v.role is None and w.role is None
                and name not in book_a.report.skip and name not in book_b.report.skip):
            out.append(name)
    return out


def shared_questions(a: pd.DataFrame, b: pd.DataFrame, book_a: Codebook,
                     book_b: Codebook, group: str = "", table: str = "", table_title: str = "") -> pd.DataFrame:
    """Two questionnaires on the questions both ask (:func:`shared_items`; table ``shared_<a>_<b>``),
    as seed 002 篇3 compares residents and workers: on each question the share of the first
    questionnaire's respondents and of the second's choosing each answer, the difference in points (Newcombe interval) with its two-proportion test
    (``p``, Pearson's 2×2 chi-square, the same as the pooled z test; ``p_adj`` Holm-adjusted over every
    answer of every shared question), then per question chi-square and Cramér's V, Holm-adjusted over
    the questions."""
    who_a, who_b = book_a.respondent or book_a.title, book_b.respondent or book_b.title
    table = table or f"shared_{book_a.instrument}_{book_b.instrument}"
    title = table_title or f"{who_a}与{who_b}的比较"
    parts, tests, answers = [], [], []
    for order, name in enumerate(shared_items(book_a, book_b)):
        labels = book_a.labels(name)
        ca = a[name].value_counts().reindex(list(labels), fill_value=0).astype(int)
        cb = b[name].value_counts().reindex(list(labels), fill_value=0).astype(int)
        na, nb = int(ca.sum()), int(cb.sum())
        # an answer hidden in either group's own distribution stays hidden here: its difference
        # and the other group's share would give it back
        hidden = (suppression.distribution(ca.to_numpy(), na) | suppression.distribution(cb.to_numpy(), nb)
                  | (min(na, nb) < config.MIN_CELL))
        for j, code in enumerate(labels):
            d, lo, hi = share_difference(int(ca[code]), na, int(cb[code]), nb)
            two = chi_square([[int(ca[code]), na - int(ca[code])], [int(cb[code]), nb - int(cb[code])]])
            answers.append((name, order, j, code, labels[code], int(ca[code] + cb[code]), na, nb, two["p"],
                            bool(hidden[j])))
            parts.append(make_rows(table=table, table_title=title, group=group, variable=name,
                                   variable_label=book_a.label(name), category=str(code),
                                   category_label=labels[code], order=[order * 100 + j + 1], stat="diff",
                                   n=int(ca[code] + cb[code]), base=na + nb, base_label=f"{who_a}－{who_b}",
                                   value=round(d, SHARE_DECIMALS), exact=d,
                                   ci_low=round(lo, SHARE_DECIMALS), ci_high=round(hi, SHARE_DECIMALS),
                                   suppressed=bool(hidden[j])))
        res = chi_square(np.vstack([ca.to_numpy(), cb.to_numpy()]))
        tests.append((name, order, res))
    for (name, order, j, code, label, n, na, nb, p, hide), padj in zip(answers, adjust([a[-2] for a in answers])):
        parts.append(make_rows(table=table, table_title=title, group=group, variable=name,
                               variable_label=book_a.label(name), category=str(code),
                               category_label=[f"{label}：p值", f"{label}：校正后p值（Holm）"],
                               order=[order * 100 + 20 + j, order * 100 + 40 + j], stat=["p", "p_adj"],
                               n=n, base=na + nb, base_label="检验样本", value=[round(p, 3), round(padj, 3)],
                               exact=[p, padj], suppressed=hide))
    p_adj = adjust([r["p"] for _, _, r in tests])
    for (name, order, res), padj in zip(tests, p_adj):
        rows = _test_rows(res, table=table, title=title, group=group, variable=name,
                          label=book_a.label(name), order0=order * 100 + 50, n=res["n"])
        rows = pd.concat([rows, make_rows(table=table, table_title=title, group=group, variable=name,
                                          variable_label=book_a.label(name), category="test",
                                          category_label=STAT_LABELS["p_adj"], order=[order * 100 + 60],
                                          stat="p_adj", n=res["n"], base=res["n"], base_label="检验样本",
                                          value=round(padj, 3), exact=padj)], ignore_index=True)
        parts.append(rows)
    return pd.concat(parts, ignore_index=True) if parts else make_rows(table=[])
