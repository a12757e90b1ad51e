"""District names as folder names: safe on Linux, macOS and Windows, stable, and never colliding.

A district's name comes from what respondents typed, so it can hold anything: ``桥/东区``, ``..``,
``../../etc``, ``CON``, control characters, a trailing dot, 300 characters. ``folder_name`` keeps a
name that is already safe exactly as it is (Chinese stays Chinese) and otherwise makes it safe and
appends ``~`` and the first 10 hex digits of the SHA-256 of the original name:

- removed: control and invisible format characters; white space folded to one space;
  leading and trailing spaces, leading dots and underscores (``.hidden`` is hidden, ``_logs`` and
  ``_failed`` are the runner's own folders), trailing dots and spaces (Windows drops them);
- replaced by ``_``: path separators and the characters Windows forbids, ``/ \\ : * ? " < > |``,
  and ``~`` (kept for the suffix, so that a name left as it was can never look like a made-safe one);
- made safe too: Windows device names (``CON``, ``aux.txt``, ``COM1``…), ``index.html`` (the
  overview page beside the district folders), names with upper-case letters (on a case-insensitive
  file system ``ABC区`` and ``abc区`` would be one folder), over-long names (cut to 150 UTF-8 bytes).

Why collisions are impossible: an unchanged name has no ``~`` and no upper case, so two unchanged
names share a folder only if they are the same name; a changed name always ends in ``~`` + hash, so
it never equals an unchanged one, and two changed names share a folder only if the SHA-256 of two
different names agree in their first 40 bits (``folder_names`` checks even that).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_FORBIDDEN = str.maketrans({c: "_" for c in '/\\:*?"<>|~'})
_WS = re.compile(r"\s+")
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                    *(f"{p}{d}" for p in ("COM", "LPT") for d in "0123456789¹²³")}
_TAKEN = {"index.html"}          # files the report folder of a wave keeps beside the districts
_MAX_BYTES = 150                 # ext4 and NTFS allow 255; leaves room for the suffix and temp names
HASH_CHARS = 10
PLACEHOLDER = "区县"


def _is_visible(ch: str) -> bool:
    return unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")


def _cut(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def _tag(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]


def folder_name(name: str) -> str:
    """The folder a district's report goes in; ``name`` itself whenever that is safe."""
    name = str(name)
    text = "".join(ch for ch in unicodedata.normalize("NFC", name) if _is_visible(ch) or ch.isspace())
    text = _WS.sub(" ", text).translate(_FORBIDDEN)
    text = _cut(text, _MAX_BYTES).strip(" ").lstrip("._ ").rstrip(". ")
    if text.split(".")[0].upper().rstrip(" ") in _WINDOWS_DEVICES:
        text = text.replace(".", "_")            # 'aux.txt' is the device AUX on Windows
    device = text.split(".")[0].upper() in _WINDOWS_DEVICES
    changed = (text != name or not text or device or text.lower() in _TAKEN
               or text != text.casefold())        # upper case: case-insensitive file systems
    if not changed:
        return text
    return f"{text or PLACEHOLDER}~{_tag(name)}"


def folder_names(districts) -> dict[str, str]:
    """``folder_name`` of each district, checked to be distinct (also ignoring case)."""
    out = {d: folder_name(d) for d in districts}
    seen: dict[str, str] = {}
    for district, folder in out.items():
        other = seen.setdefault(folder.casefold(), district)
        if other != district:
            raise RuntimeError(f"两个区县得到同一个文件夹名 {folder}：{other!r}、{district!r}（程序错误）")
    return out
