"""One response, counted once over every file of a wave: a re-download beside the earlier file, two
sheets of one download, the text and the number download of the same answers.

Within one file the cleaner's ``duplicate`` rule already keeps the first of identical answers.
Here, over the valid rows of all files of one questionnaire in the order they were read, a row is
the later copy of an earlier one when its cleaned answers (codes, so a 按文本 and a 按序号 download
of one response agree) are the same and either it has the same 问卷星 序号 and submission time
(the same submission, whatever the codebook says) or, when the codebook's ``quality.duplicate``
rule is on, it comes from another file (with the same hashed IP when the rule says ``same_ip``).
The later copy moves from the valid rows to the exclusions with rule ``duplicate`` and the earlier
copy's input and line as its detail; the count received is unchanged, so received = valid +
excluded still holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.clean.table import CleanResult, rule_label, unit_label
from analysis.spec.codebook import Codebook


def exclude_repeats(results: list[CleanResult], books: dict[str, Codebook]) -> int:
    """Move every later copy of a response out of ``results``' valid rows (in place); returns how
    many were moved."""
    moved = 0
    for instrument in sorted({r.instrument for r in results}):
        book = books[instrument]
        by_answers = book.rule("duplicate") is not None
        seen: dict[tuple, tuple[str, int]] = {}
        for r in (r for r in results if r.instrument == instrument):
            if r.keys is None or not len(r.valid):
                continue
            answers = answer_hashes(r.valid)
            lines = r.valid["_row"].to_numpy(dtype="int64")
            detail = np.full(len(r.valid), None, dtype=object)
            for i, (a, submission, ip) in enumerate(zip(answers, r.keys["submission"], r.keys["ip"])):
                same = seen.get(("submission", a, submission)) if submission is not None else None
                if same is not None:
                    detail[i] = f"与 {same[0]} 第 {same[1]} 行是同一份答卷（序号、提交时间和全部答案相同）"
                    continue
                same = seen.get(("answers", a, ip)) if by_answers else None
                if same is not None and same[0] != r.file:
                    ip_text = "，来自同一 IP" if ip is not None else ""
                    detail[i] = f"与 {same[0]} 第 {same[1]} 行的全部答案相同{ip_text}"
                    continue
                here = (r.file, int(lines[i]))
                if submission is not None:
                    seen.setdefault(("submission", a, submission), here)
                seen.setdefault(("answers", a, ip), here)
            repeat = pd.notna(detail)
            if repeat.any():
                _move(r, repeat, detail, rule_label("duplicate", unit_label(book)))
                moved += int(repeat.sum())
    return moved


def answer_hashes(valid: pd.DataFrame) -> list[tuple[str, int]]:
    """Each valid row's cleaned answers as (the columns, a hash of the values): equal for two rows
    iff they hold the same answers to the same questions (the input's name, line, time and duration
    left out)."""
    names = sorted(c for c in valid.columns if c not in ("_file", "_row", "_submitted", "_duration_s"))
    table = valid[names].astype("string").fillna("\x00")
    columns = "\x00".join(names)
    return [(columns, int(h)) for h in pd.util.hash_pandas_object(table, index=False).to_numpy()]


def _move(r: CleanResult, repeat: np.ndarray, detail: np.ndarray, reason: str) -> None:
    rows = r.valid.loc[repeat, "_row"].to_numpy(dtype="int64")
    extra = pd.DataFrame({"instrument": r.instrument, "file": r.file, "row": rows,
                          "district": r.keys.loc[repeat, "district"].to_numpy(), "rule": "duplicate",
                          "reason": reason, "detail": detail[repeat]}, columns=r.exclusions.columns)
    r.exclusions = (pd.concat([r.exclusions, extra], ignore_index=True) if len(r.exclusions) else extra) \
        .sort_values("row", kind="stable").reset_index(drop=True)
    r.valid = r.valid[~repeat].reset_index(drop=True)
    r.keys = r.keys[~repeat].reset_index(drop=True)
