"""The questionnaire spec (codebook): variables, labels, aliases, scales, missing codes, bands.

A codebook is one YAML file per questionnaire under ``config/codebooks/``. Loading validates it
completely and raises :class:`~analysis.errors.SurveyError` naming the file, the variable and the
fix at the first problem, so a mistake in a codebook never surfaces later as a wrong number.
This module knows nothing about data: it answers "what does this header / answer mean".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any, Iterable

from analysis import config
from analysis.errors import SurveyError
from analysis.fileio import read_yaml
from analysis.textnorm import answer_key, canon, header_key

TYPES = ("single", "multi", "text", "number", "age")
ROLES = ("district", "street", "community", "id")
MISSING_KINDS = ("skipped", "empty", "refused")
# rule → (allowed keys, allowed actions; the first is the default). "exclude" drops the row (logged in
# exclusions), "blank" empties the offending cells (logged in changes).
QUALITY_RULES = {
    "speeder": ({"enabled", "min_seconds", "min_fraction_of_median", "action"}, ("exclude",)),
    "duplicate": ({"enabled", "action", "same_ip"}, ("exclude",)),
    "duplicate_id": ({"enabled", "action"}, ("exclude",)),
    "straightline": ({"enabled", "items", "min_items", "action"}, ("exclude", "blank")),
    "attention": ({"enabled", "checks", "action"}, ("exclude",)),
    "skip_logic": ({"enabled", "action"}, ("blank", "exclude")),
    "out_of_range": ({"enabled", "action"}, ("blank", "exclude")),
}
_TOP_KEYS = {"instrument", "title", "respondent", "survey_date", "min_header_match", "missing",
             "scales", "quality", "variables", "derived", "report", "census"}
_VAR_KEYS = {"name", "question", "headers", "label", "type", "values", "aliases", "scale", "range",
             "unit", "role", "required", "pii", "private", "asked_if"}
_REPORT_KEYS = {"profile", "composition", "order", "skip", "satisfaction", "batteries", "overall",
                "breakdowns", "subgroups", "indicators", "public"}
INDICATOR_KINDS = ("mean", "share", "ratio", "count")
_INDICATOR_KEYS = {"name", "label", *INDICATOR_KINDS, "among", "of", "overview", "unit", "decimals", "concern"}
# A single-choice question whose name or label is one of these is a respondent characteristic: it is
# shown in 样本基本情况 when the codebook's report: section lists no profile.
DEMOGRAPHIC_LABELS = ("性别", "年龄", "年龄段", "文化程度", "学历", "政治面貌", "职务", "岗位", "民族", "户籍",
                      "婚姻", "收入", "职业", "居住年限")
DEMOGRAPHIC_NAMES = {"sex", "age_group", "education", "political", "position", "ethnicity", "ethnic",
                     "nation", "hukou", "marital", "marriage", "income", "occupation", "job", "residence_years",
                     "years_lived"}    # a name alone is enough for these; most questionnaires say it in the label
_CLAUSE = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(==|!=|>=|<=|>|<|\bin\b)\s*(.+?)\s*$")
_ASKED_IF = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(==|in)\s*\(?\s*([0-9,\s]+?)\s*\)?\s*$")
VARIABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclasses.dataclass(frozen=True)
class Condition:
    """A skip rule: the question is asked only when ``variable`` has one of ``codes``."""

    variable: str
    codes: tuple[int, ...]
    text: str


@dataclasses.dataclass(frozen=True)
class Variable:
    name: str
    label: str
    type: str
    question: str
    headers: tuple[str, ...] = ()
    values: dict[int, str] = dataclasses.field(default_factory=dict)
    aliases: dict[str, int] = dataclasses.field(default_factory=dict)   # keys already answer_key()-ed
    scale: str | None = None
    top_box: tuple[int, ...] = ()
    range: tuple[float, float] | None = None
    unit: str = ""
    role: str | None = None
    required: bool = False
    pii: bool = False
    private: bool = False
    asked_if: Condition | None = None
    # a text question's other spellings of one answer (answer_key() form → the name to use), e.g. a
    # text unit's aliases: {桥东: 桥东区, 石家庄市桥东区: 桥东区}
    names: dict[str, str] = dataclasses.field(default_factory=dict)

    def name_for(self, text: str) -> str:
        """A text answer as the codebook names it: the name its alias gives, else the text itself."""
        return self.names.get(answer_key(text), text) if self.names else text

    @property
    def kept(self) -> bool:
        """Whether the variable may reach processed files and reports (never for PII or private text)."""
        return not (self.pii or self.private)

    def code_for(self, answer: str, numbering: str = "code") -> int | None:
        """The code an answer maps to: its label or an alias, or a number. A number is the code
        itself (``numbering="code"``: typed sheets, SPSS) or, in a 问卷星 按序号 download
        (``numbering="position"``), the option's position in ``values`` as the codebook lists them,
        which is the questionnaire's order: with ``{5: 非常满意, …, 1: 很不满意}`` the answer 1 is
        非常满意 (code 5)."""
        key = answer_key(answer)
        if key in self.aliases:
            return self.aliases[key]
        if key.isdigit():
            k = int(key)
            if numbering == "position":
                order = list(self.values)
                return order[k - 1] if 1 <= k <= len(order) else None
            return k if k in self.values else None
        return None


@dataclasses.dataclass(frozen=True)
class Band:
    code: int
    label: str
    min: float | None
    max: float | None

    def contains(self, x: float) -> bool:
        return (self.min is None or x >= self.min) and (self.max is None or x <= self.max)


@dataclasses.dataclass(frozen=True)
class Derived:
    """A variable computed after cleaning: age bands from an age, or a regrouping of codes."""

    name: str
    label: str
    source: str
    values: dict[int, str]
    bands: tuple[Band, ...] = ()
    mapping: dict[int, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Clause:
    """One comparison of a condition: ``variable op operand``; the operand is a code, a tuple of
    codes (``in``) or another variable's name (``q3 != q3_rule``: codes compared)."""

    variable: str
    op: str
    operand: int | float | tuple[int, ...] | str


