"""One district's report folder: where it goes, what describes it, and its ``stats.json``.

The district notebook calls these; the runner points ``output_dir`` at a temporary folder that it
renames into ``reports/<wave>/<district>/`` only when everything in it has been written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis import config
from analysis.fileio import write_text
from analysis.safenames import folder_name

if TYPE_CHECKING:                       # the loaded wave's shape only; publish reads no raw data
    from analysis.clean.wave import Wave


def output_folder(output_dir: str, wave: str, district: str,
                  reports_dir: Path = config.REPORTS_DIR) -> Path:
    """``output_dir`` when given, else ``reports/<wave>/<folder_name(district)>/`` (a safe, stable
    folder name, see analysis.safenames); created if missing."""
    folder = Path(output_dir) if output_dir else Path(reports_dir) / wave / folder_name(district)
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    return folder


def meta(data: Wave, district: str) -> dict:
    """What a report says about itself: its unit (``district``, the unit's word ``unit_label`` —
    区县, 学校 … — and ``whole_sample`` when the wave has no unit question), the wave, the survey's
    ``title`` (wave.yaml or the codebooks, never an answer: ``clean.wave.wave_title``), who ran it
    and where, and whether the data are the synthetic sample."""
    info = data.manifest.get("wave_info", {}) or {}
    return {
        "district": district,
        "unit_label": data.unit_label,
        "whole_sample": district == config.WHOLE_SAMPLE,
        "wave": data.wave,
        "title": data.title,
        "organisation": info.get("organisation", ""),
        "area": info.get("area", ""),
        "date": info.get("date", ""),
        "synthetic": bool(info.get("synthetic", False)),
        "inputs": [f["id"] for f in data.manifest.get("inputs", [])],   # never a file name (D10)
        "codebooks": data.manifest.get("codebooks", {}),
        "packages": data.manifest.get("packages", {}),
    }


def report_title(m: dict) -> str:
    """A report's title: “桥东区 · 2026年…调研报告”; the survey's title alone for the whole sample."""
    title = f"{m['title']}报告"
    if m.get("whole_sample") or m["district"] == config.WHOLE_SAMPLE:
        return title
    return f"{m['district']} · {title}"


def write_stats_json(S: pd.DataFrame, m: dict, folder: Path) -> Path:
    """All published numbers of the report, machine-readable, sorted for stable bytes."""
    rows = S.sort_values(["table", "group", "variable", "order", "stat"], kind="stable")
    records = json.loads(rows.to_json(orient="records", force_ascii=False))
    path = folder / "stats.json"
    write_text(path, json.dumps({"meta": m, "rows": records}, ensure_ascii=False, indent=1))
    return path


def heading(m: dict) -> str:
    """The notebook's title line, with the synthetic-data notice where it applies."""
    from analysis.publish.page import markdown_text

    text = f"# {markdown_text(report_title(m))}"
    if m["synthetic"]:
        unit = markdown_text(m.get("unit_label") or config.UNIT_LABEL)
        text += f"\n\n**{config.SAMPLE_NOTE}**：本报告使用合成数据，仅用于演示，不代表任何真实{unit}的情况。"
    return text
