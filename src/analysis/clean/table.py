"""From a raw table and its codebook to valid responses, with a record of everything done.

Driven entirely by the codebook: answers are normalised (NFKC, simplified characters, spaces) and
mapped to codes through labels and aliases; numbers are parsed ("35岁", "３５", "三十五", a birth
year or date, an Excel date serial); skip rules and ranges are checked; quality rules exclude rows
or blank cells as the codebook says. Nothing disappears silently: every excluded row is in
``exclusions`` with its rule, every cell whose value was changed or blanked is in ``changes`` with
before/after and its rule, and an answer that maps to no code is kept as missing, logged, and
counted in ``unmapped`` so the researcher can add an alias. Personal data (``pii``), private free
text and the text typed into "其他〖…〗" never leave this module; the 问卷星 IP is used, hashed and
in memory only, to tell duplicate submissions apart.

Layouts understood (FORMATS.md): question headers ``N、题干``; 问卷星 按文本 and 按序号 downloads
(in a 按序号 file a number is the option's position in the codebook's ``values``); multi-select as
one ``┋``-joined column or one ``第N题(选项)`` column per option; matrix rows as ``第N题(行标题)``,
``N、题干—行标题`` or ``N(行标题)``, matched by the row title listed in a variable's ``headers``.

Vectorised: every rule works on whole columns, and text is parsed once per distinct value
(``pd.factorize``), so a million rows clean in seconds, not hours.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re

import numpy as np
import pandas as pd

from analysis.clean import personal
from analysis.config import NO_DISTRICT, UNIT_LABEL, WHOLE_SAMPLE
from analysis.errors import SurveyError
from analysis.read.ingest import WJX_META
from analysis.read.rawtable import RawTable
from analysis.read.values import OTHER_TEXT, parse_number, parse_seconds, split_multi
from analysis.spec.codebook import Codebook, Variable
from analysis.textnorm import answer_key, canon, header_key

_OPTION_COLUMN = re.compile(r"^第(\d+)题\((.*)\)$")      # 第8题(ACG文化(动漫、游戏等)): outermost pair
_NUMBERED_ROW = re.compile(r"^(\d+)\((.+)\)$")           # 12(社区服务)
_QUESTION_NUMBER = re.compile(r"^\s*(\d+)\s*[、.．]")      # 9、您参加过哪些活动
_ROW_TITLE_SEP = re.compile(r"[—－\-_:]")
_OTHER_OPTION = re.compile(r"其他|其它|请注明|请补充|请说明")   # an option that takes typed text
_TYPED = re.compile(r"〖[^〗]*[^〗\s][^〗]*〗")               # 〖…〗 holding something typed
_HIDDEN = "〖…〗"                                            # what a log shows in place of typed text
_CHOSEN = {"1", "选中", "是", "√", "✓", "v", "y", "yes", "true"}
_NOT_CHOSEN = {"0", "未选中", "否", "×", "n", "no", "false"}

# Flag columns the cleaned frame may carry beside a variable (0/1 Int8, never the text itself):
# ``<var>__other`` = 1 where the respondent typed "other" text into a single/multi question (〖…〗 in
# a 按文本 download, the text in the option's own column of a 按序号 one); ``<var>__answered`` = 1
# where a private free-text question was answered (non-empty). The statistics count them.
OTHER_SUFFIX = "__other"
ANSWERED_SUFFIX = "__answered"

RULE_LABELS = {
    "missing_required": "必填项为空",
    "missing_unit": f"未填写{UNIT_LABEL}",     # the unit's own word in place of 区县: rule_label()
    "attention": "注意力题未通过",
    "speeder": "答题时间过短",
    "straightline": "量表题全部同一答案（直线作答）",
    "duplicate": "重复提交",
    "duplicate_id": "问卷编号重复",
    "skip_logic": "违反跳题逻辑",
    "out_of_range": "超出合理范围",
    "normalize": "规范写法（全角/繁体/空格）",
    "alias": "别名归并",
    "other_text": "“其他”后填写的文字已移除",
    "parse_number": "数值解析",
    "unmapped": "无法识别的答案",
    "personal": "电话、身份证号或姓名已遮盖",
}



def rule_label(rule: str, unit_label: str = UNIT_LABEL) -> str:
    """A rule's Chinese name as exclusions, the flow and progress lines show it; the empty-unit
    rule says the unit's own word (未填写学校 when the codebook's unit question is labelled 学校)."""
    return f"未填写{unit_label}" if rule == "missing_unit" else RULE_LABELS[rule]


def unit_label(book: Codebook) -> str:
    """The word for a questionnaire's reporting unit: the label of its ``role: district`` variable
    (区县, 学校, 街道 …) without a leading 您所在的 / 所在 (a question label 所在社区 reads 社区 in “本社区”,
    “全部社区”); ``config.UNIT_LABEL`` when it has none."""
    var = book.role("district")
    if not var:
        return UNIT_LABEL
    label = book.variables[var].label
    for lead in ("您所在的", "您所在", "所在的", "所在"):
        if label.startswith(lead) and len(label) > len(lead):
            return label[len(lead):]
    return label


def unit_names(book: Codebook, values: pd.Series) -> pd.Series:
    """The reporting unit of each row as the reports name it (string dtype, NA when empty): a text
    unit as written, a single-choice unit by its option label (codes are never shown)."""
    var = book.variables[book.role("district")]
    if var.type == "single":
        return values.map(var.values).astype("string")
    names = values.astype("string")          # text the cleaner has already put through canon()
    return names.mask(names == "")


EXCLUSION_COLUMNS = ["instrument", "file", "row", "district", "rule", "reason", "detail"]
CHANGE_COLUMNS = ["instrument", "file", "row", "district", "variable", "before", "after", "rule"]


@dataclasses.dataclass
class CleanResult:
    instrument: str
    file: str
    valid: pd.DataFrame          # one row per valid response; codes as Int64, numbers as Float64
    exclusions: pd.DataFrame     # EXCLUSION_COLUMNS
    changes: pd.DataFrame        # CHANGE_COLUMNS
    received: pd.Series          # rows received per district
    unmapped: pd.DataFrame       # variable, value, count
    ignored_columns: list[str]
    numbering: str = "code"      # "position" for a 问卷星 按序号 download
    # per row received, what tells the same response apart in another file (submission_keys and
    # answer_hashes), its unit, line and whether it is excluded; in memory only, never written
    keys: pd.DataFrame | None = None


@dataclasses.dataclass
class Layout:
    """How a file's columns map onto the codebook."""

    columns: dict[str, str]                  # raw header → variable or 问卷星 meta name
    options: dict[str, dict[str, int | None]]  # multi variable → {raw header: code} (one column per option)
    ignored: list[str]


