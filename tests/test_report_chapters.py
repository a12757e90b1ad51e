"""The reader's register, census and sample, and the chapters of a 调研报告 (issue 17, points 4–6),
on the bundled sample's smallest (裕华区) and largest (桥东区) district, through the sections the
district notebook calls and the Word report they write."""

from __future__ import annotations

import docx
import pandas as pd
import pytest

from analysis import clean, config
from analysis.publish import tables
from analysis.publish.plan import OFFICE_MARK
from analysis.publish.sections import DistrictReport
from analysis.stats.census import TEST_STATS
from analysis.stats.district import district_stats
from analysis.weighting.weights import with_weighted

METHOD_WORDS = ("Mann-Whitney", "Holm", "Newcombe", "Kish", "logit", "耙权", "Wilson", "置信区间", "p值", "p=",
                "标准化回归系数", "设计效应", "统计学意义")
TECHNICAL = ("_vs_rest", "_drivers", "_index", "_weighted", "weighting")
CHAPTERS = ["一、基本情况", "二、主要做法与成效", "三、存在的问题", "四、对策建议", "附录　技术附录"]


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    return clean.prepare_wave(config.DEFAULT_WAVE, processed_dir=tmp_path_factory.mktemp("processed"))


@pytest.fixture(scope="module", params=["裕华区", "桥东区"])
def report(request, wave, tmp_path_factory):
    unit = request.param
    S = with_weighted(district_stats(wave, unit), wave, unit)
    R = DistrictReport(S, wave.codebooks, {"district": unit, "synthetic": True, "unit_label": "区县",
                                           "title": "2026年社区调研"},
                       tmp_path_factory.mktemp(unit), data=wave, show=False)
    for section in ("title", "sample", "profiles", "questions", "comparisons", "practice", "findings", "advice",
                    "method"):
        getattr(R, section)()
    R.write()
    return R


def _body(R):
    at = next(i for i, b in enumerate(R.blocks) if b.kind == "heading" and b.text == "附录　技术附录")
    return R.blocks[:at], R.blocks[at:]


def test_the_report_has_the_four_chapters_and_the_appendix(report):
    assert [b.text for b in report.blocks if b.kind == "heading" and b.level == 1] == CHAPTERS


def test_the_office_chapters_are_marked_places_never_content(report):
    blocks = report.blocks
    for chapter in ("二、主要做法与成效", "四、对策建议"):
        i = next(k for k, b in enumerate(blocks) if b.text == chapter)
        assert blocks[i + 1].kind == "office" and blocks[i + 1].text       # the prompt
        assert blocks[i + 2].kind == "heading" and blocks[i + 2].level == 1  # and nothing else
    d = docx.Document(report.out / "report.docx")
    marked = [p for p in d.paragraphs if p.text.startswith(OFFICE_MARK)]
    assert len(marked) == 2 and all(p.style.name == "待填写" for p in marked)
    assert marked[0].runs[0].bold
    shading = d.styles["待填写"].element.pPr.find(docx.oxml.ns.qn("w:shd"))
    assert shading is not None and shading.get(docx.oxml.ns.qn("w:fill")) == "FFF2CC"


def test_the_body_speaks_the_readers_register(report):
    body, appendix = _body(report)
    text = "".join(b.text for b in body if b.kind == "paragraph" and "技术附录" not in b.text)   # but the pointer
    assert not [w for w in METHOD_WORDS if w in text], [w for w in METHOD_WORDS if w in text]
    assert not [b.table for b in body if b.kind == "table" and b.table.endswith(TECHNICAL)]
    assert [b.table for b in appendix if b.kind == "table" and b.table.endswith(TECHNICAL)]
    pointers = [b.text for b in body if b.kind == "paragraph" and "技术附录" in b.text]
    assert len(pointers) == 1 and "以未加权的数字为准" in pointers[0]         # said once
    technical = "".join(b.text for b in appendix if b.kind == "paragraph")
    assert "置信区间" in technical and "Holm" in technical


def test_a_census_carries_no_interval_or_test(report):
    S = report.S
    census = sorted(b.instrument for b in report.books.values() if b.census)
    assert census == ["community", "worker"]
    for inst in census:
        mine = S[S["table"].str.startswith(inst + "_")]
        assert mine[["ci_low", "ci_high"]].isna().all().all(), inst
        assert not mine["stat"].isin(TEST_STATS).any(), inst
        for table in (f"{inst}_composition", "worker_satisfaction"):
            assert "95%置信区间" not in tables.display_table(S, table, report.unit).columns, table
    resident = S[(S["table"] == "resident_composition") & (S["group"] == report.unit) & ~S["suppressed"]]
    assert resident[["ci_low", "ci_high"]].notna().all().all()          # a sample keeps its intervals


