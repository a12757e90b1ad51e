"""Publication charts: tidy stats in, ``matplotlib.figure.Figure`` out.

Every chart reads the tidy stats table built by ``analysis.stats`` (columns ``table``, ``group``,
``variable``, ``category``, ``stat``, ``value``, ``ci_low``, ``ci_high``, ``suppressed`` …) and
prints the published ``value`` as it stands: nothing here computes or re-rounds a number, so a
bar, a table cell and a sentence cannot disagree.

Figures are built with ``matplotlib.figure.Figure`` (not pyplot), so a notebook shows a returned
figure once and nothing is left open. They are sized for a Word page (16 cm wide), carry a Chinese
title and a caption with the base and the data source, and use the Noto Sans CJK SC font shipped
inside the ``mplfonts`` package, so Chinese renders the same on every machine. ``save_figure``
writes a 300 dpi PNG and a deterministic SVG, and for every chart (:func:`paper_variant`) a
paper variant, ``paper/<name>.svg``: 8 cm wide, one panel per row, no title and no source line
(the caption carries them), its text editable.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import matplotlib
import matplotlib.patches
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import font_manager
from matplotlib.figure import Figure

from analysis.config import ALPHA, MIN_CELL, POOLED_GROUP
from analysis.errors import SurveyError
from analysis.fileio import atomic_path, write_bytes
from analysis.publish.tables import PERCENT_STATS

PAGE_WIDTH_IN = 16 / 2.54            # text width of an A4 page with 2.5 cm margins
PAPER_WIDTH_IN = 8 / 2.54            # one column of a journal page: the paper variant's width
PAPER_RC = {"font.size": 7.5, "axes.titlesize": 8, "axes.labelsize": 7.5, "xtick.labelsize": 7.5,
            "ytick.labelsize": 7.5, "legend.fontsize": 7, "svg.fonttype": "none"}
PAPER_FOLDER = "paper"               # figures/paper/<name>.svg: no title, no source, text as text
_PAPER = {"on": False}
FONT_FILE = "NotoSansCJKsc-Regular.otf"
SVG_HASHSALT = "analysis"            # fixed ids inside SVG files: same figure, same bytes
BAR_COLOR = "#3B6EA5"
POOLED_COLOR = "#B03A2E"
HIGHLIGHT_COLOR = "#D9822B"           # the report's own district among the others
HATCH = "////"                         # a suppressed cell's place, where a chart has one
CAPTION_COLOR = "0.35"
SUPPRESSED_TEXT = "—（不公布）"          # small, or hidden so that a small cell cannot be worked out
STAT_LABELS = {"top2": "满意率", "share": "占比", "mean": "平均分", "median": "中位数", "net": "净满意度"}


def _font_path() -> Path:
    return Path(str(importlib.resources.files("mplfonts") / "fonts" / FONT_FILE))


def use_house_style() -> str:
    """Apply the house style (seaborn theme, CJK font, print sizes); return the font family name.

    Safe to call repeatedly; every chart function calls it so a figure never lacks Chinese glyphs.
    """
    path = _font_path()
    if not path.exists():
        raise SurveyError(f"找不到中文字体文件 {path}",
                          fix="重新安装项目环境（make install），mplfonts 包自带该字体。")
    if not any(Path(f.fname) == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    _only_bundled_fonts(path)
    family = font_manager.FontProperties(fname=str(path)).get_name()
    sns.set_theme(style="whitegrid", context="paper")
    matplotlib.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "legend.fontsize": 8.5,
        "figure.titlesize": 12,
        "figure.dpi": 100,
        "savefig.dpi": 300,
        "svg.hashsalt": SVG_HASHSALT,
        "svg.fonttype": "path",
        "text.parse_math": False,        # a unit named 桥东$x^$区 is text, not mathtext
    })
    _show_figures_in_notebooks()
    return family


def _only_bundled_fonts(path: Path) -> None:
    """Let matplotlib choose among the bundled CJK font and its own fonts only (DejaVu, for what the
    CJK font lacks), never a font installed on this machine: a chart then looks the same on every
    machine, and a face the project does not ship (a bold CJK face) is missing on a developer's
    machine with system CJK fonts too, instead of only on a new one."""
    own = Path(matplotlib.get_data_path()).resolve()
    fm = font_manager.fontManager
    keep = [f for f in fm.ttflist if Path(f.fname) == path or Path(f.fname).resolve().is_relative_to(own)]
    if len(keep) != len(fm.ttflist):
        fm.ttflist[:] = keep
        fm.afmlist[:] = [f for f in fm.afmlist if Path(f.fname).resolve().is_relative_to(own)]
        fm._findfont_cached.cache_clear()


def _show_figures_in_notebooks(dpi: int = 130) -> None:
    """Let a notebook display a returned Figure as a PNG. Figures here are built without pyplot,
    so IPython's matplotlib integration never registers itself; register the formatter directly."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def png(fig: Figure):
        import io

        title = getattr(fig, "_survey_caption", None) or (fig._suptitle.get_text() if fig._suptitle is not None else "")
        meta = {"alt": title} if title else {}          # the HTML report's alternative text
        saved = getattr(fig, "_survey_png", None)
        if saved is not None:      # saved by save_figure: the same 300-dpi PNG, shown at screen size
            return saved, {"width": round(fig.get_figwidth() * dpi), **meta}
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        return buf.getvalue(), meta

    shell.display_formatter.formatters["image/png"].for_type(Figure, png)


# ---------------------------------------------------------------- selecting from the stats table

def _select(S: pd.DataFrame, table: str, group: str | None = None) -> pd.DataFrame:
    rows = S[S["table"] == table]
    if group is not None:
        rows = rows[rows["group"] == group]
    if rows.empty:
        where = f"表 {table}" + (f"、组 {group}" if group is not None else "")
        raise SurveyError(f"统计表中没有{where}的数据",
                          fix="检查表名和区县名是否与统计结果（stats）中的一致。")
    return rows


def no_data_figure(group: str, what: str, message: str | None = None) -> Figure:
    """A chart's place when the district has no valid answers for it: says so instead of failing."""
    fig = _new_figure(1.2)
    fig.text(0.5, 0.5, message or f"{group}没有{what}的有效回答，本图从略。", ha="center",
             va="center", color=CAPTION_COLOR)
    fig._survey_placeholder = True       # a document leaves it out (its sentence says why)
    return fig