def _redact(text: str) -> str:
    """An answer as the change log may show it: typed "其他" text replaced by 〖…〗."""
    return OTHER_TEXT.sub(_HIDDEN, text)


def _redact_cell(text: str) -> str:
    """A cell of a one-column-per-option layout, which should hold 1/0 or the option's text, as a
    log may show it: a number or a short mark as written, anything longer (text a respondent may
    have typed) as 〖…〗."""
    shown = _redact(text)
    key = answer_key(shown)
    return shown if re.fullmatch(r"-?\d+(\.\d+)?", key) or len(key) <= 2 else _HIDDEN


def is_other_option(text: str) -> bool:
    """Whether an option takes typed text ("其他【请注明】", "其它（请补充）" …)."""
    return bool(_OTHER_OPTION.search(text))


# -- column mapping -------------------------------------------------------------------------------

def _resolve(col: str, by_key: dict[str, str]) -> str | None:
    """The variable a header names: the question itself, or a matrix row by its row title."""
    key = header_key(col)
    if key in by_key:
        return by_key[key]
    text = canon(col)
    for pattern in (_OPTION_COLUMN, _NUMBERED_ROW):
        m = pattern.match(text)
        if m and header_key(m.group(2)) in by_key:
            return by_key[header_key(m.group(2))]
    parts = _ROW_TITLE_SEP.split(key)
    if len(parts) > 1 and parts[-1] in by_key:
        return by_key[parts[-1]]
    return None


def map_columns(table: RawTable, book: Codebook) -> Layout:
    """Raw header → variable (or 问卷星 meta) name, option columns of multi-selects, and the rest."""
    by_key = book.header_map()
    columns: dict[str, str] = {}
    option_groups: dict[str, list[tuple[str, str]]] = {}
    ignored: list[str] = []
    for col in table.frame.columns:
        key = header_key(col)
        target = _resolve(col, by_key) or (WJX_META.get(key) if table.kind == "wjx" else None)
        if target is None:
            m = _OPTION_COLUMN.match(canon(col))
            if m:
                option_groups.setdefault(m.group(1), []).append((col, m.group(2)))
            else:
                ignored.append(col)
            continue
        if target in columns.values():
            first = next(c for c, t in columns.items() if t == target)
            raise SurveyError(f"“{first}”和“{col}”两列都对应变量 {target}。", file=table.name,
                              variable=target, fix="删除多余的一列，或在编码手册中区分这两道题。")
        columns[col] = target
    options = _option_columns(option_groups, book, set(columns.values()), ignored)
    for var in book.variables.values():
        if var.required and var.name not in columns.values() and var.name not in options:
            raise SurveyError(f"缺少必需的列“{var.question}”（{var.label}）。", file=table.name,
                              variable=var.name,
                              fix=f"检查导出文件的表头；如果该题在文件里用了别的题目文字，"
                                  f"把它加到 {book.path.name} 中该变量的 headers 列表。")
    return Layout(columns, options, ignored)


def matched_variables(headers, book: Codebook) -> set[str]:
    """The codebook's variables a file's headers hold, as the cleaner would map them: a question by
    its header, a matrix row by ``第N题(行标题)`` / ``N(行标题)`` / ``题干—行标题``, a multi-select
    by its ``第N题(选项)`` columns (each variable counted once). For recognising a file."""
    return _matches(headers, book)[0]


def variable_for_header(header: str, book: Codebook) -> Variable | None:
    """The variable one header names (a question, or a matrix row by its row title), if any."""
    name = _resolve(str(header), book.header_map())
    return book.variables.get(name) if name else None


def matched_headers(headers, book: Codebook) -> set[str]:
    """The headers of a file that name one of the codebook's questions (see matched_variables)."""
    return _matches(headers, book)[1]


