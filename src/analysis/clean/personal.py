"""Personal data typed where it does not belong, masked before anything is written or shown.

Respondents type phone numbers, ID numbers and names into answers that match no option
(``其他〖请联系张伟 13812345671〗``, an ID number as an age), and offices write a contact person
into a 社区 name (``幸福社区（联系人：王芳 0311-86688888）``). :func:`mask` replaces, in any text
the cleaner keeps or logs: mobile and fixed-line phone numbers, 18- and 15-digit ID numbers (and any
other run of 11 or more digits), and a name next to such a number or after a word that introduces a
person (联系人, 负责人, 姓名, 请联系 …; after a post such as 书记 or 主任 only when a surname begins
it), each by a marker saying what was there. A name typed on its own, with nothing around it that
says it is one, cannot be told from an answer.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

from analysis.spec.draft_pii import SURNAMES

_CJK = r"[\u3400-\u9fff]"
_ID = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)")
# a fixed line with its area code (0311-86688888), or a bare local number after a word saying it is
# one (电话 86688888): a bare 8-digit number may be a date (20260903)
_FIXED = re.compile(r"(?<!\d)\(?0\d{2,3}\)?[-\s]?[2-9]\d{6,7}(?!\d)")
_LOCAL = re.compile(r"(电话|座机|手机|联系方式|办公室|tel|Tel|TEL)([:：.\s]*)[2-9]\d{6,7}(?!\d)")
_LONG = re.compile(r"\d{11,}")
_MARKERS = "〔手机号〕|〔电话〕|〔身份证号〕|〔号码〕"
# what follows such a word without being a name: a kind of number, a post, ordinary words (主任兼书记,
# 找不到数据文件夹: a bare 找 or 联系 introduces no person, 请找 and 请联系 do)
_NOT_NAMES = ("电话|手机|手机号|号码|联系方式|方式|座机|身份证|证号|编号|书记|主任|委员|助理|兼|一肩|职务|"
              "不到|不着|平均|年龄|人数|比例|占比")
# a word saying a person follows (联系人：…) is followed by a name whatever it is; a post (书记, 主任,
# 网格员) is followed by a name only when a surname begins it: 书记王芳, but 书记队伍建设, 主任职责
_SURNAME = "[" + "".join(sorted(SURNAMES)) + "]"
_INTRO = re.compile(rf"(?:(联系人|负责人|经办人|请联系|姓名|名字|请找)([:：\s]*)(?!{_NOT_NAMES})({_CJK}{{2,3}})"
                    rf"|(书记|主任|网格员)([:：\s]*)(?!{_NOT_NAMES})({_SURNAME}{_CJK}{{1,2}}))")
# what ends a word that is no name: a kind of number, or a place (和平社区 13812345678)
_NOT_NAME_END = "".join(f"(?<!{w})" for w in ("电话", "手机", "方式", "座机", "号", "码", "证", "卡", "区", "街道", "村", "镇",
                                              "乡", "县", "市", "省", "会", "站", "处", "室", "所", "院",
                                              "楼", "栋", "单元", "组", "队", "部", "中心", "办"))
_BEFORE_NUMBER = re.compile(rf"({_CJK}{{2,3}}){_NOT_NAME_END}([\s:：,，、_\-]*)(?={_MARKERS})")
_NUMBER_CHARS = re.compile(r"(?:\d[\s-]?){7}")

NAME = "〔姓名〕"


@functools.lru_cache(maxsize=100_000)
def mask(text: str) -> str:
    """``text`` with phone numbers, ID numbers and the names beside them replaced by markers."""
    if not isinstance(text, str) or (not _NUMBER_CHARS.search(text) and not _INTRO.search(text)):
        return text
    out = _ID.sub("〔身份证号〕", text)
    out = _MOBILE.sub("〔手机号〕", out)
    out = _FIXED.sub("〔电话〕", out)
    out = _LOCAL.sub(lambda m: m.group(1) + m.group(2) + "〔电话〕", out)
    out = _LONG.sub("〔号码〕", out)
    out = _INTRO.sub(lambda m: (m.group(1) or m.group(4)) + (m.group(2) or m.group(5) or "") + NAME, out)
    out = _BEFORE_NUMBER.sub(lambda m: NAME + m.group(2), out)
    return out


def masked(text: str) -> bool:
    """Whether :func:`mask` changes ``text``."""
    return mask(text) != text


def mask_values(values) -> np.ndarray:
    """:func:`mask` over an array of texts (each distinct text once); None and NA stay."""
    arr = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(pd.Series(arr, dtype=object), use_na_sentinel=True)
    if not len(uniques):
        return arr
    shown = np.array([mask(u) if isinstance(u, str) else u for u in uniques] + [None], dtype=object)
    out = shown[codes]
    out[codes < 0] = arr[codes < 0]
    return out