def _variable_rows(rows: pd.DataFrame, variable: str, stat: str) -> pd.DataFrame:
    out = rows[(rows["variable"] == variable) & (rows["stat"] == stat)]
    if out.empty:
        raise SurveyError(f"统计表 {rows['table'].iloc[0]} 中没有变量 {variable} 的 {stat} 数据",
                          variable=variable, fix="检查变量名，或先在统计步骤中生成该统计量。")
    return out.sort_values("order", kind="stable")


def _what(S: pd.DataFrame, table: str) -> str:
    """What a table is about, as its title says (for a placeholder's sentence)."""
    titles = S.loc[S["table"] == table, "table_title"]
    return str(titles.iloc[0]) if len(titles) else table


def nothing_published(group: str, what: str) -> Figure:
    """A chart's place when every figure it would draw is hidden (a unit of four respondents): a
    chart of “—” marks only says the table's note again, so the document leaves it out."""
    return no_data_figure(group, what, f"{group}{what}的各项人数过少，均不公布，本图从略。")


def _all_hidden(rows: pd.DataFrame) -> bool:
    return bool(len(rows)) and bool(rows["suppressed"].astype(bool).all())


def _no_rows_for_district(S: pd.DataFrame, table: str, group: str) -> bool:
    """A table other groups have and this one has not (no valid answers of that kind: a placeholder
    figure), as opposed to a table name that does not exist (a SurveyError from ``_select``)."""
    return bool((S["table"] == table).any()) and S[(S["table"] == table) & (S["group"] == group)].empty


def _fmt_percent(value: float) -> str:
    return f"{value:.1f}%"


def _fmt_value(value: float, stat: str, scale_item: bool = False) -> str:
    """Print a published value as it stands: shares with 1 decimal; means keep their decimals,
    at least 2 for a five-point item (3.80) and 1 otherwise (48.8)."""
    if stat in PERCENT_STATS:
        return f"{value:.1f}"
    decimals = next((d for d in range(2 if scale_item else 1, 5) if round(value, d) == value), 4)
    return f"{value:.{decimals}f}"


def _base_text(rows: pd.DataFrame) -> str:
    """“N=494，有效回答”: the bases of the drawn rows, as a range when they differ."""
    shown = rows[~rows["suppressed"].astype(bool)]
    bases = sorted({int(b) for b in (rows if shown.empty else shown)["base"]})
    labels = "、".join(dict.fromkeys(rows["base_label"]))
    n = f"{bases[0]}" if len(bases) == 1 else f"{bases[0]}～{bases[-1]}"
    return f"N={n}，{labels}"


def _caption(fig: Figure, base: str, source: str, suppressed: bool) -> None:
    if _PAPER["on"]:                 # the paper's caption says it
        return
    lines = [base + ("；“—”表示不公布的数（人数少于%d人，或由其他数字可推算出这样的人数）；斜线段为不公布的几档之和"
                     % MIN_CELL if suppressed else "")]
    if source:
        lines.append(source)
    fig.supxlabel("\n".join(lines), x=0.01, ha="left", fontsize=7.5, color=CAPTION_COLOR)


def _title(fig: Figure, title: str | None, default: str) -> None:
    """``None`` gives the default title; ``""`` none (when a document captions the figure)."""
    title = default if title is None else title
    if title and not _PAPER["on"]:
        fig.suptitle(title)


def _new_figure(height_in: float) -> Figure:
    use_house_style()
    if _PAPER["on"]:
        matplotlib.rcParams.update(PAPER_RC)
        return Figure(figsize=(PAPER_WIDTH_IN, height_in), layout="constrained")
    return Figure(figsize=(PAGE_WIDTH_IN, height_in), layout="constrained")


def _legend_columns(entries: int) -> int:
    """A legend's columns: one row on a page; at most three across at 8 cm."""
    return min(entries, 3 if _PAPER["on"] else 7)


def paper_variant(chart):
    """Give the figures ``chart`` returns a paper variant: the same chart drawn again 8 cm wide,
    one panel per row, without its title and its base/source lines (a paper's caption carries
    them), for :func:`save_figure` to write as an SVG whose text stays text."""
    import functools

    @functools.wraps(chart)
    def drawn(*args, **kwargs):
        fig = chart(*args, **kwargs)
        if not _PAPER["on"] and not getattr(fig, "_survey_placeholder", False):
            fig._survey_paper = functools.partial(_draw_for_paper, chart, args, kwargs)
        return fig
    return drawn


def _draw_for_paper(chart, args, kwargs) -> Figure:
    _PAPER["on"] = True
    try:
        with matplotlib.rc_context():
            return chart(*args, **kwargs)
    finally:
        _PAPER["on"] = False


def _clean_axes(ax) -> None:
    ax.grid(False)
    ax.set_xticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    sns.despine(ax=ax, left=True, bottom=True)
    ax.tick_params(axis="y", length=0)


# ---------------------------------------------------------------- composition

@paper_variant
def composition_bars(S: pd.DataFrame, table: str, variables: list[str], group: str, *,
                     source: str = "", title: str | None = None, stat: str = "share",
                     sort: bool = False) -> Figure:
    """Small multiples of horizontal bars, one panel per variable, each bar labelled “12.8%”:
    the ``stat`` rows (``share``; a multi-select's ``case_share``), in option order or, with
    ``sort``, largest first.

    Suppressed cells get no bar (never a bar of 0) and the mark “—（不公布）”. A district
    without rows in ``table`` (no valid questionnaire of that kind) gets ``no_data_figure``.
    """
    if _no_rows_for_district(S, table, group):
        return no_data_figure(group, _what(S, table))
    rows = _select(S, table, group)
    panels = [_variable_rows(rows, v, stat) for v in variables]
    if sort:
        panels = [p.assign(_k=p["value"].where(~p["suppressed"].astype(bool), -np.inf))
                  .sort_values(["_k", "order"], ascending=[False, True], kind="stable").drop(columns="_k")
                  for p in panels]
    ncols = 1 if len(panels) <= 2 or _PAPER["on"] else 2
    grid_rows = [panels[i:i + ncols] for i in range(0, len(panels), ncols)]
    heights = [max(len(p) for p in row) for row in grid_rows]
    fig = _new_figure(sum(heights) * 0.27 + 0.35 * len(grid_rows) + 0.9)
    axes = fig.subplots(len(grid_rows), ncols, squeeze=False,
                        gridspec_kw={"height_ratios": heights})
    shown = pd.concat(panels)
    if _all_hidden(shown):
        return nothing_published(group, _what(S, table))
    xmax = shown.loc[~shown["suppressed"].astype(bool), "value"].max()
    xmax = 100.0 if pd.isna(xmax) else float(xmax)
    for ax_row, panel_row in zip(axes, grid_rows):
        slots = max(len(p) for p in panel_row)       # equal bar heights within a row of panels
        for ax, panel in zip(ax_row, panel_row):
            _draw_share_panel(ax, panel, xmax * 1.25, slots, titled=len(panels) > 1)   # one panel: the title says it
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    _title(fig, title, f"{group}{rows['table_title'].iloc[0]}")
    _caption(fig, _base_text(shown), source, bool(shown["suppressed"].any()))
    return fig


