"""Publication charts: tidy stats in, ``matplotlib.figure.Figure`` out.

Every chart reads the tidy stats table built by ``analysis.stats`` (columns ``table``, ``group``,
``variable``, ``category``, ``stat``, ``value``, ``ci_low``, ``ci_high``, ``suppressed`` …) and
prints the published ``value`` as it stands: nothing here computes or re-rounds a number, so a
bar, a table cell and a sentence cannot disagree.

Figures are built with ``matplotlib.figure.Figure`` (not pyplot), so a notebook shows a returned
figure once and nothing is left open. They are sized for a Word page (16 cm wide), carry a Chinese
title and a caption with the base and the data source, and use the Noto Sans CJK SC font shipped
inside the ``mplfonts`` package, so Chinese renders the same on every machine. ``save_figure``
writes a 300 dpi PNG and a deterministic SVG.
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

from .config import MIN_CELL, POOLED_GROUP
from .errors import SurveyError
from .fileio import atomic_path

PAGE_WIDTH_IN = 16 / 2.54            # text width of an A4 page with 2.5 cm margins
FONT_FILE = "NotoSansCJKsc-Regular.otf"
SVG_HASHSALT = "analysis"            # fixed ids inside SVG files: same figure, same bytes
BAR_COLOR = "#3B6EA5"
POOLED_COLOR = "#B03A2E"
CAPTION_COLOR = "0.35"
SUPPRESSED_TEXT = "—（样本过少）"
LIKERT_ORDER = ["5", "4", "3", "2", "1"]   # 非常满意 … 很不满意, drawn left to right
STAT_LABELS = {"top2": "满意率", "share": "占比", "mean": "平均分", "median": "中位数"}
PERCENT_STATS = {"top2", "share"}


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
    })
    _show_figures_in_notebooks()
    return family


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

    def png(fig: Figure) -> bytes:
        import io

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()

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


def no_data_figure(group: str, what: str) -> Figure:
    """A chart's place when the district has no valid answers for it: says so instead of failing."""
    fig = _new_figure(1.2)
    fig.text(0.5, 0.5, f"{group}没有{what}的有效回答，本图从略。", ha="center", va="center",
             color=CAPTION_COLOR)
    return fig


def _variable_rows(rows: pd.DataFrame, variable: str, stat: str) -> pd.DataFrame:
    out = rows[(rows["variable"] == variable) & (rows["stat"] == stat)]
    if out.empty:
        raise SurveyError(f"统计表 {rows['table'].iloc[0]} 中没有变量 {variable} 的 {stat} 数据",
                          variable=variable, fix="检查变量名，或先在统计步骤中生成该统计量。")
    return out.sort_values("order", kind="stable")


_INSTRUMENT_WORDS = {"worker": "社区工作者问卷", "resident": "居民问卷", "community": "社区统计表"}


def _what(table: str) -> str:
    return _INSTRUMENT_WORDS[table.split("_")[0]]


def _no_rows_for_district(S: pd.DataFrame, table: str, group: str) -> bool:
    """A questionnaire's table the district has no valid answers for (a placeholder figure), as
    opposed to a table name that does not exist (a SurveyError from ``_select``)."""
    return table.split("_")[0] in _INSTRUMENT_WORDS and S[(S["table"] == table) & (S["group"] == group)].empty


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
    lines = [base + ("；“—”表示样本过少（少于%d人），不予显示" % MIN_CELL if suppressed else "")]
    if source:
        lines.append(source)
    fig.supxlabel("\n".join(lines), x=0.01, ha="left", fontsize=7.5, color=CAPTION_COLOR)


def _title(fig: Figure, title: str | None, default: str) -> None:
    """``None`` gives the default title; ``""`` none (when a document captions the figure)."""
    title = default if title is None else title
    if title:
        fig.suptitle(title)


def _new_figure(height_in: float) -> Figure:
    use_house_style()
    return Figure(figsize=(PAGE_WIDTH_IN, height_in), layout="constrained")


def _clean_axes(ax) -> None:
    ax.grid(False)
    ax.set_xticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    sns.despine(ax=ax, left=True, bottom=True)
    ax.tick_params(axis="y", length=0)


# ---------------------------------------------------------------- composition

