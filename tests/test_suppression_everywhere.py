"""A cell the stats table suppresses is suppressed in every form a report takes: the Word report,
the HTML report, the executed notebook, tables.xlsx, the charts' SVG text and the published
stats.json, for every district of the bundled sample (built once, see conftest.built).

The internal stats table (``stats.district_stats``) keeps every number with its ``suppressed`` flag.
For each suppressed cell, the numbers that would give it away (its share, interval and, for an item
whose mean is hidden, the mean) are looked for as whole numbers in each output, the way the outputs
print them (one decimal for shares, two for means). A number that some published cell of the same
report also has is skipped, since finding it would prove nothing; what remains must be found nowhere.
A negative control shows the search finds such a number once it is written into an output.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import docx
import pandas as pd
import pytest

from analysis import clean, config, stats

DISTRICTS = ["桥东区", "桥西区", "新华区", "裕华区", "长安区"]
FORMS = ["report.docx", "report.html", "report.ipynb", "tables.xlsx", "figures/*.svg", "stats.json"]


def _number_forms(value: float, decimals: int) -> set[str]:
    return {f"{value:.{decimals}f}"}


def _token(text: str) -> re.Pattern:
    """The number as a whole number: not inside a longer one, nor the start of a version (3.11.2)."""
    return re.compile(r"(?<![\d.])" + re.escape(text) + r"(?!\d|\.\d)")


def _form_text(folder: Path, form: str) -> str:
    paths = sorted(folder.glob(form))
    assert paths, form
    parts = []
    for path in paths:
        if path.suffix == ".docx":
            d = docx.Document(path)
            parts += [p.text for p in d.paragraphs]
            parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
            with zipfile.ZipFile(path) as z:                    # and every XML part, charts included
                parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")]
        elif path.suffix == ".xlsx":
            import openpyxl

            wb = openpyxl.load_workbook(path)
            parts += [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                      if c.value is not None]
        elif path.suffix == ".ipynb":
            nb = json.loads(path.read_text(encoding="utf-8"))
            for cell in nb["cells"]:
                for out in cell.get("outputs", []):
                    data = out.get("data", {})
                    for kind in ("text/plain", "text/html", "text/markdown"):
                        parts.append("".join(data.get(kind, [])))
                    parts.append("".join(out.get("text", [])))
        elif path.suffix == ".json":                            # the published rows, not the versions
            parts.append(json.dumps(json.loads(path.read_text(encoding="utf-8"))["rows"], ensure_ascii=False))
        else:
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)   # SVG: matplotlib's version
            parts.append(re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", text))
    return "\n".join(parts)


def _published_numbers(rows: list[dict]) -> set[str]:
    out = set()
    for r in rows:
        for k in ("value", "ci_low", "ci_high", "n", "base"):
            v = r.get(k)
            if isinstance(v, (int, float)):      # a published −4.8 prints the digits of a hidden 4.8
                out |= {f"{x:.1f}" for x in (v, abs(v))} | {f"{x:.2f}" for x in (v, abs(v))} | {f"{v:g}"}
    return out


@pytest.fixture(scope="module")
def secrets(built):
    """district → the numbers of its suppressed cells that no published cell shares."""
    w = clean.load_wave(config.DEFAULT_WAVE, built["processed"])
    out = {}
    for district in DISTRICTS:
        S = stats.district_stats(w, district)
        rows = json.loads((built["reports"] / district / "stats.json").read_text(encoding="utf-8"))["rows"]
        published = _published_numbers(rows)
        hidden = S[S["suppressed"].astype(bool) & S["group"].isin([district])]
        tokens = set()
        for _, r in hidden.iterrows():
            decimals = 2 if r["stat"] == "mean" else 1
            for k in ("value", "ci_low", "ci_high"):
                v = r[k]
                if pd.notna(v) and float(v) not in (0.0, 100.0):
                    tokens |= _number_forms(float(v), decimals)
        out[district] = {"tokens": sorted(tokens - published), "hidden": hidden, "rows": rows}
    return out


def test_the_sample_has_suppressed_cells_to_check(secrets):
    assert sum(len(s["hidden"]) for s in secrets.values()) >= 10
    assert sum(len(s["tokens"]) for s in secrets.values()) >= 10


@pytest.mark.parametrize("district", DISTRICTS)
def test_stats_json_publishes_suppressed_cells_without_numbers(secrets, district):
    """Each suppressed cell reaches stats.json flagged, with no n, value or interval."""
    s = secrets[district]
    key = ["table", "group", "variable", "category", "stat"]
    published = {tuple(str(r[k]) for k in key): r for r in s["rows"]}
    if not len(s["hidden"]):                  # 桥东区: 494 workers, its census facts public — nothing hidden
        pytest.skip(f"{district} has no suppressed cell")
    for _, cell in s["hidden"].iterrows():
        r = published[tuple(str(cell[k]) for k in key)]
        assert r["suppressed"] is True
        assert r["value"] is None and r["n"] is None and r["ci_low"] is None and r["ci_high"] is None, r


def _cases():
    for district in DISTRICTS:
        for form in FORMS:
            yield pytest.param(district, form, id=f"{district}-{form}")


@pytest.mark.parametrize("district,form", list(_cases()))
def test_no_suppressed_number_in_any_output(built, secrets, district, form):
    text = _form_text(built["reports"] / district, form)
    leaked = [t for t in secrets[district]["tokens"] if _token(t).search(text)]
    assert not leaked, leaked


def test_the_search_finds_a_suppressed_number_written_into_an_output(built, secrets, tmp_path):
    """Negative control: one hidden share written into a copy of the HTML report and the xlsx is found."""
    import openpyxl

    district = next(d for d in DISTRICTS if secrets[d]["tokens"])
    token = secrets[district]["tokens"][0]
    folder = tmp_path / district
    (folder / "figures").mkdir(parents=True)
    html = (built["reports"] / district / "report.html").read_text(encoding="utf-8")
    (folder / "report.html").write_text(html.replace("</td>", f" {token}</td>", 1), encoding="utf-8")
    wb = openpyxl.load_workbook(built["reports"] / district / "tables.xlsx")
    wb.worksheets[0].cell(row=wb.worksheets[0].max_row + 1, column=1, value=float(token))
    wb.save(folder / "tables.xlsx")
    for form in ("report.html", "tables.xlsx"):
        assert _token(token).search(_form_text(folder, form)), form


COMPARISONS = ("residents_vs_workers", "district_vs_rest")


@pytest.mark.parametrize("district", DISTRICTS)
def test_no_published_comparison_recovers_a_suppressed_cell(secrets, district):
    """A difference (residents − workers, district − rest) over a category whose share is suppressed
    gives the hidden share back (the other side is published): it must be suppressed as well."""
    rows = secrets[district]["rows"]
    hidden = {(r["variable"], r["category"]) for r in rows
              if r["suppressed"] and r["group"] == district and r["stat"] == "share"}
    leaks = [(r["table"], r["variable"], r["category_label"], r["value"], r["n"]) for r in rows
             if r["table"] in COMPARISONS and r["group"] == district and not r["suppressed"]
             and (r["variable"], r["category"]) in hidden]
    assert not leaks, leaks