def _draw_share_panel(ax, panel: pd.DataFrame, xlim: float, slots: int, titled: bool = True) -> None:
    labels = list(panel["category_label"])
    y = np.arange(len(panel))
    for yi, (_, row) in zip(y, panel.iterrows()):
        if row["suppressed"]:
            ax.text(0.5, yi, SUPPRESSED_TEXT, va="center", ha="left", color=CAPTION_COLOR)
            continue
        ax.barh(yi, row["value"], color=BAR_COLOR, height=0.65)
        ax.text(row["value"] + xlim * 0.015, yi, _fmt_percent(row["value"]), va="center")
    ax.set_yticks(y, labels)
    ax.set_ylim(max(slots, len(panel)) - 0.5, -0.5)   # first category on top, equal bar heights
    ax.set_xlim(0, xlim)
    if titled:
        ax.set_title(panel["variable_label"].iloc[0], loc="left")
    _clean_axes(ax)


# ---------------------------------------------------------------- Likert items

@paper_variant
def likert_stacked(S: pd.DataFrame, table: str, group: str, *,
                   source: str = "", title: str | None = None) -> Figure:
    """100% stacked bars, one per rating item (any number of points), sorted by 满意率 (top2), best on top.

    Segments of 5% and more carry their value; the 满意率 is printed right of each bar.
    A suppressed segment is not drawn (the bar then stops short and ends with “—”). A district
    without rows in ``table`` gets ``no_data_figure``.
    """
    if _no_rows_for_district(S, table, group):
        return no_data_figure(group, _what(S, table))
    rows, items, shares = _items_by(S, table, group, "top2", "满意率（top2）数据，不能画满意度图",
                                    "换用五级量表的满意度统计表。")
    labels = shares.drop_duplicates("category").set_index("category")["category_label"]
    order = sorted(labels.index, key=float, reverse=True)       # best answer first, any number of points
    categories = labels.reindex(order)
    colors = list(sns.color_palette("RdBu", len(order)))[::-1]
    if len(order) % 2:
        colors[len(order) // 2] = (0.80, 0.80, 0.80)            # the middle answer of an odd scale

    fig = _new_figure(0.36 * len(items) + 1.7)
    ax = fig.subplots()
    any_suppressed = False
    for yi, (_, item) in enumerate(items.iterrows()):
        cells = shares[shares["variable"] == item["variable"]].set_index("category")
        any_suppressed |= _draw_likert_row(ax, yi, cells, colors, order)
        mark = SUPPRESSED_TEXT if item["suppressed"] else _fmt_percent(item["value"])
        ax.text(105, yi, mark, va="center", ha="left")
    ax.text(105, -0.75, "满意率", va="bottom", ha="left", color=CAPTION_COLOR, fontsize=8)
    ax.set_yticks(range(len(items)), list(items["variable_label"]))
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    _clean_axes(ax)
    handles = [matplotlib.patches.Patch(color=c, label=str(lbl))
               for c, lbl in zip(colors, categories.fillna(""))]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=_legend_columns(len(order)),
              frameon=False, handlelength=1.2, columnspacing=1.6)
    _title(fig, title, f"{group}{rows['table_title'].iloc[0]}")
    _caption(fig, _base_text(items), source,
             any_suppressed or bool(items["suppressed"].any()))
    return fig


