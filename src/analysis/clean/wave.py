"""The prepare step of the DAG: every export of a wave → cleaned Parquet files, and loading them back.

``prepare_wave`` reads ``data/raw/<wave>/``, recognises each file's questionnaire from its headers,
cleans it, and writes ``data/processed/<wave>/``:

- ``<instrument>.parquet``  one row per valid response (codes, numbers; no personal data)
- ``exclusions.parquet``    every dropped row: file, row, district, rule, reason
- ``changes.parquet``       every changed or blanked cell: before, after, rule
- ``flow.parquet``          per instrument and district: received, excluded by rule, valid
- ``unmapped.parquet``      answers no label or alias matched, with counts (add aliases for them)
- ``manifest.json``         input and codebook hashes, package versions

The folder is written under a temporary name and swapped in whole, so readers never see a mix of
two runs. Raw files are only ever read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import platform
import re
import shutil
import unicodedata
from importlib import metadata
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.clean import duplicates, personal, unitnames
from analysis.clean.table import (
    CHANGE_COLUMNS,
    EXCLUSION_COLUMNS,
    CleanResult,
    clean_table,
    matched_headers,
    matched_variables,
    rule_label,
    unit_label,
    variable_for_header,
)
from analysis.errors import SurveyError
from analysis.fileio import make_temp_dir, read_yaml, replace_dir, sha256_file
from analysis.read import ingest
from analysis.spec import codebook as cb

FLOW_COLUMNS = ["instrument", "district", "received", "excluded", "valid"]
_VERSIONED = ("pandas", "numpy", "pyarrow", "statsmodels", "matplotlib", "seaborn", "papermill",
              "python-docx", "opencc", "openpyxl")


@dataclasses.dataclass
class Wave:
    """A cleaned wave as the analysis sees it: frames per questionnaire plus the logs.

    ``exclusions`` and ``changes`` may be given as the Parquet file to read them from: a wave
    loaded back reads them the first time they are used (reports never use the change log, which
    for a national wave is over a million rows and most of the loading time).
    """

    wave: str
    frames: dict[str, pd.DataFrame]
    _exclusions: pd.DataFrame | Path
    _changes: pd.DataFrame | Path
    flow: pd.DataFrame
    unmapped: pd.DataFrame
    codebooks: dict[str, cb.Codebook]
    manifest: dict
    # input id → the file (and sheet) it names, phone and ID numbers masked: for the terminal of
    # the run that prepared the wave, never written (see source_id)
    sources: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def exclusions(self) -> pd.DataFrame:
        if isinstance(self._exclusions, Path):
            self._exclusions = pd.read_parquet(self._exclusions)
        return self._exclusions

    @property
    def changes(self) -> pd.DataFrame:
        if isinstance(self._changes, Path):
            self._changes = pd.read_parquet(self._changes)
        return self._changes

    @property
    def districts(self) -> list[str]:
        """The reporting units, by name: every unit that sent responses in any questionnaire (a unit
        whose every response was excluded too: its report says it has no valid responses); in the
        codebook's option order for a single-choice unit, sorted for a text one. ``[WHOLE_SAMPLE]``
        when no questionnaire of the wave has a unit question (one report for the whole sample)."""
        units = {i: self.codebooks[i].role("district") for i in self._instruments()}
        if not any(units.values()):
            return [config.WHOLE_SAMPLE]
        names: set[str] = set()
        if len(self.flow):
            names |= set(self.flow.loc[self.flow["received"] > 0, "district"].astype(str))
        for instrument, var in units.items():
            df = self.frames.get(instrument)
            if var is not None and df is not None and var in df:
                names |= set(df[var].dropna().astype(str))
        names -= {config.NO_DISTRICT, config.WHOLE_SAMPLE}
        order: dict[str, int] = {}
        for instrument, var in units.items():       # option order of single-choice units
            if var is not None and self.codebooks[instrument].variables[var].type == "single":
                for label in self.codebooks[instrument].variables[var].values.values():
                    order.setdefault(label, len(order))
        return sorted(names, key=lambda n: (order.get(n, len(order)), n))

    @property
    def unit_label(self) -> str:
        """The unit's own word for headings and sentences: the label of the first questionnaire's
        ``role: district`` variable (区县, 学校, 街道 …), ``config.UNIT_LABEL`` when none has one."""
        for instrument in self._instruments():
            if self.codebooks[instrument].role("district"):
                return unit_label(self.codebooks[instrument])
        return config.UNIT_LABEL

    @property
    def info(self) -> dict:
        """The wave's ``wave.yaml`` as prepared (see :func:`wave_info`); empty when it has none."""
        return dict(self.manifest.get("wave_info") or {})

    @property
    def title(self) -> str:
        """The survey's name for titles (see :func:`wave_title`)."""
        return wave_title(self.info, [self.codebooks[i] for i in self._instruments()], self.wave)

    def _instruments(self) -> list[str]:
        """The questionnaires of this wave (those its files were recognised as), sorted."""
        found = set(self.frames)
        if len(self.flow):
            found |= set(self.flow["instrument"].astype(str))
        return sorted(i for i in found if i in self.codebooks)

    def rows(self, instrument: str, unit: str) -> pd.DataFrame:
        """The valid responses of one questionnaire from one reporting unit (a district, a school …);
        every response when the questionnaire has no unit question and ``unit`` is
        ``config.WHOLE_SAMPLE``. Empty (same columns) when the unit sent none of this kind."""
        df = self.frames[instrument]
        var = self.codebooks[instrument].role("district")
        if var is None or var not in df:
            return df if unit == config.WHOLE_SAMPLE else df.iloc[:0]
        return df[df[var].astype("string") == unit]

    def labelled(self, instrument: str) -> pd.DataFrame:
        """A questionnaire's valid responses with Chinese answer labels (ordered categories) in place
        of codes, for crosstabs and charts in a notebook: ``pd.crosstab(df.post, df.edu2)``.
        Categories run from the lowest code up, so on a scale ``df.x >= "比较满意"`` and ``min()`` mean
        what they say; variable labels are in ``df.attrs["labels"]``. The statistics functions take
        codes and refuse this frame (``stats.base.check_codes``); ``analysis.open_wave(…).survey(…)``
        takes labels and codes alike."""
        book = self.codebooks[instrument]
        df = self.frames[instrument].copy()
        unit = book.role("district")
        for name in [*book.variables, *book.derived]:
            if name == unit and name in df and book.variables[name].type == "single":
                names = list(book.variables[name].values.values())   # already labels: option order
                df[name] = pd.Categorical(df[name], categories=names, ordered=True)
                continue
            if name == unit:
                continue
            if name in df and (name in book.derived or book.variables[name].type == "single"):
                labels = book.labels(name)
                df[name] = pd.Categorical(df[name].map(labels), categories=[labels[c] for c in sorted(labels)],
                                          ordered=True)
        df.attrs["labels"] = {n: book.label(n) for n in [*book.variables, *book.derived] if n in df}
        return df


