"""A questionnaire the project has never seen, the way a new user meets it: a 问卷星 按文本 export,
``survey codebook draft``, ``survey build`` on the draft as it is (the 街道 question is the
reporting unit, the overall rating the battery's overall item); every question of the draft then appears in the Word and web reports, and the
figures are the counts of the export itself."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import numpy as np
import pandas as pd
import pytest

from analysis import config

UNIT = "1、您所在的街道（镇）"
FREQ = "4、您去社区图书馆的频率"
DOES = "5、您在图书馆主要做什么（多选）"
OPTIONS = ["借阅图书", "自习", "亲子活动", "讲座培训", "上网"]
LEVELS = ["很不满意", "不太满意", "一般", "比较满意", "非常满意"]


def _export(path: Path, n: int = 173, seed: int = 7) -> pd.DataFrame:
    """A 问卷星 按文本 download of a library-use survey: three 街道, a single choice with (空), a ┋
    multi-select, a 矩阵 rating question (题干—行标题), an overall rating, a number, free text."""
    rng = np.random.default_rng(seed)
    rate = [rng.choice(LEVELS, n, p=p) for p in ([.05, .1, .25, .35, .25], [.1, .2, .3, .25, .15],
                                                  [.02, .08, .2, .4, .3], [.04, .1, .26, .36, .24])]
    frame = pd.DataFrame({
        "序号": range(1, n + 1),
        "提交答卷时间": [f"2026/10/{1 + i % 20:02d} 10:{i % 60:02d}:00" for i in range(n)],
        "所用时间": [f"{rng.integers(90, 600)}秒" for _ in range(n)], "来源": "手机提交", "来源详情": "直接访问",
        "来自IP": [f"10.0.{i // 200}.{i % 200}(浙江-杭州)" for i in range(n)],
        UNIT: rng.choice(["城关街道", "东城街道", "西湖镇"], n, p=[0.5, 0.35, 0.15]),
        "2、您的性别": rng.choice(["男", "女"], n),
        "3、您的年龄段": rng.choice(["18-29岁", "30-44岁", "45-59岁", "60岁及以上"], n),
        FREQ: rng.choice(["每周多次", "每周一次", "每月一两次", "很少去", "(空)"], n, p=[.15, .25, .3, .25, .05]),
        DOES: ["┋".join(sorted(set(rng.choice(OPTIONS, rng.integers(1, 4))), key=OPTIONS.index)) for _ in range(n)],
        "6、您对图书馆以下方面的满意程度—开放时间": rate[0],
        "6、您对图书馆以下方面的满意程度—藏书数量": rate[1],
        "6、您对图书馆以下方面的满意程度—工作人员服务": rate[2],
        "7、总体而言，您对社区图书馆的满意程度": rate[3],
        "8、过去一年您借阅了多少本书": rng.integers(0, 30, n),
        "9、您对图书馆有什么建议": rng.choice(["(空)", "希望延长开放时间", "多进新书", "(空)", "座位太少"], n)})
    frame.to_excel(path, index=False)
    return frame


def _survey(*args: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "survey"), *args], cwd=home, capture_output=True,
                          text=True, timeout=900, env={**os.environ, "SURVEY_HOME": str(home)})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    home = tmp_path_factory.mktemp("library")
    raw = home / "data" / "raw" / "2026"
    raw.mkdir(parents=True)
    (home / "config" / "codebooks").mkdir(parents=True)
    shutil.copytree(config.NOTEBOOK_DIR, home / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    export = raw / "555000111_按文本_社区图书馆使用情况调查_173_173.xlsx"
    frame = _export(export)
    draft = home / "library.yaml"
    done = _survey("codebook", "draft", str(export), "-o", str(draft), "--instrument", "library", home=home)
    assert done.returncode == 0, done.stderr
    text = draft.read_text(encoding="utf-8")
    assert "    role: district\n" in text and "  overall: q7\n" in text
    shutil.copy(draft, home / "config" / "codebooks" / "library.yaml")            # no edit
    done = _survey("build", "--wave", "2026", home=home)
    assert done.returncode == 0, done.stdout + done.stderr
    return {"home": home, "frame": frame, "reports": home / "reports" / "2026", "draft": text}


def _labels(draft: str) -> list[str]:
    """Every question label the draft gives, but the unit's own (it names the report instead)."""
    return re.findall(r"\n    label: ([^\n]+)", draft)[1:]