def _items_by(S: pd.DataFrame, table: str, group: str, stat: str, missing: str,
              fix: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A Likert chart's rows of ``table`` for ``group``: all of them, the items' ``stat`` rows best
    first (suppressed last, then questionnaire order), and the answer shares. Without ``stat``
    rows: SurveyError “统计表 … 中没有 {missing}”."""
    rows = _select(S, table, group)
    items = rows[rows["stat"] == stat].copy()
    if items.empty:
        raise SurveyError(f"统计表 {table} 中没有{missing}", fix=fix)
    items["sort_key"] = items["value"].where(~items["suppressed"].astype(bool), -np.inf)
    items = items.sort_values(["sort_key", "order"], ascending=[False, True], kind="stable")
    return rows, items, rows[rows["stat"] == "share"]


def _draw_likert_row(ax, yi: int, cells: pd.DataFrame, colors, order: list[str]) -> bool:
    """Draw one item's segments (``order``: the answers best first); return whether any was suppressed."""
    left, suppressed = 0.0, False
    for code, color in zip(order, colors):
        if code not in cells.index:
            continue
        cell = cells.loc[code]
        if cell["suppressed"]:
            suppressed = True
            continue
        value = float(cell["value"])
        ax.barh(yi, value, left=left, color=color, height=0.7, edgecolor="white", linewidth=0.6)
        if value >= 5:
            dark = code in ("5", "1")
            ax.text(left + value / 2, yi, f"{value:.1f}", ha="center", va="center",
                    fontsize=7.5, color="white" if dark else "0.1")
        left += value
    if suppressed and left > 0:
        ax.text(left + 0.8, yi, "—", va="center", ha="left", color=CAPTION_COLOR)
    elif suppressed:
        ax.text(0.5, yi, SUPPRESSED_TEXT, va="center", ha="left", color=CAPTION_COLOR)
    return suppressed


# ---------------------------------------------------------------- districts side by side

@paper_variant
def district_comparison(S_all: pd.DataFrame, table: str, variable: str, stat: str = "top2", *,
                        category: str | None = None, source: str = "",
                        title: str | None = None, highlight: str | None = None,
                        unit_label: str = "区县") -> Figure:
    """One row per district: a dot at the value with its 95% CI as whiskers, best on top.
    ``unit_label`` is the unit's own word in titles and notes (区县, 学校, 街道 …).

    ``S_all`` is the concatenation of several districts' stats; the pooled group (全部区县),
    when present, is drawn as a dashed reference line rather than a dot. ``category`` picks
    the answer for ``stat="share"``. ``highlight`` (the report's district) is drawn in the accent
    colour, its name in that colour too.
    """
    if S_all.empty or not (S_all["table"] == table).any():   # no unit has valid answers of that kind
        return no_data_figure("", "", "没有可比较的有效回答，本图从略。")
    rows = _select(S_all, table)
    scale_item = bool(((rows["variable"] == variable) & (rows["stat"] == "top2")).any())
    rows = rows[(rows["variable"] == variable) & (rows["stat"] == stat)]
    if category is not None:
        rows = rows[rows["category"] == category]
    if rows.empty or rows.duplicated("group").any():
        raise SurveyError(f"表 {table} 中变量 {variable} 的 {stat} 不是每个区县恰好一行",
                          variable=variable,
                          fix="检查变量名和统计量；统计量为 share 时用 category 指定类别。")
    pooled = rows[rows["group"] == POOLED_GROUP]
    districts = rows[rows["group"] != POOLED_GROUP].copy()
    districts["sort_key"] = districts["value"].where(~districts["suppressed"].astype(bool),
                                                     -np.inf)
    districts = districts.sort_values(["sort_key", "group"], ascending=[False, True],
                                      kind="stable")
    percent = stat in PERCENT_STATS
    shown = districts[~districts["suppressed"].astype(bool)]
    span = _value_span(pd.concat([shown, pooled]), percent)
    total = len(districts)
    districts, gaps, unlisted = _rows_to_draw(districts, highlight)
    fig = _new_figure(0.32 * len(districts) + 1.5)
    ax = fig.subplots()
    for yi, (_, row) in enumerate(districts.iterrows()):
        if yi in gaps:
            ax.text(sum(span) / 2, yi, f"⋯ 另有 {gaps[yi]} 个{unit_label} ⋯", va="center", ha="center",
                    color=CAPTION_COLOR, fontsize=8)
            continue
        if row["suppressed"]:
            ax.text(span[0], yi, SUPPRESSED_TEXT, va="center", ha="left", color=CAPTION_COLOR)
            continue
        _draw_dot(ax, yi, row, _fmt_value(float(row["value"]), stat, scale_item), span,
                  HIGHLIGHT_COLOR if row["group"] == highlight else BAR_COLOR)
    if not pooled.empty and not pooled["suppressed"].iloc[0]:
        value = float(pooled["value"].iloc[0])
        ax.axvline(value, color=POOLED_COLOR, linestyle="--", linewidth=1)
        ax.text(value, -0.7, f"全部{unit_label} {_fmt_value(value, stat, scale_item)}",
                color=POOLED_COLOR, ha="center", va="bottom", fontsize=8,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    names = ["" if yi in gaps else (f"{g}（第{int(r)}名）" if total > MAX_DOT_ROWS and r > 0 else g)
             for yi, (g, r) in enumerate(zip(districts["group"], districts["rank"]))]
    ax.set_yticks(range(len(districts)), names)
    for label, group in zip(ax.get_yticklabels(), districts["group"]):
        if group == highlight:
            label.set_color(HIGHLIGHT_COLOR)
    ax.set_ylim(len(districts) - 0.5, -1.2)
    ax.set_xlim(*span)
    what = rows["variable_label"].iloc[0] + (rows["category_label"].iloc[0] if category else "")
    measure = _measure_name(what, stat)
    ax.set_xlabel(measure + ("（%）" if percent else "") + "，线段为95%置信区间")
    ax.grid(axis="y", visible=False)
    sns.despine(ax=ax, left=True)
    ax.tick_params(axis="y", length=0)
    _title(fig, title, f"各{unit_label}{measure}比较")
    base = _base_text(districts.iloc[[yi for yi in range(len(districts)) if yi not in gaps]])
    if gaps:
        base = (f"共{total}个{unit_label}，列出前{DOT_ENDS}名、后{DOT_ENDS}名" + (f"及本{unit_label}前后" if highlight else "")
                + (f"，另有{unlisted}个{unit_label}样本过少、未列出" if unlisted else "") + "；" + base)
    _caption(fig, base, source, bool(districts["suppressed"].any()))
    return fig


MAX_PANELS = 36         # small multiples beyond this many districts are no longer readable on a page
MAX_DOT_ROWS = 30        # more districts than this (a national survey): the ends and the report's own
DOT_ENDS = 10


def _rows_to_draw(districts: pd.DataFrame, highlight: str | None) -> tuple[pd.DataFrame, dict[int, int], int]:
    """All districts (sorted, best first) when they fit on a page; else, of those with a published
    value, the first and last ``DOT_ENDS``, the highlighted district with two on either side, and
    one gap row (a copy of its neighbour, not drawn) for each run left out: ``{row position:
    districts left out}``; and how many suppressed districts were not listed."""
    # rank among published values, ties sharing the better rank (1, 2, 2, 4); suppressed: none (0)
    published = ~districts["suppressed"].astype(bool)
    rank = districts["value"].where(published).rank(method="min", ascending=False)
    districts = districts.assign(rank=rank.fillna(0).astype(int))
    if len(districts) <= MAX_DOT_ROWS:
        return districts, {}, 0
    # too many to list: the suppressed ones (no value, no rank) are counted in the caption instead
    listed = published | (districts["group"] == highlight)
    unlisted = int((~listed).sum())
    districts = districts[listed]
    n = len(districts)
    keep = set(range(DOT_ENDS)) | set(range(n - DOT_ENDS, n))
    if highlight is not None and (districts["group"] == highlight).any():
        at = int(np.flatnonzero(districts["group"].to_numpy() == highlight)[0])
        keep |= set(range(max(0, at - 2), min(n, at + 3)))
    order, gaps, previous = [], {}, -1
    for i in sorted(keep):
        if i > previous + 1:
            gaps[len(order)] = i - previous - 1
            order.append(i)               # placeholder row: the next kept district's data, not drawn
        order.append(i)
        previous = i
    return districts.iloc[order], gaps, unlisted


def _measure_name(what: str, stat: str) -> str:
    """“总体满意度” + top2 → “总体满意率” (not “总体满意度满意率”); otherwise label + statistic."""
    if stat == "top2" and what.endswith("满意度"):
        return what[:-1] + "率"
    return what + STAT_LABELS.get(stat, stat)


def _value_span(rows: pd.DataFrame, percent: bool) -> tuple[float, float]:
    """x range covering every value and CI end, padded for the value labels."""
    ends = pd.concat([rows["value"], rows["ci_low"], rows["ci_high"]]).dropna()
    if ends.empty:
        return (0.0, 100.0) if percent else (0.0, 1.0)
    low, high = float(ends.min()), float(ends.max())
    pad = max(high - low, 1.0 if percent else 0.05 * abs(high) + 1e-9) * 0.12
    low, high = low - pad, high + pad * 1.8
    if percent:
        low, high = max(low, 0.0), min(high, 108.0)
    return low, high


def _draw_dot(ax, yi: int, row: pd.Series, label: str, span: tuple[float, float],
              color: str = BAR_COLOR, size: float = 6, fontsize: float = 8) -> None:
    value = float(row["value"])
    has_ci = pd.notna(row["ci_low"]) and pd.notna(row["ci_high"])
    if has_ci:
        ax.plot([row["ci_low"], row["ci_high"]], [yi, yi], color=color, linewidth=1.4,
                solid_capstyle="butt")
    ax.plot(value, yi, "o", color=color, markersize=size)
    right = float(row["ci_high"]) if has_ci else value
    if label:
        ax.text(right + (span[1] - span[0]) * 0.012, yi, label, va="center", fontsize=fontsize)


# ---------------------------------------------------------------- diverging Likert bars

def diverging_sides(codes: list[str]) -> tuple[list[str], str | None, list[str]]:
    """A scale's answers split for a diverging bar (higher codes are the better answers): the lower
    half left of zero from the middle outward, the middle answer of an odd scale centred on zero,
    the upper half right of zero outward. Five points: (["2", "1"], "3", ["4", "5"]); four:
    (["2", "1"], None, ["3", "4"]); seven: (["3", "2", "1"], "4", ["5", "6", "7"])."""
    ordered = sorted(codes, key=lambda c: float(c))
    half = len(ordered) // 2
    neutral = ordered[half] if len(ordered) % 2 else None
    return ordered[:half][::-1], neutral, ordered[len(ordered) - half:]


@paper_variant
def likert_diverging(S: pd.DataFrame, table: str, group: str, *,
                     source: str = "", title: str | None = None) -> Figure:
    """Diverging stacked bars, one per five-point item: the negative answers left of zero, the
    neutral answer centred on it, the positive answers right; items sorted by net satisfaction
    (the ``net`` rows of the stats table: 满意率 − 不满意率), best on top, the net printed right.

    A suppressed answer is not drawn (its place would be a guess); the item's bar carries “—” on
    that side and the caption says why. A district without rows in ``table`` gets ``no_data_figure``.
    """
    if _no_rows_for_district(S, table, group):
        return no_data_figure(group, _what(S, table))
    rows, items, shares = _items_by(S, table, group, "net", "净满意度（net）数据，不能画分向满意度图",
                                    "用 analysis.stats.likert 重新生成该表（它给出 net 行）。")
    if _all_hidden(rows[rows["stat"].isin(["share", "top2", "net", "mean"])]):    # not even a hatched sum
        return nothing_published(group, _what(S, table))
    labels = shares.drop_duplicates("category").set_index("category")["category_label"]
    left, neutral, right = diverging_sides([str(c) for c in labels.index])
    palette = list(sns.color_palette("RdBu", 2 * len(left) + 1))   # red (worst) … blue (best)
    colors = {c: palette[i] for i, c in enumerate(left[::-1])}
    colors.update({c: palette[len(left) + 1 + i] for i, c in enumerate(right)})
    if neutral is not None:
        colors[neutral] = (0.80, 0.80, 0.80)
    sides = (left, neutral, right)

    fig = _new_figure(0.36 * len(items) + 1.8)
    ax = fig.subplots()
    any_suppressed, reach = False, [10.0, 10.0]
    for yi, (_, item) in enumerate(items.iterrows()):
        cells = shares[shares["variable"] == item["variable"]].set_index("category")
        to_left, to_right, hidden = _draw_diverging_row(ax, yi, cells, colors, sides,
                                                        _side_totals(rows, item["variable"], sides))
        reach = [max(reach[0], to_left), max(reach[1], to_right)]
        any_suppressed |= hidden
    left_end = float(np.ceil(reach[0] / 10 + 0.3) * 10)       # each side as far as it reaches,
    limit = float(np.ceil(reach[1] / 10 + 0.3) * 10)          # with a little air
    for yi, (_, item) in enumerate(items.iterrows()):
        value = float(item["value"])
        mark = "—" if item["suppressed"] else f"{value:+.1f}" if value else "0.0"
        ax.text(limit * 1.04, yi, mark, va="center", ha="left", fontsize=8.5)
    ax.text(limit * 1.04, -0.75, "净满意度", va="bottom", ha="left", color=CAPTION_COLOR, fontsize=8)
    ax.axvline(0, color="0.3", linewidth=0.8, zorder=0.5)      # behind the bars and their labels
    ax.set_xlim(-left_end, limit)
    _symmetric_ticks(ax, left_end, limit)
    ax.set_yticks(range(len(items)), list(items["variable_label"]))
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.set_xlabel("占比（%）：左为负面评价，" + ("中间为中立，" if neutral is not None else "") + "右为正面评价")
    ax.grid(axis="y", visible=False)
    sns.despine(ax=ax, left=True)
    ax.tick_params(axis="y", length=0)
    order = [*left[::-1], *([neutral] if neutral is not None else []), *right]
    handles = [matplotlib.patches.Patch(color=colors[c], label=str(labels.get(c, "")))
               for c in order]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=_legend_columns(len(order)),
              frameon=False, handlelength=1.2, columnspacing=1.6)
    _title(fig, title, f"{group}{rows['table_title'].iloc[0]}（按净满意度排序）")
    base = _base_text(items)
    _caption(fig, base + "；净满意度＝满意率－不满意率（百分点）", source,
             any_suppressed or bool(items["suppressed"].any()))
    return fig


def _symmetric_ticks(ax, left: float, right: float) -> None:
    """Ticks at 0 and every 10 (or 20) points either side, labelled without a sign."""
    step = 20 if max(left, right) > 50 else 10
    ticks = np.concatenate([-np.arange(0, left + 0.01, step)[:0:-1], np.arange(0, right + 0.01, step)])
    ax.set_xticks(ticks, [f"{abs(t):.0f}" for t in ticks])


def _side_totals(rows: pd.DataFrame, variable: str, sides) -> tuple[float | None, float | None]:
    """The published share of each side of an item, where the stats table gives it: the right side
    is the top box when it holds as many answers (``top2``), the left side the as many lowest
    answers (``top2`` − ``net``). None where it is hidden or not a side's sum."""
    mine = rows[(rows["variable"] == variable) & ~rows["suppressed"].astype(bool)].set_index("stat")
    left_codes, _, right_codes = sides
    top = mine.loc["top2"] if "top2" in mine.index else None
    if top is None or len(str(top["category_label"]).split("＋")) != len(right_codes):
        return None, None
    right = float(top["value"])
    left = round(right - float(mine.loc["net", "value"]), 1) \
        if "net" in mine.index and len(left_codes) == len(right_codes) else None
    return left, right


def _draw_diverging_row(ax, yi: int, cells: pd.DataFrame, colors, sides,
                        totals: tuple[float | None, float | None] = (None, None)) -> tuple[float, float, bool]:
    """One item's segments; return how far it reaches left and right and whether any is hidden.
    Hidden answers of a side whose total is published (``totals``: the top box, the bottom box) are
    drawn together as one hatched segment of their sum, so a chart never shows a hidden part of a
    published figure as nothing; otherwise the side ends with “—”."""
    left_codes, neutral_code, right_codes = sides
    def known(code):
        if code not in cells.index or bool(cells.loc[code, "suppressed"]):
            return None
        return float(cells.loc[code, "value"])

    hidden = any(bool(cells.loc[c, "suppressed"]) for c in cells.index
                 if c in (neutral_code, *left_codes, *right_codes))
    neutral = known(neutral_code) if neutral_code is not None else None
    half = neutral / 2 if neutral is not None else 0.0
    if neutral is not None:
        _segment(ax, yi, -half, neutral, colors[neutral_code], dark=False)
    elif neutral_code is not None:
        ax.text(0, yi, "—", ha="center", va="center", color=CAPTION_COLOR)
    ends = []
    outer = {left_codes[-1], right_codes[-1]} if left_codes else set()
    for codes, sign, total in ((left_codes, -1, totals[0]), (right_codes, 1, totals[1])):
        edge, side_hidden, shown = half, False, 0.0
        for code in codes:                         # from zero outward
            value = known(code)
            if value is None:
                side_hidden |= code in cells.index
                continue
            start = edge if sign > 0 else -edge - value
            _segment(ax, yi, start, value, colors[code], dark=code in outer)
            edge += value
            shown += value
        rest = None if total is None else round(total - shown, 1)
        if side_hidden and rest is not None and rest > 0:
            start = edge if sign > 0 else -edge - rest
            ax.barh(yi, rest, left=start, color=colors[codes[-1]], height=0.7, edgecolor="white",
                    linewidth=0.6, hatch=HATCH, alpha=0.55)
            edge += rest
        elif side_hidden:
            ax.text(sign * (edge + 1.0), yi, "—", va="center", ha="left" if sign > 0 else "right",
                    color=CAPTION_COLOR)
            edge += 5.0
        ends.append(edge)
    return ends[0], ends[1], hidden


def _segment(ax, yi: int, left: float, width: float, color, dark: bool) -> None:
    ax.barh(yi, width, left=left, color=color, height=0.7, edgecolor="white", linewidth=0.6)
    if width >= 5:
        ax.text(left + width / 2, yi, f"{width:.1f}", ha="center", va="center", fontsize=7.5,
                color="white" if dark else "0.1")


# ---------------------------------------------------------------- age pyramid

@paper_variant
def age_pyramid(S: pd.DataFrame, table: str, group: str, *, source: str = "",
                title: str | None = None, variable: str | None = None) -> Figure:
    """Gender × age band as a pyramid: the first gender left, the second right, the youngest band
    at the bottom; each bar is the band's share within its gender (the crosstab rows of
    ``stats.district_stats``, groups “桥东区·男”, “桥东区·女”), labelled with its published value.

    A suppressed cell gets a hatched, outlined stub with “—” instead of a bar, never a bar of 0.
    """
    if not (S["table"] == table).any():
        raise SurveyError(f"统计表中没有表 {table}", fix="检查表名（按性别的分组表，如 <问卷>_by_<性别变量>）。")
    rows = S[(S["table"] == table) & S["group"].astype(str).str.startswith(f"{group}·")
             & (S["stat"] == "share")]
    if variable is not None:
        rows = rows[rows["variable"] == variable]
    sides = list(dict.fromkeys(rows["group"]))
    if len(sides) != 2:
        if S[(S["table"] == table) & (S["group"] == group)].empty and not len(sides):
            return no_data_figure(group, _what(S, table))     # no valid questionnaire of that kind
        raise SurveyError(f"表 {table} 中{group}的性别分组不是两组（{'、'.join(sides) or '没有'}），"
                          "不能画年龄金字塔", fix="年龄金字塔需要按性别（两类）分组的年龄段分布。")
    panels = [rows[rows["group"] == g].sort_values("order", kind="stable") for g in sides]
    bands = list(panels[0]["category_label"])
    if _all_hidden(rows):
        return nothing_published(group, _what(S, table))
    shown = rows[~rows["suppressed"].astype(bool)]
    top = float(shown["value"].max()) if len(shown) else 50.0
    limit = top * 1.3 + 4
    fig = _new_figure(0.42 * len(bands) + 1.7)
    ax = fig.subplots()
    colors = (BAR_COLOR, "#C0504D")
    for sign, panel, color in zip((-1, 1), panels, colors):
        for _, row in panel.iterrows():
            yi = bands.index(row["category_label"])
            if row["suppressed"]:
                ax.barh(yi, sign * limit * 0.08, color="white", edgecolor=CAPTION_COLOR,
                        hatch=HATCH, linewidth=0.6, height=0.7)
                ax.text(sign * limit * 0.1, yi, "—", va="center",
                        ha="left" if sign > 0 else "right", color=CAPTION_COLOR)
                continue
            value = float(row["value"])
            ax.barh(yi, sign * value, color=color, height=0.7)
            ax.text(sign * (value + limit * 0.015), yi, _fmt_percent(value), va="center",
                    ha="left" if sign > 0 else "right", fontsize=8)
        name = str(panel["group"].iloc[0]).split("·", 1)[1]
        n = int(panel["base"].iloc[0])
        ax.text(sign * limit * 0.5, len(bands) - 0.35, f"{name}（{n}人）", ha="center",
                va="bottom", color=color)
    ax.axvline(0, color="0.3", linewidth=0.8, zorder=0.5)
    ax.set_xlim(-limit, limit)
    _symmetric_ticks(ax, limit, limit)
    ax.set_yticks(range(len(bands)), bands)
    ax.set_ylim(-0.6, len(bands) + 0.2)
    ax.set_xlabel("占该性别人数的百分比（%）")
    ax.grid(axis="y", visible=False)
    sns.despine(ax=ax, left=True)
    ax.tick_params(axis="y", length=0)
    what = S.loc[S["table"] == table, "table_title"].iloc[0]
    _title(fig, title, f"{group}{what}")
    bases = "，".join(f"{str(p['group'].iloc[0]).split('·', 1)[1]}N={int(p['base'].iloc[0])}"
                     for p in panels)
    _caption(fig, f"{bases}，{panels[0]['base_label'].iloc[0]}；占比为各性别内部的构成", source,
             bool(rows["suppressed"].any()))
    return fig


# ---------------------------------------------------------------- change between waves

SIGNIFICANT_MARK = "＊"


@paper_variant
def wave_change_chart(S: pd.DataFrame, group: str, table: str, stat: str = "top2", *, source: str = "", title: str | None = None) -> Figure:
    """Dumbbells from the earlier wave (open circle) to this one (filled, with an arrow), one per
    headline figure of ``table`` and ``stat`` in the ``wave_change`` rows of ``analysis.stats.waves``.

    The change is marked “＊” only where the table's ``p`` row is below ``config.ALPHA``; a figure
    with no test (a headcount) or a suppressed figure in either wave gets no mark, the latter “—”.
    A district without wave_change rows (no earlier wave) gets ``no_data_figure``.
    """
    rows = S[(S["table"] == "wave_change") & (S["group"] == group)]
    prefix, suffix = f"{table}:", f":{stat}"
    rows = rows[rows["category"].astype(str).str.startswith(prefix)
                & rows["category"].astype(str).str.endswith(suffix)]
    if rows.empty:
        return no_data_figure(group, "", f"{group}没有可比较的上一轮调查数据，本图从略。")
    items = []
    for category, r in rows.groupby(["variable", "category"], sort=False):
        by = r.set_index("stat")
        if not {"before", "now"} <= set(by.index):
            continue
        items.append((category, by))
    items.sort(key=lambda it: (bool(it[1].loc["now", "suppressed"]),
                               -float(it[1].loc["now", "value"]) if not it[1].loc["now", "suppressed"]
                               else 0.0, float(it[1].loc["now", "order"])))
    percent = stat in PERCENT_STATS
    shown = [b for _, b in items if not b.loc["now", "suppressed"]]
    values = [float(b.loc[s, "value"]) for b in shown for s in ("before", "now")]
    span = _value_span(pd.DataFrame({"value": values, "ci_low": np.nan, "ci_high": np.nan}),
                       percent) if values else (0.0, 100.0)
    pad = (span[1] - span[0]) * 0.08
    span = (max(span[0] - pad, 0.0) if percent else span[0] - pad, span[1] + pad)
    fig = _new_figure(0.36 * len(items) + 1.7)
    ax = fig.subplots()
    any_hidden, any_mark = False, False
    for yi, (_, by) in enumerate(items):
        before, now = by.loc["before"], by.loc["now"]
        if bool(now["suppressed"]) or bool(before["suppressed"]):
            any_hidden = True
            ax.text(span[0], yi, SUPPRESSED_TEXT, va="center", ha="left", color=CAPTION_COLOR)
            continue
        b, n = float(before["value"]), float(now["value"])
        ax.annotate("", xy=(n, yi), xytext=(b, yi),
                    arrowprops={"arrowstyle": "-|>", "color": "0.45", "linewidth": 1.2,
                                "shrinkA": 4, "shrinkB": 5, "mutation_scale": 9})
        ax.plot(b, yi, "o", markerfacecolor="white", markeredgecolor=BAR_COLOR, markersize=6)
        ax.plot(n, yi, "o", color=BAR_COLOR, markersize=6)
        p = by["value"].get("p") if "p" in by.index and not bool(by.loc["p", "suppressed"]) else None
        mark = ""
        if p is not None and pd.notna(p) and float(p) < ALPHA:
            mark, any_mark = SIGNIFICANT_MARK, True
        off = (span[1] - span[0]) * 0.02
        if b == n:                                    # no change: one label, no arrow to speak of
            ax.text(n + off, yi, f"{_fmt_value(n, stat)}（无变化）", va="center", ha="left",
                    fontsize=7.5)
            continue
        lo_side, hi_side = (b, n) if b <= n else (n, b)
        ax.text(lo_side - off, yi, _fmt_value(b if b <= n else n, stat), va="center", ha="right",
                fontsize=7.5, color=CAPTION_COLOR if b <= n else "0.1")
        ax.text(hi_side + off, yi, _fmt_value(n if b <= n else b, stat) + (mark if b <= n else ""),
                va="center", ha="left", fontsize=7.5, color="0.1" if b <= n else CAPTION_COLOR)
        if b > n and mark:
            ax.text(lo_side - off, yi, mark, va="center", ha="left", fontsize=7.5)
    labels = [str(by.loc["now", "variable_label"]) for _, by in items]
    ax.set_yticks(range(len(items)), labels)
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.set_xlim(*span)
    waves = [_wave_name(by.loc[s, "category_label"]) for _, by in items[:1] for s in ("before", "now")]
    ax.plot([], [], "o", markerfacecolor="white", markeredgecolor=BAR_COLOR, label=waves[0] or "上一轮")
    ax.plot([], [], "o", color=BAR_COLOR, label=waves[1] or "本轮")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)
    what = STAT_LABELS.get(stat, stat)
    ax.set_xlabel(f"{what}" + ("（%）" if percent else ""))
    ax.grid(axis="y", visible=False)
    sns.despine(ax=ax, left=True)
    ax.tick_params(axis="y", length=0)
    book_title = S.loc[S["table"] == table, "table_title"]
    name = book_title.iloc[0] if len(book_title) else table
    _title(fig, title, f"{group}{name}：{what}的变化")
    base = _base_text(pd.concat([by.loc[["now"]] for _, by in items]))
    note = (f"；{SIGNIFICANT_MARK}表示两轮之差有统计学意义（p<{ALPHA:g}），未标者差异不显著"
            if any_mark else "；各项两轮之差均无统计学意义（p≥%g）" % ALPHA)
    _caption(fig, f"本轮{base}{note}", source, any_hidden)
    return fig