def identify(table: ingest.RawTable, books: dict[str, cb.Codebook]) -> cb.Codebook:
    """The codebook whose questions a file's headers match best (above its min_header_match): the
    share of its variables the cleaner finds in the headers (a matrix row by ``第N题(行标题)``, a
    multi-select by its ``第N题(选项)`` columns, each question once)."""
    shares = {name: len(matched_variables(table.frame.columns, book)) / max(1, len(book.variables))
              for name, book in books.items()}
    best = max(shares, key=shares.get)
    if shares[best] < books[best].min_header_match:
        detail = "；".join(f"{books[n].title} {s:.0%}" for n, s in sorted(shares.items()))
        raise SurveyError(
            f"认不出这是哪份问卷：表头与各编码手册题目的吻合比例为 {detail}，都低于要求。",
            file=table.name,
            fix="确认文件是问卷导出的答卷数据且表头在前几行；若题目文字改过，把新题目加到编码手册"
                "对应变量的 headers 列表；若是新问卷，先为它写一份编码手册。")
    _one_codebook(table, books, shares, best)
    return books[best]


def _one_codebook(table: ingest.RawTable, books: dict[str, cb.Codebook], shares: dict[str, float],
                  best: str) -> None:
    """Two codebooks that both pass their threshold and claim (nearly) the same columns of a file
    (a copy of a codebook, an old and a new version side by side) leave it unclear which applies:
    an error naming both, never the first one taken in silence. Questionnaires that share a few
    questions (a district, gender and age asked of workers and residents alike) do not clash."""
    columns = list(table.frame.columns)
    mine = matched_headers(columns, books[best])
    for name, share in shares.items():
        if name == best or share < books[name].min_header_match:
            continue
        theirs = matched_headers(columns, books[name])
        if len(mine & theirs) >= 0.9 * max(len(mine), len(theirs), 1):
            a, b = sorted([books[best].path.name, books[name].path.name])
            raise SurveyError(
                f"两份编码手册 {a} 和 {b} 都与这个文件的表头吻合（{shares[best]:.0%}、{share:.0%}），"
                "无法确定用哪一份。", file=table.name,
                fix="把不用的一份移出编码手册文件夹（或删去）；两份确是不同问卷时，改动其中一份的题目文字，"
                    "让每个文件只与一份吻合。")


