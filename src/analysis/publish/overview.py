"""The wave's overview page (``reports/<wave>/index.html``): every district's key figures side by
side from its ``stats.json``, ranked, with links to its reports and the overview charts.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from analysis.config import MIN_CELL, NO_DISTRICT, POOLED_GROUP, SAMPLE_NOTE
from analysis.errors import SurveyError
from analysis.fileio import write_text
from analysis.publish.tables import DASH, published_row
from analysis.publish.webfont import font_face_css


def _percent(row: pd.Series | None, with_ci: bool = False) -> str:
    if row is None:
        return DASH
    text = f"{row['value']:.1f}%"
    if with_ci and pd.notna(row["ci_low"]) and pd.notna(row["ci_high"]):
        text += f"（{row['ci_low']:.1f}～{row['ci_high']:.1f}）"
    return text


def _count(row: pd.Series | None) -> str:
    return DASH if row is None else str(int(row["value"]))


def _summary(S: pd.DataFrame, group: str, headlines: list[dict]) -> dict:
    """The overview's figures for one group, as the report plan's headlines name them
    (``publish.plan.headlines``, carried in ``stats.json``): sample sizes from the flow table,
    declared indicators, and the ranking figure with its interval."""
    cells, sort, top_label, span = [], None, None, None
    for h in headlines:
        row = published_row(S, group, h["table"], h["variable"], h["stat"] or _first_stat(S, group, h),
                            h.get("category"))
        if h["table"] == "flow":
            cells.append(_count(row))
        elif h["percent"]:
            cells.append(_percent(row, with_ci=h["rank"]))
        else:
            cells.append(DASH if row is None else f"{row['value']:g}")
        if h["rank"] and row is not None:
            sort, top_label = float(row["value"]), str(row["category_label"])
            lo, hi = row.get("ci_low"), row.get("ci_high")
            span = (float(lo), float(hi)) if pd.notna(lo) and pd.notna(hi) else (sort, sort)
    return {"cells": cells, "sort": sort, "top_label": top_label, "span": span}


def _first_stat(S: pd.DataFrame, group: str, h: dict) -> str:
    rows = S[(S["group"] == group) & (S["table"] == h["table"]) & (S["variable"] == h["variable"])]
    return str(rows["stat"].iloc[0]) if len(rows) else ""


def _unassigned_line(S: pd.DataFrame, unit_label: str = "") -> str:
    """“另有未填所在区县的问卷：居民问卷收到3份、有效2份…” from the ``（未填区县）`` flow rows."""
    rows = S[(S["table"] == "flow") & (S["group"] == NO_DISTRICT)]
    unit = unit_label or "区县"
    parts = []
    for _, r in rows.groupby("variable", sort=True):
        got = {stat: int(v["value"].iloc[0]) for stat, v in r.groupby("stat")
               if stat in ("received", "valid")}
        parts.append(f"{r['variable_label'].iloc[0]}收到{got.get('received', 0)}份、"
                     f"有效{got.get('valid', 0)}份")
    if not parts:
        return ""
    return (f"另有未填写{unit}的问卷（{NO_DISTRICT}）：{'；'.join(parts)}。"
            f"这些问卷不单独成报告，有效问卷计入“{POOLED_GROUP}”一行。")


INDEX_CSS = """
body { font-family: "Report CJK", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "SimHei", sans-serif;
       margin: 2em auto; max-width: 72em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; }
