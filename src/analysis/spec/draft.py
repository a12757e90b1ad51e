"""A first codebook for a new questionnaire, drafted from one of its export files.

``draft_text(path)`` reads any supported file (问卷星 xlsx/xls/csv, hand-typed sheets, SPSS
``.sav``/``.zsav``, Stata ``.dta``) and writes a codebook YAML the researcher edits instead of writing
one from scratch. What it guesses, per question column (问卷星's leading meta columns are skipped):

- personal data (a header naming 姓名/电话/手机/身份证/联系方式…, or answers shaped like phone or
  ID numbers) → ``type: text`` with ``pii: true``; open questions (意见/建议/请注明…) and columns of
  many different answers → ``type: text`` with ``private: true``. Neither ever puts an answer in the
  draft: the only answers written are option labels shared by many respondents;
- 区（县）/街道（镇）/社区 questions → ``role: district / street / community`` (kept as text);
- an SPSS/Stata value-labelled variable → ``single`` with the file's codes and labels in code order
  (labels of user-missing codes go to ``missing:`` instead);
- answers joined by ``┋`` → ``multi`` with the distinct options in first-seen order;
- answers that mostly fit the five-point satisfaction scale (非常满意 … 很不满意) → ``scale: sat5``,
  the scale copied from the project's codebooks (labels live in codebooks, not code);
- mostly numbers → ``number``, or ``age`` when the header says 年龄/出生/岁;
- a few different answers that repeat (≤ 12, each given twice on average) → ``single`` coded
  1…k in first-seen order; a rare spelling that contains a common answer (女性 / 女) becomes an
  alias of it, marked for checking; never across a negation (不愿意 stays apart from 愿意).

The survey date is the latest 提交答卷时间 of a 问卷星 file; other files need ``survey_date`` given
(the loader needs it to turn birth years into ages, and today's date would make the draft depend on
the day it was run). Same file, same options → same bytes.
"""

from __future__ import annotations

import collections
import datetime as dt
import re
from pathlib import Path

import yaml

from analysis import config
from analysis.errors import SurveyError
from analysis.read import ingest, statfiles
from analysis.read.values import MULTI_SEP, parse_number, split_multi
from analysis.spec.codebook import VARIABLE_NAME
from analysis.textnorm import answer_key, canon, header_key

# the 问卷星 export's own missing markers (FORMATS.md) and the SPSS/Stata user-missing marker
WJX_MISSING = {"(跳过)": "skipped", "(空)": "empty", "-3": "skipped", "-2": "empty", "": "empty",
               "不回答": "refused", statfiles.USER_MISSING: "refused"}