WAVE_INFO = "wave.yaml"
WAVE_INFO_KEYS = {
    "title": "调查名称，报告标题用它（如 2026年某区中小学家长满意度调查）",
    "organisation": "组织调查的单位",
    "area": "调查地区（如 某市某区）",
    "year": "调查年份（如 2026）",
    "date": "调查日期（如 2026-09-15）",
    "synthetic": "true 表示合成的示例数据（每份报告注明“示例数据”）",
    "questionnaires": "报告中各问卷的先后，写编码手册的 instrument 名（如 [worker, resident]）；未列出的排在后面",
    "note": "备注",
}
_PLAUSIBLE_YEARS = range(1949, 2101)
_TITLE_SUFFIX = re.compile(r"(调查问卷|问卷调查|问卷|调查表|统计表|登记表|调研表|表)$")


def wave_info(folder: Path) -> dict:
    """The optional ``wave.yaml`` beside the exports (keys: ``WAVE_INFO_KEYS``), checked: the
    survey's title, who ran it, where and when, and whether the data are synthetic. A date is
    returned as ``YYYY-MM-DD`` text (it goes into the JSON manifest)."""
    path = Path(folder) / WAVE_INFO
    if not path.is_file():
        return {}
    info = read_yaml(path, "wave.yaml ", "") or {}
    allowed = "；".join(f"{k}（{v}）" for k, v in WAVE_INFO_KEYS.items())
    if not isinstance(info, dict):
        raise SurveyError("wave.yaml 应是“键: 值”的列表。", file=str(path), fix=f"可用的键：{allowed}。")
    unknown = [str(k) for k in info if k not in WAVE_INFO_KEYS]
    if unknown:
        raise SurveyError(f"wave.yaml 中有不认识的键：{'、'.join(unknown)}。", file=str(path),
                          variable=unknown[0], fix=f"可用的键：{allowed}。")
    out: dict = {}
    for key, value in info.items():
        if value is None:
            continue
        if key == "synthetic":
            if not isinstance(value, bool):
                raise SurveyError(f"synthetic 应是 true 或 false，写的是“{value}”。", file=str(path),
                                  variable=key, fix="写成 synthetic: true 或删去这一行。")
            out[key] = value
        elif key == "questionnaires":
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise SurveyError("questionnaires 应是问卷名（编码手册的 instrument）的列表。", file=str(path),
                                  variable=key, fix="写成 questionnaires: [worker, resident]。")
            out[key] = [v.strip() for v in value]
        elif key == "year":
            if isinstance(value, bool) or not isinstance(value, int) or value not in _PLAUSIBLE_YEARS:
                raise SurveyError(f"year 应是四位数的年份，写的是“{value}”。", file=str(path), variable=key,
                                  fix="写成 year: 2026。")
            out[key] = value
        elif key == "date":
            if isinstance(value, dt.datetime):
                value = value.date()
            if isinstance(value, str):
                try:
                    value = dt.date.fromisoformat(value.strip())
                except ValueError:
                    value = None
            if not isinstance(value, dt.date) or value.year not in _PLAUSIBLE_YEARS:
                raise SurveyError(f"date 应是日期，写的是“{info[key]}”。", file=str(path), variable=key,
                                  fix="写成 date: 2026-09-15。")
            out[key] = value.isoformat()
        else:
            if not isinstance(value, (str, int, float)) or isinstance(value, bool) or not str(value).strip():
                raise SurveyError(f"{key} 应是一段文字。", file=str(path), variable=key,
                                  fix=f"写成 {key}: …（{WAVE_INFO_KEYS[key]}），或删去这一行。")
            out[key] = str(value).strip()
    return out


