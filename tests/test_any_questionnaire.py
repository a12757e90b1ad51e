"""Issue 14: a questionnaire none of the bundled code knows gets a full report from its codebook.

Four generated questionnaires (tests/questionnaires.py: shapes, sizes and files there), each with
known answers, checked at two levels:

- cleaning: the cleaner's output (``clean_table`` on the raw export, and the Parquet files
  ``survey prepare`` writes) holds, per option, exactly the true counts;
- the report: each project through ``survey build`` as a user runs it (a project folder with its
  own codebook, raw export and the district notebook, ``SURVEY_HOME`` pointing at it), with the
  figures of ``stats.json``, the Word report and the HTML report checked against pandas counts of
  the true answers, per the issue-14 contract (/work/spec14.md §2 table ids and stats).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import numpy as np
import pandas as pd
import pytest
import yaml

import questionnaires as QN
from analysis import cli, config

NAMES = ["gov", "school", "needs", "elderly"]
SURVEY = Path(sys.executable).parent / "survey"
SHARE_TOL = 0.1 + 1e-9          # a share rounded to 0.1 by largest remainder is within 0.1 of exact
MEAN_TOL = 0.051                # a mean rounded to 0.1 or 0.01
DASH = "—"
# column names and codes a reader must never see (\b would not do: Chinese characters are word characters)
ENGLISH = re.compile(r"(?<![A-Za-z_])(share|pct|rank|beta|case_share|response_share|top2|net|NaN|nan|None)"
                     r"(?![A-Za-z_])")
TYPED_OTHER = {"needs": "needs__6"}   # an option column holding the typed text, not 1: its own test


# -- the fixtures: generated once per session, each in its own project folder ------------------------

@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> dict[str, QN.Questionnaire]:
    out = {}
    for name in NAMES:
        project = tmp_path_factory.mktemp(f"q_{name}")
        shutil.copytree(config.NOTEBOOK_DIR, project / "notebooks")       # the project skeleton
        out[name] = QN.make(name, project)
    return out


@dataclasses.dataclass
class Built:
    q: QN.Questionnaire
    code: int
    stdout: str
    stderr: str

    @property
    def reports(self) -> Path:
        return self.q.project / "reports" / QN.WAVE

    def folder(self, unit: str) -> Path:
        return self.reports / unit


@pytest.fixture(scope="session")
def build(generated):
    """``survey build`` of one questionnaire's project, run once when a test first asks for it."""
    done: dict[str, Built] = {}

    def run(name: str) -> Built:
        if name not in done:
            q = generated[name]
            env = {**os.environ, "SURVEY_HOME": str(q.project)}
            p = subprocess.run([str(SURVEY), "build", "--wave", QN.WAVE, "--quiet"], cwd=q.project, env=env,
                               capture_output=True, text=True, timeout=600)
            done[name] = Built(q, p.returncode, p.stdout, p.stderr)
        return done[name]
    return run


@pytest.fixture(scope="session")
def prepared(generated, tmp_path_factory):
    """``survey prepare`` of one questionnaire (its own codebook folder, as written) → processed folder."""
    done: dict[str, tuple[int, Path]] = {}

    def run(name: str) -> tuple[int, Path]:
        if name not in done:
            q = generated[name]
            out = tmp_path_factory.mktemp(f"prepared_{name}")
            code = cli.main(["prepare", "--wave", QN.WAVE, "--raw-dir", str(q.project / "data" / "raw"),
                             "--processed-dir", str(out), "--codebooks", str(q.codebook.parent)])
            done[name] = (code, out / QN.WAVE)
        return done[name]
    return run


# -- expected figures from the true answers ----------------------------------------------------------

def half_up(x: float) -> float:
    """One decimal, half up, with decimal arithmetic (independent of analysis.stats.base)."""
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def counts(rows: pd.DataFrame, var: str, codes) -> list[int]:
    return [int((rows[var] == c).sum()) for c in codes]


def multi_columns(q: QN.Questionnaire, var: str) -> list[str]:
    return [f"{var}__{c}" for c in q.values(var)]