MAX_OPTIONS = 12            # more different answers than this: free text, not a choice question
MAX_MULTI_OPTIONS = 30
SCALE = "sat5"
_PII_WORDS = ("姓名", "名字", "电话", "手机", "身份证", "联系方式", "微信号", "邮箱", "住址", "门牌")
_PII_KEYS = {"name", "phone", "mobile", "tel", "email", "idcard", "id_card", "address"}
_DATE = re.compile(r"^\d{4}[/-]\d{1,2}[/-]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_OPEN_WORDS = ("意见", "建议", "看法", "想法", "请注明", "请说明", "请填写", "原因", "为什么", "描述", "补充")
_AGE_WORDS = ("年龄", "出生", "岁")
_ROLE_LABELS = {"district": "区县", "street": "街道（镇）", "community": "社区"}
_WS = re.compile(r"\s+")
_NEGATION = set("不没无非未否难差")
_PHONE_OR_ID = re.compile(r"^(?:1\d{10}|\d{17}[\dxX]|0\d{2,3}-?\d{7,8})$")
_NUMBERED = re.compile(r"^\s*(?:[Qq]?(\d+)\s*[、.．:：)）(（]|第(\d+)题)")
_WJX_NAME = re.compile(r"^\d+_按[^_]*_(.+?)_\d+_\d+$")


def draft_text(path: str | Path, *, instrument: str | None = None, survey_date: dt.date | None = None,
               codebook_dir: str | Path = config.CODEBOOK_DIR) -> str:
    """The YAML text of a codebook drafted from ``path``."""
    path = Path(path)
    if path.suffix.lower() in statfiles.SUFFIXES:
        stat = statfiles.read_with_meta(path)
        table, meta = stat.table, {v.header: v for v in stat.variables}
    else:
        table, meta = ingest.read(path), {}
    instrument = instrument or instrument_from(path)
    if not VARIABLE_NAME.match(instrument):
        raise SurveyError(f"问卷英文名 “{instrument}” 只能用小写英文字母、数字和下划线，且以字母开头。",
                          fix="用 --instrument 指定，例如 --instrument resident_2027。")
    date_note = "调查日期（命令行给出）"
    if survey_date is None:
        survey_date, date_note = _latest_submission(table), "取自最后一份答卷的提交时间，请核对"
    scale = _scale(Path(codebook_dir))
    missing = dict(WJX_MISSING)
    missing.update(_user_missing_labels(meta.values(), missing))
    missing_keys = {answer_key(m) for m in missing}
    columns = [c for c in table.frame.columns
               if not c.startswith("_unnamed_")
               and not (table.kind == "wjx" and header_key(c) in ingest.WJX_META)]
    names = _Names(columns, table.var_names)
    seen_keys: dict[str, str] = {}
    blocks: list[tuple[str, dict | None]] = []
    for j, col in enumerate(columns, 1):
        key = header_key(col)
        if key in seen_keys:
            blocks.append((f"第 {j} 列“{col}”与“{seen_keys[key]}”的题目文字相同，未收录：请改写其中一个的 question。",
                           None))
            continue
        seen_keys[key] = col
        spec, note = _guess(col, table.frame[col], meta.get(col), missing_keys, scale, survey_date.year)
        spec = {"name": names.name(col, spec.pop("_name", None)), **spec}
        blocks.append((f"第 {j} 列：{note}", spec))
    return _render(path, table, instrument, survey_date, date_note, missing, scale, blocks)


# -- guessing one column --------------------------------------------------------------------------

def _guess(header: str, col, stat: statfiles.StatVariable | None, missing_keys: set[str],
           scale: dict | None, year: int) -> tuple[dict, str]:
    question = _WS.sub(" ", header).strip()        # header_key folds white space: still matches
    label = _short_label(header)
    base = {"question": question, "label": label}
    present = [v for v in col if v is not None and answer_key(v) not in missing_keys]
    n = len(present)
    hk = header_key(header)

    shaped_like_pii = sum(bool(_PHONE_OR_ID.match(v.strip())) for v in present)
    if any(w in hk for w in _PII_WORDS) or hk in _PII_KEYS or (n and shaped_like_pii * 2 >= n):
        return {**base, "type": "text", "pii": True, "_name": _pii_name(hk)}, \
            "个人信息（pii: true），不进入清洗后的数据和报告"
    role = _role(hk)
    if role:
        extra = {"required": True} if role == "district" else {}
        return {**base, "type": "text", "role": role, **extra, "_name": role}, \
            f"{_ROLE_LABELS[role]}（role: {role}），按原文保留"
    if stat is not None and stat.value_labels:
        guessed = _from_value_labels(stat, present, missing_keys, scale, base)
        if guessed:
            return guessed
    if n == 0:
        return {**base, "type": "text", "private": True}, "全部为空，无法判断题型：暂按文字题处理（private: true）"
    if any(MULTI_SEP in v for v in present):
        return _multi(base, present)
    if scale is not None:
        hit = _scale_fit(present, scale)
        if hit is not None:
            return {**base, "type": "single", "scale": SCALE, "_name": None}, hit
    age_header = any(w in hk for w in _AGE_WORDS)
    numbers = [parse_number(v, age_on=year if age_header else None) for v in present]
    if sum(x is not None for x in numbers) >= 0.8 * n:
        kind = "age" if age_header else "number"
        spec = {**base, "type": kind, **({"unit": "岁", "_name": "age"} if kind == "age" else {})}
        ints = {x for x in numbers if x is not None}
        note = f"{'年龄' if kind == 'age' else '数值'}（{n} 个答案中 {sum(x is not None for x in numbers)} 个是数）"
        if kind == "number" and ints <= set(range(-3, MAX_OPTIONS + 1)) and len(ints) <= MAX_OPTIONS:
            note += "；答案都是小整数：若这是“按选项序号”下载的选择题，改为 type: single 并写出 values"
        return spec, note
    if sum(bool(_DATE.match(v.strip())) for v in present) >= 0.8 * n:
        return {**base, "type": "text"}, "日期或时间，按原文保留（没有日期题型；出生日期请用 type: age）"
    if any(w in hk for w in _OPEN_WORDS):
        return {**base, "type": "text", "private": True}, f"开放题（{n} 个答案），按自由文字处理（private: true）"
    return _single_or_text(base, present, hk)


def _from_value_labels(stat, present, missing_keys, scale, base) -> tuple[dict, str] | None:
    labelled = {answer_key(t) for t in stat.value_labels.values()}
    if present and sum(answer_key(v) in labelled for v in present) * 2 < len(present):
        return None            # labels for a few special values of a mostly numeric variable
    items = [(c, t.strip()) for c, t in stat.value_labels.items()
             if t.strip() and answer_key(t) not in missing_keys]
    dropped = [t for c, t in stat.value_labels.items() if t.strip() and answer_key(t) in missing_keys]
    seen, kept = set(), []
    for c, t in items:
        if answer_key(t) not in seen:
            seen.add(answer_key(t))
            kept.append((c, t))
    if not kept:
        return None
    note = f"值标签（{len(kept)} 个选项）"
    if stat.missing_labels:
        note += "；用户缺失值 " + "、".join(f"{_code_text(c)}={t}" for c, t in stat.missing_labels.items()) \
            + " 按缺失处理"
    if dropped:
        note += f"；{'、'.join(dropped)} 按缺失处理"
    if scale is not None and len(kept) >= 3 and all(answer_key(t) in scale["_keys"] for _, t in kept):
        codes = "、".join(f"{_code_text(c)}={t}" for c, t in kept)
        return {**base, "type": "single", "scale": SCALE}, \
            f"{note}，都是满意度量表的选项，改用量表 {SCALE}（文件原编码 {codes}）"
    integer = all(isinstance(c, (int, float)) and float(c).is_integer() for c, _ in kept)
    values = {int(c): t for c, t in kept} if integer else {i: t for i, (_, t) in enumerate(kept, 1)}
    if not integer:
        note += "；原编码不是整数，已按顺序编为 1…k"
    return {**base, "type": "single", "values": values}, note


def _multi(base: dict, present: list[str]) -> tuple[dict, str]:
    counts: collections.Counter = collections.Counter()
    first: dict[str, str] = {}
    for v in present:
        for part in split_multi(v):
            k = answer_key(part)
            if k:
                counts[k] += 1
                first.setdefault(k, canon(part))
    if len(counts) > MAX_MULTI_OPTIONS:
        return {**base, "type": "text", "private": True}, \
            f"用 ┋ 连接的答案有 {len(counts)} 种选项，过多：暂按文字题处理"
    values = {i: first[k] for i, k in enumerate(first, 1)}
    return {**base, "type": "multi", "values": values}, f"多选题（┋ 连接，{len(values)} 个选项，按首次出现的顺序编号）"


def _scale_fit(present: list[str], scale: dict) -> str | None:
    codes = [scale["_keys"].get(answer_key(v)) for v in present]
    fit = sum(c is not None for c in codes)
    if fit < 0.8 * len(present) or len({c for c in codes if c is not None}) < 3:
        return None
    note = f"满意度量表 {SCALE}（{len(present)} 个答案中 {fit} 个是量表的写法）"
    if fit < len(present):
        note += f"；另有 {len(present) - fit} 个答案不在量表中，清洗时会列为未识别答案，可补进 aliases"
    return note


def _single_or_text(base: dict, present: list[str], hk: str) -> tuple[dict, str]:
    n = len(present)
    counts = collections.Counter(answer_key(v) for v in present)
    spelled: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for v in present:
        spelled[answer_key(v)][canon(v)] += 1
    order = list(dict.fromkeys(answer_key(v) for v in present))
    merged = _merge_variants(order, counts)
    options = [k for k in order if k not in merged]
    if (len(options) > MAX_OPTIONS or len(options) * 2 > n
            or max(len(k) for k in options) > 30 or "" in options):
        return {**base, "type": "text", "private": True}, \
            f"{len(counts)} 种不同的答案（{n} 个），按自由文字处理（private: true），不写出答案"
    label = {k: spelled[k].most_common(1)[0][0] for k in order}
    values = {i: label[k] for i, k in enumerate(options, 1)}
    code = {k: i for i, k in enumerate(options, 1)}
    spec = {**base, "type": "single", "values": values}
    note = f"单选题（{len(options)} 个选项，按首次出现的顺序编号；有顺序的选项请重新排号）"
    if merged:
        spec["aliases"] = {label[r]: code[f] for r, f in merged.items()}
        note += f"；自动归并 {'、'.join(f'{label[r]}→{label[f]}' for r, f in merged.items())}，请核对"
    if "性别" in hk:
        spec["_name"] = "gender"
    return spec, note


def _merge_variants(order: list[str], counts: collections.Counter) -> dict[str, str]:
    """Rare spellings that contain a common answer plus something that is not a negation: 女性 → 女."""
    merged: dict[str, str] = {}
    for r in order:
        candidates = [f for f in order if f != r and f not in merged and f in r
                      and counts[r] * 3 <= counts[f] and not (set(r.replace(f, "", 1)) & _NEGATION)]
        if candidates:
            merged[r] = max(candidates, key=len)
    return {r: f for r, f in merged.items() if f not in merged}


# -- names, labels, roles -------------------------------------------------------------------------

def _role(hk: str) -> str | None:
    if any(w in hk for w in ("区(县)", "区县", "县区", "县(区)", "县(市、区)", "县(市,区)")):
        return "district"
    if "街道" in hk or hk.endswith("镇") or "乡镇" in hk:
        return "street"
    if "社区" in hk and (hk.endswith("社区") or "名称" in hk or "哪个" in hk or hk.endswith("社区(村)")):
        return "community"
    return None


def _pii_name(hk: str) -> str:
    if "身份证" in hk:
        return "id_number"
    if "姓名" in hk or "名字" in hk:
        return "name"
    if "电话" in hk or "手机" in hk or "联系方式" in hk:
        return "phone"
    if "住址" in hk or "门牌" in hk:
        return "address"
    if "邮箱" in hk:
        return "email"
    if "微信号" in hk:
        return "wechat"
    return "pii"


def _short_label(header: str) -> str:
    """The question stem, shortened for tables: no number, no 您/您的, no trailing (选填) or colon;
    a satisfaction item keeps only what is rated (对社区服务的满意程度 → 社区服务)."""
    text = _WS.sub(" ", header).strip()
    text = re.sub(r"^(?:[Qq]?\d+\s*[、.．:：)）]\s*|第\d+题[、.．:：]?\s*)", "", text)
    text = re.sub(r"[\s:：?？。，,]+$", "", text)
    text = re.sub(r"\s*[(（][^()（）]*(?:选填|必填|多选|单选|可选|请注明|请填写)[^()（）]*[)）]$", "", text) or text
    text = re.sub(r"^(?:请问|请|总体而言[，,]\s*)", "", text)
    text = re.sub(r"^您(?:的|所在的|目前的|目前|现在的)?", "", text) or text
    m = re.match(r"^(?:对|对于)(.+?)的?(?:满意程度|满意度|满意情况)$", text)
    if m:
        text = m.group(1)
    text = text.strip() or header.strip()
    return text if len(text) <= 16 else text[:15] + "…"


class _Names:
    """Variable names: the statistics file's own when usable, else role names, else q<number>."""

    def __init__(self, columns: list[str], var_names: dict[str, str]):
        self.var_names, self.used = var_names, set()
        numbers = [self._number(c) for c in columns]
        self.shared = {n for n in numbers if n is not None and numbers.count(n) > 1}
        self.count: dict[str, int] = collections.Counter()
        self.position = {c: j for j, c in enumerate(columns, 1)}

    @staticmethod
    def _number(col: str) -> str | None:
        m = _NUMBERED.match(col)
        return (m.group(1) or m.group(2)) if m else None

    def name(self, col: str, preferred: str | None) -> str:
        own = self.var_names.get(col, "").lower()
        if VARIABLE_NAME.match(own):
            return self._unique(own)
        if preferred:
            return self._unique(preferred)
        n = self._number(col)
        if n is None:
            return self._unique(f"col{self.position[col]}")
        if n in self.shared:
            self.count[n] += 1
            return self._unique(f"q{n}_{self.count[n]}")
        return self._unique(f"q{n}")

    def _unique(self, name: str) -> str:
        out, k = name, 2
        while out in self.used:
            out, k = f"{name}_{k}", k + 1
        self.used.add(out)
        return out


def _code_text(code) -> str:
    return str(int(code)) if isinstance(code, float) and code.is_integer() else str(code)


# -- file-level facts -----------------------------------------------------------------------------

def instrument_from(path: str | Path) -> str:
    """The questionnaire's English name guessed from a file name: wjx_<id> for a 问卷星 download."""
    path = Path(path)
    m = re.match(r"^(\d+)_按", path.stem)
    if m:
        return f"wjx_{m.group(1)}"
    name = re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")
    if not name:
        return "survey"
    return name[:40] if name[0].isalpha() else f"survey_{name}"[:40]


def _title_from(path: Path) -> str:
    m = _WJX_NAME.match(path.stem)
    return m.group(1) if m else path.stem


def _latest_submission(table: ingest.RawTable) -> dt.date:
    col = next((c for c in table.frame.columns if header_key(c) == "提交答卷时间"), None)
    dates = []
    if col is not None:
        for v in table.frame[col].dropna():
            m = re.match(r"^\s*(\d{4})[/-](\d{1,2})[/-](\d{1,2})", v)
            if m:
                try:
                    dates.append(dt.date(*map(int, m.groups())))
                except ValueError:
                    pass
    if not dates:
        raise SurveyError("文件里没有 问卷星 的“提交答卷时间”，无法确定调查日期。", file=table.name,
                          fix="用 --survey-date 2026-09-15 给出调查日期（出生年份按它换算成年龄）。")
    return max(dates)


def _scale(folder: Path) -> dict | None:
    """The sat5 scale as the project's codebooks define it (first file that has one), or None."""
    for p in sorted(folder.glob("*.yaml")):
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        spec = (raw.get("scales") or {}).get(SCALE) if isinstance(raw, dict) else None
        if isinstance(spec, dict) and isinstance(spec.get("values"), dict):
            keys = {answer_key(str(t)): c for c, t in spec["values"].items()}
            keys.update({answer_key(str(t)): c for t, c in (spec.get("aliases") or {}).items()})
            return {**spec, "_keys": keys, "_from": p.name}
    return None


def _user_missing_labels(variables, missing: dict[str, str]) -> dict[str, str]:
    """Labels a .sav/.dta gives its user-missing codes, unless another variable uses them as an answer."""
    answers = {answer_key(t) for v in variables for t in v.value_labels.values()}
    out = {}
    for v in variables:
        for t in v.missing_labels.values():
            t = t.strip()
            if t and answer_key(t) not in answers and answer_key(t) not in {answer_key(m) for m in missing}:
                out[t] = "refused"
    return dict(sorted(out.items()))


# -- writing --------------------------------------------------------------------------------------

def _flow(value) -> str:
    """One YAML value on one line (flow style), quoted where YAML needs it."""
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, sort_keys=False,
                          width=1 << 20).strip()
    return text[:-4].rstrip() if text.endswith("\n...") else text