def wave_title(info: dict, books: list[cb.Codebook], wave: str) -> str:
    """The survey's name: ``wave.yaml``'s ``title``; else made from what the researcher wrote, never
    from answers: its ``area``, the year (``year``, ``date``, the codebooks' ``survey_date``, or the
    wave's folder name when that is a plausible year) and the questionnaires' titles (问卷/调查表
    dropped, 调查 added): “2026年家长满意度调查”, “某区2026年社区工作者、居民调查”."""
    if info.get("title"):
        return str(info["title"])
    year = info.get("year") or (int(str(info["date"])[:4]) if info.get("date") else None)
    if year is None and books:
        years = [b.survey_date.year for b in books]
        year = max(set(years), key=lambda y: (years.count(y), y))
    if year is None and str(wave).isdigit() and int(wave) in _PLAUSIBLE_YEARS:
        year = int(wave)
    subjects = list(dict.fromkeys(_TITLE_SUFFIX.sub("", b.title.strip()) or b.title.strip() for b in books))
    subjects = [s for s in subjects if s]
    subject = "、".join(subjects) if 0 < len(subjects) <= 3 else ""
    if not subject.endswith(("调查", "调研", "普查", "评价", "测评")):
        subject += "调查"
    return f"{info.get('area', '')}{f'{year}年' if year else ''}{subject}"


