"""The recorded blocks of a report as one numbered document, for every format that prints it.

``DistrictReport`` records headings, paragraphs, tables (by id of ``S``, or a researcher's own
table with its frame and note) and figures in the order
the notebook shows them; the Word report (:mod:`analysis.publish.word`) and the web report
(:mod:`analysis.publish.html`) both print :func:`numbered` of those blocks, so 表N and 图N, their
titles, notes and order are the same in both. A table with no rows (a header alone) is left out
of both and takes no number.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from analysis.errors import SurveyError
from analysis.publish.tables import published_tables, without_intervals

KNOWN_KINDS = {"title", "heading", "paragraph", "table", "figure"}


@dataclasses.dataclass
class Part:
    """One printed piece: ``kind`` as recorded (a kind this module does not know is printed as a
    paragraph of its text), the block's ``level`` and ``text``, and for a table or a figure its
    ``number`` and ``caption`` (“表3　…” / “图2　…”), a table's ``frame`` and ``note``, a figure's
    ``path``."""

    kind: str
    text: str = ""
    level: int = 0
    number: int = 0
    caption: str = ""
    frame: pd.DataFrame | None = None
    note: str = ""
    path: Path | None = None
    table: str = ""


def numbered(blocks: list, S: pd.DataFrame, group: str) -> list[Part]:
    """The blocks in order, tables and figures numbered 表1…, 图1…; a table block must name a
    table of ``S`` for ``group`` (SurveyError otherwise), a figure block an existing image."""
    present = published_tables(S, group)
    parts, counts = [], {"表": 0, "图": 0}
    for block in blocks:
        kind = block.kind
        if kind == "table" and getattr(block, "frame", None) is not None:     # a table of its own
            counts["表"] += 1
            parts.append(Part("table", block.text, number=counts["表"], caption=f"表{counts['表']}　{block.text}",
                              frame=block.frame, note=block.note))
        elif kind == "table":
            if block.table not in present:
                raise SurveyError(f"统计结果中没有{group}的表 {block.table}，不能写入报告",
                                  fix="只把 S 中有的表加入报告（DistrictReport.table 会自动跳过没有数据的表）。")
            title, frame, note = present[block.table]
            if frame.empty:
                continue
            if getattr(block, "plain", False):       # the body's version: intervals in the appendix
                frame, note = without_intervals(frame, note)
            counts["表"] += 1
            parts.append(Part("table", title, number=counts["表"], caption=f"表{counts['表']}　{title}",
                              frame=frame, note=note, table=block.table))
        elif kind == "figure":
            path = Path(block.path) if block.path else None
            if path is None or not path.is_file():
                raise SurveyError(f"报告中的图“{block.text}”没有图片文件：{path}",
                                  fix="用 DistrictReport.figure(fig, name) 加图，它会先保存图片。")
            counts["图"] += 1
            parts.append(Part("figure", block.text, number=counts["图"],
                              caption=f"图{counts['图']}　{block.text}", path=path))
        elif kind in KNOWN_KINDS:
            parts.append(Part(kind, block.text, level=block.level))
        elif getattr(block, "text", ""):
            parts.append(Part(kind, block.text, level=getattr(block, "level", 0)))
    return parts


def table_numbers(parts: list[Part]) -> list[str]:
    """The captions of the numbered tables, in order (what the tests compare across formats)."""
    return [p.caption for p in parts if p.kind == "table"]