@dataclasses.dataclass(frozen=True)
class Expression:
    """A condition on codes (``a == 1 and b in (1, 2) or c >= 3``): ``or`` of ``and``-groups,
    ``and`` binding tighter, as in Python. A missing answer meets no clause."""

    text: str
    any_of: tuple[tuple[Clause, ...], ...]

    @property
    def names(self) -> tuple[str, ...]:
        out: list[str] = []
        for group in self.any_of:
            for c in group:
                out += [c.variable] + ([c.operand] if isinstance(c.operand, str) else [])
        return tuple(dict.fromkeys(out))


def parse_condition(text: Any) -> Expression:
    """Parse a condition; ValueError saying what is wrong (the codebook parser turns it into a
    SurveyError naming the file and key). Names are not checked here."""
    text = str(text).strip()
    if not text:
        raise ValueError("条件为空")
    groups = []
    for part in re.split(r"\s+or\s+", text):
        clauses = []
        for piece in re.split(r"\s+and\s+", part):
            m = _CLAUSE.match(piece)
            if not m:
                raise ValueError(f"看不懂“{piece.strip()}”")
            name, op, rhs = m.group(1), m.group(2), m.group(3).strip()
            if op == "in":
                inner = rhs.strip("()[] ")
                try:
                    operand: Any = tuple(int(c) for c in inner.replace(" ", "").split(",") if c)
                except ValueError:
                    raise ValueError(f"“{piece.strip()}”：in 后应是代码列表，如 (1, 2)") from None
                if not operand:
                    raise ValueError(f"“{piece.strip()}”：in 后没有代码")
            elif VARIABLE_NAME.match(rhs):
                operand = rhs
            else:
                try:
                    operand = int(rhs) if re.fullmatch(r"-?\d+", rhs) else float(rhs)
                except ValueError:
                    raise ValueError(f"“{piece.strip()}”：比较的应是代码、数值或变量名") from None
            clauses.append(Clause(name, op, operand))
        groups.append(tuple(clauses))
    return Expression(text=text, any_of=tuple(groups))


@dataclasses.dataclass(frozen=True)
class Battery:
    """Rating items shown as one table (``<instrument>_<table_suffix>``), resolved at load time."""

    table_suffix: str
    label: str
    items: tuple[str, ...]
    overall: str | None = None

    @property
    def index_items(self) -> tuple[str, ...]:
        """The items an index averages: every item but the overall judgement."""
        return tuple(i for i in self.items if i != self.overall)


@dataclasses.dataclass(frozen=True)
class Subgroup:
    label: str
    when: str

    @property
    def condition(self) -> Expression:
        return parse_condition(self.when)


@dataclasses.dataclass(frozen=True)
class Indicator:
    """A derived figure: ``kind`` is mean (``args`` = (number,)), share or count (``args`` =
    (condition,)) or ratio (``args`` = (numerator, denominator)); over the subgroup ``among`` and,
    for a share, over the rows that answered ``of``."""

    name: str
    label: str
    kind: str
    args: tuple[str, ...]
    among: str | None = None
    of: str | None = None
    overview: bool = False
    unit: str = ""
    decimals: int = 1
    # a problem the 存在的问题 chapter names when the figure is past a threshold:
    # ("below" | "above", threshold, what it says), e.g. ("below", 30, "35岁以下的年轻社区工作者偏少")
    concern: tuple[str, float, str] | None = None


@dataclasses.dataclass(frozen=True)
class ReportSpec:
    """The codebook's ``report:`` section, resolved: every name checked, batteries grouped."""

    profile: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    batteries: tuple[Battery, ...] = ()
    overall: str | None = None
    breakdowns: tuple[str, ...] = ()
    subgroups: dict[str, Subgroup] = dataclasses.field(default_factory=dict)
    indicators: tuple[Indicator, ...] = ()
    # profile facts of a census that are public (a district's number of secretaries): never
    # suppressed; what a respondent answered about themselves or their work stays protected
    public: tuple[str, ...] = ()

    def battery_of(self, item: str) -> Battery | None:
        return next((b for b in self.batteries if item in b.items), None)

    @property
    def rating_items(self) -> tuple[str, ...]:
        return tuple(i for b in self.batteries for i in b.items)


@dataclasses.dataclass(frozen=True)
class Codebook:
    path: Path
    instrument: str
    title: str
    respondent: str
    survey_date: dt.date
    min_header_match: float
    missing: dict[str, str]            # answer_key(marker) -> kind
    variables: dict[str, Variable]
    derived: dict[str, Derived]
    quality: dict[str, dict[str, Any]]
    report: ReportSpec
    # True: every member of the unit was asked (all community workers, every community's sheet):
    # figures are counts of the whole, printed without intervals or tests; False: a sample
    census: bool = False

    # -- lookups -------------------------------------------------------------------------------
    def labels(self, name: str) -> dict[int, str]:
        """Code → label for a variable or a derived variable."""
        if name in self.variables:
            return self.variables[name].values
        if name in self.derived:
            return self.derived[name].values
        raise KeyError(name)

    def label(self, name: str) -> str:
        if name in self.variables:
            return self.variables[name].label
        return self.derived[name].label

    def role(self, role: str) -> str | None:
        return next((v.name for v in self.variables.values() if v.role == role), None)

    def header_map(self) -> dict[str, str]:
        """header_key(question or alternative header) → variable name."""
        out: dict[str, str] = {}
        for v in self.variables.values():
            for text in (v.question, *v.headers):
                out[header_key(text)] = v.name
        return out

    def match_share(self, headers: Iterable[str]) -> float:
        """Share of this codebook's questions found among ``headers`` (to recognise a file's questionnaire)."""
        found = {self.header_map().get(header_key(str(h))) for h in headers} - {None}
        return len(found) / len(self.variables)

    def rule(self, name: str) -> dict[str, Any] | None:
        """A quality rule's settings when it is enabled, else None."""
        r = self.quality.get(name)
        return r if r and r.get("enabled", True) else None

    def scale_range(self, name: str) -> tuple[int, int]:
        """(lowest, highest) code of a rating item's scale, for an index from 0 to 100."""
        codes = list(self.variables[name].values)
        return min(codes), max(codes)

    def question_order(self) -> tuple[str, ...]:
        """The questions a report shows one table each (``<instrument>_q_<var>``), in report order:
        single-choice (not on a rating scale) and multi-select questions that are kept, not a
        unit/street/community/id variable, not in the profile, not skipped; ``report.order`` first
        (in its order), then the rest in codebook order."""
        r = self.report
        shown = [v.name for v in self.variables.values()
                 if v.kept and v.role is None and v.type in ("single", "multi") and not v.scale
                 and v.name not in r.profile and v.name not in r.skip]
        first = [n for n in r.order if n in shown]
        return tuple(first + [n for n in shown if n not in first])

    def sections(self) -> tuple[tuple[str, str], ...]:
        """The report's question sections in order, as (kind, key): ``("question", var)`` for each of
        :meth:`question_order`, ``("battery", table_suffix)`` at the place of its first item (or
        where ``report.order`` names it or its first item). Profile, numbers and text tables are not
        sections of their own here."""
        r = self.report
        questions = set(self.question_order())
        firsts = {b.items[0]: b.table_suffix for b in r.batteries if b.items}
        by_suffix = {b.table_suffix: b for b in r.batteries}
        out: list[tuple[str, str]] = []

        def add(name: str) -> None:
            if name in questions:
                item = ("question", name)
            elif name in firsts:
                item = ("battery", firsts[name])
            elif name in by_suffix:
                item = ("battery", name)
            else:
                return
            if item not in out:
                out.append(item)

        for name in r.order:
            add(name)
        for name in self.variables:
            add(name)
        return tuple(out)


# -- loading ---------------------------------------------------------------------------------------

def load(path: str | Path) -> Codebook:
    """Read and validate one codebook YAML file."""
    path = Path(path)
    raw = read_yaml(path, "编码手册（codebook）",
                    "检查路径；编码手册放在 config/codebooks/ 下，每份问卷一个 .yaml 文件。")
    return _Parser(path).codebook(raw)


def load_all(folder: str | Path = config.CODEBOOK_DIR) -> dict[str, Codebook]:
    """Every codebook in a folder, by instrument name."""
    folder = Path(folder)
    books: dict[str, Codebook] = {}
    for p in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        cb = load(p)
        if cb.instrument in books:
            raise SurveyError(f"问卷名 instrument: {cb.instrument} 与 {books[cb.instrument].path.name} 重复。",
                              file=str(p), fix="每份问卷的 instrument 必须不同。")
        books[cb.instrument] = cb
    if not books:
        raise SurveyError("文件夹中没有编码手册（*.yaml）。", file=str(folder),
                          fix="把问卷的编码手册放进该文件夹，可参考项目自带的 config/codebooks/。")
    return books