def _matches(headers, book: Codebook) -> tuple[set[str], set[str]]:
    by_key = book.header_map()
    found: set[str] = set()
    used: set[str] = set()
    groups: dict[str, list[tuple[str, str]]] = {}
    for col in headers:
        col = str(col)
        target = _resolve(col, by_key)
        if target is not None:
            found.add(target)
            used.add(col)
            continue
        m = _OPTION_COLUMN.match(canon(col))
        if m:
            groups.setdefault(m.group(1), []).append((col, m.group(2)))
    ignored: list[str] = []
    options = _option_columns(groups, book, found, ignored)
    used |= {c for cols in groups.values() for c, _ in cols} - set(ignored)
    return found | set(options), used


def _option_columns(groups: dict[str, list[tuple[str, str]]], book: Codebook, taken: set[str],
                    ignored: list[str]) -> dict[str, dict[str, int | None]]:
    """``第N题(选项)`` columns: each group of one question number belongs to the multi-select whose
    options its texts name. Option texts the codebook lacks stay in the layout (code None), so a
    respondent who ticked one is logged as unmapped rather than lost."""
    out: dict[str, dict[str, int | None]] = {}
    multis = [v for v in book.variables.values() if v.type == "multi" and v.name not in taken]
    for number, cols in groups.items():
        best, best_hits = None, 0
        same = [v for v in multis if _QUESTION_NUMBER.match(v.question)
                and _QUESTION_NUMBER.match(v.question).group(1) == number]
        if not same and all(is_other_option(text) for _, text in cols):
            ignored.extend(c for c, _ in cols)   # a single choice's typed-"其他" column, not a multi-select
            continue
        for var in same or multis:           # the multi-select of the same question number first
            hits = sum(var.code_for(OTHER_TEXT.sub("", text)) is not None for _, text in cols)
            if hits > best_hits and var.name not in out:
                best, best_hits = var, hits
        if best is None or best_hits < max(1, len(cols) // 2):
            ignored.extend(c for c, _ in cols)
            continue
        out[best.name] = {c: best.code_for(OTHER_TEXT.sub("", text)) for c, text in cols}
    return out


def _numbering(table: RawTable, cols: dict[str, "_Col"], book: Codebook) -> str:
    """A 问卷星 file whose single-choice answers are (nearly) all numbers is a 按序号 download."""
    if table.kind != "wjx":
        return "code"
    numeric = total = 0
    for var in book.variables.values():
        if var.type != "single" or var.name not in cols:
            continue
        col = cols[var.name]
        counts = col.counts()
        present = ~col.missing_u[:-1]
        digits = np.array([answer_key(u).isdigit() for u in col.uniques], dtype=bool)
        total += int(counts[present].sum())
        numeric += int(counts[present & digits].sum())
    return "position" if total and numeric >= 0.9 * total else "code"


# -- per-distinct-value machinery -------------------------------------------------------------------

class _Col:
    """A raw column factorised once: the distinct texts and, per row, which one it holds (-1: empty)."""

    def __init__(self, s: pd.Series, missing: set[str]):
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        self.codes = codes
        self.uniques = [str(u) for u in uniques]
        self.missing_u = np.array([answer_key(u) in missing for u in self.uniques] + [True])
        self.absent = self.missing_u[codes]          # codes == -1 picks the trailing True

    def take(self, per_unique: np.ndarray, fill) -> np.ndarray:
        """A per-distinct-value array spread over the rows (``fill`` for empty cells)."""
        return np.append(np.asarray(per_unique, dtype=object), [fill])[self.codes]

    def counts(self) -> np.ndarray:
        """How many rows hold each distinct value."""
        return np.bincount(self.codes[self.codes >= 0], minlength=len(self.uniques))

    def key_codes(self) -> np.ndarray:
        """Per row, an integer that is equal for two rows iff their answers are the same answer
        (``answer_key``); empty cells share one code."""
        keys = pd.Index([answer_key(u) for u in self.uniques] + [""])
        return pd.factorize(keys)[0][self.codes]

    def rows_where(self, per_unique_mask: np.ndarray) -> np.ndarray:
        return np.flatnonzero(np.append(np.asarray(per_unique_mask, dtype=bool), [False])[self.codes])


class _Log:
    """Changed cells of one file, gathered as arrays and made into one frame at the end."""

    def __init__(self):
        self.parts: list[tuple[np.ndarray, str, np.ndarray, np.ndarray, str]] = []

    def add(self, rows: np.ndarray, variable: str, before, after, rule: str):
        n = len(rows)
        if n == 0:
            return
        before = np.asarray(before, dtype=object) if not isinstance(before, str) else np.full(n, before, dtype=object)
        after = np.asarray(after, dtype=object) if not isinstance(after, str) else np.full(n, after, dtype=object)
        self.parts.append((np.asarray(rows, dtype="int64"), variable, before, after, rule))

    def by_unique(self, col: _Col, variable: str, rule_u: np.ndarray, before_u, after_u) -> None:
        """Log every row whose distinct value has a rule (None: nothing to log)."""
        rule_u = np.asarray(rule_u, dtype=object)
        if not any(r is not None for r in rule_u):
            return
        before_all = col.take(np.asarray(before_u, dtype=object), "")
        after_all = col.take(np.asarray(after_u, dtype=object), "")
        for rule in sorted({r for r in rule_u if r is not None}):
            rows = col.rows_where(rule_u == rule)
            self.add(rows, variable, before_all[rows], after_all[rows], rule)

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({"row_index": pd.Series(dtype="int64"), "variable": [], "before": [],
                                 "after": [], "rule": []})
        sizes = [len(p[0]) for p in self.parts]
        return pd.DataFrame({
            "row_index": np.concatenate([p[0] for p in self.parts]),
            "variable": np.repeat(np.array([p[1] for p in self.parts], dtype=object), sizes),
            "before": np.concatenate([p[2] for p in self.parts]),
            "after": np.concatenate([p[3] for p in self.parts]),
            "rule": np.repeat(np.array([p[4] for p in self.parts], dtype=object), sizes),
        })


# -- the cleaner ----------------------------------------------------------------------------------

def clean_table(table: RawTable, book: Codebook, source: str | None = None) -> CleanResult:
    """Clean one raw table against its codebook; ``source`` names it in the logs (default: the
    file's name, see ``clean.wave.source_id``)."""
    layout = map_columns(table, book)
    raw = table.frame[list(layout.columns)].rename(columns=layout.columns)
    raw.index = pd.RangeIndex(len(raw))
    missing = set(book.missing)
    cols = {c: _Col(raw[c], missing) for c in raw.columns if not c.startswith("_")}
    numbering = _numbering(table, cols, book)
    log = _Log()
    out: dict[str, pd.Series | np.ndarray] = {}
    unmapped: list[pd.DataFrame] = []
    flags: dict[str, np.ndarray] = {}            # row-level findings of cell rules set to "exclude"
    n = len(raw)
    for var in book.variables.values():
        if not var.kept:                     # the text never leaves; whether it was answered does
            if var.type == "text" and var.private and not var.pii and var.name in cols:
                out[f"{var.name}{ANSWERED_SUFFIX}"] = _answered(cols[var.name])
            continue
        if var.type == "multi" and var.name in layout.options:
            out.update(_multi_columns(var, table.frame, layout.options[var.name], missing, numbering,
                                      log, unmapped))
            continue
        if var.name not in raw.columns:
            continue
        col = cols[var.name]
        if var.type == "single":
            out[var.name] = _single(var, col, numbering, log, unmapped)
            if _TYPED.search("".join(col.uniques)):
                out[f"{var.name}{OTHER_SUFFIX}"] = _typed_flags(col)
        elif var.type in ("number", "age"):
            out[var.name] = _number(var, book, col, log, flags)
        elif var.type == "multi":
            out.update(_multi(var, col, numbering, log, unmapped))
        else:  # text kept as written, normalised (district, street, community, respondent id), with
            # phone and ID numbers (and the names beside them) masked, except in a respondent id
            text_u = np.array([canon(u) for u in col.uniques], dtype=object)
            rule_u = np.where(text_u != np.array(col.uniques, dtype=object), "normalize", None)
            if var.role != "id":
                safe_u = np.array([personal.mask(t) for t in text_u], dtype=object)
                rule_u[safe_u != text_u] = "personal"
                text_u = safe_u
            if var.names:                      # the codebook's aliases: 桥东 → 桥东区
                named_u = np.array([var.name_for(t) for t in text_u], dtype=object)
                rule_u[named_u != text_u] = "alias"
                text_u = named_u
            rule_u[col.missing_u[:-1]] = None
            log.by_unique(col, var.name, rule_u, col.uniques, text_u)
            values = col.take(text_u, None)
            values[col.absent] = None
            out[var.name] = pd.Series(values, dtype="string")
    frame = pd.DataFrame(out, index=raw.index)
    _skip_logic(book, frame, log, flags)
    _derive(book, frame)

    district_var = book.role("district")
    if district_var is None:                 # no unit question: one report for the whole sample
        units = pd.Series(WHOLE_SAMPLE, index=raw.index, dtype="string")
    elif district_var in frame:
        units = unit_names(book, frame[district_var])
    else:                                    # the file lacks the (optional) unit question
        units = pd.Series(pd.NA, index=raw.index, dtype="string")
    rule, detail = _row_rules(book, raw, frame, table, flags, log, cols, units)
    excluded = pd.notna(rule)
    districts = units.fillna(NO_DISTRICT).astype(object)
    if district_var in frame:                # the unit column holds the names reports use
        frame[district_var] = units
    ulabel = unit_label(book)

    file_name, rows = source or table.name, np.asarray(table.rows, dtype="int64")
    exclusions = pd.DataFrame({
        "instrument": book.instrument, "file": file_name, "row": rows[excluded],
        "district": districts.to_numpy()[excluded], "rule": rule[excluded],
        "reason": [rule_label(r, ulabel) for r in rule[excluded]],
        "detail": personal.mask_values(detail[excluded]),       # an ID number typed as an age …
    }, columns=EXCLUSION_COLUMNS)

    ch = log.frame()
    ridx = ch["row_index"].to_numpy(dtype="int64")
    changes = pd.DataFrame({
        "instrument": book.instrument, "file": file_name, "row": rows[ridx],
        "district": districts.to_numpy()[ridx], "variable": ch["variable"].to_numpy(),
        "before": personal.mask_values(ch["before"].astype(str).to_numpy()),    # never a phone, an ID
        "after": personal.mask_values(ch["after"].astype(str).to_numpy()),      # number or a name

        "rule": ch["rule"].to_numpy(),
    }, columns=CHANGE_COLUMNS).sort_values(["row", "variable", "rule"], kind="stable").reset_index(drop=True)

    valid = frame[~excluded].copy()
    valid.insert(0, "_row", rows[~excluded])
    valid.insert(0, "_file", file_name)
    if "_duration" in raw.columns:
        valid["_duration_s"] = pd.array(_seconds(raw["_duration"])[~excluded], dtype="Float64")
    if "_submitted" in raw.columns:
        valid["_submitted"] = raw.loc[~excluded, "_submitted"].astype("string")
    valid = valid.reset_index(drop=True)

    um = (pd.concat(unmapped, ignore_index=True) if unmapped
          else pd.DataFrame({"variable": [], "value": [], "count": pd.Series(dtype="int64")}))
    um["value"] = personal.mask_values(um["value"].to_numpy(dtype=object))
    um = um.groupby(["variable", "value"], sort=True)["count"].sum().reset_index()
    received = districts.value_counts().sort_index()
    if int(received.sum()) != len(valid) + len(exclusions) or int(received.sum()) != n:
        raise RuntimeError(f"行数核对失败（程序错误）：{file_name} 收到 {n} 行，有效 {len(valid)}，"
                           f"剔除 {len(exclusions)}")
    keys = submission_keys(book, raw, cols)
    keys["answers"] = answer_hashes(frame)
    keys["district"] = districts.to_numpy()
    keys["row"] = rows
    keys["excluded"] = excluded
    return CleanResult(book.instrument, file_name, valid, exclusions, changes, received, um,
                       layout.ignored, numbering, keys)


def submission_keys(book: Codebook, raw: pd.DataFrame, cols: dict[str, _Col]) -> pd.DataFrame:
    """Per row, what marks one response seen in two files: ``submission``, 问卷星's 序号 with the
    submission time (None when either is blank), and ``ip``, the hashed 来自IP when the codebook's
    duplicate rule says ``same_ip`` (None otherwise). In memory only."""
    n = len(raw)
    submission = np.full(n, None, dtype=object)
    if "_seq" in raw.columns and "_submitted" in raw.columns:
        seq = raw["_seq"].astype("string").str.strip().fillna("").to_numpy(dtype=object)
        sub = raw["_submitted"].astype("string").str.strip().fillna("").to_numpy(dtype=object)
        both = (seq != "") & (sub != "")
        submission[both] = seq[both] + "|" + sub[both]
    ip = np.full(n, None, dtype=object)
    rule = book.rule("duplicate")
    if rule and rule.get("same_ip") and "_ip" in raw.columns:
        ip = _ip_hashes(raw["_ip"])
    return pd.DataFrame({"submission": submission, "ip": ip})


def answer_hashes(frame: pd.DataFrame) -> list[tuple[str, int]]:
    """Each row's cleaned answers as (the columns, a hash of the values): equal for two rows iff they
    hold the same answers to the same questions, whatever the file's layout (a 按文本 and a 按序号
    download of one response agree); the input's name, line, time and duration left out."""
    names = sorted(c for c in frame.columns if c not in ("_file", "_row", "_submitted", "_duration_s"))
    table = frame[names].astype("string").fillna("\x00")
    columns = "\x00".join(names)
    return [(columns, int(h)) for h in pd.util.hash_pandas_object(table, index=False).to_numpy()]


def _count_unmapped(col: _Col, var: str, bad_u: np.ndarray, values_u: list[str] | None = None) -> pd.DataFrame:
    counts = np.bincount(col.codes[col.codes >= 0], minlength=len(col.uniques))
    idx = np.flatnonzero(bad_u)
    shown = values_u if values_u is not None else col.uniques
    return pd.DataFrame({"variable": var, "value": [_redact(shown[i]) for i in idx],
                         "count": counts[idx].astype("int64")})


def _flags(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.array(np.asarray(values, dtype=bool).astype("int8"), dtype="Int8"))


def _answered(col: _Col) -> pd.Series:
    """1 where a free-text cell holds an answer (not empty, not a missing marker), else 0."""
    written = np.array([bool(canon(u).strip()) for u in col.uniques], dtype=bool) & ~col.missing_u[:-1]
    return _flags(col.take(written, False).astype(bool))


def _typed_flags(col: _Col) -> pd.Series:
    """1 where a 按文本 answer carries typed "other" text in 〖…〗 (not empty), else 0."""
    typed = np.array([bool(_TYPED.search(u)) for u in col.uniques], dtype=bool) & ~col.missing_u[:-1]
    return _flags(col.take(typed, False).astype(bool))


def _single(var: Variable, col: _Col, numbering: str, log: _Log, unmapped: list) -> pd.Series:
    code_u, rule_u, after_u = [], [], []
    for u, is_missing in zip(col.uniques, col.missing_u):
        if is_missing:
            code_u.append(None), rule_u.append(None), after_u.append("")
            continue
        text = OTHER_TEXT.sub("", u)
        code = var.code_for(text, numbering)
        code_u.append(code)
        label = var.values.get(code, "") if code is not None else ""
        after_u.append(label)
        if code is None:
            rule_u.append("unmapped")
        elif text != u:
            rule_u.append("other_text")
        elif text == label or (numbering == "position" and answer_key(text).isdigit()):
            rule_u.append(None)
        else:
            rule_u.append("normalize" if answer_key(text) == answer_key(label) else "alias")
    rule_u = np.array(rule_u, dtype=object)
    log.by_unique(col, var.name, rule_u, [_redact(u) for u in col.uniques], after_u)
    bad = rule_u == "unmapped"
    if bad.any():
        unmapped.append(_count_unmapped(col, var.name, bad))
    codes = col.take(np.array(code_u, dtype=object), None)
    return pd.Series(pd.array(codes, dtype="Int64"))


def _number(var: Variable, book: Codebook, col: _Col, log: _Log, flags: dict) -> pd.Series:
    age_on = book.survey_date if var.type == "age" else None
    value_u = np.array([np.nan if m else parse_number(u, age_on=age_on)
                        for u, m in zip(col.uniques, col.missing_u[:-1])], dtype=float)
    shown = [("" if np.isnan(x) else (str(int(x)) if float(x).is_integer() else str(x))) for x in value_u]
    present_u = ~col.missing_u[:-1]
    rule_u = np.full(len(value_u), None, dtype=object)
    rule_u[present_u & np.isnan(value_u)] = "unmapped"
    rule_u[present_u & ~np.isnan(value_u) & (np.array(shown, dtype=object) != np.array(col.uniques, dtype=object))] \
        = "parse_number"
    rng_rule = book.rule("out_of_range")
    if var.range and rng_rule:
        lo, hi = var.range
        outside_u = ~np.isnan(value_u) & ((value_u < lo) | (value_u > hi))
        if rng_rule["action"] == "blank":
            rule_u[outside_u] = "out_of_range"
            shown = [("" if o else s) for s, o in zip(shown, outside_u)]
            value_u = np.where(outside_u, np.nan, value_u)
        else:
            flags.setdefault("out_of_range", np.zeros(len(col.codes), dtype=object))
            rows = col.rows_where(outside_u)
            flags["out_of_range"][rows] = [f"“{var.label}”为 {col.uniques[c]}，超出 {lo:g}–{hi:g}"
                                           for c in col.codes[rows]]
    log.by_unique(col, var.name, rule_u, col.uniques, shown)
    values = np.append(value_u, np.nan)[col.codes]
    values[col.absent] = np.nan
    return pd.Series(pd.array(values, dtype="Float64")).where(~np.isnan(values), pd.NA)


def _multi(var: Variable, col: _Col, numbering: str, log: _Log, unmapped: list) -> dict[str, pd.Series]:
    """A ``┋``-joined multi-select column → one 0/1 column per option (NA when not answered)."""
    codes_list = list(var.values)
    matrix = np.zeros((len(col.uniques), len(codes_list)), dtype=float)
    bad_parts: list[tuple[int, str]] = []
    for i, (u, is_missing) in enumerate(zip(col.uniques, col.missing_u)):
        if is_missing:
            matrix[i] = np.nan
            continue
        parts = split_multi(u)
        chosen = [var.code_for(p, numbering) for p in parts]
        for p, c in zip(parts, chosen):
            if c is None:
                bad_parts.append((i, p))
        if chosen and all(c is None for c in chosen):
            matrix[i] = np.nan
        for c in chosen:
            if c is not None:
                matrix[i, codes_list.index(c)] = 1
    if bad_parts:
        counts = np.bincount(col.codes[col.codes >= 0], minlength=len(col.uniques))
        unmapped.append(pd.DataFrame({"variable": var.name, "value": [_redact(p) for _, p in bad_parts],
                                      "count": [int(counts[i]) for i, _ in bad_parts]}))
        for i, p in bad_parts:
            mask = np.zeros(len(col.uniques), dtype=bool)
            mask[i] = True
            rows = col.rows_where(mask)
            log.add(rows, var.name, _redact(p), "", "unmapped")
    taken = np.vstack([matrix, np.full((1, len(codes_list)), np.nan)])[col.codes]
    taken[col.absent] = np.nan
    out = {f"{var.name}__{code}": pd.Series(pd.array(taken[:, j], dtype="Float64")).astype("Int8")
           for j, code in enumerate(codes_list)}
    if _TYPED.search("".join(col.uniques)):
        out[f"{var.name}{OTHER_SUFFIX}"] = _typed_flags(col)
    return out


def _multi_columns(var: Variable, frame: pd.DataFrame, cols: dict[str, int | None], missing: set[str],
                   numbering: str, log: _Log, unmapped: list) -> dict[str, pd.Series]:
    """A multi-select in one column per option (问卷星 按序号: ``第N题(选项)`` holding 1/0; some
    downloads hold the option text or nothing). A row with no option ticked and every cell empty
    or a missing marker did not answer (NA); an option the codebook lacks is logged as unmapped."""
    n = len(frame)
    codes_list = list(var.values)
    ticked = np.zeros((n, len(codes_list)))
    answered = np.zeros(n, dtype=bool)
    typed = np.zeros(n, dtype=bool)
    for raw_col, code in cols.items():
        col = _Col(frame[raw_col].reset_index(drop=True), missing)
        label = _OPTION_COLUMN.match(canon(raw_col)).group(2)
        option_text = header_key(label)
        other = is_other_option(label)       # its column may hold the typed text instead of 1
        state_u, typed_u = [], []
        for u, is_missing in zip(col.uniques, col.missing_u):
            key = answer_key(u)
            typed_u.append(False)
            if is_missing:
                state_u.append(np.nan)
            elif key in _CHOSEN or key == option_text:
                state_u.append(1.0)
                typed_u[-1] = bool(_TYPED.search(u))
            elif key in _NOT_CHOSEN:
                state_u.append(0.0)
            elif other or OTHER_TEXT.search(u):
                state_u.append(1.0)          # a non-empty, non-0 cell of an "other" option: chosen
                typed_u[-1] = True
            else:
                state_u.append(-1.0)   # unreadable
        state = np.append(np.array(state_u, dtype=float), np.nan)[col.codes]
        typed_here = col.take(np.array(typed_u, dtype=bool), False).astype(bool)
        typed |= typed_here
        answered |= ~np.isnan(state)
        rows = np.flatnonzero(typed_here)
        log.add(rows, var.name, _HIDDEN, _redact(label), "other_text")   # never the text itself
        bad = np.flatnonzero(state == -1)
        if len(bad):
            log.add(bad, var.name, [_redact_cell(col.uniques[c]) for c in col.codes[bad]], "", "unmapped")
            unmapped.append(pd.DataFrame({"variable": var.name, "value": [f"{raw_col}: 无法识别"],
                                          "count": [len(bad)]}))
        if code is None:
            rows = np.flatnonzero(state == 1)
            if len(rows):
                log.add(rows, var.name, _redact(label), "", "unmapped")
                unmapped.append(pd.DataFrame({"variable": var.name, "value": [_redact(label)],
                                              "count": [len(rows)]}))
            continue
        ticked[:, codes_list.index(code)] = np.maximum(ticked[:, codes_list.index(code)],
                                                       np.where(state == 1, 1, 0))
    ticked[~answered] = np.nan
    out = {f"{var.name}__{code}": pd.Series(pd.array(ticked[:, j], dtype="Float64")).astype("Int8")
           for j, code in enumerate(codes_list)}
    if typed.any():                          # as for 〖…〗 in a 按文本 download: only when typed
        out[f"{var.name}{OTHER_SUFFIX}"] = _flags(typed)
    return out


def _skip_logic(book: Codebook, out: pd.DataFrame, log: _Log, flags: dict) -> None:
    """An answer to a question the respondent should not have been asked is blanked (or, with
    ``quality.skip_logic.action: exclude``, its row excluded)."""
    rule = book.quality.get("skip_logic", {"enabled": True, "action": "blank"})
    if not rule.get("enabled", True):
        return
    for var in book.variables.values():
        cond = var.asked_if
        if cond is None or var.name not in out or cond.variable not in out:
            continue
        asked = out[cond.variable].isin(cond.codes).fillna(False).to_numpy(dtype=bool)
        violation = ~asked & out[var.name].notna().to_numpy()
        if not violation.any():
            continue
        rows = np.flatnonzero(violation)
        shown = out[var.name].map(var.values).astype(object).to_numpy()[rows]
        if rule["action"] == "exclude":
            flags.setdefault("skip_logic", np.zeros(len(out), dtype=object))
            flags["skip_logic"][rows] = [f"“{var.label}”只问{cond.text}的人，却答了“{s}”" for s in shown]
        else:
            log.add(rows, var.name, shown, "", "skip_logic")
            out.loc[violation, var.name] = pd.NA


def _derive(book: Codebook, out: pd.DataFrame) -> None:
    for d in book.derived.values():
        if d.source not in out:
            continue
        src = out[d.source]
        if d.bands:
            x = src.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            res = np.full(len(out), np.nan)
            for band in d.bands:
                inside = ~np.isnan(x)
                if band.min is not None:
                    inside &= x >= band.min
                if band.max is not None:
                    inside &= x <= band.max
                res[inside] = band.code
            out[d.name] = pd.array(res, dtype="Float64").astype("Int64")
        else:
            out[d.name] = src.map(d.mapping).astype("Int64")


def _seconds(s: pd.Series) -> np.ndarray:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return np.append(np.array([parse_seconds(u) for u in uniques], dtype=float), np.nan)[codes]


def _ip_hashes(s: pd.Series) -> np.ndarray:
    """问卷星's 来自IP ('1.2.3.4(河北-石家庄)') as a salted hash of the address, in memory only."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    hashed = [hashlib.sha256(b"community-survey:" + re.sub(r"\(.*$", "", canon(str(u))).encode()).hexdigest()
              for u in uniques]
    return np.append(np.array(hashed, dtype=object), [None])[codes]


def _row_rules(book: Codebook, raw: pd.DataFrame, out: pd.DataFrame, table: RawTable,
               flags: dict[str, np.ndarray], log: _Log, cols: dict[str, _Col],
               units: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """For each row the first exclusion rule that fires and its detail (None when the row is valid)."""
    n = len(raw)
    rule = np.full(n, None, dtype=object)
    detail = np.full(n, None, dtype=object)
    lines = np.asarray(table.rows)

    def mark(mask: np.ndarray, name: str, text) -> None:
        mask = np.asarray(mask, dtype=bool) & pd.isna(rule)
        if mask.any():
            rule[mask] = name
            detail[mask] = text[mask] if isinstance(text, np.ndarray) else text

    for var in book.variables.values():
        if var.required and var.kept and var.name in out:
            mark(out[var.name].isna().to_numpy(), "missing_required", f"“{var.label}”为空")
    unit_var = book.role("district")
    if unit_var is not None:                 # a row no unit's report can hold (unit not required)
        label = book.variables[unit_var].label
        empty = units.isna().to_numpy()
        text = np.full(n, f"“{label}”为空", dtype=object)
        if unit_var in cols:                 # an answer that is no option of the unit question
            col = cols[unit_var]
            given = empty & ~col.absent
            text[given] = [f"“{label}”的答案“{_redact(col.uniques[c])}”不是编码手册中的选项"
                           for c in col.codes[given]]
        mark(empty, "missing_unit", text)
    attention = book.rule("attention")
    if attention:
        for check in attention["checks"]:
            if check["variable"] in out:
                v = book.variables[check["variable"]]
                given = out[check["variable"]]
                wrong = ~given.isin(check["expect"]).fillna(False).to_numpy(dtype=bool)
                answer = given.map(v.values).fillna("（未答）").astype(str).to_numpy()
                expected = "或".join(v.values[c] for c in check["expect"])
                mark(wrong, "attention", np.array([f"“{v.label}”应选“{expected}”，答了“{a}”" for a in answer],
                                                  dtype=object))
    speed = book.rule("speeder")
    if speed and "_duration" in raw.columns:
        secs = _seconds(raw["_duration"])
        median = float(np.nanmedian(secs)) if (~np.isnan(secs)).any() else np.nan
        limit = max(float(speed.get("min_seconds", 0)),
                    float(speed.get("min_fraction_of_median", 0)) * (median if median == median else 0))
        fast = ~np.isnan(secs) & (secs < limit)
        text = np.full(n, None, dtype=object)
        text[fast] = [f"所用时间 {s:g} 秒，低于 {limit:g} 秒（下限 {speed.get('min_seconds', 0)} 秒或中位数 "
                      f"{median:g} 秒的 {speed.get('min_fraction_of_median', 0)} 倍）" for s in secs[fast]]
        mark(fast, "speeder", text)
    straight = book.rule("straightline")
    if straight:
        items = [i for i in straight["items"] if i in out]
        if len(items) >= 3:
            grid = out[items]
            answered = grid.notna().sum(axis=1).to_numpy()
            same = (grid.nunique(axis=1) == 1).to_numpy() & (answered >= straight["min_items"])
            if straight["action"] == "exclude":
                first = grid.bfill(axis=1).iloc[:, 0]
                labels = first.map(book.variables[items[0]].values).astype(object).to_numpy()
                mark(same, "straightline",
                     np.array([f"{k} 道量表题全部答“{lab}”" for k, lab in zip(answered, labels)], dtype=object))
            else:
                rows = np.flatnonzero(same & pd.isna(rule))
                for item in items:
                    v = book.variables[item]
                    shown = out[item].map(v.values).astype(object).to_numpy()[rows]
                    log.add(rows, item, shown, "", "straightline")
                    out.loc[rows, item] = pd.NA
    for name in ("skip_logic", "out_of_range"):
        if name in flags:
            hit = np.array([bool(x) for x in flags[name]])
            mark(hit, name, flags[name])
    if book.rule("duplicate"):
        answers = [c for c in raw.columns if not c.startswith("_")]
        keys = pd.DataFrame({c: cols[c].key_codes() for c in answers})
        if book.rule("duplicate").get("same_ip") and "_ip" in raw.columns:
            keys["_ip"] = pd.factorize(pd.Series(_ip_hashes(raw["_ip"])), use_na_sentinel=False)[0]
        if len(keys.columns):
            dup = keys.duplicated(keep="first").to_numpy()
            if dup.any():
                group = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
                first_line = pd.Series(lines).groupby(group).transform("first").to_numpy()
                same_ip = "（同一 IP）" if "_ip" in keys else ""
                mark(dup, "duplicate", np.array([f"与第 {int(r)} 行的全部答案相同{same_ip}" for r in first_line],
                                                dtype=object))
    if book.rule("duplicate_id"):
        id_var = book.role("id")
        if id_var in out:
            ids = out[id_var]
            dup = (ids.notna() & ids.duplicated(keep="first")).to_numpy()
            if dup.any():
                first_line = pd.Series(lines).groupby(ids.fillna("").to_numpy()).transform("first").to_numpy()
                mark(dup, "duplicate_id", np.array([f"编号与第 {int(r)} 行相同" for r in first_line], dtype=object))
    return rule, detail