def prepare_wave(wave: str, raw_dir: Path = config.RAW_DIR, processed_dir: Path = config.PROCESSED_DIR,
                 codebook_dir: Path = config.CODEBOOK_DIR, progress=None) -> Wave:
    """Clean every export of a wave (every visible worksheet of a workbook) and write
    ``processed_dir/wave`` in one swap. A response found in an earlier file or sheet too (a
    re-download, two sheets of one download) is excluded as a duplicate; file names are never
    written: each input is named by its questionnaire and a hash of its bytes (:func:`source_id`)."""
    books = cb.load_all(codebook_dir)
    files = ingest.discover(Path(raw_dir) / wave)
    known = {k for b in books.values() for k in b.header_map()}
    say = progress or (lambda msg: None)
    cleaned: list[tuple[ingest.RawTable, CleanResult, dict]] = []
    skipped: list[dict] = []               # sheets not read: by the file's hash and the sheet's place
    for path in files:
        tables, passed_over = ingest.read_all(path, known)
        sha = sha256_file(path)
        shown = personal.mask(path.name)       # the terminal too never shows a phone or ID number
        for place, name, why in passed_over:
            say(f"{shown} 的工作表“{name}”是{why}的，没有读取"
                + ("（要用它，在 Excel 中右键工作表标签 → 取消隐藏）" if why == "隐藏" else ""))
            skipped.append({"sha256": sha, "sheet": place, "reason": why})
        for table in tables:
            try:
                book = identify(table, books)
            except SurveyError:
                if len(tables) == 1:
                    raise
                say(f"{personal.mask(table.name)} 的表头不是任何一份问卷的题目，没有读取")
                skipped.append({"sha256": sha, "sheet": table.sheet_no, "reason": "不是问卷"})
                continue
            _formulas_computed(table, book, say)
            source = source_id(book, sha, table.sheet_no)
            say(f"{personal.mask(table.name)} → {book.title}（数据中记为 {source}），{len(table.frame)} 行")
            for line in _table_lines(table):
                say(f"  {line}")
            r = clean_table(table, book, source=source)
            check_unit_names(r, book)
            cleaned.append((table, r, {"id": source, "sheet": table.sheet_no, "sha256": sha}))
    if not cleaned:
        raise SurveyError("没有一个工作表的表头是问卷的题目。", file=str(Path(raw_dir) / wave),
                          fix="确认文件是问卷导出的答卷数据；或为这份问卷写一份编码手册。")
    duplicates.exclude_repeats([r for _, r, _ in cleaned], books)
    notes: list[dict] = []
    for table, r, ident in cleaned:
        notes.append(_file_flow(r) | ident | {
            "rows": len(table.frame), "header_row": table.header_row, "encoding": table.encoding,
            "layout": "按序号" if r.numbering == "position" else "按文本/代码",
            "blank_rows": table.blank_rows, "header_rows": list(table.header_rows),
            "notes": list(table.notes), "ignored_columns": r.ignored_columns})
        f = notes[-1]
        book = books[r.instrument]
        excluded = "，".join(f"{rule_label(k, unit_label(book))} {v}" for k, v in f["excluded"].items()) or "无"
        say(f"{f['id']}：收到 {f['received']}，有效 {f['valid']}，剔除 {sum(f['excluded'].values())}（{excluded}）")
    w = _assemble(wave, [r for _, r, _ in cleaned], books, notes, codebook_dir)
    w.manifest["skipped"] = skipped
    w.manifest["unit_notes"] = _similar_units([r for _, r, _ in cleaned], books, say)
    w.sources = {ident["id"]: personal.mask(table.name) for table, _, ident in cleaned}
    w.manifest["wave_info"] = wave_info(Path(raw_dir) / wave)
    _write(w, Path(processed_dir) / wave)
    return w


def _unwritable(c: str) -> bool:
    """A character no report can hold: a control character (XML 1.0 and Excel cells refuse them),
    a surrogate, or a Unicode non-character (U+FFFE, U+FFFF, U+FDD0–U+FDEF …)."""
    o = ord(c)
    return unicodedata.category(c) in ("Cc", "Cs") or 0xFDD0 <= o <= 0xFDEF or (o & 0xFFFE) == 0xFFFE


def check_unit_names(r: CleanResult, book: cb.Codebook) -> None:
    """Refuse a reporting unit's name that no report could carry: one with a control or
    non-character, or the name of the pooled comparison group (全部区县) every report holds beside
    the unit. SurveyError naming the file, the first row and the fix. Other odd names ({x}, $…$,
    -2+3, 300 characters) are kept: the writers treat them as text."""
    var = book.role("district")
    if var is None or var not in r.valid or not len(r.valid):
        return
    word = unit_label(book)
    pooled = {config.POOLED_GROUP, f"全部{word}"}
    for name in r.valid[var].dropna().astype(str).unique():
        bad = sorted({f"U+{ord(c):04X}" for c in name if _unwritable(c)})
        if not bad and name not in pooled:
            continue
        row = int(r.valid.loc[r.valid[var].astype(str) == name, "_row"].iloc[0]) if "_row" in r.valid else None
        shown = "".join(f"\\u{ord(c):04x}" if _unwritable(c) else c for c in name)
        if bad:
            raise SurveyError(f"{word}名称“{shown}”含有不可见的控制字符或非字符（{'、'.join(bad)}），"
                              "Word、Excel 和网页报告都无法写入。", file=r.file, row=row, variable=var,
                              fix=f"在原始文件中删去该{word}名称里的这个字符（多半是复制粘贴带入的），再重新运行。")
        raise SurveyError(f"{word}名称“{name}”与报告中“全部{word}”合计这一组的名称相同，两者会混为一组。",
                          file=r.file, row=row, variable=var,
                          fix=f"在原始文件中改用该{word}的实际名称；若这些是汇总行，删去它们再重新运行。")


