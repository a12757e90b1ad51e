"""A draft run as it is: each export of ``wjx_exports`` (a 问卷星 按文本 + 按序号 pair, a GBK CSV, an
SPSS file) is drafted, prepared with the draft unchanged, and the unit's statistics are the
export's own counts, computed here from the known answers. The draft from the pair gives the same
statistics whichever of the two downloads is cleaned, and no draft holds a respondent's answer."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import wjx_exports as wx
from analysis.clean import load_wave, prepare_wave
from analysis.spec import draft
from analysis.stats.district import district_stats


def _prepare(home: Path, text: str, export: Path, name: str):
    (home / "cb").mkdir(parents=True, exist_ok=True)
    (home / "raw" / name).mkdir(parents=True)
    (home / "cb" / f"{name}.yaml").unlink(missing_ok=True)
    for p in (home / "cb").glob("*.yaml"):
        p.unlink()
    (home / "cb" / f"{name}.yaml").write_text(text, encoding="utf-8")
    shutil.copy(export, home / "raw" / name)
    prepare_wave(name, home / "raw", home / "proc", home / "cb")
    wave = load_wave(name, home / "proc", home / "cb")
    return wave, {u: district_stats(wave, u) for u in wave.districts}


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    home = tmp_path_factory.mktemp("pair")
    a, b, answers = wx.write_pair(home / "exports")
    made = draft.draft([b, a], instrument="svc")            # the 按序号 file first: order does not matter
    return {"home": home, "text": a, "number": b, "answers": answers, "draft": made,
            "by_text": _prepare(home / "t", made.text, a, "svc"),
            "by_number": _prepare(home / "n", made.text, b, "svc")}


def _rows(S: pd.DataFrame, table: str, variable: str, stat: str, group: str) -> dict[str, int]:
    x = S[(S["table"] == table) & (S["variable"] == variable) & (S["stat"] == stat) & (S["group"] == group)]
    return dict(zip(x["category_label"], x["n"].astype(int)))


def test_the_pair_draft_gives_identical_statistics_for_either_download(pair):
    _, by_text = pair["by_text"]
    _, by_number = pair["by_number"]
    assert sorted(by_text) == sorted(wx.STREETS)
    for unit in by_text:
        pd.testing.assert_frame_equal(by_text[unit].reset_index(drop=True), by_number[unit].reset_index(drop=True))


@pytest.mark.parametrize("layout", ["by_text", "by_number"])
def test_report_counts_are_the_answers_counted_by_hand(pair, layout):
    wave, stats = pair[layout]
    ans = pair["answers"]
    unit = "城关街道"
    S, mine = stats[unit], ans[ans[wx.UNIT] == unit]
    edu = mine["6、您的文化程度"][mine["6、您的文化程度"] != "(空)"].value_counts()
    got = _rows(S, "svc_composition", "q6", "share", unit)
    assert got == {"选项1（待填写）": 0, **{k: int(edu.get(k, 0)) for k in wx.EDU[1:]}}   # nobody chose 研究生
    parts = mine["9、您参加过哪些社区活动（多选）"].str.split("┋").explode().str.split("〖").str[0]
    assert _rows(S, "svc_q_q9", "q9", "case_share", unit) == {k: int((parts == k).sum()) for k in wx.ACTIVITIES}
    asked = mine["13、您参加议事会的频率"][mine["13、您参加议事会的频率"] != "(跳过)"].value_counts()
    assert _rows(S, "svc_q_q13", "q13", "share", unit) == {k: int(asked.get(k, 0)) for k in wx.FREQ}
    for row in wx.ROWS:                                   # 非常满意 … 很不满意 as the scale's 5 … 1
        col = mine[f"{wx.MATRIX}—{row}"]
        item = next(n for n, v in wave.codebooks["svc"].variables.items() if v.label == row)
        assert _rows(S, "svc_satisfaction", item, "share", unit) == {k: int((col == k).sum()) for k in wx.SAT}
    index = S[(S["table"] == "svc_satisfaction_index") & (S["stat"] == "item_total_r") & (S["group"] == unit)]
    assert sorted(index["variable"]) == ["q10_1", "q10_2", "q10_3"]          # the overall item is not an index item
    ages = mine["5、您的年龄（周岁）"].astype(float)
    mean = S[(S["table"] == "svc_numbers") & (S["variable"] == "age") & (S["stat"] == "mean")
             & (S["group"] == unit)]["exact"].item()
    assert mean == pytest.approx(ages.mean())
    bands = _rows(S, "svc_composition", "age_group", "share", unit)
    assert list(bands.values()) == [int(((ages >= lo) & (ages <= hi)).sum())
                                    for lo, hi in ((0, 34), (35, 44), (45, 54), (55, 200))]
    phones = S[(S["table"] == "svc_numbers") & (S["variable"] == "q7") & (S["stat"] == "mean")
               & (S["group"] == unit)]["exact"].item()
    assert phones == pytest.approx(mine["7、您家有几部手机"].astype(float).mean())   # 手机 is not personal data
    wrote = int((mine["14、您对社区工作的意见和建议"] != "(空)").sum())
    text = S[(S["table"] == "svc_text") & (S["variable"] == "q14") & (S["group"] == unit)]
    assert text["n"].astype(int).tolist() == [wrote]


def _secrets(answers: pd.DataFrame) -> set[str]:
    """Every answer a draft must not hold: names, phones, suggestions, typed 其他 text, IPs."""
    out = set(answers["2、您的姓名"]) | set(answers["3、您的联系电话"]) | set(wx.TYPED)
    out |= {s for s in answers["14、您对社区工作的意见和建议"] if s != "(空)"}
    out |= {ip.split("(")[0] for ip in answers["来自IP"]}
    return out


def test_no_draft_holds_a_respondents_answer(pair, tmp_path):
    secrets = _secrets(pair["answers"])
    assert len(secrets) > 300
    csv = tmp_path / "wjx.csv"
    csv_answers = wx.write_csv(csv)
    texts = {"pair": pair["draft"].text, "text": draft.draft_text(pair["text"]),
             "number": draft.draft_text(pair["number"]), "csv": draft.draft_text(csv)}
    for name, text in texts.items():
        leaked = sorted(s for s in secrets | _secrets(csv_answers) if s in text)
        assert leaked == [], (name, leaked[:5])
        book = yaml.safe_load(text)
        assert {v["name"] for v in book["variables"] if v.get("pii")} >= {"name", "phone"}, name


def test_the_pair_draft_says_what_it_could_not_know(pair):
    made = pair["draft"]
    book = yaml.safe_load(made.text)
    v = {x["question"]: x for x in book["variables"]}
    assert v[wx.UNIT]["role"] == "district" and v[wx.UNIT]["values"] == {1: "城关街道", 2: "东城街道", 3: "西湖镇"}
    assert list(v["6、您的文化程度"]["values"].values()) == ["选项1（待填写）", *wx.EDU[1:]]
    assert list(v["9、您参加过哪些社区活动（多选）"]["values"].values()) == wx.ACTIVITIES     # 技能培训: nobody
    assert v["7、您家有几部手机"]["type"] == "number" and v["8、您最近一部手机的价格（元）"]["type"] == "number"
    assert book["report"]["overall"] == "q11" and book["report"]["batteries"][0]["items"][-1] == "q11"
    assert book["report"]["profile"] == ["gender", "age_group", "q6", "q15"]
    assert any("文化程度" in c and "待填写" in c for c in made.checks)
    assert any("年龄段" in c for c in made.checks)
    assert made.notice is None


def test_csv_draft_runs_as_it_is(tmp_path):
    csv = tmp_path / "wjx.csv"
    answers = wx.write_csv(csv)
    wave, stats = _prepare(tmp_path, draft.draft_text(csv, instrument="svc"), csv, "svc")
    assert sorted(stats) == sorted(set(answers[wx.UNIT]))
    unit = "东城街道"
    mine = answers[answers[wx.UNIT] == unit]
    party = mine["15、您的政治面貌"].value_counts()
    assert _rows(stats[unit], "svc_composition", "q15", "share", unit) == {k: int(party.get(k, 0)) for k in wx.PARTY}
    chan = mine["16、您获取社区信息的渠道（多选）"].str.split("┋").explode().str.split("〖").str[0]
    assert _rows(stats[unit], "svc_q_q16", "q16", "case_share", unit) == \
        {k: int((chan == k).sum()) for k in wx.CHANNELS if (chan == k).any()}


def test_spss_draft_runs_as_it_is(tmp_path):
    sav = tmp_path / "residents.sav"
    raw = wx.write_sav(sav)
    made = draft.draft(sav, survey_date=pd.Timestamp("2026-09-15").date())
    book = yaml.safe_load(made.text)
    assert book["title"] == "社区居民满意度调查" and book["respondent"] == "社区居民"
    v = {x["name"]: x for x in book["variables"]}
    assert v["district"]["role"] == "district" and v["district"]["type"] == "single"
    assert v["district"]["values"] == {1: "桥东区", 2: "桥西区", 3: "新华区"}
    assert v["edu"]["values"][5] == "其他学历"                                     # nobody chose it
    assert book["report"]["overall"] == "overall" and v["phone"]["pii"]
    wave, stats = _prepare(tmp_path, made.text, sav, "residents")
    assert list(wave.districts) == ["桥东区", "桥西区", "新华区"]
    unit = "桥西区"
    mine = raw[raw["district"] == 2.0]
    S = stats[unit]
    for item in ("s1", "s2", "s3", "overall"):          # file codes 1 … 5 = 很不满意 … 非常满意; 99 missing
        counts = mine[item].value_counts()
        want = {wx.SAV_VALUES[item][c]: int(counts.get(float(c), 0)) for c in (5, 4, 3, 2, 1)}
        assert _rows(S, "residents_satisfaction", item, "share", unit) == want, item
    sex = mine["sex"][mine["sex"] != 9].value_counts()
    assert _rows(S, "residents_composition", "sex", "share", unit) == {"男": int(sex[1.0]), "女": int(sex[2.0])}
    index = S[(S["table"] == "residents_satisfaction_index") & (S["stat"] == "item_total_r") & (S["group"] == unit)]
    assert sorted(index["variable"]) == ["s1", "s2", "s3"]
    answered = mine[["s1", "s2", "s3"]].replace(99.0, np.nan).dropna()
    alpha = S[(S["table"] == "residents_satisfaction_index") & (S["stat"] == "alpha")
              & (S["group"] == unit)]["exact"].item()
    k, items = 3, answered.to_numpy()
    by_hand = k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert alpha == pytest.approx(by_hand)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The whole way, as a new user goes: both downloads in a folder, ``survey codebook draft`` on the
    folder, the draft moved into config/codebooks/ unchanged, the 按序号 file as the wave's data,
    ``survey build``."""
    import os
    import subprocess
    import sys

    from analysis import config

    home = tmp_path_factory.mktemp("built")
    a, b, answers = wx.write_pair(home / "downloads", n=90, seed=4)
    (home / "config" / "codebooks").mkdir(parents=True)
    (home / "data" / "raw" / "2026").mkdir(parents=True)
    shutil.copytree(config.NOTEBOOK_DIR, home / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(b, home / "data" / "raw" / "2026")

    def survey(*args):
        return subprocess.run([str(Path(sys.executable).parent / "survey"), *args], cwd=home, capture_output=True,
                              text=True, timeout=900, env={**os.environ, "SURVEY_HOME": str(home)})

    done = survey("codebook", "draft", str(home / "downloads"), "-o", "config/codebooks/svc.yaml", "--instrument", "svc")
    assert done.returncode == 0, done.stderr
    done = survey("build", "--wave", "2026")
    assert done.returncode == 0, done.stdout + done.stderr
    return home / "reports" / "2026", answers


def test_survey_build_on_the_unchanged_draft_prints_the_answers_counts(built):
    import docx

    from analysis import config

    reports, answers = built
    assert sorted(p.name for p in reports.iterdir() if (p / "report.docx").is_file()) == sorted(wx.STREETS)
    unit = "东城街道"
    mine = answers[answers[wx.UNIT] == unit]
    document = docx.Document(reports / unit / "report.docx")
    cells = [[c.text for c in r.cells] for t in document.tables for r in t.rows]
    text = "\n".join([p.text for p in document.paragraphs] + ["\t".join(r) for r in cells])
    party = mine["15、您的政治面貌"].value_counts()
    shown = {r[1]: r[2] for r in cells if len(r) >= 3 and r[0] == "政治面貌"}
    assert set(shown) == set(wx.PARTY)
    for option in wx.PARTY:            # a count, or — where suppression hides a small cell (or its complement)
        assert shown[option] in (str(party.get(option, 0)), "—"), option
    assert "—" not in shown.values() or min(party.get(o, 0) for o in wx.PARTY) < config.MIN_CELL
    assert sum(v != "—" for v in shown.values()) >= 1
    parts = mine["16、您获取社区信息的渠道（多选）"].str.split("┋").explode().str.split("〖").str[0]
    for option in wx.CHANNELS:
        k = int((parts == option).sum())
        if k < config.MIN_CELL:
            continue
        assert any(r[0] == option and r[1] == str(k) and r[3] == f"{k / len(mine) * 100:.1f}"
                   for r in cells if len(r) >= 4), option
    for label in ("环境卫生", "治安巡逻", "便民服务", "参加议事会的频率", "家有几部手机"):
        assert label in text, label
    leaked = sorted(s for s in _secrets(answers) if s in text)
    assert leaked == [] and "Traceback" not in text
