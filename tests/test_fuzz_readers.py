"""Fuzzing the readers and the cleaner with hypothesis: whatever bytes a file holds, ``ingest.read``
gives a table or raises SurveyError, never another exception; whatever a table holds, cleaning
accounts for every row (received = valid + excluded, each row once).

Generated inputs: CSV text in UTF-8, UTF-8 with BOM, GB18030, UTF-16 (with its BOM) and mixtures,
with quotes, separators, line breaks, NULs and any Unicode in the cells; .xlsx workbooks written by
openpyxl with random cells (strings, numbers, dates, booleans, merged ranges, a title row); random
bytes under every supported suffix, and real files with bytes flipped or cut.

CI runs a modest number of examples (a profile, well under a minute in all); set
``SURVEY_FUZZ_EXAMPLES=5000`` (say) to run that many of each test locally. Complements
tests/test_clean_properties.py (clean_table on random cells, CSV round trip of valid tables).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import config
from analysis.clean import clean_table
from analysis.clean.wave import identify
from analysis.errors import SurveyError
from analysis.read import ingest
from analysis.spec import codebook

BOOKS = codebook.load_all(config.CODEBOOK_DIR)
WORKER = BOOKS["worker"]
KNOWN = {k for b in BOOKS.values() for k in b.header_map()}
HEADERS = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"] + [
    f"{k}、{v.question}" for k, v in enumerate(WORKER.variables.values(), 1)]

EXAMPLES = int(os.environ.get("SURVEY_FUZZ_EXAMPLES", 0))
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=False,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("local", max_examples=max(EXAMPLES, 1), deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ = settings.get_profile("local" if EXAMPLES else "ci")

LIKELY = ["男", "女", "桥东区", "橋東區", "(跳过)", "(空)", "-3", "35岁", "３５", "非常满意", "1", "5",
          "线上学习┋未参加培训", "其他〖写的┋字〗", '=HYPERLINK("x")', "<script>", "125秒", "注：说明",
          '"', ",", "\n", "\r\n", "\t", "\x00", "😀", "\u202e", "\ufeff"]
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
cell_text = st.one_of(st.none(), st.sampled_from(LIKELY), any_text)
header_rows = st.one_of(st.just(HEADERS), st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8, unique=True))


def _tried(name: str) -> None:
    """Count what each fuzz test ran (printed with -s; the big local run reads it)."""
    counts = _tried.counts  # type: ignore[attr-defined]
    counts[name] = counts.get(name, 0) + 1


_tried.counts = {}  # type: ignore[attr-defined]


def _read(data: bytes, suffix: str) -> ingest.RawTable | None:
    """``ingest.read`` on a file holding ``data``: a table, or None after a SurveyError naming the file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            table = ingest.read(path, KNOWN)
        except SurveyError as e:
            assert "fuzz" in str(e) and e.fix, str(e)       # names the file, says the fix
            return None
    assert len(table.frame) == len(table.rows)
    assert all(isinstance(v, str) or v is None for v in table.frame.to_numpy().ravel())
    return table


def _read_and_clean(data: bytes, suffix: str, name: str) -> None:
    _tried(name)
    table = _read(data, suffix)
    if table is not None:
        _clean_accounts(table)


def _clean_accounts(table: ingest.RawTable) -> None:
    """Cleaning the table (with the codebook its headers match, if any) loses no row."""
    try:
        book = identify(table, BOOKS)
        result = clean_table(table, book)
    except SurveyError as e:
        assert e.fix or e.file or e.variable, str(e)
        return
    lines = np.asarray(table.rows, dtype="int64")
    seen = np.concatenate([result.valid["_row"].to_numpy(dtype="int64"),
                           result.exclusions["row"].to_numpy(dtype="int64")])
    assert sorted(seen.tolist()) == sorted(lines.tolist())
    assert int(result.received.sum()) == len(lines) == len(result.valid) + len(result.exclusions)


