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


def _percent(row: pd.Series | None, with_ci: bool = False) -> str:
    if row is None:
        return DASH
    text = f"{row['value']:.1f}%"
    if with_ci and pd.notna(row["ci_low"]) and pd.notna(row["ci_high"]):
        text += f"（{row['ci_low']:.1f}～{row['ci_high']:.1f}）"
    return text


def _count(row: pd.Series | None) -> str:
    return DASH if row is None else str(int(row["value"]))


def _summary(S: pd.DataFrame, group: str) -> dict:
    """The overview's figures for one group. Sample sizes are the ``valid`` rows of the flow
    table, whose ``variable`` names the questionnaire (``worker``, ``resident``)."""
    satisfaction = published_row(S, group, "resident_satisfaction", "sat_overall", "top2")
    return {
        "workers": _count(published_row(S, group, "flow", "worker", "valid")),
        "residents": _count(published_row(S, group, "flow", "resident", "valid")),
        "full_time": _percent(published_row(S, group, "worker_composition", "employment", "share", "1")),
        "young": _percent(published_row(S, group, "worker_composition", "age_band", "share", "1")),
        "college": _percent(published_row(S, group, "worker_composition", "edu2", "share", "2")),
        "satisfaction": _percent(satisfaction, with_ci=True),
        "sort": None if satisfaction is None else float(satisfaction["value"]),
        "top_label": None if satisfaction is None else str(satisfaction["category_label"]),
    }


def _unassigned_line(S: pd.DataFrame) -> str:
    """“另有未填所在区县的问卷：居民问卷收到3份、有效2份…” from the ``（未填区县）`` flow rows."""
    rows = S[(S["table"] == "flow") & (S["group"] == NO_DISTRICT)]
    parts = []
    for _, r in rows.groupby("variable", sort=True):
        got = {stat: int(v["value"].iloc[0]) for stat, v in r.groupby("stat")
               if stat in ("received", "valid")}
        parts.append(f"{r['variable_label'].iloc[0]}收到{got.get('received', 0)}份、"
                     f"有效{got.get('valid', 0)}份")
    if not parts:
        return ""
    return (f"另有未填所在区县的问卷（{NO_DISTRICT}）：{'；'.join(parts)}。"
            f"这些问卷不单独成报告，有效问卷计入“{POOLED_GROUP}”一行。")


INDEX_CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "SimHei", sans-serif;
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
INDEX_HEADERS = ["排名", "区县", "工作者样本量", "居民样本量", "专职占比", "35岁以下占比",
                 "大专及以上占比", "居民总体满意率（95%置信区间）", "报告"]
LINKS = [("report.html", "网页报告"), ("report.docx", "Word报告"), ("tables.xlsx", "统计表")]


def _read_stats(path: Path) -> tuple[dict, pd.DataFrame]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["meta"], pd.DataFrame(data["rows"])
    except (ValueError, KeyError) as err:
        raise SurveyError(f"无法读取统计结果：{err}", file=str(path),
                          fix="重新运行该区县的报告，生成完整的 stats.json。") from err


def _ranks(values: list[float | None]) -> list[str]:
    """Competition ranking (1, 2, 2, 4) from the highest value; missing values get “—”."""
    return [DASH if v is None else str(1 + sum(o is not None and o > v for o in values))
            for v in values]


def _row_html(cells: list[str], links: str) -> str:
    return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + f"<td>{links}</td></tr>"


