"""Text normalisation shared by the codebook, the readers and the cleaner.

One definition of "the same answer": Unicode NFKC (full-width → half-width: ３５ → 35, （ → (),
traditional → simplified characters (OpenCC t2s: 滿意 → 满意, 黨員 → 党员), white space folded.
Codebook labels and aliases go through the same functions as the answers they are compared with,
so a codebook never needs a separate entry for a variant these rules already cover.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import opencc

_WS = re.compile(r"\s+")
_TRAILING_PUNCT = re.compile(r"[。．.，,；;、:：!！?？\s]+$")
_LEADING_PUNCT = re.compile(r"^[，,；;、:：\s]+")
# "12、", "12.", "12．", "Q12.", "第12题" at the start of a question header
_QUESTION_NUMBER = re.compile(r"^(?:Q|q)?\d+\s*[、.．:：)]\s*|^第\d+题[、.．:：]?\s*")


@functools.lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


# control characters (C0/C1 other than white space) and invisible format characters (zero-width
# space, bidi overrides such as U+202E that show text reversed): never part of an answer, and they
# would make "裕华区" and "裕华区\x07" two districts that look the same
# … and characters that show as nothing or as a blank (copied from web pages and chat apps): the
# soft hyphen, the combining grapheme joiner U+034F, the Arabic letter mark, Hangul fillers (U+115F,
# U+1160, U+3164, U+FFA0), Khmer inherent vowels, Mongolian variation selectors and vowel separator,
# the Braille blank U+2800, variation selectors (VS1–VS16 and the supplement, e.g. VS16 after a
# character) and tag characters
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5"
                        r"\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u2800\u3164"
                        r"\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f\U000e0100-\U000e01ef]")


@functools.lru_cache(maxsize=200_000)
def canon(text: str) -> str:
    """NFKC + simplified characters + folded white space, control and invisible format characters
    removed; the form free text is kept in."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    if any(ord(ch) > 0x2E7F for ch in text):  # only CJK text can hold traditional characters
        text = _t2s().convert(text)
    return _WS.sub(" ", text).strip()


@functools.lru_cache(maxsize=200_000)
def answer_key(text: str) -> str:
    """The form a single answer is matched in: canon, no spaces, lower case, no trailing punctuation."""
    key = _WS.sub("", canon(text)).lower()
    key = _TRAILING_PUNCT.sub("", _LEADING_PUNCT.sub("", key))
    return key


@functools.lru_cache(maxsize=50_000)
def header_key(text: str) -> str:
    """The form a column header is matched in: the question stem without its number and end punctuation."""
    key = canon(text)
    key = _QUESTION_NUMBER.sub("", key)
    return answer_key(key)


def display_width(text: object) -> int:
    """Columns ``text`` takes on a terminal, counting Chinese characters as two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def pad(text: object, width: int, right: bool = False) -> str:
    """Pad to a terminal width, counting Chinese characters as two columns."""
    text = str(text)
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill
