"""Rating scales recognised in a question's options, whatever is rated and in either direction:
非常满意 … 很不满意, 非常同意 … 非常不同意, 完全符合 … 完全不符合, 完全做到 / 部分做到 / 没有做到,
five or seven points, and 0–10 scores.

An option is a degree word and a stem shared by the other options (满意, 同意, 符合, 做到 …) or a
neutral word (一般, 说不清 …). Its degree orders the options: the scale's codes run from 1 (the
most negative) up, so a higher code is always the better answer, whatever order the questionnaire
lists them in; the listing order (what a 按序号 number means) is kept separately.
"""

from __future__ import annotations

import dataclasses

from analysis.textnorm import answer_key

# degree words, longest first where one begins another; +3 / -3 the extremes, 2 / -2 the bare stem
_DEGREES = (
    ("非常不", -3), ("很不", -3), ("十分不", -3), ("完全不", -3), ("特别不", -3), ("极不", -3), ("一点也不", -3),
    ("比较不", -1), ("较为不", -1), ("不太", -1), ("不大", -1), ("不怎么", -1), ("不是很", -1), ("较不", -1),
    ("有点不", -1), ("没有", -2), ("不", -2), ("没", -2),
    ("非常", 3), ("十分", 3), ("完全", 3), ("特别", 3), ("极其", 3), ("极为", 3), ("很", 3),
    ("比较", 1), ("较为", 1), ("基本", 1), ("部分", 1), ("还算", 1), ("有点", 1), ("较", 1), ("还", 1),
)
NEUTRAL = {"一般", "说不清", "不好说", "中立", "不确定", "无所谓", "一般般", "中等", "还行", "居中", "说不好"}
_STEM_NAMES = {"满意": "sat", "同意": "agree", "符合": "fit", "了解": "know", "重要": "important",
               "认可": "approve", "支持": "support", "赞成": "favour", "放心": "trust", "信任": "trust"}


@dataclasses.dataclass(frozen=True)
class Scale:
    """A rating scale as a draft declares it: ``values`` in listing order (code → label)."""

    stem: str
    values: tuple[tuple[int, str], ...]
    guessed_order: bool           # the listing order is the degree order, not the questionnaire's
    aliases: tuple[tuple[str, int], ...] = ()   # other spellings of a level (很满意, 较满意 …)

    @property
    def name(self) -> str:
        base = _STEM_NAMES.get(self.stem, "scale" if self.stem != "0-10" else "score")
        up = self.values[0][0] < self.values[-1][0]
        return f"{base}{len(self.values)}{'_up' if up else ''}"

    @property
    def top_box(self) -> list[int]:
        top = max(c for c, _ in self.values)
        return [top, top - 1] if len(self.values) >= 4 else [top]

    @property
    def label(self) -> str:
        k = len(self.values)
        words = {3: "三", 4: "四", 5: "五", 7: "七", 11: "十一"}.get(k, str(k))
        if self.stem == "0-10":
            return "0–10分评分"
        return f"{words}级{self.stem}度" if self.stem in ("满意", "同意", "认可", "重要", "了解") else \
            f"{words}级量表（{self.stem}）"


def degree(label: str, stem: str) -> int | None:
    """The degree of ``label`` on a scale of ``stem`` (0 for a neutral word), or None."""
    key = answer_key(label)
    if key in NEUTRAL:
        return 0
    if not key.endswith(stem):
        return None
    prefix = key[: len(key) - len(stem)]
    if prefix == "":
        return 2
    return next((d for p, d in _DEGREES if p == prefix), None)


def stem_of(labels: list[str]) -> str | None:
    """The stem the non-neutral options share (the longest common ending that leaves degree words)."""
    keys = [answer_key(t) for t in labels if answer_key(t) not in NEUTRAL]
    if len(keys) < 2:
        return None
    end = keys[0]
    for k in keys[1:]:
        n = 0
        while n < min(len(end), len(k)) and end[-1 - n] == k[-1 - n]:
            n += 1
        end = end[len(end) - n:] if n else ""
    for cut in range(len(end)):
        stem = end[cut:]
        if stem and all(degree(k, stem) is not None for k in keys):
            return stem
    return None


