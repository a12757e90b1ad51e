"""Property-based tests: whatever text sits in the cells, cleaning never loses, duplicates or
reorders a respondent (received = valid + excluded, each row exactly once, in file order), and the
readers give back every row they were given."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import config
from analysis.clean import clean_table
from analysis.read import ingest
from analysis.spec import codebook

BOOK = codebook.load(Path(config.CODEBOOK_DIR) / "worker.yaml")
HEADERS = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"] + [
    f"{k}、{v.question}" for k, v in enumerate(BOOK.variables.values(), 1)]

# answers people type, plus anything at all: labels, variants, markers, numbers, junk, emoji, controls
_LIKELY = ["男", "女", "桥东区", "橋東區", "(跳过)", "(空)", "-3", "-2", "35岁", "３５", "1978年", "非常满意",
           "較滿意", "1", "2", "5", "0", "线上学习┋未参加培训", "其他〖写的┋字〗", "=HYPERLINK(\"x\")",
           "<script>alert(1)</script>", "  ", "", "125秒", "3秒"]
cell = st.one_of(st.none(), st.sampled_from(_LIKELY),
                 st.text(st.characters(blacklist_categories=("Cs",)), max_size=12))


# a CSV file holds no NUL characters (many of them mean a binary file: tested in test_ingest)
csv_cell = st.one_of(st.none(), st.sampled_from(_LIKELY),
                     st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                             max_size=12))


@st.composite
def tables(draw, cells=cell):
    n = draw(st.integers(min_value=0, max_value=25))
    rows = [[draw(cells) for _ in HEADERS] for _ in range(n)]
    if n and draw(st.booleans()):                 # exact duplicates are the interesting case
        rows.append(list(rows[draw(st.integers(0, n - 1))]))
    return rows


def _check(result, lines: np.ndarray) -> None:
    seen = np.concatenate([result.valid["_row"].to_numpy(dtype="int64"),
                           result.exclusions["row"].to_numpy(dtype="int64")])
    assert sorted(seen.tolist()) == sorted(lines.tolist())            # nothing lost, nothing twice
    assert result.valid["_row"].is_monotonic_increasing                # file order kept
    assert int(result.received.sum()) == len(lines)
    assert set(result.changes["row"]) <= set(lines.tolist())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_cleaning_accounts_for_every_row(rows):
    frame = pd.DataFrame(rows, columns=HEADERS, dtype=object)
    frame = frame.where(frame.map(lambda v: isinstance(v, str) and v.strip() != ""), None)
    lines = np.arange(2, 2 + len(frame))
    table = ingest.RawTable(path=Path("属性测试.xlsx"), frame=frame, rows=lines, header_row=1, kind="wjx")
    _check(clean_table(table, BOOK), lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(tables(csv_cell), st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]))
def test_csv_round_trip_keeps_every_row(tmp_path, rows, encoding):
    # a row whose cells are all empty is a blank line, not a respondent: give each row a 序号
    rows = [[str(i + 1), *r[1:]] for i, r in enumerate(rows)]
    frame = pd.DataFrame(rows, columns=HEADERS, dtype=object)
    path = tmp_path / "export.csv"
    try:
        frame.to_csv(path, index=False, encoding=encoding, lineterminator="\r\n")  # as Excel writes
    except UnicodeEncodeError:
        return  # text GB18030 cannot hold never came from a GB18030 file
    table = ingest.read(path, set(BOOK.header_map()))
    assert len(table.frame) == len(rows)
    assert table.frame["序号"].tolist() == [r[0] for r in rows]
    _check(clean_table(table, BOOK), table.rows)