def _wave_name(label: str) -> str:
    """“总体满意度（2023）” → “2023”."""
    text = str(label)
    return text[text.rfind("（") + 1:-1] if text.endswith("）") and "（" in text else ""


# ---------------------------------------------------------------- small multiples

@paper_variant
def district_small_multiples(S_all: pd.DataFrame, table: str, stat: str = "top2", *,
                             source: str = "", title: str | None = None,
                             ncols: int = 3, unit_label: str = "区县") -> Figure:
    """One small panel per district on the same axes: each rating item's value with its 95% CI,
    items in the same order everywhere (the pooled group's, best first), the pooled value as a
    red tick in each panel. Suppressed values are marked “—” in place."""
    rows = _select(S_all, table)
    rows = rows[rows["stat"] == stat]
    if rows.empty:
        raise SurveyError(f"表 {table} 中没有 {stat} 数据", fix="检查表名和统计量。")
    pooled = rows[rows["group"] == POOLED_GROUP].set_index("variable")
    districts = sorted(g for g in rows["group"].unique() if g != POOLED_GROUP and "·" not in g)
    firsts = rows.drop_duplicates("variable").set_index("variable")
    if len(pooled):
        key = pooled["value"].where(~pooled["suppressed"].astype(bool), -np.inf)
        variables = list(key.sort_values(ascending=False, kind="stable").index)
    else:
        variables = list(firsts.sort_values("order").index)
    labels = [str(firsts.loc[v, "variable_label"]) for v in variables]
    percent = stat in PERCENT_STATS
    span = _value_span(rows[~rows["suppressed"].astype(bool)], percent)
    span = (span[0], span[1] - (span[1] - span[0]) * 0.08)
    ncols = max(1, min(ncols, len(districts)))
    nrows = int(np.ceil(len(districts) / ncols))
    fig = _new_figure(nrows * (0.2 * len(variables) + 0.55) + 0.9)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
    hidden = False
    for ax, district in zip(axes.flat, districts):
        mine = rows[rows["group"] == district].set_index("variable")
        for yi, v in enumerate(variables):
            if v in pooled.index and not bool(pooled.loc[v, "suppressed"]):
                ax.plot(float(pooled.loc[v, "value"]), yi, "|", color=POOLED_COLOR, markersize=11,
                        markeredgewidth=1.4, zorder=4)
            if v not in mine.index:
                continue
            if bool(mine.loc[v, "suppressed"]):
                hidden = True
                ax.text(span[0] + (span[1] - span[0]) * 0.02, yi, "—", va="center",
                        color=CAPTION_COLOR)
                continue
            _draw_dot(ax, yi, mine.loc[v], "", span, size=4)
        ax.set_title(district, fontsize=9)
        ax.xaxis.set_tick_params(labelbottom=True)    # also under a panel with none below it
        ax.set_yticks(range(len(variables)), labels)
        ax.set_ylim(len(variables) - 0.5, -0.5)
        ax.set_xlim(*span)
        ax.grid(axis="y", visible=False)
        ax.tick_params(axis="y", length=0, labelsize=8)
        ax.tick_params(axis="x", labelsize=7.5)
        sns.despine(ax=ax, left=True)
    for ax in axes.flat[len(districts):]:
        ax.set_visible(False)
    what = STAT_LABELS.get(stat, stat)
    fig.supylabel("")
    _title(fig, title, f"各{unit_label}{rows['table_title'].iloc[0]}：{what}" + ("（%）" if percent else ""))
    note = f"点为各{unit_label}{what}，线段为95%置信区间，红色竖线为全部{unit_label}" if len(pooled) else \
        f"点为各{unit_label}{what}，线段为95%置信区间"
    _caption(fig, f"{_base_text(rows[rows['group'] != POOLED_GROUP])}；{note}", source, hidden)
    return fig


