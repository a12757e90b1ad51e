"""Small cells: which published cells are shown as “—”, and why.

The policy, applied to one distribution at a time (the categories of one variable for one group,
over one base):

1. **Primary.** A cell with 1 to k−1 respondents (k = ``config.MIN_CELL``, default 5) is suppressed,
   and every cell of a distribution whose base is below k. Zero cells are published: “nobody” does
   not point at anybody.
2. **Large bases are exempt.** The rule exists because a reader who knows the group can tell who the
   one or two people in a cell are (a district's 45 community workers know each other's schooling,
   and could then read off their colleagues' answers). Over a base of at least
   ``config.SUPPRESSION_EXEMPT_BASE`` (default 100) respondents a one-way share no longer points at
   anyone: the resident samples are a few hundred people out of tens of thousands, and four
   workers out of 494 saying 很不满意 cannot be told apart. Suppressing them would hide exactly the
   finding a report exists for (a dissatisfied minority) and, through step 3, a second cell as
   well. So 1–4 answers of 很不满意 among 500 residents are published; among 45 workers they are not.
   Subgroup tables (a street, the secretaries, a cross-tab row) have their own, smaller bases and
   so fall under the rule.
3. **Complementary.** When exactly one cell of a distribution is suppressed and the base is
   published, that cell is the base minus the others (裕华区's 初中及以下 = 45 − the rest). The
   next-smallest non-zero published cell is then suppressed too (ties: the first in category order).
4. **Summaries of the same distribution.** A five-point item's mean, printed to 0.01, gives the sum
   of scores over a base under 100 exactly, and with it any two suppressed cells; so an item with a
   suppressed cell has its mean suppressed. Its top-two share is a partial sum: it is suppressed when
   it would recover a single suppressed cell (exactly one suppressed cell inside the top box, or
   exactly one outside it).

Across tables and across the wave's units the cells are decided together by
:mod:`analysis.stats.coordinated` (the pooled group minus the other units for every cell,
multiple-choice option, breakdown column, typed 其他 count and indicator; breakdowns; the unit
against the rest; indicators), so a cell hidden in one place is hidden everywhere.

Internal tables keep every number: the stats table carries ``n`` and ``value`` with the
``suppressed`` flag; :func:`published` blanks them for anything that leaves the project.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config

DASH = "—"


def primary(counts, base: int, k: int = config.MIN_CELL,
            exempt_base: int | None = config.SUPPRESSION_EXEMPT_BASE) -> np.ndarray:
    """Cells 0 < n < k (unless the base is exempt), or every cell when the base is below k."""
    n = np.asarray(counts, dtype=float)
    if base < k:
        return np.ones(len(n), dtype=bool)
    small = (n > 0) & (n < k)
    if exempt_base is not None and base >= exempt_base:
        small[:] = False
    return small


def complementary(counts, mask: np.ndarray) -> np.ndarray:
    """Add the next-smallest non-zero cell when exactly one cell is suppressed (step 3)."""
    n = np.asarray(counts, dtype=float)
    mask = np.asarray(mask, dtype=bool).copy()
    if mask.sum() == 1 and not mask.all():
        candidates = np.where(~mask & (n > 0))[0]
        if len(candidates):
            mask[candidates[np.argmin(n[candidates])]] = True   # argmin: first of equal counts
    return mask


def distribution(counts, base: int, k: int = config.MIN_CELL,
                 exempt_base: int | None = config.SUPPRESSION_EXEMPT_BASE) -> np.ndarray:
    """The suppressed cells of one distribution: primary, then complementary."""
    first = primary(counts, base, k, exempt_base)
    if base < k:
        return first
    return complementary(counts, first)


def summaries(codes, mask: np.ndarray, top_box) -> tuple[bool, bool]:
    """(mean suppressed, top-two share suppressed) for an item whose cells ``codes`` carry ``mask``."""
    mask = np.asarray(mask, dtype=bool)
    inside = np.isin(np.asarray(codes), list(top_box))
    hidden_in, hidden_out = int((mask & inside).sum()), int((mask & ~inside).sum())
    return bool(mask.any()), hidden_in == 1 or hidden_out == 1


def published(S: pd.DataFrame) -> pd.DataFrame:
    """The stats table as it may leave the project: suppressed rows keep their labels and flag but
    lose ``n``, ``value``, ``exact`` and the interval."""
    out = S.copy()
    hide = out["suppressed"].astype(bool)
    for c in ("value", "exact", "ci_low", "ci_high"):
        out.loc[hide, c] = np.nan
    out["n"] = out["n"].astype("Int64")
    out.loc[hide, "n"] = pd.NA
    return out


def note(k: int = config.MIN_CELL, exempt_base: int = config.SUPPRESSION_EXEMPT_BASE) -> str:
    """The method paragraph's sentence on suppression."""
    return (f"基数少于{exempt_base}人的分布中，人数少于{k}人的单元格不公布，以“{DASH}”表示；"
            f"若一项中只有一个单元格不公布，则同时隐去次小的单元格，以免由合计反推；"
            f"各报告单位的同一数字（单选题各项、多选题各选项、交叉表各列、填写“其他”的人数、指标）由全部单位统一决定，"
            f"若只有一个单位不公布，则另隐去一个单位的该数字，以免由全部单位合计反推；"
            f"同一数字在各表、图和文字中要么都公布、要么都不公布；含不公布单元格的满意度题目，其平均分一并不公布。"
            f"编码手册声明为公开信息的身份类数字（如职务）照常公布。")