def kind(q: QN.Questionnaire, name: str) -> str:
    if any(d["name"] == name for d in q.book.get("derived", [])):
        return "derived"
    v = q.variable(name)
    return "rating" if "scale" in v else v["type"]


# -- reading a report ---------------------------------------------------------------------------------

def stats_rows(folder: Path) -> list[dict]:
    """The rows of a unit's stats.json (publish.report.write_stats_json: {"meta": …, "rows": [...]},
    each row a record of the tidy table's COLUMNS)."""
    return json.loads((folder / "stats.json").read_text(encoding="utf-8"))["rows"]


def cells(rows: list[dict], **kw) -> list[dict]:
    return [r for r in rows if all(r.get(k) == v for k, v in kw.items())]


def cell(rows: list[dict], **kw) -> dict:
    """The one row matching every ``column=value`` given (fails naming the query otherwise)."""
    hits = cells(rows, **kw)
    assert len(hits) == 1, (kw, len(hits), sorted({(r["table"], r["stat"]) for r in rows})[:40])
    return hits[0]


def docx_texts(path: Path) -> tuple[str, list[str]]:
    """All text of a Word report, and the texts of its table cells."""
    d = docx.Document(str(path))
    table_cells = [c.text.strip() for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + table_cells), table_cells


def html_text(path: Path) -> str:
    """What a reader of report.html sees: no <style>/<script>, no tags, entities unescaped."""
    import html

    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", raw)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", raw))


class Checked:
    """Counts of verified and of suppressed cells, so no test passes with everything hidden."""

    def __init__(self):
        self.verified = 0
        self.hidden = 0


def check_share(row: dict, n: int, base: int, got: Checked, exempt: bool = False) -> None:
    """A published share against the truth: n and base exact, the value within the rounding; a cell
    of fewer than MIN_CELL respondents (outside an exempt base) hidden with all its numbers."""
    if row["suppressed"]:
        assert row["value"] is None and row["n"] is None and row["ci_low"] is None, row
        got.hidden += 1
        return
    assert exempt or n >= config.MIN_CELL or base >= config.SUPPRESSION_EXEMPT_BASE, ("published small cell", row)
    assert row["n"] == n and row["base"] == base, (row, n, base)
    assert abs(row["value"] - 100 * n / base) <= SHARE_TOL, (row, 100 * n / base)
    got.verified += 1


# == cleaning level: passes today ====================================================================

def _cleaning_book(q: QN.Questionnaire, folder: Path):
    """The questionnaire's codebook without its ``report:`` section (not the cleaner's business); a
    questionnaire without a unit question loads as it is (one report for the whole sample)."""
    from analysis.spec import codebook

    book = copy.deepcopy(q.book)
    book.pop("report", None)
    path = folder / f"{q.name}.yaml"
    path.write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return codebook.load(path)


