"""Census and sample: a questionnaire the codebook marks ``census: true`` asked every member of its
unit (all community workers, every community's sheet), so its figures are the whole, not estimates.
They carry no confidence interval and no test: the rows of tests (χ², U, p, odds ratios and the
warnings about them) leave the table, every interval is emptied. A question two questionnaires share
keeps its test when one of them is a sample. No I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.spec.codebook import Codebook

TEST_STATS = ("chi2", "df", "p", "p_adj", "u", "odds_ratio", "warning")


def census_tables(S: pd.DataFrame, books: dict[str, Codebook]) -> pd.Series:
    """True for the rows of a census questionnaire's tables (``<instrument>_…``)."""
    out = pd.Series(False, index=S.index)
    for book in books.values():
        if book.census:
            out |= S["table"].astype(str).str.startswith(book.instrument + "_")
    return out


def without_inference(S: pd.DataFrame, books: dict[str, Codebook]) -> pd.DataFrame:
    """``S`` with a census questionnaire's figures as counts of the whole: no intervals, no tests."""
    whole = census_tables(S, books)
    if not whole.any():
        return S
    S = S[~(whole & S["stat"].isin(TEST_STATS))].copy()
    whole = whole.loc[S.index]
    S.loc[whole, ["ci_low", "ci_high"]] = np.nan
    return S.reset_index(drop=True)


def is_census(S: pd.DataFrame, table: str, books: dict[str, Codebook]) -> bool:
    rows = S[S["table"] == table]
    return bool(len(rows)) and bool(census_tables(rows, books).all())
