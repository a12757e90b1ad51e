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
from analysis.textnorm import answer_key, header_key

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
             "scales", "quality", "variables", "derived", "report"}
_VAR_KEYS = {"name", "question", "headers", "label", "type", "values", "aliases", "scale", "range",
             "unit", "role", "required", "pii", "private", "asked_if"}
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
    report: dict[str, tuple[str, ...]]

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
        report = self._report(raw.get("report") or {}, variables, derived)
        share = raw.get("min_header_match", 0.6)
        if not isinstance(share, (int, float)) or not 0 < share <= 1:
            self.fail(f"min_header_match 应是 0 到 1 之间的数，现在是 {share!r}。")
        return Codebook(
            path=self.path, instrument=instrument, title=str(raw["title"]),
            respondent=str(raw.get("respondent", "")), survey_date=self._date(raw.get("survey_date")),
            min_header_match=float(share), missing=missing, variables=variables, derived=derived,
            quality=quality, report=report,
        )

    def _no_unknown(self, d: dict, allowed: set[str], variable: str | None, where: str) -> None:
        unknown = sorted(set(map(str, d)) - allowed)
        if unknown:
            self.fail(f"{where}有不认识的键：{', '.join(unknown)}。", variable,
                      fix=f"可用的键：{', '.join(sorted(allowed))}（注意拼写）。")

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
            if not isinstance(label, str) or not label.strip():
                self.fail(f"代码 {code} 的标签为空。", variable)
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
            out[str(name)] = {"values": values, "aliases": aliases, "top_box": top}
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
        if not any(v.role == "district" for v in out.values()):
            self.fail("没有标记区县的变量。", fix="给区县题加上 role: district；报告按它分区县生成。")
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
        elif "values" in spec or "aliases" in spec:
            self.fail(f"{vtype} 类型的题不用 values/aliases。", name, fix="选择题用 type: single 或 multi。")
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
            required=bool(spec.get("required", False)), pii=bool(spec.get("pii", False)),
            private=bool(spec.get("private", False)),
            asked_if=self._condition(spec.get("asked_if"), name),
        )

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
            spec.setdefault("enabled", True)
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

    def _report(self, raw: Any, variables: dict[str, Variable], derived: dict[str, Derived]) -> dict:
        out = {}
        for key in ("composition", "satisfaction"):
            names = tuple(raw.get(key) or ())
            for n in names:
                if n in variables:
                    v = variables[n]
                    if not v.kept or v.type not in ("single",):
                        self.fail(f"report.{key} 只能列单选题或派生变量，{n} 不行。", n)
                    if key == "satisfaction" and not v.scale:
                        self.fail(f"report.satisfaction 中的 {n} 没有量表（scale）。", n)
                elif n not in derived:
                    self.fail(f"report.{key} 引用了不存在的变量。", n)
            out[key] = names
        return out
