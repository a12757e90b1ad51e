"""The questions a draft is made from: one export, or a 问卷星 按文本 + 按序号 pair of the same answers.

From the pair, each question's option codes and their order come from the 按序号 file (a number is
the option's place on the questionnaire) and their labels from the 按文本 file, matched row by row
(by 序号 when both files carry it, else by position). Where the two files disagree — a code that
stands for two different answers, a respondent who answered in one file and not in the other, a
question one file lacks — the draft stops with the file, row and question. A 按序号 file alone gives
codes without labels: each option gets a marked placeholder label to be written.

Multi-select is one question in either layout (``┋`` in 按文本; ``第N题(选项)`` 0/1 columns in
按序号, the option text in the header, options nobody chose included); matrix rows (``N、题干—行``,
``N(行)``, ``第N题(行)``) are questions of their own that keep their question number.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from analysis.errors import SurveyError
from analysis.read import ingest, statfiles
from analysis.read.rawtable import RawTable
from analysis.read.values import MULTI_SEP, OTHER_TEXT, split_multi
from analysis.textnorm import answer_key, canon, header_key

_NUMBER_MISSING = {"-2": "(空)", "-3": "(跳过)"}
_TEXT_MISSING = {"(空)", "(跳过)", ""}
_OPTION = re.compile(r"^第(\d+)题\((.*)\)$")                 # outermost pair, as clean/ splits it
_ROW = re.compile(r"^(\d+)\((.+)\)$")
_NUMBERED = re.compile(r"^(?:[Qq]?(\d+)\s*[、.．:：)）]|第(\d+)题)")
_OTHER_COLUMN = re.compile(r"^[(（].*(?:其他|其它|请注明|请补充|请说明)")
_CHOSEN, _NOT_CHOSEN = {"1"}, {"0"}
PLACEHOLDER = "选项{k}（待填写）"


@dataclasses.dataclass
class Column:
    """One question as the draft sees it: its header, the answers as text (labels; ``┋``-joined for
    a multi-select; a 按序号 code where no label is known) and, when a file says so, its options in
    questionnaire order (``None`` where that option's label is unknown)."""

    header: str
    answers: list[str | None]
    options: list[str | None] | None = None
    multi: bool = False
    headers: tuple[str, ...] = ()
    coded: bool = False           # answers are 按序号 codes (no 按文本 file to give the labels)
    other_text: bool = False      # a column holding only typed "其他" text


@dataclasses.dataclass
class Source:
    files: tuple[Path, ...]
    table: RawTable               # the file the labels come from (按文本, or the only file)
    columns: list[Column]
    stat: statfiles.StatFile | None = None
    numbered_only: bool = False   # a 按序号 file without its 按文本 partner: labels to be written
    notes: tuple[str, ...] = ()


def files_of(paths: list[Path]) -> list[Path]:
    """The export files named: one or two files, or a folder holding one or two."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += ingest.discover(p)
        else:
            out.append(p)
    if not out or len(out) > 2:
        raise SurveyError(f"起草编码手册需要一个导出文件，或同一批答卷的“按文本”和“按序号”两个文件；现在是 {len(out)} 个"
                          f"（{'、'.join(p.name for p in out)}）。",
                          fix="只给出一个文件，或问卷星下载的按文本、按序号两个文件（顺序不限）。")
    return out


def load(paths: list[Path]) -> Source:
    files = files_of(paths)
    if len(files) == 1:
        path = files[0]
        if path.suffix.lower() in statfiles.SUFFIXES:
            stat = statfiles.read_with_meta(path)
            return Source((path,), stat.table, _plain_columns(stat.table), stat=stat)
        table = ingest.read(path)
        if _is_by_number(table):
            return Source((path,), table, _numbered_columns(table), numbered_only=True)
        return Source((path,), table, _plain_columns(table))
    tables = [ingest.read(p) for p in files]
    if any(p.suffix.lower() in statfiles.SUFFIXES for p in files):
        raise SurveyError("两个文件一起起草只用于问卷星的按文本、按序号下载；SPSS/Stata 文件请单独起草。",
                          file=files[0].name)
    by_number = [_is_by_number(t) for t in tables]
    if by_number[0] == by_number[1]:                  # the file names may still tell (按序号, …_2.xls)
        named = [bool(re.search(r"按(?:选项)?序号|_2$", p.stem)) for p in files]
        by_number = named if named[0] != named[1] else by_number
    if by_number[0] == by_number[1]:
        which = "按序号" if by_number[0] else "按文本"
        raise SurveyError(f"两个文件看起来都是{which}下载，无法配对。", file=f"{files[0].name}、{files[1].name}",
                          fix="给出同一批答卷的一个按文本下载和一个按序号下载。")
    text, number = (tables[1], tables[0]) if by_number[0] else (tables[0], tables[1])
    return Source(tuple(files), text, _paired(text, number))


# -- one file -------------------------------------------------------------------------------------

def _question_columns(table: RawTable) -> list[str]:
    return [c for c in table.frame.columns if not c.startswith("_unnamed_")
            and not (table.kind == "wjx" and header_key(c) in ingest.WJX_META)]


def _plain_columns(table: RawTable) -> list[Column]:
    return [Column(c, list(table.frame[c]), other_text=_is_other_column(c)) for c in _question_columns(table)]


def _is_other_column(header: str) -> bool:
    return bool(_OTHER_COLUMN.match(re.sub(_NUMBERED, "", canon(header)).strip()))


def _is_by_number(table: RawTable) -> bool:
    """A 问卷星 按序号 download: ``第N题(选项)`` 0/1 columns, or question answers that are (nearly) all
    whole numbers in a file whose 按文本 form would hold words."""
    cols = _question_columns(table)
    if any(_option_group_member(table, c) for c in cols):
        return True
    cells = [v for c in cols for v in table.frame[c] if v is not None and v not in _TEXT_MISSING]
    digits = sum(bool(re.fullmatch(r"-?\d+", v.strip())) for v in cells)
    return table.kind == "wjx" and bool(cells) and digits >= 0.9 * len(cells)


def _option_group_member(table: RawTable, col: str) -> bool:
    if not _OPTION.match(canon(col)):
        return False
    values = {v.strip() for v in table.frame[col] if v is not None}
    return values <= {"0", "1", "-2", "-3"} or _is_other_option_text(_OPTION.match(canon(col)).group(2))


def _is_other_option_text(text: str) -> bool:
    return bool(re.search(r"其他|其它|请注明|请补充|请说明", text))


def _groups(table: RawTable) -> dict[str, list[str]]:
    """Question number → its ``第N题(选项)`` multi-select columns, in file order."""
    groups: dict[str, list[str]] = {}
    for c in _question_columns(table):
        m = _OPTION.match(canon(c))
        if m and _option_group_member(table, c):
            groups.setdefault(m.group(1), []).append(c)
    return {n: cols for n, cols in groups.items()
            if any(not _is_other_option_text(_OPTION.match(canon(c)).group(2)) for c in cols)}


def _multi_answers(table: RawTable, cols: list[str], line_of) -> list[str | None]:
    """A ``第N题(选项)`` group as ``┋``-joined option labels per row (typed text never kept)."""
    labels = [_OPTION.match(canon(c)).group(2) for c in cols]
    out: list[str | None] = []
    for i in range(len(table.frame)):
        cells = [table.frame[c].iloc[i] for c in cols]
        cells = [None if v is None else v.strip() for v in cells]
        if all(v is None or v in _NUMBER_MISSING for v in cells):
            skipped = any(v == "-3" for v in cells)
            out.append("(跳过)" if skipped else "(空)")
            continue
        chosen = []
        for label, v, c in zip(labels, cells, cols):
            if v in _CHOSEN or (v not in _NOT_CHOSEN and v is not None and v not in _NUMBER_MISSING
                                and _is_other_option_text(label)):
                chosen.append(label)
            elif v is not None and v not in _NOT_CHOSEN and v not in _NUMBER_MISSING:
                raise SurveyError(f"多选题的选项列“{c}”里有看不懂的值（应为 1 或 0）。", file=table.name,
                                  row=line_of(i), fix="检查这一格；按序号下载的多选题每个选项一列，选中为 1，未选为 0。")
        out.append(MULTI_SEP.join(chosen) if chosen else "(空)")
    return out


def _numbered_columns(table: RawTable) -> list[Column]:
    """A 按序号 file alone: multi-select groups with their header labels, coded single choices with
    placeholder labels, everything else as it is."""
    groups = _groups(table)
    grouped = {c for cols in groups.values() for c in cols}
    out: list[Column] = []
    done: set[str] = set()
    for c in _question_columns(table):
        if c in grouped:
            n = _OPTION.match(canon(c)).group(1)
            if n in done:
                continue
            done.add(n)
            cols = groups[n]
            labels = [_OPTION.match(canon(x)).group(2) for x in cols]
            out.append(Column(f"{n}、第{n}题（多选题）", _multi_answers(table, cols, _line(table)),
                              options=labels, multi=True))
            continue
        answers = list(table.frame[c])
        codes = _codes(answers)
        if codes is not None:
            out.append(Column(c, answers, options=[None] * max(codes), coded=True))
        else:
            out.append(Column(c, answers, other_text=_is_other_column(c)))
    return out


def _codes(answers: list[str | None]) -> set[int] | None:
    """The option numbers of a coded single choice (1…k, k ≤ 12, -2/-3 missing), or None."""
    present = [v.strip() for v in answers if v is not None and v.strip() not in _NUMBER_MISSING]
    if not present or not all(re.fullmatch(r"\d{1,2}", v) for v in present):
        return None
    codes = {int(v) for v in present}
    return codes if min(codes) >= 1 and max(codes) <= 12 else None


def _line(table: RawTable):
    return lambda i: int(table.rows[i])


# -- the pair -------------------------------------------------------------------------------------

def _key(header: str) -> tuple:
    """What identifies a question across the two downloads: its number and, for a matrix row, the
    row title; an unnumbered header by its text."""
    text = canon(header)
    for pattern in (_OPTION, _ROW):
        m = pattern.match(text)
        if m:
            return (m.group(1), header_key(m.group(2)))
    m = _NUMBERED.match(text)
    if not m:
        return (None, header_key(header))
    number = m.group(1) or m.group(2)
    rest = text[m.end():]
    if _is_other_column(header):
        return (number, "其他:" + header_key(rest))
    if "—" in rest:
        return (number, header_key(rest.rsplit("—", 1)[1]))
    return (number, None)


def _row_order(text: RawTable, number: RawTable) -> list[int]:
    """For each 按文本 row, the 按序号 row of the same respondent (by 序号 when both have it)."""
    if len(text.frame) != len(number.frame):
        raise SurveyError(f"两个文件的答卷数不同（{text.name}：{len(text.frame)} 份，{number.name}："
                          f"{len(number.frame)} 份），不是同一批答卷。",
                          fix="从问卷星同时下载同一批答卷的按文本和按序号两个文件。")
    seq = [next((c for c in t.frame.columns if header_key(c) == "序号"), None) for t in (text, number)]
    if None in seq:
        return list(range(len(text.frame)))
    a, b = (list(t.frame[c]) for t, c in zip((text, number), seq))
    if any(v is None for v in a + b) or len(set(a)) != len(a):
        return list(range(len(text.frame)))
    where = {v: j for j, v in enumerate(b)}
    missing = [(i, v) for i, v in enumerate(a) if v not in where]
    if missing:
        i, v = missing[0]
        raise SurveyError(f"序号 {v} 在 {text.name} 里有，在 {number.name} 里没有：两个文件不是同一批答卷。",
                          file=text.name, row=int(text.rows[i]),
                          fix="从问卷星同时下载同一批答卷的按文本和按序号两个文件。")
    return [where[v] for v in a]


def _paired(text: RawTable, number: RawTable) -> list[Column]:
    order = _row_order(text, number)
    groups = _groups(number)
    grouped = {c for cols in groups.values() for c in cols}
    number_cols: dict[tuple, list[str]] = {}
    for c in _question_columns(number):
        if c in grouped:
            number_cols.setdefault((_OPTION.match(canon(c)).group(1), None), []).append(c)
        else:
            number_cols.setdefault(_key(c), []).append(c)
    out: list[Column] = []
    used: set[tuple] = set()
    for c in _question_columns(text):
        key = _key(c)
        cols = number_cols.get(key)
        if not cols:
            raise SurveyError(f"题目“{c}”在 {text.name} 里有，在 {number.name} 里找不到对应的列。",
                              file=number.name, fix="两个文件应是同一份问卷同一批答卷的两种下载；重新下载后再试。")
        used.add(key)
        answers = list(text.frame[c])
        if _is_other_column(c):                          # typed "其他" text: never options
            out.append(Column(c, answers, other_text=True))
        elif cols[0] in grouped:
            out.append(_paired_multi(c, answers, number, cols, order, text))
        else:
            out.append(_paired_single(c, answers, number, cols[0], order, text))
    for key, cols in number_cols.items():
        if key in used:
            continue
        if all(_is_other_column(x) for x in cols):      # typed "其他" text in a column of its own
            out += [Column(x, [number.frame[x].iloc[j] for j in order], other_text=True) for x in cols]
            continue
        raise SurveyError(f"题目“{cols[0]}”在 {number.name} 里有，在 {text.name} 里找不到对应的列。",
                          file=text.name, fix="两个文件应是同一份问卷同一批答卷的两种下载；重新下载后再试。")
    return out


def _disagree(text: RawTable, i: int, header: str, what: str) -> SurveyError:
    return SurveyError(f"题目“{header}”：按文本和按序号两个文件不一致：{what}", file=text.name, row=int(text.rows[i]),
                       fix="两个文件应是同一批答卷的按文本和按序号下载；重新下载这两个文件，或只用按文本文件起草。")


def _label(answer: str) -> str:
    return canon(OTHER_TEXT.sub("", answer)).strip()


def _paired_single(header: str, answers: list, number: RawTable, col: str, order: list[int],
                   text: RawTable) -> Column:
    codes = [number.frame[col].iloc[j] for j in order]
    extra = () if header_key(col) == header_key(header) else (_key(col)[1] or col,) \
        if _OPTION.match(canon(col)) or _ROW.match(canon(col)) else (col,)
    label_of: dict[int, str] = {}
    code_of: dict[str, int] = {}
    same = True
    for i, (t, n) in enumerate(zip(answers, codes)):
        t_missing = t is None or t.strip() in _TEXT_MISSING
        n_missing = n is None or n.strip() in _NUMBER_MISSING or n.strip() in _TEXT_MISSING
        if t_missing != n_missing:
            raise _disagree(text, i, header, f"按文本{'没有答案' if t_missing else '有答案'}，"
                                             f"按序号{'没有答案' if n_missing else '有答案'}。")
        if t_missing:
            continue
        n = OTHER_TEXT.sub("", n).strip()
        if _label(t) != canon(n):
            same = False
        if not re.fullmatch(r"\d{1,2}", n):
            if same:
                continue
            raise _disagree(text, i, header, "按序号文件的答案与按文本不同，又不是选项序号。")
        code, label = int(n), _label(t)
        if label_of.setdefault(code, label) != label:
            raise _disagree(text, i, header, f"序号 {code} 在前面是“{label_of[code]}”，这里是另一个答案。")
        if code_of.setdefault(answer_key(label), code) != code:
            raise _disagree(text, i, header, f"同一个答案在前面是序号 {code_of[answer_key(label)]}，这里是序号 {code}。")
    if same or not label_of:
        return Column(header, answers, headers=extra)
    if min(label_of) < 1:
        raise _disagree(text, 0, header, "按序号的选项序号应从 1 开始。")
    options = [label_of.get(k) for k in range(1, max(label_of) + 1)]
    return Column(header, [None if a is None else _label(a) if a.strip() not in _TEXT_MISSING else a
                           for a in answers], options=options, headers=extra)


def _paired_multi(header: str, answers: list, number: RawTable, cols: list[str], order: list[int],
                  text: RawTable) -> Column:
    labels = [_OPTION.match(canon(c)).group(2) for c in cols]
    rows = _multi_answers(number, cols, _line(number))
    known = {answer_key(x) for x in labels}
    for i, t in enumerate(answers):
        n = rows[order[i]]
        t_missing = t is None or t.strip() in _TEXT_MISSING
        if t_missing != (n in ("(空)", "(跳过)")):
            raise _disagree(text, i, header, f"按文本{'没有答案' if t_missing else '有答案'}，"
                                             f"按序号{'没有选' if n in ('(空)', '(跳过)') else '有选项'}。")
        if t_missing:
            continue
        mine = {answer_key(p) for p in split_multi(t)}
        theirs = {answer_key(p) for p in n.split(MULTI_SEP)}
        if mine != theirs:
            odd = sorted(mine - known)
            raise _disagree(text, i, header, f"按文本选了 {len(mine)} 项，按序号选了 {len(theirs)} 项"
                                             + (f"；按序号没有“{odd[0]}”这个选项" if odd else "") + "。")
    return Column(header, answers, options=labels, multi=True)
