"""Population margins for weighting: ``config/margins/<wave>.yaml``, read and validated.

The file gives, per questionnaire and district, the population by the weighting variables
(gender × age band): either the cross table (rows × columns, optional ``total:``) or, when only
the marginal distributions are known, ``margins: {gender: {…}, age_band: {…}}``. Loading checks
every category against the codebook's labels (a label the codebook does not have, a category
left out, a negative count), that each district's margins add up to one total (and to
``total:`` when given), and raises :class:`~analysis.errors.SurveyError` naming the file, the
place (``worker.districts.桥东区.男``) and the fix. The bundled ``2026.yaml`` is synthetic and
says so. :mod:`analysis.weighting.weights` uses the result; ``InstrumentMargins.from_joint`` /
``from_marginals`` build the same object from a DataFrame (tests, notebooks).

A questionnaire without a unit question (its wave's one unit is ``config.WHOLE_SAMPLE``), or a
county that only knows its whole population, writes ``population:`` instead of ``districts:``:
the same table (cross table or ``margins:``) once, for everyone. It is held as the one district
``config.WHOLE_SAMPLE`` (``InstrumentMargins.whole``), and raking then treats the whole sample as one
stratum (``weights.rake``), whether or not the data have a unit column.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from analysis import config
from analysis.errors import SurveyError
from analysis.fileio import read_yaml
from analysis.spec.codebook import Codebook

MARGINS_DIR = config.CONFIG_DIR / "margins"


@dataclasses.dataclass(frozen=True)
class InstrumentMargins:
    """One questionnaire's population: ``marginals`` has a row per (district, variable, code)
    with its ``population``; ``joint`` a row per (district, code of each variable) when the file
    gives the cross table (every district), else None."""

    instrument: str
    variables: tuple[str, ...]
    marginals: pd.DataFrame
    joint: pd.DataFrame | None
    path: Path
    labels: tuple[str, ...] = ()       # the variables' Chinese labels (性别, 年龄段), for notes

    @classmethod
    def from_joint(cls, joint: pd.DataFrame, variables: Sequence[str], instrument: str = "",
                   path: str | Path = "<DataFrame>") -> "InstrumentMargins":
        """Margins from a table with columns district, each variable, population (no file);
        without a district column, the whole population (``whole``)."""
        if "district" not in joint:
            joint = joint.assign(district=config.WHOLE_SAMPLE)
        marg = pd.concat([joint.groupby(["district", v], sort=True)["population"].sum().reset_index()
                          .rename(columns={v: "category"}).assign(variable=v) for v in variables],
                         ignore_index=True)[["district", "variable", "category", "population"]]
        return cls(instrument=instrument, variables=tuple(variables), marginals=marg,
                   joint=joint[["district", *variables, "population"]].copy(), path=Path(path))

    @classmethod
    def from_marginals(cls, marginals: pd.DataFrame, variables: Sequence[str], instrument: str = "",
                       path: str | Path = "<DataFrame>") -> "InstrumentMargins":
        """Margins from a table with columns district, variable, category, population (no file);
        without a district column, the whole population (``whole``)."""
        if "district" not in marginals:
            marginals = marginals.assign(district=config.WHOLE_SAMPLE)
        return cls(instrument=instrument, variables=tuple(variables),
                   marginals=marginals[["district", "variable", "category", "population"]].copy(),
                   joint=None, path=Path(path))

    @property
    def described(self) -> str:
        return " × ".join(self.labels or self.variables)

    @property
    def districts(self) -> list[str]:
        return sorted(self.marginals["district"].unique())

    @property
    def whole(self) -> bool:
        """The margins are the whole population's (``population:``), not per unit."""
        return self.districts == [config.WHOLE_SAMPLE]

    def totals(self) -> pd.Series:
        """Population per district."""
        first = self.marginals[self.marginals["variable"] == self.variables[0]]
        return first.groupby("district")["population"].sum()


@dataclasses.dataclass(frozen=True)
class Margins:
    path: Path
    wave: str
    synthetic: bool
    source: str
    instruments: dict[str, InstrumentMargins]
    # sections left out when loaded with ``skip_unknown``: questionnaire → why (a note for reports)
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def notes(self) -> list[str]:
        """One sentence per skipped section, in the file's order."""
        return list(self.skipped.values())

    def for_instrument(self, instrument: str) -> InstrumentMargins:
        if instrument not in self.instruments:
            raise SurveyError(f"没有问卷 {instrument} 的总体结构，无法加权。", file=str(self.path),
                              fix=f"在文件中加一节 {instrument}:（variables 和 districts），写法见文件开头的说明。")
        return self.instruments[instrument]


def margins_path(wave: str = config.DEFAULT_WAVE, folder: Path = MARGINS_DIR) -> Path:
    return Path(folder) / f"{wave}.yaml"


def load_margins(path: str | Path, codebooks: dict[str, Codebook], *, skip_unknown: bool = False) -> Margins:
    """Read and validate a margins file; SurveyError naming the file, the place and the fix.

    ``skip_unknown`` (what a report uses): a section naming a questionnaire no codebook has (margins
    left over after the bundled codebooks were replaced), or a weighting variable its codebook
    lacks, is left out with a note in ``Margins.skipped`` instead of failing; every other mistake
    still fails, and the other questionnaires are weighted exactly as without the section."""
    path = Path(path)
    raw = read_yaml(path, "加权用的总体结构",
                    "在 config/margins/ 下按批次建立 <批次>.yaml，可参考 config/margins/2026.yaml。")
    return _MarginsParser(path, codebooks, skip_unknown).parse(raw)


class _MarginsParser:
    def __init__(self, path: Path, books: dict[str, Codebook], skip_unknown: bool = False):
        self.path, self.books, self.skip_unknown = path, books, skip_unknown

    def _skip_reason(self, key: Any, spec: Any) -> str | None:
        """Why a section cannot be used with these codebooks (None: it can, or it is checked as usual)."""
        if key not in self.books:
            return f"总体结构文件 {self.path.name} 中的“{key}”没有对应的编码手册（问卷），这一节未用于加权。"
        variables = spec.get("variables") if isinstance(spec, dict) else None
        if not isinstance(variables, list):
            return None
        book = self.books[key]
        lacking = [str(v) for v in variables if not isinstance(v, str) or not _has_labels(book, v)]
        if lacking:
            return (f"{book.title}：总体结构文件 {self.path.name} 中的加权变量 {'、'.join(lacking)} "
                    f"不在编码手册 {book.path.name} 中（或没有选项标签），该问卷未加权。")
        return None

    def fail(self, msg: str, where: str | None = None, fix: str | None = None):
        raise SurveyError(msg, file=str(self.path), variable=where, fix=fix)

    def parse(self, raw: Any) -> Margins:
        if not isinstance(raw, dict):
            self.fail("文件应是一个映射：wave、source 和各问卷的总体结构。")
        meta = {"wave", "synthetic", "source"}
        instruments, skipped = {}, {}
        for key, spec in raw.items():
            if key in meta:
                continue
            if self.skip_unknown and (reason := self._skip_reason(key, spec)):
                skipped[str(key)] = reason
                continue
            if key not in self.books:
                self.fail(f"“{key}” 不是已知的问卷。", str(key),
                          fix=f"问卷名用编码手册的 instrument：{'、'.join(sorted(self.books))}。")
            instruments[key] = self.instrument(str(key), spec)
        if not instruments and not skipped:
            self.fail("文件中没有任何问卷的总体结构。", fix="至少写一节，例如 worker: {variables: …, districts: …}。")
        if not isinstance(raw.get("synthetic", False), bool):
            self.fail(f"synthetic 应写 true 或 false，写的是“{raw['synthetic']}”。", "synthetic",
                      fix="写成 synthetic: true 或 synthetic: false；yes/no 不作为是否。")
        return Margins(path=self.path, wave=str(raw.get("wave", self.path.stem)),
                       synthetic=bool(raw.get("synthetic", False)), source=str(raw.get("source", "")),
                       instruments=instruments, skipped=skipped)

    def instrument(self, name: str, spec: Any) -> InstrumentMargins:
        book = self.books[name]
        if not isinstance(spec, dict) or set(spec) - {"variables", "districts", "population"}:
            self.fail("每份问卷一节，只有 variables 和 districts（或 population）两项。", name)
        population = "population" in spec
        if population:
            if "districts" in spec:
                self.fail("districts 与 population 只能写一个。", f"{name}.population",
                          fix="各区县分别有总体人数时写 districts；只有全体总体人数（或问卷没有区县题）时写 population。")
            spec = {"variables": spec.get("variables"), "districts": {config.WHOLE_SAMPLE: spec["population"]}}
        variables = spec.get("variables")
        if not isinstance(variables, list) or not variables or len(variables) > 2:
            self.fail("variables 应列出一到两个加权变量，例如 [gender, age_band]。", f"{name}.variables")
        labels = {}
        for v in variables:
            try:
                labels[v] = book.labels(v)
            except KeyError:
                self.fail(f"加权变量 {v} 不在编码手册 {book.path.name} 中。", f"{name}.variables",
                          fix="用编码手册里有选项标签的变量或派生变量（如 gender、age_band）。")
            if not labels[v]:
                self.fail(f"加权变量 {v} 没有选项标签。", f"{name}.variables")
        districts = spec.get("districts")
        if not isinstance(districts, dict) or not districts:
            self.fail("districts 应是“区县: 人数表”的映射。", f"{name}.districts",
                      fix="问卷没有区县题（或只有全体的总体人数）时，改写 population: 全体的人数表。")
        marg, joint = [], []
        for district, table in districts.items():
            where = f"{name}.population" if population else f"{name}.districts.{district}"
            if not isinstance(table, dict):
                self.fail("区县下应是人数表。", where)
            total = table.get("total")
            if "margins" in table:
                m = self.marginal_form(table, variables, labels, where)
            else:
                cells = self.joint_form(table, variables, labels, where)
                joint += [{"district": str(district), **dict(zip(variables, k)), "population": p}
                          for k, p in cells.items()]
                m = {v: {} for v in variables}
                for k, p in cells.items():
                    for v, code in zip(variables, k):
                        m[v][code] = m[v].get(code, 0.0) + p
            sums = {v: sum(m[v].values()) for v in variables}
            if len({round(s, 6) for s in sums.values()}) > 1:
                self.fail("各加权变量的合计不相等：" + "，".join(f"{v} 合计 {s:g}" for v, s in sums.items()) + "。",
                          where, fix="同一区县的各边际分布应加总为同一个总人数，检查抄录的数字。")
            if total is not None:
                if not _number(total) or abs(float(total) - sums[variables[0]]) > 1e-6 * max(1.0, float(total)):
                    self.fail(f"total: {total} 与表内合计 {sums[variables[0]]:g} 不符。", where,
                              fix="改正 total 或表中的人数，使两者相等。")
            if sums[variables[0]] <= 0:
                self.fail("总人数为 0。", where)
            marg += [{"district": str(district), "variable": v, "category": c, "population": p}
                     for v in variables for c, p in sorted(m[v].items())]
        every_joint = all("margins" not in t for t in districts.values())
        joint_df = pd.DataFrame(joint) if every_joint else None
        return InstrumentMargins(instrument=name, variables=tuple(variables), marginals=pd.DataFrame(marg),
                                 joint=joint_df, path=self.path,
                                 labels=tuple(book.label(v) for v in variables))

    def code(self, variable: str, label: Any, labels: dict[int, str], where: str) -> int:
        by_label = {v: k for k, v in labels.items()}
        if str(label) in by_label:
            return by_label[str(label)]
        if isinstance(label, int) and label in labels:
            return label
        self.fail(f"“{label}” 不是 {variable} 在编码手册中的类别。", where,
                  fix=f"可用的类别：{'、'.join(labels.values())}（与编码手册的标签一字不差）。")

    def count(self, value: Any, where: str) -> float:
        if not _number(value) or float(value) < 0:
            self.fail(f"人数 {value!r} 不是非负数。", where, fix="填写人数，例如 120；没有这类人时填 0。")
        return float(value)

    def complete(self, got: set, variable: str, labels: dict[int, str], where: str) -> None:
        absent = [labels[c] for c in labels if c not in got]
        if absent:
            self.fail(f"{variable} 缺少类别：{'、'.join(absent)}。", where,
                      fix="每个类别都要写人数（没有这类人时写 0），否则无法加权。")

    def marginal_form(self, table: dict, variables: list, labels: dict, where: str) -> dict:
        extra = set(table) - {"margins", "total"}
        if extra:
            self.fail(f"写了 margins 后不能再写人数表（多出 {'、'.join(map(str, extra))}）。", where)
        spec = table["margins"]
        if not isinstance(spec, dict) or set(spec) != set(variables):
            self.fail(f"margins 应恰好包含 {', '.join(variables)}。", where)
        out = {}
        for v in variables:
            if not isinstance(spec[v], dict):
                self.fail(f"margins.{v} 应是“类别: 人数”的映射。", where)
            out[v] = {self.code(v, k, labels[v], f"{where}.margins.{v}"): self.count(p, f"{where}.margins.{v}.{k}")
                      for k, p in spec[v].items()}
            self.complete(set(out[v]), v, labels[v], f"{where}.margins.{v}")
        return out

    def joint_form(self, table: dict, variables: list, labels: dict, where: str) -> dict[tuple, float]:
        rows = {k: v for k, v in table.items() if k != "total"}
        cells: dict[tuple, float] = {}
        if len(variables) == 1:
            v = variables[0]
            cells = {(self.code(v, k, labels[v], where),): self.count(p, f"{where}.{k}") for k, p in rows.items()}
            self.complete({k[0] for k in cells}, v, labels[v], where)
            return cells
        v1, v2 = variables
        got1 = set()
        for k1, row in rows.items():
            c1 = self.code(v1, k1, labels[v1], where)
            got1.add(c1)
            if not isinstance(row, dict):
                self.fail(f"“{k1}” 下应是 {v2} 各类别的人数。", where, fix="例如 男: {35岁以下: 95, 35-55岁: 230, 55岁以上: 85}")
            got2 = set()
            for k2, p in row.items():
                c2 = self.code(v2, k2, labels[v2], f"{where}.{k1}")
                got2.add(c2)
                cells[(c1, c2)] = self.count(p, f"{where}.{k1}.{k2}")
            self.complete(got2, v2, labels[v2], f"{where}.{k1}")
        self.complete(got1, v1, labels[v1], where)
        return cells


def _has_labels(book: Codebook, variable: str) -> bool:
    try:
        return bool(book.labels(variable))
    except KeyError:
        return False


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and np.isfinite(x)