class _Parser:
    """Turns the YAML structure into a Codebook, failing with the file, variable and fix."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, msg: str, variable: str | None = None, fix: str | None = None):
        raise SurveyError(msg, file=str(self.path), variable=variable, fix=fix)

    def codebook(self, raw: Any) -> Codebook:
        if not isinstance(raw, dict):
            self.fail("编码手册应是一个键值映射（instrument、title、variables …）。")
        self._no_unknown(raw, _TOP_KEYS, None, "顶层")
        for key in ("instrument", "title", "variables"):
            if key not in raw:
                self.fail(f"缺少必填项 {key}。", fix=f"在文件顶层加上 {key}: …")
        instrument = str(raw["instrument"])
        if not VARIABLE_NAME.match(instrument):
            self.fail(f"instrument “{instrument}” 只能用小写英文字母、数字和下划线。")
        missing = self._missing(raw.get("missing") or {})
        scales = self._scales(raw.get("scales") or {})
        variables = self._variables(raw["variables"], scales)
        derived = self._derived(raw.get("derived") or [], variables)
        quality = self._quality(raw.get("quality") or {}, variables)
        report = self._report(raw.get("report") or {}, variables, derived, scales)
        share = raw.get("min_header_match", 0.6)
        if not isinstance(share, (int, float)) or not 0 < share <= 1:
            self.fail(f"min_header_match 应是 0 到 1 之间的数，现在是 {share!r}。")
        census = raw.get("census", False)
        if not isinstance(census, bool):
            self.fail(f"census 应是 true（普查：单位内全部对象都填写）或 false（抽样），现在是 {census!r}。",
                      "census", fix="写成 census: true 或 census: false。")
        return Codebook(
            path=self.path, instrument=instrument, title=str(raw["title"]),
            respondent=str(raw.get("respondent", "")), survey_date=self._date(raw.get("survey_date")),
            min_header_match=float(share), missing=missing, variables=variables, derived=derived,
            quality=quality, report=report, census=census,
        )

    def _no_unknown(self, d: dict, allowed: set[str], variable: str | None, where: str) -> None:
        unknown = sorted(set(map(str, d)) - allowed)
        if unknown:
            self.fail(f"{where}有不认识的键：{', '.join(unknown)}。", variable,
                      fix=f"可用的键：{', '.join(sorted(allowed))}（注意拼写）。")

    def _flag(self, spec: dict, key: str, where: str | None, default: bool = False) -> bool:
        """A yes/no setting: YAML's true or false. ``yes``, ``no``, ``on``, ``off`` are read as text
        (see fileio.read_yaml), so ``required: no`` would otherwise count as set."""
        value = spec.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(f"{key} 应写 true 或 false，写的是“{value}”。", where,
                      fix=f"写成 {key}: true（是）或 {key}: false（否）；yes/no、on/off 不作为是否。")
        return value

    def _date(self, value: Any) -> dt.date:
        if value is None:
            self.fail("缺少 survey_date（调查日期）。", fix="加上 survey_date: 2026-09-15；出生年份按该日期换算成年龄。")
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"survey_date “{value}” 不是日期。", fix="写成 2026-09-15 的形式。")

    def _missing(self, raw: Any) -> dict[str, str]:
        if not isinstance(raw, dict):
            self.fail("missing 应是“标记: 类型”的映射，例如 \"(跳过)\": skipped。")
        out = {}
        for marker, kind in raw.items():
            if kind not in MISSING_KINDS:
                self.fail(f"缺失标记 {marker!r} 的类型 {kind!r} 无效。", fix=f"可用：{', '.join(MISSING_KINDS)}。")
            out[answer_key(str(marker))] = kind
        return out

    def _codes(self, raw: Any, variable: str, what: str = "values") -> dict[int, str]:
        if not isinstance(raw, dict) or not raw:
            self.fail(f"{what} 应是非空的“代码: 标签”映射。", variable, fix="例如 values: {1: 男, 2: 女}")
        out = {}
        for code, label in raw.items():
            if isinstance(code, bool) or not isinstance(code, int):
                self.fail(f"{what} 的代码 {code!r} 不是整数。", variable, fix="代码用整数，例如 1: 男。")
            if isinstance(label, bool):
                self.fail(f"代码 {code} 的标签写成了 {str(label).lower()}，YAML 把它读成“是/否”而不是文字。",
                          variable, fix=f"给标签加引号：{code}: \"{str(label).lower()}\"。")
            if isinstance(label, (int, float)):   # 1: 1 on a numbered scale: the number is its text
                label = f"{label:g}"
            if not isinstance(label, str) or not label.strip():
                self.fail(f"代码 {code} 的标签为空。", variable, fix=f"写成 {code}: 选项文字。")
            out[code] = label.strip()
        labels = [answer_key(v) for v in out.values()]
        dupes = sorted({label for label in labels if labels.count(label) > 1})
        if dupes:
            self.fail(f"{what} 中有重复的标签：{', '.join(dupes)}。", variable)
        return out

    def _aliases(self, raw: Any, values: dict[int, str], variable: str) -> dict[str, int]:
        out = {answer_key(label): code for code, label in values.items()}
        if raw is None:
            return out
        if not isinstance(raw, dict):
            self.fail("aliases 应是“写法: 代码”的映射。", variable, fix="例如 aliases: {男性: 1}")
        for text, code in raw.items():
            key = answer_key(str(text))
            if code not in values:
                self.fail(f"别名 “{text}” 指向的代码 {code!r} 不在 values 里。", variable,
                          fix=f"可用的代码：{', '.join(map(str, values))}。")
            if key in out and out[key] != code:
                self.fail(f"别名 “{text}” 与标签或其他别名冲突（已对应代码 {out[key]}）。", variable)
            out[key] = code
        return out

    def _scales(self, raw: Any) -> dict[str, dict[str, Any]]:
        if not isinstance(raw, dict):
            self.fail("scales 应是“量表名: 定义”的映射。")
        out = {}
        for name, spec in raw.items():
            where = f"scales.{name}"
            if not isinstance(spec, dict):
                self.fail("量表定义应是映射（label、values、aliases、top_box）。", where)
            self._no_unknown(spec, {"label", "values", "aliases", "top_box"}, where, "量表定义")
            values = self._codes(spec.get("values"), where)
            aliases = self._aliases(spec.get("aliases"), values, where)
            top = tuple(spec.get("top_box") or ())
            if any(c not in values for c in top):
                self.fail(f"top_box {list(top)} 含有不在 values 里的代码。", where)
            out[str(name)] = {"values": values, "aliases": aliases, "top_box": top,
                              "label": str(spec.get("label") or name)}
        return out

    def _variables(self, raw: Any, scales: dict[str, dict[str, Any]]) -> dict[str, Variable]:
        if not isinstance(raw, list) or not raw:
            self.fail("variables 应是非空列表，每项描述一道题。")
        out: dict[str, Variable] = {}
        headers_seen: dict[str, str] = {}
        for i, spec in enumerate(raw, 1):
            if not isinstance(spec, dict) or "name" not in spec:
                self.fail(f"variables 第 {i} 项缺少 name。", fix="每个变量写成 - name: gender …")
            name = str(spec["name"])
            if not VARIABLE_NAME.match(name):
                self.fail("变量名只能用小写英文字母、数字和下划线，且以字母开头。", name)
            if name in out:
                self.fail("变量名重复。", name)
            self._no_unknown(spec, _VAR_KEYS, name, "变量定义")
            var = self._variable(name, spec, scales)
            for text in (var.question, *var.headers):
                key = header_key(text)
                if key in headers_seen:
                    self.fail(f"题目 “{text}” 与变量 {headers_seen[key]} 的题目相同，无法区分两列。", name)
                headers_seen[key] = name
            out[name] = var
        for var in out.values():
            if var.asked_if and var.asked_if.variable not in out:
                self.fail(f"asked_if 引用了不存在的变量 {var.asked_if.variable}。", var.name)
            if var.asked_if:
                known = out[var.asked_if.variable].values
                bad = [c for c in var.asked_if.codes if c not in known]
                if bad:
                    self.fail(f"asked_if 中的代码 {bad} 不是 {var.asked_if.variable} 的选项。", var.name)
        units = [v.name for v in out.values() if v.role == "district"]
        if len(units) > 1:            # one reporting unit per questionnaire; none: one report for the whole sample
            self.fail(f"有{len(units)}个变量标为 role: district（{'、'.join(units)}）。", units[1],
                      fix="只给报告单位（区县、街道、学校……）那一题标 role: district；其他题可标 role: street。")
        return out

    def _variable(self, name: str, spec: dict, scales: dict[str, dict[str, Any]]) -> Variable:
        for key in ("question", "label", "type"):
            if not spec.get(key):
                self.fail(f"缺少 {key}。", name)
        vtype = spec["type"]
        if vtype not in TYPES:
            self.fail(f"type “{vtype}” 无效。", name, fix=f"可用：{', '.join(TYPES)}。")
        values: dict[int, str] = {}
        aliases: dict[str, int] = {}
        top_box: tuple[int, ...] = ()
        scale = spec.get("scale")
        if scale is not None:
            if scale not in scales:
                self.fail(f"量表 “{scale}” 没有在 scales 中定义。", name,
                          fix=f"已定义的量表：{', '.join(scales) or '（无）'}。")
            if "values" in spec:
                self.fail("同时写了 scale 和 values，只能选一个。", name)
            values, aliases, top_box = (scales[scale]["values"], dict(scales[scale]["aliases"]),
                                        scales[scale]["top_box"])
            if spec.get("aliases"):
                aliases.update(self._aliases(spec["aliases"], values, name))
        elif vtype in ("single", "multi"):
            values = self._codes(spec.get("values"), name)
            aliases = self._aliases(spec.get("aliases"), values, name)
        elif "values" in spec or ("aliases" in spec and vtype != "text"):
            self.fail(f"{vtype} 类型的题不用 values/aliases。", name, fix="选择题用 type: single 或 multi。")
        names = self._text_aliases(spec.get("aliases"), name) if vtype == "text" else {}
        rng = spec.get("range")
        if rng is not None:
            if vtype not in ("number", "age"):
                self.fail("只有数值题（number、age）可以设 range。", name)
            if (not isinstance(rng, list) or len(rng) != 2
                    or not all(isinstance(x, (int, float)) for x in rng) or rng[0] > rng[1]):
                self.fail(f"range {rng!r} 应是 [最小值, 最大值]。", name, fix="例如 range: [18, 75]")
            rng = (float(rng[0]), float(rng[1]))
        role = spec.get("role")
        if role is not None and role not in ROLES:
            self.fail(f"role “{role}” 无效。", name, fix=f"可用：{', '.join(ROLES)}。")
        headers = spec.get("headers") or []
        if not isinstance(headers, list):
            self.fail("headers 应是题目文字的列表。", name)
        return Variable(
            name=name, label=str(spec["label"]), type=vtype, question=str(spec["question"]),
            headers=tuple(map(str, headers)), values=values, aliases=aliases, scale=scale,
            top_box=top_box, range=rng, unit=str(spec.get("unit", "")), role=role,
            required=self._flag(spec, "required", name), pii=self._flag(spec, "pii", name),
            private=self._flag(spec, "private", name),
            asked_if=self._condition(spec.get("asked_if"), name), names=names,
        )

    def _text_aliases(self, raw: Any, variable: str) -> dict[str, str]:
        """A text question's aliases: ``写法: 名称`` (桥东: 桥东区), each written form to the name the
        reports use; a name is never itself an alias of another."""
        if raw is None:
            return {}
        if not isinstance(raw, dict) or not raw:
            self.fail("文字题的 aliases 应是“写法: 统一的名称”的映射。", variable,
                      fix="例如 aliases: {桥东: 桥东区, 石家庄市桥东区: 桥东区}")
        out: dict[str, str] = {}
        for text, target in raw.items():
            if not isinstance(target, (str, int, float)) or isinstance(target, bool) or not str(target).strip():
                self.fail(f"别名 “{text}” 应对应一个名称，写的是 {target!r}。", variable,
                          fix="例如 aliases: {桥东: 桥东区}")
            out[answer_key(str(text))] = canon(str(target))
        chained = sorted(t for t in out.values() if answer_key(t) in out and out[answer_key(t)] != t)
        if chained:
            self.fail(f"“{chained[0]}”既是统一的名称，又被写成了别名。", variable,
                      fix="每个写法直接对应最终的名称，不要一环套一环。")
        return out

    def _condition(self, text: Any, name: str) -> Condition | None:
        if text is None:
            return None
        m = _ASKED_IF.match(str(text))
        if not m:
            self.fail(f"asked_if “{text}” 看不懂。", name,
                      fix="写成 \"post == 1\" 或 \"party in (1, 2)\"：变量名、== 或 in、选项代码。")
        codes = tuple(int(c) for c in m.group(3).replace(" ", "").split(",") if c)
        if m.group(2) == "==" and len(codes) != 1:
            self.fail(f"asked_if “{text}”：== 后只能有一个代码，多个代码请用 in。", name)
        return Condition(variable=m.group(1), codes=codes, text=str(text))

    def _derived(self, raw: Any, variables: dict[str, Variable]) -> dict[str, Derived]:
        if not isinstance(raw, list):
            self.fail("derived 应是列表。")
        out: dict[str, Derived] = {}
        for spec in raw:
            name = str(spec.get("name", "")) if isinstance(spec, dict) else ""
            if not VARIABLE_NAME.match(name):
                self.fail("派生变量缺少合法的 name。", name or None)
            if name in variables or name in out:
                self.fail("派生变量名与已有变量重复。", name)
            self._no_unknown(spec, {"name", "label", "from", "bands", "map", "values"}, name, "派生变量")
            source = spec.get("from")
            if source not in variables:
                self.fail(f"from: {source} 不是本问卷的变量。", name)
            if "bands" in spec:
                out[name] = self._banded(name, spec, variables[source])
            elif "map" in spec:
                out[name] = self._regrouped(name, spec, variables[source])
            else:
                self.fail("派生变量需要 bands（分段）或 map（合并选项）。", name)
        return out

    def _banded(self, name: str, spec: dict, source: Variable) -> Derived:
        if source.type not in ("number", "age"):
            self.fail(f"bands 只能用于数值变量，{source.name} 是 {source.type}。", name)
        bands = []
        for b in spec["bands"] or []:
            if not isinstance(b, dict) or not {"code", "label"} <= set(b) or not ({"min", "max"} & set(b)):
                self.fail("每个分段需要 code、label 以及 min 或 max。", name,
                          fix="例如 - {code: 1, label: 35岁以下, max: 34}")
            bands.append(Band(int(b["code"]), str(b["label"]), b.get("min"), b.get("max")))
        ordered = sorted(bands, key=lambda b: (b.min if b.min is not None else float("-inf")))
        for lo, hi in zip(ordered, ordered[1:]):
            if lo.max is None or hi.min is None or hi.min <= lo.max:
                self.fail(f"分段 “{lo.label}” 和 “{hi.label}” 重叠或没有边界。", name)
            if hi.min - lo.max > 1:
                self.fail(f"分段 “{lo.label}” 和 “{hi.label}” 之间有空档（{lo.max} 到 {hi.min}）。", name,
                          fix="整数年龄的相邻分段应首尾相接，例如 max: 34 与 min: 35。")
        return Derived(name=name, label=str(spec.get("label", name)), source=source.name,
                       values={b.code: b.label for b in bands}, bands=tuple(bands))

    def _regrouped(self, name: str, spec: dict, source: Variable) -> Derived:
        values = self._codes(spec.get("values"), name)
        mapping = spec["map"]
        if not isinstance(mapping, dict):
            self.fail("map 应是“原代码: 新代码”的映射。", name)
        missing = sorted(set(source.values) - set(mapping))
        if missing:
            self.fail(f"map 没有给 {source.name} 的代码 {missing} 指定新代码。", name)
        bad = sorted({v for v in mapping.values() if v not in values})
        if bad:
            self.fail(f"map 指向的代码 {bad} 不在 values 里。", name)
        return Derived(name=name, label=str(spec.get("label", name)), source=source.name,
                       values=values, mapping={int(k): int(v) for k, v in mapping.items()})

    def _quality(self, raw: Any, variables: dict[str, Variable]) -> dict[str, dict[str, Any]]:
        if not isinstance(raw, dict):
            self.fail("quality 应是“规则名: 设置”的映射。")
        out = {}
        for name, spec in raw.items():
            where = f"quality.{name}"
            if name not in QUALITY_RULES:
                self.fail(f"不认识的质量规则 {name}。", where, fix=f"可用：{', '.join(QUALITY_RULES)}。")
            keys, actions = QUALITY_RULES[name]
            spec = dict(spec or {})
            self._no_unknown(spec, keys, where, "质量规则")
            action = spec.get("action", actions[0])
            if action not in actions:
                self.fail(f"action “{action}” 不适用于该规则。", where, fix=f"可用：{', '.join(actions)}。")
            spec["action"] = action
            spec["enabled"] = self._flag(spec, "enabled", where, default=True)
            if "same_ip" in spec:
                spec["same_ip"] = self._flag(spec, "same_ip", where)
            check = getattr(self, f"_rule_{name}", None)
            if check:
                check(spec, variables, where)
            out[name] = spec
        return out

    def _rule_straightline(self, spec: dict, variables: dict[str, Variable], where: str) -> None:
        items = spec.get("items")
        if items is None:  # default: every item on a rating scale
            items = [v.name for v in variables.values() if v.scale and v.kept]
        if not isinstance(items, list) or any(i not in variables or not variables[i].scale for i in items):
            self.fail("items 应列出同一量表（scale）的题目变量名。", where,
                      fix="例如 items: [sat_service, sat_party, sat_safety]")
        if len({variables[i].scale for i in items}) > 1:
            self.fail("items 中的题目不属于同一个量表，无法判断是否“一条直线”作答。", where)
        if len(items) < 3:
            self.fail("至少需要 3 道同量表的题才能判断直线作答。", where)
        minimum = spec.get("min_items", len(items))
        if not isinstance(minimum, int) or not 3 <= minimum <= len(items):
            self.fail(f"min_items 应是 3 到 {len(items)} 之间的整数（至少答了几题才判断）。", where)
        spec["items"], spec["min_items"] = list(items), minimum

    def _rule_attention(self, spec: dict, variables: dict[str, Variable], where: str) -> None:
        checks = spec.get("checks")
        if not isinstance(checks, list) or not checks:
            self.fail("checks 应列出注意力题及其正确答案。", where,
                      fix="例如 checks: [{variable: attn1, expect: [4]}]")
        parsed = []
        for c in checks:
            var = variables.get(c.get("variable")) if isinstance(c, dict) else None
            if var is None or var.type != "single":
                self.fail(f"注意力题 {c!r} 应指向一道单选题变量。", where)
            expect = c.get("expect")
            expect = [expect] if isinstance(expect, int) else expect
            if not isinstance(expect, list) or not expect or any(e not in var.values for e in expect):
                self.fail(f"注意力题 {var.name} 的 expect 应是它的选项代码列表。", where,
                          fix=f"可用的代码：{', '.join(map(str, var.values))}。")
            parsed.append({"variable": var.name, "expect": list(expect)})
        spec["checks"] = parsed

    def _rule_duplicate_id(self, spec: dict, variables: dict[str, Variable], where: str) -> None:
        if not any(v.role == "id" for v in variables.values()):
            self.fail("duplicate_id 需要一个标为 role: id 的变量（问卷编号、工号等）。", where,
                      fix="给编号题加上 role: id，或删除该规则。")

    def _report(self, raw: Any, variables: dict[str, Variable], derived: dict[str, Derived],
                scales: dict[str, dict[str, Any]]) -> ReportSpec:
        if not isinstance(raw, dict):
            self.fail("report 应是映射（profile、batteries、overall、breakdowns …）。", "report")
        self._no_unknown(raw, _REPORT_KEYS, "report", "report 部分")
        if "profile" in raw and "composition" in raw:
            self.fail("report 中同时写了 profile 和 composition（旧名），两者含义相同，只能留一个。", "report",
                      fix="把 composition: 改名为 profile:。")
        names = {**{n: "variable" for n in variables}, **{n: "derived" for n in derived}}

        def name_list(key: str) -> tuple[str, ...]:
            value = raw.get(key)
            if value is None:
                return ()
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                self.fail(f"report.{key} 应是变量名的列表。", f"report.{key}", fix=f"例如 {key}: [gender, edu]")
            return tuple(value)

        def known(key: str, n: str) -> None:
            if n not in names:
                self.fail(f"report.{key} 引用了不存在的变量 {n}。", n,
                          fix="检查拼写；可用的名字是 variables 与 derived 中的 name。")

        def reportable(key: str, n: str, kinds: tuple[str, ...] = ("single",)) -> None:
            known(key, n)
            v = variables.get(n)
            if v is not None and (not v.kept or v.type not in kinds):
                self.fail(f"report.{key} 只能列{'、'.join(kinds)}题或派生变量，{n}（{v.type}"
                          f"{'，个人信息' if not v.kept else ''}）不行。", n)

        key = "profile" if "profile" in raw else "composition"
        profile = name_list(key)
        for n in profile:
            reportable(key, n)
        skip = name_list("skip")
        for n in skip:
            known("skip", n)
        if "profile" not in raw and "composition" not in raw:
            profile = self._default_profile(variables, derived)
        profile = tuple(n for n in profile if n not in skip)
        rating = [v.name for v in variables.values()
                  if v.type == "single" and v.scale and v.kept and v.role is None and v.name not in skip]
        batteries: list[Battery] = []
        used: set[str] = set()

        def battery(suffix: str, label: str | None, items: tuple[str, ...], where: str) -> None:
            if not items:
                self.fail(f"{where} 没有列出题目。", where)
            for n in items:
                known(where, n)
                v = variables.get(n)
                if v is None or not v.scale or not v.kept:
                    self.fail(f"{where} 中的 {n} 不是量表（scale）题。", n,
                              fix="量表题写成 type: single 加 scale: 量表名。")
                if n in used:
                    self.fail(f"{n} 同时出现在两个量表题组中。", n, fix="每道量表题只放进一个题组。")
            scale_names = {variables[n].scale for n in items}
            if len(scale_names) > 1:
                self.fail(f"{where} 中的题目用了不同的量表（{'、'.join(sorted(scale_names))}），无法合成一张表。",
                          where, fix="一个题组只放同一量表的题，或分成两个题组。")
            scale_label = scales[variables[items[0]].scale]["label"]
            if label is None:
                label = "满意度评价" if "满意" in scale_label else scale_label
            used.update(items)
            batteries.append(Battery(table_suffix=suffix, label=label, items=tuple(items)))

        if raw.get("satisfaction"):
            battery("satisfaction", None, tuple(n for n in name_list("satisfaction") if n not in skip),
                    "report.satisfaction")
        explicit = raw.get("batteries") or []
        if not isinstance(explicit, list):
            self.fail("report.batteries 应是列表，每项 {name, label, items}。", "report.batteries")
        for i, spec in enumerate(explicit, 1):
            where = f"report.batteries 第 {i} 项"
            if not isinstance(spec, dict):
                self.fail(f"{where} 应是映射 {{name, label, items}}。", where)
            self._no_unknown(spec, {"name", "label", "items"}, where, "量表题组")
            name = str(spec.get("name", ""))
            if not VARIABLE_NAME.match(name):
                self.fail(f"{where} 缺少合法的 name（小写英文字母、数字和下划线）。", where,
                          fix="例如 - {name: trust, label: 信任度, items: [t1, t2]}")
            if name in {b.table_suffix for b in batteries} or re.fullmatch(r"rating\d+", name) \
                    or name in ("composition", "numbers", "text", "indicators"):
                self.fail(f"题组名 {name} 已被占用。", where, fix="换一个题组名。")
            items = spec.get("items")
            if not isinstance(items, list):
                self.fail(f"{where} 的 items 应是量表题变量名的列表。", where)
            battery(name, str(spec["label"]) if spec.get("label") else None,
                    tuple(str(x) for x in items if str(x) not in skip), where)
        run: list[str] = []
        runs: list[list[str]] = []
        for v in variables.values():                       # automatic batteries: runs of one scale
            if v.name in rating and v.name not in used and run and variables[run[-1]].scale == v.scale:
                run.append(v.name)
                continue
            if run:
                runs.append(run)
            run = [v.name] if v.name in rating and v.name not in used else []
        if run:
            runs.append(run)
        for k, items in enumerate(runs, 1):
            label = scales[variables[items[0]].scale]["label"]
            batteries.append(Battery(table_suffix=f"rating{k}", label=label, items=tuple(items)))
        overall = raw.get("overall")
        if overall is not None:
            overall = str(overall)
            known("overall", overall)
            owner = next((b for b in batteries if overall in b.items), None)
            if owner is None:
                self.fail(f"report.overall 的 {overall} 不是报告中的量表题。", overall,
                          fix="overall 写总体评价那道量表题的变量名（它不能在 skip 中）。")
            batteries = [dataclasses.replace(b, overall=overall) if b is owner else b for b in batteries]
        breakdowns = name_list("breakdowns")
        for n in breakdowns:
            reportable("breakdowns", n)
        subgroups = self._subgroups(raw.get("subgroups") or {}, names)
        indicators = self._indicators(raw.get("indicators") or [], variables, names, subgroups)
        public = name_list("public")
        for n in public:
            reportable("public", n)
            if n in rating:
                self.fail(f"report.public 不能列量表题 {n}：评价是受访者本人的回答，人数少时必须隐去。", n,
                          fix="public 只列普查中本来公开的身份信息（如职务、是否“一肩挑”）。")
        order = name_list("order")
        suffixes = {b.table_suffix for b in batteries}
        for n in order:
            if n not in names and n not in suffixes:
                self.fail(f"report.order 引用了不存在的变量或题组 {n}。", n)
        return ReportSpec(profile=profile, order=order, skip=skip, batteries=tuple(batteries), overall=overall,
                          breakdowns=breakdowns, subgroups=subgroups, indicators=indicators, public=public)

    def _default_profile(self, variables: dict[str, Variable], derived: dict[str, Derived]) -> tuple[str, ...]:
        out: list[str] = []
        for v in variables.values():
            if (v.type == "single" and not v.scale and v.kept and v.role is None
                    and (v.name in DEMOGRAPHIC_NAMES or any(w in v.label for w in DEMOGRAPHIC_LABELS))):
                out.append(v.name)
            out += [d.name for d in derived.values() if d.source == v.name]
        return tuple(out)

    def _expression(self, text: Any, where: str, names: dict[str, str]) -> Expression:
        try:
            expr = parse_condition(text)
        except ValueError as e:
            self.fail(f"{where} 的条件“{text}”看不懂：{e}。", where,
                      fix="写成 \"q1 == 1\"、\"q2 != 4\"、\"q3 in (1, 2)\" 或 \"q4 >= 60\"，"
                          "可用 and / or 连接。")
        for n in expr.names:
            if n not in names:
                self.fail(f"{where} 的条件“{text}”引用了不存在的变量 {n}。", n,
                          fix="条件中只能用 variables 与 derived 中的变量名。")
        return expr

    def _subgroups(self, raw: Any, names: dict[str, str]) -> dict[str, Subgroup]:
        if not isinstance(raw, dict):
            self.fail("report.subgroups 应是“名字: {label, when}”的映射。", "report.subgroups",
                      fix="例如 leaders: {label: 负责人, when: \"q1 == 1\"}")
        out = {}
        for name, spec in raw.items():
            where = f"report.subgroups.{name}"
            if not VARIABLE_NAME.match(str(name)):
                self.fail("子群体名只能用小写英文字母、数字和下划线。", where)
            if not isinstance(spec, dict) or "when" not in spec:
                self.fail("子群体需要 when（条件）和 label（名称）。", where,
                          fix="例如 {label: 负责人, when: \"q1 == 1\"}")
            self._no_unknown(spec, {"label", "when"}, where, "子群体")
            self._expression(spec["when"], where, names)
            out[str(name)] = Subgroup(label=str(spec.get("label") or name), when=str(spec["when"]))
        return out

    def _concern(self, raw: Any, where: str) -> tuple[str, float, str] | None:
        """``concern: {below: 30, says: …}`` (or ``above:``) of an indicator."""
        if raw is None:
            return None
        fix = "例如 concern: {below: 30, says: 35岁以下的年轻社区工作者偏少}（或 above: 50）"
        if not isinstance(raw, dict) or set(raw) - {"below", "above", "says"} or "says" not in raw \
                or len({"below", "above"} & set(raw)) != 1:
            self.fail(f"{where} 的 concern 应写 below 或 above 之一（阈值）和 says（问题的说法）。", where, fix=fix)
        op = "below" if "below" in raw else "above"
        value = raw[op]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f"{where} 的 concern.{op} 应是数，现在是 {value!r}。", where, fix=fix)
        return op, float(value), str(raw["says"])

    def _indicators(self, raw: Any, variables: dict[str, Variable], names: dict[str, str],
                    subgroups: dict[str, Subgroup]) -> tuple[Indicator, ...]:
        if not isinstance(raw, list):
            self.fail("report.indicators 应是列表，每项一个指标。", "report.indicators")
        out: list[Indicator] = []
        seen = set(subgroups)
        numeric = {n for n, v in variables.items() if v.type in ("number", "age")}
        for i, spec in enumerate(raw, 1):
            if not isinstance(spec, dict):
                self.fail(f"report.indicators 第 {i} 项应是映射。", "report.indicators")
            name = str(spec.get("name", ""))
            where = f"report.indicators.{name or i}"
            if not VARIABLE_NAME.match(name):
                self.fail("指标缺少合法的 name（小写英文字母、数字和下划线）。", where)
            if name in seen:
                self.fail(f"指标名 {name} 与另一个指标或子群体重复。", where)
            seen.add(name)
            self._no_unknown(spec, _INDICATOR_KEYS, where, "指标")
            kinds = [k for k in INDICATOR_KINDS if k in spec]
            if len(kinds) != 1:
                self.fail("指标要写且只写 mean、share、ratio、count 中的一个。", where,
                          fix="例如 mean: 数值变量（平均数）、share: \"x == 1\"（比例）、ratio: [a, b]（合计之比）、"
                              "count: \"x != y\"（个数）。")
            kind = kinds[0]
            value = spec[kind]
            if kind == "mean":
                if value not in numeric:
                    self.fail(f"mean: {value} 应是数值题（number 或 age）。", where)
                args: tuple[str, ...] = (str(value),)
            elif kind == "ratio":
                if (not isinstance(value, list) or len(value) != 2
                        or not all(isinstance(x, str) and x in numeric for x in value)):
                    self.fail(f"ratio: {value!r} 应是两个数值题 [分子, 分母]。", where,
                              fix="例如 ratio: [部分人数的变量, 总人数的变量]")
                args = (value[0], value[1])
            else:
                args = (self._expression(value, where, names).text,)
            among = spec.get("among")
            if among is not None and among not in subgroups:
                self.fail(f"among: {among} 不是 report.subgroups 中的子群体。", where,
                          fix=f"已定义的子群体：{'、'.join(subgroups) or '（无）'}。")
            of = spec.get("of")
            if of is not None and (kind != "share" or of not in names):
                self.fail(f"of: {of} 只用于 share 指标，且应是本问卷的变量。", where)
            decimals = spec.get("decimals", 0 if kind == "count" else 1)
            if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 4:
                self.fail(f"decimals 应是 0 到 4 的整数，现在是 {decimals!r}。", where)
            unit = spec.get("unit")
            if unit is None:
                unit = (variables[args[0]].unit if kind == "mean" else "%" if kind in ("share", "ratio")
                        else "")
            out.append(Indicator(name=name, label=str(spec.get("label") or name), kind=kind, args=args,
                                 among=among, of=of, overview=self._flag(spec, "overview", where),
                                 unit=str(unit), decimals=decimals, concern=self._concern(spec.get("concern"), where)))
        return tuple(out)
