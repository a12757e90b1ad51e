"""Shared fixtures: the project's codebooks and a writer of small 问卷星-style exports."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# A brand-new machine's matplotlib: no font cache from earlier runs (set before matplotlib is first
# imported; the kernels the tests start inherit it). The house style lets charts use the bundled
# font only (charts.use_house_style), so the machine's own fonts cannot hide a missing one either.
os.environ["MPLCONFIGDIR"] = tempfile.mkdtemp(prefix="survey-tests-mpl-")
atexit.register(shutil.rmtree, os.environ["MPLCONFIGDIR"], True)

import pandas as pd
import pytest

from analysis import config
from analysis.spec import codebook

WJX_LEAD = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]


@pytest.fixture(scope="session")
def books():
    return codebook.load_all(config.CODEBOOK_DIR)


def wjx_frame(book, rows: list[dict], seconds: list[int] | None = None) -> pd.DataFrame:
    """A 问卷星 by-text export of ``rows`` (variable name → answer text); unlisted questions '(空)'."""
    records = []
    for i, answers in enumerate(rows):
        rec = {"序号": i + 1, "提交答卷时间": f"2026/09/03 12:{i % 60:02d}:00",
               "所用时间": f"{(seconds or [300] * len(rows))[i]}秒", "来源": "手机提交",
               "来源详情": "直接访问", "来自IP": f"10.0.0.{i % 250}(河北-石家庄)"}
        for k, var in enumerate(book.variables.values(), 1):
            rec[f"{k}、{var.question}"] = answers.get(var.name, "(空)")
        records.append(rec)
    return pd.DataFrame(records)


@pytest.fixture
def write_wjx(tmp_path):
    """Write rows as an .xlsx (default) or .csv export into tmp_path and return its path."""
    def write(book, rows, name="export.xlsx", seconds=None, encoding="utf-8"):
        df = wjx_frame(book, rows, seconds)
        path = Path(tmp_path) / name
        if path.suffix == ".csv":
            df.to_csv(path, index=False, encoding=encoding)
        else:
            df.to_excel(path, index=False)
        return path
    return write


def by_number(book, text_frame: pd.DataFrame) -> pd.DataFrame:
    """The 问卷星 按序号 download of the same answers as a 按文本 ``wjx_frame``: a single choice becomes
    its option's position in the questionnaire (the codebook's ``values`` order), a multi-select one
    ``第N题(选项)`` column per option holding 1/0, skipped -3 and empty -2 (FORMATS.md)."""
    marker = {"(跳过)": "-3", "(空)": "-2"}
    out = {}
    for k, var in enumerate(book.variables.values(), 1):
        col = text_frame[f"{k}、{var.question}"]
        if var.type == "single":
            position = {label: str(i) for i, label in enumerate(var.values.values(), 1)}
            out[f"{k}、{var.question}"] = col.map(lambda a, position=position: marker.get(a) or position[a])
        elif var.type == "multi":
            for label in var.values.values():
                out[f"第{k}题({label})"] = col.map(
                    lambda a, lab=label: marker.get(a) or ("1" if lab in a.split("┋") else "0"))
        else:
            out[f"{k}、{var.question}"] = col
    return pd.concat([text_frame[WJX_LEAD], pd.DataFrame(out)], axis=1)


R_SURVEY = Path(__file__).parent / "reference" / "r_survey"


@pytest.fixture(scope="session")
def fixture() -> pd.DataFrame:
    """The survey-shaped fixture R's reference values were computed on (tests/reference/r_survey)."""
    return pd.read_csv(R_SURVEY / "fixture.csv")


@pytest.fixture(scope="session")
def fx_margins():
    """Its population: district × gender × age band, as the weighting code takes margins."""
    from analysis.spec import margins as MG

    return MG.InstrumentMargins.from_joint(pd.read_csv(R_SURVEY / "fixture_margins.csv"),
                                          ["gender", "age_band"], "worker")


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The bundled sample through `survey build`, as a user runs it; once per test session."""
    from analysis import cli

    root = tmp_path_factory.mktemp("e2e")
    processed, reports = root / "processed", root / "reports"
    code = cli.main(["build", "--processed-dir", str(processed), "--reports-dir", str(reports), "--quiet"])
    return {"code": code, "processed": processed, "reports": reports / config.DEFAULT_WAVE}


@pytest.fixture(scope="session")
def planted(tmp_path_factory):
    """What the generator put in the sample (rows, duplicates, speeders, PII), regenerated independently."""
    from analysis.sample import synth

    return synth.make_sample(tmp_path_factory.mktemp("sample"))