def test_every_unit_gets_a_report_named_by_its_answer(built):
    names = sorted(p.name for p in built["reports"].iterdir() if (p / "report.docx").is_file())
    assert names == sorted(built["frame"][UNIT].unique())


@pytest.mark.parametrize("unit", ["城关街道", "西湖镇"])
def test_every_drafted_question_is_in_the_word_and_web_report(built, unit):
    folder = built["reports"] / unit
    document = docx.Document(folder / "report.docx")
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    page = (folder / "report.html").read_text(encoding="utf-8")
    for label in _labels(built["draft"]):
        label = label.split("#")[0].strip().strip("'\"")
        assert label in text, (unit, label)
        assert label.replace("“", "&ldquo;") in page or label in page, (unit, label)
    for absent in ("Traceback", "findfont", "share", "response_share", "case_share"):
        assert absent not in text, absent
    assert "希望延长开放时间" not in text and "希望延长开放时间" not in page     # free text is counted, never shown


def test_figures_are_the_exports_own_counts(built):
    """城关街道: the frequency question's valid percents (largest remainder over the answered),
    the multi-select's case percents, the number's mean and the free-text count, as printed."""
    rows = built["frame"][built["frame"][UNIT] == "城关街道"]
    document = docx.Document(built["reports"] / "城关街道" / "report.docx")
    cells = [[c.text for c in r.cells] for t in document.tables for r in t.rows]
    answered = rows[FREQ][rows[FREQ] != "(空)"]
    top = answered.value_counts()
    shown = 0
    for option, k in top.items():     # valid percents (largest remainder: within 0.1), in whichever table
        exact = k / len(answered) * 100  # the draft put the question (profile or a question of its own)
        if any(option in r and str(k) in r and any(abs(float(x) - exact) < 0.1 for x in r
                                                   if re.fullmatch(r"\d+\.\d", x)) for r in cells):
            shown += 1
        else:                          # hidden by the wave's one decision: its row says “—”, no number
            assert any(option in r and "—" in r for r in cells), option
    assert shown >= len(top) - 2, (shown, len(top))
    chosen = rows[DOES].str.split("┋").explode().value_counts()
    for option, k in chosen.items():
        case = f"{k / len(rows) * 100:.1f}"
        assert any(r[0] == option and r[1] == str(k) and r[3] == case for r in cells if len(r) >= 4), option
    mean = rows["8、过去一年您借阅了多少本书"].mean()
    assert any(r[0] == "过去一年您借阅了多少本书" and r[2].startswith(f"{mean:.1f}") for r in cells if len(r) >= 3)
    wrote = int((rows["9、您对图书馆有什么建议"] != "(空)").sum())
    assert any(r[1] == str(wrote) and r[2] == str(len(rows)) for r in cells if len(r) == 3)


def test_a_researchers_notebook_edit_reaches_every_units_web_and_word_report(built):
    """Delete the 存在的问题 cell and add one of your own (a heading, a sentence, a crosstab): on the
    next run every unit's web page and Word report lose the one and gain the other."""
    import nbformat

    home = built["home"]
    path = home / "notebooks" / "district_report.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if "R.findings()" not in c.source]
    nb.cells.insert(-1, nbformat.v4.new_code_cell(
        'R.heading("补充分析：性别差异")\nR.paragraphs(["下表为按性别分组的结果。"])\nR.table("library_by_gender")'))
    nbformat.write(nb, path)
    (home / "config" / "codebooks" / "library.yaml").write_text(
        (home / "config" / "codebooks" / "library.yaml").read_text(encoding="utf-8")
        .replace("report:", "report:\n  breakdowns: [gender]", 1), encoding="utf-8")
    done = _survey("build", "--wave", "2026", home=home)
    assert done.returncode == 0, done.stdout + done.stderr
    for unit in built["frame"][UNIT].unique():
        folder = built["reports"] / unit
        document = docx.Document(folder / "report.docx")
        headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
        assert not any("存在的问题" in h for h in headings), (unit, headings)
        assert any(h.endswith("补充分析：性别差异") for h in headings), (unit, headings)
        texts = [p.text for p in document.paragraphs]
        assert "下表为按性别分组的结果。" in texts
        assert any(re.match(r"表\d+　.*按性别", t) for t in texts), unit
        page = (folder / "report.html").read_text(encoding="utf-8")
        assert "补充分析：性别差异" in page and "存在的问题" not in page
