"""A first codebook for a new questionnaire, drafted from its export: one file, or a 问卷星 按文本 +
按序号 pair of the same answers (``spec.draft_pair``), that ``survey prepare`` / ``survey build`` can
run as it is. What it guesses, per question (问卷星's leading meta columns are skipped):

- personal data by its answers or by what the question asks (``spec.draft_pii``) → ``type: text``,
  ``pii: true``; free text (many, long or mostly different answers, open questions, typed "其他"
  text) → ``type: text``, ``private: true``. No answer of either is ever written into the draft;
- the reporting unit (区县, else 街道, else 社区/学校/单位 …) → ``role: district``, the others
  ``role: street / community``; single choice when the codes are known (按序号, value labels);
- options: a 按序号 file's numbers (questionnaire order, options nobody chose included where the
  file knows them) with the 按文本 labels; SPSS/Stata value labels in code order; a 按文本 file
  alone gives its options in order of first appearance (said in the draft); 〖…〗 typed text is
  stripped before anything is typed;
- rating scales of any stem and either direction (``spec.draft_scales``), declared in the draft;
  consecutive items on one scale are one battery, an overall item (总体/整体/总的来说) its
  ``overall``;
- numbers; ages only when the question says 周岁/岁/出生 or the answers are plausible ages; profile
  questions (性别, 年龄, 文化程度, 政治面貌, 岗位 …) in ``report: profile``, with age bands proposed.

``draft(paths)`` returns the text and the short list of what a person must check; same files, same
bytes.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import re
from pathlib import Path

import yaml

from analysis.errors import SurveyError
from analysis.read import statfiles
from analysis.read.values import MULTI_SEP, OTHER_TEXT, parse_number, split_multi
from analysis.spec import draft_meta, draft_pii, draft_report, draft_scales
from analysis.spec.codebook import VARIABLE_NAME
from analysis.spec.draft_pair import PLACEHOLDER, Column, load
from analysis.spec.draft_scales import Scale
from analysis.textnorm import answer_key, canon, header_key

instrument_from = draft_meta.instrument_from

# the 问卷星 export's own missing markers (FORMATS.md) and the SPSS/Stata user-missing marker
WJX_MISSING = {"(跳过)": "skipped", "(空)": "empty", "-3": "skipped", "-2": "empty", "": "empty",
               "不回答": "refused", statfiles.USER_MISSING: "refused"}
MAX_OPTIONS = 12            # more different answers than this: free text, not a choice question
MAX_MULTI_OPTIONS = 30
_DATE = re.compile(r"^\d{4}[/-]\d{1,2}[/-]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_OPEN_WORDS = ("意见", "建议", "看法", "想法", "请注明", "请说明", "请填写", "原因", "为什么", "描述", "补充")
_AGE_SAYS = ("周岁", "岁", "出生")
_QUANTITY = ("多少", "几", "数量", "人数", "次数", "年限", "部数", "价格", "金额", "面积", "时长", "收入", "天数")
_NEGATION = set("不没无非未否难差")
_MUST_CHECK = re.compile(r"请核对|待填写|未识别|若这是|无法判断|过多|缺失")
_NUMBERED = re.compile(r"^\s*(?:[Qq]?(\d+)\s*[、.．:：)）(（]|第(\d+)题)")
_WS = re.compile(r"\s+")


@dataclasses.dataclass
class Draft:
    text: str
    checks: list[str]             # what a person must decide, one short Chinese line each
    notice: str | None = None     # one line the command prints (a 按序号 file without labels)


def draft_text(path, **kw) -> str:
    """The YAML text of a codebook drafted from ``path`` (a file, a folder, or a list of two files)."""
    return draft(path, **kw).text


def draft(paths, *, instrument: str | None = None, survey_date: dt.date | None = None) -> Draft:
    """A codebook drafted from one export, a 按文本 + 按序号 pair, or a folder holding either."""
    paths = [Path(p) for p in (paths if isinstance(paths, (list, tuple)) else [paths])]
    source = load(paths)
    first = source.files[0]
    instrument = instrument or instrument_from(first)
    if not VARIABLE_NAME.match(instrument):
        raise SurveyError(f"问卷英文名 “{instrument}” 只能用小写英文字母、数字和下划线，且以字母开头。",
                          fix="用 --instrument 指定，例如 --instrument resident_2027。")
    checks: list[str] = []
    if survey_date is None:
        survey_date, col = draft_meta.survey_date(source.table)
        date_note = f"取自“{col}”最晚的日期，请核对"
    else:
        date_note = "调查日期（命令行给出）"
    stat_meta = {v.header: v for v in source.stat.variables} if source.stat else {}
    missing = dict(WJX_MISSING)
    missing.update(_user_missing_labels(stat_meta.values(), missing))
    guesser = _Guesser({answer_key(m) for m in missing}, survey_date)
    if source.stat is None:
        guesser.learn_scales(source.columns)
    names = _Names([c.header for c in source.columns], source.table.var_names)
    specs: list[tuple[str, dict]] = []
    skipped: list[str] = []
    seen: dict[str, str] = {}
    for col in source.columns:
        key = header_key(col.header)
        if col.other_text:         # typed "其他" text never reaches the data; as a question its header
            skipped.append(f"“{col.header}”是填写的“其他”文字，不进入数据")   # would catch every 第N题(其他…)
            continue
        if key in seen:            # a codebook cannot tell two columns of one text apart
            skipped.append(f"“{col.header}”与“{seen[key]}”的表头相同，未收录：请改写其中一个的 question")
            continue
        seen[key] = col.header
        spec, note = guesser.guess(col, stat_meta.get(col.header))
        spec = {"name": names.name(col.header, spec.pop("_name", None)), **spec}
        specs.append((note, spec))
    draft_report.mark_units(specs, checks)
    report, derived = draft_report.report(specs, guesser.ages, checks)
    label = source.stat.file_label if source.stat else None
    title, made_up = draft_meta.title_from(first, label, source.table.title)
    if made_up:
        checks.append(f"问卷名称 title 是从文件名推测的（“{title}”），请改成正式名称。")
    respondent = draft_meta.respondent_from(title)
    if respondent is None:
        respondent = "受访者"
        checks.append("受访者 respondent 从问卷名称看不出来，暂写“受访者”，请改成社区居民、社区工作者等。")
    checks.append(CENSUS_CHECK)
    checks += guesser.checks
    checks += [s for s in skipped if "请改写" in s]
    used = {s.get("scale") for _, s in specs}
    for name, scale in guesser.scales.items():
        if name in used and scale.guessed_order:
            checks.append(f"量表 {name} 在问卷上的选项顺序不知道（只有按文本下载），按“{scale.values[0][1]}”在前排列："
                          "若还要清洗按序号下载，请按问卷核对 values 的顺序。")
    notice = None
    if source.numbered_only:
        notice = ("只有按序号下载：选项只有序号，没有文字；草稿里的“选项N（待填写）”要按问卷改成选项文字，"
                  "或同时给出按文本下载重新起草。")
        checks.insert(0, notice)
    text = _render(source, instrument, title, respondent, survey_date, date_note, missing, guesser.scales,
                   specs, report, derived, checks, skipped)
    return Draft(text, checks, notice)


# -- guessing one question ------------------------------------------------------------------------

class _Guesser:
    def __init__(self, missing_keys: set[str], survey_date: dt.date):
        self.missing_keys, self.date = missing_keys, survey_date
        self.scales: dict[str, Scale] = {}
        self.checks: list[str] = []
        self.ages: dict[str, list[float]] = {}
        self.text_scales: dict[str, Scale] = {}

    def learn_scales(self, columns: list[Column]) -> None:
        """One scale per stem from the answers of every 按文本 question on it, so that items
        answered with different spellings (较满意 here, 比较满意 there) share one scale."""
        by_stem: dict[str, list[str]] = {}
        for col in columns:
            if col.options is not None or col.multi or col.other_text:
                continue
            labels = [canon(OTHER_TEXT.sub("", v)).strip() for v in self.present(col)]
            scale = draft_scales.from_answers(labels)
            if scale is not None:
                by_stem.setdefault(scale.stem, []).extend(labels)
        for stem, labels in by_stem.items():
            scale = draft_scales.from_answers(labels)
            if scale is not None and scale.stem == stem:
                self.text_scales[stem] = scale

    def present(self, col: Column) -> list[str]:
        return [v for v in col.answers if v is not None and answer_key(v) not in self.missing_keys]

    def guess(self, col: Column, stat) -> tuple[dict, str]:
        header = col.header
        question = _WS.sub(" ", header).strip()
        base = {"question": question, "label": _short_label(header)}
        if col.headers:
            base["headers"] = list(col.headers)
        present = self.present(col)
        labels = [canon(OTHER_TEXT.sub("", v)).strip() for v in present]      # 〖typed text〗 never counts
        hk = header_key(header)
        kind = draft_pii.personal(header, [v for v in labels if v], stat.name if stat else "")
        if kind:
            return {**base, "type": "text", "pii": True, "_name": kind}, \
                "个人信息（pii: true），不进入清洗后的数据和报告"
        if stat is not None and stat.value_labels:
            guessed = self._value_labels(stat, present, base)
            if guessed:
                return guessed
        if col.options is not None:
            return self._known(col, base)
        if not present:
            return {**base, "type": "text", "private": True}, "全部为空，无法判断题型：暂按文字题处理（private: true）"
        if any(MULTI_SEP in v for v in present):
            return _multi(base, present)
        scale = draft_scales.from_answers(labels)
        if scale is not None:
            return self._scaled(base, self.text_scales.get(scale.stem, scale), labels)
        return self._typed(base, labels, hk, header)

    def _typed(self, base: dict, labels: list[str], hk: str, header: str) -> tuple[dict, str]:
        n = len(labels)
        says_age = any(w in hk for w in _AGE_SAYS)
        numbers = [parse_number(v, age_on=self.date if says_age or "年龄" in hk else None) for v in labels]
        got = [x for x in numbers if x is not None]
        if len(got) >= 0.8 * n:
            ints = {x for x in got if float(x).is_integer()}
            score = draft_scales.score_scale(ints, header) if len(ints) == len(set(got)) else None
            if score is not None:
                return self._scaled(base, score, labels)
            plausible = sum(15 <= x <= 100 for x in got) >= 0.95 * len(got) and len(set(got)) >= 5
            if says_age or ("年龄" in hk and plausible):
                self.ages[base["question"]] = got
                return {**base, "type": "age", "unit": "岁", "_name": "age"}, \
                    f"年龄（{n} 个答案中 {len(got)} 个是年龄、出生年份或日期）"
            small = ints <= set(range(1, MAX_OPTIONS + 1)) and len(set(got)) == len(ints)
            if "年龄" in hk and small:               # age groups given as codes (2 = 18–29 岁 …)
                values = {k: PLACEHOLDER.format(k=k) for k in range(1, int(max(ints)) + 1)}
                self.checks.append(f"“{base['label']}”的答案是年龄段的代码 1–{int(max(ints))}：请把“选项N（待填写）”改成年龄段。")
                return {**base, "type": "single", "values": values}, "【请核对】年龄段代码，选项文字待填写"
            note = f"数值（{n} 个答案中 {len(got)} 个是数）"
            if small and not any(w in hk for w in _QUANTITY):
                note += "；答案都是小整数：若这是选择题的序号，改为 type: single 并写出 values"
            return {**base, "type": "number"}, note
        if sum(bool(_DATE.match(v)) for v in labels) >= 0.8 * n:
            return {**base, "type": "text"}, "日期或时间，按原文保留（出生日期请用 type: age）"
        if any(w in hk for w in _OPEN_WORDS):
            return {**base, "type": "text", "private": True}, f"开放题（{n} 个答案），按自由文字处理（private: true）"
        return _single_or_text(base, labels, hk)

    def _scale_name(self, scale: Scale) -> str:
        name = scale.name
        k = 2
        while name in self.scales and self.scales[name].values != scale.values:
            name, k = f"{scale.name}_{k}", k + 1
        self.scales[name] = scale
        return name

    def _scaled(self, base: dict, scale: Scale, labels: list[str]) -> tuple[dict, str]:
        name = self._scale_name(scale)
        known = {answer_key(t) for _, t in scale.values} | {answer_key(t) for t, _ in scale.aliases}
        fit = sum(answer_key(v) in known for v in labels)
        note = f"量表 {name}（{scale.label}）"
        if scale.guessed_order:
            note += "；选项按程度从高到低排列"
        if fit < len(labels):
            note += f"；{len(labels) - fit} 个答案不在量表中，清洗时会列为未识别答案"
        return {**base, "type": "single", "scale": name}, note

    def _known(self, col: Column, base: dict) -> tuple[dict, str]:
        """Options a file listed in questionnaire order (按序号 codes, 按序号 multi-select headers)."""
        options = list(col.options)
        if col.multi:
            values = {k: t for k, t in enumerate(options, 1)}
            return {**base, "type": "multi", "values": values, "_ordered": True}, \
                f"多选题（{len(values)} 个选项，按问卷上的顺序编号）"
        scale = draft_scales.from_labels(options, listed=True) if not col.coded else None
        unknown = [k for k, t in enumerate(options, 1) if t is None]
        if scale is not None:
            filled = tuple((c, t if t is not None else PLACEHOLDER.format(k=i))
                           for i, (c, t) in enumerate(scale.values, 1))
            scale = dataclasses.replace(scale, values=filled)
            spec, note = self._scaled(base, scale, [])
        else:
            values = {k: (t if t is not None else PLACEHOLDER.format(k=k)) for k, t in enumerate(options, 1)}
            spec, note = {**base, "type": "single", "values": values}, \
                f"单选题（{len(values)} 个选项，按问卷上的顺序编号）"
        if unknown and not col.coded:
            self.checks.append(f"“{base['label']}”的第 {'、'.join(map(str, unknown))} 个选项没有人选，"
                               "两个文件都不知道它的文字：请把“选项N（待填写）”改成问卷上的文字。")
            note = "【请核对】" + note + f"；第 {'、'.join(map(str, unknown))} 个选项无人选择，文字待填写"
        if col.coded:
            note = f"单选题（按序号，{len(options)} 个选项），选项文字待填写"
        if "性别" in header_key(base["question"]) and not spec.get("scale"):
            spec["_name"] = "gender"
        return {**spec, "_ordered": True}, note

    def _value_labels(self, stat, present, base) -> tuple[dict, str] | None:
        labelled = {answer_key(t) for t in stat.value_labels.values()}
        if present and sum(answer_key(v) in labelled for v in present) * 2 < len(present):
            return None            # labels for a few special values of a mostly numeric variable
        kept, seen = [], set()
        for c, t in stat.value_labels.items():
            if t.strip() and answer_key(t) not in self.missing_keys and answer_key(t) not in seen:
                seen.add(answer_key(t))
                kept.append((c, t.strip()))
        if not kept:
            return None
        note = f"值标签（{len(kept)} 个选项）"
        if stat.missing_labels:
            note += "；用户缺失值 " + "、".join(f"{_code_text(c)}={t}" for c, t in stat.missing_labels.items()) \
                + " 按缺失处理"
        scale = draft_scales.from_labels([t for _, t in kept], listed=True)
        if scale is not None:
            spec, scale_note = self._scaled(base, scale, [])
            codes = "、".join(f"{_code_text(c)}={t}" for c, t in kept)
            return spec, f"{note}；{scale_note}，分数越高越好（文件原编码 {codes}）"
        integer = all(isinstance(c, (int, float)) and float(c).is_integer() for c, _ in kept)
        values = {int(c): t for c, t in kept} if integer else {i: t for i, (_, t) in enumerate(kept, 1)}
        if not integer:
            note += "；原编码不是整数，已按顺序编为 1…k"
        return {**base, "type": "single", "values": values, "_ordered": True}, note


def _multi(base: dict, present: list[str]) -> tuple[dict, str]:
    counts: collections.Counter = collections.Counter()
    first: dict[str, str] = {}
    for v in present:
        for part in split_multi(v):
            k = answer_key(part)
            if k:
                counts[k] += 1
                first.setdefault(k, canon(part).strip())
    if len(counts) > MAX_MULTI_OPTIONS:
        return {**base, "type": "text", "private": True}, \
            f"用 ┋ 连接的答案有 {len(counts)} 种选项，过多：暂按文字题处理"
    values = {i: first[k] for i, k in enumerate(first, 1)}
    return {**base, "type": "multi", "values": values}, f"多选题（┋ 连接，{len(values)} 个选项，按首次出现的顺序编号）"


def _single_or_text(base: dict, labels: list[str], hk: str) -> tuple[dict, str]:
    n = len(labels)
    counts = collections.Counter(answer_key(v) for v in labels)
    spelled: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for v in labels:
        spelled[answer_key(v)][v] += 1
    order = list(dict.fromkeys(answer_key(v) for v in labels))
    merged = _merge_variants(order, counts)
    options = [k for k in order if k not in merged]
    if draft_pii.free_text([k for k in (answer_key(v) for v in labels) if k not in merged], MAX_OPTIONS) \
            or len(options) * 2 > n:
        return {**base, "type": "text", "private": True}, \
            f"{len(counts)} 种不同的答案（{n} 个），按自由文字处理（private: true），不写出答案"
    label = {k: spelled[k].most_common(1)[0][0] for k in order}
    options, how = _natural_order(options)
    values = {i: label[k] for i, k in enumerate(options, 1)}
    code = {k: i for i, k in enumerate(options, 1)}
    spec = {**base, "type": "single", "values": values}
    note = f"单选题（{len(options)} 个选项，{how}）"
    if merged:
        spec["aliases"] = {label[r]: code[f] for r, f in merged.items()}
        note += f"；自动归并 {'、'.join(f'{label[r]}→{label[f]}' for r, f in merged.items())}，请核对"
    if "性别" in hk:
        spec["_name"] = "gender"
    return spec, note


# whether the answers are a sample or everyone (all community workers, every community): the answers
# cannot say, and the report's register depends on it (a census's figures carry no intervals)
CENSUS_CHECK = ("census 暂写 false（抽样调查：文中比例附置信区间、做检验）；若调查了全部对象（如全体社区工作者、"
                "每个社区一份），请改为 true（普查：数字不附置信区间）。")

_LEVELS = ("小学", "初中", "高中", "中专", "职高", "技校", "大专", "专科", "本科", "硕士", "研究生", "博士")


_BELOW = re.compile(r"以下|以内|及以下|不满|不足|未满|少于|低于")
_ABOVE = re.compile(r"以上|及以上|超过|多于|高于")
_YES_NO = (("是", "否"), ("是", "不是"), ("有", "没有"), ("有", "无"))


def _number_key(option: str) -> tuple[int, int]:
    """An option's place among numbered ones: its first number, and before the ranges starting
    there when it says 以下/不满 (1年以下 < 1-3年), after them when it says 以上 (5年 < 5年以上)."""
    first = int(re.search(r"\d+", option).group())
    return first, (-1 if _BELOW.search(option) else 1 if _ABOVE.search(option) else 0)


def _natural_order(options: list[str]) -> tuple[list[str], str]:
    """Options whose order the answers show although the questionnaire's is unknown: each with a
    number (18-29岁, 1年以下, 每周2次 …) by that number, education levels from low to high, 是 before
    否; else as first seen."""
    numbers = [re.search(r"\d+", k) for k in options]
    if len(options) > 2 and all(numbers):
        return sorted(options, key=_number_key), "按选项中的数字排序"
    ranks = [next((i for i, w in enumerate(_LEVELS) if w in k), None) for k in options]
    if len(options) > 2 and None not in ranks and len(set(ranks)) == len(ranks):
        return [k for _, k in sorted(zip(ranks, options))], "按学历从低到高排序"
    for pair in _YES_NO:
        if sorted(options) == sorted(pair):
            return list(pair), "“是”在前"
    return options, "按首次出现的顺序编号"


def _merge_variants(order: list[str], counts: collections.Counter) -> dict[str, str]:
    """Rare spellings that contain a common answer plus something that is not a negation: 女性 → 女."""
    merged: dict[str, str] = {}
    for r in order:
        candidates = [f for f in order if f != r and f not in merged and f in r
                      and counts[r] * 3 <= counts[f] and not (set(r.replace(f, "", 1)) & _NEGATION)]
        if candidates:
            merged[r] = max(candidates, key=len)
    return {r: f for r, f in merged.items() if f not in merged}


# -- names, labels -------------------------------------------------------------------------------

# an overall rating asked as a question: 总体来说，您对本职工作满意吗 / 总的来看，您对社区服务是否满意
_OVERALL_ASKED = re.compile(r"^(?:总体|总的|整体|综合)(?:来说|来看|而言|上看|上|看)?[，,、\s]*(?:您|你)?(?:对于|对)"
                            r"([^，,？?]{1,10}?)(?:的|是否|总体上?)*(满意|认可|认同)(?:吗|不|与否)?$")


def _short_label(header: str) -> str:
    """The question stem, shortened for tables: no number, no 您/您的, no trailing (选填) or colon;
    a matrix row its row title; a satisfaction item only what is rated (对社区服务的满意程度 → 社区服务)."""
    text = _WS.sub(" ", header).strip()
    text = re.sub(r"^(?:[Qq]?\d+\s*[、.．:：)）]\s*|第\d+题[、.．:：]?\s*)", "", text)
    if "—" in text and text.rsplit("—", 1)[1].strip():
        text = text.rsplit("—", 1)[1]
    m = re.match(r"^(?:\d+|第\d+题)[(（](.+)[)）]$", _WS.sub("", header))
    if m:
        text = m.group(1)
    text = re.sub(r"[\s:：?？。，,]+$", "", text)
    text = re.sub(r"\s*[(（][^()（）]*(?:选填|必填|多选|单选|可选|请注明|请填写)[^()（）]*[)）]$", "", text) or text
    m = _OVERALL_ASKED.match(text)
    if m:                                  # 总体来说，您对本职工作满意吗 → 本职工作总体满意度
        return f"{m.group(1)}总体{m.group(2)}度"
    text = re.sub(r"^(?:请问|请|总体而言[，,]\s*|总的来说[，,]\s*)", "", text)
    text = re.sub(r"^您(?:的|所在的|目前的|目前|现在的)?", "", text) or text
    m = re.match(r"^(?:对|对于)(.+?)的?(?:满意程度|满意度|满意情况)$", text)
    if m:
        text = m.group(1)
    text = text.strip() or header.strip()
    return text if len(text) <= 16 else text[:15] + "…"


class _Names:
    """Variable names: the statistics file's own when usable, else proposed names, else q<number>."""

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


