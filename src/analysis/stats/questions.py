"""One table per kind of question, for any questionnaire: single choice, multi-select, numbers,
free text, and breakdowns of the profile and rating items by a declared variable.

- ``frequency``: ``<instrument>_q_<var>``: per option ``share`` (of valid answers) and ``pct`` (of
  every respondent, with a 未回答 row ``missing``), each by largest remainder so it sums to 100.
- ``multi_select``: ``<instrument>_q_<var>`` for a multi-select stored as ``<var>__<code>`` 0/1
  columns (NA when not answered): per option ``response_share`` (of all mentions, sums to 100),
  ``case_share`` (of respondents who answered, sums above 100, Wilson interval); ``count`` of typed
  “other” texts on category ``other`` when cleaning kept a ``<var>__other`` 0/1 column.
- ``numbers``: ``<instrument>_numbers``: per number/age question mean (t interval), median, SD
  (n − 1), min and max over its valid answers.
- ``text_counts``: ``<instrument>_text``: per free-text question the number of non-empty answers
  (a private question only when cleaning kept a ``<var>__answered`` 0/1 column); never the text.
- ``breakdown``: ``<instrument>_by_<by>``: each profile and rating item within each category of
  ``by`` (column percents, groups ``<group>·<category>``) with the chi-square rows.

Rows of ``stats.COLUMNS``; every share goes through :mod:`analysis.stats.suppression`. No I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import SurveyError
from analysis.spec.codebook import Codebook
from analysis.stats import suppression
from analysis.stats.base import (
    ALL_BASE,
    SHARE_DECIMALS,
    VALID_BASE,
    half_up,
    make_rows,
    mean_ci,
    split_by,
    wilson_ci,
)
from analysis.stats.base import shares as share_values
from analysis.stats.compare import adjust, chi_square, crosstab
from analysis.stats.distributions import composition

OTHER = "other"
OTHER_LABEL = "其他（注明）文字"
ANSWERED = "__answered"


def _who(book: Codebook) -> str:
    return book.respondent or book.title


def frequency(df: pd.DataFrame, variable: str, book: Codebook, group: str = "", table: str = "",
              table_title: str = "") -> pd.DataFrame:
    """A single-choice question's frequency table: ``share`` of valid answers per option and ``pct``
    of all respondents per option and for 未回答 (``missing``)."""
    table = table or f"{book.instrument}_q_{variable}"
    table_title = table_title or book.label(variable)
    valid = composition(df, variable, book, group, table, table_title, base="valid")
    everyone = composition(df, variable, book, group, table, table_title, base="all")
    everyone["stat"] = "pct"
    parts = [valid, everyone]
    other = _other_count(df, variable, book, group, table, table_title, int(df[variable].notna().sum()),
                         len(everyone))
    if other is not None:
        parts.append(other)
    return pd.concat(parts, ignore_index=True)


def multi_columns(df: pd.DataFrame, variable: str, book: Codebook) -> list[str]:
    """The 0/1 columns cleaning made of a multi-select, in option order."""
    return [f"{variable}__{code}" for code in book.labels(variable) if f"{variable}__{code}" in df]


def multi_select(df: pd.DataFrame, variable: str, book: Codebook, group: str = "", table: str = "",
                 table_title: str = "", min_cell: int = config.MIN_CELL,
                 exempt_base: int | None = config.SUPPRESSION_EXEMPT_BASE) -> pd.DataFrame:
    """A multi-select question: per option the mentions, their share of all mentions
    (``response_share``, largest remainder) and the share of respondents who answered the question
    choosing it (``case_share``, Wilson interval)."""
    labels = book.labels(variable)
    cols = [f"{variable}__{code}" for code in labels]
    missing = [c for c in cols if c not in df]
    if missing:
        raise SurveyError(f"数据中没有多选题 {variable} 的选项列 {missing[0]}。", variable=variable,
                          fix="多选题清洗后每个选项一列（变量名__代码），请用 survey prepare 重新整理数据。")
    table = table or f"{book.instrument}_q_{variable}"
    table_title = table_title or book.label(variable)
    X = df[cols].apply(pd.to_numeric, errors="coerce")
    answered_rows = X.notna().any(axis=1).to_numpy()
    answered = int(answered_rows.sum())
    n = (X[answered_rows] == 1).sum().to_numpy(dtype=int)
    mentions = int(n.sum())
    hidden = suppression.distribution(n, answered, min_cell, exempt_base)
    k = len(cols)
    codes = [str(c) for c in labels]
    response = make_rows(table=table, table_title=table_title, group=group, variable=variable,
                         variable_label=book.label(variable), category=codes,
                         category_label=list(labels.values()), order=np.arange(1, k + 1), stat="response_share",
                         n=n, base=mentions, base_label="选择次数合计", value=share_values(n),
                         exact=n / mentions * 100 if mentions else np.nan, suppressed=hidden)
    exact = n / answered * 100 if answered else np.full(k, np.nan)
    lo, hi = wilson_ci(n, answered)
    case = make_rows(table=table, table_title=table_title, group=group, variable=variable,
                     variable_label=book.label(variable), category=codes, category_label=list(labels.values()),
                     order=np.arange(1, k + 1), stat="case_share", n=n, base=answered,
                     base_label="回答本题的受访者", value=half_up(exact), exact=exact,
                     ci_low=np.round(lo, SHARE_DECIMALS), ci_high=np.round(hi, SHARE_DECIMALS), suppressed=hidden)
    parts = [response, case]
    other = _other_count(df, variable, book, group, table, table_title, answered, k + 1)
    if other is not None:
        parts.append(other)
    return pd.concat(parts, ignore_index=True)


def _other_count(df, variable, book, group, table, table_title, base, order) -> pd.DataFrame | None:
    col = f"{variable}__{OTHER}"
    if col not in df:
        return None
    k = int((pd.to_numeric(df[col], errors="coerce") == 1).sum())
    return make_rows(table=table, table_title=table_title, group=group, variable=variable,
                     variable_label=book.label(variable), category=OTHER, category_label=OTHER_LABEL,
                     order=[order], stat="count", n=k, base=base, base_label=VALID_BASE, value=k, exact=k,
                     suppressed=bool(suppression.primary([k], base).any()))


def question(df: pd.DataFrame, variable: str, book: Codebook, group: str = "") -> pd.DataFrame:
    """The table of one question of :meth:`Codebook.question_order` (single or multi)."""
    if book.variables[variable].type == "multi":
        return multi_select(df, variable, book, group)
    return frequency(df, variable, book, group)


def number_variables(book: Codebook) -> list[str]:
    """Number and age questions a report shows (kept, not skipped, no unit/id role)."""
    return [v.name for v in book.variables.values() if v.type in ("number", "age") and v.kept
            and v.role is None and v.name not in book.report.skip]


def numbers(df: pd.DataFrame, book: Codebook, group: str = "", table: str = "", table_title: str = "",
            variables: list[str] | None = None, decimals: int = 1, quartiles: bool = False) -> pd.DataFrame:
    """Mean (t interval), median, SD, min and max of each number question (``<instrument>_numbers``);
    ``quartiles``: also the lower and upper quartiles (``q1``, ``q3``; pandas' linear interpolation,
    R's default type 7), which the report does not print."""
    table = table or f"{book.instrument}_numbers"
    table_title = table_title or f"{_who(book)}数值题"
    names = [v for v in (number_variables(book) if variables is None else variables) if v in df]
    parts = []
    for i, name in enumerate(names):
        x = pd.to_numeric(df[name], errors="coerce").dropna().astype(float)
        m, lo, hi = mean_ci(x)
        med, sd = (float(x.median()), float(x.std(ddof=1))) if len(x) else (np.nan, np.nan)
        lo_x, hi_x = (float(x.min()), float(x.max())) if len(x) else (np.nan, np.nan)
        if len(x) < 2:
            sd = np.nan
        exact = [m, med, sd, lo_x, hi_x]
        kinds, labels = ["mean", "median", "sd", "min", "max"], ["平均值", "中位数", "标准差", "最小值", "最大值"]
        if quartiles:
            exact += [float(x.quantile(0.25)), float(x.quantile(0.75))] if len(x) else [np.nan, np.nan]
            kinds, labels = kinds + ["q1", "q3"], labels + ["下四分位数", "上四分位数"]
        k = len(kinds)
        parts.append(make_rows(table=table, table_title=table_title, group=group, variable=name,
                               variable_label=book.label(name), category="", category_label=labels,
                               order=np.arange(i * 10 + 1, i * 10 + 1 + k), stat=kinds,
                               n=len(x), base=len(x), base_label=VALID_BASE,
                               value=[round(e, decimals) for e in exact], exact=exact,
                               ci_low=[round(lo, decimals)] + [np.nan] * (k - 1),
                               ci_high=[round(hi, decimals)] + [np.nan] * (k - 1),
                               suppressed=len(x) < config.MIN_CELL))
    return pd.concat(parts, ignore_index=True) if parts else make_rows(table=[])


def text_variables(book: Codebook) -> list[str]:
    """Free-text questions a report counts: kept or private, never personal data, no role."""
    return [v.name for v in book.variables.values() if v.type == "text" and not v.pii
            and v.role is None and v.name not in book.report.skip]


def _non_empty(df: pd.DataFrame, name: str) -> int | None:
    if f"{name}{ANSWERED}" in df:
        return int((pd.to_numeric(df[f"{name}{ANSWERED}"], errors="coerce") == 1).sum())
    if name in df:
        s = df[name].astype("string").str.strip()
        return int((s.notna() & (s != "")).sum())
    return None


def text_counts(df: pd.DataFrame, book: Codebook, group: str = "", table: str = "",
                table_title: str = "") -> pd.DataFrame:
    """How many respondents wrote something in each free-text question (``<instrument>_text``)."""
    table = table or f"{book.instrument}_text"
    table_title = table_title or f"{_who(book)}文字题"
    found = [(name, k) for name in text_variables(book) if (k := _non_empty(df, name)) is not None]
    if not found:
        return make_rows(table=[])
    return make_rows(table=table, table_title=table_title, group=group, variable=[n for n, _ in found],
                     variable_label=[book.label(n) for n, _ in found], category="", category_label="填写人数",
                     order=np.arange(1, len(found) + 1), stat="count", n=[k for _, k in found], base=len(df),
                     base_label=ALL_BASE, value=[k for _, k in found], exact=[k for _, k in found],
                     suppressed=[bool(suppression.primary([k], len(df)).any()) for _, k in found])


def breakdown(df: pd.DataFrame, by: str, book: Codebook, group: str = "", table: str = "",
              table_title: str = "") -> pd.DataFrame:
    """Each profile variable (other than ``by``) and each rating item within each category of ``by``:
    column percents (groups ``<group>·<category>``, suppressed per column) and the chi-square test
    rows with the plain group. No rows when fewer than two categories of ``by`` were answered."""
    table = table or f"{book.instrument}_by_{by}"
    table_title = table_title or f"{_who(book)}（按{book.label(by)}）"
    if by not in df or df[by].dropna().nunique() < 2:
        return make_rows(table=[])
    source = book.derived[by].source if by in book.derived else None
    rows = [v for v in (*book.report.profile, *book.report.rating_items)
            if v != by and v in df and v != source
            and not (v in book.derived and book.derived[v].source in (by, source))]
    parts = [crosstab(df, by, v, book, group, table, table_title) for v in rows if df[v].notna().any()]
    return pd.concat(parts, ignore_index=True) if parts else make_rows(table=[])


def multi_by(df: pd.DataFrame, variable: str, by: str, book: Codebook, group: str = "", table: str = "",
             table_title: str = "") -> pd.DataFrame:
    """A multi-select across the levels of ``by``: per level the ``multi_select`` rows (case
    percents within the level), then per option a test of whether choosing it depends on ``by``:
    Pearson's χ² of the option's chosen / not chosen × the levels (each respondent once per option,
    so the test is valid where one χ² over all mentions would count a respondent several times),
    with Holm-adjusted p over the options (rows ``category="<code>"``, stats ``chi2``, ``p``, ``p_adj``)."""
    table = table or f"{book.instrument}_q_{variable}_by_{by}"
    table_title = table_title or f"{book.label(variable)}（按{book.label(by)}）"
    splits = split_by(df, by, book, group)
    parts = [multi_select(rows, variable, book, name, table, table_title) for name, rows in splits]
    labels = book.labels(variable)
    tests = []
    for code in labels:
        col = f"{variable}__{code}"
        counts = []
        for _, rows in splits:
            x = pd.to_numeric(rows[col], errors="coerce")
            answered = rows[multi_columns(rows, variable, book)].notna().any(axis=1)
            counts.append([int((x[answered] == 1).sum()), int(answered.sum() - (x[answered] == 1).sum())])
        tests.append((code, chi_square(np.array(counts))))
    p_adj = adjust([t["p"] for _, t in tests])
    for (code, t), padj in zip(tests, p_adj):
        parts.append(make_rows(table=table, table_title=table_title, group=group or "检验", variable=variable,
                               variable_label=book.label(variable), category=str(code),
                               category_label=[f"{labels[code]}：卡方值", f"{labels[code]}：p值",
                                               f"{labels[code]}：校正后p值（Holm）"],
                               order=[900, 901, 902], stat=["chi2", "p", "p_adj"], n=t["n"], base=t["n"],
                               base_label="回答此题", value=[round(t["chi2"], 3), round(t["p"], 4), round(padj, 4)],
                               exact=[t["chi2"], t["p"], padj]))
    return pd.concat(parts, ignore_index=True)