def _block(mapping: dict, indent: str, first: str | None = None) -> list[str]:
    """``key: value`` lines; ``first`` prefixes the first line (``- `` for a list item)."""
    lines = []
    for i, (k, v) in enumerate(mapping.items()):
        lead = (indent + first) if (first and i == 0) else indent + (" " * len(first) if first else "")
        lines.append(f"{lead}{_flow(k)}: {_flow(v)}")
    return lines


def _render(path: Path, table, instrument: str, survey_date: dt.date, date_note: str, missing: dict,
            scale: dict | None, blocks: list[tuple[str, dict | None]]) -> str:
    specs = [s for _, s in blocks if s is not None]
    has_district = any(s.get("role") == "district" for s in specs)
    scaled = [s["name"] for s in specs if s.get("scale")]
    singles = [s["name"] for s in specs if s["type"] == "single" and not s.get("scale")]
    lines = [
        f"# 编码手册草稿：由 survey codebook draft 根据 {path.name} 生成（{len(table.frame)} 行答卷，{len(specs)} 道题）。",
        "# 这是草稿，程序只是猜测。使用前请逐项核对、修改，再放进 config/codebooks/：",
        "#   1. instrument（英文名，不能与其他问卷重复）、title（问卷名称）、survey_date（调查日期，出生年份按它换算年龄）。",
        "#   2. 每道题的 type 是否猜对：single 单选、multi 多选、number 数值、age 年龄、text 文字。",
        "#      label 会出现在报告的表格和图中，请改成简短的中文；name 是程序里用的英文名，可以改得更好懂。",
        "#   3. 单选题的 values 按答案首次出现的顺序编号：有顺序的选项（如文化程度、了解程度）请按从低到高重新编号；",
        "#      注明“自动归并”的 aliases 是把少见写法并入常见写法，请逐个确认。",
        "#   4. 姓名、电话、身份证号等个人信息已标 pii: true，自由填写的文字已标 private: true：",
        "#      它们不会进入清洗后的数据和报告。草稿本身不含任何受访者的个人信息或自由填写的文字。",
        "#   5. 报告按 role: district 的题（区县、街道、学校……）分单位生成" + ("。" if has_district else
                                                  "：草稿里没有找到这样的题，全部答卷将出一份报告；"
                                                  "要分单位出报告，给那一题加上 role: district。"),
        "#   6. 质量规则（quality：答题过快、重复提交、超出范围）和年龄分段（derived）可参照 config/codebooks/resident.yaml 添加。",
        "# 改好后运行 survey prepare：没有对应选项的答案会列出来，把它们补进 aliases 即可。",
        "",
        f"instrument: {_flow(instrument)}",
        f"title: {_flow(_title_from(path))}",
        "respondent: ''                   # 受访者，例如 社区居民、社区工作者",
        f"survey_date: {survey_date.isoformat()}          # {date_note}",
        "min_header_match: 0.6            # 文件的表头至少要有这个比例的题目与本手册相符，才认作这份问卷",
        "",
        "missing:                         # 表示“没有回答”的写法（问卷星：(跳过) = 按逻辑跳过，(空) = 未填）",
        *_block(missing, "  "),
    ]
    if scale is not None and scaled:
        spec = {k: v for k, v in scale.items() if not k.startswith("_")}
        lines += ["", f"scales:                          # 复制自 config/codebooks/{scale['_from']}",
                  f"  {SCALE}:", *_block(spec, "    ")]
    lines += ["", "variables:"]
    for note, spec in blocks:
        lines.append(f"  # {note}")
        if spec is not None:
            lines += _block(spec, "  ", "- ")
    report = {}
    if singles:
        report["composition"] = singles[:8]
    if scaled:
        report["satisfaction"] = scaled
    if report:
        lines += ["", "report:                          # 报告中展示的题：构成（单选题）与满意度（量表题）",
                  *_block(report, "  ")]
    return "\n".join(lines).rstrip() + "\n"