@st.composite
def csv_bytes(draw):
    n = draw(st.integers(0, 12))
    headers = draw(header_rows)
    rows = [[draw(cell_text) for _ in headers] for _ in range(n)]
    frame = pd.DataFrame(rows, columns=headers, dtype=object)
    sep = draw(st.sampled_from([",", ",", "\t", ";"]))
    text = frame.to_csv(index=False, sep=sep, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    if draw(st.booleans()):
        text = draw(st.sampled_from(["调查表\n", "", "\n\n"])) + text + draw(st.sampled_from(["", "注：填表说明\n", "\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "mixed"]))
    if encoding == "mixed":
        lines = text.splitlines(keepends=True)
        return b"".join(line.encode("gb18030" if i % 3 == 2 else "utf-8", "replace") for i, line in enumerate(lines))
    return text.encode(encoding, "replace")


@FUZZ
@given(csv_bytes())
def test_csv_bytes_give_a_table_or_a_survey_error(data):
    _read_and_clean(data, ".csv", "csv")


xlsx_cell = st.one_of(
    st.none(), st.sampled_from([c for c in LIKELY if c.isprintable() and "\x00" not in c]),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 1, 1)))


@st.composite
def xlsx_bytes(draw):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    headers = draw(header_rows)
    top = 1
    if draw(st.booleans()):
        ws.cell(row=1, column=1, value="社区调查问卷")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(2, len(headers)))
        top = 2
    for j, h in enumerate(headers, 1):
        ws.cell(row=top, column=j, value=h)
    n = draw(st.integers(0, 10))
    for i in range(n):
        for j in range(1, len(headers) + 1):
            ws.cell(row=top + 1 + i, column=j, value=draw(xlsx_cell))
    if n >= 2 and draw(st.booleans()):
        col = draw(st.integers(1, len(headers)))
        ws.merge_cells(start_row=top + 1, start_column=col, end_row=top + n, end_column=col)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@FUZZ
@given(xlsx_bytes())
def test_xlsx_workbooks_give_a_table_or_a_survey_error(data):
    _read_and_clean(data, ".xlsx", "xlsx")


@FUZZ
@given(xlsx_bytes(), st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), min_size=1, max_size=8),
       st.one_of(st.none(), st.floats(0.05, 0.999)))
def test_damaged_workbooks_give_a_table_or_a_survey_error(data, flips, cut):
    buf = bytearray(data)
    for where, xor in flips:
        buf[min(int(where * len(buf)), len(buf) - 1)] ^= xor
    if cut is not None:
        buf = buf[:max(1, int(len(buf) * cut))]
    _read_and_clean(bytes(buf), ".xlsx", "xlsx_damaged")


@FUZZ
@given(st.binary(max_size=4000), st.sampled_from(ingest.SUPPORTED))
def test_random_bytes_give_a_table_or_a_survey_error(data, suffix):
    _read_and_clean(data, suffix, "bytes")


@FUZZ
@given(st.lists(st.lists(cell_text, min_size=len(HEADERS), max_size=len(HEADERS)), max_size=20),
       st.lists(st.integers(2, 10_000), unique=True, min_size=20, max_size=20))
def test_cleaning_accounts_for_rows_with_gaps_in_their_line_numbers(rows, lines):
    """Rows keep the file's line numbers (title rows, blank rows and notes make gaps): every line
    comes back once, as valid or excluded; clean_table never raises anything but SurveyError."""
    _tried("clean")
    frame = pd.DataFrame(rows, columns=HEADERS, dtype=object)
    frame = frame.where(frame.map(lambda v: isinstance(v, str) and v.strip() != ""), None)
    lines_arr = np.array(sorted(lines)[:len(frame)], dtype="int64")
    table = ingest.RawTable(path=Path("fuzz.xlsx"), frame=frame, rows=lines_arr, header_row=1, kind="wjx")
    _clean_accounts(table)


def test_zz_report_how_many_were_tried(capsys):
    """Prints the number of examples each fuzz test ran in this session (pytest -s shows it)."""
    with capsys.disabled():
        print(f"\nfuzz examples tried: {dict(sorted(_tried.counts.items()))}")
    assert sum(_tried.counts.values()) > 0 or not _tried.counts
