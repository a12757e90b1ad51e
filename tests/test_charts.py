"""Charts: Chinese glyphs render, 300 dpi, suppressed cells undrawn, deterministic SVG.

``make_stats`` builds a realistic tidy stats table (the shape ``analysis.stats`` publishes) for
one district; ``tests/test_render.py`` reuses it.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.patches import Rectangle
from PIL import Image

from analysis.config import MIN_CELL, POOLED_GROUP
from analysis.publish import charts
from analysis.stats import waves

SOURCE = "数据来源：2026年社区工作者问卷（示例数据）"
LIKERT = [("5", "非常满意"), ("4", "比较满意"), ("3", "一般"), ("2", "不太满意"), ("1", "很不满意")]
TITLES = {
    "flow": "样本流向",
    "worker_composition": "社区工作者基本构成",
    "worker_age": "社区工作者年龄",
    "worker_satisfaction": "社区工作者满意度评价",
    "resident_satisfaction": "居民满意度评价",
    "worker_gender_age": "社区工作者性别与年龄结构",
}


def _largest_remainder(counts: list[int]) -> list[float]:
    total = sum(counts)
    exact = [c * 1000 / total for c in counts]
    floors = [math.floor(e) for e in exact]
    order = sorted(range(len(counts)), key=lambda i: exact[i] - floors[i], reverse=True)
    for i in order[:1000 - sum(floors)]:
        floors[i] += 1
    return [f / 10 for f in floors]


def _wilson(k: int, n: int) -> tuple[float, float]:
    p, z = k / n, 1.959964
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(100 * (centre - half), 1), round(100 * (centre + half), 1)


def _row(table, group, variable, vlabel, stat, *, category="", clabel="", order=0, n, base,
         base_label="有效回答", value, exact=None, ci=(math.nan, math.nan), suppressed=False):
    return dict(table=table, table_title=TITLES[table], group=group, variable=variable,
                variable_label=vlabel, category=category, category_label=clabel, order=order,
                stat=stat, n=n, base=base, base_label=base_label, value=value,
                exact=value if exact is None else exact, ci_low=ci[0], ci_high=ci[1],
                suppressed=suppressed)


def share_rows(table, group, variable, vlabel, cats, base_label="有效回答"):
    """share rows for one variable (as ``analysis.stats`` publishes them); ``cats`` is
    [(code, label, count), …]."""
    counts = [c for _, _, c in cats]
    base, rows = sum(counts), []
    for order, ((code, label, count), share) in enumerate(zip(cats, _largest_remainder(counts)), 1):
        small = count < MIN_CELL
        common = dict(category=code, clabel=label, order=order, n=count, base=base,
                      base_label=base_label, suppressed=small)
        rows.append(_row(table, group, variable, vlabel, "share", value=share,
                         exact=100 * count / base, ci=_wilson(count, base), **common))
    return rows


def likert_rows(table, group, variable, vlabel, counts):
    """Five share rows (5..1), a mean and a top2 row for one satisfaction item."""
    rows = share_rows(table, group, variable, vlabel,
                      [(c, lbl, k) for (c, lbl), k in zip(LIKERT, counts)])
    base = sum(counts)
    mean = sum(int(c) * k for (c, _), k in zip(LIKERT, counts)) / base
    top = counts[0] + counts[1]
    rows.append(_row(table, group, variable, vlabel, "mean", clabel="平均分", order=6, n=base,
                     base=base, value=round(mean, 2), exact=mean,
                     ci=(round(mean - 0.08, 2), round(mean + 0.08, 2))))
    rows.append(_row(table, group, variable, vlabel, "top2", category="top2",
                     clabel="非常满意＋比较满意", order=7, n=top, base=base,
                     value=round(100 * top / base, 1), exact=100 * top / base,
                     ci=_wilson(top, base), suppressed=base < MIN_CELL))
    # net = (非常满意 + 比较满意 − 不太满意 − 很不满意) / base, hidden when one cell of either box is
    hidden = [k < MIN_CELL for k in counts]
    bottom = counts[3] + counts[4]
    rows.append(_row(table, group, variable, vlabel, "net", category="net",
                     clabel="净满意度（满意率－不满意率）", order=8, n=base, base=base,
                     value=round(100 * (top - bottom) / base, 1), exact=100 * (top - bottom) / base,
                     suppressed=base < MIN_CELL or sum(hidden[:2]) == 1 or sum(hidden[3:]) == 1))
    return rows


def make_stats(group: str = "桥东区", shift: int = 0) -> pd.DataFrame:
    """A district's stats: 494 workers (12.8/62.5/24.7 by age band), 520 residents."""
    wc = "worker_composition"
    rows = []
    rows += share_rows(wc, group, "employment", "专兼职", [("1", "专职", 109), ("2", "兼职", 385)])
    rows += share_rows(wc, group, "age_band", "年龄段",
                       [("1", "35岁以下", 63), ("2", "35-55岁", 309), ("3", "55岁以上", 122)])
    rows += share_rows(wc, group, "edu2", "文化程度（两分）",
                       [("1", "中专（含高中）及以下", 186), ("2", "大专及以上", 308)])
    rows += share_rows(wc, group, "gender", "性别", [("1", "男", 201), ("2", "女", 293)])
    rows += share_rows(wc, group, "recruit", "进入方式",
                       [("1", "公开招聘", 240), ("2", "机关下派", 36), ("3", "原有留用", 180),
                        ("4", "复退军人安置", 35), ("5", "选举产生", 3)])
    rows += share_rows(wc, group, "one_shoulder", "书记、主任“一肩挑”",
                       [("1", "是", 36), ("2", "否", 31)], base_label="社区党组织书记")
    bands = [("1", "35岁以下"), ("2", "35-55岁"), ("3", "55岁以上")]
    for gender, counts in (("男", [20, 120, 61]), ("女", [43, 189, 61])):
        rows += share_rows("worker_gender_age", f"{group}·{gender}", "age_band", "年龄段",
                           [(c, lbl, k) for (c, lbl), k in zip(bands, counts)])
    rows.append(_row("worker_age", group, "age", "年龄", "mean", order=1, n=494, base=494,
                     value=48.8, ci=(48.0, 49.6)))
    rows.append(_row("worker_age", group, "age", "年龄", "median", order=2, n=494, base=494,
                     value=49.0))
    rows.append(_row("worker_age", group, "age_secretary", "社区党组织书记年龄", "mean", n=67,
                     base=67, value=43.5, base_label="社区党组织书记", ci=(41.9, 45.1)))
    worker_items = [("sat_pay", "薪酬待遇", [40 + shift // 2, 160, 190, 80, 24]),
                    ("sat_workload", "工作负担", [30, 150, 200, 90, 24]),
                    ("sat_training", "培训机会", [90, 250, 120, 30, 4]),
                    ("sat_promotion", "晋升空间", [25, 120, 210, 100, 39]),
                    ("sat_recognition", "工作认可", [110, 260, 100, 20, 4])]
    for var, label, counts in worker_items:
        rows += likert_rows("worker_satisfaction", group, var, label, counts)
    resident_items = [("sat_service", "社区服务", [150, 230, 100, 30, 10]),
                      ("sat_party", "党组织作用", [140, 210, 130, 30, 10]),
                      ("sat_environment", "环境卫生", [120, 220, 130, 40, 10]),
                      ("sat_safety", "社会治安", [170, 240, 80, 20, 10]),
                      ("sat_digital", "信息化服务", [90, 190, 170, 50, 20]),
                      ("sat_overall", "总体满意度", [160 + shift, 240, 90, 20, 10 - shift // 4])]
    for var, label, counts in resident_items:
        rows += likert_rows("resident_satisfaction", group, var, label, counts)
    for instrument, label, received, speeder, dup in [("worker", "社区工作者问卷", 503, 7, 2),
                                                       ("resident", "居民问卷", 531, 9, 2)]:
        common = dict(base=received, base_label="收到答卷")
        rows.append(_row("flow", group, instrument, label, "received", category="received",
                         clabel="收到答卷", order=1, n=received, value=float(received), **common))
        rows.append(_row("flow", group, instrument, label, "excluded",
                         category="excluded:speeder", clabel="剔除：答题过快", order=2, n=speeder,
                         value=float(speeder), **common))
        rows.append(_row("flow", group, instrument, label, "excluded",
                         category="excluded:duplicate", clabel="", order=3, n=dup,
                         value=float(dup), suppressed=True, **common))
        rows.append(_row("flow", group, instrument, label, "valid", category="valid",
                         clabel="有效答卷", order=4,
                         n=received - speeder - dup, value=float(received - speeder - dup),
                         **common))
    return pd.DataFrame(rows)


@pytest.fixture
def stats() -> pd.DataFrame:
    return make_stats()


@pytest.fixture
def stats_all() -> pd.DataFrame:
    parts = [make_stats(name, shift) for name, shift in
             [("桥东区", 0), ("桥西区", -40), ("新华区", 30), ("长安区", 12), ("裕华区", -20)]]
    pooled = make_stats(POOLED_GROUP, 2)
    tiny = make_stats("井陉矿区", 0)
    tiny.loc[tiny["variable"] == "sat_overall", "suppressed"] = True
    return pd.concat(parts + [pooled, tiny], ignore_index=True)


def all_charts(stats, stats_all):
    return {
        "composition": charts.composition_bars(
            stats, "worker_composition", ["employment", "age_band", "edu2", "recruit"],
            "桥东区", source=SOURCE),
        "likert": charts.likert_stacked(stats, "resident_satisfaction", "桥东区",
                                        source="数据来源：2026年居民问卷（示例数据）"),
        "districts": charts.district_comparison(stats_all, "resident_satisfaction",
                                                "sat_overall", source=SOURCE),
        "district_means": charts.district_comparison(stats_all, "worker_satisfaction",
                                                     "sat_pay", stat="mean", source=SOURCE),
        "diverging": charts.likert_diverging(stats, "worker_satisfaction", "桥东区", source=SOURCE),
        "pyramid": charts.age_pyramid(stats, "worker_gender_age", "桥东区", source=SOURCE),
        "waves": charts.wave_change_chart(two_waves(stats), "桥东区", "resident_satisfaction", source=SOURCE),
        "small_multiples": charts.district_small_multiples(stats_all, "resident_satisfaction",
                                                           source=SOURCE),
        "highlighted": charts.district_comparison(stats_all, "resident_satisfaction",
                                                  "sat_overall", source=SOURCE, highlight="桥东区"),
    }


def two_waves(now: pd.DataFrame) -> pd.DataFrame:
    """``now`` with the ``wave_change`` rows of ``analysis.waves`` against a 2023 wave in which
    社区服务 was much lower (a significant change), 总体满意度 a little lower, 信息化服务 the same,
    and 环境卫生 too small to publish."""
    before = now.copy()
    for var, counts in (("sat_service", [90, 180, 150, 70, 30]), ("sat_overall", [150, 235, 95, 25, 15]),
                        ("sat_environment", [1, 2, 0, 0, 0])):
        before = before[~((before["table"] == "resident_satisfaction") & (before["variable"] == var))]
        label = now.loc[now["variable"] == var, "variable_label"].iloc[0]
        before = pd.concat([before, pd.DataFrame(likert_rows("resident_satisfaction", "桥东区", var,
                                                             label, counts))], ignore_index=True)
    return pd.concat([now, waves.wave_change(now, before, "桥东区", "2026", "2023")], ignore_index=True)


def test_chinese_text_renders_without_missing_glyphs(stats, stats_all, tmp_path):
    figures = all_charts(stats, stats_all)
    for name, fig in figures.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fig.savefig(tmp_path / f"{name}.png", format="png", dpi=100)
        texts = [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]
        assert any("满意" in t or "专职" in t or "区" in t for t in texts), name


def test_no_chart_asks_for_a_face_the_bundled_font_lacks(stats, stats_all, tmp_path, caplog):
    """The bundled CJK font has one face (Regular). A chart asking for bold makes matplotlib log
    "findfont: Failed to find font weight bold" once per process, so the first report a kernel
    makes would carry the line and the next would not; no chart may ask for a face there is none of."""
    from matplotlib import font_manager

    font_manager.fontManager._findfont_cached.cache_clear()     # the warning is logged once per cache
    with caplog.at_level("WARNING", logger="matplotlib.font_manager"):
        for name, fig in all_charts(stats, stats_all).items():
            fig.savefig(tmp_path / f"{name}.png", format="png", dpi=50)
    assert [r.getMessage() for r in caplog.records if "findfont" in r.getMessage()] == []


def test_fonts_installed_on_the_machine_are_not_used(tmp_path):
    """A developer's system CJK font (here: a copy of the bundled face, as a font matplotlib found on
    the machine) must not stand in for one the project does not ship; only the bundled font and
    matplotlib's own remain, so a missing face shows on every machine alike."""
    import shutil

    from matplotlib import font_manager

    system = tmp_path / "fonts" / "SystemCJK.otf"
    system.parent.mkdir()
    shutil.copyfile(charts._font_path(), system)
    font_manager.fontManager.addfont(str(system))
    assert any(Path(f.fname) == system for f in font_manager.fontManager.ttflist)
    charts.use_house_style()
    assert not any(Path(f.fname) == system for f in font_manager.fontManager.ttflist)
    bold = font_manager.FontProperties(family="Noto Sans CJK SC", weight="bold")
    assert Path(font_manager.findfont(bold)) == charts._font_path()


def test_house_font_is_the_bundled_cjk_font():
    family = charts.use_house_style()
    assert family == "Noto Sans CJK SC"
    import matplotlib
    assert matplotlib.rcParams["font.sans-serif"][0] == family
    assert matplotlib.rcParams["axes.unicode_minus"] is False


def test_png_is_300_dpi_and_16cm_wide(stats, tmp_path):
    fig = charts.likert_stacked(stats, "worker_satisfaction", "桥东区", source=SOURCE)
    paths = charts.save_figure(fig, tmp_path, "likert")
    with Image.open(paths["png"]) as img:
        assert img.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        assert img.size[0] == pytest.approx(16 / 2.54 * 300, abs=2)
    assert paths["svg"].read_bytes().startswith(b"<?xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["likert.png", "likert.svg", "paper"]   # + the paper variant


def _bar_widths(ax) -> list[float]:
    return [round(p.get_width(), 3) for p in ax.patches if isinstance(p, Rectangle)]


def test_suppressed_cells_are_marked_not_drawn(stats):
    fig = charts.composition_bars(stats, "worker_composition", ["recruit"], "桥东区",
                                  source=SOURCE)
    ax = fig.axes[0]
    assert _bar_widths(ax) == [48.6, 7.3, 36.4, 7.1]          # 选举产生 (3 people) has no bar
    texts = [t.get_text() for t in ax.texts]
    assert "—（不公布）" in texts
    assert "48.6%" in texts and "0.6%" not in texts
    assert "不公布的数" in fig.get_supxlabel()


def test_share_labels_are_published_values(stats):
    fig = charts.composition_bars(stats, "worker_composition", ["age_band"], "桥东区",
                                  source=SOURCE)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["12.8%", "62.5%", "24.7%"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["35岁以下", "35-55岁", "55岁以上"]
    assert fig.get_suptitle() == "桥东区社区工作者基本构成"
    assert fig.get_supxlabel() == f"N=494，有效回答\n{SOURCE}"


def test_likert_sorted_by_top2_with_labels_from_five_percent(stats):
    fig = charts.likert_stacked(stats, "worker_satisfaction", "桥东区", source=SOURCE)
    ax = fig.axes[0]
    items = [t.get_text() for t in ax.get_yticklabels()]
    top2 = (stats[(stats["table"] == "worker_satisfaction") & (stats["stat"] == "top2")]
            .set_index("variable_label")["value"])
    assert items == list(top2.sort_values(ascending=False).index)
    inside = [float(t.get_text()) for t in ax.texts if t.get_text().replace(".", "").isdigit()]
    assert inside and min(inside) >= 5
    sums = {}
    for bar in ax.patches:
        key = round(bar.get_y(), 3)
        sums[key] = sums.get(key, 0) + bar.get_width()
    shares = stats[(stats["table"] == "worker_satisfaction") & (stats["stat"] == "share")]
    complete = shares.groupby("variable")["suppressed"].sum().eq(0).sum()
    assert sum(s == pytest.approx(100, abs=0.05) for s in sums.values()) == complete == 3
    assert len(ax.patches) == (~shares["suppressed"]).sum()      # suppressed segments undrawn


def test_district_comparison_sorted_pooled_as_line_suppressed_marked(stats_all):
    fig = charts.district_comparison(stats_all, "resident_satisfaction", "sat_overall",
                                     source=SOURCE)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "井陉矿区" and POOLED_GROUP not in labels
    top2 = (stats_all[(stats_all["variable"] == "sat_overall") & (stats_all["stat"] == "top2")]
            .set_index("group")["value"])
    assert [top2[g] for g in labels[:-1]] == sorted(top2[labels[:-1]], reverse=True)
    assert any(t.get_text().startswith(POOLED_GROUP) for t in ax.texts)
    assert "—（不公布）" in [t.get_text() for t in ax.texts]


def test_unknown_table_is_an_error_and_a_missing_questionnaire_a_placeholder(stats):
    """A table name that does not exist is a mistake (SurveyError); a questionnaire's table the
    district has no valid answers for gets the “no data” figure, so its report still runs; a table
    that holds no 满意率 cannot be drawn as one and says so."""
    from analysis.errors import SurveyError
    with pytest.raises(SurveyError, match="no_such_table"):
        charts.likert_stacked(stats, "no_such_table", "桥东区")
    with pytest.raises(SurveyError, match="worker_composition"):
        charts.likert_stacked(stats, "worker_composition", "桥东区")
    fig = charts.likert_stacked(stats, "resident_satisfaction", "没有居民问卷的区")
    texts = [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("没有居民问卷的区没有居民满意度评价的有效回答" in t for t in texts)   # the table's own title
    assert not any(ax.patches for ax in fig.axes)


def test_saving_twice_gives_identical_bytes(stats, tmp_path):
    first = charts.save_figure(charts.likert_stacked(stats, "resident_satisfaction", "桥东区",
                                                     source=SOURCE), tmp_path / "a", "fig")
    second = charts.save_figure(charts.likert_stacked(stats, "resident_satisfaction", "桥东区",
                                                      source=SOURCE), tmp_path / "b", "fig")
    assert first["svg"].read_bytes() == second["svg"].read_bytes()
    assert first["png"].read_bytes() == second["png"].read_bytes()
    assert b"<dc:date>" not in first["svg"].read_bytes()


def test_preview(stats, stats_all):
    """Render every chart kind to /tmp/charts_preview for a human to look at."""
    out = Path("/tmp/charts_preview")
    for name, fig in all_charts(stats, stats_all).items():
        charts.save_figure(fig, out, name)
    assert (out / "likert.png").exists()


# -- the kinds added for the report: diverging bars, pyramid, waves, small multiples ---------------

def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_diverging_bars_sorted_by_the_tables_net_negative_left_neutral_centred(stats):
    fig = charts.likert_diverging(stats, "resident_satisfaction", "桥东区", source=SOURCE)
    ax = fig.axes[0]
    net = stats[(stats["table"] == "resident_satisfaction") & (stats["stat"] == "net")]
    expected = net.sort_values("value", ascending=False)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(expected["variable_label"])
    printed = [t.get_text() for t in ax.texts if t.get_text().startswith("+")]
    assert printed == [f"{v:+.1f}" for v in expected["value"]]
    # 社区服务: 150 230 100 30 10 of 520 → 28.9 44.2 19.2 5.8 1.9 (largest remainder): 一般 centred
    row = list(expected["variable"]).index("sat_service")
    bars = sorted(((round(b.get_x(), 2), round(b.get_width(), 2)) for b in ax.patches
                   if abs(b.get_y() + b.get_height() / 2 - row) < 1e-6))
    assert bars == [(-17.3, 1.9), (-15.4, 5.8), (-9.6, 19.2), (9.6, 44.2), (53.8, 28.9)]
    assert "净满意度" in fig.get_supxlabel()


def test_diverging_bars_leave_a_suppressed_answer_undrawn_and_marked(stats):
    fig = charts.likert_diverging(stats, "worker_satisfaction", "桥东区", source=SOURCE)
    ax = fig.axes[0]
    shares = stats[(stats["table"] == "worker_satisfaction") & (stats["stat"] == "share")]
    assert len(ax.patches) == (~shares["suppressed"]).sum()           # 4 很不满意 (twice) undrawn
    assert not any(b.get_width() == 0 for b in ax.patches)
    assert _texts(fig).count("—") >= 2 + 2                           # the bar's side and its net
    assert "不公布的数" in fig.get_supxlabel()
    hidden_net = stats[(stats["table"] == "worker_satisfaction") & (stats["stat"] == "net")
                       & stats["suppressed"]]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-len(hidden_net):] == sorted(hidden_net["variable_label"], key=labels.index)


def test_diverging_bars_need_net_rows(stats):
    from analysis.errors import SurveyError
    with pytest.raises(SurveyError, match="net"):
        charts.likert_diverging(stats[stats["stat"] != "net"], "resident_satisfaction", "桥东区")


def test_age_pyramid_draws_each_genders_published_shares_on_its_side(stats):
    fig = charts.age_pyramid(stats, "worker_gender_age", "桥东区", source=SOURCE)
    ax = fig.axes[0]
    widths = sorted(round(b.get_width(), 1) for b in ax.patches)
    # 男 20 120 61 of 201 → 10.0 59.7 30.3 drawn left; 女 43 189 61 of 293 → 14.7 64.5 20.8 right
    assert widths == sorted([-10.0, -59.7, -30.3, 14.7, 64.5, 20.8])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["35岁以下", "35-55岁", "55岁以上"]
    assert fig.get_supxlabel().startswith("男N=201，女N=293，有效回答")


def test_age_pyramid_marks_a_suppressed_cell_hatched_never_as_zero(stats):
    small = stats.copy()
    hit = (small["table"] == "worker_gender_age") & (small["group"] == "桥东区·男") & (small["category"] == "1")
    small.loc[hit, ["n", "value", "suppressed"]] = [3, 1.5, True]
    fig = charts.age_pyramid(small, "worker_gender_age", "桥东区", source=SOURCE)
    ax = fig.axes[0]
    hatched = [b for b in ax.patches if b.get_hatch()]
    assert len(hatched) == 1 and hatched[0].get_y() + hatched[0].get_height() / 2 == pytest.approx(0)
    assert "1.5%" not in _texts(fig) and "—" in _texts(fig)
    assert "不公布的数" in fig.get_supxlabel()


def test_wave_chart_marks_only_what_the_tables_test_says_is_significant(stats):
    S = two_waves(stats)
    fig = charts.wave_change_chart(S, "桥东区", "resident_satisfaction", source=SOURCE)
    ax = fig.axes[0]
    p = S[(S["table"] == "wave_change") & (S["stat"] == "p")
          & S["category"].str.endswith(":top2")].set_index("variable_label")["value"]
    assert p["社区服务"] < 0.05 and p["总体满意度"] >= 0.05             # the fixture is what it says
    labels = [t.get_text() for t in ax.get_yticklabels()]
    marked = [t for t in ax.texts if t.get_text().endswith(charts.SIGNIFICANT_MARK)]
    assert len(marked) == (p.dropna() < 0.05).sum() == 1
    assert round(marked[0].get_position()[1]) == labels.index("社区服务")
    assert "73.1＊" in _texts(fig)                                     # 51.9 → 73.1, the table's values
    assert "—（不公布）" in _texts(fig) and "不公布的数" in fig.get_supxlabel()
    assert "53.8（无变化）" in _texts(fig)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["2023", "2026"]


def test_wave_chart_without_an_earlier_wave_is_a_placeholder(stats):
    fig = charts.wave_change_chart(stats, "桥东区", "resident_satisfaction")
    assert not fig.axes[0].lines if fig.axes else True
    assert any("上一轮" in t.get_text() for t in fig.texts)


def test_small_multiples_one_panel_per_district_on_the_same_axes(stats_all):
    fig = charts.district_small_multiples(stats_all, "resident_satisfaction", source=SOURCE)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == sorted(["桥东区", "桥西区", "新华区", "长安区", "裕华区",
                                                       "井陉矿区"])
    assert len({ax.get_xlim() for ax in shown}) == 1
    tiny = next(ax for ax in shown if ax.get_title() == "井陉矿区")
    assert "—" in [t.get_text() for t in tiny.texts]                  # its hidden 总体满意度
    east = next(ax for ax in shown if ax.get_title() == "桥东区")
    dots = [line.get_xdata()[0] for line in east.lines if line.get_marker() == "o"]
    top2 = stats_all[(stats_all["group"] == "桥东区") & (stats_all["table"] == "resident_satisfaction")
                     & (stats_all["stat"] == "top2")]
    assert sorted(dots) == sorted(top2["value"])


def test_district_comparison_highlights_the_reports_district(stats_all):
    fig = charts.district_comparison(stats_all, "resident_satisfaction", "sat_overall",
                                     highlight="桥东区")
    ax = fig.axes[0]
    label = next(t for t in ax.get_yticklabels() if t.get_text() == "桥东区")
    assert label.get_color() == charts.HIGHLIGHT_COLOR
    colors = {line.get_color() for line in ax.lines if line.get_marker() == "o"}
    assert colors == {charts.HIGHLIGHT_COLOR, charts.BAR_COLOR}


def test_new_kinds_save_the_same_bytes_twice(stats, stats_all, tmp_path):
    for name in ("diverging", "pyramid", "waves", "small_multiples"):
        a = charts.save_figure(all_charts(stats, stats_all)[name], tmp_path / "a", name)
        b = charts.save_figure(all_charts(stats, stats_all)[name], tmp_path / "b", name)
        assert a["png"].read_bytes() == b["png"].read_bytes(), name
        assert a["svg"].read_bytes() == b["svg"].read_bytes(), name


def test_age_pyramid_of_a_district_without_workers_is_a_placeholder(stats):
    fig = charts.age_pyramid(stats, "worker_gender_age", "没有工作者的区")
    assert any("没有工作者的区没有" in t.get_text() and "有效回答" in t.get_text() for t in fig.texts)
    from analysis.errors import SurveyError
    with pytest.raises(SurveyError, match="gender_age"):
        charts.age_pyramid(stats, "no_such_gender_age", "桥东区")


def test_district_comparison_without_any_answers_is_a_placeholder(stats_all):
    none = stats_all[stats_all["table"] != "resident_satisfaction"]
    fig = charts.district_comparison(none, "resident_satisfaction", "sat_overall", highlight="桥东区")
    assert any("没有可比较的有效回答" in t.get_text() for t in fig.texts)


@pytest.mark.parametrize("draw, table", [
    (lambda S: charts.composition_bars(S, "worker_composition", ["recruit"], "桥东区", source=SOURCE),
     "worker_composition"),
    (lambda S: charts.likert_diverging(S, "worker_satisfaction", "桥东区", source=SOURCE), "worker_satisfaction"),
    (lambda S: charts.age_pyramid(S, "worker_gender_age", "桥东区", source=SOURCE), "worker_gender_age"),
])
def test_a_chart_with_every_figure_hidden_is_left_out_of_the_document(stats, draw, table):
    """A unit of four respondents drew bar charts of nothing but “—（不公布）” marks: a chart whose
    every figure is hidden says only the table's note again, so it is a placeholder the document
    leaves out (``DistrictReport.figure`` skips ``_survey_placeholder``); one published figure keeps it."""
    hidden = stats.copy()
    mine = (hidden["table"] == table) & hidden["group"].astype(str).str.startswith("桥东区")
    hidden.loc[mine, "suppressed"] = True
    fig = draw(hidden)
    assert getattr(fig, "_survey_placeholder", False)
    assert any("均不公布，本图从略" in t.get_text() for t in fig.texts)
    assert not getattr(draw(stats), "_survey_placeholder", False)