def composition_bars(S: pd.DataFrame, table: str, variables: list[str], group: str, *,
                     source: str = "", title: str | None = None) -> Figure:
    """Small multiples of horizontal bars, one panel per variable, each bar labelled “12.8%”.

    Suppressed cells get no bar (never a bar of 0) and the mark “—（样本过少）”. A district
    without rows in ``table`` (no valid questionnaire of that kind) gets ``no_data_figure``.
    """
    if _no_rows_for_district(S, table, group):
        return no_data_figure(group, _what(table))
    rows = _select(S, table, group)
    panels = [_variable_rows(rows, v, "share") for v in variables]
    ncols = 1 if len(panels) <= 2 else 2
    grid_rows = [panels[i:i + ncols] for i in range(0, len(panels), ncols)]
    heights = [max(len(p) for p in row) for row in grid_rows]
    fig = _new_figure(sum(heights) * 0.27 + 0.35 * len(grid_rows) + 0.9)
    axes = fig.subplots(len(grid_rows), ncols, squeeze=False,
                        gridspec_kw={"height_ratios": heights})
    shown = pd.concat(panels)
    xmax = shown.loc[~shown["suppressed"].astype(bool), "value"].max()
    xmax = 100.0 if pd.isna(xmax) else float(xmax)
    for ax_row, panel_row in zip(axes, grid_rows):
        slots = max(len(p) for p in panel_row)       # equal bar heights within a row of panels
        for ax, panel in zip(ax_row, panel_row):
            _draw_share_panel(ax, panel, xmax * 1.25, slots)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    _title(fig, title, f"{group}{rows['table_title'].iloc[0]}")
    _caption(fig, _base_text(shown), source, bool(shown["suppressed"].any()))
    return fig


def _draw_share_panel(ax, panel: pd.DataFrame, xlim: float, slots: int) -> None:
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
    ax.set_title(panel["variable_label"].iloc[0], loc="left", fontweight="bold")
    _clean_axes(ax)


# ---------------------------------------------------------------- Likert items

def likert_stacked(S: pd.DataFrame, table: str, group: str, *,
                   source: str = "", title: str | None = None) -> Figure:
    """100% stacked bars, one per five-point item, sorted by 满意率 (top2), best on top.

    Segments of 5% and more carry their value; the 满意率 is printed right of each bar.
    A suppressed segment is not drawn (the bar then stops short and ends with “—”). A district
    without rows in ``table`` gets ``no_data_figure``.
    """
    if _no_rows_for_district(S, table, group):
        return no_data_figure(group, _what(table))
    rows = _select(S, table, group)
    top2 = rows[rows["stat"] == "top2"].copy()
    if top2.empty:
        raise SurveyError(f"统计表 {table} 中没有满意率（top2）数据，不能画满意度图",
                          fix="换用五级量表的满意度统计表。")
    top2["sort_key"] = top2["value"].where(~top2["suppressed"].astype(bool), -1.0)
    items = top2.sort_values(["sort_key", "order"], ascending=[False, True], kind="stable")
    shares = rows[rows["stat"] == "share"]
    categories = (shares.drop_duplicates("category").set_index("category")
                  .reindex(LIKERT_ORDER)["category_label"])
    colors = list(sns.color_palette("RdBu", 5))[::-1]
    colors[2] = (0.80, 0.80, 0.80)

    fig = _new_figure(0.36 * len(items) + 1.7)
    ax = fig.subplots()
    any_suppressed = False
    for yi, (_, item) in enumerate(items.iterrows()):
        cells = shares[shares["variable"] == item["variable"]].set_index("category")
        any_suppressed |= _draw_likert_row(ax, yi, cells, colors)
        mark = SUPPRESSED_TEXT if item["suppressed"] else _fmt_percent(item["value"])
        ax.text(105, yi, mark, va="center", ha="left")
    ax.text(105, -0.75, "满意率", va="bottom", ha="left", color=CAPTION_COLOR, fontsize=8)
    ax.set_yticks(range(len(items)), list(items["variable_label"]))
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    _clean_axes(ax)
    handles = [matplotlib.patches.Patch(color=c, label=str(lbl))
               for c, lbl in zip(colors, categories.fillna(""))]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=5,
              frameon=False, handlelength=1.2, columnspacing=1.6)
    _title(fig, title, f"{group}{rows['table_title'].iloc[0]}")
    _caption(fig, _base_text(items), source,
             any_suppressed or bool(items["suppressed"].any()))
    return fig


