"""What a report shows, read from the codebooks alone: for each questionnaire of a wave its profile,
its questions in order (single choice, multiple choice, rating batteries, numbers, free text), its
indicators and breakdowns, each with the id of its table in the stats table ``S``.

This is where "the report is the codebook applied" is decided. Nothing here names a question: a
questionnaire's sections come from ``Codebook.report`` (``spec.codebook.ReportSpec``) and the
variables' types, so a new questionnaire gets a full report without a line of code. The ids follow
the contract of ``analysis.stats`` (``<inst>_composition``, ``<inst>_q_<var>``, ``<inst>_<battery>``,
``<inst>_numbers``, ``<inst>_text``, ``<inst>_indicators``, ``<inst>_by_<var>``).
"""

from __future__ import annotations

import dataclasses
from typing import Iterable

import pandas as pd

from analysis.spec.codebook import Codebook
from analysis.stats.questions import number_variables, text_variables


@dataclasses.dataclass(frozen=True)
class Item:
    """One section of a questionnaire's results: a question, a battery or a summary table."""

    kind: str                    # single, multi, battery, numbers, text
    table: str                   # its table id in S
    label: str                   # the heading a reader sees
    variables: tuple[str, ...]   # the question(s) it shows
    overall: str | None = None   # a battery's overall item

    @property
    def index_table(self) -> str:
        return f"{self.table}_index"

    @property
    def drivers_table(self) -> str:
        return f"{self.table}_drivers"

    @property
    def vs_rest_table(self) -> str:
        return f"{self.table}_vs_rest"


@dataclasses.dataclass(frozen=True)
class Questionnaire:
    instrument: str
    title: str                   # 社区工作者问卷
    who: str                     # 社区工作者 (the respondent; the title when the codebook names none)
    profile: tuple[str, ...]
    items: tuple[Item, ...]
    breakdowns: tuple[str, ...]

    @property
    def profile_table(self) -> str:
        return f"{self.instrument}_composition"

    @property
    def indicators_table(self) -> str:
        return f"{self.instrument}_indicators"

    def breakdown_table(self, by: str) -> str:
        return f"{self.instrument}_by_{by}"

    @property
    def batteries(self) -> list[Item]:
        return [i for i in self.items if i.kind == "battery"]


def questionnaire(book: Codebook) -> Questionnaire:
    """One questionnaire's plan: its question sections in the codebook's report order
    (``Codebook.sections``), then the numbers and free-text tables when it has such questions."""
    spec = book.report
    batteries = {b.table_suffix: b for b in spec.batteries}
    items: list[Item] = []
    for kind, key in book.sections():
        if kind == "battery":
            b = batteries[key]
            items.append(Item("battery", f"{book.instrument}_{key}", b.label, tuple(b.items), b.overall))
        else:
            var = book.variables[key]
            items.append(Item(var.type, f"{book.instrument}_q_{key}", var.label, (key,)))
    numbers = number_variables(book)
    if numbers:
        items.append(Item("numbers", f"{book.instrument}_numbers", "数值题", tuple(numbers)))
    texts = text_variables(book)
    if texts:
        items.append(Item("text", f"{book.instrument}_text", "文字题（填写情况）", tuple(texts)))
    who = book.respondent or book.title
    return Questionnaire(instrument=book.instrument, title=book.title, who=who, profile=tuple(spec.profile),
                         items=tuple(items), breakdowns=tuple(spec.breakdowns))


def wave_plan(books: dict[str, Codebook] | Iterable[Codebook]) -> list[Questionnaire]:
    """Every questionnaire's plan, in the order the wave lists its codebooks."""
    values = books.values() if isinstance(books, dict) else books
    return [questionnaire(b) for b in values]


def headlines(books: dict[str, Codebook]) -> list[dict]:
    """The figures the wave overview puts side by side for every unit, from the codebooks: each
    questionnaire's valid sample, the indicators declared ``overview: true``, and the overall
    item's top-box share of the first battery that has one (the column units are ranked by).
    Each is ``{header, table, variable, stat, category, percent, rank}``; they travel in every
    unit's ``stats.json`` (``meta["headlines"]``) so the overview needs no codebook."""
    out = []
    plans = wave_plan(books)
    for q in plans:
        out.append({"header": f"{q.who}样本量", "table": "flow", "variable": q.instrument, "stat": "valid",
                    "category": None, "percent": False, "rank": False})
    for q in plans:
        for ind in books[q.instrument].report.indicators:
            if getattr(ind, "overview", False):
                out.append({"header": ind.label, "table": q.indicators_table, "variable": ind.name,
                            "stat": None, "category": None, "percent": ind.kind in ("share", "ratio"),
                            "rank": False})
    ranked = next(((q, b) for q in plans for b in q.batteries if b.overall), None)
    if ranked is not None:
        q, b = ranked
        book = books[q.instrument]
        var = book.variables[b.overall]
        header = measure_name(var.label, [var.values[c] for c in var.top_box])
        out.append({"header": f"{q.who}{header}（95%置信区间）", "table": b.table,
                    "variable": b.overall, "stat": "top2", "category": "top2", "percent": True, "rank": True})
    return out


OFFICE_MARK = "【待本单位填写】"     # an office block's mark (publish.sections.DistrictReport.office)

RATING_WORDS = ("满意", "同意", "认同", "认可", "赞成", "支持", "信任", "了解")


def measure_name(label: str, top_labels: list[str]) -> str:
    """A rating item's top-box share by name: 总体满意度 with 非常满意/比较满意 → 总体满意率; 服务态度
    with 非常同意/同意 → 服务态度同意率; otherwise “<label>正面评价比例”."""
    word = next((w for w in RATING_WORDS if any(w in t for t in top_labels)), None)
    if word is None:
        return f"{label}正面评价比例"
    if label.endswith(word + "度"):
        return label[:-1] + "率"
    return f"{label}{word}率"


KIND_NAMES = {"single": "单选题", "multi": "多选题", "battery": "量表题组", "numbers": "数值题", "text": "文字题"}


def plan_table(books: dict[str, Codebook]) -> pd.DataFrame:
    """What the report will show, one row per section: 问卷, 题目, 类型, 变量, 表 (the table id in S),
    for a researcher to see in JupyterLab which table holds which question."""
    records = []
    for q in wave_plan(books):
        if q.profile:
            records.append({"问卷": q.title, "题目": "样本基本情况", "类型": "单选题（构成）",
                            "变量": "、".join(q.profile), "表": q.profile_table})
        for item in q.items:
            records.append({"问卷": q.title, "题目": item.label, "类型": KIND_NAMES[item.kind],
                            "变量": "、".join(item.variables), "表": item.table})
    return pd.DataFrame(records, columns=["问卷", "题目", "类型", "变量", "表"])


def first_battery(books: dict[str, Codebook]) -> tuple[str, Item] | None:
    """The first rating battery of the wave with an overall item (else the first battery): the
    questionnaire's name and its plan item; None when no questionnaire has rating items."""
    batteries = [(q.instrument, b) for q in wave_plan(books) for b in q.batteries]
    return next((x for x in batteries if x[1].overall), batteries[0] if batteries else None)