def _similar_units(results: list[CleanResult], books: dict[str, cb.Codebook], say) -> list[dict]:
    """Unit names of a text unit question that differ only by a prefix, suffix or bracket
    (:mod:`analysis.clean.unitnames`), said on the terminal with the ``aliases:`` that would merge
    them, and returned for the manifest."""
    out = []
    for instrument in sorted({r.instrument for r in results}):
        book = books[instrument]
        unit = book.role("district")
        if unit is None or book.variables[unit].type != "text":
            continue
        counts: dict[str, int] = {}
        for r in (r for r in results if r.instrument == instrument):
            for name, n in r.received.items():
                if name not in (config.NO_DISTRICT, config.WHOLE_SAMPLE):
                    counts[str(name)] = counts.get(str(name), 0) + int(n)
        for group in unitnames.similar(counts):
            hint = unitnames.alias_hint(group, counts)
            say(f"{book.title}：{unit_label(book)}“{'”“'.join(group)}”可能是同一个{unit_label(book)}，"
                f"现在分开统计；如是同一个，在 {book.path.name} 的 {unit} 下写 {hint}")
            out.append({"instrument": instrument, "names": group, "aliases": hint})
    return out


def source_id(book: cb.Codebook, sha256: str, sheet: int | None = None) -> str:
    """How the processed data name an input: the questionnaire, the first digits of the file's
    SHA-256 and, in a workbook of several sheets, the sheet's place. Never the file name, which
    may hold a name or a phone number (``桥东区幸福社区_张建国_138….xlsx``)."""
    return f"{book.instrument}-{sha256[:10]}" + (f"-{sheet}" if sheet else "")


def _formulas_computed(table: ingest.RawTable, book: cb.Codebook, say) -> None:
    """Formula cells saved without their result (a workbook written by a program and never opened
    in Excel) read as empty. In a number question's column (a total) that is an error naming the
    column and the fix; elsewhere a line saying which column lost how many cells, and the fix."""
    if not table.uncached:
        return
    fix = ("用 Excel 或 WPS 打开该文件，确认公式算出了结果后保存，再重新运行；"
           "或把这一列复制后“选择性粘贴 → 数值”。")
    for header, n in table.uncached.items():
        var = variable_for_header(header, book)
        if var is not None and var.type in ("number", "age"):
            raise SurveyError(
                f"“{header}”列有 {n} 个公式单元格没有计算结果（文件是程序生成的，从未在 Excel 中计算过），"
                "读出来是空的。", file=table.name, variable=header, fix=fix)
        used = "按未填写处理" if var is not None else "该列问卷不用，未影响统计"
        say(f"  “{header}”列有 {n} 个公式单元格没有计算结果（{used}）。{fix}")
        table.notes = (*table.notes, f"“{header}”列有 {n} 个公式单元格没有计算结果")


def _table_lines(table: ingest.RawTable) -> list[str]:
    """What the reader set aside or read differently from the cells' raw values, for the terminal."""
    out = []
    if table.header_rows:
        out.append(f"第 {'、'.join(map(str, table.header_rows[:10]))} 行是表头（重复的表头或题号、题型行），"
                   "不是答卷，没有计入")
    for header, n in table.dates_as_numbers.items():
        out.append(f"“{header}”列有 {n} 个单元格设成了日期格式（如 1900-01-23），按填写的数字读取")
    return out


def _file_flow(r: CleanResult) -> dict:
    """One input's sample flow: received = valid + excluded (by rule); a mismatch is a bug and stops the run."""
    received = int(r.received.sum())
    excluded = {str(k): int(v) for k, v in r.exclusions["rule"].value_counts().sort_index().items()}
    if received != len(r.valid) + sum(excluded.values()):
        raise RuntimeError(f"样本流核对失败（程序错误）：{r.file} 收到 {received}，有效 {len(r.valid)}，剔除 {excluded}")
    return {"instrument": r.instrument, "received": received, "valid": len(r.valid), "excluded": excluded}


