"""Long text in a Word table cell, broken into lines by the writer at phrase boundaries.

A column of sentences (a 基数 such as “回答“专兼职”的全部受访者 45”, a long 项目 label) need not
make its table wide: it wraps. Word would wrap it anywhere between two Chinese characters
(“全部受访/者”); the writer breaks it itself, as it breaks a value before its interval: a line
ends at a phrase boundary (after ，、；： or a closing bracket or quote, before an opening one, at
a space) when one lies in the line's second half, else between two Chinese characters. A line
never breaks inside a number or a Latin word, never before closing punctuation and never after
opening punctuation.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.publish.tables import TEXT_COLUMNS

# numbers with their signs, decimals, ranges and units, and Latin words: never broken inside
# and a short quoted term (“一肩挑”) kept whole too
ATOM = re.compile(r"“[^“”\n]{1,8}”|[0-9A-Za-z.,%+\-～~/:·]+|\s+|.", re.S)
CLOSING = set("）)]】」』》〉”’，。、；：？！…%")
OPENING = set("（([【「『《〈“‘")
PHRASE_END = set("，、；：。）”’】」』》")
WIDE_QUOTES = set("“”‘’")       # drawn full width in Chinese text (LibreOffice and Word with zh-CN)
TEXT_FLOOR = 12                 # a wrapped text column keeps at least 6 Chinese characters a line


def width(text: str) -> int:
    """Width in half-width units as a Chinese face draws it: a Chinese character or a curly quote
    counts two (``tables.text_width`` counts the quotes one, which a table cell of four of them,
    “书记、主任“一肩挑””, outgrows)."""
    return sum(2 if ord(ch) > 0x2E80 or ch in WIDE_QUOTES else 1 for ch in str(text))


def is_text_column(frame: pd.DataFrame, header: str) -> bool:
    """A label column (项目, 类别 …) or a column most of whose cells are Chinese words, not figures
    (a 基数 column); a hidden figure (“—（不公布）”) is a figure."""
    if header in TEXT_COLUMNS:
        return True
    cells = [str(t) for t in frame[header] if str(t).strip()]
    words = [t for t in cells if ord(t[0]) > 0x2E80 or t[0] in "“‘"]
    return bool(cells) and 2 * len(words) > len(cells)


def least_width(texts) -> int:
    """The width of the widest piece that cannot be broken (a number, a Latin word, a bracket with
    its neighbour) in ``texts``: what a wrapped column needs at the least."""
    return max([0] + [width(a) for t in texts for a in _pieces(str(t))])


def _pieces(text: str) -> list[str]:
    """``text`` cut at every place a line may break."""
    atoms = ATOM.findall(text)
    out: list[str] = []
    for atom in atoms:
        if out and _may_break(out[-1], atom):
            out.append(atom)
        elif out:
            out[-1] += atom
        else:
            out.append(atom)
    return [p.strip() for p in out if p.strip()]


def _may_break(before: str, after: str) -> bool:
    if after[0] in CLOSING or before[-1] in OPENING:
        return False
    return not (before[-1].isascii() and before[-1].isalnum() and after[0].isascii() and after[0].isalnum())


def wrap(text: str, room: float) -> str:
    """``text`` with line breaks (“\\n”) so that no line is wider than ``room`` half-width units
    where it can be helped (a piece that cannot be broken stays whole), each break at a phrase
    boundary when there is one in the line's second half; text that fits is returned as it is."""
    text = str(text)
    if width(text) <= room or "\n" in text:
        return text
    out = _wrap(text, room)
    for narrower in range(1, 5):               # no widow (a last line of a character or a count)
        if width(out.rsplit("\n", 1)[-1]) > 4:  # where narrower lines avoid it in as many lines
            break
        other = _wrap(text, room - 2 * narrower)
        if other.count("\n") <= out.count("\n") and width(other.rsplit("\n", 1)[-1]) > 4:
            return other
    return out


def _wrap(text: str, room: float) -> str:
    lines, line, breaks = [], "", []           # breaks: (position in line, at a phrase boundary)
    for atom in ATOM.findall(text):
        if line and _may_break(line, atom):
            breaks.append((len(line), _phrase(line, atom)))
        line += atom
        while width(line.strip()) > room and breaks:
            cut = _cut(line, breaks, room)
            lines.append(line[:cut].strip())
            line = line[cut:].lstrip()
            breaks = _breaks(line)
    lines.append(line.strip())
    return "\n".join(piece for piece in lines if piece)


def _breaks(line: str) -> list[tuple[int, bool]]:
    """The places ``line`` may break, each with whether it is a phrase boundary."""
    out, text = [], ""
    for atom in ATOM.findall(line):
        if text and _may_break(text, atom):
            out.append((len(text), _phrase(text, atom)))
        text += atom
    return out


def _phrase(before: str, after: str) -> bool:
    return before[-1] in PHRASE_END or before[-1].isspace() or after[0] in OPENING or after.isspace()


def _cut(line: str, breaks: list[tuple[int, bool]], room: float) -> int:
    """Where to end a full line: its last phrase boundary that fits and lies in the line's second
    half, else its last break that fits, else its first break (a piece wider than the room)."""
    fitting = [(k, p) for k, p in breaks if width(line[:k].strip()) <= room]
    phrases = [k for k, p in fitting if p and width(line[:k].strip()) >= room / 2]
    if phrases:
        return phrases[-1]
    return fitting[-1][0] if fitting else breaks[0][0]
