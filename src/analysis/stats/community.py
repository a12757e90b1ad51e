"""The community statistics sheet: party-organisation type from member counts, coverage rates
(党组织建成率, youth league, women's organisation) and party members by kind, per district.

Type from members follows ``config.PARTY_ORG_MIN_MEMBERS`` (党委 ≥ 100, 党总支 50–99, 党支部 3–49 by
default); a community with fewer members than a 党支部 needs is “不足3人” and belongs in a joint
branch. The reported type (org_type) is kept beside the type its member count calls for, so a
sheet can show communities that have not re-organised. Rows of ``stats.COLUMNS``; no I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.spec.codebook import Codebook
from analysis.stats.base import SHARE_DECIMALS, largest_remainder, make_rows, wilson_ci
from analysis.stats.distributions import composition

MEMBER_KINDS = ("members_retired", "members_laidoff", "members_employed", "members_floating")


def org_type_from_members(members: pd.Series, thresholds: dict[int, int] | None = None) -> pd.Series:
    """The org_type code a member count calls for (nullable Int64; NA when the count is missing,
    0 when it is below the smallest threshold)."""
    thresholds = config.PARTY_ORG_MIN_MEMBERS if thresholds is None else thresholds
    x = pd.to_numeric(members, errors="coerce")
    out = pd.Series(pd.array([pd.NA] * len(x), dtype="Int64"), index=x.index)
    out[x.notna()] = 0
    for code, least in sorted(thresholds.items(), key=lambda kv: kv[1]):
        out[x >= least] = code
    return out


def org_types(df: pd.DataFrame, book: Codebook, group: str = "") -> pd.DataFrame:
    """Communities by the type their member count calls for, and how many report another type."""
    table, title = "community_org_rule", "党组织类型（按党员人数）"
    labels = {c: book.labels("org_type")[c] for c in config.PARTY_ORG_MIN_MEMBERS}
    least = min(config.PARTY_ORG_MIN_MEMBERS.values())
    labels[0] = f"党员不足{least}人"
    rule = org_type_from_members(df["members_total"])
    counts = rule.value_counts().reindex(list(labels), fill_value=0).astype(int)
    base = int(counts.sum())
    n = counts.to_numpy()
    lo, hi = wilson_ci(n, base)
    rows = make_rows(table=table, table_title=title, group=group, variable="org_type_rule",
                     variable_label="按党员人数应设的党组织类型", category=[str(c) for c in labels],
                     category_label=list(labels.values()), order=np.arange(1, len(labels) + 1), stat="share",
                     n=n, base=base, base_label="填报党员数的社区", value=largest_remainder(n),
                     exact=n / base * 100 if base else np.nan, ci_low=np.round(lo, SHARE_DECIMALS),
                     ci_high=np.round(hi, SHARE_DECIMALS))
    reported = pd.to_numeric(df["org_type"], errors="coerce")
    both = rule.notna() & reported.notna() & (reported != config.PARTY_ORG_NONE) & (rule > 0)
    differ = int((rule[both] != reported[both]).sum())
    mism = make_rows(table=table, table_title=title, group=group, variable="org_type_mismatch",
                     variable_label="实际类型与按人数应设类型不一致", category="", category_label="社区数",
                     order=[len(labels) + 1], stat="count", n=differ, base=int(both.sum()),
                     base_label="已建党组织且填报党员数的社区", value=differ, exact=differ)
    return pd.concat([rows, mism], ignore_index=True)


def coverage(df: pd.DataFrame, book: Codebook, group: str = "") -> pd.DataFrame:
    """建成率: the share of communities with a party organisation, a youth league and a women's
    organisation, with Wilson intervals, over the communities that answered."""
    table, title = "community_coverage", "组织建成率"
    spec = [("org_type", "党组织建成率", lambda s: s != config.PARTY_ORG_NONE),
            ("youth_league", "共青团组织建成率", lambda s: s == 1),
            ("women_org", "妇联组织建成率", lambda s: s == 1)]
    parts = []
    for order, (var, label, built) in enumerate(spec, start=1):
        x = pd.to_numeric(df[var], errors="coerce").dropna() if var in df else pd.Series(dtype=float)
        k, base = int(built(x).sum()), len(x)
        lo, hi = wilson_ci(np.array([k]), base)
        parts.append(make_rows(table=table, table_title=title, group=group, variable=var,
                               variable_label=book.label(var), category="built", category_label=label,
                               order=[order], stat="rate", n=k, base=base, base_label="填报社区数",
                               value=round(k / base * 100, SHARE_DECIMALS) if base else np.nan,
                               exact=k / base * 100 if base else np.nan,
                               ci_low=round(float(lo[0]), SHARE_DECIMALS), ci_high=round(float(hi[0]), SHARE_DECIMALS)))
    return pd.concat(parts, ignore_index=True)


def members_by_kind(df: pd.DataFrame, book: Codebook, group: str = "") -> pd.DataFrame:
    """Party members by kind (retired, laid-off, employed, floating): totals and share of all members,
    over communities that filled in the total. The kinds need not add up to the total (a member can
    be floating and retired), so each share stands alone and they are not forced to 100."""
    table, title = "community_members", "党员构成"
    kinds = [k for k in MEMBER_KINDS if k in df]
    filled = df[pd.to_numeric(df["members_total"], errors="coerce").notna()]
    total = float(pd.to_numeric(filled["members_total"], errors="coerce").sum())
    sums = [float(pd.to_numeric(filled[k], errors="coerce").sum()) for k in kinds]
    exact = [s / total * 100 if total else np.nan for s in sums]
    return make_rows(table=table, table_title=title, group=group, variable=kinds,
                     variable_label=[book.label(k) for k in kinds], category="", category_label="党员人数",
                     order=np.arange(1, len(kinds) + 1), stat="member_share", n=[int(s) for s in sums],
                     base=int(total), base_label="党员总数", value=[round(e, SHARE_DECIMALS) for e in exact],
                     exact=exact)


def community_tables(df: pd.DataFrame, book: Codebook, group: str = "") -> pd.DataFrame:
    """Everything the report says about a district's community sheet."""
    return pd.concat([org_types(df, book, group), coverage(df, book, group),
                      members_by_kind(df, book, group),
                      composition(df, "org_type", book, group, "community_org_reported", "党组织类型（实际）")],
                     ignore_index=True)
