"""One questionnaire's data, codebook and (optionally) weighting design, and the verbs a researcher uses.

    import analysis as sa
    w = sa.open_wave("2026")
    r = w.survey("resident")
    r.freq("sat_overall")                                   # 频数、百分比、有效百分比、累计百分比
    r.where(district="桥西区").likert("sat_*")              # a domain, not filtered rows
    r.crosstab("edu", by="employment", percent="col")

Every verb returns a :class:`~analysis.lab.results.Result`. Figures come from the functions of
``analysis.stats`` and ``analysis.weighting`` (the same ones the district report uses); this module
only resolves names and answers, keeps the domain, and lays the rows out as a table.

A domain (``where``) restricts the design, never the data: counts and shares are those of the
domain's respondents, and standard errors (``se``) are the domain estimates of R's
``subset(design, …)``, which differ from those of a filtered frame.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config
from analysis.clean.wave import Wave, load_wave
from analysis.errors import SurveyError
from analysis.lab import names, tables
from analysis.lab.results import Result
from analysis.spec.codebook import Codebook, Derived
from analysis.spec.margins import load_margins, margins_path
from analysis.stats.compare import (
    cell_shares,
    crosstab,
    district_vs_rest,
    group_means,
    mean_difference,
    rank_intervals,
    rank_test,
    share_difference,
    shared_questions,
)
from analysis.stats.distributions import composition, cumulative, likert
from analysis.stats.drivers import key_drivers
from analysis.stats.flow import flow_table
from analysis.stats.indicators import indicator_table
from analysis.stats.questions import frequency, multi_by, multi_select, number_variables, numbers, text_counts
from analysis.stats.reliability import satisfaction_index
from analysis.weighting import design as svd
from analysis.weighting.weights import weight_design, weighted_composition, weighted_likert

RATING_FIX = "量表题（编码手册中写了 scale: 的单选题）才有平均分和满意率；名义变量用 .freq 或 .crosstab。"


@dataclasses.dataclass(frozen=True)
class Recode:
    """An ad-hoc grouping of a variable's answers (not in the codebook): ``r.recode("party",
    党员=[1, 2], 非党员=[3, 4, 5])``. Pass it where a verb takes a variable."""

    source: str
    name: str
    label: str
    groups: tuple[tuple[str, tuple], ...]


class LabWave:
    """A prepared wave opened for exploration: ``w.survey(questionnaire)`` for each of its questionnaires."""

    def __init__(self, wave: Wave, margins_file: Path | None = None):
        self.wave = wave
        self.margins_file = Path(margins_file) if margins_file else margins_path(wave.wave)

    def __repr__(self) -> str:
        return f"调查批次 {self.wave.wave}：{'、'.join(self.instruments)}（w.survey(问卷名)）"

    @property
    def instruments(self) -> list[str]:
        return list(self.wave.codebooks)

    def survey(self, instrument: str) -> "Survey":
        if instrument not in self.wave.frames:
            by_title = [k for k, b in self.wave.codebooks.items() if instrument in (b.title, b.respondent)]
            if len(by_title) != 1:
                raise SurveyError(f"这一批次没有问卷“{instrument}”。", fix=f"可用：{'、'.join(self.instruments)}。")
            instrument = by_title[0]
        return Survey(self.wave.frames[instrument], self.wave.codebooks[instrument], margins_file=self.margins_file)

    def flow(self, unit: str = config.WHOLE_SAMPLE) -> Result:
        """The sample flow of one reporting unit: answers received, excluded by each rule, valid,
        per questionnaire (``stats.flow_table``, the report's 样本流向)."""
        if unit not in self.wave.districts and unit != config.WHOLE_SAMPLE:
            raise SurveyError(f"这一批次没有报告单位“{unit}”。", fix=f"可选：{'、'.join(self.wave.districts)}。")
        rows = flow_table(self.wave.flow, self.wave.codebooks, unit)
        if not len(rows):
            raise SurveyError(f"“{unit}”没有样本流向记录。", fix=f"可选：{'、'.join(self.wave.districts)}。")
        return Result("样本流向", rows, *tables.as_report(rows))


def open_wave(wave: str = config.DEFAULT_WAVE, processed_dir: str | Path = config.PROCESSED_DIR,
              codebook_dir: str | Path = config.CODEBOOK_DIR, margins_file: str | Path | None = None) -> LabWave:
    """A prepared wave (``survey prepare``) for exploration: ``sa.open_wave("2026").survey("resident")``."""
    return LabWave(load_wave(wave, Path(processed_dir), Path(codebook_dir)), margins_file)


class Survey:
    """A questionnaire's respondents, codebook and design; the verbs return :class:`Result`."""

    def __init__(self, data: pd.DataFrame, book: Codebook, *, margins_file: Path | None = None,
                 domain: np.ndarray | None = None, label: str = "", design: svd.Design | None = None):
        self.data = data.reset_index(drop=True)
        self.book = book
        self.margins_file = margins_file
        self.domain = np.ones(len(self.data), dtype=bool) if domain is None else np.asarray(domain, dtype=bool)
        self.label = label
        self._design = design

    def __repr__(self) -> str:
        what = f"{self.book.title}：{int(self.domain.sum())} 名受访者"
        return what + (f"（{self.label}）" if self.label else "") + ("，加权" if self.is_weighted else "")

    def _replace(self, **changes) -> "Survey":
        """The same survey with some of data, book, domain, label, design changed."""
        now = {"data": self.data, "book": self.book, "domain": self.domain, "label": self.label,
               "design": self._design, **changes}
        return Survey(now.pop("data"), now.pop("book"), margins_file=self.margins_file, **now)

    # -- the design -------------------------------------------------------------------------------
    @property
    def is_weighted(self) -> bool:
        return self._design is not None and self._design.weighted

    @property
    def rows(self) -> pd.DataFrame:
        """The domain's respondents (codes), for counts."""
        return self.data[self.domain]

    @property
    def group(self) -> str:
        return self.label or config.WHOLE_SAMPLE

    def design(self) -> svd.Design:
        """The design (unweighted: every respondent sampled once; ``weighted()``: raked) restricted
        to the domain, as R's ``subset(design, …)``."""
        d = self._design if self._design is not None else svd.survey_design(self.data)
        return d if self.domain.all() else d.restrict(self.domain, self.label)

    def where(self, **conditions) -> "Survey":
        """A domain: ``r.where(district="桥西区", gender="女")``; answers as codes or labels, a list
        for any of several. The design keeps every respondent (R's ``subset``)."""
        mask, words = self.domain.copy(), []
        for key, value in conditions.items():
            name = names.variable(self.book, key)
            wanted = names.codes(self.book, name, value, self.data)
            column = self.data[name]
            hit = (column.astype("string").isin([str(v) for v in wanted]) if isinstance(wanted[0], str)
                   else column.isin(wanted)).fillna(False).to_numpy(dtype=bool)
            mask &= hit
            shown = [str(v) if isinstance(v, str) else self.book.labels(name)[v] for v in wanted]
            words.append(f"{self.book.label(name)}：{'、'.join(shown)}")
        label = "；".join(x for x in (self.label, *words) if x)
        if not mask.any():
            raise SurveyError(f"没有受访者符合条件（{label}）。", fix="检查条件中的答案。")
        return self._replace(domain=mask, label=label)

    def weighted(self) -> "Survey":
        """The same questionnaire raked to its population margins (``config/margins/<wave>.yaml``:
        districts as strata, communities as clusters, trimmed and raked again, as the report does;
        ``population:`` margins, or a questionnaire without a unit question, rake the whole sample
        as one). The domain is kept. Respondents of units without margins are left out, and the label says so."""
        if self.is_weighted:
            return self
        path = self.margins_file
        if path is None or not Path(path).is_file():
            raise SurveyError("没有总体结构文件，无法加权。", file=str(path),
                              fix="在 config/margins/<批次>.yaml 中写出各区县的总体分布（见该目录的示例）。")
        M = load_margins(path, {self.book.instrument: self.book}, skip_unknown=True)
        margins = M.instruments.get(self.book.instrument)
        if margins is None:
            raise SurveyError(f"总体结构文件中没有问卷 {self.book.instrument} 的总体分布。", file=str(path),
                              fix="为这份问卷补上一节（variables 与 districts）。")
        unit = self.book.role("district")
        keep = (self.data[unit].isin(margins.districts).fillna(False).to_numpy(dtype=bool)
                if unit and not margins.whole else np.ones(len(self.data), dtype=bool))
        data = self.data[keep].reset_index(drop=True)
        d = weight_design(data, self.book, margins)
        label = self.label
        if not keep.all():
            label = "；".join(x for x in (label, f"不含无总体结构的单位 {int((~keep).sum())} 人") if x)
        return Survey(data, self.book, margins_file=path, domain=self.domain[keep], label=label, design=d)

    def _unweighted(self, verb: str) -> None:
        """Verbs without a design-based version refuse a weighted survey instead of ignoring its weights."""
        if self.is_weighted:
            raise SurveyError(f"{verb}还没有加权版本，不能用于 weighted() 的结果。",
                              fix="加权估计用 .freq、.likert、.banner；其余在不加权的调查对象上计算。")

    # -- ad-hoc variables -------------------------------------------------------------------------
    def recode(self, variable: str, name: str | None = None, label: str | None = None, **groups) -> Recode:
        """New groups of a variable's answers: ``r.recode("party", 党员=[1, 2], 非党员=[3, 4, 5])``
        (codes or labels). Answers in no group are missing; an answer in two groups is an error."""
        source = names.variable(self.book, variable)
        if not groups:
            raise SurveyError("recode 需要至少一个新分组。", variable=source, fix="例如 r.recode(变量, 甲=[1, 2], 乙=[3])。")
        seen: dict = {}
        resolved = []
        for group, values in groups.items():
            cs = tuple(names.codes(self.book, source, values, self.data))
            for c in cs:
                if c in seen:
                    raise SurveyError(f"答案 {c} 同时在“{seen[c]}”和“{group}”两组里。", variable=source,
                                      fix="每个答案只放进一组。")
                seen[c] = group
            resolved.append((group, cs))
        return Recode(source, name or f"{source}_recode", label or f"{self.book.label(source)}（{'/'.join(groups)}）",
                      tuple(resolved))

    def _bind(self, spec) -> tuple["Survey", str]:
        """(survey, name) for a variable name, a label or a :class:`Recode` (added as a derived variable)."""
        if not isinstance(spec, Recode):
            return self, names.variable(self.book, spec)
        mapping = {c: i for i, (_, cs) in enumerate(spec.groups, 1) for c in cs}
        values = {i: g for i, (g, _) in enumerate(spec.groups, 1)}
        source = self.data[spec.source]
        if isinstance(next(iter(mapping)), str):
            column = source.astype("string").map(mapping)
        else:
            column = source.map(mapping)
        data = self.data.assign(**{spec.name: pd.array(column, dtype="Int64")})
        derived = Derived(name=spec.name, label=spec.label, source=spec.source, values=values)
        book = dataclasses.replace(self.book, derived={**self.book.derived, spec.name: derived})
        design = self._design.with_column(spec.name, data[spec.name]) if self._design is not None else None
        return self._replace(data=data, book=book, design=design), spec.name

    # -- verbs --------------------------------------------------------------------------------------
    def freq(self, variable) -> Result:
        """频数、百分比（全部受访者）、有效百分比、累计百分比 with Wilson intervals; weighted: design-based
        shares with logit intervals, standard errors and the design effect as a variance ratio."""
        s, name = self._bind(variable)
        names.require(s.book, name, ("single", "derived", "rating"), "频数分布",
                      "多选题用 .multi；数值题用 .compare 或 .describe。")
        title = f"{s.book.label(name)}的分布"
        table = f"{s.book.instrument}_lab_{name}"
        if s.is_weighted:
            d = s.design()
            rows = weighted_composition(d, name, s.book, s.group, table, title)
            rows["deff"] = [svd.variance_deff(d, name, se / 100, int(c))
                            for se, c in zip(rows["se"], rows["category"])]
            return Result(title, rows, tables.weighted_freq(rows), tables.weighted_note(rows, d),
                          lambda: tables.bars(rows, table, name, s.group))
        rows = frequency(s.rows, name, s.book, s.group, table, title)   # share, pct and typed 其他 (count)
        valid = rows[rows["stat"] == "share"]
        rows = pd.concat([rows, cumulative(valid)], ignore_index=True)
        se = svd.proportions(s.design(), name, list(s.book.labels(name)))["se"].to_numpy() * 100
        rows["se"] = np.nan
        rows.loc[rows["stat"] == "share", "se"] = se
        note = tables.base_note(valid, s.domain.all(), "区间为 Wilson 95% 置信区间；", se=True)
        return Result(title, rows, tables.freq(rows), note, lambda: tables.bars(rows, table, name, s.group))

    def multi(self, variable, by=None) -> Result:
        """A multi-select: 响应百分比 (share of all mentions) and 个案百分比 (share of respondents who
        answered); with ``by``, the case percents per group and per option Pearson's χ² of chosen /
        not chosen × group (Holm-adjusted over the options): each respondent counts once per test."""
        self._unweighted("多选题分析")
        s, b = self._bind(by) if by is not None else (self, None)
        name = names.variable(s.book, variable)
        names.require(s.book, name, ("multi",), "多选题分析", "单选题用 .freq。")
        table = f"{s.book.instrument}_lab_{name}"
        if b is not None:
            title = f"{s.book.label(name)}（多选，按{s.book.label(b)}）"
            rows = multi_by(s.rows, name, b, s.book, "", table, title)
            return Result(title, rows, tables.multi_by(rows), tables.multi_by_note(rows))
        title = f"{s.book.label(name)}（多选）"
        rows = multi_select(s.rows, name, s.book, s.group, table, title)
        return Result(title, rows, tables.multi(rows), tables.multi_note(rows),
                      lambda: tables.bars(rows, table, name, s.group, stat="case_share"))

    def likert(self, pattern, by=None) -> Result:
        """Rating items (a name, a pattern such as ``"sat_*"`` or a list): each answer's share, the
        mean score and 满意率 with intervals; ``by``: one item across the groups of a variable
        (the chart then compares the groups). A variable not on a scale raises SurveyError."""
        items = names.variables(self.book, pattern)
        for item in items:
            names.require(self.book, item, ("rating",), "量表分析", RATING_FIX)
        title = f"{self.book.respondent or self.book.title}评价"
        table = f"{self.book.instrument}_lab_likert"
        if by is not None:
            return self._likert_by(items, by, table)
        if self.is_weighted:
            d = self.design()
            rows = pd.concat([weighted_likert(d, i, self.book, self.group, table, title) for i in items],
                             ignore_index=True)
            note = tables.weighted_note(rows, d, ratio=False)
        else:
            rows = pd.concat([likert(self.rows, i, self.book, self.group, table, title) for i in items],
                             ignore_index=True)
            note = tables.base_note(rows, self.domain.all(), "")
        return Result(title, rows, tables.likert(rows, self.book), note, lambda: tables.stacked(rows, table, self.group))

    def _likert_by(self, items: list[str], by, table: str) -> Result:
        self._unweighted("分组量表分析")
        if len(items) != 1:
            raise SurveyError("按分组比较时一次只能看一道量表题。", variable=items[0], fix="例如 r.likert(题目, by=分组变量)。")
        s, b = self._bind(by)
        item = items[0]
        title = f"{s.book.label(item)}：按{s.book.label(b)}"
        rows = likert(s.rows, item, s.book, "", table, title, by=b)
        shown = rows.assign(variable_label=rows["group"])        # one line per group in the table
        return Result(title, rows, tables.likert(shown, s.book).rename(columns={"题目": s.book.label(b)}),
                      tables.base_note(rows, True, "满意率区间为 Wilson 95% 置信区间；"),
                      lambda: tables.groups_chart(rows, table, item, s.book.label(b)))

    def drivers(self, overall=None, items=None) -> Result:
        """Key drivers of an overall rating (the codebook's ``report.overall`` by default) among the
        other items of its battery: standardised OLS betas with intervals, ordinal-logit odds ratios
        and correlations, ranked by |beta| (``stats.key_drivers``)."""
        self._unweighted("关键因素分析")
        outcome = names.variable(self.book, overall) if overall is not None else None
        chosen = names.variables(self.book, items) if items is not None else None
        rows = key_drivers(self.rows, self.book, self.group, outcome, chosen,
                           table=f"{self.book.instrument}_lab_drivers")
        return Result(rows["table_title"].iloc[0], rows, tables.drivers(rows), tables.drivers_note(rows))

    def describe(self, pattern=None) -> Result:
        """Number questions (all the report shows by default, or a name, pattern or list): valid n,
        mean with its t interval, standard deviation, median, quartiles, minimum and maximum
        (``stats.numbers``, the report's 数值题 table, with quartiles)."""
        self._unweighted("描述统计")
        items = number_variables(self.book) if pattern is None else names.variables(self.book, pattern)
        for item in items:
            names.require(self.book, item, ("number", "age"), "描述统计", "选择题用 .freq；量表题用 .likert。")
        if not items:
            raise SurveyError(f"{self.book.title}没有数值题。", fix="选择题用 .freq；量表题用 .likert。")
        title = f"{self.book.respondent or self.book.title}数值题"
        rows = numbers(self.rows, self.book, self.group, f"{self.book.instrument}_lab_numbers", title,
                       variables=items, quartiles=True)
        return Result(title, rows, tables.describe(rows), tables.base_note(rows, self.domain.all(), "平均值区间为 t 分布 95% 置信区间；"))

    def texts(self) -> Result:
        """How many respondents wrote something in each free-text question (``stats.text_counts``,
        the report's 文字题 table); the texts themselves are in ``.data``, never in a table."""
        self._unweighted("文字题计数")
        title = f"{self.book.respondent or self.book.title}文字题"
        rows = text_counts(self.rows, self.book, self.group, f"{self.book.instrument}_lab_text", title)
        if not len(rows):
            raise SurveyError(f"{self.book.title}没有报告计数的文字题。", fix="文字题的内容在 .data 中逐条阅读。")
        return Result(title, rows, *tables.as_report(rows))

    def indicators(self) -> Result:
        """The codebook's declared subgroups (their sizes) and indicators (``report: subgroups /
        indicators``) for the respondents (``stats.indicator_table``, the report's 主要指标)."""
        self._unweighted("主要指标")
        title = f"{self.book.respondent or self.book.title}主要指标"
        rows = indicator_table(self.rows, self.book, self.group, f"{self.book.instrument}_lab_indicators", title)
        if not len(rows):
            raise SurveyError(f"{self.book.title}的编码手册没有声明子群体或指标。",
                              fix="在编码手册 report 部分写 subgroups: 和 indicators:。")
        return Result(title, rows, *tables.as_report(rows))

    def vs_rest(self, items=None) -> Result:
        """The domain (``where``) against the survey's other respondents on rating items (the first
        battery by default): each side's 满意率, their difference with Newcombe's interval,
        Mann–Whitney, the ordinal-logit odds ratio, Holm over the items (``stats.district_vs_rest``,
        the report's 本单位与其他单位比较)."""
        self._unweighted("与其余受访者比较")
        if self.domain.all():
            raise SurveyError("与其余受访者比较需要先用 where 选出一部分受访者。", fix="例如 r.where(单位变量=单位名).vs_rest()。")
        chosen = names.variables(self.book, items) if items is not None else None
        for item in chosen or ():
            names.require(self.book, item, ("rating",), "与其余受访者比较", RATING_FIX)
        battery = self.book.report.battery_of(chosen[0]) if chosen else None
        unit = self.book.role("district")
        prefix = f"{self.book.label(unit)}：" if unit else "\0"
        one_unit = self.label.startswith(prefix) and "；" not in self.label and "、" not in self.label
        name = self.label.removeprefix(prefix) if one_unit else self.label
        rest = f"其他{self.book.label(unit)}" if one_unit else "其他受访者"
        rows = district_vs_rest(self.data, self.book, name, chosen, mine=self.rows, battery=battery,
                                table=f"{self.book.instrument}_lab_vs_rest", rest_label=rest,
                                table_title=f"{self.book.respondent or self.book.title}：{name}与{rest}比较")
        if not len(rows):
            raise SurveyError(f"{self.book.title}没有量表题组。", fix="用 items= 指定量表题。")
        return Result(rows["table_title"].iloc[0], rows, *tables.as_report(rows))

    def shared(self, other: "Survey") -> Result:
        """These respondents against another questionnaire's (``other``, e.g. the same unit's) on
        the questions both ask with the same answers: shares, differences with Newcombe intervals,
        tests, Holm (``stats.shared_questions``, the report's 两类受访者的看法)."""
        self._unweighted("两份问卷比较")
        table = f"shared_{self.book.instrument}_{other.book.instrument}"
        rows = shared_questions(self.rows, other.rows, self.book, other.book, self.group, table)
        if not len(rows):
            raise SurveyError(f"{self.book.title}与{other.book.title}没有相同的题目（同名、同选项）。",
                              fix="两份问卷共有的单选题才能直接比较。")
        each = [frequency(s.rows, v, s.book, self.group) for v in dict.fromkeys(rows["variable"]) for s in (self, other)]
        rows = pd.concat([rows, *each], ignore_index=True)        # each side's shares, which the table prints
        frame, note = tables.as_report(rows, table)
        frame = frame.rename(columns={f"{s.book.instrument}（%）": f"{s.book.respondent or s.book.title}（%）"
                                      for s in (self, other)})
        return Result(rows["table_title"].iloc[0], rows, frame, note)

    def crosstab(self, variable, by, percent: str = "col") -> Result:
        """``variable`` by ``by``: column (``"col"``, each column of ``by`` sums to 100), row or total
        percentages, Pearson's χ², Cramér's V and the expected-count warning."""
        self._unweighted("交叉表")
        if percent not in ("col", "row", "total"):
            raise SurveyError(f"percent 只能是 col、row 或 total，不是 {percent}。",
                              fix="col = 列百分比；row = 行百分比；total = 总百分比。")
        s, x = self._bind(variable)
        s, b = s._bind(by)
        for v in (x, b):
            names.require(s.book, v, ("single", "derived", "rating"), "交叉表", "多选题用 .multi；数值题用 .compare。")
        title = f"{s.book.label(x)}与{s.book.label(b)}交叉分析"
        table = f"{s.book.instrument}_lab_crosstab"
        if percent == "col":
            rows = crosstab(s.rows, b, x, s.book, "", table, title)
        else:
            rows = crosstab(s.rows, x, b, s.book, "", table, title)
            if percent == "total":
                rows = pd.concat([cell_shares(s.rows, x, b, s.book, "", table, title),
                                  rows[rows["category"].isin(["test", "warning"])]], ignore_index=True)
        return Result(title, rows, tables.crosstab(rows, s.book, x, b, percent), tables.test_note(rows, percent))

    def compare(self, variable, by) -> Result:
        """A rating item or number across the groups of ``by`` (a variable or a :class:`Recode`):
        mean (t interval), standard deviation, 满意率 for a rating item; for two groups Welch's t
        with the interval of the difference, the 满意率 difference (Newcombe), and Mann–Whitney;
        for more, Kruskal–Wallis."""
        self._unweighted("均值比较")
        s, b = self._bind(by)
        y = names.variable(s.book, variable)
        names.require(s.book, y, ("rating", "number", "age"), "均值比较", RATING_FIX)
        names.require(s.book, b, ("single", "derived", "rating"), "分组", "分组变量应是单选题或 recode 的分组。")
        rows = s.rows[[y, b]].dropna()
        groups = [(lab, rows.loc[rows[b] == c, y].astype(float)) for c, lab in s.book.labels(b).items()
                  if (rows[b] == c).any()]
        if len(groups) < 2:
            raise SurveyError(f"“{s.book.label(b)}”在这些受访者中不足两组，无法比较。", variable=b,
                              fix="换一个分组变量或放宽 where 条件。")
        top = s.book.variables[y].top_box if y in s.book.variables else ()
        table, title = f"{s.book.instrument}_lab_compare", f"{s.book.label(y)}：按{s.book.label(b)}比较"
        out = group_means(groups, s.book, y, table=table, table_title=title, top_box=top)
        if len(groups) == 2:
            (la, a), (lb, bb) = groups
            t = mean_difference(a, bb)
            mw = rank_test([a, bb])
            extra = {"diff": t["diff"], "diff_low": t["ci_low"], "diff_high": t["ci_high"], "t": t["t"],
                     "df": t["df"], "p": t["p"], "u": mw["value"], "p_u": mw["p"]}
            if top:
                d = share_difference(int(a.isin(top).sum()), len(a), int(bb.isin(top).sum()), len(bb))
                extra.update(top_diff=d[0], top_low=d[1], top_high=d[2])
        else:
            kw = rank_test([g for _, g in groups])
            extra = {"h": kw["value"], "p_h": kw["p"]}
        out = pd.concat([out, tables.test_rows(extra, s.book, y, b, s.group, table, title)], ignore_index=True)
        return Result(title, out, tables.compare(out),
                      tables.compare_note(extra, [la for la, _ in groups]))

    def rank(self, variable, category, by) -> Result:
        """Groups of ``by`` ranked by the share choosing ``category`` (code or label), with Wilson
        intervals; groups whose intervals overlap share a rank range (并列)."""
        self._unweighted("排序")
        s, name = self._bind(variable)
        s, b = s._bind(by)
        code = names.code(s.book, name, category, s.data)
        table = f"{s.book.instrument}_lab_rank"
        title = f"“{s.book.labels(name)[code]}”的比例：各{s.book.label(b)}排序"
        if b == s.book.role("district") or names.kind(s.book, b) == "text":
            levels = sorted(map(str, pd.unique(s.rows[b].dropna())))
            parts = [composition(s.rows[s.rows[b].astype("string") == lv], name, s.book, lv, table, title)
                     for lv in levels]
        else:
            parts = [composition(s.rows[s.rows[b] == c], name, s.book, lab, table, title)
                     for c, lab in s.book.labels(b).items() if (s.rows[b] == c).any()]
        rows = pd.concat(parts, ignore_index=True)
        rows = rows[rows["category"] == str(code)].reset_index(drop=True)
        ranked = rank_intervals(rows)
        return Result(title, ranked, tables.rank(ranked), tables.rank_note(ranked),
                      lambda: tables.dots(ranked, table, name, s.book.label(b)))

    def reliability(self, pattern, factors: int | None = None) -> Result:
        """Cronbach's α with each item's corrected item–total correlation and α if deleted, then
        KMO, Bartlett's test and an exploratory factor analysis (varimax-rotated loadings, variance
        explained); ``factors`` defaults to the number of eigenvalues above 1."""
        self._unweighted("信度分析")
        from analysis.lab import factor

        items = names.variables(self.book, pattern)
        for item in items:
            names.require(self.book, item, ("rating",), "信度分析", RATING_FIX)
        rel = satisfaction_index(self.rows, self.book, self.group, items=items,
                                 table=f"{self.book.instrument}_lab_reliability")
        try:
            efa = factor.efa(self.rows, items, self.book, factors)
        except SurveyError as e:             # too few items or answers for a factor analysis: α still holds
            note = f"{tables.reliability_note(rel)}因子分析未做：{e.message}"
            return Result("量表信度与效度", rel, tables.reliability(rel), note)
        return Result("量表信度与效度", pd.concat([rel, efa.rows], ignore_index=True), tables.reliability(rel),
                      tables.reliability_note(rel), more=efa.tables)

    def banner(self, rows, by) -> Result:
        """SPSS Custom Tables–style banner: questions down, the categories of each ``by`` variable
        across (plus 合计), column percents with bases and significance letters (see :mod:`banner`)."""
        from analysis.lab import banner

        return banner.banner(self, names.variables(self.book, rows), _list(by))

    def labelled(self) -> pd.DataFrame:
        """The domain's respondents with answers as ordered categoricals (low → high, so ``<`` and
        ``min()`` mean what they say; ``df.attrs["display_order"]`` gives the questionnaire's order),
        multi-select options as True/False columns, and variable labels in ``df.attrs["labels"]``
        (seaborn and the charts use them for axis titles). For reading and plotting: the statistics
        functions take codes and refuse this frame."""
        return tables.labelled(self.rows, self.book)


def unit_surveys(wave: Wave, unit: str) -> dict[str, Survey]:
    """Each questionnaire of a prepared wave as a :class:`Survey` restricted to one reporting unit
    (the domain ``where(<unit variable>=unit)``; the whole questionnaire for ``config.WHOLE_SAMPLE``
    when it has no unit question), keyed by questionnaire, for a report notebook's own tables:
    ``surveys = sa.unit_surveys(data, district)``; ``R.table(surveys[问卷].crosstab(…))``. A
    questionnaire the unit sent none of is left out."""
    lab = LabWave(wave)
    out = {}
    for instrument in wave.frames:
        survey = lab.survey(instrument)
        var = survey.book.role("district")
        if var is None or var not in survey.data:
            if unit == config.WHOLE_SAMPLE:
                out[instrument] = survey
        elif len(wave.rows(instrument, unit)):
            out[instrument] = survey.where(**{var: unit})
    return out


def _list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]