# ---------------------------------------------------------------- saving

PNG_COMPRESS_LEVEL = 3


def save_figure(fig: Figure, folder: str | Path, name: str) -> dict[str, Path]:
    """Write ``name.png`` (300 dpi) and ``name.svg`` into ``folder``; close the figure.

    Both are written atomically; the SVG carries no date and fixed ids, the PNG no timestamp,
    so the same figure gives the same bytes.
    """
    import io

    folder = Path(folder)
    paths = {"png": folder / f"{name}.png", "svg": folder / f"{name}.svg"}
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT}):
        # zlib level 3 instead of PIL's 6: a third less time encoding (some 0.1 s per report), files
        # about 10% larger, the same pixels
        fig.savefig(buffer, format="png", dpi=300, metadata={"Software": None},
                    pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
        write_bytes(paths["png"], buffer.getvalue())
        # the layout the PNG was drawn with, kept for the SVG: constrained layout is not run a
        # second time (a tenth of a second per chart) and both files show the same placement
        fig.set_layout_engine("none")
        with atomic_path(paths["svg"]) as tmp:
            fig.savefig(tmp, format="svg", metadata={"Date": None})
    fig._survey_png = buffer.getvalue()     # shown as is in the notebook: no third rendering
    plt.close(fig)
    redraw = getattr(fig, "_survey_paper", None)
    if redraw is not None:
        paths["paper_svg"] = save_paper_svg(redraw(), folder / PAPER_FOLDER / f"{name}.svg")
    return paths


def save_paper_svg(fig: Figure, path: Path) -> Path:
    """The paper variant as SVG with its text as text (``svg.fonttype: none``: a journal's editor
    can change a label), no date, fixed ids; the figure is closed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "none"}), atomic_path(path) as tmp:
        fig.savefig(tmp, format="svg", metadata={"Date": None})
    plt.close(fig)
    return path