def _assemble(wave: str, results: list[CleanResult], books: dict[str, cb.Codebook],
              files: list[dict], codebook_dir: Path) -> Wave:
    frames: dict[str, pd.DataFrame] = {}
    for instrument in sorted({r.instrument for r in results}):
        parts = [r.valid for r in results if r.instrument == instrument]
        df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        frames[instrument] = df
    exclusions = _concat([r.exclusions for r in results], EXCLUSION_COLUMNS)
    changes = _concat([r.changes for r in results], CHANGE_COLUMNS)
    flow = _flow(results, frames, books, exclusions)
    unmapped = pd.concat([r.unmapped.assign(instrument=r.instrument) for r in results], ignore_index=True)
    unmapped = (unmapped.groupby(["instrument", "variable", "value"])["count"].sum().reset_index()
                .sort_values(["instrument", "variable", "count"], ascending=[True, True, False],
                             kind="stable").reset_index(drop=True))
    manifest = {
        "wave": wave,
        "inputs": files,
        "codebooks": {b.instrument: {"file": b.path.name, "sha256": sha256_file(b.path)}
                      for b in books.values()},
        "python": platform.python_version(),
        "packages": {p: _version(p) for p in ("community-survey-analysis", *_VERSIONED)},
    }
    return Wave(wave, frames, exclusions, changes, flow, unmapped, books, manifest)


def _concat(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _flow(results: list[CleanResult], frames: dict[str, pd.DataFrame], books: dict[str, cb.Codebook],
          exclusions: pd.DataFrame) -> pd.DataFrame:
    """received = excluded + valid per instrument and district; a mismatch is a bug and stops the run."""
    rows = []
    for instrument, df in frames.items():
        received = pd.concat([r.received for r in results if r.instrument == instrument])
        received = received.groupby(level=0).sum().astype(int)
        dvar = books[instrument].role("district")
        if dvar is None:                     # no unit question: the whole sample is the one unit
            valid = pd.Series({config.WHOLE_SAMPLE: len(df)}, dtype="int64")
        else:                                # unit names (labels); rows without one were excluded
            valid = df[dvar].value_counts() if dvar in df else pd.Series(dtype="int64")
        exc = exclusions[exclusions["instrument"] == instrument]
        by_rule = exc.groupby(["district", "rule"]).size()
        for district in sorted(received.index):
            row = {"instrument": instrument, "district": district, "received": int(received[district]),
                   "excluded": int((exc["district"] == district).sum()),
                   "valid": int(valid.get(district, 0))}
            for rule in sorted(exc["rule"].unique()):
                row[f"excluded_{rule}"] = int(by_rule.get((district, rule), 0))
            if row["received"] != row["excluded"] + row["valid"]:
                raise RuntimeError(f"样本流核对失败（程序错误）：{instrument} {district} {row}")
            rows.append(row)
    flow = pd.DataFrame(rows)
    rule_cols = sorted(c for c in flow.columns if c.startswith("excluded_"))
    return flow.reindex(columns=FLOW_COLUMNS + rule_cols).fillna(0).astype(
        {c: "int64" for c in ["received", "excluded", "valid", *rule_cols]})


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _write(w: Wave, target: Path) -> None:
    tmp = make_temp_dir(target)
    try:
        for instrument, df in w.frames.items():
            df.to_parquet(tmp / f"{instrument}.parquet", index=False)
        for name in ("exclusions", "changes", "flow", "unmapped"):
            df = getattr(w, name)
            df.astype({c: "string" for c in df.columns if df[c].dtype == object}).to_parquet(
                tmp / f"{name}.parquet", index=False)
        (tmp / "manifest.json").write_text(json.dumps(w.manifest, ensure_ascii=False, indent=2),
                                           encoding="utf-8")
        replace_dir(tmp, target)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, OSError) and e.filename is None:
            e.filename = str(target)        # pyarrow's failed write names no file: the folder it was for
        raise