def test_the_problems_come_from_every_questionnaire_each_with_its_figure(report):
    blocks = report.blocks
    i = next(k for k, b in enumerate(blocks) if b.text == "三、存在的问题")
    j = next(k for k, b in enumerate(blocks) if b.text == "四、对策建议")
    problems = [b.text for b in blocks[i + 1:j] if b.kind == "paragraph"]
    assert problems and all(any(ch.isdigit() for ch in p) for p in problems)
    S, unit = report.S, report.unit
    ind = S[(S["table"] == "worker_indicators") & (S["group"] == unit)].set_index("variable")
    full = ind.loc["full_time_share"]
    if float(full["value"]) < 50:
        assert any(f"专职占比为{full['value']:.1f}%（{int(full['n'])}/{int(full['base'])}）" in p for p in problems)
    young = ind.loc["young_share"]
    assert any(f"35岁以下占比为{young['value']:.1f}%" in p for p in problems) == (float(young["value"]) < 30)
    com = S[(S["table"] == "community_indicators") & (S["group"] == unit)].set_index("variable")
    for name in ("youth_rate", "women_rate"):
        r = com.loc[name]
        gap = [p for p in problems if f"{r['variable_label']}为{r['value']:.1f}%" in p]
        assert bool(gap) == (float(r["value"]) < 100), name
        if gap:
            assert f"（{int(r['n'])}/{int(r['base'])}）" in gap[0] and "尚未实现全覆盖" in gap[0]


def test_a_low_alpha_index_carries_a_caveat(report):
    S, unit = report.S, report.unit
    alpha = S[(S["table"] == "worker_satisfaction_index") & (S["group"] == unit) & (S["stat"] == "alpha")]
    note = tables.table_note(S, "worker_satisfaction_index", unit)
    assert ("指数仅供参考" in note) == (float(alpha["value"].iloc[0]) < 0.6)
    if unit == "裕华区":
        assert "0.435" in note                       # the α


def test_a_census_breakdown_note_mentions_no_test(report):
    note = tables.table_note(report.S, "worker_by_gender", report.unit)
    assert "列百分比" in note and "卡方" not in note


def test_body_tables_print_no_intervals_and_the_appendix_prints_them_whole(report):
    """A sample's tables in the body carry the figures alone; the 技术附录 prints the same tables
    with their 95% intervals, and the estimates in both are the same cells."""
    from analysis.publish.document import numbered

    parts = numbered(report.blocks, report.S, report.unit)
    at = next(i for i, p in enumerate(parts) if p.kind == "heading" and p.text == "附录　技术附录")
    body = [p for p in parts[:at] if p.kind == "table"]
    appendix = {p.text: p for p in parts[at:] if p.kind == "table"}
    assert body and not [p.caption for p in body if tables.has_intervals(p.frame)]
    assert not [p.caption for p in body if "置信区间" in p.note]
    plain = [b.table for b in report.blocks if b.kind == "table" and b.plain]
    assert plain, "the resident questionnaire is a sample: some body table had intervals"
    for table in plain:
        title, full, _ = tables.published_tables(report.S, report.unit)[table]
        assert tables.has_intervals(full) and title in appendix
        shown = next(p for p in body if p.table == table).frame
        whole = appendix[title].frame
        assert list(shown.columns) == [c for c in whole.columns if "置信区间" not in c]
        for c in shown.columns:       # each body cell is the appendix cell without its bracket
            assert [str(v).split("（")[0] for v in whole[c]] == list(shown[c]), (table, c)
    d = docx.Document(report.out / "report.docx")
    cells = []
    for t in d.tables:
        cells += [c.text for row in t.rows for c in row.cells]
    assert any("～" in c for c in cells)                # the appendix's intervals reach Word


def test_a_unit_whose_figures_are_all_hidden_is_not_said_to_have_no_problems(wave, tmp_path):
    """A unit of four respondents (a 问卷星 CSV no test was written for) had every figure hidden, and
    三、存在的问题 said 没有数字上需要特别指出的问题 — a claim its hidden figures cannot support."""
    unit = "裕华区"
    S = district_stats(wave, unit).copy()
    S.loc[S["group"] == unit, "suppressed"] = True
    R = DistrictReport(S, wave.codebooks, {"district": unit, "synthetic": True, "unit_label": "区县",
                                           "title": "2026年社区调研"}, tmp_path, data=wave, show=False)
    R.findings()
    said = [b.text for b in R.blocks if b.kind == "paragraph"]
    assert said == [f"{unit}的受访者人数较少，评价与指标的数字均不公布，无法从本单位的数据中指出问题；可参考全部区县的结果。"]
    # nor does the 技术附录 print the body's tables again “with their intervals” when every interval is hidden
    R.profiles()
    R.method()
    body, appendix = _body(R)
    assert any(b.kind == "table" and b.plain for b in body)             # the body's copy drops the — column
    copies = {b.table for b in appendix if b.kind == "table"} & {b.table for b in body if b.kind == "table"}
    assert copies == set()


def test_a_column_of_hidden_intervals_prints_no_interval():
    frame = pd.DataFrame({"分类": ["男", "女"], "占比（%）": ["—", "—"], "95%置信区间": ["—", "—"]})
    assert tables.has_intervals(frame) and not tables.has_intervals(frame, printed=True)
    assert tables.has_intervals(frame.assign(**{"95%置信区间": ["40.1～60.2", "—"]}), printed=True)