def _render(source, instrument: str, title: str, respondent: str, survey_date: dt.date, date_note: str,
            missing: dict, scales: dict[str, Scale], specs: list[tuple[str, dict]], report: dict,
            derived: list[dict], checks: list[str], skipped: list[str]) -> str:
    names = "、".join(sorted(p.name for p in source.files))
    lines = [
        f"# 编码手册草稿：由 survey codebook draft 根据 {names} 生成"
        f"（{len(source.table.frame)} 份答卷，{len(specs)} 道题）。",
        "# 可以直接运行 survey prepare / survey build；正式使用前请核对下面列出的几项和标【请核对】的题，"
        "再放进 config/codebooks/。",
        "# 草稿不含任何受访者的个人信息或自由填写的文字：个人信息标 pii: true，自由文字标 private: true。",
    ]
    if not source.numbered_only and len(source.files) == 1 and source.stat is None:
        lines.append("# 单选题的选项按答案首次出现的顺序编号（只有按文本下载时不知道问卷上的顺序）；"
                     "若还要清洗按序号下载，请用按文本、按序号两个文件一起起草。")
    if checks:
        lines.append("# 请核对：")
        lines += [f"#   - {c}" for c in checks]
    lines += [
        "",
        f"instrument: {_flow(instrument)}",
        f"title: {_flow(title)}",
        f"respondent: {_flow(respondent)}",
        f"survey_date: {survey_date.isoformat()}          # {date_note}",
        "census: false                    # 【请核对】false = 抽样调查；调查了全部对象（普查）时改为 true",
        "min_header_match: 0.6",
        "",
        "missing:                         # 表示“没有回答”的写法（问卷星：(跳过) = 按逻辑跳过，(空) = 未填）",
        *_block(missing, "  "),
    ]
    used = {s.get("scale") for _, s in specs}
    if any(n in used for n in scales):
        lines += ["", "scales:                          # 量表：代码越大越好；values 的排列顺序 = 问卷上的顺序"]
        for name, scale in scales.items():
            if name not in used:
                continue
            comment = "  # 【请核对】问卷上的顺序未知，按程度从高到低排列" if scale.guessed_order else ""
            lines += [f"  {name}:{comment}", f"    label: {_flow(scale.label)}",
                      f"    values: {_flow(dict(scale.values))}", f"    top_box: {_flow(scale.top_box)}"]
            if scale.aliases:
                lines.append(f"    aliases: {_flow(dict(scale.aliases))}   # 【请核对】答案里的其他写法，并入同一级")
    lines += ["", "variables:"]
    lines += [f"  # 未收录：{s}" for s in skipped]
    for note, spec in specs:
        if _MUST_CHECK.search(note):                 # comments only where a person must decide
            lines.append(f"  # 【请核对】{note.removeprefix('【请核对】')}")
        lines += _block({k: v for k, v in spec.items() if not k.startswith("_")}, "  ", "- ")
    if derived:
        lines += ["", "derived:"]
        for d in derived:
            lines.append(f"  # 【请核对】建议的年龄分段（{d['_note']}）")
            lines += _block({k: v for k, v in d.items() if k not in ("bands", "_note")}, "  ", "- ")
            lines.append("    bands:")
            lines += [f"      - {_flow(b)}" for b in d["bands"]]
    if report:
        lines += ["", "report:                          # 样本构成（profile）、量表题组（batteries）与总体评价（overall）",
                  *_block(report, "  ")]
    return "\n".join(lines).rstrip() + "\n"