def load_wave(wave: str = config.DEFAULT_WAVE, processed_dir: Path = config.PROCESSED_DIR,
              codebook_dir: Path = config.CODEBOOK_DIR) -> Wave:
    """Read a prepared wave back (for notebooks and reports)."""
    folder = Path(processed_dir) / wave
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise SurveyError("还没有清洗好的数据。", file=str(folder),
                          fix=f"先运行 `survey prepare --wave {wave}`（或 make reports）。")
    books = cb.load_all(codebook_dir)
    manifest_bytes = manifest_path.read_bytes()
    manifest = json.loads(manifest_bytes.decode("utf-8"))
    _check_codebooks_unchanged(manifest, books, folder, wave)
    books = ordered_codebooks(books, (manifest.get("wave_info") or {}).get("questionnaires") or [], folder)
    names = [name for name in books if (folder / f"{name}.parquet").is_file()] + ["flow", "unmapped"]
    signature = hashlib.sha256(manifest_bytes + repr([
        (n, (folder / f"{n}.parquet").stat().st_size, (folder / f"{n}.parquet").stat().st_mtime_ns)
        for n in names]).encode()).hexdigest()
    cache_key = str(folder.resolve())
    cached = _LOADED.get(cache_key)
    if cached is None or cached[0] != signature:
        _LOADED.pop(cache_key, None)
        while len(_LOADED) >= 2:                # this wave and the one it is compared with
            _LOADED.pop(next(iter(_LOADED)))
        cached = _LOADED[cache_key] = (signature, {n: pd.read_parquet(folder / f"{n}.parquet") for n in names})
    tables = {n: df.copy() for n, df in cached[1].items()}   # a caller may change its copy freely
    flow, unmapped = tables.pop("flow"), tables.pop("unmapped")
    return Wave(wave, tables, folder / "exclusions.parquet", folder / "changes.parquet", flow, unmapped,
                books, manifest)


def ordered_codebooks(books: dict[str, cb.Codebook], order: list[str], where: Path) -> dict[str, cb.Codebook]:
    """The codebooks in the order ``wave.yaml``'s ``questionnaires`` gives (the order of a report's
    questionnaires), the rest after them in file order; a name no codebook has is an error."""
    unknown = [n for n in order if n not in books]
    if unknown:
        raise SurveyError(f"wave.yaml 的 questionnaires 中有没有编码手册的问卷：{'、'.join(unknown)}。",
                          file=str(where), variable="questionnaires",
                          fix=f"可用的问卷（编码手册的 instrument）：{'、'.join(books)}。")
    return {**{n: books[n] for n in order}, **{n: b for n, b in books.items() if n not in order}}


def _check_codebooks_unchanged(manifest: dict, books: dict[str, cb.Codebook], folder: Path, wave: str) -> None:
    """The cleaned data were made with these very codebooks: a question added, a code or a rule
    changed since ``survey prepare`` would otherwise surface as a puzzling error deep in a report."""
    made_with = {i: c["sha256"] for i, c in manifest.get("codebooks", {}).items()}
    now = {i: sha256_file(b.path) for i, b in books.items()}
    if made_with == now:
        return
    changed = sorted(set(made_with) ^ set(now) | {i for i in set(made_with) & set(now) if made_with[i] != now[i]})
    names = [books[i].path.name if i in books else manifest["codebooks"][i]["file"] for i in changed]
    raise SurveyError(f"问卷说明 {'、'.join(names)} 在清洗之后改过（或新增、删除），清洗好的数据已过期。",
                      file=str(folder), fix=f"重新运行 `survey prepare --wave {wave}`（或 make reports），再生成报告。")


# A warm kernel makes one district's report after another from the same wave: its frames are read
# from Parquet once per process and handed out as copies. The key is the folder; the signature (the
# manifest's bytes, which name every input's hash, and each file's size and modification time)
# makes a re-prepared or edited wave read again.
_LOADED: dict[str, tuple[str, dict[str, pd.DataFrame]]] = {}

