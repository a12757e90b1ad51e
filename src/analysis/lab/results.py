"""What a verb returns: the figures as tidy rows, the table a reader sees, and one call per output.

``Result.frame`` holds the rows in the stats table's shape (``stats.COLUMNS``, plus ``se`` /
``deff`` … where a verb has them) and a numeric ``code`` column (pandas ``Int64``): the answer code
where the row's ``category`` is one, ``<NA>`` where it is a word (``test``, ``missing``, ``top2``,
a mean's empty category). ``category`` stays text, as in S, so select rows by number with ``code``:
``frame.query("code == 1")`` or ``frame[frame.code == 4]``; ``Result.table`` is the same figures as the Chinese table
(text cells, as ``publish.tables`` prints them), which Jupyter shows as a 三线表 with its title
and a note on the base, ``to_docx`` writes as a Word 三线表 and ``to_xlsx`` as a sheet with the
numbers as numbers. A banner's ``Result`` holds several tables (one per breakdown).
"""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path
from typing import Callable

import pandas as pd

from analysis.errors import SurveyError

THREE_LINE_CSS = ("border-collapse:collapse;border-top:2px solid #000;border-bottom:2px solid #000;"
                  "font-size:13px;margin:4px 0")


@dataclasses.dataclass(frozen=True)
class Result:
    """A verb's figures: ``frame`` (tidy rows; ``code`` is the answer code as a number, ``<NA>`` for
    rows that are not one answer, ``category_label`` its Chinese label), ``table`` (what a reader
    sees), ``note`` (the base), and the outputs ``chart`` / ``to_docx`` / ``to_xlsx``."""

    title: str
    frame: pd.DataFrame
    table: pd.DataFrame
    note: str = ""
    draw: Callable[[], object] | None = None
    more: tuple[tuple[str, pd.DataFrame, str], ...] = ()      # further tables (a banner's other breakdowns)
    sheets: tuple[tuple[str, pd.DataFrame, str], ...] = ()    # the tables as Excel gets them, when laid out otherwise

    def __post_init__(self):
        object.__setattr__(self, "frame", with_codes(self.frame))

    @property
    def tables(self) -> list[tuple[str, pd.DataFrame, str]]:
        return [(self.title, self.table, self.note), *self.more]

    # -- display --------------------------------------------------------------------------------
    def _repr_html_(self) -> str:
        return "".join(_html_table(t, f, n) for t, f, n in self.tables)

    def __repr__(self) -> str:
        parts = []
        for title, frame, note in self.tables:
            parts += [title, frame.to_string(index=False), note, ""]
        return "\n".join(parts).rstrip()

    # -- outputs --------------------------------------------------------------------------------
    def chart(self, path: str | Path | None = None):
        """The verb's chart (Chinese labels, the house style); with ``path`` (``…/name.png``) also
        written as a 300-dpi PNG and an SVG beside it. Returns the figure."""
        if self.draw is None:
            raise SurveyError(f"“{self.title}”没有配套的图。", fix="频数、量表、排序和比较的结果可以画图；其余用 .to_docx / .to_xlsx。")
        from analysis.publish import charts

        charts.use_house_style()
        fig = self.draw()
        if path is not None:
            path = Path(path)
            charts.save_figure(fig, path.parent, path.stem)
        return fig

    def to_docx(self, path: str | Path) -> Path:
        """The table(s) as numbered Word 三线表, title above and the note on the base below."""
        from analysis.publish.word import write_tables_docx

        write_tables_docx(path, self.tables, self.title)
        return Path(path)

    def to_xlsx(self, path: str | Path) -> Path:
        """One sheet per table, numbers as numbers (percentages as shown, with their decimals)."""
        from analysis.publish.excel import write_frames_xlsx

        write_frames_xlsx(path, list(self.sheets) or self.tables, self.title)
        return Path(path)


_CODE = re.compile(r"[+-]?\d+")


def with_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``code`` (Int64) after ``category``: the category as a number where it is an
    answer code (the verbs write codes as integer text), <NA> for words and blanks; and
    ``category_label`` (the category itself) where the frame has none. A copy; ``category`` keeps
    its text."""
    if "category" not in frame:
        return frame
    out = frame.copy()
    text = out["category"].astype("string").str.strip()
    is_code = text.str.fullmatch(_CODE).fillna(False).astype(bool)
    code = pd.Series(pd.NA, index=out.index, dtype="Int64")
    code[is_code] = text[is_code].astype("int64")
    if "code" in out:
        out = out.drop(columns="code")
    out.insert(out.columns.get_loc("category") + 1, "code", code)
    if "category_label" not in out:
        out.insert(out.columns.get_loc("code") + 1, "category_label", out["category"].astype(str))
    return out


def _html_table(title: str, frame: pd.DataFrame, note: str) -> str:
    esc = html.escape
    head = "".join(f'<th style="border-bottom:1px solid #000;padding:3px 10px;text-align:center">{esc(str(c))}</th>'
                   for c in frame.columns)
    body = []
    for record in frame.itertuples(index=False):
        cells = "".join(f'<td style="padding:2px 10px;text-align:{"left" if j == 0 else "center"}">{esc(str(v))}</td>'
                        for j, v in enumerate(record))
        body.append(f"<tr>{cells}</tr>")
    caption = f'<caption style="caption-side:top;font-weight:bold;padding:4px">{esc(title)}</caption>'
    foot = f'<div style="font-size:12px;color:#333;max-width:60em">{esc(note)}</div>' if note else ""
    return (f'<table style="{THREE_LINE_CSS}">{caption}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>{foot}')


def fmt(value, decimals: int = 1, suppressed: bool = False) -> str:
    """A figure as printed: “—” when suppressed, blank when missing, fixed decimals."""
    if suppressed:
        return "—"
    if value is None or pd.isna(value):
        return ""
    if decimals == 0:
        return str(int(round(float(value))))
    return f"{float(value):.{decimals}f}"


def fmt_ci(low, high, decimals: int = 1, suppressed: bool = False) -> str:
    if suppressed or pd.isna(low) or pd.isna(high):
        return ""
    return f"{float(low):.{decimals}f}～{float(high):.{decimals}f}"


def fmt_p(p) -> str:
    """A p-value after “p”: “<0.001” or “=0.352”."""
    if p is None or pd.isna(p):
        return "=—"
    return "<0.001" if p < 0.001 else f"={p:.3f}"
