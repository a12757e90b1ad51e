"""The sample flow as tidy rows: received, excluded by rule and valid questionnaires, for one
district and for the whole wave.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import config
from analysis.clean.table import rule_label, unit_label
from analysis.clean.wave import Wave
from analysis.spec.codebook import Codebook
from analysis.stats.base import make_rows


def flow_table(flow: pd.DataFrame, books: dict[str, Codebook], district: str) -> pd.DataFrame:
    """The sample flow of one district: received, excluded by rule, valid, per questionnaire."""
    parts = []
    for _, r in flow[flow["district"] == district].iterrows():
        book = books[r["instrument"]]
        rules = [c.removeprefix("excluded_") for c in flow.columns
                 if c.startswith("excluded_") and r[c] > 0]
        cats = ["received", *[f"excluded:{x}" for x in rules], "valid"]
        labels = ["收到答卷", *[f"剔除：{rule_label(x, unit_label(book))}" for x in rules], "有效答卷"]
        values = [r["received"], *[r[f"excluded_{x}"] for x in rules], r["valid"]]
        parts.append(make_rows(table="flow", table_title="样本流向", group=district,
                               variable=r["instrument"], variable_label=book.title, category=cats,
                               category_label=labels, order=np.arange(1, len(cats) + 1),
                               stat=[c.split(":")[0] for c in cats], n=values, base=int(r["received"]),
                               base_label="收到答卷", value=values, exact=values))
    return pd.concat(parts, ignore_index=True) if parts else make_rows(table=[])


def wave_flow(data: Wave) -> pd.DataFrame:
    """Sample-flow rows of the whole wave for the overview page: ``POOLED_GROUP`` (every district's
    flow added up, questionnaires without a district included) and, when there are any, the
    questionnaires without a district on their own (group ``（未填区县）``)."""
    flow = data.flow
    counts = [c for c in flow.columns if c == "received" or c == "valid" or c.startswith("excluded_")]
    pooled = flow.groupby("instrument", sort=True)[counts].sum().reset_index()
    pooled["district"] = config.POOLED_GROUP
    parts = [flow_table(pooled, data.codebooks, config.POOLED_GROUP)]
    if (flow["district"] == config.NO_DISTRICT).any():
        parts.append(flow_table(flow, data.codebooks, config.NO_DISTRICT))
    return pd.concat([p for p in parts if len(p)], ignore_index=True)
