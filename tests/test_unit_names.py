"""Issue 18 D9: unit names that papermill, matplotlib or Word would parse, through the real `survey build`.

Eleven names typed into the unit question of a 问卷星 export. Each is either a report like any other
(papermill formats its paths with ``str.format``, matplotlib parses ``$…$`` as mathtext, Markdown
reads ``$$…$$`` as math, Word's title property holds at most 255 characters) or refused by
``survey prepare`` with a message naming the file, the row and the fix (a control character or a
Unicode non-character, which no XML or Excel writer can hold; the pooled group's own label) — never
a failed report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import config
from analysis.safenames import folder_name
from conftest import wjx_frame

SURVEY = Path(sys.executable).parent / "survey"
WAVE = "names"
KEPT = ["-2+3", "{x}", "{district}", "100%满意{0}", "$$\\frac{1}{2}$$", "桥东$x^$区", "长" * 300]
FOLDED = {"新华\x07区": "新华区"}          # a control character textnorm removes: one unit 新华区
REFUSED = {"桥东\uffff区": "U+FFFF", "桥东\ufdd0区": "U+FDD0", "全部区县": "全部区县"}


def _rows(unit: str, n: int = 6) -> list[dict]:
    return [{"district": unit, "gender": "男女"[i % 2], "age": str(30 + 3 * i), "edu": ["大专", "本科"][i % 2],
             "post": "社区“两委”委员", "employment": "专职", "sat_pay": ["满意", "一般", "非常满意"][i % 3],
             "sat_workload": ["一般", "满意"][i % 2]} for i in range(n)]


def _project(root: Path, units: list[str]) -> Path:
    shutil.copytree(config.NOTEBOOK_DIR, root / "notebooks")
    shutil.copytree(config.CODEBOOK_DIR, root / "config" / "codebooks")
    raw = root / "data" / "raw" / WAVE
    raw.mkdir(parents=True)
    from analysis.spec import codebook

    book = codebook.load_all(config.CODEBOOK_DIR)["worker"]
    # CSV: an .xlsx cannot hold a control character (openpyxl refuses it); a 问卷星 CSV can
    wjx_frame(book, [r for u in units for r in _rows(u)]).to_csv(raw / "社区工作者问卷.csv", index=False)
    return root


def _survey(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SURVEY), *args, "--wave", WAVE], cwd=home, capture_output=True, text=True,
                          env={**os.environ, "SURVEY_HOME": str(home)}, timeout=900)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    home = _project(tmp_path_factory.mktemp("names"), [*KEPT, *FOLDED])
    p = _survey(home, "build", "--quiet")
    return {"p": p, "reports": home / "reports" / WAVE}


def test_names_a_library_would_parse_get_their_reports(built):
    assert built["p"].returncode == 0, built["p"].stdout + built["p"].stderr
    run = json.loads((built["reports"] / "_logs" / "run.json").read_text(encoding="utf-8"))
    assert sorted(r["district"] for r in run) == sorted([*KEPT, *FOLDED.values()])
    assert {r["status"] for r in run} == {"ok"}
    for name in [*KEPT, *FOLDED.values()]:
        folder = built["reports"] / folder_name(name)
        meta = json.loads((folder / "stats.json").read_text(encoding="utf-8"))["meta"]
        assert meta["district"] == name
        assert {"report.html", "report.docx", "tables.xlsx"} <= {p.name for p in folder.iterdir()}


@pytest.mark.parametrize("name", KEPT)
def test_the_name_is_shown_as_typed(built, name):
    """In the Word report (body text and the core title, cut to Word's 255 characters) and in the
    charts' titles: not formatted, not typeset as math."""
    import docx
    import nbformat

    folder = built["reports"] / folder_name(name)
    document = docx.Document(str(folder / "report.docx"))
    assert any(name in p.text for p in document.paragraphs)
    assert document.core_properties.title == document.core_properties.title[:255]
    assert name[:100] in document.core_properties.title
    nb = nbformat.read(str(folder / "report.ipynb"), as_version=4)
    alts = [o.get("metadata", {}).get("image/png", {}).get("alt", "") for c in nb.cells
            for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert any(name in alt for alt in alts), alts[:3]


def test_markdown_shows_dollars_as_text():
    from analysis.publish.page import markdown_text

    assert markdown_text("桥东$x^$区") == "桥东\\$x^\\$区"
    assert markdown_text("$$\\frac{1}{2}$$") == "\\$\\$\\\\frac\\{1\\}\\{2\\}\\$\\$"


def test_a_title_is_drawn_as_text_not_mathtext():
    import io

    from matplotlib.figure import Figure

    from analysis.publish import charts

    charts.use_house_style()
    fig = Figure()
    title = fig.suptitle("桥东$x^$区")              # unbalanced mathtext: a ValueError when parsed
    fig.savefig(io.BytesIO(), format="png", dpi=30)
    assert title.get_text() == "桥东$x^$区"


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_name_no_report_can_hold_is_refused_at_prepare(tmp_path, name):
    home = _project(tmp_path, ["桥东区", name])
    p = _survey(home, "prepare")
    out = p.stdout + p.stderr
    assert p.returncode == 2, out
    assert "社区工作者问卷.csv" in out and "第 8 行" in out and REFUSED[name] in out and "解决办法" in out
    assert "Traceback" not in out and "内部错误" not in out
    assert not (home / "data" / "processed" / WAVE).exists()
