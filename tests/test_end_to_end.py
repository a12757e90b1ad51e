"""The whole pipeline on the bundled sample, in temporary folders: `survey build` as a user runs it.

Checks that every output exists, that the sample flow reconciles with what the generator planted,
that 桥东区 prints seed 004's figures, and that every number in the narrative is in stats.json.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import docx
import pytest
from PIL import Image

from analysis import clean, cli, config

DISTRICTS = ["桥东区", "桥西区", "新华区", "裕华区", "长安区"]


# `built` (the sample through `survey build`, once per session) and `planted` are in conftest.py:
# the PII scan and the suppression checks (test_output_safety, test_suppression_everywhere) reuse them.


def test_build_succeeds_for_every_district(built):
    assert built["code"] == 0
    assert sorted(p.name for p in built["reports"].iterdir() if p.is_dir() and not p.name.startswith(("_", "."))) \
        == sorted(DISTRICTS)


@pytest.mark.parametrize("district", DISTRICTS)
def test_every_output_exists(built, district):
    folder = built["reports"] / district
    for name in ("report.html", "report.docx", "report.ipynb", "tables.xlsx", "stats.json"):
        assert (folder / name).stat().st_size > 0, name
    pngs = sorted((folder / "figures").glob("*.png"))
    assert len(pngs) >= 2
    for png in pngs:
        assert png.with_suffix(".svg").is_file()
        dpi = Image.open(png).info["dpi"]
        assert round(dpi[0]) == 300
    assert not list(built["reports"].glob(".*.tmp")), "a temporary folder was left behind"


def test_flow_reconciles_with_what_was_planted(built, planted):
    w = clean.load_wave(config.DEFAULT_WAVE, built["processed"])
    flow = w.flow.set_index(["instrument", "district"])
    assert (flow["received"] == flow["excluded"] + flow["valid"]).all()
    assert len(planted.outcomes) == len(flow) == 15
    for (district, instrument), exp in planted.outcomes.items():
        row = flow.loc[(instrument, district)]
        assert row["received"] == exp.received, (instrument, district)
        assert row["valid"] == exp.valid, (instrument, district)
        assert row.get("excluded_duplicate", 0) == exp.duplicates, (instrument, district)
        assert row.get("excluded_speeder", 0) == exp.speeders, (instrument, district)
    exc = w.exclusions
    assert len(exc) == int(flow["excluded"].sum())
    assert set(exc.columns) >= {"file", "row", "rule", "reason"}


def stats_rows(built, district):
    data = json.loads((built["reports"] / district / "stats.json").read_text(encoding="utf-8"))
    return data["meta"], data["rows"]


def pick(rows, **kw):
    hits = [r for r in rows if all(r[k] == v for k, v in kw.items())]
    assert len(hits) == 1, (kw, len(hits))
    return hits[0]


def test_qiaodong_reproduces_seed_004(built):
    meta, rows = stats_rows(built, "桥东区")
    assert meta["synthetic"] is True
    g = dict(table="worker_composition", group="桥东区", stat="share")
    ages = [pick(rows, variable="age_band", category=c, **g) for c in ("1", "2", "3")]
    assert [r["n"] for r in ages] == [63, 309, 122]
    assert [r["value"] for r in ages] == [12.8, 62.6, 24.7]     # the seed's 62.5 was adjusted to sum to 100.0
    emp = [pick(rows, variable="employment", category=c, **g) for c in ("1", "2")]
    assert [r["n"] for r in emp] == [109, 385] and emp[0]["base"] == 494


@pytest.mark.parametrize("district", DISTRICTS)
def test_shares_sum_to_100(built, district):
    """Published shares of a variable sum to 100.0 within the rounding (each is its exact share
    rounded half up: at most 0.05 per cell off); with suppressed cells (which reach stats.json
    without their numbers) at least one cell is hidden besides."""
    _, rows = stats_rows(built, district)
    sums: dict = {}
    cells: dict = {}
    hidden: dict = {}
    for r in rows:
        if r["stat"] == "share" and r["base"]:
            key = (r["table"], r["group"], r["variable"])
            cells[key] = cells.get(key, 0) + 1
            if r["suppressed"]:
                assert r["value"] is None and r["n"] is None, key
                hidden[key] = hidden.get(key, 0) + 1
            else:
                sums[key] = round(sums.get(key, 0) + r["value"], 6)
    off = {k: v for k, v in sums.items() if k not in hidden and abs(v - 100.0) > 0.05 * cells[k] + 1e-9}
    assert sums and not off, off
    assert all(n >= 2 for n in hidden.values())                     # one hidden cell = base − others


def docx_text(path):
    d = docx.Document(path)
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        parts += [c.text for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_qiaodong_word_report_states_seed_figures(built):
    text = docx_text(built["reports"] / "桥东区" / "report.docx")
    for needle in ("一、基本情况", "（一）调查概况", "（二）样本基本情况", "（三）调查结果", "三、存在的问题", "示例数据",
                   "35岁以下的占12.8%", "35-55岁的占62.6%", "55岁以上的占24.7%", "专职109名", "兼职385名"):
        assert needle in text, needle


NUMBER = re.compile(r"(-?\d+(?:\.\d+)?)(%?)")          # signed: a difference's interval can start below 0


@pytest.mark.parametrize("district", DISTRICTS)
def test_every_number_in_the_narrative_is_in_stats_json(built, district):
    """Each number a sentence prints is the published value (or n, base, CI) of some stats row."""
    _, rows = stats_rows(built, district)
    published = set()
    for r in rows:
        for k in ("value", "n", "base", "ci_low", "ci_high"):
            if r[k] is not None:
                published.add(round(float(r[k]), 2))
    fixed = {95.0, 0.1, 100.0, float(config.MIN_CELL)}                   # the method paragraph
    document = docx.Document(built["reports"] / district / "report.docx")
    text = "".join(p.text for p in document.paragraphs if p.style.name == "Normal")   # every sentence
    text = re.sub(r"\d+-\d+岁|\d+岁以[上下]|\d+岁及以上", "", text)           # category labels
    found = [float(m.group(1)) for m in NUMBER.finditer(text)]
    assert found
    assert "“社区工作评价主体”这一问题上" in text          # the workers-vs-residents sentence is covered
    missing = [x for x in found if round(x, 2) not in published | fixed]
    assert not missing, missing


def test_html_report_is_for_readers(built):
    html = (built["reports"] / "桥东区" / "report.html").read_text(encoding="utf-8")
    for needle in ("桥东区", "示例数据", "12.8", "62.6", "24.7", "（二）样本基本情况", "data:image/png;base64"):
        assert needle in html, needle
    for absent in ("papermill", "Traceback", "import ", "<script src=\"http"):
        assert absent not in html, absent


def test_index_links_every_district_and_resolves(built):
    index = built["reports"] / "index.html"
    html = index.read_text(encoding="utf-8")
    links = re.findall(r'href="([^"#]+)"', html)
    for district in DISTRICTS:
        assert district in html
        assert any(unquote(link).startswith(f"{district}/report.html") for link in links)
    for link in links:
        assert (index.parent / unquote(link)).exists(), link
    assert "示例数据" in html


def test_same_inputs_same_bytes(built, tmp_path):
    """A second run gives identical files (the executed notebook keeps papermill's run times)."""
    code = cli.main(["report", "-d", "裕华区", "--processed-dir", str(built["processed"]),
                     "--reports-dir", str(tmp_path), "--quiet"])
    assert code == 0
    first, second = built["reports"] / "裕华区", tmp_path / config.DEFAULT_WAVE / "裕华区"
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file() and p.name != "report.ipynb")
    assert len(files) >= 8
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_unknown_district_is_a_clear_error(built, capsys):
    code = cli.main(["report", "-d", "不存在区", "--processed-dir", str(built["processed"]),
                     "--reports-dir", str(built["reports"].parent), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "不存在区" in err and "Traceback" not in err
