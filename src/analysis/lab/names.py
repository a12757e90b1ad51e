"""A researcher's words for variables and answers, turned into the codebook's names and codes.

Variables by name (``"sat_overall"``), by a pattern (``"sat_*"``) or by their Chinese label
(``"总体满意度"``); answers by code (``4``, ``"4"``) or by label or alias (``"比较满意"``). Anything
that names nothing raises :class:`~analysis.errors.SurveyError` listing what there is.
"""

from __future__ import annotations

import difflib
import fnmatch
from typing import Iterable

import numpy as np
import pandas as pd

from analysis.errors import SurveyError
from analysis.spec.codebook import Codebook
from analysis.textnorm import answer_key

CHOICE_TYPES = ("single",)


def known(book: Codebook) -> list[str]:
    """Every variable a verb may name: the codebook's kept variables and derived ones, in order."""
    return [*(v.name for v in book.variables.values() if v.kept), *book.derived]


def variable(book: Codebook, name: str, data: pd.DataFrame | None = None) -> str:
    """The variable ``name`` means: a name, or a label (the variable whose label it is)."""
    names = known(book)
    if name in names:
        return name
    by_label = [n for n in names if book.label(n) == name]
    if len(by_label) == 1:
        return by_label[0]
    if name in book.variables:                     # not kept: private text, names, phone numbers
        raise SurveyError("这一题是个人信息或私密文字，清洗后不保留，不能分析。", variable=name,
                          fix="换用其他题目。")
    close = difflib.get_close_matches(name, names + [book.label(n) for n in names], n=3, cutoff=0.5)
    hint = f"是不是：{'、'.join(close)}？" if close else f"可用的变量：{'、'.join(names[:25])}。"
    raise SurveyError(f"编码手册（{book.title}）中没有变量“{name}”。", variable=name, fix=hint)


def variables(book: Codebook, spec: str | Iterable[str]) -> list[str]:
    """Names from a name, a label, a pattern with ``*``/``?`` (codebook order) or a list of them."""
    if not isinstance(spec, str):
        return [n for s in spec for n in variables(book, s)]
    if any(ch in spec for ch in "*?["):
        hits = [n for n in known(book) if fnmatch.fnmatchcase(n, spec)]
        if not hits:
            raise SurveyError(f"没有变量名符合“{spec}”。", variable=spec,
                              fix=f"可用的变量：{'、'.join(known(book)[:25])}。")
        return hits
    return [variable(book, spec)]


def kind(book: Codebook, name: str) -> str:
    """single / multi / number / age / text / derived, and ``rating`` for an item on a scale."""
    if name in book.derived:
        return "derived"
    v = book.variables[name]
    return "rating" if v.scale else v.type


def require(book: Codebook, name: str, kinds: tuple[str, ...], verb: str, fix: str) -> None:
    got = kind(book, name)
    if got not in kinds:
        words = {"single": "单选题", "derived": "派生分组变量", "rating": "量表题", "multi": "多选题",
                 "number": "数值题", "age": "年龄", "text": "文字题"}
        raise SurveyError(f"{verb}不适用于{words.get(got, got)}“{book.label(name)}”。", variable=name, fix=fix)


def code(book: Codebook, name: str, value, data: pd.DataFrame | None = None):
    """The code of one answer given as a code or as text (label, alias, digits). The unit variable
    is held as its label: its values are matched as text."""
    if name == book.role("district") or (name in book.variables and book.variables[name].type == "text"):
        present = sorted(map(str, pd.unique(data[name].dropna()))) if data is not None and name in data else []
        if str(value) in present or not present:
            return str(value)
        raise SurveyError(f"“{book.label(name)}”中没有“{value}”。", variable=name,
                          fix=f"可选：{'、'.join(present[:30])}。")
    labels = book.labels(name)
    if isinstance(value, (bool, np.bool_)):
        raise SurveyError(f"“{value}”不是答案。", variable=name, fix=_options(labels))
    if isinstance(value, (int, np.integer)) or (isinstance(value, float) and float(value).is_integer()):
        if int(value) in labels:
            return int(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit() and int(text) in labels:
            return int(text)
        by_label = {answer_key(lab): c for c, lab in labels.items()}
        if answer_key(text) in by_label:
            return by_label[answer_key(text)]
        if name in book.variables:
            found = book.variables[name].code_for(text)
            if found is not None:
                return found
    raise SurveyError(f"“{book.label(name)}”没有答案“{value}”。", variable=name, fix=_options(labels))


def codes(book: Codebook, name: str, values, data: pd.DataFrame | None = None) -> list:
    if isinstance(values, (list, tuple, set, range, np.ndarray, pd.Index)):
        return [code(book, name, v, data) for v in values]
    return [code(book, name, values, data)]


def _options(labels: dict[int, str]) -> str:
    return "可用代码或标签：" + "、".join(f"{c}={lab}" for c, lab in labels.items()) + "。"