.banner { background: #fff4e5; border-left: 4px solid #e8a33d; padding: .6em 1em; }
table { border-collapse: collapse; width: 100%; margin-top: 1em; }
th, td { padding: .45em .7em; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
th { background: #eef2f7; border-top: 2px solid #333; border-bottom: 1px solid #333; }
th:nth-child(2), td:nth-child(2), td:last-child { text-align: left; }
tfoot td { border-top: 1px solid #333; font-weight: bold; }
a { color: #1f5fa8; margin-right: .8em; }
.note { color: #555; font-size: .9em; }
figure { margin: 2em 0 0; }
figure img { width: 100%; max-width: 60em; height: auto; display: block; }
figcaption { color: #555; font-size: .9em; margin-top: .3em; }
"""
LINKS = [("report.html", "网页报告"), ("report.docx", "Word报告"), ("tables.xlsx", "统计表")]


def _read_stats(path: Path) -> tuple[dict, pd.DataFrame]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["meta"], pd.DataFrame(data["rows"])
    except (ValueError, KeyError) as err:
        raise SurveyError(f"无法读取统计结果：{err}", file=str(path),
                          fix="重新运行该区县的报告，生成完整的 stats.json。") from err


def _ranks(values: list[float | None], spans: list[tuple[float, float] | None] | None = None) -> list[str]:
    """Competition ranking from the highest value, counting only the units a reader can tell are
    higher: a unit's rank is 1 + the units whose interval lies wholly above its interval (without
    intervals, a census: whose value is higher). Units sharing a rank are marked 并列 (tied): 裕华区
    74.0 (66.6–80.3) and 桥东区 71.2 (67.1–74.9) overlap, so neither is ranked above the other.
    Missing values get “—”."""
    spans = spans or [None if v is None else (v, v) for v in values]
    ranks = []
    for v, sv in zip(values, spans):
        if v is None or sv is None:
            ranks.append(None)
            continue
        ranks.append(1 + sum(o is not None and so is not None and so[0] > sv[1] for o, so in zip(values, spans)))
    return [DASH if r is None else (f"{r}（并列）" if ranks.count(r) > 1 else str(r)) for r in ranks]


def _row_html(cells: list[str], links: str) -> str:
    return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + f"<td>{links}</td></tr>"


def write_index_html(wave_dir: Path, wave: str) -> None:
    """``wave_dir/index.html``: every district's key figures side by side, ranked by residents'
    overall satisfaction, with relative links to the district's reports that exist."""
    wave_dir = Path(wave_dir)
    entries, pooled, synthetic, unassigned = [], None, False, ""
    headlines: list[dict] | None = None
    unit_label, wave_title = "区县", f"{wave}年调研"
    charted: list[pd.DataFrame] = []
    for stats_path in sorted(wave_dir.glob("*/stats.json")):
        meta, S = _read_stats(stats_path)
        if headlines is None:
            headlines = list(meta.get("headlines", []))
            unit_label = meta.get("unit_label") or unit_label
            wave_title = meta.get("title") or wave_title
        synthetic |= bool(meta.get("synthetic"))
        entries.append((meta["district"], stats_path.parent, _summary(S, meta["district"], headlines)))
        charted.append(S[S["group"] == meta["district"]])
        if pooled is None and (S["group"] == POOLED_GROUP).any():
            pooled = _summary(S, POOLED_GROUP, headlines)
            unassigned = _unassigned_line(S, unit_label)
            charted.append(S[S["group"] == POOLED_GROUP])
    headlines = headlines or []
    ranks = _ranks([summary["sort"] for _, _, summary in entries], [summary["span"] for _, _, summary in entries])
    ranked = sorted(zip(ranks, entries), key=lambda item: (
        item[1][2]["sort"] is None, -(item[1][2]["sort"] or 0), item[1][0]))
    body = [_row_html([rank, district] + summary["cells"], _links(folder))
            for rank, (district, folder, summary) in ranked]
    headers = ["排名", unit_label, *(h["header"] for h in headlines), "报告"]
    title = f"{wave_title} · 各{unit_label}报告总览"
    page = [
        "<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>", f"<style>{INDEX_CSS}</style>", "</head>",
        "<body>", f"<h1>{html.escape(title)}</h1>",
    ]
    if synthetic:
        page.append(f'<p class="banner">{SAMPLE_NOTE}：本页各项数据由合成数据生成，仅用于演示。</p>')
    page += ["<table>", "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>"
                                                 for h in headers) + "</tr></thead>",
             "<tbody>", *body, "</tbody>"]
    if pooled is not None:
        page += ["<tfoot>", _row_html(["", f"全部{unit_label}"] + pooled["cells"], ""), "</tfoot>"]
    labels = [x["top_label"] for x in [*(e[2] for e in entries), pooled or {}] if x.get("top_label")]
    boxes = "”与“".join(labels[0].split("＋")) if labels else ""
    page += ["</table>",
             f'<p class="note">{html.escape(unassigned)}</p>' if unassigned else "",
             *_overview_figures(wave_dir, charted, wave, synthetic, headlines, unit_label),
             '<p class="note">'
             + (html.escape(f"排名依据为“{boxes}”的占比之和（%），") if boxes else "")
             + f"括号内为95%置信区间；只有置信区间完全在上方的{unit_label}才排在前面，区间重叠的名次相同（并列）；"
             + f"“{DASH}”表示无数据或人数少于{MIN_CELL}人不予公布。</p>",
             "</body>", "</html>", ""]
    text = "\n".join(page)            # the project's CJK font, as the reports embed it (no tofu on Linux)
    write_text(wave_dir / "index.html", text.replace("<style>", f"<style>{font_face_css(text)}", 1))


OVERVIEW_FIGURES = "_overview"    # wave_dir/_overview/: the overview charts; “_”: not a district


def _overview_figures(wave_dir: Path, parts: list[pd.DataFrame], wave: str, synthetic: bool,
                      headlines: list[dict], unit_label: str) -> list[str]:
    """The units side by side as charts under the table: the ranking item (the overall item of the
    first battery that has one) as dots with their 95% CI, and small multiples (one panel per unit,
    the same axes) of every item of its battery. Drawn from the same stats.json rows as the table;
    absent when no unit has such ratings."""
    from analysis.publish import charts

    ranked = next((h for h in headlines if h.get("rank")), None)
    S_all = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if S_all.empty or ranked is None:
        return []
    table, overall = ranked["table"], ranked["variable"]
    rated = S_all[(S_all["table"] == table) & (S_all["stat"] == "top2")]
    if rated.empty or not (rated["group"] != POOLED_GROUP).any():
        return []
    source = f"数据来源：{wave}年调查" + (f"（{SAMPLE_NOTE}）" if synthetic else "")
    out, folder = [], wave_dir / OVERVIEW_FIGURES
    figures = []
    what = ranked["header"].removesuffix("（95%置信区间）")
    one = rated[rated["variable"] == overall]
    if len(one) and not one.duplicated("group").any():
        figures.append(("overview_overall", charts.district_comparison(S_all, table, overall, source=source,
                                                                       unit_label=unit_label),
                        f"各{unit_label}{what}及其95%置信区间"))
    n_units = rated.loc[rated["group"] != POOLED_GROUP, "group"].nunique()
    if n_units <= charts.MAX_PANELS:
        figures.append(("overview_items", charts.district_small_multiples(S_all, table, source=source,
                                                                          unit_label=unit_label),
                        f"各{unit_label}各项评价（每{unit_label}一图，坐标相同）"))
    for name, fig, alt in figures:
        charts.save_figure(fig, folder, name)
        out.append(f'<figure><img src="{OVERVIEW_FIGURES}/{name}.png" alt="{html.escape(alt)}">'
                   f"<figcaption>{html.escape(alt)}</figcaption></figure>")
    if n_units > charts.MAX_PANELS:
        out.append(f'<p class="note">共{n_units}个{unit_label}，超过{charts.MAX_PANELS}个，各项评价的分{unit_label}小图从略；'
                   f"各{unit_label}的各项结果见上表与各报告的 tables.xlsx。</p>")
    return out


def _links(folder: Path) -> str:
    return "".join(f'<a href="{html.escape(quote(folder.name))}/{name}">{label}</a>'
                   for name, label in LINKS if (folder / name).exists())
