"""The paper variant of every chart: figures/paper/<name>.svg, 8 cm wide, its text as SVG text
(editable in a journal's tools), no baked-in title or source line, no text under 7 pt."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from analysis.publish import charts
from test_charts import SOURCE, make_stats

DISTRICT = "桥东区"
SVG = "{http://www.w3.org/2000/svg}"


def _draw(S, kind: str):
    if kind == "composition":
        return charts.composition_bars(S, "worker_composition", ["employment", "age_band", "edu2", "recruit"],
                                       DISTRICT, source=SOURCE)
    if kind == "diverging":
        return charts.likert_diverging(S, "resident_satisfaction", DISTRICT, source=SOURCE)
    return charts.likert_stacked(S, "resident_satisfaction", DISTRICT, source=SOURCE)


@pytest.mark.parametrize("kind", ["composition", "diverging", "stacked"])
def test_the_paper_svg_is_8_cm_text_as_text_without_title_or_source(kind, tmp_path):
    S = make_stats(DISTRICT)
    fig = _draw(S, kind)
    title = fig._suptitle.get_text()
    assert title
    paths = charts.save_figure(fig, tmp_path, kind)
    paper = paths["paper_svg"]
    assert paper == tmp_path / "paper" / f"{kind}.svg"
    root = ET.parse(paper).getroot()
    assert abs(float(root.get("width").removesuffix("pt")) - 8 / 2.54 * 72) < 0.5
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert any(re.search(r"[\u4e00-\u9fff]", t) for t in texts)         # labels are text, not paths
    body = "".join(texts)
    assert title not in body and SOURCE not in body and "N=" not in body
    sizes = [float(m) for m in re.findall(r"font-size: ([\d.]+)px", paper.read_text(encoding="utf-8"))]
    assert sizes and min(sizes) >= 7
    full = ET.parse(paths["svg"]).getroot()                        # the report's chart keeps its title
    assert not list(full.iter(f"{SVG}text"))                       # drawn as paths there, as before


def test_the_paper_svg_is_deterministic(tmp_path):
    S = make_stats(DISTRICT)
    a = charts.save_figure(_draw(S, "stacked"), tmp_path / "a", "x")["paper_svg"].read_bytes()
    b = charts.save_figure(_draw(S, "stacked"), tmp_path / "b", "x")["paper_svg"].read_bytes()
    assert a == b


def test_a_placeholder_has_no_paper_variant(tmp_path):
    fig = charts.no_data_figure(DISTRICT, "居民问卷")
    assert "paper_svg" not in charts.save_figure(fig, tmp_path, "none")
    assert not (tmp_path / "paper").exists()