def ordered(labels: list[str]) -> tuple[str, dict[str, int]] | None:
    """The stem and each label's degree when ``labels`` form a graded scale: at least three
    different degrees, one of them a graded word (非常/比较/不太 … not just 愿意/不愿意/说不清)."""
    stem = stem_of(labels)
    if stem is None:
        return None
    degrees = {t: degree(t, stem) for t in labels}
    if len(set(degrees.values())) != len(degrees) or not _graded(set(degrees.values())):
        return None
    return stem, degrees


def _graded(levels: set[int]) -> bool:
    """At least three levels, one in the middle (一般, 比较 …, 不太 …) and one graded word (非常, 比较,
    不太 …): 很愿意 / 愿意 / 不愿意 and 愿意 / 说不清 / 不愿意 are choices, not rating scales."""
    return len(levels) >= 3 and bool(levels & {-1, 0, 1}) and any(abs(d) in (1, 3) for d in levels)


def _preference(label: str, stem: str) -> int:
    key = answer_key(label)
    prefix = key[: len(key) - len(stem)] if key.endswith(stem) else key
    return next((i for i, (p, _) in enumerate(_DEGREES) if p == prefix), len(_DEGREES))


def from_answers(labels: list[str]) -> Scale | None:
    """A scale from the answers of a 按文本 file, where several spellings of one level occur (很满意,
    非常满意; 较满意, 比较满意, 满意 on a five-point scale): one label per level, the rest aliases;
    a bare stem (满意) and a bare negation (不满意) join 比较 / 不太 unless all seven levels occur."""
    labels = list(dict.fromkeys(labels))
    stem = stem_of(labels)
    if stem is None:
        return None
    degrees = {t: degree(t, stem) for t in labels}
    levels = set(degrees.values())
    if len(levels) < 7:
        fold = {2: 1 if 1 in levels else 2, -2: -1 if -1 in levels else -2}
        degrees = {t: fold.get(d, d) for t, d in degrees.items()}
        levels = set(degrees.values())
    if not _graded(levels):
        return None
    ranked = sorted(levels, reverse=True)
    code = {d: len(ranked) - i for i, d in enumerate(ranked)}
    main = {d: min((t for t in labels if degrees[t] == d), key=lambda t: (_preference(t, stem), t))
            for d in ranked}
    values = tuple((code[d], main[d]) for d in ranked)
    aliases = tuple(sorted((t, code[d]) for t, d in degrees.items() if t != main[d]))
    return Scale(stem, values, guessed_order=True, aliases=aliases)


def from_labels(labels: list[str], listed: bool) -> Scale | None:
    """A scale from option labels: in the questionnaire's order when ``listed`` (a 按序号 file or
    value labels told it; placeholders of unknown options keep their place), else ordered by degree,
    best first, the common order of Chinese questionnaires (marked as guessed)."""
    known = [t for t in labels if t is not None]
    found = ordered(known)
    if found is None:
        return None
    stem, degrees = found
    k = len(labels)
    if not listed:
        best_first = sorted(known, key=lambda t: -degrees[t])
        return Scale(stem, tuple((k - i, t) for i, t in enumerate(best_first)), guessed_order=True)
    marks = [(i, degrees[t]) for i, t in enumerate(labels) if t is not None]
    rising = all(a[1] < b[1] for a, b in zip(marks, marks[1:]))
    falling = all(a[1] > b[1] for a, b in zip(marks, marks[1:]))
    if not (rising or falling):
        return None
    codes = range(1, k + 1) if rising else range(k, 0, -1)
    return Scale(stem, tuple((c, t) for c, t in zip(codes, labels)), guessed_order=False)


def score_scale(values: set[float], header: str) -> Scale | None:
    """A 0–10 score: whole numbers 0…10, the question saying 打分/评分/分."""
    if not values or not values <= set(range(11)) or len(values) < 4:
        return None
    if not any(w in header for w in ("打分", "评分", "分值", "0-10", "0～10", "0~10", "几分", "多少分")):
        return None
    return Scale("0-10", tuple((c, str(c)) for c in range(10, -1, -1)), guessed_order=False)
