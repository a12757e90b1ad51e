"""A unit's report, section by section, as the district notebook shows it and the Word report repeats it.

The notebook has one cell per section (``R.sample()``, ``R.profiles()``, ``R.questions()`` …);
each call shows its headings, sentences, tables and charts on the page (the HTML report) and
records them, in order, as blocks of the document; the last cell writes ``report.docx`` from those
blocks. So the Word report holds exactly what the page shows: a section deleted from the notebook
is gone from both, a cell a researcher adds with ``R.table(...)`` or ``R.figure(...)`` is in both.

What each section holds comes from the codebooks (:mod:`analysis.publish.plan`); every number from
``S`` (:mod:`analysis.publish.narrative`, :mod:`analysis.publish.tables`, :mod:`analysis.publish.charts`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis import config
from analysis.errors import SurveyError
from analysis.publish import charts, narrative
from analysis.publish.page import markdown_text, show_table
from analysis.publish.plan import OFFICE_MARK, Item, Questionnaire, headlines, wave_plan
from analysis.publish.tables import has_intervals, is_breakdown, published_tables, shared_pair
from analysis.spec.codebook import DEMOGRAPHIC_LABELS, Codebook

if TYPE_CHECKING:                       # the loaded wave's shape only; publish reads no raw data
    from analysis.clean.wave import Wave

CHAPTERS = "一二三四五六七八九十"
DATA_CHAPTER = "基本情况"                 # 一、基本情况: every section made from the data


def _numeral(i: int) -> str:
    return CHAPTERS[i] if i < len(CHAPTERS) else str(i + 1)


@dataclasses.dataclass
class Block:
    """One piece of the document: a heading (``level`` 1–4), a paragraph, a table of ``S`` (by id),
    a figure (a PNG file with its caption), or ``office``: a marked place for the office to write
    (``text``: what belongs there), shown as a prompt and never as content."""

    kind: str
    text: str = ""
    level: int = 0
    table: str = ""
    path: Path | None = None
    plain: bool = False       # a table printed without its intervals (the 技术附录 prints it whole)
    frame: pd.DataFrame | None = None   # a table of its own (a researcher's verb result), not of ``S``
    note: str = ""


def _display(obj) -> None:
    from IPython.display import display

    display(obj)


def _markdown(text: str):
    from IPython.display import Markdown

    return Markdown(text)


class DistrictReport:
    """One reporting unit's report: ``S`` (its stats table), the wave's codebooks, ``meta``
    (``report.meta``) and the output folder; ``data`` (the loaded wave) adds the chart of every unit
    side by side. ``show=False`` records blocks without displaying them (tests, scripts)."""

    def __init__(self, S: pd.DataFrame, codebooks: dict[str, Codebook], meta: dict, out: Path, *,
                 data: Wave | None = None, show: bool = True):
        self.S, self.data, self.out = S, data, Path(out)
        self.meta = {**meta, "headlines": headlines(codebooks)}   # the overview's columns (stats.json)
        self.unit = meta["district"]
        self.unit_label = meta.get("unit_label") or config.UNIT_LABEL
        self.plan: list[Questionnaire] = wave_plan(codebooks)
        self.books = codebooks
        self.blocks: list[Block] = []
        self.figures: dict[str, Path] = {}           # name → PNG of every chart shown, for lifting into a paper
        self._chapter = 0
        self._part_no = 0
        self._open = ""                              # the chapter the sections are writing into
        self._appendix: list[tuple[str, list[str], list[str]]] = []   # (heading, paragraphs, tables)
        self._with_intervals: list[str] = []        # body tables whose intervals the appendix prints
        self._in_appendix = False
        self._show = show

    # -- the pieces a section is made of (also for a researcher's own cells) ----------------------
    def heading(self, text: str, level: int = 1) -> None:
        """A heading; level 1 is a numbered chapter (一、…), level 2 a numbered part of it ((一)…)."""
        if level == 1:
            text = f"{_numeral(self._chapter)}、{text}"
            self._chapter += 1
            self._part_no = 0
            self._open = text
        elif level == 2:
            text = f"（{_numeral(self._part_no)}）{text}"
            self._part_no += 1
        self.blocks.append(Block("heading", text, level=level))
        if self._show:
            _display(_markdown("#" * (level + 1) + " " + markdown_text(text)))

    def paragraphs(self, texts: list[str]) -> None:
        texts = [t for t in texts if t]
        self.blocks += [Block("paragraph", t) for t in texts]
        if self._show and texts:
            _display(_markdown("\n\n".join(markdown_text(t) for t in texts)))

    def has(self, table: str) -> bool:
        rows = self.S[(self.S["table"] == table) & (self.S["group"] == self.unit)]
        return bool(len(rows))

    def table(self, table) -> bool:
        """A table of ``S`` for this unit, numbered in the document; False (nothing shown) when the
        unit has no rows in it. A table id ``S`` does not hold at all is a mistake: SurveyError.
        A researcher's own table, the result of a verb (``R.table(surveys[问卷].crosstab(…))``:
        anything with ``.tables``, a list of (title, table, note)), is shown and numbered like the
        others, each of its tables with its title and note, in Word, the web page and Excel. Its
        cells are hidden as the verb hid them (each table's own small-cell rule), outside the
        report's one suppression decision (``stats.coordinated``)."""
        if not isinstance(table, str) and hasattr(table, "tables"):
            return self._own_tables(table)
        if not (self.S["table"] == table).any():
            known = sorted(set(self.S["table"]))
            raise SurveyError(f"统计结果中没有表 {table}。", variable=table,
                              fix=f"表名见 plan.plan_table(data.codebooks) 或 S['table'].unique()：{'、'.join(known[:12])}…")
        return self._table(table)

    def _table(self, table: str) -> bool:
        """``table`` for the sections: a table the codebooks may or may not call for is skipped quietly."""
        if not self.has(table):
            return False
        # the body speaks the readers' register: a sample's intervals go to the 技术附录
        frame = published_tables(self.S, self.unit)[table][1]
        plain = not self._in_appendix and has_intervals(frame)
        if plain and has_intervals(frame, printed=True) and table not in self._with_intervals:
            self._with_intervals.append(table)              # a copy of hidden cells only would add nothing
        self.blocks.append(Block("table", table=table, plain=plain))
        if self._show:
            _display(show_table(self.S, table, self.unit))
        return True

    def _own_tables(self, result) -> bool:
        shown = False
        for title, frame, note in result.tables:
            if len(frame):
                self.blocks.append(Block("table", str(title), frame=frame.astype(str), note=str(note)))
                shown = True
        if self._show and shown:
            _display(result)
        return shown

    def figure(self, fig, name: str, caption: str = "") -> Path:
        """A chart saved as ``figures/<name>.png`` and ``.svg`` (300 dpi, and ``figures/paper/``),
        shown, and placed in the document with ``caption`` (default: the chart's own title, which
        then leaves the image: the caption says it once)."""
        caption = caption or (fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else name)
        if getattr(fig, "_suptitle", None) is not None:    # the document's caption (图N …) carries it
            fig._suptitle.remove()
            fig._suptitle = None
        fig._survey_caption = caption                      # the notebook's alternative text
        png = charts.save_figure(fig, self.out / "figures", name)["png"]
        self.figures[name] = png
        if not getattr(fig, "_survey_placeholder", False):      # “no answers” is said in the text
            self.blocks.append(Block("figure", caption, path=png))
        if self._show:
            _display(fig)
            _display(_markdown(markdown_text(caption)))    # under the chart, as in the document
        return png

    def _source(self, q: Questionnaire) -> str:
        note = f"数据来源：{self.books[q.instrument].survey_date.year}年{q.title}"   # the codebook's reference date
        return note + (f"（{config.SAMPLE_NOTE}）" if self.meta.get("synthetic") else "")

    def _with_data(self) -> list[Questionnaire]:
        """The questionnaires this unit has rows of (a unit may have sent only some kinds)."""
        mine = set(self.S.loc[self.S["group"] == self.unit, "table"])
        return [q for q in self.plan
                if mine & {q.profile_table, q.indicators_table, *(i.table for i in q.items)}]

    def _subheading(self, q: Questionnaire, many: bool) -> None:
        if many:
            self.heading(q.title, level=3)

    def _part(self, text: str) -> None:
        """A part of chapter 一、基本情况 (the data), opening the chapter first when needed."""
        if not self._open.endswith(DATA_CHAPTER):
            self.heading(DATA_CHAPTER)
        self.heading(text, level=2)

    def office(self, prompt: str) -> None:
        """A marked place for the office to write: what belongs there, visible in Word and on the
        page, never mistaken for content."""
        self.blocks.append(Block("office", prompt))
        if self._show:
            _display(_markdown(f"> **{OFFICE_MARK}** {markdown_text(prompt)}"))

    def _technical(self, heading: str, paragraphs: list[str], tables: list[str]) -> None:
        """Intervals, tests, weights and method names for the 技术附录 (shown by :meth:`method`)."""
        tables = [t for t in tables if self.has(t)]
        paragraphs = [p for p in paragraphs if p]
        if tables or paragraphs:
            self._appendix.append((heading, paragraphs, tables))

    # -- sections ---------------------------------------------------------------------------------
    def title(self) -> None:
        """The report's title (and the synthetic-data notice)."""
        from analysis.publish.report import report_title

        self.blocks.append(Block("title", report_title(self.meta)))
        if self._show:
            from analysis.publish.report import heading

            _display(_markdown(heading(self.meta)))

    def sample(self) -> None:
        """调查概况: how many questionnaires came in, were set aside and were used, and the one
        sentence on what the figures are (census or sample, the official figures) and where the
        technical detail is."""
        self._part("调查概况")
        self.paragraphs(narrative.no_valid_sentences(self.S, self.unit) + narrative.flow_sentences(self.S, self.unit)
                        + self._register())
        self._table("flow")

    def _register(self) -> list[str]:
        present = self._with_data()
        census = [q.title for q in present if self.books[q.instrument].census]
        sample = [q.title for q in present if not self.books[q.instrument].census]
        weighted = bool(self.S["table"].astype(str).str.endswith("_weighted").any())
        return narrative.register_sentences(census, sample, weighted)

    def profiles(self) -> None:
        """样本基本情况: each questionnaire's respondent profile, its chart and its indicators."""
        present = [q for q in self._with_data() if self.has(q.profile_table) or self.has(q.indicators_table)]
        if not present:
            return
        self._part("样本基本情况")
        for q in present:
            self._subheading(q, len(present) > 1)
            means = self._band_means(q)
            self.paragraphs(narrative.profile_sentences(self.S, q.profile_table, self.unit, q.who, means=means)
                            + narrative.indicator_sentences(self.S, q.indicators_table, self.unit,
                                                            self._indicator_units(q), narrative.counter(q.who)))
            if self._table(q.profile_table):
                variables = list(dict.fromkeys(self.S.loc[(self.S["table"] == q.profile_table)
                                                          & (self.S["group"] == self.unit), "variable"]))
                self.figure(charts.composition_bars(self.S, q.profile_table, variables, self.unit,
                                                    source=self._source(q)), f"{q.instrument}_profile")
                self._pyramids(q)
            self._table(q.indicators_table)

    def _pyramids(self, q: Questionnaire) -> None:
        """A banded number (age bands) back to back by a two-category breakdown (gender): the
        pyramid, from the breakdown's published rows."""
        book = self.books[q.instrument]
        bands = [n for n in q.profile if n in book.derived and book.derived[n].bands]
        for by in q.breakdowns:
            table = q.breakdown_table(by)
            sides = self.S.loc[(self.S["table"] == table)
                               & self.S["group"].str.startswith(self.unit + "·"), "group"].unique()
            if len(sides) != 2:
                self._one_sided(q, by, bands)
                continue
            for band in bands:
                if ((self.S["table"] == table) & (self.S["variable"] == band)).any():
                    title = f"{self.unit}{q.who}{book.label(by)}与{book.label(band)}结构"
                    self.figure(charts.age_pyramid(self.S, table, self.unit, variable=band, title=title,
                                                   source=self._source(q)), f"{q.instrument}_{by}_{band}")

    def _one_sided(self, q: Questionnaire, by: str, bands: list[str]) -> None:
        """The sentence in place of the pyramids when all the unit's respondents are in one
        category of ``by`` (a workforce of men only)."""
        book, S = self.books[q.instrument], self.S
        present = S[(S["table"] == q.profile_table) & (S["group"] == self.unit) & (S["variable"] == by)
                    & (S["stat"] == "share") & (S["n"] > 0)]
        if len(present) != 1:
            return
        only = present["category_label"].iloc[0]
        self.paragraphs([f"{self.unit}的{q.who}{book.label(by)}均为“{only}”，无法按{book.label(by)}对比"
                         f"{book.label(band)}结构，{book.label(band)}的分布见上表。" for band in bands
                         if ((S["table"] == q.profile_table) & (S["group"] == self.unit) & (S["variable"] == band)).any()])

    def questions(self) -> None:
        """调查结果: every question of every questionnaire in the codebook's order, with its table
        and chart: single choice, multiple choice, rating batteries (with index and drivers),
        numbers, free text."""
        present = self._with_data()
        if not any(self.has(i.table) for q in present for i in q.items):
            return
        self._part("调查结果")
        for q in present:
            items = [i for i in q.items if self.has(i.table)]
            if not items:
                continue
            self._subheading(q, len(present) > 1)
            for item in items:
                self._item(q, item)

    def _item(self, q: Questionnaire, item: Item) -> None:
        S, unit = self.S, self.unit
        self.heading(item.label, level=4)
        name = item.table.removeprefix(q.instrument + "_")
        if not self._answered(item.table):
            self.paragraphs([f"{unit}的{q.who}没有人回答{item.label}{'的各题' if item.kind == 'battery' else ''}，"
                             "这部分无法统计。"])
            return
        if item.kind == "single":
            self.paragraphs(narrative.single_sentences(S, item.table, unit))
            self._table(item.table)
            self.figure(charts.composition_bars(S, item.table, list(item.variables), unit,
                                                source=self._source(q)), f"{q.instrument}_{name}")
        elif item.kind == "multi":
            self.paragraphs(narrative.multi_sentences(S, item.table, unit))
            self._table(item.table)
            self.figure(charts.composition_bars(S, item.table, list(item.variables), unit, stat="case_share",
                                                sort=True, source=self._source(q)), f"{q.instrument}_{name}")
        elif item.kind == "battery":
            self.paragraphs(narrative.battery_sentences(S, item.table, unit, item.overall, f"全部{self.unit_label}",
                                                        with_interval=False)
                            + narrative.index_sentences(S, item.index_table, unit, item.label, with_interval=False))
            self._table(item.table)
            self.figure(charts.likert_diverging(S, item.table, unit, source=self._source(q)),
                        f"{q.instrument}_{name}")
            shown = {b.text for b in self.blocks if b.kind == "paragraph"}     # a census's say the same
            technical = [t for t in narrative.battery_sentences(S, item.table, unit, item.overall,
                                                                f"全部{self.unit_label}")
                         + narrative.index_sentences(S, item.index_table, unit, item.label)
                         + narrative.driver_sentences(S, item.drivers_table, unit) if t not in shown]
            self._technical(f"{q.who}{item.label}：置信区间、指数信度与关键因素", technical,
                            [f"{item.table}_weighted", item.index_table, item.drivers_table])
        else:
            self._table(item.table)

    def comparisons(self) -> None:
        """比较分析: the unit against the other units, declared breakdowns, questions two
        questionnaires share, and the change since the last wave."""
        S, unit = self.S, self.unit
        batteries = [(q, b) for q in self._with_data() for b in q.batteries]
        rest = [(q, b) for q, b in batteries if self.has(b.vs_rest_table)]
        breakdowns = [(q, by) for q in self._with_data() for by in q.breakdowns
                      if self.has(q.breakdown_table(by)) and is_breakdown(S, q.breakdown_table(by), unit)]
        shared = sorted({t for t in S.loc[S["group"] == unit, "table"] if str(t).startswith("shared_")})
        change = self.has("wave_change")
        if not (rest or breakdowns or shared or change):
            return
        self._part("比较分析")
        for q, b in rest:
            title = f"{q.who}{b.label}：本{self.unit_label}与其他{self.unit_label}比较"
            if not self._answered(b.vs_rest_table, category="a"):
                self.heading(title, level=4)
                self.paragraphs([f"{unit}的{q.who}没有人回答{b.label}的各题，无法与其他{self.unit_label}比较。"])
            else:
                self._technical(title, narrative.vs_rest_sentences(S, b.vs_rest_table, unit, b.overall,
                                                                   self.unit_label), [b.vs_rest_table])
                plain = narrative.plain_vs_rest_sentences(S, b.vs_rest_table, unit, b.overall, self.unit_label)
                if not plain and not (b.overall and self.data is not None):
                    continue                            # nothing for the body: the table is in the appendix
                self.heading(title, level=4)
                self.paragraphs(plain)
            if b.overall and self.data is not None:
                from analysis.stats.district import by_district

                all_units = by_district(self.data, q.instrument, b.overall)
                if len(all_units):
                    self.figure(charts.district_comparison(all_units, b.table, b.overall, highlight=unit,
                                                           source=self._source(q), unit_label=self.unit_label),
                                f"{q.instrument}_{b.table.removeprefix(q.instrument + '_')}_units")
        for q, by in breakdowns:
            label = self.books[q.instrument].label(by)
            self.heading(f"{q.who}按{label}分组", level=4)
            self._table(q.breakdown_table(by))
        for table in shared:
            a, b = shared_pair(S, table)
            names = (self._who(a), self._who(b))
            title = f"{names[0]}与{names[1]}的看法比较"
            self.heading(title, level=4)
            skip = {n for inst in (a, b) for n, v in self.books[inst].variables.items()   # who answered,
                    if any(w in v.label for w in DEMOGRAPHIC_LABELS)}                       # not what they think
            self.paragraphs(narrative.shared_sentences(S, table, unit, (a, b), names, skip, plain=True))
            self._technical(title, narrative.shared_sentences(S, table, unit, (a, b), names, skip), [table])
        if change:
            self.heading("与上一轮调查比较", level=4)
            overall = {(b.table, b.overall) for q in self.plan for b in q.batteries if b.overall}
            units = {name: v.unit for book in self.books.values() for name, v in book.variables.items() if v.unit}
            self.paragraphs(narrative.wave_sentences(S, unit, overall, units))
            self._table("wave_change")

    def practice(self) -> None:
        """二、主要做法与成效: the office writes it; the report marks the place and says what belongs there."""
        self.heading("主要做法与成效")
        self.office("请写明本单位在社区党建和社区工作者队伍建设方面的主要做法、工作举措和取得的成效，"
                    "可引用上文“基本情况”中的数字（如覆盖率、满意率）作为成效的依据。")

    def findings(self) -> None:
        """三、存在的问题: from the data of every questionnaire — the figures its codebook declares a
        concern (workforce age and employment, coverage), each battery's lowest items, where the
        unit is below the others, and the items that matter most yet are rated low; each problem
        with its figure."""
        S, unit = self.S, self.unit
        texts, looked = [], set()
        for q in self._with_data():
            book = self.books[q.instrument]
            concerns = {i.name: i.concern for i in book.report.indicators if i.concern}
            texts += narrative.concern_sentences(S, q.indicators_table, unit, concerns, narrative.counter(q.who))
            looked |= {q.indicators_table, *(b.table for b in q.batteries)}
            for b in q.batteries:
                texts += narrative.low_items_sentences(S, b.table, unit, b.overall, q.who, b.label)
                below = narrative.below_rest_sentences(S, b.vs_rest_table, unit, q.who, self.unit_label, plain=True)
                texts += [t for t in below if "没有" not in t and "都不低于" not in t]     # problems only
                texts += narrative.priority_sentences(S, b.table, b.drivers_table, unit, b.overall)
        self.heading("存在的问题")
        self.paragraphs([f"{_numeral(i)}是{t}" if len(texts) > 1 else t for i, t in enumerate(texts)]
                        or [self._no_problems(looked)])

    def _no_problems(self, tables: set[str]) -> str:
        """What 存在的问题 says when no problem was found: that none shows only when the figures it
        looks at are published; a unit whose figures are hidden cannot be said to have none."""
        S = self.S
        mine = S[S["table"].isin(tables) & (S["group"] == self.unit) & S["stat"].isin(["share", "mean", "top2", "pct"])]
        hidden = mine["suppressed"].astype(bool)
        if len(mine) and hidden.all():
            return (f"{self.unit}的受访者人数较少，评价与指标的数字均不公布，无法从本单位的数据中指出问题；"
                    f"可参考全部{self.unit_label}的结果。")
        if hidden.any():
            return "从已公布的数字看，没有需要特别指出的问题（部分数字因人数过少不公布，未能比较）。"
        return "从本次调查的数据看，没有数字上需要特别指出的问题。"

    def advice(self) -> None:
        """四、对策建议: the office writes it; the report marks the place."""
        self.heading("对策建议")
        self.office("请针对上文第三部分列出的问题逐条提出对策建议：做什么、由谁负责、何时完成。")

    def method(self) -> None:
        """附录　技术附录: what the body leaves out — intervals, tests, the index's reliability, key
        drivers, weighted figures and how every figure was computed."""
        self.blocks.append(Block("heading", "附录　技术附录", level=1))
        if self._show:
            _display(_markdown("## 附录　技术附录"))
        self._in_appendix = True
        if self._with_intervals:
            self._appendix.insert(0, ("正文表格的95%置信区间",
                                      ["正文中抽样调查的表格只列比例和均值；以下各表是这些表格附上95%置信区间的完整版本，"
                                       "表题与正文相同。"], list(self._with_intervals)))
        for i, (heading, paragraphs, tables) in enumerate(self._appendix):
            self.blocks.append(Block("heading", f"（{_numeral(i)}）{heading}", level=2))
            if self._show:
                _display(_markdown("### " + markdown_text(f"（{_numeral(i)}）{heading}")))
            self.paragraphs(paragraphs)
            for t in tables:
                self._table(t)
        self.blocks.append(Block("heading", f"（{_numeral(len(self._appendix))}）样本与方法", level=2))
        if self._show:
            _display(_markdown("### " + markdown_text(f"（{_numeral(len(self._appendix))}）样本与方法")))
        unweighted = []
        if self.data is not None:                      # margins this unit's answers cannot meet
            from analysis.weighting.weights import unweighted_notes

            unweighted = unweighted_notes(self.data, self.unit)
        self.paragraphs(narrative.method_sentences(self.S, self.unit, bool(self.meta.get("synthetic")),
                                                   self._overall_of(), unweighted))
        if self.data is not None:                      # margins this wave's codebooks cannot use
            from analysis.weighting.weights import margins_notes

            self.paragraphs(margins_notes(self.data))
        self._table("weighting")

    def write(self) -> None:
        """``tables.xlsx``, ``report.docx`` and ``report.html`` (the same document: the blocks shown
        so far) and ``stats.json``."""
        from analysis.publish import excel, html, report, word
        from analysis.stats.suppression import published

        units = {v.label: v.unit for book in self.books.values() for v in book.variables.values() if v.unit}
        excel.write_tables_xlsx(self.S, self.out / "tables.xlsx", self.meta, blocks=self.blocks, units=units)
        word.write_report_docx(self.out / "report.docx", S=self.S, group=self.unit, blocks=self.blocks,
                               meta=self.meta, reference=word.reference_docx(self.meta.get("wave", "")))
        html.write_report_html(self.out / "report.html", S=self.S, group=self.unit, blocks=self.blocks,
                               meta=self.meta, title=report.report_title(self.meta))
        json_path = report.write_stats_json(published(self.S), self.meta, self.out)
        if self._show:
            self.paragraphs(["本报告的 Word 版（report.docx）、各表（tables.xlsx）、统计结果（stats.json）和图表"
                             "（figures/，PNG 与 SVG）与本页在同一文件夹。"])
            self.blocks.pop()
        self.outputs = [self.out / "tables.xlsx", self.out / "report.docx", self.out / "report.html", json_path]

    # -- helpers ----------------------------------------------------------------------------------
    def _answered(self, table: str, category: str | None = None) -> bool:
        """Whether any row of ``table`` for this unit has a base above 0 (someone answered)."""
        S = self.S
        rows = S[(S["table"] == table) & (S["group"] == self.unit)]
        if category is not None:
            rows = rows[rows["category"] == category]
        return not len(rows) or bool((pd.to_numeric(rows["base"], errors="coerce") > 0).any())

    def _who(self, instrument: str) -> str:
        book = self.books.get(instrument)
        return (book.respondent or book.title) if book else instrument

    def _band_means(self, q: Questionnaire) -> dict[str, tuple[pd.Series, str]]:
        """A banded profile variable (age bands) → the mean of the number it was made from."""
        book = self.books[q.instrument]
        out = {}
        for name in q.profile:
            derived = book.derived.get(name)
            if derived is None or not derived.bands:
                continue
            rows = self.S[(self.S["table"] == f"{q.instrument}_numbers") & (self.S["group"] == self.unit)
                          & (self.S["variable"] == derived.source) & (self.S["stat"] == "mean")]
            if len(rows):
                out[name] = (rows.iloc[0], book.variables[derived.source].unit)
        return out

    def _indicator_units(self, q: Questionnaire) -> dict[str, str]:
        book = self.books[q.instrument]
        units = {}
        for ind in book.report.indicators:
            unit = getattr(ind, "unit", "") or ""
            source = ind.args[0] if getattr(ind, "kind", "") == "mean" and ind.args else None
            if not unit and source in book.variables:
                unit = book.variables[source].unit
            units[ind.name] = unit
        return units

    def _overall_of(self) -> dict[str, tuple[str, str]]:
        return {q.instrument: (b.table, b.overall) for q in self.plan for b in q.batteries if b.overall}