def write_index_html(wave_dir: Path, wave: str) -> None:
    """``wave_dir/index.html``: every district's key figures side by side, ranked by residents'
    overall satisfaction, with relative links to the district's reports that exist."""
    wave_dir = Path(wave_dir)
    entries, pooled, synthetic, unassigned = [], None, False, ""
    charted: list[pd.DataFrame] = []
    for stats_path in sorted(wave_dir.glob("*/stats.json")):
        meta, S = _read_stats(stats_path)
        synthetic |= bool(meta.get("synthetic"))
        entries.append((meta["district"], stats_path.parent, _summary(S, meta["district"])))
        charted.append(S[S["group"] == meta["district"]])
        if pooled is None and (S["group"] == POOLED_GROUP).any():
            pooled = _summary(S, POOLED_GROUP)
            unassigned = _unassigned_line(S)
            charted.append(S[S["group"] == POOLED_GROUP])
    ranks = _ranks([summary["sort"] for _, _, summary in entries])
    ranked = sorted(zip(ranks, entries), key=lambda item: (
        item[1][2]["sort"] is None, -(item[1][2]["sort"] or 0), item[1][0]))
    body = [_row_html([rank, district] + _figures(summary), _links(folder))
            for rank, (district, folder, summary) in ranked]
    title = f"{wave}年社区调研 · 各区县报告总览"
    page = [
        "<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>", f"<style>{INDEX_CSS}</style>", "</head>",
        "<body>", f"<h1>{html.escape(title)}</h1>",
    ]
    if synthetic:
        page.append(f'<p class="banner">{SAMPLE_NOTE}：本页各项数据由合成数据生成，仅用于演示。</p>')
    page += ["<table>", "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>"
                                                 for h in INDEX_HEADERS) + "</tr></thead>",
             "<tbody>", *body, "</tbody>"]
    if pooled is not None:
        page += ["<tfoot>", _row_html(["", POOLED_GROUP] + _figures(pooled), ""), "</tfoot>"]
    labels = [x["top_label"] for x in [*(e[2] for e in entries), pooled or {}] if x.get("top_label")]
    boxes = "”与“".join(labels[0].split("＋")) if labels else ""
    page += ["</table>",
             f'<p class="note">{html.escape(unassigned)}</p>' if unassigned else "",
             *_overview_figures(wave_dir, charted, wave, synthetic),
             '<p class="note">'
             + (html.escape(f"满意率为“{boxes}”的占比之和（%），") if boxes else "")
             + f"括号内为95%置信区间；“{DASH}”表示无数据或人数少于{MIN_CELL}人不予公布。</p>",
             "</body>", "</html>", ""]
    write_text(wave_dir / "index.html", "\n".join(page))


OVERVIEW_FIGURES = "_overview"    # wave_dir/_overview/: the overview charts; “_”: not a district


def _overview_figures(wave_dir: Path, parts: list[pd.DataFrame], wave: str, synthetic: bool) -> list[str]:
    """The districts side by side as charts under the table: overall satisfaction as dots with
    their 95% CI, and small multiples (one panel per district, the same axes) of every rating item.
    Drawn from the same stats.json rows as the table; absent when no district has resident ratings."""
    from analysis.publish import charts

    S_all = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if S_all.empty:
        return []
    rated = S_all[(S_all["table"] == "resident_satisfaction") & (S_all["stat"] == "top2")]
    if rated.empty or not (rated["group"] != POOLED_GROUP).any():
        return []
    source = f"数据来源：{wave}年居民问卷" + (f"（{SAMPLE_NOTE}）" if synthetic else "")
    out, folder = [], wave_dir / OVERVIEW_FIGURES
    figures = []
    overall = rated[rated["variable"] == "sat_overall"]
    if len(overall) and not overall.duplicated("group").any():
        figures.append(("overview_overall", charts.district_comparison(
            S_all, "resident_satisfaction", "sat_overall", source=source),
            "各区县居民总体满意率及其95%置信区间"))
    n_districts = rated.loc[rated["group"] != POOLED_GROUP, "group"].nunique()
    if n_districts <= charts.MAX_PANELS:
        figures.append(("overview_items", charts.district_small_multiples(
            S_all, "resident_satisfaction", source=source), "各区县居民各项满意率（每区县一图，坐标相同）"))
    for name, fig, alt in figures:
        charts.save_figure(fig, folder, name)
        out.append(f'<figure><img src="{OVERVIEW_FIGURES}/{name}.png" alt="{html.escape(alt)}">'
                   f"<figcaption>{html.escape(alt)}</figcaption></figure>")
    if n_districts > charts.MAX_PANELS:
        out.append(f'<p class="note">共{n_districts}个区县，超过{charts.MAX_PANELS}个，各项满意率的分区县小图从略；'
                   "各区县的各项满意率见上表与各区县报告的 tables.xlsx。</p>")
    return out


def _figures(summary: dict) -> list[str]:
    return [summary[k] for k in ("workers", "residents", "full_time", "young", "college",
                                 "satisfaction")]


def _links(folder: Path) -> str:
    return "".join(f'<a href="{html.escape(quote(folder.name))}/{name}">{label}</a>'
                   for name, label in LINKS if (folder / name).exists())