def _cleaned(q: QN.Questionnaire, folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    """``clean_table`` on the raw export (rows with a unit answer; those without are tested apart),
    with the true answers of the same rows."""
    from analysis.clean.table import clean_table
    from analysis.read import ingest

    book = _cleaning_book(q, folder)
    table = ingest.read(q.raw[0], book.header_map().keys())
    truth = q.truth
    if q.unit is not None:
        keep = truth["_unit"].notna().to_numpy()
        table = dataclasses.replace(table, frame=table.frame[keep].reset_index(drop=True), rows=table.rows[keep])
        truth = truth[keep].reset_index(drop=True)
    return clean_table(table, book), truth, book


def assert_true_counts(q: QN.Questionnaire, df: pd.DataFrame, truth: pd.DataFrame, skip=()) -> int:
    """Every option of every kept single, derived and multi variable counted as in the truth;
    numbers with the same count and sum; returns how many columns were compared."""
    compared = 0
    for v in q.book["variables"] + q.book.get("derived", []):
        name = v["name"]
        k = kind(q, name)
        if k == "text" or v.get("private") or v.get("pii"):
            continue
        columns = multi_columns(q, name) if k == "multi" else [name]
        for col in columns:
            if col in skip:
                continue
            assert col in df, f"{q.name}: no column {col} in the cleaned data"
            if v.get("role") == "district" and k == "single":   # the unit column holds its names
                got = df[col].astype("string").value_counts(dropna=False).sort_index()
                want = truth[col].map(q.values(name)).astype("string").value_counts(dropna=False).sort_index()
                assert got.to_dict() == want.to_dict(), (q.name, col)
            elif k in ("number", "age"):
                got = pd.to_numeric(df[col], errors="coerce")
                want = truth[col].astype("Float64")
                assert int(got.notna().sum()) == int(want.notna().sum()), col
                assert float(got.sum()) == pytest.approx(float(want.sum())), col
            else:
                got = df[col].astype("Float64").value_counts(dropna=False).sort_index()
                want = truth[col].astype("Float64").value_counts(dropna=False).sort_index()
                assert got.to_dict() == want.to_dict(), (q.name, col)
            compared += 1
    return compared


@pytest.mark.parametrize("name", NAMES)
def test_cleaning_counts_every_option(generated, tmp_path, name):
    q = generated[name]
    result, truth, book = _cleaned(q, tmp_path)
    assert len(result.valid) == len(truth) and len(result.exclusions) == 0
    assert result.numbering == ("position" if name == "needs" else "code")
    if name == "school":                                    # Excel on Chinese Windows: GBK, read as GB18030
        from analysis.read import ingest

        assert ingest.read(q.raw[0]).encoding == "gb18030"
    assert not result.ignored_columns, result.ignored_columns
    skip = {TYPED_OTHER[name]} if name in TYPED_OTHER else set()
    assert assert_true_counts(q, result.valid, truth, skip) >= 8
    um = result.unmapped
    assert um[~um["value"].astype(str).str.contains("其他")].empty, um   # nothing else is unrecognised


def test_typed_other_text_in_its_option_column_marks_the_option_chosen(generated, tmp_path):
    """问卷星 按序号: ``第4题(其他【请注明】)`` holds the typed text (or 0); a cell with text means
    the option was chosen. Fails today: the cleaner counts such a cell as unreadable (unmapped) and
    the option as not chosen (0 of 20)."""
    q = generated["needs"]
    result, truth, _ = _cleaned(q, tmp_path)
    assert int(result.valid["needs__6"].sum()) == int(truth["needs__6"].sum()) == 20
    assert result.unmapped.empty, result.unmapped


@pytest.mark.parametrize("name", ["gov", "needs"])
def test_cleaning_keeps_answered_and_other_flags_never_the_text(generated, tmp_path, name):
    """A private free-text question leaves ``<var>__answered`` (1 = answered) and a question with
    typed "other" text ``<var>__other`` (1 = typed), 0/1 columns the statistics count; the texts
    themselves are in no column and no log (the change log shows 〖…〗)."""
    from analysis.clean.table import ANSWERED_SUFFIX, OTHER_SUFFIX

    q = generated[name]
    result, truth, _ = _cleaned(q, tmp_path)
    df = result.valid
    for v in q.book["variables"]:
        if v["type"] == "text" and v.get("private"):
            col = f"{v['name']}{ANSWERED_SUFFIX}"
            assert set(df[col].dropna().astype(int)) <= {0, 1} and v["name"] not in df
            assert int(df[col].sum()) == int(truth[v["name"]].notna().sum()) > 0
        if v["type"] == "multi":
            col = f"{v['name']}{OTHER_SUFFIX}"
            assert set(df[col].dropna().astype(int)) <= {0, 1}
            assert int(df[col].sum()) == int(truth[col].notna().sum()) > 0, col
    secrets = _secrets(q)
    for frame in (df, result.changes, result.unmapped, result.exclusions):
        text = frame.astype(str).to_csv()
        assert not [s for s in secrets if s in text]
    typed = result.changes[result.changes["rule"] == "other_text"]
    assert name == "gov" or (len(typed) == 20 and set(typed["before"]) == {"〖…〗"})


def test_by_text_and_by_number_downloads_clean_to_the_same_data(generated, tmp_path):
    """The 按文本 and the 按序号 download of the same 200 answers give identical cleaned data (the
    typed-other column apart: its own test above)."""
    from analysis.clean.table import clean_table
    from analysis.read import ingest

    q = generated["needs"]
    book = _cleaning_book(q, tmp_path)
    twin = QN.write_needs_by_text(q, tmp_path / "raw" / "社区服务需求调查_按文本.xlsx")
    by_text = clean_table(ingest.read(twin, book.header_map().keys()), book)
    by_number = clean_table(ingest.read(q.raw[0], book.header_map().keys()), book)
    assert (by_text.numbering, by_number.numbering) == ("code", "position")
    assert assert_true_counts(q, by_text.valid, q.truth) >= 10          # 其他〖…〗 counted by text
    columns = [c for c in by_text.valid if not c.startswith("_") and c != TYPED_OTHER["needs"]]
    pd.testing.assert_frame_equal(by_text.valid[columns], by_number.valid[columns])


def test_by_number_download_is_recognised_at_the_default_share(generated, tmp_path):
    """The 按序号 file's matrix rows (``第7题(环境卫生)``) and option columns (``第4题(养老服务)``)
    count as found questions when telling which questionnaire a file is. Fails today: only headers
    equal to a question count, 6 of 11 = 55% < 60%, so with the default min_header_match the file
    is refused (the fixture's codebook says 0.5 so that the other tests can run)."""
    from analysis.clean import wave
    from analysis.read import ingest

    q = generated["needs"]
    book = dataclasses.replace(_cleaning_book(q, tmp_path), min_header_match=0.6)
    table = ingest.read(q.raw[0], book.header_map().keys())
    assert wave.identify(table, {"needs": book}) is book


@pytest.mark.parametrize("name", NAMES)
def test_prepare_writes_the_true_counts(generated, prepared, name):
    """`survey prepare` with the questionnaire's own codebook: Parquet counts equal the true counts of
    the valid rows, the flow accounts for every row, exclusions carry their reasons.
    gov and school fail today: the loader requires a unit question (gov); an empty single-choice
    unit answer crashes the cleaner (school, TypeError filling 未填区县 into an Int64 column)."""
    q = generated[name]
    code, folder = prepared(name)
    assert code == 0
    df = pd.read_parquet(folder / f"{q.name}.parquet")
    valid = q.valid.reset_index(drop=True)
    assert len(df) == len(valid)
    skip = {TYPED_OTHER[name]} if name in TYPED_OTHER else set()
    assert_true_counts(q, df, valid, skip)
    flow = pd.read_parquet(folder / "flow.parquet")
    assert int(flow["received"].sum()) == len(q.truth) and int(flow["valid"].sum()) == len(valid)
    exclusions = pd.read_parquet(folder / "exclusions.parquet")
    want = q.truth["_excluded"].dropna().value_counts().to_dict()
    assert exclusions["reason"].value_counts().to_dict() == want


@pytest.mark.parametrize("name", ["gov", "needs"])
def test_typed_and_private_text_reach_no_processed_file(generated, prepared, name):
    """Typed "other" texts and private free text are counted, never written. needs fails today: the
    按序号 other column's typed text, unreadable to the cleaner, is logged verbatim in changes.parquet
    (and would be in unmapped.parquet's value had it been counted per text); gov waits for the loader
    to take a questionnaire without a unit question."""
    q = generated[name]
    code, folder = prepared(name)
    assert code == 0
    secrets = _secrets(q)
    assert secrets
    for path in folder.glob("*.parquet"):
        text = pd.read_parquet(path).astype(str).to_csv()
        assert not [s for s in secrets if s in text], path.name


# == report level: the contract (/work/spec14.md); these wait for the issue-14 sessions' merge =========

@pytest.mark.parametrize("name", NAMES)
def test_build_makes_one_report_per_unit_named_by_its_label(build, name):
    b = build(name)
    assert b.code == 0, b.stderr[-3000:]
    assert "Traceback" not in b.stderr
    folders = sorted(p.name for p in b.reports.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    assert folders == b.q.units                   # 第一中学, not 1; 全部样本 without a unit question
    for unit in b.q.units:
        for f in ("report.docx", "report.html", "stats.json", "tables.xlsx"):
            assert (b.folder(unit) / f).stat().st_size > 0, (unit, f)


def _profile(q: QN.Questionnaire) -> list[str]:
    """The profile the report must show: the codebook's, or the recognised demographics by default."""
    declared = q.book.get("report", {}).get("profile")
    if declared is not None:
        return list(declared)
    return [v["name"] for v in q.book["variables"]
            if v["type"] == "single" and "scale" not in v and v.get("role") != "district"
            and re.search(r"性别|年龄|文化程度|学历|政治面貌|职务|岗位|民族|户籍|婚姻|收入|职业|居住年限", v["label"])]


def _battery(q: QN.Questionnaire) -> tuple[str, list[str]]:
    report = q.book.get("report", {})
    if report.get("batteries"):
        b = report["batteries"][0]
        return f"{q.name}_{b['name']}", list(b["items"])
    return f"{q.name}_rating1", [v["name"] for v in q.book["variables"] if "scale" in v]


def _stats_checks(q: QN.Questionnaire, unit: str, rows: list[dict]) -> Checked:
    """Every figure of the contract's tables for one unit against the true answers."""
    got = Checked()
    df = q.rows(unit)
    inst = q.name
    profile = _profile(q)
    # 样本基本情况
    for var in profile:
        codes = list(q.values(var))
        ns = counts(df, var, codes)
        for code, n in zip(codes, ns):
            r = cell(rows, table=f"{inst}_composition", group=unit, variable=var, category=str(code), stat="share")
            check_share(r, n, sum(ns), got)
    # one table per other single choice: share of valid answers, pct of all respondents
    for v in q.book["variables"]:
        name = v["name"]
        if v["type"] != "single" or "scale" in v or name in profile or v.get("role") == "district":
            continue
        codes = list(v["values"])
        ns = counts(df, name, codes)
        missing = int(df[name].isna().sum())
        for code, n in zip(codes, ns):
            table = dict(table=f"{inst}_q_{name}", group=unit, variable=name, category=str(code))
            check_share(cell(rows, stat="share", **table), n, sum(ns), got)
            if not v.get("asked_if"):
                check_share(cell(rows, stat="pct", **table), n, len(df), got)
        if missing and not v.get("asked_if"):
            r = cell(rows, table=f"{inst}_q_{name}", group=unit, variable=name, category="missing", stat="pct")
            check_share(r, missing, len(df), got)
    # multi-selects: response share (of mentions) and case share (of respondents who answered)
    for v in q.book["variables"]:
        if v["type"] != "multi":
            continue
        cols = multi_columns(q, v["name"])
        answered = df[cols[0]].notna()
        mentions = [int(df[c].fillna(0).sum()) for c in cols]
        table = dict(table=f"{inst}_q_{v['name']}", group=unit, variable=v["name"])
        for code, m in zip(v["values"], mentions):
            check_share(cell(rows, category=str(code), stat="response_share", **table), m, sum(mentions), got)
            check_share(cell(rows, category=str(code), stat="case_share", **table), m, int(answered.sum()), got)
        typed = int(df[f"{v['name']}__other"].notna().sum())
        other = cell(rows, category="other", stat="count", **table)
        # the typed-其他 count is decided with the wave's other cells (stats.coordinated): hidden, it
        # carries no number; shown, it is the true count
        if other["suppressed"]:
            assert other["n"] is None and other["value"] is None, other
            got.hidden += 1
        else:
            assert other["n"] == typed, (other, typed)
            got.verified += 1
    # the rating battery: top box and mean of every item
    table, items = _battery(q)
    for item in items:
        v = q.variable(item)
        top = q.book["scales"][v["scale"]]["top_box"]
        answers = df[item].dropna().astype(int)
        r = cell(rows, table=table, group=unit, variable=item, stat="top2")
        check_share(r, int(answers.isin(top).sum()), len(answers), got)
        r = cell(rows, table=table, group=unit, variable=item, stat="mean")
        if not r["suppressed"]:
            assert abs(r["value"] - answers.mean()) <= MEAN_TOL and r["n"] == len(answers), (r, answers.mean())
    # numbers and ages
    for v in q.book["variables"]:
        if v["type"] not in ("number", "age"):
            continue
        x = df[v["name"]].dropna().astype(float)
        r = cell(rows, table=f"{inst}_numbers", group=unit, variable=v["name"], stat="mean")
        assert r["n"] == len(x) and abs(r["value"] - x.mean()) <= MEAN_TOL, (r, x.mean())
        r = cell(rows, table=f"{inst}_numbers", group=unit, variable=v["name"], stat="sd")
        assert abs(r["value"] - x.std()) <= MEAN_TOL, (r, x.std())
        assert cell(rows, table=f"{inst}_numbers", group=unit, variable=v["name"], stat="max")["value"] == x.max()
    # free text: the number of non-empty answers, never the text
    for v in q.book["variables"]:
        if v["type"] == "text" and v.get("role") != "district" and not v.get("pii"):
            r = cell(rows, table=f"{inst}_text", group=unit, variable=v["name"], stat="count")
            assert r["n"] == int(df[v["name"]].notna().sum()), r
            texts = set(df[v["name"]].dropna())
            assert not [t for t in texts if t in json.dumps(rows, ensure_ascii=False)]
    # the sample flow of the unit
    received = len(q.truth) if q.unit is None else int((q.truth["_unit"] == unit).sum())
    assert cell(rows, table="flow", group=unit, variable=inst, stat="received")["n"] == received
    assert cell(rows, table="flow", group=unit, variable=inst, stat="valid")["n"] == len(df)
    return got


@pytest.mark.parametrize("name", NAMES)
def test_stats_json_holds_the_true_figures(build, name):
    b = build(name)
    assert b.code == 0, b.stderr[-3000:]
    verified = hidden = 0
    for unit in b.q.units:
        got = _stats_checks(b.q, unit, stats_rows(b.folder(unit)))
        verified, hidden = verified + got.verified, hidden + got.hidden
    # the wave's units are decided together (stats.coordinated): a small unit's lone hidden cell in a
    # category hides another unit's too, so fewer cells are published than under per-unit rules
    assert verified >= 15 and verified + hidden >= 20, (verified, hidden)
    if name == "school":
        assert hidden >= 2            # 实验中学's 3 fathers and, complementary, its 11 mothers


def _secrets(q: QN.Questionnaire) -> set[str]:
    """Typed "other" texts and private free-text answers: counted, never shown."""
    out = {t for col in q.truth if col.endswith("__other") for t in q.truth[col].dropna()}
    return out | {t for v in q.book["variables"] if v.get("private") for t in q.truth[v["name"]].dropna()}


def _pinned(q: QN.Questionnaire, rows: list[dict] | None = None) -> list[tuple[str, str, str]]:
    """(unit, percentage text, what it is) the report must print in the largest unit (e.g. "45.8"):
    the share of the commonest answer of the first profile question (rounded half up), and the
    top-box share of a battery item (rounded as stats.likert rounds it)."""
    unit = max(q.units, key=lambda u: len(q.rows(u)))
    df = q.rows(unit)
    var = _profile(q)[0]
    codes = list(q.values(var))
    ns = counts(df, var, codes)
    i = int(np.argmax(ns))
    out = [(unit, f"{half_up(ns[i] / sum(ns) * 100):.1f}", f"{q.label(var)}={q.values(var)[codes[i]]} in {unit}")]
    table = _battery(q)[0]
    for item in _battery(q)[1]:                    # the first item whose figure differs from the above
        top_row = [r for r in rows or [] if r["table"] == table and r["group"] == unit and r["variable"] == item
                   and r["stat"] == "top2"]
        if top_row and top_row[0]["suppressed"]:    # hidden by the wave's one decision: not printed
            continue
        answers = df[item].dropna().astype(int)
        top = q.book["scales"][q.variable(item)["scale"]]["top_box"]
        pct = f"{half_up(int(answers.isin(top).sum()) / len(answers) * 100):.1f}"
        if pct != out[0][1]:
            return out + [(unit, pct, f"top box of {q.label(item)} in {unit}")]
    return out


@pytest.mark.parametrize("name", NAMES)
def test_word_report_shows_every_question_and_the_true_percentage(build, name):
    b = build(name)
    assert b.code == 0, b.stderr[-3000:]
    for unit in b.q.units:
        text, _ = docx_texts(b.folder(unit) / "report.docx")
        missing = [label for label in b.q.labels() if label not in text]
        assert not missing, (unit, missing)
        assert not ENGLISH.search(text), (unit, ENGLISH.search(text))
        assert not [s for s in _secrets(b.q) if s in text], unit
        assert b.q.title in text and unit in text                   # the title is the codebook's, not a template's
        assert "社区调研" not in text and f"{QN.WAVE}年{QN.WAVE}" not in text
    largest = max(b.q.units, key=lambda u: len(b.q.rows(u)))
    for unit, pct, what in _pinned(b.q, stats_rows(b.folder(largest))):
        _, table_cells = docx_texts(b.folder(unit) / "report.docx")
        assert any(re.search(rf"(?<![\d.]){re.escape(pct)}(?![\d])", c) for c in table_cells), (pct, what)


@pytest.mark.parametrize("name", NAMES)
def test_html_report_is_for_readers(build, name):
    b = build(name)
    assert b.code == 0, b.stderr[-3000:]
    for unit in b.q.units:
        text = html_text(b.folder(unit) / "report.html")
        missing = [label for label in b.q.labels() if label not in text]
        assert not missing, (unit, missing)
        assert not ENGLISH.search(text), (unit, ENGLISH.search(text))
        for absent in ("findfont", "Traceback", "Error", "papermill"):
            assert absent not in text, (unit, absent)
        assert not [s for s in _secrets(b.q) if s in text], unit
    largest = max(b.q.units, key=lambda u: len(b.q.rows(u)))
    for unit, pct, what in _pinned(b.q, stats_rows(b.folder(largest))):
        assert pct in html_text(b.folder(unit) / "report.html"), (pct, what)


def test_small_school_cells_are_dashes_without_their_numbers(build):
    """实验中学 (14 answers: 3 fathers, 11 mothers): both gender cells hidden (the second because
    14 − 11 would reveal the first), printed as "—", and nothing in stats.json gives the 3 away."""
    b = build("school")
    assert b.code == 0, b.stderr[-3000:]
    q, unit = b.q, QN.SCHOOLS[3]
    assert len(q.rows(unit)) == 14
    rows = stats_rows(b.folder(unit))
    for code in (1, 2):
        r = cell(rows, table="school_composition", group=unit, variable="gender", category=str(code), stat="share")
        assert r["suppressed"] and r["value"] is None and r["n"] is None, r
    mine = [r for r in rows if r["group"].startswith(unit) and r["variable"] == "gender"]
    assert not [r for r in mine if r["n"] == 3 or r["value"] == round(3 / 14 * 100, 1)], mine
    fathers = [r for r in rows if r["group"] == f"{unit}·男"]
    assert all(r["value"] is None and r["n"] is None for r in fathers if r["stat"] != "chi2"), \
        [r for r in fathers if r["n"] is not None][:3]
    _, table_cells = docx_texts(b.folder(unit) / "report.docx")
    assert DASH in table_cells
    assert DASH in html_text(b.folder(unit) / "report.html")


def test_school_breakdown_by_gender_has_column_percents(build):
    """The declared breakdown by gender: each profile (≠ gender) and rating item by gender, column
    percents of each gender's valid answers, in 第一中学 (110 answers)."""
    b = build("school")
    assert b.code == 0, b.stderr[-3000:]
    q, unit = b.q, QN.SCHOOLS[1]
    rows, df, got = stats_rows(b.folder(unit)), q.rows(unit), Checked()
    for g, g_label in ((1, "男"), (2, "女")):
        sub = df[df["gender"] == g]
        for var in ["grade", *[i[0] for i in QN.SCHOOL_ITEMS]]:
            codes = list(q.values(var))
            ns = counts(sub, var, codes)
            for code, n in zip(codes, ns):
                r = cell(rows, table="school_by_gender", group=f"{unit}·{g_label}", variable=var,
                         category=str(code), stat="share")
                check_share(r, n, sum(ns), got)
    # the wave's one decision hides some breakdown cells a unit's own rule would print (another
    # unit's lone hidden cell is covered here); the published ones are checked
    assert got.verified >= 15, (got.verified, got.hidden)
    assert cells(rows, table="school_by_gender", group=unit, stat="p")


def test_rows_without_a_school_are_excluded_and_counted(build, prepared):
    """Six rows with no school ("(空)" or a blank cell): excluded with the reason 未填写学校, counted
    in the flow, shown on the overview; never a crash, never a report folder of their own."""
    q = build("school").q
    code, folder = prepared("school")
    assert code == 0
    exclusions = pd.read_parquet(folder / "exclusions.parquet")
    assert (exclusions["reason"] == "未填写学校").sum() == QN.NO_SCHOOL_ROWS
    b = build("school")
    assert b.code == 0, b.stderr[-3000:]
    flow = [r for unit in q.units for r in stats_rows(b.folder(unit)) if r["table"] == "flow"]
    reason = [r for r in flow if "未填写学校" in r["category_label"]]           # 剔除：未填写学校 in a flow
    own = [r for r in flow if "未填写学校" in r["group"] and r["stat"] == "received"]   # or a group of its own
    assert reason or own, sorted({(r["group"], r["category_label"]) for r in flow})
    assert all(r["n"] == QN.NO_SCHOOL_ROWS for r in reason + own), reason + own
    assert all(r["n"] == (q.truth["_unit"] == r["group"]).sum() for r in flow
               if r["group"] in q.units and r["stat"] == "received")
    overview = html_text(b.reports / "index.html")
    assert "未填写学校" in overview and str(QN.NO_SCHOOL_ROWS) in overview


def test_gov_battery_index_leaves_the_overall_item_out(build):
    """gov declares ``overall: s_overall``: the index averages the five other items (0–100 over the
    7-point scale) and the key drivers have s_overall as their outcome."""
    b = build("gov")
    assert b.code == 0, b.stderr[-3000:]
    q, unit = b.q, "全部样本"
    rows, df = stats_rows(b.folder(unit)), q.rows(unit)
    items = [i[0] for i in QN.GOV_ITEMS if i[0] != "s_overall"]
    assert not [r for r in cells(rows, table="gov_service_index") if r["variable"] == "s_overall"]
    complete = df[items].dropna().astype(float)                  # respondents who rated all five
    person = (complete.mean(axis=1) - 1) / (7 - 1) * 100
    whole = cell(rows, table="gov_service_index", group=unit, variable="index", stat="mean")
    assert whole["n"] == len(complete) and abs(whole["value"] - person.mean()) <= MEAN_TOL, (whole, person.mean())
    k = len(items)
    alpha = k / (k - 1) * (1 - complete.var(ddof=1).sum() / complete.sum(axis=1).var(ddof=1))
    r = cell(rows, table="gov_service_index", group=unit, variable="index", stat="alpha")
    assert abs(r["value"] - alpha) <= 0.0011, (r, alpha)
    drivers = {r["variable"] for r in cells(rows, table="gov_service_drivers", group=unit)}
    assert set(items) <= drivers, drivers                        # the five items explain s_overall


def test_spss_user_missing_is_missing_not_a_category(build):
    """9 = 不回答 (and 8–9 for 居住方式, 999 for 年龄) declared user-missing: no 不回答 category, the
    bases are the valid answers only."""
    b = build("elderly")
    assert b.code == 0, b.stderr[-3000:]
    for unit in b.q.units:
        rows = stats_rows(b.folder(unit))
        assert not [r for r in rows if r["category_label"] in ("不回答", "不知道")], unit
        for r in cells(rows, table="elderly_composition", group=unit, variable="living", stat="share"):
            assert r["base"] == int(b.q.rows(unit)["living"].notna().sum())
        text, _ = docx_texts(b.folder(unit) / "report.docx")
        assert "不回答" not in text