def _draw_likert_row(ax, yi: int, cells: pd.DataFrame, colors) -> bool:
    """Draw one item's segments; return whether any segment was suppressed."""
    left, suppressed = 0.0, False
    for code, color in zip(LIKERT_ORDER, colors):
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

def district_comparison(S_all: pd.DataFrame, table: str, variable: str, stat: str = "top2", *,
                        category: str | None = None, source: str = "",
                        title: str | None = None) -> Figure:
    """One row per district: a dot at the value with its 95% CI as whiskers, best on top.

    ``S_all`` is the concatenation of several districts' stats; the pooled group (全部区县),
    when present, is drawn as a dashed reference line rather than a dot. ``category`` picks
    the answer for ``stat="share"``.
    """
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
    fig = _new_figure(0.32 * len(districts) + 1.5)
    ax = fig.subplots()
    shown = districts[~districts["suppressed"].astype(bool)]
    span = _value_span(pd.concat([shown, pooled]), percent)
    for yi, (_, row) in enumerate(districts.iterrows()):
        if row["suppressed"]:
            ax.text(span[0], yi, SUPPRESSED_TEXT, va="center", ha="left", color=CAPTION_COLOR)
            continue
        _draw_dot(ax, yi, row, _fmt_value(float(row["value"]), stat, scale_item), span)
    if not pooled.empty and not pooled["suppressed"].iloc[0]:
        value = float(pooled["value"].iloc[0])
        ax.axvline(value, color=POOLED_COLOR, linestyle="--", linewidth=1)
        ax.text(value, -0.7, f"{POOLED_GROUP} {_fmt_value(value, stat, scale_item)}",
                color=POOLED_COLOR, ha="center", va="bottom", fontsize=8,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set_yticks(range(len(districts)), list(districts["group"]))
    ax.set_ylim(len(districts) - 0.5, -1.2)
    ax.set_xlim(*span)
    what = rows["variable_label"].iloc[0] + (rows["category_label"].iloc[0] if category else "")
    ax.set_xlabel(f"{what}{STAT_LABELS.get(stat, stat)}" + ("（%）" if percent else "")
                  + "，线段为95%置信区间")
    ax.grid(axis="y", visible=False)
    sns.despine(ax=ax, left=True)
    ax.tick_params(axis="y", length=0)
    _title(fig, title, f"各区县{what}{STAT_LABELS.get(stat, stat)}比较")
    _caption(fig, _base_text(districts), source, bool(districts["suppressed"].any()))
    return fig


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


def _draw_dot(ax, yi: int, row: pd.Series, label: str, span: tuple[float, float]) -> None:
    value = float(row["value"])
    has_ci = pd.notna(row["ci_low"]) and pd.notna(row["ci_high"])
    if has_ci:
        ax.plot([row["ci_low"], row["ci_high"]], [yi, yi], color=BAR_COLOR, linewidth=1.4,
                solid_capstyle="butt")
    ax.plot(value, yi, "o", color=BAR_COLOR, markersize=6)
    right = float(row["ci_high"]) if has_ci else value
    ax.text(right + (span[1] - span[0]) * 0.012, yi, label, va="center", fontsize=8)


# ---------------------------------------------------------------- saving

def save_figure(fig: Figure, folder: str | Path, name: str) -> dict[str, Path]:
    """Write ``name.png`` (300 dpi) and ``name.svg`` into ``folder``; close the figure.

    Both are written atomically; the SVG carries no date and fixed ids, the PNG no timestamp,
    so the same figure gives the same bytes.
    """
    folder = Path(folder)
    paths = {"png": folder / f"{name}.png", "svg": folder / f"{name}.svg"}
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT}):
        with atomic_path(paths["png"]) as tmp:
            fig.savefig(tmp, format="png", dpi=300, metadata={"Software": None})
        with atomic_path(paths["svg"]) as tmp:
            fig.savefig(tmp, format="svg", metadata={"Date": None})
    plt.close(fig)
    return paths
