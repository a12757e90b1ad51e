"""One response, counted once over every file of a wave: a re-download beside the earlier file, two
sheets of one download, the text and the number download of the same answers.

Within one file the cleaner's ``duplicate`` rule already keeps the first of identical answers.
Here, over the rows of all files of one questionnaire in the order they were read, a row is
the later copy of an earlier one when its cleaned answers (codes, so a 按文本 and a 按序号 download
of one response agree) are the same and either it has the same 问卷星 序号 and submission time
(the same submission, whatever the codebook says) or, when the codebook's ``quality.duplicate``
rule is on, it comes from another file (with the same hashed IP when the rule says ``same_ip``).
The later copy is excluded with rule ``duplicate`` and the earlier copy's input and line as its
detail (a valid copy moves to the exclusions; one another rule excluded, e.g. a speeder in both
downloads, is relabelled, so the response counts once, under its first copy's outcome); the count
received is unchanged, so received = valid + excluded still holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.clean.table import CleanResult, rule_label, unit_label
from analysis.spec.codebook import Codebook


def exclude_repeats(results: list[CleanResult], books: dict[str, Codebook]) -> int:
    """Exclude every later copy of a response in ``results`` (in place): a valid copy moves to the
    exclusions, one already excluded by another rule is relabelled, so each response is counted
    once under its first copy's outcome. Returns how many copies were found."""
    found = 0
    for instrument in sorted({r.instrument for r in results}):
        book = books[instrument]
        by_answers = book.rule("duplicate") is not None
        seen: dict[tuple, tuple[str, int]] = {}
        for r in (r for r in results if r.instrument == instrument):
            if r.keys is None or not len(r.keys):
                continue
            k = r.keys
            detail = np.full(len(k), None, dtype=object)
            for i, (a, submission, ip, line) in enumerate(zip(k["answers"], k["submission"], k["ip"], k["row"])):
                same = seen.get(("submission", a, submission)) if submission is not None else None
                if same is not None:
                    detail[i] = f"与 {same[0]} 第 {same[1]} 行是同一份答卷（序号、提交时间和全部答案相同）"
                    continue
                same = seen.get(("answers", a, ip)) if by_answers else None
                if same is not None and same[0] != r.file:
                    ip_text = "，来自同一 IP" if ip is not None else ""
                    detail[i] = f"与 {same[0]} 第 {same[1]} 行的全部答案相同{ip_text}"
                    continue
                here = (r.file, int(line))
                if submission is not None:
                    seen.setdefault(("submission", a, submission), here)
                seen.setdefault(("answers", a, ip), here)
            repeat = pd.notna(detail)
            if repeat.any():
                _exclude(r, repeat, detail, rule_label("duplicate", unit_label(book)))
                found += int(repeat.sum())
    return found


def _exclude(r: CleanResult, repeat: np.ndarray, detail: np.ndarray, reason: str) -> None:
    k = r.keys
    excluded = k["excluded"].to_numpy(dtype=bool)
    relabel = dict(zip(k["row"].to_numpy()[repeat & excluded], detail[repeat & excluded]))
    if relabel:                                   # excluded already (a speeder …): now as the copy it is
        hit = r.exclusions["row"].isin(list(relabel)).to_numpy()
        r.exclusions.loc[hit, "detail"] = r.exclusions.loc[hit, "row"].map(relabel).to_numpy()
        r.exclusions.loc[hit, "rule"] = "duplicate"
        r.exclusions.loc[hit, "reason"] = reason
    move = repeat[~excluded]                      # over the valid rows, in their order
    if move.any():
        extra = pd.DataFrame({"instrument": r.instrument, "file": r.file,
                              "row": r.valid.loc[move, "_row"].to_numpy(dtype="int64"),
                              "district": k["district"].to_numpy()[~excluded][move], "rule": "duplicate",
                              "reason": reason, "detail": detail[~excluded][move]}, columns=r.exclusions.columns)
        r.exclusions = (pd.concat([r.exclusions, extra], ignore_index=True) if len(r.exclusions) else extra) \
            .sort_values("row", kind="stable").reset_index(drop=True)
        r.valid = r.valid[~move].reset_index(drop=True)
    k["excluded"] = excluded | repeat
