"""What a cell's text means as a value, the way people type it: numbers ('35岁', '３５', '三十五',
a birth year or date, an Excel date serial for an age), 问卷星's 所用时间 in seconds, and the
options of a by-text multi-select answer.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from analysis.textnorm import answer_key, canon

MULTI_SEP = "┋"
OTHER_TEXT = re.compile(r"〖[^〗]*〗")
_NUMBER = re.compile(r"^(-?\d+(?:\.\d+)?)(?:周?岁|年|年整|人|户|名|万元|元|个|次)?$")
_BIRTH = re.compile(r"^((?:19|20)\d\d)(?:年(?:(\d{1,2})月(?:(\d{1,2})日)?)?|[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?"
                    r"(?:出生|生)?$")
_SECONDS = re.compile(r"^(\d+(?:\.\d+)?)\s*秒?$")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_number(text: str, *, age_on: int | dt.date | None = None) -> float | None:
    """A number as people type it: '35', '35岁', '３５', '三十五岁'. For ages (``age_on`` = the survey
    date, or its year) a birth year ('1978', '1978年') gives the age reached in the survey year, a
    birth date ('1978-05-03', '1978年5月3日') or an Excel date serial (28613) the exact age in
    completed years on the survey date."""
    key = answer_key(text)
    if age_on is not None:
        on = age_on if isinstance(age_on, dt.date) else dt.date(int(age_on), 12, 31)
        m = _BIRTH.match(key)
        if m:
            year = int(m.group(1))
            month, day = m.group(2) or m.group(4), m.group(3) or m.group(5)
            if month and isinstance(age_on, dt.date):
                try:
                    return float(_age(dt.date(year, int(month), int(day or 1)), on))
                except ValueError:
                    return None
            return float(on.year - year)
        if key.isdigit() and 7000 <= int(key) <= 60000:  # an Excel date serial (1919–2064)
            return float(_age(_EXCEL_EPOCH + dt.timedelta(days=int(key)), on))
    m = _NUMBER.match(key)
    if m:
        return float(m.group(1))
    key = re.sub(r"(周?岁|年)$", "", key)
    return _chinese_number(key)


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _chinese_number(key: str) -> float | None:
    """'三十五' → 35, '二十' → 20, '十八' → 18, '六十' → 60 (the forms ages and years take)."""
    if not key or any(ch not in _CN_DIGITS and ch != "十" for ch in key):
        return None
    if "十" not in key:
        return float(int("".join(str(_CN_DIGITS[ch]) for ch in key))) if len(key) <= 3 else None
    tens, _, ones = key.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    return float((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))


def parse_seconds(text: object) -> float:
    """问卷星's 所用时间 ('125秒', '125') in seconds; NaN when absent or unreadable."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return np.nan
    m = _SECONDS.match(canon(str(text)))
    return float(m.group(1)) if m else np.nan


def split_multi(text: str) -> list[str]:
    """Options of a by-text multi-select answer; '┋' inside 〖typed text〗 is text, not a separator."""
    return [p for p in OTHER_TEXT.sub("", text).split(MULTI_SEP) if p.strip()]
