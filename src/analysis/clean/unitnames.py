"""Unit names that are probably one unit written several ways: 桥东区, 桥东, 石家庄市桥东区,
桥东区（石家庄）. They are not merged (桥东区 and 桥东县 may both exist): prepare lists them with the
``aliases:`` lines that would merge them, for the researcher to copy into the codebook.
"""

from __future__ import annotations

import re
from typing import Iterable

from analysis.textnorm import canon

_BRACKETS = re.compile(r"[(\[【〔（][^)\]】〕）]*[)\]】〕）]")
# a leading province / city / prefecture (河北省, 石家庄市, 某某自治州), at least two characters before it
_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{2,}?(?:省|自治区|市|自治州|地区|盟))+(?=[\u4e00-\u9fff]{2,})")
_SUFFIX = re.compile(r"(?:新区|开发区|街道办事处|街道办|街道|社区居委会|居委会|社区|区|县|市|旗|镇|乡|村)$")


def core(name: str) -> str:
    """What is left of a unit name without brackets, a leading 省/市 and its kind (区, 县, 街道 …)."""
    text = _BRACKETS.sub("", canon(name)).strip()
    text = _PREFIX.sub("", text)
    stripped = _SUFFIX.sub("", text)
    return stripped if len(stripped) >= 2 else text


def similar(names: Iterable[str]) -> list[list[str]]:
    """Groups of two or more names with the same :func:`core`, each sorted, in the order of their
    first name."""
    groups: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        key = core(name)
        if key:
            groups.setdefault(key, []).append(name)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def alias_hint(group: list[str], counts: dict[str, int]) -> str:
    """The ``aliases:`` mapping that names every spelling of ``group`` by its most used one."""
    target = max(group, key=lambda n: (counts.get(n, 0), -len(n), n))
    pairs = ", ".join(f"{n}: {target}" for n in group if n != target)
    return f"aliases: {{{pairs}}}"
